//! Dockerfiles parsed with parse-dockerfile into owned instructions with spans.
//!
//! A syntax error does not end the file: the parser restarts on the next line, so the
//! instructions after a typo are still checked and each error is reported where it is.

mod heredoc;
mod refused;
mod words;

use parse_dockerfile::{Command, HealthcheckArguments, Instruction as Parsed, Source};

use crate::source::{LineIndex, Span};
pub use words::{LogicalLine, Pair, raw_words, split_pairs};

/// Most syntax errors collected from one file before giving up on the rest.
const MAX_ERRORS: usize = 50;
/// Most build stages read from one Dockerfile. Stages are looked up by name and followed from
/// base to base, so their number must stay small; real builds have a few, rarely dozens.
pub const MAX_STAGES: usize = 1_000;
const UTF8_BOM: &str = "\u{feff}";

/// A piece of source text with its unescaped value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The value, unescaped and unquoted.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A `--name=value` flag.
#[derive(Debug, Clone)]
pub struct Flag {
    /// The name without dashes.
    pub name: Word,
    /// The value, if any.
    pub value: Option<Word>,
}

/// How `RUN`, `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` give their command.
#[derive(Debug, Clone)]
pub enum CommandForm {
    /// JSON array, run without a shell.
    Exec(Vec<Word>, Span),
    /// A string run by `/bin/sh -c`.
    Shell(Word),
    /// Here-documents, each a shell script.
    HereDocs(Vec<Word>),
}

impl CommandForm {
    /// The span the whole command covers.
    pub fn span(&self) -> Span {
        match self {
            CommandForm::Exec(_, span) => *span,
            CommandForm::Shell(word) => word.span,
            CommandForm::HereDocs(docs) => docs
                .iter()
                .map(|d| d.span)
                .reduce(Span::cover)
                .unwrap_or_default(),
        }
    }
}

/// What follows an instruction's keyword.
#[derive(Debug, Clone)]
pub enum Arguments {
    /// `FROM [--platform] image [AS name]`.
    From {
        /// The image reference as written (variables unexpanded).
        image: Word,
        /// The stage name after `AS`.
        alias: Option<Word>,
    },
    /// `RUN`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`.
    Command(CommandForm),
    /// `COPY` and `ADD`: sources and destination.
    Transfer {
        /// Source paths or URLs (here-documents are left out).
        sources: Vec<Word>,
        /// The destination.
        dest: Word,
    },
    /// `ENV`, `ARG`, `LABEL`: key/value pairs.
    Pairs(Vec<Pair>),
    /// `ONBUILD <instruction>`.
    Onbuild(Box<Instruction>),
    /// Anything else: the arguments as written.
    Words(Vec<Word>),
}

/// One instruction.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// The keyword in upper case (`RUN`).
    pub keyword: &'static str,
    /// Where the keyword is written.
    pub keyword_span: Span,
    /// From the keyword to the end of its last argument.
    pub span: Span,
    /// Its `--flags`.
    pub flags: Vec<Flag>,
    /// Its arguments.
    pub arguments: Arguments,
    /// Bodies of heredocs opened after the first argument (`RUN cat <<EOF > /etc/motd`).
    pub inline_heredocs: Vec<Word>,
}

