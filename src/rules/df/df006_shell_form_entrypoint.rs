//! DF006 shell-form-entrypoint.
use crate::parse::dockerfile::{Arguments, CommandForm, Instruction};
use crate::rules::prelude::*;

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
                exec_form(text)
            ));
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
        out.report(instruction.span, message)
            .help(format!("write it in exec (JSON) form:\nCMD {}", exec_form(text)));
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

fn exec_form(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\\\"")))
        .collect();
    format!("[{}]", words.join(", "))
}
