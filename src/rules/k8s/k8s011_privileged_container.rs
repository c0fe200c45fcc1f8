//! K8S011 privileged-container.
use crate::fix::{Applicability, container_security};
use crate::model::{Container, ContainerRole};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a container that runs with `privileged: true`, that adds the `SYS_ADMIN` (or `ALL`)
    /// capability, or whose `allowPrivilegeEscalation` is not `false`. These fields belong to the
    /// container's own `securityContext`; the pod-level one has none of them.
    ///
    /// Kubernetes always allows privilege escalation for a privileged container or one with
    /// `CAP_SYS_ADMIN`, so such a container gets one finding, at the `privileged` value or the
    /// capability, not a second one about `allowPrivilegeEscalation`. The escalation check covers
    /// app, native sidecar and init containers, as the Pod Security Standards (Restricted) do:
    /// an init container shares the pod's volumes and service account token, so a setuid binary
    /// there is as dangerous as in the app, and `allowPrivilegeEscalation: false` does not stop a
    /// root init container from doing its usual work (`chown`, copying files). Ephemeral debug
    /// containers are exempt from the escalation check, and Windows pods too, where the field
    /// does not exist. A value that is not a boolean (a template placeholder) is left alone.
    ///
    /// ## Why is this bad?
    /// A privileged container sees every device of the node and can load kernel modules or mount
    /// the host filesystem: it is root on the node. Without `allowPrivilegeEscalation: false`, a
    /// process can gain more privileges than its parent through setuid binaries or file
    /// capabilities, so one exploited dependency becomes root in the container.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     securityContext:
    ///       privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     securityContext:
    ///       allowPrivilegeEscalation: false
    ///       capabilities: { drop: [ALL] }
    /// ```
    ///
    /// ## Fix
    /// Safe: `--fix` sets `allowPrivilegeEscalation: false` in the container's `securityContext`,
    /// adding the key (and the `securityContext`) where they are missing. A process that needs
    /// to gain privileges through a setuid binary fails afterwards, which is what the guideline
    /// asks; privileged containers and added capabilities have no automatic fix.
    ///
    /// ## Guideline
    /// Seed 000, "Security": security enforcement is a stage every service passes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub PrivilegedContainer {
        id: "K8S011",
        name: "privileged-container",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
        fix: Applicability::Safe,
    }
}

/// Capabilities that make a container as powerful as a privileged one.
const ESCALATING_CAPABILITIES: &[&str] = &["SYS_ADMIN", "CAP_SYS_ADMIN", "ALL"];

impl Rule for PrivilegedContainer {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let windows = workload.pod.targets_windows();
        for container in workload.pod.containers() {
            let subject = format!(
                "{} `{}`, container `{}`",
                workload.kind_name(),
                workload.qualified_name(),
                container.name()
            );
            if let Some(privileged) = container
                .own_security("privileged")
                .filter(|p| p.as_bool() == Some(true))
            {
                out.report(privileged.span, format!("{subject} runs privileged"))
                    .help(
                        "remove `privileged: true` and add only the capabilities the process \
                         needs:\nsecurityContext:\n  allowPrivilegeEscalation: false\n  \
                         capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }",
                    )
                    .object(ObjectRef::of(object));
                continue;
            }
            if let Some(capability) = escalating_capability(&container) {
                let name = capability.as_text().unwrap_or("SYS_ADMIN");
                out.report(
                    capability.span,
                    format!("{subject} adds capability `{name}`, which always allows privilege escalation"),
                )
                .help(
                    "drop the capability, add only what the process needs, and forbid \
                     escalation:\nsecurityContext:\n  allowPrivilegeEscalation: false\n  \
                     capabilities: { drop: [ALL] }",
                )
                .object(ObjectRef::of(object));
                continue;
            }
            if windows || container.role == ContainerRole::Ephemeral {
                continue;
            }
            let escalation = container.own_security("allowPrivilegeEscalation");
            let (span, message) = match escalation.map(|e| (e, e.as_bool())) {
                // false is the fix; a value that is no boolean is a placeholder we cannot judge.
                Some((_, Some(false) | None)) => continue,
                Some((value, Some(true))) => (
                    value.span,
                    format!("{subject} sets allowPrivilegeEscalation: true"),
                ),
                None => (
                    container.security_context_span(),
                    format!("{subject} does not set allowPrivilegeEscalation: false"),
                ),
            };
            let fix = container_security(
                object.source,
                &container,
                "allowPrivilegeEscalation",
                "false",
                Applicability::Safe,
            );
            out.report(span, message)
                .help(
                    "forbid privilege escalation in the container's securityContext:\n\
                     securityContext:\n  allowPrivilegeEscalation: false",
                )
                .object(ObjectRef::of(object))
                .fix(fix);
        }
    }
}

/// The first `capabilities.add` item that grants `CAP_SYS_ADMIN`.
fn escalating_capability<'o, 's>(container: &Container<'o, 's>) -> Option<&'o crate::parse::yaml::Node<'s>> {
    container
        .own_security("capabilities")
        .and_then(|c| c.get("add"))
        .map(|add| add.items())
        .unwrap_or_default()
        .iter()
        .find(|item| {
            item.as_text()
                .is_some_and(|name| ESCALATING_CAPABILITIES.contains(&name.to_ascii_uppercase().as_str()))
        })
}
