//! Cross-file lookups over every object of the scan, built once after parsing.

mod configs;
mod gateways;
mod mesh;
mod partners;
mod traffic;

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

pub use mesh::{Mesh, MeshSettings};

use crate::model::monitoring::Monitor;
use crate::model::network::PodDisruptionBudget;
use crate::model::object::Place;
use crate::model::selector::{Operator, Requirement};
use crate::model::workload::{ClaimVolume, is_controller_label};
use crate::model::{LabelSelector, Object, Scaler, Workload};
use crate::source::FileId;

pub use configs::ConfigurablePorts;
pub use gateways::{AttachedRoutes, EntryRoutes};

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

/// API groups with a dot that Kubernetes serves itself (the others are custom resources).
const BUILT_IN_GROUPS: &[&str] = &[
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// The pod selector of a core Service: its `selector` map, unless it is an ExternalName Service
/// or has no selector (its endpoints are managed elsewhere).
pub fn service_pod_selector<'n>(service: &'n Object<'_>) -> Option<LabelSelector<'n>> {
    let external = service.root.path(&["spec", "type"]).and_then(|t| t.as_text()) == Some("ExternalName");
    if service.api_group() != "" || external {
        return None;
    }
    LabelSelector::from_equality_map(service.root.path(&["spec", "selector"]))
}

/// Most Service–workload pairs the rules that pair them follow (K8S021, K8S025, K8S027, IST022,
/// IST027). Past it, no Service is paired with any workload and those rules stay silent: ten
/// thousand Services that all select the same ten thousand workloads make a hundred million
/// pairs, minutes and gigabytes to follow. Thirty copies of a 2,700-file corpus side by side in
/// one namespace make under five million.
pub const MAX_SELECTED_PAIRS: usize = 10_000_000;

/// What the objects of one kind (Services, PodDisruptionBudgets) select. Each distinct
/// (namespace, selector) is matched once, however many objects share it: thirty copies of a
/// chart side by side in one namespace select thirty copies of its workloads once, not thirty
/// times.
#[derive(Debug, Default)]
struct Selections {
    /// Each distinct (namespace, selector): the namespace, as its place among the sorted
    /// namespaces of [`PodTemplates`] (which keeps the index free of its own lifetimes), and
    /// the positions in its list of pod templates of the workloads selected, ascending.
    selections: Vec<(usize, Vec<usize>)>,
    /// The objects that share each selection, by position in the index's objects, in scan order.
    members: Vec<Vec<usize>>,
    /// Each object with a selector, by place → its entry in `selections`.
    of_object: HashMap<Place, usize>,
    /// True when following the selections would pair more than [`MAX_SELECTED_PAIRS`] objects
    /// with workloads, and none was followed.
    capped: bool,
}

/// Which Services select which workloads: [`Selections`], and each workload, by its position
/// in the index's objects, with the selections that select it.
#[derive(Debug, Default)]
struct ServiceSelection {
    selections: Selections,
    selected_by: Vec<(usize, Vec<usize>)>,
    /// Whether each selection selects a gateway's pods, worked out when first asked (see
    /// [`Index::service_identifies_gateway`]).
    runs_gateway: Vec<std::sync::OnceLock<bool>>,
}

/// The workloads a PodDisruptionBudget or a Service selects (see [`Index::budget_selection`]
/// and [`Index::service_selection`]).
#[derive(Debug, Clone, Copy)]
pub struct Selection<'k, 'o, 's> {
    /// The same for every object of the kind and namespace with the same selector, so a rule
    /// can work out what follows from a selection once.
    pub id: usize,
    positions: &'k [usize],
    templates: &'k [LabelledWorkload<'o, 's>],
}

impl<'k, 'o, 's> Selection<'k, 'o, 's> {
    /// The workloads selected, in scan order.
    pub fn workloads(&self) -> impl Iterator<Item = Workload<'o, 's>> + 'k {
        let templates = self.templates;
        self.positions
            .iter()
            .filter_map(move |&n| templates.get(n).map(|(workload, _)| *workload))
    }

    /// True when it selects no workload.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// Workloads by namespace with their pod template labels (see [`Index::pod_templates`]).
