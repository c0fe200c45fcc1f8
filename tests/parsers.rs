//! Property tests: the parsers and the whole pipeline never panic, every span and line/column
//! points at a real position of its own file, and the output does not depend on the number of
//! threads. The properties themselves live in `common/properties.rs`, which the fuzz targets
//! (`fuzz/`) assert too.

mod common;

use std::path::Path;

use common::properties::{check_dockerfile, check_pipeline, check_shell, check_suppressions, check_yaml};
use proptest::prelude::*;

/// Texts of up to `most` pieces, each one of `list`.
fn pieces(list: &[&'static str], most: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(list.to_vec()), 0..most).prop_map(|p| p.concat())
}

fn yamlish() -> impl Strategy<Value = String> {
    pieces(
        &[
            "a",
            "b: ",
            "- ",
            "\n",
            "  ",
            "\t",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "\"",
            "'",
            "&x ",
            "*x",
            "<<: ",
            "---\n",
            "é",
            "#c",
            "|\n",
            "~",
            "apiVersion: v1\n",
            "kind: Pod\n",
            "\r",
            "\r\n",
            "\u{feff}",
        ],
        40,
    )
}

/// Texts kubectl reads as JSON (they start with `{`): mostly streams of objects, some broken.
fn jsonish() -> impl Strategy<Value = String> {
    pieces(
        &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\t",
            "\"k\"",
            "\"é😀\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\n\\u00e9\"",
            "\"\\",
            "-1.5e3",
            "0",
            "true",
            "null",
            "\"kind\": \"Pod\"",
            "\u{feff}",
        ],
        40,
    )
    .prop_map(|text| format!("{{{text}"))
}

fn dockerfilish() -> impl Strategy<Value = String> {
    pieces(
        &[
            "FROM alpine:3.20 AS build\n",
            "FROM build\n",
            "# escape=`\n",
            "# syntax=docker/dockerfile:1\n",
            "RUN <<EOF\n",
            "RUN <<-EOF\n",
            "RUN cat <<EOF > /etc/motd\n",
            "RUN python3 <<'PY' && cat <<-END\n",
            "COPY <<EOF /app/x\n",
            "EOF\n",
            "\tEND\n",
            "PY\n",
            "echo é ${X}\n",
            "RUN apt-get install -y curl \\\n",
            "  && rm -rf /var/lib/apt/lists/*\n",
            "ONBUILD RUN echo x\n",
            "HEALTHCHECK CMD [\"curl\", \"-f\"]\n",
            "ENV A=1 B=\"two words\" C='x'\n",
            "ARG V\n",
            "LABEL a=b \\\n",
            "COPY --from=build --chown=1:1 a b /c/\n",
            "CMD [\"/app\", \"é\"]\n",
            "USER 1000\n",
            "RUN `\n",
            "\r\n",
            "\r",
            "\n",
            " ",
            "\u{feff}",
        ],
        30,
    )
}

fn shellish() -> impl Strategy<Value = String> {
    pieces(
        &[
            "apt-get",
            "install",
            " ",
            "  ",
            "-y",
            "&&",
            "||",
            "|",
            ";",
            "&",
            "\n",
            "\r\n",
            "\\\n",
            "\\",
            "`",
            "'a b'",
            "\"x\\\"y\"",
            "\"",
            "'",
            "#c",
            "$(",
            ")",
            "{",
            "}",
            "(",
            "é",
            "日本",
            "A=1",
            "sudo",
            "if",
            "then",
            "fi",
            "<<EOF",
            "\t",
        ],
        40,
    )
}

fn suppressionish() -> impl Strategy<Value = String> {
    pieces(
        &[
            "# mslint ignore=",
            "#mslint ignore-file = ",
            "K8S014",
            "df004",
            "é",
            ",",
            " , ",
            " reason=\"",
            "because é\"",
            "\"",
            "'",
            "key: value ",
            "  ",
            "\n",
            "\r\n",
            "\t",
            "RUN x ",
            "#",
        ],
        30,
    )
}

/// Files named as a repository names them, each a fixture of the project cut, spliced with
/// another and sprinkled with YAML and Dockerfile fragments.
fn tree() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop::sample::select(vec![
        "x.yaml",
        "Dockerfile",
        "kong.yml",
        "deploy/app.yaml",
        "deploy/app.json",
        "svc/api.Dockerfile",
        "kustomization.yaml",
    ]);
    let file = (
        names,
        0..fixture_texts().len(),
        0..fixture_texts().len(),
        any::<prop::sample::Index>(),
        yamlish(),
        dockerfilish(),
    );
    prop::collection::vec(file, 1..6).prop_map(|files| {
        files
            .into_iter()
            .map(|(name, a, b, cut, yaml, docker)| {
                let (first, second) = (&fixture_texts()[a], &fixture_texts()[b]);
                let at = cut.index(first.len() + 1);
                let at = (0..=at).rev().find(|&i| first.is_char_boundary(i)).unwrap_or(0);
                let fragment = if name.contains("ockerfile") { docker } else { yaml };
                (name.to_owned(), format!("{}{fragment}{second}", &first[..at]))
            })
            .collect()
    })
}

/// The text of every fixture file (read once).
fn fixture_texts() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut texts: Vec<String> = common::files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .into_iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect();
        texts.sort();
        texts
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn yaml_never_panics_and_spans_are_source_text(text in yamlish()) {
        check_yaml(&text);
    }

    #[test]
    fn yaml_survives_arbitrary_text(text in "\\PC{0,200}") {
        check_yaml(&text);
    }

    #[test]
    fn json_never_panics_and_spans_are_source_text(text in jsonish()) {
        check_yaml(&text);
    }

    #[test]
    fn dockerfiles_never_panic_and_spans_stay_inside(text in "(FROM|RUN|USER|ENV|ARG|COPY|CMD|\\\\\n| |a=b|\"|'|\\[|\\]|<<EOF\n|EOF\n|\n|x|#){0,40}") {
        check_dockerfile(&text);
    }

    #[test]
    fn dockerfiles_with_heredocs_and_directives_keep_their_spans(text in dockerfilish()) {
        check_dockerfile(&text);
    }

    #[test]
    fn shell_words_are_located_in_their_script(script in shellish(), base in 0usize..5000, backtick in any::<bool>()) {
        check_shell(&script, base, if backtick { '`' } else { '\\' });
    }

    #[test]
    fn suppression_comments_are_located_where_they_are_written(text in suppressionish(), dockerfile in any::<bool>()) {
        check_suppressions(&text, dockerfile);
    }

    #[test]
    fn parsers_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        check_yaml(&text);
        check_dockerfile(&text);
        check_shell(&text, 0, '\\');
        check_suppressions(&text, false);
    }
}

proptest! {
    // Each case scans a folder twice with the binary and once with the library.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_pipeline_locates_every_finding_and_ignores_the_thread_count(files in tree()) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        check_pipeline(dir.path(), 2);
        let report = |jobs: &str| {
            assert_cmd::Command::cargo_bin("mslint")
                .unwrap()
                .current_dir(dir.path())
                .args(["--format", "sarif", "--jobs", jobs, "."])
                .output()
                .unwrap()
        };
        let (one, two) = (report("1"), report("2"));
        prop_assert!(matches!(one.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&one.stderr));
        prop_assert_eq!(one.status.code(), two.status.code());
        prop_assert!(one.stdout == two.stdout, "-j 1 and -j 2 differ");
    }
}
