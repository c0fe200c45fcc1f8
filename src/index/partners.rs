//! Evidence about partners the scan may not hold: whether a project deploys a namespace's pods
//! itself, and which pods operators create from custom resources of the scan.

use super::{Index, is_custom_resource};
use crate::model::{LabelSelector, Object};

impl<'o, 's> Index<'o, 's> {
    /// True when `name` is the name of a custom resource (an object of an API group Kubernetes
    /// does not serve itself) of `namespace` (of any namespace when `None`). An operator labels
    /// the pods it creates for one with its name, so a selector naming it likely selects pods
    /// the scan cannot show.
    pub fn names_custom_resource(&self, namespace: Option<&str>, name: &str) -> bool {
        self.named(name).any(|o| {
            is_custom_resource(o) && namespace.is_none_or(|wanted| self.scan_namespace_of(o) == wanted)
        })
    }

    /// True when pods an operator creates from a custom resource of `namespace` match
    /// `selector`: by the labels the resource gives its pods (`podMetadata`, a pod template, the
    /// operator's own labels; see [`crate::model::operated`]), or by a selector value naming the
    /// resource, which is how operators label their pods.
    pub fn operated_pods_match(&self, namespace: &str, selector: &LabelSelector<'_>) -> bool {
        let by_labels = self
            .operated
            .get(namespace)
            .is_some_and(|sets| sets.iter().any(|labels| selector.matches_labels(labels)));
        by_labels
            || selector
                .requirements
                .iter()
                .flat_map(|r| &r.values)
                .any(|value| self.names_custom_resource(Some(namespace), value))
    }

    /// True when the folder of `object`'s file holds a workload of `namespace`: the project
    /// deploys that namespace's pods beside `object`, so a selector of it that matches none of
    /// them is likely wrong, rather than meant for pods deployed from elsewhere (a chart, an
    /// operator, a file the scan was not given).
    pub fn deploys_pods_beside(&self, namespace: &str, object: &Object<'_>) -> bool {
        self.workload_folders
            .contains(&(namespace, self.folder_of(object.file)))
    }
}
