//! The store on ≥ 1 GB of generated logs, side by side in one run: index throughput (MB/s of
//! raw logs), store size as a share of the raw bytes, q1–q5 answered from the store by msgtrack
//! and by DuckDB's `read_parquet` over the same files and from the raw logs by msgtrack (warm
//! cache, median of 5; indexing: median of 3 into a new store), every row written as CSV and
//! every row sorted by size (once each: from the store by msgtrack and DuckDB, from the raw
//! logs by msgtrack), the other reading commands (both reports, a trail and an explanation, a
//! trail by the busiest sender) from the store and from the raw logs (median of 5), re-indexing
//! after one file grew by 10 MB, and each run's peak memory.
//!
//! `cargo bench --bench store` (DuckDB's CLI: `pip install duckdb-cli`; without it only msgtrack
//! is timed). The corpus is shared with the `queries` bench (`target/bench-corpus-1g/`);
//! `MSGTRACK_BENCH_QUERIES_MB` sets its size.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bytes_under, corpus, measure, measure_listing, runner};

/// The median of five warm runs (one run first to warm the cache): time, and the peak memory
/// of that run.
fn median(program: &str, args: &[String]) -> Option<(f64, f64)> {
    median_by(measure, program, args)
}

/// How a run is measured: [`measure`], or [`measure_listing`] for a command whose answer may
/// be a listing that exits 2. Its time and peak memory.
type Measure = fn(&str, &[String]) -> Option<(f64, f64)>;

/// [`median`] of runs measured by `measure`.
fn median_by(measure: Measure, program: &str, args: &[String]) -> Option<(f64, f64)> {
    measure(program, args)?;
    let mut runs: Vec<(f64, f64)> = (0..5).filter_map(|_| measure(program, args)).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.get(2).copied()
}

