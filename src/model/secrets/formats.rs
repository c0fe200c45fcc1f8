//! Token formats: the shapes of keys and tokens, found in plain or base64-encoded values.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

/// A recognised secret inside a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// What kind of secret (`AWS access key id`).
    pub kind: &'static str,
    /// Where in the value.
    pub range: Range<usize>,
}

/// A format: what it is, and its pattern.
struct Format {
    kind: &'static str,
    pattern: &'static str,
    /// Text one of which every match holds: a value holding none is not searched with the
    /// pattern. A test checks them against the pattern: each of its literal prefixes (or
    /// suffixes) holds one, or the one literal is part of every match.
    literals: &'static [&'static str],
}

impl Format {
    /// True when the whole match may legitimately hold long runs of one character (key bodies).
    fn runs_allowed(&self) -> bool {
        self.kind == "private key"
    }
}

/// The formats a secret is recognised by: each either has a fixed prefix or a fixed shape that
/// ordinary configuration does not produce. A capture group, when present, is what a finding
/// points at (a private key's header rather than its whole body).
const FORMATS: &[Format] = &[
    // A header alone (`grep -- "-----BEGIN RSA PRIVATE KEY-----"`, `…KEY-----\n<your key>`) is
    // no key: base64 must follow, on the next lines or after `\n` escapes in a JSON string.
    Format {
        kind: "private key",
        pattern: r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)(?:\s|\\[nr])*(?:[A-Za-z-]+: [^\n\\]*(?:\s|\\[nr])+)*[A-Za-z0-9+/]{4}",
        literals: &["PRIVATE KEY"],
    },
    Format {
        kind: "AWS access key id",
        pattern: r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        literals: &["AKIA", "ASIA", "ABIA", "ACCA"],
    },
    Format {
        kind: "GitHub token",
        pattern: r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b",
        literals: &["gho_", "ghp_", "ghr_", "ghs_", "ghu_"],
    },
    Format {
        kind: "GitHub token",
        pattern: r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b",
        literals: &["github_pat_"],
    },
    Format {
        kind: "GitLab token",
        pattern: r"\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|agent)-[A-Za-z0-9_\-]{20,}",
        literals: &[
            "glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "glagent-",
        ],
    },
    Format {
        kind: "Slack token",
        pattern: r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        literals: &["xox"],
    },
    Format {
        kind: "Slack token",
        pattern: r"\bxapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]{20,}",
        literals: &["xapp-"],
    },
    Format {
        kind: "Slack webhook",
        pattern: r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
        literals: &["hooks.slack.com/services/T"],
    },
    Format {
        kind: "Microsoft Teams webhook",
        pattern: r"https://(?:[A-Za-z0-9_-]+\.webhook|outlook)\.office(?:365)?\.com/webhook(?:b2)?/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}",
        literals: &["IncomingWebhook"],
    },
    Format {
        kind: "Google API key",
        pattern: r"\bAIza[0-9A-Za-z_\-]{35}\b",
        literals: &["AIza"],
    },
    Format {
        kind: "Google OAuth access token",
        pattern: r"\bya29\.[0-9A-Za-z_\-]{20,}",
        literals: &["ya29."],
    },
    Format {
        kind: "Stripe secret key",
        pattern: r"\b[sr]k_live_[0-9A-Za-z]{20,}\b",
        literals: &["k_live_"],
    },
    Format {
        kind: "Square access token",
        pattern: r"\bsq0atp-[0-9A-Za-z_\-]{22,}",
        literals: &["sq0atp-"],
    },
    Format {
        kind: "Square OAuth secret",
        pattern: r"\bsq0csp-[0-9A-Za-z_\-]{40,}",
        literals: &["sq0csp-"],
    },
    Format {
        kind: "SendGrid API key",
        pattern: r"\bSG\.[0-9A-Za-z_\-]{22}\.[0-9A-Za-z_\-]{43}\b",
        literals: &["SG."],
    },
    Format {
        kind: "Twilio API key",
        pattern: r"\bSK[0-9a-fA-F]{32}\b",
        literals: &["SK"],
    },
    Format {
        kind: "Mailchimp API key",
        pattern: r"\b[0-9a-f]{32}-us[0-9]{1,2}\b",
        literals: &["-us"],
    },
    Format {
        kind: "Amazon MWS auth token",
        pattern: r"\bamzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        literals: &["amzn.mws."],
    },
    Format {
        kind: "Facebook access token",
        pattern: r"\bEAACEdEose0cBA[0-9A-Za-z]{10,}",
        literals: &["EAACEdEose0cBA"],
    },
    Format {
        kind: "PayPal Braintree access token",
        pattern: r"\baccess_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}\b",
        literals: &["access_token$production$"],
    },
    Format {
        kind: "NPM token",
        pattern: r"\bnpm_[A-Za-z0-9]{36}\b",
        literals: &["npm_"],
    },
    Format {
        kind: "PyPI token",
        pattern: r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}",
        literals: &["pypi-AgEIcHlwaS5vcmc"],
    },
    Format {
        kind: "Docker Hub token",
        pattern: r"\bdckr_pat_[A-Za-z0-9_\-]{27,}",
        literals: &["dckr_pat_"],
    },
    Format {
        kind: "Vault token",
        pattern: r"\bhv[sb]\.[A-Za-z0-9_\-]{24,}",
        literals: &["hvb.", "hvs."],
    },
    Format {
        kind: "OpenAI API key",
        pattern: r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
        literals: &["T3BlbkFJ"],
    },
    Format {
        kind: "Anthropic API key",
        pattern: r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,}",
        literals: &["sk-ant-"],
    },
    Format {
        kind: "Shopify token",
        pattern: r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        literals: &["shpat_", "shpca_", "shppa_", "shpss_"],
    },
    Format {
        kind: "age secret key",
        pattern: r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        literals: &["AGE-SECRET-KEY-1"],
    },
    Format {
        kind: "Azure storage account key",
        pattern: r"AccountKey=([A-Za-z0-9+/]{86}==)",
        literals: &["AccountKey="],
    },
    Format {
        kind: "JSON Web Token",
        pattern: r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        literals: &["eyJ"],
    },
];

