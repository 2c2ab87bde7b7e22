//! What admins hit in daily use: latency without Safety Net inflation, headline figures and
//! their change, thresholds for scheduled tasks, exit codes on empty input, the HTML report's
//! links, trail's waits and DSNs, explain's fix lines. Expected values are worked out by hand
//! from the rows named in each test.

use msgtrack::format::Field;
use serde_json::Value;

use crate::util::{Dir, header_2016, msgtrack_text, row, sample_logs_dir};

fn sample() -> String {
    sample_logs_dir().display().to_string()
}

/// The message of the report: arrived at 13:43:13.443 (the original arrival time its DELIVER
/// row gives in message-info; first RECEIVE 13:43:13.631), delivered on EX02 at 13:43:14.447 —
/// 1.004 s, the cmdlet's MessageLatency of that row — then resubmitted by Safety Net at
/// 14:31:05.196 and delivered again at 14:31:05.475, 47m52s after arrival.
const SAFETY_NET_MESSAGE: &str = "<ac799659b6b14da2945d16713ad7840e@contoso.com>";

#[test]
fn trail_counts_the_first_delivery_and_names_the_safety_net_wait() {
    let (code, out, err) = msgtrack_text(&[
        "trail",
        &sample(),
        "--message-id",
        SAFETY_NET_MESSAGE,
        "--tz",
        "UTC",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("End to end: 1.004s"), "{out}");
    assert!(!out.contains("End to end: 47m"), "{out}");
    // Waiting from the first delivery (13:43:14.447) to the resubmission (14:31:05.196).
    assert!(
        out.contains("Safety Net resubmission")
            && out.contains("2026-11-20 13:43:14.447 → 2026-11-20 14:31:05.196"),
        "{out}"
    );
}

fn summary_json(extra: &[&str]) -> Value {
    let s = sample();
    let mut args = vec!["report", "summary", s.as_str(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = msgtrack_text(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("json")
}

#[test]
fn summary_latency_has_no_safety_net_inflation() {
    let v = summary_json(&[]);
    let rows = v["latency"]["rows"].as_array().expect("latency rows");
    // Per server: every hop of the sample takes seconds, never the 47 minutes of a Safety Net
    // redelivery (the report had EX01 P99 = 2572 s).
    for r in rows {
        let path = r["path"].as_str().unwrap_or_default();
        if path.starts_with("on ") {
            assert!(r["max_s"].as_f64().unwrap_or(0.0) < 60.0, "{r}");
        }
    }
    // The resubmissions are reported apart.
    assert!(rows.iter().any(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("Safety Net resubmission"))
    }));
    // Directions are split, and the slowest messages are listed with their slowest hop.
    for path in [
        "inbound from outside, to a mailbox",
        "internal, to a mailbox",
    ] {
        assert!(rows.iter().any(|r| r["path"] == path), "{path}");
    }
    let slowest = v["slowest_messages"]["rows"].as_array().expect("slowest");
    assert!(!slowest.is_empty() && slowest.len() <= 20);
    let latencies: Vec<f64> = slowest
        .iter()
        .map(|r| r["latency_s"].as_f64().unwrap_or(0.0))
        .collect();
    assert!(latencies.windows(2).all(|w| w[0] >= w[1]), "slowest first");
    assert!(
        slowest.iter().all(|r| r["message_id"] != SAFETY_NET_MESSAGE
            || r["latency_s"].as_f64().unwrap_or(0.0) < 1.0)
    );
}

/// Two days of hand-written traffic: on 19 November one message received and delivered, on
/// 20 November two received, one of them failing with 5.1.1.
fn two_days() -> Dir {
    let dir = Dir::new();
    let msg = |t: &str, id: &str, event: &str, status: &str| {
        row(&[
            (Field::Timestamp, t),
            (Field::EventId, event),
            (
                Field::Source,
                if event == "FAIL" { "ROUTING" } else { "SMTP" },
            ),
            (Field::MessageId, id),
            (Field::Sender, "a@contoso.com"),
            (Field::Recipients, "b@contoso.com"),
            (Field::RecipientStatus, status),
            (Field::ServerHostname, "EX01"),
            (Field::Directionality, "Originating"),
        ])
    };
    let day1 = [
        msg("2026-11-19T10:00:00.000Z", "<d1@x>", "RECEIVE", ""),
        msg("2026-11-19T10:00:01.000Z", "<d1@x>", "DELIVER", ""),
    ];
    let day2 = [
        msg("2026-11-20T10:00:00.000Z", "<d2@x>", "RECEIVE", ""),
        msg("2026-11-20T10:00:02.000Z", "<d2@x>", "DELIVER", ""),
        msg("2026-11-20T11:00:00.000Z", "<d3@x>", "RECEIVE", ""),
        msg(
            "2026-11-20T11:00:00.500Z",
            "<d3@x>",
            "FAIL",
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
        ),
    ];
    for (name, lines) in [
        ("EX01/MSGTRK2026111910-1.LOG", &day1[..]),
        ("EX01/MSGTRK2026112010-1.LOG", &day2[..]),
    ] {
        let mut text = header_2016();
        for line in lines {
            text.push_str(line);
            text.push_str("\r\n");
        }
        dir.write(name, text);
    }
    dir
}

#[test]
fn headlines_compare_with_the_previous_day_and_thresholds_exit_3() {
    let dir = two_days();
    let path = dir.path().display().to_string();
    let base = [
        "report",
        "summary",
        path.as_str(),
        "--since",
        "2026-11-20T00:00:00Z",
        "--tz",
        "UTC",
    ];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        msgtrack_text(&a)
    };
    let (code, out, err) = run(&["--format", "json", "--compare", "previous-day"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let heads = v["headlines"].as_array().expect("headlines");
    let card = |label: &str| {
        heads
            .iter()
            .find(|h| h["label"] == label)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // 2 received against 1 the day before: +100 %.
    assert_eq!(card("Messages received")["value"], "2");
    assert_eq!(card("Messages received")["change"], "+100 % (was 1)");
    // 1 of 2 failed: 50.0 %, against 0 % the day before: +50 points.
    assert_eq!(card("Failed")["value"], "50.0 %");
    assert_eq!(card("Failed")["change"], "+50 pt");
    assert_eq!(card("Top failure")["value"], "5.1.1");
    // P90 of one delivery of 2 s.
    assert_eq!(card("P90 latency")["value"], "2.0 s");

    // Thresholds: 50 % failed crosses failed=40%, not failed=60%; 5.1.1 and 550 are seen.
    let (code, _, err) = run(&["--fail-on", "failed=40%"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("--fail-on failed=40%: 50.0 % of 2 messages failed"),
        "{err}"
    );
    let (code, _, err) = run(&["--fail-on", "failed=60%"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(&["--fail-on", "status=5.1.1"]);
    assert_eq!(code, 3);
    let (code, _, _) = run(&["--fail-on", "status=550"]);
    assert_eq!(code, 3);
    let (code, _, _) = run(&["--fail-on", "status=5.7.1"]);
    assert_eq!(code, 0);
    let (code, _, err) = run(&["--fail-on", "p90=1s"]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = run(&["--fail-on", "latency=1s"]);
    assert_eq!(code, 2, "an unknown key is refused: {err}");
    assert!(err.contains("the keys are failed"), "{err}");
    // --compare needs a period.
    let (code, _, err) = msgtrack_text(&["report", "summary", &path, "--compare", "previous-day"]);
    assert_eq!(code, 2);
    assert!(err.contains("--compare needs --since"), "{err}");
}

#[test]
fn no_tracking_data_is_exit_2_for_every_command() {
    let empty = Dir::new();
    let p = empty.path().display().to_string();
    let store = Dir::new();
    let s = store.path().join("store").display().to_string();
    for args in [
        vec!["ingest", p.as_str()],
        vec!["query", "Get-MessageTrackingLog", p.as_str()],
        vec!["report", "summary", p.as_str()],
        vec!["report", "imcea", p.as_str()],
        vec!["trail", p.as_str(), "--message-id", "<x@y>"],
        vec!["explain", p.as_str(), "--message-id", "<x@y>"],
        vec!["index", p.as_str(), "--store", s.as_str()],
    ] {
        let (code, _, err) = msgtrack_text(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("no tracking data under"), "{args:?}: {err}");
    }
    // Logs, but none in the window: the summary is not a report of zeros.
    let (code, _, err) = msgtrack_text(&["report", "summary", &sample(), "--since", "2027-01-01"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no rows to report on"), "{err}");
}

#[test]
fn the_html_report_links_message_ids_to_their_trails() {
    let dir = Dir::new();
    let out = dir.path().join("day.html");
    let (code, _, err) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--format",
        "html",
        "--out",
        out.to_str().expect("a path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&out).expect("the report");
    assert!(html.contains("class=\"cards\""));
    assert!(html.contains("th{") && html.contains("white-space:nowrap"));
    assert!(
        html.contains(" MiB<") || html.contains(" KiB<"),
        "human bytes"
    );
    assert!(html.contains(" %<"), "percentages");
    // Every link has its anchor, and the anchor holds the message's trail.
    let links: Vec<&str> = html
        .match_indices("href=\"#msg-")
        .map(|(i, _)| &html[i + 7..i + 7 + 20])
        .collect();
    assert!(!links.is_empty());
    for anchor in &links {
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no section for {anchor}"
        );
    }
    assert!(
        html.contains("End to end:"),
        "trails are in the detail sections"
    );
    // Nothing from the logs is markup: the subjects with < are escaped.
    assert!(!html.contains("<script>alert"));
}

#[test]
fn a_dsn_leads_to_the_message_it_reports_on() {
    // The NDR <8941d2…@EX01.contoso.com> reports on <f8595d…@wingtiptoys.co.kr> (its Reference).
    let (code, out, err) = msgtrack_text(&[
        "trail",
        &sample(),
        "--message-id",
        "<8941d2d5086c21c5a80ac355a594214e@EX01.contoso.com>",
        "--tz",
        "UTC",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Message <f8595d187a7b99464d4c5821cd88faf8@wingtiptoys.co.kr>"),
        "{out}"
    );
    assert!(
        err.contains("is a delivery status notification about"),
        "{err}"
    );
    // The FAIL ends the journey: no "not finished" under it.
    assert!(!out.contains("not finished"), "{out}");
    // By subject, the NDR ("Undeliverable: …", from the Microsoft Exchange recipient) is left
    // out of the pick in favour of the message.
    let (_, _, err) = msgtrack_text(&[
        "trail",
        &sample(),
        "--subject",
        "Q3 figures, Joe",
        "--sender",
        "adele.vance@contoso.com",
    ]);
    assert!(!err.contains("Undeliverable"), "{err}");
}

#[test]
fn explain_gives_fix_lines_and_honours_tz() {
    // The forwarding loop of raul.razo@contoso.com, FAIL at 10:31:44.477 UTC.
    let (code, out, err) = msgtrack_text(&[
        "explain",
        &sample(),
        "--message-id",
        "<bd1b077ded9dc54a63bd3287ef5b24c9@contoso.com>",
        "--tz",
        "Asia/Tokyo",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2026-11-20 19:31:44.477"),
        "times in Tokyo (UTC+9): {out}"
    );
    assert!(
        out.contains("fix: Set-Mailbox -Identity 'raul.razo@contoso.com' -ForwardingAddress $null"),
        "{out}"
    );
    // JSON keeps the documented UTC strings.
    let (_, json, _) = msgtrack_text(&[
        "explain",
        &sample(),
        "--message-id",
        "<bd1b077ded9dc54a63bd3287ef5b24c9@contoso.com>",
        "--format",
        "json",
        "--tz",
        "Asia/Tokyo",
    ]);
    assert!(
        json.contains("\"timestamp\": \"2026-11-20T10:31:44.477Z\""),
        "{json}"
    );
}

#[test]
fn explain_suggests_no_x500_the_snapshot_already_has() {
    // Joe Bloggs' old DN; a snapshot where his mailbox already carries it as an X500 proxy.
    let snapshot =
        std::fs::read_to_string(sample_logs_dir().join("directory.json")).expect("snapshot");
    let dn = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a8f22499Joe Bloggs";
    let mut v: Value = serde_json::from_str(&snapshot).expect("json");
    let recipients = v["Recipients"].as_array_mut().expect("recipients");
    let joe = recipients
        .iter_mut()
        .find(|r| r["PrimarySmtpAddress"] == "joe.bloggs@contoso.com")
        .expect("Joe's mailbox");
    joe["EmailAddresses"]
        .as_array_mut()
        .expect("addresses")
        .push(Value::String(format!("X500:{dn}")));
    let dir = Dir::new();
    let path = dir.write("directory.json", serde_json::to_string(&v).expect("json"));
    let (code, out, err) = msgtrack_text(&[
        "explain",
        &sample(),
        "--message-id",
        "<dd1b1054095666acc5a37a4d3db95791@contoso.com>",
        "--directory",
        path.to_str().expect("a path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("fix: Set-Mailbox"), "{out}");
}

#[test]
fn the_imcea_html_links_each_finding_to_an_example_trail() {
    let dir = Dir::new();
    let out = dir.path().join("imcea.html");
    let snapshot = sample_logs_dir().join("directory.json");
    let (code, _, err) = msgtrack_text(&[
        "report",
        "imcea",
        &sample(),
        "--directory",
        snapshot.to_str().expect("a path"),
        "--format",
        "html",
        "--out",
        out.to_str().expect("a path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&out).expect("the report");
    assert!(html.contains("class=\"cards\""), "headline cards");
    // Each finding's example Message-ID links to its trail, which shows the FAIL.
    let links: Vec<&str> = html
        .match_indices("href=\"#msg-")
        .map(|(i, _)| &html[i + 7..i + 7 + 20])
        .collect();
    assert!(!links.is_empty());
    for anchor in &links {
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no section for {anchor}"
        );
    }
    assert!(
        html.contains("ROUTING     FAIL"),
        "the trail shows the FAIL row"
    );
}

/// The end-to-end time of a message delivered once is the cmdlet's MessageLatency of its
/// DELIVER row (both count from the original arrival time in message-info): checked on every
/// sample message with exactly one DELIVER row and no resubmission.
#[test]
fn end_to_end_agrees_with_the_cmdlets_message_latency() {
    let s = sample();
    let (code, out, err) = msgtrack_text(&[
        "query",
        "Get-MessageTrackingLog -ResultSize Unlimited | Where { $_.EventId -eq 'DELIVER' -or $_.EventId -eq 'RESUBMIT' } | Select-Object MessageId,EventId,MessageLatency,MessageLatencyType",
        &s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    let mut per_message: std::collections::BTreeMap<String, Vec<&Value>> = Default::default();
    for r in &rows {
        per_message
            .entry(r["MessageId"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(r);
    }
    let mut checked = 0;
    for (id, rows) in per_message.iter().take(400) {
        if rows.len() != 1
            || rows[0]["EventId"] != "DELIVER"
            || rows[0]["MessageLatencyType"] != "EndToEnd"
        {
            continue;
        }
        let latency_ms =
            (rows[0]["MessageLatency"].as_f64().unwrap_or(-1.0) * 1000.0).round() as i64;
        let (code, json, err) =
            msgtrack_text(&["trail", &s, "--message-id", id, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let j: Value = serde_json::from_str(&json).expect("json");
        if j["hops"].as_array().is_some_and(|h| {
            h.iter()
                .any(|h| h["event_id"] == "FAIL" || h["event_id"] == "SENDEXTERNAL")
        }) {
            continue;
        }
        assert_eq!(j["end_to_end_ms"].as_i64(), Some(latency_ms), "{id}");
        checked += 1;
        if checked >= 25 {
            break;
        }
    }
    assert!(checked >= 10, "only {checked} messages compared");
}
