//! The reason codes `msgtrack explain` gives categorizer rows (categorizer.md §12), and the
//! one a logged status gets.

use serde::Serialize;

use crate::format::status::Status;

/// Why a categorizer row was written: the public `reason_code` of `msgtrack explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A proxy address (`smtp:`) resolved and rewritten to the primary address.
    ProxyToPrimary,
    /// An old Exchange address matched an `X500:` proxy: rewritten to the primary address.
    X500ProxyMatch,
    /// An Exchange address matched a recipient's current legacyExchangeDN.
    LegacydnMatch,
    /// A mail contact (or mail user): routed to its external address.
    ContactTarget,
    /// A distribution group expanded into its members (EXPAND).
    GroupExpanded,
    /// A dynamic group expanded by its recipient filter.
    DynamicGroupExpanded,
    /// A group met again in the same expansion (DUPLICATEEXPAND): not expanded twice.
    GroupAlreadyExpanded,
    /// A recipient reached twice in one expansion: one copy only.
    RecipientAlreadyReached,
    /// A recipient the message was already delivered to (DUPLICATEDELIVER).
    RecipientAlreadyDelivered,
    /// Redirected by the mailbox's ForwardingAddress (REDIRECT).
    ForwardingAddress,
    /// Redirected by the mailbox's ForwardingSmtpAddress.
    ForwardingSmtpAddress,
    /// Delivered and forwarded (DeliverToMailboxAndForward).
    DeliverAndForward,
    /// Mailboxes forwarding to each other: nothing delivered (5.4.6).
    ForwardingLoop,
    /// No recipient has the address in an authoritative domain (5.1.1).
    RecipientNotFound,
    /// An IMCEAEX address whose legacyExchangeDN nobody has any more (a stale Outlook cache).
    ImceaLegacydnNotFound,
    /// An IMCEASMTP address unwrapped to the SMTP address inside.
    SmtpInSmtp,
    /// Two or more recipients own the address.
    AmbiguousRecipient,
    /// The recipient accepts only authenticated senders (5.7.1).
    AuthRequired,
    /// The sender is not on the recipient's accept list, or is on its reject list.
    SenderNotAllowed,
    /// The message is larger than the recipient's MaxReceiveSize.
    RecipientSizeLimit,
    /// The message is larger than the sender's MaxSendSize.
    SenderSizeLimit,
    /// More recipients than the sender's or the organization's limit.
    RecipientLimit,
    /// Held for a moderator (INITMESSAGECREATED).
    ModerationPending,
    /// The moderator rejected the message.
    ModerationRejected,
    /// The directory could not be read for now: deferred and retried.
    DirectoryTransientFailure,
    /// Too many hops: a mail loop between servers (5.4.6 hop count).
    HopCountExceeded,
    /// Content conversion failed.
    ContentConversion,
    /// A row outside the categorizer (a delivery failure, a mailbox full).
    NotExplained,
}

impl Reason {
    /// The code as written in JSON (`proxy-to-primary`, …).
    pub fn code(self) -> &'static str {
        match self {
            Reason::ProxyToPrimary => "proxy-to-primary",
            Reason::X500ProxyMatch => "x500-proxy-match",
            Reason::LegacydnMatch => "legacydn-match",
            Reason::ContactTarget => "contact-target",
            Reason::GroupExpanded => "group-expanded",
            Reason::DynamicGroupExpanded => "dynamic-group-expanded",
            Reason::GroupAlreadyExpanded => "group-already-expanded",
            Reason::RecipientAlreadyReached => "recipient-already-reached",
            Reason::RecipientAlreadyDelivered => "recipient-already-delivered",
            Reason::ForwardingAddress => "forwarding-address",
            Reason::ForwardingSmtpAddress => "forwarding-smtp-address",
            Reason::DeliverAndForward => "deliver-and-forward",
            Reason::ForwardingLoop => "forwarding-loop",
            Reason::RecipientNotFound => "recipient-not-found",
            Reason::ImceaLegacydnNotFound => "imcea-legacydn-not-found",
            Reason::SmtpInSmtp => "smtp-in-smtp",
            Reason::AmbiguousRecipient => "ambiguous-recipient",
            Reason::AuthRequired => "auth-required",
            Reason::SenderNotAllowed => "sender-not-allowed",
            Reason::RecipientSizeLimit => "recipient-size-limit",
            Reason::SenderSizeLimit => "sender-size-limit",
            Reason::RecipientLimit => "recipient-limit",
            Reason::ModerationPending => "moderation-pending",
            Reason::ModerationRejected => "moderation-rejected",
            Reason::DirectoryTransientFailure => "directory-transient-failure",
            Reason::HopCountExceeded => "hop-count-exceeded",
            Reason::ContentConversion => "content-conversion",
            Reason::NotExplained => "not-explained",
        }
    }

    /// Every reason code, in documentation order.
    pub const ALL: [Reason; 28] = [
        Reason::ProxyToPrimary,
        Reason::X500ProxyMatch,
        Reason::LegacydnMatch,
        Reason::ContactTarget,
        Reason::GroupExpanded,
        Reason::DynamicGroupExpanded,
        Reason::GroupAlreadyExpanded,
        Reason::RecipientAlreadyReached,
        Reason::RecipientAlreadyDelivered,
        Reason::ForwardingAddress,
        Reason::ForwardingSmtpAddress,
        Reason::DeliverAndForward,
        Reason::ForwardingLoop,
        Reason::RecipientNotFound,
        Reason::ImceaLegacydnNotFound,
        Reason::SmtpInSmtp,
        Reason::AmbiguousRecipient,
        Reason::AuthRequired,
        Reason::SenderNotAllowed,
        Reason::RecipientSizeLimit,
        Reason::SenderSizeLimit,
        Reason::RecipientLimit,
        Reason::ModerationPending,
        Reason::ModerationRejected,
        Reason::DirectoryTransientFailure,
        Reason::HopCountExceeded,
        Reason::ContentConversion,
        Reason::NotExplained,
    ];
}

