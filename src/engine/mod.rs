//! The pipeline: discover, read and parse in parallel, index, check in parallel, resolve, sort.

pub mod baseline;
pub mod diff_base;
mod kustomize;
pub mod limits;
pub mod load;
mod panic_guard;
pub mod stdin;
pub mod suppress;
pub mod timings;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discover::{self, DiscoverError};
use crate::index::Index;
pub use crate::index::MeshSettings;
use crate::model::{Image, Workload};
use crate::report::compliance::{Inventory, InventoryWorkload};
pub use crate::report::finding::{Finding, RelatedLocation};
use crate::rules::{Context, Family, Findings, ObjectRef, RawFinding, Rule, RuleMeta, Scope, registry};
use crate::source::{FileId, SourceFile};
use load::{Content, Loaded, Parsed};
use timings::Clock;

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Files and directories to check.
    pub paths: Vec<PathBuf>,
    /// Reports show paths relative to this directory.
    pub root: PathBuf,
    /// Only these rule ids (all when empty).
    pub select: Vec<String>,
    /// Never these rule ids.
    pub ignore: Vec<String>,
    /// The namespace of objects that name none (`default` when `None`).
    pub namespace: Option<String>,
    /// Worker threads (rayon's default when `None`).
    pub jobs: Option<usize>,
    /// How the mesh is set up: whether mesh rules always run, and its root namespace.
    pub mesh: MeshSettings,
    /// Which files are read at all (a configuration's `include` and `exclude`).
    pub filter: discover::PathFilter,
    /// Severities a configuration gives rules, by rule id.
    pub severities: Vec<(String, crate::rules::Severity)>,
    /// Rules whose fixes a configuration turns off (`fix: false`): their findings carry none.
    pub unfixable: Vec<String>,
    /// Options a configuration gives rules.
    pub rule_options: crate::rules::RuleOptions,
    /// Organisation policies in Rego, evaluated on every object reported on.
    pub policies: Option<crate::policy::Policies>,
    /// The name standard input (the path `-`) is reported under (`<stdin>` when `None`); Helm's
    /// `# Source:` comments name the files of a rendered chart themselves.
    pub stdin_filename: Option<String>,
    /// Load the rest of the git work tree as context when files are named (see
    /// [`discover::discover_with_context`]); findings are still reported only on the paths given.
    pub repository_context: bool,
    /// Measure where the time goes (`--timings`), rule families included.
    pub timings: bool,
    /// Read and parse every file and report only what cannot be parsed: no index, no rules
    /// (`--parse-only`, the floor a full run is measured against).
    pub parse_only: bool,
    /// Texts that stand in for the files at these display paths: the fix loop checks its edits
    /// before it writes them.
    pub contents: std::collections::HashMap<String, String>,
}

/// The result of a scan.
#[derive(Debug)]
pub struct Outcome {
    /// Findings sorted by path, line, column, rule id and message.
    pub findings: Vec<Finding>,
    /// Files that held something to check.
    pub files_checked: usize,
    /// Files looked at and skipped (not platform configuration).
    pub files_skipped: usize,
    /// Files read only as context for cross-file rules, not reported on.
    pub context_files: usize,
    /// What the reported files hold, for the compliance report.
    pub inventory: Inventory,
    /// Every file read, for reporters that show source snippets.
    pub sources: Vec<Arc<SourceFile>>,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// Where the time went, when the configuration asked (`--timings`).
    pub timings: Option<timings::Timings>,
}

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A bad path on the command line.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// A rule id that does not exist.
    #[error("unknown rule `{0}`; `mslint rules` lists them")]
    UnknownRule(String),
    /// The thread pool could not start.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// Runs a scan.
pub fn run(config: &Config) -> Result<Outcome, RunError> {
    let (rules, policies) = selected_rules(config)?;
    let scan = || scan(config, &rules, policies.as_ref());
    match config.jobs.filter(|jobs| *jobs > 0) {
        Some(jobs) => rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.min(most_jobs()))
            .build()
            .map_err(|e| RunError::Threads(e.to_string()))?
            .install(scan),
        None => scan(),
    }
}

/// The most worker threads a run starts: four per core. More only add start-up and idle
/// polling (two thousand workers took over 15 s on one file on two cores); files are read
/// from local disks, not waited on.
fn most_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from) * 4
}

