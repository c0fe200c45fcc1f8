//! Re-indenting lines that libyaml-style parsers (and so Kubernetes) accept but saphyr rejects:
//! continuation lines of quoted scalars and flow collections indented less than their key, and
//! a byte order mark that opens a document after `---` (files joined with `cat`; kubectl
//! splits the stream at `---` before it reads each document).
//!
//! A repair is a pad per line: spaces added at its start, or `-1` for a byte order mark left out.

use std::borrow::Cow;

use saphyr_parser::Event;

use super::Failure;
use crate::source::LineIndex;

/// Most re-parses for one file: each repair fixes one construct and parses the file again from
/// the start of the document that holds it.
pub(super) const MAX_REPAIRS: usize = 200;
/// Most bytes the re-parses of one file read together: 200 re-parses of a 20 KiB document, two
/// of a 2 MiB one. A re-parse reads from the failing document to the end of the file, so a large
/// file with many repairs would otherwise cost hundreds of parses.
pub(super) const MAX_REPAIR_BYTES: usize = 4 * 1024 * 1024;
/// Larger files are not repaired, so a hostile file cannot make the scan quadratic.
const MAX_REPAIRED_BYTES: usize = 2 * 1024 * 1024;

const QUOTED: &str = "invalid indentation in quoted scalar";
const FLOW: &str = "invalid indentation in flow construct";
const INDENTATION: &str = "invalid indentation";
const BYTE_ORDER_MARK: &str = "a byte order mark must not appear inside a document";
const UTF8_BOM: &str = "\u{feff}";

/// Characters added at the start of a line (spaces), or taken away (a byte order mark).
pub(super) type Pad = isize;

/// True when the failure is only about indentation inside a quoted scalar or flow collection,
/// or a byte order mark opening a document, which Kubernetes' YAML reader ignores.
pub(super) fn forgivable(text: &str, lines: &LineIndex, failure: &Failure) -> bool {
    if text.len() > MAX_REPAIRED_BYTES {
        return false;
    }
    match failure.message.as_str() {
        QUOTED | FLOW => true,
        INDENTATION => open_flow(text, lines.offset_of(text, failure.line, failure.column)).is_some(),
        BYTE_ORDER_MARK => opens_document_with_mark(text, lines, failure),
        _ => false,
    }
}

/// Whether a parser error is a complaint about indentation inside a quoted scalar or a flow
/// collection, which may be one that Kubernetes accepts.
pub(super) fn about_indentation(message: &str) -> bool {
    matches!(message, QUOTED | FLOW | INDENTATION)
}

/// Indents the offending lines of `failure` further; false when nothing more can be done.
///
/// A quoted-scalar failure re-indents every under-indented quoted continuation of the file at
/// once (CRDs hold hundreds of them); a flow failure re-indents its own line.
pub(super) fn repair(text: &str, lines: &LineIndex, failure: &Failure, pads: &mut [Pad]) -> bool {
    if failure.message == BYTE_ORDER_MARK {
        return match pads.get_mut(failure.line) {
            Some(pad) if *pad == 0 && opens_document_with_mark(text, lines, failure) => {
                *pad = -1;
                true
            }
            _ => false,
        };
    }
    if failure.message == QUOTED {
        let mut changed = false;
        for line in 1..=lines.line_count() {
            if let Some(continuation) = open_quote_continuation(text, lines, line) {
                let target = key_column(text, lines, line) + 1;
                for n in continuation {
                    changed |= indent_to(text, lines, n, target, pads);
                }
            }
        }
        return changed;
    }
    // Inside a flow collection any indentation deeper than the block key that holds it will
    // do; that key is on the line that opens the collection, which may be further up than the
    // nearest line indented no deeper than the failing one (`args: ["-a",` over `"-b"]`).
    let opener = open_flow(text, lines.offset_of(text, failure.line, failure.column)).map_or_else(
        || owner_line(text, lines, failure.line),
        |at| lines.line_column(text, at).0 as usize,
    );
    let target = key_column(text, lines, opener) + 1;
    indent_to(text, lines, failure.line, target, pads)
}

/// Pads `line` to `target` columns; not a line whose byte order mark is left out.
fn indent_to(text: &str, lines: &LineIndex, line: usize, target: usize, pads: &mut [Pad]) -> bool {
    let Some(pad) = pads.get_mut(line).filter(|pad| **pad >= 0) else {
        return false;
    };
    let current = indentation(text, lines, line) + pad.unsigned_abs();
    if current >= target {
        return false;
    }
    *pad += (target - current) as Pad;
    true
}

