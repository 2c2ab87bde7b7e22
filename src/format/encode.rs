//! Writing log lines exactly as Exchange does (for the sample generator, the benchmark corpus
//! and the round-trip property tests).

use std::borrow::Cow;
use std::io::Write;

use super::field::{Field, Layout};
use super::time::format_timestamp_ms;

/// One tracking-log event with every field of the 2016/2019 layout, as plain values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRecord {
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
    /// custom-data members as written, `Type:Key=Value`.
    pub custom_data: Vec<String>,
    pub transport_traffic_type: String,
    pub log_id: String,
    pub schema_version: String,
}

/// A field's value before encoding.
enum Value<'a> {
    Scalar(Cow<'a, str>),
    List(&'a [String]),
}

impl LogRecord {
    fn value(&self, field: Field) -> Value<'_> {
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
            F::Recipients => Value::List(&self.recipients),
            F::RecipientStatus => Value::List(&self.recipient_status),
            F::TotalBytes => Value::Scalar(number(self.total_bytes)),
            F::RecipientCount => Value::Scalar(number(self.recipient_count)),
            F::RelatedRecipientAddress => s(&self.related_recipient_address),
            F::Reference => Value::List(&self.reference),
            F::MessageSubject => s(&self.message_subject),
            F::Sender => s(&self.sender),
            F::ReturnPath => s(&self.return_path),
            F::MessageInfo => s(&self.message_info),
            F::Directionality => s(&self.directionality),
            F::TenantId => s(&self.tenant_id),
            F::OriginalClientIp => s(&self.original_client_ip),
            F::OriginalServerIp => s(&self.original_server_ip),
            F::EventData => Value::List(&self.custom_data),
            F::TransportTrafficType => s(&self.transport_traffic_type),
            F::LogId => s(&self.log_id),
            F::SchemaVersion => s(&self.schema_version),
            // Provenance is not written into a line.
            F::Server | F::File | F::Line => Value::Scalar(Cow::Borrowed("")),
        }
    }
}

fn number(n: Option<i64>) -> Cow<'static, str> {
    n.map(|n| Cow::Owned(n.to_string()))
        .unwrap_or(Cow::Borrowed(""))
}

/// CR and LF inside a value become the two-character sequences `\r` and `\n`.
fn escape_line_breaks(text: &str) -> Cow<'_, str> {
    if text.contains(['\r', '\n']) {
        Cow::Owned(text.replace('\r', "\\r").replace('\n', "\\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Joins list members with `;`, single-quoting members that contain `;` or `'`.
pub fn join_members(members: &[String]) -> String {
    let mut out = String::new();
    for (i, member) in members.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let member = escape_line_breaks(member);
        if member.contains([';', '\'']) {
            out.push('\'');
            out.push_str(&member.replace('\'', "''"));
            out.push('\'');
        } else {
            out.push_str(&member);
        }
    }
    out
}

/// Writes log lines with Exchange's quoting and CRLF line ends.
pub struct LogWriter<W: Write> {
    csv: csv::Writer<W>,
    layout: Layout,
    fields: Vec<String>,
}

impl<W: Write> LogWriter<W> {
    /// A writer for rows of `layout` (the header is written separately, see [`write_header`]).
    pub fn new(out: W, layout: Layout) -> Self {
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(out);
        LogWriter {
            csv,
            layout,
            fields: Vec::with_capacity(30),
        }
    }

    /// Appends one row.
    pub fn write(&mut self, record: &LogRecord) -> std::io::Result<()> {
        self.fields.clear();
        for &field in self.layout.fields() {
            let text = match record.value(field) {
                Value::Scalar(text) => escape_line_breaks(&text).into_owned(),
                Value::List(members) => join_members(members),
            };
            self.fields.push(text);
        }
        self.csv.write_record(&self.fields).map_err(csv_to_io)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn csv_to_io(err: csv::Error) -> std::io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Writes the five header lines Exchange puts at the top of a new file, BOM first.
pub fn write_header(
    out: &mut impl Write,
    version: &str,
    first_event_ms: i64,
    layout: Layout,
) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    write!(
        out,
        "#Software: Microsoft Exchange Server\r\n#Version: {version}\r\n#Log-type: Message Tracking Log\r\n#Date: {}\r\n{}\r\n",
        format_timestamp_ms(first_event_ms),
        layout.fields_header()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_quoted_only_for_semicolon_or_quote() {
        let members = vec![
            "a@x.com".to_string(),
            "o'brien@x.com".to_string(),
            "250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded".to_string(),
            String::new(),
        ];
        assert_eq!(
            join_members(&members),
            "a@x.com;'o''brien@x.com';'250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded';"
        );
    }

    #[test]
    fn fields_are_quoted_only_for_comma_or_double_quote() {
        let record = LogRecord {
            timestamp_ms: 0,
            message_subject: "Hello, \"world\"".into(),
            source_context: "a;b c|d=".into(),
            message_info: "04I: ".into(),
            ..LogRecord::default()
        };
        let mut writer = LogWriter::new(Vec::new(), Layout::Exchange2016);
        writer.write(&record).unwrap();
        let line = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert!(line.ends_with("\r\n"));
        assert!(line.contains(",a;b c|d=,"));
        assert!(line.contains(r#","Hello, ""world""","#));
        assert!(line.contains(",04I: ,"));
        assert_eq!(line.trim_end().split(',').count(), 31); // 30 fields, one comma in the subject
    }

    #[test]
    fn line_breaks_become_backslash_sequences() {
        let record = LogRecord {
            message_subject: "two\r\nlines".into(),
            ..LogRecord::default()
        };
        let mut writer = LogWriter::new(Vec::new(), Layout::Exchange2016);
        writer.write(&record).unwrap();
        let line = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert!(line.contains(r",two\r\nlines,"));
        assert_eq!(line.matches("\r\n").count(), 1);
    }
}