/// No format matches fewer characters than this (`xoxb-` and ten more).
const MIN_FORMAT_LEN: usize = 15;

/// Published samples that match a format but open nothing: the jwt.io example token's
/// signature and the Azure storage emulator's well-known account key.
const PUBLIC_SAMPLES: &[&str] = &[
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

/// The pattern of format number `n`, compiled the first time a value calls for it: a run
/// compiles only the patterns its values call for.
fn compiled(n: usize) -> Option<&'static Regex> {
    static COMPILED: [OnceLock<Option<Regex>>; FORMATS.len()] = [const { OnceLock::new() }; FORMATS.len()];
    let format = FORMATS.get(n)?;
    COMPILED
        .get(n)?
        .get_or_init(|| Regex::new(format.pattern).ok())
        .as_ref()
}

/// One automaton over every format's literals, and the format each belongs to.
struct Literals {
    automaton: AhoCorasick,
    format_of: Vec<usize>,
}

fn literals() -> Option<&'static Literals> {
    static LITERALS: OnceLock<Option<Literals>> = OnceLock::new();
    LITERALS
        .get_or_init(|| {
            let (mut words, mut format_of): (Vec<&str>, Vec<usize>) = (Vec::new(), Vec::new());
            for (n, format) in FORMATS.iter().enumerate() {
                words.extend(format.literals);
                format_of.extend(format.literals.iter().map(|_| n));
            }
            Some(Literals {
                // Every scalar of a run is searched: a DFA's search outruns an NFA's, and for these
                // few short words it builds in a fraction of a millisecond.
                automaton: AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(words)
                    .ok()?,
                format_of,
            })
        })
        .as_ref()
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
    // The shortest format (a Slack token) takes 15 characters.
    if value.len() < MIN_FORMAT_LEN {
        return Vec::new();
    }
    // One pass over the formats' literals rules out almost every value; only the formats whose
    // literal it saw are run, in their order.
    let Some(literals) = literals() else {
        return Vec::new();
    };
    // Most values hold no literal at all, which a search for the first one tells fastest.
    if !literals.automaton.is_match(value) {
        return Vec::new();
    }
    let mut called = [false; FORMATS.len()];
    for literal in literals.automaton.find_overlapping_iter(value) {
        if let Some(&n) = literals.format_of.get(literal.pattern().as_usize()) {
            called[n] = true;
        }
    }
    let mut found = Vec::new();
    for (n, format) in FORMATS.iter().enumerate().filter(|(n, _)| called[*n]) {
        let Some(regex) = compiled(n) else {
            continue;
        };
        for captures in regex.captures_iter(value) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if is_sample(whole.as_str(), format.runs_allowed()) {
                continue;
            }
            let shown = captures.get(1).unwrap_or(whole);
            found.push(SecretMatch {
                kind: format.kind,
                range: shown.range(),
            });
        }
    }
    found.sort_by_key(|m| m.range.start);
    found
}

