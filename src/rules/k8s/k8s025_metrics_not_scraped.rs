//! K8S025 metrics-not-scraped.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::index::MAX_SELECTED_PAIRS;
use crate::model::monitoring::{Scrapes, pushes_otlp_metrics, static_targets};
use crate::model::object::Place;
use crate::model::selector::{LabelSelector, Operator, Requirement};
use crate::rules::prelude::*;

/// The annotation the usual Prometheus `kubernetes_sd_configs` jobs keep pods and Services by.
const SCRAPE_ANNOTATION: &str = "prometheus.io/scrape";

declare_rule! {
    /// ## What it does
    /// Flags a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
    /// ReplicationController, Argo Rollout, or a Pod that restarts) that nothing tells Prometheus
    /// to scrape. A workload counts as scraped when any of these holds:
    /// - its pod template has a `prometheus.io/scrape` annotation (`"false"` too: that is a
    ///   deliberate opt-out);
    /// - a Service that selects its pods has a `prometheus.io/scrape` annotation;
    /// - a ServiceMonitor (Prometheus Operator) or VMServiceScrape (VictoriaMetrics) selects such
    ///   a Service by its labels;
    /// - a PodMonitor, VMPodScrape, or Google Managed Prometheus PodMonitoring or
    ///   ClusterPodMonitoring selects its pod template;
    /// - a scanned Prometheus or OpenTelemetry collector configuration (a ConfigMap's
    ///   `prometheus.yml` or collector config with `scrape_configs`, or an
    ///   OpenTelemetryCollector's `spec.config`) names a Service that selects its pods in a
    ///   `static_configs` target (`payments:8080`, `payments.orders.svc:8080`; a short name
    ///   resolves in the configuration's namespace);
    /// - it pushes its metrics over OpenTelemetry: a container sets `OTEL_EXPORTER_OTLP_ENDPOINT`,
    ///   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or `OTEL_METRICS_EXPORTER`, without turning metrics
    ///   off (`OTEL_METRICS_EXPORTER=none`, `OTEL_SDK_DISABLED=true`).
    ///
    /// Monitors look in their own namespace unless `namespaceSelector` says `any: true` or lists
    /// `matchNames`; an absent monitor `selector` selects everything, as these CRDs read it.
    ///
    /// To keep noise down the rule looks at a namespace only when the scan shows Prometheus in
    /// use there: a monitor of a kind above watches it, or a workload or Service of it has a
    /// `prometheus.io/scrape` annotation. Namespaces without any such sign (a logging stack, a
    /// third-party controller, a project that does not use Prometheus) get no findings. Jobs,
    /// CronJobs, Pods that run to completion and objects a controller owns are exempt. When the
    /// monitors of the scan select more targets than the index follows (`MAX_SELECTED_PAIRS`,
    /// see the README's limits), nothing is flagged.
    ///
    /// ## Why is this bad?
    /// The service's `/metrics` endpoint exists but nobody reads it: dashboards stay empty,
    /// alerts on error rate and latency never fire, and a canary analysis that depends on them
    /// has nothing to compare.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: monitoring.coreos.com/v1
    /// kind: PodMonitor
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   selector:
    ///     matchLabels: { app: cart }
    ///   podMetricsEndpoints:
    ///     - port: metrics
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Observability": Prometheus must collect metrics from services exposing a
    /// /metrics endpoint. Seed 003, "Observability", asks for key metrics exposed and alerting
    /// configured.
    pub MetricsNotScraped {
        id: "K8S025",
        name: "metrics-not-scraped",
        family: Family::K8s,
        severity: Severity::Note,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Observability; seed 003 §Observability",
    }
}

