//! Organisation policies in Rego, written for conftest: `deny`, `violation` and `warn` rules in
//! `package main` or `package mslint.<id>`, evaluated with regorus on every object of the files
//! reported on, each object as `input`.

use std::path::{Path, PathBuf};

use regex::Regex;

mod dockerfile;
mod recursion;

use crate::discover::boundary;
use crate::model::Object;
use crate::parse::dockerfile::Dockerfile;
use crate::parse::yaml::{Node, Value};
use crate::rules::{Family, Findings, ObjectRef, RawFinding, RuleMeta, Scope, Severity};
use crate::source::{FileId, SourceFile};

/// The rules a policy package may define, with the severity each gives by default; conftest's
/// named variants (`deny_privileged`) count too.
const DECISIONS: &[(&str, Severity)] = &[
    ("deny", Severity::Error),
    ("violation", Severity::Error),
    ("warn", Severity::Warning),
];

/// A policy that cannot be loaded: the message names the `.rego` file and, for a syntax or
/// type error, its line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

/// The loaded policies, compiled once; each worker evaluates on its own clone of the engine.
#[derive(Clone)]
pub struct Policies {
    engine: regorus::Engine,
    decisions: Vec<Decision>,
    /// True when a policy reads `data.mslint`, the scan's objects.
    reads_scan: bool,
    /// `data` as the policies see it, once the scan's objects are added.
    data: Option<regorus::Value>,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies")
            .field("decisions", &self.decisions)
            .finish()
    }
}

/// One decision rule of one package (`data.main.deny`) and the rule it reports as.
#[derive(Clone)]
struct Decision {
    rule_path: String,
    meta: &'static RuleMeta,
    /// The rule compiled for regorus's virtual machine, which evaluates several times faster
    /// than its interpreter; `None` when the compiler does not take the policy (it does not
    /// yet compile every construct), which then runs in the interpreter.
    program: Option<std::sync::Arc<regorus::rvm::program::Program>>,
    /// For a named decision (`deny_privileged`) of a package with conftest `exception` rules:
    /// the exception rule's path and the name exceptions give the decision (`privileged`).
    exception: Option<(String, String)>,
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("rule_path", &self.rule_path)
            .field("meta", &self.meta.id)
            .field("compiled", &self.program.is_some())
            .finish()
    }
}

/// Instructions one decision may run on one input in the virtual machine. Past them, it is not
/// evaluated on that input: the interpreter would run it as long again.
const VM_INSTRUCTIONS: usize = 10_000_000;

/// Longest one decision may run on one input in the interpreter, which counts no instructions
/// (decisions the virtual machine cannot run go there). It is measured on the clock, so a
/// decision near it may finish on one run and not on another: it is a guard against a policy
/// that never ends, far above what one that looks at an object takes.
const INTERPRETER_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// An engine whose evaluations stop at [`INTERPRETER_TIME`].
fn bounded_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: INTERPRETER_TIME,
        check_interval: std::num::NonZeroU32::MIN,
    });
    engine
}

