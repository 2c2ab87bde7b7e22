//! The Transport categorizer, re-run: one envelope + a directory snapshot in, the rows the
//! resolver would write and where each recipient ends up out. Rules and their numbers are
//! those of `../shared/reference/categorizer.md` (R2 top-level resolution, R4 sender checks,
//! R5 expansion, R6 forwarding and contacts, L loop detection, R7 restrictions).

use std::collections::HashSet;

use serde::Serialize;

use super::reason::Reason;
use crate::directory::index::{ExMatch, Member, ObjectId};
use crate::directory::owner::owner_candidates;
use crate::directory::{Directory, Kind, Lookup, parse_count, parse_size, strip_smtp_prefix};
use crate::format::imcea;
use crate::format::status::text;

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
    pub event_id: &'static str,
    pub source: &'static str,
    pub recipients: Vec<String>,
    pub related: String,
    pub status: String,
    pub reason: Reason,
    /// One sentence in the admin's terms.
    pub sentence: String,
}

/// Where a recipient ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Delivered,
    Failed,
    Expanded,
    Redirected,
    Deferred,
    Relayed,
    Pending,
}

/// A recipient the replay reached, with the addresses that led to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reached {
    pub address: String,
    pub outcome: Outcome,
    /// From the envelope recipient to this one (inclusive).
    pub path: Vec<String>,
}

