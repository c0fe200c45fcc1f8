//! GW: API gateway rules (Kong, Emissary, Ingress, Gateway API), and the route coverage check
//! that GW001 and GW002 share.

pub mod gw001_route_without_authentication;
pub mod gw002_route_without_rate_limit;
pub mod gw003_cors_any_origin;
pub mod gw004_gateway_listener_without_tls;
pub mod gw005_unknown_plugin_reference;
pub mod gw006_route_parent_not_found;
pub mod gw007_backend_not_found;
pub mod gw008_cross_namespace_reference_without_grant;

use foldhash::{HashMap, HashMapExt};

use crate::model::gateway::PluginClass;
use crate::model::gateway::api::Route;
use crate::model::gateway::ingress::Ingress;
use crate::model::gateway::kong::{KongConfig, KongRoute};
use crate::model::network::is_templated;
use crate::rules::prelude::*;

/// What a route must be covered by: a plugin class, and how to say and fix it.
pub(crate) struct Guard {
    /// The Kong plugin class that covers a route.
    pub class: PluginClass,
    /// What is missing, for messages (`authentication plugin`).
    pub missing: &'static str,
    /// Help for a Kong declarative route.
    pub kong_help: &'static str,
    /// Help for an Ingress or route served by the Kong ingress controller.
    pub kubernetes_help: &'static str,
    /// True when an ingress-nginx Ingress has the annotations that cover it.
    pub nginx_covered: fn(&Ingress<'_, '_>) -> bool,
    /// The ingress-nginx annotations that would cover it, for messages.
    pub nginx_missing: &'static str,
    /// Help for an ingress-nginx Ingress.
    pub nginx_help: &'static str,
}

/// A readable reference to a Kong declarative route.
pub(crate) fn kong_route_ref(route: &KongRoute<'_, '_>) -> ObjectRef {
    ObjectRef {
        kind: "KongRoute".to_owned(),
        namespace: None,
        name: route.route.name().map(str::to_owned),
    }
}

/// Reports the routes the guard's plugins do not cover: Kong declarative routes, Ingresses and
/// Gateway API routes of the Kong ingress controller, and ingress-nginx Ingresses.
pub(crate) fn report_uncovered(guard: &Guard, cx: &Context<'_, '_>, out: &mut Findings) {
    for object in cx.index.objects() {
        if let Some(config) = KongConfig::of(object) {
            kong_declarative(guard, &config, out);
        }
    }
    kong_kubernetes(guard, cx, out);
    nginx(guard, cx, out);
}

fn kong_declarative(guard: &Guard, config: &KongConfig<'_, '_>, out: &mut Findings) {
    let plugins = config.resolved_plugins();
    for route in config.routes() {
        if route.is_stream_only() || route.only_health_paths() || plugins.covers(&route, guard.class) {
            continue;
        }
        out.report_in(
            config.object.file,
            route.route.name_span(),
            format!(
                "Kong route {} has no {} at route, service or global level",
                route.describe(),
                guard.missing
            ),
        )
        .help(guard.kong_help)
        .object(kong_route_ref(&route));
    }
}

/// Ingresses and Gateway API routes served by Kong, checked only in namespaces where the scan
/// shows Kong doing the job (a plugin of the class as a KongPlugin there or a KongClusterPlugin).
fn kong_kubernetes(guard: &Guard, cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    // A global KongClusterPlugin of the class covers every route Kong serves.
    if index.kong_global_plugin(guard.class) {
        return;
    }
    let candidates = index
        .of_kind("Ingress")
        .chain(["HTTPRoute", "GRPCRoute"].iter().flat_map(|k| index.of_kind(k)));
    // Whether Kong does the job for a route depends only on its namespace and folder.
    let mut kong_does: HashMap<(&str, &str), bool> = HashMap::new();
    for object in candidates {
        let namespace = index.namespace_of(object);
        if object.is_controlled() || !index.served_by_kong(object) {
            continue;
        }
        let does = *kong_does
            .entry((namespace, index.folder_of(object.file)))
            .or_insert_with(|| index.kong_does(object, guard.class));
        if !does {
            continue;
        }
        if Ingress::of(object).is_some_and(|i| i.only_health_paths()) {
            continue;
        }
        // Each Service once, however many paths send to it.
        let mut names = backend_service_names(object);
        names.sort_unstable();
        names.dedup();
        let services: Vec<&Object<'_>> = names
            .into_iter()
            .filter_map(|name| index.find(namespace, "Service", name))
            .collect();
        if index.kong_attached(object, &services, guard.class) {
            continue;
        }
        out.report_in(
            object.file,
            object.name_span(),
            format!(
                "{} `{}` is served by Kong with no {} on it, on its backend Services or as a global KongClusterPlugin",
                object.kind(),
                object.qualified_name(),
                guard.missing
            ),
        )
        .help(guard.kubernetes_help)
        .object(ObjectRef::of(object));
    }
}

/// The names of the Services of the object's namespace an Ingress or route sends to.
fn backend_service_names<'o>(object: &'o Object<'_>) -> Vec<&'o str> {
    if let Some(ingress) = Ingress::of(object) {
        return ingress
            .backends()
            .iter()
            .filter_map(|b| b.name.as_text())
            .collect();
    }
    Route::of(object)
        .map(|route| route.backend_refs())
        .unwrap_or_default()
        .iter()
        .filter(|b| b.is_core("Service") && b.namespace().is_none())
        .filter_map(|b| b.name())
        .collect()
}

/// ingress-nginx Ingresses without the annotations when another ingress-nginx Ingress of the
/// same namespace has them: the gateway does the job there, and this one was left out.
fn nginx(guard: &Guard, cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    let (covered, uncovered): (Vec<Ingress<'_, '_>>, Vec<Ingress<'_, '_>>) = index
        .of_kind("Ingress")
        .filter_map(Ingress::of)
        .filter(|i| i.is_nginx() && !i.object.is_controlled() && !is_templated(&i.object.root))
        .partition(|i| (guard.nginx_covered)(i));
    let covered_namespaces: std::collections::HashSet<&str> =
        covered.iter().map(|i| index.namespace_of(i.object)).collect();
    for ingress in &uncovered {
        let namespace = index.namespace_of(ingress.object);
        if !covered_namespaces.contains(namespace) || ingress.only_health_paths() {
            continue;
        }
        out.report_in(
            ingress.object.file,
            ingress.object.name_span(),
            format!(
                "Ingress `{}` has no {} annotation although other ingress-nginx Ingresses of namespace `{namespace}` do",
                ingress.object.qualified_name(),
                guard.nginx_missing
            ),
        )
        .help(guard.nginx_help)
        .object(ObjectRef::of(ingress.object));
    }
}
