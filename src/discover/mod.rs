//! Finding the files to check: walking directories (honouring ignore files) and classifying names.

pub mod boundary;
pub mod context;
mod ignores;

use std::path::{Component, Path, PathBuf};

use ignore::WalkBuilder;

/// What a file is checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A YAML or JSON file that may hold manifests.
    Yaml,
}

/// A file to check, or a path that could not be walked.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Where to read it.
    pub path: PathBuf,
    /// How reports show it: relative to the scan root, `/`-separated.
    pub display: String,
    /// How to parse it; `None` for a directory that could not be read.
    pub kind: Option<FileKind>,
    /// Why the path could not be walked, if it could not.
    pub error: Option<String>,
    /// True for a file the scan reports on; false for one read only as context for cross-file
    /// rules (see [`discover_with_context`]).
    pub reported: bool,
    /// Where a symbolic link leads when that is outside the scanned tree (see [`boundary`]):
    /// the file is not read.
    pub outside: Option<PathBuf>,
}

/// Why discovery failed before anything was checked.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A path on the command line does not exist.
    #[error("path `{0}` does not exist")]
    Missing(String),
}

/// Directories never worth walking.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".hg", ".svn"];

/// The `include` and `exclude` globs of a configuration, relative to its folder: a file outside
/// `include` (when given) or inside `exclude` is neither checked nor read as context.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    base: PathBuf,
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl PathFilter {
    /// A filter from globs relative to `base`; an invalid glob is an error.
    pub fn new(base: &Path, include: &[String], exclude: &[String]) -> Result<Self, globset::Error> {
        let set = |globs: &[String]| -> Result<globset::GlobSet, globset::Error> {
            let mut builder = globset::GlobSetBuilder::new();
            for glob in globs {
                builder.add(globset::GlobBuilder::new(glob).literal_separator(true).build()?);
            }
            builder.build()
        };
        Ok(PathFilter {
            base: std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf()),
            include: if include.is_empty() {
                None
            } else {
                Some(set(include)?)
            },
            exclude: set(exclude)?,
        })
    }

    /// Whether a file is read. Files outside the base folder are not the configuration's to
    /// filter.
    pub fn admits(&self, path: &Path) -> bool {
        if self.include.is_none() && self.exclude.is_empty() {
            return true;
        }
        let Ok(absolute) = std::path::absolute(path) else {
            return true;
        };
        let Ok(relative) = absolute.strip_prefix(&self.base) else {
            return true;
        };
        let excluded = self.exclude.is_match(relative)
            || relative
                .ancestors()
                .skip(1)
                .any(|folder| !folder.as_os_str().is_empty() && self.exclude.is_match(folder));
        !excluded && self.include.as_ref().is_none_or(|set| set.is_match(relative))
    }
}

/// Classifies a file name.
pub fn classify(path: &Path) -> Option<FileKind> {
    // A name that is no UTF-8 is still a file to check: only its ASCII suffix is looked at.
    let name = path.file_name()?.to_string_lossy();
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") || crate::config::FILE_NAMES.contains(&name.as_ref()) {
        return None;
    }
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    let extension = path.extension()?.to_string_lossy().to_ascii_lowercase();
    matches!(extension.as_str(), "yaml" | "yml" | "json").then_some(FileKind::Yaml)
}

/// Lists the files under `paths` to check, sorted by display path, each once.
///
/// Directories are walked with `.gitignore`, `.ignore` and `.mslintignore` honoured; symbolic
/// links are not followed into directories (a loop cannot trap the walk), and a linked file is
/// read through its link only when the link stays inside the scanned tree (see [`boundary`]).
/// Files named explicitly are taken as given, with the same limit on links.
pub fn discover(paths: &[PathBuf], root: &Path) -> Result<Vec<Candidate>, DiscoverError> {
    let mut found = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            // Standard input: the engine reads it.
            continue;
        }
        if std::fs::symlink_metadata(path).is_err() {
            return Err(DiscoverError::Missing(path.display().to_string()));
        }
        if path.is_dir() {
            walk(path, root, true, &mut found);
        } else {
            // pre-commit passes every staged file: names we do not check are skipped quietly.
            let kind = classify(path);
            if kind.is_some() {
                let outside = boundary::boundary_of(path).and_then(|b| boundary::leads_outside(path, &b));
                found.push(Candidate {
                    path: path.clone(),
                    display: display(path, root),
                    kind,
                    error: None,
                    reported: true,
                    outside,
                });
            }
        }
    }
    // The walk finds files in no set order; the error text orders a path found twice.
    found.sort_by(|a, b| a.display.cmp(&b.display).then_with(|| a.error.cmp(&b.error)));
    found.dedup_by(|a, b| a.display == b.display && same_file(&a.path, &b.path));
    Ok(found)
}

