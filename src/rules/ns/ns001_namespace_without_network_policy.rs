//! NS001 namespace-without-network-policy.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a namespace that holds workloads but no NetworkPolicy at all. The finding points at
    /// the scanned `Namespace` object's `metadata.name`, else at the namespace's first workload
    /// in scan order. A workload of a kustomize base that overlays of different namespaces
    /// share counts in none of them: each overlay adds what its namespace holds.
    ///
    /// ## Why is this bad?
    /// Without a NetworkPolicy every pod accepts connections from every other pod of the
    /// cluster: one compromised service can reach the databases and admin ports of all the
    /// others. Objects without `metadata.namespace` count for the default namespace (`default`,
    /// or `--namespace`), so a repository of namespace-less manifests with no policy is flagged
    /// too: the guideline asks it of every namespace the services land in. The system
    /// namespaces (`kube-system`, `kube-public`, `kube-node-lease`), pods owned by a controller
    /// and `hostNetwork` pods (which policies cannot govern) are left out. Calico, Antrea and
    /// Cilium policies in the namespace, and cluster-wide policies (Calico
    /// `GlobalNetworkPolicy`, `CiliumClusterwideNetworkPolicy`, `AdminNetworkPolicy`) anywhere
    /// in the scan, count as policies.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// # Deployments in `shop`, and no NetworkPolicy
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": each namespace should define strict NetworkPolicies to control
    /// service-to-service communication. Seed 003, "Production Checklist", asks for network
    /// policies restricting traffic.
    pub NamespaceWithoutNetworkPolicy {
        id: "NS001",
        name: "namespace-without-network-policy",
        family: Family::Ns,
        severity: Severity::Error,
        scope: Scope::Namespace,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Production Checklist",
    }
}

impl Rule for NamespaceWithoutNetworkPolicy {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for namespace in super::network_namespaces(cx) {
            if !namespace.policies.is_empty() || namespace.foreign_policies {
                continue;
            }
            let Some((object, span)) = namespace.anchor(cx) else {
                continue;
            };
            out.report_in(
                object.file,
                span,
                format!(
                    "Namespace `{}` has no NetworkPolicy, so {} {} traffic from any pod of the cluster",
                    namespace.name,
                    namespace.workloads_phrase(),
                    if namespace.workloads.len() == 1 {
                        "accepts"
                    } else {
                        "accept"
                    },
                ),
            )
            .help(format!(
                "add a NetworkPolicy to the namespace, starting with a default deny of ingress:\n{}",
                namespace.default_deny_snippet()
            ))
            .object(namespace.object_ref());
        }
    }
}
