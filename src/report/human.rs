//! `--format human`: diagnostics with the source snippet, the label and the help.

use std::fmt;

use rayon::prelude::*;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::Report;
use super::excerpt::Excerpt;
use super::finding::Finding;
use crate::fix::Applicability;
use crate::rules::Severity;

/// How many findings are rendered at once, side by side, before they are written.
const RENDERED_AT_ONCE: usize = 512;

/// Writes every finding; `color` picks the themed or the plain ASCII-free output. Findings are
/// rendered in parallel a batch at a time and written in order.
pub fn write(report: &Report<'_>, color: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    // A finding about a secret shows only its own line, with the secret starred out: a CI log
    // must not repeat what the finding warns about.
    let guarded = handler.clone().with_context_lines(0);
    for batch in report.findings.chunks(RENDERED_AT_ONCE) {
        let rendered: Vec<String> = batch
            .par_iter()
            .map(|finding| render_one(report, finding, &handler, &guarded))
            .collect();
        for text in rendered {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// One finding with its snippet, and the blank line after it.
fn render_one(
    report: &Report<'_>,
    finding: &Finding,
    handler: &GraphicalReportHandler,
    guarded: &GraphicalReportHandler,
) -> String {
    // Snippets show the file's text with its control characters blanked, span for span, and a
    // finding about a secret shows it starred out.
    let handler = if finding.secrets.is_empty() {
        handler
    } else {
        guarded
    };
    let excerpt = report
        .source(&finding.path)
        .filter(|source| !source.text.is_empty())
        .map(|source| Excerpt::of(source, finding.span, SNIPPET_CONTEXT, &finding.secrets));
    let diagnostic = Diagnosed {
        finding,
        source: Named {
            name: &finding.path,
            excerpt,
        },
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!(
            "{}:{}:{}: {}\n",
            finding.path, finding.region.start_line, finding.region.start_column, finding.message
        );
    }
    out.push('\n');
    out
}

/// The one-line summary: files, findings by severity, time.
pub fn summary(report: &Report<'_>, elapsed: std::time::Duration) -> String {
    let (errors, warnings, notes) = super::finding::counts(report.findings);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let context = if report.context_files > 0 {
        format!(
            ", {} of the repository read for cross-file rules",
            plural(report.context_files, "other file")
        )
    } else {
        String::new()
    };
    let suppressed = if report.suppressed > 0 {
        format!(", {} suppressed", report.suppressed)
    } else {
        String::new()
    };
    let fixable = |applicability: Applicability| {
        report
            .findings
            .iter()
            .filter(|f| {
                f.suppressed.is_none() && f.fix.as_ref().is_some_and(|x| x.applicability == applicability)
            })
            .count()
    };
    let fixable = match (fixable(Applicability::Safe), fixable(Applicability::Unsafe)) {
        (0, 0) => String::new(),
        (safe, 0) => format!("; {safe} fixable with `mslint --fix`"),
        (safe, unsafe_) => {
            format!("; {safe} fixable with `mslint --fix` ({unsafe_} more with `--unsafe-fixes`)")
        }
    };
    format!(
        "mslint: {} checked ({} skipped{context}), {}, {}, {}{suppressed} in {:.2}s{fixable}",
        plural(report.files_checked, "file"),
        report.files_skipped,
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note"),
        elapsed.as_secs_f64()
    )
}

/// Lines of context an excerpt holds around a finding: as many as the handler shows, or more.
const SNIPPET_CONTEXT: u32 = 2;

/// A finding's file as miette reads it: only the excerpt a snippet needs, answering in the
/// file's own line numbers and columns.
struct Named<'a> {
    name: &'a str,
    excerpt: Option<Excerpt>,
}

impl SourceCode for Named<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let excerpt = self.excerpt.as_ref().ok_or(MietteError::OutOfBounds)?;
        let contents = excerpt
            .text
            .as_str()
            .read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines the contents start at the span, and their column is the span's
        // (in bytes, as miette counts): the bytes a cut took from the line count too.
        let column = if context_lines_before == 0 {
            contents.column() + excerpt.shift(contents.line())
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            contents.data(),
            *contents.span(),
            contents.line() + excerpt.first_line as usize - 1,
            column,
            contents.line_count(),
        )))
    }
}

struct Diagnosed<'a> {
    finding: &'a Finding,
    source: Named<'a>,
}

impl fmt::Debug for Diagnosed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diagnosed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diagnosed<'_> {}

impl Diagnostic for Diagnosed<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{}({})",
            self.finding.rule.id, self.finding.rule.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let suppressed = match self.finding.suppressed.as_deref() {
            None => String::new(),
            Some("") => "\nsuppressed (no reason given)".to_owned(),
            Some(reason) => format!("\nsuppressed: {reason}"),
        };
        let fix = match &self.finding.fix {
            None => String::new(),
            Some(fix) if fix.applicability == Applicability::Safe => {
                format!("\nfix: {} (`mslint --fix`)", fix.title)
            }
            Some(fix) => format!("\nfix: {} (unsafe: `mslint --fix --unsafe-fixes`)", fix.title),
        };
        Some(Box::new(format!(
            "{}\nguideline: {}{fix}{suppressed}",
            self.finding.help, self.finding.rule.guideline
        )))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source
            .excerpt
            .as_ref()
            .map(|_| &self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = &self.source.excerpt.as_ref()?.span;
        let label = LabeledSpan::new_primary_with_span(
            Some(self.finding.rule.name.to_owned()),
            SourceSpan::new(span.start.into(), span.len()),
        );
        Some(Box::new(std::iter::once(label)))
    }
}
