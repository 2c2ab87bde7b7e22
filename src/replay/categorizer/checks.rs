//! The checks that stop a message or a recipient: the organization's and the sender's size
//! limits, the recipient limit (R4), and per-recipient restrictions — accept/reject lists,
//! authentication, size, moderation (R7).

use super::{DEFAULT_MAX_SIZE, DEFAULT_RECIPIENT_LIMIT, Item, Outcome, Run};
use crate::directory::index::ObjectId;
use crate::directory::{Kind, parse_count, parse_size};
use crate::format::status::text;
use crate::replay::reason::Reason;

impl Run<'_> {
    pub(super) fn size_kb(&self) -> Option<u64> {
        self.env
            .size_bytes
            .map(|b| (b.max(0) as u64).div_ceil(1024))
    }
    pub(super) fn size_text(&self) -> String {
        self.env.size_bytes.map_or("size unknown".into(), |b| {
            format!("{} KB", (b.max(0) as u64).div_ceil(1024))
        })
    }
    /// An organization setting from the snapshot's TransportConfig, read with `parse`
    /// (`None` = unlimited), or Exchange's default when the snapshot has none.
    pub(super) fn org_setting(
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
    pub(super) fn org_limit(
        &self,
        pick: impl Fn(&crate::directory::TransportConfig) -> Option<&String>,
    ) -> Option<u64> {
        self.org_setting(pick, parse_size, DEFAULT_MAX_SIZE)
    }
    pub(super) fn too_big_for_org_receive(&self) -> bool {
        match (
            self.size_kb(),
            self.org_limit(|c| c.max_receive_size.as_ref()),
        ) {
            (Some(kb), Some(limit)) => kb > limit / 1024,
            _ => false,
        }
    }
    pub(super) fn privileged_sender(&self) -> bool {
        let s = self.env.sender.to_ascii_lowercase();
        s.starts_with("microsoftexchange")
            || s.starts_with("postmaster@")
            || self
                .sender
                .is_some_and(|id| self.d.kind(id) == Kind::MicrosoftExchange)
    }
    /// R4.1 and R4.2; true when every recipient failed.
    pub(super) fn sender_checks_fail(&mut self, items: &[Item]) -> bool {
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
    /// R7.1 checks 3–6. True when the recipient is finished (failed or moderated).
    pub(super) fn restricted(&mut self, item: &Item, id: ObjectId) -> bool {
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
    pub(super) fn in_list(&self, list: &[String], members_of: bool) -> bool {
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
    pub(super) fn sender_allowed(&self, r: &crate::directory::Recipient) -> bool {
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
    pub(super) fn bypasses_moderation(
        &self,
        r: &crate::directory::Recipient,
        address: &str,
    ) -> bool {
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
}
