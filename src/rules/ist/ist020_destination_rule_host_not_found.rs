//! IST020 destination-rule-host-not-found.
use super::unresolved_host;
use crate::model::mesh::DestinationRule;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule whose `host` resolves to no Service and no ServiceEntry its
    /// namespace can see. The host resolves as IST008 resolves a route's destination, relative to
    /// the DestinationRule's namespace: a short name is a Service of that namespace,
    /// `<name>.<namespace>.svc.cluster.local` a Service of that namespace (its
    /// `networking.istio.io/exportTo` annotation honoured), other names a ServiceEntry host
    /// (wildcards and `exportTo` included). The finding points at the `host` value.
    ///
    /// Services installed from elsewhere are common, so a cluster-local host is judged only when
    /// the scan holds Services of its namespace, an external one only when the scan holds
    /// ServiceEntries. Wildcard hosts (`*.local`, mesh-wide policies) and IP addresses are never
    /// reported. `istioctl analyze` sees the whole cluster and also reports a host whose
    /// namespace the scan does not show; mslint does not.
    ///
    /// ## Why is this bad?
    /// A DestinationRule for a host nobody calls applies to nothing: its TLS mode, circuit
    /// breaker and subsets are silently ignored, usually after a Service was renamed or moved,
    /// and the traffic it was written for runs without them.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// metadata: { namespace: shop }
    /// spec:
    ///   host: reveiws
    ///   trafficPolicy:
    ///     outlierDetection: { consecutive5xxErrors: 5 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// metadata: { namespace: shop }
    /// spec:
    ///   host: reviews.shop.svc.cluster.local
    ///   trafficPolicy:
    ///     outlierDetection: { consecutive5xxErrors: 5 }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define DestinationRules
    /// for load balancing; a policy must name a registered service to take effect.
    pub DestinationRuleHostNotFound {
        id: "IST020",
        name: "destination-rule-host-not-found",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for DestinationRuleHostNotFound {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(rule) = DestinationRule::of(object).filter(|_| cx.index.mesh().active()) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let (Some(node), Some(host)) = (rule.host(), rule.fqdn(namespace)) else {
            return;
        };
        let Some(problem) = unresolved_host(&host, namespace, cx) else {
            return;
        };
        out.report(
            node.span,
            format!(
                "DestinationRule `{}` applies to host `{}`, {problem}: its policy takes effect nowhere",
                object.qualified_name(),
                node.as_str().unwrap_or_default()
            ),
        )
        .help(
            "name the Service as `<name>` (same namespace) or `<name>.<namespace>.svc.cluster.local`, \
             or the host of a ServiceEntry:\n\
             spec:\n  host: reviews.shop.svc.cluster.local",
        )
        .object(ObjectRef::of(object));
    }
}
