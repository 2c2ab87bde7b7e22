//! Bad input loses nothing and is named: every problem is reported as `file:line: …`, the
//! line is counted, and the good rows around it are kept.

use msgtrack::format::Field;
use msgtrack::frame::access;
use msgtrack::ingest::{DiagnosticKind, Severity};

use crate::util::{Dir, header_2016, log_text, msgtrack_text, read_one, row, strings};

fn good(event: &str) -> String {
    row(&[(Field::EventId, event)])
}

#[test]
fn each_kind_of_bad_line_is_named_and_good_rows_are_kept() {
    let dir = Dir::new();
    let lines = [
        good("RECEIVE"),                // line 6
        good("SEND")[..40].to_string(), // 7: cut short
        row(&[
            (Field::EventId, "SEND"),
            (Field::MessageSubject, "\"never closed"),
        ]), // 8: unterminated quote
        row(&[
            (Field::EventId, "SEND"),
            (Field::MessageSubject, "\"closed\"x"),
        ]), // 9: text after closing quote
        good("SEND").replacen("2026-11-20T10", "2026-13-20T10", 1), // 10: month 13
        good("SEND").replacen("2026-11-20T10:00:00.000Z", "yesterday", 1), // 11
        format!("{},extra", good("SEND")), // 12: 31 fields
        "# a comment someone added".to_string(), // 13
        good("DELIVER"),                // 14
    ];
    let path = dir.write("bad.log", log_text(&lines));
    let ingest = read_one(&path);
    assert_eq!(
        strings(&ingest, Field::EventId),
        vec![Some("RECEIVE".into()), Some("DELIVER".into())]
    );
    assert_eq!(
        access::integers(&ingest.frame, Field::Line).unwrap(),
        vec![Some(6), Some(14)]
    );
    assert_eq!(ingest.bad_lines(), 7);
    assert_eq!(ingest.files[0].bad_lines, 7);
    let by_line: Vec<(u64, DiagnosticKind)> = ingest
        .diagnostics
        .iter()
        .map(|d| (d.line.unwrap(), d.kind))
        .collect();
    assert_eq!(
        by_line,
        vec![
            (7, DiagnosticKind::FieldCount),
            (8, DiagnosticKind::Quoting),
            (9, DiagnosticKind::Quoting),
            (10, DiagnosticKind::Timestamp),
            (11, DiagnosticKind::Timestamp),
            (12, DiagnosticKind::FieldCount),
            (13, DiagnosticKind::StrayHashLine),
        ]
    );
    // Each message names the place and says what was done.
    let text: Vec<String> = ingest.diagnostics.iter().map(|d| d.to_string()).collect();
    let place = format!("{}:8: error: broken quoting", path.display());
    assert!(text[1].starts_with(&place), "{}", text[1]);
    assert!(
        text[3].contains("'2026-13-20T10:00:00.000Z' is not a real date"),
        "{}",
        text[3]
    );
    assert!(
        text[4].contains("is not a UTC time of the form yyyy-MM-ddTHH:mm:ss.fffZ"),
        "{}",
        text[4]
    );
    assert!(
        text[5].contains("has 31 fields but the #Fields header declares 30"),
        "{}",
        text[5]
    );
    assert!(
        text.iter().take(7).all(|t| t.contains("skipped")),
        "{text:#?}"
    );
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning_and_kept() {
    let dir = Dir::new();
    let mut bytes = header_2016().into_bytes();
    bytes.extend(good("RECEIVE").as_bytes());
    bytes.extend(b"\r\n");
    let mut bad = row(&[
        (Field::EventId, "SEND"),
        (Field::MessageSubject, "Caf\u{e9}"),
    ])
    .into_bytes();
    // Replace the UTF-8 "é" (C3 A9) by the Latin-1 byte E9 alone.
    let at = bad.windows(2).position(|w| w == [0xC3, 0xA9]).unwrap();
    bad.splice(at..at + 2, [0xE9]);
    bytes.extend(&bad);
    bytes.extend(b"\r\n");
    let ingest = read_one(&dir.write("latin1.log", bytes));
    assert_eq!(ingest.frame.height(), 2);
    assert_eq!(
        strings(&ingest, Field::MessageSubject)[1].as_deref(),
        Some("Caf\u{fffd}")
    );
    let warning = ingest
        .diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::InvalidUtf8)
        .unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.line, Some(7));
    assert_eq!(ingest.files[0].warned_lines, 1);
    assert_eq!(ingest.bad_lines(), 0);
}

