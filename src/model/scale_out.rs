//! Why a workload cannot simply run more replicas, as far as its pod template shows: it is a
//! server that keeps state (a database, a broker, a cache, a metrics or trace store), it keeps
//! its data in a pod volume, it is a controller whose replicas would all reconcile the same
//! objects, or it shards by design.

use super::image::ImageRef;
use super::{Container, Workload};

/// Servers that keep state of their own, matched against the words of an image's name
/// (`bitnami/postgresql`, `gb-redis-follower`, `catalogue-db`).
const STATEFUL_SERVERS: &[&str] = &[
    "alertmanager",
    "cassandra",
    "clickhouse",
    "cockroach",
    "consul",
    "couchbase",
    "couchdb",
    "database",
    "db",
    "elasticsearch",
    "etcd",
    "influxdb",
    "kafka",
    "keydb",
    "loki",
    "mariadb",
    "memcached",
    "minio",
    "mongo",
    "mongodb",
    "mysql",
    "neo4j",
    "opensearch",
    "postgres",
    "postgresql",
    "prometheus",
    "rabbitmq",
    "redis",
    "scylla",
    "solr",
    "valkey",
    "zookeeper",
];

/// Words of an image name that make it a companion of a stateful server rather than the server:
/// `redis-exporter`, `mysql-router`, `prometheus-config-reloader`, `mongo-express`.
const COMPANIONS: &[&str] = &[
    "adapter",
    "agent",
    "bridge",
    "cli",
    "client",
    "commander",
    "connect",
    "console",
    "dashboard",
    "exporter",
    "express",
    "operator",
    "proxy",
    "reloader",
    "rest",
    "router",
    "ui",
];

/// Image names of bundles that keep their data in memory or in the container (Jaeger's
/// `all-in-one` stores traces in memory).
const IN_MEMORY_BUNDLES: &[&str] = &["all-in-one"];

/// Words of an image name that make it a controller or an operator.
const CONTROLLERS: &[&str] = &["controller", "operator", "manager"];

/// Mount paths where servers keep their data (`/data`, `/var/lib/mysql`, `/bitnami/redis`).
const DATA_PATHS: &[&str] = &["/data", "/var/lib/", "/bitnami/", "/prometheus", "/var/opt/"];

/// What keeps a workload from scaling out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleOutBlocker {
    /// A container runs a server that keeps state (its image's name word).
    StatefulServer(String),
    /// A container keeps data in a pod volume (the mount path).
    DataVolume(String),
    /// Every container is a controller or operator: replicas would reconcile the same objects.
    Controller,
    /// kube-state-metrics: it shards across instances instead of replicating.
    Sharded,
}

impl std::fmt::Display for ScaleOutBlocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScaleOutBlocker::StatefulServer(word) => {
                write!(f, "runs a server that keeps state (`{word}` in its image name)")
            }
            ScaleOutBlocker::DataVolume(path) => write!(f, "keeps data in a pod volume at `{path}`"),
            ScaleOutBlocker::Controller => {
                f.write_str("is a controller: more replicas reconcile the same objects")
            }
            ScaleOutBlocker::Sharded => {
                f.write_str("runs kube-state-metrics, which shards instead of replicating")
            }
        }
    }
}

/// The first reason, if any, the workload's pods cannot be multiplied by an autoscaler.
pub fn blocker(workload: &Workload<'_, '_>) -> Option<ScaleOutBlocker> {
    let containers: Vec<Container<'_, '_>> = workload.pod.app_containers().collect();
    let names: Vec<Vec<&str>> = containers.iter().map(image_words).collect();
    if names.iter().flatten().any(|w| *w == "kube-state-metrics") {
        return Some(ScaleOutBlocker::Sharded);
    }
    for words in &names {
        let companion = words.iter().any(|w| COMPANIONS.contains(w));
        if let Some(server) = words
            .iter()
            .find(|w| STATEFUL_SERVERS.contains(w) || IN_MEMORY_BUNDLES.contains(w))
            && !companion
        {
            return Some(ScaleOutBlocker::StatefulServer((*server).to_owned()));
        }
    }
    if let Some(path) = containers.iter().find_map(|c| data_mount(workload, c)) {
        return Some(ScaleOutBlocker::DataVolume(path));
    }
    let controllers = names
        .iter()
        .filter(|words| words.iter().any(|w| CONTROLLERS.contains(w)));
    (!names.is_empty() && controllers.count() == names.len()).then_some(ScaleOutBlocker::Controller)
}

