//! Edits that set a value in a YAML mapping where it is written, leaving every other byte of the
//! file as it was: comments, key order, quoting, indentation, blank lines and line endings.

use super::Edit;
use crate::parse::yaml::{Entry, Node, Value};
use crate::source::Span;

/// How far a nested mapping written by a fix is indented below its key.
const INDENT_STEP: usize = 2;

/// The edit that sets the value at `keys` (a path of keys below `mapping`) to `value`, the YAML
/// text of a scalar or a flow collection: it replaces the value where the whole path is written,
/// else it adds the missing keys, in block or flow style like the mapping they go into.
///
/// `None` where the file gives no safe place for the edit: a key of the path is written twice
/// or may come from a merge (`<<`), a value on the way is no mapping, or a block mapping's keys
/// do not start their lines.
pub fn set_path(text: &str, mapping: &Node<'_>, keys: &[&str], value: &str) -> Option<Edit> {
    let (key, rest) = keys.split_first()?;
    let Value::Mapping(entries) = mapping.value() else {
        return None;
    };
    if entries.iter().any(Entry::is_merge) {
        return None;
    }
    let mut written = entries.iter().filter(|e| e.key.as_str() == Some(key));
    match (written.next(), written.next()) {
        (Some(_), Some(_)) => None,
        (Some(entry), None) if rest.is_empty() => {
            let span = entry.value.span;
            inside(text, span)?;
            if span.start == span.end {
                // `key:` with no value: write one after the colon.
                return Some(Edit::insert(
                    after_colon(text, entry.key.span)?,
                    format!(" {value}"),
                ));
            }
            Some(Edit::replace(span, value))
        }
        (Some(entry), None) => match entry.value.value() {
            Value::Mapping(_) => set_path(text, &entry.value, rest, value),
            _ if entry.value.is_null() && entry.value.span.start == entry.value.span.end => {
                // `key:` with nothing below: the rest of the path goes there, one level deeper.
                let indent = key_column(text, entry.key.span)? + INDENT_STEP;
                let newline = line_ending(text, entry.key.span.start as usize);
                let block = block_entry(rest, value, indent, newline);
                let at = after_colon(text, entry.key.span)?;
                Some(Edit::insert(
                    at,
                    format!("{newline}{}", block.trim_end_matches(newline)),
                ))
            }
            _ => None,
        },
        (None, _) => add_entry(text, mapping, entries, keys, value),
    }
}

/// The edit that adds `keys` (all missing) with `value` to a mapping.
fn add_entry(
    text: &str,
    mapping: &Node<'_>,
    entries: &[crate::parse::yaml::Entry<'_>],
    keys: &[&str],
    value: &str,
) -> Option<Edit> {
    inside(text, mapping.span)?;
    if text[mapping.span.range()].starts_with('{') {
        let entry = flow_entry(keys, value);
        return match entries.last() {
            Some(last) => {
                // A scalar's span may run on over the spaces before the next token.
                let (start, end) = (last.value.span.start as usize, last.value.span.end as usize);
                let own = text.get(start..end)?.trim_end_matches([' ', '\t']);
                Some(Edit::insert(start + own.len(), format!(", {entry}")))
            }
            None => {
                // The span of `{}` may run on over the spaces and a comment after it.
                let start = mapping.span.start as usize;
                let inner = text.get(start + 1..)?;
                let close = inner.find('}')?;
                if !inner[..close].trim().is_empty() {
                    return None;
                }
                let braces = Span::new(start, start + close + 2);
                Some(Edit::replace(braces, format!("{{{entry}}}")))
            }
        };
    }
    let first = entries.first()?;
    let indent = key_column(text, first.key.span)?;
    let last_end = content_end(text, mapping) as usize;
    let newline = line_ending(text, first.key.span.start as usize);
    // After the line the mapping's last value ends on (its trailing comment included).
    let at = if last_end > 0 && text.as_bytes().get(last_end - 1) == Some(&b'\n') {
        last_end
    } else {
        text[last_end..]
            .find('\n')
            .map_or(text.len(), |n| last_end + n + 1)
    };
    let block = block_entry(keys, value, indent, newline);
    let lead = if at == text.len() && !text.ends_with('\n') {
        newline
    } else {
        ""
    };
    Some(Edit::insert(at, format!("{lead}{block}")))
}

/// `key: value` for the keys of a path, nested in block style from `indent`, one line each.
fn block_entry(keys: &[&str], value: &str, indent: usize, newline: &str) -> String {
    let mut out = String::new();
    for (depth, key) in keys.iter().enumerate() {
        out.push_str(&" ".repeat(indent + depth * INDENT_STEP));
        out.push_str(key);
        out.push(':');
        if depth + 1 == keys.len() {
            out.push(' ');
            out.push_str(value);
        }
        out.push_str(newline);
    }
    out
}

/// `key: {key: value}` for the keys of a path, in flow style.
fn flow_entry(keys: &[&str], value: &str) -> String {
    match keys.split_first() {
        Some((key, [])) => format!("{key}: {value}"),
        Some((key, rest)) => format!("{key}: {{{}}}", flow_entry(rest, value)),
        None => String::new(),
    }
}

/// The column (in bytes, which are spaces and sequence dashes there) a block mapping's key starts
/// at, when only indentation and `- ` item markers come before it on its line.
fn key_column(text: &str, key: Span) -> Option<usize> {
    let start = key.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |n| n + 1);
    let mut before = text.get(line_start..start)?.as_bytes();
    loop {
        match before {
            [] => return Some(start - line_start),
            [b' ', rest @ ..] => before = rest,
            [b'-', b' ', rest @ ..] => before = rest,
            _ => return None,
        }
    }
}

