//! IST002 mtls-weakened.
use crate::fix::{Applicability, Edit, Fix};
use crate::model::mesh::{MtlsMode, PeerAuthentication};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a PeerAuthentication whose `mtls.mode`, or a `portLevelMtls` entry's `mode`, is
    /// `PERMISSIVE` or `DISABLE`. The finding points at the mode's value and says what the
    /// policy covers: the whole mesh (root namespace, no selector), a namespace, or the
    /// workloads its selector picks.
    ///
    /// `UNSET` inherits and `STRICT` is what the rule asks for; neither is reported.
    ///
    /// ## Why is this bad?
    /// PERMISSIVE accepts plain text beside mTLS, DISABLE accepts only plain text: any pod, meshed
    /// or not, can then reach the workload without a certificate, and AuthorizationPolicies that
    /// match on a caller's identity can be bypassed. PERMISSIVE is meant for the weeks of a
    /// migration, not as a resting state.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PeerAuthentication
    /// metadata: { name: default, namespace: shop }
    /// spec:
    ///   mtls: { mode: PERMISSIVE }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PeerAuthentication
    /// metadata: { name: default, namespace: shop }
    /// spec:
    ///   mtls: { mode: STRICT }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--fix --unsafe-fixes` sets the weakening mode (`PERMISSIVE`, `DISABLE`) to
    /// `STRICT`. Clients outside the mesh that still send plain text are refused afterwards:
    /// move them into the mesh first.
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS. Seed 001,
    /// §Security: mutual TLS between services.
    pub MtlsWeakened {
        id: "IST002",
        name: "mtls-weakened",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 001 §Security",
        fix: Applicability::Unsafe,
    }
}

impl Rule for MtlsWeakened {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(policy) = PeerAuthentication::of(object) else {
            return;
        };
        let namespace = cx.index.namespace_of(object);
        let scope = match policy.selector() {
            Some(_) => "the workloads it selects".to_owned(),
            None if namespace == cx.index.mesh().root_namespace() => "the whole mesh".to_owned(),
            None => format!("namespace `{namespace}`"),
        };
        let help = "require mTLS (move clients into the mesh first if some still send plain text):\n\
                    spec:\n  mtls:\n    mode: STRICT";
        if let Some(mode) = policy.mode_node().filter(|m| MtlsMode::of(Some(m)).weakens()) {
            out.report(
                mode.span,
                format!(
                    "PeerAuthentication `{}` sets mTLS to `{}` for {scope}, so plain-text traffic is accepted",
                    object.qualified_name(),
                    mode.as_str().unwrap_or_default()
                ),
            )
            .help(help)
            .object(ObjectRef::of(object))
            .fix(strict(mode));
        }
        for (port, mode) in policy.port_modes() {
            let Some(mode) = mode.filter(|m| MtlsMode::of(Some(m)).weakens()) else {
                continue;
            };
            out.report(
                mode.span,
                format!(
                    "PeerAuthentication `{}` sets mTLS to `{}` on port {} for {scope}, so plain-text traffic is accepted there",
                    object.qualified_name(),
                    mode.as_str().unwrap_or_default(),
                    port.as_str().unwrap_or("?")
                ),
            )
            .help(help)
            .object(ObjectRef::of(object))
            .fix(strict(mode));
        }
    }
}

/// The fix that requires mTLS where a mode lets plain text in.
fn strict(mode: &Node<'_>) -> Option<Fix> {
    Fix::unsafe_(
        "set the mTLS mode to `STRICT`",
        vec![Edit::replace(mode.span, "STRICT")],
    )
}
