//! What the fixes change, as people review it: a unified diff per file, and the changed lines as
//! replacements of whole lines, the shape of a pull-request review suggestion.

use serde::Serialize;

use super::{Applicability, AppliedFix, FixedFile};

/// The unified diff of a fixed file, with three lines of context.
pub fn unified_diff(file: &FixedFile) -> String {
    let path = file.path.trim_start_matches('/');
    similar::TextDiff::from_lines(&file.before, &file.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Lines of the file as it was read, replaced by new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineChange {
    /// First line replaced, 1-based.
    pub start_line: u32,
    /// Last line replaced. A change that only inserts lines replaces the line before them (or,
    /// at the top of the file, the one after) with itself and the new lines, so every change
    /// replaces at least one line.
    pub end_line: u32,
    /// The lines replaced, with their line breaks.
    pub original: String,
    /// The lines that replace them.
    pub replacement: String,
    /// The fixes that made the change.
    pub fixes: Vec<ChangeFix>,
}

/// A fix behind a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeFix {
    pub rule: &'static str,
    pub title: String,
    pub applicability: Applicability,
}

/// The changed lines of a fixed file: one change per run of adjacent changed lines.
pub fn line_changes(file: &FixedFile) -> Vec<LineChange> {
    let diff = similar::TextDiff::from_lines(&file.before, &file.after);
    let old: Vec<&str> = diff.old_slices().to_vec();
    let new: Vec<&str> = diff.new_slices().to_vec();
    let line_starts = line_starts(&old);
    diff.grouped_ops(0)
        .iter()
        .filter_map(|group| {
            let (first, last) = (group.first()?, group.last()?);
            let (mut old_from, mut old_to) = (first.old_range().start, last.old_range().end);
            let (mut new_from, mut new_to) = (first.new_range().start, last.new_range().end);
            if old_from == old_to {
                // Only insertions: take the line before (or after) along, unchanged.
                if old_from > 0 {
                    old_from -= 1;
                    new_from -= 1;
                } else if old_to < old.len() {
                    old_to += 1;
                    new_to += 1;
                } else {
                    return None;
                }
            }
            let (start, end) = (line_starts[old_from], line_starts[old_to]);
            Some(LineChange {
                start_line: u32::try_from(old_from + 1).unwrap_or(u32::MAX),
                end_line: u32::try_from(old_to).unwrap_or(u32::MAX),
                original: old[old_from..old_to].concat(),
                replacement: new[new_from..new_to].concat(),
                fixes: fixes_within(&file.applied, start, end),
            })
        })
        .collect()
}

/// The byte offset where each line starts, and the end of the text last.
fn line_starts(lines: &[&str]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(lines.len() + 1);
    let mut offset = 0;
    starts.push(0);
    for line in lines {
        offset += line.len();
        starts.push(offset);
    }
    starts
}

/// The fixes whose replaced bytes meet `start..=end` of the text as it was read; an insertion at
/// `end` (the start of the next line) belongs to the lines before it.
fn fixes_within(applied: &[AppliedFix], start: usize, end: usize) -> Vec<ChangeFix> {
    applied
        .iter()
        .filter(|fix| (fix.original.start as usize) <= end && (fix.original.end as usize) >= start)
        .map(|fix| ChangeFix {
            rule: fix.rule,
            title: fix.title.clone(),
            applicability: fix.applicability,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn fixed(before: &str, after: &str, applied: Vec<AppliedFix>) -> FixedFile {
        FixedFile {
            path: "k8s/web.yaml".to_owned(),
            disk: "k8s/web.yaml".into(),
            before: before.to_owned(),
            after: after.to_owned(),
            applied,
        }
    }

    fn applied(rule: &'static str, start: usize, end: usize) -> AppliedFix {
        AppliedFix {
            rule,
            title: format!("fix of {rule}"),
            applicability: Applicability::Safe,
            original: Span::new(start, end),
        }
    }

    #[test]
    fn an_insertion_replaces_the_line_before_it_with_itself_and_the_new_lines() {
        let before = "a:\n  b: 1\nc: 2\n";
        let after = "a:\n  b: 1\n  x: true\nc: 2\n";
        let changes = line_changes(&fixed(before, after, vec![applied("K8S011", 10, 10)]));
        assert_eq!(changes.len(), 1);
        let change = &changes[0];
        assert_eq!((change.start_line, change.end_line), (2, 2));
        assert_eq!(change.original, "  b: 1\n");
        assert_eq!(change.replacement, "  b: 1\n  x: true\n");
        assert_eq!(
            change.fixes.len(),
            1,
            "the insertion at the next line's start is this change's"
        );
        assert_eq!(change.fixes[0].rule, "K8S011");
    }

    #[test]
    fn an_insertion_at_the_top_takes_the_first_line_along_and_replacements_stay_apart() {
        let before = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let after = "# new\na: 1\nb: 2\nc: 33\nd: 4\n";
        let changes = line_changes(&fixed(
            before,
            after,
            vec![applied("X1", 0, 0), applied("X2", 13, 14)],
        ));
        let lines: Vec<(u32, u32, &str)> = changes
            .iter()
            .map(|c| (c.start_line, c.end_line, c.replacement.as_str()))
            .collect();
        assert_eq!(lines, vec![(1, 1, "# new\na: 1\n"), (3, 3, "c: 33\n")]);
        assert_eq!(changes[0].fixes[0].rule, "X1");
        assert_eq!(changes[1].fixes[0].rule, "X2");
    }

    #[test]
    fn the_unified_diff_names_both_sides_by_the_report_path() {
        let diff = unified_diff(&fixed("a: 1\n", "a: 2\n", Vec::new()));
        assert!(
            diff.starts_with("--- a/k8s/web.yaml\n+++ b/k8s/web.yaml\n@@ -1 +1 @@\n"),
            "{diff}"
        );
    }
}
