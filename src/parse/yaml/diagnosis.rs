//! Where a syntax error starts, for the errors the parser reports somewhere else: an invalid
//! escape at the quote that opens its string, a tab in a line's indentation at the plain scalar
//! before it or past the tab.

use super::YamlError;
use crate::source::Span;

/// The parser's errors for an escape it cannot read, reported at the string's opening quote.
const ESCAPE_ERRORS: [&str; 3] = [
    "while parsing a quoted scalar, found unknown escape character",
    "while parsing a quoted scalar, did not find expected hexadecimal number",
    "while parsing a quoted scalar, found invalid Unicode character escape code",
];
/// A tab in the indentation of a line that continues a plain scalar, reported at the scalar.
const TAB_AFTER_PLAIN_SCALAR: &str = "while scanning a plain scalar, found a tab";
/// A tab in the indentation of a block, reported at the text after it.
const TAB_IN_INDENTATION: &str = "tabs disallowed within this context (block indentation)";

/// The parser's error `info` at `span` of `text`, moved to where it starts and said plainly
/// when it is one of those above.
pub(super) fn located(text: &str, span: Span, info: &str) -> YamlError {
    let start = span.start as usize;
    let found = if ESCAPE_ERRORS.contains(&info) {
        invalid_escape(text, start)
    } else if info == TAB_AFTER_PLAIN_SCALAR {
        text.get(start..)
            .and_then(|rest| rest.find('\n'))
            .and_then(|newline| indenting_tab(text, start + newline + 1))
    } else if info == TAB_IN_INDENTATION {
        text.get(..start)
            .and_then(|before| indenting_tab(text, before.rfind('\n').map_or(0, |n| n + 1)))
    } else {
        None
    };
    match found {
        Some((message, span)) => YamlError::syntax(message, span),
        None => YamlError::syntax(info, span),
    }
}

/// Whether a bracket closes in the rest of its document: brackets and quotes are counted as a
/// flow collection holds them (a quote opens a string only where a value or key may start:
/// after `[`, `{`, `,` or `: `; in `rock 'n roll` it is text), comments are skipped.
pub(super) fn is_closed(text: &str, bracket: usize) -> bool {
    let Some(rest) = text.get(bracket..) else {
        return false;
    };
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut scalar_may_start = false;
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if previous == '\n' && quote.is_none() && is_document_marker(&rest[at..]) {
            return false;
        }
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some('\''), '\'') if chars.peek().is_some_and(|&(_, next)| next == '\'') => {
                chars.next();
            }
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '#') if previous.is_whitespace() => {
                while chars.next_if(|&(_, next)| next != '\n').is_some() {}
            }
            (None, '"' | '\'') if scalar_may_start => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return true;
                }
            }
            _ => {}
        }
        scalar_may_start = match c {
            '[' | '{' | ',' => quote.is_none(),
            c if c.is_whitespace() => scalar_may_start || (previous == ':' && quote.is_none()),
            _ => false,
        };
        previous = c;
    }
    false
}

/// Whether a line starts with a document marker (`---` or `...`).
pub(super) fn is_document_marker(line: &str) -> bool {
    ["---", "..."].iter().any(|marker| {
        line.strip_prefix(marker)
            .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace))
    })
}

/// The first escape of the double-quoted string opening at `quote` that YAML does not define.
fn invalid_escape(text: &str, quote: usize) -> Option<(String, Span)> {
    let body_start = quote + 1;
    let body = text.get(quote..)?.strip_prefix('"')?;
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {}
            _ => continue,
        }
        let (_, code) = chars.next()?;
        let digits = match code {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '/' | '\\' | 'N'
            | '_' | 'L' | 'P' | '\n' | '\r' => continue,
            _ => {
                let end = body_start + at + 1 + code.len_utf8();
                let message = format!(
                    "unknown escape `\\{}` in a double-quoted string (a backslash is written `\\\\`, \
                     or the value single-quoted)",
                    code.escape_debug()
                );
                return Some((message, Span::new(body_start + at, end)));
            }
        };
        let hex_start = at + 1 + code.len_utf8();
        let hex: String = body[hex_start..].chars().take(digits).collect();
        let value = (hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(&hex, 16).ok())
            .flatten();
        let escape = body_start + at;
        match value {
            Some(value) if char::from_u32(value).is_none() => {
                let message = format!("`\\{code}{hex}` is not a Unicode character");
                return Some((message, Span::new(escape, body_start + hex_start + hex.len())));
            }
            None => {
                let message = format!(
                    "`\\{code}` must be followed by {digits} hexadecimal digits (a backslash is \
                     written `\\\\`, or the value single-quoted)"
                );
                return Some((message, Span::new(escape, body_start + hex_start)));
            }
            Some(_) => {}
        }
        for _ in 0..digits {
            chars.next();
        }
    }
    None
}

