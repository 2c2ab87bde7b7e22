//! The raw fields of a message tracking log line and the per-version layouts.
//!
//! Exchange names its columns in the `#Fields` header line (`date-time,client-ip,…`). The
//! layouts differ by version: 21 fields in 2007, 26 in 2010, 27 in 2013 (network-message-id
//! inserted after message-id) and 30 in 2016/2019 (three fields appended). Files are mapped by
//! their `#Fields` line; header-less rows fall back to the layout with the same field count.

use std::fmt;

/// One raw field of a tracking log line, named as in the `#Fields` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum LogField {
    DateTime,
    ClientIp,
    ClientHostname,
    ServerIp,
    ServerHostname,
    SourceContext,
    ConnectorId,
    Source,
    EventId,
    InternalMessageId,
    MessageId,
    NetworkMessageId,
    RecipientAddress,
    RecipientStatus,
    TotalBytes,
    RecipientCount,
    RelatedRecipientAddress,
    Reference,
    MessageSubject,
    SenderAddress,
    ReturnPath,
    MessageInfo,
    Directionality,
    TenantId,
    OriginalClientIp,
    OriginalServerIp,
    CustomData,
    TransportTrafficType,
    LogId,
    SchemaVersion,
}

impl LogField {
    /// Every field, in the 2016/2019 order.
    pub const ALL: [LogField; 30] = [
        LogField::DateTime,
        LogField::ClientIp,
        LogField::ClientHostname,
        LogField::ServerIp,
        LogField::ServerHostname,
        LogField::SourceContext,
        LogField::ConnectorId,
        LogField::Source,
        LogField::EventId,
        LogField::InternalMessageId,
        LogField::MessageId,
        LogField::NetworkMessageId,
        LogField::RecipientAddress,
        LogField::RecipientStatus,
        LogField::TotalBytes,
        LogField::RecipientCount,
        LogField::RelatedRecipientAddress,
        LogField::Reference,
        LogField::MessageSubject,
        LogField::SenderAddress,
        LogField::ReturnPath,
        LogField::MessageInfo,
        LogField::Directionality,
        LogField::TenantId,
        LogField::OriginalClientIp,
        LogField::OriginalServerIp,
        LogField::CustomData,
        LogField::TransportTrafficType,
        LogField::LogId,
        LogField::SchemaVersion,
    ];

    /// Number of distinct fields.
    pub const COUNT: usize = 30;

    /// Position in [`LogField::ALL`]; stable, usable as an array index.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name Exchange writes in the `#Fields` line.
    pub fn header_name(self) -> &'static str {
        match self {
            LogField::DateTime => "date-time",
            LogField::ClientIp => "client-ip",
            LogField::ClientHostname => "client-hostname",
            LogField::ServerIp => "server-ip",
            LogField::ServerHostname => "server-hostname",
            LogField::SourceContext => "source-context",
            LogField::ConnectorId => "connector-id",
            LogField::Source => "source",
            LogField::EventId => "event-id",
            LogField::InternalMessageId => "internal-message-id",
            LogField::MessageId => "message-id",
            LogField::NetworkMessageId => "network-message-id",
            LogField::RecipientAddress => "recipient-address",
            LogField::RecipientStatus => "recipient-status",
            LogField::TotalBytes => "total-bytes",
            LogField::RecipientCount => "recipient-count",
            LogField::RelatedRecipientAddress => "related-recipient-address",
            LogField::Reference => "reference",
            LogField::MessageSubject => "message-subject",
            LogField::SenderAddress => "sender-address",
            LogField::ReturnPath => "return-path",
            LogField::MessageInfo => "message-info",
            LogField::Directionality => "directionality",
            LogField::TenantId => "tenant-id",
            LogField::OriginalClientIp => "original-client-ip",
            LogField::OriginalServerIp => "original-server-ip",
            LogField::CustomData => "custom-data",
            LogField::TransportTrafficType => "transport-traffic-type",
            LogField::LogId => "log-id",
            LogField::SchemaVersion => "schema-version",
        }
    }

    /// Looks a `#Fields` name up, ignoring case and surrounding spaces. Exchange Online
    /// exports spell the names with `_` (`date_time_utc` aside), which is accepted too.
    pub fn from_header_name(name: &str) -> Option<LogField> {
        let name = name.trim();
        LogField::ALL.into_iter().find(|field| {
            let canonical = field.header_name();
            canonical.len() == name.len()
                && canonical
                    .bytes()
                    .zip(name.bytes())
                    .all(|(c, n)| c == n.to_ascii_lowercase() || (c == b'-' && n == b'_'))
        })
    }

    /// True for the four collection columns whose members are `;`-joined with single-quote
    /// protection (recipient-address, recipient-status, reference, custom-data).
    pub fn is_list(self) -> bool {
        matches!(
            self,
            LogField::RecipientAddress
                | LogField::RecipientStatus
                | LogField::Reference
                | LogField::CustomData
        )
    }
}

