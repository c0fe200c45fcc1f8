//! Istio host names: how a short name resolves, how wildcards match, and who can see what.
//!
//! Every IST rule that compares hosts goes through these functions, so they all read a host the
//! way Istio's control plane does.

use foldhash::HashMap;

use crate::parse::yaml::Node;

/// The cluster's DNS suffix Istio assumes for Kubernetes Services.
pub const CLUSTER_DOMAIN: &str = "svc.cluster.local";

/// A host as Istio resolves it relative to the namespace of the object that names it: a name
/// without a dot becomes `<name>.<namespace>.svc.cluster.local`; anything with a dot, `*`, and IP
/// addresses stay as written (`reviews.prod` is taken literally, as Istio does).
pub fn fqdn(host: &str, namespace: &str) -> String {
    if host.is_empty() || host == "*" || host.contains('.') || host.contains(':') {
        return host.to_ascii_lowercase();
    }
    format!("{}.{namespace}.{CLUSTER_DOMAIN}", host.to_ascii_lowercase())
}

/// The `(name, namespace)` of the Kubernetes Service a fully qualified host names
/// (`<name>.<namespace>.svc.cluster.local`), if it has that shape.
pub fn service_of(fqdn: &str) -> Option<(&str, &str)> {
    let rest = fqdn.strip_suffix(CLUSTER_DOMAIN)?.strip_suffix('.')?;
    let (name, namespace) = rest.split_once('.')?;
    (!namespace.contains('.') && !name.is_empty() && !name.starts_with('*')).then_some((name, namespace))
}

/// True when the host names something inside the cluster (a Kubernetes Service's name, or a
/// wildcard over them), as opposed to an external name reached through a ServiceEntry.
pub fn is_cluster_local(fqdn: &str) -> bool {
    fqdn.ends_with(".svc.cluster.local") || fqdn.ends_with(".cluster.local") || fqdn == "*.local"
}

/// Whether `pattern` covers `host`: equal names, or a wildcard (`*.example.com`, `*`) whose
/// suffix ends `host`. A wildcard `host` is covered only by a wildcard at least as wide.
pub fn covers(pattern: &str, host: &str) -> bool {
    if pattern == host || pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => {
            let host_suffix = host.strip_prefix('*').unwrap_or(host);
            host_suffix.len() > suffix.len() && host_suffix.ends_with(suffix)
                || (host.starts_with('*') && host_suffix == suffix)
        }
        None => false,
    }
}

/// Whether two hosts can name the same destination: one covers the other.
pub fn overlap(a: &str, b: &str) -> bool {
    covers(a, b) || covers(b, a)
}

/// Hosts, by position, found by the hosts that may overlap them, so that looking up many
/// hosts among many others does not compare each with each.
#[derive(Debug, Default)]
pub struct HostIndex {
    /// Every host added, by position.
    count: usize,
    /// Names that are no wildcard.
    exact: HashMap<String, Vec<usize>>,
    /// `*.example.com` under `.example.com`.
    by_suffix: HashMap<String, Vec<usize>>,
    /// Names and `*.` wildcards under each suffix of their name that starts with a dot:
    /// `shop.example.com` and `*.shop.example.com` under `.example.com` and `.com`, where a
    /// wildcard looks for the names it covers.
    under: HashMap<String, Vec<usize>>,
    /// `*`, wildcards whose suffix does not start with a dot (`*example.com`), and hosts longer
    /// than [`MAX_INDEXED_HOST`]: candidates for every host.
    other_wildcards: Vec<usize>,
}

/// The longest host kept under its suffixes, DNS's limit on a name: a host of thousands of dots
/// would otherwise be copied once per dot, and looked up once per dot.
const MAX_INDEXED_HOST: usize = 253;

impl HostIndex {
    /// Adds the host at the next position.
    pub fn add(&mut self, host: &str) {
        let position = self.count;
        self.count += 1;
        if Self::meets_every_host(host) {
            self.other_wildcards.push(position);
            return;
        }
        let name = match host.strip_prefix('*') {
            None => {
                self.exact.entry(host.to_owned()).or_default().push(position);
                host
            }
            Some(suffix) => {
                self.by_suffix
                    .entry(suffix.to_owned())
                    .or_default()
                    .push(position);
                &suffix[1..]
            }
        };
        for suffix in dot_suffixes(name) {
            self.under.entry(suffix.to_owned()).or_default().push(position);
        }
    }

    /// Whether a host may overlap any other: `*`, a wildcard whose suffix does not start with a
    /// dot, and a host longer than [`MAX_INDEXED_HOST`]; each is a candidate for every host,
    /// and every host is one for it.
    pub fn meets_every_host(host: &str) -> bool {
        host.len() > MAX_INDEXED_HOST
            || host
                .strip_prefix('*')
                .is_some_and(|suffix| !suffix.starts_with('.'))
    }

