//! A Dockerfile as conftest gives it to a policy: the list of commands its parser (the Docker
//! frontend's) produces, comments before an instruction included as `comment` commands, so that
//! policies written for conftest see the same values at the same indexes.

use std::collections::BTreeMap;

use crate::parse::dockerfile::{Arguments, CommandForm, Dockerfile, Instruction, LogicalLine, raw_words};
use crate::source::{SourceFile, Span};

/// One command of the input with the place a result about it lands on.
pub(super) struct Command {
    pub value: regorus::Value,
    pub span: Span,
}

/// The commands of a Dockerfile in order. Each is `{"Cmd", "SubCmd", "Flags", "Value", "JSON",
/// "Stage"}` as in conftest, plus `Original`, `StartLine` and `EndLine`.
pub(super) fn commands(dockerfile: &Dockerfile, source: &SourceFile) -> Vec<Command> {
    let text = source.text.as_str();
    let mut out = Vec::with_capacity(dockerfile.instructions.len());
    let mut previous_end = 0usize;
    let mut stage = 0usize;
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        // Comments before a FROM belong to the stage before it, as conftest counts them.
        for (comment, span) in comments_between(text, previous_end, instruction.span.start as usize) {
            out.push(Command {
                value: object(vec![
                    ("Cmd", "comment".into()),
                    ("SubCmd", "".into()),
                    ("Flags", regorus::Value::from(Vec::<regorus::Value>::new())),
                    ("Value", strings(vec![comment.to_owned()])),
                    ("JSON", regorus::Value::Bool(false)),
                    ("Stage", regorus::Value::from(stage as u64)),
                    ("Original", text.get(span.range()).unwrap_or_default().into()),
                    ("StartLine", line_of(source, span).into()),
                    ("EndLine", line_of(source, span).into()),
                ]),
                span,
            });
        }
        if let Some(position) = dockerfile
            .stages
            .iter()
            .position(|s| s.from <= index && index < s.end)
        {
            stage = position;
        }
        out.push(Command {
            value: instruction_value(instruction, stage, dockerfile.escape, source),
            span: instruction.span,
        });
        previous_end = instruction.span.end as usize;
    }
    out
}

/// The comment lines from `start` to `end` as the Docker frontend keeps them before the next
/// instruction: each without its `#`, trimmed; an empty `#` drops those before it.
fn comments_between(text: &str, start: usize, end: usize) -> Vec<(&str, Span)> {
    let mut comments = Vec::new();
    let Some(region) = text.get(start..end) else {
        return comments;
    };
    let mut offset = start;
    for line in region.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim();
            if comment.is_empty() {
                comments.clear();
            } else {
                let from = offset + (content.len() - trimmed.len());
                comments.push((comment, Span::new(from, offset + content.len())));
            }
        }
        offset += line.len();
    }
    comments
}

fn line_of(source: &SourceFile, span: Span) -> u64 {
    u64::from(source.locate(span).start_line)
}

/// One instruction: `Value` holds what the frontend's parser stores for its keyword.
fn instruction_value(
    instruction: &Instruction,
    stage: usize,
    escape: char,
    source: &SourceFile,
) -> regorus::Value {
    let text = source.text.as_str();
    let region = source.locate(instruction.span);
    let flags = instruction
        .flags
        .iter()
        .map(|f| match &f.value {
            Some(value) => format!("--{}={}", f.name.text, value.text),
            None => format!("--{}", f.name.text),
        })
        .collect();
    // ONBUILD reports the instruction it holds, its keyword as SubCmd.
    let (sub_command, held) = match &instruction.arguments {
        Arguments::Onbuild(inner) => (inner.keyword.to_ascii_lowercase(), inner.as_ref()),
        _ => (String::new(), instruction),
    };
    let (value, json) = value_of(held, escape, text);
    object(vec![
        ("Cmd", instruction.keyword.to_ascii_lowercase().into()),
        ("SubCmd", sub_command.into()),
        ("Flags", strings(flags)),
        ("Value", strings(value)),
        ("JSON", regorus::Value::Bool(json)),
        ("Stage", regorus::Value::from(stage as u64)),
        (
            "Original",
            text.get(instruction.span.range()).unwrap_or_default().into(),
        ),
        ("StartLine", u64::from(region.start_line).into()),
        ("EndLine", u64::from(region.end_line).into()),
    ])
}

/// `Value` and `JSON` of one instruction, by its keyword as the frontend's parser splits it.
fn value_of(instruction: &Instruction, escape: char, text: &str) -> (Vec<String>, bool) {
    let after_flags = instruction
        .flags
        .last()
        .map_or(instruction.keyword_span.end, |f| {
            f.value.as_ref().map_or(f.name.span.end, |v| v.span.end)
        });
    let raw = text
        .get(after_flags as usize..instruction.span.end as usize)
        .unwrap_or_default();
    let exec = |words: &[crate::parse::dockerfile::Word]| words.iter().map(|w| w.text.clone()).collect();
    let rest = LogicalLine::read(raw, escape).text;
    let rest = rest.trim();
    let owned = |words: Vec<&str>| words.into_iter().map(str::to_owned).collect();
    match (instruction.keyword, &instruction.arguments) {
        (_, Arguments::Command(CommandForm::Exec(words, _))) => {
            let mut value: Vec<String> = exec(words);
            if instruction.keyword == "HEALTHCHECK" {
                value.insert(0, rest.split_whitespace().next().unwrap_or("CMD").to_owned());
            }
            (value, true)
        }
        ("HEALTHCHECK", _) => match rest.split_once(char::is_whitespace) {
            Some((kind, command)) => (vec![kind.to_owned(), command.trim_start().to_owned()], false),
            None => (vec![rest.to_owned()], false),
        },
        (_, Arguments::Command(_)) => (vec![rest.to_owned()], false),
        (_, Arguments::Transfer { .. }) if rest.starts_with('[') => match &instruction.arguments {
            Arguments::Transfer { sources, dest } => {
                let mut value: Vec<String> = exec(sources);
                value.push(dest.text.clone());
                (value, true)
            }
            _ => (Vec::new(), false),
        },
        ("ENV" | "LABEL", _) => (name_values(rest, escape), false),
        ("FROM" | "EXPOSE" | "ARG" | "COPY" | "ADD" | "VOLUME", _) => (owned(raw_words(rest, escape)), false),
        _ => (vec![rest.to_owned()], false),
    }
}

