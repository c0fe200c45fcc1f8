//! The caps on hostile or runaway input (the README's "Limits"): each is reached by an input the
//! test builds, ends in an MS000 finding where the trouble starts, and leaves the rest of the
//! file (what comes before the trouble) and every other file checked. Inputs that once took
//! quadratic time or memory finish well inside a generous bound.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{CLEAN, DEPLOYMENT};
use mslint::engine::limits::MAX_FINDINGS_PER_FILE;
use mslint::engine::load::MAX_FILE_BYTES;
use mslint::index::MAX_SELECTED_PAIRS;
use mslint::parse::dockerfile::MAX_STAGES;
use mslint::parse::yaml::{MAX_ALIAS_NODES, MAX_DEPTH, MAX_DOCUMENTS};

/// Far above what these inputs take in a debug build on a busy two-core machine, far below
/// what they took when they were quadratic (minutes to hours).
const BOUND: Duration = Duration::from_secs(60);

/// A finding as (rule, path, line, column, message).
type Hit = (String, String, u32, u32, String);

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Scans `dir` with the rules `select` (all when empty) and `jobs` workers, within [`BOUND`].
fn scan(dir: &Path, select: &[&str], jobs: usize) -> Vec<Hit> {
    let config = mslint::Config {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        select: select.iter().map(|s| s.to_string()).collect(),
        jobs: Some(jobs),
        ..Default::default()
    };
    let started = Instant::now();
    let findings = mslint::run(&config).unwrap().findings;
    let took = started.elapsed();
    assert!(took < BOUND, "the scan took {took:?}");
    findings
        .into_iter()
        .map(|f| {
            let (line, column) = (f.region.start_line, f.region.start_column);
            (f.rule.id.to_owned(), f.path.to_string(), line, column, f.message)
        })
        .collect()
}

/// The MS000 findings of `path`, as (line, column, message).
fn ms000(hits: &[Hit], path: &str) -> Vec<(u32, u32, String)> {
    hits.iter()
        .filter(|h| h.0 == "MS000" && h.1 == path)
        .map(|h| (h.2, h.3, h.4.clone()))
        .collect()
}

fn has(hits: &[Hit], rule: &str, path: &str, line: u32) -> bool {
    hits.iter().any(|h| h.0 == rule && h.1 == path && h.2 == line)
}

/// A Deployment named `name` whose image uses `latest` (K8S014 on its line 10).
fn deployment(name: &str) -> String {
    DEPLOYMENT.replace("name: cart", &format!("name: {name}"))
}

/// A stream of `count` ConfigMaps after one Deployment, each document after the first opening
/// with `---`: the Deployment takes lines 1–10, and document `n` (0-based) opens on line
/// `11 + (n - 1) * 7`.
fn documents(count: usize) -> String {
    let mut text = DEPLOYMENT.to_owned();
    for n in 1..count {
        text.push_str("---\n");
        text.push_str(&CLEAN.replace("name: settings", &format!("name: settings-{n}")));
    }
    text
}

#[test]
fn documents_past_the_cap_end_in_one_finding_at_the_first_of_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stream.yaml", documents(MAX_DOCUMENTS + 5));
    // Two rules are enough to show where reading stopped and that the rest was checked; all of
    // them over 100,000 documents would make this the slowest test of a debug build.
    let hits = scan(dir.path(), &["MS000", "K8S014"], 2);
    let first_past = 11 + (MAX_DOCUMENTS as u32 - 1) * 7;
    let found = ms000(&hits, "stream.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (first_past, 1));
    assert!(found[0].2.contains("100000"), "{}", found[0].2);
    // The documents before the cap are checked.
    assert!(has(&hits, "K8S014", "stream.yaml", 10), "{hits:?}");
}

