//! The `mslint` command: arguments, output and exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
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
    Check(Box<CheckArgs>),
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
    /// Write a commented starter `.mslint.yaml` in the current directory.
    Init,
    /// Work with organisation policies in Rego.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Print a shell completion script (e.g. `mslint completions bash > /etc/bash_completion.d/mslint`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Run the `test_*` rules of the `*_test.rego` files under the folders.
    Test {
        /// Folders (or files) of policies and their tests.
        #[arg(default_value = "rules")]
        folders: Vec<PathBuf>,
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
    /// Lowest severity that makes the exit code 1 [default: error].
    #[arg(long, value_enum, env = "MSLINT_FAIL_ON")]
    fail_on: Option<FailOn>,
    /// Exit 0 even when there are findings (usage and I/O errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', env = "MSLINT_SELECT")]
    select: Vec<String>,
    /// Skip these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', env = "MSLINT_IGNORE")]
    ignore: Vec<String>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Namespace of objects that name none (default: `default`).
    #[arg(long, short = 'n', env = "MSLINT_NAMESPACE")]
    namespace: Option<String>,
    /// Worker threads (default and 0: one per core; at most four per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Run the mesh rules even when the scan shows no mesh.
    #[arg(long, value_enum)]
    mesh: Option<MeshArg>,
    /// Namespace of mesh-wide Istio policies (default: `istio-system`).
    #[arg(long, value_name = "NS", env = "MSLINT_ISTIO_ROOT_NAMESPACE")]
    istio_root_namespace: Option<String>,
    /// Configuration file to use instead of the `.mslint.yaml` found above the paths.
    #[arg(long, value_name = "FILE", env = "MSLINT_CONFIG")]
    config: Option<PathBuf>,
    /// Use no configuration file.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// A folder (or file) of Rego policies to evaluate on every object (repeatable); adds to
    /// the configuration's `policies`.
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,
    /// Print the settings in force and where each comes from, then exit.
    #[arg(long)]
    show_config: bool,
    /// The name standard input is reported under (a `Dockerfile` name reads it as one).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Report only findings a change since this git revision is responsible for (the whole
    /// repository is still read for cross-file rules).
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,
    /// Report only findings this baseline file does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (then report as usual).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Also report the findings that suppressions silence, marked as suppressed.
    #[arg(long)]
    show_suppressed: bool,
    /// In SARIF, include suppressed findings with `suppressions` (GitHub code scanning shows
    /// them as open alerts, so they are left out by default).
    #[arg(long)]
    sarif_suppressed: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Print to standard error where the time of the run went: each phase, and each rule family
    /// (summed over the workers).
    #[arg(long)]
    timings: bool,
    /// Only read and parse the files and report what cannot be parsed (MS000), without running
    /// the rules: the floor a full run's time is measured against.
    #[arg(long, conflicts_with_all = ["select", "ignore"])]
    parse_only: bool,
    /// Check named files alone: do not read the rest of their git repository for cross-file rules.
    #[arg(long)]
    no_context: bool,
    /// Apply the safe fixes of the findings to the files, then report what is left. With
    /// `--diff-base`, only the findings the change is responsible for are fixed.
    #[arg(long, conflicts_with_all = ["parse_only", "baseline", "write_baseline", "statistics"])]
    fix: bool,
    /// With `--fix` or `--diff`, apply the unsafe fixes too: they change what the configuration
    /// does or choose a value a person should check.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Do not apply fixes although the configuration says `fix: true`.
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    no_fix: bool,
    /// Apply only the safe fixes although the configuration says `unsafe-fixes: true`.
    #[arg(long, conflicts_with = "unsafe_fixes")]
    no_unsafe_fixes: bool,
    /// Print the changes the fixes make as a unified diff instead of writing them (with
    /// `--format json`, as line replacements with the fixes behind them; to `--output` when
    /// given), and exit 1 when there is one. On standard output, control characters other than
    /// tabs and CRLF line ends are escaped (`\u{1b}`); `--output` writes the exact patch.
    #[arg(long, conflicts_with_all = ["parse_only", "baseline", "write_baseline", "statistics"])]
    diff: bool,
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
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        None => check(cli.check, &matches),
        Some(Command::Check(args)) => check(*args, matches.subcommand_matches("check").unwrap_or(&matches)),
        Some(Command::Rules { write_docs: false }) => print(&docs::rules_listing()),
        Some(Command::Rules { write_docs: true }) => write_docs(),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Init) => init(),
        Some(Command::Policy {
            action: PolicyAction::Test { folders },
        }) => policy_test(&folders),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mslint", &mut script);
            print(&String::from_utf8_lossy(&script))
        }
    }
}

