//! GW002 route-without-rate-limit.
use super::{Guard, report_uncovered};
use crate::model::gateway::PluginClass;
use crate::model::gateway::emissary::{self, Mapping};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a gateway route that nothing rate-limits:
    ///
    /// - a Kong declarative route with no enabled `rate-limiting`, `rate-limiting-advanced`,
    ///   `response-ratelimiting`, `graphql-rate-limiting-advanced` or
    ///   `ai-rate-limiting-advanced` plugin on the route, its service, or global. A plugin
    ///   limited to a consumer does not count: anonymous or other consumers' requests are not
    ///   limited. The finding points at the route's `name` entry;
    /// - an Ingress, HTTPRoute or GRPCRoute served by the Kong ingress controller with no
    ///   rate-limiting KongPlugin on it (by annotation or `ExtensionRef` filter), on a backend
    ///   Service, or as a global KongClusterPlugin, only when the scan holds a rate-limiting
    ///   KongPlugin of its namespace or such a KongClusterPlugin, in a file of its directory or
    ///   one above or below it;
    /// - an ingress-nginx Ingress without `limit-rps`, `limit-rpm`, `limit-connections` or
    ///   `global-rate-limit` when another ingress-nginx Ingress of its namespace has one;
    /// - an Emissary `Mapping` without rate-limit `labels` (`rate_limits` in v1) when the scan
    ///   holds a `RateLimitService` in the Mapping's directory, above or below it: Emissary
    ///   asks that service only about labelled requests.
    ///
    /// Silent: stream-only Kong routes, health-only paths, routes of another or unknown
    /// controller, Kong-for-Kubernetes routes where the scan holds no rate-limiting plugin
    /// resource, and Mappings when the scan holds no RateLimitService (rate limiting may be
    /// done elsewhere, and the rule cannot tell).
    ///
    /// ## Why is this bad?
    /// Without a limit one client can exhaust the service behind the route, by accident (a
    /// retry loop) or on purpose (credential stuffing, scraping), and take it down for everyone.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   - name: product-service
    ///     url: http://product-service:8003
    ///     routes:
    ///       - name: product-routes
    ///         paths: [/api/products]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   - name: product-service
    ///     url: http://product-service:8003
    ///     routes:
    ///       - name: product-routes
    ///         paths: [/api/products]
    ///     plugins:
    ///       - name: rate-limiting
    ///         config:
    ///           minute: 100
    ///           policy: local
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": enable rate limiting at the gateway. Seed
    /// 004, "Step 2" shows the Kong `rate-limiting` plugin on the services.
    pub RouteWithoutRateLimit {
        id: "GW002",
        name: "route-without-rate-limit",
        family: Family::Gw,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §API Gateway and External Access; seed 004 §Step 2 (Kong)",
    }
}

const GUARD: Guard = Guard {
    class: PluginClass::RateLimiting,
    missing: "rate-limiting plugin",
    kong_help: "add a rate-limiting plugin to the route, its service, or globally:\n\
                plugins:\n  - name: rate-limiting\n    config:\n      minute: 100\n      policy: local",
    kubernetes_help: "attach a rate-limiting KongPlugin with the `konghq.com/plugins` annotation:\n\
                      apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata:\n  \
                      name: rate-limit\nplugin: rate-limiting\nconfig:\n  minute: 100\n  policy: local\n---\n\
                      metadata:\n  annotations:\n    konghq.com/plugins: rate-limit",
    nginx_covered: |ingress| ingress.nginx_limits_rate(),
    nginx_missing: "rate-limit (`limit-rps`, `limit-rpm`)",
    nginx_help: "limit the rate at the ingress as the other Ingresses do:\nmetadata:\n  annotations:\n    \
                 nginx.ingress.kubernetes.io/limit-rps: \"10\"",
};

impl Rule for RouteWithoutRateLimit {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        report_uncovered(&GUARD, cx, out);
        check_emissary(cx, out);
    }
}

fn check_emissary(cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    let services: Vec<&Object<'_>> = index
        .of_kind("RateLimitService")
        .filter(|o| emissary::is_emissary(o))
        .collect();
    for mapping in index.of_kind("Mapping").filter_map(Mapping::of) {
        let Some(service) = services.iter().find(|s| index.related_files(s, mapping.object)) else {
            continue;
        };
        if mapping.object.is_controlled() || mapping.has_rate_limit_labels() || mapping.serves_health_only() {
            continue;
        }
        out.report_in(
            mapping.object.file,
            mapping.object.name_span(),
            format!("{} has no rate-limit labels, so the RateLimitService never sees its requests", mapping.describe()),
        )
        .help(
            "label the Mapping's requests for the RateLimitService:\nspec:\n  labels:\n    ambassador:\n      \
             - request_label_group:\n          - remote_address:\n              key: remote_address",
        )
        .object(ObjectRef::of(mapping.object))
        .related(
            service.file,
            service.name_span(),
            format!("RateLimitService `{}`", service.qualified_name()),
        );
    }
}
