//! K8S007 deployment-with-persistent-volume.
use crate::model::WorkloadKind;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Deployment, ReplicaSet, ReplicationController or Argo Rollout whose pod mounts a
    /// `persistentVolumeClaim` volume. The finding points at the `claimName`.
    ///
    /// A claim that every replica may mount at once is not flagged: when the scan holds the
    /// PersistentVolumeClaim (same name, same namespace) and its `accessModes` include
    /// `ReadWriteMany` or `ReadOnlyMany`, the volume is shared storage (uploads on NFS, a model
    /// cache), not one replica's state. A claim that is not in the scan cannot be checked and is
    /// flagged. Generic ephemeral volumes (`ephemeral.volumeClaimTemplate`) live and die with their
    /// pod and are not flagged; nor are StatefulSets, which are the fix.
    ///
    /// ## Why is this bad?
    /// All replicas of a Deployment share one claim. With `ReadWriteOnce` the second replica, or
    /// the new pod of a rolling update, cannot attach the volume on another node and hangs in
    /// `ContainerCreating`; scaling up or rolling out stalls. When it can attach, several pods
    /// write the same files with nothing to order them. A Deployment also gives pods no stable
    /// identity, so a replacement pod cannot tell whose data it finds.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       volumes:
    ///         - name: data
    ///           persistentVolumeClaim: { claimName: orders-data }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: StatefulSet
    /// spec:
    ///   volumeClaimTemplates:
    ///     - metadata: { name: data }
    ///       spec:
    ///         accessModes: [ReadWriteOnce]
    ///         resources: { requests: { storage: 10Gi } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": if the service requires persistent volumes or
    /// must retain state, use StatefulSets instead of Deployments.
    pub DeploymentWithPersistentVolume {
        id: "K8S007",
        name: "deployment-with-persistent-volume",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes",
    }
}

impl Rule for DeploymentWithPersistentVolume {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if !matches!(
            workload.kind,
            WorkloadKind::Deployment
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
                | WorkloadKind::Rollout
        ) {
            return;
        }
        for volume in workload.pod.claim_volumes() {
            let claim = volume.claim_name();
            if claim.is_some_and(|claim| cx.index.claim_is_shared(object, claim)) {
                continue;
            }
            out.report(
                volume.span(),
                format!(
                    "{} `{}` keeps state in PersistentVolumeClaim `{}`",
                    workload.kind_name(),
                    workload.qualified_name(),
                    claim.unwrap_or("<unnamed>")
                ),
            )
            .help(
                "run the service as a StatefulSet that gives each replica its own claim:\n\
                 kind: StatefulSet\nspec:\n  volumeClaimTemplates:\n    - metadata: { name: data }\n      \
                 spec:\n        accessModes: [ReadWriteOnce]\n        resources: { requests: { storage: 10Gi } }\n\
                 or, if every replica shares the data, make the claim ReadWriteMany",
            )
            .object(ObjectRef::of(object));
        }
    }
}
