//! DF009 package-cache-kept.
use crate::model::image::StageView;
use crate::model::packages::{Manager, PackageCommand};
use crate::parse::dockerfile::Instruction;
use crate::parse::shell::ShellCommand;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags package-manager commands that leave caches or extras in the final image:
    /// - `apt-get install` (or `apt install`) without `--no-install-recommends`, pointing at
    ///   `install`. Recommends switched off by `-o APT::Install-Recommends=false` or by an
    ///   `apt.conf` line an earlier `RUN` writes (`APT::Install-Recommends "0";`) count.
    /// - a `RUN` that runs `apt-get update` (or `apt update`) but does not remove
    ///   `/var/lib/apt/lists` in the same `RUN`, pointing at the `update`'s `apt-get`: `update`
    ///   is what writes the lists, so `RUN apt-get update` on its own is flagged even when a later
    ///   `RUN` installs and removes them, and an `apt-get install` without `update` is not (its
    ///   layer adds no lists), as hadolint's DL3009 reads it. `apt-get clean` is not enough: it
    ///   empties `/var/cache/apt/archives` and keeps the lists. Unlike KICS, we do not accept it.
    /// - `apk add` without `--no-cache`, unless the same `RUN` removes `/var/cache/apk`.
    /// - `pip install` (also `pip3`, `python -m pip`) without `--no-cache-dir`, unless
    ///   `PIP_NO_CACHE_DIR` is set (by an `ENV` or `ARG` earlier in the stage, an `ENV` of a
    ///   stage it is built `FROM`, or on the command line) or the same `RUN` empties the cache
    ///   (`rm -rf ~/.cache/pip`, `pip cache purge`). Any non-empty value counts, as it does for
    ///   pip itself. `pip install --upgrade pip` is flagged too: it caches the
    ///   downloaded wheel like any other install.
    ///
    /// A `RUN --mount=type=cache` (or `tmpfs`) over the cache directory exempts that cache: its
    /// files never reach the layer. Only the final stage and the stages it is built `FROM` are
    /// checked: a build stage's caches stay behind, since `COPY --from` of an artifact or a venv
    /// does not carry `/var/lib/apt/lists` or `~/.cache/pip` along (KICS checks every stage).
    /// `ONBUILD` instructions are left to the image that uses them.
    ///
    /// ## Why is this bad?
    /// Package indexes, downloaded archives and recommended extras add tens to hundreds of
    /// megabytes to every pull and every node's disk, and each extra package is one more thing
    /// for vulnerability scanners to report. Deleting a cache in a later `RUN` does not help: the
    /// earlier layer still holds it.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y libpq5
    /// RUN apk add curl
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends libpq5 \
    ///  && rm -rf /var/lib/apt/lists/*
    /// RUN apk add --no-cache curl
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §12 "Deploy in Containers": Dockerfiles should be minimal and reproducible.
    /// Seed 003, "Scripts & Tools": production-optimized Dockerfiles.
    pub PackageCacheKept {
        id: "DF009",
        name: "package-cache-kept",
        family: Family::Df,
        severity: Severity::Note,
        scope: Scope::Dockerfile,
        security: false,
        guideline: "seed 001 §12 Deploy in Containers; seed 003 §Scripts & Tools",
    }
}

const APT_LISTS: &str = "/var/lib/apt/lists";
const APK_CACHE: &str = "/var/cache/apk";

impl Rule for PackageCacheKept {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(last) = image.final_stage() else {
            return;
        };
        for stage in image.lineage(&last) {
            for run in stage.instructions_named("RUN") {
                check_run(image, &stage, run, out);
            }
        }
    }
}

