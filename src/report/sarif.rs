//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use super::finding::Finding;
use super::json_out::Object;
use super::{Report, json_skeleton, write_json_with_list};
use crate::fix::Fix;
use crate::rules::{RuleMeta, Severity};
use crate::source::{Region, SourceFile};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const ROOT: &str = "%SRCROOT%";
/// GitHub truncates descriptions beyond this.
const MAX_DESCRIPTION: usize = 1024;

/// Renders the SARIF log.
pub fn write<'r>(report: &Report<'r>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rule_indices: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(n, meta)| (meta.id, n))
        .rev()
        .collect();
    let result = |finding: &'r Finding, out: &mut Vec<u8>| {
        let mut object = Object::begin(out);
        write_result(&mut object, finding, report.fix_source(finding), &rule_indices);
        object.end();
        Ok(())
    };
    let log = match report.sarif_log {
        Some(log) => Cow::Borrowed(log),
        None => Cow::Owned(log_without_results(report.rules)?),
    };
    write_json_with_list(&log, "results", report.findings, result, out)
}

/// The SARIF log of a run of `rules` with an empty `results` list, as [`write`] fills it: it
/// depends on the rules alone, so a run can render it while it scans. The rules are described
/// one after the other, on the calling thread.
pub fn log_without_results(rules: &[&RuleMeta]) -> serde_json::Result<String> {
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
                    rules: rules.iter().map(|meta| descriptor(meta)).collect(),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: "2.1.0",
    };
    json_skeleton(&log)
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
struct Message<T> {
    text: T,
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

/// One result, its keys in alphabetical order like the rest of the log.
fn write_result(
    result: &mut Object<'_>,
    finding: &Finding,
    fix_source: Option<&SourceFile>,
    rule_indices: &HashMap<&str, usize>,
) {
    if let Some((fix, source)) = finding.fix.as_ref().zip(fix_source) {
        result.objects("fixes", [()], |change, ()| write_fix(change, fix, source));
    }
    result.string("level", level(finding.severity));
    result.objects("locations", [()], |location, ()| {
        if let Some(object) = &finding.object {
            let (namespace, name) = (object.namespace.as_deref(), object.name.as_deref());
            // `namespace/name`, or whichever of the two there is.
            let between = if namespace.is_some() && name.is_some() {
                "/"
            } else {
                ""
            };
            let qualified = [
                &*object.kind,
                "/",
                namespace.unwrap_or_default(),
                between,
                name.unwrap_or_default(),
            ];
            location.objects("logicalLocations", [()], |logical, ()| {
                logical
                    .text("fullyQualifiedName", &qualified)
                    .string("kind", "object")
                    .text("name", &qualified[2..]);
            });
        }
        location.object("physicalLocation", |physical| {
            write_physical(physical, &finding.path, finding.region)
        });
    });
    result.object("message", |message| {
        message.text("text", &[&finding.message, "\n", &finding.help]);
    });
    result.object("partialFingerprints", |fingerprints| {
        fingerprints.string("primaryLocationLineHash", &finding.fingerprint);
    });
    if !finding.related.is_empty() {
        result.objects(
            "relatedLocations",
            finding.related.iter().enumerate(),
            |related, (n, r)| {
                related
                    .number("id", n + 1)
                    .object("message", |message| {
                        message.string("text", &r.label);
                    })
                    .object("physicalLocation", |physical| {
                        write_physical(physical, &r.path, r.region)
                    });
            },
        );
    }
    result.string("ruleId", finding.rule.id);
    if let Some(index) = rule_indices.get(finding.rule.id) {
        result.number("ruleIndex", *index);
    }
    if let Some(reason) = finding.suppressed.as_deref() {
        result.objects("suppressions", [()], |suppression, ()| {
            if !reason.is_empty() {
                suppression.string("justification", reason);
            }
            suppression.string("kind", "inSource");
        });
    }
}

/// A fix as SARIF writes it: replacements in the finding's file, by region.
fn write_fix(fix_object: &mut Object<'_>, fix: &Fix, source: &SourceFile) {
    fix_object.objects("artifactChanges", [()], |change, ()| {
        change
            .object("artifactLocation", |artifact| {
                write_artifact(artifact, &source.path)
            })
            .objects("replacements", &fix.edits, |replacement, edit| {
                let region = source.locate(edit.span);
                replacement
                    .object("deletedRegion", |deleted| write_region(deleted, region))
                    .object("insertedContent", |inserted| {
                        inserted.string("text", &edit.content);
                    });
            });
    });
    fix_object.object("description", |description| {
        description.text("text", &[&fix.title, " (", fix.applicability.as_str(), " fix)"]);
    });
}

fn write_physical(physical: &mut Object<'_>, path: &str, region: Region) {
    let end_column = region.end_column.max(if region.end_line == region.start_line {
        region.start_column
    } else {
        1
    });
    physical
        .object("artifactLocation", |artifact| write_artifact(artifact, path))
        .object("region", |written| {
            write_region(written, Region { end_column, ..region })
        });
}

fn write_artifact(artifact: &mut Object<'_>, path: &str) {
    artifact.string("uri", &uri(path)).string("uriBaseId", ROOT);
}

fn write_region(written: &mut Object<'_>, region: Region) {
    written
        .number("endColumn", region.end_column)
        .number("endLine", region.end_line)
        .number("startColumn", region.start_column)
        .number("startLine", region.start_line);
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
