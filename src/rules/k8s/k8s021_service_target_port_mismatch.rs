//! K8S021 service-target-port-mismatch.
use crate::model::network::is_templated;
use crate::model::workload::port_number;
use crate::model::{Container, ContainerRole, LabelSelector};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Service port whose `targetPort` (or `port`, when `targetPort` is absent, as
    /// Kubernetes defaults it) reaches no container of the pods the Service selects in the scan.
    /// The containers that count are the app containers and native sidecars (init containers
    /// with `restartPolicy: Always`), the ones Kubernetes looks in.
    /// - A named `targetPort` must be the `name` of a container port with the same protocol
    ///   (TCP unless set), since that is how Kubernetes resolves it in each pod.
    /// - A numeric `targetPort` must be a declared `containerPort`. Declaring ports is optional,
    ///   so a selected workload whose containers declare no ports at all could listen anywhere:
    ///   the port is flagged only when every selected workload declares ports, none declares it,
    ///   and no selected container names the number in its command, arguments or environment
    ///   (a port set by flag or variable, such as `--port=18080` or `0.0.0.0:8444`).
    ///
    /// Services without a selector, `type: ExternalName`, templated ports or a `port` that is no
    /// number (a placeholder substituted before applying), and Services that
    /// select nothing in the scan (K8S020) are left alone. Related locations show the selected
    /// workloads.
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
    ///     - { name: http, port: 80, targetPort: 8000 }
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

impl Rule for ServiceTargetPortMismatch {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let templates = cx.index.pod_templates();
        for service in cx.index.of_kind("Service") {
            let Some(spec) = service.root.get("spec") else {
                continue;
            };
            let selector_node = spec.get("selector");
            let Some(selector) = LabelSelector::from_equality_map(selector_node) else {
                continue;
            };
            if service.api_group() != ""
                || service.is_controlled()
                || spec.str_at("type") == Some("ExternalName")
                || selector_node.is_some_and(is_templated)
            {
                continue;
            }
            let namespace = cx.index.namespace_of(service);
            let selected: Vec<Workload<'_, '_>> = templates.matching(namespace, &selector).copied().collect();
            if selected.is_empty() {
                continue;
            }
            for port in spec.get("ports").map(Node::items).unwrap_or_default() {
                // A `port` that is no number is a placeholder substituted before applying.
                if is_templated(port) || port.get("port").and_then(port_number).is_none() {
                    continue;
                }
                let explicit = port.get("targetPort");
                let Some(target) = explicit.or_else(|| port.get("port")) else {
                    continue;
                };
                let protocol = port.str_at("protocol").unwrap_or("TCP");
                let reaches = |workload: &Workload<'_, '_>| match port_number(target) {
                    // Declaring ports is optional: a workload that declares none may listen on it.
                    Some(number) => {
                        serving_containers(workload).all(|c| c.ports().is_empty())
                            || serving_containers(workload)
                                .any(|c| c.declares_port_number(number) || c.mentions_number(number))
                    }
                    None => target.as_text().is_some_and(|name| {
                        serving_containers(workload).any(|c| c.declares_port_name(name, protocol))
                    }),
                };
                if selected.iter().any(reaches) {
                    continue;
                }
                report(service, port, target, explicit.is_some(), &selected, out);
            }
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

/// Reports one port of a Service that reaches no selected container.
fn report(
    service: &Object<'_>,
    port: &Node<'_>,
    target: &Node<'_>,
    explicit: bool,
    selected: &[Workload<'_, '_>],
    out: &mut Findings,
) {
    let port_label = port
        .str_at("name")
        .map(|name| format!("`{name}`"))
        .or_else(|| port.str_at("port").map(str::to_owned))
        .unwrap_or_else(|| "<unnamed>".to_owned());
    let target_text = target.as_text().unwrap_or("");
    let what = match (port_number(target), explicit) {
        (Some(number), true) => format!("targets port {number}, which no selected container declares"),
        (Some(number), false) => {
            format!("has no targetPort, so it targets port {number}, which no selected container declares")
        }
        (None, _) => format!(
            "targets the port name `{target_text}`, which no selected container declares for {}",
            port.str_at("protocol").unwrap_or("TCP")
        ),
    };
    let span = if explicit {
        target.span
    } else {
        port.entry("port")
            .map_or(port.span, |e| e.key.span.cover(e.value.span))
    };
    let finding = out
        .report_in(
            service.file,
            span,
            format!("Service `{}` port {port_label} {what}", service.qualified_name()),
        )
        .help(help(port, target, selected))
        .object(ObjectRef::of(service));
    for workload in selected {
        finding.related(
            workload.object.file,
            workload.object.name_span(),
            format!(
                "selected {} `{}`",
                workload.kind_name(),
                workload.qualified_name()
            ),
        );
    }
}

/// What to change: target a declared port, or declare the one the Service needs.
fn help(port: &Node<'_>, target: &Node<'_>, selected: &[Workload<'_, '_>]) -> String {
    let target_text = target.as_text().unwrap_or("");
    let mut declared: Vec<(&str, Option<&str>)> = Vec::new();
    for port in selected
        .iter()
        .flat_map(serving_containers)
        .flat_map(|c| c.ports())
    {
        if let Some(number) = port.str_at("containerPort") {
            let entry = (number, port.str_at("name"));
            if !declared.contains(&entry) {
                declared.push(entry);
            }
        }
    }
    let suggestion = declared
        .iter()
        .find_map(|(_, name)| *name)
        .or_else(|| declared.first().map(|(number, _)| *number));
    let service_port = port.str_at("port").unwrap_or("80");
    let protocol = port.str_at("protocol").unwrap_or("TCP");
    // The name exists for another protocol: each protocol needs a named port of its own.
    let same_name = selected
        .iter()
        .flat_map(serving_containers)
        .flat_map(|c| c.ports())
        .filter(|_| port_number(target).is_none())
        .find(|p| p.str_at("name") == Some(target_text))
        .and_then(|p| p.str_at("containerPort"));
    match suggestion {
        _ if same_name.is_some() => format!(
            "declare the port for {protocol} under a name of its own on the container, and \
             target that name:\nports:\n  - name: {target_text}-{lower}\n    containerPort: \
             {}\n    protocol: {protocol}",
            same_name.unwrap_or(service_port),
            lower = protocol.to_ascii_lowercase()
        ),
        Some(suggestion) => {
            let listed: Vec<String> = declared
                .iter()
                .map(|(number, name)| match name {
                    Some(name) => format!("{number} ({name})"),
                    None => (*number).to_owned(),
                })
                .collect();
            format!(
                "set `targetPort` to a port the selected containers declare ({}), preferably by \
                 name:\nports:\n  - port: {service_port}\n    targetPort: {suggestion}",
                listed.join(", ")
            )
        }
        None => format!(
            "declare the port, with a name, on the container that listens on it, and target \
             that name:\nports:\n  - name: http\n    containerPort: 8080\n# Service:\nports:\n  \
             - port: {service_port}\n    targetPort: http"
        ),
    }
}
