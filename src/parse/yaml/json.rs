//! Files that kubectl reads as JSON: those whose first character, after blanks, is `{`.
//!
//! kubectl (apimachinery's `YAMLOrJSONDecoder`) decodes such a file as a stream of JSON objects
//! with Go's JSON decoder, and falls back to YAML only when that fails. Most JSON is YAML too,
//! but not all of it: objects written one after the other (`{…}\n{…}`) are one YAML document
//! followed by junk, and an escaped surrogate pair (`"\ud83d\ude00"`, how many JSON writers
//! spell an emoji) is no character to a YAML reader. So a stream of JSON objects is read here,
//! each object one document, into the same tree a YAML reader builds; anything else is left to
//! the YAML reader, whose errors then stand.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span as SaphyrSpan};

use crate::source::starts_char;

/// A position in the text as saphyr reports one: a character index, a 1-based line and a
/// 0-based column in characters.
#[derive(Debug, Clone, Copy)]
struct Position {
    byte: usize,
    character: usize,
    line: usize,
    column: usize,
}

impl Position {
    fn marker(self) -> Marker {
        Marker::new(self.character, self.line, self.column)
    }
}

/// What the reader is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// An object, expecting a key (`true` before its first one).
    ObjectKey { first: bool },
    /// An object, expecting the value of the key just read.
    ObjectValue,
    /// An array (`true` before its first item).
    Array { first: bool },
}

/// A piece of text that is not the JSON it should be.
#[derive(Debug)]
pub struct NotJson;

/// Where a text stopped being a stream of JSON objects: after how many values (objects and
/// skipped `null`s, as kubectl counts what it read) and how many of them objects, the byte
/// offset where the last value ends, and the offset of the token that is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    pub values: usize,
    pub objects: usize,
    pub after_last: usize,
    pub at: usize,
}

/// True when kubectl reads the text as JSON: its first character after blanks (and a byte
/// order mark, which its file reader drops) is `{`.
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('{')
}