    /// The positions of the hosts that may overlap `host` (see [`overlap`]), ascending: every
    /// one for `*` and for a wildcard whose suffix does not start with a dot, which may end
    /// names anywhere, and for a host longer than [`MAX_INDEXED_HOST`].
    pub fn candidates(&self, host: &str) -> Vec<usize> {
        if Self::meets_every_host(host) {
            return (0..self.count).collect();
        }
        let (wider, covered) = match host.strip_prefix('*') {
            // A name: itself, and the wildcards over one of its suffixes.
            None => (dot_suffixes(host), self.exact.get(host)),
            // A `*.` wildcard: the wildcards over its suffix or a shorter one, and the names
            // and narrower wildcards under its suffix.
            Some(suffix) => (dot_suffixes(suffix), self.under.get(suffix)),
        };
        let mut found: Vec<usize> = wider
            .filter_map(|suffix| self.by_suffix.get(suffix))
            .chain(covered)
            .flatten()
            .chain(&self.other_wildcards)
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The suffixes of a name that start with a dot, longest first (`.shop.example.com`,
/// `.example.com`, `.com` of `api.shop.example.com`; the name itself when it starts with one).
fn dot_suffixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(|(at, _)| &name[at..])
}

/// An `exportTo` list: to whom an object is visible. Absent means everyone (Istio's default).
#[derive(Debug, Clone, Copy)]
pub struct ExportTo<'n, 's> {
    entries: Option<&'n Node<'s>>,
}

impl<'n, 's> ExportTo<'n, 's> {
    /// Reads `exportTo` from a spec (a list of `.`, `*`, `~` or namespace names).
    pub fn of(spec: Option<&'n Node<'s>>) -> Self {
        ExportTo {
            entries: spec
                .and_then(|s| s.get("exportTo"))
                .filter(|e| !e.items().is_empty()),
        }
    }

    /// Reads the `networking.istio.io/exportTo` annotation value of a Service (comma-separated).
    pub fn visible_by_annotation(annotation: Option<&str>, own: &str, viewer: &str) -> bool {
        match annotation {
            None => true,
            Some(list) => list
                .split(',')
                .map(str::trim)
                .any(|e| entry_admits(e, own, viewer)),
        }
    }

    /// Whether an object of namespace `own` is visible to objects of namespace `viewer`.
    pub fn admits(&self, own: &str, viewer: &str) -> bool {
        let Some(entries) = self.entries else {
            return true;
        };
        entries
            .items()
            .iter()
            .filter_map(Node::as_text)
            .any(|entry| entry_admits(entry, own, viewer))
    }

    /// The namespaces that see an object of namespace `own`, sorted and without repeats;
    /// `None` for every namespace.
    pub fn audience(&self, own: &'n str) -> Option<Vec<&'n str>> {
        let entries = self.entries?;
        let mut namespaces = Vec::new();
        for entry in entries.items().iter().filter_map(Node::as_text) {
            match entry {
                "*" => return None,
                "." => namespaces.push(own),
                "~" => {}
                namespace => namespaces.push(namespace),
            }
        }
        namespaces.sort_unstable();
        namespaces.dedup();
        Some(namespaces)
    }
}

/// True when some namespace is in both audiences (see [`ExportTo::audience`]).
pub fn audiences_meet(one: Option<&[&str]>, other: Option<&[&str]>) -> bool {
    match (one, other) {
        (None, None) => true,
        (None, Some(some)) | (Some(some), None) => !some.is_empty(),
        (Some(one), Some(other)) => one.iter().any(|n| other.binary_search(n).is_ok()),
    }
}

fn entry_admits(entry: &str, own: &str, viewer: &str) -> bool {
    match entry {
        "*" => true,
        "." => own == viewer,
        "~" => false,
        namespace => namespace == viewer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_resolve_in_the_objects_namespace_and_dotted_names_stay() {
        assert_eq!(fqdn("reviews", "shop"), "reviews.shop.svc.cluster.local");
        assert_eq!(fqdn("reviews.prod", "shop"), "reviews.prod");
        assert_eq!(
            fqdn("Reviews.prod.svc.cluster.local", "x"),
            "reviews.prod.svc.cluster.local"
        );
        assert_eq!(fqdn("*", "x"), "*");
        assert_eq!(fqdn("10.0.0.1", "x"), "10.0.0.1");
    }

    #[test]
    fn service_names_come_back_out_of_an_fqdn() {
        assert_eq!(
            service_of("reviews.shop.svc.cluster.local"),
            Some(("reviews", "shop"))
        );
        assert_eq!(service_of("*.shop.svc.cluster.local"), None);
        assert_eq!(service_of("api.example.com"), None);
    }

    #[test]
    fn wildcards_cover_longer_names_and_narrower_wildcards() {
        assert!(covers("*.example.com", "api.example.com"));
        assert!(covers("*.example.com", "a.b.example.com"));
        assert!(covers("*.example.com", "*.b.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.b.example.com", "*.example.com"));
        assert!(!covers("api.example.com", "*.example.com"));
        assert!(overlap("api.example.com", "*.example.com"));
        assert!(covers("*", "anything"));
    }

    #[test]
    fn export_to_follows_the_dot_star_and_tilde_entries() {
        let stream = crate::parse::yaml::parse_for_test(
            "a: {exportTo: ['.']}\nb: {exportTo: [other, '~']}\nc: {exportTo: ['~']}\n",
        );
        let root = &stream.documents[0].root;
        let own = ExportTo::of(root.get("a"));
        assert!(own.admits("shop", "shop") && !own.admits("shop", "web"));
        let other = ExportTo::of(root.get("b"));
        assert!(other.admits("shop", "other") && !other.admits("shop", "shop"));
        assert!(ExportTo::of(None).admits("shop", "web"));
        assert!(!ExportTo::visible_by_annotation(Some("."), "shop", "web"));
        assert!(ExportTo::visible_by_annotation(Some("web, db"), "shop", "web"));
        let hidden = ExportTo::of(root.get("c"));
        let everyone = ExportTo::of(None);
        let meet = |one: &ExportTo<'_, '_>, own: &str, other: &ExportTo<'_, '_>, other_own: &str| {
            audiences_meet(one.audience(own).as_deref(), other.audience(other_own).as_deref())
        };
        assert!(meet(&own, "shop", &everyone, "web"));
        assert!(!meet(&own, "shop", &own, "web"));
        assert!(meet(&other, "shop", &own, "other"));
        assert!(!meet(&hidden, "shop", &everyone, "web"));
        assert_eq!(
            ExportTo::of(root.get("b")).audience("shop"),
            Some(vec!["other"]),
            "`~` adds nobody"
        );
    }

    #[test]
    fn indexed_hosts_are_candidates_for_the_names_they_may_overlap() {
        let mut index = HostIndex::default();
        for host in [
            "a.shop.svc.cluster.local",
            "*.shop.svc.cluster.local",
            "*",
            "*op.svc.cluster.local",
            "b.example.com",
            "*.example.com",
        ] {
            index.add(host);
        }
        assert_eq!(index.candidates("a.shop.svc.cluster.local"), [0, 1, 2, 3]);
        assert_eq!(index.candidates("b.example.com"), [2, 3, 4, 5]);
        assert_eq!(index.candidates("example.com"), [2, 3]);
        assert_eq!(index.candidates("*.example.com"), [2, 3, 4, 5]);
        assert_eq!(index.candidates("*.svc.cluster.local"), [0, 1, 2, 3]);
        assert_eq!(index.candidates("*.a.shop.svc.cluster.local"), [1, 2, 3]);
        assert_eq!(index.candidates("*example.com"), [0, 1, 2, 3, 4, 5]);
        assert_eq!(index.candidates("*"), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn every_host_that_overlaps_is_a_candidate() {
        let hosts = [
            "*",
            "*.com",
            "example.com",
            "*.example.com",
            "shop.example.com",
            "*.shop.example.com",
            "api.shop.example.com",
            "*.api.shop.example.com",
            "*op.example.com",
            "*example.com",
            ".example.com",
            "*..example.com",
            "shop.example.org",
            "*.org",
            "*.shop.svc.cluster.local",
            "reviews.shop.svc.cluster.local",
            "*.cluster.local",
            "10.0.0.1",
        ];
        let mut index = HostIndex::default();
        for host in hosts {
            index.add(host);
        }
        for query in hosts {
            let candidates = index.candidates(query);
            for (position, host) in hosts.iter().enumerate() {
                if overlap(query, host) {
                    assert!(candidates.contains(&position), "{host} overlaps {query}");
                }
            }
        }
        // Found by an index, not by listing everything.
        assert_eq!(index.candidates("*.shop.example.com"), [0, 1, 3, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn hosts_past_the_dns_limit_are_candidates_for_everything_and_see_everything() {
        let long = format!("{}example.com", "a.".repeat(200_000));
        let mut index = HostIndex::default();
        for host in ["shop.example.com", &long, "*.example.com"] {
            index.add(host);
        }
        assert!(index.under.keys().all(|suffix| suffix.len() <= MAX_INDEXED_HOST));
        assert_eq!(index.candidates("other.example.org"), [1]);
        assert_eq!(index.candidates(&long), [0, 1, 2]);
        assert_eq!(index.candidates(&format!("*.{long}")), [0, 1, 2]);
    }
}
