//! MS003 unused-suppression.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports a suppression that suppresses nothing: a `# mslint ignore=RULE` comment with no
    /// finding of that rule on its line (or, for a comment on a line of its own, on the next
    /// line with content), an `ignore-file=RULE` with no finding of it in the file, or an
    /// `ignore-check.mslint.io/RULE` annotation with no finding of it in the object. The finding
    /// points at the rule id. Rules that did not run (`--select`, a configuration that turns
    /// them off) are not judged.
    ///
    /// ## Why is this bad?
    /// A suppression outlives the problem it hid: once the finding is fixed, the comment only
    /// hides the next, different problem of that rule on the same line.
    ///
    /// ## Example
    /// ```yaml
    /// image: shop/cart:1.4.2  # mslint ignore=K8S014
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// image: shop/cart:1.4.2
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Deployment": exceptions are reviewed; one that no longer applies is removed.
    pub UnusedSuppression {
        id: "MS003",
        name: "unused-suppression",
        family: Family::Ms,
        severity: Severity::Note,
        scope: Scope::Engine,
        security: false,
        guideline: "seed 003 §Deployment",
    }
}

impl Rule for UnusedSuppression {}
