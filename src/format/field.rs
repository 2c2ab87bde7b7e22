//! The raw fields of a message tracking log line and the per-version layouts.
//!
//! Exchange names its columns in the `#Fields` header line (`date-time,client-ip,…`). The
//! layouts differ by version: 21 fields in 2007, 26 in 2010, 27 in 2013 (network-message-id
//! inserted after message-id) and 30 in 2016/2019 (three fields appended). Files are mapped by
//! their `#Fields` line; header-less rows fall back to the layout with the same field count.

use std::fmt;
use std::str::FromStr;

/// The .NET type of Get-MessageTrackingLog's output objects, whose properties are the fields.
pub const EVENT_TYPE: &str =
    "Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent";

/// One field of a tracking event: the 30 fields of a log line, named as Get-MessageTrackingLog
/// names its properties, then the three provenance fields msgtrack adds. Everything about a
/// field (its property name, its `#Fields` name, how it is stored) is in one table,
/// [`Field::def`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[allow(missing_docs)] // the table below documents each one
pub enum Field {
    Timestamp,
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
    Recipients,
    RecipientStatus,
    TotalBytes,
    RecipientCount,
    RelatedRecipientAddress,
    Reference,
    MessageSubject,
    Sender,
    ReturnPath,
    MessageInfo,
    Directionality,
    TenantId,
    OriginalClientIp,
    OriginalServerIp,
    EventData,
    TransportTrafficType,
    LogId,
    SchemaVersion,
    /// Timestamp minus the arrival time in MessageInfo (DELIVER, SEND, SUBMIT), as the cmdlet
    /// derives it.
    MessageLatency,
    /// `EndToEnd` (SRV=), `LocalServer` (LSRV=) or `None`.
    MessageLatencyType,
    /// The server whose logs hold the row (from the file's rows, else its folder name).
    Server,
    /// The file the row was read from.
    File,
    /// The 1-based line number of the row in its file.
    Line,
    /// Where the row comes from: `OnPremises` (tracking logs, Get-MessageTrackingLog exports)
    /// or `ExchangeOnline` (message trace and historical search files).
    Origin,
}

/// How a field's values are stored in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// UTC datetime, millisecond precision.
    Timestamp,
    /// Free text.
    Text,
    /// Low-cardinality text, stored as a categorical.
    Category,
    /// Nullable integer.
    Integer,
    /// List of strings (a `;`-joined collection field).
    TextList,
    /// List of `{Key, Value}` structs (custom-data).
    KeyValueList,
    /// Line number.
    LineNumber,
    /// A duration in milliseconds (MessageLatency).
    Duration,
}

/// The definition of one field.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The field.
    pub field: Field,
    /// The property name (`Recipients`), as Get-MessageTrackingLog's output object has it.
    pub property: &'static str,
    /// The name in a `#Fields` line (`recipient-address`); `None` for provenance fields.
    pub header: Option<&'static str>,
    /// How it is stored.
    pub kind: FieldKind,
}

const fn def(
    field: Field,
    property: &'static str,
    header: &'static str,
    kind: FieldKind,
) -> FieldDef {
    FieldDef {
        field,
        property,
        header: Some(header),
        kind,
    }
}

const fn provenance(field: Field, property: &'static str, kind: FieldKind) -> FieldDef {
    FieldDef {
        field,
        property,
        header: None,
        kind,
    }
}

