//! Properties every parser and the whole pipeline keep on any input, shared by the property
//! tests and the fuzz targets (`fuzz/`, which includes this file by path): nothing panics,
//! and every span and line/column points at a real position of its own file.

use std::path::Path;
use std::sync::Arc;

use mslint::engine::suppress;
use mslint::parse::dockerfile::{self, Arguments, CommandForm, Instruction, Word};
use mslint::parse::shell;
use mslint::parse::yaml::{self, Node, ScalarMap, Value};
use mslint::source::{FileId, LineIndex, Region, SourceFile, Span};

/// Asserts that `span` lies inside `text`, in order, with both ends on character boundaries,
/// and that its start survives the trip to a line and column and back.
pub fn assert_span(text: &str, span: Span, what: &str) {
    let range = span.range();
    assert!(
        range.start <= range.end && range.end <= text.len(),
        "{what}: {range:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what}: {range:?} splits a character"
    );
    let lines = LineIndex::new(text);
    let (line, column) = lines.line_column(text, range.start);
    assert!(
        line as usize <= lines.line_count(),
        "{what}: line {line} past the end"
    );
    assert!(
        column as usize <= line_length(text, &lines, line) + 1,
        "{what}: column {column} past the end of line {line}"
    );
    // An offset inside a line break maps to the end of its line's text, not back to itself.
    if !matches!(text.as_bytes().get(range.start), Some(b'\n' | b'\r')) {
        assert_eq!(
            lines.offset_of(text, line as usize, column as usize - 1),
            range.start,
            "{what}: {line}:{column} does not lead back to byte {}",
            range.start
        );
    }
}

/// The characters of a 1-based line, its line break included: a position may sit on the break
/// or just past it (the end of a file that ends in a carriage return).
fn line_length(text: &str, lines: &LineIndex, line: u32) -> usize {
    let start = lines.line_start(line as usize);
    let end = if (line as usize) < lines.line_count() {
        lines.line_start(line as usize + 1)
    } else {
        text.len()
    };
    text.get(start..end).map_or(0, |l| l.chars().count())
}

/// The YAML loader: every node and error is located in the text, a plain one-word scalar is
/// its own source, and the source positions of a scalar's lines hold those lines.
pub fn check_yaml(text: &str) {
    let arena = yaml::Arena::new();
    let stream = yaml::parse_stream(&arena, text);
    assert!(stream.documents.len() <= yaml::MAX_DOCUMENTS);
    assert!(
        stream.documents.windows(2).all(|d| d[0].position < d[1].position),
        "document positions out of order"
    );
    for document in &stream.documents {
        check_nodes(text, &document.root);
    }
    for error in &stream.errors {
        assert_span(text, error.span, &format!("YAML error `{}`", error.message));
    }
}

fn check_nodes(text: &str, root: &Node<'_>) {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        assert_span(text, node.span, "YAML node");
        match node.value() {
            Value::Scalar(scalar) => {
                let value = scalar.text();
                if scalar.is_plain() && !value.contains(['\n', ' ']) && !value.is_empty() {
                    assert_eq!(&text[node.span.range()], value, "plain scalar");
                }
                check_scalar_map(text, node, value);
            }
            Value::Sequence(items) => pending.extend(items.iter()),
            Value::Mapping(entries) => {
                for entry in entries.iter() {
                    pending.push(&entry.key);
                    pending.push(&entry.value);
                }
            }
        }
    }
}

fn check_scalar_map(text: &str, node: &Node<'_>, value: &str) {
    let Some(map) = ScalarMap::of(text, node) else {
        return;
    };
    let mut offset = 0;
    for line in value.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if let Some(span) = map.span(offset..offset + content.len()) {
            assert_span(text, span, "scalar line");
            assert_eq!(&text[span.range()], content, "scalar line source");
        }
        offset += line.len();
    }
}

/// The Dockerfile parser: every instruction, keyword, flag, argument, heredoc body and error
/// is located in the text, each keyword span holds its keyword, and stages are in range.
pub fn check_dockerfile(text: &str) {
    let file = dockerfile::parse(text);
    for instruction in &file.instructions {
        check_instruction(text, instruction, file.escape);
    }
    for stage in &file.stages {
        assert!(stage.from < stage.end && stage.end <= file.instructions.len());
        assert_eq!(file.instructions[stage.from].keyword, "FROM");
    }
    for error in &file.errors {
        assert_span(text, error.span, &format!("Dockerfile error `{}`", error.message));
    }
}

fn check_instruction(text: &str, instruction: &Instruction, escape: char) {
    let keyword = instruction.keyword;
    assert_span(text, instruction.span, keyword);
    assert_span(text, instruction.keyword_span, keyword);
    if keyword != "UNKNOWN" {
        let written = &text[instruction.keyword_span.range()];
        assert!(
            joined(written, escape).eq_ignore_ascii_case(keyword),
            "`{written}` read as {keyword}"
        );
    }
    let mut words: Vec<&Word> = Vec::new();
    for flag in &instruction.flags {
        words.push(&flag.name);
        words.extend(&flag.value);
    }
    match &instruction.arguments {
        Arguments::From { image, alias } => {
            words.push(image);
            words.extend(alias);
        }
        Arguments::Command(CommandForm::Exec(items, span)) => {
            assert_span(text, *span, "exec form");
            words.extend(items);
        }
        Arguments::Command(CommandForm::Shell(word)) => words.push(word),
        Arguments::Command(CommandForm::HereDocs(docs)) => words.extend(docs),
        Arguments::Transfer { sources, dest } => {
            words.extend(sources);
            words.push(dest);
        }
        Arguments::Pairs(pairs) => {
            for pair in pairs {
                words.push(&pair.key);
                words.extend(&pair.value);
            }
        }
        Arguments::Onbuild(inner) => check_instruction(text, inner, escape),
        Arguments::Words(items) => words.extend(items),
    }
    for word in words {
        assert_span(text, word.span, &format!("{keyword} argument `{}`", word.text));
    }
    for body in &instruction.inline_heredocs {
        assert_span(text, body.span, "heredoc body");
        assert_eq!(&text[body.span.range()], body.text, "heredoc body source");
    }
}

