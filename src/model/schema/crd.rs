//! Field tables for custom resources (Istio, Gateway API, Kong, Emissary, Argo Rollouts, KEDA),
//! generated from their CRDs' `openAPIV3Schema` by `scripts/crd-schemas.py` into `crds/crds.json`.
//!
//! A mapping whose schema lists `properties` knows exactly those keys; one without (free-form
//! objects such as a KongPlugin's `config`, `additionalProperties` maps, int-or-string values)
//! accepts anything. `crds/README.md` names the sources and their licences.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

use super::shape::{Ignored, Shape};
use crate::parse::yaml::Node;

/// The generated table; see the module docs for its shape.
const DATA: &str = include_str!("crds/crds.json");

/// The version key the generator writes for an apiVersion the CRD no longer lists.
const FALLBACK: &str = "*";

/// The field table, read on the first custom resource of a scan.
struct Table {
    /// `group/Kind` → version (or [`FALLBACK`]) → root node.
    kinds: HashMap<&'static str, HashMap<&'static str, u32>>,
    nodes: Vec<Shape>,
}

/// One node as `crds.json` writes it.
#[derive(Deserialize)]
struct RawNode<'a> {
    #[serde(borrow, default)]
    p: Option<BTreeMap<&'a str, u32>>,
    #[serde(default)]
    i: u32,
    #[serde(default)]
    a: u32,
}

#[derive(Deserialize)]
struct RawTable<'a> {
    #[serde(borrow)]
    kinds: HashMap<&'a str, HashMap<&'a str, u32>>,
    #[serde(borrow)]
    nodes: Vec<RawNode<'a>>,
}

impl Table {
    fn get() -> &'static Table {
        static TABLE: OnceLock<Table> = OnceLock::new();
        TABLE.get_or_init(|| Table::parse(DATA))
    }

    fn parse(data: &'static str) -> Table {
        let raw: RawTable<'static> = serde_json::from_str(data)
            .expect("crds.json is written by scripts/crd-schemas.py and loaded by a unit test");
        let nodes = raw
            .nodes
            .into_iter()
            .map(|node| {
                let (fields, children) = node.p.unwrap_or_default().into_iter().unzip();
                Shape::new(fields, children, node.i, node.a)
            })
            .collect();
        Table {
            kinds: raw.kinds,
            nodes,
        }
    }

    /// The root node for an apiVersion and kind, if the table has the kind at that version
    /// (or has a fallback for the kind's group).
    fn root(&self, group: &str, version: &str, kind: &str) -> Option<u32> {
        let versions = self.kinds.get(format!("{group}/{kind}").as_str())?;
        let root = *versions.get(version).or_else(|| versions.get(FALLBACK))?;
        ((root as usize) < self.nodes.len()).then_some(root)
    }
}

/// The unknown keys of a custom resource; `None` when the table has no schema for its
/// apiVersion and kind.
pub(super) fn unknown_fields<'n, 's>(
    object: &'n Node<'s>,
    api_version: &str,
    kind: &str,
) -> Option<Vec<Ignored<'n, 's>>> {
    let (group, version) = api_version.rsplit_once('/')?;
    // Built-in groups (`apps`, `batch`) have no dot; custom resources always have one.
    if !group.contains('.') {
        return None;
    }
    let table = Table::get();
    let root = table.root(group, version, kind)?;
    Some(super::shape::unknown_keys(&table.nodes, root, object, true))
}

#[cfg(test)]
mod tests {
    use super::super::shape::FREE;
    use super::*;
    use crate::model::object::parse_objects;
    use crate::model::schema::suggestion;

    /// (parent, key, suggestion) of each unknown key, or `None` for an unchecked kind.
    fn unknown(text: &str) -> Option<Vec<(String, String, Option<&'static str>)>> {
        let objects = parse_objects(text);
        let object = &objects[0];
        let found = unknown_fields(&object.root, object.api_version(), object.kind())?;
        Some(
            found
                .into_iter()
                .map(|i| {
                    let key = i.key.as_str().unwrap_or("").to_owned();
                    let hint = suggestion(&key, i.fields);
                    (i.parent, key, hint)
                })
                .collect(),
        )
    }

    fn one(
        parent: &str,
        key: &str,
        hint: Option<&'static str>,
    ) -> Option<Vec<(String, String, Option<&'static str>)>> {
        Some(vec![(parent.to_owned(), key.to_owned(), hint)])
    }

    #[test]
    fn the_generated_table_loads_and_every_root_and_child_exists() {
        let table = Table::parse(DATA);
        let count = table.nodes.len() as u32;
        assert!(table.kinds.len() >= 50, "{} kinds", table.kinds.len());
        for (kind, versions) in &table.kinds {
            for (version, root) in versions {
                assert!(*root < count && *root != FREE, "{kind} {version}");
            }
        }
        assert!(
            table
                .nodes
                .iter()
                .all(|shape| shape.fields.windows(2).all(|w| w[0] < w[1]))
        );
        super::super::shape::assert_closed(&table.nodes);
    }

