//! Prometheus monitors: the objects that tell a Prometheus which pods to scrape.

use super::object::Object;
use super::selector::LabelSelector;
use super::workload::Workload;
use crate::parse::yaml::Node;

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
///
/// Its selector and the namespaces it watches are read once: a monitor is matched against
/// every workload.
#[derive(Debug, Clone)]
pub struct Monitor<'o, 's> {
    /// The monitor object.
    pub object: &'o Object<'s>,
    /// What its selector picks.
    pub scrapes: Scrapes,
    selector: Option<LabelSelector<'o>>,
    watching: Watching<'o>,
}

/// The namespaces a monitor looks for targets in.
#[derive(Debug, Clone)]
enum Watching<'o> {
    Every,
    Named(Vec<&'o str>),
    Own,
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
        // These CRDs declare `spec.selector` as a non-pointer `LabelSelector`, so an absent
        // one reads as empty and selects everything.
        let selector = match object.root.path(&["spec", "selector"]) {
            None => Some(LabelSelector::default()),
            node => LabelSelector::from_node(node),
        };
        let namespaces = object.root.path(&["spec", "namespaceSelector"]);
        let listed = namespaces
            .and_then(|s| s.get("matchNames"))
            .map(Node::items)
            .unwrap_or_default();
        let watching = if cluster_wide
            || namespaces
                .and_then(|s| s.get("any"))
                .and_then(|any| any.as_bool())
                == Some(true)
        {
            Watching::Every
        } else if !listed.is_empty() {
            Watching::Named(listed.iter().filter_map(Node::as_text).collect())
        } else {
            Watching::Own
        };
        Some(Monitor {
            object,
            scrapes,
            selector,
            watching,
        })
    }

    /// `spec.selector`; an absent one selects everything, and `None` is a selector the API
    /// would reject.
    pub fn selector(&self) -> Option<&LabelSelector<'o>> {
        self.selector.as_ref()
    }

    /// The namespaces it watches given the one it lives in (see [`Monitor::watches`]); `None`
    /// for every namespace.
    pub fn watched<'a>(&'a self, own_namespace: &'a &'a str) -> Option<&'a [&'a str]> {
        match &self.watching {
            Watching::Every => None,
            Watching::Named(names) => Some(names),
            Watching::Own => Some(std::slice::from_ref(own_namespace)),
        }
    }

    /// Whether it looks for targets in `namespace`, given the namespace it lives in: every
    /// namespace for `namespaceSelector.any: true` (or `ClusterPodMonitoring`), the listed ones
    /// for `namespaceSelector.matchNames`, else its own.
    pub fn watches(&self, own_namespace: &str, namespace: &str) -> bool {
        self.watched(&own_namespace)
            .is_none_or(|names| names.contains(&namespace))
    }
}

/// A Service a scanned Prometheus or OpenTelemetry collector configuration scrapes by name, from
/// a `static_configs` target such as `cart:8080` or `cart.shop.svc:8080`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticTarget {
    /// The Service name (the host's first label).
    pub service: String,
    /// The namespace the host names, or that of the configuration (short names resolve in the
    /// scraper's own namespace).
    pub namespace: String,
}

/// The `static_configs` targets of the scrape configurations `object` holds: Prometheus or
/// collector configurations in a ConfigMap's data (a value with `scrape_configs`), or an
/// OpenTelemetryCollector's `spec.config` (a mapping or a YAML string). `namespace` is the
/// object's namespace.
pub fn static_targets(object: &Object<'_>, namespace: &str) -> Vec<StaticTarget> {
    let configs: Vec<&Node<'_>> = match (object.api_group(), object.kind()) {
        ("", "ConfigMap") => object
            .root
            .get("data")
            .map(|data| data.entries().iter().map(|e| &e.value).collect())
            .unwrap_or_default(),
        ("opentelemetry.io", "OpenTelemetryCollector") => {
            object.root.path(&["spec", "config"]).into_iter().collect()
        }
        _ => Vec::new(),
    };
    let mut hosts: Vec<String> = Vec::new();
    for config in configs {
        match config.as_str() {
            Some(text) if text.contains("scrape_configs") => {
                let arena = crate::parse::yaml::Arena::new();
                for document in crate::parse::yaml::parse_stream(&arena, text).documents {
                    collect_targets(&document.root, SCRAPE_CONFIG_DEPTH, &mut hosts);
                }
            }
            Some(_) => {}
            None => collect_targets(config, SCRAPE_CONFIG_DEPTH, &mut hosts),
        }
    }
    hosts
        .iter()
        .filter_map(|target| {
            let host = target.rsplit_once(':').map_or(target.as_str(), |(host, _)| host);
            let mut labels = host.split('.');
            let service = labels.next().filter(|s| !s.is_empty())?;
            // An address is no Service name.
            if service.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(StaticTarget {
                service: service.to_owned(),
                namespace: labels.next().unwrap_or(namespace).to_owned(),
            })
        })
        .collect()
}

/// How deep below a configuration's root `static_configs` are looked for (a collector nests
/// them at `receivers.prometheus.config.scrape_configs[].static_configs`).
const SCRAPE_CONFIG_DEPTH: usize = 8;

/// The `targets` of every `static_configs` entry below `node`.
fn collect_targets(node: &Node<'_>, depth: usize, hosts: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    for entry in node.entries() {
        if entry.key.as_str() == Some("static_configs") {
            for config in entry.value.items() {
                let targets = config.get("targets").map(Node::items).unwrap_or_default();
                hosts.extend(targets.iter().filter_map(|t| t.as_str()).map(str::to_owned));
            }
        } else {
            collect_targets(&entry.value, depth - 1, hosts);
        }
    }
    for item in node.items() {
        collect_targets(item, depth - 1, hosts);
    }
}

/// True when a container of the workload pushes its metrics over OpenTelemetry: it names an
/// OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`) or a
/// metrics exporter (`OTEL_METRICS_EXPORTER`), and does not turn metrics off
/// (`OTEL_METRICS_EXPORTER=none`, `OTEL_SDK_DISABLED=true`).
pub fn pushes_otlp_metrics(workload: &Workload<'_, '_>) -> bool {
    workload.pod.app_containers().any(|container| {
        let value = |name: &str| {
            container
                .env()
                .iter()
                .find(|e| e.str_at("name") == Some(name))
                .map(|e| e.str_at("value").unwrap_or_default())
        };
        let exporter = value("OTEL_METRICS_EXPORTER");
        let endpoint = value("OTEL_EXPORTER_OTLP_ENDPOINT").or(value("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        let off = exporter.is_some_and(|e| e.trim() == "none")
            || value("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        (exporter.is_some() || endpoint.is_some()) && !off
    })
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
