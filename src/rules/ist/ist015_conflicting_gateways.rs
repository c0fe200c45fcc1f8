//! IST015 conflicting-gateways.
use std::collections::BTreeMap;

use crate::model::mesh::host::{HostIndex, overlap};
use foldhash::{HashMap, HashMapExt};

use crate::model::mesh::IstioGateway;
use crate::parse::yaml::Node;
use crate::rules::MAX_RELATED;
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
    /// The Gateway's namespace and name, numbered: one Gateway written twice is no rival of
    /// itself.
    identity: usize,
    /// The hosts of the server, without their namespace.
    hosts: Vec<(&'o Node<'s>, &'o str)>,
}

impl Rule for ConflictingGateways {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut listeners: BTreeMap<(String, i64), Vec<Listener<'_, '_>>> = BTreeMap::new();
        let mut identities: HashMap<(&str, Option<&str>), usize> = HashMap::new();
        for gateway in cx.index.istio_of_kind("Gateway").filter_map(IstioGateway::of) {
            let selector = gateway.selector_key();
            let next = identities.len();
            let identity = *identities
                .entry((cx.index.scan_namespace_of(gateway.object), gateway.object.name()))
                .or_insert(next);
            for server in gateway.server_views() {
                if let Some(port) = server.port_number() {
                    listeners
                        .entry((selector.clone(), port))
                        .or_default()
                        .push(Listener {
                            gateway,
                            identity,
                            hosts: server.hosts().collect(),
                        });
                }
            }
        }
        // For each Gateway, by number, the last listener that counted it as a rival, by number.
        let mut counted_for = vec![usize::MAX; identities.len()];
        let mut n = 0;
        for ((selector, port), group) in &listeners {
            let rivals = Rivals::of(group);
            for listener in group {
                let candidates = rivals.candidates(listener, group);
                report_conflicts(
                    (n, listener),
                    candidates,
                    (selector, *port),
                    &mut counted_for,
                    cx,
                    out,
                );
                n += 1;
            }
        }
    }
}

/// The listeners of one selector and port, found by the hosts they serve: a Gateway among
/// thousands that share the usual ingress gateway and port 443 is compared only with those
/// whose hosts may overlap its own.
struct Rivals {
    hosts: HostIndex,
    /// The listener (its place in the group) of each host of `hosts`, by position.
    owners: Vec<usize>,
}

impl Rivals {
    fn of(group: &[Listener<'_, '_>]) -> Self {
        let mut rivals = Rivals {
            hosts: HostIndex::default(),
            owners: Vec::new(),
        };
        for (at, listener) in group.iter().enumerate() {
            for (_, host) in &listener.hosts {
                rivals.hosts.add(host);
                rivals.owners.push(at);
            }
        }
        rivals
    }

    /// The listeners of `group` that may serve a host `listener` serves, in group order.
    fn candidates<'g, 'o, 's>(
        &self,
        listener: &Listener<'o, 's>,
        group: &'g [Listener<'o, 's>],
    ) -> Vec<&'g Listener<'o, 's>> {
        let mut hosts: Vec<&str> = listener.hosts.iter().map(|(_, host)| *host).collect();
        if hosts.iter().any(|host| HostIndex::meets_every_host(host)) {
            return group.iter().collect();
        }
        // A server may list one host many times: each is looked up once.
        hosts.sort_unstable();
        hosts.dedup();
        let mut places: Vec<usize> = hosts
            .into_iter()
            .flat_map(|host| self.hosts.candidates(host))
            .filter_map(|position| self.owners.get(position).copied())
            .collect();
        places.sort_unstable();
        places.dedup();
        places.into_iter().filter_map(|at| group.get(at)).collect()
    }
}

/// True when the scan shows two Gateways applied together: files of one folder that holds no
/// alternatives (see [`crate::index::Index::applied_together`]), or both with an explicit namespace and near
/// each other. Samples and test cases kept side by side are alternatives, not one
/// configuration.
fn deployed_together(a: &Object<'_>, b: &Object<'_>, cx: &Context<'_, '_>) -> bool {
    if cx.index.applied_together(a.file, b.file) {
        return true;
    }
    let (folder_a, folder_b) = (cx.index.folder_of(a.file), cx.index.folder_of(b.file));
    a.namespace().is_some()
        && b.namespace().is_some()
        && folder_a != folder_b
        && !cx.index.holds_alternatives(folder_a)
        && !cx.index.holds_alternatives(folder_b)
        && cx.index.near(a.file, b.file)
}

/// Reports `listener` (the `n`th of the scan) once if a server of another Gateway among the
/// candidates of its group (in group order) serves a host it serves.
fn report_conflicts(
    (n, listener): (usize, &Listener<'_, '_>),
    candidates: Vec<&Listener<'_, '_>>,
    (selector, port): (&str, i64),
    counted_for: &mut [usize],
    cx: &Context<'_, '_>,
    out: &mut Findings,
) {
    let object = listener.gateway.object;
    // The first rivals, to name, and how many there are.
    let mut conflicts = Vec::new();
    let mut count = 0;
    for other in candidates {
        let other_object = other.gateway.object;
        if other.identity == listener.identity
            || counted_for.get(other.identity) == Some(&n)
            || !deployed_together(object, other_object, cx)
        {
            continue;
        }
        let shared = listener.hosts.iter().find_map(|(node, host)| {
            other
                .hosts
                .iter()
                .find(|(_, theirs)| overlap(host, theirs))
                .map(|(their_node, theirs)| (*node, *host, *their_node, *theirs))
        });
        if let Some(shared) = shared {
            if let Some(counted) = counted_for.get_mut(other.identity) {
                *counted = n;
            }
            count += 1;
            if conflicts.len() < MAX_RELATED {
                conflicts.push((other_object, shared));
            }
        }
    }
    let Some((_, (node, host, _, _))) = conflicts.first() else {
        return;
    };
    let names = crate::rules::listed(
        count,
        conflicts
            .iter()
            .map(|(other, _)| format!("`{}`", other.qualified_name())),
    );
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
                if conflicts.len() == 1 {
                    "Gateway"
                } else {
                    "Gateways"
                },
                names,
                if conflicts.len() == 1 { "does" } else { "do" }
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
    finding.more_related(count - conflicts.len());
}
