//! The event-id vocabulary: every event Exchange writes (tracking-log-format.md §5), with the
//! classifications the surfaces share — which events arrive, deliver, delay or fail a
//! message, which are shadow-redundancy rows, how rows logged in the same millisecond are
//! ordered in a journey. Unknown ids are kept as [`EventId::Other`], never rejected.

use std::fmt;

macro_rules! event_ids {
    ($($variant:ident => $name:literal,)*) => {
        /// One event id. Logs write them in upper case; they are read in any case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[allow(missing_docs)] // the names say it; tracking-log-format.md §5 has each meaning
        pub enum EventId {
            $($variant,)*
            /// An id not in Exchange's documented list (kept as logged).
            Other,
        }

        impl EventId {
            /// Every known event id, alphabetically.
            pub const ALL: &'static [EventId] = &[$(EventId::$variant,)*];

            /// The id as Exchange writes it (`DELIVER`); `""` for [`EventId::Other`].
            pub fn name(self) -> &'static str {
                match self {
                    $(EventId::$variant => $name,)*
                    EventId::Other => "",
                }
            }

            fn parse_upper(upper: &str) -> EventId {
                match upper {
                    $($name => EventId::$variant,)*
                    _ => EventId::Other,
                }
            }
        }
    };
}

event_ids! {
    AgentInfo => "AGENTINFO",
    Badmail => "BADMAIL",
    ClientSubmission => "CLIENTSUBMISSION",
    Defer => "DEFER",
    Deliver => "DELIVER",
    DeliverFail => "DELIVERFAIL",
    Drop => "DROP",
    Dsn => "DSN",
    DuplicateDeliver => "DUPLICATEDELIVER",
    DuplicateExpand => "DUPLICATEEXPAND",
    DuplicateRedirect => "DUPLICATEREDIRECT",
    Expand => "EXPAND",
    Fail => "FAIL",
    HaDiscard => "HADISCARD",
    HaReceive => "HARECEIVE",
    HaRedirect => "HAREDIRECT",
    HaRedirectFail => "HAREDIRECTFAIL",
    InitMessageCreated => "INITMESSAGECREATED",
    Load => "LOAD",
    ModerationExpire => "MODERATIONEXPIRE",
    ModeratorApprove => "MODERATORAPPROVE",
    ModeratorReject => "MODERATORREJECT",
    ModeratorsAllNdr => "MODERATORSALLNDR",
    NotifyMapi => "NOTIFYMAPI",
    NotifyShadow => "NOTIFYSHADOW",
    PoisonMessage => "POISONMESSAGE",
    Process => "PROCESS",
    ProcessMeetingMessage => "PROCESSMEETINGMESSAGE",
    Receive => "RECEIVE",
    RecipientInfo => "RECIPIENTINFO",
    Redirect => "REDIRECT",
    Resolve => "RESOLVE",
    Resubmit => "RESUBMIT",
    ResubmitDefer => "RESUBMITDEFER",
    ResubmitFail => "RESUBMITFAIL",
    Send => "SEND",
    SendExternal => "SENDEXTERNAL",
    Submit => "SUBMIT",
    SubmitDefer => "SUBMITDEFER",
    SubmitFail => "SUBMITFAIL",
    Suppressed => "SUPPRESSED",
    Throttle => "THROTTLE",
    Transfer => "TRANSFER",
}

/// What an event means for the message, for colouring and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventClass {
    /// RECEIVE, SUBMIT: the message arrived.
    Arrival,
    /// DELIVER, SEND, SENDEXTERNAL, DUPLICATEDELIVER: it went on or was delivered.
    Delivery,
    /// DEFER, SUBMITDEFER, THROTTLE, RESUBMIT: it waits.
    Delay,
    /// FAIL, SUBMITFAIL, POISONMESSAGE, BADMAIL, DROP: it failed.
    Failure,
    /// Everything else (EXPAND, RESOLVE, TRANSFER, HA…, AGENTINFO…).
    Other,
}

impl EventId {
    /// Reads an id in any case; an unknown one is [`EventId::Other`].
    pub fn parse(text: &str) -> EventId {
        let mut buf = [0u8; 24];
        let bytes = text.as_bytes();
        if bytes.len() > buf.len() {
            return EventId::Other;
        }
        for (to, from) in buf.iter_mut().zip(bytes) {
            *to = from.to_ascii_uppercase();
        }
        std::str::from_utf8(&buf[..bytes.len()]).map_or(EventId::Other, EventId::parse_upper)
    }

    /// True when `text` names a known event (any case).
    pub fn is_known(text: &str) -> bool {
        EventId::parse(text) != EventId::Other
    }

    /// What the event means for the message.
    pub fn class(self) -> EventClass {
        use EventId as E;
        match self {
            E::Fail | E::SubmitFail | E::PoisonMessage | E::Badmail | E::Drop => {
                EventClass::Failure
            }
            E::Defer | E::SubmitDefer | E::Throttle | E::Resubmit => EventClass::Delay,
            E::Deliver | E::Send | E::SendExternal | E::DuplicateDeliver => EventClass::Delivery,
            E::Receive | E::Submit => EventClass::Arrival,
            _ => EventClass::Other,
        }
    }

    /// The order of rows logged in the same millisecond in a journey, as Exchange's own
    /// delivery reports order them: SUBMIT first, then the receipts, categorizer rows,
    /// TRANSFER, other rows, and deliveries last.
    pub fn journey_rank(self) -> u8 {
        use EventId as E;
        match self {
            E::Submit => 0,
            E::Receive | E::HaReceive | E::Resubmit => 1,
            E::Expand | E::Resolve | E::Redirect | E::DuplicateExpand => 2,
            E::Transfer => 3,
            E::Deliver | E::DuplicateDeliver | E::Process => 9,
            _ => 5,
        }
    }

    /// Shadow redundancy rows (HAREDIRECT, HARECEIVE, HADISCARD, HAREDIRECTFAIL).
    pub fn is_high_availability(self) -> bool {
        matches!(
            self,
            EventId::HaRedirect | EventId::HaReceive | EventId::HaDiscard | EventId::HaRedirectFail
        )
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_in_any_case_and_unknown_ones_are_other() {
        for id in EventId::ALL {
            assert_eq!(EventId::parse(id.name()), *id);
            assert_eq!(EventId::parse(&id.name().to_lowercase()), *id);
        }
        assert_eq!(EventId::parse("SendExternal"), EventId::SendExternal);
        for fake in [
            "MODERATOREXPIRE",
            "HAMEXPAND",
            "SUSPEND",
            "",
            "A_VERY_LONG_EVENT_NAME_INDEED",
        ] {
            assert_eq!(EventId::parse(fake), EventId::Other, "{fake}");
        }
        assert_eq!(EventId::ALL.len(), 43);
    }

    #[test]
    fn classes_and_journey_order() {
        assert_eq!(EventId::Fail.class(), EventClass::Failure);
        assert_eq!(EventId::SendExternal.class(), EventClass::Delivery);
        assert_eq!(EventId::HaReceive.class(), EventClass::Other);
        assert!(EventId::Submit.journey_rank() < EventId::Receive.journey_rank());
        assert!(EventId::Transfer.journey_rank() < EventId::Deliver.journey_rank());
        assert!(EventId::HaDiscard.is_high_availability());
    }
}
