//! Rego does not allow recursion. regorus reports a rule that depends on itself, but follows a
//! function that calls itself, directly or through other functions, until the stack overflows
//! and the process aborts. So the functions' calls are read from the policies' syntax trees,
//! and a cycle is refused before anything is compiled or evaluated.
//!
//! Calls are followed by name: `f(x)` in the package, `data.pkg.f(x)`, and `alias.f(x)` through
//! an import. A cycle through a rule that is not a function (a function reading a rule that
//! calls it) is left to regorus, which reports it when it evaluates the rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The first cycle of function calls in the policies (`get_ast_as_json`'s text), as the file
/// that defines its first function and the chain of calls (`data.main.f -> data.main.f`).
pub(super) fn recursive_call(ast_json: &str) -> Option<(String, String)> {
    let policies: Vec<Value> = serde_json::from_str(ast_json).ok()?;
    let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut defined_in: BTreeMap<String, String> = BTreeMap::new();
    for policy in &policies {
        let file = policy["source"]["file"].as_str().unwrap_or_default();
        let contents = policy["source"]["contents"].as_str().unwrap_or_default();
        let ast = &policy["ast"];
        let Some(package) = dotted(&ast["package"]["refr"]).map(|p| format!("data.{}", p.join("."))) else {
            continue;
        };
        let imports = imports(ast, contents);
        for rule in ast["rules"].as_array().into_iter().flatten() {
            let Some(name) = dotted(&rule["Spec"]["head"]["Func"]["refr"]) else {
                continue;
            };
            let function = format!("{package}.{}", name.join("."));
            defined_in
                .entry(function.clone())
                .or_insert_with(|| file.to_owned());
            let mut called = Vec::new();
            called_names(rule, &mut called);
            let targets = calls.entry(function).or_default();
            for name in called {
                targets.insert(resolve(&name, &package, &imports));
            }
        }
    }
    let chain = first_cycle(&calls)?;
    let file = defined_in.get(chain.first()?).cloned().unwrap_or_default();
    Some((file, chain.join(" -> ")))
}

/// The parts of a reference written with dots (`data.lib.f`); `None` for one with brackets.
fn dotted(refr: &Value) -> Option<Vec<String>> {
    if let Some(name) = refr["Var"]["value"].as_str() {
        return Some(vec![name.to_owned()]);
    }
    let dot = &refr["RefDot"];
    let field = dot["field"].get(1)?.as_str()?;
    let mut parts = dotted(&dot["refr"])?;
    parts.push(field.to_owned());
    Some(parts)
}

/// Each import's name in the module (its `as` alias, else its last part) → its path.
fn imports(ast: &Value, contents: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for import in ast["imports"].as_array().into_iter().flatten() {
        let Some(path) = dotted(&import["refr"]) else {
            continue;
        };
        let alias = import["as"]
            .as_object()
            .and_then(|span| {
                let (start, end) = (span.get("start")?.as_u64()?, span.get("end")?.as_u64()?);
                contents.get(start as usize..end as usize)
            })
            .map(str::to_owned)
            .or_else(|| path.last().cloned());
        if let Some(alias) = alias {
            found.insert(alias, path.join("."));
        }
    }
    found
}

/// The names of the functions called anywhere in `node`.
fn called_names(node: &Value, out: &mut Vec<Vec<String>>) {
    match node {
        Value::Object(fields) => {
            if let Some(name) = fields.get("Call").and_then(|call| dotted(&call["fcn"])) {
                out.push(name);
            }
            fields.values().for_each(|value| called_names(value, out));
        }
        Value::Array(items) => items.iter().for_each(|item| called_names(item, out)),
        _ => {}
    }
}

/// A called name as a full path: `data.…` as written, an import's name replaced by its path,
/// anything else in the calling package.
fn resolve(name: &[String], package: &str, imports: &BTreeMap<String, String>) -> String {
    let joined = name.join(".");
    match name.split_first() {
        Some((first, _)) if first == "data" => joined,
        Some((first, rest)) => match imports.get(first) {
            Some(path) if rest.is_empty() => path.clone(),
            Some(path) => format!("{path}.{}", rest.join(".")),
            None => format!("{package}.{joined}"),
        },
        None => joined,
    }
}

