//! The Gateway API (`gateway.networking.k8s.io`): Gateways and their listeners, routes with
//! their `parentRefs` and `backendRefs`, and ReferenceGrants.

use crate::model::object::Object;
use crate::model::selector::LabelSelector;
use crate::parse::yaml::Node;
use crate::source::Span;

/// The Gateway API group, the default group of `parentRefs` and of listener route kinds.
pub const GROUP: &str = "gateway.networking.k8s.io";

/// The route kinds.
pub const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

/// A reference field of the Gateway API (`parentRefs`, `backendRefs`, `certificateRefs`).
#[derive(Debug, Clone, Copy)]
pub struct Reference<'n, 's> {
    /// Its mapping.
    pub node: &'n Node<'s>,
    default_group: &'static str,
    default_kind: &'static str,
}

/// A reference's `group`, else `default`: "" is the core group, which is sometimes spelled out
/// as `core`.
fn group_of<'n>(node: &'n Node<'_>, default: &'static str) -> &'n str {
    match node.str_at("group").unwrap_or(default) {
        "core" => "",
        group => group,
    }
}

impl<'n, 's> Reference<'n, 's> {
    /// `group`, or the field's default ("" is the core group, also written `core`).
    pub fn group(&self) -> &'n str {
        group_of(self.node, self.default_group)
    }

    /// `kind`, or the field's default.
    pub fn kind(&self) -> &'n str {
        self.node.str_at("kind").unwrap_or(self.default_kind)
    }

    /// `name`.
    pub fn name(&self) -> Option<&'n str> {
        self.node.str_at("name")
    }

    /// A field's node.
    pub fn field(&self, key: &str) -> Option<&'n Node<'s>> {
        self.node.get(key)
    }

    /// `namespace` as written.
    pub fn namespace(&self) -> Option<&'n str> {
        self.node.str_at("namespace")
    }

    /// `port`.
    pub fn port(&self) -> Option<i64> {
        self.node.get("port").and_then(Node::as_i64)
    }

    /// `sectionName`.
    pub fn section_name(&self) -> Option<&'n str> {
        self.node.str_at("sectionName")
    }

    /// The span of a field's value, else of the reference.
    pub fn span_of(&self, key: &str) -> Span {
        self.node.get(key).map_or(self.node.span, |n| n.span)
    }

    /// True for a reference to a Gateway API `Gateway` (the default of `parentRefs`).
    pub fn is_gateway(&self) -> bool {
        self.group() == GROUP && self.kind() == "Gateway"
    }

    /// True for a core-group reference of this kind (`Service`, `Secret`).
    pub fn is_core(&self, kind: &str) -> bool {
        self.group().is_empty() && self.kind() == kind
    }
}

/// A Gateway API `Gateway`.
#[derive(Debug, Clone, Copy)]
pub struct Gateway<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> Gateway<'o, 's> {
    /// The view of a Gateway API Gateway (not Istio's).
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "Gateway" && object.api_group() == GROUP).then_some(Gateway { object })
    }

    /// `spec.gatewayClassName`.
    pub fn class_name(&self) -> Option<&'o str> {
        self.object
            .root
            .path(&["spec", "gatewayClassName"])
            .and_then(Node::as_text)
    }

    /// `spec.listeners`.
    pub fn listeners(&self) -> Vec<Listener<'o, 's>> {
        self.object
            .root
            .path(&["spec", "listeners"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|node| Listener { node })
            .collect()
    }
}

/// Which namespaces' routes a listener admits.
#[derive(Debug, Clone)]
pub enum AllowedNamespaces<'n> {
    /// The Gateway's own (the default).
    Same,
    /// Every namespace.
    All,
    /// Namespaces whose labels match.
    Selector(Option<LabelSelector<'n>>),
}

/// One listener of a Gateway.
#[derive(Debug, Clone, Copy)]
pub struct Listener<'n, 's> {
    /// Its mapping.
    pub node: &'n Node<'s>,
}

