//! What a container's ports prove: the numbers it declares, where its configuration comes from
//! (a port may be set there), and which undeclared numbers are a slip of the keyboard away from a
//! declared one.

use std::collections::HashSet;

use super::object::Object;
use super::secrets::base64_text;
use super::workload::{Container, port_number};

/// A ConfigMap or Secret a container reads, by volume mount or by environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigSource<'o> {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its `metadata.name`, in the pod's namespace.
    pub name: &'o str,
}

/// ConfigMaps Kubernetes publishes in every namespace, holding only certificates.
const PUBLISHED: &[&str] = &["kube-root-ca.crt"];

impl<'o> Container<'o, '_> {
    /// The `containerPort` numbers of `ports`, or `None` when one is not a literal number (a
    /// placeholder filled in later, which could be any port).
    pub fn declared_port_numbers(&self) -> Option<Vec<i64>> {
        self.ports()
            .iter()
            .map(|p| p.get("containerPort").and_then(port_number))
            .collect()
    }

    /// The ConfigMaps and Secrets the container reads: the volumes it mounts (`configMap`,
    /// `secret`, and their `projected` sources), `envFrom` and `env[].valueFrom` references.
    /// Any of them may hold a configuration file or variable that sets a port.
    pub fn config_sources(&self) -> Vec<ConfigSource<'o>> {
        let mut sources = Vec::new();
        let mut add = |kind: &'static str, name: Option<&'o str>| {
            if let Some(name) = name.filter(|n| !PUBLISHED.contains(n)) {
                let source = ConfigSource { kind, name };
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        };
        let items = |key: &str| self.node.get(key).map(|n| n.items()).unwrap_or_default();
        let mounted: Vec<&str> = items("volumeMounts")
            .iter()
            .filter_map(|m| m.str_at("name"))
            .collect();
        for volume in self.pod.volumes() {
            if !volume.str_at("name").is_some_and(|name| mounted.contains(&name)) {
                continue;
            }
            add(
                "ConfigMap",
                volume.get("configMap").and_then(|c| c.str_at("name")),
            );
            add(
                "Secret",
                volume.get("secret").and_then(|s| s.str_at("secretName")),
            );
            let projected = volume.path(&["projected", "sources"]).map(|s| s.items());
            for source in projected.unwrap_or_default() {
                add(
                    "ConfigMap",
                    source.get("configMap").and_then(|c| c.str_at("name")),
                );
                add("Secret", source.get("secret").and_then(|s| s.str_at("name")));
            }
        }
        for from in items("envFrom") {
            add(
                "ConfigMap",
                from.get("configMapRef").and_then(|c| c.str_at("name")),
            );
            add("Secret", from.get("secretRef").and_then(|s| s.str_at("name")));
        }
        for env in self.env() {
            let from = env.get("valueFrom");
            add(
                "ConfigMap",
                from.and_then(|f| f.get("configMapKeyRef"))
                    .and_then(|c| c.str_at("name")),
            );
            add(
                "Secret",
                from.and_then(|f| f.get("secretKeyRef"))
                    .and_then(|s| s.str_at("name")),
            );
        }
        sources
    }
}

/// True when `port` is one slip of the keyboard away from `declared`: two adjacent different
/// digits swapped (8008 or 8800 for 8080), or one digit left out or typed twice anywhere but in
/// front (808 or 80800 for 8080, 443 for 4443).
///
/// A digit changed in place does not count: neighbouring numbers are how port families are
/// built (8080 and 8081, 4317 and 5317, 9443 and 8443, 10254 and 10255, 14268 and 14269), so a
/// program's second port is usually one digit away from its first. Nor does a digit added or
/// dropped in front: 16379 is Redis' cluster bus beside 6379, 18080 an admin port beside 8080,
/// 443 the usual front for 8443.
pub fn near_typo(port: i64, declared: i64) -> bool {
    let (port, declared) = (port.to_string(), declared.to_string());
    let (a, b) = (port.as_bytes(), declared.as_bytes());
    if a.len() == b.len() {
        let differ: Vec<usize> = (0..a.len()).filter(|&i| a.get(i) != b.get(i)).collect();
        return match differ[..] {
            [i, j] => j == i + 1 && a.get(i) == b.get(j) && a.get(j) == b.get(i),
            _ => false,
        };
    }
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    long.len() == short.len() + 1
        && (1..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, digit)| digit)
                .eq(short.iter())
        })
}

