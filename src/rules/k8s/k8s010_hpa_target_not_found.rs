//! K8S010 hpa-target-not-found.
use crate::model::Scaler;
use crate::model::network::is_templated;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

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
    /// It also flags the second of two autoscalers of one file that scale the same workload
    /// (same namespace, kind and name, whether or not the scan holds it), at its
    /// `scaleTargetRef` key, with the first one's as a related location. Autoscalers in
    /// different files are not compared: a folder often holds alternatives to apply one of (an
    /// HPA on CPU and one on a custom metric, one per overlay or cloud), and only a build tool
    /// knows which files go together. Two objects of the same kind and name are one object
    /// written twice (an `autoscaling/v1` and a `v2` copy), and an HPA that a KEDA
    /// ScaledObject takes over (`scaledobject.keda.sh/transfer-hpa-ownership: "true"` with
    /// `spec.advanced.horizontalPodAutoscalerConfig.name` naming it) is no second autoscaler.
    /// Autoscalers a controller owns (`ownerReferences`, such as the HPA that KEDA creates for
    /// a ScaledObject in a cluster dump) are left alone.
    ///
    /// ## Why is this bad?
    /// The autoscaler silently does nothing: its status reports `FailedGetScale` and the workload
    /// keeps its fixed replica count. A renamed Deployment, a typo, a kind mismatch (`Deployment`
    /// for a `Rollout`) or a namespace mismatch all look fine until the first traffic spike. Two
    /// autoscalers on one workload (an HPA beside a KEDA ScaledObject, which creates an HPA of
    /// its own) each set the replica count from their own metrics, so it flaps between their
    /// answers.
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
            if scaler.object.is_controlled() || is_templated(scaler.target) {
                continue;
            }
            report_second_autoscaler(&scaler, cx, out);
            if !scaler.targets_known_kind() || cx.index.scale_target(&scaler).is_some() {
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
                     apiVersion: {api_version}\n  kind: {kind}\n  name: {name}",
                    name = OneLine(name)
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

/// Reports `scaler` when an autoscaler before it in its file scales the same workload: a second
/// object, not the same one written twice (an `autoscaling/v1` and a `v2` copy), and not an HPA
/// that a KEDA ScaledObject adopts.
fn report_second_autoscaler(scaler: &Scaler<'_, '_>, cx: &Context<'_, '_>, out: &mut Findings) {
    let Some(name) = scaler.target_name() else {
        return;
    };
    let index = cx.index;
    let kind = scaler.target_kind();
    let this = scaler.object;
    let same_identity = |other: &Object<'_>| other.kind() == this.kind() && other.name() == this.name();
    let first = index
        .scalers_of_target(index.namespace_of(this), kind, name)
        .take_while(|other| !std::ptr::eq(*other, this))
        .filter_map(Scaler::of)
        .find(|other| {
            !other.object.is_controlled()
                && !same_identity(other.object)
                && other.object.file == this.file
                && !other.adopts(this)
                && !scaler.adopts(other.object)
        });
    let Some(first) = first else {
        return;
    };
    let first_name = format!("{} `{}`", first.object.kind(), first.object.qualified_name());
    out.report_in(
        this.file,
        scaler.target_ref_span(),
        format!(
            "{} `{}` scales {kind} `{name}`, which {first_name} scales already: each overwrites the \
             replica count the other sets",
            this.kind(),
            this.qualified_name(),
        ),
    )
    .help(
        "keep one autoscaler per workload: delete this one and put its metrics in the other, or \
         let the ScaledObject take the HPA over:\nmetadata:\n  annotations:\n    \
         scaledobject.keda.sh/transfer-hpa-ownership: \"true\"\nspec:\n  advanced:\n    \
         horizontalPodAutoscalerConfig: { name: <the HPA's name> }",
    )
    .object(ObjectRef::of(this))
    .related(
        first.object.file,
        first.target_ref_span(),
        format!("{first_name} scales it first"),
    );
}
