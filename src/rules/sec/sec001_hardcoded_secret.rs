//! SEC001 hardcoded-secret.

use crate::model::configmap::ConfigMap;
use crate::model::image::{WordRole, instruction_words, keywords_of};
use crate::model::secrets::{
    Exposure, SECRET_SECTIONS, SecretMatch, command_line_secrets, connection_passwords, is_literal,
    is_sha1_hex, located, located_in_scalar, name_words, names_secret, secret_in_base64, secret_values,
    url_logins,
};
use crate::model::{ContainerRole, Schema};
use crate::parse::yaml::Node;
use crate::rules::k8s::k8s005_secret_literal_in_env::{SECRET_NAMES, SECRET_NAMES_OPTION};
use crate::rules::prelude::*;
use crate::source::{Span, SpanMap, SpanSet};

declare_rule! {
    /// ## What it does
    /// Flags a secret written into any scanned file, by its format: a private key block, an AWS
    /// access key id, a GitHub, GitLab, Slack, npm, PyPI, Docker Hub, Vault, Stripe, Square,
    /// SendGrid, Twilio, Mailchimp, Shopify, OpenAI or Anthropic token, a Google API key or
    /// OAuth token, a Slack or Teams webhook, a JWT, also base64-encoded (a kubeconfig's
    /// `client-key-data`). Every scalar of every object is read, `status` and annotations
    /// included, and every word of every Dockerfile instruction. In objects it also flags a
    /// login in a URL (`postgres://app:…@db`) and a literal under a key that says it is a
    /// secret (`password: …`, `clientSecret: …`, `token: …`, the items of
    /// `client_secret: [...]`, a `{name: API_TOKEN, value: …}` pair, the `key` of a Kong
    /// `keyauth_credentials` entry), in Kong declarative configs, kubeconfigs and custom
    /// resources alike. It also flags a password in a connection string: `Password=…` or `Pwd=…`
    /// among other `key=value` settings (ADO.NET `Server=db;…;Password=…;`, libpq
    /// `host=db … password=…`, a JAAS `username=… password=…`) or a `password=` query parameter
    /// (`jdbc:mysql://db/shop?user=app&password=…`); a lone `password=…` line is a setting and
    /// left to K8S006 in a ConfigMap. And a secret passed on a container's command line (the
    /// `command` and `args` items of any pod template, probes included, and the script of
    /// `sh -c`): a flag whose name says it is a secret with a literal value (`--password=…`,
    /// `--db-password …`, Go's `-token=…`), `-pSECRET` glued to a MySQL client (`mysql`,
    /// `mysqldump`, `mysqladmin`, …; a lone `-p` prompts), and a leading `PGPASSWORD=…`
    /// assignment. Expansions (`$(DB_PASSWORD)`, `"$MYSQL_PWD"`), placeholders, flags about a
    /// secret (`--password-file`, `--password-stdin`, `--no-password`) and other programs' `-p`
    /// (a port) are left alone.
    ///
    /// The finding points at the token: inside a literal block (`|`) on its own line, at a
    /// quoted value as a whole, at the key when the value is folded or escaped over several
    /// lines; the message names the kind of secret, its key path and at most a short prefix of
    /// it.
    ///
    /// One secret gives one finding: values a more specific rule reads are left to it, namely
    /// container `env` values (K8S005), ConfigMap `data`/`binaryData` (K8S006), Secret
    /// `data`/`stringData` (K8S026) and, in Dockerfiles, `ENV`/`ARG` values (DF002) and logins
    /// in URLs (DF010). A login URL or a connection string in an env value or a ConfigMap is
    /// reported here, since those rules do not read them.
    ///
    /// Left alone: documentation samples (`AKIAIOSFODNN7EXAMPLE`, the jwt.io token, filler such
    /// as `XXXXXXXX`), placeholders, slots and references (`${TOKEN}`, `{{ .Values.pw }}`,
    /// `<password>`, `changeme`, `replace with your access key`, `nvapi-NVKEY`,
    /// `{vault://env/pg-password}`, `{.credential.access_token}`; names and values are judged
    /// as K8S005 judges env vars), mounted file paths, stored password hashes (`$2b$…`,
    /// `$argon2id$…`, `{SSHA}…`, and the SHA-1 hex digest Kong keeps and decK dumps as a
    /// `basicauth_credentials` password), UUIDs, digests, base64 of ordinary text, and the
    /// `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the object).
    /// Names are not read under `metadata` (annotation keys such as `…/auth-secret` name
    /// Secrets), in objects whose job is to reference secrets (External Secrets, Sealed Secrets,
    /// the Secrets Store CSI driver, the Vault Secrets Operator) and in CRD schemas; and in a
    /// Kubernetes object a value under a key ending in `secret` or `credentials` that is an
    /// object name with a `-` or `.` (`existingSecret: cart-db`), or any object name as a list
    /// item (a KongConsumer's `credentials: [billing-auth]`), is read as a reference to a
    /// Secret.
    ///
    /// Compared with KICS' "Passwords And Secrets" query: CloudFormation, Ansible, Compose,
    /// OpenAPI and CI workflow files are not scanned (mslint reads Kubernetes-style objects,
    /// kubeconfigs, Kong declarative configs and Dockerfiles); a Slack webhook made of
    /// `T00000000/B00000000/XXXX…` filler is a sample, not a secret; and where KICS reports a
    /// secret-looking name in env, a ConfigMap, a Secret or a Dockerfile `ENV`/`ARG`, mslint
    /// reports it as K8S005, K8S006, K8S026 or DF002.
    ///
    /// ## Why is this bad?
    /// A credential in a committed file is readable by everyone with access to the repository,
    /// its forks, CI logs and backups, and stays in the history after it is deleted. Tokens of
    /// these formats are scanned for by attackers on public hosts within minutes. It has to be
    /// rotated, and then kept where access is controlled and audited.
    ///
    /// ## Example
    /// ```yaml
    /// _format_version: "3.0"
    /// consumers:
    ///   - username: billing
    ///     basicauth_credentials:
    ///       - username: billing
    ///         password: Zq8vLx2mP4tR
    /// plugins:
    ///   - name: http-log
    ///     config:
    ///       http_endpoint: https://logs:Hk4pW9sQ2z@collector.example.com/kong
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// _format_version: "3.0"
    /// consumers:
    ///   - username: billing
    ///     basicauth_credentials:
    ///       - username: billing
    ///         password: ${{ env "DECK_BILLING_PASSWORD" }}
    /// plugins:
    ///   - name: http-log
    ///     config:
    ///       http_endpoint: https://collector.example.com/kong
    ///       headers:
    ///         Authorization: "{vault://env/collector-auth}"
    /// ```
    ///
    /// ## Guideline
    /// Seed 003, "Secrets Management": never hardcode secrets in config files; use Vault or a
    /// cloud provider's secret manager and rotate regularly. Seed 000, "Containerization": never
    /// include secrets or credentials in the container image.
    pub HardcodedSecret {
        id: "SEC001",
        name: "hardcoded-secret",
        family: Family::Sec,
        severity: Severity::Error,
        scope: Scope::File,
        security: true,
        guideline: "seed 003 §Secrets Management; seed 000 §Containerization",
        options: &[SECRET_NAMES_OPTION],
    }
}

