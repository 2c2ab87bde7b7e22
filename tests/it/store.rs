//! The store: answers from it are the answers from the logs; indexing is incremental (new
//! files, grown files, replaced files), safe (a lock, unlisted leftovers removed, history
//! kept unless --prune), and the store is read by every command.

use std::path::{Path, PathBuf};

use msgtrack::format::Field;
use msgtrack::store::index::{IndexOptions, index};
use msgtrack::store::manifest::Manifest;

use crate::util::{Args, Dir, header_2016, row, sample_logs_dir};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = crate::util::msgtrack(Args::default().args(args));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The same command over the logs and over the store gives the same standard output.
fn same(logs: &Path, store: &Path, args: &[&str]) {
    let with = |p: &Path| {
        let mut a: Vec<&str> = args.to_vec();
        let s = p.to_str().expect("a path").to_string();
        let s: &'static str = Box::leak(s.into_boxed_str());
        a.push(s);
        a.extend(["--tz", "UTC", "--now", "2026-11-21T00:00:00Z"]);
        run(&a)
    };
    let (code_a, out_a, _) = with(logs);
    let (code_b, out_b, err_b) = with(store);
    if out_a != out_b {
        let at = out_a.lines().zip(out_b.lines()).position(|(a, b)| a != b);
        let line =
            |s: &str, i: Option<usize>| s.lines().nth(i.unwrap_or(0)).unwrap_or("").to_string();
        panic!(
            "{args:?} differs from the store at line {at:?}:\n  logs:  {}\n  store: {}\n({} vs {} lines) {err_b}",
            line(&out_a, at),
            line(&out_b, at),
            out_a.lines().count(),
            out_b.lines().count()
        );
    }
    assert_eq!(code_a, code_b, "{args:?}");
}

/// Every row, as JSON, is the same over the logs and over the store.
fn same_rows(logs: &Path, store: &Path) {
    same(
        logs,
        store,
        &[
            "query",
            "Get-MessageTrackingLog -ResultSize Unlimited",
            "--format",
            "json",
        ],
    );
}

#[test]
fn answers_from_the_store_are_the_answers_from_the_logs() {
    let logs = sample_logs_dir();
    let store = Dir::new();
    let report = index(
        std::slice::from_ref(&logs),
        store.path(),
        &IndexOptions::default(),
    )
    .expect("indexed");
    assert_eq!(report.store_rows, 4768);
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut saved: Vec<PathBuf> = std::fs::read_dir(&queries)
        .expect("queries")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
        .collect();
    saved.sort();
    for q in &saved {
        let q = q.to_str().expect("a path");
        same(&logs, store.path(), &["query", "-f", q, "--format", "json"]);
    }
    for line in [
        "Get-MessageTrackingLog -ResultSize Unlimited",
        "Get-MessageTrackingLog -Server EX02 -Start '11/20/2026 10:00' -End '11/20/2026 11:00' -ResultSize Unlimited",
        "Get-MessageTrackingLog -Recipients lee.gu@contoso.com -ResultSize Unlimited | Select Timestamp,EventId,MessageLatency",
    ] {
        same(&logs, store.path(), &["query", line, "--format", "json"]);
    }
    let dir = logs.join("directory.json");
    let dir = dir.to_str().expect("a path");
    same(&logs, store.path(), &["report", "summary"]);
    same(
        &logs,
        store.path(),
        &["report", "summary", "--format", "json"],
    );
    same(
        &logs,
        store.path(),
        &["report", "imcea", "--directory", dir],
    );
    same(
        &logs,
        store.path(),
        &["trail", "--subject", "Contract draft v3"],
    );
    same(
        &logs,
        store.path(),
        &["explain", "--subject", "Company update", "--directory", dir],
    );
    same(&logs, store.path(), &["ingest", "--stats"]);
}

#[test]
fn every_saved_query_from_a_store_in_small_windows_is_the_logs_answer() {
    // Lines over a store run in pieces (time windows, sorted runs, first rows, folds fed
    // batch by batch) whatever their first command: `Get-TransportService |` in front of
    // the cmdlet (as every saved query has) reads every server, as the cmdlet alone does.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut saved: Vec<PathBuf> = std::fs::read_dir(&queries)
        .expect("queries")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
        .collect();
    saved.sort();
    let mut through_servers = 0;
    for q in &saved {
        let text = std::fs::read_to_string(q).expect("a saved query");
        let line: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .collect();
        let line = line.join("\n");
        through_servers += usize::from(line.starts_with("Get-TransportService |"));
        for format in ["csv", "json"] {
            // Exit code and output (what is said names the files read, which differ).
            let run = |from: &Path| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
                    .arg("query")
                    .arg(&line)
                    .arg(from)
                    .args([
                        "--format",
                        format,
                        "--tz",
                        "UTC",
                        "--now",
                        "2026-11-21T00:00Z",
                    ])
                    .env("MSGTRACK_WINDOW_ROWS", "150")
                    .output()
                    .expect("msgtrack runs");
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                )
            };
            let from_logs = run(&logs);
            let from_store = run(store.path());
            assert!(from_logs.1.len() > 10, "{}: {from_logs:?}", q.display());
            assert!(
                from_logs == from_store,
                "{} as {format}:\n{from_logs:?}\n---\n{from_store:?}",
                q.display()
            );
        }
    }
    assert!(
        through_servers >= 5,
        "{through_servers} saved queries start with Get-TransportService"
    );
    // Such lines ran in pieces: a sort of every matching event from sorted runs, a sort's
    // first rows from each window's.
    let large = std::fs::read_to_string(queries.join("large-messages.ps1")).expect("saved");
    let large = large
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(windows_of_150_rows(&large.replace("1MB", "10KB"), &store) >= 2);
    let slowest = std::fs::read_to_string(queries.join("slowest-deliveries.ps1")).expect("saved");
    let slowest = slowest
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let top = msgtrack::query::top_rows::run_top_of(
        150,
        &slowest,
        &[store.path().to_path_buf()],
        csv_session(),
        None,
        &Field::ALL,
    )
    .expect("runs");
    assert_eq!(
        top.map(|a| a.items.len()),
        Some(20),
        "first rows a window at a time"
    );
}

#[test]
fn the_real_logs_read_the_same_from_a_store() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-logs");
    if !real.is_dir() {
        eprintln!(
            "skipped: {} is not here (the real logs are not part of the repository)",
            real.display()
        );
        return;
    }
    let store = crate::util::indexed(&real);
    same_rows(&real, store.path());
}

fn line(event: &str, minute: u32) -> String {
    row(&[
        (Field::EventId, event),
        (Field::Source, "SMTP"),
        (Field::Sender, "a@x.com"),
        (Field::Recipients, "b@y.com"),
    ])
    .replacen(
        "2026-11-20T10:00:00.000Z",
        &format!("2026-11-20T10:{minute:02}:00.000Z"),
        1,
    )
}

fn count(store: &Path) -> String {
    measured(
        "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object",
        store,
    )
}

