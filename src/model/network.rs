//! Typed views over the objects that govern traffic and access: NetworkPolicy,
//! PodDisruptionBudget, and the RBAC roles and bindings.

use super::object::Object;
use super::selector::LabelSelector;
use crate::parse::yaml::{Node, Value};
use crate::source::Span;

/// True when `text` holds a template placeholder (`{{ }}`, `${ }`). Both hold a `{` after a `{`
/// or a `$`: one search finds either.
pub fn is_placeholder_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'{', bytes).any(|at| at > 0 && matches!(bytes[at - 1], b'{' | b'$'))
}

/// True when any scalar under `node` holds a template placeholder (`{{ }}`, `${ }`): its value
/// is known only after rendering, so rules leave it alone.
pub fn is_templated(node: &Node<'_>) -> bool {
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        match node.value() {
            Value::Scalar(scalar) => {
                if is_placeholder_text(scalar.text()) {
                    return true;
                }
            }
            Value::Sequence(items) => pending.extend(items.iter()),
            Value::Mapping(entries) => {
                for entry in entries.iter() {
                    pending.push(&entry.key);
                    pending.push(&entry.value);
                }
            }
        }
    }
    false
}

/// Annotations that keep a cloud load balancer on the private network, with the value that does.
const INTERNAL_LOAD_BALANCER: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", ""),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        "intranet",
    ),
];

/// True when a cloud annotation keeps a Service's load balancer on the private network.
pub fn is_internal_load_balancer(object: &Object<'_>) -> bool {
    INTERNAL_LOAD_BALANCER.iter().any(|(key, internal)| {
        object.annotation(key).is_some_and(|value| {
            let value = value.trim();
            // The AWS "internal" annotation takes any value except false (historically 0.0.0.0/0).
            if internal.is_empty() {
                !value.eq_ignore_ascii_case("false")
            } else {
                value.eq_ignore_ascii_case(internal)
            }
        })
    })
}

/// A `networking.k8s.io` NetworkPolicy (not Calico's or Antrea's kind of the same name).
#[derive(Debug, Clone, Copy)]
pub struct NetworkPolicy<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> NetworkPolicy<'o, 's> {
    /// The NetworkPolicy view of an object.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "NetworkPolicy" && matches!(object.api_group(), "networking.k8s.io" | "extensions"))
            .then_some(NetworkPolicy { object })
    }

    fn spec(&self) -> Option<&'o Node<'s>> {
        self.object.root.get("spec")
    }

    /// `spec.podSelector`. Absent or null reads as the empty selector, which selects every pod
    /// of the namespace (the field is optional and defaults to `{}` since Kubernetes 1.34, and
    /// an omitted required struct decoded as empty before); an invalid one selects nothing.
    pub fn pod_selector(&self) -> Option<LabelSelector<'o>> {
        match self.spec().and_then(|s| s.get("podSelector")) {
            Some(node) => LabelSelector::from_node(Some(node)),
            None => Some(LabelSelector::default()),
        }
    }

    /// Whether the policy restricts ingress: `policyTypes` lists Ingress, or, when it is absent,
    /// always (Kubernetes adds Ingress to every policy and Egress only when `egress` is given).
    pub fn affects_ingress(&self) -> bool {
        match self.spec().and_then(|s| s.get("policyTypes")) {
            Some(types) => types.items().iter().any(|t| t.as_text() == Some("Ingress")),
            None => true,
        }
    }

    /// `spec.ingress` rules (none when absent or empty: the selected pods admit nothing).
    pub fn ingress_rules(&self) -> &'o [Node<'s>] {
        self.spec()
            .and_then(|s| s.get("ingress"))
            .map(Node::items)
            .unwrap_or_default()
    }

    /// True when the policy selects every pod of its namespace, restricts ingress, and has no
    /// rule that admits every peer on every port: whatever no rule allows is denied.
    pub fn denies_ingress_by_default(&self) -> bool {
        self.pod_selector().is_some_and(|s| s.is_empty())
            && self.affects_ingress()
            && !self.ingress_rules().iter().any(admits_everything)
    }
}

