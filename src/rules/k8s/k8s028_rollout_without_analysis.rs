//! K8S028 rollout-without-analysis.
use crate::model::delivery::{Rollout, Strategy};
use crate::model::network::is_templated;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an Argo Rollout whose `canary` or `blueGreen` strategy runs no analysis, at the
    /// strategy's key. A canary counts as analysed with a background `analysis`, an `analysis`
    /// step, or an `experiment` step with `analyses`; a blue/green rollout with a
    /// `prePromotionAnalysis` or a `postPromotionAnalysis`. Where the AnalysisTemplates live
    /// does not matter (they are often cluster-wide): the Rollout must ask for one.
    ///
    /// A rollout that waits for a person (`pause: {}`, `autoPromotionEnabled: false`) is still
    /// reported: someone promotes it, but nothing aborts it when the new version starts failing
    /// after that. Left alone: a strategy only known after rendering (a template placeholder in
    /// it), and Rollouts a controller owns (`ownerReferences`).
    ///
    /// ## Why is this bad?
    /// A canary or blue/green rollout limits how many users a bad release reaches, but only an
    /// analysis (error rate, latency, a smoke test job) notices that the release is bad and rolls
    /// it back. Without one the rollout moves to 100% on a timer or a click, and a broken
    /// version ends up serving everyone, as with a plain rolling update.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Rollout
    /// spec:
    ///   strategy:
    ///     canary:
    ///       steps:
    ///         - setWeight: 20
    ///         - pause: { duration: 10m }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Rollout
    /// spec:
    ///   strategy:
    ///     canary:
    ///       analysis:
    ///         templates:
    ///           - templateName: success-rate
    ///         startingStep: 1
    ///       steps:
    ///         - setWeight: 20
    ///         - pause: { duration: 10m }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "CI/CD and Deployment Strategies": canary releases must integrate with
    /// observability to control rollback triggers, and all rollback logic must be automated.
    pub RolloutWithoutAnalysis {
        id: "K8S028",
        name: "rollout-without-analysis",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §CI/CD and Deployment Strategies",
    }
}

impl Rule for RolloutWithoutAnalysis {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(rollout) = Rollout::of(object) else {
            return;
        };
        let Some((strategy, entry)) = rollout.strategy() else {
            return;
        };
        if object.is_controlled() || is_templated(&entry.value) || rollout.analyses() {
            return;
        }
        let (described, help) = match strategy {
            Strategy::Canary => (
                "a canary",
                "add an analysis that checks the new version's metrics and aborts the rollout when \
                 they fail:\ncanary:\n  analysis:\n    templates:\n      - templateName: success-rate\n    \
                 startingStep: 1",
            ),
            Strategy::BlueGreen => (
                "a blue/green rollout",
                "add an analysis that checks the new version before (or after) it takes the traffic \
                 and aborts the rollout when it fails:\nblueGreen:\n  prePromotionAnalysis:\n    \
                 templates:\n      - templateName: smoke-test",
            ),
        };
        out.report(
            entry.key.span,
            format!(
                "Rollout `{}` runs {described} with no analysis, so nothing rolls a bad release back \
                 automatically",
                object.qualified_name()
            ),
        )
        .help(help)
        .object(ObjectRef::of(object));
    }
}