/// The built-in rules and the policy decisions `--select` and `--ignore` leave in force.
fn selected_rules(
    config: &Config,
) -> Result<(Vec<&'static dyn Rule>, Option<crate::policy::Policies>), RunError> {
    let policy_rules = config
        .policies
        .as_ref()
        .map(crate::policy::Policies::rules)
        .unwrap_or_default();
    for id in config.select.iter().chain(&config.ignore) {
        if registry::find(id).is_none() && !policy_rules.iter().any(|r| r.id.eq_ignore_ascii_case(id)) {
            return Err(RunError::UnknownRule(id.clone()));
        }
    }
    let wanted = |meta: &RuleMeta| {
        let listed = |ids: &[String]| ids.iter().any(|id| id.eq_ignore_ascii_case(meta.id));
        (config.select.is_empty() || listed(&config.select)) && !listed(&config.ignore)
    };
    let rules = registry::ALL
        .iter()
        .copied()
        .filter(|r| wanted(r.meta()))
        .collect();
    let policies = config.policies.as_ref().and_then(|p| p.only(wanted));
    Ok((rules, policies))
}

fn scan(
    config: &Config,
    rules: &[&'static dyn Rule],
    policies: Option<&crate::policy::Policies>,
) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let mut clock = Clock::start();
    panic_guard::install();
    let mut candidates = if config.repository_context {
        discover::discover_with_context(&config.paths, &config.root)?
    } else {
        discover::discover(&config.paths, &config.root)?
    };
    candidates.retain(|c| config.filter.admits(&c.path));
    clock.phase("discover");
    let mut loaded: Vec<Loaded> = candidates
        .par_iter()
        .map(|candidate| load::read(candidate, config.contents.get(&candidate.display)))
        .collect();
    if config.paths.iter().any(|p| p.as_os_str() == "-") {
        loaded.extend(stdin::read(config.stdin_filename.as_deref()));
        loaded.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    }
    clock.phase("read");
    let reported: Vec<bool> = loaded.iter().map(|l| l.reported).collect();
    let is_reported = |file: FileId| reported.get(file.0 as usize).copied().unwrap_or(false);
    // Named files are a partial view of a repository, with or without its context.
    let partial = config.paths.iter().any(|p| p.is_file());
    let mut arenas: Vec<crate::parse::yaml::Arena> = loaded.par_iter().map(load::arena_for).collect();
    let mut parsed: Vec<Parsed<'_>> = loaded
        .par_iter()
        .zip(arenas.par_iter_mut())
        .enumerate()
        .map(|(n, (file, arena))| {
            let id = FileId(n as u32);
            let arena: &crate::parse::yaml::Arena = arena;
            panic_guard::catch(|| load::parse(id, file, arena)).unwrap_or_else(|message| Parsed {
                file: id,
                content: Content::Nothing,
                problems: vec![internal_error(id, &message)],
                checked: true,
                kustomization: None,
            })
        })
        .collect();
    clock.phase("parse");
    let (mut raw, inventory) = if config.parse_only {
        let problems = parsed.iter().filter(|file| is_reported(file.file));
        (
            problems.flat_map(|file| file.problems.clone()).collect(),
            Inventory::default(),
        )
    } else {
        check_all(
            config,
            rules,
            policies,
            &loaded,
            &mut parsed,
            &is_reported,
            &mut clock,
        )
    };
    let context_files = reported.iter().filter(|r| !**r).count();
    let files_checked = parsed.iter().filter(|p| p.checked && is_reported(p.file)).count();
    let files_skipped = parsed.len() - context_files - files_checked;
    let suppressions = suppress::collect(&loaded, &parsed, &is_reported);
    // Freeing every file's objects and tree is real work: spread it over the pool too.
    parsed.into_par_iter().for_each(drop);
    arenas.into_par_iter().for_each(drop);
    let fixable: Vec<bool> = loaded.iter().map(|l| l.fixable).collect();
    let sources: Vec<Arc<SourceFile>> = loaded.into_iter().map(|l| Arc::new(l.source)).collect();
    // A finding a rule lowered to a note keeps it (see `RawFinding::as_note`).
    for finding in raw.iter_mut().filter(|f| f.severity.is_none()) {
        if let Some((_, severity)) = config.severities.iter().find(|(id, _)| id == finding.rule.id) {
            finding.severity = Some(*severity);
        }
    }
    // A fix is offered only where `--fix` would apply it: in a file it can write back by the
    // name reports show, whose text is its bytes.
    let fix_target = |finding: &RawFinding| {
        let fix = finding.fix.as_ref()?;
        Some(fix.file.unwrap_or(finding.file))
    };
    let mut targets: Vec<FileId> = raw.iter().filter_map(fix_target).collect();
    targets.sort_unstable();
    targets.dedup();
    let editable: HashSet<FileId> = targets
        .into_par_iter()
        .filter(|target| {
            let file = target.0 as usize;
            fixable.get(file).copied().unwrap_or(false)
                && sources
                    .get(file)
                    .is_some_and(|source| crate::fix::editable(&source.path, &source.text))
        })
        .collect();
    for finding in raw.iter_mut() {
        let Some(target) = fix_target(finding) else {
            continue;
        };
        if !editable.contains(&target) || config.unfixable.iter().any(|id| id == finding.rule.id) {
            finding.fix = None;
        }
    }
    let mut findings = crate::report::finding::resolve(raw, &sources);
    let ran = |id: &str| rules.iter().any(|r| r.meta().id == id);
    let about_suppressions = suppress::apply(&mut findings, &suppressions, &ran);
    add_sorted(&mut findings, about_suppressions, &sources);
    let left_out = limits::cap_per_file(&mut findings, &sources);
    add_sorted(&mut findings, left_out, &sources);
    if partial {
        findings
            .iter_mut()
            .filter(|f| f.rule.scope == Scope::Namespace)
            .for_each(lower_for_partial_scan);
    }
    clock.phase("findings");
    Ok(Outcome {
        findings,
        files_checked,
        files_skipped,
        context_files,
        inventory,
        sources,
        elapsed: started.elapsed(),
        timings: config.timings.then(|| clock.timings()),
    })
}

