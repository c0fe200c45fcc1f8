//! K8S029 service-account-token-mounted.
use crate::model::network::is_templated;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a pod template (of any workload kind, Jobs and CronJobs included, and a bare Pod)
    /// that runs as its namespace's `default` ServiceAccount, because it names none
    /// (`serviceAccountName`, or the older `serviceAccount`) or names `default`, and gets that
    /// account's API token mounted: the pod does not set `automountServiceAccountToken: false`,
    /// and neither does a ServiceAccount `default` of its namespace in the scan. A pod's own
    /// `automountServiceAccountToken: true` wins over the account's `false`, as in Kubernetes.
    ///
    /// The finding points at `automountServiceAccountToken: true` when the pod asks for the
    /// token, else at `serviceAccountName: default` when it names the account, else at the
    /// workload's name. Jobs are checked because a finished Job's pod keeps its token valid
    /// until the pod is deleted. Left alone: pods that name any other ServiceAccount (whoever
    /// gave them one decided what it may do), values only known after rendering, and objects
    /// a controller owns (`ownerReferences`: a Pod of a ReplicaSet, a Job of a CronJob, dumped
    /// from a cluster), whose owner is reported instead.
    ///
    /// ## Why is this bad?
    /// Every pod of the namespace that names no account shares `default`, and Kubernetes mounts
    /// its token into each of them at `/var/run/secrets/kubernetes.io/serviceaccount`. Whoever
    /// takes over one container can call the API server with it: to look around the cluster at
    /// least, and with every permission anyone ever granted `default` for one of the other pods.
    /// Most application pods never call the Kubernetes API and need no token at all.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - { name: server, image: shop/cart:1.4.2 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       automountServiceAccountToken: false
    ///       containers:
    ///         - { name: server, image: shop/cart:1.4.2 }
    /// ```
    /// or, for a namespace whose pods never call the API, on the account itself:
    /// ```yaml
    /// kind: ServiceAccount
    /// metadata: { name: default, namespace: shop }
    /// automountServiceAccountToken: false
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": Role-Based Access Control must be applied in Kubernetes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub ServiceAccountTokenMounted {
        id: "K8S029",
        name: "service-account-token-mounted",
        family: Family::K8s,
        severity: Severity::Note,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
    }
}

impl Rule for ServiceAccountTokenMounted {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if object.is_controlled() {
            return;
        }
        let account = workload.pod.service_account_name();
        if account.is_some_and(|a| is_templated(a) || a.as_text() != Some("default")) {
            return;
        }
        let automount = workload.pod.automount_token();
        let span = match automount.map(|a| a.as_bool()) {
            Some(Some(true)) => automount.map(|a| a.span),
            // `false`, or a value only known after rendering.
            Some(_) => return,
            None if default_account_keeps_token(object, cx) => account.map(|a| a.span),
            None => return,
        };
        out.report(
            span.unwrap_or_else(|| object.name_span()),
            format!(
                "{} `{}` runs as the namespace's `default` ServiceAccount with its API token mounted",
                workload.kind_name(),
                workload.qualified_name()
            ),
        )
        .help(
            "turn the token off for pods that do not call the Kubernetes API, or give the workload \
             a ServiceAccount of its own with only the permissions it needs:\n\
             automountServiceAccountToken: false",
        )
        .object(ObjectRef::of(object));
    }
}

/// False when the scan holds the ServiceAccount `default` of the object's namespace with
/// `automountServiceAccountToken: false` (or a value only known after rendering).
fn default_account_keeps_token(object: &Object<'_>, cx: &Context<'_, '_>) -> bool {
    let account = cx
        .index
        .find(cx.index.namespace_of(object), "ServiceAccount", "default")
        .filter(|a| a.api_group().is_empty());
    let automount = account
        .and_then(|a| a.root.get("automountServiceAccountToken"))
        .filter(|value| !value.is_null());
    automount.is_none_or(|value| value.as_bool() == Some(true))
}
