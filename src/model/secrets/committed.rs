//! The values a core `Secret` manifest commits, and how much each one gives away.

use super::names::name_words;
use super::{base64_text, is_placeholder};
use crate::model::Object;
use crate::parse::yaml::Entry;

/// What a committed Secret value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Not a value: a placeholder (`${DB_PASSWORD}`, `<password>`, `changeme`, empty), also
    /// base64-encoded, or SOPS ciphertext (`ENC[…]`).
    Placeholder,
    /// A value that is no secret: a certificate or public key, or a field that names rather
    /// than opens (`username`, `group`, `id`, `host`, `port`, `address`).
    Public,
    /// A value that gives nothing away: a stock default (`admin`, `root`, `guest`, `demo`), a
    /// value that spells out what it is (`password1`, `bob-password`, `my-token`), a password
    /// equal to the user name beside it, or a key or certificate file that holds no PEM block
    /// (`tls.key: Hello world`, a test of broken input).
    Demo,
    /// Anything else: a credential.
    Secret,
}

/// One `data` or `stringData` value of a Secret.
#[derive(Debug)]
pub struct CommittedValue<'o, 's> {
    /// The `key: value` entry.
    pub entry: &'o Entry<'s>,
    /// Its key.
    pub key: &'o str,
    /// What it is.
    pub kind: Committed,
}

/// Stock values every tutorial uses; nobody learns anything from reading them.
const STOCK_VALUES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "guest",
    "test",
    "testing",
    "demo",
    "secret",
    "default",
    "user",
    "hello",
    "hello world",
    "helloworld",
    "welcome",
    "letmein",
    "qwerty",
    "1234",
    "12345",
    "123456",
    "12345678",
    "password",
    "passwd",
    "pass",
];

/// Last words of keys that name something rather than open it.
const PUBLIC_FIELDS: &[&str] = &[
    "USER",
    "USERNAME",
    "GROUP",
    "ID",
    "HOST",
    "HOSTNAME",
    "PORT",
    "ADDRESS",
    "ENDPOINT",
    "REGION",
    "NAMESPACE",
];

/// The core `Secret` sections that hold values.
pub const SECRET_SECTIONS: [&str; 2] = ["data", "stringData"];

/// The values of one section (`data` or `stringData`) of a core `Secret`, with the kind of
/// each. A Secret Kubernetes or a tool writes (a Helm release record, a SOPS file) has none.
pub fn committed_values<'o, 's>(object: &'o Object<'s>, section: &str) -> Vec<CommittedValue<'o, 's>> {
    if object.kind() != "Secret" || object.api_group() != "" {
        return Vec::new();
    }
    // A Helm release record is written by Helm into the cluster; SOPS values are ciphertext.
    if object.root.str_at("type") == Some("helm.sh/release.v1") || object.root.get("sops").is_some() {
        return Vec::new();
    }
    let Some(values) = object.root.get(section) else {
        return Vec::new();
    };
    let entries = values.merged_entries();
    let texts: Vec<Option<String>> = entries
        .iter()
        .map(|e| {
            let raw = e.value.as_text()?;
            Some(match section {
                "data" => base64_text(raw).unwrap_or_else(|| raw.to_owned()),
                _ => raw.to_owned(),
            })
        })
        .collect();
    let user = entries
        .iter()
        .zip(&texts)
        .find(|(e, _)| e.key.as_str().is_some_and(names_user))
        .and_then(|(_, text)| text.clone());
    let has_cert = entries.iter().any(|e| e.key.as_str() == Some("cert"));
    entries
        .iter()
        .zip(&texts)
        .filter_map(|(entry, text)| {
            let key = entry.key.as_str()?;
            let raw = entry.value.as_text()?;
            let text = text.as_deref()?;
            let kind = if is_placeholder(text) || is_placeholder(raw) || raw.starts_with("ENC[") {
                Committed::Placeholder
            } else if names_public(key) || is_public_material(text) {
                Committed::Public
            } else if is_demo_value(text)
                || (!names_user(key) && user.as_deref() == Some(text))
                || (names_key_file(key, has_cert) && !text.contains("-----BEGIN "))
            {
                Committed::Demo
            } else {
                Committed::Secret
            };
            Some(CommittedValue { entry, key, kind })
        })
        .collect()
}

