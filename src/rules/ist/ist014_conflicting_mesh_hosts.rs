//! IST014 conflicting-mesh-hosts.
use std::collections::HashMap;

use crate::model::mesh::VirtualService;
use crate::model::mesh::host::{audiences_meet, fqdn};
use crate::model::network::is_templated;
use crate::parse::yaml::Node;
use crate::rules::MAX_RELATED;
use crate::rules::prelude::*;
use crate::source::FileId;

declare_rule! {
    /// ## What it does
    /// Flags two (or more) VirtualServices that the sidecars of the mesh apply (no `gateways`,
    /// or `mesh` among them) and that define the same host for a namespace that sees them both
    /// (`exportTo`: absent or `*` is everyone, `.` the VirtualService's own namespace, `~`
    /// nobody). Hosts are compared as Istio resolves them, a short name in the namespace of its
    /// VirtualService (`reviews` in `shop` is `reviews.shop.svc.cluster.local`). Each
    /// VirtualService of the group is reported at its host entry, the others are related
    /// locations.
    ///
    /// The evidence line is the file: only VirtualServices of the same file are compared, since
    /// a file is applied at once, while separate files are often alternatives (tutorial steps,
    /// canary variants, overlays). Helm chart templates, whose `{{ if }}` branches may keep only
    /// one of two, are left alone. Two documents with the same namespace and name are one object
    /// written twice, not a conflict. Wildcard hosts are compared as written: a `*.example.com`
    /// beside `api.example.com` is no conflict, the exact name wins.
    ///
    /// ## Why is this bad?
    /// Istio does not merge VirtualServices bound to the mesh: for a host defined twice, the
    /// sidecars apply one of them, chosen by creation time, and silently drop the other's
    /// routes, retries and faults. Which one wins can change when an object is re-created.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { name: reviews, namespace: shop }
    /// spec:
    ///   hosts: [reviews]
    ///   http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
    /// ---
    /// kind: VirtualService
    /// metadata: { name: reviews-canary, namespace: shop }
    /// spec:
    ///   hosts: [reviews.shop.svc.cluster.local]
    ///   http: [{ route: [{ destination: { host: reviews, subset: v2 } }] }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: VirtualService
    /// metadata: { name: reviews, namespace: shop }
    /// spec:
    ///   hosts: [reviews]
    ///   http:
    ///     - route:
    ///         - { destination: { host: reviews, subset: v1 }, weight: 90 }
    ///         - { destination: { host: reviews, subset: v2 }, weight: 10 }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Service Discovery and Routing": if Istio is installed, define VirtualServices
    /// for routing; each host's routing must be defined once.
    pub ConflictingMeshHosts {
        id: "IST014",
        name: "conflicting-mesh-hosts",
        family: Family::Ist,
        severity: Severity::Error,
        scope: Scope::Project,
        security: false,
        guideline: "seed 000 §Service Discovery and Routing",
    }
}

/// A host entry of a VirtualService the sidecars apply.
struct MeshHost<'o, 's> {
    service: VirtualService<'o, 's>,
    /// The namespace and name of its VirtualService: one that lists a host twice is no rival of
    /// itself.
    identity: (&'o str, Option<&'o str>),
    entry: &'o Node<'s>,
}

/// The entries of one host whose VirtualServices have the same audience (see
/// [`crate::model::mesh::host::ExportTo::audience`]): whether two entries are seen together
/// depends on their audiences only, so it is asked once per pair of audiences, not once per
/// pair of entries.
struct Audience<'o> {
    namespaces: Option<Vec<&'o str>>,
    /// Positions of its entries among the host's, ascending.
    members: Vec<usize>,
    /// How many of its entries each VirtualService holds.
    per_service: HashMap<(&'o str, Option<&'o str>), usize>,
}

