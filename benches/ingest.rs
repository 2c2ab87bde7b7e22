//! Ingest throughput and peak memory on a generated corpus (≥ 500 MB by default).
//!
//! `cargo bench --bench ingest` generates the corpus once under `target/bench-corpus/`
//! (`MSGTRACK_BENCH_MB` sets its size), then measures each mode in a fresh child process so
//! that the peak resident memory (VmHWM) belongs to that mode alone:
//!
//! * `few`: the columns a typical query needs (Timestamp, EventId, Recipients, Sender, MessageId);
//! * `all`: every column;
//! * `summary`: `msgtrack report summary`'s scan and aggregation (15 columns, batched);
//! * `imcea`: `msgtrack report imcea`'s scan (prefiltered on FAIL/DSN lines).
//!
//! Throughput is bytes of log files per second of wall time (best of three runs, warm page
//! cache) and rows per second.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use msgtrack::format::Field;
use msgtrack::format::Zone;
use msgtrack::ingest::{ReadOptions, RowFilter, read_paths};
use msgtrack::report::imcea::{ImceaCollector, imcea_filter};
use msgtrack::report::scan::scan_rows;
use msgtrack::report::summary::queries::QueryBook;
use msgtrack::report::summary::{CountRule, SummaryCollector, SummaryOptions};

const FEW: [Field; 5] = [
    Field::Timestamp,
    Field::EventId,
    Field::Recipients,
    Field::Sender,
    Field::MessageId,
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus")
}

fn folder_bytes(dir: &Path) -> u64 {
    walk(dir)
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// One run of a report mode: the rows it read.
fn report(mode: &str, dir: &Path) -> usize {
    let paths = [dir.to_path_buf()];
    if mode == "imcea" {
        let mut collector = ImceaCollector::default();
        let scan = scan_rows(&paths, &imcea_filter(&RowFilter::default()), None, |row| {
            collector.add(row)
        })
        .expect("corpus reads");
        assert!(!collector.finish(None).is_empty());
        return scan.rows as usize;
    }
    let mut collector = SummaryCollector::new(SummaryOptions {
        count: CountRule::PerMessage,
        zone: Zone::Named(chrono_tz::Tz::UTC),
        exclude_noise: false,
        top: 10,
    });
    let scan = scan_rows(&paths, &RowFilter::default(), None, |row| {
        collector.add(row)
    })
    .expect("corpus reads");
    let report = collector.finish(&QueryBook::new(false, &paths, None, None, false));
    assert!(!report.sections.is_empty());
    scan.rows as usize
}

/// Child: read the corpus three times in one mode, print one result line.
fn measure(mode: &str) {
    let dir = corpus_dir();
    let options = match mode {
        "few" => ReadOptions::default().with_columns(FEW),
        _ => ReadOptions::default(),
    };
    let bytes = folder_bytes(&dir);
    let mut best = f64::MAX;
    let mut rows = 0;
    for _ in 0..3 {
        let started = Instant::now();
        if mode == "summary" || mode == "imcea" {
            rows = report(mode, &dir);
        } else {
            let ingest = read_paths(std::slice::from_ref(&dir), &options).expect("corpus reads");
            rows = ingest.frame.height();
            assert_eq!(ingest.bad_lines(), 0);
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!("RESULT {mode} {bytes} {rows} {best} {}", peak_rss_kb());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(args.get(i + 1).map(String::as_str).unwrap_or("all"));
        return;
    }
    let target_mb: u64 = std::env::var("MSGTRACK_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = corpus_dir();
    if folder_bytes(&dir) < target_mb * 1_000_000 {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create corpus folder");
        let started = Instant::now();
        let written =
            msgtrack::synth::write_corpus(&dir, target_mb * 1_000_000).expect("write corpus");
        eprintln!(
            "generated {:.0} MB ({} rows, {} files) in {:.1} s under {}",
            written.bytes as f64 / 1e6,
            written.rows,
            written.files.len(),
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    let exe = std::env::current_exe().expect("own path");
    println!(
        "{:<7} {:>10} {:>12} {:>9} {:>12} {:>14} {:>10}",
        "mode", "input MB", "rows", "seconds", "MB/s", "rows/s", "peak MB"
    );
    for mode in ["few", "all", "summary", "imcea"] {
        let out = Command::new(&exe)
            .args(["--measure", mode])
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(line) = text.lines().find(|l| l.starts_with("RESULT")) else {
            eprintln!(
                "{mode}: no result\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let f: Vec<&str> = line.split_whitespace().collect();
        let bytes: f64 = f[2].parse().unwrap_or(0.0);
        let rows: f64 = f[3].parse().unwrap_or(0.0);
        let secs: f64 = f[4].parse().unwrap_or(f64::NAN);
        let peak_kb: f64 = f[5].parse().unwrap_or(0.0);
        println!(
            "{:<7} {:>10.0} {:>12.0} {:>9.3} {:>12.0} {:>14.0} {:>10.0}",
            mode,
            bytes / 1e6,
            rows,
            secs,
            bytes / 1e6 / secs,
            rows / secs,
            peak_kb / 1024.0
        );
    }
}
