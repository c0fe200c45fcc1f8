//! IST004 no-circuit-breaker.
use crate::model::mesh::host::fqdn;
use crate::model::mesh::security::{SYSTEM_NAMESPACES, is_control_plane};
use crate::model::mesh::{DestinationRule, Place};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule that configures no `outlierDetection`: not in its top-level
    /// `trafficPolicy`, and not in every subset's (or every port's) policy. The finding points at
    /// `trafficPolicy` when there is one, else at the rule's name.
    ///
    /// Across files, it also flags a Service of a meshed namespace (the scan shows its Namespace
    /// or one of its pod templates asking for sidecar injection, in a file near the Service's)
    /// that no DestinationRule covers, exactly or through a wildcard host such as
    /// `*.shop.svc.cluster.local`, when DestinationRules sit near it: a project that manages
    /// them has left this one out. Two files are near when each lies at most three folders
    /// below the folder they share, so one project's DestinationRules say nothing about another
    /// project scanned beside it. Services
    /// without a selector, ExternalName and headless Services, those of system namespaces and of the mesh's
    /// own control plane and gateways (labelled `istio`, or selecting pods by that label)
    /// are left alone, as are scans without any DestinationRule (they may be managed elsewhere).
    ///
    /// ## Why is this bad?
    /// Without outlier detection a sidecar keeps sending a share of requests to an instance that
    /// fails every one of them; a single bad pod then degrades every caller. Ejecting it for a
    /// while is the mesh's circuit breaker.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: cart
    ///   trafficPolicy:
    ///     connectionPool:
    ///       http: { http1MaxPendingRequests: 100 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: cart
    ///   trafficPolicy:
    ///     connectionPool:
    ///       http: { http1MaxPendingRequests: 100 }
    ///     outlierDetection:
    ///       consecutive5xxErrors: 5
    ///       interval: 10s
    ///       baseEjectionTime: 30s
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Resilience": implement circuit breakers to stop cascading failures; seed 000,
    /// "Service Discovery and Routing": define DestinationRules for load balancing.
    pub NoCircuitBreaker {
        id: "IST004",
        name: "no-circuit-breaker",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Resilience; seed 000 §Service Discovery and Routing",
    }
}

const HELP: &str = "eject failing instances with outlierDetection:\n\
                    trafficPolicy:\n  outlierDetection:\n    consecutive5xxErrors: 5\n    \
                    interval: 10s\n    baseEjectionTime: 30s";

const RULE_POLICY: &str = "  trafficPolicy:\n    outlierDetection:\n      consecutive5xxErrors: 5\n      \
                           interval: 10s\n      baseEjectionTime: 30s";

impl Rule for NoCircuitBreaker {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mesh = cx.index.mesh();
        if !mesh.active() {
            return;
        }
        for rule in cx
            .index
            .of_kind("DestinationRule")
            .filter_map(DestinationRule::of)
        {
            if !breaks_circuits(&rule) {
                let span = rule
                    .object
                    .root
                    .get("spec")
                    .and_then(|s| s.entry("trafficPolicy"))
                    .map_or_else(|| rule.object.name_span(), |e| e.key.span);
                out.report_in(
                    rule.object.file,
                    span,
                    format!(
                        "DestinationRule `{}` configures no outlierDetection, so failing instances keep receiving traffic",
                        rule.object.qualified_name()
                    ),
                )
                .help(HELP)
                .object(ObjectRef::of(rule.object));
            }
        }
        for service in cx.index.of_kind("Service") {
            let namespace = cx.index.namespace_of(service);
            if SYSTEM_NAMESPACES.contains(&namespace)
                || is_control_plane(service)
                || !routes_to_pods(service)
                || !mesh.is_meshed_near(namespace, service.file, cx.index)
                || !mesh.has_destination_rules_near(service.file, cx.index)
            {
                continue;
            }
            let Some(name) = service.name() else { continue };
            let host = fqdn(name, namespace);
            if mesh.has_destination_rule_for(&host, namespace, cx.index) {
                continue;
            }
            out.report_in(
                service.file,
                service.name_span(),
                format!(
                    "Service `{}` is in the mesh but no DestinationRule covers `{host}`, so it has no circuit breaker",
                    service.qualified_name()
                ),
            )
            .help(format!(
                "add a DestinationRule with outlierDetection for it:\n\
                 apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: {name}\n  \
                 namespace: {namespace}\nspec:\n  host: {name}\n{RULE_POLICY}",
                name = OneLine(name),
                namespace = OneLine(namespace)
            ))
            .object(ObjectRef::of(service));
        }
    }
}

/// True when every traffic path of the rule has outlier detection: the top-level policy, or
/// else each subset (and each port-level setting, when that is all the rule has).
fn breaks_circuits(rule: &DestinationRule<'_, '_>) -> bool {
    let policies = rule.policies();
    let detects = |place: fn(&Place<'_>) -> bool| {
        let chosen: Vec<_> = policies.iter().filter(|p| place(&p.place)).collect();
        !chosen.is_empty() && chosen.iter().all(|p| p.node.get("outlierDetection").is_some())
    };
    detects(|p| *p == Place::TopLevel)
        || (!rule.subsets().is_empty()
            && rule.subsets().len()
                == policies
                    .iter()
                    .filter(|p| matches!(p.place, Place::Subset(_)))
                    .count()
            && detects(|p| matches!(p, Place::Subset(_))))
        || detects(|p| matches!(p, Place::Port(_)))
}

/// True for a Service that balances over pods the mesh can see: a selector, a cluster IP.
fn routes_to_pods(service: &Object<'_>) -> bool {
    let spec = service.root.get("spec");
    let at = |key: &str| spec.and_then(|s| s.str_at(key));
    service.api_group().is_empty()
        && spec
            .and_then(|s| s.get("selector"))
            .is_some_and(|s| !s.entries().is_empty())
        && at("type") != Some("ExternalName")
        && at("clusterIP") != Some("None")
}
