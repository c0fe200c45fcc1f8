//! Heredocs that parse-dockerfile does not read: a `<<WORD` that is not the first argument of
//! a `RUN` (`RUN cat <<EOF > /etc/motd`, `RUN python3 <<PY`), and every one after the first
//! when the first argument is one (`RUN <<FILE1 cat > file1 && <<FILE2 cat > file2`). Their
//! bodies are blanked out before parsing, byte for byte, so every span stays where it is, and
//! handed back separately. One that is never closed takes the rest of the file as its body, as
//! BuildKit reads it, and is reported where it opens.

use super::Word;
use crate::source::Span;

/// The text with inline heredoc bodies blanked, and those bodies with the offset of the line
/// that opens them.
pub(super) struct Masked {
    pub text: String,
    pub bodies: Vec<(usize, Word)>,
    /// An inline heredoc never closed: the offset of its `<<` and its delimiter.
    pub unterminated: Option<(usize, String)>,
}

/// A `<<WORD` on a `RUN` line.
struct Marker {
    delimiter: String,
    /// `<<-`: leading tabs of the closing line are stripped.
    strip_tabs: bool,
    /// Offset of the `<<` in its instruction's joined text.
    at: usize,
}

/// Blanks the inline heredoc bodies of `text`, whose lines end in `escape` where they go on;
/// `None` when there are none.
pub(super) fn mask_inline(text: &str, escape: char) -> Option<Masked> {
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut closers: Option<Closers<'_>> = None;
    let mut blanked: Vec<std::ops::Range<usize>> = Vec::new();
    let mut bodies = Vec::new();
    let mut unterminated = None;
    let mut n = 0;
    while n < lines.len() && unterminated.is_none() {
        let (start, line) = lines[n];
        if !super::starts_with_keyword(line, "run") {
            n += 1;
            continue;
        }
        let instruction = Joined::of(&lines, n, escape);
        let (markers, parser_reads) = inline_markers(&instruction.text);
        n = instruction.next_line;
        if markers.len() <= parser_reads {
            continue;
        }
        let closers = closers.get_or_insert_with(|| Closers::of(&lines));
        let mut cursor = n;
        let mut found = Vec::new();
        for (index, marker) in markers.into_iter().enumerate() {
            let body_start = cursor;
            let Some(end) = closers.find(&marker.delimiter, marker.strip_tabs, cursor) else {
                if index < parser_reads {
                    // The parser reports a leading heredoc that never ends.
                    found.clear();
                } else {
                    if let Some((from, _)) = lines.get(body_start) {
                        blanked.push(*from..text.len());
                    }
                    unterminated = Some((instruction.offset(marker.at), marker.delimiter));
                }
                break;
            };
            // The body of a leading heredoc is the parser's to read.
            if index >= parser_reads {
                found.push((body_start, end));
            }
            cursor = end + 1;
        }
        for (body_start, end) in found {
            let from = lines[body_start.min(end)].0;
            let body_end = lines[end].0;
            let after = lines.get(end + 1).map_or(text.len(), |(o, _)| *o);
            bodies.push((
                start,
                Word {
                    text: text[from..body_end].to_owned(),
                    span: Span::new(from, body_end),
                },
            ));
            blanked.push(from..after);
        }
        n = n.max(cursor);
    }
    if blanked.is_empty() && unterminated.is_none() {
        return None;
    }
    let mut masked = text.as_bytes().to_vec();
    for range in blanked {
        for byte in &mut masked[range] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes were written over whole lines, so the text stays valid UTF-8.
    let text = String::from_utf8(masked).ok()?;
    Some(Masked {
        text,
        bodies,
        unterminated,
    })
}

/// The lines that could close a heredoc (a delimiter is one word, see [`in_delimiter`]),
/// by their text, so that finding the end of each heredoc does not walk the rest of the file:
/// a file of many `RUN cat <<EOF` lines that never end stays linear.
struct Closers<'t> {
    /// Line numbers of each delimiter-like line, in order.
    exact: std::collections::HashMap<&'t str, Vec<usize>>,
    /// The same with leading tabs stripped, for `<<-`.
    tab_stripped: std::collections::HashMap<&'t str, Vec<usize>>,
}

