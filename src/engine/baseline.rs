//! Baselines: today's findings recorded by fingerprint, so a legacy repository adopts mslint and
//! is held to "no new findings" until the recorded ones are fixed.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::discover::boundary::{read_named, text_of};
use crate::report::finding::Finding;

/// The file's format version.
const FORMAT: u32 = 1;

/// Largest baseline read: one of 200,000 findings takes some 75 MiB.
pub const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

/// A baseline file: sorted, one finding per entry, no line numbers, so it diffs well in review
/// and survives edits that move lines.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    /// Written by.
    pub tool: String,
    /// Format version.
    pub format: u32,
    /// The recorded findings.
    pub findings: Vec<Entry>,
}

/// One recorded finding. Only `fingerprint` decides a match (it hashes the rule, the path, the
/// object and the text under the finding, never its line); the rest is for the reader.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// The file.
    pub path: String,
    /// The rule id.
    pub rule: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// `Kind namespace/name`, when the finding is about an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The message when recorded.
    pub message: String,
}

impl Baseline {
    /// The baseline of a run's findings.
    pub fn of(findings: &[Finding]) -> Self {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                path: f.path.to_string(),
                rule: f.rule.id.to_owned(),
                fingerprint: f.fingerprint.clone(),
                object: f.object.as_ref().map(|o| {
                    format!(
                        "{} {}/{}",
                        o.kind,
                        o.namespace.as_deref().unwrap_or("-"),
                        o.name.as_deref().unwrap_or("-")
                    )
                }),
                message: f.message.clone(),
            })
            .collect();
        entries.sort();
        Baseline {
            tool: "mslint".to_owned(),
            format: FORMAT,
            findings: entries,
        }
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = text_of(read_named(path, MAX_BASELINE_BYTES), MAX_BASELINE_BYTES)
            .map_err(|why| format!("cannot read the baseline `{}`: {why}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is no mslint baseline: {e}", path.display()))?;
        if baseline.format != FORMAT {
            return Err(format!(
                "`{}` is a baseline of format {}; this mslint reads format {FORMAT}",
                path.display(),
                baseline.format
            ));
        }
        Ok(baseline)
    }

    /// Removes the findings the baseline records; returns how many recorded findings are gone
    /// (fixed, or their file removed).
    pub fn filter(&self, findings: &mut Vec<Finding>) -> usize {
        let recorded: HashSet<&str> = self.findings.iter().map(|e| e.fingerprint.as_str()).collect();
        let before = findings.len();
        findings.retain(|f| !recorded.contains(f.fingerprint.as_str()));
        let matched = before - findings.len();
        self.findings.len() - matched
    }
}
