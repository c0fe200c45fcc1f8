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
pub mod ist015_conflicting_gateways;
pub mod ist016_destination_port_required;
pub mod ist017_unreachable_route;
pub mod ist018_tls_origination_without_ca;
pub mod ist019_selector_matches_nothing;
pub mod ist020_destination_rule_host_not_found;
pub mod ist021_subset_selects_no_pods;
pub mod ist022_gateway_port_not_on_service;
pub mod ist023_claim_route_without_request_authentication;
pub mod ist024_ambiguous_default_sidecar;
pub mod ist025_proxy_uid_conflict;
pub mod ist026_injection_labels_conflict;
pub mod ist027_conflicting_service_ports;

use super::prelude::*;
use crate::index::LabelledWorkload;
use crate::model::LabelSelector;
use crate::model::mesh::host::{is_cluster_local, service_of};
use crate::model::mesh::{Destination, IstioGateway, Protocol, Route, VirtualService};
use crate::parse::yaml::Node;

/// The VirtualService view of an object when the mesh rules run.
fn meshed_virtual_service<'o, 's>(
    object: &'o Object<'s>,
    cx: &Context<'_, '_>,
) -> Option<VirtualService<'o, 's>> {
    VirtualService::of(object).filter(|_| cx.index.mesh().active())
}

/// Reports every forwarding http route of a meshed VirtualService that lacks `field`, except
/// routes to the control plane (istiod), whose xDS streams live as long as the proxy does.
fn report_http_routes_without(
    object: &Object<'_>,
    cx: &Context<'_, '_>,
    field: &str,
    help: &'static str,
    fix_value: Option<&str>,
    out: &mut Findings,
) {
    let Some(service) = meshed_virtual_service(object, cx) else {
        return;
    };
    for route in service
        .routes(Protocol::Http)
        .filter(|r| r.forwards() && r.get(field).is_none() && !routes_to_control_plane(r))
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
        .object(ObjectRef::of(object))
        .fix(fix_value.and_then(|value| {
            let edit = crate::fix::yaml::set_path(object.source, route.node, &[field], value)?;
            crate::fix::Fix::unsafe_(format!("set `{field}: {value}`"), vec![edit])
        }));
    }
}

/// True when every destination of a route is istiod (`istiod`, `istiod-<revision>`, in any
/// namespace).
fn routes_to_control_plane(route: &Route<'_, '_>) -> bool {
    let mut hosts = route
        .destinations()
        .filter_map(|d| d.host().and_then(|h| h.as_text()))
        .peekable();
    hosts.peek().is_some()
        && hosts.all(|host| {
            let name = host.split('.').next().unwrap_or(host);
            name == "istiod" || name.starts_with("istiod-")
        })
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

/// Why a host named from namespace `viewer` resolves to no Service and no ServiceEntry, when
/// the scan can tell: a cluster-local host only when the scan holds Services of its namespace,
/// an external one only when it holds ServiceEntries; wildcards and IP addresses never. The
/// reason reads as the end of a sentence naming the host.
fn unresolved_host(host: &str, viewer: &str, cx: &Context<'_, '_>) -> Option<String> {
    let mesh = cx.index.mesh();
    if host.starts_with('*') || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    if mesh.service_entries(host, viewer, cx.index).next().is_some() {
        return None;
    }
    if !mesh.services(host).is_empty() {
        let hidden = mesh.visible_services(host, viewer, cx.index).next().is_none();
        return hidden.then(|| format!("whose Service is not exported to namespace `{viewer}`"));
    }
    if let Some((name, namespace)) = service_of(host) {
        return (mesh.has_services_in(namespace) && !cx.index.built_into(namespace, "Service", name))
            .then(|| format!("but the scan holds no Service `{name}` in namespace `{namespace}`"));
    }
    if let Some((name, namespace)) = host.split_once('.')
        && !namespace.contains('.')
        && cx.index.find(namespace, "Service", name).is_some()
    {
        return Some(format!(
            "which Istio takes literally and does not expand to `{name}.{namespace}.svc.cluster.local`"
        ));
    }
    (!is_cluster_local(host) && mesh.has_service_entries())
        .then(|| "which is neither a Service nor a host of any ServiceEntry in the scan".to_owned())
}

/// True when a selector value names a custom resource of `namespace` (of any namespace when
/// `None`; see [`crate::index::Index::names_custom_resource`]): the operator that creates that
/// resource's pods labels them with its name, and the scan cannot show those pods.
fn names_custom_resource(
    cx: &Context<'_, '_>,
    namespace: Option<&str>,
    selector: &LabelSelector<'_>,
) -> bool {
    selector
        .requirements
        .iter()
        .flat_map(|r| &r.values)
        .any(|value| cx.index.names_custom_resource(namespace, value))
}

/// A pod template with its values for some label keys.
type LabelledExample<'o, 's> = (Workload<'o, 's>, Vec<(&'o str, &'o str)>);

/// [`closest_labels`] for many selectors: the answer depends only on the namespace and the
/// selector's label keys, so it is worked out once for each, however many selectors ask.
#[derive(Default)]
struct ClosestLabels<'k, 'o, 's> {
    known: std::collections::HashMap<(Option<&'k str>, Vec<&'k str>), Option<LabelledExample<'o, 's>>>,
}

