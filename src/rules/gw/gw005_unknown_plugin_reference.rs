//! GW005 unknown-plugin-reference.
use std::collections::HashSet;

use crate::model::gateway::kong::{KongConfig, Reference};
use crate::model::gateway::kong_k8s::{ANNOTATED_KINDS, attached_plugins, plugin_reference};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a plugin reference that resolves to nothing:
    ///
    /// - a name in the `konghq.com/plugins` annotation of an Ingress, Service, Gateway API
    ///   route, KongConsumer or KongConsumerGroup with no KongPlugin of that name in the
    ///   object's namespace and no KongClusterPlugin of that name (for `ns:name`, no KongPlugin
    ///   `name` in namespace `ns`). The finding points at the name inside the annotation's
    ///   value; a KongPlugin of that name in another namespace is shown as a related location
    ///   (a KongPlugin is only visible in its own namespace, or through `ns:name`). Only
    ///   when the scan holds some KongPlugin or KongClusterPlugin: otherwise the plugins are
    ///   likely applied from elsewhere;
    /// - in a Kong declarative file, a plugin's `service:`, `route:` or `consumer:` field, or a
    ///   top-level route's `service:` field, naming (by name or id; a consumer by `username`,
    ///   `custom_id` or id) no entity of the file. A file whose `_info.default_lookup_tags` says
    ///   that references resolve against entities synced from other files is left alone.
    ///
    /// ## Why is this bad?
    /// The Kong ingress controller skips an unknown plugin name with only a log line, so the
    /// route runs without the authentication or rate limit the annotation promised. decK
    /// refuses a declarative file with a dangling reference, so the whole sync fails.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// metadata:
    ///   namespace: shop
    ///   annotations:
    ///     konghq.com/plugins: jwt-auth
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: configuration.konghq.com/v1
    /// kind: KongPlugin
    /// metadata:
    ///   name: jwt-auth
    ///   namespace: shop
    /// plugin: jwt
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": authentication and rate limiting are
    /// configured at the gateway, which works only when the plugins the routes name exist.
    pub UnknownPluginReference {
        id: "GW005",
        name: "unknown-plugin-reference",
        family: Family::Gw,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for UnknownPluginReference {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if cx.index.kong_plugins().next().is_some() {
            annotations(cx, out);
        }
        for object in cx.index.objects() {
            if let Some(config) = KongConfig::of(object) {
                declarative(&config, out);
            }
        }
    }
}

fn annotations(cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    for object in ANNOTATED_KINDS.iter().flat_map(|kind| index.of_kind(kind)) {
        if object.is_controlled() {
            continue;
        }
        let own_namespace = index.namespace_of(object);
        for (name, span) in attached_plugins(object) {
            if name.contains("{{") || index.kong_plugin(own_namespace, name).is_some() {
                continue;
            }
            let (namespace, name) = plugin_reference(name, own_namespace);
            let lacking = if namespace == own_namespace {
                "has no KongPlugin and the scan no KongClusterPlugin of that name"
            } else {
                "has no KongPlugin of that name"
            };
            let finding = out
                .report_in(
                    object.file,
                    span,
                    format!(
                        "{} `{}` names plugin `{name}`, but namespace `{namespace}` {lacking}",
                        object.kind(),
                        object.qualified_name()
                    ),
                )
                .help(format!(
                    "create the KongPlugin in the namespace it is looked up in, or fix the name:\n\
                     apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata:\n  \
                     name: {name}\n  namespace: {namespace}\nplugin: jwt",
                    name = OneLine(name),
                    namespace = OneLine(namespace)
                ))
                .object(ObjectRef::of(object));
            for elsewhere in index.named(name).filter(|o| o.kind() == "KongPlugin") {
                finding.related(
                    elsewhere.file,
                    elsewhere.name_span(),
                    format!(
                        "KongPlugin `{}` is in another namespace",
                        elsewhere.qualified_name()
                    ),
                );
            }
        }
    }
}

fn declarative(config: &KongConfig<'_, '_>, out: &mut Findings) {
    if config
        .object
        .root
        .path(&["_info", "default_lookup_tags"])
        .is_some()
    {
        return;
    }
    let services: HashSet<&str> = config.services().flat_map(|s| s.identifiers()).collect();
    let routes = config.routes();
    let route_ids: HashSet<&str> = routes.iter().flat_map(|r| r.route.identifiers()).collect();
    let consumers: HashSet<&str> = config
        .consumers()
        .flat_map(|c| {
            [
                c.node.str_at("username"),
                c.node.str_at("custom_id"),
                c.node.str_at("id"),
            ]
        })
        .chain(
            config
                .consumer_groups()
                .flat_map(|g| [g.name(), g.node.str_at("id")]),
        )
        .flatten()
        .collect();
    // `owner` is "plugin" or "route", the entity whose field holds the reference.
    let mut check = |reference: Option<Reference<'_>>,
                     kind: &str,
                     known: &HashSet<&str>,
                     (owner, owner_ref): (&str, &ObjectRef)| {
        let Some(reference) = reference.filter(|r| !r.nested && !known.contains(r.target)) else {
            return;
        };
        out.report_in(
            config.object.file,
            reference.span,
            format!(
                "Kong {owner} `{}` refers to {kind} `{}`, which the file does not define",
                owner_ref.name.as_deref().unwrap_or("<unnamed>"),
                reference.target
            ),
        )
        .help(format!(
            "define the {kind} in the same file, or refer to an existing one by name:\n{kind}s:\n  - name: {}",
            OneLine(reference.target)
        ))
        .object(owner_ref.clone());
    };
    for plugin in config.plugins() {
        let owner = ObjectRef {
            kind: "KongPlugin".to_owned(),
            namespace: None,
            name: plugin.name().map(str::to_owned),
        };
        check(plugin.service, "service", &services, ("plugin", &owner));
        check(plugin.route, "route", &route_ids, ("plugin", &owner));
        check(plugin.consumer, "consumer", &consumers, ("plugin", &owner));
    }
    for route in &routes {
        let owner = super::kong_route_ref(route);
        check(route.service, "service", &services, ("route", &owner));
    }
}
