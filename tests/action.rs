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

/// A git repository whose base commit holds a Deployment without `allowPrivilegeEscalation`, and
/// whose head commit adds another one: a pull request that brings one fixable finding.
fn pull_request_repository(dir: &Path) -> (String, String) {
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(["-c", "user.name=mslint", "-c", "user.email=mslint@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    \
             matchLabels: {{ app: {name} }}\n  template:\n    metadata:\n      labels: {{ app: {name} }}\n    \
             spec:\n      containers:\n        - name: {name}\n          image: registry.example.com/{name}:1.0.0\n"
        )
    };
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("k8s/web.yaml"), deployment("web")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "web"]);
    let base = git(&["rev-parse", "HEAD"]);
    std::fs::write(dir.join("k8s/api.yaml"), deployment("api")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "api"]);
    (base, git(&["rev-parse", "HEAD"]))
}

/// A `curl` that answers the GitHub API from files: the review comments already posted
/// (`CURL_POSTED`, or none), and a posted review, copied to `CURL_REVIEW`.
const FAKE_CURL: &str = r#"#!/usr/bin/env bash
data=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="${2#@}"; shift ;;
    http*) echo "$1" >> "$CURL_LOG" ;;
  esac
  shift
done
if [ -n "$data" ]; then cp "$data" "$CURL_REVIEW"; echo '{"id": 1}';
elif [ -f "${CURL_POSTED:-}" ]; then cat "$CURL_POSTED";
else echo '[]'; fi
"#;

#[test]
fn the_action_posts_fixes_for_the_lines_a_pull_request_changed_as_suggestions_once() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checkout = tempfile::tempdir().unwrap();
    let (base, head) = pull_request_repository(checkout.path());
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("curl"), FAKE_CURL).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("curl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let event = work.path().join("event.json");
    let pull_request =
        serde_json::json!({"pull_request": {"number": 7, "head": {"sha": head}, "base": {"sha": base}}});
    std::fs::write(&event, pull_request.to_string()).unwrap();
    let (review, posted, log, summary) = (
        work.path().join("review.json"),
        work.path().join("posted.json"),
        work.path().join("curl.log"),
        work.path().join("summary.md"),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = || {
        Command::new("bash")
            .arg(repo.join("action/run.sh"))
            .current_dir(checkout.path())
            .env("MSLINT", env!("CARGO_BIN_EXE_mslint"))
            .env("MSLINT_ARGS", "--select K8S011")
            .env("MSLINT_FAIL_ON", "none")
            .env("MSLINT_SARIF_FILE", work.path().join("report.sarif"))
            .env("MSLINT_SUGGESTIONS", "safe")
            .env("MSLINT_TOKEN", "token")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "example/platform")
            .env("GITHUB_API_URL", "https://api.example.com")
            .env("GITHUB_OUTPUT", work.path().join("outputs"))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("PATH", &path)
            .env("CURL_LOG", &log)
            .env("CURL_REVIEW", &review)
            .env("CURL_POSTED", &posted)
            .output()
            .unwrap()
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("posted 1 fix suggestion"), "{stdout}");

    let body: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&review).unwrap()).unwrap();
    assert_eq!(body["commit_id"], head.as_str());
    assert_eq!(body["event"], "COMMENT");
    let comments = body["comments"].as_array().unwrap();
    assert_eq!(
        comments.len(),
        1,
        "only the Deployment the pull request adds: {body}"
    );
    let comment = &comments[0];
    assert_eq!(comment["path"], "k8s/api.yaml");
    assert_eq!(comment["line"], 14);
    assert_eq!(comment["side"], "RIGHT");
    assert!(
        comment.get("start_line").is_none(),
        "one line replaced: {comment}"
    );
    let text = comment["body"].as_str().unwrap();
    assert!(
        text.starts_with("**mslint** K8S011: set `allowPrivilegeEscalation: false`\n\n```suggestion\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "```suggestion\n          image: registry.example.com/api:1.0.0\n          securityContext:\n            \
             allowPrivilegeEscalation: false\n```\n"
        ),
        "{text}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains(
            "https://api.example.com/repos/example/platform/pulls/7/comments?per_page=100&page=1\n"
        )
    );
    assert!(
        calls.ends_with("https://api.example.com/repos/example/platform/pulls/7/reviews\n"),
        "{calls}"
    );
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    let (_, fixes) = summary_text
        .split_once("## Fixes mslint can make")
        .expect("the summary shows the fixes");
    assert!(fixes.contains("+++ b/k8s/api.yaml"), "{fixes}");
    assert!(
        !fixes.contains("k8s/web.yaml"),
        "the base's finding is not the pull request's: {fixes}"
    );
    let unchanged = std::fs::read_to_string(checkout.path().join("k8s/api.yaml")).unwrap();
    assert!(
        !unchanged.contains("allowPrivilegeEscalation"),
        "suggestions leave the files as they are"
    );

    // On the next push, the suggestion already on the pull request is not posted again.
    std::fs::write(&posted, serde_json::Value::Array(comments.clone()).to_string()).unwrap();
    std::fs::remove_file(&review).unwrap();
    let second = run();
    assert_eq!(second.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("no new fix suggestion"), "{stdout}");
    assert!(!review.exists(), "nothing posted");
}
