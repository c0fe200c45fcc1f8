//! K8S014 image-tag-not-pinned.
use crate::model::ImageRef;
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

/// The option listing the registries images may come from.
const ALLOWED_REGISTRIES: &str = "allowed-registries";

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
        options: &[RuleOption {
            name: ALLOWED_REGISTRIES,
            kind: OptionKind::Strings,
            doc: "registries (`ghcr.io`) or registry paths (`ghcr.io/shop`) images may come from; \
                  when set, an image from any other (Docker Hub for a bare `nginx`) is flagged too. \
                  Unset by default: any registry.",
        }],
    }
}

impl Rule for ImageTagNotPinned {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(workload) = Workload::of(object) else {
            return;
        };
        let allowed = cx.options.strings(self.meta().id, ALLOWED_REGISTRIES);
        for container in workload.pod.containers() {
            let Some(image) = container.image() else {
                continue;
            };
            let Some(reference) = image.as_text() else {
                continue;
            };
            if ImageRef::is_templated(reference) {
                continue;
            }
            let parsed = ImageRef::parse(reference);
            if let Some(allowed) = allowed.filter(|a| !parsed.comes_from_any(a)) {
                out.report(
                    image.span,
                    format!(
                        "{} `{}`, container `{}`: image `{reference}` comes from `{}`, which is not an allowed registry ({})",
                        workload.kind_name(),
                        workload.qualified_name(),
                        container.name(),
                        parsed.registry(),
                        allowed.join(", ")
                    ),
                )
                .help(format!(
                    "pull the image from an allowed registry (mirror it there first):\nimage: {}/{}",
                    allowed.first().map_or("registry.example.com", String::as_str),
                    OneLine(parsed.repository.rsplit('/').next().unwrap_or_default())
                ))
                .object(ObjectRef::of(object));
            }
            if parsed.is_pinned() {
                continue;
            }
            let problem = parsed.tag_problem();
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
                OneLine(parsed.repository)
            ))
            .object(ObjectRef::of(object));
        }
    }
}
