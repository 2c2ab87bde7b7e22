//! Delivery latency: end to end by direction and per server, by nearest-rank percentiles, its
//! distribution on a log scale, and the slowest messages with their slowest hop.
//!
//! Delivery latency is the first delivery attempt only: a Safety Net resubmission's
//! redelivery (hours later, after a failover) is not delivery time, and messages that waited
//! for a moderator or in a queue after a DEFER are measured in rows of their own, never mixed
//! into the delivery figures.

use std::collections::BTreeMap;

use super::View;
use super::collect::{Msg, first_attempt_end};
use crate::report::table::{Cell, Table};

/// Why a message's time is not plain delivery time.
fn waited(m: &Msg) -> Option<&'static str> {
    if m.moderated {
        Some("moderated (the moderator's wait included)")
    } else if !m.deferred.is_empty() {
        Some("with a DEFER (the queue's retry wait included)")
    } else {
        None
    }
}

/// A message's end-to-end times, one per recipient: (to a mailbox, out of the organization).
/// They start at the original arrival time the DELIVER rows give (where the cmdlet's
/// MessageLatency starts) when it is earlier than the first RECEIVE/SUBMIT logged.
fn end_to_end(m: &Msg) -> (Vec<i64>, Vec<i64>) {
    let Some(r) = m.received_ms else {
        return (Vec::new(), Vec::new());
    };
    let r = m.arrival_ms.map_or(r, |a| a.min(r));
    (
        m.delivered
            .values()
            .map(|d| d - r)
            .filter(|d| *d >= 0)
            .collect(),
        m.sent.values().map(|d| d - r).filter(|d| *d >= 0).collect(),
    )
}

/// Each server's part of the message's first attempt: (server, ms).
fn hops(m: &Msg) -> Vec<(&str, i64)> {
    m.per_server
        .iter()
        .filter_map(|(server, span)| {
            let a = span.arrival()?;
            let b = first_attempt_end(span, m.resubmit_ms)?;
            (b >= a).then_some((&**server, b - a))
        })
        .collect()
}

/// The latency tables: percentiles, distribution, slowest messages.
pub(super) fn latency(v: &View<'_>) -> (Table, Table, Table) {
    let mut inbound = Vec::new();
    let mut internal = Vec::new();
    let mut outbound = Vec::new();
    let mut all_mailbox = Vec::new();
    let mut waiting: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut safety_net = Vec::new();
    let mut per_server: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut slowest: Vec<(i64, &Msg)> = Vec::new();
    for m in &v.messages {
        let (to_mailbox, out_of_org) = end_to_end(m);
        if let (Some(resubmit), Some(received)) = (m.resubmit_ms, m.received_ms) {
            safety_net.push((resubmit - received).max(0));
        }
        match waited(m) {
            Some(why) => {
                waiting
                    .entry(why)
                    .or_default()
                    .extend(to_mailbox.iter().chain(&out_of_org));
                continue;
            }
            None => {
                if m.directionality.eq_ignore_ascii_case("Incoming") {
                    inbound.extend(&to_mailbox);
                } else {
                    internal.extend(&to_mailbox);
                }
                all_mailbox.extend(&to_mailbox);
                outbound.extend(&out_of_org);
                if let Some(worst) = to_mailbox.iter().chain(&out_of_org).max() {
                    slowest.push((*worst, m));
                }
            }
        }
        for (server, ms) in hops(m) {
            per_server.entry(server).or_default().push(ms);
        }
    }
    let mut latency = Table::new(
        "latency",
        "Delivery latency",
        "end to end: the message's original arrival (as the cmdlet's MessageLatency counts it: message-info of DELIVER, else the first RECEIVE/SUBMIT) → each recipient's first DELIVER (or its SEND out of the organization), one value per (message, recipient), first delivery attempt only; inbound = directionality Incoming, internal = the rest delivered to a mailbox; messages that waited for a moderator or after a DEFER are in rows of their own, not in the others; a Safety Net resubmission is not delivery time (its row gives the time from receipt to the resubmission); per server: the message's first RECEIVE/SUBMIT on the server → its last DELIVER/SEND there before any resubmission. Percentiles by nearest rank, in seconds",
        &["Path", "Count", "P50 s", "P90 s", "P99 s", "Max s"],
    );
    let distribution = buckets(&inbound, &internal, &outbound);
    latency_row(&mut latency, "end to end, to a mailbox", &mut all_mailbox);
    latency_row(
        &mut latency,
        "end to end, out of the organization",
        &mut outbound,
    );
    latency_row(
        &mut latency,
        "inbound from outside, to a mailbox",
        &mut inbound,
    );
    latency_row(&mut latency, "internal, to a mailbox", &mut internal);
    for (why, values) in &mut waiting {
        latency_row(&mut latency, why, values);
    }
    latency_row(
        &mut latency,
        "Safety Net resubmission (not delivery time)",
        &mut safety_net,
    );
    for (server, values) in &mut per_server {
        latency_row(&mut latency, &format!("on {server}"), values);
    }
    (latency, distribution, slowest_table(slowest))
}

