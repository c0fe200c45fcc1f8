//! K8S009 stateless-without-hpa.
use crate::model::network::is_templated;
use crate::model::scale_out;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a Deployment or Argo Rollout that no autoscaler targets: no HorizontalPodAutoscaler,
    /// KEDA `ScaledObject` or KEDA `HTTPScaledObject` in its namespace names it in
    /// `scaleTargetRef`. Left alone, because autoscaling is not what they need:
    /// - stateful ones: a pod template mounting a PersistentVolumeClaim not known to be shared
    ///   (`ReadWriteOnce`, or a claim the scan does not hold), whose scaling is manual;
    /// - ones parked at `replicas: 0`, which an HPA does not scale from zero;
    /// - leader-elected controllers and operators (a container flag such as `--leader-elect` or
    ///   `--enable-leader-election`): one replica works at a time, so more add no capacity;
    /// - servers that keep state, recognised by a word of their image's name: databases
    ///   (`postgres`, `mysql`, `mariadb`, `mongo`, `cassandra`, `cockroach`, a `db` such as
    ///   `catalogue-db`, …), brokers (`kafka`, `rabbitmq`, `zookeeper`), caches (`redis`,
    ///   `valkey`, `memcached`), stores (`prometheus`, `alertmanager`, `elasticsearch`, `etcd`,
    ///   `minio`, Jaeger's in-memory `all-in-one`, …) — but not their companions (`*-exporter`,
    ///   `*-proxy`, `*-router`, `*-ui`, `*-operator`, `kafka-bridge`, …). Run as a Deployment,
    ///   such a server usually keeps its data in an `emptyDir`: more replicas are independent
    ///   copies, not more capacity;
    /// - pods that keep data in an `emptyDir` mounted where servers keep data (`/data`,
    ///   `/var/lib/…`, `/bitnami/…`, `/prometheus`, `/var/opt/…`);
    /// - controllers and operators without leader election, recognised when every container's
    ///   image names a `controller`, `operator` or `manager`: each replica would reconcile the
    ///   same objects; and kube-state-metrics, which shards instead of replicating;
    /// - a Deployment that an Argo Rollout runs through `workloadRef` (the Rollout is what gets
    ///   scaled), and objects a controller owns (`ownerReferences`);
    /// - a kustomize base that overlays of different namespaces share, whose autoscalers the
    ///   overlays add.
    ///
    /// ## Why is this bad?
    /// A fixed replica count is either too many pods most of the day or too few at the peak.
    /// Without an autoscaler a traffic spike turns into CPU throttling, OOM kills and queueing
    /// (seed 002, failure mode F6) until someone raises the count by hand.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   replicas: 3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: { name: cart, namespace: shop }
    /// spec:
    ///   scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: cart }
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": if the service is stateless, apply autoscaling
    /// policies using the Horizontal Pod Autoscaler. Seed 003, "Deployment", asks for auto-scaling
    /// policies before production.
    pub StatelessWithoutHpa {
        id: "K8S009",
        name: "stateless-without-hpa",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Deployment",
    }
}

impl Rule for StatelessWithoutHpa {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for object in cx.index.objects().filter(|o| is_scalable(o)) {
            if object.is_controlled()
                || cx.index.in_shared_build(object)
                || object.root.get("metadata").is_some_and(is_templated)
                || !cx.index.scalers_targeting(object).is_empty()
                || cx.index.rollout_referencing(object).is_some()
            {
                continue;
            }
            // A missing count defaults to 1; a count that is no plain number is templated.
            let replicas = match object.root.path(&["spec", "replicas"]) {
                None => Some(1),
                Some(node) => node.as_i64(),
            };
            if replicas.is_none_or(|r| r == 0) {
                continue;
            }
            // A Rollout with a `workloadRef` runs the referenced Deployment's pod template.
            let template = Workload::of(object).or_else(|| referenced_workload(object, cx));
            let exempt = template.is_some_and(|workload| {
                !cx.index.unshared_claims(&workload).is_empty()
                    || is_leader_elected(&workload)
                    || scale_out::blocker(&workload).is_some()
            });
            if exempt {
                continue;
            }
            let name = OneLine(object.name().unwrap_or("<unnamed>"));
            let api_version = OneLine(object.api_version());
            out.report_in(
                object.file,
                object.name_span(),
                format!(
                    "{} `{}` has no HorizontalPodAutoscaler or KEDA ScaledObject",
                    object.kind(),
                    object.qualified_name()
                ),
            )
            .help(format!(
                "add an autoscaler that targets it (if it keeps state, run it as a StatefulSet scaled by \
                 hand instead):\n\
                 apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n\
                 spec:\n  scaleTargetRef: {{ apiVersion: {api_version}, kind: {}, name: {name} }}\n  \
                 minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      \
                 resource: {{ name: cpu, target: {{ type: Utilization, averageUtilization: 70 }} }}",
                object.kind()
            ))
            .object(ObjectRef::of(object));
        }
    }
}

/// Deployments and Argo Rollouts: the kinds the guideline expects an autoscaler for.
fn is_scalable(object: &Object<'_>) -> bool {
    matches!(
        (object.api_group(), object.kind()),
        ("apps" | "extensions", "Deployment") | ("argoproj.io", "Rollout")
    )
}

/// The workload an Argo Rollout's `spec.workloadRef` names in its namespace.
fn referenced_workload<'o, 's>(object: &Object<'_>, cx: &Context<'o, 's>) -> Option<Workload<'o, 's>> {
    let reference = object.root.path(&["spec", "workloadRef"])?;
    let target = cx.index.find(
        cx.index.namespace_of(object),
        reference.str_at("kind")?,
        reference.str_at("name")?,
    )?;
    Workload::of(target)
}

/// True when a container takes part in leader election: only the leader works.
fn is_leader_elected(workload: &Workload<'_, '_>) -> bool {
    workload.pod.app_containers().any(|container| {
        container
            .command_line()
            .any(|word| word.starts_with('-') && word.contains("leader-elect"))
    })
}
