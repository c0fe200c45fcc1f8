//! NS005 pdb-blocks-eviction.
use foldhash::{HashMap, HashMapExt};

use crate::model::network::{PodCount, PodDisruptionBudget};
use crate::model::{Scaler, WorkloadKind};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a PodDisruptionBudget that never allows a voluntary eviction: `maxUnavailable: 0`
    /// or `"0%"`, `minAvailable: "100%"`, or a `minAvailable` that is at least the number of
    /// pods it selects. That number is the sum of `spec.replicas` (default 1) of the
    /// Deployments, StatefulSets, ReplicaSets, ReplicationControllers and Argo Rollouts of its
    /// namespace whose pod template it selects; a percentage rounds up, as the disruption
    /// controller rounds it (`minAvailable: 50%` of 1 pod is 1 pod). For a workload that an
    /// autoscaler scales, the count is the autoscaler's minimum (HorizontalPodAutoscaler
    /// `minReplicas`, default 1; KEDA `minReplicaCount`): the disruption controller reads the
    /// current replica count, and an autoscaler rests at its minimum whenever load is low,
    /// which is when drains and upgrades usually run. A minimum of 0 (scale to zero) leaves
    /// the count unknown, as does a kustomization that builds the workload's file with
    /// `replicas:` entries or a patch that mentions `replicas`.
    ///
    /// ## Why is this bad?
    /// `kubectl drain`, cluster upgrades and the cluster autoscaler evict pods through the
    /// eviction API, which refuses every eviction the budget does not allow. A budget that
    /// allows none blocks node drains forever: upgrades stall, or an operator forces the drain
    /// and the budget protects nothing. The count is compared only when it is known: when the
    /// budget selects a DaemonSet, Job or bare Pod, a workload with templated `replicas` or
    /// more than one autoscaler, or one that scales to zero, when a workload of the namespace
    /// has templated labels, when the budget's selector is templated, or when the budgets of
    /// the scan select more workloads than the index follows (`MAX_SELECTED_PAIRS`, see the
    /// README's limits), only the `0` and `100%` forms are flagged. Replica counts that
    /// kustomize overlays patch in are not seen.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   minAvailable: 1     # the Deployment runs 1 replica
    ///   selector: { matchLabels: { app: cart } }
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
    /// sets availability (M5) targets that depend on maintenance windows, which need drains.
    pub PdbBlocksEviction {
        id: "NS005",
        name: "pdb-blocks-eviction",
        family: Family::Ns,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Resilience and Failover; seed 002 §How to Measure microservices",
    }
}

impl Rule for PdbBlocksEviction {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let unreadable = super::namespaces_with_templated_labels(cx);
        let nothing = Selected::default();
        // What follows from each distinct selection, worked out once however many budgets share it.
        let mut followed: HashMap<usize, Selected<'_, '_>> = HashMap::new();
        for pdb in super::budgets(cx) {
            // A rendered selector hides what is selected, not a budget of 0 or 100%.
            let selection = (!super::has_templated_selector(&pdb))
                .then(|| cx.index.budget_selection(pdb.object))
                .flatten();
            let Selected {
                workloads: selected,
                expected,
            } = match selection {
                Some(selection) => followed
                    .entry(selection.id)
                    .or_insert_with(|| Selected::of(cx, selection.workloads())),
                None => &nothing,
            };
            if let Some((count, node)) = pdb.max_unavailable()
                && count.of_expected(1) == 0
            {
                let message = format!(
                    "PodDisruptionBudget `{}` sets maxUnavailable to {}, so no pod it selects can ever be evicted",
                    pdb.object.qualified_name(),
                    node.as_str().unwrap_or("0")
                );
                report(out, &pdb, node, message, selected, &[]);
            }
            let Some((count, node)) = pdb.min_available() else {
                continue;
            };
            let (message, scalers) = if matches!(count, PodCount::Percent(p) if p >= 100) {
                let message = format!(
                    "PodDisruptionBudget `{}` sets minAvailable to {}, so no pod it selects can ever be evicted",
                    pdb.object.qualified_name(),
                    node.as_str().unwrap_or("100%")
                );
                (message, &[][..])
            } else {
                let namespace = cx.index.namespace_of(pdb.object);
                if unreadable.contains(namespace) {
                    continue;
                }
                let Some((expected, scalers)) = expected else {
                    continue;
                };
                let (expected, scalers) = (*expected, scalers.as_slice());
                let required = count.of_expected(expected);
                if required == 0 || required < expected {
                    continue;
                }
                let when = match scalers {
                    [] => String::new(),
                    [only] => format!(
                        " while {} `{}` holds them at its minimum",
                        only.object.kind(),
                        only.object.name().unwrap_or_default()
                    ),
                    _ => " while their autoscalers hold them at their minimum".to_owned(),
                };
                let message = format!(
                    "PodDisruptionBudget `{}` keeps {required} of the {expected} pods it selects available (minAvailable: {}), so none can be evicted{when}",
                    pdb.object.qualified_name(),
                    node.as_str().unwrap_or("")
                );
                (message, scalers)
            };
            report(out, &pdb, node, message, selected, scalers);
        }
    }
}

