//! Files admins already have: Get-MessageTrackingLog exports (every encoding and delimiter
//! Export-Csv writes, dates in the exporting culture, local times in the exporting zone),
//! Exchange Online message trace and historical search, and the hybrid join in `trail`.
//! Expected values are worked out from the exporters' rules (see `other-formats.md`), by hand.

use std::path::Path;

use crate::util::{Dir, msgtrack_text, sample_logs_dir};

/// The columns of a `Get-MessageTrackingLog | Select-Object ... | Export-Csv` used below.
const GMTL_HEADER: [&str; 12] = [
    "PSComputerName",
    "Timestamp",
    "ServerHostname",
    "Source",
    "EventId",
    "MessageId",
    "Recipients",
    "RecipientStatus",
    "TotalBytes",
    "MessageSubject",
    "Sender",
    "EventData",
];

/// Two rows of one message, as an en-US session in Central European time exports them with
/// arrays joined by calculated properties.
fn gmtl_rows_en_us() -> Vec<[&'static str; 12]> {
    vec![
        [
            "EX01.contoso.com",
            "11/20/2026 10:15:01 AM",
            "EX01",
            "SMTP",
            "RECEIVE",
            "<m1@contoso.com>",
            "a@contoso.com;b@contoso.com",
            "",
            "4096",
            "Année, budget; \"Q4\"",
            "s@contoso.com",
            "[DeliveryPriority, Normal]",
        ],
        [
            "EX01.contoso.com",
            "11/20/2026 1:05:00 PM",
            "EX01",
            "STOREDRIVER",
            "DELIVER",
            "<m1@contoso.com>",
            "a@contoso.com;b@contoso.com",
            "250 2.1.5 OK;250 2.1.5 OK",
            "4096",
            "Année, budget; \"Q4\"",
            "s@contoso.com",
            "",
        ],
    ]
}

/// A CSV line as Export-Csv writes it: every cell quoted, quotes doubled.
fn csv_line(cells: &[&str], delimiter: char) -> String {
    cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(&delimiter.to_string())
}

fn table(header: &[&str], rows: &[Vec<&str>], delimiter: char, type_line: bool) -> String {
    let mut text = String::new();
    if type_line {
        text.push_str("#TYPE Selected.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n");
    }
    text.push_str(&csv_line(header, delimiter));
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&csv_line(r, delimiter));
        text.push_str("\r\n");
    }
    text
}

fn gmtl_text(delimiter: char, type_line: bool) -> String {
    let rows: Vec<Vec<&str>> = gmtl_rows_en_us().iter().map(|r| r.to_vec()).collect();
    table(&GMTL_HEADER, &rows, delimiter, type_line)
}

/// The bytes of `text` in an encoding Windows PowerShell's Export-Csv writes.
fn encode(text: &str, encoding: &str) -> Vec<u8> {
    match encoding {
        "utf8-bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        "utf16le" => {
            let mut out = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                out.extend(u.to_le_bytes());
            }
            out
        }
        "utf16be" => {
            let mut out = vec![0xFE, 0xFF];
            for u in text.encode_utf16() {
                out.extend(u.to_be_bytes());
            }
            out
        }
        // Windows-1252: é is 0xE9; the rest of the text is ASCII.
        "1252" => text
            .chars()
            .map(|c| if c == 'é' { 0xE9 } else { c as u8 })
            .collect(),
        other => panic!("no encoding {other}"),
    }
}

/// `query` over `path` as JSON, parsed.
fn query_json(path: &Path, line: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let p = path.to_str().expect("a path");
    let mut args = vec!["query", line, p, "--format", "json"];
    args.extend(extra);
    let (code, out, err) = msgtrack_text(&args);
    assert_eq!(code, 0, "{line}: {err}");
    (serde_json::from_str(&out).expect("json"), err)
}

const SELECT: &str = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,EventId,Recipients,RecipientStatus,MessageSubject,TotalBytes,Server,Line,Origin,EventData";

/// A JSON Timestamp (printed in the --tz zone) as the UTC instant, RFC 3339 with milliseconds.
fn utc(v: &serde_json::Value) -> String {
    let t = v.as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string()
        })
        .unwrap_or_else(|_| format!("not a time: {t}"))
}