/// The field table: one line per field, in frame order (the 2016/2019 `#Fields` order, then
/// the derived fields and provenance).
const FIELDS: [FieldDef; Field::COUNT] = {
    use Field as F;
    use FieldKind::*;
    [
        def(F::Timestamp, "Timestamp", "date-time", Timestamp),
        def(F::ClientIp, "ClientIp", "client-ip", Category),
        def(
            F::ClientHostname,
            "ClientHostname",
            "client-hostname",
            Category,
        ),
        def(F::ServerIp, "ServerIp", "server-ip", Category),
        def(
            F::ServerHostname,
            "ServerHostname",
            "server-hostname",
            Category,
        ),
        def(F::SourceContext, "SourceContext", "source-context", Text),
        def(F::ConnectorId, "ConnectorId", "connector-id", Category),
        def(F::Source, "Source", "source", Category),
        def(F::EventId, "EventId", "event-id", Category),
        def(
            F::InternalMessageId,
            "InternalMessageId",
            "internal-message-id",
            Text,
        ),
        def(F::MessageId, "MessageId", "message-id", Text),
        def(
            F::NetworkMessageId,
            "NetworkMessageId",
            "network-message-id",
            Text,
        ),
        def(F::Recipients, "Recipients", "recipient-address", TextList),
        def(
            F::RecipientStatus,
            "RecipientStatus",
            "recipient-status",
            TextList,
        ),
        def(F::TotalBytes, "TotalBytes", "total-bytes", Integer),
        def(
            F::RecipientCount,
            "RecipientCount",
            "recipient-count",
            Integer,
        ),
        def(
            F::RelatedRecipientAddress,
            "RelatedRecipientAddress",
            "related-recipient-address",
            Text,
        ),
        def(F::Reference, "Reference", "reference", TextList),
        def(F::MessageSubject, "MessageSubject", "message-subject", Text),
        def(F::Sender, "Sender", "sender-address", Text),
        def(F::ReturnPath, "ReturnPath", "return-path", Text),
        def(F::MessageInfo, "MessageInfo", "message-info", Text),
        def(
            F::Directionality,
            "Directionality",
            "directionality",
            Category,
        ),
        def(F::TenantId, "TenantId", "tenant-id", Category),
        def(
            F::OriginalClientIp,
            "OriginalClientIp",
            "original-client-ip",
            Category,
        ),
        def(
            F::OriginalServerIp,
            "OriginalServerIp",
            "original-server-ip",
            Category,
        ),
        def(F::EventData, "EventData", "custom-data", KeyValueList),
        def(
            F::TransportTrafficType,
            "TransportTrafficType",
            "transport-traffic-type",
            Category,
        ),
        def(F::LogId, "LogId", "log-id", Text),
        def(
            F::SchemaVersion,
            "SchemaVersion",
            "schema-version",
            Category,
        ),
        provenance(F::MessageLatency, "MessageLatency", Duration),
        provenance(F::MessageLatencyType, "MessageLatencyType", Category),
        provenance(F::Server, "Server", Category),
        provenance(F::File, "File", Category),
        provenance(F::Line, "Line", LineNumber),
        provenance(F::Origin, "Origin", Category),
    ]
};

impl Field {
    /// Number of fields.
    pub const COUNT: usize = 36;

    /// Number of fields a log line can have (the 2016/2019 layout's 30).
    pub const RAW_COUNT: usize = 30;

    /// Every field, in frame order.
    pub const ALL: [Field; Field::COUNT] = {
        let mut out = [Field::Timestamp; Field::COUNT];
        let mut i = 0;
        while i < Field::COUNT {
            out[i] = FIELDS[i].field;
            i += 1;
        }
        out
    };

    /// The fields of a log line, in the 2016/2019 order.
    pub const RAW: [Field; Field::RAW_COUNT] = {
        let mut out = [Field::Timestamp; Field::RAW_COUNT];
        let mut i = 0;
        while i < Field::RAW_COUNT {
            out[i] = FIELDS[i].field;
            i += 1;
        }
        out
    };

    /// This field's line of the field table.
    pub fn def(self) -> &'static FieldDef {
        &FIELDS[self as usize]
    }

    /// Position in [`Field::ALL`]; stable, usable as an array index.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The property name (`Timestamp`, `Recipients`, …).
    pub fn name(self) -> &'static str {
        self.def().property
    }

    /// The name Exchange writes in the `#Fields` line (`None` for provenance fields).
    pub fn header_name(self) -> Option<&'static str> {
        self.def().header
    }

    /// How the field is stored.
    pub fn kind(self) -> FieldKind {
        self.def().kind
    }

    /// True for the fields of a log line (not derived, not provenance).
    pub fn is_raw(self) -> bool {
        self.def().header.is_some()
    }

    /// True for the fields the reader computes from other fields (MessageLatency, …).
    pub fn is_derived(self) -> bool {
        matches!(self, Field::MessageLatency | Field::MessageLatencyType)
    }

    /// The raw fields a derived field is computed from.
    pub fn derived_from(self) -> &'static [Field] {
        match self {
            Field::MessageLatency | Field::MessageLatencyType => &[
                Field::Timestamp,
                Field::EventId,
                Field::Source,
                Field::MessageInfo,
            ],
            _ => &[],
        }
    }

    /// Looks a `#Fields` name up, ignoring case and surrounding spaces. Exchange Online
    /// exports spell the names with `_` (`date_time_utc` aside), which is accepted too.
    pub fn from_header_name(name: &str) -> Option<Field> {
        let name = name.trim();
        Field::RAW.into_iter().find(|field| {
            let canonical = field.header_name().unwrap_or_default();
            canonical.len() == name.len()
                && canonical
                    .bytes()
                    .zip(name.bytes())
                    .all(|(c, n)| c == n.to_ascii_lowercase() || (c == b'-' && n == b'_'))
        })
    }

    /// Looks a property name up, ignoring case (PowerShell property names are
    /// case-insensitive).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// True for the four collection fields whose members are `;`-joined with single-quote
    /// protection (recipient-address, recipient-status, reference, custom-data).
    pub fn is_list(self) -> bool {
        matches!(self.kind(), FieldKind::TextList | FieldKind::KeyValueList)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Field::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|c| c.name()).collect();
            format!(
                "unknown column '{name}'; the columns are: {}",
                names.join(", ")
            )
        })
    }
}