#[derive(Debug, Default)]
pub struct PodTemplates<'o, 's> {
    by_namespace: HashMap<&'o str, Vec<LabelledWorkload<'o, 's>>>,
    /// (namespace, label key, label value) → positions in `by_namespace[namespace]`.
    postings: HashMap<(&'o str, &'o str, &'o str), Vec<usize>>,
    /// The namespaces of `by_namespace`, sorted.
    namespaces: Vec<&'o str>,
    /// The position in the index's objects of each workload of `by_namespace`.
    positions: HashMap<&'o str, Vec<usize>>,
    /// The folders of each namespace's workloads and Pods without a spec.
    folders: HashMap<&'o str, NearFolders<'o>>,
    /// Pod manifests without a spec, with their namespace, in scan order (see
    /// [`PodTemplates::bare_pods`]).
    bare: Vec<(&'o str, &'o Object<'s>)>,
    /// (namespace, label key) of every template and Pod without a spec.
    keys: HashSet<(&'o str, &'o str)>,
    /// Every label key a template or a Pod without a spec carries.
    keys_anywhere: HashSet<&'o str>,
    /// (label key, label value) → the namespaces whose templates carry it, sorted.
    label_namespaces: HashMap<(&'o str, &'o str), Vec<&'o str>>,
}

/// A workload with its pod template's labels.
pub type LabelledWorkload<'o, 's> = (Workload<'o, 's>, Vec<(&'o str, &'o str)>);

impl<'o, 's> PodTemplates<'o, 's> {
    /// Adds a workload; `new_folder` when it is the namespace's first in its folder.
    fn add(
        &mut self,
        namespace: &'o str,
        workload: Workload<'o, 's>,
        labels: Vec<(&'o str, &'o str)>,
        folder: Option<&'o str>,
        position: usize,
    ) {
        self.positions.entry(namespace).or_default().push(position);
        if let Some(folder) = folder {
            self.folders.entry(namespace).or_default().add(folder);
        }
        self.add_keys(namespace, labels.iter().map(|(key, _)| *key));
        for &label in &labels {
            self.label_namespaces.entry(label).or_default().push(namespace);
        }
        let list = self.by_namespace.entry(namespace).or_default();
        for (key, value) in &labels {
            self.postings
                .entry((namespace, key, value))
                .or_default()
                .push(list.len());
        }
        list.push((workload, labels));
    }

    /// A Pod manifest that holds labels but no `spec`.
    fn add_bare(&mut self, namespace: &'o str, pod: &'o Object<'s>, folder: &'o str) {
        self.folders.entry(namespace).or_default().add(folder);
        self.add_keys(namespace, pod.labels().map(|(key, _)| key));
        self.bare.push((namespace, pod));
    }

    /// Sorts what lookups read in order, once every workload is in.
    fn finish(&mut self) {
        self.namespaces = self.by_namespace.keys().copied().collect();
        self.namespaces.sort_unstable();
        for namespaces in self.label_namespaces.values_mut() {
            namespaces.sort_unstable();
            namespaces.dedup();
        }
    }

    /// The namespaces that hold a workload, sorted.
    pub fn namespaces(&self) -> &[&'o str] {
        &self.namespaces
    }

    fn add_keys(&mut self, namespace: &'o str, keys: impl Iterator<Item = &'o str>) {
        for key in keys {
            self.keys.insert((namespace, key));
            self.keys_anywhere.insert(key);
        }
    }

    /// The Pod manifests of `namespace` (of every namespace when `None`) that hold labels but
    /// no `spec`, in scan order: no workload, since the API server rejects a Pod without
    /// containers, but they still show which labels pods carry, as `istioctl analyze`'s inputs
    /// and partial manifests do.
    pub fn bare_pods<'k>(&'k self, namespace: Option<&'k str>) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        self.bare
            .iter()
            .filter(move |(of, _)| namespace.is_none_or(|namespace| namespace == *of))
            .map(|(_, pod)| *pod)
    }

    /// True when a pod template or a Pod without a spec of `namespace` (of any namespace when
    /// `None`) carries the label key.
    pub fn carries_key(&self, namespace: Option<&str>, key: &str) -> bool {
        match namespace {
            Some(namespace) => self.keys.contains(&(namespace, key)),
            None => self.keys_anywhere.contains(key),
        }
    }

    /// The workloads of a namespace, in scan order.
    pub fn in_namespace<'k>(&'k self, namespace: &str) -> impl Iterator<Item = &'k Workload<'o, 's>> + 'k {
        self.by_namespace
            .get(namespace)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|(workload, _)| workload)
    }

    /// The workloads of a namespace with their template labels, in scan order.
    pub fn labelled_in(&self, namespace: &str) -> &[LabelledWorkload<'o, 's>] {
        self.by_namespace.get(namespace).map_or(&[][..], Vec::as_slice)
    }

    /// The workloads of every namespace whose pods match a selector, with their namespace.
    pub fn matching_anywhere<'k>(
        &'k self,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = (&'o str, &'k Workload<'o, 's>)> + 'k {
        self.namespaces_for(selector)
            .into_iter()
            .flat_map(move |namespace| self.matching(namespace, selector).map(move |w| (namespace, w)))
    }

    /// The namespaces, sorted, whose templates can match a selector: those carrying a label
    /// its narrowest `In` requirement admits, else every one.
    fn namespaces_for<'k>(&'k self, selector: &'k LabelSelector<'_>) -> Vec<&'o str> {
        let narrowest = selector
            .requirements
            .iter()
            .filter(|r| r.operator == Operator::In && !is_controller_label(r.key))
            .map(|requirement| self.label_namespaces_of(requirement))
            .min_by_key(|lists| lists.iter().map(|list| list.len()).sum::<usize>());
        match narrowest {
            Some(lists) => {
                let mut namespaces: Vec<&'o str> = lists.into_iter().flatten().copied().collect();
                namespaces.sort_unstable();
                namespaces.dedup();
                namespaces
            }
            None => self.namespaces.clone(),
        }
    }

    /// The workloads of a namespace whose pods match a selector (see [`Workload::pods_match`]),
    /// in scan order, found as they are asked for.
    pub fn matching<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = &'k Workload<'o, 's>> + 'k {
        let list = self.labelled_in(namespace);
        self.matching_positions(namespace, selector)
            .filter_map(move |n| list.get(n).map(|(w, _)| w))
    }

    /// The workloads of a namespace whose pod template carries a label one of the selector's
    /// `In` requirements admits, in scan order: the only ones that can satisfy any of them.
    pub fn carrying_some<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = &'k LabelledWorkload<'o, 's>> + 'k {
        let mut positions: Vec<usize> = selector
            .requirements
            .iter()
            .filter(|r| r.operator == Operator::In)
            .flat_map(|requirement| self.postings_of(namespace, requirement))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        let list = self.labelled_in(namespace);
        positions.into_iter().filter_map(move |n| list.get(n))
    }

    /// True when the pods of a workload of the namespace match a selector: [`Self::matching`],
    /// stopping at the first.
    pub fn any_matching(&self, namespace: &str, selector: &LabelSelector<'_>) -> bool {
        self.matching_positions(namespace, selector).next().is_some()
    }

    /// True when the pods of a workload of any namespace match a selector.
    pub fn any_matching_anywhere(&self, selector: &LabelSelector<'_>) -> bool {
        self.namespaces_for(selector)
            .into_iter()
            .any(|namespace| self.any_matching(namespace, selector))
    }

    /// True when a workload or a Pod without a spec of the namespace sits in a folder near
    /// `folder` (see [`folders_near`]).
    pub fn pods_near(&self, namespace: &str, folder: &str) -> bool {
        self.folders
            .get(namespace)
            .is_some_and(|folders| folders.near(folder))
    }

    /// The positions in the namespace's list that can match a selector, ascending; `None` when
    /// every workload can.
    ///
    /// An `In` requirement on a label only the template can carry narrows the candidates to the
    /// templates holding one of its values; of several, the one with the fewest, so matching
    /// many selectors stays linear.
    fn candidates<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> Option<Cow<'k, [usize]>> {
        let mut narrowest = selector
            .requirements
            .iter()
            .filter(|r| r.operator == Operator::In && !is_controller_label(r.key))
            .map(|requirement| self.postings_of(namespace, requirement))
            .min_by_key(|lists| lists.iter().map(|list| list.len()).sum::<usize>())?;
        Some(match narrowest.as_slice() {
            [] => Cow::Borrowed(&[][..]),
            [only] => Cow::Borrowed(only.as_slice()),
            _ => {
                let mut positions: Vec<usize> = narrowest.drain(..).flatten().copied().collect();
                positions.sort_unstable();
                positions.dedup();
                Cow::Owned(positions)
            }
        })
    }

    /// The namespaces carrying each value of a requirement.
    fn label_namespaces_of<'k>(&'k self, requirement: &Requirement<'k>) -> Vec<&'k Vec<&'o str>> {
        requirement
            .values
            .iter()
            .filter_map(|value| self.label_namespaces.get(&(requirement.key, *value)))
            .collect()
    }

    /// The postings of each value of a requirement in the namespace.
    fn postings_of<'k>(&'k self, namespace: &'k str, requirement: &Requirement<'k>) -> Vec<&'k Vec<usize>> {
        requirement
            .values
            .iter()
            .filter_map(|value| self.postings.get(&(namespace, requirement.key, *value)))
            .collect()
    }

    /// Positions in the namespace's list of the workloads whose pods match, ascending, found
    /// as they are asked for.
    fn matching_positions<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = usize> + 'k {
        let list = self.labelled_in(namespace);
        let candidates = self.candidates(namespace, selector);
        let count = candidates.as_ref().map_or(list.len(), |listed| listed.len());
        (0..count)
            .filter_map(move |n| match &candidates {
                Some(listed) => listed.get(n).copied(),
                None => Some(n),
            })
            .filter(move |&n| {
                list.get(n)
                    .is_some_and(|(workload, labels)| workload.pods_match_labels(selector, labels))
            })
    }
}

