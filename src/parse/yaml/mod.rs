//! YAML streams parsed from saphyr-parser events into our own span-aware tree.
//!
//! The tree is built without recursion and under budgets, so hostile input (10,000-deep nesting,
//! alias bombs) ends in a located error rather than a stack overflow or an unbounded allocation.

mod diagnosis;
mod json;
mod leniency;
mod packed;
mod positions;
pub mod refused;
mod tree;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

pub use bumpalo::Bump as Arena;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span as SaphyrSpan};

use crate::source::{LineIndex, Span, starts_char};
pub use json::looks_like_json;
pub use positions::ScalarMap;
pub use tree::{Entry, Node, Scalar, ScalarStyle, StringTag, Value, same_text};

/// Deepest nesting accepted; Kubernetes objects stay under 30 levels.
pub const MAX_DEPTH: usize = 256;
/// Most nodes one file may produce through aliases, against "billion laughs" expansion.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// What saphyr says past 255 nested flow collections (it counts them in a byte).
const FLOW_LIMIT: &str = "recursion limit exceeded";
/// The parser's error for text after `...` on its line.
const JUNK_AFTER_DOCUMENT_END: &str = "invalid content after document end marker";
/// Most documents read from one file: the largest rendered charts hold a few thousand objects,
/// and a 5 MiB file of small ConfigMaps some 60,000.
pub const MAX_DOCUMENTS: usize = 100_000;

/// One document of a stream.
#[derive(Debug, Clone, Copy)]
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
    /// True when the text went past one of mslint's limits ([`MAX_DEPTH`], [`MAX_ALIAS_NODES`],
    /// [`MAX_DOCUMENTS`]) rather than breaking YAML's syntax; reading stopped there.
    pub limit: bool,
}

impl YamlError {
    fn syntax(message: impl Into<String>, span: Span) -> Self {
        YamlError {
            message: message.into(),
            span,
            limit: false,
        }
    }

    fn limit(message: String, span: Span) -> Self {
        YamlError {
            message,
            span,
            limit: true,
        }
    }
}

/// Everything a stream yielded: the documents parsed before any fatal error, and the errors.
#[derive(Debug, Default, Clone)]
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
///
/// The tree's collections and the scalars the source does not hold as they read are allocated in
/// `arena`: one allocation a chunk instead of one a collection, and nothing to free node by node.
pub fn parse_stream<'s>(arena: &'s Arena, text: &'s str) -> Stream<'s> {
    parse_stream_indexed(arena, text, &LineIndex::of_text(text))
}

/// [`parse_stream`] into an arena kept until the process ends, for tests that hand nodes on.
#[cfg(test)]
pub(crate) fn parse_for_test(text: &str) -> Stream<'_> {
    parse_stream(Box::leak(Box::default()), text)
}

/// [`parse_stream`] with the text's line index ([`LineIndex::of_text`]) already built.
///
/// The repairs are bounded (200 re-parses that read at most 4 MiB together); past that, the
/// stream read with the repairs made so far is kept, and the construct that still needed one
/// is reported as past the limit.
///
/// Each repair re-reads the stream from the start of the document that failed: the documents
/// before it are kept as read, so a file with many repairs is not read again whole each time.
pub fn parse_stream_indexed<'s>(arena: &'s Arena, text: &'s str, lines: &LineIndex) -> Stream<'s> {
    if json::looks_like_json(text)
        && let Some(stream) = read_json(arena, text, lines)
    {
        return stream;
    }
    let (stream, failure) = run(arena, text, lines, text, &[], Resume::START, |event| event);
    with_repairs(arena, text, lines, Resume::START, stream, failure)
}

