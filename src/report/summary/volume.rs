//! Volume over time: per hour (quiet hours filled in) and per day, in the report's zone.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Timelike, Utc};

use super::View;
use super::collect::Msg;
use super::queries::QueryBook;
use super::rules::CountRule;
use super::tables::capital;
use crate::report::table::{Cell, Table};

/// Counted per UTC quarter hour first (every zone's offset is a whole number of quarters),
/// then each quarter is labelled once in the report's zone.
const QUARTER_MS: i64 = 15 * 60_000;

/// Messages and bytes received per UTC quarter hour.
#[derive(Debug, Default)]
pub(super) struct Volume(HashMap<i64, (u64, i64)>);

impl Volume {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        let Some(t) = m.received_ms else { return };
        let k = v.received_k(m);
        let q = self.0.entry(t.div_euclid(QUARTER_MS)).or_default();
        q.0 += k;
        q.1 = q.1.saturating_add(m.bytes.saturating_mul(k as i64));
    }

    /// The tables per hour and per day.
    pub(super) fn tables(&self, v: &View<'_>, book: &QueryBook) -> (Table, Table) {
        volume(&self.0, v, book)
    }
}

fn volume(
    per_quarter: &HashMap<i64, (u64, i64)>,
    v: &View<'_>,
    book: &QueryBook,
) -> (Table, Table) {
    let rule = v.rule();
    let o = v.options;
    let mut per_hour: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut per_day: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (&quarter, &(k, b)) in per_quarter {
        let Some(t) = DateTime::<Utc>::from_timestamp_millis(quarter * QUARTER_MS) else {
            continue;
        };
        let local = o.zone.local(t);
        let day = local.format("%Y-%m-%d").to_string();
        let h = per_hour
            .entry(format!("{day} {:02}:00", local.hour()))
            .or_default();
        h.0 += k;
        h.1 = h.1.saturating_add(b);
        let d = per_day.entry(day).or_default();
        d.0 += k;
        d.1 = d.1.saturating_add(b);
    }
    let vol_rule = format!(
        "{} received, by the time of the message's first RECEIVE or SUBMIT ({}); bytes = the message size{}",
        rule.unit(),
        o.zone.label(),
        if rule == CountRule::PerRecipient {
            " × recipients"
        } else {
            ""
        }
    );
    fill_hours(&mut per_hour);
    let mut hourly = Table::new(
        "volume_per_hour",
        "Volume per hour",
        &vol_rule,
        &["Hour", &capital(rule.unit()), "Bytes"],
    )
    .with_chart(0, vec![1]);
    for (k, (c, b)) in &per_hour {
        hourly.row(vec![k.clone().into(), (*c).into(), Cell::Bytes(*b)]);
    }
    hourly.query = book.per_hour(rule);
    let mut daily = Table::new(
        "volume_per_day",
        "Volume per day",
        &vol_rule,
        &["Day", &capital(rule.unit()), "Bytes"],
    );
    for (k, (c, b)) in &per_day {
        daily.row(vec![k.clone().into(), (*c).into(), Cell::Bytes(*b)]);
    }
    (hourly, daily)
}

/// Adds the empty hours between the first and last hour, so a chart shows quiet hours.
fn fill_hours(per_hour: &mut BTreeMap<String, (u64, i64)>) {
    let parse = |k: &str| {
        chrono::NaiveDateTime::parse_from_str(&format!("{k}:00"), "%Y-%m-%d %H:%M:%S").ok()
    };
    let (Some(first), Some(last)) = (
        per_hour.keys().next().and_then(|k| parse(k)),
        per_hour.keys().next_back().and_then(|k| parse(k)),
    ) else {
        return;
    };
    let mut t = first;
    let mut n = 0;
    while t < last && n < 24 * 62 {
        t += chrono::Duration::hours(1);
        n += 1;
        per_hour
            .entry(t.format("%Y-%m-%d %H:00").to_string())
            .or_default();
    }
}
