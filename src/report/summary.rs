//! `msgtrack report summary`: the day at a glance, as pflogsumm gives Postfix admins —
//! totals, volume over time, directions and connectors, top senders/recipients/domains,
//! failures by enhanced status code, deferrals, distribution-group use, latency, and how
//! well each server's logs cover the period.
//!
//! Counting: a message is one Message-ID, however many servers logged it. Per message, a
//! total counts the messages with at least one such event; per recipient, it counts distinct
//! (message, recipient) pairs. Every table states its rule.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Timelike, Utc};

use super::intern::{Interner, Text, VecMap, VecSet};
use super::queries::QueryBook;
use super::scan::ReportRow;
use super::table::{Cell, Report, Section, Table};
use crate::format::status::Status;
use crate::format::{EventId, Zone};

/// What one number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountRule {
    /// Distinct messages (Message-IDs).
    PerMessage,
    /// Distinct (message, recipient) pairs.
    PerRecipient,
}

impl CountRule {
    fn unit(self) -> &'static str {
        match self {
            CountRule::PerMessage => "messages",
            CountRule::PerRecipient => "recipients",
        }
    }

    fn rule(self) -> &'static str {
        match self {
            CountRule::PerMessage => {
                "distinct messages (by Message-ID, however many servers logged them)"
            }
            CountRule::PerRecipient => {
                "distinct (message, recipient) pairs (by Message-ID and recipient address)"
            }
        }
    }
}

/// Options of the summary.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    pub count: CountRule,
    pub zone: Zone,
    pub exclude_noise: bool,
    /// How many rows the top-N tables keep.
    pub top: usize,
}

/// Everything known about one message, gathered over all its rows.
#[derive(Debug, Default)]
struct Msg {
    id: String,
    received_ms: Option<i64>,
    sender: Text,
    return_path: Text,
    bytes: i64,
    directionality: Text,
    recipients: VecSet,
    delivered: VecMap<i64>,
    sent: VecMap<i64>,
    failed: VecMap<Text>,
    deferred: VecMap<Text>,
    expanded: VecSet,
    redirected: VecSet,
    receive_connectors: VecSet,
    send_connectors: VecSet,
    /// Per server: first arrival and last hand-off.
    per_server: VecMap<Span>,
}

/// How well one server's logs cover the period.
#[derive(Debug, Default)]
struct Coverage {
    first_ms: i64,
    last_ms: i64,
    rows: u64,
    hours: BTreeSet<i64>,
}

/// Collects the summary row by row.
pub struct SummaryCollector {
    options: SummaryOptions,
    messages: HashMap<String, Msg>,
    coverage: BTreeMap<String, Coverage>,
    strings: Interner,
    /// Reused buffers for lower-cased keys.
    key: String,
    scratch: String,
}

/// `s` in lower case, written into `buf` unless it already is (no allocation per row).
fn lower_in<'b>(buf: &'b mut String, s: &'b str) -> &'b str {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        return s;
    }
    buf.clear();
    if s.is_ascii() {
        buf.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
    buf
}

fn keep_earliest(map: &mut VecMap<i64>, strings: &mut Interner, key: &str, t: i64) {
    match map.get_mut(key) {
        Some(e) => *e = (*e).min(t),
        None => {
            map.insert(strings.get(key), t);
        }
    }
}

/// On one server: a message's first arrival and last hand-off.
type Span = (Option<i64>, Option<i64>);

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// True for an address of Exchange's own traffic: health and system mailboxes, the
/// Microsoft Exchange recipient, federation, migration and test mailboxes.
pub fn is_system_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    [
        "healthmailbox",
        "systemmailbox",
        "microsoftexchange",
        "federatedemail",
        "migration.",
        "extest_",
        "discoverysearchmailbox",
    ]
    .iter()
    .any(|p| local.starts_with(p))
}

fn is_null_sender(sender: &str, return_path: &str) -> bool {
    let s = sender.trim();
    s.is_empty() || s == "<>" || return_path.trim() == "<>"
}

/// The domain of an already lower-cased address.
fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("(none)", |(_, d)| d)
}

impl SummaryCollector {
    pub fn new(options: SummaryOptions) -> SummaryCollector {
        SummaryCollector {
            options,
            messages: HashMap::new(),
            coverage: BTreeMap::new(),
            strings: Interner::default(),
            key: String::new(),
            scratch: String::new(),
        }
    }

