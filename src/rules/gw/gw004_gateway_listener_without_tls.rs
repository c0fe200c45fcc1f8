//! GW004 gateway-listener-without-tls.
use crate::model::gateway::api::{GROUP, Gateway, Route};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Gateway API `Gateway` listener with `protocol: HTTP` that serves plain HTTP:
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
    /// redirect route may be deployed from elsewhere), and Istio's `networking.istio.io`
    /// Gateway (the IST rules check it).
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
    /// `RequestRedirect` filter with `scheme: https`.
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
}