/// `stream`, read from `start` as far as `failure`, re-read with the repairs [`leniency`]
/// makes while the failures are ones Kubernetes forgives; nothing before `start` is re-read.
fn with_repairs<'s>(
    arena: &'s Arena,
    text: &'s str,
    lines: &LineIndex,
    start: Resume,
    stream: Stream<'s>,
    failure: Option<Failure>,
) -> Stream<'s> {
    let Some(first_failure) = failure.filter(|f| leniency::forgivable(text, lines, f)) else {
        return stream;
    };
    // A directive (`%TAG`) belongs to the document after it: a stream holding one is re-read
    // whole, so that no document is read without its directives.
    let whole = text.lines().any(|line| line.starts_with('%'));
    let mut pads: Vec<leniency::Pad> = vec![0; lines.line_count() + 1];
    let mut failure = first_failure;
    let mut budget = leniency::MAX_REPAIR_BYTES;
    let mut latest: Option<Stream<'s>> = None;
    for _ in 0..leniency::MAX_REPAIRS {
        if !leniency::repair(text, lines, &failure, &mut pads) {
            return stream;
        }
        let from = if whole { start } else { failure.document };
        let padded = leniency::pad(text, lines, &pads, from.line);
        let Some(left) = budget.checked_sub(padded.len()) else {
            break;
        };
        budget = left;
        let (rest, next) = run(arena, text, lines, &padded, &pads, from, leniency::owned_event);
        let mut repaired = latest.take().unwrap_or_else(|| stream.clone());
        repaired.resume_with(lines.line_start(from.line), from.document, rest);
        match next {
            Some(next) if leniency::forgivable(text, lines, &next) => {
                failure = next;
                latest = Some(repaired);
            }
            _ => return repaired,
        }
    }
    let mut stream = latest.unwrap_or(stream);
    if let Some(last) = stream.errors.last_mut() {
        last.message = format!(
            "indentation Kubernetes accepts ({}) needs more re-reads than mslint's limit of {} ({} MiB in all)",
            last.message,
            leniency::MAX_REPAIRS,
            leniency::MAX_REPAIR_BYTES / (1024 * 1024)
        );
        last.limit = true;
    }
    stream
}

/// A stream of JSON objects (see [`json`]) read into a tree, as kubectl's decoder reads it
/// where the stream stops being JSON: after one object, the rest is YAML (read from the next
/// line, so `None` when the object's line goes on with more than a comment, or when no object
/// came first: the whole text is read as YAML then); after more, the JSON error stands.
fn read_json<'s>(arena: &'s Arena, text: &'s str, lines: &LineIndex) -> Option<Stream<'s>> {
    let mut builder = Builder::new(arena, text, lines, &[], Resume::START);
    let stopped = match json::read(text, |event, span| builder.on_event(event, span)) {
        Ok(Ok(())) => return Some(builder.stream),
        Ok(Err(error)) => {
            builder.stream.errors.push(error);
            return Some(builder.stream);
        }
        Err(stopped) => stopped,
    };
    let mut stream = builder.stream;
    match stopped.values {
        0 => None,
        1 => {
            let line = lines.line_column(text, stopped.after_last).0 as usize;
            if line >= lines.line_count() {
                return None;
            }
            let rest_of_line = lines.line_start(line + 1).min(text.len());
            // What kubectl reads as YAML from right after the object is read from the next
            // line: the same when the object's line holds nothing else but a comment.
            let rest = text.get(stopped.after_last..rest_of_line)?.trim_start();
            if !(rest.is_empty() || rest.starts_with('#')) {
                return None;
            }
            let from = Resume {
                line: line + 1,
                document: 1,
            };
            // No line is re-indented, but with pads the builder maps the parser's positions by
            // line and column, which hold in the rest; its character indices count from there.
            let pads = vec![0; lines.line_count() + 1];
            let (rest, failure) = run(arena, text, lines, &text[rest_of_line..], &pads, from, |event| {
                event
            });
            stream.resume_with(rest_of_line, 1, rest);
            Some(with_repairs(arena, text, lines, from, stream, failure))
        }
        _ => {
            let at = stopped.at.min(text.len());
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let objects = match stopped.objects {
                1 => "1 object".to_owned(),
                objects => format!("{objects} objects"),
            };
            stream.errors.push(YamlError::limit(
                format!("invalid JSON after {objects}, where kubectl stops reading"),
                Span::new(at, end),
            ));
            Some(stream)
        }
    }
}

impl<'s> Stream<'s> {
    /// Keeps what was read before byte `offset` (the first `documents` documents, the errors
    /// before it) and adds `rest`, read from there on.
    fn resume_with(&mut self, offset: usize, documents: usize, rest: Stream<'s>) {
        self.documents.retain(|d| d.position < documents);
        self.errors.retain(|e| (e.span.start as usize) < offset);
        self.documents.extend(rest.documents);
        self.errors.extend(rest.errors);
    }
}

/// Where a read starts: a 1-based line of the text, and how many documents come before it.
#[derive(Debug, Clone, Copy)]
struct Resume {
    line: usize,
    document: usize,
}

impl Resume {
    const START: Resume = Resume { line: 1, document: 0 };
}

/// Where and why the parser stopped, in the original text's lines (1-based) and columns
/// (0-based), and where the document it stopped in starts.
#[derive(Debug, Clone)]
struct Failure {
    line: usize,
    column: usize,
    message: String,
    document: Resume,
}

