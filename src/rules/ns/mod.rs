//! NS: per-namespace rules: network policies, disruption budgets, RBAC.

pub mod ns001_namespace_without_network_policy;
pub mod ns002_namespace_without_default_deny;
pub mod ns003_pod_not_covered_by_network_policy;
pub mod ns004_workload_without_pdb;
pub mod ns005_pdb_blocks_eviction;
pub mod ns006_pdb_selects_nothing;
pub mod ns007_rbac_wildcard;
pub mod ns008_service_account_cluster_admin;

use super::prelude::*;
use crate::model::network::{NetworkPolicy, PodDisruptionBudget, is_placeholder_text, is_templated};
use crate::source::Span;

/// Namespaces Kubernetes runs its own components in: their policies are the platform's.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// Cluster-scoped policy kinds of other engines (Calico, Cilium, AdminNetworkPolicy, Antrea):
/// they can cover any namespace with rules these checks do not read.
const CLUSTER_WIDE_POLICY_KINDS: &[&str] = &[
    "GlobalNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "ClusterNetworkPolicy",
];

/// A namespace whose pods network policies can govern, with what governs them.
struct Namespace<'o, 's> {
    /// Its name.
    name: &'o str,
    /// Its workloads in scan order, without those a controller owns (their owner stands for
    /// them) and without host-network pods (network policies do not apply to them).
    workloads: Vec<Workload<'o, 's>>,
    /// Its `networking.k8s.io` NetworkPolicies, in scan order.
    policies: Vec<NetworkPolicy<'o, 's>>,
    /// Whether another engine's policies may apply to it (Calico or Antrea `NetworkPolicy`,
    /// `CiliumNetworkPolicy`, or any cluster-wide policy in the scan).
    foreign_policies: bool,
}

impl<'o, 's> Namespace<'o, 's> {
    /// The object a namespace-level finding points at, and where: the scanned `Namespace`'s
    /// `metadata.name`, else the first workload's name.
    fn anchor(&self, cx: &Context<'o, 's>) -> Option<(&'o Object<'s>, Span)> {
        let object = cx
            .index
            .find("", "Namespace", self.name)
            .or_else(|| self.workloads.first().map(|w| w.object))?;
        Some((object, object.name_span()))
    }

    /// A NetworkPolicy that denies all ingress in this namespace, as help text.
    fn default_deny_snippet(&self) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  \
             namespace: {}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]",
            snippet_scalar(self.name)
        )
    }

    /// The reference for findings about the namespace as a whole.
    fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: "Namespace".to_owned(),
            namespace: None,
            name: Some(self.name.to_owned()),
        }
    }

    /// "Deployment `cart`" or "3 workloads", for messages.
    fn workloads_phrase(&self) -> String {
        match self.workloads.as_slice() {
            [only] => format!("{} `{}`", only.kind_name(), only.qualified_name()),
            many => format!("{} workloads", many.len()),
        }
    }
}

/// The application namespaces of the scan (system and templated names left out) that hold
/// workloads network policies apply to, sorted by name.
fn network_namespaces<'o, 's>(cx: &Context<'o, 's>) -> Vec<Namespace<'o, 's>> {
    let cluster_wide = cx
        .index
        .objects()
        .any(|o| CLUSTER_WIDE_POLICY_KINDS.contains(&o.kind()));
    cx.index
        .namespaces_with_workloads()
        .iter()
        .copied()
        .filter(|name| !SYSTEM_NAMESPACES.contains(name) && !is_placeholder_text(name))
        .filter_map(|name| {
            let workloads: Vec<Workload<'o, 's>> = cx
                .index
                .workloads_in(name)
                .filter(|w| {
                    !w.object.is_controlled()
                        && !w.pod.uses_host_network()
                        && !cx.index.in_shared_build(w.object)
                })
                .collect();
            if workloads.is_empty() {
                return None;
            }
            let (policies, foreign): (Vec<_>, Vec<_>) = cx
                .index
                .in_namespace(name, "NetworkPolicy")
                .partition(|o| NetworkPolicy::of(o).is_some());
            let foreign_policies = cluster_wide
                || !foreign.is_empty()
                || cx
                    .index
                    .in_namespace(name, "CiliumNetworkPolicy")
                    .next()
                    .is_some();
            Some(Namespace {
                name,
                workloads,
                policies: policies.into_iter().filter_map(NetworkPolicy::of).collect(),
                foreign_policies,
            })
        })
        .collect()
}

/// True when a workload's pod labels are only known after rendering.
fn has_templated_labels(workload: &Workload<'_, '_>) -> bool {
    workload
        .template_metadata()
        .and_then(|m| m.get("labels"))
        .is_some_and(is_templated)
}

/// The namespaces holding a workload whose pod labels are only known after rendering: what a
/// budget there selects cannot be told.
fn namespaces_with_templated_labels<'o>(cx: &Context<'o, '_>) -> foldhash::HashSet<&'o str> {
    cx.index
        .workloads()
        .filter(has_templated_labels)
        .map(|w| cx.index.namespace_of(w.object))
        .collect()
}

/// Every PodDisruptionBudget of the scan, in scan order.
fn budgets<'c, 'o, 's>(cx: &'c Context<'o, 's>) -> impl Iterator<Item = PodDisruptionBudget<'o, 's>> + 'c {
    cx.index
        .of_kind("PodDisruptionBudget")
        .filter_map(PodDisruptionBudget::of)
}

/// True when a budget's selector is only known after rendering.
fn has_templated_selector(pdb: &PodDisruptionBudget<'_, '_>) -> bool {
    pdb.field("selector").is_some_and(is_templated)
}

/// A workload's pod labels as `matchLabels` lines indented by `indent`, or an `app` label
/// named after the workload when the pod has none.
fn match_label_lines(workload: &Workload<'_, '_>, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let lines: Vec<String> = workload
        .template_labels()
        .map(|(k, v)| format!("{pad}{}: {}", snippet_scalar(k), snippet_scalar(v)))
        .collect();
    if lines.is_empty() {
        format!(
            "{pad}app: {}",
            snippet_scalar(workload.object.name().unwrap_or("app"))
        )
    } else {
        lines.join("\n")
    }
}

/// A name or label for a YAML snippet in help: as written when it is a plain name, else
/// quoted, so that a line break or control character in the file's value neither breaks the
/// snippet nor starts a line of its own in a terminal or CI log.
fn snippet_scalar(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/'));
    if plain {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(serde_json::to_string(text).unwrap_or_default())
    }
}

/// A PodDisruptionBudget that lets one pod of a workload go at a time.
fn budget_snippet(workload: &Workload<'_, '_>, namespace: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {}\n  namespace: {}\n\
         spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n{}",
        snippet_scalar(workload.object.name().unwrap_or("app")),
        snippet_scalar(namespace),
        match_label_lines(workload, 6)
    )
}
