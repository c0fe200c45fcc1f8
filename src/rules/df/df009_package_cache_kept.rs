//! DF009 package-cache-kept.

use std::cell::OnceCell;

use crate::fix::{Applicability, Edit, Fix};
use crate::model::image::StageView;
use crate::model::packages::{Manager, PackageCommand};
use crate::parse::dockerfile::{Arguments, CommandForm, Instruction, Word};
use crate::parse::shell::{ShellCommand, ShellWord};
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
    /// ## Fix
    /// Safe: `--fix` adds `--no-cache` after `apk add` and `--no-cache-dir` after `pip install`
    /// (neither changes what is installed), and appends `&& rm -rf /var/lib/apt/lists/*` to a
    /// `RUN` that runs `apt-get update`, on a continuation line when the `RUN` spans several.
    /// The lists are removed only when no later `RUN` of the Dockerfile may use apt before one
    /// updates the lists again (it would find none to install from): one that mentions apt in
    /// any word, runs a script, is in exec form, or an `ONBUILD` instruction, keeps them. Unsafe: `--no-install-recommends`, since
    /// a program may need a package that only comes as a recommendation (`curl` gets
    /// `ca-certificates` that way); `--unsafe-fixes` adds it. No fix is offered in a heredoc, in
    /// a `RUN` whose text holds a comment or ends in an operator, or in a Dockerfile with a
    /// `SHELL` instruction (the shell may not read `&&`).
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
        fix: Applicability::Safe,
    }
}

const APT_LISTS: &str = "/var/lib/apt/lists";
const APK_CACHE: &str = "/var/cache/apk";

impl Rule for PackageCacheKept {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(last) = image.final_stage() else {
            return;
        };
        let turned_off = OnceCell::new();
        for stage in image.lineage(&last) {
            for run in stage.instructions_named("RUN") {
                check_run(image, &stage, run, &turned_off, out);
            }
        }
    }
}

/// Where each stage (by index) first turns recommended packages off, read when an install first
/// asks: every `RUN` is split once, however many installs there are.
type RecommendsTurnedOff = OnceCell<std::collections::HashMap<usize, u32>>;

fn check_run(
    image: &Image<'_>,
    stage: &StageView<'_>,
    run: &Instruction,
    turned_off: &RecommendsTurnedOff,
    out: &mut Findings,
) {
    let commands = image.commands(run);
    let mounts = image.cache_mounts(run);
    let mut lists_reported = false;
    let read = OnceCell::new();
    let script = || read.get_or_init(|| Script::read(image, run, &commands));
    for (index, command) in commands.iter().enumerate() {
        let Some(package) = PackageCommand::parse(command) else {
            continue;
        };
        let tool = package.tool.text.rsplit('/').next().unwrap_or(&package.tool.text);
        // `update` writes the lists; an `install` without it adds none to this layer.
        if package.manager == Manager::Apt && package.subcommand.text == "update" {
            if !lists_reported && !script().lists_removed && !covered(&mounts, APT_LISTS) {
                lists_reported = true;
                out.report(
                    package.tool.span,
                    format!("`{tool} update` leaves the package lists in `{APT_LISTS}` in this layer"),
                )
                .help(format!(
                    "remove the lists in the same RUN:\nRUN {tool} update \\\n && {tool} install -y --no-install-recommends <packages> \\\n && rm -rf /var/lib/apt/lists/*"
                ))
                .fix(lists_removal_fix(image, run, script().editable, &commands));
            }
            continue;
        }
        if !package.is_install() {
            continue;
        }
        match package.manager {
            Manager::Apt => {
                if !command.has_flag("--no-install-recommends")
                    && !script().turns_recommends_off
                    && !turned_off_before(image, stage, run, turned_off)
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
                    ))
                    .fix(flag_fix(
                        script().editable,
                        package.subcommand,
                        "--no-install-recommends",
                        Applicability::Unsafe,
                    ));
                }
            }
            Manager::Apk => {
                if !command.has_flag("--no-cache")
                    && !script().apk_cache_removed
                    && !covered(&mounts, APK_CACHE)
                    && !covered(&mounts, "/etc/apk/cache")
                {
                    out.report(
                        package.subcommand.span,
                        format!("`apk add` without `--no-cache` keeps the package index in `{APK_CACHE}`"),
                    )
                    .help("pass `--no-cache`, which fetches the index without storing it:\nRUN apk add --no-cache <packages>")
                    .fix(flag_fix(script().editable, package.subcommand, "--no-cache", Applicability::Safe));
                }
            }
            Manager::Pip => {
                let cache_off = command.has_flag("--no-cache-dir")
                    || script().pip_cache_off_from.is_some_and(|from| from <= index)
                    || image
                        .variable_before(stage, run, "PIP_NO_CACHE_DIR")
                        .is_some_and(|v| !v.is_empty());
                if !cache_off && !script().pip_cache_emptied && !mounts.iter().any(|m| is_pip_cache(m)) {
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
                    ))
                    .fix(flag_fix(script().editable, package.subcommand, "--no-cache-dir", Applicability::Safe));
                }
            }
            Manager::Yum => {}
        }
    }
}

