//! Reading and parsing one file into what the rules check, with every problem as an MS000 finding.

use std::io::Read;

use super::kustomize::{self, Kustomization};
use crate::discover::boundary::{self, Unread};
use crate::discover::context::{self, BuildContext};
use crate::discover::{Candidate, FileKind};
use crate::model::object::Recognised;
use crate::model::{Object, objects_of};
use crate::parse::dockerfile::{self, Dockerfile};
use crate::parse::yaml;
use crate::rules::{RawFinding, registry};
use crate::source::{FileId, LineIndex, SourceFile, Span};

/// Largest file read; bigger ones are reported, not parsed.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A file read from disk, or the reason it could not be.
pub struct Loaded {
    /// The file (text empty when unreadable).
    pub source: SourceFile,
    /// How to parse it, or `None` when it could not be read as text.
    pub kind: Option<FileKind>,
    /// Why it could not be read, and where in it.
    pub problem: Option<(Span, String)>,
    /// For a Dockerfile: what its directory, the default build context, holds.
    pub context: Option<BuildContext>,
    /// False for a file read only as context for cross-file rules.
    pub reported: bool,
    /// Why the file was left unread on purpose, which makes its finding a note.
    pub set_aside: Option<SetAside>,
    /// False when a fix could not be written back: the name reports show for it is not its name
    /// (one that is not UTF-8, or that holds a control character, is shown escaped), or the text
    /// is not the file's bytes (bytes that are not UTF-8 were replaced).
    pub fixable: bool,
    /// For YAML: the documents the cluster's reader refuses for what they hold.
    pub refused: Option<RefusedDocuments>,
}

/// YAML documents kubectl refuses before it parses them (a control character, bytes that are
/// not UTF-8), and the text the parser reads instead: the file with those documents blanked.
pub struct RefusedDocuments {
    /// Where each refused document is refused (its first such character), and why.
    pub reasons: Vec<(Span, String)>,
    /// The text with the refused documents blanked, positions kept.
    pub readable: String,
    /// The lines of `readable`: the same lines as the file's, with other characters in them.
    pub readable_lines: LineIndex,
}

/// Files left unread on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// A symbolic link that leads outside the scanned tree.
    Outside,
    /// A named pipe, socket or device.
    NotRegular,
}

/// Reads a candidate, or takes `text` for its content when given; binary, non-UTF-8, oversized
/// and unreadable files carry a problem instead.
pub fn read(candidate: &Candidate, text: Option<&String>) -> Loaded {
    let display = candidate.display.as_str();
    if let Some(target) = &candidate.outside {
        let mut loaded = unreadable(
            display,
            format!(
                "not read: a symbolic link to `{}`, outside the scanned tree",
                target.display()
            ),
        );
        loaded.reported = candidate.reported;
        loaded.set_aside = Some(SetAside::Outside);
        return loaded;
    }
    let bytes = match (&candidate.error, text) {
        (_, Some(text)) => Ok(text.clone().into_bytes()),
        (Some(error), None) => Err(format!("cannot read: {error}")),
        (None, None) => match boundary::read_regular(&candidate.path, MAX_FILE_BYTES) {
            Err(unread @ Unread::NotRegular(_)) => {
                let mut loaded = unreadable(display, unread_text(unread));
                loaded.reported = candidate.reported;
                loaded.set_aside = Some(SetAside::NotRegular);
                return loaded;
            }
            read => read.map_err(unread_text),
        },
    };
    let mut loaded = match bytes {
        Ok(bytes) => from_bytes(display, candidate.kind, bytes),
        Err(message) => unreadable(display, message),
    };
    if loaded.kind == Some(FileKind::Dockerfile) {
        loaded.context = Some(context::inspect(&candidate.path));
    }
    loaded.reported = candidate.reported;
    loaded.fixable &= candidate.path.ends_with(display);
    loaded
}

/// A file whose bytes could not be read, with the reason.
pub fn unreadable(display: &str, message: String) -> Loaded {
    Loaded {
        source: SourceFile::new(display, String::new()),
        kind: None,
        problem: Some((Span::default(), message)),
        context: None,
        reported: true,
        set_aside: None,
        fixable: true,
        refused: None,
    }
}

