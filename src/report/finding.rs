//! Findings as reporters see them: located by path, line and column, sorted and fingerprinted.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::rules::{ObjectRef, RawFinding, RuleMeta, Severity};
use crate::source::escape::{escape_controls, escape_controls_owned};
use crate::source::{Region, SourceFile, Span};

/// A related location shown beside the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLocation {
    /// Path relative to the scan root.
    pub path: Arc<str>,
    /// Where.
    pub region: Region,
    /// What it is.
    pub label: String,
}

/// One located finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule.
    pub rule: &'static RuleMeta,
    /// Severity in force.
    pub severity: Severity,
    /// Path relative to the scan root.
    pub path: Arc<str>,
    /// Where, 1-based, columns in code points.
    pub region: Region,
    /// Byte span in the file, for snippets.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to change.
    /// Borrowed where the rule's text is fixed: many findings share it.
    pub help: Cow<'static, str>,
    /// The object it is about.
    pub object: Option<ObjectRef>,
    /// Other places involved.
    pub related: Vec<RelatedLocation>,
    /// Stable across line shifts: rule, path, object (or message), and occurrence.
    pub fingerprint: String,
    /// Spans of the file that hold a secret, which output must not echo.
    pub secrets: Vec<Span>,
    /// Set when a suppression silences the finding: the reason it gives (maybe empty).
    pub suppressed: Option<String>,
    /// The edits that resolve it, in its file.
    pub fix: Option<crate::fix::Fix>,
}

/// Locates raw findings, sorts them and gives each a fingerprint.
pub fn resolve(mut raw: Vec<RawFinding>, sources: &[Arc<SourceFile>]) -> Vec<Finding> {
    let source = |file: crate::source::FileId| sources.get(file.0 as usize);
    raw.retain(|r| source(r.file).is_some());
    // Each finding is located into its own place in one list: gathered from the workers' own
    // lists instead, they would be copied as those grow and again when joined.
    let mut findings: Vec<Finding> = Vec::new();
    raw.into_par_iter()
        .map_init(FixedTextSeen::default, |fixed_seen, r| {
            let file = &sources[r.file.0 as usize];
            let related = r
                .related
                .iter()
                .filter_map(|(id, span, label)| {
                    let other = source(*id)?;
                    Some(RelatedLocation {
                        path: other.path.clone(),
                        region: other.locate(*span),
                        label: escape_controls(label, false).into_owned(),
                    })
                })
                .collect();
            let fingerprint = fingerprint(r.rule.id, &file.path, r.object.as_ref(), file.slice(r.span));
            Finding {
                rule: r.rule,
                severity: r.severity.unwrap_or(r.rule.severity),
                path: file.path.clone(),
                region: file.locate(r.span),
                span: r.span,
                // Names and values from the files reach terminals and CI logs: no control
                // character of theirs gets through raw.
                help: fixed_seen.escaped(r.help.unwrap_or_else(|| r.rule.summary_text())),
                message: bounded(escape_controls_owned(
                    with_left_out(r.message, r.related_left_out),
                    false,
                )),
                object: r.object.map(ObjectRef::printable),
                related,
                fingerprint,
                secrets: r.secrets,
                suppressed: None,
                fix: r.fix.map(|fix| crate::fix::Fix {
                    title: escape_controls_owned(fix.title, false),
                    ..fix
                }),
            }
        })
        .collect_into_vec(&mut findings);
    sort(&mut findings);
    findings.dedup_by(|a, b| {
        a.path == b.path && a.region == b.region && a.rule.id == b.rule.id && a.message == b.message
    });
    number_occurrences(&mut findings);
    findings
}

/// The message, saying how many related places it does not list.
fn with_left_out(mut message: String, left_out: usize) -> String {
    if left_out > 0 {
        use std::fmt::Write;
        let places = if left_out == 1 { "place" } else { "places" };
        let _ = write!(message, " ({left_out} more related {places} not listed)");
    }
    message
}

/// Longest message kept whole, in characters. Messages quote names and text of the files, which
/// a hostile file can make as long as it likes (a `FROM` line of 20 KB); the longest a real one
/// gives is a few hundred characters (two names of 253).
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// The message, its middle left out when it is longer than [`MAX_MESSAGE_CHARS`]: it keeps the
/// start, which names the object, and the end, which says what to change.
fn bounded(message: String) -> String {
    const HEAD: usize = 600;
    const TAIL: usize = 300;
    // A message of no more bytes than the cap has no more characters either.
    if message.len() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let length = message.chars().count();
    if length <= MAX_MESSAGE_CHARS {
        return message;
    }
    let byte_at = |chars: usize| {
        message
            .char_indices()
            .nth(chars)
            .map_or(message.len(), |(i, _)| i)
    };
    let (head_end, tail_start) = (byte_at(HEAD), byte_at(length - TAIL));
    format!(
        "{} … ({} characters left out) … {}",
        &message[..head_end],
        length - HEAD - TAIL,
        &message[tail_start..]
    )
}

