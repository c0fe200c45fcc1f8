//! DF003 secret-file-in-image.
use crate::parse::dockerfile::{Arguments, Instruction, Word};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a `COPY` or `ADD` from the build context that puts a credentials file into the
    /// image, pointing at the source word:
    /// - by name: `.env` and `.env.*`, `*.pem`, `*.key`, `*.p12`, `*.pfx`, SSH keys (`id_rsa*`,
    ///   `id_dsa*`, `id_ecdsa*`, `id_ed25519*`), `.npmrc`, `.pypirc`, `.netrc`,
    ///   `.git-credentials`, `credentials*.json`, and the directories `.aws/`, `.ssh/`, `.git/`
    ///   and `.gnupg/`. Templates (`.example`, `.sample`, `.template`, `.dist`, `.tpl`) and
    ///   public keys (`.pub`) are not secrets. A `.pem`, `.key`, `.p12` or `.pfx` whose name says
    ///   it is public (`ca`, `cert`, `crt`, `chain`, `bundle`, `root`, `trust`, `pub`, `gpg`,
    ///   `pgp`, `signing`, `release`) or Diffie-Hellman parameters (`dhparam`, `dh2048`,
    ///   `ffdhe2048`), or a `.pem` copied into a certificate directory
    ///   (`/usr/local/share/ca-certificates`, `…/certs`), is a certificate, a signing key or
    ///   public parameters and is skipped, unless its name also says `key` or `priv`
    ///   (`ca-key.pem`).
    /// - the whole context: `COPY . …`, `./`, `*` or `./*` while the Dockerfile's directory holds
    ///   such files that its `.dockerignore` (or `<Dockerfile>.dockerignore`) does not exclude, and
    ///   the instruction's own `--exclude` patterns do not leave out. There, `.npmrc` and
    ///   `.pypirc` count only when they set a token or password to a literal (npm expands
    ///   `_authToken=${NPM_TOKEN}` from the environment, so that file holds none). The message
    ///   names the files and the help gives the `.dockerignore` lines. The context is taken to
    ///   be the Dockerfile's directory, as `docker build .` beside it does. A secret directory
    ///   whose contents are all excluded (`.git/*`) is left in empty, and does not count.
    ///
    /// A `.env` file is judged by what it sets when it is in the build context (the path
    /// relative to the Dockerfile's directory, as a named `COPY .env` or `COPY config/.env.prod`
    /// writes it, or found there by a whole-context copy): read as `KEY=value` lines, it counts
    /// only when a line holds a secret as SEC001 and K8S005 read one (a literal under a
    /// secret-looking name such as `DB_PASSWORD`, a token, a login URL, a connection-string
    /// password), so `NODE_ENV=production` and `DB_PASSWORD=${DB_PASSWORD}` do not; the message
    /// names the variables that do, never their values. A `.env` the scan cannot read (not in
    /// the scanned tree, as when the build context is another directory, or over 64 KiB) is
    /// flagged by its name alone.
    ///
    /// Files named one by one are flagged only in the final stage and the stages it is built
    /// `FROM`: a build stage that copies `.npmrc` to install private packages and hands only its
    /// output on keeps the token out of the image (a file that the final stage then takes with
    /// `COPY --from` is not followed). Whole-context copies are flagged in every stage: nobody
    /// chose those files, build tools read `.env` into their output, a later
    /// `COPY --from=build /src …` carries them on, and the `.dockerignore` fix costs nothing.
    /// `COPY --from` copies from another stage or image, not from the context, and is skipped.
    ///
    /// ## Why is this bad?
    /// Every layer of an image can be read by anyone who can pull it, and a file deleted in a
    /// later layer is still in the earlier one. A copied `.env`, private key or registry token is
    /// therefore published with the image, to every registry, cache and node it reaches.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc package.json package-lock.json ./
    /// RUN npm ci && rm .npmrc
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY package.json package-lock.json ./
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": never include secrets or configuration values in the
    /// container image. Seed 003, "Secrets Management": never hardcode secrets in config files.
    pub SecretFileInImage {
        id: "DF003",
        name: "secret-file-in-image",
        family: Family::Df,
        severity: Severity::Error,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 000 §Containerization; seed 003 §Secrets Management",
    }
}

/// How many files a message names before "and N more".
const NAMED: usize = 3;
/// How many `.dockerignore` lines the help lists.
const LISTED: usize = 8;

