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

/// Every `fail/` folder again, each plain YAML value (not `apiVersion` or `kind`, in block or
/// flow style) written with a line break and a word after it, the same wherever it is repeated
/// so that references still meet: no finding of any rule lays that word out on a line of its own
/// in its help (a suggested manifest that quotes names, images, keys and hosts). The rewrite keeps every file parsable,
/// and the rules that quote such values in their help are each seen doing so. (A Dockerfile
/// value holds no line break: its parser joins continued lines.)
fn values_holding_line_breaks_stay_on_their_line() -> Result<(), Failed> {
    const QUOTING: [&str; 14] = [
        "GW005", "GW008", "IST004", "IST007", "IST016", "IST019", "IST022", "K8S005", "K8S006", "K8S009",
        "K8S010", "K8S014", "K8S021", "K8S026",
    ];
    let mut problems = String::new();
    let mut quoting = std::collections::BTreeSet::new();
    for family in common::files_or_dirs(&common::repo().join("fixtures")) {
        for rule in common::files_or_dirs(&family) {
            let fail = rule.join("fail");
            if !fail.is_dir() {
                continue;
            }
            let written = tempfile::tempdir().unwrap();
            for path in common::files(&fail) {
                let to = written.path().join(path.strip_prefix(&fail).unwrap());
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
                // A YAML fixture that is no UTF-8 (one of MS000's) is copied as it is.
                match std::fs::read_to_string(&path) {
                    Ok(text) if yaml => std::fs::write(to, with_line_breaks(&text)).unwrap(),
                    _ => drop(std::fs::copy(&path, to).unwrap()),
                }
            }
            let unparsable =
                |findings: &[mslint::Finding]| findings.iter().filter(|f| f.rule.id == "MS000").count();
            let findings = common::run(written.path(), &[]);
            if unparsable(&findings) != unparsable(&common::run(&fail, &["MS000"])) {
                problems.push_str(&format!(
                    "{}: the rewrite left a file unparsable\n",
                    rule.display()
                ));
            }
            for finding in &findings {
                // Some helps lower-case what they quote (a protocol in a port name).
                let help = finding.help.to_ascii_uppercase();
                if help.lines().any(|line| line.trim_start().starts_with(INJECTED)) {
                    problems.push_str(&format!(
                        "{} {} {}: help {:?}\n",
                        rule.display(),
                        finding.rule.id,
                        finding.path,
                        finding.help
                    ));
                }
                if help.contains(&format!("\\U{{A}}{INJECTED}")) {
                    quoting.insert(finding.rule.id);
                }
            }
        }
    }
    for id in QUOTING.into_iter().filter(|id| !quoting.contains(id)) {
        problems.push_str(&format!(
            "{id} quotes no value written with a line break in its help\n"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into())
    }
}

const INJECTED: &str = "INJECTED";

/// `value` double-quoted with a line break and [`INJECTED`] after it.
fn broken(value: &str) -> String {
    format!("\"{value}\\n{INJECTED}\"")
}

/// The YAML with each plain scalar value of a `key: value` or `- value` line double-quoted with
/// `\n` and [`INJECTED`] after it; comment lines and comments after a value are kept where they are.
fn with_line_breaks(yaml: &str) -> String {
    let plain = |value: &str| {
        value.starts_with(|c: char| c.is_ascii_alphabetic())
            && !value.ends_with(':')
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
            && !matches!(
                value,
                "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "enabled" | "disabled"
            )
    };
    let mut out = String::new();
    for line in yaml.lines() {
        let (content, comment) = match line.find(" #") {
            Some(at) if !line.trim_start().starts_with('#') => line.split_at(at),
            _ => (line, ""),
        };
        let trimmed = content.trim_end();
        let item = trimmed.trim_start().trim_start_matches("- ");
        let rewritten = match trimmed.rsplit_once(": ") {
            Some((key, value))
                if plain(value.trim())
                    && !matches!(key.trim_start().trim_start_matches("- "), "apiVersion" | "kind") =>
            {
                Some(format!("{key}: {}", broken(value.trim())))
            }
            _ if trimmed.contains(['[', '{']) => Some(flow_with_line_breaks(trimmed, &plain)),
            Some(_) => None,
            None => trimmed
                .strip_suffix(item)
                .filter(|start| start.ends_with("- ") && plain(item))
                .map(|start| format!("{start}{}", broken(item))),
        };
        match rewritten {
            Some(rewritten) => {
                out.push_str(&rewritten);
                out.push_str(comment);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A line holding flow collections (`{ name: web, port: 80 }`, `[a.example.com, b]`) with each
/// plain value in them (a mapping's value, a sequence's item; not a key) rewritten as
/// [`with_line_breaks`] does. Quoted text is left as it is. The line is read alone: the rest of
/// a collection continued on the next lines is left as written, and a line that continues a
/// quoted text over lines would be misread (no fixture has one; the test's count of parse
/// problems would show it).
fn flow_with_line_breaks(line: &str, plain: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    // The open collections, innermost last, and the text since the last indicator.
    let mut open: Vec<char> = Vec::new();
    let mut token = String::new();
    let mut quote = None;
    let flush = |token: &mut String, open: &[char], out: &mut String| {
        let text = std::mem::take(token);
        let (lead, rest) = text.split_at(text.len() - text.trim_start().len());
        let (body, trail) = rest.split_at(rest.trim_end().len());
        let rewritten = match body.split_once(": ") {
            Some((key, value))
                if !open.is_empty() && plain(value.trim()) && !matches!(key, "apiVersion" | "kind") =>
            {
                Some(format!("{key}: {}", broken(value.trim())))
            }
            None if open.last() == Some(&'[') && plain(body) => Some(broken(body)),
            _ => None,
        };
        out.push_str(lead);
        out.push_str(rewritten.as_deref().unwrap_or(body));
        out.push_str(trail);
    };
    let mut escaped = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), _) => {
                token.push(c);
                if escaped {
                    escaped = false;
                } else if q == '"' && c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            (None, '"' | '\'') => {
                token.push(c);
                quote = Some(c);
            }
            (None, '[' | '{' | ']' | '}' | ',') => {
                flush(&mut token, &open, &mut out);
                match c {
                    '[' | '{' => open.push(c),
                    ']' | '}' => drop(open.pop()),
                    _ => {}
                }
                out.push(c);
            }
            (None, _) => token.push(c),
        }
    }
    flush(&mut token, &open, &mut out);
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
