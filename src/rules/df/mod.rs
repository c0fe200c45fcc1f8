//! DF: Dockerfile rules.

pub mod df001_single_stage_build;
pub mod df002_secret_in_env_or_arg;
pub mod df003_secret_file_in_image;
pub mod df004_runs_as_root;
pub mod df005_unpinned_base_image;
pub mod df006_shell_form_entrypoint;
pub mod df007_add_instead_of_copy;
pub mod df008_pipe_to_shell;
pub mod df009_package_cache_kept;
pub mod df010_credentials_in_url;