#[test]
fn indexing_is_incremental_and_keeps_history() {
    let logs = Dir::new();
    let store = Dir::new();
    let file = logs.write(
        "EX01/MSGTRK2026112010-1.LOG",
        format!(
            "{}{}\r\n{}\r\n",
            header_2016(),
            line("RECEIVE", 1),
            line("DELIVER", 2)
        ),
    );
    let other = logs.write(
        "EX01/MSGTRK2026112011-1.LOG",
        format!("{}{}\r\n", header_2016(), line("SEND", 3)),
    );
    let go = |prune: bool| {
        index(
            &[logs.path().to_path_buf()],
            store.path(),
            &IndexOptions {
                prune,
                ..IndexOptions::default()
            },
        )
        .expect("indexed")
    };
    let first = go(false);
    assert_eq!((first.new_files, first.rows_added), (2, 3));
    assert_eq!(count(store.path()), "3");

    // Unchanged: nothing read.
    let again = go(false);
    assert_eq!(
        (again.unchanged_files, again.rows_added, again.bytes_read),
        (2, 0, 0)
    );

    // Grown (the live hour's file): only the new lines; an unfinished last line waits.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("open");
    write!(f, "{}\r\n{}", line("SEND", 4), line("FAIL", 5)).expect("append");
    drop(f);
    let grown = go(false);
    assert_eq!((grown.grown_files, grown.rows_added), (1, 1));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("open");
    write!(f, "\r\n").expect("append");
    drop(f);
    let finished = go(false);
    assert_eq!((finished.grown_files, finished.rows_added), (1, 1));
    assert_eq!(count(store.path()), "5");
    // …and the store answers as the logs do.
    same_rows(logs.path(), store.path());

    // Replaced by another file: converted again, its old rows gone.
    std::fs::write(
        &other,
        format!(
            "{}{}\r\n{}\r\n",
            header_2016(),
            line("DEFER", 6),
            line("DEFER", 7)
        ),
    )
    .expect("replace");
    let replaced = go(false);
    assert_eq!((replaced.replaced_files, replaced.rows_added), (1, 2));
    assert_eq!(count(store.path()), "6");

    // Deleted from the source: kept (history), unless --prune.
    std::fs::remove_file(&other).expect("delete");
    go(false);
    assert_eq!(count(store.path()), "6");
    let pruned = go(true);
    assert_eq!(pruned.pruned_sources, 1);
    assert_eq!(count(store.path()), "4");
    let (code, _, err) = run(&[
        "query",
        "Get-MessageTrackingLog",
        store.path().to_str().expect("a path"),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_run_cut_short_leaves_nothing_readers_see_and_runs_do_not_overlap() {
    let logs = Dir::new();
    logs.write(
        "EX01/MSGTRK2026112010-1.LOG",
        format!("{}{}\r\n", header_2016(), line("RECEIVE", 1)),
    );
    let store = crate::util::indexed(logs.path());
    // Leftovers of a run killed before its manifest: an unlisted part and a temporary file.
    let part_dir = store.path().join("server_name=EX01/log_date=2026-11-20");
    let listed = std::fs::read_dir(&part_dir)
        .expect("partition")
        .next()
        .expect("a part")
        .expect("entry")
        .path();
    std::fs::copy(&listed, part_dir.join("MSGTRK2026112099-1.LOG@1.parquet")).expect("copy");
    std::fs::write(part_dir.join(".tmp-x.parquet"), b"half").expect("write");
    assert_eq!(
        count(store.path()),
        "1",
        "readers read only what the manifest lists"
    );
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .expect("indexed");
    assert!(!part_dir.join("MSGTRK2026112099-1.LOG@1.parquet").exists());
    assert!(!part_dir.join(".tmp-x.parquet").exists());

    // A second run while one holds the lock is refused, naming why.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(store.path().join(".msgtrack-store.lock"))
        .expect("the lock file");
    lock.try_lock().expect("locked");
    let err = index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("another msgtrack index"), "{err}");
    drop(lock);

    // A folder that holds other things is not taken for a store.
    let busy = Dir::new();
    busy.write("notes.txt", "mine");
    let err = index(
        &[logs.path().to_path_buf()],
        busy.path(),
        &IndexOptions::default(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("no store manifest"), "{err}");
    assert!(Manifest::is_store(store.path()));
}

#[test]
fn store_option_on_a_reading_command_indexes_then_answers() {
    let store = Dir::new();
    let logs = sample_logs_dir();
    let logs = logs.to_str().expect("a path");
    let target = store.path().join("s");
    let target = target.to_str().expect("a path");
    let (code, out, err) = run(&[
        "query",
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Measure-Object",
        logs,
        "--store",
        target,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().nth(1).map(|l| l.split(',').next()),
        Some(Some("16"))
    );
    assert!(Manifest::is_store(Path::new(target)));
    // The DDL names the partition keys and never a column twice.
    let (_, ddl, _) = run(&["index", "--print-ddl", "trino", "--store", target]);
    assert!(
        ddl.contains("partitioned_by = ARRAY['server_name', 'log_date']"),
        "{ddl}"
    );
    assert!(
        !ddl.to_ascii_lowercase()
            .contains("\"server_name\" varchar,\n  server_name")
    );
}

/// The parts under `store` (relative paths), from the manifest.
fn listed_parts(store: &Path) -> Vec<PathBuf> {
    let m = Manifest::load(store).expect("a manifest");
    let mut parts: Vec<PathBuf> = m
        .sources
        .iter()
        .flat_map(|s| s.parts.iter().map(|p| store.join(&p.path)))
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

#[test]
fn a_query_for_one_message_or_address_opens_only_the_parts_that_may_hold_it() {
    use msgtrack::format::store_keys::{PartKeys, keys_name};
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let parts = listed_parts(store.path());
    let keys = |part: &Path| -> PartKeys {
        let name = part.file_name().unwrap().to_string_lossy().into_owned();
        PartKeys::from_bytes(&std::fs::read(part.with_file_name(keys_name(&name))).unwrap())
            .expect("every part has its key file")
    };
    // A message of the sample day (the Contract draft's), one sender and one recipient, each
    // written in another case than in the logs: the one case rule applies to the keys too.
    // The cmdlet looks for a Message-ID with and without its angle brackets.
    let id = "9EEA50889E8440826A2BEBC310E411DA@LITWARE.EXAMPLE";
    let bracketed = format!("<{id}>");
    let probes = [
        (Field::MessageId, "-MessageId", vec![bracketed.as_str(), id]),
        (Field::Sender, "-Sender", vec!["P.SCHMIDT@LITWARE.EXAMPLE"]),
        (Field::Recipients, "-Recipients", vec!["LEE.GU@CONTOSO.COM"]),
    ];
    for (field, parameter, values) in probes {
        let value = values[0];
        let copy = Dir::new();
        copy_tree(store.path(), copy.path());
        // Every part whose keys rule the value out is overwritten with garbage: reading it
        // would be an error the output shows.
        let mut ruled_out = 0;
        for part in listed_parts(copy.path()) {
            let filter = keys(&part).get(field).cloned().expect("a filter");
            if !values.iter().any(|v| filter.may_contain(v)) {
                std::fs::write(&part, b"not a parquet file").unwrap();
                ruled_out += 1;
            }
        }
        // A part holds a day of one server's logs of one kind (MSGTRK, MSGTRKMD, …): the
        // parts of servers and kinds the message never touched are ruled out.
        assert!(
            ruled_out > 0 && ruled_out < parts.len(),
            "{parameter}: {ruled_out} of {} parts ruled out",
            parts.len()
        );
        let line = format!("Get-MessageTrackingLog {parameter} '{value}' -ResultSize Unlimited");
        let (code, out, err) = run(&[
            "query",
            &line,
            copy.path().to_str().unwrap(),
            "--format",
            "json",
            "--tz",
            "UTC",
        ]);
        assert_eq!(code, 0, "{parameter}: {err}");
        assert!(
            err.is_empty(),
            "{parameter}: a ruled-out part was read: {err}"
        );
        let (_, from_logs, _) = run(&[
            "query",
            &line,
            logs.to_str().unwrap(),
            "--format",
            "json",
            "--tz",
            "UTC",
        ]);
        assert!(out.len() > 10, "{parameter}: no rows");
        assert_eq!(out, from_logs, "{parameter}");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap();
        if e.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), to.join(rel)).unwrap();
        }
    }
}

#[test]
fn a_part_shared_by_several_logs_reads_right_when_one_of_them_grows_or_changes() {
    // Three hourly logs of one server, converted in one run into one shared part. Rows at
    // the same millisecond in different files come out in the logs' order, so a part read
    // out of place would show.
    let logs = Dir::new();
    let at = |t: &str, id: &str| {
        row(&[
            (Field::Timestamp, t),
            (Field::EventId, "RECEIVE"),
            (Field::MessageId, id),
        ])
    };
    let write = |name: &str, rows: &[String]| {
        let mut text = header_2016();
        for r in rows {
            text.push_str(r);
            text.push_str("\r\n");
        }
        logs.write(&format!("EX01/{name}"), text);
    };
    write(
        "MSGTRK2026112009-1.LOG",
        &[at("2026-11-20T09:30:00.000Z", "<a@x>")],
    );
    write(
        "MSGTRK2026112010-1.LOG",
        &[at("2026-11-20T10:30:00.000Z", "<b@x>")],
    );
    write(
        "MSGTRK2026112011-1.LOG",
        &[
            at("2026-11-20T11:00:00.000Z", "<c@x>"),
            at("2026-11-20T11:30:00.000Z", "<d@x>"),
        ],
    );
    let store = Dir::new();
    let all = [
        "query",
        "Get-MessageTrackingLog -ResultSize Unlimited | Select Timestamp,MessageId,File,Line",
    ];
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .expect("indexed");
    assert_eq!(listed_parts(store.path()).len(), 1, "one shared part");
    same(logs.path(), store.path(), &all);
    // The middle log grows by a row at the same millisecond as the next log's first row: its
    // tail sorts between the shared part's sources, so they are read one at a time.
    write(
        "MSGTRK2026112010-1.LOG",
        &[
            at("2026-11-20T10:30:00.000Z", "<b@x>"),
            at("2026-11-20T11:00:00.000Z", "<b2@x>"),
        ],
    );
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .expect("indexed");
    assert_eq!(
        listed_parts(store.path()).len(),
        2,
        "the tail is a part of its own"
    );
    // The line's CSV from the store.
    let from_store = || {
        run(&[
            all[0],
            all[1],
            store.path().to_str().unwrap(),
            "--format",
            "csv",
            "--tz",
            "UTC",
        ])
        .1
    };
    let out = from_store();
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    // By time, then the logs' order: b2 (the 10 o'clock log) before c (the 11 o'clock one).
    assert_eq!(ids, ["<a@x>", "<b@x>", "<b2@x>", "<c@x>", "<d@x>"], "{out}");
    same(logs.path(), store.path(), &all);
    // The first log is replaced: its old rows stay in the shared file but no source lists
    // them, so they are not read.
    write(
        "MSGTRK2026112009-1.LOG",
        &[at("2026-11-20T09:45:00.000Z", "<e@x>")],
    );
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .expect("indexed");
    same(logs.path(), store.path(), &all);
    let out = from_store();
    assert!(!out.contains("<a@x>") && out.contains("<e@x>"), "{out}");
    same(
        logs.path(),
        store.path(),
        &[
            "query",
            "Get-MessageTrackingLog -MessageId '<a@x>' -ResultSize Unlimited",
        ],
    );
}

#[test]
fn a_damaged_part_is_named_and_the_other_parts_still_answer() {
    // Parts are mapped, not read: an empty part (which cannot be mapped), a cut one (no
    // footer) and one overwritten with garbage must each be one clear message naming the
    // part, never a crash, and the rows of the other parts still come out.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object";
    let count_in = |dir: &Path| -> (i32, u64, String) {
        let (code, out, err) = run(&[
            "query",
            line,
            dir.to_str().unwrap(),
            "--format",
            "csv",
            "--tz",
            "UTC",
        ]);
        let count = out
            .lines()
            .nth(1)
            .and_then(|l| l.split(',').next())
            .and_then(|c| c.trim_matches('"').parse().ok())
            .unwrap_or(0);
        (code, count, err)
    };
    let (_, whole, _) = count_in(store.path());
    assert!(whole > 0);
    type Damage = fn(&[u8]) -> Vec<u8>;
    let damages: [(&str, Damage); 3] = [
        ("empty", |_| Vec::new()),
        ("cut", |b| b[..b.len() / 2].to_vec()),
        ("garbage", |b| vec![b'x'; b.len()]),
    ];
    for (what, damage) in damages {
        let copy = Dir::new();
        copy_tree(store.path(), copy.path());
        let part = listed_parts(copy.path())
            .into_iter()
            .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .expect("a part");
        let bytes = std::fs::read(&part).unwrap();
        std::fs::write(&part, damage(&bytes)).unwrap();
        let (_, count, err) = count_in(copy.path());
        let name = part.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            err.contains(&name),
            "{what}: the damaged part is not named: {err}"
        );
        assert!(
            count > 0 && count < whole,
            "{what}: {count} rows of {whole} (the other parts' rows must come out)"
        );
    }
}

/// A log line of `event` `minute` minutes after 10:00 from `sender` to `recipients`
/// (`;`-joined).
fn event_line(event: &str, minute: u32, sender: &str, recipients: &str) -> String {
    row(&[
        (Field::EventId, event),
        (Field::Source, "SMTP"),
        (Field::Sender, sender),
        (Field::Recipients, recipients),
    ])
    .replacen(
        "2026-11-20T10:00:00.000Z",
        &format!(
            "2026-11-20T{:02}:{:02}:00.000Z",
            10 + minute / 60,
            minute % 60
        ),
        1,
    )
}

/// The Count of a `… | Measure-Object` line over `path`.
fn measured(line: &str, path: &Path) -> String {
    let (code, out, err) = run(&[
        "query",
        line,
        path.to_str().expect("a path"),
        "--format",
        "csv",
        "--tz",
        "UTC",
    ]);
    assert_eq!(code, 0, "{line}: {err}");
    out.lines()
        .nth(1)
        .unwrap_or("")
        .split(',')
        .next()
        .unwrap_or("")
        .trim_matches('"')
        .to_string()
}

#[test]
fn a_filter_on_a_category_and_on_text_or_a_list_keeps_the_rows_both_keep() {
    // A store reads a part's EventId (and time) for every row, then Recipients or Sender only
    // over the rows still kept. EX01's part has FAIL rows with and without an IMCEAEX
    // recipient, and an IMCEAEX recipient on a RECEIVE row; EX02's part has IMCEAEX
    // recipients and no FAIL row.
    let logs = Dir::new();
    let imceaex =
        "IMCEAEX-_o=Contoso_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=ann@contoso.com";
    logs.write(
        "EX01/MSGTRK2026112010-1.LOG",
        crate::util::log_text(&[
            event_line("RECEIVE", 1, "zed@fabrikam.com", imceaex),
            event_line(
                "FAIL",
                2,
                "amy@fabrikam.com",
                &format!("{imceaex};bob@contoso.com"),
            ),
            event_line("FAIL", 3, "zoe@fabrikam.com", "dan@contoso.com"),
            event_line("DELIVER", 4, "zed@fabrikam.com", "eve@contoso.com"),
            event_line(
                "FAIL",
                5,
                "zed@fabrikam.com",
                &format!("eve@contoso.com;{imceaex}"),
            ),
        ]),
    );
    logs.write(
        "EX02/MSGTRK2026112010-1.LOG",
        crate::util::log_text(&[
            event_line("RECEIVE", 1, "zed@fabrikam.com", imceaex),
            event_line("SEND", 7, "zed@fabrikam.com", imceaex),
        ]),
    );
    // The next hour of EX01: its rows go into the same part as the first hour's.
    logs.write(
        "EX01/MSGTRK2026112011-1.LOG",
        crate::util::log_text(&[
            event_line("RECEIVE", 61, "zed@fabrikam.com", "ann@contoso.com"),
            event_line("FAIL", 62, "zed@fabrikam.com", imceaex),
            event_line("DELIVER", 63, "amy@fabrikam.com", "ann@contoso.com"),
        ]),
    );
    let store = crate::util::indexed(logs.path());
    // (line, the rows it keeps, counted by hand)
    let cases = [
        // FAIL rows at 10:02, 10:05 and 11:02 (any member of Recipients matches).
        (
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.Recipients -match '^IMCEAEX'} | Measure-Object",
            "3",
        ),
        // The second hour only (the part's first source has no row in it): 11:01 and 11:02
        // from zed.
        (
            "Get-MessageTrackingLog -Start '11/20/2026 11:00' -End '11/20/2026 12:00' -ResultSize Unlimited | Where {$_.Sender -like 'zed*'} | Measure-Object",
            "2",
        ),
        // Nothing: FAIL rows only in EX01's part; EX02's IMCEAEX rows are not FAIL.
        (
            "Get-MessageTrackingLog -Server EX02 -EventId FAIL -ResultSize Unlimited | Where {$_.Recipients -match '^IMCEAEX'} | Measure-Object",
            "0",
        ),
        // From 10:02 to before 10:06, a sender starting with z: 10:03, 10:04, 10:05 of EX01.
        (
            "Get-MessageTrackingLog -Start '11/20/2026 10:02' -End '11/20/2026 10:06' -ResultSize Unlimited | Where {$_.Sender -like 'z*'} | Measure-Object",
            "3",
        ),
        // FAIL from zed: 10:05 and 11:02.
        (
            "Get-MessageTrackingLog -EventId FAIL -Sender zed@fabrikam.com -ResultSize Unlimited | Measure-Object",
            "2",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(measured(line, logs.path()), want, "from the logs: {line}");
        assert_eq!(measured(line, store.path()), want, "from the store: {line}");
        let rows = line.replace(" | Measure-Object", "");
        same(
            logs.path(),
            store.path(),
            &["query", &rows, "--format", "json"],
        );
    }
}

/// The bytes and footer of the first part of `store`.
fn first_part(store: &Path) -> (Vec<u8>, polars_parquet::read::FileMetadata) {
    let part = listed_parts(store).into_iter().next().expect("a part");
    let bytes = std::fs::read(&part).expect("the part");
    let metadata = polars_parquet::read::read_metadata(&mut std::io::Cursor::new(&bytes))
        .expect("a Parquet footer");
    (bytes, metadata)
}

/// The pages of the column chunk `chunk` of the part `bytes`.
fn chunk_pages(
    bytes: &[u8],
    chunk: &polars_parquet::parquet::metadata::ColumnChunkMetadata,
) -> Vec<polars_parquet::parquet::page::CompressedPage> {
    let range = chunk.byte_range();
    let buffer =
        polars_buffer::Buffer::from_vec(bytes[range.start as usize..range.end as usize].to_vec());
    polars_parquet::read::PageReader::new(std::io::Cursor::new(buffer), chunk, vec![], usize::MAX)
        .map(|p| p.expect("a page"))
        .collect()
}

#[test]
fn a_few_rows_read_from_compressed_columns_of_many_pages_are_the_logs_rows() {
    use polars_parquet::parquet::page::CompressedPage;

    // 3,000 rows of one hour, each with a SourceContext and a MessageId of its own (some 100
    // bytes each: zstd columns of several pages a row group), and FAIL rows in the first,
    // a middle and the last page.
    let fails = [4usize, 1_517, 2_998];
    let lines: Vec<String> = (0..3_000usize)
        .map(|i| {
            let event = if fails.contains(&i) {
                "FAIL"
            } else {
                "RECEIVE"
            };
            let context = format!("08DD{i:06}-context-{}", "c".repeat(80));
            let id = format!("<{i:06}.{}@contoso.com>", "m".repeat(70));
            row(&[
                (Field::EventId, event),
                (Field::Source, "SMTP"),
                (Field::SourceContext, &context),
                (Field::MessageId, &id),
                (Field::Sender, "amy@fabrikam.com"),
                (Field::Recipients, "bob@contoso.com"),
            ])
            .replacen(
                "2026-11-20T10:00:00.000Z",
                &format!(
                    "2026-11-20T10:{:02}:{:02}.{:03}Z",
                    i / 60 % 60,
                    i % 60,
                    i % 1000
                ),
                1,
            )
        })
        .collect();
    let logs = Dir::new();
    logs.write("EX01/MSGTRK2026112010-1.LOG", crate::util::log_text(&lines));
    let store = crate::util::indexed(logs.path());
    // The part's SourceContext is in pages, more than one a row group.
    let (bytes, metadata) = first_part(store.path());
    let chunk = metadata.row_groups[0]
        .columns_under_root_iter("SourceContext")
        .expect("the column")
        .next()
        .expect("a chunk");
    let pages = chunk_pages(&bytes, chunk)
        .iter()
        .filter(|p| matches!(p, CompressedPage::Data(_)))
        .count();
    assert!(pages > 2, "SourceContext in {pages} page(s)");
    // Every column of the FAIL rows, of one message, and of a range of seconds.
    for line in [
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited".to_string(),
        format!(
            "Get-MessageTrackingLog -MessageId '<001517.{}@contoso.com>' -ResultSize Unlimited",
            "m".repeat(70)
        ),
        "Get-MessageTrackingLog -Start '11/20/2026 10:20:00' -End '11/20/2026 10:20:03' -ResultSize Unlimited".to_string(),
    ] {
        same(logs.path(), store.path(), &["query", &line, "--format", "json"]);
    }
    assert_eq!(
        measured(
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.SourceContext -like '08DD001517-*'} | Measure-Object",
            store.path()
        ),
        "1"
    );
    assert_eq!(
        measured(
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Measure-Object",
            store.path()
        ),
        "3"
    );
}