impl Instruction {
    /// The value of `--name`, if given.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name.text == name)
    }
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Index of its `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// One past its last instruction.
    pub end: usize,
}

/// A located Dockerfile syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// A parsed Dockerfile.
#[derive(Debug, Default)]
pub struct Dockerfile {
    /// Every instruction in order, global `ARG`s included.
    pub instructions: Vec<Instruction>,
    /// The build stages in order.
    pub stages: Vec<Stage>,
    /// The escape character (`\` unless the `escape` directive says otherwise).
    pub escape: char,
    /// Syntax errors; the instructions around them are still present.
    pub errors: Vec<DockerfileError>,
}

/// Parses a Dockerfile, recovering after each syntax error at the next line.
pub fn parse(text: &str) -> Dockerfile {
    let Some(masked) = heredoc::mask_inline(text, escape_of(text)) else {
        return parse_text(text);
    };
    let mut file = parse_text(&masked.text);
    for (opener, body) in masked.bodies {
        let keyword_at = opener + opener_indent(text, opener);
        // Instructions are in file order: the opener's is found by halving.
        let at = file
            .instructions
            .partition_point(|i| (i.keyword_span.start as usize) < keyword_at);
        if let Some(instruction) = file.instructions.get_mut(at)
            && instruction.keyword_span.start as usize == keyword_at
        {
            instruction.inline_heredocs.push(body);
        }
    }
    if let Some((opener, delimiter)) = masked.unterminated {
        file.errors.push(DockerfileError {
            message: format!("expected end of here-document ({delimiter}), but reached eof"),
            span: rest_of_line(text, opener),
        });
        file.errors.sort_by_key(|e| e.span);
    }
    file
}

/// Spaces before the keyword of the line starting at `offset`.
fn opener_indent(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .map_or(0, |rest| rest.len() - rest.trim_start_matches([' ', '\t']).len())
}

fn parse_text(text: &str) -> Dockerfile {
    let mut file = Dockerfile {
        escape: escape_of(text),
        ..Dockerfile::default()
    };
    let lines = LineIndex::new(text);
    let mut start = 0;
    // Once a FROM line is seen, even one with an error, the lines after it belong to a stage.
    let mut in_stage = false;
    while start < text.len() {
        let Some(error_offset) = parse_from(text, start, in_stage, &mut file) else {
            break;
        };
        if file.errors.len() > MAX_ERRORS {
            // The error past the limit is where reading stops.
            if let Some(past) = file.errors.pop() {
                file.errors.push(DockerfileError {
                    message: format!(
                        "the Dockerfile has more syntax errors than mslint's limit of {MAX_ERRORS}; the rest of the file is not checked"
                    ),
                    span: past.span,
                });
            }
            break;
        }
        let line = lines.line_column(text, error_offset).0 as usize;
        if line >= lines.line_count() {
            break;
        }
        let line_start = lines.line_start(line);
        in_stage = in_stage
            || file.instructions.iter().any(|i| i.keyword == "FROM")
            || opens_stage(&text[line_start..]);
        start = lines.line_start(line + 1);
        let wants_stage = file.errors.last().is_some_and(|e| {
            e.message == "expected FROM" || e.message == "expected at least one FROM instruction"
        });
        if !in_stage && wants_stage {
            // Every line before the first FROM but global ARGs would be the same error again:
            // the next one read is the first FROM or ARG line, if there is one.
            match next_stage_or_arg_line(text, start) {
                Some(from) => start = from,
                None => break,
            }
        }
    }
    file.stages = stages(&file.instructions);
    if let Some(past) = file.stages.get(MAX_STAGES) {
        let cut = past.from;
        file.errors.push(DockerfileError {
            message: format!(
                "the Dockerfile has more build stages than mslint's limit of {MAX_STAGES}; the rest of the file is not checked"
            ),
            span: file.instructions[cut].keyword_span,
        });
        file.errors
            .retain(|e| e.span.start <= file.instructions[cut].keyword_span.start);
        file.instructions.truncate(cut);
        file.stages.truncate(MAX_STAGES);
        if let Some(last) = file.stages.last_mut() {
            last.end = cut;
        }
    }
    file.errors.extend(duplicate_stage_names(&file));
    file.errors.extend(refused::refused(&file));
    file.errors.extend(repeated_directives(text));
    file.errors.sort_by_key(|e| e.span);
    file
}

/// Parses `text[start..]`, appending instructions; returns the offset of a syntax error, if any.
fn parse_from(text: &str, start: usize, in_stage: bool, file: &mut Dockerfile) -> Option<usize> {
    let rest = &text[start..];
    // A restart in the middle of the file must keep the escape character and must not be
    // mistaken for instructions before the first FROM.
    let mut prefix = String::new();
    if start > 0 {
        if file.escape != '\\' {
            prefix.push_str(&format!("# escape={}\n", file.escape));
        }
        if in_stage {
            prefix.push_str("FROM scratch\n");
        }
    }
    let owned;
    let chunk: &str = if prefix.is_empty() {
        rest
    } else {
        owned = format!("{prefix}{rest}");
        &owned
    };
    // The parser skips one byte order mark that opens its input but then misses a parser
    // directive after it; it is given the text after the marks (a file may start with two, a
    // restart line with one).
    let skipped = chunk.len() - chunk.trim_start_matches(UTF8_BOM).len();
    let parsed = chunk.get(skipped..).unwrap_or(chunk);
    let shift = Shift {
        by: (start + skipped) as isize - prefix.len() as isize,
        skip_before: prefix.len(),
        text,
        escape: file.escape,
    };
    let locate = |e: &parse_dockerfile::Error| {
        // Only the lines up to the error are indexed: indexing the whole rest of the file at
        // each restart made a large file with many errors cost as many passes over it.
        let head_end = memchr::memchr_iter(b'\n', parsed.as_bytes())
            .nth(e.line().saturating_sub(1))
            .map_or(parsed.len(), |i| i + 1);
        let head = parsed.get(..head_end).unwrap_or(parsed);
        // The parser counts the column in bytes.
        let mut offset =
            (LineIndex::new(head).line_start(e.line()) + e.column().saturating_sub(1)).min(head.len());
        while !head.is_char_boundary(offset) {
            offset -= 1;
        }
        shift.offset(offset.max(shift.skip_before))
    };
    let iter = match parse_dockerfile::parse_iter(parsed) {
        Ok(iter) => iter,
        Err(e) => {
            let at = locate(&e);
            file.errors.push(error_at(text, at, e.to_string()));
            return Some(at);
        }
    };
    for item in iter {
        match item {
            Ok(parsed) => {
                let instruction = convert(&parsed, &shift);
                if instruction.keyword_span.start as usize >= start {
                    file.instructions.push(instruction);
                }
            }
            Err(e) => {
                let at = locate(&e);
                let staged = in_stage || file.instructions.iter().any(|i| i.keyword == "FROM");
                match cleared_entrypoint(text, at).filter(|_| staged) {
                    Some(instruction) => file.instructions.push(instruction),
                    None => file.errors.push(error_at(text, at, e.to_string())),
                }
                return Some(at);
            }
        }
    }
    None
}

/// `ENTRYPOINT []` at `at`, which the parser refuses for want of an argument: BuildKit takes it,
/// and it clears the entrypoint an image inherits.
fn cleared_entrypoint(text: &str, at: usize) -> Option<Instruction> {
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |n| n + 1);
    if !text[line_start..at]
        .trim_start_matches(UTF8_BOM)
        .trim_matches([' ', '\t'])
        .is_empty()
    {
        // Not the line's instruction: an `ONBUILD ENTRYPOINT []` is refused as written.
        return None;
    }
    let line = text.get(at..)?.split(['\n', '\r']).next()?;
    let keyword = line.get(..10).filter(|k| k.eq_ignore_ascii_case("ENTRYPOINT"))?;
    let arguments = line[keyword.len()..].trim_matches([' ', '\t']);
    let inside = arguments.strip_prefix('[')?.strip_suffix(']')?;
    if !line[keyword.len()..].starts_with([' ', '\t']) || !inside.trim_matches([' ', '\t']).is_empty() {
        return None;
    }
    let brackets_start = at + line.find('[')?;
    let end = brackets_start + arguments.len();
    Some(Instruction {
        keyword: "ENTRYPOINT",
        keyword_span: Span::new(at, at + keyword.len()),
        span: Span::new(at, end),
        flags: Vec::new(),
        arguments: Arguments::Command(CommandForm::Exec(Vec::new(), Span::new(brackets_start, end))),
        inline_heredocs: Vec::new(),
    })
}

fn error_at(text: &str, offset: usize, message: String) -> DockerfileError {
    let message = strip_position(&message);
    // A here-document, or the quote of its delimiter, that never ends is reported where it
    // opens, not where the file ends.
    let offset = unterminated_heredoc(text, offset, &message)
        .or_else(|| unclosed_delimiter_quote(text, offset, &message))
        .unwrap_or(offset);
    DockerfileError {
        message: plainer(text, offset, message),
        span: rest_of_line(text, offset),
    }
}

/// The parser's message, said plainly where its words mislead.
fn plainer(text: &str, offset: usize, message: String) -> String {
    match message.as_str() {
        // `FROM image AS` with no name, or a third word that is not AS.
        "expected AS" => {
            let rest = text.get(offset..).unwrap_or("");
            let line = rest.split(['\n', '\r']).next().unwrap_or("");
            if line.trim_end().eq_ignore_ascii_case("as") {
                "expected a stage name after AS".to_owned()
            } else {
                "expected `AS name` or the end of the line after the image".to_owned()
            }
        }
        "unknown instruction ''" => "expected an instruction after ONBUILD".to_owned(),
        _ => message,
    }
}

/// Whether a line is a `FROM` instruction.
fn opens_stage(line: &str) -> bool {
    starts_with_keyword(line, "from")
}

/// Whether a line is an instruction of `keyword` (lower case), followed by a blank.
fn starts_with_keyword(line: &str, keyword: &str) -> bool {
    // The blanks the parser skips before an instruction.
    let trimmed = line.trim_start_matches([' ', '\t', '\r', '\u{b}', '\u{c}']);
    trimmed
        .get(..keyword.len())
        .is_some_and(|word| word.eq_ignore_ascii_case(keyword))
        && trimmed[keyword.len()..].starts_with([' ', '\t'])
}

/// The offset of the first `FROM` or `ARG` line at or after `from`.
fn next_stage_or_arg_line(text: &str, from: usize) -> Option<usize> {
    let mut offset = from;
    for line in text.get(from..)?.split_inclusive('\n') {
        if opens_stage(line) || starts_with_keyword(line, "arg") {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// From `offset` to the end of its line.
fn rest_of_line(text: &str, offset: usize) -> Span {
    let offset = offset.min(text.len());
    let end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |n| offset + n);
    Span::new(offset, end)
}

/// For an error about a here-document that never ends ("expected end of here-document (EOF)"),
/// the offset of its last opener (`<<EOF`, `<<-"EOF"`) before `offset`.
fn unterminated_heredoc(text: &str, offset: usize, message: &str) -> Option<usize> {
    let delimiter = message.split_once("here-document (")?.1.split_once(')')?.0;
    last_heredoc_opener(text, offset, |after| {
        after
            .trim_start_matches('-')
            .trim_start_matches(['"', '\''])
            .starts_with(delimiter)
    })
}

/// For a quoted delimiter whose quote is never closed (`RUN <<"EOF`), which the parser reads
/// to the end of the file, the offset of its `<<`.
fn unclosed_delimiter_quote(text: &str, offset: usize, message: &str) -> Option<usize> {
    let quote = message
        .strip_prefix("expected end of quoted string (")?
        .strip_suffix("), but reached eof")?;
    last_heredoc_opener(text, offset, |after| {
        after
            .trim_start_matches('-')
            .strip_prefix(quote)
            .is_some_and(|rest| !rest.split(['\n', '\r']).next().unwrap_or("").contains(quote))
    })
}

