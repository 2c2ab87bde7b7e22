//! `msgtrack query`: the cmdlet's matching rules on a hand-made log whose answers are known,
//! and the documented IMCEAEX line on the sample.

use std::path::Path;

use serde_json::Value;

use msgtrack::format::Field;

use crate::util::{Dir, header_2016, log_text, row, sample_logs_dir};

/// Five rows on EX01 and one on EX02; every expectation below was worked out by hand.
fn hand_made_logs() -> Dir {
    let dir = Dir::new();
    let ex01 = [
        row(&[
            (Field::EventId, "RECEIVE"),
            (Field::Source, "SMTP"),
            (Field::ServerHostname, "EX01"),
            (Field::MessageId, "<m1@x.com>"),
            (Field::Recipients, "Bob@Contoso.com;carol@contoso.com"),
            (Field::MessageSubject, "Trip to Seattle"),
            (Field::Sender, "a@x.com"),
        ])
        .replacen("2026-11-20T10:00:00.000Z", "2026-11-20T09:59:59.999Z", 1),
        row(&[
            (Field::EventId, "FAIL"),
            (Field::Source, "ROUTING"),
            (Field::ClientHostname, "EX01"),
            (Field::MessageId, "<m2@x.com>"),
            (Field::Recipients, "IMCEAEX-_o=Contoso_cn=Joe@contoso.com"),
            (Field::MessageSubject, "Re: budget"),
            (Field::Sender, "b@contoso.com"),
        ]),
        row(&[
            (Field::EventId, "DELIVER"),
            (Field::Source, "STOREDRIVER"),
            (Field::ServerHostname, "EX01"),
            (Field::MessageId, "<m1@x.com>"),
            (Field::Recipients, "bob@contoso.com"),
            (Field::TotalBytes, "5000"),
            (Field::Sender, "a@x.com"),
        ])
        .replacen("2026-11-20T10:00:00.000Z", "2026-11-20T10:30:00.000Z", 1),
        row(&[
            (Field::EventId, "SEND"),
            (Field::Source, "SMTP"),
            (Field::ClientHostname, "EX01"),
            (Field::MessageId, "<m3@x.com>"),
            (Field::Recipients, "dave@fabrikam.com"),
            (Field::Reference, "<dsn@x.com>"),
            (Field::MessageSubject, "seattle office"),
            (Field::Sender, "A@X.com"),
            (Field::TotalBytes, "20000"),
        ])
        .replacen("2026-11-20T10:00:00.000Z", "2026-11-20T11:00:00.000Z", 1),
        row(&[
            (Field::EventId, "DEFER"),
            (Field::Source, "SMTP"),
            (Field::ClientHostname, "EX01"),
            (Field::MessageId, "<m3@x.com>"),
            (Field::Recipients, "dave@fabrikam.com"),
        ])
        .replacen("2026-11-20T10:00:00.000Z", "2026-11-20T11:00:00.000Z", 1),
    ];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    let ex02 = row(&[
        (Field::EventId, "DELIVER"),
        (Field::Source, "STOREDRIVER"),
        (Field::ServerHostname, "EX02"),
        (Field::MessageId, "<m1@x.com>"),
        (Field::Recipients, "carol@contoso.com"),
    ])
    .replacen("2026-11-20T10:00:00.000Z", "2026-11-20T10:31:00.000Z", 1);
    dir.write(
        "EX02/MSGTRKMD2026112010-1.LOG",
        format!("{}{ex02}\r\n", header_2016()),
    );
    dir
}

fn query(expression: &str, path: &Path, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let mut args = vec![
        "query",
        expression,
        path.to_str().unwrap(),
        "--format",
        "json",
    ];
    if !extra.contains(&"--tz") {
        args.extend(["--tz", "UTC"]);
    }
    if !extra.contains(&"--now") {
        args.extend(["--now", "2026-11-21T00:00:00Z"]);
    }
    args.extend(extra);
    json_rows(&crate::util::msgtrack(
        crate::util::Args::default().args(&args),
    ))
}

/// A run's exit code, the objects of its JSON output, and its stderr.
fn json_rows(out: &std::process::Output) -> (i32, Vec<Value>, String) {
    let rows = serde_json::from_slice::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        rows,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (EventId, Timestamp) of each row, for compact expectations.
fn events(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{} {}",
                r["EventId"].as_str().unwrap_or("?"),
                &r["Timestamp"].as_str().unwrap_or("?")[11..16]
            )
        })
        .collect()
}

#[test]
fn exact_case_insensitive_parameters_or_within_and_across() {
    let logs = hand_made_logs();
    let p = logs.path();
    assert_eq!(
        events(&query("Get-MessageTrackingLog -EventId fail", p, &[]).1),
        vec!["FAIL 10:00"]
    );
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog -Recipients carol@contoso.com,DAVE@fabrikam.com",
                p,
                &[]
            )
            .1
        ),
        vec![
            "RECEIVE 09:59",
            "DELIVER 10:31",
            "SEND 11:00",
            "DEFER 11:00"
        ]
    );
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog -Recipients bob@contoso.com -EventId DELIVER",
                p,
                &[]
            )
            .1
        ),
        vec!["DELIVER 10:30"]
    );
    assert_eq!(
        events(&query("Get-MessageTrackingLog -Sender a@x.com", p, &[]).1),
        vec!["RECEIVE 09:59", "DELIVER 10:30", "SEND 11:00"]
    );
    assert_eq!(
        events(&query("Get-MessageTrackingLog -MessageId m1@x.com", p, &[]).1),
        vec!["RECEIVE 09:59", "DELIVER 10:30", "DELIVER 10:31"]
    );
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog -MessageId '<m3@x.com>' -Source smtp",
                p,
                &[]
            )
            .1
        ),
        vec!["SEND 11:00", "DEFER 11:00"]
    );
    assert_eq!(
        events(&query("Get-MessageTrackingLog -Reference '<dsn@x.com>'", p, &[]).1),
        vec!["SEND 11:00"]
    );
    // Unquoted, '<' is PowerShell's reserved redirection operator: refused, as the shell does.
    let (code, _, stderr) = query("Get-MessageTrackingLog -Reference <dsn@x.com>", p, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("reserved for future use"), "{stderr}");
}

#[test]
fn subject_substring_time_window_and_server() {
    let logs = hand_made_logs();
    let p = logs.path();
    assert_eq!(
        events(&query("Get-MessageTrackingLog -MessageSubject SEA", p, &[]).1),
        vec!["RECEIVE 09:59", "SEND 11:00"]
    );
    // Start is inclusive, End exclusive.
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog -Start 2026-11-20T10:00:00Z -End '11/20/2026 11:00 AM'",
                p,
                &[]
            )
            .1
        ),
        vec!["FAIL 10:00", "DELIVER 10:30", "DELIVER 10:31"]
    );
    let (_, rows, _) = query("Get-MessageTrackingLog -Server ex02.contoso.com", p, &[]);
    assert_eq!(events(&rows), vec!["DELIVER 10:31"]);
    assert_eq!(rows[0]["Server"], "EX02");
    // (Get-Date).AddHours(-14) with --now 2026-11-21T00:00Z is 10:00 on the 20th.
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog -Start (Get-Date).AddHours(-14) -EventId DELIVER",
                p,
                &[]
            )
            .1
        ),
        vec!["DELIVER 10:30", "DELIVER 10:31"]
    );
}