/// Feeds the events of `input` to a builder over `original`: the text, or a re-indented copy of
/// it from line `from.line` on, whose extra indentation per line is `pads`.
fn run<'s, 'i>(
    arena: &'s Arena,
    original: &'s str,
    lines: &LineIndex,
    input: &'i str,
    pads: &[leniency::Pad],
    from: Resume,
    convert: impl Fn(Event<'i>) -> Event<'s>,
) -> (Stream<'s>, Option<Failure>) {
    let mut builder = Builder::new(arena, original, lines, pads, from);
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
                let line = builder.line_of(marker);
                let column = builder.unpadded(line, marker.col());
                let offset = lines.offset_of(original, line, column);
                let end = original
                    .get(offset..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(offset, |c| offset + c.len_utf8());
                let span = Span::new(offset, end);
                if error.info() == JUNK_AFTER_DOCUMENT_END {
                    let line_start = original[..offset.min(original.len())]
                        .rfind('\n')
                        .map_or(0, |n| n + 1);
                    if let Err(error) = builder.end_document_at_marker(line_start) {
                        builder.stream.errors.push(error);
                    }
                }
                let unclosed = builder.unclosed_flow_before(offset, error.info());
                builder.stream.errors.push(if error.info() == FLOW_LIMIT {
                    YamlError::limit(
                        format!(
                            "flow collections nest deeper than the parser's limit of {} levels",
                            u8::MAX
                        ),
                        span,
                    )
                } else if let Some((bracket, opened, reached)) = unclosed {
                    let reached = match reached {
                        Reached::EndOfFile => "the end of the file".to_owned(),
                        Reached::BlockContent => format!("line {line}, where the block content goes on"),
                        Reached::DocumentEnd => format!("line {line}, where the document ends"),
                    };
                    YamlError::syntax(
                        format!(
                            "`{bracket}` is never closed (the parser reached {reached}: {})",
                            error.info()
                        ),
                        opened,
                    )
                } else {
                    diagnosis::located(original, span, error.info())
                });
                return (
                    builder.stream,
                    Some(Failure {
                        line,
                        column,
                        message: error.info().to_owned(),
                        document: builder.document,
                    }),
                );
            }
        }
    }
    (builder.stream, None)
}

/// Where, in `text`, a block sequence's `-` entry indicator with nothing after it but blanks
/// and a comment ends: an item whose value is empty. (An item the parser had read but not
/// handed over, `- y # note`, is lost with the document's end, not an empty one.)
fn empty_entry_end(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let indentation = line.len() - line.trim_start_matches(' ').len();
        let empty = line[indentation..].strip_prefix('-').is_some_and(|after| {
            let rest = after.trim_start_matches([' ', '\t', '\r', '\n']);
            // A `#` opens a comment only after a blank.
            rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())
        });
        if empty {
            return Some(line_start + indentation + 1);
        }
        line_start += line.len();
    }
    None
}

/// Where the parser was when it found a flow collection unclosed.
enum Reached {
    EndOfFile,
    BlockContent,
    DocumentEnd,
}

/// A collection being read: where it starts, its anchor, its size so far, and its content.
/// Finished children wait on the builder's shared stacks from `first` on, so each collection
/// is allocated once, at its exact size, when it closes.
struct Frame<'s> {
    start: Span,
    anchor: usize,
    size: Size,
    content: Collection<'s>,
}

/// The size of a node with its aliases expanded: how many nodes it holds (itself and keys
/// included), and how many levels of collections (none for a scalar). An alias puts the whole
/// anchored node where it stands, so a file can nest deeper through aliases than it is written.
#[derive(Debug, Clone, Copy)]
struct Size {
    nodes: usize,
    height: usize,
}

impl Size {
    const SCALAR: Size = Size { nodes: 1, height: 0 };
    const EMPTY_COLLECTION: Size = Size { nodes: 1, height: 1 };

    fn add_child(&mut self, child: Size) {
        self.nodes += child.nodes;
        self.height = self.height.max(child.height + 1);
    }
}

enum Collection<'s> {
    Sequence { first: usize },
    Mapping { first: usize, key: Option<Node<'s>> },
}

/// An anchored node, kept for its aliases, and its size, which each alias to it adds to the
/// document's expansion (bounded by [`MAX_ALIAS_NODES`] and [`MAX_DEPTH`]). The node shares its
/// collections with the tree, so keeping it copies nothing.
struct Anchored<'s> {
    node: Node<'s>,
    size: Size,
}