fn check_run(image: &Image<'_>, stage: &StageView<'_>, run: &Instruction, out: &mut Findings) {
    let commands = image.commands(run);
    let mounts = image.cache_mounts(run);
    let mut lists_reported = false;
    for (index, command) in commands.iter().enumerate() {
        let Some(package) = PackageCommand::parse(command) else {
            continue;
        };
        let tool = package.tool.text.rsplit('/').next().unwrap_or(&package.tool.text);
        // `update` writes the lists; an `install` without it adds none to this layer.
        if package.manager == Manager::Apt && package.subcommand.text == "update" {
            if !lists_reported && !removes(&commands, APT_LISTS) && !covered(&mounts, APT_LISTS) {
                lists_reported = true;
                out.report(
                    package.tool.span,
                    format!("`{tool} update` leaves the package lists in `{APT_LISTS}` in this layer"),
                )
                .help(format!(
                    "remove the lists in the same RUN:\nRUN {tool} update \\\n && {tool} install -y --no-install-recommends <packages> \\\n && rm -rf /var/lib/apt/lists/*"
                ));
            }
            continue;
        }
        if !package.is_install() {
            continue;
        }
        match package.manager {
            Manager::Apt => {
                if !command.has_flag("--no-install-recommends")
                    && !recommends_off(image, stage, run, &commands)
                {
                    out.report(
                        package.subcommand.span,
                        format!(
                            "`{tool} install` without `--no-install-recommends` also installs every recommended package"
                        ),
                    )
                    .help(format!(
                        "add `--no-install-recommends` and name what you need:\n\
                         RUN {tool} update \\\n && {tool} install -y --no-install-recommends <packages> \\\n && rm -rf /var/lib/apt/lists/*"
                    ));
                }
            }
            Manager::Apk => {
                if !command.has_flag("--no-cache")
                    && !removes(&commands, APK_CACHE)
                    && !covered(&mounts, APK_CACHE)
                    && !covered(&mounts, "/etc/apk/cache")
                {
                    out.report(
                        package.subcommand.span,
                        format!("`apk add` without `--no-cache` keeps the package index in `{APK_CACHE}`"),
                    )
                    .help("pass `--no-cache`, which fetches the index without storing it:\nRUN apk add --no-cache <packages>");
                }
            }
            Manager::Pip => {
                let cache_off = command.has_flag("--no-cache-dir")
                    || pip_cache_disabled(&commands[..=index])
                    || image
                        .variable_before(stage, run, "PIP_NO_CACHE_DIR")
                        .is_some_and(|v| !v.is_empty());
                if !cache_off && !pip_cache_removed(&commands) && !mounts.iter().any(|m| is_pip_cache(m)) {
                    let invocation = if tool.starts_with("python") {
                        format!("{tool} -m pip install")
                    } else {
                        format!("{tool} install")
                    };
                    out.report(
                        package.subcommand.span,
                        format!("`{invocation}` without `--no-cache-dir` keeps the downloaded packages in `~/.cache/pip`"),
                    )
                    .help(format!(
                        "pass `--no-cache-dir`, or set `ENV PIP_NO_CACHE_DIR=1` once in the stage:\nRUN {invocation} --no-cache-dir -r requirements.txt"
                    ));
                }
            }
            Manager::Yum => {}
        }
    }
}

/// Whether an `apt.conf` setting or option turns recommends off: a word of this `RUN`, or of an
/// earlier `RUN` in the stage or its parents, that sets `APT::Install-Recommends` to false.
fn recommends_off(
    image: &Image<'_>,
    stage: &StageView<'_>,
    run: &Instruction,
    commands: &[ShellCommand],
) -> bool {
    let sets_off = |command: &ShellCommand| {
        command.words.iter().any(|word| {
            let lower = word.text.to_ascii_lowercase();
            lower.split_once("install-recommends").is_some_and(|(_, value)| {
                let value = value.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                value == "0" || value == "false"
            })
        })
    };
    if commands.iter().any(sets_off) {
        return true;
    }
    image.lineage(stage).iter().any(|s| {
        s.instructions_named("RUN")
            .filter(|i| s.index != stage.index || i.span.start < run.span.start)
            .any(|earlier| image.commands(earlier).iter().any(sets_off))
    })
}

/// Whether an `rm` (or `find … -delete`) of the script removes `dir` or everything in it.
fn removes(commands: &[ShellCommand], dir: &str) -> bool {
    commands.iter().any(|command| {
        let deletes = match command.program() {
            Some("rm") => true,
            Some("find") => command.has_flag("-delete"),
            _ => false,
        };
        deletes
            && command.args().iter().any(|word| {
                let path = word.text.trim_end_matches('*').trim_end_matches('/');
                !path.is_empty() && (dir == path || dir.starts_with(&format!("{path}/")))
            })
    })
}

/// Whether a cache or tmpfs mount covers `dir`, so its files never reach the layer.
fn covered(mounts: &[String], dir: &str) -> bool {
    mounts.iter().any(|target| {
        let target = target.trim_end_matches('/');
        !target.is_empty() && (dir == target || dir.starts_with(&format!("{target}/")))
    })
}

/// `PIP_NO_CACHE_DIR=…` given on a command line or exported earlier in the script.
fn pip_cache_disabled(commands: &[ShellCommand]) -> bool {
    commands.iter().flat_map(|c| &c.words).any(|word| {
        word.text
            .strip_prefix("PIP_NO_CACHE_DIR=")
            .is_some_and(|value| !value.is_empty())
    })
}

/// Whether the script empties pip's cache: `pip cache purge` or an `rm` of `~/.cache/pip`.
fn pip_cache_removed(commands: &[ShellCommand]) -> bool {
    commands.iter().any(|command| {
        let purge = PackageCommand::parse(command).is_some_and(|p| {
            p.manager == Manager::Pip
                && p.subcommand.text == "cache"
                && p.operands
                    .first()
                    .is_some_and(|w| matches!(w.text.as_str(), "purge" | "remove"))
        });
        let removed = command.program() == Some("rm")
            && command
                .args()
                .iter()
                .any(|word| is_pip_cache(word.text.trim_end_matches('*')));
        purge || removed
    })
}

/// A path that holds pip's default cache: `~/.cache`, `/root/.cache/pip`.
fn is_pip_cache(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let path = path.strip_prefix('~').unwrap_or(path);
    path.ends_with("/.cache") || path.ends_with("/.cache/pip")
}
