//! A node's content in 16 bytes (on 64-bit targets).
//!
//! Every node of every file stays in memory until the rules have run, and a mapping entry is two
//! nodes. A `&str` or a slice takes 16 bytes, its length alone 8: held as such, a node's content
//! would take 24 bytes, a node 32 and an entry 64, for text that averages some 25 bytes a line.
//! Here the length is a `u32`, and it shares the 8 bytes beside the pointer with the discriminant
//! and the scalar's style and tag: a node takes 24 bytes and an entry 48, a quarter less memory
//! for the nodes of every tree and a quarter fewer cache lines read when a rule looks a key up.
//!
//! The tree's only unsafe code is here. Its representation is private to this module, so a
//! `Packed` is only ever made by [`Packed::new`] from a shared reference of lifetime `'s`, and
//! [`Packed::value`] gives that reference back.
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ptr::NonNull;

use super::tree::{Entry, Node, Scalar, ScalarStyle, StringTag, Value};

/// [`Value`] with `u32` lengths. The pointers carry no lifetime of their own (`Repr` names `'s`
/// only through `Node<'s>`, which is this type again): the marker ties a `Packed` to the data it
/// borrows, covariant as the references it stands for.
#[derive(Clone, Copy)]
pub(super) struct Packed<'s>(Repr<'s>, PhantomData<&'s str>);

#[derive(Clone, Copy)]
enum Repr<'s> {
    Scalar {
        text: NonNull<u8>,
        len: u32,
        style: ScalarStyle,
        tag: StringTag,
    },
    Sequence {
        items: NonNull<Node<'s>>,
        len: u32,
    },
    Mapping {
        entries: NonNull<Entry<'s>>,
        len: u32,
    },
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Packed<'static>>() == 16);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node<'static>>() == 24);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Entry<'static>>() == 48);

// SAFETY: a `Packed` stands for a shared reference to a `str`, a `[Node]` or an `[Entry]`, which
// may be sent to and shared with other threads as nodes and entries hold nothing but spans,
// `Packed`s and plain enums. (Bounded on `Node: Sync`, the compiler's check of the bound
// overflows: proving it needs these impls again.)
unsafe impl Send for Packed<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for Packed<'_> {}

/// A slice's start and length as stored. Files are read only up to 32 MiB (`MAX_FILE_BYTES`),
/// so nothing in a tree comes near 4 GiB; a tree parsed by a library caller from a larger text
/// would hold a text or list that long as empty (a plain scalar then reads as a null), never read
/// past its end.
fn raw<T>(slice: &[T]) -> (NonNull<T>, u32) {
    match u32::try_from(slice.len()) {
        Ok(len) => (NonNull::from(slice).cast(), len),
        Err(_) => (NonNull::dangling(), 0),
    }
}

/// The slice [`raw`] took apart.
///
/// # Safety
/// `start` and `len` come from `raw` of a `&'s [T]`.
unsafe fn slice<'s, T>(start: NonNull<T>, len: u32) -> &'s [T] {
    // SAFETY: `raw` took them from a slice borrowed for `'s` (or made an empty one).
    unsafe { std::slice::from_raw_parts(start.as_ptr(), len as usize) }
}

impl<'s> Packed<'s> {
    /// The packed form of `value`.
    #[inline]
    pub(super) fn new(value: Value<'s>) -> Self {
        let repr = match value {
            Value::Scalar(scalar) => {
                let (text, len) = raw(scalar.text().as_bytes());
                Repr::Scalar {
                    text,
                    len,
                    style: scalar.style(),
                    tag: scalar.tag(),
                }
            }
            Value::Sequence(items) => {
                let (items, len) = raw(items);
                Repr::Sequence { items, len }
            }
            Value::Mapping(entries) => {
                let (entries, len) = raw(entries);
                Repr::Mapping { entries, len }
            }
        };
        Packed(repr, PhantomData)
    }

    /// The value it was made from.
    #[inline]
    pub(super) fn value(self) -> Value<'s> {
        // SAFETY (each block): every start and length was taken by `raw` in `new` from a
        // reference of lifetime `'s`, a scalar's from the bytes of a `str`, which are UTF-8.
        match self.0 {
            Repr::Scalar {
                text,
                len,
                style,
                tag,
            } => {
                let text = unsafe { std::str::from_utf8_unchecked(slice(text, len)) };
                Value::Scalar(Scalar::tagged(text, style, tag))
            }
            Repr::Sequence { items, len } => Value::Sequence(unsafe { slice(items, len) }),
            Repr::Mapping { entries, len } => Value::Mapping(unsafe { slice(entries, len) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn every_style_and_tag_comes_back() {
        let text = "x: 1";
        for style in [ScalarStyle::Plain, ScalarStyle::Quoted, ScalarStyle::Block] {
            for tag in [StringTag::None, StringTag::NonSpecific, StringTag::Str] {
                let node = Node::new(
                    Span::new(0, 1),
                    Value::Scalar(Scalar::tagged(&text[..1], style, tag)),
                );
                let Value::Scalar(back) = node.value() else {
                    panic!("{node:?}")
                };
                assert_eq!((back.text(), back.style(), back.tag()), ("x", style, tag));
            }
        }
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
        assert_eq!(scalar.as_str(), Some("héllo"));
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
