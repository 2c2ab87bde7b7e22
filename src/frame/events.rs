//! A frame's rows as [`LogRecord`]s, for the code that reasons about a few rows at a time
//! (the journey of one message, the categorizer replay) rather than over columns.

use polars::prelude::{DataFrame, PolarsResult};

use super::access::{event_data, integers, string_lists, strings, timestamps_ms};
use crate::format::{Field, FieldSet, LogRecord};

/// The columns [`events`] reads: every column but those the journey and the replay do not
/// use (tenant, original IPs, traffic type, log id, schema version), which stay empty.
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
                | Field::MessageLatency
                | Field::MessageLatencyType
        )
    }))
}

/// The rows of a frame read with (at least) [`event_columns`].
pub fn events(df: &DataFrame) -> PolarsResult<Vec<LogRecord>> {
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
    let mut origin = text(Field::Origin)?.into_iter();
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
        .map(|timestamp_ms| LogRecord {
            timestamp_ms,
            server: server.next().unwrap_or_default(),
            file: file.next().unwrap_or_default(),
            line: line.next().flatten(),
            origin: origin.next().unwrap_or_default(),
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
            ..LogRecord::default()
        })
        .collect())
}
