//! The rule trait, rule metadata, and the sink rules report into.

pub mod df;
pub mod gw;
pub mod ist;
pub mod k8s;
pub mod ms;
pub mod ns;
pub mod registry;
pub mod sec;

use std::fmt;

use crate::index::Index;
use crate::model::{Image, Object};
use crate::source::escape::escape_controls_owned;
use crate::source::{FileId, Span};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Note,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// The lowercase name, as SARIF and the CLI spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rule families, one per id prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// DF: Dockerfiles.
    Df,
    /// K8S: Kubernetes workloads.
    K8s,
    /// NS: per-namespace checks.
    Ns,
    /// IST: Istio.
    Ist,
    /// GW: API gateways.
    Gw,
    /// SEC: secrets anywhere.
    Sec,
    /// MS: parse and engine diagnostics.
    Ms,
    /// POLICY: organisation policies in Rego, whatever ids they report as.
    Policy,
}

impl Family {
    /// Every family of built-in rules, in the order rule ids sort.
    pub const ALL: [Family; 7] = [
        Family::Df,
        Family::Gw,
        Family::Ist,
        Family::K8s,
        Family::Ms,
        Family::Ns,
        Family::Sec,
    ];

    /// The id prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Df => "DF",
            Family::K8s => "K8S",
            Family::Ns => "NS",
            Family::Ist => "IST",
            Family::Gw => "GW",
            Family::Sec => "SEC",
            Family::Ms => "MS",
            Family::Policy => "POLICY",
        }
    }

    /// The lowercase folder name under `src/rules/` and `fixtures/`.
    pub fn folder(self) -> &'static str {
        match self {
            Family::Df => "df",
            Family::K8s => "k8s",
            Family::Ns => "ns",
            Family::Ist => "ist",
            Family::Gw => "gw",
            Family::Sec => "sec",
            Family::Ms => "ms",
            Family::Policy => "policy",
        }
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One object at a time (it may consult the index).
    Object,
    /// One Dockerfile at a time.
    Dockerfile,
    /// Every scanned file on its own: each object and each Dockerfile (a rule implements both
    /// `check_object` and `check_dockerfile`, e.g. a secret scan).
    File,
    /// The whole scan at once: a cross-file rule.
    Project,
    /// The whole scan at once, judging each namespace as a whole (no NetworkPolicy in it): a
    /// cross-file rule whose findings concern no single file.
    Namespace,
    /// Reported by the engine itself (parse errors).
    Engine,
}

/// Everything known about a rule except how it checks.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, e.g. `K8S002`.
    pub id: &'static str,
    /// Kebab-case name, e.g. `missing-readiness-probe`.
    pub name: &'static str,
    /// Family (agrees with the id prefix).
    pub family: Family,
    /// Default severity.
    pub severity: Severity,
    /// What it looks at.
    pub scope: Scope,
    /// True when the rule is about security (SARIF `security-severity`).
    pub security: bool,
    /// Where the guideline asks for it: `seed 000 §Section`.
    pub guideline: &'static str,
    /// The doc comment, in the five sections.
    pub docs: &'static str,
    /// The settings a configuration may give the rule (`rules: { ID: { options: … } }`).
    pub options: &'static [RuleOption],
    /// The kind of the fixes its findings carry, when it has any (its doc's "Fix" section says
    /// what they change).
    pub fix: Option<crate::fix::Applicability>,
}

/// A setting a rule reads from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct RuleOption {
    /// Its key, kebab-case.
    pub name: &'static str,
    /// What value it takes.
    pub kind: OptionKind,
    /// What it changes, and its default.
    pub doc: &'static str,
}

/// The value type of a rule option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A whole number no smaller than `min`.
    Integer {
        /// The smallest value accepted.
        min: i64,
    },
    /// A list of strings.
    Strings,
    /// A list of regular expressions (Rust `regex` syntax), checked when the configuration is
    /// read.
    Patterns,
}

/// A rule option's value, as the configuration gives it.
#[derive(Debug, Clone)]
pub enum OptionValue {
    /// See [`OptionKind::Integer`].
    Integer(i64),
    /// See [`OptionKind::Strings`].
    Strings(Vec<String>),
    /// See [`OptionKind::Patterns`]: the expressions as written, and compiled once.
    Patterns(Vec<String>, regex::RegexSet),
}

