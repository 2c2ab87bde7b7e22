//! Unit tests of the summary's tables.

use super::*;

#[test]
fn nearest_rank_percentiles() {
    let v: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&v, 50.0), Some(5));
    assert_eq!(percentile(&v, 90.0), Some(9));
    assert_eq!(percentile(&v, 99.0), Some(10));
    assert_eq!(percentile(&[7], 50.0), Some(7));
    assert_eq!(percentile(&[], 50.0), None);
}

proptest::proptest! {
    /// Counting values per distinct value gives every nearest-rank percentile and the
    /// maximum of the sorted list.
    #[test]
    fn counted_latencies_give_the_sorted_lists_percentiles(
        values in proptest::collection::vec(-5i64..400_000, 1..300),
        p in 0.0f64..=100.0,
    ) {
        let mut dist = latency::Dist::default();
        for v in &values {
            dist.push(*v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        proptest::prop_assert_eq!(dist.percentile(p), percentile(&sorted, p));
        proptest::prop_assert_eq!(dist.percentile(100.0), sorted.last().copied());
    }
}

/// The states of the messages a collector holds, by Message-ID, as text.
fn states(c: &SummaryCollector) -> Vec<String> {
    let mut v: Vec<String> = c.messages.values().map(|m| format!("{m:?}")).collect();
    v.sort();
    v
}

proptest::proptest! {
    /// A row set aside keeps every field the fold reads: rows of every event, with every
    /// kind of value the fold tests (SMTP or not, inbound connectors, directions, latency
    /// in message-info, statuses, source contexts with and without `;`), fold to the same
    /// state whole or as set aside.
    #[test]
    fn a_row_set_aside_folds_as_the_whole_row(
        rows in proptest::collection::vec(
            (
                0..crate::format::EventId::ALL.len() + 1,
                0..4usize, 0..4usize, 0..3usize, 0..3usize, 0..3usize, 0..3usize,
                proptest::collection::vec(0..4usize, 0..4),
                proptest::option::of(0i64..100_000),
                0i64..10_000_000,
                0..3usize,
            ),
            1..8,
        ),
    ) {
        use crate::format::EventId;
        use crate::report::scan::ReportRow;
        let sources = ["SMTP", "STOREDRIVER", "AGENT", ""];
        let connectors = ["", "EX01\\Default EX01", "Intra-Organization SMTP Send Connector", "Inbound from Office 365"];
        let directions = ["", "Incoming", "Originating"];
        let infos = ["", "2026-11-20T10:00:00.000Z;SRV=EX01.contoso.com:TOTAL=0", "0cI:"];
        let statuses = ["", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "432 4.3.2 STOREDRV.Deliver; mailbox busy"];
        let contexts = ["", "Throttled", "a;b;c"];
        let addresses = ["ann@contoso.com", "Bob@Fabrikam.com", "HealthMailbox1@contoso.com", "journal@contoso.com"];
        let senders = ["", "ann@contoso.com", "<>"];
        let options = SummaryOptions {
            count: CountRule::PerRecipient,
            zone: crate::format::zone::Zone::parse("UTC").unwrap(),
            exclude_noise: false,
            top: 10,
        };
        let mut whole = SummaryCollector::new(options.clone());
        let mut aside = SummaryCollector::new(options);
        for (e, src, con, dir, info, st, ctx, rcpt, bytes, t, snd) in rows {
            let event = EventId::ALL.get(e).copied().unwrap_or(EventId::Other);
            let recipients: Vec<&str> = rcpt.iter().map(|i| addresses[*i]).collect();
            let status: Vec<&str> = recipients.iter().map(|_| statuses[st]).collect();
            let row = ReportRow {
                timestamp_ms: 1_795_132_800_000 + t,
                server: "EX01",
                event,
                source: sources[src],
                source_context: contexts[ctx],
                connector_id: connectors[con],
                message_id: "<Id@contoso.com>",
                sender: senders[snd],
                return_path: senders[(snd + 1) % 3],
                recipients: &recipients,
                statuses: &status,
                related: "group@contoso.com",
                reference: &["<r@x>"],
                total_bytes: bytes,
                directionality: directions[dir],
                message_info: infos[info],
            };
            whole.add_to_message(&row);
            aside.add_to_message(&collect::as_folded(&row));
        }
        proptest::prop_assert_eq!(states(&whole), states(&aside));
    }
}