/// `ENV`/`LABEL` as `[key, value, separator, …]`, values as written: `A=1 B="x y"` gives
/// `["A", "1", "=", "B", "\"x y\"", "="]`, the legacy `A x y` gives `["A", "x y", ""]`.
fn name_values(rest: &str, escape: char) -> Vec<String> {
    let words = raw_words(rest, escape);
    match words.first() {
        Some(first) if !first.contains('=') => {
            let (key, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            vec![key.to_owned(), value.trim_start().to_owned(), String::new()]
        }
        _ => words
            .iter()
            .flat_map(|word| {
                let (key, value) = word.split_once('=').unwrap_or((word, ""));
                [key.to_owned(), value.to_owned(), "=".to_owned()]
            })
            .collect(),
    }
}

fn strings(values: Vec<String>) -> regorus::Value {
    regorus::Value::from(values.into_iter().map(regorus::Value::from).collect::<Vec<_>>())
}

fn object(fields: Vec<(&str, regorus::Value)>) -> regorus::Value {
    regorus::Value::from(
        fields
            .into_iter()
            .map(|(key, value)| (regorus::Value::from(key), value))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<serde_json::Value> {
        let source = SourceFile::new("Dockerfile".to_owned(), text.to_owned());
        let dockerfile = crate::parse::dockerfile::parse(text);
        commands(&dockerfile, &source)
            .into_iter()
            .map(|c| {
                let mut value: serde_json::Value =
                    serde_json::from_str(&c.value.to_json_str().unwrap()).unwrap();
                let fields = value.as_object_mut().unwrap();
                fields.remove("Original");
                fields.remove("EndLine");
                value
            })
            .collect()
    }

    #[test]
    fn each_keyword_is_split_as_the_docker_frontend_splits_it() {
        let found = values(
            "# syntax=docker/dockerfile:1\nFROM --platform=linux/amd64 node:20 AS build\n\
             # deps\n#\n# the build\nRUN apt-get update \\\n    # note\n    && apt-get install -y curl\n\
             ENV A=1 B=\"two words\"\nENV LEGACY x y\nLABEL org.opencontainers.image.source=\"https://x\"\n\
             ARG V=1 W\nCOPY --from=build /app /srv/app\nCOPY [\"a b\", \"/c\"]\nEXPOSE 80/tcp 443\n\
             USER app:app\nWORKDIR /srv/app\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/\n\
             ONBUILD RUN make\nCMD [\"node\", \"server.js\"]\n",
        );
        let short: Vec<(String, String, Vec<String>, bool, u64, u64)> = found
            .iter()
            .map(|v| {
                (
                    v["Cmd"].as_str().unwrap().to_owned(),
                    v["SubCmd"].as_str().unwrap().to_owned(),
                    v["Value"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s.as_str().unwrap().to_owned())
                        .collect(),
                    v["JSON"].as_bool().unwrap(),
                    v["Stage"].as_u64().unwrap(),
                    v["StartLine"].as_u64().unwrap(),
                )
            })
            .collect();
        let row = |cmd: &str, value: &[&str], json: bool, line: u64| {
            (
                cmd.to_owned(),
                String::new(),
                value.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                json,
                0,
                line,
            )
        };
        let mut expected = vec![
            row("comment", &["syntax=docker/dockerfile:1"], false, 1),
            row("from", &["node:20", "AS", "build"], false, 2),
            row("comment", &["the build"], false, 5),
            row(
                "run",
                &["apt-get update     && apt-get install -y curl"],
                false,
                6,
            ),
            row("env", &["A", "1", "=", "B", "\"two words\"", "="], false, 9),
            row("env", &["LEGACY", "x y", ""], false, 10),
            row(
                "label",
                &["org.opencontainers.image.source", "\"https://x\"", "="],
                false,
                11,
            ),
            row("arg", &["V=1", "W"], false, 12),
            row("copy", &["/app", "/srv/app"], false, 13),
            row("copy", &["a b", "/c"], true, 14),
            row("expose", &["80/tcp", "443"], false, 15),
            row("user", &["app:app"], false, 16),
            row("workdir", &["/srv/app"], false, 17),
            row("healthcheck", &["CMD", "curl -f http://localhost/"], false, 18),
            row("onbuild", &["make"], false, 19),
            row("cmd", &["node", "server.js"], true, 20),
        ];
        expected[14].1 = "run".to_owned();
        assert_eq!(short, expected);
        assert_eq!(found[1]["Flags"], serde_json::json!(["--platform=linux/amd64"]));
        assert_eq!(found[8]["Flags"], serde_json::json!(["--from=build"]));
    }
}