/// Dockerfile text with its line continuations joined, as the parser reads it: the escape
/// character at the end of a line, and the blank and comment lines after it, are left out.
fn joined(written: &str, escape: char) -> String {
    let mut out = String::new();
    let mut lines = written.split_inclusive('\n');
    while let Some(line) = lines.next() {
        let Some(continued) = line
            .trim_end()
            .strip_suffix(escape)
            .filter(|_| line.ends_with('\n'))
        else {
            out.push_str(line);
            continue;
        };
        out.push_str(continued);
        let mut rest = lines.clone();
        while rest.clone().next().is_some_and(|next| {
            let next = next.trim_start();
            next.is_empty() || next.starts_with('#')
        }) {
            rest.next();
        }
        lines = rest;
    }
    out
}

/// The shell splitter, on `script` as if it started at byte `base` of its file: words are
/// located inside the script in order, and a word written without quotes or escapes is its
/// own source.
pub fn check_shell(script: &str, base: usize, escape: char) {
    let mut previous_end = base;
    for command in shell::split(script, base, escape) {
        assert!(!command.words.is_empty(), "a command without words");
        for word in &command.words {
            let span = word.span;
            assert!(
                span.start as usize >= previous_end,
                "word `{}` at {span:?} overlaps the one before",
                word.text
            );
            let local = Span::new(span.start as usize - base, span.end as usize - base);
            assert_span(script, local, &format!("shell word `{}`", word.text));
            let written = &script[local.range()];
            if !written.contains(['\'', '"', '\\', escape]) {
                assert_eq!(written, word.text, "unquoted shell word");
            }
            previous_end = span.end as usize;
        }
    }
}

/// The suppression comments of `text`: each rule id is located where it is written, on the
/// comment's line, and the line a comment silences is that line or a later one.
pub fn check_suppressions(text: &str, dockerfile: bool) {
    let path: Arc<str> = Arc::from("file");
    let lines = LineIndex::new(text);
    for found in suppress::comments(FileId(0), &path, text, dockerfile) {
        let Some((_, first)) = found.ids().first() else {
            panic!("a suppression naming no rule id");
        };
        let line = lines.line_column(text, first.start as usize).0;
        for (id, span) in found.ids() {
            assert_span(text, *span, &format!("suppressed id `{id}`"));
            assert_eq!(&text[span.range()], id, "suppressed id source");
            assert_eq!(lines.line_column(text, span.start as usize).0, line);
        }
        if let Some(target) = found.line() {
            assert!(
                target >= line && target as usize <= lines.line_count() + 1,
                "a comment on line {line} silences line {target}"
            );
        }
    }
}

/// Asserts that both ends of `region` are real positions of `source`: a line of the file, and a
/// column at most one past that line's last character.
fn assert_region(source: &SourceFile, region: Region, path: &str) {
    let text = source.text.as_str();
    for (line, column) in [
        (region.start_line, region.start_column),
        (region.end_line, region.end_column),
    ] {
        assert!(
            line >= 1 && line as usize <= source.lines.line_count(),
            "{path}: line {line} of {region:?} is not in the file"
        );
        assert!(
            column >= 1 && column as usize <= line_length(text, &source.lines, line) + 1,
            "{path}: column {column} of {region:?} is past the end of line {line}"
        );
    }
    assert!((region.start_line, region.start_column) <= (region.end_line, region.end_column));
}

/// Runs the whole pipeline on the files under `dir` with `jobs` workers and checks every
/// finding: no internal error (a panic the engine caught), and every location, primary or
/// related, inside its own file. Returns the findings for comparison between runs.
pub fn check_pipeline(dir: &Path, jobs: usize) -> Vec<mslint::Finding> {
    let config = mslint::Config {
        paths: vec![dir.to_path_buf()],
        root: dir.to_path_buf(),
        jobs: Some(jobs),
        ..Default::default()
    };
    let outcome = mslint::run(&config).expect("the scan runs");
    for finding in &outcome.findings {
        assert!(
            !finding.message.contains("internal error"),
            "{}: {}",
            finding.path,
            finding.message
        );
        let source = outcome
            .sources
            .iter()
            .find(|s| s.path == finding.path)
            .expect("a finding in a file of the scan");
        assert_span(
            &source.text,
            finding.span,
            &format!("{} finding", finding.rule.id),
        );
        assert_region(source, finding.region, &finding.path);
        for related in &finding.related {
            let other = outcome
                .sources
                .iter()
                .find(|s| s.path == related.path)
                .expect("a related location in a file of the scan");
            assert_region(other, related.region, &related.path);
        }
    }
    outcome.findings
}
