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
        let lines = LineIndex::new(&text);
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
#[derive(Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
    ascii: bool,
}

impl LineIndex {
    /// Indexes the line starts of `text` (a line ends after `\n`).
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        LineIndex {
            starts,
            ascii: text.is_ascii(),
        }
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
            text.get(start..offset)
                .map_or(offset - start, |s| s.chars().count())
        };
        (line_index as u32 + 1, column as u32 + 1)
    }

    /// Byte offset of a 1-based line and 0-based code-point column (as YAML scanners report).
    pub fn offset_of(&self, text: &str, line: usize, char_column: usize) -> usize {
        let range = self.line_range(text, line);
        if self.ascii {
            return (range.start + char_column).min(text.len());
        }
        let line_text = text.get(range.clone()).unwrap_or("");
        match line_text.char_indices().nth(char_column) {
            Some((i, _)) => range.start + i,
            None => (range.start + line_text.len() + char_column.saturating_sub(line_text.chars().count()))
                .min(text.len()),
        }
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
    fn line_range_excludes_line_breaks() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(&text[index.line_range(text, 1)], "one");
        assert_eq!(&text[index.line_range(text, 2)], "two");
        assert_eq!(&text[index.line_range(text, 3)], "three");
    }
}
