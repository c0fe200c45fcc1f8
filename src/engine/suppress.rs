//! Suppressions: `# mslint ignore=RULE reason="…"` comments (on the finding's line, or on a line
//! of their own above it), `# mslint ignore-file=RULE`, and the annotation
//! `ignore-check.mslint.io/RULE: "reason"` on an object. Each names the rules it silences, and
//! one that names no rule (MS001) or silences nothing (MS003) is itself reported.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use rayon::prelude::*;
use regex::Regex;

use super::load::{Content, Loaded, Parsed};
use crate::discover::FileKind;
use crate::report::finding::Finding;
use crate::rules::{Findings, RawFinding, registry};
use crate::source::{FileId, Span};

/// The annotation prefix of an object's suppressions.
pub const ANNOTATION_PREFIX: &str = "ignore-check.mslint.io/";

static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^#\s*mslint\s+(ignore|ignore-file)\s*=\s*([A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*)(?:\s+reason\s*=\s*"([^"]*)")?"#)
        .unwrap_or_else(|_| unreachable!("the pattern is valid"))
});

/// What a suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Findings that start on this line.
    Line(u32),
    /// The whole file.
    File,
    /// Findings inside an object (its byte span).
    Object(Span),
}

/// One suppression comment or annotation.
#[derive(Debug)]
pub struct Suppression {
    file: FileId,
    path: Arc<str>,
    /// The rule ids it names, with where each is written.
    ids: Vec<(String, Span)>,
    target: Target,
    reason: String,
}

impl Suppression {
    /// The rule ids it names, each with where it is written.
    pub fn ids(&self) -> &[(String, Span)] {
        &self.ids
    }

    /// The 1-based line whose findings it silences; `None` for a whole file or object.
    pub fn line(&self) -> Option<u32> {
        match self.target {
            Target::Line(line) => Some(line),
            Target::File | Target::Object(_) => None,
        }
    }
}

/// The suppressions written in the files reported on.
pub fn collect(
    loaded: &[Loaded],
    parsed: &[Parsed<'_>],
    is_reported: &(dyn Fn(FileId) -> bool + Sync),
) -> Vec<Suppression> {
    parsed
        .par_iter()
        .filter(|p| is_reported(p.file))
        .flat_map_iter(|file| file_suppressions(loaded, file))
        .collect()
}

/// The suppressions of one parsed file: its comments, and its objects' annotations.
fn file_suppressions(loaded: &[Loaded], file: &Parsed<'_>) -> Vec<Suppression> {
    let mut found = Vec::new();
    let Some(source) = loaded.get(file.file.0 as usize) else {
        return found;
    };
    if let Some(kind) = source.kind {
        // A document kubectl refuses is not checked: its comments suppress nothing, and are not
        // reported unused.
        let (text, _) = source.readable();
        found.extend(comments(
            file.file,
            &source.source.path,
            text,
            kind == FileKind::Dockerfile,
        ));
    }
    if let Content::Objects(objects) = &file.content {
        for object in objects {
            let annotations = object.root.path(&["metadata", "annotations"]);
            for entry in annotations.map(|a| a.entries()).unwrap_or_default() {
                let Some(id) = entry.key.as_str().and_then(|k| k.strip_prefix(ANNOTATION_PREFIX)) else {
                    continue;
                };
                found.push(Suppression {
                    file: file.file,
                    path: source.source.path.clone(),
                    ids: vec![(id.to_owned(), entry.key.span)],
                    target: Target::Object(object.root.span),
                    reason: entry.value.as_str().unwrap_or_default().to_owned(),
                });
            }
        }
    }
    found
}

/// The comment suppressions of one file's text. In YAML a comment starts at a `#` outside
/// quotes, at the line's start or after a space; in a Dockerfile only on a line of its own.
pub fn comments(file: FileId, path: &Arc<str>, text: &str, dockerfile: bool) -> Vec<Suppression> {
    let mut found = Vec::new();
    // One search over the bytes spares the line walk in the files (nearly all) with no suppression.
    if memchr::memmem::find(text.as_bytes(), b"mslint").is_none() {
        return found;
    }
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len();
            Some((start, line.trim_end_matches(['\n', '\r'])))
        })
        .collect();
    // The first line with content after the last comment of its own line, found once for a
    // run of comments (a file of nothing but suppression comments stays linear).
    let mut next_content = 0;
    for (number, (offset, line)) in lines.iter().enumerate() {
        let Some(at) = comment_start(line, dockerfile) else {
            continue;
        };
        let comment = &line[at..];
        let Some(captures) = COMMENT.captures(comment) else {
            continue;
        };
        let (Some(kind), Some(list)) = (captures.get(1), captures.get(2)) else {
            continue;
        };
        let base = offset + at;
        let mut ids = Vec::new();
        let mut cursor = list.start();
        for id in list.as_str().split(',') {
            let trimmed = id.trim();
            let start = base + cursor + (id.len() - id.trim_start().len());
            ids.push((trimmed.to_owned(), Span::new(start, start + trimmed.len())));
            cursor += id.len() + 1;
        }
        let own_line = line[..at].trim().is_empty();
        let target = if kind.as_str() == "ignore-file" {
            Target::File
        } else if own_line {
            // The next line with content, past blank lines and other comments.
            if next_content <= number {
                next_content = lines
                    .iter()
                    .enumerate()
                    .skip(number + 1)
                    .find(|(_, (_, l))| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .map_or(lines.len(), |(n, _)| n);
            }
            let next = if next_content < lines.len() {
                next_content + 1
            } else {
                number + 2
            };
            Target::Line(next as u32)
        } else {
            Target::Line(number as u32 + 1)
        };
        found.push(Suppression {
            file,
            path: path.clone(),
            ids,
            target,
            reason: captures.get(3).map_or(String::new(), |r| r.as_str().to_owned()),
        });
    }
    found
}

