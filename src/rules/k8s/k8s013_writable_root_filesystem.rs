//! K8S013 writable-root-filesystem.
use crate::fix::{Applicability, container_security};
use crate::model::ContainerRole;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an app, init or native sidecar container whose `readOnlyRootFilesystem` is not
    /// `true`. The field exists only in the container's own `securityContext`; a pod-level one
    /// has no effect. An explicit `false` is reported at the value, a missing field at the
    /// container's `securityContext`, or its `name:` when it has none.
    ///
    /// Ephemeral debug containers are exempt, and so are Windows pods, where the field cannot be
    /// set. A value that is not a boolean (a template placeholder) is left alone.
    ///
    /// ## Why is this bad?
    /// A writable root filesystem lets an intruder drop tools or change binaries and
    /// configuration inside the running container, and lets the application write state where
    /// it is lost on restart. Mount an `emptyDir` for the paths that must be writable (`/tmp`,
    /// caches) and keep the image itself read-only.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     securityContext:
    ///       runAsNonRoot: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     securityContext:
    ///       runAsNonRoot: true
    ///       readOnlyRootFilesystem: true
    ///     volumeMounts:
    ///       - { name: tmp, mountPath: /tmp }
    /// volumes:
    ///   - { name: tmp, emptyDir: {} }
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--fix --unsafe-fixes` sets `readOnlyRootFilesystem: true` in the container's
    /// `securityContext`, adding the key (and the `securityContext`) where they are missing. A
    /// process that writes outside its mounted volumes fails afterwards: mount an `emptyDir`
    /// where it writes (`/tmp`, caches) before applying it.
    ///
    /// ## Guideline
    /// Seed 000, "Security": security enforcement is a stage every service passes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub WritableRootFilesystem {
        id: "K8S013",
        name: "writable-root-filesystem",
        family: Family::K8s,
        severity: Severity::Note,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
        fix: Applicability::Unsafe,
    }
}

impl Rule for WritableRootFilesystem {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if workload.pod.targets_windows() {
            return;
        }
        for container in workload
            .pod
            .containers()
            .filter(|c| c.role != ContainerRole::Ephemeral)
        {
            let subject = format!(
                "{} `{}`, container `{}`",
                workload.kind_name(),
                workload.qualified_name(),
                container.name()
            );
            let setting = container.own_security("readOnlyRootFilesystem");
            let (span, message) = match setting.map(|s| (s, s.as_bool())) {
                // true is the fix; a value that is no boolean is a placeholder we cannot judge.
                Some((_, Some(true) | None)) => continue,
                Some((value, Some(false))) => (
                    value.span,
                    format!("{subject} sets readOnlyRootFilesystem: false"),
                ),
                None => (
                    container.security_context_span(),
                    format!("{subject} has a writable root filesystem"),
                ),
            };
            out.report(span, message)
                .help(
                    "make the root filesystem read-only and mount an emptyDir where the process \
                     writes:\nsecurityContext:\n  readOnlyRootFilesystem: true",
                )
                .object(ObjectRef::of(object))
                .fix(container_security(
                    object.source,
                    &container,
                    "readOnlyRootFilesystem",
                    "true",
                    Applicability::Unsafe,
                ));
        }
    }
}
