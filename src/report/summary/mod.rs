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
pub mod queries;
mod rules;
mod tables;
mod tops;
mod totals;
mod volume;

pub use collect::{SummaryCollector, is_system_address};
pub use latency::percentile;
pub use rules::{CountRule, SummaryOptions};

use super::table::{Report, Section};
use collect::Msg;
use queries::QueryBook;

/// The messages a report counts (noise left out when asked), in a fixed order so that
/// examples and ties come out the same on every run, and the rule they are counted by.
struct View<'a> {
    messages: Vec<&'a Msg>,
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

impl SummaryCollector {
    /// The headline figures of the messages the report counts.
    pub fn figures(&self) -> figures::Figures {
        let o = &self.options;
        let messages: Vec<&Msg> = self
            .messages
            .values()
            .map(|m| &**m)
            .filter(|m| !(o.exclude_noise && collect::is_noise(m)))
            .collect();
        figures::figures(&View {
            messages,
            options: o,
        })
    }

    /// Builds the report.
    pub fn finish(&self, book: &QueryBook) -> Report {
        self.finish_with(book, None).0
    }

    /// Builds the report and its headline figures (computed once, shown with the change
    /// against `previous` when given, and returned for `--fail-on`).
    pub fn finish_with(
        &self,
        book: &QueryBook,
        previous: Option<&figures::Figures>,
    ) -> (Report, figures::Figures) {
        let o = &self.options;
        let rule = o.count;
        let mut excluded = 0usize;
        let mut messages: Vec<&Msg> = self
            .messages
            .values()
            .map(|m| &**m)
            .filter(|m| {
                let drop = o.exclude_noise && collect::is_noise(m);
                excluded += usize::from(drop);
                !drop
            })
            .collect();
        messages.sort_by(|a, b| {
            a.received_ms
                .cmp(&b.received_ms)
                .then_with(|| a.id.cmp(&b.id))
        });
        let v = View {
            messages,
            options: o,
        };
        let mut notes = vec![format!("Counting rule: {}.", rule.rule())];
        if o.exclude_noise {
            notes.push(format!(
                "{excluded} noise messages left out (health and system mailboxes, journal, null sender)."
            ));
        }
        let totals = totals::totals(&v, book);
        let (hourly, daily) = volume::volume(&v, book);
        let (directions, receive_connectors, send_connectors) = connectors::connectors(&v, book);
        let tops = tops::tops(&v, book);
        let failures = failures::failures(&v, book);
        let deferrals = failures::deferrals(&v);
        let group_table = groups::groups(&v, book);
        let (latency, distribution, slowest) = latency::latency(&v);
        let figures = figures::figures(&v);
        let headlines = figures::headlines(&figures, previous);
        let coverage = coverage::coverage(&self.coverage, o);
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

#[cfg(test)]
mod tests;
