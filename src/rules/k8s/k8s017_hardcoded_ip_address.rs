//! K8S017 hardcoded-ip-address.
use crate::model::secrets::{host_ip_literals, name_words};
use crate::parse::yaml::{Entry, Node};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

/// Name words that say the value is an address block, a listening address, an access list or
/// a version number (`1.2.3.4` reads as an address), not the address of a service to connect to.
const NOT_A_PEER: &[&str] = &[
    "CIDR",
    "CIDRS",
    "SUBNET",
    "SUBNETS",
    "RANGE",
    "RANGES",
    "NETMASK",
    "MASK",
    "BIND",
    "LISTEN",
    "ALLOW",
    "ALLOWED",
    "ALLOWLIST",
    "WHITELIST",
    "DENY",
    "DENYLIST",
    "BLOCKLIST",
    "BLACKLIST",
    "TRUSTED",
    "VERSION",
];

declare_rule! {
    /// ## What it does
    /// Flags an environment variable `value` of a container (app, init or sidecar) or a
    /// ConfigMap `data` value, embedded files included, that holds an IPv4 address naming a
    /// host. Loopback (`127.x`), unspecified (`0.0.0.0`), link-local (`169.254.x`), broadcast
    /// and documentation addresses (`192.0.2.x`, `198.51.100.x`, `203.0.113.x`), CIDR blocks
    /// (`10.0.0.0/8`) and dotted version numbers are not hosts and are skipped. A finding points
    /// at the value, or for a multi-line value (an embedded file) at the key that holds it.
    ///
    /// A value is also skipped when its name says it is not a peer to connect to: an address
    /// block or listening address (a name with the word `CIDR`, `SUBNET`, `RANGE`, `NETMASK`,
    /// `MASK`, `BIND` or `LISTEN`), an access list (`ALLOW`, `ALLOWLIST`, `WHITELIST`, `DENY`,
    /// `BLOCKLIST`, `TRUSTED`, as in `TRUSTED_PROXIES`) or `NO_PROXY`. These name addresses the
    /// service compares against, not ones it uses to find other services. A name with the word
    /// `VERSION` holds a version, even one of four numbers (`APP_VERSION: 1.2.3.4`).
    ///
    /// ## Why is this bad?
    /// Pod and Service IPs change when pods are rescheduled, Services are recreated or the
    /// cluster is rebuilt in another region. A client wired to an address keeps calling it after
    /// it moved, bypasses the Service's load balancing and the mesh's routing, and fails in every
    /// environment but the one it was written for.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: ORDERS_URL
    ///     value: http://10.12.0.7:8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    ///   - name: ORDERS_URL
    ///     value: http://orders.shop.svc.cluster.local:8080
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §6 "Set up Service Discovery Mechanism": services find each other without
    /// hardcoding IPs. Seed 000, "Service Discovery and Routing": services must register and
    /// resolve via Kubernetes DNS.
    pub HardcodedIpAddress {
        id: "K8S017",
        name: "hardcoded-ip-address",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 001 §6 Set up Service Discovery Mechanism; seed 000 §Service Discovery and Routing",
    }
}

impl Rule for HardcodedIpAddress {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() == "ConfigMap" && object.api_group() == "" {
            let entries = object
                .root
                .get("data")
                .map(Node::merged_entries)
                .unwrap_or_default();
            for entry in entries {
                if let Some(key) = entry.key.as_str() {
                    let what = format!("ConfigMap `{}`, key `{key}`", object.qualified_name());
                    check_value(key, entry, &what, "DB_HOST: postgres", object, out);
                }
            }
            return;
        }
        let Some(workload) = Workload::of(object) else {
            return;
        };
        for var in workload.literal_env() {
            let what = format!(
                "{} `{}`, container `{}`: env var `{}`",
                workload.kind_name(),
                workload.qualified_name(),
                var.container.name(),
                var.name
            );
            check_value(var.name, var.value, &what, "value: postgres", object, out);
        }
    }
}

/// Reports the host addresses in one named value; `snippet` starts the fixed line of the help.
///
/// A one-line value is pointed at; a multi-line one (an embedded file) through its key, since
/// the value's own span starts at the first line of the file's content.
fn check_value(
    name: &str,
    entry: &Entry<'_>,
    what: &str,
    snippet: &str,
    object: &Object<'_>,
    out: &mut Findings,
) {
    let Some(text) = entry.value.as_text() else {
        return;
    };
    let words = name_words(name);
    let not_a_peer = words.iter().any(|w| NOT_A_PEER.contains(&w.as_str()))
        || words.windows(2).any(|pair| pair[0] == "NO" && pair[1] == "PROXY");
    if not_a_peer {
        return;
    }
    let mut addresses: Vec<&str> = Vec::new();
    for address in host_ip_literals(text).into_iter().filter_map(|r| text.get(r)) {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    let Some(first) = addresses.first() else {
        return;
    };
    const SHOWN: usize = 3;
    let mut listed = addresses
        .iter()
        .take(SHOWN)
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if addresses.len() > SHOWN {
        listed.push_str(&format!(" and {} more", addresses.len() - SHOWN));
    }
    let noun = if addresses.len() == 1 {
        "the IP address"
    } else {
        "the IP addresses"
    };
    let span = if text.trim_end().contains('\n') {
        entry.key.span
    } else {
        entry.value.span
    };
    out.report(span, format!("{what} holds {noun} {listed}"))
        .help(format!(
            "refer to the service by its Kubernetes DNS name, `<service>.<namespace>.svc`, \
             instead of `{first}`:\n{snippet}.data.svc.cluster.local",
            first = OneLine(first)
        ))
        .object(ObjectRef::of(object));
}
