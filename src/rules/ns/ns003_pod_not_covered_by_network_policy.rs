//! NS003 pod-not-covered-by-network-policy.
use foldhash::{HashMap, HashMapExt};

use crate::model::selector::SelectorIndex;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a workload whose pod template labels no NetworkPolicy `podSelector` of its
    /// namespace selects. Selectors follow Kubernetes: `matchLabels` and `matchExpressions` are
    /// ANDed, and an empty or absent `podSelector` selects every pod of the namespace. A policy
    /// of any `policyTypes` counts as covering the pods it selects.
    ///
    /// ## Why is this bad?
    /// A pod that no policy selects accepts traffic from anywhere, even when its neighbours are
    /// locked down; it is usually a service added after the policies were written. The rule
    /// runs only in namespaces with at least one NetworkPolicy (NS001 reports the others), and
    /// skips namespaces where Calico, Antrea or Cilium policies (or cluster-wide ones) may
    /// apply, pods owned by a controller, `hostNetwork` pods (which policies cannot govern) and
    /// templated labels.
    ///
    /// ## Example
    /// ```yaml
    /// # The only policy selects app: cart; the Deployment `search` runs app: search.
    /// spec:
    ///   podSelector: { matchLabels: { app: cart } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: search, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: search } }
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: web } } }]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": each namespace should define strict NetworkPolicies to control
    /// service-to-service communication. Seed 003, "Production Checklist", asks for network
    /// policies restricting traffic.
    pub PodNotCoveredByNetworkPolicy {
        id: "NS003",
        name: "pod-not-covered-by-network-policy",
        family: Family::Ns,
        severity: Severity::Warning,
        scope: Scope::Namespace,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Production Checklist",
    }
}

impl Rule for PodNotCoveredByNetworkPolicy {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for namespace in super::network_namespaces(cx) {
            if namespace.policies.is_empty() || namespace.foreign_policies {
                continue;
            }
            // Each policy's selector is read once, however many workloads it is matched with.
            let selectors: Vec<_> = namespace
                .policies
                .iter()
                .filter_map(|p| p.pod_selector())
                .collect();
            let labelled: Vec<(&Workload<'_, '_>, Vec<(&str, &str)>)> = namespace
                .workloads
                .iter()
                .filter(|workload| !super::has_templated_labels(workload))
                .map(|workload| (workload, workload.template_labels().collect()))
                .collect();
            let mut carried: HashMap<(&str, &str), usize> = HashMap::new();
            for label in labelled.iter().flat_map(|(_, labels)| labels) {
                *carried.entry(*label).or_default() += 1;
            }
            let policies = SelectorIndex::new(&selectors, |key, value| {
                carried.get(&(key, value)).copied().unwrap_or(0)
            });
            for (workload, labels) in labelled {
                if policies.any_matches(&labels) {
                    continue;
                }
                let finding = out
                    .report_in(
                        workload.object.file,
                        workload.object.name_span(),
                        format!(
                            "{} `{}` runs pods that no NetworkPolicy of namespace `{}` selects",
                            workload.kind_name(),
                            workload.qualified_name(),
                            namespace.name
                        ),
                    )
                    .help(format!(
                        "add a NetworkPolicy that selects these pods and admits only their clients:\n\
                         apiVersion: networking.k8s.io/v1\n\
                         kind: NetworkPolicy\n\
                         metadata:\n  name: {}\n  namespace: {}\n\
                         spec:\n  podSelector:\n    matchLabels:\n{}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {{ app: client }}",
                        super::snippet_scalar(workload.object.name().unwrap_or("app")),
                        super::snippet_scalar(namespace.name),
                        super::match_label_lines(workload, 6)
                    ))
                    .object(ObjectRef::of(workload.object));
                finding.related_from(namespace.policies.iter(), |policy| {
                    (
                        policy.object.file,
                        policy.object.name_span(),
                        "policy that selects other pods".to_owned(),
                    )
                });
            }
        }
    }
}
