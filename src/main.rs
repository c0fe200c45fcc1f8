//! The `mslint` command: arguments, output and exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use mslint::docs;
use mslint::report::{Format, Report};
use mslint::rules::Severity;

const EXAMPLES: &str = "\
Examples:
  mslint                                   check the current directory
  mslint k8s/ services/api/Dockerfile      check some paths
  mslint --format sarif --output mslint.sarif .
  mslint --fail-on warning --select K8S001,K8S002 deploy/
  helm template shop charts/shop | mslint -     check a rendered chart
  mslint rules                             list every rule
  mslint explain K8S002                    show a rule's documentation
  mslint --statistics .                    count findings per rule

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage or I/O error.";

#[derive(Parser)]
#[command(name = "mslint", version, about = "Policy linter for Dockerfiles, Kubernetes, Istio and API-gateway configuration", after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and directories (the default command).
    Check(CheckArgs),
    /// List every rule.
    Rules {
        /// Regenerate docs/rules/*.md and the README rule table in the current directory.
        #[arg(long)]
        write_docs: bool,
    },
    /// Show the documentation of one rule.
    Explain {
        /// Rule id, e.g. K8S002.
        rule: String,
    },
    /// Print a shell completion script (e.g. `mslint completions bash > /etc/bash_completion.d/mslint`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Clone)]
struct CheckArgs {
    /// Files and directories to check; `-` reads a manifest stream from standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format (default: human).
    #[arg(long, short, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Write the report to a file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings (usage and I/O errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Namespace of objects that name none (default: `default`).
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Run the mesh rules even when the scan shows no mesh.
    #[arg(long, value_enum)]
    mesh: Option<MeshArg>,
    /// Namespace of mesh-wide Istio policies (default: `istio-system`).
    #[arg(long, value_name = "NS")]
    istio_root_namespace: Option<String>,
    /// The name standard input is reported under (a `Dockerfile` name reads it as one).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Report only findings a change since this git revision is responsible for (the whole
    /// repository is still read for cross-file rules).
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Check named files alone: do not read the rest of their git repository for cross-file rules.
    #[arg(long)]
    no_context: bool,
}

#[derive(ValueEnum, Clone, Copy)]
enum MeshArg {
    Istio,
}

#[derive(ValueEnum, Clone, Copy)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
    Markdown,
    Html,
}

#[derive(ValueEnum, Clone, Copy)]
enum FailOn {
    Error,
    Warning,
    Note,
    None,
}

#[derive(ValueEnum, Clone, Copy)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => check(cli.check),
        Some(Command::Check(args)) => check(args),
        Some(Command::Rules { write_docs: false }) => print(&docs::rules_listing()),
        Some(Command::Rules { write_docs: true }) => write_docs(),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mslint", &mut script);
            print(&String::from_utf8_lossy(&script))
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let root = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => return usage_error(&format!("cannot read the current directory: {e}")),
    };
    let config = mslint::Config {
        paths: args.paths.clone(),
        root,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        namespace: args.namespace.clone(),
        jobs: args.jobs,
        mesh: mslint::MeshSettings {
            forced: matches!(args.mesh, Some(MeshArg::Istio)),
            root_namespace: args.istio_root_namespace.clone(),
        },
        stdin_filename: args.stdin_filename.clone(),
        repository_context: !args.no_context,
    };
    let changed = match &args.diff_base {
        Some(base) => match mslint::engine::diff_base::ChangedLines::since(base, &config.root) {
            Ok(changed) => Some(changed),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };
    let mut outcome = match mslint::run(&config) {
        Ok(outcome) => outcome,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Some(changed) = &changed {
        let sources = &outcome.sources;
        outcome.findings.retain(|f| changed.keeps(f, sources));
    }
    let rules: Vec<&'static mslint::RuleMeta> = docs::all_rules()
        .into_iter()
        .filter(|m| args.select.is_empty() || args.select.iter().any(|id| id.eq_ignore_ascii_case(m.id)))
        .filter(|m| !args.ignore.iter().any(|id| id.eq_ignore_ascii_case(m.id)))
        .collect();
    let report = Report {
        findings: &outcome.findings,
        rules: &rules,
        sources: &outcome.sources,
        files_checked: outcome.files_checked,
        files_skipped: outcome.files_skipped,
        context_files: outcome.context_files,
        inventory: &outcome.inventory,
    };
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
        FormatArg::Gitlab => Format::Gitlab,
        FormatArg::Junit => Format::Junit,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let text = if args.statistics {
        mslint::report::statistics(&outcome.findings)
    } else {
        report.render(format, color)
    };
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
        }
        None => write_stdout(&text),
    };
    if let Err(message) = written {
        return usage_error(&message);
    }
    if outcome.files_checked == 0 {
        eprintln!("mslint: nothing to check: no Dockerfile or platform manifest found under the given paths");
    } else if format == Format::Human {
        eprintln!("{}", mslint::report::human::summary(&report, outcome.elapsed));
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::None => None,
    };
    let failing = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    if failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        // A closed pipe (`mslint | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| format!("cannot write the report: {e}")),
    }
}

fn print(text: &str) -> ExitCode {
    match write_stdout(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => usage_error(&message),
    }
}

fn explain(id: &str) -> ExitCode {
    match mslint::rules::registry::find(id) {
        Some(rule) => print(&docs::rule_page(rule.meta())),
        None => usage_error(&format!("unknown rule `{id}`; `mslint rules` lists them")),
    }
}

fn write_docs() -> ExitCode {
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all("docs/rules")?;
        for meta in docs::all_rules() {
            std::fs::write(format!("docs/rules/{}.md", meta.id), docs::rule_page(meta))?;
        }
        let readme = std::fs::read_to_string("README.md")?;
        let updated = docs::readme_with_table(&readme).ok_or_else(|| {
            std::io::Error::other(format!(
                "README.md lacks the {} / {} markers",
                docs::TABLE_BEGIN,
                docs::TABLE_END
            ))
        })?;
        std::fs::write("README.md", updated)
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&format!("cannot write the docs: {e}")),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("mslint: error: {message}");
    ExitCode::from(2)
}
