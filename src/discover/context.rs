//! The build context of a Dockerfile: its directory, what `.dockerignore` leaves in it, and which
//! of the files left look like secrets.

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

/// Most entries looked at in one context, so a huge tree cannot stall the scan.
const MAX_ENTRIES: usize = 100_000;
/// Directories not worth descending into for secrets.
const SKIPPED: &[&str] = &["node_modules", "target", "vendor", ".venv", "__pycache__"];
/// Directories that are secrets as a whole.
const SECRET_DIRS: &[&str] = &[".git", ".aws", ".ssh", ".gnupg"];
/// Largest `.env`, `.npmrc` or `.pypirc` file whose text is read for judging; a bigger one is
/// judged by its name alone.
const MAX_ENV_FILE: u64 = 64 * 1024;
/// Largest `.dockerignore` read. Past it, or when it cannot be read, what the context leaves
/// out is unknown, so no file of it is called exposed.
const MAX_IGNORE_FILE: u64 = 4 * 1024 * 1024;

/// What a Dockerfile's default build context (its directory) holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildContext {
    /// The ignore file in force, relative to the context, if any.
    pub ignore_file: Option<String>,
    /// Secret-looking files and directories (`.git/`) the ignore file does not exclude,
    /// relative to the context, sorted.
    pub exposed_secrets: Vec<String>,
    /// The text of every `.env` file of the context (`.env`, `.env.*`) of at most 64 KiB, by
    /// path relative to the context, excluded or not: whether it holds a secret depends on what
    /// it sets, which the model judges.
    pub env_files: std::collections::BTreeMap<String, String>,
}

/// Docker's `.dockerignore` rules: in order, last match wins, `!` re-includes, and a pattern
/// that matches a parent directory matches everything below it.
#[derive(Debug, Default)]
pub struct DockerIgnore {
    /// Every pattern, matched in one pass over a path.
    patterns: GlobSet,
    /// Whether each pattern (by its place in `patterns`) is an exception (`!`).
    exceptions: Vec<bool>,
}

/// Most patterns read from one ignore file or one instruction's `--exclude` flags: real ones
/// hold tens. Past it, what the context leaves out is unknown.
const MAX_IGNORE_PATTERNS: usize = 10_000;

impl DockerIgnore {
    /// Reads ignore-file text; `None` past [`MAX_IGNORE_PATTERNS`] patterns, or when they are
    /// too large to match together.
    pub fn parse(text: &str) -> Option<Self> {
        let mut patterns = GlobSetBuilder::new();
        let mut exceptions = Vec::new();
        // Docker drops a byte order mark that opens the file.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let Ok(glob) = GlobBuilder::new(&clean(pattern)).literal_separator(true).build() else {
                continue;
            };
            if exceptions.len() == MAX_IGNORE_PATTERNS {
                return None;
            }
            patterns.add(glob);
            exceptions.push(exception);
        }
        Some(DockerIgnore {
            patterns: patterns.build().ok()?,
            exceptions,
        })
    }

    /// Whether the context path (`/`-separated, relative) is left out of the build.
    pub fn excludes(&self, path: &str) -> bool {
        let parents = path.match_indices('/').map(|(i, _)| &path[..i]);
        let last = std::iter::once(path)
            .chain(parents)
            .filter_map(|candidate| self.patterns.matches(candidate).into_iter().max())
            .max();
        last.and_then(|n| self.exceptions.get(n))
            .is_some_and(|exception| !exception)
    }
}