/// Hands the events of a stream of JSON objects to `sink`, in the order and with the spans a
/// YAML reader gives them, each object a document; a top-level `null` is skipped, as kubectl
/// skips it. Stops at the first error `sink` returns. `Err` when the text is not such a
/// stream, saying where it stopped; `sink` has had the events up to there.
pub fn read<'s, E>(
    text: &'s str,
    mut sink: impl FnMut(Event<'s>, SaphyrSpan) -> Result<(), E>,
) -> Result<Result<(), E>, Stopped> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: Position {
            byte: 0,
            character: 0,
            line: 1,
            column: 0,
        },
    };
    let here = reader.at;
    let (mut values, mut objects, mut after_last) = (0, 0, 0);
    macro_rules! stop {
        () => {
            Stopped {
                values,
                objects,
                after_last,
                at: reader.at.byte,
            }
        };
    }
    macro_rules! emit {
        ($event:expr, $start:expr, $end:expr) => {
            if let Err(error) = sink($event, SaphyrSpan::new($start.marker(), $end.marker())) {
                return Ok(Err(error));
            }
        };
    }
    emit!(Event::StreamStart, here, here);
    if text.starts_with('\u{feff}') {
        reader.advance(3);
        // saphyr counts the mark in the index, not in the column.
        reader.at.column = 0;
    }
    let mut open: Vec<Open> = Vec::new();
    loop {
        reader.skip_blanks();
        let start = reader.at;
        let Some(&byte) = reader.bytes.get(start.byte) else {
            if !open.is_empty() {
                return Err(stop!());
            }
            emit!(Event::StreamEnd, start, start);
            return Ok(Ok(()));
        };
        // What closes the collection instead of a value, and what separates values.
        let closing = match open.last_mut() {
            None if byte == b'n' => {
                reader
                    .literal()
                    .ok()
                    .filter(|word| *word == "null")
                    .ok_or(stop!())?;
                // kubectl's decoder counts it as a value read; its visitor then skips it.
                values += 1;
                after_last = reader.at.byte;
                continue;
            }
            None => {
                if byte != b'{' {
                    return Err(stop!());
                }
                emit!(Event::DocumentStart(false), start, start);
                None
            }
            Some(Open::ObjectValue) => None,
            Some(Open::ObjectKey { .. }) if byte == b'}' => Some(Event::MappingEnd),
            Some(Open::Array { .. }) if byte == b']' => Some(Event::SequenceEnd),
            Some(Open::ObjectKey { first }) => {
                if !*first {
                    if byte != b',' {
                        return Err(stop!());
                    }
                    reader.advance(1);
                    reader.skip_blanks();
                }
                let key_start = reader.at;
                if reader.bytes.get(key_start.byte) != Some(&b'"') {
                    return Err(stop!());
                }
                let key = reader.string().map_err(|_| stop!())?;
                emit!(
                    Event::Scalar(key, ScalarStyle::DoubleQuoted, 0, None),
                    key_start,
                    reader.at
                );
                reader.skip_blanks();
                if reader.bytes.get(reader.at.byte) != Some(&b':') {
                    return Err(stop!());
                }
                reader.advance(1);
                if let Some(top) = open.last_mut() {
                    *top = Open::ObjectValue;
                }
                continue;
            }
            Some(Open::Array { first }) => {
                if !*first {
                    if byte != b',' {
                        return Err(stop!());
                    }
                    reader.advance(1);
                }
                *first = false;
                None
            }
        };
        if let Some(event) = closing {
            reader.advance(1);
            open.pop();
            emit!(event, start, reader.at);
            if let Err(error) = reader.after_value(&mut open, &mut sink) {
                return Ok(Err(error));
            }
            if open.is_empty() {
                values += 1;
                objects += 1;
                after_last = reader.at.byte;
            }
            continue;
        }
        reader.skip_blanks();
        let start = reader.at;
        match reader.bytes.get(start.byte) {
            Some(b'{') => {
                reader.advance(1);
                open.push(Open::ObjectKey { first: true });
                emit!(Event::MappingStart(0, None), start, reader.at);
                continue;
            }
            Some(b'[') => {
                reader.advance(1);
                open.push(Open::Array { first: true });
                emit!(Event::SequenceStart(0, None), start, reader.at);
                continue;
            }
            Some(b'"') => {
                let text = reader.string().map_err(|_| stop!())?;
                emit!(
                    Event::Scalar(text, ScalarStyle::DoubleQuoted, 0, None),
                    start,
                    reader.at
                );
            }
            Some(_) => {
                let text = reader.literal().map_err(|_| stop!())?;
                emit!(
                    Event::Scalar(Cow::Borrowed(text), ScalarStyle::Plain, 0, None),
                    start,
                    reader.at
                );
            }
            None => return Err(stop!()),
        }
        if let Err(error) = reader.after_value(&mut open, &mut sink) {
            return Ok(Err(error));
        }
    }
}

struct Reader<'s> {
    text: &'s str,
    bytes: &'s [u8],
    at: Position,
}

impl<'s> Reader<'s> {
    /// Moves past `count` bytes that hold no line break.
    fn advance(&mut self, count: usize) {
        let end = (self.at.byte + count).min(self.bytes.len());
        let characters = self.bytes[self.at.byte..end]
            .iter()
            .filter(|b| starts_char(**b))
            .count();
        self.at.byte = end;
        self.at.character += characters;
        self.at.column += characters;
    }

    fn skip_blanks(&mut self) {
        while let Some(&byte) = self.bytes.get(self.at.byte) {
            match byte {
                b' ' | b'\t' => self.advance(1),
                // `\r\n` is one line break, a lone `\r` one too.
                b'\r' if self.bytes.get(self.at.byte + 1) == Some(&b'\n') => self.advance(1),
                b'\n' | b'\r' => {
                    self.at.byte += 1;
                    self.at.character += 1;
                    self.at.line += 1;
                    self.at.column = 0;
                }
                _ => break,
            }
        }
    }

