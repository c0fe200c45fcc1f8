//! GW004 gateway-listener-without-tls.
use std::collections::{HashMap, HashSet};

use crate::model::gateway::api::{GROUP, Gateway, Route};
use crate::model::mesh::host::is_cluster_local;
use crate::model::mesh::{IstioGateway, Protocol, Route as MeshRoute, VirtualService};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a gateway that serves plain HTTP. For a Gateway API `Gateway`, a listener with
    /// `protocol: HTTP` when:
    ///
    /// - the Gateway has no HTTPS or TLS listener, and no route attached to the HTTP listener
    ///   redirects to `https` (a `RequestRedirect` filter with `scheme: https`); or
    /// - the Gateway has an HTTPS or TLS listener, the scan holds routes attached to the HTTP
    ///   listener, and none of them redirects to `https`: they serve their content over HTTP.
    ///
    /// The finding points at the listener's `protocol` value. A route is attached to a listener
    /// when one of its `parentRefs` names the Gateway and, when given, the listener's
    /// `sectionName` and `port`, and the listener admits its kind and namespace. Silent: a
    /// Gateway with an HTTPS listener whose HTTP listener has no route in the scan (the
    /// redirect route may be deployed from elsewhere).
    ///
    /// For an Istio `networking.istio.io` Gateway, a server whose `port.protocol` is `HTTP`,
    /// `HTTP2` or `GRPC` without `tls.httpsRedirect: true`, unless a VirtualService of the scan
    /// bound to the Gateway redirects to `https` (`redirect.scheme: https`), or all of those bound
    /// to it answer only ACME HTTP-01 challenges (`/.well-known/acme-challenge/`, which
    /// certificate issuers fetch over plain HTTP). Egress gateways
    /// (a selector value naming `egress`: traffic leaving the mesh, encrypted after the gateway)
    /// and servers whose hosts are all cluster-local names are not public entry points and are
    /// left alone. The finding points at the server's `protocol` value.
    ///
    /// ## Why is this bad?
    /// Plain HTTP sends credentials, tokens and personal data readable by anyone on the path,
    /// and lets them change the answers. A client that follows an `http://` link never reaches
    /// the HTTPS listener unless HTTP redirects it there.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   gatewayClassName: kong
    ///   listeners:
    ///     - { name: http, protocol: HTTP, port: 80 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   gatewayClassName: kong
    ///   listeners:
    ///     - name: https
    ///       protocol: HTTPS
    ///       port: 443
    ///       tls:
    ///         certificateRefs: [{ name: shop-tls }]
    /// ```
    /// and, to keep port 80, an HTTPRoute on the HTTP listener whose only rule has a
    /// `RequestRedirect` filter with `scheme: https`. For an Istio Gateway, serve HTTPS and
    /// redirect the HTTP server:
    /// ```yaml
    /// kind: Gateway
    /// spec:
    ///   servers:
    ///     - port: { number: 80, name: http, protocol: HTTP }
    ///       hosts: [shop.example.com]
    ///       tls: { httpsRedirect: true }
    ///     - port: { number: 443, name: https, protocol: HTTPS }
    ///       hosts: [shop.example.com]
    ///       tls: { mode: SIMPLE, credentialName: shop-cert }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": enforce TLS termination at ingress. Seed 000, "API Gateway and
    /// External Access": the gateway terminates TLS for public traffic.
    pub GatewayListenerWithoutTls {
        id: "GW004",
        name: "gateway-listener-without-tls",
        family: Family::Gw,
        severity: Severity::Warning,
        scope: Scope::Project,
        security: true,
        guideline: "seed 000 §Security; seed 000 §API Gateway and External Access",
    }
}

impl Rule for GatewayListenerWithoutTls {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        check_api_gateways(cx, out);
        check_istio_gateways(cx, out);
    }
}

/// The Gateway API half: HTTP listeners neither redirected nor accompanied by HTTPS.
fn check_api_gateways(cx: &Context<'_, '_>, out: &mut Findings) {
    let index = cx.index;
    let attached = index.routes_by_gateway();
    for gateway in index.of_kind("Gateway").filter_map(Gateway::of) {
        let object = gateway.object;
        let (Some(name), false) = (object.name(), object.is_controlled()) else {
            continue;
        };
        let namespace = index.namespace_of(object);
        let listeners = gateway.listeners();
        let secure = listeners.iter().any(|l| l.is_secure());
        let routes = attached.get(&(namespace, name)).map_or(&[][..], Vec::as_slice);
        for listener in &listeners {
            let Some(("HTTP", protocol)) = listener.protocol() else {
                continue;
            };
            let served: Vec<&Route<'_, '_>> = routes
                .iter()
                .filter(|(route, parent)| {
                    Route::parent_selects(parent, listener)
                        && listener.admits_kind(GROUP, route.object.kind())
                        && index.listener_admits_namespace(
                            listener,
                            namespace,
                            index.namespace_of(route.object),
                        ) != Some(false)
                })
                .map(|(route, _)| route)
                .collect();
            if served.iter().any(|r| r.redirects_to_https()) || (secure && served.is_empty()) {
                continue;
            }
            let listener_name = listener.name().unwrap_or("<unnamed>");
            let message = if secure {
                format!(
                    "Gateway `{}` listener `{listener_name}` serves routes over plain HTTP without redirecting them to HTTPS",
                    object.qualified_name()
                )
            } else {
                format!(
                    "Gateway `{}` listener `{listener_name}` serves plain HTTP and the Gateway has no HTTPS listener",
                    object.qualified_name()
                )
            };
            let finding = out
                    .report_in(object.file, protocol.span, message)
                    .help(
                        "serve HTTPS with a certificate, and redirect HTTP to it with an HTTPRoute:\n\
                         listeners:\n  - name: https\n    protocol: HTTPS\n    port: 443\n    tls:\n      \
                         certificateRefs: [{ name: shop-tls }]\n# HTTPRoute on the HTTP listener:\nrules:\n  \
                         - filters:\n      - type: RequestRedirect\n        requestRedirect: { scheme: https, statusCode: 301 }",
                    )
                    .object(ObjectRef::of(object));
            for route in served {
                finding.related(
                    route.object.file,
                    route.object.name_span(),
                    format!(
                        "{} `{}` served over HTTP",
                        route.object.kind(),
                        route.object.qualified_name()
                    ),
                );
            }
        }
    }
}

