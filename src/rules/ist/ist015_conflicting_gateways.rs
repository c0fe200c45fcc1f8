//! IST015 conflicting-gateways.
use std::collections::BTreeMap;

use crate::model::mesh::host::overlap;
use crate::model::mesh::{GatewayServer, IstioGateway};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an Istio Gateway server that shares its port with a server of another Gateway of
    /// the scan that has the same `selector` (so runs on the same gateway pods) and serves an
    /// overlapping host (equal names, or a wildcard covering the other). Selectors are compared
    /// as label sets, hosts without their namespace prefix (`ns/`, `./`, `*/`): the prefix limits
    /// which VirtualServices may bind, not which requests the listener answers. Each Gateway of
    /// a conflicting pair is reported, at the host that overlaps, with the other as a related
    /// location.
    ///
    /// Gateways in every namespace are compared, as Istio applies a Gateway to matching pods of
    /// any namespace, but only Gateways the scan shows are applied together: in one file, in
    /// files of one folder, or both with an explicit `metadata.namespace` in files of folders
    /// near each other (at most three folders below the folder they share). Samples kept in
    /// sibling folders without a namespace are alternatives and are not compared, and so are the
    /// files of a folder that defines some object twice (test cases or samples side by side,
    /// each applied on its own). Two copies of one Gateway (same namespace and name, for example a base
    /// and its overlay) are one object, not a conflict; servers without a port number are left
    /// to schema validation.
    ///
    /// ## Why is this bad?
    /// Both servers become one listener on the gateway's Envoy. For TLS servers one of them is
    /// rejected; for HTTP the routes of both are merged in an order nobody chose. Either way a
    /// host answers with the certificate or routes of the wrong Gateway.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Gateway
    /// metadata: { name: shop, namespace: shop }
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   servers:
    ///     - port: { number: 443, name: https, protocol: HTTPS }
    ///       hosts: ["*.example.com"]
    /// ---
    /// kind: Gateway
    /// metadata: { name: blog, namespace: blog }
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   servers:
    ///     - port: { number: 443, name: https, protocol: HTTPS }
    ///       hosts: [blog.example.com]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Gateway
    /// metadata: { name: shop, namespace: shop }
    /// spec:
    ///   selector: { istio: ingressgateway }
    ///   servers:
    ///     - port: { number: 443, name: https, protocol: HTTPS }
    ///       hosts: [shop.example.com]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": route public-facing services through the
    /// gateway; each public host must have one unambiguous entry point.
    pub ConflictingGateways {
        id: "IST015",
        name: "conflicting-gateways",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §API Gateway and External Access",
    }
}

/// A server with a port number, with its Gateway.
struct Listener<'o, 's> {
    gateway: IstioGateway<'o, 's>,
    server: GatewayServer<'o, 's>,
}

impl Rule for ConflictingGateways {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut listeners: BTreeMap<(String, i64), Vec<Listener<'_, '_>>> = BTreeMap::new();
        for gateway in cx.index.istio_of_kind("Gateway").filter_map(IstioGateway::of) {
            let selector = gateway.selector_key();
            for server in gateway.server_views() {
                if let Some(port) = server.port_number() {
                    listeners
                        .entry((selector.clone(), port))
                        .or_default()
                        .push(Listener { gateway, server });
                }
            }
        }
        for ((selector, port), group) in &listeners {
            for listener in group {
                report_conflicts(listener, group, selector, *port, cx, out);
            }
        }
    }
}

/// True when the scan shows two Gateways applied together: files of one folder that holds no
/// alternatives (see [`crate::index::Index::applied_together`]), or both with an explicit namespace and near
/// each other. Samples and test cases kept side by side are alternatives, not one
/// configuration.
fn deployed_together(a: &Object<'_>, b: &Object<'_>, cx: &Context<'_, '_>) -> bool {
    let (folder_a, folder_b) = (cx.index.folder_of(a.file), cx.index.folder_of(b.file));
    cx.index.applied_together(a.file, b.file)
        || (a.namespace().is_some()
            && b.namespace().is_some()
            && folder_a != folder_b
            && !cx.index.holds_alternatives(folder_a)
            && !cx.index.holds_alternatives(folder_b)
            && cx.index.near(a.file, b.file))
}

/// Reports `listener` once if a server of another Gateway in its group serves a host it serves.
fn report_conflicts(
    listener: &Listener<'_, '_>,
    group: &[Listener<'_, '_>],
    selector: &str,
    port: i64,
    cx: &Context<'_, '_>,
    out: &mut Findings,
) {
    let object = listener.gateway.object;
    let identity = (cx.index.namespace_of(object), object.name());
    let mut conflicts = Vec::new();
    for other in group {
        let other_object = other.gateway.object;
        if (cx.index.namespace_of(other_object), other_object.name()) == identity
            || !deployed_together(object, other_object, cx)
            || conflicts.iter().any(|(seen, _): &(&Object<'_>, _)| {
                (cx.index.namespace_of(seen), seen.name())
                    == (cx.index.namespace_of(other_object), other_object.name())
            })
        {
            continue;
        }
        let shared = listener.server.hosts().find_map(|(node, host)| {
            other
                .server
                .hosts()
                .find(|(_, theirs)| overlap(host, theirs))
                .map(|(their_node, theirs)| (node, host, their_node, theirs))
        });
        if let Some(shared) = shared {
            conflicts.push((other_object, shared));
        }
    }
    let Some((_, (node, host, _, _))) = conflicts.first() else {
        return;
    };
    let names: Vec<String> = conflicts
        .iter()
        .map(|(other, _)| format!("`{}`", other.qualified_name()))
        .collect();
    let selector = if selector.is_empty() {
        "no selector".to_owned()
    } else {
        format!("selector `{selector}`")
    };
    let finding = out
        .report_in(
            object.file,
            node.span,
            format!(
                "Gateway `{}` serves `{host}` on port {port}, as {} {} {} with the same {selector}: \
                 the gateway's listener cannot tell them apart",
                object.qualified_name(),
                if names.len() == 1 { "Gateway" } else { "Gateways" },
                names.join(", "),
                if names.len() == 1 { "does" } else { "do" }
            ),
        )
        .help(
            "serve each host from one Gateway: merge the servers into one Gateway, or give each \
             Gateway its own hosts (or its own gateway pods):\n\
             spec:\n  selector: { istio: ingressgateway }\n  servers:\n    \
             - port: { number: 443, name: https, protocol: HTTPS }\n      hosts: [shop.example.com]",
        )
        .object(ObjectRef::of(object));
    for (other, (_, _, their_node, theirs)) in &conflicts {
        finding.related(
            other.file,
            their_node.span,
            format!(
                "Gateway `{}` serves `{theirs}` on port {port}",
                other.qualified_name()
            ),
        );
    }
}
