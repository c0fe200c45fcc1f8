//! Meta-tests over the rule registry: ids, names, files, docs, fixtures, generated pages.

mod common;

use mslint::docs;
use mslint::rules::registry::{ALL, RETIRED};
use mslint::rules::{Family, RuleMeta};

fn metas() -> Vec<&'static RuleMeta> {
    ALL.iter().map(|r| r.meta()).collect()
}

const FAMILIES: [Family; 7] = Family::ALL;

#[test]
fn ids_are_unique_ordered_well_formed_and_match_their_family() {
    let ids: Vec<&str> = metas().iter().map(|m| m.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "ALL must list unique ids in order");
    for meta in metas() {
        let digits = meta
            .id
            .strip_prefix(meta.family.prefix())
            .unwrap_or_else(|| panic!("{} has the wrong prefix", meta.id));
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            meta.id
        );
        assert!(FAMILIES.contains(&meta.family));
        assert!(!RETIRED.contains(&meta.id), "{} reuses a retired id", meta.id);
    }
}

#[test]
fn names_are_unique_kebab_case_and_match_the_file_name() {
    let mut names: Vec<&str> = metas().iter().map(|m| m.name).collect();
    for meta in metas() {
        assert!(
            meta.name
                .split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{} is not kebab-case",
            meta.name
        );
        let file = common::repo().join(format!(
            "src/rules/{}/{}_{}.rs",
            meta.family.folder(),
            meta.id.to_lowercase(),
            meta.name.replace('-', "_")
        ));
        assert!(file.is_file(), "{} should live in {}", meta.id, file.display());
    }
    names.sort();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "rule names must be unique");
}

#[test]
fn docs_have_the_five_sections_in_order() {
    let sections = [
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
        "Guideline",
    ];
    for meta in metas() {
        let headings: Vec<&str> = meta.doc_lines().filter_map(|l| l.strip_prefix("## ")).collect();
        // A rule with fixes says what they change, and of which kind, before its guideline.
        let mut expected = sections.to_vec();
        if let Some(kind) = meta.fix {
            expected.insert(4, "Fix");
            let said = meta.section("Fix");
            let kind = if kind == mslint::fix::Applicability::Safe {
                "Safe:"
            } else {
                "Unsafe:"
            };
            assert!(
                said.starts_with(kind),
                "{} Fix section starts with `{kind}`",
                meta.id
            );
        }
        assert_eq!(headings, expected, "{} docs sections", meta.id);
        for section in expected {
            assert!(
                !meta.section(section).is_empty(),
                "{} section {section} is empty",
                meta.id
            );
        }
        for section in ["Example", "Use instead"] {
            assert!(
                meta.section(section).contains("```"),
                "{} {section} needs a fenced block",
                meta.id
            );
        }
        let guideline = meta
            .section("Guideline")
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for seed in meta.guideline.split(';').filter_map(|part| part.trim().get(..8)) {
            assert!(
                guideline.contains(&seed.to_lowercase()),
                "{} Guideline must name {seed}",
                meta.id
            );
        }
    }
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_folder_a_rule() {
    let root = common::repo().join("fixtures");
    for meta in metas() {
        let dir = root.join(meta.family.folder()).join(meta.id);
        assert!(
            !common::expectations(&dir.join("fail")).is_empty(),
            "{} needs fail/ fixtures with `# expect:`",
            meta.id
        );
        assert!(
            !common::files(&dir.join("pass")).is_empty(),
            "{} needs pass/ fixtures",
            meta.id
        );
    }
    for family in common::files_or_dirs(&root) {
        let family_name = family.file_name().unwrap().to_string_lossy().into_owned();
        if family_name == "examples" {
            continue;
        }
        for rule in common::files_or_dirs(&family) {
            let id = rule.file_name().unwrap().to_string_lossy().into_owned();
            let known = metas()
                .iter()
                .any(|m| m.id == id && m.family.folder() == family_name);
            assert!(known, "fixtures/{family_name}/{id} belongs to no rule");
        }
    }
}

#[test]
fn generated_docs_and_readme_table_are_current() {
    let fix = "run `cargo run -- rules --write-docs` and commit the result";
    for meta in metas() {
        let path = common::repo().join(format!("docs/rules/{}.md", meta.id));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            on_disk,
            docs::rule_page(meta),
            "{} is stale: {fix}",
            path.display()
        );
    }
    let pages = common::files(&common::repo().join("docs/rules"));
    assert_eq!(
        pages.len(),
        metas().len(),
        "docs/rules holds pages of unknown rules: {fix}"
    );
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    assert_eq!(
        docs::readme_with_table(&readme).as_deref(),
        Some(readme.as_str()),
        "README rule table is stale: {fix}"
    );
}
