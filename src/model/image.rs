//! Image references and the stage view of a Dockerfile.

use crate::parse::dockerfile::{Arguments, Dockerfile, Instruction, Pair, Stage, Word};

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
        self.digest.is_some_and(|d| !d.is_empty())
            || self.tag.is_some_and(|t| !t.is_empty() && t != "latest")
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
    pub fn instructions_named(
        &self,
        keyword: &'static str,
    ) -> impl Iterator<Item = &'d Instruction> {
        self.instructions
            .iter()
            .filter(move |i| i.keyword == keyword)
    }
}

impl<'d> Image<'d> {
    /// A view over a parsed Dockerfile.
    pub fn new(file: &'d Dockerfile) -> Self {
        Image { file }
    }

    /// Every stage in order.
    pub fn stages(&self) -> impl Iterator<Item = StageView<'d>> + '_ {
        let file = self.file;
        file.stages
            .iter()
            .enumerate()
            .map(move |(index, stage)| StageView {
                index,
                stage,
                instructions: file
                    .instructions
                    .get(stage.from..stage.end)
                    .unwrap_or_default(),
            })
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
        while chain.len() <= self.file.stages.len() {
            let Some(current) = chain.last().copied() else {
                break;
            };
            let parent = current
                .base()
                .and_then(|b| self.stage_named(&b.text, current.index));
            match parent {
                Some(parent) => chain.push(parent),
                None => break,
            }
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
    pub fn effective_user(
        &self,
        stage: &StageView<'d>,
    ) -> Option<(StageView<'d>, &'d Instruction)> {
        self.lineage(stage)
            .into_iter()
            .find_map(|s| Some((s, s.instructions_named("USER").last()?)))
    }

    /// The `ENTRYPOINT` and `CMD` in effect for a stage, inherited through `FROM <earlier stage>`.
    ///
    /// Setting `ENTRYPOINT` resets an inherited `CMD`, as Docker does.
    pub fn effective_commands(
        &self,
        stage: &StageView<'d>,
    ) -> (Option<&'d Instruction>, Option<&'d Instruction>) {
        let lineage = self.lineage(stage);
        let entrypoint = lineage
            .iter()
            .find_map(|s| s.instructions_named("ENTRYPOINT").last());
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

    /// Expands `$VAR`s in an argument of `instruction` with the `ARG` and `ENV` values set
    /// before it in its stage (a bare `ARG NAME` takes the global default); `None` when a
    /// variable has no value.
    pub fn expand(
        &self,
        stage: &StageView<'d>,
        instruction: &Instruction,
        text: &str,
    ) -> Option<String> {
        let before = stage
            .instructions
            .iter()
            .take_while(|i| i.span.start < instruction.span.start)
            .collect::<Vec<_>>();
        substitute(text, |name| {
            before.iter().rev().find_map(|i| match &i.arguments {
                Arguments::Pairs(pairs) if i.keyword == "ARG" || i.keyword == "ENV" => pairs
                    .iter()
                    .rev()
                    .find(|p| p.key.text == name)
                    .map(|p| match &p.value {
                        Some(value) => Some(value.text.clone()),
                        None => self.global_default(name),
                    }),
                _ => None,
            })?
        })
    }

    fn global_default(&self, name: &str) -> Option<String> {
        self.global_args()
            .filter(|p| p.key.text == name)
            .last()
            .and_then(|p| p.value.as_ref())
            .map(|v| v.text.clone())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            substitute("node:${NODE:-20}", lookup).as_deref(),
            Some("node:20")
        );
        assert_eq!(substitute("$BASE", lookup), None);
    }
}
