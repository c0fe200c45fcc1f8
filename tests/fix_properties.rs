//! Automatic fixes change only what they mean to change. For every file `fix_files` changes
//! (with `FixMode::Unsafe`, so every fix applies):
//!
//! - every comment survives: the own-line comments (`# ...` lines) of the file are the same
//!   lines, in the same order and number, after the fixes, and so are the trailing comments of a
//!   YAML file (fixes never write comments);
//! - no line outside a fix changes: in a line diff of the file before and after, every deleted
//!   or replaced line is a line one of the applied fixes replaced (an insertion at the start of a
//!   line belongs to the line before it too), and inserted lines sit next to such a line;
//! - a YAML file holds the same documents (same `apiVersion`, `kind`, `metadata.name` and
//!   `metadata.namespace`), but for the default-deny NetworkPolicy NS002 appends; no mapping holds
//!   a key twice that did not before; and every value that differs (added, removed or changed) is
//!   one a fix applied to the file writes, with the value it writes ([`FIX_EDITS`] lists them by
//!   rule: a container's `securityContext` fields, memory limit and probes, a route's `timeout`,
//!   a PeerAuthentication's mTLS mode, a Service port's `appProtocol`), or lies under a key MS002
//!   renamed (removed and added in the same mapping with the same value);
//! - a Dockerfile has the same instructions, in the same order; only those a fix of the file
//!   edits differ (`CMD` and `ENTRYPOINT` for DF006, written in exec form with the same words;
//!   `RUN` for DF009, whose words all stay), and the text between instructions does not change;
//! - a second run of the fixes changes nothing, the fix loop settles, and a fixed file has no
//!   more parse problems (MS000 findings) than before.
//!
//! The inputs are every YAML file and Dockerfile of the repository's `fixtures/` folder (each
//! fixture folder fixed in a copy of its own), generated Kubernetes manifests, Istio resources
//! and Dockerfiles (`proptest`, 64 cases; `PROPTEST_CASES=3000` checks more), and, on request, a
//! real corpus: set `MSLINT_FIX_CORPUS` to a folder to check the same properties on a copy of it
//! (`MSLINT_FIX_CORPUS=~/src/platform cargo test --test fix_properties`); without it that test
//! passes at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use mslint::discover::{FileKind, classify};
use mslint::fix::{AppliedFix, FixMode, FixedFile, fix_files};
use mslint::parse::dockerfile;
use proptest::prelude::*;
use saphyr_parser::{Event, Parser, ScalarStyle};
use similar::{DiffTag, TextDiff};

/// What each rule with a fix may change, in the words of a failure message: [`allowed_edit`]
/// recognises these edits in parsed YAML, [`dockerfile_rule`] and [`check_instruction`] in a
/// Dockerfile. A rule that gains a fix must be added here.
const FIX_EDITS: &[(&str, &str)] = &[
    (
        "DF006",
        "a shell-form `CMD` or `ENTRYPOINT` of a Dockerfile, written in exec form with the same words",
    ),
    (
        "DF009",
        "a Dockerfile `RUN`, given `--no-cache`, `--no-cache-dir`, `--no-install-recommends` or a final \
         `&& rm -rf /var/lib/apt/lists/*`, its words kept",
    ),
    (
        "IST002",
        "a PeerAuthentication's `spec.mtls.mode` or `spec.portLevelMtls.<port>.mode`, set to `STRICT`",
    ),
    ("IST005", "a VirtualService http route's `timeout`, set to `15s`"),
    (
        "IST011",
        "a Service port's `appProtocol`, set to a protocol Istio knows that its `targetPort` name \
         (when it is a name) starts with",
    ),
    (
        "K8S001",
        "a container's new `livenessProbe`: `tcpSocket.port` one of its ports, `initialDelaySeconds: 10`, \
         `periodSeconds: 10`",
    ),
    (
        "K8S002",
        "a container's new `readinessProbe`: `tcpSocket.port` one of its ports, `periodSeconds: 5`",
    ),
    (
        "K8S004",
        "a container's `resources.limits.memory`, set to its `resources.requests.memory`",
    ),
    (
        "K8S011",
        "a container's `securityContext.allowPrivilegeEscalation`, set to `false`",
    ),
    (
        "K8S012",
        "a container's or pod's `securityContext.runAsNonRoot`, set to `true`",
    ),
    (
        "K8S013",
        "a container's `securityContext.readOnlyRootFilesystem`, set to `true`",
    ),
    ("MS002", "a misspelt key renamed in its mapping, its value kept"),
    (
        "NS002",
        "a NetworkPolicy `default-deny-ingress` (`podSelector: {}`, `policyTypes: [Ingress]`) appended \
         as a new document to a file holding a NetworkPolicy of its namespace",
    ),
];

fn fix_edits() -> String {
    FIX_EDITS
        .iter()
        .map(|(rule, what)| format!("  {rule}: {what}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// Running the fixes on a folder
// ---------------------------------------------------------------------------------------------

fn config(dir: &Path) -> mslint::Config {
    mslint::Config {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        ..Default::default()
    }
}

/// What fixing a folder did, and every property it broke.
#[derive(Debug, Default)]
struct Report {
    violations: Vec<String>,
    /// Fixes applied, by rule.
    applied: BTreeMap<&'static str, usize>,
    files: usize,
}

/// Fixes every file under `dir` in place (it must be a copy) and checks every property.
fn fix_and_check(dir: &Path) -> Report {
    let config = config(dir);
    let before = mslint::run(&config).expect("scan runs");
    let problems_before = parse_problems(&before.findings);
    let fixed = fix_files(&config, FixMode::Unsafe, |_, _| true).expect("fix runs");
    let mut report = Report {
        files: fixed.files.len(),
        ..Report::default()
    };
    if !fixed.settled {
        report
            .violations
            .push("the fixes did not settle within the fix loop's passes".to_owned());
    }
    for file in &fixed.files {
        for fix in &file.applied {
            *report.applied.entry(fix.rule).or_default() += 1;
        }
        report.violations.extend(
            violations(file)
                .into_iter()
                .map(|v| format!("{}: {v}", file.path)),
        );
        std::fs::write(&file.disk, &file.after).expect("fixed file written");
    }
    let again = fix_files(&config, FixMode::Unsafe, |_, _| true).expect("second fix runs");
    for file in &again.files {
        report.violations.push(format!(
            "{}: a second run of the fixes changed it again ({}):\n{}",
            file.path,
            rules_of(&file.applied),
            mslint::fix::changes::unified_diff(file)
        ));
    }
    let problems_after = parse_problems(&again.outcome.findings);
    for file in &fixed.files {
        let (was, now) = (
            problems_before.get(file.path.as_str()).copied().unwrap_or(0),
            problems_after.get(file.path.as_str()).copied().unwrap_or(0),
        );
        if now > was {
            report.violations.push(format!(
                "{}: {now} parse problems (MS000) after the fixes, {was} before",
                file.path
            ));
        }
    }
    report
}

/// MS000 findings by file.
fn parse_problems(findings: &[mslint::Finding]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for finding in findings.iter().filter(|f| f.rule.id == "MS000") {
        *counts.entry(finding.path.to_string()).or_default() += 1;
    }
    counts
}

fn rules_of(applied: &[AppliedFix]) -> String {
    let rules: BTreeSet<&str> = applied.iter().map(|f| f.rule).collect();
    rules.into_iter().collect::<Vec<_>>().join(", ")
}

/// Writes files (path relative to `dir`, text) under `dir`.
fn write_files(dir: &Path, files: &[(impl AsRef<str>, impl AsRef<str>)]) {
    for (path, text) in files {
        let target = dir.join(path.as_ref());
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("folder made");
        std::fs::write(target, text.as_ref()).expect("input written");
    }
}

/// Copies the files under `from` that `keep` accepts (by path relative to `from`) to `to`,
/// leaving out `.git`.
fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> usize {
    let mut copied = 0;
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = std::fs::read_dir(from.join(&relative)).expect("folder read");
        for entry in entries {
            let entry = entry.expect("folder entry");
            let path = relative.join(entry.file_name());
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() && entry.file_name() != ".git" {
                pending.push(path);
            } else if kind.is_file() && keep(&path) {
                let target = to.join(&path);
                std::fs::create_dir_all(target.parent().expect("a parent")).expect("folder made");
                std::fs::copy(from.join(&path), target).expect("file copied");
                copied += 1;
            }
        }
    }
    copied
}

// ---------------------------------------------------------------------------------------------
// The properties of one fixed file
// ---------------------------------------------------------------------------------------------

/// Every property `file` breaks, each as a message.
fn violations(file: &FixedFile) -> Vec<String> {
    let mut out = Vec::new();
    let kind = classify(Path::new(&file.path));
    let yaml = kind == Some(FileKind::Yaml);
    if file.applied.is_empty() {
        out.push("the file changed but no fix is recorded as applied".to_owned());
    }
    check_comments(&file.before, &file.after, yaml, &mut out);
    check_untouched_lines(file, &mut out);
    match kind {
        Some(FileKind::Yaml) => check_objects(file, &mut out),
        Some(FileKind::Dockerfile) => check_dockerfile(file, &mut out),
        None => out.push("a file that is neither YAML nor a Dockerfile was fixed".to_owned()),
    }
    out
}

/// The comments of a text, in order: each own-line comment as its whole line, and (for YAML)
/// each trailing comment from its `#`.
fn comments(text: &str, yaml: bool) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            found.push(line.to_owned());
        } else if yaml && let Some(at) = trailing_comment(line) {
            found.push(format!("… {}", &line[at..]));
        }
    }
    found
}

