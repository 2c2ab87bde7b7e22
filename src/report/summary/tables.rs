//! Table helpers shared by the summary's sections.

use std::collections::{BTreeMap, HashMap};

use crate::report::table::{Cell, Table};

pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub(super) fn add2<'a>(
    map: &mut HashMap<&'a str, (u64, i64)>,
    key: &'a str,
    count: u64,
    bytes: i64,
) {
    let e = map.entry(key).or_default();
    e.0 += count;
    e.1 = e.1.saturating_add(bytes);
}

pub(super) fn ranked(
    key: &str,
    title: &str,
    rule: &str,
    headers: &[&str],
    counts: BTreeMap<&str, u64>,
) -> Table {
    let mut t = Table::new(key, title, rule, headers);
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (k, v) in list {
        t.row(vec![k.into(), v.into()]);
    }
    t
}

/// Appends a `header` column: each row's value in column `col` as a percentage of `total`.
pub(super) fn with_share(mut t: Table, col: usize, total: u64, header: &str) -> Table {
    t.headers.push(header.to_string());
    for row in &mut t.rows {
        let v = row.get(col).and_then(Cell::number).unwrap_or(0.0);
        row.push(if total == 0 {
            Cell::from("-")
        } else {
            Cell::Percent(v * 100.0 / total as f64)
        });
    }
    t
}
