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
        let base = stage.base()?;
        substitute(&base.text, |name| {
            self.global_args()
                .filter(|p| p.key.text == name)
                .last()
                .and_then(|p| p.value.as_ref())
                .map(|v| v.text.clone())
        })
    }

    /// The last `USER` in effect for a stage, following `FROM <earlier stage>` chains.
    pub fn effective_user(&self, stage: &StageView<'d>) -> Option<&'d Instruction> {
        let mut current = *stage;
        for _ in 0..=self.file.stages.len() {
            if let Some(user) = current.instructions_named("USER").last() {
                return Some(user);
            }
            let parent = current
                .base()
                .and_then(|b| self.stage_named(&b.text, current.index))?;
            current = parent;
        }
        None
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
