//! The fold: every row read adds to its message's state and to its server's coverage.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::rules::SummaryOptions;
use crate::format::EventId;
use crate::format::status::Status;
use crate::report::intern::{Interner, Text, VecMap, VecSet};
use crate::report::scan::ReportRow;

/// Everything known about one message, gathered over all its rows. Written out whole when
/// the summary sets its message aside ([`super::spill`]).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Msg {
    pub(super) id: String,
    pub(super) received_ms: Option<i64>,
    pub(super) sender: Text,
    pub(super) return_path: Text,
    pub(super) bytes: i64,
    pub(super) directionality: Text,
    pub(super) recipients: VecSet,
    pub(super) delivered: VecMap<i64>,
    pub(super) sent: VecMap<i64>,
    pub(super) failed: VecMap<Text>,
    pub(super) deferred: VecMap<Text>,
    pub(super) expanded: VecSet,
    pub(super) redirected: VecSet,
    pub(super) receive_connectors: VecSet,
    pub(super) send_connectors: VecSet,
    /// Per server: first arrival and last hand-off.
    pub(super) per_server: VecMap<Span>,
    /// The first Safety Net (or dumpster) RESUBMIT: what follows is a second attempt.
    pub(super) resubmit_ms: Option<i64>,
    /// Held for a moderator (INITMESSAGECREATED, MODERATORAPPROVE/REJECT).
    pub(super) moderated: bool,
    /// The original arrival time DELIVER rows give in message-info (the start of the cmdlet's
    /// MessageLatency), the earliest seen.
    pub(super) arrival_ms: Option<i64>,
    /// Rows added (for the guess of how many messages rows set aside hold).
    pub(super) rows: u32,
}

impl Msg {
    /// Shares this message's strings through `strings` (a state read back from disk holds a
    /// copy of each).
    fn intern(&mut self, strings: &mut Interner) {
        for t in [
            &mut self.sender,
            &mut self.return_path,
            &mut self.directionality,
        ] {
            *t = strings.get(t);
        }
        for set in [
            &mut self.recipients,
            &mut self.expanded,
            &mut self.redirected,
            &mut self.receive_connectors,
            &mut self.send_connectors,
        ] {
            set.intern(strings);
        }
        self.delivered.intern(strings);
        self.sent.intern(strings);
        self.per_server.intern(strings);
        for map in [&mut self.failed, &mut self.deferred] {
            map.intern(strings);
            map.intern_values(strings);
        }
    }
}

/// How well one server's logs cover the period.
#[derive(Debug, Default, Clone)]
pub(super) struct Coverage {
    pub(super) first_ms: i64,
    pub(super) last_ms: i64,
    pub(super) rows: u64,
    pub(super) hours: BTreeSet<i64>,
}

/// Collects the summary row by row.
pub struct SummaryCollector {
    pub(super) options: SummaryOptions,
    /// Boxed: the table then holds a pointer per slot, not a whole `Msg` (a hash table keeps
    /// up to half its slots empty).
    pub(super) messages: HashMap<Box<str>, Box<Msg>>,
    pub(super) coverage: BTreeMap<String, Coverage>,
    strings: Interner,
    /// Reused buffers for lower-cased keys.
    key: String,
    scratch: String,
    /// Which of the messages this collector keeps, by [`message_hash`] shifted right by
    /// `shift` bits (a collector of messages that share their hash's low bits splits them
    /// by the others).
    part: Part,
    shift: u32,
    /// More messages than this and the collector is over its budget.
    max_messages: usize,
    /// Whether rows added count in the servers' coverage: a collector reading the logs
    /// does; one adding up messages set aside does not (their rows were counted as read).
    covers: bool,
}

/// One of `of` parts of the messages, by a hash of the Message-ID (ignoring case): a
/// collector keeps one part, and the others wait (written out, or for another read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The part kept, `0..of`.
    pub index: u64,
    /// How many parts.
    pub of: u64,
}

impl Part {
    /// All the messages in one part.
    pub const WHOLE: Part = Part { index: 0, of: 1 };

    /// Whether the message whose Message-ID hashes to `hash` ([`message_hash`]) is in
    /// this part.
    pub fn holds(self, hash: u64) -> bool {
        self.of <= 1 || hash % self.of == self.index
    }

    /// This part halved: the half kept and the other half.
    fn halves(self) -> (Part, Part) {
        let Part { index, of } = self;
        (
            Part { index, of: of * 2 },
            Part {
                index: index + of,
                of: of * 2,
            },
        )
    }
}

/// The hash that splits messages into parts: of the lower-cased Message-ID, SipHash with
/// fixed keys, so the same on every read and every run.
pub fn message_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
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

/// On one server: a message's first arrival, its earliest and its latest hand-off (ms; 24
/// bytes, as millions of these are kept: [`NONE`] stands for "not seen").
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(super) struct Span {
    arrival: i64,
    first_out: i64,
    last_out: i64,
}

