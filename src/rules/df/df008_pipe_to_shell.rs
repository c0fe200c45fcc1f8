//! DF008 pipe-to-shell.
use crate::model::packages::is_python;
use crate::parse::dockerfile::{Arguments, Instruction};
use crate::parse::shell::{Joiner, ShellCommand, ShellWord};
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a `RUN` (in any stage, and under `ONBUILD`) that runs a downloaded script without
    /// saving it first:
    /// - `curl … | sh`, `wget -qO- … | sudo bash -s -- --flag`: a pipeline in which `curl` or
    ///   `wget` feeds a shell (`sh`, `bash`, `zsh`, `ash`, `dash`, `ksh`) or a script interpreter
    ///   (`python`, `perl`, `ruby`, `node`, `php`) that reads its program from standard input;
    /// - `sh -c "$(curl …)"`, `bash <(curl …)`, `eval "$(wget -qO- …)"`, `. <(curl …)`.
    ///
    /// An interpreter that is given its program another way reads the download as data, not
    /// code, and is not flagged: `curl … | python3 -c 'import json,sys; …'`,
    /// `curl … | python -m json.tool`, `curl … | sh -c 'cat > /tmp/x'`. A script that is
    /// downloaded to a file and then run is not flagged either: that is the fix, since the file
    /// can be checked against a known digest first.
    ///
    /// ## Why is this bad?
    /// The build runs whatever the server sends at that moment, as root, with no way to pin or
    /// verify it: a compromised or changed installer gets into the image silently, and two builds
    /// of the same commit can differ. A connection cut halfway through can run half a script.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// ARG NODESOURCE_SHA256=…
    /// RUN curl -fsSLo /tmp/setup.sh https://deb.nodesource.com/setup_20.x \
    ///  && echo "${NODESOURCE_SHA256}  /tmp/setup.sh" | sha256sum -c - \
    ///  && bash /tmp/setup.sh && rm /tmp/setup.sh
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §12 "Deploy in Containers": Dockerfiles should be minimal and reproducible.
    /// Seed 000, "Security": all container images must pass vulnerability scanning, which an
    /// unverified script run at build time bypasses.
    pub PipeToShell {
        id: "DF008",
        name: "pipe-to-shell",
        family: Family::Df,
        severity: Severity::Warning,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 001 §12 Deploy in Containers; seed 000 §Security",
    }
}

const HELP: &str = "download the script to a file, check its digest, then run it:\n\
    RUN curl -fsSLo /tmp/install.sh <url> \\\n && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh";

impl Rule for PipeToShell {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        for instruction in &image.file.instructions {
            let run = match &instruction.arguments {
                Arguments::Onbuild(inner) if inner.keyword == "RUN" => inner.as_ref(),
                _ if instruction.keyword == "RUN" => instruction,
                _ => continue,
            };
            check_run(image, run, out);
        }
    }
}

fn check_run(image: &Image<'_>, run: &Instruction, out: &mut Findings) {
    let commands = image.commands(run);
    for (index, command) in commands.iter().enumerate() {
        let Some((interpreter, args)) = interpreter(command) else {
            continue;
        };
        let name = program_name(interpreter);
        let invocation = invocation(name, args);
        if let Some(downloader) = substituted_download(invocation.operand) {
            out.report(
                interpreter.span,
                format!("`{name}` runs the output of `{downloader}` as its script, so the build runs whatever the server sends"),
            )
            .help(HELP);
            continue;
        }
        if command.joiner != Joiner::Pipe || !reads_program_from_stdin(name, &invocation) {
            continue;
        }
        if let Some(downloader) = feeding_downloader(&commands[..index]) {
            out.report(
                interpreter.span,
                format!("`{downloader}` output is piped into `{name}`, so the build runs whatever the server sends"),
            )
            .help(HELP);
        }
    }
}

/// The interpreter word of a command and the words after it, past `sudo`'s own options.
fn interpreter(command: &ShellCommand) -> Option<(&ShellWord, &[ShellWord])> {
    let mut argv = command.argv();
    // `sudo -E bash`, `sudo -u app sh`: `argv()` drops `sudo` but not its options.
    while let Some((first, rest)) = argv.split_first() {
        if !first.text.starts_with('-') {
            break;
        }
        argv = match first.text.as_str() {
            "-u" | "-g" | "-C" | "-h" | "-p" => rest.get(1..).unwrap_or_default(),
            _ => rest,
        };
    }
    let (first, rest) = argv.split_first()?;
    let name = program_name(first);
    let known = is_shell(name)
        || is_python(name)
        || matches!(name, "perl" | "ruby" | "node" | "php" | "eval" | "source" | ".");
    known.then_some((first, rest))
}

fn program_name(word: &ShellWord) -> &str {
    word.text.rsplit('/').next().unwrap_or(&word.text)
}

