//! The ignore files a walk honours, read by mslint rather than by the walker: `.mslintignore`,
//! `.ignore` and `.gitignore` in each folder, a work tree's `.git/info/exclude`, and the user's
//! global git excludes.
//!
//! A repository's ignore files are its content like any other file: each is read only as a
//! regular file inside the scanned tree (see [`super::boundary`]) and of at most
//! [`MAX_IGNORE_BYTES`]. A named pipe called `.gitignore` would otherwise hold the walk for ever,
//! a link to `/dev/zero` exhaust memory, and a link out of the repository decide which of its
//! files are checked. Such a file is reported where it is and not applied; the walk goes on.
//!
//! Precedence is the walker's own: for each kind of file, the one in the nearest folder that
//! has a rule matching the path decides; `.mslintignore` comes before `.ignore`, which comes
//! before `.gitignore`, then `.git/info/exclude`, then the global excludes. Git's files in the
//! folders above a nested work tree (a `.git` of its own) do not apply inside it.
//!
//! In a linked worktree or a submodule, `.git` is a file naming the git folder, outside the work
//! tree; its exclude file is read there, as git's own file: its rules only decide which files
//! are checked, and no report quotes it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::boundary;

/// The largest ignore file read. Real ones hold a few hundred lines; each line becomes a glob
/// held in memory, so a larger file costs more than it can be worth.
pub const MAX_IGNORE_BYTES: u64 = 256 * 1024;

/// The kinds of ignore file, in order of precedence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mslint,
    Plain,
    Git,
    GitExclude,
}

/// Each kind's file in the folder it applies to; a work tree's exclude file is found by
/// [`git_exclude`].
const FILES: [(Kind, &str); 3] = [
    (Kind::Mslint, ".mslintignore"),
    (Kind::Plain, ".ignore"),
    (Kind::Git, ".gitignore"),
];

/// The longest `.git` or `commondir` file read: git writes one line, a path.
const MAX_GIT_LINK_BYTES: u64 = 4096;

/// The ignore files of one folder, and those of the folders above it.
struct Level {
    above: Option<Arc<Level>>,
    /// The folder holds a `.git`: git's files above it do not apply.
    work_tree: bool,
    files: Vec<(Kind, Gitignore)>,
    /// This folder or one above it has an ignore file.
    any_rules: bool,
}

/// The ignore files met in one walk, read as the walk reaches their folders.
pub struct Ignores {
    /// The walk's top folder, resolved as the boundary is: the walker's paths are relative to
    /// it as given, and below it they hold no link (the walk follows none).
    top: PathBuf,
    /// The folder as the walker names it.
    given: PathBuf,
    boundary: Option<PathBuf>,
    global: Gitignore,
    /// By folder (absolute), as bytes: they hash faster than a path's components.
    levels: Mutex<HashMap<OsString, Arc<Level>>>,
    /// Ignore files not read, and why (the end of a sentence).
    problems: Mutex<Vec<(PathBuf, String)>>,
}

impl Ignores {
    /// The ignore files of a walk of `folder` (as the walker is given it) inside `boundary`.
    pub fn new(folder: &Path, boundary: Option<&Path>) -> Self {
        Ignores {
            top: std::fs::canonicalize(folder)
                .or_else(|_| std::path::absolute(folder))
                .unwrap_or_else(|_| folder.to_path_buf()),
            given: folder.to_path_buf(),
            boundary: boundary.map(Path::to_path_buf),
            global: Gitignore::global().0,
            levels: Mutex::new(HashMap::new()),
            problems: Mutex::new(Vec::new()),
        }
    }

