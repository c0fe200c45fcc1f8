//! DF005 unpinned-base-image.
use crate::model::ImageRef;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a `FROM` whose image has no tag or the tag `latest`. `FROM scratch`, earlier stages
    /// named with `AS`, and digest-pinned images are fine. Variables are expanded from the
    /// `ARG` defaults declared before the first `FROM`; an image whose variable has no default is
    /// left alone, since the build supplies it.
    ///
    /// ## Why is this bad?
    /// A floating base image makes the build unreproducible: the same commit builds a different
    /// image next week, with a different libc, runtime or CVE set, and a rebuild to fix one bug
    /// can ship another.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:latest
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12.4-slim@sha256:…
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §12 "Deploy in Containers": containers are minimal and reproducible. Seed 000,
    /// "Containerization".
    pub UnpinnedBaseImage {
        id: "DF005",
        name: "unpinned-base-image",
        family: Family::Df,
        severity: Severity::Warning,
        scope: Scope::Dockerfile,
        security: true,
        guideline: "seed 001 §12 Deploy in Containers; seed 000 §Containerization",
    }
}

impl Rule for UnpinnedBaseImage {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        for stage in image.stages() {
            let Some(written) = stage.base() else {
                continue;
            };
            if written.text.eq_ignore_ascii_case("scratch")
                || image.stage_named(&written.text, stage.index).is_some()
            {
                continue;
            }
            let Some(resolved) = image.resolved_base(&stage) else {
                continue;
            };
            if resolved.eq_ignore_ascii_case("scratch") || image.stage_named(&resolved, stage.index).is_some()
            {
                continue;
            }
            let reference = ImageRef::parse(&resolved);
            if reference.is_pinned() || ImageRef::is_templated(&resolved) {
                continue;
            }
            let problem = reference.tag_problem();
            out.report(written.span, format!("base image `{resolved}` {problem}"))
                .help(format!(
                    "pin the base image to a version, ideally with its digest:\nFROM {}:<version>@sha256:<digest>",
                    OneLine(reference.repository)
                ));
        }
    }
}
