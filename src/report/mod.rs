//! Reporters: one file per output format. They see findings and rule metadata, nothing else.

pub mod compliance;
pub mod excerpt;
pub mod finding;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
mod json_out;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;

use crate::rules::RuleMeta;
use crate::source::SourceFile;
use finding::Finding;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Diagnostics with source snippets.
    Human,
    /// A JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
    /// Code Climate issues for GitLab's code quality report.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// The compliance report in Markdown.
    Markdown,
    /// The compliance report as one self-contained HTML page.
    Html,
}

/// What a reporter renders.
pub struct Report<'a> {
    /// Sorted findings.
    pub findings: &'a [Finding],
    /// The rules of the run, for SARIF's `rules[]`.
    pub rules: &'a [&'static RuleMeta],
    /// Files read, for snippets.
    pub sources: &'a [Arc<SourceFile>],
    /// Files that held something to check.
    pub files_checked: usize,
    /// Files skipped.
    pub files_skipped: usize,
    /// Files read only as context for cross-file rules.
    pub context_files: usize,
    /// What the scan holds, for the compliance report.
    pub inventory: &'a compliance::Inventory,
    /// Findings suppressed by comments or annotations (left out of `findings` unless asked for).
    pub suppressed: usize,
    /// The SARIF log around its results, when it was rendered beforehand by
    /// [`sarif::log_without_results`] for these rules (it depends on nothing else): a run can
    /// render it while it scans. Rendered when the report is written otherwise.
    pub sarif_log: Option<&'a str>,
}

impl Report<'_> {
    fn source(&self, path: &str) -> Option<&SourceFile> {
        // Sources come in discovery order, which is sorted by path.
        let found = self.sources.binary_search_by(|s| (*s.path).cmp(path)).ok()?;
        self.sources.get(found).map(|s| &**s)
    }

    /// The source a finding's fix edits: the finding's own file, or the one the fix names.
    fn fix_source(&self, finding: &crate::report::finding::Finding) -> Option<&SourceFile> {
        match finding.fix.as_ref()?.file {
            None => self.source(&finding.path),
            Some(file) => self.sources.get(file.0 as usize).map(|s| &**s),
        }
    }

    /// Renders in a format; `color` applies to human output only.
    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Json | Format::Sarif | Format::Human => {
                let mut out = Vec::new();
                // Writing into memory cannot fail, and the writers emit UTF-8 only.
                let _ = self.write(format, color, &mut out);
                String::from_utf8(out).unwrap_or_default()
            }
            Format::Github => github::render(self),
            Format::Gitlab => gitlab::render(self),
            Format::Junit => junit::render(self),
            Format::Markdown => markdown::render(self),
            Format::Html => html::render(self),
        }
    }

    /// Writes the report in a format. JSON, SARIF and human output are written finding by
    /// finding, so a run with many findings never holds its whole report in memory.
    pub fn write(&self, format: Format, color: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match format {
            Format::Json => json::write(self, out),
            Format::Sarif => sarif::write(self, out),
            Format::Human => human::write(self, color, out),
            _ => out.write_all(self.render(format, color).as_bytes()),
        }
    }
}

/// How many list items are rendered at once, side by side, before they are written.
const RENDERED_AT_ONCE: usize = 2048;
/// How many items one worker renders into one buffer: a buffer is written as it is, not copied.
const ITEMS_A_BUFFER: usize = 64;
/// The buffers of one batch.
const BUFFERS_A_BATCH: usize = RENDERED_AT_ONCE.div_ceil(ITEMS_A_BUFFER);

/// `document` as [`write_json_with_list`] writes it around its list: pretty JSON with the
/// characters JSON leaves raw escaped.
fn json_skeleton(document: &impl serde::Serialize) -> serde_json::Result<String> {
    let skeleton = serde_json::to_string_pretty(document)?;
    let escaped = match crate::source::escape::escape_json(&skeleton) {
        std::borrow::Cow::Owned(escaped) => Some(escaped),
        std::borrow::Cow::Borrowed(_) => None,
    };
    Ok(escaped.unwrap_or(skeleton))
}