/// API groups whose objects name secrets kept elsewhere: their keys (`secretKey: password`)
/// describe where a secret goes, and their values are ciphertext or paths.
const REFERENCE_GROUPS: &[&str] = &[
    "external-secrets.io",
    "bitnami.com",
    "secrets-store.csi.x-k8s.io",
    "secrets.hashicorp.com",
    "apiextensions.k8s.io",
];
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

impl Rule for HardcodedSecret {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let group = object.api_group();
        let mut walk = Walk {
            object,
            more_names: cx.options.patterns(self.meta().id, SECRET_NAMES),
            owned: owned_values(object),
            names_read: !REFERENCE_GROUPS.iter().any(|g| {
                group
                    .strip_suffix(g)
                    .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            }),
            // Only an alias repeats a span, and an object without a `*` holds none.
            seen: object
                .source
                .as_bytes()
                .get(object.root.span.range())
                .is_none_or(|text| memchr::memchr(b'*', text).is_some())
                .then(SpanSet::default),
            reported: SpanSet::default(),
            flags: SpanMap::default(),
            path: Vec::new(),
            out,
        };
        walk.node(&object.root, Slot::default());
    }

    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let mut reported = SpanSet::default();
        for outer in &image.file.instructions {
            for found in instruction_words(outer) {
                let keyword = found.instruction.keyword;
                if found.role == WordRole::Value && matches!(keyword, "ENV" | "ARG") {
                    continue;
                }
                let text = &found.word.text;
                let logins: Vec<_> = url_logins(text).into_iter().map(|l| l.password).collect();
                for secret in formats(text) {
                    // A token used as a URL password is DF010's finding.
                    if logins.iter().any(|p| overlaps(p, &secret.range)) {
                        continue;
                    }
                    let span = located(found.word.span, text, secret.range.clone());
                    if !reported.insert(span) {
                        continue;
                    }
                    out.report(
                        span,
                        format!(
                            "{}: {} holds {}",
                            image.place_of(outer),
                            keywords_of(outer),
                            Exposure::Format(secret).describe(text)
                        ),
                    )
                    .help(
                        "rotate the credential, then give the build a secret mount instead of \
                         writing it in the Dockerfile:\n\
                         RUN --mount=type=secret,id=token \\\n    TOKEN=\"$(cat /run/secrets/token)\" ./build.sh",
                    )
                    .sensitive();
                }
            }
        }
    }
}

