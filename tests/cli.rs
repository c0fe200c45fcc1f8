//! The command line: exit codes, formats, bad input, determinism.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{CLEAN, DEPLOYMENT};
use predicates::prelude::*;

fn mslint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("mslint").expect("binary");
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Each finding of a JSON report by its `field` (`rule`, `path`), with whether it offers a fix.
fn fix_offered<'r>(report: &'r serde_json::Value, field: &str) -> Vec<(&'r str, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[field].as_str().unwrap(), f.get("fix").is_some()))
        .collect()
}

fn json(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output).expect("valid JSON")
}

fn rule_lines(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    common::finding_fields(report, &["rule", "path", "line"])
        .into_iter()
        .map(|f| (f[0].clone(), f[1].clone(), f[2].parse().unwrap()))
        .collect()
}

#[test]
fn exit_code_is_0_when_clean_1_on_errors_and_2_on_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok/config.yaml", CLEAN);
    write(dir.path(), "bad/deploy.yaml", DEPLOYMENT);
    mslint(dir.path()).arg("ok").assert().code(0);
    mslint(dir.path()).arg("bad").assert().code(1);
    mslint(dir.path())
        .arg("missing-dir")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    mslint(dir.path()).args(["--format", "xml", "."]).assert().code(2);
    mslint(dir.path())
        .args(["--select", "K8S999", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule"));
}

#[test]
fn fail_on_and_exit_zero_set_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    // K8S014 is a warning: below the default threshold, at or above `--fail-on warning`.
    mslint(dir.path())
        .args(["--select", "K8S014", "."])
        .assert()
        .code(0);
    mslint(dir.path())
        .args(["--select", "K8S014", "--fail-on", "warning", "."])
        .assert()
        .code(1);
    mslint(dir.path())
        .args(["--fail-on", "none", "."])
        .assert()
        .code(0);
    mslint(dir.path()).args(["--exit-zero", "."]).assert().code(0);
}

#[test]
fn an_empty_scan_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/ci.yml", "on: push\njobs: {}\n");
    mslint(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("nothing to check"));
}

#[test]
fn json_reports_every_field_of_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/deploy.yaml", DEPLOYMENT);
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S014"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "K8S014");
    assert_eq!(finding["name"], "image-tag-not-pinned");
    assert_eq!(finding["severity"], "warning");
    assert_eq!(finding["path"], "k8s/deploy.yaml");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(10), Some(18))
    );
    assert_eq!(
        (finding["end_line"].as_u64(), finding["end_column"].as_u64()),
        (Some(10), Some(34))
    );
    assert_eq!(
        finding["object"],
        serde_json::json!({"kind": "Deployment", "name": "cart"})
    );
    assert!(finding["help"].as_str().unwrap().starts_with("pin the image"));
    assert!(finding["guideline"].as_str().unwrap().starts_with("seed 001"));
    assert_eq!(report["summary"]["files_checked"], 1);
}

#[test]
fn github_annotations_carry_position_and_escaped_text() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let output = mslint(dir.path())
        .args(["--format", "github", "--select", "K8S014"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("::warning file=deploy.yaml,line=10,endLine=10,col=18,endColumn=34,title=K8S014%3A image-tag-not-pinned::Deployment `cart`"),
        "{text}"
    );
    assert!(text.contains("%0Apin the image"), "{text}");
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn sarif_has_rules_regions_and_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let out = dir.path().join("out.sarif");
    mslint(dir.path())
        .args(["--format", "sarif", "--output"])
        .arg(&out)
        .arg(".")
        .assert()
        .code(1)
        .stdout("");
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), mslint::rules::registry::ALL.len());
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !rule[field]["text"].as_str().unwrap().is_empty(),
                "{field} of {}",
                rule["id"]
            );
        }
    }
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "K8S014")
        .unwrap();
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "deploy.yaml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 10);
    assert_eq!(location["region"]["startColumn"], 18);
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "K8S014"
    );
    assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
    let k8s014 = rules.iter().find(|r| r["id"] == "K8S014").unwrap();
    assert_eq!(k8s014["properties"]["security-severity"], "5.5");
}

#[test]
fn fingerprints_survive_a_shifted_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let fingerprints = |dir: &Path| {
        let report = json(&mslint(dir).args(["--format", "json"]).output().unwrap().stdout);
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let before = fingerprints(dir.path());
    write(dir.path(), "deploy.yaml", format!("# a comment\n\n{DEPLOYMENT}"));
    assert_eq!(before, fingerprints(dir.path()));
}

#[test]
fn files_named_like_pre_commit_passes_them_are_checked_and_others_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    write(dir.path(), "README.md", "# hi");
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nUSER app\nCMD [\"/app\"]\n",
    );
    let output = mslint(dir.path())
        .args(["--format", "json", "deploy.yaml", "README.md", "Dockerfile"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    assert_eq!(report["summary"]["files_checked"], 2);
    assert!(
        rule_lines(&report)
            .iter()
            .all(|(_, path, _)| path == "deploy.yaml")
    );
}

#[test]
fn bad_files_become_diagnostics_and_the_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a-binary.yaml", b"\x7fELF\x00\x01\x02apiVersion");
    write(
        dir.path(),
        "b-latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  city: K\xf6ln\n",
    );
    write(
        dir.path(),
        "c-broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"unclosed\n",
    );
    write(dir.path(), "d-empty.yaml", "");
    write(dir.path(), "z-deploy.yaml", DEPLOYMENT);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("loop-b.yaml", dir.path().join("loop-a.yaml")).unwrap();
        std::os::unix::fs::symlink("loop-a.yaml", dir.path().join("loop-b.yaml")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("self-dir")).unwrap();
    }
    let output = mslint(dir.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output.stdout);
    let found = rule_lines(&report);
    let ms000 = |path: &str, line: u64| found.contains(&("MS000".to_owned(), path.to_owned(), line));
    assert!(ms000("a-binary.yaml", 1), "{found:?}");
    assert!(ms000("b-latin1.yaml", 4), "{found:?}");
    assert!(
        ms000("c-broken.yaml", 5) || ms000("c-broken.yaml", 4),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, path, _)| path == "d-empty.yaml"),
        "{found:?}"
    );
    #[cfg(unix)]
    {
        assert!(ms000("loop-a.yaml", 1) && ms000("loop-b.yaml", 1), "{found:?}");
        assert!(
            !found.iter().any(|(_, path, _)| path.starts_with("self-dir")),
            "{found:?}"
        );
    }
    assert!(
        found.contains(&("K8S014".to_owned(), "z-deploy.yaml".to_owned(), 10)),
        "{found:?}"
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_is_a_diagnostic() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "locked.yaml", DEPLOYMENT);
    write(dir.path(), "open.yaml", DEPLOYMENT);
    let locked = dir.path().join("locked.yaml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Permissions do not stop root; a link to /proc/self/mem, outside the tree, is not read.
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("mem.yaml")).unwrap();
    let report = json(
        &mslint(dir.path())
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    );
    let found = rule_lines(&report);
    assert!(
        found.contains(&("MS000".to_owned(), "mem.yaml".to_owned(), 1)),
        "{found:?}"
    );
    if std::fs::read(&locked).is_err() {
        assert!(
            found.contains(&("MS000".to_owned(), "locked.yaml".to_owned(), 1)),
            "{found:?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|(rule, path, _)| rule == "K8S014" && path == "open.yaml")
    );
}

