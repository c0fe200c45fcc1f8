//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::finding::Finding;
use super::{Report, write_json_with_list};
use crate::fix::Fix;
use crate::rules::{RuleMeta, Severity};
use crate::source::{Region, SourceFile};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const ROOT: &str = "%SRCROOT%";
/// GitHub truncates descriptions beyond this.
const MAX_DESCRIPTION: usize = 1024;

/// Renders the SARIF log.
pub fn write<'r>(report: &Report<'r>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Descriptor> = report.rules.par_iter().map(|meta| descriptor(meta)).collect();
    let rule_indices: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(n, meta)| (meta.id, n))
        .rev()
        .collect();
    let result = |finding: &'r Finding| SarifResult {
        fixes: finding
            .fix
            .as_ref()
            .zip(report.fix_source(finding))
            .map(|(fix, source)| [sarif_fix(fix, source)]),
        level: level(finding.severity),
        locations: [Location {
            logical_locations: finding.object.as_ref().map(|object| {
                let name = match (object.namespace.as_deref(), object.name.as_deref()) {
                    (Some(namespace), Some(name)) => format!("{namespace}/{name}"),
                    (Some(only), None) | (None, Some(only)) => only.to_owned(),
                    (None, None) => String::new(),
                };
                [LogicalLocation {
                    fully_qualified_name: format!("{}/{name}", object.kind),
                    kind: "object",
                    name,
                }]
            }),
            physical_location: physical(&finding.path, finding.region),
        }],
        message: Message {
            text: Lines(&finding.message, &finding.help),
        },
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: &finding.fingerprint,
        },
        related_locations: finding
            .related
            .iter()
            .enumerate()
            .map(|(n, r)| Related {
                id: n + 1,
                message: Message {
                    text: r.label.as_str(),
                },
                physical_location: physical(&r.path, r.region),
            })
            .collect(),
        rule_id: finding.rule.id,
        rule_index: rule_indices.get(finding.rule.id).copied(),
        suppressions: finding.suppressed.as_deref().map(|reason| {
            [Suppression {
                justification: (!reason.is_empty()).then_some(reason),
                kind: "inSource",
            }]
        }),
    };
    // Keys in alphabetical order throughout the log.
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: BaseIds {
                root: Described {
                    description: Message {
                        text: "The directory mslint was run from.",
                    },
                },
            },
            results: [(); 0],
            tool: Tool {
                driver: Driver {
                    name: "mslint",
                    rules,
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: "2.1.0",
    };
    write_json_with_list(&log, "results", report.findings, result, out)
}

/// The SARIF log around the results, which are written one by one.
#[derive(Serialize)]
struct Log<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<R>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<R> {
    column_kind: &'static str,
    original_uri_base_ids: BaseIds,
    results: R,
    tool: Tool,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    root: Described,
}

#[derive(Serialize)]
struct Described {
    description: Message<&'static str>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    rules: Vec<Descriptor>,
    semantic_version: &'static str,
    version: &'static str,
}

/// A rule as SARIF describes it (GitHub requires the full description and the help).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    default_configuration: Level,
    full_description: Message<String>,
    help: Help,
    id: &'static str,
    name: &'static str,
    properties: Properties,
    short_description: Message<String>,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct Help {
    markdown: String,
    text: String,
}

#[derive(Serialize)]
struct Properties {
    precision: &'static str,
    #[serde(rename = "problem.severity", skip_serializing_if = "Option::is_none")]
    problem_severity: Option<&'static str>,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    tags: [&'static str; 2],
}

/// Two texts on two lines, written without joining them first.
struct Lines<'a>(&'a str, &'a str);

impl Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}\n{}", self.0, self.1))
    }
}

/// One result, its keys in alphabetical order like the rest of the log.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'f> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'f>; 1]>,
    level: &'static str,
    locations: [Location<'f>; 1],
    message: Message<Lines<'f>>,
    partial_fingerprints: Fingerprints<'f>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'f>>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'f>; 1]>,
}