    /// After a value: a document ends when it closed the outermost object; in an object, the
    /// next key is due.
    fn after_value<E>(
        &self,
        open: &mut [Open],
        sink: &mut impl FnMut(Event<'s>, SaphyrSpan) -> Result<(), E>,
    ) -> Result<(), E> {
        match open.last_mut() {
            None => {
                let at = self.at.marker();
                sink(Event::DocumentEnd, SaphyrSpan::new(at, at))
            }
            Some(top @ Open::ObjectValue) => {
                *top = Open::ObjectKey { first: false };
                Ok(())
            }
            Some(_) => Ok(()),
        }
    }

    /// A string starting at the reader's quote, decoded; borrowed when it holds no escape.
    /// A lone surrogate becomes U+FFFD, as Go's decoder makes it.
    fn string(&mut self) -> Result<Cow<'s, str>, NotJson> {
        let open = self.at.byte + 1;
        let mut end = open;
        let mut escaped = false;
        loop {
            match self.bytes.get(end) {
                None => return Err(NotJson),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    end += 2;
                }
                Some(byte) if *byte < 0x20 => return Err(NotJson),
                Some(_) => end += 1,
            }
        }
        let raw = self.text.get(open..end).ok_or(NotJson)?;
        self.advance(end + 1 - self.at.byte);
        if !escaped {
            return Ok(Cow::Borrowed(raw));
        }
        unescape(raw).map(Cow::Owned)
    }

    /// A number, `true`, `false` or `null`.
    fn literal(&mut self) -> Result<&'s str, NotJson> {
        let start = self.at.byte;
        let rest = &self.bytes[start..];
        let length = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')))
            .unwrap_or(rest.len());
        let word = self.text.get(start..start + length).ok_or(NotJson)?;
        if !(matches!(word, "true" | "false" | "null") || is_number(word)) {
            return Err(NotJson);
        }
        self.advance(length);
        Ok(word)
    }
}

/// A JSON number: `-`? (`0` | a digit 1–9 and digits) (`.` digits)? ([eE] [+-]? digits)?
fn is_number(word: &str) -> bool {
    let digits = |text: &str| text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = word.strip_prefix('-').unwrap_or(word);
    let whole = digits(rest);
    if whole == 0 || (whole > 1 && rest.starts_with('0')) {
        return false;
    }
    let mut rest = &rest[whole..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let count = digits(fraction);
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let count = digits(exponent);
        return count > 0 && count == exponent.len();
    }
    rest.is_empty()
}

/// The text of a string's content with its escapes decoded.
fn unescape(raw: &str) -> Result<String, NotJson> {
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        let escape = &rest[at + 1..];
        let mut next = escape.get(1..).ok_or(NotJson)?;
        match escape.as_bytes().first() {
            Some(b'"') => text.push('"'),
            Some(b'\\') => text.push('\\'),
            Some(b'/') => text.push('/'),
            Some(b'b') => text.push('\u{8}'),
            Some(b'f') => text.push('\u{c}'),
            Some(b'n') => text.push('\n'),
            Some(b'r') => text.push('\r'),
            Some(b't') => text.push('\t'),
            Some(b'u') => {
                let unit = hex_unit(next)?;
                next = &next[4..];
                let low = next
                    .strip_prefix("\\u")
                    .and_then(|after| hex_unit(after).ok())
                    .filter(|low| (0xDC00..0xE000).contains(low));
                let character = match (unit, low) {
                    (0xD800..0xDC00, Some(low)) => {
                        next = &next[6..];
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    }
                    _ => char::from_u32(unit),
                };
                text.push(character.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            _ => return Err(NotJson),
        }
        rest = next;
    }
    text.push_str(rest);
    Ok(text)
}

/// The four hex digits at the start of `text`.
fn hex_unit(text: &str) -> Result<u32, NotJson> {
    let digits = text.get(..4).ok_or(NotJson)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NotJson);
    }
    u32::from_str_radix(digits, 16).map_err(|_| NotJson)
}

#[cfg(test)]
mod tests {
    use super::super::{Arena, Builder, LineIndex, Resume, Stream, parse_stream, run};
    use super::*;