    #[test]
    fn a_misspelt_route_timeout_is_found_with_a_suggestion() {
        let found = unknown(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: cart}\nspec:\n  hosts: [cart]\n  http:\n    - route: [{destination: {host: cart}}]\n    - timout: 5s\n      route: [{destination: {host: cart, port: {number: 80}}, weight: 100}]\n",
        );
        assert_eq!(found, one("spec.http[1]", "timout", Some("timeout")));
    }

    #[test]
    fn lists_of_objects_are_checked_item_by_item() {
        let found = unknown(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: cart}\nspec:\n  parentRefs: [{name: edge}]\n  rules:\n    - backendRefs: [{name: cart, port: 80}]\n    - matches: [{path: {type: PathPrefix, value: /}}]\n      backendRefs: [{name: cart, prot: 80}]\n",
        );
        assert_eq!(found, one("spec.rules[1].backendRefs[0]", "prot", Some("port")));
    }

    #[test]
    fn a_free_form_plugin_config_accepts_any_key() {
        let found = unknown(
            "apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: {name: limit}\nplugin: rate-limiting\nconfig: {minute: 5, policy: local, anything: {nested: [1, 2]}}\nconfg: {}\n",
        );
        assert_eq!(found, one("", "confg", Some("config")));
    }

    #[test]
    fn int_or_string_values_and_maps_accept_anything() {
        let found = unknown(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: cart}\nspec:\n  strategy:\n    canary:\n      maxSurge: 25%\n      maxUnavailable: 1\n  selector: {matchLabels: {app: cart}}\n  template:\n    metadata: {labels: {app: cart, any-label: x}}\n    spec:\n      containers:\n        - name: cart\n          image: shop/cart:1.0\n          resources: {limits: {cpu: 1, memory: 1Gi}}\n          ports: [{containerPort: 80}]\n          readinessProbe: {httpGet: {port: http, path: /}}\n          livenesProbe: {}\n",
        );
        assert_eq!(
            found,
            one(
                "spec.template.spec.containers[0]",
                "livenesProbe",
                Some("livenessProbe")
            )
        );
    }

    #[test]
    fn metadata_is_checked_as_object_meta() {
        let found = unknown(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge, lables: {a: b}, annotations: {x: y}}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]\n",
        );
        assert_eq!(found, one("metadata", "lables", Some("labels")));
    }

    #[test]
    fn a_nested_pod_template_metadata_is_object_meta_and_status_is_not_checked() {
        let found = unknown(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: cart}\nspec:\n  template:\n    metadata: {creationTimestamp: null, labels: {app: cart}, anotations: {}}\nstatus: {whatever: 1}\n",
        );
        assert_eq!(
            found,
            one("spec.template.metadata", "anotations", Some("annotations"))
        );
    }

    #[test]
    fn a_nested_metadata_map_of_free_keys_is_not_object_meta() {
        // A KEDA trigger's `metadata` holds scaler parameters (`additionalProperties`), and so
        // does an EnvoyFilter proxy match's.
        let envoy = unknown(
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: lua}\nspec:\n  configPatches:\n    - applyTo: HTTP_FILTER\n      match: {proxy: {proxyVersion: '^1.2.*', metadata: {ISTIO_VERSION: '1.24'}}}\n      patch: {operation: MERGE, value: {}}\n",
        );
        assert_eq!(envoy, Some(vec![]));
        let found = unknown(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: worker}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers:\n    - type: prometheus\n      metadata: {serverAddress: 'http://prometheus:9090', query: up, threshold: '5'}\n      metdata: {}\n",
        );
        assert_eq!(found, one("spec.triggers[0]", "metdata", Some("metadata")));
    }

    #[test]
    fn an_envoy_filter_patch_value_is_free_form() {
        let found = unknown(
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: lua}\nspec:\n  configPatches:\n    - applyTo: HTTP_FILTER\n      patch:\n        operation: INSERT_BEFORE\n        value: {name: envoy.lua, typed_config: {'@type': x, inlineCode: y}}\n",
        );
        assert_eq!(found, Some(vec![]));
    }

    #[test]
    fn an_older_version_uses_the_fallback_only_where_fields_are_shared() {
        let route = "kind: HTTPRoute\nmetadata: {name: a}\nspec: {rules: [{backendRefs: [{name: a}]}], hostnamez: [a]}\n";
        assert_eq!(
            unknown(&format!(
                "apiVersion: gateway.networking.k8s.io/v1alpha2\n{route}"
            )),
            one("spec", "hostnamez", Some("hostnames"))
        );
        let mapping =
            "kind: Mapping\nmetadata: {name: a}\nspec: {prefix: /, service: a, ambassador_id: [x]}\n";
        assert_eq!(
            unknown(&format!("apiVersion: getambassador.io/v2\n{mapping}")),
            None
        );
    }

    #[test]
    fn unknown_api_versions_and_kinds_are_not_checked() {
        assert_eq!(
            unknown("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\nspecc: {}\n"),
            None
        );
        assert_eq!(
            unknown("apiVersion: networking.istio.io/v1\nkind: Widget\nmetadata: {name: a}\n"),
            None
        );
        assert_eq!(
            unknown("apiVersion: argoproj.io/v9\nkind: Rollout\nmetadata: {name: a}\n"),
            None
        );
        assert_eq!(unknown("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"), None);
    }
}
