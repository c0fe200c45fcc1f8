//! Label selectors with Kubernetes semantics.

use foldhash::{HashMap, HashMapExt};

use super::object::label_pairs;
use crate::parse::yaml::Node;

/// A `matchExpressions` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label's value is one of the values.
    In,
    /// The label is absent or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement<'n> {
    /// The label key.
    pub key: &'n str,
    /// The operator.
    pub operator: Operator,
    /// The values (`In`/`NotIn` only).
    pub values: Vec<&'n str>,
}

/// A `metav1.LabelSelector`, or a Service's equality map: requirements that are ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector<'n> {
    /// All requirements; `matchLabels` entries become `In` with one value.
    pub requirements: Vec<Requirement<'n>>,
}

impl<'n> LabelSelector<'n> {
    /// Reads a `LabelSelector`; `None` for a null or absent selector, which selects nothing.
    ///
    /// An unknown operator makes the selector match nothing, as the API server would reject it.
    pub fn from_node(node: Option<&'n Node<'_>>) -> Option<LabelSelector<'n>> {
        let node = node.filter(|n| n.is_mapping())?;
        let mut requirements: Vec<Requirement<'n>> = label_pairs(node.get("matchLabels"))
            .map(|(key, value)| Requirement {
                key,
                operator: Operator::In,
                values: vec![value],
            })
            .collect();
        for expression in node.get("matchExpressions").map(Node::items).unwrap_or_default() {
            let key = expression.str_at("key")?;
            let operator = match expression.str_at("operator")? {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                _ => return None,
            };
            let values = expression
                .get("values")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            requirements.push(Requirement {
                key,
                operator,
                values,
            });
        }
        Some(LabelSelector { requirements })
    }

    /// A Service-style `selector` map; `None` when absent or empty (endpoints managed elsewhere).
    pub fn from_equality_map(node: Option<&'n Node<'_>>) -> Option<LabelSelector<'n>> {
        let requirements: Vec<Requirement<'n>> = label_pairs(node)
            .map(|(key, value)| Requirement {
                key,
                operator: Operator::In,
                values: vec![value],
            })
            .collect();
        (!requirements.is_empty()).then_some(LabelSelector { requirements })
    }

    /// True when it has no requirement, so it selects everything in its namespace.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The `matchLabels` part as `key=value,…`, for messages.
    pub fn equality_text(&self) -> String {
        let pairs: Vec<String> = self
            .requirements
            .iter()
            .filter(|r| r.operator == Operator::In && r.values.len() == 1)
            .map(|r| format!("{}={}", r.key, r.values.join("")))
            .collect();
        pairs.join(",")
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches<'l>(&self, labels: impl IntoIterator<Item = (&'l str, &'l str)>) -> bool {
        let labels: Vec<(&str, &str)> = labels.into_iter().collect();
        self.matches_labels(&labels)
    }

    /// [`LabelSelector::matches`] on labels already collected, without allocating.
    pub fn matches_labels(&self, labels: &[(&str, &str)]) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

/// Many selectors, found by the labels that can satisfy them, for asking whether any of them
/// matches a label set without trying each: a selector with an `In` requirement can only match
/// a label set holding one of its values.
#[derive(Debug)]
pub struct SelectorIndex<'k, 'n> {
    selectors: &'k [LabelSelector<'n>],
    /// Selectors without an `In` requirement, tried for every label set.
    unkeyed: Vec<usize>,
    /// (key, value) → the selectors whose rarest `In` requirement admits it.
    keyed: HashMap<(&'n str, &'n str), Vec<usize>>,
}

impl<'k, 'n> SelectorIndex<'k, 'n> {
    /// Indexes the selectors; `carried(key, value)` says how many of the label sets to be
    /// asked about carry that label, so each selector is filed under its rarest requirement.
    pub fn new(selectors: &'k [LabelSelector<'n>], carried: impl Fn(&str, &str) -> usize) -> Self {
        let mut index = SelectorIndex {
            selectors,
            unkeyed: Vec::new(),
            keyed: HashMap::new(),
        };
        for (n, selector) in selectors.iter().enumerate() {
            let rarest = selector
                .requirements
                .iter()
                .filter(|r| r.operator == Operator::In)
                .min_by_key(|r| r.values.iter().map(|value| carried(r.key, value)).sum::<usize>());
            match rarest {
                Some(requirement) => {
                    for value in &requirement.values {
                        index.keyed.entry((requirement.key, value)).or_default().push(n);
                    }
                }
                None => index.unkeyed.push(n),
            }
        }
        index
    }

    /// True when one of the selectors matches the labels.
    pub fn any_matches(&self, labels: &[(&str, &str)]) -> bool {
        let keyed = labels
            .iter()
            .filter_map(|&label| self.keyed.get(&label))
            .flatten();
        self.unkeyed.iter().chain(keyed).any(|&n| {
            self.selectors
                .get(n)
                .is_some_and(|selector| selector.matches_labels(labels))
        })
    }
}

