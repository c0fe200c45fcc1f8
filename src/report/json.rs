//! `--format json`: one document with a summary and every finding.

use serde::Serialize;

use super::finding::{Finding, counts};
use super::{Report, json_skeleton, write_json_with_list};

#[derive(Serialize)]
struct JsonReport<F> {
    tool: &'static str,
    version: &'static str,
    summary: Summary,
    findings: F,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    files_skipped: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// Writes the JSON report.
pub fn write<'r>(report: &Report<'r>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
        findings: [(); 0],
    };
    let finding = |finding: &'r Finding, out: &mut Vec<u8>| {
        serde_json::to_writer(out, &finding.to_json(report.fix_source(finding)))
    };
    write_json_with_list(
        &json_skeleton(&document)?,
        "findings",
        report.findings,
        finding,
        out,
    )
}
