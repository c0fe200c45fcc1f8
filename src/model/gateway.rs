//! Typed views over API-gateway configuration: Kong declarative files, Kong for Kubernetes
//! plugin resources, Emissary (Ambassador), Ingress controllers and the Gateway API, plus the
//! plugin classes and value helpers the GW rules share.

pub mod api;
pub mod emissary;
pub mod ingress;
pub mod kong;
pub mod kong_k8s;

use crate::parse::yaml::{Node, ScalarStyle, Value};
use crate::source::Span;

/// What a gateway plugin does, as far as the GW rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluginClass {
    /// Identifies the caller and rejects anonymous requests.
    Authentication,
    /// Limits the request rate.
    RateLimiting,
    /// Answers CORS preflights and sets the CORS headers.
    Cors,
    /// Anything else.
    Other,
}

/// Kong plugins that reject a request without valid credentials. `session`, `acl` and `opa` are
/// left out: each only works after one of these has identified the caller.
const AUTHENTICATION_PLUGINS: &[&str] = &[
    "jwt",
    "openid-connect",
    "key-auth",
    "key-auth-enc",
    "oauth2",
    "oauth2-introspection",
    "basic-auth",
    "hmac-auth",
    "ldap-auth",
    "ldap-auth-advanced",
    "mtls-auth",
    "jwt-signer",
    "vault-auth",
    "saml",
    "header-cert-auth",
];

/// Kong plugins that limit the request rate.
const RATE_LIMITING_PLUGINS: &[&str] = &[
    "rate-limiting",
    "rate-limiting-advanced",
    "response-ratelimiting",
    "graphql-rate-limiting-advanced",
    "ai-rate-limiting-advanced",
];

impl PluginClass {
    /// The class of a Kong plugin name.
    pub fn of(plugin: &str) -> PluginClass {
        if AUTHENTICATION_PLUGINS.contains(&plugin) {
            PluginClass::Authentication
        } else if RATE_LIMITING_PLUGINS.contains(&plugin) {
            PluginClass::RateLimiting
        } else if plugin == "cors" {
            PluginClass::Cors
        } else {
            PluginClass::Other
        }
    }
}

/// The comma-separated items of a scalar, trimmed, with the span of each. The span is exact for
/// a plain or quoted scalar written on one line without escapes; otherwise every item gets the
/// span of the whole value.
pub fn comma_items<'n>(node: &'n Node<'_>) -> Vec<(&'n str, Span)> {
    let Value::Scalar(scalar) = node.value() else {
        return Vec::new();
    };
    let (text, style) = (scalar.text(), scalar.style());
    let written = (node.span.end - node.span.start) as usize;
    let start = match style {
        ScalarStyle::Plain if written == text.len() => Some(node.span.start as usize),
        ScalarStyle::Quoted if written == text.len() + 2 => Some(node.span.start as usize + 1),
        _ => None,
    };
    let mut items = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let trimmed = part.trim();
        let lead = part.len() - part.trim_start().len();
        if !trimmed.is_empty() {
            let span = start.map_or(node.span, |s| {
                Span::new(s + offset + lead, s + offset + lead + trimmed.len())
            });
            items.push((trimmed, span));
        }
        offset += part.len() + 1;
    }
    items
}

/// Path words that only answer probes: such a route is public on purpose.
const HEALTH_WORDS: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
];

/// True for a path whose last segment is a health, readiness, liveness or ping endpoint
/// (`/healthz`, `/api/ping`); a Kong regex path's `~` prefix and trailing `$` are ignored.
pub fn is_health_path(path: &str) -> bool {
    let path = path
        .trim_start_matches('~')
        .trim_end_matches('$')
        .trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or("");
    HEALTH_WORDS.contains(&last.to_ascii_lowercase().as_str())
}

/// True when there are paths and each is a health endpoint (see [`is_health_path`]): a route
/// that serves only those is public on purpose.
pub fn only_health_paths(paths: &[&str]) -> bool {
    !paths.is_empty() && paths.iter().all(|p| is_health_path(p))
}

/// The text of a scalar or the texts of a sequence's scalar items, each with its node.
pub fn texts<'n, 's>(node: Option<&'n Node<'s>>) -> Vec<(&'n str, &'n Node<'s>)> {
    match node {
        Some(node) if matches!(node.value(), Value::Sequence(_)) => node
            .items()
            .iter()
            .filter_map(|item| Some((item.as_text()?, item)))
            .collect(),
        Some(node) => node.as_text().map(|text| vec![(text, node)]).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// A boolean that may be written quoted (`"true"`), as annotations and labels are.
pub fn truthy(node: Option<&Node<'_>>) -> bool {
    node.is_some_and(|n| {
        n.as_bool() == Some(true) || n.as_text().is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn items_of(text: &str) -> Vec<(String, String)> {
        let stream = parse_for_test(text);
        let root = &stream.documents.first().expect("a document").root;
        let value = root.get("v").expect("a value");
        comma_items(value)
            .into_iter()
            .map(|(item, span)| (item.to_owned(), text[span.range()].to_owned()))
            .collect()
    }

    /// (item, source text of its span) pairs.
    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(item, source)| ((*item).to_owned(), (*source).to_owned()))
            .collect()
    }

    #[test]
    fn comma_items_point_at_each_name_in_plain_and_quoted_values() {
        assert_eq!(
            items_of("v: jwt, rate-limit ,cors\n"),
            owned(&[("jwt", "jwt"), ("rate-limit", "rate-limit"), ("cors", "cors")])
        );
        assert_eq!(items_of("v: \"a,  b\"\n"), owned(&[("a", "a"), ("b", "b")]));
    }

    #[test]
    fn comma_items_of_an_escaped_value_point_at_the_whole_value() {
        assert_eq!(
            items_of("v: \"a,\\tb\"\n"),
            owned(&[("a", "\"a,\\tb\""), ("b", "\"a,\\tb\"")])
        );
    }

    #[test]
    fn only_health_paths_needs_some_paths_all_of_them_health_ones() {
        assert!(only_health_paths(&["/healthz", "/ready"]));
        assert!(!only_health_paths(&["/healthz", "/api"]));
        assert!(!only_health_paths(&[]));
    }

    #[test]
    fn health_paths_are_recognised_by_their_last_segment() {
        assert!(is_health_path("/healthz"));
        assert!(is_health_path("/api/ping/"));
        assert!(is_health_path("~/status/ready$"));
        assert!(!is_health_path("/api/users"));
        assert!(!is_health_path("/metrics"));
    }

    #[test]
    fn plugin_names_are_classified() {
        assert_eq!(PluginClass::of("jwt"), PluginClass::Authentication);
        assert_eq!(
            PluginClass::of("rate-limiting-advanced"),
            PluginClass::RateLimiting
        );
        assert_eq!(PluginClass::of("cors"), PluginClass::Cors);
        assert_eq!(PluginClass::of("session"), PluginClass::Other);
    }
}