    /// The text read by the YAML reader alone.
    fn as_yaml<'s>(arena: &'s Arena, text: &'s str) -> Stream<'s> {
        run(
            arena,
            text,
            &LineIndex::of_text(text),
            text,
            &[],
            Resume::START,
            |e| e,
        )
        .0
    }

    fn is_json(text: &str) -> bool {
        let (arena, lines) = (Arena::new(), LineIndex::of_text(text));
        let mut builder = Builder::new(&arena, text, &lines, &[], Resume::START);
        read(text, |event, span| builder.on_event(event, span)).is_ok()
    }

    #[test]
    fn json_that_is_also_yaml_reads_as_the_yaml_reader_reads_it() {
        for text in [
            "{}",
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"café\"}}\n",
            "\u{feff}{\"a\": [1, -2.5e+3, true, false, null, \"x\\\"y\\n\\u00e9\", [], {}]}",
            "\n\t {\n\t\"a\":\t{\"b\": [[0], \"\"]},\r\n\"c\": \"d\"}\n",
            "{\"a\": 1, \"a\": 2, \"<<\": {\"b\": 3}}",
            "{\"emoji\": \"😀 and \\u00e9\", \"k\": \"\\/\\b\\f\\r\\t\\\\\"}",
        ] {
            assert!(is_json(text), "{text:?}");
            let (json_arena, yaml_arena) = (Arena::new(), Arena::new());
            let json = parse_stream(&json_arena, text);
            let yaml = as_yaml(&yaml_arena, text);
            assert_eq!(
                format!("{:?}", json.documents),
                format!("{:?}", yaml.documents),
                "{text:?}"
            );
            assert_eq!(json.errors, yaml.errors, "{text:?}");
        }
    }

    #[test]
    fn a_token_ends_where_its_text_ends_whatever_blanks_follow() {
        // The YAML reader ends a flow scalar or bracket after the blanks that follow it.
        let text = "{ \"a\" : [ \"b\" , 1 ] , \"c\" : \"d\" }";
        let arena = Arena::new();
        let stream = parse_stream(&arena, text);
        let root = &stream.documents[0].root;
        let shown = |span: crate::source::Span| &text[span.start as usize..span.end as usize];
        let entries: Vec<(&str, &str)> = root
            .entries()
            .iter()
            .map(|e| (shown(e.key.span), shown(e.value.span)))
            .collect();
        assert_eq!(entries, [("\"a\"", "[ \"b\" , 1 ]"), ("\"c\"", "\"d\"")]);
        assert_eq!(shown(root.span), text);
    }

