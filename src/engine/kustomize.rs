//! Kustomize awareness: which files are patches (partial objects, not checked on their own)
//! and which namespace a kustomization sets on the objects it builds.

use std::collections::{HashMap, HashSet};

use super::load::{Content, Parsed};
use crate::parse::yaml::{Document, Node};
use crate::source::FileId;

/// What a `kustomization.yaml` builds, patches and sets.
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    /// Its `namespace:`, set on every namespaced object it builds.
    pub namespace: Option<String>,
    /// Its `resources` (and the older `bases`): files or directories, relative to its directory.
    pub resources: Vec<String>,
    /// The files it applies as patches, relative to its directory.
    pub patches: Vec<String>,
    /// It may change a replica count: it has `replicas:` entries, or an inline patch that
    /// mentions `replicas`.
    pub rescales: bool,
}

/// Reads a kustomization file's settings; `None` for any other file.
pub(super) fn read(path: &str, documents: &[Document<'_>]) -> Option<Kustomization> {
    if !is_kustomization(path) {
        return None;
    }
    let (namespace, resources) = documents.first().map(|d| settings(&d.root)).unwrap_or_default();
    let patches = documents
        .iter()
        .flat_map(|d| kustomize_patches(&d.root))
        .collect();
    let rescales = documents.iter().any(|d| rescales(&d.root));
    Some(Kustomization {
        namespace,
        resources,
        patches,
        rescales,
    })
}

/// True when a kustomization's own text may change a replica count: `replicas:` entries or an
/// inline patch that mentions `replicas`.
fn rescales(root: &Node<'_>) -> bool {
    let inline_patch = |item: &Node<'_>| {
        item.as_text()
            .or_else(|| item.str_at("patch"))
            .is_some_and(|patch| patch.contains("replicas"))
    };
    root.get("replicas").is_some_and(|r| !r.items().is_empty())
        || ["patchesStrategicMerge", "patches", "patchesJson6902"]
            .iter()
            .flat_map(|key| root.get(key).map(Node::items).unwrap_or_default())
            .any(inline_patch)
}

/// True for a file kustomize reads as a kustomization, by its name.
pub(super) fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

/// The namespace a kustomization sets and the local resources it builds. Remote resources
/// (URLs, `git@` references) are left out.
fn settings(root: &Node<'_>) -> (Option<String>, Vec<String>) {
    let namespace = root
        .str_at("namespace")
        .filter(|n| !n.is_empty() && !crate::model::network::is_placeholder_text(n))
        .map(str::to_owned);
    let resources = ["resources", "bases"]
        .iter()
        .flat_map(|key| root.get(key).map(Node::items).unwrap_or_default())
        .filter_map(|item| item.as_text())
        .filter(|r| !r.contains("://") && !r.starts_with("git@") && !r.starts_with("github.com/"))
        .map(str::to_owned)
        .collect();
    (namespace, resources)
}

/// The files a kustomization applies as patches: partial objects, merged into complete ones.
fn kustomize_patches(root: &Node<'_>) -> Vec<String> {
    let mut refs = Vec::new();
    for item in root
        .get("patchesStrategicMerge")
        .map(Node::items)
        .unwrap_or_default()
    {
        // An entry is a path, or an inline patch (which holds a newline).
        if let Some(path) = item.as_text().filter(|p| !p.contains('\n')) {
            refs.push(path.to_owned());
        }
    }
    for key in ["patches", "patchesJson6902"] {
        for item in root.get(key).map(Node::items).unwrap_or_default() {
            if let Some(path) = item.str_at("path") {
                refs.push(path.to_owned());
            }
        }
    }
    refs
}