/// The `.rego` files under `dirs` (or the files given), sorted; `*_test.rego` only when `tests`.
pub fn rego_files(dirs: &[PathBuf], tests: bool) -> Result<Vec<PathBuf>, PolicyError> {
    let mut found = Vec::new();
    for dir in dirs {
        if dir.is_file() {
            found.push(dir.clone());
            continue;
        }
        if !dir.is_dir() {
            return Err(PolicyError(format!(
                "policy folder `{}` does not exist",
                dir.display()
            )));
        }
        // A link in the folder may lead anywhere: what it leads to outside the folder's git
        // work tree (or the folder, outside one) is not read, as for the scanned files.
        let boundary = boundary::boundary_of(dir);
        for entry in ignore::WalkBuilder::new(dir).hidden(false).build().flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !name.ends_with(".rego") || (!tests && name.ends_with("_test.rego")) {
                continue;
            }
            if let Some(target) = boundary.as_deref().and_then(|b| boundary::leads_outside(path, b)) {
                return Err(PolicyError(format!(
                    "the policy `{}` is a symbolic link to `{}`, outside its folder's repository; it is not read",
                    path.display(),
                    target.display()
                )));
            }
            found.push(path.to_path_buf());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Largest policy file read: real ones are a few KiB.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// The text of a policy file: a regular UTF-8 file of at most [`MAX_POLICY_BYTES`] (a pipe
/// named `.rego` would hold the run up for ever).
fn read_policy(path: &Path) -> Result<String, PolicyError> {
    boundary::text_of(boundary::read_regular(path, MAX_POLICY_BYTES), MAX_POLICY_BYTES)
        .map_err(|why| PolicyError(format!("cannot read the policy `{}`: {why}", path.display())))
}

/// Refuses policies with a function that calls itself (see [`recursion`]): evaluating one would
/// overflow the stack. Policies whose syntax tree regorus cannot write out are let through
/// unchecked, as before.
fn refuse_recursion(engine: &regorus::Engine) -> Result<(), PolicyError> {
    let Ok(ast) = engine.get_ast_as_json() else {
        return Ok(());
    };
    match recursion::recursive_call(&ast) {
        Some((file, chain)) => Err(PolicyError(format!(
            "policy error: {file}: a function calls itself ({chain}); Rego does not allow recursion"
        ))),
        None => Ok(()),
    }
}

/// Adds one policy file to an engine, in Rego v1 or, failing that, v0 (conftest's older
/// syntax); returns its package (`data.main`) and its text.
fn add_file(engine: &mut regorus::Engine, path: &Path) -> Result<(String, String), PolicyError> {
    let text = read_policy(path)?;
    let name = path.display().to_string();
    let package = match engine.add_policy(name.clone(), text.clone()) {
        Ok(package) => package,
        Err(v1) => {
            engine.set_rego_v0(true);
            let v0 = engine.add_policy(name, text.clone());
            engine.set_rego_v0(false);
            v0.map_err(|_| PolicyError(format!("policy error: {v1}")))?
        }
    };
    Ok((package, text))
}

impl Policies {
    /// Loads and checks every policy under `dirs`; `None` when there is none.
    pub fn load(dirs: &[PathBuf]) -> Result<Option<Self>, PolicyError> {
        let files = rego_files(dirs, false)?;
        if files.is_empty() {
            return Ok(None);
        }
        let mut engine = bounded_engine();
        let mut packages: Vec<(String, String)> = Vec::new();
        let mut reads_scan = false;
        for path in &files {
            let (package, text) = add_file(&mut engine, path)?;
            reads_scan |= text.contains("data.mslint");
            match packages.iter_mut().find(|(p, _)| *p == package) {
                Some((_, all)) => all.push_str(&text),
                None => packages.push((package, text)),
            }
        }
        refuse_recursion(&engine)?;
        let mut decisions = Vec::new();
        for (package, text) in &packages {
            let mut metadata = metadata(&mut engine, package);
            if metadata.is_empty() {
                metadata = annotation_metadata(text);
            }
            let declared = decision_rules(text);
            let exceptions = declared_rules(text)
                .any(|rule| rule == "exception")
                .then(|| format!("{package}.exception"));
            for (rule, severity) in &declared {
                // A package with several decisions reports each under its own id.
                let decision = (declared.len() > 1).then_some(rule.as_str());
                let meta = rule_meta(package, decision, *severity, &metadata)?;
                let rule_path = format!("{package}.{rule}");
                let program = compile(&mut engine, &rule_path);
                // conftest's exceptions name a rule without its prefix: `privileged` for
                // `deny_privileged`.
                let excepted_as = rule.split_once('_').map(|(_, name)| name.to_owned());
                decisions.push(Decision {
                    rule_path,
                    meta,
                    program,
                    exception: exceptions.clone().zip(excepted_as),
                });
            }
        }
        // Type errors and undefined references show at the first evaluation: evaluate each
        // decision once on an empty input so they stop the run before any file is read. One
        // that runs out of time there is no error; it is bounded on each input too.
        engine.set_input(regorus::Value::new_object());
        for decision in &decisions {
            match engine.eval_rule(decision.rule_path.clone()) {
                Err(e) if !past_limit(&e) => return Err(PolicyError(format!("policy error: {e}"))),
                _ => {}
            }
        }
        Ok(Some(Policies {
            engine,
            decisions,
            reads_scan,
            data: None,
        }))
    }

    /// The policies with the scan's objects as `data.mslint.objects` (each as written), for
    /// policies that judge one object against others; unchanged when no policy reads them.
    pub fn with_scan<'o, 's: 'o>(&self, objects: impl Iterator<Item = &'o Object<'s>>) -> Self {
        if !self.reads_scan {
            return self.clone();
        }
        let mut scoped = self.clone();
        let objects: Vec<regorus::Value> = objects.map(|o| to_value(&o.root)).collect();
        let data = regorus::Value::from(
            [(
                regorus::Value::from("mslint"),
                regorus::Value::from(
                    [(regorus::Value::from("objects"), regorus::Value::from(objects))]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                ),
            )]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
        );
        scoped.data = Some(data.clone());
        if scoped.engine.add_data(data).is_ok() {
            // Evaluating once prepares the engine, so the clones each worker takes start prepared.
            scoped.engine.set_input(regorus::Value::new_object());
            if let Some(first) = scoped.decisions.first() {
                let _ = scoped.engine.eval_rule(first.rule_path.clone());
            }
        }
        scoped
    }

    /// The policies with only the decisions whose rule is `wanted`; `None` when none is.
    pub fn only(&self, wanted: impl Fn(&RuleMeta) -> bool) -> Option<Self> {
        let mut kept = self.clone();
        kept.decisions.retain(|d| wanted(d.meta));
        (!kept.decisions.is_empty()).then_some(kept)
    }

    /// The rules the policies report as, for reports that list rules.
    pub fn rules(&self) -> Vec<&'static RuleMeta> {
        let mut rules: Vec<&'static RuleMeta> = Vec::new();
        for decision in &self.decisions {
            if !rules.iter().any(|r| r.id == decision.meta.id) {
                rules.push(decision.meta);
            }
        }
        rules
    }

    /// An evaluator with its own engine, for one worker: engines are cloned once per worker,
    /// not once per object.
    pub fn evaluator(&self) -> Evaluator<'_> {
        let machines = self
            .decisions
            .iter()
            .map(|d| {
                let program = d.program.clone()?;
                let mut vm = regorus::rvm::RegoVM::new();
                vm.load_program(program);
                vm.set_max_instructions(VM_INSTRUCTIONS);
                if let Some(data) = &self.data {
                    vm.set_data(data.clone()).ok()?;
                }
                Some(vm)
            })
            .collect();
        Evaluator {
            policies: self,
            engine: self.engine.clone(),
            machines,
        }
    }
}

