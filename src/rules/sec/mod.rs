//! SEC: secrets in any scanned file.

pub mod sec001_hardcoded_secret;
