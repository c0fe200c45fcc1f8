//! A serde `Deserializer` over our YAML nodes that records the keys a typed schema ignores.
//!
//! k8s-openapi's generated `Deserialize` impls pass every unknown key's value to
//! `deserialize_ignored_any`. The struct's own field list arrives in `deserialize_struct`, so at
//! that point we know the key, where it is, and which names would have been accepted.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::parse::yaml::{Node, Value};

/// A key the schema does not know.
#[derive(Debug, Clone)]
pub struct Ignored<'n, 's> {
    /// The key node.
    pub key: &'n Node<'s>,
    /// Path of the mapping that holds it (`spec.template.spec.containers[0]`).
    pub parent: String,
    /// The field names the schema accepts there.
    pub fields: &'static [&'static str],
}

/// Where the deserializer is, as a chain of borrowed segments rendered only when needed.
#[derive(Clone, Copy)]
pub(super) enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Why typed loading stopped (a value of the wrong type); the keys recorded so far stand.
#[derive(Debug)]
pub struct Mismatch(String);

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Mismatch(message.to_string())
    }
}

pub(super) type Found<'n, 's> = RefCell<Vec<Ignored<'n, 's>>>;

/// Runs `T`'s typed loader over `node`, recording the keys it ignores in `found`; a value of the
/// wrong type stops it, and the keys found before stay.
pub(super) fn load<'n, 's, T: DeserializeOwned>(node: &'n Node<'s>, path: Path<'_>, found: &Found<'n, 's>) {
    let deserializer = NodeDeserializer {
        node,
        path,
        found,
        unknown: None,
    };
    let _ = T::deserialize(deserializer);
}

/// Deserializes one node.
struct NodeDeserializer<'n, 's, 'p, 'r> {
    pub node: &'n Node<'s>,
    pub path: Path<'p>,
    pub found: &'r Found<'n, 's>,
    /// Set when this value belongs to a key the enclosing struct does not know.
    pub unknown: Option<(&'n Node<'s>, &'static [&'static str])>,
}

impl<'n, 's, 'p, 'r> NodeDeserializer<'n, 's, 'p, 'r> {
    fn text(&self) -> Option<&'n str> {
        match &self.node.value {
            Value::Scalar(scalar) => Some(scalar.text()),
            _ => None,
        }
    }

    fn mismatch(&self, expected: &str) -> Mismatch {
        Mismatch(format!(
            "expected {expected} at {}, found a {}",
            self.path,
            self.node.type_name()
        ))
    }

    fn number<T: std::str::FromStr>(&self) -> Result<T, Mismatch> {
        self.text()
            .and_then(|t| match t.contains('_') {
                true => t.replace('_', "").parse().ok(),
                false => t.parse().ok(),
            })
            .ok_or_else(|| self.mismatch("a number"))
    }
}

macro_rules! numbers {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
            visitor.$visit(self.number::<$ty>()?)
        })*
    };
}

impl<'de, 'n, 's, 'p, 'r> de::Deserializer<'de> for NodeDeserializer<'n, 's, 'p, 'r> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match &self.node.value {
            Value::Mapping(_) => self.deserialize_map(visitor),
            Value::Sequence(_) => self.deserialize_seq(visitor),
            Value::Scalar(scalar) if scalar.is_plain() => {
                let text = scalar.text();
                if self.node.is_null() {
                    return visitor.visit_unit();
                }
                if let Some(flag) = self.node.as_bool().filter(|_| matches!(text, "true" | "false")) {
                    return visitor.visit_bool(flag);
                }
                if let Ok(n) = text.parse::<i64>() {
                    return visitor.visit_i64(n);
                }
                if let Ok(n) = text.parse::<f64>() {
                    return visitor.visit_f64(n);
                }
                visitor.visit_str(text)
            }
            Value::Scalar(scalar) => visitor.visit_str(scalar.text()),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.node.as_bool() {
            Some(flag) => visitor.visit_bool(flag),
            None => Err(self.mismatch("a boolean")),
        }
    }

    numbers! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16, deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64, deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64, deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.text() {
            Some(text) => visitor.visit_str(text),
            None => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match &self.node.value {
            Value::Sequence(items) => visitor.visit_seq(Items {
                items,
                next: 0,
                path: self.path,
                found: self.found,
            }),
            _ if self.node.is_null() => visitor.visit_seq(Items {
                items: &[],
                next: 0,
                path: self.path,
                found: self.found,
            }),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_struct("", &[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        if !self.node.is_mapping() && !self.node.is_null() {
            return Err(self.mismatch("a mapping"));
        }
        let entries = self.node.merged_entries();
        visitor.visit_map(Entries {
            entries,
            next: 0,
            fields,
            path: self.path,
            found: self.found,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        match self.text() {
            Some(text) => visitor.visit_enum(text.into_deserializer()),
            None => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if let Some((key, fields)) = self.unknown {
            let parent = match self.path {
                Path::Key(parent, _) => parent.to_string(),
                other => other.to_string(),
            };
            self.found.borrow_mut().push(Ignored { key, parent, fields });
        }
        visitor.visit_unit()
    }
}

struct Items<'n, 's, 'p, 'r> {
    items: &'n [Node<'s>],
    next: usize,
    path: Path<'p>,
    found: &'r Found<'n, 's>,
}

impl<'de, 'n, 's, 'p, 'r> SeqAccess<'de> for Items<'n, 's, 'p, 'r> {
    type Error = Mismatch;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Mismatch> {
        let Some(node) = self.items.get(self.next) else {
            return Ok(None);
        };
        let path = Path::Index(&self.path, self.next);
        self.next += 1;
        seed.deserialize(NodeDeserializer {
            node,
            path,
            found: self.found,
            unknown: None,
        })
        .map(Some)
    }
}

struct Entries<'n, 's, 'p, 'r> {
    entries: Vec<&'n crate::parse::yaml::Entry<'s>>,
    next: usize,
    fields: &'static [&'static str],
    path: Path<'p>,
    found: &'r Found<'n, 's>,
}

impl<'de, 'n, 's, 'p, 'r> MapAccess<'de> for Entries<'n, 's, 'p, 'r> {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Mismatch> {
        let Some(entry) = self.entries.get(self.next) else {
            return Ok(None);
        };
        let key = NodeDeserializer {
            node: &entry.key,
            path: self.path,
            found: self.found,
            unknown: None,
        };
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        let Some(entry) = self.entries.get(self.next).copied() else {
            return Err(Mismatch("value without a key".to_owned()));
        };
        self.next += 1;
        let name = entry.key.as_str().unwrap_or("?");
        // Maps (labels, data) have no field list: none of their keys is unknown.
        let unknown =
            (!self.fields.is_empty() && !self.fields.contains(&name)).then_some((&entry.key, self.fields));
        let path = Path::Key(&self.path, name);
        seed.deserialize(NodeDeserializer {
            node: &entry.value,
            path,
            found: self.found,
            unknown,
        })
    }
}
