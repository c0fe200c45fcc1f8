//! Istio traffic objects: VirtualService routes and their destinations, DestinationRules.

use super::gateway::{MESH_GATEWAY, gateway_reference};
use super::host::{ExportTo, fqdn};
use crate::model::Object;
use crate::parse::yaml::Node;
use crate::source::Span;

/// True for an object of one of Istio's API groups (`networking.istio.io`, `security.istio.io`, …).
pub fn is_istio(object: &Object<'_>) -> bool {
    object.api_group().ends_with(".istio.io")
}

/// True for an Istio object of this kind.
pub fn is_istio_kind(object: &Object<'_>, kind: &str) -> bool {
    object.kind() == kind && is_istio(object)
}

/// A `networking.istio.io` VirtualService.
#[derive(Debug, Clone, Copy)]
pub struct VirtualService<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    spec: Option<&'o Node<'s>>,
}

/// The three kinds of routes a VirtualService holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http` (HTTP/1.1, HTTP/2, gRPC).
    Http,
    /// `tcp`.
    Tcp,
    /// `tls` (SNI).
    Tls,
}

impl Protocol {
    /// The spec field that holds these routes.
    pub fn field(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
        }
    }
}

impl<'o, 's> VirtualService<'o, 's> {
    /// The view of an Istio VirtualService.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_istio_kind(object, "VirtualService").then(|| VirtualService {
            object,
            spec: object.root.get("spec"),
        })
    }

    /// The `hosts` entries.
    pub fn hosts(&self) -> &'o [Node<'s>] {
        self.spec
            .and_then(|s| s.get("hosts"))
            .map(Node::items)
            .unwrap_or_default()
    }

    /// The `gateways` entries that name a Gateway, each with the `(namespace, name)` it resolves
    /// to from `namespace`, the VirtualService's (see [`gateway_reference`]).
    pub fn gateway_references<'n>(
        self,
        namespace: &'n str,
    ) -> impl Iterator<Item = (&'o Node<'s>, (&'n str, &'n str))> + 'n
    where
        'o: 'n,
    {
        self.spec
            .and_then(|s| s.get("gateways"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(move |entry| Some((entry, gateway_reference(entry.as_text()?, namespace)?)))
    }

    /// True when the sidecars of the mesh apply it: `gateways` is absent (empty) or lists `mesh`.
    pub fn binds_mesh(&self) -> bool {
        let gateways = self
            .spec
            .and_then(|s| s.get("gateways"))
            .map(Node::items)
            .unwrap_or_default();
        gateways.is_empty() || gateways.iter().any(|g| g.as_text() == Some(MESH_GATEWAY))
    }

    /// Who may see it.
    pub fn export_to(&self) -> ExportTo<'o, 's> {
        ExportTo::of(self.spec)
    }

    /// The routes of one protocol, in order.
    pub fn routes(self, protocol: Protocol) -> impl Iterator<Item = Route<'o, 's>> + 'o {
        self.spec
            .and_then(|s| s.get(protocol.field()))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(move |(index, node)| Route {
                node,
                index,
                protocol,
            })
    }

    /// The routes of every protocol.
    pub fn all_routes(self) -> impl Iterator<Item = Route<'o, 's>> + 'o {
        [Protocol::Http, Protocol::Tcp, Protocol::Tls]
            .into_iter()
            .flat_map(move |protocol| self.routes(protocol))
    }
}

/// One `http`, `tcp` or `tls` route of a VirtualService.
#[derive(Debug, Clone, Copy)]
pub struct Route<'o, 's> {
    /// The route's mapping.
    pub node: &'o Node<'s>,
    /// Its position in its list.
    pub index: usize,
    /// Which list.
    pub protocol: Protocol,
}