/// A file from its bytes: binary and non-UTF-8 content carry a problem instead of a kind. A
/// Dockerfile's build context is left for the caller, who knows where the file lives.
pub fn from_bytes(display: &str, kind: Option<FileKind>, bytes: Vec<u8>) -> Loaded {
    // UTF-16 and UTF-32 hold NUL bytes too, yet are text: Windows tools write UTF-16 with a
    // byte order mark, and the fix is to save the file again, not to ignore it.
    if let Some(encoding) = wide_encoding(&bytes) {
        return unreadable(
            display,
            format!("file is {encoding} text (it starts with a byte order mark); save it as UTF-8"),
        );
    }
    let probe = &bytes[..bytes.len().min(8192)];
    if probe.contains(&0) {
        // The text is kept, so that the report points at the first NUL and shows its line.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let at = text.find('\0').unwrap_or(0);
        return Loaded {
            source: SourceFile::new(display, text),
            problem: Some((
                Span::new(at, at + 1),
                "binary file: it holds NUL bytes (the first here), so it is no YAML or Dockerfile".to_owned(),
            )),
            ..unreadable(display, String::new())
        };
    }
    let yaml = kind == Some(FileKind::Yaml);
    let (text, invalid_utf8) = match String::from_utf8(bytes) {
        Ok(text) => (text, Vec::new()),
        // kubectl reads each document on its own: the bad bytes cost the documents holding them.
        Err(error) if yaml => lossy_with_replacements(error.as_bytes()),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            return Loaded {
                source: SourceFile::new(display, text),
                kind: None,
                // The text holds U+FFFD where the first invalid bytes were: the span covers it,
                // so that it does not split a character of the text reports show.
                problem: Some((
                    Span::new(at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                    "file is not valid UTF-8 (invalid byte here); save it as UTF-8".to_owned(),
                )),
                context: None,
                reported: true,
                set_aside: None,
                fixable: true,
                refused: None,
            };
        }
    };
    Loaded {
        refused: yaml.then(|| refused_documents(&text, &invalid_utf8)).flatten(),
        source: SourceFile::new(display, text),
        kind,
        problem: None,
        context: (kind == Some(FileKind::Dockerfile)).then(BuildContext::default),
        reported: true,
        set_aside: None,
        // Replaced bytes are not in the text a fix would write back.
        fixable: invalid_utf8.is_empty(),
    }
}

impl Loaded {
    /// The text a YAML parser reads, with its lines: the file's, or its readable part when
    /// kubectl refuses documents of it.
    pub fn readable(&self) -> (&str, &LineIndex) {
        self.refused
            .as_ref()
            .map_or((self.source.text.as_str(), &self.source.lines), |r| {
                (r.readable.as_str(), &r.readable_lines)
            })
    }
}

/// `bytes` as text, each run of bytes that are not UTF-8 replaced by U+FFFD (as
/// [`String::from_utf8_lossy`] does), with where each replacement is.
fn lossy_with_replacements(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len());
    let mut replacements = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            replacements.push(text.len());
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    (text, replacements)
}

/// The documents of YAML `text` kubectl refuses: those holding a replaced byte (at the sorted
/// `invalid_utf8` offsets) or a character its reader does not allow.
fn refused_documents(text: &str, invalid_utf8: &[usize]) -> Option<RefusedDocuments> {
    let json = yaml::looks_like_json(text);
    let forbidden = yaml::refused::forbidden_characters(text, json);
    if forbidden.is_empty() && invalid_utf8.is_empty() {
        return None;
    }
    let mut offsets = [invalid_utf8, &forbidden].concat();
    offsets.sort_unstable();
    let (readable, first_in_each) = yaml::refused::blank_documents(text, &offsets);
    let language = if json { "JSON" } else { "YAML" };
    let reasons = first_in_each
        .into_iter()
        .map(|at| {
            let character = text[at..].chars().next().unwrap_or_default();
            let message = if invalid_utf8.binary_search(&at).is_ok() {
                "file is not valid UTF-8 (invalid byte here); kubectl refuses the document that \
                 holds it (the others are checked); save it as UTF-8"
                    .to_owned()
            } else {
                format!(
                    "character U+{:04X} is not allowed in {language}; kubectl refuses the document \
                     that holds it (the others are checked)",
                    character as u32
                )
            };
            (Span::new(at, at + character.len_utf8()), message)
        })
        .collect();
    Some(RefusedDocuments {
        reasons,
        readable_lines: LineIndex::of_text(&readable),
        readable,
    })
}

