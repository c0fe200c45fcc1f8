//! What Kubernetes' YAML reader refuses before it parses anything: characters outside YAML's
//! printable set, and bytes that are not UTF-8. kubectl splits a stream into documents first,
//! so such a character costs the document that holds it, not the others: that document is
//! blanked out of the text the parser reads, and the rest of the stream is read as usual.

/// Offsets of the characters the reader refuses in `text`: C0 controls but tab and line ends,
/// DEL, C1 controls but NEL, U+FFFE and U+FFFF. A stream of JSON objects is read by a JSON
/// decoder, which refuses only the C0 controls (raw in a string, or outside one).
pub fn forbidden_characters(text: &str, json: bool) -> Vec<usize> {
    const CHUNK: usize = 64;
    // Lead bytes of the forbidden characters; text is UTF-8, so 0xC2 and 0xEF always lead one.
    // Written without branches, so that a whole chunk is tested at once.
    let may_start = |b: u8| {
        ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0x7F) | (b == 0xC2) | (b == 0xEF)
    };
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut check = |from: usize, chunk: &[u8]| {
        for (within, &byte) in chunk.iter().enumerate() {
            let at = from + within;
            let forbidden = match byte {
                0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => true,
                0x7F => !json,
                0xC2 => !json && matches!(bytes.get(at + 1), Some(0x80..=0x84 | 0x86..=0x9F)),
                0xEF => {
                    !json
                        && bytes.get(at + 1) == Some(&0xBF)
                        && matches!(bytes.get(at + 2), Some(0xBE | 0xBF))
                }
                _ => false,
            };
            if forbidden {
                found.push(at);
            }
        }
    };
    let chunks = bytes.chunks_exact(CHUNK);
    let rest = chunks.remainder();
    for (index, chunk) in chunks.enumerate() {
        if chunk.iter().fold(0u8, |any, &b| any | u8::from(may_start(b))) != 0 {
            check(index * CHUNK, chunk);
        }
    }
    check(bytes.len() - rest.len(), rest);
    found
}

/// `text` with each document holding one of the sorted `offsets` blanked: every byte of it
/// but line ends becomes a space, so positions, lines and the other documents stay as they
/// are, and a blanked document reads as empty. A document's `---` is kept. Also returns the
/// first offset in each blanked document, where it is reported.
pub fn blank_documents(text: &str, offsets: &[usize]) -> (String, Vec<usize>) {
    let markers = markers(text);
    let mut bytes = text.as_bytes().to_vec();
    let mut first_in_document = Vec::new();
    let mut blanked_to = 0;
    for &offset in offsets {
        if offset < blanked_to {
            continue;
        }
        let (start, end) = document_around(&markers, text.len(), offset);
        for byte in &mut bytes[start..end] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
        first_in_document.push(offset);
        blanked_to = end;
    }
    // Whole characters were replaced by ASCII spaces, between ASCII boundaries.
    let blanked =
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (blanked, first_in_document)
}

/// A line that starts with a document marker.
struct Marker {
    line_start: usize,
    line_end: usize,
    /// `---` (a document starts) rather than `...` (one ends).
    starts_document: bool,
}

/// The marker lines of `text`, in order.
fn markers(text: &str) -> Vec<Marker> {
    line_starts(text)
        .filter_map(|line_start| {
            let line = &text[line_start..];
            let starts_document = is_marker(line, "---");
            (starts_document || is_marker(line, "...")).then(|| Marker {
                line_start,
                line_end: line.find(['\n', '\r']).map_or(text.len(), |n| line_start + n),
                starts_document,
            })
        })
        .collect()
}

/// The byte range of the document around `offset`, as kubectl's reader splits a stream of
/// `len` bytes with these `markers`: from after the marker that starts it (`---`, kept) or the
/// `...` that ends the one before, to the next marker line.
fn document_around(markers: &[Marker], len: usize, offset: usize) -> (usize, usize) {
    let after = markers.partition_point(|m| m.line_start <= offset);
    let start = match after.checked_sub(1).map(|before| &markers[before]) {
        None => 0,
        // The character may be on the marker's line itself, after the marker.
        Some(m) if m.starts_document || offset < m.line_end => m.line_start + 3,
        Some(m) => m.line_end,
    };
    let end = markers.get(after).map_or(len, |m| m.line_start);
    (start.min(offset), end)
}

/// A document marker (`---` or `...`) at the start of `line`, ending it or followed by a blank.
fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
}

/// Where each line starts: after `\n`, or after a `\r` that no `\n` follows.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    std::iter::once(0).chain(
        memchr::memchr2_iter(b'\n', b'\r', bytes)
            .filter(move |&at| bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n'))
            .map(|at| at + 1)
            .filter(move |&start| start < bytes.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_characters_the_reader_refuses_are_found_and_no_other() {
        let text = "a: \u{1}\tb\r\n# \u{7f} \u{85} \u{80} \u{9f} \u{a0} \u{fffe} \u{ffff} \u{fffd} \u{feff} \u{e9}\u{0}";
        let found: Vec<char> = forbidden_characters(text, false)
            .into_iter()
            .map(|at| text[at..].chars().next().unwrap())
            .collect();
        assert_eq!(
            found,
            [
                '\u{1}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fffe}', '\u{ffff}', '\u{0}'
            ]
        );
        let json: Vec<char> = forbidden_characters(text, true)
            .into_iter()
            .map(|at| text[at..].chars().next().unwrap())
            .collect();
        assert_eq!(json, ['\u{1}', '\u{0}']);
        // Across the chunks the scan tests at once.
        for at in 0..70 {
            let mut long = "x".repeat(70);
            long.replace_range(at..=at, "\u{1b}");
            assert_eq!(forbidden_characters(&long, false), [at]);
        }
    }

    #[test]
    fn only_the_documents_holding_a_refused_character_are_blanked() {
        let text = "a: 1\n---\nb: \u{1}\nc: 2\n--- # x\nd: 3\n...\ne: \u{2}\n---\nf: \u{3}\u{4}\n";
        let offsets = forbidden_characters(text, false);
        let (blanked, first) = blank_documents(text, &offsets);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(
            blanked,
            "a: 1\n---\n    \n    \n--- # x\nd: 3\n...\n    \n---\n     \n"
        );
        assert_eq!(first, [offsets[0], offsets[1], offsets[2]]);
        // A document with no marker before it starts the stream; one that is only a marker line.
        let text = "\u{5}: x\r\n--- \u{6}\r\ng: 1\r\n";
        let (blanked, first) = blank_documents(text, &forbidden_characters(text, false));
        assert_eq!(blanked, "    \r\n---  \r\n    \r\n");
        assert_eq!(first, [0, 10]);
    }

    #[test]
    fn every_document_of_a_long_stream_may_be_refused() {
        // Each document is found by halving, not by reading the stream again.
        let text = "---\nname: \u{1}\n".repeat(50_000);
        let (blanked, first) = blank_documents(&text, &forbidden_characters(&text, false));
        assert_eq!(first.len(), 50_000);
        assert_eq!(blanked, "---\n       \n".repeat(50_000));
    }
}
