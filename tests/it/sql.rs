//! `--print-sql`: the SQL msgtrack writes for a pipeline gives, run by DuckDB over the store,
//! the rows msgtrack gives. Needs Python's `duckdb` package (`.ci/run` installs it); without
//! it the comparison is skipped with a message, the SQL text is still checked.

use std::path::Path;

use serde_json::Value;

use msgtrack::store::index::{IndexOptions, index};

use crate::util::{Args, Dir, sample_logs_dir};

const DUCK: &str = r#"
import duckdb, json, sys, datetime
def plain(v):
    if isinstance(v, datetime.datetime):
        return int(v.timestamp() * 1000 + 0.5)
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, float) and v == int(v):
        return int(v)
    return v
cur = duckdb.connect().execute(open(sys.argv[1]).read())
cols = [d[0] for d in cur.description]
print(json.dumps([{c: plain(v) for c, v in zip(cols, r)} for r in cur.fetchall()]))
"#;

fn duckdb_ready() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn msgtrack(args: &[&str]) -> (i32, String, String) {
    let out = crate::util::msgtrack(Args::default().args(args));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A row made comparable: Timestamp as ms, floats as their value.
fn normal(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("Timestamp", Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                            .map(|t| Value::from(t.timestamp_millis()))
                            .unwrap_or_else(|_| v.clone()),
                        (_, Value::Number(n)) if n.as_f64().is_some_and(|f| f == f.trunc()) => {
                            Value::from(n.as_f64().unwrap_or(0.0) as i64)
                        }
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// msgtrack's rows keyed as DuckDB's (only the columns both have), sorted.
fn comparable(rows: &[Value], keys: &[String]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            let n = normal(r);
            let picked: serde_json::Map<String, Value> = keys
                .iter()
                .map(|k| (k.clone(), n.get(k).cloned().unwrap_or(Value::Null)))
                .collect();
            Value::Object(picked).to_string()
        })
        .collect();
    out.sort();
    out
}

/// The lines compared with the engines: every saved query and a set of the query tests'.
fn compared_lines() -> Vec<String> {
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut lines: Vec<String> = std::fs::read_dir(&queries)
        .expect("queries")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "ps1").then(|| {
                std::fs::read_to_string(&p)
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
        .collect();
    lines.extend(
        [
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited",
            "Get-MessageTrackingLog -Recipients lee.gu@contoso.com -ResultSize Unlimited | Select Timestamp,EventId,Recipients",
            "Get-MessageTrackingLog -MessageSubject 'draft' -ResultSize Unlimited | Where {$_.Source -ne 'SMTP'}",
            "Get-MessageTrackingLog -ResultSize 200 | Where {$_.TotalBytes -gt 50KB -or $_.Recipients -like '*@fabrikam.com'}",
            "Get-MessageTrackingLog -Start '11/20/2026 09:00' -End '11/20/2026 10:00' -ResultSize Unlimited | Where {$_.RecipientStatus -match '^250'} | Select Timestamp,Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement | Sort-Object Count -Descending",
            "Get-MessageTrackingLog -EventId DELIVER -ResultSize Unlimited | Measure-Object TotalBytes -Sum -Average -Maximum",
            // SUBMIT and NOTIFYMAPI events have no TotalBytes: counted, 0 to the sums, and the
            // minimum is the smallest after the last of them.
            "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object TotalBytes -Sum -Average -Maximum -Minimum",
            "Get-MessageTrackingLog -EventId SUBMIT -ResultSize Unlimited | Measure-Object TotalBytes -Sum -Average -Maximum -Minimum",
            // A backslash and a quote in the patterns (Spark reads backslash escapes).
            r"Get-MessageTrackingLog -ResultSize Unlimited | Where {$_.RecipientStatus -match '4\.4\.\d+'} | Select Timestamp,RecipientStatus",
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.MessageSubject -notlike \"*'*\" -and $_.MessageSubject -notlike '*%_*'} | Select Timestamp,MessageSubject",
            "Get-MessageTrackingLog -Server EX02 -ResultSize Unlimited | Where {$_.Recipients -notcontains 'HealthMailbox2f8b1c4a0e7d4f6a9c3b5d7e1f0a2c4e@contoso.com'} | Measure-Object",
        ]
        .map(String::from),
    );
    lines
}

/// The settings every compared line runs with.
const COMMON: [&str; 4] = ["--tz", "UTC", "--now", "2026-11-21T00:00:00Z"];

/// Asserts that an engine's rows for the SQL printed for `line` are msgtrack's rows for
/// `line` over the store, compared on the engine's columns.
fn assert_same_rows(line: &str, sql: &str, theirs: &[Value], store: &str) {
    let (ours, err) = our_rows(line, store);
    let keys: Vec<String> = theirs
        .first()
        .or(ours.first())
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(
        comparable(&ours, &keys),
        comparable(theirs, &keys),
        "{line}\n{sql}\n{err}"
    );
}

/// msgtrack's rows for `line` over the store, as JSON objects.
fn our_rows(line: &str, store: &str) -> (Vec<Value>, String) {
    let mut args = vec!["query", line, store, "--format", "json"];
    args.extend(COMMON);
    let (_, json, err) = msgtrack(&args);
    let rows = match serde_json::from_str::<Value>(&json) {
        Ok(Value::Array(rows)) => rows,
        Ok(one) => vec![one],
        Err(_) => Vec::new(),
    };
    (rows, err)
}

#[test]
fn printed_sql_gives_msgtrack_s_rows_in_duckdb() {
    let store = Dir::new();
    index(&[sample_logs_dir()], store.path(), &IndexOptions::default()).expect("indexed");
    let store_path = store.path().to_str().expect("a path");
    let lines = compared_lines();
    let ready = duckdb_ready();
    if !ready {
        eprintln!(
            "skipped the DuckDB comparison: Python's duckdb package is not installed (pip install duckdb)"
        );
    }
    let work = Dir::new();
    let script = work.write("duck.py", DUCK);
    let (mut compared, mut refused) = (0, Vec::new());
    for line in &lines {
        let mut args = vec!["query", line.as_str(), store_path, "--print-sql", "duckdb"];
        args.extend(COMMON);
        let (code, sql, err) = msgtrack(&args);
        if code != 0 {
            assert!(err.contains("cannot be written as SQL: "), "{line}: {err}");
            refused.push(format!("{line} → {}", err.trim()));
            continue;
        }
        assert!(sql.contains("read_parquet("), "{sql}");
        if !ready {
            continue;
        }
        let file = work.write("q.sql", &sql);
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&file)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{line}\n{sql}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let duck: Vec<Value> = serde_json::from_slice(&out.stdout).expect("DuckDB's JSON");
        assert_same_rows(line, &sql, &duck, store_path);
        compared += 1;
    }
    eprintln!("{compared} lines compared with DuckDB; not written as SQL: {refused:#?}");
    assert!(
        lines.len() - refused.len() >= 15,
        "too few lines compile: {refused:#?}"
    );
}

#[test]
fn the_ddl_and_sql_of_other_engines() {
    let store = Path::new("/data/msgtrack");
    for engine in ["spark", "trino"] {
        let ddl = msgtrack::query::sql::ddl(engine, store).expect("a DDL");
        assert!(
            ddl.contains("server_name") && ddl.contains("log_date"),
            "{ddl}"
        );
        // Every stored column once, none named like a partition key.
        for f in msgtrack::store::index::stored_fields() {
            assert_eq!(
                ddl.matches(&format!(
                    "{} ",
                    msgtrack::query::sql::Dialect::parse(engine)
                        .unwrap()
                        .ident(f.name())
                ))
                .count(),
                1,
                "{engine}: {}",
                f.name()
            );
            assert!(
                !f.name().eq_ignore_ascii_case("server_name")
                    && !f.name().eq_ignore_ascii_case("log_date")
            );
        }
    }
    let (_, spark, _) = msgtrack(&[
        "query",
        "Get-MessageTrackingLog -Recipients a@x.com | Where {$_.MessageSubject -match 'inv(oice)?'}",
        "--print-sql",
        "spark",
        "--tz",
        "UTC",
    ]);
    assert!(
        spark.contains("exists(`Recipients`, x -> lower(x) IN ('a@x.com'))"),
        "{spark}"
    );
    assert!(spark.contains("RLIKE '(?i)inv(oice)?'"), "{spark}");
    assert!(spark.contains("FROM msgtrack"), "{spark}");
    let (_, trino, _) = msgtrack(&[
        "query",
        "Get-MessageTrackingLog -Recipients a@x.com -Start '11/20/2026'",
        "--print-sql",
        "trino",
        "--tz",
        "UTC",
    ]);
    assert!(
        trino.contains("any_match(\"Recipients\", x -> lower(x) IN ('a@x.com'))"),
        "{trino}"
    );
    assert!(
        trino.contains("TIMESTAMP '2026-11-20 00:00:00.000 UTC'"),
        "{trino}"
    );
}

/// Runs a DDL file then each SQL text of a JSON list in one local Spark session; prints a JSON
/// list of `{"rows": [...]}` or `{"error": "..."}`.
const SPARK: &str = r#"
import json, shutil, sys, tempfile
from pyspark.sql import SparkSession
# Spark's warehouse folder in a temporary one, not the working folder (the project's).
warehouse = tempfile.mkdtemp(prefix="msgtrack-spark-")
spark = (SparkSession.builder.master("local[2]").appName("msgtrack-test")
         .config("spark.sql.warehouse.dir", warehouse)
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.sql.jsonGenerator.ignoreNullFields", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
for stmt in open(sys.argv[1]).read().split(';'):
    if stmt.strip():
        spark.sql(stmt)
out = []
for sql in json.load(open(sys.argv[2])):
    body = "\n".join(l for l in sql.splitlines() if not l.startswith("--")).strip().rstrip(";")
    try:
        out.append({"rows": [json.loads(r) for r in spark.sql(body).toJSON().collect()]})
    except Exception as e:
        out.append({"error": str(e)[:2000]})
print(json.dumps(out))
spark.stop()
shutil.rmtree(warehouse, ignore_errors=True)
"#;

fn spark_ready() -> bool {
    let ok = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    ok("python3", &["-c", "import pyspark"]) && ok("java", &["-version"])
}

#[test]
fn printed_spark_sql_gives_msgtrack_s_rows_in_spark() {
    if !spark_ready() {
        eprintln!(
            "skipped the Spark comparison: needs Python's pyspark package and a Java runtime (pip install pyspark); the Spark SQL text is still checked in the_ddl_and_sql_of_other_engines"
        );
        return;
    }
    let store = Dir::new();
    index(&[sample_logs_dir()], store.path(), &IndexOptions::default()).expect("indexed");
    let store_path = store.path().to_str().expect("a path");
    let (code, ddl, err) = msgtrack(&["index", "--print-ddl", "spark", "--store", store_path]);
    assert_eq!(code, 0, "{err}");
    let mut compiled = Vec::new();
    for line in compared_lines() {
        let mut args = vec!["query", line.as_str(), store_path, "--print-sql", "spark"];
        args.extend(COMMON);
        let (code, sql, err) = msgtrack(&args);
        if code == 0 {
            compiled.push((line, sql));
        } else {
            assert!(err.contains("cannot be written as SQL: "), "{line}: {err}");
        }
    }
    let work = Dir::new();
    let script = work.write("spark.py", SPARK);
    let ddl_file = work.write("ddl.sql", &ddl);
    let sqls: Vec<&str> = compiled.iter().map(|(_, sql)| sql.as_str()).collect();
    let sql_file = work.write("sql.json", serde_json::to_string(&sqls).expect("json"));
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&ddl_file)
        .arg(&sql_file)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("Spark's JSON");
    assert_eq!(results.len(), compiled.len());
    for ((line, sql), result) in compiled.iter().zip(&results) {
        let spark: Vec<Value> = match result.get("rows") {
            Some(Value::Array(rows)) => rows.clone(),
            _ => panic!("{line}\n{sql}\nSpark: {}", result["error"]),
        };
        assert_same_rows(line, sql, &spark, store_path);
    }
    eprintln!("{} lines compared with Spark", compiled.len());
}

/// `--sql` over `path` (logs or a store), read `batch_bytes` at a time: its JSON rows.
fn sql_rows(statement: &str, path: &Path, batch_bytes: Option<u64>) -> Vec<Value> {
    sql_rows_in(statement, &[path], batch_bytes)
}

/// [`sql_rows`] over several folders at once.
fn sql_rows_in(statement: &str, paths: &[&Path], batch_bytes: Option<u64>) -> Vec<Value> {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"));
    c.args(["query", "--sql", statement])
        .args(paths)
        .args(["--format", "json"]);
    if let Some(b) = batch_bytes {
        c.env("MSGTRACK_BATCH_BYTES", b.to_string());
    }
    let out = c.output().expect("msgtrack runs");
    assert!(
        out.status.success(),
        "{statement}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("JSON") {
        Value::Array(rows) => rows,
        other => vec![other],
    }
}

#[test]
fn sql_spilled_batch_by_batch_gives_the_whole_read_s_answer() {
    // `--sql` reads the columns a statement needs batch by batch into spill files and runs
    // polars' streaming engine over them, keeping only rows that meet the condition polars
    // pushed into the scan. Whatever the batches (64 KiB of logs: dozens of spill batches),
    // logs or store, the answer is the one the cmdlet's own path gives.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let fails = crate::util::query_output(
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Sort-Object Timestamp,MessageId | Select-Object MessageId",
        &[logs.as_path()],
        "json",
        None,
    );
    let fails: Vec<String> = serde_json::from_str::<Vec<Value>>(&fails)
        .expect("JSON")
        .iter()
        .map(|r| r["MessageId"].as_str().expect("an id").to_string())
        .collect();
    assert!(fails.len() >= 10, "{fails:?}");
    for path in [logs.as_path(), store.path()] {
        for batch in [None, Some(64 << 10)] {
            let at = format!("{} in batches of {batch:?}", path.display());
            // A condition pushed down: only FAIL rows are spilled.
            let n = sql_rows(
                "SELECT count(*) AS n FROM logs WHERE EventId = 'FAIL'",
                path,
                batch,
            );
            assert_eq!(n[0]["n"], fails.len(), "{at}");
            // ORDER BY … LIMIT: polars adds a bound of its own to the pushed condition,
            // which holds for its run only and is left out of the spill's.
            let first = sql_rows(
                "SELECT MessageId FROM MessageTrackingLog WHERE EventId = 'FAIL' ORDER BY Timestamp, MessageId LIMIT 3",
                path,
                batch,
            );
            let first: Vec<&str> = first
                .iter()
                .filter_map(|r| r["MessageId"].as_str())
                .collect();
            assert_eq!(first, fails[..3], "{at}");
            // Two scans of the table (no condition is pushed for both): a FAIL and a RECEIVE
            // of one message.
            let joined = sql_rows(
                "SELECT count(*) AS n FROM logs a JOIN logs b ON a.MessageId = b.MessageId WHERE a.EventId = 'FAIL' AND b.EventId = 'RECEIVE'",
                path,
                batch,
            );
            assert!(
                joined[0]["n"].as_u64().is_some_and(|n| n > 0),
                "{at}: {joined:?}"
            );
            let whole = sql_rows(
                "SELECT count(*) AS n FROM (SELECT a.MessageId FROM logs a JOIN logs b ON a.MessageId = b.MessageId WHERE a.EventId = 'FAIL' AND b.EventId = 'RECEIVE')",
                path,
                batch,
            );
            assert_eq!(joined, whole, "{at}");
        }
    }
    // A column the statement names but its plan drops (unused by the outer query) is not
    // read, and the statement still runs.
    for path in [logs.as_path(), store.path()] {
        let dropped = sql_rows(
            "SELECT count(*) AS n FROM (SELECT MessageId, max(RecipientCount) AS r FROM logs GROUP BY MessageId)",
            path,
            None,
        );
        let distinct = sql_rows(
            "SELECT count(*) AS n FROM (SELECT MessageId FROM logs GROUP BY MessageId)",
            path,
            None,
        );
        assert_eq!(dropped, distinct, "{}", path.display());
    }
    // Row order without ORDER BY is the read's: the same in batches as whole.
    let order = "SELECT Timestamp, File, Line FROM logs WHERE EventId IN ('DELIVER', 'FAIL')";
    assert_eq!(
        sql_rows(order, store.path(), Some(64 << 10)),
        sql_rows(order, store.path(), None)
    );
    assert_eq!(
        sql_rows(order, &logs, Some(64 << 10)),
        sql_rows(order, &logs, None)
    );
}

