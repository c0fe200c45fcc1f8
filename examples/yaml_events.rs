//! The saphyr event floor: the least work any YAML linter built on `saphyr-parser` can do.
//!
//! Walks the given paths with mslint's own discovery (ignore files honoured, the same folders
//! skipped, nothing outside the tree), takes every YAML and JSON file it finds, reads it and pulls every event out of `saphyr_parser::Parser` on one rayon
//! worker per core, building no tree. It prints how many files, documents, events and bytes it
//! saw. `bench/run.py` measures mslint's parsing against the time this takes.
//!
//! ```sh
//! cargo run --release --example yaml_events -- DIR [DIR ...]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mslint::discover::{self, FileKind};
use rayon::prelude::*;
use saphyr_parser::{Event, Parser};

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
    let here = std::env::current_dir().unwrap_or_default();
    let files: Vec<PathBuf> = match discover::discover(&roots, &here) {
        Ok(candidates) => candidates
            .into_iter()
            .filter(|c| c.kind == Some(FileKind::Yaml) && c.outside.is_none())
            .map(|c| c.path)
            .collect(),
        Err(e) => {
            eprintln!("yaml_events: {e}");
            return ExitCode::from(2);
        }
    };
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
