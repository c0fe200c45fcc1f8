//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use serde_json::{Value, json};

use serde::Serialize;

use super::{Report, Streamed, write_json};
use crate::rules::{RuleMeta, Severity};
use crate::source::Region;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const ROOT: &str = "%SRCROOT%";
/// GitHub truncates descriptions beyond this.
const MAX_DESCRIPTION: usize = 1024;

/// Renders the SARIF log.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = report.rules.iter().map(|meta| descriptor(meta)).collect();
    let results = report.findings.iter().map(|finding| {
            let rule_index = report.rules.iter().position(|m| m.id == finding.rule.id);
            let related: Vec<Value> = finding
                .related
                .iter()
                .enumerate()
                .map(|(n, r)| {
                    json!({
                        "id": n + 1,
                        "physicalLocation": physical(&r.path, r.region),
                        "message": { "text": r.label },
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": finding.rule.id,
                "level": level(finding.severity),
                "message": { "text": format!("{}\n{}", finding.message, finding.help) },
                "locations": [{ "physicalLocation": physical(&finding.path, finding.region) }],
                "partialFingerprints": { "primaryLocationLineHash": finding.fingerprint },
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            if let Some(object) = &finding.object {
                let name = [object.namespace.as_deref(), object.name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/");
                result["locations"][0]["logicalLocations"] =
                    json!([{ "name": name, "kind": "object", "fullyQualifiedName": format!("{}/{name}", object.kind) }]);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if let Some(reason) = &finding.suppressed {
                let mut suppression = json!({ "kind": "inSource" });
                if !reason.is_empty() {
                    suppression["justification"] = json!(reason);
                }
                result["suppressions"] = json!([suppression]);
            }
            result
        });
    // Keys in alphabetical order, as `serde_json::Value` writes the objects inside.
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: json!({ ROOT: { "description": { "text": "The directory mslint was run from." } } }),
            results: Streamed::new(results),
            tool: json!({ "driver": {
                "name": "mslint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }}),
        }],
        version: "2.1.0",
    };
    write_json(&log, out)
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
    original_uri_base_ids: Value,
    results: R,
    tool: Value,
}

fn descriptor(meta: &RuleMeta) -> Value {
    let full = truncate(&meta.section("What it does").replace('\n', " "));
    let mut markdown = meta.doc_lines().collect::<Vec<_>>().join("\n");
    markdown = markdown.trim().to_owned();
    markdown.push_str(&format!("\n\nGuideline reference: {}", meta.guideline));
    let mut properties = json!({
        "tags": [meta.family.folder(), if meta.security { "security" } else { "reliability" }],
        "precision": "high",
    });
    if meta.security {
        properties["security-severity"] = json!(match meta.severity {
            Severity::Error => "8.0",
            Severity::Warning => "5.5",
            Severity::Note => "2.0",
        });
    } else {
        properties["problem.severity"] = json!(match meta.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "recommendation",
        });
    }
    json!({
        "id": meta.id,
        "name": meta.name,
        "shortDescription": { "text": truncate(&meta.summary()) },
        "fullDescription": { "text": full },
        "help": { "text": markdown.replace("```", ""), "markdown": markdown },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": properties,
    })
}

fn physical(path: &str, region: Region) -> Value {
    json!({
        "artifactLocation": { "uri": uri(path), "uriBaseId": ROOT },
        "region": {
            "startLine": region.start_line,
            "startColumn": region.start_column,
            "endLine": region.end_line,
            "endColumn": region.end_column.max(if region.end_line == region.start_line { region.start_column } else { 1 }),
        },
    })
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
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
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
