//! IST005 route-without-timeout.
use super::report_http_routes_without;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an `http` route of a VirtualService that forwards to destinations and sets no
    /// `timeout`. The finding points at the route's `name` entry, else at its first key.
    ///
    /// Routes that do not forward are left alone: a `redirect`, a `directResponse`, and a
    /// `delegate` (the delegate VirtualService's own routes are checked instead). `tcp` and `tls`
    /// routes have no request timeout. A `timeout: 0s` is an explicit choice (a streaming
    /// endpoint) and is not reported. Routes whose destinations are all istiod (`istiod`,
    /// `istiod-<revision>`: a control plane exposed through a gateway) carry xDS streams that
    /// live as long as the proxy, and are left alone.
    ///
    /// ## Why is this bad?
    /// Istio sets no request timeout by default: a slow or hung upstream holds the caller's
    /// connection and thread for as long as it likes, and a backlog of such requests spreads the
    /// failure to every service upstream of it.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    ///   - name: cart
    ///     route:
    ///       - destination: { host: cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: cart
    ///     timeout: 5s
    ///     route:
    ///       - destination: { host: cart }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--fix --unsafe-fixes` sets `timeout: 15s` on the route, the timeout Envoy applies
    /// by default and Istio turns off. A request slower than that fails afterwards: lower it to a
    /// little above the upstream's slowest healthy response, or raise it for long requests.
    ///
    /// ## Guideline
    /// Seed 003, "Resilience": timeouts — always set; they prevent cascading failures. Seed 000,
    /// "Resilience": services must detect failure and isolate it.
    pub RouteWithoutTimeout {
        id: "IST005",
        name: "route-without-timeout",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 003 §Resilience (Timeouts); seed 000 §Resilience",
        fix: crate::fix::Applicability::Unsafe,
    }
}

/// The route timeout Envoy applies when nothing sets one, which Istio turns off.
const ENVOY_DEFAULT_TIMEOUT: &str = "15s";

impl Rule for RouteWithoutTimeout {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        report_http_routes_without(
            object,
            cx,
            "timeout",
            "set a timeout a little above the upstream's slowest healthy response:\n\
             http:\n  - name: cart\n    timeout: 5s\n    route:\n      - destination: { host: cart }",
            Some(ENVOY_DEFAULT_TIMEOUT),
            out,
        );
    }
}
