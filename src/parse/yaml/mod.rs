//! YAML streams parsed from saphyr-parser events into our own span-aware tree.
//!
//! The tree is built without recursion and under budgets, so hostile input (10,000-deep nesting,
//! alias bombs) ends in a located error rather than a stack overflow or an unbounded allocation.

mod leniency;
mod positions;
mod tree;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span as SaphyrSpan};

use crate::source::{LineIndex, Span};
pub use positions::ScalarMap;
pub use tree::{Entry, Node, Scalar, ScalarStyle, Value};

/// Deepest nesting accepted; Kubernetes objects stay under 30 levels.
pub const MAX_DEPTH: usize = 256;
/// Most nodes one file may produce through aliases, against "billion laughs" expansion.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// One document of a stream.
#[derive(Debug)]
pub struct Document<'s> {
    /// The document's root node.
    pub root: Node<'s>,
    /// 0-based position in the stream.
    pub position: usize,
}

/// A located YAML syntax or structure error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What is wrong, in the parser's words.
    pub message: String,
    /// Where it is.
    pub span: Span,
}

/// Everything a stream yielded: the documents parsed before any fatal error, and the errors.
#[derive(Debug, Default)]
pub struct Stream<'s> {
    /// Documents in order; empty documents are left out.
    pub documents: Vec<Document<'s>>,
    /// Syntax errors (at most one fatal, last) and duplicate keys.
    pub errors: Vec<YamlError>,
}

/// Parses a multi-document YAML stream.
///
/// Kubernetes reads YAML with a libyaml-style parser that ignores indentation inside flow
/// collections and quoted scalars; saphyr does not. When that is the only complaint, the stream
/// is parsed again with the offending lines indented further (positions are mapped back), so
/// a file the cluster accepts is not reported as broken.
pub fn parse_stream(text: &str) -> Stream<'_> {
    parse_stream_indexed(text, &LineIndex::new(text))
}

/// [`parse_stream`] with the text's line index already built.
pub fn parse_stream_indexed<'s>(text: &'s str, lines: &LineIndex) -> Stream<'s> {
    let (stream, failure) = run(text, lines, text, &[], |event| event);
    let Some(first_failure) = failure.filter(|f| leniency::forgivable(text, lines, f)) else {
        return stream;
    };
    let mut pads = vec![0usize; lines.line_count() + 1];
    let mut failure = first_failure;
    for _ in 0..leniency::MAX_REPAIRS {
        if !leniency::repair(text, lines, &failure, &mut pads) {
            break;
        }
        let padded = leniency::pad(text, lines, &pads);
        let (repaired, next) = run(text, lines, &padded, &pads, leniency::owned_event);
        match next {
            Some(next) if leniency::forgivable(text, lines, &next) => failure = next,
            _ => return repaired,
        }
    }
    stream
}

/// Where and why the parser stopped, in the original text's lines (1-based) and columns (0-based).
#[derive(Debug, Clone)]
struct Failure {
    line: usize,
    column: usize,
    message: String,
}

/// Feeds the events of `input` (the text, or a re-indented copy whose extra indentation per
/// line is `pads`) to a builder over `original`.
fn run<'s, 'i>(
    original: &'s str,
    lines: &LineIndex,
    input: &'i str,
    pads: &[usize],
    convert: impl Fn(Event<'i>) -> Event<'s>,
) -> (Stream<'s>, Option<Failure>) {
    let mut builder = Builder::new(original, lines, pads);
    let mut parser = Parser::new_from_str(input);
    // The parser repeats its last error forever, so stop at the first one.
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => {
                if let Err(error) = builder.on_event(convert(event), span) {
                    builder.stream.errors.push(error);
                    break;
                }
            }
            Err(error) => {
                let marker = error.marker();
                let (line, column) = (marker.line(), builder.unpadded(marker.line(), marker.col()));
                let offset = lines.offset_of(original, line, column);
                let end = original[offset..]
                    .chars()
                    .next()
                    .map_or(offset, |c| offset + c.len_utf8());
                builder.stream.errors.push(YamlError {
                    message: error.info().to_owned(),
                    span: Span::new(offset, end),
                });
                return (
                    builder.stream,
                    Some(Failure {
                        line,
                        column,
                        message: error.info().to_owned(),
                    }),
                );
            }
        }
    }
    (builder.stream, None)
}

