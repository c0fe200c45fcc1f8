//! K8S006 secret-in-configmap.
use crate::model::configmap::ConfigMap;
use crate::model::secrets::exposed_secret;
use crate::rules::RawFinding;
use crate::rules::prelude::*;
use crate::source::Span;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a ConfigMap entry that holds a secret: a key that says it is a secret
    /// (`DB_PASSWORD`, `api-key`, `clientSecret`) with a value that is not a placeholder, or a
    /// value holding a known token format (private key block, AWS access key id, GitHub, GitLab
    /// or Slack token, JWT, …). Both `data` and `binaryData` (decoded) are read.
    ///
    /// An entry whose key names a settings file is read setting by setting, as its format says:
    /// `*.yaml`, `*.yml` and `*.json` with mslint's YAML parser (JSON is YAML), `*.properties` and
    /// `*.env` as `key=value` or `key: value` lines, `*.ini`, `*.cfg` and `*.toml` as lines under
    /// `[section]` headers; a multi-line value under a key without an extension
    /// (`collector-config`) is read as YAML when it parses as mappings. A setting whose key says it is a secret (`password: …` nested under
    /// `spring.datasource`, `spring.datasource.password=…`, `[database] password = …`) or whose
    /// value holds a token is reported at the value, on its own line inside the block. A file
    /// that does not parse (a template), a file of another kind (`nginx.conf`, `notes.txt`) and
    /// a file in `binaryData` are read whole, for token formats, and reported at their key. A
    /// login URL or a connection string in a value is SEC001's finding.
    ///
    /// Keys and values are read as K8S005 reads env vars: placeholders and slots to fill in
    /// (`${DB_PASSWORD}`, `<password>`, `changeme`, `{{ … }}`, `replace with your key`,
    /// `nvapi-NVKEY`), stored password hashes, values that only restate the key
    /// (`api-key: API_KEY_HERE`) or name a Secret's key (`passwordKey: password`), values that
    /// point at a mounted file, and keys about a secret rather than the secret itself
    /// (`password-file`, `token_url`) are left alone. The message never shows the value: at most
    /// the first four characters of a recognised token.
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
        let Some(config) = ConfigMap::of(object) else {
            return;
        };
        for entry in config.entries() {
            let key = entry.key;
            let settings = config.settings(&entry).unwrap_or_default();
            let mut found = false;
            for setting in &settings {
                let Some(exposure) = exposed_secret(&setting.name, &setting.value) else {
                    continue;
                };
                found = true;
                let what = format!("key `{key}`, setting `{}`", setting.path);
                report(
                    out,
                    object,
                    setting.span,
                    &what,
                    &exposure.describe(&setting.value),
                )
                .secret_at(setting.span);
            }
            // A file that is not read setting by setting is read whole, under its key.
            if found {
                continue;
            }
            let Some(exposure) = exposed_secret(key, &entry.text) else {
                continue;
            };
            let value = &entry.entry.value;
            let written = value.as_text().unwrap_or_default();
            let span = if written.trim_end().contains('\n') {
                entry.entry.key.span
            } else {
                value.span
            };
            report(
                out,
                object,
                span,
                &format!("key `{key}`"),
                &exposure.describe(&entry.text),
            )
            .secret_at(value.span);
        }
    }
}

fn report<'f>(
    out: &'f mut Findings,
    object: &Object<'_>,
    span: Span,
    what: &str,
    described: &str,
) -> &'f mut RawFinding {
    out.report(
        span,
        format!("ConfigMap `{}`, {what} holds {described}", object.qualified_name()),
    )
    .help(format!(
        "move the entry into a Secret filled from a secrets manager (and rotate it), \
         and read it where the ConfigMap is read:\nenvFrom:\n  - configMapRef: {{ name: {name} }}\n  - secretRef: {{ name: {name}-secrets }}",
        name = OneLine(object.name().unwrap_or("app"))
    ))
    .object(ObjectRef::of(object))
}
