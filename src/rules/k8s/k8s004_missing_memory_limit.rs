//! K8S004 missing-memory-limit.
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
            .object(ObjectRef::of(object));
        }
    }
}