/// The two rows, read back: 10:15:01 and 13:05:00 in Berlin (UTC+1 in November) are 09:15:01Z
/// and 12:05:00Z; printed in UTC.
fn check_two_rows(v: &serde_json::Value, first_data_line: u64, context: &str) {
    let rows = v.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{context}: {v}");
    assert_eq!(
        utc(&rows[0]["Timestamp"]),
        "2026-11-20T09:15:01.000Z",
        "{context}"
    );
    assert_eq!(
        utc(&rows[1]["Timestamp"]),
        "2026-11-20T12:05:00.000Z",
        "{context}"
    );
    assert_eq!(rows[0]["EventId"], "RECEIVE", "{context}");
    assert_eq!(
        rows[1]["Recipients"],
        serde_json::json!(["a@contoso.com", "b@contoso.com"]),
        "{context}"
    );
    assert_eq!(
        rows[1]["RecipientStatus"],
        serde_json::json!(["250 2.1.5 OK", "250 2.1.5 OK"]),
        "{context}"
    );
    assert_eq!(
        rows[0]["MessageSubject"], "Année, budget; \"Q4\"",
        "{context}"
    );
    assert_eq!(rows[0]["TotalBytes"], 4096, "{context}");
    // PSComputerName names the server (its first label), not the folder.
    assert_eq!(rows[0]["Server"], "EX01", "{context}");
    assert_eq!(rows[0]["Origin"], "OnPremises", "{context}");
    assert_eq!(rows[0]["Line"], first_data_line, "{context}");
    assert_eq!(rows[1]["Line"], first_data_line + 1, "{context}");
    assert_eq!(
        rows[0]["EventData"],
        serde_json::json!([{"Key": "DeliveryPriority", "Value": "Normal"}]),
        "{context}"
    );
}

#[test]
fn a_tracking_export_reads_the_same_in_every_encoding_and_delimiter() {
    for encoding in ["utf8-bom", "utf16le", "utf16be", "1252"] {
        for delimiter in [',', ';', '\t'] {
            for type_line in [false, true] {
                let dir = Dir::new();
                let file = dir.write(
                    "folder/export.csv",
                    encode(&gmtl_text(delimiter, type_line), encoding),
                );
                let (v, err) = query_json(
                    &file,
                    SELECT,
                    &["--tz", "W. Europe Standard Time", "--culture", "en-US"],
                );
                let context = format!("{encoding} {delimiter:?} #TYPE {type_line}: {err}");
                check_two_rows(&v, if type_line { 3 } else { 2 }, &context);
                assert!(
                    err.contains("read as a Get-MessageTrackingLog export"),
                    "{context}"
                );
            }
        }
    }
}

#[test]
fn the_exporting_culture_is_found_from_the_dates_or_refused_when_they_allow_two() {
    // de-DE writes dd.MM.yyyy HH:mm:ss: only one culture reads "20.11.2026 13:05:00".
    let rows: Vec<Vec<&str>> = gmtl_rows_en_us()
        .iter()
        .zip(["20.11.2026 10:15:01", "20.11.2026 13:05:00"])
        .map(|(r, t)| {
            let mut r = r.to_vec();
            r[1] = t;
            r
        })
        .collect();
    let dir = Dir::new();
    let file = dir.write("export.csv", table(&GMTL_HEADER, &rows, ';', false));
    let (v, err) = query_json(&file, SELECT, &["--tz", "Europe/Berlin"]);
    check_two_rows(&v, 2, &err);

    // Day ≤ 12 and a 24-hour clock: en-US reads 4 March, en-GB 3 April. Refused, not guessed;
    // with --culture en-GB it is 3 April 10:00 in Berlin (CEST, UTC+2) = 08:00Z.
    let rows: Vec<Vec<&str>> = gmtl_rows_en_us()
        .iter()
        .zip(["03/04/2026 10:00:00", "05/06/2026 11:00:00"])
        .map(|(r, t)| {
            let mut r = r.to_vec();
            r[1] = t;
            r
        })
        .collect();
    let file = dir.write(
        "ambiguous/export.csv",
        table(&GMTL_HEADER, &rows, ',', false),
    );
    let (code, _, err) = msgtrack_text(&["ingest", file.to_str().expect("a path")]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("read differently")
            && err.contains("en-US")
            && err.contains("en-GB")
            && err.contains("--culture"),
        "{err}"
    );
    let (v, err) = query_json(
        &file,
        SELECT,
        &["--tz", "Europe/Berlin", "--culture", "en-GB"],
    );
    assert_eq!(utc(&v[0]["Timestamp"]), "2026-04-03T08:00:00.000Z", "{err}");

    // Dates no culture reads refuse the file.
    let rows: Vec<Vec<&str>> = gmtl_rows_en_us()
        .iter()
        .map(|r| {
            let mut r = r.to_vec();
            r[1] = "tomorrow at noon";
            r
        })
        .collect();
    let file = dir.write("bad/export.csv", table(&GMTL_HEADER, &rows, ',', false));
    let (code, _, err) = msgtrack_text(&["ingest", file.to_str().expect("a path")]);
    assert!(
        err.contains("'tomorrow at noon'") && err.contains("none of the cultures"),
        "{err}"
    );
    assert_ne!(code, 0, "a refused file is not a clean read: {err}");
}

