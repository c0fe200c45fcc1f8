//! The part of a file a snippet shows: the lines around a finding, found through the file's
//! line index rather than by reading the file from its top for every finding, with a long line
//! cut to the part around the finding and a long span cut short. A report on a minified 20 MB
//! JSON file, where every finding sits on the one line, stays as short and quick as any other.

use std::borrow::Cow;
use std::ops::Range;

use crate::source::escape::blank_controls;
use crate::source::{SourceFile, Span};

/// Longest line (in bytes) a snippet shows whole; a longer one shows the part around the
/// finding, with `…` where it was cut.
pub const MAX_SNIPPET_LINE: usize = 400;
/// Most lines of one finding's span a snippet shows; the rest of the span is left out.
pub const MAX_SNIPPET_LINES: u32 = 20;
/// Bytes kept before a finding on a line that is cut.
const LEAD: usize = 80;
const CUT: &str = "…";

/// What a snippet shows of a file, with the finding's place in it.
#[derive(Debug)]
pub struct Excerpt {
    /// The lines shown, line breaks included.
    pub text: String,
    /// The 1-based line number of the first line shown.
    pub first_line: u32,
    /// The lines (1-based) the finding's span covers, as far as they are shown.
    pub span_lines: std::ops::RangeInclusive<u32>,
    /// Where the finding's span is in `text`.
    pub span: Range<usize>,
    /// For each line shown, the bytes its start lost to a cut (less the `…` written there), so
    /// that a column in `text` plus this is the column in the file.
    shifts: Vec<usize>,
}

impl Excerpt {
    /// The lines of `source` around `span`, `context` lines on each side, with control
    /// characters blanked and the `secrets` starred out (each kept to its width in bytes, so
    /// offsets stay put): a snippet reaches terminals, CI logs and browsers.
    pub fn of(source: &SourceFile, span: Span, context: u32, secrets: &[Span]) -> Excerpt {
        let text = source.text.as_str();
        let lines = &source.lines;
        let start = (span.start as usize).min(text.len());
        let end = (span.end as usize).clamp(start, text.len());
        let first = lines.line_column(text, start).0;
        let last = lines.line_column(text, end).0.min(first + MAX_SNIPPET_LINES - 1);
        let from = first.saturating_sub(context).max(1);
        let to = last.saturating_add(context).min(lines.line_count() as u32);
        let mut excerpt = Excerpt {
            text: String::new(),
            first_line: from,
            span_lines: first..=last,
            span: 0..0,
            shifts: Vec::new(),
        };
        let (mut mapped_start, mut mapped_end) = (None, None);
        for number in from..=to {
            let content = lines.line_range(text, number as usize);
            let next = if (number as usize) < lines.line_count() {
                lines.line_start(number as usize + 1)
            } else {
                text.len()
            };
            // The part of the span on this line decides which part of a long line is kept; a
            // line kept whole keeps its line break with it, byte for byte.
            let kept = kept_part(text, content.clone(), start.clamp(content.start, content.end));
            let cut_before = kept.start > content.start;
            let cut_after = kept.end < content.end;
            let shown_end = if cut_after { kept.end } else { next };
            let base = excerpt.text.len() + if cut_before { CUT.len() } else { 0 };
            let map = |offset: usize| base + offset.clamp(kept.start, shown_end) - kept.start;
            if number == first {
                mapped_start = Some(map(start));
            }
            if number <= last {
                // The span ends on this line, or goes on past the last line shown: then the
                // label ends with that line's text, not on the lines shown after it.
                mapped_end = Some(map(if end > next { kept.end } else { end }));
            }
            if cut_before {
                excerpt.text.push_str(CUT);
            }
            excerpt.text.push_str(&shown(text, kept.clone(), secrets));
            if cut_after {
                excerpt.text.push_str(CUT);
            }
            excerpt.text.push_str(&shown_break(&text[content.end..next]));
            let lost = kept.start - content.start;
            excerpt
                .shifts
                .push(lost.saturating_sub(if cut_before { CUT.len() } else { 0 }));
        }
        let mapped_start = mapped_start.unwrap_or(0);
        excerpt.span = mapped_start..mapped_end.unwrap_or(mapped_start).max(mapped_start);
        excerpt
    }

    /// The bytes the start of a line shown (0-based within the excerpt) lost to a cut.
    pub fn shift(&self, line: usize) -> usize {
        self.shifts.get(line).copied().unwrap_or(0)
    }
}

