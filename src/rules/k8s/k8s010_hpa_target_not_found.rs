//! K8S010 hpa-target-not-found.
use crate::model::network::is_templated;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an autoscaler (a HorizontalPodAutoscaler of any `autoscaling` version, a KEDA
    /// `ScaledObject` or `HTTPScaledObject`) whose `scaleTargetRef` names a workload the scan does
    /// not hold in the autoscaler's namespace. Only targets of a kind the scan can hold are
    /// checked: Deployment, StatefulSet, ReplicaSet, ReplicationController and Argo Rollout, with
    /// a matching `apiVersion` when one is given (KEDA's kind defaults to Deployment). A target
    /// of any other kind (a custom resource with a scale subresource) is left alone, and so are
    /// templated references. An autoscaler is judged only when its own folder holds workloads of
    /// its namespace, or a near miss (below): the project deploys those workloads beside it, so a
    /// target that is none of them is likely misnamed rather than deployed from elsewhere (a Helm
    /// chart, another repository, a file the scan was not given, a folder of autoscalers kept
    /// apart from the manifests). Near misses are shown as related locations: a workload of that name
    /// and kind in another namespace, or of that name and another kind in the same namespace.
    ///
    /// ## Why is this bad?
    /// The autoscaler silently does nothing: its status reports `FailedGetScale` and the workload
    /// keeps its fixed replica count. A renamed Deployment, a typo, a kind mismatch (`Deployment`
    /// for a `Rollout`) or a namespace mismatch all look fine until the first traffic spike.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: cart-api }
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: cart }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": stateless services apply autoscaling policies
    /// using the Horizontal Pod Autoscaler, which only works when it names the workload.
    pub HpaTargetNotFound {
        id: "K8S010",
        name: "hpa-target-not-found",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes",
    }
}

/// The workload kinds a near miss can have.
const TARGET_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "Rollout",
];

impl Rule for HpaTargetNotFound {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for scaler in cx.index.scalers() {
            if scaler.object.is_controlled()
                || is_templated(scaler.target)
                || !scaler.targets_known_kind()
                || cx.index.scale_target(&scaler).is_some()
            {
                continue;
            }
            let (Some(name_node), Some(name)) = (scaler.target_name_node(), scaler.target_name()) else {
                continue;
            };
            let kind = scaler.target_kind();
            let namespace = cx.index.namespace_of(scaler.object);
            // Near misses: the same name under another workload kind here, or in another namespace.
            let near_misses: Vec<&Object<'_>> = cx
                .index
                .named(name)
                .filter(|o| {
                    TARGET_KINDS.contains(&o.kind())
                        && (o.kind() == kind) != (cx.index.namespace_of(o) == namespace)
                })
                .collect();
            let beside =
                |o: &Object<'_>| cx.index.folder_of(o.file) == cx.index.folder_of(scaler.object.file);
            if !cx.index.deploys_pods_beside(namespace, scaler.object)
                && !near_misses.iter().any(|o| beside(o))
            {
                continue;
            }
            let api_version = match kind {
                "Rollout" => "argoproj.io/v1alpha1",
                "ReplicationController" => "v1",
                _ => "apps/v1",
            };
            let finding = out
                .report_in(
                    scaler.object.file,
                    name_node.span,
                    format!(
                        "{} `{}` scales {kind} `{name}`, which the scan does not hold in namespace \
                         `{namespace}`",
                        scaler.object.kind(),
                        scaler.object.qualified_name(),
                    ),
                )
                .help(format!(
                    "point `scaleTargetRef` at a workload of this namespace, by its exact kind and \
                     name, or add that workload's manifest to the scan:\nscaleTargetRef:\n  \
                     apiVersion: {api_version}\n  kind: {kind}\n  name: {name}"
                ))
                .object(ObjectRef::of(scaler.object));
            for near in near_misses {
                let label = format!(
                    "{} `{name}` in namespace `{}`",
                    near.kind(),
                    cx.index.namespace_of(near)
                );
                finding.related(near.file, near.name_span(), label);
            }
        }
    }
}
