//! Configuration lookups: whether the ConfigMaps and Secrets a container reads may set a port.

use std::collections::HashSet;

use super::Index;
use crate::model::Container;
use crate::model::ports::config_numbers;

/// The port numbers a container may be told to listen on although its `ports` do not say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigurablePorts {
    /// It reads a ConfigMap or Secret the scan does not hold, whose file could set any port.
    Any,
    /// The numbers its command, arguments, environment values and the ConfigMaps and Secrets it
    /// reads name.
    Numbers(HashSet<i64>),
}

impl Default for ConfigurablePorts {
    /// No number.
    fn default() -> Self {
        ConfigurablePorts::Numbers(HashSet::new())
    }
}

impl ConfigurablePorts {
    /// Whether the container may be told to listen on `number`.
    pub fn contains(&self, number: i64) -> bool {
        match self {
            ConfigurablePorts::Any => true,
            ConfigurablePorts::Numbers(numbers) => numbers.contains(&number),
        }
    }

    /// Adds the ports another container may be told to listen on.
    pub fn extend(&mut self, other: ConfigurablePorts) {
        match (&mut *self, other) {
            (ConfigurablePorts::Numbers(numbers), ConfigurablePorts::Numbers(more)) => numbers.extend(more),
            (_, _) => *self = ConfigurablePorts::Any,
        }
    }
}

impl Index<'_, '_> {
    /// The numbers the container may listen on although its `ports` do not say so: those its
    /// command, arguments or environment values name, and those a ConfigMap or Secret it reads
    /// (see [`Container::config_sources`]) names in a key or value; any, when it reads one the
    /// scan does not hold. `namespace` is the pod's. Each text is read once, however many
    /// numbers are then asked about (a Service of 10,000 ports over a 1 MB value).
    pub fn configurable_ports(&self, namespace: &str, container: &Container<'_, '_>) -> ConfigurablePorts {
        let mut numbers: HashSet<i64> = container.mentioned_numbers().collect();
        for source in container.config_sources() {
            let mut held = self
                .named(source.name)
                .filter(|o| {
                    o.kind() == source.kind && o.api_group() == "" && self.namespace_of(o) == namespace
                })
                .peekable();
            if held.peek().is_none() {
                return ConfigurablePorts::Any;
            }
            held.for_each(|object| config_numbers(object, &mut numbers));
        }
        ConfigurablePorts::Numbers(numbers)
    }
}
