//! NS002 namespace-without-default-deny.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a namespace that has NetworkPolicies but none that denies ingress by default: a
    /// policy whose `podSelector` is empty (or absent, which Kubernetes reads as empty), so it
    /// selects every pod, whose `policyTypes` include Ingress (when absent, every policy does),
    /// and whose `ingress` rules do not admit everyone. No `ingress` key or an empty list denies
    /// all ingress; rules that admit only some peers or ports still deny the rest, so they count
    /// as a default deny too. A rule with no `from` and no `ports` (`ingress: [{}]`), or a peer
    /// that is `0.0.0.0/0` or `namespaceSelector: {}`, admits everyone and does not count.
    ///
    /// ## Why is this bad?
    /// Policies that select only some pods leave every other pod open, and each new service
    /// starts unprotected until someone writes a policy for it. A default deny makes "closed"
    /// the starting point and each allowed flow an explicit exception. A namespace without any
    /// NetworkPolicy is left to NS001, and namespaces where Calico, Antrea or Cilium policies
    /// (or cluster-wide ones) may apply are skipped, as their rules are not read here. The
    /// finding points at the scanned `Namespace`'s `metadata.name`, else at the namespace's
    /// first workload.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: cart } }
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: web } } }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: default-deny-ingress, namespace: shop }
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": each namespace should define strict NetworkPolicies to control
    /// service-to-service communication. Seed 003, "Production Checklist", asks for network
    /// policies restricting traffic.
    pub NamespaceWithoutDefaultDeny {
        id: "NS002",
        name: "namespace-without-default-deny",
        family: Family::Ns,
        severity: Severity::Warning,
        scope: Scope::Namespace,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Production Checklist",
    }
}

impl Rule for NamespaceWithoutDefaultDeny {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for namespace in super::network_namespaces(cx) {
            if namespace.policies.is_empty()
                || namespace.foreign_policies
                || namespace.policies.iter().any(|p| p.denies_ingress_by_default())
            {
                continue;
            }
            let Some((object, span)) = namespace.anchor(cx) else {
                continue;
            };
            let finding = out
                .report_in(
                    object.file,
                    span,
                    format!(
                        "Namespace `{}` has no NetworkPolicy that denies ingress to all of its pods by default",
                        namespace.name
                    ),
                )
                .help(format!(
                    "add a policy that selects every pod and admits nothing, then allow each flow explicitly:\n{}",
                    namespace.default_deny_snippet()
                ))
                .object(namespace.object_ref());
            for policy in &namespace.policies {
                finding.related(
                    policy.object.file,
                    policy.object.name_span(),
                    "policy that is not a default deny",
                );
            }
        }
    }
}
