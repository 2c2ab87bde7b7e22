//! Files admins already have, read into the same frame as the logs: `Get-MessageTrackingLog |
//! Export-Csv` exports, Exchange Online message trace (`Get-MessageTrace`, V1 and V2), trace
//! detail (`Get-MessageTraceDetail`), and historical-search reports (the summary and the
//! extended one). See `other-formats.md` in the project's reference.
//!
//! Each file is recognised by its bytes (encoding, header row, column names), never by its
//! name, and never as another format: [`recognise`] says what it is or why it is refused. A
//! recognised file is converted into the text of a tracking log of the 2016 layout, which the
//! log reader then decodes like any log (so every filter, report and the store work on it),
//! with each row's line and server taken from the export ([`Virtual`]).

mod gmtl;
mod online;
pub mod text;

use std::collections::HashMap;

use crate::format::encode::{LogWriter, write_header};
use crate::format::{Layout, LogRecord, Zone};
use crate::pwsh::culture::Culture;

/// What the reader knows that an export does not say: the exporting session's culture and zone.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// The culture dates are written in (`None`: found from the values when unambiguous).
    pub culture: Option<&'static Culture>,
    /// The zone of local times (Get-MessageTrackingLog exports).
    pub zone: Zone,
    /// True when the zone was given (`--tz`), not assumed.
    pub zone_given: bool,
}

/// The options the command line gave for this run (`--culture`, `--tz`).
static SESSION: std::sync::RwLock<Option<ExportOptions>> = std::sync::RwLock::new(None);

/// Sets the exporting session's culture and zone for every export read in this process (the
/// command line's `--culture` and `--tz`).
pub fn set_session(options: ExportOptions) {
    if let Ok(mut s) = SESSION.write() {
        *s = Some(options);
    }
}

impl Default for ExportOptions {
    /// What [`set_session`] set, else: culture found from the values, this machine's zone.
    fn default() -> Self {
        SESSION
            .read()
            .ok()
            .and_then(|s| *s)
            .unwrap_or(ExportOptions {
                culture: None,
                zone: Zone::Local,
                zone_given: false,
            })
    }
}

/// The properties of Get-MessageTraceV2's output objects, in order: the columns of its
/// Export-Csv (the query language's Get-MessageTraceV2 and the sample exports use them too).
pub const MESSAGE_TRACE_V2_COLUMNS: [&str; 10] = [
    "Received",
    "SenderAddress",
    "RecipientAddress",
    "Subject",
    "Status",
    "ToIP",
    "FromIP",
    "Size",
    "MessageId",
    "MessageTraceId",
];

/// Where a converted file's rows come from.
pub const ON_PREMISES: &str = "OnPremises";
/// Exchange Online's files.
pub const EXCHANGE_ONLINE: &str = "ExchangeOnline";

/// A recognised export, converted.
pub struct Virtual {
    /// The text of an equivalent tracking log (2016 layout, header included).
    pub bytes: Vec<u8>,
    /// Lines of that text before the first row.
    pub header_lines: u32,
    /// Per row, its line in the export (1-based).
    pub lines: Vec<u32>,
    /// Per row, its server.
    pub servers: Vec<String>,
    /// `OnPremises` or `ExchangeOnline`.
    pub origin: &'static str,
    /// What the file is, for the report (`Get-MessageTrackingLog export, UTF-16 LE, ';'`).
    pub describe: String,
    /// Things the user must know about this file (one sentence each).
    pub notes: Vec<String>,
    /// Rows that could not be converted: (line in the export, why); the others are kept.
    pub bad_rows: Vec<(u32, String)>,
}

/// A parsed CSV: header names (cleaned) and rows with their first line.
pub(crate) struct Table {
    pub names: Vec<String>,
    pub rows: Vec<(u32, Vec<String>)>,
    pub delimiter: u8,
}

impl Table {
    /// The column of a name (case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// A row's value of a column, trimmed of nothing (empty when missing).
    pub fn get<'a>(&self, row: &'a [String], column: Option<usize>) -> &'a str {
        column.and_then(|c| row.get(c)).map_or("", String::as_str)
    }
}

/// The formats, by the column names that identify them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    HistoricalDetail,
    HistoricalSummary,
    TrackingExport,
    TraceSummary,
    TraceDetail,
}

