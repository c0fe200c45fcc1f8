//! The fix loop: check, apply the fixes that do not touch each other, check the changed files
//! again, and repeat until no fix applies (within a bound), as ruff does. Edits that meet are
//! left for the next pass, when their spans are fresh.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Applicability, Edit, Fix};
use crate::engine::{Config, Outcome, RunError, load};
use crate::source::FileId;

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

/// A file the fixes changed.
#[derive(Debug, Clone)]
pub struct FixedFile {
    /// Path relative to the scan root, as reports show it.
    pub path: String,
    /// Where it is on disk.
    pub disk: PathBuf,
    pub before: String,
    pub after: String,
    /// Fixes applied to it.
    pub fixes: usize,
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
        self.files.iter().map(|f| f.fixes).sum()
    }
}

/// A file changed so far: its text on disk and now.
struct Changed {
    before: String,
    after: String,
    fixes: usize,
}

/// Runs the check and applies the fixes `mode` allows until none is left, in memory: the caller
/// writes the files or shows the diff.
pub fn fix_files(config: &Config, mode: FixMode) -> Result<Fixed, RunError> {
    let mut changed: BTreeMap<String, Changed> = BTreeMap::new();
    let mut refused: HashSet<(String, Fix)> = HashSet::new();
    let mut dropped = Vec::new();
    for _ in 0..MAX_PASSES {
        let outcome = check(config, &changed)?;
        let mut wanted: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
        for finding in &outcome.findings {
            let Some(fix) = &finding.fix else { continue };
            let known_refused = refused.contains(&(finding.path.to_string(), fix.clone()));
            if finding.suppressed.is_none() && mode.applies(fix.applicability) && !known_refused {
                wanted.entry(&finding.path).or_default().push(fix);
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
            if let Some(reason) = unfixable(path, text) {
                for fix in fixes {
                    refuse(fix, reason, &mut dropped);
                }
                continue;
            }
            fixes.sort_by(|a, b| a.extent().cmp(&b.extent()).then_with(|| a.edits.cmp(&b.edits)));
            fixes.dedup();
            let mut apart: Vec<&Fix> = Vec::new();
            for fix in fixes {
                if apart
                    .last()
                    .is_none_or(|last| last.extent().end < fix.extent().start)
                {
                    apart.push(fix);
                }
            }
            let mut after = text.to_owned();
            let mut applied = 0;
            let problems = parse_problems(path, text);
            let all_at_once = apply_fixes(text, &apart);
            if parse_problems(path, &all_at_once) <= problems {
                after = all_at_once;
                applied = apart.len();
            } else {
                // One by one, from the last back, so the spans of the ones before stay valid.
                for fix in apart.iter().rev() {
                    let candidate = apply_edits(&after, &fix.edits);
                    if parse_problems(path, &candidate) <= problems {
                        after = candidate;
                        applied += 1;
                    } else {
                        refuse(fix, "the file would no longer parse", &mut dropped);
                    }
                }
            }
            if applied > 0 {
                progress = true;
                let entry = changed.entry(path.to_owned()).or_insert_with(|| Changed {
                    before: text.to_owned(),
                    after: String::new(),
                    fixes: 0,
                });
                entry.after = after;
                entry.fixes += applied;
            }
        }
        if !progress {
            return Ok(finish(config, changed, outcome, dropped, true));
        }
    }
    let outcome = check(config, &changed)?;
    let settled = !outcome.findings.iter().any(|f| {
        f.fix.as_ref().is_some_and(|fix| {
            mode.applies(fix.applicability) && !refused.contains(&(f.path.to_string(), fix.clone()))
        })
    });
    Ok(finish(config, changed, outcome, dropped, settled))
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
        .map(|(path, c)| FixedFile {
            disk: config.root.join(&path),
            path,
            before: c.before,
            after: c.after,
            fixes: c.fixes,
        })
        .collect();
    Fixed {
        files,
        outcome,
        dropped,
        settled,
    }
}

/// Why a file's fixes are not applied: its text has template directives (the file is rendered,
/// not applied), or anchors, aliases or merge keys (an edit at an anchored node changes every
/// alias of it too).
fn unfixable(path: &str, text: &str) -> Option<&'static str> {
    let yaml = crate::discover::classify(Path::new(path)) != Some(crate::discover::FileKind::Dockerfile);
    let bytes = text.as_bytes();
    let anchored = bytes.iter().enumerate().any(|(n, &byte)| {
        let starts_token = n == 0 || matches!(bytes[n - 1], b' ' | b'\t' | b'\n' | b'[' | b'{' | b',');
        let named = bytes
            .get(n + 1)
            .is_some_and(|next| next.is_ascii_alphanumeric() || matches!(next, b'_' | b'-' | b'.'));
        matches!(byte, b'&' | b'*') && starts_token && named
    });
    if text.contains("{{") || text.contains("{%") {
        Some("the file holds template directives, so it is not fixed")
    } else if yaml && (anchored || text.contains("<<:")) {
        Some(
            "the file holds YAML anchors, aliases or merge keys, so an edit could change more than this finding",
        )
    } else {
        None
    }
}

/// How many problems parsing the text reports, as the file at `path` (YAML or Dockerfile).
fn parse_problems(path: &str, text: &str) -> usize {
    let kind = crate::discover::classify(Path::new(path));
    let loaded = load::from_bytes(path, kind, text.as_bytes().to_vec());
    load::parse(FileId(0), &loaded).problems.len()
}

/// The text with every edit of non-overlapping fixes applied.
fn apply_fixes(text: &str, fixes: &[&Fix]) -> String {
    let edits: Vec<Edit> = fixes.iter().flat_map(|fix| fix.edits.iter().cloned()).collect();
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