#[test]
fn parts_store_time_as_deltas_and_categories_recipients_and_custom_data_keys_as_dictionaries() {
    use polars_parquet::parquet::compression::Compression;
    use polars_parquet::parquet::encoding::Encoding;
    use polars_parquet::parquet::page::CompressedPage;

    let store = crate::util::indexed(&sample_logs_dir());
    let (bytes, metadata) = first_part(store.path());
    let group = &metadata.row_groups[0];
    // (column, its data pages' encoding, its codec)
    let want = [
        (
            "Timestamp",
            Encoding::DeltaBinaryPacked,
            Compression::Uncompressed,
        ),
        (
            "Line",
            Encoding::DeltaBinaryPacked,
            Compression::Uncompressed,
        ),
        (
            "EventId",
            Encoding::RleDictionary,
            Compression::Uncompressed,
        ),
        ("Source", Encoding::RleDictionary, Compression::Uncompressed),
        ("SourceContext", Encoding::Plain, Compression::Zstd),
        ("Sender", Encoding::RleDictionary, Compression::Uncompressed),
        (
            "Recipients",
            Encoding::RleDictionary,
            Compression::Uncompressed,
        ),
        (
            "RecipientStatus",
            Encoding::RleDictionary,
            Compression::Uncompressed,
        ),
        // EventData's first leaf: its keys, a dictionary of a few names.
        ("EventData", Encoding::RleDictionary, Compression::Zstd),
    ];
    for (name, encoding, codec) in want {
        let chunks: Vec<_> = group
            .columns_under_root_iter(name)
            .expect("the column")
            .collect();
        let chunk = chunks[0];
        assert_eq!(chunk.compression(), codec, "{name}");
        let encodings: Vec<Encoding> = chunk_pages(&bytes, chunk)
            .into_iter()
            .filter_map(|p| match p {
                CompressedPage::Data(d) => {
                    Some(Encoding::try_from(d.header().encoding()).expect("a known encoding"))
                }
                CompressedPage::Dict(_) => None,
            })
            .collect();
        assert!(!encodings.is_empty(), "{name} has data pages");
        assert!(
            encodings.iter().all(|e| *e == encoding),
            "{name}: {encodings:?}"
        );
    }
}

