//! What looks like a secret or an IP literal: one matcher shared by every rule that asks.
//!
//! Tuned for few false positives: names are split into words and matched whole, values must
//! match a known token format, and placeholders (`${VAR}`, `<password>`, `changeme`) never count.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

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
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last.as_str()) {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words.windows(2).any(|pair| {
            SECRET_PAIRS
                .iter()
                .any(|(a, b)| pair[0] == *a && pair[1] == *b)
        })
}

/// True for values that stand in for a secret rather than being one.
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() < 4 {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    let variable = value.starts_with('$')
        || value.contains("${")
        || value.contains("{{")
        || value.contains("$(");
    let angle = value.starts_with('<') && value.ends_with('>');
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
    ];
    variable
        || angle
        || masked
        || WORDS.contains(&lower.as_str())
        || lower.starts_with("your_")
        || lower.starts_with("your-")
}

/// A recognised secret inside a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// What kind of secret (`AWS access key id`).
    pub kind: &'static str,
    /// Where in the value.
    pub range: Range<usize>,
}

struct Pattern {
    kind: &'static str,
    regex: Regex,
}

fn patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let table: &[(&str, &str)] = &[
            ("private key", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
            ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
            ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
            ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b"),
            ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
            ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
            ("Slack webhook", r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"),
            ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
            ("Stripe secret key", r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
            ("JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ];
        table
            .iter()
            .filter_map(|(kind, pattern)| Regex::new(pattern).ok().map(|regex| Pattern { kind, regex }))
            .collect()
    })
}

/// The known secret formats found in a value; documentation examples (`…EXAMPLE`) are skipped.
pub fn secret_values(value: &str) -> Vec<SecretMatch> {
    let mut found = Vec::new();
    for pattern in patterns() {
        for m in pattern.regex.find_iter(value) {
            if m.as_str().contains("EXAMPLE") || m.as_str().to_ascii_lowercase().contains("example")
            {
                continue;
            }
            found.push(SecretMatch {
                kind: pattern.kind,
                range: m.range(),
            });
        }
    }
    found.sort_by_key(|m| m.range.start);
    found
}

/// A secret shown safely: its first four characters, then an ellipsis.
pub fn redact(secret: &str) -> String {
    let prefix: String = secret.chars().take(4).collect();
    format!("{prefix}…")
}

/// `user:password@` credentials inside URLs: the range of the password in `value`.
pub fn url_credentials(value: &str) -> Vec<Range<usize>> {
    static URL: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(regex) =
        URL.get_or_init(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://([^/\s:@]+):([^/\s@]+)@").ok())
    else {
        return Vec::new();
    };
    regex
        .captures_iter(value)
        .filter_map(|c| c.get(2))
        .filter(|password| !is_placeholder(password.as_str()))
        .map(|password| password.range())
        .collect()
}

/// IPv4 literals that name a particular host: not loopback, unspecified, link-local, broadcast,
/// a documentation range, or a CIDR block (`10.0.0.0/8`), and not part of a longer dotted number.
pub fn host_ip_literals(value: &str) -> Vec<Range<usize>> {
    static IPV4: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(regex) =
        IPV4.get_or_init(|| Regex::new(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b").ok())
    else {
        return Vec::new();
    };
    let bytes = value.as_bytes();
    regex
        .captures_iter(value)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let octets: Vec<u16> = (1..=4)
                .filter_map(|i| c.get(i)?.as_str().parse().ok())
                .collect();
            let before = whole
                .start()
                .checked_sub(1)
                .and_then(|i| bytes.get(i))
                .copied();
            let after = bytes.get(whole.end()).copied();
            let dotted_neighbour =
                matches!(before, Some(b'.') | Some(b'v') | Some(b'V')) || after == Some(b'.');
            let cidr =
                after == Some(b'/') && bytes.get(whole.end() + 1).is_some_and(u8::is_ascii_digit);
            (octets.len() == 4
                && octets.iter().all(|o| *o <= 255)
                && !dotted_neighbour
                && !cidr
                && names_a_host(&octets))
            .then(|| whole.range())
        })
        .collect()
}

fn names_a_host(octets: &[u16]) -> bool {
    !matches!(
        octets,
        [127, ..]
            | [0, 0, 0, 0]
            | [169, 254, ..]
            | [255, 255, 255, 255]
            | [192, 0, 2, _]
            | [198, 51, 100, _]
            | [203, 0, 113, _]
    )
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
    fn known_token_formats_are_found_and_examples_skipped() {
        let kinds = |v: &str| {
            secret_values(v)
                .into_iter()
                .map(|m| m.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("key=AKIAZ3MSJV4WWXYZ1234"), ["AWS access key id"]);
        assert!(kinds("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            kinds("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
            ["GitHub token"]
        );
        assert_eq!(
            kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
            ["private key"]
        );
        assert_eq!(
            kinds("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcdefghijKLMNOP"),
            ["JSON Web Token"]
        );
        assert!(kinds("a plain sentence with AKIA in it").is_empty());
    }

    #[test]
    fn url_passwords_are_found_unless_placeholders() {
        let value = "postgres://app:s3cretPass@db:5432/shop";
        let found = url_credentials(value);
        assert_eq!(
            found.iter().map(|r| &value[r.clone()]).collect::<Vec<_>>(),
            ["s3cretPass"]
        );
        assert!(url_credentials("https://user:${PASS}@host/").is_empty());
        assert!(url_credentials("https://example.com/a:b@c").is_empty());
    }

    #[test]
    fn ip_literals_skip_loopback_docs_ranges_cidrs_and_versions() {
        let hosts = |v: &str| {
            host_ip_literals(v)
                .into_iter()
                .map(|r| v[r].to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(hosts("http://10.12.0.7:8080/api"), ["10.12.0.7"]);
        assert_eq!(
            hosts("db=192.168.1.20,cache=172.20.3.4"),
            ["192.168.1.20", "172.20.3.4"]
        );
        assert!(
            hosts("127.0.0.1 0.0.0.0 169.254.169.254 192.0.2.10 10.0.0.0/8 v1.2.3.4 1.2.3.4.5")
                .is_empty()
        );
    }

    #[test]
    fn redaction_keeps_only_a_prefix() {
        assert_eq!(redact("AKIAZ3MSJV4WWXYZ1234"), "AKIA…");
    }
}
