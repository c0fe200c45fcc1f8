//! Fixes are right, not only applied: for every rule with fixes, `--fix --unsafe-fixes` on its
//! `fail/` fixtures gives the files of its `fixed/` folder byte for byte (set
//! `MSLINT_UPDATE_FIXED=1` to write them after a reviewed change); the fixed files no longer carry
//! a fixable finding of the rule, and bring no new finding of the rule, no parse error and no
//! unknown field; and a second run changes nothing. (Other rules may find more once a misspelt
//! key is renamed: the field they check is read at last.)

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use mslint::fix::{FixMode, fix_files};

fn config(dir: &Path, rules: &[&str]) -> mslint::Config {
    mslint::Config {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        select: rules.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

/// Each finding's rule and message, counted: what a fix may remove but never add.
fn tally(findings: &[mslint::Finding]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts
            .entry((finding.rule.id.to_owned(), finding.message.clone()))
            .or_default() += 1;
    }
    counts
}

fn copy_folder(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("folder made");
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copied");
        }
    }
}

#[test]
fn every_fix_gives_its_fixed_files_removes_its_findings_adds_none_and_settles() {
    let update = std::env::var_os("MSLINT_UPDATE_FIXED").is_some();
    let rules: Vec<&mslint::RuleMeta> = mslint::docs::all_rules()
        .into_iter()
        .filter(|meta| meta.fix.is_some())
        .collect();
    assert!(!rules.is_empty(), "some rule has fixes");
    for meta in rules {
        let rule_dir = common::repo()
            .join("fixtures")
            .join(meta.family.folder())
            .join(meta.id);
        let work = tempfile::tempdir().expect("temporary folder");
        copy_folder(&rule_dir.join("fail"), work.path());
        let before = mslint::run(&config(work.path(), &[])).expect("scan runs");

        let fixed =
            fix_files(&config(work.path(), &[meta.id]), FixMode::Unsafe, |_, _| true).expect("fix runs");
        assert!(fixed.settled, "{}: the fixes settle", meta.id);
        assert!(
            fixed.applied() > 0,
            "{}: some fix applies to its fail/ fixtures",
            meta.id
        );
        for file in &fixed.files {
            std::fs::write(&file.disk, &file.after).expect("written");
        }
        let expected_dir = rule_dir.join("fixed");
        for file in &fixed.files {
            let expected = expected_dir.join(&file.path);
            if update {
                std::fs::create_dir_all(expected.parent().expect("a folder")).expect("fixed/ folder");
                std::fs::write(&expected, &file.after).expect("fixed file written");
                continue;
            }
            let wanted = std::fs::read_to_string(&expected)
                .unwrap_or_else(|_| panic!("{}: {} is missing", meta.id, expected.display()));
            assert_eq!(file.after, wanted, "{}: {} after --fix", meta.id, file.path);
        }

        let after = mslint::run(&config(work.path(), &[])).expect("scan runs");
        let left_fixable: Vec<_> = after
            .findings
            .iter()
            .filter(|f| f.rule.id == meta.id && f.fix.is_some())
            .filter(|f| !fixed.dropped.iter().any(|d| d.starts_with(&*f.path)))
            .map(|f| format!("{}:{}: {}", f.path, f.region.start_line, f.message))
            .collect();
        assert!(
            left_fixable.is_empty(),
            "{}: fixable findings left: {left_fixable:?}",
            meta.id
        );
        let (was, now) = (tally(&before.findings), tally(&after.findings));
        let judged = |rule: &str| rule == meta.id || rule == "MS000" || rule == "MS002";
        for (key, count) in now.iter().filter(|((rule, _), _)| judged(rule)) {
            assert!(
                was.get(key).is_some_and(|old| old >= count),
                "{}: the fix brought a new finding: {key:?}",
                meta.id
            );
        }

        let again =
            fix_files(&config(work.path(), &[meta.id]), FixMode::Unsafe, |_, _| true).expect("fix runs");
        assert!(
            again.files.is_empty(),
            "{}: a second --fix changes nothing",
            meta.id
        );
    }
}