/// Where a YAML line's trailing comment starts: a `#` after a space or tab.
fn trailing_comment(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (1..bytes.len()).find(|&n| bytes[n] == b'#' && matches!(bytes[n - 1], b' ' | b'\t'))
}

fn check_comments(before: &str, after: &str, yaml: bool, out: &mut Vec<String>) {
    let (was, now) = (comments(before, yaml), comments(after, yaml));
    if was == now {
        return;
    }
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (
        was.iter().map(String::as_str).collect(),
        now.iter().map(String::as_str).collect(),
    );
    let diff = TextDiff::from_slices(&old_lines, &new_lines);
    let mut lost: Vec<&str> = Vec::new();
    let mut gained: Vec<&str> = Vec::new();
    for op in diff.ops() {
        let (tag, old, new) = op.as_tag_tuple();
        if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
            lost.extend(&old_lines[old]);
        }
        if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
            gained.extend(&new_lines[new]);
        }
    }
    out.push(format!("the comments changed: lost {lost:?}, gained {gained:?}"));
}

/// The 0-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count()
}

/// The 0-based lines of `before` the applied fixes replaced: the lines their spans meet, and the
/// line before a span that starts a line (an insertion there adds to that line).
fn touched_lines(before: &str, applied: &[AppliedFix]) -> BTreeSet<usize> {
    let mut lines = BTreeSet::new();
    for fix in applied {
        let (start, end) = (fix.original.start as usize, fix.original.end as usize);
        let first = line_of(before, start);
        let last = if end > start {
            line_of(before, end - 1)
        } else {
            first
        };
        lines.extend(first..=last);
        if start > 0 && before.as_bytes().get(start - 1) == Some(&b'\n') {
            lines.insert(first - 1);
        }
    }
    lines
}

fn check_untouched_lines(file: &FixedFile, out: &mut Vec<String>) {
    let touched = touched_lines(&file.before, &file.applied);
    let diff = TextDiff::from_lines(&file.before, &file.after);
    let old = diff.old_slices();
    let new = diff.new_slices();
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {}
            DiffTag::Delete | DiffTag::Replace => {
                // A line equal to its neighbours may stand for any of them in the diff.
                let stands_for_touched = |line: usize| {
                    let same = |other: &usize| old[*other] == old[line];
                    let up = (0..=line).rev().take_while(same).any(|l| touched.contains(&l));
                    up || (line..old.len()).take_while(same).any(|l| touched.contains(&l))
                };
                for line in old_range.filter(|&line| !stands_for_touched(line)) {
                    out.push(format!(
                        "line {} `{}` was changed or removed, and no applied fix replaced it \
                         (the fixes replaced lines {})",
                        line + 1,
                        old[line].trim_end(),
                        show_lines(&touched)
                    ));
                }
            }
            DiffTag::Insert => {
                // Equal lines around an insertion let the diff put it at any of several places.
                let (mut low, mut high) = (old_range.start, old_range.start);
                let (mut first, mut last) = (new_range.start, new_range.end);
                while low > 0 && first > 0 && new[last - 1] == old[low - 1] {
                    low -= 1;
                    first -= 1;
                    last -= 1;
                }
                let (mut first, mut last) = (new_range.start, new_range.end);
                while high < old.len() && last < new.len() && new[first] == old[high] {
                    high += 1;
                    first += 1;
                    last += 1;
                }
                let beside_a_fix =
                    (low..=high).any(|at| touched.contains(&at) || (at > 0 && touched.contains(&(at - 1))));
                if !beside_a_fix {
                    out.push(format!(
                        "lines {:?} were inserted before line {}, away from every applied fix \
                         (the fixes replaced lines {})",
                        new[new_range].iter().map(|l| l.trim_end()).collect::<Vec<_>>(),
                        old_range.start + 1,
                        show_lines(&touched)
                    ));
                }
            }
        }
    }
}

fn show_lines(lines: &BTreeSet<usize>) -> String {
    let shown: Vec<String> = lines.iter().map(|l| (l + 1).to_string()).collect();
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles
// ---------------------------------------------------------------------------------------------

/// The rule whose fix may edit a Dockerfile instruction with this keyword.
fn dockerfile_rule(keyword: &str) -> Option<&'static str> {
    match keyword {
        "CMD" | "ENTRYPOINT" => Some("DF006"),
        "RUN" => Some("DF009"),
        _ => None,
    }
}

/// Words `DF009` adds to a `RUN`.
const RUN_ADDITIONS: &[&str] = &[
    "--no-cache",
    "--no-cache-dir",
    "--no-install-recommends",
    "&&",
    "sudo",
    "rm",
    "-rf",
    "/var/lib/apt/lists/*",
    "\\",
    "`",
];

/// Why an instruction's new text is no edit of a fix applied to the file, if it is not.
fn check_instruction(keyword: &str, was: &str, now: &str, rules: &BTreeSet<&str>) -> Option<String> {
    let rule = match dockerfile_rule(keyword) {
        Some(rule) if rules.contains(rule) => rule,
        found => return Some(why_not(found)),
    };
    let old_words: Vec<&str> = was.split_whitespace().collect();
    let new_words: Vec<&str> = now.split_whitespace().collect();
    if rule == "DF006" {
        let exec: Option<Vec<String>> = serde_json::from_str(now.trim()).ok();
        return match exec {
            Some(words) if words == old_words => None,
            Some(words) => Some(format!(
                "the exec form {words:?} does not hold the words {old_words:?}"
            )),
            None => Some("the new text is no exec form (a JSON array of strings)".to_owned()),
        };
    }
    // DF009 only adds words, from a known few.
    let mut left = old_words.iter().peekable();
    let mut added = Vec::new();
    for word in &new_words {
        if left.peek() == Some(&word) {
            left.next();
        } else {
            added.push(*word);
        }
    }
    let foreign: Vec<&str> = added.into_iter().filter(|w| !RUN_ADDITIONS.contains(w)).collect();
    match (left.next(), foreign.is_empty()) {
        (Some(lost), _) => Some(format!("the word `{lost}` (or one after it) is gone")),
        (None, false) => Some(format!("the words {foreign:?} were added")),
        (None, true) => None,
    }
}

fn check_dockerfile(file: &FixedFile, out: &mut Vec<String>) {
    let (before, after) = (file.before.as_str(), file.after.as_str());
    let rules: BTreeSet<&str> = file.applied.iter().map(|f| f.rule).collect();
    let (was, now) = (dockerfile::parse(before), dockerfile::parse(after));
    let keywords = |file: &dockerfile::Dockerfile| -> Vec<&'static str> {
        file.instructions.iter().map(|i| i.keyword).collect()
    };
    if keywords(&was) != keywords(&now) {
        out.push(format!(
            "the instructions changed: {:?} before, {:?} after",
            keywords(&was),
            keywords(&now)
        ));
        return;
    }
    for (old, new) in was.instructions.iter().zip(&now.instructions) {
        let (old_text, new_text) = (&before[old.span.range()], &after[new.span.range()]);
        if old_text == new_text {
            continue;
        }
        let arguments = |text: &str, i: &dockerfile::Instruction| {
            text[i.keyword_span.end as usize..i.span.end as usize].to_owned()
        };
        if let Some(why) = check_instruction(
            old.keyword,
            &arguments(before, old),
            &arguments(after, new),
            &rules,
        ) {
            out.push(format!(
                "the {} instruction `{old_text}` became `{new_text}`: {why}",
                old.keyword
            ));
        }
    }
    // Between the instructions (comments, blank lines, line ends) nothing changes.
    let (old_gaps, new_gaps) = (gaps(before, &was), gaps(after, &now));
    for (n, (old_gap, new_gap)) in old_gaps.iter().zip(&new_gaps).enumerate() {
        if old_gap != new_gap {
            let place = match now.instructions.get(n) {
                Some(_) => format!("before instruction {}", n + 1),
                None => "after the last instruction".to_owned(),
            };
            out.push(format!(
                "the text {place} changed from {old_gap:?} to {new_gap:?}"
            ));
        }
    }
}

/// The texts around and between a Dockerfile's instructions.
fn gaps<'t>(text: &'t str, file: &dockerfile::Dockerfile) -> Vec<&'t str> {
    let mut from = 0;
    let mut found = Vec::new();
    for instruction in &file.instructions {
        let start = (instruction.span.start as usize).max(from);
        found.push(&text[from..start]);
        from = (instruction.span.end as usize).max(start);
    }
    found.push(&text[from..]);
    found
}

// ---------------------------------------------------------------------------------------------
// YAML: values, the paths where two documents differ, and the edits fixes may make
// ---------------------------------------------------------------------------------------------

/// A YAML value as a program reads it; a mapping keeps its keys in order, repeats included.
#[derive(Debug, Clone, PartialEq)]
enum Yaml {
    Null,
    /// Text, and whether it was written plain (unquoted, untagged).
    Scalar(String, bool),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn at(&self, path: &[Seg]) -> Option<&Yaml> {
        path.iter().try_fold(self, |node, seg| match (seg, node) {
            (Seg::Key(key), _) => node.get(key),
            (Seg::Index(n), Yaml::Seq(items)) => items.get(*n),
            _ => None,
        })
    }