/// Whether an ingress rule lets in any source on any port: no `ports` (or an empty list) and
/// no `from` (or an empty list), or a peer that is every address (`0.0.0.0/0`, `::/0` without
/// `except`) or every pod of every namespace (`namespaceSelector: {}`).
fn admits_everything(rule: &Node<'_>) -> bool {
    if !rule.get("ports").map(Node::items).unwrap_or_default().is_empty() {
        return false;
    }
    let peers = rule.get("from").map(Node::items).unwrap_or_default();
    peers.is_empty()
        || peers.iter().any(|peer| {
            let everywhere = peer.get("ipBlock").is_some_and(|block| {
                matches!(block.str_at("cidr"), Some("0.0.0.0/0" | "::/0"))
                    && block
                        .get("except")
                        .map(Node::items)
                        .unwrap_or_default()
                        .is_empty()
            });
            let empty = |key: &str| {
                peer.get(key)
                    .is_some_and(|s| s.is_mapping() && s.entries().is_empty())
            };
            let any_pod =
                empty("namespaceSelector") && (peer.get("podSelector").is_none() || empty("podSelector"));
            everywhere || any_pod
        })
}

/// An IntOrString field that counts pods: a number or a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodCount {
    /// A plain number of pods.
    Count(i64),
    /// A percentage of the expected pods (`"50%"`).
    Percent(i64),
}

impl PodCount {
    /// Reads a plain integer or a `N%` string; `None` for anything the API server rejects
    /// (a quoted number, a word).
    pub fn of(node: &Node<'_>) -> Option<PodCount> {
        if let Some(count) = node.as_i64() {
            return Some(PodCount::Count(count));
        }
        let percent = node.as_text()?.trim().strip_suffix('%')?;
        percent.parse().ok().map(PodCount::Percent)
    }

    /// The number of pods out of `expected`; percentages round up, as the disruption
    /// controller rounds them for `minAvailable` and `maxUnavailable`.
    pub fn of_expected(self, expected: i64) -> i64 {
        match self {
            PodCount::Count(count) => count,
            PodCount::Percent(percent) => (percent * expected + 99) / 100,
        }
    }
}

/// A `policy` PodDisruptionBudget (v1 or v1beta1).
#[derive(Debug, Clone, Copy)]
pub struct PodDisruptionBudget<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> PodDisruptionBudget<'o, 's> {
    /// The PodDisruptionBudget view of an object.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "PodDisruptionBudget" && object.api_group() == "policy")
            .then_some(PodDisruptionBudget { object })
    }

    /// A field of `spec`.
    pub fn field(&self, key: &str) -> Option<&'o Node<'s>> {
        self.object.root.path(&["spec", key])
    }

    /// `spec.selector`. A null or absent selector selects no pod; an empty one selects every
    /// pod of the namespace in policy/v1 but none in policy/v1beta1.
    pub fn selector(&self) -> Option<LabelSelector<'o>> {
        let selector = LabelSelector::from_node(self.field("selector"))?;
        let beta = self.object.api_version() == "policy/v1beta1";
        (!(beta && selector.is_empty())).then_some(selector)
    }

    /// The `selector` key, or the object's name entry when the budget has none.
    pub fn selector_span(&self) -> Span {
        self.object
            .root
            .get("spec")
            .and_then(|spec| spec.entry("selector"))
            .map_or_else(|| self.object.name_span(), |e| e.key.span)
    }

    /// `spec.minAvailable`, when it is a valid count.
    pub fn min_available(&self) -> Option<(PodCount, &'o Node<'s>)> {
        let node = self.field("minAvailable")?;
        PodCount::of(node).map(|count| (count, node))
    }

    /// `spec.maxUnavailable`, when it is a valid count.
    pub fn max_unavailable(&self) -> Option<(PodCount, &'o Node<'s>)> {
        let node = self.field("maxUnavailable")?;
        PodCount::of(node).map(|count| (count, node))
    }
}

/// Whether an object is an `rbac.authorization.k8s.io` object of one of these kinds.
fn is_rbac(object: &Object<'_>, kinds: &[&str]) -> bool {
    object.api_group() == "rbac.authorization.k8s.io" && kinds.contains(&object.kind())
}

/// An RBAC Role or ClusterRole.
#[derive(Debug, Clone, Copy)]
pub struct Role<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> Role<'o, 's> {
    /// The Role view of a Role or ClusterRole.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_rbac(object, &["Role", "ClusterRole"]).then_some(Role { object })
    }

    /// `rules`.
    pub fn rules(&self) -> &'o [Node<'s>] {
        self.object.root.get("rules").map(Node::items).unwrap_or_default()
    }

    /// True for a ClusterRole with an `aggregationRule`: the controller overwrites its `rules`
    /// with those of the roles it selects.
    pub fn is_aggregated(&self) -> bool {
        self.object.kind() == "ClusterRole" && self.object.root.get("aggregationRule").is_some()
    }

    /// True for the roles the API server creates itself (`cluster-admin`, `admin`, `system:…`),
    /// labelled `kubernetes.io/bootstrapping: rbac-defaults`, as found in cluster dumps.
    pub fn is_bootstrap_default(&self) -> bool {
        self.object
            .labels()
            .any(|(k, v)| k == "kubernetes.io/bootstrapping" && v == "rbac-defaults")
    }
}

