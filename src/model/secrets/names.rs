//! Names that say they hold a secret: `DB_PASSWORD`, `apiKey`, `PGPASSWORD`, `DB_PASS_BD`.

use super::mentions_any;

/// Words that make a name secret-looking.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
];

/// Word pairs that do (`API_KEY`, `PRIVATE_KEY`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("AUTH", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("SIGNING", "KEY"),
    ("CLIENT", "SECRET"),
];

/// A last word that makes the name about a secret rather than the secret itself.
const NOT_THE_SECRET: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "TIMEOUT",
    "LENGTH",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REF",
    "TYPE",
    "ID",
    "HEADER",
    "FIELD",
    "MOUNT",
    "LOCATION",
    "VERSION",
    "ALGORITHM",
    "ALG",
    "ALGO",
    "ENV",
    "POLICY",
    "PREFIX",
    "ROTATION",
    "PERIOD",
    "SECONDS",
    "COUNT",
    "SIZE",
    "FORMAT",
    "MODE",
    "KIND",
    "PROVIDER",
    "REQUIRED",
    "SOURCE",
    "STORE",
    "VAULT",
    "ISSUER",
    "AUDIENCE",
    "LIFETIME",
    "REFRESH",
    "DURATION",
    "KEYS",
    "NAMESPACE",
    "VOLUME",
    "ENCRYPTION",
    "METHOD",
    "STDIN",
    "PROMPT",
];

/// Secret words that are also written glued to what they qualify, as the end of one word
/// (`PGPASSWORD`, `MYSQLPASSWORD`, `AUTHTOKEN`, `CLIENTSECRET`). `PASS` and `KEY` are not
/// among them: `BYPASS`, `COMPASS`, `MONKEY` and `HOTKEY` end that way.
const GLUED_ENDINGS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "SECRET", "APIKEY"];

/// Names of deployment environments, which may follow `PASS` as a qualifier (`DB_PASS_PROD`).
const ENVIRONMENTS: &[&str] = &["PROD", "DEV", "TEST", "STAGE", "STAGING", "LIVE", "MAIN"];

/// Short words that make `PASS` a verb (`PASS_ALL`, `PASS_ON`) rather than a password.
const NOT_QUALIFIERS: &[&str] = &["ALL", "ARG", "OUT", "OFF", "ON", "IN", "TO", "UP", "IF"];

/// Splits `dbPassword`, `DB_PASSWORD`, `db-password`, `db.password` into upper-case words.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// True when a key or variable name says it holds a secret (`DB_PASSWORD`, `apiKey`,
/// `PGPASSWORD`, `DB_PASS_BD`), and not merely something about one (`PASSWORD_FILE`,
/// `TOKEN_URL`, `SECRET_NAME`) or something else spelt with the same letters (`BYPASS`,
/// `PASS_THROUGH`, `PASSPORT`).
pub fn is_secret_name(name: &str) -> bool {
    // Every secret word holds one of these; most names hold none, and skip the word split.
    const STEMS: &[&[u8]] = &[b"pass", b"secret", b"token", b"key", b"credential", b"pwd"];
    if !mentions_any(name, STEMS) {
        return false;
    }
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last.as_str()) {
        return false;
    }
    (0..words.len()).any(|at| is_secret_word(&words[at]) || is_short_password(&words, at))
        || words
            .windows(2)
            .any(|pair| SECRET_PAIRS.iter().any(|(a, b)| pair[0] == *a && pair[1] == *b))
}

/// A secret word, or one glued to the end of a longer word (`PGPASSWORD`).
fn is_secret_word(word: &str) -> bool {
    SECRET_WORDS.contains(&word)
        || GLUED_ENDINGS
            .iter()
            .any(|end| word.len() > end.len() && word.ends_with(end))
}

/// `PASS` and `PWD` are too short to trust alone (`PWD` is the working directory, `PASS_THROUGH`
/// a mode), but after what they qualify they are the password: last (`DB_PASS`, `SMTP_PWD`), or
/// followed by one short qualifier (`DB_PASS_BD`, `DB_PASS_2`, `DB_PASS_PROD`).
fn is_short_password(words: &[String], at: usize) -> bool {
    if at == 0 || !matches!(words[at].as_str(), "PASS" | "PWD") {
        return false;
    }
    match &words[at + 1..] {
        [] => true,
        [qualifier] => {
            let short = qualifier.len() <= 3 && !NOT_QUALIFIERS.contains(&qualifier.as_str());
            short
                || qualifier.bytes().all(|b| b.is_ascii_digit())
                || ENVIRONMENTS.contains(&qualifier.as_str())
        }
        _ => false,
    }
}

/// True when a name ends in a word that means the password itself and says more than that word
/// (`MYSQL_PASSWORD`, `PGPASSWORD`, `rootPass`): under such a name even the value `password`
/// is the password. A bare `password` is not one: `password: password` names the key of a Secret
/// (Strimzi's `passwordSecret`), as `passwordKey: password` does.
pub fn ends_in_password(name: &str) -> bool {
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let glued = ["PASSWORD", "PASSWD"]
        .iter()
        .any(|end| last.len() > end.len() && last.ends_with(end));
    glued || (words.len() > 1 && matches!(last.as_str(), "PASSWORD" | "PASSWD" | "PASS" | "PWD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_matched_by_whole_words() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "api-key",
            "API_KEY",
            "stripeSecretKey",
            "AWS_SECRET_ACCESS_KEY",
            "authToken",
            "CLIENT_SECRET",
            "credentials",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PASSWORD_FILE",
            "TOKEN_URL",
            "secretName",
            "KEYCLOAK_HOST",
            "MONKEY",
            "TOKENIZER",
            "AWS_ACCESS_KEY_ID",
            "password_min_length",
            "SECRET_REF",
            "PASSWORD_HASH_ALGO",
            "ACCESS_KEY_ID_ENV",
            "password_encryption",
            "secretNamespace",
            "kuma.io/service-account-token-volume",
            "PASSWORD_HASH_METHOD",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn short_password_words_count_only_after_what_they_qualify() {
        for name in [
            "DB_PASS",
            "smtpPwd",
            "MYSQL_PASS",
            "DB_PASS_BD",
            "DB_PASS_2",
            "DB_PASS_PROD",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PWD",
            "PASS",
            "BYPASS",
            "PASS_THROUGH",
            "SSL_PASS_THROUGH",
            "COMPASS",
            "PASSPORT",
            "ENV_PASS_ALL",
            "DB_PASS_FILE",
            "TEST_PASS_RATE",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn secret_words_glued_to_a_longer_word_count() {
        for name in [
            "PGPASSWORD",
            "MYSQLPASSWORD",
            "rootpassword",
            "GITHUBTOKEN",
            "clientsecret",
            "GOOGLEAPIKEY",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PGPASSWORD_FILE",
            "DB_PASSWORD_PATH",
            "PASSWORDLESS",
            "HOTKEY",
            "TOKENS_PER_MINUTE",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn names_ending_in_a_password_word_say_more_than_the_word() {
        for name in ["MYSQL_PASSWORD", "PGPASSWORD", "rootPass", "SMTP_PWD"] {
            assert!(ends_in_password(name), "{name}");
        }
        for name in ["password", "PASS", "passwordKey", "API_TOKEN", "PASSWORD_FILE"] {
            assert!(!ends_in_password(name), "{name}");
        }
    }
}
