//! The fix loop: check, apply the fixes that do not touch each other, check the changed files
//! again, and repeat until no fix applies (within a bound), as ruff does. Edits that meet are
//! left for the next pass, when their spans are fresh.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Applicability, Edit, Fix};
use crate::engine::{Config, Outcome, RunError, load};
use crate::report::finding::Finding;
use crate::source::{FileId, SourceFile, Span};

/// Passes of check and fix before the loop gives up: each pass applies every fix that does not
/// meet another, so real files settle in two or three.
const MAX_PASSES: usize = 8;

/// Which fixes apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// `--fix`: the safe ones.
    Safe,
    /// `--fix --unsafe-fixes`: all of them.
    Unsafe,
}

impl FixMode {
    pub fn applies(self, applicability: Applicability) -> bool {
        self == FixMode::Unsafe || applicability == Applicability::Safe
    }
}

/// A fix the loop applied.
#[derive(Debug, Clone)]
pub struct AppliedFix {
    /// The rule whose finding it resolves.
    pub rule: &'static str,
    pub title: String,
    pub applicability: Applicability,
    /// The bytes of the file as it was read that the fix replaced (for a fix of a later pass,
    /// where its edits land in that text).
    pub original: Span,
}

/// A file the fixes changed.
#[derive(Debug, Clone)]
pub struct FixedFile {
    /// Path relative to the scan root, as reports show it.
    pub path: String,
    /// Where it is on disk.
    pub disk: PathBuf,
    pub before: String,
    pub after: String,
    /// The fixes applied to it, in the order of the text they replaced.
    pub applied: Vec<AppliedFix>,
}

/// What the fix loop did.
#[derive(Debug)]
pub struct Fixed {
    /// Files changed, by path.
    pub files: Vec<FixedFile>,
    /// The check of the fixed files: what is left.
    pub outcome: Outcome,
    /// Fixes not applied, and why: `path:line:column: RULE: reason`.
    pub dropped: Vec<String>,
    /// False when fixes still applied after the last pass.
    pub settled: bool,
}

impl Fixed {
    /// Fixes applied, over every file.
    pub fn applied(&self) -> usize {
        self.files.iter().map(|f| f.applied.len()).sum()
    }
}

/// A file changed so far: its text on disk and now.
struct Changed {
    before: String,
    after: String,
    applied: Vec<AppliedFix>,
    /// The edits of each pass, in the text that pass read: they map an offset of the text now
    /// back to the text on disk.
    passes: Vec<Vec<Edit>>,
}

impl Changed {
    /// Where the byte at `offset` of the text now was in the text on disk; an offset inside
    /// inserted text maps to where the insertion went.
    fn original_offset(&self, offset: usize) -> usize {
        self.passes
            .iter()
            .rev()
            .fold(offset, |offset, edits| offset_before(offset, edits))
    }
}

/// Where `offset` of the text after `edits` was before them.
fn offset_before(offset: usize, edits: &[Edit]) -> usize {
    let mut growth: isize = 0;
    for edit in edits {
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        let new_start = start.saturating_add_signed(growth);
        if offset < new_start {
            break;
        }
        let new_end = new_start + edit.content.len();
        if offset < new_end {
            return start;
        }
        growth += edit.content.len() as isize - (end - start) as isize;
    }
    offset.saturating_add_signed(-growth)
}

/// What identifies a finding from one pass to the next: its rule, file and object (or, for a
/// finding about no object, its fingerprint), since fixes move its lines.
fn scope_key(finding: &Finding) -> String {
    match &finding.object {
        Some(object) => format!("{} {} {object:?}", finding.rule.id, finding.path),
        None => finding.fingerprint.clone(),
    }
}

