//! NS006 pdb-selects-nothing.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a PodDisruptionBudget whose selector matches the pod template of no workload of
    /// its namespace in the scan. A missing or null `selector` selects nothing, and so does
    /// `selector: {}` in `policy/v1beta1` (in `policy/v1` it selects every pod).
    ///
    /// ## Why is this bad?
    /// A budget that selects nothing protects nothing: it usually outlived a relabelled or
    /// renamed workload, or copies labels that the pod template does not carry (the
    /// Deployment's own `metadata.labels` instead of `spec.template.metadata.labels`). Drains
    /// then evict the pods it was meant to protect.
    ///
    /// A budget is judged only when its own folder holds workloads of its namespace: the
    /// project deploys that namespace's pods itself, so a budget that matches none of them is
    /// likely wrong rather than meant for pods deployed from elsewhere (a Helm chart, another
    /// repository, a file the scan was not given). Pods that operators create from a custom
    /// resource of the scan count as selected: those of a Prometheus, Alertmanager or
    /// ThanosRuler (their labels, and `podMetadata.labels`), a Strimzi Kafka
    /// (`strimzi.io/cluster`), any resource with a pod template (a KEDA ScaledJob's
    /// `jobTargetRef.template`), and a selector value that names a custom resource of the
    /// namespace. Budgets with a templated selector and namespaces with templated pod labels are
    /// skipped too, and so is every budget when the budgets of the scan select more workloads
    /// than the index follows (`MAX_SELECTED_PAIRS`, see the README's limits).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: { matchLabels: { app: shopping-cart } }   # pods run app: cart
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: { matchLabels: { app: cart } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Resilience and Failover": services must detect failure, isolate it and fall
    /// back to degraded modes rather than go down. Seed 002, "How to Measure microservices",
    /// sets availability (M5) targets that depend on maintenance windows.
    pub PdbSelectsNothing {
        id: "NS006",
        name: "pdb-selects-nothing",
        family: Family::Ns,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Resilience and Failover; seed 002 §How to Measure microservices",
    }
}

impl Rule for PdbSelectsNothing {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if cx.index.budgets_past_cap() {
            return;
        }
        let unreadable = super::namespaces_with_templated_labels(cx);
        for pdb in super::budgets(cx) {
            let namespace = cx.index.namespace_of(pdb.object);
            if super::has_templated_selector(&pdb)
                || !cx.index.deploys_pods_beside(namespace, pdb.object)
                || unreadable.contains(namespace)
            {
                continue;
            }
            let name = pdb.object.qualified_name();
            let message = match pdb.selector() {
                Some(selector) => {
                    if cx
                        .index
                        .budget_selection(pdb.object)
                        .is_some_and(|s| !s.is_empty())
                        || cx.index.operated_pods_match(namespace, &selector)
                    {
                        continue;
                    }
                    format!("PodDisruptionBudget `{name}` selects no pod template of namespace `{namespace}`")
                }
                None if pdb.object.api_version() == "policy/v1beta1"
                    && pdb
                        .field("selector")
                        .is_some_and(|s| s.is_mapping() && s.entries().is_empty()) =>
                {
                    format!(
                        "PodDisruptionBudget `{name}` has an empty selector, which selects no pod in policy/v1beta1"
                    )
                }
                None if pdb.field("selector").is_some() => {
                    format!("PodDisruptionBudget `{name}` has an invalid selector, which selects no pod")
                }
                None => format!("PodDisruptionBudget `{name}` has no selector, so it selects no pod"),
            };
            out.report_in(pdb.object.file, pdb.selector_span(), message)
                .help(
                    "select the pod template labels of the workload the budget protects:\n\
                     spec:\n  selector:\n    matchLabels:\n      app: cart",
                )
                .object(ObjectRef::of(pdb.object));
        }
    }
}
