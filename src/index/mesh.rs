//! Mesh lookups: whether the scan is meshed, Services and ServiceEntries by host, the
//! DestinationRules of a host, and which namespaces have sidecars.

use foldhash::{HashMap, HashSet};

use super::{Index, NearFolders};
use crate::model::mesh::host::{ExportTo, HostIndex, covers, fqdn, overlap};
use crate::model::mesh::security::{
    DEFAULT_ROOT_NAMESPACE, Injection, namespace_injection, pod_requests_injection,
};
use crate::model::mesh::{DestinationRule, is_istio, is_istio_kind};
use crate::model::{Object, Workload};
use crate::source::FileId;

/// How the user set the mesh up.
#[derive(Debug, Clone, Default)]
pub struct MeshSettings {
    /// Mesh rules run even when the scan shows no mesh (`--mesh istio`).
    pub forced: bool,
    /// The namespace of mesh-wide policies (`--istio-root-namespace`; `istio-system` when unset).
    pub root_namespace: Option<String>,
}

/// What the scan says about the mesh.
#[derive(Debug, Default)]
pub struct Mesh<'o, 's> {
    active: bool,
    forced: bool,
    root_namespace: String,
    /// FQDN → the core Services with that name.
    services: HashMap<String, Vec<&'o Object<'s>>>,
    /// Namespaces that hold a core Service.
    service_namespaces: HashSet<&'o str>,
    /// Every ServiceEntry host, resolved, with its entry.
    entry_hosts: Vec<(String, &'o Object<'s>)>,
    /// The hosts of `entry_hosts`, by position.
    entry_index: HostIndex,
    /// Every DestinationRule with its host resolved, in scan order.
    destination_rules: Vec<(String, DestinationRule<'o, 's>)>,
    /// The hosts of `destination_rules`, by position.
    rule_index: HostIndex,
    /// Namespaces whose pods get sidecars, with the folders of the files that say so.
    meshed_namespaces: HashMap<&'o str, NearFolders<'o>>,
    /// Folders of the files holding an Istio object or an injection label.
    evidence: NearFolders<'o>,
    /// Folders of the files holding a DestinationRule.
    rule_folders: NearFolders<'o>,
    /// Folders of the files holding an Istio Gateway.
    gateway_folders: NearFolders<'o>,
}

