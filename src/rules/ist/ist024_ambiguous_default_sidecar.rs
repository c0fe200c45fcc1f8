//! IST024 ambiguous-default-sidecar.
use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::model::LabelSelector;
use crate::model::mesh::WorkloadSelector;
use crate::model::object::Place;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags Sidecars (and Telemetry objects) that compete for the same pods: two or more of
    /// one namespace without a `workloadSelector` (Telemetry: `selector`), each of which claims
    /// to be the namespace's default, and two or more whose selectors match the same pod
    /// template of their namespace. Each of them is reported: a default at its name, a selecting
    /// one at its selector's key, naming the pod template and the other object.
    ///
    /// The evidence line: the competing objects must sit near each other (each file at most
    /// three folders below the folder they share), since two projects of one scan may reuse a
    /// namespace's name; overlapping selectors are judged on the pod templates of the scan only
    /// (Deployments, StatefulSets, DaemonSets, Jobs, Argo Rollouts, bare Pods, with the labels
    /// their controller adds, and Pod manifests with labels but no `spec`). Left alone:
    /// templated selectors, objects that name their target with `targetRef` or `targetRefs`
    /// (Istio does not use their selector), and two objects of the same name, which are
    /// versions of one object (an overlay, a copy per environment).
    ///
    /// ## Why is this bad?
    /// Istio applies one Sidecar (one Telemetry) to a pod and does not say which one it chose
    /// when several claim it: the egress hosts, ports or tracing one of them configures are
    /// silently missing, and which one wins can change when the objects are re-created.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Sidecar
    /// metadata: { name: default, namespace: shop }
    /// spec:
    ///   egress: [{ hosts: ["./*", "istio-system/*"] }]
    /// ---
    /// kind: Sidecar
    /// metadata: { name: egress-lockdown, namespace: shop }
    /// spec:
    ///   egress: [{ hosts: ["./*"] }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Sidecar
    /// metadata: { name: default, namespace: shop }
    /// spec:
    ///   egress: [{ hosts: ["./*", "istio-system/*"] }]
    /// ---
    /// kind: Sidecar
    /// metadata: { name: egress-lockdown, namespace: shop }
    /// spec:
    ///   workloadSelector:
    ///     labels: { app: cart }
    ///   egress: [{ hosts: ["./*"] }]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, its configuration decides
    /// how services reach each other, so it must say one thing per workload.
    pub AmbiguousDefaultSidecar {
        id: "IST024",
        name: "ambiguous-default-sidecar",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

impl Rule for AmbiguousDefaultSidecar {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.index.mesh().active() {
            return;
        }
        for kind in ["Sidecar", "Telemetry"] {
            let mut by_namespace: BTreeMap<&str, Vec<WorkloadSelector<'_, '_>>> = BTreeMap::new();
            for selector in cx.index.istio_of_kind(kind).filter_map(WorkloadSelector::of) {
                if !selector.is_templated() {
                    by_namespace
                        .entry(cx.index.scan_namespace_of(selector.object))
                        .or_default()
                        .push(selector);
                }
            }
            for (namespace, selectors) in by_namespace {
                let (defaults, selecting): (Vec<_>, Vec<_>) =
                    selectors.into_iter().partition(|s| s.labels().is_none());
                report_competing_defaults(cx, &defaults, out);
                report_overlapping_selectors(cx, namespace, &selecting, out);
            }
        }
    }
}

/// Reports each selector-less object of a namespace that another one near it competes with.
fn report_competing_defaults(
    cx: &Context<'_, '_>,
    defaults: &[WorkloadSelector<'_, '_>],
    out: &mut Findings,
) {
    for default in defaults {
        let object = default.object;
        let Some(rival) = defaults
            .iter()
            .map(|d| d.object)
            .find(|other| other.name() != object.name() && cx.index.near(other.file, object.file))
        else {
            continue;
        };
        let (kind, field) = kind_and_field(object);
        out.report_in(
            object.file,
            default.span(),
            format!(
                "{kind} `{}` has no `{field}`, and neither has {kind} `{}`: both claim every pod of the namespace and Istio applies only one",
                object.qualified_name(),
                rival.qualified_name()
            ),
        )
        .help(format!(
            "keep one {kind} without `{field}` per namespace and give the others a selector:\n{}",
            selector_yaml(kind, field)
        ))
        .object(ObjectRef::of(object));
    }
}