/// The first tab in the indentation of the first line from `line_start` on that holds more than
/// blanks and comments, when that line has one.
fn indenting_tab(text: &str, line_start: usize) -> Option<(String, Span)> {
    let mut start = line_start;
    for line in text.get(line_start..)?.split_inclusive('\n') {
        let content = line.trim_start_matches([' ', '\t']);
        if content.trim().is_empty() || content.starts_with('#') {
            start += line.len();
            continue;
        }
        let indentation = &line[..line.len() - content.len()];
        let tab = start + indentation.find('\t')?;
        let message = "a tab in this line's indentation: YAML indents with spaces only";
        return Some((message.to_owned(), Span::new(tab, tab + 1)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, info: &str, start: usize) -> (String, usize, usize) {
        let error = located(text, Span::new(start, start + 1), info);
        (error.message, error.span.start as usize, error.span.end as usize)
    }

    #[test]
    fn an_invalid_escape_is_reported_at_its_backslash() {
        let text = "k: \"a\\tb \\q c\"\n";
        let (message, start, end) = at(text, ESCAPE_ERRORS[0], 3);
        assert_eq!(&text[start..end], "\\q");
        assert!(message.starts_with("unknown escape `\\q`"), "{message}");
        let text = "k: \"\\x41 \\u00e9 \\x4G\"";
        let (message, start, end) = at(text, ESCAPE_ERRORS[1], 3);
        assert_eq!(&text[start..end], "\\x");
        assert!(
            message.starts_with("`\\x` must be followed by 2 hexadecimal digits"),
            "{message}"
        );
        let text = "k: \"\\uD800\"";
        let (message, start, end) = at(text, ESCAPE_ERRORS[2], 3);
        assert_eq!(&text[start..end], "\\uD800");
        assert_eq!(message, "`\\uD800` is not a Unicode character");
        // A string ending in a short escape, and one whose escape is a multi-byte character.
        assert_eq!(at("k: \"\\u12", ESCAPE_ERRORS[1], 3).1, 4);
        let text = "k: \"é\\é\"";
        let (_, start, end) = at(text, ESCAPE_ERRORS[0], 3);
        assert_eq!(&text[start..end], "\\é");
    }

    #[test]
    fn a_bracket_is_closed_by_its_own_partner_outside_quotes_and_comments() {
        let closed = |text: &str| is_closed(text, text.find(['[', '{']).unwrap());
        assert!(closed("a: {b: [1, 2], c: \"}\"\n  d: e}\n"));
        assert!(closed("a: [x, 'it''s ]', it's]\n"));
        assert!(closed("a: {b: rock 'n roll, c: d,\n  e: f g: h}\n"));
        assert!(closed("a: {b: b:'c, d: e}\n"));
        assert!(!closed("a: {b: c # }\nd: e\n"));
        assert!(!closed("a: [x, \"y\\\"]\"\n"));
        assert!(!closed("a: {b: c\n---\nd: {e: f}\n"));
        assert!(!closed("a: {b: {c: d}\n"));
    }

    #[test]
    fn a_tab_is_reported_in_the_indentation_it_breaks() {
        let text = "a:\n  k: v\n\n  # note\n \tx: y\n";
        let (message, start, _) = at(text, TAB_AFTER_PLAIN_SCALAR, 8);
        assert_eq!(
            (start, message.starts_with("a tab in this line's")),
            (text.find('\t').unwrap(), true)
        );
        let text = "a:\n\t b: c\n";
        assert_eq!(at(text, TAB_IN_INDENTATION, 5).1, 3);
        // Where no line has a tab in its indentation, the parser's place and words are kept.
        let (message, start, _) = at("a: b\n  c\n", TAB_AFTER_PLAIN_SCALAR, 3);
        assert_eq!((message.as_str(), start), (TAB_AFTER_PLAIN_SCALAR, 3));
    }
}
