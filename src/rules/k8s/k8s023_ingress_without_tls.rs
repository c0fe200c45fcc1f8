//! K8S023 ingress-without-tls.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an Ingress (`networking.k8s.io` or the old `extensions/v1beta1`) without a
    /// non-empty `spec.tls`. The finding points at the Ingress's `metadata.name`, or at an empty
    /// `tls:` key.
    ///
    /// An Ingress whose annotations show that TLS is terminated and plain HTTP refused without
    /// `spec.tls` is exempt, because that is where the certificate lives for those controllers:
    /// an AWS load balancer certificate (`alb.ingress.kubernetes.io/certificate-arn`, or
    /// `listen-ports` with HTTPS), a GKE certificate (`ingress.gcp.kubernetes.io/pre-shared-cert`,
    /// `networking.gke.io/managed-certificates`) or `kubernetes.io/ingress.allow-http: "false"`,
    /// an Azure Application Gateway certificate (`appgw.ingress.kubernetes.io/appgw-ssl-certificate`),
    /// Traefik's `traefik.ingress.kubernetes.io/router.tls: "true"`, Kong's `konghq.com/protocols`
    /// listing only `https`/`grpcs`, and ingress-nginx's `force-ssl-redirect: "true"`, which
    /// ingress-nginx documents for TLS offloaded in front of the cluster. The plain
    /// `ssl-redirect` annotation does not count: it redirects only when `spec.tls` exists. The
    /// temporary Ingress cert-manager creates for an HTTP-01 challenge must serve HTTP and is
    /// exempt too.
    ///
    /// ## Why is this bad?
    /// Without TLS the ingress serves the application over plain HTTP: credentials, tokens and
    /// personal data cross the network readable by anyone on the path, and a client cannot tell
    /// the real service from an impostor.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// metadata: { name: shop }
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend: { service: { name: frontend, port: { number: 80 } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Ingress
    /// metadata: { name: shop }
    /// spec:
    ///   tls:
    ///     - hosts: [shop.example.com]
    ///       secretName: shop-tls
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend: { service: { name: frontend, port: { number: 80 } } }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": without a mesh, enforce TLS termination at ingress. Seed 003,
    /// "Production Checklist": data encrypted in transit.
    pub IngressWithoutTls {
        id: "K8S023",
        name: "ingress-without-tls",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 003 §Production Checklist (Security)",
    }
}

impl Rule for IngressWithoutTls {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() != "Ingress" || !matches!(object.api_group(), "networking.k8s.io" | "extensions") {
            return;
        }
        let spec = object.root.get("spec");
        let tls = spec.and_then(|s| s.entry("tls"));
        if tls.is_some_and(|t| !t.value.items().is_empty()) {
            return;
        }
        if tls_terminated_by_annotation(object) || is_acme_solver(object) {
            return;
        }
        let span = tls.map_or_else(|| object.name_span(), |t| t.key.span);
        out.report(
            span,
            format!(
                "Ingress `{}` has no tls section, so it serves plain HTTP",
                object.qualified_name()
            ),
        )
        .help(
            "terminate TLS at the ingress with a certificate Secret for its hosts:\n\
             spec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls",
        )
        .object(ObjectRef::of(object));
    }
}

/// True when a controller annotation shows TLS is terminated without `spec.tls`.
fn tls_terminated_by_annotation(object: &Object<'_>) -> bool {
    let is = |key: &str, expected: &str| {
        object
            .annotation(key)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
    };
    let has = |key: &str| object.annotation(key).is_some_and(|v| !v.trim().is_empty());
    let only_secure_protocols = object.annotation("konghq.com/protocols").is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .all(|p| p.eq_ignore_ascii_case("https") || p.eq_ignore_ascii_case("grpcs"))
    });
    has("alb.ingress.kubernetes.io/certificate-arn")
        || object
            .annotation("alb.ingress.kubernetes.io/listen-ports")
            .is_some_and(|v| v.to_ascii_uppercase().contains("HTTPS"))
        || has("ingress.gcp.kubernetes.io/pre-shared-cert")
        || has("networking.gke.io/managed-certificates")
        || is("kubernetes.io/ingress.allow-http", "false")
        || has("appgw.ingress.kubernetes.io/appgw-ssl-certificate")
        || is("traefik.ingress.kubernetes.io/router.tls", "true")
        || is("nginx.ingress.kubernetes.io/force-ssl-redirect", "true")
        || only_secure_protocols
}

/// True for the Ingress cert-manager creates to answer an ACME HTTP-01 challenge.
fn is_acme_solver(object: &Object<'_>) -> bool {
    object
        .labels()
        .any(|(key, value)| key == "acme.cert-manager.io/http01-solver" && value == "true")
}