impl<'k, 'o, 's> ClosestLabels<'k, 'o, 's> {
    fn find(
        &mut self,
        cx: &Context<'o, 's>,
        namespace: Option<&'k str>,
        selector: &LabelSelector<'k>,
    ) -> Option<LabelledExample<'o, 's>> {
        let mut keys: Vec<&'k str> = selector.requirements.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        self.known
            .entry((namespace, keys))
            .or_insert_with(|| closest_labels(cx, namespace, selector))
            .clone()
    }
}

/// The pod template of `namespace` (of any namespace when `None`) that carries the most of the
/// selector's label keys, with its values for those keys: what the selector most likely meant.
fn closest_labels<'o, 's>(
    cx: &Context<'o, 's>,
    namespace: Option<&str>,
    selector: &LabelSelector<'_>,
) -> Option<LabelledExample<'o, 's>> {
    labelled_in_reach(cx, namespace)
        .map(|(workload, labels)| {
            let shared: Vec<(&'o str, &'o str)> = labels
                .iter()
                .filter(|(key, _)| selector.requirements.iter().any(|r| r.key == *key))
                .copied()
                .collect();
            (*workload, shared)
        })
        .filter(|(_, shared)| !shared.is_empty())
        .max_by_key(|(workload, shared)| (shared.len(), std::cmp::Reverse(workload.object.place())))
}

/// The pod templates of `namespace` (of every namespace when `None`) with their labels.
fn labelled_in_reach<'c, 'o, 's>(
    cx: &'c Context<'o, 's>,
    namespace: Option<&'c str>,
) -> impl Iterator<Item = &'c LabelledWorkload<'o, 's>> + 'c {
    let templates = cx.index.pod_templates();
    let every: &[&str] = if namespace.is_none() {
        cx.index.namespaces_with_workloads()
    } else {
        &[]
    };
    namespace
        .into_iter()
        .chain(every.iter().copied())
        .flat_map(move |namespace| templates.labelled_in(namespace))
}

/// True when each label key the selector asks a value of is carried by a pod template or Pod of
/// `namespace` (of any namespace when `None`). A key that no pod of the scan carries may be
/// added where the scan cannot see: by a kustomization's `commonLabels`, an operator or an
/// admission webhook. An empty value is exempt: no tool adds a label empty.
fn selector_keys_carried(
    cx: &Context<'_, '_>,
    namespace: Option<&str>,
    selector: &LabelSelector<'_>,
) -> bool {
    let templates = cx.index.pod_templates();
    selector
        .requirements
        .iter()
        .filter(|r| r.values.iter().any(|v| !v.is_empty()))
        .all(|r| templates.carries_key(namespace, r.key))
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