/// Reads a stream up to [`MAX_FILE_BYTES`], or says why not.
pub fn read_stream_capped(stream: impl Read, expected: usize) -> Result<Vec<u8>, String> {
    boundary::read_limited(stream, expected, MAX_FILE_BYTES).map_err(unread_text)
}

/// The encoding a UTF-16 or UTF-32 byte order mark at the start of `bytes` names.
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32"),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => Some("UTF-16"),
        _ => None,
    }
}

/// What a report says of a file that could not be read.
fn unread_text(unread: Unread) -> String {
    match unread {
        Unread::NotRegular(what) => format!("not read: {what}, not a regular file"),
        Unread::TooLarge => format!(
            "file is larger than {} MiB and was not checked",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
        Unread::Io(error) => format!("cannot read: {}", io_text(&error)),
    }
}

fn io_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_lowercase()
}

/// What a file holds for the rules.
pub enum Content<'s> {
    /// Platform objects from a YAML/JSON file.
    Objects(Vec<Object<'s>>),
    /// A Dockerfile and its default build context.
    Dockerfile(Dockerfile, BuildContext),
    /// Nothing to check (not a platform config, empty, or unreadable).
    Nothing,
}

/// A parsed file.
pub struct Parsed<'s> {
    /// Which file.
    pub file: FileId,
    /// What it holds.
    pub content: Content<'s>,
    /// MS000 findings from reading and parsing.
    pub problems: Vec<RawFinding>,
    /// True when the file held something mslint checks.
    pub checked: bool,
    /// For a `kustomization.yaml`: what it builds, patches and sets.
    pub kustomization: Option<Kustomization>,
}

/// The arena for a file's YAML tree, sized for the tree a YAML file usually makes (two to three
/// times its text), so that a file's tree takes one allocation; nothing for other files, nor
/// when that much memory cannot be had up front (the arena then grows as the tree does).
pub fn arena_for(file: &Loaded) -> yaml::Arena {
    match file.kind {
        Some(FileKind::Yaml) => yaml::Arena::try_with_capacity(file.source.text.len().saturating_mul(3))
            .unwrap_or_else(|_| yaml::Arena::new()),
        _ => yaml::Arena::new(),
    }
}

/// Parses a loaded file; a YAML file's tree lives in `arena`.
pub fn parse<'s>(file: FileId, loaded: &'s Loaded, arena: &'s yaml::Arena) -> Parsed<'s> {
    let mut problems = Vec::new();
    let mut report = |span: Span, message: String| problems.push(parse_error(file, span, message));
    if let Some((span, message)) = &loaded.problem {
        let mut unreadable = parse_error(file, *span, message.clone());
        unreadable.help = Some(match loaded.set_aside {
            Some(SetAside::Outside) => {
                "nothing outside the scanned tree is read, so no secret of the machine \
                 reaches a report; copy the file into the repository if it is configuration to check"
                    .into()
            }
            Some(SetAside::NotRegular) => "a pipe, socket or device is never opened: reading one could wait \
                 for ever; list it in `.mslintignore`, or pipe what it gives into `mslint -`"
                .into(),
            None => {
                "make it a readable UTF-8 text file, or list it in `.mslintignore` if it is not configuration"
                    .into()
            }
        });
        if loaded.set_aside.is_some() {
            unreadable.as_note();
        }
        problems.push(unreadable);
        return Parsed {
            file,
            content: Content::Nothing,
            problems,
            checked: true,
            kustomization: None,
        };
    }
    let text = loaded.source.text.as_str();
    match loaded.kind {
        Some(FileKind::Dockerfile) => {
            let parsed = dockerfile::parse(text);
            for error in &parsed.errors {
                report(error.span, error.message.clone());
            }
            if parsed.stages.is_empty() && parsed.errors.is_empty() {
                let message = if text.is_empty() {
                    "Dockerfile is empty: the build refuses it; give it a FROM instruction or delete it"
                } else {
                    "Dockerfile has no FROM instruction"
                };
                report(Span::default(), message.to_owned());
            }
            Parsed {
                file,
                content: Content::Dockerfile(parsed, loaded.context.clone().unwrap_or_default()),
                problems,
                checked: true,
                kustomization: None,
            }
        }
        Some(FileKind::Yaml) => parse_yaml(file, loaded, arena, problems),
        None => Parsed {
            file,
            content: Content::Nothing,
            problems,
            checked: false,
            kustomization: None,
        },
    }
}

