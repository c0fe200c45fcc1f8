//! Where a field written at the wrong level of a workload belongs: `runAsUser` on a container
//! belongs in its `securityContext`, `resources` on a pod belongs on each container, `replicas`
//! in a pod template belongs in the workload's `spec`.

/// The levels of a workload manifest a misplaced field is recognised at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// A container (`containers[n]`, `initContainers[n]`, `ephemeralContainers[n]`).
    Container,
    /// A pod spec (`spec.template.spec`, a Pod's `spec`, a CronJob's job template's).
    Pod,
    /// A workload's `spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job).
    Workload,
    /// A pod template (`spec.template`).
    Template,
}

/// Container fields, which a pod spec does not take.
const CONTAINER_FIELDS: &[&str] = &[
    "args",
    "command",
    "env",
    "envFrom",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "ports",
    "readinessProbe",
    "resources",
    "startupProbe",
    "volumeMounts",
    "workingDir",
];

/// `securityContext` fields both a container's and a pod's take.
const SHARED_SECURITY_FIELDS: &[&str] = &[
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seccompProfile",
    "seLinuxOptions",
    "appArmorProfile",
];

/// `securityContext` fields only a container's takes.
const CONTAINER_SECURITY_FIELDS: &[&str] = &[
    "allowPrivilegeEscalation",
    "capabilities",
    "privileged",
    "procMount",
    "readOnlyRootFilesystem",
];

/// `securityContext` fields only a pod's takes.
const POD_SECURITY_FIELDS: &[&str] = &["fsGroup", "fsGroupChangePolicy", "supplementalGroups", "sysctls"];

/// Pod spec fields, which a workload's `spec` does not take.
const POD_FIELDS: &[&str] = &[
    "affinity",
    "containers",
    "hostNetwork",
    "imagePullSecrets",
    "initContainers",
    "nodeSelector",
    "priorityClassName",
    "restartPolicy",
    "securityContext",
    "serviceAccountName",
    "terminationGracePeriodSeconds",
    "tolerations",
    "topologySpreadConstraints",
    "volumes",
];

/// Workload spec fields, which a pod template or pod spec does not take.
const WORKLOAD_FIELDS: &[&str] = &[
    "minReadySeconds",
    "replicas",
    "revisionHistoryLimit",
    "selector",
    "strategy",
    "updateStrategy",
];

/// Where `key`, unknown in the mapping at `parent` (`spec.template.spec.containers[0]`) of an
/// object of `kind`, belongs, as advice: "under the container's `securityContext`".
pub fn belongs_at(kind: &str, parent: &str, key: &str) -> Option<&'static str> {
    let level = level_of(kind, parent)?;
    let found = match level {
        Level::Container
            if SHARED_SECURITY_FIELDS.contains(&key) || CONTAINER_SECURITY_FIELDS.contains(&key) =>
        {
            "under the container's `securityContext`"
        }
        Level::Container if POD_SECURITY_FIELDS.contains(&key) => {
            "under the pod's `securityContext` (`spec.securityContext`)"
        }
        Level::Pod if CONTAINER_FIELDS.contains(&key) => "to each container, in `containers[]`",
        Level::Pod if SHARED_SECURITY_FIELDS.contains(&key) || POD_SECURITY_FIELDS.contains(&key) => {
            "under the pod's `securityContext`"
        }
        Level::Pod if CONTAINER_SECURITY_FIELDS.contains(&key) => "under each container's `securityContext`",
        Level::Pod if WORKLOAD_FIELDS.contains(&key) => "into the workload's `spec`, beside `template`",
        Level::Workload if POD_FIELDS.contains(&key) => "into the pod template, under `template.spec`",
        Level::Workload if CONTAINER_FIELDS.contains(&key) => {
            "to a container, in `template.spec.containers[]`"
        }
        Level::Template if POD_FIELDS.contains(&key) => "under `template.spec`",
        Level::Template if matches!(key, "labels" | "annotations") => "under `template.metadata`",
        Level::Template if WORKLOAD_FIELDS.contains(&key) => "into the workload's `spec`, beside `template`",
        _ => return None,
    };
    Some(found)
}

/// The level of the mapping at `parent` in an object of `kind`, from the end of its path.
fn level_of(kind: &str, parent: &str) -> Option<Level> {
    let last = parent.rsplit('.').next().unwrap_or(parent);
    let name = last.split('[').next().unwrap_or(last);
    if last.ends_with(']') && matches!(name, "containers" | "initContainers" | "ephemeralContainers") {
        return Some(Level::Container);
    }
    let workload = matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "Rollout"
    );
    match parent {
        "spec" if kind == "Pod" => Some(Level::Pod),
        "spec" if workload => Some(Level::Workload),
        _ if parent.ends_with("template.spec") => Some(Level::Pod),
        _ if parent.ends_with(".template") || parent == "template" => Some(Level::Template),
        _ if kind == "CronJob" && parent.ends_with("jobTemplate.spec") => Some(Level::Workload),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_at_the_wrong_level_are_sent_where_they_belong() {
        assert_eq!(
            belongs_at("Deployment", "spec.template.spec.containers[0]", "runAsUser"),
            Some("under the container's `securityContext`")
        );
        assert_eq!(
            belongs_at("Deployment", "spec.template.spec", "resources"),
            Some("to each container, in `containers[]`")
        );
        assert_eq!(
            belongs_at("Deployment", "spec", "containers"),
            Some("into the pod template, under `template.spec`")
        );
        assert_eq!(
            belongs_at("Pod", "spec", "image"),
            Some("to each container, in `containers[]`")
        );
        assert_eq!(belongs_at("Service", "spec", "containers"), None);
        assert_eq!(
            belongs_at("Deployment", "spec.template", "labels"),
            Some("under `template.metadata`")
        );
        assert_eq!(belongs_at("Deployment", "metadata", "runAsUser"), None);
        assert_eq!(
            belongs_at("Deployment", "spec.template.spec.containers[0]", "nmae"),
            None
        );
    }
}
