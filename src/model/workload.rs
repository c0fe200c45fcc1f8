//! One view over every pod-bearing kind: the pod template, its containers and what they inherit.

use super::object::{Object, label_pairs};
use super::selector::LabelSelector;
use crate::parse::yaml::Node;
use crate::source::Span;

/// The kinds that carry a pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A bare Pod.
    Pod,
    /// apps/v1 Deployment.
    Deployment,
    /// apps/v1 StatefulSet.
    StatefulSet,
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// apps/v1 ReplicaSet.
    ReplicaSet,
    /// v1 ReplicationController.
    ReplicationController,
    /// batch/v1 Job.
    Job,
    /// batch/v1 CronJob.
    CronJob,
    /// argoproj.io Rollout with an inline template.
    Rollout,
}

impl WorkloadKind {
    fn of(object: &Object<'_>) -> Option<WorkloadKind> {
        let group = object.api_group();
        Some(match (group, object.kind()) {
            ("", "Pod") => WorkloadKind::Pod,
            ("", "ReplicationController") => WorkloadKind::ReplicationController,
            ("apps" | "extensions", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps" | "extensions", "DaemonSet") => WorkloadKind::DaemonSet,
            ("apps" | "extensions", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            ("argoproj.io", "Rollout") => WorkloadKind::Rollout,
            _ => return None,
        })
    }

    /// Path from the object root to the pod spec.
    fn pod_spec_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::Pod => &["spec"],
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template", "spec"],
            _ => &["spec", "template", "spec"],
        }
    }
}

/// A pod-bearing object.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
    /// Which kind it is.
    pub kind: WorkloadKind,
    /// Its pod spec.
    pub pod: PodSpec<'o, 's>,
}

impl<'o, 's> Workload<'o, 's> {
    /// The workload view of an object, when it is a workload with a pod spec.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        let kind = WorkloadKind::of(object)?;
        let node = object.root.path(kind.pod_spec_path())?;
        node.is_mapping().then_some(Workload {
            object,
            kind,
            pod: PodSpec { node },
        })
    }

    /// True for pods that run to completion: Jobs, CronJobs and Pods whose restartPolicy is not Always.
    pub fn runs_to_completion(&self) -> bool {
        match self.kind {
            WorkloadKind::Job | WorkloadKind::CronJob => true,
            WorkloadKind::Pod => self.pod.restart_policy().is_some_and(|p| p != "Always"),
            _ => false,
        }
    }

    /// The kind as Kubernetes spells it.
    pub fn kind_name(&self) -> &str {
        self.object.kind()
    }

    /// `namespace/name`, for messages.
    pub fn qualified_name(&self) -> String {
        self.object.qualified_name()
    }

    /// `spec.replicas` as written (the node, for pointing at it).
    pub fn replicas_node(&self) -> Option<&'o Node<'s>> {
        match self.kind {
            WorkloadKind::Deployment
            | WorkloadKind::StatefulSet
            | WorkloadKind::ReplicaSet
            | WorkloadKind::ReplicationController
            | WorkloadKind::Rollout => self.object.root.path(&["spec", "replicas"]),
            _ => None,
        }
    }

    /// The replica count Kubernetes runs: `spec.replicas`, defaulting to 1 for the kinds that
    /// have it; `None` for kinds without replicas (DaemonSet, Job, CronJob, Pod) or a value that
    /// is not a plain number.
    pub fn replicas(&self) -> Option<i64> {
        match self.replicas_node() {
            Some(node) => node.as_i64(),
            None => matches!(
                self.kind,
                WorkloadKind::Deployment
                    | WorkloadKind::StatefulSet
                    | WorkloadKind::ReplicaSet
                    | WorkloadKind::ReplicationController
                    | WorkloadKind::Rollout
            )
            .then_some(1),
        }
    }

    /// `spec.selector` (CronJobs: the job template's), as a label selector.
    pub fn selector(&self) -> Option<LabelSelector<'o>> {
        let node = match self.kind {
            WorkloadKind::Pod => return None,
            WorkloadKind::CronJob => {
                self.object
                    .root
                    .path(&["spec", "jobTemplate", "spec", "selector"])
            }
            WorkloadKind::ReplicationController => {
                return LabelSelector::from_equality_map(
                    self.object.root.path(&["spec", "selector"]),
                );
            }
            _ => self.object.root.path(&["spec", "selector"]),
        };
        LabelSelector::from_node(node)
    }

    /// The pod template's annotations (a bare Pod's own).
    pub fn template_annotations(&self) -> impl Iterator<Item = (&'o str, &'o str)> {
        label_pairs(self.template_metadata().and_then(|m| m.get("annotations")))
    }

    /// The pod template's `metadata` (a bare Pod's own).
    pub fn template_metadata(&self) -> Option<&'o Node<'s>> {
        match self.kind {
            WorkloadKind::Pod => self.object.root.get("metadata"),
            WorkloadKind::CronJob => {
                self.object
                    .root
                    .path(&["spec", "jobTemplate", "spec", "template", "metadata"])
            }
            _ => self.object.root.path(&["spec", "template", "metadata"]),
        }
    }

    /// The pod template's labels (a bare Pod's own labels).
    pub fn template_labels(&self) -> impl Iterator<Item = (&'o str, &'o str)> {
        label_pairs(self.template_metadata().and_then(|m| m.get("labels")))
    }
}