#[test]
fn two_hundred_thousand_tiny_documents_stop_at_the_cap_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..200_000)
        .map(|n| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\n"))
        .collect();
    write(dir.path(), "many.yaml", text);
    let found = ms000(&scan(dir.path(), &["MS000"], 2), "many.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, MAX_DOCUMENTS as u32 * 4 + 1);
}

#[test]
fn findings_past_the_cap_are_counted_in_one_finding_the_same_in_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let extra = 200;
    let text: Vec<String> = (0..MAX_FINDINGS_PER_FILE + extra)
        .map(|n| deployment(&format!("cart-{n}")))
        .collect();
    write(dir.path(), "generated.yaml", text.join("---\n"));
    let hits = scan(dir.path(), &["K8S014"], 1);
    assert_eq!(hits, scan(dir.path(), &["K8S014"], 2));
    let kept = hits.iter().filter(|h| h.0 == "K8S014").count();
    assert_eq!(kept, MAX_FINDINGS_PER_FILE);
    let found = ms000(&hits, "generated.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    let (line, _, message) = &found[0];
    // Each Deployment takes 11 lines with its `---`: the first finding left out is the 1001st.
    assert_eq!(*line, MAX_FINDINGS_PER_FILE as u32 * 11 + 10);
    assert!(
        message.starts_with(&format!(
            "{extra} more findings in this file are left out ({extra} warnings)"
        )),
        "{message}"
    );
}

#[test]
fn the_note_about_findings_left_out_keeps_their_severity_for_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    // Errors come after the cap: the findings kept are warnings, the ones left out errors.
    let mut text: Vec<String> = (0..MAX_FINDINGS_PER_FILE)
        .map(|n| deployment(&format!("cart-{n}")))
        .collect();
    text.extend(
        (0..3).map(|n| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: m{n}}}\nbroken: [\n")),
    );
    write(dir.path(), "generated.yaml", text.join("---\n"));
    let run = |fail_on: &str| {
        Command::cargo_bin("mslint")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "--select",
                "K8S014,MS000",
                "--fail-on",
                fail_on,
                "--format",
                "json",
                ".",
            ])
            .output()
            .unwrap()
    };
    let output = run("error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary: Vec<_> = common::finding_fields(&report, &["rule", "severity", "message"])
        .into_iter()
        .filter(|f| f[0] == "MS000")
        .collect();
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0][1], "error");
    assert!(summary[0][2].starts_with("1 more findings"), "{summary:?}");
    // The syntax error left out is named, at the `[` never closed before the next `---`.
    assert!(
        summary[0][2].contains(
            "the first problem reading the file among them, at line 11004: invalid YAML: `[` is never closed"
        ),
        "{summary:?}"
    );
}

/// Block mappings nested `levels` deep under `data:`; level `n` (the root is level 1) opens
/// on line `n + 3`, at column `n`.
fn nested_mappings(levels: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
    for n in 0..levels {
        text.push_str(&format!("{}k{n}:\n", " ".repeat(n + 1)));
    }
    text
}

#[test]
fn nesting_past_the_cap_is_reported_where_it_crosses_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "block.yaml", nested_mappings(MAX_DEPTH + 50));
    write(
        dir.path(),
        "flow.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: f}}\nx: {}\n",
            "[".repeat(100_000)
        ),
    );
    let hits = scan(dir.path(), &[], 2);
    let level = MAX_DEPTH as u32 + 1;
    assert_eq!(
        ms000(&hits, "block.yaml"),
        [(
            level + 3,
            level,
            format!(
                "nesting is deeper than mslint's limit of {MAX_DEPTH} levels; the rest of the file is not checked"
            )
        )]
    );
    // The parser counts flow levels in a byte: the 256th `[` is one too many.
    let flow = ms000(&hits, "flow.yaml");
    assert_eq!((flow[0].0, flow[0].1), (4, "x: ".len() as u32 + 256), "{flow:?}");
    assert!(
        flow[0].2.contains("deeper than the parser's limit of 255"),
        "{flow:?}"
    );
}

#[test]
fn an_alias_bomb_is_reported_at_the_alias_past_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    // Each alias of `a` adds 1,000 nodes: the 101st goes past 100,000.
    let items = vec!["x"; 999].join(",");
    let aliases = vec!["*a"; 200].join(", ");
    write(
        dir.path(),
        "bomb.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: b}}\ndata: {{}}\na: &a [{items}]\nb: [{aliases}]\n"
        ),
    );
    let per_alias = 1000;
    let crossing = (MAX_ALIAS_NODES / per_alias + 1) as u32;
    let found = ms000(&scan(dir.path(), &[], 2), "bomb.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (6, 5 + (crossing - 1) * 4));
    assert!(found[0].2.contains("billion laughs"), "{found:?}");
}

#[test]
fn anchors_share_their_nodes_so_an_alias_to_any_of_them_expands() {
    let dir = tempfile::tempdir().unwrap();
    // 150 anchored lists of 1,000 nodes, more than the alias budget together: keeping them costs
    // nothing, and only what the aliases expand counts.
    let items = vec!["x"; 999].join(",");
    let anchors: String = (0..150).map(|n| format!("  a{n}: &a{n} [{items}]\n")).collect();
    write(
        dir.path(),
        "anchors.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n{anchors}y: *a99\nz: *a100\n"
        ),
    );
    let found = ms000(&scan(dir.path(), &[], 2), "anchors.yaml");
    assert!(found.is_empty(), "{found:?}");
}

/// `count` flow sequences whose closing bracket sits at their key's indentation, which
/// Kubernetes reads and each of which takes one repair to read: construct `n` (0-based) closes
/// on line `first + 3 * n + 2`.
fn repairable(count: usize) -> String {
    (0..count)
        .map(|n| format!("  k{n}: [\n    \"a\",\n  ]\n"))
        .collect()
}

