//! Istio Gateways and how a VirtualService names them.

use super::routing::is_istio_kind;
use crate::model::Object;
use crate::model::object::label_pairs;
use crate::parse::yaml::Node;

/// The name Istio reserves for the sidecars of the mesh in a VirtualService's `gateways`.
pub const MESH_GATEWAY: &str = "mesh";

/// A `gateways` entry of a VirtualService, resolved as Istio resolves it: `ns/name`, `./name`
/// and a bare name in the VirtualService's own namespace, and the older `name.ns` or
/// `name.ns.svc.cluster.local` as `ns/name`. `None` for `mesh` and for the internal references
/// Istio generates for Gateway API gateways (names holding `~`).
pub fn gateway_reference<'n>(entry: &'n str, namespace: &'n str) -> Option<(&'n str, &'n str)> {
    if entry == MESH_GATEWAY || entry.contains('~') {
        return None;
    }
    Some(match entry.split_once('/') {
        Some((".", name)) => (namespace, name),
        Some(reference) => reference,
        None => match entry.split_once('.') {
            Some((name, rest)) => (
                rest.split_once('.')
                    .map_or(rest, |(gateway_namespace, _)| gateway_namespace),
                name,
            ),
            None => (namespace, entry),
        },
    })
}

/// A `networking.istio.io` Gateway.
#[derive(Debug, Clone, Copy)]
pub struct IstioGateway<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    spec: Option<&'o Node<'s>>,
}

impl<'o, 's> IstioGateway<'o, 's> {
    /// The view of an Istio Gateway.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_istio_kind(object, "Gateway").then(|| IstioGateway {
            object,
            spec: object.root.get("spec"),
        })
    }

    /// `selector`: the labels of the gateway pods that apply it.
    pub fn selector(&self) -> Option<&'o Node<'s>> {
        self.spec.and_then(|s| s.get("selector"))
    }

    /// The `servers` entries.
    pub fn servers(&self) -> &'o [Node<'s>] {
        self.spec
            .and_then(|s| s.get("servers"))
            .map(Node::items)
            .unwrap_or_default()
    }

    /// The `servers` entries as views.
    pub fn server_views(&self) -> impl Iterator<Item = GatewayServer<'o, 's>> + 'o {
        self.servers().iter().map(|node| GatewayServer { node })
    }

    /// The `selector` as one canonical string, `key=value` pairs sorted and joined by commas
    /// (`""` when absent): two Gateways with the same string run on the same pods.
    pub fn selector_key(&self) -> String {
        let mut pairs: Vec<String> = label_pairs(self.selector())
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs.join(",")
    }

    /// True when the Gateway runs on egress gateway pods: a selector value naming `egress`
    /// (`istio: egressgateway`, the default egress gateway's label).
    pub fn selects_egress(&self) -> bool {
        label_pairs(self.selector()).any(|(_, value)| value.to_ascii_lowercase().contains("egress"))
    }

    /// The server hosts a VirtualService of `viewer` may bind to, with the namespace prefix
    /// removed: `host` and `*/host` for everyone, `./host` for the Gateway's own namespace,
    /// `ns/host` for `ns`.
    pub fn hosts_for(&self, own: &str, viewer: &str) -> Vec<&'o str> {
        self.servers()
            .iter()
            .flat_map(|server| server.get("hosts").map(Node::items).unwrap_or_default())
            .filter_map(Node::as_text)
            .filter_map(|host| match host.split_once('/') {
                None => Some(host),
                Some(("*", host)) => Some(host),
                Some((".", host)) => (own == viewer).then_some(host),
                Some((namespace, host)) => (namespace == viewer).then_some(host),
            })
            .collect()
    }
}

/// One `servers` entry of an Istio Gateway.
#[derive(Debug, Clone, Copy)]
pub struct GatewayServer<'o, 's> {
    /// The entry.
    pub node: &'o Node<'s>,
}

impl<'o, 's> GatewayServer<'o, 's> {
    /// `port.number`.
    pub fn port_number(&self) -> Option<i64> {
        self.node.path(&["port", "number"]).and_then(Node::as_i64)
    }

    /// The `port.protocol` node.
    pub fn protocol(&self) -> Option<&'o Node<'s>> {
        self.node.path(&["port", "protocol"])
    }