#[test]
fn sql_limit_takes_the_table_s_first_rows_before_a_condition_outside_it() {
    // `SELECT … FROM (SELECT * FROM logs LIMIT n) WHERE …` filters the table's first n rows:
    // polars pushes both the limit and the condition into the scan, the limit taken first.
    // msgtrack spilled the rows meeting the condition and the plan then took n of those
    // (checked: 10 SEND rows where the first 10 rows hold 2). The read stops once it has
    // the first n rows (or the first n meeting a condition), whatever the batches. Expected
    // rows: the table's rows without the limit, cut and filtered here.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let columns = "Timestamp, EventId, File, Line";
    for path in [logs.as_path(), store.path()] {
        for batch in [None, Some(64 << 10)] {
            let at = format!("{} in batches of {batch:?}", path.display());
            let all = sql_rows(&format!("SELECT {columns} FROM logs"), path, batch);
            for n in [10, 1000] {
                let sends: Vec<Value> = all[..n]
                    .iter()
                    .filter(|r| r["EventId"] == "SEND")
                    .cloned()
                    .collect();
                assert!(!sends.is_empty() && sends.len() < n, "{at}: {n}");
                let got = sql_rows(
                    &format!(
                        "SELECT {columns} FROM (SELECT * FROM logs LIMIT {n}) WHERE EventId = 'SEND'"
                    ),
                    path,
                    batch,
                );
                assert_eq!(got, sends, "{at}: {n}");
                let first = sql_rows(
                    &format!("SELECT {columns} FROM logs LIMIT {n}"),
                    path,
                    batch,
                );
                assert_eq!(first, all[..n], "{at}: {n}");
            }
            // The first rows meeting a condition (the read stops once it has them), and
            // over columns computed row by row (it stops too), and shapes where it cannot: a
            // window over every row meeting the condition, a second condition on a
            // subquery's limited rows.
            let sends: Vec<&Value> = all.iter().filter(|r| r["EventId"] == "SEND").collect();
            assert!(sends.len() > 20, "{at}");
            let got = sql_rows(
                &format!("SELECT {columns} FROM logs WHERE EventId = 'SEND' LIMIT 7"),
                path,
                batch,
            );
            assert_eq!(got.iter().collect::<Vec<_>>(), sends[..7], "{at}");
            let got = sql_rows(
                "SELECT upper(Sender) AS s, Line FROM logs WHERE EventId = 'SEND' LIMIT 7",
                path,
                batch,
            );
            let lines: Vec<&Value> = got.iter().map(|r| &r["Line"]).collect();
            let expected: Vec<&Value> = sends[..7].iter().map(|r| &r["Line"]).collect();
            assert_eq!(lines, expected, "{at}");
            let bytes = "SELECT Line, TotalBytes, sum(TotalBytes) OVER () AS t FROM logs WHERE EventId = 'SEND' LIMIT 3";
            let columns_all = sql_rows(
                "SELECT Line, TotalBytes FROM logs WHERE EventId = 'SEND'",
                path,
                batch,
            );
            let total: u64 = columns_all
                .iter()
                .filter_map(|r| r["TotalBytes"].as_u64())
                .sum();
            let got = sql_rows(bytes, path, batch);
            assert_eq!(got.len(), 3, "{at}");
            assert!(got.iter().all(|r| r["t"] == total), "{at}: {total} {got:?}");
            let expected: Vec<&Value> = all[..200]
                .iter()
                .filter(|r| r["EventId"] == "SEND")
                .take(3)
                .collect();
            let got = sql_rows(
                &format!(
                    "SELECT {columns} FROM (SELECT * FROM logs LIMIT 200) WHERE EventId = 'SEND' LIMIT 3"
                ),
                path,
                batch,
            );
            assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{at}");
        }
    }
}

