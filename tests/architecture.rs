//! The pipeline reads from `src/lib.rs` downward: a lower layer never uses
//! an upper one. This test reads the sources, finds which top-level module
//! uses which (`crate::MODULE` outside comments), and fails on any cycle
//! between top-level modules that is not listed in `KNOWN_CYCLES`.
//!
//! `KNOWN_CYCLES` is empty: a cycle may be listed there only with the
//! reason it cannot be avoided, and must be taken off once fixed (the test
//! fails on a listed cycle that no longer exists).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Pairs of top-level modules that still use each other, and why: none
/// today. A pair may be listed only with the reason it cannot be avoided.
const KNOWN_CYCLES: &[(&str, &str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level modules: `src/NAME.rs` and `src/NAME/`.
fn modules() -> BTreeSet<String> {
    std::fs::read_dir(src())
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let module = if e.path().is_dir() {
                name
            } else {
                name.strip_suffix(".rs")?.to_string()
            };
            (!["lib", "main"].contains(&module.as_str())).then_some(module)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its comments (line comments and doc
/// comments: a doc link to an upper layer is not a use of it) and without
/// its unit tests (`#[cfg(test)] mod tests`, at the end of a file by
/// convention: a test may build its input with an upper layer's help).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Modules named in `code`: `crate::NAME` and `use crate::{NAME, ...}`.
fn used(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) {
                out.insert(name);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in files {
        let rel = file.strip_prefix(src()).unwrap();
        let first = rel.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if !modules.contains(&module) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for other in used(&code(&text), &modules) {
            if other != module {
                edges.entry(module.clone()).or_default().insert(other);
            }
        }
    }
    edges
}

/// Pairs of modules that use each other directly, in name order.
fn mutual(edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (a, outs) in edges {
        for b in outs {
            if a < b && edges.get(b).is_some_and(|e| e.contains(a)) {
                out.insert((a.clone(), b.clone()));
            }
        }
    }
    out
}

/// A module on a longer cycle (through three modules or more), if any.
fn on_a_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = edges[start].iter().cloned().collect();
        while let Some(m) = todo.pop() {
            if &m == start {
                return Some(start.clone());
            }
            if seen.insert(m.clone()) {
                todo.extend(edges.get(&m).into_iter().flatten().cloned());
            }
        }
    }
    None
}

#[test]
fn no_new_cycles_between_top_level_modules() {
    let mut edges = graph();
    // `cargo test --test architecture -- --nocapture` shows the layers.
    for (module, uses) in &edges {
        let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
        println!("{module:>10} uses {}", uses.join(", "));
    }
    let found = mutual(&edges);
    let known: BTreeSet<(String, String)> = KNOWN_CYCLES
        .iter()
        .map(|(a, b, _)| (a.to_string(), b.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&known).collect();
    let fixed: Vec<_> = known.difference(&found).collect();
    assert!(
        new.is_empty(),
        "new cycles between top-level modules (a lower layer uses an upper one): {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "cycles fixed: take them off KNOWN_CYCLES in tests/architecture.rs: {fixed:?}"
    );
    // With the known pairs set aside, nothing loops through three modules.
    for (a, b) in &known {
        if let Some(e) = edges.get_mut(a) {
            e.remove(b);
        }
        if let Some(e) = edges.get_mut(b) {
            e.remove(a);
        }
    }
    assert_eq!(on_a_cycle(&edges), None, "a longer cycle: {edges:?}");
}

/// The reader itself: a doc comment is not a use, a grouped import is.
#[test]
fn uses_are_read_from_code_not_comments() {
    let modules: BTreeSet<String> = ["crawl", "report", "net"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let text = "/// See [`crate::report`].\nuse crate::{net::X, crawl};\nlet a = \"//\"; crate::report::f();";
    let got = used(&code(text), &modules);
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        ["crawl", "net", "report"]
    );
    let got = used(&code("// crate::report\nfn f() {}"), &modules);
    assert!(got.is_empty());
}