impl Rule for ConflictingMeshHosts {
    fn check_project(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.index.mesh().active() {
            return;
        }
        let mut by_host: HashMap<(FileId, String), Vec<MeshHost<'_, '_>>> = HashMap::new();
        for service in cx
            .index
            .istio_of_kind("VirtualService")
            .filter_map(VirtualService::of)
            .filter(|service| service.binds_mesh() && !cx.index.in_helm_chart(service.object))
        {
            let namespace = cx.index.scan_namespace_of(service.object);
            for entry in service.hosts() {
                let Some(host) = entry.as_text().filter(|_| !is_templated(entry)) else {
                    continue;
                };
                by_host
                    .entry((service.object.file, fqdn(host, namespace)))
                    .or_default()
                    .push(MeshHost {
                        service,
                        identity: (namespace, service.object.name()),
                        entry,
                    });
            }
        }
        // The engine sorts findings, so the map's order never reaches the output.
        for ((_, host), hosts) in by_host.iter().filter(|(_, hosts)| hosts.len() > 1) {
            report_rivals(hosts, host, out);
        }
    }
}

/// Reports each entry of a host that a VirtualService other than its own defines for a
/// namespace that sees them both.
fn report_rivals(hosts: &[MeshHost<'_, '_>], host: &str, out: &mut Findings) {
    let mut audiences: Vec<Audience<'_>> = Vec::new();
    let mut audience_of: HashMap<Option<Vec<&str>>, usize> = HashMap::new();
    for (position, mesh_host) in hosts.iter().enumerate() {
        let namespaces = mesh_host.service.export_to().audience(mesh_host.identity.0);
        let audience = *audience_of.entry(namespaces.clone()).or_insert_with(|| {
            audiences.push(Audience {
                namespaces,
                members: Vec::new(),
                per_service: HashMap::new(),
            });
            audiences.len() - 1
        });
        if let Some(audience) = audiences.get_mut(audience) {
            audience.members.push(position);
            *audience.per_service.entry(mesh_host.identity).or_default() += 1;
        }
    }
    for audience in &audiences {
        let seen_with: Vec<&Audience<'_>> = audiences
            .iter()
            .filter(|other| audiences_meet(audience.namespaces.as_deref(), other.namespaces.as_deref()))
            .collect();
        // The rivals listed are the same for every entry of one VirtualService (a host may
        // repeat in it thousands of times): found once for each.
        let mut listed: HashMap<_, Vec<usize>> = HashMap::new();
        for mine in audience.members.iter().filter_map(|&n| hosts.get(n)) {
            let count: usize = seen_with
                .iter()
                .map(|other| {
                    other.members.len() - other.per_service.get(&mine.identity).copied().unwrap_or(0)
                })
                .sum();
            if count == 0 {
                continue;
            }
            let first = listed.entry(mine.identity).or_insert_with(|| {
                let mut first: Vec<usize> = seen_with
                    .iter()
                    .flat_map(|other| {
                        other
                            .members
                            .iter()
                            .copied()
                            .filter(|&n| hosts.get(n).is_some_and(|rival| rival.identity != mine.identity))
                            .take(MAX_RELATED)
                    })
                    .collect();
                first.sort_unstable();
                first.truncate(MAX_RELATED);
                first
            });
            let rivals: Vec<&MeshHost<'_, '_>> = first.iter().filter_map(|&n| hosts.get(n)).collect();
            report(mine, &rivals, count, host, out);
        }
    }
}

fn report(
    mine: &MeshHost<'_, '_>,
    rivals: &[&MeshHost<'_, '_>],
    count: usize,
    host: &str,
    out: &mut Findings,
) {
    let object = mine.service.object;
    let names = crate::rules::listed(
        count,
        rivals
            .iter()
            .map(|r| format!("`{}`", r.service.object.qualified_name())),
    );
    let finding = out
        .report_in(
            object.file,
            mine.entry.span,
            format!(
                "VirtualService `{}` defines host `{host}` for the mesh, and so does VirtualService {}: \
                 sidecars apply only one of them",
                object.qualified_name(),
                names
            ),
        )
        .help(
            "define each host's mesh routes in one VirtualService (merge the routes), or bind one of \
             them to a Gateway only:\nspec:\n  hosts: [reviews]\n  http:\n    - route:\n        \
             - { destination: { host: reviews, subset: v1 }, weight: 90 }\n        \
             - { destination: { host: reviews, subset: v2 }, weight: 10 }",
        )
        .object(ObjectRef::of(object));
    for rival in rivals {
        finding.related(
            rival.service.object.file,
            rival.entry.span,
            format!(
                "VirtualService `{}` defines the same host",
                rival.service.object.qualified_name()
            ),
        );
    }
    finding.more_related(count - rivals.len());
}