/// True for a field that names rather than opens (`username`, `group`, `tenant-id`).
fn names_public(key: &str) -> bool {
    name_words(key)
        .last()
        .is_some_and(|last| PUBLIC_FIELDS.contains(&last.as_str()))
}

fn names_user(key: &str) -> bool {
    name_words(key)
        .last()
        .is_some_and(|last| matches!(last.as_str(), "USER" | "USERNAME" | "LOGIN"))
}

/// A key or certificate file (`tls.key`, `ca.crt`, `server.pem`), or the `key` beside a `cert`
/// (Istio's generic TLS Secret).
fn names_key_file(key: &str, has_cert: bool) -> bool {
    let lower = key.to_ascii_lowercase();
    [".key", ".crt", ".cert", ".pem"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || matches!(lower.as_str(), "cert" | "cacert")
        || (lower == "key" && has_cert)
}

/// PEM text holding certificates or public keys only, no private key.
fn is_public_material(text: &str) -> bool {
    text.contains("-----BEGIN ") && !text.contains("PRIVATE KEY")
}

/// A value that gives nothing away: a stock default (`admin`, `guest`, `123456`), or a one-line
/// value that spells out a secret word (`password1`, `bob-password`, `my-token`,
/// `Password$123456`).
fn is_demo_value(text: &str) -> bool {
    const SPELLED: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY"];
    let text = text.trim();
    let stock = STOCK_VALUES.contains(&text.to_ascii_lowercase().as_str());
    // A document (a kubeconfig with a `token:` key) spells words without being made of them.
    let spelled = !text.contains('\n')
        && name_words(text).iter().any(|word| {
            SPELLED
                .iter()
                .any(|secret| word.starts_with(secret) || word.ends_with(secret))
        });
    stock || spelled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(yaml: &str, section: &str) -> Vec<(String, Committed)> {
        let objects = crate::model::object::parse_objects(yaml);
        committed_values(&objects[0], section)
            .into_iter()
            .map(|v| (v.key.to_owned(), v.kind))
            .collect()
    }

    #[test]
    fn values_are_told_apart_by_what_they_give_away() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData:\n  username: alice\n  password: Zq8vLx2mP4tR\n  admin-password: alice\n  root-password: admin\n  api-token: my-token\n  empty: ''\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n  tls.key: Hello world\n";
        assert_eq!(
            kinds(yaml, "stringData"),
            [
                ("username".to_owned(), Committed::Public),
                ("password".to_owned(), Committed::Secret),
                ("admin-password".to_owned(), Committed::Demo),
                ("root-password".to_owned(), Committed::Demo),
                ("api-token".to_owned(), Committed::Demo),
                ("empty".to_owned(), Committed::Placeholder),
                ("ca.crt".to_owned(), Committed::Public),
                ("tls.key".to_owned(), Committed::Demo),
            ]
        );
    }

    #[test]
    fn data_is_decoded_and_generated_secrets_have_no_values() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata: { name: db }\ndata:\n  key: QVFEQ1pMdFhPUnQrSmhBQUFYaERWNHJsZ3BsMmNjcDR6RFZST0E9PQ==\n  token: Y2hhbmdlbWU=\n";
        assert_eq!(
            kinds(yaml, "data"),
            [
                ("key".to_owned(), Committed::Secret),
                ("token".to_owned(), Committed::Placeholder),
            ]
        );
        let helm = "apiVersion: v1\nkind: Secret\nmetadata: { name: r }\ntype: helm.sh/release.v1\ndata:\n  release: SDRz\n";
        assert!(kinds(helm, "data").is_empty());
    }

    #[test]
    fn demo_values_are_stock_or_spell_out_a_secret_word() {
        for value in [
            "admin",
            "Password$123456",
            "password1",
            "alice-password",
            "test-jwt-secret",
            "123456",
        ] {
            assert!(is_demo_value(value), "{value}");
        }
        for value in [
            "Pa55w0rd",
            "sCaleio123",
            "Zq8vLx2mP4tR",
            "migration",
            "users:\n- user:\n    token: zLmlvL3N\n",
        ] {
            assert!(!is_demo_value(value), "{value}");
        }
    }
}