    /// True for a server that speaks plain HTTP (`HTTP`, `HTTP2`, `GRPC`; Istio reads the
    /// protocol without regard to case).
    pub fn is_plain_http(&self) -> bool {
        self.protocol().and_then(Node::as_str).is_some_and(|p| {
            ["HTTP", "HTTP2", "GRPC"]
                .iter()
                .any(|h| p.eq_ignore_ascii_case(h))
        })
    }

    /// True for a server that terminates or passes through TLS (`HTTPS`, `TLS`).
    pub fn is_secure(&self) -> bool {
        self.protocol()
            .and_then(Node::as_str)
            .is_some_and(|p| ["HTTPS", "TLS"].iter().any(|s| p.eq_ignore_ascii_case(s)))
    }

    /// True when the server answers every request with a redirect to HTTPS (`tls.httpsRedirect`).
    pub fn redirects_to_https(&self) -> bool {
        self.node
            .path(&["tls", "httpsRedirect"])
            .and_then(Node::as_bool)
            .unwrap_or(false)
    }

    /// The `hosts` entries with the host name alone, its namespace prefix (`ns/`, `./`, `*/`)
    /// removed: the names the server's listener answers for.
    pub fn hosts(&self) -> impl Iterator<Item = (&'o Node<'s>, &'o str)> + 'o {
        self.node
            .get("hosts")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|node| {
                let host = node.as_text()?;
                Some((node, host.split_once('/').map_or(host, |(_, name)| name)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn references_resolve_in_the_virtual_services_namespace() {
        assert_eq!(gateway_reference("web", "shop"), Some(("shop", "web")));
        assert_eq!(
            gateway_reference("istio-system/web", "shop"),
            Some(("istio-system", "web"))
        );
        assert_eq!(gateway_reference("./web", "shop"), Some(("shop", "web")));
        assert_eq!(gateway_reference("web.edge", "shop"), Some(("edge", "web")));
        assert_eq!(
            gateway_reference("web.edge.svc.cluster.local", "shop"),
            Some(("edge", "web"))
        );
        assert_eq!(gateway_reference("mesh", "shop"), None);
        assert_eq!(
            gateway_reference("ns/gw~istio-autogenerated-k8s-gateway~x", "shop"),
            None
        );
    }

    #[test]
    fn server_hosts_honour_their_namespace_prefix() {
        let objects = parse_objects(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: edge}\n\
             spec:\n  servers:\n    - hosts: [./own.example.com, shop/shop.example.com, '*/any.example.com', '*.dev.example.com']\n",
        );
        let gateway = IstioGateway::of(&objects[0]).unwrap();
        assert_eq!(
            gateway.hosts_for("edge", "shop"),
            ["shop.example.com", "any.example.com", "*.dev.example.com"]
        );
        let serves = |viewer: &str, host: &str| {
            gateway
                .hosts_for("edge", viewer)
                .iter()
                .any(|served| super::super::host::overlap(served, host))
        };
        assert!(serves("web", "api.dev.example.com"));
        assert!(!serves("web", "own.example.com"));
        assert!(serves("edge", "own.example.com"));
    }

    #[test]
    fn servers_read_port_protocol_redirect_and_bare_hosts() {
        let objects = parse_objects(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\n\
             spec:\n  selector: {istio: ingressgateway, app: gw}\n  servers:\n    \
             - port: {number: 80, protocol: http}\n      hosts: [shop/a.example.com, b.example.com]\n      \
             tls: {httpsRedirect: true}\n    - port: {number: 443, protocol: HTTPS}\n",
        );
        let gateway = IstioGateway::of(&objects[0]).unwrap();
        assert_eq!(gateway.selector_key(), "app=gw,istio=ingressgateway");
        let servers: Vec<GatewayServer<'_, '_>> = gateway.server_views().collect();
        assert_eq!(servers[0].port_number(), Some(80));
        assert!(servers[0].is_plain_http() && servers[0].redirects_to_https());
        let hosts: Vec<&str> = servers[0].hosts().map(|(_, host)| host).collect();
        assert_eq!(hosts, ["a.example.com", "b.example.com"]);
        assert!(!servers[1].is_plain_http() && !servers[1].redirects_to_https());
    }
}
