//! One view over every pod-bearing kind: the pod template, its containers and what they inherit.

use super::object::{Object, label_pairs};
use super::selector::{LabelSelector, Operator};
use crate::parse::yaml::{Entry, Node};
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
    /// The workload kind of an API group and kind.
    pub(super) fn of(group: &str, kind: &str) -> Option<WorkloadKind> {
        Some(match (group, kind) {
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
    pub(super) fn pod_spec_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::Pod => &["spec"],
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template", "spec"],
            _ => &["spec", "template", "spec"],
        }
    }

    /// Path from the object root to the pod template's metadata (a bare Pod's own).
    pub(super) fn template_metadata_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::Pod => &["metadata"],
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template", "metadata"],
            _ => &["spec", "template", "metadata"],
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
        let template = object.pod_template()?;
        Some(Workload {
            object,
            kind: template.kind,
            pod: PodSpec { node: &template.spec },
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
            WorkloadKind::CronJob => self
                .object
                .root
                .path(&["spec", "jobTemplate", "spec", "selector"]),
            WorkloadKind::ReplicationController => {
                return LabelSelector::from_equality_map(self.object.root.path(&["spec", "selector"]));
            }
            _ => self.object.root.path(&["spec", "selector"]),
        };
        LabelSelector::from_node(node)
    }

    /// Every `env` entry with a literal `value` in the containers written in the manifest (app,
    /// init and sidecar; ephemeral containers are attached by `kubectl debug`, not written).
    pub fn literal_env(&self) -> impl Iterator<Item = LiteralEnv<'o, 's>> + 'o {
        self.pod
            .containers()
            .filter(|c| c.role != ContainerRole::Ephemeral)
            .flat_map(|container| {
                container.env().iter().filter_map(move |var| {
                    Some(LiteralEnv {
                        container,
                        name: var.str_at("name")?,
                        value: var.entry("value")?,
                    })
                })
            })
    }

    /// The pod template's annotations (a bare Pod's own).
    pub fn template_annotations(&self) -> impl Iterator<Item = (&'o str, &'o str)> {
        label_pairs(self.template_metadata().and_then(|m| m.get("annotations")))
    }

    /// The pod template's `metadata` (a bare Pod's own).
    pub fn template_metadata(&self) -> Option<&'o Node<'s>> {
        self.object.pod_template()?.metadata.as_ref()
    }

    /// The pod template's labels (a bare Pod's own labels).
    pub fn template_labels(&self) -> impl Iterator<Item = (&'o str, &'o str)> {
        label_pairs(self.template_metadata().and_then(|m| m.get("labels")))
    }

    /// Whether the controller gives the pods it creates the label `key` with value `value`, on
    /// top of the template's labels. A Job's pods carry `job-name` and
    /// `batch.kubernetes.io/job-name` (the Job's name; a CronJob's Jobs are named after it plus
    /// a suffix); a StatefulSet's carry `statefulset.kubernetes.io/pod-name` (`<name>-<ordinal>`)
    /// and `apps.kubernetes.io/pod-index`. Uid, index and hash labels (`controller-uid`,
    /// `pod-template-hash`, `controller-revision-hash`, …) take values only the cluster knows,
    /// so any value may match.
    pub fn controller_label_matches(&self, key: &str, value: &str) -> bool {
        if !is_controller_label(key) {
            return false;
        }
        let name = self.object.name().unwrap_or("");
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let suffix = value.strip_prefix(name).and_then(|rest| rest.strip_prefix('-'));
        match (self.kind, key) {
            (WorkloadKind::Job, "job-name" | "batch.kubernetes.io/job-name") => value == name,
            (WorkloadKind::CronJob, "job-name" | "batch.kubernetes.io/job-name") => {
                suffix.is_some_and(|suffix| !suffix.is_empty())
            }
            (
                WorkloadKind::Job | WorkloadKind::CronJob,
                "controller-uid"
                | "batch.kubernetes.io/controller-uid"
                | "batch.kubernetes.io/job-completion-index",
            ) => true,
            (WorkloadKind::StatefulSet, "statefulset.kubernetes.io/pod-name") => suffix.is_some_and(digits),
            (WorkloadKind::StatefulSet, "apps.kubernetes.io/pod-index") => digits(value),
            (WorkloadKind::StatefulSet | WorkloadKind::DaemonSet, "controller-revision-hash") => true,
            (WorkloadKind::Deployment | WorkloadKind::ReplicaSet, "pod-template-hash") => true,
            (WorkloadKind::Rollout, "rollouts-pod-template-hash") => true,
            _ => false,
        }
    }

    /// Whether the pods this workload creates match `selector`: by the template's labels, or,
    /// for an `In` requirement, by a label the controller adds
    /// (see [`Workload::controller_label_matches`]).
    pub fn pods_match(&self, selector: &LabelSelector<'_>) -> bool {
        let labels: Vec<(&str, &str)> = self.template_labels().collect();
        self.pods_match_labels(selector, &labels)
    }

    /// [`Workload::pods_match`] with the template's labels already read, for callers that match
    /// one workload against many selectors.
    pub fn pods_match_labels(&self, selector: &LabelSelector<'_>, labels: &[(&str, &str)]) -> bool {
        selector.requirements.iter().all(|requirement| {
            requirement.matches(labels)
                || (requirement.operator == Operator::In
                    && requirement
                        .values
                        .iter()
                        .any(|value| self.controller_label_matches(requirement.key, value)))
        })
    }
}