/// Evaluates the policies, one input after another, on one worker.
pub struct Evaluator<'p> {
    policies: &'p Policies,
    engine: regorus::Engine,
    /// A virtual machine per decision that compiled, by decision.
    machines: Vec<Option<regorus::rvm::RegoVM>>,
}

impl Evaluator<'_> {
    /// Evaluates every decision on one object; a result with a `path` lands on that key.
    pub fn evaluate(&mut self, object: &Object<'_>, file: FileId) -> Vec<RawFinding> {
        self.decide(to_value(&object.root), file, |steps| {
            let span = steps
                .and_then(|steps| locate(&object.root, steps))
                .map_or_else(|| object.name_span(), |node| node.span);
            (span, Some(ObjectRef::of(object)))
        })
    }

    /// Evaluates every decision on a Dockerfile, given as conftest gives it: a list of
    /// commands `{"Cmd": "from", "SubCmd": "", "Flags": [...], "Value": [...], "JSON": false,
    /// "Stage": 0}` (plus `Original`, `StartLine` and `EndLine`), comments before an
    /// instruction as `comment` commands. A result whose `path` starts with a command's index
    /// lands on that command, else on the first instruction.
    pub fn evaluate_dockerfile(
        &mut self,
        dockerfile: &Dockerfile,
        source: &SourceFile,
        file: FileId,
    ) -> Vec<RawFinding> {
        let commands = dockerfile::commands(dockerfile, source);
        let fallback = dockerfile
            .instructions
            .first()
            .map(|i| i.span)
            .unwrap_or_default();
        let spans: Vec<crate::source::Span> = commands.iter().map(|c| c.span).collect();
        let input = regorus::Value::from(commands.into_iter().map(|c| c.value).collect::<Vec<_>>());
        self.decide(input, file, |steps| {
            let span = steps
                .and_then(|s| s.first())
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| spans.get(usize::try_from(n).ok()?))
                .copied()
                .unwrap_or(fallback);
            (span, None)
        })
    }

    /// Evaluates every decision on an input; `place` turns a result's `path` into a location.
    fn decide(
        &mut self,
        input: regorus::Value,
        file: FileId,
        place: impl Fn(Option<&Vec<serde_json::Value>>) -> (crate::source::Span, Option<ObjectRef>),
    ) -> Vec<RawFinding> {
        let mut out = Vec::new();
        let mut interpreter_input = Some(input.clone());
        for (decision, machine) in self.policies.decisions.iter().zip(&mut self.machines) {
            let mut sink = Findings::new(decision.meta, file);
            let from_vm = machine.as_mut().map(|vm| {
                vm.set_input(input.clone());
                vm.execute()
            });
            // Ok, or the budget the decision went past (none when it failed otherwise).
            let evaluated = match from_vm {
                Some(Ok(value)) => Ok(value),
                Some(Err(regorus::rvm::vm::VmError::InstructionLimitExceeded { .. })) => {
                    Err(Some(format!("{VM_INSTRUCTIONS} instructions")))
                }
                _ => {
                    if let Some(input) = interpreter_input.take() {
                        self.engine.set_input(input);
                    }
                    self.engine
                        .eval_rule(decision.rule_path.clone())
                        .map_err(|error| {
                            past_limit(&error).then(|| format!("{} s", INTERPRETER_TIME.as_secs()))
                        })
                }
            };
            let value = match evaluated {
                Ok(value) => value,
                Err(Some(budget)) => {
                    note_over_budget(&mut sink, &place, decision, &budget);
                    out.extend(sink.into_vec());
                    continue;
                }
                Err(None) => continue,
            };
            let Ok(Ok(serde_json::Value::Array(results))) = value
                .to_json_str()
                .map(|t| serde_json::from_str::<serde_json::Value>(&t))
            else {
                continue;
            };
            if !results.is_empty()
                && let Some((exception, name)) = &decision.exception
                && excepts(&mut self.engine, exception, name, &mut interpreter_input)
            {
                continue;
            }
            for result in results {
                let (message, path) = match &result {
                    serde_json::Value::String(message) => (message.clone(), None),
                    serde_json::Value::Object(fields) => (
                        fields
                            .get("msg")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        fields.get("path").and_then(serde_json::Value::as_array),
                    ),
                    other => (other.to_string(), None),
                };
                let (span, object) = place(path);
                let finding = sink.report(span, message);
                if let Some(object) = object {
                    finding.object(object);
                }
                if !decision.meta.docs.is_empty() {
                    finding.help(decision.meta.docs);
                }
            }
            out.extend(sink.into_vec());
        }
        out
    }
}