/// The offset of the last `<<` before `offset` that the text after it shows to be the opener.
fn last_heredoc_opener(text: &str, offset: usize, opens: impl Fn(&str) -> bool) -> Option<usize> {
    let before = text.get(..offset.min(text.len()))?;
    let mut search = before.len();
    while let Some(at) = before[..search].rfind("<<") {
        if opens(&before[at + 2..]) {
            return Some(at);
        }
        search = at;
    }
    None
}

/// The parser appends "at line N column M"; reports give the position themselves.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The escape character of a Dockerfile: `\\` unless its `escape` directive says otherwise.
fn escape_of(text: &str) -> char {
    let mut escape = None;
    // As the parser reads them: from the first column, an empty value included. A repeated
    // directive, or an escape other than these two, is an error the parser reports once, at
    // the directive; it reads the file with the default.
    for (directive, repeated) in marking_repeats(directives(text).take_while(|directive| !directive.indented))
    {
        if repeated {
            return '\\';
        }
        if directive.name == "escape" {
            escape = directive.value.chars().next();
        }
    }
    escape.filter(|c| matches!(c, '\\' | '`')).unwrap_or('\\')
}

/// A parser directive: `# name=value` at the top of a Dockerfile.
struct Directive<'t> {
    /// The name in lower case.
    name: String,
    value: &'t str,
    line_start: usize,
    /// Blanks come before its `#`.
    indented: bool,
}

