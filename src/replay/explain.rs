//! `msgtrack explain`: every categorizer row of a message explained, predicted rows matched
//! against logged ones, and the recipient tree from envelope to final recipients.
//!
//! The JSON form of [`Explanation`] is a public interface (documented in the README): keep
//! its field names.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::categorizer::{Envelope, Outcome, Prediction, Row, categorize};
use super::reason::{Reason, reason_of};
use crate::directory::Directory;
use crate::format::imcea;
use crate::format::status::Status;
use crate::format::{EventId, LogRecord};

/// LogRecord ids `explain` lists.
pub const EXPLAINED_EVENTS: [EventId; 11] = [
    EventId::Resolve,
    EventId::Expand,
    EventId::DuplicateExpand,
    EventId::Redirect,
    EventId::DuplicateRedirect,
    EventId::Fail,
    EventId::Drop,
    EventId::Defer,
    EventId::DuplicateDeliver,
    EventId::InitMessageCreated,
    EventId::Transfer,
];

/// One explained row. FAIL, DROP and DEFER rows give one entry per recipient, as each
/// recipient has its own status.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedEvent {
    pub event_id: String,
    pub recipients: Vec<String>,
    pub related: String,
    pub status: String,
    pub reason_code: Reason,
    pub reason: String,
    /// True for a row found in the logs; false for a row the replay predicted but the logs
    /// do not have.
    pub logged: bool,
    /// True when the reason was read from the log alone (no snapshot, or the snapshot did
    /// not predict the row).
    pub inferred: bool,
    /// ISO 8601 UTC time of the logged row.
    pub timestamp: Option<String>,
    pub server: String,
    pub source: String,
    /// Where the row is: `FILE:LINE`.
    pub location: Option<String>,
}

/// A recipient reached by the message.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientOutcome {
    pub address: String,
    pub outcome: Outcome,
    /// From the envelope recipient to this address.
    pub path: Vec<String>,
}

/// A difference between the replay's prediction and the log.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    /// `predicted-not-logged`, `logged-not-predicted`, or `different`.
    pub kind: &'static str,
    pub event_id: String,
    pub address: String,
    pub message: String,
    pub likely_cause: String,
}

/// One categorization pass: a server categorizing the message once.
#[derive(Debug, Clone, Serialize)]
pub struct PassSummary {
    pub server: String,
    pub timestamp: String,
    pub envelope_recipients: Vec<String>,
    pub sender: String,
    pub size_bytes: Option<i64>,
    pub authenticated: bool,
}

/// Everything `explain` says about one message.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub message_id: String,
    pub subject: String,
    pub sender: String,
    /// True when a directory snapshot was used (reasons predicted, not only inferred).
    pub directory: bool,
    pub passes: Vec<PassSummary>,
    pub events: Vec<ExplainedEvent>,
    pub recipients: Vec<RecipientOutcome>,
    pub mismatches: Vec<Mismatch>,
}

fn is_categorizer_row(e: &LogRecord) -> bool {
    match e.event_id.to_ascii_uppercase().as_str() {
        "RESOLVE" | "EXPAND" | "DUPLICATEEXPAND" | "REDIRECT" | "DUPLICATEREDIRECT"
        | "TRANSFER" | "INITMESSAGECREATED" => true,
        "FAIL" | "DROP" | "DEFER" => {
            e.source.eq_ignore_ascii_case("ROUTING") || e.source.eq_ignore_ascii_case("RESOLVER")
        }
        _ => false,
    }
}

/// A categorization pass found in the rows.
struct Pass<'a> {
    start: &'a LogRecord,
    rows: Vec<&'a LogRecord>,
}

/// Servers that act as mailbox/hub servers for this message (the Edge never categorizes).
fn hub_servers(rows: &[LogRecord]) -> HashSet<String> {
    rows.iter()
        .filter(|e| {
            is_categorizer_row(e)
                || e.source.eq_ignore_ascii_case("STOREDRIVER")
                || e.connector_id.starts_with("Intra-Organization")
        })
        .map(|e| e.server.to_ascii_lowercase())
        .collect()
}

