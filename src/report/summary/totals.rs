//! Totals: received, delivered, sent out, failed, deferred, expanded, redirected.

use super::View;
use super::collect::Msg;
use super::queries::QueryBook;
use super::tables::capital;
use crate::report::table::{Cell, Table};

pub(super) fn totals(v: &View<'_>, book: &QueryBook) -> Table {
    let rule = v.rule();
    let messages = v.messages.as_slice();
    let n = |k: usize| v.n(k);
    let received_k = |m: &Msg| v.received_k(m);
    // Totals.
    let mut totals = Table::new(
        "totals",
        "Totals",
        rule.rule(),
        &["Event", &capital(rule.unit())],
    );
    let sums: [(&str, u64); 7] = [
        ("received", messages.iter().map(|m| received_k(m)).sum()),
        (
            "delivered",
            messages.iter().map(|m| n(m.delivered.len())).sum(),
        ),
        (
            "sent out of the organization",
            messages.iter().map(|m| n(m.sent.len())).sum(),
        ),
        ("failed", messages.iter().map(|m| n(m.failed.len())).sum()),
        (
            "deferred",
            messages.iter().map(|m| n(m.deferred.len())).sum(),
        ),
        (
            "expanded (groups)",
            messages.iter().map(|m| n(m.expanded.len())).sum(),
        ),
        (
            "redirected",
            messages.iter().map(|m| n(m.redirected.len())).sum(),
        ),
    ];
    for (label, value) in &sums {
        totals.row(vec![Cell::from(*label), Cell::from(*value)]);
    }
    totals.query = book.totals(rule);
    let received = sums[0].1;
    super::tables::with_share(totals, 1, received, "Share of received")
}