/// The whole numbers `text` names (`8081` in `--health-port=8081` or `0.0.0.0:8081`; `18081`
/// names 18081, not 8081).
pub fn numbers_in(text: &str) -> impl Iterator<Item = i64> + '_ {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|word| word.parse::<i64>().ok())
}

/// Adds the numbers a ConfigMap or Secret names in a key or a value of `data` or `stringData`
/// (a Secret's `data` decoded from base64) to `numbers`: a configuration file or variable may
/// set a port.
pub fn config_numbers(object: &Object<'_>, numbers: &mut HashSet<i64>) {
    let secret = object.kind() == "Secret";
    for field in ["data", "stringData"] {
        let encoded = secret && field == "data";
        for entry in object.root.get(field).map(|d| d.entries()).unwrap_or_default() {
            let value = entry.value.as_text().unwrap_or("");
            let decoded = if encoded { base64_text(value) } else { None };
            numbers.extend(entry.key.as_str().into_iter().flat_map(numbers_in));
            numbers.extend(numbers_in(decoded.as_deref().unwrap_or(value)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Workload;
    use crate::model::object::parse_objects;

    #[test]
    fn swapped_missing_and_doubled_digits_are_typos() {
        for (port, declared) in [
            (8008, 8080),
            (8800, 8080),
            (808, 8080),
            (880, 8080),
            (80800, 8080),
        ] {
            assert!(near_typo(port, declared), "{port} for {declared}");
        }
        assert!(near_typo(443, 4443) && near_typo(4443, 443));
        assert!(near_typo(30000, 3000) && near_typo(5432, 4532));
    }

    #[test]
    fn neighbours_and_leading_digits_are_not_typos() {
        for (port, declared) in [
            (8081, 8080),
            (5317, 4317),
            (8443, 9443),
            (10254, 10255),
            (14269, 14268),
            (16379, 6379),
            (18080, 8080),
            (443, 8443),
            (8080, 8080),
            (80, 8080),
            (9901, 8080),
        ] {
            assert!(!near_typo(port, declared), "{port} for {declared}");
        }
    }

    #[test]
    fn config_files_and_variables_mention_ports_in_keys_values_and_decoded_secrets() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  \"8125\": udp-relay\n  app.conf: |\n    listen 0.0.0.0:8800;\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\ndata:\n  ADMIN_PORT: OTkwMA==\nstringData:\n  url: http://localhost:7007/\n";
        let objects = parse_objects(text);
        let [config, secret] = [0, 1].map(|n| {
            let mut numbers = HashSet::new();
            config_numbers(objects.get(n).expect("two objects"), &mut numbers);
            numbers
        });
        assert!(config.contains(&8800) && config.contains(&8125));
        assert!(!config.contains(&880) && !config.contains(&800));
        // OTkwMA== is base64 of 9900.
        assert!(secret.contains(&9900) && secret.contains(&7007));
        assert!(!secret.contains(&99));
    }

    #[test]
    fn config_sources_are_the_mounted_volumes_and_referenced_variables() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  volumes:\n    - {name: conf, configMap: {name: app-conf}}\n    - {name: tls, secret: {secretName: app-tls}}\n    - {name: unused, configMap: {name: other}}\n    - name: all\n      projected:\n        sources: [{configMap: {name: kube-root-ca.crt}}, {secret: {name: token}}]\n  containers:\n    - name: a\n      volumeMounts: [{name: conf, mountPath: /etc/a}, {name: tls, mountPath: /tls}, {name: all, mountPath: /all}]\n      envFrom: [{configMapRef: {name: app-env}}]\n      env: [{name: P, valueFrom: {secretKeyRef: {name: app-conf, key: p}}}, {name: Q, valueFrom: {configMapKeyRef: {name: app-conf, key: q}}}]\n      ports: [{containerPort: 8080}, {containerPort: \"9090\"}]\n";
        let objects = parse_objects(text);
        let workload = objects.first().and_then(Workload::of).expect("a pod");
        let container = workload.pod.app_containers().next().expect("a container");
        let found: Vec<(&str, &str)> = container
            .config_sources()
            .iter()
            .map(|s| (s.kind, s.name))
            .collect();
        assert_eq!(
            found,
            [
                ("ConfigMap", "app-conf"),
                ("Secret", "app-tls"),
                ("Secret", "token"),
                ("ConfigMap", "app-env"),
                ("Secret", "app-conf"),
            ]
        );
        assert_eq!(container.declared_port_numbers(), Some(vec![8080, 9090]));
    }
}
