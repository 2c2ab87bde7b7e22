//! One tracking event as plain Rust values: the record the sample generator writes and the
//! journey and replay code read.

use std::borrow::Cow;

use super::event_id::EventId;
use super::field::Field;
use super::time::format_timestamp_ms;

/// One tracking event: every field of the 2016/2019 layout as plain values, named as
/// Get-MessageTrackingLog names its properties, and where it was read (provenance: empty for a
/// row the generator writes). The sample generator writes these; the journey and the replay
/// read them ([`crate::frame::events::events`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are the properties of format::Field
pub struct LogRecord {
    /// date-time, in milliseconds since the epoch (UTC).
    pub timestamp_ms: i64,
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
    pub tenant_id: String,
    pub original_client_ip: String,
    pub original_server_ip: String,
    /// custom-data as `(Key, Value)`, in order, keys may repeat (`S:Key=Value` members; the
    /// writer tags every member `S:`, the only type seen in real logs).
    pub event_data: Vec<(String, String)>,
    pub transport_traffic_type: String,
    pub log_id: String,
    pub schema_version: String,
    /// The server whose logs hold the row (empty when not read from logs).
    pub server: String,
    /// The file the row was read from.
    pub file: String,
    /// The row's line in `file`.
    pub line: Option<i64>,
    /// `OnPremises` or `ExchangeOnline` (empty when not read from files).
    pub origin: String,
}

/// A field's value before encoding.
pub(crate) enum Value<'a> {
    Scalar(Cow<'a, str>),
    List(Cow<'a, [String]>),
}

impl LogRecord {
    pub(crate) fn value(&self, field: Field) -> Value<'_> {
        use Field as F;
        let s = |v: &'_ String| Value::Scalar(Cow::Owned(v.clone()));
        match field {
            F::Timestamp => Value::Scalar(Cow::Owned(format_timestamp_ms(self.timestamp_ms))),
            F::ClientIp => s(&self.client_ip),
            F::ClientHostname => s(&self.client_hostname),
            F::ServerIp => s(&self.server_ip),
            F::ServerHostname => s(&self.server_hostname),
            F::SourceContext => s(&self.source_context),
            F::ConnectorId => s(&self.connector_id),
            F::Source => s(&self.source),
            F::EventId => s(&self.event_id),
            F::InternalMessageId => s(&self.internal_message_id),
            F::MessageId => s(&self.message_id),
            F::NetworkMessageId => s(&self.network_message_id),
            F::Recipients => Value::List(Cow::Borrowed(&self.recipients)),
            F::RecipientStatus => Value::List(Cow::Borrowed(&self.recipient_status)),
            F::TotalBytes => Value::Scalar(number(self.total_bytes)),
            F::RecipientCount => Value::Scalar(number(self.recipient_count)),
            F::RelatedRecipientAddress => s(&self.related_recipient_address),
            F::Reference => Value::List(Cow::Borrowed(&self.reference)),
            F::MessageSubject => s(&self.message_subject),
            F::Sender => s(&self.sender),
            F::ReturnPath => s(&self.return_path),
            F::MessageInfo => s(&self.message_info),
            F::Directionality => s(&self.directionality),
            F::TenantId => s(&self.tenant_id),
            F::OriginalClientIp => s(&self.original_client_ip),
            F::OriginalServerIp => s(&self.original_server_ip),
            F::EventData => Value::List(Cow::Owned(
                self.event_data
                    .iter()
                    .map(|(k, v)| format!("S:{k}={v}"))
                    .collect(),
            )),
            F::TransportTrafficType => s(&self.transport_traffic_type),
            F::LogId => s(&self.log_id),
            F::SchemaVersion => s(&self.schema_version),
            // Derived fields and provenance are not written into a line.
            F::MessageLatency
            | F::MessageLatencyType
            | F::Server
            | F::File
            | F::Line
            | F::Origin => Value::Scalar(Cow::Borrowed("")),
        }
    }

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

    /// The event id, classified.
    pub fn event(&self) -> EventId {
        EventId::parse(&self.event_id)
    }

    /// True when the event id is one of `ids`.
    pub fn is(&self, ids: &[EventId]) -> bool {
        ids.contains(&self.event())
    }
}

fn number(n: Option<i64>) -> Cow<'static, str> {
    n.map(|n| Cow::Owned(n.to_string()))
        .unwrap_or(Cow::Borrowed(""))
}
