//! K8S: Kubernetes workload rules.

pub mod k8s001_missing_liveness_probe;
pub mod k8s002_missing_readiness_probe;
pub mod k8s003_missing_resource_requests;
pub mod k8s004_missing_memory_limit;
pub mod k8s005_secret_literal_in_env;
pub mod k8s006_secret_in_configmap;
pub mod k8s007_deployment_with_persistent_volume;
pub mod k8s008_hpa_on_stateful_workload;
pub mod k8s009_stateless_without_hpa;
pub mod k8s010_hpa_target_not_found;
pub mod k8s011_privileged_container;
pub mod k8s012_container_may_run_as_root;
pub mod k8s013_writable_root_filesystem;
pub mod k8s014_image_tag_not_pinned;
pub mod k8s015_recreate_rollout;
pub mod k8s016_single_replica;
pub mod k8s017_hardcoded_ip_address;
pub mod k8s018_no_graceful_shutdown;
pub mod k8s019_probe_port_not_declared;
pub mod k8s020_service_selects_nothing;
pub mod k8s021_service_target_port_mismatch;
pub mod k8s022_service_exposed_without_gateway;
pub mod k8s023_ingress_without_tls;
pub mod k8s024_host_namespace_or_path;
pub mod k8s025_metrics_not_scraped;
pub mod k8s026_committed_secret_data;
pub mod k8s027_no_progressive_delivery;
pub mod k8s028_rollout_without_analysis;
pub mod k8s029_service_account_token_mounted;

use super::prelude::*;
use crate::fix::Fix;
use crate::model::Container;
use crate::model::workload::port_number;
use crate::parse::yaml::Node;

/// Reports every long-running app container of `object` that lacks a probe of `kind`.
///
/// Jobs, CronJobs and run-to-completion Pods are exempt (nothing restarts or routes to them), and
/// so are init, sidecar and ephemeral containers: the guideline asks it of the service container.
fn report_missing_probe(object: &Object<'_>, kind: ProbeKind, help: &'static str, out: &mut Findings) {
    let Some(workload) = Workload::of(object) else {
        return;
    };
    if workload.runs_to_completion() {
        return;
    }
    for container in workload.pod.app_containers().filter(|c| c.probe(kind).is_none()) {
        let fix = probe_skeleton(object.source, &container, kind);
        out.report(
            container.name_entry_span(),
            format!(
                "{} `{}`, container `{}` has no {}",
                workload.kind_name(),
                workload.qualified_name(),
                container.name(),
                kind.field()
            ),
        )
        .help(help)
        .object(ObjectRef::of(object))
        .fix(fix);
    }
}

/// The unsafe fix that adds a `tcpSocket` probe on the port the container declares: its one TCP
/// port, or of several its one port named `http…`. A TCP check is the one a skeleton can get
/// right without knowing the program's health paths; a person tunes it or swaps in `httpGet`.
fn probe_skeleton(source: &str, container: &Container<'_, '_>, kind: ProbeKind) -> Option<Fix> {
    let tcp: Vec<&Node<'_>> = container
        .ports()
        .iter()
        .filter(|p| p.str_at("protocol").is_none_or(|protocol| protocol == "TCP"))
        .filter(|p| p.get("containerPort").and_then(port_number).is_some())
        .collect();
    let port = match tcp.as_slice() {
        [one] => *one,
        several => {
            let mut http = several
                .iter()
                .filter(|p| p.str_at("name").is_some_and(|name| name.starts_with("http")));
            match (http.next(), http.next()) {
                (Some(one), None) => *one,
                _ => return None,
            }
        }
    };
    // A name is quoted, so one YAML would read as a number or a boolean (`0x50`, `on`) stays a
    // name.
    let (shown, reference) = match port.str_at("name") {
        Some(name) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            (name.to_owned(), format!("\"{name}\""))
        }
        _ => {
            let number = port.get("containerPort").and_then(port_number)?.to_string();
            (number.clone(), number)
        }
    };
    let timing = match kind {
        ProbeKind::Liveness => "initialDelaySeconds: 10, periodSeconds: 10",
        ProbeKind::Readiness | ProbeKind::Startup => "periodSeconds: 5",
    };
    let value = format!("{{ tcpSocket: {{ port: {reference} }}, {timing} }}");
    let edit = crate::fix::yaml::set_path(source, container.node, &[kind.field()], &value)?;
    Fix::unsafe_(
        format!(
            "add a {} that checks port `{shown}` accepts connections",
            kind.field()
        ),
        vec![edit],
    )
}
