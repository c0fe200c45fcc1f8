//! Passwords written inline: in connection strings (`Password=…;`, `jdbc:…?password=…`,
//! `host=db password=…`) and on command lines (`--password=…`, `--token …`, `-pSECRET`).

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::names::{is_secret_name, name_words};
use super::{has_shell_variable, is_literal, mentions};
use crate::parse::shell;
use crate::parse::yaml::Node;

/// The password values of connection strings in a text: `Password=…` or `Pwd=…` among other
/// `key=value` settings (ADO.NET and ODBC `Server=db;User Id=sa;Password=…;`, libpq
/// `host=db user=app password=…`), or a `password=` query parameter (`jdbc:…?user=a&password=…`,
/// `https://…?password=…`). A lone `password=…` line is a setting, not a connection string, and
/// so are placeholders, variables and stored hashes.
pub fn connection_passwords(text: &str) -> Vec<Range<usize>> {
    static SETTING: OnceLock<Option<Regex>> = OnceLock::new();
    static PAIR: OnceLock<Option<Regex>> = OnceLock::new();
    // Every setting the pattern reads is `key=value` with `passw` or `pwd` in its key: most
    // values hold no `=`, and one look rules them out.
    if memchr::memchr(b'=', text.as_bytes()).is_none() || !mentions(text, b"passw") && !mentions(text, b"pwd")
    {
        return Vec::new();
    }
    let (Some(setting), Some(pair)) = (
        SETTING.get_or_init(|| {
            Regex::new(r#"(^|[\s;&?])(?i-u:(password|passwd|pwd))[ \t]*=[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s;&"'#]+))"#).ok()
        }),
        // Setting names are ASCII: an ASCII word class compiles in a fraction of Unicode's time.
        PAIR.get_or_init(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_.]*[ \t]*=[ \t]*[^\s=]").ok()),
    ) else {
        return Vec::new();
    };
    // Whether the line last looked at holds two settings or more, with its range: a long line
    // of many settings is counted once, not once a password in it.
    let mut line: Option<(Range<usize>, bool)> = None;
    setting
        .captures_iter(text)
        .filter_map(|c| {
            let (boundary, key) = (c.get(1)?, c.get(2)?);
            let value = c.get(3).or_else(|| c.get(4)).or_else(|| c.get(5))?;
            let in_query = matches!(boundary.as_str(), ";" | "&" | "?");
            let among_settings = match &line {
                Some((range, among)) if range.contains(&key.start()) => *among,
                _ => {
                    let start = text[..key.start()].rfind('\n').map_or(0, |n| n + 1);
                    let end = text[key.start()..]
                        .find('\n')
                        .map_or(text.len(), |n| key.start() + n);
                    let among = pair.find_iter(&text[start..end]).nth(1).is_some();
                    line.insert((start..end, among)).1
                }
            };
            let literal = is_literal(key.as_str(), value.as_str()) && !has_shell_variable(value.as_str());
            ((in_query || among_settings) && literal).then(|| value.range())
        })
        .collect()
}

/// A literal secret given to a program on its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FlagSecret {
    /// Which word holds the value (an index into the words read).
    pub word: usize,
    /// Where in that word's text the value is.
    pub range: Range<usize>,
    /// The flag or variable that names it, as written (`--password`, `-token`, `-p`,
    /// `PGPASSWORD`).
    pub flag: String,
}

/// Programs of the MySQL family, which take a password glued to `-p` (`-pSECRET`; a lone `-p`
/// prompts for it).
const MYSQL_PROGRAMS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlimport",
    "mysqlcheck",
    "mysqlshow",
    "mysqlpump",
    "mysqlsh",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
];

/// First words that make a flag about a secret rather than one (`--no-password`,
/// `--ask-password`).
const NOT_VALUED: &[&str] = &[
    "NO", "SKIP", "ASK", "PROMPT", "REQUIRE", "WITHOUT", "DISABLE", "USE",
];