/// The parser directives of a Dockerfile: the `# name=value` lines of a name BuildKit knows
/// (`syntax`, `escape`, `check`) before any other line; an unknown name is a comment, which
/// ends them. BuildKit also takes a line with an empty value for a comment, where the parser
/// reads a directive; the parser reads none with blanks before its `#`, where BuildKit does.
fn directives(text: &str) -> impl Iterator<Item = Directive<'_>> {
    let body = text.strip_prefix(UTF8_BOM).unwrap_or(text);
    let mut line = text.len() - body.len();
    body.split_inclusive('\n').map_while(move |raw| {
        let start = line;
        line += raw.len();
        let unindented = raw.trim_start();
        let comment = unindented.strip_prefix('#')?;
        let (name, value) = comment.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        matches!(name.as_str(), "syntax" | "escape" | "check").then(|| Directive {
            name,
            value: value.trim(),
            line_start: start,
            indented: unindented.len() < raw.len(),
        })
    })
}

/// Each directive, and whether one of the same name came before it.
fn marking_repeats<'t>(
    directives: impl Iterator<Item = Directive<'t>>,
) -> impl Iterator<Item = (Directive<'t>, bool)> {
    let mut seen: Vec<String> = Vec::new();
    directives.map(move |directive| {
        let repeated = seen.contains(&directive.name);
        if !repeated {
            seen.push(directive.name.clone());
        }
        (directive, repeated)
    })
}

/// A directive given again, which BuildKit refuses.
fn repeated_directives(text: &str) -> Vec<DockerfileError> {
    // As BuildKit reads them: an empty value is a comment, which ends them.
    marking_repeats(directives(text).take_while(|directive| !directive.value.is_empty()))
        .filter(|(_, repeated)| *repeated)
        .map(|(directive, _)| DockerfileError {
            message: format!(
                "only one `{}` parser directive can be given; the build fails",
                directive.name
            ),
            span: rest_of_line(text, directive.line_start),
        })
        .collect()
}

struct Shift<'t> {
    by: isize,
    skip_before: usize,
    text: &'t str,
    escape: char,
}

impl Shift<'_> {
    fn offset(&self, offset: usize) -> usize {
        (offset as isize + self.by).max(0) as usize
    }
    fn span(&self, range: &std::ops::Range<usize>) -> Span {
        Span::new(self.offset(range.start), self.offset(range.end))
    }
    fn word(&self, s: &parse_dockerfile::UnescapedString<'_>) -> Word {
        Word {
            text: s.value.to_string(),
            span: self.span(&s.span),
        }
    }
    fn pairs(&self, s: &parse_dockerfile::UnescapedString<'_>, legacy_form: bool) -> Vec<Pair> {
        let span = self.span(&s.span);
        split_pairs(
            self.text.get(span.range()).unwrap_or(""),
            span.start as usize,
            self.escape,
            legacy_form,
        )
    }
}

