//! The saphyr event floor: the least work any YAML linter built on `saphyr-parser` can do.
//!
//! Walks the given paths as mslint does (the `ignore` crate, ignore files honoured, `.git`,
//! `target`, `node_modules`, `.hg` and `.svn` never entered), takes every `*.yaml`, `*.yml` and
//! `*.json` file, reads it and pulls every event out of `saphyr_parser::Parser` on one rayon
//! worker per core, building no tree. It prints how many files, documents, events and bytes it
//! saw. `bench/run.py` measures mslint's parsing against the time this takes.
//!
//! ```sh
//! cargo run --release --example yaml_events -- DIR [DIR ...]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ignore::WalkBuilder;
use rayon::prelude::*;
use saphyr_parser::{Event, Parser};

/// Directories mslint never walks.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".hg", ".svn"];

/// What pulling the events of some files saw.
#[derive(Default, Clone, Copy)]
struct Tally {
    files: usize,
    documents: usize,
    events: usize,
    bytes: usize,
    failed: usize,
}

impl Tally {
    fn add(self, other: Tally) -> Tally {
        Tally {
            files: self.files + other.files,
            documents: self.documents + other.documents,
            events: self.events + other.events,
            bytes: self.bytes + other.bytes,
            failed: self.failed + other.failed,
        }
    }
}

fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// The manifest files under `root` (or `root` itself when it is one), in the order mslint's walk
/// gives them.
fn manifests_under(root: &Path, found: &mut Vec<PathBuf>) {
    if root.is_file() {
        if is_manifest(root) {
            found.push(root.to_path_buf());
        }
        return;
    }
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(".mslintignore")
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
        })
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) && is_manifest(entry.path()) {
            found.push(entry.into_path());
        }
    }
}

/// Reads one file and pulls all of its events; a file that cannot be read or is no UTF-8 counts
/// as failed, and a parse error ends the file (the parser repeats it forever), as in mslint.
fn pull_events(path: &Path) -> Tally {
    let Ok(bytes) = std::fs::read(path) else {
        return Tally {
            failed: 1,
            ..Tally::default()
        };
    };
    let size = bytes.len();
    let Ok(text) = String::from_utf8(bytes) else {
        return Tally {
            files: 1,
            bytes: size,
            failed: 1,
            ..Tally::default()
        };
    };
    let mut tally = Tally {
        files: 1,
        bytes: size,
        ..Tally::default()
    };
    let mut parser = Parser::new_from_str(&text);
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, _span)) => {
                tally.events += 1;
                if matches!(event, Event::DocumentStart(_)) {
                    tally.documents += 1;
                }
            }
            Err(_) => {
                tally.failed += 1;
                break;
            }
        }
    }
    tally
}

fn main() -> ExitCode {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: yaml_events PATH [PATH ...]");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for root in &roots {
        if !root.exists() {
            eprintln!("yaml_events: `{}` does not exist", root.display());
            return ExitCode::from(2);
        }
        manifests_under(root, &mut files);
    }
    // rayon's global pool has one worker per core, as mslint's default `--jobs`.
    let tally = files
        .par_iter()
        .map(|path| pull_events(path))
        .reduce(Tally::default, Tally::add);
    println!(
        "files {} documents {} events {} bytes {} failed {}",
        tally.files, tally.documents, tally.events, tally.bytes, tally.failed
    );
    ExitCode::SUCCESS
}
