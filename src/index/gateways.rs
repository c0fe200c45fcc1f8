//! Gateway lookups: Kong plugin resources by name and attachment, Gateway API Gateways, the
//! routes attached to them, and ReferenceGrants.

use std::collections::HashMap;

use super::Index;
use crate::model::gateway::PluginClass;
use crate::model::gateway::api::{AllowedNamespaces, Gateway, Listener, Reference, Route};
use crate::model::gateway::emissary::Mapping;
use crate::model::gateway::ingress::Ingress;
use crate::model::gateway::kong_k8s::{self, KongPluginResource};
use crate::model::mesh::host::fqdn;
use crate::model::mesh::{IstioGateway, VirtualService};
use crate::model::{ImageRef, LabelSelector, Object, Workload};
use crate::parse::yaml::Node;

/// The routes whose `parentRefs` name each Gateway, by (namespace, name), with the reference.
pub type AttachedRoutes<'o, 's> = HashMap<(&'o str, &'o str), Vec<(Route<'o, 's>, Reference<'o, 's>)>>;

/// The entry routes found by host or address rather than by a Service's own namespace:
/// Emissary Mappings and ingress-bound VirtualServices (see [`Index::entry_route_lookup`]).
#[derive(Debug, Default)]
pub struct EntryRoutes<'o, 's> {
    /// Emissary Mappings by (namespace, Service name).
    mappings: HashMap<(&'o str, &'o str), Vec<&'o Object<'s>>>,
    /// Ingress-bound VirtualServices by destination FQDN.
    virtual_services: HashMap<String, Vec<&'o Object<'s>>>,
}

impl<'o, 's> Index<'o, 's> {
    /// The plugin a `konghq.com/plugins` name resolves to for an object of `namespace`: the
    /// KongPlugin of that namespace, else the cluster-scoped KongClusterPlugin; `ns:name`, the
    /// KongPlugin of namespace `ns`.
    pub fn kong_plugin(&self, namespace: &str, name: &str) -> Option<KongPluginResource<'o, 's>> {
        let (plugin_namespace, plugin_name) = kong_k8s::plugin_reference(name, namespace);
        self.find(plugin_namespace, "KongPlugin", plugin_name)
            .or_else(|| {
                (plugin_namespace == namespace).then(|| self.find("", "KongClusterPlugin", plugin_name))?
            })
            .and_then(KongPluginResource::of)
    }

