//! The field tables of the built-in kinds, each learnt on first use from k8s-openapi's types.
//!
//! k8s-openapi's generated `Deserialize` impls name a struct's fields in `deserialize_struct`
//! and ask for each field's value by its type. [`Probe`] is a deserializer that answers every
//! such call with the smallest valid value (one item for a list, one entry for a map, an empty
//! string) and writes down what was asked: the result is the same kind of table the custom
//! resources have, read by the same walk, and no document is ever loaded into those types.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::OnceLock;

use k8s_openapi::api::{apps, autoscaling, batch, core, networking, policy, rbac};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::shape::{FREE, Shape};

/// The checked kinds: apiVersion, kind and how to learn the type's table.
const KINDS: &[(&str, &str, Learn)] = &[
    ("v1", "Pod", learn::<core::v1::Pod>),
    ("v1", "Service", learn::<core::v1::Service>),
    ("v1", "ConfigMap", learn::<core::v1::ConfigMap>),
    ("v1", "Secret", learn::<core::v1::Secret>),
    ("v1", "ServiceAccount", learn::<core::v1::ServiceAccount>),
    ("v1", "Namespace", learn::<core::v1::Namespace>),
    (
        "v1",
        "PersistentVolumeClaim",
        learn::<core::v1::PersistentVolumeClaim>,
    ),
    ("v1", "LimitRange", learn::<core::v1::LimitRange>),
    ("v1", "ResourceQuota", learn::<core::v1::ResourceQuota>),
    (
        "v1",
        "ReplicationController",
        learn::<core::v1::ReplicationController>,
    ),
    ("apps/v1", "Deployment", learn::<apps::v1::Deployment>),
    ("apps/v1", "StatefulSet", learn::<apps::v1::StatefulSet>),
    ("apps/v1", "DaemonSet", learn::<apps::v1::DaemonSet>),
    ("apps/v1", "ReplicaSet", learn::<apps::v1::ReplicaSet>),
    ("batch/v1", "Job", learn::<batch::v1::Job>),
    ("batch/v1", "CronJob", learn::<batch::v1::CronJob>),
    (
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        learn::<autoscaling::v1::HorizontalPodAutoscaler>,
    ),
    (
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        learn::<autoscaling::v2::HorizontalPodAutoscaler>,
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        learn::<policy::v1::PodDisruptionBudget>,
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        learn::<networking::v1::NetworkPolicy>,
    ),
    (
        "networking.k8s.io/v1",
        "Ingress",
        learn::<networking::v1::Ingress>,
    ),
    ("rbac.authorization.k8s.io/v1", "Role", learn::<rbac::v1::Role>),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        learn::<rbac::v1::ClusterRole>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        learn::<rbac::v1::RoleBinding>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        learn::<rbac::v1::ClusterRoleBinding>,
    ),
];

/// Learns a type's table.
type Learn = fn() -> Result<Table, ProbeError>;

/// One type's nodes, [`FREE`] first, and its root. A struct used in several places has a node
/// in each: no name tells two of k8s-openapi's types apart (both HorizontalPodAutoscalers are
/// `HorizontalPodAutoscaler`), and a kind's table is small.
pub(super) struct Table {
    pub nodes: Vec<Shape>,
    pub root: u32,
}

/// The table of a built-in kind, learnt on first use, when it is one mslint checks.
pub(super) fn table(api_version: &str, kind: &str) -> Option<&'static Table> {
    static TABLES: [OnceLock<Table>; KINDS.len()] = [const { OnceLock::new() }; KINDS.len()];
    let at = KINDS
        .iter()
        .position(|(v, k, _)| *v == api_version && *k == kind)?;
    let learn = KINDS[at].2;
    Some(
        TABLES[at]
            .get_or_init(|| learn().expect("every built-in kind probes cleanly (a unit test runs them all)")),
    )
}

/// ObjectMeta's table, which also checks a custom resource's `metadata`.
pub(super) fn object_meta() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| learn::<ObjectMeta>().expect("ObjectMeta probes cleanly (a unit test runs it)"))
}