/// Reports at the offending value, with the selected workloads and the autoscalers whose
/// minimum was counted as related locations.
fn report(
    out: &mut Findings,
    pdb: &PodDisruptionBudget<'_, '_>,
    value: &crate::parse::yaml::Node<'_>,
    message: String,
    selected: &[Workload<'_, '_>],
    scalers: &[Scaler<'_, '_>],
) {
    let finding = out
        .report_in(pdb.object.file, value.span, message)
        .help(
            "allow at least one pod to be evicted at a time, so node drains can proceed:\n\
             spec:\n  maxUnavailable: 1",
        )
        .object(ObjectRef::of(pdb.object));
    for workload in selected {
        finding.related(
            workload.object.file,
            workload.object.name_span(),
            format!("selected {}", workload.kind_name()),
        );
    }
    for scaler in scalers {
        finding.related(
            scaler.object.file,
            scaler.object.name_span(),
            format!("{} at its minimum", scaler.object.kind()),
        );
    }
}

/// The workloads of a selection, without those a controller owns, and how many pods they
/// run.
#[derive(Default)]
struct Selected<'o, 's> {
    workloads: Vec<Workload<'o, 's>>,
    /// See [`expected_pods`].
    expected: Option<(i64, Vec<Scaler<'o, 's>>)>,
}

impl<'o, 's> Selected<'o, 's> {
    fn of(cx: &Context<'o, 's>, selected: impl Iterator<Item = Workload<'o, 's>>) -> Self {
        let workloads: Vec<Workload<'o, 's>> = selected.filter(|w| !w.object.is_controlled()).collect();
        let expected = expected_pods(cx, &workloads);
        Selected { workloads, expected }
    }
}

/// How many pods the budget expects: the replicas of what it selects (an autoscaled workload's
/// at the autoscaler's minimum), when all are known and there is at least one; with the
/// autoscalers whose minimum was counted.
fn expected_pods<'o, 's>(
    cx: &Context<'o, 's>,
    selected: &[Workload<'o, 's>],
) -> Option<(i64, Vec<Scaler<'o, 's>>)> {
    if selected.is_empty() {
        return None;
    }
    let mut total = 0;
    let mut floors = Vec::new();
    for workload in selected {
        let replicated = matches!(
            workload.kind,
            WorkloadKind::Deployment
                | WorkloadKind::StatefulSet
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
                | WorkloadKind::Rollout
        );
        if !replicated {
            return None;
        }
        total += match cx.index.scalers_of(workload).as_slice() {
            [] => workload
                .replicas()
                .filter(|_| !cx.index.replicas_set_by_build(workload.object))?,
            [only] => {
                let scaler = Scaler::of(only)?;
                let floor = scaler.min_replicas().filter(|&min| min > 0)?;
                floors.push(scaler);
                floor
            }
            // Autoscalers that fight over one workload leave its count unknown.
            _ => return None,
        };
    }
    (total > 0).then_some((total, floors))
}
