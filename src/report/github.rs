//! `--format github`: workflow commands that GitHub Actions shows as annotations.

use super::Report;
use crate::rules::Severity;

/// How many annotations of one level GitHub shows for a step; it drops the rest silently.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Renders one annotation line per finding, the first [`ANNOTATIONS_PER_LEVEL`] of each level
/// (in report order), then one plain line counting those left out, so none is lost unseen.
pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    let mut shown = [0usize; 3];
    let mut left_out = [0usize; 3];
    for finding in report.findings {
        let (command, level) = match finding.severity {
            Severity::Error => ("error", 0),
            Severity::Warning => ("warning", 1),
            Severity::Note => ("notice", 2),
        };
        if shown[level] == ANNOTATIONS_PER_LEVEL {
            left_out[level] += 1;
            continue;
        }
        shown[level] += 1;
        let region = finding.region;
        let title = format!("{}: {}", finding.rule.id, finding.rule.name);
        let message = format!("{}\n{}", finding.message, finding.help);
        out.push_str(&format!(
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            escape_property(&finding.path),
            region.start_line,
            region.end_line,
            region.start_column,
            region.end_column,
            escape_property(&title),
            escape_data(&message),
        ));
    }
    let counts: Vec<String> = left_out
        .iter()
        .zip(["error", "warning", "note"])
        .filter(|(n, _)| **n > 0)
        .map(|(n, word)| format!("{n} {word}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if !counts.is_empty() {
        out.push_str(&format!(
            "mslint: {} more not shown as annotations (GitHub shows {ANNOTATIONS_PER_LEVEL} of each level per step); \
             the SARIF report or `--format human` lists every finding\n",
            counts.join(", ")
        ));
    }
    out
}

/// Escapes a message the way `@actions/core` does.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("K8S001: a,b"), "K8S001%3A a%2Cb");
    }
}
