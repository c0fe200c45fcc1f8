//! K8S003 missing-resource-requests.
use crate::index::Supplied;
use crate::model::ContainerRole;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a container (app, init or sidecar) whose effective CPU or memory request is unset.
    /// A request counts as set when the container gives `resources.requests`, or a limit that
    /// Kubernetes copies into the request, or when the pod-level `resources` or a `LimitRange`
    /// of type `Container` supplies one (`defaultRequest`, else `default`, `max` or `min`, as
    /// Kubernetes fills them in). A LimitRange counts for objects of its namespace; for objects
    /// without `metadata.namespace`, only a namespace-less LimitRange in the same directory or
    /// above counts.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests. A container without them is placed as if it
    /// needed nothing, lands on crowded nodes, and is the first to be evicted under pressure
    /// (BestEffort QoS). Autoscaling on CPU utilisation cannot work without a CPU request.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     resources:
    ///       requests: { cpu: 100m, memory: 128Mi }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": resource requests and limits are set for every
    /// service. Seed 002, failure mode F6, names missing limits as a cause of noisy neighbours.
    pub MissingResourceRequests {
        id: "K8S003",
        name: "missing-resource-requests",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 002 §Edge cases and failure modes (F6)",
    }
}

impl Rule for MissingResourceRequests {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let pod_resources = workload.pod.resources();
        for container in workload
            .pod
            .containers()
            .filter(|c| c.role != ContainerRole::Ephemeral)
        {
            let has_request = |resource: &str| {
                container.resource("requests", resource).is_some()
                    || container.resource("limits", resource).is_some()
                    || pod_resources.is_some_and(|r| {
                        r.path(&["requests", resource]).is_some() || r.path(&["limits", resource]).is_some()
                    })
                    || cx.index.limit_range_default(object, Supplied::Request, resource)
            };
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| !has_request(r))
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.report(
                container.resources_span(),
                format!(
                    "{} `{}`, container `{}` has no {} request",
                    workload.kind_name(),
                    workload.qualified_name(),
                    container.name(),
                    missing.join(" or ")
                ),
            )
            .help(format!(
                "add requests sized from observed usage:\nresources:\n  requests:\n{}",
                missing
                    .iter()
                    .map(|r| if *r == "cpu" {
                        "    cpu: 100m"
                    } else {
                        "    memory: 128Mi"
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            ))
            .object(ObjectRef::of(object));
        }
    }
}
