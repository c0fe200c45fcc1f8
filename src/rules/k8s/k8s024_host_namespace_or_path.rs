//! K8S024 host-namespace-or-path.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a pod that shares a namespace of its node (`hostNetwork`, `hostPID` or `hostIPC`
    /// set to `true`, reported at the value) or mounts a directory or file of the node (a
    /// `hostPath` volume, reported at the `hostPath` key). Each one is a separate finding.
    ///
    /// Every workload kind is checked, DaemonSets included, as the Pod Security Standards
    /// (Baseline) do. Node agents (a CNI plugin, a log shipper reading `/var/log`, a node
    /// exporter) need some of these by design: they are exceptions to accept one by one, not a
    /// reason to exempt a kind, so that a new use in an application still shows up. An emptied
    /// `hostPath:` (null) is absent to Kubernetes and is not reported.
    ///
    /// ## Why is this bad?
    /// These settings remove the isolation between the container and the node. With
    /// `hostNetwork` the pod sees and can bind every interface of the node and bypasses
    /// NetworkPolicies; with `hostPID` it can see and signal every process of the node; with
    /// `hostIPC` it shares the node's shared memory. A `hostPath` volume exposes the node's
    /// files (the container runtime socket, kubelet credentials), and is a well-known way out of
    /// the container. The pod also becomes tied to what is on that node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   volumes:
    ///     - name: data
    ///       hostPath: { path: /var/lib/cart }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   volumes:
    ///     - name: data
    ///       persistentVolumeClaim: { claimName: cart-data }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": security enforcement is a stage every service passes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub HostNamespaceOrPath {
        id: "K8S024",
        name: "host-namespace-or-path",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
    }
}

/// The pod fields that share a node namespace, with what they share.
const HOST_NAMESPACES: &[(&str, &str)] = &[
    ("hostNetwork", "network"),
    ("hostPID", "process"),
    ("hostIPC", "IPC"),
];

impl Rule for HostNamespaceOrPath {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let subject = format!("{} `{}`", workload.kind_name(), workload.qualified_name());
        for (field, shared) in HOST_NAMESPACES {
            let Some(value) = workload.pod.node.get(field).filter(|v| v.as_bool() == Some(true)) else {
                continue;
            };
            out.report(
                value.span,
                format!("{subject} shares the node's {shared} namespace ({field}: true)"),
            )
            .help(format!(
                "remove `{field}: true`; expose ports through a Service and talk to other \
                 processes over the network:\nspec:\n  {field}: false"
            ))
            .object(ObjectRef::of(object));
        }
        for volume in workload.pod.volumes() {
            let Some(entry) = volume.entry("hostPath").filter(|e| !e.value.is_null()) else {
                continue;
            };
            let path = entry.value.str_at("path").unwrap_or("<unset>");
            out.report(
                entry.key.span,
                format!(
                    "{subject}, volume `{}` mounts the node's path `{path}`",
                    volume.str_at("name").unwrap_or("<unnamed>")
                ),
            )
            .help(
                "store data in a PersistentVolumeClaim, or an emptyDir for scratch space:\n\
                 volumes:\n  - name: data\n    persistentVolumeClaim: { claimName: data }",
            )
            .object(ObjectRef::of(object));
        }
    }
}