#[test]
fn a_five_megabyte_manifest_is_checked_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(CLEAN);
        text.push_str("---\n");
    }
    let last_line = text.lines().count() + 1;
    text.push_str(DEPLOYMENT);
    write(dir.path(), "big.yaml", &text);
    let report = json(
        &mslint(dir.path())
            .args(["--format", "json", "--select", "K8S014"])
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(
        rule_lines(&report),
        [("K8S014".to_owned(), "big.yaml".to_owned(), (last_line + 9) as u64)]
    );
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let run = |jobs: &str| {
        mslint(&corpus)
            .args(["--format", "sarif", "--jobs", jobs, "."])
            .output()
            .unwrap()
            .stdout
    };
    let first = run("1");
    assert!(!first.is_empty());
    assert_eq!(first, run("2"));
    assert_eq!(first, run("4"));
    // Zero is the default, and an absurd count is held to a few workers per core instead of
    // starting that many threads.
    assert_eq!(first, run("0"));
    assert_eq!(first, run("1000000"));
}

#[test]
fn rules_lists_every_rule_and_explain_prints_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    let listing = mslint(dir.path()).arg("rules").output().unwrap();
    let text = String::from_utf8(listing.stdout).unwrap();
    for rule in mslint::rules::registry::ALL {
        assert!(text.contains(rule.meta().id) && text.contains(rule.meta().name));
    }
    mslint(dir.path())
        .args(["explain", "k8s002"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("# K8S002 missing-readiness-probe")
                .and(predicate::str::contains("## Use instead")),
        );
    mslint(dir.path()).args(["explain", "NOPE001"]).assert().code(2);
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    mslint(dir.path())
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("Exit codes")));
    mslint(dir.path())
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("mslint "));
}

#[test]
fn human_output_never_echoes_the_secret_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
    write(
        dir.path(),
        "deploy.yaml",
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  template:\n    spec:\n      containers:\n        - name: server\n          image: shop/cart:1.0.0\n          env:\n            - name: GITHUB_TOKEN\n              value: {secret}\n            - name: OTHER\n              value: plain\n"
        ),
    );
    let output = mslint(dir.path())
        .args(["--format", "human", "--select", "K8S005,SEC001"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("K8S005"), "{text}");
    assert!(text.contains("******"), "the secret is shown masked: {text}");
    assert!(!text.contains(&secret[4..]), "{text}");
}

#[test]
fn human_output_masks_the_secret_values_and_never_the_key_a_finding_points_at() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: Zq8vLx2mP4tR\n",
    );
    write(
        dir.path(),
        "config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  notes.txt: |\n    GH=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n    LOG=info\n",
    );
    let output = mslint(dir.path())
        .args(["--format", "human", "--select", "K8S026,K8S006"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("K8S026") && text.contains("K8S006"), "{text}");
    assert!(text.contains("│ stringData"), "the key is shown: {text}");
    assert!(text.contains("│ notes.txt"), "the key is shown: {text}");
    assert!(!text.contains("**********"), "no key is starred out: {text}");
    assert!(
        !text.contains("Zq8vLx2mP4tR") && !text.contains("aBcDeFgHiJkL"),
        "{text}"
    );
}

#[test]
fn a_rendered_helm_chart_on_standard_input_is_reported_at_its_template_paths() {
    let dir = tempfile::tempdir().unwrap();
    let stream = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rendered/helm-create-demo.yaml"),
    )
    .unwrap();
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S011,K8S014", "-"])
        .write_stdin(stream)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let found = rule_lines(&json(&output.stdout));
    assert_eq!(
        found,
        [
            ("K8S011".into(), "demo/templates/deployment.yaml".into(), 31),
            (
                "K8S011".into(),
                "demo/templates/tests/test-connection.yaml".into(),
                15
            ),
            (
                "K8S014".into(),
                "demo/templates/tests/test-connection.yaml".into(),
                16
            ),
        ]
    );
}

#[test]
fn a_plain_stream_on_standard_input_takes_the_name_given() {
    let dir = tempfile::tempdir().unwrap();
    let output = mslint(dir.path())
        .args([
            "--format",
            "json",
            "--stdin-filename",
            "build/Dockerfile",
            "--select",
            "DF005",
            "-",
        ])
        .write_stdin("FROM ubuntu\nRUN true\n")
        .output()
        .unwrap();
    assert_eq!(
        rule_lines(&json(&output.stdout)),
        [("DF005".into(), "build/Dockerfile".into(), 1)]
    );
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S014", "-"])
        .write_stdin(DEPLOYMENT)
        .output()
        .unwrap();
    assert_eq!(
        rule_lines(&json(&output.stdout)),
        [("K8S014".into(), "<stdin>".into(), 10)]
    );
}

#[test]
fn github_annotations_stop_at_ten_per_level_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..12 {
        write(dir.path(), &format!("deploy-{n:02}.yaml"), DEPLOYMENT);
    }
    let output = mslint(dir.path())
        .args(["--format", "github", "--select", "K8S001,K8S014"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), 10, "{text}");
    assert_eq!(count("::warning "), 10, "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("mslint: 2 errors, 2 warnings more not shown as annotations"),
        "{last}"
    );
}

#[test]
fn statistics_count_findings_per_rule_most_frequent_first() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "b.yaml",
        DEPLOYMENT.replace("shop/cart:latest", "shop/cart:1.0.0"),
    );
    let output = mslint(dir.path())
        .args(["--statistics", "--select", "K8S001,K8S014"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "2  K8S001  missing-liveness-probe (error)\n1  K8S014  image-tag-not-pinned (warning)\n"
    );
}

#[test]
fn completion_scripts_are_valid_shell() {
    let dir = tempfile::tempdir().unwrap();
    let output = mslint(dir.path()).args(["completions", "bash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let script = dir.path().join("mslint.bash");
    std::fs::write(&script, &output.stdout).unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("--fail-on"));
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(syntax.success());
}

#[test]
fn gitlab_issues_have_unique_fingerprints_and_one_issue_per_finding() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples");
    let run = |format: &str| {
        json(
            &mslint(&examples)
                .args(["--format", format, "."])
                .output()
                .unwrap()
                .stdout,
        )
    };
    let issues = run("gitlab");
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), run("json")["findings"].as_array().unwrap().len());
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len());
    assert!(
        issues
            .iter()
            .all(|i| i["location"]["positions"]["begin"]["line"].as_u64() >= Some(1))
    );
}