impl PartialEq for OptionValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (OptionValue::Integer(a), OptionValue::Integer(b)) => a == b,
            (OptionValue::Strings(a), OptionValue::Strings(b))
            | (OptionValue::Patterns(a, _), OptionValue::Patterns(b, _)) => a == b,
            _ => false,
        }
    }
}

impl Eq for OptionValue {}

/// The options a configuration gives rules: (rule id, option name, value).
#[derive(Debug, Clone, Default)]
pub struct RuleOptions(pub Vec<(String, String, OptionValue)>);

impl RuleOptions {
    fn get(&self, rule: &str, name: &str) -> Option<&OptionValue> {
        self.0
            .iter()
            .find(|(r, n, _)| r == rule && n == name)
            .map(|(_, _, v)| v)
    }

    /// A whole-number option of a rule, if the configuration sets it.
    pub fn integer(&self, rule: &str, name: &str) -> Option<i64> {
        match self.get(rule, name)? {
            OptionValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// A list option of a rule, if the configuration sets it.
    pub fn strings(&self, rule: &str, name: &str) -> Option<&[String]> {
        match self.get(rule, name)? {
            OptionValue::Strings(list) => Some(list),
            _ => None,
        }
    }

    /// A pattern-list option of a rule, compiled, if the configuration sets it.
    pub fn patterns(&self, rule: &str, name: &str) -> Option<&regex::RegexSet> {
        match self.get(rule, name)? {
            OptionValue::Patterns(_, set) => Some(set),
            _ => None,
        }
    }
}

impl RuleMeta {
    /// [`RuleMeta::summary`], worked out once per run for a built-in rule: every finding
    /// without help of its own carries it.
    pub fn summary_text(&self) -> std::borrow::Cow<'static, str> {
        static BUILT_IN: std::sync::LazyLock<Vec<(&'static RuleMeta, String)>> =
            std::sync::LazyLock::new(|| {
                registry::ALL
                    .iter()
                    .map(|rule| (rule.meta(), rule.meta().summary()))
                    .collect()
            });
        // Policies' rules share no docs with built-in ones, so the docs tell them apart.
        BUILT_IN
            .iter()
            .find(|(meta, _)| meta.id == self.id && std::ptr::eq(meta.docs, self.docs))
            .map_or_else(|| self.summary().into(), |(_, summary)| summary.as_str().into())
    }

    /// The first paragraph of "What it does", as one line.
    pub fn summary(&self) -> String {
        self.section("What it does")
            .split("\n\n")
            .next()
            .unwrap_or("")
            .replace('\n', " ")
    }

    /// The body of a `## Heading` section of the docs, trimmed.
    pub fn section(&self, heading: &str) -> String {
        let marker = format!("## {heading}");
        let mut lines = self.doc_lines().skip_while(|l| l.trim() != marker).skip(1);
        let mut body = Vec::new();
        for line in lines.by_ref() {
            if line.starts_with("## ") {
                break;
            }
            body.push(line);
        }
        body.join("\n").trim().to_owned()
    }

    /// The docs with the one-space indent of `///` comments removed.
    pub fn doc_lines(&self) -> impl Iterator<Item = &'static str> {
        self.docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l))
    }
}

