//! Reporters: one file per output format. They see findings and rule metadata, nothing else.

pub mod compliance;
pub mod excerpt;
pub mod finding;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::sync::Arc;

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
}

impl Report<'_> {
    fn source(&self, path: &str) -> Option<&SourceFile> {
        // Sources come in discovery order, which is sorted by path.
        let found = self.sources.binary_search_by(|s| (*s.path).cmp(path)).ok()?;
        self.sources.get(found).map(|s| &**s)
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

/// Serializes what an iterator yields as a sequence, one item at a time, without collecting it.
struct Streamed<I>(std::cell::Cell<Option<I>>);

impl<I> Streamed<I> {
    fn new(items: I) -> Self {
        Streamed(std::cell::Cell::new(Some(items)))
    }
}

impl<I> serde::Serialize for Streamed<I>
where
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Serialized once: a report is written once.
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// Writes a value as pretty JSON and a final line break.
fn write_json(value: &impl serde::Serialize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
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
    use super::escape_markup;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape_markup("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
