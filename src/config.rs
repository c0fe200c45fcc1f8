//! `.mslint.yaml`: the settings a team keeps in its repository, read with every key's location so
//! that a mistake stops the run at its line and column instead of being ignored.
//!
//! The accepted keys and values are those of `schemas/mslint.schema.json`, which editors use to
//! complete and check the file; a test keeps the two in step.

use std::path::{Path, PathBuf};

use crate::discover::boundary::{self, Unread};
use crate::model::schema::suggestion;
use crate::parse::yaml::{self, Node};
use crate::rules::registry::{self, ALL};
use crate::rules::{Family, OptionKind, OptionValue, RuleOptions, Severity};
use crate::source::SourceFile;

/// The names a configuration file may have, in the order they are looked for in a folder.
pub const FILE_NAMES: &[&str] = &[".mslint.yaml", ".mslint.yml"];

/// The top-level keys.
pub const KEYS: &[&str] = &[
    "fail-on",
    "namespace",
    "istio-root-namespace",
    "mesh",
    "include",
    "exclude",
    "rules",
    "policies",
    "fix",
    "unsafe-fixes",
];

/// The values of `fail-on`.
pub const FAIL_ON_VALUES: &[&str] = &["error", "warning", "note", "none"];

/// The values a rule or family setting may take, besides a severity.
pub const SWITCH_VALUES: &[&str] = &["off", "on"];

/// The keys of a rule setting written as a mapping.
pub const RULE_KEYS: &[&str] = &["enabled", "severity", "options", "fix"];

/// A value read from the file, with where it was written (`path:line:column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// `path:line:column` of the value.
    pub at: String,
}

/// What a rule or a family is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetting {
    /// A rule id (`K8S014`) or a family prefix (`IST`).
    pub target: String,
    /// `Some(false)` turns it off, `Some(true)` on (over its family's `off`).
    pub enabled: Option<bool>,
    /// The severity its findings get.
    pub severity: Option<Severity>,
    /// The options it is given (a rule only, each one it declares).
    pub options: Vec<(String, OptionValue)>,
    /// `fix: false`: the rule's findings offer no fix, and none is applied.
    pub fix: Option<bool>,
    /// `path:line:column` of the setting.
    pub at: String,
}

/// The settings of one configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileConfig {
    /// The file.
    pub path: PathBuf,
    /// `fail-on`: `error`, `warning`, `note` or `none`.
    pub fail_on: Option<Located<String>>,
    /// `namespace`: of objects that name none.
    pub namespace: Option<Located<String>>,
    /// `istio-root-namespace`.
    pub istio_root_namespace: Option<Located<String>>,
    /// `mesh: istio` runs the mesh rules even when the scan shows no mesh.
    pub mesh: Option<Located<String>>,
    /// `include`: globs (relative to the file's folder) a file must match to be read.
    pub include: Vec<Located<String>>,
    /// `exclude`: globs of files neither checked nor read for cross-file rules.
    pub exclude: Vec<Located<String>>,
    /// `rules`: per rule id or family, in file order.
    pub rules: Vec<RuleSetting>,
    /// `policies`: folders (or files) of Rego policies, relative to the file's folder.
    pub policies: Vec<Located<String>>,
    /// `fix: true`: a run applies the fixes, as `--fix` does.
    pub fix: Option<Located<bool>>,
    /// `unsafe-fixes: true`: fixing applies the unsafe fixes too, as `--unsafe-fixes` does.
    pub unsafe_fixes: Option<Located<bool>>,
}

/// A configuration file that cannot be used, with the place to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ConfigError {
    /// `path:line:column` (`path` alone when the file cannot be read).
    pub at: String,
    /// What is wrong and, where one fits, what was meant.
    pub message: String,
}

