//! The expansion walk (R5, R6, L): each item popped from the stack is a group (expanded with
//! the visited set), a contact (rewritten), or a mailbox (kept, forwarded, or both), with
//! forwarding-loop detection. It recurses through the stack and stays one file.

use super::{Item, Outcome, Row, Run, Step};
use crate::directory::index::{Member, ObjectId};
use crate::directory::{Kind, strip_smtp_prefix};
use crate::format::status::text;
use crate::replay::reason::Reason;

impl Run<'_> {
    /// R5.1: restrictions, then the type's action. Returns the recipients it adds.
    pub(super) fn process(&mut self, item: Item) -> Vec<Item> {
        let Some(id) = item.object else {
            // Added by expansion or forwarding but not in the directory: one-off.
            self.one_off(item);
            return Vec::new();
        };
        if self.restricted(&item, id) {
            return Vec::new();
        }
        let kind = self.d.kind(id);
        let r = self.d.recipient(id);
        match kind {
            Kind::Group | Kind::DynamicGroup => self.expand(item, id),
            Kind::Contact => self.contact(item, id),
            Kind::MailUser if r.external_email_address.is_some() => self.contact(item, id),
            _ => self.mailbox(item, id),
        }
    }
    /// L.2: Some(true) for a broken (forwarding-only) loop, Some(false) for a harmless one.
    pub(super) fn loop_at(item: &Item) -> Option<bool> {
        let at = item
            .history
            .iter()
            .position(|(_, a)| a.eq_ignore_ascii_case(&item.address))?;
        Some(
            item.history[..=at]
                .iter()
                .all(|(s, _)| *s == Step::Forwarded),
        )
    }
    pub(super) fn child(&self, parent: &Item, id: ObjectId, step: Step) -> Item {
        let address = self.d.recipient(id).primary_smtp_address.clone();
        let mut history = parent.history.clone();
        history.push((step, parent.address.clone()));
        let mut path = parent.path.clone();
        path.push(address.clone());
        Item {
            address,
            object: Some(id),
            history,
            path,
        }
    }
    /// R5.3 and R5.5.
    pub(super) fn expand(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
        if Self::loop_at(&item).is_some() {
            return Vec::new(); // harmless: AlreadyExpanded, no row
        }
        let dynamic = self.d.kind(id) == Kind::DynamicGroup;
        let members = match self.d.members(id) {
            Ok(m) => m,
            Err(problem) => {
                self.fail(
                    &item,
                    text::DDL_QUERY,
                    Reason::DynamicGroupExpanded,
                    format!(
                        "the dynamic group {}'s RecipientFilter does not work: {problem}",
                        item.address
                    ),
                );
                return Vec::new();
            }
        };
        self.visited.insert(id);
        let mut added = Vec::new();
        let mut duplicates = Vec::new();
        for m in members {
            let Member::Object(mid) = m else { continue };
            if self.d.recipient(mid).primary_smtp_address.is_empty() {
                continue;
            }
            if self.d.kind(mid).is_visited_kind() && self.visited.contains(&mid) {
                duplicates.push(mid);
            } else if !added.contains(&mid) {
                added.push(mid);
            }
        }
        for mid in &added {
            if self.d.kind(*mid).is_visited_kind() {
                self.visited.insert(*mid);
            }
        }
        let addresses: Vec<String> = added.iter().map(|m| self.d.label(*m)).collect();
        let (reason, sentence) = if dynamic {
            (
                Reason::DynamicGroupExpanded,
                format!(
                    "the dynamic group {} expanded to the {} recipients its filter selects",
                    item.address,
                    addresses.len()
                ),
            )
        } else if addresses.is_empty() {
            (
                Reason::GroupExpanded,
                format!(
                    "{} has no members that can receive mail: expanded to nobody (nothing delivered, no NDR)",
                    item.address
                ),
            )
        } else {
            (
                Reason::GroupExpanded,
                format!(
                    "{} expanded to its {} member(s)",
                    item.address,
                    addresses.len()
                ),
            )
        };
        self.row(
            "EXPAND",
            addresses,
            &item.address,
            text::EXPANDED,
            reason,
            sentence,
        );
        if !duplicates.is_empty() {
            let names: Vec<String> = duplicates.iter().map(|m| self.d.label(*m)).collect();
            let sentence = format!(
                "{} was already expanded higher up — harmless nested-group loop, nobody gets a duplicate",
                names.join(", ")
            );
            self.row(
                "DUPLICATEEXPAND",
                names,
                &item.address,
                text::EXPANDED,
                Reason::GroupAlreadyExpanded,
                sentence,
            );
        }
        self.reach(&item, Outcome::Expanded);
        // Pushed in directory order, so the last member is processed first (LIFO).
        added
            .iter()
            .map(|m| self.child(&item, *m, Step::Expanded))
            .collect()
    }
    /// R6.4: contacts and mail users with an external address.
    pub(super) fn contact(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
        let r = self.d.recipient(id).clone();
        let Some(target) = r.external_email_address.as_deref() else {
            self.fail(
                &item,
                text::CON_NO_TARGET,
                Reason::ContactTarget,
                format!("the contact {} has no external address", item.address),
            );
            return Vec::new();
        };
        let target = strip_smtp_prefix(target).to_string();
        let own = r.has_smtp_address(&target);
        if !own && let Some(other) = self.d.resolve(&target).filter(|o| *o != id) {
            // Contact chain: the target is another object of this organization.
            if Self::loop_at(&item) == Some(true) {
                self.fail(
                    &item,
                    text::FWD_LOOP,
                    Reason::ForwardingLoop,
                    format!(
                        "{} forwards back into a chain that reached it: broken loop",
                        item.address
                    ),
                );
                return Vec::new();
            }
            let next = self.child(&item, other, Step::Forwarded);
            self.row(
                "REDIRECT",
                vec![item.address.clone()],
                &next.address,
                "",
                Reason::ContactTarget,
                format!(
                    "the contact {} points at {}, which is in this organization: redirected to it",
                    item.address, next.address
                ),
            );
            self.reach(&item, Outcome::Redirected);
            return vec![next];
        }
        let mut routed = item.clone();
        if !target.eq_ignore_ascii_case(&item.address) {
            self.row("RESOLVE", vec![target.clone()], &item.address, "", Reason::ContactTarget, format!(
                "{} is a mail contact/mail user whose external address is {target}: rewritten and routed out", item.address
            ));
            routed.address = target.clone();
            routed.path.push(target);
        }
        self.reach(&routed, Outcome::Relayed);
        Vec::new()
    }
    /// R5.10, R6.1–R6.3, R6.6: mailboxes and their forwarding.
    pub(super) fn mailbox(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
        let r = self.d.recipient(id).clone();
        if let Some(forward) = r.forwarding_address.as_deref() {
            match Self::loop_at(&item) {
                Some(true) => {
                    let chain: Vec<&str> = item.history.iter().map(|(_, a)| a.as_str()).collect();
                    self.fail(&item, text::FWD_LOOP, Reason::ForwardingLoop, format!(
                        "{} forwards to {}, which forwards back ({} → {}): a broken forwarding loop, nothing is delivered",
                        item.address, chain.last().copied().unwrap_or(""), chain.join(" → "), item.address
                    ));
                    return Vec::new();
                }
                Some(false) => {
                    self.reach(&item, Outcome::Delivered);
                    return Vec::new();
                }
                None => {}
            }
            let keep = r.deliver_to_mailbox_and_forward;
            let Some(target) = self
                .d
                .resolve(forward)
                .filter(|t| !self.d.recipient(*t).primary_smtp_address.is_empty())
            else {
                if keep {
                    self.row("REDIRECT", vec![item.address.clone()], &item.address, "", Reason::DeliverAndForward, format!(
                        "{} keeps a copy and forwards, but its forwarding address {forward} no longer exists: only its own copy is delivered", item.address
                    ));
                    return self.keep(item);
                }
                self.fail(&item, text::FWD_NOT_FOUND, Reason::ForwardingAddress, format!(
                    "{} forwards to {forward}, which is not in the directory: fix or clear its ForwardingAddress", item.address
                ));
                return Vec::new();
            };
            let step = if keep {
                Step::DeliveredAndForwarded
            } else {
                Step::Forwarded
            };
            let next = self.child(&item, target, step);
            if self.d.kind(target).is_visited_kind() && self.visited.contains(&target) {
                self.row(
                    "DUPLICATEREDIRECT",
                    vec![item.address.clone()],
                    &next.address,
                    "",
                    Reason::RecipientAlreadyReached,
                    format!(
                        "{} forwards to {}, which this message already reaches",
                        item.address, next.address
                    ),
                );
                self.reach(&item, Outcome::Redirected);
                return Vec::new();
            }
            if self.d.kind(target).is_visited_kind() {
                self.visited.insert(target);
            }
            if keep {
                self.row(
                    "REDIRECT",
                    vec![item.address.clone()],
                    &item.address,
                    "",
                    Reason::DeliverAndForward,
                    format!(
                        "{} delivers to its own mailbox and forwards (DeliverToMailboxAndForward)",
                        item.address
                    ),
                );
                self.row(
                    "REDIRECT",
                    vec![item.address.clone()],
                    &next.address,
                    "",
                    Reason::DeliverAndForward,
                    format!("{} forwards a copy to {}", item.address, next.address),
                );
                let mut out = self.keep(item);
                out.push(next);
                return out;
            }
            self.row(
                "REDIRECT",
                vec![item.address.clone()],
                &next.address,
                "",
                Reason::ForwardingAddress,
                format!(
                    "{} forwards everything to {} (ForwardingAddress, no copy kept)",
                    item.address, next.address
                ),
            );
            self.reach(&item, Outcome::Redirected);
            return vec![next];
        }
        if let Some(smtp) = r.forwarding_smtp_address.as_deref() {
            let target = smtp.split_once(':').map_or(smtp, |(_, a)| a).to_string();
            self.out.rows.push(Row {
                event_id: "REDIRECT",
                source: "AGENT",
                recipients: vec![item.address.clone()],
                related: target.clone(),
                status: String::new(),
                reason: Reason::ForwardingSmtpAddress,
                sentence: format!("the Redirection Agent forwards {}'s mail to {target} (ForwardingSmtpAddress){}", item.address,
                    if r.deliver_to_mailbox_and_forward { ", keeping a copy" } else { "" }),
            });
            let mut forwarded = item.clone();
            forwarded.address = target.clone();
            forwarded.path.push(target.clone());
            let outcome = match self.d.resolve(&target) {
                Some(_) => Outcome::Delivered,
                None => Outcome::Relayed,
            };
            self.reach(&forwarded, outcome);
            if r.deliver_to_mailbox_and_forward {
                return self.keep(item);
            }
            self.reach(&item, Outcome::Redirected);
            return Vec::new();
        }
        self.keep(item)
    }
    /// The mailbox keeps the message (once, R5.9).
    pub(super) fn keep(&mut self, item: Item) -> Vec<Item> {
        if self.delivered.insert(item.address.to_lowercase()) {
            self.reach(&item, Outcome::Delivered);
        }
        Vec::new()
    }
}
