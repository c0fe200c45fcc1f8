//! DF006 shell-form-entrypoint.
use crate::fix::{Applicability, Edit, Fix};
use crate::parse::dockerfile::{Arguments, CommandForm, Instruction};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags the `ENTRYPOINT` or `CMD` in effect in the final stage (the last of each, inherited
    /// through `FROM <earlier stage>`) when it is written in shell form. A shell-form command that
    /// starts with `exec` is fine: the shell replaces itself with the program, which then receives
    /// signals. A shell-form `CMD` under an exec-form `ENTRYPOINT` is flagged too: the entrypoint
    /// receives `/bin/sh -c …` as its arguments.
    ///
    /// ## Why is this bad?
    /// Shell form runs the program under `/bin/sh -c`. The shell is PID 1 and does not forward
    /// SIGTERM, so on every rollout or scale-down the program is killed after the grace period
    /// instead of closing connections and finishing its requests.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD node server.js
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## Fix
    /// Safe: `--fix` writes the command in exec form when it is one plain program with plain
    /// arguments (no variable, quote, escape, glob, redirection, pipe, `&&` or leading
    /// assignment) and the Dockerfile sets no `SHELL`: the program then runs as PID 1, as the
    /// shell would have started it. A `CMD` under an `ENTRYPOINT`, and a shell-form `ENTRYPOINT`
    /// with a `CMD` it ignores today, are left to a person, who says which arguments the
    /// entrypoint takes.
    ///
    /// ## Guideline
    /// Seed 003, "Implementation": graceful shutdown handlers (SIGTERM). Seed 000,
    /// "Containerization".
    pub ShellFormEntrypoint {
        id: "DF006",
        name: "shell-form-entrypoint",
        family: Family::Df,
        severity: Severity::Warning,
        scope: Scope::Dockerfile,
        security: false,
        guideline: "seed 003 §Implementation; seed 000 §Containerization",
        fix: Applicability::Safe,
    }
}

impl Rule for ShellFormEntrypoint {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(stage) = image.final_stage() else {
            return;
        };
        let (entrypoint, cmd) = image.effective_commands(&stage);
        // A shell-form ENTRYPOINT ignores CMD entirely, so only it matters then.
        if let Some((instruction, text)) = entrypoint.and_then(shell_form) {
            out.report(
                instruction.span,
                format!("ENTRYPOINT `{text}` is in shell form, so the process does not receive SIGTERM"),
            )
            .help(format!(
                "write it in exec (JSON) form:\nENTRYPOINT {}",
                OneLine(&exec_form(text))
            ))
            // A shell-form ENTRYPOINT ignores the CMD; in exec form it would take it as its
            // arguments, so it is fixed only where there is none.
            .fix(cmd.is_none().then(|| exec_form_fix(image, instruction)).flatten());
            return;
        }
        let Some((instruction, text)) = cmd.and_then(shell_form) else {
            return;
        };
        let message = match entrypoint {
            Some(_) => format!(
                "CMD `{text}` is in shell form, so the ENTRYPOINT receives `/bin/sh -c {text}` as its arguments"
            ),
            None => {
                format!("CMD `{text}` is in shell form, so the process does not receive SIGTERM")
            }
        };
        // Under an ENTRYPOINT the CMD's words become its arguments: which ones it wants is for a
        // person to say.
        let fix = entrypoint
            .is_none()
            .then(|| exec_form_fix(image, instruction))
            .flatten();
        out.report(instruction.span, message)
            .help(format!(
                "write it in exec (JSON) form:\nCMD {}",
                OneLine(&exec_form(text))
            ))
            .fix(fix);
    }
}

/// The command text of a shell-form instruction that does not `exec` its program.
fn shell_form(instruction: &Instruction) -> Option<(&Instruction, &str)> {
    let Arguments::Command(CommandForm::Shell(command)) = &instruction.arguments else {
        return None;
    };
    let text = command.text.trim();
    // `exec` makes the shell replace itself, so the program becomes PID 1 and gets signals.
    (!text.is_empty() && !text.starts_with("exec ")).then_some((instruction, text))
}

/// The fix that writes a shell-form command in exec form, when the command is one plain program
/// with plain arguments: no variable, quote, escape, glob, redirection, pipe, list or
/// assignment the shell would have read, and no `SHELL` instruction changing the shell.
fn exec_form_fix(image: &Image<'_>, instruction: &Instruction) -> Option<Fix> {
    let Arguments::Command(CommandForm::Shell(command)) = &instruction.arguments else {
        return None;
    };
    let text = command.text.as_str();
    let plain_word = |word: &str| {
        word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'-' | b'='
                )
        })
    };
    let mut words = text.split([' ', '\t']).filter(|w| !w.is_empty());
    let plain = words.clone().all(plain_word)
        && words.next().is_some_and(|program| !program.contains('='))
        && text.trim() == text
        && command.span.end - command.span.start == text.len() as u32;
    let custom_shell = image.shell_changed();
    if !plain || custom_shell {
        return None;
    }
    Fix::safe(
        format!("write {} in exec form", instruction.keyword),
        vec![Edit::replace(command.span, exec_form(text))],
    )
}

fn exec_form(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\\\"")))
        .collect();
    format!("[{}]", words.join(", "))
}
