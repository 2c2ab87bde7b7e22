//! MessageLatency and MessageLatencyType, as Get-MessageTrackingLog derives them
//! (tracking-log-format.md §7): the event's time minus the original arrival time that
//! message-info starts with (`2015-09-06T00:02:43.649Z;SRV=…`), for DELIVER, SEND and SUBMIT,
//! and RESUBMIT from STOREDRIVER; `SRV=` makes it EndToEnd, `LSRV=` LocalServer.

use super::event_id::EventId;
use super::time::parse_timestamp_ms;

/// `MessageLatencyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyType {
    /// No latency for this event.
    None,
    /// `LSRV=`: since the message arrived on this server.
    LocalServer,
    /// `SRV=`: since the message arrived in the organization.
    EndToEnd,
}

impl LatencyType {
    /// The enum member's name, as the cmdlet prints it.
    pub fn name(self) -> &'static str {
        match self {
            LatencyType::None => "None",
            LatencyType::LocalServer => "LocalServer",
            LatencyType::EndToEnd => "EndToEnd",
        }
    }

    /// Its underlying value (the declaration order).
    pub fn value(self) -> i32 {
        match self {
            LatencyType::None => 0,
            LatencyType::LocalServer => 1,
            LatencyType::EndToEnd => 2,
        }
    }

    /// Reads a name back.
    pub fn parse(name: &str) -> Option<LatencyType> {
        [
            LatencyType::None,
            LatencyType::LocalServer,
            LatencyType::EndToEnd,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// The latency in milliseconds (none when the cmdlet sets none) and its type.
pub fn message_latency(
    event: EventId,
    source: &str,
    message_info: &str,
    timestamp_ms: i64,
) -> (Option<i64>, LatencyType) {
    let applies = match event {
        EventId::Deliver | EventId::Send | EventId::Submit => true,
        EventId::Resubmit => source.eq_ignore_ascii_case("STOREDRIVER"),
        _ => false,
    };
    if !applies {
        return (None, LatencyType::None);
    }
    let (time, rest) = message_info.split_once(';').unwrap_or((message_info, ""));
    let Ok(origin) = parse_timestamp_ms(time.trim().as_bytes()) else {
        return (None, LatencyType::None);
    };
    let kind = if rest.starts_with("SRV=") {
        LatencyType::EndToEnd
    } else if rest.starts_with("LSRV=") {
        LatencyType::LocalServer
    } else {
        LatencyType::None
    };
    (Some(timestamp_ms - origin), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_as_the_cmdlet_derives_it() {
        let t = |s: &str| parse_timestamp_ms(s.as_bytes()).unwrap();
        // The Exchange 2010 Format-List sample: 0.532 s, EndToEnd.
        let at = t("2015-09-06T00:02:44.181Z");
        assert_eq!(
            message_latency(
                EventId::Deliver,
                "STOREDRIVER",
                "2015-09-06T00:02:43.649Z;SRV=EXCHANGE2010.x.net:TOTAL=0",
                at
            ),
            (Some(532), LatencyType::EndToEnd)
        );
        assert_eq!(
            message_latency(
                EventId::Submit,
                "STOREDRIVER",
                "2015-09-06T00:02:44.000Z;LSRV=EX01.x:TOTAL-SUB=0.1",
                at
            ),
            (Some(181), LatencyType::LocalServer)
        );
        assert_eq!(
            message_latency(
                EventId::Send,
                "SMTP",
                "2015-09-06T00:02:40.181Z;SRV=EX01:TOTAL-HUB=4",
                at
            )
            .0,
            Some(4000)
        );
        // Not for RECEIVE, DEFER (whose message-info is a retry time), SENDEXTERNAL, or a
        // RESUBMIT from the Safety Net.
        for (e, s) in [
            (EventId::Receive, "SMTP"),
            (EventId::Defer, "SMTP"),
            (EventId::SendExternal, "SMTP"),
            (EventId::Resubmit, "SAFETYNET"),
        ] {
            assert_eq!(
                message_latency(e, s, "2015-09-06T00:02:43.649Z;SRV=x", at),
                (None, LatencyType::None),
                "{e:?}"
            );
        }
        assert_eq!(
            message_latency(
                EventId::Resubmit,
                "STOREDRIVER",
                "2015-09-06T00:02:43.649Z;SRV=x",
                at
            )
            .0,
            Some(532)
        );
        assert_eq!(
            message_latency(EventId::Deliver, "STOREDRIVER", "", at),
            (None, LatencyType::None)
        );
    }
}
