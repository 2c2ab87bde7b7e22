//! The temporary folders a query writes rows into when they do not fit in memory (`--sql`'s
//! rows, a sort's runs): in `TMPDIR`, named after the process, removed when the query ends.
//! A query stopped before it could remove its folder (Ctrl-C, a kill) leaves it behind; the
//! next query that makes one removes the folders of processes no longer running.

use std::path::Path;

/// A new temporary folder for `kind` (`sql`, `sort`: its name starts `msgtrack-<kind>-<pid>-`),
/// after removing those of `kind` left by processes that are gone. `what` says what it
/// holds, for the error when it cannot be made.
pub fn spill_dir(kind: &str, what: &str) -> std::io::Result<tempfile::TempDir> {
    let root = std::env::temp_dir();
    remove_left_behind(&root, kind);
    tempfile::Builder::new()
        .prefix(&format!("msgtrack-{kind}-{}-", std::process::id()))
        .tempdir_in(&root)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "making a temporary folder for {what} in {} (TMPDIR sets where): {e}",
                    root.display()
                ),
            )
        })
}

/// Removes the folders `msgtrack-<kind>-<pid>-…` under `root` whose process is not running
/// (quietly: what cannot be removed stays).
fn remove_left_behind(root: &Path, kind: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let prefix = format!("msgtrack-{kind}-");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !running(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process `pid` is running (on systems without `/proc`, assumed so).
fn running(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_processes_gone_are_removed_and_others_kept() {
        let root = tempfile::tempdir().expect("a folder");
        // No process has pid 4,294,967,000 (above Linux's pid_max); this one is running.
        let gone = root.path().join("msgtrack-sort-4294967000-abc");
        let alive = root
            .path()
            .join(format!("msgtrack-sort-{}-abc", std::process::id()));
        let other_kind = root.path().join("msgtrack-sql-4294967000-abc");
        let not_ours = root.path().join("msgtrack-sort-notapid");
        for dir in [&gone, &alive, &other_kind, &not_ours] {
            std::fs::create_dir(dir).expect("made");
            std::fs::write(dir.join("00000000.arrow"), b"rows").expect("written");
        }
        remove_left_behind(root.path(), "sort");
        assert!(!gone.exists());
        assert!(alive.exists() && other_kind.exists() && not_ours.exists());
        assert!(running(std::process::id()));
    }
}
