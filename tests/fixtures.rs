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
    trials.push(Trial::test(
        "values holding line breaks stay on their line",
        values_holding_line_breaks_stay_on_their_line,
    ));
    libtest_mimic::run(&args, trials).exit();
}

/// Every `fail/` folder of YAML again, each plain value (not `apiVersion` or `kind`) written
/// with a line break and a word after it, the same wherever it is repeated so that references
/// still meet: no finding of any rule lays that word out on a line of its own, in its message
/// or in its help (a suggested manifest that quotes names, images, keys and hosts).
fn values_holding_line_breaks_stay_on_their_line() -> Result<(), Failed> {
    let mut problems = String::new();
    let mut quoted_in_help = 0;
    for family in common::files_or_dirs(&common::repo().join("fixtures")) {
        for rule in common::files_or_dirs(&family) {
            let fail = rule.join("fail");
            let written = tempfile::tempdir().unwrap();
            let mut any = false;
            for path in common::files(&fail) {
                let Some(extension) = path.extension().filter(|e| *e == "yaml" || *e == "yml") else {
                    continue;
                };
                let text = std::fs::read_to_string(&path).unwrap();
                let name = format!(
                    "{}.{}",
                    path.file_stem().unwrap().to_string_lossy(),
                    extension.to_string_lossy()
                );
                std::fs::write(written.path().join(name), with_line_breaks(&text)).unwrap();
                any = true;
            }
            if !any {
                continue;
            }
            for finding in common::run(written.path(), &[]) {
                for (what, text) in [("message", finding.message.as_str()), ("help", &*finding.help)] {
                    if text.lines().any(|line| line.trim_start().starts_with(INJECTED)) {
                        problems.push_str(&format!(
                            "{} {} {}: {what} {text:?}\n",
                            rule.display(),
                            finding.rule.id,
                            finding.path
                        ));
                    }
                }
                quoted_in_help += usize::from(finding.help.contains(&format!("\\u{{a}}{INJECTED}")));
            }
        }
    }
    if quoted_in_help < 20 {
        problems.push_str(&format!(
            "only {quoted_in_help} helps quote a value written with a line break\n"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into())
    }
}

const INJECTED: &str = "INJECTED";

/// The YAML with each plain scalar value of a `key: value` or `- value` line double-quoted with
/// `\n` and [`INJECTED`] after it; comments are kept.
fn with_line_breaks(yaml: &str) -> String {
    let plain = |value: &str| {
        value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
            && !matches!(value, "true" | "false" | "null" | "yes" | "no" | "on" | "off")
    };
    let mut out = String::new();
    for line in yaml.lines() {
        let (content, comment) = match line.find(" #") {
            Some(at) => line.split_at(at),
            None => (line, ""),
        };
        let trimmed = content.trim_end();
        let rewritten = match trimmed.rsplit_once(": ") {
            Some((key, value))
                if plain(value.trim())
                    && !matches!(key.trim_start().trim_start_matches("- "), "apiVersion" | "kind") =>
            {
                Some(format!("{key}: \"{}\\n{INJECTED}\"", value.trim()))
            }
            _ => trimmed
                .strip_suffix(trimmed.trim_start().trim_start_matches("- "))
                .filter(|start| start.ends_with("- ") && plain(trimmed.trim_start().trim_start_matches("- ")))
                .map(|start| format!("{start}\"{}\\n{INJECTED}\"", &trimmed[start.len()..])),
        };
        out.push_str(rewritten.as_deref().unwrap_or(trimmed));
        out.push_str(comment);
        out.push('\n');
    }
    out
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
