//! GW006 route-parent-not-found.
use std::collections::{HashMap, HashSet};

use crate::model::gateway::api::{GROUP, Gateway, Reference, Route};
use crate::rules::prelude::*;
use crate::source::FileId;

declare_rule! {
    /// ## What it does
    /// Flags a `parentRefs` entry of a Gateway API route (HTTPRoute, GRPCRoute, TLSRoute,
    /// TCPRoute, UDPRoute) that attaches to nothing:
    ///
    /// - it names a Gateway that is not in the scan (at `name`). The namespace is the ref's
    ///   `namespace`, else the route's. Only when the scan holds some Gateway of that
    ///   namespace on the route's directory line (its folder, one above or one below): a
    ///   Gateway installed by a chart, another repository or the platform's own folder is
    ///   common. A Gateway that routes of several files attach to and the scan lacks is
    ///   deployed from elsewhere too (a shared test gateway), and is not reported;
    /// - its `sectionName` names no listener of the Gateway (at `sectionName`), or its `port`
    ///   is no port of those listeners (at `port`);
    /// - no listener it selects admits the route: `allowedRoutes.kinds` (or, without it, the
    ///   kinds the protocol serves: HTTPRoute and GRPCRoute on HTTP and HTTPS, TLSRoute and
    ///   TCPRoute on TLS) lacks the route's kind, or `allowedRoutes.namespaces.from` rejects
    ///   its namespace (`Same`, the default, admits the Gateway's namespace only; `Selector` is
    ///   judged only when the route's Namespace is in the scan). At `name`.
    ///
    /// References to other kinds (a Service for mesh routing) are left alone. When the scan
    /// holds the same Gateway more than once (examples of several projects), the route's own
    /// file's copy is judged, else the route is reported only when no copy admits it.
    ///
    /// ## Why is this bad?
    /// A route that attaches to no listener is accepted by the API server but never
    /// programmed: its traffic gets 404s, and only the route's status says why.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HTTPRoute
    /// metadata: { name: shop, namespace: shop }
    /// spec:
    ///   parentRefs:
    ///     - name: public-gateway
    ///       namespace: infra
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Gateway
    /// metadata: { name: public-gateway, namespace: infra }
    /// spec:
    ///   listeners:
    ///     - name: https
    ///       protocol: HTTPS
    ///       port: 443
    ///       allowedRoutes:
    ///         namespaces: { from: All }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": public services are reached through the
    /// gateway, so a route must attach to it.
    pub RouteParentNotFound {
        id: "GW006",
        name: "route-parent-not-found",
        family: Family::Gw,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

impl Rule for RouteParentNotFound {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let routes: Vec<Route<'_, '_>> = cx
            .index
            .gateway_routes()
            .filter(|r| !r.object.is_controlled())
            .collect();
        // A Gateway that routes of several files attach to and the scan lacks is deployed from
        // elsewhere (a shared test gateway, a file the scan was not given), not misnamed.
        let mut files_naming: HashMap<(&str, &str), HashSet<FileId>> = HashMap::new();
        for route in &routes {
            for parent in route.parent_refs().iter().filter(|p| p.is_gateway()) {
                let Some(name) = parent.name() else { continue };
                let namespace = parent.namespace().unwrap_or(cx.index.namespace_of(route.object));
                if cx.index.find(namespace, "Gateway", name).is_none() {
                    files_naming
                        .entry((namespace, name))
                        .or_default()
                        .insert(route.object.file);
                }
            }
        }
        let shared = |namespace: &str, name: &str| {
            files_naming
                .get(&(namespace, name))
                .is_some_and(|files| files.len() > 1)
        };
        for route in &routes {
            for parent in route.parent_refs() {
                check_parent(cx, route, &parent, &shared, out);
            }
        }
    }
}

fn check_parent(
    cx: &Context<'_, '_>,
    route: &Route<'_, '_>,
    parent: &Reference<'_, '_>,
    shared: &dyn Fn(&str, &str) -> bool,
    out: &mut Findings,
) {
    let index = cx.index;
    let object = route.object;
    let route_namespace = index.namespace_of(object);
    let (Some(name), true) = (parent.name(), parent.is_gateway()) else {
        return;
    };
    let namespace = parent.namespace().unwrap_or(route_namespace);
    let subject = format!("{} `{}`", object.kind(), object.qualified_name());
    let candidates: Vec<Gateway<'_, '_>> = index
        .all_of(namespace, "Gateway", name, object)
        .into_iter()
        .filter_map(Gateway::of)
        .collect();
    if candidates.is_empty() {
        if index.holds_related(namespace, "Gateway", object) && !shared(namespace, name) {
            out.report_in(
                object.file,
                parent.span_of("name"),
                format!("{subject} attaches to Gateway `{namespace}/{name}`, which is not in the scan"),
            )
            .help("name a Gateway that exists, with its namespace when it is another:\nparentRefs:\n  - name: public-gateway\n    namespace: infra")
            .object(ObjectRef::of(object));
        }
        return;
    }
    // The scan may hold the Gateway more than once: report only when none of them admits it.
    let problems: Vec<Problem> = candidates
        .iter()
        .map_while(|gateway| problem(cx, route, parent, gateway))
        .collect();
    let (Some(first), true) = (problems.first(), problems.len() == candidates.len()) else {
        return;
    };
    let gateway = candidates.first().map_or(object, |g| g.object);
    out.report_in(
        object.file,
        parent.span_of(first.key),
        format!("{subject} {}", first.message),
    )
    .help(first.help)
    .object(ObjectRef::of(object))
    .related(
        gateway.file,
        gateway.name_span(),
        format!("Gateway `{}`", gateway.qualified_name()),
    );
}

/// Why a parent reference does not attach to a Gateway: where, what, and the fix.
struct Problem {
    key: &'static str,
    message: String,
    help: &'static str,
}

/// Why the route does not attach to this Gateway through `parent`, if it does not.
fn problem(
    cx: &Context<'_, '_>,
    route: &Route<'_, '_>,
    parent: &Reference<'_, '_>,
    gateway: &Gateway<'_, '_>,
) -> Option<Problem> {
    let index = cx.index;
    let object = route.object;
    let route_namespace = index.namespace_of(object);
    let listeners = gateway.listeners();
    if listeners.is_empty() {
        return None;
    }
    let gateway_name = gateway.object.qualified_name();
    let report =
        |key: &'static str, message: String, help: &'static str| Some(Problem { key, message, help });
    if let Some(section) = parent.section_name()
        && !listeners.iter().any(|l| l.name() == Some(section))
    {
        let names: Vec<&str> = listeners.iter().filter_map(|l| l.name()).collect();
        return report(
            "sectionName",
            format!(
                "names listener `{section}`, which Gateway `{gateway_name}` does not have (it has `{}`)",
                names.join("`, `")
            ),
            "name one of the Gateway's listeners:\nparentRefs:\n  - name: public-gateway\n    sectionName: https",
        );
    }
    let selected: Vec<_> = listeners
        .iter()
        .filter(|l| Route::parent_selects(parent, l))
        .collect();
    if let (Some(port), true) = (parent.port(), selected.is_empty()) {
        return report(
            "port",
            format!("names port {port}, on which Gateway `{gateway_name}` has no listener"),
            "name a port the Gateway listens on, or leave `port` out:\nparentRefs:\n  - name: public-gateway\n    port: 443",
        );
    }
    let kind_ok: Vec<_> = selected
        .iter()
        .filter(|l| l.admits_kind(GROUP, object.kind()))
        .collect();
    if kind_ok.is_empty() {
        return report(
            "name",
            format!(
                "attaches to Gateway `{gateway_name}`, but none of its listeners accepts a {}",
                object.kind()
            ),
            "attach to a listener whose protocol serves the route's kind, or list the kind:\nallowedRoutes:\n  kinds:\n    - kind: HTTPRoute",
        );
    }
    let gateway_namespace = index.namespace_of(gateway.object);
    let admitted = kind_ok
        .iter()
        .any(|l| index.listener_admits_namespace(l, gateway_namespace, route_namespace) != Some(false));
    if !admitted {
        return report(
            "name",
            format!(
                "attaches to Gateway `{gateway_name}`, but its listeners do not admit routes from namespace `{route_namespace}`"
            ),
            "let the listener admit the route's namespace:\nallowedRoutes:\n  namespaces:\n    from: All",
        );
    }
    None
}
