//! Values that stand in for a secret rather than being one: placeholders, slots to fill in,
//! restated names, mounted paths and stored password hashes.

use super::names::name_words;

/// True for values that stand in for a secret rather than being one: references to variables
/// and secret stores, slots to fill in (`<your-key>`, `replace with your access key`,
/// `nvapi-NVKEY`), masks and filler (`****`, `xxxx`, `aaaaaaa`) and stock words (`changeme`).
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() < 4 {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    let variable =
        value.starts_with('$') || value.contains("${") || value.contains("{{") || value.contains("$(");
    let angle = value.starts_with('<') && value.ends_with('>');
    // `{.credential.access_token}` (kubectl JSONPath), `{vault://env/pg-password}` (Kong vault
    // reference), `#{ENV['TOKEN']}` and `%{env:TOKEN}` (Ruby, Fluentd), `__TOKEN__` and
    // `@TOKEN@` (token replacement at deploy time).
    let braced =
        (value.starts_with('{') && value.ends_with('}')) || value.contains("#{") || value.contains("%{");
    let replaced = value.len() > 4
        && ((value.starts_with("__") && value.ends_with("__"))
            || (value.starts_with('@') && value.ends_with('@')));
    let masked = value
        .chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_' | '#'));
    const WORDS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "replaceme",
        "replace-me",
        "replace_me",
        "placeholder",
        "redacted",
        "example",
        "dummy",
        "notasecret",
        "not-a-secret",
        "none",
        "null",
        "true",
        "false",
        "todo",
        "tbd",
        "secret",
        "password",
        "yourpassword",
        "your-password",
        "mypassword",
        "pass",
        "passwd",
        "enabled",
        "disabled",
    ];
    // One character over and over (`aaaaaaa`, `0000`) is filler, not a chosen secret.
    let filler = value.chars().all(|c| value.starts_with(c));
    variable
        || angle
        || braced
        || replaced
        || masked
        || filler
        || WORDS.contains(&lower.as_str())
        || asks_to_be_filled(value)
        || names_its_slot(value)
        || lower.starts_with("your_")
        || lower.starts_with("your-")
        || SLOT_PREFIXES.iter().any(|p| lower.starts_with(p))
        || lower.contains("not-a-real")
        || lower.contains("not_a_real")
}

/// How values that ask to be filled in begin (`replace-me-token`, `changeme-in-prod`).
const SLOT_PREFIXES: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "replace_me",
];

/// Words that ask for a value to be filled in (`replace with your access key`, `fake_password`,
/// `token-goes-here`); a value holding one as a word is a slot, not a secret.
const SLOT_WORDS: &[&str] = &[
    "REPLACE",
    "REPLACEME",
    "PLACEHOLDER",
    "CHANGEME",
    "EXAMPLE",
    "DUMMY",
    "FAKE",
    "SAMPLE",
    "REDACTED",
    "INSERT",
    "HERE",
    "TODO",
    "FIXME",
];

/// True when a word of the value asks for it to be filled in: one of [`SLOT_WORDS`], or a word
/// that begins with `YOUR` (`your-key`, `YOURTOKEN`, `yourpassword`).
fn asks_to_be_filled(value: &str) -> bool {
    name_words(value)
        .iter()
        .any(|word| word.starts_with("YOUR") || SLOT_WORDS.contains(&word.as_str()))
}

/// `nvapi-NVKEY`, `sk-YOUR_KEY`, `MY_API_KEY`: an upper-case identifier naming a secret, after
/// a lower-case vendor prefix or alone. A real key's body is random, with digits and both cases;
/// these have a word for a body.
fn names_its_slot(value: &str) -> bool {
    let body = match value.split_once(['-', '_']) {
        Some((prefix, rest))
            if (2..=8).contains(&prefix.len())
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
        {
            rest
        }
        _ => value,
    };
    let identifier = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_uppercase() || matches!(b, b'_' | b'-'));
    identifier
        && ["KEY", "TOKEN", "SECRET", "PASS", "PWD"]
            .iter()
            .any(|word| body.contains(word))
}

/// The stock passwords that are placeholders under most names, but the password itself under a
/// name that ends in a password word (see [`super::ends_in_password`]).
pub fn is_password_word(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "password" | "passwd" | "pass"
    )
}

