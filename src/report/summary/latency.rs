//! Delivery latency: end to end and per server, by nearest-rank percentiles, and its
//! distribution.

use std::collections::BTreeMap;

use super::View;
use crate::report::table::{Cell, Table};

pub(super) fn latency(v: &View<'_>) -> (Table, Table) {
    let messages = v.messages.as_slice();
    // Latency.
    let mut to_mailbox: Vec<i64> = Vec::new();
    let mut out_of_org: Vec<i64> = Vec::new();
    let mut per_server: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for m in messages {
        if let Some(r) = m.received_ms {
            to_mailbox.extend(m.delivered.values().map(|d| d - r).filter(|d| *d >= 0));
            out_of_org.extend(m.sent.values().map(|d| d - r).filter(|d| *d >= 0));
        }
        for (server, (a, b)) in m.per_server.iter() {
            if let (Some(a), Some(b)) = (a, b)
                && b >= a
            {
                per_server.entry(&**server).or_default().push(b - a);
            }
        }
    }
    let mut latency = Table::new(
        "latency",
        "Delivery latency",
        "end to end: first RECEIVE/SUBMIT of the message → each recipient's DELIVER (or its SEND out of the organization), one value per (message, recipient); per server: the message's first RECEIVE/SUBMIT on the server → its last DELIVER/SEND there. Percentiles by nearest rank, in seconds",
        &["Path", "Count", "P50 s", "P90 s", "P99 s", "Max s"],
    );
    let distribution = latency_buckets(&to_mailbox, &out_of_org);
    latency_row(&mut latency, "end to end, to a mailbox", &mut to_mailbox);
    latency_row(
        &mut latency,
        "end to end, out of the organization",
        &mut out_of_org,
    );
    for (server, values) in &mut per_server {
        latency_row(&mut latency, &format!("on {server}"), values);
    }
    (latency, distribution)
}

/// End-to-end latencies counted in buckets, for the distribution chart.
fn latency_buckets(to_mailbox: &[i64], out_of_org: &[i64]) -> Table {
    const BUCKETS: [(i64, &str); 7] = [
        (1_000, "< 1 s"),
        (5_000, "1–5 s"),
        (30_000, "5–30 s"),
        (120_000, "30 s–2 min"),
        (600_000, "2–10 min"),
        (3_600_000, "10–60 min"),
        (i64::MAX, "≥ 1 h"),
    ];
    let mut t = Table::new(
        "latency_distribution",
        "End-to-end latency distribution",
        "one value per (message, recipient): first RECEIVE/SUBMIT → DELIVER, or → SEND out of the organization",
        &["Latency", "To a mailbox", "Out of the organization"],
    )
    .with_chart(0, vec![1, 2]);
    let mut lower = 0;
    for (upper, label) in BUCKETS {
        let count = |v: &[i64]| v.iter().filter(|x| **x >= lower && **x < upper).count();
        t.row(vec![
            label.into(),
            count(to_mailbox).into(),
            count(out_of_org).into(),
        ]);
        lower = upper;
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
