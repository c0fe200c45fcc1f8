//! Credentials inside URLs, host IP literals, and where a match sits in the source.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::is_placeholder;
use crate::parse::yaml::{Node, ScalarMap};
use crate::source::Span;

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
    // Most values hold no `@`, and one byte is the quickest to look for.
    if memchr::memchr(b'@', value.as_bytes()).is_none() || !value.contains("://") {
        return Vec::new();
    }
    let Some(regex) = URL.get_or_init(|| {
        Regex::new(r#"[A-Za-z][A-Za-z0-9+.\-]*://([^/\s:@]*):([^/\s@]+)@([^/\s?#'"\\,;]*)"#).ok()
    }) else {
        return Vec::new();
    };
    regex
        .captures_iter(value)
        .filter_map(|c| {
            let (url, user, password, host) = (c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?);
            // `image:tag@sha256:…` is an image reference with a digest
            // (`docker://alpine:3.20@sha256:…`), not a login.
            if is_digest(host.as_str()) {
                return None;
            }
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

/// True for an image digest: `sha256:`, `sha384:` or `sha512:` and hex digits.
fn is_digest(text: &str) -> bool {
    ["sha256:", "sha384:", "sha512:"].iter().any(|algorithm| {
        text.strip_prefix(algorithm)
            .is_some_and(|hex| hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    })
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

/// Where `range` of a scalar's text is written: as [`located`] finds it on one line (a quoted
/// value as a whole), and in a literal block (`|`) the exact sub-span on its own line (see
/// [`ScalarMap`]); a folded or escaped multi-line value as a whole.
pub fn located_in_scalar(source: &str, node: &Node<'_>, text: &str, range: Range<usize>) -> Span {
    let lines = text.trim_end().contains('\n');
    lines
        .then(|| ScalarMap::of(source, node))
        .flatten()
        .and_then(|map| map.span(range.clone()))
        .unwrap_or_else(|| located(node.span, text, range))
}

/// IPv4 literals that name a particular host: not loopback, unspecified, link-local, broadcast,
/// a documentation range, or a CIDR block (`10.0.0.0/8`), and not part of a longer dotted number.
pub fn host_ip_literals(value: &str) -> Vec<Range<usize>> {
    static IPV4: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(regex) =
        IPV4.get_or_init(|| Regex::new(r"\b([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\b").ok())
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
    fn url_passwords_are_found_unless_placeholders() {
        let value = "postgres://app:s3cretPass@db:5432/shop";
        let found = url_credentials(value);
        assert_eq!(
            found.iter().map(|r| &value[r.clone()]).collect::<Vec<_>>(),
            ["s3cretPass"]
        );
        assert!(url_credentials("https://user:${PASS}@host/").is_empty());
        assert!(url_credentials("https://example.com/a:b@c").is_empty());
        assert!(
            url_credentials(
                "docker://alpine:3.20@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a"
            )
            .is_empty()
        );
        assert_eq!(url_credentials("http://u:pw9x@[::1]:8080/").len(), 1);
        assert_eq!(
            url_credentials("postgres://app:Xk92hQz7pL@db:${DB_PORT}/shop").len(),
            1
        );
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
