//! Data flows one way through the server (README, "Inside the server"): no top-level module
//! of `agentcast-server` refers to one that refers back to it. Read from the sources: every
//! `crate::x` path (and `crate::{x, y}` group) in a module's files is an edge; two modules
//! with an edge each way fail the test, named. A module's test suite in its own `tests.rs`
//! may reach across (the store's suite checks the hub's envelope bytes of what it stored);
//! inline test modules count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The identifiers right after each `crate::` in `text` (`crate::{a, b::c}` gives a and b).
fn referenced(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let head = item.trim().split("::").next().unwrap_or("");
                names.insert(head.trim().to_owned());
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            names.insert(rest[..end].to_owned());
        }
    }
    names
}

#[test]
fn no_module_refers_to_one_that_refers_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = modules.entry(name).or_default();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let edges: BTreeMap<&String, BTreeSet<String>> = modules
        .iter()
        .map(|(module, files)| {
            let mut to = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(file).unwrap();
                to.extend(
                    referenced(&text)
                        .into_iter()
                        .filter(|name| names.contains(name) && name != module),
                );
            }
            (module, to)
        })
        .collect();
    let mutual: Vec<String> = edges
        .iter()
        .flat_map(|(a, to)| {
            to.iter()
                .filter(|b| a.as_str() < b.as_str() && edges[b].contains(a.as_str()))
                .map(move |b| format!("{a} <-> {b}"))
        })
        .collect();
    assert!(
        mutual.is_empty(),
        "modules that refer to each other: {mutual:?}"
    );
    assert!(
        edges.len() > 10,
        "the server's modules were found: {edges:?}"
    );
}

#[test]
fn references_are_read_from_paths_and_groups() {
    let names = referenced("use crate::hub::Hub;\nuse crate::{clock, config::X};\n[`crate::a`]");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["a", "clock", "config", "hub"]
    );
}
