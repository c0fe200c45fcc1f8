//! IST010 sidecar-injection-disabled.
use crate::model::mesh::security::{SYSTEM_NAMESPACES, namespace_injection_labels, pod_injection};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Namespace labelled `istio-injection: disabled` in a meshed project (an Istio
    /// object or an injection label sits near it: each file at most three folders below the
    /// folder they share, or `--mesh istio`), and a pod template whose `sidecar.istio.io/inject`
    /// label (or the older annotation) is `"false"` in a namespace the scan shows with injection
    /// on (its Namespace's label, or another pod template of it asking for a sidecar, near it).
    /// The finding points at the value.
    ///
    /// Left alone: the system namespaces and the mesh's root namespace, Jobs and CronJobs (a
    /// sidecar keeps a Job's pod from completing on clusters without native sidecars, so opting
    /// out is the documented practice), and pods of a Namespace already reported.
    ///
    /// ## Why is this bad?
    /// A pod without a sidecar speaks plain text: its calls to STRICT services fail, PERMISSIVE
    /// services accept them unauthenticated, and the mesh's routing, retries and telemetry do not
    /// apply to it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: cart, sidecar.istio.io/inject: "false" }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS; seed 003,
    /// "Architecture": the service mesh handles traffic management, security and resilience.
    pub SidecarInjectionDisabled {
        id: "IST010",
        name: "sidecar-injection-disabled",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Architecture",
    }
}

impl Rule for SidecarInjectionDisabled {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let mesh = cx.index.mesh();
        if !mesh.active_near(object.file, cx.index) {
            return;
        }
        let exempt =
            |namespace: &str| SYSTEM_NAMESPACES.contains(&namespace) || namespace == mesh.root_namespace();
        if object.kind() == "Namespace" && object.api_group().is_empty() {
            let (legacy, _) = namespace_injection_labels(object);
            if let Some(value) = legacy.filter(|v| v.as_text() == Some("disabled"))
                && !exempt(object.name().unwrap_or_default())
            {
                out.report(
                    value.span,
                    format!(
                        "Namespace `{}` turns sidecar injection off, so its pods run outside the mesh",
                        object.qualified_name()
                    ),
                )
                .help("turn injection on for the namespace:\nmetadata:\n  labels:\n    istio-injection: enabled")
                .object(ObjectRef::of(object));
            }
            return;
        }
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let namespace_disabled = cx
            .index
            .find("", "Namespace", namespace)
            .and_then(|n| namespace_injection_labels(n).0)
            .is_some_and(|v| v.as_text() == Some("disabled"));
        if workload.runs_to_completion()
            || exempt(namespace)
            || namespace_disabled
            || !mesh.is_meshed_near(namespace, object.file, cx.index)
        {
            return;
        }
        let Some(value) = pod_injection(&workload).filter(|v| v.as_text() == Some("false")) else {
            return;
        };
        out.report(
            value.span,
            format!(
                "{} `{}` opts its pods out of sidecar injection, so they run outside the mesh",
                workload.kind_name(),
                workload.qualified_name()
            ),
        )
        .help("remove `sidecar.istio.io/inject: \"false\"` from the pod template's labels and annotations")
        .object(ObjectRef::of(object));
    }
}