/// Writes `skeleton` (a document as [`json_skeleton`] renders it) and a final line break, with
/// the list under `key` (empty in it, and the first key of that name in it) holding each of
/// `items` as `write_item` writes it, compact JSON, one item a line: a report of many findings
/// stays a third smaller, and each finding is one line to grep or diff. The items are rendered
/// in parallel a batch at a time, each worker into buffers of whole lines, and written in order.
///
/// The calling thread writes while rayon's global pool renders the next batch; a worker of a
/// pool renders and writes in turn.
fn write_json_with_list<'a, T: Sync>(
    skeleton: &str,
    key: &str,
    items: &'a [T],
    write_item: impl Fn(&'a T, &mut Vec<u8>) -> serde_json::Result<()> + Sync,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // The first such text is the key: text inside a string has its quotes escaped.
    let empty_list = format!("\"{key}\": []");
    let Some(at) = skeleton.find(&empty_list) else {
        return Err(std::io::Error::other(format!("no empty `{key}` list to fill")));
    };
    let line_start = skeleton[..at].rfind('\n').map_or(0, |n| n + 1);
    // Two spaces a level, as the pretty printer indents: the items sit one level below the key.
    let depth = (at - line_start) / 2 + 1;
    let indent = |depth: usize| "  ".repeat(depth);
    let item_indent = indent(depth);
    // The skeleton and the small pieces around the list are gathered; the rendered buffers,
    // larger than this, go straight through.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    let (before, after) = skeleton.split_at(at + empty_list.len() - 1);
    buffered.write_all(before.as_bytes())?;
    let render = |batch_number: usize, batch: &'a [T], buffers: &mut [Vec<u8>]| {
        buffers
            .par_iter_mut()
            .zip(batch.par_chunks(ITEMS_A_BUFFER))
            .enumerate()
            .try_for_each(|(buffer_number, (text, chunk))| {
                text.clear();
                for (n, each) in chunk.iter().enumerate() {
                    let first = batch_number == 0 && buffer_number == 0 && n == 0;
                    text.extend_from_slice(if first { b"\n" } else { b",\n" });
                    text.extend_from_slice(item_indent.as_bytes());
                    write_item(each, text)?;
                }
                crate::source::escape::escape_json_bytes(text);
                Ok::<_, serde_json::Error>(())
            })
    };
    if rayon::current_thread_index().is_some() {
        // A worker of a pool must not wait on a thread that may wait on its pool: it renders
        // and writes in turn.
        let mut buffers = vec![Vec::new(); BUFFERS_A_BATCH];
        for (batch_number, batch) in items.chunks(RENDERED_AT_ONCE).enumerate() {
            render(batch_number, batch, &mut buffers)?;
            for text in buffers.iter().take(batch.len().div_ceil(ITEMS_A_BUFFER)) {
                buffered.write_all(text)?;
            }
        }
    } else {
        write_while_rendering(items, &render, &mut buffered)?;
    }
    if !items.is_empty() {
        buffered.write_all(format!("\n{}", indent(depth - 1)).as_bytes())?;
    }
    buffered.write_all(after.as_bytes())?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// Writes each batch of `items` as `render` fills a set of buffers with it, while the next