/// The half of a rule that `declare_rule!` writes.
pub trait Describe {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A check. Implement the method for the rule's scope; the others do nothing.
pub trait Rule: Describe + Sync {
    /// Checks one object.
    fn check_object(&self, _object: &Object<'_>, _cx: &Context<'_, '_>, _out: &mut Findings) {}
    /// Checks one Dockerfile.
    fn check_dockerfile(&self, _image: &Image<'_>, _cx: &Context<'_, '_>, _out: &mut Findings) {}
    /// Checks the whole scan.
    fn check_project(&self, _cx: &Context<'_, '_>, _out: &mut Findings) {}
}

/// What every check may consult besides its target.
pub struct Context<'i, 's> {
    /// Every object of the scan.
    pub index: &'i Index<'i, 's>,
    /// The options the configuration gives rules.
    pub options: &'i RuleOptions,
}

/// An object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectRef {
    /// Kind as Kubernetes spells it (`Deployment`), or `Dockerfile`.
    pub kind: String,
    /// Namespace, when namespaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name (a stage name for Dockerfiles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ObjectRef {
    /// The reference for a Kubernetes-style object, its names safe to print (see
    /// [`crate::source::escape::escape_controls`]).
    pub fn of(object: &Object<'_>) -> Self {
        ObjectRef {
            kind: object.kind().to_owned(),
            namespace: object.namespace().map(str::to_owned),
            name: object.name().map(str::to_owned),
        }
        .printable()
    }

    /// The reference with its names safe to print, however a rule built it.
    pub fn printable(self) -> Self {
        let printable = |text: String| escape_controls_owned(text, false);
        ObjectRef {
            kind: printable(self.kind),
            namespace: self.namespace.map(printable),
            name: self.name.map(printable),
        }
    }
}

/// Most related locations a finding lists: past a few, a list of places (every NetworkPolicy of
/// a namespace) says no more, and it would grow with the square of the scan.
pub const MAX_RELATED: usize = 10;

/// Names for a message to list, out of `total` names: all of them up to [`MAX_RELATED`], else
/// that many and how many more, so that a message stays short however many objects a file
/// repeats.
pub fn listed(total: usize, names: impl Iterator<Item = String>) -> String {
    let shown: Vec<String> = names.take(MAX_RELATED).collect();
    match total.saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// A finding as a rule reports it: spans not yet turned into lines.
#[derive(Debug, Clone)]
pub struct RawFinding {
    /// The rule.
    pub rule: &'static RuleMeta,
    /// The file the primary location is in.
    pub file: FileId,
    /// The primary location.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to change.
    pub help: Option<std::borrow::Cow<'static, str>>,
    /// The object it is about.
    pub object: Option<ObjectRef>,
    /// Other places that explain the finding, the first [`MAX_RELATED`] of them.
    pub related: Vec<(FileId, Span, String)>,
    /// How many related places past [`MAX_RELATED`] were left out.
    pub related_left_out: usize,
    /// Spans of the file that hold a secret, which output must not echo.
    pub secrets: Vec<Span>,
    /// A severity of the finding's own, below the rule's (see [`RawFinding::as_note`]); `None`
    /// for the rule's severity, or the one the configuration gives the rule.
    pub severity: Option<Severity>,
    /// The edits that resolve it, when a rule knows them.
    pub fix: Option<crate::fix::Fix>,
}

impl RawFinding {
    /// Reports the finding as a note, whatever the rule's severity and the configuration's: for
    /// a case the rule's doc names as usually accepted, kept visible rather than dropped.
    pub fn as_note(&mut self) -> &mut Self {
        self.severity = Some(Severity::Note);
        self
    }

    /// Marks the finding as pointing at a secret: reporters mask it instead of quoting it.
    pub fn sensitive(&mut self) -> &mut Self {
        self.secrets.push(self.span);
        self
    }

    /// Marks `span` as holding a secret, for a finding that points elsewhere (at the key that
    /// holds the values): reporters mask that span, and never the key.
    pub fn secret_at(&mut self, span: Span) -> &mut Self {
        self.secrets.push(span);
        self
    }

    /// Sets what to change.
    pub fn help(&mut self, help: impl Into<std::borrow::Cow<'static, str>>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the edits that resolve the finding (none when the rule could not compute them).
    pub fn fix(&mut self, fix: Option<crate::fix::Fix>) -> &mut Self {
        self.fix = fix;
        self
    }

    /// Names the object the finding is about.
    pub fn object(&mut self, object: ObjectRef) -> &mut Self {
        self.object = Some(object);
        self
    }

    /// Counts related locations left out without naming them, for a rule that knows how many
    /// there are without visiting each.
    pub fn more_related(&mut self, count: usize) -> &mut Self {
        self.related_left_out += count;
        self
    }

    /// Adds the related locations of a list: as many as [`MAX_RELATED`] leaves room for are
    /// placed and labelled by `place`, the rest only counted, so a long list costs no label it
    /// would not show.
    pub fn related_from<T>(
        &mut self,
        items: impl ExactSizeIterator<Item = T>,
        mut place: impl FnMut(T) -> (FileId, Span, String),
    ) -> &mut Self {
        let total = items.len();
        let room = MAX_RELATED.saturating_sub(self.related.len());
        self.related.extend(items.take(room).map(&mut place));
        self.related_left_out += total.saturating_sub(room);
        self
    }

    /// Adds a labelled related location; past [`MAX_RELATED`] it is only counted.
    pub fn related(&mut self, file: FileId, span: Span, label: impl Into<String>) -> &mut Self {
        if self.related.len() < MAX_RELATED {
            self.related.push((file, span, label.into()));
        } else {
            self.related_left_out += 1;
        }
        self
    }
}

/// Where one rule reports, stamped with its id and the file being checked.
pub struct Findings {
    rule: &'static RuleMeta,
    file: FileId,
    items: Vec<RawFinding>,
}

impl Findings {
    /// A sink for `rule` checking `file`.
    pub fn new(rule: &'static RuleMeta, file: FileId) -> Self {
        Findings {
            rule,
            file,
            items: Vec::new(),
        }
    }

    /// Reports at a span of the file being checked.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut RawFinding {
        self.report_in(self.file, span, message)
    }

    /// Reports at a span of any file (cross-file rules).
    pub fn report_in(&mut self, file: FileId, span: Span, message: impl Into<String>) -> &mut RawFinding {
        self.items.push(RawFinding {
            rule: self.rule,
            file,
            span,
            message: message.into(),
            help: None,
            object: None,
            related: Vec::new(),
            related_left_out: 0,
            secrets: Vec::new(),
            severity: None,
            fix: None,
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// The findings reported so far.
    pub fn into_vec(self) -> Vec<RawFinding> {
        self.items
    }
}

/// Declares a rule's type and metadata from its doc comment and fields.
macro_rules! declare_rule {
    (@options) => { &[] };
    (@options $options:expr) => { $options };
    (@fix) => { None };
    (@fix $fix:expr) => { Some($fix) };
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            id: $id:literal,
            name: $rule_name:literal,
            family: $family:expr,
            severity: $severity:expr,
            scope: $scope:expr,
            security: $security:literal,
            guideline: $guideline:literal
            $(, fix: $fix:expr)?
            $(, options: $options:expr)? $(,)?
        }
    ) => {
        #[doc = concat!($id, " ", $rule_name, ".")]
        $vis struct $name;

        impl $name {
            const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                name: $rule_name,
                family: $family,
                severity: $severity,
                scope: $scope,
                security: $security,
                guideline: $guideline,
                docs: concat!($($doc, "\n"),*),
                options: $crate::rules::declare_rule!(@options $($options)?),
                fix: $crate::rules::declare_rule!(@fix $($fix)?),
            };
        }

        impl $crate::rules::Describe for $name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }
        }
    };
}
pub(crate) use declare_rule;

/// What a rule file needs.
pub mod prelude {
    pub(crate) use super::declare_rule;
    pub use super::{
        Context, Describe, Family, Findings, ObjectRef, OptionKind, Rule, RuleOption, Scope, Severity,
    };
    pub use crate::model::{Image, Object, ProbeKind, Workload};
}

#[cfg(test)]
mod listed_tests {
    use super::*;

    #[test]
    fn names_past_the_related_cap_are_counted() {
        let names = |count: usize| (0..count).map(|n| format!("`s{n}`"));
        assert_eq!(listed(2, names(2)), "`s0`, `s1`");
        assert_eq!(
            listed(MAX_RELATED, names(MAX_RELATED)).matches('`').count(),
            2 * MAX_RELATED
        );
        let many = listed(20_000, names(20_000));
        assert!(many.starts_with("`s0`, `s1`"), "{many}");
        assert!(many.ends_with(&format!(
            "`s{}` and {} more",
            MAX_RELATED - 1,
            20_000 - MAX_RELATED
        )));
    }
}
