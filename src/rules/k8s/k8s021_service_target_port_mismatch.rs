//! K8S021 service-target-port-mismatch.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::index::ConfigurablePorts;
use crate::model::network::is_templated;
use crate::model::object::Place;
use crate::model::ports::near_typo;
use crate::model::workload::port_number;
use crate::model::{Container, ContainerRole};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a Service port whose target the selected pods show to be wrong. The target is
    /// `targetPort`, or `port` when `targetPort` is absent, `0` or empty (Kubernetes then
    /// targets the same number). The pods are those of the workloads in the scan whose pod
    /// template the Service's selector matches, and the containers that count are their app
    /// containers and native sidecars (init containers with `restartPolicy: Always`), the ones
    /// Kubernetes looks in.
    /// - A named target must be the `name` of a container port with the same protocol (TCP
    ///   unless set), since that is how Kubernetes resolves it in each pod: it is reported when
    ///   no selected workload declares that name for that protocol.
    /// - A numeric target is reported only on evidence that it is wrong: no selected container
    ///   declares it, and it is a near-typo of a port they do declare (two adjacent digits
    ///   swapped, as 8008 or 8800 for 8080, or one digit missing or typed twice anywhere but in
    ///   front, as 808 or 80800 for 8080, 443 for 4443).
    ///
    /// Any other undeclared number is left alone: declaring ports is optional, and programs
    /// listen on ports of their own or from their configuration (an echo server's 1027,
    /// Jaeger's collector on 14268, a collector receiver set to 5317 in its config file). A
    /// digit changed in place is no evidence (port families are built that way: 4317 and 5317,
    /// 8080 and 8081, 9443 and 8443), nor is a digit added or dropped in front (16379 beside
    /// 6379, 443 beside 8443). Even a near-typo is not reported for a workload that may listen
    /// on the number: one whose containers declare no ports, or a placeholder `containerPort`,
    /// or whose container names the number in its command, arguments or environment
    /// (`--port=18080`, `0.0.0.0:8444`), or in a ConfigMap or Secret it mounts or reads
    /// variables from, or reads one the scan does not hold (a file in it could set any port).
    ///
    /// Services without a selector, `type: ExternalName`, templated ports or a `port` that is no
    /// number (a placeholder substituted before applying), and Services that select nothing in
    /// the scan (K8S020) are left alone. Related locations show the selected workloads.
    ///
    /// ## Why is this bad?
    /// kube-proxy forwards the Service's traffic to a port nothing listens on (connections are
    /// refused), or, for a name no container declares, leaves the pod out of the endpoints: the
    /// Service resolves but never answers.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   selector: { app: cart }
    ///   ports:
    ///     - { name: http, port: 80, targetPort: 8008 }
    /// ---
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: server
    ///           ports: [{ name: http, containerPort: 8080 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ports:
    ///   - { name: http, port: 80, targetPort: http }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": services must register and resolve via
    /// Kubernetes DNS; the name resolves, and `targetPort` decides whether anything answers.
    pub ServiceTargetPortMismatch {
        id: "K8S021",
        name: "service-target-port-mismatch",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

/// Where a Service port sends its traffic.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Target<'n> {
    /// A port name, resolved in each pod.
    Named(&'n str),
    /// A number.
    Number(i64),
}

/// How the Service port says where its traffic goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// An explicit `targetPort`.
    Explicit,
    /// No `targetPort`: the same number as `port`.
    Absent,
    /// `targetPort: 0` or `""`: the same number as `port`.
    Zero,
}

