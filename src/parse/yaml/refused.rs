//! What Kubernetes' YAML reader refuses before it parses anything: characters outside YAML's
//! printable set, and bytes that are not UTF-8. kubectl splits a stream into documents first,
//! so such a character costs the document that holds it, not the others: that document is
//! blanked out of the text the parser reads, and the rest of the stream is read as usual.

/// Offsets of the characters the reader refuses in `text`: C0 controls but tab and line ends,
/// DEL, C1 controls but NEL, U+FFFE and U+FFFF. A stream of JSON objects is read by a JSON
/// decoder, which allows DEL and C1 controls in strings: there, only the C0 controls but tab
/// and line ends are looked for (those three raw in a string are errors too, left unreported).
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
///
/// The documents are split as kubectl splits a stream before it reads one: at lines that start
/// with `---` and hold nothing else but blanks or a comment; not at `...`, nor at lines that
/// start with `--- ` and go on (kubectl's reader leaves those inside the document).
pub fn blank_documents(text: &str, offsets: &[usize]) -> (String, Vec<usize>) {
    let separators = separators(text);
    let mut bytes = text.as_bytes().to_vec();
    let mut first_in_document = Vec::new();
    let mut blanked_to = 0;
    for &offset in offsets {
        if offset < blanked_to {
            continue;
        }
        let after = separators.partition_point(|&line_start| line_start <= offset);
        let start = after
            .checked_sub(1)
            .map_or(0, |before| (separators[before] + 3).min(offset));
        let end = separators.get(after).copied().unwrap_or(text.len());
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

/// Where the lines that separate documents start, in order.
fn separators(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|at| at + 1))
        .filter(|&line_start| {
            text[line_start..].strip_prefix("---").is_some_and(|rest| {
                let line = rest.split('\n').next().unwrap_or_default().trim();
                line.is_empty() || line.starts_with('#')
            })
        })
        .collect()
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
        let text = "a: 1\n---\nb: \u{1}\nc: 2\n--- # x\nd: 3\n---\ne: 5\n...\n# \u{2}\n--- {f: 1}\n---\ng: \u{3}\u{4}\n";
        let offsets = forbidden_characters(text, false);
        let (blanked, first) = blank_documents(text, &offsets);
        assert_eq!(blanked.len(), text.len());
        // `...` does not end what kubectl reads as one document, nor does `--- {f: 1}`.
        assert_eq!(
            blanked,
            "a: 1\n---\n    \n    \n--- # x\nd: 3\n---\n    \n   \n   \n          \n---\n     \n"
        );
        assert_eq!(first, [offsets[0], offsets[1], offsets[2]]);
        // A document with no separator before it starts the stream; CRLF line ends.
        let text = "\u{5}: x\r\n--- \r\ng: \u{6}\r\n";
        let (blanked, first) = blank_documents(text, &forbidden_characters(text, false));
        assert_eq!(blanked, "    \r\n--- \r\n    \r\n");
        assert_eq!(first, [0, 15]);
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