/// The first cycle among the defined functions, in name order: each function on it, and the
/// first again at the end.
fn first_cycle(calls: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for start in calls.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // Depth first without recursion: each step holds a function and its calls left.
        let mut path: Vec<(&str, Vec<&str>)> = vec![(start, callees(calls, start))];
        marks.insert(start, Mark::OnPath);
        while let Some((function, left)) = path.last_mut() {
            let Some(next) = left.pop() else {
                marks.insert(function, Mark::Done);
                path.pop();
                continue;
            };
            match marks.get(next) {
                Some(Mark::OnPath) => {
                    let from = path.iter().position(|(f, _)| *f == next)?;
                    let mut chain: Vec<String> = path[from..].iter().map(|(f, _)| (*f).to_owned()).collect();
                    chain.push(next.to_owned());
                    return Some(chain);
                }
                Some(Mark::Done) => {}
                None => {
                    marks.insert(next, Mark::OnPath);
                    path.push((next, callees(calls, next)));
                }
            }
        }
    }
    None
}

/// The defined functions `function` calls, last first (they are taken from the end).
fn callees<'c>(calls: &'c BTreeMap<String, BTreeSet<String>>, function: &str) -> Vec<&'c str> {
    calls
        .get(function)
        .into_iter()
        .flatten()
        .filter(|callee| calls.contains_key(*callee))
        .rev()
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::recursive_call;

    fn cycle(policies: &[(&str, &str)]) -> Option<(String, String)> {
        let mut engine = regorus::Engine::new();
        for (file, text) in policies {
            engine
                .add_policy((*file).to_owned(), (*text).to_owned())
                .expect("a policy that parses");
        }
        recursive_call(&engine.get_ast_as_json().expect("the syntax tree"))
    }

    #[test]
    fn a_function_that_calls_itself_directly_or_through_others_is_a_cycle() {
        let direct = "package main\nimport rego.v1\nf(x) := f(x)\ndeny contains m if { m := f(1) }\n";
        assert_eq!(
            cycle(&[("p.rego", direct)]),
            Some(("p.rego".to_owned(), "data.main.f -> data.main.f".to_owned()))
        );
        let mutual =
            "package main\nimport rego.v1\ng(x) := h(x)\nh(x) := y if { y := [z | z := data.main.g(x)] }\n";
        assert_eq!(
            cycle(&[("p.rego", mutual)]),
            Some((
                "p.rego".to_owned(),
                "data.main.g -> data.main.h -> data.main.g".to_owned()
            ))
        );
        let through_else =
            "package main\nimport rego.v1\nf(x) := 1 if { x > 1 } else := g(x)\ng(x) := f(x)\n";
        assert_eq!(
            cycle(&[("p.rego", through_else)]).map(|(_, chain)| chain),
            Some("data.main.f -> data.main.g -> data.main.f".to_owned())
        );
        let imported = [
            (
                "a.rego",
                "package a\nimport rego.v1\nimport data.b as other\nf(x) := other.g(x)\n",
            ),
            (
                "b.rego",
                "package b\nimport rego.v1\nimport data.a\ng(x) := a.f(x) if { x > 1 }\n",
            ),
        ];
        assert_eq!(
            cycle(&imported),
            Some(("a.rego".to_owned(), "data.a.f -> data.b.g -> data.a.f".to_owned()))
        );
    }

    #[test]
    fn functions_calling_others_and_builtins_without_coming_back_are_no_cycle() {
        let chain = "package main\nimport rego.v1\nf(x) := g(x)\ng(x) := count(x)\nh(x) := f(x) + g(x)\n\
                     deny contains m if { m := sprintf(\"%v\", [h([1])]) }\n";
        assert_eq!(cycle(&[("p.rego", chain)]), None);
        // The same name in another package is another function.
        let packages = [
            ("a.rego", "package a\nimport rego.v1\nf(x) := data.b.f(x)\n"),
            ("b.rego", "package b\nimport rego.v1\nf(x) := x\n"),
        ];
        assert_eq!(cycle(&packages), None);
    }
}
