//! A check on the crate's layering: no two modules import each other, directly or round a
//! circle, counting every `crate::` path of the non-test code (`use` lines and paths written
//! inline). A module's own parents and children are not counted (a parent declares its
//! children; a child may use what its parent defines). Checked twice: between files, and
//! between the top-level modules they belong to. `scripts/import-cycles.sh` runs it and prints
//! the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`pipeline::document`; the crate root is `""`) → its source.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                parts.clear();
            }
            if parts.first().is_some_and(|p| p == "cli") {
                continue; // the executable's modules: not part of the library
            }
            out.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The code a module imports from: its text before its tests, without comments.
fn code(source: &str) -> String {
    let body = source.split("#[cfg(test)]").next().unwrap_or_default();
    body.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path written after `crate::`, `{…}` groups spelled out (`crate::{a, b::{c, d}}` is
/// `a`, `b::c`, `b::d`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        expand("", rest, &mut out);
    }
    out
}

/// The paths of one `crate::` use starting at `text`, each after `prefix`.
fn expand(prefix: &str, text: &str, out: &mut Vec<String>) {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let path = text[..end].trim_end_matches(':');
    let full = match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}::{path}"),
    };
    if !text[end..].starts_with('{') {
        out.push(full);
        return;
    }
    let mut depth = 0;
    let mut start = end + 1;
    for (i, c) in text.char_indices().skip(end) {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                expand(&full, &text[start..i], out);
                start = i + 1;
                if c == '}' {
                    return;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
}

/// Which modules each module imports from (the longest module path each `crate::` path
/// starts with), its own parents and children aside.
fn imports(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let related = |a: &str, b: &str| {
        a == b || b.starts_with(&format!("{a}::")) || a.starts_with(&format!("{b}::"))
    };
    let mut out = BTreeMap::new();
    for (name, source) in modules {
        let mut to = BTreeSet::new();
        for path in crate_paths(&code(source)) {
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            let target = (1..=parts.len())
                .rev()
                .map(|k| parts[..k].join("::"))
                .find(|m| modules.contains_key(m));
            if let Some(target) = target.filter(|t| !related(name, t) && !name.is_empty()) {
                to.insert(target);
            }
        }
        out.insert(name.clone(), to);
    }
    out
}

/// One circle of imports, if there is any: the modules along it, the first repeated last.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(at.to_string(), Mark::Open);
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = path.iter().position(|p| p == next).unwrap();
                    let mut c = path[from..].to_vec();
                    c.push(next.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(next, graph, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(at.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for start in graph.keys() {
        if marks.get(start).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(start, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The same graph between top-level modules.
fn top_level(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap_or(m).to_string();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in graph {
        let entry = out.entry(top(from)).or_default();
        entry.extend(to.iter().map(|t| top(t)).filter(|t| *t != top(from)));
    }
    out
}

#[test]
fn no_module_imports_round_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = imports(&modules(&src));
    if std::env::var_os("DOCGRAPH_PRINT_IMPORTS").is_some() {
        for (from, to) in top_level(&graph) {
            println!("{from} → {}", to.into_iter().collect::<Vec<_>>().join(", "));
        }
    }
    assert!(graph.len() > 40, "the crate's modules were found");
    assert!(
        graph["pipeline"].contains("store::cache"),
        "imports were found"
    );
    assert_eq!(
        circle(&graph),
        None,
        "modules import each other round a circle"
    );
    assert_eq!(
        circle(&top_level(&graph)),
        None,
        "top-level modules import each other round a circle"
    );
}

#[test]
fn circles_and_grouped_paths_are_found() {
    let mut paths = crate_paths("use crate::{a::{B, c::D}, e};\nlet x = crate::f::g(1);");
    paths.sort();
    assert_eq!(paths, ["a::B", "a::c::D", "e", "f::g"]);
    let sources: BTreeMap<String, String> = [
        ("a", "use crate::b::X;"),
        ("b", "fn f() { crate::c::y() }"),
        ("c", "use crate::{a, d};"),
        ("d", "// crate::a::Z is only a comment"),
    ]
    .into_iter()
    .map(|(m, s)| (m.to_string(), s.to_string()))
    .collect();
    let graph = imports(&sources);
    assert_eq!(
        circle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert!(graph["d"].is_empty());
}
