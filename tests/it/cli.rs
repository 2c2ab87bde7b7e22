//! The `msgtrack` binary as a user runs it.

use crate::util::{msgtrack, real_logs_dir, sample_logs_dir};

#[test]
fn ingest_stats_on_sample_logs() {
    let out = msgtrack(["ingest", sample_logs_dir().to_str().unwrap(), "--stats"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Read 157 files from 3 servers:"), "{text}");
    assert!(text.contains(" 0 bad lines, 0 refused files"));
    for server in [
        "Server EDGE01 (named in its rows)",
        "Server EX01",
        "Server EX02",
    ] {
        assert!(text.contains(server), "{server}");
    }
    assert!(text.contains("events: "));
    assert!(text.contains("DUPLICATEEXPAND 1"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ingest_json_reports_every_real_log_and_refuses_the_rest() {
    let Some(dir) = real_logs_dir() else { return };
    let mut args = vec!["ingest".to_string(), "--json".to_string()];
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log" || e == "txt"))
    {
        args.push(p.display().to_string());
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = msgtrack(&arg_refs);
    assert_eq!(
        out.status.code(),
        Some(2),
        "refused files make the exit code 2"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    let rows_of = |suffix: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .map(|f| f["rows"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(rows_of("leweafan-beats-exchange-example.log"), 15);
    assert_eq!(rows_of("kinesistap-exchange2013-msgtrk.log"), 2);
    assert_eq!(report["rows"].as_u64(), Some(52));
    let refused = files.iter().filter(|f| !f["refused"].is_null()).count();
    assert_eq!(refused, 6);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("damianflynn-exchange2010-get-messagetrackinglog-formatlist-snippet.txt: error: not a message tracking log"));
}

#[test]
fn help_has_examples_on_every_subcommand() {
    for sub in [
        vec!["--help"],
        vec!["ingest", "--help"],
        vec!["generate", "--help"],
    ] {
        let out = msgtrack(&sub);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{sub:?}"
        );
    }
}

#[test]
fn a_missing_path_exits_2_with_the_path_named() {
    let out = msgtrack(["ingest", "/no/such/logs"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "msgtrack: error: /no/such/logs: no such file or folder"
    );
}

/// Every file under `dir`: its path, length and modification time.
fn tree_state(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            let m = std::fs::symlink_metadata(&p).expect("metadata");
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((p, m.len(), m.modified().expect("mtime")));
        }
    }
    out.sort();
    out
}

#[test]
fn no_command_changes_anything_under_the_log_folders() {
    // A copy of the sample day; every command runs over it from another working folder.
    let logs = crate::util::Dir::new();
    let src = crate::util::sample_logs_dir();
    for server in ["EX01", "EX02", "EDGE01"] {
        let to = logs.path().join(server);
        std::fs::create_dir_all(&to).expect("mkdir");
        for e in std::fs::read_dir(src.join(server)).expect("read") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    std::fs::copy(
        src.join("directory.json"),
        logs.path().join("directory.json"),
    )
    .expect("copy");
    let before = tree_state(logs.path());
    let work = crate::util::Dir::new();
    let dir = logs.path().to_str().expect("a path");
    let snapshot = logs.path().join("directory.json");
    let snapshot = snapshot.to_str().expect("a path");
    let runs: Vec<Vec<&str>> = vec![
        vec!["ingest", dir, "--stats"],
        vec![
            "query",
            "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv out.csv",
            dir,
        ],
        vec![
            "query",
            "Get-MessageTrackingLog -EventId FAIL",
            dir,
            "--format",
            "parquet",
            "--out",
            "x.parquet",
        ],
        vec!["trail", dir, "--subject", "Contract draft v3"],
        vec![
            "explain",
            dir,
            "--subject",
            "Company update",
            "--directory",
            snapshot,
        ],
        vec![
            "report", "summary", dir, "--format", "html", "--out", "r.html",
        ],
        vec!["report", "imcea", dir, "--directory", snapshot],
    ];
    for args in runs {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
            .args(&args)
            .current_dir(work.path())
            .output()
            .expect("runs");
        assert!(out.status.code().is_some(), "{args:?} was killed");
    }
    assert_eq!(
        tree_state(logs.path()),
        before,
        "a command changed the log folder"
    );
}

#[test]
fn version_names_the_commit_and_completions_and_man_pages_are_generated() {
    let (code, out, _) = crate::util::msgtrack_text(&["--version"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("msgtrack ") && out.contains("(commit "),
        "{out}"
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = crate::util::msgtrack_text(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("query") && out.contains("store"), "{shell}");
    }
    // The man pages in doc/ are the ones the binary writes (regenerate with
    // `msgtrack man --out doc` after changing an option).
    let dir = crate::util::Dir::new();
    let (code, _, err) =
        crate::util::msgtrack_text(&["man", "--out", dir.path().to_str().expect("a path")]);
    assert_eq!(code, 0, "{err}");
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("doc");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("pages")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"msgtrack.1".to_string())
            && names.contains(&"msgtrack-query.1".to_string())
    );
    for name in names {
        let fresh = std::fs::read_to_string(dir.path().join(&name)).expect("generated");
        let kept = std::fs::read_to_string(doc.join(&name)).unwrap_or_default();
        assert!(
            fresh == kept,
            "doc/{name} is out of date: run `msgtrack man --out doc`"
        );
    }
}

#[test]
fn saved_queries_are_found_away_from_the_repository() {
    // Run from an empty folder with no config: the built-in queries answer.
    let dir = crate::util::Dir::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .arg("queries")
        .current_dir(dir.path())
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", dir.path())
        .env_remove("APPDATA")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("imceaex-failures.ps1"), "{text}");
    // A folder in the config directory is preferred to the built-in ones.
    let config = dir.path().join(".config/msgtrack/queries");
    std::fs::create_dir_all(&config).expect("folder");
    std::fs::write(
        config.join("mine.ps1"),
        "# Mine.\nGet-MessageTrackingLog -EventId FAIL\n",
    )
    .expect("query");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args(["query", "-f", "mine"])
        .arg(crate::util::sample_logs_dir())
        .current_dir(dir.path())
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", dir.path())
        .env_remove("APPDATA")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        17,
        "a header and the 16 FAIL rows"
    );
}

#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    // `msgtrack query … | head -1`: the reader goes away after a line, the next write fails
    // with a broken pipe, and msgtrack stops as ripgrep does: no error, exit 0. Every
    // format, from raw logs, from a store read a window of 500 rows at a time, and groups
    // written out (three held at a time).
    use std::io::Read;
    use std::process::{Command, Stdio};
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let events = "Get-MessageTrackingLog -ResultSize Unlimited";
    let groups = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId -NoElement";
    for (line, path) in [
        (events, logs.as_path()),
        (events, store.path()),
        (groups, store.path()),
    ] {
        for format in ["table", "list", "csv", "json", "ndjson"] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_msgtrack"))
                .args(["query", line])
                .arg(path)
                .args(["--tz", "UTC", "--format", format])
                .env("MSGTRACK_WINDOW_ROWS", "500")
                .env("MSGTRACK_GROUPS_HELD", "3")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("msgtrack runs");
            let mut first = [0u8; 64];
            child
                .stdout
                .take()
                .expect("its output")
                .read_exact(&mut first)
                .expect("a first line");
            // (The pipe's reading end is dropped here: the rest fails to be written.)
            let out = child.wait_with_output().expect("msgtrack ends");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && !err.contains("Broken pipe"),
                "{line} over {} as {format}: {:?} {err}",
                path.display(),
                out.status
            );
        }
    }
}

#[test]
fn a_refused_stage_is_refused_before_any_log_is_read() {
    // Out-GridView (a Windows window) is refused, exit 2, with nothing on standard output and
    // no word of the log (which has a bad line a read names). That the refusal comes before
    // the stages ahead of it run is the engine's test
    // (`a_refused_stage_of_the_line_is_refused_before_anything_runs`): it came after a read
    // of every event, 4 GB and 9 s over the 1.3 GB store.
    let dir = crate::util::Dir::new();
    let good = crate::util::row(&[
        (
            msgtrack::format::Field::Timestamp,
            "2026-11-20T10:00:00.000Z",
        ),
        (msgtrack::format::Field::EventId, "RECEIVE"),
    ]);
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        format!("{}{good}\r\nnot-a-date,x,y\r\n", crate::util::header_2016()),
    );
    for stage in [
        "Out-GridView",
        "ogv -Title x",
        "Sort-Object Sender | Out-GridView -PassThru",
    ] {
        let line = format!("Get-MessageTrackingLog -ResultSize Unlimited | {stage}");
        let (code, out, err) =
            crate::util::msgtrack_text(&["query", &line, dir.path().to_str().expect("a path")]);
        assert_eq!(code, 2, "{line}: {err}");
        assert!(out.is_empty(), "{line}: {out}");
        assert!(
            err.contains("Out-GridView opens a Windows window"),
            "{line}: {err}"
        );
        assert!(!err.contains("MSGTRK2026112010-1.LOG"), "{line}: {err}");
    }
    // The same log read: its bad line is named.
    let (_, _, err) = crate::util::msgtrack_text(&[
        "query",
        "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object",
        dir.path().to_str().expect("a path"),
    ]);
    assert!(err.contains("MSGTRK2026112010-1.LOG:"), "{err}");
}
