//! Snapshots of what a person reads: every output format on one small repository, and `explain`.

use std::path::PathBuf;

use assert_cmd::Command;

fn report(format: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/report");
    let output = Command::cargo_bin("mslint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // A fixed set of rules keeps these snapshots about the reporters, not about new rules.
        .args([
            "--format",
            format,
            "--color",
            "never",
            "--select",
            "DF004,DF006,K8S001,K8S014",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn human_output() {
    insta::assert_snapshot!(report("human"));
}

#[test]
fn json_output() {
    insta::assert_snapshot!(report("json"));
}

#[test]
fn github_output() {
    insta::assert_snapshot!(report("github"));
}

#[test]
fn sarif_output() {
    insta::assert_snapshot!(report("sarif"));
}

#[test]
fn explain_output() {
    let output = Command::cargo_bin("mslint")
        .unwrap()
        .args(["explain", "DF006"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn markdown_output() {
    insta::assert_snapshot!(report("markdown"));
}
