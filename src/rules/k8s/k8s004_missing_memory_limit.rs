//! K8S004 missing-memory-limit.
use crate::fix::yaml::set_path;
use crate::fix::{Applicability, Fix};
use crate::index::Supplied;
use crate::model::ContainerRole;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a container (app, init or sidecar) with no memory limit: neither
    /// `resources.limits.memory`, nor a pod-level `resources.limits.memory`, nor a `LimitRange`
    /// of type `Container` that supplies one (`default`, else `max`). LimitRanges are matched by
    /// namespace as for K8S003.
    ///
    /// ## Why is this bad?
    /// A container without a memory limit can take all the memory of its node. The kernel then
    /// kills processes of other pods, and a leak in one service becomes an outage of several.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests: { cpu: 100m, memory: 128Mi }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    ///   requests: { cpu: 100m, memory: 128Mi }
    ///   limits: { memory: 256Mi }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--fix --unsafe-fixes` sets the memory limit to the container's memory request
    /// when it has one written as a plain quantity. A process that uses more than it requested
    /// is killed afterwards, so check its peak usage; a container without a request has no fix,
    /// since its limit is a value a person picks.
    ///
    /// ## Guideline
    /// Seed 002, "Edge cases and failure modes", F6: noisy neighbours from missing limits. Seed
    /// 000, "Orchestration with Kubernetes": set resource requests and limits.
    pub MissingMemoryLimit {
        id: "K8S004",
        name: "missing-memory-limit",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 002 §Edge cases and failure modes (F6); seed 000 §Orchestration with Kubernetes",
        fix: Applicability::Unsafe,
    }
}

impl Rule for MissingMemoryLimit {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let pod_limit = workload
            .pod
            .resources()
            .and_then(|r| r.path(&["limits", "memory"]))
            .is_some();
        if pod_limit || cx.index.limit_range_default(object, Supplied::Limit, "memory") {
            return;
        }
        for container in workload
            .pod
            .containers()
            .filter(|c| c.role != ContainerRole::Ephemeral)
        {
            if container.resource("limits", "memory").is_some() {
                continue;
            }
            let limits_key = container.node.get("resources").and_then(|r| r.entry("limits"));
            let span = limits_key.map_or_else(|| container.resources_span(), |e| e.key.span);
            out.report(
                span,
                format!(
                    "{} `{}`, container `{}` has no memory limit",
                    workload.kind_name(),
                    workload.qualified_name(),
                    container.name()
                ),
            )
            .help("add a memory limit above the container's peak usage:\nresources:\n  limits:\n    memory: 256Mi")
            .object(ObjectRef::of(object))
            .fix(limit_at_request(object.source, &container));
        }
    }
}

/// The fix that sets a container's memory limit to its memory request, when that is a plain
/// quantity (a template is left to a person). The request is what the
/// scheduler reserves for it, so the container keeps what it was promised and no more.
fn limit_at_request(source: &str, container: &crate::model::Container<'_, '_>) -> Option<Fix> {
    let request = container.resource("requests", "memory")?;
    let quantity = request
        .as_text()
        .filter(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'))?;
    let edit = set_path(
        source,
        container.node,
        &["resources", "limits", "memory"],
        quantity,
    )?;
    Fix::unsafe_(
        format!("set the memory limit to the request, {quantity}"),
        vec![edit],
    )
}