/// How deep a type may nest: k8s-openapi's built-in kinds are far shallower, and a recursive
/// type would otherwise never end.
const DEEPEST: u32 = 64;

fn learn<'de, T: Deserialize<'de>>() -> Result<Table, ProbeError> {
    let nodes = RefCell::new(vec![Shape::default()]);
    let root = Cell::new(FREE);
    T::deserialize(Probe {
        nodes: &nodes,
        slot: &root,
        depth: 0,
        text: "",
    })?;
    Ok(Table {
        nodes: nodes.into_inner(),
        root: root.get(),
    })
}

type Nodes = RefCell<Vec<Shape>>;

fn add(nodes: &Nodes, shape: Shape) -> u32 {
    let mut nodes = nodes.borrow_mut();
    nodes.push(shape);
    (nodes.len() - 1) as u32
}

/// Why a type could not be probed.
#[derive(Debug)]
pub(super) struct ProbeError(String);

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProbeError {}

impl de::Error for ProbeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ProbeError(message.to_string())
    }
}

/// Answers one value's deserialization and writes the node it found into `slot` (a scalar
/// leaves it free).
#[derive(Clone, Copy)]
struct Probe<'p> {
    nodes: &'p Nodes,
    slot: &'p Cell<u32>,
    depth: u32,
    /// What a string value reads.
    text: &'static str,
}

impl<'p> Probe<'p> {
    /// The probe for a value one level down, written into `slot`.
    fn inner(&self, slot: &'p Cell<u32>) -> Result<Probe<'p>, ProbeError> {
        if self.depth >= DEEPEST {
            return Err(ProbeError(format!("types nest deeper than {DEEPEST} levels")));
        }
        Ok(Probe {
            slot,
            depth: self.depth + 1,
            text: "",
            ..*self
        })
    }
}

macro_rules! numbers {
    ($($method:ident => $visit:ident: $zero:expr),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            visitor.$visit($zero)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        // Int-or-string, quantities and free JSON values all take a string.
        visitor.visit_str(self.text)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_bool(false)
    }

    numbers! {
        deserialize_i8 => visit_i8: 0, deserialize_i16 => visit_i16: 0, deserialize_i32 => visit_i32: 0,
        deserialize_i64 => visit_i64: 0, deserialize_u8 => visit_u8: 0, deserialize_u16 => visit_u16: 0,
        deserialize_u32 => visit_u32: 0, deserialize_u64 => visit_u64: 0, deserialize_f32 => visit_f32: 0.0,
        deserialize_f64 => visit_f64: 0.0,
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_char(' ')
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_str(self.text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        // A time's text must read as one.
        let text = match name {
            "Time" | "MicroTime" => "1970-01-01T00:00:00Z",
            _ => self.text,
        };
        visitor.visit_newtype_struct(Probe { text, ..self })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let items = Cell::new(FREE);
        let value = visitor.visit_seq(One {
            probe: Some(self.inner(&items)?),
        })?;
        let node = add(self.nodes, Shape::new(Vec::new(), Vec::new(), items.get(), FREE));
        self.slot.set(node);
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let values = Cell::new(FREE);
        let value = visitor.visit_map(Fields {
            keys: &[""],
            next: 0,
            probe: self,
            children: std::slice::from_ref(&values),
        })?;
        let node = add(self.nodes, Shape::new(Vec::new(), Vec::new(), FREE, values.get()));
        self.slot.set(node);
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        let children: Vec<Cell<u32>> = fields.iter().map(|_| Cell::new(FREE)).collect();
        let value = visitor.visit_map(Fields {
            keys: fields,
            next: 0,
            probe: self,
            children: &children,
        })?;
        let children = children.iter().map(Cell::get).collect();
        let node = add(self.nodes, Shape::new(fields.to_vec(), children, FREE, FREE));
        self.slot.set(node);
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ProbeError> {
        Err(ProbeError(format!("the enum {name} has no probe")))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_unit()
    }
}

/// A list of one item.
struct One<'p> {
    probe: Option<Probe<'p>>,
}

impl<'de> SeqAccess<'de> for One<'_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ProbeError> {
        self.probe.take().map(|probe| seed.deserialize(probe)).transpose()
    }
}

