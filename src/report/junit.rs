//! `--format junit`: JUnit XML for CI systems that show test results (Jenkins, Azure Pipelines,
//! GitLab's test report): one test suite per file with findings, one failing test case per
//! finding; a clean run is one passing test case.

use super::finding::Finding;
use super::{Report, escape_markup as escape};

/// Renders the JUnit XML document.
pub fn render(report: &Report<'_>) -> String {
    let failures = report.findings.len();
    let tests = failures.max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"mslint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n"
    ));
    if report.findings.is_empty() {
        out.push_str(&format!(
            "  <testsuite name=\"mslint\" tests=\"1\" failures=\"0\" errors=\"0\">\n    \
             <testcase name=\"{} files checked\" classname=\"mslint\"/>\n  </testsuite>\n",
            report.files_checked
        ));
    }
    for file in report.findings.chunk_by(|a, b| a.path == b.path) {
        let path = escape(&file[0].path);
        out.push_str(&format!(
            "  <testsuite name=\"{path}\" tests=\"{0}\" failures=\"{0}\" errors=\"0\">\n",
            file.len()
        ));
        for finding in file {
            out.push_str(&test_case(finding, &path));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn test_case(finding: &Finding, path: &str) -> String {
    let region = finding.region;
    format!(
        "    <testcase name=\"{id} {name} at {line}:{column}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">\n      \
         <failure message=\"{message}\" type=\"{severity}\">{path}:{line}:{column}: {id} {message}\n{help}</failure>\n    \
         </testcase>\n",
        id = finding.rule.id,
        name = finding.rule.name,
        line = region.start_line,
        column = region.start_column,
        message = escape(&finding.message),
        severity = finding.severity,
        help = escape(&finding.help),
    )
}
