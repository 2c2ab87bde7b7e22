//! Delivery latency: end to end by direction and per server, by nearest-rank percentiles, its
//! distribution on a log scale, and the slowest messages with their slowest hop.
//!
//! Delivery latency is the first delivery attempt only: a Safety Net resubmission's
//! redelivery (hours later, after a failover) is not delivery time, and messages that waited
//! for a moderator or in a queue after a DEFER are measured in rows of their own, never mixed
//! into the delivery figures.

use std::collections::BTreeMap;

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

/// Latencies (ms) as counts per value: exact nearest-rank percentiles in memory that grows
/// with the distinct values, not with the messages.
#[derive(Debug, Default)]
pub(super) struct Dist {
    counts: BTreeMap<i64, u64>,
    len: u64,
}

impl Dist {
    pub(super) fn push(&mut self, ms: i64) {
        *self.counts.entry(ms).or_default() += 1;
        self.len += 1;
    }

    fn extend<'a>(&mut self, values: impl IntoIterator<Item = &'a i64>) {
        for v in values {
            self.push(*v);
        }
    }

    fn len(&self) -> u64 {
        self.len
    }

    /// The nearest-rank percentile `p` (0–100).
    pub(super) fn percentile(&self, p: f64) -> Option<i64> {
        if self.len == 0 {
            return None;
        }
        let rank = (((p / 100.0) * self.len as f64).ceil().max(1.0) as u64).min(self.len);
        let mut seen = 0;
        for (v, n) in &self.counts {
            seen += n;
            if seen >= rank {
                return Some(*v);
            }
        }
        self.max()
    }

    fn max(&self) -> Option<i64> {
        self.counts.keys().next_back().copied()
    }

    /// How many values are in `lower..upper`.
    fn between(&self, lower: i64, upper: i64) -> u64 {
        self.counts.range(lower..upper).map(|(_, n)| n).sum()
    }
}

/// One of the slowest messages, kept with what its row shows.
#[derive(Debug)]
struct Slow {
    ms: i64,
    id: Box<str>,
    sender: Box<str>,
    directionality: Box<str>,
    hop: Option<(Box<str>, i64)>,
}

/// How many slowest messages the table shows.
const SLOWEST: usize = 20;

/// The latency tables' running values.
#[derive(Debug, Default)]
pub(super) struct Latency {
    inbound: Dist,
    internal: Dist,
    outbound: Dist,
    /// Every end-to-end time to a mailbox (first attempt, no waits): the headline's P90.
    pub(super) all_mailbox: Dist,
    waiting: BTreeMap<&'static str, Dist>,
    safety_net: Dist,
    per_server: BTreeMap<Box<str>, Dist>,
    slowest: Vec<Slow>,
    /// Once [`SLOWEST`] messages are kept, a message faster than this cannot enter.
    slowest_floor: Option<i64>,
}

impl Latency {
    /// Adds one message's times.
    pub(super) fn add(&mut self, m: &Msg) {
        let (to_mailbox, out_of_org) = end_to_end(m);
        if let (Some(resubmit), Some(received)) = (m.resubmit_ms, m.received_ms) {
            self.safety_net.push((resubmit - received).max(0));
        }
        if let Some(why) = waited(m) {
            self.waiting
                .entry(why)
                .or_default()
                .extend(to_mailbox.iter().chain(&out_of_org));
            return;
        }
        if m.directionality.eq_ignore_ascii_case("Incoming") {
            self.inbound.extend(&to_mailbox);
        } else {
            self.internal.extend(&to_mailbox);
        }
        self.all_mailbox.extend(&to_mailbox);
        self.outbound.extend(&out_of_org);
        let hops = hops(m);
        if let Some(worst) = to_mailbox.iter().chain(&out_of_org).max() {
            self.keep_if_slow(*worst, m, &hops);
        }
        for (server, ms) in hops {
            match self.per_server.get_mut(server) {
                Some(d) => d.push(ms),
                None => {
                    let mut d = Dist::default();
                    d.push(ms);
                    self.per_server.insert(server.into(), d);
                }
            }
        }
    }