/// Splits the message's categorizer rows into passes: the first hub RECEIVE, every RESUBMIT,
/// and any later RECEIVE whose internal id has categorizer rows of its own.
fn passes(rows: &[LogRecord]) -> Vec<Pass<'_>> {
    let hubs = hub_servers(rows);
    let on_hub = |e: &LogRecord| hubs.contains(&e.server.to_ascii_lowercase());
    let mut out: Vec<Pass> = Vec::new();
    for start in rows.iter().filter(|e| {
        on_hub(e)
            && ((e.is(&[EventId::Receive]) && e.source.eq_ignore_ascii_case("SMTP"))
                || e.is(&[EventId::Resubmit]))
    }) {
        // The internal ids of this pass: its own and those TRANSFER rows fork from it.
        let mut ids: HashSet<&str> = HashSet::from([start.internal_message_id.as_str()]);
        loop {
            let before = ids.len();
            for t in rows
                .iter()
                .filter(|e| e.is(&[EventId::Transfer]) && e.server == start.server)
            {
                if t.reference.iter().any(|r| ids.contains(r.as_str())) {
                    ids.insert(t.internal_message_id.as_str());
                }
            }
            if ids.len() == before {
                break;
            }
        }
        let cat: Vec<&LogRecord> = rows
            .iter()
            .filter(|e| {
                e.server == start.server
                    && ids.contains(e.internal_message_id.as_str())
                    && is_categorizer_row(e)
                    && e.timestamp_ms >= start.timestamp_ms
            })
            .collect();
        if out.is_empty() || !cat.is_empty() || start.is(&[EventId::Resubmit]) {
            out.push(Pass { start, rows: cat });
        }
    }
    adopt_orphans(rows, &mut out);
    out
}

/// A categorizer row whose internal id no TRANSFER links to a pass (a forked item, such as
/// SC8's deferred ambiguous recipient) belongs to the latest pass on its server that started
/// before it.
fn adopt_orphans<'a>(rows: &'a [LogRecord], passes: &mut [Pass<'a>]) {
    let claimed: HashSet<*const LogRecord> = passes
        .iter()
        .flat_map(|p| p.rows.iter().map(|e| *e as *const LogRecord))
        .collect();
    for e in rows.iter().filter(|e| is_categorizer_row(e)) {
        if claimed.contains(&(e as *const LogRecord)) {
            continue;
        }
        if let Some(pass) = passes
            .iter_mut()
            .rev()
            .find(|p| p.start.server == e.server && p.start.timestamp_ms <= e.timestamp_ms)
        {
            pass.rows.push(e);
        }
    }
}

fn iso(ms: i64) -> String {
    crate::format::time::format_timestamp_ms(ms)
}

/// The envelope of a pass, from its RECEIVE and the message's first RECEIVE (C1).
fn envelope(pass: &Pass, rows: &[LogRecord], first_pass: bool) -> Envelope {
    let size = rows
        .iter()
        .filter(|e| e.is(&[EventId::Receive]))
        .find_map(|e| e.total_bytes)
        .or(pass.start.total_bytes);
    let submitted = rows.iter().any(|e| {
        e.is(&[EventId::Submit])
            || (e.is(&[EventId::Receive]) && e.source.eq_ignore_ascii_case("STOREDRIVER"))
    });
    let authenticated = submitted || !pass.start.directionality.eq_ignore_ascii_case("Incoming");
    // A moderator's approval before this pass lets the moderated recipients through: those the
    // approval names, and those the approval requests were made for.
    let approvals: Vec<&LogRecord> = rows
        .iter()
        .filter(|e| e.is(&[EventId::ModeratorApprove]) && e.timestamp_ms <= pass.start.timestamp_ms)
        .collect();
    let requested = rows
        .iter()
        .filter(|e| !approvals.is_empty() && e.is(&[EventId::InitMessageCreated]))
        .flat_map(|e| e.recipients.iter());
    let approved: Vec<String> = approvals
        .iter()
        .flat_map(|e| e.recipients.iter().chain([&e.related_recipient_address]))
        .chain(requested)
        .filter(|a| !a.is_empty())
        .cloned()
        .collect();
    Envelope {
        sender: pass.start.sender.clone(),
        recipients: pass.start.recipients.clone(),
        size_bytes: size,
        authenticated,
        approved,
        already_checked: !first_pass,
    }
}

