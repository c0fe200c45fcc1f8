//! Settings files embedded in a scalar (a ConfigMap's `application.yml: |`), read key by key:
//! YAML and JSON with the project's YAML parser, `.properties`, `.env` and INI files by lines.

use std::ops::Range;

use crate::parse::yaml::{Arena, Node, ScalarMap, parse_stream};
use crate::source::Span;

/// How an embedded file is written, told by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsFormat {
    /// `.yaml`, `.yml`, `.json`.
    Yaml,
    /// `.properties`, `.env`: `key=value` or `key: value` lines.
    Properties,
    /// `.ini`, `.cfg`, `.toml`: `[section]` headers, then `key = value` lines.
    Ini,
}

impl SettingsFormat {
    /// The format a file name says, if it is one of those read.
    pub fn of(file_name: &str) -> Option<Self> {
        let lower = file_name.to_ascii_lowercase();
        let extension = lower.rsplit_once('.').map_or("", |(_, ext)| ext);
        match extension {
            "yaml" | "yml" | "json" => Some(SettingsFormat::Yaml),
            "properties" | "env" => Some(SettingsFormat::Properties),
            "ini" | "cfg" | "toml" => Some(SettingsFormat::Ini),
            _ => None,
        }
    }
}

/// One setting of an embedded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Its key path (`spring.datasource.password`, `db.password` for `[db] password`,
    /// `users[0].token`).
    pub path: String,
    /// The key that names the value: the last key of a YAML path, the whole key of a line.
    pub name: String,
    /// The value, unquoted.
    pub value: String,
    /// Where the value is written in the file; the whole scalar when its lines cannot be
    /// followed back (a folded block, an escaped string).
    pub span: Span,
}

/// The settings of the file held by `node` (a scalar of the file `source`), read as `format`.
/// A YAML file that does not parse has none.
pub fn settings(source: &str, node: &Node<'_>, format: SettingsFormat) -> Vec<Setting> {
    let Some(text) = node.as_text() else {
        return Vec::new();
    };
    let map = ScalarMap::of(source, node);
    let locate = |range: Range<usize>| map.as_ref().and_then(|m| m.span(range)).unwrap_or(node.span);
    read(text, format, &locate)
}

/// The settings of a file's text read as `format`, their spans offsets into `text`.
pub fn text_settings(text: &str, format: SettingsFormat) -> Vec<Setting> {
    read(text, format, &|range: Range<usize>| {
        Span::new(range.start, range.end)
    })
}

fn read(text: &str, format: SettingsFormat, locate: &dyn Fn(Range<usize>) -> Span) -> Vec<Setting> {
    let mut found = Vec::new();
    match format {
        SettingsFormat::Yaml => {
            let arena = Arena::new();
            let stream = parse_stream(&arena, text);
            if !stream.errors.is_empty() {
                return Vec::new();
            }
            for document in &stream.documents {
                yaml_settings(&document.root, &mut String::new(), None, locate, &mut found);
            }
        }
        SettingsFormat::Properties | SettingsFormat::Ini => {
            line_settings(text, format == SettingsFormat::Ini, locate, &mut found);
        }
    }
    found
}

/// The longest key path read as a setting's: property names take tens of characters, and each
/// scalar under a path keeps a copy of it (a 400 KB key over 4,000 items was 3 GB of copies).
const MAX_SETTING_PATH: usize = 1_024;

/// Walks a YAML node, collecting scalars under their key path (no longer than
/// [`MAX_SETTING_PATH`]).
fn yaml_settings(
    node: &Node<'_>,
    path: &mut String,
    name: Option<&str>,
    locate: &dyn Fn(Range<usize>) -> Span,
    found: &mut Vec<Setting>,
) {
    if let Some(value) = node.as_text() {
        if let Some(name) = name {
            found.push(Setting {
                path: path.clone(),
                name: name.to_owned(),
                value: value.to_owned(),
                span: locate(node.span.range()),
            });
        }
        return;
    }
    let length = path.len();
    if length > MAX_SETTING_PATH {
        return;
    }
    for (index, item) in node.items().iter().enumerate() {
        path.push_str(&format!("[{index}]"));
        // Scalars of a list are named by its key (`tokens: [a, b]`).
        yaml_settings(item, path, name, locate, found);
        path.truncate(length);
    }
    for entry in node.entries() {
        let Some(key) = entry
            .key
            .as_str()
            .filter(|key| length + key.len() < MAX_SETTING_PATH)
        else {
            continue;
        };
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        yaml_settings(&entry.value, path, Some(key), locate, found);
        path.truncate(length);
    }
}

