//! K8S022 service-exposed-without-gateway.
use crate::model::network::is_internal_load_balancer;
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
        if is_internal_load_balancer(object) || cx.index.service_identifies_gateway(object) {
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
