//! DF006 shell-form-entrypoint.
use crate::parse::dockerfile::{Arguments, CommandForm};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags the `CMD` or `ENTRYPOINT` in effect in the final stage (the last of each) when it
    /// is written in shell form. A shell-form command that starts with `exec` is fine: the shell
    /// replaces itself with the program, which then receives signals.
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
        for keyword in ["ENTRYPOINT", "CMD"] {
            let Some(instruction) = stage.instructions_named(keyword).last() else {
                continue;
            };
            let Arguments::Command(CommandForm::Shell(command)) = &instruction.arguments else {
                continue;
            };
            let text = command.text.trim();
            if text.is_empty() || text.starts_with("exec ") {
                continue;
            }
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| format!("\"{}\"", w.replace('"', "\\\"")))
                .collect();
            out.report(
                instruction.span,
                format!(
                    "{keyword} `{text}` is in shell form, so the process does not receive SIGTERM"
                ),
            )
            .help(format!(
                "write it in exec (JSON) form:\n{keyword} [{}]",
                words.join(", ")
            ));
        }
    }
}