fn convert(parsed: &Parsed<'_>, shift: &Shift<'_>) -> Instruction {
    let mut stdin_bodies = Vec::new();
    let flag = |f: &parse_dockerfile::Flag<'_>| Flag {
        name: shift.word(&f.name),
        value: f.value.as_ref().map(|v| shift.word(v)),
    };
    let (keyword, keyword_span, flags, arguments) = match parsed {
        Parsed::From(i) => (
            "FROM",
            &i.from.span,
            i.options.iter().map(flag).collect(),
            Arguments::From {
                image: shift.word(&i.image),
                alias: i.as_.as_ref().map(|(_, name)| shift.word(name)),
            },
        ),
        Parsed::Run(i) => {
            let bodies: Vec<Word> = i
                .here_docs
                .iter()
                .map(|d| Word {
                    text: d.value.to_string(),
                    span: shift.span(&d.span),
                })
                .collect();
            let form = match command(&i.arguments, shift) {
                form if bodies.is_empty() => form,
                // `RUN <<EOF cat > /etc/motd`: as BuildKit runs it, the line is the command and
                // the body its input, not a script.
                CommandForm::Shell(line) if !line.text.trim().is_empty() => {
                    stdin_bodies = bodies;
                    CommandForm::Shell(line)
                }
                _ => CommandForm::HereDocs(bodies),
            };
            (
                "RUN",
                &i.run.span,
                i.options.iter().map(flag).collect(),
                Arguments::Command(form),
            )
        }
        Parsed::Cmd(i) => (
            "CMD",
            &i.cmd.span,
            vec![],
            Arguments::Command(command(&i.arguments, shift)),
        ),
        Parsed::Entrypoint(i) => (
            "ENTRYPOINT",
            &i.entrypoint.span,
            vec![],
            Arguments::Command(command(&i.arguments, shift)),
        ),
        Parsed::Healthcheck(i) => {
            let arguments = match &i.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => Arguments::Command(command(arguments, shift)),
                _ => Arguments::Words(vec![]),
            };
            (
                "HEALTHCHECK",
                &i.healthcheck.span,
                i.options.iter().map(flag).collect(),
                arguments,
            )
        }
        Parsed::Copy(i) => (
            "COPY",
            &i.copy.span,
            i.options.iter().map(flag).collect(),
            transfer(&i.src, &i.dest, shift),
        ),
        Parsed::Add(i) => (
            "ADD",
            &i.add.span,
            i.options.iter().map(flag).collect(),
            transfer(&i.src, &i.dest, shift),
        ),
        Parsed::Env(i) => (
            "ENV",
            &i.env.span,
            vec![],
            Arguments::Pairs(shift.pairs(&i.arguments, true)),
        ),
        Parsed::Arg(i) => (
            "ARG",
            &i.arg.span,
            vec![],
            Arguments::Pairs(shift.pairs(&i.arguments, false)),
        ),
        Parsed::Label(i) => (
            "LABEL",
            &i.label.span,
            vec![],
            Arguments::Pairs(shift.pairs(&i.arguments, true)),
        ),
        Parsed::User(i) => (
            "USER",
            &i.user.span,
            vec![],
            Arguments::Words(vec![shift.word(&i.arguments)]),
        ),
        Parsed::Workdir(i) => (
            "WORKDIR",
            &i.workdir.span,
            vec![],
            Arguments::Words(vec![shift.word(&i.arguments)]),
        ),
        Parsed::Stopsignal(i) => (
            "STOPSIGNAL",
            &i.stopsignal.span,
            vec![],
            Arguments::Words(vec![shift.word(&i.arguments)]),
        ),
        Parsed::Maintainer(i) => (
            "MAINTAINER",
            &i.maintainer.span,
            vec![],
            Arguments::Words(vec![shift.word(&i.name)]),
        ),
        Parsed::Expose(i) => (
            "EXPOSE",
            &i.expose.span,
            vec![],
            Arguments::Words(i.arguments.iter().map(|w| shift.word(w)).collect()),
        ),
        Parsed::Shell(i) => (
            "SHELL",
            &i.shell.span,
            vec![],
            Arguments::Words(i.arguments.iter().map(|w| shift.word(w)).collect()),
        ),
        Parsed::Volume(i) => {
            let words = match &i.arguments {
                parse_dockerfile::JsonOrStringArray::Json(array) => {
                    array.value.iter().map(|w| shift.word(w)).collect()
                }
                parse_dockerfile::JsonOrStringArray::String(words) => {
                    words.iter().map(|w| shift.word(w)).collect()
                }
            };
            ("VOLUME", &i.volume.span, vec![], Arguments::Words(words))
        }
        Parsed::Onbuild(i) => (
            "ONBUILD",
            &i.onbuild.span,
            vec![],
            Arguments::Onbuild(Box::new(convert(&i.instruction, shift))),
        ),
        _ => ("UNKNOWN", &(0..0), vec![], Arguments::Words(vec![])),
    };
    let keyword_span = shift.span(keyword_span);
    let bodies_end = stdin_bodies
        .iter()
        .map(|body: &Word| body.span.end)
        .max()
        .unwrap_or(0);
    let end = argument_end(&arguments).max(keyword_span.end).max(bodies_end);
    Instruction {
        keyword,
        keyword_span,
        span: Span {
            start: keyword_span.start,
            end,
        },
        flags,
        arguments,
        inline_heredocs: stdin_bodies,
    }
}

fn command(command: &Command<'_>, shift: &Shift<'_>) -> CommandForm {
    match command {
        Command::Exec(array) => CommandForm::Exec(
            array.value.iter().map(|w| shift.word(w)).collect(),
            shift.span(&array.span),
        ),
        Command::Shell(text) => CommandForm::Shell(Word {
            text: text.value.to_owned(),
            span: shift.span(&text.span),
        }),
        _ => CommandForm::HereDocs(Vec::new()),
    }
}

fn transfer(
    sources: &[Source<'_>],
    dest: &parse_dockerfile::UnescapedString<'_>,
    shift: &Shift<'_>,
) -> Arguments {
    let sources = sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(path) => Some(shift.word(path)),
            _ => None,
        })
        .collect();
    Arguments::Transfer {
        sources,
        dest: shift.word(dest),
    }
}

