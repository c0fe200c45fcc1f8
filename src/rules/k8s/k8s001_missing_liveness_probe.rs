//! K8S001 missing-liveness-probe.
use crate::fix::Applicability;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an app container of a long-running workload (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController, Argo Rollout, or a Pod that restarts) that declares no
    /// `livenessProbe`.
    ///
    /// ## Why is this bad?
    /// Without a liveness probe the kubelet restarts a container only when its process exits. A
    /// server that deadlocks, leaks until it stops answering, or loses its connection pool keeps
    /// running and keeps receiving traffic until someone notices. Jobs, CronJobs, Pods with
    /// `restartPolicy` Never or OnFailure, and init, sidecar and ephemeral containers are exempt.
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
    ///     livenessProbe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--unsafe-fixes` adds a TCP check on the port the container declares (its one
    /// TCP port, or of several its one port named `http…`, by name when it has one):
    /// `livenessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 10, periodSeconds: 10 }`.
    /// A TCP check is what a skeleton can get right without knowing the program's health
    /// endpoints; a person should check the timing and may prefer an `httpGet` on a real health
    /// path. A container that declares no port, or several with none clearly its server's, gets
    /// no fix.
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": all services must define liveness and readiness
    /// probes. Seed 003, "Deployment", lists health checks among the release gates.
    pub MissingLivenessProbe {
        id: "K8S001",
        name: "missing-liveness-probe",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Deployment",
        fix: Applicability::Unsafe,
    }
}

impl Rule for MissingLivenessProbe {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        super::report_missing_probe(
            object,
            ProbeKind::Liveness,
            "add a livenessProbe that fails only when the process must be restarted:\n\
             livenessProbe:\n  httpGet: { path: /healthz, port: http }\n  periodSeconds: 10",
            out,
        );
    }
}
