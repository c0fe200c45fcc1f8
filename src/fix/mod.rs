//! Automatic fixes: the text edits a rule attaches to a finding ([`Fix`]), the YAML-aware edits
//! rules compute them with ([`yaml`]), and the loop that applies them, re-checks and repeats
//! ([`fix_files`]).

mod apply;
pub mod changes;
pub mod yaml;

pub use apply::{AppliedFix, FixMode, Fixed, FixedFile, fix_files};

use serde::Serialize;

use crate::model::Container;
use crate::source::{FileId, Span};

/// Whether applying a fix keeps what the configuration does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// It changes behaviour or holds a value a person should choose: applied with
    /// `--unsafe-fixes` only.
    Unsafe,
    /// It has one right answer and keeps what the configuration means to do: applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// One replacement of a byte range of the finding's file: an insertion when the range is empty,
/// a deletion when the content is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit {
            span: Span::at(at),
            content: content.into(),
        }
    }

    pub fn replace(span: Span, content: impl Into<String>) -> Self {
        Edit {
            span,
            content: content.into(),
        }
    }
}

/// The edits that resolve a finding, applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, as a user reads it in a report.
    pub title: String,
    /// Edits that do not overlap, in file order.
    pub edits: Vec<Edit>,
    /// The file the edits go to, when it is not the finding's: a cross-file finding may be
    /// fixed where its partners are.
    pub file: Option<FileId>,
}

impl Fix {
    /// A fix of these edits, sorted; `None` when there is none or two of them overlap.
    pub fn new(applicability: Applicability, title: impl Into<String>, mut edits: Vec<Edit>) -> Option<Self> {
        edits.sort();
        let overlapping = edits
            .windows(2)
            .any(|pair| pair[1].span.start < pair[0].span.end || pair[1].span.start == pair[0].span.start);
        (!edits.is_empty() && !overlapping).then(|| Fix {
            applicability,
            title: title.into(),
            edits,
            file: None,
        })
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Option<Self> {
        Self::new(Applicability::Safe, title, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Option<Self> {
        Self::new(Applicability::Unsafe, title, edits)
    }

    /// The same fix, with its edits going to `file` instead of the finding's file.
    pub fn in_file(self, file: FileId) -> Self {
        Fix {
            file: Some(file),
            ..self
        }
    }

    /// The byte range from the first edit's start to the last one's end.
    pub fn extent(&self) -> Span {
        let start = self.edits.first().map_or(0, |e| e.span.start);
        let end = self.edits.iter().map(|e| e.span.end).max().unwrap_or(start);
        Span {
            start,
            end: end.max(start),
        }
    }
}

/// Whether fixes may edit a file: not when its text holds template directives (the file is
/// rendered, not applied, and the edit could land in the template's logic), nor, in YAML, anchors,
/// aliases or merge keys (an edit at an anchored node changes every alias of it too). Findings
/// whose fix would edit such a file carry none.
pub fn editable(path: &str, text: &str) -> bool {
    let yaml =
        crate::discover::classify(std::path::Path::new(path)) != Some(crate::discover::FileKind::Dockerfile);
    let bytes = text.as_bytes();
    let anchored = || {
        memchr::memchr2_iter(b'&', b'*', bytes).any(|n| {
            let starts_token = n == 0 || matches!(bytes[n - 1], b' ' | b'\t' | b'\n' | b'[' | b'{' | b',');
            let named = bytes
                .get(n + 1)
                .is_some_and(|next| next.is_ascii_alphanumeric() || matches!(next, b'_' | b'-' | b'.'));
            starts_token && named
        })
    };
    // One pass finds either directive: each `{` is looked at once.
    let templated = memchr::memchr_iter(b'{', bytes).any(|n| matches!(bytes.get(n + 1), Some(b'{' | b'%')));
    !templated && !(yaml && (memchr::memmem::find(bytes, b"<<:").is_some() || anchored()))
}

/// The fix that sets `field: value` in a container's own `securityContext` (`source` is the
/// text of its file), adding the field and the `securityContext` where they are missing.
pub fn container_security(
    source: &str,
    container: &Container<'_, '_>,
    field: &str,
    value: &str,
    applicability: Applicability,
) -> Option<Fix> {
    let edit = yaml::set_path(source, container.node, &["securityContext", field], value)?;
    Fix::new(applicability, format!("set `{field}: {value}`"), vec![edit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_anchors_and_merge_keys_keep_fixes_out() {
        for (path, text, expected) in [
            ("a.yaml", "kind: Pod\nmetadata: {name: a}\n", true),
            ("a.yaml", "name: {{ .Values.name }}\n", false),
            ("a.yaml", "{% if x %}\nname: a\n{% endif %}\n", false),
            ("a.yaml", "base: &b {x: 1}\nuse: *b\n", false),
            ("a.yaml", "use:\n  <<: {x: 1}\n", false),
            ("a.yaml", "cmd: echo a&&b {x} $HOME*2\n", true),
            ("Dockerfile", "FROM a AS b\nRUN echo &x *y <<: z\n", true),
            ("Dockerfile", "FROM {{ image }}\n", false),
        ] {
            assert_eq!(editable(path, text), expected, "{path}: {text}");
        }
    }
}