/// The line ending of the line holding `offset` (of the line before, for a last line without
/// one): `\r\n` or `\n`.
fn line_ending(text: &str, offset: usize) -> &'static str {
    let offset = offset.min(text.len());
    let end = text[offset..]
        .find('\n')
        .map(|n| offset + n)
        .or_else(|| text[..offset].rfind('\n'));
    match end {
        Some(end) if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// Just after the colon that follows a key.
fn after_colon(text: &str, key: Span) -> Option<usize> {
    let end = key.end as usize;
    Some(end + text.get(end..)?.find(':')? + 1)
}

/// Where a node's own text ends: a block collection's span runs on to the next token, past
/// comments and blank lines, so its end is that of its last key or item.
fn content_end(text: &str, node: &Node<'_>) -> u32 {
    let flow = text
        .get(node.span.range())
        .is_some_and(|own| own.starts_with(['{', '[']));
    match node.value() {
        Value::Mapping(entries) if !flow => entries.iter().fold(node.span.start, |end, e| {
            end.max(e.key.span.end).max(content_end(text, &e.value))
        }),
        Value::Sequence(items) if !flow => items
            .iter()
            .fold(node.span.start, |end, item| end.max(content_end(text, item))),
        _ => node.span.end,
    }
}

/// The span's text, when the span lies within the file and on character boundaries.
fn inside(text: &str, span: Span) -> Option<&str> {
    text.get(span.range())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::apply_edits;
    use crate::parse::yaml::parse_for_test;

    fn set(text: &str, path: &[&str], keys: &[&str], value: &str) -> Option<String> {
        let stream = parse_for_test(text);
        let root = &stream.documents.first()?.root;
        let mapping = path
            .iter()
            .try_fold(root, |node, step| match step.parse::<usize>() {
                Ok(n) => node.items().get(n),
                Err(_) => node.get(step),
            })?;
        let edit = set_path(text, mapping, keys, value)?;
        Some(apply_edits(text, &[edit]))
    }

    #[test]
    fn a_written_value_is_replaced_in_place() {
        let text = "spec:\n  securityContext:\n    allowPrivilegeEscalation: true  # why\n";
        assert_eq!(
            set(
                text,
                &["spec"],
                &["securityContext", "allowPrivilegeEscalation"],
                "false"
            )
            .as_deref(),
            Some("spec:\n  securityContext:\n    allowPrivilegeEscalation: false  # why\n")
        );
    }

    #[test]
    fn missing_keys_go_after_the_last_line_of_a_block_mapping_at_its_indentation() {
        let text = "containers:\n  - name: web # the app\n    image: web:1\n    ports:\n      - containerPort: 80\n# end\n";
        assert_eq!(
            set(
                text,
                &["containers", "0"],
                &["securityContext", "allowPrivilegeEscalation"],
                "false"
            )
            .as_deref(),
            Some(
                "containers:\n  - name: web # the app\n    image: web:1\n    ports:\n      - containerPort: 80\n    securityContext:\n      allowPrivilegeEscalation: false\n# end\n"
            )
        );
    }

    #[test]
    fn crlf_files_keep_their_line_endings_and_a_last_line_without_one_gets_one() {
        let text = "a:\r\n  b: 1";
        assert_eq!(
            set(text, &["a"], &["c"], "2").as_deref(),
            Some("a:\r\n  b: 1\r\n  c: 2\r\n")
        );
    }

    #[test]
    fn flow_mappings_get_flow_entries() {
        assert_eq!(
            set(
                "c: {name: web, image: web:1}\n",
                &["c"],
                &["securityContext", "x"],
                "false"
            )
            .as_deref(),
            Some("c: {name: web, image: web:1, securityContext: {x: false}}\n")
        );
        assert_eq!(
            set(
                "c:\n  securityContext: {}\n",
                &["c"],
                &["securityContext", "x"],
                "false"
            )
            .as_deref(),
            Some("c:\n  securityContext: {x: false}\n")
        );
        assert_eq!(
            set(
                "c:\n  securityContext: {}  # set by the platform\n  name: web\n",
                &["c"],
                &["securityContext", "x"],
                "false"
            )
            .as_deref(),
            Some("c:\n  securityContext: {x: false}  # set by the platform\n  name: web\n"),
            "the comment after the braces stays"
        );
    }

    #[test]
    fn an_empty_key_gets_the_rest_of_the_path_below_it() {
        assert_eq!(
            set(
                "c:\n  securityContext:\n  name: web\n",
                &["c"],
                &["securityContext", "x"],
                "false"
            )
            .as_deref(),
            Some("c:\n  securityContext:\n    x: false\n  name: web\n")
        );
    }

    #[test]
    fn merged_or_repeated_keys_are_left_alone() {
        assert_eq!(set("c:\n  <<: {x: 1}\n  y: 2\n", &["c"], &["x"], "3"), None);
        assert_eq!(set("c:\n  x: 1\n  x: 2\n", &["c"], &["x"], "3"), None);
        assert_eq!(set("c:\n  x: [1]\n", &["c"], &["x", "y"], "3"), None);
    }
}
