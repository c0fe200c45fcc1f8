//! Node agents: DaemonSets of well-known log, metrics, network (CNI) and storage (CSI) agents,
//! which reach into their node by design.

use super::image::ImageRef;
use super::workload::{Workload, WorkloadKind};
use crate::parse::yaml::Node;

/// Image repositories of well-known node agents. Each matches the end of an image's path
/// (registry host left out) at a `/`: `fluentd` matches `quay.io/fluentd_elasticsearch/fluentd`,
/// `calico/node` matches `docker.io/calico/node`, but `node` alone would match too much.
const NODE_AGENT_IMAGES: &[&str] = &[
    // Logs and telemetry collectors.
    "fluent-bit",
    "fluentd",
    "fluentd-elasticsearch",
    "fluentd-kubernetes-daemonset",
    "promtail",
    "vector",
    "filebeat",
    "grafana/agent",
    "grafana/alloy",
    "opentelemetry-collector",
    "opentelemetry-collector-contrib",
    "opentelemetry-collector-k8s",
    // Metrics and monitoring.
    "node-exporter",
    "cadvisor",
    "metricbeat",
    "datadog/agent",
    "datadoghq/agent",
    "datadog/docker-dd-agent",
    "newrelic/infrastructure",
    "newrelic/infrastructure-k8s",
    "newrelic/nrsysmond",
    "sysdig/agent",
    "dynatrace/oneagent",
    // Pod networking (CNI plugins) and the service proxy.
    "calico/node",
    "cilium/cilium",
    "amazon-k8s-cni",
    "flannel",
    "weave-kube",
    "kube-router",
    "antrea-ubuntu",
    "antrea-agent-ubuntu",
    "install-cni",
    "kube-proxy",
];

/// The image path (registry host and tag left out) of the node agent a workload runs: a DaemonSet with an app container whose image is
/// one of the well-known agents above, or a CSI node plugin (a last path component with the
/// word `csi`: `csi-node-driver-registrar`, `aws-ebs-csi-driver`). `None` for every other
/// workload.
pub fn node_agent_image<'o>(workload: &Workload<'o, '_>) -> Option<&'o str> {
    if workload.kind != WorkloadKind::DaemonSet {
        return None;
    }
    workload
        .pod
        .app_containers()
        .filter_map(|container| container.image().and_then(Node::as_text))
        .map(ImageRef::parse)
        .find(is_node_agent_image)
        .map(|image| image.path())
}

/// True when an image is a well-known node agent's.
fn is_node_agent_image(image: &ImageRef<'_>) -> bool {
    let path = image.path();
    let csi = image.name_words().any(|word| word == "csi");
    csi || NODE_AGENT_IMAGES.iter().any(|agent| {
        path.strip_suffix(agent)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_match_at_a_path_boundary() {
        for path in [
            "fluent/fluent-bit",
            "fluentd_elasticsearch/fluentd",
            "calico/node",
            "datadoghq/agent",
            "amazon-k8s-cni",
            "sig-storage/csi-node-driver-registrar",
            "ebs-csi-driver/aws-ebs-csi-driver",
            "timberio/vector",
        ] {
            assert!(is_node_agent_image(&ImageRef::parse(path)), "{path}");
        }
        for path in [
            "shop/node",
            "acme/agent",
            "shop/fluentd-config-reloader",
            "shop/vectors",
            "physics",
        ] {
            assert!(!is_node_agent_image(&ImageRef::parse(path)), "{path}");
        }
    }
}