/// Reports each selecting object of a namespace whose selector matches a pod template that
/// another one near it matches too.
fn report_overlapping_selectors(
    cx: &Context<'_, '_>,
    namespace: &str,
    selecting: &[WorkloadSelector<'_, '_>],
    out: &mut Findings,
) {
    // Objects with the same selector select the same pods: they are matched once, as a group.
    let mut group_of_selector: HashMap<Option<LabelSelector<'_>>, usize> = HashMap::new();
    let mut groups: Vec<Group<'_, '_>> = Vec::new();
    let mut group_of: Vec<usize> = Vec::with_capacity(selecting.len());
    for (n, selector) in selecting.iter().enumerate() {
        let labels = selector.labels();
        let next = groups.len();
        let group = *group_of_selector.entry(labels.clone()).or_insert_with(|| {
            let pods = labels.map_or_else(Vec::new, |labels| {
                let templates = cx.index.selected_by(namespace, &labels).map(|w| w.object);
                let pods = cx
                    .index
                    .pod_templates()
                    .bare_pods(Some(namespace))
                    .filter(|pod| labels.matches(pod.labels()));
                templates.chain(pods).collect()
            });
            groups.push(Group {
                members: Vec::new(),
                pods,
            });
            next
        });
        if let Some(group) = groups.get_mut(group) {
            group.members.push(n);
        }
        group_of.push(group);
    }
    // Which groups select each pod, in order.
    let mut groups_of_pod: HashMap<Place, Vec<usize>> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        for pod in &group.pods {
            groups_of_pod.entry(pod.place()).or_default().push(g);
        }
    }
    // For each group, the groups it shares a pod with, each with the first such pod of its own.
    let shared_with: Vec<Vec<(usize, &Object<'_>)>> = groups
        .iter()
        .map(|group| {
            let mut first_shared: Vec<(usize, &Object<'_>)> = Vec::new();
            let mut seen: HashSet<usize> = HashSet::new();
            for pod in &group.pods {
                for &other in groups_of_pod.get(&pod.place()).into_iter().flatten() {
                    if seen.insert(other) {
                        first_shared.push((other, *pod));
                    }
                }
            }
            first_shared
        })
        .collect();
    for (n, selector) in selecting.iter().enumerate() {
        let object = selector.object;
        let rival = |m: &&usize| {
            selecting.get(**m).is_some_and(|other| {
                other.object.name() != object.name() && cx.index.near(other.object.file, object.file)
            })
        };
        // The first rival in order that selects one of these pods, with the first such pod.
        let shares = group_of.get(n).and_then(|&g| shared_with.get(g));
        let shared = shares
            .into_iter()
            .flatten()
            .filter_map(|&(other, pod)| {
                let first = groups.get(other)?.members.iter().find(rival)?;
                Some((*first, pod))
            })
            .min_by_key(|(first, _)| *first);
        let Some((rival, pod)) = shared.and_then(|(m, pod)| Some((selecting.get(m)?.object, pod))) else {
            continue;
        };
        let (kind, field) = kind_and_field(object);
        out.report_in(
            object.file,
            selector.span(),
            format!(
                "{kind} `{}` and {kind} `{}` both select the pods of {} `{}`: Istio applies only one of them",
                object.qualified_name(),
                rival.qualified_name(),
                pod.kind(),
                pod.qualified_name()
            ),
        )
        .help(format!(
            "narrow the selectors so that each pod template matches one {kind}'s only:\n{}",
            selector_yaml(kind, field)
        ))
        .object(ObjectRef::of(object))
        .related(rival.file, rival.name_span(), format!("the other {kind}"));
    }
}

/// Selecting objects with the same selector, and the pods it selects.
struct Group<'o, 's> {
    /// Their positions among the namespace's selecting objects.
    members: Vec<usize>,
    pods: Vec<&'o Object<'s>>,
}

/// The kind and the name of its selector field, for messages.
fn kind_and_field(object: &Object<'_>) -> (&'static str, &'static str) {
    if object.kind() == "Sidecar" {
        ("Sidecar", "workloadSelector")
    } else {
        ("Telemetry", "selector")
    }
}

/// A selector as the kind spells it, for help texts.
fn selector_yaml(kind: &str, field: &str) -> String {
    let labels = if kind == "Sidecar" {
        "labels"
    } else {
        "matchLabels"
    };
    format!("spec:\n  {field}:\n    {labels}:\n      app: cart")
}