#[test]
fn diff_base_keeps_only_findings_the_change_is_responsible_for() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    write(dir.path(), "old.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "edited.yaml",
        format!("{DEPLOYMENT}---\n{DEPLOYMENT}"),
    );
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    // The second document's image changes; a new file appears.
    let edited = format!(
        "{DEPLOYMENT}---\n{}",
        DEPLOYMENT.replace("shop/cart:latest", "shop/cart")
    );
    write(dir.path(), "edited.yaml", edited);
    write(dir.path(), "new.yaml", DEPLOYMENT);
    let output = mslint(dir.path())
        .args([
            "--format",
            "json",
            "--select",
            "K8S001,K8S014",
            "--diff-base",
            "HEAD",
        ])
        .output()
        .unwrap();
    assert_eq!(
        rule_lines(&json(&output.stdout)),
        [
            ("K8S001".into(), "edited.yaml".into(), 20),
            ("K8S014".into(), "edited.yaml".into(), 21),
            ("K8S001".into(), "new.yaml".into(), 9),
            ("K8S014".into(), "new.yaml".into(), 10),
        ]
    );
    let outside = tempfile::tempdir().unwrap();
    mslint(outside.path())
        .args(["--diff-base", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--diff-base"));
}

#[test]
fn html_report_is_one_self_contained_page() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples");
    let output = mslint(&examples)
        .args(["--format", "html", "."])
        .output()
        .unwrap();
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    for external in ["src=", "href=", "@import", "url("] {
        assert!(
            !page.contains(external),
            "{external} loads something from elsewhere"
        );
    }
    assert!(page.contains("<table id=\"namespaces\">") && page.contains("<table id=\"services\">"));
    assert_eq!(page.matches("<article class=\"finding\"").count(), 20);
}

#[test]
fn a_configured_severity_leaves_a_finding_its_rule_lowered_to_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let pod = |kind: &str, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{ name: logs }}\nspec:\n  template:\n    spec:\n      \
             containers: [{{ name: shipper, image: {image} }}]\n      \
             volumes: [{{ name: varlog, hostPath: {{ path: /var/log }} }}]\n"
        )
    };
    write(
        dir.path(),
        "agent.yaml",
        pod("DaemonSet", "fluent/fluent-bit:3.0.4"),
    );
    write(dir.path(), "app.yaml", pod("Deployment", "shop/logs:1.0.0"));
    write(dir.path(), ".mslint.yaml", "rules:\n  K8S024: error\n");
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S024"])
        .output()
        .unwrap();
    assert_eq!(
        common::finding_fields(&json(&output.stdout), &["path", "severity"]),
        [["agent.yaml", "note"], ["app.yaml", "error"]]
    );
}

#[test]
fn a_configuration_file_turns_rules_off_sets_severities_and_excludes_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/deploy.yaml", DEPLOYMENT);
    write(dir.path(), "legacy/deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        ".mslint.yaml",
        "fail-on: warning\nexclude: [\"legacy/**\"]\nrules:\n  NS: off\n  K8S: off\n  K8S014: error\n  K8S001: on\n",
    );
    let output = mslint(dir.path()).args(["--format", "json"]).output().unwrap();
    let report = json(&output.stdout);
    let found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("K8S001".into(), "error".into(), "app/deploy.yaml".into()),
            ("K8S014".into(), "error".into(), "app/deploy.yaml".into()),
        ]
    );
    assert_eq!(output.status.code(), Some(1));

    // The command line wins over the environment, which wins over the file.
    let shown = mslint(dir.path())
        .env("MSLINT_FAIL_ON", "note")
        .args(["--show-config", "--namespace", "shop"])
        .output()
        .unwrap();
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("fail-on = note  (environment MSLINT_FAIL_ON)"),
        "{text}"
    );
    assert!(text.contains("namespace = shop  (command line)"), "{text}");
    assert!(
        text.contains("rules.K8S014 = error  (.mslint.yaml:6:3)"),
        "{text}"
    );
    let isolated = mslint(dir.path())
        .args(["--isolated", "--format", "json"])
        .output()
        .unwrap();
    let rules = rule_lines(&json(&isolated.stdout));
    assert!(rules.iter().any(|(rule, _, _)| rule == "NS001"));
    assert!(rules.iter().any(|(_, path, _)| path.starts_with("legacy/")));
}

#[test]
fn a_broken_configuration_stops_the_run_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        ".mslint.yaml",
        "fail-on: error\nrules:\n  K8S0014: off\n",
    );
    mslint(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ".mslint.yaml:3:3: unknown rule or family `K8S0014`; did you mean `K8S014`?",
        ));
}

#[test]
fn init_writes_a_starter_configuration_once() {
    let dir = tempfile::tempdir().unwrap();
    mslint(dir.path()).arg("init").assert().code(0);
    let written = std::fs::read_to_string(dir.path().join(".mslint.yaml")).unwrap();
    assert!(written.contains("fail-on: error"));
    mslint(dir.path()).arg("init").assert().code(2);
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    mslint(dir.path()).arg("--show-config").assert().code(0);
}

#[test]
fn a_baseline_survives_moved_lines_and_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    write(dir.path(), "old.yaml", DEPLOYMENT.replace("cart", "orders"));
    mslint(dir.path())
        .args(["--write-baseline", "baseline.json", "--select", "K8S001,K8S014"])
        .assert()
        .code(1);
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(!baseline.contains("\"line\""), "no line numbers: {baseline}");
    // Every line moves; one new container brings one new finding; old.yaml is fixed.
    let edited = format!(
        "# moved down\n\n{}        - name: sidecar\n          image: shop/proxy:1.0\n",
        DEPLOYMENT
    );
    write(dir.path(), "deploy.yaml", edited);
    std::fs::remove_file(dir.path().join("old.yaml")).unwrap();
    let output = mslint(dir.path())
        .args([
            "--format",
            "json",
            "--select",
            "K8S001,K8S014",
            "--baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        rule_lines(&json(&output.stdout)),
        [("K8S001".into(), "deploy.yaml".into(), 13)]
    );
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(
        summary.contains("4 findings recorded, 2 of them fixed; 1 new"),
        "{summary}"
    );
    mslint(dir.path())
        .args(["--baseline", "missing.json"])
        .assert()
        .code(2);
}

#[test]
fn suppressed_findings_are_counted_not_failing_and_shown_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy.yaml",
        DEPLOYMENT
            .replace(
                "        - name: server\n",
                "        # mslint ignore=K8S001 reason=\"probed by the sidecar\"\n        - name: server\n",
            )
            .replace("cart:latest\n", "cart:latest  # mslint ignore=K8S014\n"),
    );
    let run = |args: &[&str]| {
        mslint(dir.path())
            .args(["--select", "K8S001,K8S014,MS001,MS003"])
            .args(args)
            .output()
            .unwrap()
    };
    let quiet = run(&["--format", "json"]);
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "suppressed findings do not fail the run"
    );
    assert_eq!(rule_lines(&json(&quiet.stdout)), []);
    let human = run(&[]);
    assert!(String::from_utf8_lossy(&human.stderr).contains("2 suppressed"));

    let shown = json(&run(&["--format", "json", "--show-suppressed"]).stdout);
    let reasons: Vec<(&str, &str)> = shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["suppressed"]["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(reasons, [("K8S001", "probed by the sidecar"), ("K8S014", "")]);

    let sarif = json(&run(&["--format", "sarif"]).stdout);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
    let sarif = json(&run(&["--format", "sarif", "--sarif-suppressed"]).stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "probed by the sidecar" }])
    );
}