fn parse_yaml<'s>(
    file: FileId,
    loaded: &'s Loaded,
    arena: &'s yaml::Arena,
    mut problems: Vec<RawFinding>,
) -> Parsed<'s> {
    let source = &loaded.source;
    let text = source.text.as_str();
    // The blanked text holds what the source holds everywhere but in the refused documents.
    let (readable, lines) = loaded.readable();
    let stream = yaml::parse_stream_indexed(arena, readable, lines);
    let kustomization = kustomize::read(&source.path, &stream.documents);
    let Recognised { objects, others } = objects_of(file, text, stream.documents);
    // A kustomization need not say `apiVersion`, yet one that does not parse changes what the
    // files it builds are read as (their namespace).
    let kustomization_file = kustomize::is_kustomization(&source.path);
    let refused = loaded.refused.as_ref().map_or(&[][..], |r| &r.reasons[..]);
    let platform = !objects.is_empty()
        || ((!stream.errors.is_empty() || !refused.is_empty())
            && looks_like_platform_config(text, kustomization_file));
    if !platform {
        return Parsed {
            file,
            content: Content::Nothing,
            problems,
            checked: false,
            kustomization,
        };
    }
    for (span, reason) in refused {
        problems.push(parse_error(file, *span, reason.clone()));
    }
    for error in stream.errors {
        let message = if error.limit {
            format!("{}; the rest of the file is not checked", error.message)
        } else {
            format!("invalid YAML: {}", error.message)
        };
        problems.push(parse_error(file, error.span, message));
    }
    // kubectl skips a document that is `null` (`~`, `null`): its stream visitor drops empty
    // and null documents. A kustomization is read by kustomize, not applied.
    for other in others
        .iter()
        .filter(|other| !other.is_null() && !kustomization_file)
    {
        let what = match other.type_name() {
            "mapping" => match (other.str_at("apiVersion"), other.str_at("kind")) {
                (None, Some(_)) => "a mapping without `apiVersion`",
                (Some(_), None) => "a mapping without `kind`",
                _ => "a mapping without `apiVersion` and `kind`",
            },
            "sequence" => "a list",
            _ => "a scalar",
        };
        let start = other.span.start as usize;
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        problems.push(parse_error(
            file,
            Span::new(start, line_end.min(other.span.end as usize).max(start)),
            format!("document is {what}, not a Kubernetes object; kubectl rejects it"),
        ));
    }
    Parsed {
        file,
        content: Content::Objects(objects),
        problems,
        checked: true,
        kustomization,
    }
}

/// A file that failed to parse is reported only if it was meant as platform configuration (a
/// kustomization among it): templates (`{{ }}`) and unrelated YAML are left alone.
fn looks_like_platform_config(text: &str, kustomization_file: bool) -> bool {
    !text.contains("{{")
        && (kustomization_file || text.contains("apiVersion") || text.contains("_format_version"))
}

