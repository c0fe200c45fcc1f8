//! K8S019 probe-port-not-declared.
use crate::model::{Container, ContainerRole};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a probe (`livenessProbe`, `readinessProbe`, `startupProbe`) whose `httpGet`,
    /// `tcpSocket` or `grpc` port is not among the container's `ports`.
    ///
    /// Kubernetes resolves a named port only among the probing container's own `ports`, so a
    /// name that is not there always fails the probe: it is always reported. A numeric port works
    /// whether it is declared or not (`ports` is informational), so it is reported only when the
    /// container does declare ports, neither it nor another container of the pod (they share the
    /// network namespace) declares that number, and the number does not appear in the
    /// container's `command`, `args` or `env` values (as in `--health-probe-bind-address=:8081`,
    /// where the process is told to serve health checks on an undeclared port): the probe then
    /// most likely checks a stale or mistyped port. A container with no `ports` at all, a probe
    /// that sets `host` (it checks another address) with a numeric port, `exec` probes and
    /// templated ports are skipped. A port declared only with protocol UDP or SCTP is reported:
    /// probes connect over TCP. Only app and native sidecar containers are checked; Kubernetes
    /// runs no probes for the others.
    ///
    /// ## Why is this bad?
    /// A probe on the wrong port fails even though the application is healthy: a liveness probe
    /// then restarts the container in a loop, a readiness probe keeps it out of its Service
    /// forever, and a rollout never completes. If the probe's port happens to answer (a sidecar,
    /// an admin port), it reports health for the wrong process.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     ports:
    ///       - { name: http, containerPort: 8080 }
    ///     livenessProbe:
    ///       httpGet: { path: /healthz, port: web }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     ports:
    ///       - { name: http, containerPort: 8080 }
    ///     livenessProbe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": all services must define liveness and readiness
    /// probes, and a probe on the wrong port defines none that works. Seed 003, "Deployment",
    /// lists health checks among the release gates.
    pub ProbePortNotDeclared {
        id: "K8S019",
        name: "probe-port-not-declared",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Deployment",
    }
}

/// Probe handlers that name a port.
const HANDLERS: &[&str] = &["httpGet", "tcpSocket", "grpc"];

impl Rule for ProbePortNotDeclared {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let containers: Vec<Container<'_, '_>> = workload.pod.containers().collect();
        for container in containers
            .iter()
            .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
        {
            for kind in [ProbeKind::Liveness, ProbeKind::Readiness, ProbeKind::Startup] {
                let Some(probe) = container.probe(kind) else {
                    continue;
                };
                for handler in HANDLERS.iter().filter_map(|h| probe.get(h)) {
                    let Some(port) = handler.get("port") else {
                        continue;
                    };
                    let Some(text) = port.as_text() else {
                        continue;
                    };
                    if text.contains("{{") || text.contains('$') {
                        continue;
                    }
                    let Some(what) = problem(container, &containers, handler, text) else {
                        continue;
                    };
                    out.report(
                        port.span,
                        format!(
                            "{} `{}`, container `{}`: {} port `{text}` {what}",
                            workload.kind_name(),
                            workload.qualified_name(),
                            container.name(),
                            kind.field()
                        ),
                    )
                    .help(
                        "probe a TCP port the container declares, or declare the port:\n\
                         ports:\n  - name: http\n    containerPort: 8080",
                    )
                    .object(ObjectRef::of(object));
                }
            }
        }
    }
}

/// What is wrong with a probe's port, or `None` when Kubernetes will probe a declared TCP port
/// (or a numeric port the reading in the docs accepts).
fn problem(
    container: &Container<'_, '_>,
    pod: &[Container<'_, '_>],
    handler: &Node<'_>,
    port: &str,
) -> Option<&'static str> {
    let numeric = port.bytes().all(|b| b.is_ascii_digit());
    let matching: Vec<&Node<'_>> = container
        .ports()
        .iter()
        .filter(|p| {
            if numeric {
                p.str_at("containerPort") == Some(port)
            } else {
                p.str_at("name") == Some(port)
            }
        })
        .collect();
    if !matching.is_empty() {
        // Probes speak TCP; a port declared only as UDP or SCTP does not answer them.
        let tcp = matching
            .iter()
            .any(|p| p.str_at("protocol").is_none_or(|proto| proto == "TCP"));
        return (!tcp).then_some("is not a TCP port of the container");
    }
    if !numeric {
        return Some("names no port of the container");
    }
    let suspect = !container.ports().is_empty()
        && handler.str_at("host").is_none()
        && !pod.iter().any(|other| {
            other
                .ports()
                .iter()
                .any(|p| p.str_at("containerPort") == Some(port))
        })
        && !configures_port(container, port);
    suspect.then_some("is not among the container's ports")
}

/// True when the container's command, args or env values mention the port number as a word
/// (`--health-probe-bind-address=:8081`, `HEALTH_PORT=8081`): the process is told to listen there.
fn configures_port(container: &Container<'_, '_>, port: &str) -> bool {
    let mentions = |text: &str| text.split(|c: char| !c.is_ascii_digit()).any(|w| w == port);
    let items = |key: &str| container.node.get(key).map(Node::items).unwrap_or_default();
    items("command")
        .iter()
        .chain(items("args"))
        .filter_map(Node::as_text)
        .any(mentions)
        || items("env")
            .iter()
            .filter_map(|env| env.str_at("value"))
            .any(mentions)
}
