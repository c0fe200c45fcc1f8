//! Istio security objects (PeerAuthentication, AuthorizationPolicy) and sidecar injection.

use super::routing::is_istio_kind;
use crate::model::object::label_pairs;
use crate::model::{Object, Workload};
use crate::parse::yaml::Node;

/// The namespace Istio reads mesh-wide policies from unless the mesh config says otherwise.
pub const DEFAULT_ROOT_NAMESPACE: &str = "istio-system";

/// Namespaces of the platform itself, which the mesh leaves alone.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease", "istio-system"];

/// True for an object of Istio's own control plane or gateways: labelled `istio` or
/// `release: istio`, or a Service selecting pods by the `istio` label (a gateway's pods).
pub fn is_control_plane(object: &Object<'_>) -> bool {
    let own = object
        .labels()
        .any(|(k, v)| k == "istio" || (k == "release" && v == "istio"));
    let selects_gateway = label_pairs(object.root.path(&["spec", "selector"])).any(|(k, _)| k == "istio");
    own || (object.kind() == "Service" && selects_gateway)
}

/// A PeerAuthentication's mTLS mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsMode {
    /// Inherit from the parent policy (namespace, then mesh; PERMISSIVE at the top).
    Unset,
    /// Plain text and mTLS both accepted.
    Permissive,
    /// mTLS only.
    Strict,
    /// Plain text only.
    Disable,
}

impl MtlsMode {
    /// Reads a `mode` value; an absent or unknown value inherits.
    pub fn of(node: Option<&Node<'_>>) -> Self {
        match node
            .and_then(Node::as_text)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("PERMISSIVE") => MtlsMode::Permissive,
            Some("STRICT") => MtlsMode::Strict,
            Some("DISABLE") => MtlsMode::Disable,
            _ => MtlsMode::Unset,
        }
    }

    /// True for a mode that lets plain text in.
    pub fn weakens(self) -> bool {
        matches!(self, MtlsMode::Permissive | MtlsMode::Disable)
    }
}

/// A `security.istio.io` PeerAuthentication.
#[derive(Debug, Clone, Copy)]
pub struct PeerAuthentication<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    spec: Option<&'o Node<'s>>,
}

impl<'o, 's> PeerAuthentication<'o, 's> {
    /// The view of a PeerAuthentication.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_istio_kind(object, "PeerAuthentication").then(|| PeerAuthentication {
            object,
            spec: object.root.get("spec"),
        })
    }

    /// `selector`: without one the policy covers its whole namespace (or the mesh, in the root
    /// namespace).
    pub fn selector(&self) -> Option<&'o Node<'s>> {
        self.spec.and_then(|s| s.get("selector"))
    }

    /// `mtls.mode` as written.
    pub fn mode_node(&self) -> Option<&'o Node<'s>> {
        self.spec.and_then(|s| s.path(&["mtls", "mode"]))
    }

    /// `mtls.mode`.
    pub fn mode(&self) -> MtlsMode {
        MtlsMode::of(self.mode_node())
    }

    /// The `portLevelMtls` entries: (port as written, the `mode` node).
    pub fn port_modes(&self) -> Vec<(&'o Node<'s>, Option<&'o Node<'s>>)> {
        self.spec
            .and_then(|s| s.get("portLevelMtls"))
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| (&e.key, e.value.get("mode")))
            .collect()
    }
}

/// A `security.istio.io` AuthorizationPolicy.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationPolicy<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    spec: Option<&'o Node<'s>>,
}

impl<'o, 's> AuthorizationPolicy<'o, 's> {
    /// The view of an AuthorizationPolicy.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_istio_kind(object, "AuthorizationPolicy").then(|| AuthorizationPolicy {
            object,
            spec: object.root.get("spec"),
        })
    }

    /// `action`, `ALLOW` when unset.
    pub fn action(&self) -> &'o str {
        self.spec.and_then(|s| s.str_at("action")).unwrap_or("ALLOW")
    }

    /// The `rules` entries.
    pub fn rules(&self) -> &'o [Node<'s>] {
        self.spec
            .and_then(|s| s.get("rules"))
            .map(Node::items)
            .unwrap_or_default()
    }
}