/// Like [`discover`], and when some of `paths` are files (as a pre-commit hook passes them), also
/// every manifest of the git work trees holding those files, as context: cross-file rules then
/// see the partners (NetworkPolicies, autoscalers, Services, gateways) that live in files not
/// named. The context is walked as a directory argument is, ignore files honoured; Dockerfiles
/// are left out of it, as no rule reads another file's Dockerfile. A file outside any git work
/// tree gets no context.
pub fn discover_with_context(paths: &[PathBuf], root: &Path) -> Result<Vec<Candidate>, DiscoverError> {
    let mut found = discover(paths, root)?;
    let mut trees: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| work_tree_of(p))
        .collect();
    trees.sort();
    trees.dedup();
    if trees.is_empty() {
        return Ok(found);
    }
    let mut context = Vec::new();
    for tree in &trees {
        walk(tree, root, false, &mut context);
    }
    context.retain(|c| c.kind == Some(FileKind::Yaml));
    found.extend(context);
    // Files named and found again in the walk are reported: they sort first among equals.
    found.sort_by(|a, b| a.display.cmp(&b.display).then(b.reported.cmp(&a.reported)));
    found.dedup_by(|a, b| a.display == b.display && same_file(&a.path, &b.path));
    Ok(found)
}

/// Whether two paths that show alike name one file. Shown paths can coincide for different
/// files (a name with an escape byte and one spelling out its escape, names that are no UTF-8):
/// each such file is still checked.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let identity = |path: &Path| std::fs::symlink_metadata(path).ok().map(|m| (m.dev(), m.ino()));
        match (identity(a), identity(b)) {
            (Some(a), Some(b)) => return a == b,
            (None, None) => {}
            _ => return false,
        }
    }
    std::path::absolute(a).ok() == std::path::absolute(b).ok()
}

/// The git work tree holding `path`: its nearest ancestor directory with a `.git` entry (a
/// directory, or a file in linked work trees and submodules).
pub fn work_tree_of(path: &Path) -> Option<PathBuf> {
    work_tree_holding(std::path::absolute(path).ok()?.parent()?)
}

/// The git work tree `folder` belongs to: the folder itself when it holds a `.git`, else its
/// nearest ancestor that does. A repository nested in another is a tree of its own.
pub fn work_tree_holding(folder: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(folder).ok()?;
    absolute
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Walks `dir`, on every core when it has folders to descend into (see [`walk_threads`]): the
/// directories are read side by side (the order found is sorted afterwards).
fn walk(dir: &Path, root: &Path, reported: bool, found: &mut Vec<Candidate>) {
    let boundary = boundary::boundary_of(dir);
    // A folder named on the command line may itself be a link out of its repository.
    if let Some(target) = boundary.as_deref().and_then(|b| boundary::leads_outside(dir, b)) {
        found.push(Candidate {
            path: dir.to_path_buf(),
            display: display(dir, root),
            kind: None,
            error: None,
            reported,
            outside: Some(target),
        });
        return;
    }
    let ignores = std::sync::Arc::new(ignores::Ignores::new(dir, boundary.as_deref()));
    let filter = std::sync::Arc::clone(&ignores);
    let walker = WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let skipped = is_dir
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n));
            !skipped && !filter.ignores(entry.path(), is_dir)
        })
        .threads(walk_threads(dir))
        .build_parallel();
    let walked = std::sync::Mutex::new(Vec::new());
    walker.run(|| {
        let (walked, boundary) = (&walked, boundary.as_deref());
        Box::new(move |entry| {
            if let Some(candidate) = candidate(entry, dir, root, reported, boundary) {
                walked.lock().unwrap_or_else(|e| e.into_inner()).push(candidate);
            }
            ignore::WalkState::Continue
        })
    });
    found.extend(walked.into_inner().unwrap_or_else(|e| e.into_inner()));
    found.extend(
        ignores
            .take_problems()
            .into_iter()
            .filter(|_| reported)
            .map(|(path, problem)| Candidate {
                display: display(&path, root),
                path,
                kind: None,
                error: Some(problem),
                reported,
                outside: None,
            }),
    );
}