/// Every object of the scan, by namespace and by kind.
#[derive(Debug, Default)]
pub struct Index<'o, 's> {
    objects: Vec<&'o Object<'s>>,
    paths: Vec<&'o str>,
    /// The folder of each file's display path.
    folders: Vec<&'o str>,
    /// Each file's near anchors (see [`near_anchors`]), as numbers: files are near when they
    /// share one.
    anchors: Vec<Anchors>,
    default_namespace: &'o str,
    /// The namespace a kustomization sets on the objects of a file that name none.
    file_namespaces: HashMap<FileId, &'o str>,
    /// Files that kustomizations build into several namespaces, with those namespaces.
    shared_files: HashMap<FileId, Vec<&'o str>>,
    /// Files whose replica counts a kustomization may change.
    rescaled_files: HashSet<FileId>,
    by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>>,
    /// The workloads of each namespace with their template labels, in scan order.
    templates: PodTemplates<'o, 's>,
    /// (namespace, kind, name) → position of the first such object.
    by_identity: HashMap<(&'o str, &'o str, &'o str), usize>,
    /// Positions of the objects of each name, in scan order.
    by_name: HashMap<&'o str, Vec<usize>>,
    /// Directories that hold a Helm chart (`Chart.yaml`).
    chart_directories: HashSet<&'o str>,
    /// (namespace, target kind, target name) → positions of the autoscalers targeting it.
    scaler_targets: HashMap<(&'o str, &'o str, &'o str), Vec<usize>>,
    /// The label sets of the pods operators create from the custom resources of each namespace.
    operated: HashMap<&'o str, Vec<Vec<(&'o str, &'o str)>>>,
    /// Folders whose files define the same object more than once: alternatives (samples, test
    /// cases, variants), not one configuration applied together.
    folders_of_alternatives: HashSet<&'o str>,
    /// (namespace, folder) of every workload: where a project deploys a namespace's pods.
    workload_folders: HashSet<(&'o str, &'o str)>,
    /// Positions of the objects of each kind, in scan order.
    by_kind: HashMap<&'o str, Vec<usize>>,
    /// (namespace, kind) → the folders of the files that hold objects of that kind there.
    kind_folders: HashMap<(&'o str, &'o str), FolderLines<'o>>,
    /// What routes to each Service and what rolls each workload out.
    traffic: traffic::Traffic<'o>,
    /// Mesh lookups.
    mesh: Mesh<'o, 's>,
    /// See [`Index::workloads_with_services`] and [`Index::service_selection`].
    service_selection: std::sync::OnceLock<ServiceSelection>,
    /// See [`Index::budget_selection`].
    budget_selection: std::sync::OnceLock<Selections>,
}

impl<'o, 's> Index<'o, 's> {
    /// Indexes the objects, in scan order; `paths[file]` is the display path of each file, and
    /// objects without `metadata.namespace` belong to `default_namespace`.
    pub fn new(
        objects: impl IntoIterator<Item = &'o Object<'s>>,
        paths: Vec<&'o str>,
        default_namespace: &'o str,
    ) -> Self {
        Self::with_file_namespaces(objects, paths, default_namespace, [])
    }

    /// Like [`Index::new`], but objects without `metadata.namespace` in a file of
    /// `file_namespaces` belong to that file's namespace (the `namespace:` of the kustomization
    /// that builds it) rather than to `default_namespace`.
    pub fn with_file_namespaces(
        objects: impl IntoIterator<Item = &'o Object<'s>>,
        paths: Vec<&'o str>,
        default_namespace: &'o str,
        file_namespaces: impl IntoIterator<Item = (FileId, &'o str)>,
    ) -> Self {
        let file_namespaces: HashMap<FileId, &'o str> = file_namespaces.into_iter().collect();
        let objects: Vec<&'o Object<'s>> = objects.into_iter().collect();
        let chart_directories: HashSet<&'o str> = paths
            .iter()
            .filter_map(|path| match path.rsplit_once('/') {
                Some((directory, "Chart.yaml")) => Some(directory),
                None if *path == "Chart.yaml" => Some(""),
                _ => None,
            })
            .collect();
        let folders: Vec<&'o str> = paths.iter().map(|path| folder_of_path(path)).collect();
        let folder = |file: FileId| folders.get(file.0 as usize).copied().unwrap_or("");
        // What each object is is read in parallel; the lookups are filled in order, by two
        // passes over the objects that run side by side.
        let ((namespaces, scaler_targets_of), forms): ((Vec<_>, Vec<_>), Vec<_>) = objects
            .par_iter()
            .map(|object| {
                let facts = ObjectFacts::of(object, &file_namespaces, default_namespace);
                ((facts.namespace, facts.scaler_target), facts.form)
            })
            .unzip();
        let by_name_and_kind = || {
            let mut by_namespace_kind: HashMap<&'o str, HashMap<&'o str, Vec<usize>>> = HashMap::new();
            let mut by_identity: HashMap<(&'o str, &'o str, &'o str), usize> =
                HashMap::with_capacity(objects.len());
            let mut by_name: HashMap<&'o str, Vec<usize>> = HashMap::with_capacity(objects.len());
            let mut by_kind: HashMap<&'o str, Vec<usize>> = HashMap::new();
            let mut scaler_targets: HashMap<(&'o str, &'o str, &'o str), Vec<usize>> = HashMap::new();
            let mut folders_of_alternatives: HashSet<&'o str> = HashSet::new();
            let mut first_file_in_folder: HashMap<(&'o str, &'o str, &'o str, &'o str), FileId> =
                HashMap::with_capacity(objects.len());
            let facts = namespaces.iter().zip(&scaler_targets_of);
            for (n, (object, (&namespace, scaler_target))) in objects.iter().zip(facts).enumerate() {
                by_kind.entry(object.kind()).or_default().push(n);
                by_namespace_kind
                    .entry(namespace)
                    .or_default()
                    .entry(object.kind())
                    .or_default()
                    .push(n);
                if let Some(name) = object.name() {
                    by_identity.entry((namespace, object.kind(), name)).or_insert(n);
                    let here = folder(object.file);
                    let first_file = *first_file_in_folder
                        .entry((here, namespace, object.kind(), name))
                        .or_insert(object.file);
                    if first_file != object.file {
                        folders_of_alternatives.insert(here);
                    }
                    by_name.entry(name).or_default().push(n);
                }
                if let Some((kind, name)) = scaler_target {
                    scaler_targets
                        .entry((namespace, *kind, *name))
                        .or_default()
                        .push(n);
                }
            }
            (
                by_namespace_kind,
                by_identity,
                by_name,
                by_kind,
                scaler_targets,
                folders_of_alternatives,
            )
        };
        let by_pods_and_traffic = || {
            let mut templates = PodTemplates::default();
            let mut operated: HashMap<&'o str, Vec<Vec<(&'o str, &'o str)>>> = HashMap::new();
            let mut workload_folders: HashSet<(&'o str, &'o str)> = HashSet::new();
            let mut traffic = traffic::Traffic::default();
            let mut kind_folders: HashMap<(&'o str, &'o str), FolderLines<'o>> = HashMap::new();
            for (n, (object, (&namespace, form))) in
                objects.iter().zip(namespaces.iter().zip(forms)).enumerate()
            {
                traffic.add(object, n, namespace);
                kind_folders
                    .entry((namespace, object.kind()))
                    .or_default()
                    .add(folder(object.file));
                match form {
                    Form::Workload(workload, labels) => {
                        let here = folder(object.file);
                        let new_folder = workload_folders.insert((namespace, here));
                        templates.add(namespace, workload, labels, new_folder.then_some(here), n);
                    }
                    Form::BarePod => templates.add_bare(namespace, object, folder(object.file)),
                    Form::Operated(sets) => operated.entry(namespace).or_default().extend(sets),
                    Form::Other => {}
                }
            }
            traffic.finish();
            templates.finish();
            (templates, operated, workload_folders, traffic, kind_folders)
        };
        let (
            (by_namespace_kind, by_identity, by_name, by_kind, scaler_targets, folders_of_alternatives),
            (templates, operated, workload_folders, traffic, kind_folders),
        ) = rayon::join(by_name_and_kind, by_pods_and_traffic);
        Index {
            objects,
            paths,
            anchors: number_anchors(&folders),
            folders,
            default_namespace,
            file_namespaces,
            shared_files: HashMap::new(),
            rescaled_files: HashSet::new(),
            by_namespace_kind,
            templates,
            by_identity,
            by_name,
            by_kind,
            chart_directories,
            scaler_targets,
            operated,
            folders_of_alternatives,
            workload_folders,
            kind_folders,
            traffic,
            mesh: Mesh::default(),
            service_selection: std::sync::OnceLock::new(),
            budget_selection: std::sync::OnceLock::new(),
        }
    }

    /// Records the files that kustomizations build into several namespaces (a base that a
    /// `staging` and a `prod` overlay share: its objects are indexed in one namespace only, so
    /// [`Index::built_into`] answers for the others), and the files whose replica counts a
    /// kustomization may change (see [`Index::replicas_set_by_build`]).
    pub fn with_kustomize_builds(
        mut self,
        shared_files: impl IntoIterator<Item = (FileId, Vec<&'o str>)>,
        rescaled_files: impl IntoIterator<Item = FileId>,
    ) -> Self {
        self.shared_files = shared_files.into_iter().collect();
        self.rescaled_files = rescaled_files.into_iter().collect();
        self
    }

    /// True when kustomizations build the object into several namespaces (it names none, and
    /// its file is a base that overlays of different namespaces share): what its namespace
    /// holds is then what each overlay adds, which lookups by one namespace do not see.
    pub fn in_shared_build(&self, object: &Object<'_>) -> bool {
        object.namespace().is_none() && self.shared_files.contains_key(&object.file)
    }

    /// True when a kustomization that builds the object's file may set its replica count: it
    /// has `replicas:` entries, or a patch that mentions `replicas`. The count written in the
    /// file is then not the one that runs.
    pub fn replicas_set_by_build(&self, object: &Object<'_>) -> bool {
        self.rescaled_files.contains(&object.file)
    }

    /// True when a file built into several namespaces holds a `kind` named `name`, without a
    /// namespace of its own, that kustomize builds into `namespace`: the object exists there,
    /// though lookups by namespace do not find it. Rules that report an object as missing ask
    /// this before they do.
    pub fn built_into(&self, namespace: &str, kind: &str, name: &str) -> bool {
        !self.shared_files.is_empty()
            && self.named(name).any(|object| {
                object.kind() == kind
                    && object.namespace().is_none()
                    && self
                        .shared_files
                        .get(&object.file)
                        .is_some_and(|namespaces| namespaces.contains(&namespace))
            })
    }

    /// Builds the mesh lookups for how the user set the mesh up.
    pub fn with_mesh_settings(mut self, settings: &MeshSettings) -> Self {
        self.mesh = Mesh::build(&self, settings);
        self
    }

    /// The namespace an object without `metadata.namespace` lands in: its kustomization's, else
    /// the default one.
    fn implicit_namespace(&self, object: &Object<'_>) -> &'o str {
        self.file_namespaces
            .get(&object.file)
            .copied()
            .unwrap_or(self.default_namespace)
    }

    /// True when the object names its namespace or a kustomization sets it.
    fn namespace_is_known(&self, object: &Object<'_>) -> bool {
        object.namespace().is_some() || self.file_namespaces.contains_key(&object.file)
    }

    /// [`Index::namespace_of`] for an object of the scan, borrowed for as long as the scan.
    pub fn scan_namespace_of(&self, object: &'o Object<'s>) -> &'o str {
        if CLUSTER_SCOPED.contains(&object.kind()) {
            return "";
        }
        object
            .namespace()
            .unwrap_or_else(|| self.implicit_namespace(object))
    }

    /// The namespace an object lands in: its own, else the default one ("" if cluster-scoped).
    pub fn namespace_of<'a>(&'a self, object: &'a Object<'_>) -> &'a str {
        if CLUSTER_SCOPED.contains(&object.kind()) {
            return "";
        }
        object
            .namespace()
            .unwrap_or_else(|| self.implicit_namespace(object))
    }

    /// The display path of the file an object is in.
    pub fn path_of(&self, object: &Object<'_>) -> &'o str {
        self.paths.get(object.file.0 as usize).copied().unwrap_or("")
    }

    /// True when the object's file sits in a Helm chart's `templates/` directory (at any depth
    /// below it) and the scan holds that chart's `Chart.yaml`. Such a chart's other templates
    /// often hold directives that keep them from being read, so what they define is unknown.
    pub fn in_helm_chart(&self, object: &Object<'_>) -> bool {
        let path = self.path_of(object);
        let mut directory = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        loop {
            let (parent, name) = directory.rsplit_once('/').unwrap_or(("", directory));
            if name == "templates" && self.chart_directories.contains(parent) {
                return true;
            }
            if directory.is_empty() {
                return false;
            }
            directory = parent;
        }
    }

    /// Every object, in scan order.
    pub fn objects(&self) -> impl Iterator<Item = &'o Object<'s>> + '_ {
        self.objects.iter().copied()
    }

    /// Every object of one kind, in scan order.
    pub fn of_kind<'k>(&'k self, kind: &'k str) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        let positions: &'k [usize] = self.by_kind.get(kind).map_or(&[], Vec::as_slice);
        positions.iter().filter_map(|&n| self.objects.get(n).copied())
    }

    /// Every workload, in scan order.
    pub fn workloads(&self) -> impl Iterator<Item = Workload<'o, 's>> + '_ {
        self.objects().filter_map(Workload::of)
    }

    /// The workloads of one namespace, in scan order.
    pub fn workloads_in<'k>(&'k self, namespace: &'k str) -> impl Iterator<Item = Workload<'o, 's>> + 'k {
        self.templates.in_namespace(namespace).copied()
    }

    /// The workloads of a namespace whose pod template a selector matches, in scan order.
    pub fn selected_by<'k>(
        &'k self,
        namespace: &'k str,
        selector: &'k LabelSelector<'_>,
    ) -> impl Iterator<Item = Workload<'o, 's>> + 'k {
        self.templates.matching(namespace, selector).copied()
    }