/// A row reduced to what matching compares.
#[derive(Debug, Clone)]
struct Entry {
    event_id: String,
    recipients: Vec<String>,
    related: String,
    status: String,
}

impl Entry {
    fn key(&self) -> (String, String, String) {
        let first = self
            .recipients
            .first()
            .map_or(String::new(), |r| r.to_lowercase());
        let e = self.event_id.to_ascii_uppercase();
        match e.as_str() {
            "EXPAND" | "DUPLICATEEXPAND" | "RESOLVE" => {
                (e, String::new(), self.related.to_lowercase())
            }
            "REDIRECT" | "DUPLICATEREDIRECT" => (e, first, self.related.to_lowercase()),
            _ => (e, first, String::new()),
        }
    }
}

/// Splits FAIL/DROP/DEFER rows into one entry per recipient.
fn split(event_id: &str, recipients: &[String], related: &str, statuses: &[String]) -> Vec<Entry> {
    let per_recipient = matches!(
        event_id.to_ascii_uppercase().as_str(),
        "FAIL" | "DROP" | "DEFER"
    );
    if per_recipient && recipients.len() > 1 {
        recipients
            .iter()
            .enumerate()
            .map(|(i, r)| Entry {
                event_id: event_id.to_string(),
                recipients: vec![r.clone()],
                related: related.to_string(),
                status: statuses
                    .get(i)
                    .or(statuses.first())
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect()
    } else {
        vec![Entry {
            event_id: event_id.to_string(),
            recipients: recipients.to_vec(),
            related: related.to_string(),
            status: statuses.first().cloned().unwrap_or_default(),
        }]
    }
}

/// The reason for a logged row read from the log alone.
pub fn infer(e: &LogRecord, entry_status: &str, entry_recipient: &str) -> (Reason, String) {
    let id = e.event_id.to_ascii_uppercase();
    let related = &e.related_recipient_address;
    let first = e.recipients.first().map_or("", String::as_str);
    let agent = e.source.eq_ignore_ascii_case("AGENT");
    match id.as_str() {
        "RESOLVE" => {
            if let Some(dec) = imcea::decode(related) {
                if dec.kind.eq_ignore_ascii_case("EX") {
                    if e.source_context.eq_ignore_ascii_case(&dec.address) {
                        return (
                            Reason::LegacydnMatch,
                            format!(
                                "the Exchange address (legacyExchangeDN) {} is {first}'s own: rewritten to its primary address",
                                dec.address
                            ),
                        );
                    }
                    return (
                        Reason::X500ProxyMatch,
                        format!(
                            "the old Exchange address {} is not {first}'s current legacyExchangeDN ({}), so it matched an X500 proxy: rewritten to the primary address",
                            dec.address, e.source_context
                        ),
                    );
                }
                return (
                    Reason::ProxyToPrimary,
                    format!(
                        "the encapsulated {} address {} is a proxy of {first}",
                        dec.kind, dec.address
                    ),
                );
            }
            let domain = |a: &str| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
            if domain(first) != domain(related) && e.source_context.starts_with('/') {
                return (
                    Reason::ContactTarget,
                    format!(
                        "{related} is a mail contact or mail user whose external address is {first}: rewritten and routed out"
                    ),
                );
            }
            (
                Reason::ProxyToPrimary,
                format!(
                    "{related} is a proxy address of {first}: rewritten to the primary address"
                ),
            )
        }
        "EXPAND" if agent => (
            Reason::ForwardingSmtpAddress,
            format!(
                "the {} added {} for {related}",
                e.source_context,
                e.recipients.join(", ")
            ),
        ),
        "EXPAND" if e.recipients.is_empty() || e.recipient_count == Some(0) => (
            Reason::GroupExpanded,
            format!(
                "{related} expanded to nobody: a group without mail-enabled members (nothing delivered, no NDR)"
            ),
        ),
        "EXPAND" => (
            Reason::GroupExpanded,
            format!("{related} expanded to {} member(s)", e.recipients.len()),
        ),
        "DUPLICATEEXPAND" => (
            Reason::GroupAlreadyExpanded,
            format!(
                "{} was already expanded higher up — harmless nested-group loop, nobody gets a duplicate",
                e.recipients.join(", ")
            ),
        ),
        "REDIRECT" if first.eq_ignore_ascii_case(related) => (
            Reason::DeliverAndForward,
            format!("{first} keeps its copy and forwards (DeliverToMailboxAndForward)"),
        ),
        "REDIRECT" if agent => (
            Reason::ForwardingSmtpAddress,
            format!(
                "the Redirection Agent forwards {first}'s mail to {related} (ForwardingSmtpAddress)"
            ),
        ),
        "REDIRECT" => (
            Reason::ForwardingAddress,
            format!(
                "{first} forwards to {related} (ForwardingAddress or a contact pointing inside the organization)"
            ),
        ),
        "DUPLICATEREDIRECT" => (
            Reason::RecipientAlreadyReached,
            format!("{first} forwards to {related}, which this message already reaches"),
        ),
        "DUPLICATEDELIVER" => (
            Reason::RecipientAlreadyDelivered,
            format!(
                "{} already had this message (same Message-ID): the store kept one copy",
                e.recipients.join(", ")
            ),
        ),
        "INITMESSAGECREATED" => (
            Reason::ModerationPending,
            format!(
                "{} is moderated: an approval request went to the arbitration mailbox {}",
                e.recipients.join(", "),
                e.source_context
            ),
        ),
        "TRANSFER" if e.source_context.eq_ignore_ascii_case("ContentConversion") => (
            Reason::ContentConversion,
            "the message was converted for some recipients and continues as a separate copy".into(),
        ),
        "TRANSFER" => (
            Reason::GroupExpanded,
            format!(
                "{} recipient(s) continue on a separate copy of the message (bifurcation after expansion; {})",
                e.recipients.len(),
                e.source_context
            ),
        ),
        "FAIL" | "DROP" | "DEFER" => {
            let status = Status::parse(entry_status);
            let mut reason = reason_of(&status);
            if id == "DEFER" {
                if e.source_context
                    .eq_ignore_ascii_case("ADTransientFailureDuringResolve")
                {
                    reason = Reason::DirectoryTransientFailure;
                } else if e.source_context.eq_ignore_ascii_case("AmbiguousRecipient") {
                    reason = Reason::AmbiguousRecipient;
                }
            }
            if e.source.eq_ignore_ascii_case("APPROVAL") {
                reason = Reason::ModerationRejected;
            }
            let what = status.line();
            let sentence = match reason {
                Reason::ImceaLegacydnNotFound => {
                    let dn = imcea::decode(entry_recipient)
                        .map(|d| d.address)
                        .unwrap_or_default();
                    format!(
                        "no recipient has the old Exchange address {dn} (from an Outlook cache or an old item): add X500:{dn} to the mailbox this person has now"
                    )
                }
                Reason::RecipientNotFound => {
                    format!("nobody has the address {entry_recipient} in an authoritative domain")
                }
                Reason::ForwardingLoop => format!(
                    "{entry_recipient} is in a forwarding loop (mailboxes forwarding to each other): nothing is delivered"
                ),
                Reason::AuthRequired => format!(
                    "{entry_recipient} accepts only authenticated senders and this message came anonymously"
                ),
                Reason::ModerationRejected => {
                    format!("the moderator rejected the message to {entry_recipient}")
                }
                Reason::NotExplained if id == "FAIL" => format!(
                    "delivery to {entry_recipient} failed after categorization ({what}): not a categorizer decision"
                ),
                Reason::NotExplained if id == "DEFER" => format!(
                    "delivery to {entry_recipient} was deferred ({what}); the server retries"
                ),
                _ => format!("{entry_recipient}: {what}"),
            };
            (reason, sentence)
        }
        _ => (Reason::NotExplained, format!("{} row", e.event_id)),
    }
}

fn likely_cause(kind: &str, entry: &Entry, others: &[Entry], logged_all: &[Entry]) -> String {
    let address = entry.recipients.first().cloned().unwrap_or_default();
    let e = entry.event_id.to_ascii_uppercase();
    let related_lower = entry.related.to_lowercase();
    let failed_in_log = logged_all.iter().any(|l| {
        l.event_id.eq_ignore_ascii_case("FAIL")
            && l.recipients
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&entry.related))
    });
    match (kind, e.as_str()) {
        ("predicted-not-logged", "RESOLVE") if failed_in_log => format!(
            "the snapshot resolves {} now, but the log shows it failing: the address (e.g. an X500 proxy) was added after this message was sent",
            entry.related
        ),
        ("predicted-not-logged", "REDIRECT") => format!("{address} forwards in the snapshot but not in the log: forwarding was set up after this message"),
        ("logged-not-predicted", "REDIRECT") => format!("{address} forwarded at the time but not in the snapshot: forwarding was removed since"),
        ("predicted-not-logged", "FAIL") if others.iter().any(|o| o.related.eq_ignore_ascii_case(&address) || o.recipients.iter().any(|r| r.eq_ignore_ascii_case(&address))) => {
            format!("the log shows {address} resolving at the time; the snapshot cannot: the recipient or proxy was removed since, or the snapshot is incomplete")
        }
        ("predicted-not-logged", "FAIL") if reason_of(&Status::parse(&entry.status)) == Reason::RecipientNotFound => format!(
            "{address} is not in the snapshot but existed when the message was sent: it was removed since, or the export missed it (health and system mailboxes need Get-Mailbox -Monitoring / -Arbitration)"
        ),
        ("predicted-not-logged", "FAIL") => format!("the snapshot's settings make {address} fail, the log did not: a limit or restriction changed since the message was sent"),
        ("logged-not-predicted", "FAIL") if others.iter().any(|o| o.event_id.eq_ignore_ascii_case("RESOLVE") && o.related.eq_ignore_ascii_case(&address)) => format!(
            "the snapshot now resolves {address} to {}: the fix (e.g. the X500 proxy) was made after this message was sent, so a resend would be delivered",
            others.iter().find(|o| o.event_id.eq_ignore_ascii_case("RESOLVE") && o.related.eq_ignore_ascii_case(&address)).and_then(|o| o.recipients.first().cloned()).unwrap_or_default()
        ),
        ("logged-not-predicted", "FAIL") => format!("{address} failed at the time but would not now: the directory was fixed or changed since (or the snapshot is from elsewhere)"),
        (_, "EXPAND") | (_, "DUPLICATEEXPAND") => format!("group membership of {related_lower} differs between the snapshot and the time of the message"),
        (_, "INITMESSAGECREATED") => "moderation settings changed between the message and the snapshot".into(),
        _ => "the directory changed between the message and the snapshot, or the snapshot is incomplete".into(),
    }
}

