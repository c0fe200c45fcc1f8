//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub mod properties;

/// A Deployment whose image uses the tag `latest`: K8S014 (a warning) on line 10.
pub const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
spec:
  template:
    spec:
      containers:
        - name: server
          image: shop/cart:latest
";

/// A ConfigMap no rule reports.
pub const CLEAN: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One expected or actual finding: (rule id, path relative to the fixture folder, line, column).
pub type Hit = (String, String, u32, u32);

/// Runs the real pipeline on `dir` with only `rules` selected.
pub fn run(dir: &Path, rules: &[&str]) -> Vec<mslint::Finding> {
    scan(dir, rules).findings
}

/// Runs the real pipeline on `dir` with only `rules` selected, returning the whole outcome.
pub fn scan(dir: &Path, rules: &[&str]) -> mslint::Outcome {
    let config = mslint::Config {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        select: rules.iter().map(|r| r.to_string()).collect(),
        ignore: vec![],
        ..Default::default()
    };
    mslint::run(&config).expect("scan runs")
}

/// The `# expect: ID line:column` annotations of every file under `dir`.
pub fn expectations(dir: &Path) -> BTreeSet<Hit> {
    annotations(dir).into_iter().map(|(hit, _)| hit).collect()
}

/// The severities that `# expect: ID line:column severity` annotations under `dir` require (an
/// annotation without one accepts any).
pub fn expected_severities(dir: &Path) -> BTreeMap<Hit, String> {
    annotations(dir)
        .into_iter()
        .filter_map(|(hit, severity)| Some((hit, severity?)))
        .collect()
}

/// Every `# expect:` annotation under `dir`, with its severity when it names one.
fn annotations(dir: &Path) -> Vec<(Hit, Option<String>)> {
    let mut found = Vec::new();
    for file in files(dir) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let relative = file
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("# expect:") else {
                continue;
            };
            let mut parts = rest.split_whitespace();
            let (Some(id), Some(position)) = (parts.next(), parts.next()) else {
                panic!("malformed expectation in {}: {line}", file.display())
            };
            let (l, c) = position.split_once(':').expect("line:column");
            let hit = (
                id.to_owned(),
                relative.clone(),
                l.parse().unwrap(),
                c.parse().unwrap(),
            );
            found.push((hit, parts.next().map(str::to_owned)));
        }
    }
    found
}

/// Every regular file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A finding as a comparable hit.
pub fn hit(finding: &mslint::Finding) -> Hit {
    (
        finding.rule.id.to_owned(),
        finding.path.to_string(),
        finding.region.start_line,
        finding.region.start_column,
    )
}

/// The findings as comparable hits.
pub fn hits(findings: &[mslint::Finding]) -> BTreeSet<Hit> {
    findings.iter().map(hit).collect()
}

/// The entries of a directory, sorted (none if it is missing).
pub fn files_or_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Each finding of a JSON report as the values of `keys`, text and numbers alike as text.
pub fn finding_fields(report: &serde_json::Value, keys: &[&str]) -> Vec<Vec<String>> {
    report["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .map(|finding| {
            keys.iter()
                .map(|key| match &finding[*key] {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