/// True for a stored password hash in a format that says what it is: bcrypt (`$2b$12$…`),
/// argon2 (`$argon2id$…`) and the other crypt(3) forms (`$6$…`, `$apr1$…`), LDAP schemes
/// (`{SSHA}…`, `{SHA}…`) and Django's (`pbkdf2_sha256$…`). Whoever reads it cannot log in with it.
pub fn is_password_hash(value: &str) -> bool {
    let value = value.trim();
    let crypt = value.starts_with('$')
        && value
            .get(1..)
            .and_then(|rest| rest.split_once('$'))
            .is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !rest.is_empty()
            });
    let ldap = value.starts_with('{')
        && value
            .get(1..)
            .and_then(|rest| rest.split_once('}'))
            .is_some_and(|(scheme, rest)| {
                matches!(
                    scheme.to_ascii_uppercase().as_str(),
                    "SHA" | "SSHA" | "SHA256" | "SSHA256" | "SHA512" | "SSHA512" | "MD5" | "SMD5" | "CRYPT"
                ) && !rest.is_empty()
            });
    let django = [
        "pbkdf2_sha256$",
        "pbkdf2_sha1$",
        "argon2$",
        "bcrypt_sha256$",
        "scrypt$",
    ]
    .iter()
    .any(|prefix| value.starts_with(prefix));
    crypt || ldap || django
}

/// True for a SHA-1 digest in hex (40 hex digits), the form Kong stores a basic-auth password
/// in and decK dumps it as.
pub fn is_sha1_hex(value: &str) -> bool {
    let value = value.trim();
    value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for a value that stands in for the secret its name describes: the name restated as a
/// template slot (`HF_TOKEN: HF_TOKEN`, `GOOGLE_API_KEY: GOOGLE_API_KEY_VAL`,
/// `ETCD_TOKEN: INSERT_ETCD_TOKEN`), or an absolute file path where the secret is mounted
/// (`GOOGLE_APPLICATION_CREDENTIALS: /var/secrets/google/key.json`).
pub fn stands_in_for(name: &str, value: &str) -> bool {
    let squash = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let value = value.trim();
    let path = value.starts_with('/') && !value.contains(char::is_whitespace);
    let (name, squashed) = (squash(name), squash(value));
    let restated = !name.is_empty() && squashed.contains(&name) && name.len() * 2 >= squashed.len();
    path || restated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_not_secrets() {
        for value in [
            "${DB_PASSWORD}",
            "$TOKEN",
            "<password>",
            "changeme",
            "CHANGEME",
            "********",
            "xxxx",
            "{{ .Values.pw }}",
            "",
            "true",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["s3cr3t-Pa55", "hunter2hunter2", "Zx9!kLm2"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn references_and_deploy_time_slots_are_placeholders() {
        for value in [
            "{.credential.access_token}",
            "{vault://env/pg-password}",
            "#{ENV['DB_PASSWORD']}",
            "%{env:TOKEN}",
            "__DB_PASSWORD__",
            "@DB_PASSWORD@",
            "pass",
            "enabled",
            "replace-me-token",
            "changeme-in-production",
            "not-a-real-secret",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["{9x!Lp2#", "__init", "p@ssw0rd@"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn slots_to_fill_in_are_placeholders() {
        for value in [
            "nvapi-NVKEY",
            "replace with your access key",
            "<your-key>",
            "your-api-key",
            "YOURTOKEN",
            "fake_password",
            "sk-YOUR_KEY",
            "MY_API_KEY",
            "hf_TOKEN",
            "token-goes-here",
            "aaaaaaa",
            "0000",
            "insert-key",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        // Real keys: random bodies with digits and both cases, and real-looking passwords.
        for value in [
            "nvapi-Qm3xZ8vR2kL9pW4nT7yBQm3xZ8vR2kL9pW4n",
            "sk-Qm3xZ8vR2kL9pW4nT7yB",
            "8f7a9c2e41b6d03e",
            "supersecret",
            "Pa55w0rd",
            "migration",
            "HUNTER2KEY",
            "monkey123",
        ] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn stored_hashes_are_told_by_their_format() {
        for value in [
            "$2b$12$KIXQJ0r5zFj1g5cAq9C2eO0h3V1nB0r7l7mVbA7J5x0Yc3zD8xK6S",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "$6$rounds=5000$salt$hash",
            "$apr1$abc$def",
            "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
            "pbkdf2_sha256$260000$salt$hash=",
        ] {
            assert!(is_password_hash(value), "{value}");
        }
        for value in [
            "$HOME",
            "{SECRET}x",
            "s3cr3t$",
            "1aa4ed9059d4d97bf4575aad4ea2058d6e5e8f35",
        ] {
            assert!(!is_password_hash(value), "{value}");
        }
        assert!(is_sha1_hex("1aa4ed9059d4d97bf4575aad4ea2058d6e5e8f35"));
        assert!(!is_sha1_hex("991c2b2c810f705439cc51ad6c93c509"));
    }
}
