//! The tree a scan may read: nothing outside the scanned folder's git work tree (or the folder
//! itself, outside any work tree) is read, whatever a symbolic link in it points at. A link to
//! a CI runner's credentials or to `/proc/self/environ` would otherwise have its content parsed
//! and quoted into a public log.

use std::path::{Path, PathBuf};

/// The folder reads under `path` stay inside: the git work tree holding it, else the folder
/// itself (for a file, its folder), as a canonical path. `None` when it cannot be resolved.
pub fn boundary_of(path: &Path) -> Option<PathBuf> {
    let folder = if path.is_dir() { path } else { path.parent()? };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let tree = super::work_tree_of(&folder.join(".")).unwrap_or_else(|| folder.to_path_buf());
    std::fs::canonicalize(tree).ok()
}

/// Where `path` really leads when that is outside `boundary` (through a symbolic link of it or
/// of a folder above it); `None` when it stays inside or cannot be resolved (a dangling link or
/// a loop, which reading then reports).
pub fn leads_outside(path: &Path, boundary: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    (!real.starts_with(boundary)).then_some(real)
}

/// The text of a file inside `boundary`; `None` for one a link leads outside, or that cannot be
/// read.
pub fn read_inside(path: &Path, boundary: &Path) -> Option<String> {
    if leads_outside(path, boundary).is_some() {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_that_leave_the_tree_are_told_apart_from_those_inside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "token").unwrap();
        let tree = tempfile::tempdir().unwrap();
        std::fs::write(tree.path().join("real.yaml"), "a: 1").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), tree.path().join("out.yaml")).unwrap();
        std::os::unix::fs::symlink(tree.path().join("real.yaml"), tree.path().join("in.yaml")).unwrap();
        let boundary = boundary_of(tree.path()).unwrap();
        assert!(leads_outside(&tree.path().join("out.yaml"), &boundary).is_some());
        assert_eq!(leads_outside(&tree.path().join("in.yaml"), &boundary), None);
        assert_eq!(read_inside(&tree.path().join("out.yaml"), &boundary), None);
        assert_eq!(
            read_inside(&tree.path().join("in.yaml"), &boundary).as_deref(),
            Some("a: 1")
        );
    }
}
