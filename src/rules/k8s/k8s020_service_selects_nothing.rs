//! K8S020 service-selects-nothing.
use foldhash::{HashMap, HashMapExt};

use crate::index::PodTemplates;
use crate::model::LabelSelector;
use crate::model::network::is_templated;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Service whose `selector` matches no pod template of its namespace in the scan
    /// (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, Argo
    /// Rollout, or a bare Pod's own labels). The selector is an equality map: every key must be
    /// a label of the pods with the same value. Besides the template's labels, the pods carry
    /// those their controller adds: `job-name` (a Job's name), `statefulset.kubernetes.io/pod-name`
    /// (`<name>-<ordinal>`), and hash and uid labels whose values only the cluster knows.
    ///
    /// A Service is judged only when its own folder holds workloads of its namespace: the
    /// project deploys that namespace's pods beside it, so a selector that matches none of them
    /// is likely wrong rather than meant for pods deployed from elsewhere (a Helm chart, another
    /// repository, a file the scan was not given). Services of other layouts (`services/` beside
    /// `deployments/`) are not judged. Pods that several Services select and the scan does not
    /// hold are a backend deployed from elsewhere (canary and stable Services of a Rollout kept
    /// in another file, a shared test backend), and are not reported either.
    ///
    /// Pods that operators create from a custom resource of the scan count as selected: those of
    /// a Prometheus, Alertmanager or ThanosRuler (the operator's labels and
    /// `podMetadata.labels`), a Strimzi Kafka (`strimzi.io/cluster`), any resource with a pod
    /// template (a KEDA ScaledJob's `jobTargetRef.template`), and pods a selector finds by a
    /// value that names a custom resource of the namespace (a CloudNativePG `Cluster`, a
    /// `LeaderWorkerSet`): operators label their pods with their resource's name.
    ///
    /// Left alone too: a Service without a selector or with an empty one (its endpoints are
    /// managed elsewhere), `type: ExternalName`, a templated selector, and a Service in a Helm
    /// chart's `templates/` (the chart's `Chart.yaml` is in the scan), whose workload templates
    /// often hold directives such as `{{ if }}` lines that keep them from being read. Related
    /// locations show the pod template of the namespace that matches the most selector entries,
    /// and matching pod templates in other namespaces.
    ///
    /// ## Why is this bad?
    /// A Service that selects no pod has no endpoints: clients resolve its DNS name and then get
    /// connection refused or time out. This usually comes from a label renamed on one side only
    /// (`app: cart` against `app.kubernetes.io/name: cart`) or a typo.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   selector: { app: cart-api }
    /// ---
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   selector: { app: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": services must register and resolve via
    /// Kubernetes DNS, which resolves a Service to the pods it selects.
    pub ServiceSelectsNothing {
        id: "K8S020",
        name: "service-selects-nothing",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for ServiceSelectsNothing {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let templates = cx.index.pod_templates();
        // Copies of a project side by side in one namespace repeat each selector: what it
        // selects is worked out once.
        let mut selects_pods: HashMap<(&str, LabelSelector<'_>), bool> = HashMap::new();
        let mut unmatched = Vec::new();
        for service in cx.index.of_kind("Service") {
            let Some(spec) = service.root.get("spec") else {
                continue;
            };
            let Some(entry) = spec.entry("selector") else {
                continue;
            };
            let Some(selector) = LabelSelector::from_equality_map(Some(&entry.value)) else {
                continue;
            };
            let namespace = cx.index.namespace_of(service);
            if service.api_group() != ""
                || service.is_controlled()
                || spec.str_at("type") == Some("ExternalName")
                || is_templated(&entry.value)
                || !cx.index.deploys_pods_beside(namespace, service)
                // The chart's workload templates may not be readable (`{{ if }}` lines).
                || cx.index.in_helm_chart(service)
                || *selects_pods
                    .entry((namespace, selector.clone()))
                    .or_insert_with_key(|(namespace, selector)| {
                        templates.any_matching(namespace, selector)
                            || cx.index.operated_pods_match(namespace, selector)
                    })
            {
                continue;
            }
            unmatched.push((service, entry, namespace, selector));
        }
        // Pods that several Services select and the scan does not hold are a backend deployed
        // from elsewhere (a file the scan was not given), not a typo repeated.
        let mut services_by_selector: HashMap<SelectedPods<'_>, usize> = HashMap::new();
        for (_, _, namespace, selector) in &unmatched {
            *services_by_selector
                .entry((namespace, pairs(selector)))
                .or_default() += 1;
        }
        for (service, entry, namespace, selector) in unmatched {
            if services_by_selector
                .get(&(namespace, pairs(&selector)))
                .is_some_and(|count| *count > 1)
            {
                continue;
            }
            let shown: Vec<String> = selector
                .requirements
                .iter()
                .map(|r| format!("{}={}", r.key, r.values.first().copied().unwrap_or("")))
                .collect();
            let finding = out
                .report_in(
                    service.file,
                    entry.key.span,
                    format!(
                        "Service `{}` selector `{}` matches no pod template in namespace `{namespace}`",
                        service.qualified_name(),
                        shown.join(",")
                    ),
                )
                .help(
                    "make `selector` equal to labels of the pod template the Service fronts, \
                     every key with the same value:\nselector:\n  app: cart",
                )
                .object(ObjectRef::of(service));
            for (workload, label) in near_misses(templates, namespace, &selector) {
                finding.related(workload.object.file, workload.object.name_span(), label);
            }
        }
    }
}

/// A namespace and the sorted label pairs its pods must carry.
type SelectedPods<'a> = (&'a str, Vec<(&'a str, &'a str)>);

/// A selector's key/value pairs, sorted, to compare selectors written in any order.
fn pairs<'a>(selector: &LabelSelector<'a>) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = selector
        .requirements
        .iter()
        .map(|r| (r.key, r.values.first().copied().unwrap_or("")))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Pod templates that explain the miss: those of other namespaces that match, then the one of
/// this namespace that satisfies the most selector entries.
fn near_misses<'o, 's>(
    templates: &PodTemplates<'o, 's>,
    namespace: &str,
    selector: &LabelSelector<'_>,
) -> Vec<(Workload<'o, 's>, String)> {
    let mut elsewhere: Vec<(&str, Workload<'o, 's>)> = templates
        .matching_anywhere(selector)
        .filter(|(other, _)| *other != namespace)
        .map(|(other, w)| (other, *w))
        .collect();
    elsewhere.sort_by_key(|(_, w)| w.object.place());
    let mut found: Vec<(Workload<'o, 's>, String)> = elsewhere
        .into_iter()
        .map(|(other, w)| {
            let label = format!(
                "matching pod template in namespace `{other}`: {} `{}`",
                w.kind_name(),
                w.qualified_name()
            );
            (w, label)
        })
        .collect();
    // A Service's selector holds only `In` requirements: a template satisfies one only if it
    // carries its label.
    let closest = templates
        .carrying_some(namespace, selector)
        .map(|(workload, labels)| {
            let matched = selector.requirements.iter().filter(|r| r.matches(labels)).count();
            (matched, *workload)
        })
        .filter(|(matched, _)| *matched > 0)
        .max_by_key(|(matched, w)| (*matched, std::cmp::Reverse(w.object.place())));
    if let Some((_, w)) = closest {
        let label = format!("closest pod template: {} `{}`", w.kind_name(), w.qualified_name());
        found.push((w, label));
    }
    found
}
