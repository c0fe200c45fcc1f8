//! A node's content in 16 bytes.
//!
//! Every node of every file stays in memory until the rules have run, and a mapping entry is two
//! nodes. A `&str` or a slice takes 16 bytes, its length alone 8: held as such, a node's content
//! would take 24 bytes, a node 32 and an entry 64, for text that averages some 25 bytes a line.
//! Here the length is a `u32` (a file is capped far below 4 GiB, so no text or list of one is
//! longer), and it shares the 8 bytes beside the pointer with the discriminant and the scalar's
//! style and tag: a node takes 24 bytes and an entry 48, a quarter less memory for every tree and
//! a quarter fewer cache lines read when a rule looks a key up.
//!
//! The tree's only unsafe code is here: each pointer is taken from a shared reference of
//! lifetime `'s` and given back as one, with the length it was taken with.
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ptr::NonNull;

use super::tree::{Entry, Node, Scalar, ScalarStyle, StringTag, Value};

/// [`Value`] with `u32` lengths; [`Packed::new`] and [`Packed::value`] convert.
#[derive(Clone, Copy)]
pub(super) enum Packed<'s> {
    Scalar {
        text: NonNull<u8>,
        len: u32,
        style: ScalarStyle,
        tag: StringTag,
        text_lifetime: PhantomData<&'s str>,
    },
    Sequence {
        items: NonNull<Node<'s>>,
        len: u32,
        items_lifetime: PhantomData<&'s [Node<'s>]>,
    },
    Mapping {
        entries: NonNull<Entry<'s>>,
        len: u32,
        entries_lifetime: PhantomData<&'s [Entry<'s>]>,
    },
}

// SAFETY: a `Packed` is a shared reference to a `str`, a `[Node]` or an `[Entry]` with its length
// stored apart; those references are `Send` and `Sync`, as nodes and entries hold nothing else.
unsafe impl Send for Packed<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for Packed<'_> {}

/// The slice and its length as stored. Files are read only up to a few MiB, so nothing in a tree
/// comes near `u32::MAX` items or bytes; were it ever longer, it would read as empty, never past
/// its end.
fn fitting<T>(slice: &[T]) -> (&[T], u32) {
    match u32::try_from(slice.len()) {
        Ok(len) => (slice, len),
        Err(_) => (&[], 0),
    }
}

impl<'s> Packed<'s> {
    /// The packed form of `value`.
    #[inline]
    pub(super) fn new(value: Value<'s>) -> Self {
        match value {
            Value::Scalar(scalar) => {
                let (text, len) = fitting(scalar.text().as_bytes());
                Packed::Scalar {
                    text: NonNull::from(text).cast(),
                    len,
                    style: scalar.style(),
                    tag: scalar.tag(),
                    text_lifetime: PhantomData,
                }
            }
            Value::Sequence(items) => {
                let (items, len) = fitting(items);
                Packed::Sequence {
                    items: NonNull::from(items).cast(),
                    len,
                    items_lifetime: PhantomData,
                }
            }
            Value::Mapping(entries) => {
                let (entries, len) = fitting(entries);
                Packed::Mapping {
                    entries: NonNull::from(entries).cast(),
                    len,
                    entries_lifetime: PhantomData,
                }
            }
        }
    }

    /// The value it was made from.
    #[inline]
    pub(super) fn value(self) -> Value<'s> {
        match self {
            Packed::Scalar {
                text,
                len,
                style,
                tag,
                ..
            } => {
                // SAFETY: `text` and `len` are the pointer and length of a `&'s str` (see `new`),
                // so the bytes are borrowed for `'s` and are UTF-8.
                let text = unsafe {
                    std::str::from_utf8_unchecked(std::slice::from_raw_parts(text.as_ptr(), len as usize))
                };
                Value::Scalar(Scalar::tagged(text, style, tag))
            }
            Packed::Sequence { items, len, .. } => {
                // SAFETY: the pointer and length of a `&'s [Node<'s>]` (see `new`).
                Value::Sequence(unsafe { std::slice::from_raw_parts(items.as_ptr(), len as usize) })
            }
            Packed::Mapping { entries, len, .. } => {
                // SAFETY: the pointer and length of a `&'s [Entry<'s>]` (see `new`).
                Value::Mapping(unsafe { std::slice::from_raw_parts(entries.as_ptr(), len as usize) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn nodes_take_24_bytes_and_entries_48() {
        assert_eq!(std::mem::size_of::<Packed<'_>>(), 16);
        assert_eq!(std::mem::size_of::<Node<'_>>(), 24);
        assert_eq!(std::mem::size_of::<Entry<'_>>(), 48);
    }

    #[test]
    fn every_value_comes_back_as_it_was_packed() {
        let text = String::from("héllo: [a, b]");
        let scalar = Node::new(
            Span::new(0, 6),
            Value::Scalar(Scalar::tagged(&text[..6], ScalarStyle::Quoted, StringTag::Str)),
        );
        let items = [scalar, scalar];
        let entries = [Entry {
            key: scalar,
            value: Node::new(Span::new(7, 13), Value::Sequence(&items)),
        }];
        match scalar.value() {
            Value::Scalar(back) => {
                assert_eq!(back.text(), "héllo");
                assert_eq!(back.style(), ScalarStyle::Quoted);
                assert_eq!(back.tag(), StringTag::Str);
            }
            other => panic!("{other:?}"),
        }
        let mapping = Node::new(Span::new(0, 13), Value::Mapping(&entries));
        assert_eq!(mapping.entries().len(), 1);
        assert_eq!(mapping.entries()[0].value.items().len(), 2);
        assert_eq!(mapping.entries()[0].value.items()[1].as_str(), Some("héllo"));
        let empty = Node::new(Span::new(0, 0), Value::Sequence(&[]));
        assert!(empty.items().is_empty());
        assert_eq!(
            Node::new(
                Span::new(0, 0),
                Value::Scalar(Scalar::new("", ScalarStyle::Plain))
            )
            .as_str(),
            Some("")
        );
    }
}
