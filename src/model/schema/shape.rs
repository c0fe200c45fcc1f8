//! Field tables and the walk that checks a document against one.
//!
//! A table is a list of nodes; a node lists the fields a mapping takes (and the node of each),
//! the node of a list's items and the node of a map's values. Node [`FREE`] takes anything.
//! The built-in kinds' table is learnt from k8s-openapi's types ([`super::builtin`]); the
//! custom resources' is generated from their CRDs ([`super::crd`]).

use std::fmt;

use crate::parse::yaml::{Node, Value, same_text};

/// Index of the free-form node in every table: any key, any value.
pub(super) const FREE: u32 = 0;

/// What a schema node allows.
#[derive(Debug, Default)]
pub(super) struct Shape {
    /// The field names as the schema lists them; empty for a node without fixed fields.
    pub fields: Vec<&'static str>,
    /// The node of each field, in the order of `fields`.
    pub children: Vec<u32>,
    /// Positions in `fields` ordered by name length, then name: a lookup tells most names
    /// apart by length alone.
    by_name: Vec<u16>,
    /// The node of a list's items.
    pub items: u32,
    /// The node of a map's values (`additionalProperties`), for a mapping with free keys.
    pub values: u32,
}

impl Shape {
    /// A node with these fields (and their nodes), items and values.
    pub fn new(fields: Vec<&'static str>, children: Vec<u32>, items: u32, values: u32) -> Shape {
        let mut by_name: Vec<u16> = (0..fields.len() as u16).collect();
        by_name.sort_by_key(|&at| Self::order(fields[at as usize]));
        Shape {
            fields,
            children,
            by_name,
            items,
            values,
        }
    }

    fn order(name: &str) -> (usize, &str) {
        (name.len(), name)
    }

    /// The node of field `key`: the names of its length are found by length alone, then
    /// compared with it.
    pub fn child(&self, key: &str) -> Option<u32> {
        let length = |at: &u16| self.fields[*at as usize].len();
        let from = self.by_name.partition_point(|at| length(at) < key.len());
        let field = self.by_name[from..]
            .iter()
            .take_while(|at| length(at) == key.len())
            .find(|&&at| same_text(self.fields[at as usize], key))?;
        self.children.get(*field as usize).copied()
    }
}

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

/// Where the walk is, as a chain of borrowed segments rendered only when needed.
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

/// The keys of `object` that node `root` of a table does not know (`custom` for a custom
/// resource's table: its `status` is not checked and its `metadata` is read as ObjectMeta).
pub(super) fn unknown_keys<'n, 's>(
    nodes: &'static [Shape],
    root: u32,
    object: &'n Node<'s>,
    custom: bool,
) -> Vec<Ignored<'n, 's>> {
    let mut found = Vec::new();
    Walk {
        nodes,
        found: &mut found,
        custom,
    }
    .value(object, root, Path::Root);
    found
}

/// Checks a document against a table, collecting the keys the table does not know.
struct Walk<'f, 'n, 's> {
    pub nodes: &'static [Shape],
    found: &'f mut Vec<Ignored<'n, 's>>,
    /// Set for a custom resource's table: its `status` is not checked, and its `metadata` is
    /// checked as ObjectMeta.
    custom: bool,
}

impl<'n, 's> Walk<'_, 'n, 's> {
    /// A node by index; an index the table lacks reads as free-form.
    fn node(&self, index: u32) -> Option<&'static Shape> {
        let nodes: &'static [Shape] = self.nodes;
        (index != FREE).then(|| nodes.get(index as usize)).flatten()
    }

    /// Checks a value against a node: the keys of a mapping, the items of a list. A value of
    /// another type holds no key to check.
    fn value(&mut self, node: &'n Node<'s>, index: u32, path: Path<'_>) {
        let Some(shape) = self.node(index) else {
            return;
        };
        match node.value() {
            Value::Mapping(_) => self.mapping(node, shape, path),
            Value::Sequence(items) if shape.items != FREE => {
                for (at, item) in items.iter().enumerate() {
                    self.value(item, shape.items, Path::Index(&path, at));
                }
            }
            _ => {}
        }
    }

    fn mapping(&mut self, node: &'n Node<'s>, shape: &'static Shape, path: Path<'_>) {
        let root = matches!(path, Path::Root);
        node.for_each_merged_entry(|entry| {
            let Some(key) = entry.key.as_str() else { return };
            let here = Path::Key(&path, key);
            let child = shape.child(key);
            if self.custom {
                if root && key == "status" {
                    // The controller writes status (Istio adds fields its schema lacks), not the author.
                    return;
                }
                if key == "metadata" && (root || child.is_some_and(|child| self.object_meta(shape, child))) {
                    // An object's own `metadata`, open in its CRD, or a template's, whose CRD
                    // lists only labels and annotations: the reader takes it as ObjectMeta.
                    let table = super::builtin::object_meta();
                    let mut meta = Walk {
                        nodes: &table.nodes,
                        found: &mut *self.found,
                        custom: false,
                    };
                    meta.value(&entry.value, table.root, here);
                    return;
                }
            }
            if let Some(child) = child {
                self.value(&entry.value, child, here);
            } else if !shape.fields.is_empty() {
                self.found.push(Ignored {
                    key: &entry.key,
                    parent: path.to_string(),
                    fields: &shape.fields,
                });
            } else if shape.values != FREE {
                self.value(&entry.value, shape.values, here);
            }
        });
    }

    /// Whether a custom resource's nested `metadata` field (node `index`, in an object of shape
    /// `parent`) is object metadata: its schema lists some of ObjectMeta's fields (a pod or job
    /// template's labels and annotations), or it sits in an embedded resource beside `kind`. A
    /// free-form `metadata` elsewhere is a map of its own: a KEDA trigger's scaler parameters, an
    /// EnvoyFilter proxy's node metadata.
    fn object_meta(&self, parent: &Shape, index: u32) -> bool {
        self.node(index).is_some_and(|shape| !shape.fields.is_empty()) || parent.child("kind").is_some()
    }
}

/// Asserts that every node a table's nodes point to is in the table.
#[cfg(test)]
pub(super) fn assert_closed(nodes: &[Shape]) {
    let count = nodes.len() as u32;
    for shape in nodes {
        assert_eq!(shape.fields.len(), shape.children.len());
        assert!(
            shape
                .children
                .iter()
                .chain([&shape.items, &shape.values])
                .all(|c| *c < count)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_name_in_any_listed_order() {
        let shape = Shape::new(
            vec!["ports", "env", "image", "envFrom"],
            vec![4, 3, 2, 1],
            FREE,
            FREE,
        );
        assert_eq!(shape.child("env"), Some(3));
        assert_eq!(shape.child("envFrom"), Some(1));
        assert_eq!(shape.child("ports"), Some(4));
        assert_eq!(shape.child("imag"), None);
        assert_eq!(shape.fields, ["ports", "env", "image", "envFrom"]);
    }
}
