//! Matching the replay's predicted rows with the logged ones: rows reduced to entries (one
//! per recipient for FAIL, DROP and DEFER), their matching key, and the likely cause of each
//! difference.

use crate::format::EventId;
use crate::format::status::Status;
use crate::replay::reason::{Reason, reason_of};

/// A row reduced to what matching compares.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) event_id: String,
    pub(super) event: EventId,
    pub(super) recipients: Vec<String>,
    pub(super) related: String,
    pub(super) status: String,
}

impl Entry {
    /// What a logged and a predicted entry must share to match: the event, and the first
    /// recipient and/or the related address as the event uses them.
    pub(super) fn key(&self) -> (String, String, String) {
        use EventId as E;
        let first = self
            .recipients
            .first()
            .map_or(String::new(), |r| r.to_lowercase());
        let e = self.event_id.to_ascii_uppercase();
        match self.event {
            E::Expand | E::DuplicateExpand | E::Resolve => {
                (e, String::new(), self.related.to_lowercase())
            }
            E::Redirect | E::DuplicateRedirect => (e, first, self.related.to_lowercase()),
            _ => (e, first, String::new()),
        }
    }
}

/// Splits FAIL/DROP/DEFER rows into one entry per recipient.
pub(super) fn split(
    event_id: &str,
    recipients: &[String],
    related: &str,
    statuses: &[String],
) -> Vec<Entry> {
    let event = EventId::parse(event_id);
    let per_recipient = matches!(event, EventId::Fail | EventId::Drop | EventId::Defer);
    if per_recipient && recipients.len() > 1 {
        recipients
            .iter()
            .enumerate()
            .map(|(i, r)| Entry {
                event_id: event_id.to_string(),
                event,
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
            event,
            recipients: recipients.to_vec(),
            related: related.to_string(),
            status: statuses.first().cloned().unwrap_or_default(),
        }]
    }
}

/// Why the snapshot and the log differ on `entry`, most likely.
pub(super) fn likely_cause(
    kind: &str,
    entry: &Entry,
    others: &[Entry],
    logged_all: &[Entry],
) -> String {
    use EventId as E;
    let address = entry.recipients.first().cloned().unwrap_or_default();
    let related_lower = entry.related.to_lowercase();
    let failed_in_log = logged_all.iter().any(|l| {
        l.event == E::Fail
            && l.recipients
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&entry.related))
    });
    match (kind, entry.event) {
        ("predicted-not-logged", E::Resolve) if failed_in_log => format!(
            "the snapshot resolves {} now, but the log shows it failing: the address (e.g. an X500 proxy) was added after this message was sent",
            entry.related
        ),
        ("predicted-not-logged", E::Redirect) => format!("{address} forwards in the snapshot but not in the log: forwarding was set up after this message"),
        ("logged-not-predicted", E::Redirect) => format!("{address} forwarded at the time but not in the snapshot: forwarding was removed since"),
        ("predicted-not-logged", E::Fail) if others.iter().any(|o| o.related.eq_ignore_ascii_case(&address) || o.recipients.iter().any(|r| r.eq_ignore_ascii_case(&address))) => {
            format!("the log shows {address} resolving at the time; the snapshot cannot: the recipient or proxy was removed since, or the snapshot is incomplete")
        }
        ("predicted-not-logged", E::Fail) if reason_of(&Status::parse(&entry.status)) == Reason::RecipientNotFound => format!(
            "{address} is not in the snapshot but existed when the message was sent: it was removed since, or the export missed it (health and system mailboxes need Get-Mailbox -Monitoring / -Arbitration)"
        ),
        ("predicted-not-logged", E::Fail) => format!("the snapshot's settings make {address} fail, the log did not: a limit or restriction changed since the message was sent"),
        ("logged-not-predicted", E::Fail) if others.iter().any(|o| o.event == E::Resolve && o.related.eq_ignore_ascii_case(&address)) => format!(
            "the snapshot now resolves {address} to {}: the fix (e.g. the X500 proxy) was made after this message was sent, so a resend would be delivered",
            others.iter().find(|o| o.event == E::Resolve && o.related.eq_ignore_ascii_case(&address)).and_then(|o| o.recipients.first().cloned()).unwrap_or_default()
        ),
        ("logged-not-predicted", E::Fail) => format!("{address} failed at the time but would not now: the directory was fixed or changed since (or the snapshot is from elsewhere)"),
        (_, E::Expand) | (_, E::DuplicateExpand) => format!("group membership of {related_lower} differs between the snapshot and the time of the message"),
        (_, E::InitMessageCreated) => "moderation settings changed between the message and the snapshot".into(),
        _ => "the directory changed between the message and the snapshot, or the snapshot is incomplete".into(),
    }
}

/// `prefix` and the addresses, comma-separated; nothing when there are none.
pub(super) fn listed(prefix: &str, addresses: &[&String]) -> String {
    if addresses.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = addresses.iter().map(|s| s.as_str()).collect();
    format!("{prefix}{}", names.join(", "))
}

/// The entry's addresses in words (`group → members`, `for a, b`).
pub(super) fn describe(entry: &Entry) -> String {
    let rcpts = entry.recipients.join(", ");
    match (entry.related.is_empty(), rcpts.is_empty()) {
        (true, _) => format!("for {rcpts}"),
        (false, true) => format!("of {}", entry.related),
        (false, false) => format!("{} → {rcpts}", entry.related),
    }
}