    /// Looks at one row.
    pub fn add(&mut self, row: &ReportRow<'_>) {
        let cov = match self.coverage.get_mut(row.server) {
            Some(cov) => cov,
            None => self
                .coverage
                .entry(row.server.to_string())
                .or_insert_with(|| Coverage {
                    first_ms: i64::MAX,
                    last_ms: i64::MIN,
                    ..Coverage::default()
                }),
        };
        cov.first_ms = cov.first_ms.min(row.timestamp_ms);
        cov.last_ms = cov.last_ms.max(row.timestamp_ms);
        cov.rows += 1;
        cov.hours.insert(row.timestamp_ms.div_euclid(3_600_000));
        if row.message_id.is_empty() {
            return;
        }
        let key = lower_in(&mut self.key, row.message_id);
        let m = match self.messages.get_mut(key) {
            Some(m) => m,
            None => self.messages.entry(key.to_string()).or_insert_with(|| Msg {
                id: row.message_id.to_string(),
                ..Msg::default()
            }),
        };
        let buf = &mut self.scratch;
        let strings = &mut self.strings;
        if m.sender.is_empty() && !row.sender.is_empty() && !row.is(&[EventId::Dsn]) {
            m.sender = strings.get(lower_in(buf, row.sender));
        }
        if m.return_path.is_empty() && !row.return_path.is_empty() {
            m.return_path = strings.get(row.return_path);
        }
        let t = row.timestamp_ms;
        match row.event {
            EventId::Receive | EventId::Submit => {
                if m.received_ms.is_none_or(|r| t < r) {
                    m.received_ms = Some(t);
                    if !row.directionality.is_empty() {
                        m.directionality = strings.get(row.directionality);
                    }
                }
                if row.event == EventId::Receive {
                    for r in row.recipients {
                        m.recipients.insert_str(strings, lower_in(buf, r));
                    }
                    if row.source.eq_ignore_ascii_case("SMTP") && !row.connector_id.is_empty() {
                        m.receive_connectors.insert_str(strings, row.connector_id);
                    }
                }
                if let Some(b) = row.total_bytes {
                    m.bytes = m.bytes.max(b);
                }
                let s = m.per_server.get_or_default(strings, row.server);
                s.0 = Some(s.0.map_or(t, |x| x.min(t)));
            }
            EventId::Deliver => {
                for r in row.recipients {
                    keep_earliest(&mut m.delivered, strings, lower_in(buf, r), t);
                }
                let s = m.per_server.get_or_default(strings, row.server);
                s.1 = Some(s.1.map_or(t, |x| x.max(t)));
            }
            EventId::Send | EventId::SendExternal => {
                let external = row.event == EventId::SendExternal
                    || (row.source.eq_ignore_ascii_case("SMTP")
                        && !row.connector_id.starts_with("Intra-Organization")
                        && !contains_ignore_ascii_case(row.connector_id, "inbound")
                        && !row.directionality.eq_ignore_ascii_case("Incoming"));
                if external {
                    for r in row.recipients {
                        keep_earliest(&mut m.sent, strings, lower_in(buf, r), t);
                    }
                }
                if row.event == EventId::Send && !row.connector_id.is_empty() {
                    m.send_connectors.insert_str(strings, row.connector_id);
                }
                let s = m.per_server.get_or_default(strings, row.server);
                s.1 = Some(s.1.map_or(t, |x| x.max(t)));
            }
            EventId::Fail => {
                for (i, r) in row.recipients.iter().enumerate() {
                    let r = lower_in(buf, r);
                    if !m.failed.contains_key(r) {
                        let line = Status::parse(row.status_of(i)).line();
                        m.failed.insert(strings.get(r), strings.get(&line));
                    }
                }
            }
            EventId::Defer => {
                for (i, r) in row.recipients.iter().enumerate() {
                    let r = lower_in(buf, r);
                    if m.deferred.contains_key(r) {
                        continue;
                    }
                    let status = Status::parse(row.status_of(i));
                    let reason = if !row.source_context.is_empty()
                        && !row.source_context.contains(';')
                        && row.source_context.len() < 60
                    {
                        format!("{} ({})", row.source_context, status.line())
                    } else {
                        status.line()
                    };
                    m.deferred.insert(strings.get(r), strings.get(&reason));
                }
            }
            EventId::Expand => {
                if !row.related.is_empty() {
                    m.expanded.insert_str(strings, lower_in(buf, row.related));
                }
            }
            EventId::Redirect => {
                for r in row.recipients {
                    m.redirected.insert_str(strings, lower_in(buf, r));
                }
            }
            _ => {}
        }
    }

