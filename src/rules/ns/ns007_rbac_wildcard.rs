//! NS007 rbac-wildcard.
use crate::model::network::{Role, is_templated};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a rule of a Role or ClusterRole that grants `*` in `verbs` or in `resources`. The
    /// finding points at the first `*` item of the rule (verbs before resources) and names
    /// every wildcard of the rule, including `apiGroups: ["*"]`.
    ///
    /// ## Why is this bad?
    /// A wildcard grants what exists today and everything added later: `verbs: ["*"]` includes
    /// `escalate`, `bind` and `impersonate`, and `resources: ["*"]` includes Secrets and every
    /// custom resource an operator installs. A service account holding such a role can usually
    /// make itself cluster-admin. Left alone: ClusterRoles with an `aggregationRule` (the
    /// controller replaces their `rules` with those of the roles they aggregate, which are
    /// checked themselves), the API server's own roles labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults` (as found in cluster dumps), rules with
    /// only `nonResourceURLs`, and templated rules. Subresource patterns such as `pods/*` are
    /// not `*`. `resources: ["*"]` is also left alone in a rule whose `apiGroups` are only the
    /// metrics APIs (`external.metrics.k8s.io`, `custom.metrics.k8s.io`): their resources are
    /// metric names that an HPA's metrics adapter cannot list in advance, and reading metrics
    /// reaches no Secret. `verbs: ["*"]` there is still reported.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: { name: deployer, namespace: shop }
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "watch", "patch"]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": Role-Based Access Control must be applied in Kubernetes. Seed 002,
    /// "Frequently Asked Questions (FAQs)": apply zero trust and least privilege.
    pub RbacWildcard {
        id: "NS007",
        name: "rbac-wildcard",
        family: Family::Ns,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
    }
}

impl Rule for RbacWildcard {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(role) = Role::of(object) else {
            return;
        };
        if role.is_aggregated() || role.is_bootstrap_default() {
            return;
        }
        for (n, rule) in role.rules().iter().enumerate() {
            // Rules with only nonResourceURLs grant URL paths, not objects.
            if is_templated(rule) || rule.get("resources").is_none() {
                continue;
            }
            let verbs = wildcard(rule, "verbs");
            let resources = wildcard(rule, "resources").filter(|_| !metrics_only(rule));
            let Some(star) = verbs.or(resources) else {
                continue;
            };
            let what = if verbs.is_some() {
                "every verb"
            } else {
                "its verbs"
            };
            let scope = match (resources, wildcard(rule, "apiGroups")) {
                (Some(_), Some(_)) => "every resource of every API group",
                (Some(_), None) => "every resource of its API groups",
                (None, _) => "its resources",
            };
            out.report(
                star.span,
                format!(
                    "{} `{}`, rule {} grants {what} on {scope}",
                    object.kind(),
                    object.qualified_name(),
                    n + 1
                ),
            )
            .help(
                "list the verbs and resources the subject uses instead of `*`:\n\
                 - apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\", \"patch\"]",
            )
            .object(ObjectRef::of(object));
        }
    }
}

/// API groups whose resources are metric names, served by metrics adapters to HPAs.
const METRICS_GROUPS: &[&str] = &["external.metrics.k8s.io", "custom.metrics.k8s.io"];

/// True when a rule's `apiGroups` are all metrics APIs (and there is at least one).
fn metrics_only(rule: &Node<'_>) -> bool {
    let groups = rule.get("apiGroups").map(Node::items).unwrap_or_default();
    !groups.is_empty()
        && groups
            .iter()
            .all(|group| group.as_text().is_some_and(|g| METRICS_GROUPS.contains(&g)))
}

/// The `*` item of a rule's list, when there is one.
fn wildcard<'n, 's>(rule: &'n Node<'s>, key: &str) -> Option<&'n Node<'s>> {
    rule.get(key)?
        .items()
        .iter()
        .find(|item| item.as_text() == Some("*"))
}
