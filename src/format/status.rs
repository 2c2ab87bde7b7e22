//! Recipient statuses as Exchange logs them: a plain `550 5.1.1 RESOLVER.ADR.ExRecipNotFound;
//! not found`, or a LastError block (`[{LRT=};{LED=…};{FQDN=};{IP=}]`) whose LED holds it.

/// Status texts Exchange writes (categorizer.md §12; the delivery and moderation ones from
/// real logs), shared by the replay and the sample generator.
#[allow(missing_docs)]
pub mod text {
    pub const EXPANDED: &str = "250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded";
    pub const RECIP_NOT_FOUND: &str = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found";
    pub const EX_RECIP_NOT_FOUND: &str = "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found";
    pub const X400_RECIP_NOT_FOUND: &str = "550 5.1.1 RESOLVER.ADR.X400RecipNotFound; not found";
    pub const SMTP_IN_SMTP: &str = "550 5.1.0 RESOLVER.ADR.SmtpInSmtp; encapsulated SMTP address inside an SMTP address (IMCEASMTP-)";
    pub const X500_IN_SMTP: &str = "550 5.1.0 RESOLVER.ADR.X500InSmtp; encapsulated X500 address inside an SMTP address (IMCEAX500-)";
    pub const INVALID_IN_SMTP: &str = "550 5.1.0 RESOLVER.ADR.InvalidInSmtp; encapsulated INVALID address inside an SMTP address (IMCEAINVALID-)";
    pub const AMBIGUOUS_DEFER: &str = "420 4.2.0 RESOLVER.ADR.Ambiguous; ambiguous address";
    pub const AUTH_REQUIRED: &str = "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required";
    pub const NOT_AUTHORIZED: &str = "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized";
    pub const NOT_AUTHORIZED_TO_GROUP: &str = "550 5.7.1 RESOLVER.RST.NotAuthorizedToGroup; not authorized to send to the distribution list";
    pub const RECIP_SIZE_LIMIT: &str =
        "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient";
    pub const SEND_SIZE_ORG: &str =
        "550 5.2.3 RESOLVER.RST.SendSizeLimit.Org; message too large for this organization";
    pub const SEND_SIZE_SENDER: &str =
        "550 5.2.3 RESOLVER.RST.SendSizeLimit.Sender; message too large for this sender";
    pub const RECIP_LIMIT: &str = "550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients";
    pub const FWD_LOOP: &str =
        "550 5.4.6 RESOLVER.FWD.Loop; there is a forwarding loop configured in the directory";
    pub const FWD_NOT_FOUND: &str =
        "550 5.2.0 RESOLVER.FWD.NotFound; misconfigured forwarding address";
    pub const DDL_QUERY: &str =
        "550 5.2.4 RESOLVER.GRP.DDLQuery; the dynamic distribution list has a misconfigured query";
    pub const CON_NO_TARGET: &str =
        "550 5.2.0 RESOLVER.CON.NoTarget; contact's external address is missing";
    pub const MAILBOX_FULL: &str = "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception with message Cannot open mailbox.";
    pub const REJECTED_BY_MODERATOR: &str =
        "550 5.7.1 APPROVAL.NotAuthorized; message cannot be delivered";
}

/// A recipient status taken apart: the SMTP code, the enhanced code and the text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// The basic SMTP code (`550`).
    pub code: String,
    /// The enhanced status code (`5.1.1`).
    pub enhanced: String,
    /// The rest, e.g. `RESOLVER.ADR.ExRecipNotFound; not found`.
    pub text: String,
}

impl Status {
    /// Parses a status as logged: a plain `550 5.1.1 …`, or a LastError block
    /// (`[{LRT=};{LED=550 5.1.1 …};{FQDN=};{IP=}]`, 2013 or 2016+ order) whose LED is used.
    pub fn parse(logged: &str) -> Status {
        let text = led(logged).unwrap_or(logged).trim();
        let mut parts = text.splitn(3, ' ');
        let code = parts.next().unwrap_or_default();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
            let enhanced = parts.next().unwrap_or_default();
            if enhanced.split('.').count() == 3 {
                return Status {
                    code: code.into(),
                    enhanced: enhanced.into(),
                    text: parts.next().unwrap_or_default().trim().into(),
                };
            }
        }
        Status {
            text: text.into(),
            ..Status::default()
        }
    }

    /// The component key, e.g. `RESOLVER.ADR.ExRecipNotFound` (empty when there is none).
    pub fn key(&self) -> &str {
        self.text
            .split([';', ' '])
            .next()
            .filter(|k| k.contains('.'))
            .unwrap_or("")
    }

    /// The status as one line, `550 5.1.1 RESOLVER…; not found`.
    pub fn line(&self) -> String {
        [
            self.code.as_str(),
            self.enhanced.as_str(),
            self.text.as_str(),
        ]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The LED part of a LastError block, if the text is one.
fn led(logged: &str) -> Option<&str> {
    let inner = logged.trim().strip_prefix('[')?.strip_suffix(']')?;
    inner.split("};{").find_map(|part| {
        part.trim_start_matches('{')
            .trim_end_matches('}')
            .strip_prefix("LED=")
    })
}

/// The LastError block Exchange 2016+ writes for a categorizer FAIL (categorizer.md C7).
pub fn last_error(status: &str) -> String {
    format!("[{{LED={status}}};{{MSG=}};{{FQDN=}};{{IP=}};{{LRT=}}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_last_error_layouts_and_plain_statuses() {
        let old = Status::parse(
            "[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]",
        );
        assert_eq!(old.code, "550");
        assert_eq!(old.enhanced, "5.1.1");
        assert_eq!(old.key(), "RESOLVER.ADR.ExRecipNotFound");
        let new = Status::parse(&last_error(text::FWD_LOOP));
        assert_eq!(new.key(), "RESOLVER.FWD.Loop");
        assert_eq!(new.line(), text::FWD_LOOP);
        assert_eq!(Status::parse("whatever").text, "whatever");
        assert_eq!(Status::parse("").key(), "");
    }
}