impl<'t> Closers<'t> {
    fn of(lines: &[(usize, &'t str)]) -> Self {
        let word = |s: &str| !s.is_empty() && s.chars().all(in_delimiter);
        let mut closers = Closers {
            exact: Default::default(),
            tab_stripped: Default::default(),
        };
        for (n, (_, line)) in lines.iter().enumerate() {
            let content = line.trim_end_matches(['\r', '\n']);
            let stripped = content.trim_start_matches('\t');
            if word(stripped) {
                closers.tab_stripped.entry(stripped).or_default().push(n);
                if stripped.len() == content.len() {
                    closers.exact.entry(content).or_default().push(n);
                }
            }
        }
        closers
    }

    /// The first line at or after `from` that closes `delimiter`.
    fn find(&self, delimiter: &str, strip_tabs: bool, from: usize) -> Option<usize> {
        let map = if strip_tabs {
            &self.tab_stripped
        } else {
            &self.exact
        };
        let lines = map.get(delimiter)?;
        lines.get(lines.partition_point(|&n| n < from)).copied()
    }
}

fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = offset;
            offset += line.len();
            (start, line)
        })
        .collect()
}

/// A `RUN` instruction as BuildKit reads it before it looks for heredocs: its lines joined,
/// each without the escape character that ends it, comment and blank lines inside it left out.
/// Heredoc bodies start on the line after it.
struct Joined {
    text: String,
    /// Where each joined piece starts, in `text` and in the file.
    pieces: Vec<(usize, usize)>,
    /// The first line after the instruction.
    next_line: usize,
}

impl Joined {
    fn of(lines: &[(usize, &str)], first: usize, escape: char) -> Joined {
        let mut joined = Joined {
            text: String::new(),
            pieces: Vec::new(),
            next_line: first,
        };
        while let Some((start, line)) = lines.get(joined.next_line) {
            joined.next_line += 1;
            let content = line.trim_end_matches(['\n', '\r']);
            let inside = joined.next_line - 1 > first;
            let trimmed = content.trim_start();
            if inside && (trimmed.is_empty() || trimmed.starts_with('#')) {
                continue;
            }
            let goes_on = content.trim_end_matches([' ', '\t']).strip_suffix(escape);
            joined.pieces.push((joined.text.len(), *start));
            joined.text.push_str(goes_on.unwrap_or(content));
            if goes_on.is_none() {
                break;
            }
        }
        joined
    }

    /// The file offset of an offset in the joined text.
    fn offset(&self, at: usize) -> usize {
        let piece = self
            .pieces
            .partition_point(|(joined, _)| *joined <= at)
            .saturating_sub(1);
        self.pieces
            .get(piece)
            .map_or(at, |(joined, file)| file + (at - joined))
    }
}

