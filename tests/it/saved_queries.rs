//! Each saved query in `queries/` against an answer worked out independently: a small
//! oracle reads the sample logs' lines with the `csv` crate (not msgtrack's reader) and
//! applies the question's rule as the cmdlet defines it (`tracking-log-format.md` §7).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::sample_logs_dir;

/// One log line, by its `#Fields` names, with the server's folder name.
struct Line {
    server: String,
    fields: BTreeMap<String, String>,
}

impl Line {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
    fn event(&self) -> &str {
        self.get("event-id")
    }
    fn recipients(&self) -> Vec<&str> {
        self.get("recipient-address")
            .split(';')
            .filter(|s| !s.is_empty())
            .collect()
    }
    fn bytes(&self) -> i64 {
        self.get("total-bytes").parse().unwrap_or(0)
    }
    /// Milliseconds since the epoch of an ISO time as the logs write it.
    fn ms(text: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis())
    }
    fn time_ms(&self) -> i64 {
        Line::ms(self.get("date-time")).expect("a timestamp")
    }
    /// MessageLatency in seconds, as the cmdlet derives it: for DELIVER, SEND, SUBMIT and
    /// STOREDRIVER RESUBMIT, Timestamp minus the arrival time that message-info starts with.
    fn latency_s(&self) -> Option<f64> {
        let event = self.event();
        let applies = matches!(event, "DELIVER" | "SEND" | "SUBMIT")
            || (event == "RESUBMIT" && self.get("source") == "STOREDRIVER");
        if !applies {
            return None;
        }
        let arrival = Line::ms(self.get("message-info").split(';').next()?)?;
        Some((self.time_ms() - arrival) as f64 / 1000.0)
    }
}

fn lines() -> Vec<Line> {
    let mut files = Vec::new();
    let mut stack = vec![sample_logs_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("the sample folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "LOG") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let server = file
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&file).expect("a log");
        let text = text.trim_start_matches('\u{feff}');
        let names: Vec<String> = text
            .lines()
            .find_map(|l| l.strip_prefix("#Fields: "))
            .expect("a #Fields line")
            .split(',')
            .map(str::to_string)
            .collect();
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body.as_bytes());
        for record in reader.records() {
            let record = record.expect("a CSV record");
            let fields = names
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect();
            out.push(Line {
                server: server.clone(),
                fields,
            });
        }
    }
    out
}

fn saved(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("queries")
        .join(format!("{name}.ps1"))
}

/// Runs a saved query on the sample (UTC, the day after it) and returns its JSON rows.
fn answer(name: &str) -> Vec<Value> {
    let out = crate::util::msgtrack(crate::util::Args::default().args([
        "query",
        "-f",
        saved(name).to_str().expect("a path"),
        sample_logs_dir().to_str().expect("a path"),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        "2026-11-21T00:00:00Z",
    ]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice::<Value>(&out.stdout).expect("JSON") {
        Value::Array(rows) => rows,
        one => vec![one],
    }
}

/// Counts by a key, case-insensitively as Group-Object compares (key lowercased).
fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k.to_lowercase()).or_insert(0) += 1;
    }
    m
}

