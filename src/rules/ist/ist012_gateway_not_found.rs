//! IST012 gateway-not-found.
use crate::model::mesh::{IstioGateway, VirtualService};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a VirtualService `gateways` entry that names no Gateway of the scan: neither an
    /// Istio Gateway nor a Gateway API Gateway of that namespace and name. A bare name and
    /// `./name` are looked up in the VirtualService's namespace, `ns/name` in `ns`, and the
    /// older `name.ns` and `name.ns.svc.cluster.local` in `ns`, as Istio resolves them; `mesh`
    /// and the internal names Istio generates for Gateway API gateways (holding `~`) are
    /// skipped. The finding points at the entry.
    ///
    /// Gateways are often installed by the platform, outside the repository: the rule judges a
    /// reference only when the scan holds an Istio Gateway in the referenced namespace, or one
    /// near the VirtualService (each file at most three folders below the folder they share).
    /// Route `match[].gateways` entries are not checked, as `istioctl analyze` does not.
    ///
    /// ## Why is this bad?
    /// A VirtualService bound to a Gateway that does not exist configures nothing: the hosts it
    /// was meant to expose answer 404 at the edge, and nothing in the cluster says why.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [shop-gatway]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { namespace: shop }
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [shop-gateway]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": public-facing services must be routed
    /// through an API gateway; the route must reach it.
    pub GatewayNotFound {
        id: "IST012",
        name: "gateway-not-found",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for GatewayNotFound {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(service) = VirtualService::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        for (entry, (gateway_namespace, name)) in service.gateway_references(namespace) {
            let found = cx
                .index
                .find(gateway_namespace, "Gateway", name)
                .is_some_and(|g| {
                    IstioGateway::of(g).is_some() || g.api_group() == "gateway.networking.k8s.io"
                });
            if found || !gateways_managed_here(cx, gateway_namespace, object) {
                continue;
            }
            out.report(
                entry.span,
                format!(
                    "VirtualService `{}` binds to Gateway `{gateway_namespace}/{name}`, which is not in the scan",
                    object.qualified_name()
                ),
            )
            .help(
                "name an existing Gateway, as `<name>` in the VirtualService's namespace or `<namespace>/<name>`:\n\
                 spec:\n  gateways: [istio-system/public-gateway]",
            )
            .object(ObjectRef::of(object));
        }
    }
}

/// True when the scan holds an Istio Gateway of `namespace`, or one near `referrer`.
fn gateways_managed_here(cx: &Context<'_, '_>, namespace: &str, referrer: &Object<'_>) -> bool {
    cx.index
        .in_namespace(namespace, "Gateway")
        .any(|g| IstioGateway::of(g).is_some())
        || cx.index.mesh().has_gateways_near(referrer.file, cx.index)
}