impl Kind {
    /// What the format is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::HistoricalDetail => {
                "an Exchange Online historical search, extended report (MTDetail)"
            }
            Kind::HistoricalSummary => {
                "an Exchange Online historical search, summary report (MTSummary)"
            }
            Kind::TrackingExport => "a Get-MessageTrackingLog export",
            Kind::TraceSummary => "an Exchange Online message trace (Get-MessageTrace)",
            Kind::TraceDetail => "an Exchange Online message trace detail (Get-MessageTraceDetail)",
        }
    }

    /// The format of a header, by its names (Microsoft's own tests, first match wins).
    fn of(names: &[String]) -> Option<Kind> {
        let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
        if has("date_time_utc") && has("event_id") {
            Some(Kind::HistoricalDetail)
        } else if has("origin_timestamp_utc") && has("recipient_status") {
            Some(Kind::HistoricalSummary)
        } else if has("Timestamp") && has("EventId") {
            Some(Kind::TrackingExport)
        } else if has("Received") && has("RecipientAddress") && has("Status") {
            Some(Kind::TraceSummary)
        } else if has("Date") && has("Event") && (has("Detail") || has("Data")) {
            Some(Kind::TraceDetail)
        } else {
            None
        }
    }
}

/// A header name cleaned as exporters leave them: spaces, stray quotes, NUL and BOM; a
/// script-block column (`$_.Recipients`) is the property it names.
fn clean_name(name: &str) -> String {
    let t = name
        .trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\0' || c == '\u{feff}')
        .to_string();
    let t = t.strip_prefix("$_.").map_or(t.clone(), str::to_string);
    t.trim_matches(|c| c == '{' || c == '}' || c == ' ')
        .to_string()
}

/// Parses the CSV body with `delimiter`, keeping each record's first line number.
fn parse_table(text: &str, first_line: u32, delimiter: u8) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| format!("its header row cannot be read: {e}"))?
        .iter()
        .map(clean_name)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("a row cannot be read as CSV: {e}"))?;
        // csv counts lines from the record after the header: the header's line is `first_line`.
        let line = record.position().map_or(0, |p| p.line() as u32) + first_line;
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(Table {
        names,
        rows,
        delimiter,
    })
}

/// What a file is.
pub(crate) enum Recognised {
    /// A tracking log (or not a CSV export at all): the log reader takes it.
    Log,
    /// An export of a known format.
    Export {
        kind: Kind,
        table: Table,
        encoding: &'static str,
        type_line: Option<String>,
    },
    /// A table of another kind: refused with this sentence.
    Refused(String),
}

/// True when a header name is a name (not a value of a data row: a time, a number, a path).
fn name_like(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '$' || c == '_')
        && !name.contains(['@', '/', '\\', ':', '<', '>', '='])
}

/// Recognises a file by its bytes. A tracking log is known from its first bytes, without
/// decoding the rest.
pub(crate) fn recognise(bytes: &[u8]) -> Recognised {
    let head = text::decode(&bytes[..bytes.len().min(4096)]);
    let head_text = head.text.trim_start_matches('\u{feff}');
    let first = head_text.lines().next().unwrap_or("");
    if first.starts_with('#') && !first.starts_with("#TYPE") {
        return Recognised::Log;
    }
    if !first.starts_with("#TYPE") {
        let names: Vec<String> = [',', ';', '\t']
            .iter()
            .map(|d| first.split(*d).map(clean_name).collect::<Vec<_>>())
            .max_by_key(Vec::len)
            .unwrap_or_default();
        // A data row of a header-less log, or not a table: the log reader decides.
        if names.len() < 3 || !names.iter().all(|n| name_like(n)) {
            return Recognised::Log;
        }
    }
    let decoded = text::decode(bytes);
    let text = decoded.text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let (type_line, body, first_line) = match first.strip_prefix("#TYPE") {
        Some(t) => {
            let skip = text.find('\n').map_or(text.len(), |i| i + 1);
            (Some(t.trim().to_string()), &text[skip..], 2)
        }
        None => (None, text, 1),
    };
    let header = body.lines().next().unwrap_or("");
    // The delimiter that splits the header into the most names any format knows.
    let known = |names: &[String]| Kind::of(names).is_some() as usize * 1000 + names.len();
    let best = [b',', b';', b'\t']
        .into_iter()
        .map(|d| {
            let names: Vec<String> = header.split(char::from(d)).map(clean_name).collect();
            (known(&names), d, names)
        })
        .max_by_key(|(score, _, _)| *score);
    let Some((_, delimiter, names)) = best else {
        return Recognised::Log;
    };
    match Kind::of(&names) {
        Some(kind) => match parse_table(body, first_line, delimiter) {
            Ok(table) => Recognised::Export {
                kind,
                table,
                encoding: decoded.encoding,
                type_line,
            },
            Err(why) => Recognised::Refused(format!("it looks like {} but {why}", kind.describe())),
        },
        None if names.len() >= 3
            && (header.contains(',') || header.contains(';') || header.contains('\t')) =>
        {
            let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
            Recognised::Refused(format!(
                "a table msgtrack does not know (its columns are {}{}): not a tracking log, a Get-MessageTrackingLog export, or an Exchange Online message trace or historical search",
                shown.join(", "),
                if names.len() > 8 { ", …" } else { "" }
            ))
        }
        None => Recognised::Log,
    }
}

