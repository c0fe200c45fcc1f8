//! IST024 ambiguous-default-sidecar.
use std::collections::BTreeMap;

use crate::model::mesh::WorkloadSelector;
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
    let selected: Vec<Vec<&Object<'_>>> = selecting
        .iter()
        .map(|s| {
            let Some(labels) = s.labels() else {
                return Vec::new();
            };
            let templates = cx.index.selected_by(namespace, &labels).map(|w| w.object);
            let pods = cx
                .index
                .pod_templates()
                .bare_pods(Some(namespace))
                .filter(|pod| labels.matches(pod.labels()));
            templates.chain(pods).collect()
        })
        .collect();
    for (selector, pods) in selecting.iter().zip(&selected) {
        let object = selector.object;
        let shared = selecting.iter().zip(&selected).find_map(|(other, others)| {
            let rival = other.object.name() != object.name() && cx.index.near(other.object.file, object.file);
            let pod = pods
                .iter()
                .find(|pod| others.iter().any(|o| std::ptr::eq(*o, **pod)));
            pod.filter(|_| rival).map(|pod| (other.object, pod))
        });
        let Some((rival, pod)) = shared else {
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
