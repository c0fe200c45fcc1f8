//! Configuration lookups: whether the ConfigMaps and Secrets a container reads may set a port.

use super::Index;
use crate::model::Container;
use crate::model::ports::config_mentions_number;

impl Index<'_, '_> {
    /// True when the container may listen on `number` although its `ports` do not say so: its
    /// command, arguments or environment values name the number, a ConfigMap or Secret it reads
    /// (see [`Container::config_sources`]) names it in a key or value, or it reads one the scan
    /// does not hold (whose file could set any port). `namespace` is the pod's.
    pub fn may_configure_port(&self, namespace: &str, container: &Container<'_, '_>, number: i64) -> bool {
        container.mentions_number(number)
            || container.config_sources().iter().any(|source| {
                let mut held = self
                    .named(source.name)
                    .filter(|o| {
                        o.kind() == source.kind && o.api_group() == "" && self.namespace_of(o) == namespace
                    })
                    .peekable();
                held.peek().is_none() || held.any(|object| config_mentions_number(object, number))
            })
    }
}
