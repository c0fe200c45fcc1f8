//! MS: diagnostics the engine reports itself.

pub mod ms000_parse_error;
pub mod ms002_unknown_field;