/// The fixed texts found with nothing to escape, kept for each piece of work rayon splits off.
/// Most findings share the fixed help text of their rule, and the findings of a file alternate
/// between rules: each text is read once per piece of work, not once per finding.
#[derive(Default)]
struct FixedTextSeen(foldhash::HashSet<(usize, usize)>);

impl FixedTextSeen {
    /// The text with control characters escaped, borrowed still where it has none.
    fn escaped(&mut self, text: Cow<'static, str>) -> Cow<'static, str> {
        match text {
            Cow::Borrowed(text) => {
                // The same address and length: the same unchanging text.
                let identity = (text.as_ptr() as usize, text.len());
                if self.0.contains(&identity) {
                    return Cow::Borrowed(text);
                }
                let escaped = escape_controls(text, true);
                if matches!(escaped, Cow::Borrowed(_)) {
                    self.0.insert(identity);
                }
                escaped
            }
            Cow::Owned(text) => Cow::Owned(escape_controls_owned(text, true)),
        }
    }
}

/// Sorts findings by path, line, column, rule id and message, as every report shows them;
/// findings that compare equal keep their order.
///
/// A finding is a few hundred bytes, and comparing two reads their paths: small keys are
/// sorted instead, the findings read only where those tie, and each finding is then swapped
/// into its place, where a merge sort of the findings moves every one at each of its levels.
pub fn sort(findings: &mut [Finding]) {
    let ranks = path_ranks(findings);
    let mut keys: Vec<SortKey> = findings
        .iter()
        .zip(ranks)
        .enumerate()
        .map(|(at, (finding, path_rank))| SortKey {
            path_rank,
            line: finding.region.start_line,
            column: finding.region.start_column,
            at,
        })
        .collect();
    keys.par_sort_unstable_by(|a, b| {
        (a.path_rank, a.line, a.column)
            .cmp(&(b.path_rank, b.line, b.column))
            .then_with(|| {
                let (x, y) = (&findings[a.at], &findings[b.at]);
                (x.rule.id, &x.message).cmp(&(y.rule.id, &y.message))
            })
            .then(a.at.cmp(&b.at))
    });
    let mut source_of: Vec<usize> = keys.into_iter().map(|key| key.at).collect();
    // `source_of[k]` is where the finding that belongs at `k` is now. Each cycle is followed
    // once from its first index; an index that holds its finding points at itself.
    for start in 0..source_of.len() {
        let mut target = start;
        loop {
            let source = source_of[target];
            source_of[target] = target;
            if source == start {
                break;
            }
            findings.swap(target, source);
            target = source;
        }
    }
}

/// What [`sort`] sorts for a finding: its path's rank, its line and column, and where it is.
struct SortKey {
    path_rank: u32,
    line: u32,
    column: u32,
    at: usize,
}

/// The rank of each finding's path among the findings' paths in order; equal paths share one.
fn path_ranks(findings: &[Finding]) -> Vec<u32> {
    // Findings of one file share its path (one allocation, mostly), and mostly lie side by side.
    let mut distinct: Vec<&str> = Vec::new();
    let mut distinct_by_pointer: foldhash::HashMap<*const u8, u32> = foldhash::HashMap::default();
    let mut last: Option<(*const u8, u32)> = None;
    let mut distinct_of_findings = Vec::with_capacity(findings.len());
    for finding in findings {
        let pointer = Arc::as_ptr(&finding.path).cast::<u8>();
        let number = match last {
            Some((seen, number)) if seen == pointer => number,
            _ => *distinct_by_pointer.entry(pointer).or_insert_with(|| {
                distinct.push(&finding.path);
                (distinct.len() - 1) as u32
            }),
        };
        last = Some((pointer, number));
        distinct_of_findings.push(number);
    }
    let mut in_path_order: Vec<u32> = (0..distinct.len() as u32).collect();
    in_path_order.sort_unstable_by_key(|&number| distinct[number as usize]);
    let mut rank_of_distinct = vec![0u32; distinct.len()];
    let mut previous: Option<&str> = None;
    let mut rank = 0;
    for number in in_path_order {
        let path = distinct[number as usize];
        if previous.is_some_and(|before| before != path) {
            rank += 1;
        }
        previous = Some(path);
        rank_of_distinct[number as usize] = rank;
    }
    distinct_of_findings
        .into_iter()
        .map(|number| rank_of_distinct[number as usize])
        .collect()
}

/// A hash of what the finding is about, never of its line or its wording: the rule, the file,
/// the object, and the source text under the span (a container's `name: server`, a `FROM` line).
fn fingerprint(rule: &str, path: &str, object: Option<&ObjectRef>, text: &str) -> String {
    let mut hash = Fnv1a::new();
    hash.part(rule.as_bytes());
    hash.part(path.as_bytes());
    if let Some(o) = object {
        hash.write(o.kind.as_bytes());
        hash.write(b"/");
        hash.write(o.namespace.as_deref().unwrap_or("").as_bytes());
        hash.write(b"/");
        hash.write(o.name.as_deref().unwrap_or("").as_bytes());
    }
    hash.end();
    hash.words(text, 200);
    hash.end();
    // Sixteen hexadecimal digits, written by hand (the formatting machinery cost more than the
    // hash), with room for the occurrence number appended later (`:1`).
    let mut text = String::with_capacity(24);
    for digit in (0..16).rev() {
        text.push(char::from(
            b"0123456789abcdef"[(hash.0 >> (digit * 4)) as usize & 0xf],
        ));
    }
    text
}

/// Appends `:n` so that identical fingerprints (the same text twice in a file) stay distinct.
/// A fingerprint hashes its path, so findings of two files share one only when their 64-bit
/// hashes collide (odds of about n²/2⁶⁵): the files, each a run of the sorted findings, are
/// numbered apart and in parallel.
fn number_occurrences(findings: &mut [Finding]) {
    findings
        .par_chunk_by_mut(|a, b| a.path == b.path)
        .for_each(|file| {
            let mut seen: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
            let occurrences: Vec<u32> = file
                .iter()
                .map(|finding| {
                    let occurrence = seen.entry(finding.fingerprint.as_str()).or_insert(0);
                    *occurrence += 1;
                    *occurrence
                })
                .collect();
            for (finding, occurrence) in file.iter_mut().zip(occurrences) {
                use std::fmt::Write;
                let _ = write!(finding.fingerprint, ":{occurrence}");
            }
        });
}

/// 64-bit FNV-1a over the parts of a fingerprint, each ended by a zero byte, fed as they are
/// read rather than joined first.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The end of a part.
    fn end(&mut self) {
        self.write(&[0]);
    }

