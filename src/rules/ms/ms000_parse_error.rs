//! MS000 parse-error.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read or parsed, at the place the problem starts: YAML
    /// syntax errors (an unclosed quote at the quote, a flow collection never closed at its
    /// bracket, an unknown escape at its backslash, bad or tab indentation), duplicate keys,
    /// documents in a manifest that are no Kubernetes object (a bare scalar or list; a `null`
    /// document is skipped, as kubectl skips it), a stream of JSON objects that stops being JSON
    /// after two of them (where kubectl stops reading), nesting deeper than 256 levels, alias expansion beyond 100,000 nodes, Dockerfile syntax errors (an unknown
    /// instruction, a duplicate stage name, an empty Dockerfile) and what BuildKit refuses though it
    /// parses (`ENV` with no value, a `HEALTHCHECK` interval that is no duration), binary files, a document holding a byte that is not UTF-8 or a control
    /// character (the other documents are checked), files too large to
    /// check, and files that cannot be read (permissions, symlink loops). The rest of the scan
    /// goes on, and the readable part of the file is still checked.
    ///
    /// It also marks where mslint stopped reading a hostile or generated file: past 32 MiB, 256
    /// levels of nesting, 100,000 nodes copied by aliases or kept for them, 100,000 documents,
    /// 50 Dockerfile syntax errors, or 200 re-reads (4 MiB in all) to accept the indentation
    /// Kubernetes accepts. A file with more than 1,000 findings keeps the first 1,000 and gets
    /// one MS000 at the first left out, counting the rest by severity and taking the highest of
    /// them. README, "Limits", gives the reasons for each value.
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