/// The configuration file that applies to `start`: the first of [`FILE_NAMES`] in `start` (or
/// its folder, for a file) or a folder above it, stopping after the git work tree's root.
pub fn find(start: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start).ok()?;
    let first = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    for folder in first.ancestors() {
        if let Some(found) = FILE_NAMES.iter().map(|n| folder.join(n)).find(|p| p.is_file()) {
            return Some(found);
        }
        if folder.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Largest configuration file read: real ones are a few KiB.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads and checks a configuration file named on the command line (a pipe is read too:
/// `--config <(…)`).
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    parse_read(path, boundary::read_named(path, MAX_CONFIG_BYTES))
}

/// Reads and checks the configuration file [`find`] found. It belongs to the repository being
/// checked, which may come from anyone: it is read only when it is a regular file inside the
/// repository's work tree (or its folder, outside one), so a link to a runner's credentials
/// never has a word of them quoted in an error.
pub fn load_found(path: &Path) -> Result<FileConfig, ConfigError> {
    let outside = boundary::boundary_of(path).and_then(|b| boundary::leads_outside(path, &b));
    if let Some(target) = outside {
        return Err(ConfigError {
            at: path.display().to_string(),
            message: format!(
                "not read: a symbolic link to `{}`, outside the repository; make it a file of the repository or name the configuration with `--config`",
                target.display()
            ),
        });
    }
    parse_read(path, boundary::read_regular(path, MAX_CONFIG_BYTES))
}

fn parse_read(path: &Path, read: Result<Vec<u8>, Unread>) -> Result<FileConfig, ConfigError> {
    let text = boundary::text_of(read, MAX_CONFIG_BYTES).map_err(|why| ConfigError {
        at: path.display().to_string(),
        message: format!("cannot read the configuration: {why}"),
    })?;
    parse(path, &text)
}

/// Checks the text of a configuration file read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<FileConfig, ConfigError> {
    let source = SourceFile::new(path.display().to_string(), text.to_owned());
    let reader = Reader { source: &source };
    let arena = yaml::Arena::new();
    let stream = yaml::parse_stream(&arena, text);
    if let Some(error) = stream.errors.first() {
        return Err(reader.error(error.span, format!("invalid YAML: {}", error.message)));
    }
    let mut config = FileConfig {
        path: path.to_path_buf(),
        ..FileConfig::default()
    };
    let Some(document) = stream.documents.first() else {
        return Ok(config);
    };
    if stream.documents.len() > 1 {
        return Err(reader.error(
            stream.documents[1].root.span,
            "the configuration is one YAML document".into(),
        ));
    }
    let root = &document.root;
    if !root.is_mapping() {
        return Err(reader.error(
            root.span,
            format!("expected a mapping of settings, found {}", root.type_name()),
        ));
    }
    for entry in root.entries() {
        let key = reader.string(&entry.key)?;
        let value = &entry.value;
        match key {
            "fail-on" => config.fail_on = Some(reader.one_of(value, FAIL_ON_VALUES)?),
            "namespace" => config.namespace = Some(reader.located_string(value)?),
            "istio-root-namespace" => config.istio_root_namespace = Some(reader.located_string(value)?),
            "mesh" => config.mesh = Some(reader.one_of(value, &["auto", "istio"])?),
            "include" => config.include = reader.globs(value)?,
            "exclude" => config.exclude = reader.globs(value)?,
            "rules" => config.rules = reader.rules(value)?,
            "policies" => config.policies = reader.paths(value)?,
            "fix" => config.fix = Some(reader.located_bool(value)?),
            "unsafe-fixes" => config.unsafe_fixes = Some(reader.located_bool(value)?),
            other => return Err(reader.unknown(&entry.key, "setting", other, KEYS)),
        }
    }
    Ok(config)
}

/// Reads values of one file, turning spans into `path:line:column`.
struct Reader<'a> {
    source: &'a SourceFile,
}

