//! K8S016 single-replica.
use crate::model::WorkloadKind;
use crate::rules::prelude::*;

/// The option raising the fewest replicas accepted.
const MIN_REPLICAS: &str = "min-replicas";

declare_rule! {
    /// ## What it does
    /// Flags a Deployment or StatefulSet that runs one replica, by `replicas: 1` or by leaving
    /// `replicas` out (Kubernetes defaults it to 1), when no autoscaler targets it (no
    /// HorizontalPodAutoscaler, KEDA `ScaledObject` or `HTTPScaledObject` in its namespace names
    /// it in `scaleTargetRef`). Left alone: a Deployment that an Argo Rollout runs through
    /// `workloadRef` (the Rollout owns the replica count), a templated count, and a Deployment
    /// mounting a PersistentVolumeClaim not known to be shared: a second replica could not attach
    /// a `ReadWriteOnce` claim on another node, and K8S007 already asks to move it to a StatefulSet.
    /// Also left alone: a workload whose file a kustomization builds with `replicas:` entries or
    /// with a patch that mentions `replicas`, as the count that runs is then not the one written,
    /// and a kustomize base that overlays of different namespaces share (they add its
    /// autoscalers).
    ///
    /// ## Why is this bad?
    /// One pod is one point of failure. A node drain, an eviction, a rollout of a StatefulSet or
    /// a crash loop takes the whole service down until the pod is rescheduled and ready, and a
    /// PodDisruptionBudget cannot protect a single replica without blocking node maintenance.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   replicas: 1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   replicas: 2
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Disaster Recovery and Multi-Region Deployment": critical services keep local
    /// instances and the orchestration is configured for high availability. Seed 003,
    /// "Deployment", asks for auto-scaling policies before production.
    pub SingleReplica {
        id: "K8S016",
        name: "single-replica",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Disaster Recovery and Multi-Region Deployment; seed 003 §Deployment",
        options: &[RuleOption {
            name: MIN_REPLICAS,
            kind: OptionKind::Integer { min: 2 },
            doc: "the fewest replicas a Deployment or StatefulSet without an autoscaler may run; \
                  default 2 (only a single replica is flagged).",
        }],
    }
}

impl Rule for SingleReplica {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let minimum = cx.options.integer(self.meta().id, MIN_REPLICAS).unwrap_or(2);
        if !matches!(
            workload.kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet
        ) || workload.replicas().is_none_or(|n| n == 0 || n >= minimum)
            || cx.index.replicas_set_by_build(object)
            || cx.index.in_shared_build(object)
            || !cx.index.scalers_of(&workload).is_empty()
            || cx.index.rollout_referencing(object).is_some()
            || (workload.kind == WorkloadKind::Deployment && !cx.index.unshared_claims(&workload).is_empty())
        {
            return;
        }
        let replicas = workload.replicas().unwrap_or(1);
        let runs = if replicas == 1 {
            "runs 1 replica".to_owned()
        } else {
            format!("runs {replicas} replicas, fewer than the {minimum} the configuration asks for,")
        };
        let (span, how) = match workload.replicas_node() {
            Some(node) => (node.span, runs),
            None => (object.name_span(), format!("{runs} (`replicas` defaults to 1)")),
        };
        out.report(
            span,
            format!(
                "{} `{}` {how} and no autoscaler targets it",
                workload.kind_name(),
                workload.qualified_name()
            ),
        )
        .help(
            "run at least two replicas, spread over nodes and covered by a PodDisruptionBudget, \
             or add an autoscaler with minReplicas: 2:\nspec:\n  replicas: 2",
        )
        .object(ObjectRef::of(object));
    }
}
