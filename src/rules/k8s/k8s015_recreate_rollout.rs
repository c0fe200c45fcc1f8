//! K8S015 recreate-rollout.
use crate::model::WorkloadKind;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Deployment with `strategy.type: Recreate`. The finding points at the value.
    ///
    /// A Deployment whose pod mounts a PersistentVolumeClaim that only one node can attach (any
    /// claim not known from the scan to be `ReadWriteMany` or `ReadOnlyMany`) is left alone:
    /// there Recreate is what keeps a rollout from hanging on the volume, and the real mistake,
    /// state in a Deployment, is K8S007's finding.
    ///
    /// ## Why is this bad?
    /// Recreate stops every old pod before the first new one starts. Each release is an outage
    /// that lasts as long as the new pods take to start and pass their readiness probes, and a
    /// broken release takes the whole service down instead of stalling with the old pods still
    /// serving. Canary and blue/green releases build on rolling updates, not on Recreate.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   strategy:
    ///     type: Recreate
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   strategy:
    ///     type: RollingUpdate
    ///     rollingUpdate: { maxUnavailable: 0, maxSurge: 25% }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "CI/CD and Deployment Strategies": the CD pipeline must support rolling updates by
    /// default; customer-facing services use canary or blue/green rollouts.
    pub RecreateRollout {
        id: "K8S015",
        name: "recreate-rollout",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §CI/CD and Deployment Strategies",
    }
}

impl Rule for RecreateRollout {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if workload.kind != WorkloadKind::Deployment {
            return;
        }
        let Some(strategy) = object.root.path(&["spec", "strategy", "type"]) else {
            return;
        };
        if strategy.as_text() != Some("Recreate") {
            return;
        }
        let holds_single_node_claim = workload.pod.claim_volumes().any(|volume| {
            !volume
                .claim_name()
                .is_some_and(|claim| cx.index.claim_is_shared(object, claim))
        });
        if holds_single_node_claim {
            return;
        }
        out.report(
            strategy.span,
            format!(
                "Deployment `{}` uses the Recreate strategy, which stops every pod before a new one starts",
                workload.qualified_name()
            ),
        )
        .help(
            "roll out gradually, keeping old pods serving until new ones are ready:\n\
             strategy:\n  type: RollingUpdate\n  rollingUpdate: { maxUnavailable: 0, maxSurge: 25% }",
        )
        .object(ObjectRef::of(object));
    }
}