#[test]
fn rule_options_from_the_configuration_change_what_rules_ask_for() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy.yaml",
        DEPLOYMENT
            .replace("spec:\n  template:", "spec:\n  replicas: 2\n  template:")
            .replace("shop/cart:latest", "shop/cart:1.4.2"),
    );
    let select = ["--format", "json", "--select", "K8S014,K8S016"];
    let before = mslint(dir.path()).args(select).output().unwrap();
    assert_eq!(rule_lines(&json(&before.stdout)), []);
    write(
        dir.path(),
        ".mslint.yaml",
        "rules:\n  K8S016: { options: { min-replicas: 3 } }\n  K8S014:\n    options:\n      allowed-registries: [ghcr.io/shop]\n",
    );
    let after = mslint(dir.path()).args(select).output().unwrap();
    assert_eq!(
        rule_lines(&json(&after.stdout)),
        [
            ("K8S016".into(), "deploy.yaml".into(), 6),
            ("K8S014".into(), "deploy.yaml".into(), 11),
        ]
    );
    let text = String::from_utf8(after.stdout).unwrap();
    assert!(
        text.contains("runs 2 replicas, fewer than the 3 the configuration asks for"),
        "{text}"
    );
    assert!(
        text.contains("comes from `docker.io`, which is not an allowed registry (ghcr.io/shop)"),
        "{text}"
    );
}

#[test]
fn a_committed_secret_of_demo_values_is_a_note_whatever_severity_the_configuration_sets() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secrets.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: { name: demo }\nstringData: { username: bob, password: bob-password }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: real }\nstringData: { password: Zq8vLx2mP4tR }\n",
    );
    write(dir.path(), ".mslint.yaml", "rules:\n  K8S026: error\n");
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S026"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    let severities: Vec<(u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(severities, [(4, "note"), (9, "error")]);
}

#[test]
fn secret_name_patterns_from_the_configuration_extend_what_counts_as_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let env =
        "          env:\n            - name: ACME_WEBHOOK_SIG\n              value: 9f8e7d6c5b4a39281706\n";
    write(dir.path(), "deploy.yaml", format!("{DEPLOYMENT}{env}"));
    write(
        dir.path(),
        "settings.yaml",
        "apiVersion: example.com/v1\nkind: Settings\nmetadata:\n  name: acme\nspec:\n  acmeWebhookSig: 9f8e7d6c5b4a39281706\n",
    );
    let select = ["--format", "json", "--select", "K8S005,SEC001"];
    let before = mslint(dir.path()).args(select).output().unwrap();
    assert_eq!(rule_lines(&json(&before.stdout)), []);
    write(
        dir.path(),
        ".mslint.yaml",
        "rules:\n  K8S005: { options: { secret-names: [\"^ACME_.*_SIG$\"] } }\n  SEC001: { options: { secret-names: [\"(?i)^acme.*sig$\"] } }\n",
    );
    let after = mslint(dir.path()).args(select).output().unwrap();
    assert_eq!(
        rule_lines(&json(&after.stdout)),
        [
            // A pod's env var is K8S005's; SEC001 judges the rest.
            ("K8S005".into(), "deploy.yaml".into(), 13),
            ("SEC001".into(), "settings.yaml".into(), 6),
        ]
    );
}

/// A Deployment the example policies of `rules/` have something to say about.
const PROD_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n  namespace: prod\n  labels: { team: shop }\nspec:\n  replicas: 60\n  template:\n    spec:\n      containers:\n        - name: server\n          image: docker.io/shop/cart:latest\n";

#[test]
fn rego_policies_report_at_their_paths_and_their_tests_run() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", PROD_DEPLOYMENT);
    let output = mslint(dir.path())
        .args([
            "--format",
            "json",
            "--select",
            "K8S014,ORG001,ORG002,ORG003,ORG004,ORG005",
            "--policy",
        ])
        .arg(repo.join("rules"))
        .arg("deploy.yaml")
        .output()
        .unwrap();
    let found: Vec<(String, u64)> = rule_lines(&json(&output.stdout))
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect();
    assert_eq!(
        found,
        [
            // Two recommended labels are missing, one warning each.
            ("ORG005".into(), 6),
            ("ORG005".into(), 6),
            ("ORG004".into(), 8),
            ("K8S014".into(), 13),
            ("ORG002".into(), 13),
            ("ORG003".into(), 13),
        ]
    );
    assert_eq!(output.status.code(), Some(1));

    mslint(dir.path())
        .args(["policy", "test"])
        .arg(repo.join("rules"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("25 tests, 25 passed, 0 failed"));
    write(
        dir.path(),
        "policies/p.rego",
        "package main\ndeny contains \"x\" if { input.kind == \"Deployment\" }\n",
    );
    write(
        dir.path(),
        "policies/p_test.rego",
        "package main\ntest_nothing_denied if { count(deny) == 0 with input as {\"kind\": \"Deployment\"} }\n",
    );
    mslint(dir.path())
        .args(["policy", "test", "policies"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL policies/p_test.rego: test_nothing_denied",
        ));
    write(
        dir.path(),
        "policies/p.rego",
        "package main\ndeny contains msg if {\n  msg := \n}\n",
    );
    mslint(dir.path())
        .args(["--policy", "policies", "deploy.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("policies/p.rego:"));
    // A function that calls itself would overflow the stack: it is refused before it runs.
    write(
        dir.path(),
        "policies/p.rego",
        "package main
import rego.v1
g(x) := h(x)
h(x) := g(x)
deny contains msg if { msg := g(1) }
",
    );
    for args in [
        &["--policy", "policies", "deploy.yaml"][..],
        &["policy", "test", "policies"],
    ] {
        mslint(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "policies/p.rego: a function calls itself (data.main.g -> data.main.h -> data.main.g)",
            ));
    }
}

#[test]
fn policy_rules_are_selected_ignored_and_configured_by_their_ids() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", PROD_DEPLOYMENT);
    let findings = |args: &[&str]| -> Vec<Vec<String>> {
        let output = mslint(dir.path())
            .args(["--format", "json", "--policy"])
            .arg(repo.join("rules"))
            .args(args)
            .arg("deploy.yaml")
            .output()
            .unwrap();
        common::finding_fields(&json(&output.stdout), &["rule", "severity", "line"])
    };
    assert_eq!(findings(&["--select", "org004"]), [["ORG004", "warning", "8"]]);
    let ignored = findings(&["--select", "ORG002,ORG003,ORG004", "--ignore", "ORG003"]);
    assert_eq!(
        ignored.iter().map(|f| f[0].as_str()).collect::<Vec<_>>(),
        ["ORG004", "ORG002"]
    );

    write(
        dir.path(),
        ".mslint.yaml",
        "rules:\n  K8S: off\n  NS: off\n  ORG004: error\n  org002: off\n  POLICY: note\n",
    );
    assert_eq!(
        findings(&[]),
        [
            ["ORG005", "note", "6"],
            ["ORG005", "note", "6"],
            ["ORG004", "error", "8"],
            ["ORG003", "note", "13"],
        ]
    );
    write(
        dir.path(),
        ".mslint.yaml",
        "rules:\n  K8S: off\n  NS: off\n  POLICY: off\n  ORG005: on\n",
    );
    assert_eq!(
        findings(&[]),
        [["ORG005", "warning", "6"], ["ORG005", "warning", "6"]]
    );
    // The command line wins over the file.
    assert_eq!(findings(&["--select", "ORG003"]), [["ORG003", "error", "13"]]);

    write(
        dir.path(),
        ".mslint.yaml",
        "rules:\n  K8S001: off\n  ORG0004: error\n",
    );
    mslint(dir.path())
        .args(["--policy"])
        .arg(repo.join("rules"))
        .arg("deploy.yaml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ".mslint.yaml:3:3: unknown rule or family `ORG0004`; did you mean `ORG004`?",
        ));
    mslint(dir.path())
        .args(["--isolated", "--select", "ORG004", "deploy.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `ORG004`"));
}

