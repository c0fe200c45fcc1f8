//! `--format human`: diagnostics with the source snippet, the label and the help.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::Report;
use super::finding::Finding;
use crate::rules::Severity;
use crate::source::escape::blank_controls;

/// Renders every finding; `color` picks the themed or the plain ASCII-free output.
pub fn render(report: &Report<'_>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    // A finding about a secret shows only its own line, with the secret starred out: a CI log
    // must not repeat what the finding warns about.
    let guarded = handler.clone().with_context_lines(0);
    let mut out = String::new();
    // Snippets show the file's text with its control characters blanked, span for span; the
    // findings come sorted by file, so each file is blanked once.
    let mut current: Option<(&str, std::borrow::Cow<'_, str>)> = None;
    for finding in report.findings {
        if current.as_ref().is_none_or(|(path, _)| *path != &*finding.path) {
            let text = report.source_text(&finding.path).unwrap_or("");
            current = Some((&finding.path, blank_controls(text)));
        }
        let blanked = current.as_ref().map_or("", |(_, text)| text.as_ref());
        let masked;
        let (text, handler) = if finding.secrets.is_empty() {
            (blanked, &handler)
        } else {
            masked = mask(blanked, &finding.secrets);
            (masked.as_str(), &guarded)
        };
        let shown = Shown {
            finding,
            source: Named {
                name: &finding.path,
                text,
            },
        };
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&format!(
                "{}:{}:{}: {}\n",
                finding.path, finding.region.start_line, finding.region.start_column, finding.message
            ));
        }
        out.push('\n');
    }
    out
}

/// The text with the characters of the `secrets` spans replaced by `*` (line breaks kept).
fn mask(text: &str, secrets: &[crate::source::Span]) -> String {
    let mut out = String::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        let inside = secrets.iter().any(|span| span.range().contains(&offset));
        // One byte per masked character would shift later offsets, so pad to the same width.
        if inside && !matches!(c, '\n' | '\r') {
            out.extend(std::iter::repeat_n('*', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
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
    format!(
        "mslint: {} checked ({} skipped{context}), {}, {}, {}{suppressed} in {:.2}s",
        plural(report.files_checked, "file"),
        report.files_skipped,
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note"),
        elapsed.as_secs_f64()
    )
}

struct Named<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for Named<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

struct Shown<'a> {
    finding: &'a Finding,
    source: Named<'a>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
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
        Some(Box::new(format!(
            "{}\nguideline: {}{suppressed}",
            self.finding.help, self.finding.rule.guideline
        )))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.source.text.is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.text.is_empty() {
            return None;
        }
        let span = self.finding.span;
        let label = LabeledSpan::new_primary_with_span(
            Some(self.finding.rule.name.to_owned()),
            SourceSpan::new((span.start as usize).into(), (span.end - span.start) as usize),
        );
        Some(Box::new(std::iter::once(label)))
    }
}
