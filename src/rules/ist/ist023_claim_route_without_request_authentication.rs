//! IST023 claim-route-without-request-authentication.
use super::{bound_istio_gateways, meshed_virtual_service};
use crate::model::LabelSelector;
use crate::model::mesh::{Protocol, Route, VirtualService, WorkloadSelector};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

/// The header prefix Istio's JWT filter fills from the validated token's claims.
const CLAIM_HEADER: &str = "@request.auth.claims.";

declare_rule! {
    /// ## What it does
    /// Flags a VirtualService whose http routes match on a JWT claim (a `headers` or
    /// `withoutHeaders` key `@request.auth.claims.<claim>`) and that is bound to an Istio
    /// Gateway whose pods no RequestAuthentication applies to. The finding points at the first
    /// claim key; the Gateway is a related location.
    ///
    /// The gateway's pods are the pod templates (any namespace) its `selector` matches, in files
    /// near the Gateway's (each at most three folders below the folder they share). A
    /// RequestAuthentication applies to a pod when it sits in the pod's namespace or the root
    /// namespace (`istio-system`, or `--istio-root-namespace`) and has no
    /// `selector.matchLabels` or one the pod's labels match; one attached by `targetRef` counts
    /// as applying.
    ///
    /// The evidence line is the gateway's pods: the rule judges a binding only when the scan
    /// holds the Gateway (in the referenced namespace) and at least one pod template it
    /// selects, since a RequestAuthentication then belongs with them; a Gateway without a
    /// `selector`, the `mesh` binding and Gateways outside the scan are left alone.
    ///
    /// ## Why is this bad?
    /// Istio sets claim headers only after a RequestAuthentication validated the request's
    /// token. Without one on the gateway the match never holds: the route meant for, say,
    /// `group: admin` never applies, and requests fall through to the next route, often one
    /// without the restriction the claim was meant to enforce.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   gateways: [public-gateway]
    ///   http:
    ///     - match:
    ///         - headers:
    ///             "@request.auth.claims.group": { exact: admin }
    ///       route:
    ///         - destination: { host: admin }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: RequestAuthentication
    /// metadata: { name: public-jwt, namespace: istio-system }
    /// spec:
    ///   selector:
    ///     matchLabels: { istio: ingressgateway }
    ///   jwtRules:
    ///     - issuer: https://auth.example.com
    ///       jwksUri: https://auth.example.com/.well-known/jwks.json
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": configure routes with JWT-based
    /// authentication; a route keyed on a claim needs the JWT validated at the gateway.
    pub ClaimRouteWithoutRequestAuthentication {
        id: "IST023",
        name: "claim-route-without-request-authentication",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for ClaimRouteWithoutRequestAuthentication {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(service) = meshed_virtual_service(object, cx) else {
            return;
        };
        let Some((route, claim)) = first_claim_match(service) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        for bound in bound_istio_gateways(service, namespace, cx) {
            let (gateway, gateway_namespace, name) = (bound.gateway, bound.namespace, bound.name);
            let Some(selector) = LabelSelector::from_equality_map(gateway.selector()) else {
                continue;
            };
            let unauthenticated: Vec<String> = cx
                .index
                .pod_templates()
                .matching_anywhere(&selector)
                .filter(|(_, workload)| cx.index.near(workload.object.file, gateway.object.file))
                .filter(|(pod_namespace, workload)| {
                    let labels: Vec<(&str, &str)> = workload.template_labels().collect();
                    !authenticated(cx, pod_namespace, &labels)
                })
                .map(|(_, workload)| format!("{} `{}`", workload.object.kind(), workload.qualified_name()))
                .collect();
            if unauthenticated.is_empty() {
                continue;
            }
            out.report(
                claim.span,
                format!(
                    "VirtualService `{}`, {} matches the JWT claim header `{}` on Gateway \
                     `{gateway_namespace}/{name}`, but no RequestAuthentication applies to its pods \
                     ({}): the claim is never set and the match never holds",
                    object.qualified_name(),
                    route.label(),
                    claim.as_str().unwrap_or_default(),
                    crate::rules::listed(unauthenticated.len(), unauthenticated.into_iter())
                ),
            )
            .help(
                "validate the token at the gateway with a RequestAuthentication selecting its pods:\n\
                 kind: RequestAuthentication\nmetadata: { name: gateway-jwt, namespace: istio-system }\n\
                 spec:\n  selector:\n    matchLabels: { istio: ingressgateway }\n  jwtRules:\n    \
                 - issuer: https://auth.example.com\n      jwksUri: https://auth.example.com/.well-known/jwks.json",
            )
            .object(ObjectRef::of(object))
            .related(object.file, bound.entry.span, "the Gateway binding")
            .related(gateway.object.file, gateway.object.name_span(), "the Gateway");
        }
    }
}

/// The first http match key on a JWT claim (in `headers` or `withoutHeaders`), with its route.
fn first_claim_match<'o, 's>(service: VirtualService<'o, 's>) -> Option<(Route<'o, 's>, &'o Node<'s>)> {
    service.routes(Protocol::Http).find_map(|route| {
        route
            .matches()
            .iter()
            .flat_map(|m| ["headers", "withoutHeaders"].map(|field| m.get(field)))
            .flatten()
            .flat_map(Node::entries)
            .map(|entry| &entry.key)
            .find(|key| key.as_str().is_some_and(|k| k.starts_with(CLAIM_HEADER)))
            .map(|key| (route, key))
    })
}

/// True when a RequestAuthentication of the pod's namespace or of the root namespace applies
/// to a pod with these labels.
fn authenticated(cx: &Context<'_, '_>, pod_namespace: &str, labels: &[(&str, &str)]) -> bool {
    let root = cx.index.mesh().root_namespace();
    cx.index
        .istio_of_kind("RequestAuthentication")
        .filter(|policy| {
            let own = cx.index.namespace_of(policy);
            own == pod_namespace || own == root
        })
        // No selector applies to every pod; a policy attached by `targetRef` (no selector view)
        // counts as applying, since which pods its target runs on is not read here.
        .any(|policy| {
            WorkloadSelector::of(policy)
                .is_none_or(|s| s.labels().is_none_or(|selector| selector.matches_labels(labels)))
        })
}
