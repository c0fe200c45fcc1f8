//! DF010 credentials-in-url.
use std::collections::HashSet;

use crate::model::image::{instruction_words, keywords_of};
use crate::model::secrets::{located, url_logins};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a URL with a literal login, `scheme://user:password@host`, in any instruction:
    /// `RUN git clone https://deploy:…@git.example.com/app.git`, `ADD https://user:…@host/file`,
    /// `ENV DATABASE_URL=postgres://app:…@db/shop`, an exec-form word, a flag value, a heredoc.
    /// The finding points at the password (at the whole word when the word is quoted or
    /// escaped); the message shows the URL with the password replaced by `…`. When the password
    /// is GitHub's fixed `x-oauth-basic`, the user name is the token and is what is flagged.
    ///
    /// Left alone: a password that is a variable (`https://${GIT_USER}:${GIT_TOKEN}@github.com`,
    /// `:$(cat /run/secrets/token)@`) or a placeholder (`<password>`, `changeme`, `****`), and
    /// `user@host` without a password (`ssh://git@github.com`). A literal default password such
    /// as `amqp://guest:guest@rabbitmq` is still a login in the file and is reported.
    ///
    /// ## Why is this bad?
    /// The URL ends up in the image: `ENV` and `ARG` values in its configuration and history,
    /// `RUN` command lines in `docker history`, and tools such as git store the remote URL in
    /// the files they write (`.git/config`). The password also sits in the repository, in every
    /// fork, and in build logs that print the command.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine/git:2.43.0 AS source
    /// RUN git clone https://deploy:Zq8vLx2mP4@git.example.com/acme/app.git /src
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM alpine/git:2.43.0 AS source
    /// RUN --mount=type=secret,id=netrc,target=/root/.netrc \
    ///     git clone https://git.example.com/acme/app.git /src
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": never include secrets or credentials in the container
    /// image. Seed 003, "Secrets Management": never hardcode secrets in config files.
    pub CredentialsInUrl {
        id: "DF010",
        name: "credentials-in-url",
        family: Family::Df,
        severity: Severity::Error,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 000 §Containerization; seed 003 §Secrets Management",
    }
}

impl Rule for CredentialsInUrl {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let mut reported = HashSet::new();
        for outer in &image.file.instructions {
            for found in instruction_words(outer) {
                let text = &found.word.text;
                for login in url_logins(text) {
                    let span = located(found.word.span, text, login.secret.clone());
                    if !reported.insert(span) {
                        continue;
                    }
                    let keyword = found.instruction.keyword;
                    out.report(
                        span,
                        format!(
                            "{}: {} writes a literal login into the URL `{}`",
                            image.place_of(outer),
                            keywords_of(outer),
                            login.redacted(text)
                        ),
                    )
                    .help(help(keyword))
                    .sensitive();
                }
            }
        }
    }
}

fn help(keyword: &str) -> &'static str {
    match keyword {
        "ENV" | "ARG" => {
            "remove the login from the URL and supply the URL when the container starts (from a \
             Kubernetes Secret), or give the build a secret mount:\n\
             RUN --mount=type=secret,id=netrc,target=/root/.netrc \\\n    ./fetch-dependencies.sh"
        }
        _ => {
            "remove the login from the URL and mount it as a build secret that git and curl \
             read, such as a .netrc file:\n\
             RUN --mount=type=secret,id=netrc,target=/root/.netrc \\\n    \
             git clone https://git.example.com/acme/app.git /src"
        }
    }
}
