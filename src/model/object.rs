//! Recognising platform objects in YAML documents.

use super::workload::WorkloadKind;
use crate::parse::yaml::{Document, Node, Value};
use crate::source::{FileId, Span};

/// What schema a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// An object with `apiVersion` and `kind` (Kubernetes, Istio, Gateway API, Kong and Emissary CRDs).
    Kubernetes,
    /// A Kong declarative configuration (`_format_version`).
    KongDeclarative,
}

/// Where an object is in a scan: its file and where its text starts. Two objects never share
/// one, so it tells them apart as a key.
pub type Place = (FileId, u32);

/// One platform object: a document, or an item of a `kind: List`.
#[derive(Debug)]
pub struct Object<'s> {
    /// The file it came from.
    pub file: FileId,
    /// Its schema.
    pub schema: Schema,
    /// The object's mapping.
    pub root: Node<'s>,
    /// The text of the whole file, for the views that locate text inside a scalar (an embedded
    /// settings file, a shell script); rules do not read it.
    pub source: &'s str,
    /// Read once: every rule asks for these.
    identity: Identity<'s>,
    /// The pod template of a pod-bearing object, found once: most rules ask.
    pod_template: Option<PodTemplate<'s>>,
    /// Whether a controller owns it, read once: every rule asks.
    controlled: bool,
}

/// Where a pod-bearing object's pods are described.
#[derive(Debug)]
pub(super) struct PodTemplate<'s> {
    pub kind: WorkloadKind,
    /// The pod spec mapping.
    pub spec: Node<'s>,
    /// The template's metadata (a bare Pod's own).
    pub metadata: Option<Node<'s>>,
}

/// `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`.
#[derive(Debug)]
struct Identity<'s> {
    api_version: &'s str,
    /// Where the group ends in `api_version` (0 for the core group): rules ask for it often.
    group_end: usize,
    kind: &'s str,
    name: Option<&'s str>,
    namespace: Option<&'s str>,
}

impl<'s> Object<'s> {
    /// An object over a document's mapping.
    pub fn new(file: FileId, schema: Schema, root: Node<'s>, source: &'s str) -> Self {
        let text = |node: Option<&Node<'s>>| node.and_then(Node::scalar_text);
        let api_version = text(root.get("apiVersion")).unwrap_or_default();
        let identity = Identity {
            group_end: api_version.rfind('/').unwrap_or(0),
            api_version,
            kind: text(root.get("kind")).unwrap_or_default(),
            name: text(root.path(&["metadata", "name"])),
            namespace: text(root.path(&["metadata", "namespace"])),
        };
        let owners = root.path(&["metadata", "ownerReferences"]).map(Node::items);
        let controlled = owners
            .unwrap_or_default()
            .iter()
            .any(|owner| owner.get("controller").and_then(Node::as_bool) == Some(true));
        let mut object = Object {
            file,
            schema,
            root,
            source,
            identity,
            pod_template: None,
            controlled,
        };
        object.pod_template = WorkloadKind::of(object.api_group(), object.kind()).and_then(|kind| {
            let spec = root.path(kind.pod_spec_path()).filter(|spec| spec.is_mapping())?;
            Some(PodTemplate {
                kind,
                spec: *spec,
                metadata: root.path(kind.template_metadata_path()).copied(),
            })
        });
        object
    }

    /// The pod template, when it is a pod-bearing kind with a pod spec.
    pub(super) fn pod_template(&self) -> Option<&PodTemplate<'s>> {
        self.pod_template.as_ref()
    }
}

/// A stream's documents sorted into platform objects and everything else.
#[derive(Debug)]
pub struct Recognised<'s> {
    /// Platform objects (a document, or each item of a List), in stream order.
    pub objects: Vec<Object<'s>>,
    /// Documents that are something else: a CI workflow, a compose file, a plain list.
    pub others: Vec<Node<'s>>,
}

/// Sorts a stream's documents into platform objects and everything else.
pub fn objects_of<'s>(file: FileId, source: &'s str, documents: Vec<Document<'s>>) -> Recognised<'s> {
    // Almost every document is one object: the list is sized for that, not grown by copying.
    let mut found = Recognised {
        objects: Vec::with_capacity(documents.len()),
        others: Vec::new(),
    };
    for document in documents {
        recognise(file, source, document.root, &mut found);
    }
    found
}