    fn text(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    fn is_plain(&self, text: &str) -> bool {
        *self == Yaml::Scalar(text.to_owned(), true)
    }
}

/// Parses every document of a YAML stream.
fn load_yaml(text: &str) -> Result<Vec<Yaml>, String> {
    enum Frame {
        Seq(Vec<Yaml>, usize),
        Map(Vec<(String, Yaml)>, Option<String>, usize),
    }
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Yaml> = HashMap::new();
    let mut root = None;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| e.to_string())?;
        let (node, anchor) = match event {
            Event::DocumentEnd => {
                documents.push(root.take().unwrap_or(Yaml::Null));
                continue;
            }
            Event::Alias(id) => (anchors.get(&id).cloned().unwrap_or(Yaml::Null), 0),
            Event::Scalar(value, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let node = match tag {
                    Some(tag) => Yaml::Scalar(format!("{}{} {value}", tag.handle, tag.suffix), false),
                    None if plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") => Yaml::Null,
                    None => Yaml::Scalar(value.into_owned(), plain),
                };
                (node, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Vec::new(), None, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor)) => (Yaml::Seq(items), anchor),
                Some(Frame::Map(entries, _, anchor)) => (Yaml::Map(entries), anchor),
                None => return Err("a collection ended that never started".to_owned()),
            },
            _ => continue,
        };
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, key, _)) => match key.take() {
                None => {
                    *key = Some(match node {
                        Yaml::Scalar(text, _) => text,
                        Yaml::Null => "~".to_owned(),
                        other => format!("{other:?}"),
                    })
                }
                Some(key) => entries.push((key, node)),
            },
        }
    }
    Ok(documents)
}

/// The documents of a stream one by one, split at `---` lines, for a stream that does not parse
/// whole: each piece that parses is compared.
fn load_pieces(text: &str) -> Vec<Option<Vec<Yaml>>> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        let separator = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
        if separator && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push_str(line);
    }
    pieces.push(piece);
    pieces.iter().map(|p| load_yaml(p).ok()).collect()
}

/// One step of a path into a YAML value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn show_path(path: &[Seg]) -> String {
    let mut shown = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) if shown.is_empty() => shown.push_str(key),
            Seg::Key(key) => {
                shown.push('.');
                shown.push_str(key);
            }
            Seg::Index(n) => shown.push_str(&format!("[{n}]")),
        }
    }
    if shown.is_empty() {
        "<document>".to_owned()
    } else {
        shown
    }
}

fn child(path: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut path = path.to_vec();
    path.push(seg);
    path
}

/// Where two values differ.
#[derive(Debug)]
enum Change {
    Added(Vec<Seg>, Yaml),
    Removed(Vec<Seg>, Yaml),
    Changed(Vec<Seg>, Yaml, Yaml),
    /// A key the value after holds more often than the value before.
    Repeated(Vec<Seg>, String),
}

fn entries_of(value: &Yaml) -> Option<&Vec<(String, Yaml)>> {
    match value {
        Yaml::Map(entries) => Some(entries),
        _ => None,
    }
}

fn diff_values(path: &[Seg], before: &Yaml, after: &Yaml, out: &mut Vec<Change>) {
    let empty = Vec::new();
    // A key with no value is an empty mapping a fix may write into (`securityContext:`).
    let (was, now) = match (before, after) {
        (Yaml::Map(a), Yaml::Map(b)) => (Some(a), Some(b)),
        (Yaml::Null, Yaml::Map(b)) => (Some(&empty), Some(b)),
        (Yaml::Map(a), Yaml::Null) => (Some(a), Some(&empty)),
        _ => (entries_of(before), entries_of(after)),
    };
    if let (Some(was), Some(now)) = (was, now) {
        let count =
            |entries: &Vec<(String, Yaml)>, key: &str| entries.iter().filter(|(k, _)| k == key).count();
        let mut seen = BTreeSet::new();
        for (key, value) in now {
            if !seen.insert(key.as_str()) {
                continue;
            }
            if count(now, key) > count(was, key).max(1) {
                out.push(Change::Repeated(path.to_vec(), key.clone()));
            }
            let here = child(path, Seg::Key(key.clone()));
            match was.iter().find(|(k, _)| k == key) {
                Some((_, old)) => diff_values(&here, old, value, out),
                None => out.push(Change::Added(here, value.clone())),
            }
        }
        for (key, value) in was {
            if !now.iter().any(|(k, _)| k == key) && seen.insert(key.as_str()) {
                out.push(Change::Removed(child(path, Seg::Key(key.clone())), value.clone()));
            }
        }
        return;
    }
    match (before, after) {
        (Yaml::Seq(was), Yaml::Seq(now)) => {
            for (n, (old, new)) in was.iter().zip(now).enumerate() {
                diff_values(&child(path, Seg::Index(n)), old, new, out);
            }
            for (n, new) in now.iter().enumerate().skip(was.len()) {
                out.push(Change::Added(child(path, Seg::Index(n)), new.clone()));
            }
            for (n, old) in was.iter().enumerate().skip(now.len()) {
                out.push(Change::Removed(child(path, Seg::Index(n)), old.clone()));
            }
        }
        _ if before != after => out.push(Change::Changed(path.to_vec(), before.clone(), after.clone())),
        _ => {}
    }
}

/// The paths of the leaves of a value below `path`: scalars, nulls and empty collections.
fn leaves(path: &[Seg], value: &Yaml, out: &mut Vec<(Vec<Seg>, Yaml)>) {
    match value {
        Yaml::Map(entries) if !entries.is_empty() => {
            for (key, value) in entries {
                leaves(&child(path, Seg::Key(key.clone())), value, out);
            }
        }
        Yaml::Seq(items) if !items.is_empty() => {
            for (n, item) in items.iter().enumerate() {
                leaves(&child(path, Seg::Index(n)), item, out);
            }
        }
        _ => out.push((path.to_vec(), value.clone())),
    }
}

fn key_at(path: &[Seg], from_end: usize) -> Option<&str> {
    match path.len().checked_sub(from_end + 1).map(|n| &path[n]) {
        Some(Seg::Key(key)) => Some(key),
        _ => None,
    }
}

fn index_at(path: &[Seg], from_end: usize) -> bool {
    matches!(
        path.len().checked_sub(from_end + 1).map(|n| &path[n]),
        Some(Seg::Index(_))
    )
}

/// True when the mapping at `path` (its last step) is a container of a pod spec.
fn is_container(path: &[Seg]) -> bool {
    index_at(path, 0)
        && matches!(
            key_at(path, 1),
            Some("containers" | "initContainers" | "ephemeralContainers")
        )
}

/// The rule whose fix writes `value` at `path` of `document` (the document after the fixes),
/// when a fix may write it there: see [`FIX_EDITS`].
fn allowed_edit(path: &[Seg], value: &Yaml, document: &Yaml) -> Option<&'static str> {
    let kind = document.get("kind").and_then(Yaml::text);
    let last = key_at(path, 0)?;
    let parent = &path[..path.len() - 1];
    let probe = (1..path.len()).find(|&n| {
        matches!(&path[n], Seg::Key(k) if k == "livenessProbe" || k == "readinessProbe")
            && is_container(&path[..n])
    });
    if let Some(at) = probe {
        let liveness = path[at] == Seg::Key("livenessProbe".to_owned());
        let rest: Vec<&str> = path[at + 1..]
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => key.as_str(),
                Seg::Index(_) => "[]",
            })
            .collect();
        let ports = document.at(&child(&path[..at], Seg::Key("ports".to_owned())));
        let declared = |port: &Yaml| {
            let Some(Yaml::Seq(ports)) = ports else {
                return false;
            };
            ports.iter().any(|p| {
                p.get("name").is_some_and(|n| n.text() == port.text())
                    || p.get("containerPort").is_some_and(|n| n.text() == port.text())
            })
        };
        let fits = match (liveness, rest.as_slice()) {
            (_, ["tcpSocket", "port"]) => declared(value),
            (true, ["initialDelaySeconds"] | ["periodSeconds"]) => value.is_plain("10"),
            (false, ["periodSeconds"]) => value.is_plain("5"),
            _ => false,
        };
        return fits.then_some(if liveness { "K8S001" } else { "K8S002" });
    }
    if key_at(path, 1) == Some("securityContext") {
        let owner = &parent[..parent.len() - 1];
        let in_container = is_container(owner);
        let in_pod = key_at(owner, 0) == Some("spec");
        return match last {
            "allowPrivilegeEscalation" if in_container && value.is_plain("false") => Some("K8S011"),
            "readOnlyRootFilesystem" if in_container && value.is_plain("true") => Some("K8S013"),
            "runAsNonRoot" if (in_container || in_pod) && value.is_plain("true") => Some("K8S012"),
            _ => None,
        };
    }
    if last == "memory" && key_at(path, 1) == Some("limits") && key_at(path, 2) == Some("resources") {
        let container = &path[..path.len() - 3];
        let mut request = container.to_vec();
        request.extend(["resources", "requests", "memory"].map(|k| Seg::Key(k.to_owned())));
        let requested = document.at(&request).and_then(Yaml::text);
        return (is_container(container) && requested.is_some() && value.text() == requested)
            .then_some("K8S004");
    }
    if last == "appProtocol" && index_at(path, 1) && key_at(path, 2) == Some("ports") {
        let port = document.at(parent);
        let target = port.and_then(|p| p.get("targetPort").or_else(|| p.get("port")));
        let named = target
            .and_then(Yaml::text)
            .filter(|t| t.parse::<u32>().is_err())
            .map(str::to_ascii_lowercase);
        let protocol = value
            .text()
            .filter(|p| value.is_plain(p) && mslint::model::mesh::protocol::PROTOCOLS.contains(p));
        let fits = protocol.is_some_and(|protocol| {
            named.is_none_or(|name| name == protocol || name.starts_with(&format!("{protocol}-")))
        });
        return (kind == Some("Service") && fits).then_some("IST011");
    }
    if last == "timeout" && index_at(path, 1) && key_at(path, 2) == Some("http") {
        return (kind == Some("VirtualService") && value.is_plain("15s")).then_some("IST005");
    }
    if last == "mode" {
        let mesh_wide = key_at(path, 1) == Some("mtls") && key_at(path, 2) == Some("spec");
        let port = key_at(path, 2) == Some("portLevelMtls") && key_at(path, 3) == Some("spec");
        return (kind == Some("PeerAuthentication") && (mesh_wide || port) && value.is_plain("STRICT"))
            .then_some("IST002");
    }
    None
}

