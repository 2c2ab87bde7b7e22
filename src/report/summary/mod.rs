//! `msgtrack report summary`: the day at a glance, as pflogsumm gives Postfix admins —
//! totals, volume over time, directions and connectors, top senders/recipients/domains,
//! failures by enhanced status code, deferrals, distribution-group use, latency, and how
//! well each server's logs cover the period.
//!
//! Counting: a message is one Message-ID, however many servers logged it. Per message, a
//! total counts the messages with at least one such event; per recipient, it counts distinct
//! (message, recipient) pairs. Every table states its rule.

mod collect;
mod connectors;
mod coverage;
mod failures;
pub mod figures;
mod groups;
mod latency;
mod passes;
pub mod queries;
mod rules;
mod spill;
mod tables;
mod tops;
mod totals;
mod volume;

pub use collect::{SummaryCollector, is_system_address};
pub use latency::percentile;
pub use rules::{CountRule, SummaryOptions};

use std::collections::BTreeMap;

use super::table::{Report, Section};
use collect::{Coverage, Msg};
use queries::QueryBook;

pub use passes::{MESSAGE_BYTES, MemoryLimit, Summarized, summarize};

/// The rule the report's numbers are counted by.
struct View<'a> {
    options: &'a SummaryOptions,
}

impl View<'_> {
    fn rule(&self) -> CountRule {
        self.options.count
    }

    /// A count under the rule: 1 per message with any, or the number of recipients.
    fn n(&self, k: usize) -> u64 {
        match self.rule() {
            CountRule::PerMessage => u64::from(k > 0),
            CountRule::PerRecipient => k as u64,
        }
    }

    /// What one received message counts for: 1, or its recipients.
    fn received_k(&self, m: &Msg) -> u64 {
        match self.rule() {
            CountRule::PerMessage => u64::from(m.received_ms.is_some()),
            CountRule::PerRecipient => m.recipients.len() as u64,
        }
    }
}

/// Every table's running values. Each message is added once, whole, in any order: the
/// tables come out the same whichever order and however many passes the messages came in
/// (ties and examples are settled by the message's first arrival, then its Message-ID).
#[derive(Debug)]
pub struct Tally {
    options: SummaryOptions,
    messages: u64,
    excluded: usize,
    totals: totals::Totals,
    volume: volume::Volume,
    connectors: connectors::Connectors,
    tops: tops::Tops,
    failures: failures::Failures,
    deferrals: failures::Deferrals,
    groups: groups::Groups,
    latency: latency::Latency,
    figures: figures::FigureTally,
    coverage: BTreeMap<String, Coverage>,
}

impl Tally {
    /// Empty tables for a report with `options`.
    pub fn new(options: SummaryOptions) -> Tally {
        Tally {
            options,
            messages: 0,
            excluded: 0,
            totals: Default::default(),
            volume: Default::default(),
            connectors: Default::default(),
            tops: Default::default(),
            failures: Default::default(),
            deferrals: Default::default(),
            groups: Default::default(),
            latency: Default::default(),
            figures: Default::default(),
            coverage: BTreeMap::new(),
        }
    }

    /// Adds one whole message (left out when it is noise and noise is excluded).
    fn add(&mut self, m: &Msg) {
        self.messages += 1;
        if self.options.exclude_noise && collect::is_noise(m) {
            self.excluded += 1;
            return;
        }
        let v = View {
            options: &self.options,
        };
        self.totals.add(&v, m);
        self.volume.add(&v, m);
        self.connectors.add(&v, m);
        self.tops.add(&v, m);
        self.failures.add(&v, m);
        self.deferrals.add(&v, m);
        self.groups.add(m);
        self.latency.add(m);
        self.figures.add(m);
    }

    /// The headline figures.
    pub fn figures(&self) -> figures::Figures {
        self.figures.figures(&self.latency)
    }

    /// How many messages were added (noise included).
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Builds the report and its headline figures (shown with the change against
    /// `previous` when given, and returned for `--fail-on`).
    pub fn finish_with(
        self,
        book: &QueryBook,
        previous: Option<&figures::Figures>,
    ) -> (Report, figures::Figures) {
        let o = &self.options;
        let v = View { options: o };
        let rule = o.count;
        let mut notes = vec![format!("Counting rule: {}.", rule.rule())];
        if o.exclude_noise {
            notes.push(format!(
                "{} noise messages left out (health and system mailboxes, journal, null sender).",
                self.excluded
            ));
        }
        let totals = self.totals.table(&v, book);
        let (hourly, daily) = self.volume.tables(&v, book);
        let (directions, receive_connectors, send_connectors) = self.connectors.tables(&v, book);
        let tops = self.tops.tables(&v, book);
        let failures = self.failures.table(&v, book);
        let deferrals = self.deferrals.table(&v);
        let group_table = self.groups.table(book);
        let figures = self.figures.figures(&self.latency);
        let headlines = figures::headlines(&figures, previous);
        let coverage = coverage::coverage(&self.coverage, o);
        let (latency, distribution, slowest) = self.latency.tables();
        let mut connectors = vec![directions, receive_connectors, send_connectors];
        connectors.retain(|t| !t.rows.is_empty() || t.key == "directionality");
        let report = Report {
            title: "Message tracking summary".into(),
            notes,
            headlines,
            details: Vec::new(),
            address_details: Vec::new(),
            sections: vec![
                Section {
                    title: "Totals".into(),
                    tables: vec![totals],
                },
                Section {
                    title: "Volume".into(),
                    tables: vec![hourly, daily],
                },
                Section {
                    title: "Directions and connectors".into(),
                    tables: connectors,
                },
                Section {
                    title: "Top senders, recipients and domains".into(),
                    tables: tops,
                },
                Section {
                    title: "Failures and deferrals".into(),
                    tables: vec![failures, deferrals],
                },
                Section {
                    title: "Distribution groups".into(),
                    tables: vec![group_table],
                },
                Section {
                    title: "Latency".into(),
                    tables: vec![latency, distribution, slowest],
                },
                Section {
                    title: "Coverage".into(),
                    tables: vec![coverage],
                },
            ],
        };
        (report, figures)
    }
}

impl SummaryCollector {
    /// The tables of every message collected so far (and the coverage), the collector
    /// left as it is.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::new(self.options.clone());
        for m in self.messages.values() {
            t.add(m);
        }
        t.coverage = self.coverage.clone();
        t
    }

    /// Adds every message collected to `tally` (and the coverage, when this collector
    /// counts it), and forgets them.
    pub fn drain_into(&mut self, tally: &mut Tally) {
        for (_, m) in self.messages.drain() {
            tally.add(&m);
        }
        self.messages = Default::default();
        tally.coverage.append(&mut self.coverage);
    }

    /// Builds the report.
    pub fn finish(&self, book: &QueryBook) -> Report {
        self.tally().finish_with(book, None).0
    }
}

#[cfg(test)]
mod tests;
