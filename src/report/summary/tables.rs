//! Table helpers shared by the summary's sections.

use std::collections::HashMap;

use crate::report::table::{Cell, Table};

pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Counts by a name the table owns (the messages that gave them are gone by the time the
/// table is made when the report reads in several passes).
pub(super) type Counts = HashMap<Box<str>, u64>;

/// Counts and bytes by a name.
pub(super) type Sizes = HashMap<Box<str>, (u64, i64)>;

/// `map[key]`, inserted as the default first (the key copied only then).
pub(super) fn entry<'m, V: Default>(map: &'m mut HashMap<Box<str>, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.into(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// Adds `count` to `key`.
pub(super) fn bump(map: &mut Counts, key: &str, count: u64) {
    *entry(map, key) += count;
}

/// Adds `count` and `bytes` to `key`.
pub(super) fn add2(map: &mut Sizes, key: &str, count: u64, bytes: i64) {
    let e = entry(map, key);
    e.0 += count;
    e.1 = e.1.saturating_add(bytes);
}

/// A table of `counts`, most first (ties by name).
pub(super) fn ranked(
    key: &str,
    title: &str,
    rule: &str,
    headers: &[&str],
    counts: &Counts,
) -> Table {
    let mut t = Table::new(key, title, rule, headers);
    let mut list: Vec<(&str, u64)> = counts.iter().map(|(k, n)| (&**k, *n)).collect();
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