/// Base64 values of fewer digits are not decoded (see [`secret_in_base64`]).
const BASE64_MIN_DIGITS: usize = 32;

/// A known secret format inside a base64 value (`client-key-data` of a kubeconfig, a
/// base64-encoded PEM file): the kind, prefixed with "base64-encoded", and the whole value as
/// the range. Only values of 32 characters or more that decode to text are read, so base64 of
/// harmless text, hashes and binary data find nothing.
pub fn secret_in_base64(value: &str) -> Option<SecretMatch> {
    static KINDS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    // Fewer bytes hold fewer digits.
    if value.len() < BASE64_MIN_DIGITS {
        return None;
    }
    let trimmed = value.trim();
    let mut digits = 0;
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=') {
            digits += 1;
        } else if !b.is_ascii_whitespace() {
            return None;
        }
    }
    if digits < BASE64_MIN_DIGITS {
        return None;
    }
    let decoded = base64_text(trimmed)?;
    let inner = secret_values(&decoded).into_iter().next()?;
    let kinds = KINDS.get_or_init(|| {
        FORMATS
            .iter()
            .map(|format| (format.kind, format!("base64-encoded {}", format.kind)))
            .collect()
    });
    let kind = kinds.iter().find(|(k, _)| *k == inner.kind)?;
    let start = value.len() - value.trim_start().len();
    Some(SecretMatch {
        kind: kind.1.as_str(),
        range: start..start + trimmed.len(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal prefixes, else suffixes, every match of `pattern` starts or ends with.
    fn extracted_literals(pattern: &str) -> Vec<Vec<Vec<u8>>> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let hir = regex_syntax::parse(pattern).expect("a pattern");
        [ExtractKind::Prefix, ExtractKind::Suffix]
            .into_iter()
            .filter_map(|kind| {
                let found = Extractor::new().kind(kind).extract(&hir);
                let words = found.literals()?.iter().map(|l| l.as_bytes().to_vec());
                Some(words.collect())
            })
            .collect()
    }

    /// True when `literal` is inside a literal piece of the pattern's top-level sequence, which
    /// every match goes through (`-us` of `[0-9a-f]{32}-us[0-9]{1,2}`).
    fn in_every_match(pattern: &str, literal: &str) -> bool {
        use regex_syntax::hir::HirKind;
        let hir = regex_syntax::parse(pattern).expect("a pattern");
        let holds = |piece: &regex_syntax::hir::Hir| match piece.kind() {
            HirKind::Literal(text) => text.0.windows(literal.len()).any(|w| w == literal.as_bytes()),
            _ => false,
        };
        match hir.kind() {
            HirKind::Concat(pieces) => pieces.iter().any(holds),
            _ => holds(&hir),
        }
    }

    #[test]
    fn every_match_of_a_format_holds_one_of_its_literals() {
        for (n, format) in FORMATS.iter().enumerate() {
            assert!(compiled(n).is_some(), "{} compiles", format.pattern);
            assert!(!format.literals.is_empty(), "{} has literals", format.kind);
            // Each literal prefix (or each suffix) of the pattern holds one of the literals.
            let holds = |word: &Vec<u8>| {
                format
                    .literals
                    .iter()
                    .any(|literal| word.windows(literal.len()).any(|w| w == literal.as_bytes()))
            };
            let one_required = matches!(format.literals, [one] if in_every_match(format.pattern, one));
            assert!(
                one_required
                    || extracted_literals(format.pattern)
                        .iter()
                        .any(|words| !words.is_empty() && words.iter().all(holds)),
                "{}: {:?} is not held by every match",
                format.kind,
                format.literals
            );
        }
    }

    #[test]
    fn no_format_matches_below_the_length_floor() {
        // Every pattern needs at least MIN_FORMAT_LEN characters: a shortest Slack token passes.
        assert_eq!(secret_values("xoxb-123456789a").len(), 1);
        assert!(MIN_FORMAT_LEN <= "xoxb-123456789a".len());
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
    fn base64_decodes_text_and_rejects_other_input() {
        assert_eq!(base64_text("Y2hhbmdlbWU=").as_deref(), Some("changeme"));
        assert_eq!(base64_text("YWRtaW4").as_deref(), Some("admin"));
        assert_eq!(base64_text("cGFzc3dv\ncmQ=").as_deref(), Some("password"));
        assert_eq!(base64_text("<base64 password>"), None);
        assert_eq!(base64_text("").as_deref(), Some(""));
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
}
