//! IST026 injection-labels-conflict.
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Namespace that carries more than one of the labels that choose how its pods join
    /// the mesh: `istio-injection`, `istio.io/rev` and `istio.io/dataplane-mode`. As Istio reads
    /// them, `istio.io/rev` and `istio.io/dataplane-mode` only count when `istio-injection` is
    /// absent or `enabled`: `istio-injection: disabled` beside a revision label is a clear
    /// opt-out and is not reported. The finding points at the label that should go. The root
    /// namespace `istio-system` is left alone.
    ///
    /// ## Why is this bad?
    /// The injection webhooks of different revisions (or sidecar and ambient mode) each match
    /// one of the labels: which one injects, and which proxy version the pods get, depends on
    /// webhook order, and an upgrade can silently move pods to another revision.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     istio-injection: enabled
    ///     istio.io/rev: 1-22
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     istio.io/rev: 1-22
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": all internal traffic must pass the mesh's mutual TLS, which needs a
    /// well-defined sidecar in every pod.
    pub InjectionLabelsConflict {
        id: "IST026",
        name: "injection-labels-conflict",
        family: Family::Ist,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 000 §Security",
    }
}

impl Rule for InjectionLabelsConflict {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() != "Namespace"
            || !object.api_group().is_empty()
            || object.name() == Some("istio-system")
        {
            return;
        }
        let Some(labels) = object.root.path(&["metadata", "labels"]) else {
            return;
        };
        let legacy = labels.entry("istio-injection");
        let others_count = legacy.is_none_or(|e| e.value.as_text() == Some("enabled"));
        let mut chosen: Vec<_> = legacy.into_iter().collect();
        if others_count {
            chosen.extend(
                ["istio.io/rev", "istio.io/dataplane-mode"]
                    .iter()
                    .filter_map(|k| labels.entry(k)),
            );
        }
        let Some(extra) = chosen.get(1) else {
            return;
        };
        let names: Vec<&str> = chosen.iter().filter_map(|e| e.key.as_str()).collect();
        out.report(
            extra.key.span,
            format!(
                "Namespace `{}` sets {}, which choose injection differently",
                object.qualified_name(),
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and ")
            ),
        )
        .help("keep one label: `istio.io/rev: <revision>` for revisioned control planes, else `istio-injection: enabled`")
        .object(ObjectRef::of(object));
    }
}