    /// Namespaces that hold at least one workload, sorted.
    pub fn namespaces_with_workloads(&self) -> &[&'o str] {
        self.templates.namespaces()
    }

    /// The object of a kind and name in a namespace (the first, if the scan holds it twice).
    pub fn find(&self, namespace: &str, kind: &str, name: &str) -> Option<&'o Object<'s>> {
        let position = self.by_identity.get(&(namespace, kind, name))?;
        self.objects.get(*position).copied()
    }

    /// Every object with this `metadata.name`, of any kind and namespace, in scan order.
    pub fn named<'k>(&'k self, name: &str) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        let positions: &'k [usize] = self.by_name.get(name).map_or(&[], Vec::as_slice);
        positions.iter().filter_map(|&n| self.objects.get(n).copied())
    }

    /// True when the scan holds the PersistentVolumeClaim `claim` of `object`'s namespace and its
    /// `accessModes` let pods on many nodes mount it at once (`ReadWriteMany`, `ReadOnlyMany`).
    /// A claim that is not in the scan is not known to be shared.
    pub fn claim_is_shared(&self, object: &Object<'_>, claim: &str) -> bool {
        self.find(self.namespace_of(object), "PersistentVolumeClaim", claim)
            .and_then(|pvc| pvc.root.path(&["spec", "accessModes"]))
            .is_some_and(|modes| {
                modes
                    .items()
                    .iter()
                    .any(|mode| matches!(mode.as_text(), Some("ReadWriteMany" | "ReadOnlyMany")))
            })
    }

    /// HorizontalPodAutoscalers and KEDA ScaledObjects whose target is this workload.
    pub fn scalers_of(&self, workload: &Workload<'_, '_>) -> Vec<&'o Object<'s>> {
        self.scalers_targeting(workload.object)
    }

    /// The autoscalers (see [`Scaler::of`]) in an object's namespace whose `scaleTargetRef`
    /// names its kind and name, in scan order. Works for objects without a pod template too,
    /// such as an Argo Rollout with a `workloadRef`.
    pub fn scalers_targeting(&self, object: &Object<'_>) -> Vec<&'o Object<'s>> {
        match object.name() {
            Some(name) => self
                .scalers_of_target(self.namespace_of(object), object.kind(), name)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The autoscalers of `namespace` whose `scaleTargetRef` names this kind and name, whether
    /// or not the scan holds that workload, in scan order.
    pub fn scalers_of_target<'k>(
        &'k self,
        namespace: &'k str,
        kind: &'k str,
        name: &'k str,
    ) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        let positions: &[usize] = self
            .scaler_targets
            .get(&(namespace, kind, name))
            .map_or(&[], Vec::as_slice);
        positions.iter().filter_map(|&n| self.objects.get(n).copied())
    }

    /// Every autoscaler of the scan, in scan order.
    pub fn scalers(&self) -> impl Iterator<Item = Scaler<'o, 's>> + '_ {
        self.objects().filter_map(Scaler::of)
    }

    /// The object an autoscaler scales, when the scan holds it in the autoscaler's namespace.
    pub fn scale_target(&self, scaler: &Scaler<'_, '_>) -> Option<&'o Object<'s>> {
        self.find(
            self.namespace_of(scaler.object),
            scaler.target_kind(),
            scaler.target_name()?,
        )
    }

    /// The PersistentVolumeClaim volumes of a workload whose claim is not known to be shared
    /// (see [`Index::claim_is_shared`]): a `ReadWriteOnce` claim, or one the scan does not hold.
    /// Such a claim is state that one replica owns, so the workload is stateful.
    pub fn unshared_claims<'w, 'x>(&self, workload: &Workload<'w, 'x>) -> Vec<ClaimVolume<'w, 'x>> {
        workload
            .pod
            .claim_volumes()
            .filter(|volume| {
                !volume
                    .claim_name()
                    .is_some_and(|claim| self.claim_is_shared(workload.object, claim))
            })
            .collect()
    }

    /// The Argo Rollout in an object's namespace whose `spec.workloadRef` names it: the Rollout
    /// runs the pods and is what gets scaled, and Argo scales the referenced object down.
    pub fn rollout_referencing(&self, object: &Object<'_>) -> Option<&'o Object<'s>> {
        let position = self
            .traffic
            .rollout_of(self.namespace_of(object), object.kind(), object.name()?)?;
        self.objects.get(position).copied()
    }

    /// The Flagger Canary in an object's namespace whose `spec.targetRef` names it: Flagger
    /// rolls out each new version of it step by step.
    pub fn canary_targeting(&self, object: &Object<'_>) -> Option<&'o Object<'s>> {
        let position = self
            .traffic
            .canary_of(self.namespace_of(object), object.kind(), object.name()?)?;
        self.objects.get(position).copied()
    }

    /// Every workload with the Services in its namespace whose `selector` matches its pods
    /// (ExternalName Services and Services without a selector select none), in scan order,
    /// computed once for every rule that asks; workloads in no particular order, those no
    /// Service selects too. Past [`MAX_SELECTED_PAIRS`], none at all.
    pub fn workloads_with_services(
        &self,
    ) -> impl Iterator<Item = (Workload<'o, 's>, Vec<&'o Object<'s>>)> + '_ {
        let object = |n: usize| self.objects.get(n).copied();
        let selection = self.service_selections();
        selection.selected_by.iter().filter_map(move |(workload, ids)| {
            let workload = Workload::of(object(*workload)?)?;
            let mut positions: Vec<usize> = ids
                .iter()
                .filter_map(|&id| selection.selections.members.get(id))
                .flatten()
                .copied()
                .collect();
            positions.sort_unstable();
            Some((workload, positions.into_iter().filter_map(object).collect()))
        })
    }

    /// The workloads whose pods a Service's selector matches (see [`service_pod_selector`]):
    /// [`Index::workloads_with_services`] the other way round. `None` for a Service without a
    /// selector, and for every Service past [`MAX_SELECTED_PAIRS`].
    pub fn service_selection(&self, service: &Object<'_>) -> Option<Selection<'_, 'o, 's>> {
        self.selection_of(&self.service_selections().selections, service)
    }

    /// Works out what the Services and the budgets select now, both at once, rather than when
    /// a rule first asks: the time is the index's, and no rule waits on another's.
    pub fn select_workloads_now(&self) {
        rayon::join(|| self.service_selections(), || self.budget_selections());
    }

    fn service_selections(&self) -> &ServiceSelection {
        self.service_selection.get_or_init(|| self.select_services())
    }

    /// Which Services select which workloads; nothing when they would make more than
    /// [`MAX_SELECTED_PAIRS`] Service–workload pairs, since the rules follow each pair.
    fn select_services(&self) -> ServiceSelection {
        let selections = self.select_workloads("Service", service_pod_selector);
        let pairs: usize = selections
            .selections
            .iter()
            .zip(&selections.members)
            .map(|((_, positions), members)| positions.len().saturating_mul(members.len()))
            .fold(0, usize::saturating_add);
        if selections.capped || pairs > MAX_SELECTED_PAIRS {
            return ServiceSelection::default();
        }
        let mut selected_by: HashMap<&str, Vec<Vec<usize>>> = self
            .templates
            .positions
            .iter()
            .map(|(namespace, positions)| (*namespace, vec![Vec::new(); positions.len()]))
            .collect();
        for (id, (namespace, positions)) in selections.selections.iter().enumerate() {
            let Some(slots) = self
                .templates
                .namespaces
                .get(*namespace)
                .and_then(|namespace| selected_by.get_mut(namespace))
            else {
                continue;
            };
            for &m in positions {
                if let Some(slot) = slots.get_mut(m) {
                    slot.push(id);
                }
            }
        }
        let selected_by = self
            .templates
            .positions
            .iter()
            .flat_map(|(namespace, positions)| {
                let slots = selected_by.remove(namespace).unwrap_or_default();
                positions.iter().copied().zip(slots)
            })
            .collect();
        ServiceSelection {
            runs_gateway: selections.selections.iter().map(|_| Default::default()).collect(),
            selections,
            selected_by,
        }
    }

    /// The workloads a PodDisruptionBudget's selector selects in its namespace (see
    /// [`PodDisruptionBudget::selector`]); `None` when it has none, or when
    /// [`Index::budgets_past_cap`]. Budgets of a namespace with the same selector share one
    /// selection (see [`Selections`]).
    pub fn budget_selection(&self, budget: &Object<'_>) -> Option<Selection<'_, 'o, 's>> {
        self.selection_of(self.budget_selections(), budget)
    }

    /// True when the budgets of the scan select more than [`MAX_SELECTED_PAIRS`] workloads in
    /// all: following them would take minutes, so none is, and what a budget selects is not
    /// known.
    pub fn budgets_past_cap(&self) -> bool {
        self.budget_selections().capped
    }

    fn budget_selections(&self) -> &Selections {
        self.budget_selection.get_or_init(|| {
            self.select_workloads("PodDisruptionBudget", |object| {
                PodDisruptionBudget::of(object)?.selector()
            })
        })
    }

    /// The selection an object of `selections` shares.
    fn selection_of<'k>(
        &'k self,
        selections: &'k Selections,
        object: &Object<'_>,
    ) -> Option<Selection<'k, 'o, 's>> {
        let id = *selections.of_object.get(&object.place())?;
        let (namespace, positions) = selections.selections.get(id)?;
        let namespace = self
            .templates
            .namespaces
            .get(*namespace)
            .copied()
            .unwrap_or_default();
        Some(Selection {
            id,
            positions,
            templates: self.templates.labelled_in(namespace),
        })
    }

    /// What the objects of `kind` select by the selector `selector_of` reads, each distinct
    /// (namespace, selector) matched once; nothing, and `capped`, when the distinct selections
    /// hold more than [`MAX_SELECTED_PAIRS`] workloads in all.
    fn select_workloads(
        &self,
        kind: &str,
        selector_of: impl Fn(&'o Object<'s>) -> Option<LabelSelector<'o>>,
    ) -> Selections {
        let mut selections = Selections::default();
        let mut distinct: HashMap<(&'o str, LabelSelector<'o>), usize> = HashMap::new();
        let mut pairs = 0;
        for &n in self.by_kind.get(kind).map_or(&[][..], Vec::as_slice) {
            let Some(&object) = self.objects.get(n) else {
                continue;
            };
            let Some(selector) = selector_of(object) else {
                continue;
            };
            let namespace = self.scan_namespace_of(object);
            let id = match distinct.entry((namespace, selector)) {
                Entry::Occupied(known) => *known.get(),
                Entry::Vacant(new) => {
                    let positions: Vec<usize> = self
                        .templates
                        .matching_positions(namespace, &new.key().1)
                        .collect();
                    pairs += positions.len();
                    if pairs > MAX_SELECTED_PAIRS {
                        return Selections {
                            capped: true,
                            ..Selections::default()
                        };
                    }
                    let place = self
                        .templates
                        .namespaces
                        .binary_search(&namespace)
                        .unwrap_or(usize::MAX);
                    selections.selections.push((place, positions));
                    selections.members.push(Vec::new());
                    *new.insert(selections.selections.len() - 1)
                }
            };
            if let Some(members) = selections.members.get_mut(id) {
                members.push(n);
            }
            selections.of_object.insert(object.place(), id);
        }
        selections
    }

    /// Every workload grouped by namespace with its pod template's labels read once, for rules
    /// that match many selectors.
    pub fn pod_templates(&self) -> &PodTemplates<'o, 's> {
        &self.templates
    }

    /// Every Prometheus monitor of the scan (see [`Monitor::of`]), in scan order.
    pub fn monitors(&self) -> Vec<Monitor<'o, 's>> {
        self.objects().filter_map(Monitor::of).collect()
    }

    /// The objects that route traffic from outside to the Service `name` of `namespace`: the
    /// Ingresses of that namespace with it as a backend (`networking.k8s.io/v1` and the older
    /// `serviceName` form), Gateway API routes (`HTTPRoute`, `GRPCRoute`, `TLSRoute`, `TCPRoute`,
    /// `UDPRoute`) with a `backendRefs` entry naming it (in the route's namespace unless the ref
    /// names another), and Argo Rollouts whose `trafficRouting` shifts traffic between it and
    /// another Service (`canaryService`, `stableService`, `pingPong`, `alb.rootService`).
    pub fn routes_to_service(&self, namespace: &str, name: &str) -> Vec<&'o Object<'s>> {
        self.traffic
            .routes_to(namespace, name)
            .filter_map(|position| self.objects.get(position).copied())
            .collect()
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
        positions.iter().filter_map(|&n| self.objects.get(n).copied())
    }

    /// Whether a `LimitRange` gives the containers of `object` a default limit or request.
    ///
    /// Kubernetes fills a LimitRange in before applying it: a missing `default` (limit) comes
    /// from `max`, a missing `defaultRequest` from `default`, then `max`, then `min`.
    ///
    /// An object without `metadata.namespace` (and no kustomization setting one) lands wherever
    /// it is applied, so only LimitRanges that are namespace-less too and sit in its directory
    /// or above count: a LimitRange of an unrelated project elsewhere in the scan must not hide
    /// a missing limit.
    pub fn limit_range_default(&self, object: &Object<'_>, supplied: Supplied, resource: &str) -> bool {
        let sources: &[&str] = match supplied {
            Supplied::Limit => &["default", "max"],
            Supplied::Request => &["defaultRequest", "default", "max", "min"],
        };
        let explicit = self.namespace_is_known(object);
        self.in_namespace(self.namespace_of(object), "LimitRange")
            .any(|range| {
                let applies = explicit || (!self.namespace_is_known(range) && self.encloses(range, object));
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

    /// The folder of a file's display path ("" at the top).
    pub fn folder_of(&self, file: FileId) -> &'o str {
        self.folders.get(file.0 as usize).copied().unwrap_or("")
    }

    /// True when two files are applied together as one configuration: the same file, or files
    /// of one folder that does not define any object twice (a folder that does holds
    /// alternatives: samples, test cases or variants of one configuration).
    pub fn applied_together(&self, a: FileId, b: FileId) -> bool {
        let folder = self.folder_of(a);
        a == b || (folder == self.folder_of(b) && !self.holds_alternatives(folder))
    }

    /// True when a folder's files define some object twice: they are alternatives (samples,
    /// test cases, variants), each applied on its own.
    pub fn holds_alternatives(&self, folder: &str) -> bool {
        self.folders_of_alternatives.contains(folder)
    }

    /// True when two files are near enough to belong to one project (see [`folders_near`]).
    pub fn near(&self, a: FileId, b: FileId) -> bool {
        let anchors = |file: FileId| self.anchors.get(file.0 as usize);
        match (anchors(a), anchors(b)) {
            (Some(a), Some(b)) => a.iter().any(|&n| n != NO_ANCHOR && b.contains(&n)),
            _ => folders_near(self.folder_of(a), self.folder_of(b)),
        }
    }

    /// True when `outer`'s file sits in the directory of `inner`'s file or above it.
    fn encloses(&self, outer: &Object<'_>, inner: &Object<'_>) -> bool {
        let (outer, inner) = (self.folder_of(outer.file), self.folder_of(inner.file));
        outer.is_empty()
            || inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The folder part of a display path ("" for a file at the top).
fn folder_of_path(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// What the index needs to know of one object, read apart from the others.
struct ObjectFacts<'o, 's> {
    /// The namespace it lands in ("" for cluster-scoped kinds).
    namespace: &'o str,
    form: Form<'o, 's>,
    /// The kind and name an autoscaler scales.
    scaler_target: Option<(&'o str, &'o str)>,
}

/// Whether an object runs pods, and how its pods are labelled.
enum Form<'o, 's> {
    /// A workload, with its pod template's labels.
    Workload(Workload<'o, 's>, Vec<(&'o str, &'o str)>),
    /// A core Pod manifest without a `spec`.
    BarePod,
    /// A custom resource whose operator runs pods with these label sets.
    Operated(Vec<Vec<(&'o str, &'o str)>>),
    Other,
}

impl<'o, 's> ObjectFacts<'o, 's> {
    fn of(
        object: &'o Object<'s>,
        file_namespaces: &HashMap<FileId, &'o str>,
        default_namespace: &'o str,
    ) -> Self {
        let namespace = if CLUSTER_SCOPED.contains(&object.kind()) {
            ""
        } else {
            object
                .namespace()
                .or_else(|| file_namespaces.get(&object.file).copied())
                .unwrap_or(default_namespace)
        };
        let form = if let Some(workload) = Workload::of(object) {
            let labels = workload.template_labels().collect();
            Form::Workload(workload, labels)
        } else if object.kind() == "Pod" && object.api_group().is_empty() {
            Form::BarePod
        } else if is_custom_resource(object) {
            let sets = crate::model::operated::pod_label_sets(object);
            if sets.is_empty() {
                Form::Other
            } else {
                Form::Operated(sets)
            }
        } else {
            Form::Other
        };
        let scaler_target =
            Scaler::of(object).and_then(|scaler| Some((scaler.target_kind(), scaler.target_name()?)));
        ObjectFacts {
            namespace,
            form,
            scaler_target,
        }
    }
}

/// True for an object of an API group Kubernetes does not serve itself.
fn is_custom_resource(object: &Object<'_>) -> bool {
    object.api_group().contains('.') && !BUILT_IN_GROUPS.contains(&object.api_group())
}

/// How many folders below the folder they share two folders of one project may lie.
const NEAR_LEVELS: usize = 3;

/// True when two folders are near enough to hold one project's files: each lies at most three
/// folders below the folder they share (`istio` and `k8s/overlays/prod` are near; two
/// repositories' folders deep under one checkout folder are not).
pub fn folders_near(a: &str, b: &str) -> bool {
    fn parts(folder: &str) -> impl Iterator<Item = &str> + Clone {
        folder.split('/').filter(|c| !c.is_empty())
    }
    let shared = parts(a).zip(parts(b)).take_while(|(x, y)| x == y).count();
    parts(a).count() - shared <= NEAR_LEVELS && parts(b).count() - shared <= NEAR_LEVELS
}

/// A file's near anchors, numbered; [`NO_ANCHOR`] fills the places a shallow folder lacks.
type Anchors = [u32; NEAR_LEVELS + 1];

const NO_ANCHOR: u32 = u32::MAX;

/// Each folder's near anchors, numbered so that equal anchors get equal numbers.
fn number_anchors(folders: &[&str]) -> Vec<Anchors> {
    let mut numbers: HashMap<&str, u32> = HashMap::new();
    folders
        .iter()
        .map(|folder| {
            let mut anchors = [NO_ANCHOR; NEAR_LEVELS + 1];
            for (slot, anchor) in anchors.iter_mut().zip(near_anchors(folder)) {
                let next = u32::try_from(numbers.len()).unwrap_or(NO_ANCHOR - 1);
                *slot = *numbers.entry(anchor).or_insert(next);
            }
            anchors
        })
        .collect()
}

/// A folder and its ancestors up to [`NEAR_LEVELS`] above it, nearest first: two folders are
/// near exactly when they have one of these in common.
fn near_anchors(folder: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(folder.trim_matches('/'));
    std::iter::from_fn(move || {
        let current = next?;
        next = (!current.is_empty()).then(|| current.rsplit_once('/').map_or("", |(parent, _)| parent));
        Some(current)
    })
    .take(NEAR_LEVELS + 1)
}

/// A set of folders that answers "is one of them near this folder" (see [`folders_near`]) with
/// four lookups, however many folders it holds.
#[derive(Debug, Default)]
pub struct NearFolders<'o> {
    anchors: HashSet<&'o str>,
}

impl<'o> NearFolders<'o> {
    pub fn add(&mut self, folder: &'o str) {
        self.anchors.extend(near_anchors(folder));
    }

    /// True when one of the folders is near `folder`.
    pub fn near(&self, folder: &str) -> bool {
        near_anchors(folder).any(|anchor| self.anchors.contains(anchor))
    }
}

/// A set of folders that answers "is one of them on this folder's directory line" (the folder
/// itself, one above it or one below it) with a lookup per folder above it.
#[derive(Debug, Default)]
pub struct FolderLines<'o> {
    folders: HashSet<&'o str>,
    /// Every folder of the set and every folder above one.
    enclosing: HashSet<&'o str>,
}

impl<'o> FolderLines<'o> {
    pub fn add(&mut self, folder: &'o str) {
        if self.folders.insert(folder) {
            self.enclosing.extend(folder_and_above(folder));
        }
    }

    /// True when one of the folders is `folder`, encloses it or lies within it.
    pub fn on_line_of(&self, folder: &str) -> bool {
        self.enclosing.contains(folder) || folder_and_above(folder).any(|above| self.folders.contains(above))
    }
}

/// A folder and every folder above it, up to the top ("").
fn folder_and_above(folder: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(folder);
    std::iter::from_fn(move || {
        let current = next?;
        next = (!current.is_empty()).then(|| folder_of_path(current));
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::{FolderLines, NO_ANCHOR, NearFolders, folders_near, number_anchors};

    #[test]
    fn numbered_anchors_tell_near_folders_as_their_paths_do() {
        let folders = [
            "",
            "a",
            "a/b",
            "a/b/c",
            "a/b/c/d",
            "a/b/c/d/e",
            "a/x/y/z",
            "q/b/c",
            "istio",
            "k8s/overlays/prod",
        ];
        let anchors = number_anchors(&folders);
        for (i, a) in folders.iter().enumerate() {
            for (j, b) in folders.iter().enumerate() {
                let numbered = anchors[i]
                    .iter()
                    .any(|&n| n != NO_ANCHOR && anchors[j].contains(&n));
                assert_eq!(numbered, folders_near(a, b), "`{a}` and `{b}`");
            }
        }
    }

    #[test]
    fn folders_are_near_within_three_levels_of_what_they_share() {
        assert!(folders_near("istio", "k8s/overlays/prod"));
        assert!(folders_near("", "a/b/c"));
        assert!(!folders_near("", "a/b/c/d"));
        assert!(folders_near("corpus/shop/k8s", "corpus/shop/istio/base"));
        assert!(!folders_near(
            "corpus/istio/pkg/config/analysis/testdata",
            "corpus/samples/ai-ml/agent/deploy"
        ));
    }

    #[test]
    fn a_set_of_folders_is_near_what_one_of_them_is_near() {
        let folders = [
            "",
            "a",
            "a/b/c/d",
            "a/b/c/d/e/f",
            "istio",
            "k8s/overlays/prod",
            "corpus/shop/k8s",
            "corpus/istio/pkg/config/analysis/testdata",
            "corpus/samples/ai-ml/agent/deploy",
            "x/y",
        ];
        for known in folders {
            let mut set = NearFolders::default();
            set.add(known);
            for asked in folders {
                assert_eq!(
                    set.near(asked),
                    folders_near(known, asked),
                    "{known:?} near {asked:?}"
                );
            }
        }
    }

    #[test]
    fn a_set_of_folder_lines_holds_what_encloses_or_lies_within_one_of_them() {
        let on_line = |a: &str, b: &str| {
            let encloses = |outer: &str, inner: &str| {
                outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}/"))
            };
            encloses(a, b) || encloses(b, a)
        };
        let folders = ["", "a", "a/b", "a/b/c", "ab", "ab/c", "x/a/b"];
        for known in folders {
            let mut set = FolderLines::default();
            set.add(known);
            for asked in folders {
                assert_eq!(
                    set.on_line_of(asked),
                    on_line(known, asked),
                    "{known:?} on line of {asked:?}"
                );
            }
        }
    }
}
