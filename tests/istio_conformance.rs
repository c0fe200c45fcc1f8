//! Conformance with `istioctl analyze`'s own test cases (copied into
//! `tests/conformance/istio/`, see its README): for every case of an analyzer whose codes map to
//! one of our rules, each expected message must be matched by a finding of a mapped rule on the
//! same object (kind, namespace, name), and the mapped rules must report nothing else on the
//! case's files. Codes whose rules are not built yet are skipped. Every deliberate difference is
//! listed below with its reason; an unlisted difference, or a listed one that no longer happens,
//! fails.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

/// Where we differ on purpose: (case id, rule, "Kind ns/name", reason).
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "virtualServiceGateways",
        "IST013",
        "VirtualService default/httpbin-bogus",
        "its Gateway does not exist: IST012 reports that, and IST013 judges only the hosts of Gateways it can see",
    ),
    (
        "destinationrule with credentialname, simple at destinationlevel, no workloadSelector",
        "IST018",
        "DestinationRule default/db-tls",
        "a credentialName Secret can hold the CA: mslint accepts it with or without a workloadSelector",
    ),
    (
        "destinationrule with credentialname, simple at portlevel, no workloadSelector",
        "IST018",
        "DestinationRule default/db-tls",
        "a credentialName Secret can hold the CA: mslint accepts it with or without a workloadSelector",
    ),
    (
        "DestinationRuleWithFakeHost",
        "IST020",
        "DestinationRule default/fake-host",
        "the scan holds no Service of namespace `default`: the Service may be installed from elsewhere, so mslint judges a cluster-local host only when its namespace's Services are in the scan",
    ),
    (
        "authorizationpolicies",
        "IST019",
        "AuthorizationPolicy httpbin-empty/httpbin-empty-namespace-wide",
        "a policy without a selector covers its whole namespace; a namespace with no workload in the scan is most often deployed from elsewhere, so the scan cannot show that it is empty",
    ),
    (
        "DestinationRuleSubsetsNotSelectPods",
        "IST021",
        "DestinationRule default/subsets-not-select-pods",
        "the scan holds no pod of the host's Service `default/httpbin` (only the default gateway pod of istio-system): IST021 judges subsets only when the pods behind the host are in the scan",
    ),
    (
        "dupmatches",
        "IST017",
        "VirtualService default/uri-with-prefix-exact",
        "its first match, uri prefix `/` with no other condition, takes every request of the second \
         (uri exact `/`, method GET), so the second never selects the route; upstream compares a \
         prefix only with a later prefix, never with an exact path",
    ),
];

/// The objects `istioctl analyze` adds to every run: the default ingress gateway's pod and Service.
const DEFAULT_RESOURCES: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-dummypod
  namespace: istio-system
  labels: { istio: ingressgateway }
spec:
  containers:
    - { name: istio-proxy, image: docker.io/istio/proxyv2:1.22.0 }
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector: { istio: ingressgateway }
  ports:
    - { name: http2, port: 80, protocol: TCP }
    - { name: https, port: 443, protocol: TCP }
    - { name: tcp, port: 31400, protocol: TCP }
    - { name: tls, port: 15443, protocol: TCP }
";

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/istio")
}

/// `Kind ns/name`, with the default namespace spelt out.
fn identity(kind: &str, namespace: &str, name: &str) -> String {
    let namespace = if namespace.is_empty() {
        "default"
    } else {
        namespace
    };
    format!("{kind} {namespace}/{name}")
}

#[test]
fn istio_analyzer_cases_agree_with_our_rules_or_are_documented_differences() {
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(data().join("cases.json")).unwrap()).unwrap();
    let built: BTreeSet<&str> = mslint::docs::all_rules().iter().map(|m| m.id).collect();
    let mut problems = Vec::new();
    let mut seen_differences = BTreeSet::new();
    let (mut matched, mut wanted) = (0, 0);
    for case in cases["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let codes = &cases["mapping"][case["analyzer"].as_str().unwrap()];
        let rules_of = |code: &str| -> Vec<String> {
            codes[code]
                .as_array()
                .map(|rules| {
                    rules
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|r| built.contains(r))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let selected: BTreeSet<String> = codes
            .as_object()
            .unwrap()
            .keys()
            .flat_map(|code| rules_of(code))
            .collect();
        if selected.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("istio-defaults.yaml"), DEFAULT_RESOURCES).unwrap();
        for input in case["input_files"].as_array().unwrap() {
            let input = input.as_str().unwrap();
            let target = dir.path().join(input.replace('/', "__"));
            std::fs::copy(data().join("testdata").join(input), target).unwrap();
        }
        let config = mslint::Config {
            paths: vec![dir.path().to_path_buf()],
            root: dir.path().to_path_buf(),
            select: selected.iter().cloned().collect(),
            // istioctl analyze always assumes a mesh.
            mesh: mslint::MeshSettings {
                forced: true,
                root_namespace: None,
            },
            ..Default::default()
        };
        let findings = mslint::run(&config).unwrap().findings;
        let found: BTreeSet<(String, String)> = findings
            .iter()
            .filter_map(|f| {
                let object = f.object.as_ref()?;
                let identity = identity(
                    &object.kind,
                    object.namespace.as_deref().unwrap_or(""),
                    object.name.as_deref().unwrap_or(""),
                );
                Some((f.rule.id.to_owned(), identity))
            })
            .collect();
        let mut explained = BTreeSet::new();
        for message in case["expected"].as_array().unwrap() {
            let rules = rules_of(message["code"].as_str().unwrap());
            if rules.is_empty() {
                continue;
            }
            let object = identity(
                message["kind"].as_str().unwrap(),
                message["namespace"].as_str().unwrap(),
                message["name"].as_str().unwrap(),
            );
            wanted += 1;
            let hit = rules
                .iter()
                .find(|r| found.contains(&((*r).clone(), object.clone())));
            match hit {
                Some(rule) => {
                    matched += 1;
                    explained.insert((rule.clone(), object));
                }
                None => problems.push((id.to_owned(), rules.join("/"), object, "missing")),
            }
        }
        for (rule, object) in found.difference(&explained) {
            problems.push((id.to_owned(), rule.clone(), object.clone(), "unexpected"));
        }
    }
    problems.retain(|(case, rule, object, _)| {
        let listed = DIFFERENCES
            .iter()
            .any(|(c, r, o, _)| c == case && r == rule && o == object);
        if listed {
            seen_differences.insert((case.clone(), rule.clone(), object.clone()));
        }
        !listed
    });
    let mut report = String::new();
    for (case, rule, object, what) in &problems {
        report.push_str(&format!("{what:<10} {case}: {rule} on {object}\n"));
    }
    for (case, rule, object, reason) in DIFFERENCES {
        if !seen_differences.contains(&(case.to_string(), rule.to_string(), object.to_string())) {
            report.push_str(&format!("stale      {case}: {rule} on {object} ({reason})\n"));
        }
    }
    eprintln!("istioctl analyze cases: {matched} of {wanted} expected messages matched");
    assert!(report.is_empty(), "differences from istioctl analyze:\n{report}");
}
