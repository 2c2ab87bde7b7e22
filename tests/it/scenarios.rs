//! The worked scenarios of categorizer.md §15 and the admin's recipient-resolution study as
//! fixtures: each folder under `tests/fixtures/scenarios/` holds the log lines of one message
//! (written by hand from the reference, not by msgtrack), an optional `directory.json` (else
//! the shared `org.json`), and `expected.json` — the explanation `msgtrack explain --format
//! json` must give: its events (in order, the keys given), its final recipients (as a set),
//! its mismatches, and phrases the reasons must contain.

use std::path::{Path, PathBuf};

use serde_json::Value;

use msgtrack::directory::{Directory, Snapshot};
use msgtrack::replay;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios")
}

fn scenario_folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("tests/fixtures/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn snapshot_for(folder: &Path) -> Directory {
    let own = folder.join("directory.json");
    let file = if own.exists() {
        own
    } else {
        scenarios_dir().join("org.json")
    };
    Directory::new(Snapshot::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
}

fn expected(folder: &Path) -> Value {
    let text = std::fs::read_to_string(folder.join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Explains the scenario's message as `msgtrack explain --format json` would.
fn explain(folder: &Path, message_id: &str, with_directory: bool) -> Value {
    let rows = replay::load(&[folder.to_path_buf()], message_id).unwrap();
    assert!(
        rows.diagnostics.is_empty(),
        "{}: {:?}",
        folder.display(),
        rows.diagnostics
    );
    assert!(
        !rows.events.is_empty(),
        "{}: no rows for {message_id}",
        folder.display()
    );
    let dir = with_directory.then(|| snapshot_for(folder));
    serde_json::to_value(replay::explain(&rows.events, dir.as_ref())).unwrap()
}

/// Checks one scenario; returns the differences found, named by the scenario.
fn check(folder: &Path) -> Vec<String> {
    let name = folder.file_name().unwrap().to_string_lossy().to_string();
    let want = expected(folder);
    let id = want["message_id"].as_str().unwrap();
    let got = explain(folder, id, true);
    let mut problems = Vec::new();

    let want_events = want["events"].as_array().unwrap();
    let got_events = got["events"].as_array().unwrap();
    if want_events.len() != got_events.len() {
        problems.push(format!(
            "{name}: {} events expected, {} explained: {}",
            want_events.len(),
            got_events.len(),
            serde_json::to_string(
                &got_events
                    .iter()
                    .map(|e| (&e["event_id"], &e["recipients"], &e["reason_code"]))
                    .collect::<Vec<_>>()
            )
            .unwrap()
        ));
    }
    for (i, (w, g)) in want_events.iter().zip(got_events).enumerate() {
        for (key, value) in w.as_object().unwrap() {
            if &g[key] != value {
                problems.push(format!(
                    "{name}: events[{i}].{key}: expected {value}, got {} ({})",
                    g[key], g["reason"]
                ));
            }
        }
    }

    let pairs = |v: &Value| {
        let mut list: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["address"].as_str().unwrap().to_lowercase(),
                    r["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        list.sort();
        list
    };
    if pairs(&want["recipients"]) != pairs(&got["recipients"]) {
        problems.push(format!(
            "{name}: recipients expected {:?}, got {:?}",
            pairs(&want["recipients"]),
            pairs(&got["recipients"])
        ));
    }
    if want["mismatches"] != got["mismatches"] {
        problems.push(format!(
            "{name}: mismatches expected {}, got {}",
            want["mismatches"], got["mismatches"]
        ));
    }
    let reasons: String = got_events
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for phrase in want["reason_contains"].as_array().into_iter().flatten() {
        let phrase = phrase.as_str().unwrap();
        if !reasons.contains(phrase) {
            problems.push(format!(
                "{name}: no reason says {phrase:?}; reasons:\n{reasons}"
            ));
        }
    }
    problems
}

#[test]
fn every_scenario_fixture_is_explained_as_expected() {
    let folders = scenario_folders();
    assert!(folders.len() >= 20, "fixtures missing: {folders:?}");
    let problems: Vec<String> = folders.iter().flat_map(|f| check(f)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn without_a_snapshot_every_scenario_row_still_gets_an_inferred_reason() {
    for folder in scenario_folders() {
        let want = expected(&folder);
        let got = explain(&folder, want["message_id"].as_str().unwrap(), false);
        for e in got["events"].as_array().unwrap() {
            assert_eq!(e["logged"], true, "{}: {e}", folder.display());
            assert_eq!(e["inferred"], true, "{}: {e}", folder.display());
            assert_ne!(
                e["reason_code"],
                "not-explained",
                "{}: {e}",
                folder.display()
            );
        }
        assert!(
            got["mismatches"].as_array().unwrap().is_empty(),
            "{}: without a snapshot nothing is predicted, so nothing can mismatch",
            folder.display()
        );
    }
}
