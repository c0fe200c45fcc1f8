//! Conformance with a peer's test cases (KICS, copied into `tests/conformance/kics/`): for every peer
//! query that covers one of our rules, each positive case must produce the mapped rule at the
//! expected line (or, where our rule points at a more precise key, inside the same document),
//! and each negative case none of the mapped rules. Every deliberate difference is listed below
//! with its reason; an unlisted difference, or a listed one that no longer happens, fails.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A peer query and the rules that cover the same concern.
struct Mapping {
    /// `<platform>/<query folder>`.
    query: &'static str,
    /// Our rules.
    rules: &'static [&'static str],
    /// True when our finding may sit on another line of the same document than the peer's
    /// (we point at the offending key, the peer at the object or container).
    same_document: bool,
}

const fn map(query: &'static str, rules: &'static [&'static str], same_document: bool) -> Mapping {
    Mapping {
        query,
        rules,
        same_document,
    }
}

/// Peer query → mslint rules. Queries with no counterpart among our rules are not listed.
const MAPPINGS: &[Mapping] = &[
    map("k8s/liveness_probe_is_not_defined", &["K8S001"], false),
    map("k8s/readiness_probe_is_not_configured", &["K8S002"], false),
    map("k8s/cpu_requests_not_set", &["K8S003"], true),
    map("k8s/memory_requests_not_defined", &["K8S003"], true),
    map("k8s/memory_limits_not_defined", &["K8S004"], true),
    map("k8s/privilege_escalation_allowed", &["K8S011"], true),
    map("k8s/containers_running_as_root", &["K8S012"], true),
    map("k8s/root_container_not_mounted_as_read_only", &["K8S013"], true),
    map("k8s/invalid_image", &["K8S014"], false),
    map("k8s/shared_host_ipc_namespace", &["K8S024"], false),
    map("k8s/shared_host_network_namespace", &["K8S024"], false),
    map("k8s/shared_host_pid_namespace", &["K8S024"], false),
    map("k8s/non_kube_system_pod_with_host_mount", &["K8S024"], true),
    map("k8s/service_type_is_nodeport", &["K8S022"], false),
    map("k8s/service_with_external_load_balancer", &["K8S022"], true),
    map("k8s/service_does_not_target_pod", &["K8S020", "K8S021"], true),
    map("k8s/deployment_without_pod_disruption_budget", &["NS004"], true),
    map("k8s/statefulset_without_pod_disruption_budget", &["NS004"], true),
    map("k8s/pod_misconfigured_network_policy", &["NS001", "NS003"], true),
    map("k8s/rbac_wildcard_in_rule", &["NS007"], true),
    map(
        "k8s/cluster_admin_role_binding_with_super_user_permissions",
        &["NS008"],
        true,
    ),
    map("k8s/using_kubernetes_native_secret_management", &["K8S026"], true),
    map("dockerfile/image_version_not_explicit", &["DF005"], false),
    map("dockerfile/image_version_using_latest", &["DF005"], false),
    map("dockerfile/missing_user_instruction", &["DF004"], false),
    map("dockerfile/last_user_is_root", &["DF004"], false),
    map(
        "dockerfile/not_using_json_in_cmd_and_entrypoint_arguments",
        &["DF006"],
        false,
    ),
    map("dockerfile/same_alias_in_different_froms", &["MS000"], true),
    map("dockerfile/add_instead_of_copy", &["DF007"], false),
    map(
        "dockerfile/apt_get_install_lists_were_not_deleted",
        &["DF009"],
        false,
    ),
    map(
        "dockerfile/apt_get_not_avoiding_additional_packages",
        &["DF009"],
        false,
    ),
    map("dockerfile/apk_add_using_local_cache_path", &["DF009"], false),
    map(
        "dockerfile/pip_install_keeping_cached_packages",
        &["DF009"],
        false,
    ),
    map(
        "secrets/passwords_and_secrets",
        &["SEC001", "DF002", "DF010", "K8S005", "K8S006", "K8S026"],
        false,
    ),
];

/// Where we differ on purpose: (query, file, expected line or 0 for a negative file, reason).
const DIFFERENCES: &[(&str, &str, u32, &str)] = &[
    (
        "k8s/cpu_requests_not_set",
        "positive.yaml",
        10,
        "the container sets a CPU limit, which Kubernetes copies into the unset request",
    ),
    (
        "k8s/cpu_requests_not_set",
        "positive.yaml",
        17,
        "the container sets a CPU limit, which Kubernetes copies into the unset request",
    ),
    (
        "k8s/cpu_requests_not_set",
        "positive.yaml",
        34,
        "a Knative Configuration, which mslint does not read as a workload",
    ),
    (
        "k8s/cpu_requests_not_set",
        "positive.yaml",
        41,
        "a Knative Configuration, which mslint does not read as a workload",
    ),
    (
        "k8s/memory_requests_not_defined",
        "positive1.yaml",
        13,
        "the container sets a memory limit, which Kubernetes copies into the unset request",
    ),
    (
        "k8s/memory_requests_not_defined",
        "negative1.yaml",
        0,
        "K8S003 also asks for a CPU request, which this pod lacks",
    ),
    (
        "k8s/shared_host_ipc_namespace",
        "positive2.yaml",
        9,
        "a Knative Configuration, which mslint does not read as a workload",
    ),
    (
        "k8s/shared_host_pid_namespace",
        "positive2.yaml",
        9,
        "a Knative Configuration, which mslint does not read as a workload",
    ),
    (
        "k8s/non_kube_system_pod_with_host_mount",
        "negative.yaml",
        0,
        "K8S024 flags host paths in every namespace, kube-system included",
    ),
    (
        "k8s/service_type_is_nodeport",
        "negative.yaml",
        0,
        "K8S022 flags LoadBalancer Services as well as NodePort ones",
    ),
    (
        "k8s/service_does_not_target_pod",
        "positive2.yaml",
        12,
        "K8S021 reports an undeclared numeric targetPort only on evidence it is wrong (a near-typo \
         of a declared port): 9377 beside a declared 80 may be a port the program opens itself",
    ),
    (
        "k8s/deployment_without_pod_disruption_budget",
        "negative.yaml",
        0,
        "the PDB selects the Deployment's selector labels, which its pods do not carry: it protects no pod",
    ),
    (
        "k8s/statefulset_without_pod_disruption_budget",
        "negative.yaml",
        0,
        "the PDB selects the StatefulSet's selector labels, which its pods do not carry: it protects no pod",
    ),
    (
        "dockerfile/apt_get_install_lists_were_not_deleted",
        "positive.dockerfile",
        2,
        "DF009 judges only the final stage and the stages it is built from",
    ),
    (
        "dockerfile/apt_get_install_lists_were_not_deleted",
        "positive.dockerfile",
        5,
        "DF009 judges only the final stage and the stages it is built from",
    ),
    (
        "dockerfile/apt_get_install_lists_were_not_deleted",
        "positive.dockerfile",
        8,
        "DF009 judges only the final stage and the stages it is built from",
    ),
    (
        "dockerfile/pip_install_keeping_cached_packages",
        "positive.dockerfile",
        2,
        "DF009 judges only the final stage and the stages it is built from",
    ),
    (
        "secrets/passwords_and_secrets",
        "positive1.yaml",
        8,
        "K8S026 points at the `stringData:` key that holds the value (line 7)",
    ),
    (
        "k8s/using_kubernetes_native_secret_management",
        "negative2.yaml",
        0,
        "the Secret's data is committed whatever else the scan holds; an external store beside it does not remove it",
    ),
    (
        "dockerfile/missing_user_instruction",
        "negative.dockerfile",
        0,
        "the final stage is FROM scratch without USER, which runs as uid 0",
    ),
    (
        "dockerfile/not_using_json_in_cmd_and_entrypoint_arguments",
        "positive.dockerfile",
        10,
        "a shell-form ENTRYPOINT ignores CMD, so only the ENTRYPOINT (line 11) is reported",
    ),
];

fn kics() -> PathBuf {
    common::repo().join("tests/conformance/kics")
}

/// (file name, line) of every positive expectation of a query.
fn expected(dir: &Path) -> BTreeSet<(String, u32)> {
    let Ok(text) = std::fs::read_to_string(dir.join("positive_expected_result.json")) else {
        return BTreeSet::new();
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).expect("expected results are JSON");
    entries
        .iter()
        .filter_map(|e| Some((e["fileName"].as_str()?.to_owned(), e["line"].as_u64()? as u32)))
        .collect()
}

/// The 1-based line range of the YAML document holding `line` (the whole file for others).
fn document_lines(text: &str, line: u32) -> std::ops::RangeInclusive<u32> {
    let mut start = 1;
    for (n, content) in text.lines().enumerate() {
        let n = n as u32 + 1;
        if content.starts_with("---") {
            if n > line {
                return start..=n - 1;
            }
            start = n + 1;
        }
    }
    start..=u32::MAX
}

#[test]
fn peer_cases_agree_with_our_rules_or_are_documented_differences() {
    let root = kics();
    assert!(
        root.is_dir(),
        "{} is missing; scripts/copy-kics-conformance.py copies the cases",
        root.display()
    );
    // Per peer platform: (cases checked, cases agreeing).
    let mut tally: std::collections::BTreeMap<&str, (u32, u32)> = std::collections::BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut seen_differences = BTreeSet::new();
    let mut out_of_scope = 0;
    for mapping in MAPPINGS {
        let dir = root.join(mapping.query).join("test");
        assert!(dir.is_dir(), "{} is missing", dir.display());
        let positives = expected(&dir);
        for file in common::files(&dir) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") && name.starts_with("positive_expected") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let outcome = common::scan(&file, mapping.rules);
            if outcome.files_checked == 0 {
                // CloudFormation, Ansible, compose, OpenAPI or CI files: not platform configuration.
                assert!(
                    !text.contains("apiVersion:"),
                    "{}/{name} holds a manifest but was not checked",
                    mapping.query
                );
                out_of_scope += 1;
                continue;
            }
            let findings = outcome.findings;
            let lines: Vec<u32> = findings.iter().map(|f| f.region.start_line).collect();
            let mut outcomes: Vec<(u32, bool)> = Vec::new();
            if name.starts_with("negative") {
                outcomes.push((0, lines.is_empty()));
            } else {
                for (_, line) in positives.iter().filter(|(f, _)| *f == name) {
                    let document = document_lines(&text, *line);
                    let hit = lines
                        .iter()
                        .any(|l| l == line || (mapping.same_document && document.contains(l)));
                    outcomes.push((*line, hit));
                }
            }
            let platform = mapping.query.split('/').next().unwrap_or("");
            for (line, ok) in outcomes {
                tally.entry(platform).or_default().0 += 1;
                let key = (mapping.query, name.clone(), line);
                let documented = DIFFERENCES
                    .iter()
                    .any(|(q, f, l, _)| (*q, f.to_string(), *l) == key);
                match (ok, documented) {
                    (true, false) => tally.entry(platform).or_default().1 += 1,
                    (true, true) => unexplained.push(format!(
                        "{}/{name}:{line} is listed as a difference but now agrees",
                        mapping.query
                    )),
                    (false, true) => {
                        seen_differences.insert(key);
                    }
                    (false, false) => unexplained.push(format!(
                        "{}/{name}:{line}: {} (we report {:?} at lines {lines:?})",
                        mapping.query,
                        if line == 0 {
                            "negative case flagged"
                        } else {
                            "positive case missed"
                        },
                        mapping.rules
                    )),
                }
            }
        }
    }
    let rows: Vec<String> = tally
        .iter()
        .map(|(platform, (checked, agreed))| {
            let rate = 100.0 * f64::from(*agreed) / f64::from((*checked).max(1));
            format!("| {platform} | {agreed} of {checked} | {rate:.1}% |")
        })
        .collect();
    println!(
        "{}\n{out_of_scope} files are not platform configuration",
        rows.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "unexplained differences:\n{}",
        unexplained.join("\n")
    );
    assert_eq!(
        seen_differences.len(),
        DIFFERENCES.len(),
        "a listed difference names no peer case"
    );
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    for row in rows {
        assert!(
            readme.contains(&row),
            "README's conformance table lacks `{row}`: update it"
        );
    }
}
