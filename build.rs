//! Build-time facts: the commit `--version` prints, and the saved queries (`queries/*.ps1`)
//! built into the binary, so `msgtrack queries` works where the repository is not.

use std::path::Path;

fn main() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=MSGTRACK_COMMIT={commit}");
    // A position-dependent executable on Linux: a PIE of this size carries ~155,000 relative
    // relocations that the loader applies (and pages it copies) at every start, ~1.5 ms of
    // every short query. The libraries stay position-independent; only the link changes.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    for watched in [".git/HEAD", ".git/refs/heads", "queries"] {
        if Path::new(watched).exists() {
            println!("cargo:rerun-if-changed={watched}");
        }
    }
    // The saved queries, as (file name, text) pairs.
    let mut entries: Vec<String> = std::fs::read_dir("queries")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ps1"))
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let body: String = entries
        .iter()
        .map(|p| {
            let name = Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!(
                "    ({name:?}, include_str!({:?})),\n",
                format!("{manifest}/{p}")
            )
        })
        .collect();
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let code = format!(
        "/// The saved queries of the repository, built in: (file name, text).\npub const BUILT_IN: &[(&str, &str)] = &[\n{body}];\n"
    );
    let _ = std::fs::write(Path::new(&out).join("saved_queries.rs"), code);
}
