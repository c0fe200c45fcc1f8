//! Typed schemas from k8s-openapi, used to find keys Kubernetes would silently drop.

mod crd;
mod de;
mod misplaced;

use std::cell::RefCell;

use k8s_openapi::api::{apps, autoscaling, batch, core, networking, policy, rbac};
use serde::de::DeserializeOwned;

use super::object::Object;
use crate::parse::yaml::Node;
pub use de::Ignored;
pub use misplaced::belongs_at;

/// The keys of an object that its schema does not know; `None` when mslint has no schema for
/// the object's `apiVersion`/`kind` (older API versions, custom resources without a table).
pub fn unknown_fields<'n, 's>(object: &'n Object<'s>) -> Option<Vec<Ignored<'n, 's>>> {
    let check = match (object.api_version(), object.kind()) {
        ("v1", "Pod") => scan::<core::v1::Pod>,
        ("v1", "Service") => scan::<core::v1::Service>,
        ("v1", "ConfigMap") => scan::<core::v1::ConfigMap>,
        ("v1", "Secret") => scan::<core::v1::Secret>,
        ("v1", "ServiceAccount") => scan::<core::v1::ServiceAccount>,
        ("v1", "Namespace") => scan::<core::v1::Namespace>,
        ("v1", "PersistentVolumeClaim") => scan::<core::v1::PersistentVolumeClaim>,
        ("v1", "LimitRange") => scan::<core::v1::LimitRange>,
        ("v1", "ResourceQuota") => scan::<core::v1::ResourceQuota>,
        ("v1", "ReplicationController") => scan::<core::v1::ReplicationController>,
        ("apps/v1", "Deployment") => scan::<apps::v1::Deployment>,
        ("apps/v1", "StatefulSet") => scan::<apps::v1::StatefulSet>,
        ("apps/v1", "DaemonSet") => scan::<apps::v1::DaemonSet>,
        ("apps/v1", "ReplicaSet") => scan::<apps::v1::ReplicaSet>,
        ("batch/v1", "Job") => scan::<batch::v1::Job>,
        ("batch/v1", "CronJob") => scan::<batch::v1::CronJob>,
        ("autoscaling/v1", "HorizontalPodAutoscaler") => scan::<autoscaling::v1::HorizontalPodAutoscaler>,
        ("autoscaling/v2", "HorizontalPodAutoscaler") => scan::<autoscaling::v2::HorizontalPodAutoscaler>,
        ("policy/v1", "PodDisruptionBudget") => scan::<policy::v1::PodDisruptionBudget>,
        ("networking.k8s.io/v1", "NetworkPolicy") => scan::<networking::v1::NetworkPolicy>,
        ("networking.k8s.io/v1", "Ingress") => scan::<networking::v1::Ingress>,
        ("rbac.authorization.k8s.io/v1", "Role") => scan::<rbac::v1::Role>,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => scan::<rbac::v1::ClusterRole>,
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => scan::<rbac::v1::RoleBinding>,
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => scan::<rbac::v1::ClusterRoleBinding>,
        _ => return crd::unknown_fields(&object.root, object.api_version(), object.kind()),
    };
    Some(check(&object.root))
}

/// Runs the typed loader; a value of the wrong type stops it, and the keys found before stay.
fn scan<'n, 's, T: DeserializeOwned>(root: &'n Node<'s>) -> Vec<Ignored<'n, 's>> {
    let found = RefCell::new(Vec::new());
    de::load::<T>(root, de::Path::Root, &found);
    found.into_inner()
}

/// The accepted field most like `key`: a case-insensitive match wins, else the closest name
/// by Jaro-Winkler above 0.8 that a few edits reach (at most 2, or a quarter of the field's
/// length): a shared prefix alone (`imageformat` and `image`) is no misspelling.
pub fn suggestion(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if let Some(exact) = fields.iter().find(|f| f.to_ascii_lowercase() == lower) {
        return Some(exact);
    }
    near_fields(&lower, fields)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f)| f)
}