    fn is_noise(m: &Msg) -> bool {
        is_null_sender(&m.sender, &m.return_path)
            || is_system_address(&m.sender)
            || (!m.recipients.is_empty()
                && m.recipients.iter().all(|r| {
                    is_system_address(r) || r.split('@').next().unwrap_or("").contains("journal")
                }))
    }

    /// Builds the report.
    pub fn finish(&self, book: &QueryBook) -> Report {
        let o = self.options.clone();
        let rule = o.count;
        let mut excluded = 0usize;
        let mut messages: Vec<&Msg> = self
            .messages
            .values()
            .filter(|m| {
                let drop = o.exclude_noise && Self::is_noise(m);
                excluded += usize::from(drop);
                !drop
            })
            .collect();
        // A fixed order, so examples and ties come out the same on every run.
        messages.sort_by(|a, b| {
            a.received_ms
                .cmp(&b.received_ms)
                .then_with(|| a.id.cmp(&b.id))
        });
        // A count under the rule: 1 per message with any, or the number of recipients.
        let n = |k: usize| -> u64 {
            match rule {
                CountRule::PerMessage => u64::from(k > 0),
                CountRule::PerRecipient => k as u64,
            }
        };
        let received_k = |m: &Msg| match rule {
            CountRule::PerMessage => u64::from(m.received_ms.is_some()),
            CountRule::PerRecipient => m.recipients.len() as u64,
        };

        let mut notes = vec![format!("Counting rule: {}.", rule.rule())];
        if o.exclude_noise {
            notes.push(format!(
                "{excluded} noise messages left out (health and system mailboxes, journal, null sender)."
            ));
        }

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

        // Volume over time.
        let mut per_hour: BTreeMap<String, (u64, i64)> = BTreeMap::new();
        let mut per_day: BTreeMap<String, (u64, i64)> = BTreeMap::new();
        // Counted per UTC quarter hour first (every zone's offset is a whole number of
        // quarters), then each quarter is labelled once in the report's zone.
        const QUARTER_MS: i64 = 15 * 60_000;
        let mut per_quarter: HashMap<i64, (u64, i64)> = HashMap::new();
        for m in &messages {
            let Some(t) = m.received_ms else { continue };
            let k = received_k(m);
            let q = per_quarter.entry(t.div_euclid(QUARTER_MS)).or_default();
            q.0 += k;
            q.1 += m.bytes * k as i64;
        }
        for (quarter, (k, b)) in per_quarter {
            let Some(t) = DateTime::<Utc>::from_timestamp_millis(quarter * QUARTER_MS) else {
                continue;
            };
            let local = o.zone.local(t);
            let day = local.format("%Y-%m-%d").to_string();
            let h = per_hour
                .entry(format!("{day} {:02}:00", local.hour()))
                .or_default();
            h.0 += k;
            h.1 += b;
            let d = per_day.entry(day).or_default();
            d.0 += k;
            d.1 += b;
        }
        let vol_rule = format!(
            "{} received, by the time of the message's first RECEIVE or SUBMIT ({}); bytes = the message size{}",
            rule.unit(),
            o.zone.label(),
            if rule == CountRule::PerRecipient {
                " × recipients"
            } else {
                ""
            }
        );
        fill_hours(&mut per_hour);
        let mut hourly = Table::new(
            "volume_per_hour",
            "Volume per hour",
            &vol_rule,
            &["Hour", &capital(rule.unit()), "Bytes"],
        )
        .with_chart(0, vec![1]);
        for (k, (c, b)) in &per_hour {
            hourly.row(vec![k.clone().into(), (*c).into(), (*b).into()]);
        }
        hourly.query = book.per_hour(rule);
        let mut daily = Table::new(
            "volume_per_day",
            "Volume per day",
            &vol_rule,
            &["Day", &capital(rule.unit()), "Bytes"],
        );
        for (k, (c, b)) in &per_day {
            daily.row(vec![k.clone().into(), (*c).into(), (*b).into()]);
        }

        // Directions and connectors.
        let mut dirs: BTreeMap<&str, u64> = BTreeMap::new();
        let mut recv_conn: BTreeMap<&str, u64> = BTreeMap::new();
        let mut send_conn: BTreeMap<&str, u64> = BTreeMap::new();
        for m in &messages {
            let k = received_k(m);
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

        // Top senders, recipients, domains.
        let mut senders: HashMap<&str, (u64, i64)> = HashMap::new();
        let mut recipients: HashMap<&str, (u64, i64)> = HashMap::new();
        let mut sender_domains: HashMap<&str, (u64, i64)> = HashMap::new();
        let mut recipient_domains: HashMap<&str, (u64, i64)> = HashMap::new();
        let mut domains: BTreeMap<&str, u64> = BTreeMap::new();
        for m in messages.iter().filter(|m| m.received_ms.is_some()) {
            let k = received_k(m);
            let b = m.bytes * k as i64;
            let who = if m.sender.is_empty() { "<>" } else { &m.sender };
            let c = match rule {
                CountRule::PerMessage => 1,
                CountRule::PerRecipient => k,
            };
            add2(&mut senders, who, c, b);
            add2(&mut sender_domains, domain_of(who), c, b);
            domains.clear();
            for r in &m.recipients {
                add2(&mut recipients, r, 1, m.bytes);
                *domains.entry(domain_of(r)).or_default() += 1;
            }
            for (d, n) in &domains {
                let c = match rule {
                    CountRule::PerMessage => 1,
                    CountRule::PerRecipient => *n,
                };
                add2(&mut recipient_domains, d, c, m.bytes * c as i64);
            }
        }
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
        let tops = vec![
            top2(
                "top_senders_count",
                "Top senders by count",
                &top_rule("envelope sender"),
                "Sender",
                rule,
                &senders,
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
                &senders,
                o.top,
                true,
            ),
            top2(
                "top_recipients_count",
                "Top recipients by count",
                rcpt_rule,
                "Recipient",
                CountRule::PerMessage,
                &recipients,
                o.top,
                false,
            ),
            top2(
                "top_recipients_bytes",
                "Top recipients by bytes",
                rcpt_rule,
                "Recipient",
                CountRule::PerMessage,
                &recipients,
                o.top,
                true,
            ),
            top2(
                "top_sender_domains",
                "Top sender domains",
                &top_rule("sender domain"),
                "Domain",
                rule,
                &sender_domains,
                o.top,
                false,
            ),
            top2(
                "top_recipient_domains",
                "Top recipient domains",
                &top_rule("recipient domain (per message: once per domain)"),
                "Domain",
                rule,
                &recipient_domains,
                o.top,
                false,
            ),
        ];

        // Failures by enhanced status code.
        let mut by_code: BTreeMap<String, (u64, String, String, String)> = BTreeMap::new();
        for m in &messages {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            for (r, status) in m.failed.iter() {
                let st = Status::parse(status);
                let code = if st.enhanced.is_empty() {
                    "(no code)".to_string()
                } else {
                    st.enhanced.clone()
                };
                let first = seen.insert(code.clone());
                let e = by_code
                    .entry(code)
                    .or_insert_with(|| (0, status.to_string(), r.to_string(), m.id.clone()));
                if rule == CountRule::PerRecipient || first {
                    e.0 += 1;
                }
            }
        }
        let mut failures = Table::new(
            "failures_by_code",
            "Failures by enhanced status code",
            &format!("{} with a FAIL row, by the enhanced code of its status (a message failing with two codes counts under each)", rule.unit()),
            &["Code", &capital(rule.unit()), "Example status", "Example recipient", "Example Message-ID"],
        )
        .with_chart(0, vec![1])
        .with_query(book.failures(rule));
        let mut codes: Vec<_> = by_code.into_iter().collect();
        codes.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        for (code, (c, status, r, id)) in codes {
            failures.row(vec![
                code.into(),
                c.into(),
                status.into(),
                r.into(),
                id.into(),
            ]);
        }

        // Deferrals by reason.
        let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
        for m in &messages {
            let reasons: BTreeSet<&str> = m.deferred.values().map(|v| &**v).collect();
            for reason in &reasons {
                let c = match rule {
                    CountRule::PerMessage => 1,
                    CountRule::PerRecipient => {
                        m.deferred.values().filter(|v| &***v == *reason).count() as u64
                    }
                };
                *by_reason.entry(reason).or_default() += c;
            }
        }
        let deferrals = ranked(
            "deferrals_by_reason",
            "Deferrals by reason",
            &format!(
                "{} with a DEFER row, by source context and status",
                rule.unit()
            ),
            &["Reason", &capital(rule.unit())],
            by_reason,
        );

        // Distribution groups.
        let mut groups: BTreeMap<&str, (u64, BTreeMap<&str, u64>)> = BTreeMap::new();
        for m in &messages {
            for g in &m.expanded {
                let e = groups.entry(g).or_default();
                e.0 += 1;
                *e.1.entry(if m.sender.is_empty() { "<>" } else { &m.sender })
                    .or_default() += 1;
            }
        }
        let mut group_table = Table::new(
            "distribution_groups",
            "Distribution-group usage",
            "messages that expanded each group (EXPAND rows, related address = the group), distinct senders, and who sent most",
            &["Group", "Messages", "Senders", "Top senders"],
        )
        .with_query(book.groups());
        let mut glist: Vec<_> = groups.into_iter().collect();
        glist.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        for (g, (count, who)) in glist {
            let mut top: Vec<_> = who.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let names: Vec<String> = top
                .iter()
                .take(3)
                .map(|(s, c)| format!("{s} ({c})"))
                .collect();
            group_table.row(vec![
                g.into(),
                count.into(),
                who.len().into(),
                names.join(", ").into(),
            ]);
        }

        // Latency.
        let mut to_mailbox: Vec<i64> = Vec::new();
        let mut out_of_org: Vec<i64> = Vec::new();
        let mut per_server: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for m in &messages {
            if let Some(r) = m.received_ms {
                to_mailbox.extend(m.delivered.values().map(|d| d - r).filter(|d| *d >= 0));
                out_of_org.extend(m.sent.values().map(|d| d - r).filter(|d| *d >= 0));
            }
            for (server, (a, b)) in m.per_server.iter() {
                if let (Some(a), Some(b)) = (a, b)
                    && b >= a
                {
                    per_server.entry(&**server).or_default().push(b - a);
                }
            }
        }
        let mut latency = Table::new(
            "latency",
            "Delivery latency",
            "end to end: first RECEIVE/SUBMIT of the message → each recipient's DELIVER (or its SEND out of the organization), one value per (message, recipient); per server: the message's first RECEIVE/SUBMIT on the server → its last DELIVER/SEND there. Percentiles by nearest rank, in seconds",
            &["Path", "Count", "P50 s", "P90 s", "P99 s", "Max s"],
        );
        let distribution = latency_buckets(&to_mailbox, &out_of_org);
        latency_row(&mut latency, "end to end, to a mailbox", &mut to_mailbox);
        latency_row(
            &mut latency,
            "end to end, out of the organization",
            &mut out_of_org,
        );
        for (server, values) in &mut per_server {
            latency_row(&mut latency, &format!("on {server}"), values);
        }

        // Coverage.
        let mut coverage = Table::new(
            "coverage",
            "Coverage per server",
            "every row read (noise included), per server; a missing hour is a whole UTC hour between the first and last row with no row at all — logs missing, or a quiet server",
            &[
                "Server",
                "Rows",
                "First event",
                "Last event",
                "Missing hours",
            ],
        );
        for (server, c) in &self.coverage {
            let missing = missing_hours(c);
            coverage.row(vec![
                server.clone().into(),
                c.rows.into(),
                o.zone.format_ms(c.first_ms).into(),
                o.zone.format_ms(c.last_ms).into(),
                missing.into(),
            ]);
        }

        let mut connectors = vec![directions, receive_connectors, send_connectors];
        connectors.retain(|t| !t.rows.is_empty() || t.key == "directionality");
        Report {
            title: "Message tracking summary".into(),
            notes,
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
                    tables: vec![latency, distribution],
                },
                Section {
                    title: "Coverage".into(),
                    tables: vec![coverage],
                },
            ],
        }
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn add2<'a>(map: &mut HashMap<&'a str, (u64, i64)>, key: &'a str, count: u64, bytes: i64) {
    let e = map.entry(key).or_default();
    e.0 += count;
    e.1 += bytes;
}

