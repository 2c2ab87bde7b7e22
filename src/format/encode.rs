//! Writing log lines exactly as Exchange does (for the sample generator, the benchmark corpus
//! and the round-trip property tests).

use std::borrow::Cow;
use std::io::Write;

use super::field::Layout;
use super::record::{LogRecord, Value};
use super::time::format_timestamp_ms;

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
                Value::List(members) => join_members(&members),
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