impl Reader<'_> {
    fn at(&self, node: &Node<'_>) -> String {
        let region = self.source.locate(node.span);
        format!(
            "{}:{}:{}",
            self.source.path, region.start_line, region.start_column
        )
    }

    fn error(&self, span: crate::source::Span, message: String) -> ConfigError {
        let region = self.source.locate(span);
        ConfigError {
            at: format!(
                "{}:{}:{}",
                self.source.path, region.start_line, region.start_column
            ),
            message,
        }
    }

    fn string<'n>(&self, node: &'n Node<'_>) -> Result<&'n str, ConfigError> {
        node.as_str().ok_or_else(|| {
            self.error(
                node.span,
                format!("expected a string, found {}", node.type_name()),
            )
        })
    }

    fn located_string(&self, node: &Node<'_>) -> Result<Located<String>, ConfigError> {
        let value = self.string(node)?;
        if value.is_empty() {
            return Err(self.error(node.span, "expected a non-empty string".into()));
        }
        Ok(Located {
            value: value.to_owned(),
            at: self.at(node),
        })
    }

    fn bool(&self, node: &Node<'_>) -> Result<bool, ConfigError> {
        node.as_bool()
            .ok_or_else(|| self.error(node.span, "expected true or false".into()))
    }

    fn located_bool(&self, node: &Node<'_>) -> Result<Located<bool>, ConfigError> {
        Ok(Located {
            value: self.bool(node)?,
            at: self.at(node),
        })
    }

    fn one_of(&self, node: &Node<'_>, allowed: &[&'static str]) -> Result<Located<String>, ConfigError> {
        let value = self.string(node)?;
        if allowed.contains(&value) {
            return Ok(Located {
                value: value.to_owned(),
                at: self.at(node),
            });
        }
        Err(self.unknown(node, "value", value, allowed))
    }

    fn unknown(&self, node: &Node<'_>, what: &str, found: &str, allowed: &[&'static str]) -> ConfigError {
        let hint = match suggestion(found, allowed) {
            Some(meant) => format!("; did you mean `{meant}`?"),
            None => format!("; expected one of {}", allowed.join(", ")),
        };
        self.error(node.span, format!("unknown {what} `{}`{hint}", printable(found)))
    }

    fn globs(&self, node: &Node<'_>) -> Result<Vec<Located<String>>, ConfigError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        if node.is_mapping() || node.as_str().is_some() {
            return Err(self.error(
                node.span,
                format!("expected a list of globs, found {}", node.type_name()),
            ));
        }
        node.items()
            .iter()
            .map(|item| {
                let glob = self.located_string(item)?;
                globset::Glob::new(&glob.value).map_err(|e| {
                    self.error(
                        item.span,
                        format!("invalid glob `{}`: {}", printable(&glob.value), e.kind()),
                    )
                })?;
                Ok(glob)
            })
            .collect()
    }

    fn paths(&self, node: &Node<'_>) -> Result<Vec<Located<String>>, ConfigError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        if !matches!(node.value(), yaml::Value::Sequence(_)) {
            return Err(self.error(
                node.span,
                format!("expected a list of folders, found {}", node.type_name()),
            ));
        }
        node.items()
            .iter()
            .map(|item| self.located_string(item))
            .collect()
    }

    fn rules(&self, node: &Node<'_>) -> Result<Vec<RuleSetting>, ConfigError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        if !node.is_mapping() {
            return Err(self.error(
                node.span,
                format!("expected a mapping of rule ids, found {}", node.type_name()),
            ));
        }
        let targets = targets();
        let mut settings = Vec::new();
        for entry in node.entries() {
            let raw = self.string(&entry.key)?;
            let builtin = targets.iter().any(|t| t.eq_ignore_ascii_case(raw));
            // Any other id may be an organisation policy's, known once the policies are loaded
            // (see `check_policy_ids`); one shaped like a built-in id is a typo now.
            if !builtin && looks_builtin(raw) {
                return Err(self.error(entry.key.span, unknown_target(raw, &targets)));
            }
            let mut setting = RuleSetting {
                target: if builtin {
                    raw.to_ascii_uppercase()
                } else {
                    raw.to_owned()
                },
                enabled: None,
                severity: None,
                options: Vec::new(),
                fix: None,
                at: self.at(&entry.key),
            };
            if entry.value.is_mapping() {
                for field in entry.value.entries() {
                    match self.string(&field.key)? {
                        "enabled" => setting.enabled = Some(self.bool(&field.value)?),
                        "fix" => setting.fix = Some(self.bool(&field.value)?),
                        "severity" => setting.severity = Some(self.severity(&field.value)?),
                        "options" => {
                            setting.options = self.options(&setting.target, &field.key, &field.value)?
                        }
                        other => return Err(self.unknown(&field.key, "rule setting", other, RULE_KEYS)),
                    }
                }
            } else {
                match entry.value.as_str() {
                    Some("off") => setting.enabled = Some(false),
                    Some("on") => setting.enabled = Some(true),
                    _ => setting.severity = Some(self.severity(&entry.value)?),
                }
            }
            settings.push(setting);
        }
        Ok(settings)
    }

    /// A rule's `options`, each checked against what the rule declares.
    fn options(
        &self,
        target: &str,
        key: &Node<'_>,
        node: &Node<'_>,
    ) -> Result<Vec<(String, OptionValue)>, ConfigError> {
        let declared = registry::find(target)
            .map(|r| r.meta().options)
            .unwrap_or_default();
        if declared.is_empty() {
            return Err(self.error(key.span, format!("`{}` takes no options", printable(target))));
        }
        if !node.is_mapping() {
            return Err(self.error(
                node.span,
                format!("expected a mapping of options, found {}", node.type_name()),
            ));
        }
        let names: Vec<&'static str> = declared.iter().map(|o| o.name).collect();
        let mut options = Vec::new();
        for entry in node.entries() {
            let name = self.string(&entry.key)?;
            let Some(option) = declared.iter().find(|o| o.name == name) else {
                return Err(self.unknown(&entry.key, &format!("option of {target}"), name, &names));
            };
            let value = match option.kind {
                OptionKind::Integer { min } => {
                    let n = entry.value.as_i64().filter(|n| *n >= min).ok_or_else(|| {
                        self.error(
                            entry.value.span,
                            format!("expected a whole number of at least {min}"),
                        )
                    })?;
                    OptionValue::Integer(n)
                }
                OptionKind::Strings | OptionKind::Patterns => {
                    if !matches!(entry.value.value(), yaml::Value::Sequence(_)) {
                        return Err(self.error(
                            entry.value.span,
                            format!("expected a list of strings, found {}", entry.value.type_name()),
                        ));
                    }
                    let mut list = Vec::new();
                    for item in entry.value.items() {
                        let text = self.located_string(item)?.value;
                        if option.kind == OptionKind::Patterns
                            && let Err(e) = regex::Regex::new(&text)
                        {
                            let reason = e.to_string();
                            let last = reason.lines().last().unwrap_or_default().trim().to_owned();
                            return Err(self.error(item.span, format!("invalid regular expression: {last}")));
                        }
                        list.push(text);
                    }
                    if option.kind == OptionKind::Strings {
                        OptionValue::Strings(list)
                    } else {
                        let set = regex::RegexSet::new(&list).map_err(|e| {
                            self.error(entry.value.span, format!("invalid regular expressions: {e}"))
                        })?;
                        OptionValue::Patterns(list, set)
                    }
                }
            };
            options.push((name.to_owned(), value));
        }
        Ok(options)
    }

    fn severity(&self, node: &Node<'_>) -> Result<Severity, ConfigError> {
        let allowed: Vec<&'static str> = SEVERITIES
            .iter()
            .map(|(name, _)| *name)
            .chain(SWITCH_VALUES.iter().copied())
            .collect();
        let value = self.string(node)?;
        SEVERITIES
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, severity)| *severity)
            .ok_or_else(|| self.unknown(node, "severity", value, &allowed))
    }
}