    /// A whole part.
    fn part(&mut self, bytes: &[u8]) {
        self.write(bytes);
        self.end();
    }

    /// The first `limit` characters of `text`'s words joined by single spaces, read no further
    /// than they need (a finding's span may hold a whole object).
    fn words(&mut self, text: &str, limit: usize) {
        let mut left = limit;
        for (n, word) in text.split_whitespace().enumerate() {
            for c in (n > 0).then_some(' ').into_iter().chain(word.chars()) {
                if left == 0 {
                    return;
                }
                self.write(c.encode_utf8(&mut [0; 4]).as_bytes());
                left -= 1;
            }
        }
    }
}

/// Counts by severity: (errors, warnings, notes), suppressed findings left out.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .fold((0, 0, 0), |(e, w, n), f| match f.severity {
            Severity::Error => (e + 1, w, n),
            Severity::Warning => (e, w + 1, n),
            Severity::Note => (e, w, n + 1),
        })
}

/// The JSON shape of a finding (documented in the README; fields are only ever added).
#[derive(Serialize)]
pub(crate) struct JsonFinding<'a> {
    pub rule: &'a str,
    pub name: &'a str,
    pub severity: Severity,
    pub path: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: &'a str,
    pub help: &'a str,
    pub guideline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<&'a ObjectRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated<'a>>,
    pub fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<JsonSuppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
pub(crate) struct JsonFix<'a> {
    pub applicability: crate::fix::Applicability,
    pub message: &'a str,
    /// The file the edits go to, when it is not the finding's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
    pub edits: Vec<JsonEdit<'a>>,
}

/// An edit by position: the text from (line, column) to (end_line, end_column) becomes `content`.
#[derive(Serialize)]
pub(crate) struct JsonEdit<'a> {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub content: &'a str,
}

#[derive(Serialize)]
pub(crate) struct JsonSuppression<'a> {
    pub reason: &'a str,
}

#[derive(Serialize)]
pub(crate) struct JsonRelated<'a> {
    pub path: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub label: &'a str,
}

