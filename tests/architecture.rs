//! The layout is the pipeline: a stage may use only the stages to its left, plus `source`.

use std::path::Path;

mod common;

/// Pipeline order; `source` is the leaf every stage may use.
const STAGES: [&str; 7] = ["source", "discover", "parse", "model", "index", "rules", "report"];

fn rank(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| *s == module)
}

#[test]
fn no_stage_imports_a_stage_to_its_right() {
    let src = common::repo().join("src");
    let mut violations = Vec::new();
    for stage in STAGES {
        let dir = src.join(stage);
        for file in common::files(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            for target in imported_stages(&text) {
                let (Some(from), Some(to)) = (rank(stage), rank(&target)) else {
                    continue;
                };
                if to > from && target != "source" {
                    violations.push(format!("{} uses crate::{target}", relative(&file, &src)));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the pipeline:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_imports_in_all_their_forms() {
    let text =
        "use crate::report::x;\nuse crate::{index::Index, model};\nlet a = crate::rules::registry::ALL;";
    assert_eq!(imported_stages(text), ["report", "index", "model", "rules"]);
}

/// Every top-level module named after `crate::` in use lines and paths.
fn imported_stages(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            found.extend(inner.split(',').filter_map(|part| {
                let name = part.trim().split("::").next()?.trim();
                (!name.is_empty()).then(|| name.to_owned())
            }));
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}
