//! Source text, byte spans and the byte → line/column mapping every stage shares.

use std::sync::Arc;

pub mod escape;

/// A byte range into one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span over `start..end`, saturating offsets above 4 GiB (files that large are refused earlier).
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    /// The byte range, for slicing text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Hashes spans cheaply: they are already well spread, and sets of them are hot in rules that
/// visit every node.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpanHasher(u64);

impl std::hash::Hasher for SpanHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(32) ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A set of spans with [`SpanHasher`].
pub type SpanSet = std::collections::HashSet<Span, std::hash::BuildHasherDefault<SpanHasher>>;
/// A map from spans with [`SpanHasher`].
pub type SpanMap<V> = std::collections::HashMap<Span, V, std::hash::BuildHasherDefault<SpanHasher>>;

/// Index of a file within one scan; stable for the scan only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// One file of the scan: where it is and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, with `/` separators; what every report shows.
    pub path: Arc<str>,
    /// The file's text (lossless for UTF-8 input; empty when the file could not be decoded).
    pub text: String,
    /// Line starts for this text.
    pub lines: LineIndex,
}

impl SourceFile {
    /// Wraps text read from `path`.
    pub fn new(path: impl Into<Arc<str>>, text: String) -> Self {
        let lines = LineIndex::of_text(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
        }
    }

    /// The 1-based position of the span's start and end.
    pub fn locate(&self, span: Span) -> Region {
        let (start_line, start_column) = self.lines.line_column(&self.text, span.start as usize);
        let (end_line, end_column) = self.lines.line_column(&self.text, span.end as usize);
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    /// The text under a span, or "" when the span does not fall on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// A 1-based line/column region; columns count Unicode code points and `end_column` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// Line of the first character.
    pub start_line: u32,
    /// Column of the first character.
    pub start_column: u32,
    /// Line of the end position.
    pub end_line: u32,
    /// Column just after the last character.
    pub end_column: u32,
}

/// Byte offsets of every line start, for turning offsets into positions and back.
///
/// Columns count code points. In a text that is not ASCII, counting them from the line start
/// would make every position on a long line cost the line's length (a 20 MB one-line JSON
/// file holds millions of nodes), so the index also keeps the number of code points before
/// every 64-byte block: a position costs at most a few blocks' walk, whatever the line.
#[derive(Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
    ascii: bool,
    /// For text that is not ASCII: code points starting before byte `k * BLOCK`, for each `k`.
    blocks: Vec<u32>,
}

/// Bytes between two code-point checkpoints of a [`LineIndex`]: 6% of a text that is not ASCII.
const BLOCK: usize = 64;

/// True for the first byte of a UTF-8 sequence (not a `10xxxxxx` continuation byte).
pub(crate) fn starts_char(byte: u8) -> bool {
    (byte as i8) >= -0x40
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| starts_char(**b)).count()
}

impl LineIndex {
    /// Indexes the line starts of `text` (a line ends after `\n`).
    pub fn new(text: &str) -> Self {
        Self::with_breaks(text, memchr::memchr_iter(b'\n', text.as_bytes()))
    }

    /// The lines of a file as reports number them: a carriage return that no line feed follows
    /// ends a line too, as YAML and SARIF count lines and editors show them.
    pub fn of_text(text: &str) -> Self {
        Self::yaml(text).unwrap_or_else(|| Self::new(text))
    }

    /// The lines as YAML counts them, when they differ from [`LineIndex::new`]'s: YAML also ends
    /// a line at a carriage return that no line feed follows (old Mac line ends, a stray `\r`),
    /// and its parser reports positions in those lines.
    fn yaml(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let lone = |i: &usize| bytes.get(i + 1) != Some(&b'\n');
        memchr::memchr_iter(b'\r', bytes).find(lone)?;
        let breaks =
            memchr::memchr2_iter(b'\n', b'\r', bytes).filter(|i| bytes.get(*i) == Some(&b'\n') || lone(i));
        Some(Self::with_breaks(text, breaks))
    }

