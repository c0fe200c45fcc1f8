//! Prometheus monitors: the objects that tell a Prometheus which pods to scrape.

use super::object::Object;
use super::selector::LabelSelector;

/// What a monitor's `selector` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scrapes {
    /// Pods, by their labels.
    Pods,
    /// Services, by their labels; the pods behind them are scraped.
    Services,
}

/// A monitor object: Prometheus Operator `ServiceMonitor` and `PodMonitor`
/// (`monitoring.coreos.com`), VictoriaMetrics `VMServiceScrape` and `VMPodScrape`, or Google
/// Managed Prometheus `PodMonitoring` and `ClusterPodMonitoring` (`monitoring.googleapis.com`).
#[derive(Debug, Clone, Copy)]
pub struct Monitor<'o, 's> {
    /// The monitor object.
    pub object: &'o Object<'s>,
    /// What its selector picks.
    pub scrapes: Scrapes,
    /// True when it looks in every namespace by kind (`ClusterPodMonitoring`).
    pub cluster_wide: bool,
}

impl<'o, 's> Monitor<'o, 's> {
    /// The monitor view of an object, when it is one of the monitor kinds.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        let (scrapes, cluster_wide) = match (object.api_group(), object.kind()) {
            ("monitoring.coreos.com", "ServiceMonitor")
            | ("operator.victoriametrics.com", "VMServiceScrape") => (Scrapes::Services, false),
            ("monitoring.coreos.com", "PodMonitor")
            | ("operator.victoriametrics.com", "VMPodScrape")
            | ("monitoring.googleapis.com", "PodMonitoring") => (Scrapes::Pods, false),
            ("monitoring.googleapis.com", "ClusterPodMonitoring") => (Scrapes::Pods, true),
            _ => return None,
        };
        Some(Monitor {
            object,
            scrapes,
            cluster_wide,
        })
    }

    /// `spec.selector`. These CRDs declare it as a non-pointer `LabelSelector`, so an absent one
    /// reads as empty and selects everything; `None` only for a selector the API would reject.
    pub fn selector(&self) -> Option<LabelSelector<'o>> {
        match self.object.root.path(&["spec", "selector"]) {
            None => Some(LabelSelector::default()),
            node => LabelSelector::from_node(node),
        }
    }

    /// Whether it looks for targets in `namespace`, given the namespace it lives in: every
    /// namespace for `namespaceSelector.any: true` (or `ClusterPodMonitoring`), the listed ones
    /// for `namespaceSelector.matchNames`, else its own.
    pub fn watches(&self, own_namespace: &str, namespace: &str) -> bool {
        let selector = self.object.root.path(&["spec", "namespaceSelector"]);
        if self.cluster_wide
            || selector.and_then(|s| s.get("any")).and_then(|any| any.as_bool()) == Some(true)
        {
            return true;
        }
        let names = selector
            .and_then(|s| s.get("matchNames"))
            .map(|names| names.items())
            .unwrap_or_default();
        if names.is_empty() {
            own_namespace == namespace
        } else {
            names.iter().any(|name| name.as_text() == Some(namespace))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn with_monitor<T>(text: &str, check: impl FnOnce(Monitor<'_, '_>) -> T) -> T {
        let objects = parse_objects(text);
        check(objects.first().and_then(Monitor::of).expect("a monitor"))
    }

    #[test]
    fn namespace_selector_any_match_names_or_own_namespace() {
        let head = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\nspec:\n";
        with_monitor(&format!("{head}  namespaceSelector: {{any: true}}\n"), |m| {
            assert!(m.watches("monitoring", "shop"));
        });
        with_monitor(
            &format!("{head}  namespaceSelector: {{matchNames: [shop]}}\n"),
            |m| {
                assert!(m.watches("monitoring", "shop") && !m.watches("monitoring", "monitoring"));
            },
        );
        with_monitor(&format!("{head}  endpoints: [{{port: metrics}}]\n"), |m| {
            assert!(m.watches("shop", "shop") && !m.watches("shop", "billing"));
            assert_eq!(m.scrapes, Scrapes::Services);
            assert!(
                m.selector().is_some_and(|s| s.is_empty()),
                "absent selects everything"
            );
        });
    }

    #[test]
    fn cluster_pod_monitoring_watches_every_namespace() {
        with_monitor(
            "apiVersion: monitoring.googleapis.com/v1\nkind: ClusterPodMonitoring\nmetadata: {name: m}\nspec:\n  selector: {matchLabels: {a: b}}\n",
            |m| assert!(m.watches("default", "kube-system") && m.scrapes == Scrapes::Pods),
        );
    }
}