#[cfg(unix)]
#[test]
fn pipes_are_never_opened_in_the_tree_or_a_build_context() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "deploy/app.yaml", DEPLOYMENT);
    write(repo.path(), "image/Dockerfile", "FROM alpine\n");
    let pipe = |name: &str| {
        let made = std::process::Command::new("mkfifo")
            .arg(repo.path().join(name))
            .status()
            .unwrap();
        assert!(made.success());
    };
    // No writer ever comes: opening any of them to read would wait for ever.
    pipe("deploy/pipe.yaml");
    pipe("image/.npmrc");
    pipe("image/.env");
    let scan = |path: &str| {
        let output = mslint(repo.path())
            .timeout(std::time::Duration::from_secs(60))
            .args(["--format", "json", path])
            .output()
            .unwrap();
        common::finding_fields(&json(&output.stdout), &["rule", "path", "severity"])
    };
    let found = scan(".");
    let row =
        |rule: &str, path: &str, severity: &str| vec![rule.to_owned(), path.to_owned(), severity.to_owned()];
    assert!(
        found.contains(&row("MS000", "deploy/pipe.yaml", "note")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f[0] == "K8S014" && f[1] == "deploy/app.yaml"),
        "{found:?}"
    );
    assert!(
        found.contains(&row("DF005", "image/Dockerfile", "warning")),
        "{found:?}"
    );
    assert_eq!(
        scan("deploy/pipe.yaml"),
        vec![row("MS000", "deploy/pipe.yaml", "note")]
    );
}

