//! K8S002 missing-readiness-probe.
use crate::fix::Applicability;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an app container of a long-running workload that declares no `readinessProbe`.
    ///
    /// ## Why is this bad?
    /// Without one, the Service routes requests to a pod as soon as its process starts, before it
    /// has loaded its settings or opened its connections. During a rollout the old pods are gone
    /// while the new ones still answer with errors. Jobs, CronJobs, Pods with `restartPolicy`
    /// Never or OnFailure, and init, sidecar and ephemeral containers are exempt.
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
    ///     readinessProbe:
    ///       httpGet: { path: /ready, port: http }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--unsafe-fixes` adds a TCP check on the port the container declares (its one
    /// TCP port, or of several its one port named `http…`, by name when it has one):
    /// `readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 5 }`. A TCP check is what a
    /// skeleton can get right without knowing the program's health endpoints; a person should
    /// check the timing and may prefer an `httpGet` on a real health path. A container that
    /// declares no port, or several with none clearly its server's, gets no fix.
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": every service defines liveness and readiness
    /// probes. Seed 003, "Deployment", lists health checks among the release gates.
    pub MissingReadinessProbe {
        id: "K8S002",
        name: "missing-readiness-probe",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Deployment",
        fix: Applicability::Unsafe,
    }
}

impl Rule for MissingReadinessProbe {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        super::report_missing_probe(
            object,
            ProbeKind::Readiness,
            "add a readinessProbe that succeeds once the container can serve:\n\
             readinessProbe:\n  httpGet: { path: /ready, port: http }",
            out,
        );
    }
}