/// The changes between two documents that no applied fix explains.
fn unexplained(changes: Vec<Change>, document: &Yaml, rules: &BTreeSet<&str>, out: &mut Vec<String>) {
    let mut added: Vec<(Vec<Seg>, Yaml)> = Vec::new();
    let mut removed: Vec<(Vec<Seg>, Yaml)> = Vec::new();
    for change in changes {
        match change {
            Change::Added(path, value) => added.push((path, value)),
            Change::Removed(path, value) => removed.push((path, value)),
            Change::Changed(path, was, now) => match allowed_edit(&path, &now, document) {
                Some(rule) if rules.contains(rule) => {}
                found => out.push(format!(
                    "`{}` changed from {} to {}, {}",
                    show_path(&path),
                    show_value(&was),
                    show_value(&now),
                    why_not(found)
                )),
            },
            Change::Repeated(path, key) => out.push(format!(
                "`{}` holds the key `{key}` more than once after the fixes",
                show_path(&path)
            )),
        }
    }
    // A key removed and another added in the same mapping, with the same value (but for edits a
    // fix may make below it), is a rename by MS002.
    let mut renamed = Vec::new();
    if rules.contains("MS002") {
        for (n, (old_path, old_value)) in removed.iter().enumerate() {
            let parent = &old_path[..old_path.len() - 1];
            let found = added.iter().position(|(new_path, new_value)| {
                &new_path[..new_path.len() - 1] == parent && {
                    let mut below = Vec::new();
                    diff_values(new_path, old_value, new_value, &mut below);
                    let mut left = Vec::new();
                    unexplained(below, document, rules, &mut left);
                    left.is_empty()
                }
            });
            if let Some(at) = found {
                added.remove(at);
                renamed.push(n);
            }
        }
    }
    for (n, (path, value)) in removed.iter().enumerate() {
        if !renamed.contains(&n) {
            out.push(format!(
                "`{}` ({}) was removed, and no fix removes keys",
                show_path(path),
                show_value(value)
            ));
        }
    }
    for (path, value) in added {
        let mut found = Vec::new();
        leaves(&path, &value, &mut found);
        for (leaf, value) in found {
            match allowed_edit(&leaf, &value, document) {
                Some(rule) if rules.contains(rule) => {}
                rule => out.push(format!(
                    "`{}` was added with {}, {}",
                    show_path(&leaf),
                    show_value(&value),
                    why_not(rule)
                )),
            }
        }
    }
}

fn why_not(rule: Option<&str>) -> String {
    match rule {
        Some(rule) => format!("an edit of {rule}, whose fix was not applied to this file"),
        None => "which is no edit a fix makes".to_owned(),
    }
}

fn show_value(value: &Yaml) -> String {
    match value {
        Yaml::Null => "null".to_owned(),
        Yaml::Scalar(text, true) => format!("`{text}`"),
        Yaml::Scalar(text, false) => format!("`{text:?}` (quoted)"),
        other => format!("{other:?}"),
    }
}

/// What names a document: it must be the same object after the fixes.
fn identity(document: &Yaml) -> [Option<&Yaml>; 4] {
    [
        document.get("apiVersion"),
        document.get("kind"),
        document.get("metadata").and_then(|m| m.get("name")),
        document.get("metadata").and_then(|m| m.get("namespace")),
    ]
}

/// Why a document appended to a file is not the default-deny NetworkPolicy NS002 adds next to a
/// NetworkPolicy of the same namespace, if it is not.
fn appended_policy(before: &[Yaml], document: &Yaml) -> Option<String> {
    let text = |path: &[&str]| {
        let path: Vec<Seg> = path.iter().map(|k| Seg::Key((*k).to_owned())).collect();
        document.at(&path).and_then(Yaml::text).map(str::to_owned)
    };
    let spec = Yaml::Map(vec![
        ("podSelector".to_owned(), Yaml::Map(Vec::new())),
        (
            "policyTypes".to_owned(),
            Yaml::Seq(vec![Yaml::Scalar("Ingress".to_owned(), true)]),
        ),
    ]);
    let keys = |value: Option<&Yaml>| -> Vec<String> {
        entries_of(value.unwrap_or(&Yaml::Null))
            .map(|entries| entries.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default()
    };
    let shaped = text(&["apiVersion"]).as_deref() == Some("networking.k8s.io/v1")
        && text(&["kind"]).as_deref() == Some("NetworkPolicy")
        && text(&["metadata", "name"]).as_deref() == Some("default-deny-ingress")
        && document.get("spec") == Some(&spec)
        && keys(Some(document)) == ["apiVersion", "kind", "metadata", "spec"]
        && keys(document.get("metadata"))
            .iter()
            .all(|k| k == "name" || k == "namespace");
    if !shaped {
        return Some(format!(
            "the appended document is not NS002's default-deny NetworkPolicy: {document:?}"
        ));
    }
    let namespace = text(&["metadata", "namespace"]);
    let beside = before.iter().any(|d| {
        d.get("kind").and_then(Yaml::text) == Some("NetworkPolicy")
            && d.get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Yaml::text)
                == namespace.as_deref()
    });
    (!beside).then(|| {
        format!(
            "the appended default-deny policy (namespace {namespace:?}) is in a file with no NetworkPolicy \
             of its namespace"
        )
    })
}

