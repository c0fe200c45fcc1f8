//! Reading a manifest stream from standard input (`helm template . | mslint -`), split back into
//! the template files Helm names in its `# Source:` comments.

use super::load::{self, Loaded};
use crate::discover::{self, FileKind};

/// The name a stream without `--stdin-filename` is reported under.
pub const DEFAULT_NAME: &str = "<stdin>";

/// Reads standard input as the file `name` (a Dockerfile when the name says so, else YAML).
/// A YAML stream rendered by Helm becomes one file per template it came from.
pub fn read(name: Option<&str>) -> Vec<Loaded> {
    // The name comes from the command line and the template paths from the stream: shown as
    // paths, neither prints a control character raw.
    let printable = |path: &str| crate::source::escape::escape_controls(path, false).into_owned();
    let name = &printable(name.unwrap_or(DEFAULT_NAME));
    let kind = discover::classify(std::path::Path::new(name)).unwrap_or(FileKind::Yaml);
    let bytes = match load::read_stream_capped(std::io::stdin().lock(), 0) {
        Ok(bytes) => bytes,
        Err(message) => return vec![load::unreadable(name, message)],
    };
    let whole = load::from_bytes(name, Some(kind), bytes);
    if whole.kind != Some(FileKind::Yaml) {
        return vec![whole];
    }
    let parts = split_by_source(&whole.source.text, name);
    if parts.len() == 1 && parts[0].0 == *name {
        return vec![whole];
    }
    parts
        .into_iter()
        .map(|(path, text)| load::from_bytes(&printable(&path), Some(FileKind::Yaml), text.into_bytes()))
        .collect()
}

/// Splits a rendered stream into `(path, text)` by the `# Source: <path>` comment Helm writes at
/// the top of each document. Documents without one belong to `fallback`. A template that renders
/// several documents keeps them together, in order. The `---` and `# Source:` lines before a
/// template's first document are dropped, so its line 1 is the template's line 1 and lines match
/// the template's until its first expansion that spans several lines.
pub fn split_by_source(text: &str, fallback: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for document in documents(text) {
        let source = source_of(document);
        let path = source.map_or(fallback, |(path, _)| path);
        let first = !files.iter().any(|(p, _)| p == path);
        let document = match source {
            Some((_, body)) if first => body,
            _ => document,
        };
        let position = match files.iter().position(|(p, _)| p == path) {
            Some(position) => position,
            None => {
                files.push((path.to_owned(), String::new()));
                files.len() - 1
            }
        };
        let file = &mut files[position].1;
        if !file.is_empty() && !document.starts_with("---") {
            file.push_str("---\n");
        }
        file.push_str(document);
        if !file.ends_with('\n') {
            file.push('\n');
        }
    }
    files
}

/// The documents of a stream, each with its leading `---` line, if any.
fn documents(text: &str) -> Vec<&str> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if offset > 0 && (bare == "---" || bare.starts_with("--- ")) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts
        .windows(2)
        .map(|w| &text[w[0]..w[1]])
        .filter(|d| !d.trim().is_empty())
        .collect()
}

/// The path of a document's `# Source:` comment, when it comes before any content, and the
/// document after that comment's line.
fn source_of(document: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in document.split_inclusive('\n') {
        offset += line.len();
        let bare = line.trim();
        if bare.is_empty() || bare == "---" {
            continue;
        }
        let path = bare.strip_prefix("# Source:")?.trim();
        return (!path.is_empty()).then(|| (path, &document[offset..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_sources_become_files_and_their_documents_stay_together() {
        let stream = "---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n\
                      ---\n# Source: shop/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n\
                      ---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n";
        let files = split_by_source(stream, "<stdin>");
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["shop/templates/service.yaml", "shop/templates/deploy.yaml"]
        );
        assert_eq!(
            files[0].1,
            "apiVersion: v1\nkind: Service\n---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n"
        );
    }

    #[test]
    fn a_plain_stream_keeps_its_name_and_a_source_must_lead_the_document() {
        let stream =
            "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: ConfigMap\n# Source: late.yaml\n";
        let files = split_by_source(stream, "rendered.yaml");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "rendered.yaml");
        assert_eq!(files[0].1, stream);
    }
}