impl<'n, 's> Listener<'n, 's> {
    /// `name`.
    pub fn name(&self) -> Option<&'n str> {
        self.node.str_at("name")
    }

    /// `protocol` with its node.
    pub fn protocol(&self) -> Option<(&'n str, &'n Node<'s>)> {
        let node = self.node.get("protocol")?;
        Some((node.as_text()?, node))
    }

    /// `port`.
    pub fn port(&self) -> Option<i64> {
        self.node.get("port").and_then(Node::as_i64)
    }

    /// True for an HTTPS or TLS listener.
    pub fn is_secure(&self) -> bool {
        matches!(self.protocol(), Some(("HTTPS" | "TLS", _)))
    }

    /// `tls.certificateRefs` (kind Secret, core group by default).
    pub fn certificate_refs(&self) -> Vec<Reference<'n, 's>> {
        self.node
            .path(&["tls", "certificateRefs"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|node| Reference {
                node,
                default_group: "",
                default_kind: "Secret",
            })
            .collect()
    }

    /// `allowedRoutes.namespaces.from` (and its selector).
    pub fn allowed_namespaces(&self) -> AllowedNamespaces<'n> {
        let namespaces = self.node.path(&["allowedRoutes", "namespaces"]);
        match namespaces.and_then(|n| n.str_at("from")) {
            Some("All") => AllowedNamespaces::All,
            Some("Selector") => AllowedNamespaces::Selector(LabelSelector::from_node(
                namespaces.and_then(|n| n.get("selector")),
            )),
            _ => AllowedNamespaces::Same,
        }
    }

    /// Whether the listener admits routes of this kind: one of `allowedRoutes.kinds`, else the
    /// kinds its protocol serves. A protocol the API does not define is taken to admit any.
    pub fn admits_kind(&self, group: &str, kind: &str) -> bool {
        let kinds = self
            .node
            .path(&["allowedRoutes", "kinds"])
            .map(Node::items)
            .unwrap_or_default();
        if !kinds.is_empty() {
            return kinds
                .iter()
                .any(|k| k.str_at("kind") == Some(kind) && k.str_at("group").unwrap_or(GROUP) == group);
        }
        if group != GROUP {
            return false;
        }
        // GRPCRoute is served on HTTP and HTTPS listeners by the implementations that support it.
        match self.protocol().map(|(p, _)| p) {
            Some("HTTP" | "HTTPS") => matches!(kind, "HTTPRoute" | "GRPCRoute"),
            Some("TLS") => matches!(kind, "TLSRoute" | "TCPRoute"),
            Some("TCP") => kind == "TCPRoute",
            Some("UDP") => kind == "UDPRoute",
            _ => true,
        }
    }
}

/// A Gateway API route: HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute.
#[derive(Debug, Clone, Copy)]
pub struct Route<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> Route<'o, 's> {
    /// The view of a Gateway API route.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.api_group() == GROUP && ROUTE_KINDS.contains(&object.kind())).then_some(Route { object })
    }

    /// `spec.parentRefs` (kind Gateway of the Gateway API group by default).
    pub fn parent_refs(&self) -> Vec<Reference<'o, 's>> {
        self.object
            .root
            .path(&["spec", "parentRefs"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|node| Reference {
                node,
                default_group: GROUP,
                default_kind: "Gateway",
            })
            .collect()
    }

    fn rules(&self) -> &'o [Node<'s>] {
        self.object
            .root
            .path(&["spec", "rules"])
            .map(Node::items)
            .unwrap_or_default()
    }

    /// Every rule's `backendRefs` (kind Service of the core group by default).
    pub fn backend_refs(&self) -> Vec<Reference<'o, 's>> {
        self.rules()
            .iter()
            .flat_map(|rule| rule.get("backendRefs").map(Node::items).unwrap_or_default())
            .map(|node| Reference {
                node,
                default_group: "",
                default_kind: "Service",
            })
            .collect()
    }

    /// Every rule's `filters` of one `type`, with the filter's settings (`requestRedirect`,
    /// `cors`, `extensionRef`).
    pub fn filters(&self, filter_type: &str) -> Vec<&'o Node<'s>> {
        let key = match filter_type {
            "RequestRedirect" => "requestRedirect",
            "CORS" => "cors",
            "ExtensionRef" => "extensionRef",
            _ => return Vec::new(),
        };
        self.rules()
            .iter()
            .flat_map(|rule| rule.get("filters").map(Node::items).unwrap_or_default())
            .filter(|filter| filter.str_at("type") == Some(filter_type))
            .filter_map(|filter| filter.get(key))
            .collect()
    }

    /// True when a rule redirects requests to `https`.
    pub fn redirects_to_https(&self) -> bool {
        self.filters("RequestRedirect")
            .iter()
            .any(|redirect| redirect.str_at("scheme") == Some("https"))
    }

    /// True when `parent` selects this listener of the Gateway it names: its `sectionName` and
    /// `port`, when given, are the listener's.
    pub fn parent_selects(parent: &Reference<'_, '_>, listener: &Listener<'_, '_>) -> bool {
        parent.section_name().is_none_or(|s| listener.name() == Some(s))
            && parent.port().is_none_or(|p| listener.port() == Some(p))
    }
}

