//! Kong declarative configuration (`_format_version` 1.1, 2.1, 3.0): services, routes, consumers
//! and the plugins attached to them, nested or at the top level.

use std::collections::HashMap;

use super::PluginClass;
use crate::model::object::{Object, Schema};
use crate::parse::yaml::Node;
use crate::source::Span;

/// A reference to a service, route or consumer: written as a `service:` field (a name, or a
/// mapping with `name` or `id`) or implied by nesting.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'n> {
    /// The name or id it names.
    pub target: &'n str,
    /// Where it is written (for a nested one, the parent's `name` value).
    pub span: Span,
    /// True when the entity is nested in the one it refers to, which therefore exists.
    pub nested: bool,
}

impl<'n> Reference<'n> {
    /// A `service:`/`route:`/`consumer:` field: `name`, `{name: name}` or `{id: id}`.
    fn field(entity: &'n Node<'_>, key: &str) -> Option<Self> {
        let node = entity.get(key)?;
        let node = if node.is_mapping() {
            node.get("name").or_else(|| node.get("id"))?
        } else {
            node
        };
        Some(Reference {
            target: node.as_text()?,
            span: node.span,
            nested: false,
        })
    }

    /// The implied reference of an entity nested in `parent`: its `name` (a consumer's
    /// `username`) or `id`, or "" when it has neither, which still scopes the entity.
    fn nested(parent: &'n Node<'_>) -> Self {
        let node = ["name", "username", "id", "custom_id"]
            .iter()
            .find_map(|key| parent.get(key));
        Reference {
            target: node.and_then(Node::as_text).unwrap_or(""),
            span: node.map_or(parent.span, |n| n.span),
            nested: true,
        }
    }
}

/// A Kong service, route or consumer entry.
#[derive(Debug, Clone, Copy)]
pub struct Entity<'n, 's> {
    /// Its mapping.
    pub node: &'n Node<'s>,
}

impl<'n, 's> Entity<'n, 's> {
    /// `name`.
    pub fn name(&self) -> Option<&'n str> {
        self.node.str_at("name")
    }

    /// `name` and `id`, the two ways others refer to it.
    pub fn identifiers(self) -> impl Iterator<Item = &'n str> {
        [self.node.str_at("name"), self.node.str_at("id")]
            .into_iter()
            .flatten()
    }

    /// Where a finding about the entity points: its `name` entry, else its first entry.
    pub fn name_span(&self) -> Span {
        self.node
            .entry("name")
            .or_else(|| self.node.entries().first())
            .map_or(self.node.span, |e| e.key.span.cover(e.value.span))
    }

    /// The scalar texts of a list field (`paths`, `hosts`, `protocols`).
    pub fn list(&self, key: &str) -> Vec<&'n str> {
        super::texts(self.node.get(key))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }
}

/// A route with the service it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct KongRoute<'n, 's> {
    /// The route.
    pub route: Entity<'n, 's>,
    /// Its service: the one it is nested in, or its `service:` field.
    pub service: Option<Reference<'n>>,
}

impl KongRoute<'_, '_> {
    /// True when every protocol is a stream one (`tcp`, `tls`, `udp`, `tls_passthrough`):
    /// HTTP plugins such as authentication do not run on it.
    pub fn is_stream_only(&self) -> bool {
        let protocols = self.route.list("protocols");
        !protocols.is_empty()
            && protocols
                .iter()
                .all(|p| matches!(*p, "tcp" | "tls" | "udp" | "tls_passthrough"))
    }

    /// A readable description for messages: the name, then the paths and hosts it matches.
    pub fn describe(&self) -> String {
        let mut text = format!("`{}`", self.route.name().unwrap_or("<unnamed>"));
        for (label, key) in [("paths", "paths"), ("hosts", "hosts")] {
            let values = self.route.list(key);
            if !values.is_empty() {
                text.push_str(&format!(" ({label} `{}`)", values.join("`, `")));
            }
        }
        text
    }

    /// True when the route matches only health-check paths.
    pub fn only_health_paths(&self) -> bool {
        super::only_health_paths(&self.route.list("paths"))
    }
}

/// A plugin entry with what it is attached to.
#[derive(Debug, Clone, Copy)]
pub struct KongPlugin<'n, 's> {
    /// The plugin's mapping.
    pub node: &'n Node<'s>,
    /// The service it is limited to.
    pub service: Option<Reference<'n>>,
    /// The route it is limited to.
    pub route: Option<Reference<'n>>,
    /// The consumer (or consumer group) it is limited to.
    pub consumer: Option<Reference<'n>>,
}

