//! Image references and the stage view of a Dockerfile.

use std::collections::HashMap;

use crate::discover::context::{BuildContext, DockerIgnore};
use crate::model::secrets::setting_exposes_secret;
use crate::model::settings::{SettingsFormat, text_settings};
use crate::parse::dockerfile::{Arguments, CommandForm, Dockerfile, Instruction, Pair, Stage, Word};
use crate::parse::shell::{self, Joiner, ShellCommand, ShellWord};

/// A parsed `[registry/]repository[:tag][@digest]` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Everything before the tag and digest.
    pub repository: &'a str,
    /// The tag, if written.
    pub tag: Option<&'a str>,
    /// The digest, if written.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// The registry host: the first path component when it names a host (holds a `.` or a
    /// `:`, or is `localhost`), else Docker Hub (`docker.io`).
    pub fn registry(&self) -> &'a str {
        self.host_and_path().map_or("docker.io", |(host, _)| host)
    }

    /// The repository without its registry host: `fluent/fluent-bit` for
    /// `cr.fluentbit.io/fluent/fluent-bit`, `calico/node` for `calico/node`.
    pub fn path(&self) -> &'a str {
        self.host_and_path().map_or(self.repository, |(_, path)| path)
    }

    /// The last component of the repository (`redis-cluster` for `docker.io/bitnami/redis-cluster`).
    pub fn name(&self) -> &'a str {
        self.repository.rsplit('/').next().unwrap_or(self.repository)
    }

    /// The words of [`ImageRef::name`], split at `-`, `_` and `.` (`redis`, `cluster`).
    pub fn name_words(&self) -> impl Iterator<Item = &'a str> {
        self.name().split(['-', '_', '.']).filter(|w| !w.is_empty())
    }

    /// The registry host and the rest, when the first path component names a host.
    fn host_and_path(&self) -> Option<(&'a str, &'a str)> {
        self.repository
            .split_once('/')
            .filter(|(first, _)| first.contains(['.', ':']) || *first == "localhost")
    }

    /// True when the image comes from one of `allowed`: a registry host (`ghcr.io`) or a
    /// registry path (`ghcr.io/shop`), which the repository must start with.
    pub fn comes_from_any(&self, allowed: &[String]) -> bool {
        let registry = self.registry();
        allowed.iter().any(|entry| {
            let entry = entry.trim_end_matches('/');
            entry == registry
                || self.repository == entry
                || self
                    .repository
                    .strip_prefix(entry)
                    .is_some_and(|rest| rest.starts_with('/'))
                || (registry == "docker.io" && entry == "docker.io")
        })
    }

    /// Splits a reference; a `:` inside the registry host (`host:5000/app`) is no tag.
    pub fn parse(reference: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (reference, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        match rest[last_slash..].rfind(':') {
            Some(colon) => {
                let colon = last_slash + colon;
                ImageRef {
                    repository: &rest[..colon],
                    tag: Some(&rest[colon + 1..]),
                    digest,
                }
            }
            None => ImageRef {
                repository: rest,
                tag: None,
                digest,
            },
        }
    }

    /// True when the reference names one image for good: a digest, or a tag other than `latest`.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some_and(|d| !d.is_empty()) || self.tag.is_some_and(|t| !t.is_empty() && t != "latest")
    }

    /// What is wrong with an unpinned reference's tag, for messages.
    pub fn tag_problem(&self) -> &'static str {
        match self.tag {
            None => "has no tag",
            Some("") => "has an empty tag",
            Some(_) => "uses the tag `latest`",
        }
    }

    /// True when the reference still holds a variable (`$TAG`, `${IMAGE}`) or template placeholder.
    pub fn is_templated(reference: &str) -> bool {
        reference.contains('$') || reference.contains("{{") || reference.contains('<')
    }
}

