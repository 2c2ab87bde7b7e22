//! Coverage per server: rows, first and last event, whole UTC hours with no row.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::collect::Coverage;
use super::rules::SummaryOptions;
use crate::report::table::Table;

pub(super) fn coverage(servers: &BTreeMap<String, Coverage>, o: &SummaryOptions) -> Table {
    // Coverage.
    let mut coverage = Table::new(
        "coverage",
        "Coverage per server",
        "every row read (noise included), per server; a missing hour is a whole UTC hour between the first and last row with no row at all — logs missing, or a quiet server",
        &[
            "Server",
            "Rows",
            "First event",
            "Last event",
            "Missing hours",
        ],
    );
    for (server, c) in servers {
        let missing = missing_hours(c);
        coverage.row(vec![
            server.clone().into(),
            c.rows.into(),
            o.zone.format_ms(c.first_ms).into(),
            o.zone.format_ms(c.last_ms).into(),
            missing.into(),
        ]);
    }
    coverage.with_chart(0, vec![1])
}

/// Whole UTC hours without rows between a server's first and last row, as ranges.
fn missing_hours(c: &Coverage) -> String {
    if c.rows == 0 {
        return String::new();
    }
    let (first, last) = (
        c.first_ms.div_euclid(3_600_000),
        c.last_ms.div_euclid(3_600_000),
    );
    let mut gaps: Vec<(i64, i64)> = Vec::new();
    for h in first..=last {
        if !c.hours.contains(&h) {
            match gaps.last_mut() {
                Some(g) if g.1 + 1 == h => g.1 = h,
                _ => gaps.push((h, h)),
            }
        }
    }
    if gaps.is_empty() {
        return "none".into();
    }
    let hour = |h: i64| {
        DateTime::<Utc>::from_timestamp(h * 3600, 0)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:00Z").to_string())
    };
    let total: i64 = gaps.iter().map(|(a, b)| b - a + 1).sum();
    let list: Vec<String> = gaps
        .iter()
        .take(5)
        .map(|(a, b)| {
            if a == b {
                hour(*a)
            } else {
                format!("{} – {}", hour(*a), hour(b + 1))
            }
        })
        .collect();
    format!(
        "{total}: {}{}",
        list.join(", "),
        if gaps.len() > 5 { ", …" } else { "" }
    )
}