fn is_shell(name: &str) -> bool {
    matches!(name, "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "mksh")
}

/// `curl` or `wget` (also `busybox wget`) anywhere earlier in the same pipeline.
fn feeding_downloader(before: &[ShellCommand]) -> Option<&'static str> {
    for command in before.iter().rev() {
        if let Some(name) = downloader(command) {
            return Some(name);
        }
        if command.joiner != Joiner::Pipe {
            break;
        }
    }
    None
}

fn downloader(command: &ShellCommand) -> Option<&'static str> {
    match command.program()? {
        "curl" => Some("curl"),
        "wget" => Some("wget"),
        "busybox" if command.args().first().is_some_and(|w| w.text == "wget") => Some("wget"),
        _ => None,
    }
}

/// `"$(curl …)"`, `` `wget …` `` or `<(curl …)` as the whole script operand: the download is
/// the script.
fn substituted_download(operand: Option<&ShellWord>) -> Option<&'static str> {
    let text = operand?.text.trim_start();
    let inner = ["$(", "<(", "`"]
        .iter()
        .find_map(|open| text.strip_prefix(open))?;
    let program = inner.split_whitespace().next()?.rsplit('/').next()?;
    match program.trim_end_matches([')', '`']) {
        "curl" => Some("curl"),
        "wget" => Some("wget"),
        _ => None,
    }
}

/// How an interpreter is told where its program is.
struct Invocation<'w> {
    /// `-c`, `-e`, `-m`, `-r`, `--eval`: the program (or module) is an argument.
    inline: bool,
    /// `sh -s`: the program is standard input, the operands are its arguments.
    stdin_flag: bool,
    /// The first operand: the script file, or the inline program.
    operand: Option<&'w ShellWord>,
}

fn invocation<'w>(name: &str, args: &'w [ShellWord]) -> Invocation<'w> {
    let shell = is_shell(name);
    let mut found = Invocation {
        inline: false,
        stdin_flag: false,
        operand: None,
    };
    let mut skip_next = false;
    for (index, word) in args.iter().enumerate() {
        let text = word.text.as_str();
        if skip_next {
            skip_next = false;
            continue;
        }
        if text == "--" {
            continue;
        }
        let short = text
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && !f.starts_with('-'));
        if shell {
            if let Some(flags) = short.or_else(|| text.strip_prefix('+').filter(|f| !f.is_empty())) {
                found.inline |= flags.contains('c');
                found.stdin_flag |= flags.contains('s');
                skip_next = flags.ends_with('o') || flags.ends_with('O');
                continue;
            }
            if text.starts_with("--") {
                skip_next = matches!(text, "--init-file" | "--rcfile");
                continue;
            }
        } else if text.starts_with('-') && text != "-" {
            match text {
                "-c" | "-m" | "-e" | "-E" | "-r" | "-p" | "--eval" | "--print" => found.inline = true,
                "-W" | "-X" | "-I" | "-M" => skip_next = true,
                _ => {}
            }
            if found.inline {
                found.operand = args.get(index + 1);
                return found;
            }
            continue;
        }
        found.operand = Some(word);
        return found;
    }
    found
}

/// Whether the interpreter takes its program from standard input: no inline program, and
/// either `-s`, no script operand, or the operand `-` or `/dev/stdin`.
fn reads_program_from_stdin(name: &str, invocation: &Invocation<'_>) -> bool {
    if matches!(name, "eval" | "source" | ".") || invocation.inline {
        return false;
    }
    invocation.stdin_flag
        || invocation
            .operand
            .is_none_or(|w| w.text == "-" || w.text == "/dev/stdin")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::context::BuildContext;
    use crate::rules::Describe;
    use crate::source::FileId;

    /// The text each finding points at.
    fn flagged(text: &str) -> Vec<String> {
        let file = crate::parse::dockerfile::parse(text);
        let context = BuildContext::default();
        let image = Image::new(&file, &context);
        let index = crate::index::Index::default();
        let mut out = Findings::new(PipeToShell.meta(), FileId(0));
        PipeToShell.check_dockerfile(
            &image,
            &Context {
                index: &index,
                options: &Default::default(),
            },
            &mut out,
        );
        out.into_vec()
            .iter()
            .map(|f| text[f.span.range()].to_owned())
            .collect()
    }

    #[test]
    fn heredoc_scripts_are_checked_line_by_line() {
        let text = "FROM debian:12.5\nRUN <<EOT\nset -e\nwget -O - https://x.sh | bash\nEOT\n";
        assert_eq!(flagged(text), ["bash"]);
    }

    #[test]
    fn a_script_operand_or_inline_program_is_not_stdin() {
        let text = "FROM debian:12.5\nRUN curl -s https://x | bash -o pipefail ./checked.sh\n\
                    RUN curl -s https://x | node -e 'process.stdin.pipe(process.stdout)'\n";
        assert!(flagged(text).is_empty());
    }
}
