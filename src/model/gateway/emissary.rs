//! Emissary-ingress (Ambassador): `Mapping`, `AuthService`, `RateLimitService`, `Host`,
//! `TLSContext`, `Module` and `Listener` of `getambassador.io` (v1, v2, v3alpha1).

use crate::model::object::Object;
use crate::parse::yaml::Node;

/// True for an object of the Emissary API group.
pub fn is_emissary(object: &Object<'_>) -> bool {
    object.api_group() == "getambassador.io"
}

/// True for an Emissary object of this kind.
pub fn is_kind(object: &Object<'_>, kind: &str) -> bool {
    is_emissary(object) && object.kind() == kind
}

/// An Emissary `Mapping`: one route.
#[derive(Debug, Clone, Copy)]
pub struct Mapping<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> Mapping<'o, 's> {
    /// The view of a Mapping.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_kind(object, "Mapping").then_some(Mapping { object })
    }

    /// A field of `spec`.
    pub fn field(&self, key: &str) -> Option<&'o Node<'s>> {
        self.object.root.path(&["spec", key])
    }

    /// `prefix` (or `prefix_regex`'s pattern), the path it routes.
    pub fn prefix(&self) -> Option<&'o str> {
        self.field("prefix").and_then(Node::as_text)
    }

    /// `host`, else `hostname`.
    pub fn host(&self) -> Option<&'o str> {
        self.field("hostname")
            .or_else(|| self.field("host"))
            .and_then(Node::as_text)
    }

    /// True when its `prefix` is a health, readiness, liveness or ping endpoint: such a route is
    /// public on purpose.
    pub fn serves_health_only(&self) -> bool {
        self.prefix().is_some_and(super::is_health_path)
    }

    /// `bypass_auth` when it is `true`.
    pub fn bypasses_auth(&self) -> Option<&'o Node<'s>> {
        self.field("bypass_auth").filter(|n| n.as_bool() == Some(true))
    }

    /// True when the Mapping carries rate-limit `labels` (v2/v3) or `rate_limits` (v1), which
    /// is how a request reaches the RateLimitService.
    pub fn has_rate_limit_labels(&self) -> bool {
        ["labels", "rate_limits"].iter().any(|key| {
            self.field(key)
                .is_some_and(|n| !n.items().is_empty() || !n.entries().is_empty())
        })
    }

    /// `cors.origins`: a list, or a comma-separated string.
    pub fn cors_origins(&self) -> Option<&'o Node<'s>> {
        self.field("cors").and_then(|c| c.get("origins"))
    }

    /// `cors.credentials` is true.
    pub fn cors_credentials(&self) -> bool {
        self.field("cors")
            .and_then(|c| c.get("credentials"))
            .and_then(Node::as_bool)
            == Some(true)
    }

    /// The upstream it routes to, when it is a Kubernetes Service of the cluster; `None` for a
    /// URL or host outside it, an IP address, a templated value, or a Mapping with its own
    /// `resolver` (Consul, endpoints).
    pub fn service(&self) -> Option<(ServiceAddress<'o>, &'o Node<'s>)> {
        if self.field("resolver").is_some() {
            return None;
        }
        let node = self.field("service")?;
        Some((ServiceAddress::parse(node.as_text()?)?, node))
    }

    /// A readable description for messages: the name, then the host and prefix.
    pub fn describe(&self) -> String {
        let mut text = format!("Mapping `{}`", self.object.qualified_name());
        if let Some(prefix) = self.prefix() {
            text.push_str(&format!(" (prefix `{prefix}`"));
            if let Some(host) = self.host() {
                text.push_str(&format!(", host `{host}`"));
            }
            text.push(')');
        }
        text
    }
}

/// A Kubernetes Service named by a Mapping's `service`: `[scheme://]name[.namespace[.svc…]][:port]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceAddress<'t> {
    /// The Service name.
    pub name: &'t str,
    /// The namespace, when given.
    pub namespace: Option<&'t str>,
    /// The port, when given.
    pub port: Option<i64>,
}

impl<'t> ServiceAddress<'t> {
    /// Reads a Mapping's `service`; `None` when it names no in-cluster Service.
    pub fn parse(text: &'t str) -> Option<Self> {
        if crate::model::network::is_placeholder_text(text) {
            return None;
        }
        let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or(rest);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse::<i64>().ok()?)),
            None => (authority, None),
        };
        let labels: Vec<&str> = host.split('.').collect();
        let is_dns_label = |l: &str| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && l.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        };
        if !labels.iter().all(|l| is_dns_label(l)) {
            return None;
        }
        let (name, namespace) = match labels.as_slice() {
            [name] => (*name, None),
            [name, namespace] => (*name, Some(*namespace)),
            [name, namespace, "svc", ..] => (*name, Some(*namespace)),
            _ => return None,
        };
        Some(ServiceAddress {
            name,
            namespace,
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<(String, Option<String>, Option<i64>)> {
        ServiceAddress::parse(text).map(|a| (a.name.to_owned(), a.namespace.map(str::to_owned), a.port))
    }

    #[test]
    fn service_addresses_name_a_service_namespace_and_port() {
        assert_eq!(parsed("quote"), Some(("quote".into(), None, None)));
        assert_eq!(parsed("quote:8080"), Some(("quote".into(), None, Some(8080))));
        assert_eq!(
            parsed("http://quote.shop:80"),
            Some(("quote".into(), Some("shop".into()), Some(80)))
        );
        assert_eq!(
            parsed("https://quote.shop.svc.cluster.local"),
            Some(("quote".into(), Some("shop".into()), None))
        );
    }

    #[test]
    fn external_hosts_and_addresses_are_not_services() {
        assert_eq!(parsed("httpbin.org.example.com"), None);
        assert_eq!(parsed("10.0.0.1:80"), None);
        assert_eq!(parsed("{{ .Values.svc }}"), None);
        assert_eq!(parsed("quote:http"), None);
    }
}
