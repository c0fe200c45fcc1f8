//! IST021 subset-selects-no-pods.
use super::{ClosestLabels, names_custom_resource, selector_keys_carried};
use crate::index::service_pod_selector;
use crate::model::LabelSelector;
use crate::model::mesh::{DestinationRule, requires_locality_label};
use crate::model::network::is_templated;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule subset whose `labels` match no pod template of the scan, in any
    /// namespace, as Istio matches them: the subset's labels alone, every key with the same
    /// value (a label written with an empty value needs a pod carrying it empty). The finding
    /// points at the subset's `labels` key. Istio also gives pods the labels of where they run
    /// (`topology.kubernetes.io/region` and `zone`, `kubernetes.io/hostname`,
    /// `topology.istio.io/cluster`, `network` and `subzone`), never empty: a subset asking for
    /// one of them with a value is left alone, since the manifests cannot show where pods run.
    ///
    /// The evidence line: the rule judges a DestinationRule only when its `host` resolves to a
    /// core Service of the scan whose `selector` matches a pod template in a file near the
    /// DestinationRule (each file at most three folders below the folder they share): the pods
    /// behind the host are then in the scan. Hosts of ServiceEntries and of Services whose pods
    /// the scan does not hold are left alone, as are subsets without labels, templated labels,
    /// DestinationRules in a Helm chart's `templates/`, labels with a value that names a custom
    /// resource (its operator labels the pods it creates with that name), and labels whose key
    /// no pod template of the scan carries (with a value that is not empty): a kustomization's
    /// `commonLabels`, an operator or a webhook may add it where the scan cannot see.
    ///
    /// ## Why is this bad?
    /// A subset that selects no pod has no endpoints: every request a VirtualService routes to
    /// it fails with `503 no healthy upstream`. It typically follows a rollout that relabelled
    /// the pods (`version: v2` became `version: "2.0"`) while the DestinationRule kept the old
    /// labels.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///     - { name: v3, labels: { version: v3 } }
    /// ---
    /// kind: Deployment
    /// metadata: { name: reviews-v3 }
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: reviews, version: "3" }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///     - { name: v3, labels: { version: "3" } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define DestinationRules
    /// for load balancing; each subset must reach pods of its service.
    pub SubsetSelectsNoPods {
        id: "IST021",
        name: "subset-selects-no-pods",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for SubsetSelectsNoPods {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        let mesh = index.mesh();
        if !mesh.active() {
            return;
        }
        let templates = index.pod_templates();
        let mut closest_labels = ClosestLabels::default();
        for rule in index.of_kind("DestinationRule").filter_map(DestinationRule::of) {
            let object = rule.object;
            let Some(host) = rule.fqdn(index.scan_namespace_of(object)) else {
                continue;
            };
            // The Service of the host and the pod templates it selects near the rule.
            let behind = mesh.services(&host).iter().find_map(|service| {
                let selector = service_pod_selector(service)?;
                let namespace = index.namespace_of(service);
                let pods: Vec<Workload<'_, '_>> = index
                    .selected_by(namespace, &selector)
                    .filter(|pod| index.near(pod.object.file, object.file))
                    .collect();
                (!pods.is_empty()).then_some((*service, namespace, pods))
            });
            let Some((service, namespace, pods)) = behind else {
                continue;
            };
            if index.in_helm_chart(object) {
                continue;
            }
            for subset in rule.subsets() {
                let Some(entry) = subset.entry("labels") else {
                    continue;
                };
                let Some(labels) = LabelSelector::from_equality_map(Some(&entry.value)) else {
                    continue;
                };
                if is_templated(&entry.value)
                    || requires_locality_label(&labels)
                    || templates.matching_anywhere(&labels).next().is_some()
                    || names_custom_resource(cx, None, &labels)
                    || !selector_keys_carried(cx, None, &labels)
                {
                    continue;
                }
                let subset_name = subset.str_at("name").unwrap_or("?");
                let example = closest_labels
                    .find(cx, Some(namespace), &labels)
                    .or_else(|| pods.first().map(|pod| (*pod, own_labels(pod, service))));
                let Some((example, example_labels)) = example else {
                    continue;
                };
                let lines: String = example_labels
                    .iter()
                    .map(|(key, value)| format!("\n        {}: \"{}\"", OneLine(key), OneLine(value)))
                    .collect();
                let finding = out
                    .report_in(
                        object.file,
                        entry.key.span,
                        format!(
                            "DestinationRule `{}` subset `{subset_name}` labels `{}` match no pod template, so the subset of `{host}` has no endpoints",
                            object.qualified_name(),
                            labels.equality_text()
                        ),
                    )
                    .help(format!(
                        "give the subset labels that pods behind the host carry, such as those of {} `{}`:\n\
                         spec:\n  subsets:\n    - name: {subset_name}\n      labels:{lines}",
                        example.kind_name(),
                        OneLine(&example.qualified_name()),
                        subset_name = OneLine(subset_name)
                    ))
                    .object(ObjectRef::of(object));
                for pod in &pods {
                    finding.related(
                        pod.object.file,
                        pod.object.name_span(),
                        format!(
                            "{} `{}`, behind Service `{}`",
                            pod.kind_name(),
                            pod.qualified_name(),
                            service.qualified_name()
                        ),
                    );
                }
            }
        }
    }
}

/// The labels of a pod template besides those its Service selects it by: what tells its pods
/// apart from the Service's other pods.
fn own_labels<'o>(pod: &Workload<'o, '_>, service: &Object<'_>) -> Vec<(&'o str, &'o str)> {
    let selector = service_pod_selector(service).unwrap_or_default();
    let all: Vec<(&'o str, &'o str)> = pod.template_labels().collect();
    let own: Vec<(&'o str, &'o str)> = all
        .iter()
        .filter(|(key, _)| !selector.requirements.iter().any(|r| r.key == *key))
        .copied()
        .collect();
    if own.is_empty() { all } else { own }
}
