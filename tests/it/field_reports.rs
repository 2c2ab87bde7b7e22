//! The lines a new admin pasted that were refused or answered wrongly (issue "Paste-and-run,
//! never silently wrong"), on a hand-made log whose answers follow from PowerShell's rules:
//! numbers compare as numbers when the left side is one, Measure-Object reports the sum it is
//! asked for, Group-Object's Count/Name feed later stages, calculated properties, the date
//! idioms, cultures, Windows zone IDs and MessageLatency.

use serde_json::Value;

use msgtrack::format::Field;

use crate::util::{Args, Dir, header_2016, log_text, row};

/// Five rows on EX01, times in UTC:
/// 1. 2026-11-19 23:00 FAIL  a@x.com  50 000 bytes
/// 2. 2026-11-20 01:00 FAIL  a@x.com 150 000 bytes
/// 3. 2026-11-20 02:00 FAIL  b@x.com 2 000 000 bytes, two recipients
/// 4. 2026-11-20 03:00 DELIVER, arrived 02:59:00 (SRV=): latency 60 s, EndToEnd
/// 5. 2026-11-20 04:00 SEND, arrived 03:59:30 (LSRV=): latency 30 s, LocalServer
fn logs() -> Dir {
    let at = |t: &str, r: String| r.replacen("2026-11-20T10:00:00.000Z", t, 1);
    let rows = [
        at(
            "2026-11-19T23:00:00.000Z",
            row(&[
                (Field::EventId, "FAIL"),
                (Field::Source, "ROUTING"),
                (Field::Sender, "a@x.com"),
                (Field::Recipients, "r1@y.com"),
                (Field::TotalBytes, "50000"),
            ]),
        ),
        at(
            "2026-11-20T01:00:00.000Z",
            row(&[
                (Field::EventId, "FAIL"),
                (Field::Source, "ROUTING"),
                (Field::Sender, "a@x.com"),
                (Field::Recipients, "r2@y.com"),
                (Field::TotalBytes, "150000"),
            ]),
        ),
        at(
            "2026-11-20T02:00:00.000Z",
            row(&[
                (Field::EventId, "FAIL"),
                (Field::Source, "ROUTING"),
                (Field::Sender, "b@x.com"),
                (Field::Recipients, "r3@y.com;r4@y.com"),
                (Field::TotalBytes, "2000000"),
            ]),
        ),
        at(
            "2026-11-20T03:00:00.000Z",
            row(&[
                (Field::EventId, "DELIVER"),
                (Field::Source, "STOREDRIVER"),
                (Field::Sender, "a@x.com"),
                (Field::Recipients, "r1@y.com"),
                (
                    Field::MessageInfo,
                    "2026-11-20T02:59:00.000Z;SRV=EX01.x.com:TOTAL-HUB=0.2",
                ),
            ]),
        ),
        at(
            "2026-11-20T04:00:00.000Z",
            row(&[
                (Field::EventId, "SEND"),
                (Field::Source, "SMTP"),
                (Field::Sender, "a@x.com"),
                (Field::Recipients, "r5@z.com"),
                (
                    Field::MessageInfo,
                    "2026-11-20T03:59:30.000Z;LSRV=EX01.x.com:TOTAL-SUB=0.1",
                ),
            ]),
        ),
    ];
    // Exchange starts a file per UTC day (or hour) of the events it holds: the first row is
    // the 19th's.
    let dir = Dir::new();
    dir.write(
        "EX01/MSGTRK20261119-1.LOG",
        format!("{}{}\r\n", header_2016(), rows[0]),
    );
    dir.write("EX01/MSGTRK20261120-1.LOG", log_text(&rows[1..]));
    dir
}

/// Runs `line` (UTC, clock at 2026-11-20 12:00 UTC unless `extra` says otherwise) as JSON.
fn json(dir: &Dir, line: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "query",
        line,
        dir.path().to_str().expect("a path"),
        "--format",
        "json",
    ];
    if !extra.contains(&"--tz") {
        args.extend(["--tz", "UTC"]);
    }
    args.extend(["--now", "2026-11-20T12:00:00Z"]);
    args.extend(extra);
    let out = crate::util::msgtrack(Args::default().args(&args));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{line}: {stderr}");
    match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(Value::Array(rows)) => rows,
        Ok(one) => vec![one],
        Err(_) => Vec::new(),
    }
}

fn bytes(rows: &[Value]) -> Vec<i64> {
    rows.iter()
        .map(|r| r["TotalBytes"].as_i64().unwrap_or(-1))
        .collect()
}

#[test]
fn sizes_compare_as_numbers() {
    let d = logs();
    // As text, "50000" -gt "102400" would be true; as numbers only two rows are over 100KB.
    let rows = json(
        &d,
        "Get-MessageTrackingLog -EventId FAIL | Where {$_.TotalBytes -gt 100KB}",
        &[],
    );
    assert_eq!(bytes(&rows), [150000, 2000000]);
    // The right side is converted to the left side's type: a quoted number compares as one.
    let rows = json(
        &d,
        "Get-MessageTrackingLog -EventId FAIL | Where {$_.TotalBytes -gt \"1000000\"}",
        &[],
    );
    assert_eq!(bytes(&rows), [2000000]);
}

