//! DF004 runs-as-root.
use crate::parse::dockerfile::Arguments;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a Dockerfile whose final stage runs as root: it has no `USER` instruction (nor
    /// inherits one from an earlier stage it is built `FROM`), or its last `USER` is `root` or
    /// uid `0`. Base images whose name or tag says they run unprivileged (`nonroot`, `non-root`,
    /// `unprivileged`, `rootless`: the distroless `:nonroot` tags,
    /// `nginxinc/nginx-unprivileged`, `docker:dind-rootless`) already switch to an unprivileged
    /// user in their own `USER` and are exempt when no `USER` is given. `FROM scratch` is not
    /// exempt: without `USER` its process runs as uid 0.
    ///
    /// ## Why is this bad?
    /// A process running as root inside the container is one kernel or runtime bug away from root
    /// on the node, and can write anywhere in the image's filesystem. Kubernetes can refuse such
    /// images (`runAsNonRoot`), so a root image also blocks hardening the pod.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20-slim
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20-slim
    /// COPY --chown=node:node . /app
    /// USER node
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Containerization": run containers as non-root users. Seed 003,
    /// "Containerization Phase": non-root, minimal images.
    pub RunsAsRoot {
        id: "DF004",
        name: "runs-as-root",
        family: Family::Df,
        severity: Severity::Warning,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 000 §Containerization; seed 003 §Containerization Phase",
    }
}

impl Rule for RunsAsRoot {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(stage) = image.final_stage() else {
            return;
        };
        let stage_name = format!("final {}", stage.describe());
        let Some((owner, user)) = image.effective_user(&stage) else {
            if image
                .root_base(&stage)
                .is_some_and(|base| runs_unprivileged(&base))
            {
                return;
            }
            let Some(from) = stage.from() else { return };
            out.report(from.span, format!("{stage_name} has no USER instruction, so the container runs as root"))
                .help("create an unprivileged user and switch to it before CMD:\nRUN useradd --uid 10001 app\nUSER 10001");
            return;
        };
        let Arguments::Words(words) = &user.arguments else {
            return;
        };
        let Some(word) = words.first() else { return };
        let expanded = image.expand(&owner, user, &word.text);
        let who = expanded.as_deref().unwrap_or(&word.text);
        if is_root(who.split(':').next().unwrap_or("")) {
            out.report(
                word.span,
                format!(
                    "{stage_name} switches to user `{}`, so the container runs as root",
                    word.text
                ),
            )
            .help("switch to an unprivileged user last:\nRUN useradd --uid 10001 app\nUSER 10001");
        }
    }
}

/// Whether an image says in its name that its own `USER` is unprivileged.
fn runs_unprivileged(base: &str) -> bool {
    let base = base.to_ascii_lowercase();
    ["nonroot", "non-root", "unprivileged", "rootless"]
        .iter()
        .any(|marker| base.contains(marker))
}

/// `root`, or uid 0 however written (`0`, `00`).
fn is_root(user: &str) -> bool {
    user == "root" || (!user.is_empty() && user.bytes().all(|b| b == b'0'))
}
