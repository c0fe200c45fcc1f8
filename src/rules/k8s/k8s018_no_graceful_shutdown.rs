//! K8S018 no-graceful-shutdown.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a pod spec (of any workload kind: Deployment, StatefulSet, DaemonSet, ReplicaSet,
    /// ReplicationController, Job, CronJob, Argo Rollout or a bare Pod) that sets
    /// `terminationGracePeriodSeconds: 0`. The finding points at the value. Leaving the field out
    /// gives the Kubernetes default of 30 seconds and is not flagged. A pod whose containers only
    /// wait (`sleep infinity`, `tail -f /dev/null`, a shell loop of `sleep`: a test client or
    /// toolbox kept alive to `kubectl exec` into) is reported as a note: it serves nothing that
    /// a SIGKILL could cut short, though a client in the middle of a test run still loses it.
    ///
    /// ## Why is this bad?
    /// With a grace period of zero the kubelet kills the containers with SIGKILL at once: no
    /// SIGTERM, no `preStop` hook, no time to stop accepting connections, finish in-flight
    /// requests, commit offsets or flush buffers. Every rollout, scale-down and node drain then
    /// drops requests and can leave half-written data; for a StatefulSet, Kubernetes warns it can
    /// even run two pods with the same identity.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   template:
    ///     spec:
    ///       terminationGracePeriodSeconds: 0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   template:
    ///     spec:
    ///       terminationGracePeriodSeconds: 30
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Implementation" (production checklist): graceful shutdown handlers (SIGTERM).
    pub NoGracefulShutdown {
        id: "K8S018",
        name: "no-graceful-shutdown",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 003 §Implementation",
    }
}

impl Rule for NoGracefulShutdown {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let Some(grace) = workload.pod.node.get("terminationGracePeriodSeconds") else {
            return;
        };
        if grace.as_i64() != Some(0) {
            return;
        }
        // A client kept alive to exec into loses nothing when killed at once.
        let idle = workload.pod.app_containers().all(|c| c.only_waits());
        let finding = out.report(
            grace.span,
            format!(
                "{} `{}` sets terminationGracePeriodSeconds to 0, so its containers are killed without SIGTERM",
                workload.kind_name(),
                workload.qualified_name()
            ),
        )
        .help(
            "give the containers time to shut down after SIGTERM, or remove the field for the 30 s default:\n\
             terminationGracePeriodSeconds: 30",
        )
        .object(ObjectRef::of(object));
        if idle {
            finding.as_note();
        }
    }
}