/// How many threads walk `dir`. The walk shares out directories: a folder with none to
/// descend into is read by one thread, as a second would only sleep out its millisecond's
/// wait for work before it sees that the walk is over.
fn walk_threads(dir: &Path) -> usize {
    let descends = std::fs::read_dir(dir).map_or(true, |entries| {
        entries.flatten().any(|entry| {
            entry.file_type().is_ok_and(|t| t.is_dir())
                && !entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n))
        })
    });
    if descends { rayon::current_num_threads() } else { 1 }
}

/// The candidate a walked entry is: a file to check, or the error that kept the walk out.
fn candidate(
    entry: Result<ignore::DirEntry, ignore::Error>,
    dir: &Path,
    root: &Path,
    reported: bool,
    boundary: Option<&Path>,
) -> Option<Candidate> {
    match entry {
        Ok(entry) => {
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                return None;
            }
            let kind = classify(entry.path())?;
            // A link to a directory is not walked; a link to a file (or a broken one) is read,
            // so a loop or a dangling link becomes a located read error.
            if file_type.is_symlink() && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
                return None;
            }
            let outside = match boundary {
                Some(boundary) if file_type.is_symlink() => boundary::leads_outside(entry.path(), boundary),
                _ => None,
            };
            Some(Candidate {
                path: entry.path().to_path_buf(),
                display: display(entry.path(), root),
                kind: Some(kind),
                error: None,
                reported,
                outside,
            })
        }
        Err(error) => {
            let path = error_path(&error).unwrap_or_else(|| dir.to_path_buf());
            reported.then(|| Candidate {
                display: display(&path, root),
                path,
                kind: None,
                error: Some(error_text(&error)),
                reported,
                outside: None,
            })
        }
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn error_text(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_text(err),
        other => other.to_string(),
    }
}

/// The path as reports show it: relative to `root` when inside it, `/`-separated, no `./`.
pub fn display(path: &Path, root: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".to_owned()),
            Component::RootDir => parts.push(String::new()),
            Component::Prefix(prefix) => parts.push(prefix.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if joined.is_empty() {
        ".".to_owned()
    } else {
        // File names reach terminals and CI logs: no control character of theirs raw.
        crate::source::escape::escape_controls(&joined, false).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_walked_by_every_thread_only_when_it_has_folders_to_descend_into() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deploy.yaml"), "kind: Service\n").unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        let walked = || {
            let mut found = Vec::new();
            walk(dir.path(), dir.path(), true, &mut found);
            let mut shown: Vec<String> = found.into_iter().map(|c| c.display).collect();
            shown.sort();
            shown
        };
        assert_eq!(walk_threads(dir.path()), 1);
        assert_eq!(walked(), ["deploy.yaml"]);
        std::fs::create_dir(dir.path().join("k8s")).unwrap();
        std::fs::write(dir.path().join("k8s/app.yaml"), "kind: Service\n").unwrap();
        assert_eq!(walk_threads(dir.path()), rayon::current_num_threads());
        assert_eq!(walked(), ["deploy.yaml", "k8s/app.yaml"]);
    }

    #[test]
    fn dockerfile_names_are_recognised() {
        for name in [
            "Dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
            "positive.dockerfile",
        ] {
            assert_eq!(classify(Path::new(name)), Some(FileKind::Dockerfile), "{name}");
        }
        assert_eq!(classify(Path::new("Dockerfile.dockerignore")), None);
        assert_eq!(classify(Path::new("deploy.YML")), Some(FileKind::Yaml));
        assert_eq!(classify(Path::new("README.md")), None);
    }

    #[test]
    fn display_paths_are_relative_and_slash_separated() {
        let root = Path::new("/repo");
        assert_eq!(display(Path::new("/repo/k8s/app.yaml"), root), "k8s/app.yaml");
        assert_eq!(
            display(Path::new("./k8s/app.yaml"), Path::new("/elsewhere")),
            "k8s/app.yaml"
        );
        assert_eq!(
            display(Path::new("../shared/x.yaml"), Path::new("/repo")),
            "../shared/x.yaml"
        );
    }
}
