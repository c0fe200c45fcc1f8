//! IST013 host-not-in-gateway.
use super::bound_istio_gateways;
use crate::model::mesh::VirtualService;
use crate::model::mesh::host::overlap;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a VirtualService `gateways` entry whose Istio Gateway (in the scan) serves none of
    /// the VirtualService's `hosts`: no host of any of its servers overlaps one of them. Server
    /// hosts follow Istio's namespace prefixes: `host` and `*/host` bind from any namespace,
    /// `./host` only from the Gateway's own, `ns/host` only from `ns`; wildcards overlap the
    /// names under them. The finding points at the `gateways` entry.
    ///
    /// A reference to a Gateway the scan does not hold is IST012's concern; references to
    /// Gateway API gateways are left alone.
    ///
    /// ## Why is this bad?
    /// The Gateway accepts the connection, but no route of this VirtualService applies to the
    /// hosts it serves: requests get 404, usually because the host was renamed on one side or
    /// the Gateway only exports the host to its own namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   servers:
    ///     - hosts: [shop.example.com]
    /// ---
    /// kind: VirtualService
    /// spec:
    ///   hosts: [store.example.com]
    ///   gateways: [shop-gateway]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [shop-gateway]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": public-facing services must be routed
    /// through an API gateway; the route must match what the gateway serves.
    pub HostNotInGateway {
        id: "IST013",
        name: "host-not-in-gateway",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for HostNotInGateway {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(service) = VirtualService::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let hosts: Vec<&str> = service.hosts().iter().filter_map(|h| h.as_text()).collect();
        for bound in bound_istio_gateways(service, namespace, cx) {
            let (gateway, gateway_namespace, name) = (bound.gateway, bound.namespace, bound.name);
            let served = gateway.hosts_for(gateway_namespace, namespace);
            if hosts
                .iter()
                .any(|host| served.iter().any(|served| overlap(served, host)))
            {
                continue;
            }
            out.report(
                bound.entry.span,
                format!(
                    "VirtualService `{}` binds to Gateway `{gateway_namespace}/{name}`, which serves none of its hosts ({})",
                    object.qualified_name(),
                    if served.is_empty() {
                        "it serves no host to this namespace".to_owned()
                    } else {
                        let count = served.len();
                        format!("it serves {}", crate::rules::listed(count, served.into_iter().map(str::to_owned)))
                    }
                ),
            )
            .help("add the host to a server of the Gateway, or bind the VirtualService to the Gateway that serves it:\nservers:\n  - port: { number: 443, name: https, protocol: HTTPS }\n    hosts: [shop.example.com]")
            .object(ObjectRef::of(object))
            .related(gateway.object.file, gateway.object.name_span(), "the Gateway");
        }
    }
}