/// `filepath.Clean` for patterns, without the leading `/` (patterns are relative to the context).
fn clean(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Whether a file name looks like it holds credentials; `contents` reads the file when the
/// name alone cannot tell (`.npmrc` with or without a token).
fn secret_file(name: &str, contents: impl FnOnce() -> String) -> bool {
    let lower = name.to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist", ".tpl"]
        .iter()
        .any(|s| lower.ends_with(s));
    if template || lower.ends_with(".pub") {
        return false;
    }
    let by_name = is_env_file(&lower)
        || lower.ends_with(".pem")
        || lower.ends_with(".key")
        || lower.ends_with(".p12")
        || lower.ends_with(".pfx")
        || ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
            .iter()
            .any(|k| lower.starts_with(k))
        || (lower.starts_with("credentials") && lower.ends_with(".json"))
        || lower == ".netrc"
        || lower == ".git-credentials";
    if by_name {
        return true;
    }
    match lower.as_str() {
        ".npmrc" => sets_literal(&contents(), &["_authToken", "_auth", "_password"]),
        ".pypirc" => sets_literal(&contents(), &["password"]),
        _ => false,
    }
}

/// Whether a (lower-case) file name is an environment file: `.env` or `.env.*` (templates are
/// told apart by the caller).
fn is_env_file(lower: &str) -> bool {
    lower == ".env" || lower.starts_with(".env.")
}

/// Whether an ini-style file (`.npmrc`, `.pypirc`) sets a key ending in one of `keys` (after a
/// `//registry/:` scope) to a literal. npm expands `${VAR}` in `.npmrc`, so
/// `_authToken=${NPM_TOKEN}` is the usual way to keep the token out of the file, not a token.
fn sets_literal(text: &str, keys: &[&str]) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            return false;
        }
        ['=', ':'].iter().any(|separator| {
            line.split_once(*separator).is_some_and(|(key, value)| {
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                keys.iter().any(|k| key.trim_end().ends_with(k)) && !value.is_empty() && !value.contains("${")
            })
        })
    })
}