fn check_objects(file: &FixedFile, out: &mut Vec<String>) {
    let rules: BTreeSet<&str> = file.applied.iter().map(|f| f.rule).collect();
    // NS002 appends documents at the end of a file.
    let appends = rules.contains("NS002");
    let (pairs, before, appended) = match (load_yaml(&file.before), load_yaml(&file.after)) {
        (Ok(was), Ok(mut now)) => {
            let appended = if appends && now.len() > was.len() {
                now.split_off(was.len())
            } else {
                Vec::new()
            };
            (vec![(was.clone(), now)], was, appended)
        }
        (Ok(_), Err(error)) => {
            out.push(format!(
                "the file parsed before the fixes and no longer does: {error}"
            ));
            return;
        }
        (Err(_), _) => {
            let (was, mut now) = (load_pieces(&file.before), load_pieces(&file.after));
            let mut appended = Vec::new();
            if appends && now.len() > was.len() {
                for piece in now.split_off(was.len()) {
                    match piece {
                        Some(documents) => appended.extend(documents),
                        None => out.push("a document appended to the file does not parse".to_owned()),
                    }
                }
            }
            if was.len() != now.len() {
                out.push(format!(
                    "{} `---` pieces before the fixes, {} after",
                    was.len(),
                    now.len()
                ));
                return;
            }
            let before: Vec<Yaml> = was.iter().flatten().flatten().cloned().collect();
            let mut pairs = Vec::new();
            for (n, (old, new)) in was.into_iter().zip(now).enumerate() {
                match (old, new) {
                    (Some(old), Some(new)) => pairs.push((old, new)),
                    (Some(_), None) => out.push(format!(
                        "document piece {} parsed before the fixes and no longer does",
                        n + 1
                    )),
                    (None, _) => {}
                }
            }
            (pairs, before, appended)
        }
    };
    out.extend(
        appended
            .iter()
            .filter_map(|document| appended_policy(&before, document)),
    );
    for (was, now) in pairs {
        if was.len() != now.len() {
            out.push(format!(
                "{} documents before the fixes, {} after",
                was.len(),
                now.len()
            ));
            continue;
        }
        for (n, (old, new)) in was.iter().zip(&now).enumerate() {
            if identity(old) != identity(new) {
                out.push(format!(
                    "document {} is another object after the fixes: {:?} became {:?}",
                    n + 1,
                    identity(old),
                    identity(new)
                ));
            }
            let mut changes = Vec::new();
            diff_values(&[], old, new, &mut changes);
            let mut left = Vec::new();
            unexplained(changes, new, &rules, &mut left);
            out.extend(left.into_iter().map(|v| format!("document {}: {v}", n + 1)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The repository's fixtures, and a corpus on request
// ---------------------------------------------------------------------------------------------

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fail_with(report: &Report, what: &str) {
    assert!(
        report.violations.is_empty(),
        "fixing {what} broke {} propert{}:\n\n{}\n\nThe edits fixes may make:\n{}",
        report.violations.len(),
        if report.violations.len() == 1 { "y" } else { "ies" },
        report.violations.join("\n\n"),
        fix_edits()
    );
}

#[test]
fn every_rule_with_a_fix_says_what_its_fix_may_change() {
    let with_fixes: BTreeSet<&str> = mslint::docs::all_rules()
        .into_iter()
        .filter(|meta| meta.fix.is_some())
        .map(|meta| meta.id)
        .collect();
    let described: BTreeSet<&str> = FIX_EDITS.iter().map(|(rule, _)| *rule).collect();
    assert_eq!(
        with_fixes, described,
        "FIX_EDITS (and `allowed_edit`) must describe the edits of exactly the rules with fixes"
    );
}

/// The fixture folders, each a project of its own: `fixtures/<family>/<ID>/<case>`, and
/// `fixtures/examples`.
fn fixture_folders() -> Vec<PathBuf> {
    let children = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture folder")
            .map(|entry| entry.expect("folder entry").path())
            .filter(|path| path.is_dir())
            .collect();
        found.sort();
        found
    };
    let mut folders = Vec::new();
    for family in children(&repo().join("fixtures")) {
        if family.ends_with("examples") {
            folders.push(family);
            continue;
        }
        for rule in children(&family) {
            folders.extend(children(&rule));
        }
    }
    folders
}

#[test]
fn fixes_on_the_fixtures_keep_comments_objects_and_untouched_lines() {
    let fixtures = repo().join("fixtures");
    let mut violations = Vec::new();
    let mut applied: BTreeMap<&str, usize> = BTreeMap::new();
    let mut copied = 0;
    for folder in fixture_folders() {
        let work = tempfile::tempdir().expect("temporary folder");
        copied += copy_tree(&folder, work.path(), &|path| classify(path).is_some());
        let report = fix_and_check(work.path());
        let name = folder
            .strip_prefix(&fixtures)
            .expect("a fixture folder")
            .display()
            .to_string();
        violations.extend(report.violations.into_iter().map(|v| format!("{name}/{v}")));
        for (rule, count) in report.applied {
            *applied.entry(rule).or_default() += count;
        }
    }
    assert!(
        copied > 100,
        "the fixtures hold YAML files and Dockerfiles ({copied} copied)"
    );
    fail_with(
        &Report {
            violations,
            ..Report::default()
        },
        "the fixtures",
    );
    let rules: BTreeSet<&str> = applied.keys().copied().collect();
    let described: BTreeSet<&str> = FIX_EDITS.iter().map(|(rule, _)| *rule).collect();
    assert_eq!(
        rules, described,
        "every rule with a fix applies one to the fixtures (fixes applied: {applied:?})"
    );
}

#[test]
fn fixes_on_a_corpus_named_by_mslint_fix_corpus_keep_comments_objects_and_untouched_lines() {
    let Some(corpus) = std::env::var_os("MSLINT_FIX_CORPUS") else {
        return;
    };
    let corpus = PathBuf::from(corpus);
    assert!(
        corpus.is_dir(),
        "MSLINT_FIX_CORPUS names no folder: {}",
        corpus.display()
    );
    let work = tempfile::tempdir().expect("temporary folder");
    copy_tree(&corpus, work.path(), &|_| true);
    let report = fix_and_check(work.path());
    eprintln!(
        "{}: {} files fixed, fixes by rule {:?}",
        corpus.display(),
        report.files,
        report.applied
    );
    fail_with(&report, &corpus.display().to_string());
}

// ---------------------------------------------------------------------------------------------
// Generated manifests and Dockerfiles
// ---------------------------------------------------------------------------------------------

/// A YAML value to write, in block or flow style.
#[derive(Debug, Clone)]
enum Out {
    Scalar(String),
    /// A key with nothing after it.
    Empty,
    /// Entries, and whether they are written in flow style.
    Map(Vec<(String, Out)>, bool),
    Seq(Vec<Out>),
}

fn scalar(text: &str) -> Out {
    Out::Scalar(text.to_owned())
}

fn block(entries: Vec<(&str, Out)>) -> Out {
    Out::Map(
        entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        false,
    )
}

/// How a generated YAML file is laid out.
#[derive(Debug, Clone)]
struct Layout {
    indent: usize,
    /// Sequence items indented below their key (else at the key's column).
    indent_sequences: bool,
    flow_spaces: bool,
    crlf: bool,
    final_newline: bool,
    leading_separator: bool,
    /// Per line (cycled): an own-line comment before it, a trailing comment, a blank line.
    decorations: Vec<u8>,
}

struct Line {
    column: usize,
    text: String,
}

fn flow(value: &Out, spaces: bool) -> String {
    match value {
        Out::Scalar(text) => text.clone(),
        Out::Empty => "null".to_owned(),
        Out::Map(entries, _) if entries.is_empty() => "{}".to_owned(),
        Out::Map(entries, _) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v, spaces)))
                .collect();
            if spaces {
                format!("{{ {} }}", inner.join(", "))
            } else {
                format!("{{{}}}", inner.join(", "))
            }
        }
        Out::Seq(items) => {
            let inner: Vec<String> = items.iter().map(|v| flow(v, spaces)).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

fn render_map(entries: &[(String, Out)], column: usize, layout: &Layout, out: &mut Vec<Line>) {
    for (key, value) in entries {
        let line = |text: String| Line { column, text };
        match value {
            Out::Scalar(_) | Out::Map(_, true) => {
                out.push(line(format!("{key}: {}", flow(value, layout.flow_spaces))))
            }
            Out::Map(inner, false) if inner.is_empty() => out.push(line(format!("{key}: {{}}"))),
            Out::Seq(items) if items.is_empty() => out.push(line(format!("{key}: []"))),
            Out::Empty => out.push(line(format!("{key}:"))),
            Out::Map(inner, false) => {
                out.push(line(format!("{key}:")));
                render_map(inner, column + layout.indent, layout, out);
            }
            Out::Seq(items) => {
                out.push(line(format!("{key}:")));
                let items_at = if layout.indent_sequences {
                    column + layout.indent
                } else {
                    column
                };
                for item in items {
                    render_item(item, items_at, layout, out);
                }
            }
        }
    }
}

fn render_item(item: &Out, column: usize, layout: &Layout, out: &mut Vec<Line>) {
    match item {
        Out::Map(entries, false) if !entries.is_empty() => {
            let first = out.len();
            render_map(entries, column + 2, layout, out);
            out[first].column = column;
            out[first].text.insert_str(0, "- ");
        }
        other => out.push(Line {
            column,
            text: format!("- {}", flow(other, layout.flow_spaces)),
        }),
    }
}

/// The lines, with comments and blank lines between and after them, as one text.
fn decorate(lines: &[Line], decorations: &[u8], crlf: bool, final_newline: bool, trailing: bool) -> String {
    let mut text: Vec<String> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let decoration = match decorations.len() {
            0 => 0,
            len => decorations[n % len],
        };
        let indent = " ".repeat(line.column);
        match decoration {
            14 | 15 => text.push(format!("{indent}# note {n}: keep this")),
            16 => text.push(format!("# note {n} at the margin")),
            19 => text.push(String::new()),
            _ => {}
        }
        let mut own = format!("{indent}{}", line.text);
        if trailing && matches!(decoration, 17 | 18) {
            own.push_str(&format!("  # why {n}"));
        }
        text.push(own);
    }
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut joined = text.join(newline);
    if final_newline {
        joined.push_str(newline);
    }
    joined
}

#[derive(Debug, Clone)]
enum SecurityStyle {
    Block,
    Flow,
    /// `securityContext:` with nothing below.
    EmptyKey,
    /// `securityContext: {}`.
    EmptyFlow,
}

#[derive(Debug, Clone)]
struct Security {
    style: SecurityStyle,
    allow_privilege_escalation: Option<bool>,
    read_only_root_filesystem: Option<bool>,
    run_as_non_root: Option<bool>,
    run_as_user: Option<u32>,
}

impl Security {
    fn out(&self) -> Out {
        let mut entries = Vec::new();
        let flag = |b: bool| scalar(if b { "true" } else { "false" });
        if let Some(b) = self.allow_privilege_escalation {
            entries.push(("allowPrivilegeEscalation".to_owned(), flag(b)));
        }
        if let Some(b) = self.read_only_root_filesystem {
            entries.push(("readOnlyRootFilesystem".to_owned(), flag(b)));
        }
        if let Some(b) = self.run_as_non_root {
            entries.push(("runAsNonRoot".to_owned(), flag(b)));
        }
        if let Some(uid) = self.run_as_user {
            entries.push(("runAsUser".to_owned(), scalar(&uid.to_string())));
        }
        match self.style {
            SecurityStyle::Block => Out::Map(entries, false),
            SecurityStyle::Flow => Out::Map(entries, true),
            SecurityStyle::EmptyKey => Out::Empty,
            SecurityStyle::EmptyFlow => Out::Map(Vec::new(), true),
        }
    }
}

#[derive(Debug, Clone)]
struct Quantities {
    cpu: Option<&'static str>,
    memory: Option<&'static str>,
    flow: bool,
}

impl Quantities {
    fn out(&self) -> Out {
        let mut entries = Vec::new();
        if let Some(cpu) = self.cpu {
            entries.push(("cpu".to_owned(), scalar(cpu)));
        }
        if let Some(memory) = self.memory {
            entries.push(("memory".to_owned(), scalar(memory)));
        }
        Out::Map(entries, self.flow)
    }
}

#[derive(Debug, Clone)]
struct Resources {
    requests: Option<Quantities>,
    /// `None` for no `limits`, `Some(None)` for a `limits:` with nothing below.
    limits: Option<Option<Quantities>>,
    flow: bool,
}

impl Resources {
    fn out(&self) -> Out {
        let mut entries = Vec::new();
        if let Some(requests) = &self.requests {
            entries.push(("requests".to_owned(), requests.out()));
        }
        match &self.limits {
            Some(Some(limits)) => entries.push(("limits".to_owned(), limits.out())),
            Some(None) if !self.flow => entries.push(("limits".to_owned(), Out::Empty)),
            _ => {}
        }
        Out::Map(entries, self.flow)
    }
}

#[derive(Debug, Clone)]
struct Container {
    image: &'static str,
    /// `imagePullPolicy`, and whether its key is misspelt `imagePullPolice`.
    pull_policy: Option<bool>,
    /// A `containerPort`, and whether it has a name.
    ports: Option<bool>,
    security: Option<Security>,
    resources: Option<Resources>,
    /// `resource:` for `resources:`.
    resources_misspelt: bool,
    /// `securityContex:` for `securityContext:`.
    security_misspelt: bool,
    security_first: bool,
}

impl Container {
    fn out(&self, name: &str) -> Out {
        let mut entries = vec![
            ("name".to_owned(), scalar(name)),
            ("image".to_owned(), scalar(self.image)),
        ];
        if let Some(misspelt) = self.pull_policy {
            let key = if misspelt {
                "imagePullPolice"
            } else {
                "imagePullPolicy"
            };
            entries.push((key.to_owned(), scalar("IfNotPresent")));
        }
        if let Some(named) = self.ports {
            let mut port = vec![("containerPort", scalar("8080"))];
            if named {
                port.insert(0, ("name", scalar("http")));
            }
            entries.push(("ports".to_owned(), Out::Seq(vec![block(port)])));
        }
        let security = self.security.as_ref().map(|s| {
            (
                if self.security_misspelt {
                    "securityContex"
                } else {
                    "securityContext"
                }
                .to_owned(),
                s.out(),
            )
        });
        let key = if self.resources_misspelt {
            "resource"
        } else {
            "resources"
        };
        let resources = self.resources.as_ref().map(|r| (key.to_owned(), r.out()));
        let (first, second) = if self.security_first {
            (security, resources)
        } else {
            (resources, security)
        };
        entries.extend(first);
        entries.extend(second);
        Out::Map(entries, false)
    }
}

#[derive(Debug, Clone, Copy)]
enum WorkloadKind {
    Pod,
    Deployment,
    CronJob,
}

#[derive(Debug, Clone)]
enum Document {
    Workload {
        kind: WorkloadKind,
        namespace: bool,
        pod_non_root: Option<bool>,
        init: Vec<Container>,
        containers: Vec<Container>,
    },
    PeerAuthentication {
        mode: &'static str,
    },
    VirtualService {
        timeout: bool,
    },
    Namespace {
        injection: bool,
    },
    /// A Service of the `app: cart` pods, its `targetPort` a name (`http-web`) or 8080.
    Service {
        named_target: bool,
    },
    /// A NetworkPolicy that lets the `web` pods reach the `cart` pods.
    NetworkPolicy,
}

impl Document {
    fn out(&self, name: &str) -> Out {
        match self {
            Document::Workload {
                kind,
                namespace,
                pod_non_root,
                init,
                containers,
            } => {
                let mut metadata = vec![("name", scalar(name))];
                if *namespace {
                    metadata.push(("namespace", scalar("shop")));
                }
                if matches!(kind, WorkloadKind::Pod) {
                    metadata.push(("labels", block(vec![("app", scalar("cart"))])));
                }
                let mut pod = Vec::new();
                if let Some(non_root) = pod_non_root {
                    pod.push((
                        "securityContext",
                        block(vec![("runAsNonRoot", scalar(&non_root.to_string()))]),
                    ));
                }
                let list = |containers: &[Container], prefix: &str| {
                    Out::Seq(
                        containers
                            .iter()
                            .enumerate()
                            .map(|(n, c)| c.out(&format!("{prefix}{n}")))
                            .collect(),
                    )
                };
                if !init.is_empty() {
                    pod.push(("initContainers", list(init, "setup-")));
                }
                pod.push(("containers", list(containers, "app-")));
                let (api, kind_name, spec) = match kind {
                    WorkloadKind::Pod => ("v1", "Pod", block(pod)),
                    WorkloadKind::Deployment => (
                        "apps/v1",
                        "Deployment",
                        block(vec![
                            ("replicas", scalar("2")),
                            (
                                "selector",
                                block(vec![("matchLabels", block(vec![("app", scalar("cart"))]))]),
                            ),
                            (
                                "template",
                                block(vec![
                                    (
                                        "metadata",
                                        block(vec![("labels", block(vec![("app", scalar("cart"))]))]),
                                    ),
                                    ("spec", block(pod)),
                                ]),
                            ),
                        ]),
                    ),
                    WorkloadKind::CronJob => {
                        pod.push(("restartPolicy", scalar("OnFailure")));
                        (
                            "batch/v1",
                            "CronJob",
                            block(vec![
                                ("schedule", scalar("\"*/5 * * * *\"")),
                                (
                                    "jobTemplate",
                                    block(vec![(
                                        "spec",
                                        block(vec![("template", block(vec![("spec", block(pod))]))]),
                                    )]),
                                ),
                            ]),
                        )
                    }
                };
                block(vec![
                    ("apiVersion", scalar(api)),
                    ("kind", scalar(kind_name)),
                    ("metadata", block(metadata)),
                    ("spec", spec),
                ])
            }
            Document::PeerAuthentication { mode } => block(vec![
                ("apiVersion", scalar("security.istio.io/v1")),
                ("kind", scalar("PeerAuthentication")),
                (
                    "metadata",
                    block(vec![("name", scalar(name)), ("namespace", scalar("shop"))]),
                ),
                ("spec", block(vec![("mtls", block(vec![("mode", scalar(mode))]))])),
            ]),
            Document::VirtualService { timeout } => {
                let mut route = vec![
                    ("name", scalar("main")),
                    (
                        "route",
                        Out::Seq(vec![block(vec![(
                            "destination",
                            Out::Map(vec![("host".to_owned(), scalar("cart"))], true),
                        )])]),
                    ),
                ];
                if *timeout {
                    route.push(("timeout", scalar("3s")));
                }
                block(vec![
                    ("apiVersion", scalar("networking.istio.io/v1")),
                    ("kind", scalar("VirtualService")),
                    (
                        "metadata",
                        block(vec![("name", scalar(name)), ("namespace", scalar("shop"))]),
                    ),
                    (
                        "spec",
                        block(vec![
                            ("hosts", Out::Seq(vec![scalar("cart")])),
                            ("http", Out::Seq(vec![block(route)])),
                        ]),
                    ),
                ])
            }
            Document::Namespace { injection } => {
                let mut metadata = vec![("name", scalar("shop"))];
                if *injection {
                    metadata.push((
                        "labels",
                        Out::Map(vec![("istio-injection".to_owned(), scalar("enabled"))], true),
                    ));
                }
                block(vec![
                    ("apiVersion", scalar("v1")),
                    ("kind", scalar("Namespace")),
                    ("metadata", block(metadata)),
                ])
            }
            Document::Service { named_target } => {
                let target = if *named_target { "http-web" } else { "8080" };
                block(vec![
                    ("apiVersion", scalar("v1")),
                    ("kind", scalar("Service")),
                    (
                        "metadata",
                        block(vec![("name", scalar(name)), ("namespace", scalar("shop"))]),
                    ),
                    (
                        "spec",
                        block(vec![
                            (
                                "selector",
                                Out::Map(vec![("app".to_owned(), scalar("cart"))], true),
                            ),
                            (
                                "ports",
                                Out::Seq(vec![block(vec![
                                    ("port", scalar("80")),
                                    ("targetPort", scalar(target)),
                                ])]),
                            ),
                        ]),
                    ),
                ])
            }
            Document::NetworkPolicy => block(vec![
                ("apiVersion", scalar("networking.k8s.io/v1")),
                ("kind", scalar("NetworkPolicy")),
                (
                    "metadata",
                    block(vec![("name", scalar(name)), ("namespace", scalar("shop"))]),
                ),
                (
                    "spec",
                    block(vec![
                        (
                            "podSelector",
                            block(vec![("matchLabels", block(vec![("app", scalar("cart"))]))]),
                        ),
                        (
                            "ingress",
                            Out::Seq(vec![block(vec![(
                                "from",
                                Out::Seq(vec![block(vec![(
                                    "podSelector",
                                    block(vec![("matchLabels", block(vec![("app", scalar("web"))]))]),
                                )])]),
                            )])]),
                        ),
                    ]),
                ),
            ]),
        }
    }
}

fn render_yaml(documents: &[Document], layout: &Layout, file: usize) -> String {
    let mut lines = Vec::new();
    for (n, document) in documents.iter().enumerate() {
        if n > 0 || layout.leading_separator {
            lines.push(Line {
                column: 0,
                text: "---".to_owned(),
            });
        }
        let Out::Map(entries, _) = document.out(&format!("shop-{file}-{n}")) else {
            unreachable!("a document is a mapping")
        };
        render_map(&entries, 0, layout, &mut lines);
    }
    decorate(
        &lines,
        &layout.decorations,
        layout.crlf,
        layout.final_newline,
        true,
    )
}

#[derive(Debug, Clone)]
struct Dockerfile {
    name: &'static str,
    syntax: bool,
    builder: bool,
    body: Vec<&'static str>,
    shell: bool,
    healthcheck: bool,
    entrypoint: Option<&'static str>,
    cmd: Option<&'static str>,
    crlf: bool,
    final_newline: bool,
    decorations: Vec<u8>,
}

fn render_dockerfile(spec: &Dockerfile) -> String {
    let mut lines: Vec<String> = Vec::new();
    if spec.syntax {
        lines.push("# syntax=docker/dockerfile:1".to_owned());
    }
    if spec.builder {
        lines.push("FROM golang:1.23 AS build".to_owned());
        lines.push("RUN go build -o /out/app ./cmd/app".to_owned());
    }
    lines.push("FROM alpine:3.20".to_owned());
    lines.extend(spec.body.iter().flat_map(|l| l.split('\n')).map(str::to_owned));
    if spec.shell {
        lines.push("SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]".to_owned());
    }
    if spec.healthcheck {
        lines.push("HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/ || exit 1".to_owned());
    }
    for (keyword, command) in [("ENTRYPOINT", spec.entrypoint), ("CMD", spec.cmd)] {
        if let Some(command) = command {
            lines.extend(format!("{keyword} {command}").split('\n').map(str::to_owned));
        }
    }
    let lines: Vec<Line> = lines.into_iter().map(|text| Line { column: 0, text }).collect();
    decorate(&lines, &spec.decorations, spec.crlf, spec.final_newline, false)
}

fn security() -> impl Strategy<Value = Security> {
    (
        prop_oneof![
            4 => Just(SecurityStyle::Block),
            2 => Just(SecurityStyle::Flow),
            1 => Just(SecurityStyle::EmptyKey),
            1 => Just(SecurityStyle::EmptyFlow),
        ],
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![0u32, 10001])),
    )
        .prop_map(|(style, ape, ro, non_root, uid)| Security {
            style,
            allow_privilege_escalation: ape,
            read_only_root_filesystem: ro,
            run_as_non_root: non_root,
            run_as_user: uid,
        })
}