/// A table cell pair: the time in ms and the peak memory.
fn cell_of(r: Option<(f64, f64)>) -> (String, String) {
    match r {
        Some((t, m)) => (format!("{:.0} ms", t * 1000.0), format!("{m:.0} MiB")),
        None => ("failed".into(), "-".into()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--run") {
        runner(&args[i + 1], &args[i + 2..]);
        return;
    }
    let target_mb: u64 = std::env::var("MSGTRACK_BENCH_QUERIES_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = corpus();
    if bytes_under(&dir) < target_mb * 1_000_000 {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        msgtrack::synth::write_corpus(&dir, target_mb * 1_000_000).expect("write corpus");
    }
    let raw_bytes = bytes_under(&dir);
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    let _ = std::fs::remove_dir_all(&store);
    let msgtrack = env!("CARGO_BIN_EXE_msgtrack");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let corpus_arg = dir.display().to_string();
    let store_arg = store.display().to_string();

    println!(
        "corpus: {:.0} MB of logs under {corpus_arg}",
        raw_bytes as f64 / 1e6
    );
    // Indexing into a new store, three times: the median.
    let mut runs: Vec<(f64, f64)> = (0..3)
        .map(|_| {
            let _ = std::fs::remove_dir_all(&store);
            measure(msgtrack, &s(&["index", &corpus_arg, "--store", &store_arg]))
                .expect("index runs")
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (secs, mib) = runs[1];
    let store_bytes = bytes_under(&store);
    println!(
        "index: {secs:.2} s, {:.0} MB/s of raw logs, peak {mib:.0} MiB; store {:.0} MB = {:.1} % of the raw bytes",
        raw_bytes as f64 / 1e6 / secs,
        store_bytes as f64 / 1e6,
        100.0 * store_bytes as f64 / raw_bytes as f64
    );

    // A message id that exists: one of the first EX01 file's rows.
    let message_id = message_id_in(&dir.join("EX01"));
    assert!(
        message_id.starts_with('<'),
        "no Message-ID found for q3 under {}",
        dir.display()
    );
    let questions: Vec<(&str, String, String)> = vec![
        (
            "q1 count by EventId",
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement".into(),
            "SELECT EventId, count(*) FROM t GROUP BY 1".into(),
        ),
        (
            "q2 FAIL with an IMCEAEX recipient",
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.Recipients -match '^IMCEAEX'}".into(),
            "SELECT * FROM t WHERE lower(EventId) = 'fail' AND len(list_filter(Recipients, lambda x: regexp_matches(x, '(?i)^IMCEAEX'))) > 0".into(),
        ),
        (
            "q3 all rows of one MessageId",
            format!("Get-MessageTrackingLog -MessageId '{message_id}' -ResultSize Unlimited"),
            format!("SELECT * FROM t WHERE lower(MessageId) = lower('{message_id}')"),
        ),
        (
            "q4 top 10 senders by RECEIVE rows",
            "Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10".into(),
            "SELECT lower(Sender), count(*) AS n FROM t WHERE lower(EventId) = 'receive' GROUP BY 1 ORDER BY n DESC LIMIT 10".into(),
        ),
        (
            "q5 DELIVER rows of one server in one hour",
            "Get-MessageTrackingLog -Server EX01 -EventId DELIVER -Start '11/20/2026 10:00' -End '11/20/2026 11:00' -ResultSize Unlimited".into(),
            "SELECT * FROM t WHERE server_name = 'EX01' AND lower(EventId) = 'deliver' AND Timestamp >= TIMESTAMPTZ '2026-11-20 10:00:00+00' AND Timestamp < TIMESTAMPTZ '2026-11-20 11:00:00+00'".into(),
        ),
    ];
    let has_duckdb = Command::new("duckdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    println!();
    println!(
        "| question | msgtrack, store | peak | DuckDB read_parquet, store | peak | msgtrack, raw logs | peak |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, line, sql) in &questions {
        let from_store = median(
            msgtrack,
            &s(&["query", line, &store_arg, "--format", "csv", "--tz", "UTC"]),
        );
        let from_raw = median(
            msgtrack,
            &s(&["query", line, &corpus_arg, "--format", "csv", "--tz", "UTC"]),
        );
        let duck = has_duckdb.then(|| {
            let view = format!(
                "CREATE VIEW t AS SELECT * FROM read_parquet('{store_arg}/**/*.parquet', hive_partitioning = true); {sql};"
            );
            median("duckdb", &s(&["-c", &view]))
        });
        let (a, am) = cell_of(from_store);
        let (b, bm) = match duck {
            Some(r) => cell_of(r),
            None => ("(no duckdb)".into(), "-".into()),
        };
        let (c, cm) = cell_of(from_raw);
        println!("| {name} | {a} | {am} | {b} | {bm} | {c} | {cm} |");
    }
    // `--sql`: the statement by msgtrack (the columns it reads spilled to Parquet and run on
    // polars' streaming engine; a sort's first N kept as the rows are read) and by DuckDB, as
    // rows of the same table.
    let statements = [
        (
            "`--sql` count by EventId",
            "SELECT EventId, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1",
        ),
        (
            "`--sql` the 5 biggest rows, every column",
            "SELECT * FROM logs ORDER BY TotalBytes DESC NULLS LAST, File, Line LIMIT 5",
        ),
    ];
    for (name, statement) in statements {
        let sql_cell = |from: &str| {
            median(
                msgtrack,
                &s(&["query", "--sql", statement, from, "--format", "csv"]),
            )
        };
        let (a, am) = cell_of(sql_cell(&store_arg));
        let (c, cm) = cell_of(sql_cell(&corpus_arg));
        let (b, bm) = if has_duckdb {
            let view = format!(
                "CREATE VIEW logs AS SELECT * FROM read_parquet('{store_arg}/**/*.parquet', hive_partitioning = true); {statement};"
            );
            cell_of(median("duckdb", &s(&["-c", &view])))
        } else {
            ("(no duckdb)".into(), "-".into())
        };
        println!("| {name} | {a} | {am} | {b} | {bm} | {c} | {cm} |");
    }

    // The other reading commands, from the store and from the raw logs: both reports, one
    // message's trail and explanation, and a trail by the busiest sender, whose many
    // messages are listed for the admin to pick from (a pick over many rows).
    let busiest = Command::new(msgtrack)
        .args(s(&[
            "query",
            "Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 1 -ExpandProperty Name",
            &store_arg,
            "--format",
            "csv",
        ]))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!();
    println!("| command | msgtrack, store | peak | msgtrack, raw logs | peak |");
    println!("|---|---|---|---|---|");
    let commands: Vec<(String, Vec<&str>)> = vec![
        ("report summary".into(), vec!["report", "summary"]),
        ("report imcea".into(), vec!["report", "imcea"]),
        (
            "trail -m (q3's message)".into(),
            vec!["trail", "-m", &message_id],
        ),
        (
            "explain -m (q3's message)".into(),
            vec!["explain", "-m", &message_id],
        ),
        (
            format!("trail --sender {busiest} (lists its messages)"),
            vec!["trail", "--sender", &busiest],
        ),
    ];
    for (name, command) in &commands {
        let timed = |from: &str| {
            let mut args = s(command);
            args.extend(s(&[from, "--tz", "UTC"]));
            median_by(measure_listing, msgtrack, &args)
        };
        let (a, am) = cell_of(timed(&store_arg));
        let (c, cm) = cell_of(timed(&corpus_arg));
        println!("| {name} | {a} | {am} | {c} | {cm} |");
    }

    // Every row, written as CSV, once each (the output is the corpus again): msgtrack reads
    // the store a time window at a time; DuckDB sorts by time as the cmdlet's output is.
    let every = "Get-MessageTrackingLog -ResultSize Unlimited";
    let row = |r: Option<(f64, f64)>| match r {
        Some((t, m)) => format!("{t:.1} s, peak {m:.0} MiB"),
        None => "failed".into(),
    };
    let from_store = measure(
        msgtrack,
        &s(&["query", every, &store_arg, "--format", "csv", "--tz", "UTC"]),
    );
    println!(
        "
every row as CSV: msgtrack, store: {}",
        row(from_store)
    );
    if has_duckdb {
        let copy = format!(
            "COPY (SELECT * FROM read_parquet('{store_arg}/**/*.parquet', hive_partitioning = true) ORDER BY \"Timestamp\") TO '/dev/null' (FORMAT csv);"
        );
        println!(
            "every row as CSV: DuckDB, store: {}",
            row(measure("duckdb", &s(&["-c", &copy])))
        );
    }
    let from_raw = measure(
        msgtrack,
        &s(&[
            "query",
            every,
            &corpus_arg,
            "--format",
            "csv",
            "--tz",
            "UTC",
        ]),
    );
    println!("every row as CSV: msgtrack, raw logs: {}", row(from_raw));

    // Every row sorted by size, five properties as CSV, once each: msgtrack merges sorted
    // runs from the store (bounded memory) and sorts the raw logs' rows whole.
    let by_size = "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending | Select-Object Timestamp,EventId,Sender,TotalBytes,MessageId";
    let sorted = |from: &str| {
        measure(
            msgtrack,
            &s(&["query", by_size, from, "--format", "csv", "--tz", "UTC"]),
        )
    };
    println!(
        "\nevery row sorted by size as CSV: msgtrack, store: {}",
        row(sorted(&store_arg))
    );
    if has_duckdb {
        // (Ties in time order, as the stable sort of the cmdlet's time-ordered rows keeps them.)
        let copy = format!(
            "COPY (SELECT \"Timestamp\", \"EventId\", \"Sender\", \"TotalBytes\", \"MessageId\" FROM read_parquet('{store_arg}/**/*.parquet', hive_partitioning = true) ORDER BY \"TotalBytes\" DESC NULLS LAST, \"Timestamp\") TO '/dev/null' (FORMAT csv);"
        );
        println!(
            "every row sorted by size as CSV: DuckDB, store: {}",
            row(measure("duckdb", &s(&["-c", &copy])))
        );
    }
    println!(
        "every row sorted by size as CSV: msgtrack, raw logs: {}",
        row(sorted(&corpus_arg))
    );

    // Re-index after one file grew by 10 MB: append rows of another file of the same server.
    let ex01: Vec<PathBuf> = std::fs::read_dir(dir.join("EX01"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    if let (Some(target), Some(donor)) = (ex01.first(), ex01.get(1)) {
        let body: String = std::fs::read_to_string(donor)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\r\n"))
            .collect();
        let mut grow = String::new();
        while grow.len() < 10_000_000 && !body.is_empty() {
            grow.push_str(&body);
        }
        let original = std::fs::read(target).unwrap_or_default();
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(target)
            .expect("open");
        f.write_all(grow.as_bytes()).expect("append");
        drop(f);
        let again = measure(msgtrack, &s(&["index", &corpus_arg, "--store", &store_arg]));
        std::fs::write(target, original).expect("restore");
        if let Some((t, m)) = again {
            println!(
                "\nre-index after one file grew by {:.0} MB: {:.0} ms, peak {m:.0} MiB",
                grow.len() as f64 / 1e6,
                t * 1000.0
            );
        }
        let _ = std::fs::remove_dir_all(&store);
    }
}

/// A Message-ID that exists: from the first transport log (`MSGTRK2…`, by name) under
/// `folder`, the first row from the 100th on whose line has no quoting (a quoted field may
/// hold commas) and whose 11th field is a Message-ID.
fn message_id_in(folder: &std::path::Path) -> String {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    logs.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("MSGTRK2"))
    });
    logs.sort();
    logs.iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .find_map(|t| {
            t.lines()
                .skip(105)
                .filter(|l| !l.starts_with('#') && !l.contains('"'))
                .filter_map(|l| l.split(',').nth(10))
                .find(|id| id.starts_with('<'))
                .map(str::to_string)
        })
        .unwrap_or_default()
}