#[cfg(unix)]
#[test]
fn links_that_lead_outside_the_scanned_tree_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "kubeconfig.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: runner\nstringData:\n  token: runner-credential-4f9a8b7c6d5e\n",
    );
    write(outside.path(), "dir/more.yaml", DEPLOYMENT);
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(repo.path(), "deploy/app.yaml", DEPLOYMENT);
    write(repo.path(), "shared/base.yaml", DEPLOYMENT);
    let link =
        |target: &Path, name: &str| std::os::unix::fs::symlink(target, repo.path().join(name)).unwrap();
    link(&outside.path().join("kubeconfig.yaml"), "deploy/env.yaml");
    link(&outside.path().join("dir"), "deploy/linked-dir");
    link(Path::new("/proc/self/environ"), "deploy/environ.yaml");
    // A link inside the work tree is read, even from another folder of it.
    link(&repo.path().join("shared/base.yaml"), "deploy/base.yaml");
    std::os::unix::fs::symlink("loop.yaml", repo.path().join("deploy/loop.yaml")).unwrap();
    for format in ["json", "human", "sarif", "github"] {
        let output = mslint(repo.path())
            .args(["--format", format, "deploy"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(!text.contains("runner-credential"), "{format}: {text}");
        assert!(!text.contains("PATH="), "{format}: {text}");
    }
    let output = mslint(repo.path())
        .args(["--format", "json", "deploy"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    let found = common::finding_fields(&report, &["rule", "path", "severity"]);
    for unread in ["deploy/env.yaml", "deploy/environ.yaml"] {
        assert!(
            found.contains(&vec!["MS000".to_owned(), unread.to_owned(), "note".to_owned()]),
            "{found:?}"
        );
    }
    assert!(
        found.iter().all(|f| !f[1].starts_with("deploy/linked-dir")),
        "{found:?}"
    );
    assert!(found.contains(&vec![
        "MS000".to_owned(),
        "deploy/loop.yaml".to_owned(),
        "error".to_owned()
    ]));
    for checked in ["deploy/app.yaml", "deploy/base.yaml"] {
        assert!(
            found.iter().any(|f| f[0] == "K8S014" && f[1] == checked),
            "{found:?}"
        );
    }
    // A file named on the command line, as a hook names it, is held to the same limit.
    let named = mslint(repo.path())
        .args(["--format", "json", "deploy/env.yaml"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&named.stdout).contains("runner-credential"));
    assert_eq!(named.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn a_nested_repository_and_a_linked_scan_folder_are_held_to_their_own_tree() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::create_dir(outer.path().join(".git")).unwrap();
    write(
        outer.path(),
        ".kube/config.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: outer-credential-8e1d\nstringData:\n  token: x\n",
    );
    std::fs::create_dir_all(outer.path().join("inner/.git")).unwrap();
    write(outer.path(), "inner/app.yaml", DEPLOYMENT);
    std::os::unix::fs::symlink("../.kube/config.yaml", outer.path().join("inner/kube.yaml")).unwrap();
    // The scanned folder is a repository of its own: the one around it is outside.
    for args in [vec!["inner"], vec!["inner/kube.yaml"]] {
        let output = mslint(outer.path())
            .args(["--format", "json"])
            .args(&args)
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("outer-credential"),
            "{args:?}"
        );
    }
    // A folder named on the command line that is itself a link out of its repository.
    let elsewhere = tempfile::tempdir().unwrap();
    write(
        elsewhere.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: elsewhere-credential-51c2\n",
    );
    std::os::unix::fs::symlink(elsewhere.path(), outer.path().join("linked")).unwrap();
    let output = mslint(outer.path())
        .args(["--format", "json", "linked"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains("elsewhere-credential"));
    let found = common::finding_fields(&json(&output.stdout), &["rule", "path", "severity"]);
    assert_eq!(found, [["MS000", "linked", "note"]]);
}

#[cfg(unix)]
#[test]
fn files_whose_names_are_no_utf8_or_show_alike_are_each_checked() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = |bytes: &[u8]| dir.path().join(std::ffi::OsStr::from_bytes(bytes));
    let named = |app: &str| DEPLOYMENT.replace("name: cart", &format!("name: {app}"));
    std::fs::write(name(b"caf\xe9.yaml"), named("first")).unwrap();
    std::fs::write(name(b"caf\xff.yaml"), named("second")).unwrap();
    // Shown escaped, the escape byte reads as the six characters of the other name.
    std::fs::write(name(b"x\x1b.yaml"), named("third")).unwrap();
    std::fs::write(name(b"x\\u{1b}.yaml"), named("fourth")).unwrap();
    let output = mslint(dir.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    let mut checked: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "K8S014")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["object"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    checked.sort();
    let shown = |path: &str, app: &str| (path.to_owned(), app.to_owned());
    assert_eq!(
        checked,
        [
            shown("caf\u{fffd}.yaml", "first"),
            shown("caf\u{fffd}.yaml", "second"),
            shown("x\\u{1b}.yaml", "fourth"),
            shown("x\\u{1b}.yaml", "third"),
        ]
    );
}

#[cfg(unix)]
#[test]
fn configuration_and_policies_of_the_repository_are_read_only_inside_it() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "credentials.yaml",
        "runner-credential-4f9a8b7c: 1\n",
    );
    write(outside.path(), "steal.rego", "runner-credential-4f9a8b7c\n");
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(repo.path(), "deploy/app.yaml", DEPLOYMENT);
    let link =
        |target: &Path, name: &str| std::os::unix::fs::symlink(target, repo.path().join(name)).unwrap();
    let refused = |expected: &str| {
        let output = mslint(repo.path()).args(["--format", "json"]).output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            !format!("{stdout}{stderr}").contains("runner-credential"),
            "{stderr}"
        );
    };
    // A configuration file that is a link out of the repository.
    link(&outside.path().join("credentials.yaml"), ".mslint.yaml");
    refused("not read: a symbolic link to");
    std::fs::remove_file(repo.path().join(".mslint.yaml")).unwrap();
    // A configuration naming a policy folder outside the repository.
    write(repo.path(), ".mslint.yaml", "policies: [\"../..\"]\n");
    refused("outside the configuration's repository");
    // A policy of the repository's folder that is a link out of it, or a pipe.
    write(repo.path(), ".mslint.yaml", "policies: [policy]\n");
    std::fs::create_dir(repo.path().join("policy")).unwrap();
    link(&outside.path().join("steal.rego"), "policy/steal.rego");
    refused("outside its folder's repository");
    std::fs::remove_file(repo.path().join("policy/steal.rego")).unwrap();
    let fifo = repo.path().join("policy/wait.rego");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    refused("named pipe, not a regular file");
    std::fs::remove_file(&fifo).unwrap();
    // Without them, the run goes on.
    let output = mslint(repo.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    // Files named on the command line are read up to a limit, never for ever.
    for flag in ["--config", "--baseline"] {
        let output = mslint(repo.path()).args([flag, "/dev/zero"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains("larger than"), "{flag}: {stderr}");
    }
}

#[test]
fn control_characters_from_the_files_never_reach_a_report_raw() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = DEPLOYMENT.replacen("name: cart", "name: \"cart\\e[31m\\rX\\u202e\"", 1);
    write(dir.path(), "deploy.yaml", &deployment);
    #[cfg(unix)]
    write(dir.path(), "odd\u{1b}[2Jname.yaml", DEPLOYMENT);
    // A namespace, a suppression's reason and a comment of the snippet, each with controls and
    // a line break that would start a line of its own (a CI log reads `::error::` lines).
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: \"ns\\e[31m\\u202e\\u009b\\n::injected\"\n  \
         annotations:\n    ignore-check.mslint.io/K8S011: \"why\\e[31m\\r\\n::injected\\u202e\"\nspec:\n  containers:\n  \
         - name: c\n    image: nginx:1.25\n    securityContext:\n      privileged: true # x\u{202e}y\n\
         ---\n# raw x\u{1b}[32m\u{202e}\u{9b}y, a document kubectl refuses and MS000 quotes\n",
    );
    // A help text that quotes a value holding a line break (IST007's example subset).
    write(
        dir.path(),
        "mesh.yaml",
        "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  \
         hosts: [r]\n  http:\n  - route:\n    - destination: {host: r, subset: \"v9\\n::injected\"}\n---\n\
         apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  \
         host: r\n  subsets:\n  - {name: v1, labels: {version: v1}}\n",
    );
    for format in [
        "human", "json", "sarif", "github", "gitlab", "junit", "markdown", "html",
    ] {
        let output = mslint(dir.path())
            .args(["--format", format, "--show-suppressed"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("cart"), "{format}: {text}");
        // The compliance summary (markdown) counts broken references without listing them.
        assert!(
            format == "markdown" || text.contains("IST007"),
            "{format}: {text}"
        );
        if matches!(format, "human" | "json" | "sarif") {
            assert!(
                text.contains("why"),
                "{format} shows the suppression's reason: {text}"
            );
        }
        let raw: Vec<char> = text
            .chars()
            .filter(|c| {
                (c.is_control() && !matches!(c, '\n' | '\t')) || ('\u{202a}'..='\u{202e}').contains(c)
            })
            .collect();
        assert!(raw.is_empty(), "{format} prints {raw:?}");
        let injected = text
            .lines()
            .find(|line| line.trim_start().starts_with("::injected"));
        assert_eq!(injected, None, "{format}: {text}");
    }
}

#[test]
fn long_names_wrap_whole_in_the_terminal_report() {
    let dir = tempfile::tempdir().unwrap();
    let name = "checkout-payment-gateway-reconciliation-worker-eu-west";
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: payments-production\n\
         spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: worker\n          \
         image: registry.example.com/payments/{name}:latest\n"
    );
    write(dir.path(), "deploy.yaml", &manifest);
    let output = mslint(dir.path()).args(["--color", "never"]).output().unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    // Lines are broken at spaces only: a name, an image or a command a person copies out of a
    // wrapped message or suggested manifest is whole.
    assert!(
        !shown
            .lines()
            .any(|line| line.ends_with('-') || line.ends_with('/')),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("kind: Deployment, name:\n        {name} }}")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("`registry.example.com/payments/{name}:latest`")),
        "{shown}"
    );
}