fn quantities() -> impl Strategy<Value = Quantities> {
    (
        prop::option::of(prop::sample::select(vec!["100m", "1", "0.5", "\"2\""])),
        prop::option::of(prop::sample::select(vec!["128Mi", "1Gi", "512M", "\"256Mi\""])),
        any::<bool>(),
    )
        .prop_map(|(cpu, memory, flow)| Quantities { cpu, memory, flow })
}

fn resources() -> impl Strategy<Value = Resources> {
    (
        prop::option::of(quantities()),
        prop::option::of(prop::option::of(quantities())),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(requests, limits, flow)| Resources {
            requests,
            limits,
            flow,
        })
}

fn container() -> impl Strategy<Value = Container> {
    (
        prop::sample::select(vec![
            "shop/cart:1.4.2",
            "registry.local/api@sha256:abc",
            "nginx:1.27",
        ]),
        prop::option::of(prop::bool::weighted(0.3)),
        prop::option::of(any::<bool>()),
        prop::option::of(security()),
        prop::option::of(resources()),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.15),
        any::<bool>(),
    )
        .prop_map(
            |(
                image,
                pull_policy,
                ports,
                security,
                resources,
                resources_misspelt,
                security_misspelt,
                security_first,
            )| {
                Container {
                    image,
                    pull_policy,
                    ports,
                    security,
                    resources_misspelt,
                    security_misspelt,
                    resources,
                    security_first,
                }
            },
        )
}

