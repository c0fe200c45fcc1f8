//! GW008 cross-namespace-reference-without-grant.
use crate::model::gateway::api::{GROUP, Gateway, Reference};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a Gateway API reference into another namespace that no ReferenceGrant allows:
    ///
    /// - a route's `backendRefs` entry naming a Service (core group) of another namespace;
    /// - a Gateway listener's `tls.certificateRefs` entry naming a Secret (core group) of
    ///   another namespace.
    ///
    /// A ReferenceGrant (or the older ReferencePolicy) of the target namespace allows it when
    /// one of its `from` entries has the referrer's group, kind and namespace and one of its
    /// `to` entries the target's group and kind, and either no `name` or the target's name. The
    /// finding points at the reference's `namespace` value. Only when the scan holds some
    /// object of the target namespace: its owners may grant access from another repository.
    ///
    /// ## Why is this bad?
    /// Without the grant the Gateway API refuses the reference (`RefNotPermitted`): the route
    /// answers 500 for that backend, or the listener has no certificate. The grant is the
    /// target namespace's consent; without it any namespace could route to its Services or use
    /// its certificates.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HTTPRoute
    /// metadata: { name: shop, namespace: web }
    /// spec:
    ///   rules:
    ///     - backendRefs:
    ///         - { name: cart, namespace: shop, port: 80 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1beta1
    /// kind: ReferenceGrant
    /// metadata: { name: web-routes, namespace: shop }
    /// spec:
    ///   from:
    ///     - { group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web }
    ///   to:
    ///     - { group: "", kind: Service, name: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": least privilege between namespaces; a namespace opts in to what
    /// others may reach.
    pub CrossNamespaceReferenceWithoutGrant {
        id: "GW008",
        name: "cross-namespace-reference-without-grant",
        family: Family::Gw,
        severity: Severity::Error,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §Security",
    }
}

impl Rule for CrossNamespaceReferenceWithoutGrant {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        for route in index.gateway_routes() {
            for backend in route.backend_refs().iter().filter(|b| b.is_core("Service")) {
                check(cx, out, route.object, backend, "Service");
            }
        }
        for gateway in index.of_kind("Gateway").filter_map(Gateway::of) {
            for listener in gateway.listeners() {
                for certificate in listener.certificate_refs().iter().filter(|c| c.is_core("Secret")) {
                    check(cx, out, gateway.object, certificate, "Secret");
                }
            }
        }
    }
}

fn check(
    cx: &Context<'_, '_>,
    out: &mut Findings,
    referrer: &Object<'_>,
    target: &Reference<'_, '_>,
    kind: &str,
) {
    let index = cx.index;
    let from_namespace = index.namespace_of(referrer);
    let (Some(namespace), Some(name)) = (target.namespace(), target.name()) else {
        return;
    };
    if namespace == from_namespace
        || referrer.is_controlled()
        || !index.holds_namespace(namespace)
        || index.reference_granted(
            namespace,
            (GROUP, referrer.kind(), from_namespace),
            ("", kind, name),
        )
    {
        return;
    }
    out.report_in(
        referrer.file,
        target.span_of("namespace"),
        format!(
            "{} `{}` refers to {kind} `{namespace}/{name}` in another namespace, and no ReferenceGrant there allows it",
            referrer.kind(),
            referrer.qualified_name()
        ),
    )
    .help(format!(
        "add a ReferenceGrant in namespace `{namespace}`:\n\
         apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  \
         name: {from_namespace}-{}\n  namespace: {namespace}\nspec:\n  from:\n    \
         - group: gateway.networking.k8s.io\n      kind: {}\n      namespace: {from_namespace}\n  to:\n    \
         - group: \"\"\n      kind: {kind}\n      name: {name}",
        referrer.kind().to_ascii_lowercase(),
        referrer.kind(),
        namespace = OneLine(namespace),
        name = OneLine(name),
        from_namespace = OneLine(from_namespace)
    ))
    .object(ObjectRef::of(referrer));
}