/// A pod spec.
#[derive(Debug, Clone, Copy)]
pub struct PodSpec<'o, 's> {
    /// The `spec` mapping of the pod.
    pub node: &'o Node<'s>,
}

impl<'o, 's> PodSpec<'o, 's> {
    /// `restartPolicy`.
    pub fn restart_policy(&self) -> Option<&'o str> {
        self.node.str_at("restartPolicy")
    }

    /// The pod-level `securityContext`.
    pub fn security_context(&self) -> Option<&'o Node<'s>> {
        self.node.get("securityContext")
    }

    /// Pod-level `resources` (the PodLevelResources feature), which bound every container.
    pub fn resources(&self) -> Option<&'o Node<'s>> {
        self.node.get("resources")
    }

    /// Every container with its role: init containers, app containers, ephemeral containers.
    pub fn containers(&self) -> impl Iterator<Item = Container<'o, 's>> + 'o {
        let node = self.node;
        let group = move |key: &'static str, role: ContainerRole| {
            node.get(key)
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(move |container| {
                    let role = match role {
                        ContainerRole::Init
                            if container.str_at("restartPolicy") == Some("Always") =>
                        {
                            ContainerRole::Sidecar
                        }
                        role => role,
                    };
                    Container {
                        node: container,
                        role,
                        pod: PodSpec { node },
                    }
                })
        };
        group("initContainers", ContainerRole::Init)
            .chain(group("containers", ContainerRole::App))
            .chain(group("ephemeralContainers", ContainerRole::Ephemeral))
    }

    /// `volumes`.
    pub fn volumes(&self) -> &'o [Node<'s>] {
        self.node
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
    }

    /// The containers that run for the pod's lifetime (`containers`).
    pub fn app_containers(&self) -> impl Iterator<Item = Container<'o, 's>> + 'o {
        self.containers().filter(|c| c.role == ContainerRole::App)
    }
}

/// Where a container sits in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    /// Under `containers`.
    App,
    /// Under `initContainers`, run to completion before the app containers.
    Init,
    /// Under `initContainers` with `restartPolicy: Always` (a native sidecar).
    Sidecar,
    /// Under `ephemeralContainers` (debugging only).
    Ephemeral,
}

/// The probes a container can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// `livenessProbe`.
    Liveness,
    /// `readinessProbe`.
    Readiness,
    /// `startupProbe`.
    Startup,
}

impl ProbeKind {
    /// The field name.
    pub fn field(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Readiness => "readinessProbe",
            ProbeKind::Startup => "startupProbe",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone, Copy)]
pub struct Container<'o, 's> {
    /// The container's mapping.
    pub node: &'o Node<'s>,
    /// Where it sits.
    pub role: ContainerRole,
    /// The pod spec it belongs to, for inherited settings.
    pub pod: PodSpec<'o, 's>,
}

impl<'o, 's> Container<'o, 's> {
    /// `name`, or `<unnamed>`.
    pub fn name(&self) -> &'o str {
        self.node.str_at("name").unwrap_or("<unnamed>")
    }

    /// The `name:` entry, where findings about a missing field point.
    pub fn name_entry_span(&self) -> Span {
        self.node
            .entry("name")
            .map(|e| e.key.span.cover(e.value.span))
            .unwrap_or(Span::at(self.node.span.start as usize))
    }

    /// The `image` value node.
    pub fn image(&self) -> Option<&'o Node<'s>> {
        self.node.get("image")
    }

    /// A probe, when declared.
    pub fn probe(&self, kind: ProbeKind) -> Option<&'o Node<'s>> {
        self.node.get(kind.field())
    }

    /// `resources.<section>.<resource>` (`section` is `requests` or `limits`).
    pub fn resource(&self, section: &str, resource: &str) -> Option<&'o Node<'s>> {
        self.node.path(&["resources", section, resource])
    }

    /// The `resources` mapping or, failing that, the container's `name:` entry.
    pub fn resources_span(&self) -> Span {
        self.node
            .entry("resources")
            .map(|e| e.key.span)
            .unwrap_or_else(|| self.name_entry_span())
    }

    /// The container's `ports`.
    pub fn ports(&self) -> &'o [Node<'s>] {
        self.node.get("ports").map(Node::items).unwrap_or_default()
    }

    /// Whether the container exposes a port, given by number or by name.
    pub fn exposes(&self, port: &Node<'_>) -> bool {
        let wanted = port.as_text().unwrap_or("");
        self.ports().iter().any(|p| {
            p.str_at("containerPort") == Some(wanted)
                || p.str_at("name").is_some_and(|name| name == wanted)
        })
    }

    /// A securityContext field as the container sees it: its own value, else the pod's.
    pub fn effective_security(&self, field: &str) -> Option<&'o Node<'s>> {
        self.node
            .path(&["securityContext", field])
            .or_else(|| self.pod.security_context().and_then(|sc| sc.get(field)))
    }
}