/// An RBAC RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Copy)]
pub struct RoleBinding<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> RoleBinding<'o, 's> {
    /// The binding view of a RoleBinding or ClusterRoleBinding.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        is_rbac(object, &["RoleBinding", "ClusterRoleBinding"]).then_some(RoleBinding { object })
    }

    /// True for a ClusterRoleBinding, which grants its role in every namespace.
    pub fn is_cluster_wide(&self) -> bool {
        self.object.kind() == "ClusterRoleBinding"
    }

    /// `roleRef`.
    pub fn role_ref(&self) -> Option<&'o Node<'s>> {
        self.object.root.get("roleRef")
    }

    /// True when `roleRef` names the ClusterRole `name`.
    pub fn grants_cluster_role(&self, name: &str) -> bool {
        self.role_ref()
            .is_some_and(|r| r.str_at("kind") == Some("ClusterRole") && r.str_at("name") == Some(name))
    }

    /// `subjects`.
    pub fn subjects(&self) -> &'o [Node<'s>] {
        self.object
            .root
            .get("subjects")
            .map(Node::items)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;
    use crate::parse::yaml::parse_for_test;

    fn with_object<T>(text: &str, check: impl FnOnce(&Object<'_>) -> T) -> T {
        let objects = parse_objects(text);
        check(objects.first().expect("one object"))
    }

    fn default_deny(spec: &str) -> bool {
        let text = format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p}}\nspec:\n{spec}"
        );
        with_object(&text, |o| {
            NetworkPolicy::of(o)
                .expect("a NetworkPolicy")
                .denies_ingress_by_default()
        })
    }

    #[test]
    fn empty_selector_without_rules_denies_and_allow_all_rules_do_not() {
        assert!(default_deny("  podSelector: {}\n"));
        assert!(default_deny("  podSelector: {}\n  ingress: []\n"));
        assert!(default_deny("  podSelector:\n  policyTypes: [Ingress, Egress]\n"));
        assert!(default_deny(
            "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]\n"
        ));
        assert!(!default_deny("  podSelector: {}\n  ingress: [{}]\n"));
        assert!(!default_deny(
            "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n"
        ));
        assert!(!default_deny(
            "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n"
        ));
        assert!(!default_deny("  podSelector: {}\n  policyTypes: [Egress]\n"));
        assert!(!default_deny("  podSelector: {matchLabels: {app: a}}\n"));
    }

    #[test]
    fn pod_counts_read_numbers_and_percentages_and_round_up() {
        let count = |text: &str| {
            let stream = parse_for_test(text);
            stream.documents.first().and_then(|d| PodCount::of(&d.root))
        };
        assert_eq!(count("0"), Some(PodCount::Count(0)));
        assert_eq!(count("\"0%\""), Some(PodCount::Percent(0)));
        assert_eq!(count("'2'"), None);
        assert_eq!(PodCount::Percent(50).of_expected(3), 2);
        assert_eq!(PodCount::Percent(100).of_expected(0), 0);
    }

    #[test]
    fn an_empty_pdb_selector_selects_all_in_v1_and_nothing_in_v1beta1() {
        let pdb = |version: &str| {
            let text = format!(
                "apiVersion: {version}\nkind: PodDisruptionBudget\nmetadata: {{name: p}}\nspec:\n  selector: {{}}\n"
            );
            with_object(&text, |o| {
                PodDisruptionBudget::of(o)
                    .expect("a PodDisruptionBudget")
                    .selector()
                    .is_some()
            })
        };
        assert!(pdb("policy/v1"));
        assert!(!pdb("policy/v1beta1"));
    }

    #[test]
    fn template_placeholders_are_found_anywhere_below() {
        with_object(
            "apiVersion: v1\nkind: X\nmetadata: {name: a}\nspec: {x: [\"{{ .Values.y }}\"]}\n",
            |o| assert!(is_templated(&o.root)),
        );
        with_object("apiVersion: v1\nkind: X\nmetadata: {name: a}\n", |o| {
            assert!(!is_templated(&o.root))
        });
        for (value, templated) in [
            ("${HOST}", true),
            ("a{{b", true),
            ("{", false),
            ("a{b}", false),
            ("$ {x}", false),
        ] {
            let text = format!("apiVersion: v1\nkind: X\nmetadata: {{name: a}}\nspec: {{x: '{value}'}}\n");
            with_object(&text, |o| assert_eq!(is_templated(&o.root), templated, "{value}"));
        }
    }
}
