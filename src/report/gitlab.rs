//! `--format gitlab`: the Code Climate issues GitLab reads as a code quality report
//! (`artifacts: reports: codequality`) and shows in merge requests.

use serde::Serialize;

use super::Report;
use super::finding::Finding;
use crate::rules::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    content: Content<'a>,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: &'a str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    positions: Positions,
}

#[derive(Serialize)]
struct Positions {
    begin: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

/// Renders the findings as a JSON array of Code Climate issues. The fingerprint is the
/// finding's own, stable across line shifts and unique in the report, as GitLab requires to
/// tell new issues from fixed ones between branches.
pub fn render(report: &Report<'_>) -> String {
    let issues: Vec<Issue<'_>> = report.findings.iter().map(issue).collect();
    let text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    let mut text = crate::source::escape::escape_json(&text).into_owned();
    text.push('\n');
    text
}

fn issue(finding: &Finding) -> Issue<'_> {
    let region = finding.region;
    Issue {
        kind: "issue",
        check_name: finding.rule.id,
        description: format!("{} {}: {}", finding.rule.id, finding.rule.name, finding.message),
        content: Content { body: &finding.help },
        categories: [if finding.rule.security {
            "Security"
        } else {
            "Bug Risk"
        }],
        severity: match finding.severity {
            Severity::Error if finding.rule.security => "critical",
            Severity::Error => "major",
            Severity::Warning => "minor",
            Severity::Note => "info",
        },
        fingerprint: &finding.fingerprint,
        location: Location {
            path: &finding.path,
            positions: Positions {
                begin: Position {
                    line: region.start_line,
                    column: region.start_column,
                },
                end: Position {
                    line: region.end_line,
                    column: region.end_column,
                },
            },
        },
    }
}