/// True when an authorization rule has no `from`, `to` or `when` condition: it matches every request.
pub fn rule_matches_everything(rule: &Node<'_>) -> bool {
    rule.is_mapping()
        && ["from", "to", "when"].iter().all(|key| {
            rule.get(key)
                .is_none_or(|v| v.items().is_empty() && v.entries().is_empty())
        })
}

/// How a namespace asks for sidecar injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection {
    /// `istio-injection: enabled` or an `istio.io/rev` label.
    Enabled,
    /// `istio-injection: disabled`.
    Disabled,
    /// Neither label.
    Unset,
}

/// The injection labels of a Namespace: (`istio-injection` value node, `istio.io/rev` node).
pub fn namespace_injection_labels<'o, 's>(
    namespace: &'o Object<'s>,
) -> (Option<&'o Node<'s>>, Option<&'o Node<'s>>) {
    let labels = namespace.root.path(&["metadata", "labels"]);
    (
        labels.and_then(|l| l.get("istio-injection")),
        labels.and_then(|l| l.get("istio.io/rev")),
    )
}

/// How a Namespace object asks for injection.
pub fn namespace_injection(namespace: &Object<'_>) -> Injection {
    let (legacy, revision) = namespace_injection_labels(namespace);
    match legacy.and_then(Node::as_text) {
        Some("enabled") => Injection::Enabled,
        Some("disabled") => Injection::Disabled,
        _ if revision.is_some() => Injection::Enabled,
        _ => Injection::Unset,
    }
}

/// The `sidecar.istio.io/inject` label (or its older annotation) of a pod template, the label first.
pub fn pod_injection<'o, 's>(workload: &Workload<'o, 's>) -> Option<&'o Node<'s>> {
    let metadata = workload.template_metadata()?;
    ["labels", "annotations"]
        .iter()
        .find_map(|field| metadata.get(field).and_then(|m| m.get("sidecar.istio.io/inject")))
}

/// True when a pod template asks for a sidecar itself (`sidecar.istio.io/inject: "true"`).
pub fn pod_requests_injection(workload: &Workload<'_, '_>) -> bool {
    pod_injection(workload).and_then(Node::as_text) == Some("true")
        || label_pairs(workload.template_metadata().and_then(|m| m.get("labels")))
            .any(|(k, _)| k == "istio.io/rev")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn peer_authentication_modes_and_ports_are_read() {
        let objects = parse_objects(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: a}\n\
             spec:\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n",
        );
        let pa = PeerAuthentication::of(&objects[0]).unwrap();
        assert_eq!(pa.mode(), MtlsMode::Strict);
        let ports = pa.port_modes();
        assert_eq!(ports[0].0.as_str(), Some("8080"));
        assert_eq!(MtlsMode::of(ports[0].1), MtlsMode::Disable);
        assert!(pa.selector().is_none());
    }

    #[test]
    fn empty_rules_match_everything_and_rules_with_conditions_do_not() {
        let stream = crate::parse::yaml::parse_for_test(
            "- {}\n- {from: []}\n- {to: [{operation: {methods: [GET]}}]}\n",
        );
        let rules = stream.documents[0].root.items();
        assert!(rule_matches_everything(&rules[0]));
        assert!(rule_matches_everything(&rules[1]));
        assert!(!rule_matches_everything(&rules[2]));
    }

    #[test]
    fn namespaces_ask_for_injection_by_either_label() {
        let objects = parse_objects(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {istio.io/rev: canary}}\n---\n\
             apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {istio-injection: disabled}}\n---\n\
             apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n",
        );
        let modes: Vec<_> = objects.iter().map(namespace_injection).collect();
        assert_eq!(modes, [Injection::Enabled, Injection::Disabled, Injection::Unset]);
    }
}
