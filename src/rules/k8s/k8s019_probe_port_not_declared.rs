//! K8S019 probe-port-not-declared.
use crate::model::ports::near_typo;
use crate::model::workload::port_number;
use crate::model::{Container, ContainerRole};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a probe (`livenessProbe`, `readinessProbe`, `startupProbe`) whose `httpGet`,
    /// `tcpSocket` or `grpc` port the pod spec shows to be wrong:
    /// - a port *name* the probing container does not declare: Kubernetes resolves a probe's
    ///   named port only among that container's own `ports`, so the probe never succeeds; or a
    ///   name it declares only with protocol UDP or SCTP, since probes connect over TCP;
    /// - a port *number* the probing container does not declare, when it does declare ports and
    ///   either another running container of the pod (an app container or a native sidecar)
    ///   declares that number for TCP, so the probe checks that container's process (the pod
    ///   shares one network), or the number is a near-typo of a port the container declares:
    ///   two adjacent digits swapped (8008 or 8800 for 8080), or one digit missing or typed
    ///   twice anywhere but in front (808 or 80800 for 8080, 443 for 4443).
    ///
    /// Any other undeclared number is left alone. Declaring ports is optional (`ports` is
    /// informational), and programs open health ports of their own: Kong's ingress controller
    /// 10254, Jaeger's admin port 14269, the OpenTelemetry collector's 13133, CoreDNS 8080 and
    /// 8181, Envoy's admin 9901. A digit changed in place is no evidence either: port families
    /// are built that way (8080 and 8081, 4317 and 5317, 10254 and 10255), nor is a digit added
    /// or dropped in front (18080 beside 8080, 443 beside 8443). Even with evidence, the rule
    /// stays silent when the container may be told to listen on the number: its `command`,
    /// `args` or `env` values name it (`--health-probe-bind-address=:8081`), or a ConfigMap or
    /// Secret it mounts or reads variables from names it, or is not in the scan (a file it
    /// holds could set any port). A number the container declares only for UDP is not
    /// reported (programs such as statsd-exporter answer TCP on it too). Probes that set `host` (they check another
    /// address) with a numeric port, `exec` probes, templated ports and containers with a
    /// templated `containerPort` are skipped. Only app and native sidecar containers are
    /// checked; Kubernetes runs no probes for the others.
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
    ///     readinessProbe:
    ///       httpGet: { path: /ready, port: 8008 }
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
    ///     readinessProbe:
    ///       httpGet: { path: /ready, port: http }
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

/// What the pod spec shows to be wrong with a probe's port.
enum Problem<'o, 's> {
    /// A name the container does not declare.
    UnknownName,
    /// A name the container declares only for UDP or SCTP.
    NotTcp,
    /// A number another running container declares, at this `ports` entry.
    OtherContainer(Container<'o, 's>, &'o Node<'s>),
    /// A number one slip away from this declared one.
    Typo(i64),
}

impl Rule for ProbePortNotDeclared {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let running: Vec<Container<'_, '_>> = workload
            .pod
            .containers()
            .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
            .collect();
        for (n, container) in running.iter().enumerate() {
            let others: Vec<Container<'_, '_>> = running
                .iter()
                .enumerate()
                .filter(|(m, _)| *m != n)
                .map(|(_, c)| *c)
                .collect();
            let subject = format!(
                "{} `{}`, container `{}`",
                workload.kind_name(),
                workload.qualified_name(),
                container.name()
            );
            // What the container may be told to listen on, read once for all its probes.
            let mut configurable = None;
            for kind in [ProbeKind::Liveness, ProbeKind::Readiness, ProbeKind::Startup] {
                let Some(probe) = container.probe(kind) else {
                    continue;
                };
                for (handler_name, handler) in HANDLERS.iter().filter_map(|h| Some((*h, probe.get(h)?))) {
                    let Some(port) = handler.get("port") else {
                        continue;
                    };
                    let Some(text) = port.as_text() else {
                        continue;
                    };
                    if text.contains("{{") || text.contains('$') {
                        continue;
                    }
                    let problem = match port_number(port) {
                        Some(number) if handler.str_at("host").is_none() => {
                            numeric_problem(container, &others, number).filter(|_| {
                                !configurable
                                    .get_or_insert_with(|| cx.index.configurable_ports(namespace, container))
                                    .contains(number)
                            })
                        }
                        Some(_) => None,
                        None => named_problem(container, text),
                    };
                    let Some(problem) = problem else {
                        continue;
                    };
                    let (what, help) = describe(&problem, container, kind, handler_name);
                    let message = format!("{subject}: {} port `{text}` {what}", kind.field());
                    let finding = out
                        .report(port.span, message)
                        .help(help)
                        .object(ObjectRef::of(object));
                    if let Problem::OtherContainer(other, entry) = problem {
                        finding.related(
                            object.file,
                            entry.span,
                            format!("declared by container `{}`", other.name()),
                        );
                    }
                }
            }
        }
    }
}

