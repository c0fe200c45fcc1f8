//! K8S022 service-exposed-without-gateway.
use crate::model::{ImageRef, LabelSelector};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Service of `type: LoadBalancer` or `NodePort` that exposes an application
    /// directly instead of through the API gateway or ingress controller.
    ///
    /// The gateways themselves must be exposed, so a Service is exempt when it identifies one: a
    /// word of its name, namespace, labels or selector (keys or values), or of the image
    /// repository (registry host left out) of an app container of a workload it selects, is the
    /// name of a known gateway or
    /// ingress controller (`kong`, `ambassador`, `emissary`, `traefik`, `envoy`, `contour`,
    /// `haproxy`, `apisix`, `gloo`, `tyk`, `krakend`, `zuul`, `skipper`, `kgateway`, `higress`),
    /// or contains `gateway` or `ingress` (`istio: ingressgateway`, `ingress-nginx`,
    /// `api-gateway`, `gateway.networking.k8s.io/gateway-name`). A load balancer that a cloud
    /// annotation keeps internal (`service.beta.kubernetes.io/aws-load-balancer-internal`,
    /// `…/aws-load-balancer-scheme: internal`, `networking.gke.io/load-balancer-type: Internal`,
    /// `service.beta.kubernetes.io/azure-load-balancer-internal` and the like) is not public
    /// and is exempt too. So is a NodePort Service that an Ingress or a Gateway API route of the
    /// scan uses as a backend, or that an Argo Rollout with `trafficRouting` shifts traffic to:
    /// cloud ingress controllers (GKE Ingress, the AWS load balancer controller in instance mode)
    /// reach their backends through a NodePort, so that Service is behind the gateway. A
    /// LoadBalancer Service stays reported even then: it is reachable beside the gateway. The
    /// finding points at the `type` value.
    ///
    /// ## Why is this bad?
    /// A Service exposed straight to the network skips everything the gateway enforces:
    /// authentication, rate limiting, TLS termination, request logging. Each such Service is an
    /// extra entry point to secure and an extra cloud load balancer to pay for, and a NodePort
    /// opens the port on every node.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: { name: frontend }
    /// spec:
    ///   type: LoadBalancer
    ///   selector: { app: frontend }
    ///   ports: [{ port: 80, targetPort: 8080 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// metadata: { name: frontend }
    /// spec:
    ///   type: ClusterIP
    ///   selector: { app: frontend }
    ///   ports: [{ port: 80, targetPort: 8080 }]
    /// ```
    /// and route to it from the gateway (a Kong or Emissary route, an Ingress, an `HTTPRoute`).
    ///
    /// ## Guideline
    /// Seed 000, "API Gateway and External Access": public-facing services must be routed
    /// through an API gateway such as Kong or Ambassador. Seed 001, "7. Implement API Gateway":
    /// a single entry point for clients.
    pub ServiceExposedWithoutGateway {
        id: "K8S022",
        name: "service-exposed-without-gateway",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §API Gateway and External Access; seed 001 §7 Implement API Gateway",
    }
}

/// Words that name a gateway or ingress controller product.
const GATEWAY_PRODUCTS: &[&str] = &[
    "kong",
    "ambassador",
    "emissary",
    "traefik",
    "envoy",
    "contour",
    "haproxy",
    "apisix",
    "gloo",
    "tyk",
    "krakend",
    "zuul",
    "skipper",
    "kgateway",
    "higress",
];

/// Annotations that keep a cloud load balancer on the private network, with the value that does.
const INTERNAL_LOAD_BALANCER: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", ""),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        "intranet",
    ),
];

impl Rule for ServiceExposedWithoutGateway {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        if !object.api_group().is_empty() || object.kind() != "Service" {
            return;
        }
        let Some(service_type) = object.root.path(&["spec", "type"]) else {
            return;
        };
        let Some(exposure @ ("LoadBalancer" | "NodePort")) = service_type.as_text() else {
            return;
        };
        if is_internal_load_balancer(object) || identifies_gateway(object, cx) {
            return;
        }
        // Cloud ingress controllers (GKE Ingress, AWS ALB in instance mode) reach their backends
        // through a NodePort: such a Service is behind the ingress, not beside it.
        if exposure == "NodePort"
            && object.name().is_some_and(|name| {
                !cx.index
                    .routes_to_service(cx.index.namespace_of(object), name)
                    .is_empty()
            })
        {
            return;
        }
        out.report(
            service_type.span,
            format!(
                "Service `{}` is exposed as {exposure} instead of through an API gateway",
                object.qualified_name()
            ),
        )
        .help(
            "keep the Service inside the cluster and route external traffic to it through the \
             API gateway or an Ingress:\ntype: ClusterIP",
        )
        .object(ObjectRef::of(object));
    }
}

/// True when a cloud annotation makes the load balancer internal.
fn is_internal_load_balancer(object: &Object<'_>) -> bool {
    INTERNAL_LOAD_BALANCER.iter().any(|(key, internal)| {
        object.annotation(key).is_some_and(|value| {
            let value = value.trim();
            // The AWS "internal" annotation takes any value except false (historically 0.0.0.0/0).
            if internal.is_empty() {
                !value.eq_ignore_ascii_case("false")
            } else {
                value.eq_ignore_ascii_case(internal)
            }
        })
    })
}

/// True when the Service's name, namespace, labels, selector or selected images name a gateway.
fn identifies_gateway(object: &Object<'_>, cx: &Context<'_, '_>) -> bool {
    let namespace = cx.index.namespace_of(object);
    let selector_node = object.root.path(&["spec", "selector"]);
    let selector_pairs = crate::model::object::label_pairs(selector_node);
    let mut texts: Vec<&str> = vec![object.name().unwrap_or(""), namespace];
    for (key, value) in object.labels().chain(selector_pairs) {
        texts.push(key);
        texts.push(value);
    }
    if texts.iter().any(|t| names_gateway(t)) {
        return true;
    }
    let Some(selector) = LabelSelector::from_equality_map(selector_node) else {
        return false;
    };
    cx.index.selected_by(namespace, &selector).any(|workload| {
        workload.pod.app_containers().any(|container| {
            container
                .image()
                .and_then(|i| i.as_text())
                .is_some_and(|image| names_gateway(ImageRef::parse(image).path()))
        })
    })
}

/// True when a word of `text` is a gateway product, or contains `gateway` or `ingress`.
fn names_gateway(text: &str) -> bool {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| GATEWAY_PRODUCTS.contains(&word) || word.contains("gateway") || word.contains("ingress"))
}