#[test]
fn repairs_past_the_cap_are_reported_at_the_first_construct_left_unrepaired() {
    let dir = tempfile::tempdir().unwrap();
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata:\n";
    write(dir.path(), "few.yaml", format!("{head}{}", repairable(3)));
    write(dir.path(), "many.yaml", format!("{head}{}", repairable(250)));
    // A large file runs out of bytes to re-read first: two re-reads of 1.5 MiB fit in 4 MiB.
    let filler: String = (0..150_000).map(|n| format!("  f{n}: v\n")).collect();
    write(
        dir.path(),
        "large.yaml",
        format!("{head}{filler}{}", repairable(5)),
    );
    let hits = scan(dir.path(), &[], 2);
    assert!(ms000(&hits, "few.yaml").is_empty(), "{hits:?}");
    let many = ms000(&hits, "many.yaml");
    assert_eq!((many[0].0, many[0].1), (5 + 3 * 200 + 2, 3), "{many:?}");
    assert!(many[0].2.contains("re-reads"), "{many:?}");
    let large = ms000(&hits, "large.yaml");
    assert_eq!(large[0].0, 5 + 150_000 + 3 * 2 + 2, "{large:?}");
}

#[test]
fn a_file_past_the_size_cap_is_reported_and_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = deployment("big");
    text.push_str(&"# padding\n".repeat(MAX_FILE_BYTES as usize / 10 + 1));
    write(dir.path(), "big.yaml", text);
    let hits = scan(dir.path(), &[], 2);
    let found = ms000(&hits, "big.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (1, 1));
    assert!(found[0].2.contains("larger than 32 MiB"), "{found:?}");
    assert_eq!(hits.len(), 1, "{hits:?}");
}

#[test]
fn huge_single_lines_are_read_and_reported_in_bounded_time_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "y".repeat(20 * 1024 * 1024);
    write(
        dir.path(),
        "minified.json",
        format!(
            r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"x"}},"note":"{filler}","spec":{{"template":{{"spec":{{"containers":[{{"name":"c","image":"a:latest"}}]}}}}}}}}"#
        ),
    );
    write(
        dir.path(),
        "scalar.yaml",
        format!("{CLEAN}  blob: {}\n", "ab ".repeat(5 * 1024 * 1024 / 3)),
    );
    // Many nodes on one line that is not ASCII: every position on it once cost the line's length.
    let keys: Vec<String> = (0..100_000).map(|n| format!(r#""k{n}":"é{n}""#)).collect();
    write(
        dir.path(),
        "wide.json",
        format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"é"}},"data":{{{}}}}}"#,
            keys.join(",")
        ),
    );
    let started = Instant::now();
    let output = Command::cargo_bin("mslint")
        .unwrap()
        .current_dir(dir.path())
        .args(["--select", "K8S014", "."])
        .output()
        .unwrap();
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("minified.json:1:"), "{text}");
    // The snippet shows the part of the 20 MB line around the finding, not the line.
    assert!(
        output.stdout.len() < 10_000,
        "{} bytes of output",
        output.stdout.len()
    );
}

#[test]
fn long_dockerfiles_and_comment_runs_finish_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    // Here-documents that never end, each once searched for to the end of the file.
    let heredocs: String = (0..50_000).map(|n| format!("RUN cat <<EOF{n} > /x\n")).collect();
    write(
        dir.path(),
        "heredocs/Dockerfile",
        format!("FROM alpine:3.20\n{heredocs}USER app\n"),
    );
    // RUN lines, each once compared with every later one.
    write(
        dir.path(),
        "runs/Dockerfile",
        format!("FROM golang:1.22\n{}", "RUN go build ./...\n".repeat(20_000)),
    );
    // Syntax errors at the top of a large file, each once followed by indexing the rest of it:
    // the first 50 are reported, and reading stops at the next line, which says so.
    let errors = format!(
        "FROM alpine:3.20\n{}{}",
        "BOGUS x\n".repeat(60),
        "RUN echo hi\n".repeat(1_500_000)
    );
    write(dir.path(), "errors/Dockerfile", errors);
    // Suppression comments on lines of their own above the finding, each once searched past the
    // others, and each once tried on every finding.
    let (head, image) = DEPLOYMENT.split_at(DEPLOYMENT.find("          image").unwrap());
    let comments = "# mslint ignore=K8S014 reason=\"generated\"\n".repeat(100_000);
    write(dir.path(), "comments.yaml", format!("{head}{comments}{image}"));
    let hits = scan(dir.path(), &["K8S014", "DF001", "MS000"], 2);
    assert!(has(&hits, "DF001", "runs/Dockerfile", 2), "{hits:?}");
    let errors = ms000(&hits, "errors/Dockerfile");
    assert_eq!(
        (errors.len(), errors[49].0, errors.last().map(|e| e.0)),
        (51, 51, Some(52)),
        "{errors:?}"
    );
    assert!(
        errors[50].2.contains("the rest of the file is not checked"),
        "{errors:?}"
    );
    let suppressed = mslint::run(&mslint::Config {
        paths: vec![dir.path().join("comments.yaml")],
        root: dir.path().to_path_buf(),
        select: vec!["K8S014".to_owned()],
        ..Default::default()
    })
    .unwrap()
    .findings;
    assert!(
        suppressed.iter().all(|f| f.suppressed.is_some()),
        "{suppressed:?}"
    );
}

