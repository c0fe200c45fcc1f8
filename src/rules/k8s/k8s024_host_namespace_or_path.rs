//! K8S024 host-namespace-or-path.
use std::borrow::Cow;

use crate::model::agents::node_agent_image;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a pod that shares a namespace of its node (`hostNetwork`, `hostPID` or `hostIPC`
    /// set to `true`, reported at the value), binds a port of the node (a container port's
    /// `hostPort`, reported at the key; `0` binds none) or mounts a directory or file of the node
    /// (a `hostPath` volume, reported at the `hostPath` key). Each one is a separate finding. A
    /// pod with `hostNetwork: true` gets no `hostPort` findings: each of its ports is the
    /// node's already, which the `hostNetwork` finding says.
    ///
    /// Every workload kind is checked, DaemonSets included, as the Pod Security Standards
    /// (Baseline) do, and so is every container (init and ephemeral ones too). Node agents need
    /// some of these by design, so their findings are lowered to notes, kept visible to be
    /// accepted one by one. A node agent is a DaemonSet with an app container whose image
    /// repository (registry host left out) ends in a well-known agent: log and telemetry
    /// collectors (`fluent-bit`, `fluentd`, `promtail`, `vector`, `filebeat`, `grafana/agent`,
    /// `grafana/alloy`, `opentelemetry-collector`), metrics agents (`node-exporter`, `cadvisor`,
    /// `metricbeat`, `datadog/agent`, `newrelic/infrastructure`, `sysdig/agent`,
    /// `dynatrace/oneagent`), network agents (`calico/node`, `cilium/cilium`, `amazon-k8s-cni`
    /// of `aws-node`, `flannel`, `weave-kube`, `kube-router`, Antrea, Istio's `install-cni`,
    /// `kube-proxy`), or a CSI node plugin (an image named with the word `csi`, such as
    /// `csi-node-driver-registrar`). A Deployment running one of these images is not a node
    /// agent and keeps its warnings. Whatever the workload, a `hostPath` of the node's root
    /// (`/`) or of a container runtime socket (`docker.sock`, `containerd.sock`, `crio.sock`
    /// under `/var/run` or `/run`) stays a warning: either one gives control of the whole node.
    /// A note stays a note whatever severity the configuration gives the rule. An emptied
    /// `hostPath:` (null) is absent to Kubernetes and is not reported.
    ///
    /// ## Why is this bad?
    /// These settings remove the isolation between the container and the node. With
    /// `hostNetwork` the pod sees and can bind every interface of the node and bypasses
    /// NetworkPolicies; with `hostPID` it can see and signal every process of the node; with
    /// `hostIPC` it shares the node's shared memory. A `hostPath` volume exposes the node's
    /// files (the container runtime socket, kubelet credentials), and is a well-known way out of
    /// the container. A `hostPort` opens the port on the node's own addresses, beside every
    /// firewall rule meant for Services. The pod also becomes tied to what is on that node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   volumes:
    ///     - name: data
    ///       hostPath: { path: /var/lib/cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   volumes:
    ///     - name: data
    ///       persistentVolumeClaim: { claimName: cart-data }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": security enforcement is a stage every service passes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub HostNamespaceOrPath {
        id: "K8S024",
        name: "host-namespace-or-path",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
    }
}

/// The pod fields that share a node namespace, with what they share.
const HOST_NAMESPACES: &[(&str, &str)] = &[
    ("hostNetwork", "network"),
    ("hostPID", "process"),
    ("hostIPC", "IPC"),
];

/// Host paths that hand over the node to any pod, node agents included: its root and the
/// container runtime sockets (`/var/run` is a link to `/run`).
const NODE_TAKEOVER_PATHS: &[&str] = &[
    "",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
];

impl Rule for HostNamespaceOrPath {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let subject = format!("{} `{}`", workload.kind_name(), workload.qualified_name());
        let agent = node_agent_image(&workload);
        // A node agent's findings stay visible as notes, with the image that makes it one.
        let report = |out: &mut Findings, span, message: String, help: Cow<'static, str>, by_design: bool| {
            let finding = out.report(span, message).object(ObjectRef::of(object));
            match agent.filter(|_| by_design) {
                Some(image) => {
                    finding
                        .message
                        .push_str(&format!(" (node agent `{image}`, reported as a note)"));
                    finding.help(AGENT_HELP).as_note();
                }
                None => {
                    finding.help(help);
                }
            }
        };
        for (field, shared) in HOST_NAMESPACES {
            let Some(value) = workload.pod.node.get(field).filter(|v| v.as_bool() == Some(true)) else {
                continue;
            };
            let help = format!(
                "remove `{field}: true`; expose ports through a Service and talk to other \
                 processes over the network:\nspec:\n  {field}: false"
            );
            let message = format!("{subject} shares the node's {shared} namespace ({field}: true)");
            report(out, value.span, message, help.into(), true);
        }
        // With the node's network, every container port is a port of the node already.
        if !workload.pod.uses_host_network() {
            for container in workload.pod.containers() {
                for entry in container.host_ports() {
                    let message = format!(
                        "{subject}, container `{}` binds port {} of the node with hostPort",
                        container.name(),
                        entry.value.as_i64().unwrap_or_default()
                    );
                    report(out, entry.key.span, message, HOST_PORT_HELP.into(), true);
                }
            }
        }
        for volume in workload.pod.volumes() {
            let Some(entry) = volume.entry("hostPath").filter(|e| !e.value.is_null()) else {
                continue;
            };
            let path = entry.value.str_at("path").unwrap_or("<unset>");
            let takes_over_node = NODE_TAKEOVER_PATHS.contains(&path.trim_end_matches('/'));
            let message = format!(
                "{subject}, volume `{}` mounts the node's path `{path}`",
                volume.str_at("name").unwrap_or("<unnamed>")
            );
            report(
                out,
                entry.key.span,
                message,
                HOST_PATH_HELP.into(),
                !takes_over_node,
            );
        }
    }
}

const HOST_PORT_HELP: &str = "remove `hostPort` and reach the container through a Service:\n\
                              ports:\n  - containerPort: 8080";

const HOST_PATH_HELP: &str = "store data in a PersistentVolumeClaim, or an emptyDir for scratch space:\n\
                              volumes:\n  - name: data\n    persistentVolumeClaim: { claimName: data }";

const AGENT_HELP: &str = "check that the agent needs it, mount only the paths it reads with \
                          `readOnly: true`, and record the decision with an annotation:\n\
                          metadata:\n  annotations:\n    ignore-check.mslint.io/K8S024: node agent";
