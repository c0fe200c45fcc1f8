//! Syntax only: YAML streams and Dockerfiles, each node carrying its source span.

pub mod dockerfile;
pub mod shell;
pub mod yaml;
