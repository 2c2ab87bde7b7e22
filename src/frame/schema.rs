//! The columns of an ingested frame: Get-MessageTrackingLog's property names and types, plus
//! provenance (`Server`, `File`, `Line`).
//!
//! This is the one place that owns column names and types; the reader, the query engine and
//! every printer use these names.

use std::fmt;
use std::str::FromStr;

use polars::prelude::{
    Categories, DataType, Field, PlSmallStr, Schema, SchemaRef, TimeUnit, TimeZone,
};

use crate::format::LogField;

/// A column of the ingested frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Column {
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
    /// The server whose logs hold the row (from the file's rows, else its folder name).
    Server,
    /// The file the row was read from.
    File,
    /// The 1-based line number of the row in its file.
    Line,
}

/// The storage kind of a column (how the reader builds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
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
}

impl Column {
    /// Every column, in frame order.
    pub const ALL: [Column; 33] = [
        Column::Timestamp,
        Column::ClientIp,
        Column::ClientHostname,
        Column::ServerIp,
        Column::ServerHostname,
        Column::SourceContext,
        Column::ConnectorId,
        Column::Source,
        Column::EventId,
        Column::InternalMessageId,
        Column::MessageId,
        Column::NetworkMessageId,
        Column::Recipients,
        Column::RecipientStatus,
        Column::TotalBytes,
        Column::RecipientCount,
        Column::RelatedRecipientAddress,
        Column::Reference,
        Column::MessageSubject,
        Column::Sender,
        Column::ReturnPath,
        Column::MessageInfo,
        Column::Directionality,
        Column::TenantId,
        Column::OriginalClientIp,
        Column::OriginalServerIp,
        Column::EventData,
        Column::TransportTrafficType,
        Column::LogId,
        Column::SchemaVersion,
        Column::Server,
        Column::File,
        Column::Line,
    ];

    /// Number of columns.
    pub const COUNT: usize = 33;

    /// Position in [`Column::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The property name (`Timestamp`, `Recipients`, …).
    pub fn name(self) -> &'static str {
        match self {
            Column::Timestamp => "Timestamp",
            Column::ClientIp => "ClientIp",
            Column::ClientHostname => "ClientHostname",
            Column::ServerIp => "ServerIp",
            Column::ServerHostname => "ServerHostname",
            Column::SourceContext => "SourceContext",
            Column::ConnectorId => "ConnectorId",
            Column::Source => "Source",
            Column::EventId => "EventId",
            Column::InternalMessageId => "InternalMessageId",
            Column::MessageId => "MessageId",
            Column::NetworkMessageId => "NetworkMessageId",
            Column::Recipients => "Recipients",
            Column::RecipientStatus => "RecipientStatus",
            Column::TotalBytes => "TotalBytes",
            Column::RecipientCount => "RecipientCount",
            Column::RelatedRecipientAddress => "RelatedRecipientAddress",
            Column::Reference => "Reference",
            Column::MessageSubject => "MessageSubject",
            Column::Sender => "Sender",
            Column::ReturnPath => "ReturnPath",
            Column::MessageInfo => "MessageInfo",
            Column::Directionality => "Directionality",
            Column::TenantId => "TenantId",
            Column::OriginalClientIp => "OriginalClientIp",
            Column::OriginalServerIp => "OriginalServerIp",
            Column::EventData => "EventData",
            Column::TransportTrafficType => "TransportTrafficType",
            Column::LogId => "LogId",
            Column::SchemaVersion => "SchemaVersion",
            Column::Server => "Server",
            Column::File => "File",
            Column::Line => "Line",
        }
    }

    /// The raw log field this column is decoded from (`None` for provenance columns).
    pub fn log_field(self) -> Option<LogField> {
        LogField::ALL.get(self.index()).copied()
    }

    /// The column decoded from a raw log field.
    pub fn from_log_field(field: LogField) -> Column {
        Column::ALL[field.index()]
    }

    /// How the column is stored.
    pub fn kind(self) -> ColumnKind {
        use Column as C;
        match self {
            C::Timestamp => ColumnKind::Timestamp,
            C::ClientHostname
            | C::ServerHostname
            | C::ConnectorId
            | C::Source
            | C::EventId
            | C::Directionality
            | C::TenantId
            | C::TransportTrafficType
            | C::SchemaVersion
            | C::ClientIp
            | C::ServerIp
            | C::OriginalClientIp
            | C::OriginalServerIp
            | C::Server
            | C::File => ColumnKind::Category,
            C::TotalBytes | C::RecipientCount => ColumnKind::Integer,
            C::Recipients | C::RecipientStatus | C::Reference => ColumnKind::TextList,
            C::EventData => ColumnKind::KeyValueList,
            C::Line => ColumnKind::LineNumber,
            _ => ColumnKind::Text,
        }
    }

    /// The polars type of the column.
    pub fn dtype(self) -> DataType {
        match self.kind() {
            ColumnKind::Timestamp => {
                DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            }
            ColumnKind::Text => DataType::String,
            ColumnKind::Category => category_dtype(),
            ColumnKind::Integer => DataType::Int64,
            ColumnKind::TextList => DataType::List(Box::new(DataType::String)),
            ColumnKind::KeyValueList => DataType::List(Box::new(event_data_struct())),
            ColumnKind::LineNumber => DataType::UInt32,
        }
    }

    /// Looks a property name up, ignoring case (PowerShell property names are case-insensitive).
    pub fn from_name(name: &str) -> Option<Column> {
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Column {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Column::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
            format!(
                "unknown column '{name}'; the columns are: {}",
                names.join(", ")
            )
        })
    }
}

