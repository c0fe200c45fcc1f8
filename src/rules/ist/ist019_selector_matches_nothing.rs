//! IST019 selector-matches-nothing.
use super::{ClosestLabels, names_custom_resource, selector_keys_carried};
use crate::index::NearFolders;
use crate::model::mesh::{
    WorkloadSelector, requires_locality_label, runs_istio_gateway, selects_istio_gateway,
};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags the workload selector of an Istio object that matches no pod template of the scan
    /// where Istio looks for its pods: the `selector.matchLabels` of an AuthorizationPolicy,
    /// PeerAuthentication or RequestAuthentication (pods of its namespace, or of every namespace
    /// when it sits in the mesh's root namespace), of a Telemetry (pods of its namespace), a
    /// Sidecar's `workloadSelector.labels` (pods of its namespace) and an Istio Gateway's
    /// `selector` (pods of every namespace).
    ///
    /// The finding points at the selector's key. Pod templates are those of Deployments,
    /// StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Argo Rollouts and bare Pods, with
    /// the labels their controller adds; a Pod manifest with labels but no `spec` counts too.
    ///
    /// The evidence line: a selector is judged only when the scan holds the pods it could match.
    /// For a policy, Telemetry or Sidecar, that is a workload or Pod of the object's namespace (for
    /// a root-namespace policy: of the root namespace) in a file near the object's (each file at
    /// most three folders below the folder they share). For a Gateway, whose pods usually come
    /// from a Helm chart or an IstioOperator outside the repository, it is a workload near the
    /// Gateway that runs an Istio gateway: labelled `istio: ingressgateway` or
    /// `istio: egressgateway`, or with an `istio-proxy` container or a `proxyv2` image. The
    /// same holds for a policy whose selector asks for the labels of Istio's gateway pods
    /// (`istio: ingressgateway`, `app: istio-ingressgateway`, any such value naming a gateway).
    ///
    /// Left alone: objects without a selector or with an empty one (they apply to the whole
    /// namespace, or to every gateway). `istioctl analyze` also reports a selector-less
    /// AuthorizationPolicy in a namespace without pods; mslint does not, since a namespace with
    /// no workload in the scan is most often deployed from elsewhere. Also left alone:
    /// objects that name their target with `targetRef` or `targetRefs` (Istio does not use
    /// their selector); templated selectors; selectors asking for
    /// a label Istio adds from where the pods run (`topology.kubernetes.io/region`, `zone`,
    /// `kubernetes.io/hostname`, `topology.istio.io/cluster`, …); objects in a Helm
    /// chart's `templates/`; a selector with a value that names a custom resource, whose
    /// operator labels the pods it creates with that name; and a selector naming a label key
    /// that no pod template in its reach carries (with a value that is not empty), which a
    /// kustomization's `commonLabels`, an operator or a webhook may add where the scan cannot
    /// see: the rule reports the values that differ, not the labelling schemes.
    ///
    /// ## Why is this bad?
    /// An object whose selector matches no pod applies to nothing: an AuthorizationPolicy
    /// meant to lock a workload down leaves it open, a PeerAuthentication meant to enforce
    /// STRICT mTLS enforces nothing, a Gateway configures no proxy and its hosts do not answer.
    /// Nothing in the cluster reports it; usually a label was renamed on one side only.
    ///
    /// ## Example
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// metadata: { namespace: shop }
    /// spec:
    ///   selector:
    ///     matchLabels: { app: cart-api }
    /// ---
    /// kind: Deployment
    /// metadata: { namespace: shop }
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: { app: cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// metadata: { namespace: shop }
    /// spec:
    ///   selector:
    ///     matchLabels: { app: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted using mutual TLS and access
    /// between services controlled; a policy that selects no pod does neither.
    pub SelectorMatchesNothing {
        id: "IST019",
        name: "selector-matches-nothing",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §Security",
    }
}

/// The kinds whose selector the rule judges.
const SELECTING_KINDS: &[&str] = &[
    "AuthorizationPolicy",
    "PeerAuthentication",
    "RequestAuthentication",
    "Telemetry",
    "Sidecar",
    "Gateway",
];

impl Rule for SelectorMatchesNothing {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let index = cx.index;
        if !index.mesh().active() {
            return;
        }
        let templates = index.pod_templates();
        let mut gateway_folders = NearFolders::default();
        for workload in index.workloads().filter(runs_istio_gateway) {
            gateway_folders.add(index.folder_of(workload.object.file));
        }
        let root = index.mesh().root_namespace();
        let mut closest_labels = ClosestLabels::default();
        let selectors = SELECTING_KINDS
            .iter()
            .flat_map(|kind| index.istio_of_kind(kind))
            .filter_map(WorkloadSelector::of);
        for selector in selectors {
            let object = selector.object;
            let Some(labels) = selector.labels() else {
                continue;
            };
            let namespace = index.scan_namespace_of(object);
            let folder = index.folder_of(object.file);
            let anywhere = match object.kind() {
                "Gateway" => true,
                kind => namespace == root && !matches!(kind, "Sidecar" | "Telemetry"),
            };
            let evidence = if object.kind() == "Gateway" || selects_istio_gateway(&labels) {
                gateway_folders.near(folder)
            } else {
                templates.pods_near(namespace, folder)
            };
            let scope = (!anywhere).then_some(namespace);
            let matched = match scope {
                None => templates.any_matching_anywhere(&labels),
                Some(namespace) => templates.any_matching(namespace, &labels),
            } || templates.bare_pods(scope).any(|pod| labels.matches(pod.labels()));
            if matched
                || !evidence
                || selector.is_templated()
                || requires_locality_label(&labels)
                || index.in_helm_chart(object)
                || names_custom_resource(cx, scope, &labels)
                || !selector_keys_carried(cx, scope, &labels)
            {
                continue;
            }
            let place = scope.map_or_else(|| "any namespace".to_owned(), |ns| format!("namespace `{ns}`"));
            let closest = closest_labels.find(cx, scope, &labels);
            let finding = out
                .report_in(
                    object.file,
                    selector.span(),
                    format!(
                        "{} `{}` selector `{}` matches no pod template of {place}, so it applies to nothing",
                        object.kind(),
                        object.qualified_name(),
                        selector.describe()
                    ),
                )
                .help(help(
                    object.kind(),
                    closest.as_ref().map(|(_, labels)| labels.as_slice()),
                ))
                .object(ObjectRef::of(object));
            if let Some((workload, _)) = closest {
                finding.related(
                    workload.object.file,
                    workload.object.name_span(),
                    format!(
                        "closest pod template: {} `{}`",
                        workload.kind_name(),
                        workload.qualified_name()
                    ),
                );
            }
        }
    }
}

/// The fix: the selector, as the kind spells it, with the closest pod template's labels.
fn help(kind: &str, labels: Option<&[(&str, &str)]>) -> String {
    let labels: Vec<(&str, &str)> = labels.map_or_else(|| vec![("app", "<pod label>")], <[_]>::to_vec);
    let (path, indent) = match kind {
        "Sidecar" => ("workloadSelector:\n    labels:", 6),
        "Gateway" => ("selector:", 4),
        _ => ("selector:\n    matchLabels:", 6),
    };
    let lines: String = labels
        .iter()
        .map(|(key, value)| format!("\n{:indent$}{}: {}", "", OneLine(key), OneLine(value)))
        .collect();
    format!("make the selector equal to labels of the pods it is meant for:\nspec:\n  {path}{lines}")
}