fn ranked(
    key: &str,
    title: &str,
    rule: &str,
    headers: &[&str],
    counts: BTreeMap<&str, u64>,
) -> Table {
    let mut t = Table::new(key, title, rule, headers);
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (k, v) in list {
        t.row(vec![k.into(), v.into()]);
    }
    t
}

#[allow(clippy::too_many_arguments)]
fn top2(
    key: &str,
    title: &str,
    rule: &str,
    what: &str,
    count: CountRule,
    map: &HashMap<&str, (u64, i64)>,
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
        t.row(vec![(*k).into(), (*c).into(), (*b).into()]);
    }
    t
}

/// Adds the empty hours between the first and last hour, so a chart shows quiet hours.
fn fill_hours(per_hour: &mut BTreeMap<String, (u64, i64)>) {
    let parse = |k: &str| {
        chrono::NaiveDateTime::parse_from_str(&format!("{k}:00"), "%Y-%m-%d %H:%M:%S").ok()
    };
    let (Some(first), Some(last)) = (
        per_hour.keys().next().and_then(|k| parse(k)),
        per_hour.keys().next_back().and_then(|k| parse(k)),
    ) else {
        return;
    };
    let mut t = first;
    let mut n = 0;
    while t < last && n < 24 * 62 {
        t += chrono::Duration::hours(1);
        n += 1;
        per_hour
            .entry(t.format("%Y-%m-%d %H:00").to_string())
            .or_default();
    }
}