#[test]
fn a_bad_timestamp_loses_its_row_only_and_is_named_by_line() {
    let mut rows: Vec<Vec<&str>> = gmtl_rows_en_us().iter().map(|r| r.to_vec()).collect();
    let mut broken = rows[0].clone();
    broken[1] = "11/31/2026 10:00:00 AM"; // 31 November does not exist
    rows.insert(1, broken);
    let dir = Dir::new();
    let file = dir.write("export.csv", table(&GMTL_HEADER, &rows, ',', false));
    let (v, err) = query_json(
        &file,
        SELECT,
        &["--tz", "Europe/Berlin", "--culture", "en-US"],
    );
    let got = v.as_array().expect("rows");
    assert_eq!(got.len(), 2, "{err}");
    assert_eq!(got[0]["Line"], 2);
    assert_eq!(got[1]["Line"], 4);
    assert!(
        err.contains("export.csv:3") && err.contains("'11/31/2026 10:00:00 AM'"),
        "the bad row is named by its line: {err}"
    );
}

#[test]
fn arrays_lost_as_type_names_are_said_once_and_the_rows_kept() {
    let rows: Vec<Vec<&str>> = gmtl_rows_en_us()
        .iter()
        .map(|r| {
            let mut r = r.to_vec();
            r[6] = "System.String[]";
            r[7] = "System.String[]";
            r
        })
        .collect();
    let dir = Dir::new();
    let file = dir.write("export.csv", table(&GMTL_HEADER, &rows, ',', false));
    let (v, err) = query_json(
        &file,
        SELECT,
        &["--tz", "Europe/Berlin", "--culture", "en-US"],
    );
    let got = v.as_array().expect("rows");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["Recipients"], serde_json::json!([]));
    assert_eq!(
        err.matches("System.String[]").count(),
        1,
        "one warning: {err}"
    );
    assert!(
        err.contains("Recipients, RecipientStatus") || err.contains("Recipients"),
        "{err}"
    );
}

#[test]
fn an_unknown_table_is_refused_in_one_sentence_naming_its_columns() {
    let dir = Dir::new();
    let file = dir.write(
        "mailboxes.csv",
        "\"DisplayName\",\"PrimarySmtpAddress\",\"Database\"\r\n\"Lee\",\"lee@contoso.com\",\"DB1\"\r\n",
    );
    let (code, _, err) = msgtrack_text(&["ingest", file.to_str().expect("a path")]);
    assert_ne!(code, 0);
    assert!(
        err.contains("a table msgtrack does not know")
            && err.contains("DisplayName, PrimarySmtpAddress, Database"),
        "{err}"
    );
}

