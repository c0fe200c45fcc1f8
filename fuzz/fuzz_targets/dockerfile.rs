//! The Dockerfile parser (heredocs, error recovery, the escape directive) on any UTF-8 text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        mslint_fuzz::check_dockerfile(text);
    }
});