impl<'o, 's> Route<'o, 's> {
    /// `name`, when set.
    pub fn name(&self) -> Option<&'o str> {
        self.node.str_at("name")
    }

    /// How messages name the route: `http route `name`` or `http route #2`.
    pub fn label(&self) -> String {
        match self.name() {
            Some(name) => format!("{} route `{name}`", self.protocol.field()),
            None => format!("{} route #{}", self.protocol.field(), self.index + 1),
        }
    }

    /// Where a finding about the whole route points: its `name` entry, else its first entry.
    pub fn span(&self) -> Span {
        let entry = self.node.entry("name").or_else(|| self.node.entries().first());
        entry.map_or(self.node.span, |e| e.key.span.cover(e.value.span))
    }

    /// The value of a field.
    pub fn get(&self, key: &str) -> Option<&'o Node<'s>> {
        self.node.get(key)
    }

    /// The `match` entries; none means the route takes every request that reaches it.
    pub fn matches(&self) -> &'o [Node<'s>] {
        self.node.get("match").map(Node::items).unwrap_or_default()
    }

    /// True when the route forwards to destinations (not a redirect, a direct response or a
    /// delegation), so timeouts and retries apply to it.
    pub fn forwards(&self) -> bool {
        !self
            .node
            .get("route")
            .map(Node::items)
            .unwrap_or_default()
            .is_empty()
            && self.node.get("redirect").is_none()
            && self.node.get("directResponse").is_none()
            && self.node.get("delegate").is_none()
    }

    /// Every destination: `route[].destination`, `mirror` and `mirrors[].destination`.
    pub fn destinations(&self) -> impl Iterator<Item = Destination<'o, 's>> + 'o {
        let routed = self
            .node
            .get("route")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.get("destination"))
            .map(|node| Destination { node, mirror: false });
        let mirror = self
            .node
            .get("mirror")
            .map(|node| Destination { node, mirror: true });
        let mirrors = self
            .node
            .get("mirrors")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get("destination"))
            .map(|node| Destination { node, mirror: true });
        routed.chain(mirror).chain(mirrors)
    }
}

/// A route's `destination` (or `mirror`).
#[derive(Debug, Clone, Copy)]
pub struct Destination<'o, 's> {
    /// The destination's mapping.
    pub node: &'o Node<'s>,
    /// True for a mirror target.
    pub mirror: bool,
}

impl<'o, 's> Destination<'o, 's> {
    /// `host` as written.
    pub fn host(&self) -> Option<&'o Node<'s>> {
        self.node.get("host").filter(|h| h.as_text().is_some())
    }

    /// `subset`.
    pub fn subset(&self) -> Option<&'o Node<'s>> {
        self.node.get("subset").filter(|h| h.as_text().is_some())
    }

    /// `port.number`.
    pub fn port(&self) -> Option<&'o Node<'s>> {
        self.node.path(&["port", "number"])
    }

    /// The host resolved in the namespace of the VirtualService.
    pub fn fqdn(&self, namespace: &str) -> Option<String> {
        self.host().and_then(Node::as_text).map(|h| fqdn(h, namespace))
    }
}

/// The port numbers a core Service (`ports[].port`) or a ServiceEntry (`ports[].number`)
/// exposes, sorted and each once; `None` for another kind or when a port cannot be read (a
/// template placeholder).
pub fn exposed_ports(target: &Object<'_>) -> Option<Vec<i64>> {
    let field = match target.kind() {
        "Service" if target.api_group().is_empty() => "port",
        "ServiceEntry" if is_istio(target) => "number",
        _ => return None,
    };
    let mut ports = target
        .root
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|port| port.get(field).and_then(Node::as_i64))
        .collect::<Option<Vec<i64>>>()?;
    ports.sort_unstable();
    ports.dedup();
    Some(ports)
}

/// A `networking.istio.io` DestinationRule.
#[derive(Debug, Clone, Copy)]
pub struct DestinationRule<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    spec: Option<&'o Node<'s>>,
}

/// A traffic policy and where in a DestinationRule it sits.
#[derive(Debug, Clone, Copy)]
pub struct PlacedPolicy<'o, 's> {
    /// The `trafficPolicy` (or port-level settings) mapping.
    pub node: &'o Node<'s>,
    /// `trafficPolicy`, `subset `v1``, `port 8080`, … for messages.
    pub place: Place<'o>,
}

/// Where a traffic policy sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'o> {
    /// The top-level `trafficPolicy`.
    TopLevel,
    /// A `portLevelSettings` entry of the top-level policy.
    Port(Option<i64>),
    /// A subset's `trafficPolicy`.
    Subset(&'o str),
    /// A `portLevelSettings` entry of a subset's policy.
    SubsetPort(&'o str, Option<i64>),
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let port = |p: &Option<i64>| p.map_or("?".to_owned(), |p| p.to_string());
        match self {
            Place::TopLevel => f.write_str("trafficPolicy"),
            Place::Port(p) => write!(f, "port {}", port(p)),
            Place::Subset(s) => write!(f, "subset `{s}`"),
            Place::SubsetPort(s, p) => write!(f, "subset `{s}`, port {}", port(p)),
        }
    }
}