#[test]
fn package_installs_by_the_thousand_and_stages_past_the_cap_finish_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    // Each install once looked up the stage's variables, its fix once read the whole file.
    write(
        dir.path(),
        "installs/Dockerfile",
        format!(
            "FROM alpine:3.20\n{}USER app\n",
            "RUN apk add curl && pip install flask\n".repeat(100_000)
        ),
    );
    // Each install of one script once read every command of it again.
    let script = vec!["apk add curl"; 20_000].join(" && \\\n  ");
    write(
        dir.path(),
        "script/Dockerfile",
        format!("FROM alpine:3.20\nRUN {script}\nUSER app\n"),
    );
    // Each copy once gathered the instructions before it to expand `$SRC`.
    write(
        dir.path(),
        "copies/Dockerfile",
        format!(
            "FROM alpine:3.20\n{}USER app\n",
            "COPY $SRC /app/\n".repeat(100_000)
        ),
    );
    // A build chained through more stages than the cap.
    let stages: String = (1..=MAX_STAGES + 5)
        .map(|n| format!("FROM s{} AS s{n}\nRUN apt-get install -y curl\n", n - 1))
        .collect();
    write(
        dir.path(),
        "stages/Dockerfile",
        format!("FROM debian:12 AS s0\n{stages}"),
    );
    let hits = scan(dir.path(), &["DF009", "MS000"], 2);
    let count = |path: &str| hits.iter().filter(|h| h.0 == "DF009" && h.1 == path).count();
    assert_eq!(count("installs/Dockerfile"), MAX_FINDINGS_PER_FILE, "{hits:?}");
    assert_eq!(count("script/Dockerfile"), MAX_FINDINGS_PER_FILE);
    let past = ms000(&hits, "stages/Dockerfile");
    assert_eq!(past.len(), 1, "{past:?}");
    // The FROM of the first stage past the cap: stage n starts on line 2n.
    assert_eq!(past[0].0, 2 * MAX_STAGES as u32, "{past:?}");
    assert!(past[0].2.contains("more build stages than"), "{past:?}");
}