/// What the whole script of one `RUN` does, read when its first package command asks: a script
/// of thousands of commands is read once, not once for each of them.
struct Script<'r> {
    lists_removed: bool,
    apk_cache_removed: bool,
    pip_cache_emptied: bool,
    turns_recommends_off: bool,
    /// The first command from which `PIP_NO_CACHE_DIR` is set.
    pip_cache_off_from: Option<usize>,
    /// The text a fix may edit (see [`editable_script`]).
    editable: Option<&'r Word>,
}

impl<'r> Script<'r> {
    fn read(image: &Image<'_>, run: &'r Instruction, commands: &[ShellCommand]) -> Self {
        Script {
            lists_removed: removes(commands, APT_LISTS),
            apk_cache_removed: removes(commands, APK_CACHE),
            pip_cache_emptied: pip_cache_removed(commands),
            turns_recommends_off: commands.iter().any(sets_recommends_off),
            pip_cache_off_from: commands.iter().position(disables_pip_cache),
            editable: editable_script(image, run),
        }
    }
}

/// The shell-form script of a `RUN` that a fix may edit: written as it reads (no heredoc, no
/// comment line the parser dropped), in a Dockerfile that keeps the default shell.
fn editable_script<'i>(image: &Image<'_>, run: &'i Instruction) -> Option<&'i Word> {
    let Arguments::Command(CommandForm::Shell(script)) = &run.arguments else {
        return None;
    };
    let verbatim = script.span.end - script.span.start == script.text.len() as u32;
    let comment = script
        .text
        .lines()
        .any(|line| line.trim_start().starts_with('#') || line.contains(" #") || line.contains("\t#"));
    let custom_shell = image.shell_changed();
    (verbatim && !comment && !custom_shell && run.inline_heredocs.is_empty()).then_some(script)
}

/// The fix that writes `flag` after a package manager's subcommand, when the subcommand is
/// written plainly in the `RUN`'s script (its [`editable_script`]).
fn flag_fix(
    script: Option<&Word>,
    subcommand: &ShellWord,
    flag: &str,
    applicability: Applicability,
) -> Option<Fix> {
    let script = script?;
    let start = subcommand.span.start.checked_sub(script.span.start)? as usize;
    let end = subcommand.span.end.checked_sub(script.span.start)? as usize;
    if script.text.get(start..end)? != subcommand.text {
        return None;
    }
    Fix::new(
        applicability,
        format!("add `{flag}`"),
        vec![Edit::insert(subcommand.span.end as usize, format!(" {flag}"))],
    )
}