/// "Not seen" in a [`Span`] (no log time is this early).
const NONE: i64 = i64::MIN;

impl Default for Span {
    fn default() -> Span {
        Span {
            arrival: NONE,
            first_out: NONE,
            last_out: NONE,
        }
    }
}

fn seen(t: i64) -> Option<i64> {
    (t != NONE).then_some(t)
}

impl Span {
    /// The first arrival on the server.
    pub(super) fn arrival(&self) -> Option<i64> {
        seen(self.arrival)
    }

    /// Records an arrival.
    fn arrived(&mut self, t: i64) {
        self.arrival = self.arrival().map_or(t, |x| x.min(t));
    }

    /// Records a hand-off (DELIVER, SEND).
    fn handed_off(&mut self, t: i64) {
        self.first_out = seen(self.first_out).map_or(t, |x| x.min(t));
        self.last_out = seen(self.last_out).map_or(t, |x| x.max(t));
    }
}

/// The end of a server's part of the first delivery attempt: its latest hand-off, or, when
/// that came after a Safety Net resubmission (the redelivery), its earliest.
pub(super) fn first_attempt_end(s: &Span, resubmit_ms: Option<i64>) -> Option<i64> {
    match (seen(s.last_out), resubmit_ms) {
        (Some(last), Some(r)) if last >= r => seen(s.first_out).filter(|e| *e < r),
        (last, _) => last,
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

pub use crate::format::names::is_system_address;

fn is_null_sender(sender: &str, return_path: &str) -> bool {
    let s = sender.trim();
    s.is_empty() || s == "<>" || return_path.trim() == "<>"
}

/// The domain of an already lower-cased address.
pub(super) fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("(none)", |(_, d)| d)
}

impl SummaryCollector {
    /// A collector for a report with `options`.
    pub fn new(options: SummaryOptions) -> SummaryCollector {
        SummaryCollector::reading(options, usize::MAX)
    }

    /// A collector reading the logs (it counts the coverage), over its budget past
    /// `max_messages` messages.
    pub fn reading(options: SummaryOptions, max_messages: usize) -> SummaryCollector {
        SummaryCollector {
            covers: true,
            ..SummaryCollector::for_part(options, Part::WHOLE, 0, max_messages)
        }
    }

    /// A collector of messages set aside (it counts no coverage) that keeps those of
    /// `part` (of their hash shifted right by `shift` bits) only, and is over its budget
    /// past `max_messages` messages.
    pub fn for_part(
        options: SummaryOptions,
        part: Part,
        shift: u32,
        max_messages: usize,
    ) -> SummaryCollector {
        SummaryCollector {
            options,
            messages: HashMap::new(),
            coverage: BTreeMap::new(),
            strings: Interner::default(),
            key: String::new(),
            scratch: String::new(),
            part,
            shift,
            max_messages,
            covers: false,
        }
    }

    /// Messages per row among the messages held: each had every row of its since the read
    /// began, and they are a share of all by a hash, so this is the logs' own ratio.
    pub(super) fn messages_per_row(&self) -> f64 {
        let rows: u64 = self.messages.values().map(|m| u64::from(m.rows)).sum();
        self.messages.len() as f64 / rows.max(1) as f64
    }

    /// Whether a message whose Message-ID hashes to `hash` is kept here.
    pub fn holds(&self, hash: u64) -> bool {
        self.part.holds(hash >> self.shift)
    }

    /// The [`message_hash`] of the Message-ID `id` (lower-cased here).
    pub(super) fn hash_of_id(&mut self, id: &str) -> u64 {
        message_hash(lower_in(&mut self.key, id))
    }

    /// More messages are held than the budget allows.
    pub fn over_budget(&self) -> bool {
        self.messages.len() > self.max_messages
    }

    /// Halves the part this collector keeps (the messages of the other half are forgotten)
    /// and returns that other half, for a later read. Every message kept has had every row
    /// since the start: a part is only ever narrowed, never widened.
    pub fn narrow(&mut self) -> Part {
        self.narrow_out(|_, _| ())
    }

    /// Halves the part this collector keeps, handing each message of the other half to
    /// `out` (its lower-cased Message-ID's hash and its state), and returns that half.
    pub(super) fn narrow_out(&mut self, mut out: impl FnMut(u64, Box<Msg>)) -> Part {
        let (kept, other) = self.part.halves();
        self.part = kept;
        let shift = self.shift;
        for (key, m) in self
            .messages
            .extract_if(|key, _| !kept.holds(message_hash(key) >> shift))
        {
            out(message_hash(&key), m);
        }
        self.messages.shrink_to_fit();
        self.strings.forget_unused();
        other
    }

    /// Takes back a message's state set aside by [`Self::narrow_out`] (its rows that follow
    /// are added as they come).
    pub(super) fn put_back(&mut self, mut m: Box<Msg>) {
        m.intern(&mut self.strings);
        let key = lower_in(&mut self.key, &m.id);
        self.messages.insert(key.into(), m);
    }

    /// Looks at one row: counts it in the coverage when this collector counts it and adds
    /// it to its message when this collector keeps it.
    pub fn add(&mut self, row: &ReportRow<'_>) {
        self.add_held(row);
    }

    /// [`Self::add`], returning the [`message_hash`] of a row whose message this collector
    /// does not keep (the row is left to the caller). The hash is worked out only once the
    /// collector keeps a part of the messages.
    pub(super) fn add_held(&mut self, row: &ReportRow<'_>) -> Option<u64> {
        if self.covers {
            self.cover(row);
        }
        if row.message_id.is_empty() {
            return None;
        }
        if self.part.of > 1 {
            let hash = self.hash_of_id(row.message_id);
            if !self.holds(hash) {
                return Some(hash);
            }
        }
        self.add_to_message(row);
        None
    }

    /// Counts `row` in its server's coverage.
    fn cover(&mut self, row: &ReportRow<'_>) {
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
    }

    /// Adds `row` to its message (a row with a Message-ID).
    pub(super) fn add_to_message(&mut self, row: &ReportRow<'_>) {
        let key = lower_in(&mut self.key, row.message_id);
        let m = match self.messages.get_mut(key) {
            Some(m) => m,
            None => self.messages.entry(key.into()).or_insert_with(|| {
                Box::new(Msg {
                    id: row.message_id.to_string(),
                    ..Msg::default()
                })
            }),
        };
        m.rows = m.rows.saturating_add(1);
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
                m.per_server.get_or_default(strings, row.server).arrived(t);
            }
            EventId::Deliver => {
                for r in row.recipients {
                    keep_earliest(&mut m.delivered, strings, lower_in(buf, r), t);
                }
                if let (Some(latency), _) = crate::format::latency::message_latency(
                    row.event,
                    row.source,
                    row.message_info,
                    t,
                ) {
                    let arrival = t - latency;
                    m.arrival_ms = Some(m.arrival_ms.map_or(arrival, |a| a.min(arrival)));
                }
                m.per_server
                    .get_or_default(strings, row.server)
                    .handed_off(t);
            }
            EventId::Resubmit => {
                m.resubmit_ms = Some(m.resubmit_ms.map_or(t, |x| x.min(t)));
            }
            EventId::InitMessageCreated | EventId::ModeratorApprove | EventId::ModeratorReject => {
                m.moderated = true;
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
                m.per_server
                    .get_or_default(strings, row.server)
                    .handed_off(t);
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
            EventId::Expand if !row.related.is_empty() => {
                m.expanded.insert_str(strings, lower_in(buf, row.related));
            }
            EventId::Redirect => {
                for r in row.recipients {
                    m.redirected.insert_str(strings, lower_in(buf, r));
                }
            }
            _ => {}
        }
    }
}