#[test]
fn two_copies_of_a_server_folder_with_logs_of_the_same_names_keep_both_their_rows() {
    // Two folders named EX01 (two copies of one server's logs, taken at different times) whose
    // logs have the same names and different rows, indexed in one run.
    let logs = Dir::new();
    logs.write(
        "old/EX01/MSGTRK2026112010-1.LOG",
        crate::util::log_text(&[
            event_line("RECEIVE", 1, "ann@fabrikam.com", "bob@contoso.com"),
            event_line("DELIVER", 2, "ann@fabrikam.com", "bob@contoso.com"),
        ]),
    );
    logs.write(
        "new/EX01/MSGTRK2026112010-1.LOG",
        crate::util::log_text(&[
            event_line("RECEIVE", 1, "ann@fabrikam.com", "bob@contoso.com"),
            event_line("DELIVER", 2, "ann@fabrikam.com", "bob@contoso.com"),
            event_line("FAIL", 3, "zed@fabrikam.com", "eve@contoso.com"),
        ]),
    );
    let store = crate::util::indexed(logs.path());
    // 2 + 3 rows, by hand; the FAIL row only in the new copy.
    assert_eq!(count(store.path()), "5");
    assert_eq!(
        measured(
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Measure-Object",
            store.path()
        ),
        "1"
    );
    same_rows(logs.path(), store.path());
}

/// A session as `--format csv --tz UTC` runs one (en-US).
fn csv_session() -> msgtrack::query::settings::Session {
    msgtrack::query::settings::Session {
        now: chrono::Utc::now(),
        zone: msgtrack::format::Zone::parse("UTC").expect("UTC"),
        culture: msgtrack::pwsh::culture::Culture::find("en-US").expect("en-US"),
        csv_raw: false,
        shown: msgtrack::query::settings::Shown::Csv,
    }
}

/// `msgtrack query LINE PATH --format FORMAT --tz UTC` with windows of `window_rows` rows
/// over a store: exit code, standard output, standard error.
fn query_in_windows(
    line: &str,
    path: &Path,
    format: &str,
    window_rows: u64,
) -> (i32, String, String) {
    query_with(
        line,
        path,
        format,
        &[("MSGTRACK_WINDOW_ROWS", &window_rows.to_string())],
    )
}

/// `msgtrack query LINE PATH --format FORMAT --tz UTC` with the environment variables `env`:
/// exit code, standard output, standard error.
fn query_with(
    line: &str,
    path: &Path,
    format: &str,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .arg("query")
        .arg(line)
        .arg(path)
        .args(["--format", format, "--tz", "UTC"])
        .envs(env.iter().copied())
        .output()
        .expect("msgtrack runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_line_that_outputs_every_event_reads_a_store_a_time_window_at_a_time_and_prints_the_whole_answer()
 {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let lines = [
        "Get-MessageTrackingLog -ResultSize Unlimited",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -eq 'FAIL' -or $_.TotalBytes -gt 20000} | Select-Object Timestamp,EventId,@{n='To';e={$_.Recipients -join ';'}},TotalBytes",
        "Get-MessageTrackingLog -Server EX02 -Start '11/20/2026 10:00' -End '11/20/2026 14:00' -ResultSize Unlimited | select Sender,Recip*",
        // A table of objects: numbers right-aligned, a column of local times named by its
        // zone, widths from every window.
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,TotalBytes,RecipientCount,MessageSubject",
        // Sorted by time (newest first too): the windows in order, or from the last.
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.TotalBytes -gt 20000} | Sort-Object Timestamp -Descending | Select-Object Timestamp,EventId,Sender",
        "Get-MessageTrackingLog -ResultSize Unlimited | sort timestamp",
        // Cut at -ResultSize: the first rows, and the shell's warning that there are more.
        "Get-MessageTrackingLog -EventId RECEIVE -ResultSize 100",
        // Nothing matches: the empty answer, its exit code and the note on the range.
        "Get-MessageTrackingLog -Start '1/1/2030' -ResultSize Unlimited",
        "Get-MessageTrackingLog -EventId DSN -Sender nobody@nowhere.example -ResultSize Unlimited",
    ];
    for line in lines {
        for format in ["csv", "json", "ndjson", "list", "table"] {
            let (code_logs, out_logs, err_logs) = query_in_windows(line, &logs, format, 150);
            let (code_store, out_store, err_store) =
                query_in_windows(line, store.path(), format, 150);
            assert!(
                out_logs == out_store,
                "{line} as {format}: the store's windows printed {} bytes, the logs {}",
                out_store.len(),
                out_logs.len()
            );
            assert_eq!(code_logs, code_store, "{line} as {format}");
            // What is said of the answer (the range, nothing found) is said once, as for
            // the logs.
            let said = |err: &str| -> Vec<String> {
                err.lines()
                    .filter(|l| !l.contains("file(s) not opened") && !l.contains("the store "))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(said(&err_logs), said(&err_store), "{line} as {format}");
            // The store's parts a range leaves unopened are named as a whole run names them
            // (windows larger than the store: one read).
            let unopened = |err: &str| -> Vec<String> {
                err.lines()
                    .filter(|l| l.contains("file(s) not opened"))
                    .map(str::to_string)
                    .collect()
            };
            let (_, _, err_whole) = query_in_windows(line, store.path(), format, 1_000_000);
            assert_eq!(
                unopened(&err_whole),
                unopened(&err_store),
                "{line} as {format}"
            );
        }
    }
}

#[test]
fn a_list_written_to_a_file_from_a_store_comes_a_time_window_at_a_time_with_the_whole_file_s_bytes()
{
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let dir = Dir::new();
    let before = "before\r\n";
    for (i, (tail, there)) in [
        ("> '{}'", None),
        ("| Where-Object {$_.EventId -eq 'FAIL' -or $_.TotalBytes -gt 20000} | Out-File '{}' -Encoding utf8", None),
        // No row before noon: the first windows write nothing, the text starts with the
        // first window that has rows.
        ("| Where-Object {$_.Timestamp.Hour -ge 12} | Out-File '{}' -Append -Encoding ascii", Some(before)),
        ("| Where-Object {$_.Timestamp.Hour -ge 12} | Out-File -FilePath '{}'", None),
        ("| Select-Object Timestamp,EventId,Sender,Recipients,TotalBytes >> '{}'", Some(before)),
    ]
    .iter()
    .enumerate()
    {
        let mut files = Vec::new();
        for (from, name) in [(logs.as_path(), "logs"), (store.path(), "store")] {
            let path = dir.path().join(format!("{name}-{i}.txt"));
            let line = format!("Get-MessageTrackingLog -ResultSize Unlimited {tail}");
            files.push(file_written(&line, *there, from, &path).0);
        }
        assert!(
            files[0] == files[1],
            "{tail}: the store's windows wrote {} bytes, the logs {}",
            files[1].len(),
            files[0].len()
        );
    }
    // `>` writes what Out-File writes: UTF-16 LE with a byte-order mark, Windows line ends.
    let text = std::fs::read(dir.path().join("store-0.txt")).expect("written");
    assert_eq!(text[..2], [0xFF, 0xFE]);
    let units: Vec<u16> = text[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).expect("UTF-16");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert_eq!(text.matches("EventId ").count(), 4768, "a list item a row");
    // In windows it ran.
    let path = dir.path().join("windows.txt");
    let windows = windows_of_150_rows(
        &format!(
            "Get-MessageTrackingLog -ResultSize Unlimited > '{}'",
            path.display()
        ),
        &store,
    );
    assert!(windows >= 30, "{windows} windows");
}

#[test]
fn a_table_written_to_a_file_from_a_store_is_laid_out_from_every_window_with_the_whole_file_s_bytes()
 {
    // A table's column widths and right-aligned number columns come from every row: a first
    // pass over the windows measures them, the second writes each window's rows in that
    // layout, the header once.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let dir = Dir::new();
    let before = "before\r\n";
    for (i, (tail, there)) in [
        ("| Select-Object Timestamp,Sender,TotalBytes > '{}'", None),
        // Numbers in most windows, text in a few: left-aligned in every window.
        ("| Select-Object EventId,@{n='Size';e={if ($_.TotalBytes -gt 20000) {'big'} else {$_.TotalBytes}}} | Out-File '{}' -Encoding utf8", None),
        // No row before noon: the header comes with the first window that has rows.
        ("| Where-Object {$_.Timestamp.Hour -ge 12} | Select-Object EventId,@{n='To';e={$_.Recipients -join ';'}},RecipientCount | Out-File '{}' -Append -Encoding ascii", Some(before)),
        ("| Sort-Object Timestamp -Descending | Select-Object Timestamp,MessageSubject >> '{}'", Some(before)),
    ]
    .iter()
    .enumerate()
    {
        let mut files = Vec::new();
        for (from, name) in [(logs.as_path(), "logs"), (store.path(), "store")] {
            let path = dir.path().join(format!("{name}-{i}.txt"));
            let line = format!("Get-MessageTrackingLog -ResultSize Unlimited {tail}");
            files.push(file_written(&line, *there, from, &path).0);
        }
        assert!(
            files[0] == files[1],
            "{tail}: the store's windows wrote {} bytes, the logs {}",
            files[1].len(),
            files[0].len()
        );
    }
    // By the rules: Timestamp 24 characters wide (UTC), Sender as wide as the longest
    // sender (at most 60), TotalBytes (numbers: right-aligned) as its longest number or
    // header; one space between; the header once.
    let (code, csv, err) = query_in_windows(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender,TotalBytes",
        &logs,
        "csv",
        1_000_000,
    );
    assert_eq!(code, 0, "{err}");
    let mut widest = ("Sender".len(), "TotalBytes".len());
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        let record = record.expect("a CSV record");
        widest.0 = widest.0.max(record[0].chars().count().min(60));
        widest.1 = widest.1.max(record[1].len());
    }
    let width = 24 + 1 + widest.0 + 1 + widest.1;
    let text = std::fs::read(dir.path().join("store-0.txt")).expect("written");
    let units: Vec<u16> = text[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).expect("UTF-16");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + 4768, "header, dashes, a line a row");
    assert!(lines[0].starts_with("Timestamp "), "{}", lines[0]);
    assert_eq!(text.matches("TotalBytes").count(), 1, "one header");
    assert_eq!(lines[0].chars().count(), width, "{}", lines[0]);
    assert_eq!(lines.iter().map(|l| l.chars().count()).max(), Some(width));
    // The 'big' column is text in the whole file: its cells start where its header does.
    let text = std::fs::read_to_string(dir.path().join("store-1.txt")).expect("written");
    let text = text.trim_start_matches('\u{feff}');
    let at = text
        .lines()
        .next()
        .and_then(|h| h.find("Size"))
        .expect("a Size column");
    assert!(text.lines().any(|l| l.get(at..) == Some("big")));
    assert!(
        text.lines()
            .skip(2)
            .all(|l| l.as_bytes().get(at).is_none_or(|b| *b != b' ')),
        "every size starts under its header"
    );
    // In windows it ran.
    let path = dir.path().join("windows.txt");
    let windows = windows_of_150_rows(
        &format!(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,Sender > '{}'",
            path.display()
        ),
        &store,
    );
    assert!(windows >= 30, "{windows} windows");
}

