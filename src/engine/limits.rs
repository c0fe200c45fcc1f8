//! The cap on findings per file: past it, one MS000 finding counts the rest, so a generated or
//! hostile file cannot flood a report, a CI log or a code-scanning upload.

use std::sync::Arc;

use crate::report::finding::Finding;
use crate::rules::{Findings, RawFinding, Severity, registry};
use crate::source::{FileId, SourceFile};

/// Most findings reported in one file. A real file with this many has one mistake repeated by
/// a generator; past it the report would only be longer, not more useful.
pub const MAX_FINDINGS_PER_FILE: usize = 1_000;

/// Keeps the first [`MAX_FINDINGS_PER_FILE`] of each file's findings (they come sorted, so the
/// same ones in every run) and returns, for each file past it, one MS000 finding at the first
/// finding left out that counts them. Its severity is the highest of the unsuppressed findings
/// left out, so the exit code is the one the whole list would give.
pub(super) fn cap_per_file(findings: &mut Vec<Finding>, sources: &[Arc<SourceFile>]) -> Vec<RawFinding> {
    let mut summaries = Vec::new();
    for group in findings.chunk_by(|a, b| a.path == b.path) {
        let Some(left_out) = group.get(MAX_FINDINGS_PER_FILE..).filter(|rest| !rest.is_empty()) else {
            continue;
        };
        let Some(file) = sources.iter().position(|s| s.path == group[0].path) else {
            continue;
        };
        summaries.extend(summary(FileId(file as u32), left_out));
    }
    if !summaries.is_empty() {
        let mut seen: Option<Arc<str>> = None;
        let mut count = 0;
        findings.retain(|finding| {
            if seen.as_ref() != Some(&finding.path) {
                seen = Some(finding.path.clone());
                count = 0;
            }
            count += 1;
            count <= MAX_FINDINGS_PER_FILE
        });
    }
    summaries
}

fn summary(file: FileId, left_out: &[Finding]) -> Vec<RawFinding> {
    let count = |severity: Severity| {
        left_out
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == severity)
            .count()
    };
    let mut counts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .iter()
    .map(|&(severity, name)| (count(severity), name))
    .filter(|(n, _)| *n > 0)
    .map(|(n, name)| format!("{n} {name}{}", if n == 1 { "" } else { "s" }))
    .collect();
    let suppressed = left_out.iter().filter(|f| f.suppressed.is_some()).count();
    if suppressed > 0 {
        counts.push(format!("{suppressed} suppressed"));
    }
    let severity = left_out
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Note);
    // Where reading the file stopped (a syntax error, a limit) says what was not checked at all:
    // it is named even when it falls past the cap. Rules are told apart by id: a rule's
    // metadata is a promoted constant, whose address may differ between codegen units.
    let parse_error = registry::parse_error();
    let read_problem = left_out
        .iter()
        .find(|f| f.rule.id == parse_error.id && f.suppressed.is_none())
        .map(|f| {
            format!(
                "; the first problem reading the file among them, at line {}: {}",
                f.region.start_line, f.message
            )
        })
        .unwrap_or_default();
    let mut sink = Findings::new(parse_error, file);
    sink.report(
        left_out[0].span,
        format!(
            "{} more findings in this file are left out ({}): mslint reports at most {MAX_FINDINGS_PER_FILE} per file{read_problem}",
            left_out.len(),
            counts.join(", ")
        ),
    )
    .help(
        "fix the findings above and scan again, or list the file in `.mslintignore` if it is \
         generated; the exit code already counts the findings left out",
    );
    let mut found = sink.into_vec();
    for finding in &mut found {
        finding.severity = Some(severity);
    }
    found
}