/// The Istio half: plain-HTTP servers of public gateways without an HTTPS redirect.
fn check_istio_gateways(cx: &Context<'_, '_>, out: &mut Findings) {
    let justified = gateways_with_plain_http_justified(cx);
    for gateway in cx.index.istio_of_kind("Gateway").filter_map(IstioGateway::of) {
        let object = gateway.object;
        let identity = (cx.index.namespace_of(object), object.name().unwrap_or_default());
        if gateway.selects_egress() || justified.contains(&identity) {
            continue;
        }
        let servers: Vec<_> = gateway.server_views().collect();
        let secure = servers.iter().any(|s| s.is_secure());
        for server in &servers {
            let Some(protocol) = server.protocol() else {
                continue;
            };
            if !server.is_plain_http()
                || server.redirects_to_https()
                || server.hosts().all(|(_, host)| is_cluster_local(host))
            {
                continue;
            }
            let port = server
                .port_number()
                .map_or_else(String::new, |p| format!(" on port {p}"));
            let message = if secure {
                format!(
                    "Gateway `{}` serves plain HTTP{port} beside its HTTPS server without redirecting it (`tls.httpsRedirect`)",
                    object.qualified_name()
                )
            } else {
                format!(
                    "Gateway `{}` serves plain HTTP{port} and has no HTTPS server",
                    object.qualified_name()
                )
            };
            out.report_in(object.file, protocol.span, message)
                .help(
                    "serve HTTPS with a certificate, and redirect HTTP to it:\n\
                     servers:\n  - port: { number: 80, name: http, protocol: HTTP }\n    \
                     hosts: [shop.example.com]\n    tls: { httpsRedirect: true }\n  \
                     - port: { number: 443, name: https, protocol: HTTPS }\n    \
                     hosts: [shop.example.com]\n    tls: { mode: SIMPLE, credentialName: shop-cert }",
                )
                .object(ObjectRef::of(object));
        }
    }
}

/// The `(namespace, name)` of every Gateway whose plain HTTP the VirtualServices of the scan
/// bound to it justify: one of them redirects to `https`, or all of them answer only ACME
/// HTTP-01 challenges (`/.well-known/acme-challenge/`), which certificate issuers fetch over
/// plain HTTP.
fn gateways_with_plain_http_justified<'o>(cx: &Context<'o, '_>) -> HashSet<(&'o str, &'o str)> {
    #[derive(Default)]
    struct Bound {
        redirects: bool,
        challenges: bool,
        serves: bool,
    }
    let mut bound: HashMap<(&'o str, &'o str), Bound> = HashMap::new();
    for service in cx.index.of_kind("VirtualService").filter_map(VirtualService::of) {
        let mut seen = Bound::default();
        for route in service.routes(Protocol::Http) {
            if redirects_to_https(&route) {
                seen.redirects = true;
            } else if answers_acme_challenges_only(&route) {
                seen.challenges = true;
            } else {
                seen.serves = true;
            }
        }
        let namespace = cx.index.scan_namespace_of(service.object);
        for (_, gateway) in service.gateway_references(namespace) {
            let entry = bound.entry(gateway).or_default();
            entry.redirects |= seen.redirects;
            entry.challenges |= seen.challenges;
            entry.serves |= seen.serves;
        }
    }
    bound
        .into_iter()
        .filter(|(_, b)| b.redirects || (b.challenges && !b.serves))
        .map(|(gateway, _)| gateway)
        .collect()
}

fn redirects_to_https(route: &MeshRoute<'_, '_>) -> bool {
    route
        .get("redirect")
        .and_then(|r| r.str_at("scheme"))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https"))
}

fn answers_acme_challenges_only(route: &MeshRoute<'_, '_>) -> bool {
    let matches = route.get("match").map(Node::items).unwrap_or_default();
    !matches.is_empty()
        && matches.iter().all(|m| {
            m.path(&["uri", "prefix"])
                .and_then(Node::as_str)
                .is_some_and(|prefix| prefix.starts_with("/.well-known/acme-challenge"))
        })
}
