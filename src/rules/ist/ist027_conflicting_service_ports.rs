//! IST027 conflicting-service-ports.
use std::collections::BTreeMap;

use foldhash::HashSet;

use crate::model::mesh::protocol::{declared_protocol, is_http};
use crate::model::mesh::security::{is_control_plane, pod_injection};
use crate::model::network::is_templated;
use crate::model::workload::port_number;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a workload in the mesh whose pods the Services of its namespace reach in ways Istio
    /// cannot serve at once: one port number that one Service declares as HTTP (HTTP/1, HTTP/2,
    /// gRPC) and another as a TCP protocol (`tcp`, `tls`, `https`, `mongo`…), by `appProtocol`
    /// or the port name's prefix; or one pod port (`targetPort`, the `port` when unset) that
    /// several Services reach from different port numbers. The finding points at the workload's
    /// name and names the Services.
    ///
    /// The evidence line: the workload must be in the mesh as the scan shows it near the
    /// workload (each file at most three folders below the folder they share): its Namespace or
    /// one of the namespace's pod templates asks for sidecar injection, or `--mesh istio`; and
    /// only Services near the workload count, as another project of the scan may reuse the
    /// namespace and the labels. Left
    /// alone: pods that opt out (`sidecar.istio.io/inject: "false"`), Istio's own gateways and
    /// control plane, UDP ports, ports that declare no protocol (Istio sniffs them), templated
    /// ports, and several ports of one Service.
    ///
    /// ## Why is this bad?
    /// The sidecar builds one inbound listener per pod port. When Services disagree on the
    /// protocol, Istio keeps one of them: the other Service's clients get HTTP parsing on raw TCP
    /// or lose their routing, retries and telemetry. When several Service ports lead to one pod
    /// port, Istio does not support it and the policies of one of them silently do not apply.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: { name: details-tcp }
    /// spec:
    ///   selector: { app: details }
    ///   ports: [{ name: tcp, port: 9080 }]
    /// ---
    /// kind: Service
    /// metadata: { name: details-http }
    /// spec:
    ///   selector: { app: details }
    ///   ports: [{ name: http, port: 9080 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// metadata: { name: details }
    /// spec:
    ///   selector: { app: details }
    ///   ports: [{ name: http, port: 9080 }]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": services must register and resolve via
    /// Kubernetes DNS, and with Istio installed the mesh routes them; it must read each port one
    /// way.
    pub ConflictingServicePorts {
        id: "IST027",
        name: "conflicting-service-ports",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

/// A Service port as one workload receives it.
struct ReachingPort<'o, 's> {
    service: &'o Object<'s>,
    number: i64,
    /// What the port targets in the pod: a number or a port name.
    target: String,
    protocol: Option<String>,
}

impl Rule for ConflictingServicePorts {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        let mesh = index.mesh();
        if !mesh.active() {
            return;
        }
        for (workload, services) in index.workloads_with_services() {
            let object = workload.object;
            // A Service of another project of the scan may reuse the namespace and labels.
            let services: Vec<&Object<'_>> = services
                .into_iter()
                .filter(|service| index.near(service.file, object.file))
                .collect();
            let opted_out = pod_injection(&workload).and_then(Node::as_text) == Some("false");
            if services.len() < 2
                || opted_out
                || is_control_plane(object)
                || !mesh.is_meshed_near(index.namespace_of(object), object.file, index)
            {
                continue;
            }
            let ports = reaching_ports(&services);
            let subject = format!("{} `{}`", workload.kind_name(), workload.qualified_name());
            for (number, http, other) in protocol_conflicts(&ports) {
                out.report_in(
                    object.file,
                    object.name_span(),
                    format!(
                        "{subject} is reached on port {number} as {} by Service `{}` and as {} by Service `{}`: Istio serves one pod port with one protocol",
                        http.protocol.as_deref().unwrap_or_default(),
                        http.service.qualified_name(),
                        other.protocol.as_deref().unwrap_or_default(),
                        other.service.qualified_name()
                    ),
                )
                .help(format!(
                    "give port {number} the same protocol in every Service that selects the pods:\n\
                     spec:\n  ports:\n    - name: http\n      port: {number}\n      appProtocol: http"
                ))
                .object(ObjectRef::of(object));
            }
            for (target, reaching) in shared_targets(&ports) {
                let listed = crate::rules::listed(
                    reaching.len(),
                    reaching
                        .iter()
                        .map(|p| format!("`{}` port {}", p.service.qualified_name(), p.number)),
                );
                out.report_in(
                    object.file,
                    object.name_span(),
                    format!(
                        "{subject} pod port {target} is the target of Services {}: Istio does not support several Service ports leading to one pod port",
                        listed
                    ),
                )
                .help(format!(
                    "reach pod port {target} from one port number in every Service that selects the pods:\n\
                     spec:\n  ports:\n    - name: http\n      port: {}\n      targetPort: {target}",
                    reaching.first().map_or(0, |p| p.number),
                    target = OneLine(target)
                ))
                .object(ObjectRef::of(object));
            }
        }
    }
}

