//! The compliance matrix: per namespace and per service (workload), whether each guideline area
//! passes, fails (with its findings) or does not apply. `--format markdown` renders it.

use std::collections::{BTreeMap, BTreeSet};

use super::finding::Finding;
use crate::rules::{ObjectRef, RuleMeta, Severity};

/// A guideline area: a column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// Liveness and readiness probes.
    Probes,
    /// Requests and limits.
    Resources,
    /// Privileges, users, filesystems, host namespaces, RBAC.
    SecurityContext,
    /// Secrets in manifests, environments and images.
    Secrets,
    /// Pinned images and lean, safe Dockerfiles.
    ImageHygiene,
    /// Autoscalers only on stateless workloads, replicas.
    Autoscaling,
    /// PodDisruptionBudgets.
    DisruptionBudget,
    /// NetworkPolicies.
    NetworkPolicy,
    /// Mesh mTLS and injection.
    Mtls,
    /// Authentication, rate limits, CORS and TLS at the gateway.
    GatewayAuth,
}

impl Area {
    /// Every area, in column order.
    pub const ALL: [Area; 10] = [
        Area::Probes,
        Area::Resources,
        Area::SecurityContext,
        Area::Secrets,
        Area::ImageHygiene,
        Area::Autoscaling,
        Area::DisruptionBudget,
        Area::NetworkPolicy,
        Area::Mtls,
        Area::GatewayAuth,
    ];

    /// The column heading.
    pub fn title(self) -> &'static str {
        match self {
            Area::Probes => "probes",
            Area::Resources => "resources",
            Area::SecurityContext => "security context",
            Area::Secrets => "secrets",
            Area::ImageHygiene => "image hygiene",
            Area::Autoscaling => "autoscaling vs state",
            Area::DisruptionBudget => "disruption budget",
            Area::NetworkPolicy => "network policy",
            Area::Mtls => "mTLS",
            Area::GatewayAuth => "gateway auth & rate limit",
        }
    }

    /// The area a rule's findings count in; `None` for rules about correctness rather than one
    /// of the guideline areas (references that resolve, schema typos, parse errors).
    pub fn of_rule(id: &str) -> Option<Area> {
        RULE_AREAS
            .iter()
            .find(|(rule, _)| *rule == id)
            .map(|(_, area)| *area)
    }

    /// Whether the area judges a workload of this kind: probes not for run-to-completion pods,
    /// autoscaling and disruption budgets only for replicated workloads, mTLS only in a mesh,
    /// gateway settings never (they are judged at the routes).
    fn applies_to(self, workload: &InventoryWorkload, meshed: bool) -> bool {
        match self {
            Area::Probes => workload.long_running,
            Area::Autoscaling | Area::DisruptionBudget => workload.replicated,
            Area::Mtls => meshed,
            Area::GatewayAuth => false,
            _ => true,
        }
    }
}

/// The rules whose findings count in each area.
const RULE_AREAS: &[(&str, Area)] = &[
    ("K8S001", Area::Probes),
    ("K8S002", Area::Probes),
    ("K8S019", Area::Probes),
    ("K8S003", Area::Resources),
    ("K8S004", Area::Resources),
    ("K8S011", Area::SecurityContext),
    ("K8S012", Area::SecurityContext),
    ("K8S013", Area::SecurityContext),
    ("K8S024", Area::SecurityContext),
    ("K8S029", Area::SecurityContext),
    ("IST025", Area::SecurityContext),
    ("DF004", Area::SecurityContext),
    ("NS007", Area::SecurityContext),
    ("NS008", Area::SecurityContext),
    ("K8S005", Area::Secrets),
    ("K8S006", Area::Secrets),
    ("K8S026", Area::Secrets),
    ("SEC001", Area::Secrets),
    ("DF002", Area::Secrets),
    ("DF003", Area::Secrets),
    ("DF010", Area::Secrets),
    ("K8S014", Area::ImageHygiene),
    ("DF001", Area::ImageHygiene),
    ("DF005", Area::ImageHygiene),
    ("DF006", Area::ImageHygiene),
    ("DF007", Area::ImageHygiene),
    ("DF008", Area::ImageHygiene),
    ("DF009", Area::ImageHygiene),
    ("K8S007", Area::Autoscaling),
    ("K8S008", Area::Autoscaling),
    ("K8S009", Area::Autoscaling),
    ("K8S010", Area::Autoscaling),
    ("K8S016", Area::Autoscaling),
    ("NS004", Area::DisruptionBudget),
    ("NS005", Area::DisruptionBudget),
    ("NS006", Area::DisruptionBudget),
    ("NS001", Area::NetworkPolicy),
    ("NS002", Area::NetworkPolicy),
    ("NS003", Area::NetworkPolicy),
    ("IST001", Area::Mtls),
    ("IST002", Area::Mtls),
    ("IST003", Area::Mtls),
    ("IST010", Area::Mtls),
    ("IST018", Area::Mtls),
    ("GW001", Area::GatewayAuth),
    ("GW002", Area::GatewayAuth),
    ("GW003", Area::GatewayAuth),
    ("GW004", Area::GatewayAuth),
    ("K8S022", Area::GatewayAuth),
    ("K8S023", Area::GatewayAuth),
];

/// What the scan holds, so a report can say what passed as well as what failed.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The workloads of the files reported on.
    pub workloads: Vec<InventoryWorkload>,
    /// Namespaces whose routes (Ingress, Gateway API routes, VirtualServices, Mappings) the scan
    /// holds.
    pub routed_namespaces: BTreeSet<String>,
    /// True when the mesh rules ran.
    pub meshed: bool,
}

