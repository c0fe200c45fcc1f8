//! MS001 unknown-suppression.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports a suppression that names no rule mslint knows: an id in a
    /// `# mslint ignore=…` or `# mslint ignore-file=…` comment, or the id after
    /// `ignore-check.mslint.io/` in an object's annotation. The finding points at the id.
    ///
    /// ## Why is this bad?
    /// A misspelt id suppresses nothing, so the finding it was written for is still reported —
    /// or, worse, the comment is copied around as if it did something.
    ///
    /// ## Example
    /// ```yaml
    /// image: shop/cart:latest  # mslint ignore=K8S0014 reason="pinned by the deploy job"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// image: shop/cart:latest  # mslint ignore=K8S014 reason="pinned by the deploy job"
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Deployment": configuration is validated in the pipeline; an exception must be
    /// precise and auditable.
    pub UnknownSuppression {
        id: "MS001",
        name: "unknown-suppression",
        family: Family::Ms,
        severity: Severity::Warning,
        scope: Scope::Engine,
        security: false,
        guideline: "seed 003 §Deployment",
    }
}

impl Rule for UnknownSuppression {}