/// `row` with only the fields [`SummaryCollector::add_to_message`] reads for its event (the
/// others empty): what a row set aside on disk keeps. Most of a row's bytes are its source
/// context and message-info, which the fold reads on DEFER and DELIVER rows only. A test
/// folds every event both ways and compares the states.
pub(super) fn as_folded<'a>(row: &ReportRow<'a>) -> ReportRow<'a> {
    use EventId::*;
    let e = row.event;
    let keep = |yes: bool, s: &'a str| if yes { s } else { "" };
    let arrives = matches!(e, Receive | Submit);
    let leaves = matches!(e, Send | SendExternal);
    ReportRow {
        timestamp_ms: row.timestamp_ms,
        server: keep(arrives || leaves || e == Deliver, row.server),
        event: e,
        source: keep(
            e == Receive || e == Deliver || e == Resubmit || leaves,
            row.source,
        ),
        source_context: keep(e == Defer, row.source_context),
        connector_id: keep(e == Receive || leaves, row.connector_id),
        message_id: row.message_id,
        sender: row.sender,
        return_path: row.return_path,
        recipients: if matches!(e, Receive | Deliver | Fail | Defer | Redirect) || leaves {
            row.recipients
        } else {
            &[]
        },
        statuses: if matches!(e, Fail | Defer) {
            row.statuses
        } else {
            &[]
        },
        related: keep(e == Expand, row.related),
        reference: &[],
        total_bytes: if arrives { row.total_bytes } else { None },
        directionality: keep(arrives || leaves, row.directionality),
        message_info: keep(e == Deliver, row.message_info),
    }
}

/// Health, system and journal traffic, and the null sender (`--exclude-noise`).
pub(super) fn is_noise(m: &Msg) -> bool {
    is_null_sender(&m.sender, &m.return_path)
        || is_system_address(&m.sender)
        || (!m.recipients.is_empty()
            && m.recipients.iter().all(|r| {
                is_system_address(r) || r.split('@').next().unwrap_or("").contains("journal")
            }))
}
