//! Failures by enhanced status code, and deferrals by reason.

use std::collections::{BTreeMap, BTreeSet};

use super::View;
use super::collect::Msg;
use super::queries::QueryBook;
use super::rules::CountRule;
use super::tables::{Counts, bump, capital, ranked};
use crate::format::status::Status;
use crate::report::table::Table;

/// Where a message comes in the report's fixed order (first received, then by Message-ID):
/// the example of a code is that of the first message in this order, whichever pass read it.
type Place = (Option<i64>, Box<str>);

fn place_of(m: &Msg) -> (Option<i64>, &str) {
    (m.received_ms, &m.id)
}

/// One code's count and its example (status, recipient), from the message at `place`.
#[derive(Debug)]
struct Code {
    count: u64,
    place: Place,
    status: String,
    recipient: String,
}

/// Failed messages (or recipients) by enhanced status code.
#[derive(Debug, Default)]
pub(super) struct Failures(BTreeMap<String, Code>);

impl Failures {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (r, status) in m.failed.iter() {
            let st = Status::parse(status);
            let code = if st.enhanced.is_empty() {
                "(no code)".to_string()
            } else {
                st.enhanced
            };
            let first = seen.insert(code.clone());
            let here = place_of(m);
            let example = || (status.to_string(), r.to_string());
            let e = self.0.entry(code).or_insert_with(|| {
                let (status, recipient) = example();
                Code {
                    count: 0,
                    place: (here.0, here.1.into()),
                    status,
                    recipient,
                }
            });
            if first && here < (e.place.0, &*e.place.1) {
                (e.status, e.recipient) = example();
                e.place = (here.0, here.1.into());
            }
            if v.rule() == CountRule::PerRecipient || first {
                e.count += 1;
            }
        }
    }

    /// The failures table.
    pub(super) fn table(&self, v: &View<'_>, book: &QueryBook) -> Table {
        let rule = v.rule();
        let mut failures = Table::new(
            "failures_by_code",
            "Failures by enhanced status code",
            &format!("{} with a FAIL row, by the enhanced code of its status (a message failing with two codes counts under each)", rule.unit()),
            &["Code", &capital(rule.unit()), "Example status", "Example recipient", "Example Message-ID"],
        )
        .with_chart(0, vec![1])
        .with_query(book.failures(rule));
        let mut codes: Vec<_> = self.0.iter().collect();
        codes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        for (code, c) in codes {
            failures.row(vec![
                code.as_str().into(),
                c.count.into(),
                c.status.as_str().into(),
                c.recipient.as_str().into(),
                (&*c.place.1).into(),
            ]);
        }
        failures
    }
}

/// Deferred messages (or recipients) by reason (source context and status).
#[derive(Debug, Default)]
pub(super) struct Deferrals(Counts);

impl Deferrals {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        let reasons: BTreeSet<&str> = m.deferred.values().map(|v| &**v).collect();
        for reason in &reasons {
            let c = match v.rule() {
                CountRule::PerMessage => 1,
                CountRule::PerRecipient => {
                    m.deferred.values().filter(|v| &***v == *reason).count() as u64
                }
            };
            bump(&mut self.0, reason, c);
        }
    }

    /// The deferrals table.
    pub(super) fn table(&self, v: &View<'_>) -> Table {
        let rule = v.rule();
        ranked(
            "deferrals_by_reason",
            "Deferrals by reason",
            &format!(
                "{} with a DEFER row, by source context and status",
                rule.unit()
            ),
            &["Reason", &capital(rule.unit())],
            &self.0,
        )
    }
}
