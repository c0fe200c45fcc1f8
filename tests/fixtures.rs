//! One test per fixture folder: `fixtures/<family>/<ID>/{fail,pass}` must produce exactly the
//! findings announced by its `# expect:` lines, and nothing else. An expectation that ends with
//! a severity (`# expect: K8S024 12:9 note`) also requires the finding to have it.

mod common;

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for family in common::files_or_dirs(&common::repo().join("fixtures")) {
        if family.file_name().is_some_and(|n| n == "examples") {
            continue;
        }
        for rule in common::files_or_dirs(&family) {
            let id = rule.file_name().unwrap().to_string_lossy().into_owned();
            for case in ["fail", "pass"] {
                let dir = rule.join(case);
                let id = id.clone();
                trials.push(Trial::test(format!("{id}/{case}"), move || {
                    check(&id, &dir, case == "fail")
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn check(id: &str, dir: &Path, failing: bool) -> Result<(), Failed> {
    if !dir.is_dir() {
        return Err(format!("{} is missing", dir.display()).into());
    }
    let expected = common::expectations(dir);
    if failing && expected.is_empty() {
        return Err("a fail/ folder needs at least one `# expect:` line".into());
    }
    if !failing && !expected.is_empty() {
        return Err("a pass/ folder must not announce findings".into());
    }
    // MS003 judges suppressions of rules that ran: its fixtures run every rule, and only its
    // own findings count.
    let selection: &[&str] = if id == "MS003" { &[] } else { &[id] };
    let mut findings = common::run(dir, selection);
    findings.retain(|f| f.rule.id == id);
    let actual = common::hits(&findings);
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    let mut problems = String::new();
    for (rule, file, line, column) in &missing {
        problems.push_str(&format!("missing    {rule} {file}:{line}:{column}\n"));
    }
    for hit in &unexpected {
        let finding = findings.iter().find(|f| {
            (f.rule.id, &*f.path, f.region.start_line, f.region.start_column)
                == (hit.0.as_str(), hit.1.as_str(), hit.2, hit.3)
        });
        let message = finding.map_or("", |f| f.message.as_str());
        problems.push_str(&format!(
            "unexpected {} {}:{}:{}  {message}\n",
            hit.0, hit.1, hit.2, hit.3
        ));
    }
    for ((rule, file, line, column), severity) in common::expected_severities(dir) {
        let found = findings.iter().find(|f| {
            (f.rule.id, &*f.path, f.region.start_line, f.region.start_column)
                == (rule.as_str(), file.as_str(), line, column)
        });
        if let Some(finding) = found.filter(|f| f.severity.as_str() != severity) {
            problems.push_str(&format!(
                "severity   {rule} {file}:{line}:{column} is {}, expected {severity}\n",
                finding.severity
            ));
        }
    }
    for finding in &findings {
        problems.push_str(&style_problems(finding));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into())
    }
}

/// The diagnostic conventions: a message without trailing period that names something in
/// backticks, and help that starts with a lowercase verb.
fn style_problems(finding: &mslint::Finding) -> String {
    let mut problems = String::new();
    let at = format!("{}:{}", finding.path, finding.region.start_line);
    if finding.message.ends_with('.') {
        problems.push_str(&format!("style      {at}: message ends with a period\n"));
    }
    if finding.rule.id != "MS000" && !finding.message.contains('`') {
        problems.push_str(&format!("style      {at}: message names nothing in backticks\n"));
    }
    if !finding.help.starts_with(|c: char| c.is_ascii_lowercase()) {
        problems.push_str(&format!(
            "style      {at}: help does not start with a lowercase verb\n"
        ));
    }
    problems
}
