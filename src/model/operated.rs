//! Pods an operator creates from a custom resource, as far as the resource shows their labels:
//! a Prometheus, an Alertmanager, a Strimzi Kafka, a KEDA ScaledJob or any resource that carries
//! a pod template. Selectors that match those pods select something, though no workload of the
//! scan carries the labels.

use super::Object;
use super::object::label_pairs;
use crate::parse::yaml::Node;

/// How deep below `spec` pod templates are looked for (Strimzi's sits at
/// `spec.kafka.template.pod.metadata`).
const DEPTH: usize = 6;

/// The label sets of the pods `object` makes its operator create: each `labels` map of a
/// `podMetadata` or of a pod template's `metadata` inside its `spec`, with the labels the
/// operator adds itself; empty for an object that shows none.
pub fn pod_label_sets<'o>(object: &'o Object<'_>) -> Vec<Vec<(&'o str, &'o str)>> {
    let own = operator_labels(object);
    let mut sets: Vec<Vec<(&'o str, &'o str)>> = Vec::new();
    if let Some(spec) = object.root.get("spec") {
        collect_templates(spec, DEPTH, &mut sets);
    }
    for set in &mut sets {
        set.extend(own.iter().copied());
    }
    if !own.is_empty() {
        sets.push(own);
    }
    sets
}

/// Label maps of pod metadata below `node`: `podMetadata.labels`, `template.metadata.labels`,
/// `podTemplate.metadata.labels` and Strimzi's `template.pod.metadata.labels`.
fn collect_templates<'o>(node: &'o Node<'_>, depth: usize, sets: &mut Vec<Vec<(&'o str, &'o str)>>) {
    if depth == 0 {
        return;
    }
    for entry in node.entries() {
        let labels = match entry.key.as_str() {
            Some("podMetadata") => entry.value.get("labels"),
            Some("template" | "podTemplate") => entry
                .value
                .path(&["metadata", "labels"])
                .or_else(|| entry.value.path(&["pod", "metadata", "labels"])),
            _ => None,
        };
        if let Some(labels) = labels {
            sets.push(label_pairs(Some(labels)).collect());
        }
        if entry.value.is_mapping() {
            collect_templates(&entry.value, depth - 1, sets);
        }
    }
}

/// The labels an operator puts on every pod of the resource, by the resource's kind.
fn operator_labels<'o>(object: &'o Object<'_>) -> Vec<(&'o str, &'o str)> {
    let Some(name) = object.name() else {
        return Vec::new();
    };
    let app = match (object.api_group(), object.kind()) {
        ("monitoring.coreos.com", "Prometheus") => ("prometheus", "prometheus"),
        ("monitoring.coreos.com", "Alertmanager") => ("alertmanager", "alertmanager"),
        ("monitoring.coreos.com", "ThanosRuler") => ("thanos-ruler", "thanos-ruler"),
        ("kafka.strimzi.io", kind @ ("Kafka" | "KafkaConnect" | "KafkaMirrorMaker2" | "KafkaBridge")) => {
            return vec![("strimzi.io/cluster", name), ("strimzi.io/kind", kind)];
        }
        _ => return Vec::new(),
    };
    vec![
        ("app.kubernetes.io/name", app.0),
        ("app.kubernetes.io/instance", name),
        ("app.kubernetes.io/managed-by", "prometheus-operator"),
        (app.1, name),
        ("operator.prometheus.io/name", name),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn pod_metadata_templates_and_operator_labels_are_found() {
        let objects = parse_objects(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: { name: main }\n\
             spec:\n  podMetadata:\n    labels: { team: obs }\n---\n\
             apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: { name: worker }\n\
             spec:\n  jobTargetRef:\n    template:\n      metadata:\n        labels: { app: worker }\n---\n\
             apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: { name: events }\n\
             spec:\n  kafka:\n    template:\n      pod:\n        metadata:\n          labels: { tier: data }\n",
        );
        let sets: Vec<Vec<Vec<(&str, &str)>>> = objects.iter().map(pod_label_sets).collect();
        assert!(sets[0][0].contains(&("team", "obs")));
        assert!(sets[0][0].contains(&("prometheus", "main")));
        assert!(sets[0][1].contains(&("app.kubernetes.io/name", "prometheus")));
        assert_eq!(sets[1], [vec![("app", "worker")]]);
        assert_eq!(
            sets[2][0],
            [
                ("tier", "data"),
                ("strimzi.io/cluster", "events"),
                ("strimzi.io/kind", "Kafka")
            ]
        );
    }
}