/// A ReferenceGrant (or its older name ReferencePolicy) of the Gateway API.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceGrant<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> ReferenceGrant<'o, 's> {
    /// The view of a ReferenceGrant.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.api_group() == GROUP && matches!(object.kind(), "ReferenceGrant" | "ReferencePolicy"))
            .then_some(ReferenceGrant { object })
    }

    fn list(&self, key: &str) -> &'o [Node<'s>] {
        self.object
            .root
            .path(&["spec", key])
            .map(Node::items)
            .unwrap_or_default()
    }

    /// Whether it lets `from` (group, kind, namespace) refer to `to` (group, kind, name) in the
    /// grant's namespace. The core group is written "" (or `core`).
    pub fn allows(&self, from: (&str, &str, &str), to: (&str, &str, &str)) -> bool {
        let from_ok = self.list("from").iter().any(|f| {
            group_of(f, "") == from.0
                && f.str_at("kind") == Some(from.1)
                && f.str_at("namespace") == Some(from.2)
        });
        let to_ok = self.list("to").iter().any(|t| {
            group_of(t, "") == to.0
                && t.str_at("kind") == Some(to.1)
                && t.str_at("name").is_none_or(|n| n == to.2)
        });
        from_ok && to_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn listeners_admit_route_kinds_by_protocol_or_list() {
        let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  listeners:\n    - {name: web, protocol: HTTP, port: 80}\n    - name: tcp\n      protocol: TCP\n      port: 9000\n      allowedRoutes:\n        namespaces: {from: All}\n        kinds: [{kind: TCPRoute}]\n";
        let objects = parse_objects(text);
        let gateway = Gateway::of(objects.first().expect("one object")).expect("a Gateway");
        let listeners = gateway.listeners();
        let (web, tcp) = (listeners.first().expect("web"), listeners.get(1).expect("tcp"));
        assert!(web.admits_kind(GROUP, "HTTPRoute"));
        assert!(!web.admits_kind(GROUP, "TCPRoute"));
        assert!(matches!(web.allowed_namespaces(), AllowedNamespaces::Same));
        assert!(tcp.admits_kind(GROUP, "TCPRoute"));
        assert!(!tcp.admits_kind(GROUP, "UDPRoute"));
        assert!(matches!(tcp.allowed_namespaces(), AllowedNamespaces::All));
    }

    #[test]
    fn reference_grants_match_from_and_optional_to_name() {
        let text = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: r, namespace: b}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\n  to: [{group: \"\", kind: Service}]\n";
        let objects = parse_objects(text);
        let grant = ReferenceGrant::of(objects.first().expect("one object")).expect("a grant");
        assert!(grant.allows((GROUP, "HTTPRoute", "a"), ("", "Service", "api")));
        assert!(!grant.allows((GROUP, "HTTPRoute", "c"), ("", "Service", "api")));
        assert!(!grant.allows((GROUP, "GRPCRoute", "a"), ("", "Service", "api")));
        assert!(!grant.allows((GROUP, "HTTPRoute", "a"), ("", "Secret", "api")));
    }
}