impl Rule for ServiceTargetPortMismatch {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        // Many Services select one workload (one per port, and each of a namespace's copies of
        // a label): its ports are read once, not once per Service.
        let mut read = ReadWorkloads::default();
        // Copies of a project side by side in one namespace hold Services with one selector:
        // what it selects, and what a target finds there, is worked out once.
        let mut selections: HashMap<usize, Selected<'_, '_>> = HashMap::new();
        let mut found: HashMap<(usize, Target<'_>, &str), Option<Evidence<'_>>> = HashMap::new();
        for service in cx.index.of_kind("Service") {
            let Some(spec) = service.root.get("spec") else {
                continue;
            };
            let selector_node = spec.get("selector");
            if service.api_group() != ""
                || service.is_controlled()
                || spec.str_at("type") == Some("ExternalName")
                || selector_node.is_some_and(is_templated)
            {
                continue;
            }
            let namespace = cx.index.namespace_of(service);
            let Some(selection) = cx.index.service_selection(service) else {
                continue;
            };
            let selected = selections
                .entry(selection.id)
                .or_insert_with(|| read.selected(selection.workloads().collect()));
            if selected.workloads.is_empty() {
                continue;
            }
            for port in spec.get("ports").map(Node::items).unwrap_or_default() {
                let Some((target, written)) = target_of(port) else {
                    continue;
                };
                let protocol = match target {
                    Target::Named(_) => port.str_at("protocol").unwrap_or("TCP"),
                    Target::Number(_) => "",
                };
                let shown = found
                    .entry((selection.id, target, protocol))
                    .or_insert_with(|| evidence(cx, namespace, &mut read, selected, protocol, target));
                let Some(evidence) = *shown else {
                    continue;
                };
                let span = match port.get("targetPort").filter(|_| written != Written::Absent) {
                    Some(node) => node.span,
                    None => port
                        .entry("port")
                        .map_or(port.span, |e| e.key.span.cover(e.value.span)),
                };
                let message = format!(
                    "Service `{}` port {} {}",
                    service.qualified_name(),
                    port_label(port),
                    what(written, &evidence, port)
                );
                let finding = out
                    .report_in(service.file, span, message)
                    .help(help(port, &evidence, &read, selected))
                    .object(ObjectRef::of(service));
                finding.related_from(selected.workloads.iter(), |workload| {
                    let label = format!(
                        "selected {} `{}`",
                        workload.kind_name(),
                        workload.qualified_name()
                    );
                    (workload.object.file, workload.object.name_span(), label)
                });
            }
        }
    }
}

/// Where a Service port sends its traffic and how it says so; `None` for a templated port or
/// a `port` that is no number (a placeholder substituted before applying).
fn target_of<'n>(port: &'n Node<'_>) -> Option<(Target<'n>, Written)> {
    if is_templated(port) {
        return None;
    }
    let number = port.get("port").and_then(port_number)?;
    Some(match port.get("targetPort") {
        None => (Target::Number(number), Written::Absent),
        Some(t) if port_number(t) == Some(0) || t.as_text() == Some("") => {
            (Target::Number(number), Written::Zero)
        }
        Some(t) => match port_number(t) {
            Some(target) => (Target::Number(target), Written::Explicit),
            None => (Target::Named(t.as_text().unwrap_or("")), Written::Explicit),
        },
    })
}

/// What the selected pods show to be wrong with a Service port's target.
#[derive(Clone, Copy)]
enum Evidence<'a> {
    /// No selected container declares this name for the port's protocol.
    UndeclaredName(&'a str),
    /// No selected workload may listen on `target`, a near-typo of the declared port
    /// `declared` (named `name`).
    Typo {
        target: i64,
        declared: i64,
        name: Option<&'a str>,
    },
}

/// The evidence that a target is wrong, or `None` when there is none.
fn evidence<'a>(
    cx: &Context<'_, '_>,
    namespace: &str,
    read: &mut ReadWorkloads<'a, '_>,
    selected: &Selected<'a, '_>,
    protocol: &str,
    target: Target<'a>,
) -> Option<Evidence<'a>> {
    match target {
        Target::Named(name) => {
            let declared = read
                .ports_of(selected)
                .any(|p| p.name == Some(name) && p.protocol == protocol);
            (!declared).then_some(Evidence::UndeclaredName(name))
        }
        Target::Number(number) => {
            if selected
                .read
                .iter()
                .any(|&n| read.may_listen_on(cx, namespace, n, number))
            {
                return None;
            }
            read.declared(selected)
                .into_iter()
                .find(|(declared, _)| near_typo(number, *declared))
                .map(|(declared, name)| Evidence::Typo {
                    target: number,
                    declared,
                    name,
                })
        }
    }
}