/// Reads `key=value` (and `key: value`) lines, with `[section]` headers for INI files.
fn line_settings(text: &str, ini: bool, locate: &dyn Fn(Range<usize>) -> Span, found: &mut Vec<Setting>) {
    let mut section = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';', '!']) {
            continue;
        }
        if ini && trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed
                .trim_matches(['[', ']'])
                .trim()
                .trim_matches('"')
                .to_owned();
            continue;
        }
        let Some(separator) = line.find(['=', ':']) else {
            continue;
        };
        let key = line[..separator].trim();
        let key = key.strip_prefix("export ").map_or(key, str::trim);
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let raw = &line[separator + 1..];
        let lead = raw.len() - raw.trim_start().len();
        let value = raw.trim();
        let quoted = value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')));
        let (value, shift) = if quoted {
            (&value[1..value.len() - 1], 1)
        } else {
            (value, 0)
        };
        let value_start = start + separator + 1 + lead + shift;
        let path = if section.is_empty() {
            key.to_owned()
        } else {
            format!("{section}.{key}")
        };
        found.push(Setting {
            path,
            name: key.trim_matches('"').to_owned(),
            value: value.to_owned(),
            span: locate(value_start..value_start + value.len()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_for_test;

    fn read(source: &str, key: &str) -> Vec<(String, String, String)> {
        let stream = parse_for_test(source);
        let node = *stream.documents[0].root.path(&["data", key]).expect("the key");
        let format = SettingsFormat::of(key).expect("a settings file");
        settings(source, &node, format)
            .into_iter()
            .map(|s| {
                let written = source[s.span.range()].to_owned();
                (s.path, s.value, written)
            })
            .collect()
    }

    #[test]
    fn yaml_files_are_read_by_key_path_at_their_source_position() {
        let source = "data:\n  application.yml: |\n    spring:\n      datasource:\n        url: jdbc:postgresql://db/shop\n        password: hunter2\n    users:\n      - token: \"t0k-1\"\n";
        assert_eq!(
            read(source, "application.yml"),
            [
                (
                    "spring.datasource.url".to_owned(),
                    "jdbc:postgresql://db/shop".to_owned(),
                    "jdbc:postgresql://db/shop".to_owned()
                ),
                (
                    "spring.datasource.password".to_owned(),
                    "hunter2".to_owned(),
                    "hunter2".to_owned()
                ),
                (
                    "users[0].token".to_owned(),
                    "t0k-1".to_owned(),
                    "\"t0k-1\"".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn keys_past_the_path_limit_are_not_read_as_settings() {
        let long = "k".repeat(MAX_SETTING_PATH);
        let source =
            format!("data:\n  application.yml: |\n    {long}: [a, b]\n    db: {{password: hunter2}}\n");
        let paths: Vec<String> = read(&source, "application.yml")
            .into_iter()
            .map(|(path, ..)| path)
            .collect();
        assert_eq!(paths, ["db.password"]);
    }

    #[test]
    fn json_files_are_yaml() {
        let source = "data:\n  config.json: |\n    {\"db\": {\"password\": \"hunter2\"}}\n";
        assert_eq!(
            read(source, "config.json"),
            [(
                "db.password".to_owned(),
                "hunter2".to_owned(),
                "\"hunter2\"".to_owned()
            )]
        );
    }

    #[test]
    fn properties_and_ini_lines_are_read_with_sections() {
        let source = "data:\n  app.properties: |\n    # comment\n    spring.datasource.password = hunter2\n    name: shop\n  settings.ini: |\n    [database]\n    password = \"hunter 2\"\n";
        assert_eq!(
            read(source, "app.properties"),
            [
                (
                    "spring.datasource.password".to_owned(),
                    "hunter2".to_owned(),
                    "hunter2".to_owned()
                ),
                ("name".to_owned(), "shop".to_owned(), "shop".to_owned()),
            ]
        );
        assert_eq!(
            read(source, "settings.ini"),
            [(
                "database.password".to_owned(),
                "hunter 2".to_owned(),
                "hunter 2".to_owned()
            )]
        );
    }

    #[test]
    fn files_that_do_not_parse_or_are_not_settings_have_none() {
        assert_eq!(SettingsFormat::of("nginx.conf"), None);
        assert_eq!(SettingsFormat::of("app.env"), Some(SettingsFormat::Properties));
        let source = "data:\n  broken.yaml: |\n    a: [1, 2\n";
        assert!(read(source, "broken.yaml").is_empty());
    }
}