impl Requirement<'_> {
    /// Whether a set of labels satisfies this requirement.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let value = labels.iter().find(|(k, _)| *k == self.key).map(|(_, v)| *v);
        match (self.operator, value) {
            (Operator::In, Some(value)) => self.values.contains(&value),
            (Operator::In, None) => false,
            (Operator::NotIn, Some(value)) => !self.values.contains(&value),
            (Operator::NotIn, None) => true,
            (Operator::Exists, found) => found.is_some(),
            (Operator::DoesNotExist, found) => found.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn selector_matches(selector: &str, labels: &[(&str, &str)]) -> Option<bool> {
        let stream = parse_for_test(selector);
        let root = stream.documents.first().map(|d| &d.root);
        LabelSelector::from_node(root).map(|s| s.matches(labels.iter().copied()))
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let selector = "matchLabels: {app: cart}\nmatchExpressions:\n  - {key: tier, operator: In, values: [web, api]}\n  - {key: canary, operator: DoesNotExist}\n";
        assert_eq!(
            selector_matches(selector, &[("app", "cart"), ("tier", "api")]),
            Some(true)
        );
        assert_eq!(
            selector_matches(selector, &[("app", "cart"), ("tier", "db")]),
            Some(false)
        );
        assert_eq!(
            selector_matches(selector, &[("app", "cart"), ("tier", "web"), ("canary", "1")]),
            Some(false)
        );
    }

    #[test]
    fn not_in_matches_absent_labels_and_exists_needs_the_key() {
        let selector = "matchExpressions:\n  - {key: env, operator: NotIn, values: [dev]}\n  - {key: app, operator: Exists}\n";
        assert_eq!(selector_matches(selector, &[("app", "x")]), Some(true));
        assert_eq!(
            selector_matches(selector, &[("app", "x"), ("env", "dev")]),
            Some(false)
        );
        assert_eq!(selector_matches(selector, &[("env", "prod")]), Some(false));
    }

    #[test]
    fn an_empty_selector_matches_everything_and_a_null_one_nothing() {
        assert_eq!(selector_matches("{}", &[("a", "b")]), Some(true));
        assert_eq!(selector_matches("~", &[("a", "b")]), None);
    }

    #[test]
    fn indexed_selectors_are_tried_only_for_labels_that_can_satisfy_them() {
        let stream = parse_for_test(
            "a: {matchLabels: {app: web, copy: c1}}\nb: {matchExpressions: [{key: tier, operator: In, values: [db, cache]}]}\n\
             c: {matchExpressions: [{key: zone, operator: Exists}]}\n",
        );
        let root = &stream.documents[0].root;
        let selectors: Vec<LabelSelector<'_>> = ["a", "b", "c"]
            .iter()
            .filter_map(|key| LabelSelector::from_node(root.get(key)))
            .collect();
        // `app: web` is on every pod, `copy: c1` on none: `a` is filed under the rarer.
        let index = SelectorIndex::new(&selectors, |key, _| usize::from(key == "app") * 100);
        assert_eq!(index.keyed.get(&("copy", "c1")), Some(&vec![0]));
        assert_eq!(index.keyed.get(&("tier", "cache")), Some(&vec![1]));
        assert_eq!(index.unkeyed, [2]);
        assert!(index.any_matches(&[("app", "web"), ("copy", "c1")]));
        assert!(!index.any_matches(&[("app", "web"), ("copy", "c2")]));
        assert!(index.any_matches(&[("tier", "cache")]));
        assert!(index.any_matches(&[("zone", "a")]));
        assert!(!index.any_matches(&[]));
    }
}