/// `count` Services and `count` Deployments in one namespace, every Service selecting every
/// Deployment and sending to port 8008, a near-typo of the 8080 the containers declare.
fn services_selecting_every_deployment(count: usize) -> String {
    let mut text = String::new();
    for n in 0..count {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{n}}}\nspec: {{selector: {{app: x}}, ports: [{{port: 80, targetPort: 8008}}]}}\n\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{n}}}\nspec: {{selector: {{matchLabels: {{app: x}}}}, template: {{metadata: {{labels: {{app: x}}}}, spec: {{containers: [{{name: c, image: \"nginx:1.27\", ports: [{{containerPort: 8080}}]}}]}}}}}}\n"
        ));
    }
    text
}

#[test]
fn services_paired_with_workloads_past_the_cap_are_left_unpaired_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "few/all.yaml", services_selecting_every_deployment(3));
    let hits = scan(dir.path(), &["K8S021"], 2);
    assert_eq!(hits.len(), 3, "{hits:?}");
    let past = MAX_SELECTED_PAIRS.isqrt() + 1;
    write(
        dir.path(),
        "many/all.yaml",
        services_selecting_every_deployment(past),
    );
    let hits = scan(dir.path(), &["K8S021"], 2);
    assert!(hits.is_empty(), "{} findings", hits.len());
}

#[test]
fn bad_files_beside_a_good_one_leave_it_checked_and_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.yaml", DEPLOYMENT);
    write(dir.path(), "bad/deep.yaml", nested_mappings(MAX_DEPTH + 10));
    write(dir.path(), "bad/documents.yaml", documents(MAX_DOCUMENTS + 1));
    let opening: String = (0..250).map(|n| format!("&a{n} [")).collect();
    write(
        dir.path(),
        "bad/anchors.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx: {opening}{}{}\n",
            vec!["x"; 500_000].join(","),
            "]".repeat(250)
        ),
    );
    write(
        dir.path(),
        "bad/heredoc/Dockerfile",
        "FROM alpine:3.20\nUSER app\nRUN <<EOF\necho never ends\n",
    );
    write(
        dir.path(),
        "bad/huge.yaml",
        "x".repeat(MAX_FILE_BYTES as usize + 1),
    );
    // The address space a debug build needs, with room to spare, and far less than copying the
    // anchored list once per level takes.
    let output = Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg(format!(
            "ulimit -v 3000000; exec {} --format json --jobs 2 .",
            assert_cmd::cargo::cargo_bin("mslint").display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let found: Vec<(String, String, String)> = common::finding_fields(&report, &["rule", "path", "line"])
        .into_iter()
        .map(|f| (f[0].clone(), f[1].clone(), f[2].clone()))
        .collect();
    let at = |rule: &str, path: &str, line: u32| {
        found.contains(&(rule.to_owned(), path.to_owned(), line.to_string()))
    };
    assert!(at("K8S014", "good.yaml", 10), "{found:?}");
    assert!(at("MS000", "bad/deep.yaml", MAX_DEPTH as u32 + 4), "{found:?}");
    assert!(
        at("MS000", "bad/documents.yaml", 11 + (MAX_DOCUMENTS as u32 - 1) * 7),
        "{found:?}"
    );
    assert!(at("MS000", "bad/heredoc/Dockerfile", 3), "{found:?}");
    assert!(at("MS000", "bad/huge.yaml", 1), "{found:?}");
    assert!(found.iter().any(|f| f.1 == "bad/anchors.yaml"), "{found:?}");
}

/// `count` Deployments of one replica in one namespace, all with the pod label `app: x`, and a
/// PodDisruptionBudget per Deployment that keeps `count` pods available, in files of at most
/// 500 documents: with `distinct`, each budget's selector differs (a `NotIn` on a label no pod
/// carries), otherwise they are the same.
fn budgets_over_every_deployment(dir: &Path, count: usize, distinct: bool) {
    write_groups(dir, "budgets", count, |n| {
        let other = if distinct {
            format!(", matchExpressions: [{{key: copy, operator: NotIn, values: [c{n}]}}]")
        } else {
            String::new()
        };
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{n}}}\nspec: {{replicas: 1, selector: {{matchLabels: {{app: x}}}}, template: {{metadata: {{labels: {{app: x}}}}, spec: {{containers: [{{name: c, image: \"nginx:1.27\"}}]}}}}}}\n\
             ---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: b{n}}}\nspec: {{minAvailable: {count}, selector: {{matchLabels: {{app: x}}{other}}}}}\n"
        )
    });
}

#[test]
fn budgets_with_one_selector_are_matched_once_and_past_the_pair_cap_not_at_all() {
    let past = MAX_SELECTED_PAIRS.isqrt() + 1;
    // The same selector on every budget: one selection, however many budgets share it. Each
    // budget keeps every pod available, so NS005 reports each.
    let same = tempfile::tempdir().unwrap();
    budgets_over_every_deployment(same.path(), past, false);
    let hits = scan(same.path(), &["NS004", "NS005", "NS006"], 2);
    assert_eq!(hits.len(), past, "{:?}", hits.first());
    assert!(hits.iter().all(|h| h.0 == "NS005"), "{:?}", hits.first());
    // Distinct selectors that each select every Deployment: past the cap nothing is selected,
    // and NS005 says nothing of what it cannot count, nor NS006 of budgets selecting nothing.
    let distinct = tempfile::tempdir().unwrap();
    budgets_over_every_deployment(distinct.path(), past, true);
    write(
        distinct.path(),
        "budgets/stray.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: stray}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: gone}}}\n",
    );
    let hits = scan(distinct.path(), &["NS004", "NS005", "NS006"], 2);
    assert!(hits.is_empty(), "{} findings: {:?}", hits.len(), hits.first());
    // Under the cap, the same files are followed: the stray budget selects nothing.
    let few = tempfile::tempdir().unwrap();
    budgets_over_every_deployment(few.path(), 3, true);
    write(
        few.path(),
        "budgets/stray.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: stray}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: gone}}}\n",
    );
    let hits = scan(few.path(), &["NS004", "NS005", "NS006"], 2);
    let rules: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(rules, ["NS005", "NS005", "NS005", "NS006"], "{hits:?}");
}

/// `count` VirtualServices routing host `web` each to its own subset, which one of `count`
/// DestinationRules for `web` defines, in one file.
fn routes_to_many_subsets(count: usize) -> String {
    (0..count)
        .map(|n| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: v{n}}}\nspec: {{hosts: [web], http: [{{route: [{{destination: {{host: web, subset: s{n}}}}}]}}]}}\n\
                 ---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: r{n}}}\nspec: {{host: web, subsets: [{{name: s{n}, labels: {{v: s{n}}}}}]}}\n"
            )
        })
        .collect()
}

#[test]
fn virtual_services_and_destination_rules_of_one_host_by_the_thousand_finish_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let count = 5_000;
    write(dir.path(), "mesh.yaml", routes_to_many_subsets(count));
    let hits = scan(dir.path(), &["IST007", "IST014"], 2);
    // Every subset is defined; every VirtualService defines the mesh host another does too, and
    // the findings cap of the file keeps the first of them.
    let ist014 = hits.iter().filter(|h| h.0 == "IST014").count();
    assert_eq!(ist014, MAX_FINDINGS_PER_FILE, "{:?}", hits.first());
    assert!(!hits.iter().any(|h| h.0 == "IST007"), "{:?}", hits.first());
    let first = hits
        .iter()
        .find(|h| h.2 == 5)
        .expect("the first VirtualService's host");
    let more = count - 1 - 10;
    assert!(
        first.4.contains("`v1`, `v2`") && first.4.contains(&format!("`v10` and {more} more")),
        "{}",
        first.4
    );
}

#[test]
fn gateways_by_the_thousand_on_one_host_finish_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let count = 3_000;
    let gateways: String = (0..count)
        .map(|n| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: g{n}, namespace: shop}}\n\
                 spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [shop.example.com]}}]}}\n"
            )
        })
        .collect();
    write(dir.path(), "gateways.yaml", gateways);
    let hits = scan(dir.path(), &["IST015"], 2);
    // Each Gateway conflicts with every other; the findings cap of the file keeps the first.
    assert_eq!(
        hits.iter().filter(|h| h.0 == "IST015").count(),
        MAX_FINDINGS_PER_FILE
    );
    let first = hits.iter().find(|h| h.2 == 5).expect("the first Gateway's host");
    let more = count - 1 - 10;
    assert!(
        first.4.contains("as Gateways `shop/g1`, `shop/g2`")
            && first.4.contains(&format!("`shop/g10` and {more} more do")),
        "{}",
        first.4
    );
}