#[test]
fn message_trace_keeps_status_as_event_data_and_drops_paged_duplicates() {
    // Get-MessageTrace (V1) pages can repeat a row; Status is not an event.
    let header = [
        "Received",
        "SenderAddress",
        "RecipientAddress",
        "Subject",
        "Status",
        "ToIP",
        "FromIP",
        "Size",
        "MessageId",
        "MessageTraceId",
    ];
    let row = vec![
        "11/20/2026 9:15:03 AM",
        "a@contoso.com",
        "b@fabrikam.com",
        "Hi",
        "Failed",
        "",
        "10.0.0.1",
        "1000",
        "<t1@contoso.com>",
        "7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e00",
    ];
    let dir = Dir::new();
    let file = dir.write(
        "trace.csv",
        table(&header, &[row.clone(), row.clone()], ',', true),
    );
    let (v, err) = query_json(
        &file,
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,EventId,Recipients,Origin,EventData",
        &["--tz", "UTC", "--culture", "en-US"],
    );
    let got = v.as_array().expect("rows");
    assert_eq!(got.len(), 1, "the paged duplicate is dropped: {err}");
    // Message trace times are UTC.
    assert_eq!(utc(&got[0]["Timestamp"]), "2026-11-20T09:15:03.000Z");
    assert_eq!(
        got[0]["EventId"],
        serde_json::Value::Null,
        "no invented event: {v}"
    );
    assert_eq!(got[0]["Origin"], "ExchangeOnline");
    let data = got[0]["EventData"].as_array().expect("event data");
    assert!(
        data.iter()
            .any(|kv| kv["Key"] == "Status" && kv["Value"] == "Failed"),
        "{v}"
    );
    // No -EventId FAIL row exists: the outcome is not an event Exchange wrote (exit 1: none).
    let (code, out, err) = msgtrack_text(&[
        "query",
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited",
        file.to_str().expect("a path"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.trim(), "[]");
}

fn sample_exports() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-exports")
}

#[test]
fn trail_joins_the_two_halves_of_a_hybrid_message() {
    let dir = sample_exports();
    let id = "<a1f0c2d3e4b5a6978812aa34bc56de78@contoso.com>";
    let (code, out, err) = msgtrack_text(&[
        "trail",
        dir.to_str().expect("a path"),
        "--message-id",
        id,
        "--tz",
        "W. Europe Standard Time",
    ]);
    assert_eq!(code, 0, "{err}");
    // The on-premises SEND leaves EX01 at 10:15:03 Berlin; Exchange Online receives at
    // 09:15:03.4104Z = 10:15:03.410 Berlin (7 digits kept to the millisecond): 0.410 s.
    let send = out.find("EX01    SMTP        SEND").expect("the SEND");
    let receive = out
        .find("EXO:AM0PR04MB7000 SMTP        RECEIVE")
        .expect("the RECEIVE");
    let deliver = out.find("STOREDRIVER DELIVER").expect("the DELIVER");
    assert!(send < receive && receive < deliver, "{out}");
    assert!(out.contains("2026-11-20 10:15:03.410"), "{out}");
    assert!(
        out.contains("Hybrid hop to Exchange Online: EX01 → AM0PR04MB7000 in 0.410s"),
        "{out}"
    );
    assert!(
        out.contains("Delivered"),
        "the trace's outcome is listed: {out}"
    );
}

#[test]
fn trail_names_the_missing_half() {
    let dir = Dir::new();
    let from = sample_exports().join("EX01-tracking-export.csv");
    let only = dir.write(
        "EX01-tracking-export.csv",
        std::fs::read(&from).expect("the sample export"),
    );
    let (code, out, err) = msgtrack_text(&[
        "trail",
        only.to_str().expect("a path"),
        "--message-id",
        "<a1f0c2d3e4b5a6978812aa34bc56de78@contoso.com>",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Hybrid hop to Exchange Online: sent by EX01 at 2026-11-20 10:15:03.000")
            && out.contains("the receiving side's RECEIVE is not in the files given"),
        "the Exchange Online half is named as missing: {out}"
    );
}

/// msgtrack's own Export-Csv (arrays joined by calculated properties, as the README tells
/// admins to export) reads back as the rows it was made from.
#[test]
fn an_export_made_by_export_csv_reads_back_as_its_rows() {
    let logs = sample_logs_dir().join("EX01");
    let dir = Dir::new();
    let out = dir.path().join("export.csv");
    let export = format!(
        "Get-MessageTrackingLog -Server EX01 -ResultSize Unlimited | Select-Object Timestamp,EventId,Source,MessageId,@{{n='Recipients';e={{$_.Recipients -join ';'}}}},@{{n='RecipientStatus';e={{$_.RecipientStatus -join ';'}}}},TotalBytes,Sender,MessageSubject | Export-Csv '{}' -NoTypeInformation -Encoding UTF8",
        out.display()
    );
    let (code, _, err) = msgtrack_text(&[
        "query",
        &export,
        logs.to_str().expect("a path"),
        "--tz",
        "Asia/Tokyo",
        "--culture",
        "de-DE",
    ]);
    assert_eq!(code, 0, "{err}");
    let pick = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,EventId,Source,MessageId,Recipients,TotalBytes,Sender,MessageSubject";
    let (original, _) = query_json(&logs, pick, &["--tz", "UTC"]);
    let (back, err) = query_json(&out, pick, &["--tz", "Asia/Tokyo", "--culture", "de-DE"]);
    let (a, b) = (
        original.as_array().expect("rows"),
        back.as_array().expect("rows"),
    );
    assert_eq!(a.len(), b.len(), "{err}");
    assert!(a.len() > 100);
    for (x, y) in a.iter().zip(b) {
        // Export-Csv writes times to the second: compare at that precision, in UTC.
        let second = |v: &serde_json::Value| {
            let t = v["Timestamp"].as_str().unwrap_or_default();
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp())
                .unwrap_or(i64::MIN)
        };
        assert_eq!(second(x), second(y), "{x} / {y}");
        for key in [
            "EventId",
            "Source",
            "MessageId",
            "Recipients",
            "TotalBytes",
            "Sender",
            "MessageSubject",
        ] {
            assert_eq!(x[key], y[key], "{key}: {x} / {y}");
        }
    }
}

/// A Get-MessageTraceV2 export of three recipients on two days, en-US, times UTC.
fn trace_v2_file(dir: &Dir) -> std::path::PathBuf {
    let header = [
        "Received",
        "SenderAddress",
        "RecipientAddress",
        "Subject",
        "Status",
        "ToIP",
        "FromIP",
        "Size",
        "MessageId",
        "MessageTraceId",
    ];
    let rows = vec![
        vec![
            "11/19/2026 8:00:00 AM",
            "a@contoso.com",
            "x@fabrikam.com",
            "Invoice 7",
            "Delivered",
            "203.0.113.9",
            "10.0.0.1",
            "2000",
            "<i7@contoso.com>",
            "11111111-1111-1111-1111-111111111111",
        ],
        vec![
            "11/20/2026 9:30:00 AM",
            "b@contoso.com",
            "y@contoso.com",
            "Weekly report",
            "Failed",
            "",
            "10.0.0.2",
            "3000",
            "<w1@contoso.com>",
            "22222222-2222-2222-2222-222222222222",
        ],
        vec![
            "11/20/2026 10:45:00 PM",
            "a@contoso.com",
            "z@contoso.com",
            "Re: Invoice 7",
            "Delivered",
            "",
            "10.0.0.1",
            "4000",
            "<i8@contoso.com>",
            "33333333-3333-3333-3333-333333333333",
        ],
    ];
    dir.write(
        "trace/MessageTraceV2.csv",
        table(&header, &rows, ',', false),
    )
}

fn trace_query(file: &Path, line: &str) -> (i32, Vec<serde_json::Value>, String) {
    let (code, out, err) = msgtrack_text(&[
        "query",
        line,
        file.to_str().expect("a path"),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--culture",
        "en-US",
        "--now",
        "2026-11-21T12:00:00Z",
    ]);
    let rows = serde_json::from_str::<serde_json::Value>(&out)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    (code, rows, err)
}

#[test]
fn get_message_trace_answers_from_a_trace_export_with_its_own_parameters() {
    let dir = Dir::new();
    let file = trace_v2_file(&dir);
    let subjects = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["Subject"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // No dates: the last 48 hours before --now (2026-11-19 12:00Z .. 2026-11-21 12:00Z), newest
    // first: the 08:00 row of the 19th is outside.
    let (code, rows, err) = trace_query(&file, "Get-MessageTraceV2");
    assert_eq!(code, 0, "{err}");
    assert_eq!(subjects(&rows), ["Re: Invoice 7", "Weekly report"], "{err}");
    assert!(err.contains("last 48 hours"), "{err}");
    // Wildcard sender, several statuses, dates in the en-US culture (UTC with --tz UTC).
    let (_, rows, _) = trace_query(
        &file,
        "Get-MessageTraceV2 -SenderAddress *@CONTOSO.com -Status Delivered,Failed -StartDate 11/18/2026 -EndDate 11/21/2026",
    );
    assert_eq!(
        subjects(&rows),
        ["Re: Invoice 7", "Weekly report", "Invoice 7"]
    );
    assert_eq!(rows[0]["Received"], "2026-11-20T22:45:00.000Z");
    assert_eq!(rows[0]["Size"], 4000);
    let (_, rows, _) = trace_query(
        &file,
        "Get-MessageTraceV2 -Subject 'invoice 7' -SubjectFilterType StartsWith -StartDate 11/18/2026 -EndDate 11/21/2026",
    );
    assert_eq!(subjects(&rows), ["Invoice 7"]);
    let (_, rows, _) = trace_query(
        &file,
        "Get-MessageTraceV2 -MessageId i8@contoso.com -StartDate 11/18/2026 -EndDate 11/21/2026 | Select-Object RecipientAddress,Status",
    );
    assert_eq!(
        rows,
        [serde_json::json!({"RecipientAddress": "z@contoso.com", "Status": "Delivered"})]
    );
    // -ResultSize cuts the newest first and says so.
    let (_, rows, err) = trace_query(
        &file,
        "Get-MessageTraceV2 -ResultSize 1 -StartDate 11/18/2026 -EndDate 11/21/2026",
    );
    assert_eq!(subjects(&rows), ["Re: Invoice 7"]);
    assert!(err.contains("1 of 3 shown"), "{err}");
    // V1 pages.
    let (_, rows, _) = trace_query(
        &file,
        "Get-MessageTrace -PageSize 2 -Page 2 -StartDate 11/18/2026 -EndDate 11/21/2026",
    );
    assert_eq!(subjects(&rows), ["Invoice 7"]);
}

#[test]
fn get_message_trace_refuses_what_exchange_online_refuses() {
    let dir = Dir::new();
    let file = trace_v2_file(&dir);
    for (line, says) in [
        ("Get-MessageTrace -Subject x", "no parameter -Subject"),
        ("Get-MessageTraceV2 -PageSize 10", "no parameter -PageSize"),
        ("Get-MessageTraceV2 -ResultSize 6000", "1 to 5000"),
        (
            "Get-MessageTraceV2 -Status Bounced",
            "not a message-trace status",
        ),
        (
            "Get-MessageTraceV2 -StartDate 11/18/2026",
            "both -StartDate and -EndDate",
        ),
        (
            "Get-MessageTraceV2 -Subject x -SubjectFilterType Like",
            "Contains, StartsWith, EndsWith",
        ),
    ] {
        let (code, _, err) = trace_query(&file, line);
        assert_eq!(code, 2, "{line}: {err}");
        assert!(err.contains(says), "{line}: {err}");
    }
    // Tracking logs are not message trace.
    let logs = sample_logs_dir();
    let (code, _, err) = trace_query(&logs, "Get-MessageTraceV2");
    assert_eq!(code, 2);
    assert!(err.contains("use Get-MessageTrackingLog"), "{err}");
}

/// The README's advice for a CSV that loses nothing, run as written over EX01's logs, reads
/// back as the logs' rows: every column it names, times to the millisecond.
#[test]
fn the_readme_lossless_export_loses_nothing() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("the README");
    let start = readme
        .find("```powershell\nGet-MessageTrackingLog -ResultSize Unlimited")
        .expect("the README's export block");
    let block = &readme[start + "```powershell\n".len()..];
    let block = &block[..block.find("```").expect("the block's end")];
    let dir = Dir::new();
    let out = dir.path().join("EX01-tracking.csv");
    let line = block
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace("EX01-tracking.csv", &out.display().to_string());
    let logs = sample_logs_dir().join("EX01");
    let (code, _, err) = msgtrack_text(&[
        "query",
        &line,
        logs.to_str().expect("a path"),
        "--now",
        "2026-11-21T00:00:00Z",
        "--tz",
        "America/New_York",
    ]);
    assert_eq!(code, 0, "{line}: {err}");
    let pick = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Timestamp,EventId,Source,Sender,Recipients,RecipientStatus,Reference,MessageId,InternalMessageId,NetworkMessageId,MessageSubject,TotalBytes,RecipientCount,ServerHostname,ClientHostname,ClientIp,ServerIp,ConnectorId,SourceContext,ReturnPath,Directionality,EventData";
    let (original, _) = query_json(&logs, pick, &["--tz", "UTC"]);
    let (back, err) = query_json(&out, pick, &["--tz", "UTC"]);
    assert!(err.contains("carry their UTC offset"), "{err}");
    let (a, b) = (
        original.as_array().expect("rows"),
        back.as_array().expect("rows"),
    );
    assert!(a.len() > 100);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y);
    }
}

