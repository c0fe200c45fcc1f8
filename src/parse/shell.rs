//! Splitting shell scripts (`RUN` lines, heredocs) into simple commands with located words.
//!
//! Not a shell: enough of POSIX quoting, escapes, line continuations and the `&&`, `||`, `;`,
//! `|` and newline operators to tell which program runs with which arguments, and where.

use crate::source::Span;

/// How a command is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joiner {
    /// First command of the script.
    Start,
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `;`, `&` or a newline.
    Sequence,
    /// `|`: its standard input is the previous command's output.
    Pipe,
}

/// One word of a command, unquoted, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// The word with quotes and escapes removed.
    pub text: String,
    /// Its source span (including quotes).
    pub span: Span,
}

/// A simple command: words up to the next operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// How it joins the previous command.
    pub joiner: Joiner,
    /// Its words, leading `NAME=value` assignments included.
    pub words: Vec<ShellWord>,
}

impl ShellCommand {
    /// The words after leading variable assignments, here-documents, a leading `sudo`, `exec`
    /// or `env`, and the shell keywords that may open a command (`if`, `then`, `else`, `elif`,
    /// `do`, `while`, `until`, `!`, `time`), so `if …; then apt-get install …` runs `apt-get`.
    pub fn argv(&self) -> &[ShellWord] {
        let mut rest = self.words.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            let assignment = first.text.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            let keyword = matches!(
                first.text.as_str(),
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "time"
            );
            // A here-document written before its command (`<<EOF cat > /etc/motd`) is its input.
            let heredoc = first.text.starts_with("<<");
            if assignment
                || keyword
                || heredoc
                || matches!(first.text.as_str(), "sudo" | "exec" | "env" | "command" | "nohup")
            {
                rest = tail;
            } else {
                break;
            }
        }
        rest
    }

    /// The program run, without its directory (`/usr/bin/curl` → `curl`).
    pub fn program(&self) -> Option<&str> {
        let first = self.argv().first()?;
        Some(first.text.rsplit('/').next().unwrap_or(&first.text))
    }

    /// The arguments after the program.
    pub fn args(&self) -> &[ShellWord] {
        self.argv().get(1..).unwrap_or_default()
    }

    /// Whether an argument equals `flag` or, for a long flag, starts with `flag=`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args()
            .iter()
            .any(|w| w.text == flag || (flag.starts_with("--") && w.text.starts_with(&format!("{flag}="))))
    }

    /// The span from the first to the last word.
    pub fn span(&self) -> Span {
        self.words
            .iter()
            .map(|w| w.span)
            .reduce(Span::cover)
            .unwrap_or_default()
    }
}