/// Kustomize patches are partial objects: they are neither checked nor indexed on their own.
pub(super) fn set_aside_patches(parsed: &mut [Parsed<'_>], paths: &[&str]) {
    let patches: HashSet<String> = parsed
        .iter()
        .flat_map(|p| {
            let base = paths.get(p.file.0 as usize).copied().unwrap_or("");
            let directory = base.rsplit_once('/').map_or("", |(dir, _)| dir);
            p.kustomization
                .iter()
                .flat_map(|k| &k.patches)
                .map(move |r| normalize(directory, r))
        })
        .collect();
    if patches.is_empty() {
        return;
    }
    for file in parsed.iter_mut() {
        let path = paths.get(file.file.0 as usize).copied().unwrap_or("");
        if patches.contains(path) {
            file.content = Content::Nothing;
        }
    }
}

/// What the kustomizations of the scan do to each file's objects. Walking down from every
/// kustomization that no other one includes, through the files and directories in its
/// `resources`, the outermost `namespace:` wins, as kustomize applies it last. A build that
/// sets none says nothing (its objects go wherever `kubectl` is pointed). A file built into
/// different namespaces (a base shared by a `staging` and a `prod` overlay) is in
/// [`Builds::shared`] instead. `text_of` gives a patch file's text, to tell whether the patch
/// mentions `replicas`.
pub(super) fn builds<'p, 't>(
    parsed: &'p [Parsed<'_>],
    paths: &[&str],
    text_of: impl Fn(FileId) -> &'t str,
) -> Builds<'p> {
    let path_of = |file: FileId| paths.get(file.0 as usize).copied().unwrap_or("");
    fn directory_of(path: &str) -> &str {
        path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
    let kustomizations: HashMap<FileId, &'p Kustomization> = parsed
        .iter()
        .filter_map(|p| Some((p.file, p.kustomization.as_ref()?)))
        .collect();
    if kustomizations
        .values()
        .all(|k| k.namespace.is_none() && !k.rescales && k.patches.is_empty())
    {
        return Builds::default();
    }
    let files: HashMap<&str, FileId> = paths
        .iter()
        .enumerate()
        .map(|(n, path)| (*path, FileId(n as u32)))
        .collect();
    let by_directory: HashMap<String, FileId> = kustomizations
        .keys()
        .map(|&file| (directory_of(path_of(file)).to_owned(), file))
        .collect();
    // What a resource entry of the kustomization `from` names: another kustomization (by its
    // directory) or a plain file.
    let resolve = |from: FileId, resource: &str| -> Option<FileId> {
        let target = normalize(directory_of(path_of(from)), resource);
        by_directory
            .get(&target)
            .or_else(|| files.get(target.as_str()))
            .copied()
    };
    let included: HashSet<FileId> = kustomizations
        .iter()
        .flat_map(|(&file, k)| k.resources.iter().filter_map(move |r| resolve(file, r)))
        .filter(|target| kustomizations.contains_key(target))
        .collect();
    // Each kustomization's patch files are read once, however often the walk reaches it.
    let rescaling: HashSet<FileId> = kustomizations
        .iter()
        .filter(|&(&file, kustomization)| {
            let directory = directory_of(path_of(file));
            kustomization.rescales
                || kustomization.patches.iter().any(|patch| {
                    files
                        .get(normalize(directory, patch).as_str())
                        .is_some_and(|&patch| text_of(patch).contains("replicas"))
                })
        })
        .map(|(&file, _)| file)
        .collect();
    let mut seen: HashMap<FileId, HashSet<&'p str>> = HashMap::new();
    let mut rescaled: HashSet<FileId> = HashSet::new();
    let mut roots: Vec<FileId> = kustomizations
        .keys()
        .copied()
        .filter(|file| !included.contains(file))
        .collect();
    roots.sort_unstable_by_key(|file| file.0);
    // A kustomization reached again with the same namespace and rescaling from above adds
    // nothing new: each is followed once, which also ends cycles (`resources: [".", "."]`).
    let mut followed: HashSet<(FileId, Option<&'p str>, bool)> = HashSet::new();
    for root in roots {
        let mut stack = vec![(root, None::<&'p str>, false)];
        while let Some((file, above, rescaled_above)) = stack.pop() {
            let Some(kustomization) = kustomizations.get(&file) else {
                continue;
            };
            if !followed.insert((file, above, rescaled_above)) {
                continue;
            }
            let namespace = above.or(kustomization.namespace.as_deref());
            let rescaling = rescaled_above || rescaling.contains(&file);
            for resource in &kustomization.resources {
                match resolve(file, resource) {
                    Some(target) if kustomizations.contains_key(&target) => {
                        stack.push((target, namespace, rescaling))
                    }
                    Some(target) => {
                        if let Some(namespace) = namespace {
                            seen.entry(target).or_default().insert(namespace);
                        }
                        if rescaling {
                            rescaled.insert(target);
                        }
                    }
                    None => {}
                }
            }
        }
    }
    let mut built = Builds {
        rescaled,
        ..Builds::default()
    };
    for (file, namespaces) in seen {
        let mut namespaces: Vec<&'p str> = namespaces.into_iter().collect();
        match namespaces[..] {
            [namespace] => {
                built.single.insert(file, namespace);
            }
            _ => {
                namespaces.sort_unstable();
                built.shared.insert(file, namespaces);
            }
        }
    }
    built
}

/// What the kustomizations of the scan do to each file's objects.
#[derive(Debug, Default)]
pub(super) struct Builds<'p> {
    /// Files built into one namespace, with it.
    pub single: HashMap<FileId, &'p str>,
    /// Files built into several namespaces, each with them in order.
    pub shared: HashMap<FileId, Vec<&'p str>>,
    /// Files built by a kustomization that may change their replica counts (see
    /// [`Kustomization::rescales`]; a patch file that mentions `replicas` counts too).
    pub rescaled: HashSet<FileId>,
}

/// Joins a relative reference to a directory and resolves `.` and `..`. An absolute directory
/// (a scan root given as `/repo`) stays absolute, so the result compares equal to its path.
fn normalize(directory: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = directory.split('/').filter(|p| !p.is_empty()).collect();
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if directory.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn patch_paths_under_an_absolute_root_stay_absolute() {
        assert_eq!(
            normalize("/tmp/shop/k8s/overlays/prod", "cart.yaml"),
            "/tmp/shop/k8s/overlays/prod/cart.yaml"
        );
        assert_eq!(
            normalize("/repo/overlays/prod", "../../base/patch.yaml"),
            "/repo/base/patch.yaml"
        );
        assert_eq!(normalize("overlays/prod", "./p.yaml"), "overlays/prod/p.yaml");
    }
}