/// A Dockerfile with its stages resolved.
#[derive(Debug)]
pub struct Image<'d> {
    /// The parsed file.
    pub file: &'d Dockerfile,
    /// What its default build context (its directory) holds.
    pub context: &'d BuildContext,
    /// For each stage, the earlier stage its `FROM` names, read once: lineages are followed for
    /// every instruction some rules look at.
    parents: Vec<Option<usize>>,
    /// The `ARG` and `ENV` instructions that set each variable, by position in the file, read
    /// once: variables are looked up for every instruction some rules look at.
    settings: HashMap<&'d str, Vec<usize>>,
    /// Whether a `SHELL` instruction changes the shell that runs shell-form commands.
    shell_changed: bool,
}

/// One stage with its `FROM`.
#[derive(Debug, Clone, Copy)]
pub struct StageView<'d> {
    /// Its position among the stages.
    pub index: usize,
    /// The stage.
    pub stage: &'d Stage,
    /// Its instructions, `FROM` first.
    pub instructions: &'d [Instruction],
}

impl<'d> StageView<'d> {
    /// The `FROM` instruction.
    pub fn from(&self) -> Option<&'d Instruction> {
        self.instructions.first()
    }

    /// The base image as written.
    pub fn base(&self) -> Option<&'d Word> {
        match self.from().map(|i| &i.arguments) {
            Some(Arguments::From { image, .. }) => Some(image),
            _ => None,
        }
    }

    /// The `AS` name.
    pub fn alias(&self) -> Option<&'d Word> {
        match self.from().map(|i| &i.arguments) {
            Some(Arguments::From { alias, .. }) => alias.as_ref(),
            _ => None,
        }
    }

    /// How messages name the stage: its `AS` name, else its base image.
    pub fn describe(&self) -> String {
        match (self.alias(), self.base()) {
            (Some(alias), _) => format!("stage `{}`", alias.text),
            (None, Some(base)) => format!("stage (`FROM {}`)", base.text),
            (None, None) => "stage".to_owned(),
        }
    }

    /// The instructions with a keyword, in order.
    pub fn instructions_named(&self, keyword: &'static str) -> impl Iterator<Item = &'d Instruction> {
        self.instructions.iter().filter(move |i| i.keyword == keyword)
    }
}

impl<'d> Image<'d> {
    /// A view over a parsed Dockerfile and its build context.
    pub fn new(file: &'d Dockerfile, context: &'d BuildContext) -> Self {
        let mut settings: HashMap<&'d str, Vec<usize>> = HashMap::new();
        for (position, instruction) in file.instructions.iter().enumerate() {
            let Arguments::Pairs(pairs) = &instruction.arguments else {
                continue;
            };
            if matches!(instruction.keyword, "ARG" | "ENV") {
                for pair in pairs {
                    let positions = settings.entry(pair.key.text.as_str()).or_default();
                    if positions.last() != Some(&position) {
                        positions.push(position);
                    }
                }
            }
        }
        let mut image = Image {
            file,
            context,
            parents: Vec::new(),
            settings,
            shell_changed: file.instructions.iter().any(|i| i.keyword == "SHELL"),
        };
        // Stage names are matched case-insensitively, as BuildKit does; a later stage of the
        // same name hides an earlier one from the stages after it.
        let mut named: HashMap<String, usize> = HashMap::new();
        let parents = image
            .stages()
            .map(|stage| {
                let parent = stage
                    .base()
                    .and_then(|base| named.get(&base.text.to_ascii_lowercase()).copied());
                if let Some(alias) = stage.alias() {
                    named.insert(alias.text.to_ascii_lowercase(), stage.index);
                }
                parent
            })
            .collect();
        image.parents = parents;
        image
    }

