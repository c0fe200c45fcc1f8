//! The span-aware YAML node tree.

use super::packed::Packed;
use crate::source::Span;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// How a scalar was written; quoting changes how Kubernetes reads it (`"true"` is a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// Single- or double-quoted.
    Quoted,
    /// A `|` or `>` block scalar.
    Block,
}

/// A scalar's text and how it was written. The text is the source's own wherever the source holds
/// it as it reads (almost always); only escaped, folded and block text is copied, into the
/// file's arena.
#[derive(Debug, Clone, Copy)]
pub struct Scalar<'s> {
    text: &'s str,
    style: ScalarStyle,
    tag: StringTag,
}

/// A tag that makes a scalar a string whatever its text, as a quoted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringTag {
    /// No such tag.
    None,
    /// The non-specific `!`. Kubernetes' YAML reader still takes `! <<` for a merge key.
    NonSpecific,
    /// `!!str`.
    Str,
}

impl<'s> Scalar<'s> {
    /// A scalar with this text and style, and no tag.
    pub fn new(text: &'s str, style: ScalarStyle) -> Self {
        Scalar::tagged(text, style, StringTag::None)
    }

    /// A scalar whose tag may make it a string (`!!str 8080`, `! true`).
    pub fn tagged(text: &'s str, style: ScalarStyle, tag: StringTag) -> Self {
        Scalar { text, style, tag }
    }

    /// The text, as the YAML reader reads it.
    pub fn text(&self) -> &'s str {
        self.text
    }

    /// How it was written.
    pub fn style(&self) -> ScalarStyle {
        self.style
    }

    /// The tag that may make it a string.
    pub fn tag(&self) -> StringTag {
        self.tag
    }

    /// True for plain text the YAML reader resolves (a null, a boolean or a number): unquoted
    /// and with no tag that makes it a string.
    pub fn is_plain(&self) -> bool {
        self.style == ScalarStyle::Plain && self.tag == StringTag::None
    }

    /// True for a merge key as Kubernetes' YAML reader takes it: a plain `<<`, bare or tagged
    /// `!`. A quoted `"<<"` or a `!!str <<` is an ordinary key.
    pub fn is_merge_key(&self) -> bool {
        self.text == "<<" && self.style == ScalarStyle::Plain && self.tag != StringTag::Str
    }
}

/// A YAML node with the span of its source text. Its collections live in the file's
/// [`Arena`](super::Arena), so a node is a small copyable handle of 24 bytes
/// (`packed.rs` says how).
#[derive(Clone, Copy)]
pub struct Node<'s> {
    /// Where the node's text is (for an alias, where the anchored node is).
    pub span: Span,
    /// `Send` and `Sync` by an `unsafe impl` in `packed.rs`: nodes and entries must hold
    /// nothing that may not be shared between threads.
    packed: Packed<'s>,
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("span", &self.span)
            .field("value", &self.value())
            .finish()
    }
}

/// The content of a node.
#[derive(Debug, Clone, Copy)]
pub enum Value<'s> {
    /// A scalar, kept as its source text: the field reading it decides its type.
    Scalar(Scalar<'s>),
    /// A sequence.
    Sequence(&'s [Node<'s>]),
    /// A mapping, in source order.
    Mapping(&'s [Entry<'s>]),
}

/// One `key: value` pair of a mapping. Like a node, it must hold nothing that may not be shared
/// between threads (see `packed.rs`).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'s> {
    /// The key node.
    pub key: Node<'s>,
    /// The value node.
    pub value: Node<'s>,
}

impl<'s> Entry<'s> {
    /// A merge key (`<<: *defaults`), see [`Scalar::is_merge_key`].
    pub fn is_merge(&self) -> bool {
        matches!(self.key.value(), Value::Scalar(key) if key.is_merge_key())
    }

    /// The mappings a merge key brings in, in order: its value, or each item of a list.
    fn merged(&self) -> &[Node<'s>] {
        match self.value.value() {
            Value::Sequence(items) => items,
            _ => std::slice::from_ref(&self.value),
        }
    }
}