/// The containers a Service can reach: app containers and native sidecars.
fn serving_containers<'o, 's>(workload: &Workload<'o, 's>) -> impl Iterator<Item = Container<'o, 's>> + 'o {
    workload
        .pod
        .containers()
        .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
}

/// The workloads a Service selects, each with its ports read into [`ReadWorkloads`].
struct Selected<'o, 's> {
    workloads: Vec<Workload<'o, 's>>,
    /// Each workload's place in [`ReadWorkloads::ports`].
    read: Vec<usize>,
}

/// The ports of every workload some Service selects, read once, and whether each may listen
/// on the numbers asked about so far.
#[derive(Default)]
struct ReadWorkloads<'o, 's> {
    at: HashMap<Place, usize>,
    ports: Vec<Listening<'o, 's>>,
    /// What each workload's containers may be told to listen on, read the first time a number
    /// it does not declare is asked about.
    configurable: HashMap<usize, ConfigurablePorts>,
}

/// A workload's serving containers and the ports they declare.
struct Listening<'o, 's> {
    containers: Vec<Container<'o, 's>>,
    /// True when they declare no port, or one without a number (a placeholder): they could
    /// listen anywhere.
    anywhere: bool,
    /// Their ports, in declaration order.
    declared: Vec<DeclaredPort<'o>>,
}

/// A container port as the rule reads it.
struct DeclaredPort<'o> {
    number: Option<i64>,
    name: Option<&'o str>,
    protocol: &'o str,
    /// `containerPort` as written.
    written: Option<&'o str>,
}

impl<'o, 's> ReadWorkloads<'o, 's> {
    /// The selected workloads, each read the first time a Service selects it.
    fn selected(&mut self, workloads: Vec<Workload<'o, 's>>) -> Selected<'o, 's> {
        let read = workloads
            .iter()
            .map(|workload| {
                let next = self.ports.len();
                let at = *self.at.entry(workload.object.place()).or_insert(next);
                if at == next {
                    self.ports.push(Listening::of(workload));
                }
                at
            })
            .collect();
        Selected { workloads, read }
    }

    /// True unless the pod spec of the workload read at `n` shows it does not listen on
    /// `number`: it declares it, declares no ports or a placeholder one (it could listen
    /// anywhere), or a container may be told to listen there (`Index::configurable_ports`).
    fn may_listen_on(&mut self, cx: &Context<'_, '_>, namespace: &str, n: usize, number: i64) -> bool {
        let listening = &self.ports[n];
        if listening.anywhere || listening.declared.iter().any(|p| p.number == Some(number)) {
            return true;
        }
        self.configurable
            .entry(n)
            .or_insert_with(|| {
                let mut ports = ConfigurablePorts::default();
                for container in &listening.containers {
                    ports.extend(cx.index.configurable_ports(namespace, container));
                }
                ports
            })
            .contains(number)
    }

    /// The ports of the selected workloads, workload by workload in declaration order.
    fn ports_of<'r>(&'r self, selected: &'r Selected<'o, 's>) -> impl Iterator<Item = &'r DeclaredPort<'o>> {
        selected.read.iter().flat_map(|&n| &self.ports[n].declared)
    }

    /// The `containerPort` numbers of the selected workloads, each with its name when it has
    /// one, in declaration order and each once.
    fn declared(&self, selected: &Selected<'o, 's>) -> Vec<(i64, Option<&'o str>)> {
        let mut declared = Vec::new();
        let mut seen = HashSet::new();
        for port in self.ports_of(selected) {
            if let Some(number) = port.number
                && seen.insert((number, port.name))
            {
                declared.push((number, port.name));
            }
        }
        declared
    }

    /// The `containerPort` written under the first use of a port name by the selected
    /// workloads, when one uses it.
    fn first_named(&self, selected: &Selected<'o, 's>, name: &str) -> Option<Option<&'o str>> {
        self.ports_of(selected)
            .find(|port| port.name == Some(name))
            .map(|port| port.written)
    }
}

