//! K8S027 no-progressive-delivery.
use foldhash::{HashMap, HashMapExt};

use crate::index::EntryRoutes;
use crate::model::WorkloadKind;
use crate::model::network::is_internal_load_balancer;
use crate::model::object::Place;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a customer-facing Deployment that is rolled out as a plain rolling update: no Argo
    /// Rollout of its namespace names it in `spec.workloadRef`, and no Flagger `Canary` of its
    /// namespace names it in `spec.targetRef`. The finding points at the Deployment's name, with
    /// what reaches it as a related location.
    ///
    /// A Deployment is customer-facing when a Service of the scan that selects its pods (same
    /// namespace) is reached from outside the cluster: it is of `type: LoadBalancer`, unless a
    /// cloud annotation keeps the load balancer internal or the Service is a gateway's own (as
    /// K8S022 recognises them); or it is the backend of an Ingress, of a Gateway API route
    /// (`HTTPRoute`, `GRPCRoute`, `TLSRoute`, `TCPRoute`, `UDPRoute`), of Kong's `TCPIngress` or
    /// `UDPIngress`, of an Emissary `Mapping`, or the destination of a VirtualService bound to an
    /// Istio Gateway (other than `mesh`, and not an egress Gateway). Kong routes are Ingresses
    /// and Gateway API routes served by Kong, so they count with those.
    ///
    /// Only the nearest Services count: those in the Deployment's file, else in its folder,
    /// else in a folder above or below it; the same goes for the routes of each Service. A scan
    /// of many projects, or of one with variants side by side, holds look-alike Services and
    /// routes in one namespace, and those of a sibling folder belong to something else.
    ///
    /// Silent when the way in cannot be followed to the Deployment in the scan: a route whose
    /// backend Service is not in the scan, a Service that selects no Deployment of the scan, a
    /// Kong declarative configuration (it names upstream hosts, not Services of a namespace).
    /// Left alone: other workload kinds (an Argo Rollout takes over only a Deployment, and the
    /// pods of a StatefulSet or DaemonSet are not interchangeable replicas to shift traffic
    /// between), an inline Argo Rollout (it is the progressive delivery), and Deployments a
    /// controller owns. It is a note: whether a service is customer-facing is a
    /// judgement the files only hint at.
    ///
    /// ## Why is this bad?
    /// A rolling update replaces every pod with the new version as fast as readiness probes
    /// allow, so a release that passes its probes but fails real requests reaches every user
    /// within minutes. A canary sends a small share of the traffic to the new version first, and
    /// a blue/green release keeps the old version ready to switch back to: both limit how many
    /// customers a bad release hurts, and let analysis roll it back on its own.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   defaultBackend:
    ///     service: { name: storefront, port: { number: 80 } }
    /// ---
    /// kind: Deployment
    /// metadata: { name: storefront }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: argoproj.io/v1alpha1
    /// kind: Rollout
    /// metadata: { name: storefront }
    /// spec:
    ///   workloadRef: { apiVersion: apps/v1, kind: Deployment, name: storefront }
    ///   strategy:
    ///     canary:
    ///       steps: [{ setWeight: 10 }, { pause: { duration: 10m } }]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "CI/CD and Deployment Strategies": for customer-facing services, implement
    /// canary deployments or blue/green rollouts.
    pub NoProgressiveDelivery {
        id: "K8S027",
        name: "no-progressive-delivery",
        family: Family::K8s,
        severity: Severity::Note,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §CI/CD and Deployment Strategies",
    }
}

impl Rule for NoProgressiveDelivery {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        let lookup = index.entry_route_lookup();
        // A Service selecting many Deployments is looked at once.
        let mut ways_in: HashMap<Place, Option<(&Object<'_>, String)>> = HashMap::new();
        for (workload, services) in index.workloads_with_services() {
            let object = workload.object;
            if workload.kind != WorkloadKind::Deployment
                || object.is_controlled()
                || index.rollout_referencing(object).is_some()
                || index.canary_targeting(object).is_some()
            {
                continue;
            }
            // A scan of many projects, or of variants side by side, holds look-alike Services in
            // one namespace: only those nearest the Deployment count.
            let way_in = index.nearest(services, object).into_iter().find_map(|service| {
                ways_in
                    .entry(service.place())
                    .or_insert_with(|| way_in(service, &lookup, cx))
                    .clone()
            });
            let Some((entry, label)) = way_in else {
                continue;
            };
            out.report_in(
                object.file,
                object.name_span(),
                format!(
                    "Deployment `{}` is reached from outside the cluster but rolled out by a plain \
                     rolling update, with no canary or blue/green release",
                    workload.qualified_name()
                ),
            )
            .help(
                "roll it out with an Argo Rollout that references it (or a Flagger Canary that \
                 targets it):\nkind: Rollout\nspec:\n  workloadRef: { apiVersion: apps/v1, kind: \
                 Deployment, name: <this Deployment> }\n  strategy:\n    canary:\n      steps: [{ \
                 setWeight: 10 }, { pause: { duration: 10m } }]",
            )
            .object(ObjectRef::of(object))
            .related(entry.file, entry.name_span(), label);
        }
    }
}

/// What brings outside traffic to a Service, with a label naming it: the Service itself when it
/// is a public load balancer that is not a gateway's, else the first route to it.
fn way_in<'o, 's>(
    service: &'o Object<'s>,
    lookup: &EntryRoutes<'o, 's>,
    cx: &Context<'o, 's>,
) -> Option<(&'o Object<'s>, String)> {
    let index = cx.index;
    let public_load_balancer = service.root.path(&["spec", "type"]).and_then(|t| t.as_text())
        == Some("LoadBalancer")
        && !is_internal_load_balancer(service)
        && !index.service_identifies_gateway(service);
    if public_load_balancer {
        return Some((
            service,
            format!("LoadBalancer Service `{}`", service.qualified_name()),
        ));
    }
    let routes = index.entry_routes_to_service(lookup, index.namespace_of(service), service.name()?);
    let route = index.nearest(routes, service).into_iter().next()?;
    let label = format!(
        "{} `{}` routes to it through Service `{}`",
        route.kind(),
        route.qualified_name(),
        service.qualified_name()
    );
    Some((route, label))
}
