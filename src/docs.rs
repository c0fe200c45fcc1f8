//! Rule documentation generated from the registry: `docs/rules/<ID>.md`, the README table, `explain`.

use crate::rules::RuleMeta;
use crate::rules::registry::ALL;

/// Marker lines around the generated rule table in README.md.
pub const TABLE_BEGIN: &str = "<!-- rules:begin -->";
/// See [`TABLE_BEGIN`].
pub const TABLE_END: &str = "<!-- rules:end -->";

/// Every rule's metadata, in id order.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    ALL.iter().map(|r| r.meta()).collect()
}

/// The Markdown page for one rule.
pub fn rule_page(meta: &RuleMeta) -> String {
    let body: Vec<&str> = meta.doc_lines().collect();
    let mut options = String::new();
    if !meta.options.is_empty() {
        options.push_str(
            "| option (`.mslint.yaml`: `rules: { ID: { options: … } }`) | value | meaning |\n|---|---|---|\n",
        );
        for option in meta.options {
            let kind = match option.kind {
                crate::rules::OptionKind::Integer { min } => format!("whole number ≥ {min}"),
                crate::rules::OptionKind::Strings => "list of strings".to_owned(),
                crate::rules::OptionKind::Patterns => "list of regular expressions".to_owned(),
            };
            options.push_str(&format!("| `{}` | {kind} | {} |\n", option.name, option.doc));
        }
        options.push('\n');
    }
    format!(
        "# {} {}\n\n| severity | family | scope | guideline |\n|---|---|---|---|\n| {} | {} | {} | {} |\n\n{options}{}\n",
        meta.id,
        meta.name,
        meta.severity,
        meta.family.prefix(),
        scope_name(meta),
        meta.guideline,
        body.join("\n").trim()
    )
}

fn scope_name(meta: &RuleMeta) -> &'static str {
    use crate::rules::Scope;
    match meta.scope {
        Scope::Object => "object",
        Scope::Dockerfile => "Dockerfile",
        Scope::Project => "cross-file",
        Scope::Namespace => "cross-file, per namespace (a note when files are named)",
        Scope::File => "every file",
        Scope::Engine => "engine",
    }
}

/// The README rule table, markers included.
pub fn readme_table() -> String {
    let mut table =
        format!("{TABLE_BEGIN}\n| id | name | severity | family | what it flags |\n|---|---|---|---|---|\n");
    for meta in all_rules() {
        table.push_str(&format!(
            "| [{id}](docs/rules/{id}.md) | `{}` | {} | {} | {} |\n",
            meta.name,
            meta.severity,
            meta.family.prefix(),
            meta.summary().replace('|', "\\|"),
            id = meta.id,
        ));
    }
    table.push_str(TABLE_END);
    table
}

/// README text with its rule table replaced by the current one; `None` if the markers are missing.
pub fn readme_with_table(readme: &str) -> Option<String> {
    let start = readme.find(TABLE_BEGIN)?;
    let end = readme.find(TABLE_END)? + TABLE_END.len();
    (start < end).then(|| format!("{}{}{}", &readme[..start], readme_table(), &readme[end..]))
}

/// The `mslint rules` table for a terminal.
pub fn rules_listing() -> String {
    let mut out = format!(
        "{:<7} {:<28} {:<8} {:<6} {}\n",
        "ID", "NAME", "SEVERITY", "FAMILY", "WHAT IT FLAGS"
    );
    for meta in all_rules() {
        let mut summary = meta.summary();
        if summary.chars().count() > 90 {
            summary = summary.chars().take(87).collect::<String>() + "...";
        }
        out.push_str(&format!(
            "{:<7} {:<28} {:<8} {:<6} {}\n",
            meta.id,
            meta.name,
            meta.severity.as_str(),
            meta.family.prefix(),
            summary
        ));
    }
    out
}