    #[test]
    fn objects_written_one_after_another_are_documents_of_their_own() {
        let text = "{\"kind\": \"A\"}\n{\"kind\": \"B\"}{\"kind\": \"C\"}\n";
        let arena = Arena::new();
        let stream = parse_stream(&arena, text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let kinds: Vec<(usize, &str, u32)> = stream
            .documents
            .iter()
            .map(|d| (d.position, d.root.str_at("kind").unwrap_or(""), d.root.span.start))
            .collect();
        assert_eq!(kinds, [(0, "A", 0), (1, "B", 14), (2, "C", 27)]);
        // The YAML reader alone stops at the second.
        assert!(!as_yaml(&arena, text).errors.is_empty());
    }

    #[test]
    fn surrogate_pairs_are_one_character_and_a_lone_surrogate_the_replacement_character() {
        let text = "{\"a\": \"\\ud83d\\ude00\", \"b\": \"\\uD83D!\", \"c\": \"\\ude00\\u0041\"}";
        let arena = Arena::new();
        let stream = parse_stream(&arena, text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let root = &stream.documents[0].root;
        assert_eq!(root.str_at("a"), Some("😀"));
        assert_eq!(root.str_at("b"), Some("\u{fffd}!"));
        assert_eq!(root.str_at("c"), Some("\u{fffd}A"));
    }

    #[test]
    fn what_is_not_a_stream_of_json_objects_is_left_to_the_yaml_reader() {
        for text in [
            "{\"a\": 1,}",
            "{\"a\": [1,]}",
            "{'a': 1}",
            "{a: 1}",
            "{\"a\": 1} # note",
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": .5}",
            "{\"a\": +1}",
            "{\"a\": \"tab\there\"}",
            "{\"a\": \"\\x41\"}",
            "{\"a\": \"\\u12\"}",
            "{\"a\": 1}\n[1]",
            "{\"a\": 1}\n---\n{\"b\": 2}",
            "{\"a\": 1",
            "{\"a\" 1}",
            "{\"a\": tru}",
            "[{\"a\": 1}]",
            "a: 1",
        ] {
            assert!(!is_json(text), "{text:?}");
        }
        assert!(looks_like_json("\u{feff} \n{"));
        assert!(!looks_like_json("[{}]"));
        assert!(!looks_like_json("# {\n{}"));
    }

    #[test]
    fn numbers_are_read_as_json_writes_them() {
        for number in ["0", "-0", "12", "-3.25", "1e9", "1E-9", "2.5e+10"] {
            assert!(is_number(number), "{number}");
        }
        for word in [
            "", "-", "00", "1.", ".1", "1e", "1e+", "0x1", "1_000", "--1", "1.2.3",
        ] {
            assert!(!is_number(word), "{word}");
        }
    }

    #[test]
    fn where_the_stream_stops_being_json_kubectl_decides_what_follows() {
        let arena = Arena::new();
        let names = |stream: &Stream<'_>| -> Vec<(usize, String)> {
            stream
                .documents
                .iter()
                .map(|d| {
                    (
                        d.position,
                        d.root
                            .path(&["metadata", "name"])
                            .and_then(|n| n.as_text())
                            .unwrap_or("")
                            .to_owned(),
                    )
                })
                .collect()
        };
        let object =
            |name: &str| format!("{{\"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"{name}\"}}}}");
        // After one object, the rest is YAML.
        let text = format!(
            "{}\nkind: ConfigMap\nmetadata:\n  name: b\n---\n{{kind: ConfigMap, metadata: {{name: c}},}}\n",
            object("a")
        );
        let stream = parse_stream(&arena, &text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(
            names(&stream),
            [(0, "a".to_owned()), (1, "b".to_owned()), (2, "c".to_owned())]
        );
        // After two, the JSON error stands where it is.
        let text = format!("{}\n{}\n{{\"kind\": \"ConfigMap\",}}\n", object("a"), object("b"));
        let stream = parse_stream(&arena, &text);
        assert_eq!(names(&stream), [(0, "a".to_owned()), (1, "b".to_owned())]);
        let comma = text.rfind(",}").unwrap_or(0) as u32 + 1;
        let errors: Vec<(u32, bool, &str)> = stream
            .errors
            .iter()
            .map(|e| (e.span.start, e.limit, e.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [(
                comma,
                true,
                "invalid JSON after 2 objects, where kubectl stops reading"
            )]
        );
        // A `null` between objects is skipped.
        let text = format!("{}\nnull\n{}", object("a"), object("b"));
        let stream = parse_stream(&arena, &text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(names(&stream), [(0, "a".to_owned()), (1, "b".to_owned())]);
        // A `null` is a value read: the next failure is a JSON error.
        let text = format!("{}\nnull\n---\nkind: ConfigMap\n", object("a"));
        let stream = parse_stream(&arena, &text);
        assert_eq!(names(&stream), [(0, "a".to_owned())]);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(
            stream.errors[0].span.start as usize,
            text.find("---").unwrap_or(0)
        );
        assert_eq!(
            stream.errors[0].message,
            "invalid JSON after 1 object, where kubectl stops reading"
        );
        // A comment may end the object's line; what follows is YAML, with the indentation
        // Kubernetes forgives.
        let text = format!(
            "{} # generated\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n    - args: [\"-a\",\n\"-b\"]\n",
            object("a")
        );
        let stream = parse_stream(&arena, &text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(names(&stream), [(0, "a".to_owned()), (1, "b".to_owned())]);
        // An object whose line goes on is read with the rest as YAML.
        let text = format!("{} {}", object("a"), "kind: x");
        assert_eq!(parse_stream(&arena, &text).errors, as_yaml(&arena, &text).errors);
    }
}