/// Whether an evaluation stopped at [`INTERPRETER_TIME`].
fn past_limit(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<regorus::utils::limits::LimitError>()
        .is_some()
}

/// Notes that a decision did not finish on an input within `budget`, at the input's place.
fn note_over_budget(
    sink: &mut Findings,
    place: &impl Fn(Option<&Vec<serde_json::Value>>) -> (crate::source::Span, Option<ObjectRef>),
    decision: &Decision,
    budget: &str,
) {
    let (span, object) = place(None);
    let finding = sink
        .report(
            span,
            format!(
                "the policy `{}` did not finish here within mslint's budget of {budget}, so it is not evaluated on this input; make it do less per input",
                decision.rule_path
            ),
        )
        .as_note();
    if let Some(object) = object {
        finding.object(object);
    }
}

/// True when the package's conftest `exception` rules name `name` for this input
/// (`exception contains ["privileged"] if …`).
fn excepts(
    engine: &mut regorus::Engine,
    exception: &str,
    name: &str,
    input: &mut Option<regorus::Value>,
) -> bool {
    if let Some(input) = input.take() {
        engine.set_input(input);
    }
    let Ok(value) = engine.eval_rule(exception.to_owned()) else {
        return false;
    };
    let names = value
        .to_json_str()
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let Some(serde_json::Value::Array(lists)) = names else {
        return false;
    };
    lists.iter().any(|list| match list {
        serde_json::Value::Array(names) => names.iter().any(|n| n.as_str() == Some(name)),
        serde_json::Value::String(one) => one == name,
        _ => false,
    })
}

/// The decision compiled for the virtual machine, if its compiler takes it.
fn compile(
    engine: &mut regorus::Engine,
    rule_path: &str,
) -> Option<std::sync::Arc<regorus::rvm::program::Program>> {
    let entry: regorus::Rc<str> = rule_path.into();
    let compiled = engine.compile_with_entrypoint(&entry).ok()?;
    regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[rule_path]).ok()
}

/// The names of the rules a package's text defines (`deny contains …`, `deny[msg] {…}`,
/// `exception[rules] {…}`), in order, repeated as often as they are defined.
fn declared_rules(text: &str) -> impl Iterator<Item = &str> {
    static HEAD: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\[|contains\b|if\b|\{|:?=)")
            .expect("a valid pattern")
    });
    HEAD.captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
}

