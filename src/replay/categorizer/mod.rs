//! The Transport categorizer, re-run: one envelope + a directory snapshot in, the rows the
//! resolver would write and where each recipient ends up out. Rules and their numbers are
//! those of `../shared/reference/categorizer.md` (R2 top-level resolution, R4 sender checks,
//! R5 expansion, R6 forwarding and contacts, L loop detection, R7 restrictions).

use std::collections::HashSet;

use serde::Serialize;

mod checks;
mod resolve;
mod walk;

use super::reason::Reason;
use crate::directory::Directory;
use crate::directory::index::ObjectId;

/// What the categorizer is given for one pass.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// The header sender (P2), which restrictions are checked against.
    pub sender: String,
    /// RCPT TO, in order.
    pub recipients: Vec<String>,
    /// The original size in bytes (the first RECEIVE's total-bytes inside the org, C1).
    pub size_bytes: Option<i64>,
    /// Submitted by a mailbox or an authenticated client (not anonymous Internet mail).
    pub authenticated: bool,
    /// Moderated recipients a moderator has approved (resubmission after MODERATORAPPROVE).
    pub approved: Vec<String>,
    /// True when the sender-side checks already ran on an earlier server (R2.9, R4.2).
    pub already_checked: bool,
}

/// A row the categorizer writes (or a FAIL/DEFER entry for one recipient).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The event id.
    pub event_id: &'static str,
    /// The source (SMTP, STOREDRIVER, …).
    pub source: &'static str,
    /// The recipients.
    pub recipients: Vec<String>,
    /// The related recipient address.
    pub related: String,
    /// The status.
    pub status: String,
    /// Why (a reason code).
    pub reason: Reason,
    /// One sentence in the admin's terms.
    pub sentence: String,
}

/// Where a recipient ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Delivered to a mailbox.
    Delivered,
    /// Failed (FAIL).
    Failed,
    /// A group, expanded into its members.
    Expanded,
    /// Forwarded elsewhere (REDIRECT).
    Redirected,
    /// Deferred, to be retried.
    Deferred,
    /// Sent on, outside the organization or to a contact.
    Relayed,
    /// Held for a moderator.
    Pending,
}

/// A recipient the replay reached, with the addresses that led to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reached {
    /// The address.
    pub address: String,
    /// What became of it.
    pub outcome: Outcome,
    /// From the envelope recipient to this one (inclusive).
    pub path: Vec<String>,
}

/// The categorizer's result for one envelope.
#[derive(Debug, Clone, Default)]
pub struct Prediction {
    /// The rows the categorizer would log, in order.
    pub rows: Vec<Row>,
    /// Every address the message reached.
    pub reached: Vec<Reached>,
}

/// One entry of a recipient's history (L.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Expanded,
    Forwarded,
    DeliveredAndForwarded,
}

#[derive(Debug, Clone)]
struct Item {
    address: String,
    object: Option<ObjectId>,
    history: Vec<(Step, String)>,
    path: Vec<String>,
}

/// The org defaults of categorizer.md §13.
const DEFAULT_MAX_SIZE: u64 = 10 * 1024 * 1024;
const DEFAULT_RECIPIENT_LIMIT: u64 = 500;

/// Runs the categorizer over one envelope.
pub fn categorize(directory: &Directory, envelope: &Envelope) -> Prediction {
    let mut run = Run {
        d: directory,
        env: envelope,
        out: Prediction::default(),
        visited: HashSet::new(),
        delivered: HashSet::new(),
        sender: directory.resolve(&envelope.sender),
    };
    run.go();
    run.out
}

struct Run<'a> {
    d: &'a Directory,
    env: &'a Envelope,
    out: Prediction,
    /// Groups and contacts already met (R5.5).
    visited: HashSet<ObjectId>,
    /// Mailboxes already kept for delivery (CAT.DuplicateRecipient, R5.9).
    delivered: HashSet<String>,
    sender: Option<ObjectId>,
}

impl Run<'_> {
    pub(super) fn row(
        &mut self,
        event_id: &'static str,
        recipients: Vec<String>,
        related: &str,
        status: &str,
        reason: Reason,
        sentence: String,
    ) {
        self.out.rows.push(Row {
            event_id,
            source: "ROUTING",
            recipients,
            related: related.to_string(),
            status: status.to_string(),
            reason,
            sentence,
        });
    }
    pub(super) fn reach(&mut self, item: &Item, outcome: Outcome) {
        self.out.reached.push(Reached {
            address: item.address.clone(),
            outcome,
            path: item.path.clone(),
        });
    }
    pub(super) fn fail(&mut self, item: &Item, status: &str, reason: Reason, sentence: String) {
        self.row(
            "FAIL",
            vec![item.address.clone()],
            "",
            status,
            reason,
            sentence,
        );
        self.reach(item, Outcome::Failed);
    }
    pub(super) fn go(&mut self) {
        // Top-level resolution, in envelope order (R2, R1.3).
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        for address in &self.env.recipients {
            if !seen.insert(address.to_lowercase()) {
                continue; // collapsed on enqueue (R5.9a)
            }
            if let Some(item) = self.resolve_top(address) {
                items.push(item);
            }
        }
        if !self.env.already_checked && self.sender_checks_fail(&items) {
            return;
        }
        // Expansion: a stack, top-level recipients pushed in order and popped in reverse.
        for item in &items {
            if let Some(id) = item.object
                && self.d.kind(id).is_visited_kind()
            {
                self.visited.insert(id);
            }
        }
        // Pushed in envelope order, popped from the end (the last recipient first).
        let mut stack: Vec<Item> = items;
        while let Some(item) = stack.pop() {
            let children = self.process(item);
            stack.extend(children);
        }
    }
}

/// An IMCEA address shortened for sentences.
fn short(address: &str) -> String {
    if address.len() > 60 {
        format!(
            "{}…",
            &address[..address
                .char_indices()
                .nth(57)
                .map_or(address.len(), |(i, _)| i)]
        )
    } else {
        address.to_string()
    }
}

#[cfg(test)]
mod tests;
