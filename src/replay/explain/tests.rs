//! One test per reason code `explain` reads from a row alone (categorizer.md §12): the row
//! as Exchange writes it, the code it must get, and a phrase the sentence must say.

use super::infer;
use crate::format::LogRecord;
use crate::format::status::{last_error, text};
use crate::replay::reason::Reason;

fn row(event: &str, source: &str, related: &str, recipients: &[&str]) -> LogRecord {
    LogRecord {
        event_id: event.into(),
        source: source.into(),
        related_recipient_address: related.into(),
        recipients: recipients.iter().map(|r| r.to_string()).collect(),
        recipient_count: Some(recipients.len() as i64),
        ..LogRecord::default()
    }
}

fn with_context(mut r: LogRecord, context: &str) -> LogRecord {
    r.source_context = context.into();
    r
}

const DN: &str = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a8f22499Joe Bloggs";
const IMCEA: &str = "IMCEAEX-_o=Contoso_ou=Exchange+20Administrative+20Group+20+28FYDIBOHF23SPDLT+29_cn=Recipients_cn=a8f22499Joe+20Bloggs@contoso.com";

#[test]
fn each_reason_code_is_read_from_its_row() {
    let cases: Vec<(LogRecord, String, Reason, &str)> = vec![
        (
            with_context(row("RESOLVE", "ROUTING", IMCEA, &["joe@contoso.com"]), DN),
            "".to_string(),
            Reason::LegacydnMatch,
            "is joe@contoso.com's own",
        ),
        (
            with_context(
                row("RESOLVE", "ROUTING", IMCEA, &["joe@contoso.com"]),
                "/o=Contoso/cn=Recipients/cn=joe",
            ),
            "".to_string(),
            Reason::X500ProxyMatch,
            "matched an X500 proxy",
        ),
        (
            row(
                "RESOLVE",
                "ROUTING",
                "IMCEASMTP-bob+40contoso+2Ecom@contoso.com",
                &["bob@contoso.com"],
            ),
            "".to_string(),
            Reason::ProxyToPrimary,
            "encapsulated SMTP address",
        ),
        (
            with_context(
                row(
                    "RESOLVE",
                    "ROUTING",
                    "partner@contoso.com",
                    &["partner@fabrikam.com"],
                ),
                "/o=Contoso/cn=Recipients/cn=partner",
            ),
            "".to_string(),
            Reason::ContactTarget,
            "mail contact or mail user",
        ),
        (
            row(
                "RESOLVE",
                "ROUTING",
                "j.bloggs@contoso.com",
                &["joe@contoso.com"],
            ),
            "".to_string(),
            Reason::ProxyToPrimary,
            "is a proxy address of joe@contoso.com",
        ),
        (
            row(
                "EXPAND",
                "ROUTING",
                "sales@contoso.com",
                &["a@contoso.com", "b@contoso.com"],
            ),
            text::EXPANDED.to_string(),
            Reason::GroupExpanded,
            "expanded to 2 member(s)",
        ),
        (
            row("EXPAND", "ROUTING", "empty@contoso.com", &[]),
            text::EXPANDED.to_string(),
            Reason::GroupExpanded,
            "expanded to nobody",
        ),
        (
            with_context(
                row("EXPAND", "AGENT", "lee@contoso.com", &["lee@fabrikam.com"]),
                "Redirection Agent",
            ),
            "".to_string(),
            Reason::ForwardingSmtpAddress,
            "the Redirection Agent added lee@fabrikam.com",
        ),
        (
            row(
                "DUPLICATEEXPAND",
                "ROUTING",
                "all@contoso.com",
                &["managers@contoso.com"],
            ),
            "".to_string(),
            Reason::GroupAlreadyExpanded,
            "already expanded higher up",
        ),
        (
            row(
                "REDIRECT",
                "ROUTING",
                "ann@contoso.com",
                &["ann@contoso.com"],
            ),
            "".to_string(),
            Reason::DeliverAndForward,
            "keeps its copy and forwards",
        ),
        (
            row(
                "REDIRECT",
                "AGENT",
                "ann@fabrikam.com",
                &["ann@contoso.com"],
            ),
            "".to_string(),
            Reason::ForwardingSmtpAddress,
            "ForwardingSmtpAddress",
        ),
        (
            row(
                "REDIRECT",
                "ROUTING",
                "ben@contoso.com",
                &["ann@contoso.com"],
            ),
            "".to_string(),
            Reason::ForwardingAddress,
            "ann@contoso.com forwards to ben@contoso.com",
        ),
        (
            row(
                "DUPLICATEREDIRECT",
                "ROUTING",
                "ben@contoso.com",
                &["ann@contoso.com"],
            ),
            "".to_string(),
            Reason::RecipientAlreadyReached,
            "already reaches",
        ),
        (
            row("DUPLICATEDELIVER", "STOREDRIVER", "", &["ann@contoso.com"]),
            "".to_string(),
            Reason::RecipientAlreadyDelivered,
            "already had this message",
        ),
        (
            with_context(
                row("INITMESSAGECREATED", "APPROVAL", "", &["board@contoso.com"]),
                "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.com",
            ),
            "".to_string(),
            Reason::ModerationPending,
            "board@contoso.com is moderated",
        ),
        (
            with_context(
                row("TRANSFER", "ROUTING", "", &["a@contoso.com"]),
                "ContentConversion",
            ),
            "".to_string(),
            Reason::ContentConversion,
            "converted",
        ),
        (
            with_context(
                row(
                    "TRANSFER",
                    "ROUTING",
                    "",
                    &["a@contoso.com", "b@contoso.com"],
                ),
                "Resolver",
            ),
            "".to_string(),
            Reason::GroupExpanded,
            "2 recipient(s) continue on a separate copy",
        ),
        (
            row("FAIL", "ROUTING", "", &[IMCEA]),
            "[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]"
                .to_string(),
            Reason::ImceaLegacydnNotFound,
            "add X500:/o=Contoso",
        ),
        (
            row("FAIL", "ROUTING", "", &["nobody@contoso.com"]),
            last_error(text::RECIP_NOT_FOUND),
            Reason::RecipientNotFound,
            "nobody has the address nobody@contoso.com",
        ),
        (
            row("FAIL", "ROUTING", "", &["ann@contoso.com"]),
            last_error(text::FWD_LOOP),
            Reason::ForwardingLoop,
            "forwarding loop",
        ),
        (
            row("FAIL", "ROUTING", "", &["all@contoso.com"]),
            last_error(text::AUTH_REQUIRED),
            Reason::AuthRequired,
            "accepts only authenticated senders",
        ),
        (
            row("FAIL", "ROUTING", "", &["x@contoso.com"]),
            last_error(text::NOT_AUTHORIZED),
            Reason::SenderNotAllowed,
            "x@contoso.com",
        ),
        (
            row("FAIL", "ROUTING", "", &["x@contoso.com"]),
            last_error(text::RECIP_SIZE_LIMIT),
            Reason::RecipientSizeLimit,
            "too large",
        ),
        (
            row("FAIL", "ROUTING", "", &["x@contoso.com"]),
            last_error(text::SEND_SIZE_ORG),
            Reason::SenderSizeLimit,
            "too large",
        ),
        (
            row("FAIL", "ROUTING", "", &["x@contoso.com"]),
            last_error(text::RECIP_LIMIT),
            Reason::RecipientLimit,
            "too many recipients",
        ),
        (
            row("FAIL", "ROUTING", "", &["x@contoso.com"]),
            last_error(text::SMTP_IN_SMTP),
            Reason::SmtpInSmtp,
            "IMCEASMTP",
        ),
        (
            row("FAIL", "APPROVAL", "", &["board@contoso.com"]),
            last_error(text::REJECTED_BY_MODERATOR),
            Reason::ModerationRejected,
            "the moderator rejected the message to board@contoso.com",
        ),
        (
            with_context(
                row("DEFER", "ROUTING", "", &["x@contoso.com"]),
                "ADTransientFailureDuringResolve",
            ),
            "451 4.4.3 temporary failure".to_string(),
            Reason::DirectoryTransientFailure,
            "x@contoso.com",
        ),
        (
            with_context(
                row("DEFER", "ROUTING", "", &["x@contoso.com"]),
                "AmbiguousRecipient",
            ),
            text::AMBIGUOUS_DEFER.to_string(),
            Reason::AmbiguousRecipient,
            "ambiguous",
        ),
        (
            row("FAIL", "STOREDRIVER", "", &["full@contoso.com"]),
            text::MAILBOX_FULL.to_string(),
            Reason::NotExplained,
            "failed after categorization",
        ),
        (
            row("FAIL", "SMTP", "", &["x@fabrikam.com"]),
            "554 5.4.14 Hop count exceeded - possible mail loop".to_string(),
            Reason::HopCountExceeded,
            "x@fabrikam.com",
        ),
    ];
    for (r, status, want, phrase) in cases {
        let recipient = r.recipients.first().cloned().unwrap_or_default();
        let (got, sentence) = infer(&r, &status, &recipient);
        assert_eq!(got, want, "{} {status}: {sentence}", r.event_id);
        assert!(
            sentence.contains(phrase),
            "{} {status}: '{sentence}' does not say '{phrase}'",
            r.event_id
        );
    }
}
