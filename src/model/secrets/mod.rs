//! What looks like a secret or an IP literal: one matcher shared by every rule that asks.
//!
//! Tuned for few false positives: names are split into words and matched whole, values must
//! match a known token format, and placeholders (`${VAR}`, `<password>`, `changeme`) never count.

mod addresses;
mod formats;

pub use addresses::{UrlLogin, has_shell_variable, host_ip_literals, located, url_credentials, url_logins};
pub use formats::{SecretMatch, base64_text, secret_in_base64, secret_values};

/// Words that make a name secret-looking.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
];

/// Word pairs that do (`API_KEY`, `PRIVATE_KEY`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("AUTH", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("SIGNING", "KEY"),
    ("CLIENT", "SECRET"),
];

/// A last word that makes the name about a secret rather than the secret itself.
const NOT_THE_SECRET: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "TIMEOUT",
    "LENGTH",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REF",
    "TYPE",
    "ID",
    "HEADER",
    "FIELD",
    "MOUNT",
    "LOCATION",
    "VERSION",
    "ALGORITHM",
    "ALG",
    "ALGO",
    "ENV",
    "POLICY",
    "PREFIX",
    "ROTATION",
    "PERIOD",
    "SECONDS",
    "COUNT",
    "SIZE",
    "FORMAT",
    "MODE",
    "KIND",
    "PROVIDER",
    "REQUIRED",
    "SOURCE",
    "STORE",
    "VAULT",
    "ISSUER",
    "AUDIENCE",
    "LIFETIME",
    "REFRESH",
    "DURATION",
    "KEYS",
    "NAMESPACE",
    "VOLUME",
    "ENCRYPTION",
    "METHOD",
];

/// Splits `dbPassword`, `DB_PASSWORD`, `db-password`, `db.password` into upper-case words.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// True when a key or variable name says it holds a secret (`DB_PASSWORD`, `apiKey`), and not
/// merely something about one (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`).
pub fn is_secret_name(name: &str) -> bool {
    // Every secret word holds one of these; most names hold none, and skip the word split.
    const STEMS: &[&[u8]] = &[b"pass", b"secret", b"token", b"key", b"credential", b"pwd"];
    let bytes = name.as_bytes();
    let has_stem = STEMS
        .iter()
        .any(|stem| bytes.windows(stem.len()).any(|w| w.eq_ignore_ascii_case(stem)));
    if !has_stem {
        return false;
    }
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last.as_str()) {
        return false;
    }
    // `PASS` and `PWD` are too short to trust alone (`PWD` is the working directory), but as the
    // last word of a longer name (`DB_PASS`, `SMTP_PWD`) they are the password.
    let short_password = words.len() > 1 && matches!(last.as_str(), "PASS" | "PWD");
    short_password
        || words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|pair| SECRET_PAIRS.iter().any(|(a, b)| pair[0] == *a && pair[1] == *b))
}

/// True for values that stand in for a secret rather than being one.
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
    variable
        || angle
        || braced
        || replaced
        || masked
        || WORDS.contains(&lower.as_str())
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

/// Why a named value counts as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// The value holds a known token format.
    Format(SecretMatch),
    /// The value is a literal, not a placeholder, under a name that says it is a secret.
    NamedLiteral,
}

impl Exposure {
    /// A phrase for messages that never shows the whole secret: "a GitHub token (`ghp_…`)",
    /// "a literal secret".
    pub fn describe(&self, value: &str) -> String {
        match self {
            Exposure::Format(found) => {
                let article = article(found.kind);
                let secret = value.get(found.range.clone()).unwrap_or("");
                format!("{article} {} (`{}`)", found.kind, redact(secret))
            }
            Exposure::NamedLiteral => "a literal secret".to_owned(),
        }
    }
}

/// "a" or "an" before a kind: by its first letter, or by the name of its first letter when the
/// first word is an initialism ("an AWS access key id", "an NPM token", "a JSON Web Token").
fn article(kind: &str) -> &'static str {
    let first = kind.split(' ').next().unwrap_or("");
    let initialism = first.len() > 1 && first.bytes().all(|b| b.is_ascii_uppercase());
    let vowel_sound = match first.bytes().next().map(|b| b.to_ascii_uppercase()) {
        Some(b'A' | b'E' | b'I' | b'O' | b'U') => true,
        Some(b'F' | b'H' | b'L' | b'M' | b'N' | b'R' | b'S' | b'X') => initialism,
        _ => false,
    };
    if vowel_sound { "an" } else { "a" }
}

