//! The corpus of real one-liners (`tests/fixtures/pwsh-corpus/corpus.tsv`, each with its
//! source): every line, pasted as published, either runs on `sample-logs/` or is refused
//! with an error that points at the construct (a caret under it) and says what it is.
//! Nothing panics, nothing is silently ignored.

use std::path::Path;
use std::process::Command;

use crate::util::{Dir, sample_logs_dir};

/// One corpus entry.
struct Entry {
    id: String,
    line: String,
}

fn corpus() -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pwsh-corpus/corpus.tsv");
    let text = std::fs::read_to_string(&path).expect("the corpus is in the tree");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            Entry {
                id: cols.next().unwrap_or_default().to_string(),
                line: cols.next().unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// What running one line did.
enum Outcome {
    Ran,
    Refused(String),
    Broke(String),
}

fn run(line: &str, cwd: &Path) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args(["query", line])
        .arg(sample_logs_dir())
        .args([
            "--tz",
            "UTC",
            "--now",
            "2026-11-21T00:00:00Z",
            "--format",
            "json",
        ])
        .current_dir(cwd)
        .output()
        .expect("the msgtrack binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0 | 1) => Outcome::Ran,
        Some(2) => Outcome::Refused(stderr),
        other => Outcome::Broke(format!("exit {other:?}: {stderr}")),
    }
}

/// A refusal names its construct: an `error:` line with a message, and a caret line under
/// the place in the pasted text.
fn names_the_construct(stderr: &str) -> bool {
    let has_error = stderr
        .lines()
        .any(|l| l.starts_with("error: ") && l.len() > "error: ".len() + 10);
    let has_caret = stderr
        .lines()
        .any(|l| l.trim_start().starts_with('^') && l.trim().chars().all(|c| c == '^'));
    has_error && has_caret
}

#[test]
fn every_corpus_line_runs_or_is_refused_naming_the_construct() {
    let entries = corpus();
    assert!(
        entries.len() >= 150,
        "the corpus holds at least 150 one-liners"
    );
    let cwd = Dir::new();
    let results: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<(usize, &Entry)>> = {
            let mut c: Vec<Vec<(usize, &Entry)>> = (0..4).map(|_| Vec::new()).collect();
            for (i, e) in entries.iter().enumerate() {
                c[i % 4].push((i, e));
            }
            c
        };
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let dir = cwd.path();
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, e)| (i, run(&e.line, dir)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a runner thread"))
            .collect()
    });
    let mut ran = 0;
    let mut problems = Vec::new();
    for (i, outcome) in &results {
        let e = &entries[*i];
        match outcome {
            Outcome::Ran => ran += 1,
            Outcome::Refused(stderr) if names_the_construct(stderr) => {}
            Outcome::Refused(stderr) => problems.push(format!(
                "{} refused without naming why: {}\n{stderr}",
                e.id, e.line
            )),
            Outcome::Broke(why) => problems.push(format!("{} broke: {}\n{why}", e.id, e.line)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The README reports this figure; a change that makes fewer lines run is a regression.
    eprintln!("{ran} of {} corpus one-liners run as pasted", entries.len());
    assert!(
        ran >= 49,
        "only {ran} of {} corpus lines ran",
        entries.len()
    );
}
