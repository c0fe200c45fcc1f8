//! Named files (what a pre-commit hook passes): reported alone, with the rest of their git work
//! tree read as context for cross-file rules.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// A git work tree (a `.git` folder is what marks one) holding `tests/hooks/data`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hooks/data"),
        dir.path(),
    );
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// (rule, severity, path, line) of every finding, and the exit code.
fn scan(dir: &Path, args: &[&str]) -> (Vec<(String, String, String, u64)>, i32) {
    let output = Command::cargo_bin("mslint")
        .unwrap()
        .current_dir(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = common::finding_fields(&report, &["rule", "severity", "path", "line"])
        .into_iter()
        .map(|f| (f[0].clone(), f[1].clone(), f[2].clone(), f[3].parse().unwrap()))
        .collect();
    (findings, output.status.code().unwrap())
}

#[test]
fn partners_in_files_not_named_count_and_nothing_is_reported_on_them() {
    let repo = repository();
    let (findings, code) = scan(repo.path(), &["deploy/good.yaml"]);
    assert_eq!(
        findings,
        [],
        "the NetworkPolicy, PDB and HPA live in policy/web.yaml"
    );
    assert_eq!(code, 0);

    let (alone, _) = scan(repo.path(), &["--no-context", "deploy/good.yaml"]);
    let rules: Vec<&str> = alone.iter().map(|f| f.0.as_str()).collect();
    for missing in ["K8S009", "NS001", "NS004"] {
        assert!(rules.contains(&missing), "{missing} without context: {alone:?}");
    }
}

#[test]
fn only_named_files_are_reported_even_when_context_files_are_broken() {
    let repo = repository();
    std::fs::write(
        repo.path().join("policy/broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: broken\n",
    )
    .unwrap();
    let (findings, code) = scan(repo.path(), &["deploy/bad.yaml", "deploy/good.yaml"]);
    assert!(findings.iter().all(|f| f.2 == "deploy/bad.yaml"), "{findings:?}");
    assert!(findings.contains(&("K8S011".into(), "error".into(), "deploy/bad.yaml".into(), 14)));
    assert_eq!(code, 1);

    let (whole, _) = scan(repo.path(), &["."]);
    assert!(
        whole
            .iter()
            .any(|f| f.0 == "MS000" && f.2 == "policy/broken.yaml")
    );
}

#[test]
fn namespace_findings_are_notes_when_files_are_named_and_errors_for_the_whole_repository() {
    let repo = repository();
    for partner in ["policy/web.yaml", "deploy/bad.yaml"] {
        std::fs::remove_file(repo.path().join(partner)).unwrap();
    }
    let (named, code) = scan(repo.path(), &["deploy/good.yaml"]);
    assert!(
        named.contains(&("NS001".into(), "note".into(), "deploy/good.yaml".into(), 3)),
        "{named:?}"
    );
    assert_eq!(code, 0, "a compliant file does not fail for its namespace");

    let (whole, code) = scan(repo.path(), &["."]);
    assert!(whole.contains(&("NS001".into(), "error".into(), "deploy/good.yaml".into(), 3)));
    assert_eq!(code, 1);
}