struct Builder<'s, 'l> {
    arena: &'s Arena,
    text: &'s str,
    lines: &'l LineIndex,
    pads: &'l [leniency::Pad],
    stack: Vec<Frame<'s>>,
    pending_items: Vec<Node<'s>>,
    pending_entries: Vec<Entry<'s>>,
    anchors: HashMap<usize, Anchored<'s>>,
    alias_nodes: usize,
    document_count: usize,
    /// Lines of the text before the input's first line.
    skipped_lines: usize,
    /// Where the document being read starts.
    document: Resume,
    characters: CharacterCursor,
    stream: Stream<'s>,
}

/// Turns character indices into byte offsets. The parser's positions move forward through the
/// text, so walking from the last one costs about one step per byte over the whole stream.
struct CharacterCursor {
    ascii: bool,
    character: usize,
    byte: usize,
}

impl CharacterCursor {
    fn new(text: &str) -> Self {
        CharacterCursor {
            ascii: text.is_ascii(),
            character: 0,
            byte: 0,
        }
    }

    /// The byte offset where character number `index` of `text` starts (the text's length past
    /// its end).
    fn byte_of(&mut self, text: &str, index: usize) -> usize {
        if self.ascii {
            return index.min(text.len());
        }
        let bytes = text.as_bytes();
        while self.character < index && self.byte < bytes.len() {
            self.byte += 1;
            while self.byte < bytes.len() && !starts_char(bytes[self.byte]) {
                self.byte += 1;
            }
            self.character += 1;
        }
        while self.character > index && self.byte > 0 {
            self.byte -= 1;
            while self.byte > 0 && !starts_char(bytes[self.byte]) {
                self.byte -= 1;
            }
            self.character -= 1;
        }
        self.byte
    }
}

impl<'s, 'l> Builder<'s, 'l> {
    fn new(
        arena: &'s Arena,
        text: &'s str,
        lines: &'l LineIndex,
        pads: &'l [leniency::Pad],
        from: Resume,
    ) -> Self {
        Builder {
            arena,
            text,
            lines,
            pads,
            stack: Vec::new(),
            pending_items: Vec::new(),
            pending_entries: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            document_count: from.document,
            skipped_lines: from.line - 1,
            document: from,
            characters: CharacterCursor::new(text),
            stream: Stream::default(),
        }
    }

    /// The column in the original text of a column of `line` (of the text) in the (possibly
    /// re-indented) input: past the spaces added, or the byte order mark left out.
    fn unpadded(&self, line: usize, column: usize) -> usize {
        column.saturating_add_signed(-self.pads.get(line).copied().unwrap_or(0))
    }

    /// The line of the text a parser position is on.
    fn line_of(&self, marker: &saphyr_parser::Marker) -> usize {
        marker.line() + self.skipped_lines
    }

    fn span(&mut self, span: &SaphyrSpan) -> Span {
        let (start, end) = (self.offset(&span.start), self.offset(&span.end));
        Span::new(skip_node_properties(self.text, start, end), end)
    }

    /// The byte offset of a parser position. Reading the original text, the position's
    /// character index leads there directly; a re-indented copy has other indices, and its line
    /// and column are mapped back instead.
    fn offset(&mut self, marker: &saphyr_parser::Marker) -> usize {
        if self.pads.is_empty() {
            return self.characters.byte_of(self.text, marker.index());
        }
        let line = self.line_of(marker);
        self.lines
            .offset_of(self.text, line, self.unpadded(line, marker.col()))
    }

    /// The innermost flow collection (`{` or `[`) still open when the parser fails at `offset`,
    /// when the failure is that it is never closed: the parser reached the end of the file, or
    /// a later line indented no further than the line of the bracket, where the block content
    /// goes on (a collection's own lines are indented further), and no bracket in the rest of
    /// the document closes it. The error then belongs where the bracket opens rather than where
    /// the parser noticed.
    fn unclosed_flow_before(&self, offset: usize, message: &str) -> Option<(char, Span, Reached)> {
        let rest = self.text.get(offset..)?;
        let (bracket, opened) = self.unclosed_flow()?;
        if rest.trim().is_empty() {
            return Some((bracket, opened, Reached::EndOfFile));
        }
        // A line of the collection indented less than its key is one Kubernetes reads (see
        // `leniency`), not the block content going on.
        if leniency::about_indentation(message) {
            return None;
        }
        let line_start = |at: usize| Some(self.text.get(..at)?.rfind('\n').map_or(0, |n| n + 1));
        let indentation = |start: usize| self.text[start..].bytes().take_while(|b| *b == b' ').count();
        let (bracket_line, failed_line) = (line_start(opened.start as usize)?, line_start(offset)?);
        if failed_line <= bracket_line || indentation(failed_line) > indentation(bracket_line) {
            return None;
        }
        if diagnosis::is_closed(self.text, opened.start as usize) {
            return None;
        }
        let reached = if diagnosis::is_document_marker(&self.text[failed_line..]) {
            Reached::DocumentEnd
        } else {
            Reached::BlockContent
        };
        Some((bracket, opened, reached))
    }