/// A grouped answer (`Name`, `Count`) as a map, checking it is sorted by Count, largest first.
fn grouped(rows: &[Value]) -> BTreeMap<String, i64> {
    let list: Vec<i64> = rows
        .iter()
        .map(|r| r["Count"].as_i64().unwrap_or(-1))
        .collect();
    assert!(
        list.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {list:?}"
    );
    rows.iter()
        .map(|r| {
            (
                r["Name"].as_str().unwrap_or("").to_lowercase(),
                r["Count"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn mb(bytes: i64) -> f64 {
    (bytes as f64 / 1_048_576.0 * 100.0).round() / 100.0
}

#[test]
fn top_senders_and_senders_by_volume() {
    let all = lines();
    let receives = || all.iter().filter(|l| l.event() == "RECEIVE");
    let by_sender = counts(receives().map(|l| l.get("sender-address")));
    let got = grouped(&answer("top-senders"));
    assert_eq!(got.len(), 10);
    let tenth = *got.values().min().unwrap_or(&0);
    for (name, n) in &got {
        assert_eq!(by_sender.get(name), Some(n), "{name}");
    }
    // No sender left out has more than the smallest shown.
    assert!(
        by_sender
            .iter()
            .all(|(k, v)| got.contains_key(k) || *v <= tenth)
    );

    let mut volume: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for l in receives().filter(|l| l.get("source") == "STOREDRIVER") {
        let e = volume
            .entry(l.get("sender-address").to_lowercase())
            .or_default();
        e.0 += 1;
        e.1 += l.bytes();
    }
    let rows = answer("top-senders-by-volume");
    assert_eq!(rows.len(), 10);
    let shown: Vec<f64> = rows
        .iter()
        .map(|r| r["MB"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(shown.windows(2).all(|w| w[0] >= w[1]), "{shown:?}");
    for r in &rows {
        let name = r["Name"].as_str().unwrap_or("").to_lowercase();
        let (n, bytes) = volume[&name];
        assert_eq!(r["Count"].as_i64(), Some(n), "{name}");
        assert_eq!(r["MB"].as_f64(), Some(mb(bytes)), "{name}");
    }
}

#[test]
fn internet_traffic_connectors_and_outbound() {
    let all = lines();
    let external: Vec<&Line> = all.iter().filter(|l| l.event() == "SENDEXTERNAL").collect();
    let rows = answer("internet-bytes-per-day");
    let days: BTreeMap<String, (i64, i64)> = external.iter().fold(BTreeMap::new(), |mut m, l| {
        let e = m.entry(l.get("date-time")[..10].to_string()).or_default();
        e.0 += 1;
        e.1 += l.bytes();
        m
    });
    assert_eq!(rows.len(), days.len());
    for r in &rows {
        let (n, bytes) = days[r["Day"].as_str().unwrap_or("")];
        assert_eq!(r["Count"].as_i64(), Some(n));
        assert_eq!(r["MB"].as_f64(), Some(mb(bytes)));
    }
    assert_eq!(answer("outbound-internet").len(), external.len());

    let sends = counts(
        all.iter()
            .filter(|l| l.event().starts_with("SEND") && l.get("source") == "SMTP")
            .map(|l| l.get("connector-id")),
    );
    assert_eq!(grouped(&answer("send-connectors")), sends);
}

#[test]
fn latency_slowest_and_summary() {
    let all = lines();
    let mut latencies: Vec<f64> = all
        .iter()
        .filter(|l| l.event() == "DELIVER")
        .filter_map(Line::latency_s)
        .collect();
    latencies.sort_by(|a, b| b.total_cmp(a));
    let rows = answer("slowest-deliveries");
    let shown: Vec<f64> = rows
        .iter()
        .map(|r| r["MessageLatency"].as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(shown, latencies[..20].to_vec());

    let summary = &answer("delivery-latency")[0];
    let n = latencies.len() as f64;
    let average = latencies.iter().sum::<f64>() / n;
    assert_eq!(summary["Count"].as_f64(), Some(n));
    assert!((summary["Average"].as_f64().unwrap_or(0.0) - average).abs() < 1e-9);
    assert_eq!(summary["Maximum"].as_f64(), latencies.first().copied());
    assert_eq!(summary["Minimum"].as_f64(), latencies.last().copied());
    assert_eq!(summary["Property"], "Seconds");
}

#[test]
fn failures_by_sender_status_domain_and_mailbox_full() {
    let all = lines();
    let fails: Vec<&Line> = all.iter().filter(|l| l.event() == "FAIL").collect();
    assert_eq!(
        grouped(&answer("ndrs-by-sender")),
        counts(fails.iter().map(|l| l.get("sender-address")))
    );
    assert_eq!(
        grouped(&answer("failures-by-domain")),
        counts(fails.iter().map(|l| {
            l.recipients()
                .first()
                .and_then(|r| r.rsplit('@').next())
                .unwrap_or("")
        }))
    );
    // Status texts are unique enough to compare by their first member (the LED= part).
    let by_status = counts(fails.iter().map(|l| l.get("recipient-status")));
    let got = grouped(&answer("failures-by-status"));
    assert_eq!(got.values().sum::<i64>(), by_status.values().sum::<i64>());
    assert_eq!(got.len(), by_status.len());

    let full: Vec<&&Line> = fails
        .iter()
        .filter(|l| l.get("recipient-status").contains("5.2.2"))
        .collect();
    let rows = answer("mailbox-full");
    assert_eq!(rows.len(), full.len());
    for (r, l) in rows.iter().zip(&full) {
        assert_eq!(r["Recipients"][0].as_str(), l.recipients().first().copied());
    }
}

#[test]
fn a_mailbox_a_group_a_message_and_one_sender() {
    let all = lines();
    let me = "adele.vance@contoso.com";
    let day: Vec<&Line> = all
        .iter()
        .filter(|l| {
            l.get("sender-address").eq_ignore_ascii_case(me)
                || l.recipients().iter().any(|r| r.eq_ignore_ascii_case(me))
        })
        .collect();
    // Yesterday (relative to --now 2026-11-21T00:00Z) is the whole sample day.
    assert_eq!(answer("mailbox-day").len(), day.len());

    let expand = all
        .iter()
        .filter(|l| {
            l.event() == "EXPAND"
                && l.get("related-recipient-address")
                    .eq_ignore_ascii_case("sales@contoso.com")
        })
        .count();
    assert_eq!(answer("mail-to-group").len(), expand);

    let subject = "Contract draft v3, comments by Monday";
    let events: Vec<(&str, &str)> = {
        let mut v: Vec<&Line> = all
            .iter()
            .filter(|l| {
                l.get("message-subject")
                    .to_lowercase()
                    .contains(&subject.to_lowercase())
            })
            .collect();
        v.sort_by_key(|l| l.time_ms());
        v.iter().map(|l| (l.server.as_str(), l.event())).collect()
    };
    let rows = answer("one-message");
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["Server"].as_str().unwrap_or(""),
                r["EventId"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(got, events);

    let sent = all
        .iter()
        .filter(|l| {
            l.event() == "RECEIVE"
                && l.get("source") == "STOREDRIVER"
                && l.get("sender-address").eq_ignore_ascii_case(me)
        })
        .count();
    assert_eq!(answer("sent-by-sender").len(), sent);
}

#[test]
fn hours_sizes_deferrals_redirects_and_imcea() {
    let all = lines();
    let receives: Vec<&Line> = all.iter().filter(|l| l.event() == "RECEIVE").collect();
    let rows = answer("messages-per-hour");
    let mut hours = BTreeMap::new();
    for l in &receives {
        *hours
            .entry(l.get("date-time")[11..13].parse::<i64>().unwrap_or(-1))
            .or_insert(0) += 1;
    }
    let got: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["Name"]
                    .as_str()
                    .and_then(|h| h.parse().ok())
                    .unwrap_or(-1),
                r["Count"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        got,
        hours.into_iter().collect::<Vec<_>>(),
        "hours in order 0..23"
    );

    let mut large: Vec<i64> = receives
        .iter()
        .map(|l| l.bytes())
        .filter(|b| *b > 1_048_576)
        .collect();
    large.sort_by(|a, b| b.cmp(a));
    let shown: Vec<f64> = answer("large-messages")
        .iter()
        .map(|r| r["MB"].as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(shown, large.iter().map(|b| mb(*b)).collect::<Vec<_>>());

    let count = |event: &str| all.iter().filter(|l| l.event() == event).count();
    assert_eq!(answer("deferrals").len(), count("DEFER"));
    assert_eq!(answer("redirects").len(), count("REDIRECT"));
    let imcea = all
        .iter()
        .filter(|l| {
            l.event() == "FAIL"
                && l.recipients()
                    .iter()
                    .any(|r| r.to_ascii_uppercase().starts_with("IMCEAEX"))
        })
        .count();
    assert_eq!(answer("imceaex-failures").len(), imcea);
}
