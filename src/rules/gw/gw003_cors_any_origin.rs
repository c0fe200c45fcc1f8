//! GW003 cors-any-origin.
use crate::model::gateway::api::Route;
use crate::model::gateway::emissary::Mapping;
use crate::model::gateway::ingress::Ingress;
use crate::model::gateway::kong::KongConfig;
use crate::model::gateway::kong_k8s::KongPluginResource;
use crate::model::gateway::{PluginClass, comma_items, texts, truthy};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags CORS settings that let any web origin call the API:
    ///
    /// - an enabled Kong `cors` plugin (declarative, or a KongPlugin/KongClusterPlugin with
    ///   `plugin: cors`) whose `config.origins` holds `*`, at that item, or has no `origins`
    ///   at all (Kong then answers `Access-Control-Allow-Origin: *`), at the plugin's `name` or
    ///   `config`;
    /// - an Emissary Mapping whose `cors.origins` is `*` or lists it (as a list item or in a
    ///   comma-separated string), at the `*`;
    /// - an ingress-nginx Ingress with `enable-cors: "true"` and `cors-allow-origin` holding `*`,
    ///   at the `*`, or without `cors-allow-origin`, whose default is `*`, at `enable-cors`;
    /// - a Gateway API HTTPRoute `CORS` filter whose `allowOrigins` lists `*`.
    ///
    /// The message says when credentials are allowed too (`credentials: true`, Emissary
    /// `cors.credentials`, ingress-nginx `cors-allow-credentials`, which defaults to true, or
    /// `allowCredentials`), which makes it worse. A disabled plugin is silent, and so are
    /// explicit origins and patterns other than `*`.
    ///
    /// ## Why is this bad?
    /// With any origin allowed, every web page a user visits can call the API from their
    /// browser and read the answers. With credentials allowed too, that page acts with the
    /// user's cookies or tokens.
    ///
    /// ## Example
    /// ```yaml
    /// plugins:
    ///   - name: cors
    ///     config:
    ///       origins:
    ///         - "*"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// plugins:
    ///   - name: cors
    ///     config:
    ///       origins:
    ///         - https://shop.example.com
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": restrict who may call the API. Seed 004, "Step 2" configures the
    /// Kong `cors` plugin; its `"*"` origin is the example to avoid in production.
    pub CorsAnyOrigin {
        id: "GW003",
        name: "cors-any-origin",
        family: Family::Gw,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 004 §Step 2 (Kong)",
    }
}

const HELP: &str = "list the origins that may call the API instead of `*`:\nconfig:\n  origins:\n    \
                    - https://shop.example.com";

impl Rule for CorsAnyOrigin {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if let Some(config) = KongConfig::of(object) {
            for plugin in config.plugins() {
                if plugin.class() == PluginClass::Cors && plugin.enabled() {
                    let subject = match (plugin.route, plugin.service) {
                        (Some(r), _) => format!("Kong `cors` plugin of route `{}`", r.target),
                        (None, Some(s)) => format!("Kong `cors` plugin of service `{}`", s.target),
                        (None, None) => "global Kong `cors` plugin".to_owned(),
                    };
                    let fallback = plugin.node.entry("name").map_or(plugin.node.span, |e| e.key.span);
                    kong_config(out, &subject, plugin.config(), fallback, object);
                }
            }
            return;
        }
        if let Some(plugin) = KongPluginResource::of(object) {
            if plugin.class() == PluginClass::Cors && plugin.enabled() {
                let subject = format!("{} `{}`", object.kind(), object.qualified_name());
                kong_config(out, &subject, plugin.config(), object.name_span(), object);
            }
            return;
        }
        if let Some(mapping) = Mapping::of(object) {
            let stars = mapping.cors_origins().map(stars).unwrap_or_default();
            let subject = mapping.describe();
            report(out, &stars, &subject, mapping.cors_credentials(), object);
            return;
        }
        if let Some(ingress) = Ingress::of(object) {
            nginx(out, &ingress);
            return;
        }
        if let Some(route) = Route::of(object) {
            for cors in route.filters("CORS") {
                let stars = listed_stars(cors.get("allowOrigins"));
                let credentials = cors.get("allowCredentials").and_then(Node::as_bool) == Some(true);
                let subject = format!("{} `{}` CORS filter", object.kind(), object.qualified_name());
                report(out, &stars, &subject, credentials, object);
            }
        }
    }
}

/// The `*` items of an origins list or comma-separated string.
fn stars(origins: &Node<'_>) -> Vec<Span> {
    if origins.items().is_empty() {
        return comma_items(origins)
            .into_iter()
            .filter(|(t, _)| *t == "*")
            .map(|(_, s)| s)
            .collect();
    }
    listed_stars(Some(origins))
}

/// The `*` items of a list (or a single scalar) of origins.
fn listed_stars(origins: Option<&Node<'_>>) -> Vec<Span> {
    texts(origins)
        .into_iter()
        .filter(|(t, _)| t.trim() == "*")
        .map(|(_, n)| n.span)
        .collect()
}

/// A Kong `cors` plugin's `config`: `*` in `origins`, or no origins at all.
fn kong_config(
    out: &mut Findings,
    subject: &str,
    config: Option<&Node<'_>>,
    fallback: Span,
    object: &Object<'_>,
) {
    let credentials = config.and_then(|c| c.get("credentials")).and_then(Node::as_bool) == Some(true);
    match config.and_then(|c| c.get("origins")) {
        Some(origins) if !origins.items().is_empty() || origins.as_text().is_some() => {
            report(out, &stars(origins), subject, credentials, object);
        }
        _ => {
            let with = if credentials { " with credentials" } else { "" };
            out.report(
                config.map_or(fallback, |c| c.span),
                format!("{subject} has no `origins`, so Kong allows every origin{with}"),
            )
            .help(HELP)
            .object(object_ref(object));
        }
    }
}

/// ingress-nginx: `enable-cors` with `cors-allow-origin` of `*`, or without one.
fn nginx(out: &mut Findings, ingress: &Ingress<'_, '_>) {
    let Some(enabled) = ingress
        .nginx_annotation("enable-cors")
        .filter(|n| truthy(Some(n)))
    else {
        return;
    };
    // ingress-nginx allows credentials unless told otherwise.
    let credentials = ingress
        .nginx_annotation("cors-allow-credentials")
        .is_none_or(|n| truthy(Some(n)));
    let subject = format!("Ingress `{}`", ingress.object.qualified_name());
    match ingress.nginx_annotation("cors-allow-origin") {
        Some(origin) => report(out, &stars(origin), &subject, credentials, ingress.object),
        None => report(out, &[enabled.span], &subject, credentials, ingress.object),
    }
}

fn report(out: &mut Findings, stars: &[Span], subject: &str, credentials: bool, object: &Object<'_>) {
    let with = if credentials { " with credentials" } else { "" };
    for span in stars {
        out.report(
            *span,
            format!("{subject} allows CORS requests from any origin `*`{with}"),
        )
        .help(HELP)
        .object(object_ref(object));
    }
}

/// The object a finding is about; a Kong declarative file is named by its kind of content.
fn object_ref(object: &Object<'_>) -> ObjectRef {
    if KongConfig::of(object).is_some() {
        return ObjectRef {
            kind: "KongPlugin".to_owned(),
            namespace: None,
            name: Some("cors".to_owned()),
        };
    }
    ObjectRef::of(object)
}
