//! Peak memory against input size: the aggregating queries, `--sql` group-bys and both
//! reports over about 1, 4 and 16 GB of logs, each in a fresh process (peak resident memory
//! from `getrusage`, as `/usr/bin/time -v` reports it), and one huge file against many small
//! ones.
//!
//! `cargo bench --bench memory`. The 1 GB corpus is the queries bench's; the 4 GB corpus is
//! generated into `target/bench-corpus-4g/`; the 16 GB one is four hard-linked copies of the
//! 4 GB one under `target/bench-corpus-16g/` (16 GB of rows to read at no extra disk). Its
//! messages repeat, so `report summary` at 16 GB reads 16 GB of distinct traffic from
//! `target/bench-corpus-16g-distinct/` when it is there (`MSGTRACK_BENCH_DISTINCT16=1`
//! generates it: 16 GB of disk and about 15 minutes). `MSGTRACK_BENCH_MEMORY_SIZES=1,4`
//! limits the sizes (in GB).
//!
//! A second table puts one huge file (the rows of the 4 GB corpus's two mailbox servers in
//! one 3.6 GB file, under `target/bench-huge-file/`) beside the many 10 MB files they came
//! from.

mod common;

use std::path::{Path, PathBuf};

use common::{bytes_under, corpus, measure, runner};

fn target(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name)
}

/// A generated corpus of about `mb` megabytes at `dir` (kept between runs).
fn generated(dir: &Path, mb: u64) -> PathBuf {
    if bytes_under(dir) < mb * 1_000_000 * 9 / 10 {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("corpus folder");
        msgtrack::synth::write_corpus(dir, mb * 1_000_000).expect("write corpus");
    }
    dir.to_path_buf()
}

/// Four hard-linked copies of `source` under `dir`.
fn linked_copies(source: &Path, dir: &Path) -> PathBuf {
    if bytes_under(dir) < 4 * bytes_under(source) {
        let _ = std::fs::remove_dir_all(dir);
        for copy in ["a", "b", "c", "d"] {
            link_tree(source, &dir.join(copy));
        }
    }
    dir.to_path_buf()
}

fn link_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy folder");
    for e in std::fs::read_dir(from).expect("corpus folder").flatten() {
        let p = e.path();
        let q = to.join(e.file_name());
        if p.is_dir() {
            link_tree(&p, &q);
        } else if std::fs::hard_link(&p, &q).is_err() {
            std::fs::copy(&p, &q).expect("copy a log");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--run") {
        runner(&args[i + 1], &args[i + 2..]);
        return;
    }
    let sizes: Vec<u64> = std::env::var("MSGTRACK_BENCH_MEMORY_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 4, 16]);
    let msgtrack = env!("CARGO_BIN_EXE_msgtrack");
    // (size, a corpus of that size, one of distinct traffic when there is one)
    let mut corpora: Vec<(u64, PathBuf, Option<PathBuf>)> = Vec::new();
    for size in &sizes {
        match size {
            1 => {
                let dir = generated(&corpus(), 1000);
                corpora.push((1, dir.clone(), Some(dir)));
            }
            4 => {
                let dir = generated(&target("bench-corpus-4g"), 4000);
                corpora.push((4, dir.clone(), Some(dir)));
            }
            16 => {
                let four = generated(&target("bench-corpus-4g"), 4000);
                let distinct = target("bench-corpus-16g-distinct");
                let distinct = if std::env::var_os("MSGTRACK_BENCH_DISTINCT16").is_some() {
                    Some(generated(&distinct, 16000))
                } else {
                    (bytes_under(&distinct) >= 14_400_000_000).then_some(distinct)
                };
                corpora.push((
                    16,
                    linked_copies(&four, &target("bench-corpus-16g")),
                    distinct,
                ));
            }
            other => eprintln!("size {other} GB is not one this bench makes (1, 4, 16)"),
        }
    }
    let commands: Vec<(&str, Vec<&str>, bool)> = vec![
        (
            "query … | Group-Object EventId -NoElement",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement",
            ],
            true,
        ),
        (
            "query … | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10",
            vec![
                "query",
                "Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10",
            ],
            true,
        ),
        (
            "query … | Measure-Object TotalBytes -Sum -Average -Maximum",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object TotalBytes -Sum -Average -Maximum",
            ],
            true,
        ),
        (
            "query … | Group-Object EventId (shown as a table: 16 events of each .Group)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId",
                "--format",
                "table",
            ],
            true,
        ),
        (
            "query … | Group-Object MessageId | Sort-Object Count -Descending | Select-Object -First 3 (shown as a table: the three groups' events read in a second pass)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId | Sort-Object Count -Descending | Select-Object -First 3",
                "--format",
                "table",
            ],
            true,
        ),
        (
            "query … | Group-Object MessageId -NoElement | Sort-Object Count -Descending | Select-Object -First 10 (past 10,000 groups written out, picked from chunks)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId -NoElement | Sort-Object Count -Descending | Select-Object -First 10",
            ],
            true,
        ),
        (
            "query … | Sort-Object Sender -Unique | Measure-Object (one event per sender kept as they come)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender -Unique | Measure-Object",
            ],
            true,
        ),
        (
            "query … | Group-Object EventId --format csv (each .Group written by its type's name, as Export-Csv writes it)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId",
            ],
            true,
        ),
        (
            "query … | Group-Object EventId --format json (every event of each .Group written)",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId",
                "--format",
                "json",
            ],
            true,
        ),
        (
            "query --sql 'SELECT EventId, count(*) … GROUP BY 1'",
            vec![
                "query",
                "--sql",
                "SELECT EventId, count(*) AS n FROM logs GROUP BY 1",
            ],
            true,
        ),
        (
            "query 'Get-MessageTrackingLog' (first 1,000 rows, every column, CSV)",
            vec!["query", "Get-MessageTrackingLog"],
            true,
        ),
        ("report imcea", vec!["report", "imcea"], true),
        ("report summary", vec!["report", "summary"], false),
    ];
    println!();
    print!("| command |");
    for (size, _, _) in &corpora {
        print!(" {size} GB |");
    }
    println!();
    print!("|---|");
    for _ in &corpora {
        print!("---|");
    }
    println!();
    for (name, args, any_corpus) in &commands {
        print!("| `{}` |", name.replace('|', "\\|"));
        for (_, any, distinct) in &corpora {
            let dir = match (any_corpus, distinct) {
                (true, _) => any,
                (false, Some(distinct)) => distinct,
                (false, None) => {
                    print!(" (no distinct corpus) |");
                    continue;
                }
            };
            let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            full.push(dir.display().to_string());
            full.extend(["--tz", "UTC"].map(String::from));
            if full[0] == "query" && !full.iter().any(|a| a == "--format") {
                full.extend(["--format", "csv"].map(String::from));
            }
            match measure(msgtrack, &full) {
                Some((secs, mib)) => print!(" {mib:.0} MiB ({secs:.1} s) |"),
                None => print!(" failed |"),
            }
        }
        println!();
    }
    if sizes.contains(&4) {
        huge_file_table(msgtrack);
    }
}

