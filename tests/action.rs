//! The GitHub Action's run step (`action/run.sh`), run as the composite action runs it: outputs,
//! job summary, SARIF report and exit status.

use std::path::Path;
use std::process::Command;

#[test]
fn the_action_writes_sarif_outputs_and_a_summary_and_fails_on_errors() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let (outputs, summary, sarif) = (
        work.path().join("outputs"),
        work.path().join("summary.md"),
        work.path().join("report.sarif"),
    );
    let run = |fail_on: &str| {
        Command::new("bash")
            .arg(repo.join("action/run.sh"))
            .current_dir(repo.join("fixtures/examples"))
            .env("MSLINT", env!("CARGO_BIN_EXE_mslint"))
            .env("MSLINT_PATHS", ". services/cart")
            .env("MSLINT_FAIL_ON", fail_on)
            .env("MSLINT_FORMAT", "github")
            .env("MSLINT_SARIF_FILE", &sarif)
            .env("MSLINT_ARGS", "--select K8S001,K8S009")
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap()
    };
    let failing = run("error");
    assert_eq!(failing.status.code(), Some(1));
    let log = String::from_utf8(failing.stdout).unwrap();
    assert!(log.starts_with("::"), "annotations in the log: {log}");

    let outputs_text = std::fs::read_to_string(&outputs).unwrap();
    assert!(outputs_text.contains(&format!("sarif-file={}\n", sarif.display())));
    assert!(outputs_text.contains("findings=3\n"), "{outputs_text}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(report["runs"][0]["results"].as_array().unwrap().len(), 3);
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary_text.starts_with("# mslint compliance report"),
        "{summary_text}"
    );

    assert_eq!(run("none").status.code(), Some(0));
}

#[test]
fn a_usage_error_stops_the_action_with_an_annotation() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let output = Command::new("bash")
        .arg(repo.join("action/run.sh"))
        .current_dir(work.path())
        .env("MSLINT", env!("CARGO_BIN_EXE_mslint"))
        .env("MSLINT_PATHS", "missing-folder")
        .env("GITHUB_OUTPUT", work.path().join("outputs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("::error title=mslint::"));
}