impl Rule for SecretFileInImage {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(last) = image.final_stage() else {
            return;
        };
        let shipped: Vec<usize> = image.lineage(&last).iter().map(|s| s.index).collect();
        for stage in image.stages() {
            for transfer in stage.instructions.iter() {
                if !matches!(transfer.keyword, "COPY" | "ADD") || transfer.flag("from").is_some() {
                    continue;
                }
                let Arguments::Transfer { sources, dest } = &transfer.arguments else {
                    continue;
                };
                for source in sources {
                    let path = image
                        .expand(&stage, transfer, &source.text)
                        .unwrap_or_else(|| source.text.clone());
                    if path.contains("://") || path.starts_with("git@") {
                        continue;
                    }
                    if matches!(path.as_str(), "." | "./" | "*" | "./*") {
                        // Whole-context copies are checked in every stage: build tools read
                        // `.env` into their output, and `COPY --from=build /src …` carries it on.
                        let into = if shipped.contains(&stage.index) {
                            "the image".to_owned()
                        } else {
                            format!("build {}", stage.describe())
                        };
                        report_context(image, transfer, source, &into, out);
                    } else if shipped.contains(&stage.index)
                        && let Some(kind) = secret_kind(&path, &dest.text)
                    {
                        // A `.env` in the context is judged by what it sets.
                        let sets = match kind {
                            Secret::EnvFile => image.env_file_secrets(&path),
                            _ => None,
                        };
                        if sets.as_ref().is_some_and(Vec::is_empty) {
                            continue;
                        }
                        let which = sets.map_or_else(String::new, |names| {
                            format!(" (it sets `{}`)", names.join("`, `"))
                        });
                        out.report(
                            source.span,
                            format!(
                                "{} puts the {} `{path}`{which} into the image, where anyone who can pull it can read it",
                                transfer.keyword,
                                kind.describe(),
                            ),
                        )
                        .help(kind.help());
                    }
                }
            }
        }
    }
}

/// `COPY .` while the context holds secret-looking files the ignore file lets through.
fn report_context(image: &Image<'_>, transfer: &Instruction, source: &Word, into: &str, out: &mut Findings) {
    // The context scan reads `.npmrc` for a token; names must also pass this rule's reading, so
    // a CA certificate left in the context is not reported as a key.
    let mut copied = image.secrets_copied_by(transfer);
    copied.retain(|path| secret_kind(path, "").is_some());
    if copied.is_empty() {
        return;
    }
    let mut named: Vec<String> = copied.iter().take(NAMED).map(|p| format!("`{p}`")).collect();
    let rest = copied.len().saturating_sub(NAMED);
    let list = if rest > 0 {
        format!("{} and {rest} more", named.join(", "))
    } else {
        let last = named.pop().unwrap_or_default();
        if named.is_empty() {
            last
        } else {
            format!("{} and {last}", named.join(", "))
        }
    };
    let them = if copied.len() == 1 { "it" } else { "them" };
    let (reason, help_intro) = match &image.context.ignore_file {
        Some(file) => (
            format!("`{file}` does not exclude {them}"),
            format!(
                "exclude {them} in `{}`, or copy only what the image needs:",
                OneLine(file)
            ),
        ),
        None => (
            "the build context has no `.dockerignore`".to_owned(),
            format!("create a `.dockerignore` beside the Dockerfile that excludes {them}:"),
        ),
    };
    let mut lines: Vec<String> = copied
        .iter()
        .take(LISTED)
        .map(|p| OneLine(p.trim_end_matches('/')).to_string())
        .collect();
    if copied.len() > LISTED {
        lines.push(format!("# and {} more", copied.len() - LISTED));
    }
    out.report(
        source.span,
        format!(
            "{} `{}` copies {list} from the build context into {into}, because {reason}",
            transfer.keyword, source.text
        ),
    )
    .help(format!("{help_intro}\n{}", lines.join("\n")));
}

/// What a secret-looking file is, for messages and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    Git,
    Aws,
    Ssh,
    SshKey,
    Gnupg,
    EnvFile,
    PrivateKey,
    Credentials,
    Npmrc,
    Pypirc,
}