#[test]
fn export_csv_append_writes_the_type_line_and_header_only_to_a_new_or_empty_file() {
    // PowerShell's Export-Csv appends (no #TYPE line, no header) only when -Append finds the
    // file with content; a new or empty file gets them, -NoTypeInformation or not.
    let dir = Dir::new();
    let logs = sample_logs_dir();
    let logs = logs.to_str().expect("a path");
    let run = |file: &str, switches: &str| {
        let path = dir.path().join(file);
        let line = format!(
            "Get-MessageTrackingLog -EventId FAIL -ResultSize 2 | Select-Object EventId,TotalBytes | Export-Csv '{}' {switches}",
            path.display()
        );
        let (code, _, err) = msgtrack_text(&["query", &line, logs, "--tz", "UTC"]);
        assert_eq!(code, 0, "{line}: {err}");
        std::fs::read_to_string(&path).expect("written")
    };
    // (A byte-order mark, when the encoding has one, starts the file.)
    let lines = |text: &str| {
        text.trim_start_matches('\u{feff}')
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // Twice with -Append and -NoTypeInformation: one header, four rows.
    run("a.csv", "-NoTypeInformation -Append");
    let twice = lines(&run("a.csv", "-NoTypeInformation -Append"));
    assert_eq!(twice.len(), 5, "{twice:?}");
    assert_eq!(twice[0], "\"EventId\",\"TotalBytes\"");
    assert!(
        twice[1..].iter().all(|l| l.starts_with("\"FAIL\",")),
        "{twice:?}"
    );
    // A new file with -Append alone: the #TYPE line and the header; then rows only.
    let first = lines(&run("b.csv", "-Append"));
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(first[0].starts_with("#TYPE "), "{first:?}");
    assert_eq!(first[1], "\"EventId\",\"TotalBytes\"");
    let second = lines(&run("b.csv", "-Append"));
    assert_eq!(second.len(), 6, "{second:?}");
    assert_eq!(second.iter().filter(|l| l.starts_with("#TYPE")).count(), 1);
    // An empty file counts as new.
    std::fs::write(dir.path().join("c.csv"), b"").expect("written");
    let empty = lines(&run("c.csv", "-NoTypeInformation -Append"));
    assert_eq!(empty[0], "\"EventId\",\"TotalBytes\"");
    assert_eq!(empty.len(), 3, "{empty:?}");
}

#[test]
fn export_csv_append_writes_under_the_file_s_header_in_its_encoding_and_no_clobber_refuses_a_file_there()
 {
    // Windows PowerShell 5.1's Export-Csv (CSVCommands.cs): -Append to a file with text
    // reads its header (past a #TYPE line) and writes the object's values in that order,
    // dropping other properties; a header column the object lacks stops it unless -Force
    // (then empty); the file's byte-order mark gives the encoding; a file of a byte-order
    // mark alone counts as new. -NoClobber without -Append refuses a file that is there.
    let dir = Dir::new();
    let logs = sample_logs_dir();
    let logs = logs.to_str().expect("a path");
    let run = |file: &str, tail: &str| {
        let path = dir.path().join(file);
        let line = format!(
            "Get-MessageTrackingLog -EventId FAIL -ResultSize 2 | Select-Object EventId,TotalBytes,Sender | {}",
            tail.replace("{}", &path.display().to_string())
        );
        let (code, _, err) = msgtrack_text(&["query", &line, logs, "--tz", "UTC"]);
        (code, err)
    };
    let read = |file: &str| std::fs::read(dir.path().join(file)).expect("there");
    let utf8_lines = |bytes: &[u8]| -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    };
    let quoted_number = |cell: &str| {
        cell.len() > 2
            && cell.starts_with('"')
            && cell.ends_with('"')
            && cell[1..cell.len() - 1].chars().all(|c| c.is_ascii_digit())
    };

    // The file's order, Sender dropped, no #TYPE line or header again, one BOM.
    std::fs::write(
        dir.path().join("order.csv"),
        "\u{feff}\"TotalBytes\",\"EventId\"\r\n\"1\",\"X\"\r\n",
    )
    .expect("written");
    let (code, err) = run("order.csv", "Export-Csv '{}' -Append");
    assert_eq!(code, 0, "{err}");
    let lines = utf8_lines(&read("order.csv"));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "\u{feff}\"TotalBytes\",\"EventId\"");
    assert_eq!(lines[1], "\"1\",\"X\"");
    for l in &lines[2..] {
        let (bytes, event) = l.split_once(',').expect("two cells");
        assert!(quoted_number(bytes), "{l}");
        assert_eq!(event, "\"FAIL\"", "{l}");
    }

    // A header column the objects lack: refused, the file as it was; -Force writes it empty.
    let there = "#TYPE Selected.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n\"EventId\",\"Recipients\"\r\n";
    std::fs::write(dir.path().join("lacks.csv"), there).expect("written");
    let (code, err) = run("lacks.csv", "Export-Csv '{}' -Append");
    assert_ne!(code, 0);
    assert!(
        err.contains(
            "does not have a property that corresponds to the following column: Recipients"
        ),
        "{err}"
    );
    assert_eq!(read("lacks.csv"), there.as_bytes());
    let (code, err) = run("lacks.csv", "Export-Csv '{}' -Append -Force");
    assert_eq!(code, 0, "{err}");
    let lines = utf8_lines(&read("lacks.csv"));
    assert_eq!(lines[2..], ["\"FAIL\",", "\"FAIL\","], "{lines:?}");

    // A UTF-16 file is appended to in UTF-16, whatever -Encoding says.
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() };
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(utf16("\"EventId\"\r\n"));
    std::fs::write(dir.path().join("wide.csv"), &bytes).expect("written");
    let (code, err) = run("wide.csv", "Export-Csv '{}' -Append -Encoding UTF8");
    assert_eq!(code, 0, "{err}");
    let mut expected = bytes.clone();
    expected.extend(utf16("\"FAIL\"\r\n\"FAIL\"\r\n"));
    assert_eq!(read("wide.csv"), expected);

    // A byte-order mark alone: written as a new file (the #TYPE line, the header), one BOM.
    std::fs::write(dir.path().join("bom.csv"), "\u{feff}").expect("written");
    let (code, err) = run("bom.csv", "Export-Csv '{}' -Append");
    assert_eq!(code, 0, "{err}");
    let lines = utf8_lines(&read("bom.csv"));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}#TYPE "), "{lines:?}");
    assert_eq!(lines[1], "\"EventId\",\"TotalBytes\",\"Sender\"");

    // -NoClobber: a new file is written; one that is there is refused unless appended to.
    let (code, err) = run("new.csv", "Export-Csv '{}' -NoClobber -NoTypeInformation");
    assert_eq!(code, 0, "{err}");
    let written = read("new.csv");
    assert_eq!(utf8_lines(&written).len(), 3);
    let (code, err) = run("new.csv", "Export-Csv '{}' -NoClobber");
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(read("new.csv"), written);
    let (code, err) = run("new.csv", "Export-Csv '{}' -NoClobber -Append");
    assert_eq!(code, 0, "{err}");
    assert_eq!(utf8_lines(&read("new.csv")).len(), 5);
    // Out-File likewise; Set-Content has no -NoClobber.
    let (code, err) = run("new.csv", "Out-File '{}' -NoClobber");
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    let (code, err) = run("other.txt", "Set-Content '{}' -NoClobber");
    assert_ne!(code, 0);
    assert!(err.contains("no parameter -NoClobber"), "{err}");
}
