//! GW001 route-without-authentication.
use super::{Guard, report_uncovered};
use crate::model::gateway::PluginClass;
use crate::model::gateway::emissary::{self, Mapping};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a gateway route that nothing authenticates:
    ///
    /// - a Kong declarative route (`_format_version`) with no enabled authentication plugin on
    ///   the route, on its service, or global (a top-level plugin without `service`, `route` or
    ///   `consumer`). Authentication plugins are `jwt`, `openid-connect`, `key-auth`,
    ///   `key-auth-enc`, `oauth2`, `oauth2-introspection`, `basic-auth`, `hmac-auth`,
    ///   `ldap-auth`, `ldap-auth-advanced`, `mtls-auth`, `jwt-signer`, `vault-auth`, `saml` and
    ///   `header-cert-auth`; `session`, `acl` and `opa` do not count, as they rely on one of
    ///   those. A plugin limited to a consumer does not protect a route: it runs only once that
    ///   consumer is identified. The finding points at the route's `name` entry;
    /// - an Ingress, HTTPRoute or GRPCRoute served by the Kong ingress controller (a Kong
    ///   IngressClass or GatewayClass, or `konghq.com/` annotations) with no authentication
    ///   KongPlugin attached through `konghq.com/plugins` on it or on a backend Service, or
    ///   through an `ExtensionRef` filter of one of its rules, and no global KongClusterPlugin
    ///   (label `global: "true"`) doing it. Only when the scan holds an authentication
    ///   KongPlugin of its namespace or such a KongClusterPlugin, in a file of its directory
    ///   or one above or below it: that is the evidence authentication is done at the gateway;
    /// - an ingress-nginx Ingress without `auth-url`, `auth-type`, `auth-tls-secret` or
    ///   `auth-signin` when another ingress-nginx Ingress of its namespace has one;
    /// - an Emissary `Mapping` with `bypass_auth: true`, at that value, and, when the scan
    ///   defines the Emissary gateway itself (a `Module` or `Listener` in the Mapping's
    ///   directory, above or below it) but holds no `AuthService`, every Mapping, at its name.
    ///
    /// Silent: Kong routes whose protocols are all stream ones (`tcp`, `tls`, `udp`), routes
    /// and Ingresses whose paths (Mappings whose `prefix`) are all health, readiness, liveness
    /// or ping endpoints (`/healthz`, `/ready`, `/ping`; `/metrics` is not exempt), an Ingress or
    /// route of another or unknown controller, and a Kong-for-Kubernetes route where the scan
    /// holds no authentication plugin resource.
    ///
    /// ## Why is this bad?
    /// A route without authentication at the gateway exposes the service to anyone who can
    /// reach it. Each service then has to check credentials itself, and the one that forgets is
    /// open to the internet.
    ///
    /// ## Example
    /// ```yaml
    /// _format_version: "2.1"
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
    /// _format_version: "2.1"
    /// services:
    ///   - name: product-service
    ///     url: http://product-service:8003
    ///     routes:
    ///       - name: product-routes
    ///         paths: [/api/products]
    ///     plugins:
    ///       - name: jwt
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": configure routes with JWT-based
    /// authentication at the gateway. Seed 004, "Step 2" shows the Kong `jwt` plugin on every
    /// service.
    pub RouteWithoutAuthentication {
        id: "GW001",
        name: "route-without-authentication",
        family: Family::Gw,
        severity: Severity::Error,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §API Gateway and External Access; seed 004 §Step 2 (Kong)",
    }
}

const GUARD: Guard = Guard {
    class: PluginClass::Authentication,
    missing: "authentication plugin",
    kong_help: "add an authentication plugin to the route, its service, or globally:\n\
                plugins:\n  - name: jwt",
    kubernetes_help: "attach an authentication KongPlugin with the `konghq.com/plugins` annotation:\n\
                      apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata:\n  \
                      name: jwt-auth\nplugin: jwt\n---\nmetadata:\n  annotations:\n    \
                      konghq.com/plugins: jwt-auth",
    nginx_covered: |ingress| ingress.nginx_authenticates(),
    nginx_missing: "authentication (`auth-url`, `auth-type`)",
    nginx_help: "authenticate at the ingress as the other Ingresses do:\nmetadata:\n  annotations:\n    \
                 nginx.ingress.kubernetes.io/auth-url: https://auth.example.com/verify",
};

impl Rule for RouteWithoutAuthentication {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        report_uncovered(&GUARD, cx, out);
        check_emissary(cx, out);
    }
}

fn check_emissary(cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    let has_auth_service = index.of_kind("AuthService").any(|o| emissary::is_emissary(o));
    let settings: Vec<&Object<'_>> = ["Module", "Listener"]
        .iter()
        .flat_map(|kind| index.of_kind(kind))
        .filter(|o| emissary::is_emissary(o))
        .collect();
    for mapping in index.of_kind("Mapping").filter_map(Mapping::of) {
        if mapping.object.is_controlled() || mapping.serves_health_only() {
            continue;
        }
        if let Some(bypass) = mapping.bypasses_auth() {
            out.report_in(
                mapping.object.file,
                bypass.span,
                format!(
                    "{} sets `bypass_auth`, so no AuthService checks its requests",
                    mapping.describe()
                ),
            )
            .help("remove `bypass_auth` so the AuthService checks the route:\nspec:\n  bypass_auth: false")
            .object(ObjectRef::of(mapping.object));
            continue;
        }
        let near = settings.iter().find(|s| index.related_files(s, mapping.object));
        let (Some(settings), false) = (near, has_auth_service) else {
            continue;
        };
        out.report_in(
            mapping.object.file,
            mapping.object.name_span(),
            format!(
                "{} is served by an Emissary gateway that has no AuthService",
                mapping.describe()
            ),
        )
        .help(
            "add an AuthService so the gateway authenticates every Mapping:\n\
             apiVersion: getambassador.io/v3alpha1\nkind: AuthService\nmetadata:\n  name: authentication\n\
             spec:\n  auth_service: auth.auth:3000\n  proto: http",
        )
        .object(ObjectRef::of(mapping.object))
        .related(
            settings.file,
            settings.name_span(),
            format!(
                "Emissary {} `{}` defines the gateway",
                settings.kind(),
                settings.qualified_name()
            ),
        );
    }
}
