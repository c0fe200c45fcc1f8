//! K8S026 committed-secret-data.
use crate::model::secrets::{base64_text, is_placeholder};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a `Secret` manifest whose `data` or `stringData` holds a value, at the `data:` or
    /// `stringData:` key. Values that are placeholders (`${DB_PASSWORD}`, `<password>`,
    /// `changeme`, `{{ … }}`, an empty string, also when base64-encoded in `data`) do not count,
    /// so a Secret that only shows its expected keys is not flagged. Also skipped: Secrets
    /// encrypted with SOPS (a top-level `sops:` block, or values `ENC[…]`), Helm release records
    /// (`type: helm.sh/release.v1`), and Secrets without values, such as a
    /// `kubernetes.io/service-account-token` Secret that the token controller fills in.
    ///
    /// ## Why is this bad?
    /// base64 is an encoding, not encryption: anyone who can read the repository, a fork, a CI
    /// log or a backup of it has the credentials, and removing them later does not remove them
    /// from history. Values committed by hand are also not rotated, audited or scoped the way a
    /// secrets manager does it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: { name: db, namespace: shop }
    /// data:
    ///   password: czNjcjN0LVBhNTU=
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// metadata: { name: db, namespace: shop }
    /// spec:
    ///   secretStoreRef: { kind: ClusterSecretStore, name: vault }
    ///   target: { name: db }
    ///   dataFrom: [{ extract: { key: shop/db } }]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": if your container needs access to runtime secrets, integrate
    /// with a secrets manager. Seed 003, "Secrets Management": never hardcode secrets in config
    /// files; use Vault or a cloud provider's secret manager and rotate regularly.
    pub CommittedSecretData {
        id: "K8S026",
        name: "committed-secret-data",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Containerization; seed 003 §Secrets Management",
    }
}

/// How many key names a message lists.
const SHOWN: usize = 3;

impl Rule for CommittedSecretData {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        if object.kind() != "Secret" || object.api_group() != "" {
            return;
        }
        // A Helm release record is written by Helm into the cluster; SOPS values are ciphertext.
        if object.root.str_at("type") == Some("helm.sh/release.v1") || object.root.get("sops").is_some() {
            return;
        }
        for section in ["data", "stringData"] {
            let Some(entry) = object.root.entry(section) else {
                continue;
            };
            let committed: Vec<_> = entry
                .value
                .merged_entries()
                .into_iter()
                .filter(|e| {
                    e.value.as_text().is_some_and(|raw| {
                        let text = match section {
                            "data" => base64_text(raw).unwrap_or_else(|| raw.to_owned()),
                            _ => raw.to_owned(),
                        };
                        !is_placeholder(&text) && !is_placeholder(raw) && !raw.starts_with("ENC[")
                    })
                })
                .collect();
            let keys: Vec<&str> = committed.iter().filter_map(|e| e.key.as_str()).collect();
            if keys.is_empty() {
                continue;
            }
            let mut listed = keys
                .iter()
                .take(SHOWN)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if keys.len() > SHOWN {
                listed.push_str(&format!(" and {} more", keys.len() - SHOWN));
            }
            let finding = out
                .report(
                    entry.key.span,
                    format!(
                        "Secret `{}` commits the values of {listed} in `{section}`",
                        object.qualified_name()
                    ),
                )
                .help(format!(
                    "keep the values in a secrets manager (and rotate them) and commit a reference that \
                 fills the Secret at deploy time, e.g. an ExternalSecret:\nkind: ExternalSecret\n\
                 spec:\n  secretStoreRef: {{ kind: ClusterSecretStore, name: vault }}\n  \
                 target: {{ name: {name} }}\n  dataFrom: [{{ extract: {{ key: {name} }} }}]",
                    name = object.name().unwrap_or("app-secrets")
                ))
                .object(ObjectRef::of(object));
            // The finding points at `data:`; only the values below it are secret.
            for value in &committed {
                finding.secret_at(value.value.span);
            }
        }
    }
}
