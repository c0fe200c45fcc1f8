//! Field tables of the built-in kinds and the custom resources, used to find keys Kubernetes
//! would silently drop.

mod builtin;
mod crd;
mod misplaced;
mod shape;

use super::object::Object;
pub use misplaced::belongs_at;
pub use shape::Ignored;

/// The keys of an object that its schema does not know; `None` when mslint has no schema for
/// the object's `apiVersion`/`kind` (older API versions, custom resources without a table).
/// A value of another type than its field's holds no key to check; the rest of the object is
/// still checked.
pub fn unknown_fields<'n, 's>(object: &'n Object<'s>) -> Option<Vec<Ignored<'n, 's>>> {
    let Some(table) = builtin::table(object.api_version(), object.kind()) else {
        return crd::unknown_fields(&object.root, object.api_version(), object.kind());
    };
    Some(shape::unknown_keys(&table.nodes, table.root, &object.root, false))
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
    fn a_value_of_another_type_does_not_stop_the_check() {
        let found = unknown(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      ports: 8080\n      resources: {limits: {memory: {a: b}}}\n      imagePullPolcy: Always\n  restartPolcy: Never\n",
        );
        assert_eq!(
            found,
            [
                (
                    "spec.containers[0]".to_owned(),
                    "imagePullPolcy".to_owned(),
                    Some("imagePullPolicy")
                ),
                (
                    "spec".to_owned(),
                    "restartPolcy".to_owned(),
                    Some("restartPolicy")
                ),
            ]
        );
    }

    #[test]
    fn a_rename_is_sole_only_when_no_other_field_is_near() {
        assert_eq!(sole_suggestion("imag", &["image", "ports"]), Some("image"));
        assert_eq!(sole_suggestion("NAME", &["name", "names"]), Some("name"));
        assert_eq!(sole_suggestion("imag", &["image", "images"]), None);
        assert_eq!(sole_suggestion("replicas", &["image", "ports"]), None);
    }
}
