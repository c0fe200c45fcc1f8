//! Splitting `ENV`, `ARG` and `LABEL` arguments into key/value pairs with their own spans.

use std::borrow::Cow;
use std::ops::Range;

use super::Word;
use crate::source::Span;

/// One `KEY=value` (or a bare `ARG NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The name.
    pub key: Word,
    /// The value, unquoted; `None` for `ARG NAME` without a default.
    pub value: Option<Word>,
}

/// An instruction's logical line as BuildKit reads it before it splits words: each
/// continuation (the escape, blanks, a line end) removed together with the blank and comment
/// lines right after it, nothing put in its place, and the first line end that is not
/// continued the end.
pub struct LogicalLine<'r> {
    /// The joined text.
    pub text: Cow<'r, str>,
    /// Where each piece of the text starts, in the text and in the source, in order.
    pieces: Vec<(usize, usize)>,
}

impl<'r> LogicalLine<'r> {
    /// The logical line that `raw` starts.
    pub fn read(raw: &'r str, escape: char) -> Self {
        let bytes = raw.as_bytes();
        let escape = u8::try_from(escape).ok().filter(u8::is_ascii);
        let mut pieces = vec![(0, 0)];
        let mut joined = String::new();
        let (mut piece_start, mut at) = (0, 0);
        while at < bytes.len() {
            match bytes[at] {
                b'\n' => break,
                b'\r' if bytes.get(at + 1) == Some(&b'\n') => break,
                byte if Some(byte) == escape => {
                    if let Some(next_line) = line_end_after_blanks(bytes, at + 1) {
                        joined.push_str(&raw[piece_start..at]);
                        at = past_blank_and_comment_lines(bytes, next_line);
                        piece_start = at;
                        pieces.push((joined.len(), at));
                        continue;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        let text = if pieces.len() == 1 {
            Cow::Borrowed(&raw[..at])
        } else {
            joined.push_str(&raw[piece_start..at]);
            Cow::Owned(joined)
        };
        LogicalLine { text, pieces }
    }

    /// The source range of `range` of the text: a range across a join covers the join, and a
    /// range that ends where a piece ends ends there, not after the continuation.
    fn source_range(&self, range: Range<usize>) -> Range<usize> {
        let source = |at: usize, is_end: bool| {
            let index = self
                .pieces
                .partition_point(|&(text_start, _)| text_start < at || (!is_end && text_start == at));
            let (text_start, source_start) = self.pieces[index.saturating_sub(1)];
            source_start + (at - text_start)
        };
        source(range.start, false)..source(range.end, true)
    }
}

/// Just past the line end at `at`, after blanks only.
fn line_end_after_blanks(bytes: &[u8], at: usize) -> Option<usize> {
    let at = at
        + bytes[at.min(bytes.len())..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
    match bytes.get(at..) {
        Some([b'\n', ..]) => Some(at + 1),
        Some([b'\r', b'\n', ..]) => Some(at + 2),
        _ => None,
    }
}

/// The start of the first line from `at` that is neither blank nor a comment.
fn past_blank_and_comment_lines(bytes: &[u8], mut at: usize) -> usize {
    loop {
        let first = at
            + bytes[at..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
        at = match bytes.get(first) {
            Some(b'#') => memchr::memchr(b'\n', &bytes[first..]).map_or(bytes.len(), |end| first + end + 1),
            Some(_) => match line_end_after_blanks(bytes, first) {
                Some(next_line) => next_line,
                None => return at,
            },
            None => return at,
        };
    }
}

/// Splits the raw source of `ENV`/`ARG`/`LABEL` arguments, which starts at byte `base`.
///
/// Reads the [`LogicalLine`] and splits its words as BuildKit does, quotes and the escape
/// character kept inside a word; with `legacy_form` (`ENV`, `LABEL`), also `KEY value…`, where
/// one word without `=` names the rest of the line. `ARG` has no such form: each of its words
/// is a name or a `name=default`.
pub fn split_pairs(raw: &str, base: usize, escape: char, legacy_form: bool) -> Vec<Pair> {
    let line = LogicalLine::read(raw, escape);
    let text = line.text.as_ref();
    let tokens = tokens(text, escape);
    let word = |range: Range<usize>| {
        let source = line.source_range(range.clone());
        Word {
            text: unquote(text.get(range).unwrap_or(""), escape),
            span: Span::new(base + source.start, base + source.end),
        }
    };
    let Some(first) = tokens.first() else {
        return Vec::new();
    };
    let first_raw = text.get(first.clone()).unwrap_or("");
    if legacy_form && !first_raw.contains('=') && tokens.len() > 1 {
        // Legacy form: the first word is the key, everything after it is the value.
        let value_start = tokens.get(1).map_or(first.end, |t| t.start);
        let value_end = tokens.last().map_or(first.end, |t| t.end);
        return vec![Pair {
            key: word(first.clone()),
            value: Some(word(value_start..value_end)),
        }];
    }
    tokens
        .into_iter()
        .map(|token| match text.get(token.clone()).unwrap_or("").find('=') {
            Some(eq) => Pair {
                key: word(token.start..token.start + eq),
                value: Some(word(token.start + eq + 1..token.end)),
            },
            None => Pair {
                key: word(token),
                value: None,
            },
        })
        .collect()
}

/// The whitespace-separated words of a [`LogicalLine`]'s text as written, quotes and escapes
/// kept: the words the Dockerfile frontend's parser stores before it expands them.
pub fn raw_words(line: &str, escape: char) -> Vec<&str> {
    tokens(line, escape)
        .into_iter()
        .filter_map(|range| line.get(range))
        .collect()
}

/// Byte ranges of the whitespace-separated tokens of a logical line, quotes and escapes kept
/// inside a token.
fn tokens(line: &str, escape: char) -> Vec<Range<usize>> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == escape && quote != Some('\'') {
            // The escaped character belongs to the word, whatever it is.
            start.get_or_insert(i);
            chars.next();
            continue;
        }
        match (quote, c) {
            (None, '"' | '\'') => {
                start.get_or_insert(i);
                quote = Some(c);
            }
            (Some(q), _) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    tokens.push(s..i);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        tokens.push(s..line.len());
    }
    tokens
}

/// Removes quotes and escapes the way the Dockerfile frontend does for these instructions.
fn unquote(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => out.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (_, c) if c == escape => out.push(chars.next().unwrap_or(c)),
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(raw: &str) -> Vec<(String, Option<String>)> {
        split_pairs(raw, 0, '\\', true)
            .into_iter()
            .map(|p| (p.key.text, p.value.map(|v| v.text)))
            .collect()
    }

    #[test]
    fn pairs_are_split_and_unquoted() {
        assert_eq!(
            texts(r#"A=1 B="two words"  C='x y' D=a\ b"#),
            [
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), Some("x y".into())),
                ("D".into(), Some("a b".into())),
            ]
        );
    }

    #[test]
    fn legacy_form_takes_the_rest_of_the_line() {
        assert_eq!(
            texts("JAVA_OPTS -Xmx1g -Xms1g"),
            [("JAVA_OPTS".into(), Some("-Xmx1g -Xms1g".into()))]
        );
    }

    #[test]
    fn bare_arg_names_have_no_value() {
        assert_eq!(texts("VERSION"), [("VERSION".into(), None)]);
        // `ARG` has no legacy form: each word is a name of its own.
        let names: Vec<_> = split_pairs("PASSWORD secret V=1", 0, '\\', false)
            .into_iter()
            .map(|p| (p.key.text, p.value.map(|v| v.text)))
            .collect();
        assert_eq!(
            names,
            [
                ("PASSWORD".into(), None),
                ("secret".into(), None),
                ("V".into(), Some("1".into()))
            ]
        );
    }

    #[test]
    fn spans_point_into_the_source_across_continuations() {
        let raw = "A=1 \\\n    TOKEN=\"abc\"";
        let pairs = split_pairs(raw, 10, '\\', true);
        assert_eq!(pairs.len(), 2);
        let token = &pairs[1];
        assert_eq!(
            &raw[token.key.span.start as usize - 10..token.key.span.end as usize - 10],
            "TOKEN"
        );
        assert_eq!(token.value.as_ref().unwrap().text, "abc");
    }

    #[test]
    fn continued_lines_join_as_buildkit_joins_them() {
        // Nothing takes the continuation's place: the two lines are one word.
        assert_eq!(texts("A=1\\\nB=2"), [("A".into(), Some("1B=2".into()))]);
        // Blanks after the escape, then comment and blank lines, are part of the continuation;
        // the next line's own blanks are kept and separate.
        assert_eq!(
            texts("A=1 \\  \t\r\n  # a comment \\\n\n \t\n  B=\"two \\\n words\""),
            [
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two  words".into()))
            ]
        );
        // A continuation inside single quotes joins too: lines are joined before words are split.
        assert_eq!(texts("A='x\\\ny'"), [("A".into(), Some("xy".into()))]);
        // An escape that is followed by something other than a line end escapes it.
        assert_eq!(texts("A=x\\ y"), [("A".into(), Some("x y".into()))]);
        // The first line end that is not continued ends the line.
        assert_eq!(texts("A=1\nB=2"), [("A".into(), Some("1".into()))]);
    }

    #[test]
    fn a_word_across_a_join_spans_the_join_and_ends_where_its_piece_ends() {
        let raw = "NAME=a\\\n# note\nb \\\n  LAST=z";
        let pairs = split_pairs(raw, 0, '\\', true);
        let source = |word: &Word| &raw[word.span.range()];
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].value.as_ref().map(|v| v.text.as_str()), Some("ab"));
        assert_eq!(source(pairs[0].value.as_ref().unwrap()), "a\\\n# note\nb");
        assert_eq!(source(&pairs[1].key), "LAST");
        assert_eq!(source(pairs[1].value.as_ref().unwrap()), "z");
        let line = LogicalLine::read("A=1\\\nB", '\\');
        assert_eq!(
            line.source_range(0..3),
            0..3,
            "a range ending at a join ends before it"
        );
        assert_eq!(line.source_range(3..4), 5..6);
    }

    #[test]
    fn the_backtick_escape_continues_lines_and_a_backslash_is_text() {
        let pairs = split_pairs("P=C:\\dir `\r\n  Q=1", 0, '`', true);
        let pairs: Vec<_> = pairs
            .into_iter()
            .map(|p| (p.key.text, p.value.map(|v| v.text)))
            .collect();
        assert_eq!(
            pairs,
            [
                ("P".into(), Some("C:\\dir".into())),
                ("Q".into(), Some("1".into()))
            ]
        );
    }
}
