//! Text from scanned files made safe to print: a name holding an escape sequence, a carriage
//! return, a bidirectional override or a zero-width character must not recolour a terminal,
//! rewrite a CI log line, or reorder or hide what a reviewer reads.

use std::borrow::Cow;

/// True for a character that must not reach a terminal raw: C0 and C1 controls, DEL, Unicode's
/// format characters (category Cf: the bidirectional marks, embeddings, overrides and isolates,
/// the zero-width characters, tags) and the line and paragraph separators.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
        )
}

/// `text` with each unsafe character written as a `\u{1b}` escape; line breaks are kept when
/// `keep_newlines` (multi-line help), escaped otherwise (a one-line message or path).
///
/// With line breaks kept, no line may start a GitHub Actions workflow command (`::error::`,
/// `::add-mask::`), which the runner reads from any line of a job's log, indented or not: a help
/// text quoting a value that holds a line break would start one. The first colon of such a line
/// is escaped too.
pub fn escape_controls(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    escape_unsafe(text, keep_newlines, |_, c| keep_newlines && c == '\n')
}

/// A value of the files as a multi-line text quotes it (a finding's help, a suggested manifest),
/// formatted with its line breaks and other unsafe characters escaped as [`escape_controls`]
/// escapes a one-line text: the help keeps its own lines, and a value can start none
/// (`name: web\u{a}all checks passed`).
pub struct OneLine<'a>(pub &'a str);

impl std::fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&escape_controls(self.0, false))
    }
}

/// A unified diff made safe to print, escaped as [`escape_controls`] escapes a multi-line text
/// except that tabs, the carriage return of a CRLF line end and a byte order mark that starts a
/// line's text (the first line of a file that starts with one) are kept too: a patch of lines
/// that hold no other control character still applies byte for byte.
pub fn escape_patch(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let starts_line_text = |at: usize| {
        at >= 1 && matches!(bytes[at - 1], b' ' | b'-' | b'+') && (at == 1 || bytes[at - 2] == b'\n')
    };
    escape_unsafe(text, true, |at, c| {
        kept_in_lines(text, at, c) || (c == '\u{feff}' && starts_line_text(at))
    })
}

/// `text` with every unsafe character that `kept` does not keep written as a `\u{1b}` escape,
/// and, in a text of many `lines`, the first colon of a line that would start a workflow command.
fn escape_unsafe(text: &str, lines: bool, kept: impl Fn(usize, char) -> bool) -> Cow<'_, str> {
    let escaped = |at: usize, c: char| unsafe_char(c) && !kept(at, c);
    let commands = lines && has_double_colon(text) && text.split('\n').any(starts_command);
    if !commands
        && (all_printable(text.as_bytes(), lines) || !text.char_indices().any(|(at, c)| escaped(at, c)))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_blank_so_far = true;
    for (at, c) in text.char_indices() {
        let command = commands && c == ':' && line_blank_so_far && text[at..].starts_with("::");
        if escaped(at, c) || command {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
        line_blank_so_far = c == '\n' || (line_blank_so_far && matches!(c, ' ' | '\t'));
    }
    Cow::Owned(out)
}

/// The characters a text of many lines keeps as they are: line breaks, tabs and the carriage
/// return of a CRLF line end.
fn kept_in_lines(text: &str, at: usize, c: char) -> bool {
    c == '\n' || c == '\t' || (c == '\r' && text[at + 1..].starts_with('\n'))
}

/// JSON text with every character [`escape_controls`] escapes that JSON's own escapes leave raw
/// (DEL, the C1 controls, the format characters and separators) written as a `\u` escape (a pair
/// of them past U+FFFF): a JSON reader reads the same data, and a terminal or CI log that shows
/// the text gets no raw control. They can only stand inside strings, where the escape means the
/// same character.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !holds_raw_in_json(json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw_in_json(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A character [`escape_json`] escapes: one that JSON's own escaping leaves raw.
fn raw_in_json(c: char) -> bool {
    unsafe_char(c) && (c == '\u{7f}' || !c.is_ascii_control())
}

