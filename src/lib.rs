//! mslint: a policy linter for Dockerfiles, Kubernetes manifests, Istio and API-gateway configuration.
//!
//! The pipeline runs discover → parse → model → index → rules → report; each stage is a module.
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod allocator;
pub mod config;
pub mod discover;
pub mod docs;
pub mod engine;
pub mod fix;
pub mod index;
pub mod model;
pub mod parse;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;

pub use engine::{Config, Finding, MeshSettings, Outcome, RunError, run};
pub use rules::RuleMeta;
