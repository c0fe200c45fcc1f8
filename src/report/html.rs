//! `--format html`: the compliance report as one self-contained page (no external assets, works
//! offline): the matrix, filters by severity and area, and every finding with its source snippet.

use std::fmt::Write;

use super::compliance::{Area, Row, checked_areas, matrix, severity_icon};
use super::excerpt::Excerpt;
use super::finding::{Finding, counts};
use super::{Report, escape_markup as escape};

/// Lines shown before and after a finding's span.
const SNIPPET_CONTEXT: u32 = 2;

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { margin-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: center; }
th:first-child, td:first-child { text-align: left; }
fieldset { border: 1px solid #d0d7de; margin-bottom: 1rem; }
.finding { border-left: 4px solid #d0d7de; padding: .3rem .8rem; margin: .6rem 0; }
.finding[data-severity=error] { border-color: #cf222e; }
.finding[data-severity=warning] { border-color: #bf8700; }
.finding[data-severity=note] { border-color: #0969da; }
.location { font-family: ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; margin: .3rem 0; }
pre mark { background: #fff8c5; }
.help { white-space: pre-wrap; color: #57606a; }
";

const SCRIPT: &str = "
function applyFilters() {
  const severities = new Set(
    Array.from(document.querySelectorAll('input[name=severity]:checked')).map(i => i.value));
  const area = document.getElementById('area').value;
  let shown = 0;
  for (const finding of document.querySelectorAll('.finding')) {
    const visible = severities.has(finding.dataset.severity)
      && (area === 'all' || finding.dataset.area === area);
    finding.hidden = !visible;
    if (visible) shown += 1;
  }
  document.getElementById('shown').textContent = String(shown);
}
document.addEventListener('DOMContentLoaded', () => {
  for (const input of document.querySelectorAll('#filters input, #filters select')) {
    input.addEventListener('change', applyFilters);
  }
  applyFilters();
});
";

/// Renders the page.
pub fn render(report: &Report<'_>) -> String {
    let matrix = matrix(report.findings, report.inventory);
    let checked = checked_areas(report.rules);
    let (errors, warnings, notes) = counts(report.findings);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>mslint compliance report</title>\n");
    let _ = writeln!(
        out,
        "<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n</head>\n<body>"
    );
    out.push_str("<h1>mslint compliance report</h1>\n");
    let _ = writeln!(
        out,
        "<p id=\"summary\">{} files checked · <span id=\"errors\">{errors}</span> errors · \
         <span id=\"warnings\">{warnings}</span> warnings · <span id=\"notes\">{notes}</span> notes</p>",
        report.files_checked
    );
    out.push_str(
        "<p>✅ passes · ❌ errors · ⚠️ warnings · ℹ️ notes only · — does not apply or not checked</p>\n",
    );
    table(
        &mut out,
        "namespaces",
        "Namespaces",
        "namespace",
        &matrix.namespaces,
        &checked,
    );
    table(
        &mut out,
        "services",
        "Services",
        "service",
        &matrix.services,
        &checked[..Area::ALL.len() - 1],
    );
    filters(&mut out);
    let _ = writeln!(
        out,
        "<h2>Findings (<span id=\"shown\">{}</span> shown)</h2>",
        report.findings.len()
    );
    for finding in report.findings {
        finding_article(&mut out, finding, report);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn table(out: &mut String, id: &str, title: &str, heading: &str, rows: &[Row<'_>], checked: &[bool]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>{title}</h2>\n<table id=\"{id}\">\n<thead><tr><th>{heading}</th>"
    );
    for area in &Area::ALL[..checked.len()] {
        let _ = write!(out, "<th>{}</th>", area.title());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(&row.label));
        for (cell, checked) in row.cells.iter().zip(checked) {
            let text = if *checked { cell.text() } else { "—".to_owned() };
            let _ = write!(out, "<td>{text}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn filters(out: &mut String) {
    out.push_str("<fieldset id=\"filters\"><legend>Show</legend>\n");
    for severity in ["error", "warning", "note"] {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{severity}\" checked> {severity}s</label>"
        );
    }
    out.push_str("<label>area <select id=\"area\"><option value=\"all\">all</option>");
    for area in Area::ALL {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", area.title());
    }
    out.push_str("<option value=\"other\">other</option></select></label>\n</fieldset>\n");
}

fn finding_article(out: &mut String, finding: &Finding, report: &Report<'_>) {
    let region = finding.region;
    let area = Area::of_rule(finding.rule.id).map_or("other", Area::title);
    let _ = writeln!(
        out,
        "<article class=\"finding\" data-severity=\"{}\" data-area=\"{area}\">\n\
         <div>{} <strong>{}</strong> {} · <span class=\"location\">{}:{}:{}</span></div>\n<p>{}</p>",
        finding.severity,
        severity_icon(finding.severity),
        finding.rule.id,
        finding.rule.name,
        escape(&finding.path),
        region.start_line,
        region.start_column,
        escape(&finding.message),
    );
    if !finding.secrets.is_empty() {
        out.push_str("<p><em>Source not shown: it holds a secret.</em></p>\n");
    } else if let Some(source) = report.source(&finding.path) {
        snippet(
            out,
            // Blanked as a terminal's are: a bidirectional override reorders a page too.
            &Excerpt::of(source, finding.span, SNIPPET_CONTEXT, &finding.secrets),
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"help\">{}\n{}</div>\n</article>",
        escape(&finding.help),
        escape(&format!("guideline: {}", finding.rule.guideline))
    );
}

/// The lines of the span, marked, with a little context.
fn snippet(out: &mut String, excerpt: &Excerpt) {
    out.push_str("<pre>");
    for (number, line) in (excerpt.first_line..).zip(excerpt.text.lines()) {
        let line = escape(line);
        if excerpt.span_lines.contains(&number) {
            let _ = writeln!(out, "{number:>5} │ <mark>{line}</mark>");
        } else {
            let _ = writeln!(out, "{number:>5} │ {line}");
        }
    }
    out.push_str("</pre>\n");
}