    /// Indexes the lines that end at the bytes `breaks` (in order). They are counted first, in
    /// a fast pass over the text: a list grown as they come would be copied several times over,
    /// each time into fresh pages the system must fault in.
    fn with_breaks(text: &str, breaks: impl Iterator<Item = usize> + Clone) -> Self {
        let mut starts = Vec::with_capacity(breaks.clone().count() + 1);
        starts.push(0);
        starts.extend(breaks.map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)));
        let ascii = text.is_ascii();
        let mut blocks = Vec::new();
        if !ascii {
            blocks.reserve_exact(text.len().div_ceil(BLOCK) + 1);
            let mut before = 0u32;
            for block in text.as_bytes().chunks(BLOCK) {
                blocks.push(before);
                before = before.saturating_add(count_chars(block) as u32);
            }
            blocks.push(before);
        }
        LineIndex {
            starts,
            ascii,
            blocks,
        }
    }

    /// Code points that start before byte `offset` of `text` (a text that is not ASCII).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        let counted = self.blocks.get(block).copied().unwrap_or(0) as usize;
        counted + text.as_bytes().get(block * BLOCK..offset).map_or(0, count_chars)
    }

    /// Code points between byte offsets `from <= to`, walking short distances directly.
    fn chars_between(&self, text: &str, from: usize, to: usize) -> usize {
        if to - from < BLOCK {
            text.as_bytes().get(from..to).map_or(0, count_chars)
        } else {
            self.chars_before(text, to) - self.chars_before(text, from)
        }
    }

    /// The byte offset where code point number `target` of `text` starts, if it does.
    fn char_start(&self, text: &str, target: usize) -> Option<usize> {
        let block = self
            .blocks
            .partition_point(|&before| before as usize <= target)
            .checked_sub(1)?;
        let mut count = self.blocks.get(block).copied()? as usize;
        let from = block * BLOCK;
        for (i, byte) in text.as_bytes().get(from..)?.iter().enumerate() {
            if starts_char(*byte) {
                if count == target {
                    return Some(from + i);
                }
                count += 1;
            }
        }
        None
    }

    /// Number of lines (a trailing newline opens an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 1-based `line` starts, clamped to the last line.
    pub fn line_start(&self, line: usize) -> usize {
        let index = line.clamp(1, self.starts.len()) - 1;
        self.starts.get(index).copied().unwrap_or(0) as usize
    }

    /// Byte range of 1-based `line` without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_start(line);
        let end = if line >= self.starts.len() {
            text.len()
        } else {
            self.line_start(line + 1)
        };
        let bytes = text.as_bytes();
        let mut trimmed = end.max(start);
        while trimmed > start && matches!(bytes.get(trimmed - 1), Some(b'\n' | b'\r')) {
            trimmed -= 1;
        }
        start..trimmed
    }

    /// 1-based line and code-point column of a byte offset.
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line_index = self
            .starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line_index).copied().unwrap_or(0) as usize;
        let column = if self.ascii {
            offset - start
        } else {
            self.chars_between(text, start, offset.max(start))
        };
        (line_index as u32 + 1, column as u32 + 1)
    }

    /// Byte offset of a 1-based line and 0-based code-point column (as YAML scanners report).
    pub fn offset_of(&self, text: &str, line: usize, char_column: usize) -> usize {
        let range = self.line_range(text, line);
        if self.ascii {
            return (range.start + char_column).min(text.len());
        }
        let before_line = self.chars_before(text, range.start);
        let line_chars = self.chars_before(text, range.end) - before_line;
        if char_column >= line_chars {
            // Past the text, a column counts the bytes of the line break, never into the next line.
            let next_line = if line < self.starts.len() {
                self.line_start(line + 1)
            } else {
                text.len()
            };
            return (range.end + (char_column - line_chars)).min(next_line);
        }
        self.char_start(text, before_line + char_column)
            .map_or(range.end, |i| i.min(range.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_code_points_not_bytes() {
        let text = "name: café\nnext: x\n";
        let file = SourceFile::new("a.yaml", text.to_owned());
        let offset = text.find("next").unwrap();
        assert_eq!(file.lines.line_column(text, offset), (2, 1));
        let e_acute = text.find('é').unwrap() + 'é'.len_utf8();
        assert_eq!(file.lines.line_column(text, e_acute), (1, 11));
        assert_eq!(file.lines.offset_of(text, 1, 10), e_acute);
    }

    #[test]
    fn offset_round_trips_through_line_and_column() {
        let text = "a: 1\r\nbé: [x, y]\n\nlast";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            let (line, column) = index.line_column(text, offset);
            assert_eq!(index.offset_of(text, line as usize, column as usize - 1), offset);
        }
    }

    #[test]
    fn positions_on_a_long_line_that_is_not_ascii_match_a_count_from_the_line_start() {
        let mut text = String::from("intro\n");
        for n in 0..3_000 {
            text.push_str(["a", "é", "日本", "🦀", " "][n % 5]);
        }
        text.push_str("\nlast é\n");
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices().step_by(7) {
            let start = index.line_start(index.line_column(&text, offset).0 as usize);
            let expected = text[start..offset].chars().count() as u32 + 1;
            let (line, column) = index.line_column(&text, offset);
            assert_eq!(column, expected, "offset {offset}");
            assert_eq!(index.offset_of(&text, line as usize, column as usize - 1), offset);
        }
        let end_of_long_line = text.len() - "\nlast é\n".len();
        let long_chars = text[6..end_of_long_line].chars().count();
        assert_eq!(index.offset_of(&text, 2, long_chars), end_of_long_line);
        assert_eq!(index.offset_of(&text, 2, long_chars + 1), end_of_long_line + 1);
    }

    #[test]
    fn yaml_lines_also_end_at_a_lone_carriage_return() {
        assert!(LineIndex::yaml("a: 1\r\nb: 2\n").is_none());
        let text = "a: 1\rb: [x,\r\n  y]\r";
        let index = LineIndex::yaml(text).expect("a lone carriage return");
        assert_eq!(index.line_count(), 4);
        assert_eq!(&text[index.line_range(text, 2)], "b: [x,");
        assert_eq!(index.offset_of(text, 3, 2), text.find('y').unwrap());
    }

    #[test]
    fn line_range_excludes_line_breaks() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(&text[index.line_range(text, 1)], "one");
        assert_eq!(&text[index.line_range(text, 2)], "two");
        assert_eq!(&text[index.line_range(text, 3)], "three");
    }
}