#[test]
fn a_non_number_in_total_bytes_keeps_the_row() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "SEND"),
        (Field::TotalBytes, "12kB"),
        (Field::RecipientCount, "2"),
    ]);
    let ingest = read_one(&dir.write("n.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(ingest.frame.height(), 1);
    assert_eq!(
        access::integers(&ingest.frame, Field::TotalBytes).unwrap(),
        vec![None]
    );
    assert_eq!(
        access::integers(&ingest.frame, Field::RecipientCount).unwrap(),
        vec![Some(2)]
    );
    let d = ingest
        .diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::Number)
        .unwrap();
    assert!(
        d.message
            .contains("total-bytes '12kB' is not a whole number"),
        "{d}"
    );
}

/// `msgtrack ingest` decodes only the columns its report needs; every problem a full read
/// finds is still counted and named: bad lines, the number warning, the lines, rows and
/// event counts (worked out from the lines written).
#[test]
fn ingest_reports_every_problem_a_full_read_finds() {
    let dir = Dir::new();
    let lines = [
        good("RECEIVE"),                                               // 6
        good("SEND")[..40].to_string(),                                // 7: cut short
        good("SEND").replacen("2026-11-20T10", "2026-13-20T10", 1),    // 8: month 13
        row(&[(Field::EventId, "SEND"), (Field::TotalBytes, "12kB")]), // 9: kept, warned
        good("DELIVER"),                                               // 10
        good("DELIVER"),                                               // 11
    ];
    let path = dir.write("MSGTRK2026112010-1.LOG", log_text(&lines));
    let (code, out, _) = msgtrack_text(&["ingest", "--json", path.to_str().expect("a path")]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let file = &report["files"][0];
    assert_eq!(file["rows"], 4);
    assert_eq!(file["bad_lines"], 2);
    assert_eq!(file["warned_lines"], 1);
    assert_eq!(
        file["events"],
        serde_json::json!({"RECEIVE": 1, "SEND": 1, "DELIVER": 2})
    );
    let said: Vec<(u64, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            (7, "FieldCount".to_string()),
            (8, "Timestamp".to_string()),
            (9, "Number".to_string())
        ]
    );
}

#[test]
fn a_fields_line_naming_no_tracking_field_is_refused_or_reported() {
    let dir = Dir::new();
    // At the top: the whole file is something else.
    let other = "#Software: Something\n#Fields: c-ip,cs-method,cs-uri-stem\n1.2.3.4,GET,/\n";
    let ingest = read_one(&dir.write("iis.log", other));
    let reason = ingest.refused().next().unwrap().refused.clone().unwrap();
    assert!(
        reason.contains("#Fields line names none of the tracking-log fields"),
        "{reason}"
    );

    // In the middle of a tracking log: reported at its line; later rows mapped by width.
    let text = format!(
        "{}{}\r\n#Fields: a,b,c\r\n{}\r\n",
        header_2016(),
        good("RECEIVE"),
        good("SEND")
    );
    let ingest = read_one(&dir.write("mid.log", text));
    assert_eq!(ingest.frame.height(), 2);
    let d = ingest
        .diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::UnknownFields)
        .unwrap();
    assert_eq!(d.line, Some(7));
}

#[test]
fn other_exchange_logs_and_empty_files() {
    let dir = Dir::new();
    let smtp = "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: SMTP Receive Protocol Log\r\n#Fields: date-time,connector-id,session-id\r\n";
    let ingest = read_one(&dir.write("RECV2026112010-1.LOG", smtp));
    assert!(
        ingest
            .refused()
            .next()
            .unwrap()
            .refused
            .as_deref()
            .unwrap()
            .contains("SMTP Receive Protocol Log")
    );

    let ingest = read_one(&dir.write("MSGTRK2026112010-1.LOG", ""));
    assert_eq!(ingest.frame.height(), 0);
    assert!(
        ingest.refused().next().is_none(),
        "an empty log is just empty"
    );
    assert_eq!(
        ingest.frame.width(),
        Field::COUNT,
        "an empty frame keeps the schema"
    );
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let err = msgtrack::ingest::read_paths(&["/no/such/folder".into()], &Default::default())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "/no/such/folder: no such file or folder");
}

#[test]
fn bad_lines_beyond_the_cap_are_counted_not_kept() {
    let dir = Dir::new();
    let mut text = header_2016();
    for _ in 0..100 {
        text.push_str("garbage,line\r\n");
    }
    text.push_str(&good("RECEIVE"));
    text.push_str("\r\n");
    let ingest = read_one(&dir.write("g.log", text));
    assert_eq!(ingest.frame.height(), 1);
    assert_eq!(ingest.bad_lines(), 100);
    assert_eq!(ingest.diagnostics.len(), 20);
    assert_eq!(ingest.suppressed_diagnostics, 80);
}