/// The categorical type shared by every categorical column (one global category map, so
/// frames from different files and chunks concatenate without re-encoding).
pub fn category_dtype() -> DataType {
    DataType::from_categories(Categories::global())
}

/// `Struct{Key: Categorical, Value: String}`, one custom-data member.
pub fn event_data_struct() -> DataType {
    DataType::Struct(vec![
        Field::new(PlSmallStr::from_static("Key"), category_dtype()),
        Field::new(PlSmallStr::from_static("Value"), DataType::String),
    ])
}

/// The schema of a frame holding `columns`, in the order given.
pub fn schema_of(columns: &[Column]) -> SchemaRef {
    let schema: Schema = columns
        .iter()
        .map(|c| Field::new(PlSmallStr::from_static(c.name()), c.dtype()))
        .collect();
    schema.into()
}

/// A set of columns (which ones the reader decodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSet(u64);

impl ColumnSet {
    /// Every column.
    pub fn all() -> ColumnSet {
        ColumnSet((1u64 << Column::COUNT) - 1)
    }

    /// No column.
    pub fn empty() -> ColumnSet {
        ColumnSet(0)
    }

    /// The set of `columns`.
    pub fn of(columns: impl IntoIterator<Item = Column>) -> ColumnSet {
        let mut set = ColumnSet::empty();
        for c in columns {
            set.insert(c);
        }
        set
    }

    /// Adds a column.
    pub fn insert(&mut self, column: Column) {
        self.0 |= 1 << column.index();
    }

    /// True if the set holds `column`.
    pub fn contains(self, column: Column) -> bool {
        self.0 & (1 << column.index()) != 0
    }

    /// The columns in frame order.
    pub fn columns(self) -> Vec<Column> {
        Column::ALL
            .into_iter()
            .filter(|c| self.contains(*c))
            .collect()
    }

    /// Number of columns in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True if the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_columns_line_up_with_log_fields() {
        for field in LogField::ALL {
            assert_eq!(Column::from_log_field(field).log_field(), Some(field));
        }
        assert_eq!(
            Column::from_log_field(LogField::SenderAddress),
            Column::Sender
        );
        assert_eq!(
            Column::from_log_field(LogField::CustomData),
            Column::EventData
        );
        assert_eq!(Column::Server.log_field(), None);
    }

    #[test]
    fn names_are_unique_and_parse_back_ignoring_case() {
        for column in Column::ALL {
            assert_eq!(column.name().to_lowercase().parse::<Column>(), Ok(column));
        }
        assert!("Recipient".parse::<Column>().is_err());
    }

    #[test]
    fn column_set_keeps_frame_order() {
        let set = ColumnSet::of([Column::Sender, Column::Timestamp, Column::Line]);
        assert_eq!(
            set.columns(),
            vec![Column::Timestamp, Column::Sender, Column::Line]
        );
        assert_eq!(ColumnSet::all().len(), Column::COUNT);
    }
}
