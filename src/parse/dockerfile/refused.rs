//! Instructions the parser reads but the builder refuses before it runs a step: BuildKit
//! checks these forms when it turns the parsed lines into build instructions, so the build
//! fails at them as surely as at a syntax error.

use super::{Arguments, CommandForm, Dockerfile, DockerfileError, Flag, Instruction, Pair, Word};
use crate::source::Span;

/// Every refused form in `file`, in no particular order.
pub(super) fn refused(file: &Dockerfile) -> Vec<DockerfileError> {
    let mut errors = Vec::new();
    for instruction in &file.instructions {
        match (instruction.keyword, &instruction.arguments) {
            ("ONBUILD", Arguments::Onbuild(trigger)) => refused_trigger(trigger, &mut errors),
            ("ENV" | "LABEL", Arguments::Pairs(pairs)) => {
                refused_pairs(instruction.keyword, pairs, &mut errors)
            }
            ("HEALTHCHECK", Arguments::Command(command)) => {
                refused_healthcheck(instruction, command, &mut errors)
            }
            _ => {}
        }
    }
    errors
}

fn refused_trigger(trigger: &Instruction, errors: &mut Vec<DockerfileError>) {
    if matches!(trigger.keyword, "FROM" | "MAINTAINER") {
        errors.push(DockerfileError {
            message: format!(
                "{} cannot be an ONBUILD trigger; the build fails",
                trigger.keyword
            ),
            span: trigger.keyword_span,
        });
    }
}

/// `ENV` and `LABEL` take `name=value` words, or one name and the rest of the line as its value.
fn refused_pairs(keyword: &str, pairs: &[Pair], errors: &mut Vec<DockerfileError>) {
    for (index, pair) in pairs.iter().enumerate() {
        let span = written(&pair.key, pair.value.as_ref());
        let message = match &pair.value {
            _ if pair.key.span.start == pair.key.span.end => {
                format!("{keyword} names can not be blank: write a name before `=`; the build fails")
            }
            None if index == 0 => format!(
                "{keyword} must have two arguments: `{keyword} {name}=value` (or `{keyword} {name} value`); the build fails",
                name = pair.key.text
            ),
            None => format!(
                "{keyword} word `{name}` has no `=`: once one word is `name=value`, every word must be; the build fails",
                name = pair.key.text
            ),
            Some(_) => continue,
        };
        errors.push(DockerfileError { message, span });
    }
}

fn refused_healthcheck(instruction: &Instruction, command: &CommandForm, errors: &mut Vec<DockerfileError>) {
    if let CommandForm::Shell(word) = command
        && word.text.trim().is_empty()
    {
        errors.push(DockerfileError {
            message: "HEALTHCHECK CMD has no command after CMD; the build fails".to_owned(),
            span: instruction.span,
        });
    }
    for flag in &instruction.flags {
        if let Some(message) = refused_healthcheck_flag(flag) {
            // The name's span leaves out the `--` every option starts with.
            let dashes = Span {
                start: flag.name.span.start.saturating_sub(2),
                end: flag.name.span.start,
            };
            errors.push(DockerfileError {
                message,
                span: dashes.cover(written(&flag.name, flag.value.as_ref())),
            });
        }
    }
}

/// Where a name and its value, if it has one, are written.
fn written(name: &Word, value: Option<&Word>) -> Span {
    value.map_or(name.span, |value| name.span.cover(value.span))
}

/// What the builder says of one `HEALTHCHECK` option it cannot read. Options it does not know
/// are left alone (new ones come with new builders), and so are values holding a variable, a
/// quote or an escape (the builder reads them after taking those out).
fn refused_healthcheck_flag(flag: &Flag) -> Option<String> {
    let name = flag.name.text.as_str();
    let is_duration = matches!(name, "interval" | "timeout" | "start-period" | "start-interval");
    if !is_duration && name != "retries" {
        return None;
    }
    let Some(value) = &flag.value else {
        return Some(format!(
            "HEALTHCHECK --{name} has no value: write --{name}=<value>; the build fails"
        ));
    };
    let value = value.text.as_str();
    if value.is_empty() || value.contains(['$', '"', '\'', '\\', '`']) {
        return None;
    }
    if is_duration {
        return match go_duration_nanos(value) {
            None => Some(format!(
                "HEALTHCHECK --{name}={value} is not a duration (write e.g. 30s, 1m30s); the build fails"
            )),
            Some(nanos) if nanos != 0.0 && nanos < 1e6 => Some(format!(
                "HEALTHCHECK --{name}={value} is below the 1ms minimum (0 means the default); the build fails"
            )),
            Some(_) => None,
        };
    }
    match value.parse::<i32>() {
        Ok(retries) if retries < 0 => Some(format!(
            "HEALTHCHECK --retries={value} cannot be negative; the build fails"
        )),
        Ok(_) => None,
        Err(_) => Some(format!(
            "HEALTHCHECK --retries={value} is not a whole number; the build fails"
        )),
    }
}

