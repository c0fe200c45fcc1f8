//! IST: Istio rules. They run only when the scan is meshed (see [`crate::index::Mesh::active`]).

pub mod ist001_mesh_mtls_not_strict;
pub mod ist002_mtls_weakened;
pub mod ist003_destination_rule_tls_not_mutual;
pub mod ist004_no_circuit_breaker;
pub mod ist005_route_without_timeout;
pub mod ist006_route_without_retry_policy;
pub mod ist007_undefined_subset;
pub mod ist008_unknown_route_host;
pub mod ist009_allow_all_authorization;
pub mod ist010_sidecar_injection_disabled;
pub mod ist011_port_name_without_protocol;
pub mod ist012_gateway_not_found;
pub mod ist013_host_not_in_gateway;
pub mod ist014_conflicting_mesh_hosts;
pub mod ist016_destination_port_required;
pub mod ist017_unreachable_route;
pub mod ist018_tls_origination_without_ca;
pub mod ist023_claim_route_without_request_authentication;
pub mod ist025_proxy_uid_conflict;
pub mod ist026_injection_labels_conflict;

use super::prelude::*;
use crate::model::mesh::{Destination, IstioGateway, Protocol, Route, VirtualService};
use crate::parse::yaml::Node;

/// The VirtualService view of an object when the mesh rules run.
fn meshed_virtual_service<'o, 's>(
    object: &'o Object<'s>,
    cx: &Context<'_, '_>,
) -> Option<VirtualService<'o, 's>> {
    VirtualService::of(object).filter(|_| cx.index.mesh().active())
}

/// Reports every forwarding http route of a meshed VirtualService that lacks `field`.
fn report_http_routes_without(
    object: &Object<'_>,
    cx: &Context<'_, '_>,
    field: &str,
    help: &str,
    out: &mut Findings,
) {
    let Some(service) = meshed_virtual_service(object, cx) else {
        return;
    };
    for route in service
        .routes(Protocol::Http)
        .filter(|r| r.forwards() && r.get(field).is_none())
    {
        out.report(
            route.span(),
            format!(
                "VirtualService `{}`, {} has no `{field}`",
                object.qualified_name(),
                route.label()
            ),
        )
        .help(help)
        .object(ObjectRef::of(object));
    }
}

/// A route destination of a VirtualService, with the namespace its hosts resolve in.
struct RoutedDestination<'o, 's> {
    service: VirtualService<'o, 's>,
    namespace: &'o str,
    route: Route<'o, 's>,
    destination: Destination<'o, 's>,
}

impl RoutedDestination<'_, '_> {
    /// The start of a message about the destination: "VirtualService `ns/name`, http route
    /// `x` routes to" (or "mirrors to").
    fn subject(&self) -> String {
        format!(
            "VirtualService `{}`, {} {}",
            self.service.object.qualified_name(),
            self.route.label(),
            if self.destination.mirror {
                "mirrors to"
            } else {
                "routes to"
            }
        )
    }
}

/// Every destination (routes and mirrors) of every VirtualService, when the mesh rules run.
fn routed_destinations<'o, 's>(cx: &Context<'o, 's>) -> Vec<RoutedDestination<'o, 's>> {
    if !cx.index.mesh().active() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for service in cx.index.of_kind("VirtualService").filter_map(VirtualService::of) {
        let namespace = cx.index.scan_namespace_of(service.object);
        for route in service.all_routes() {
            for destination in route.destinations() {
                out.push(RoutedDestination {
                    service,
                    namespace,
                    route,
                    destination,
                });
            }
        }
    }
    out
}

/// A `gateways` entry of a VirtualService that names an Istio Gateway of the scan.
struct BoundGateway<'a, 's> {
    /// The entry.
    entry: &'a Node<'s>,
    /// The namespace and name it resolves to.
    namespace: &'a str,
    name: &'a str,
    gateway: IstioGateway<'a, 's>,
}

/// The Istio Gateways of the scan a VirtualService of `namespace` binds, in `gateways` order.
fn bound_istio_gateways<'a, 's>(
    service: VirtualService<'a, 's>,
    namespace: &'a str,
    cx: &'a Context<'a, 's>,
) -> impl Iterator<Item = BoundGateway<'a, 's>> + 'a {
    service
        .gateway_references(namespace)
        .filter_map(move |(entry, (gateway_namespace, name))| {
            let gateway = cx
                .index
                .find(gateway_namespace, "Gateway", name)
                .and_then(IstioGateway::of)?;
            Some(BoundGateway {
                entry,
                namespace: gateway_namespace,
                name,
                gateway,
            })
        })
}
