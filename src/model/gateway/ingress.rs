//! Ingress as a gateway: its controller class, its backends, and the auth, rate-limit and CORS
//! annotations of ingress-nginx.

use crate::model::object::Object;
use crate::parse::yaml::Node;

/// ingress-nginx annotations that put authentication in front of the backends.
const NGINX_AUTH: &[&str] = &[
    "nginx.ingress.kubernetes.io/auth-url",
    "nginx.ingress.kubernetes.io/auth-type",
    "nginx.ingress.kubernetes.io/auth-tls-secret",
    "nginx.ingress.kubernetes.io/auth-signin",
];

/// ingress-nginx annotations that limit the request or connection rate.
const NGINX_RATE_LIMIT: &[&str] = &[
    "nginx.ingress.kubernetes.io/limit-rps",
    "nginx.ingress.kubernetes.io/limit-rpm",
    "nginx.ingress.kubernetes.io/limit-connections",
    "nginx.ingress.kubernetes.io/global-rate-limit",
];

/// A `networking.k8s.io` (or old `extensions`) Ingress.
#[derive(Debug, Clone, Copy)]
pub struct Ingress<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

/// A port of a Service backend (an Ingress backend, a route's `backendRefs` entry, an Emissary
/// Mapping's address): a number or a port name.
#[derive(Debug, Clone, Copy)]
pub enum BackendPort<'n, 's> {
    /// `port.number` (or an integer `servicePort`).
    Number(i64, &'n Node<'s>),
    /// `port.name` (or a string `servicePort`).
    Name(&'n str, &'n Node<'s>),
}

/// A Service backend of an Ingress.
#[derive(Debug, Clone, Copy)]
pub struct IngressBackend<'n, 's> {
    /// The Service name's node.
    pub name: &'n Node<'s>,
    /// The port, when given.
    pub port: Option<BackendPort<'n, 's>>,
}

impl<'o, 's> Ingress<'o, 's> {
    /// The view of an Ingress.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.kind() == "Ingress" && matches!(object.api_group(), "networking.k8s.io" | "extensions"))
            .then_some(Ingress { object })
    }

    /// `spec.ingressClassName`, else the `kubernetes.io/ingress.class` annotation.
    pub fn class(&self) -> Option<&'o str> {
        self.object
            .root
            .path(&["spec", "ingressClassName"])
            .and_then(Node::as_text)
            .or_else(|| self.object.annotation("kubernetes.io/ingress.class"))
    }

    /// True when ingress-nginx serves it: its class names `nginx`.
    pub fn is_nginx(&self) -> bool {
        self.class().is_some_and(|c| c.contains("nginx"))
    }

    /// True when an ingress-nginx annotation authenticates requests.
    pub fn nginx_authenticates(&self) -> bool {
        NGINX_AUTH.iter().any(|key| self.object.annotation(key).is_some())
    }

    /// True when an ingress-nginx annotation limits the rate.
    pub fn nginx_limits_rate(&self) -> bool {
        NGINX_RATE_LIMIT
            .iter()
            .any(|key| self.object.annotation(key).is_some())
    }

    /// An ingress-nginx annotation's value node.
    pub fn nginx_annotation(&self, name: &str) -> Option<&'o Node<'s>> {
        self.object.root.path(&[
            "metadata",
            "annotations",
            &format!("nginx.ingress.kubernetes.io/{name}"),
        ])
    }

    /// Every rule's `http.paths` entries.
    fn rule_paths(&self) -> impl Iterator<Item = &'o Node<'s>> {
        self.object
            .root
            .path(&["spec", "rules"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .flat_map(|rule| rule.path(&["http", "paths"]).map(Node::items).unwrap_or_default())
    }

    /// Every Service backend: `defaultBackend` (or `backend`) and each rule path's.
    pub fn backends(&self) -> Vec<IngressBackend<'o, 's>> {
        let spec = self.object.root.get("spec");
        spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend")))
            .into_iter()
            .chain(self.rule_paths().filter_map(|path| path.get("backend")))
            .filter_map(backend)
            .collect()
    }

    /// The paths of its rules, for messages.
    pub fn paths(&self) -> Vec<&'o str> {
        self.rule_paths().filter_map(|path| path.str_at("path")).collect()
    }

    /// True when its rules match only health-check paths.
    pub fn only_health_paths(&self) -> bool {
        super::only_health_paths(&self.paths())
    }
}

/// A backend's Service, in the v1 form (`service.name`, `service.port.number|name`) or the old
/// one (`serviceName`, `servicePort`).
fn backend<'n, 's>(node: &'n Node<'s>) -> Option<IngressBackend<'n, 's>> {
    if let Some(service) = node.get("service") {
        let port = service.get("port").and_then(|p| {
            if let Some(number) = p.get("number") {
                number.as_i64().map(|n| BackendPort::Number(n, number))
            } else {
                let name = p.get("name")?;
                name.as_text().map(|n| BackendPort::Name(n, name))
            }
        });
        return Some(IngressBackend {
            name: service.get("name")?,
            port,
        });
    }
    // A quoted number is still a number to the old API's IntOrString.
    let port = node.get("servicePort").and_then(|p| {
        let text = p.as_text()?;
        Some(match text.trim().parse::<i64>() {
            Ok(number) => BackendPort::Number(number, p),
            Err(_) => BackendPort::Name(text, p),
        })
    });
    Some(IngressBackend {
        name: node.get("serviceName")?,
        port,
    })
}