/// The fix that ends a `RUN` that updates apt's lists with their removal (with `sudo` when the
/// `RUN` needs it for apt), unless a later `RUN` uses apt without updating them again.
fn lists_removal_fix(
    image: &Image<'_>,
    run: &Instruction,
    script: Option<&Word>,
    commands: &[ShellCommand],
) -> Option<Fix> {
    let script = script?;
    // The RUNs after it read the lists until one updates them again. Any word that mentions apt
    // (`bash -c 'apt-get install …'`, `xargs apt-get …`) or runs a script counts as a use, and
    // so does an ONBUILD instruction: what they run is not read here.
    let mut later_needs_lists = false;
    let instructions = &image.file.instructions;
    let after = instructions.partition_point(|i| i.span.start <= run.span.start);
    for later in &instructions[after..] {
        if later.keyword == "ONBUILD" {
            later_needs_lists = true;
            break;
        }
        if later.keyword != "RUN" {
            continue;
        }
        let commands = image.commands(later);
        let updates = commands.iter().any(|c| {
            PackageCommand::parse(c)
                .is_some_and(|p| p.manager == Manager::Apt && p.subcommand.text == "update")
        });
        if updates {
            break;
        }
        let may_use_apt = commands.iter().flat_map(|c| &c.words).any(|word| {
            let text = word.text.to_ascii_lowercase();
            // apt's own folders (`rm -rf /var/lib/apt/lists/*`) name it without running it.
            let apt_folder = text.starts_with("/var/lib/apt") || text.starts_with("/var/cache/apt");
            (text.contains("apt") && !apt_folder) || text.ends_with(".sh") || text.starts_with("./")
        });
        if may_use_apt || !matches!(later.arguments, Arguments::Command(CommandForm::Shell(_))) {
            later_needs_lists = true;
            break;
        }
    }
    let body = script.text.trim_end();
    let escape = image.file.escape;
    let open_end = body.ends_with([';', '&', '|', escape]);
    if later_needs_lists || open_end || body.is_empty() {
        return None;
    }
    let sudo = commands
        .iter()
        .any(|c| c.words.first().is_some_and(|w| w.text == "sudo"));
    let removal = format!("&& {}rm -rf {APT_LISTS}/*", if sudo { "sudo " } else { "" });
    let content = match body.rsplit_once('\n') {
        // A `RUN` over several lines gets a line of its own, indented as its last one.
        Some((before, last)) => {
            let indent: String = last.chars().take_while(|c| matches!(c, ' ' | '\t')).collect();
            let newline = if before.ends_with('\r') { "\r\n" } else { "\n" };
            format!(" {escape}{newline}{indent}{removal}")
        }
        None => format!(" {removal}"),
    };
    Fix::safe(
        format!("remove `{APT_LISTS}` in the same RUN"),
        vec![Edit::insert(script.span.start as usize + body.len(), content)],
    )
}

/// Whether an `apt.conf` setting or option turns recommends off: a word of this `RUN`, or of an
/// earlier `RUN` in the stage or its parents, that sets `APT::Install-Recommends` to false.
/// Whether a `RUN` before `run` in its stage, or any in a stage it is built on, turns
/// recommended packages off.
fn turned_off_before(
    image: &Image<'_>,
    stage: &StageView<'_>,
    run: &Instruction,
    turned_off: &RecommendsTurnedOff,
) -> bool {
    let turned_off = turned_off.get_or_init(|| {
        image
            .stages()
            .filter_map(|s| {
                let first = s
                    .instructions_named("RUN")
                    .find(|i| image.commands(i).iter().any(sets_recommends_off))?;
                Some((s.index, first.span.start))
            })
            .collect()
    });
    image.lineage(stage).iter().any(|s| {
        turned_off
            .get(&s.index)
            .is_some_and(|&at| s.index != stage.index || at < run.span.start)
    })
}

fn sets_recommends_off(command: &ShellCommand) -> bool {
    command.words.iter().any(|word| {
        let lower = word.text.to_ascii_lowercase();
        lower.split_once("install-recommends").is_some_and(|(_, value)| {
            let value = value.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            value == "0" || value == "false"
        })
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

/// A command that sets `PIP_NO_CACHE_DIR=…` (exported, or given to one command); from there on
/// the script's pip keeps no cache.
fn disables_pip_cache(command: &ShellCommand) -> bool {
    command.words.iter().any(|word| {
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