/// An open collection; its finished children wait on the builder's shared stacks from
/// `first` on, so each collection is allocated once, at its exact size, when it closes.
enum Frame<'s> {
    Sequence {
        start: Span,
        anchor: usize,
        first: usize,
    },
    Mapping {
        start: Span,
        anchor: usize,
        first: usize,
        key: Option<Node<'s>>,
    },
}

struct Builder<'s, 'l> {
    text: &'s str,
    lines: &'l LineIndex,
    pads: &'l [usize],
    stack: Vec<Frame<'s>>,
    pending_items: Vec<Node<'s>>,
    pending_entries: Vec<Entry<'s>>,
    anchors: HashMap<usize, (Node<'s>, usize)>,
    alias_nodes: usize,
    document_count: usize,
    stream: Stream<'s>,
}

impl<'s, 'l> Builder<'s, 'l> {
    fn new(text: &'s str, lines: &'l LineIndex, pads: &'l [usize]) -> Self {
        Builder {
            text,
            lines,
            pads,
            stack: Vec::new(),
            pending_items: Vec::new(),
            pending_entries: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            document_count: 0,
            stream: Stream::default(),
        }
    }

    /// The column in the original text of a column in the (possibly re-indented) input.
    fn unpadded(&self, line: usize, column: usize) -> usize {
        column.saturating_sub(self.pads.get(line).copied().unwrap_or(0))
    }

    fn span(&self, span: &SaphyrSpan) -> Span {
        let (start, end) = (span.start, span.end);
        let start = self
            .lines
            .offset_of(self.text, start.line(), self.unpadded(start.line(), start.col()));
        let end = self
            .lines
            .offset_of(self.text, end.line(), self.unpadded(end.line(), end.col()));
        Span::new(skip_node_properties(self.text, start, end), end)
    }