#[test]
fn measure_reports_the_sum_it_is_asked_for() {
    let d = logs();
    let m = &json(
        &d,
        "Get-MessageTrackingLog -EventId FAIL | Measure-Object TotalBytes -Sum",
        &[],
    )[0];
    assert_eq!(m["Count"], 3);
    assert_eq!(m["Sum"].as_f64(), Some(2_200_000.0));
    assert_eq!(m["Property"], "TotalBytes");
    assert!(m["Average"].is_null());
}

#[test]
fn group_count_and_name_feed_the_next_stages() {
    let d = logs();
    let out = crate::util::msgtrack(Args::default().args([
        "query",
        "Get-MessageTrackingLog -EventId FAIL | Group-Object Sender | Sort-Object Count -Descending | Format-Table Count,Name",
        d.path().to_str().expect("a path"),
        "--tz",
        "UTC",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    // Format-Table: Count right-aligned (a number), Name left-aligned.
    assert_eq!(
        lines,
        ["Count Name", "----- ----", "    2 a@x.com", "    1 b@x.com"],
        "{text}"
    );
}

#[test]
fn calculated_properties_join_recipients() {
    let d = logs();
    let rows = json(
        &d,
        "Get-MessageTrackingLog -EventId FAIL | Select-Object Timestamp,@{n='To';e={$_.Recipients -join ';'}}",
        &[],
    );
    let to: Vec<&str> = rows
        .iter()
        .map(|r| r["To"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(to, ["r1@y.com", "r2@y.com", "r3@y.com;r4@y.com"]);
    assert_eq!(rows[0].as_object().map(|o| o.len()), Some(2));
}

#[test]
fn the_date_idioms_cultures_and_windows_zones() {
    let d = logs();
    let count = |line: &str, extra: &[&str]| json(&d, line, extra).len();
    // The clock is 2026-11-20 12:00 UTC: "today" starts at 00:00, leaving rows 2-5.
    assert_eq!(
        count("Get-MessageTrackingLog -Start (Get-Date).Date", &[]),
        4
    );
    assert_eq!(
        count("Get-MessageTrackingLog -Start ([datetime]::Today)", &[]),
        4
    );
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start (Get-Date -Hour 0 -Minute 0 -Second 0)",
            &[]
        ),
        4
    );
    // Yesterday at midnight: every row.
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start (Get-Date).AddDays(-1).Date",
            &[]
        ),
        5
    );
    // A UK admin's day-first date, in the en-GB culture; refused in en-US (no 20th month).
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start 20/11/2026",
            &["--culture", "en-GB"]
        ),
        4
    );
    let out = crate::util::msgtrack(Args::default().args([
        "query",
        "Get-MessageTrackingLog -Start 20/11/2026",
        d.path().to_str().expect("a path"),
        "--tz",
        "UTC",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("en-US"));
    // de-DE writes 20.11.2026 and a 24-hour clock; ko-KR year first.
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start '20.11.2026 02:30'",
            &["--culture", "de-DE"]
        ),
        2
    );
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start '2026-11-20 오전 2:30'",
            &["--culture", "ko-KR"]
        ),
        2
    );
    // Berlin is UTC+1 in November: 02:30 there is 01:30 UTC, leaving rows 3-5.
    assert_eq!(
        count(
            "Get-MessageTrackingLog -Start '11/20/2026 2:30 AM'",
            &["--tz", "W. Europe Standard Time"]
        ),
        3
    );
}

#[test]
fn message_latency_as_the_cmdlet_derives_it() {
    let d = logs();
    let rows = json(
        &d,
        "Get-MessageTrackingLog | Select-Object EventId,MessageLatency,MessageLatencyType",
        &[],
    );
    let got: Vec<(String, Option<f64>, String)> = rows
        .iter()
        .map(|r| {
            (
                r["EventId"].as_str().unwrap_or("").to_string(),
                r["MessageLatency"].as_f64(),
                r["MessageLatencyType"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected = [
        ("FAIL", None, "None"),
        ("FAIL", None, "None"),
        ("FAIL", None, "None"),
        ("DELIVER", Some(60.0), "EndToEnd"),
        ("SEND", Some(30.0), "LocalServer"),
    ]
    .map(|(e, l, t)| (e.to_string(), l, t.to_string()));
    assert_eq!(got, expected);
    // Usable in Where and Sort like any TimeSpan.
    let slow = json(
        &d,
        "Get-MessageTrackingLog | Where {$_.MessageLatency -gt [timespan]'00:00:45'} | Select EventId",
        &[],
    );
    assert_eq!(slow.len(), 1);
    assert_eq!(slow[0]["EventId"], "DELIVER");
    let minutes = json(
        &d,
        "Get-MessageTrackingLog -EventId DELIVER | ForEach-Object { $_.MessageLatency.TotalMinutes }",
        &[],
    );
    assert_eq!(minutes.len(), 1);
    assert_eq!(minutes[0].as_f64(), Some(1.0));
}