fn document() -> impl Strategy<Value = Document> {
    let workload = (
        prop::sample::select(vec![
            WorkloadKind::Pod,
            WorkloadKind::Deployment,
            WorkloadKind::CronJob,
        ]),
        any::<bool>(),
        prop::option::of(any::<bool>()),
        prop::collection::vec(container(), 0..=1),
        prop::collection::vec(container(), 1..=3),
    )
        .prop_map(
            |(kind, namespace, pod_non_root, init, containers)| Document::Workload {
                kind,
                namespace,
                pod_non_root,
                init,
                containers,
            },
        );
    prop_oneof![
        6 => workload,
        1 => prop::sample::select(vec!["PERMISSIVE", "DISABLE", "STRICT"])
            .prop_map(|mode| Document::PeerAuthentication { mode }),
        1 => any::<bool>().prop_map(|timeout| Document::VirtualService { timeout }),
        2 => prop::bool::weighted(0.7).prop_map(|injection| Document::Namespace { injection }),
        2 => any::<bool>().prop_map(|named_target| Document::Service { named_target }),
        1 => Just(Document::NetworkPolicy),
    ]
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(vec![2usize, 4]),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.8),
        any::<bool>(),
        prop::collection::vec(0u8..20, 0..40),
    )
        .prop_map(
            |(indent, indent_sequences, flow_spaces, crlf, final_newline, leading_separator, decorations)| {
                Layout {
                    indent,
                    indent_sequences,
                    flow_spaces,
                    crlf,
                    final_newline,
                    leading_separator,
                    decorations,
                }
            },
        )
}

fn dockerfile_spec() -> impl Strategy<Value = Dockerfile> {
    let commands = vec![
        "node server.js",
        "node  server.js --port=8080",
        "/usr/local/bin/app --port 8080",
        "/usr/local/bin/app",
        "python -m http.server 8000",
        "gunicorn -w 4 app:app",
        "[\"node\", \"server.js\"]",
        "exec node server.js",
        "app --port $PORT",
        "npm start && echo done",
        "node \\\n    server.js",
        "sh -c 'echo hi'",
    ];
    let body = vec![
        "WORKDIR /app",
        "COPY --from=build /out/app /usr/local/bin/app",
        "RUN apk add --no-cache curl",
        "RUN apk add curl",
        "RUN pip install flask",
        "RUN apt-get update && apt-get install -y curl",
        "RUN apt-get update \\\n    && apt-get install -y \\\n      curl",
        "ENV PORT=8080",
        "EXPOSE 8080",
        "USER 10001",
        "RUN echo building \\\n    && echo done",
    ];
    (
        (
            prop::sample::select(vec!["Dockerfile", "api.Dockerfile", "Containerfile"]),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(prop::sample::select(body), 0..5),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.3),
        ),
        (
            prop::option::weighted(0.3, prop::sample::select(commands.clone())),
            prop::option::weighted(0.85, prop::sample::select(commands)),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.8),
            prop::collection::vec(0u8..20, 0..20),
        ),
    )
        .prop_map(
            |(
                (name, syntax, builder, body, shell, healthcheck),
                (entrypoint, cmd, crlf, final_newline, decorations),
            )| {
                Dockerfile {
                    name,
                    syntax,
                    builder,
                    body,
                    shell,
                    healthcheck,
                    entrypoint,
                    cmd,
                    crlf,
                    final_newline,
                    decorations,
                }
            },
        )
}

