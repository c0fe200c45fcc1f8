//! IST018 tls-origination-without-ca.
use crate::model::mesh::{DestinationRule, Place};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule whose `tls.mode` is `SIMPLE` or `MUTUAL`, in the top-level
    /// `trafficPolicy` or one of its `portLevelSettings`, with neither `caCertificates` nor
    /// `credentialName` (a Secret that can hold the CA). The finding points at the mode's value.
    ///
    /// `ISTIO_MUTUAL` uses the mesh's own certificates and is never reported; subset policies
    /// are left alone, as `istioctl analyze` leaves them. Unlike `istioctl analyze`, a
    /// `credentialName` counts whether or not the rule has a `workloadSelector`.
    ///
    /// ## Why is this bad?
    /// The sidecar originates TLS without a CA to check the server's certificate against: older
    /// proxies do not verify it at all, newer ones fall back to the system's public roots, which
    /// no internal or private CA is part of. Either way the connection may reach an impostor.
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: db.example.com
    ///   trafficPolicy:
    ///     tls: { mode: SIMPLE }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: db.example.com
    ///   trafficPolicy:
    ///     tls:
    ///       mode: SIMPLE
    ///       caCertificates: /etc/certs/db-ca.pem
    ///       sni: db.example.com
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must be encrypted; seed 003, "Security":
    /// zero trust, which an unverified server certificate breaks.
    pub TlsOriginationWithoutCa {
        id: "IST018",
        name: "tls-origination-without-ca",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Security",
    }
}

impl Rule for TlsOriginationWithoutCa {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(rule) = DestinationRule::of(object) else {
            return;
        };
        for policy in rule
            .policies()
            .into_iter()
            .filter(|p| matches!(p.place, Place::TopLevel | Place::Port(_)))
        {
            let Some(tls) = policy.node.get("tls") else {
                continue;
            };
            let Some(mode) = tls
                .get("mode")
                .filter(|m| matches!(m.as_text(), Some("SIMPLE" | "MUTUAL")))
            else {
                continue;
            };
            if tls.get("caCertificates").is_some() || tls.get("credentialName").is_some() {
                continue;
            }
            out.report(
                mode.span,
                format!(
                    "DestinationRule `{}` originates TLS (`{}`, {}) without caCertificates or credentialName, so the server's certificate is not checked against its CA",
                    object.qualified_name(),
                    mode.as_str().unwrap_or_default(),
                    policy.place
                ),
            )
            .help(
                "give the sidecar the CA that signed the server's certificate:\n\
                 tls:\n  mode: SIMPLE\n  caCertificates: /etc/certs/db-ca.pem\n  sni: db.example.com",
            )
            .object(ObjectRef::of(object));
        }
    }
}