impl Finding {
    /// The finding as the JSON report writes it; `source` is its file, where its fix's edits
    /// are located.
    /// The finding as JSON; `fix_source` is the file its fix edits.
    pub(crate) fn to_json<'a>(&'a self, fix_source: Option<&'a SourceFile>) -> JsonFinding<'a> {
        JsonFinding {
            rule: self.rule.id,
            name: self.rule.name,
            severity: self.severity,
            path: &self.path,
            line: self.region.start_line,
            column: self.region.start_column,
            end_line: self.region.end_line,
            end_column: self.region.end_column,
            message: &self.message,
            help: &self.help,
            guideline: self.rule.guideline,
            object: self.object.as_ref(),
            related: self
                .related
                .iter()
                .map(|r| JsonRelated {
                    path: &r.path,
                    line: r.region.start_line,
                    column: r.region.start_column,
                    end_line: r.region.end_line,
                    end_column: r.region.end_column,
                    label: &r.label,
                })
                .collect(),
            fingerprint: &self.fingerprint,
            suppressed: self
                .suppressed
                .as_deref()
                .map(|reason| JsonSuppression { reason }),
            fix: self.fix.as_ref().zip(fix_source).map(|(fix, source)| JsonFix {
                applicability: fix.applicability,
                message: &fix.title,
                path: fix.file.map(|_| &*source.path),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| {
                        let region = source.locate(edit.span);
                        JsonEdit {
                            line: region.start_line,
                            column: region.start_column,
                            end_line: region.end_line,
                            end_column: region.end_column,
                            content: &edit.content,
                        }
                    })
                    .collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Findings, MAX_RELATED, registry};
    use crate::source::FileId;

    #[test]
    fn related_places_past_the_cap_are_counted_in_the_message() {
        let sources = [Arc::new(SourceFile::new("a.yaml", "kind: Service\n".repeat(20)))];
        let mut out = Findings::new(registry::parse_error(), FileId(0));
        let finding = out.report(Span::new(0, 4), "a finding");
        for line in 0..MAX_RELATED + 3 {
            finding.related(FileId(0), Span::new(line * 14, line * 14 + 4), "a place");
        }
        let resolved = resolve(out.into_vec(), &sources);
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].related.len(), MAX_RELATED);
        assert_eq!(
            resolved[0].related[MAX_RELATED - 1].region.start_line,
            MAX_RELATED as u32
        );
        assert_eq!(
            resolved[0].message,
            "a finding (3 more related places not listed)"
        );
    }

    #[test]
    fn a_message_past_the_cap_keeps_its_start_and_end() {
        let short = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(bounded(short.clone()), short);
        let long = format!("stage `{}` runs as root; add USER", "é".repeat(5_000));
        let kept = bounded(long);
        assert!(kept.starts_with("stage `éé"), "{kept}");
        assert!(kept.ends_with("éé` runs as root; add USER"), "{kept}");
        assert!(kept.contains(" … (4131 characters left out) … "), "{kept}");
        assert!(kept.chars().count() < MAX_MESSAGE_CHARS);
    }

    #[test]
    fn findings_sort_by_path_line_column_rule_and_message_and_number_their_repeats_per_file() {
        // Two files whose texts repeat, read under paths out of order; `b.yaml` twice, as two
        // sources, so that equal paths are not always one allocation.
        let text = "kind: Service\nkind: Service\n";
        let sources = [
            Arc::new(SourceFile::new("b.yaml", text.to_owned())),
            Arc::new(SourceFile::new("a.yaml", text.to_owned())),
            Arc::new(SourceFile::new("b.yaml", text.to_owned())),
        ];
        let mut raw = Vec::new();
        for (file, at, message) in [
            (0, 14, "second line"),
            (2, 0, "z: first line, later message"),
            (1, 14, "second line"),
            (0, 0, "a: first line"),
            (1, 0, "first line"),
            (2, 0, "a: first line"),
        ] {
            let mut out = Findings::new(registry::parse_error(), FileId(file));
            out.report(Span::new(at, at + 4), message);
            raw.extend(out.into_vec());
        }
        let resolved = resolve(raw, &sources);
        let seen: Vec<(&str, u32, &str)> = resolved
            .iter()
            .map(|f| (&*f.path, f.region.start_line, f.message.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("a.yaml", 1, "first line"),
                ("a.yaml", 2, "second line"),
                ("b.yaml", 1, "a: first line"),
                ("b.yaml", 1, "z: first line, later message"),
                ("b.yaml", 2, "second line"),
            ],
            "the second `a: first line` of b.yaml is the same finding, kept once"
        );
        // The text under each span is `kind`, so a file's findings on its two lines share a
        // fingerprint, numbered in order within the file and afresh in the next.
        let occurrences: Vec<&str> = resolved
            .iter()
            .map(|f| f.fingerprint.rsplit(':').next().unwrap_or_default())
            .collect();
        assert_eq!(occurrences, ["1", "2", "1", "2", "3"]);
        assert_eq!(resolved[0].fingerprint.len(), "0123456789abcdef:1".len());
        assert_ne!(resolved[0].fingerprint, resolved[2].fingerprint);
    }
}
