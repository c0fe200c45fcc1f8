//! `--format markdown`: the compliance report, per namespace and per service, for a job summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull-request comment.

use std::fmt::Write;

use super::Report;
use super::compliance::{Area, Row, checked_areas, matrix, severity_icon};
use super::finding::{Finding, counts};

/// Findings listed at most, so the report stays within a job summary's 1 MiB.
const LISTED_FINDINGS: usize = 500;

/// Renders the report.
pub fn render(report: &Report<'_>) -> String {
    let matrix = matrix(report.findings, report.inventory);
    let checked = checked_areas(report.rules);
    let (errors, warnings, notes) = counts(report.findings);
    let mut out = String::from("# mslint compliance report\n\n");
    let _ = writeln!(
        out,
        "**{} checked** · {} · {} · {}\n",
        plural(report.files_checked, "file"),
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note")
    );
    out.push_str("✅ passes · ❌ errors · ⚠️ warnings · ℹ️ notes only · — does not apply or not checked\n\n");
    table(&mut out, "Namespaces", "namespace", &matrix.namespaces, &checked);
    // Gateway settings are judged at the routes, so services show every area but that one.
    table(
        &mut out,
        "Services",
        "service",
        &matrix.services,
        &checked[..Area::ALL.len() - 1],
    );

    let listed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| Area::of_rule(f.rule.id).is_some())
        .collect();
    if !listed.is_empty() {
        out.push_str("## Findings\n\n");
        for area in Area::ALL {
            let of_area: Vec<&&Finding> = listed
                .iter()
                .filter(|f| Area::of_rule(f.rule.id) == Some(area))
                .collect();
            if of_area.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {}\n", area.title());
            for finding in of_area.iter().take(LISTED_FINDINGS) {
                let _ = writeln!(
                    out,
                    "- {} `{}:{}:{}` **{}** {}",
                    severity_icon(finding.severity),
                    finding.path,
                    finding.region.start_line,
                    finding.region.start_column,
                    finding.rule.id,
                    one_line(&finding.message)
                );
            }
            if of_area.len() > LISTED_FINDINGS {
                let _ = writeln!(out, "- … and {} more", of_area.len() - LISTED_FINDINGS);
            }
            out.push('\n');
        }
    }
    let outside = report.findings.len() - listed.len();
    if outside > 0 {
        let _ = writeln!(
            out,
            "{} outside these areas (references that do not resolve, schema typos, parse errors): \
             the full report (`--format human`, `sarif`) lists them.",
            plural(outside, "more finding")
        );
    }
    if !matrix.elsewhere.is_empty() {
        let _ = writeln!(
            out,
            "\n{} belong to no namespace (Dockerfiles, Kong declarative files); they are listed above.",
            plural(matrix.elsewhere.len(), "finding")
        );
    }
    out
}

/// A table with the areas `checked` has entries for (their rules ran when true).
fn table(out: &mut String, title: &str, heading: &str, rows: &[Row<'_>], checked: &[bool]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    let areas = &Area::ALL[..checked.len()];
    let _ = writeln!(
        out,
        "| {heading} | {} |",
        areas.iter().map(|a| a.title()).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(areas.len()));
    for row in rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .zip(checked)
            .map(|(c, checked)| if *checked { c.text() } else { "—".to_owned() })
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            row.label.replace('|', "\\|"),
            cells.join(" | ")
        );
    }
    out.push('\n');
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