/// Whether the failure is at a byte order mark that starts the line right after a `---` line:
/// where kubectl's reader starts a document of its own.
fn opens_document_with_mark(text: &str, lines: &LineIndex, failure: &Failure) -> bool {
    let line = |n: usize| text.get(lines.line_range(text, n)).unwrap_or("");
    failure.column == 0
        && failure.line > 1
        && line(failure.line).starts_with(UTF8_BOM)
        && line(failure.line - 1).trim_end() == "---"
}

/// For a line whose value opens a quoted scalar it does not close, the lines that continue it.
fn open_quote_continuation(
    text: &str,
    lines: &LineIndex,
    line: usize,
) -> Option<std::ops::RangeInclusive<usize>> {
    let content = text.get(lines.line_range(text, line))?;
    let value = content.split_once(": ").map(|(_, v)| v.trim_start())?;
    let quote = value.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    if closes(&value[1..], quote) {
        return None;
    }
    let last = (line + 1..=lines.line_count()).find(|&n| {
        text.get(lines.line_range(text, n))
            .is_some_and(|l| closes(l, quote))
    })?;
    Some(line + 1..=last)
}

/// Whether a quote of this kind closes within `rest` (`''` and `\"` are escapes, not closes).
fn closes(rest: &str, quote: char) -> bool {
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek() == Some(&'\'') => {
                chars.next();
            }
            c if c == quote => return true,
            _ => {}
        }
    }
    false
}

/// The text from line `from` on, with `pads[line]` spaces added at the start of each line, or
/// its byte order mark left out.
pub(super) fn pad(text: &str, lines: &LineIndex, pads: &[Pad], from: usize) -> String {
    let rest = text.len() - lines.line_start(from);
    let added: usize = pads
        .get(from..)
        .map_or(0, |p| p.iter().map(|pad| pad.max(&0).unsigned_abs()).sum());
    let mut out = String::with_capacity(rest + added);
    for line in from..=lines.line_count() {
        let pad = pads.get(line).copied().unwrap_or(0);
        out.extend(std::iter::repeat_n(' ', pad.max(0).unsigned_abs()));
        let mut start = lines.line_start(line);
        if pad < 0 {
            start += UTF8_BOM.len();
        }
        let end = if line == lines.line_count() {
            text.len()
        } else {
            lines.line_start(line + 1)
        };
        out.push_str(text.get(start..end).unwrap_or(""));
    }
    out
}

/// An event that owns its text, so it can outlive the re-indented copy it came from.
pub(super) fn owned_event<'a>(event: Event<'_>) -> Event<'a> {
    let tag = |tag: Option<Cow<'_, saphyr_parser::Tag>>| tag.map(|t| Cow::Owned(t.into_owned()));
    match event {
        Event::Scalar(value, style, anchor, t) => {
            Event::Scalar(Cow::Owned(value.into_owned()), style, anchor, tag(t))
        }
        Event::SequenceStart(anchor, t) => Event::SequenceStart(anchor, tag(t)),
        Event::MappingStart(anchor, t) => Event::MappingStart(anchor, tag(t)),
        Event::Nothing => Event::Nothing,
        Event::StreamStart => Event::StreamStart,
        Event::StreamEnd => Event::StreamEnd,
        Event::DocumentStart(explicit) => Event::DocumentStart(explicit),
        Event::DocumentEnd => Event::DocumentEnd,
        Event::Alias(anchor) => Event::Alias(anchor),
        Event::SequenceEnd => Event::SequenceEnd,
        Event::MappingEnd => Event::MappingEnd,
    }
}

fn indentation(text: &str, lines: &LineIndex, line: usize) -> usize {
    let content = text.get(lines.line_range(text, line)).unwrap_or("");
    content.len() - content.trim_start_matches(' ').len()
}

/// The column of a line's key: past its indentation and any `- ` sequence markers.
fn key_column(text: &str, lines: &LineIndex, line: usize) -> usize {
    let content = text.get(lines.line_range(text, line)).unwrap_or("");
    content.chars().take_while(|c| *c == ' ' || *c == '-').count()
}

/// The nearest earlier line, not blank or a comment, indented no deeper than `line`.
fn owner_line(text: &str, lines: &LineIndex, line: usize) -> usize {
    let own = indentation(text, lines, line);
    (1..line)
        .rev()
        .find(|&n| {
            let content = text.get(lines.line_range(text, n)).unwrap_or("").trim_start();
            !content.is_empty() && !content.starts_with('#') && indentation(text, lines, n) <= own
        })
        .unwrap_or(line)
}