/// `a == b`, for the short texts of keys and most scalars: up to 16 bytes are compared as two
/// overlapping words in place, where `==` calls the C library's `memcmp` for every text of the
/// same length.
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => a.first_chunk::<4>() == b.first_chunk::<4>() && a.last_chunk::<4>() == b.last_chunk::<4>(),
        9..=16 => a.first_chunk::<8>() == b.first_chunk::<8>() && a.last_chunk::<8>() == b.last_chunk::<8>(),
        _ => a == b,
    }
}

/// Entries collected once per key: small mappings compare keys directly, large ones (a
/// ConfigMap with thousands of keys) use a set, so collecting stays linear.
struct UniqueEntries<'n, 's> {
    entries: Vec<&'n Entry<'s>>,
    keys: std::collections::HashSet<&'n str>,
}

impl<'n, 's> UniqueEntries<'n, 's> {
    const SMALL: usize = 32;

    fn with_capacity(capacity: usize) -> Self {
        UniqueEntries {
            entries: Vec::with_capacity(capacity),
            keys: std::collections::HashSet::new(),
        }
    }

    fn push(&mut self, entry: &'n Entry<'s>) {
        let Some(key) = entry.key.as_str() else {
            self.entries.push(entry);
            return;
        };
        let new = if self.entries.len() < Self::SMALL {
            !self.entries.iter().any(|seen| seen.key.as_str() == Some(key))
        } else {
            if self.keys.is_empty() {
                self.keys
                    .extend(self.entries.iter().filter_map(|e| e.key.as_str()));
            }
            self.keys.insert(key)
        };
        if new {
            if !self.keys.is_empty() {
                self.keys.insert(key);
            }
            self.entries.push(entry);
        }
    }
}

impl<'s> Node<'s> {
    /// A node holding `value` at `span`.
    #[inline]
    pub fn new(span: Span, value: Value<'s>) -> Self {
        Node {
            span,
            packed: Packed::new(value),
        }
    }

