//! Recipient status texts (`550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found`) and the
//! reason codes msgtrack gives them (categorizer.md §12).

use serde::Serialize;

/// Why a categorizer row was written: the public `reason_code` of `msgtrack explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    ProxyToPrimary,
    X500ProxyMatch,
    LegacydnMatch,
    ContactTarget,
    GroupExpanded,
    DynamicGroupExpanded,
    GroupAlreadyExpanded,
    RecipientAlreadyReached,
    RecipientAlreadyDelivered,
    ForwardingAddress,
    ForwardingSmtpAddress,
    DeliverAndForward,
    ForwardingLoop,
    RecipientNotFound,
    ImceaLegacydnNotFound,
    SmtpInSmtp,
    AmbiguousRecipient,
    AuthRequired,
    SenderNotAllowed,
    RecipientSizeLimit,
    SenderSizeLimit,
    RecipientLimit,
    ModerationPending,
    ModerationRejected,
    DirectoryTransientFailure,
    HopCountExceeded,
    ContentConversion,
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

/// The status texts the replay writes (categorizer.md §12).
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
}

/// A recipient status taken apart: the SMTP code, the enhanced code and the text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub code: String,
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

    /// The reason code a failure, drop or deferral with this status gets.
    pub fn reason(&self) -> Reason {
        let key = self.key().to_ascii_lowercase();
        let text = self.text.to_ascii_lowercase();
        match key.as_str() {
            "resolver.adr.recipnotfound" | "resolver.adr.x400recipnotfound" => {
                Reason::RecipientNotFound
            }
            "resolver.adr.exrecipnotfound" => Reason::ImceaLegacydnNotFound,
            "resolver.adr.smtpinsmtp"
            | "resolver.adr.x500insmtp"
            | "resolver.adr.invalidinsmtp" => Reason::SmtpInSmtp,
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
            _ if text.contains("hop count exceeded") || self.enhanced == "5.4.14" => {
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
        assert_eq!(old.reason(), Reason::ImceaLegacydnNotFound);
        let new = Status::parse(&last_error(text::FWD_LOOP));
        assert_eq!(new.reason(), Reason::ForwardingLoop);
        assert_eq!(new.line(), text::FWD_LOOP);
        let plain = Status::parse(text::AUTH_REQUIRED);
        assert_eq!(plain.reason(), Reason::AuthRequired);
        assert_eq!(
            Status::parse("554 5.4.6 Hop count exceeded - possible mail loop").reason(),
            Reason::HopCountExceeded
        );
        assert_eq!(Status::parse("whatever").reason(), Reason::NotExplained);
        assert_eq!(Status::parse("").key(), "");
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