fn recognise<'s>(file: FileId, source: &'s str, root: Node<'s>, found: &mut Recognised<'s>) {
    if root.get("_format_version").is_some() {
        found
            .objects
            .push(Object::new(file, Schema::KongDeclarative, root, source));
        return;
    }
    let is_object = root.str_at("apiVersion").is_some() && root.str_at("kind").is_some();
    if !is_object {
        found.others.push(root);
        return;
    }
    // The items as every rule reads a key: the last `items` wins, merge keys followed.
    let list_items = root
        .str_at("kind")
        .is_some_and(|k| k == "List" || k.ends_with("List"))
        .then(|| root.get("items"))
        .flatten()
        .filter(|items| matches!(items.value(), Value::Sequence(_)));
    let Some(items) = list_items else {
        found
            .objects
            .push(Object::new(file, Schema::Kubernetes, root, source));
        return;
    };
    found.objects.extend(
        items
            .items()
            .iter()
            .filter(|item| item.str_at("apiVersion").is_some() && item.str_at("kind").is_some())
            .map(|root| Object::new(file, Schema::Kubernetes, *root, source)),
    );
}

impl<'s> Object<'s> {
    /// `apiVersion`, or "" for a Kong declarative file.
    pub fn api_version(&self) -> &str {
        self.identity.api_version
    }

    /// The API group (`apps`, `networking.istio.io`; "" for the core group).
    pub fn api_group(&self) -> &str {
        &self.identity.api_version[..self.identity.group_end]
    }

    /// `kind`, or "" for a Kong declarative file.
    pub fn kind(&self) -> &str {
        self.identity.kind
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.identity.name
    }

    /// `metadata.namespace` as written.
    pub fn namespace(&self) -> Option<&str> {
        self.identity.namespace
    }

    /// Where it is (see [`Place`]).
    pub fn place(&self) -> Place {
        (self.file, self.root.span.start)
    }

    /// `namespace/name` (or just the name, or `<unnamed>`), for messages.
    pub fn qualified_name(&self) -> String {
        match (self.namespace(), self.name()) {
            (Some(ns), Some(name)) => format!("{ns}/{name}"),
            (None, Some(name)) => name.to_owned(),
            (_, None) => "<unnamed>".to_owned(),
        }
    }

    /// `metadata.labels` as pairs.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        label_pairs(self.root.path(&["metadata", "labels"]))
    }

    /// `metadata.annotations[key]`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root
            .path(&["metadata", "annotations", key])
            .and_then(Node::as_text)
    }

    /// True when a controller owns the object (`ownerReferences` with `controller: true`): it was
    /// dumped from a cluster, and its owner is where a fix goes.
    pub fn is_controlled(&self) -> bool {
        self.controlled
    }

    /// Where a finding about the whole object points: its `name:` entry, else `kind:`, else its start.
    pub fn name_span(&self) -> Span {
        let metadata = self.root.get("metadata");
        metadata
            .and_then(|m| m.entry("name"))
            .or_else(|| self.root.entry("kind"))
            .map(|e| e.key.span.cover(e.value.span))
            .unwrap_or(Span::at(self.root.span.start as usize))
    }
}

/// The string pairs of a label map.
pub fn label_pairs<'n>(map: Option<&'n Node<'_>>) -> impl Iterator<Item = (&'n str, &'n str)> {
    map.map(Node::merged_entries)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| Some((e.key.as_str()?, e.value.as_str()?)))
}

/// The objects of a YAML text, for tests of the views built on them.
#[cfg(test)]
pub(crate) fn parse_objects(text: &str) -> Vec<Object<'_>> {
    let stream = crate::parse::yaml::parse_for_test(text);
    objects_of(FileId(0), text, stream.documents).objects
}

#[cfg(test)]
mod tests {
    use super::parse_objects;

    fn listed(text: &str) -> Vec<String> {
        parse_objects(text)
            .iter()
            .map(|o| format!("{}/{}", o.kind(), o.name().unwrap_or("")))
            .collect()
    }

    #[test]
    fn a_list_holds_its_items_as_the_last_items_key_or_a_merge_gives_them() {
        let list = |items: &str| format!("apiVersion: v1\nkind: List\n{items}");
        let item = |name: &str| format!("{{apiVersion: v1, kind: ConfigMap, metadata: {{name: {name}}}}}");
        let both = format!("items: [{}, {}]\n", item("a"), item("b"));
        assert_eq!(listed(&list(&both)), ["ConfigMap/a", "ConfigMap/b"]);
        let repeated = format!("items: [{}]\nitems: [{}]\n", item("first"), item("last"));
        assert_eq!(listed(&list(&repeated)), ["ConfigMap/last"]);
        let merged = format!("<<: {{items: [{}]}}\n", item("merged"));
        assert_eq!(listed(&list(&merged)), ["ConfigMap/merged"]);
        // A List whose items are no list is an object of its own.
        assert_eq!(listed(&list("items: {}\n")), ["List/"]);
    }
}
