//! IST009 allow-all-authorization.
use crate::model::mesh::AuthorizationPolicy;
use crate::model::mesh::security::rule_matches_everything;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an AuthorizationPolicy with action `ALLOW` (the default) that holds a rule without
    /// any `from`, `to` or `when` condition (`rules: [{}]`): that rule matches every request. The
    /// finding points at the empty rule.
    ///
    /// An ALLOW policy with no `rules` at all matches nothing and so denies everything it covers:
    /// that is the documented "deny all" policy and is not reported. `DENY`, `AUDIT` and `CUSTOM`
    /// policies are left alone.
    ///
    /// ## Why is this bad?
    /// Once any ALLOW policy applies to a workload, Istio denies what no ALLOW policy matches.
    /// An empty rule switches that protection off: every caller, authenticated or not, may call
    /// every path. In the root namespace without a selector it does so for the whole mesh.
    ///
    /// ## Example
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// metadata: { name: allow-all, namespace: shop }
    /// spec:
    ///   action: ALLOW
    ///   rules:
    ///     - {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// metadata: { name: frontend-to-cart, namespace: shop }
    /// spec:
    ///   selector: { matchLabels: { app: cart } }
    ///   action: ALLOW
    ///   rules:
    ///     - from:
    ///         - source: { principals: [cluster.local/ns/shop/sa/frontend] }
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Security": zero trust and RBAC between services; seed 000, "Security": secure
    /// service-to-service access.
    pub AllowAllAuthorization {
        id: "IST009",
        name: "allow-all-authorization",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 003 §Security; seed 000 §Security",
    }
}

impl Rule for AllowAllAuthorization {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(policy) = AuthorizationPolicy::of(object) else {
            return;
        };
        if !policy.action().eq_ignore_ascii_case("ALLOW") {
            return;
        }
        for rule in policy.rules().iter().filter(|r| rule_matches_everything(r)) {
            out.report(
                rule.span,
                format!(
                    "AuthorizationPolicy `{}` has an ALLOW rule without conditions, which allows every request",
                    object.qualified_name()
                ),
            )
            .help(
                "say who may call what, e.g. by the caller's service account:\n\
                 rules:\n  - from:\n      - source: { principals: [cluster.local/ns/shop/sa/frontend] }",
            )
            .object(ObjectRef::of(object));
        }
    }
}
