//! What sends outside traffic to a Service and what rolls a workload out, each read once while
//! indexing: the Services that Ingresses, Gateway API routes and Argo Rollouts route to, the
//! workload each Argo Rollout references and the target of each Flagger Canary.

use foldhash::HashMap;

use crate::model::Object;
use crate::model::delivery::{FlaggerCanary, Rollout};
use crate::parse::yaml::Node;

/// The Gateway API route kinds whose `backendRefs` name Services, in the order their routes are
/// listed (after Ingresses, before Rollouts).
const ROUTE_KINDS: [&str; 5] = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

/// Where Ingresses are listed among the routes to a Service.
const INGRESS_RANK: u8 = 0;
/// Where Rollouts are listed among the routes to a Service: last.
const ROLLOUT_RANK: u8 = ROUTE_KINDS.len() as u8 + 1;

/// (namespace, kind, name) of a workload.
type Identity<'o> = (&'o str, &'o str, &'o str);

#[derive(Debug, Default)]
pub(super) struct Traffic<'o> {
    /// (namespace, Service name) → (rank of the route's kind, position) of every object routing
    /// to it, sorted once indexing is done.
    service_routes: HashMap<(&'o str, &'o str), Vec<(u8, usize)>>,
    /// Workload → position of the first Argo Rollout whose `spec.workloadRef` names it.
    rollouts: HashMap<Identity<'o>, usize>,
    /// Workload → position of the first Flagger Canary whose `spec.targetRef` names it.
    canaries: HashMap<Identity<'o>, usize>,
}

impl<'o> Traffic<'o> {
    /// Notes what the object at `position` of `namespace` routes to or rolls out.
    pub(super) fn add(&mut self, object: &'o Object<'_>, position: usize, namespace: &'o str) {
        let mut route = |service_namespace: &'o str, service: &'o str, rank: u8| {
            self.service_routes
                .entry((service_namespace, service))
                .or_default()
                .push((rank, position));
        };
        match object.kind() {
            "Ingress" => {
                for service in ingress_backends(object) {
                    route(namespace, service, INGRESS_RANK);
                }
            }
            "Rollout" => {
                for service in rollout_traffic_services(object) {
                    route(namespace, service, ROLLOUT_RANK);
                }
                if let Some(workload) = Rollout::of(object).and_then(|r| r.workload_ref()) {
                    note_target(&mut self.rollouts, namespace, workload, position);
                }
            }
            "Canary" => {
                if let Some(target) = FlaggerCanary::of(object).and_then(|c| c.target_ref()) {
                    note_target(&mut self.canaries, namespace, target, position);
                }
            }
            kind => {
                if let Some(rank) = ROUTE_KINDS.iter().position(|k| *k == kind) {
                    for (service_namespace, service) in route_backends(object, namespace) {
                        route(service_namespace, service, rank as u8 + 1);
                    }
                }
            }
        }
    }

    /// Orders the routes of each Service: Ingresses, then each route kind, then Rollouts, each
    /// in scan order, each object once.
    pub(super) fn finish(&mut self) {
        for routes in self.service_routes.values_mut() {
            routes.sort_unstable();
            routes.dedup();
        }
    }

    /// Positions of the objects routing to the Service `name` of `namespace`, in listing order.
    pub(super) fn routes_to<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.service_routes
            .get(&(namespace, name))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&(_, position)| position)
    }

    /// Position of the Argo Rollout that references this workload.
    pub(super) fn rollout_of(&self, namespace: &str, kind: &str, name: &str) -> Option<usize> {
        self.rollouts.get(&(namespace, kind, name)).copied()
    }

    /// Position of the Flagger Canary that targets this workload.
    pub(super) fn canary_of(&self, namespace: &str, kind: &str, name: &str) -> Option<usize> {
        self.canaries.get(&(namespace, kind, name)).copied()
    }
}

/// Files the object at `position` under the `kind` and `name` of a reference, keeping the first.
fn note_target<'o>(
    targets: &mut HashMap<Identity<'o>, usize>,
    namespace: &'o str,
    reference: &'o Node<'_>,
    position: usize,
) {
    if let (Some(kind), Some(name)) = (reference.str_at("kind"), reference.str_at("name")) {
        targets.entry((namespace, kind, name)).or_insert(position);
    }
}

/// The Services an Ingress sends to: its default backend and the backend of each rule's paths,
/// in the `networking.k8s.io/v1` form (`service.name`) and the older one (`serviceName`).
fn ingress_backends<'o>(ingress: &'o Object<'_>) -> impl Iterator<Item = &'o str> {
    let spec = ingress.root.get("spec");
    let at = move |keys: &[&str]| spec.and_then(|s| s.path(keys));
    let rule_backends = at(&["rules"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|rule| rule.path(&["http", "paths"]).map(Node::items).unwrap_or_default())
        .filter_map(|path| path.get("backend"));
    at(&["defaultBackend"])
        .into_iter()
        .chain(at(&["backend"]))
        .chain(rule_backends)
        .flat_map(|backend| {
            [backend.path(&["service", "name"]), backend.get("serviceName")]
                .into_iter()
                .filter_map(|name| name.and_then(Node::as_text))
        })
}

/// The (namespace, name) of each Service a Gateway API route of `namespace` names in a rule's
/// `backendRefs` (the route's namespace unless the ref names another).
fn route_backends<'o>(route: &'o Object<'_>, namespace: &'o str) -> impl Iterator<Item = (&'o str, &'o str)> {
    route
        .root
        .path(&["spec", "rules"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|rule| rule.get("backendRefs").map(Node::items).unwrap_or_default())
        .filter(|backend| {
            backend.str_at("kind").unwrap_or("Service") == "Service"
                && backend.str_at("group").is_none_or(str::is_empty)
        })
        .filter_map(move |backend| {
            let name = backend.get("name").and_then(Node::as_text)?;
            Some((backend.str_at("namespace").unwrap_or(namespace), name))
        })
}

/// The Services between which a canary Rollout with `trafficRouting` shifts traffic:
/// `canaryService`, `stableService`, `pingPong` and `alb.rootService`.
fn rollout_traffic_services<'o>(rollout: &'o Object<'_>) -> impl Iterator<Item = &'o str> {
    let canary = rollout
        .root
        .path(&["spec", "strategy", "canary"])
        .filter(|canary| canary.path(&["trafficRouting"]).is_some());
    [
        &["canaryService"][..],
        &["stableService"],
        &["pingPong", "pingService"],
        &["pingPong", "pongService"],
        &["trafficRouting", "alb", "rootService"],
    ]
    .into_iter()
    .filter_map(move |keys| canary?.path(keys)?.as_text())
}
