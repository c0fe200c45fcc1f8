//! MS002 unknown-field.
use crate::model::schema::{suggestion, unknown_fields};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a key that the object's Kubernetes schema does not have — a misspelt
    /// `livenessprobe`, `resource:` for `resources:`, a field at the wrong level — and suggests
    /// the closest accepted name. Only kinds with a built-in schema are checked (core, apps,
    /// batch, autoscaling, policy, networking and RBAC kinds at their current API versions);
    /// custom resources are skipped.
    ///
    /// ## Why is this bad?
    /// The API server drops unknown fields without an error (kubectl only warns, and only with
    /// server-side field validation). A misspelt probe or limit silently disappears: the manifest
    /// looks right in review, and the cluster runs without it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     livenessprobe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     livenessProbe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Deployment": configuration is validated before it ships. Seed 000,
    /// "Orchestration with Kubernetes": the probes and limits it asks for must reach the cluster.
    pub UnknownField {
        id: "MS002",
        name: "unknown-field",
        family: Family::Ms,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 003 §Deployment; seed 000 §Orchestration with Kubernetes",
    }
}

impl Rule for UnknownField {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(ignored) = unknown_fields(object) else {
            return;
        };
        for field in ignored {
            let Some(key) = field.key.as_str() else { continue };
            let place = if field.parent.is_empty() {
                "the top level".to_owned()
            } else {
                format!("`{}`", field.parent)
            };
            let message = format!(
                "{} `{}`: unknown field `{key}` in {place}; Kubernetes drops it",
                object.kind(),
                object.qualified_name()
            );
            let help = match suggestion(key, field.fields) {
                Some(name) => format!("rename `{key}` to `{name}`, the field Kubernetes reads:\n{name}:"),
                None => format!(
                    "remove `{key}` or move it to where the schema has it; the fields accepted here are {}",
                    field
                        .fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.report(field.key.span, message)
                .help(help)
                .object(ObjectRef::of(object));
        }
    }
}