#[test]
fn a_sort_s_first_rows_from_a_store_come_from_each_window_s_first_rows() {
    // `Sort-Object … | Select-Object -First N` over a store keeps each window's first N and
    // sorts them again: the same answer as sorting every event (ties in input order; EventId
    // has many), in every format.
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let lines = [
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending | Select-Object -First 7",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object EventId -Descending | Select-Object -First 40 Timestamp,EventId,Sender,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.TotalBytes -gt 1000} | Sort-Object Sender,@{e='EventId';Descending=$true} | Select-Object -First 25 Sender,EventId,Timestamp",
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Sort-Object {$_.Recipients.Count} | Select-Object -First 3 -Property Timestamp,@{n='To';e={$_.Recipients -join ';'}}",
        // Nothing matches: the empty answer.
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.TotalBytes -lt 0} | Sort-Object TotalBytes | Select-Object -First 3",
        // A selection before the sort (sorted first: the same objects), `-Last`, `-Unique`
        // (the first of equal keys, case ignored; EventId and Sender repeat a lot).
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender,TotalBytes,EventId | Sort-Object TotalBytes -Descending | Select-Object -First 9",
        "Get-MessageTrackingLog -EventId DELIVER -ResultSize Unlimited | Select-Object MessageId,Timestamp | Sort-Object Timestamp | Select-Object -Last 6",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender -Unique | Select-Object -First 5 Sender,Timestamp,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object EventId -Unique -Descending | Select-Object -Last 4 EventId,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender,EventId,File,Line | Sort-Object EventId,Sender -Unique | Select-Object -First 12",
        // Whole events sorted by other than time: the windows read for the sort's columns,
        // then the times of the rows kept read again whole (ties of EventId in input order,
        // -Unique's first of a key, -Last).
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object EventId -Descending | Select-Object -First 40",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object MessageId -Unique | Select-Object -First 6",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.Source -eq 'SMTP'} | Sort-Object Sender,EventId | Select-Object -Last 12",
        // By one whole-number property: once N rows are kept, later windows' reads leave out
        // the rows not beyond the Nth kept (ties come after it, being later; rows of no
        // value are read): ascending and descending, ties of RecipientCount, a filter the
        // rows left out might have passed, -Skip.
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 5 Timestamp,TotalBytes,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -eq 'DELIVER'} | Sort-Object -Property RecipientCount -Descending | Select-Object -First 10",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object RecipientCount | Select-Object -Skip 2 -First 4 Timestamp,RecipientCount,File,Line",
        // Rows of no TotalBytes (NOTIFYMAPI's, here) sort first ascending: read after the
        // Nth kept has a value; once it has none, no later row can come before it (the
        // windows left are not read).
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -ne 'SUBMIT'} | Sort-Object TotalBytes | Select-Object -First 150 Timestamp,EventId,TotalBytes,File,Line",
        // Descending they sort last: a Nth kept of no value (NOTIFYMAPI's 218 rows, FAIL's
        // 16 of a value) leaves nothing out: a later FAIL row comes before it.
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -in 'NOTIFYMAPI','FAIL'} | Sort-Object TotalBytes -Descending | Select-Object -First 150 Timestamp,EventId,TotalBytes,File,Line",
    ];
    for line in lines {
        for format in ["csv", "json", "table"] {
            let (code_logs, out_logs, err_logs) = query_in_windows(line, &logs, format, 150);
            let (code_store, out_store, err_store) =
                query_in_windows(line, store.path(), format, 150);
            assert!(
                out_logs == out_store,
                "{line} as {format}:\n{out_logs}\n---\n{out_store}"
            );
            assert_eq!(code_logs, code_store, "{line} as {format}");
            // (A store read from its latest window says which files it left unopened.)
            let said = |err: &str| -> Vec<String> {
                err.lines()
                    .filter(|l| !l.contains("the store ") && !l.contains("not opened"))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(said(&err_logs), said(&err_store), "{line} as {format}");
        }
    }
    // Window by window it ran (the logs: whole).
    let top = |line: &str, paths: &[std::path::PathBuf]| {
        msgtrack::query::top_rows::run_top_of(150, line, paths, csv_session(), None, &Field::ALL)
            .expect("runs")
    };
    let from_store = top(lines[0], &[store.path().to_path_buf()]);
    let from_logs = top(lines[0], std::slice::from_ref(&logs));
    assert_eq!(from_store.map(|a| a.items.len()), Some(7));
    assert!(from_logs.is_none());
    // A selection before the sort runs window by window; a unique sort by text properties
    // of few keys is answered by the first read, keeping one event per key; of many keys
    // (past MSGTRACK_FIRSTS_HELD), window by window, with the same answer.
    for line in &lines[7..] {
        for format in ["csv", "json"] {
            let env = [
                ("MSGTRACK_WINDOW_ROWS", "150"),
                ("MSGTRACK_FIRSTS_HELD", "3"),
            ];
            let from_logs = query_with(line, &logs, format, &env);
            let from_store = query_with(line, store.path(), format, &env);
            assert_eq!(from_logs.1, from_store.1, "{line} as {format}, 3 keys held");
            assert_eq!(from_logs.0, from_store.0, "{line} as {format}, 3 keys held");
        }
    }
    for (line, n) in lines[5..].iter().zip([Some(9), Some(6), None, None, None]) {
        let answer = top(line, &[store.path().to_path_buf()]);
        assert_eq!(answer.map(|a| a.items.len()), n, "{line}: window by window");
    }
    for (line, n) in lines[lines.len() - 5..].iter().zip([5, 10, 4, 150, 150]) {
        let answer = top(line, &[store.path().to_path_buf()]);
        assert_eq!(
            answer.map(|a| a.items.len()),
            Some(n),
            "{line}: window by window"
        );
    }
}

/// The file `line` writes at `path` (the `{}` in it), run over `from` in windows of 150
/// rows, with `there` in the file first; and what it said. The line must succeed and print
/// nothing.
fn file_written(line: &str, there: Option<&str>, from: &Path, path: &Path) -> (Vec<u8>, String) {
    if let Some(there) = there {
        std::fs::write(path, there).expect("written");
    }
    let line = line.replace("{}", &path.display().to_string());
    let (code, out, err) = query_in_windows(&line, from, "csv", 150);
    assert_eq!(code, 0, "{line}: {err}");
    assert_eq!(out, "", "{line}");
    (std::fs::read(path).expect("written"), err)
}

/// How many windows of 150 rows `line` runs in over `store` (its output is not written).
fn windows_of_150_rows(line: &str, store: &Dir) -> usize {
    let mut windows = 0;
    let last = msgtrack::query::streamed::run_in_windows_of(
        150,
        line,
        &[store.path().to_path_buf()],
        csv_session(),
        None,
        &Field::ALL,
        |_| {
            windows += 1;
            Ok(())
        },
    )
    .expect("runs");
    assert!(last.is_some(), "{line}: not run in windows");
    windows
}