/// Runs the check and applies the fixes `mode` allows until none is left, in memory: the caller
/// writes the files or shows the diff. Only the findings `scope` keeps when the loop first sees
/// them are fixed (`--diff-base` keeps those a change is responsible for).
pub fn fix_files(
    config: &Config,
    mode: FixMode,
    scope: impl Fn(&Finding, &[Arc<SourceFile>]) -> bool,
) -> Result<Fixed, RunError> {
    let mut changed: BTreeMap<String, Changed> = BTreeMap::new();
    let mut refused: HashSet<(String, Fix)> = HashSet::new();
    let mut dropped = Vec::new();
    // Whether each finding is in scope, decided when it is first seen: a later pass finds its
    // lines moved. A fix may reveal findings the first check could not see (a renamed key is
    // read at last); they are decided in the pass that finds them.
    let mut in_scope: HashMap<String, bool> = HashMap::new();
    for _ in 0..MAX_PASSES {
        let outcome = check(config, &changed)?;
        for finding in outcome.findings.iter().filter(|f| f.fix.is_some()) {
            in_scope
                .entry(scope_key(finding))
                .or_insert_with(|| scope(finding, &outcome.sources));
        }
        let mut wanted: BTreeMap<&str, Vec<(&Fix, &'static str)>> = BTreeMap::new();
        for finding in &outcome.findings {
            let Some(fix) = &finding.fix else { continue };
            let Some(path) = fix_path(finding, fix, &outcome.sources) else {
                continue;
            };
            let known_refused = refused.contains(&(path.to_owned(), fix.clone()));
            if finding.suppressed.is_none()
                && mode.applies(fix.applicability)
                && !known_refused
                && in_scope.get(&scope_key(finding)) == Some(&true)
            {
                wanted.entry(path).or_default().push((fix, finding.rule.id));
            }
        }
        if wanted.is_empty() {
            return Ok(finish(config, changed, outcome, dropped, true));
        }
        let mut progress = false;
        for (path, mut fixes) in wanted {
            // Sources come in discovery order, which is sorted by path.
            let found = outcome.sources.binary_search_by(|s| (*s.path).cmp(path));
            let Some(source) = found.ok().and_then(|n| outcome.sources.get(n)) else {
                continue;
            };
            let text = source.text.as_str();
            let mut refuse = |fix: &Fix, reason: &str, dropped: &mut Vec<String>| {
                let (line, column) = source.lines.line_column(text, fix.extent().start as usize);
                dropped.push(format!("{path}:{line}:{column}: {}: {reason}", fix.title));
                refused.insert((path.to_owned(), fix.clone()));
            };
            fixes.sort_by(|(a, _), (b, _)| a.extent().cmp(&b.extent()).then_with(|| a.edits.cmp(&b.edits)));
            fixes.dedup_by(|(a, _), (b, _)| a == b);
            let mut apart: Vec<(&Fix, &'static str)> = Vec::new();
            for (fix, rule) in fixes {
                if apart
                    .last()
                    .is_none_or(|(last, _)| last.extent().end < fix.extent().start)
                {
                    apart.push((fix, rule));
                }
            }
            let problems = parse_problems(path, text);
            let all_at_once = apply_fixes(text, apart.iter().map(|(fix, _)| *fix));
            let (after, applied) = if parse_problems(path, &all_at_once) <= problems {
                (all_at_once, apart)
            } else {
                // One by one, from the last back, so the spans of the ones before stay valid.
                let mut after = text.to_owned();
                let mut applied = Vec::new();
                for (fix, rule) in apart.into_iter().rev() {
                    let candidate = apply_edits(&after, &fix.edits);
                    if parse_problems(path, &candidate) <= problems {
                        after = candidate;
                        applied.push((fix, rule));
                    } else {
                        refuse(fix, "the file would no longer parse", &mut dropped);
                    }
                }
                applied.reverse();
                (after, applied)
            };
            if !applied.is_empty() {
                progress = true;
                let entry = changed.entry(path.to_owned()).or_insert_with(|| Changed {
                    before: text.to_owned(),
                    after: String::new(),
                    applied: Vec::new(),
                    passes: Vec::new(),
                });
                for (fix, rule) in &applied {
                    let extent = fix.extent();
                    let original = Span::new(
                        entry.original_offset(extent.start as usize),
                        entry.original_offset(extent.end as usize),
                    );
                    entry.applied.push(AppliedFix {
                        rule,
                        title: fix.title.clone(),
                        applicability: fix.applicability,
                        original,
                    });
                }
                entry.after = after;
                entry.passes.push(
                    applied
                        .iter()
                        .flat_map(|(fix, _)| fix.edits.iter().cloned())
                        .collect(),
                );
            }
        }
        if !progress {
            return Ok(finish(config, changed, outcome, dropped, true));
        }
    }
    let outcome = check(config, &changed)?;
    let settled = !outcome.findings.iter().any(|f| {
        f.fix.as_ref().is_some_and(|fix| {
            let path = fix_path(f, fix, &outcome.sources).unwrap_or_default();
            mode.applies(fix.applicability)
                && !refused.contains(&(path.to_owned(), fix.clone()))
                && in_scope.get(&scope_key(f)).is_none_or(|in_scope| *in_scope)
        })
    });
    Ok(finish(config, changed, outcome, dropped, settled))
}

/// The path of the file a finding's fix edits: the finding's own, or the one the fix names.
fn fix_path<'a>(finding: &'a Finding, fix: &Fix, sources: &'a [Arc<SourceFile>]) -> Option<&'a str> {
    match fix.file {
        None => Some(&finding.path),
        Some(file) => sources.get(file.0 as usize).map(|source| &*source.path),
    }
}

/// Checks the files, with the changed ones read as they are now.
fn check(config: &Config, changed: &BTreeMap<String, Changed>) -> Result<Outcome, RunError> {
    let mut config = config.clone();
    config
        .contents
        .extend(changed.iter().map(|(path, c)| (path.clone(), c.after.clone())));
    crate::engine::run(&config)
}

fn finish(
    config: &Config,
    changed: BTreeMap<String, Changed>,
    outcome: Outcome,
    dropped: Vec<String>,
    settled: bool,
) -> Fixed {
    let files = changed
        .into_iter()
        .filter(|(_, c)| c.before != c.after)
        .map(|(path, mut c)| {
            c.applied
                .sort_by_key(|fix| (fix.original.start, fix.original.end));
            FixedFile {
                disk: config.root.join(&path),
                path,
                before: c.before,
                after: c.after,
                applied: c.applied,
            }
        })
        .collect();
    Fixed {
        files,
        outcome,
        dropped,
        settled,
    }
}

/// How many problems parsing the text reports, as the file at `path` (YAML or Dockerfile).
fn parse_problems(path: &str, text: &str) -> usize {
    let kind = crate::discover::classify(Path::new(path));
    let loaded = load::from_bytes(path, kind, text.as_bytes().to_vec());
    let arena = crate::parse::yaml::Arena::new();
    load::parse(FileId(0), &loaded, &arena).problems.len()
}

/// The text with every edit of non-overlapping fixes applied.
fn apply_fixes<'f>(text: &str, fixes: impl Iterator<Item = &'f Fix>) -> String {
    let edits: Vec<Edit> = fixes.flat_map(|fix| fix.edits.iter().cloned()).collect();
    apply_edits(text, &edits)
}

/// The text with the edits applied; they are sorted and do not overlap.
pub(crate) fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.content.len()).sum::<usize>());
    let mut from = 0;
    for edit in edits {
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        out.push_str(text.get(from..start).unwrap_or_default());
        out.push_str(&edit.content);
        from = end.max(from);
    }
    out.push_str(text.get(from..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_after_edits_map_back_to_the_text_before_them() {
        let text = "a: 1\nb: 2\nc: 3\n";
        let edits = vec![Edit::insert(5, "x: 0\n"), Edit::replace(Span::new(8, 9), "22")];
        let after = apply_edits(text, &edits);
        assert_eq!(after, "a: 1\nx: 0\nb: 22\nc: 3\n");
        assert_eq!(offset_before(0, &edits), 0);
        assert_eq!(offset_before(7, &edits), 5, "inside the insertion");
        assert_eq!(offset_before(10, &edits), 5, "`b` moved down by the insertion");
        assert_eq!(offset_before(13, &edits), 8, "inside the replacement");
        assert_eq!(offset_before(16, &edits), 10, "`c` after both");
        assert_eq!(offset_before(after.len(), &edits), text.len());
    }
}