/// The field `key` is a misspelling of when nothing else could be: the one field equal to it
/// but for case, or the only field near it. What an automatic rename may rely on.
pub fn sole_suggestion(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let mut same = fields.iter().filter(|f| f.to_ascii_lowercase() == lower);
    if let Some(exact) = same.next() {
        return same.next().is_none().then_some(*exact);
    }
    let mut near = near_fields(&lower, fields);
    match (near.next(), near.next()) {
        (Some((_, only)), None) => Some(only),
        _ => None,
    }
}

/// The fields within a few edits of `lower` (a key in lowercase) that also read alike, each with
/// how alike.
fn near_fields<'f>(
    lower: &'f str,
    fields: &'f [&'static str],
) -> impl Iterator<Item = (f64, &'static str)> + 'f {
    fields
        .iter()
        .filter(move |f| strsim::damerau_levenshtein(lower, &f.to_ascii_lowercase()) <= 2.max(f.len() / 4))
        .map(move |f| (strsim::jaro_winkler(lower, &f.to_ascii_lowercase()), *f))
        .filter(|(score, _)| *score > 0.8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn unknown(text: &str) -> Vec<(String, String, Option<&'static str>)> {
        let objects = parse_objects(text);
        let object = &objects[0];
        unknown_fields(object)
            .expect("a known kind")
            .into_iter()
            .map(|i| {
                (
                    i.parent.clone(),
                    i.key.as_str().unwrap_or("").to_owned(),
                    suggestion(i.key.as_str().unwrap_or(""), i.fields),
                )
            })
            .collect()
    }

    #[test]
    fn misspelt_fields_are_found_with_a_suggestion() {
        let found = unknown(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      restartPolcy: Always\n      containers:\n        - name: a\n          image: a:1\n          livenessprobe: {tcpSocket: {port: 80}}\n          resource: {limits: {memory: 1Gi}}\n",
        );
        assert_eq!(
            found,
            [
                (
                    "spec.template.spec".to_owned(),
                    "restartPolcy".to_owned(),
                    Some("restartPolicy")
                ),
                (
                    "spec.template.spec.containers[0]".to_owned(),
                    "livenessprobe".to_owned(),
                    Some("livenessProbe")
                ),
                (
                    "spec.template.spec.containers[0]".to_owned(),
                    "resource".to_owned(),
                    Some("resources")
                ),
            ]
        );
    }

    #[test]
    fn a_shared_prefix_is_no_misspelling() {
        let rbd = [
            "monitors",
            "image",
            "fsType",
            "pool",
            "user",
            "keyring",
            "secretRef",
            "readOnly",
        ];
        assert_eq!(suggestion("imageformat", &rbd), None);
        assert_eq!(suggestion("imag", &rbd), Some("image"));
        assert_eq!(
            suggestion("protectionDoamin", &["protectionDomain", "storagePool"]),
            Some("protectionDomain")
        );
        assert_eq!(
            suggestion(
                "terminationGracePeriod",
                &["terminationGracePeriodSeconds", "tolerations"]
            ),
            Some("terminationGracePeriodSeconds")
        );
    }

    #[test]
    fn label_and_data_maps_have_no_unknown_keys() {
        let found = unknown(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {anything: x}}\ndata: {whatever: y}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn quantities_ports_and_merge_keys_load() {
        let found = unknown(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nbase: &b {image: x:1}\nspec:\n  containers:\n    - <<: *b\n      name: a\n      resources: {requests: {cpu: 1, memory: 64Mi}}\n      ports: [{containerPort: 80, name: http}]\n      readinessProbe: {httpGet: {port: http}}\n",
        );
        assert_eq!(found, [(String::new(), "base".to_owned(), None)]);
    }

    #[test]
    fn a_rename_is_sole_only_when_no_other_field_is_near() {
        assert_eq!(sole_suggestion("imag", &["image", "ports"]), Some("image"));
        assert_eq!(sole_suggestion("NAME", &["name", "names"]), Some("name"));
        assert_eq!(sole_suggestion("imag", &["image", "images"]), None);
        assert_eq!(sole_suggestion("replicas", &["image", "ports"]), None);
    }
}