    /// Whether a walked entry is ignored.
    pub fn ignores(&self, path: &Path, is_dir: bool) -> bool {
        let Some(folder) = path.parent() else {
            return false;
        };
        let folder = match folder.strip_prefix(&self.given) {
            Ok(rest) if rest.as_os_str().is_empty() => self.top.clone(),
            Ok(rest) => self.top.join(rest),
            Err(_) => std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf()),
        };
        let level = self.level(&folder);
        if !level.any_rules && self.global.is_empty() {
            return false;
        }
        let Some(name) = path.file_name() else {
            return false;
        };
        let path = folder.join(name);
        let mut found: [Option<bool>; 4] = [None; 4];
        let mut inside_work_tree = false;
        let mut current = Some(&level);
        while let Some(level) = current {
            for (kind, file) in &level.files {
                let git = matches!(kind, Kind::Git | Kind::GitExclude);
                let slot = &mut found[*kind as usize];
                if slot.is_none() && !(git && inside_work_tree) {
                    *slot = decision(file.matched(&path, is_dir));
                }
            }
            inside_work_tree |= level.work_tree;
            current = level.above.as_ref();
        }
        found
            .into_iter()
            .flatten()
            .next()
            .or_else(|| decision(self.global.matched(&path, is_dir)))
            .unwrap_or(false)
    }

    /// The ignore files that were not read, each with why.
    pub fn take_problems(&self) -> Vec<(PathBuf, String)> {
        std::mem::take(&mut *self.problems.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The level of `folder` (absolute), read on first use with those of the folders above it,
    /// up to the boundary (or the walk's top folder outside any).
    fn level(&self, folder: &Path) -> Arc<Level> {
        if let Some(level) = self.lock_levels().get(folder.as_os_str()) {
            return Arc::clone(level);
        }
        let top = self.boundary.as_deref().unwrap_or(&self.top);
        let above = match folder.parent() {
            Some(parent) if folder != top && folder.starts_with(top) => Some(self.level(parent)),
            _ => None,
        };
        let git = folder.join(".git");
        let work_tree = std::fs::symlink_metadata(&git).is_ok();
        let exclude = match work_tree.then(|| self.git_exclude(folder)).flatten() {
            Some(GitExclude::Inside(path)) => {
                self.read(folder, &path, self.boundary.as_deref(), ToldAt::TheFile)
            }
            Some(GitExclude::Outside { path, within }) => {
                self.read(folder, &path, Some(&within), ToldAt::GitFile(&git))
            }
            None => None,
        };
        let exclude = exclude.map(|rules| (Kind::GitExclude, rules));
        let files: Vec<(Kind, Gitignore)> = FILES
            .iter()
            .filter_map(|(kind, name)| {
                Some((
                    *kind,
                    self.read(
                        folder,
                        &folder.join(name),
                        self.boundary.as_deref(),
                        ToldAt::TheFile,
                    )?,
                ))
            })
            .chain(exclude)
            .collect();
        let level = Arc::new(Level {
            any_rules: !files.is_empty() || above.as_ref().is_some_and(|a| a.any_rules),
            above,
            work_tree,
            files,
        });
        Arc::clone(
            self.lock_levels()
                .entry(folder.as_os_str().to_owned())
                .or_insert(level),
        )
    }

    fn lock_levels(&self) -> std::sync::MutexGuard<'_, HashMap<OsString, Arc<Level>>> {
        self.levels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a file that was not read, and why.
    fn problem(&self, path: &Path, why: String) {
        let mut problems = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        problems.push((path.to_path_buf(), why));
    }

    /// The exclude file of the work tree at `folder`: `.git/info/exclude` where `.git` is a
    /// folder; where it is a file git wrote (`gitdir: …`, a linked worktree or a submodule),
    /// `info/exclude` in the git folder it names, or in the folder that one shares with the main
    /// work tree (its `commondir`, a linked worktree's). A git folder inside the scanned tree is
    /// read as any file of it is; one outside, only where no link leads out of it.
    fn git_exclude(&self, folder: &Path) -> Option<GitExclude> {
        let link = folder.join(".git");
        if link.is_dir() {
            return Some(GitExclude::Inside(link.join("info/exclude")));
        }
        // Git writes a regular file; a link or anything else named `.git` is left alone.
        if !std::fs::symlink_metadata(&link).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let text = boundary::read_inside(&link, self.boundary.as_deref(), MAX_GIT_LINK_BYTES).ok()?;
        // As git reads it: the first line, `gitdir: ` and a path, line end stripped.
        let named = text.lines().next()?.strip_prefix("gitdir: ")?;
        let git_dir = std::fs::canonicalize(folder.join(named)).ok()?;
        // Only a folder git made: it holds a `HEAD`.
        if !git_dir.join("HEAD").is_file() {
            return None;
        }
        let inside = |path: &Path| self.boundary.as_deref().is_none_or(|b| path.starts_with(b));
        let git_dir_inside = inside(&git_dir);
        let commondir = git_dir.join("commondir");
        let common = if std::fs::symlink_metadata(&commondir).is_ok() {
            let within = if git_dir_inside {
                self.boundary.clone()
            } else {
                Some(git_dir.clone())
            };
            let text = boundary::read_inside(&commondir, within.as_deref(), MAX_GIT_LINK_BYTES).ok()?;
            std::fs::canonicalize(git_dir.join(text.trim_end_matches(['\n', '\r']))).ok()?
        } else {
            git_dir.clone()
        };
        let path = common.join("info/exclude");
        match (git_dir_inside, inside(&common)) {
            (true, true) => Some(GitExclude::Inside(path)),
            // A git folder inside the scanned tree names no folder outside it.
            (true, false) => None,
            (false, _) => Some(GitExclude::Outside { path, within: common }),
        }
    }

    /// The rules of one ignore file, if it exists and may be read (inside `boundary`, when
    /// given); a problem is told at the file, or where `told_at` says.
    fn read(
        &self,
        folder: &Path,
        path: &Path,
        boundary: Option<&Path>,
        told_at: ToldAt<'_>,
    ) -> Option<Gitignore> {
        std::fs::symlink_metadata(path).ok()?;
        match boundary::read_inside(path, boundary, MAX_IGNORE_BYTES) {
            Ok(text) => rules(folder, path, &text),
            Err(reason) => {
                match told_at {
                    ToldAt::TheFile => {
                        self.problem(path, format!("{reason}, so its ignore rules are not applied"))
                    }
                    ToldAt::GitFile(git) => self.problem(
                        git,
                        "git's exclude file in the git folder it names cannot be read (a link out of \
                         that folder, no regular file, too large, not UTF-8 or unreadable), so its \
                         rules are not applied"
                            .to_owned(),
                    ),
                }
                None
            }
        }
    }
}

/// Where a problem reading an ignore file is told.
#[derive(Clone, Copy)]
enum ToldAt<'a> {
    /// At the file itself, which lies in the scanned tree.
    TheFile,
    /// At a work tree's `.git` file, for the exclude file of a git folder outside the scanned
    /// tree: a report names no place outside it.
    GitFile(&'a Path),
}

/// Where a work tree's exclude file is, for reading.
enum GitExclude {
    /// Inside the scanned tree, read as any of its files.
    Inside(PathBuf),
    /// In a git folder outside the scanned tree, read only inside `within`.
    Outside { path: PathBuf, within: PathBuf },
}

/// The rules of an ignore file's text, which applies to `folder`.
fn rules(folder: &Path, path: &Path, text: &str) -> Option<Gitignore> {
    let mut builder = GitignoreBuilder::new(folder);
    for line in text.lines() {
        // A line that is no valid glob is skipped, as git skips it.
        let _ = builder.add_line(Some(path.to_path_buf()), line);
    }
    builder.build().ok()
}

/// Ignored (`true`), explicitly kept (`false`), or not named by the file (`None`).
fn decision<T>(matched: Match<T>) -> Option<bool> {
    match matched {
        Match::None => None,
        Match::Ignore(_) => Some(true),
        Match::Whitelist(_) => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn write(root: &Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn found(root: &Path) -> Vec<String> {
        let candidates = super::super::discover(&[root.to_path_buf()], root).unwrap();
        candidates.into_iter().map(|c| c.display).collect()
    }

    #[test]
    fn the_nearest_rule_decides_and_mslintignore_comes_first() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        for name in [
            "a.yaml",
            "keep.yaml",
            "sub/b.yaml",
            "sub/again.yaml",
            "gen/c.yaml",
            "local.yaml",
            "tool.yaml",
        ] {
            write(root, name, "a: 1\n");
        }
        write(root, ".gitignore", "*.yaml\n!keep.yaml\ngen/\n");
        write(root, "sub/.gitignore", "!again.yaml\n");
        write(root, ".mslintignore", "!a.yaml\n");
        write(root, ".ignore", "!tool.yaml\n");
        write(root, ".git/info/exclude", "local.yaml\n");
        assert_eq!(
            found(root),
            ["a.yaml", "keep.yaml", "sub/again.yaml", "tool.yaml"]
        );
    }

    #[test]
    fn git_rules_above_a_nested_work_tree_do_not_reach_into_it() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        write(root, ".gitignore", "*.yaml\n");
        write(root, ".mslintignore", "skip.yaml\n");
        std::fs::create_dir_all(root.join("vendor/.git")).unwrap();
        write(root, "vendor/app.yaml", "a: 1\n");
        write(root, "vendor/skip.yaml", "a: 1\n");
        write(root, "top.yaml", "a: 1\n");
        assert_eq!(found(root), ["vendor/app.yaml"]);
    }

    #[test]
    fn a_linked_worktree_or_a_submodule_reads_the_exclude_file_of_its_git_folder() {
        let main = tempfile::tempdir().unwrap();
        write(main.path(), ".git/HEAD", "ref: refs/heads/main\n");
        write(main.path(), ".git/info/exclude", "shared-local.yaml\n");
        write(main.path(), ".git/worktrees/wt/HEAD", "ref: refs/heads/wt\n");
        write(main.path(), ".git/worktrees/wt/commondir", "../..\n");
        write(main.path(), ".git/modules/sub/HEAD", "ref: refs/heads/main\n");
        write(main.path(), ".git/modules/sub/info/exclude", "sub-local.yaml\n");
        let worktree = tempfile::tempdir().unwrap();
        let root = worktree.path();
        let git_dir = main.path().join(".git/worktrees/wt");
        write(root, ".git", &format!("gitdir: {}\n", git_dir.display()));
        for name in [
            "app.yaml",
            "shared-local.yaml",
            "sub/app.yaml",
            "sub/sub-local.yaml",
        ] {
            write(root, name, "a: 1\n");
        }
        // A submodule names its git folder relative to itself.
        let relative = std::iter::repeat_n("..", root.join("sub").components().count()).collect::<PathBuf>();
        let module = relative.join(main.path().join(".git/modules/sub").strip_prefix("/").unwrap());
        write(root, "sub/.git", &format!("gitdir: {}\n", module.display()));
        assert_eq!(found(root), ["app.yaml", "sub/app.yaml"]);
        // A `.git` file naming a folder git did not make is not followed.
        write(
            root,
            ".git",
            &format!("gitdir: {}\n", main.path().join(".git/info").display()),
        );
        assert_eq!(found(root), ["app.yaml", "shared-local.yaml", "sub/app.yaml"]);
    }

    #[cfg(unix)]
    #[test]
    fn git_folders_named_by_a_git_file_are_read_without_following_links_out() {
        let elsewhere = tempfile::tempdir().unwrap();
        write(elsewhere.path(), "rules", "*.yaml\n");
        let rules = elsewhere.path().join("rules");
        // A git folder outside the tree: its exclude file may not lead out of it. The problem is
        // told at `.git`, without naming the place outside.
        let main = tempfile::tempdir().unwrap();
        write(main.path(), ".git/HEAD", "ref: refs/heads/main\n");
        std::fs::create_dir_all(main.path().join(".git/info")).unwrap();
        std::os::unix::fs::symlink(&rules, main.path().join(".git/info/exclude")).unwrap();
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        write(
            root,
            ".git",
            &format!("gitdir: {}\n", main.path().join(".git").display()),
        );
        write(root, "app.yaml", "a: 1\n");
        let candidates = super::super::discover(&[root.to_path_buf()], root).unwrap();
        let shown: Vec<(&str, Option<&str>)> = candidates
            .iter()
            .map(|c| (c.display.as_str(), c.error.as_deref()))
            .collect();
        let why = "git's exclude file in the git folder it names cannot be read (a link out of that \
                   folder, no regular file, too large, not UTF-8 or unreadable), so its rules are not applied";
        assert_eq!(shown, [(".git", Some(why)), ("app.yaml", None)]);
        // A git folder inside the tree is read as the tree's files are: no link out of the tree,
        // nor a shared folder outside it.
        write(root, ".git", "gitdir: fake\n");
        write(root, "fake/HEAD", "ref: refs/heads/main\n");
        std::fs::create_dir_all(root.join("fake/info")).unwrap();
        std::os::unix::fs::symlink(&rules, root.join("fake/info/exclude")).unwrap();
        let listed = found(root);
        assert!(listed.contains(&"app.yaml".to_owned()), "{listed:?}");
        assert!(
            listed.iter().any(|f| f.ends_with("fake/info/exclude")),
            "{listed:?}"
        );
        std::fs::remove_file(root.join("fake/info/exclude")).unwrap();
        write(
            root,
            "fake/commondir",
            &format!("{}\n", main.path().join(".git").display()),
        );
        std::fs::remove_file(main.path().join(".git/info/exclude")).unwrap();
        write(main.path(), ".git/info/exclude", "*.yaml\n");
        assert!(found(root).contains(&"app.yaml".to_owned()));
    }

    #[cfg(unix)]
    #[test]
    fn an_ignore_file_that_is_no_regular_file_inside_the_tree_is_reported_and_not_applied() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "rules", "*.yaml\n");
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        write(root, "pipe/app.yaml", "a: 1\n");
        write(root, "link/app.yaml", "a: 1\n");
        write(root, "large/app.yaml", "a: 1\n");
        write(root, "zero/app.yaml", "a: 1\n");
        // Opening a pipe that no one writes to would wait for ever.
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("pipe/.gitignore"))
            .status()
            .unwrap();
        assert!(made.success());
        std::os::unix::fs::symlink(outside.path().join("rules"), root.join("link/.mslintignore")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero/.ignore")).unwrap();
        write(root, "large/.gitignore", &"*.yaml\n".repeat(40_000));
        let candidates = super::super::discover(&[root.to_path_buf()], root).unwrap();
        let shown: Vec<(&str, Option<&str>)> = candidates
            .iter()
            .map(|c| (c.display.as_str(), c.error.as_deref()))
            .collect();
        let outside_rules = format!(
            "it is a symbolic link to `{}`, outside the scanned tree, so its ignore rules are not applied",
            outside.path().join("rules").display()
        );
        assert_eq!(
            shown,
            [
                (
                    "large/.gitignore",
                    Some("it is larger than 256 KiB, so its ignore rules are not applied")
                ),
                ("large/app.yaml", None),
                ("link/.mslintignore", Some(outside_rules.as_str())),
                ("link/app.yaml", None),
                (
                    "pipe/.gitignore",
                    Some("it is a named pipe, not a regular file, so its ignore rules are not applied")
                ),
                ("pipe/app.yaml", None),
                (
                    "zero/.ignore",
                    Some(
                        "it is a symbolic link to `/dev/zero`, outside the scanned tree, so its ignore rules are not applied"
                    )
                ),
                ("zero/app.yaml", None),
            ]
        );
    }
}
