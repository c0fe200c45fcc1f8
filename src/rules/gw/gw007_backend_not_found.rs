//! GW007 backend-not-found.
use std::collections::{HashMap, HashSet};

use crate::model::gateway::emissary::Mapping;
use crate::model::gateway::ingress::{BackendPort, Ingress};
use crate::model::network::is_templated;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::FileId;

declare_rule! {
    /// ## What it does
    /// Flags a route backend that names a Service or port that is not in the scan:
    ///
    /// - a Gateway API route's `backendRefs` entry of kind Service (core group, the default);
    ///   its namespace is the ref's `namespace`, else the route's; a `port` must be a `port` of
    ///   the Service;
    /// - an Ingress backend (`defaultBackend` and rule paths, `service.name` and
    ///   `port.number|name`, or the old `serviceName`/`servicePort`); a port number must be a
    ///   Service `port`, a port name the `name` of one;
    /// - an Emissary Mapping's `service` (`[scheme://]name[.namespace][:port]`, also
    ///   `name.namespace.svc.cluster.local`); a port must be a Service `port`.
    ///
    /// The finding points at the name (a missing Service) or the port (a missing port). Only
    /// when the scan holds Services of the backend's namespace on the referrer's directory line
    /// (in its folder, a folder above it, or one below): otherwise they are deployed from
    /// elsewhere, or belong to another project or example of the same scan. A Service that
    /// referrers of several files name and the scan lacks is deployed from elsewhere too (a
    /// shared test backend, a file the scan was not given), and is not reported. Left alone: templated values, an Emissary `service` that is a URL or host
    /// outside the cluster or an IP address, a Mapping with its own `resolver`, backends of
    /// other kinds, an Ingress backend with port name `use-annotation` (an AWS load balancer
    /// action, not a Service), and the ports of an ExternalName Service or one that lists no
    /// ports. When the scan holds the Service more than once, a port is reported only when no
    /// copy declares it.
    ///
    /// ## Why is this bad?
    /// The gateway accepts the route and then answers 503 (or 500) to every request, because it
    /// has no endpoints to send them to. It is usually a renamed Service or port.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HTTPRoute
    /// spec:
    ///   rules:
    ///     - backendRefs:
    ///         - { name: cart-api, port: 8080 }
    /// ---
    /// kind: Service
    /// metadata: { name: cart }
    /// spec:
    ///   ports: [{ port: 80 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: HTTPRoute
    /// spec:
    ///   rules:
    ///     - backendRefs:
    ///         - { name: cart, port: 80 }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": the gateway routes to services by their
    /// Kubernetes names, which must resolve.
    pub BackendNotFound {
        id: "GW007",
        name: "backend-not-found",
        family: Family::Gw,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for BackendNotFound {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        let mut references: Vec<Reference<'_, '_>> = Vec::new();
        for route in index.gateway_routes() {
            let namespace = index.namespace_of(route.object);
            for backend in route.backend_refs().iter().filter(|b| b.is_core("Service")) {
                let (Some(name), Some(name_node)) = (backend.name(), backend.field("name")) else {
                    continue;
                };
                let port = backend
                    .field("port")
                    .and_then(|p| Some(BackendPort::Number(p.as_i64()?, p)));
                let namespace = backend.namespace().unwrap_or(namespace);
                references.push((route.object, namespace, (name, name_node), port));
            }
        }
        for ingress in index.of_kind("Ingress").filter_map(Ingress::of) {
            let namespace = index.namespace_of(ingress.object);
            for backend in ingress.backends() {
                let Some(name) = backend.name.as_text() else {
                    continue;
                };
                // The AWS load balancer controller reads `use-annotation` backends as actions
                // named by an annotation, not as Services.
                if matches!(backend.port, Some(BackendPort::Name("use-annotation", _))) {
                    continue;
                }
                references.push((ingress.object, namespace, (name, backend.name), backend.port));
            }
        }
        for mapping in index.of_kind("Mapping").filter_map(Mapping::of) {
            let Some((address, node)) = mapping.service() else {
                continue;
            };
            let namespace = address
                .namespace
                .unwrap_or_else(|| index.namespace_of(mapping.object));
            let port = address.port.map(|p| BackendPort::Number(p, node));
            references.push((mapping.object, namespace, (address.name, node), port));
        }
        // A Service that referrers of several files name and the scan lacks is deployed from
        // elsewhere (a shared test backend, a file the scan was not given), not misnamed.
        let mut files_naming: HashMap<(&str, &str), HashSet<FileId>> = HashMap::new();
        for (referrer, namespace, (name, _), _) in &references {
            if index.find(namespace, "Service", name).is_none() {
                files_naming
                    .entry((namespace, name))
                    .or_default()
                    .insert(referrer.file);
            }
        }
        for (referrer, namespace, name, port) in references {
            if files_naming
                .get(&(namespace, name.0))
                .is_some_and(|files| files.len() > 1)
            {
                continue;
            }
            check(cx, out, referrer, namespace, name, port);
        }
    }
}

/// A backend reference: the referrer, the Service's namespace, its name with the node that
/// holds it, and the port.
type Reference<'o, 'n> = (
    &'o Object<'n>,
    &'o str,
    (&'o str, &'o Node<'n>),
    Option<BackendPort<'o, 'n>>,
);

/// Reports a backend whose Service, or whose port on it, is not in the scan. `name_node` holds
/// the name (for an Emissary Mapping, within its `service` address).
fn check(
    cx: &Context<'_, '_>,
    out: &mut Findings,
    referrer: &Object<'_>,
    namespace: &str,
    (name, name_node): (&str, &Node<'_>),
    port: Option<BackendPort<'_, '_>>,
) {
    let index = cx.index;
    if referrer.is_controlled()
        || is_templated(name_node)
        || !index.holds_related(namespace, "Service", referrer)
    {
        return;
    }
    let subject = format!("{} `{}`", referrer.kind(), referrer.qualified_name());
    let services = index.all_of(namespace, "Service", name, referrer);
    let Some(service) = services.first().copied() else {
        if index.built_into(namespace, "Service", name) {
            return;
        }
        out.report_in(
            referrer.file,
            name_node.span,
            format!("{subject} routes to Service `{namespace}/{name}`, which is not in the scan"),
        )
        .help("name a Service of the backend's namespace, as in its `metadata.name`:\nbackendRefs:\n  - name: cart\n    port: 80")
        .object(ObjectRef::of(referrer));
        return;
    };
    // The scan may hold the Service more than once: judge the port only when each lacks it.
    if services
        .iter()
        .any(|s| port.as_ref().is_none_or(|p| has_port(s, p)))
    {
        return;
    }
    let ports = service
        .root
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default();
    let Some((shown, node)) = port.map(|p| match p {
        BackendPort::Number(number, node) => (number.to_string(), node),
        BackendPort::Name(name, node) => (name.to_owned(), node),
    }) else {
        return;
    };
    let declared: Vec<String> = ports
        .iter()
        .filter_map(|p| {
            let number = p.get("port").and_then(Node::as_i64)?;
            Some(
                p.str_at("name")
                    .map_or(number.to_string(), |n| format!("{number} ({n})")),
            )
        })
        .collect();
    out.report_in(
        referrer.file,
        node.span,
        format!(
            "{subject} routes to port `{shown}` of Service `{namespace}/{name}`, which declares only `{}`",
            declared.join("`, `")
        ),
    )
    .help("use a `port` the Service declares (its `port`, not its `targetPort`):\nbackendRefs:\n  - name: cart\n    port: 80")
    .object(ObjectRef::of(referrer))
    .related(service.file, service.name_span(), format!("Service `{}`", service.qualified_name()));
}

/// Whether a Service has this port; one that lists no ports (or an ExternalName one) may have any.
fn has_port(service: &Object<'_>, port: &BackendPort<'_, '_>) -> bool {
    let spec = service.root.get("spec");
    let ports = spec
        .and_then(|s| s.get("ports"))
        .map(Node::items)
        .unwrap_or_default();
    if ports.is_empty() || spec.and_then(|s| s.str_at("type")) == Some("ExternalName") {
        return true;
    }
    match port {
        BackendPort::Number(number, _) => ports
            .iter()
            .any(|p| p.get("port").and_then(Node::as_i64) == Some(*number)),
        BackendPort::Name(name, _) => {
            name.contains("{{") || ports.iter().any(|p| p.str_at("name") == Some(*name))
        }
    }
}