/// A fix as SARIF writes it: replacements in the finding's file, by region.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'f> {
    artifact_changes: [ArtifactChange<'f>; 1],
    description: Message<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'f> {
    artifact_location: Artifact<'f>,
    replacements: Vec<Replacement<'f>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'f> {
    deleted_region: SarifRegion,
    inserted_content: Message<&'f str>,
}

fn sarif_fix<'f>(fix: &'f Fix, source: &'f SourceFile) -> SarifFix<'f> {
    SarifFix {
        artifact_changes: [ArtifactChange {
            artifact_location: Artifact {
                uri: uri(&source.path),
                uri_base_id: ROOT,
            },
            replacements: fix
                .edits
                .iter()
                .map(|edit| {
                    let region = source.locate(edit.span);
                    Replacement {
                        deleted_region: SarifRegion {
                            end_column: region.end_column,
                            end_line: region.end_line,
                            start_column: region.start_column,
                            start_line: region.start_line,
                        },
                        inserted_content: Message { text: &edit.content },
                    }
                })
                .collect(),
        }],
        description: Message {
            text: format!("{} ({} fix)", fix.title, fix.applicability.as_str()),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'f> {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation; 1]>,
    physical_location: Physical<'f>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
struct Message<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints<'f> {
    primary_location_line_hash: &'f str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'f> {
    id: usize,
    message: Message<&'f str>,
    physical_location: Physical<'f>,
}

#[derive(Serialize)]
struct Suppression<'f> {
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'f str>,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'p> {
    artifact_location: Artifact<'p>,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact<'p> {
    uri: Cow<'p, str>,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

fn descriptor(meta: &RuleMeta) -> Descriptor {
    let full = truncate(&meta.section("What it does").replace('\n', " "));
    let mut markdown = meta.doc_lines().collect::<Vec<_>>().join("\n");
    markdown = markdown.trim().to_owned();
    markdown.push_str(&format!("\n\nGuideline reference: {}", meta.guideline));
    let (security_severity, problem_severity) = if meta.security {
        let score = match meta.severity {
            Severity::Error => "8.0",
            Severity::Warning => "5.5",
            Severity::Note => "2.0",
        };
        (Some(score), None)
    } else {
        let severity = match meta.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "recommendation",
        };
        (None, Some(severity))
    };
    Descriptor {
        default_configuration: Level {
            level: level(meta.severity),
        },
        full_description: Message { text: full },
        help: Help {
            text: markdown.replace("```", ""),
            markdown,
        },
        id: meta.id,
        name: meta.name,
        properties: Properties {
            precision: "high",
            problem_severity,
            security_severity,
            tags: [
                meta.family.folder(),
                if meta.security { "security" } else { "reliability" },
            ],
        },
        short_description: Message {
            text: truncate(&meta.summary_text()),
        },
    }
}

fn physical(path: &str, region: Region) -> Physical<'_> {
    Physical {
        artifact_location: Artifact {
            uri: uri(path),
            uri_base_id: ROOT,
        },
        region: SarifRegion {
            start_line: region.start_line,
            start_column: region.start_column,
            end_line: region.end_line,
            end_column: region.end_column.max(if region.end_line == region.start_line {
                region.start_column
            } else {
                1
            }),
        },
    }
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

fn truncate(text: &str) -> String {
    if text.len() <= MAX_DESCRIPTION {
        return text.to_owned();
    }
    let mut end = MAX_DESCRIPTION - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// A relative URI reference for a `/`-separated path.
fn uri(path: &str) -> Cow<'_, str> {
    let unreserved =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/');
    if path.bytes().all(unreserved) {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len() + 8);
    for byte in path.bytes() {
        if unreserved(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_percent_encoded_relative_uris() {
        assert_eq!(uri("k8s/my app/deploy.yaml"), "k8s/my%20app/deploy.yaml");
        assert_eq!(uri("a#b%c.yaml"), "a%23b%25c.yaml");
    }
}