/// True when the text holds a character [`raw_in_json`]. In UTF-8 each starts with one of a few
/// bytes (DEL itself, 0xC2 for the C1 controls, 0xE2 for the bidirectional characters…), so only
/// the characters starting there are read: a report's rule descriptions hold other non-ASCII
/// text (dashes, arrows) that would otherwise be decoded character by character.
fn holds_raw_in_json(json: &str) -> bool {
    let bytes = json.as_bytes();
    // A byte that starts a character is never inside another's UTF-8.
    let raw_at = |at: usize| {
        json.get(at..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(raw_in_json)
    };
    memchr::memchr3_iter(0x7f, 0xc2, 0xe2, bytes).any(raw_at)
        || memchr::memchr3_iter(0xd8, 0xdb, 0xdc, bytes).any(raw_at)
        || memchr::memchr3_iter(0xe0, 0xe1, 0xef, bytes).any(raw_at)
        || memchr::memchr2_iter(0xf0, 0xf3, bytes).any(raw_at)
}

/// [`escape_json`] of JSON text held as bytes, in place (the buffer keeps its capacity).
pub fn escape_json_bytes(json: &mut Vec<u8>) {
    if below_del(json) {
        return;
    }
    if let Ok(text) = std::str::from_utf8(json)
        && let Cow::Owned(escaped) = escape_json(text)
    {
        json.clear();
        json.extend_from_slice(escaped.as_bytes());
    }
}

/// True when every byte is ASCII other than DEL: JSON text that holds nothing for
/// [`escape_json`] to escape, as almost all does.
fn below_del(bytes: &[u8]) -> bool {
    bytes.is_ascii() && !bytes.contains(&0x7f)
}

/// True when every byte is printable ASCII (or, with `newlines`, a line break): almost all
/// text is, and a block of bytes is cleared at a time.
fn all_printable(bytes: &[u8], newlines: bool) -> bool {
    let printable = |b: u8| matches!(b, b' '..=b'~') || (newlines && b == b'\n');
    let mut blocks = bytes.chunks_exact(32);
    // Each block is read whole, without a branch per byte, so that it compiles to vector code.
    blocks.all(|block| block.iter().fold(true, |all, &b| all & printable(b)))
        && blocks.remainder().iter().all(|&b| printable(b))
}

/// `text.contains("::")`, found by looking only after each colon.
fn has_double_colon(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b':', bytes).any(|at| bytes.get(at + 1) == Some(&b':'))
}

/// Whether a line starts a workflow command after its indentation.
fn starts_command(line: &str) -> bool {
    line.trim_start_matches([' ', '\t']).starts_with("::")
}

