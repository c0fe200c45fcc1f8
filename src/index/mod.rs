//! Cross-file lookups over every object of the scan, built once after parsing.

use std::collections::HashMap;

use crate::model::{LabelSelector, Object, Workload};

/// What a LimitRange can supply to a container that does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supplied {
    /// A limit (`limits.<resource>`).
    Limit,
    /// A request (`requests.<resource>`).
    Request,
}

/// Kinds that live outside namespaces, indexed under "".
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "GatewayClass",
    "RuntimeClass",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PodSecurityPolicy",
    "CSIDriver",
    "KongClusterPlugin",
    "ClusterIssuer",
];

/// Every object of the scan, by namespace and by kind.
#[derive(Debug, Default)]
pub struct Index<'o, 's> {
    objects: Vec<&'o Object<'s>>,
    paths: Vec<&'o str>,
    default_namespace: &'o str,
    by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>>,
}

impl<'o, 's> Index<'o, 's> {
    /// Indexes the objects, in scan order; `paths[file]` is the display path of each file, and
    /// objects without `metadata.namespace` belong to `default_namespace`.
    pub fn new(
        objects: impl IntoIterator<Item = &'o Object<'s>>,
        paths: Vec<&'o str>,
        default_namespace: &'o str,
    ) -> Self {
        let objects: Vec<&'o Object<'s>> = objects.into_iter().collect();
        let mut by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>> = HashMap::new();
        for (n, object) in objects.iter().enumerate() {
            let namespace = if CLUSTER_SCOPED.contains(&object.kind()) {
                ""
            } else {
                object.namespace().unwrap_or(default_namespace)
            };
            by_namespace_kind
                .entry(namespace)
                .or_default()
                .entry(object.kind())
                .or_default()
                .push(n);
        }
        Index {
            objects,
            paths,
            default_namespace,
            by_namespace_kind,
        }
    }

    /// The namespace an object lands in: its own, else the default one ("" if cluster-scoped).
    pub fn namespace_of<'a>(&'a self, object: &'a Object<'_>) -> &'a str {
        if CLUSTER_SCOPED.contains(&object.kind()) {
            return "";
        }
        object.namespace().unwrap_or(self.default_namespace)
    }

    /// The display path of the file an object is in.
    pub fn path_of(&self, object: &Object<'_>) -> &'o str {
        self.paths
            .get(object.file.0 as usize)
            .copied()
            .unwrap_or("")
    }

    /// Every object, in scan order.
    pub fn objects(&self) -> impl Iterator<Item = &'o Object<'s>> + '_ {
        self.objects.iter().copied()
    }

    /// Every object of one kind, in scan order.
    pub fn of_kind<'k>(&'k self, kind: &'k str) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        self.objects().filter(move |o| o.kind() == kind)
    }

    /// Every workload, in scan order.
    pub fn workloads(&self) -> impl Iterator<Item = Workload<'o, 's>> + '_ {
        self.objects().filter_map(Workload::of)
    }

    /// The workloads of one namespace, in scan order.
    pub fn workloads_in<'k>(
        &'k self,
        namespace: &'k str,
    ) -> impl Iterator<Item = Workload<'o, 's>> + 'k {
        self.by_namespace_kind
            .get(namespace)
            .into_iter()
            .flat_map(|kinds| kinds.values().flatten())
            .copied()
            .collect::<std::collections::BTreeSet<usize>>()
            .into_iter()
            .filter_map(|n| self.objects.get(n).copied())
            .filter_map(Workload::of)
    }

    /// The workloads of a namespace whose pod template a selector matches, in scan order.
    pub fn selected_by<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = Workload<'o, 's>> + 'k {
        self.workloads_in(namespace)
            .filter(|w| selector.matches(w.template_labels()))
    }

    /// Namespaces that hold at least one workload, sorted.
    pub fn namespaces_with_workloads(&self) -> Vec<&'o str> {
        let mut namespaces: Vec<&'o str> = self
            .by_namespace_kind
            .iter()
            .filter(|(_, kinds)| {
                kinds.values().flatten().any(|&n| {
                    self.objects
                        .get(n)
                        .is_some_and(|o| Workload::of(o).is_some())
                })
            })
            .map(|(namespace, _)| *namespace)
            .collect();
        namespaces.sort_unstable();
        namespaces
    }

    /// The object of a kind and name in a namespace (the first, if the scan holds it twice).
    pub fn find(&self, namespace: &str, kind: &str, name: &str) -> Option<&'o Object<'s>> {
        self.in_namespace(namespace, kind)
            .find(|o| o.name() == Some(name))
    }

    /// HorizontalPodAutoscalers and KEDA ScaledObjects whose target is this workload.
    pub fn scalers_of(&self, workload: &Workload<'_, '_>) -> Vec<&'o Object<'s>> {
        let namespace = self.namespace_of(workload.object);
        let name = workload.object.name();
        let kind = workload.kind_name();
        let mut found: Vec<&'o Object<'s>> = self
            .in_namespace(namespace, "HorizontalPodAutoscaler")
            .chain(self.in_namespace(namespace, "ScaledObject"))
            .filter(|scaler| {
                let target = scaler.root.path(&["spec", "scaleTargetRef"]);
                // KEDA defaults the target kind to Deployment.
                let target_kind = target
                    .and_then(|t| t.str_at("kind"))
                    .unwrap_or("Deployment");
                target.and_then(|t| t.str_at("name")) == name && target_kind == kind
            })
            .collect();
        found.sort_by_key(|o| (o.file, o.root.span.start));
        found
    }

    /// The objects of one kind in one namespace, in scan order.
    pub fn in_namespace<'k>(
        &'k self,
        namespace: &str,
        kind: &str,
    ) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        let positions: &'k [usize] = self
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
        self.in_namespace(self.namespace_of(object), "LimitRange")
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
