//! Finding the categorization passes in a message's rows (the first hub RECEIVE, each
//! RESUBMIT, a later RECEIVE with categorizer rows of its own) and each pass's envelope.

use std::collections::HashSet;

use crate::format::{EventId, LogRecord};
use crate::replay::categorizer::Envelope;

/// A row the categorizer writes (its FAIL/DROP/DEFER rows come from ROUTING or RESOLVER).
pub(super) fn is_categorizer_row(e: &LogRecord) -> bool {
    use EventId as E;
    match e.event() {
        E::Resolve
        | E::Expand
        | E::DuplicateExpand
        | E::Redirect
        | E::DuplicateRedirect
        | E::Transfer
        | E::InitMessageCreated => true,
        E::Fail | E::Drop | E::Defer => {
            e.source.eq_ignore_ascii_case("ROUTING") || e.source.eq_ignore_ascii_case("RESOLVER")
        }
        _ => false,
    }
}

/// A categorization pass found in the rows.
pub(super) struct Pass<'a> {
    /// The RECEIVE or RESUBMIT that starts it.
    pub(super) start: &'a LogRecord,
    /// Its categorizer rows.
    pub(super) rows: Vec<&'a LogRecord>,
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
pub(super) fn passes(rows: &[LogRecord]) -> Vec<Pass<'_>> {
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

/// An instant as ISO 8601 UTC, as the JSON shape writes times.
pub(super) fn iso(ms: i64) -> String {
    crate::format::time::format_timestamp_ms(ms)
}

/// The envelope of a pass, from its RECEIVE and the message's first RECEIVE (C1).
pub(super) fn envelope(pass: &Pass, rows: &[LogRecord], first_pass: bool) -> Envelope {
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