impl Rule for MetricsNotScraped {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let monitors = cx.index.monitors();
        let annotated = |object: &Object<'_>| object.annotation(SCRAPE_ANNOTATION).is_some();
        let mut in_use: HashMap<&str, bool> = HashMap::new();
        let static_targets: HashSet<(String, String)> = cx
            .index
            .objects()
            .flat_map(|o| static_targets(o, cx.index.namespace_of(o)))
            .map(|target| (target.namespace, target.service))
            .collect();
        // Read once per Service: many workloads may share it.
        let mut scraped_services: HashSet<Place> = cx
            .index
            .of_kind("Service")
            .filter(|service| {
                let named = service.name().is_some_and(|name| {
                    let key = (cx.index.namespace_of(service).to_owned(), name.to_owned());
                    static_targets.contains(&key)
                });
                annotated(service) || named
            })
            .map(Object::place)
            .collect();
        // What the monitors select, found monitor by monitor: the workloads whose pods a pod
        // monitor selects, and the Services a service monitor selects. Each index is built when
        // a monitor first needs it: most scans hold no monitor.
        let mut pod_index = None;
        let mut service_index = None;
        let pods_labelled = || {
            Labelled::new(
                cx.index
                    .namespaces_with_workloads()
                    .iter()
                    .flat_map(|&namespace| {
                        cx.index
                            .workloads_in(namespace)
                            .map(move |w| (namespace, w.object.place(), w.template_labels().collect()))
                    }),
            )
        };
        let services_labelled = || {
            Labelled::new(
                cx.index
                    .of_kind("Service")
                    .map(|s| (cx.index.namespace_of(s), s.place(), s.labels().collect())),
            )
        };
        let mut monitored_pods: HashSet<Place> = HashSet::new();
        // Monitors that watch the same namespaces with the same selector select the same
        // targets: they are followed once.
        let mut followed: HashSet<(bool, Option<Vec<String>>, &LabelSelector<'_>)> = HashSet::new();
        let mut pairs = 0;
        for monitor in &monitors {
            let Some(selector) = monitor.selector() else {
                continue;
            };
            let own = cx.index.namespace_of(monitor.object);
            let watched = monitor.watched(&own);
            let pod_monitor = monitor.scrapes == Scrapes::Pods;
            let namespaces = watched.map(|names| names.iter().map(|name| (*name).to_owned()).collect());
            if !followed.insert((pod_monitor, namespaces, selector)) {
                continue;
            }
            let (selected, labelled) = if pod_monitor {
                (&mut monitored_pods, &*pod_index.get_or_insert_with(pods_labelled))
            } else {
                (
                    &mut scraped_services,
                    &*service_index.get_or_insert_with(services_labelled),
                )
            };
            for place in labelled.selected(watched, selector) {
                selected.insert(place);
                pairs += 1;
            }
            if pairs > MAX_SELECTED_PAIRS {
                // What is scraped is no longer known: saying what is not would be guessing.
                return;
            }
        }
        for (workload, services) in cx.index.workloads_with_services() {
            if workload.object.is_controlled()
                || workload.runs_to_completion()
                || template_annotated(&workload)
            {
                continue;
            }
            let namespace = cx.index.namespace_of(workload.object);
            let prometheus_in_use = *in_use.entry(namespace).or_insert_with(|| {
                monitors
                    .iter()
                    .any(|m| m.watches(cx.index.namespace_of(m.object), namespace))
                    || cx.index.in_namespace(namespace, "Service").any(annotated)
                    || cx.index.workloads_in(namespace).any(|w| template_annotated(&w))
            });
            if !prometheus_in_use {
                continue;
            }
            if services.iter().any(|s| scraped_services.contains(&s.place()))
                || pushes_otlp_metrics(&workload)
                || monitored_pods.contains(&workload.object.place())
            {
                continue;
            }
            out.report_in(
                workload.object.file,
                workload.object.name_span(),
                format!(
                    "{} `{}` is scraped by no Prometheus monitor or scrape annotation",
                    workload.kind_name(),
                    workload.qualified_name()
                ),
            )
            .help(
                "add a PodMonitor or ServiceMonitor that selects its pods, or annotate the pod \
                 template (\"false\" records a deliberate opt-out):\ntemplate:\n  metadata:\n    \
                 annotations:\n      prometheus.io/scrape: \"true\"\n      prometheus.io/port: \"9090\"",
            )
            .object(ObjectRef::of(workload.object));
        }
    }
}

/// True when the pod template carries the scrape annotation, with any value.
fn template_annotated(workload: &Workload<'_, '_>) -> bool {
    workload
        .template_annotations()
        .any(|(key, _)| key == SCRAPE_ANNOTATION)
}

/// Objects with their labels read once, found by namespace and by label, for matching the
/// selectors of many monitors without reading every object for each.
struct Labelled<'o> {
    items: Vec<(Place, Vec<(&'o str, &'o str)>)>,
    in_namespace: HashMap<&'o str, Vec<usize>>,
    /// (namespace, key, value) → items.
    postings: HashMap<(&'o str, &'o str, &'o str), Vec<usize>>,
    /// (key, value) → items of every namespace.
    anywhere: HashMap<(&'o str, &'o str), Vec<usize>>,
}

impl<'o> Labelled<'o> {
    fn new(objects: impl Iterator<Item = (&'o str, Place, Vec<(&'o str, &'o str)>)>) -> Self {
        let mut labelled = Labelled {
            items: Vec::new(),
            in_namespace: HashMap::new(),
            postings: HashMap::new(),
            anywhere: HashMap::new(),
        };
        for (namespace, place, labels) in objects {
            let n = labelled.items.len();
            labelled.in_namespace.entry(namespace).or_default().push(n);
            for &(key, value) in &labels {
                labelled
                    .postings
                    .entry((namespace, key, value))
                    .or_default()
                    .push(n);
                labelled.anywhere.entry((key, value)).or_default().push(n);
            }
            labelled.items.push((place, labels));
        }
        labelled
    }

    /// The places of the objects in `namespaces` (every namespace for `None`) whose labels
    /// the selector matches.
    fn selected<'a>(
        &'a self,
        namespaces: Option<&[&str]>,
        selector: &'a LabelSelector<'_>,
    ) -> impl Iterator<Item = Place> + 'a {
        let candidates_of = |requirement: &Requirement<'_>| -> usize {
            requirement
                .values
                .iter()
                .filter_map(|value| self.anywhere.get(&(requirement.key, *value)))
                .map(Vec::len)
                .sum()
        };
        let narrowing = selector
            .requirements
            .iter()
            .filter(|r| r.operator == Operator::In)
            .min_by_key(|r| candidates_of(r));
        let mut candidates: Vec<usize> = match (narrowing, namespaces) {
            (Some(requirement), Some(namespaces)) => namespaces
                .iter()
                .flat_map(|namespace| {
                    requirement
                        .values
                        .iter()
                        .filter_map(|value| self.postings.get(&(*namespace, requirement.key, *value)))
                })
                .flatten()
                .copied()
                .collect(),
            (Some(requirement), None) => requirement
                .values
                .iter()
                .filter_map(|value| self.anywhere.get(&(requirement.key, *value)))
                .flatten()
                .copied()
                .collect(),
            (None, Some(namespaces)) => namespaces
                .iter()
                .filter_map(|namespace| self.in_namespace.get(namespace))
                .flatten()
                .copied()
                .collect(),
            (None, None) => (0..self.items.len()).collect(),
        };
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().filter_map(move |n| {
            let (place, labels) = self.items.get(n)?;
            selector.matches_labels(labels).then_some(*place)
        })
    }
}