/// The secret a `name: value` pair exposes: a known token format anywhere in the value, else a
/// literal under a secret-looking name (`DB_PASSWORD: hunter2hunter2`) that is neither a
/// placeholder nor a stand-in for the secret (see [`stands_in_for`]).
pub fn exposed_secret(name: &str, value: &str) -> Option<Exposure> {
    exposed_secret_named(name, value, None)
}

/// [`exposed_secret`], with more names that say they hold a secret (a configuration's
/// `secret-names` patterns) besides those [`is_secret_name`] knows.
pub fn exposed_secret_named(
    name: &str,
    value: &str,
    more_names: Option<&regex::RegexSet>,
) -> Option<Exposure> {
    if let Some(found) = secret_values(value).into_iter().next() {
        return Some(Exposure::Format(found));
    }
    (names_secret(name, more_names) && !is_placeholder(value) && !stands_in_for(name, value))
        .then_some(Exposure::NamedLiteral)
}

/// True when a name says it holds a secret: [`is_secret_name`], or one of `more_names`.
pub fn names_secret(name: &str, more_names: Option<&regex::RegexSet>) -> bool {
    is_secret_name(name) || more_names.is_some_and(|set| set.is_match(name))
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

/// A secret shown safely: a prefix of at most four characters and at most a quarter of the
/// secret (so a short password shows one or two characters), then an ellipsis.
pub fn redact(secret: &str) -> String {
    let shown = (secret.chars().count() / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_matched_by_whole_words() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "api-key",
            "API_KEY",
            "stripeSecretKey",
            "AWS_SECRET_ACCESS_KEY",
            "authToken",
            "CLIENT_SECRET",
            "credentials",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PASSWORD_FILE",
            "TOKEN_URL",
            "secretName",
            "KEYCLOAK_HOST",
            "MONKEY",
            "TOKENIZER",
            "AWS_ACCESS_KEY_ID",
            "password_min_length",
            "SECRET_REF",
            "PASSWORD_HASH_ALGO",
            "ACCESS_KEY_ID_ENV",
            "password_encryption",
            "secretNamespace",
            "kuma.io/service-account-token-volume",
            "PASSWORD_HASH_METHOD",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

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
    fn exposures_prefer_token_formats_and_skip_placeholders() {
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        let found = exposed_secret("GH", token).expect("a token");
        assert_eq!(found.describe(token), "a GitHub token (`ghp_…`)");
        let key = "AKIAZ3MSJV4WWXYZ1234";
        assert_eq!(
            exposed_secret("DB_PASSWORD", key).map(|e| e.describe(key)),
            Some("an AWS access key id (`AKIA…`)".to_owned())
        );
        assert_eq!(
            exposed_secret("DB_PASSWORD", "hunter2hunter2"),
            Some(Exposure::NamedLiteral)
        );
        assert_eq!(exposed_secret("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(exposed_secret("HF_TOKEN", "HF_TOKEN"), None);
        assert_eq!(exposed_secret("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"), None);
        assert_eq!(exposed_secret("ETCD_TOKEN", "INSERT_ETCD_TOKEN"), None);
        assert_eq!(exposed_secret("API_KEY", "/var/secrets/api/key"), None);
        assert_eq!(
            exposed_secret("TOKEN", "token-8f7a9c2e41b6"),
            Some(Exposure::NamedLiteral)
        );
        assert_eq!(exposed_secret("DB_USER", "hunter2hunter2"), None);
    }

    #[test]
    fn articles_follow_the_sound_of_the_kind() {
        let described =
            |kind: &'static str| Exposure::Format(SecretMatch { kind, range: 0..8 }).describe("abcdefghijkl");
        assert_eq!(described("NPM token"), "an NPM token (`ab…`)");
        assert_eq!(described("age secret key"), "an age secret key (`ab…`)");
        assert_eq!(described("JSON Web Token"), "a JSON Web Token (`ab…`)");
        assert_eq!(described("SendGrid API key"), "a SendGrid API key (`ab…`)");
    }

    #[test]
    fn redaction_keeps_only_a_prefix() {
        assert_eq!(redact("AKIAZ3MSJV4WWXYZ1234"), "AKIA…");
        assert_eq!(redact("root"), "r…");
        assert_eq!(redact("hunter2hunter2"), "hun…");
        assert_eq!(redact("abc"), "…");
    }

    #[test]
    fn short_password_words_count_only_at_the_end_of_a_longer_name() {
        for name in ["DB_PASS", "smtpPwd", "MYSQL_PASS"] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["PWD", "PASS", "BYPASS", "PASS_THROUGH", "COMPASS"] {
            assert!(!is_secret_name(name), "{name}");
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
}