/// Writes `count` numbered groups of documents into files of 250 groups each.
fn write_groups(dir: &Path, folder: &str, count: usize, group: impl Fn(usize) -> String) {
    for (file, numbers) in (0..count).collect::<Vec<_>>().chunks(250).enumerate() {
        let text: String = numbers.iter().map(|&n| group(n)).collect();
        write(dir, &format!("{folder}/part{file}.yaml"), text);
    }
}

#[test]
fn selectors_and_hosts_by_the_thousand_are_looked_up_not_compared_with_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let count = 3_000;
    // NetworkPolicies that each select a label no pod carries: no Deployment is covered.
    write_groups(dir.path(), "policies", count, |n| {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{n}, namespace: shop}}\n\
             spec: {{selector: {{matchLabels: {{app: web}}}}, template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: [{{name: c, image: \"nginx:1.27\"}}]}}}}}}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{n}, namespace: shop}}\n\
             spec: {{podSelector: {{matchLabels: {{app: web, copy: c{n}}}}}, ingress: [{{from: [{{podSelector: {{}}}}]}}]}}\n"
        )
    });
    // Autoscalers of one Deployment: each after the first of its file scales it again.
    write_groups(dir.path(), "scalers", count, |n| {
        format!(
            "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h{n}, namespace: scaled}}\n\
             spec: {{scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: cart}}, minReplicas: 2, maxReplicas: 4}}\n"
        )
    });
    write(
        dir.path(),
        "scalers/cart.yaml",
        DEPLOYMENT.replace("name: cart", "name: cart\n  namespace: scaled"),
    );
    // DestinationRules for wildcard hosts and ServiceEntries, none for the hosts routed to.
    write_groups(dir.path(), "mesh", count, |n| {
        format!(
            "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: r{n}, namespace: mesh}}\n\
             spec: {{host: '*.zone{n}.svc.cluster.local', subsets: [{{name: v1, labels: {{v: '1'}}}}]}}\n\
             ---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: e{n}, namespace: mesh}}\n\
             spec: {{hosts: [api{n}.example.com], ports: [{{number: 443, name: https, protocol: HTTPS}}], resolution: DNS}}\n\
             ---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: v{n}, namespace: mesh}}\n\
             spec: {{hosts: [w{n}], http: [{{route: [{{destination: {{host: w{n}, subset: v1}}}}]}}]}}\n"
        )
    });
    // Monitors with one selector, over Services that all carry its label: followed once. The
    // one Deployment whose Service they do not select is not scraped.
    write_groups(dir.path(), "monitors", count, |n| {
        format!(
            "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {{name: m{n}, namespace: watched}}\n\
             spec: {{selector: {{matchLabels: {{app: web}}}}, endpoints: [{{port: metrics}}]}}\n\
             ---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{n}, namespace: watched, labels: {{app: web}}}}\n\
             spec: {{selector: {{app: none{n}}}, ports: [{{name: metrics, port: 9090}}]}}\n"
        )
    });
    write(
        dir.path(),
        "monitors/api.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: watched}\n\
         spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: \"nginx:1.27\"}]}}}\n\
         ---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: watched}\nspec: {selector: {app: api}, ports: [{port: 80}]}\n",
    );
    let hits = scan(dir.path(), &["NS003", "K8S010", "IST007", "K8S025"], 2);
    let count_of = |rule: &str| hits.iter().filter(|h| h.0 == rule).count();
    assert_eq!(count_of("NS003"), count, "{:?}", hits.first());
    assert_eq!(count_of("K8S010"), count - count / 250, "{:?}", hits.first());
    assert_eq!(count_of("IST007"), count, "{:?}", hits.first());
    let unscraped: Vec<&Hit> = hits.iter().filter(|h| h.0 == "K8S025").collect();
    assert_eq!(unscraped.len(), 1, "{unscraped:?}");
    assert_eq!(unscraped[0].1, "monitors/api.yaml");
}

#[test]
fn mesh_and_gateway_selectors_by_the_thousand_are_matched_once() {
    let dir = tempfile::tempdir().unwrap();
    let count = 2_000;
    let meshed =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n";
    write(dir.path(), "mesh/namespace.yaml", meshed);
    // Deployments each with a label of its own; Sidecars that all select every pod of one
    // Deployment; AuthorizationPolicies and Services that each select a label no pod carries.
    write_groups(dir.path(), "mesh", count, |n| {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{n}, namespace: shop}}\n\
             spec: {{selector: {{matchLabels: {{app: w{n}, tier: web}}}}, template: {{metadata: {{labels: {{app: w{n}, tier: web}}}}, spec: {{containers: [{{name: c, image: \"nginx:1.27\"}}]}}}}}}\n\
             ---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: sc{n}, namespace: shop}}\n\
             spec: {{workloadSelector: {{labels: {{app: w0}}}}, egress: [{{hosts: ['./*']}}]}}\n\
             ---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: a{n}, namespace: shop}}\n\
             spec: {{selector: {{matchLabels: {{app: z{n}}}}}, rules: [{{from: [{{source: {{principals: [x]}}}}]}}]}}\n\
             ---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{n}, namespace: shop}}\n\
             spec: {{selector: {{app: x{n}, tier: web}}, ports: [{{port: 80}}]}}\n"
        )
    });
    // Kong Ingresses, each with a rate limit of its own and no authentication, beside key-auth
    // plugins attached to nothing.
    write_groups(dir.path(), "kong", count, |n| {
        format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: i{n}, namespace: edge, annotations: {{konghq.com/plugins: limit{n}}}}}\n\
             spec: {{ingressClassName: kong, rules: [{{host: h{n}.example.com, http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: s{n}, port: {{number: 80}}}}}}}}]}}}}]}}\n\
             ---\napiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: {{name: limit{n}, namespace: edge}}\nplugin: rate-limiting\nconfig: {{minute: 5}}\n\
             ---\napiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: {{name: auth{n}, namespace: edge}}\nplugin: key-auth\n"
        )
    });
    let hits = scan(dir.path(), &["IST019", "IST024", "K8S020", "GW001"], 2);
    let count_of = |rule: &str| hits.iter().filter(|h| h.0 == rule).count();
    assert_eq!(count_of("IST019"), count, "{:?}", hits.first());
    assert_eq!(count_of("IST024"), count, "{:?}", hits.first());
    assert_eq!(count_of("K8S020"), count, "{:?}", hits.first());
    assert_eq!(count_of("GW001"), count, "{:?}", hits.first());
}

