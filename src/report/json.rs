//! `--format json`: one document with a summary and every finding.

use serde::Serialize;

use super::Report;
use super::finding::{JsonFinding, counts};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    files_skipped: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// Renders the JSON report.
pub fn render(report: &Report<'_>) -> String {
    let (errors, warnings, notes) = counts(report.findings);
    let document = JsonReport {
        tool: "mslint",
        version: env!("CARGO_PKG_VERSION"),
        summary: Summary {
            files_checked: report.files_checked,
            files_skipped: report.files_skipped,
            errors,
            warnings,
            notes,
        },
        findings: report.findings.iter().map(|f| f.to_json()).collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