    /// Every KongPlugin and KongClusterPlugin of the scan, in scan order.
    pub fn kong_plugins(&self) -> impl Iterator<Item = KongPluginResource<'o, 's>> + '_ {
        self.of_kind("KongPlugin")
            .chain(self.of_kind("KongClusterPlugin"))
            .filter_map(KongPluginResource::of)
    }

    /// The enabled plugins an object's `konghq.com/plugins` annotation attaches, and a route's
    /// `ExtensionRef` filters (on any of its rules).
    pub fn attached_kong_plugins(&self, object: &Object<'_>) -> Vec<KongPluginResource<'o, 's>> {
        let namespace = self.namespace_of(object);
        let annotated = kong_k8s::attached_plugins(object)
            .into_iter()
            .map(|(name, _)| name);
        let filters = Route::of(object)
            .map(|route| kong_k8s::extension_plugins(&route))
            .unwrap_or_default();
        annotated
            .chain(filters.into_iter().map(|(name, _)| name))
            .filter_map(|name| self.kong_plugin(namespace, name))
            .filter(KongPluginResource::enabled)
            .collect()
    }

    /// True when the scan shows that Kong does this job for an object: an enabled plugin of the
    /// class as a KongPlugin of its namespace or as any KongClusterPlugin, in a file of the
    /// object's directory line (see [`Index::related_files`]).
    pub fn kong_does(&self, object: &Object<'_>, class: PluginClass) -> bool {
        self.in_namespace(self.namespace_of(object), "KongPlugin")
            .chain(self.of_kind("KongClusterPlugin"))
            .filter(|p| self.related_files(p, object))
            .filter_map(KongPluginResource::of)
            .any(|p| p.enabled() && p.class() == class)
    }

    /// True when a global KongClusterPlugin (label `global: "true"`) of this class is enabled:
    /// it runs on every request Kong serves.
    pub fn kong_global_plugin(&self, class: PluginClass) -> bool {
        self.of_kind("KongClusterPlugin")
            .filter_map(KongPluginResource::of)
            .any(|p| p.is_global() && p.enabled() && p.class() == class)
    }

    /// Whether an enabled plugin of this class is attached to an Ingress or route or to one of
    /// its backend `services`. A global plugin is [`Index::kong_global_plugin`].
    pub fn kong_attached(&self, object: &Object<'_>, services: &[&Object<'_>], class: PluginClass) -> bool {
        std::iter::once(object)
            .chain(services.iter().copied())
            .any(|o| self.attached_kong_plugins(o).iter().any(|p| p.class() == class))
    }

    /// True when an IngressClass or GatewayClass name is Kong's: it says so, or the class of
    /// that name in the scan has Kong's controller.
    pub fn is_kong_class(&self, kind: &str, name: &str) -> bool {
        let controller = |class: &Object<'_>| {
            let spec = class.root.get("spec");
            spec.and_then(|s| s.str_at("controller").or_else(|| s.str_at("controllerName")))
                .is_some_and(kong_k8s::names_kong)
        };
        kong_k8s::names_kong(name) || self.find("", kind, name).is_some_and(controller)
    }

    /// True when Kong serves an Ingress or Gateway API route: a Kong class, a `konghq.com/`
    /// annotation, or (a route) a parent Gateway of a Kong GatewayClass in the scan.
    pub fn served_by_kong(&self, object: &Object<'_>) -> bool {
        if kong_k8s::has_kong_annotations(object) {
            return true;
        }
        if let Some(ingress) = Ingress::of(object) {
            return ingress
                .class()
                .is_some_and(|c| self.is_kong_class("IngressClass", c));
        }
        let Some(route) = Route::of(object) else {
            return false;
        };
        route.parent_refs().iter().any(|parent| {
            self.parent_gateway(object, parent)
                .and_then(|g| g.class_name())
                .is_some_and(|class| self.is_kong_class("GatewayClass", class))
        })
    }

    /// The Gateway a route's parent reference names, when it is a Gateway in the scan.
    pub fn parent_gateway(&self, route: &Object<'_>, parent: &Reference<'_, '_>) -> Option<Gateway<'o, 's>> {
        if !parent.is_gateway() {
            return None;
        }
        let namespace = parent.namespace().unwrap_or_else(|| self.namespace_of(route));
        self.find(namespace, "Gateway", parent.name()?)
            .and_then(Gateway::of)
    }

    /// Every Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute), by kind
    /// then in scan order.
    pub fn gateway_routes(&self) -> impl Iterator<Item = Route<'o, 's>> + '_ {
        crate::model::gateway::api::ROUTE_KINDS
            .iter()
            .flat_map(|kind| self.of_kind(kind))
            .filter_map(Route::of)
    }

    /// Every Gateway API route by the Gateway its `parentRefs` name, built in one pass.
    pub fn routes_by_gateway(&self) -> AttachedRoutes<'o, 's> {
        let mut attached: AttachedRoutes<'o, 's> = HashMap::new();
        for route in self.gateway_routes() {
            let namespace = self.scan_namespace_of(route.object);
            for parent in route.parent_refs() {
                if let (true, Some(name)) = (parent.is_gateway(), parent.name()) {
                    let key = (parent.namespace().unwrap_or(namespace), name);
                    attached.entry(key).or_default().push((route, parent));
                }
            }
        }
        attached
    }

    /// Whether a listener of a Gateway in `gateway_namespace` admits routes of
    /// `route_namespace`; `None` when that depends on the labels of a Namespace the scan does
    /// not hold.
    pub fn listener_admits_namespace(
        &self,
        listener: &Listener<'_, '_>,
        gateway_namespace: &str,
        route_namespace: &str,
    ) -> Option<bool> {
        match listener.allowed_namespaces() {
            AllowedNamespaces::All => Some(true),
            AllowedNamespaces::Same => Some(gateway_namespace == route_namespace),
            AllowedNamespaces::Selector(None) => Some(false),
            AllowedNamespaces::Selector(Some(selector)) => {
                let namespace = self.find("", "Namespace", route_namespace)?;
                // Kubernetes labels every Namespace with its own name.
                let own = ("kubernetes.io/metadata.name", route_namespace);
                Some(selector.matches(namespace.labels().chain(std::iter::once(own))))
            }
        }
    }

    /// True when a ReferenceGrant of `namespace` lets `from` (group, kind, namespace) refer to
    /// `to` (group, kind, name) there.
    pub fn reference_granted(
        &self,
        namespace: &str,
        from: (&str, &str, &str),
        to: (&str, &str, &str),
    ) -> bool {
        ["ReferenceGrant", "ReferencePolicy"]
            .iter()
            .flat_map(|kind| self.in_namespace(namespace, kind))
            .filter_map(crate::model::gateway::api::ReferenceGrant::of)
            .any(|grant| grant.allows(from, to))
    }

    /// Every object of a kind, namespace and name, in scan order. A scan of many projects often
    /// holds the same identity more than once (`example-gateway` in every example); those in
    /// `near`'s file come first, and only they when there are any.
    pub fn all_of(&self, namespace: &str, kind: &str, name: &str, near: &Object<'_>) -> Vec<&'o Object<'s>> {
        let found: Vec<&'o Object<'s>> = self
            .named(name)
            .filter(|o| o.kind() == kind && self.namespace_of(o) == namespace)
            .collect();
        let same_file: Vec<&'o Object<'s>> = found.iter().copied().filter(|o| o.file == near.file).collect();
        if same_file.is_empty() { found } else { same_file }
    }

    /// The candidates nearest to `near`: those in its file, else those in its folder, else
    /// those on its directory line (see [`Index::related_files`]); none when every candidate
    /// lies elsewhere. A scan of many projects, or of one with variants side by side, holds
    /// look-alike objects in one namespace: the nearest are the ones that belong with `near`.
    pub fn nearest(
        &self,
        candidates: impl IntoIterator<Item = &'o Object<'s>>,
        near: &Object<'_>,
    ) -> Vec<&'o Object<'s>> {
        let candidates: Vec<&'o Object<'s>> = candidates.into_iter().collect();
        let folder = self.folder_of(near.file);
        // Each tier lies within the next, so the cheapest test goes first.
        let tiers: [&dyn Fn(&Object<'_>) -> bool; 3] = [
            &|o| o.file == near.file,
            &|o| self.folder_of(o.file) == folder,
            &|o| self.related_files(o, near),
        ];
        tiers
            .iter()
            .map(|tier| candidates.iter().copied().filter(|o| tier(o)).collect::<Vec<_>>())
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// True when two objects' files share a directory line: one sits in the other's directory
    /// or below it. Evidence from an unrelated project of the same scan does not count.
    pub fn related_files(&self, a: &Object<'_>, b: &Object<'_>) -> bool {
        self.encloses(a, b) || self.encloses(b, a)
    }

    /// True when the scan holds any object of this namespace.
    pub fn holds_namespace(&self, namespace: &str) -> bool {
        self.by_namespace_kind.contains_key(namespace)
    }

    /// True when the scan holds an object of this kind in this namespace on `referrer`'s
    /// directory line (see [`Index::related_files`]): evidence that the project `referrer`
    /// belongs to manages such objects itself, so one it names and lacks is missing.
    pub fn holds_related(&self, namespace: &str, kind: &str, referrer: &Object<'_>) -> bool {
        self.kind_folders
            .get(&(namespace, kind))
            .is_some_and(|folders| folders.on_line_of(self.folder_of(referrer.file)))
    }

    /// The objects that bring traffic from outside the cluster to the Service `name` of
    /// `namespace`: the Ingresses and Gateway API routes of [`Index::routes_to_service`] (not
    /// the Argo Rollouts it lists, which only shift traffic between two Services), Kong
    /// `TCPIngress` and `UDPIngress` with it as a backend, Emissary Mappings whose `service`
    /// names it, and VirtualServices bound to an Istio Gateway (not only to `mesh`, and not
    /// only to Gateways of the scan that run on egress pods) with a route destination that
    /// resolves to it; the last two from `lookup`, built once by [`Index::entry_route_lookup`].
    pub fn entry_routes_to_service(
        &self,
        lookup: &EntryRoutes<'o, 's>,
        namespace: &str,
        name: &str,
    ) -> Vec<&'o Object<'s>> {
        let mut routes: Vec<&'o Object<'s>> = self
            .routes_to_service(namespace, name)
            .into_iter()
            .filter(|route| route.kind() != "Rollout")
            .collect();
        let kong_backend =
            |rule: &Node<'_>| rule.path(&["backend", "serviceName"]).and_then(Node::as_text) == Some(name);
        routes.extend(
            ["TCPIngress", "UDPIngress"]
                .iter()
                .flat_map(|kind| self.in_namespace(namespace, kind))
                .filter(|ingress| {
                    ingress.api_group() == "configuration.konghq.com"
                        && ingress
                            .root
                            .path(&["spec", "rules"])
                            .map(Node::items)
                            .unwrap_or_default()
                            .iter()
                            .any(kong_backend)
                }),
        );
        routes.extend(lookup.mappings.get(&(namespace, name)).into_iter().flatten());
        routes.extend(
            lookup
                .virtual_services
                .get(fqdn(name, namespace).as_str())
                .into_iter()
                .flatten(),
        );
        routes
    }

    /// The Emissary Mappings by the Service they send to, and the VirtualServices bound to an
    /// ingress gateway by the fully qualified host of each destination, each walked once, for
    /// [`Index::entry_routes_to_service`].
    pub fn entry_route_lookup(&self) -> EntryRoutes<'o, 's> {
        let mut lookup = EntryRoutes::default();
        for mapping in self.of_kind("Mapping") {
            if let Some((address, _)) = Mapping::of(mapping).and_then(|m| m.service()) {
                let namespace = address
                    .namespace
                    .unwrap_or_else(|| self.scan_namespace_of(mapping));
                lookup
                    .mappings
                    .entry((namespace, address.name))
                    .or_default()
                    .push(mapping);
            }
        }
        for service in self
            .istio_of_kind("VirtualService")
            .filter_map(VirtualService::of)
        {
            if !self.binds_ingress_gateway(&service) {
                continue;
            }
            let own = self.namespace_of(service.object);
            for route in service.all_routes() {
                for host in route.destinations().filter_map(|d| d.fqdn(own)) {
                    let list = lookup.virtual_services.entry(host).or_default();
                    if !list
                        .last()
                        .is_some_and(|last| std::ptr::eq(*last, service.object))
                    {
                        list.push(service.object);
                    }
                }
            }
        }
        lookup
    }

    /// True when a VirtualService's `gateways` names an Istio Gateway that is not, as far as the
    /// scan shows, an egress gateway.
    fn binds_ingress_gateway(&self, service: &VirtualService<'_, '_>) -> bool {
        service
            .gateway_references(self.namespace_of(service.object))
            .any(|(_, (namespace, name))| {
                !self
                    .find(namespace, "Gateway", name)
                    .and_then(IstioGateway::of)
                    .is_some_and(|gateway| gateway.selects_egress())
            })
    }

    /// True when a Service identifies a gateway or ingress controller: a word of its name,
    /// namespace, labels or selector (keys or values), or of the image repository (registry
    /// host left out) of an app container of a workload it selects, is a known gateway product
    /// or contains `gateway` or `ingress`.
    pub fn service_identifies_gateway(&self, object: &Object<'_>) -> bool {
        let namespace = self.namespace_of(object);
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
        // What the Services of the scan select is known, and whether it runs a gateway is
        // worked out once for every Service sharing the selection: a scan of many copies of a
        // project holds each Service as often as the workloads it selects. An ExternalName
        // Service's selector, or every selector past the cap, is matched here.
        if let Some(selection) = self.service_selection(object) {
            let runs = || selection.workloads().any(runs_gateway);
            return match self.service_selections().runs_gateway.get(selection.id) {
                Some(known) => *known.get_or_init(runs),
                None => runs(),
            };
        }
        let Some(selector) = LabelSelector::from_equality_map(selector_node) else {
            return false;
        };
        self.selected_by(namespace, &selector).any(runs_gateway)
    }
}

/// True when an app container of the workload runs an image whose repository (registry host
/// left out) names a gateway (see [`names_gateway`]).
fn runs_gateway(workload: Workload<'_, '_>) -> bool {
    workload.pod.app_containers().any(|container| {
        container
            .image()
            .and_then(|i| i.as_text())
            .is_some_and(|image| names_gateway(ImageRef::parse(image).path()))
    })
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

/// True when a word of `text` is a gateway product, or contains `gateway` or `ingress`, in any
/// case.
fn names_gateway(text: &str) -> bool {
    let holds = |word: &[u8], part: &str| {
        word.windows(part.len())
            .any(|window| window.eq_ignore_ascii_case(part.as_bytes()))
    };
    text.as_bytes().split(|b| !b.is_ascii_alphanumeric()).any(|word| {
        GATEWAY_PRODUCTS
            .iter()
            .any(|product| word.eq_ignore_ascii_case(product.as_bytes()))
            || holds(word, "gateway")
            || holds(word, "ingress")
    })
}

#[cfg(test)]
mod tests {
    use super::names_gateway;
    use crate::index::Index;
    use crate::model::object::parse_objects;

    #[test]
    fn services_sharing_a_selection_identify_a_gateway_by_the_images_it_selects() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: { name: edge }
spec:
  template:
    metadata: { labels: { app: edge } }
    spec: { containers: [{ name: proxy, image: docker.io/library/kong:3.6 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  template:
    metadata: { labels: { app: shop } }
    spec: { containers: [{ name: shop, image: registry.example/shop:1.0 }] }
---
{ apiVersion: v1, kind: Service, metadata: { name: edge-a }, spec: { selector: { app: edge } } }
---
{ apiVersion: v1, kind: Service, metadata: { name: edge-b }, spec: { selector: { app: edge } } }
---
{ apiVersion: v1, kind: Service, metadata: { name: shop-a }, spec: { selector: { app: shop } } }
---
{ apiVersion: v1, kind: Service, metadata: { name: shop-b }, spec: { selector: { app: shop } } }
";
        let objects = parse_objects(text);
        let index = Index::new(&objects, vec!["all.yaml"], "default");
        index.select_workloads_now();
        let identified: Vec<(&str, bool)> = objects
            .iter()
            .filter(|o| o.kind() == "Service")
            .map(|o| (o.name().unwrap_or(""), index.service_identifies_gateway(o)))
            .collect();
        assert_eq!(
            identified,
            [
                ("edge-a", true),
                ("edge-b", true),
                ("shop-a", false),
                ("shop-b", false)
            ]
        );
    }

    #[test]
    fn a_gateway_is_named_by_a_whole_product_word_or_a_word_holding_gateway_or_ingress() {
        for named in [
            "kong",
            "Kong-Proxy",
            "istio/proxyv2-IngressGateway",
            "my_apigateway",
            "edge.TRAEFIK",
            "café·envoy",
        ] {
            assert!(names_gateway(named), "{named}");
        }
        for unnamed in ["kongregate", "envoys", "gate-way", "cart", "", "ingres", "k0ng"] {
            assert!(!names_gateway(unnamed), "{unnamed}");
        }
    }
}