fn argument_end(arguments: &Arguments) -> u32 {
    match arguments {
        Arguments::From { image, alias } => alias.as_ref().unwrap_or(image).span.end,
        Arguments::Command(form) => form.span().end,
        Arguments::Transfer { dest, .. } => dest.span.end,
        Arguments::Pairs(pairs) => pairs
            .iter()
            .map(|p| p.value.as_ref().unwrap_or(&p.key).span.end)
            .max()
            .unwrap_or(0),
        Arguments::Onbuild(inner) => inner.span.end,
        Arguments::Words(words) => words.iter().map(|w| w.span.end).max().unwrap_or(0),
    }
}

fn stages(instructions: &[Instruction]) -> Vec<Stage> {
    let starts: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "FROM")
        .map(|(n, _)| n)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &from)| Stage {
            from,
            end: starts.get(n + 1).copied().unwrap_or(instructions.len()),
        })
        .collect()
}

fn duplicate_stage_names(file: &Dockerfile) -> Vec<DockerfileError> {
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for stage in &file.stages {
        let Some(Instruction {
            arguments: Arguments::From {
                alias: Some(alias), ..
            },
            ..
        }) = file.instructions.get(stage.from)
        else {
            continue;
        };
        if !seen.insert(alias.text.to_ascii_lowercase()) {
            errors.push(DockerfileError {
                message: format!("duplicate stage name `{}`; the build fails", alias.text),
                span: alias.span,
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, span: Span) -> u32 {
        LineIndex::new(text).line_column(text, span.start as usize).0
    }

    #[test]
    fn instructions_and_stages_keep_their_spans() {
        let text = "ARG BASE=alpine\nFROM golang:1.22 AS build\nRUN go build ./...\nFROM ${BASE}\nUSER app\nCMD [\"/app\"]\n";
        let file = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.stages.len(), 2);
        let user = &file.instructions[4];
        assert_eq!(user.keyword, "USER");
        assert_eq!(&text[user.span.range()], "USER app");
        let Arguments::From {
            alias: Some(alias), ..
        } = &file.instructions[1].arguments
        else {
            panic!("FROM with alias")
        };
        assert_eq!(&text[alias.span.range()], "build");
    }

    #[test]
    fn an_unknown_instruction_is_reported_and_the_rest_still_parsed() {
        let text = "FROM alpine:3.20\nFROBNICATE now\nUSER app\nRUN echo hi\n";
        let file = parse(text);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(line_of(text, file.errors[0].span), 2);
        let keywords: Vec<_> = file.instructions.iter().map(|i| i.keyword).collect();
        assert_eq!(keywords, ["FROM", "USER", "RUN"]);
        assert_eq!(line_of(text, file.instructions[1].span), 3);
    }

    #[test]
    fn duplicate_stage_names_point_at_the_second_name() {
        let text = "FROM alpine:3.20 AS base\nFROM alpine:3.20 AS Base\n";
        let file = parse(text);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(&text[file.errors[0].span.range()], "Base");
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_spans() {
        let text = "\u{feff}FROM alpine:3.20\nUSER app\n";
        let file = parse(text);
        assert_eq!(&text[file.instructions[1].span.range()], "USER app");
        let twice = "\u{feff}\u{feff}FROM alpine:3.20\nUSER app\n";
        assert_eq!(&twice[parse(twice).instructions[1].span.range()], "USER app");
    }

    #[test]
    fn an_escape_directive_after_a_byte_order_mark_is_obeyed() {
        let text = "\u{feff}# escape=`\nFROM alpine:3.20\nRUN echo a `\n  b\nUSER app\n";
        let file = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let keywords: Vec<_> = file.instructions.iter().map(|i| i.keyword).collect();
        assert_eq!(keywords, ["FROM", "RUN", "USER"]);
    }

    #[test]
    fn a_run_with_a_leading_heredoc_and_more_parses_them_all() {
        let text = "FROM alpine:3.20\nRUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\nUSER app\n";
        let file = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let keywords: Vec<_> = file.instructions.iter().map(|i| i.keyword).collect();
        assert_eq!(keywords, ["FROM", "RUN", "USER"]);
        let run = &file.instructions[1];
        // The command is the line, `cat` reads the bodies: they are its input, not scripts.
        let Arguments::Command(CommandForm::Shell(line)) = &run.arguments else {
            panic!("a shell command")
        };
        assert_eq!(line.text.trim(), "cat > file1 && <<FILE2 cat > file2");
        let bodies: Vec<&str> = run
            .inline_heredocs
            .iter()
            .map(|b| &text[b.span.range()])
            .collect();
        assert_eq!(bodies, ["I am\nfirst\n", "I am\nsecond\n"]);
        assert_eq!(
            &text[run.span.range()],
            "RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\n"
        );
        // Alone on its line, the heredoc is the script.
        let script = parse("FROM alpine:3.20\nRUN <<EOF\napk add curl\nEOF\n");
        assert!(
            matches!(&script.instructions[1].arguments, Arguments::Command(CommandForm::HereDocs(docs))
            if docs.len() == 1 && docs[0].text == "apk add curl\n")
        );
    }

    #[test]
    fn the_escape_directive_survives_recovery() {
        let text = "# escape=`\nFROM alpine:3.20\nBOGUS x\nRUN echo a `\n  b\n";
        let file = parse(text);
        assert_eq!(file.escape, '`');
        assert_eq!(file.errors.len(), 1);
        let run = file.instructions.last().unwrap();
        assert_eq!(run.keyword, "RUN");
        assert_eq!(line_of(text, run.span), 4);
    }

    #[test]
    fn an_invalid_escape_directive_is_one_error_at_the_directive() {
        let text = "# escape=x\nFROM alpine:3.20\nUSER app\n";
        let file = parse(text);
        assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
        assert_eq!(line_of(text, file.errors[0].span), 1);
        assert_eq!(file.instructions.len(), 2);
    }

    /// Each error as (line, message).
    fn errors(text: &str) -> Vec<(u32, String)> {
        parse(text)
            .errors
            .into_iter()
            .map(|e| (line_of(text, e.span), e.message))
            .collect()
    }

    #[test]
    fn a_line_opened_by_a_form_feed_or_vertical_tab_is_still_an_instruction() {
        for blank in ['\u{c}', '\u{b}'] {
            let text = format!("FROM alpine\n{blank}RUN cat <<EOF > /f\nhello world\nEOF\nUSER app\n");
            assert_eq!(errors(&text), [], "{text:?}");
        }
    }

    #[test]
    fn a_repeated_directive_is_an_error_and_leaves_the_default_escape() {
        // BuildKit refuses the file; the parser reads on with the default escape.
        let text = "# syntax=docker/dockerfile:1\n# escape=`\n# ESCAPE=\\\nFROM alpine:3.20\nRUN a\n";
        let file = parse(text);
        let only = "only one `escape` parser directive can be given; the build fails".to_owned();
        assert_eq!(errors(text), [(3, only)]);
        assert_eq!((file.escape, file.instructions.len()), ('\\', 2));
        // An unknown directive is a comment and ends the directives, as a blank line does.
        for text in [
            "# escape=`\n# other=1\n# escape=\\\nFROM a\n",
            "# escape=`\n\n# escape=\\\nFROM a\n",
        ] {
            assert_eq!(errors(text), [], "{text}");
        }
        assert_eq!(escape_of("# other=1\n# escape=`\nFROM a\n"), '\\');
        // An empty value is read as a directive, as the parser reads it; an indented one is not.
        assert_eq!(escape_of("# syntax=\n# escape=`\nFROM a\n"), '`');
        assert_eq!(escape_of("# escape=`\n # escape=`\nFROM a\n"), '`');
        assert_eq!(escape_of("# escape=`\n# check=a\n# check=b\nFROM a\n"), '\\');
        // BuildKit takes an empty value for a comment: what follows repeats no directive.
        assert_eq!(errors("# check=\n# check=skip=all\nFROM a\n"), []);
    }

    #[test]
    fn triggers_the_builder_refuses_are_errors_beside_the_parsers_own() {
        let text = "FROM a\nONBUILD FROM b\nONBUILD maintainer me\nONBUILD ONBUILD RUN x\nONBUILD RUN ok\nHEALTHCHECK CMD []\nHEALTHCHECK NONE\n";
        let messages: Vec<(u32, String)> = vec![
            (2, "FROM cannot be an ONBUILD trigger; the build fails".into()),
            (
                3,
                "MAINTAINER cannot be an ONBUILD trigger; the build fails".into(),
            ),
            // These two the parser reports itself.
            (4, "ONBUILD ONBUILD is not allowed".into()),
            (
                6,
                "HEALTHCHECK CMD instruction requires at least one argument".into(),
            ),
        ];
        assert_eq!(errors(text), messages);
    }

    #[test]
    fn a_heredoc_on_a_continued_line_is_read_after_the_whole_instruction() {
        for (text, body) in [
            (
                "FROM a\nRUN apk add curl && \\\n    cat <<EOF > /etc/motd\nhello\nEOF\nUSER b\n",
                "hello\n",
            ),
            (
                "FROM a\nRUN cat \\\n  # a comment\n\n  <<EOF > /x\nsome text\nEOF\nUSER b\n",
                "some text\n",
            ),
            ("FROM a\nRUN cat <<EOF \\\n  > /x\nline\nEOF\nUSER b\n", "line\n"),
            (
                "# escape=`\nFROM a\nRUN echo a `\n    && cat <<EOF > /x\nbody\nEOF\nUSER b\n",
                "body\n",
            ),
        ] {
            let file = parse(text);
            assert!(file.errors.is_empty(), "{text:?}: {:?}", file.errors);
            let keywords: Vec<_> = file.instructions.iter().map(|i| i.keyword).collect();
            assert_eq!(keywords, ["FROM", "RUN", "USER"], "{text:?}");
            let bodies: Vec<_> = file.instructions[1]
                .inline_heredocs
                .iter()
                .map(|b| b.text.as_str())
                .collect();
            assert_eq!(bodies, [body], "{text:?}");
        }
        let text = "FROM a\nRUN echo a \\\n    && cat <<EOF > /x\nbody\nUSER b\n";
        let file = parse(text);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(&text[file.errors[0].span.range()], "<<EOF > /x");
    }

    #[test]
    fn an_empty_entrypoint_clears_it_and_is_no_error() {
        let text = "FROM node:22\nENTRYPOINT [ ]\nCMD node server.js\n";
        let file = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let entrypoint = &file.instructions[1];
        assert_eq!(&text[entrypoint.span.range()], "ENTRYPOINT [ ]");
        assert!(
            matches!(&entrypoint.arguments, Arguments::Command(CommandForm::Exec(words, span))
            if words.is_empty() && &text[span.range()] == "[ ]")
        );
        assert_eq!(file.instructions[2].keyword, "CMD");
        assert_eq!(errors("FROM node:22\nENTRYPOINT\n").len(), 1);
        assert_eq!(
            errors("ENTRYPOINT []\nFROM node:22\n").len(),
            1,
            "before any FROM"
        );
        assert_eq!(
            errors("FROM node:22\nONBUILD ENTRYPOINT []\n").len(),
            1,
            "as a trigger"
        );
    }

    #[test]
    fn a_file_without_from_is_one_error() {
        assert_eq!(
            errors("# a comment\n# another\n\n"),
            [(1, "expected at least one FROM instruction".to_owned())]
        );
        assert_eq!(
            errors("RUN echo hi\nUSER 10001\nCMD [\"sh\"]\n"),
            [(1, "expected FROM".to_owned())]
        );
        // Global ARGs may come first; lines before a later FROM are one error, and the stage is read.
        let text = "ARG V=1\nRUN a\nRUN b\nFROM alpine:${V}\nUSER app\n";
        assert_eq!(errors(text), [(2, "expected FROM".to_owned())]);
        let keywords: Vec<_> = parse(text).instructions.iter().map(|i| i.keyword).collect();
        assert_eq!(keywords, ["ARG", "FROM", "USER"]);
        // A global ARG after a stray line is still read.
        let text = "RUN x\nARG V=latest\nFROM alpine:${V}\nUSER 1000\n";
        let keywords: Vec<_> = parse(text).instructions.iter().map(|i| i.keyword).collect();
        assert_eq!(keywords, ["ARG", "FROM", "USER"]);
    }

    #[test]
    fn a_broken_from_line_is_one_error_not_one_a_line_after_it() {
        let text = "FROM alpine:3.20 AS\nRUN x\nFROM alpine AS b c\nUSER 10001\n";
        assert_eq!(
            errors(text),
            [
                (1, "expected a stage name after AS".to_owned()),
                (3, "expected newline or eof".to_owned())
            ]
        );
        assert_eq!(
            errors("FROM alpine:3.20 extra\n")[0].1,
            "expected `AS name` or the end of the line after the image"
        );
        assert_eq!(
            errors("FROM a\nONBUILD\nUSER b\n"),
            [(2, "expected an instruction after ONBUILD".to_owned())]
        );
    }

    #[test]
    fn errors_after_characters_of_several_bytes_keep_their_column() {
        // The parser gives byte columns: the error lands where it does on a line of ASCII.
        let at = |text: &str| {
            let file = parse(text);
            assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
            text[file.errors[0].span.range()].to_owned()
        };
        let ascii = at("FROM alpine:3.20\nHEALTHCHECK --label=eee CMDX foo\nUSER 1000\n");
        assert!(ascii.ends_with(" foo") && !ascii.contains('='), "{ascii}");
        assert_eq!(
            at("FROM alpine:3.20\nHEALTHCHECK --label=ééé CMDX foo\nUSER 1000\n"),
            ascii
        );
    }

    #[test]
    fn a_quoted_delimiter_never_closed_is_reported_where_it_opens() {
        let text = "FROM alpine:3.20\nRUN <<\"EOF\nx\nEOF\nUSER 10001\n";
        let file = parse(text);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(&text[file.errors[0].span.range()], "<<\"EOF");
    }

    #[test]
    fn past_the_error_limit_the_rest_is_reported_as_unchecked() {
        let text: String = std::iter::once("FROM a\n".to_owned())
            .chain((0..60).map(|n| format!("BAD{n} x\n")))
            .collect();
        let found = errors(&text);
        assert_eq!(found.len(), MAX_ERRORS + 1);
        assert_eq!(found[MAX_ERRORS - 1].0 as usize, MAX_ERRORS + 1);
        let (line, message) = &found[MAX_ERRORS];
        assert_eq!(*line as usize, MAX_ERRORS + 2);
        assert!(
            message.contains("the rest of the file is not checked"),
            "{message}"
        );
        // Exactly as many errors as the limit, then valid lines: nothing is left unchecked.
        let text: String = std::iter::once("FROM a\n".to_owned())
            .chain((0..MAX_ERRORS).map(|n| format!("BAD{n} x\n")))
            .chain(["USER a\n".to_owned(), "USER b\n".to_owned()])
            .collect();
        assert_eq!(errors(&text).len(), MAX_ERRORS);
        assert_eq!(parse(&text).instructions.len(), 3);
    }
}