#[test]
fn every_event_as_parquet_from_a_store_is_written_a_time_window_at_a_time_with_the_whole_file_s_rows()
 {
    use polars::prelude::{ParquetReader, SerReader};
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let dir = Dir::new();
    let read = |path: &Path| {
        ParquetReader::new(std::fs::File::open(path).expect("written"))
            .finish()
            .expect("a Parquet file")
    };
    for line in [
        "Get-MessageTrackingLog -ResultSize Unlimited",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -ne 'AGENTINFO'} | Sort-Object Timestamp -Descending",
        // Nothing: the file of no rows a whole run writes.
        "Get-MessageTrackingLog -Start '1/1/2030' -ResultSize Unlimited",
    ] {
        let mut frames = Vec::new();
        for (from, rows) in [(logs.as_path(), 1_000_000), (store.path(), 150)] {
            let path = dir.path().join(format!("{rows}.parquet"));
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
                .arg("query")
                .arg(line)
                .arg(from)
                .args(["--format", "parquet", "--tz", "UTC", "--out"])
                .arg(&path)
                .env("MSGTRACK_WINDOW_ROWS", rows.to_string())
                .output()
                .expect("msgtrack runs");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(" rows to "), "{line}: {err}");
            frames.push(read(&path));
            // Every event from the store: row groups of a window or more (150 rows), each
            // found by the footer written after them all.
            if rows == 150 && frames[1].height() == 4768 {
                let mut reader = ParquetReader::new(std::fs::File::open(&path).expect("written"));
                let groups = reader.get_metadata().expect("a footer").row_groups.len();
                assert!(groups >= 15, "{line}: {groups} row groups");
            }
        }
        assert_eq!(frames[0].schema(), frames[1].schema(), "{line}");
        assert!(
            frames[0].equals_missing(&frames[1]),
            "{line}: {} rows from the logs, {} from the store's windows",
            frames[0].height(),
            frames[1].height()
        );
    }
    // Windows they were: 4,768 rows in windows of 150.
    let windows = windows_of_150_rows("Get-MessageTrackingLog -ResultSize Unlimited", &store);
    assert!(windows >= 30, "{windows} windows");
    // Without a file, refused before anything is read.
    let (code, _, err) = query_in_windows(
        "Get-MessageTrackingLog -ResultSize Unlimited",
        store.path(),
        "parquet",
        150,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out FILE"), "{err}");
}

#[test]
fn a_long_answer_from_a_store_comes_in_time_windows_of_about_so_many_rows_each_once_in_time_order()
{
    use msgtrack::query::output::{Format, Pieces, count, write};
    use msgtrack::query::rows::DEFAULT_TABLE;
    use msgtrack::query::run::run;
    use msgtrack::query::streamed::run_in_windows_of;
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let paths = [store.path().to_path_buf()];
    let session = csv_session();
    let in_windows = |line: &str, paths: &[PathBuf]| {
        let mut pieces = Pieces::new(Format::Csv, &session, &DEFAULT_TABLE, true, Vec::new())
            .expect("CSV comes in pieces");
        let mut sizes = Vec::new();
        let mut last_time = i64::MIN;
        let last = run_in_windows_of(200, line, paths, session, None, &Field::ALL, |answer| {
            sizes.push(count(answer));
            for read in &answer.reads {
                let times =
                    msgtrack::frame::access::timestamps_ms(read.source.frame()).expect("times");
                if let Some(first) = times.first() {
                    assert!(*first > last_time, "a window starts before the last ended");
                }
                last_time = times.last().copied().unwrap_or(last_time);
            }
            pieces.write(answer)
        })
        .expect("runs");
        last.map(|last| {
            let written = pieces.finish(&last).expect("written");
            (sizes, written)
        })
    };
    let whole = |line: &str| {
        let answer = run(
            line,
            std::slice::from_ref(&logs),
            session,
            None,
            &Field::ALL,
        )
        .expect("runs");
        let mut expected = Vec::new();
        write(
            &answer,
            Format::Csv,
            &session,
            &DEFAULT_TABLE,
            true,
            &mut expected,
        )
        .expect("written");
        expected
    };
    // 4,768 rows in windows of at most 200 (no second of the sample holds more), each row
    // once, in time order: the logs' whole answer, byte for byte.
    let line = "Get-MessageTrackingLog -ResultSize Unlimited";
    let (sizes, written) = in_windows(line, &paths).expect("in windows");
    assert!(sizes.len() >= 24, "{} windows", sizes.len());
    assert_eq!(sizes.iter().sum::<usize>(), 4768);
    assert!(sizes.iter().all(|n| *n <= 200), "{sizes:?}");
    let expected = whole(line);
    assert!(
        written == expected,
        "{} vs {} bytes",
        written.len(),
        expected.len()
    );
    // A few rows: read once, in one piece.
    let line = "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited";
    let (sizes, written) = in_windows(line, &paths).expect("runs over the store");
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] > 0 && sizes[0] <= 200, "{sizes:?}");
    assert!(written == whole(line));
    // Windows are cut by the rows that match, not every row: 1,000-odd RECEIVE rows make
    // fewer windows than all 4,768.
    let line = "Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited";
    let (sizes, written) = in_windows(line, &paths).expect("runs over the store");
    let receive = sizes.iter().sum::<usize>();
    assert!(
        receive > 200 && sizes.len() <= receive.div_ceil(200) + 2,
        "{sizes:?}"
    );
    assert!(written == whole(line));
    // A table: its layout gathered from every window first, then each window written in it.
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,TotalBytes,MessageSubject";
    let mut table = Pieces::new(Format::Table, &session, &DEFAULT_TABLE, false, Vec::new())
        .expect("a table comes in pieces");
    let mut windows = 0;
    run_in_windows_of(200, line, &paths, session, None, &DEFAULT_TABLE, |answer| {
        windows += 1;
        table.gather(answer)
    })
    .expect("runs");
    let last = run_in_windows_of(200, line, &paths, session, None, &DEFAULT_TABLE, |answer| {
        table.write(answer)
    })
    .expect("runs")
    .expect("in windows");
    let written = table.finish(&last).expect("written");
    let answer = run(
        line,
        std::slice::from_ref(&logs),
        session,
        None,
        &DEFAULT_TABLE,
    )
    .expect("runs");
    let mut expected = Vec::new();
    write(
        &answer,
        Format::Table,
        &session,
        &DEFAULT_TABLE,
        false,
        &mut expected,
    )
    .expect("written");
    assert!(windows >= 24, "{windows} windows");
    assert!(
        written == expected,
        "{}\n---\n{}",
        String::from_utf8_lossy(&written[..written.len().min(400)]),
        String::from_utf8_lossy(&expected[..expected.len().min(400)])
    );
    // Newest first: the windows from the last, each sorted, are the whole sort.
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp -Descending";
    let mut sizes = Vec::new();
    let mut pieces = Pieces::new(Format::Csv, &session, &DEFAULT_TABLE, true, Vec::new())
        .expect("CSV comes in pieces");
    let last = run_in_windows_of(200, line, &paths, session, None, &Field::ALL, |answer| {
        sizes.push(count(answer));
        pieces.write(answer)
    })
    .expect("runs")
    .expect("in windows");
    let written = pieces.finish(&last).expect("written");
    assert!(sizes.len() >= 24, "{} windows", sizes.len());
    assert!(written == whole(line), "newest first differs");
    // Raw logs, and a line that needs every item first (a fold), run whole.
    assert!(
        in_windows(
            "Get-MessageTrackingLog -ResultSize Unlimited",
            std::slice::from_ref(&logs)
        )
        .is_none()
    );
    assert!(
        in_windows(
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object Sender",
            &paths
        )
        .is_none()
    );
}

#[test]
fn export_csv_of_every_event_from_a_store_writes_the_whole_file_a_window_at_a_time() {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let dir = Dir::new();
    // A file there before: a header in its own order (one column the objects lack a
    // value for in none), and a file of a byte-order mark alone.
    let before = "\u{feff}\"Sender\",\"EventId\"\r\n\"someone@example.com\",\"SEND\"\r\n";
    for (i, (tail, there)) in [
        ("Select-Object Timestamp,EventId,Sender,Recipients,TotalBytes | Export-Csv '{}' -NoTypeInformation", None),
        // The #TYPE line once; no row before noon of the first day, so the first windows
        // export nothing and the first with rows writes the file afresh.
        ("Where-Object {$_.Timestamp.Hour -ge 12} | Select-Object EventId,MessageSubject | Export-Csv -Path '{}'", None),
        ("Select-Object EventId,Sender,TotalBytes | Export-Csv '{}' -Append", Some(before)),
        ("Where-Object {$_.Timestamp.Hour -ge 12} | Select-Object EventId,MessageSubject | Export-Csv -Path '{}' -Append", Some("\u{feff}")),
        ("Where-Object {$_.Timestamp.Hour -ge 12} | Export-Csv '{}' -NoClobber -NoTypeInformation", None),
    ]
    .iter()
    .enumerate()
    {
        let mut files = Vec::new();
        let mut said = Vec::new();
        for (from, name) in [(logs.as_path(), "logs"), (store.path(), "store")] {
            let path = dir.path().join(format!("{name}-{i}.csv"));
            let line = format!("Get-MessageTrackingLog -ResultSize Unlimited | {tail}");
            let (file, err) = file_written(&line, *there, from, &path);
            files.push(file);
            said.push(
                err.lines()
                    .filter(|l| !l.contains("the store "))
                    .map(|l| l.replace(&path.display().to_string(), "FILE"))
                    .collect::<Vec<_>>(),
            );
        }
        assert!(files[0] == files[1], "{tail}: the files differ");
        assert_eq!(said[0], said[1], "{tail}");
        let text = String::from_utf8_lossy(&files[1]);
        assert_eq!(text.matches("\"EventId\"").count(), 1, "{tail}: one header");
        assert_eq!(text.matches('\u{feff}').count(), 1, "{tail}: one byte-order mark");
        if there == &Some(before) {
            // Appended under the file's header: Sender then EventId, TotalBytes dropped.
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines[0], "\u{feff}\"Sender\",\"EventId\"");
            assert!(lines.len() > 1000, "{} lines", lines.len());
            assert!(
                lines[2..].iter().all(|l| l.split("\",\"").count() == 2),
                "{:?}",
                &lines[..3]
            );
        }
    }
    // -NoClobber onto a file there: refused, the file as it was.
    let path = dir.path().join("store-4.csv");
    let kept = std::fs::read(&path).expect("there");
    let line = format!(
        "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv '{}' -NoClobber",
        path.display()
    );
    let (code, _, err) = query_in_windows(&line, store.path(), "csv", 150);
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    assert!(std::fs::read(&path).expect("there") == kept);
    // It did run in windows: the line over the store, windows of 150 rows.
    let path = dir.path().join("windows.csv");
    let line = format!(
        "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv '{}'",
        path.display()
    );
    let windows = windows_of_150_rows(&line, &store);
    assert!(windows >= 30, "{windows} windows");
    let lines = std::fs::read_to_string(&path)
        .expect("written")
        .lines()
        .count();
    assert_eq!(lines, 4768 + 2, "#TYPE, the header and every row");
    // Recipients copied by Select-Object stay System.String[], empty or not.
    let path = dir.path().join("types.csv");
    let line = format!(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object EventId,Recipients | Export-Csv '{}'",
        path.display()
    );
    let (_, _, err) = query_in_windows(&line, store.path(), "csv", 150);
    assert!(err.contains("Recipients (System.String[])"), "{err}");
    assert!(!err.contains("System.Object[]"), "{err}");
}