impl<'o, 's> Mesh<'o, 's> {
    pub(super) fn build(index: &Index<'o, 's>, settings: &MeshSettings) -> Self {
        let mut mesh = Mesh {
            active: settings.forced,
            forced: settings.forced,
            root_namespace: settings
                .root_namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_ROOT_NAMESPACE.to_owned()),
            ..Mesh::default()
        };
        for object in index.objects() {
            mesh.gather_evidence(object, index);
        }
        // Host tables cost an allocation per Service: a scan without a mesh needs none.
        if mesh.active {
            for object in index.objects() {
                mesh.index_hosts(object, index);
            }
        }
        mesh
    }

    /// Notes what shows a mesh: an Istio object, a Namespace or pod template asking for sidecars.
    fn gather_evidence(&mut self, object: &'o Object<'s>, index: &Index<'o, 's>) {
        let folder = index.folder_of(object.file);
        if is_istio(object) {
            self.witness(folder);
        }
        if object.kind() == "Namespace" {
            if namespace_injection(object) == Injection::Enabled {
                self.witness(folder);
                if let Some(name) = object.name() {
                    self.meshed_namespaces.entry(name).or_default().add(folder);
                }
            }
        } else if let Some(workload) = Workload::of(object)
            && pod_requests_injection(&workload)
        {
            self.witness(folder);
            let namespace = index.scan_namespace_of(object);
            self.meshed_namespaces.entry(namespace).or_default().add(folder);
        }
    }

    /// Files Services, ServiceEntry hosts and DestinationRules under their resolved hosts.
    fn index_hosts(&mut self, object: &'o Object<'s>, index: &Index<'o, 's>) {
        let namespace = index.scan_namespace_of(object);
        match object.kind() {
            "Service" if object.api_group().is_empty() => {
                if let Some(name) = object.name() {
                    self.services
                        .entry(fqdn(name, namespace))
                        .or_default()
                        .push(object);
                    self.service_namespaces.insert(namespace);
                }
            }
            "Gateway" if is_istio(object) => self.gateway_folders.add(index.folder_of(object.file)),
            "ServiceEntry" if is_istio(object) => {
                let hosts = object
                    .root
                    .path(&["spec", "hosts"])
                    .map(|h| h.items())
                    .unwrap_or_default();
                for host in hosts.iter().filter_map(|h| h.as_text()) {
                    let host = fqdn(host, namespace);
                    self.entry_index.add(&host);
                    self.entry_hosts.push((host, object));
                }
            }
            "DestinationRule" => {
                if let Some(rule) = DestinationRule::of(object)
                    && let Some(host) = rule.fqdn(namespace)
                {
                    self.rule_index.add(&host);
                    self.destination_rules.push((host, rule));
                    self.rule_folders.add(index.folder_of(object.file));
                }
            }
            _ => {}
        }
    }

    fn witness(&mut self, folder: &'o str) {
        self.active = true;
        self.evidence.add(folder);
    }

    /// True when mesh rules run: the scan holds an Istio object or asks for sidecar injection,
    /// or the user said the configuration is meshed.
    pub fn active(&self) -> bool {
        self.active
    }

    /// True when mesh rules apply to a plain Kubernetes object of `file`: the user said the
    /// configuration is meshed, or an Istio object or injection label sits near it (see
    /// [`Index::near`]). A scan of many unrelated projects must not treat one project's
    /// Services as meshed because another project uses Istio.
    pub fn active_near(&self, file: FileId, index: &Index<'_, '_>) -> bool {
        self.forced || self.evidence.near(index.folder_of(file))
    }

    /// The namespace of mesh-wide policies.
    pub fn root_namespace(&self) -> &str {
        &self.root_namespace
    }

    /// True when the scan shows, near `file`, that pods of `namespace` get sidecars (an
    /// injection label on the Namespace, or on one of its pod templates).
    pub fn is_meshed_near(&self, namespace: &str, file: FileId, index: &Index<'_, '_>) -> bool {
        self.forced
            || self
                .meshed_namespaces
                .get(namespace)
                .is_some_and(|folders| folders.near(index.folder_of(file)))
    }

    /// The core Services a resolved host names (none for wildcards and external names).
    pub fn services(&self, host: &str) -> &[&'o Object<'s>] {
        self.services.get(host).map_or(&[], Vec::as_slice)
    }

    /// The core Services a resolved host names that `viewer` may see (their
    /// `networking.istio.io/exportTo` annotation admits it).
    pub fn visible_services<'m>(
        &'m self,
        host: &str,
        viewer: &'m str,
        index: &'m Index<'o, 's>,
    ) -> impl Iterator<Item = &'o Object<'s>> + 'm {
        self.services(host).iter().copied().filter(move |service| {
            ExportTo::visible_by_annotation(
                service.annotation("networking.istio.io/exportTo"),
                index.namespace_of(service),
                viewer,
            )
        })
    }

    /// True when the scan holds a core Service in `namespace`.
    pub fn has_services_in(&self, namespace: &str) -> bool {
        self.service_namespaces.contains(namespace)
    }

    /// The ServiceEntries with a host that overlaps `host` and that `viewer` may see.
    pub fn service_entries<'m>(
        &'m self,
        host: &'m str,
        viewer: &'m str,
        index: &'m Index<'o, 's>,
    ) -> impl Iterator<Item = &'o Object<'s>> + 'm {
        self.entry_index
            .candidates(host)
            .into_iter()
            .filter_map(|n| self.entry_hosts.get(n))
            .filter(move |(entry_host, entry)| {
                overlap(entry_host, host)
                    && ExportTo::of(entry.root.get("spec")).admits(index.namespace_of(entry), viewer)
            })
            .map(|(_, entry)| *entry)
    }

    /// True when the scan holds any ServiceEntry.
    pub fn has_service_entries(&self) -> bool {
        !self.entry_hosts.is_empty()
    }

    /// The DestinationRules whose host covers `host` and that `viewer` may see, most specific
    /// host first (an exact name before wildcards, longer wildcards before shorter), then in scan
    /// order.
    pub fn destination_rules_for(
        &self,
        host: &str,
        viewer: &str,
        index: &Index<'o, 's>,
    ) -> Vec<DestinationRule<'o, 's>> {
        let mut found: Vec<(usize, usize, DestinationRule<'o, 's>)> = self
            .rules_applying(host, viewer, index)
            .map(|(n, (rule_host, rule))| {
                let specificity = if rule_host == host {
                    0
                } else {
                    usize::MAX - rule_host.len()
                };
                (specificity, n, *rule)
            })
            .collect();
        found.sort_by_key(|(specificity, n, _)| (*specificity, *n));
        found.into_iter().map(|(_, _, rule)| rule).collect()
    }

    /// True when some DestinationRule for `host` applies to namespace `viewer`:
    /// [`Mesh::destination_rules_for`], stopping at the first.
    pub fn has_destination_rule_for(&self, host: &str, viewer: &str, index: &Index<'o, 's>) -> bool {
        self.rules_applying(host, viewer, index).next().is_some()
    }

    /// The DestinationRules for `host` that apply to namespace `viewer`, with their positions
    /// and hosts, in scan order.
    fn rules_applying<'k>(
        &'k self,
        host: &'k str,
        viewer: &'k str,
        index: &'k Index<'o, 's>,
    ) -> impl Iterator<Item = (usize, &'k (String, DestinationRule<'o, 's>))> + 'k {
        self.rule_index
            .candidates(host)
            .into_iter()
            .filter_map(|n| Some((n, self.destination_rules.get(n)?)))
            .filter(move |(_, (rule_host, rule))| {
                covers(rule_host, host) && rule.export_to().admits(index.namespace_of(rule.object), viewer)
            })
    }

    /// True when the scan holds an Istio Gateway near `file`.
    pub fn has_gateways_near(&self, file: FileId, index: &Index<'_, '_>) -> bool {
        self.gateway_folders.near(index.folder_of(file))
    }

    /// True when the scan holds a DestinationRule near `file`.
    pub fn has_destination_rules_near(&self, file: FileId, index: &Index<'_, '_>) -> bool {
        self.rule_folders.near(index.folder_of(file))
    }
}

impl<'o, 's> Index<'o, 's> {
    /// What the scan says about the mesh.
    pub fn mesh(&self) -> &Mesh<'o, 's> {
        &self.mesh
    }

    /// Every Istio object of one kind, in scan order.
    pub fn istio_of_kind<'k>(&'k self, kind: &'k str) -> impl Iterator<Item = &'o Object<'s>> + 'k {
        self.of_kind(kind).filter(move |o| is_istio_kind(o, kind))
    }
}
