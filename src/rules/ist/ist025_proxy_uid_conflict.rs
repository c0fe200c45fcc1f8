//! IST025 proxy-uid-conflict.
use crate::model::mesh::security::is_control_plane;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a pod or container `securityContext.runAsUser: 1337` in a meshed project (an
    /// Istio object or an injection label sits near it: each file at most three folders below
    /// the folder they share, or `--mesh istio`). The finding points at the value.
    ///
    /// The sidecar's own container (`istio-proxy`), `istio-operator`, and the control plane's
    /// objects (labelled `istio` or `release: istio`) are left alone; init containers too.
    ///
    /// ## Why is this bad?
    /// Istio's traffic capture exempts the sidecar's UID, 1337, so that Envoy's own traffic is
    /// not looped back into itself. An application running as 1337 is exempt too: its calls
    /// leave the pod without mTLS, routing rules or telemetry, and inbound policy never sees them.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 1337
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 10001
    ///   runAsNonRoot: true
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS, which
    /// traffic that bypasses the sidecar is not.
    pub ProxyUidConflict {
        id: "IST025",
        name: "proxy-uid-conflict",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security",
    }
}

/// The UID Istio's sidecar runs as and traffic capture exempts.
const PROXY_UID: i64 = 1337;

impl Rule for ProxyUidConflict {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if is_control_plane(object) || !cx.index.mesh().active_near(object.file, cx.index) {
            return;
        }
        let help = "run the application as any other UID:\nsecurityContext:\n  runAsUser: 10001";
        let pod_uid = workload.pod.security_context().and_then(|c| c.get("runAsUser"));
        if let Some(uid) = pod_uid.filter(|u| u.as_i64() == Some(PROXY_UID)) {
            out.report(
                uid.span,
                format!(
                    "{} `{}` runs its pods as UID 1337, the sidecar's, so their traffic bypasses the proxy",
                    workload.kind_name(),
                    workload.qualified_name()
                ),
            )
            .help(help)
            .object(ObjectRef::of(object));
        }
        for container in workload.pod.app_containers() {
            if matches!(container.name(), "istio-proxy" | "istio-operator") {
                continue;
            }
            let Some(uid) = container
                .own_security("runAsUser")
                .filter(|u| u.as_i64() == Some(PROXY_UID))
            else {
                continue;
            };
            out.report(
                uid.span,
                format!(
                    "{} `{}`, container `{}` runs as UID 1337, the sidecar's, so its traffic bypasses the proxy",
                    workload.kind_name(),
                    workload.qualified_name(),
                    container.name()
                ),
            )
            .help(help)
            .object(ObjectRef::of(object));
        }
    }
}