/// The decision rules a package defines, each once, in order, with its default severity.
fn decision_rules(text: &str) -> Vec<(String, Severity)> {
    let mut rules: Vec<(String, Severity)> = Vec::new();
    for name in declared_rules(text) {
        let kind = DECISIONS.iter().find(|(prefix, _)| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
        });
        if let Some((_, severity)) = kind
            && !rules.iter().any(|(known, _)| known == name)
        {
            rules.push((name.to_owned(), *severity));
        }
    }
    rules
}

/// The package's `__rego_metadata__` object, if it defines one.
fn metadata(engine: &mut regorus::Engine, package: &str) -> serde_json::Map<String, serde_json::Value> {
    engine.set_input(regorus::Value::new_object());
    engine
        .eval_rule(format!("{package}.__rego_metadata__"))
        .ok()
        .and_then(|v| v.to_json_str().ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
}

/// The metadata of the first `# METADATA` block (OPA's annotations, YAML in comments):
/// `title` and `description`, and `id`, `severity` and `help` under `custom`.
fn annotation_metadata(text: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut lines = text.lines().skip_while(|l| l.trim() != "# METADATA");
    if lines.next().is_none() {
        return out;
    }
    let block: String = lines
        .map_while(|l| l.trim_start().strip_prefix('#'))
        .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
        .collect();
    let arena = crate::parse::yaml::Arena::new();
    let stream = crate::parse::yaml::parse_stream(&arena, &block);
    let Some(root) = stream.documents.first().map(|d| &d.root) else {
        return out;
    };
    let mut put = |key: &str, node: Option<&Node<'_>>| {
        if let Some(value) = node.and_then(Node::as_text) {
            out.insert(key.to_owned(), serde_json::Value::String(value.to_owned()));
        }
    };
    put("title", root.get("title"));
    put("description", root.get("description"));
    let custom = root.get("custom");
    for key in ["id", "severity", "help"] {
        put(key, custom.and_then(|c| c.get(key)));
    }
    out
}

/// The rule a decision reports as: id, name, severity and help from the metadata, else from the
/// package (`data.mslint.org001` → `ORG001`, `data.main` → `MAIN`) and the decision.
fn rule_meta(
    package: &str,
    decision: Option<&str>,
    severity: Severity,
    metadata: &serde_json::Map<String, serde_json::Value>,
) -> Result<&'static RuleMeta, PolicyError> {
    let text = |key: &str| metadata.get(key).and_then(serde_json::Value::as_str);
    let last = package.rsplit('.').next().unwrap_or(package);
    let base = text("id").map_or_else(|| last.to_ascii_uppercase(), str::to_owned);
    let id = decision.map_or_else(|| base.clone(), |rule| format!("{base}.{rule}"));
    let rule = decision.unwrap_or("deny");
    if crate::rules::registry::find(&id).is_some() {
        return Err(PolicyError(format!(
            "policy package `{package}` uses the id `{id}` of a built-in rule; choose another"
        )));
    }
    let severity = match text("severity") {
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some("note") => Severity::Note,
        Some(other) => {
            return Err(PolicyError(format!(
                "policy package `{package}`: unknown severity `{other}` (error, warning or note)"
            )));
        }
        None => severity,
    };
    let name = text("title").map_or_else(
        || format!("{last}-{rule}"),
        |t| t.to_ascii_lowercase().replace(' ', "-"),
    );
    let help = text("help").or(text("description")).unwrap_or_default();
    let guideline = format!("organisation policy {}", package.trim_start_matches("data."));
    Ok(Box::leak(Box::new(RuleMeta {
        id: Box::leak(id.into_boxed_str()),
        name: Box::leak(name.into_boxed_str()),
        family: Family::Policy,
        severity,
        scope: Scope::Object,
        security: false,
        guideline: Box::leak(guideline.into_boxed_str()),
        docs: Box::leak(help.to_owned().into_boxed_str()),
        options: &[],
        fix: None,
    })))
}

