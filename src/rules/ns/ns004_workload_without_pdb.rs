//! NS004 workload-without-pdb.
use foldhash::{HashSet, HashSetExt};

use crate::model::WorkloadKind;
use crate::model::object::Place;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Deployment or StatefulSet that runs more than one replica, or that an autoscaler
    /// (HorizontalPodAutoscaler, KEDA ScaledObject) scales, when no PodDisruptionBudget of its
    /// namespace selects its pod template labels. A `policy/v1` budget with `selector: {}`
    /// selects every pod of its namespace; in `policy/v1beta1` an empty selector selects none.
    /// A count that a kustomization may change (its `replicas:` entries, or a patch that
    /// mentions `replicas`) is not taken as more than one, and a workload of a kustomize base
    /// that overlays of different namespaces share is left to the overlays, which add its
    /// budgets.
    ///
    /// ## Why is this bad?
    /// Node drains for upgrades, autoscaler scale-downs and maintenance evict pods without
    /// asking the application. Without a budget, a drain may evict every replica of a service
    /// at once, and a service that runs several replicas to stay available goes down anyway.
    /// A single replica is not flagged: a budget cannot keep it up through a drain. Workloads
    /// owned by a controller and those with a templated `replicas` or templated labels are
    /// skipped, as are budgets with a templated selector (they may select it). When the budgets
    /// of the scan select more workloads than the index follows (`MAX_SELECTED_PAIRS`, see the
    /// README's limits), nothing is flagged.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   replicas: 3
    ///   template:
    ///     metadata: { labels: { app: cart } }
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
    pub WorkloadWithoutPdb {
        id: "NS004",
        name: "workload-without-pdb",
        family: Family::Ns,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Resilience and Failover; seed 002 §How to Measure microservices",
    }
}

impl Rule for WorkloadWithoutPdb {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        // Which workloads some budget covers, worked out once per distinct selection rather
        // than per workload or per budget.
        if cx.index.budgets_past_cap() {
            return;
        }
        let mut covered: HashSet<Place> = HashSet::new();
        let mut counted: HashSet<usize> = HashSet::new();
        let mut unknown_namespaces: HashSet<&str> = HashSet::new();
        for pdb in super::budgets(cx) {
            if super::has_templated_selector(&pdb) {
                unknown_namespaces.insert(cx.index.namespace_of(pdb.object));
                continue;
            }
            let Some(selection) = cx.index.budget_selection(pdb.object) else {
                continue;
            };
            if counted.insert(selection.id) {
                covered.extend(selection.workloads().map(|w| w.object.place()));
            }
        }
        for workload in cx.index.workloads() {
            if !matches!(
                workload.kind,
                WorkloadKind::Deployment | WorkloadKind::StatefulSet
            ) || workload.object.is_controlled()
                || cx.index.in_shared_build(workload.object)
                || super::has_templated_labels(&workload)
            {
                continue;
            }
            let scalers = cx.index.scalers_of(&workload);
            let replicas = workload
                .replicas()
                .filter(|_| !cx.index.replicas_set_by_build(workload.object));
            if scalers.is_empty() && replicas.is_none_or(|r| r <= 1) {
                continue;
            }
            let namespace = cx.index.namespace_of(workload.object);
            if covered.contains(&workload.object.place()) || unknown_namespaces.contains(namespace) {
                continue;
            }
            let scale = match (scalers.first(), replicas) {
                (Some(scaler), _) => format!(
                    "is scaled by {} `{}`",
                    scaler.kind(),
                    scaler.name().unwrap_or("<unnamed>")
                ),
                (None, Some(r)) => format!("runs {r} replicas"),
                (None, None) => "runs several replicas".to_owned(),
            };
            let finding = out
                .report_in(
                    workload.object.file,
                    workload.object.name_span(),
                    format!(
                        "{} `{}` {scale} but no PodDisruptionBudget selects its pods",
                        workload.kind_name(),
                        workload.qualified_name()
                    ),
                )
                .help(format!(
                    "add a PodDisruptionBudget that lets drains evict one pod at a time:\n{}",
                    super::budget_snippet(&workload, namespace)
                ))
                .object(ObjectRef::of(workload.object));
            for scaler in scalers {
                finding.related(scaler.file, scaler.name_span(), "autoscaler");
            }
        }
    }
}
