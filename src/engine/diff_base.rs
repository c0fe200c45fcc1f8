//! `--diff-base REF`: keep the findings a change is responsible for, the way a pull-request
//! check wants them, after a scan of the whole repository.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use crate::discover;
use crate::report::finding::Finding;
use crate::source::SourceFile;

/// The lines added or changed since a git revision, per file as reports name it.
#[derive(Debug, Default)]
pub struct ChangedLines {
    /// Path → sorted, inclusive line ranges; `None` for a file new since the revision (every
    /// line of it is new).
    files: HashMap<String, Option<Vec<(u32, u32)>>>,
}

impl ChangedLines {
    /// Asks git what changed in the work tree holding `root` since `base` (any revision `git
    /// diff` accepts): tracked files compared with the work tree, and untracked files that are
    /// not ignored.
    pub fn since(base: &str, root: &Path) -> Result<Self, String> {
        let top = git(root, &["rev-parse", "--show-toplevel"])?;
        let top = Path::new(top.trim());
        let diff = git(
            root,
            &[
                // Paths as they are, not octal-escaped.
                "-c",
                "core.quotePath=false",
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                base,
                "--",
            ],
        )?;
        let mut changed = ChangedLines::parse_diff(&diff, |path| discover::display(&top.join(path), root));
        for path in git(
            root,
            &[
                "-c",
                "core.quotePath=false",
                "ls-files",
                "--others",
                "--exclude-standard",
                "--full-name",
            ],
        )?
        .lines()
        {
            changed
                .files
                .insert(discover::display(&top.join(path), root), None);
        }
        Ok(changed)
    }

    /// Reads the new-side hunks of a zero-context unified diff. A hunk that only deletes marks
    /// the lines around the deletion: what was removed may be what a finding now misses.
    fn parse_diff(diff: &str, display: impl Fn(&str) -> String) -> Self {
        let mut files: HashMap<String, Option<Vec<(u32, u32)>>> = HashMap::new();
        let mut current: Option<String> = None;
        for line in diff.lines() {
            if let Some(path) = line.strip_prefix("+++ ") {
                // git ends the name with a tab when it holds a space.
                let path = path.strip_suffix('\t').unwrap_or(path);
                current = path.strip_prefix("b/").map(&display);
                if let Some(path) = &current {
                    files.entry(path.clone()).or_insert_with(|| Some(Vec::new()));
                }
            } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
                let Some(range) = hunk.split(' ').find_map(|part| part.strip_prefix('+')) else {
                    continue;
                };
                let (start, count) = match range.split_once(',') {
                    Some((start, count)) => (start.parse().unwrap_or(0), count.parse().unwrap_or(0)),
                    None => (range.parse().unwrap_or(0), 1),
                };
                let lines = if count == 0 {
                    (start.max(1), start + 1)
                } else {
                    (start, start + count - 1)
                };
                if let Some(Some(ranges)) = files.get_mut(path) {
                    ranges.push(lines);
                }
            }
        }
        ChangedLines { files }
    }

    /// True when a line range of a file was added or changed.
    fn touches(&self, path: &str, first: u32, last: u32) -> bool {
        match self.files.get(path) {
            None => false,
            Some(None) => true,
            Some(Some(ranges)) => ranges.iter().any(|&(a, b)| a <= last && first <= b),
        }
    }

    /// True when every line of a range of a file was added or changed: a pull-request review can
    /// comment on them.
    pub fn covers(&self, path: &str, first: u32, last: u32) -> bool {
        match self.files.get(path) {
            None => false,
            Some(None) => true,
            Some(Some(ranges)) => {
                (first..=last).all(|line| ranges.iter().any(|&(a, b)| a <= line && line <= b))
            }
        }
    }

    /// True when the change is responsible for a finding: it touches the finding's span, one of
    /// its related locations (a partner that changed), or the YAML document of the object it is
    /// about.
    pub fn keeps(&self, finding: &Finding, sources: &[Arc<SourceFile>]) -> bool {
        let region = finding.region;
        if self.touches(&finding.path, region.start_line, region.end_line)
            || finding
                .related
                .iter()
                .any(|r| self.touches(&r.path, r.region.start_line, r.region.end_line))
        {
            return true;
        }
        // Sources are sorted by path.
        let Some(source) = sources
            .binary_search_by(|s| (*s.path).cmp(&*finding.path))
            .ok()
            .and_then(|n| sources.get(n))
        else {
            return false;
        };
        let (first, last) = document_lines(&source.text, region.start_line);
        self.touches(&finding.path, first, last)
    }
}

/// The first and last line of the YAML document holding `line` (documents end at `---`).
fn document_lines(text: &str, line: u32) -> (u32, u32) {
    let mut first = 1;
    let mut number = 0;
    for row in text.lines() {
        number += 1;
        let separator = row == "---" || row.starts_with("--- ");
        if separator && number < line {
            first = number + 1;
        } else if separator && number > line {
            return (first, number - 1);
        }
    }
    (first, number.max(first))
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("--diff-base needs git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "--diff-base: `git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_side_hunks_become_line_ranges_and_deletions_mark_their_neighbours() {
        let diff = "diff --git a/k8s/app.yaml b/k8s/app.yaml\n--- a/k8s/app.yaml\n+++ b/k8s/app.yaml\n\
                    @@ -3 +3 @@ metadata:\n-  name: a\n+  name: b\n@@ -10,2 +10,0 @@ spec:\n-x\n-y\n\
                    @@ -20,0 +19,3 @@\n+a\n+b\n+c\n";
        let changed = ChangedLines::parse_diff(diff, str::to_owned);
        assert_eq!(
            changed.files["k8s/app.yaml"],
            Some(vec![(3, 3), (10, 11), (19, 21)])
        );
        assert!(changed.touches("k8s/app.yaml", 1, 3));
        assert!(!changed.touches("k8s/app.yaml", 4, 9));
        assert!(!changed.touches("other.yaml", 1, 100));
        assert!(changed.covers("k8s/app.yaml", 19, 21));
        assert!(changed.covers("k8s/app.yaml", 10, 10));
        assert!(!changed.covers("k8s/app.yaml", 18, 19), "line 18 is unchanged");
        assert!(!changed.covers("k8s/app.yaml", 3, 10), "only the ends changed");
    }

    #[test]
    fn a_path_with_a_space_is_read_without_the_tab_git_ends_it_with() {
        let diff = "--- a/k8s/my app.yaml\t\n+++ b/k8s/my app.yaml\t\n@@ -3 +3 @@\n-a\n+b\n";
        let changed = ChangedLines::parse_diff(diff, str::to_owned);
        assert!(changed.touches("k8s/my app.yaml", 3, 3));
    }

    #[test]
    fn documents_are_bounded_by_separators() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\nd: 4\n";
        assert_eq!(document_lines(text, 1), (1, 1));
        assert_eq!(document_lines(text, 4), (3, 4));
        assert_eq!(document_lines(text, 6), (6, 6));
    }
}