/// The ports of the Services, in Service order; UDP, SCTP and templated ports left out.
fn reaching_ports<'o, 's>(services: &[&'o Object<'s>]) -> Vec<ReachingPort<'o, 's>> {
    let mut ports = Vec::new();
    for service in services {
        for port in service
            .root
            .path(&["spec", "ports"])
            .map(Node::items)
            .unwrap_or_default()
        {
            let datagram = port
                .str_at("protocol")
                .is_some_and(|p| p.eq_ignore_ascii_case("UDP") || p.eq_ignore_ascii_case("SCTP"));
            let Some(number) = port
                .get("port")
                .and_then(port_number)
                .filter(|_| !datagram && !is_templated(port))
            else {
                continue;
            };
            let target = port
                .get("targetPort")
                .and_then(Node::as_text)
                .map_or_else(|| number.to_string(), str::to_owned);
            ports.push(ReachingPort {
                service,
                number,
                target,
                protocol: declared_protocol(port),
            });
        }
    }
    ports
}

/// Each port number that one Service declares as HTTP and another as a TCP protocol, with
/// one port of each side.
fn protocol_conflicts<'p, 'o, 's>(
    ports: &'p [ReachingPort<'o, 's>],
) -> Vec<(i64, &'p ReachingPort<'o, 's>, &'p ReachingPort<'o, 's>)> {
    let mut by_number: BTreeMap<i64, Vec<&ReachingPort<'o, 's>>> = BTreeMap::new();
    for port in ports.iter().filter(|p| p.protocol.is_some()) {
        by_number.entry(port.number).or_default().push(port);
    }
    by_number
        .into_iter()
        .filter_map(|(number, declared)| {
            let http_side = |p: &ReachingPort<'_, '_>| p.protocol.as_deref().is_some_and(is_http);
            let http = declared.iter().copied().find(|p| http_side(p))?;
            let other = declared
                .iter()
                .copied()
                .find(|p| !http_side(p) && !std::ptr::eq(p.service, http.service))?;
            Some((number, http, other))
        })
        .collect()
}

/// Each pod port that several Services reach from different port numbers, with the first
/// port of each number.
fn shared_targets<'p, 'o, 's>(
    ports: &'p [ReachingPort<'o, 's>],
) -> Vec<(&'p str, Vec<&'p ReachingPort<'o, 's>>)> {
    let mut by_target: BTreeMap<&str, (HashSet<i64>, Vec<&ReachingPort<'o, 's>>)> = BTreeMap::new();
    for port in ports {
        let (numbers, reaching) = by_target.entry(port.target.as_str()).or_default();
        if numbers.insert(port.number) {
            reaching.push(port);
        }
    }
    by_target
        .into_iter()
        .map(|(target, (_, reaching))| (target, reaching))
        .filter(|(_, reaching)| {
            reaching
                .first()
                .is_some_and(|first| reaching.iter().any(|p| !std::ptr::eq(p.service, first.service)))
        })
        .collect()
}