/// The known formats in a text, else a known format inside it as base64.
fn formats(text: &str) -> Vec<SecretMatch> {
    let found = secret_values(text);
    if found.is_empty() {
        secret_in_base64(text).into_iter().collect()
    } else {
        found
    }
}

fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Which rule reports a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// K8S005 reads container env values for names and formats, not for URLs.
    Env,
    /// K8S006 reads ConfigMap values for names and formats, not for URLs.
    ConfigMap,
    /// K8S026 reports every committed Secret value.
    Secret,
}

fn owned_values(object: &Object<'_>) -> SpanMap<Owner> {
    let mut owned = SpanMap::default();
    if let Some(workload) = Workload::of(object) {
        let containers = workload.pod.containers();
        for container in containers.filter(|c| c.role != ContainerRole::Ephemeral) {
            for value in container.env().iter().filter_map(|var| var.get("value")) {
                owned.insert(value.span, Owner::Env);
            }
        }
    }
    if let Some(config) = ConfigMap::of(object) {
        for entry in config.entries() {
            owned.insert(entry.entry.value.span, Owner::ConfigMap);
        }
    }
    if object.kind() == "Secret" && object.api_group().is_empty() {
        for section in SECRET_SECTIONS {
            let entries = object.root.get(section).map(Node::merged_entries);
            for entry in entries.unwrap_or_default() {
                owned.insert(entry.value.span, Owner::Secret);
            }
        }
    }
    owned
}

/// One step of a key path.
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

/// Where a value sits: the key it is written under (if any) and the name that says what it is.
#[derive(Default, Clone, Copy)]
struct Slot<'n> {
    key_span: Option<Span>,
    name: Option<&'n str>,
}

struct Walk<'n, 's, 'f> {
    object: &'n Object<'s>,
    /// Names the configuration adds to the secret-looking ones (`secret-names`).
    more_names: Option<&'f regex::RegexSet>,
    owned: SpanMap<Owner>,
    /// False where key names do not say what a value is (see `REFERENCE_GROUPS`).
    names_read: bool,
    /// Scalars already read: an alias repeats its anchor's span (`None` when the object holds
    /// no alias).
    seen: Option<SpanSet>,
    /// One finding per span, however many tokens a quoted value holds.
    reported: SpanSet,
    /// Secrets given as flags on a command line, by the `command` or `args` item that holds
    /// them: where in its text, and the flag.
    flags: SpanMap<Vec<(std::ops::Range<usize>, String)>>,
    path: Vec<Step<'n>>,
    out: &'f mut Findings,
}