/// The categorizer's result for one envelope.
#[derive(Debug, Clone, Default)]
pub struct Prediction {
    pub rows: Vec<Row>,
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
    fn row(
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

    fn reach(&mut self, item: &Item, outcome: Outcome) {
        self.out.reached.push(Reached {
            address: item.address.clone(),
            outcome,
            path: item.path.clone(),
        });
    }

    fn fail(&mut self, item: &Item, status: &str, reason: Reason, sentence: String) {
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

    fn go(&mut self) {
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

    /// R2.2–R2.5 for one envelope recipient: the item to expand, or none when it failed,
    /// was deferred or leaves the organization.
    fn resolve_top(&mut self, address: &str) -> Option<Item> {
        let mut item = Item {
            address: address.to_string(),
            object: None,
            history: Vec::new(),
            path: vec![address.to_string()],
        };
        let default_domain = self.d.default_domain().unwrap_or("");
        let unwrapped = imcea::decode(address).filter(|dec| {
            !default_domain.is_empty() && dec.domain.eq_ignore_ascii_case(default_domain)
        });
        let (lookup, how) = match &unwrapped {
            Some(dec) => match dec.kind.to_ascii_uppercase().as_str() {
                "SMTP" | "X500" | "INVALID" => {
                    let status = match dec.kind.to_ascii_uppercase().as_str() {
                        "SMTP" => text::SMTP_IN_SMTP,
                        "X500" => text::X500_IN_SMTP,
                        _ => text::INVALID_IN_SMTP,
                    };
                    self.fail(&item, status, Reason::SmtpInSmtp, format!(
                        "{} wraps an {} address in an SMTP address; Exchange refuses these — send to {} directly",
                        short(address), dec.kind, dec.address
                    ));
                    return None;
                }
                "EX" => {
                    let (lookup, how) = self.d.lookup_ex(&dec.address);
                    (
                        lookup,
                        Some(how.map_or(Reason::LegacydnMatch, |m| match m {
                            ExMatch::LegacyDn => Reason::LegacydnMatch,
                            ExMatch::X500Proxy => Reason::X500ProxyMatch,
                        })),
                    )
                }
                kind => (
                    self.d.lookup_proxy(kind, &dec.address),
                    Some(Reason::ProxyToPrimary),
                ),
            },
            None => (self.d.lookup_smtp(address), None),
        };
        match lookup {
            Lookup::Found(id) => {
                let primary = self.d.recipient(id).primary_smtp_address.clone();
                item.object = Some(id);
                if !primary.eq_ignore_ascii_case(address) && !primary.is_empty() {
                    let reason = how.unwrap_or(Reason::ProxyToPrimary);
                    let sentence = match reason {
                        Reason::X500ProxyMatch => format!(
                            "the old Exchange address (legacyExchangeDN) in {} matches an X500 proxy of {primary}: rewritten to that mailbox's primary address",
                            short(address)
                        ),
                        Reason::LegacydnMatch => format!(
                            "{} is the Exchange address (legacyExchangeDN) of {primary}: rewritten to its primary address",
                            short(address)
                        ),
                        _ => format!(
                            "{address} is a proxy address of {primary}: rewritten to the primary address"
                        ),
                    };
                    self.row(
                        "RESOLVE",
                        vec![primary.clone()],
                        address,
                        "",
                        reason,
                        sentence,
                    );
                    item.address = primary.clone();
                    item.path.push(primary);
                }
                Some(item)
            }
            Lookup::Ambiguous(ids) => {
                let owners: Vec<String> = ids.iter().map(|id| self.d.label(*id)).collect();
                self.row("DEFER", vec![address.to_string()], "", text::AMBIGUOUS_DEFER, Reason::AmbiguousRecipient, format!(
                    "{address} belongs to {} objects ({}); the recipient is deferred until one of them drops the address",
                    ids.len(), owners.join(", ")
                ));
                self.reach(&item, Outcome::Deferred);
                None
            }
            Lookup::NotFound => match &unwrapped {
                Some(dec) if dec.kind.eq_ignore_ascii_case("EX") => {
                    let candidates: Vec<String> = owner_candidates(self.d, &dec.address)
                        .into_iter()
                        .map(|id| self.d.label(id))
                        .collect();
                    let fix = match candidates.as_slice() {
                        [] => format!(
                            "add X500:{} as a proxy address of the mailbox this person has now",
                            dec.address
                        ),
                        [one] => format!(
                            "add X500:{} to the proxy addresses of {one} (its mailbox was probably re-created or migrated)",
                            dec.address
                        ),
                        many => format!(
                            "add X500:{} to the right one of {}",
                            dec.address,
                            many.join(", ")
                        ),
                    };
                    self.fail(&item, text::EX_RECIP_NOT_FOUND, Reason::ImceaLegacydnNotFound, format!(
                        "no recipient has the old Exchange address (legacyExchangeDN) {}, which came from an Outlook cache or an old item; fix: {fix}",
                        dec.address
                    ));
                    None
                }
                Some(dec) => {
                    let status = if dec.kind.eq_ignore_ascii_case("X400") {
                        text::X400_RECIP_NOT_FOUND
                    } else {
                        text::RECIP_NOT_FOUND
                    };
                    self.fail(
                        &item,
                        status,
                        Reason::RecipientNotFound,
                        format!("no recipient has the {} address {}", dec.kind, dec.address),
                    );
                    None
                }
                // Not in the directory: handled as a one-off during expansion (R5.11).
                None => Some(item),
            },
        }
    }

    /// R5.11: a recipient not in the directory.
    fn one_off(&mut self, item: Item) -> Option<Item> {
        let domain_type = self
            .d
            .domain_type(&item.address)
            .map(str::to_ascii_lowercase);
        if domain_type.as_deref() == Some("authoritative") {
            let domain = item
                .address
                .rsplit_once('@')
                .map_or("", |(_, d)| d)
                .to_string();
            self.fail(&item, text::RECIP_NOT_FOUND, Reason::RecipientNotFound, format!(
                "{domain} is authoritative here and no recipient has the address {} (a typo, or a removed mailbox or proxy)",
                item.address
            ));
            return None;
        }
        if self.too_big_for_org_receive() {
            let size = self.size_text();
            self.fail(
                &item,
                text::RECIP_SIZE_LIMIT,
                Reason::RecipientSizeLimit,
                format!(
                    "the message ({size}) is larger than the organization's maximum receive size"
                ),
            );
            return None;
        }
        self.reach(&item, Outcome::Relayed);
        None
    }

    fn size_kb(&self) -> Option<u64> {
        self.env
            .size_bytes
            .map(|b| (b.max(0) as u64).div_ceil(1024))
    }

    fn size_text(&self) -> String {
        self.env.size_bytes.map_or("size unknown".into(), |b| {
            format!("{} KB", (b.max(0) as u64).div_ceil(1024))
        })
    }

    /// An organization setting from the snapshot's TransportConfig, read with `parse`
    /// (`None` = unlimited), or Exchange's default when the snapshot has none.
    fn org_setting(
        &self,
        pick: impl Fn(&crate::directory::TransportConfig) -> Option<&String>,
        parse: fn(&str) -> Option<u64>,
        default: u64,
    ) -> Option<u64> {
        match self.d.snapshot.transport_config.as_ref().and_then(pick) {
            Some(text) => parse(text),
            None => Some(default),
        }
    }

    /// An organization size limit in bytes (MaxSendSize, MaxReceiveSize).
    fn org_limit(
        &self,
        pick: impl Fn(&crate::directory::TransportConfig) -> Option<&String>,
    ) -> Option<u64> {
        self.org_setting(pick, parse_size, DEFAULT_MAX_SIZE)
    }

    fn too_big_for_org_receive(&self) -> bool {
        match (
            self.size_kb(),
            self.org_limit(|c| c.max_receive_size.as_ref()),
        ) {
            (Some(kb), Some(limit)) => kb > limit / 1024,
            _ => false,
        }
    }

    fn privileged_sender(&self) -> bool {
        let s = self.env.sender.to_ascii_lowercase();
        s.starts_with("microsoftexchange")
            || s.starts_with("postmaster@")
            || self
                .sender
                .is_some_and(|id| self.d.kind(id) == Kind::MicrosoftExchange)
    }

    /// R4.1 and R4.2; true when every recipient failed.
    fn sender_checks_fail(&mut self, items: &[Item]) -> bool {
        if self.privileged_sender() || items.is_empty() {
            return false;
        }
        let own_limit = self
            .sender
            .filter(|_| self.env.authenticated)
            .and_then(|id| self.d.recipient(id).max_send_size.as_deref())
            .and_then(parse_size);
        let limit = own_limit.or_else(|| self.org_limit(|c| c.max_send_size.as_ref()));
        if let (Some(kb), Some(limit)) = (self.size_kb(), limit)
            && kb > limit / 1024
        {
            let (status, whose) = if own_limit.is_some() {
                (text::SEND_SIZE_SENDER, "the sender's own maximum send size")
            } else {
                (text::SEND_SIZE_ORG, "the organization's maximum send size")
            };
            let size = self.size_text();
            for item in items {
                self.fail(item, status, Reason::SenderSizeLimit, format!(
                    "the message ({size}) is larger than {whose} ({} KB): nobody gets it, no group is expanded", limit / 1024
                ));
            }
            return true;
        }
        let limit = self
            .sender
            .and_then(|id| self.d.recipient(id).recipient_limits.as_deref())
            .and_then(parse_count)
            .or_else(|| {
                self.org_setting(
                    |c| c.max_recipient_envelope_limit.as_ref(),
                    parse_count,
                    DEFAULT_RECIPIENT_LIMIT,
                )
            });
        if let Some(limit) = limit
            && items.len() as u64 > limit
        {
            for item in items {
                self.fail(item, text::RECIP_LIMIT, Reason::RecipientLimit, format!(
                    "{} recipients on the envelope is more than the sender may address ({limit})", items.len()
                ));
            }
            return true;
        }
        false
    }

    /// R5.1: restrictions, then the type's action. Returns the recipients it adds.
    fn process(&mut self, item: Item) -> Vec<Item> {
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

    /// R7.1 checks 3–6. True when the recipient is finished (failed or moderated).
    fn restricted(&mut self, item: &Item, id: ObjectId) -> bool {
        if self.privileged_sender() {
            return false;
        }
        let r = self.d.recipient(id).clone();
        let group = matches!(self.d.kind(id), Kind::Group | Kind::DynamicGroup);
        let own = r.max_receive_size.as_deref().and_then(parse_size);
        let limit = own.or_else(|| self.org_limit(|c| c.max_receive_size.as_ref()));
        if let (Some(kb), Some(limit)) = (self.size_kb(), limit)
            && kb > limit / 1024
        {
            let size = self.size_text();
            self.fail(
                item,
                text::RECIP_SIZE_LIMIT,
                Reason::RecipientSizeLimit,
                format!(
                    "the message ({size}) is larger than {} accepts ({} KB)",
                    if own.is_some() {
                        format!("{}'s maximum receive size", item.address)
                    } else {
                        "the organization".to_string()
                    },
                    limit / 1024
                ),
            );
            return true;
        }
        if r.require_sender_authentication_enabled && !self.env.authenticated {
            self.fail(item, text::AUTH_REQUIRED, Reason::AuthRequired, format!(
                "{} only accepts mail from authenticated (internal) senders and {} came in anonymously from outside{}",
                item.address, self.env.sender,
                if group { " — new distribution groups are created this way (RequireSenderAuthenticationEnabled)" } else { "" }
            ));
            return true;
        }
        let lists = [
            &r.accept_messages_only_from,
            &r.accept_messages_only_from_dl_members,
            &r.reject_messages_from,
            &r.reject_messages_from_dl_members,
        ];
        if lists.iter().any(|l| !l.is_empty()) && !self.sender_allowed(&r) {
            let status = if group {
                text::NOT_AUTHORIZED_TO_GROUP
            } else {
                text::NOT_AUTHORIZED
            };
            self.fail(
                item,
                status,
                Reason::SenderNotAllowed,
                format!(
                    "{} is not allowed to send to {} (its accept/reject lists)",
                    self.env.sender, item.address
                ),
            );
            return true;
        }
        if r.moderation_enabled && !self.bypasses_moderation(&r, &item.address) {
            let moderators = if r.moderated_by.is_empty() {
                r.managed_by.join(", ")
            } else {
                r.moderated_by.join(", ")
            };
            self.row("INITMESSAGECREATED", vec![item.address.clone()], "", "", Reason::ModerationPending, format!(
                "{} is moderated: the message waits in the arbitration mailbox for {moderators} to approve it", item.address
            ));
            self.reach(item, Outcome::Pending);
            return true;
        }
        false
    }

    fn in_list(&self, list: &[String], members_of: bool) -> bool {
        let Some(sender) = self.sender else {
            return false;
        };
        list.iter().filter_map(|x| self.d.resolve(x)).any(|x| {
            if members_of {
                self.d.is_member(sender, x)
            } else {
                x == sender
            }
        })
    }

    /// R7.1 step 5.
    fn sender_allowed(&self, r: &crate::directory::Recipient) -> bool {
        let accept_empty = r.accept_messages_only_from.is_empty()
            && r.accept_messages_only_from_dl_members.is_empty();
        if self.sender.is_none() {
            return accept_empty;
        }
        if self.in_list(&r.reject_messages_from, false) {
            return false;
        }
        if self.in_list(&r.accept_messages_only_from, false) {
            return true;
        }
        if self.in_list(&r.reject_messages_from_dl_members, true) {
            return false;
        }
        if self.in_list(&r.accept_messages_only_from_dl_members, true) {
            return true;
        }
        accept_empty
    }

    fn bypasses_moderation(&self, r: &crate::directory::Recipient, address: &str) -> bool {
        if self
            .env
            .approved
            .iter()
            .any(|a| a.eq_ignore_ascii_case(address))
        {
            return true;
        }
        let Some(sender) = self.sender else {
            return false;
        };
        let named = |list: &[String]| {
            list.iter()
                .filter_map(|x| self.d.resolve(x))
                .any(|x| x == sender || self.d.is_member(sender, x))
        };
        named(&r.moderated_by)
            || named(&r.managed_by)
            || named(&r.bypass_moderation_from_senders_or_members)
            || named(&r.bypass_moderation_from_dl_members)
    }

    /// L.2: Some(true) for a broken (forwarding-only) loop, Some(false) for a harmless one.
    fn loop_at(item: &Item) -> Option<bool> {
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

    fn child(&self, parent: &Item, id: ObjectId, step: Step) -> Item {
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
    fn expand(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
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
    fn contact(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
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
    fn mailbox(&mut self, item: Item, id: ObjectId) -> Vec<Item> {
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
    fn keep(&mut self, item: Item) -> Vec<Item> {
        if self.delivered.insert(item.address.to_lowercase()) {
            self.reach(&item, Outcome::Delivered);
        }
        Vec::new()
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