/// True when the file at `path` starts like an export msgtrack reads (its first 64 KiB name
/// the columns of a known format): folders are searched for these besides the logs.
pub fn is_export_file(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 65536];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head.truncate(n);
    let decoded = text::decode(&head);
    let mut lines = decoded.text.trim_start_matches('\u{feff}').lines();
    let mut header = lines.next().unwrap_or("");
    if header.starts_with("#TYPE") {
        header = lines.next().unwrap_or("");
    }
    [',', ';', '\t']
        .iter()
        .any(|d| Kind::of(&header.split(*d).map(clean_name).collect::<Vec<_>>()).is_some())
}

/// Converts a recognised export.
pub(crate) fn convert(
    kind: Kind,
    table: &Table,
    encoding: &'static str,
    type_line: Option<&str>,
    options: &ExportOptions,
    folder_server: &str,
) -> Result<Virtual, String> {
    let delimiter = match table.delimiter {
        b';' => "';'",
        b'\t' => "tab",
        _ => "','",
    };
    let mut notes = Vec::new();
    let converted = match kind {
        Kind::TrackingExport => gmtl::convert(table, options, folder_server, &mut notes)?,
        Kind::HistoricalDetail => online::historical_detail(table, &mut notes)?,
        Kind::HistoricalSummary => online::historical_summary(table, &mut notes)?,
        Kind::TraceSummary => online::trace_summary(table, options, &mut notes)?,
        Kind::TraceDetail => online::trace_detail(table, options, &mut notes)?,
    };
    let origin = if kind == Kind::TrackingExport {
        ON_PREMISES
    } else {
        EXCHANGE_ONLINE
    };
    let mut describe = format!("{}, {encoding}, delimiter {delimiter}", kind.describe());
    if let Some(t) = type_line {
        describe.push_str(&format!(", #TYPE {t}"));
    }
    if encoding == "ASCII"
        && kind == Kind::TrackingExport
        && converted
            .records
            .iter()
            .any(|(_, r, _)| r.message_subject.contains('?'))
    {
        notes.push("the export is ASCII (Windows PowerShell's default for Export-Csv): any letter outside ASCII was already written as '?' and cannot be recovered; export with -Encoding UTF8".into());
    }
    build(converted, origin, describe, notes)
}

/// Rows converted from an export: (line in the export, the row, its server).
pub(crate) struct Rows {
    pub records: Vec<(u32, LogRecord, String)>,
    /// Rows left out: (line in the export, why).
    pub bad: Vec<(u32, String)>,
}