/// The outermost `[` or `{` of the current document still open at `offset`, if any. A `]` or
/// `}` with nothing open is text (`note: b]`).
fn open_flow(text: &str, offset: usize) -> Option<usize> {
    let before = text.get(..offset).unwrap_or(text);
    let document_start = before.rfind("\n---").map_or(0, |i| i + 4);
    let document = &before[document_start..];
    let mut depth = 0usize;
    let mut outermost = 0;
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for (at, c) in document.char_indices() {
        match (quote, c) {
            (_, '\n') if comment => comment = false,
            _ if comment => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '\'' | '"') if depth > 0 || matches!(previous, ' ' | ':' | '-' | '\n') => quote = Some(c),
            (None, '[' | '{') => {
                if depth == 0 {
                    outermost = at;
                }
                depth += 1;
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    (depth > 0).then_some(document_start + outermost)
}

#[cfg(test)]
mod tests {
    use crate::parse::yaml::parse_for_test;
    use crate::source::LineIndex;

    fn position(text: &str, offset: u32) -> (u32, u32) {
        LineIndex::new(text).line_column(text, offset as usize)
    }

    #[test]
    fn flow_continuations_indented_less_than_their_key_parse() {
        // Closed at the key's indentation, and continued at the left margin; each with where
        // the container's `image` is.
        let cases = [
            (
                "spec:\n  containers:\n    - name: a\n      args: [\n          \"-x\", \"1\",\n      ]\n      image: a:1\n",
                (7, 14),
            ),
            (
                "spec:\n  containers:\n  - name: c\n    args: [\"-a\",\n\"-b\"]\n    image: a:1\n",
                (6, 12),
            ),
        ];
        for (text, image_at) in cases {
            let stream = parse_for_test(text);
            assert!(stream.errors.is_empty(), "{text:?}: {:?}", stream.errors);
            let container = &stream.documents[0]
                .root
                .path(&["spec", "containers"])
                .unwrap()
                .items()[0];
            assert_eq!(container.get("args").unwrap().items().len(), 2, "{text:?}");
            let image = container.get("image").unwrap();
            assert_eq!(
                (image.as_str(), position(text, image.span.start)),
                (Some("a:1"), image_at)
            );
        }
    }

    #[test]
    fn an_under_indented_quoted_continuation_parses() {
        let text = "items:\n  - description: 'first line\n  second line'\n    name: x\n";
        let stream = parse_for_test(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let item = &stream.documents[0].root.get("items").unwrap().items()[0];
        assert_eq!(item.str_at("description"), Some("first line second line"));
        assert_eq!(position(text, item.get("name").unwrap().span.start), (4, 11));
    }

    #[test]
    fn repairs_in_later_documents_keep_what_came_before() {
        let text = "a: 1\na: 2\n---\nb: [\n  1,\n]\n---\n\n---\nc: 'one\ntwo'\nd: 3\n";
        let stream = parse_for_test(text);
        // The duplicate key of the first document is kept through both repairs.
        assert_eq!(stream.errors.len(), 1, "{:?}", stream.errors);
        assert_eq!(position(text, stream.errors[0].span.start), (2, 1));
        let positions: Vec<usize> = stream.documents.iter().map(|d| d.position).collect();
        assert_eq!(positions, [0, 1, 3]);
        let last = &stream.documents[2].root;
        assert_eq!(last.str_at("c"), Some("one two"));
        assert_eq!(position(text, last.get("d").unwrap().span.start), (12, 4));
        assert_eq!(stream.documents[1].root.get("b").unwrap().items().len(), 1);
    }

    #[test]
    fn a_byte_order_mark_opening_a_later_document_is_left_out() {
        let text = "a: 1\n---\n\u{feff}b: [1,\n2]\nc: y\n";
        let stream = parse_for_test(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let second = &stream.documents[1].root;
        let b = second.get("b").unwrap();
        assert_eq!((b.items().len(), position(text, b.span.start)), (2, (3, 5)));
        assert_eq!(position(text, second.get("c").unwrap().span.start), (5, 4));
        // Inside a document, or after a line that is not `---`, it is still an error.
        for broken in ["a: 1\n\u{feff}b: 2\n", "a: 1\n---\nb:\n\u{feff}c: 2\n"] {
            assert_eq!(parse_for_test(broken).errors.len(), 1, "{broken:?}");
        }
    }

    #[test]
    fn bad_block_indentation_is_still_an_error() {
        let stream = parse_for_test("a:\n    b: 1\n  c: 2\n");
        assert_eq!(stream.errors.len(), 1, "{:?}", stream.errors);
    }
}
