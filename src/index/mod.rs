//! Cross-file lookups over every object of the scan, built once after parsing.

use std::collections::HashMap;

use crate::model::{Object, Workload};

/// What a LimitRange can supply to a container that does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supplied {
    /// A limit (`limits.<resource>`).
    Limit,
    /// A request (`requests.<resource>`).
    Request,
}

/// Every object of the scan, by namespace and by kind.
#[derive(Debug, Default)]
pub struct Index<'o, 's> {
    objects: Vec<&'o Object<'s>>,
    paths: Vec<&'o str>,
    by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>>,
}

impl<'o, 's> Index<'o, 's> {
    /// Indexes the objects, in scan order; `paths[file]` is the display path of each file.
    pub fn new(objects: impl IntoIterator<Item = &'o Object<'s>>, paths: Vec<&'o str>) -> Self {
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
            paths,
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

    /// Whether a `LimitRange` gives the containers of `object` a default limit or request.
    ///
    /// Kubernetes fills a LimitRange in before applying it: a missing `default` (limit) comes
    /// from `max`, a missing `defaultRequest` from `default`, then `max`, then `min`.
    ///
    /// An object without `metadata.namespace` lands wherever it is applied, so only LimitRanges
    /// that are namespace-less too and sit in its directory or above count: a LimitRange of an
    /// unrelated project elsewhere in the scan must not hide a missing limit.
    pub fn limit_range_default(
        &self,
        object: &Object<'_>,
        supplied: Supplied,
        resource: &str,
    ) -> bool {
        let sources: &[&str] = match supplied {
            Supplied::Limit => &["default", "max"],
            Supplied::Request => &["defaultRequest", "default", "max", "min"],
        };
        let explicit = object.namespace().is_some();
        self.in_namespace(object.effective_namespace(), "LimitRange")
            .any(|range| {
                let applies =
                    explicit || (range.namespace().is_none() && self.encloses(range, object));
                let limits = range
                    .root
                    .path(&["spec", "limits"])
                    .map(|l| l.items())
                    .unwrap_or_default();
                applies
                    && limits.iter().any(|limit| {
                        limit.str_at("type") == Some("Container")
                            && sources
                                .iter()
                                .any(|source| limit.path(&[source, resource]).is_some())
                    })
            })
    }

    /// True when `outer`'s file sits in the directory of `inner`'s file or above it.
    fn encloses(&self, outer: &Object<'_>, inner: &Object<'_>) -> bool {
        let directory = |object: &Object<'_>| {
            let path = self
                .paths
                .get(object.file.0 as usize)
                .copied()
                .unwrap_or("");
            path.rsplit_once('/').map_or("", |(dir, _)| dir)
        };
        let (outer, inner) = (directory(outer), directory(inner));
        outer.is_empty()
            || inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}