    /// The simple shell commands an instruction runs (`RUN`, `CMD`, `ENTRYPOINT`), each word
    /// with its span: shell form and heredocs are split on `&&`, `||`, `;`, `|` and newlines;
    /// exec form is one command (or the script of `["sh", "-c", "…"]`).
    pub fn commands(&self, instruction: &Instruction) -> Vec<ShellCommand> {
        let Arguments::Command(form) = &instruction.arguments else {
            return Vec::new();
        };
        match form {
            CommandForm::Shell(script) => {
                let mut commands = shell::split(&script.text, script.span.start as usize, self.file.escape);
                // `RUN bash <<EOF`: a shell reading a heredoc runs it as a script.
                let feeds_a_shell = commands.iter().any(|c| {
                    matches!(c.program(), Some("sh" | "bash" | "ash" | "dash" | "zsh"))
                        && c.args()
                            .iter()
                            .all(|a| a.text.starts_with("<<") || (a.text.starts_with('-') && a.text != "-c"))
                });
                if feeds_a_shell {
                    for body in &instruction.inline_heredocs {
                        commands.extend(shell::split(&body.text, body.span.start as usize, '\\'));
                    }
                }
                commands
            }
            CommandForm::HereDocs(scripts) => scripts
                .iter()
                .flat_map(|script| shell::split(&script.text, script.span.start as usize, self.file.escape))
                .collect(),
            CommandForm::Exec(words, _) => {
                let shell_script = match words.as_slice() {
                    [sh, flag, script, ..]
                        if matches!(sh.text.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash"))
                            && flag.text == "-c" =>
                    {
                        Some(script)
                    }
                    _ => None,
                };
                match shell_script {
                    // The element's span starts after its opening quote. Spans inside it are
                    // approximate: JSON escapes in the string shift them.
                    Some(script) => shell::split(&script.text, script.span.start as usize, '\\'),
                    None => vec![ShellCommand {
                        joiner: Joiner::Start,
                        words: words
                            .iter()
                            .map(|w| ShellWord {
                                text: w.text.clone(),
                                span: w.span,
                            })
                            .collect(),
                    }],
                }
            }
        }
    }

    /// Every stage in order.
    pub fn stages(&self) -> impl Iterator<Item = StageView<'d>> + '_ {
        (0..self.file.stages.len()).filter_map(|index| self.stage(index))
    }

    fn stage(&self, index: usize) -> Option<StageView<'d>> {
        let file = self.file;
        file.stages.get(index).map(|stage| StageView {
            index,
            stage,
            instructions: file.instructions.get(stage.from..stage.end).unwrap_or_default(),
        })
    }

