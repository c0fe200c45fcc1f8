//! The suppression-comment parser: the first byte picks YAML or Dockerfile comment rules, the
//! rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(rest) {
        mslint_fuzz::check_suppressions(text, first & 1 == 1);
    }
});