impl<'n, 's> Walk<'n, 's, '_> {
    fn node(&mut self, node: &'n Node<'s>, slot: Slot<'n>) {
        if let Some(text) = node.as_text() {
            if self.seen.as_mut().is_none_or(|seen| seen.insert(node.span)) {
                self.scalar(node, text, slot);
            }
            return;
        }
        // Scalars of a list are named by its key (`client_secret: [s3cr3t]`).
        let item_slot = Slot {
            key_span: None,
            name: slot.name,
        };
        for (index, item) in node.items().iter().enumerate() {
            self.path.push(Step::Index(index));
            self.node(item, item_slot);
            self.path.pop();
        }
        // Every mapping of every object is read so: its keys are looked at once.
        let [name, command, args] = node.get_each(["name", "command", "args"]);
        let items = |value: Option<&'n Node<'s>>| value.map(Node::items).unwrap_or_default();
        self.command_line(items(command), items(args));
        // `{name: API_TOKEN, value: …}`: the value is named by its sibling.
        let tuple_name = name.and_then(Node::as_str);
        for entry in node.entries() {
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            if key == LAST_APPLIED && self.at(&["metadata", "annotations"]) {
                continue;
            }
            let name = match key {
                "value" => tuple_name.or(Some(key)),
                // A Kong key-auth credential's `key` is the API key itself.
                "key" if self.in_list("keyauth_credentials") => Some("api_key"),
                // Kong keeps a basic-auth password as its SHA-1 digest, and decK dumps it so: a
                // digest there is the stored hash, not the password.
                "password"
                    if self.in_list("basicauth_credentials")
                        && entry.value.as_text().is_some_and(is_sha1_hex) =>
                {
                    None
                }
                _ => Some(key),
            };
            self.path.push(Step::Key(key));
            let slot = Slot {
                key_span: Some(entry.key.span),
                name,
            };
            self.node(&entry.value, slot);
            self.path.pop();
        }
    }

    /// Notes the secrets a container-style `command`/`args` pair passes as flags, for the scalars
    /// that hold them to report.
    fn command_line(&mut self, command: &'n [Node<'s>], args: &'n [Node<'s>]) {
        if self.object.schema != Schema::Kubernetes {
            return;
        }
        if command.is_empty() && args.is_empty() {
            return;
        }
        for secret in command_line_secrets(command, args) {
            let held = self.flags.entry(secret.item.span).or_default();
            held.push((secret.range, secret.flag));
        }
    }

    /// True when the path is exactly `keys`.
    fn at(&self, keys: &[&str]) -> bool {
        self.path.len() == keys.len()
            && self
                .path
                .iter()
                .zip(keys)
                .all(|(step, key)| matches!(step, Step::Key(k) if k == key))
    }

    /// True when the current mapping is an item of a list under `key`.
    fn in_list(&self, key: &str) -> bool {
        matches!(self.path.as_slice(), [.., Step::Key(k), Step::Index(_)] if *k == key)
    }

    fn scalar(&mut self, node: &Node<'_>, text: &str, slot: Slot<'_>) {
        let owner = self.owned.get(&node.span).copied();
        if owner == Some(Owner::Secret) {
            return;
        }
        // Where a finding points, and what holds the secret (masked in output).
        let source = self.object.source;
        let at = |range: std::ops::Range<usize>| {
            let span = located_in_scalar(source, node, text, range);
            let multi_line = || text.trim_end().contains('\n');
            match slot.key_span {
                Some(key) if span == node.span && multi_line() => (key, span),
                _ => (span, span),
            }
        };
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        if owner.is_none() {
            for secret in formats(text) {
                let described = Exposure::Format(secret.clone()).describe(text);
                self.report(at(secret.range.clone()), &described);
                taken.push(secret.range);
            }
        }
        for login in url_logins(text) {
            if taken.iter().any(|t| overlaps(t, &login.secret)) {
                continue;
            }
            let described = format!("a login in the URL `{}`", login.redacted(text));
            self.report(at(login.secret.clone()), &described);
            taken.push(login.secret);
        }
        for password in connection_passwords(text) {
            if !taken.iter().any(|t| overlaps(t, &password)) {
                self.report(at(password.clone()), "a password in a connection string");
                taken.push(password);
            }
        }
        let flags = if self.flags.is_empty() {
            Vec::new()
        } else {
            self.flags.remove(&node.span).unwrap_or_default()
        };
        for (range, flag) in flags {
            if !taken.iter().any(|t| overlaps(t, &range)) {
                let described = format!("a literal secret given to the program as `{flag}`");
                self.report(at(range.clone()), &described);
                taken.push(range);
            }
        }
        if !taken.is_empty() || owner.is_some() || !self.names_read_here() {
            return;
        }
        let Some(name) = slot.name else { return };
        let literal = names_secret(name, self.more_names)
            && is_literal(name, text)
            && !self.names_a_secret(name, text, slot.key_span.is_none());
        if literal {
            self.report(at(0..text.len()), "a literal secret");
        }
    }

    /// Names are read outside `metadata`, a pod template's included, and outside label and
    /// annotation maps: their keys name Secrets and tool settings (`…/auth-secret`).
    fn names_read_here(&self) -> bool {
        let under_metadata = self.object.schema == Schema::Kubernetes
            && self
                .path
                .iter()
                .any(|step| matches!(step, Step::Key("metadata" | "annotations" | "labels")));
        self.names_read && !under_metadata
    }

    /// `existingSecret: cart-db`, `credentials: [billing-auth]`: in a Kubernetes object, a value
    /// under a key ending in `secret` or `credentials` that is an object name (with a `-` or `.`,
    /// unless it is a list item) refers to a Secret rather than being one.
    fn names_a_secret(&self, name: &str, value: &str, list_item: bool) -> bool {
        let refers = name_words(name)
            .last()
            .is_some_and(|w| matches!(w.as_str(), "SECRET" | "CREDENTIALS" | "CREDENTIAL"));
        let object_name = |part: &str| {
            !part.is_empty()
                && part.len() <= 253
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        };
        let separated = list_item || value.contains(['-', '.']);
        self.object.schema == Schema::Kubernetes
            && refers
            && separated
            && value.split('/').count() <= 2
            && value.split('/').all(object_name)
    }

    fn path_text(&self) -> String {
        let mut text = String::new();
        for step in &self.path {
            match step {
                Step::Index(i) => text.push_str(&format!("[{i}]")),
                Step::Key(k) if k.contains(['.', '/', ' ']) => text.push_str(&format!("[\"{k}\"]")),
                Step::Key(k) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(k);
                }
            }
        }
        text
    }

    fn report(&mut self, (span, secret): (Span, Span), described: &str) {
        if !self.reported.insert(span) {
            return;
        }
        let (subject, help) = match self.object.schema {
            Schema::KongDeclarative => (
                "Kong declarative config".to_owned(),
                "rotate the credential, then keep it out of the file: a vault reference where \
                 the field accepts one, or a value decK fills in from the environment:\n\
                 password: ${{ env \"DECK_BILLING_PASSWORD\" }}",
            ),
            Schema::Kubernetes => (
                format!("{} `{}`", self.object.kind(), self.object.qualified_name()),
                "rotate the credential, then keep it in a Secret filled from a secrets manager \
                 and point the field at that Secret instead of writing the value:\n\
                 passwordSecretRef: { name: app-credentials, key: password }",
            ),
        };
        let message = format!("{subject}, key `{}` holds {described}", self.path_text());
        self.out
            .report(span, message)
            .help(help)
            .object(ObjectRef::of(self.object))
            .secret_at(secret);
    }
}
