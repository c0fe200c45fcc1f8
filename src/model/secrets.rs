//! What looks like a secret or an IP literal: one matcher shared by every rule that asks.
//!
//! Tuned for few false positives: names are split into words and matched whole, values must
//! match a known token format, and placeholders (`${VAR}`, `<password>`, `changeme`) never count.

use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use crate::source::Span;

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
    /// True when the whole match may legitimately hold long runs of one character (key bodies).
    runs_allowed: bool,
}

/// The formats a secret is recognised by: each either has a fixed prefix or a fixed shape that
/// ordinary configuration does not produce. A capture group, when present, is what a finding
/// points at (a private key's header rather than its whole body).
const PATTERNS: &[(&str, &str)] = &[
    // A header alone (`grep -- "-----BEGIN RSA PRIVATE KEY-----"`, `…KEY-----\n<your key>`) is
    // no key: base64 must follow, on the next lines or after `\n` escapes in a JSON string.
    (
        "private key",
        r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)(?:\s|\\[nr])*(?:[A-Za-z-]+: [^\n\\]*(?:\s|\\[nr])+)*[A-Za-z0-9+/]{4}",
    ),
    ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
    ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b"),
    (
        "GitLab token",
        r"\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|agent)-[A-Za-z0-9_\-]{20,}",
    ),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Slack token", r"\bxapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]{20,}"),
    (
        "Slack webhook",
        r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
    ),
    (
        "Microsoft Teams webhook",
        r"https://(?:[A-Za-z0-9_-]+\.webhook|outlook)\.office(?:365)?\.com/webhook(?:b2)?/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}",
    ),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("Google OAuth access token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("Stripe secret key", r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
    ("Square access token", r"\bsq0atp-[0-9A-Za-z_\-]{22,}"),
    ("Square OAuth secret", r"\bsq0csp-[0-9A-Za-z_\-]{40,}"),
    (
        "SendGrid API key",
        r"\bSG\.[0-9A-Za-z_\-]{22}\.[0-9A-Za-z_\-]{43}\b",
    ),
    ("Twilio API key", r"\bSK[0-9a-fA-F]{32}\b"),
    ("Mailchimp API key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b"),
    (
        "Amazon MWS auth token",
        r"\bamzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    ),
    ("Facebook access token", r"\bEAACEdEose0cBA[0-9A-Za-z]{10,}"),
    (
        "PayPal Braintree access token",
        r"\baccess_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}\b",
    ),
    ("NPM token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
    ("Docker Hub token", r"\bdckr_pat_[A-Za-z0-9_\-]{27,}"),
    ("Vault token", r"\bhv[sb]\.[A-Za-z0-9_\-]{24,}"),
    (
        "OpenAI API key",
        r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
    ),
    (
        "Anthropic API key",
        r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,}",
    ),
    ("Shopify token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
    (
        "age secret key",
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
    ),
    ("Azure storage account key", r"AccountKey=([A-Za-z0-9+/]{86}==)"),
    (
        "JSON Web Token",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
];

/// Published samples that match a format but open nothing: the jwt.io example token's
/// signature and the Azure storage emulator's well-known account key.
const PUBLIC_SAMPLES: &[&str] = &[
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

/// The compiled formats, index for index with [`PATTERNS`] (all of them compile; a test checks).
fn patterns() -> &'static [Pattern] {
    static COMPILED: OnceLock<Vec<Pattern>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        PATTERNS
            .iter()
            .filter_map(|(kind, pattern)| {
                let regex = Regex::new(pattern).ok()?;
                Some(Pattern {
                    kind,
                    regex,
                    runs_allowed: *kind == "private key",
                })
            })
            .collect()
    })
}

/// True for a match that only has the shape of a secret: a documentation example (`…EXAMPLE`,
/// `example`), a published sample, or filler (`T00000000/B00000000/XXXXXXXX…`, eight or more of
/// one character in a row, which a random token practically never has).
fn is_sample(found: &str, runs_allowed: bool) -> bool {
    let filler = !runs_allowed
        && found
            .as_bytes()
            .chunk_by(|a, b| a == b)
            .any(|run| run.len() >= 8 && run.first().is_some_and(u8::is_ascii_alphanumeric));
    found.to_ascii_lowercase().contains("example")
        || PUBLIC_SAMPLES.iter().any(|sample| found.contains(sample))
        || filler
}

/// The known secret formats found in a value, in order; samples and filler are skipped (see
/// [`is_sample`]).
pub fn secret_values(value: &str) -> Vec<SecretMatch> {
    static ANY: OnceLock<Option<RegexSet>> = OnceLock::new();
    // One pass of the combined automaton rules out almost every value; only the formats it
    // saw are run again for their positions.
    let Some(any) = ANY.get_or_init(|| RegexSet::new(PATTERNS.iter().map(|(_, p)| *p)).ok()) else {
        return Vec::new();
    };
    let hits = any.matches(value);
    if !hits.matched_any() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for pattern in hits.iter().filter_map(|n| patterns().get(n)) {
        for captures in pattern.regex.captures_iter(value) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if is_sample(whole.as_str(), pattern.runs_allowed) {
                continue;
            }
            let shown = captures.get(1).unwrap_or(whole);
            found.push(SecretMatch {
                kind: pattern.kind,
                range: shown.range(),
            });
        }
    }
    found.sort_by_key(|m| m.range.start);
    found
}

