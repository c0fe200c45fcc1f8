//! IST011 port-name-without-protocol.
use crate::fix::{Applicability, Fix};
use crate::index::service_pod_selector;
use crate::model::mesh::protocol::named_protocol;
use crate::model::mesh::security::is_control_plane;
use crate::model::workload::port_number;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags, in a namespace the scan shows in the mesh (an injection label on the Namespace or
    /// on a pod template of it, in a file near the Service's: each at most three folders below
    /// the folder they share), a Service port whose name does not start with a protocol Istio
    /// knows (`http`, `http2`, `https`, `grpc`, `grpc-web`, `tcp`, `tls`, `udp`, `mongo`,
    /// `mysql`, `redis`, …, alone or followed by `-suffix`) and that sets no `appProtocol`.
    /// The finding points at the port's name, or at the port entry when it has no name.
    ///
    /// Left alone, as Istio does: UDP ports, ports with an `appProtocol` (it wins over the name),
    /// the well-known ports 25, 53, 3306 and 27017, ExternalName Services, Services of
    /// `kube-system`, `kube-public`, `kube-node-lease` and `local-path-storage`, and the
    /// control plane's own Services (labelled `istio` or `release: istio`, or selecting a
    /// gateway's pods by their `istio` label).
    ///
    /// ## Why is this bad?
    /// Without a declared protocol Istio sniffs the first bytes of each connection: server-first
    /// protocols (MySQL, SMTP) stall for the sniffing timeout, and a port sniffed as plain TCP
    /// loses HTTP routing, retries, timeouts and per-request telemetry.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   ports:
    ///     - { name: web, port: 80, targetPort: 8080 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   ports:
    ///     - { name: http-web, port: 80, targetPort: 8080 }
    /// ```
    ///
    /// ## Fix
    /// Safe: when the port's target says its protocol, `--fix` sets `appProtocol` to it. The
    /// target says it when `targetPort` is a name that starts with a protocol (`http-api`), or
    /// when every container port it reaches in the pods the Service selects (by number, TCP) is
    /// named with the same protocol. `appProtocol` wins over the name in Istio, and the port
    /// keeps its name: a rename would break what refers to the port by name, and that may live
    /// outside the repository (an Ingress's `port.name`, a ServiceMonitor's `port`, a client's
    /// DNS SRV lookup of `_name._tcp`).
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, route with
    /// VirtualServices, which need the port's protocol to apply HTTP routing.
    pub PortNameWithoutProtocol {
        id: "IST011",
        name: "port-name-without-protocol",
        family: Family::Ist,
        severity: Severity::Note,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
        fix: Applicability::Safe,
    }
}

/// Namespaces whose Services Istio's own port check leaves alone.
const IGNORED_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// Ports Istio treats as known without a name.
const WELL_KNOWN_PORTS: &[i64] = &[25, 53, 3306, 27017];

impl Rule for PortNameWithoutProtocol {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() != "Service"
            || !object.api_group().is_empty()
            || !cx
                .index
                .mesh()
                .is_meshed_near(cx.index.namespace_of(object), object.file, cx.index)
        {
            return;
        }
        let spec = object.root.get("spec");
        if is_control_plane(object)
            || IGNORED_NAMESPACES.contains(&cx.index.namespace_of(object))
            || spec.and_then(|s| s.str_at("type")) == Some("ExternalName")
        {
            return;
        }
        for port in spec
            .and_then(|s| s.get("ports"))
            .map(|p| p.items())
            .unwrap_or_default()
        {
            let udp = port
                .str_at("protocol")
                .is_some_and(|p| p.eq_ignore_ascii_case("UDP"));
            let number = port.get("port").and_then(|p| p.as_i64());
            if udp
                || port.get("appProtocol").is_some()
                || number.is_some_and(|n| WELL_KNOWN_PORTS.contains(&n))
            {
                continue;
            }
            let name = port.get("name").filter(|n| n.as_text().is_some());
            if name.and_then(|n| n.as_text()).and_then(named_protocol).is_some() {
                continue;
            }
            let (span, what) = match name {
                Some(name) => (name.span, format!("port `{}`", name.as_str().unwrap_or_default())),
                None => (
                    port.entries()
                        .first()
                        .map_or(port.span, |e| e.key.span.cover(e.value.span)),
                    format!(
                        "unnamed port {}",
                        number.map_or("?".to_owned(), |n| n.to_string())
                    ),
                ),
            };
            out.report(
                span,
                format!(
                    "Service `{}`, {what} does not name its protocol, so Istio has to sniff it",
                    object.qualified_name()
                ),
            )
            .help(
                "prefix the port name with its protocol, or set appProtocol:\n\
                 ports:\n  - name: http-web\n    port: 80\n    appProtocol: http",
            )
            .object(ObjectRef::of(object))
            .fix(app_protocol_fix(object, port, cx));
        }
    }
}

/// The fix that sets a port's `appProtocol` to the protocol its target names.
fn app_protocol_fix(service: &Object<'_>, port: &Node<'_>, cx: &Context<'_, '_>) -> Option<Fix> {
    let protocol = target_protocol(service, port, cx)?;
    let edit = crate::fix::yaml::set_path(service.source, port, &["appProtocol"], &protocol)?;
    Fix::safe(format!("set `appProtocol: {protocol}`"), vec![edit])
}

/// The protocol a Service port's target names: a `targetPort` name's prefix, or the one prefix
/// of every TCP container port of that number in the pods the Service selects.
fn target_protocol(service: &Object<'_>, port: &Node<'_>, cx: &Context<'_, '_>) -> Option<String> {
    let target = port.get("targetPort").or_else(|| port.get("port"))?;
    if let Some(name) = target.as_str().filter(|_| port_number(target).is_none()) {
        return named_protocol(name);
    }
    let number = port_number(target)?;
    let selector = service_pod_selector(service)?;
    let namespace = cx.index.namespace_of(service);
    let mut protocols = cx
        .index
        .selected_by(namespace, &selector)
        .flat_map(|workload| workload.pod.containers().collect::<Vec<_>>())
        .flat_map(|container| container.ports())
        .filter(|p| p.get("containerPort").and_then(port_number) == Some(number))
        .filter(|p| p.str_at("protocol").is_none_or(|protocol| protocol == "TCP"))
        .map(|p| p.str_at("name").and_then(named_protocol));
    let first = protocols.next()??;
    protocols
        .all(|other| other.as_ref() == Some(&first))
        .then_some(first)
}