/// A part of the text as a snippet shows it.
fn shown<'t>(text: &'t str, range: Range<usize>, secrets: &[Span]) -> Cow<'t, str> {
    let part = text.get(range.clone()).unwrap_or("");
    let blanked = blank_controls(part, range.start == 0);
    let secret = |offset: usize| {
        secrets
            .iter()
            .any(|s| s.range().contains(&(range.start + offset)))
    };
    if !blanked.char_indices().any(|(i, _)| secret(i)) {
        return blanked;
    }
    let mut out = String::with_capacity(blanked.len());
    for (offset, c) in blanked.char_indices() {
        // One byte per masked character would shift later offsets, so pad to the same width.
        if secret(offset) && !matches!(c, '\n' | '\r') {
            out.extend(std::iter::repeat_n('*', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A line break as a snippet shows it: a carriage return that ends a line on its own (old Mac
/// line ends) becomes a line feed, as it ends the line in the file's line numbers.
fn shown_break(line_break: &str) -> Cow<'_, str> {
    match line_break {
        "\r" => Cow::Borrowed("\n"),
        other => blank_controls(other, false),
    }
}

/// The part of the line `content` a snippet keeps: all of a short line, else about
/// [`MAX_SNIPPET_LINE`] bytes starting a little before `focus`, on character boundaries.
fn kept_part(text: &str, content: Range<usize>, focus: usize) -> Range<usize> {
    if content.len() <= MAX_SNIPPET_LINE {
        return content;
    }
    // A cut leaves out at least LEAD bytes, more than the `…` written in their place.
    let mut start = if focus - content.start <= 2 * LEAD {
        content.start
    } else {
        focus - LEAD
    };
    let mut end = (start + MAX_SNIPPET_LINE).min(content.end);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, needle: &str, context: u32) -> Excerpt {
        let source = SourceFile::new("f", text.to_owned());
        let at = text.find(needle).unwrap();
        Excerpt::of(&source, Span::new(at, at + needle.len()), context, &[])
    }

    #[test]
    fn short_lines_are_shown_whole_with_their_context() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n";
        let shown = excerpt(text, "3", 1);
        assert_eq!(shown.text, "b: 2\nc: 3\nd: 4\n");
        assert_eq!(shown.first_line, 2);
        assert_eq!(&shown.text[shown.span.clone()], "3");
        assert_eq!(shown.span_lines, 3..=3);
    }

    #[test]
    fn a_long_line_is_cut_around_the_finding_and_columns_still_add_up() {
        let filler = "x".repeat(100_000);
        let text = format!("k: \"{filler}\", image: nginx:latest, rest: \"{filler}\"\nnext: 1\n");
        let shown = excerpt(&text, "nginx:latest", 1);
        assert!(shown.text.len() < 2 * MAX_SNIPPET_LINE, "{}", shown.text.len());
        assert!(shown.text.starts_with(CUT) && shown.text.contains("…\nnext: 1\n"));
        assert_eq!(&shown.text[shown.span.clone()], "nginx:latest");
        let column_in_file = text.find("nginx").unwrap();
        assert_eq!(shown.span.start + shown.shift(0), column_in_file);
    }

    #[test]
    fn a_long_span_is_cut_short() {
        let text: String = (0..100).map(|n| format!("line{n}: x\n")).collect();
        let source = SourceFile::new("f", text.clone());
        let shown = Excerpt::of(&source, Span::new(0, text.len()), 2, &[]);
        assert_eq!(shown.span_lines, 1..=MAX_SNIPPET_LINES);
        assert_eq!(shown.text.lines().count(), (MAX_SNIPPET_LINES + 2) as usize);
        assert!(shown.text[shown.span.clone()].ends_with("line19: x"));
    }

    #[test]
    fn safe_text_is_blanked_and_secrets_are_starred_out_in_place() {
        let text = "user: web\u{1b}[31m\npassword: hunter2\n";
        let source = SourceFile::new("f", text.to_owned());
        let at = text.find("hunter2").unwrap();
        let secret = Span::new(at, at + 7);
        let shown = Excerpt::of(&source, secret, 1, &[secret]);
        assert_eq!(shown.text, "user: web?[31m\npassword: *******\n");
        assert_eq!(&shown.text[shown.span.clone()], "*******");
    }
}