#[test]
fn a_service_with_thousands_of_ports_reads_its_pods_ports_and_variables_once() {
    let dir = tempfile::tempdir().unwrap();
    let count = 5_000;
    let service_ports: String = (0..count)
        .map(|n| {
            format!(
                "  - {{name: p{n}, port: {}, targetPort: {}}}\n",
                10_000 + n,
                10_000 + n
            )
        })
        .collect();
    // The pods declare every other port: the rest are near-typos of a declared one. A long
    // variable is read once for the numbers it names, not once a port asked about.
    let long_value = "x".repeat(500_000);
    let container_ports: String = (0..count)
        .step_by(2)
        .map(|n| format!("        - {{containerPort: {}, name: p{n}}}\n", 10_000 + n))
        .collect();
    write(
        dir.path(),
        "wide.yaml",
        format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: wide}}\nspec:\n  selector: {{app: wide}}\n  ports:\n{service_ports}\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: wide}}\nspec:\n  selector: {{matchLabels: {{app: wide}}}}\n  template:\n    \
             metadata: {{labels: {{app: wide}}}}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n        env: [{{name: BIG, value: {long_value}}}]\n        ports:\n{container_ports}"
        ),
    );
    let hits = scan(dir.path(), &["K8S021"], 2);
    assert_eq!(
        hits.iter().filter(|h| h.0 == "K8S021").count(),
        MAX_FINDINGS_PER_FILE
    );
    // The first undeclared port, 10001, is a near-typo of the declared 10000.
    let first = hits.iter().find(|h| h.0 == "K8S021").expect("a finding");
    assert_eq!(first.2, 8, "{first:?}");
}

