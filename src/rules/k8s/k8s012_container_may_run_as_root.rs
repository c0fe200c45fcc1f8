//! K8S012 container-may-run-as-root.
use crate::fix::yaml::set_path;
use crate::fix::{Applicability, Edit, Fix};
use crate::model::{Container, ContainerRole};
use crate::rules::prelude::*;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a container (app, init or native sidecar) that may run as root: neither it nor the
    /// pod sets `runAsNonRoot: true` or a non-zero `runAsUser`, or the effective `runAsUser` is
    /// `0`. Both fields are shared between the pod's and the container's `securityContext`, and
    /// the container's value wins, as in Kubernetes: a container's `runAsNonRoot: false` undoes
    /// the pod's `true`.
    ///
    /// An explicit `runAsUser: 0` is reported at that value, and so is a `runAsNonRoot: false`
    /// that decides the outcome. A missing setting is reported at the container's
    /// `securityContext`, else the pod's, else the container's `name:`. A finding that points at
    /// a pod-level value or the pod's `securityContext` names every container it concerns, once.
    /// Ephemeral debug containers are exempt, and so are pods with `hostUsers: false` (uid 0
    /// inside a user namespace is an unprivileged uid on the node, as the Pod Security Standards
    /// accept) and Windows pods, which have no uid 0. A value that is not a plain number or
    /// boolean (a template placeholder) counts as set.
    ///
    /// ## Why is this bad?
    /// Without these settings the container runs as whatever user the image names, which is
    /// root for most images. A root process can rewrite the image's files and is one kernel or
    /// runtime bug away from root on the node. `runAsNonRoot: true` makes the kubelet refuse to
    /// start a container whose image would run as root.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: server
    ///       image: shop/cart:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: server
    ///       image: shop/cart:1.4.2
    /// ```
    ///
    /// ## Fix
    /// Unsafe: `--fix --unsafe-fixes` sets `runAsNonRoot: true` in each container's own
    /// `securityContext` where neither field is set, and turns an explicit `runAsNonRoot: false`
    /// into `true`. The kubelet then refuses to start a container whose image runs as root, so
    /// check the image's `USER` first. A `runAsUser: 0` has no fix: a person picks the uid.
    ///
    /// ## Guideline
    /// Seed 000, "Security": security enforcement is a stage every service passes. Seed 002,
    /// "Frequently Asked Questions": microservices widen the attack surface, so apply zero trust
    /// and least privilege.
    pub ContainerMayRunAsRoot {
        id: "K8S012",
        name: "container-may-run-as-root",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
        fix: Applicability::Unsafe,
    }
}

/// Why a container may run as root.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// The effective `runAsUser` is 0.
    RootUser,
    /// The effective `runAsNonRoot` is false and no non-zero `runAsUser` is set.
    NonRootDisabled,
    /// Neither field is set.
    Unset,
}

impl Problem {
    fn describe(self, plural: bool) -> &'static str {
        match self {
            Problem::RootUser if plural => "run as root (runAsUser: 0)",
            Problem::RootUser => "runs as root (runAsUser: 0)",
            Problem::NonRootDisabled => "may run as root (runAsNonRoot: false and no non-zero runAsUser)",
            Problem::Unset => "may run as root (neither runAsNonRoot: true nor a non-zero runAsUser)",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Problem::RootUser => {
                "run as an unprivileged uid the image can use:\nsecurityContext:\n  \
                 runAsNonRoot: true\n  runAsUser: 10001"
            }
            Problem::NonRootDisabled | Problem::Unset => {
                "require a non-root user, in the pod's or the container's securityContext:\n\
                 securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001"
            }
        }
    }
}

/// One finding before it is reported: where, why, and the containers it concerns.
struct Pending {
    span: Span,
    problem: Problem,
    containers: Vec<String>,
    /// The edits that make each container non-root; `None` once one of them has none.
    edits: Option<Vec<Edit>>,
}

impl Rule for ContainerMayRunAsRoot {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        if workload.pod.targets_windows() || workload.pod.has_own_user_namespace() {
            return;
        }
        let mut pending: Vec<Pending> = Vec::new();
        for container in workload
            .pod
            .containers()
            .filter(|c| c.role != ContainerRole::Ephemeral)
        {
            let Some((span, problem)) = root_problem(&container) else {
                continue;
            };
            let name = container.name().to_owned();
            let edit = non_root_edit(object.source, &container, span, problem);
            match pending
                .iter_mut()
                .find(|p| p.span == span && p.problem == problem)
            {
                Some(found) => {
                    found.containers.push(name);
                    found.edits = found.edits.take().zip(edit).map(|(mut edits, edit)| {
                        edits.push(edit);
                        edits
                    });
                }
                None => pending.push(Pending {
                    span,
                    problem,
                    containers: vec![name],
                    edits: edit.map(|edit| vec![edit]),
                }),
            }
        }
        for finding in pending {
            let noun = if finding.containers.len() == 1 {
                "container"
            } else {
                "containers"
            };
            let names = finding
                .containers
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.report(
                finding.span,
                format!(
                    "{} `{}`, {noun} {names} {}",
                    workload.kind_name(),
                    workload.qualified_name(),
                    finding.problem.describe(finding.containers.len() > 1)
                ),
            )
            .help(finding.problem.help())
            .object(ObjectRef::of(object))
            .fix(finding.edits.and_then(|mut edits| {
                edits.sort();
                edits.dedup();
                Fix::unsafe_("set `runAsNonRoot: true`", edits)
            }));
        }
    }
}

/// The edit that makes a container refuse to run as root: `runAsNonRoot: true` where it is unset
/// (in the container's own `securityContext`), `true` for an explicit `false`. A uid 0 needs a
/// uid a person picks.
fn non_root_edit(source: &str, container: &Container<'_, '_>, span: Span, problem: Problem) -> Option<Edit> {
    match problem {
        Problem::RootUser => None,
        Problem::NonRootDisabled => Some(Edit::replace(span, "true")),
        Problem::Unset => set_path(
            source,
            container.node,
            &["securityContext", "runAsNonRoot"],
            "true",
        ),
    }
}

/// Where and why a container may run as root, or `None` when it is known to run as non-root.
fn root_problem(container: &Container<'_, '_>) -> Option<(Span, Problem)> {
    if let Some(user) = container.effective_security("runAsUser") {
        // A non-zero uid is never root; a placeholder counts as set.
        return (user.as_i64() == Some(0)).then_some((user.span, Problem::RootUser));
    }
    match container.effective_security("runAsNonRoot") {
        Some(flag) if flag.as_bool() == Some(false) => Some((flag.span, Problem::NonRootDisabled)),
        Some(_) => None,
        None => {
            let span = if container.node.entry("securityContext").is_some() {
                container.security_context_span()
            } else {
                container
                    .pod
                    .node
                    .entry("securityContext")
                    .map_or_else(|| container.name_entry_span(), |e| e.key.span)
            };
            Some((span, Problem::Unset))
        }
    }
}