fn check(args: CheckArgs, matches: &ArgMatches) -> ExitCode {
    let root = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => return usage_error(&format!("cannot read the current directory: {e}")),
    };
    let mut file = match configuration_file(&args, &root) {
        Ok(file) => file,
        Err(message) => return usage_error(&message),
    };
    let filter = match &file {
        Some(file) => {
            let base = file
                .path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(&root);
            let globs = |list: &[mslint::config::Located<String>]| -> Vec<String> {
                list.iter().map(|g| g.value.clone()).collect()
            };
            match mslint::discover::PathFilter::new(base, &globs(&file.include), &globs(&file.exclude)) {
                Ok(filter) => filter,
                Err(e) => return usage_error(&format!("{}: {e}", file.path.display())),
            }
        }
        None => mslint::discover::PathFilter::default(),
    };
    let mut policy_folders = args.policies.clone();
    if let Some(file) = &file {
        let base = file
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(&root);
        // The configuration may come with the repository: it names no policy outside it.
        let boundary = mslint::discover::boundary::boundary_of(&file.path);
        for policy in &file.policies {
            let folder = base.join(&policy.value);
            let outside = boundary
                .as_deref()
                .and_then(|b| mslint::discover::boundary::leads_outside(&folder, b));
            if let Some(target) = outside {
                return usage_error(&format!(
                    "{}: the policy folder `{}` leads to `{}`, outside the configuration's repository; it is not read",
                    policy.at,
                    policy.value,
                    target.display()
                ));
            }
            policy_folders.push(folder);
        }
    }
    let policies = match mslint::policy::Policies::load(&policy_folders) {
        Ok(policies) => policies,
        Err(e) => return usage_error(&e.to_string()),
    };
    let policy_rules = policies
        .iter()
        .flat_map(mslint::policy::Policies::rules)
        .collect::<Vec<_>>();
    if let Some(file) = &mut file {
        let ids: Vec<&'static str> = policy_rules.iter().map(|r| r.id).collect();
        if let Err(e) = file.check_policy_ids(&ids) {
            return usage_error(&e.to_string());
        }
    }
    let settings = Settings::resolve(&args, matches, file.as_ref(), &policy_rules);
    if args.show_config {
        return print(&mslint::source::escape::escape_controls(
            &settings.describe(file.as_ref()),
            true,
        ));
    }
    let config = mslint::Config {
        paths: args.paths.clone(),
        root,
        select: args.select.clone(),
        ignore: settings.ignore.clone(),
        namespace: settings.namespace.value.clone(),
        jobs: args.jobs,
        mesh: mslint::MeshSettings {
            forced: settings.mesh_forced.value,
            root_namespace: settings.istio_root_namespace.value.clone(),
        },
        filter,
        severities: settings.severities.clone(),
        unfixable: settings.unfixable.clone(),
        rule_options: file.as_ref().map(|f| f.rule_options()).unwrap_or_default(),
        policies: policies.clone(),
        stdin_filename: args.stdin_filename.clone(),
        repository_context: !args.no_context,
        timings: args.timings,
        parse_only: args.parse_only,
        contents: Default::default(),
    };
    let rules: Vec<&'static mslint::RuleMeta> = docs::all_rules()
        .into_iter()
        .chain(policy_rules.iter().copied())
        .filter(|m| args.select.is_empty() || args.select.iter().any(|id| id.eq_ignore_ascii_case(m.id)))
        .filter(|m| !settings.ignore.iter().any(|id| id.eq_ignore_ascii_case(m.id)))
        // Reports describe the rules that ran: with `--parse-only`, MS000 alone.
        .filter(|m| !args.parse_only || m.id == mslint::rules::registry::parse_error().id)
        .collect();
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
    // The SARIF log around the results depends on the rules alone: it is rendered while the
    // scan runs, on a core a small scan leaves idle.
    // A thread that cannot start leaves the log to the writer.
    let sarif_log = (format == Format::Sarif && !args.statistics && !args.diff)
        .then(|| {
            let rules = rules.clone();
            std::thread::Builder::new()
                .spawn(move || mslint::report::sarif::log_without_results(&rules))
                .ok()
        })
        .flatten();
    let changed = match &args.diff_base {
        Some(base) => match mslint::engine::diff_base::ChangedLines::since(base, &config.root) {
            Ok(changed) => Some(changed),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };
    // A configuration's `fix: true` stands for `--fix` where `--fix` is allowed.
    let fix_by_configuration = settings.fix.value
        && !(args.parse_only
            || args.statistics
            || args.baseline.is_some()
            || args.write_baseline.is_some()
            || args.paths.iter().any(|p| p.as_os_str() == "-"));
    let mut outcome = if args.fix || args.diff || fix_by_configuration {
        let fixed = match fix(&args, settings.unsafe_fixes.value, &config, changed.as_ref()) {
            Ok(fixed) => fixed,
            Err(message) => return usage_error(&message),
        };
        if args.diff {
            let shown = match args.format {
                FormatArg::Json => fixes_as_json(&fixed, changed.as_ref()),
                _ => fixed
                    .files
                    .iter()
                    .map(mslint::fix::changes::unified_diff)
                    .collect(),
            };
            // A file gets the exact patch; a terminal or CI log no control character raw. JSON
            // escapes them itself, readable as the same text.
            let written = match &args.output {
                Some(path) => std::fs::write(path, &shown)
                    .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
                None if matches!(args.format, FormatArg::Json) => write_stdout(&shown),
                None => write_stdout(&mslint::source::escape::escape_patch(&shown)),
            };
            return match written {
                Ok(()) if fixed.files.is_empty() => ExitCode::SUCCESS,
                Ok(()) => ExitCode::from(1),
                Err(message) => usage_error(&message),
            };
        }
        fixed.outcome
    } else {
        match mslint::run(&config) {
            Ok(outcome) => outcome,
            Err(e) => return usage_error(&e.to_string()),
        }
    };
    if let Some(changed) = &changed {
        let sources = &outcome.sources;
        outcome.findings.retain(|f| changed.keeps(f, sources));
    }
    if let Some(path) = &args.write_baseline {
        let baseline = mslint::engine::baseline::Baseline::of(&outcome.findings);
        if let Err(e) = std::fs::write(path, baseline.to_json()) {
            return usage_error(&format!("cannot write the baseline `{}`: {e}", path.display()));
        }
        eprintln!(
            "mslint: recorded {} findings in {}",
            baseline.findings.len(),
            path.display()
        );
    }
    if let Some(path) = &args.baseline {
        let baseline = match mslint::engine::baseline::Baseline::load(path) {
            Ok(baseline) => baseline,
            Err(message) => return usage_error(&message),
        };
        let fixed = baseline.filter(&mut outcome.findings);
        eprintln!(
            "mslint: baseline {}: {} findings recorded, {fixed} of them fixed; {} new",
            path.display(),
            baseline.findings.len(),
            outcome.findings.len()
        );
    }
    let suppressed = outcome.findings.iter().filter(|f| f.suppressed.is_some()).count();
    let show_suppressed = args.show_suppressed || (format == Format::Sarif && args.sarif_suppressed);
    if !show_suppressed {
        outcome.findings.retain(|f| f.suppressed.is_none());
    }
    // Were it to fail, writing the report renders it again and says why.
    let sarif_log = match sarif_log.map(std::thread::JoinHandle::join) {
        Some(Ok(log)) => log.ok(),
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => None,
    };
    let report = Report {
        findings: &outcome.findings,
        rules: &rules,
        sources: &outcome.sources,
        files_checked: outcome.files_checked,
        files_skipped: outcome.files_skipped,
        context_files: outcome.context_files,
        inventory: &outcome.inventory,
        suppressed,
        sarif_log: sarif_log.as_deref(),
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let write = |out: &mut dyn Write| {
        if args.statistics {
            out.write_all(mslint::report::statistics(&outcome.findings).as_bytes())
        } else {
            report.write(format, color, out)
        }
    };
    let writing_started = std::time::Instant::now();
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::new(file);
                write(&mut out)?;
                out.flush()
            })
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => write_stdout_with(write),
    };
    if let Err(message) = written {
        return usage_error(&message);
    }
    let writing_time = writing_started.elapsed();
    if outcome.files_checked == 0 {
        eprintln!("mslint: nothing to check: no Dockerfile or platform manifest found under the given paths");
    } else if format == Format::Human {
        eprintln!("{}", mslint::report::human::summary(&report, outcome.elapsed));
    }
    if let Some(timings) = &outcome.timings {
        let mut timings = timings.clone();
        timings.phases.push(("report", writing_time));
        eprint!("{}", timings.describe());
    }
    let threshold = match settings.fail_on.value {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::None => None,
    };
    let failing = threshold.is_some_and(|t| {
        outcome
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    // The process ends here: the system takes its memory back at once, while freeing every
    // finding and file text one by one takes a noticeable part of a large run.
    std::mem::forget(outcome);
    if failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The configuration file in force: none with `--isolated`, the one `--config` names, else the
/// first `.mslint.yaml` above the first path (or the current directory).
fn configuration_file(args: &CheckArgs, root: &Path) -> Result<Option<mslint::config::FileConfig>, String> {
    if args.isolated {
        return Ok(None);
    }
    if let Some(path) = &args.config {
        return mslint::config::load(path).map(Some).map_err(|e| e.to_string());
    }
    let start = args
        .paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map_or(root, PathBuf::as_path);
    // Shown relative to the current directory, as every path in a report is.
    let found =
        mslint::config::find(start).map(|found| PathBuf::from(mslint::discover::display(&found, root)));
    found
        .map(|p| mslint::config::load_found(&p).map_err(|e| e.to_string()))
        .transpose()
}

/// A setting in force and where it comes from.
struct Sourced<T> {
    value: T,
    source: String,
}

/// The settings in force: command line, then `MSLINT_*` environment variables, then the
/// configuration file, then the defaults.
struct Settings {
    fail_on: Sourced<FailOn>,
    namespace: Sourced<Option<String>>,
    istio_root_namespace: Sourced<Option<String>>,
    mesh_forced: Sourced<bool>,
    ignore: Vec<String>,
    severities: Vec<(String, Severity)>,
    fix: Sourced<bool>,
    unsafe_fixes: Sourced<bool>,
    unfixable: Vec<String>,
}

impl Settings {
    fn resolve(
        args: &CheckArgs,
        matches: &ArgMatches,
        file: Option<&mslint::config::FileConfig>,
        policy_rules: &[&'static mslint::RuleMeta],
    ) -> Self {
        let from_args = |id: &str| match matches.value_source(id) {
            Some(ValueSource::EnvVariable) => {
                let command = Cli::command();
                let variable = command
                    .get_arguments()
                    .find(|a| a.get_id() == id)
                    .and_then(|a| a.get_env())
                    .map(|name| name.to_string_lossy().into_owned());
                Some(format!("environment {}", variable.unwrap_or_default()))
            }
            Some(ValueSource::CommandLine) => Some("command line".to_owned()),
            _ => None,
        };
        let pick = |id: &str,
                    given: Option<String>,
                    in_file: Option<&mslint::config::Located<String>>|
         -> Sourced<Option<String>> {
            match (given, in_file) {
                (Some(value), _) => Sourced {
                    value: Some(value),
                    source: from_args(id).unwrap_or_default(),
                },
                (None, Some(located)) => Sourced {
                    value: Some(located.value.clone()),
                    source: located.at.clone(),
                },
                (None, None) => Sourced {
                    value: None,
                    source: "default".to_owned(),
                },
            }
        };
        let fail_on = match (args.fail_on, file.and_then(|f| f.fail_on.as_ref())) {
            (Some(value), _) => Sourced {
                value,
                source: from_args("fail_on").unwrap_or_default(),
            },
            (None, Some(located)) => Sourced {
                value: FailOn::from_str(&located.value, true).unwrap_or(FailOn::Error),
                source: located.at.clone(),
            },
            (None, None) => Sourced {
                value: FailOn::Error,
                source: "default".to_owned(),
            },
        };
        let mesh_forced = match (args.mesh, file.and_then(|f| f.mesh.as_ref())) {
            (Some(MeshArg::Istio), _) => Sourced {
                value: true,
                source: "command line".to_owned(),
            },
            (None, Some(located)) => Sourced {
                value: located.value == "istio",
                source: located.at.clone(),
            },
            (None, None) => Sourced {
                value: false,
                source: "default".to_owned(),
            },
        };
        let switch =
            |on: bool, off: bool, in_file: Option<&mslint::config::Located<bool>>| match (on, off, in_file) {
                (true, _, _) | (_, true, _) => Sourced {
                    value: on,
                    source: "command line".to_owned(),
                },
                (false, false, Some(located)) => Sourced {
                    value: located.value,
                    source: located.at.clone(),
                },
                (false, false, None) => Sourced {
                    value: false,
                    source: "default".to_owned(),
                },
            };
        let fix = switch(args.fix, args.no_fix, file.and_then(|f| f.fix.as_ref()));
        let unsafe_fixes = switch(
            args.unsafe_fixes,
            args.no_unsafe_fixes,
            file.and_then(|f| f.unsafe_fixes.as_ref()),
        );
        let mut ignore = args.ignore.clone();
        let mut severities = Vec::new();
        let mut unfixable = Vec::new();
        if let Some(file) = file {
            for rule in mslint::docs::all_rules()
                .into_iter()
                .chain(policy_rules.iter().copied())
            {
                let selected = args.select.iter().any(|id| id.eq_ignore_ascii_case(rule.id));
                if !selected && file.disables(rule.id, rule.family) {
                    ignore.push(rule.id.to_owned());
                }
                if let Some(severity) = file.severity_of(rule.id, rule.family) {
                    severities.push((rule.id.to_owned(), severity));
                }
                if rule.fix.is_some() && file.fixes_off(rule.id, rule.family) {
                    unfixable.push(rule.id.to_owned());
                }
            }
        }
        Settings {
            fail_on,
            namespace: pick(
                "namespace",
                args.namespace.clone(),
                file.and_then(|f| f.namespace.as_ref()),
            ),
            istio_root_namespace: pick(
                "istio_root_namespace",
                args.istio_root_namespace.clone(),
                file.and_then(|f| f.istio_root_namespace.as_ref()),
            ),
            mesh_forced,
            ignore,
            severities,
            fix,
            unsafe_fixes,
            unfixable,
        }
    }

    /// `--show-config`: each setting, its value and where it comes from.
    fn describe(&self, file: Option<&mslint::config::FileConfig>) -> String {
        let mut out = format!(
            "configuration file: {}\n",
            file.map_or("none".to_owned(), |f| f.path.display().to_string())
        );
        // Values may come from a configuration of the repository: one line each, escaped.
        let mut line = |key: &str, value: String, source: &str| {
            let value = mslint::source::escape::escape_controls(&value, false);
            out.push_str(&format!("{key} = {value}  ({source})\n"));
        };
        let fail_on = self
            .fail_on
            .value
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        line("fail-on", fail_on, &self.fail_on.source);
        line(
            "namespace",
            self.namespace
                .value
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            &self.namespace.source,
        );
        line(
            "istio-root-namespace",
            self.istio_root_namespace
                .value
                .clone()
                .unwrap_or_else(|| "istio-system".to_owned()),
            &self.istio_root_namespace.source,
        );
        line(
            "mesh",
            if self.mesh_forced.value { "istio" } else { "auto" }.to_owned(),
            &self.mesh_forced.source,
        );
        line("fix", self.fix.value.to_string(), &self.fix.source);
        line(
            "unsafe-fixes",
            self.unsafe_fixes.value.to_string(),
            &self.unsafe_fixes.source,
        );
        if let Some(file) = file {
            for glob in &file.include {
                line("include", glob.value.clone(), &glob.at);
            }
            for glob in &file.exclude {
                line("exclude", glob.value.clone(), &glob.at);
            }
            for rule in &file.rules {
                let mut parts = Vec::new();
                if let Some(enabled) = rule.enabled {
                    parts.push(if enabled {
                        "on".to_owned()
                    } else {
                        "off".to_owned()
                    });
                }
                if let Some(severity) = rule.severity {
                    parts.push(severity.as_str().to_owned());
                }
                if let Some(fix) = rule.fix {
                    parts.push(format!("fix: {fix}"));
                }
                for (name, value) in &rule.options {
                    parts.push(match value {
                        mslint::rules::OptionValue::Integer(n) => format!("{name}: {n}"),
                        mslint::rules::OptionValue::Strings(list)
                        | mslint::rules::OptionValue::Patterns(list, _) => {
                            format!("{name}: [{}]", list.join(", "))
                        }
                    });
                }
                line(&format!("rules.{}", rule.target), parts.join(", "), &rule.at);
            }
        }
        out
    }
}

fn policy_test(folders: &[PathBuf]) -> ExitCode {
    let results = match mslint::policy::run_tests(folders) {
        Ok(results) => results,
        Err(e) => return usage_error(&e.to_string()),
    };
    let failed = results.iter().filter(|(_, passed)| !passed).count();
    let mut text = String::new();
    for (label, passed) in &results {
        text.push_str(&format!("{} {label}\n", if *passed { "PASS" } else { "FAIL" }));
    }
    text.push_str(&format!(
        "{} tests, {} passed, {failed} failed\n",
        results.len(),
        results.len() - failed
    ));
    if let Err(message) = write_stdout(&text) {
        return usage_error(&message);
    }
    if failed > 0 || results.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn init() -> ExitCode {
    let path = Path::new(mslint::config::FILE_NAMES[0]);
    if path.exists() {
        return usage_error(&format!("`{}` exists already; not overwritten", path.display()));
    }
    match std::fs::write(path, mslint::config::STARTER) {
        Ok(()) => {
            eprintln!("mslint: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&format!("cannot write `{}`: {e}", path.display())),
    }
}

fn write_stdout(text: &str) -> Result<(), String> {
    write_stdout_with(|out| out.write_all(text.as_bytes()))
}

fn write_stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), String> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
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

/// Runs the fix loop; with `--fix`, writes the fixed files. Says on standard error what was
/// fixed and what was not.
fn fix(
    args: &CheckArgs,
    unsafe_fixes: bool,
    config: &mslint::Config,
    changed: Option<&mslint::engine::diff_base::ChangedLines>,
) -> Result<mslint::fix::Fixed, String> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err("--fix and --diff change files: standard input cannot be fixed".to_owned());
    }
    let mode = if unsafe_fixes {
        mslint::fix::FixMode::Unsafe
    } else {
        mslint::fix::FixMode::Safe
    };
    let scope = |finding: &mslint::Finding, sources: &[std::sync::Arc<mslint::source::SourceFile>]| {
        changed.is_none_or(|changed| changed.keeps(finding, sources))
    };
    let fixed = mslint::fix::fix_files(config, mode, scope).map_err(|e| e.to_string())?;
    for dropped in &fixed.dropped {
        eprintln!("mslint: fix not applied: {dropped}");
    }
    if !fixed.settled {
        eprintln!("mslint: fixes kept applying after the last pass; run `mslint --fix` again");
    }
    let files = fixed.files.len();
    let (count, verb) = (fixed.applied(), if args.diff { "would fix" } else { "fixed" });
    if !args.diff {
        // Every file is checked before any is written: a file changed since it was read stops
        // the run with all of them left as they are.
        for file in &fixed.files {
            let current = std::fs::read_to_string(&file.disk)
                .map_err(|e| format!("cannot read `{}`: {e}", file.path))?;
            if current != file.before {
                return Err(format!(
                    "`{}` changed while it was being fixed; run `mslint --fix` again",
                    file.path
                ));
            }
        }
        for file in &fixed.files {
            std::fs::write(&file.disk, &file.after)
                .map_err(|e| format!("cannot write `{}`: {e}", file.path))?;
        }
    }
    eprintln!(
        "mslint: {verb} {count} finding{} in {files} file{}",
        if count == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    );
    Ok(fixed)
}

/// The fixes as JSON: per file, its unified diff and its changes as line replacements, each
/// with the fixes behind it and, with `--diff-base`, whether every line it replaces is one the
/// change touched (a pull-request review can only suggest on those).
fn fixes_as_json(
    fixed: &mslint::fix::Fixed,
    changed: Option<&mslint::engine::diff_base::ChangedLines>,
) -> String {
    #[derive(serde::Serialize)]
    struct Change {
        #[serde(flatten)]
        lines: mslint::fix::changes::LineChange,
        #[serde(skip_serializing_if = "Option::is_none")]
        within_change: Option<bool>,
    }
    #[derive(serde::Serialize)]
    struct File<'a> {
        path: &'a str,
        diff: String,
        changes: Vec<Change>,
    }
    #[derive(serde::Serialize)]
    struct Document<'a> {
        fixes: usize,
        files: Vec<File<'a>>,
    }
    let files = fixed
        .files
        .iter()
        .map(|file| File {
            path: &file.path,
            diff: mslint::fix::changes::unified_diff(file),
            changes: mslint::fix::changes::line_changes(file)
                .into_iter()
                .map(|lines| Change {
                    within_change: changed.map(|c| c.covers(&file.path, lines.start_line, lines.end_line)),
                    lines,
                })
                .collect(),
        })
        .collect();
    let document = Document {
        fixes: fixed.applied(),
        files,
    };
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let mut text = mslint::source::escape::escape_json(&text).into_owned();
    text.push('\n');
    text
}

fn usage_error(message: &str) -> ExitCode {
    // Errors quote paths, settings and names that may come from the repository.
    let message = mslint::source::escape::escape_controls(message, true);
    eprintln!("mslint: error: {message}");
    ExitCode::from(2)
}