/// The heredoc markers of a `RUN` instruction, its lines joined, and how many of them the
/// parser reads itself: the first, when it is the first argument. A `<<` inside quotes or after
/// a backslash is text, not a heredoc (`RUN echo "a <<b"`).
fn inline_markers(line: &str) -> (Vec<Marker>, usize) {
    let trimmed = line.trim_start();
    let arguments = trimmed[3..].trim_start();
    let arguments_at = line.len() - arguments.len();
    let mut words = arguments.split_whitespace().skip_while(|w| w.starts_with("--"));
    let Some(first) = words.next() else {
        return (Vec::new(), 0);
    };
    let parser_reads = usize::from(first.starts_with("<<") && !first.starts_with("<<<"));
    let bytes = arguments.as_bytes();
    let mut markers = Vec::new();
    let mut quote = None;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match (quote, byte) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), _) if byte == q => quote = None,
            (Some(_), _) => {}
            (None, b'\\') => i += 1,
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'<') if bytes[i..].starts_with(b"<<<") => i += 2,
            (None, b'<') if bytes.get(i + 1) == Some(&b'<') => {
                // BuildKit reads a word `<<EOF`, or one with a file descriptor (`3<<EOF`).
                let word_start = i - bytes[..i].iter().rev().take_while(|b| b.is_ascii_digit()).count();
                let opens_word = word_start == 0 || bytes[word_start - 1].is_ascii_whitespace();
                if let Some((delimiter, strip_tabs, length)) =
                    opens_word.then(|| delimiter(&arguments[i + 2..])).flatten()
                {
                    markers.push(Marker {
                        delimiter,
                        strip_tabs,
                        at: arguments_at + i,
                    });
                    i += 2 + length;
                    continue;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    (markers, parser_reads)
}

/// The delimiter after a `<<` (`EOF`, `-EOF`, `"EOF"`, `-'EOF'`): its name, whether it strips
/// tabs, and how many bytes it takes.
fn delimiter(after: &str) -> Option<(String, bool, usize)> {
    let strip_tabs = after.starts_with('-');
    let mut rest = &after[usize::from(strip_tabs)..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
    if let Some(q) = quote {
        rest = &rest[1..];
        rest = &rest[..rest.find(q)?];
    }
    // BuildKit's name is the rest of the shell word, unquoted (`<<\EOF` is `EOF`). A word
    // that runs into a shell operator (`<<EOF>/etc/motd`) is cut there: read that way, a body
    // is never reported unterminated where a shell would find its end.
    let written: &str = rest
        .char_indices()
        .find(|&(_, c)| !in_delimiter(c))
        .map_or(rest, |(end, _)| &rest[..end]);
    let name: String = written
        .chars()
        .filter(|c| !matches!(c, '\\' | '"' | '\''))
        .collect();
    if name.is_empty() {
        return None;
    }
    let length = usize::from(strip_tabs) + 2 * usize::from(quote.is_some()) + written.len();
    Some((name, strip_tabs, length))
}

/// True for a character an unquoted delimiter name holds: anything up to the end of the word or
/// a shell operator.
fn in_delimiter(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '<' | '>' | '|' | ';' | '&' | '(' | ')')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_of_inline_heredocs_are_blanked_in_place() {
        let text = "FROM alpine\nRUN cat <<EOF > /etc/motd\nhello\nEOF\nUSER app\n";
        let masked = mask_inline(text, '\\').expect("one heredoc");
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(
            masked.text,
            "FROM alpine\nRUN cat <<EOF > /etc/motd\n     \n   \nUSER app\n"
        );
        assert_eq!(masked.bodies.len(), 1);
        assert_eq!(masked.bodies[0].1.text, "hello\n");
        assert_eq!(&text[masked.bodies[0].1.span.range()], "hello\n");
    }

    #[test]
    fn a_delimiter_is_the_rest_of_its_word_up_to_a_shell_operator() {
        let text = "FROM a\nRUN cat <<END-OF-FILE > /etc/motd && cat <<x.txt>/tmp/x\nhi\nEND-OF-FILE\nyo\nx.txt\nUSER app\n";
        let masked = mask_inline(text, '\\').expect("two heredocs");
        let bodies: Vec<&str> = masked.bodies.iter().map(|(_, body)| body.text.as_str()).collect();
        assert_eq!(bodies, ["hi\n", "yo\n"]);
        assert!(masked.text.ends_with("USER app\n"));
        let escaped =
            mask_inline("FROM a\nRUN cat <<\\EOF > /etc/motd\nhi\nEOF\nUSER app\n", '\\').expect("one");
        assert_eq!(escaped.bodies[0].1.text, "hi\n");
    }

    #[test]
    fn leading_heredocs_are_left_to_the_parser() {
        assert!(mask_inline("FROM a\nRUN <<EOF\necho hi\nEOF\n", '\\').is_none());
        assert!(
            mask_inline(
                "FROM a\nRUN --mount=type=cache,target=/x <<EOF\necho\nEOF\n",
                '\\'
            )
            .is_none()
        );
        assert!(mask_inline("FROM a\nRUN cat <<<word\n", '\\').is_none());
    }

    #[test]
    fn heredocs_after_a_leading_one_are_blanked_and_its_body_kept() {
        let text = "FROM a\nRUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\nUSER b\n";
        let masked = mask_inline(text, '\\').expect("a second heredoc");
        assert_eq!(
            masked.text,
            "FROM a\nRUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\n    \n      \n     \nUSER b\n"
        );
        assert_eq!(masked.bodies.len(), 1);
        assert_eq!(masked.bodies[0].1.text, "I am\nsecond\n");
    }

    #[test]
    fn several_and_tab_stripped_heredocs_are_found() {
        let text = "FROM a\nRUN python3 <<PY && cat <<-'END'\nprint(1)\nPY\n\tx\n\tEND\nUSER b\n";
        let masked = mask_inline(text, '\\').expect("two heredocs");
        assert_eq!(
            masked
                .bodies
                .iter()
                .map(|(_, w)| w.text.as_str())
                .collect::<Vec<_>>(),
            ["print(1)\n", "\tx\n"]
        );
        assert!(masked.text.ends_with("USER b\n"));
    }

    #[test]
    fn an_inline_heredoc_never_closed_takes_the_rest_of_the_file() {
        let text = "FROM a\nRUN cat <<EOF > /etc/motd\nhello\nUSER b\n";
        let masked = mask_inline(text, '\\').expect("an unterminated heredoc");
        assert_eq!(masked.text, "FROM a\nRUN cat <<EOF > /etc/motd\n     \n      \n");
        let (at, delimiter) = masked.unterminated.expect("reported");
        assert_eq!((&text[at..at + 5], delimiter.as_str()), ("<<EOF", "EOF"));
        assert!(masked.bodies.is_empty());
    }

    #[test]
    fn closed_heredocs_before_an_unclosed_one_keep_their_bodies() {
        let text = "FROM a\nRUN <<A cat - <<B && cat <<-'C'\na\nA\nb\nB\nrest\n";
        let masked = mask_inline(text, '\\').expect("heredocs");
        assert_eq!(masked.bodies.len(), 1);
        assert_eq!(masked.bodies[0].1.text, "b\n");
        let (at, delimiter) = masked.unterminated.expect("C never closes");
        assert_eq!((&text[at..at + 7], delimiter.as_str()), ("<<-'C'\n", "C"));
        assert!(masked.text.ends_with("a\nA\n \n \n    \n"));
    }

    #[test]
    fn a_marker_may_name_a_file_descriptor_but_not_follow_other_text() {
        let text = "FROM a\nRUN 3<<EOF cat /dev/fd/3 && cat 4<<-END\nFROM x\nEOF\n\tUSER root\n\tEND\n";
        let masked = mask_inline(text, '\\').expect("heredocs");
        let bodies: Vec<&str> = masked.bodies.iter().map(|(_, body)| body.text.as_str()).collect();
        assert_eq!(bodies, ["FROM x\n", "\tUSER root\n"]);
        assert!(masked.unterminated.is_none());
        for line in ["FROM a\nRUN cat a3<<EOF\nEOF\n", "FROM a\nRUN cat 3x<<EOF\nEOF\n"] {
            assert!(mask_inline(line, '\\').is_none(), "{line:?}");
        }
    }

    #[test]
    fn a_marker_in_quotes_or_escaped_is_text() {
        for line in [
            "FROM a\nRUN echo \"a <<EOF\" > f\nEOF\n",
            "FROM a\nRUN echo 'x <<EOF' > f\nEOF\n",
            "FROM a\nRUN echo \\<<EOF > f\nEOF\n",
            "FROM a\nRUN echo \"q\\\" <<EOF\" > f\nEOF\n",
        ] {
            assert!(mask_inline(line, '\\').is_none(), "{line:?}");
        }
        assert!(mask_inline("FROM a\nRUN echo \"a\" <<EOF\nEOF\n", '\\').is_some());
    }
}