/// [`escape_controls`] of an owned text, reusing its buffer when it holds nothing to escape.
pub fn escape_controls_owned(text: String, keep_newlines: bool) -> String {
    match escape_controls(&text, keep_newlines) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

/// Source text for a snippet, each unsafe character replaced by as many `?` as it has bytes, so
/// that byte spans into the text still point at the same places. Line breaks, tabs, the
/// carriage return of a CRLF line end and, in a text that starts the file, the byte order mark
/// that starts it are kept.
pub fn blank_controls(text: &str, starts_file: bool) -> Cow<'_, str> {
    let order_mark = |at: usize, c: char| starts_file && at == 0 && c == '\u{feff}';
    let blanked =
        |(at, c): (usize, char)| unsafe_char(c) && !kept_in_lines(text, at, c) && !order_mark(at, c);
    if !text.char_indices().any(blanked) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if blanked((i, c)) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_searched_for_find_every_character_json_leaves_raw() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert_eq!(holds_raw_in_json(&text), raw_in_json(c), "U+{:04X}", u32::from(c));
        }
        assert!(raw_in_json('\u{9b}') && raw_in_json('\u{202e}') && !raw_in_json('\u{2014}'));
        assert!(raw_in_json('\u{200f}') && raw_in_json('\u{2028}') && raw_in_json('\u{e0041}'));
    }

    #[test]
    fn escapes_and_blanks_keep_what_they_must() {
        assert_eq!(escape_controls("web\u{1b}[31m", false), "web\\u{1b}[31m");
        assert_eq!(escape_controls("a\nb\r", false), "a\\u{a}b\\u{d}");
        assert_eq!(
            escape_controls("add:\n  x: \"a\n  ::error::b\"\n::c a::b", true),
            "add:\n  x: \"a\n  \\u{3a}:error::b\"\n\\u{3a}:c a::b"
        );
        assert_eq!(escape_controls("::x", false), "::x");
        assert_eq!(escape_controls("a\nb", true), "a\nb");
        assert_eq!(escape_controls("x\u{202e}y", false), "x\\u{202e}y");
        assert_eq!(
            escape_controls("a\u{200f}b\u{2028}c\u{feff}d\u{e0041}", true),
            "a\\u{200f}b\\u{2028}c\\u{feff}d\\u{e0041}"
        );
        assert_eq!(
            blank_controls("\u{feff}a: \u{feff}b\u{200b}", true),
            "\u{feff}a: ???b???"
        );
        assert_eq!(blank_controls("\u{feff}a", false), "???a");
        assert!(matches!(escape_controls("plain", false), Cow::Borrowed(_)));
        let text = "name: web\u{1b}[31m\r\nnext: \u{85}x\rz\n";
        let blanked = blank_controls(text, false);
        assert_eq!(blanked, "name: web?[31m\r\nnext: ??x?z\n");
        assert_eq!(blanked.len(), text.len());
    }

    #[test]
    fn a_value_quoted_in_help_stays_on_its_line() {
        let shown = format!(
            "metadata:\n  name: {}\n",
            OneLine("web\nall checks passed\r\u{1b}[31m")
        );
        assert_eq!(
            shown,
            "metadata:\n  name: web\\u{a}all checks passed\\u{d}\\u{1b}[31m\n"
        );
    }

    #[test]
    fn json_escapes_what_its_own_escapes_leave_raw_and_reads_the_same() {
        let value = "web\u{1b}[31m \u{7f}\u{9b}2J \u{202e}txt.yaml café 日本 🦀 a\u{200f}b\u{2028}c\u{e0041}";
        let json = serde_json::to_string(&value).unwrap();
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(unsafe_char), "{escaped}");
        assert!(
            escaped.contains("\\u007f\\u009b2J \\u202etxt.yaml café 日本 🦀 a\\u200fb\\u2028c\\udb40\\udc41"),
            "{escaped}"
        );
        assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), value);
        let mut bytes = json.clone().into_bytes();
        escape_json_bytes(&mut bytes);
        assert_eq!(bytes, escaped.as_bytes());
        assert!(matches!(escape_json("{\"a\": \"café\"}"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_patch_keeps_tabs_and_crlf_and_escapes_the_rest() {
        let patch = "--- a/x\u{1b}.yaml\n+++ b/x\u{1b}.yaml\n@@ -1 +1 @@\n-a:\tb\r\n+a: c\r\n \u{1b}[2J\rz\n   ::add-mask::v\n+::x\n";
        assert_eq!(
            escape_patch(patch),
            "--- a/x\\u{1b}.yaml\n+++ b/x\\u{1b}.yaml\n@@ -1 +1 @@\n-a:\tb\r\n+a: c\r\n \\u{1b}[2J\\u{d}z\n   \\u{3a}:add-mask::v\n+::x\n"
        );
        let clean = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a:\tb\r\n+a: c\r\n";
        assert!(matches!(escape_patch(clean), Cow::Borrowed(_)));
        let order_mark =
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-\u{feff}FROM a\n+\u{feff}FROM b\n \u{feff}x\u{feff}\n";
        assert_eq!(
            escape_patch(order_mark),
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-\u{feff}FROM a\n+\u{feff}FROM b\n \u{feff}x\\u{feff}\n"
        );
    }
}