    /// The stage an instruction belongs to (an `ONBUILD`'s inner instruction included); `None`
    /// for a global `ARG` before the first `FROM`.
    pub fn stage_of(&self, instruction: &Instruction) -> Option<StageView<'d>> {
        let file = self.file;
        // Stages are in file order: the last one starting before the instruction is found by
        // halving.
        let after = file.stages.partition_point(|s| {
            file.instructions
                .get(s.from)
                .is_some_and(|from| from.span.start <= instruction.span.start)
        });
        after.checked_sub(1).and_then(|index| self.stage(index))
    }

    /// Where an instruction is, for messages: "stage `build`", or "before the first FROM".
    pub fn place_of(&self, instruction: &Instruction) -> String {
        self.stage_of(instruction)
            .map_or_else(|| "before the first FROM".to_owned(), |stage| stage.describe())
    }

    /// The stage the build produces by default: the last one.
    pub fn final_stage(&self) -> Option<StageView<'d>> {
        self.stages().last()
    }

    /// The earlier stage a `FROM` names, matched case-insensitively as BuildKit does.
    pub fn stage_named(&self, name: &str, before: usize) -> Option<StageView<'d>> {
        self.stages()
            .take(before)
            .filter(|s| s.alias().is_some_and(|a| a.text.eq_ignore_ascii_case(name)))
            .last()
    }

    /// `ARG`s declared before the first `FROM`, which `FROM` lines may use.
    pub fn global_args(&self) -> impl Iterator<Item = &'d Pair> {
        let first_from = self
            .file
            .stages
            .first()
            .map_or(self.file.instructions.len(), |s| s.from);
        self.file.instructions[..first_from.min(self.file.instructions.len())]
            .iter()
            .filter_map(|i| match &i.arguments {
                Arguments::Pairs(pairs) if i.keyword == "ARG" => Some(pairs.iter()),
                _ => None,
            })
            .flatten()
    }

    /// The base image of a stage with global `ARG` defaults substituted; `None` if a variable has no default.
    pub fn resolved_base(&self, stage: &StageView<'d>) -> Option<String> {
        substitute(&stage.base()?.text, |name| self.global_default(name))
    }

    /// The stage, then the earlier stage it is built `FROM`, and so on up to an external image.
    pub fn lineage(&self, stage: &StageView<'d>) -> Vec<StageView<'d>> {
        let mut chain = vec![*stage];
        let mut current = stage.index;
        // A parent always comes earlier, so the chain ends.
        while let Some(parent) = self
            .parents
            .get(current)
            .copied()
            .flatten()
            .filter(|&p| p < current)
        {
            chain.extend(self.stage(parent));
            current = parent;
        }
        chain
    }

    /// The external image a stage finally builds on, `ARG` defaults substituted.
    pub fn root_base(&self, stage: &StageView<'d>) -> Option<String> {
        self.lineage(stage)
            .last()
            .and_then(|root| self.resolved_base(root))
    }

    /// The last `USER` in effect for a stage, inherited through `FROM <earlier stage>`, with the
    /// stage that sets it.
    pub fn effective_user(&self, stage: &StageView<'d>) -> Option<(StageView<'d>, &'d Instruction)> {
        self.lineage(stage)
            .into_iter()
            .find_map(|s| Some((s, s.instructions_named("USER").last()?)))
    }

    /// The `ENTRYPOINT` and `CMD` in effect for a stage, inherited through `FROM <earlier stage>`.
    ///
    /// Setting `ENTRYPOINT` resets an inherited `CMD`, as Docker does; `ENTRYPOINT []` clears
    /// the entrypoint.
    pub fn effective_commands(
        &self,
        stage: &StageView<'d>,
    ) -> (Option<&'d Instruction>, Option<&'d Instruction>) {
        let lineage = self.lineage(stage);
        let entrypoint = lineage
            .iter()
            .find_map(|s| s.instructions_named("ENTRYPOINT").last())
            .filter(|e| !matches!(&e.arguments, Arguments::Command(CommandForm::Exec(words, _)) if words.is_empty()));
        let mut cmd = None;
        for current in &lineage {
            if let Some(found) = current.instructions_named("CMD").last() {
                cmd = Some(found);
                break;
            }
            if current.instructions_named("ENTRYPOINT").next().is_some() {
                break;
            }
        }
        (entrypoint, cmd)
    }

    /// Expands `$VAR`s in an argument of `instruction` with the values
    /// [`Image::variable_before`] finds; `None` when a variable has no value.
    pub fn expand(&self, stage: &StageView<'d>, instruction: &Instruction, text: &str) -> Option<String> {
        substitute(text, |name| self.variable_before(stage, instruction, name))
    }

    /// Whether a `SHELL` instruction changes the shell that runs shell-form commands.
    pub fn shell_changed(&self) -> bool {
        self.shell_changed
    }

    /// The positions in the file of the instructions of `stage` before `instruction`.
    fn before(&self, stage: &StageView<'d>, instruction: &Instruction) -> std::ops::Range<usize> {
        // Instructions are in file order, so the count before it is found by halving.
        let at = self
            .file
            .instructions
            .partition_point(|i| i.span.start < instruction.span.start);
        stage.stage.from..at.clamp(stage.stage.from, stage.stage.end)
    }

    /// The last instruction among `positions` with one of `keywords` that sets `name`, and its
    /// last pair for it.
    fn last_setting(
        &self,
        name: &str,
        positions: std::ops::Range<usize>,
        keywords: &[&str],
    ) -> Option<(&'d Instruction, &'d Pair)> {
        let settings = self.settings.get(name)?;
        let end = settings.partition_point(|&p| p < positions.end);
        settings[..end]
            .iter()
            .rev()
            .take_while(|&&p| p >= positions.start)
            .find_map(|&p| {
                let instruction = self.file.instructions.get(p)?;
                let Arguments::Pairs(pairs) = &instruction.arguments else {
                    return None;
                };
                if !keywords.contains(&instruction.keyword) {
                    return None;
                }
                let pair = pairs.iter().rev().find(|pair| pair.key.text == name)?;
                Some((instruction, pair))
            })
    }

    /// The default the last global `ARG` of `name` gives it, looked up among the instructions
    /// that set it (a base image may name a variable thousands of times).
    fn global_default(&self, name: &str) -> Option<String> {
        let first_from = self
            .file
            .stages
            .first()
            .map_or(self.file.instructions.len(), |s| s.from);
        let positions = self.settings.get(name)?;
        let global = &positions[..positions.partition_point(|&p| p < first_from)];
        let instruction = global
            .iter()
            .rev()
            .filter_map(|&p| self.file.instructions.get(p))
            .find(|i| i.keyword == "ARG")?;
        let Arguments::Pairs(pairs) = &instruction.arguments else {
            return None;
        };
        let pair = pairs.iter().rev().find(|p| p.key.text == name)?;
        pair.value.as_ref().map(|v| v.text.clone())
    }

    /// The value of variable `name` in effect just before `instruction` of `stage`: set by an
    /// `ENV` or `ARG` of the stage (a bare `ARG NAME` takes the global default), else by an
    /// `ENV` inherited through `FROM <earlier stage>` (an `ARG` ends with its stage).
    pub fn variable_before(
        &self,
        stage: &StageView<'d>,
        instruction: &Instruction,
        name: &str,
    ) -> Option<String> {
        let before = self.before(stage, instruction);
        if let Some((setter, pair)) = self.last_setting(name, before, &["ARG", "ENV"]) {
            return match &pair.value {
                Some(value) => Some(value.text.clone()),
                None if setter.keyword == "ARG" => self.global_default(name),
                None => None,
            };
        }
        self.lineage(stage).iter().skip(1).find_map(|parent| {
            let (_, pair) = self.last_setting(name, parent.stage.from..parent.stage.end, &["ENV"])?;
            pair.value.as_ref().map(|v| v.text.clone())
        })
    }

    /// The targets of a `RUN`'s `--mount=type=cache` and `--mount=type=tmpfs` options:
    /// directories whose writes stay out of the image layer.
    pub fn cache_mounts(&self, instruction: &Instruction) -> Vec<String> {
        instruction
            .flags
            .iter()
            .filter(|f| f.name.text == "mount")
            .filter_map(|f| f.value.as_ref())
            .filter_map(|value| {
                let mut kind = "bind";
                let mut target = None;
                for field in value.text.split(',') {
                    let (key, value) = field.split_once('=').unwrap_or((field, ""));
                    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                    match key.trim() {
                        "type" => kind = value,
                        "target" | "dst" | "destination" => target = Some(value),
                        _ => {}
                    }
                }
                matches!(kind, "cache" | "tmpfs").then_some(target?.to_owned())
            })
            .collect()
    }

    /// The names the context's `.env` file at `path` (relative to the Dockerfile's directory,
    /// as a `COPY` source is written) sets to a secret: a literal under a secret-looking name, a
    /// token, a login URL or a connection-string password. `None` when the file is not in the
    /// context (or too large to read), so only its name is known.
    pub fn env_file_secrets(&self, path: &str) -> Option<Vec<String>> {
        let text = self.context.env_files.get(&clean_path(path))?;
        let settings = text_settings(text, SettingsFormat::Properties);
        Some(
            settings
                .into_iter()
                .filter(|s| setting_exposes_secret(&s.name, &s.value))
                .map(|s| s.name)
                .collect(),
        )
    }

    /// The secret-looking context files (see [`BuildContext::exposed_secrets`]) that a `COPY` or
    /// `ADD` of the whole build context brings in: those its own `--exclude` patterns leave in,
    /// less the `.env` files that set no secret (see [`Image::env_file_secrets`]).
    pub fn secrets_copied_by(&self, instruction: &Instruction) -> Vec<&'d str> {
        let patterns: Vec<&str> = instruction
            .flags
            .iter()
            .filter(|f| f.name.text == "exclude")
            .filter_map(|f| f.value.as_ref().map(|v| v.text.as_str()))
            .collect();
        let Some(excluded) = DockerIgnore::parse(&patterns.join("\n")) else {
            return Vec::new();
        };
        self.context
            .exposed_secrets
            .iter()
            .map(String::as_str)
            .filter(|path| !excluded.excludes(path.trim_end_matches('/')))
            .filter(|path| self.env_file_secrets(path).is_none_or(|names| !names.is_empty()))
            .collect()
    }
}

