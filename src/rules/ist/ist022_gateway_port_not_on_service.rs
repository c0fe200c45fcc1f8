//! IST022 gateway-port-not-on-service.
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::model::LabelSelector;
use crate::model::mesh::{IstioGateway, WorkloadSelector};
use crate::model::network::is_templated;
use crate::model::object::Place;
use crate::model::workload::port_number;
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags an Istio Gateway server whose `port.number` no Service in front of the gateway's
    /// pods exposes: the pods are the pod templates of any namespace that the Gateway's
    /// `selector` matches, the Services are those of each pod's namespace whose `selector`
    /// matches it, and a TCP Service port exposes both its `port` and its `targetPort`. The
    /// finding points at the server's port number.
    ///
    /// The evidence line: the rule judges a Gateway only when the scan holds a pod template its
    /// selector matches in a file near the Gateway (each file at most three folders below the
    /// folder they share) and a Service selecting one of those pods. Gateway pods usually come
    /// from a Helm chart or an IstioOperator the repository does not hold, and then the rule
    /// stays silent. Left alone as well: a Gateway without a selector or with a templated one,
    /// templated port numbers, and Gateways whose Services name a `targetPort` by name (which
    /// container port it reaches is not worth guessing).
    ///
    /// ## Why is this bad?
    /// The Gateway makes Envoy listen on the port inside the gateway pod, but traffic only
    /// reaches the pod through its Service: a port the Service does not expose is unreachable
    /// from outside, and the hosts served on it answer nothing.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   servers:
    ///     - port: { number: 8443, name: https, protocol: HTTPS }
    /// ---
    /// kind: Service
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   ports:
    ///     - { name: https, port: 443, targetPort: 8443 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   servers:
    ///     - port: { number: 443, name: https, protocol: HTTPS }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": public-facing services must be routed
    /// through an API gateway, which must be reachable on the ports it serves.
    pub GatewayPortNotOnService {
        id: "IST022",
        name: "gateway-port-not-on-service",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for GatewayPortNotOnService {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        if !index.mesh().active() {
            return;
        }
        let services_of: HashMap<Place, Vec<&Object<'_>>> = index
            .workloads_with_services()
            .filter(|(_, services)| !services.is_empty())
            .map(|(workload, services)| (workload.object.place(), services))
            .collect();
        // Each Service's ports are read once, however many gateways reach it, and what a
        // selector reaches once, however many gateways share it.
        let mut ports_of: HashMap<Place, Option<BTreeSet<i64>>> = HashMap::new();
        let mut reach_of: HashMap<LabelSelector<'_>, Reach<'_, '_>> = HashMap::new();
        for gateway in index.istio_of_kind("Gateway").filter_map(IstioGateway::of) {
            let object = gateway.object;
            let Some(selector) = WorkloadSelector::of(object).filter(|s| !s.is_templated()) else {
                continue;
            };
            let Some(labels) = selector.labels() else {
                continue;
            };
            let reach = reach_of.entry(labels).or_insert_with_key(|labels| {
                let pods: Vec<&Object<'_>> = index
                    .pod_templates()
                    .matching_anywhere(labels)
                    .map(|(_, pod)| pod.object)
                    .collect();
                // A Service that selects many pods counts once.
                let mut counted: HashSet<Place> = HashSet::new();
                let services: Vec<&Object<'_>> = pods
                    .iter()
                    .filter_map(|pod| services_of.get(&pod.place()))
                    .flatten()
                    .copied()
                    .filter(|service| counted.insert(service.place()))
                    .collect();
                let exposed = services.iter().try_fold(BTreeSet::new(), |mut exposed, service| {
                    let place = service.place();
                    let ports = ports_of.entry(place).or_insert_with(|| exposed_ports(service));
                    exposed.extend(ports.as_ref()?);
                    Some(exposed)
                });
                // One Service written in several files is named once.
                let names: BTreeSet<String> = services
                    .iter()
                    .map(|s| format!("`{}`", s.qualified_name()))
                    .collect();
                Reach {
                    pods,
                    named: crate::rules::listed(names.len(), names.into_iter()),
                    services,
                    exposed,
                }
            });
            let near = reach.pods.iter().any(|pod| index.near(pod.file, object.file));
            if !near || reach.services.is_empty() {
                continue;
            }
            let Some(exposed) = &reach.exposed else {
                continue;
            };
            for port in gateway.servers().iter().filter_map(|server| server.get("port")) {
                let Some(number) = port.get("number") else {
                    continue;
                };
                let Some(wanted) = port_number(number).filter(|n| !exposed.contains(n)) else {
                    continue;
                };
                let shown: Vec<String> = exposed.iter().map(i64::to_string).collect();
                let message = format!(
                    "Gateway `{}` listens on port {wanted}, which no Service of its pods exposes (the ports of {}: {}), so it is unreachable",
                    object.qualified_name(),
                    reach.named,
                    shown.join(", ")
                );
                let protocol = port.str_at("protocol").unwrap_or("tcp").to_ascii_lowercase();
                out.report_in(
                    object.file,
                    number.span,
                    message,
                )
                .help(format!(
                    "serve on a port the gateway's Service exposes, or add the port to that Service:\n\
                     spec:\n  ports:\n    - name: {protocol}-{wanted}\n      port: {wanted}\n      targetPort: {wanted}",
                    protocol = OneLine(&protocol)
                ))
                .object(ObjectRef::of(object));
            }
        }
    }
}

/// The pods a Gateway selector matches, the Services of those pods, and the ports those
/// Services expose (`None` when one of them is not known, see [`exposed_ports`]).
struct Reach<'o, 's> {
    pods: Vec<&'o Object<'s>>,
    services: Vec<&'o Object<'s>>,
    /// The Services, for a message.
    named: String,
    exposed: Option<BTreeSet<i64>>,
}

/// The TCP `port` and `targetPort` numbers of a Service's ports; `None` when one of them is
/// templated or reaches its pods by a port name, so the ports the pods receive are not known.
fn exposed_ports(service: &Object<'_>) -> Option<BTreeSet<i64>> {
    let mut exposed = BTreeSet::new();
    let ports = service.root.path(&["spec", "ports"]).map(Node::items);
    for port in ports.unwrap_or_default() {
        if port.str_at("protocol").unwrap_or("TCP") != "TCP" {
            continue;
        }
        if is_templated(port) {
            return None;
        }
        exposed.extend(port.get("port").and_then(port_number));
        if let Some(target) = port.get("targetPort") {
            exposed.insert(port_number(target)?);
        }
    }
    Some(exposed)
}