/// Indexes the parsed files and runs the rules and policies on them: the findings, and what the
/// reported files hold for the compliance report.
fn check_all(
    config: &Config,
    rules: &[&'static dyn Rule],
    policies: Option<&crate::policy::Policies>,
    loaded: &[Loaded],
    parsed: &mut [Parsed<'_>],
    is_reported: &(dyn Fn(FileId) -> bool + Sync),
    clock: &mut Clock,
) -> (Vec<RawFinding>, Inventory) {
    let paths: Vec<&str> = loaded.iter().map(|l| &*l.source.path).collect();
    kustomize::set_aside_patches(parsed, &paths);
    let parsed: &[Parsed<'_>] = parsed;
    let builds = kustomize::builds(parsed, &paths, |file| {
        loaded.get(file.0 as usize).map_or("", |l| l.source.text.as_str())
    });
    let index = Index::with_file_namespaces(
        parsed.iter().flat_map(|p| match &p.content {
            Content::Objects(objects) => objects.as_slice(),
            _ => &[],
        }),
        paths,
        config.namespace.as_deref().unwrap_or("default"),
        builds.single,
    )
    .with_kustomize_builds(builds.shared, builds.rescaled)
    .with_mesh_settings(&config.mesh);
    let cx = Context {
        index: &index,
        options: &config.rule_options,
    };
    let report_parse_errors = rules.iter().any(|r| r.meta().id == registry::parse_error().id);
    let by_scope = ByScope::of(rules);
    // The cross-file rules are the ones that read what Services and budgets select (and
    // K8S022, which alone works it out when it first asks).
    if rules
        .iter()
        .any(|r| matches!(r.meta().scope, Scope::Project | Scope::Namespace))
    {
        index.select_workloads_now();
    }
    clock.phase("index");
    let rule_clock = config.timings.then_some(&*clock);

    let file_rules = || {
        let mut raw: Vec<RawFinding> = parsed
            .par_iter()
            .filter(|file| is_reported(file.file))
            .flat_map_iter(|file| {
                let mut found = if report_parse_errors {
                    file.problems.clone()
                } else {
                    Vec::new()
                };
                found.extend(
                    panic_guard::catch(|| check_file(file, &by_scope, &cx, rule_clock))
                        .unwrap_or_else(|message| vec![internal_error(file.file, &message)]),
                );
                found
            })
            .collect();
        if let Some(policies) = policies {
            raw.extend(policy_findings(policies, loaded, parsed, is_reported));
        }
        raw
    };
    let project_rules = || {
        rules
            .par_iter()
            .filter(|r| matches!(r.meta().scope, Scope::Project | Scope::Namespace))
            .flat_map_iter(|rule| {
                let mut out = Findings::new(rule.meta(), FileId(0));
                Clock::time_cross_file(rule_clock, rule.meta().id, rule.meta().family, || {
                    rule.check_project(&cx, &mut out)
                });
                out.into_vec()
            })
            .filter(|finding| is_reported(finding.file))
            .collect::<Vec<_>>()
    };
    // Cross-file rules are few and uneven: running them beside the file rules keeps every
    // worker busy, and the compliance report's inventory is taken meanwhile.
    let ((mut raw, project), inventory) = rayon::join(
        || rayon::join(file_rules, project_rules),
        || inventory(&index, parsed, is_reported),
    );
    raw.extend(project);
    clock.phase("rules");
    (raw, inventory)
}

/// What the policies find in the reported files, file by file.
fn policy_findings(
    policies: &crate::policy::Policies,
    loaded: &[Loaded],
    parsed: &[Parsed<'_>],
    is_reported: &(dyn Fn(FileId) -> bool + Sync),
) -> Vec<RawFinding> {
    let policies = policies.with_scan(parsed.iter().flat_map(|p| match &p.content {
        Content::Objects(objects) => objects.as_slice(),
        _ => &[],
    }));
    parsed
        .par_iter()
        .filter(|file| is_reported(file.file))
        .map_init(
            || policies.evaluator(),
            |evaluator, file| match &file.content {
                Content::Objects(objects) => objects
                    .iter()
                    .filter(|o| !o.is_controlled())
                    .flat_map(|o| evaluator.evaluate(o, file.file))
                    .collect(),
                Content::Dockerfile(dockerfile, _) => loaded
                    .get(file.file.0 as usize)
                    .map(|l| evaluator.evaluate_dockerfile(dockerfile, &l.source, file.file))
                    .unwrap_or_default(),
                Content::Nothing => Vec::new(),
            },
        )
        .flatten_iter()
        .collect()
}

/// Adds findings the engine reports about the others (suppressions, the cap per file) in order.
fn add_sorted(findings: &mut Vec<Finding>, raw: Vec<RawFinding>, sources: &[Arc<SourceFile>]) {
    if !raw.is_empty() {
        findings.extend(crate::report::finding::resolve(raw, sources));
        crate::report::finding::sort(findings);
    }
}

/// The workloads and routed namespaces of the reported files, for the compliance report.
fn inventory(
    index: &Index<'_, '_>,
    parsed: &[Parsed<'_>],
    is_reported: &dyn Fn(FileId) -> bool,
) -> Inventory {
    let mut inventory = Inventory {
        meshed: index.mesh().active(),
        ..Inventory::default()
    };
    let objects = parsed
        .iter()
        .filter(|p| is_reported(p.file))
        .flat_map(|p| match &p.content {
            Content::Objects(objects) => objects.as_slice(),
            _ => &[],
        })
        .filter(|o| !o.is_controlled());
    for object in objects {
        // Shown in the compliance tables: a namespace from a file, the command line or a
        // kustomization prints no control character raw.
        let namespace = crate::source::escape::escape_controls(index.namespace_of(object), false);
        if let Some(workload) = Workload::of(object) {
            use crate::model::WorkloadKind as Kind;
            inventory.workloads.push(InventoryWorkload {
                object: ObjectRef::of(object),
                namespace: namespace.clone().into_owned(),
                long_running: !matches!(workload.kind, Kind::Job | Kind::CronJob | Kind::Pod),
                replicated: matches!(
                    workload.kind,
                    Kind::Deployment | Kind::StatefulSet | Kind::ReplicaSet | Kind::Rollout
                ),
            });
        } else if ROUTE_KINDS.contains(&object.kind()) {
            inventory.routed_namespaces.insert(namespace.into_owned());
        }
    }
    inventory
}

/// Kinds that expose services at a gateway, for the gateway column of the compliance report.
const ROUTE_KINDS: &[&str] = &[
    "Ingress",
    "HTTPRoute",
    "GRPCRoute",
    "TLSRoute",
    "TCPRoute",
    "VirtualService",
    "Mapping",
];

/// In a scan of named files, a finding about a whole namespace (no NetworkPolicy in it) is
/// about no single file: it becomes a note, so a hook does not fail a file that is itself
/// compliant, and says so.
fn lower_for_partial_scan(finding: &mut Finding) {
    finding.severity = crate::rules::Severity::Note;
    finding.help.to_mut().push_str(
        "\n(reported as a note because only some files were named: the finding is about the \
         namespace, not this file; a scan of the whole repository reports it at its own severity)",
    );
}

/// The rules that read one object or one Dockerfile at a time, listed once for every file.
struct ByScope<'r> {
    objects: Vec<&'r dyn Rule>,
    /// The runs of `objects` of one family: they are listed together, and timed together.
    families: Vec<(Family, std::ops::Range<usize>)>,
    dockerfiles: Vec<&'r dyn Rule>,
}

impl<'r> ByScope<'r> {
    fn of(rules: &[&'r dyn Rule]) -> Self {
        let scoped = |scope: Scope| -> Vec<&'r dyn Rule> {
            rules
                .iter()
                .copied()
                .filter(|r| r.meta().scope == scope || r.meta().scope == Scope::File)
                .collect()
        };
        let objects = scoped(Scope::Object);
        let mut families: Vec<(Family, std::ops::Range<usize>)> = Vec::new();
        for (at, rule) in objects.iter().enumerate() {
            match families.last_mut() {
                Some((family, run)) if *family == rule.meta().family => run.end = at + 1,
                _ => families.push((rule.meta().family, at..at + 1)),
            }
        }
        ByScope {
            objects,
            families,
            dockerfiles: scoped(Scope::Dockerfile),
        }
    }
}

fn check_file(
    file: &Parsed<'_>,
    rules: &ByScope<'_>,
    cx: &Context<'_, '_>,
    clock: Option<&Clock>,
) -> Vec<RawFinding> {
    let mut found = Vec::new();
    match &file.content {
        Content::Objects(objects) => {
            let mut outs: Vec<Findings> = rules
                .objects
                .iter()
                .map(|rule| Findings::new(rule.meta(), file.file))
                .collect();
            // Every rule reads an object while it is still in the nearest cache; the findings
            // are then gathered rule by rule, in the order the rules are listed. An object a
            // controller owns was dumped from a cluster: its owner gets the finding.
            for object in objects.iter().filter(|o| !o.is_controlled()) {
                for (family, run) in &rules.families {
                    Clock::time(clock, *family, || {
                        for (rule, out) in rules.objects[run.clone()].iter().zip(&mut outs[run.clone()]) {
                            rule.check_object(object, cx, out);
                        }
                    });
                }
            }
            found.extend(outs.into_iter().flat_map(Findings::into_vec));
        }
        Content::Dockerfile(dockerfile, context) => {
            let image = Image::new(dockerfile, context);
            for rule in &rules.dockerfiles {
                let mut out = Findings::new(rule.meta(), file.file);
                Clock::time(clock, rule.meta().family, || {
                    rule.check_dockerfile(&image, cx, &mut out)
                });
                found.extend(out.into_vec());
            }
        }
        Content::Nothing => {}
    }
    found
}

fn internal_error(file: FileId, message: &str) -> RawFinding {
    let mut out = Findings::new(registry::parse_error(), file);
    out.report(
        Default::default(),
        format!("internal error while checking this file ({message}); the other files were checked"),
    )
    .help("report this file to the mslint maintainers; the rest of the scan is unaffected");
    out.into_vec().remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_by_scope_keep_the_registry_order_in_runs_of_one_family() {
        let by_scope = ByScope::of(registry::ALL);
        let ids = |rules: &[&dyn Rule]| rules.iter().map(|r| r.meta().id).collect::<Vec<_>>();
        let scoped = |wanted: Scope| {
            registry::ALL
                .iter()
                .filter(|r| r.meta().scope == wanted || r.meta().scope == Scope::File)
                .map(|r| r.meta().id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&by_scope.objects), scoped(Scope::Object));
        assert_eq!(ids(&by_scope.dockerfiles), scoped(Scope::Dockerfile));
        assert!(!by_scope.objects.is_empty() && !by_scope.dockerfiles.is_empty());
        // The runs cover the object rules end to end, each of one family, the next of another.
        let mut end = 0;
        for (at, (family, run)) in by_scope.families.iter().enumerate() {
            assert_eq!(run.start, end, "runs follow each other");
            assert!(!run.is_empty());
            assert!(
                by_scope.objects[run.clone()]
                    .iter()
                    .all(|r| r.meta().family == *family)
            );
            if let Some((next, _)) = by_scope.families.get(at + 1) {
                assert_ne!(next, family, "a run ends where the family changes");
            }
            end = run.end;
        }
        assert_eq!(end, by_scope.objects.len());
        // A selection keeps its own order, with runs of its own; a project rule (IST004) is
        // listed in neither.
        let picked: Vec<&dyn Rule> = ["K8S001", "IST004", "IST005", "K8S002"]
            .into_iter()
            .filter_map(registry::find)
            .collect();
        let by_scope = ByScope::of(&picked);
        assert_eq!(ids(&by_scope.objects), ["K8S001", "IST005", "K8S002"]);
        let runs: Vec<_> = by_scope.families.iter().map(|(_, run)| run.clone()).collect();
        assert_eq!(runs, [0..1, 1..2, 2..3]);
        assert!(by_scope.dockerfiles.is_empty());
    }
}
