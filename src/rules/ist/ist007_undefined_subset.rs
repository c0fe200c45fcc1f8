//! IST007 undefined-subset.
use foldhash::{HashMap, HashMapExt, HashSet};

use super::routed_destinations;
use crate::model::mesh::DestinationRule;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a route destination (`route[].destination`, `mirror`, `mirrors[].destination`, in
    /// `http`, `tcp` and `tls` routes) that names a `subset` which no DestinationRule for its
    /// host defines. The finding points at the subset's value; the DestinationRules for the host
    /// are related locations.
    ///
    /// Hosts resolve as Istio resolves them: a short name in the VirtualService's namespace, a
    /// DestinationRule's host in its own namespace, wildcard DestinationRule hosts cover the
    /// names under them, and a DestinationRule hidden from the VirtualService's namespace by its
    /// `exportTo` does not count. A host with no DestinationRule in the scan at all is reported
    /// too: the subset is then defined nowhere the scan can show.
    ///
    /// ## Why is this bad?
    /// A subset that does not exist has no endpoints: Envoy answers every request of that route
    /// (or of that traffic share) with `503 no healthy upstream`, typically right after a
    /// canary release renamed `v2` on one side only.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   http:
    ///     - route:
    ///         - destination: { host: reviews, subset: v3 }
    /// ---
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///     - { name: v1, labels: { version: v1 } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///     - { name: v1, labels: { version: v1 } }
    ///     - { name: v3, labels: { version: v3 } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define VirtualServices
    /// for routing and DestinationRules for load balancing; each route must reach its service.
    pub UndefinedSubset {
        id: "IST007",
        name: "undefined-subset",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for UndefinedSubset {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mesh = cx.index.mesh();
        // Routes to one host from one namespace share the rules that apply, looked up once.
        let mut applying: HashMap<(String, &str), Applying<'_, '_>> = HashMap::new();
        for found in routed_destinations(cx) {
            let (destination, namespace) = (found.destination, found.namespace);
            let (Some(subset), Some(host)) = (destination.subset(), destination.fqdn(namespace)) else {
                continue;
            };
            let wanted = subset.as_str().unwrap_or_default();
            let Applying { rules, subsets } =
                applying
                    .entry((host.clone(), namespace))
                    .or_insert_with_key(|(host, namespace)| {
                        let rules = mesh.destination_rules_for(host, namespace, cx.index);
                        let subsets = rules.iter().flat_map(|r| r.subset_names()).collect();
                        Applying { rules, subsets }
                    });
            if subsets.contains(wanted) {
                continue;
            }
            let missing = if rules.is_empty() {
                format!("and the scan holds no DestinationRule for `{host}`")
            } else {
                "which no DestinationRule for that host defines".to_owned()
            };
            let finding = out
                .report_in(
                    found.service.object.file,
                    subset.span,
                    format!("{} subset `{wanted}` of `{host}`, {missing}", found.subject()),
                )
                .help(format!(
                    "define the subset in the DestinationRule for the host, or route to one it defines:\n\
                     spec:\n  host: {}\n  subsets:\n    - name: {wanted}\n      labels: {{ version: {wanted} }}",
                    OneLine(destination.host().and_then(|h| h.as_text()).unwrap_or_default()),
                    wanted = OneLine(wanted)
                ))
                .object(ObjectRef::of(found.service.object));
            finding.related_from(rules.iter(), |rule| {
                let defined: Vec<&str> = rule.subset_names().collect();
                (
                    rule.object.file,
                    rule.host().map_or_else(|| rule.object.name_span(), |h| h.span),
                    format!("DestinationRule for the host, subsets: {}", defined.join(", ")),
                )
            });
        }
    }
}

/// The DestinationRules for a host that apply to a namespace, and the subsets they define.
struct Applying<'o, 's> {
    rules: Vec<DestinationRule<'o, 's>>,
    subsets: HashSet<&'o str>,
}