/// Literal secrets among the words of one command, program first: a secret-named flag with a
/// value (`--password=…`, `--db-password …`, `-token=…`), `-p…` glued to a MySQL program, and a
/// leading `PGPASSWORD=…` assignment. Values that are placeholders, Kubernetes or shell
/// expansions (`$(DB_PASSWORD)`, `"$PASS"`), stored hashes or other flags are skipped.
fn flag_secrets(words: &[&str]) -> Vec<FlagSecret> {
    let mut found = Vec::new();
    let program = words
        .iter()
        .position(|w| !is_assignment(w))
        .and_then(|at| words.get(at))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or("");
    let mut leading = true;
    for (at, word) in words.iter().enumerate() {
        // `name` says what the value is; `flag` is how it is written.
        let mut candidate = |name: &str, flag: &str, value_word: usize, range: Range<usize>| {
            let value = words
                .get(value_word)
                .and_then(|w| w.get(range.clone()))
                .unwrap_or("");
            if is_literal(name, value) && !has_shell_variable(value) && !value.starts_with('-') {
                found.push(FlagSecret {
                    word: value_word,
                    range,
                    flag: flag.to_owned(),
                });
            }
        };
        if leading && is_assignment(word) {
            if let Some((name, _)) = word.split_once('=')
                && is_secret_name(name)
            {
                candidate(name, name, at, name.len() + 1..word.len());
            }
            continue;
        }
        leading = false;
        if MYSQL_PROGRAMS.contains(&program)
            && word.len() > 2
            && word.starts_with("-p")
            && !word.starts_with("--")
        {
            candidate("password", "-p", at, 2..word.len());
            continue;
        }
        let Some(flag) = long_flag(word) else {
            continue;
        };
        let name = flag.split('=').next().unwrap_or(flag);
        let words_of_name = name_words(name);
        let valued = !words_of_name
            .first()
            .is_some_and(|w| NOT_VALUED.contains(&w.as_str()));
        if !valued || !is_secret_name(name) {
            continue;
        }
        match word.split_once('=') {
            Some((written, _)) => candidate(name, written, at, written.len() + 1..word.len()),
            None => {
                let next = words.get(at + 1).map_or(0, |w| w.len());
                candidate(name, word, at + 1, 0..next);
            }
        }
    }
    found
}

