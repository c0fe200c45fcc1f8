//! Where the characters of a scalar's text are written in the source.

use std::ops::Range;

use super::{Node, ScalarStyle, Value};
use crate::source::Span;

/// The source position of each line of a scalar's text, for scalars written as they read:
/// plain and quoted scalars on one line without escapes, and literal block scalars (`|`) whose
/// lines only lose their indentation. Folded (`>`) and multi-line flow scalars join their lines,
/// and escapes change lengths: those have no map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarMap {
    /// For each line of the text: its offset in the text, its offset in the source, its length.
    lines: Vec<(usize, usize, usize)>,
}

impl ScalarMap {
    /// The map of `node`'s text in `source`, the whole text the node was parsed from.
    pub fn of(source: &str, node: &Node<'_>) -> Option<ScalarMap> {
        let Value::Scalar(scalar) = node.value() else {
            return None;
        };
        let (text, style) = (scalar.text(), &scalar.style());
        let start = node.span.start as usize;
        let written = source.get(node.span.range())?;
        let inner = match style {
            ScalarStyle::Quoted => written.get(1..written.len().saturating_sub(1)),
            _ => Some(written),
        };
        if !text.contains('\n') && inner == Some(text) {
            let offset = start + usize::from(*style == ScalarStyle::Quoted);
            return Some(ScalarMap {
                lines: vec![(0, offset, text.len())],
            });
        }
        if *style != ScalarStyle::Block {
            return None;
        }
        let line_start = source.get(..start)?.rfind('\n').map_or(0, |n| n + 1);
        let indent = start - line_start;
        if !source.get(line_start..start)?.bytes().all(|b| b == b' ') {
            return None;
        }
        let mut lines = Vec::new();
        let mut source_line = line_start;
        let mut text_offset = 0;
        for line in text.split_inclusive('\n') {
            let content = line.strip_suffix('\n').unwrap_or(line);
            let end = source
                .get(source_line..)?
                .find('\n')
                .map_or(source.len(), |n| source_line + n);
            let written = source.get(source_line..end)?;
            if content.is_empty() {
                if !written.trim().is_empty() {
                    return None;
                }
            } else {
                let (lead, rest) = (written.get(..indent)?, written.get(indent..)?);
                if !lead.bytes().all(|b| b == b' ') || !rest.starts_with(content) {
                    return None;
                }
            }
            lines.push((
                text_offset,
                source_line + indent.min(written.len()),
                content.len(),
            ));
            text_offset += line.len();
            source_line = end + 1;
        }
        Some(ScalarMap { lines })
    }

    /// The source offset of a text offset.
    pub fn offset(&self, text_offset: usize) -> Option<usize> {
        let index = self.lines.partition_point(|(start, _, _)| *start <= text_offset);
        let (start, source, len) = *self.lines.get(index.checked_sub(1)?)?;
        (text_offset - start <= len).then(|| source + (text_offset - start))
    }

    /// The source span of a range of the text, when both ends are on the map.
    pub fn span(&self, range: Range<usize>) -> Option<Span> {
        Some(Span::new(self.offset(range.start)?, self.offset(range.end)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn map_of(text: &str, key: &str) -> (Option<ScalarMap>, String) {
        let stream = parse_for_test(text);
        let node = *stream.documents[0].root.get(key).unwrap();
        (ScalarMap::of(text, &node), node.as_str().unwrap().to_owned())
    }

    #[test]
    fn literal_block_lines_map_back_to_their_source() {
        let text = "data:\n  x: 1\nfile: |\n  a: 1\n\n  b:\n    pw: hunter2\nnext: 2\n";
        let (map, value) = map_of(text, "file");
        let map = map.expect("a literal block maps");
        let at = value.find("hunter2").unwrap();
        let span = map.span(at..at + 7).unwrap();
        assert_eq!(&text[span.range()], "hunter2");
        let b = value.find("b:").unwrap();
        assert_eq!(&text[map.span(b..b + 2).unwrap().range()], "b:");
    }

    #[test]
    fn one_line_scalars_map_when_written_as_they_read() {
        let text = "a: \"x;Password=s3cr3t\"\nb: plain text\nc: \"esc\\\"aped\"\n";
        let (map, value) = map_of(text, "a");
        let at = value.find("s3cr3t").unwrap();
        assert_eq!(&text[map.unwrap().span(at..at + 6).unwrap().range()], "s3cr3t");
        assert!(map_of(text, "b").0.is_some());
        assert!(map_of(text, "c").0.is_none(), "an escape changes lengths");
    }

    #[test]
    fn folded_and_multi_line_plain_scalars_have_no_map() {
        let text = "f: >\n  one\n  two\np: one\n  two\n";
        assert!(map_of(text, "f").0.is_none());
        assert!(map_of(text, "p").0.is_none());
    }
}