impl<'o, 's> Listening<'o, 's> {
    fn of(workload: &Workload<'o, 's>) -> Self {
        let containers: Vec<Container<'o, 's>> = serving_containers(workload).collect();
        let declared: Vec<DeclaredPort<'o>> = containers
            .iter()
            .flat_map(|c| c.ports())
            .map(|port| DeclaredPort {
                number: port.get("containerPort").and_then(port_number),
                name: port.str_at("name"),
                protocol: port.str_at("protocol").unwrap_or("TCP"),
                written: port.str_at("containerPort"),
            })
            .collect();
        let anywhere = declared.is_empty() || declared.iter().any(|p| p.number.is_none());
        Listening {
            containers,
            anywhere,
            declared,
        }
    }
}

/// The Service port as messages name it: its name, else its number.
fn port_label(port: &Node<'_>) -> String {
    port.str_at("name")
        .map(|name| format!("`{name}`"))
        .or_else(|| port.str_at("port").map(str::to_owned))
        .unwrap_or_else(|| "<unnamed>".to_owned())
}

/// The end of the message: where the port sends traffic, and why that is wrong.
fn what(written: Written, evidence: &Evidence<'_>, port: &Node<'_>) -> String {
    match *evidence {
        Evidence::UndeclaredName(name) => format!(
            "targets the port name `{name}`, which no selected container declares for {}",
            port.str_at("protocol").unwrap_or("TCP")
        ),
        Evidence::Typo { target, declared, .. } => {
            let how = match written {
                Written::Explicit => format!("targets port {target}"),
                Written::Absent => format!("has no targetPort, so it targets port {target}"),
                Written::Zero => format!("has targetPort 0, so it targets port {target}"),
            };
            format!(
                "{how}, which no selected container declares and looks like a typo of their port {declared}"
            )
        }
    }
}

/// What to change: target the declared port, or declare the one the Service needs.
fn help(
    port: &Node<'_>,
    evidence: &Evidence<'_>,
    read: &ReadWorkloads<'_, '_>,
    selected: &Selected<'_, '_>,
) -> String {
    let service_port = OneLine(port.str_at("port").unwrap_or("80"));
    let protocol = port.str_at("protocol").unwrap_or("TCP");
    let target_name = match *evidence {
        Evidence::UndeclaredName(name) => name,
        Evidence::Typo { declared, name, .. } => {
            let fixed = name.map_or(declared.to_string(), str::to_owned);
            return format!(
                "set `targetPort` to the port the selected containers declare, preferably by \
                 name:\nports:\n  - port: {service_port}\n    targetPort: {fixed}",
                fixed = OneLine(&fixed)
            );
        }
    };
    let declared = &read.declared(selected);
    // The name exists for another protocol: each protocol needs a named port of its own.
    let same_name = read.first_named(selected, target_name).flatten();
    if let Some(number) = same_name {
        return format!(
            "declare the port for {protocol} under a name of its own on the container, and \
             target that name:\nports:\n  - name: {target_name}-{lower}\n    containerPort: \
             {number}\n    protocol: {protocol}",
            target_name = OneLine(target_name),
            lower = OneLine(&protocol.to_ascii_lowercase()),
            number = OneLine(number),
            protocol = OneLine(protocol)
        );
    }
    let suggestion = declared
        .iter()
        .find_map(|(_, name)| *name)
        .map(str::to_owned)
        .or_else(|| declared.first().map(|(number, _)| number.to_string()));
    match suggestion {
        Some(suggestion) => {
            let listed = crate::rules::listed(
                declared.len(),
                declared.iter().map(|(number, name)| match name {
                    Some(name) => format!("{number} ({})", OneLine(name)),
                    None => number.to_string(),
                }),
            );
            format!(
                "set `targetPort` to a port the selected containers declare ({}), preferably by \
                 name:\nports:\n  - port: {service_port}\n    targetPort: {suggestion}",
                listed,
                suggestion = OneLine(&suggestion)
            )
        }
        None => format!(
            "declare the port, with a name, on the container that listens on it, and target \
             that name:\nports:\n  - name: {target_name}\n    containerPort: 8080\n# Service:\n\
             ports:\n  - port: {service_port}\n    targetPort: {target_name}",
            target_name = OneLine(target_name)
        ),
    }
}
