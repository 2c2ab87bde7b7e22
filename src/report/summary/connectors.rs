//! Directions and connectors: directionality, receive and send connectors.

use super::View;
use super::collect::Msg;
use super::queries::QueryBook;
use super::tables::{Counts, bump, capital, ranked};
use crate::report::table::Table;

/// Messages per directionality and per connector.
#[derive(Debug, Default)]
pub(super) struct Connectors {
    directions: Counts,
    receive: Counts,
    send: Counts,
    received: u64,
}

impl Connectors {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        let k = v.received_k(m);
        self.received += k;
        let d = if m.directionality.is_empty() {
            "(not logged)"
        } else {
            &m.directionality
        };
        bump(&mut self.directions, d, k);
        for c in &m.receive_connectors {
            bump(&mut self.receive, c, k);
        }
        for c in &m.send_connectors {
            bump(&mut self.send, c, k);
        }
    }

    /// The directionality, receive-connector and send-connector tables.
    pub(super) fn tables(&self, v: &View<'_>, book: &QueryBook) -> (Table, Table, Table) {
        let rule = v.rule();
        let conn_rule = format!(
            "{} received; a message that crossed several connectors counts once for each",
            rule.unit()
        );
        let directions = ranked(
            "directionality",
            "By directionality",
            &format!(
                "{} received, by the directionality of the first RECEIVE/SUBMIT",
                rule.unit()
            ),
            &["Directionality", &capital(rule.unit())],
            &self.directions,
        )
        .with_query(book.directionality(rule));
        let receive_connectors = ranked(
            "receive_connectors",
            "By receive connector (SMTP RECEIVE)",
            &conn_rule,
            &["Connector", &capital(rule.unit())],
            &self.receive,
        );
        let send_connectors = ranked(
            "send_connectors",
            "By send connector (SEND)",
            &conn_rule,
            &["Connector", &capital(rule.unit())],
            &self.send,
        );
        let share = |t: Table| {
            super::tables::with_share(t, 1, self.received, "Share of received")
                .with_chart(0, vec![1])
        };
        (
            share(directions),
            share(receive_connectors),
            share(send_connectors),
        )
    }
}
