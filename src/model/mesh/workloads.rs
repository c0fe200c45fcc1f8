//! Which pods an Istio object applies to: the workload selector of policies, Sidecars,
//! Telemetry and Gateways, and the pods that look like Istio gateways.

use super::routing::is_istio_kind;
use crate::model::network::is_templated;
use crate::model::{LabelSelector, Object, Workload};
use crate::parse::yaml::{Entry, Node};
use crate::source::Span;

/// Labels Istio gives a workload from where its pods run, on top of their own: the node's
/// region, zone and name, the sub-zone, the cluster and the network. It never gives one empty.
const LOCALITY_LABELS: &[&str] = &[
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
    "topology.istio.io/cluster",
    "topology.istio.io/network",
    "kubernetes.io/hostname",
];

/// True when a selector asks for a label Istio adds from where the pods run, with a value: the
/// manifests cannot show which pods carry it.
pub fn requires_locality_label(selector: &LabelSelector<'_>) -> bool {
    selector
        .requirements
        .iter()
        .any(|r| LOCALITY_LABELS.contains(&r.key) && r.values.iter().any(|v| !v.is_empty()))
}

/// True for a selector that asks for the labels of Istio's gateway pods (`istio: ingressgateway`,
/// `app: istio-ingressgateway`, `istio: eastwestgateway`): pods an installer (istioctl, the Helm
/// charts, an IstioOperator) deploys, seldom from the scanned repository.
pub fn selects_istio_gateway(selector: &LabelSelector<'_>) -> bool {
    selector.requirements.iter().any(|r| {
        r.values.iter().any(|v| {
            v.contains("gateway") && (r.key == "istio" || (r.key == "app" && v.starts_with("istio-")))
        })
    })
}

/// The kinds whose `selector` is a `matchLabels` selector.
const MATCH_LABELS_KINDS: &[&str] = &[
    "AuthorizationPolicy",
    "PeerAuthentication",
    "RequestAuthentication",
    "Telemetry",
];

/// The pods an Istio object applies to, as written.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadSelector<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    /// The `selector` (or Sidecar `workloadSelector`) entry; absent when the object applies to
    /// its whole namespace (a Gateway: to every gateway pod).
    entry: Option<&'o Entry<'s>>,
    /// The label map inside the entry.
    labels: Option<&'o Node<'s>>,
}

impl<'o, 's> WorkloadSelector<'o, 's> {
    /// The selector of an AuthorizationPolicy, PeerAuthentication, RequestAuthentication or
    /// Telemetry (`selector.matchLabels`), a Sidecar (`workloadSelector.labels`) or an Istio
    /// Gateway (`selector`, a plain label map). `None` for an object that names what it applies
    /// to with `targetRef` or `targetRefs` (a Gateway API gateway, a waypoint): Istio then does
    /// not use its selector.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        let (key, inner) = if MATCH_LABELS_KINDS.iter().any(|kind| is_istio_kind(object, kind)) {
            ("selector", Some("matchLabels"))
        } else if is_istio_kind(object, "Sidecar") {
            ("workloadSelector", Some("labels"))
        } else if is_istio_kind(object, "Gateway") {
            ("selector", None)
        } else {
            return None;
        };
        let spec = object.root.get("spec");
        if spec.is_some_and(|spec| spec.get("targetRef").is_some() || spec.get("targetRefs").is_some()) {
            return None;
        }
        let entry = spec.and_then(|spec| spec.entry(key));
        let labels = entry.and_then(|e| match inner {
            Some(inner) => e.value.get(inner),
            None => Some(&e.value),
        });
        Some(WorkloadSelector {
            object,
            entry,
            labels,
        })
    }

    /// The labels a pod must carry; `None` when there are none, so the object applies to every
    /// pod in its reach.
    pub fn labels(&self) -> Option<LabelSelector<'o>> {
        LabelSelector::from_equality_map(self.labels)
    }

    /// True when a label of the selector is only known after rendering.
    pub fn is_templated(&self) -> bool {
        self.labels.is_some_and(is_templated)
    }

    /// Where findings about the selector point: its key, else the object's name.
    pub fn span(&self) -> Span {
        self.entry.map_or_else(|| self.object.name_span(), |e| e.key.span)
    }

    /// The labels as `key=value,…`, for messages.
    pub fn describe(&self) -> String {
        self.labels().map(|s| s.equality_text()).unwrap_or_default()
    }
}

/// True for a workload that runs an Istio gateway: labelled `istio: ingressgateway` or
/// `istio: egressgateway`, or running Envoy as a container of its own manifest (an
/// `istio-proxy` container or a `proxyv2` image), as gateway charts do.
pub fn runs_istio_gateway(workload: &Workload<'_, '_>) -> bool {
    let labelled = workload
        .template_labels()
        .any(|(key, value)| key == "istio" && matches!(value, "ingressgateway" | "egressgateway"));
    labelled
        || workload.pod.app_containers().any(|container| {
            container.name() == "istio-proxy"
                || container
                    .image()
                    .and_then(Node::as_text)
                    .is_some_and(|image| image.contains("proxyv2"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn each_kind_keeps_its_selector_where_its_api_puts_it() {
        let objects = parse_objects(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a}\n\
             spec:\n  selector:\n    matchLabels: {app: cart}\n---\n\
             apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s}\n\
             spec:\n  workloadSelector:\n    labels: {app: web, tier: front}\n---\n\
             apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n\
             spec:\n  selector: {istio: ingressgateway}\n---\n\
             apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t}\nspec: {}\n---\n\
             apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: r}\n\
             spec:\n  selector:\n    matchLabels: {app: x}\n  targetRefs: [{kind: Gateway, name: g}]\n---\n\
             apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selector: {app: x}\n",
        );
        let described: Vec<Option<String>> = objects
            .iter()
            .map(|o| WorkloadSelector::of(o).map(|s| s.describe()))
            .collect();
        assert_eq!(
            described,
            [
                Some("app=cart".to_owned()),
                Some("app=web,tier=front".to_owned()),
                Some("istio=ingressgateway".to_owned()),
                Some(String::new()),
                None,
                None
            ]
        );
        assert!(WorkloadSelector::of(&objects[3]).unwrap().labels().is_none());
    }
}