/// Inspects the directory of a Dockerfile as its build context.
pub fn inspect(dockerfile: &Path) -> BuildContext {
    let Some(dir) = dockerfile.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    }) else {
        return BuildContext::default();
    };
    // A link in the context that leads outside the repository is not read.
    let Some(boundary) = super::boundary::boundary_of(dir) else {
        return BuildContext::default();
    };
    let read = |path: &Path, limit| super::boundary::read_inside(path, Some(&boundary), limit).ok();
    let specific = dockerfile
        .file_name()
        .map(|n| format!("{}.dockerignore", n.to_string_lossy()));
    let ignore_file = specific.filter(|name| dir.join(name).is_file()).or_else(|| {
        dir.join(".dockerignore")
            .is_file()
            .then(|| ".dockerignore".to_owned())
    });
    let rules = match &ignore_file {
        Some(name) => read(&dir.join(name), MAX_IGNORE_FILE).and_then(|text| DockerIgnore::parse(&text)),
        None => Some(DockerIgnore::default()),
    };
    let excluded = |relative: &str| rules.as_ref().is_none_or(|r| r.excludes(relative));
    let mut exposed = Vec::new();
    let mut env_files = std::collections::BTreeMap::new();
    let walker = WalkBuilder::new(dir)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            !(entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED.contains(&name.as_ref()))
        })
        .build();
    let mut visited = 0;
    // Secret directories whose fate is settled (excluded, or already listed), and those not
    // excluded as a whole that wait for their first file left in: `.git/*` leaves only the
    // empty directory, which holds nothing.
    let mut settled_dirs: Vec<String> = Vec::new();
    let mut open_dirs: Vec<String> = Vec::new();
    for entry in walker.flatten() {
        visited += 1;
        if visited > MAX_ENTRIES {
            break;
        }
        let Ok(relative) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        if relative.is_empty() || settled_dirs.iter().any(|d| relative.starts_with(d.as_str())) {
            continue;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if let Some(open) = open_dirs.iter().position(|d| relative.starts_with(d.as_str())) {
            if !is_dir && !excluded(&relative) {
                let secret_dir = open_dirs.swap_remove(open);
                exposed.push(secret_dir.clone());
                settled_dirs.push(secret_dir);
            }
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if is_dir {
            if SECRET_DIRS.contains(&name.as_ref()) {
                if excluded(&relative) {
                    settled_dirs.push(format!("{relative}/"));
                } else {
                    open_dirs.push(format!("{relative}/"));
                }
            }
            continue;
        }
        if is_env_file(&name.to_ascii_lowercase())
            && let Some(text) = read(entry.path(), MAX_ENV_FILE)
        {
            env_files.insert(relative.clone(), text);
        }
        let contents = || read(entry.path(), MAX_ENV_FILE).unwrap_or_default();
        if secret_file(&name, contents) && !excluded(&relative) {
            exposed.push(relative);
        }
    }
    exposed.sort();
    BuildContext {
        ignore_file,
        exposed_secrets: exposed,
        env_files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_rules_last_match_wins_and_exceptions_reinclude() {
        let rules = DockerIgnore::parse("# comment\n*.pem\n!keep.pem\n/secrets\n**/.env\n").unwrap();
        assert!(rules.excludes("server.pem"));
        assert!(!rules.excludes("keep.pem"));
        assert!(
            rules.excludes("secrets/db.key"),
            "a matching parent excludes its contents"
        );
        assert!(rules.excludes("app/config/.env"));
        assert!(
            !rules.excludes("app/server.pem"),
            "an unanchored `*.pem` matches at the root only"
        );
    }

    #[test]
    fn past_the_pattern_limit_what_is_left_out_is_unknown() {
        let many: String = (0..MAX_IGNORE_PATTERNS)
            .map(|n| format!("**/x{n}*/**\n"))
            .collect();
        let rules = DockerIgnore::parse(&many).expect("at the limit");
        assert!(rules.excludes("x9999y/z/secret.pem"));
        assert!(!rules.excludes("y/secret.pem"));
        assert!(DockerIgnore::parse(&format!("{many}one-more\n")).is_none());
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_pattern() {
        let rules = DockerIgnore::parse("\u{feff}.env\n").unwrap();
        assert!(rules.excludes(".env"));
    }

    #[test]
    fn patterns_are_cleaned_like_paths() {
        let rules = DockerIgnore::parse("./build/../dist\n/.git\n").unwrap();
        assert!(rules.excludes("dist/app.js"));
        assert!(rules.excludes(".git/config"));
    }

    #[test]
    fn secret_names_exclude_templates_and_public_keys() {
        let never = || String::new();
        for name in [
            ".env",
            ".env.production",
            "tls.key",
            "server.pem",
            "id_rsa",
            "credentials-prod.json",
            ".netrc",
        ] {
            assert!(secret_file(name, never), "{name}");
        }
        for name in [".env.example", "id_rsa.pub", "README.md", "keys.go", ".npmrc"] {
            assert!(!secret_file(name, never), "{name}");
        }
        assert!(secret_file(".npmrc", || "//registry.npmjs.org/:_authToken=abc".to_owned()));
        assert!(secret_file(".pypirc", || {
            "[pypi]\nusername: __token__\npassword: pypi-AgE".to_owned()
        }));
    }

    #[test]
    fn registry_files_that_only_reference_a_variable_hold_no_token() {
        for text in [
            "@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=${NPM_TOKEN}\n",
            "# _authToken=abc\nalways-auth=true\n//r.example/:_auth=\"${NPM_AUTH}\"\n",
        ] {
            assert!(!secret_file(".npmrc", || text.to_owned()), "{text}");
        }
        assert!(!secret_file(".pypirc", || "[pypi]\npassword = ${PYPI_TOKEN}\n".to_owned()));
    }

    #[test]
    fn a_context_lists_what_its_ignore_file_leaves_in() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM alpine:3.20\n").unwrap();
        std::fs::write(root.join(".dockerignore"), ".git\n*.pem\n").unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/config"), "").unwrap();
        std::fs::write(root.join("tls.pem"), "").unwrap();
        std::fs::write(root.join(".env"), "A=1").unwrap();
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(root.join("config/id_rsa"), "").unwrap();
        let context = inspect(&root.join("Dockerfile"));
        assert_eq!(context.ignore_file.as_deref(), Some(".dockerignore"));
        assert_eq!(context.exposed_secrets, [".env", "config/id_rsa"]);
        assert_eq!(
            context.env_files.into_iter().collect::<Vec<_>>(),
            [(".env".to_owned(), "A=1".to_owned())]
        );
    }

    #[test]
    fn a_secret_directory_whose_contents_are_all_excluded_is_not_exposed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM alpine:3.20\n").unwrap();
        std::fs::write(root.join(".dockerignore"), ".git/*\n.aws/**\n").unwrap();
        for secret_dir in [".git/objects/ab", ".aws", ".ssh", "app/.gnupg"] {
            std::fs::create_dir_all(root.join(secret_dir)).unwrap();
        }
        std::fs::write(root.join(".git/config"), "").unwrap();
        std::fs::write(root.join(".git/objects/ab/cd"), "").unwrap();
        std::fs::write(root.join(".aws/credentials"), "").unwrap();
        std::fs::write(root.join(".ssh/id_ed25519"), "").unwrap();
        let context = inspect(&root.join("Dockerfile"));
        assert_eq!(
            context.exposed_secrets,
            [".ssh/"],
            "an empty `.gnupg` holds nothing either"
        );
    }
}