    /// The innermost flow collection (`{` or `[`) being read, and where it opens.
    fn unclosed_flow(&self) -> Option<(char, Span)> {
        self.stack.iter().enumerate().rev().find_map(|(at, frame)| {
            let start = frame.start.start;
            let bracket = self.text.get(start as usize..)?.chars().next()?;
            // A block collection whose first child is a flow collection (`[a]: 1`, `- [a]` at
            // its key's indentation) starts at a bracket it does not open.
            let child_starts_there = self.first_child_start(frame) == Some(start)
                || self
                    .stack
                    .get(at + 1)
                    .is_some_and(|child| child.start.start == start);
            let flow = matches!(bracket, '{' | '[') && !child_starts_there;
            flow.then(|| (bracket, Span::new(start as usize, start as usize + 1)))
        })
    }

    /// Where the first finished child of a collection starts: its first item or key.
    fn first_child_start(&self, frame: &Frame<'s>) -> Option<u32> {
        let first = match &frame.content {
            Collection::Sequence { first } => self.pending_items.get(*first),
            Collection::Mapping { first, key } => self
                .pending_entries
                .get(*first)
                .map(|entry| &entry.key)
                .or(key.as_ref()),
        };
        first.map(|node| node.span.start)
    }

    fn on_event(&mut self, event: Event<'s>, parsed: SaphyrSpan) -> Result<(), YamlError> {
        let span = self.span(&parsed);
        match event {
            Event::DocumentStart(_) => {
                self.document = Resume {
                    line: self.line_of(&parsed.start),
                    document: self.document_count,
                };
                if self.document_count >= MAX_DOCUMENTS {
                    return Err(YamlError::limit(
                        format!("the file holds more documents than mslint's limit of {MAX_DOCUMENTS}"),
                        span,
                    ));
                }
                self.stack.clear();
                self.pending_items.clear();
                self.pending_entries.clear();
                self.anchors.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted | SaphyrStyle::DoubleQuoted => ScalarStyle::Quoted,
                    _ => ScalarStyle::Block,
                };
                let text = self.borrowed(text, span, style);
                let tag = tag.map_or(StringTag::None, |tag| string_tag(&tag));
                let scalar = Scalar::tagged(text, style, tag);
                self.complete(Node::new(span, Value::Scalar(scalar)), anchor, Size::SCALAR)?;
            }
            Event::Alias(anchor) => {
                let anchored = self
                    .anchors
                    .get(&anchor)
                    .ok_or_else(|| YamlError::syntax("alias names no anchor defined before it", span))?;
                let size = anchored.size;
                self.alias_nodes += size.nodes;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(YamlError::limit(
                        format!(
                            "aliases expand to more nodes than mslint's limit of {MAX_ALIAS_NODES} (a \"billion laughs\" alias bomb?)"
                        ),
                        span,
                    ));
                }
                let node = anchored.node;
                if self.stack.len() + size.height > MAX_DEPTH {
                    return Err(YamlError::limit(
                        format!("aliases nest deeper than mslint's limit of {MAX_DEPTH} levels"),
                        span,
                    ));
                }
                self.complete(node, 0, size)?;
            }
            Event::SequenceStart(anchor, _) => {
                let first = self.pending_items.len();
                self.open(anchor, span, Collection::Sequence { first })?
            }
            Event::MappingStart(anchor, _) => {
                let first = self.pending_entries.len();
                self.open(anchor, span, Collection::Mapping { first, key: None })?
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Ends the collection being read at `span`, its closing bracket or the token after it.
    fn close(&mut self, span: Span) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match frame.content {
            Collection::Sequence { first } => Value::Sequence(
                self.arena
                    .alloc_slice_fill_iter(self.pending_items.drain(first..)),
            ),
            Collection::Mapping { first, .. } => {
                let entries: &'s [Entry<'s>] = self
                    .arena
                    .alloc_slice_fill_iter(self.pending_entries.drain(first..));
                self.check_duplicate_keys(entries);
                Value::Mapping(entries)
            }
        };
        let node = Node::new(frame.start.cover(span), value);
        self.complete(node, frame.anchor, frame.size)
    }

    /// Ends the document being read at a `...` line whose rest the parser refused ("invalid
    /// content after document end marker"): the marker had closed every block collection, but
    /// the parser fails before it hands their ends over, and the document would be lost. A
    /// flow collection still open is not closed by the marker, and leaves the document as it is.
    fn end_document_at_marker(&mut self, line_start: usize) -> Result<(), YamlError> {
        if self.unclosed_flow().is_some() {
            return Ok(());
        }
        let at = Span::new(line_start, line_start);
        while let Some(frame) = self.stack.last() {
            // A key, or a `-` the parser had read, whose value is empty: the null the parser
            // would have given it.
            let empty_value = match frame.content {
                Collection::Mapping { key, .. } => key.is_some().then_some(at),
                Collection::Sequence { first } => {
                    let last = self.pending_items.get(first..).and_then(<[Node<'s>]>::last);
                    let after = last.map_or(frame.start.start, |item| item.span.end) as usize;
                    let dash_end = self.text.get(after..line_start).and_then(empty_entry_end);
                    dash_end.map(|end| Span::new(after + end, after + end))
                }
            };
            if let Some(span) = empty_value {
                let null = Node::new(
                    span,
                    Value::Scalar(Scalar::tagged("", ScalarStyle::Plain, StringTag::None)),
                );
                self.complete(null, 0, Size::SCALAR)?;
            }
            self.close(at)?;
        }
        Ok(())
    }

    /// The scanner hands every scalar over as an owned string; where the source holds the same
    /// text (almost always), borrow it instead, so the tree costs no allocation per scalar.
    fn borrowed(&self, text: Cow<'s, str>, span: Span, style: ScalarStyle) -> &'s str {
        let source = self.text.get(span.range()).unwrap_or("");
        let inner = match style {
            ScalarStyle::Plain => Some(source),
            ScalarStyle::Quoted => source.get(1..source.len().saturating_sub(1)),
            ScalarStyle::Block => None,
        };
        match (inner, text) {
            (Some(inner), text) if same_text(inner, &text) => inner,
            (_, Cow::Borrowed(text)) => text,
            (_, Cow::Owned(text)) => self.arena.alloc_str(&text),
        }
    }

    fn open(&mut self, anchor: usize, span: Span, content: Collection<'s>) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::limit(
                format!("nesting is deeper than mslint's limit of {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.stack.push(Frame {
            start: span,
            anchor,
            size: Size::EMPTY_COLLECTION,
            content,
        });
        Ok(())
    }

    /// Adds a finished node of `size` to the collection being read, or to the stream.
    fn complete(&mut self, node: Node<'s>, anchor: usize, size: Size) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, Anchored { node, size });
        }
        match self.stack.last_mut() {
            None => {
                let position = self.document_count;
                self.document_count += 1;
                let empty = matches!(node.value(), Value::Scalar(s) if s.is_plain() && s.text().is_empty());
                if !empty {
                    self.stream.documents.push(Document { root: node, position });
                }
            }
            Some(frame) => {
                frame.size.add_child(size);
                match &mut frame.content {
                    Collection::Sequence { .. } => self.pending_items.push(node),
                    Collection::Mapping { key, .. } => match key.take() {
                        None => *key = Some(node),
                        Some(key) => self.pending_entries.push(Entry { key, value: node }),
                    },
                }
            }
        }
        Ok(())
    }

    fn check_duplicate_keys(&mut self, entries: &[Entry<'s>]) {
        // Most mappings are small, and comparing their keys pairwise beats hashing each one.
        let mut seen: HashSet<&str> = HashSet::new();
        let large = entries.len() > 32;
        for (n, entry) in entries.iter().enumerate() {
            let Some(key) = entry.key.as_str().filter(|_| !entry.is_merge()) else {
                continue;
            };
            let repeated = if large {
                !seen.insert(key)
            } else {
                entries[..n]
                    .iter()
                    .filter(|earlier| !earlier.is_merge())
                    .any(|earlier| earlier.key.as_str().is_some_and(|k| same_text(k, key)))
            };
            if repeated {
                self.stream.errors.push(YamlError::syntax(
                    format!("duplicate key `{key}`; Kubernetes rejects the document"),
                    entry.key.span,
                ));
            }
        }
    }
}

/// Whether a tag makes a scalar a string whatever its text: `!!str` (also written out as
/// `!<tag:yaml.org,2002:str>`) and the non-specific `!` do.
fn string_tag(tag: &saphyr_parser::Tag) -> StringTag {
    match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("", "!") => StringTag::NonSpecific,
        ("", "tag:yaml.org,2002:str") | ("tag:yaml.org,2002:", "str") => StringTag::Str,
        _ => StringTag::None,
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
            // A comment between the properties and the content (`&x # note⏎value`), ended by
            // either line break (a carriage return alone ends a line too).
            Some(b'#') if after_property && start < end => {
                while start < end && !matches!(bytes.get(start), Some(b'\n' | b'\r')) {
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
        let stream = parse_for_test(text);
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
    fn spans_land_on_their_text_after_characters_of_several_bytes() {
        let text = "\u{feff}a: é😀\r\nb: [ü, \"ß\", {c: 😀x}]\n# ñ 😀\nd: |\n  é\ne: &k 値\nf: *k\n";
        let stream = parse_for_test(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let root = &stream.documents[0].root;
        let at = |node: &Node<'_>| &text[node.span.range()];
        assert_eq!(at(root.get("a").unwrap()), "é😀");
        let b = root.get("b").unwrap().items();
        assert_eq!((at(&b[0]), at(&b[1])), ("ü", "\"ß\""));
        assert_eq!(at(b[2].get("c").unwrap()), "😀x");
        assert_eq!(at(&root.entry("d").unwrap().key), "d");
        assert_eq!(at(root.get("e").unwrap()), "値");
        assert_eq!(at(&root.entry("f").unwrap().key), "f");
        assert_eq!(position(text, root.entry("e").unwrap().key.span), (6, 1));
    }

    #[test]
    fn multi_document_streams_keep_every_document_and_skip_empty_ones() {
        let stream = parse_for_test("---\na: 1\n---\n---\nb: 2\n...\n");
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.documents[1].position, 2);
    }

    #[test]
    fn a_syntax_error_keeps_the_documents_before_it() {
        let text = "a: 1\n---\nb: [1, 2\nc: d\n";
        let stream = parse_for_test(text);
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.errors.len(), 1);
        // At the bracket never closed, not at the line after it where the parser stopped.
        assert_eq!(position(text, stream.errors[0].span), (3, 4));
    }

    #[test]
    fn a_document_ended_by_a_marker_with_text_after_it_is_kept() {
        let text = "a: 1\nb:\n  c: [x]\n  d:\n... junk\n";
        let stream = parse_for_test(text);
        assert_eq!(stream.documents.len(), 1, "{:?}", stream.errors);
        let root = &stream.documents[0].root;
        assert_eq!(root.path(&["b", "c"]).map(|c| &text[c.span.range()]), Some("[x]"));
        let d = root.get("b").and_then(|b| b.entry("d"));
        assert!(d.is_some_and(|d| d.value.is_null()), "{root:?}");
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(position(text, stream.errors[0].span), (5, 5));
        // A `-` read before the marker is an empty item, there, and one before the sequence's
        // first.
        let text = "a:\n- x\n-\n... junk\n";
        let items = parse_for_test(text).documents[0]
            .root
            .get("a")
            .map(|a| a.items().to_vec());
        assert_eq!(
            items.map(|items| items[1].span.start),
            Some(8),
            "right after its dash"
        );
        for (text, items) in [
            ("a:\n  - x # - y\n  -\n... junk\n", 2),
            ("a:\n- x\n-   # empty\n... junk\n", 2),
            ("a:\n  -\n... junk\n", 1),
            ("a:\n  - x\n  # -\n... junk\n", 1),
            ("a:\n- x\n- y # note\n... junk\n", 1),
        ] {
            let stream = parse_for_test(text);
            let a = stream.documents.first().and_then(|d| d.root.get("a"));
            assert_eq!(
                a.map(|a| a.items().len()),
                Some(items),
                "{text}: {:?}",
                stream.errors
            );
        }
        // A flow collection the marker does not close leaves the document unfinished.
        let open_flow = parse_for_test("a: [1,\n... junk\n");
        assert!(open_flow.documents.is_empty());
        assert_eq!(open_flow.errors.len(), 1);
    }

    #[test]
    fn a_flow_collection_never_closed_is_reported_where_it_opens() {
        let filler: String = (0..30).map(|n| format!("  k{n}: v,\n")).collect();
        for (text, bracket) in [
            (
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm,\n{filler}"),
                (3, 11),
            ),
            (format!("apiVersion: v1\ndata: {{a: [1,\n{filler}"), (2, 11)),
        ] {
            let stream = parse_for_test(&text);
            assert_eq!(stream.errors.len(), 1, "{:?}", stream.errors);
            assert_eq!(position(&text, stream.errors[0].span), bracket, "{text}");
            assert!(stream.errors[0].message.contains("is never closed"));
        }
        // An error in the middle of a flow collection stays where it is, and so does one on a
        // later line of the collection, indented further than its key.
        // A block mapping whose first key is a flow collection opens no bracket.
        for text in [
            "data: {a: b c: d}\nnext: 1\n",
            "data: [x,\n  y: z: w]\n",
            "[k]: 1\nb: \"c\n",
            "{k: 1}: 1\nb: c: d\n",
            "k:\n- [x]\n- b: c\n- d: e f: g\n",
            "k:\n- {a: b}\n- \"x\n",
            // A collection closed on a later line Kubernetes reads (see `leniency`).
            "k:\n  labels: {a: b,\n  c: d e: f}\n",
            "k:\n  labels: {a: b\n  c: d}\n",
        ] {
            let stream = parse_for_test(text);
            assert!(!stream.errors[0].message.contains("never closed"), "{text}");
        }
        // A collection the block content goes on after, or the next document, is never closed.
        for (text, reached) in [
            (
                "a:\n  b: {c: d\n  e: f\n",
                "line 3, where the block content goes on",
            ),
            ("- [a, b\n- c\n", "the end of the file"),
            ("a: {b: c\n---\nd: e\n", "line 2, where the document ends"),
            (
                "[k]: 1\nb: {c: d\ne: f\n",
                "line 3, where the block content goes on",
            ),
        ] {
            let stream = parse_for_test(text);
            let error = &stream.errors[0];
            assert!(error.message.contains(reached), "{text}: {}", error.message);
            let bracket = text.rfind(['{', '[']).unwrap();
            assert_eq!(error.span.start as usize, bracket, "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let stream = parse_for_test(&text);
        assert!(stream.documents.is_empty());
        // The scanner stops first, at its own recursion limit; either way it is a located error.
        let message = &stream.errors[0].message;
        assert!(
            message.contains("recursion limit") || message.contains("deeper than"),
            "{message}"
        );
    }

    #[test]
    fn a_comment_after_properties_ends_at_a_carriage_return() {
        let text = "&x #c\ré";
        let stream = parse_for_test(text);
        let root = &stream.documents[0].root;
        assert_eq!(&text[root.span.range()], "é");
    }

    #[test]
    fn aliases_cannot_nest_deeper_than_the_text_may() {
        // Each anchor holds the one before it 200 levels down: 30 of them would nest 6,000 levels.
        let mut text = String::from("k0: &a0 x\n");
        for n in 1..30 {
            text.push_str(&format!(
                "k{n}: &a{n} {}*a{}{}\n",
                "[".repeat(200),
                n - 1,
                "]".repeat(200)
            ));
        }
        let stream = parse_for_test(&text);
        assert!(stream.documents.is_empty());
        let error = &stream.errors[0];
        assert!(
            error.limit && error.message.contains("aliases nest deeper"),
            "{error:?}"
        );
        assert_eq!(position(&text, error.span), (3, 209));
        // As deep as the limit is still read.
        let within = format!(
            "a: &a {}x{}\nb: {}*a{}\n",
            "[".repeat(120),
            "]".repeat(120),
            "[".repeat(135),
            "]".repeat(135)
        );
        assert!(parse_for_test(&within).errors.is_empty());
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
        let stream = parse_for_test(&text);
        assert!(
            stream.errors[0].message.contains("billion laughs"),
            "{:?}",
            stream.errors
        );
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let stream = parse_for_test(text);
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(position(text, stream.errors[0].span), (3, 1));
    }

    #[test]
    fn a_key_written_like_a_merge_key_repeats_no_merge_key() {
        for text in [
            "base: &b {a: 1}\nm: {<<: *b, !!str <<: 1}\n",
            "base: &b {a: 1}\nm: {<<: *b, \"<<\": 1}\n",
            "base: &b {a: 1}\nm: {<<: *b, ! <<: {c: 2}}\n",
        ] {
            assert!(parse_for_test(text).errors.is_empty(), "{text}");
        }
        let twice = parse_for_test("m: {\"<<\": 1, !!str <<: 2}\n");
        assert_eq!(twice.errors.len(), 1, "two ordinary `<<` keys");
    }

    #[test]
    fn tab_indentation_is_a_located_error() {
        let text = "a:\n\tb: 1\n";
        let stream = parse_for_test(text);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(position(text, stream.errors[0].span).0, 2);
    }
}