#[test]
fn where_operators_follow_powershell() {
    let logs = hand_made_logs();
    let p = logs.path();
    let q =
        |w: &str| events(&query(&format!("Get-MessageTrackingLog | Where {{ {w} }}"), p, &[]).1);
    assert_eq!(
        q("$_.Recipients -like '*@FABRIKAM.com'"),
        vec!["SEND 11:00", "DEFER 11:00"]
    );
    assert_eq!(q("$_.Recipients -match '^imceaex-'"), vec!["FAIL 10:00"]);
    // On an array, -ne is true when any element differs.
    assert_eq!(
        q("$_.Recipients -ne 'bob@contoso.com' -and $_.EventId -eq 'RECEIVE'"),
        vec!["RECEIVE 09:59"]
    );
    assert_eq!(
        q("$_.Recipients -contains 'CAROL@contoso.com'"),
        vec!["RECEIVE 09:59", "DELIVER 10:31"]
    );
    assert_eq!(
        q("$_.Recipients -notcontains 'dave@fabrikam.com' -and $_.Source -eq 'SMTP'"),
        vec!["RECEIVE 09:59"]
    );
    assert_eq!(
        q("$_.EventId -in 'SEND','DEFER'"),
        vec!["SEND 11:00", "DEFER 11:00"]
    );
    assert_eq!(
        q("$_.TotalBytes -gt 4999 -and -not ($_.EventId -eq 'SEND')"),
        vec!["DELIVER 10:30"]
    );
    assert_eq!(
        q(
            "$_.EventId -eq 'FAIL' -or $_.Timestamp -ge '2026-11-20T10:31:00Z' -and $_.EventId -eq 'DELIVER'"
        ),
        // -and and -or have the same precedence in PowerShell and group left to right:
        // (FAIL -or after 10:31) -and DELIVER.
        vec!["DELIVER 10:31"]
    );
    assert_eq!(
        events(
            &query(
                "Get-MessageTrackingLog | Where-Object Sender -like 'a@*'",
                p,
                &[]
            )
            .1
        ),
        vec!["RECEIVE 09:59", "DELIVER 10:30", "SEND 11:00"]
    );
}

#[test]
fn result_size_cuts_before_where_as_the_cmdlet_does() {
    let logs = hand_made_logs();
    let p = logs.path();
    let (code, rows, stderr) = query(
        "Get-MessageTrackingLog -ResultSize 2 | Where {$_.EventId -eq 'DEFER'}",
        p,
        &[],
    );
    assert!(rows.is_empty());
    assert_eq!(code, 1, "no rows: exit 1");
    assert!(
        stderr.contains("There are more results available (2 of 6 shown)"),
        "{stderr}"
    );
    let (_, rows, stderr) = query("Get-MessageTrackingLog", &sample_logs_dir(), &[]);
    assert_eq!(rows.len(), 1000, "the cmdlet's default");
    assert!(stderr.contains("(1000 of 4768 shown)"), "{stderr}");
    let (_, rows, stderr) = query(
        "Get-MessageTrackingLog -ResultSize Unlimited",
        &sample_logs_dir(),
        &[],
    );
    assert_eq!(rows.len(), 4768);
    assert!(!stderr.contains("WARNING"));
}

/// A `Select-Object -First N` stops the stages before it once it has its N objects, so the
/// cmdlet never tries the row past its `-ResultSize` and says nothing of it; it warns when
/// the Select-Object got fewer, or a stage taking every object came between. The hand-made
/// events in time order: RECEIVE, FAIL, DELIVER, DELIVER (EX02), SEND, DEFER.
#[test]
fn a_select_object_first_that_stops_the_cmdlet_hides_its_result_size_warning() {
    let logs = hand_made_logs();
    let warned = |line: &str| {
        let (code, _, stderr) = query(line, logs.path(), &[]);
        assert!(code == 0 || code == 1, "{line}: {stderr}");
        stderr.contains("There are more results available (2 of 6 shown)")
    };
    let cut = "Get-MessageTrackingLog -ResultSize 2";
    for (tail, warns) in [
        ("Select-Object -First 1", false),
        ("Select-Object -First 2 EventId", false),
        ("Select-Object -First 3", true),
        ("Select-Object -Skip 1 -First 1", false),
        (
            "Where-Object EventId -eq 'FAIL' | Select-Object -First 1",
            false,
        ),
        (
            "Where-Object EventId -eq 'DELIVER' | Select-Object -First 1",
            true,
        ),
        ("Sort-Object Timestamp | Select-Object -First 1", true),
        ("Select-Object -Last 1", true),
        (
            "ForEach-Object -Process { $_ } -End { 1 } | Select-Object -First 1",
            true,
        ),
    ] {
        assert_eq!(warned(&format!("{cut} | {tail}")), warns, "{tail}");
    }
    // A later statement's cut is its own.
    assert!(warned(&format!(
        "{cut} | Select-Object -First 1; {cut} | Measure-Object"
    )));
    assert!(!warned(&format!("$a = {cut} | Select-Object -First 1; $a")));
}