/// A context path as written in a `COPY` source (`./config/.env`, `config//.env`) in the form
/// the context lists it (`config/.env`).
fn clean_path(path: &str) -> String {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` with `lookup`; `None` when a name has no value.
pub fn substitute(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (expression, consumed) = if let Some(inner) = after.strip_prefix('{') {
            let close = inner.find('}')?;
            (&inner[..close], close + 2)
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..len], len)
        };
        let (name, default) = match expression.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (expression, None),
        };
        let value = lookup(name)
            .filter(|v| !v.is_empty())
            .or_else(|| default.map(str::to_owned))?;
        out.push_str(&value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

/// What a word of an instruction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordRole {
    /// The value of a `--flag=value`.
    Flag,
    /// `FROM`'s image or its `AS` name.
    Image,
    /// A `RUN`/`CMD`/`ENTRYPOINT`/`HEALTHCHECK` word: a whole shell-form script or heredoc, or
    /// one exec-form element.
    Command,
    /// A `COPY`/`ADD` source or destination.
    Path,
    /// The key of an `ENV`/`ARG`/`LABEL` pair.
    Key,
    /// The value of an `ENV`/`ARG`/`LABEL` pair.
    Value,
    /// Any other argument (`USER`, `WORKDIR`, `EXPOSE`, …).
    Argument,
}

/// One word an instruction writes, with the instruction it belongs to (for `ONBUILD RUN …`, the
/// inner `RUN`).
#[derive(Debug, Clone, Copy)]
pub struct InstructionWord<'d> {
    /// The instruction that holds the word.
    pub instruction: &'d Instruction,
    /// What the word is.
    pub role: WordRole,
    /// The word.
    pub word: &'d Word,
}

/// The keywords an instruction is written with, for messages: `RUN`, or `ONBUILD RUN`.
pub fn keywords_of(instruction: &Instruction) -> String {
    match &instruction.arguments {
        Arguments::Onbuild(inner) => format!("ONBUILD {}", keywords_of(inner)),
        _ => instruction.keyword.to_owned(),
    }
}

/// Every word an instruction writes, in order, recursing into `ONBUILD`: for scanning the text of
/// a Dockerfile (secrets, URLs) without caring about the instruction's shape.
pub fn instruction_words(instruction: &Instruction) -> Vec<InstructionWord<'_>> {
    if let Arguments::Onbuild(inner) = &instruction.arguments {
        return instruction_words(inner);
    }
    let mut words = Vec::new();
    let mut push = |instruction, role, word| {
        words.push(InstructionWord {
            instruction,
            role,
            word,
        })
    };
    for flag in &instruction.flags {
        if let Some(value) = &flag.value {
            push(instruction, WordRole::Flag, value);
        }
    }
    match &instruction.arguments {
        Arguments::From { image, alias } => {
            push(instruction, WordRole::Image, image);
            if let Some(alias) = alias {
                push(instruction, WordRole::Image, alias);
            }
        }
        Arguments::Command(CommandForm::Exec(items, _) | CommandForm::HereDocs(items)) => {
            for item in items {
                push(instruction, WordRole::Command, item);
            }
        }
        Arguments::Command(CommandForm::Shell(script)) => {
            push(instruction, WordRole::Command, script);
        }
        Arguments::Transfer { sources, dest } => {
            for source in sources {
                push(instruction, WordRole::Path, source);
            }
            push(instruction, WordRole::Path, dest);
        }
        Arguments::Pairs(pairs) => {
            for pair in pairs {
                push(instruction, WordRole::Key, &pair.key);
                if let Some(value) = &pair.value {
                    push(instruction, WordRole::Value, value);
                }
            }
        }
        Arguments::Onbuild(_) => {}
        Arguments::Words(items) => {
            for item in items {
                push(instruction, WordRole::Argument, item);
            }
        }
    }
    words
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_hosts_or_docker_hub() {
        assert_eq!(ImageRef::parse("ghcr.io/shop/cart:1").registry(), "ghcr.io");
        assert_eq!(ImageRef::parse("localhost/app").registry(), "localhost");
        assert_eq!(
            ImageRef::parse("registry.local:5000/app").registry(),
            "registry.local:5000"
        );
        assert_eq!(ImageRef::parse("shop/cart:1").registry(), "docker.io");
        assert_eq!(ImageRef::parse("nginx").registry(), "docker.io");
        let allowed = ["ghcr.io/shop".to_owned(), "registry.example.com".to_owned()];
        assert!(ImageRef::parse("ghcr.io/shop/cart:1").comes_from_any(&allowed));
        assert!(!ImageRef::parse("ghcr.io/shopping/cart:1").comes_from_any(&allowed));
        assert!(ImageRef::parse("registry.example.com/x/y").comes_from_any(&allowed));
        assert!(!ImageRef::parse("nginx:1.27").comes_from_any(&allowed));
    }

    #[test]
    fn registry_ports_are_not_tags() {
        let image = ImageRef::parse("registry.local:5000/team/app");
        assert_eq!(
            (image.repository, image.tag),
            ("registry.local:5000/team/app", None)
        );
        let image = ImageRef::parse("registry.local:5000/team/app:1.2");
        assert_eq!(image.tag, Some("1.2"));
        assert!(image.is_pinned());
    }

    #[test]
    fn the_path_leaves_out_a_registry_host_only() {
        let path = |reference| ImageRef::parse(reference).path();
        assert_eq!(path("registry.local:5000/team/app:1.2"), "team/app");
        assert_eq!(path("cr.fluentbit.io/fluent/fluent-bit:3.0"), "fluent/fluent-bit");
        assert_eq!(path("localhost/app"), "app");
        assert_eq!(path("calico/node:v3.27.0"), "calico/node");
        assert_eq!(path("nginx"), "nginx");
    }

    #[test]
    fn latest_and_missing_tags_are_not_pinned_but_digests_are() {
        assert!(!ImageRef::parse("nginx").is_pinned());
        assert!(!ImageRef::parse("nginx:latest").is_pinned());
        assert!(ImageRef::parse("nginx@sha256:abc").is_pinned());
        assert!(ImageRef::parse("nginx:latest@sha256:abc").is_pinned());
    }

    #[test]
    fn substitution_uses_values_and_defaults() {
        let lookup = |name: &str| (name == "PY").then(|| "3.12".to_owned());
        assert_eq!(
            substitute("python:${PY}-slim", lookup).as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(substitute("node:${NODE:-20}", lookup).as_deref(), Some("node:20"));
        assert_eq!(substitute("$BASE", lookup), None);
    }

    fn parsed(text: &str) -> Dockerfile {
        let file = crate::parse::dockerfile::parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        file
    }

    #[test]
    fn exec_form_shell_scripts_keep_their_word_spans() {
        let text = "FROM alpine:3.20\nRUN [\"/bin/sh\", \"-c\", \"curl -s x | sh\"]\n";
        let file = parsed(text);
        let context = BuildContext::default();
        let image = Image::new(&file, &context);
        let commands = image.commands(&file.instructions[1]);
        let sh = &commands[1].words[0];
        assert_eq!((sh.text.as_str(), &text[sh.span.range()]), ("sh", "sh"));
    }

    #[test]
    fn variables_come_from_the_stage_then_inherited_env_but_not_inherited_arg() {
        let text = "ARG G=global\nFROM alpine:3.20 AS base\nENV E=env\nARG A=arg\n\
                    FROM base\nARG G\nRUN true\nENV E=late\n";
        let file = parsed(text);
        let context = BuildContext::default();
        let image = Image::new(&file, &context);
        let last = image.final_stage().unwrap();
        let run = &file.instructions[6];
        assert_eq!(image.variable_before(&last, run, "E").as_deref(), Some("env"));
        assert_eq!(image.variable_before(&last, run, "G").as_deref(), Some("global"));
        assert_eq!(image.variable_before(&last, run, "A"), None);
    }

    #[test]
    fn cache_and_tmpfs_mounts_are_listed_but_bind_and_secret_mounts_are_not() {
        let text = "FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
                    --mount=type=tmpfs,dst=/tmp --mount=type=secret,id=npmrc,target=/root/.npmrc \
                    --mount=target=/src true\n";
        let file = parsed(text);
        let context = BuildContext::default();
        let image = Image::new(&file, &context);
        assert_eq!(
            image.cache_mounts(&file.instructions[1]),
            ["/root/.cache/pip", "/tmp"]
        );
    }

    #[test]
    fn a_copy_exclude_flag_leaves_its_secrets_out() {
        let text = "FROM alpine:3.20\nCOPY --exclude=*.key --exclude=.aws . /app\nCOPY . /app\n";
        let file = parsed(text);
        let context = BuildContext {
            ignore_file: None,
            exposed_secrets: vec![".aws/".into(), ".env".into(), "tls.key".into()],
            ..BuildContext::default()
        };
        let image = Image::new(&file, &context);
        assert_eq!(image.secrets_copied_by(&file.instructions[1]), [".env"]);
        assert_eq!(image.secrets_copied_by(&file.instructions[2]).len(), 3);
    }

    #[test]
    fn a_context_env_file_is_judged_by_what_it_sets() {
        let text = "FROM alpine:3.20\nCOPY . /app\n";
        let file = parsed(text);
        let env_files = [
            (".env", "NODE_ENV=production\nDB_PASSWORD=${DB_PASSWORD}\n"),
            ("config/.env.prod", "export DB_PASSWORD='Zq8vLx2mP4tR'\nPORT=80\n"),
        ];
        let context = BuildContext {
            exposed_secrets: vec![".env".into(), "config/.env.prod".into(), "deploy/.env".into()],
            env_files: env_files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
            ..BuildContext::default()
        };
        let image = Image::new(&file, &context);
        assert_eq!(
            image.secrets_copied_by(&file.instructions[1]),
            ["config/.env.prod", "deploy/.env"],
            "a file the context did not read is kept by its name"
        );
        assert_eq!(
            image.env_file_secrets("./config//.env.prod"),
            Some(vec!["DB_PASSWORD".to_owned()])
        );
        assert_eq!(image.env_file_secrets(".env"), Some(vec![]));
        assert_eq!(image.env_file_secrets("missing/.env"), None);
    }
}