impl Secret {
    fn describe(self) -> &'static str {
        match self {
            Secret::Git => "git directory",
            Secret::Aws => "AWS credentials directory",
            Secret::Ssh => "SSH directory",
            Secret::SshKey => "SSH private key",
            Secret::Gnupg => "GnuPG keyring",
            Secret::EnvFile => "environment file",
            Secret::PrivateKey => "private key",
            Secret::Credentials => "credentials file",
            Secret::Npmrc | Secret::Pypirc => "registry credentials file",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Secret::Git => "copy only the files the build needs, and list `.git` in .dockerignore:\n.git",
            Secret::Ssh | Secret::SshKey => {
                "forward the SSH agent to the one step that needs the key, and list the key in .dockerignore:\n\
                 RUN --mount=type=ssh git clone git@github.com:org/repo.git"
            }
            Secret::Aws => {
                "mount the credentials only for the step that needs them, and list `.aws` in .dockerignore:\n\
                 RUN --mount=type=secret,id=aws,target=/root/.aws/credentials aws s3 cp s3://bucket/file ."
            }
            Secret::EnvFile => {
                "give the settings to the container at run time (a Kubernetes Secret or ConfigMap), and \
                 list the file in .dockerignore:\n.env*\n!.env.example"
            }
            Secret::Npmrc => {
                "mount it only for the install, and list it in .dockerignore:\n\
                 RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci"
            }
            Secret::Pypirc => {
                "mount it only for the step that needs it, and list it in .dockerignore:\n\
                 RUN --mount=type=secret,id=pypirc,target=/root/.pypirc twine upload dist/*"
            }
            Secret::Gnupg | Secret::PrivateKey | Secret::Credentials => {
                "mount it only for the step that needs it, or give it to the container at run time from a \
                 Kubernetes Secret, and list it in .dockerignore:\n\
                 RUN --mount=type=secret,id=key,target=/run/secrets/key <command>"
            }
        }
    }
}

/// What kind of secret a context path names, if any; `dest` tells certificates from keys.
fn secret_kind(path: &str, dest: &str) -> Option<Secret> {
    let components: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for component in &components {
        match component.to_ascii_lowercase().as_str() {
            ".git" => return Some(Secret::Git),
            ".aws" => return Some(Secret::Aws),
            ".ssh" => return Some(Secret::Ssh),
            ".gnupg" => return Some(Secret::Gnupg),
            _ => {}
        }
    }
    let name = components.last()?.to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist", ".tpl", ".pub"]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    if template {
        return None;
    }
    if name == ".env" || name.starts_with(".env.") {
        return Some(Secret::EnvFile);
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
        .iter()
        .any(|key| name.starts_with(key))
    {
        return Some(Secret::SshKey);
    }
    if [".pem", ".key", ".p12", ".pfx"]
        .iter()
        .any(|ext| name.ends_with(ext))
    {
        return (!is_public(&name, dest)).then_some(Secret::PrivateKey);
    }
    if name.starts_with("credentials") && name.ends_with(".json") {
        return Some(Secret::Credentials);
    }
    match name.as_str() {
        ".npmrc" => Some(Secret::Npmrc),
        ".pypirc" => Some(Secret::Pypirc),
        ".netrc" | ".git-credentials" => Some(Secret::Credentials),
        _ => None,
    }
}

/// Whether a key-like file name (or where it goes) says it is a certificate or public key.
fn is_public(name: &str, dest: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    if stem.contains("key") && !stem.contains("pub") || stem.contains("priv") {
        return false;
    }
    let tokens: Vec<&str> = stem.split(['-', '_', '.']).collect();
    // Diffie-Hellman parameters (`dhparam.pem`, `dh2048.pem`, `ffdhe2048.pem`) are public.
    let dh_parameters = stem.contains("dhparam")
        || tokens.iter().any(|t| {
            ["dh", "ffdhe"].iter().any(|prefix| {
                t.strip_prefix(prefix)
                    .is_some_and(|bits| !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit()))
            })
        });
    let named_public = dh_parameters
        || tokens
            .iter()
            .any(|t| matches!(*t, "ca" | "root" | "pub" | "public"))
        || [
            "cert", "crt", "chain", "bundle", "trust", "gpg", "pgp", "signing", "release", "keyring",
        ]
        .iter()
        .any(|marker| stem.contains(marker));
    let dest = dest.to_ascii_lowercase();
    let certificate_dir = name.ends_with(".pem")
        && (dest.contains("ca-certificates") || dest.contains("/certs") || dest.contains("/pki/"));
    named_public || certificate_dir
}