/// batch is rendered: writing a large report costs the system about as much as rendering it.
/// The two sets of buffers go back and forth, kept from batch to batch: fresh ones that large
/// would be mapped anew and fault their pages in every time.
fn write_while_rendering<'a, T: Sync, R>(
    items: &'a [T],
    render: &R,
    out: &mut dyn Write,
) -> std::io::Result<()>
where
    R: Fn(usize, &'a [T], &mut [Vec<u8>]) -> serde_json::Result<()> + Sync,
{
    std::thread::scope(|scope| -> std::io::Result<()> {
        let (rendered, to_write) = std::sync::mpsc::channel::<(Vec<Vec<u8>>, usize)>();
        let (written, to_fill) = std::sync::mpsc::channel::<Vec<Vec<u8>>>();
        for _ in 0..2 {
            let _ = written.send(vec![Vec::new(); BUFFERS_A_BATCH]);
        }
        let renderer = scope.spawn(move || {
            for (batch_number, batch) in items.chunks(RENDERED_AT_ONCE).enumerate() {
                // Either end closed: the writer stopped on an error of its own.
                let Ok(mut buffers) = to_fill.recv() else {
                    return Ok(());
                };
                render(batch_number, batch, &mut buffers)?;
                if rendered
                    .send((buffers, batch.len().div_ceil(ITEMS_A_BUFFER)))
                    .is_err()
                {
                    return Ok(());
                }
            }
            Ok::<_, serde_json::Error>(())
        });
        for (buffers, filled) in to_write {
            for text in buffers.iter().take(filled) {
                out.write_all(text)?;
            }
            let _ = written.send(buffers);
        }
        match renderer.join() {
            Ok(rendered) => Ok(rendered?),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Findings counted per rule, most frequent first (then by id): one line each with the count,
/// the rule id, its name and the severity in force.
pub fn statistics(findings: &[Finding]) -> String {
    let mut counts: Vec<(usize, &Finding)> = Vec::new();
    for finding in findings {
        match counts
            .iter_mut()
            .find(|(_, first)| first.rule.id == finding.rule.id)
        {
            Some((count, _)) => *count += 1,
            None => counts.push((1, finding)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.rule.id.cmp(b.1.rule.id)));
    let width = counts.first().map_or(1, |(n, _)| n.to_string().len());
    counts
        .iter()
        .map(|(count, first)| {
            format!(
                "{count:>width$}  {:<7} {} ({})\n",
                first.rule.id, first.rule.name, first.severity
            )
        })
        .collect()
}

/// Escapes text for XML and HTML attributes and content; characters XML 1.0 forbids become U+FFFD.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{ITEMS_A_BUFFER, RENDERED_AT_ONCE, escape_markup, json_skeleton, write_json_with_list};

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape_markup("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }

    #[test]
    fn a_list_written_item_by_item_holds_the_whole_document_one_item_a_line() {
        #[derive(serde::Serialize)]
        struct Outer<L> {
            before: &'static str,
            runs: [Inner<L>; 1],
            after: Vec<u8>,
        }
        #[derive(serde::Serialize)]
        struct Inner<L> {
            items: L,
            tail: Option<u8>,
        }
        let document = |items| Outer {
            before: "\"items\": [] in a string is no list",
            runs: [Inner { items, tail: None }],
            after: vec![1, 2],
        };
        for count in [
            0,
            1,
            2,
            ITEMS_A_BUFFER + 1,
            RENDERED_AT_ONCE + 1,
            3 * RENDERED_AT_ONCE + 1,
        ] {
            let items: Vec<serde_json::Value> = (0..count)
                .map(|n| serde_json::json!({ "n": n, "nested": { "list": [n, [], {}] } }))
                .collect();
            let write = || {
                let mut written = Vec::new();
                let write_item = |item, out: &mut Vec<u8>| serde_json::to_writer(out, item);
                write_json_with_list(
                    &json_skeleton(&document(Vec::new())).unwrap(),
                    "items",
                    &items,
                    write_item,
                    &mut written,
                )
                .expect("written");
                written
            };
            let written = write();
            // A worker of a pool renders and writes in turn, to the same text.
            let one_worker = rayon::ThreadPoolBuilder::new().num_threads(1).build();
            assert_eq!(
                one_worker.expect("a pool").install(write),
                written,
                "{count} items"
            );
            let text = String::from_utf8(written).expect("UTF-8");
            let read: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let whole = serde_json::to_value(document(items.clone())).expect("serialized");
            assert_eq!(read, whole, "{count} items");
            assert!(text.ends_with("}\n"));
            let lines: Vec<&str> = text
                .lines()
                .map(|line| line.trim().trim_end_matches(','))
                .collect();
            for item in &items {
                let compact = serde_json::to_string(item).expect("serialized");
                assert!(
                    lines.contains(&compact.as_str()),
                    "{compact} on a line of its own"
                );
            }
        }
    }

    #[test]
    fn a_failing_write_or_item_ends_the_list_with_its_error() {
        /// Takes `room` bytes, then fails every write.
        struct Full {
            room: usize,
        }
        impl std::io::Write for Full {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                if self.room == 0 {
                    return Err(std::io::Error::other("no room left"));
                }
                let taken = bytes.len().min(self.room);
                self.room -= taken;
                Ok(taken)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let document = serde_json::json!({ "items": [] });
        let items: Vec<usize> = (0..5 * RENDERED_AT_ONCE).collect();
        let write_number = |n: &usize, out: &mut Vec<u8>| serde_json::to_writer(out, n);
        for room in [0, 10, 40_000] {
            let failed = write_json_with_list(
                &json_skeleton(&document).unwrap(),
                "items",
                &items,
                write_number,
                &mut Full { room },
            );
            assert_eq!(failed.map_err(|e| e.to_string()), Err("no room left".to_owned()));
        }
        // An item that cannot be written, in the third batch.
        let unwritable = 2 * RENDERED_AT_ONCE + 5;
        let write_item = |n: &usize, out: &mut Vec<u8>| {
            if *n == unwritable {
                return Err(serde::ser::Error::custom("not this one"));
            }
            serde_json::to_writer(out, n)
        };
        let mut written = Vec::new();
        let failed = write_json_with_list(
            &json_skeleton(&document).unwrap(),
            "items",
            &items,
            write_item,
            &mut written,
        );
        assert_eq!(failed.map_err(|e| e.to_string()), Err("not this one".to_owned()));
        let text = String::from_utf8(written).expect("UTF-8");
        assert!(
            text.ends_with(&format!(" {}", 2 * RENDERED_AT_ONCE - 1)),
            "the two batches before it are written, and nothing after them"
        );
    }
}