/// A mapping with one entry per key, each value probed (one level below `probe`) into its
/// child slot.
struct Fields<'p> {
    keys: &'static [&'static str],
    next: usize,
    probe: Probe<'p>,
    children: &'p [Cell<u32>],
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ProbeError> {
        // A resource's loader insists on its own apiVersion and kind, and every `apiVersion`
        // and `kind` is a string: a free node either way, so they are not asked.
        while matches!(self.keys.get(self.next), Some(&("apiVersion" | "kind"))) {
            self.next += 1;
        }
        let Some(key) = self.keys.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ProbeError> {
        let slot = self
            .children
            .get(self.next)
            .ok_or_else(|| ProbeError("a value without a key".to_owned()))?;
        self.next += 1;
        seed.deserialize(self.probe.inner(slot)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The node at a path of field names (`[]` for a list's items, `{}` for a map's values).
    fn at(table: &Table, path: &[&str]) -> u32 {
        path.iter().fold(table.root, |node, step| {
            let shape = &table.nodes[node as usize];
            match *step {
                "[]" => shape.items,
                "{}" => shape.values,
                field => shape
                    .child(field)
                    .unwrap_or_else(|| panic!("no {field} in {:?}", shape.fields)),
            }
        })
    }

    #[test]
    fn every_built_in_kind_probes_cleanly() {
        for (api_version, kind, learn) in KINDS.iter().chain([&("", "", learn::<ObjectMeta> as Learn)]) {
            let table = learn().unwrap_or_else(|e| panic!("{api_version} {kind}: {e}"));
            assert_ne!(table.root, FREE);
            super::super::shape::assert_closed(&table.nodes);
        }
    }

    #[test]
    fn nested_structs_lists_maps_and_times_are_learnt() {
        let deployment = table("apps/v1", "Deployment").unwrap();
        let container = ["spec", "template", "spec", "containers", "[]"];
        let fields = |path: &[&str]| &deployment.nodes[at(deployment, path) as usize].fields;
        assert!(fields(&container).contains(&"livenessProbe"));
        assert!(fields(&["spec", "template", "spec", "initContainers", "[]"]).contains(&"livenessProbe"));
        assert!(fields(&[&container[..], &["livenessProbe", "httpGet"]].concat()).contains(&"port"));
        let limits = [&container[..], &["resources", "limits"]].concat();
        assert_ne!(at(deployment, &limits), FREE);
        assert_eq!(at(deployment, &[&limits[..], &["{}"]].concat()), FREE);
        // A condition's time and a Secret's base64 data are plain values.
        assert_eq!(
            at(deployment, &["status", "conditions", "[]", "lastTransitionTime"]),
            FREE
        );
        assert_eq!(at(table("v1", "Secret").unwrap(), &["data", "{}"]), FREE);
        let cron = table("batch/v1", "CronJob").unwrap();
        let template = at(cron, &["spec", "jobTemplate", "spec", "template", "metadata"]);
        assert!(cron.nodes[template as usize].fields.contains(&"annotations"));
        // The two versions of one kind name keep their own fields.
        let v1 = table("autoscaling/v1", "HorizontalPodAutoscaler").unwrap();
        let v2 = table("autoscaling/v2", "HorizontalPodAutoscaler").unwrap();
        assert!(
            v1.nodes[at(v1, &["spec"]) as usize]
                .fields
                .contains(&"targetCPUUtilizationPercentage")
        );
        assert!(v2.nodes[at(v2, &["spec"]) as usize].fields.contains(&"metrics"));
        assert!(table("v1", "Widget").is_none());
    }
}
