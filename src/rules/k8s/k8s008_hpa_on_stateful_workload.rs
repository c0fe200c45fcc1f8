//! K8S008 hpa-on-stateful-workload.
use crate::model::network::is_templated;
use crate::model::{Scaler, WorkloadKind};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an autoscaler whose `scaleTargetRef` names a stateful workload of the scan. An
    /// autoscaler is a HorizontalPodAutoscaler (`autoscaling/v1`, `v2`, `v2beta1`, `v2beta2`), a
    /// KEDA `ScaledObject` or a KEDA `HTTPScaledObject`; its target is looked up by kind and name
    /// in the autoscaler's namespace (KEDA's kind defaults to Deployment). A workload is stateful
    /// when it is a StatefulSet, or a Deployment, ReplicaSet, ReplicationController or Argo Rollout
    /// that mounts a PersistentVolumeClaim not known to be shared: the scanned claim asks for
    /// `ReadWriteOnce` or `ReadWriteOncePod`, or the scan does not hold the claim. Claims that ask
    /// for `ReadWriteMany` or `ReadOnlyMany` are storage the replicas share and do not count, nor
    /// do generic ephemeral volumes. Targets the scan does not hold are left to K8S010.
    ///
    /// ## Why is this bad?
    /// An autoscaler adds and removes pods whenever load moves. A stateful member that joins must
    /// first join the cluster, copy or rebalance data; one that leaves takes its data or its quorum
    /// vote with it. Replicas of a Deployment that share one `ReadWriteOnce` claim cannot start on
    /// a second node at all (Multi-Attach error), so scaling out fails exactly under load.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: { name: orders-db, namespace: shop }
    /// spec:
    ///   scaleTargetRef: { apiVersion: apps/v1, kind: StatefulSet, name: orders-db }
    ///   minReplicas: 3
    ///   maxReplicas: 9
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// # No autoscaler: the StatefulSet's replicas are set by hand, after testing that
    /// # members join and leave cleanly.
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: { name: orders-db, namespace: shop }
    /// spec:
    ///   replicas: 3
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": if the service is stateful, scaling must be
    /// manually configured and tested for consistency; services that need persistent volumes
    /// run as StatefulSets.
    pub HpaOnStatefulWorkload {
        id: "K8S008",
        name: "hpa-on-stateful-workload",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes",
    }
}

impl Rule for HpaOnStatefulWorkload {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for scaler in cx.index.scalers() {
            if scaler.object.is_controlled() || is_templated(scaler.target) {
                continue;
            }
            let Some(name_node) = scaler.target_name_node() else {
                continue;
            };
            let Some(target) = cx.index.scale_target(&scaler).and_then(Workload::of) else {
                continue;
            };
            let claims = match target.kind {
                WorkloadKind::StatefulSet => Vec::new(),
                WorkloadKind::Deployment
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
                | WorkloadKind::Rollout => {
                    let claims = cx.index.unshared_claims(&target);
                    if claims.is_empty() {
                        continue;
                    }
                    claims
                }
                _ => continue,
            };
            let why = match claims.first().and_then(|c| c.claim_name()) {
                Some(claim) => format!("which mounts the unshared PersistentVolumeClaim `{claim}`"),
                None if claims.is_empty() => "a stateful workload".to_owned(),
                None => "which mounts an unshared PersistentVolumeClaim".to_owned(),
            };
            let finding = out
                .report_in(
                    scaler.object.file,
                    name_node.span,
                    format!(
                        "{} `{}` scales {} `{}`, {why}",
                        scaler.object.kind(),
                        scaler.object.qualified_name(),
                        target.kind_name(),
                        target.qualified_name(),
                    ),
                )
                .help(help(&scaler))
                .related(target.object.file, target.object.name_span(), "stateful target")
                .object(ObjectRef::of(scaler.object));
            for claim in &claims {
                finding.related(target.object.file, claim.span(), "unshared claim");
            }
        }
    }
}

/// The fix: drop the autoscaler and set replicas by hand.
fn help(scaler: &Scaler<'_, '_>) -> String {
    format!(
        "remove the {} and set the target's replicas by hand, changing them only after testing \
         that members join and leave cleanly (or move the state to a shared claim or an \
         external store first):\nspec:\n  replicas: 3",
        scaler.object.kind()
    )
}
