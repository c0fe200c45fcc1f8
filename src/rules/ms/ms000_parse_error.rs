//! MS000 parse-error.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read or parsed, at the place the problem was found: YAML
    /// syntax errors (an unclosed quote, bad or tab indentation), duplicate keys, documents in a
    /// manifest that are no Kubernetes object (a bare scalar or list), nesting deeper than 256
    /// levels, alias expansion beyond 100,000 nodes, Dockerfile syntax errors (an unknown
    /// instruction, a duplicate stage name), binary or non-UTF-8 files, files too large to
    /// check, and files that cannot be read (permissions, symlink loops). The rest of the scan
    /// goes on, and the readable part of the file is still checked.
    ///
    /// ## Why is this bad?
    /// A file the cluster or the build cannot read fails at deploy time, and a file mslint cannot
    /// read is a file none of the other rules checked: a clean report would be a false comfort.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: "cart
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   name: "cart"
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Deployment": configuration is validated in the pipeline before it ships. Seed
    /// 001, §12 "Deploy in Containers".
    pub ParseError {
        id: "MS000",
        name: "parse-error",
        family: Family::Ms,
        severity: Severity::Error,
        scope: Scope::Engine,
        security: false,
        guideline: "seed 003 §Deployment; seed 001 §12 Deploy in Containers",
    }
}

impl Rule for ParseError {}
