//! Progressive delivery: Argo Rollouts and their canary or blue/green strategy, and Flagger
//! Canaries.

use super::object::Object;
use crate::parse::yaml::{Entry, Node};

/// How an Argo Rollout replaces its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `strategy.canary`: traffic moves to the new version step by step.
    Canary,
    /// `strategy.blueGreen`: the new version starts beside the old one and is switched to.
    BlueGreen,
}

impl Strategy {
    /// The field under `spec.strategy`.
    pub fn field(self) -> &'static str {
        match self {
            Strategy::Canary => "canary",
            Strategy::BlueGreen => "blueGreen",
        }
    }
}

/// An Argo Rollout (`argoproj.io`).
#[derive(Debug, Clone, Copy)]
pub struct Rollout<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> Rollout<'o, 's> {
    /// The view of an Argo Rollout.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "Rollout" && object.api_group() == "argoproj.io").then_some(Rollout { object })
    }

    /// `spec.workloadRef`: the Deployment (or ReplicaSet) whose pod template the Rollout runs.
    pub fn workload_ref(&self) -> Option<&'o Node<'s>> {
        self.object.root.path(&["spec", "workloadRef"])
    }

    /// The `canary` or `blueGreen` entry of `spec.strategy`, with which one it is.
    pub fn strategy(&self) -> Option<(Strategy, &'o Entry<'s>)> {
        let strategy = self.object.root.path(&["spec", "strategy"])?;
        [Strategy::Canary, Strategy::BlueGreen]
            .into_iter()
            .find_map(|kind| Some((kind, strategy.entry(kind.field()).filter(|e| !e.value.is_null())?)))
    }

    /// True when the strategy runs an analysis that can abort the rollout: for a canary, a
    /// background `analysis`, an `analysis` step, or an `experiment` step with `analyses`; for
    /// blue/green, a `prePromotionAnalysis` or `postPromotionAnalysis`.
    pub fn analyses(&self) -> bool {
        let Some((strategy, entry)) = self.strategy() else {
            return false;
        };
        let set = |node: &Node<'_>, key: &str| node.get(key).is_some_and(|n| !n.is_null());
        match strategy {
            Strategy::Canary => {
                set(&entry.value, "analysis")
                    || entry
                        .value
                        .get("steps")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .any(|step| {
                            set(step, "analysis")
                                || step
                                    .get("experiment")
                                    .and_then(|e| e.get("analyses"))
                                    .is_some_and(|a| !a.items().is_empty())
                        })
            }
            Strategy::BlueGreen => {
                set(&entry.value, "prePromotionAnalysis") || set(&entry.value, "postPromotionAnalysis")
            }
        }
    }
}

/// A Flagger `Canary` (`flagger.app`).
#[derive(Debug, Clone, Copy)]
pub struct FlaggerCanary<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> FlaggerCanary<'o, 's> {
    /// The view of a Flagger Canary.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "Canary" && object.api_group() == "flagger.app").then_some(FlaggerCanary { object })
    }

    /// `spec.targetRef`: the workload Flagger rolls out (its `kind` must be written: Flagger
    /// does not default it).
    pub fn target_ref(&self) -> Option<&'o Node<'s>> {
        self.object.root.path(&["spec", "targetRef"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn analyses(strategy: &str) -> bool {
        let text = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: r}}\nspec:\n  strategy:\n{strategy}"
        );
        let objects = parse_objects(&text);
        Rollout::of(&objects[0]).expect("a Rollout").analyses()
    }

    #[test]
    fn each_strategy_reads_its_own_analysis_fields() {
        assert!(!analyses(
            "    canary:\n      steps: [{setWeight: 20}, {pause: {}}]\n"
        ));
        assert!(analyses(
            "    canary:\n      analysis: {templates: [{templateName: ok}]}\n"
        ));
        assert!(analyses(
            "    canary:\n      steps:\n        - setWeight: 20\n        - analysis: {templates: [{templateName: ok}]}\n"
        ));
        assert!(analyses(
            "    canary:\n      steps:\n        - experiment:\n            templates: [{name: c, specRef: canary}]\n            analyses: [{name: a, templateName: ok}]\n"
        ));
        assert!(!analyses("    canary:\n      analysis:\n"));
        assert!(!analyses(
            "    blueGreen: {activeService: a, previewService: p}\n"
        ));
        assert!(analyses(
            "    blueGreen:\n      activeService: a\n      postPromotionAnalysis: {templates: [{templateName: ok}]}\n"
        ));
        assert!(analyses(
            "    canary:\n    blueGreen: {activeService: a, prePromotionAnalysis: {templates: [{templateName: ok}]}}\n"
        ));
    }
}