impl fmt::Display for LogField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_name())
    }
}

/// The standard `#Fields` layouts, one per Exchange generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Exchange 2007: 21 fields, ending at message-info.
    Exchange2007,
    /// Exchange 2010: 26 fields, adding directionality … custom-data.
    Exchange2010,
    /// Exchange 2013: 27 fields, network-message-id after message-id.
    Exchange2013,
    /// Exchange 2016/2019 (and SE): 30 fields, adding transport-traffic-type, log-id, schema-version.
    Exchange2016,
}

/// The 2010 layout: 2013's without network-message-id (which 2013 inserted after message-id).
/// 2007's is its first 21 fields; 2013's is the first 27 fields of [`LogField::ALL`], and
/// 2016's is all of it.
const LAYOUT_2010: [LogField; 26] = {
    let mut out = [LogField::DateTime; 26];
    let (mut from, mut to) = (0, 0);
    while from < 27 {
        if !matches!(LogField::ALL[from], LogField::NetworkMessageId) {
            out[to] = LogField::ALL[from];
            to += 1;
        }
        from += 1;
    }
    out
};

impl Layout {
    /// All layouts, oldest first.
    pub const ALL: [Layout; 4] = [
        Layout::Exchange2007,
        Layout::Exchange2010,
        Layout::Exchange2013,
        Layout::Exchange2016,
    ];

    /// The fields of this layout, in file order.
    pub fn fields(self) -> &'static [LogField] {
        match self {
            Layout::Exchange2007 => &LAYOUT_2010[..21],
            Layout::Exchange2010 => &LAYOUT_2010,
            Layout::Exchange2013 => &LogField::ALL[..27],
            Layout::Exchange2016 => &LogField::ALL,
        }
    }

    /// The layout whose field count is `count` (21, 26, 27 or 30).
    pub fn from_field_count(count: usize) -> Option<Layout> {
        Layout::ALL
            .into_iter()
            .find(|layout| layout.fields().len() == count)
    }

    /// The layout whose fields are exactly `fields`, in order.
    pub fn from_fields(fields: &[Option<LogField>]) -> Option<Layout> {
        Layout::ALL.into_iter().find(|layout| {
            layout.fields().len() == fields.len()
                && layout
                    .fields()
                    .iter()
                    .zip(fields)
                    .all(|(a, b)| Some(*a) == *b)
        })
    }

    /// A short human name, e.g. `Exchange 2016/2019`.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Exchange2007 => "Exchange 2007",
            Layout::Exchange2010 => "Exchange 2010",
            Layout::Exchange2013 => "Exchange 2013",
            Layout::Exchange2016 => "Exchange 2016/2019",
        }
    }

    /// The `#Fields:` header line for this layout (without line end).
    pub fn fields_header(self) -> String {
        let names: Vec<&str> = self.fields().iter().map(|f| f.header_name()).collect();
        format!("#Fields: {}", names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_have_documented_counts() {
        let counts: Vec<usize> = Layout::ALL.iter().map(|l| l.fields().len()).collect();
        assert_eq!(counts, vec![21, 26, 27, 30]);
    }

    #[test]
    fn header_names_round_trip_ignoring_case_and_underscores() {
        for field in LogField::ALL {
            assert_eq!(LogField::from_header_name(field.header_name()), Some(field));
            let upper = field.header_name().to_uppercase().replace('-', "_");
            assert_eq!(LogField::from_header_name(&upper), Some(field));
        }
        assert_eq!(LogField::from_header_name("date-time-utc"), None);
    }

    #[test]
    fn layouts_match_the_headers_exchange_writes() {
        // The #Fields lines of the 2010 (elastic bom8) and 2013 (kinesistap) samples.
        let e2010 = "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data";
        let e2013 = "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data";
        assert_eq!(
            Layout::Exchange2010.fields_header(),
            format!("#Fields: {e2010}")
        );
        assert_eq!(
            Layout::Exchange2013.fields_header(),
            format!("#Fields: {e2013}")
        );
        let e2007: Vec<&str> = e2010.split(',').take(21).collect();
        assert_eq!(
            Layout::Exchange2007.fields_header(),
            format!("#Fields: {}", e2007.join(","))
        );
    }

    #[test]
    fn index_matches_position_in_all() {
        for (i, field) in LogField::ALL.iter().enumerate() {
            assert_eq!(field.index(), i);
        }
    }
}
