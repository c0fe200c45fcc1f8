//! K8S026 committed-secret-data.
use crate::model::secrets::{Committed, SECRET_SECTIONS, committed_values};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a `Secret` manifest whose `data` or `stringData` holds a value, at the `data:` or
    /// `stringData:` key, naming the keys whose values are committed. Values that are
    /// placeholders (`${DB_PASSWORD}`, `<password>`, `changeme`, `{{ … }}`, `xxxx`, an empty
    /// string, also when base64-encoded in `data`) do not count, so a Secret that only shows its
    /// expected keys is not flagged. Values that are no secret are not listed and do not count
    /// either: a certificate or public key (PEM without a private key), and fields that name
    /// rather than open (`username`, `user`, `group`, `id`, `host`, `port`, `address`,
    /// `endpoint`, `region`, `namespace`).
    ///
    /// The finding is a note, not a warning, when every value it lists is a demo value that gives
    /// nothing away: a stock default (`admin`, `root`, `guest`, `demo`, `test`, `secret`,
    /// `123456`, …), a one-line value that spells out a secret word (`password1`, `bob-password`,
    /// `my-token`, `Password$123456`), a password equal to the user name beside it, or a key or
    /// certificate file (`tls.key`, `ca.crt`, `*.pem`, Istio's `cert`/`key`) that holds no PEM
    /// block (test input such as `tls.key: Hello world`). One value that could be a real
    /// credential (`Pa55w0rd`, a Ceph key, a PEM private key) keeps the warning. A severity set
    /// in the configuration applies to the warnings; the notes stay notes.
    ///
    /// Also skipped: Secrets encrypted with SOPS (a top-level `sops:` block, or values `ENC[…]`),
    /// Helm release records (`type: helm.sh/release.v1`), and Secrets without values, such as a
    /// `kubernetes.io/service-account-token` Secret that the token controller fills in. Output
    /// masks the values, never the `data:` key the finding points at.
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
        for section in SECRET_SECTIONS {
            let Some(entry) = object.root.entry(section) else {
                continue;
            };
            let values = committed_values(object, section);
            let listed: Vec<_> = values
                .iter()
                .filter(|v| matches!(v.kind, Committed::Secret | Committed::Demo))
                .collect();
            if listed.is_empty() {
                continue;
            }
            let demo_only = listed.iter().all(|v| v.kind == Committed::Demo);
            let mut keys = listed
                .iter()
                .take(SHOWN)
                .map(|v| format!("`{}`", v.key))
                .collect::<Vec<_>>()
                .join(", ");
            if listed.len() > SHOWN {
                keys.push_str(&format!(" and {} more", listed.len() - SHOWN));
            }
            let what = if demo_only { "demo values" } else { "values" };
            let finding = out.report(
                entry.key.span,
                format!(
                    "Secret `{}` commits the {what} of {keys} in `{section}`",
                    object.qualified_name()
                ),
            );
            finding
                .help(format!(
                    "keep the values in a secrets manager (and rotate them) and commit a reference that \
                     fills the Secret at deploy time, e.g. an ExternalSecret:\nkind: ExternalSecret\n\
                     spec:\n  secretStoreRef: {{ kind: ClusterSecretStore, name: vault }}\n  \
                     target: {{ name: {name} }}\n  dataFrom: [{{ extract: {{ key: {name} }} }}]",
                    name = OneLine(object.name().unwrap_or("app-secrets"))
                ))
                .object(ObjectRef::of(object));
            // The finding points at `data:`; only the values below it are secret.
            for value in &listed {
                finding.secret_at(value.entry.value.span);
            }
            if demo_only {
                finding.as_note();
            }
        }
    }
}
