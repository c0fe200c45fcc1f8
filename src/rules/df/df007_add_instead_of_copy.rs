//! DF007 add-instead-of-copy.
use crate::parse::dockerfile::{Arguments, Flag, Word};
use crate::rules::prelude::*;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags an `ADD` (in any stage) that copies a local file or directory that is not a tar
    /// archive, pointing at `ADD`. Variables in the source are expanded from the `ARG` and `ENV`
    /// values before it; a source whose variable has no value is judged by its name as written
    /// (`ADD ${JAR_FILE} app.jar` is flagged, as KICS does).
    ///
    /// Not flagged: local tar archives, which `ADD` unpacks on purpose (`.tar`, `.tgz`,
    /// `.tar.gz`, `.tar.bz2`, `.tar.xz`, `.tar.zst`, and other `.gz`, `.bz2`, `.xz`, `.zst`
    /// names, since Docker decides by content and a compressed tarball may be named so); URLs and
    /// git sources, which are fetched rather than copied and are a different concern; here-doc
    /// sources. One finding per `ADD`, naming the first local source that is not an archive.
    ///
    /// ## Why is this bad?
    /// `ADD` does more than copy: it fetches URLs and unpacks archives. Using it for plain files
    /// hides which of these the author meant, and a file that later becomes (or is renamed to) a
    /// tarball is silently unpacked into the image. `COPY` does only what it says.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD target/app.jar /app/app.jar
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY target/app.jar /app/app.jar
    /// ```
    ///
    /// ## Guideline
    /// Seed 001, §12 "Deploy in Containers": Dockerfiles should be minimal and reproducible.
    /// Seed 000, "Containerization".
    pub AddInsteadOfCopy {
        id: "DF007",
        name: "add-instead-of-copy",
        family: Family::Df,
        severity: Severity::Note,
        scope: Scope::Dockerfile,
        security: false,
        guideline: "seed 001 §12 Deploy in Containers; seed 000 §Containerization",
    }
}

/// Suffixes of names that `ADD` may unpack.
const ARCHIVES: &[&str] = &[
    ".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".gz", ".bz2", ".xz", ".zst",
];

impl Rule for AddInsteadOfCopy {
    fn check_dockerfile(&self, image: &Image<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        for stage in image.stages() {
            for add in stage.instructions_named("ADD") {
                let Arguments::Transfer { sources, dest } = &add.arguments else {
                    continue;
                };
                let plain = |source: &&Word| {
                    let path = image
                        .expand(&stage, add, &source.text)
                        .unwrap_or_else(|| source.text.clone());
                    !is_remote(&path) && !is_archive(&path)
                };
                let (copied, kept): (Vec<&Word>, Vec<&Word>) = sources.iter().partition(plain);
                let Some(first) = copied.first() else { continue };
                let flags = add.flags.as_slice();
                let help = if kept.is_empty() {
                    format!(
                        "use COPY for local files:\n{}",
                        line("COPY", flags, &copied, dest)
                    )
                } else {
                    format!(
                        "copy the plain files with COPY and keep ADD for the rest:\n{}\n{}",
                        line("COPY", flags, &copied, dest),
                        line("ADD", flags, &kept, dest)
                    )
                };
                out.report(
                    add.keyword_span,
                    format!(
                        "`ADD` copies the local `{}`, which `COPY` does without fetching URLs or unpacking archives",
                        first.text
                    ),
                )
                .help(help);
            }
        }
    }
}

/// URLs and git sources (`https://…`, `git@host:repo`) are fetched, not taken from the context.
fn is_remote(path: &str) -> bool {
    path.contains("://") || path.starts_with("git@")
}

fn is_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ARCHIVES.iter().any(|suffix| lower.ends_with(suffix))
}

/// The instruction rewritten with `keyword` and `sources`, keeping the flags `COPY` also takes.
fn line(keyword: &str, flags: &[Flag], sources: &[&Word], dest: &Word) -> String {
    let mut words: Vec<String> = vec![keyword.to_owned()];
    for flag in flags
        .iter()
        .filter(|f| matches!(f.name.text.as_str(), "chown" | "chmod" | "link"))
    {
        match &flag.value {
            Some(value) => words.push(format!("--{}={}", flag.name.text, OneLine(&value.text))),
            None => words.push(format!("--{}", flag.name.text)),
        }
    }
    words.extend(sources.iter().map(|s| OneLine(&s.text).to_string()));
    words.push(OneLine(&dest.text).to_string());
    words.join(" ")
}