    fn keep_if_slow(&mut self, ms: i64, m: &Msg, hops: &[(&str, i64)]) {
        if self.slowest_floor.is_some_and(|floor| ms < floor) {
            return;
        }
        let hop = hops
            .iter()
            .copied()
            .reduce(|a, b| if b.1 >= a.1 { b } else { a });
        self.slowest.push(Slow {
            ms,
            id: m.id.as_str().into(),
            sender: (*m.sender).into(),
            directionality: (*m.directionality).into(),
            hop: hop.map(|(s, ms)| (s.into(), ms)),
        });
        if self.slowest.len() >= 8 * SLOWEST {
            self.trim_slowest();
        }
    }

    /// Keeps the [`SLOWEST`] slowest (ties: the smaller Message-ID first).
    fn trim_slowest(&mut self) {
        self.slowest
            .sort_by(|a, b| b.ms.cmp(&a.ms).then_with(|| a.id.cmp(&b.id)));
        self.slowest.truncate(SLOWEST);
        if self.slowest.len() == SLOWEST {
            self.slowest_floor = self.slowest.last().map(|s| s.ms);
        }
    }

    /// The latency tables: percentiles, distribution, slowest messages.
    pub(super) fn tables(mut self) -> (Table, Table, Table) {
        let mut latency = Table::new(
            "latency",
            "Delivery latency",
            "end to end: the message's original arrival (as the cmdlet's MessageLatency counts it: message-info of DELIVER, else the first RECEIVE/SUBMIT) → each recipient's first DELIVER (or its SEND out of the organization), one value per (message, recipient), first delivery attempt only; inbound = directionality Incoming, internal = the rest delivered to a mailbox; messages that waited for a moderator or after a DEFER are in rows of their own, not in the others; a Safety Net resubmission is not delivery time (its row gives the time from receipt to the resubmission); per server: the message's first RECEIVE/SUBMIT on the server → its last DELIVER/SEND there before any resubmission. Percentiles by nearest rank, in seconds",
            &["Path", "Count", "P50 s", "P90 s", "P99 s", "Max s"],
        );
        let distribution = buckets(&self.inbound, &self.internal, &self.outbound);
        latency_row(&mut latency, "end to end, to a mailbox", &self.all_mailbox);
        latency_row(
            &mut latency,
            "end to end, out of the organization",
            &self.outbound,
        );
        latency_row(
            &mut latency,
            "inbound from outside, to a mailbox",
            &self.inbound,
        );
        latency_row(&mut latency, "internal, to a mailbox", &self.internal);
        for (why, values) in &self.waiting {
            latency_row(&mut latency, why, values);
        }
        latency_row(
            &mut latency,
            "Safety Net resubmission (not delivery time)",
            &self.safety_net,
        );
        for (server, values) in &self.per_server {
            latency_row(&mut latency, &format!("on {server}"), values);
        }
        self.trim_slowest();
        (latency, distribution, slowest_table(&self.slowest))
    }
}

/// The slowest messages (first attempt, no waits), each with its slowest server.
fn slowest_table(slowest: &[Slow]) -> Table {
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
    for s in slowest {
        t.row(vec![
            Cell::from(&*s.id),
            Cell::from(&*s.sender),
            Cell::from(if s.directionality.is_empty() {
                "(not logged)"
            } else {
                &*s.directionality
            }),
            seconds(Some(s.ms)),
            Cell::from(s.hop.as_ref().map_or("-", |(s, _)| &**s)),
            seconds(s.hop.as_ref().map(|(_, ms)| *ms)),
        ]);
    }
    t
}

/// End-to-end latencies in buckets on a log scale (1–3–10), for a chart that stays readable
/// with outliers.
fn buckets(inbound: &Dist, internal: &Dist, outbound: &Dist) -> Table {
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
        t.row(vec![
            label.into(),
            inbound.between(lower, upper).into(),
            internal.between(lower, upper).into(),
            outbound.between(lower, upper).into(),
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

fn latency_row(t: &mut Table, label: &str, values: &Dist) {
    if values.len() == 0 {
        return;
    }
    t.row(vec![
        label.into(),
        values.len().into(),
        seconds(values.percentile(50.0)),
        seconds(values.percentile(90.0)),
        seconds(values.percentile(99.0)),
        seconds(values.max()),
    ]);
}
