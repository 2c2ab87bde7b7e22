//! `msgtrack explain`: every categorizer row of a message explained, predicted rows matched
//! against logged ones, and the recipient tree from envelope to final recipients.
//!
//! Data flow: [`passes`] finds the categorization passes and their envelopes → the
//! categorizer replays each pass against the snapshot → [`matching`] pairs predicted and
//! logged rows and explains differences → rows without a prediction get a reason from
//! [`infer`] → [`tree`] lists every recipient reached. [`model`] is the (public, JSON) shape.

mod fixes;
mod infer;
mod matching;
mod model;
mod passes;
mod tree;

use std::collections::HashSet;

pub use infer::infer;
pub use model::{
    EXPLAINED_EVENTS, ExplainedEvent, Explanation, Mismatch, PassSummary, RecipientOutcome,
};
pub use tree::recipient_tree;

use matching::{Entry, describe, likely_cause, listed, split};
use passes::{envelope, iso, passes};

use super::categorizer::{Outcome, Prediction, Row, categorize};
use crate::directory::Directory;
use crate::format::status::Status;
use crate::format::{EventId, LogRecord};

#[cfg(test)]
mod tests;

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
            timestamp_ms: pass.start.timestamp_ms,
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
                    if a != b
                        && matches!(
                            entry.event,
                            EventId::Expand | EventId::DuplicateExpand | EventId::Resolve
                        )
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
                                if entry.event == EventId::Resolve {
                                    "address(es)"
                                } else {
                                    "member(s)"
                                },
                                entry.related,
                                entry.recipients.len(),
                                listed("; not in the log: ", &missing),
                                listed("; only in the log: ", &extra),
                            ),
                            likely_cause: if entry.event == EventId::Resolve {
                                "the recipient's primary address changed since".into()
                            } else {
                                "membership changed since the message was sent".into()
                            },
                        });
                    }
                    let logged_status = Status::parse(&entry.status);
                    let predicted_status = Status::parse(&p.status);
                    if matches!(entry.event, EventId::Fail | EventId::Defer | EventId::Drop)
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
                    let predicted_kind = entry.event != EventId::Transfer
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
                timestamp_ms: Some(event.timestamp_ms),
                server: event.server.clone(),
                source: event.source.clone(),
                location: event.location(),
                fix: None,
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
                timestamp_ms: None,
                server: pass.start.server.clone(),
                source: row.source.to_string(),
                location: None,
                fix: None,
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
                timestamp_ms: Some(e.timestamp_ms),
                server: e.server.clone(),
                source: e.source.clone(),
                location: e.location(),
                fix: None,
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
    for ev in &mut out.events {
        fixes::fix(ev, directory);
    }
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
