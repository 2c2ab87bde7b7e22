//! Directions and connectors: directionality, receive and send connectors.

use std::collections::BTreeMap;

use super::View;
use super::queries::QueryBook;
use super::tables::{capital, ranked};
use crate::report::table::Table;

pub(super) fn connectors(v: &View<'_>, book: &QueryBook) -> (Table, Table, Table) {
    let rule = v.rule();
    let messages = v.messages.as_slice();
    // Directions and connectors.
    let mut dirs: BTreeMap<&str, u64> = BTreeMap::new();
    let mut recv_conn: BTreeMap<&str, u64> = BTreeMap::new();
    let mut send_conn: BTreeMap<&str, u64> = BTreeMap::new();
    for m in messages {
        let k = v.received_k(m);
        let d = if m.directionality.is_empty() {
            "(not logged)"
        } else {
            &m.directionality
        };
        *dirs.entry(d).or_default() += k;
        for c in &m.receive_connectors {
            *recv_conn.entry(c).or_default() += k;
        }
        for c in &m.send_connectors {
            *send_conn.entry(c).or_default() += k;
        }
    }
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
        dirs,
    )
    .with_query(book.directionality(rule));
    let receive_connectors = ranked(
        "receive_connectors",
        "By receive connector (SMTP RECEIVE)",
        &conn_rule,
        &["Connector", &capital(rule.unit())],
        recv_conn,
    );
    let send_connectors = ranked(
        "send_connectors",
        "By send connector (SEND)",
        &conn_rule,
        &["Connector", &capital(rule.unit())],
        send_conn,
    );
    let received: u64 = messages.iter().map(|m| v.received_k(m)).sum();
    let share = |t: crate::report::table::Table| {
        super::tables::with_share(t, 1, received, "Share of received").with_chart(0, vec![1])
    };
    (
        share(directions),
        share(receive_connectors),
        share(send_connectors),
    )
}
