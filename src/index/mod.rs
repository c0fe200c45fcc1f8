//! Cross-file lookups over every object of the scan, built once after parsing.

use std::collections::HashMap;

use crate::model::{Object, Workload};

/// Every object of the scan, by namespace and by kind.
#[derive(Debug, Default)]
pub struct Index<'o, 's> {
    objects: Vec<&'o Object<'s>>,
    by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>>,
}

impl<'o, 's> Index<'o, 's> {
    /// Indexes the objects, in scan order.
    pub fn new(objects: impl IntoIterator<Item = &'o Object<'s>>) -> Self {
        let objects: Vec<&'o Object<'s>> = objects.into_iter().collect();
        let mut by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>> = HashMap::new();
        for (n, object) in objects.iter().enumerate() {
            by_namespace_kind
                .entry(object.effective_namespace())
                .or_default()
                .entry(object.kind())
                .or_default()
                .push(n);
        }
        Index {
            objects,
            by_namespace_kind,
        }
    }

    /// Every object, in scan order.
    pub fn objects(&self) -> impl Iterator<Item = &'o Object<'s>> + '_ {
        self.objects.iter().copied()
    }

    /// Every workload, in scan order.
    pub fn workloads(&self) -> impl Iterator<Item = Workload<'o, 's>> + '_ {
        self.objects().filter_map(Workload::of)
    }

    /// The objects of one kind in one namespace, in scan order.
    pub fn in_namespace(
        &self,
        namespace: &str,
        kind: &str,
    ) -> impl Iterator<Item = &'o Object<'s>> + '_ {
        let positions: &[usize] = self
            .by_namespace_kind
            .get(namespace)
            .and_then(|kinds| kinds.get(kind))
            .map_or(&[], Vec::as_slice);
        positions
            .iter()
            .filter_map(|&n| self.objects.get(n).copied())
    }

    /// The `LimitRange` default for containers in a namespace: `section` is `default` (limits) or
    /// `defaultRequest`.
    pub fn container_default(&self, namespace: &str, section: &str, resource: &str) -> bool {
        self.in_namespace(namespace, "LimitRange").any(|range| {
            range
                .root
                .path(&["spec", "limits"])
                .map(|l| l.items())
                .unwrap_or_default()
                .iter()
                .any(|limit| {
                    limit.str_at("type") == Some("Container")
                        && limit.path(&[section, resource]).is_some()
                })
        })
    }
}
