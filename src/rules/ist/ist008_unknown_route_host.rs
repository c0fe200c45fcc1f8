//! IST008 unknown-route-host.
use super::routed_destinations;
use crate::model::mesh::host::{is_cluster_local, service_of};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a route destination host (`route[].destination`, `mirror`, `mirrors[]`, in `http`,
    /// `tcp` and `tls` routes) that resolves to no Service and no ServiceEntry the
    /// VirtualService's namespace can see. The finding points at the host's value.
    ///
    /// Resolution follows Istio: a short name is a Service of the VirtualService's namespace;
    /// `<name>.<namespace>.svc.cluster.local` a Service of that namespace, visible unless its
    /// `networking.istio.io/exportTo` annotation hides it; other names must match a
    /// ServiceEntry host (wildcards included, `exportTo` honoured). A dotted short form such as
    /// `reviews.prod` is taken literally by Istio and matches nothing, so it is reported when the
    /// scan holds the Service it was meant to name.
    ///
    /// What the scan cannot show is left alone: a cluster-local host is judged only when the
    /// scan holds Services of its namespace, an external host only when the scan holds
    /// ServiceEntries, and wildcard and IP destinations never.
    ///
    /// ## Why is this bad?
    /// Envoy has no cluster for an unknown host: the route answers `503` (or, for an external
    /// name in `REGISTRY_ONLY` mode, blocks the call), usually after a Service was renamed or a
    /// namespace moved.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   http:
    ///     - route:
    ///         - destination: { host: reveiws }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   http:
    ///     - route:
    ///         - destination: { host: reviews.shop.svc.cluster.local }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": services must register and resolve via
    /// Kubernetes DNS or the mesh; routes must name a registered service.
    pub UnknownRouteHost {
        id: "IST008",
        name: "unknown-route-host",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for UnknownRouteHost {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for found in routed_destinations(cx) {
            let (Some(node), Some(host)) =
                (found.destination.host(), found.destination.fqdn(found.namespace))
            else {
                continue;
            };
            let Some(problem) = problem(&host, found.namespace, cx) else {
                continue;
            };
            out.report_in(
                found.service.object.file,
                node.span,
                format!(
                    "{} `{}`, {problem}",
                    found.subject(),
                    node.as_str().unwrap_or_default()
                ),
            )
            .help(
                "name a Service as `<name>` (same namespace) or `<name>.<namespace>.svc.cluster.local`, \
                 or declare the external host in a ServiceEntry:\n\
                 kind: ServiceEntry\nspec:\n  hosts: [api.example.com]\n  location: MESH_EXTERNAL\n  \
                 ports:\n    - { number: 443, name: https, protocol: TLS }\n  resolution: DNS",
            )
            .object(ObjectRef::of(found.service.object));
        }
    }
}

/// Why a destination host does not resolve, when the scan can tell.
fn problem(host: &str, viewer: &str, cx: &Context<'_, '_>) -> Option<String> {
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
        return mesh
            .has_services_in(namespace)
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