#[test]
fn a_text_function_over_a_categorical_column_names_the_column_and_the_cast() {
    // EventId is stored as categories; polars' lower() refuses them with a message repeated
    // once per plan node. msgtrack says it once, naming the column and the cast; the cast
    // runs.
    let logs = sample_logs_dir();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args([
            "query",
            "--sql",
            "SELECT lower(EventId) AS e FROM logs LIMIT 2",
        ])
        .arg(&logs)
        .output()
        .expect("msgtrack runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("EventId is a categorical column") && err.contains("CAST(EventId AS VARCHAR)"),
        "{err}"
    );
    assert_eq!(err.matches("categorical").count(), 1, "{err}");
    let rows = sql_rows(
        "SELECT lower(CAST(EventId AS VARCHAR)) AS e FROM logs WHERE EventId = 'FAIL' LIMIT 2",
        &logs,
        None,
    );
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["e"] == "fail"), "{rows:?}");
}

#[test]
fn sql_order_by_limit_keeps_the_sorted_first_rows_whatever_the_batches() {
    // `ORDER BY … LIMIT n` over the table's rows keeps its n rows while the rows are read
    // (a top 5 of every column held 1.4 GB over a 1.3 GB store): the keys' columns first,
    // then the other columns of the rows kept, fetched by File and Line. Expected rows: the
    // table's rows, sorted and cut here by SQL's rules (DESC NULLS LAST, then File, then
    // Line). Rows of equal keys: the first ones read. A store with its own logs holds every
    // row twice (the same File and Line): the fetch finds each twice and the top is read
    // again in one pass.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let columns = "TotalBytes, RecipientCount, EventId, MessageSubject, File, Line";
    let both = [store.path(), logs.as_path()];
    for paths in [&[logs.as_path()][..], &[store.path()], &both] {
        for batch in [None, Some(64 << 10)] {
            let at = format!("{paths:?} in batches of {batch:?}");
            let sql_rows = |statement: &str, _: &Path, batch| sql_rows_in(statement, paths, batch);
            let path = paths[0];
            let all = sql_rows(&format!("SELECT {columns} FROM logs"), path, batch);
            let mut sorted: Vec<&Value> = all.iter().collect();
            sorted.sort_by(|a, b| {
                let bytes = |r: &Value| r["TotalBytes"].as_u64();
                // Descending, nulls last: None sorts after every number.
                let key = |r: &Value| {
                    (
                        bytes(r).map(std::cmp::Reverse).is_none(),
                        bytes(r).map(std::cmp::Reverse),
                    )
                };
                key(a)
                    .cmp(&key(b))
                    .then_with(|| a["File"].as_str().cmp(&b["File"].as_str()))
                    .then_with(|| a["Line"].as_u64().cmp(&b["Line"].as_u64()))
            });
            for (limit, offset) in [(5, 0), (7, 3), (1, 0)] {
                let got = sql_rows(
                    &format!(
                        "SELECT * FROM logs ORDER BY TotalBytes DESC NULLS LAST, File, Line LIMIT {limit} OFFSET {offset}"
                    ),
                    path,
                    batch,
                );
                let got: Vec<[&Value; 3]> = got
                    .iter()
                    .map(|r| [&r["File"], &r["Line"], &r["MessageSubject"]])
                    .collect();
                let expected: Vec<[&Value; 3]> = sorted[offset..offset + limit]
                    .iter()
                    .map(|r| [&r["File"], &r["Line"], &r["MessageSubject"]])
                    .collect();
                assert_eq!(got, expected, "{at}: {limit} {offset}");
            }
            // Equal first keys ordered by later ones that put the rows read last first: the
            // rows a store's parts leave out once N are kept (by their row groups' least and
            // greatest values) are only those whose first key cannot reach the Nth's, not
            // those equal to it. By size descending and by recipients ascending.
            for (key, descending) in [("TotalBytes", true), ("RecipientCount", false)] {
                let mut later_first: Vec<&Value> = all.iter().collect();
                later_first.sort_by(|a, b| {
                    let value = |r: &Value| r[key].as_u64();
                    let by_key = match (value(a), value(b)) {
                        (Some(x), Some(y)) if descending => y.cmp(&x),
                        (Some(x), Some(y)) => x.cmp(&y),
                        // Nulls last.
                        (x, y) => y.is_none().cmp(&x.is_none()).reverse(),
                    };
                    by_key
                        .then_with(|| b["File"].as_str().cmp(&a["File"].as_str()))
                        .then_with(|| b["Line"].as_u64().cmp(&a["Line"].as_u64()))
                });
                let order = if descending { "DESC" } else { "ASC" };
                for limit in [1, 4] {
                    let got = sql_rows(
                        &format!(
                            "SELECT {columns} FROM logs ORDER BY {key} {order} NULLS LAST, File DESC, Line DESC LIMIT {limit}"
                        ),
                        path,
                        batch,
                    );
                    let got: Vec<(&Value, &Value)> =
                        got.iter().map(|r| (&r["File"], &r["Line"])).collect();
                    let expected: Vec<(&Value, &Value)> = later_first[..limit]
                        .iter()
                        .map(|r| (&r["File"], &r["Line"]))
                        .collect();
                    assert_eq!(got, expected, "{at}: {key} {order} {limit}");
                }
            }
            // With a pushed condition and a computed key.
            let receives: Vec<&Value> = sorted
                .iter()
                .copied()
                .filter(|r| r["EventId"] == "RECEIVE")
                .take(4)
                .collect();
            let got = sql_rows(
                &format!(
                    "SELECT {columns} FROM logs WHERE EventId = 'RECEIVE' ORDER BY TotalBytes * 2 DESC NULLS LAST, File, Line LIMIT 4"
                ),
                path,
                batch,
            );
            assert_eq!(got.iter().collect::<Vec<_>>(), receives, "{at}");
            // Equal keys: the first rows read of the least key, as a stable sort keeps them.
            let least = all
                .iter()
                .filter_map(|r| r["EventId"].as_str())
                .min()
                .expect("rows");
            let mut first: Vec<(&Value, &Value)> = all
                .iter()
                .filter(|r| r["EventId"] == least)
                .take(5)
                .map(|r| (&r["File"], &r["Line"]))
                .collect();
            assert_eq!(first.len(), 5, "{at}: {least}");
            let got = sql_rows(
                "SELECT File, Line FROM logs ORDER BY CAST(EventId AS VARCHAR) LIMIT 5",
                path,
                batch,
            );
            let mut got: Vec<(&Value, &Value)> =
                got.iter().map(|r| (&r["File"], &r["Line"])).collect();
            got.sort_by_key(|(f, l)| (f.as_str(), l.as_u64()));
            first.sort_by_key(|(f, l)| (f.as_str(), l.as_u64()));
            assert_eq!(got, first, "{at}");
        }
    }
}
