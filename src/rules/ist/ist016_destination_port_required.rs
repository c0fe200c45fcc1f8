//! IST016 destination-port-required.
use super::{BoundGateway, RoutedDestination, bound_istio_gateways, routed_destinations};
use crate::model::mesh::host::fqdn;
use crate::model::mesh::routing::exposed_ports;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a route destination (`route[].destination`, `mirror`, `mirrors[].destination`, in
    /// `http`, `tcp` and `tls` routes) whose host is a Service or ServiceEntry of the scan and
    /// whose port does not pick one of its ports: no `port` while the target exposes several,
    /// or a `port.number` the target does not expose.
    ///
    /// The finding points at the destination's `host` for a missing port, at the number for a
    /// wrong one.
    ///
    /// Hosts resolve as for IST008 (a short name in the VirtualService's namespace, `exportTo`
    /// honoured, ServiceEntry wildcards cover the names under them); the ports of every Service
    /// and ServiceEntry the host names count. The evidence line is the target: a host that
    /// resolves to nothing in the scan, a wildcard or IP destination, and targets whose ports
    /// are templated, that sit in a Helm chart, that are not near the VirtualService (each file
    /// at most three folders below the folder they share: another project's Service of the same
    /// name proves nothing) or that are written more than once (alternative files may disagree)
    /// are left alone; Services and ServiceEntries of the VirtualService's own file, when it
    /// holds any, are the ones it is applied with. A missing port is not reported when every
    /// port the request can come in on is exposed by the target, since Envoy then falls back to
    /// it: for the mesh binding, a destination that is one of the VirtualService's own hosts (the
    /// sidecar keeps the port the client called); for a Gateway binding, server ports of a Gateway
    /// of the scan.
    ///
    /// ## Why is this bad?
    /// Without a port Envoy uses the port the request came in on: at a gateway (80, 443) that is
    /// rarely a port of the Service, and the route answers `503`. A port the target does not
    /// expose names a cluster that does not exist, with the same result.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: { name: reviews, namespace: shop }
    /// spec:
    ///   ports: [{ name: http, port: 9080 }, { name: grpc, port: 9090 }]
    /// ---
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   gateways: [public-gateway]
    ///   http:
    ///     - route:
    ///         - destination: { host: reviews }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   gateways: [public-gateway]
    ///   http:
    ///     - route:
    ///         - destination: { host: reviews, port: { number: 9080 } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define VirtualServices
    /// for routing; each route must reach its service.
    pub DestinationPortRequired {
        id: "IST016",
        name: "destination-port-required",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for DestinationPortRequired {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for found in routed_destinations(cx) {
            let (Some(host_node), Some(host)) =
                (found.destination.host(), found.destination.fqdn(found.namespace))
            else {
                continue;
            };
            if host.starts_with('*') || host.parse::<std::net::IpAddr>().is_ok() {
                continue;
            }
            let Some(targets) = proven_targets(&found, &host, cx) else {
                continue;
            };
            let Some(ports) = targets
                .iter()
                .map(|t| exposed_ports(t))
                .collect::<Option<Vec<Vec<i64>>>>()
                .map(|lists| merged(lists.concat()))
                .filter(|ports| !ports.is_empty())
            else {
                continue;
            };
            let written = host_node.as_str().unwrap_or_default();
            let listed = ports.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let problem = match found.destination.port() {
                Some(port) => wrong_port(port, &ports).map(|number| {
                    (
                        port.span,
                        format!(
                            "`{written}` port {number}, not a port of {} ({listed})",
                            targets_named(&targets)
                        ),
                    )
                }),
                None if ports.len() > 1 && !incoming_ports_exposed(&found, &host, &ports, cx) => Some((
                    found
                        .destination
                        .node
                        .entry("host")
                        .map_or(host_node.span, |e| e.key.span.cover(e.value.span)),
                    format!(
                        "`{written}` without a `port`, but {} has several ({listed}): Envoy then uses the port the request came in on",
                        targets_named(&targets)
                    ),
                )),
                None => None,
            };
            let Some((span, problem)) = problem else {
                continue;
            };
            let finding = out
                .report_in(
                    found.service.object.file,
                    span,
                    format!("{} {problem}", found.subject()),
                )
                .help(format!(
                    "name one of the target's ports in the destination:\ndestination:\n  host: {written}\n  port:\n    number: {}",
                    ports[0],
                    written = OneLine(written)
                ))
                .object(ObjectRef::of(found.service.object));
            for target in &targets {
                finding.related(
                    target.file,
                    target.name_span(),
                    format!("{} `{}`, ports {listed}", target.kind(), target.qualified_name()),
                );
            }
        }
    }
}

fn merged(mut ports: Vec<i64>) -> Vec<i64> {
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The `port.number` when it is readable and not one of `ports`.
fn wrong_port(port: &Node<'_>, ports: &[i64]) -> Option<i64> {
    port.as_i64().filter(|number| !ports.contains(number))
}

/// "Service `ns/name`", or "ServiceEntry `a/b` and ServiceEntry `c/d`".
fn targets_named(targets: &[&Object<'_>]) -> String {
    let names: Vec<String> = targets
        .iter()
        .map(|t| format!("{} `{}`", t.kind(), t.qualified_name()))
        .collect();
    names.join(" and ")
}

/// The Services and ServiceEntries a destination host names, as far as the scan proves them:
/// those of the VirtualService's own file when it holds any (it is applied with them), else
/// every one the host names. `None` when there is none or the scan is unsure of them: one is
/// not near the VirtualService, sits in a Helm chart, or is written more than once (alternative
/// files, such as test cases, may give it different ports).
fn proven_targets<'o, 's>(
    found: &RoutedDestination<'o, 's>,
    host: &str,
    cx: &Context<'o, 's>,
) -> Option<Vec<&'o Object<'s>>> {
    let mesh = cx.index.mesh();
    let file = found.service.object.file;
    let mut targets: Vec<&'o Object<'s>> = mesh
        .visible_services(host, found.namespace, cx.index)
        .chain(mesh.service_entries(host, found.namespace, cx.index))
        .collect();
    if targets.iter().any(|t| t.file == file) {
        targets.retain(|t| t.file == file);
    }
    let identity = |t: &Object<'_>| (t.kind().to_owned(), t.qualified_name());
    let repeated = targets.iter().enumerate().any(|(n, t)| {
        targets[..n]
            .iter()
            .any(|earlier| identity(earlier) == identity(t))
    });
    let unsure = |t: &&Object<'_>| cx.index.in_helm_chart(t) || !cx.index.near(t.file, file);
    (!targets.is_empty() && !repeated && !targets.iter().any(unsure)).then_some(targets)
}

/// True when every port a request of this route can come in on is one the target exposes, so
/// Envoy's fallback to that port finds it: a sidecar keeps the port the client called, a port of
/// the host, when the destination is one of the VirtualService's own hosts; a gateway forwards
/// on its server ports, known when each bound Gateway is in the scan.
fn incoming_ports_exposed(
    found: &RoutedDestination<'_, '_>,
    host: &str,
    ports: &[i64],
    cx: &Context<'_, '_>,
) -> bool {
    let service = found.service;
    let own_host = service
        .hosts()
        .iter()
        .filter_map(Node::as_text)
        .any(|own| fqdn(own, found.namespace) == host);
    let referenced = service.gateway_references(found.namespace).count();
    let bound: Vec<BoundGateway<'_, '_>> = bound_istio_gateways(service, found.namespace, cx).collect();
    let gateways_known = bound.len() == referenced
        && bound.iter().all(|b| {
            b.gateway
                .server_views()
                .all(|server| server.port_number().is_some_and(|p| ports.contains(&p)))
        });
    (own_host || !service.binds_mesh()) && gateways_known
}