fn build(
    rows: Rows,
    origin: &'static str,
    describe: String,
    notes: Vec<String>,
) -> Result<Virtual, String> {
    let first = rows
        .records
        .iter()
        .map(|(_, r, _)| r.timestamp_ms)
        .min()
        .unwrap_or(0);
    let mut bytes = Vec::new();
    write_header(&mut bytes, "15.02.0000.000", first, Layout::Exchange2016)
        .map_err(|e| e.to_string())?;
    let header_lines = 5;
    let mut writer = LogWriter::new(bytes, Layout::Exchange2016);
    let mut lines = Vec::with_capacity(rows.records.len());
    let mut servers = Vec::with_capacity(rows.records.len());
    for (line, record, server) in &rows.records {
        writer.write(record).map_err(|e| e.to_string())?;
        lines.push(*line);
        servers.push(server.clone());
    }
    Ok(Virtual {
        bytes: writer.into_inner().map_err(|e| e.to_string())?,
        header_lines,
        lines,
        servers,
        origin,
        describe,
        notes,
        bad_rows: rows.bad,
    })
}

/// Dates written by a culture: the one culture (or several that read every value the same
/// way) that reads them all, the one given, or an error naming the candidates.
pub(crate) struct Dates {
    pub culture: &'static Culture,
    /// Said to the user when the culture was found rather than given.
    pub assumed: Option<String>,
}

/// A date of an export as `culture` writes it. Exporters always write the year, so the day
/// a date without one would fall on ("today") never matters: a fixed one keeps reading
/// reproducible.
pub(crate) fn parse_date(
    text: &str,
    culture: &'static Culture,
) -> Option<crate::pwsh::datetime::Parsed> {
    let today = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    crate::pwsh::datetime::parse(text, culture, today)
}

impl Dates {
    /// Finds how `samples` are written.
    pub fn find(
        samples: &[&str],
        given: Option<&'static Culture>,
        what: &str,
    ) -> Result<Dates, String> {
        if let Some(c) = given {
            return Ok(Dates {
                culture: c,
                assumed: None,
            });
        }
        let mut readings: Vec<(&'static Culture, Vec<chrono::NaiveDateTime>)> = Vec::new();
        for name in Culture::names() {
            let Some(culture) = Culture::find(name) else {
                continue;
            };
            let read: Option<Vec<chrono::NaiveDateTime>> = samples
                .iter()
                .map(|s| parse_date(s, culture).map(|p| p.wall))
                .collect();
            if let Some(r) = read {
                readings.push((culture, r));
            }
        }
        let mut distinct: HashMap<Vec<chrono::NaiveDateTime>, Vec<&'static str>> = HashMap::new();
        for (c, r) in &readings {
            distinct.entry(r.clone()).or_default().push(c.name);
        }
        match distinct.len() {
            0 => Err(format!(
                "its {what} values ('{}') are dates in none of the cultures msgtrack knows",
                samples.first().unwrap_or(&"")
            )),
            1 => {
                let names = distinct.into_values().next().unwrap_or_default();
                let culture = Culture::find(names[0]).unwrap_or(readings[0].0);
                Ok(Dates {
                    culture,
                    assumed: Some(format!(
                        "its {what} dates were read as the {} culture writes them (give --culture to say otherwise)",
                        names.join("/")
                    )),
                })
            }
            _ => {
                let mut cands: Vec<&str> = readings.iter().map(|(c, _)| c.name).collect();
                cands.dedup();
                Err(format!(
                    "its {what} values ('{}') read differently in the cultures {}: give the exporting session's culture with --culture",
                    samples.first().unwrap_or(&""),
                    cands.join(", ")
                ))
            }
        }
    }

    /// A value as UTC ms, read as local time in `zone` (or UTC when `zone` is `None`).
    pub fn utc_ms(&self, text: &str, zone: Option<Zone>) -> Option<i64> {
        let p = parse_date(text, self.culture)?;
        match (p.offset_seconds, zone) {
            (Some(off), _) => Some(
                (p.wall - chrono::Duration::seconds(i64::from(off)))
                    .and_utc()
                    .timestamp_millis(),
            ),
            (None, Some(z)) => z.to_utc(p.wall).map(|u| u.timestamp_millis()),
            (None, None) => Some(p.wall.and_utc().timestamp_millis()),
        }
    }
}

/// Up to 200 non-empty values of a column, to find the culture from.
pub(crate) fn samples(table: &Table, column: Option<usize>) -> Vec<&str> {
    table
        .rows
        .iter()
        .map(|(_, r)| table.get(r, column))
        .filter(|v| !v.trim().is_empty())
        .take(200)
        .collect()
}