/// Where a line's comment starts, if it has one.
fn comment_start(line: &str, dockerfile: bool) -> Option<usize> {
    if dockerfile {
        let trimmed = line.trim_start();
        return trimmed.starts_with('#').then(|| line.len() - trimmed.len());
    }
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') if previous.is_whitespace() => return Some(at),
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            _ => {}
        }
        previous = c;
    }
    None
}

/// Marks the findings the suppressions cover (`suppressed` holds the reason), and returns the
/// MS001 findings for ids that name no rule and the MS003 findings for ids that silenced nothing,
/// judging only rules that ran (`ran`).
pub fn apply(
    findings: &mut [Finding],
    suppressions: &[Suppression],
    ran: &dyn Fn(&str) -> bool,
) -> Vec<RawFinding> {
    let mut used: Vec<Vec<bool>> = suppressions.iter().map(|s| vec![false; s.ids.len()]).collect();
    // The suppressions that may cover a finding, by its file and line: trying every one of the
    // scan on every finding made a file of many findings and comments quadratic.
    let mut on_line: HashMap<(&str, u32), Vec<usize>> = HashMap::new();
    let mut in_file: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, suppression) in suppressions.iter().enumerate() {
        match suppression.target {
            Target::Line(line) => on_line.entry((&suppression.path, line)).or_default().push(n),
            Target::File | Target::Object(_) => in_file.entry(&suppression.path).or_default().push(n),
        }
    }
    for finding in findings.iter_mut() {
        let mut candidates: Vec<usize> = [
            on_line.get(&(&*finding.path, finding.region.start_line)),
            in_file.get(&*finding.path),
        ]
        .into_iter()
        .flatten()
        .flatten()
        .copied()
        .collect();
        // The first suppression written wins, as it did when every one was tried in order.
        candidates.sort_unstable();
        for n in candidates {
            let Some(suppression) = suppressions.get(n) else {
                continue;
            };
            if !covers(suppression.target, finding) {
                continue;
            }
            if let Some(k) = suppression
                .ids
                .iter()
                .position(|(id, _)| id.eq_ignore_ascii_case(finding.rule.id))
            {
                used[n][k] = true;
                // The reason is the file's text: printed, it must hold no control character.
                let reason = crate::source::escape::escape_controls(&suppression.reason, false);
                finding.suppressed = Some(reason.into_owned());
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (suppression, used) in suppressions.iter().zip(used) {
        for ((id, span), used) in suppression.ids.iter().zip(used) {
            match registry::find(id) {
                None if ran("MS001") => {
                    let mut sink = Findings::new(registry::meta_of("MS001"), suppression.file);
                    sink.report(*span, format!("`{id}` names no mslint rule, so this suppression silences nothing"))
                        .help("name a rule id that `mslint rules` lists, e.g. `# mslint ignore=K8S014 reason=\"…\"`");
                    out.extend(sink.into_vec());
                }
                Some(rule) if !used && ran(rule.meta().id) && ran("MS003") => {
                    let mut sink = Findings::new(registry::meta_of("MS003"), suppression.file);
                    sink.report(
                        *span,
                        format!("this suppression of `{}` silences no finding", rule.meta().id),
                    )
                    .help("remove it: the finding it was written for is gone");
                    out.extend(sink.into_vec());
                }
                _ => {}
            }
        }
    }
    out
}

fn covers(target: Target, finding: &Finding) -> bool {
    match target {
        Target::Line(line) => finding.region.start_line == line,
        Target::File => true,
        Target::Object(span) => {
            span.start <= finding.span.start && finding.span.start < span.end.max(span.start + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::comment_start;

    #[test]
    fn comments_start_outside_quotes_after_a_space() {
        assert_eq!(comment_start("image: a  # mslint ignore=K8S014", false), Some(10));
        assert_eq!(comment_start("url: \"http://x/#frag\" # note", false), Some(22));
        assert_eq!(comment_start("value: a#b", false), None);
        assert_eq!(comment_start("RUN echo hi # not a comment", true), None);
        assert_eq!(comment_start("  # mslint ignore=DF004", true), Some(2));
    }
}
