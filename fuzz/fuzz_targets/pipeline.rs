//! The whole pipeline on arbitrary bytes, written to a folder as `x.yaml`, `Dockerfile` and
//! `kong.yml`: no internal error, every location inside its file, the same findings twice.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("mslint-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
});

fuzz_target!(|data: &[u8]| {
    for name in ["x.yaml", "Dockerfile", "kong.yml"] {
        std::fs::write(DIR.join(name), data).expect("a scratch file");
    }
    let first = mslint_fuzz::check_pipeline(&DIR, 1);
    let second = mslint_fuzz::check_pipeline(&DIR, 1);
    let key = |f: &mslint::Finding| {
        (
            f.path.clone(),
            f.region,
            f.rule.id,
            f.message.clone(),
            f.fingerprint.clone(),
        )
    };
    assert_eq!(
        first.iter().map(key).collect::<Vec<_>>(),
        second.iter().map(key).collect::<Vec<_>>(),
        "two runs on the same files differ"
    );
});