/// `msgtrack query LINE PATH --format FORMAT --tz UTC` with windows of 150 rows, merges of
/// two runs at once and temporary files in `tmp`: exit code, standard output and error.
fn query_merged(line: &str, path: &Path, format: &str, tmp: &Path) -> (i32, String, String) {
    let tmp = tmp.display().to_string();
    let env = [
        ("MSGTRACK_WINDOW_ROWS", "150"),
        ("MSGTRACK_MERGE_WAYS", "2"),
        ("TMPDIR", tmp.as_str()),
    ];
    query_with(line, path, format, &env)
}

#[test]
fn a_sort_of_every_event_from_a_store_is_merged_from_sorted_runs_with_the_whole_sort_s_answer() {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let tmp = Dir::new();
    let lines = [
        // Many equal sizes: ties keep the order the events come in, across runs.
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending | Select-Object Timestamp,EventId,Sender,TotalBytes,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -ne 'AGENTINFO'} | Sort-Object Sender,@{e='EventId';Descending=$true} | Select-Object Sender,EventId,File,Line",
        // -Unique keeps the first event of each key.
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object EventId -Unique | Select-Object EventId,Timestamp,File,Line",
        "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object {$_.Recipients.Count},MessageSubject | Where-Object {$_.TotalBytes -gt 5000}",
        // A selection before the sort, by names it keeps: sorted first, the same objects.
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender,TotalBytes,File,Line | Sort-Object TotalBytes,Sender -Descending",
        // Nothing left: the empty answer.
        "Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.TotalBytes -lt 0} | Sort-Object Sender",
    ];
    for line in lines {
        for format in ["csv", "json", "list"] {
            let (code_logs, out_logs, err_logs) = query_merged(line, &logs, format, tmp.path());
            let (code_store, out_store, err_store) =
                query_merged(line, store.path(), format, tmp.path());
            assert!(
                out_logs == out_store,
                "{line} as {format}: the store's runs printed {} bytes, the logs {}",
                out_store.len(),
                out_logs.len()
            );
            assert_eq!(code_logs, code_store, "{line} as {format}");
            let said = |err: &str| -> Vec<String> {
                err.lines()
                    .filter(|l| !l.contains("the store "))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(said(&err_logs), said(&err_store), "{line} as {format}");
        }
    }
    // The selection sorted first ran from sorted runs too, in pieces.
    assert!(windows_of_150_rows(lines[4], &store) >= 2, "{}", lines[4]);
    // The order by the rules: sizes never rise, and equal sizes come in time order (the
    // order the cmdlet gives them).
    let (_, csv, _) = query_merged(lines[0], store.path(), "csv", tmp.path());
    let records = |csv: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.expect("a CSV record"))
            .collect()
    };
    // (An event without a size has $null, which sorts below every number.)
    let rows: Vec<(Option<u64>, String)> = records(&csv)
        .iter()
        .map(|r| (r[3].parse().ok(), r[0].to_string()))
        .collect();
    assert!(rows.iter().filter(|r| r.0.is_some()).count() > 1000);
    assert_eq!(rows.len(), 4768);
    for pair in rows.windows(2) {
        assert!(pair[0].0 >= pair[1].0, "{pair:?}");
        if pair[0].0 == pair[1].0 {
            assert!(pair[0].1 <= pair[1].1, "a tie out of time order: {pair:?}");
        }
    }
    // -Unique: one event per EventId, each the first of its kind in time.
    let (_, csv, _) = query_merged(lines[2], store.path(), "csv", tmp.path());
    let (_, all, _) = query_merged(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object EventId,Timestamp,File,Line",
        &logs,
        "csv",
        tmp.path(),
    );
    let mut firsts: Vec<csv::StringRecord> = Vec::new();
    for r in records(&all) {
        if !firsts.iter().any(|f| f[0] == r[0]) {
            firsts.push(r);
        }
    }
    firsts.sort_by_key(|r| r[0].to_ascii_lowercase());
    assert!(firsts.len() > 5, "{firsts:?}");
    assert_eq!(records(&csv), firsts);
    // A file written from the merged rows is the whole run's file.
    let out = Dir::new();
    let mut files = Vec::new();
    for (from, name) in [(logs.as_path(), "logs"), (store.path(), "store")] {
        let path = out.path().join(format!("{name}.csv"));
        let line = format!(
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender,TotalBytes | Select-Object Sender,TotalBytes,MessageId | Export-Csv '{}' -NoTypeInformation",
            path.display()
        );
        let (code, printed, err) = query_merged(&line, from, "csv", tmp.path());
        assert_eq!((code, printed.as_str()), (0, ""), "{err}");
        files.push(std::fs::read(&path).expect("written"));
    }
    assert!(files[0] == files[1], "the merged rows wrote another file");
    assert_eq!(String::from_utf8_lossy(&files[1]).lines().count(), 4769);
    // Merged from runs it was (many batches), and its temporary files are gone.
    let batches = windows_of_150_rows(lines[0], &store);
    assert!(batches >= 30, "{batches} batches");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("a folder").collect();
    assert!(left.is_empty(), "left in the temporary folder: {left:?}");
}

#[test]
fn a_store_listed_again_in_one_process_follows_its_manifest_and_is_listed_once() {
    // One process lists a store many times (once per time window of a question): the
    // listing is kept per manifest, so a run that indexes more must list the new parts, and
    // a store named twice (or through a link) is still read once.
    let logs = Dir::new();
    std::fs::create_dir_all(logs.path().join("EX01")).unwrap();
    let ex01 = sample_logs_dir().join("EX01");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&ex01)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for f in &names[..2] {
        std::fs::copy(f, logs.path().join("EX01").join(f.file_name().unwrap())).unwrap();
    }
    let store = Dir::new();
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .unwrap();
    let parts = |paths: &[PathBuf]| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = msgtrack::ingest::discover(paths)
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        found.sort();
        found
    };
    let first = parts(&[store.path().to_path_buf()]);
    assert_eq!(first, listed_parts(store.path()));
    // Listed again: the same.
    assert_eq!(parts(&[store.path().to_path_buf()]), first);
    // A third log indexed in the same process: its part is listed too.
    std::fs::copy(
        &names[2],
        logs.path().join("EX01").join(names[2].file_name().unwrap()),
    )
    .unwrap();
    index(
        &[logs.path().to_path_buf()],
        store.path(),
        &IndexOptions::default(),
    )
    .unwrap();
    let second = parts(&[store.path().to_path_buf()]);
    assert_eq!(second, listed_parts(store.path()));
    assert!(second.len() > first.len(), "{second:?}");
    // Named twice, and through a link to its folder: each part once.
    #[cfg(unix)]
    {
        let link = Dir::new();
        let linked = link.path().join("store");
        std::os::unix::fs::symlink(store.path(), &linked).unwrap();
        let twice = msgtrack::ingest::discover(&[store.path().to_path_buf(), linked]).unwrap();
        assert_eq!(twice.len(), second.len());
    }
}