/// The reason code a failure, drop or deferral with `status` gets.
pub fn reason_of(status: &Status) -> Reason {
    let key = status.key().to_ascii_lowercase();
    let text = status.text.to_ascii_lowercase();
    match key.as_str() {
        "resolver.adr.recipnotfound" | "resolver.adr.x400recipnotfound" => {
            Reason::RecipientNotFound
        }
        "resolver.adr.exrecipnotfound" => Reason::ImceaLegacydnNotFound,
        "resolver.adr.smtpinsmtp" | "resolver.adr.x500insmtp" | "resolver.adr.invalidinsmtp" => {
            Reason::SmtpInSmtp
        }
        "resolver.adr.ambiguous" | "resolver.con.ambiguous" => Reason::AmbiguousRecipient,
        "resolver.rst.authrequired" => Reason::AuthRequired,
        "resolver.rst.notauthorized" | "resolver.rst.notauthorizedtogroup" => {
            Reason::SenderNotAllowed
        }
        "resolver.rst.recipsizelimit" | "resolver.rst.recipsizelimit.dl" => {
            Reason::RecipientSizeLimit
        }
        "resolver.rst.sendsizelimit.org" | "resolver.rst.sendsizelimit.sender" => {
            Reason::SenderSizeLimit
        }
        "resolver.adr.reciplimit" => Reason::RecipientLimit,
        "resolver.fwd.loop" => Reason::ForwardingLoop,
        "resolver.fwd.notfound" | "resolver.fwd.invalid" => Reason::ForwardingAddress,
        "resolver.mt.startmoderation" => Reason::ModerationPending,
        "approval.notauthorized" | "approval.moderatorreject" => Reason::ModerationRejected,
        "resolver.adr.alreadyexpanded" => Reason::RecipientAlreadyReached,
        _ if text.contains("hop count exceeded") || status.enhanced == "5.4.14" => {
            Reason::HopCountExceeded
        }
        _ if key.starts_with("resolver.msgtype") || key.starts_with("resolver.oof") => {
            Reason::ContentConversion
        }
        _ if key.starts_with("resolver.con.") => Reason::ContactTarget,
        _ if key.starts_with("resolver.grp.") => Reason::GroupExpanded,
        _ => Reason::NotExplained,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::status::{last_error, text};

    #[test]
    fn statuses_get_their_reason_codes() {
        let old = Status::parse(
            "[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]",
        );
        assert_eq!(reason_of(&old), Reason::ImceaLegacydnNotFound);
        let new = Status::parse(&last_error(text::FWD_LOOP));
        assert_eq!(reason_of(&new), Reason::ForwardingLoop);
        assert_eq!(
            reason_of(&Status::parse(text::AUTH_REQUIRED)),
            Reason::AuthRequired
        );
        assert_eq!(
            reason_of(&Status::parse(
                "554 5.4.6 Hop count exceeded - possible mail loop"
            )),
            Reason::HopCountExceeded
        );
        assert_eq!(reason_of(&Status::parse("whatever")), Reason::NotExplained);
    }

    #[test]
    fn every_reason_code_is_kebab_case_and_unique() {
        let codes: std::collections::HashSet<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Reason::ALL.len());
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
    }
}