/// The problem with a named port, or `None` when it names a TCP port of the container.
fn named_problem<'o, 's>(container: &Container<'o, 's>, name: &str) -> Option<Problem<'o, 's>> {
    let named: Vec<&Node<'_>> = container
        .ports()
        .iter()
        .filter(|p| p.str_at("name") == Some(name))
        .collect();
    if named.is_empty() {
        return Some(Problem::UnknownName);
    }
    // Probes speak TCP; a port declared only as UDP or SCTP does not answer them.
    let tcp = named
        .iter()
        .any(|p| p.str_at("protocol").is_none_or(|proto| proto == "TCP"));
    (!tcp).then_some(Problem::NotTcp)
}

/// The evidence against a numeric port the container does not declare, when there is any.
fn numeric_problem<'o, 's>(
    container: &Container<'o, 's>,
    others: &[Container<'o, 's>],
    number: i64,
) -> Option<Problem<'o, 's>> {
    // A container that lists no ports, or whose ports are placeholders, could listen anywhere.
    let declared = container.declared_port_numbers().filter(|d| !d.is_empty())?;
    if declared.contains(&number) {
        return None;
    }
    // TCP and UDP ports are apart: another container's UDP port leaves the TCP one free.
    let other = others.iter().find_map(|other| {
        let entry = other.ports().iter().find(|p| {
            p.get("containerPort").and_then(port_number) == Some(number)
                && p.str_at("protocol").is_none_or(|proto| proto == "TCP")
        })?;
        Some(Problem::OtherContainer(*other, entry))
    });
    other.or_else(|| {
        declared
            .iter()
            .find(|d| near_typo(number, **d))
            .map(|d| Problem::Typo(*d))
    })
}

/// The end of the message and the help for a problem.
fn describe(
    problem: &Problem<'_, '_>,
    container: &Container<'_, '_>,
    kind: ProbeKind,
    handler: &str,
) -> (String, String) {
    let own = container
        .ports()
        .iter()
        .find_map(|p| p.str_at("name").or_else(|| p.str_at("containerPort")))
        .unwrap_or("http");
    let probe = |port: &str| format!("{}:\n  {handler}:\n    port: {}", kind.field(), OneLine(port));
    match problem {
        Problem::UnknownName => (
            "names no port of the container".to_owned(),
            "probe a port the container declares, by its name, or declare the port under that \
             name:\nports:\n  - name: http\n    containerPort: 8080"
                .to_owned(),
        ),
        Problem::NotTcp => (
            "is not a TCP port of the container".to_owned(),
            "probe a TCP port of the container, or declare the TCP port under a name of its \
             own:\nports:\n  - name: http\n    containerPort: 8080"
                .to_owned(),
        ),
        Problem::OtherContainer(other, _) => (
            format!(
                "is a port of container `{}`, so the probe checks that container's process",
                other.name()
            ),
            format!(
                "probe a port this container listens on, preferably by name:\n{}",
                probe(own)
            ),
        ),
        Problem::Typo(declared) => (
            format!("is not among the container's ports and looks like a typo of its port {declared}"),
            format!(
                "probe the port the container declares:\n{}",
                probe(&declared.to_string())
            ),
        ),
    }
}
