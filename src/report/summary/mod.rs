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

use super::table::{Headline, Report, Section};
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

/// The headline cards: messages in and out, failed share, P90 latency, top failure; with the
/// change against `previous` when given.
pub fn headlines(f: &figures::Figures, previous: Option<&figures::Figures>) -> Vec<Headline> {
    let change = |now: f64, before: Option<f64>, unit: &str| -> Option<String> {
        let before = before?;
        let d = now - before;
        Some(if d.abs() < 1e-9 {
            "unchanged".into()
        } else {
            format!("{}{d:.1}{unit}", if d > 0.0 { "+" } else { "" }).replace(".0", "")
        })
    };
    let count_change = |now: u64, before: Option<u64>| -> Option<String> {
        let before = before?;
        Some(if before == 0 {
            format!("{now} vs 0")
        } else {
            let pct = (now as f64 - before as f64) * 100.0 / before as f64;
            format!(
                "{}{pct:.0} % (was {before})",
                if pct >= 0.0 { "+" } else { "" }
            )
        })
    };
    let top = f.failures_by_code.first();
    vec![
        Headline {
            label: "Messages received".into(),
            value: f.received.to_string(),
            detail: format!("{} from outside", f.inbound),
            change: count_change(f.received, previous.map(|p| p.received)),
        },
        Headline {
            label: "Sent out".into(),
            value: f.sent_out.to_string(),
            detail: "out of the organization".into(),
            change: count_change(f.sent_out, previous.map(|p| p.sent_out)),
        },
        Headline {
            label: "Failed".into(),
            value: f.failed_share().map_or("-".into(), |s| format!("{s:.1} %")),
            detail: format!("{} messages", f.failed),
            change: f
                .failed_share()
                .and_then(|s| change(s, previous.and_then(figures::Figures::failed_share), " pt")),
        },
        Headline {
            label: "P90 latency".into(),
            value: f
                .p90_ms
                .map_or("-".into(), |p| format!("{:.1} s", p as f64 / 1000.0)),
            detail: "end to end, to a mailbox".into(),
            change: f.p90_ms.and_then(|p| {
                change(
                    p as f64 / 1000.0,
                    previous.and_then(|x| x.p90_ms).map(|x| x as f64 / 1000.0),
                    " s",
                )
            }),
        },
        Headline {
            label: "Top failure".into(),
            value: top.map_or("none".into(), |(c, _)| c.clone()),
            detail: top.map_or(String::new(), |(_, n)| format!("{n} messages")),
            change: None,
        },
    ]
}

impl SummaryCollector {
    /// The headline figures of the messages the report counts.
    pub fn figures(&self) -> figures::Figures {
        let o = &self.options;
        let messages: Vec<&Msg> = self
            .messages
            .values()
            .filter(|m| !(o.exclude_noise && collect::is_noise(m)))
            .collect();
        figures::figures(&View {
            messages,
            options: o,
        })
    }

    /// Builds the report.
    pub fn finish(&self, book: &QueryBook) -> Report {
        let o = &self.options;
        let rule = o.count;
        let mut excluded = 0usize;
        let mut messages: Vec<&Msg> = self
            .messages
            .values()
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
        let headlines = headlines(&figures::figures(&v), None);
        let coverage = coverage::coverage(&self.coverage, o);
        let mut connectors = vec![directions, receive_connectors, send_connectors];
        connectors.retain(|t| !t.rows.is_empty() || t.key == "directionality");
        Report {
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
        }
    }
}

#[cfg(test)]
mod tests;
