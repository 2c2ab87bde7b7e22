//! Text forms of a journey (a timeline) and of an explanation (a recipient tree, then every
//! row with its reason, then the mismatches).

use std::fmt::Write;

use super::explain::{Explanation, RecipientOutcome};
use super::trail::{Hop, Journey};
use crate::format::Zone;

fn time(ms: i64, zone: Zone) -> String {
    let full = zone.format_ms(ms);
    // `2026-11-20T10:00:05.123+01:00` → `2026-11-20 10:00:05.123`
    full.get(..23).unwrap_or(&full).replace('T', " ")
}

fn seconds(ms: i64) -> String {
    if ms.abs() >= 60_000 {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{:.3}s", ms as f64 / 1000.0)
    }
}

fn hop_line(out: &mut String, h: &Hop, zone: Zone) {
    let rcpts: Vec<String> = h
        .recipients
        .iter()
        .map(|(r, s)| {
            if s.is_empty() || matches!(h.note.as_str(), "defer" | "fail") {
                r.clone()
            } else {
                format!("{r} [{s}]")
            }
        })
        .collect();
    let mut extra = Vec::new();
    if !h.peer.is_empty() {
        extra.push(match h.event_id.to_ascii_uppercase().as_str() {
            "SEND" | "SENDEXTERNAL" | "HAREDIRECT" => format!("to {}", h.peer),
            _ => format!("from {}", h.peer),
        });
    }
    if !h.connector.is_empty() {
        extra.push(format!("via {}", h.connector));
    }
    if !h.related.is_empty() {
        extra.push(format!("related {}", h.related));
    }
    if matches!(h.note.as_str(), "defer" | "fail") && !h.detail.is_empty() {
        extra.push(format!("reason {}", h.detail));
    }
    let tag = match h.note.as_str() {
        "ha" => " (HA)",
        _ => "",
    };
    // Exchange Online's rows are marked, so the two halves of a hybrid journey read apart.
    let server = if h.origin == "ExchangeOnline" {
        format!("EXO:{}", h.server)
    } else {
        h.server.clone()
    };
    let _ = writeln!(
        out,
        "  {}  +{:>8}  {:<7} {:<11} {:<17}{tag} {}{}",
        time(h.timestamp_ms, zone),
        seconds(h.since_previous_ms),
        server,
        h.source,
        h.event_id,
        rcpts.join(", "),
        if extra.is_empty() {
            String::new()
        } else {
            format!("  ({})", extra.join("; "))
        }
    );
}

/// The journey as a timeline.
pub fn journey_text(j: &Journey, zone: Zone) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Message {}", j.message_id);
    let _ = writeln!(out, "  Subject: {}", j.subject);
    let _ = writeln!(out, "  From:    {}", j.sender);
    let _ = writeln!(out, "  Times in {}\n", zone.label());
    for h in &j.hops {
        hop_line(&mut out, h, zone);
    }
    let _ = writeln!(out, "\nServers:");
    for s in &j.servers {
        let _ = writeln!(
            out,
            "  {:<8} {} → {}  ({}, {} rows)",
            s.server,
            time(s.first_ms, zone),
            time(s.last_ms, zone),
            seconds(s.last_ms - s.first_ms),
            s.rows
        );
    }
    match (j.end_to_end_ms, j.finished_ms) {
        (Some(ms), _) => {
            let waiting = if j.waiting_ms > 0 {
                format!(
                    "; of which {} waiting (see below), {} delivery work",
                    seconds(j.waiting_ms),
                    seconds(ms - j.waiting_ms)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "End to end: {} (original arrival to the last DELIVER, SENDEXTERNAL or FAIL of the first delivery attempt{waiting})",
                seconds(ms)
            );
        }
        (None, Some(end)) => {
            let _ = writeln!(
                out,
                "End to end: finished at {}, but no RECEIVE or SUBMIT of it is in these logs (the logs of where it entered were not given, or are older)",
                time(end, zone)
            );
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "End to end: not finished in these logs (no DELIVER, SENDEXTERNAL or FAIL yet)"
            );
        }
    }
    for w in &j.waits {
        let span = match w.to_ms {
            Some(to) => format!(
                "{} → {} ({})",
                time(w.from_ms, zone),
                time(to, zone),
                seconds(to - w.from_ms)
            ),
            None => format!("from {} (no end in these logs)", time(w.from_ms, zone)),
        };
        let what = match w.kind.as_str() {
            "safety-net" => "Safety Net resubmission, not counted in the delivery time",
            "defer" => "waited in a queue after a DEFER",
            "moderation" => "waited for a moderator",
            other => other,
        };
        let _ = writeln!(out, "Waiting: {what}: {span} on {}: {}", w.server, w.why);
    }
    let ha = j.hops.iter().filter(|h| h.note == "ha").count();
    if ha > 0 {
        let _ = writeln!(
            out,
            "High availability: {ha} row(s) of shadow redundancy or Safety Net (marked HA); they do not change where the mail went."
        );
    }
    for m in &j.missing_logs {
        let _ = writeln!(
            out,
            "Missing logs: {} sent the message to {} at {}, but no logs of {} were given — add its TransportRoles\\Logs\\MessageTracking folder to see the rest.",
            m.sent_from,
            m.host,
            time(m.timestamp_ms, zone),
            m.host
        );
    }
    for h in &j.hybrid {
        match h.received_ms {
            Some(r) if r < h.sent_ms => {
                let _ = writeln!(
                    out,
                    "Hybrid hop {}: {} sent at {}, but {} logged its RECEIVE {} earlier — the clocks or an export's time zone disagree (check --tz); the rows are shown in their own times.",
                    h.direction,
                    h.sent_by,
                    time(h.sent_ms, zone),
                    h.received_by,
                    seconds(h.sent_ms - r)
                );
            }
            Some(r) => {
                let _ = writeln!(
                    out,
                    "Hybrid hop {}: {} → {} in {} (matched by {}).",
                    h.direction,
                    h.sent_by,
                    h.received_by,
                    seconds(r - h.sent_ms),
                    h.matched_by
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "Hybrid hop {}: sent by {} at {}; the receiving side's RECEIVE is not in the files given.",
                    h.direction,
                    h.sent_by,
                    time(h.sent_ms, zone)
                );
            }
        }
    }
    if let Some(m) = &j.missing_half {
        let _ = writeln!(out, "Missing half: {m}.");
    }
    if !j.outcomes.is_empty() {
        let _ = writeln!(out, "\nOutcomes from summary files (not events):");
        for o in &j.outcomes {
            let _ = writeln!(
                out,
                "  {}  {:<14} {}  {}",
                time(o.timestamp_ms, zone),
                o.origin,
                o.recipient,
                o.status
            );
        }
    }
    if !j.dsns.is_empty() {
        let _ = writeln!(out, "\nDSNs (NDRs or notices) sent about this message:");
        for h in &j.dsns {
            hop_line(&mut out, h, zone);
        }
    }
    out
}

