//! K8S014 image-tag-not-pinned.
use crate::model::ImageRef;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a container image (app, init, sidecar or ephemeral container) with no tag or with
    /// the tag `latest`. A digest (`@sha256:…`) pins the image whatever the tag. References that
    /// still hold a variable (`$TAG`, `${IMAGE}`, `{{ … }}`) are left alone: they are filled in
    /// by a later step.
    ///
    /// ## Why is this bad?
    /// A moving tag makes every pod restart a possible upgrade: two replicas of one Deployment can
    /// run different code, a rollback does not roll back, and nobody can say what ran when an
    /// incident began.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2@sha256:9b2f…
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §12 "Deploy in Containers": images are minimal and reproducible. Seed 003,
    /// "Deployment": each release is a versioned, immutable artefact.
    pub ImageTagNotPinned {
        id: "K8S014",
        name: "image-tag-not-pinned",
        family: Family::K8s,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: true,
        guideline: "seed 001 §12 Deploy in Containers; seed 003 §Deployment",
    }
}

impl Rule for ImageTagNotPinned {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        for container in workload.pod.containers() {
            let Some(image) = container.image() else {
                continue;
            };
            let Some(reference) = image.as_text() else {
                continue;
            };
            if ImageRef::is_templated(reference) || ImageRef::parse(reference).is_pinned() {
                continue;
            }
            let problem = ImageRef::parse(reference).tag_problem();
            out.report(
                image.span,
                format!(
                    "{} `{}`, container `{}`: image `{reference}` {problem}",
                    workload.kind_name(),
                    workload.qualified_name(),
                    container.name()
                ),
            )
            .help(format!(
                "pin the image to a released version, ideally with its digest:\nimage: {}:1.2.3@sha256:<digest>",
                ImageRef::parse(reference).repository
            ))
            .object(ObjectRef::of(object));
        }
    }
}
