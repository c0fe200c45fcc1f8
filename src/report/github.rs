//! `--format github`: workflow commands that GitHub Actions shows as annotations.

use super::Report;
use crate::rules::Severity;

/// Renders one annotation line per finding.
pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for finding in report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
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
