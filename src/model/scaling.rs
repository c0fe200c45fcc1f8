//! Autoscalers: HorizontalPodAutoscalers and KEDA objects, and the workload each one names.

use super::object::Object;
use crate::parse::yaml::Node;
use crate::source::Span;

/// An object that scales a workload through `spec.scaleTargetRef`.
#[derive(Debug, Clone, Copy)]
pub struct Scaler<'o, 's> {
    /// The autoscaler object.
    pub object: &'o Object<'s>,
    /// Its `spec.scaleTargetRef` mapping.
    pub target: &'o Node<'s>,
}

/// Workload kinds an autoscaler can name that the scan can hold, with the API groups that serve them.
const KNOWN_TARGETS: &[(&str, &[&str])] = &[
    ("Deployment", &["apps", "extensions"]),
    ("StatefulSet", &["apps"]),
    ("ReplicaSet", &["apps", "extensions"]),
    ("ReplicationController", &[""]),
    ("Rollout", &["argoproj.io"]),
];

impl<'o, 's> Scaler<'o, 's> {
    /// The autoscaler view of an object with a `spec.scaleTargetRef` mapping: a
    /// HorizontalPodAutoscaler (`autoscaling/v1`, `v2`, `v2beta1`, `v2beta2`), a KEDA
    /// `ScaledObject` (`keda.sh`) or a KEDA HTTP add-on `HTTPScaledObject` (`http.keda.sh`).
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        let known = matches!(
            (object.api_group(), object.kind()),
            ("autoscaling", "HorizontalPodAutoscaler")
                | ("keda.sh", "ScaledObject")
                | ("http.keda.sh", "HTTPScaledObject")
        );
        if !known {
            return None;
        }
        let target = object
            .root
            .path(&["spec", "scaleTargetRef"])
            .filter(|t| t.is_mapping())?;
        Some(Scaler { object, target })
    }

    /// The `scaleTargetRef` key, where findings about the target as a whole point.
    pub fn target_ref_span(&self) -> Span {
        self.object
            .root
            .get("spec")
            .and_then(|spec| spec.entry("scaleTargetRef"))
            .map_or(self.target.span, |entry| entry.key.span)
    }

    /// True when this is a KEDA `ScaledObject` that takes over the HorizontalPodAutoscaler
    /// `hpa` instead of creating its own: the annotation
    /// `scaledobject.keda.sh/transfer-hpa-ownership: "true"` with
    /// `spec.advanced.horizontalPodAutoscalerConfig.name` naming it.
    pub fn adopts(&self, hpa: &Object<'_>) -> bool {
        let adopted = self
            .object
            .root
            .path(&["spec", "advanced", "horizontalPodAutoscalerConfig", "name"])
            .and_then(Node::as_text);
        self.object.kind() == "ScaledObject"
            && hpa.kind() == "HorizontalPodAutoscaler"
            && self
                .object
                .annotation("scaledobject.keda.sh/transfer-hpa-ownership")
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
            && adopted.is_some_and(|name| Some(name) == hpa.name())
    }

    /// The target's kind. The HPA requires it; KEDA defaults it to Deployment.
    pub fn target_kind(&self) -> &'o str {
        self.target.str_at("kind").unwrap_or("Deployment")
    }

    /// The node naming the target: `name`, or the HTTP add-on's older `deployment` field.
    pub fn target_name_node(&self) -> Option<&'o Node<'s>> {
        self.target
            .get("name")
            .or_else(|| self.target.get("deployment"))
            .filter(|n| n.as_text().is_some())
    }

    /// The target's name.
    pub fn target_name(&self) -> Option<&'o str> {
        self.target_name_node().and_then(Node::as_text)
    }

    /// The fewest replicas the autoscaler keeps its target at: a HorizontalPodAutoscaler's
    /// `spec.minReplicas` (default 1), a KEDA `ScaledObject`'s `spec.minReplicaCount` (default
    /// 0) or an `HTTPScaledObject`'s `spec.replicas.min` (default 0). `None` when the value is
    /// not a plain number (a template placeholder).
    pub fn min_replicas(&self) -> Option<i64> {
        let (path, default): (&[&str], i64) = match self.object.kind() {
            "ScaledObject" => (&["spec", "minReplicaCount"], 0),
            "HTTPScaledObject" => (&["spec", "replicas", "min"], 0),
            _ => (&["spec", "minReplicas"], 1),
        };
        match self.object.root.path(path) {
            Some(node) => node.as_i64(),
            None => Some(default),
        }
    }

    /// True when the target is a workload kind a scan can hold (Deployment, StatefulSet,
    /// ReplicaSet, ReplicationController, Argo Rollout) and `apiVersion`, when given, names the
    /// group that serves it. A custom resource with a scale subresource is none of these.
    pub fn targets_known_kind(&self) -> bool {
        let group = self
            .target
            .str_at("apiVersion")
            .map(|v| v.rsplit_once('/').map_or("", |(group, _)| group));
        KNOWN_TARGETS
            .iter()
            .any(|(kind, groups)| *kind == self.target_kind() && group.is_none_or(|g| groups.contains(&g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn with_scaler<T>(text: &str, check: impl FnOnce(Option<Scaler<'_, '_>>) -> T) -> T {
        let objects = parse_objects(text);
        check(objects.first().and_then(Scaler::of))
    }

    #[test]
    fn keda_defaults_the_kind_and_the_http_add_on_reads_deployment() {
        with_scaler(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {name: web}\n",
            |s| {
                let s = s.expect("a ScaledObject");
                assert_eq!((s.target_kind(), s.target_name()), ("Deployment", Some("web")));
            },
        );
        with_scaler(
            "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {deployment: api, service: api, port: 80}\n",
            |s| assert_eq!(s.and_then(|s| s.target_name()), Some("api")),
        );
    }

    #[test]
    fn min_replicas_defaults_per_autoscaler_kind() {
        let min = |text: &str| with_scaler(text, |s| s.expect("an autoscaler").min_replicas());
        let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n";
        assert_eq!(min(hpa), Some(1));
        assert_eq!(min(&format!("{hpa}  minReplicas: 3\n")), Some(3));
        assert_eq!(
            min(&format!("{hpa}  minReplicas: \"{{{{ .Values.min }}}}\"\n")),
            None
        );
        let keda = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {name: web}\n";
        assert_eq!(min(keda), Some(0));
        assert_eq!(min(&format!("{keda}  minReplicaCount: 2\n")), Some(2));
        let http = "apiVersion: http.keda.sh/v1alpha1\nkind: HTTPScaledObject\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {name: web}\n  replicas: {min: 4, max: 9}\n";
        assert_eq!(min(http), Some(4));
    }

    #[test]
    fn only_autoscaling_hpas_count_and_custom_kinds_are_unknown() {
        with_scaler(
            "apiVersion: example.com/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n",
            |s| assert!(s.is_none()),
        );
        let known = |target: &str| {
            let text = format!(
                "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: a}}\nspec:\n  scaleTargetRef: {target}\n"
            );
            with_scaler(&text, |s| s.expect("an HPA").targets_known_kind())
        };
        assert!(known("{apiVersion: apps/v1, kind: StatefulSet, name: db}"));
        assert!(known("{kind: Rollout, name: web}"));
        assert!(known("{apiVersion: v1, kind: ReplicationController, name: old}"));
        assert!(!known(
            "{apiVersion: apps.kruise.io/v1alpha1, kind: CloneSet, name: web}"
        ));
        assert!(!known(
            "{apiVersion: example.com/v1, kind: Deployment, name: web}"
        ));
    }
}
