//! K8S006 secret-in-configmap.
use crate::model::secrets::{base64_text, exposed_secret};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a ConfigMap entry that holds a secret: a key that says it is a secret
    /// (`DB_PASSWORD`, `api-key`, `clientSecret`) with a value that is not a placeholder, or a
    /// value holding a known token format (private key block, AWS access key id, GitHub, GitLab
    /// or Slack token, JWT, …), also when it sits inside an embedded file such as
    /// `application.properties: |`. Both `data` and `binaryData` (decoded) are read.
    /// Keys and values are read as K8S005 reads env vars: placeholders and slots to fill in
    /// (`${DB_PASSWORD}`, `<password>`, `changeme`, `{{ … }}`, `replace with your key`,
    /// `nvapi-NVKEY`), stored password hashes, values that only restate the key
    /// (`api-key: API_KEY_HERE`) or point at a mounted file, and keys about a secret rather than
    /// the secret itself (`password-file`, `token_url`) are left alone.
    ///
    /// A finding points at a one-line value; for a multi-line value (an embedded file) it points
    /// at the key that holds it. The message never shows the value: at most the first four
    /// characters of a recognised token.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are meant to be read: they are not encrypted at rest, RBAC grants read access
    /// to them broadly, tools print them in logs and diffs, and they are committed next to the
    /// code. A secret there leaks to everyone who can see configuration, and cannot be rotated
    /// without a commit.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   DB_HOST: postgres.data
    ///   DB_PASSWORD: s3cr3t-Pa55
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   DB_HOST: postgres.data
    /// ---
    /// kind: Secret   # created from a secrets manager, not committed
    /// metadata: { name: cart-db }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": use ConfigMaps for configuration and Secrets for
    /// sensitive values. Seed 003, "Secrets Management": never hardcode secrets in config files.
    pub SecretInConfigmap {
        id: "K8S006",
        name: "secret-in-configmap",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Secrets Management",
    }
}

impl Rule for SecretInConfigmap {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() != "ConfigMap" || object.api_group() != "" {
            return;
        }
        for section in ["data", "binaryData"] {
            let entries = object
                .root
                .get(section)
                .map(|d| d.merged_entries())
                .unwrap_or_default();
            for entry in entries {
                let (Some(key), Some(raw)) = (entry.key.as_str(), entry.value.as_text()) else {
                    continue;
                };
                let text = match section {
                    // Bytes that are not text cannot be read for tokens, but the key still can.
                    "binaryData" => base64_text(raw).unwrap_or_else(|| raw.to_owned()),
                    _ => raw.to_owned(),
                };
                let Some(exposure) = exposed_secret(key, &text) else {
                    continue;
                };
                let span = if raw.trim_end().contains('\n') {
                    entry.key.span
                } else {
                    entry.value.span
                };
                out.report(
                    span,
                    format!(
                        "ConfigMap `{}`, key `{key}` holds {}",
                        object.qualified_name(),
                        exposure.describe(&text)
                    ),
                )
                .help(format!(
                    "move the entry into a Secret filled from a secrets manager (and rotate it), \
                     and read it where the ConfigMap is read:\nenvFrom:\n  - configMapRef: {{ name: {name} }}\n  - secretRef: {{ name: {name}-secrets }}",
                    name = object.name().unwrap_or("app")
                ))
                .object(ObjectRef::of(object))
                .secret_at(entry.value.span);
            }
        }
    }
}