/// The node a result's `path` names: mapping keys and list indexes from the object's root.
fn locate<'n, 's>(root: &'n Node<'s>, steps: &[serde_json::Value]) -> Option<&'n Node<'s>> {
    let mut node = root;
    for step in steps {
        node = match step {
            serde_json::Value::String(key) => node.get(key)?,
            serde_json::Value::Number(n) => node.items().get(usize::try_from(n.as_u64()?).ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A YAML node as the value a policy reads, scalars typed as Kubernetes' YAML reader types them.
fn to_value(node: &Node<'_>) -> regorus::Value {
    match node.value() {
        Value::Mapping(_) => regorus::Value::from(
            node.merged_entries()
                .into_iter()
                .filter_map(|e| Some((regorus::Value::from(e.key.as_str()?), to_value(&e.value))))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
        Value::Sequence(items) => regorus::Value::from(items.iter().map(to_value).collect::<Vec<_>>()),
        Value::Scalar(scalar) if scalar.is_plain() => {
            let text = scalar.text();
            if node.is_null() {
                regorus::Value::Null
            } else if matches!(text, "true" | "True" | "TRUE") {
                regorus::Value::Bool(true)
            } else if matches!(text, "false" | "False" | "FALSE") {
                regorus::Value::Bool(false)
            } else if let Some(n) = node.as_i64() {
                regorus::Value::from(n)
            } else if let Some(f) = text.parse::<f64>().ok().filter(|f| f.is_finite()) {
                regorus::Value::from(f)
            } else {
                regorus::Value::from(text)
            }
        }
        Value::Scalar(scalar) => regorus::Value::from(scalar.text()),
    }
}

/// `mslint policy test`: evaluates every `test_*` rule of the `*_test.rego` files (with the
/// policies beside them) and reports each as passed or failed.
pub fn run_tests(dirs: &[PathBuf]) -> Result<Vec<(String, bool)>, PolicyError> {
    let files = rego_files(dirs, true)?;
    let mut engine = bounded_engine();
    let mut tests = Vec::new();
    let test_rule = Regex::new(r"(?m)^(test_[A-Za-z0-9_]+)").map_err(|e| PolicyError(e.to_string()))?;
    for path in &files {
        let (package, text) = add_file(&mut engine, path)?;
        if !path.to_string_lossy().ends_with("_test.rego") {
            continue;
        }
        for name in test_rule.captures_iter(&text).filter_map(|c| c.get(1)) {
            let label = format!("{}: {}", path.display(), name.as_str());
            if !tests.iter().any(|(l, _): &(String, String)| *l == label) {
                tests.push((label, format!("{package}.{}", name.as_str())));
            }
        }
    }
    refuse_recursion(&engine)?;
    engine.set_input(regorus::Value::new_object());
    Ok(tests
        .into_iter()
        .map(|(label, rule)| {
            let passed = engine
                .eval_rule(rule)
                .is_ok_and(|v| v == regorus::Value::Bool(true));
            (label, passed)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::parse_objects;

    fn policies(files: &[(&str, &str)]) -> Result<Option<Policies>, PolicyError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Policies::load(&[dir.path().to_path_buf()])
    }

    #[test]
    fn conftest_policies_in_v1_and_v0_report_at_their_path_or_the_object() {
        let loaded = policies(&[
            (
                "labels.rego",
                "package mslint.org001\n__rego_metadata__ := {\"id\": \"ORG001\", \"title\": \"team label\", \"help\": \"add a team label\"}\n\
                 deny contains {\"msg\": \"no team label\", \"path\": [\"metadata\", \"name\"]} if {\n  not input.metadata.labels.team\n}\n",
            ),
            (
                "old.rego",
                "package main\nwarn[msg] {\n  input.spec.replicas > 50\n  msg := sprintf(\"%v replicas\", [input.spec.replicas])\n}\n",
            ),
        ])
        .unwrap()
        .unwrap();
        let objects = parse_objects(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  replicas: 60\n",
        );
        let found = loaded.evaluator().evaluate(&objects[0], FileId(0));
        let summary: Vec<(&str, Severity, &str, u32)> = found
            .iter()
            .map(|f| (f.rule.id, f.rule.severity, f.message.as_str(), f.span.start))
            .collect();
        let name_value = objects[0].root.path(&["metadata", "name"]).unwrap().span.start;
        assert_eq!(
            summary,
            [
                ("ORG001", Severity::Error, "no team label", name_value),
                (
                    "MAIN",
                    Severity::Warning,
                    "60 replicas",
                    objects[0].name_span().start
                ),
            ]
        );
        assert_eq!(found[0].help.as_deref(), Some("add a team label"));
    }

    #[test]
    fn policies_run_compiled_and_those_the_compiler_refuses_run_interpreted_alike() {
        let examples = Policies::load(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")])
            .unwrap()
            .unwrap();
        assert!(
            examples.decisions.iter().all(|d| d.program.is_some()),
            "{examples:?}"
        );
        // `with` is not compiled: the same rule written with it runs in the interpreter.
        let body = "  input.kind == \"Deployment\"\n  not input.metadata.labels.team\n";
        let loaded = policies(&[
            (
                "plain.rego",
                &format!("package mslint.org001\ndeny contains \"no team\" if {{\n{body}}}\n"),
            ),
            (
                "with.rego",
                &format!(
                    "package mslint.org002\nkinds := {{\"Deployment\"}}\n\
                     deny contains \"no team\" if {{\n  known with data.mslint.org002.kinds as {{\"Deployment\"}}\n{body}}}\n\
                     known if input.kind in kinds\n"
                ),
            ),
        ])
        .unwrap()
        .unwrap();
        let compiled: Vec<bool> = loaded.decisions.iter().map(|d| d.program.is_some()).collect();
        assert_eq!(compiled, [true, false]);
        let objects = parse_objects("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n");
        let found: Vec<&str> = loaded
            .evaluator()
            .evaluate(&objects[0], FileId(0))
            .iter()
            .map(|f| f.rule.id)
            .collect();
        assert_eq!(found, ["ORG001", "ORG002"]);
    }

    #[test]
    fn a_decision_past_its_budget_is_a_note_and_the_others_still_run() {
        // Nine million pairs on a Deployment: past the machine's budget, and hours in the
        // interpreter for a larger range; the range itself stays small.
        let loaded = policies(&[
            (
                "slow.rego",
                "package mslint.org001\ndeny contains \"slow\" if {\n  input.kind == \"Deployment\"\n  some i in numbers.range(1, 3000)\n  some j in numbers.range(1, 3000)\n  i * j < 0\n}\n",
            ),
            (
                "quick.rego",
                "package mslint.org002\ndeny contains \"no team\" if not input.metadata.labels.team\n",
            ),
        ])
        .unwrap()
        .unwrap();
        let objects = parse_objects("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n");
        let found = loaded.evaluator().evaluate(&objects[0], FileId(0));
        let summary: Vec<(&str, Option<Severity>)> = found.iter().map(|f| (f.rule.id, f.severity)).collect();
        // Files are read in name order: quick.rego first.
        assert_eq!(summary, [("ORG002", None), ("ORG001", Some(Severity::Note))]);
        assert!(
            found[1].message.contains("did not finish here"),
            "{}",
            found[1].message
        );
        assert_eq!(found[1].span.start, objects[0].name_span().start);
    }

    #[test]
    fn named_decisions_helper_packages_and_exceptions_work_as_in_conftest() {
        let loaded = policies(&[
            (
                "kubernetes.rego",
                "package kubernetes\n\nis_deployment {\n  input.kind = \"Deployment\"\n}\n",
            ),
            (
                "deployment.rego",
                "package main\n\nimport data.kubernetes\n\nname = input.metadata.name\n\n\
                 deny_run_as_root[msg] {\n  kubernetes.is_deployment\n  \
                 not input.spec.template.spec.securityContext.runAsNonRoot\n  \
                 msg = sprintf(\"Containers must not run as root in Deployment %s\", [name])\n}\n\n\
                 warn_no_team[msg] {\n  not input.metadata.labels.team\n  msg = \"no team\"\n}\n\n\
                 exception[rules] {\n  input.metadata.name == \"legacy\"\n  rules = [\"run_as_root\"]\n}\n",
            ),
        ])
        .unwrap()
        .unwrap();
        let ids: Vec<&str> = loaded.rules().iter().map(|r| r.id).collect();
        assert_eq!(ids, ["MAIN.deny_run_as_root", "MAIN.warn_no_team"]);
        let objects = parse_objects(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy\n",
        );
        let mut evaluator = loaded.evaluator();
        let found: Vec<Vec<(&str, Severity, String)>> = objects
            .iter()
            .map(|o| {
                evaluator
                    .evaluate(o, FileId(0))
                    .into_iter()
                    .map(|f| (f.rule.id, f.rule.severity, f.message))
                    .collect()
            })
            .collect();
        assert_eq!(
            found,
            [
                vec![
                    (
                        "MAIN.deny_run_as_root",
                        Severity::Error,
                        "Containers must not run as root in Deployment cart".to_owned()
                    ),
                    ("MAIN.warn_no_team", Severity::Warning, "no team".to_owned()),
                ],
                // The exception lifts the denial for `legacy`, not the warning.
                vec![("MAIN.warn_no_team", Severity::Warning, "no team".to_owned())],
            ]
        );
    }

    #[test]
    fn dockerfiles_are_a_list_of_instructions_as_conftest_gives_them() {
        let loaded = policies(&[(
            "docker.rego",
            "package main\n\ndeny[msg] {\n  input[i].Cmd == \"from\"\n  contains(input[i].Value[0], \"openjdk\")\n  \
             msg = sprintf(\"%v\", [input[i].Value])\n}\n\nwarn[{\"msg\": msg, \"path\": [i]}] {\n  input[i].Cmd == \"run\"\n  \
             input[i].Flags[0] == \"--mount=type=cache,target=/root/.m2\"\n  \
             msg = sprintf(\"%v %v %v\", [input[i].Stage, input[i].StartLine, input[i].JSON])\n}\n\n\
             deny[msg] {\n  input[i].Cmd == \"cmd\"\n  input[i].JSON\n  msg = concat(\" \", input[i].Value)\n}\n",
        )])
        .unwrap()
        .unwrap();
        let text = "FROM openjdk:17 AS build\nRUN --mount=type=cache,target=/root/.m2 mvn package\nCMD [\"java\", \"-jar\", \"app.jar\"]\n";
        let dockerfile = crate::parse::dockerfile::parse(text);
        let source = SourceFile::new("Dockerfile", text.to_owned());
        let found = loaded
            .evaluator()
            .evaluate_dockerfile(&dockerfile, &source, FileId(0));
        let summary: Vec<(&str, &str, u32)> = found
            .iter()
            .map(|f| (f.rule.id, f.message.as_str(), f.span.start))
            .collect();
        assert_eq!(
            summary,
            [
                ("MAIN.deny", "[\"openjdk:17\", \"AS\", \"build\"]", 0),
                ("MAIN.deny", "java -jar app.jar", 0),
                ("MAIN.warn", "0 2 false", 25),
            ]
        );
    }

    #[test]
    fn policies_that_read_data_mslint_see_every_object_of_the_scan() {
        let loaded = policies(&[(
            "services.rego",
            "package main\n\ndeny contains msg if {\n  input.kind == \"Deployment\"\n  \
             not some_service_selects\n  msg := sprintf(\"no Service selects %v\", [input.metadata.name])\n}\n\n\
             some_service_selects if {\n  some s in data.mslint.objects\n  s.kind == \"Service\"\n  \
             s.spec.selector.app == input.spec.template.metadata.labels.app\n}\n",
        )])
        .unwrap()
        .unwrap();
        let objects = parse_objects(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  template:\n    metadata: {labels: {app: cart}}\n\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lonely}\nspec:\n  template:\n    metadata: {labels: {app: lonely}}\n\
             ---\napiVersion: v1\nkind: Service\nmetadata: {name: cart}\nspec:\n  selector: {app: cart}\n",
        );
        let scoped = loaded.with_scan(objects.iter());
        let messages: Vec<String> = objects
            .iter()
            .flat_map(|o| scoped.evaluator().evaluate(o, FileId(0)))
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["no Service selects lonely"]);
    }

    #[test]
    fn metadata_annotations_name_the_rule() {
        let loaded = policies(&[(
            "annotated.rego",
            "# METADATA\n# title: Team label\n# description: Every workload names its team.\n# custom:\n#   id: ORG009\n#   severity: warning\n\
             package mslint.team\n\ndeny contains \"no team\" if { not input.metadata.labels.team }\n",
        )])
        .unwrap()
        .unwrap();
        let rules = loaded.rules();
        let rule = rules[0];
        assert_eq!(
            (rule.id, rule.name, rule.severity),
            ("ORG009", "team-label", Severity::Warning)
        );
        assert_eq!(rule.docs, "Every workload names its team.");
    }

    #[test]
    fn a_broken_policy_stops_with_its_file_and_line() {
        let error = policies(&[(
            "broken.rego",
            "package main\ndeny contains msg if {\n  msg := \n}\n",
        )])
        .unwrap_err();
        assert!(error.0.contains("broken.rego:"), "{error}");
        let clash = policies(&[(
            "clash.rego",
            "package mslint.k8s001\ndeny contains \"x\" if { true }\n",
        )])
        .unwrap_err();
        assert!(clash.0.contains("built-in rule"), "{clash}");
    }
}