impl<'n, 's> KongPlugin<'n, 's> {
    /// `name`, the plugin's type.
    pub fn name(&self) -> Option<&'n str> {
        self.node.str_at("name")
    }

    /// What the plugin does.
    pub fn class(&self) -> PluginClass {
        self.name().map_or(PluginClass::Other, PluginClass::of)
    }

    /// False when `enabled: false`.
    pub fn enabled(&self) -> bool {
        self.node.get("enabled").and_then(Node::as_bool) != Some(false)
    }

    /// `config`.
    pub fn config(&self) -> Option<&'n Node<'s>> {
        self.node.get("config")
    }

    /// True when the plugin applies to every request of a route: enabled, not limited to a
    /// consumer, and its route and service (when given) are the route's.
    fn covers(&self, route: &[&str], service: &[&str]) -> bool {
        self.enabled()
            && self.consumer.is_none()
            && self.route.is_none_or(|r| route.contains(&r.target))
            && self.service.is_none_or(|s| service.contains(&s.target))
    }
}

/// A Kong declarative configuration file.
#[derive(Debug, Clone, Copy)]
pub struct KongConfig<'o, 's> {
    /// The file's root object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> KongConfig<'o, 's> {
    /// The view of a Kong declarative object.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.schema == Schema::KongDeclarative).then_some(KongConfig { object })
    }

    fn list(&self, key: &str) -> &'o [Node<'s>] {
        self.object.root.get(key).map(Node::items).unwrap_or_default()
    }

    /// Top-level `services`.
    pub fn services(&self) -> impl Iterator<Item = Entity<'o, 's>> {
        self.list("services").iter().map(|node| Entity { node })
    }

    /// Top-level `consumers`.
    pub fn consumers(&self) -> impl Iterator<Item = Entity<'o, 's>> {
        self.list("consumers").iter().map(|node| Entity { node })
    }

    /// Top-level `consumer_groups`.
    pub fn consumer_groups(&self) -> impl Iterator<Item = Entity<'o, 's>> {
        self.list("consumer_groups").iter().map(|node| Entity { node })
    }

    /// Every route: nested in a service, then top-level.
    pub fn routes(&self) -> Vec<KongRoute<'o, 's>> {
        let nested = self.list("services").iter().flat_map(|service| {
            let reference = Some(Reference::nested(service));
            service
                .get("routes")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(move |node| KongRoute {
                    route: Entity { node },
                    service: reference,
                })
        });
        let top = self.list("routes").iter().map(|node| KongRoute {
            route: Entity { node },
            service: Reference::field(node, "service"),
        });
        nested.chain(top).collect()
    }

    /// Every plugin: top-level, then nested in services, their routes, routes and consumers.
    pub fn plugins(&self) -> Vec<KongPlugin<'o, 's>> {
        let mut plugins = Vec::new();
        let mut add = |parent: Option<(&'o Node<'s>, &str)>, holder: &'o Node<'s>| {
            for node in holder.get("plugins").map(Node::items).unwrap_or_default() {
                let mut plugin = KongPlugin {
                    node,
                    service: Reference::field(node, "service"),
                    route: Reference::field(node, "route"),
                    consumer: Reference::field(node, "consumer")
                        .or_else(|| Reference::field(node, "consumer_group")),
                };
                if let Some((parent, kind)) = parent {
                    let nested = Some(Reference::nested(parent));
                    match kind {
                        "service" => plugin.service = nested,
                        "route" => plugin.route = nested,
                        _ => plugin.consumer = nested,
                    }
                }
                plugins.push(plugin);
            }
        };
        add(None, &self.object.root);
        for service in self.list("services") {
            add(Some((service, "service")), service);
            for route in service.get("routes").map(Node::items).unwrap_or_default() {
                add(Some((route, "route")), route);
            }
        }
        for route in self.list("routes") {
            add(Some((route, "route")), route);
        }
        for consumer in self.list("consumers").iter().chain(self.list("consumer_groups")) {
            add(Some((consumer, "consumer")), consumer);
        }
        plugins
    }

    /// The plugins resolved once, for asking about many routes.
    pub fn resolved_plugins(&self) -> ResolvedPlugins<'o, 's> {
        ResolvedPlugins::new(self)
    }
}

/// The plugins of a configuration indexed by what they are attached to.
#[derive(Debug)]
pub struct ResolvedPlugins<'o, 's> {
    plugins: Vec<KongPlugin<'o, 's>>,
    /// Positions of plugins attached to neither route nor service.
    global: Vec<usize>,
    by_route: HashMap<&'o str, Vec<usize>>,
    by_service: HashMap<&'o str, Vec<usize>>,
    /// Every service identifier → the identifiers of the same service.
    services: HashMap<&'o str, Vec<&'o str>>,
}