    /// What the node holds.
    #[inline]
    pub fn value(&self) -> Value<'s> {
        self.packed.value()
    }

    /// The scalar text, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        match self.value() {
            Value::Scalar(scalar) => Some(scalar.text()),
            _ => None,
        }
    }

    /// The scalar text unless it is a YAML null, for as long as the tree lives.
    pub fn scalar_text(&self) -> Option<&'s str> {
        match self.value() {
            Value::Scalar(scalar) if !self.is_null() => Some(scalar.text()),
            _ => None,
        }
    }

    /// The scalar text unless it is a YAML null.
    pub fn as_text(&self) -> Option<&str> {
        if self.is_null() { None } else { self.as_str() }
    }

    /// True for a plain `~`, `null` or empty scalar, which Kubernetes reads as an absent value.
    pub fn is_null(&self) -> bool {
        matches!(self.value(), Value::Scalar(scalar)
            if scalar.is_plain() && matches!(scalar.text(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A boolean as Kubernetes' YAML reader resolves it (YAML 1.1 words included); quoted text is no boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value() {
            Value::Scalar(scalar) if scalar.is_plain() => match scalar.text() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
                    Some(true)
                }
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
                    Some(false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain decimal integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value() {
            Value::Scalar(scalar) if scalar.is_plain() => scalar.text().replace('_', "").parse().ok(),
            _ => None,
        }
    }

    /// The sequence items, or nothing.
    pub fn items(&self) -> &[Node<'s>] {
        match self.value() {
            Value::Sequence(items) => items,
            _ => &[],
        }
    }

    /// The mapping entries in source order (merge keys included as written), or nothing.
    pub fn entries(&self) -> &[Entry<'s>] {
        match self.value() {
            Value::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// True for a mapping.
    pub fn is_mapping(&self) -> bool {
        matches!(self.value(), Value::Mapping(_))
    }

    /// A short noun for what this node is, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value() {
            Value::Scalar(..) if self.is_null() => "null",
            Value::Scalar(..) => "scalar",
            Value::Sequence(_) => "sequence",
            Value::Mapping(_) => "mapping",
        }
    }

    /// The entry for `key`: an explicit key wins over one merged in with `<<`.
    pub fn entry(&self, key: &str) -> Option<&Entry<'s>> {
        let [found] = self.entries_each([key]);
        found
    }

    /// The value for `key`, when it is present and not null.
    pub fn get(&self, key: &str) -> Option<&Node<'s>> {
        self.entry(key).map(|e| &e.value).filter(|v| !v.is_null())
    }

    /// The values for several keys, each as [`Node::get`] finds it, in one pass over the keys:
    /// for mappings that every object has many of, read key by key.
    pub fn get_each<const N: usize>(&self, keys: [&str; N]) -> [Option<&Node<'s>>; N] {
        self.entries_each(keys)
            .map(|found| found.map(|entry| &entry.value).filter(|value| !value.is_null()))
    }

    /// The entries for several keys, each as [`Node::entry`] finds it. One pass from the last
    /// key back, as the last of repeated keys wins, that stops once every key is found; merge
    /// keys are read only for a key that is absent.
    fn entries_each<const N: usize>(&self, keys: [&str; N]) -> [Option<&Entry<'s>>; N] {
        debug_assert!(
            keys.iter().enumerate().all(|(at, key)| !keys[..at].contains(key)),
            "each key once: a repeated key's later places are not filled as Node::entry would"
        );
        let mut found: [Option<&Entry<'s>>; N] = [None; N];
        let mut missing = N;
        let mut has_merge = false;
        for entry in self.entries().iter().rev() {
            let Value::Scalar(written) = entry.key.value() else {
                continue;
            };
            if written.is_merge_key() {
                has_merge = true;
                continue;
            }
            let text = written.text();
            for (slot, key) in found.iter_mut().zip(keys) {
                if slot.is_none() && same_text(text, key) {
                    *slot = Some(entry);
                    missing -= 1;
                    if missing == 0 {
                        return found;
                    }
                    break;
                }
            }
        }
        if has_merge {
            for (slot, key) in found.iter_mut().zip(keys) {
                if slot.is_none() {
                    *slot = self.merged_entry(key);
                }
            }
        }
        found
    }

    /// The entry for `key` that merge keys bring in: the first merged mapping's that has it.
    fn merged_entry(&self, key: &str) -> Option<&Entry<'s>> {
        self.entries()
            .iter()
            .filter(|e| e.is_merge())
            .find_map(|merge| merge.merged().iter().find_map(|source| source.entry(key)))
    }

    /// The value at a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node<'s>> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text of the scalar at `key`.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_text)
    }

    /// Every entry with merge keys resolved, explicit keys first, each key once (the last of
    /// repeated keys, as YAML readers keep).
    pub fn merged_entries(&self) -> Vec<&Entry<'s>> {
        let entries = self.entries();
        let mut out = UniqueEntries::with_capacity(entries.len());
        for entry in entries.iter().rev().filter(|e| !e.is_merge()) {
            out.push(entry);
        }
        out.entries.reverse();
        for merge in entries.iter().filter(|e| e.is_merge()) {
            for inherited in merge.merged().iter().flat_map(Node::merged_entries) {
                out.push(inherited);
            }
        }
        out.entries
    }

    /// Calls `f` on each of [`Node::merged_entries`] in its order. A small mapping with neither
    /// merge keys nor repeated keys (almost every one) is read in place, with nothing collected.
    pub fn for_each_merged_entry<'n>(&'n self, f: impl FnMut(&'n Entry<'s>)) {
        let entries = self.entries();
        let plain = entries.len() <= UniqueEntries::SMALL
            && entries.iter().enumerate().all(|(at, entry)| {
                !entry.is_merge()
                    && entry.key.as_str().is_none_or(|key| {
                        entries[..at]
                            .iter()
                            .all(|before| before.key.as_str() != Some(key))
                    })
            });
        if plain {
            entries.iter().for_each(f);
        } else {
            self.merged_entries().into_iter().for_each(f);
        }
    }

    /// True when both nodes hold the same data, wherever they are written: scalars by text
    /// (nulls alike), sequences item by item, mappings by key whatever their order (merge keys
    /// resolved).
    pub fn same_content(&self, other: &Node<'_>) -> bool {
        match (self.value(), other.value()) {
            (Value::Scalar(..), Value::Scalar(..)) => self.as_text() == other.as_text(),
            (Value::Sequence(a), Value::Sequence(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same_content(y))
            }
            (Value::Mapping(_), Value::Mapping(_)) => {
                let (mine, theirs) = (self.merged_entries(), other.merged_entries());
                mine.len() == theirs.len()
                    && mine.iter().all(|entry| {
                        entry
                            .key
                            .as_str()
                            .and_then(|key| other.entry(key))
                            .is_some_and(|found| entry.value.same_content(&found.value))
                    })
            }
            _ => false,
        }
    }

    /// A hash of the node's content, equal for nodes of the same content
    /// ([`Node::same_content`]), to find such nodes among many without comparing each pair;
    /// `None` for a mapping with a key that is not a scalar, which has no same content.
    pub fn content_hash(&self) -> Option<u64> {
        let mut hasher = DefaultHasher::new();
        match self.value() {
            Value::Scalar(..) => (0u8, self.as_text()).hash(&mut hasher),
            Value::Sequence(items) => {
                (1u8, items.len()).hash(&mut hasher);
                for item in items {
                    item.content_hash()?.hash(&mut hasher);
                }
            }
            Value::Mapping(_) => {
                let entries = self.merged_entries();
                // Key order does not matter: the entries' hashes are added up.
                let mut sum = 0u64;
                for entry in &entries {
                    let mut one = DefaultHasher::new();
                    (entry.key.as_str()?, entry.value.content_hash()?).hash(&mut one);
                    sum = sum.wrapping_add(one.finish());
                }
                (2u8, entries.len(), sum).hash(&mut hasher);
            }
        }
        Some(hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn root(text: &str) -> Node<'_> {
        let stream = parse_for_test(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        stream.documents.into_iter().next().expect("one document").root
    }

    #[test]
    fn short_texts_compare_equal_only_byte_for_byte() {
        let keys = [
            "",
            "a",
            "ab",
            "abc",
            "name",
            "names",
            "kind:xy",
            "replicas",
            "apiVersion",
            "serviceAccountName",
            "x".repeat(17).leak(),
        ];
        for a in keys {
            for b in keys {
                assert_eq!(same_text(a, b), a == b, "{a:?} {b:?}");
            }
            // One byte changed anywhere is told apart.
            for at in 0..a.len() {
                let mut changed = a.as_bytes().to_vec();
                changed[at] ^= 1;
                let changed = String::from_utf8(changed).unwrap();
                assert!(!same_text(a, &changed), "{a:?} {changed:?}");
            }
        }
    }

    #[test]
    fn merge_keys_fill_in_missing_entries_and_explicit_keys_win() {
        let node = root("base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\n");
        let merged = node.get("use").unwrap();
        assert_eq!(merged.str_at("a"), Some("1"));
        assert_eq!(merged.str_at("b"), Some("3"));
        let keys: Vec<_> = merged.merged_entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, [Some("b"), Some("a")]);
    }

    #[test]
    fn several_keys_read_at_once_read_as_each_alone() {
        // A repeated key is a syntax error the tree keeps.
        let stream = parse_for_test(
            "base: &b {name: inherited, args: [x]}\n\
             plain: {name: web, command: [run], other: 1}\n\
             repeated: {name: first, name: last, args: ~}\n\
             merged: {<<: *b, command: [go]}\n\
             overridden: {<<: *b, name: own, args: null}\n\
             scalar: text\n",
        );
        let node = &stream.documents[0].root;
        let keys = ["name", "command", "args", "absent"];
        for key in ["plain", "repeated", "merged", "overridden", "scalar"] {
            let mapping = node.get(key).unwrap();
            let each = mapping.get_each(keys).map(|found| found.map(|value| value.span));
            let alone = keys.map(|k| mapping.get(k).map(|value| value.span));
            assert_eq!(each, alone, "{key}");
        }
        let overridden = node.get("overridden").unwrap().get_each(["name", "args"]);
        assert_eq!(overridden[0].and_then(Node::as_str), Some("own"));
        assert!(overridden[1].is_none());
    }

    #[test]
    fn a_quoted_or_string_tagged_merge_key_is_an_ordinary_key() {
        let node = root(
            "ctx: {\"<<\": {privileged: true}}\nplain: {<<: {privileged: true}}\nstr: {!!str <<: {privileged: true}}\nbang: {! <<: {privileged: true}}\nverbatim: {!<tag:yaml.org,2002:str> <<: {privileged: true}}\n",
        );
        for key in ["ctx", "str", "verbatim"] {
            assert_eq!(node.get(key).unwrap().str_at("privileged"), None, "{key}");
            assert!(node.get(key).unwrap().get("<<").is_some(), "{key}");
        }
        // The non-specific `!` leaves a merge key one, as Kubernetes' reader takes it.
        for key in ["plain", "bang"] {
            assert_eq!(node.get(key).unwrap().str_at("privileged"), Some("true"), "{key}");
            assert!(node.get(key).unwrap().get("<<").is_none(), "{key}");
        }
    }

    #[test]
    fn a_string_tag_makes_a_plain_scalar_a_string() {
        let node = root("port: !!str 8080\nnumber: !!int 8080\nnothing: !!str null\non: ! true\n");
        assert_eq!(node.get("port").unwrap().as_i64(), None);
        assert_eq!(node.get("port").unwrap().as_str(), Some("8080"));
        assert_eq!(node.get("number").unwrap().as_i64(), Some(8080));
        assert!(!node.get("nothing").unwrap().is_null());
        assert_eq!(node.get("on").unwrap().as_bool(), None);
    }

    #[test]
    fn entries_read_in_place_match_the_merged_entries() {
        // A repeated key is a syntax error the tree keeps.
        let text = "base: &b {a: 1, b: 2}\nplain: {x: 1, y: 2}\nrepeated: {x: 1, y: 2, x: 3}\nmerged: {<<: *b, b: 3}\n";
        let stream = parse_for_test(text);
        let node = &stream.documents[0].root;
        for key in ["plain", "repeated", "merged"] {
            let mapping = node.get(key).unwrap();
            let mut read = Vec::new();
            mapping.for_each_merged_entry(|e| read.push((e.key.as_str(), e.value.as_str())));
            let merged: Vec<_> = mapping
                .merged_entries()
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_str()))
                .collect();
            assert_eq!(read, merged, "{key}");
        }
    }

    #[test]
    fn large_mappings_keep_each_key_once_and_the_last_value() {
        let mut text: String = (0..100).map(|n| format!("k{n}: {n}\n")).collect();
        text.push_str("k7: last\n");
        let stream = crate::parse::yaml::parse_for_test(&text);
        let node = &stream.documents[0].root;
        let entries = node.merged_entries();
        assert_eq!(entries.len(), 100);
        let k7 = entries.iter().find(|e| e.key.as_str() == Some("k7")).unwrap();
        assert_eq!(k7.value.as_str(), Some("last"));
    }

    #[test]
    fn same_content_ignores_key_order_layout_and_quoting() {
        let node = root(
            "a: {x: 1, y: [p, q]}\nb:\n  y: [p, 'q']\n  x: \"1\"\nc: {x: 1, y: [q, p]}\nd: {x: 1}\ne: {y: 1}\n",
        );
        let (a, b, c) = (
            node.get("a").unwrap(),
            node.get("b").unwrap(),
            node.get("c").unwrap(),
        );
        assert!(a.same_content(b) && b.same_content(a));
        assert!(!a.same_content(c));
        assert!(!a.same_content(node.get("a").unwrap().get("x").unwrap()));
        assert_eq!(a.content_hash(), b.content_hash());
        assert_ne!(a.content_hash(), c.content_hash());
        assert_ne!(
            node.get("d").unwrap().content_hash(),
            node.get("e").unwrap().content_hash()
        );
        assert_eq!(root("[a]: 1").content_hash(), None);
    }

    #[test]
    fn null_values_read_as_absent() {
        let node = root("a: ~\nb:\nc: null\nd: 'null'\n");
        assert!(node.get("a").is_none() && node.get("b").is_none() && node.get("c").is_none());
        assert_eq!(node.str_at("d"), Some("null"));
    }

    #[test]
    fn booleans_follow_kubernetes_yaml_and_quotes_stay_strings() {
        let node = root("a: yes\nb: \"true\"\nc: False\n");
        assert_eq!(node.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(node.get("b").unwrap().as_bool(), None);
        assert_eq!(node.get("c").unwrap().as_bool(), Some(false));
    }
}