/// One huge file against the many files its rows came from.
fn huge_file_table(msgtrack: &str) {
    let four = generated(&target("bench-corpus-4g"), 4000);
    let huge = target("bench-huge-file");
    let file = huge.join("EX01").join("MSGTRK2026112000-1.LOG");
    if !file.exists() {
        write_huge_file(&four, &file);
    }
    let commands: [(&str, Vec<&str>); 4] = [
        (
            "query … | Group-Object Sender -NoElement",
            vec![
                "query",
                "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object Sender -NoElement",
                "--format",
                "csv",
            ],
        ),
        ("report imcea", vec!["report", "imcea"]),
        ("report summary", vec!["report", "summary"]),
        ("ingest", vec!["ingest"]),
    ];
    println!();
    println!("| command | one 3.6 GB file | the same rows in 10 MB files |");
    println!("|---|---|---|");
    for (name, args) in &commands {
        print!("| `{}` |", name.replace('|', "\\|"));
        let one_file = vec![huge.clone()];
        let many_files = vec![four.join("EX01"), four.join("EX02")];
        for paths in [&one_file, &many_files] {
            let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            full.extend(paths.iter().map(|p| p.display().to_string()));
            if full[0] != "ingest" {
                full.extend(["--tz", "UTC"].map(String::from));
            }
            match measure(msgtrack, &full) {
                Some((secs, mib)) => print!(" {mib:.0} MiB ({secs:.1} s) |"),
                None => print!(" failed |"),
            }
        }
        println!();
    }
}

/// The header of the first file of `four/EX01`, then every row of `EX01` and `EX02`.
fn write_huge_file(four: &Path, file: &Path) {
    use std::io::{BufRead, Write};
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("huge-file folder");
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).expect("huge file"));
    let mut header_written = false;
    for server in ["EX01", "EX02"] {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(four.join(server))
            .expect("corpus folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        logs.sort();
        for log in logs {
            let reader = std::io::BufReader::new(std::fs::File::open(&log).expect("a log"));
            for line in reader.split(b'\n') {
                let line = line.expect("a line");
                let header = line.starts_with(b"#") || line.starts_with(b"\xEF\xBB\xBF#");
                if header && header_written {
                    continue;
                }
                out.write_all(&line).expect("write");
                out.write_all(b"\n").expect("write");
            }
            header_written = true;
        }
    }
    out.flush().expect("write");
}
