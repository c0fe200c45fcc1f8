//! The shell splitter: the first byte picks the escape character and where the script starts
//! in its file, the rest is the script.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(script) = std::str::from_utf8(rest) else {
        return;
    };
    let escape = if first & 1 == 0 { '\\' } else { '`' };
    mslint_fuzz::check_shell(script, usize::from(first >> 1) * 1000, escape);
});
