//! Top senders, recipients and domains, by count and by bytes.

use std::collections::BTreeMap;

use super::View;
use super::collect::Msg;
use super::collect::domain_of;
use super::queries::QueryBook;
use super::rules::CountRule;
use super::tables::{Sizes, add2, capital};
use crate::report::table::{Cell, Table};

/// Counts and bytes by sender, recipient and their domains.
#[derive(Debug, Default)]
pub(super) struct Tops {
    senders: Sizes,
    recipients: Sizes,
    sender_domains: Sizes,
    recipient_domains: Sizes,
}

impl Tops {
    /// Adds one message.
    pub(super) fn add(&mut self, v: &View<'_>, m: &Msg) {
        if m.received_ms.is_none() {
            return;
        }
        let rule = v.rule();
        let k = v.received_k(m);
        let b = m.bytes.saturating_mul(k as i64);
        let who = if m.sender.is_empty() { "<>" } else { &m.sender };
        let c = match rule {
            CountRule::PerMessage => 1,
            CountRule::PerRecipient => k,
        };
        add2(&mut self.senders, who, c, b);
        add2(&mut self.sender_domains, domain_of(who), c, b);
        let mut domains: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &m.recipients {
            add2(&mut self.recipients, r, 1, m.bytes);
            *domains.entry(domain_of(r)).or_default() += 1;
        }
        for (d, n) in &domains {
            let c = match rule {
                CountRule::PerMessage => 1,
                CountRule::PerRecipient => *n,
            };
            add2(
                &mut self.recipient_domains,
                d,
                c,
                m.bytes.saturating_mul(c as i64),
            );
        }
    }

    /// The top-N tables.
    pub(super) fn tables(&self, v: &View<'_>, book: &QueryBook) -> Vec<Table> {
        tops(self, v, book)
    }
}

fn tops(t: &Tops, v: &View<'_>, book: &QueryBook) -> Vec<Table> {
    let rule = v.rule();
    let o = v.options;
    let Tops {
        senders,
        recipients,
        sender_domains,
        recipient_domains,
    } = t;
    let top_rule = |what: &str| {
        format!(
            "{} received, by {what}; bytes = the message size{}",
            rule.unit(),
            if rule == CountRule::PerRecipient {
                " × recipients"
            } else {
                ""
            }
        )
    };
    let rcpt_rule = "messages received by each envelope recipient (a recipient counts once per message under either rule); bytes = the message size";
    vec![
        top2(
            "top_senders_count",
            "Top senders by count",
            &top_rule("envelope sender"),
            "Sender",
            rule,
            senders,
            o.top,
            false,
        )
        .with_query(book.top_senders(rule, o.top)),
        top2(
            "top_senders_bytes",
            "Top senders by bytes",
            &top_rule("envelope sender"),
            "Sender",
            rule,
            senders,
            o.top,
            true,
        ),
        top2(
            "top_recipients_count",
            "Top recipients by count",
            rcpt_rule,
            "Recipient",
            CountRule::PerMessage,
            recipients,
            o.top,
            false,
        ),
        top2(
            "top_recipients_bytes",
            "Top recipients by bytes",
            rcpt_rule,
            "Recipient",
            CountRule::PerMessage,
            recipients,
            o.top,
            true,
        ),
        top2(
            "top_sender_domains",
            "Top sender domains",
            &top_rule("sender domain"),
            "Domain",
            rule,
            sender_domains,
            o.top,
            false,
        ),
        top2(
            "top_recipient_domains",
            "Top recipient domains",
            &top_rule("recipient domain (per message: once per domain)"),
            "Domain",
            rule,
            recipient_domains,
            o.top,
            false,
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn top2(
    key: &str,
    title: &str,
    rule: &str,
    what: &str,
    count: CountRule,
    map: &Sizes,
    top: usize,
    by_bytes: bool,
) -> Table {
    let mut t = Table::new(key, title, rule, &[what, &capital(count.unit()), "Bytes"]);
    let mut list: Vec<_> = map.iter().collect();
    if by_bytes {
        list.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    } else {
        list.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    }
    for (k, (c, b)) in list.into_iter().take(top) {
        t.row(vec![(&**k).into(), (*c).into(), Cell::Bytes(*b)]);
    }
    t
}
