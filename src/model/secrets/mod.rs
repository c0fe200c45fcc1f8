//! What looks like a secret or an IP literal: one matcher shared by every rule that asks.
//!
//! Tuned for few false positives: names are split into words and matched whole, values must
//! match a known token format, and placeholders (`${VAR}`, `<password>`, `changeme`) never count.

mod addresses;
mod committed;
mod formats;
mod inline;
mod names;
mod placeholders;

pub use addresses::{
    UrlLogin, has_shell_variable, host_ip_literals, located, located_in_scalar, url_credentials, url_logins,
};
pub use committed::{Committed, CommittedValue, SECRET_SECTIONS, committed_values};
pub use formats::{SecretMatch, base64_text, secret_in_base64, secret_values};
pub use inline::{CommandSecret, command_line_secrets, connection_passwords};
use names::ends_in_password;
pub use names::{is_secret_name, name_words};
use placeholders::{is_password_hash, is_password_word};
pub use placeholders::{is_placeholder, is_sha1_hex, stands_in_for};

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

/// True when `text` holds `needle` in any ASCII case: a check cheap enough to run on every value
/// before the word splits and patterns that find what it hints at.
fn mentions(text: &str, needle: &[u8]) -> bool {
    let (Some(&first), bytes) = (needle.first(), text.as_bytes()) else {
        return true;
    };
    // Only where the needle's first letter is can it start: memchr finds those a block at a time.
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), bytes).any(|at| {
        bytes
            .get(at..at + needle.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(needle))
    })
}

/// True when `text` holds one of the lower-case `needles` in any ASCII case, in one pass over a
/// short text (a key name): cheaper than a search per needle.
fn mentions_any(text: &str, needles: &[&[u8]]) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, byte)| {
        let lower = byte.to_ascii_lowercase();
        needles.iter().any(|needle| {
            needle.first() == Some(&lower)
                && bytes
                    .get(at..at + needle.len())
                    .is_some_and(|window| window.eq_ignore_ascii_case(needle))
        })
    })
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
    (names_secret(name, more_names) && is_literal(name, value)).then_some(Exposure::NamedLiteral)
}

/// True when `value`, under a name that says it holds a secret, is that secret written out:
/// not a placeholder (see [`is_placeholder`]), a stored password hash, or a stand-in for the
/// name (see [`stands_in_for`]). The stock `password` is a placeholder under most names, but a
/// literal under a longer name that ends in a password word (`MYSQL_PASSWORD: password`), where
/// it is the working default password.
pub fn is_literal(name: &str, value: &str) -> bool {
    let placeholder = is_placeholder(value) && !(is_password_word(value) && ends_in_password(name));
    !placeholder && !is_password_hash(value) && !stands_in_for(name, value)
}

/// True when a `name = value` setting exposes a secret as SEC001 reads one: a known token
/// format, a literal under a secret-looking name (see [`exposed_secret`]), a login in a URL or
/// a password in a connection string.
pub fn setting_exposes_secret(name: &str, value: &str) -> bool {
    exposed_secret(name, value).is_some()
        || !url_logins(value).is_empty()
        || !connection_passwords(value).is_empty()
}

/// True when a name says it holds a secret: [`is_secret_name`], or one of `more_names`.
pub fn names_secret(name: &str, more_names: Option<&regex::RegexSet>) -> bool {
    is_secret_name(name) || more_names.is_some_and(|set| set.is_match(name))
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
    fn the_stock_password_is_a_literal_only_under_a_longer_password_name() {
        for name in ["MYSQL_DB_PASSWORD", "PGPASSWORD", "rootPass"] {
            assert!(is_literal(name, "password"), "{name}");
        }
        for name in ["password", "passwordKey", "API_TOKEN"] {
            assert!(!is_literal(name, "password"), "{name}");
        }
        assert!(!is_literal("DB_PASSWORD", "$2b$12$KIXQJ0r5zFj1g5cAq9C2eO"));
        assert!(!is_literal("NGC_API_KEY", "nvapi-NVKEY"));
        assert!(is_literal("MYSQL_ROOT_PASSWORD", "supersecret"));
    }
}
