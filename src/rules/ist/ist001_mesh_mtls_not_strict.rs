//! IST001 mesh-mtls-not-strict.
use crate::model::mesh::security::{Injection, namespace_injection};
use crate::model::mesh::{MtlsMode, PeerAuthentication, is_istio};
use crate::rules::prelude::*;
use crate::source::Span;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a meshed scan that holds no mesh-wide PeerAuthentication with `mtls.mode: STRICT`:
    /// one in the root namespace (`istio-system`, or `--istio-root-namespace`) without a
    /// `selector`. Reported once per scan, at the most relevant object: the mesh-wide
    /// PeerAuthentication that is not STRICT, else the first PeerAuthentication that weakens
    /// mTLS, else the first Namespace that turns sidecar injection on, else the first Istio object.
    ///
    /// Namespace-wide STRICT policies do not count: a namespace added tomorrow starts permissive.
    /// A scan without any Istio object or injection label is not meshed and gets no finding.
    ///
    /// ## Why is this bad?
    /// Istio's default is PERMISSIVE: every sidecar also accepts plain text, so any pod in the
    /// cluster, meshed or not, can call a service without a client certificate, and the identity
    /// an AuthorizationPolicy checks can be bypassed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: { name: default, namespace: istio-system }
    /// spec:
    ///   mtls: { mode: PERMISSIVE }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: { name: default, namespace: istio-system }
    /// spec:
    ///   mtls: { mode: STRICT }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS; if a
    /// service mesh is used, enable mesh-wide mTLS policies. Seed 001, §Security: mutual TLS
    /// between services.
    pub MeshMtlsNotStrict {
        id: "IST001",
        name: "mesh-mtls-not-strict",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §Security; seed 001 §Security",
    }
}

impl Rule for MeshMtlsNotStrict {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mesh = cx.index.mesh();
        if !mesh.active() {
            return;
        }
        let root = mesh.root_namespace();
        let policies: Vec<PeerAuthentication<'_, '_>> = cx
            .index
            .of_kind("PeerAuthentication")
            .filter_map(PeerAuthentication::of)
            .collect();
        let mesh_wide: Vec<&PeerAuthentication<'_, '_>> = policies
            .iter()
            .filter(|p| cx.index.namespace_of(p.object) == root && p.selector().is_none())
            .collect();
        if !mesh_wide.is_empty() && mesh_wide.iter().all(|p| p.mode() == MtlsMode::Strict) {
            return;
        }
        let help = format!(
            "require mTLS for the whole mesh with one PeerAuthentication in the root namespace:\n\
             apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  \
             namespace: {root}\nspec:\n  mtls:\n    mode: STRICT",
            root = OneLine(root)
        );
        let (object, span, message) = if let Some(weak) =
            mesh_wide.iter().find(|p| p.mode() != MtlsMode::Strict)
        {
            let mode = weak.mode_node().and_then(|m| m.as_text()).unwrap_or("UNSET");
            (
                weak.object,
                mode_span(weak),
                format!(
                    "mesh-wide PeerAuthentication `{}` sets mTLS to `{mode}` instead of `STRICT`",
                    weak.object.qualified_name()
                ),
            )
        } else {
            let missing =
                format!("the mesh has no mesh-wide PeerAuthentication with `mtls.mode: STRICT` in `{root}`");
            let Some((object, span)) = anchor(cx, &policies) else {
                return;
            };
            (object, span, missing)
        };
        out.report_in(object.file, span, message)
            .help(help)
            .object(ObjectRef::of(object));
    }
}

/// Where a PeerAuthentication's mode is, or its name when it sets none.
fn mode_span(policy: &PeerAuthentication<'_, '_>) -> Span {
    policy
        .mode_node()
        .map_or_else(|| policy.object.name_span(), |m| m.span)
}

/// Where a missing mesh-wide policy is reported: the first policy that weakens mTLS, else the
/// first Namespace with injection, else the first Istio object.
fn anchor<'o, 's>(
    cx: &Context<'o, 's>,
    policies: &[PeerAuthentication<'o, 's>],
) -> Option<(&'o Object<'s>, Span)> {
    if let Some(weak) = policies.iter().find(|p| p.mode().weakens()) {
        return Some((weak.object, mode_span(weak)));
    }
    let namespace = cx
        .index
        .of_kind("Namespace")
        .find(|n| namespace_injection(n) == Injection::Enabled);
    let object = namespace.or_else(|| cx.index.objects().find(|o| is_istio(o)))?;
    Some((object, object.name_span()))
}