/// An `env` entry with a literal `value`.
#[derive(Debug, Clone, Copy)]
pub struct LiteralEnv<'o, 's> {
    /// The container it belongs to.
    pub container: Container<'o, 's>,
    /// The variable's name.
    pub name: &'o str,
    /// The `value:` entry (key and value spans).
    pub value: &'o crate::parse::yaml::Entry<'s>,
}

/// True for a label a controller adds to the pods it creates (see
/// [`Workload::controller_label_matches`]); a `match`, since selectors ask it of every candidate.
pub fn is_controller_label(key: &str) -> bool {
    matches!(
        key,
        "job-name"
            | "batch.kubernetes.io/job-name"
            | "controller-uid"
            | "batch.kubernetes.io/controller-uid"
            | "batch.kubernetes.io/job-completion-index"
            | "statefulset.kubernetes.io/pod-name"
            | "apps.kubernetes.io/pod-index"
            | "controller-revision-hash"
            | "pod-template-hash"
            | "rollouts-pod-template-hash"
    )
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

    /// True when the pod runs on Windows nodes (`os.name: windows`, or a `kubernetes.io/os:
    /// windows` nodeSelector): Linux-only securityContext fields (`allowPrivilegeEscalation`,
    /// `readOnlyRootFilesystem`, `runAsUser`…) are forbidden or meaningless there.
    pub fn targets_windows(&self) -> bool {
        self.node.path(&["os", "name"]).and_then(Node::as_text) == Some("windows")
            || self
                .node
                .path(&["nodeSelector", "kubernetes.io/os"])
                .and_then(Node::as_text)
                == Some("windows")
    }

    /// True for `hostUsers: false`: the pod gets its own user namespace, so uid 0 inside it is
    /// an unprivileged uid on the node.
    pub fn has_own_user_namespace(&self) -> bool {
        self.node.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    /// `hostNetwork: true`: the pod shares the node's network, which NetworkPolicies do not govern.
    pub fn uses_host_network(&self) -> bool {
        self.node.get("hostNetwork").and_then(Node::as_bool) == Some(true)
    }

    /// The ServiceAccount the pod runs as: `serviceAccountName`, else the deprecated
    /// `serviceAccount`; `None` when neither names one, so the pod runs as the namespace's
    /// `default` ServiceAccount.
    pub fn service_account_name(&self) -> Option<&'o Node<'s>> {
        ["serviceAccountName", "serviceAccount"]
            .iter()
            .filter_map(|key| self.node.get(key))
            .find(|name| name.as_text().is_some_and(|n| !n.is_empty()))
    }

    /// `automountServiceAccountToken`, when set (not null).
    pub fn automount_token(&self) -> Option<&'o Node<'s>> {
        self.node
            .get("automountServiceAccountToken")
            .filter(|value| !value.is_null())
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
                // An item that is no mapping is no container: Kubernetes refuses the object.
                .filter(|container| container.is_mapping())
                .map(move |container| {
                    let role = match role {
                        ContainerRole::Init if container.str_at("restartPolicy") == Some("Always") => {
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
        self.node.get("volumes").map(Node::items).unwrap_or_default()
    }

    /// The volumes backed by a PersistentVolumeClaim (`volumes[].persistentVolumeClaim`).
    ///
    /// Generic ephemeral volumes (`ephemeral.volumeClaimTemplate`) are not among them: Kubernetes
    /// creates their claim per pod and deletes it with the pod.
    pub fn claim_volumes(&self) -> impl Iterator<Item = ClaimVolume<'o, 's>> + 'o {
        self.volumes().iter().filter_map(|volume| {
            let entry = volume.entry("persistentVolumeClaim")?;
            (!entry.value.is_null()).then_some(ClaimVolume {
                volume,
                source: &entry.value,
                key_span: entry.key.span,
            })
        })
    }

    /// The containers that run for the pod's lifetime (`containers`).
    pub fn app_containers(&self) -> impl Iterator<Item = Container<'o, 's>> + 'o {
        self.containers().filter(|c| c.role == ContainerRole::App)
    }
}

/// A pod volume backed by a PersistentVolumeClaim.
#[derive(Debug, Clone, Copy)]
pub struct ClaimVolume<'o, 's> {
    /// The item of `volumes`.
    pub volume: &'o Node<'s>,
    /// Its `persistentVolumeClaim` mapping.
    pub source: &'o Node<'s>,
    /// The `persistentVolumeClaim` key.
    pub key_span: Span,
}

impl<'o, 's> ClaimVolume<'o, 's> {
    /// `claimName`, the claim in the pod's namespace.
    pub fn claim_name(&self) -> Option<&'o str> {
        self.source.str_at("claimName")
    }

    /// The `claimName` value, else the `persistentVolumeClaim` key: where findings point.
    pub fn span(&self) -> Span {
        self.source
            .get("claimName")
            .map_or(self.key_span, |name| name.span)
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

    /// The items of `env` (`name` with `value` or `valueFrom`).
    pub fn env(&self) -> &'o [Node<'s>] {
        self.node.get("env").map(Node::items).unwrap_or_default()
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

    /// The `hostPort` entries of its `ports` that bind a port of the node: a positive number
    /// (`0`, like an absent `hostPort`, binds none).
    pub fn host_ports(&self) -> impl Iterator<Item = &'o Entry<'s>> + 'o {
        self.ports()
            .iter()
            .filter_map(|port| port.entry("hostPort"))
            .filter(|entry| entry.value.as_i64().is_some_and(|n| n > 0))
    }

    /// Whether the container exposes a port, given by number or by name.
    pub fn exposes(&self, port: &Node<'_>) -> bool {
        let wanted = port.as_text().unwrap_or("");
        self.ports().iter().any(|p| {
            p.str_at("containerPort") == Some(wanted) || p.str_at("name").is_some_and(|name| name == wanted)
        })
    }

    /// Whether a `ports` entry declares this `containerPort` number.
    pub fn declares_port_number(&self, number: i64) -> bool {
        self.ports()
            .iter()
            .any(|p| p.get("containerPort").and_then(port_number) == Some(number))
    }

    /// Whether a `ports` entry has this `name` and `protocol` (TCP when unset): the way
    /// Kubernetes resolves a Service's named `targetPort` in each pod.
    pub fn declares_port_name(&self, name: &str, protocol: &str) -> bool {
        self.ports()
            .iter()
            .any(|p| p.str_at("name") == Some(name) && p.str_at("protocol").unwrap_or("TCP") == protocol)
    }

    /// The whole numbers in `command`, `args` and `env` values: ports set by flag or variable
    /// (`--port=18080`, `KONG_ADMIN_LISTEN: 0.0.0.0:8444`).
    pub fn mentioned_numbers(&self) -> impl Iterator<Item = i64> + 'o {
        let values = self.env().iter().filter_map(|e| e.str_at("value"));
        self.command_line()
            .chain(values)
            .flat_map(super::ports::numbers_in)
    }

    /// True when the container's command only waits (`sleep infinity`, `tail -f /dev/null`,
    /// a shell loop of `sleep`): a client or toolbox kept alive to `kubectl exec` into, which
    /// serves nothing.
    pub fn only_waits(&self) -> bool {
        let words: Vec<&str> = self.command_line().collect();
        let program = |word: &str| word.rsplit('/').next().unwrap_or(word).to_owned();
        match words.as_slice() {
            [first, ..] if program(first) == "sleep" || program(first) == "pause" => true,
            [first, "-f", "/dev/null"] if program(first) == "tail" => true,
            [shell, "-c", script] | [shell, "-ec", script]
                if matches!(program(shell).as_str(), "sh" | "bash" | "ash") =>
            {
                script.contains("sleep") && script.split([' ', ';', '&', '\n', '\t']).all(waits)
            }
            _ => false,
        }
    }

    /// The words of `command` and `args`, in that order.
    pub fn command_line(&self) -> impl Iterator<Item = &'o str> + 'o {
        let words = |key| self.node.get(key).map(Node::items).unwrap_or_default();
        words("command")
            .iter()
            .chain(words("args"))
            .filter_map(Node::as_text)
    }

    /// A securityContext field as the container sees it: its own value, else the pod's.
    pub fn effective_security(&self, field: &str) -> Option<&'o Node<'s>> {
        self.node
            .path(&["securityContext", field])
            .or_else(|| self.pod.security_context().and_then(|sc| sc.get(field)))
    }

    /// A container-only securityContext field (`privileged`, `allowPrivilegeEscalation`,
    /// `readOnlyRootFilesystem`, `capabilities`): the pod's securityContext has no such field.
    pub fn own_security(&self, field: &str) -> Option<&'o Node<'s>> {
        self.node.path(&["securityContext", field])
    }

    /// The container's `securityContext` key or, failing that, its `name:` entry: where a
    /// finding about a missing security setting points.
    pub fn security_context_span(&self) -> Span {
        self.node
            .entry("securityContext")
            .map(|e| e.key.span)
            .unwrap_or_else(|| self.name_entry_span())
    }
}

/// A port given by number (`8080`, or `"8080"` quoted), as an IntOrString field reads it; `None`
/// for a port name.
pub fn port_number(node: &Node<'_>) -> Option<i64> {
    node.as_i64()
        .or_else(|| node.as_text().and_then(|text| text.parse().ok()))
}

/// True for a word of a shell script that only waits: `while true; do sleep 3600; done`,
/// `trap : TERM INT; sleep infinity & wait`.
fn waits(word: &str) -> bool {
    word.is_empty()
        || matches!(
            word,
            "sleep"
                | "while"
                | "true"
                | "do"
                | "done"
                | "trap"
                | "wait"
                | "exec"
                | ":"
                | "TERM"
                | "INT"
                | "infinity"
                | "inf"
        )
        || word
            .trim_end_matches(['s', 'm', 'h', 'd'])
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod pod_label_tests {
    use super::*;
    use crate::model::object::parse_objects;
    use crate::parse::yaml::parse_for_test;

    fn with_workload<T>(text: &str, check: impl FnOnce(Workload<'_, '_>) -> T) -> T {
        let objects = parse_objects(text);
        check(objects.first().and_then(Workload::of).expect("a workload"))
    }

    /// Whether the workload's pods match a Service-style selector written as a flow mapping.
    fn matches(workload: &Workload<'_, '_>, selector: &str) -> bool {
        let stream = parse_for_test(selector);
        let root = stream.documents.first().map(|d| &d.root);
        LabelSelector::from_equality_map(root).is_some_and(|s| workload.pods_match(&s))
    }

    #[test]
    fn controller_labels_match_like_the_pods_the_controller_creates() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: reindex}\nspec:\n  template:\n    metadata: {labels: {app: search}}\n    spec: {containers: [{name: a}]}\n";
        with_workload(job, |w| {
            assert!(matches(&w, "{job-name: reindex, app: search}"));
            assert!(!matches(&w, "{job-name: reindex-all}"));
            assert!(matches(&w, "{controller-uid: 1234}"));
        });
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: a}]}\n";
        with_workload(sts, |w| {
            assert!(matches(&w, "{statefulset.kubernetes.io/pod-name: db-0}"));
            assert!(!matches(&w, "{statefulset.kubernetes.io/pod-name: db-x}"));
            assert!(!matches(&w, "{job-name: db}"));
        });
    }

    #[test]
    fn only_mappings_in_a_container_list_are_containers() {
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      initContainers: [~]\n      containers: [null, 42, [], {name: app}]\n";
        with_workload(deploy, |w| {
            let names: Vec<&str> = w.pod.containers().map(|c| c.name()).collect();
            assert_eq!(names, ["app"]);
        });
    }

    #[test]
    fn ports_read_numbers_names_and_numbers_mentioned_in_flags() {
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          args: [\"--port=18080\"]\n          env: [{name: LISTEN, value: \"0.0.0.0:8444 ssl\"}]\n          ports: [{name: dns, containerPort: 53, protocol: UDP}, {containerPort: \"8080\"}]\n";
        with_workload(deploy, |w| {
            let container = w.pod.app_containers().next().expect("a container");
            assert!(container.declares_port_number(53) && container.declares_port_number(8080));
            assert!(
                container.declares_port_name("dns", "UDP") && !container.declares_port_name("dns", "TCP")
            );
            let numbers: Vec<i64> = container.mentioned_numbers().collect();
            assert!(numbers.contains(&18080) && numbers.contains(&8444));
            assert!(!numbers.contains(&844));
        });
    }
}