/// A folder's files: paths and texts.
fn generated_files() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::collection::vec(
            (prop::collection::vec(document(), 1..=3), layout(), any::<bool>()),
            1..=2,
        ),
        prop::option::weighted(0.7, dockerfile_spec()),
    )
        .prop_map(|(yaml, docker)| {
            let mut files: Vec<(String, String)> = yaml
                .iter()
                .enumerate()
                .map(|(n, (documents, layout, yml))| {
                    let extension = if *yml { "yml" } else { "yaml" };
                    (
                        format!("deploy/app-{n}.{extension}"),
                        render_yaml(documents, layout, n),
                    )
                })
                .collect();
            if let Some(spec) = docker {
                files.push((format!("images/{}", spec.name), render_dockerfile(&spec)));
            }
            files
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fixes_on_generated_manifests_and_dockerfiles_keep_comments_objects_and_untouched_lines(
        files in generated_files()
    ) {
        let work = tempfile::tempdir().expect("temporary folder");
        write_files(work.path(), &files);
        let report = fix_and_check(work.path());
        let inputs: Vec<String> = files.iter().map(|(path, text)| format!("--- {path}\n{text}")).collect();
        prop_assert!(
            report.violations.is_empty(),
            "{}\n\ninputs:\n{}",
            report.violations.join("\n\n"),
            inputs.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: inputs that once broke a property
// ---------------------------------------------------------------------------------------------

/// Fixes the files (path, text) in a fresh folder and asserts every property.
fn assert_fixes_keep_properties(files: &[(&str, &str)]) {
    let work = tempfile::tempdir().expect("temporary folder");
    write_files(work.path(), files);
    fail_with(&fix_and_check(work.path()), "the files");
}

/// The span of an empty flow mapping runs on over the spaces and the comment after `{}`: a fix
/// writing into it replaces the braces alone, so `limits: {}  # per environment` keeps its comment.
#[test]
fn a_trailing_comment_after_an_empty_flow_mapping_survives_a_fix_writing_into_it() {
    assert_fixes_keep_properties(&[(
        "deploy/web.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: shop/cart:1.4.2
    securityContext: {}  # filled in by the platform team
    resources:
      requests: {memory: 128Mi}
      limits: {}  # set per environment
",
    )]);
}

/// A rename by MS002 can make another rule's finding fixable (or bring it): a misspelt
/// `resource:` hides the memory request K8S004 copies into the limit, a misspelt
/// `securityContex:` hides a `runAsNonRoot: false` K8S012 turns into `true`, and a misspelt
/// `targetport:` hides the container port whose name IST011 reads the protocol from. The fix
/// loop fixes what a pass reveals in the same run, so a second run changes nothing.
#[test]
fn a_rename_that_reveals_a_fixable_problem_is_fixed_in_the_same_run() {
    assert_fixes_keep_properties(&[
        (
            "deploy/limit.yaml",
            "apiVersion: v1
kind: Pod
metadata:
  name: limit
spec:
  containers:
  - name: app
    image: shop/cart:1.4.2
    resource:
      requests:
        memory: 128Mi
",
        ),
        (
            "deploy/root.yaml",
            "apiVersion: v1
kind: Pod
metadata:
  name: root
spec:
  securityContext:
    runAsNonRoot: true
  containers:
  - name: app
    image: shop/cart:1.4.2
    ports:
    - containerPort: 8080
    securityContex:
      runAsNonRoot: false
",
        ),
        (
            "mesh/cart.yaml",
            "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: { istio-injection: enabled }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart } }
    spec:
      containers:
        - name: server
          image: shop/cart:1.4.2
          ports:
            - { name: http-web, containerPort: 8080 }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec:
  selector: { app: cart }
  ports:
    - port: 80
      targetport: 8080
",
        ),
    ]);
}

// ---------------------------------------------------------------------------------------------
// The checker rejects what it should
// ---------------------------------------------------------------------------------------------

const WORKLOAD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart # the cart service
spec:
  replicas: 2
  selector:
    matchLabels: { app: cart }
  template:
    metadata:
      labels: { app: cart }
    spec:
      containers:
        # the only container
        - name: server
          image: shop/cart:1.4.2
          resources:
            requests: { cpu: 100m, memory: 128Mi }
";

/// The fixes of one file, applied by the real fix loop.
fn fixed(path: &str, text: &str) -> FixedFile {
    let work = tempfile::tempdir().expect("temporary folder");
    write_files(work.path(), &[(path, text)]);
    let fixed = fix_files(&config(work.path()), FixMode::Unsafe, |_, _| true).expect("fix runs");
    let mut files = fixed.files;
    assert_eq!(files.len(), 1, "the file is fixed");
    files.remove(0)
}

fn doctored(file: &FixedFile, from: &str, to: &str) -> FixedFile {
    assert!(file.after.contains(from), "`{from}` is in:\n{}", file.after);
    FixedFile {
        after: file.after.replacen(from, to, 1),
        ..file.clone()
    }
}

#[test]
fn the_checker_accepts_the_real_fixes_of_a_deployment() {
    let file = fixed("deploy/cart.yaml", WORKLOAD);
    let rules = rules_of(&file.applied);
    for rule in ["K8S004", "K8S011", "K8S012", "K8S013"] {
        assert!(rules.contains(rule), "{rule} fixed the workload: {rules}");
    }
    assert_eq!(violations(&file), Vec::<String>::new(), "{}", file.after);
}

#[test]
fn the_checker_rejects_a_removed_comment_line() {
    let file = doctored(
        &fixed("deploy/cart.yaml", WORKLOAD),
        "        # the only container\n",
        "",
    );
    let found = violations(&file).join("\n");
    assert!(
        found.contains("the comments changed: lost [\"        # the only container\"]"),
        "{found}"
    );
    assert!(
        found.contains("line 14 `        # the only container` was changed or removed"),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_a_changed_trailing_comment() {
    let file = doctored(
        &fixed("deploy/cart.yaml", WORKLOAD),
        "# the cart service",
        "# the cart",
    );
    let found = violations(&file).join("\n");
    assert!(found.contains("the comments changed"), "{found}");
    assert!(
        found.contains("line 4 `  name: cart # the cart service` was changed"),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_a_changed_unrelated_value() {
    let file = doctored(&fixed("deploy/cart.yaml", WORKLOAD), "replicas: 2", "replicas: 3");
    let found = violations(&file).join("\n");
    assert!(
        found.contains("`spec.replicas` changed from `2` to `3`, which is no edit a fix makes"),
        "{found}"
    );
    assert!(
        found.contains("line 6 `  replicas: 2` was changed or removed"),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_a_wrong_value_at_a_path_a_fix_edits() {
    let file = doctored(
        &fixed("deploy/cart.yaml", WORKLOAD),
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
    );
    let found = violations(&file).join("\n");
    assert!(
        found.contains(
            "`spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation` was added with `true`"
        ),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_a_memory_limit_other_than_the_request() {
    let file = doctored(
        &fixed("deploy/cart.yaml", WORKLOAD),
        "memory: 128Mi\n",
        "memory: 1Gi\n",
    );
    let found = violations(&file).join("\n");
    assert!(
        found.contains("resources.limits.memory` was added with `1Gi`"),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_a_removed_key_and_a_repeated_one() {
    let file = fixed("deploy/cart.yaml", WORKLOAD);
    let removed = doctored(&file, "          image: shop/cart:1.4.2\n", "");
    let found = violations(&removed).join("\n");
    assert!(
        found.contains("`spec.template.spec.containers[0].image` (`shop/cart:1.4.2`) was removed"),
        "{found}"
    );
    let repeated = doctored(&file, "  replicas: 2\n", "  replicas: 2\n  replicas: 2\n");
    let found = violations(&repeated).join("\n");
    assert!(
        found.contains("`spec` holds the key `replicas` more than once"),
        "{found}"
    );
}

#[test]
fn the_checker_accepts_a_rename_by_ms002_and_rejects_one_that_changes_the_value() {
    let text = WORKLOAD.replace(
        "image: shop/cart:1.4.2\n",
        "image: shop/cart:1.4.2\n          imagePullPolice: Always\n",
    );
    let file = fixed("deploy/cart.yaml", &text);
    assert!(rules_of(&file.applied).contains("MS002"), "{}", file.after);
    assert_eq!(violations(&file), Vec::<String>::new(), "{}", file.after);
    let found = violations(&doctored(
        &file,
        "imagePullPolicy: Always",
        "imagePullPolicy: Never",
    ))
    .join("\n");
    assert!(
        found.contains("imagePullPolice` (`Always`) was removed"),
        "{found}"
    );
    assert!(
        found.contains("imagePullPolicy` was added with `Never`"),
        "{found}"
    );
}

#[test]
fn the_checker_rejects_dockerfile_edits_no_applied_fix_makes() {
    let text = "FROM alpine:3.20\n\n# tools\nRUN apk add curl\nRUN echo built\nCMD node server.js\n";
    let file = fixed("Dockerfile", text);
    assert_eq!(
        file.after,
        "FROM alpine:3.20\n\n# tools\nRUN apk add --no-cache curl\nRUN echo built\nCMD [\"node\", \"server.js\"]\n"
    );
    assert_eq!(violations(&file), Vec::<String>::new());
    let found = violations(&doctored(&file, "echo built", "echo done")).join("\n");
    assert!(
        found.contains(
            "the RUN instruction `RUN echo built` became `RUN echo done`: the word `built` (or one after it) is gone"
        ),
        "{found}"
    );
    assert!(
        found.contains("line 5 `RUN echo built` was changed or removed"),
        "{found}"
    );
    let found = violations(&doctored(&file, "--no-cache curl", "--no-cache wget")).join("\n");
    assert!(
        found.contains("the word `curl` (or one after it) is gone"),
        "{found}"
    );
    let found = violations(&doctored(&file, "FROM alpine:3.20", "FROM alpine:3.21")).join("\n");
    assert!(
        found.contains(
            "the FROM instruction `FROM alpine:3.20` became `FROM alpine:3.21`: which is no edit a fix makes"
        ),
        "{found}"
    );
    let found = violations(&doctored(
        &file,
        "\"node\", \"server.js\"",
        "\"node\", \"app.js\"",
    ))
    .join("\n");
    assert!(
        found.contains(
            "the exec form [\"node\", \"app.js\"] does not hold the words [\"node\", \"server.js\"]"
        ),
        "{found}"
    );
    let found = violations(&doctored(&file, "# tools\n", "")).join("\n");
    assert!(
        found.contains("the comments changed: lost [\"# tools\"]"),
        "{found}"
    );
    assert!(
        found.contains("the text before instruction 2 changed from \"\\n\\n# tools\\n\" to \"\\n\\n\""),
        "{found}"
    );
}

#[test]
fn the_yaml_loader_reads_every_document_with_its_values() {
    let documents = load_yaml("a: 1\n---\n# only a comment\n---\nb: [x, 'y']\nc: &c {d: ~}\ne: *c\n")
        .expect("the stream parses");
    let scalar = |text: &str, plain: bool| Yaml::Scalar(text.to_owned(), plain);
    let map =
        |entries: Vec<(&str, Yaml)>| Yaml::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    assert_eq!(
        documents,
        vec![
            map(vec![("a", scalar("1", true))]),
            Yaml::Null,
            map(vec![
                ("b", Yaml::Seq(vec![scalar("x", true), scalar("y", false)])),
                ("c", map(vec![("d", Yaml::Null)])),
                ("e", map(vec![("d", Yaml::Null)])),
            ]),
        ]
    );
}

#[test]
fn the_checker_rejects_an_appended_document_other_than_the_default_deny_policy() {
    let text = "apiVersion: v1
kind: Namespace
metadata:
  name: billing
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: invoices
  namespace: billing
spec:
  selector:
    matchLabels: { app: invoices }
  template:
    metadata:
      labels: { app: invoices }
    spec:
      containers:
        - name: invoices
          image: shop/invoices:1.0.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: invoices
  namespace: billing
spec:
  podSelector:
    matchLabels: { app: invoices }
  ingress:
    - from: [{ podSelector: { matchLabels: { app: web } } }]
";
    let file = fixed("policies.yaml", text);
    assert!(rules_of(&file.applied).contains("NS002"), "{}", file.after);
    assert_eq!(violations(&file), Vec::<String>::new(), "{}", file.after);
    let found = violations(&doctored(
        &file,
        "policyTypes: [Ingress]",
        "policyTypes: [Ingress, Egress]",
    ))
    .join("\n");
    assert!(
        found.contains("the appended document is not NS002's default-deny NetworkPolicy"),
        "{found}"
    );
    let elsewhere = doctored(
        &file,
        "  namespace: \"billing\"\nspec:\n  podSelector: {}",
        "  namespace: \"shop\"\nspec:\n  podSelector: {}",
    );
    let found = violations(&elsewhere).join("\n");
    assert!(
        found.contains("the appended default-deny policy (namespace Some(\"shop\")) is in a file with no NetworkPolicy of its namespace"),
        "{found}"
    );
}