/// End-to-end latencies counted in buckets, for the distribution chart.
fn latency_buckets(to_mailbox: &[i64], out_of_org: &[i64]) -> Table {
    const BUCKETS: [(i64, &str); 7] = [
        (1_000, "< 1 s"),
        (5_000, "1–5 s"),
        (30_000, "5–30 s"),
        (120_000, "30 s–2 min"),
        (600_000, "2–10 min"),
        (3_600_000, "10–60 min"),
        (i64::MAX, "≥ 1 h"),
    ];
    let mut t = Table::new(
        "latency_distribution",
        "End-to-end latency distribution",
        "one value per (message, recipient): first RECEIVE/SUBMIT → DELIVER, or → SEND out of the organization",
        &["Latency", "To a mailbox", "Out of the organization"],
    )
    .with_chart(0, vec![1, 2]);
    let mut lower = 0;
    for (upper, label) in BUCKETS {
        let count = |v: &[i64]| v.iter().filter(|x| **x >= lower && **x < upper).count();
        t.row(vec![
            label.into(),
            count(to_mailbox).into(),
            count(out_of_org).into(),
        ]);
        lower = upper;
    }
    t
}

/// The nearest-rank percentile `p` (0–100) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

fn seconds(ms: Option<i64>) -> Cell {
    ms.map_or(Cell::from("-"), |v| Cell::Float(v as f64 / 1000.0))
}