/// The 20 slowest messages (first attempt, no waits), each with its slowest server.
fn slowest_table(mut slowest: Vec<(i64, &Msg)>) -> Table {
    slowest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let mut t = Table::new(
        "slowest_messages",
        "Slowest messages",
        "the 20 messages with the longest end-to-end time (their slowest recipient, first delivery attempt, no moderation or DEFER wait), and the server where they spent the longest",
        &[
            "Message-ID",
            "Sender",
            "Directionality",
            "Latency s",
            "Slowest hop",
            "Hop s",
        ],
    );
    for (ms, m) in slowest.into_iter().take(20) {
        let hop = hops(m).into_iter().max_by_key(|(_, ms)| *ms);
        t.row(vec![
            Cell::from(m.id.as_str()),
            Cell::from(&*m.sender),
            Cell::from(if m.directionality.is_empty() {
                "(not logged)"
            } else {
                &*m.directionality
            }),
            seconds(Some(ms)),
            Cell::from(hop.map_or("-", |(s, _)| s)),
            seconds(hop.map(|(_, ms)| ms)),
        ]);
    }
    t
}

/// End-to-end latencies in buckets on a log scale (1–3–10), for a chart that stays readable
/// with outliers.
fn buckets(inbound: &[i64], internal: &[i64], outbound: &[i64]) -> Table {
    const BUCKETS: [(i64, &str); 10] = [
        (100, "< 0.1 s"),
        (300, "0.1–0.3 s"),
        (1_000, "0.3–1 s"),
        (3_000, "1–3 s"),
        (10_000, "3–10 s"),
        (30_000, "10–30 s"),
        (100_000, "30–100 s"),
        (300_000, "100–300 s"),
        (1_000_000, "5–17 min"),
        (i64::MAX, "≥ 17 min"),
    ];
    let mut t = Table::new(
        "latency_distribution",
        "End-to-end latency distribution",
        "one value per (message, recipient), first delivery attempt, no moderation or DEFER wait; buckets on a log scale",
        &["Latency", "Inbound", "Internal", "Outbound"],
    )
    .with_chart(0, vec![1, 2, 3]);
    let mut lower = 0;
    for (upper, label) in BUCKETS {
        let count = |v: &[i64]| v.iter().filter(|x| **x >= lower && **x < upper).count();
        t.row(vec![
            label.into(),
            count(inbound).into(),
            count(internal).into(),
            count(outbound).into(),
        ]);
        lower = upper;
    }
    // No empty tail: the last bucket that holds a value ends the table.
    while t
        .rows
        .last()
        .is_some_and(|r| r[1..].iter().all(|c| *c == Cell::Int(0)))
        && t.rows.len() > 1
    {
        t.rows.pop();
    }
    t
}

/// The nearest-rank percentile `p` (0–100) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

fn seconds(ms: Option<i64>) -> Cell {
    ms.map_or(Cell::from("-"), |v| Cell::Float(v as f64 / 1000.0))
}

fn latency_row(t: &mut Table, label: &str, values: &mut [i64]) {
    if values.is_empty() {
        return;
    }
    values.sort_unstable();
    t.row(vec![
        label.into(),
        values.len().into(),
        seconds(percentile(values, 50.0)),
        seconds(percentile(values, 90.0)),
        seconds(percentile(values, 99.0)),
        seconds(values.last().copied()),
    ]);
}

/// The P90 of end-to-end delivery to a mailbox (first attempt, no waits), in ms: for the
/// headline and `--fail-on p90=`.
pub(super) fn p90_to_mailbox(v: &View<'_>) -> Option<i64> {
    let mut all: Vec<i64> = v
        .messages
        .iter()
        .filter(|m| waited(m).is_none())
        .flat_map(|m| end_to_end(m).0)
        .collect();
    all.sort_unstable();
    percentile(&all, 90.0)
}