#[test]
fn timings_say_where_the_time_went() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let output = mslint(dir.path())
        .args(["--timings", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    for phase in ["discover ", "parse ", "index ", "rules ", "findings ", "report "] {
        assert!(stderr.contains(phase), "{stderr}");
    }
    assert!(
        stderr.contains("(all workers): ") && stderr.contains("K8S "),
        "{stderr}"
    );
    assert!(stderr.contains("slowest cross-file rules: "), "{stderr}");
    // The report itself is unchanged.
    json(&output.stdout);
    let quiet = mslint(dir.path()).args(["--format", "json"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("timings"));
}

#[test]
fn parse_only_reports_what_cannot_be_parsed_and_runs_no_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: [a, b\n",
    );
    let output = mslint(dir.path())
        .args(["--parse-only", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a file that cannot be parsed is an error"
    );
    let report = json(&output.stdout);
    assert_eq!(
        rule_lines(&report),
        [("MS000".to_owned(), "broken.yaml".to_owned(), 3)]
    );
    assert_eq!(report["summary"]["files_checked"], 2);
    // SARIF describes the one rule that ran.
    let sarif = json(
        &mslint(dir.path())
            .args(["--parse-only", "--format", "sarif"])
            .output()
            .unwrap()
            .stdout,
    );
    let described: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(described, ["MS000"]);
    // The full run finds the Deployment's problems too.
    let full = json(
        &mslint(dir.path())
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        rule_lines(&full)
            .iter()
            .any(|(rule, path, _)| rule != "MS000" && path == "deploy.yaml")
    );
    let conflict = mslint(dir.path())
        .args(["--parse-only", "--select", "K8S001"])
        .output()
        .unwrap();
    assert_eq!(conflict.status.code(), Some(2));
}

#[test]
fn diff_shows_what_fix_writes_and_fix_leaves_only_what_it_cannot_fix() {
    let dir = tempfile::tempdir().unwrap();
    // A comment in the diff's context clears a terminal unless escaped.
    // (kubectl refuses a document holding a control character: this one is the next.)
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web # the app\n      image: web:1.0.0\n      securityContext:\n        privileged: false\n---\n# pinned\u{1b}[2J\u{202e}\u{9b}\n";
    write(dir.path(), "pod.yaml", manifest);
    let diff = mslint(dir.path())
        .args(["--select", "K8S011", "--diff"])
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(1), "a change to show exits 1");
    let shown = String::from_utf8_lossy(&diff.stdout);
    assert!(shown.contains("--- a/pod.yaml\n+++ b/pod.yaml\n"), "{shown}");
    assert!(
        shown.contains("+        allowPrivilegeEscalation: false\n"),
        "{shown}"
    );
    assert!(
        shown.contains("\n # pinned\\u{1b}[2J\\u{202e}\\u{9b}\n"),
        "{shown}"
    );
    assert!(!shown.contains(['\u{1b}', '\u{202e}', '\u{9b}']), "{shown}");
    let as_json = mslint(dir.path())
        .args(["--select", "K8S011", "--diff", "--format", "json"])
        .output()
        .unwrap();
    let as_json = String::from_utf8_lossy(&as_json.stdout);
    assert!(!as_json.contains(['\u{1b}', '\u{202e}', '\u{9b}']), "{as_json}");
    let read: serde_json::Value = serde_json::from_str(&as_json).unwrap();
    assert!(
        read.to_string().contains("# pinned\\u001b[2J\u{202e}\u{9b}"),
        "the same text to a JSON reader: {read}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap(),
        manifest,
        "--diff writes nothing"
    );
    let to_file = mslint(dir.path())
        .args(["--select", "K8S011", "--diff", "--output", "fixes.diff"])
        .output()
        .unwrap();
    assert_eq!(to_file.status.code(), Some(1));
    assert!(to_file.stdout.is_empty(), "the diff goes to --output");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("fixes.diff")).unwrap(),
        shown
            .replace("\\u{1b}", "\u{1b}")
            .replace("\\u{202e}", "\u{202e}")
            .replace("\\u{9b}", "\u{9b}"),
        "the same diff in the file, with the exact bytes to apply"
    );
    std::fs::remove_file(dir.path().join("fixes.diff")).unwrap();

    let fix = mslint(dir.path())
        .args(["--select", "K8S011", "--fix"])
        .output()
        .unwrap();
    assert_eq!(
        fix.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    assert!(String::from_utf8_lossy(&fix.stderr).contains("fixed 1 finding in 1 file"));
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert_eq!(
        fixed,
        manifest.replace(
            "privileged: false\n",
            "privileged: false\n        allowPrivilegeEscalation: false\n"
        )
    );

    let again = mslint(dir.path())
        .args(["--select", "K8S011", "--diff"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "nothing left to fix");
    assert!(again.stdout.is_empty());

    let stdin = mslint(dir.path()).args(["--fix", "-"]).output().unwrap();
    assert_eq!(stdin.status.code(), Some(2), "standard input cannot be fixed");
}

#[test]
fn a_configuration_can_fix_on_every_run_include_unsafe_fixes_and_turn_a_rules_fixes_off() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:1.0.0\n      securityContext:\n        privileged: false\n";
    write(dir.path(), "pod.yaml", manifest);
    write(
        dir.path(),
        ".mslint.yaml",
        "fix: true\nunsafe-fixes: true\nrules:\n  K8S013: { fix: false }\n",
    );
    let rules = ["--select", "K8S011,K8S012,K8S013", "--format", "json"];

    let report = mslint(dir.path()).args(rules).arg("--no-fix").output().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap(),
        manifest,
        "--no-fix writes nothing"
    );
    let findings = json(&report.stdout);
    assert_eq!(
        fix_offered(&findings, "rule"),
        [("K8S011", true), ("K8S012", true), ("K8S013", false)],
        "{findings}"
    );

    let shown = mslint(dir.path()).arg("--show-config").output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("fix = true  (.mslint.yaml:1:6)"), "{shown}");
    assert!(
        shown.contains("unsafe-fixes = true  (.mslint.yaml:2:15)"),
        "{shown}"
    );
    assert!(
        shown.contains("rules.K8S013 = fix: false  (.mslint.yaml:4:3)"),
        "{shown}"
    );

    let safe_only = mslint(dir.path())
        .args(rules)
        .arg("--no-unsafe-fixes")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&safe_only.stderr).contains("fixed 1 finding in 1 file"));
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert!(
        fixed.contains("allowPrivilegeEscalation: false") && !fixed.contains("runAsNonRoot"),
        "{fixed}"
    );

    let run = mslint(dir.path()).args(rules).output().unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("fixed 1 finding in 1 file"));
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert!(
        fixed.contains("runAsNonRoot: true"),
        "the unsafe fix too: {fixed}"
    );
    assert!(
        !fixed.contains("readOnlyRootFilesystem"),
        "K8S013's fixes are off: {fixed}"
    );
    let left: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let rules_left: Vec<&str> = left["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules_left, ["K8S013"]);
}