impl<'o, 's> ResolvedPlugins<'o, 's> {
    fn new(config: &KongConfig<'o, 's>) -> Self {
        let plugins = config.plugins();
        let mut global = Vec::new();
        let mut by_route: HashMap<&'o str, Vec<usize>> = HashMap::new();
        let mut by_service: HashMap<&'o str, Vec<usize>> = HashMap::new();
        for (n, plugin) in plugins.iter().enumerate() {
            // Only these can cover a route (see `KongPlugin::covers`): thousands of plugins
            // for consumers would otherwise be looked through for every route.
            if !plugin.enabled() || plugin.consumer.is_some() {
                continue;
            }
            match (plugin.route, plugin.service) {
                (Some(route), _) => by_route.entry(route.target).or_default().push(n),
                (None, Some(service)) => by_service.entry(service.target).or_default().push(n),
                (None, None) => global.push(n),
            }
        }
        let mut services: HashMap<&'o str, Vec<&'o str>> = HashMap::new();
        for service in config.services() {
            let ids: Vec<&'o str> = service.identifiers().collect();
            for id in &ids {
                services.insert(id, ids.clone());
            }
        }
        ResolvedPlugins {
            plugins,
            global,
            by_route,
            by_service,
            services,
        }
    }

    /// The enabled plugins that run on every request of a route: on the route, on its service,
    /// or global. Consumer-scoped plugins are left out: they run only for that consumer.
    pub fn covering(&self, route: &KongRoute<'o, 's>) -> Vec<&KongPlugin<'o, 's>> {
        let route_ids: Vec<&str> = route.route.identifiers().collect();
        let service_ids: Vec<&str> = match route.service {
            Some(service) => self
                .services
                .get(service.target)
                .cloned()
                .unwrap_or_else(|| vec![service.target]),
            None => Vec::new(),
        };
        let mut positions: Vec<usize> = self.global.clone();
        for id in &route_ids {
            positions.extend(self.by_route.get(id).into_iter().flatten());
        }
        for id in &service_ids {
            positions.extend(self.by_service.get(id).into_iter().flatten());
        }
        positions.sort_unstable();
        positions.dedup();
        positions
            .into_iter()
            .filter_map(|n| self.plugins.get(n))
            .filter(|p| p.covers(&route_ids, &service_ids))
            .collect()
    }

    /// Whether an enabled plugin of this class runs on every request of the route.
    pub fn covers(&self, route: &KongRoute<'o, 's>, class: PluginClass) -> bool {
        self.covering(route).iter().any(|p| p.class() == class)
    }

    /// Every plugin of the configuration.
    pub fn all(&self) -> &[KongPlugin<'o, 's>] {
        &self.plugins
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    const CONFIG: &str = r#"
_format_version: "3.0"
plugins:
  - name: cors
  - name: key-auth
    consumer: alice
services:
  - name: users
    url: http://users:8001
    plugins:
      - name: jwt
    routes:
      - name: users-read
        paths: [/users]
        plugins:
          - name: rate-limiting
            config: { minute: 10 }
  - name: orders
    id: 5d1f
    routes:
      - name: orders-all
        paths: [/orders]
routes:
  - name: orders-admin
    service: { id: 5d1f }
    paths: [/admin]
consumers:
  - username: alice
    plugins:
      - name: basic-auth
"#;

    fn classes(route_name: &str) -> Vec<PluginClass> {
        let objects = parse_objects(CONFIG);
        let config = KongConfig::of(objects.first().expect("an object")).expect("a Kong file");
        let resolved = config.resolved_plugins();
        let routes = config.routes();
        let route = routes
            .iter()
            .find(|r| r.route.name() == Some(route_name))
            .expect("the route");
        resolved.covering(route).iter().map(|p| p.class()).collect()
    }

    #[test]
    fn route_plugins_combine_route_service_and_global_levels() {
        assert_eq!(
            classes("users-read"),
            [
                PluginClass::Cors,
                PluginClass::Authentication,
                PluginClass::RateLimiting
            ]
        );
    }

    #[test]
    fn consumer_plugins_do_not_cover_routes_and_services_resolve_by_id() {
        assert_eq!(classes("orders-all"), [PluginClass::Cors]);
        assert_eq!(classes("orders-admin"), [PluginClass::Cors]);
    }
}
