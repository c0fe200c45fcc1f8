//! NS002 namespace-without-default-deny.
use crate::fix::{Applicability, Edit, Fix};
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
    /// ## Fix
    /// Unsafe: `--unsafe-fixes` appends the policy above as a new document to the YAML file of
    /// the namespace's first NetworkPolicy, where the policies already get applied from (a
    /// kustomization lists that file, say), naming the namespace (quoted) only where that
    /// policy names it. It denies every ingress not yet allowed, so a person checks first that
    /// each flow the namespace needs has its policy. No fix is offered when that file is JSON or
    /// templated, or when the namespace already holds a policy named `default-deny-ingress`.
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
        fix: Applicability::Unsafe,
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
                .object(namespace.object_ref())
                .fix(default_deny_fix(&namespace, cx));
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

/// The name the added policy takes.
const DEFAULT_DENY_NAME: &str = "default-deny-ingress";

/// The fix that appends a default-deny policy to the file of the namespace's first policy.
fn default_deny_fix(namespace: &super::Namespace<'_, '_>, cx: &Context<'_, '_>) -> Option<Fix> {
    let first = namespace.policies.first()?.object;
    let text = first.source;
    let json = text.trim_start().starts_with(['{', '[']);
    let taken = cx
        .index
        .find(namespace.name, "NetworkPolicy", DEFAULT_DENY_NAME)
        .is_some();
    if json || taken {
        return None;
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let namespace_line = first
        .root
        .path(&["metadata", "namespace"])
        .and_then(|n| n.as_text())
        // Quoted, so a name YAML would read as a number or a boolean stays a string.
        .map(|written| {
            format!(
                "  namespace: {}{newline}",
                serde_json::to_string(written).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let document = format!(
        "---{newline}apiVersion: networking.k8s.io/v1{newline}kind: NetworkPolicy{newline}metadata:{newline}  \
         name: {DEFAULT_DENY_NAME}{newline}{namespace_line}spec:{newline}  podSelector: {{}}{newline}  \
         policyTypes: [Ingress]{newline}"
    );
    let separator = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        newline
    };
    let fix = Fix::unsafe_(
        format!(
            "add NetworkPolicy `{DEFAULT_DENY_NAME}`, denying ingress by default, to the file of NetworkPolicy `{}`",
            first.qualified_name()
        ),
        vec![Edit::insert(text.len(), format!("{separator}{document}"))],
    )?;
    Some(fix.in_file(first.file))
}