#[test]
fn a_fix_that_edits_another_file_names_it_in_json_and_is_applied_there() {
    let dir = tempfile::tempdir().unwrap();
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: billing\n---\napiVersion: apps/v1\n\
                     kind: Deployment\nmetadata: { name: invoices, namespace: billing }\nspec:\n  \
                     selector: { matchLabels: { app: invoices } }\n  template:\n    \
                     metadata: { labels: { app: invoices } }\n    spec:\n      \
                     containers: [{ name: invoices, image: \"shop/invoices:1.0.0\" }]\n";
    write(dir.path(), "namespace.yaml", namespace);
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: invoices\n  namespace: billing\nspec:\n  podSelector: { matchLabels: { app: invoices } }\n  ingress: [{ from: [{ podSelector: {} }] }]\n";
    write(dir.path(), "policies.yaml", policy);
    let report = mslint(dir.path())
        .args(["--select", "NS002", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&report.stdout);
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], "namespace.yaml");
    assert_eq!(finding["fix"]["path"], "policies.yaml", "{finding}");
    assert_eq!(
        finding["fix"]["edits"][0]["line"], 9,
        "after the policy file's last line"
    );

    let fix = mslint(dir.path())
        .args(["--select", "NS002", "--fix", "--unsafe-fixes"])
        .output()
        .unwrap();
    assert_eq!(
        fix.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let fixed = std::fs::read_to_string(dir.path().join("policies.yaml")).unwrap();
    assert_eq!(
        fixed,
        format!(
            "{policy}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  \
             namespace: \"billing\"\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("namespace.yaml")).unwrap(),
        namespace
    );
}

/// A Pod named `name` whose container K8S011 has a fix for, with `extra` lines of metadata.
fn fixable_pod(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{extra}spec:\n  containers:\n    - name: app\n      \
         image: shop/app:1.0.0\n"
    )
}

#[test]
fn findings_in_files_fixes_may_not_edit_offer_no_fix() {
    let dir = tempfile::tempdir().unwrap();
    let pod = fixable_pod;
    write(
        dir.path(),
        "anchored.yaml",
        pod("anchored", "  labels: &labels { app: web }\n"),
    );
    write(
        dir.path(),
        "templated.yaml",
        pod("templated", "  annotations: { note: \"{{ .Values.note }}\" }\n"),
    );
    write(dir.path(), "plain.yaml", pod("plain", ""));
    let report = mslint(dir.path())
        .args(["--select", "K8S011", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&report.stdout);
    assert_eq!(
        fix_offered(&report, "path"),
        [
            ("anchored.yaml", false),
            ("plain.yaml", true),
            ("templated.yaml", false)
        ]
    );
    let diff = mslint(dir.path())
        .args(["--select", "K8S011", "--diff"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&diff.stdout);
    assert!(
        shown.contains("+++ b/plain.yaml") && !shown.contains("anchored") && !shown.contains("templated"),
        "{shown}"
    );
}

#[test]
fn a_kustomization_that_does_not_parse_is_reported_and_one_that_does_is_not() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", PROD_DEPLOYMENT);
    // kustomize needs no `apiVersion`: the file is known by its name.
    write(
        dir.path(),
        "kustomization.yaml",
        "resources: [deploy.yaml]\nnamespace: \"prod\n",
    );
    let report = mslint(dir.path())
        .args(["--select", "MS000", "--format", "json"])
        .output()
        .unwrap();
    let found = rule_lines(&json(&report.stdout));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("MS000", "kustomization.yaml")
    );
    write(
        dir.path(),
        "kustomization.yaml",
        "resources: [deploy.yaml]\nnamespace: prod\n",
    );
    mslint(dir.path()).args(["--select", "MS000"]).assert().code(0);
}

/// A file whose name reports cannot show as it is (not UTF-8, or holding a control character)
/// cannot be fixed by that name: its findings offer no fix, and `--fix` fixes the other files.
#[cfg(unix)]
#[test]
fn findings_in_files_named_otherwise_than_shown_offer_no_fix() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let pod = |name: &str| fixable_pod(name, "");
    let not_utf8 = std::ffi::OsStr::from_bytes(b"bad\xff.yaml");
    std::fs::write(dir.path().join(not_utf8), pod("bad")).unwrap();
    write(dir.path(), "esc\u{1b}.yaml", pod("esc"));
    write(dir.path(), "plain.yaml", pod("plain"));
    // Nor in a file whose text is not its bytes (a Latin-1 comment in another document).
    let latin1 = [pod("latin").as_bytes(), b"---\n# caf\xe9\n"].concat();
    std::fs::write(dir.path().join("latin1.yaml"), &latin1).unwrap();
    let report = mslint(dir.path())
        .args(["--select", "K8S011", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&report.stdout);
    assert_eq!(
        fix_offered(&report, "path"),
        [
            ("bad\u{fffd}.yaml", false),
            ("esc\\u{1b}.yaml", false),
            ("latin1.yaml", false),
            ("plain.yaml", true)
        ]
    );
    mslint(dir.path())
        .args(["--select", "K8S011", "--fix"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fixed 1 finding in 1 file"));
    let fixed = std::fs::read_to_string(dir.path().join("plain.yaml")).unwrap();
    assert_ne!(fixed, pod("plain"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(not_utf8)).unwrap(),
        pod("bad")
    );
    assert_eq!(std::fs::read(dir.path().join("latin1.yaml")).unwrap(), latin1);
}

#[test]
fn a_file_with_old_mac_line_ends_is_located_by_its_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\rspec:\r  containers:\r  - name: c\r    image: nginx:1.25\r    securityContext:\r      privileged: true\r";
    write(dir.path(), "pod.yaml", pod);
    let json = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S011", "."])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        common::finding_fields(&report, &["rule", "line", "column"]),
        [["K8S011", "10", "19"]]
    );
    let human = mslint(dir.path())
        .args(["--select", "K8S011", "."])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("pod.yaml:10:19]"), "{human}");
    assert!(human.contains(" 9 │     securityContext:\n"), "{human}");
    assert!(human.contains("10 │       privileged: true\n"), "{human}");
}

#[test]
fn a_stream_of_json_objects_is_read_object_by_object_as_kubectl_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = |name: &str, replicas: u32, note: &str| {
        format!(
            "{{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {{\"name\": \"{name}\", \
             \"annotations\": {{\"note\": \"{note}\"}}}},\n \"spec\": {{\"replicas\": {replicas}, \"selector\": \
             {{\"matchLabels\": {{\"app\": \"{name}\"}}}}, \"template\": {{\"metadata\": {{\"labels\": \
             {{\"app\": \"{name}\"}}}}, \"spec\": {{\"containers\": [{{\"name\": \"app\", \"image\": \
             \"registry.example.com/{name}:1.0\"}}]}}}}}}}}"
        )
    };
    // Python's `json.dumps` writes an emoji as an escaped surrogate pair.
    let text = format!(
        "{}\n{}\n",
        deployment("first", 3, "\\ud83d\\ude80 ships"),
        deployment("second", 1, "plain")
    );
    write(dir.path(), "stream.json", text);
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "K8S016,MS000"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    assert_eq!(
        rule_lines(&report),
        [("K8S016".to_owned(), "stream.json".to_owned(), 4)],
        "{report}"
    );
}

#[test]
fn a_null_document_is_skipped_as_kubectl_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy.yaml",
        format!("---\nnull\n---\n~\n---\n{DEPLOYMENT}"),
    );
    let output = mslint(dir.path())
        .args(["--format", "json", "--select", "MS000,K8S014"])
        .output()
        .unwrap();
    let report = json(&output.stdout);
    let rules: Vec<String> = rule_lines(&report).into_iter().map(|(rule, _, _)| rule).collect();
    assert!(
        !rules.is_empty() && rules.iter().all(|rule| rule == "K8S014"),
        "{report}"
    );
}
