//! Compact JSON written straight into a byte buffer, for the reports' per-finding lines: a SARIF
//! log holds a line for each of tens of thousands of findings, and most of its bytes are message
//! text, which is copied here eight bytes at a time where it needs no escape.

/// A JSON object being written: members go in the order they are given, keys as written (plain
/// ASCII names that need no escape).
pub struct Object<'b> {
    out: &'b mut Vec<u8>,
    empty: bool,
}

impl<'b> Object<'b> {
    /// Starts an object at the end of `out`.
    pub fn begin(out: &'b mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Ends the object.
    pub fn end(self) {
        self.out.push(b'}');
    }

    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        debug_assert!(
            name.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        );
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// A string member.
    pub fn string(&mut self, name: &str, value: &str) -> &mut Self {
        self.text(name, &[value])
    }

    /// A string member whose value is `parts` joined, written without joining them first.
    pub fn text(&mut self, name: &str, parts: &[&str]) -> &mut Self {
        let out = self.key(name);
        out.push(b'"');
        for part in parts {
            push_escaped(out, part);
        }
        out.push(b'"');
        self
    }

    /// A number member.
    pub fn number(&mut self, name: &str, value: impl itoa::Integer) -> &mut Self {
        let out = self.key(name);
        out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        self
    }

    /// An object member, its members written by `members`.
    pub fn object(&mut self, name: &str, members: impl FnOnce(&mut Object<'_>)) -> &mut Self {
        let mut inner = Object::begin(self.key(name));
        members(&mut inner);
        inner.end();
        self
    }

    /// A member that is a list of objects, one for each item, written by `members`.
    pub fn objects<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut members: impl FnMut(&mut Object<'_>, T),
    ) -> &mut Self {
        let out = self.key(name);
        out.push(b'[');
        for (n, item) in items.into_iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let mut inner = Object::begin(out);
            members(&mut inner, item);
            inner.end();
        }
        out.push(b']');
        self
    }
}

/// Appends `text` escaped as the inside of a JSON string, as `serde_json` escapes it: `"`, `\`
/// and the C0 controls, the common ones by their short escapes.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        // A word without a byte to escape, as almost every word of a message is, goes whole;
        // otherwise its first such byte is next.
        if let Some(word) = bytes.get(at..at + 8) {
            let found = to_escape(u64::from_le_bytes(word.try_into().unwrap_or_default()));
            if found == 0 {
                at += 8;
                continue;
            }
            at += found.trailing_zeros() as usize / 8;
        }
        let byte = bytes[at];
        let short = match byte {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'\n' => Some(b'n'),
            b'\r' => Some(b'r'),
            b'\t' => Some(b't'),
            0x08 => Some(b'b'),
            0x0c => Some(b'f'),
            _ => None,
        };
        if short.is_some() || byte < 0x20 {
            out.extend_from_slice(&bytes[copied..at]);
            match short {
                Some(letter) => out.extend_from_slice(&[b'\\', letter]),
                None => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let (high, low) = (HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]);
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', high, low]);
                }
            }
            copied = at + 1;
        }
        at += 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// The high bit of each byte of `word` (little-endian) that is below 0x20, a `"` or a `\`, and
/// maybe of bytes above it: the lowest bit set is exact, as these tests borrow only upwards.
fn to_escape(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let is = |byte: u8| {
        let differs = word ^ (ONES * u64::from(byte));
        differs.wrapping_sub(ONES) & !differs
    };
    (below_space | is(b'"') | is(b'\\')) & HIGHS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        let mut object = Object::begin(&mut out);
        object.string("k", text);
        object.end();
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..=0x7f).map(|b| format!("ab{}cdefghij", b as char)).collect();
        texts.extend((0..20).map(|at| format!("{}\"{}\\\n", "x".repeat(at), "y".repeat(19 - at))));
        texts.extend(["", "é\u{1}\u{202e}ü", "\u{7f}\u{85}", "tail\u{1f}"].map(String::from));
        for text in texts {
            let expected = serde_json::json!({ "k": text }).to_string();
            assert_eq!(escaped(&text), expected, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_serde_json_escapes_it(text in "(?s).{0,40}") {
            proptest::prop_assert_eq!(escaped(&text), serde_json::json!({ "k": text }).to_string());
        }
    }

    #[test]
    fn the_word_test_finds_the_first_byte_to_escape() {
        let escaped = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
        for first in 0u8..=255 {
            for second in [
                b'a', 0, 0x1f, 0x20, 0x21, b'"', b'#', b'\\', b']', 0x7f, 0x80, 0xff,
            ] {
                for at in 0..8 {
                    let mut word = [b'a'; 8];
                    word[at] = first;
                    word[(at + 3) % 8] = second;
                    let expected = word.iter().position(|&b| escaped(b));
                    let found = to_escape(u64::from_le_bytes(word));
                    let position = (found != 0).then(|| found.trailing_zeros() as usize / 8);
                    assert_eq!(position, expected, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn members_nest_and_are_separated() {
        let mut out = Vec::new();
        let mut object = Object::begin(&mut out);
        object
            .string("a", "x")
            .number("n", 42u32)
            .object("o", |inner| {
                inner.text("t", &["one", "\n", "two"]);
            })
            .objects("l", [1usize, 2], |item, n| {
                item.number("id", n);
            })
            .objects("e", Vec::<u8>::new(), |_, _| {});
        object.end();
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            r#"{"a":"x","n":42,"o":{"t":"one\ntwo"},"l":[{"id":1},{"id":2}],"e":[]}"#
        );
    }
}