/// Explains a message's rows, with a snapshot (predict and match) or without (infer).
pub fn explain(rows: &[LogRecord], directory: Option<&Directory>) -> Explanation {
    let first = rows.first();
    let mut out = Explanation {
        message_id: first.map(|e| e.message_id.clone()).unwrap_or_default(),
        subject: first.map(|e| e.message_subject.clone()).unwrap_or_default(),
        sender: first.map(|e| e.sender.clone()).unwrap_or_default(),
        directory: directory.is_some(),
        passes: Vec::new(),
        events: Vec::new(),
        recipients: Vec::new(),
        mismatches: Vec::new(),
    };
    let passes = passes(rows);
    let mut in_pass: HashSet<*const LogRecord> = HashSet::new();
    let mut predictions: Vec<Prediction> = Vec::new();
    for (i, pass) in passes.iter().enumerate() {
        let env = envelope(pass, rows, i == 0);
        out.passes.push(PassSummary {
            server: pass.start.server.clone(),
            timestamp: iso(pass.start.timestamp_ms),
            envelope_recipients: env.recipients.clone(),
            sender: env.sender.clone(),
            size_bytes: env.size_bytes,
            authenticated: env.authenticated,
        });
        let predicted: Vec<Row> = match directory {
            Some(d) => {
                let p = categorize(d, &env);
                let rows = p.rows.clone();
                predictions.push(p);
                rows
            }
            None => Vec::new(),
        };
        let mut predicted_entries: Vec<(Entry, &Row, bool)> = predicted
            .iter()
            .flat_map(|r| {
                split(
                    r.event_id,
                    &r.recipients,
                    &r.related,
                    std::slice::from_ref(&r.status),
                )
                .into_iter()
                .map(move |e| (e, r, false))
            })
            .collect();
        let logged_entries: Vec<(Entry, &LogRecord)> = pass
            .rows
            .iter()
            .flat_map(|e| {
                split(
                    &e.event_id,
                    &e.recipients,
                    &e.related_recipient_address,
                    &e.recipient_status,
                )
                .into_iter()
                .map(move |x| (x, *e))
            })
            .collect();
        let logged_plain: Vec<Entry> = logged_entries.iter().map(|(e, _)| e.clone()).collect();
        for (entry, event) in &logged_entries {
            in_pass.insert(*event as *const LogRecord);
            let key = entry.key();
            let matched = predicted_entries
                .iter_mut()
                .find(|(p, _, used)| !*used && p.key() == key);
            let first_rcpt = entry.recipients.first().cloned().unwrap_or_default();
            let (reason, sentence, inferred) = match matched {
                Some((p, row, used)) => {
                    *used = true;
                    let a: HashSet<String> =
                        p.recipients.iter().map(|r| r.to_lowercase()).collect();
                    let b: HashSet<String> =
                        entry.recipients.iter().map(|r| r.to_lowercase()).collect();
                    if a != b && matches!(key.0.as_str(), "EXPAND" | "DUPLICATEEXPAND" | "RESOLVE")
                    {
                        let missing: Vec<&String> = a.difference(&b).collect();
                        let extra: Vec<&String> = b.difference(&a).collect();
                        out.mismatches.push(Mismatch {
                            kind: "different",
                            event_id: entry.event_id.clone(),
                            address: entry.related.clone(),
                            message: format!(
                                "the snapshot gives {} {} for {}, the log {}{}{}",
                                p.recipients.len(),
                                if key.0 == "RESOLVE" {
                                    "address(es)"
                                } else {
                                    "member(s)"
                                },
                                entry.related,
                                entry.recipients.len(),
                                listed("; not in the log: ", &missing),
                                listed("; only in the log: ", &extra),
                            ),
                            likely_cause: if key.0 == "RESOLVE" {
                                "the recipient's primary address changed since".into()
                            } else {
                                "membership changed since the message was sent".into()
                            },
                        });
                    }
                    let logged_status = Status::parse(&entry.status);
                    let predicted_status = Status::parse(&p.status);
                    if matches!(key.0.as_str(), "FAIL" | "DEFER" | "DROP")
                        && !logged_status
                            .key()
                            .eq_ignore_ascii_case(predicted_status.key())
                    {
                        let (r, s) = infer(event, &entry.status, &first_rcpt);
                        out.mismatches.push(Mismatch {
                            kind: "different",
                            event_id: entry.event_id.clone(),
                            address: first_rcpt.clone(),
                            message: format!(
                                "the log says {}, the snapshot predicts {}",
                                logged_status.line(),
                                predicted_status.line()
                            ),
                            likely_cause: "a setting or limit changed since the message was sent"
                                .into(),
                        });
                        (r, s, true)
                    } else {
                        (row.reason, row.sentence.clone(), false)
                    }
                }
                None => {
                    let (r, s) = infer(event, &entry.status, &first_rcpt);
                    let predicted_kind = !matches!(key.0.as_str(), "TRANSFER")
                        && !event.source.eq_ignore_ascii_case("AGENT");
                    if directory.is_some() && predicted_kind {
                        let others: Vec<Entry> = predicted_entries
                            .iter()
                            .map(|(p, _, _)| p.clone())
                            .collect();
                        out.mismatches.push(Mismatch {
                            kind: "logged-not-predicted",
                            event_id: entry.event_id.clone(),
                            address: if first_rcpt.is_empty() {
                                entry.related.clone()
                            } else {
                                first_rcpt.clone()
                            },
                            message: format!(
                                "the log has {} {} that the snapshot does not predict",
                                entry.event_id,
                                describe(entry)
                            ),
                            likely_cause: likely_cause(
                                "logged-not-predicted",
                                entry,
                                &others,
                                &logged_plain,
                            ),
                        });
                    }
                    (r, s, true)
                }
            };
            out.events.push(ExplainedEvent {
                event_id: entry.event_id.clone(),
                recipients: entry.recipients.clone(),
                related: entry.related.clone(),
                status: entry.status.clone(),
                reason_code: reason,
                reason: sentence,
                logged: true,
                inferred,
                timestamp: Some(iso(event.timestamp_ms)),
                server: event.server.clone(),
                source: event.source.clone(),
                location: event.location(),
            });
        }
        for (entry, row, used) in &predicted_entries {
            if *used {
                continue;
            }
            let address = entry
                .recipients
                .first()
                .cloned()
                .unwrap_or_else(|| entry.related.clone());
            out.mismatches.push(Mismatch {
                kind: "predicted-not-logged",
                event_id: entry.event_id.clone(),
                address: address.clone(),
                message: format!(
                    "the snapshot predicts {} {} on {}, the log has none",
                    entry.event_id,
                    describe(entry),
                    pass.start.server
                ),
                likely_cause: likely_cause(
                    "predicted-not-logged",
                    entry,
                    &logged_plain,
                    &logged_plain,
                ),
            });
            out.events.push(ExplainedEvent {
                event_id: entry.event_id.clone(),
                recipients: entry.recipients.clone(),
                related: entry.related.clone(),
                status: entry.status.clone(),
                reason_code: row.reason,
                reason: row.sentence.clone(),
                logged: false,
                inferred: false,
                timestamp: None,
                server: pass.start.server.clone(),
                source: row.source.to_string(),
                location: None,
            });
        }
    }
    // Rows outside the categorization passes (delivery failures, duplicates, deferrals).
    for e in rows
        .iter()
        .filter(|e| e.is(&EXPLAINED_EVENTS) && !in_pass.contains(&(*e as *const LogRecord)))
    {
        for entry in split(
            &e.event_id,
            &e.recipients,
            &e.related_recipient_address,
            &e.recipient_status,
        ) {
            let first_rcpt = entry.recipients.first().cloned().unwrap_or_default();
            let (reason, sentence) = infer(e, &entry.status, &first_rcpt);
            out.events.push(ExplainedEvent {
                event_id: entry.event_id.clone(),
                recipients: entry.recipients.clone(),
                related: entry.related.clone(),
                status: entry.status.clone(),
                reason_code: reason,
                reason: sentence,
                logged: true,
                inferred: true,
                timestamp: Some(iso(e.timestamp_ms)),
                server: e.server.clone(),
                source: e.source.clone(),
                location: e.location(),
            });
        }
    }
    out.events
        .sort_by(|a, b| match (&a.timestamp, &b.timestamp) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    out.recipients = recipient_tree(rows, passes.first().map(|p| p.start));
    if let Some(first_prediction) = predictions.first() {
        let reached: HashSet<String> = out
            .recipients
            .iter()
            .map(|r| r.address.to_lowercase())
            .collect();
        for r in first_prediction
            .reached
            .iter()
            .filter(|r| r.outcome == Outcome::Delivered)
        {
            if !reached.contains(&r.address.to_lowercase())
                && !out
                    .mismatches
                    .iter()
                    .any(|m| m.address.eq_ignore_ascii_case(&r.address))
            {
                out.mismatches.push(Mismatch {
                    kind: "predicted-not-logged",
                    event_id: "DELIVER".into(),
                    address: r.address.clone(),
                    message: format!("the snapshot predicts delivery to {} (via {}), the log never reaches it", r.address, r.path.join(" → ")),
                    likely_cause: "the recipient was added (to a group, or as a forwarding target) after the message was sent".into(),
                });
            }
        }
    }
    out
}

/// `prefix` and the addresses, comma-separated; nothing when there are none.
fn listed(prefix: &str, addresses: &[&String]) -> String {
    if addresses.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = addresses.iter().map(|s| s.as_str()).collect();
    format!("{prefix}{}", names.join(", "))
}

fn describe(entry: &Entry) -> String {
    let rcpts = entry.recipients.join(", ");
    match (entry.related.is_empty(), rcpts.is_empty()) {
        (true, _) => format!("for {rcpts}"),
        (false, true) => format!("of {}", entry.related),
        (false, false) => format!("{} → {rcpts}", entry.related),
    }
}

/// The recipients the log shows the message reaching, each with its outcome and the path
/// from an envelope recipient (categorizer.md R9.1 chaining).
pub fn recipient_tree(rows: &[LogRecord], start: Option<&LogRecord>) -> Vec<RecipientOutcome> {
    let mut order: Vec<String> = Vec::new();
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut outcome: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut display: BTreeMap<String, String> = BTreeMap::new();
    let add = |a: &str, order: &mut Vec<String>, display: &mut BTreeMap<String, String>| {
        let k = a.to_lowercase();
        if !a.is_empty() && !display.contains_key(&k) {
            display.insert(k.clone(), a.to_string());
            order.push(k);
        }
    };
    let roots: Vec<String> = start
        .map(|s| s.recipients.clone())
        .or_else(|| {
            rows.iter()
                .find(|e| e.is(&[EventId::Receive, EventId::Submit]))
                .map(|e| e.recipients.clone())
        })
        .unwrap_or_default();
    for r in &roots {
        add(r, &mut order, &mut display);
    }
    let root_set: HashSet<String> = roots.iter().map(|r| r.to_lowercase()).collect();
    let set = |outcome: &mut BTreeMap<String, Outcome>, a: &str, o: Outcome| {
        outcome.insert(a.to_lowercase(), o);
    };
    for e in rows {
        let id = e.event_id.to_ascii_uppercase();
        let related = &e.related_recipient_address;
        match id.as_str() {
            "RESOLVE" | "EXPAND" => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    if !r.eq_ignore_ascii_case(related) && !root_set.contains(&r.to_lowercase()) {
                        parent
                            .entry(r.to_lowercase())
                            .or_insert_with(|| related.to_lowercase());
                    }
                }
                if id == "EXPAND" && !e.source.eq_ignore_ascii_case("AGENT") {
                    set(&mut outcome, related, Outcome::Expanded);
                } else if id == "RESOLVE" && !outcome.contains_key(&related.to_lowercase()) {
                    // Rewritten to another address, which carries on.
                    set(&mut outcome, related, Outcome::Redirected);
                }
            }
            "REDIRECT" => {
                for r in &e.recipients {
                    if r.eq_ignore_ascii_case(related) {
                        continue;
                    }
                    add(related, &mut order, &mut display);
                    if !root_set.contains(&related.to_lowercase()) {
                        parent
                            .entry(related.to_lowercase())
                            .or_insert_with(|| r.to_lowercase());
                    }
                    // Deliver-and-forward writes a REDIRECT to itself first: it keeps a copy.
                    let keeps = rows.iter().any(|o| {
                        o.is(&[EventId::Redirect])
                            && o.related_recipient_address.eq_ignore_ascii_case(r)
                            && o.recipients.iter().any(|y| y.eq_ignore_ascii_case(r))
                    });
                    if !keeps {
                        set(&mut outcome, r, Outcome::Redirected);
                    }
                }
            }
            "FAIL" => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Failed);
                }
            }
            "DELIVER" | "DUPLICATEDELIVER" => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Delivered);
                }
            }
            "SENDEXTERNAL" => {
                for r in &e.recipients {
                    set(&mut outcome, r, Outcome::Relayed);
                }
            }
            "SEND" => {
                for r in &e.recipients {
                    let k = r.to_lowercase();
                    if !matches!(outcome.get(&k), Some(Outcome::Delivered | Outcome::Failed)) {
                        outcome.insert(k, Outcome::Relayed);
                    }
                }
            }
            "DEFER" => {
                for r in &e.recipients {
                    let k = r.to_lowercase();
                    if !matches!(outcome.get(&k), Some(Outcome::Delivered | Outcome::Failed)) {
                        outcome.insert(k, Outcome::Deferred);
                    }
                }
            }
            "INITMESSAGECREATED" => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Pending);
                }
            }
            _ => {}
        }
    }
    order
        .iter()
        .map(|k| {
            let mut path = vec![display[k].clone()];
            let mut at = k.clone();
            let mut guard = 0;
            while let Some(p) = parent.get(&at) {
                guard += 1;
                if guard > 64 || path.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                    break;
                }
                path.push(display.get(p).cloned().unwrap_or_else(|| p.clone()));
                at = p.clone();
            }
            path.reverse();
            RecipientOutcome {
                address: display[k].clone(),
                outcome: outcome.get(k).copied().unwrap_or(Outcome::Pending),
                path,
            }
        })
        .collect()
}