impl<'o, 's> DestinationRule<'o, 's> {
    /// The view of an Istio DestinationRule.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_istio_kind(object, "DestinationRule").then(|| DestinationRule {
            object,
            spec: object.root.get("spec"),
        })
    }

    /// `host` as written.
    pub fn host(&self) -> Option<&'o Node<'s>> {
        self.spec
            .and_then(|s| s.get("host"))
            .filter(|h| h.as_text().is_some())
    }

    /// `host` resolved in the rule's namespace.
    pub fn fqdn(&self, namespace: &str) -> Option<String> {
        self.host().and_then(Node::as_text).map(|h| fqdn(h, namespace))
    }

    /// Who may see it.
    pub fn export_to(&self) -> ExportTo<'o, 's> {
        ExportTo::of(self.spec)
    }

    /// The top-level `trafficPolicy`.
    pub fn traffic_policy(&self) -> Option<&'o Node<'s>> {
        self.spec.and_then(|s| s.get("trafficPolicy"))
    }

    /// The `subsets` entries.
    pub fn subsets(&self) -> &'o [Node<'s>] {
        self.spec
            .and_then(|s| s.get("subsets"))
            .map(Node::items)
            .unwrap_or_default()
    }

    /// The names of the subsets.
    pub fn subset_names(&self) -> impl Iterator<Item = &'o str> + 'o {
        self.subsets().iter().filter_map(|s| s.str_at("name"))
    }

    /// Every traffic policy: top level, its ports, each subset's and their ports.
    pub fn policies(&self) -> Vec<PlacedPolicy<'o, 's>> {
        let mut out = Vec::new();
        let port_of = |n: &Node<'_>| n.path(&["port", "number"]).and_then(Node::as_i64);
        let mut add = |policy: Option<&'o Node<'s>>, subset: Option<&'o str>| {
            let Some(policy) = policy else { return };
            out.push(PlacedPolicy {
                node: policy,
                place: subset.map_or(Place::TopLevel, Place::Subset),
            });
            for port in policy
                .get("portLevelSettings")
                .map(Node::items)
                .unwrap_or_default()
            {
                let place = match subset {
                    Some(s) => Place::SubsetPort(s, port_of(port)),
                    None => Place::Port(port_of(port)),
                };
                out.push(PlacedPolicy { node: port, place });
            }
        };
        add(self.traffic_policy(), None);
        for subset in self.subsets() {
            add(
                subset.get("trafficPolicy"),
                Some(subset.str_at("name").unwrap_or("?")),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    const ROUTES: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart, namespace: shop }
spec:
  hosts: [cart]
  http:
    - name: primary
      route:
        - destination: { host: cart, subset: v1 }
      mirror: { host: cart-shadow }
      mirrors:
        - destination: { host: cart-audit, port: { number: 9000 } }
    - redirect: { uri: /new }
  tcp:
    - route:
        - destination: { host: db }
";

    #[test]
    fn destinations_include_mirrors_and_routes_know_what_they_forward() {
        let objects = parse_objects(ROUTES);
        let vs = VirtualService::of(&objects[0]).unwrap();
        let http: Vec<_> = vs.routes(Protocol::Http).collect();
        assert_eq!(http.len(), 2);
        assert_eq!(http[0].label(), "http route `primary`");
        assert_eq!(http[1].label(), "http route #2");
        assert!(http[0].forwards() && !http[1].forwards());
        let hosts: Vec<_> = http[0].destinations().map(|d| d.fqdn("shop").unwrap()).collect();
        assert_eq!(
            hosts,
            [
                "cart.shop.svc.cluster.local",
                "cart-shadow.shop.svc.cluster.local",
                "cart-audit.shop.svc.cluster.local"
            ]
        );
        assert_eq!(vs.all_routes().count(), 3);
    }

    #[test]
    fn destination_rule_policies_are_listed_with_their_place() {
        let objects = parse_objects(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart}\n\
             spec:\n  host: cart\n  trafficPolicy:\n    portLevelSettings:\n      - port: {number: 80}\n  \
             subsets:\n    - name: v1\n      trafficPolicy: {}\n",
        );
        let dr = DestinationRule::of(&objects[0]).unwrap();
        let places: Vec<String> = dr.policies().iter().map(|p| p.place.to_string()).collect();
        assert_eq!(places, ["trafficPolicy", "port 80", "subset `v1`"]);
        assert_eq!(dr.subset_names().collect::<Vec<_>>(), ["v1"]);
    }
}
