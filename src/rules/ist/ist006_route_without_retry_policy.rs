//! IST006 route-without-retry-policy.
use super::report_http_routes_without;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an `http` route of a VirtualService that forwards to destinations and has no
    /// `retries` block. The finding points at the route's `name` entry, else at its first key.
    ///
    /// Without `retries` Istio still retries twice on connection failures and some 503s (the
    /// mesh default), so this is a note: the route relies on a default nobody chose for it. A
    /// route with `retries: { attempts: 0 }` has made its choice and is not reported, nor are
    /// redirects, direct responses, delegations, and routes whose destinations are all istiod
    /// (xDS streams, which are not retried as requests).
    ///
    /// ## Why is this bad?
    /// Retries decide how a transient failure looks to the caller, and what load a struggling
    /// upstream receives. Non-idempotent calls may need none, idempotent reads may need
    /// `retryOn: 5xx,reset` with a short `perTryTimeout`; the default is right for neither.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    ///   - name: cart
    ///     timeout: 5s
    ///     route:
    ///       - destination: { host: cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: cart
    ///     timeout: 5s
    ///     retries:
    ///       attempts: 3
    ///       perTryTimeout: 1s
    ///       retryOn: 5xx,reset,connect-failure
    ///     route:
    ///       - destination: { host: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 004, "Step 3: Implement Service-to-Service Communication" uses a managed service mesh
    /// for retries; seed 000, "Service Discovery and Routing": if services need routing, retries
    /// or circuit breakers, define them in the mesh.
    pub RouteWithoutRetryPolicy {
        id: "IST006",
        name: "route-without-retry-policy",
        family: Family::Ist,
        severity: Severity::Note,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing; seed 004 §Step 3",
    }
}

impl Rule for RouteWithoutRetryPolicy {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        report_http_routes_without(
            object,
            cx,
            "retries",
            "choose the retries for this route (attempts: 0 to turn them off):\n\
             retries:\n  attempts: 3\n  perTryTimeout: 1s\n  retryOn: 5xx,reset,connect-failure",
            None,
            out,
        );
    }
}