/// The length of a Go duration (`1h30m`, `1.5s`, `-2ms`, `0`) in nanoseconds, as Go's
/// `time.ParseDuration` reads it; `None` where it refuses the text.
fn go_duration_nanos(text: &str) -> Option<f64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let number = &rest[..number_len];
        if number.bytes().filter(|b| *b == b'.').count() > 1 || !number.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let nanos_per_unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let value: f64 = number.parse().ok()?;
        // Go keeps whole nanoseconds of each part: `0.5ns` is no time.
        total += (value * nanos_per_unit).floor();
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    /// Each error as (the text it covers, message).
    fn refusals(text: &str) -> Vec<(&str, String)> {
        let file = parse(text);
        refused(&file)
            .into_iter()
            .map(|e| (&text[e.span.range()], e.message))
            .collect()
    }

    #[test]
    fn go_durations_are_read_as_go_reads_them() {
        for (text, nanos) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("30s", 30e9),
            ("1m30s", 90e9),
            ("1.5h", 5400e9),
            (".5s", 0.5e9),
            ("5.s", 5e9),
            ("2ms", 2e6),
            ("0.5ns", 0.0),
            ("1h2m3.5s", 3723.5e9),
            ("10us", 10e3),
            ("10\u{b5}s", 10e3),
            ("-2s", -2e9),
        ] {
            assert_eq!(go_duration_nanos(text), Some(nanos), "{text}");
        }
        for text in ["", "-", "30", "abc", "1x", "1..2s", ".s", "s", "1 s", "1S", "0s0"] {
            assert_eq!(go_duration_nanos(text), None, "{text}");
        }
    }

    #[test]
    fn env_and_label_words_the_builder_refuses_are_errors_at_the_word() {
        let text = "FROM a\nENV a\nENV =b\nLABEL =\nENV x=1 y\nLABEL k v w\nENV p=1 q=\"2 3\"\nARG n\nARG m=\n\
            LABEL a=\"1\" \\\n  # b=\"2\" \\\n  c=\"3\"\nENV A=1 \\ \n  B=2\nENV PATH=/a:\\\n/b\n";
        assert_eq!(
            refusals(text),
            [
                ("a", "ENV must have two arguments: `ENV a=value` (or `ENV a value`); the build fails".to_owned()),
                ("=b", "ENV names can not be blank: write a name before `=`; the build fails".to_owned()),
                ("=", "LABEL names can not be blank: write a name before `=`; the build fails".to_owned()),
                ("y", "ENV word `y` has no `=`: once one word is `name=value`, every word must be; the build fails".to_owned()),
            ]
        );
    }

    #[test]
    fn healthcheck_options_the_builder_cannot_read_are_errors_at_the_option() {
        let text = "FROM a\n\
            HEALTHCHECK --interval=abc --timeout=500us --start-period=0 CMD true\n\
            HEALTHCHECK --retries=-1 --start-interval=1m30s --unknown=x CMD true\n\
            HEALTHCHECK --retries=x --interval=$I --timeout CMD true\n\
            HEALTHCHECK --interval=\"30s\" --retries='3' --timeout=0.5ns CMD true\n\
            HEALTHCHECK CMD\n\
            HEALTHCHECK --interval=30s --retries=3 CMD [\"true\"]\n";
        assert_eq!(
            refusals(text),
            [
                ("--interval=abc", "HEALTHCHECK --interval=abc is not a duration (write e.g. 30s, 1m30s); the build fails".to_owned()),
                ("--timeout=500us", "HEALTHCHECK --timeout=500us is below the 1ms minimum (0 means the default); the build fails".to_owned()),
                ("--retries=-1", "HEALTHCHECK --retries=-1 cannot be negative; the build fails".to_owned()),
                ("--retries=x", "HEALTHCHECK --retries=x is not a whole number; the build fails".to_owned()),
                ("--timeout", "HEALTHCHECK --timeout has no value: write --timeout=<value>; the build fails".to_owned()),
                ("HEALTHCHECK CMD", "HEALTHCHECK CMD has no command after CMD; the build fails".to_owned()),
            ]
        );
    }
}