#[test]
fn selectors_of_thousands_of_namespaces_look_only_where_their_labels_are() {
    let dir = tempfile::tempdir().unwrap();
    let count = 3_000;
    // A namespace per Deployment, each with a Service that selects a label no pod carries: the
    // rule looks for matching pods of other namespaces, and finds them by label.
    write_groups(dir.path(), "namespaces", count, |n| {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d, namespace: ns{n}}}\n\
             spec: {{selector: {{matchLabels: {{app: web}}}}, template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: [{{name: c, image: \"nginx:1.27\"}}]}}}}}}\n\
             ---\napiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: ns{n}}}\nspec: {{selector: {{app: gone{n}}}, ports: [{{port: 80}}]}}\n"
        )
    });
    let hits = scan(dir.path(), &["K8S020"], 2);
    assert_eq!(hits.len(), count, "{:?}", hits.first());
}

#[test]
fn kustomizations_that_include_themselves_are_followed_once() {
    // Four includes of itself at each of sixteen levels were four billion walks.
    let dir = tempfile::tempdir().unwrap();
    let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
    write(
        dir.path(),
        "kustomization.yaml",
        format!("{kustomization}namespace: shop\nresources: [app]\n"),
    );
    write(
        dir.path(),
        "app/kustomization.yaml",
        format!("{kustomization}resources: [\".\", \".\", \".\", \".\", deployment.yaml]\n"),
    );
    write(dir.path(), "app/deployment.yaml", DEPLOYMENT);
    let hits = scan(dir.path(), &["NS001"], 2);
    // The namespace the kustomization above gives reaches the Deployment.
    assert!(
        hits.iter()
            .any(|h| h.0 == "NS001" && h.4.starts_with("Namespace `shop`")),
        "{hits:?}"
    );
}

#[test]
fn hosts_and_settings_repeated_within_one_object_are_looked_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // One VirtualService naming its host 20,000 times beside another: each entry once looked
    // through all the others for a rival.
    let hosts = vec!["r"; 20_000].join(", ");
    write(
        dir.path(),
        "mesh/routes.yaml",
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: a, namespace: ns}}\nspec: {{hosts: [{hosts}]}}\n\
             ---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: b, namespace: ns}}\nspec: {{hosts: [r]}}\n"
        ),
    );
    // 400 Gateways whose server lists `*` 30 times: each `*` once looked up against every host.
    let stars = vec!["\"*\""; 30].join(", ");
    let gateways: String = (0..400)
        .map(|n| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: g{n}, namespace: shop}}\n\
                 spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [{stars}]}}]}}\n"
            )
        })
        .collect();
    write(dir.path(), "gateways/all.yaml", gateways);
    // A connection string of 20,000 settings on one line: its line once counted per password.
    let settings = "password=S3cr3tPa55 ".repeat(20_000);
    write(
        dir.path(),
        "settings.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  conn: \"{settings}\"\n"),
    );
    let hits = scan(dir.path(), &["IST014", "IST015", "SEC001"], 2);
    let count = |rule: &str, path: &str| hits.iter().filter(|h| h.0 == rule && h.1 == path).count();
    assert_eq!(count("IST014", "mesh/routes.yaml"), MAX_FINDINGS_PER_FILE);
    assert_eq!(count("IST015", "gateways/all.yaml"), 400);
    assert!(count("SEC001", "settings.yaml") >= 1, "{hits:?}");
}

#[test]
fn routes_of_one_virtual_service_by_the_thousand_are_found_by_their_conditions() {
    let dir = tempfile::tempdir().unwrap();
    // 20,000 routes, each on its own path and, in the second, its own header: each match was
    // compared with every earlier one. The last route repeats the 8th route's match, and the
    // one before it narrows the 5th route's prefix.
    let count = 20_000;
    let virtual_service = |name: &str, condition: &dyn Fn(usize) -> String| {
        let routes: String = (0..count)
            .map(|n| {
                format!(
                    "  - match: [{{{}}}]\n    route: [{{destination: {{host: web}}}}]\n",
                    condition(n)
                )
            })
            .collect();
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: shop}}\n\
             spec:\n  hosts: [web]\n  http:\n{routes}  - match: [{{uri: {{prefix: /p4/x/y}}}}]\n    route: [{{destination: {{host: web}}}}]\n  \
             - match: [{{uri: {{exact: /p7/x}}}}]\n    route: [{{destination: {{host: web}}}}]\n"
        )
    };
    write(
        dir.path(),
        "paths.yaml",
        virtual_service("paths", &|n| format!("uri: {{prefix: /p{n}/x}}")),
    );
    write(
        dir.path(),
        "headers.yaml",
        virtual_service("headers", &|n| {
            format!("uri: {{prefix: /p{n}/}}, headers: {{id: {{exact: '{n}'}}}}")
        }),
    );
    let hits = scan(dir.path(), &["IST017"], 2);
    // The routes start on line 7, two lines each: the two added routes are on lines 40,007 and
    // 40,009; in the second file only the prefix route is shadowed (the header is not there).
    let lines = |path: &str| -> Vec<u32> { hits.iter().filter(|h| h.1 == path).map(|h| h.2).collect() };
    assert_eq!(lines("paths.yaml"), [40_007, 40_009], "{hits:?}");
    assert_eq!(lines("headers.yaml"), Vec::<u32>::new(), "{hits:?}");
    assert!(hits[0].4.contains("http route #5 already takes"), "{}", hits[0].4);
}
