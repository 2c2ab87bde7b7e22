//! What `explain` says, as data: the JSON form of [`Explanation`] is a public interface
//! (documented in the README): keep its field names.

use serde::Serialize;

use crate::format::EventId;
use crate::replay::categorizer::Outcome;
use crate::replay::reason::Reason;

/// The event ids `explain` lists.
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
#[allow(missing_docs)] // documented in the README's JSON shape
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
    /// The same instant in ms (text output formats it in `--tz`).
    pub timestamp_ms: Option<i64>,
    pub server: String,
    pub source: String,
    /// Where the row is: `FILE:LINE`.
    pub location: Option<String>,
    /// The Exchange shell line that fixes what the row shows, every value quoted so that
    /// pasting it runs nothing a sender wrote; `None` when there is none (or it is in place).
    pub fix: Option<String>,
}

/// A recipient reached by the message.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct RecipientOutcome {
    pub address: String,
    pub outcome: Outcome,
    /// From the envelope recipient to this address.
    pub path: Vec<String>,
}

/// A difference between the replay's prediction and the log.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
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
#[allow(missing_docs)]
pub struct PassSummary {
    pub server: String,
    pub timestamp: String,
    /// The same instant in ms (text output formats it in `--tz`).
    pub timestamp_ms: i64,
    pub envelope_recipients: Vec<String>,
    pub sender: String,
    pub size_bytes: Option<i64>,
    pub authenticated: bool,
}

/// Everything `explain` says about one message.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
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