/// Splits `script`, which starts at byte `base` of its file.
pub fn split(script: &str, base: usize, escape: char) -> Vec<ShellCommand> {
    let mut commands = Vec::new();
    let mut words: Vec<ShellWord> = Vec::new();
    let mut joiner = Joiner::Start;
    let mut word = String::new();
    let mut word_start: Option<usize> = None;
    let mut chars = script.char_indices().peekable();
    let span = |start: usize, end: usize| Span::new(base + start, base + end);

    macro_rules! end_word {
        ($end:expr) => {
            if let Some(start) = word_start.take() {
                words.push(ShellWord {
                    text: std::mem::take(&mut word),
                    span: span(start, $end),
                });
            }
        };
    }
    macro_rules! end_command {
        ($next:expr) => {
            if !words.is_empty() {
                commands.push(ShellCommand {
                    joiner,
                    words: std::mem::take(&mut words),
                });
                joiner = $next;
            } else if $next == Joiner::Pipe && joiner != Joiner::Start {
                // `a &&` then a newline keeps `&&`; only a pipe is stronger.
                joiner = Joiner::Pipe;
            }
        };
    }

    while let Some((i, c)) = chars.next() {
        match c {
            c if c == escape => match chars.peek().copied() {
                Some((_, '\n')) => {
                    chars.next();
                }
                Some((_, '\r')) => {
                    chars.next();
                    if matches!(chars.peek(), Some((_, '\n'))) {
                        chars.next();
                    }
                }
                Some((_, next)) => {
                    word_start.get_or_insert(i);
                    word.push(next);
                    chars.next();
                }
                None => {}
            },
            '\'' | '"' => {
                word_start.get_or_insert(i);
                let quote = c;
                while let Some((_, inner)) = chars.next() {
                    if inner == quote {
                        break;
                    }
                    if quote == '"' && inner == '\\' {
                        if let Some((_, escaped)) = chars.next() {
                            if !matches!(escaped, '"' | '\\' | '$' | '`' | '\n') {
                                word.push('\\');
                            }
                            if escaped != '\n' {
                                word.push(escaped);
                            }
                        }
                        continue;
                    }
                    word.push(inner);
                }
            }
            '#' if word_start.is_none() => {
                // A comment runs to the end of the line.
                while let Some((_, inner)) = chars.peek().copied() {
                    if inner == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            // A heredoc written with CRLF line endings keeps its `\r`s; they end a word, and the
            // `\n` after them ends the command.
            ' ' | '\t' | '\r' => end_word!(i),
            '\n' | ';' => {
                end_word!(i);
                end_command!(Joiner::Sequence);
            }
            '&' | '|' => {
                end_word!(i);
                let doubled = matches!(chars.peek(), Some((_, next)) if *next == c);
                if doubled {
                    chars.next();
                }
                let next = match (c, doubled) {
                    ('&', true) => Joiner::And,
                    ('|', true) => Joiner::Or,
                    ('|', false) => Joiner::Pipe,
                    _ => Joiner::Sequence,
                };
                end_command!(next);
            }
            '(' | ')' | '{' | '}' if word_start.is_none() => {
                end_command!(Joiner::Sequence);
            }
            _ => {
                word_start.get_or_insert(i);
                word.push(c);
            }
        }
    }
    end_word!(script.len());
    if !words.is_empty() {
        commands.push(ShellCommand { joiner, words });
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(script: &str) -> Vec<(Joiner, String, Vec<String>)> {
        split(script, 0, '\\')
            .into_iter()
            .map(|c| {
                let program = c.program().unwrap_or("").to_owned();
                let args = c.args().iter().map(|w| w.text.clone()).collect();
                (c.joiner, program, args)
            })
            .collect()
    }

    #[test]
    fn operators_split_commands_and_keep_their_joiner() {
        let found = programs(
            "apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*; curl -fsSL https://x.sh | sh",
        );
        let joiners: Vec<_> = found.iter().map(|c| c.0).collect();
        assert_eq!(
            joiners,
            [
                Joiner::Start,
                Joiner::And,
                Joiner::And,
                Joiner::Sequence,
                Joiner::Pipe
            ]
        );
        assert_eq!(found[1].1, "apt-get");
        assert_eq!(found[1].2, ["install", "-y", "curl"]);
        assert_eq!(found[4].1, "sh");
    }

    #[test]
    fn quotes_are_removed_and_spans_cover_the_source() {
        let script = r#"echo "a b" 'c' d\ e"#;
        let commands = split(script, 10, '\\');
        let words: Vec<_> = commands[0]
            .words
            .iter()
            .map(|w| {
                (
                    w.text.as_str(),
                    w.span.start as usize - 10,
                    w.span.end as usize - 10,
                )
            })
            .collect();
        assert_eq!(
            words,
            [("echo", 0, 4), ("a b", 5, 10), ("c", 11, 14), ("d e", 15, 19)]
        );
    }

    #[test]
    fn assignments_sudo_and_paths_do_not_hide_the_program() {
        let found = programs("DEBIAN_FRONTEND=noninteractive sudo /usr/bin/apt-get install -y x");
        assert_eq!(found[0].1, "apt-get");
    }

    #[test]
    fn shell_keywords_do_not_hide_the_program() {
        let found = programs(
            "if [ -n \"$X\" ]; then apt-get install -y curl; elif ! time pip install x; then :; \
             else apk add y; fi; while true; do sleep 1; done; until false; do DEBIAN_FRONTEND=x apt-get update; done",
        );
        let names: Vec<_> = found.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(
            names,
            [
                "[", "apt-get", "pip", ":", "apk", "fi", "true", "sleep", "done", "false", "apt-get", "done"
            ]
        );
        assert_eq!(found[1].2, ["install", "-y", "curl"]);
        assert_eq!(found[2].2, ["install", "x"]);
    }

    #[test]
    fn carriage_returns_end_words_like_blanks() {
        let found =
            programs("apt-get update\r\napt-get install -y --no-install-recommends\r\ncurl -s x | sh\r\n");
        assert_eq!(found.len(), 4);
        assert_eq!(found[0].2, ["update"]);
        assert_eq!(found[1].2, ["install", "-y", "--no-install-recommends"]);
        assert_eq!((found[3].0, found[3].1.as_str()), (Joiner::Pipe, "sh"));
    }

    #[test]
    fn comments_and_operators_inside_quotes_are_ignored() {
        let found = programs("echo 'a && b' # trailing && comment\nls");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].2, ["a && b"]);
    }
}
