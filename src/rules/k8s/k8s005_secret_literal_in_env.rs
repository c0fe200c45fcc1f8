//! K8S005 secret-literal-in-env.
use crate::model::secrets::exposed_secret_named;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

/// The option naming more secret-looking variables.
pub const SECRET_NAMES: &str = "secret-names";

/// The `secret-names` option K8S005 and SEC001 declare.
pub const SECRET_NAMES_OPTION: RuleOption = RuleOption {
    name: SECRET_NAMES,
    kind: OptionKind::Patterns,
    doc: "regular expressions for more names that say they hold a secret (`^ACME_.*_SIG$`), \
          besides the words the rule knows (`password`, `token`, `api key`, …); a literal value \
          under such a name is flagged. Unset by default.",
};

declare_rule! {
    /// ## What it does
    /// Flags an environment variable of a container (app, init or sidecar) whose `value` is a
    /// secret written into the manifest: a literal under a name that says it is a secret
    /// (`DB_PASSWORD`, `apiKey`, `STRIPE_SECRET_KEY`, also glued into one word as in
    /// `PGPASSWORD` or `MYSQLPASSWORD`, and `PASS`/`PWD` after what they qualify: `DB_PASS`,
    /// `DB_PASS_BD`), or any value that holds a known token format (private key block, AWS
    /// access key id, GitHub, GitLab or Slack token, JWT, …). The stock value `password` counts
    /// under a longer name that ends in a password word (`MYSQL_PASSWORD: password` is the
    /// working default password), not under a bare `password` or `passwordKey`, where it names
    /// a key.
    ///
    /// Left alone: placeholders (`${DB_PASSWORD}`, `$(TOKEN)`, `<password>`, `changeme`,
    /// `{{ … }}`, `xxxx`, one character repeated), slots to fill in: a value with a word such as
    /// `your`, `replace`, `example`, `fake`, `dummy`, `placeholder` or `here`
    /// (`replace with your access key`, `fake_password`), or an upper-case word naming a secret
    /// where a real key has a random body (`nvapi-NVKEY`, `sk-YOUR_KEY`); values that only
    /// restate the name (`HF_TOKEN: HF_TOKEN`, `API_KEY: INSERT_API_KEY`); stored password
    /// hashes (`$2b$…`, `$argon2id$…`, `{SSHA}…`); absolute paths to a mounted secret
    /// (`GOOGLE_APPLICATION_CREDENTIALS: /var/secrets/google/key.json`); names about a secret
    /// rather than the secret itself (`PASSWORD_FILE`, `DB_PASSWORD_PATH`, `TOKEN_URL`,
    /// `SECRET_NAME`) or that only spell the letters (`BYPASS`, `COMPASS`, `PASSPORT`,
    /// `PASS_THROUGH`); and ephemeral debug containers. The message never shows the value: at
    /// most the first four characters of a recognised token.
    ///
    /// ## Why is this bad?
    /// A literal in the pod spec is stored in the repository, in every copy of it, in CI logs
    /// that print the manifest, and in the Deployment object that anyone allowed to read
    /// Deployments can see. It cannot be rotated without a commit and a rollout. A Secret can be
    /// access-controlled, encrypted at rest and filled from a secrets manager.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     value: s3cr3t-Pa55
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     valueFrom:
    ///       secretKeyRef: { name: cart-db, key: password }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Orchestration with Kubernetes": use ConfigMaps for configuration and Secrets for
    /// sensitive values. Seed 003, "Secrets Management": never hardcode secrets in config files.
    pub SecretLiteralInEnv {
        id: "K8S005",
        name: "secret-literal-in-env",
        family: Family::K8s,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Orchestration with Kubernetes; seed 003 §Secrets Management",
        options: &[SECRET_NAMES_OPTION],
    }
}

impl Rule for SecretLiteralInEnv {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let more_names = cx.options.patterns(self.meta().id, SECRET_NAMES);
        for var in workload.literal_env() {
            let (name, value, container) = (var.name, &var.value.value, var.container);
            let Some(text) = value.as_text() else {
                continue;
            };
            let Some(exposure) = exposed_secret_named(name, text, more_names) else {
                continue;
            };
            out.report(
                value.span,
                format!(
                    "{} `{}`, container `{}`: env var `{name}` holds {}",
                    workload.kind_name(),
                    workload.qualified_name(),
                    container.name(),
                    exposure.describe(text)
                ),
            )
            .help(format!(
                "move the value into a Secret (and rotate it) and reference it:\n\
                     - name: {name}\n  valueFrom:\n    secretKeyRef: {{ name: {}, key: {} }}",
                OneLine(object.name().unwrap_or("app-secrets")),
                OneLine(&name.to_ascii_lowercase().replace('_', "-")),
                name = OneLine(name)
            ))
            .object(ObjectRef::of(object))
            .sensitive();
        }
    }
}