/// A known secret format inside a base64 value (`client-key-data` of a kubeconfig, a
/// base64-encoded PEM file): the kind, prefixed with "base64-encoded", and the whole value as
/// the range. Only values of 32 characters or more that decode to text are read, so base64 of
/// harmless text, hashes and binary data find nothing.
pub fn secret_in_base64(value: &str) -> Option<SecretMatch> {
    static KINDS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let trimmed = value.trim();
    let digits = trimmed.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let alphabet = trimmed.bytes().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=') || b.is_ascii_whitespace()
    });
    if digits < 32 || !alphabet {
        return None;
    }
    let decoded = base64_text(trimmed)?;
    let inner = secret_values(&decoded).into_iter().next()?;
    let kinds = KINDS.get_or_init(|| {
        PATTERNS
            .iter()
            .map(|(kind, _)| (*kind, format!("base64-encoded {kind}")))
            .collect()
    });
    let kind = kinds.iter().find(|(k, _)| *k == inner.kind)?;
    let start = value.len() - value.trim_start().len();
    Some(SecretMatch {
        kind: kind.1.as_str(),
        range: start..start + trimmed.len(),
    })
}

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
    if let Some(found) = secret_values(value).into_iter().next() {
        return Some(Exposure::Format(found));
    }
    (is_secret_name(name) && !is_placeholder(value) && !stands_in_for(name, value))
        .then_some(Exposure::NamedLiteral)
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