/// A workload of the inventory.
#[derive(Debug, Clone)]
pub struct InventoryWorkload {
    /// How findings name it.
    pub object: ObjectRef,
    /// Its namespace as resolved (metadata, kustomization, or the default).
    pub namespace: String,
    /// Runs until stopped (not a Job, CronJob or bare Pod).
    pub long_running: bool,
    /// Runs replicas a controller scales (Deployment, StatefulSet, ReplicaSet, Rollout).
    pub replicated: bool,
}

/// One cell of the matrix.
#[derive(Debug, Default)]
pub struct Cell<'f> {
    /// Whether the area judges the row at all.
    pub applies: bool,
    /// The findings of the area in the row.
    pub findings: Vec<&'f Finding>,
}

impl Cell<'_> {
    /// The cell as a report shows it: `—` when the area does not apply, `✅` when it passes,
    /// else the icon of the worst severity and the count of findings.
    pub fn text(&self) -> String {
        if !self.applies {
            return "—".to_owned();
        }
        match self.findings.iter().map(|f| f.severity).max() {
            None => "✅".to_owned(),
            Some(worst) => format!("{} {}", severity_icon(worst), self.findings.len()),
        }
    }
}

/// The icon reports show for a severity.
pub fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Note => "ℹ️",
    }
}

/// For each of [`Area::ALL`], whether one of its rules ran: an area none of whose rules ran
/// passes nothing and is shown as not checked.
pub fn checked_areas(rules: &[&RuleMeta]) -> Vec<bool> {
    Area::ALL
        .iter()
        .map(|area| rules.iter().any(|r| Area::of_rule(r.id) == Some(*area)))
        .collect()
}

/// A row: a namespace or a workload, with one cell per area.
#[derive(Debug)]
pub struct Row<'f> {
    /// `shop` or `Deployment shop/cart`.
    pub label: String,
    /// One cell per [`Area::ALL`] entry.
    pub cells: Vec<Cell<'f>>,
}

/// The matrix: a row per namespace and a row per workload.
#[derive(Debug)]
pub struct Matrix<'f> {
    /// One row per namespace holding workloads or routes, sorted.
    pub namespaces: Vec<Row<'f>>,
    /// One row per workload, sorted by namespace, kind and name.
    pub services: Vec<Row<'f>>,
    /// Findings of an area that belong to no namespace (Dockerfiles, Kong declarative files).
    pub elsewhere: Vec<&'f Finding>,
}

/// Builds the matrix from the findings and the inventory.
pub fn matrix<'f>(findings: &'f [Finding], inventory: &Inventory) -> Matrix<'f> {
    let empty_row = |label: String| Row {
        label,
        cells: Area::ALL.iter().map(|_| Cell::default()).collect(),
    };
    let mut namespaces: BTreeMap<String, Row<'f>> = BTreeMap::new();
    let mut services: Vec<(&InventoryWorkload, Row<'f>)> = Vec::new();
    for workload in &inventory.workloads {
        let mut row = empty_row(format!(
            "{} {}/{}",
            workload.object.kind,
            workload.namespace,
            workload.object.name.as_deref().unwrap_or("")
        ));
        let namespace = namespaces
            .entry(workload.namespace.clone())
            .or_insert_with(|| empty_row(workload.namespace.clone()));
        for (n, area) in Area::ALL.iter().enumerate() {
            let applies = area.applies_to(workload, inventory.meshed);
            row.cells[n].applies = applies;
            namespace.cells[n].applies |= applies;
        }
        services.push((workload, row));
    }
    for namespace in &inventory.routed_namespaces {
        let row = namespaces
            .entry(namespace.clone())
            .or_insert_with(|| empty_row(namespace.clone()));
        row.cells[column(Area::GatewayAuth)].applies = true;
    }
    let by_object: std::collections::HashMap<&ObjectRef, usize> = services
        .iter()
        .enumerate()
        .map(|(n, (workload, _))| (&workload.object, n))
        .collect();
    let mut elsewhere = Vec::new();
    for finding in findings {
        let Some(area) = Area::of_rule(finding.rule.id) else {
            continue;
        };
        let n = column(area);
        let owner = finding
            .object
            .as_ref()
            .and_then(|o| by_object.get(o).copied())
            .and_then(|n| services.get_mut(n));
        let namespace = match (&owner, &finding.object) {
            (Some((workload, _)), _) => Some(workload.namespace.clone()),
            (None, Some(o)) if o.kind == "Namespace" => o.name.clone(),
            (None, Some(o)) => o.namespace.clone(),
            (None, None) => None,
        };
        if let Some((_, row)) = owner {
            row.cells[n].applies = true;
            row.cells[n].findings.push(finding);
        }
        match namespace {
            Some(namespace) => {
                let row = namespaces
                    .entry(namespace.clone())
                    .or_insert_with(|| empty_row(namespace));
                row.cells[n].applies = true;
                row.cells[n].findings.push(finding);
            }
            None => elsewhere.push(finding),
        }
    }
    services.sort_by(|a, b| a.1.label.cmp(&b.1.label));
    Matrix {
        namespaces: namespaces.into_values().collect(),
        services: services.into_iter().map(|(_, row)| row).collect(),
        elsewhere,
    }
}

fn column(area: Area) -> usize {
    Area::ALL.iter().position(|a| *a == area).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::registry::ALL;

    #[test]
    fn every_rule_named_for_an_area_exists_and_every_area_has_rules() {
        let ids: Vec<&str> = ALL.iter().map(|r| r.meta().id).collect();
        for (id, _) in RULE_AREAS {
            assert!(ids.contains(id), "{id} is mapped to an area but is no rule");
        }
        for area in Area::ALL {
            assert!(RULE_AREAS.iter().any(|(_, a)| *a == area), "{area:?} has no rule");
        }
    }
}
