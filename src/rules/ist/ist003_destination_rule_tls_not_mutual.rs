//! IST003 destination-rule-tls-not-mutual.
use crate::model::mesh::DestinationRule;
use crate::model::mesh::host::{is_cluster_local, service_of};
use crate::model::mesh::security::{Injection, SYSTEM_NAMESPACES, namespace_injection};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule whose `tls.mode` is `DISABLE` or `SIMPLE`, at the top level, for a
    /// port or for a subset, when its host is inside the mesh: a host under `.cluster.local`
    /// (a short name resolves there) that no ServiceEntry declares. `SIMPLE` is reported only
    /// when the scan shows the host's namespace with sidecar injection on (near the rule's
    /// file): a server that terminates TLS itself, such as a database with its own
    /// certificate, is rightly reached with `SIMPLE`. The finding points at the mode's value.
    ///
    /// Left alone: external hosts (TLS origination with `SIMPLE` is right for them; see IST018),
    /// hosts in `kube-system` and the other system namespaces, and hosts whose namespace the scan
    /// shows with `istio-injection: disabled`: their pods have no sidecar to speak mTLS, so
    /// `DISABLE` is how meshed clients reach them.
    ///
    /// ## Why is this bad?
    /// The client sidecar sends plain text (`DISABLE`) or TLS without a client certificate
    /// (`SIMPLE`) to a server that expects Istio mTLS: with STRICT peer authentication the calls
    /// fail, with PERMISSIVE they succeed unencrypted and without a verifiable identity.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: payments
    ///   trafficPolicy:
    ///     tls: { mode: DISABLE }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: payments
    ///   trafficPolicy:
    ///     tls: { mode: ISTIO_MUTUAL }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS. Seed 003,
    /// "Security": zero trust, mTLS between services.
    pub DestinationRuleTlsNotMutual {
        id: "IST003",
        name: "destination-rule-tls-not-mutual",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Security",
    }
}

impl Rule for DestinationRuleTlsNotMutual {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(rule) = DestinationRule::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let Some(host) = rule.fqdn(namespace) else {
            return;
        };
        if !in_mesh(&host, namespace, cx) {
            return;
        }
        // A server that terminates TLS itself (a database with its own certificate) is reached
        // with SIMPLE; only a server the scan shows with a sidecar must get mTLS instead.
        let server_has_sidecar = service_of(&host)
            .is_some_and(|(_, ns)| cx.index.mesh().is_meshed_near(ns, object.file, cx.index));
        for policy in rule.policies() {
            let Some(mode) = policy.node.path(&["tls", "mode"]) else {
                continue;
            };
            let Some(text @ ("DISABLE" | "SIMPLE")) = mode.as_text() else {
                continue;
            };
            if text == "SIMPLE" && !server_has_sidecar {
                continue;
            }
            let effect = if text == "DISABLE" {
                "plain text"
            } else {
                "TLS without a client certificate"
            };
            out.report(
                mode.span,
                format!(
                    "DestinationRule `{}` sets tls mode `{text}` ({}) for in-mesh host `{host}`, so its clients send {effect}",
                    object.qualified_name(),
                    policy.place
                ),
            )
            .help(
                "let the sidecars use Istio's mutual TLS (or drop the tls block: auto mTLS does the same):\n\
                 trafficPolicy:\n  tls:\n    mode: ISTIO_MUTUAL",
            )
            .object(ObjectRef::of(object));
        }
    }
}

/// True when a resolved host is a Service of the mesh rather than an external name or a
/// service whose namespace is known to run without sidecars.
fn in_mesh(host: &str, namespace: &str, cx: &Context<'_, '_>) -> bool {
    if !is_cluster_local(host)
        || cx
            .index
            .mesh()
            .service_entries(host, namespace, cx.index)
            .next()
            .is_some()
    {
        return false;
    }
    let Some((_, target_namespace)) = service_of(host) else {
        return true;
    };
    let unmeshed = cx
        .index
        .find("", "Namespace", target_namespace)
        .is_some_and(|n| namespace_injection(n) == Injection::Disabled);
    !unmeshed && !SYSTEM_NAMESPACES.contains(&target_namespace)
}
