//! Kong for Kubernetes: `KongPlugin` and `KongClusterPlugin` resources and the
//! `konghq.com/plugins` annotation that attaches them.

use super::api::Route;
use super::{PluginClass, comma_items, truthy};
use crate::model::object::Object;
use crate::parse::yaml::Node;
use crate::source::Span;

/// The annotation that attaches plugins to an Ingress, Service, route or consumer.
pub const PLUGINS_ANNOTATION: &str = "konghq.com/plugins";

/// Kinds the Kong ingress controller reads `konghq.com/plugins` on.
pub const ANNOTATED_KINDS: &[&str] = &[
    "Ingress",
    "Service",
    "HTTPRoute",
    "GRPCRoute",
    "TCPRoute",
    "TLSRoute",
    "UDPRoute",
    "KongConsumer",
    "KongConsumerGroup",
];

/// A `configuration.konghq.com` KongPlugin or KongClusterPlugin.
#[derive(Debug, Clone, Copy)]
pub struct KongPluginResource<'o, 's> {
    /// The object.
    pub object: &'o Object<'s>,
}

impl<'o, 's> KongPluginResource<'o, 's> {
    /// The view of a KongPlugin or KongClusterPlugin.
    pub fn of(object: &'o Object<'s>) -> Option<Self> {
        (object.api_group() == "configuration.konghq.com"
            && matches!(object.kind(), "KongPlugin" | "KongClusterPlugin"))
        .then_some(KongPluginResource { object })
    }

    /// `plugin`, the plugin type.
    pub fn plugin(&self) -> Option<&'o str> {
        self.object.root.str_at("plugin")
    }

    /// What the plugin does.
    pub fn class(&self) -> PluginClass {
        self.plugin().map_or(PluginClass::Other, PluginClass::of)
    }

    /// False when `disabled: true`.
    pub fn enabled(&self) -> bool {
        !truthy(self.object.root.get("disabled"))
    }

    /// `config`.
    pub fn config(&self) -> Option<&'o Node<'s>> {
        self.object.root.get("config")
    }

    /// True for a KongClusterPlugin labelled `global: "true"`, which applies to every request.
    pub fn is_global(&self) -> bool {
        self.object.kind() == "KongClusterPlugin"
            && self.object.labels().any(|(k, v)| k == "global" && v == "true")
    }
}

/// The plugin names of an object's `konghq.com/plugins` annotation, each with its span inside
/// the value.
pub fn attached_plugins<'o>(object: &'o Object<'_>) -> Vec<(&'o str, Span)> {
    object
        .root
        .path(&["metadata", "annotations", PLUGINS_ANNOTATION])
        .map(comma_items)
        .unwrap_or_default()
}

/// The KongPlugins a Gateway API route's rules attach as `ExtensionRef` filters, each name
/// with its node.
pub fn extension_plugins<'o, 's>(route: &Route<'o, 's>) -> Vec<(&'o str, &'o Node<'s>)> {
    route
        .filters("ExtensionRef")
        .into_iter()
        .filter(|reference| {
            reference.str_at("group") == Some("configuration.konghq.com")
                && reference.str_at("kind") == Some("KongPlugin")
        })
        .filter_map(|reference| Some((reference.str_at("name")?, reference)))
        .collect()
}

/// Where a `konghq.com/plugins` name of an object of `namespace` points, as (namespace, name):
/// `ns:name` names a KongPlugin of another namespace, which a ReferenceGrant there admits.
pub fn plugin_reference<'n>(name: &'n str, namespace: &'n str) -> (&'n str, &'n str) {
    name.split_once(':').unwrap_or((namespace, name))
}

/// True when an object carries an annotation of the Kong ingress controller (`konghq.com/…`).
pub fn has_kong_annotations(object: &Object<'_>) -> bool {
    object
        .root
        .path(&["metadata", "annotations"])
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .any(|e| e.key.as_str().is_some_and(|k| k.starts_with("konghq.com/")))
}

/// True for an IngressClass or GatewayClass name or controller that is Kong's.
pub fn names_kong(text: &str) -> bool {
    text.to_ascii_lowercase().contains("kong")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    #[test]
    fn annotation_names_point_inside_the_value() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    konghq.com/plugins: \"jwt, limit\"\n";
        let objects = parse_objects(text);
        let object = objects.first().expect("one object");
        let found: Vec<(&str, &str)> = attached_plugins(object)
            .into_iter()
            .map(|(name, span)| (name, &text[span.range()]))
            .collect();
        assert_eq!(found, [("jwt", "jwt"), ("limit", "limit")]);
        assert!(has_kong_annotations(object));
    }

    #[test]
    fn disabled_and_global_plugins_are_read() {
        let text = "apiVersion: configuration.konghq.com/v1\nkind: KongClusterPlugin\nmetadata:\n  name: auth\n  labels: { global: \"true\" }\ndisabled: \"true\"\nplugin: key-auth\n";
        let objects = parse_objects(text);
        let plugin = KongPluginResource::of(objects.first().expect("one object")).expect("a plugin");
        assert!(plugin.is_global());
        assert!(!plugin.enabled());
        assert_eq!(plugin.class(), PluginClass::Authentication);
    }
}