/// A set of fields (which ones the reader decodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSet(u64);

impl FieldSet {
    /// Every field.
    pub fn all() -> FieldSet {
        FieldSet((1u64 << Field::COUNT) - 1)
    }

    /// No field.
    pub fn empty() -> FieldSet {
        FieldSet(0)
    }

    /// The set of `fields`.
    pub fn of(fields: impl IntoIterator<Item = Field>) -> FieldSet {
        let mut set = FieldSet::empty();
        for c in fields {
            set.insert(c);
        }
        set
    }

    /// Adds a field.
    pub fn insert(&mut self, field: Field) {
        self.0 |= 1 << field.index();
    }

    /// True if the set holds `field`.
    pub fn contains(self, field: Field) -> bool {
        self.0 & (1 << field.index()) != 0
    }

    /// The fields in frame order.
    pub fn columns(self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|c| self.contains(*c))
            .collect()
    }

    /// Number of fields in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True if the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
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
/// 2007's is its first 21 fields; 2013's is the first 27 fields of [`Field::RAW`], and
/// 2016's is all of it.
const LAYOUT_2010: [Field; 26] = {
    let mut out = [Field::Timestamp; 26];
    let (mut from, mut to) = (0, 0);
    while from < 27 {
        if !matches!(Field::RAW[from], Field::NetworkMessageId) {
            out[to] = Field::RAW[from];
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
    pub fn fields(self) -> &'static [Field] {
        match self {
            Layout::Exchange2007 => &LAYOUT_2010[..21],
            Layout::Exchange2010 => &LAYOUT_2010,
            Layout::Exchange2013 => &Field::RAW[..27],
            Layout::Exchange2016 => &Field::RAW,
        }
    }

    /// The layout whose field count is `count` (21, 26, 27 or 30).
    pub fn from_field_count(count: usize) -> Option<Layout> {
        Layout::ALL
            .into_iter()
            .find(|layout| layout.fields().len() == count)
    }

    /// The layout whose fields are exactly `fields`, in order.
    pub fn from_fields(fields: &[Option<Field>]) -> Option<Layout> {
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
        let names: Vec<&str> = self
            .fields()
            .iter()
            .filter_map(|f| f.header_name())
            .collect();
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
        for field in Field::RAW {
            let name = field.header_name().unwrap();
            assert_eq!(Field::from_header_name(name), Some(field));
            let upper = name.to_uppercase().replace('-', "_");
            assert_eq!(Field::from_header_name(&upper), Some(field));
        }
        assert_eq!(Field::from_header_name("date-time-utc"), None);
        assert_eq!(Field::from_header_name("Server"), None);
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
    fn the_table_is_in_enum_order_with_unique_names() {
        for (i, field) in Field::ALL.iter().enumerate() {
            assert_eq!(field.index(), i);
            assert_eq!(field.def().field, *field);
            assert_eq!(field.name().to_lowercase().parse::<Field>(), Ok(*field));
            assert_eq!(field.is_raw(), i < Field::RAW_COUNT);
        }
        assert!("Recipient".parse::<Field>().is_err());
        assert_eq!(Field::Sender.header_name(), Some("sender-address"));
        assert_eq!(Field::EventData.header_name(), Some("custom-data"));
        assert_eq!(Field::Server.header_name(), None);
    }

    #[test]
    fn field_set_keeps_frame_order() {
        let set = FieldSet::of([Field::Sender, Field::Timestamp, Field::Line]);
        assert_eq!(
            set.columns(),
            vec![Field::Timestamp, Field::Sender, Field::Line]
        );
        assert_eq!(FieldSet::all().len(), Field::COUNT);
    }
}