/// `--name…`, or `-name…` with a name of two letters or more (Go's flag package): the text
/// after the dashes.
fn long_flag(word: &str) -> Option<&str> {
    let flag = word.strip_prefix("--").or_else(|| word.strip_prefix('-'))?;
    let name_len = flag.split('=').next().unwrap_or(flag).len();
    (name_len >= 2 && flag.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(flag)
}

/// A shell variable assignment (`PGPASSWORD=…`).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A literal secret on a container's command line: which item of `command` or `args` holds it,
/// and where in that item's text.
#[derive(Debug, Clone)]
pub struct CommandSecret<'n, 's> {
    /// The `command` or `args` item.
    pub item: &'n Node<'s>,
    /// Where in the item's text the value is.
    pub range: Range<usize>,
    /// The flag or variable that names it.
    pub flag: String,
}

/// Shells whose `-c` takes a script.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The literal secrets on a command line made of a container's `command` and `args` items (see
/// [`flag_secrets`]). When the command is a shell with `-c` (`sh -c "…"`), the script is split
/// into its commands and each is read.
pub fn command_line_secrets<'n, 's>(
    command: &'n [Node<'s>],
    args: &'n [Node<'s>],
) -> Vec<CommandSecret<'n, 's>> {
    let items: Vec<&Node<'s>> = command.iter().chain(args).collect();
    let texts: Vec<&str> = items.iter().map(|n| n.as_text().unwrap_or("")).collect();
    let program = texts.first().map(|t| t.rsplit('/').next().unwrap_or(t));
    let script_at = program
        .filter(|p| SHELLS.contains(p))
        .and_then(|_| {
            texts
                .iter()
                .position(|t| t.starts_with('-') && t.ends_with('c') && !t.starts_with("--"))
        })
        .map(|flag| flag + 1);
    let mut found = Vec::new();
    if let Some(script_at) = script_at {
        if let (Some(item), Some(script)) = (items.get(script_at), texts.get(script_at)) {
            for command in shell::split(script, 0, '\\') {
                let words: Vec<&str> = command.words.iter().map(|w| w.text.as_str()).collect();
                for secret in flag_secrets(&words) {
                    let Some(word) = command.words.get(secret.word) else {
                        continue;
                    };
                    // Exact when the word is written as it reads (unquoted), else the whole word.
                    let written = word.span.range();
                    let range = if script.get(written.clone()) == Some(word.text.as_str()) {
                        written.start + secret.range.start..written.start + secret.range.end
                    } else {
                        written
                    };
                    found.push(CommandSecret {
                        item,
                        range,
                        flag: secret.flag,
                    });
                }
            }
        }
        return found;
    }
    for secret in flag_secrets(&texts) {
        if let Some(item) = items.get(secret.word) {
            found.push(CommandSecret {
                item,
                range: secret.range,
                flag: secret.flag,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords(text: &str) -> Vec<&str> {
        connection_passwords(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn connection_strings_give_their_password() {
        assert_eq!(
            passwords("Server=db;Database=shop;User Id=sa;Password=Str0ng-Pa55;"),
            ["Str0ng-Pa55"]
        );
        assert_eq!(passwords("Server=db; Pwd = 'Qx7 rides';"), ["Qx7 rides"]);
        assert_eq!(
            passwords("jdbc:mysql://db:3306/shop?user=app&password=Lm3-river-9&useSSL=true"),
            ["Lm3-river-9"]
        );
        assert_eq!(
            passwords("jdbc:sqlserver://db:1433;databaseName=shop;user=sa;password=Rz8-coast-2"),
            ["Rz8-coast-2"]
        );
        assert_eq!(
            passwords("host=db port=5432 user=app password=Pq7-rides-4 dbname=shop"),
            ["Pq7-rides-4"]
        );
        assert_eq!(
            passwords("https://api.example.com/v1?password=Zq8vLx2m"),
            ["Zq8vLx2m"]
        );
    }

    #[test]
    fn settings_placeholders_and_variables_are_no_connection_password() {
        for text in [
            "password=hunter2hunter2",
            "spring.datasource.password=hunter2hunter2",
            "Server=db;Password=${DB_PASSWORD};",
            "Server=db;Password=$(DB_PASSWORD);",
            "Server=db;Password={0};",
            "Server=db;Password=<password>;",
            "Server=db;Password=password;",
            "mysql --password=Lm3-river-9",
            "echo \"password=$PASS\" > /tmp/x && run a=b",
        ] {
            assert!(passwords(text).is_empty(), "{text}");
        }
    }

    fn flags(words: &[&str]) -> Vec<(String, String)> {
        flag_secrets(words)
            .into_iter()
            .map(|s| (s.flag, words[s.word][s.range].to_owned()))
            .collect()
    }

    #[test]
    fn secret_flags_and_mysql_passwords_are_found() {
        let found = flags(&["mysqld", "--password=Lm3-river-9", "--db-password", "Rz8-coast-2"]);
        assert_eq!(
            found,
            [
                ("--password".to_owned(), "Lm3-river-9".to_owned()),
                ("--db-password".to_owned(), "Rz8-coast-2".to_owned())
            ]
        );
        assert_eq!(
            flags(&["mysql", "-uroot", "-pQx7-rides", "-h", "db"]),
            [("-p".to_owned(), "Qx7-rides".to_owned())]
        );
        assert_eq!(
            flags(&["PGPASSWORD=Pq7-rides-4", "psql", "-h", "db"]),
            [("PGPASSWORD".to_owned(), "Pq7-rides-4".to_owned())]
        );
        assert_eq!(
            flags(&["vault", "login", "-token=hvs_Qm3xZ8vR2kL9"]),
            [("-token".to_owned(), "hvs_Qm3xZ8vR2kL9".to_owned())]
        );
    }

    #[test]
    fn references_prompts_and_other_programs_are_left_alone() {
        for words in [
            &["mysqld", "--password=$(MYSQL_ROOT_PASSWORD)"][..],
            &["mysqld", "--password", "$MYSQL_PASSWORD"],
            &["mysql", "-p", "shop"],
            &["redis-server", "-p6379"],
            &["docker", "login", "--password-stdin", "registry.example.com"],
            &["pg_dump", "--no-password", "shop"],
            &["app", "--password-file=/run/secrets/db"],
            &["app", "--token", "--verbose"],
            &["app", "--password=<password>"],
        ] {
            assert!(flags(words).is_empty(), "{words:?}");
        }
    }
}