fn parse_error(file: FileId, span: Span, message: String) -> RawFinding {
    RawFinding {
        rule: registry::parse_error(),
        file,
        span,
        message,
        help: Some("fix the file so it parses; the rest of the scan went on without this part of it".into()),
        object: None,
        related: Vec::new(),
        related_left_out: 0,
        secrets: Vec::new(),
        fix: None,
        severity: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(bytes: &[u8]) -> String {
        from_bytes("f.yaml", Some(FileKind::Yaml), bytes.to_vec())
            .problem
            .unwrap()
            .1
    }

    #[test]
    fn wide_text_is_told_apart_from_binary() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("kind: Pod\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            problem(&utf16),
            "file is UTF-16 text (it starts with a byte order mark); save it as UTF-8"
        );
        assert!(problem(&[0xFE, 0xFF, 0, b'k']).starts_with("file is UTF-16 text"));
        assert!(problem(&[0xFF, 0xFE, 0, 0, b'k', 0, 0, 0]).starts_with("file is UTF-32 text"));
        assert!(problem(&[0, 0, 0xFE, 0xFF, 0, 0, 0, b'k']).starts_with("file is UTF-32 text"));
        assert!(problem(b"\x7fELF\x00\x01").starts_with("binary file"));
        let binary = from_bytes(
            "f.yaml",
            Some(FileKind::Yaml),
            b"kind: Pod\n\xff# \x00\n".to_vec(),
        );
        assert_eq!(binary.kind, None);
        let (span, _) = binary.problem.expect("a problem");
        assert_eq!(&binary.source.text[span.range()], "\0");
        assert_eq!(binary.source.text.find('#'), Some(span.start as usize - 2));
        let utf8 = from_bytes(
            "f.yaml",
            Some(FileKind::Yaml),
            b"\xEF\xBB\xBFkind: Pod\n".to_vec(),
        );
        assert!(utf8.problem.is_none());
    }

    #[test]
    fn a_dockerfile_with_nothing_to_build_is_one_error_at_its_start() {
        for (text, message) in [
            (
                "",
                "Dockerfile is empty: the build refuses it; give it a FROM instruction or delete it",
            ),
            ("\n  \n", "expected at least one FROM instruction"),
        ] {
            let loaded = from_bytes("Dockerfile", Some(FileKind::Dockerfile), text.as_bytes().to_vec());
            let arena = yaml::Arena::new();
            let parsed = parse(FileId(0), &loaded, &arena);
            let messages: Vec<_> = parsed
                .problems
                .iter()
                .map(|p| (p.span.start, p.message.as_str()))
                .collect();
            assert_eq!(messages, [(0, message)], "{text:?}");
        }
    }

    #[test]
    fn a_document_kubectl_refuses_costs_only_itself() {
        let pod = |name: &str| format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n");
        let mut bytes = pod("first").into_bytes();
        bytes.extend(b"---\n");
        // Latin-1, as an old editor saves it.
        bytes.extend(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n");
        bytes.extend(
            format!(
                "---\n{}---\n# \u{1b}[2J\n---\n{}",
                pod("third"),
                pod("fourth\u{7f}")
            )
            .into_bytes(),
        );
        let loaded = from_bytes("f.yaml", Some(FileKind::Yaml), bytes);
        assert!(loaded.problem.is_none());
        let arena = yaml::Arena::new();
        let parsed = parse(FileId(0), &loaded, &arena);
        let Content::Objects(objects) = &parsed.content else {
            panic!("objects expected");
        };
        let names: Vec<_> = objects.iter().filter_map(|o| o.name()).collect();
        assert_eq!(names, ["first", "third"]);
        let text = &loaded.source.text;
        let problems: Vec<_> = parsed
            .problems
            .iter()
            .map(|p| {
                (
                    &text[p.span.range()],
                    p.message.split(';').next().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            problems,
            [
                ("\u{fffd}", "file is not valid UTF-8 (invalid byte here)"),
                ("\u{1b}", "character U+001B is not allowed in YAML"),
                ("\u{7f}", "character U+007F is not allowed in YAML"),
            ]
        );
    }
}
