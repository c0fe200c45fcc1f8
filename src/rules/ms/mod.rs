//! MS: diagnostics the engine reports itself.

pub mod ms000_parse_error;
pub mod ms001_unknown_suppression;
pub mod ms002_unknown_field;
pub mod ms003_unused_suppression;
