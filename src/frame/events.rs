//! A frame's rows as plain Rust values, for the code that reasons about a few rows at a time
//! (the journey of one message, the categorizer replay) rather than over columns.

use polars::prelude::{DataFrame, PolarsResult};
use serde::Serialize;

use super::access::{event_data, integers, string_lists, strings, timestamps_ms};
use crate::format::{Field, FieldSet};

/// One tracking-log row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    /// Milliseconds since the epoch, UTC.
    #[serde(skip)]
    pub timestamp_ms: i64,
    pub server: String,
    pub file: String,
    pub line: Option<i64>,
    pub client_ip: String,
    pub client_hostname: String,
    pub server_ip: String,
    pub server_hostname: String,
    pub source_context: String,
    pub connector_id: String,
    pub source: String,
    pub event_id: String,
    pub internal_message_id: String,
    pub message_id: String,
    pub network_message_id: String,
    pub recipients: Vec<String>,
    pub recipient_status: Vec<String>,
    pub total_bytes: Option<i64>,
    pub recipient_count: Option<i64>,
    pub related_recipient_address: String,
    pub reference: Vec<String>,
    pub message_subject: String,
    pub sender: String,
    pub return_path: String,
    pub message_info: String,
    pub directionality: String,
    pub event_data: Vec<(String, String)>,
}

impl Event {
    /// The value of a custom-data key (`S:ToEntity` is asked for as `ToEntity`).
    pub fn data(&self, key: &str) -> Option<&str> {
        self.event_data
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Where the row is, `FILE:LINE` (none when line numbers were not read).
    pub fn location(&self) -> Option<String> {
        self.line.map(|l| format!("{}:{l}", self.file))
    }

    /// True when the event id is one of `ids` (ignoring case).
    pub fn is(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| self.event_id.eq_ignore_ascii_case(id))
    }
}

/// The columns [`events`] reads: every column but those an [`Event`] leaves out (tenant,
/// original IPs, traffic type, log id, schema version).
pub fn event_columns() -> FieldSet {
    FieldSet::of(Field::ALL.into_iter().filter(|c| {
        !matches!(
            c,
            Field::TenantId
                | Field::OriginalClientIp
                | Field::OriginalServerIp
                | Field::TransportTrafficType
                | Field::LogId
                | Field::SchemaVersion
        )
    }))
}

/// The rows of a frame read with (at least) [`event_columns`].
pub fn events(df: &DataFrame) -> PolarsResult<Vec<Event>> {
    let text = |c: Field| -> PolarsResult<Vec<String>> {
        Ok(strings(df, c)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    };
    let times = timestamps_ms(df)?;
    let mut server = text(Field::Server)?.into_iter();
    let mut file = text(Field::File)?.into_iter();
    let mut line = integers(df, Field::Line)?.into_iter();
    let mut client_ip = text(Field::ClientIp)?.into_iter();
    let mut client_hostname = text(Field::ClientHostname)?.into_iter();
    let mut server_ip = text(Field::ServerIp)?.into_iter();
    let mut server_hostname = text(Field::ServerHostname)?.into_iter();
    let mut source_context = text(Field::SourceContext)?.into_iter();
    let mut connector_id = text(Field::ConnectorId)?.into_iter();
    let mut source = text(Field::Source)?.into_iter();
    let mut event_id = text(Field::EventId)?.into_iter();
    let mut internal = text(Field::InternalMessageId)?.into_iter();
    let mut message_id = text(Field::MessageId)?.into_iter();
    let mut network = text(Field::NetworkMessageId)?.into_iter();
    let mut recipients = string_lists(df, Field::Recipients)?.into_iter();
    let mut status = string_lists(df, Field::RecipientStatus)?.into_iter();
    let mut bytes = integers(df, Field::TotalBytes)?.into_iter();
    let mut count = integers(df, Field::RecipientCount)?.into_iter();
    let mut related = text(Field::RelatedRecipientAddress)?.into_iter();
    let mut reference = string_lists(df, Field::Reference)?.into_iter();
    let mut subject = text(Field::MessageSubject)?.into_iter();
    let mut sender = text(Field::Sender)?.into_iter();
    let mut return_path = text(Field::ReturnPath)?.into_iter();
    let mut info = text(Field::MessageInfo)?.into_iter();
    let mut direction = text(Field::Directionality)?.into_iter();
    let mut data = event_data(df)?.into_iter();
    Ok(times
        .into_iter()
        .map(|timestamp_ms| Event {
            timestamp_ms,
            server: server.next().unwrap_or_default(),
            file: file.next().unwrap_or_default(),
            line: line.next().flatten(),
            client_ip: client_ip.next().unwrap_or_default(),
            client_hostname: client_hostname.next().unwrap_or_default(),
            server_ip: server_ip.next().unwrap_or_default(),
            server_hostname: server_hostname.next().unwrap_or_default(),
            source_context: source_context.next().unwrap_or_default(),
            connector_id: connector_id.next().unwrap_or_default(),
            source: source.next().unwrap_or_default(),
            event_id: event_id.next().unwrap_or_default(),
            internal_message_id: internal.next().unwrap_or_default(),
            message_id: message_id.next().unwrap_or_default(),
            network_message_id: network.next().unwrap_or_default(),
            recipients: recipients.next().unwrap_or_default(),
            recipient_status: status.next().unwrap_or_default(),
            total_bytes: bytes.next().flatten(),
            recipient_count: count.next().flatten(),
            related_recipient_address: related.next().unwrap_or_default(),
            reference: reference.next().unwrap_or_default(),
            message_subject: subject.next().unwrap_or_default(),
            sender: sender.next().unwrap_or_default(),
            return_path: return_path.next().unwrap_or_default(),
            message_info: info.next().unwrap_or_default(),
            directionality: direction.next().unwrap_or_default(),
            event_data: data.next().unwrap_or_default(),
        })
        .collect())
}