/// Severities by the names a configuration writes.
const SEVERITIES: &[(&str, Severity)] = &[
    ("error", Severity::Error),
    ("warning", Severity::Warning),
    ("note", Severity::Note),
];

/// Every built-in rule id and family prefix a `rules` key may name (and `POLICY`, every
/// organisation policy).
fn targets() -> Vec<&'static str> {
    Family::ALL
        .iter()
        .chain([&Family::Policy])
        .map(|f| f.prefix())
        .chain(ALL.iter().map(|r| r.meta().id))
        .collect()
}

/// True for an id shaped like a built-in rule's (`K8S` and digits), which no policy may take.
fn looks_builtin(raw: &str) -> bool {
    Family::ALL.iter().any(|f| {
        raw.get(..f.prefix().len())
            .is_some_and(|p| p.eq_ignore_ascii_case(f.prefix()))
            && raw[f.prefix().len()..].starts_with(|c: char| c.is_ascii_digit())
    })
}

/// The message for a `rules` key that names no rule, family or policy.
fn unknown_target(raw: &str, targets: &[&'static str]) -> String {
    let hint = match suggestion(raw, targets) {
        Some(meant) => format!("did you mean `{meant}`?"),
        None => "expected a rule id such as `K8S014` (`mslint rules` lists them), a family \
                 (DF, GW, IST, K8S, MS, NS, SEC, POLICY) or the id of a loaded policy"
            .to_owned(),
    };
    format!("unknown rule or family `{}`; {hint}", printable(raw))
}

impl FileConfig {
    /// The options the file gives rules.
    pub fn rule_options(&self) -> RuleOptions {
        RuleOptions(
            self.rules
                .iter()
                .flat_map(|s| {
                    s.options
                        .iter()
                        .map(|(name, value)| (s.target.clone(), name.clone(), value.clone()))
                })
                .collect(),
        )
    }

    /// Checks that every `rules` key that is no built-in rule or family names one of the
    /// loaded policies' rules (`policy_ids`), stopping at the first that does not.
    pub fn check_policy_ids(&mut self, policy_ids: &[&'static str]) -> Result<(), ConfigError> {
        let builtin = targets();
        for setting in &mut self.rules {
            if builtin.contains(&setting.target.as_str()) {
                continue;
            }
            match policy_ids
                .iter()
                .find(|id| id.eq_ignore_ascii_case(&setting.target))
            {
                Some(id) => setting.target = (*id).to_owned(),
                None => {
                    let known: Vec<&'static str> = builtin.iter().chain(policy_ids).copied().collect();
                    return Err(ConfigError {
                        at: setting.at.clone(),
                        message: unknown_target(&setting.target, &known),
                    });
                }
            }
        }
        Ok(())
    }

    /// A rule's own setting and its family's (the last written of each).
    fn settings_for(&self, id: &str, family: Family) -> (Option<&RuleSetting>, Option<&RuleSetting>) {
        let last = |target: &str| self.rules.iter().rev().find(|s| s.target == target);
        (last(id), last(family.prefix()))
    }

    /// Whether the file turns a rule off. A rule's own setting wins over its family's: giving a
    /// rule a severity turns it on even in a family that is off.
    pub fn disables(&self, id: &str, family: Family) -> bool {
        match self.settings_for(id, family) {
            (Some(own), _) => own.enabled == Some(false),
            (None, family) => family.is_some_and(|s| s.enabled == Some(false)),
        }
    }

    /// Whether the file turns a rule's fixes off (its own setting wins over its family's).
    pub fn fixes_off(&self, id: &str, family: Family) -> bool {
        let (own, family) = self.settings_for(id, family);
        own.into_iter().chain(family).find_map(|s| s.fix) == Some(false)
    }

    /// The severity the file gives a rule (its own setting wins over its family's).
    pub fn severity_of(&self, id: &str, family: Family) -> Option<Severity> {
        let (own, family) = self.settings_for(id, family);
        own.into_iter().chain(family).find_map(|s| s.severity)
    }
}

/// The commented starter file `mslint init` writes.
pub const STARTER: &str = "\
# mslint configuration: https://github.com/your-org/mslint#configuration
# Editors that read JSON schemas can check this file against schemas/mslint.schema.json.

# Lowest severity that makes the exit code 1: error, warning, note or none.
fail-on: error

# Namespace of objects that name none (after their kustomization's `namespace:`).
namespace: default

# Where mesh-wide Istio policies live; `mesh: istio` runs the mesh rules even when the
# scan shows no mesh.
istio-root-namespace: istio-system
# mesh: istio

# Files that are neither checked nor read for cross-file rules (globs, relative to this file).
exclude:
  - \"**/testdata/**\"
# include: [\"deploy/**\"]

# Organisation policies in Rego (conftest's deny/warn/violation), folders relative to this file.
# policies: [rules/]

# Apply the fixes on every run, as `mslint --fix` does; `unsafe-fixes` adds the fixes that
# change what the configuration does.
# fix: true
# unsafe-fixes: false

# Rules and families: off, on, a severity (error, warning, note), or both; `fix: false`
# keeps a rule's fixes from being offered or applied:
rules:
  # IST: off
  # K8S014: error
  # K8S025: { enabled: true, severity: note }
  # K8S013: { fix: false }
";

/// A value of the configuration quoted in an error: the file may come with the repository, so
/// its text reaches the terminal with no control character raw.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    crate::source::escape::escape_controls(text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<FileConfig, ConfigError> {
        parse(Path::new(".mslint.yaml"), text)
    }

    #[test]
    fn settings_are_read_with_their_locations() {
        let config = read(
            "fail-on: warning\nexclude: [\"legacy/**\"]\nrules:\n  IST: off\n  k8s014: error\n  \
             IST007: { enabled: true, severity: warning }\n",
        )
        .unwrap();
        assert_eq!(config.fail_on.as_ref().unwrap().value, "warning");
        assert_eq!(config.fail_on.as_ref().unwrap().at, ".mslint.yaml:1:10");
        assert_eq!(config.exclude[0].value, "legacy/**");
        assert!(config.disables("IST001", Family::Ist));
        assert!(!config.disables("IST007", Family::Ist));
        assert_eq!(config.severity_of("IST007", Family::Ist), Some(Severity::Warning));
        assert_eq!(config.severity_of("K8S014", Family::K8s), Some(Severity::Error));
        assert_eq!(config.severity_of("K8S001", Family::K8s), None);
        let options = read("rules:\n  K8S016: { options: { min-replicas: 3 } }\n  K8S014:\n    options:\n      allowed-registries: [ghcr.io/shop]\n")
            .unwrap()
            .rule_options();
        assert_eq!(options.integer("K8S016", "min-replicas"), Some(3));
        assert_eq!(
            options.strings("K8S014", "allowed-registries"),
            Some(&["ghcr.io/shop".to_owned()][..])
        );
    }

    #[test]
    fn mistakes_stop_at_their_place_with_a_suggestion() {
        let cases = [
            (
                "fail_on: error\n",
                ".mslint.yaml:1:1: unknown setting `fail_on`; did you mean `fail-on`?",
            ),
            (
                "fail-on: warnings\n",
                ".mslint.yaml:1:10: unknown value `warnings`; did you mean `warning`?",
            ),
            (
                "rules:\n  K8S0014: off\n",
                ".mslint.yaml:2:3: unknown rule or family `K8S0014`; did you mean `K8S014`?",
            ),
            (
                "rules:\n  K8S001: loud\n",
                ".mslint.yaml:2:11: unknown severity `loud`; expected one of error, warning, note, off, on",
            ),
            (
                "exclude: legacy\n",
                ".mslint.yaml:1:10: expected a list of globs, found scalar",
            ),
            (
                "exclude: [\"a[\"]\n",
                ".mslint.yaml:1:11: invalid glob `a[`: unclosed character class; missing ']'",
            ),
            (
                "rules:\n  K8S001: { enable: false }\n",
                ".mslint.yaml:2:13: unknown rule setting `enable`; did you mean `enabled`?",
            ),
            ("fix: yes please\n", ".mslint.yaml:1:6: expected true or false"),
            (
                "rules:\n  K8S013: { fix: later }\n",
                ".mslint.yaml:2:18: expected true or false",
            ),
            (
                "- fail-on\n",
                ".mslint.yaml:1:1: expected a mapping of settings, found sequence",
            ),
            (
                "fail-on: [error\n",
                ".mslint.yaml:1:10: invalid YAML: `[` is never closed (the parser reached the end of the file: while parsing a flow sequence, expected ',' or ']')",
            ),
        ];
        for (text, expected) in cases {
            let error = read(text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_starter_file_is_valid_and_an_empty_file_sets_nothing() {
        assert!(read(STARTER).is_ok());
        assert_eq!(read("").unwrap().rules, []);
    }

    #[test]
    fn the_schema_names_exactly_the_keys_and_values_the_loader_accepts() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schemas/mslint.schema.json")).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = KEYS.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let strings = |value: &serde_json::Value| -> Vec<String> {
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(strings(&properties["fail-on"]["enum"]), FAIL_ON_VALUES);
        let pattern = properties["rules"]["propertyNames"]["pattern"].as_str().unwrap();
        let pattern = regex::Regex::new(pattern).unwrap();
        for target in targets() {
            assert!(pattern.is_match(target), "the schema rejects `{target}`");
            assert!(pattern.is_match(&target.to_ascii_lowercase()));
        }
        let setting = &schema["definitions"]["ruleSetting"];
        let mut levels = strings(&setting["oneOf"][0]["enum"]);
        levels.sort_unstable();
        let mut expected: Vec<&str> = SEVERITIES
            .iter()
            .map(|(n, _)| *n)
            .chain(SWITCH_VALUES.iter().copied())
            .collect();
        expected.sort_unstable();
        assert_eq!(levels, expected);
        let mut fields: Vec<&str> = setting["oneOf"][1]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        let mut keys = RULE_KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(fields, keys);
    }
}
