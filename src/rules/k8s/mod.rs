//! K8S: Kubernetes workload rules.

pub mod k8s001_missing_liveness_probe;
pub mod k8s002_missing_readiness_probe;
pub mod k8s003_missing_resource_requests;
pub mod k8s004_missing_memory_limit;
pub mod k8s014_image_tag_not_pinned;

use super::prelude::*;

/// Reports every long-running app container of `object` that lacks a probe of `kind`.
///
/// Jobs, CronJobs and run-to-completion Pods are exempt (nothing restarts or routes to them), and
/// so are init, sidecar and ephemeral containers: the guideline asks it of the service container.
fn report_missing_probe(object: &Object<'_>, kind: ProbeKind, help: &str, out: &mut Findings) {
    let Some(workload) = Workload::of(object) else {
        return;
    };
    if workload.runs_to_completion() {
        return;
    }
    for container in workload
        .pod
        .app_containers()
        .filter(|c| c.probe(kind).is_none())
    {
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
        .object(ObjectRef::of(object));
    }
}