    fn on_event(&mut self, event: Event<'s>, span: SaphyrSpan) -> Result<(), YamlError> {
        let span = self.span(&span);
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.pending_items.clear();
                self.pending_entries.clear();
                self.anchors.clear();
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted | SaphyrStyle::DoubleQuoted => ScalarStyle::Quoted,
                    _ => ScalarStyle::Block,
                };
                let text = self.borrowed(text, span, style);
                self.complete(
                    Node {
                        span,
                        value: Value::Scalar(Scalar::new(text, style)),
                    },
                    anchor,
                )?;
            }
            Event::Alias(anchor) => {
                let (node, count) = self.anchors.get(&anchor).cloned().ok_or_else(|| YamlError {
                    message: "alias names no anchor defined before it".to_owned(),
                    span,
                })?;
                self.alias_nodes += count;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(YamlError {
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes (a \"billion laughs\" alias bomb?)"
                        ),
                        span,
                    });
                }
                self.complete(node, 0)?;
            }
            Event::SequenceStart(anchor, _) => self.open(
                Frame::Sequence {
                    start: span,
                    anchor,
                    first: self.pending_items.len(),
                },
                span,
            )?,
            Event::MappingStart(anchor, _) => self.open(
                Frame::Mapping {
                    start: span,
                    anchor,
                    first: self.pending_entries.len(),
                    key: None,
                },
                span,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = match frame {
                    Frame::Sequence { start, anchor, first } => (
                        Node {
                            span: start.cover(span),
                            value: Value::Sequence(self.pending_items.drain(first..).collect()),
                        },
                        anchor,
                    ),
                    Frame::Mapping {
                        start, anchor, first, ..
                    } => {
                        let entries: Box<[Entry<'s>]> = self.pending_entries.drain(first..).collect();
                        self.check_duplicate_keys(&entries);
                        (
                            Node {
                                span: start.cover(span),
                                value: Value::Mapping(entries),
                            },
                            anchor,
                        )
                    }
                };
                self.complete(node, anchor)?;
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// The scanner hands every scalar over as an owned string; where the source holds the same
    /// text (almost always), borrow it instead, so the tree costs no allocation per scalar.
    fn borrowed(&self, text: Cow<'s, str>, span: Span, style: ScalarStyle) -> Cow<'s, str> {
        let source = self.text.get(span.range()).unwrap_or("");
        let inner = match style {
            ScalarStyle::Plain => Some(source),
            ScalarStyle::Quoted => source.get(1..source.len().saturating_sub(1)),
            ScalarStyle::Block => None,
        };
        match inner {
            Some(inner) if inner == text.as_ref() => Cow::Borrowed(inner),
            _ => text,
        }
    }

    fn open(&mut self, frame: Frame<'s>, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                message: format!("nesting is deeper than {MAX_DEPTH} levels"),
                span,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn complete(&mut self, node: Node<'s>, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let count = node.node_count();
            self.anchors.insert(anchor, (node.clone(), count));
        }
        match self.stack.last_mut() {
            None => {
                let position = self.document_count;
                self.document_count += 1;
                let empty = matches!(&node.value, Value::Scalar(s) if s.is_plain() && s.text().is_empty());
                if !empty {
                    self.stream.documents.push(Document { root: node, position });
                }
            }
            Some(Frame::Sequence { .. }) => self.pending_items.push(node),
            Some(Frame::Mapping { key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(key) => self.pending_entries.push(Entry { key, value: node }),
            },
        }
        Ok(())
    }

    fn check_duplicate_keys(&mut self, entries: &[Entry<'s>]) {
        // Most mappings are small, and comparing their keys pairwise beats hashing each one.
        let mut seen: HashSet<&str> = HashSet::new();
        let large = entries.len() > 32;
        for (n, entry) in entries.iter().enumerate() {
            let Some(key) = entry.key.as_str().filter(|k| *k != "<<") else {
                continue;
            };
            let repeated = if large {
                !seen.insert(key)
            } else {
                entries[..n]
                    .iter()
                    .any(|earlier| earlier.key.as_str() == Some(key))
            };
            if repeated {
                self.stream.errors.push(YamlError {
                    message: format!("duplicate key `{key}`; Kubernetes rejects the document"),
                    span: entry.key.span,
                });
            }
        }
    }
}

/// Moves a node's start past its `&anchor` and `!tag`, so the span starts at the content.
fn skip_node_properties(text: &str, mut start: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\n' | b'\r'));
    let mut after_property = false;
    loop {
        match bytes.get(start) {
            Some(b'&' | b'!') if start < end => {
                while start < end && !blank(bytes.get(start)) {
                    start += 1;
                }
            }
            // A comment between the properties and the content (`&x # note⏎value`).
            Some(b'#') if after_property && start < end => {
                while start < end && !matches!(bytes.get(start), Some(b'\n')) {
                    start += 1;
                }
            }
            _ => break,
        }
        after_property = true;
        while start < end && blank(bytes.get(start)) {
            start += 1;
        }
    }
    while start < text.len() && !text.is_char_boundary(start) {
        start += 1;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str, span: Span) -> (u32, u32) {
        LineIndex::new(text).line_column(text, span.start as usize)
    }

    #[test]
    fn keys_and_values_know_their_line_and_column() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: café\n  labels: {app: x}\n";
        let stream = parse_stream(text);
        assert!(stream.errors.is_empty());
        let root = &stream.documents[0].root;
        let name = root.path(&["metadata", "name"]).unwrap();
        assert_eq!(&text[name.span.range()], "café");
        assert_eq!(position(text, name.span), (4, 9));
        let app = root.path(&["metadata", "labels", "app"]).unwrap();
        assert_eq!(position(text, app.span), (5, 17));
        let key = &root.entry("kind").unwrap().key;
        assert_eq!(&text[key.span.range()], "kind");
    }

    #[test]
    fn multi_document_streams_keep_every_document_and_skip_empty_ones() {
        let stream = parse_stream("---\na: 1\n---\n---\nb: 2\n...\n");
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.documents[1].position, 2);
    }

    #[test]
    fn a_syntax_error_keeps_the_documents_before_it() {
        let text = "a: 1\n---\nb: [1, 2\nc: d\n";
        let stream = parse_stream(text);
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(position(text, stream.errors[0].span).0, 4);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let stream = parse_stream(&text);
        assert!(stream.documents.is_empty());
        // The scanner stops first, at its own recursion limit; either way it is a located error.
        let message = &stream.errors[0].message;
        assert!(
            message.contains("recursion limit") || message.contains("deeper than"),
            "{message}"
        );
    }

    #[test]
    fn alias_bombs_stop_at_the_node_budget() {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for pair in names.windows(2) {
            let refs = vec![format!("*{}", pair[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
        }
        let stream = parse_stream(&text);
        assert!(
            stream.errors[0].message.contains("billion laughs"),
            "{:?}",
            stream.errors
        );
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let stream = parse_stream(text);
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(position(text, stream.errors[0].span), (3, 1));
    }

    #[test]
    fn tab_indentation_is_a_located_error() {
        let text = "a:\n\tb: 1\n";
        let stream = parse_stream(text);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(position(text, stream.errors[0].span).0, 2);
    }
}