#[test]
fn a_line_over_raw_logs_that_held_every_event_points_to_the_store() {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let run = |line: &str, path: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
            .args(["query", line])
            .arg(path)
            .args(["--format", "csv", "--tz", "UTC"])
            .env("MSGTRACK_HINT_RESULTS", "100")
            .output()
            .expect("msgtrack runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let every = "Get-MessageTrackingLog -ResultSize Unlimited | Where EventId -eq RECEIVE | Select Timestamp,Sender";
    let said = run(every, &logs);
    assert!(
        said.contains("results were held in memory") && said.contains("--store DIR"),
        "{said}"
    );
    // From the store the line runs a window at a time; a count holds no events; a read cut
    // at its first 100 holds fewer than the hint's count.
    assert!(!run(every, store.path()).contains("held in memory"));
    let counted = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement";
    assert!(!run(counted, &logs).contains("held in memory"));
    let first = "Get-MessageTrackingLog -ResultSize 99";
    assert!(!run(first, &logs).contains("held in memory"));
}

#[test]
fn the_viewer_refuses_more_rows_than_max_rows_naming_them() {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let rows = crate::util::read(std::slice::from_ref(&logs))
        .frame
        .height();
    let (code, _, err) = crate::util::msgtrack_text(&[
        "tui",
        store.path().to_str().expect("a path"),
        "--max-rows",
        "1000",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("these logs hold {rows} rows")) && err.contains("--max-rows"),
        "{err}"
    );
    // Raw logs: their rows are guessed from their size, and said to be a guess.
    let (code, _, err) =
        crate::util::msgtrack_text(&["tui", logs.to_str().expect("a path"), "--max-rows", "1000"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("these logs hold about "), "{err}");
    // A window: the store's rows of the sources whose times meet it (a source partly in
    // it counts whole), worked out from each file's first and last time.
    let frame = crate::util::read(std::slice::from_ref(&logs)).frame;
    let times = msgtrack::frame::access::timestamps_ms(&frame).expect("times");
    let files =
        msgtrack::frame::access::text_column(&frame, msgtrack::format::Field::File).expect("files");
    let mut spans: std::collections::BTreeMap<String, (i64, i64, usize)> = Default::default();
    for (file, t) in files.iter().zip(&times) {
        let span = spans
            .entry(file.unwrap_or_default().to_string())
            .or_insert((*t, *t, 0));
        *span = (span.0.min(*t), span.1.max(*t), span.2 + 1);
    }
    // 2026-11-20 10:00 to 12:00 UTC.
    let (since, until) = (1_795_168_800_000_i64, 1_795_176_000_000_i64);
    let in_window: usize = spans
        .values()
        .filter(|(first, last, _)| *last >= since && *first < until)
        .map(|(_, _, n)| n)
        .sum();
    assert!(in_window > 0 && in_window < rows, "{in_window} of {rows}");
    let window = |max_rows: usize| {
        crate::util::msgtrack_text(&[
            "tui",
            store.path().to_str().expect("a path"),
            "--since",
            "2026-11-20T10:00:00Z",
            "--until",
            "2026-11-20T12:00:00Z",
            "--tz",
            "UTC",
            "--max-rows",
            &max_rows.to_string(),
        ])
    };
    let (code, _, err) = window(in_window - 1);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "these logs hold {in_window} rows in the window --since/--until"
        )),
        "{err}"
    );
    // Within the bound: not refused (the test has no terminal, which is what it says).
    let (_, _, err) = window(in_window);
    assert!(!err.contains("--max-rows"), "{err}");
    assert!(err.contains("interactive terminal"), "{err}");
}

/// Counts what a read tells its progress.
#[derive(Default)]
struct Told {
    total: std::sync::atomic::AtomicU64,
    done: std::sync::atomic::AtomicU64,
}

impl msgtrack::ingest::Progress for Told {
    fn start(&self, total_bytes: u64) {
        self.total
            .fetch_add(total_bytes, std::sync::atomic::Ordering::Relaxed);
    }
    fn advance(&self, bytes: u64) {
        self.done
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }
    fn finish(&self) {}
}

/// A read of a store moves its progress as a read of the logs does: its total is the bytes
/// of the logs it was made from (the files' sizes), and every part read advances it by
/// its sources' bytes, up to that total — whole reads and reads in batches alike.
#[test]
fn a_store_read_moves_its_progress_to_the_logs_bytes() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let logs = sample_logs_dir();
    let mut bytes = 0u64;
    for server in std::fs::read_dir(&logs).expect("a folder").flatten() {
        let Ok(files) = std::fs::read_dir(server.path()) else {
            continue;
        };
        for f in files.flatten() {
            if f.file_name().to_string_lossy().starts_with("MSGTRK") {
                bytes += f.metadata().expect("size").len();
            }
        }
    }
    assert!(bytes > 0);
    let store = crate::util::indexed(&logs);
    let paths = [store.path().to_path_buf()];
    let told = Arc::new(Told::default());
    let options = msgtrack::ingest::ReadOptions::default().with_progress(told.clone());
    msgtrack::ingest::read_paths(&paths, &options).expect("read");
    assert_eq!(told.total.load(Ordering::Relaxed), bytes);
    assert_eq!(told.done.load(Ordering::Relaxed), bytes);

    let told = Arc::new(Told::default());
    let options = msgtrack::ingest::ReadOptions {
        batch_bytes: Some(1),
        ..msgtrack::ingest::ReadOptions::default().with_progress(told.clone())
    };
    let files = msgtrack::ingest::discover(&paths).expect("found");
    msgtrack::ingest::read_in_batches(
        files,
        &options,
        |_| -> Result<(), msgtrack::ingest::ReadError> { Ok(()) },
    )
    .expect("read");
    assert_eq!(told.total.load(Ordering::Relaxed), bytes);
    assert_eq!(told.done.load(Ordering::Relaxed), bytes);
}

#[test]
fn a_store_read_for_some_keys_decodes_their_rows_text_and_keeps_every_row_in_place() {
    use msgtrack::ingest::{DecodeOnly, ReadOptions, read_paths};
    let store = Dir::new();
    index(&[sample_logs_dir()], store.path(), &IndexOptions::default()).expect("indexed");
    let wanted = |id: &str| id.len().is_multiple_of(2);
    let every = read_paths(&[store.path().to_path_buf()], &ReadOptions::default()).unwrap();
    let some = ReadOptions {
        decode_only: Some(DecodeOnly {
            field: Field::MessageId,
            test: std::sync::Arc::new(wanted),
        }),
        ..ReadOptions::default()
    };
    let read = read_paths(&[store.path().to_path_buf()], &some).unwrap();
    // Every row, in the same order, with its key, time, server and categories.
    assert_eq!(read.frame.height(), every.frame.height());
    for f in [
        Field::MessageId,
        Field::Timestamp,
        Field::Server,
        Field::EventId,
        Field::Source,
    ] {
        assert!(
            read.frame
                .column(f.name())
                .unwrap()
                .equals_missing(every.frame.column(f.name()).unwrap()),
            "{f:?}"
        );
    }
    let ids = crate::util::strings(&every, Field::MessageId);
    let (mut kept, mut spared) = (0, 0);
    for f in [
        Field::Sender,
        Field::MessageSubject,
        Field::Recipients,
        Field::EventData,
        Field::SourceContext,
        Field::RecipientStatus,
    ] {
        let series = |read: &msgtrack::ingest::Ingest| {
            let column = read.frame.column(f.name()).unwrap();
            column.as_materialized_series().clone()
        };
        let (all, got) = (series(&every), series(&read));
        for (i, id) in ids.iter().enumerate() {
            let (a, b) = (all.get(i).unwrap(), got.get(i).unwrap());
            if wanted(id.as_deref().unwrap_or("")) {
                assert_eq!(a, b, "{f:?} of row {i}");
                kept += 1;
            } else {
                assert!(b.is_null(), "{f:?} of row {i} not wanted but read: {b:?}");
                spared += 1;
            }
        }
    }
    // Both kinds of rows were there (the sample day's message ids are of both lengths).
    assert!(kept > 100 && spared > 100, "{kept} kept, {spared} spared");
    // Raw logs decode every row whatever is wanted.
    let raw = read_paths(&[sample_logs_dir()], &some).unwrap();
    let raw_every = read_paths(&[sample_logs_dir()], &ReadOptions::default()).unwrap();
    assert!(raw.frame.equals_missing(&raw_every.frame));
}

#[test]
fn a_format_cmdlet_formats_what_the_line_before_it_gives_run_as_it_runs_alone() {
    // Twenty messages a minute apart from EX01, message i of 1,000 × ((i × 7) mod 20) bytes
    // from s{i}@contoso.com. By hand, the three largest are i = 17 (19,000 bytes), 14 (18,000)
    // and 11 (17,000). The line before the Format cmdlet runs a window of 5 rows at a time;
    // the Format cmdlet gets those three, as it does from the logs.
    let logs = Dir::new();
    let rows: Vec<String> = (0..20)
        .map(|i| {
            row(&[
                (Field::Timestamp, &format!("2026-11-20T10:{i:02}:00.000Z")),
                (Field::EventId, "RECEIVE"),
                (Field::Sender, &format!("s{i}@contoso.com")),
                (Field::TotalBytes, &(1000 * ((i * 7) % 20)).to_string()),
            ])
        })
        .collect();
    logs.write("EX01/MSGTRK2026112010-1.LOG", crate::util::log_text(&rows));
    let store = crate::util::indexed(logs.path());
    let top = "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending | Select-Object -First 3";
    let query = |line: &str, path: &Path, format: &str| {
        crate::util::query_output_with(line, &[path], format, &[("MSGTRACK_WINDOW_ROWS", "5")])
    };
    let table = format!("{top} | Format-Table Sender,TotalBytes -AutoSize");
    assert_eq!(
        query(&table, store.path(), "csv")
            .lines()
            .collect::<Vec<_>>(),
        [
            "Sender,TotalBytes",
            "s17@contoso.com,19000",
            "s14@contoso.com,18000",
            "s11@contoso.com,17000"
        ]
    );
    // Groups formatted by their names and counts: run as the groups alone would run (their
    // elements not kept for the Format cmdlet); by hand, one group of 20.
    let groups = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId";
    assert_eq!(
        query(
            &format!("{groups} | Format-Table Name,Count -AutoSize"),
            store.path(),
            "csv"
        )
        .lines()
        .collect::<Vec<_>>(),
        ["Name,Count", "RECEIVE,20"]
    );
    for line in [
        format!("{groups} | Format-Table Name,Count -AutoSize"),
        format!("{groups} | Format-Table Name,Group"),
        format!("{groups} | Format-List Count,Name"),
        format!("{groups} | Format-List"),
        table,
        format!("{top} | Format-List"),
        format!("{top} | fl Sender, @{{n='KB';e={{$_.TotalBytes / 1000}}}}"),
    ] {
        for format in ["table", "list", "csv", "json"] {
            let from_logs = query(&line, logs.path(), format);
            assert!(
                from_logs.contains("s14@contoso.com") || from_logs.contains("RECEIVE"),
                "{line} {format}: {from_logs}"
            );
            assert_eq!(
                query(&line, store.path(), format),
                from_logs,
                "{line} {format}"
            );
        }
    }
}
