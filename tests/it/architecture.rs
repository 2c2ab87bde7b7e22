//! The layering stays true: every module imports only from the floors below it, and no two
//! files import each other in a loop (ARCHITECTURE.md). Read from the `use` lines and
//! `crate::`/`super::` paths of `src/`, so a new import that breaks the plan fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors, bottom first: a module may use the ones on lower floors only.
const FLOORS: [&[&str]; 5] = [
    &["format", "escape", "memory", "settings"],
    &["frame", "pwsh"],
    &["directory", "ingest"],
    &["synth", "query", "replay", "store"],
    &["report", "tui", "invariants"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a library file (`src/report/summary/mod.rs` → `report::summary`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and string literals (doc links are not imports).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.trim_start();
            if l.starts_with("//") { "" } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names: `use` trees expanded to their first segments after the root,
/// and inline `crate::a::b` / `super::a` paths. `pub use` re-exports are a folder's face,
/// not a dependency, and are left out.
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
            && (i == 0 || !word(bytes[i - 1]));
        if !starts {
            i += 1;
            continue;
        }
        let line_start = code[..code.char_indices().nth(i).map_or(0, |(b, _)| b)]
            .rfind('\n')
            .map_or(0, |p| p + 1);
        let line = &code[line_start..];
        if line.starts_with("pub use") || line.starts_with("pub(crate) use") {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && word(bytes[j]) {
            j += 1;
        }
        let path: String = bytes[i..j].iter().collect();
        let mut segments: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if bytes.get(j) == Some(&'{') {
            // A use tree: each item's first segment.
            let mut depth = 0;
            let mut k = j;
            let mut item = String::new();
            let mut items = Vec::new();
            while k < bytes.len() {
                let c = bytes[k];
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            items.push(std::mem::take(&mut item));
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
                k += 1;
            }
            for it in items {
                let first = it.trim().split("::").next().unwrap_or("").to_string();
                if first.is_empty() || first == "self" {
                    out.push(segments.clone());
                } else {
                    let mut p = segments.clone();
                    p.push(first);
                    out.push(p);
                }
            }
            i = k + 1;
            continue;
        }
        segments.retain(|s| s != "self");
        out.push(segments);
        i = j;
    }
    out
}

/// Resolves a named path to the library file that defines it: the longest module prefix
/// that is a file.
fn resolve(
    from: &[String],
    path: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => {
            // `super` is the parent of the file's module, whatever the file's name.
            let mut full = from.to_vec();
            full.pop();
            let mut rest = &path[1..];
            while rest.first().map(String::as_str) == Some("super") {
                full.pop();
                rest = &rest[1..];
            }
            full.extend(rest.iter().cloned());
            return (1..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|p| files.contains_key(p));
        }
        _ => return None,
    };
    base.extend(path[1..].iter().cloned());
    (0..=base.len())
        .rev()
        .map(|n| base[..n].to_vec())
        .find(|p| files.contains_key(p) && !p.is_empty())
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let mut files = BTreeMap::new();
    for p in &paths {
        if p.starts_with(src.join("cli")) || p.ends_with("main.rs") {
            continue;
        }
        files.insert(module_path(&src, p), p.clone());
    }
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).expect("read file");
        // Tests inside a file may reach anywhere.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for named in named_paths(&code_of(text)) {
            if let Some(target) = resolve(module, &named, &files)
                && &target != module
                && !target.starts_with(module)
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

#[test]
fn modules_import_only_from_lower_floors() {
    let mut upward = Vec::new();
    for (from, targets) in graph() {
        let Some(from_floor) = from.first().and_then(|m| floor_of(m)) else {
            continue;
        };
        for to in targets {
            if to.first() == from.first() {
                continue;
            }
            let to_floor = to.first().and_then(|m| floor_of(m));
            if to_floor.is_none_or(|f| f >= from_floor) {
                upward.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that do not go down a floor:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_two_files_import_each_other_in_a_loop() {
    let edges = graph();
    // Depth-first search for a back edge; report the loop.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        loops: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = stack.iter().position(|n| n == node) {
            let cycle: Vec<String> = stack[at..].iter().map(|n| n.join("::")).collect();
            loops.push(cycle.join(" -> "));
            return;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, stack, done, loops);
        }
        stack.pop();
        done.insert(node.clone());
    }
    let mut loops = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done, &mut loops);
    }
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}

#[test]
fn the_checker_sees_imports() {
    // A sanity check of the parser itself: known imports are found.
    let edges = graph();
    let has = |from: &str, to: &str| {
        edges
            .get(&from.split("::").map(str::to_string).collect::<Vec<_>>())
            .is_some_and(|t| t.contains(&to.split("::").map(str::to_string).collect::<Vec<_>>()))
    };
    assert!(has("ingest::read", "ingest::prefilter"), "{edges:#?}");
    assert!(has("query::cmdlet", "format"));
    assert!(has("query::cmdlet", "query::settings"));
    assert!(has("replay::reason", "format::status"));
    assert!(has("report::summary::totals", "report::summary"));
}