fn tree(
    out: &mut String,
    all: &[RecipientOutcome],
    e: &Explanation,
    node: &RecipientOutcome,
    depth: usize,
) {
    let outcome = serde_json::to_value(node.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let wanted: &[&str] = match outcome.as_str() {
        "failed" => &["FAIL"],
        "expanded" => &["EXPAND"],
        "redirected" => &["REDIRECT", "DUPLICATEREDIRECT"],
        "pending" => &["INITMESSAGECREATED"],
        "deferred" => &["DEFER"],
        _ => &["RESOLVE", "REDIRECT"],
    };
    let why = e
        .events
        .iter()
        .filter(|ev| ev.logged || !e.directory)
        .find(|ev| {
            let id = ev.event_id.to_ascii_uppercase();
            wanted.contains(&id.as_str())
                && if id == "EXPAND" {
                    ev.related.eq_ignore_ascii_case(&node.address)
                } else {
                    ev.recipients
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(&node.address))
                }
        })
        .map(|ev| format!(" — {}", ev.reason))
        .unwrap_or_default();
    let indent = "   ".repeat(depth.saturating_sub(1)) + if depth > 1 { "└─ " } else { "" };
    let _ = writeln!(out, "  {indent}{} [{outcome}]{why}", node.address);
    for child in all.iter().filter(|c| {
        c.path.len() == node.path.len() + 1
            && c.path[..node.path.len()]
                .iter()
                .zip(&node.path)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }) {
        tree(out, all, e, child, depth + 1);
    }
}

/// The explanation as text, times in `zone`.
pub fn explanation_text(e: &Explanation, zone: Zone) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Message {}", e.message_id);
    let _ = writeln!(out, "  Subject: {}", e.subject);
    let _ = writeln!(out, "  From:    {}", e.sender);
    for p in &e.passes {
        let _ = writeln!(
            out,
            "  Categorized on {} at {} — envelope: {}; {}; {}",
            p.server,
            time(p.timestamp_ms, zone),
            p.envelope_recipients.join(", "),
            p.size_bytes.map_or("size unknown".into(), |b| format!(
                "{} KB",
                (b.max(0) as u64).div_ceil(1024)
            )),
            if p.authenticated {
                "authenticated sender"
            } else {
                "anonymous sender (from outside)"
            }
        );
    }
    let _ = writeln!(out, "\nRecipients (envelope → final):");
    for root in e.recipients.iter().filter(|r| r.path.len() == 1) {
        tree(&mut out, &e.recipients, e, root, 1);
    }
    let _ = writeln!(out, "\nRows:");
    for ev in &e.events {
        let rcpts = ev.recipients.join(", ");
        let who = match (
            ev.related.is_empty(),
            ev.event_id.to_ascii_uppercase().as_str(),
        ) {
            (true, _) => rcpts,
            (false, "REDIRECT" | "DUPLICATEREDIRECT") => format!("{rcpts} → {}", ev.related),
            (false, _) if rcpts.is_empty() => format!("{} → (nobody)", ev.related),
            (false, _) => format!("{} → {rcpts}", ev.related),
        };
        let _ = writeln!(
            out,
            "  {} {:<8} {:<18} {:<26} {}{}",
            ev.timestamp_ms
                .map_or("(not logged)           ".to_string(), |t| time(t, zone)),
            ev.server,
            ev.event_id,
            format!("[{}]", ev.reason_code.code()),
            who,
            if ev.inferred && e.directory {
                "  (inferred)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "      {}", ev.reason);
        if let Some(fix) = &ev.fix {
            let _ = writeln!(out, "      fix: {fix}");
        }
    }
    if e.directory {
        if e.mismatches.is_empty() {
            let _ = writeln!(
                out,
                "\nThe replay against the snapshot predicts exactly the logged categorizer rows."
            );
        } else {
            let _ = writeln!(
                out,
                "\nMismatches between the snapshot's prediction and the log:"
            );
            for m in &e.mismatches {
                let _ = writeln!(out, "  - {} — likely cause: {}", m.message, m.likely_cause);
            }
        }
    } else {
        let _ = writeln!(
            out,
            "\nReasons are inferred from the log alone; give --directory FILE (a snapshot, see the README) to replay the categorizer and check them."
        );
    }
    out
}
