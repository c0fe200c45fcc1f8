//! DF002 secret-in-env-or-arg.
use crate::model::image::keywords_of;
use crate::model::secrets::{Exposure, exposed_secret, has_shell_variable, located, url_logins};
use crate::parse::dockerfile::{Arguments, Instruction, Pair};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags an `ENV` or `ARG` (also under `ONBUILD`, in any stage) that writes a secret into the
    /// Dockerfile: a literal value under a name that says it is a secret (`DB_PASSWORD`,
    /// `NPM_TOKEN`, `API_KEY`, `AWS_SECRET_ACCESS_KEY`, `SMTP_PASS`), or any value holding a
    /// known token format (private key, AWS access key id, GitHub, GitLab, Slack, Stripe or
    /// Google key, JWT, …). The finding points at the value (at the token itself when the value
    /// is unquoted), and the message shows at most a short prefix of it.
    ///
    /// Left alone: an `ARG` without a default (`ARG NPM_TOKEN`), which is supplied with
    /// `--build-arg` at build time; values that use a variable (`${DB_PASSWORD}`,
    /// `pre-$SUFFIX`); placeholders (`changeme`, `<password>`, `xxxx`, an empty string);
    /// values that restate the name or point at a file (`API_KEY=API_KEY`,
    /// `GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json`); names about a secret rather
    /// than the secret itself (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`, `GPG_KEY`); flags
    /// such as `MYSQL_ALLOW_EMPTY_PASSWORD=yes`; and values holding a login URL
    /// (`scheme://user:password@host`), which DF010 reports.
    ///
    /// ## Why is this bad?
    /// An `ENV` value is stored in the image configuration: anyone who can pull the image reads
    /// it with `docker inspect`, and every container started from it has it. An `ARG` default is
    /// recorded in the build history of each `RUN` that uses it (`docker history`). Both sit in
    /// the repository, in every fork and CI log, and cannot be rotated without a rebuild. Build
    /// arguments without a default are still visible in the history when a `RUN` uses them, so
    /// secrets the build needs belong in a secret mount.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.11-slim
    /// ARG NPM_TOKEN=npm_Qm3xZ8vR2kL9pW4nT7yBQm3xZ8vR2kL9pW4n
    /// ENV DB_PASSWORD=s3cr3t-Pa55
    /// RUN npm ci
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20.11-slim
    /// RUN --mount=type=secret,id=npm_token \
    ///     NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci
    /// # DB_PASSWORD comes from a Kubernetes Secret when the container starts
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": never include secrets or credentials in the container
    /// image. Seed 003, "Secrets Management": never hardcode secrets in config files.
    pub SecretInEnvOrArg {
        id: "DF002",
        name: "secret-in-env-or-arg",
        family: Family::Df,
        severity: Severity::Error,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 000 §Containerization; seed 003 §Secrets Management",
    }
}

impl Rule for SecretInEnvOrArg {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        for outer in &image.file.instructions {
            let instruction = match &outer.arguments {
                Arguments::Onbuild(inner) => inner.as_ref(),
                _ => outer,
            };
            let Arguments::Pairs(pairs) = &instruction.arguments else {
                continue;
            };
            if !matches!(instruction.keyword, "ENV" | "ARG") {
                continue;
            }
            for pair in pairs {
                check_pair(image, outer, instruction.keyword, pair, out);
            }
        }
    }
}

fn check_pair(image: &Image<'_>, outer: &Instruction, keyword: &str, pair: &Pair, out: &mut Findings) {
    // `ARG NAME` without a default is filled with `--build-arg` at build time.
    let Some(value) = &pair.value else { return };
    let (name, text) = (pair.key.text.as_str(), value.text.as_str());
    // A password inside a URL is DF010's finding, whatever the name.
    if !url_logins(text).is_empty() {
        return;
    }
    let Some(exposure) = exposed_secret(name, text) else {
        return;
    };
    let span = match &exposure {
        Exposure::Format(found) => located(value.span, text, found.range.clone()),
        Exposure::NamedLiteral if has_shell_variable(text) => return,
        Exposure::NamedLiteral => value.span,
    };
    let (verb, consequence, help) = match keyword {
        "ARG" => (
            "defaults to",
            "which the build history records",
            format!(
                "drop the default and give the build the secret through a secret mount, not a build argument:\n\
                 RUN --mount=type=secret,id={id} \\\n    {name}=\"$(cat /run/secrets/{id})\" ./build.sh",
                name = OneLine(name),
                id = OneLine(&name.to_ascii_lowercase())
            ),
        ),
        _ => (
            "holds",
            "which is stored in the image configuration",
            format!(
                "remove the value and set `{name}` when the container starts (from a Kubernetes Secret); \
                 if the build needs it, use a secret mount:\n\
                 RUN --mount=type=secret,id={id} \\\n    {name}=\"$(cat /run/secrets/{id})\" ./build.sh",
                name = OneLine(name),
                id = OneLine(&name.to_ascii_lowercase())
            ),
        ),
    };
    out.report(
        span,
        format!(
            "{}: {} `{name}` {verb} {}, {consequence}",
            image.place_of(outer),
            keywords_of(outer),
            exposure.describe(text)
        ),
    )
    .help(help)
    .sensitive();
}