/// The text a base64 value decodes to (a Secret's `data`), when it is base64 of UTF-8 text.
/// Standard and URL-safe alphabets are accepted, whitespace is ignored, padding is optional.
pub fn base64_text(value: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut pending = 0;
    let mut out = Vec::with_capacity(value.len() * 3 / 4);
    let digits = value.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
    for c in digits.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let digit = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(digit);
        pending += 6;
        if pending >= 8 {
            pending -= 8;
            out.push(((bits >> pending) & 0xff) as u8);
            bits &= (1 << pending) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A secret shown safely: a prefix of at most four characters and at most a quarter of the
/// secret (so a short password shows one or two characters), then an ellipsis.
pub fn redact(secret: &str) -> String {
    let shown = (secret.chars().count() / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…")
}

/// True when a value uses a shell or Dockerfile variable (`$PASS`, `${PASS}`, `pre-$SUFFIX`), so
/// its final text is not what is written.
/// `$$` is an escaped dollar sign (Kubernetes) or the shell's process id, not a variable.
pub fn has_shell_variable(value: &str) -> bool {
    let mut bytes = value.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b != b'$' {
            continue;
        }
        match bytes.peek() {
            Some(b'$') => {
                bytes.next();
            }
            Some(next) if next.is_ascii_alphabetic() || matches!(next, b'_' | b'{' | b'(') => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// A login written into a URL: `scheme://user:password@host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlLogin {
    /// From the scheme to the end of the host (and port).
    pub url: Range<usize>,
    /// The user name (may be empty: `redis://:password@cache`).
    pub user: Range<usize>,
    /// The password.
    pub password: Range<usize>,
    /// The part that is the secret: the password, or the user when the password is GitHub's
    /// fixed `x-oauth-basic` and the token is the user name.
    pub secret: Range<usize>,
}

impl UrlLogin {
    /// The URL up to the host with the secret replaced by `…`: `postgres://app:…@db:5432`.
    pub fn redacted(&self, value: &str) -> String {
        let part = |range: &Range<usize>| value.get(range.clone()).unwrap_or("");
        let before = value.get(self.url.start..self.user.start).unwrap_or("");
        let after = value.get(self.password.end..self.url.end).unwrap_or("");
        let (user, password) = if self.secret == self.user {
            ("…", part(&self.password))
        } else {
            (part(&self.user), "…")
        };
        format!("{before}{user}:{password}{after}")
    }
}

/// Logins written into URLs (`postgres://app:s3cret@db/shop`) whose secret part is a literal:
/// neither a placeholder (`${DB_PASSWORD}`, `<password>`, `changeme`, `****`) nor a variable.
pub fn url_logins(value: &str) -> Vec<UrlLogin> {
    static URL: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(regex) = URL.get_or_init(|| {
        Regex::new(r#"[A-Za-z][A-Za-z0-9+.\-]*://([^/\s:@]*):([^/\s@]+)@([^/\s?#'"\\,;]*)"#).ok()
    }) else {
        return Vec::new();
    };
    regex
        .captures_iter(value)
        .filter_map(|c| {
            let (url, user, password, host) = (c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?);
            let secret = if password.as_str() == "x-oauth-basic" {
                user
            } else {
                password
            };
            let literal = !is_placeholder(secret.as_str()) && !has_shell_variable(secret.as_str());
            literal.then(|| UrlLogin {
                url: url.start()..host.end(),
                user: user.range(),
                password: password.range(),
                secret: secret.range(),
            })
        })
        .collect()
}

/// `user:password@` credentials inside URLs: the range of the secret part in `value` (see
/// [`url_logins`]).
pub fn url_credentials(value: &str) -> Vec<Range<usize>> {
    url_logins(value).into_iter().map(|login| login.secret).collect()
}

/// Where `range` of a value's text is written: the exact sub-span when the source is the text
/// itself (a plain scalar, an unquoted word; every unquoting or unescaping makes the source
/// longer), else the whole `span`.
pub fn located(span: Span, text: &str, range: Range<usize>) -> Span {
    if span.range().len() == text.len() && range.end <= text.len() {
        Span::new(span.start as usize + range.start, span.start as usize + range.end)
    } else {
        span
    }
}

/// IPv4 literals that name a particular host: not loopback, unspecified, link-local, broadcast,
/// a documentation range, or a CIDR block (`10.0.0.0/8`), and not part of a longer dotted number.
pub fn host_ip_literals(value: &str) -> Vec<Range<usize>> {
    static IPV4: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(regex) = IPV4.get_or_init(|| Regex::new(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b").ok())
    else {
        return Vec::new();
    };
    let bytes = value.as_bytes();
    regex
        .captures_iter(value)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let octets: Vec<u16> = (1..=4).filter_map(|i| c.get(i)?.as_str().parse().ok()).collect();
            let before = whole.start().checked_sub(1).and_then(|i| bytes.get(i)).copied();
            let after = bytes.get(whole.end()).copied();
            let dotted_neighbour =
                matches!(before, Some(b'.') | Some(b'v') | Some(b'V')) || after == Some(b'.');
            let cidr = after == Some(b'/') && bytes.get(whole.end() + 1).is_some_and(u8::is_ascii_digit);
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
    fn every_format_compiles_so_indexes_line_up() {
        assert_eq!(patterns().len(), PATTERNS.len());
    }

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
    fn known_token_formats_are_found_and_examples_skipped() {
        let kinds = |v: &str| secret_values(v).into_iter().map(|m| m.kind).collect::<Vec<_>>();
        assert_eq!(kinds("key=AKIAZ3MSJV4WWXYZ1234"), ["AWS access key id"]);
        assert!(kinds("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            kinds("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
            ["GitHub token"]
        );
        assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIE"), ["private key"]);
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
            hosts("127.0.0.1 0.0.0.0 169.254.169.254 192.0.2.10 10.0.0.0/8 v1.2.3.4 1.2.3.4.5").is_empty()
        );
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
    fn base64_decodes_text_and_rejects_other_input() {
        assert_eq!(base64_text("Y2hhbmdlbWU=").as_deref(), Some("changeme"));
        assert_eq!(base64_text("YWRtaW4").as_deref(), Some("admin"));
        assert_eq!(base64_text("cGFzc3dv\ncmQ=").as_deref(), Some("password"));
        assert_eq!(base64_text("<base64 password>"), None);
        assert_eq!(base64_text("").as_deref(), Some(""));
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

    /// A made-up PEM body: the pattern only asks for 40 base64 characters after the header.
    const KEY_BODY: &str = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK";

    fn kinds(value: &str) -> Vec<&'static str> {
        secret_values(value).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn vendor_token_formats_are_recognised() {
        let cases: &[(&str, &str)] = &[
            ("token=sq0atp-812erere3wewew45678901", "Square access token"),
            (
                "sq0csp-0p9h7g6f4s3s3s3-4a3ardgwa6ADRDJDDKUFYDYDYDY",
                "Square OAuth secret",
            ),
            ("sk_live_123as6789o1234567890123a123a5678", "Stripe secret key"),
            (
                "amzn.mws.643a5678-8f9f-1a2b-5c3b-e3ea43f3f4b4",
                "Amazon MWS auth token",
            ),
            ("f4f56af5a54a3eaeb3c3beb3cc2ccccc-us36", "Mailchimp API key"),
            (
                "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",
                "SendGrid API key",
            ),
            ("SKa7CF7acdcaf92Be4CCC52F4a2923BBB3", "Twilio API key"),
            ("EAACEdEose0cBA1bad3afsf2aew", "Facebook access token"),
            (
                "access_token$production$1s2d3f4g5h6j7k8k$1b2b3c4a3a1b2b3c4a3a1b2b3c4a3a1b",
                "PayPal Braintree access token",
            ),
            (
                "ya29.Radftwefewuifdebkw2_23232427t42wdbjsvdjavdajvdadkd",
                "Google OAuth access token",
            ),
            ("AIzaSyD7q2Lk3mN9pQ1rS5tU8vW0xY4zA6bC7dE", "Google API key"),
            ("glpat-Qm3xZ8vR2kL9pW4nT7yB", "GitLab token"),
            ("glrt-t3_Qm3xZ8vR2kL9pW4nT7yB", "GitLab token"),
            ("xoxb-2048-4096-aBcDeFgHiJkL", "Slack token"),
            ("npm_Qm3xZ8vR2kL9pW4nT7yBQm3xZ8vR2kL9pW4n", "NPM token"),
            ("dckr_pat_Qm3xZ8vR2kL9pW4nT7yBQm3xZ8v", "Docker Hub token"),
            (
                "https://acme.webhook.office.com/webhookb2/7aa49aa6-7840-443d-806c-08ebe8f59966@c662313f-14fc-43a2-9a7a-d2e27f4f3478/IncomingWebhook/8592f62b50cf41b9b93ba0c0a00a0b88/eff4cd58",
                "Microsoft Teams webhook",
            ),
        ];
        for (value, kind) in cases {
            assert_eq!(kinds(value), [*kind], "{value}");
        }
    }

    #[test]
    fn private_keys_need_a_body_and_point_at_the_header() {
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----");
        let found = secret_values(&pem);
        assert_eq!(found.len(), 1);
        assert_eq!(&pem[found[0].range.clone()], "-----BEGIN RSA PRIVATE KEY-----");
        let escaped = format!(
            "{{\"key\": \"-----BEGIN PRIVATE KEY-----\\n{}\"}}",
            KEY_BODY.replace('\n', "\\n")
        );
        assert_eq!(kinds(&escaped), ["private key"]);
        let encrypted = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n{KEY_BODY}"
        );
        assert_eq!(kinds(&encrypted), ["private key"]);
        assert!(kinds("grep -q -- '-----BEGIN RSA PRIVATE KEY-----' key.pem").is_empty());
        assert!(
            kinds("-----BEGIN PRIVATE KEY-----\n<paste your key here>\n-----END PRIVATE KEY-----").is_empty()
        );
        assert!(kinds("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ").is_empty());
    }

    #[test]
    fn lookalikes_samples_and_filler_are_not_secrets() {
        for value in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            // The jwt.io sample token.
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            // JWT-shaped but too short to be signed, and an unsigned token.
            "eyJhbGci.eyJzdWIi.abc",
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
            "123e4567-e89b-12d3-a456-426614174000",
            "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "sha256:3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a",
            "aGVsbG8gd29ybGQsIHRoaXMgaXMgaGFybWxlc3MgdGV4dA==",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "AIza-short",
        ] {
            assert!(kinds(value).is_empty(), "{value}: {:?}", kinds(value));
        }
    }

    #[test]
    fn base64_values_are_read_for_known_formats() {
        let pem = format!("-----BEGIN EC PRIVATE KEY-----\n{KEY_BODY}\n");
        let encoded = encode_base64(pem.as_bytes());
        let found = secret_in_base64(&encoded).expect("an encoded key");
        assert_eq!(found.kind, "base64-encoded private key");
        assert_eq!(found.range, 0..encoded.len());
        assert_eq!(
            secret_in_base64("aGVsbG8gd29ybGQsIHRoaXMgaXMgaGFybWxlc3MgdGV4dA=="),
            None
        );
        assert_eq!(
            secret_in_base64(&encode_base64(b"AKIAZ3MSJV4WWXYZ1234")),
            None,
            "too short"
        );
        assert_eq!(
            secret_in_base64(&encode_base64(b"aws_access_key_id = AKIAZ3MSJV4WWXYZ1234\n")).map(|m| m.kind),
            Some("base64-encoded AWS access key id")
        );
        assert_eq!(secret_in_base64("3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"), None);
    }

    fn encode_base64(bytes: &[u8]) -> String {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(DIGITS[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }

    #[test]
    fn url_logins_find_the_secret_part_and_redact_it() {
        let value = "redis://:Zq8vLx2m@cache:6379/0 and amqp://guest:guest@rabbitmq:5672";
        let logins = url_logins(value);
        let secrets: Vec<_> = logins.iter().map(|l| &value[l.secret.clone()]).collect();
        assert_eq!(secrets, ["Zq8vLx2m", "guest"]);
        assert_eq!(logins[0].redacted(value), "redis://:…@cache:6379");
        assert_eq!(logins[1].redacted(value), "amqp://guest:…@rabbitmq:5672");
        let github = "https://d1e2f3a4b5c6:x-oauth-basic@github.com/acme/app.git";
        let login = &url_logins(github)[0];
        assert_eq!(&github[login.secret.clone()], "d1e2f3a4b5c6");
        assert_eq!(login.redacted(github), "https://…:x-oauth-basic@github.com");
        for silent in [
            "https://${GIT_USER}:${GIT_TOKEN}@github.com",
            "https://user:pre$SUFFIX@host",
            "https://user:$(cat /run/secrets/token)@host",
            "ssh://git@github.com:22/acme/app.git",
            "http://host:8080/path@v2",
            "https://user:****@host",
        ] {
            assert!(url_logins(silent).is_empty(), "{silent}");
        }
    }

    #[test]
    fn shell_variables_are_told_from_dollar_signs() {
        assert!(has_shell_variable("pre-$SUFFIX"));
        assert!(has_shell_variable("${A}"));
        assert!(!has_shell_variable("pa$$w0rd"));
        assert!(!has_shell_variable("cost$5"));
    }

    #[test]
    fn located_spans_are_exact_only_for_verbatim_text() {
        let span = Span::new(10, 20);
        assert_eq!(located(span, "0123456789", 2..5), Span::new(12, 15));
        assert_eq!(located(span, "01234567", 2..5), span);
    }
}