fn latency_row(t: &mut Table, label: &str, values: &mut [i64]) {
    if values.is_empty() {
        return;
    }
    values.sort_unstable();
    t.row(vec![
        label.into(),
        values.len().into(),
        seconds(percentile(values, 50.0)),
        seconds(percentile(values, 90.0)),
        seconds(percentile(values, 99.0)),
        seconds(values.last().copied()),
    ]);
}

/// Whole UTC hours without rows between a server's first and last row, as ranges.
fn missing_hours(c: &Coverage) -> String {
    if c.rows == 0 {
        return String::new();
    }
    let (first, last) = (
        c.first_ms.div_euclid(3_600_000),
        c.last_ms.div_euclid(3_600_000),
    );
    let mut gaps: Vec<(i64, i64)> = Vec::new();
    for h in first..=last {
        if !c.hours.contains(&h) {
            match gaps.last_mut() {
                Some(g) if g.1 + 1 == h => g.1 = h,
                _ => gaps.push((h, h)),
            }
        }
    }
    if gaps.is_empty() {
        return "none".into();
    }
    let hour = |h: i64| {
        DateTime::<Utc>::from_timestamp(h * 3600, 0)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:00Z").to_string())
    };
    let total: i64 = gaps.iter().map(|(a, b)| b - a + 1).sum();
    let list: Vec<String> = gaps
        .iter()
        .take(5)
        .map(|(a, b)| {
            if a == b {
                hour(*a)
            } else {
                format!("{} – {}", hour(*a), hour(b + 1))
            }
        })
        .collect();
    format!(
        "{total}: {}{}",
        list.join(", "),
        if gaps.len() > 5 { ", …" } else { "" }
    )
}

#[cfg(test)]
mod tests {
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
}
