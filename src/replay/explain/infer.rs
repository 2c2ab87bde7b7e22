//! The reason for a logged row read from the log alone (without a snapshot, or when the
//! snapshot did not predict the row): one rule per event and status (categorizer.md §12).

use crate::format::imcea;
use crate::format::status::Status;
use crate::format::{EventId, LogRecord};
use crate::replay::reason::{Reason, reason_of};

/// The reason for a logged row read from the log alone.
pub fn infer(e: &LogRecord, entry_status: &str, entry_recipient: &str) -> (Reason, String) {
    use EventId as E;
    let id = e.event();
    let related = &e.related_recipient_address;
    let first = e.recipients.first().map_or("", String::as_str);
    let agent = e.source.eq_ignore_ascii_case("AGENT");
    match id {
        E::Resolve => {
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
        E::Expand if agent => (
            Reason::ForwardingSmtpAddress,
            format!(
                "the {} added {} for {related}",
                e.source_context,
                e.recipients.join(", ")
            ),
        ),
        E::Expand if e.recipients.is_empty() || e.recipient_count == Some(0) => (
            Reason::GroupExpanded,
            format!(
                "{related} expanded to nobody: a group without mail-enabled members (nothing delivered, no NDR)"
            ),
        ),
        E::Expand => (
            Reason::GroupExpanded,
            format!("{related} expanded to {} member(s)", e.recipients.len()),
        ),
        E::DuplicateExpand => (
            Reason::GroupAlreadyExpanded,
            format!(
                "{} was already expanded higher up — harmless nested-group loop, nobody gets a duplicate",
                e.recipients.join(", ")
            ),
        ),
        E::Redirect if first.eq_ignore_ascii_case(related) => (
            Reason::DeliverAndForward,
            format!("{first} keeps its copy and forwards (DeliverToMailboxAndForward)"),
        ),
        E::Redirect if agent => (
            Reason::ForwardingSmtpAddress,
            format!(
                "the Redirection Agent forwards {first}'s mail to {related} (ForwardingSmtpAddress)"
            ),
        ),
        E::Redirect => (
            Reason::ForwardingAddress,
            format!(
                "{first} forwards to {related} (ForwardingAddress or a contact pointing inside the organization)"
            ),
        ),
        E::DuplicateRedirect => (
            Reason::RecipientAlreadyReached,
            format!("{first} forwards to {related}, which this message already reaches"),
        ),
        E::DuplicateDeliver => (
            Reason::RecipientAlreadyDelivered,
            format!(
                "{} already had this message (same Message-ID): the store kept one copy",
                e.recipients.join(", ")
            ),
        ),
        E::InitMessageCreated => (
            Reason::ModerationPending,
            format!(
                "{} is moderated: an approval request went to the arbitration mailbox {}",
                e.recipients.join(", "),
                e.source_context
            ),
        ),
        E::Transfer if e.source_context.eq_ignore_ascii_case("ContentConversion") => (
            Reason::ContentConversion,
            "the message was converted for some recipients and continues as a separate copy".into(),
        ),
        E::Transfer => (
            Reason::GroupExpanded,
            format!(
                "{} recipient(s) continue on a separate copy of the message (bifurcation after expansion; {})",
                e.recipients.len(),
                e.source_context
            ),
        ),
        E::Fail | E::Drop | E::Defer => {
            let status = Status::parse(entry_status);
            let mut reason = reason_of(&status);
            if id == E::Defer {
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
                Reason::NotExplained if id == E::Fail => format!(
                    "delivery to {entry_recipient} failed after categorization ({what}): not a categorizer decision"
                ),
                Reason::NotExplained if id == E::Defer => format!(
                    "delivery to {entry_recipient} was deferred ({what}); the server retries"
                ),
                _ => format!("{entry_recipient}: {what}"),
            };
            (reason, sentence)
        }
        _ => (Reason::NotExplained, format!("{} row", e.event_id)),
    }
}
