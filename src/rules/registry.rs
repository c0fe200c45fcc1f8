//! The built-in rules, in id order.

use super::Rule;
use super::df::df006_shell_form_entrypoint::ShellFormEntrypoint;
use super::df::{df004_runs_as_root::RunsAsRoot, df005_unpinned_base_image::UnpinnedBaseImage};
use super::k8s::k8s001_missing_liveness_probe::MissingLivenessProbe;
use super::k8s::k8s002_missing_readiness_probe::MissingReadinessProbe;
use super::k8s::k8s003_missing_resource_requests::MissingResourceRequests;
use super::k8s::k8s004_missing_memory_limit::MissingMemoryLimit;
use super::k8s::k8s014_image_tag_not_pinned::ImageTagNotPinned;
use super::ms::ms000_parse_error::ParseError;

/// Every built-in rule.
pub static ALL: &[&dyn Rule] = &[
    &RunsAsRoot,
    &UnpinnedBaseImage,
    &ShellFormEntrypoint,
    &MissingLivenessProbe,
    &MissingReadinessProbe,
    &MissingResourceRequests,
    &MissingMemoryLimit,
    &ImageTagNotPinned,
    &ParseError,
];

/// Ids that were shipped and withdrawn; never reuse them.
pub static RETIRED: &[&str] = &[];

/// The parse-error rule the engine reports under.
pub fn parse_error() -> &'static super::RuleMeta {
    super::Describe::meta(&ParseError)
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id))
}
