//! Splitting `ENV`, `ARG` and `LABEL` arguments into key/value pairs with their own spans.

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

/// Splits the raw source of `ENV`/`ARG`/`LABEL` arguments, which starts at byte `base`.
///
/// Handles quotes, the escape character and line continuations; with `legacy_form` (`ENV`,
/// `LABEL`), also `KEY value…`, where one word without `=` names the rest of the line. `ARG`
/// has no such form: each of its words is a name or a `name=default`.
pub fn split_pairs(raw: &str, base: usize, escape: char, legacy_form: bool) -> Vec<Pair> {
    let tokens = tokens(raw, escape);
    let word = |range: std::ops::Range<usize>| Word {
        text: unquote(raw.get(range.clone()).unwrap_or(""), escape),
        span: Span::new(base + range.start, base + range.end),
    };
    let Some(first) = tokens.first() else {
        return Vec::new();
    };
    let first_raw = raw.get(first.clone()).unwrap_or("");
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
        .map(|token| {
            let text = raw.get(token.clone()).unwrap_or("");
            match text.find('=') {
                Some(eq) => Pair {
                    key: word(token.start..token.start + eq),
                    value: Some(word(token.start + eq + 1..token.end)),
                },
                None => Pair {
                    key: word(token),
                    value: None,
                },
            }
        })
        .collect()
}

/// The whitespace-separated words of `raw` as written, quotes and escapes kept: the words
/// the Dockerfile frontend's parser stores before it expands them.
pub fn raw_words(raw: &str, escape: char) -> Vec<&str> {
    tokens(raw, escape)
        .into_iter()
        .filter_map(|range| raw.get(range))
        .collect()
}

/// Byte ranges of the whitespace-separated tokens, quotes and escapes kept inside a token.
fn tokens(raw: &str, escape: char) -> Vec<std::ops::Range<usize>> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == escape && quote != Some('\'') {
            // A continuation (escape + newline) separates like whitespace; an escaped char joins.
            match chars.peek() {
                Some(&(_, '\n' | '\r')) => {
                    if quote.is_none()
                        && let Some(s) = start.take()
                    {
                        tokens.push(s..i);
                    }
                    while matches!(chars.peek(), Some(&(_, '\n' | '\r'))) {
                        chars.next();
                    }
                }
                _ => {
                    start.get_or_insert(i);
                    chars.next();
                }
            }
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
        tokens.push(s..raw.len());
    }
    tokens
}

/// Removes quotes and escapes the way the Dockerfile frontend does for these instructions.
fn unquote(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => out.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (_, c) if c == escape => match chars.next() {
                Some('\n' | '\r') => {
                    while matches!(chars.peek(), Some('\n' | '\r')) {
                        chars.next();
                    }
                }
                Some(next) => out.push(next),
                None => out.push(c),
            },
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
}
