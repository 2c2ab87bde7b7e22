//! Five everyday questions over ≥ 1 GB of logs, asked of msgtrack and of DuckDB's `read_csv`
//! over the same files, each timed cold (page cache dropped before every run, when the bench
//! runs as root; otherwise warm, and it says so), with each program's peak memory.
//!
//! `cargo bench --bench queries` (DuckDB's CLI: `pip install duckdb-cli`; without it only
//! msgtrack is timed). The corpus is generated once under `target/bench-corpus-1g/`;
//! `MSGTRACK_BENCH_QUERIES_MB` sets its size.

mod common;

use std::process::Command;

use common::{bytes_under, corpus, measure, runner};

const DUCK_COLUMNS: [&str; 30] = [
    "date_time",
    "client_ip",
    "client_hostname",
    "server_ip",
    "server_hostname",
    "source_context",
    "connector_id",
    "source",
    "event_id",
    "internal_message_id",
    "message_id",
    "network_message_id",
    "recipient_address",
    "recipient_status",
    "total_bytes",
    "recipient_count",
    "related_recipient_address",
    "reference",
    "message_subject",
    "sender_address",
    "return_path",
    "message_info",
    "directionality",
    "tenant_id",
    "original_client_ip",
    "original_server_ip",
    "custom_data",
    "transport_traffic_type",
    "log_id",
    "schema_version",
];

fn drop_caches() -> bool {
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
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
    let size_mb = bytes_under(&dir) as f64 / 1e6;
    let corpus_arg = dir.display().to_string();
    // A message id that exists: the one on the 100th row of the first EX01 file.
    let first = std::fs::read_dir(dir.join("EX01"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.path());
    let message_id = first
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| {
            t.lines()
                .nth(105)
                .map(|l| l.split(',').nth(10).unwrap_or("").to_string())
        })
        .unwrap_or_default();

    let msgtrack = env!("CARGO_BIN_EXE_msgtrack");
    let cmdlet = |q: &str| {
        vec![
            "query".to_string(),
            q.to_string(),
            corpus_arg.clone(),
            "--format".into(),
            "csv".into(),
            "--tz".into(),
            "UTC".into(),
        ]
    };
    let sql = |q: &str| {
        vec![
            "query".to_string(),
            "--sql".into(),
            q.to_string(),
            corpus_arg.clone(),
            "--format".into(),
            "csv".into(),
            "--tz".into(),
            "UTC".into(),
        ]
    };
    let questions: Vec<(&str, Vec<String>, String)> = vec![
        (
            "q1 count by EventId",
            cmdlet("Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement"),
            "SELECT event_id, count(*) FROM logs GROUP BY 1".into(),
        ),
        (
            "q2 FAIL with an IMCEAEX recipient",
            cmdlet("Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.Recipients -match '^IMCEAEX'}"),
            "SELECT * FROM logs WHERE event_id = 'FAIL' AND regexp_matches(recipient_address, '(^|;)IMCEAEX')".into(),
        ),
        (
            "q3 all rows of one MessageId",
            cmdlet(&format!("Get-MessageTrackingLog -MessageId '{message_id}' -ResultSize Unlimited")),
            format!("SELECT * FROM logs WHERE message_id = '{message_id}'"),
        ),
        (
            "q4 top 10 senders (distinct MessageId, RECEIVE)",
            cmdlet("Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Select-Object Sender,MessageId -Unique | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10"),
            "SELECT sender_address, count(DISTINCT message_id) AS n FROM logs WHERE event_id = 'RECEIVE' GROUP BY 1 ORDER BY n DESC LIMIT 10".into(),
        ),
        (
            "q5 DELIVER per hour",
            sql("SELECT strftime(Timestamp, '%Y-%m-%d %H') AS hour, count(*) AS n FROM logs WHERE EventId = 'DELIVER' GROUP BY 1 ORDER BY 1"),
            "SELECT substr(date_time, 1, 13) AS hour, count(*) FROM logs WHERE event_id = 'DELIVER' GROUP BY 1 ORDER BY 1".into(),
        ),
    ];
    let has_duckdb = Command::new("duckdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let columns = DUCK_COLUMNS
        .iter()
        .map(|c| format!("'{c}':'VARCHAR'"))
        .collect::<Vec<_>>()
        .join(",");
    let view = format!(
        "CREATE VIEW logs AS SELECT * FROM read_csv('{corpus_arg}/*/*.LOG', header=false, skip=5, columns={{{columns}}}, quote='\"', escape='\"', delim=',', auto_detect=false);"
    );
    let cold = drop_caches();
    println!(
        "corpus: {size_mb:.0} MB under {corpus_arg}; {}",
        if cold {
            "cold: page cache dropped before every run"
        } else {
            "WARM: not root, the page cache could not be dropped"
        }
    );
    println!(
        "{:<48} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "question", "msgtrack s", "peak MiB", "duckdb s", "peak MiB", "ratio"
    );
    for (name, ours, theirs) in questions {
        drop_caches();
        let m = measure(msgtrack, &ours);
        let d = if has_duckdb {
            drop_caches();
            measure("duckdb", &["-c".to_string(), format!("{view} {theirs};")])
        } else {
            None
        };
        let fmt = |x: Option<(f64, f64)>| {
            x.map_or(("-".to_string(), "-".to_string()), |(s, mb)| {
                (format!("{s:.3}"), format!("{mb:.0}"))
            })
        };
        let (ms, mm) = fmt(m);
        let (ds, dm) = fmt(d);
        let ratio = match (m, d) {
            (Some((a, _)), Some((b, _))) => format!("{:.1}x", b / a),
            _ => "-".into(),
        };
        println!("{name:<48} {ms:>10} {mm:>10} {ds:>10} {dm:>10} {ratio:>8}");
    }
    if !has_duckdb {
        println!("(duckdb not found: pip install duckdb-cli to compare)");
    }
}