#[test]
fn stages_select_sort_group_measure() {
    let logs = hand_made_logs();
    let p = logs.path();
    let (_, rows, _) = query(
        "Get-MessageTrackingLog | Select-Object EventId,Sender -First 2",
        p,
        &[],
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["EventId", "Sender"]
    );
    let (_, rows, _) = query(
        "Get-MessageTrackingLog | Sort-Object TotalBytes -Descending | Select -First 1",
        p,
        &[],
    );
    assert_eq!(rows[0]["EventId"], "SEND");
    let (_, rows, _) = query(
        "Get-MessageTrackingLog | Group-Object EventId -NoElement",
        p,
        &[],
    );
    // Windows PowerShell 5.1 emits groups in first-appearance order (7.x sorts them); the
    // rows come in time order: RECEIVE 09:59, FAIL 10:00, DELIVER 10:30, DELIVER 10:31, …
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["Name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["RECEIVE", "FAIL", "DELIVER", "SEND", "DEFER"]);
    // GroupInfoNoElement keeps GroupInfo's properties, in .NET's order, its Group empty.
    assert_eq!(
        rows[2],
        serde_json::json!({"Values": ["DELIVER"], "Count": 2, "Group": [], "Name": "DELIVER"})
    );
    // Count and Name are the properties after a grouping, as in PowerShell.
    let (_, rows, _) = query(
        "Get-MessageTrackingLog | Group-Object EventId | Sort-Object Name | Select-Object -First 2 Name,Count",
        p,
        &[],
    );
    assert_eq!(
        rows,
        serde_json::json!([{"Name": "DEFER", "Count": 1}, {"Name": "DELIVER", "Count": 2}])
            .as_array()
            .unwrap()
            .clone()
    );
    let out = crate::util::msgtrack(crate::util::Args::default().args([
        "query",
        "Get-MessageTrackingLog -EventId DELIVER | Measure-Object",
        p.to_str().unwrap(),
        "--format",
        "list",
    ]));
    // 5.1's GenericMeasureInfo: every property listed, the unmeasured ones empty.
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    assert_eq!(
        lines,
        [
            "Count    : 2",
            "Average  :",
            "Sum      :",
            "Maximum  :",
            "Minimum  :",
            "Property :"
        ]
    );
}

#[test]
fn servers_piped_into_the_cmdlet_are_said_to_be_read_together() {
    let logs = hand_made_logs();
    let p = logs.path();
    let (_, piped, stderr) = query(
        "Get-TransportService | Get-MessageTrackingLog -EventId DELIVER",
        p,
        &[],
    );
    assert!(
        stderr.contains("Exchange searches each piped server in turn"),
        "{stderr}"
    );
    // The rows are those of the cmdlet alone, which reads every server given.
    let (_, alone, stderr) = query("Get-MessageTrackingLog -EventId DELIVER", p, &[]);
    assert!(!stderr.contains("piped"), "{stderr}");
    assert_eq!(piped, alone);
    assert_eq!(piped.len(), 2);
    // Said as well where the piping is inside the line: in parentheses, or assigned.
    for line in [
        "(Get-TransportService | Get-MessageTrackingLog -EventId DELIVER).Count",
        "$d = Get-TransportService | Get-MessageTrackingLog -EventId DELIVER; $d.Count",
    ] {
        let (code, counted, stderr) = query(line, p, &[]);
        assert_eq!(code, 0, "{line}: {stderr}");
        assert_eq!(counted, [serde_json::json!(2)], "{line}");
        assert!(
            stderr.contains("Exchange searches each piped server in turn"),
            "{line}: {stderr}"
        );
    }
}

#[test]
fn a_group_s_elements_totalled_by_a_calculated_property_give_the_rows_sums() {
    let logs = hand_made_logs();
    let p = logs.path();
    // a@x.com sent RECEIVE (09:59, no size), DELIVER 5000 and SEND 20000 as A@X.com (one
    // group: keys ignore case; named by its first row); b@contoso.com one FAIL.
    let line = "Get-MessageTrackingLog | Group-Object Sender | Select-Object Name,Count,@{n='Bytes';e={($_.Group | Measure-Object TotalBytes -Sum).Sum}},@{n='Big';e={($_.Group | Where-Object {$_.TotalBytes -gt 10000} | Measure-Object).Count}}";
    let (_, rows, stderr) = query(line, p, &[]);
    assert!(!rows.is_empty(), "{stderr}");
    assert_eq!(
        rows[0],
        serde_json::json!({"Name": "a@x.com", "Count": 3, "Bytes": 25000.0, "Big": 1})
    );
    assert_eq!(rows[1]["Name"], "b@contoso.com");
    assert_eq!(rows[1]["Count"], 1);
    // The same line over the events gathered first (every group kept whole) agrees.
    let whole = line.replacen("Get-MessageTrackingLog |", "(Get-MessageTrackingLog) |", 1);
    let (_, whole_rows, _) = query(&whole, p, &[]);
    assert_eq!(rows, whole_rows);
    // Each element's TotalBytes (member enumeration) totalled the same.
    let (_, rows, _) = query(
        "Get-MessageTrackingLog | Group-Object Sender | Select-Object Name,@{n='Bytes';e={($_.Group.TotalBytes | Measure-Object -Sum).Sum}}",
        p,
        &[],
    );
    assert_eq!(
        rows[0],
        serde_json::json!({"Name": "a@x.com", "Bytes": 25000.0})
    );
}

#[test]
fn outputs_json_keys_times_and_csv_arrays() {
    let logs = hand_made_logs();
    let p = logs.path();
    let (_, rows, _) = query("Get-MessageTrackingLog -EventId RECEIVE", p, &[]);
    let r = &rows[0];
    assert_eq!(r["Timestamp"], "2026-11-20T09:59:59.999Z");
    assert_eq!(
        r["Recipients"],
        serde_json::json!(["Bob@Contoso.com", "carol@contoso.com"])
    );
    assert_eq!(r["Line"], 6);
    let (_, rows, _) = query(
        "Get-MessageTrackingLog -EventId RECEIVE",
        p,
        &["--tz", "America/New_York"],
    );
    assert_eq!(rows[0]["Timestamp"], "2026-11-20T04:59:59.999-05:00");
    let (_, rows, _) = query("Get-MessageTrackingLog -EventId DELIVER", p, &[]);
    assert_eq!(rows[0]["TotalBytes"], 5000, "numbers as numbers");
    let out = crate::util::msgtrack(crate::util::Args::default().args([
        "query",
        "Get-MessageTrackingLog -EventId RECEIVE | Select Timestamp,Recipients",
        p.to_str().unwrap(),
        "--format",
        "csv",
        "--tz",
        "UTC",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "Timestamp,Recipients\r\n2026-11-20T09:59:59.999Z,Bob@Contoso.com;carol@contoso.com\r\n"
    );
    assert!(!text.contains("System.String[]"));
}

#[test]
fn the_documented_imceaex_line_runs_verbatim() {
    let line = r#"Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#;
    let (code, rows, _) = query(line, &sample_logs_dir(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        rows.len(),
        7,
        "six replies to Joe, and the one to Ana before her X500 proxy was added at noon"
    );
    for r in &rows {
        assert_eq!(r["EventId"], "FAIL");
        let status = r["RecipientStatus"][0].as_str().unwrap();
        assert!(status.contains("RESOLVER.ADR.ExRecipNotFound"), "{status}");
        assert!(
            r["Recipients"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().starts_with("IMCEAEX-"))
        );
    }
    // Two days before a later "now" leaves nothing.
    let (code, rows, _) = query(line, &sample_logs_dir(), &["--now", "2026-11-25T00:00:00Z"]);
    assert_eq!((code, rows.len()), (1, 0));
}

#[test]
fn errors_point_at_the_spot_and_suggest() {
    let logs = hand_made_logs();
    let (code, _, stderr) = query("Get-MessageTrackingLog -Recipents x", logs.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("                       ^^^^^^^^^^\nerror: Get-MessageTrackingLog has no parameter -Recipents\nhelp: did you mean -Recipients?"), "{stderr}");
    let (code, _, stderr) = query(
        "Get-MessageTrackingLog | Where {$_.Recipients -mtach 'x'}",
        logs.path(),
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("help: did you mean -match?"), "{stderr}");
    let (code, _, stderr) = query(
        "Get-MessageTrackingLog -Start 'next tuesday'",
        logs.path(),
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a date"), "{stderr}");
    let (code, _, stderr) = query(
        "Get-MessageTrackingLog | Where {$_.Sender -match '('}",
        logs.path(),
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("is not valid"), "{stderr}");
}

#[test]
fn every_saved_query_runs_on_the_sample_and_finds_rows() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut saved: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
        .collect();
    saved.sort();
    assert!(saved.len() >= 20, "{saved:?}");
    for path in saved {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# "),
            "{}: a comment header says what it answers",
            path.display()
        );
        let out = crate::util::msgtrack(
            crate::util::Args::default()
                .args([
                    "query",
                    "-f",
                    path.to_str().unwrap(),
                    sample_logs_dir().to_str().unwrap(),
                ])
                .args([
                    "--format",
                    "json",
                    "--tz",
                    "UTC",
                    "--now",
                    "2026-11-21T00:00:00Z",
                ]),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            !rows.as_array().unwrap().is_empty(),
            "{} found nothing",
            path.display()
        );
    }
    let out = crate::util::msgtrack(
        crate::util::Args::default().args(["queries", folder.to_str().unwrap()]),
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("imceaex-failures.ps1 ")
                && l.contains("IMCEAEX failures of the last two days")),
        "{listing}"
    );
}

#[test]
fn directory_snapshot_widens_sender_and_recipients_to_every_address() {
    let snapshot = sample_logs_dir().join("directory.json");
    let snapshot = snapshot.to_str().unwrap();
    // Without the snapshot only the typed address matches; with it, the l.gu@ proxy and
    // the name resolve to the same mailbox.
    let (_, plain, _) = query(
        "Get-MessageTrackingLog -Recipients lee.gu@contoso.com -ResultSize Unlimited",
        &sample_logs_dir(),
        &[],
    );
    let (_, proxy_only, _) = query(
        "Get-MessageTrackingLog -Recipients l.gu@contoso.com -ResultSize Unlimited",
        &sample_logs_dir(),
        &[],
    );
    let (_, widened, _) = query(
        "Get-MessageTrackingLog -Recipients 'Lee Gu' -ResultSize Unlimited",
        &sample_logs_dir(),
        &["--directory", snapshot],
    );
    assert!(!plain.is_empty() && !proxy_only.is_empty());
    assert_eq!(widened.len(), plain.len() + proxy_only.len());
    let (_, stale, _) = query(
        "Get-MessageTrackingLog -Recipients joe.bloggs@contoso.com -EventId FAIL -ResultSize Unlimited",
        &sample_logs_dir(),
        &["--directory", snapshot],
    );
    assert!(
        stale.is_empty(),
        "the old DN is not one of the re-created mailbox's addresses (that is the bug)"
    );
    let (code, _, stderr) = query(
        "Get-MessageTrackingLog",
        &sample_logs_dir(),
        &["--directory", "/no/such.json"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the directory snapshot"),
        "{stderr}"
    );
}

#[test]
fn parquet_output_keeps_types_and_sql_runs_over_the_same_frame() {
    use polars::prelude::{DataType, ParquetReader, SerReader};
    let dir = Dir::new();
    let file = dir.path().join("fails.parquet");
    let out = crate::util::msgtrack(
        crate::util::Args::default()
            .args([
                "query",
                "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited",
                sample_logs_dir().to_str().unwrap(),
            ])
            .args(["--format", "parquet", "--out", file.to_str().unwrap()]),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let df = ParquetReader::new(std::fs::File::open(&file).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 16, "every FAIL row of the sample day");
    assert_eq!(
        df.column("Recipients").unwrap().dtype(),
        &DataType::List(Box::new(DataType::String))
    );
    assert!(matches!(
        df.column("Timestamp").unwrap().dtype(),
        DataType::Datetime(_, Some(_))
    ));

    let out = crate::util::msgtrack(crate::util::Args::default()
        .args(["query", "--sql", "SELECT EventId, count(*) AS n FROM logs WHERE EventId IN ('FAIL','DSN') GROUP BY EventId ORDER BY n DESC"])
        .args([sample_logs_dir().to_str().unwrap(), "--format", "json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows,
        // The same FAIL rows as the parquet frame; one DSN fewer, as the null sender's
        // bounce gets none.
        serde_json::json!([{"EventId": "FAIL", "n": df.height()}, {"EventId": "DSN", "n": df.height() - 1}])
    );
    let out = crate::util::msgtrack(crate::util::Args::default().args([
        "query",
        "Get-MessageTrackingLog",
        sample_logs_dir().to_str().unwrap(),
        "--format",
        "parquet",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out FILE"));
}

#[test]
fn servers_are_chosen_by_name_and_an_unknown_one_is_an_error() {
    let logs = hand_made_logs();
    let p = logs.path();
    // EX01 has five rows, EX02 one; a name and an FQDN both pick a server.
    let (_, rows, _) = query("Get-TransportService EX02 | Get-MessageTrackingLog", p, &[]);
    assert_eq!(events(&rows), vec!["DELIVER 10:31"]);
    let (_, rows, _) = query("Get-MessageTrackingLog -Server ex01.contoso.com", p, &[]);
    assert_eq!(rows.len(), 5);
    // A server whose logs were not given: the shell could not find it either; msgtrack says
    // so instead of answering "no rows".
    for line in [
        "Get-MessageTrackingLog -Server EX09",
        "Get-TransportService EX09 | Get-MessageTrackingLog",
    ] {
        let (code, _, stderr) = query(line, p, &[]);
        assert_eq!(code, 2, "{line}");
        assert!(stderr.contains("the logs are from EX01, EX02"), "{stderr}");
    }
}

#[test]
fn wide_views_bare_values_and_hashtables_show_as_the_shell_shows_them() {
    let text = |line: &str| {
        let out = crate::util::msgtrack(
            crate::util::Args::default().args(["query", line, "--format", "table"]),
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // Format-Wide: values side by side, -Column to a line.
    assert_eq!(
        text("'a','bb','c','d' | Format-Wide -Column 3"),
        ["a    bb   c", "d"]
    );
    // Strings and numbers have no properties: Format-Table shows the values, no header.
    assert_eq!(text("1,2 | Format-Table"), ["1", "2"]);
    // A hashtable is a Name/Value row per entry.
    assert_eq!(
        text("@{x=1} | Format-Table"),
        ["Name Value", "---- -----", "x    1"]
    );
    assert_eq!(text("@{x='a'}"), ["Name Value", "---- -----", "x    a"]);
}

/// The hand-made logs and a store indexed from them.
/// `msgtrack query LINE PATH --tz UTC [--format F]` with time windows of two rows (a store
/// runs its ways in pieces even over a few events).
fn in_two_row_windows(line: &str, path: &Path, format: Option<&str>) -> std::process::Output {
    let mut args = vec!["query", line, path.to_str().unwrap(), "--tz", "UTC"];
    if let Some(f) = format {
        args.extend(["--format", f]);
    }
    std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args(&args)
        .env("MSGTRACK_WINDOW_ROWS", "2")
        .output()
        .expect("msgtrack runs")
}

fn hand_made_logs_and_store() -> (Dir, Dir) {
    let logs = hand_made_logs();
    let store = Dir::new();
    let indexed = crate::util::msgtrack([
        "index",
        logs.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert!(
        indexed.status.success(),
        "{}",
        String::from_utf8_lossy(&indexed.stderr)
    );
    (logs, store)
}

/// TotalBytes of the hand-made events in the cmdlet's order: $null (RECEIVE), $null (FAIL),
/// 5000 (DELIVER), $null (EX02's DELIVER), 20000 (SEND), $null (DEFER). PowerShell counts a
/// $null value, adds it as 0, and compares it with the kept minimum and maximum as
/// `LanguagePrimitives.Compare` does (a number ≥ 0 is greater than $null): the minimum 5000
/// gives way to $null, then 20000, then $null again; the maximum stays.
#[test]
fn measure_object_counts_null_sizes_and_a_null_replaces_the_minimum() {
    let (logs, store) = hand_made_logs_and_store();
    for path in [logs.path(), store.path()] {
        let measure = |line: &str| {
            let (code, rows, err) = query(line, path, &[]);
            assert_eq!(code, 0, "{line}: {err}");
            let r = &rows[0];
            (
                r["Count"].as_i64(),
                r["Sum"].as_f64(),
                r["Maximum"].as_f64(),
                r["Minimum"].as_f64(),
            )
        };
        assert_eq!(
            measure("Get-MessageTrackingLog | Measure-Object TotalBytes -Sum -Maximum -Minimum"),
            (Some(6), Some(25000.0), Some(20000.0), None)
        );
        // Without the DEFER after the SEND, the minimum is the SEND's.
        assert_eq!(
            measure(
                "Get-MessageTrackingLog | Where-Object {$_.EventId -ne 'DEFER'} | Measure-Object TotalBytes -Sum -Maximum -Minimum"
            ),
            (Some(5), Some(25000.0), Some(20000.0), Some(20000.0))
        );
        let (_, rows, _) = query(
            "Get-MessageTrackingLog | Measure-Object TotalBytes -Average",
            path,
            &[],
        );
        assert_eq!(rows[0]["Average"].as_f64(), Some(25000.0 / 6.0));
    }
}

/// A final Format-Table or Format-List over a store runs a time window at a time as the
/// selection its view shows (two-row windows here), printed in the Format cmdlet's format:
/// the same bytes as the one view over the logs in every format, and by hand from the six
/// hand-made events (RECEIVE, FAIL, DELIVER, DELIVER, SEND, DEFER in time order): a bare
/// Format-Table shows the event's seven default columns, a bare Format-List every property,
/// and a Format-Table of six names stays a table where a selection of six prints as a list.
#[test]
fn a_final_format_cmdlet_over_a_store_is_its_view_a_window_at_a_time() {
    let (logs, store) = hand_made_logs_and_store();
    let text = |line: &str, path: &Path, format: Option<&str>| -> String {
        let out = in_two_row_windows(line, path, format);
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    let six = "Timestamp,EventId,Sender,Recipients,TotalBytes,Source";
    for end in [
        "Format-Table".to_string(),
        "Format-Table -AutoSize".into(),
        "Format-List".into(),
        "fl *".into(),
        format!("Format-Table {six}"),
        "Format-List Sender,EventId".into(),
        "Sort-Object Timestamp -Descending | Format-Table".into(),
    ] {
        let line = format!("{all} | {end}");
        for format in [None, Some("table"), Some("list"), Some("csv"), Some("json")] {
            let from_logs = text(&line, logs.path(), format);
            assert!(
                from_logs.contains("DEFER"),
                "{line} {format:?}: {from_logs}"
            );
            assert_eq!(
                from_logs,
                text(&line, store.path(), format),
                "{line} {format:?}"
            );
        }
    }
    let csv = text(&format!("{all} | Format-Table"), store.path(), Some("csv"));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("Timestamp,Server,EventId,Source,Sender,Recipients,MessageSubject")
    );
    let events: Vec<&str> = lines.map(|l| l.split(',').nth(2).unwrap_or("")).collect();
    assert_eq!(
        events,
        ["RECEIVE", "FAIL", "DELIVER", "DELIVER", "SEND", "DEFER"]
    );
    // Every property of each event, as a list (no format asked: the Format cmdlet's).
    let list = text(&format!("{all} | Format-List"), store.path(), None);
    let labels = |name: &str| {
        list.lines()
            .filter(|l| l.split(':').next().map(str::trim_end) == Some(name))
            .count()
    };
    for name in ["Timestamp", "EventId", "Reference", "EventData", "Origin"] {
        assert_eq!(labels(name), 6, "{name}: {list}");
    }
    // Six names: one table, its header the six names on one line.
    let table = text(&format!("{all} | Format-Table {six}"), store.path(), None);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "Timestamp",
            "(UTC)",
            "EventId",
            "Sender",
            "Recipients",
            "TotalBytes",
            "Source"
        ],
        "{table}"
    );
    assert_eq!(table.lines().count(), 8, "{table}");
}

/// A last `Select-Object -Skip S -First N` over a store pages the line before it as its
/// windows come (two rows each here), stopping once the page is full: by hand from the six
/// hand-made events (RECEIVE, FAIL, DELIVER EX01, DELIVER EX02, SEND, DEFER in time order),
/// and the same from the logs.
#[test]
fn a_last_skip_and_first_page_the_events_a_window_at_a_time() {
    let (logs, store) = hand_made_logs_and_store();
    let run = |line: &str, path: &Path| -> Vec<String> {
        let out = in_two_row_windows(line, path, Some("json"));
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        rows.as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        ["EventId", "Server", "Sender"]
                            .iter()
                            .filter_map(|k| r.get(*k).and_then(Value::as_str))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    for path in [logs.path(), store.path()] {
        assert_eq!(
            run(&format!("{all} | Select-Object -Skip 2 -First 3"), path),
            ["DELIVER EX01 a@x.com", "DELIVER EX02", "SEND EX01 A@X.com"],
            "{path:?}"
        );
        assert_eq!(
            run(&format!("{all} | Select-Object -Skip 4"), path),
            ["SEND EX01 A@X.com", "DEFER EX01"],
            "{path:?}"
        );
        assert_eq!(
            run(
                &format!(
                    "{all} | Sort-Object Timestamp -Descending | Select-Object -Skip 2 -First 2"
                ),
                path
            ),
            ["DELIVER EX02", "DELIVER EX01 a@x.com"],
            "{path:?}"
        );
        assert_eq!(
            run(
                &format!(
                    "{all} | Where-Object {{ $_.Sender }} | Select-Object Sender -Skip 1 -First 2"
                ),
                path
            ),
            ["b@contoso.com", "a@x.com"],
            "{path:?}"
        );
        assert!(
            run(&format!("{all} | Select-Object -Skip 6"), path).is_empty(),
            "{path:?}"
        );
    }
}

/// Values made of each event (`ForEach-Object { $_.Recipients }`, `Select-Object
/// -ExpandProperty`) come from a store a window at a time (two rows each here), printed a
/// line each in every format but JSON: by hand from the six hand-made events' recipients
/// ({Bob@Contoso.com, carol@contoso.com}, {IMCEAEX-_o=Contoso_cn=Joe@contoso.com},
/// {bob@contoso.com}, {carol@contoso.com}, {dave@fabrikam.com}, {dave@fabrikam.com}), and the
/// same bytes from the logs. `-First` and `-Skip` given with `-ExpandProperty` count events,
/// as Select-Object counts its input; after a ForEach-Object they count values.
#[test]
fn values_of_each_event_come_from_a_store_a_window_at_a_time() {
    let (logs, store) = hand_made_logs_and_store();
    let text = |line: &str, path: &Path, format: &str| -> String {
        String::from_utf8_lossy(&in_two_row_windows(line, path, Some(format)).stdout).into_owned()
    };
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    let every = [
        "Bob@Contoso.com",
        "carol@contoso.com",
        "IMCEAEX-_o=Contoso_cn=Joe@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
        "dave@fabrikam.com",
        "dave@fabrikam.com",
    ];
    // Each event's recipients, the events newest first.
    let newest_first = [
        every[5], every[6], every[4], every[3], every[2], every[0], every[1],
    ];
    for (end, expected) in [
        ("ForEach-Object { $_.Recipients }", &every[..]),
        ("Select-Object -ExpandProperty Recipients", &every[..]),
        (
            "ForEach-Object { $_.Recipients } | Select-Object -First 1",
            &every[..1],
        ),
        (
            "ForEach-Object { $_.Recipients } | Select-Object -Skip 2 -First 2",
            &every[2..4],
        ),
        // The first event's two recipients; the sixth event's one.
        (
            "Select-Object -ExpandProperty Recipients -First 1",
            &every[..2],
        ),
        (
            "Select-Object -ExpandProperty Recipients -Skip 5",
            &every[6..],
        ),
        // `-First` and `-Last` count the events, then each is expanded (the last two events
        // have one recipient each; the two newest, one each).
        (
            "Select-Object -ExpandProperty Recipients -Last 2",
            &every[5..],
        ),
        (
            "Sort-Object {$_.Timestamp},EventId -Descending | Select-Object -ExpandProperty Recipients -First 2",
            &newest_first[..2],
        ),
        (
            "Select-Object -ExpandProperty Recipients -Skip 1 -First 2",
            &every[2..4],
        ),
        // Each value once, compared exactly (Bob@Contoso.com and bob@contoso.com both), in
        // the order of its first.
        (
            "Select-Object -ExpandProperty Recipients -Unique",
            &[every[0], every[1], every[2], every[3], every[5]][..],
        ),
        // Sorted first (from sorted runs over a store; no two events tie): SEND and DEFER
        // (11:00, SEND after DEFER by name), the DELIVERs, FAIL, RECEIVE, newest first.
        (
            "Sort-Object {$_.Timestamp},EventId -Descending | Select-Object -ExpandProperty Recipients",
            &newest_first[..],
        ),
        (
            "Sort-Object {$_.Timestamp},EventId -Descending | ForEach-Object { $_.Recipients }",
            &newest_first[..],
        ),
        // DELIVER, DELIVER, DEFER (SEND is not DE*).
        (
            "Where-Object { $_.EventId -like 'DE*' } | ForEach-Object { $_.Recipients }",
            &["bob@contoso.com", "carol@contoso.com", "dave@fabrikam.com"][..],
        ),
    ] {
        let line = format!("{all} | {end}");
        for format in ["csv", "table", "list", "json", "ndjson"] {
            let from_store = text(&line, store.path(), format);
            assert_eq!(
                from_store,
                text(&line, logs.path(), format),
                "{line} {format}"
            );
            let values: Vec<String> = match format {
                "json" => serde_json::from_str::<Vec<String>>(&from_store).unwrap_or_default(),
                "ndjson" => from_store
                    .lines()
                    .map(|l| serde_json::from_str::<String>(l).unwrap_or_default())
                    .collect(),
                _ => from_store.lines().map(str::to_string).collect(),
            };
            assert_eq!(values, expected, "{line} {format}");
        }
    }
}

/// A sort of every event with a measure after it runs from sorted runs over a store (the
/// measure takes what the merge gives, a batch at a time): the same answer as the logs',
/// by hand from the six events. Senders and sources: (a@x.com, SMTP), (b@contoso.com,
/// ROUTING), (a@x.com, STOREDRIVER), (none, STOREDRIVER), (A@X.com, SMTP) — equal to the
/// first ignoring case — and (none, SMTP); TotalBytes 5000 and 20000, the others none.
#[test]
fn a_sort_of_every_event_then_a_measure_is_measured_from_sorted_runs() {
    let (logs, store) = hand_made_logs_and_store();
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    for (end, count, sum, maximum) in [
        (
            "Sort-Object Sender,Source -Unique | Measure-Object",
            5,
            None,
            None,
        ),
        (
            "Sort-Object Sender,Source -Unique -CaseSensitive | Measure-Object",
            6,
            None,
            None,
        ),
        (
            "Sort-Object Sender,Source -Unique | Where-Object { $_.Sender } | Measure-Object",
            3,
            None,
            None,
        ),
        (
            "Sort-Object TotalBytes -Descending | Measure-Object TotalBytes -Sum -Maximum",
            6,
            Some(25000.0),
            Some(20000.0),
        ),
    ] {
        let line = format!("{all} | {end}");
        let answers: Vec<String> = [logs.path(), store.path()]
            .into_iter()
            .map(|path| {
                let out = in_two_row_windows(&line, path, Some("json"));
                String::from_utf8_lossy(&out.stdout).into_owned()
            })
            .collect();
        assert_eq!(answers[0], answers[1], "{line}");
        let measured: Vec<Value> = serde_json::from_str(&answers[1]).unwrap_or_default();
        assert_eq!(measured.len(), 1, "{line}: {}", answers[1]);
        assert_eq!(measured[0]["Count"], count, "{line}");
        assert_eq!(measured[0]["Sum"].as_f64(), sum, "{line}");
        assert_eq!(measured[0]["Maximum"].as_f64(), maximum, "{line}");
    }
}

/// A group's elements written as CSV through a Format cmdlet are each the event's type
/// name, joined with `;` (msgtrack keeps them as that text, not as events): by hand from the
/// six events (RECEIVE, FAIL, DELIVER, SEND, DEFER in EX01's file, EX02's DELIVER), from the
/// logs and from a store of them, and the same through the second pass that reads the
/// elements of the groups a sort's first picks.
#[test]
fn a_group_s_elements_shown_as_csv_through_a_format_cmdlet_are_the_event_s_type_name() {
    let (logs, store) = hand_made_logs_and_store();
    let t = "Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent";
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    let by_id = format!(
        "Name,Group\r\nRECEIVE,{t}\r\nFAIL,{t}\r\nDELIVER,{t};{t}\r\nSEND,{t}\r\nDEFER,{t}\r\n"
    );
    for (end, expected) in [
        (
            "Group-Object EventId | Format-Table Name,Group",
            by_id.clone(),
        ),
        (
            "Group-Object EventId | Format-List Name,Group",
            by_id.clone(),
        ),
        (
            "Group-Object EventId | Select-Object Name,Group | Format-Table",
            by_id,
        ),
        (
            "Group-Object EventId | Sort-Object Count -Descending | Select-Object -First 1 | Format-Table",
            format!("Count,Name,Group\r\n2,DELIVER,{t};{t}\r\n"),
        ),
    ] {
        let line = format!("{all} | {end}");
        for path in [logs.path(), store.path()] {
            let out = in_two_row_windows(&line, path, Some("csv"));
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected,
                "{line} over {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Lines that would gather every event answered from what they keep, over the hand-made
/// logs and a store of them read in windows of two rows (so the store's ways run): the
/// answers worked out by hand from the six events (times 09:59:59.999 RECEIVE a@x.com, 10:00
/// FAIL b@contoso.com, 10:30 DELIVER a@x.com, 10:31 EX02's DELIVER with no sender, 11:00 SEND
/// A@X.com, 11:00 DEFER with no sender).
#[test]
fn counts_last_events_and_distinct_selections_are_the_shell_s_without_every_event() {
    let (logs, store) = hand_made_logs_and_store();
    let run = |line: &str, path: &Path| -> Value {
        let out = in_two_row_windows(line, path, Some("json"));
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    for path in [logs.path(), store.path()] {
        // (…).Count: how many events came (an event has no Count of its own).
        assert_eq!(
            run(
                "(Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -eq 'DELIVER'}).Count",
                path
            ),
            serde_json::json!([2])
        );
        assert_eq!(
            run(
                "@(Get-TransportService | Get-MessageTrackingLog -Sender nobody@x.com -ResultSize Unlimited).Count",
                path
            ),
            serde_json::json!([0])
        );
        // The last two events in the cmdlet's order: the SEND, then the DEFER (same time,
        // later line).
        let last = run(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Last 2",
            path,
        );
        let ids: Vec<&str> = last
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r["EventId"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ids, ["SEND", "DEFER"], "{path:?}");
        // A stable sort by time: the latest first, equal times in input order; the earliest
        // first; the last of the latest-first is the earliest.
        for (line, expected) in [
            (
                "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp -Descending | Select-Object -First 2",
                ["SEND", "DEFER"].as_slice(),
            ),
            (
                "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object -Property Timestamp | Select-Object -First 2",
                &["RECEIVE", "FAIL"],
            ),
            (
                "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp -Descending | Select-Object -Last 1",
                &["RECEIVE"],
            ),
        ] {
            let rows = run(line, path);
            let ids: Vec<&str> = rows
                .as_array()
                .map(|rows| rows.iter().filter_map(|r| r["EventId"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(ids, expected, "{line} over {path:?}");
        }
        // Distinct senders, case-sensitive, in the order of their first events.
        let senders = run(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender -Unique",
            path,
        );
        let senders: Vec<String> = senders
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| r["Sender"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            senders,
            ["a@x.com", "b@contoso.com", "", "A@X.com"],
            "{path:?}"
        );
        // Distinct selections of calculated and number properties, each set of equal ones
        // at its first: (a@x.com, $null), (b@contoso.com, $null), (a@x.com, 5000), (no sender,
        // $null), (A@X.com, 20000) — the DEFER repeats EX02's DELIVER; the senders' domains
        // x.com, contoso.com, '' (`$null -split '@'` is one empty text), X.com; the sizes in
        // thousands 0 ($null / 1000), 5, 20.
        let column = |line: &str, names: &[&str]| -> Vec<String> {
            let rows = run(line, path);
            rows.as_array()
                .map(|rows| {
                    rows.iter()
                        .map(|r| {
                            names
                                .iter()
                                .map(|n| match &r[*n] {
                                    Value::String(s) => s.clone(),
                                    Value::Null => "$null".into(),
                                    other => other.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join("|")
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let pairs = column(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender,TotalBytes -Unique",
            &["Sender", "TotalBytes"],
        );
        let no_sender = |s: &str| s.starts_with('|') || s.starts_with("$null|");
        assert_eq!(pairs.len(), 5, "{pairs:?} over {path:?}");
        assert_eq!(
            pairs[..3],
            ["a@x.com|$null", "b@contoso.com|$null", "a@x.com|5000"]
        );
        assert!(
            no_sender(&pairs[3]) && pairs[3].ends_with("|$null"),
            "{pairs:?}"
        );
        assert_eq!(pairs[4], "A@X.com|20000");
        let domains = column(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object @{n='Domain';e={($_.Sender -split '@')[-1]}} -Unique",
            &["Domain"],
        );
        assert_eq!(domains, ["x.com", "contoso.com", "", "X.com"], "{path:?}");
        let sizes = column(
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object @{n='KB';e={$_.TotalBytes / 1000}} -Unique",
            &["KB"],
        );
        assert_eq!(sizes, ["0", "5", "20"], "{path:?}");
    }
    // A Format-Table of a few names over the store comes a window at a time as the selection
    // of those names: the bytes the logs' one view gives, in each format.
    for format in ["table", "csv", "json"] {
        let text = |path: &Path| {
            let line = "Get-MessageTrackingLog -ResultSize Unlimited | Format-Table Timestamp,EventId,Sender -AutoSize";
            String::from_utf8_lossy(&in_two_row_windows(line, path, Some(format)).stdout)
                .into_owned()
        };
        let from_logs = text(logs.path());
        assert!(from_logs.contains("b@contoso.com"), "{from_logs}");
        assert_eq!(from_logs, text(store.path()), "{format}");
    }
}

/// `$_.Group | Sort-Object … | Select-Object -First N` (or `-Last N`) in a read of each
/// group keeps those N of each group as the events come, not every event: by hand from the
/// six hand-made events, grouped by MessageId in the order of their first events (m1:
/// RECEIVE 09:59, DELIVER 10:30 at EX01, DELIVER 10:31 at EX02; m2: FAIL 10:00; m3: SEND
/// and DEFER both at 11:00, in that order). Sort-Object is stable: the tie of m3 keeps the
/// input order, and a `$null` TotalBytes sorts as 0. The same from the logs and from a store,
/// in two-row windows, a batch of a few bytes at a time, one group a share (a pass each), and
/// every event kept copied again after each batch.
#[test]
fn a_sort_s_first_or_last_few_of_each_group_are_kept_as_the_events_come() {
    let (logs, store) = hand_made_logs_and_store();
    let all = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId";
    for (end, expected) in [
        (
            "ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -Last 1 }",
            vec!["DELIVER 10:31", "FAIL 10:00", "DEFER 11:00"],
        ),
        (
            "ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -First 1 }",
            vec!["RECEIVE 09:59", "FAIL 10:00", "SEND 11:00"],
        ),
        (
            "ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -Last 1 -Property EventId,Timestamp }",
            vec!["DELIVER 10:31", "FAIL 10:00", "DEFER 11:00"],
        ),
        (
            "ForEach-Object { $_.Group | Sort-Object Timestamp -Descending | Select-Object -First 1 }",
            vec!["DELIVER 10:31", "FAIL 10:00", "SEND 11:00"],
        ),
        (
            "ForEach-Object { $_.Group | Sort-Object TotalBytes | Select-Object -Last 2 }",
            vec![
                "DELIVER 10:31",
                "DELIVER 10:30",
                "FAIL 10:00",
                "DEFER 11:00",
                "SEND 11:00",
            ],
        ),
        (
            "ForEach-Object { $_.Group | Where-Object { $_.EventId -ne 'FAIL' } | Sort-Object EventId,Timestamp | Select-Object -First 1 }",
            vec!["DELIVER 10:30", "DEFER 11:00"],
        ),
    ] {
        let line = format!("{all} | {end}");
        for path in [logs.path(), store.path()] {
            let (code, rows, err) = query_with(&line, path, SMALL_PIECES);
            assert_eq!(code, 0, "{line}: {err}");
            assert_eq!(events(&rows), expected, "{line} over {}", path.display());
        }
    }
    // Through a calculated property, a read of one property of each, and stages after the
    // cut: each group's.
    for (end, expected) in [
        (
            "Select-Object Name, @{n='Last'; e={($_.Group | Sort-Object Timestamp | Select-Object -Last 1).EventId}}",
            "<m1@x.com>=DELIVER <m2@x.com>=FAIL <m3@x.com>=DEFER",
        ),
        (
            "Select-Object Name, @{n='Last'; e={$_.Group.TotalBytes | Sort-Object | Select-Object -Last 1}}",
            "<m1@x.com>=5000 <m2@x.com>= <m3@x.com>=20000",
        ),
        (
            "Select-Object Name, @{n='Last'; e={$_.Group | Sort-Object Timestamp | Select-Object -Last 1 | Select-Object -ExpandProperty Source}}",
            "<m1@x.com>=STOREDRIVER <m2@x.com>=ROUTING <m3@x.com>=SMTP",
        ),
    ] {
        let line = format!("{all} | {end}");
        for path in [logs.path(), store.path()] {
            let (code, rows, err) = query_with(&line, path, SMALL_PIECES);
            assert_eq!(code, 0, "{line}: {err}");
            let named: Vec<String> = rows
                .iter()
                .map(|r| {
                    let last = match &r["Last"] {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!("{}={last}", r["Name"].as_str().unwrap_or("?"))
                })
                .collect();
            assert_eq!(named.join(" "), expected, "{line} over {}", path.display());
        }
    }
}

/// A ForEach-Object that sets a variable afresh for each group before reading it (`$n =
/// $_.Name`, the admin's way to carry a group's name into its elements) runs on each group
/// on its own, a share of the groups at a time, as a pure one does: by hand, each element of
/// each group (in the order of the groups' first events) with its group's name. A line that
/// reads the variable after the pipeline gets what the shell leaves in it: the last group's.
#[test]
fn a_variable_set_afresh_for_each_group_carries_that_group_s_name() {
    let (logs, store) = hand_made_logs_and_store();
    let all = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId";
    let line = format!(
        "{all} | ForEach-Object {{ $n = $_.Name; $_.Group | ForEach-Object {{ [pscustomobject]@{{ Id = $n; To = $_.Recipients -join ';' }} }} }}"
    );
    let expected = [
        "<m1@x.com> Bob@Contoso.com;carol@contoso.com",
        "<m1@x.com> bob@contoso.com",
        "<m1@x.com> carol@contoso.com",
        "<m2@x.com> IMCEAEX-_o=Contoso_cn=Joe@contoso.com",
        "<m3@x.com> dave@fabrikam.com",
        "<m3@x.com> dave@fabrikam.com",
    ];
    let last = format!(
        "{all} | ForEach-Object {{ $n = $_.Name; $_.Group | ForEach-Object {{ $_.EventId }} }}; $n"
    );
    // One share of every group, what they make written out as each group makes it (more
    // items than objects held at a time).
    let one_share_written_out = &[("MSGTRACK_GROUPS_HELD", "1")][..];
    for path in [logs.path(), store.path()] {
        for env in [&[][..], SMALL_PIECES, one_share_written_out] {
            let (code, rows, err) = query_with(&line, path, env);
            assert_eq!(code, 0, "{line}: {err}");
            let made: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        r["Id"].as_str().unwrap_or("?"),
                        r["To"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            assert_eq!(made, expected, "{line} over {}", path.display());
            let (code, rows, err) = query_with(&last, path, env);
            assert_eq!(code, 0, "{last}: {err}");
            assert_eq!(
                serde_json::to_string(&rows).unwrap_or_default(),
                r#"["RECEIVE","DELIVER","DELIVER","FAIL","SEND","DEFER","<m3@x.com>"]"#,
                "{last} over {}",
                path.display()
            );
        }
    }
}

/// Environment that makes a line over the hand-made logs take the paths of big inputs: two
/// rows a time window, a few bytes a batch, one group a share, every kept event copied
/// again after each batch.
const SMALL_PIECES: &[(&str, &str)] = &[
    ("MSGTRACK_WINDOW_ROWS", "2"),
    ("MSGTRACK_BATCH_BYTES", "1"),
    ("MSGTRACK_GROUPS_SHARED", "1"),
    ("MSGTRACK_COPIED_AGAIN_PAST", "0"),
];

/// [`query`] with environment variables set.
fn query_with(line: &str, path: &Path, env: &[(&str, &str)]) -> (i32, Vec<Value>, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"));
    c.args([
        "query",
        line,
        path.to_str().unwrap(),
        "--format",
        "json",
        "--tz",
        "UTC",
    ]);
    for (k, v) in env {
        c.env(k, v);
    }
    json_rows(&c.output().expect("msgtrack runs"))
}

/// Bare values among objects: Out-Default prints a value on its own line where it comes (out
/// of band) and the objects as one table under the first object's columns (an object without
/// them is an empty row); ConvertTo-Json writes each item as itself, a value as a value and an
/// object with its own properties. A CSV has no column for a value: an error naming it, and
/// nothing written.
#[test]
fn bare_values_among_objects_are_each_written_as_themselves() {
    let logs = hand_made_logs();
    // The DELIVER events in time order: EX01's at 10:30 (5000 bytes), EX02's at 10:31 (none).
    let line = "5; Get-MessageTrackingLog -EventId DELIVER | Select-Object EventId,TotalBytes; 'x'; [pscustomobject]@{ Other = 1 }";
    let expected = serde_json::json!([
        5,
        { "EventId": "DELIVER", "TotalBytes": 5000 },
        { "EventId": "DELIVER", "TotalBytes": null },
        "x",
        { "Other": 1 }
    ]);
    let (code, rows, err) = query(line, logs.path(), &[]);
    assert_eq!((code, Value::Array(rows)), (0, expected.clone()), "{err}");
    let run = |format: &str| {
        crate::util::msgtrack(crate::util::Args::default().args([
            "query",
            line,
            logs.path().to_str().unwrap(),
            "--format",
            format,
            "--tz",
            "UTC",
        ]))
    };
    let ndjson: Vec<Value> = String::from_utf8_lossy(&run("ndjson").stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(Value::Array(ndjson), expected);
    let table = run("table");
    let lines: Vec<String> = String::from_utf8_lossy(&table.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "5",
            "EventId TotalBytes",
            "------- ----------",
            "DELIVER 5000",
            "DELIVER",
            "x"
        ]
    );
    let csv = run("csv");
    assert_eq!(csv.status.code(), Some(2));
    assert!(csv.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&csv.stderr).contains("mixes bare values (the first: '5')"),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
}
