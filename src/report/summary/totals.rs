//! Totals: received, delivered, sent out, failed, deferred, expanded, redirected.

use super::View;
use super::collect::Msg;
use super::queries::QueryBook;
use super::tables::capital;
use crate::report::table::{Cell, Table};

const LABELS: [&str; 7] = [
    "received",
    "delivered",
    "sent out of the organization",
    "failed",
    "deferred",
    "expanded (groups)",
    "redirected",
];

/// The totals' running sums, in the order of [`LABELS`].
#[derive(Debug, Default)]
pub(super) struct Totals([u64; 7]);

impl Totals {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        let counts = [
            v.received_k(m),
            v.n(m.delivered.len()),
            v.n(m.sent.len()),
            v.n(m.failed.len()),
            v.n(m.deferred.len()),
            v.n(m.expanded.len()),
            v.n(m.redirected.len()),
        ];
        for (sum, k) in self.0.iter_mut().zip(counts) {
            *sum += k;
        }
    }

    /// The totals table.
    pub(super) fn table(&self, v: &View<'_>, book: &QueryBook) -> Table {
        let rule = v.rule();
        let mut totals = Table::new(
            "totals",
            "Totals",
            rule.rule(),
            &["Event", &capital(rule.unit())],
        );
        for (label, value) in LABELS.iter().zip(self.0) {
            totals.row(vec![Cell::from(*label), Cell::from(value)]);
        }
        totals.query = book.totals(rule);
        super::tables::with_share(totals, 1, self.0[0], "Share of received")
    }
}
