//! DF: Dockerfile rules.

pub mod df004_runs_as_root;
pub mod df005_unpinned_base_image;
pub mod df006_shell_form_entrypoint;