/// The name of a container's image and its words, without registry, path, tag or digest
/// (`docker.io/bitnami/redis-cluster:7.2` gives `redis-cluster`, `redis`, `cluster`).
fn image_words<'o>(container: &Container<'o, '_>) -> Vec<&'o str> {
    let Some(reference) = container.image().and_then(|n| n.as_str()) else {
        return Vec::new();
    };
    let image = ImageRef::parse(reference);
    std::iter::once(image.name()).chain(image.name_words()).collect()
}

/// The mount path of a container's pod-local volume (`emptyDir`) that sits where servers keep
/// their data.
fn data_mount(workload: &Workload<'_, '_>, container: &Container<'_, '_>) -> Option<String> {
    let mounts = container
        .node
        .get("volumeMounts")
        .map(|n| n.items())
        .unwrap_or_default();
    mounts.iter().find_map(|mount| {
        let path = mount.str_at("mountPath")?.trim_end_matches('/');
        let name = mount.str_at("name")?;
        let is_data_path = DATA_PATHS.iter().any(|p| match p.strip_suffix('/') {
            Some(prefix) => path.starts_with(prefix) && path.len() > prefix.len(),
            None => path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')),
        });
        let local = workload
            .pod
            .volumes()
            .iter()
            .any(|v| v.str_at("name") == Some(name) && v.get("emptyDir").is_some());
        (is_data_path && local).then(|| path.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn blocker_of(containers: &str, volumes: &str) -> Option<ScaleOutBlocker> {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: x }}\nspec:\n  template:\n    spec:\n      \
             containers: {containers}\n      volumes: {volumes}\n"
        );
        let objects = parse_objects(&text);
        blocker(&Workload::of(&objects[0]).unwrap())
    }

    #[test]
    fn stateful_servers_data_volumes_controllers_and_shards_are_recognised() {
        let server = |image: &str| blocker_of(&format!("[{{ name: a, image: \"{image}\" }}]"), "[]");
        assert_eq!(
            server("docker.io/bitnami/redis:7.2"),
            Some(ScaleOutBlocker::StatefulServer("redis".into()))
        );
        assert_eq!(
            server("gcr.io/google_samples/gb-redis-follower:v2"),
            Some(ScaleOutBlocker::StatefulServer("redis".into()))
        );
        assert_eq!(
            server("weaveworksdemos/catalogue-db:0.3.0"),
            Some(ScaleOutBlocker::StatefulServer("db".into()))
        );
        assert_eq!(server("oliver006/redis_exporter:v1.6"), None);
        assert_eq!(server("mysql/mysql-router:8.0"), None);
        assert_eq!(server("nginx:1.27"), None);
        assert_eq!(
            server("jaegertracing/all-in-one:1.57"),
            Some(ScaleOutBlocker::StatefulServer("all-in-one".into()))
        );
        assert_eq!(server("jaegertracing/jaeger-query:1.57"), None);
        assert_eq!(server("quay.io/strimzi/kafka-bridge:0.28"), None);
        assert_eq!(
            server("registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0"),
            Some(ScaleOutBlocker::Sharded)
        );
        assert_eq!(
            server("quay.io/argoproj/argo-rollouts-controller:v1.7"),
            Some(ScaleOutBlocker::Controller)
        );
        // A data plane beside its controller scales.
        assert_eq!(
            blocker_of(
                "[{ name: proxy, image: \"kong:3.7\" }, { name: ctl, image: \"kong/kubernetes-ingress-controller:3.2\" }]",
                "[]"
            ),
            None
        );
        let mounted = |path: &str, source: &str| {
            blocker_of(
                &format!("[{{ name: a, image: app, volumeMounts: [{{ name: v, mountPath: \"{path}\" }}] }}]"),
                &format!("[{{ name: v, {source} }}]"),
            )
        };
        assert_eq!(
            mounted("/var/lib/app/", "emptyDir: {}"),
            Some(ScaleOutBlocker::DataVolume("/var/lib/app".into()))
        );
        assert_eq!(
            mounted("/data", "emptyDir: {}"),
            Some(ScaleOutBlocker::DataVolume("/data".into()))
        );
        assert_eq!(mounted("/tmp", "emptyDir: {}"), None);
        assert_eq!(mounted("/database-config", "emptyDir: {}"), None);
        assert_eq!(mounted("/data", "configMap: { name: c }"), None);
    }
}
