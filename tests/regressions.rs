//! Inputs that once broke a property (`tests/data/regressions/`, see its README): each is
//! checked against the properties of its kind, and the whole pipeline runs on it.

mod common;

use common::properties::{check_dockerfile, check_pipeline, check_shell, check_suppressions, check_yaml};

#[test]
fn every_regression_input_keeps_the_properties_it_once_broke() {
    let dir = common::repo().join("tests/data/regressions");
    let mut checked = 0;
    for path in common::files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let extension = name.rsplit('.').next().unwrap_or("");
        if extension == "md" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        println!("{name}");
        match extension {
            "yaml" | "yml" | "json" => check_yaml(&text),
            "Dockerfile" => check_dockerfile(&text),
            "sh" => check_shell(&text, 0, '\\'),
            "suppress" => {
                check_suppressions(&text, false);
                check_suppressions(&text, true);
            }
            _ => panic!("{name}: no kind of input is named `.{extension}`"),
        }
        let scan = tempfile::tempdir().unwrap();
        std::fs::write(scan.path().join(&name), &bytes).unwrap();
        check_pipeline(scan.path(), 1);
        checked += 1;
    }
    assert!(checked > 0, "no regression input under {}", dir.display());
}
