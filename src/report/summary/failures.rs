//! Failures by enhanced status code, and deferrals by reason.

use std::collections::{BTreeMap, BTreeSet};

use super::View;
use super::queries::QueryBook;
use super::rules::CountRule;
use super::tables::{capital, ranked};
use crate::format::status::Status;
use crate::report::table::Table;

pub(super) fn failures(v: &View<'_>, book: &QueryBook) -> Table {
    let rule = v.rule();
    let messages = v.messages.as_slice();
    // Failures by enhanced status code.
    let mut by_code: BTreeMap<String, (u64, String, String, String)> = BTreeMap::new();
    for m in messages {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (r, status) in m.failed.iter() {
            let st = Status::parse(status);
            let code = if st.enhanced.is_empty() {
                "(no code)".to_string()
            } else {
                st.enhanced.clone()
            };
            let first = seen.insert(code.clone());
            let e = by_code
                .entry(code)
                .or_insert_with(|| (0, status.to_string(), r.to_string(), m.id.clone()));
            if rule == CountRule::PerRecipient || first {
                e.0 += 1;
            }
        }
    }
    let mut failures = Table::new(
        "failures_by_code",
        "Failures by enhanced status code",
        &format!("{} with a FAIL row, by the enhanced code of its status (a message failing with two codes counts under each)", rule.unit()),
        &["Code", &capital(rule.unit()), "Example status", "Example recipient", "Example Message-ID"],
    )
    .with_chart(0, vec![1])
    .with_query(book.failures(rule));
    let mut codes: Vec<_> = by_code.into_iter().collect();
    codes.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    for (code, (c, status, r, id)) in codes {
        failures.row(vec![
            code.into(),
            c.into(),
            status.into(),
            r.into(),
            id.into(),
        ]);
    }
    failures
}

/// Deferrals by reason (source context and status).
pub(super) fn deferrals(v: &View<'_>) -> Table {
    let rule = v.rule();
    let messages = v.messages.as_slice();
    // Deferrals by reason.
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    for m in messages {
        let reasons: BTreeSet<&str> = m.deferred.values().map(|v| &**v).collect();
        for reason in &reasons {
            let c = match rule {
                CountRule::PerMessage => 1,
                CountRule::PerRecipient => {
                    m.deferred.values().filter(|v| &***v == *reason).count() as u64
                }
            };
            *by_reason.entry(reason).or_default() += c;
        }
    }
    ranked(
        "deferrals_by_reason",
        "Deferrals by reason",
        &format!(
            "{} with a DEFER row, by source context and status",
            rule.unit()
        ),
        &["Reason", &capital(rule.unit())],
        by_reason,
    )
}
