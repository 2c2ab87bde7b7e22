//! Preparing one file for decoding: map it, check that it is a tracking log, find its header
//! lines, name its server, and cut its body into chunks at line boundaries.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use memchr::memchr;
use memmap2::Mmap;

use super::decode::layout_map;
use super::diagnostics::{Diagnostic, DiagnosticKind, Severity};
use super::discover::{LogFile, server_from_folder};
use crate::format::header::{FieldMap, HeaderLine, parse_header_line};
use crate::format::split::split_fields;
use crate::format::time::parse_timestamp_ms;
use crate::format::{Field, Layout};

/// How a file's server name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSource {
    /// The host name most rows name as the local server.
    Rows,
    /// The folder the file sits in (no row named a host).
    Folder,
}

/// The `#` header values of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderInfo {
    /// The `#Software` line.
    pub software: Option<String>,
    /// The `#Version` line.
    pub version: Option<String>,
    /// The `#Log-type` line.
    pub log_type: Option<String>,
    /// The `#Date` line.
    pub date: Option<String>,
    /// The first `#Fields` map (the file's layout).
    pub fields: Option<FieldMap>,
}

/// Bytes of a file: memory-mapped, or empty for a zero-length file (which cannot be mapped).
pub(crate) enum FileBytes {
    /// The map, guarded against the file shrinking under it (see [`super::guard`]). The
    /// guard is declared first so it is dropped before the map is unmapped.
    Mapped(super::guard::Guard, Mmap),
    /// An export converted into the text of a tracking log (see [`super::exports`]).
    Owned(Vec<u8>),
    Empty,
}

impl FileBytes {
    /// The file at `path` mapped and guarded (`Empty` for a zero-length file), or what kept
    /// it from being mapped.
    pub(crate) fn map(path: &Path) -> Result<FileBytes, String> {
        let handle = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let len = handle
            .metadata()
            .map_err(|e| format!("cannot read its size: {e}"))?
            .len();
        if len == 0 {
            return Ok(FileBytes::Empty);
        }
        // SAFETY: the map is read-only. Exchange appends to live logs (never rewrites) and
        // msgtrack writes store parts whole and renames them into place, which does not
        // invalidate a mapped prefix; a file truncated under us (a copy replaced mid-read)
        // would raise SIGBUS, which the guard turns into zero pages and a report.
        let map = unsafe { Mmap::map(&handle) }.map_err(|e| format!("cannot memory-map: {e}"))?;
        let guard = super::guard::Guard::register(map.as_ptr(), map.len());
        Ok(FileBytes::Mapped(guard, map))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(_, m) => m,
            FileBytes::Owned(b) => b,
            FileBytes::Empty => &[],
        }
    }

    /// True when the file shrank while it was read (pages past its new end read as zeros).
    pub(crate) fn changed(&self) -> bool {
        match self {
            FileBytes::Mapped(g, _) => g.changed(),
            FileBytes::Owned(_) | FileBytes::Empty => false,
        }
    }

    /// Tells the kernel a decoded range will not be needed again, so the page cache behind it
    /// does not count as this process's memory.
    pub(crate) fn release(&self, range: Range<usize>) {
        #[cfg(unix)]
        if let FileBytes::Mapped(_, m) = self {
            const PAGE: usize = 4096;
            let start = range.start.div_ceil(PAGE) * PAGE;
            let end = range.end / PAGE * PAGE;
            if end > start {
                // SAFETY: the mapping is read-only and private to this reader; dropping pages
                // only makes the kernel re-read them from the file if they are touched again.
                unsafe {
                    let _ = m.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    );
                }
            }
        }
    }
}

/// A file ready to decode.
pub(crate) struct FilePlan {
    pub file: LogFile,
    pub path: Arc<Path>,
    pub bytes: FileBytes,
    pub headers: HeaderInfo,
    /// `#Fields` maps, each in force from the given byte offset on.
    pub field_maps: Vec<(usize, Arc<FieldMap>)>,
    pub server: String,
    pub server_source: ServerSource,
    pub chunks: Vec<Range<usize>>,
    pub notes: Vec<Diagnostic>,
    /// For an export: each row's line and server in the export, and where it comes from.
    pub rows_from: Option<Arc<RowsFrom>>,
}

/// Where the rows of a converted export come from (the decoder sees the converted text).
pub(crate) struct RowsFrom {
    /// Lines of the converted text before its first row.
    pub header_lines: u32,
    /// Per row, its line in the export.
    pub lines: Vec<u32>,
    /// Per row, its server.
    pub servers: Vec<String>,
    /// `OnPremises` or `ExchangeOnline`.
    pub origin: &'static str,
    /// Export rows that could not be converted: (line in the export, why), counted as bad lines.
    pub bad_rows: Vec<(u32, String)>,
}

impl RowsFrom {
    /// The row index of a line of the converted text.
    pub fn row_of(&self, converted_line: u32) -> Option<usize> {
        converted_line
            .checked_sub(self.header_lines + 1)
            .map(|i| i as usize)
    }
}

impl FilePlan {
    /// The `#Fields` map in force at byte `offset`.
    pub(crate) fn map_at(&self, offset: usize) -> Option<Arc<FieldMap>> {
        self.field_maps
            .iter()
            .take_while(|(from, _)| *from <= offset)
            .last()
            .map(|(_, map)| map.clone())
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Lines read to decide whether a file is a tracking log and to name its server.
const SNIFF_LINES: usize = 32;

/// Maps and checks a file. A file that is not a tracking log gives an error diagnostic.
pub(crate) fn plan_file(
    file: LogFile,
    chunk_size: usize,
    export: &super::exports::ExportOptions,
) -> Result<FilePlan, Diagnostic> {
    let path: Arc<Path> = Arc::from(file.path.as_path());
    let refuse = |kind, message: String| Diagnostic {
        file: path.clone(),
        line: None,
        severity: Severity::Error,
        kind,
        message,
    };
    if let Some(problem) = &file.problem {
        return Err(refuse(DiagnosticKind::Io, problem.clone()));
    }
    let bytes = FileBytes::map(&file.path).map_err(|m| refuse(DiagnosticKind::Io, m))?;
    // Ask the kernel to read the whole file ahead now, in large sequential requests, instead
    // of page by page as the decoder touches it (cold caches read 2-3x faster). Advice is
    // only a hint: a refusal changes nothing.
    #[cfg(unix)]
    if let FileBytes::Mapped(_, map) = &bytes {
        let _ = map.advise(memmap2::Advice::Sequential);
        let _ = map.advise(memmap2::Advice::WillNeed);
    }
    // An export (a CSV, UTF-16 or not) becomes the text of a log; anything else is read as one.
    let mut notes = Vec::new();
    let mut rows_from = None;
    let bytes = match super::exports::recognise(bytes.bytes()) {
        super::exports::Recognised::Log => bytes,
        super::exports::Recognised::Refused(why) => {
            return Err(refuse(DiagnosticKind::NotATrackingLog, why));
        }
        super::exports::Recognised::Export {
            kind,
            table,
            encoding,
            type_line,
        } => {
            let folder = server_from_folder(&file.path).unwrap_or_else(|| "unknown".into());
            let v = super::exports::convert(
                kind,
                &table,
                encoding,
                type_line.as_deref(),
                export,
                &folder,
            )
            .map_err(|why| {
                refuse(
                    DiagnosticKind::NotATrackingLog,
                    format!("read as {}: {why}", kind_name(&table, kind)),
                )
            })?;
            notes.push(Diagnostic {
                file: path.clone(),
                line: None,
                severity: Severity::Warning,
                kind: DiagnosticKind::Export,
                message: format!("read as {}", v.describe),
            });
            for n in &v.notes {
                notes.push(Diagnostic {
                    file: path.clone(),
                    line: None,
                    severity: Severity::Warning,
                    kind: DiagnosticKind::Export,
                    message: n.clone(),
                });
            }
            rows_from = Some(Arc::new(RowsFrom {
                header_lines: v.header_lines,
                lines: v.lines,
                servers: v.servers,
                origin: v.origin,
                bad_rows: v.bad_rows,
            }));
            FileBytes::Owned(v.bytes)
        }
    };
    let all = bytes.bytes();
    let body_start = if all.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &all[body_start..];

    let sniff = sniff(body);
    if let Some(reason) = sniff.refusal {
        return Err(refuse(DiagnosticKind::NotATrackingLog, reason));
    }

    // Only the header at the top is read here: Exchange writes one per file. A `#Fields` line
    // further down is handled by the decoder (see `read::decode_file`).
    let field_maps = find_leading_field_maps(body, body_start);
    if let Some((_, first)) = field_maps.first()
        && !first.unknown_names.is_empty()
    {
        notes.push(Diagnostic {
            file: path.clone(),
            line: None,
            severity: Severity::Warning,
            kind: DiagnosticKind::UnknownFields,
            message: format!(
                "#Fields names fields this reader does not know ({}); they are ignored",
                first.unknown_names.join(", ")
            ),
        });
    }
    let has_leading_rows = match field_maps.first() {
        None => sniff.row_lines > 0,
        Some((offset, _)) => first_row_offset(body).is_some_and(|o| o + body_start < *offset),
    };
    if has_leading_rows && !body.is_empty() {
        let width = sniff
            .first_row_width
            .map(|w| {
                Layout::from_field_count(w)
                    .map(|l| format!("{w} fields = {}", l.describe()))
                    .unwrap_or_else(|| format!("{w} fields"))
            })
            .unwrap_or_default();
        notes.push(Diagnostic {
            file: path.clone(),
            line: None,
            severity: Severity::Warning,
            kind: DiagnosticKind::NoHeader,
            message: format!(
                "rows without a #Fields header line; columns mapped by each row's field count ({width})"
            ),
        });
    }

    // An export names its servers in its rows (the first row's, as a log's sniff does).
    let export_server = rows_from.as_ref().and_then(|r| r.servers.first().cloned());
    let (server, server_source) = match export_server.or(sniff.server) {
        Some(server) => (server, ServerSource::Rows),
        None => (
            server_from_folder(&file.path).unwrap_or_else(|| "unknown".into()),
            ServerSource::Folder,
        ),
    };
    let chunks = cut_chunks(all, body_start, chunk_size);
    let headers = sniff.headers;
    Ok(FilePlan {
        file,
        path,
        bytes,
        headers,
        field_maps,
        server,
        server_source,
        chunks,
        notes,
        rows_from,
    })
}

/// The format's name, for a refusal.
fn kind_name(_table: &super::exports::Table, kind: super::exports::Kind) -> &'static str {
    kind.describe()
}

fn first_row_offset(body: &[u8]) -> Option<usize> {
    let mut pos = 0;
    while pos < body.len() {
        let end = memchr(b'\n', &body[pos..]).map_or(body.len(), |i| pos + i);
        let line = &body[pos..end];
        if !line.is_empty() && line[0] != b'#' && line != b"\r" {
            return Some(pos);
        }
        pos = end + 1;
    }
    None
}

/// The `#Fields` lines of the header block at the top of the body (the `#` lines before the
/// first row), as (offset where each takes effect, map).
fn find_leading_field_maps(body: &[u8], body_start: usize) -> Vec<(usize, Arc<FieldMap>)> {
    let mut starts: Vec<usize> = Vec::new();
    let mut pos = 0;
    while body.get(pos) == Some(&b'#') {
        starts.push(pos);
        pos = memchr(b'\n', &body[pos..]).map_or(body.len(), |i| pos + i + 1);
    }
    starts
        .into_iter()
        .filter_map(|start| {
            let end = memchr(b'\n', &body[start..]).map_or(body.len(), |i| start + i);
            let line = String::from_utf8_lossy(&body[start..end]);
            match parse_header_line(line.trim_end_matches('\r')) {
                Some(HeaderLine::Fields(map)) if !map.knows_nothing() => {
                    Some((body_start + end + 1, Arc::new(map)))
                }
                _ => None,
            }
        })
        .collect()
}

/// Cuts `[body_start, len)` into ranges of about `chunk_size` bytes ending at line ends.
fn cut_chunks(all: &[u8], body_start: usize, chunk_size: usize) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = body_start;
    while start < all.len() {
        let target = start.saturating_add(chunk_size.max(1));
        let end = if target >= all.len() {
            all.len()
        } else {
            memchr(b'\n', &all[target..]).map_or(all.len(), |i| target + i + 1)
        };
        chunks.push(start..end);
        start = end;
    }
    chunks
}

struct Sniff {
    headers: HeaderInfo,
    row_lines: usize,
    first_row_width: Option<usize>,
    server: Option<String>,
    refusal: Option<String>,
}

/// Reads the first lines: header values, whether rows look like tracking-log rows, and the
/// host name the rows name as the local server.
fn sniff(body: &[u8]) -> Sniff {
    let mut headers = HeaderInfo::default();
    let mut row_lines = 0;
    let mut other_lines: Vec<String> = Vec::new();
    let mut first_row_width = None;
    let mut votes: HashMap<String, (usize, HashMap<String, usize>)> = HashMap::new();
    let mut spans = Vec::new();
    let mut current_map: Option<FieldMap> = None;

    for raw in body.split(|b| *b == b'\n').take(SNIFF_LINES) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = std::str::from_utf8(raw)
            .map(std::borrow::Cow::Borrowed)
            .unwrap_or_else(|_| String::from_utf8_lossy(raw));
        if raw[0] == b'#' {
            match parse_header_line(&line) {
                Some(HeaderLine::Software(v)) => headers.software = Some(v),
                Some(HeaderLine::Version(v)) => headers.version = Some(v),
                Some(HeaderLine::LogType(v)) => headers.log_type = Some(v),
                Some(HeaderLine::Date(v)) => headers.date = Some(v),
                Some(HeaderLine::Fields(map)) => {
                    if headers.fields.is_none() {
                        headers.fields = Some(map.clone());
                    }
                    current_map = Some(map);
                }
                _ => other_lines.push(line.into_owned()),
            }
            continue;
        }
        if split_fields(line.as_bytes(), &mut spans).is_err() {
            other_lines.push(line.into_owned());
            continue;
        }
        let map = match &current_map {
            Some(m) if m.width() == spans.len() => m,
            Some(_) => {
                other_lines.push(line.into_owned());
                continue;
            }
            None => match Layout::from_field_count(spans.len()) {
                Some(layout) => layout_map(layout),
                None => {
                    other_lines.push(line.into_owned());
                    continue;
                }
            },
        };
        let text = |f: Field| map.position(f).map(|p| spans[p].text(&line));
        let Some(time) = text(Field::Timestamp) else {
            other_lines.push(line.to_string());
            continue;
        };
        if parse_timestamp_ms(time.as_bytes()).is_err() {
            other_lines.push(line.to_string());
            continue;
        }
        row_lines += 1;
        first_row_width.get_or_insert(spans.len());
        let event = text(Field::EventId)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let host = local_host_field(&event).and_then(|primary| {
            let other = if primary == Field::ClientHostname {
                Field::ServerHostname
            } else {
                Field::ClientHostname
            };
            text(primary)
                .filter(|h| !h.is_empty())
                .or_else(|| text(other))
        });
        if let Some(host) = host
            && let Some(short) = short_host(&host)
        {
            let entry = votes.entry(short.to_ascii_lowercase()).or_default();
            entry.0 += 1;
            *entry.1.entry(short.to_string()).or_default() += 1;
        }
    }

    let server = votes
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)))
        .and_then(|(_, (_, spellings))| {
            spellings
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(s, _)| s)
        });

    let refusal = refusal_reason(&headers, row_lines, &other_lines);
    Sniff {
        headers,
        row_lines,
        first_row_width,
        server,
        refusal,
    }
}

/// The field that names the local server for an event (where Exchange puts its own name).
pub(crate) fn local_host_field(event: &str) -> Option<Field> {
    match event {
        "SEND" | "SENDEXTERNAL" | "FAIL" | "AGENTINFO" | "DEFER" | "SUBMIT" | "NOTIFYMAPI"
        | "SUBMITDEFER" | "SUBMITFAIL" | "PROCESS" | "THROTTLE" | "DROP" => {
            Some(Field::ClientHostname)
        }
        "" => None,
        _ => Some(Field::ServerHostname),
    }
}

/// The first label of a host name (`ex01.contoso.com` → `ex01`); `None` for IP addresses.
fn short_host(host: &str) -> Option<&str> {
    let host = host.trim();
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.contains(':') {
        return None;
    }
    let short = host.split('.').next()?;
    (!short.is_empty() && !short.bytes().all(|b| b.is_ascii_digit())).then_some(short)
}

fn refusal_reason(
    headers: &HeaderInfo,
    row_lines: usize,
    other_lines: &[String],
) -> Option<String> {
    if let Some(log_type) = &headers.log_type
        && !log_type.eq_ignore_ascii_case("Message Tracking Log")
    {
        return Some(format!(
            "not a message tracking log: its header says '#Log-type: {log_type}' \
                 (msgtrack reads MSGTRK*.LOG files from TransportRoles\\Logs\\MessageTracking)"
        ));
    }
    if let Some(fields) = &headers.fields {
        if fields.knows_nothing() {
            return Some(
                "not a message tracking log: its #Fields line names none of the tracking-log \
                 fields (date-time, event-id, recipient-address, …)"
                    .into(),
            );
        }
        return None;
    }
    if row_lines > 0 || other_lines.is_empty() {
        return None;
    }
    let first = other_lines[0].trim_start_matches('\u{feff}');
    let exo = other_lines
        .iter()
        .any(|l| l.contains("date_time_utc") || l.contains("origin_timestamp_utc"));
    let hint = if exo {
        "it looks like an Exchange Online message trace (historical search) record; msgtrack reads \
         the on-premises MSGTRK*.LOG files"
    } else if first.starts_with("#TYPE")
        || first.starts_with("\"RunspaceId\"")
        || first.starts_with("\"Timestamp\"")
    {
        "it looks like Export-Csv output of Get-MessageTrackingLog; copy the MSGTRK*.LOG files themselves"
    } else if other_lines.iter().any(|l| is_format_list_line(l)) {
        "it looks like PowerShell Format-List output; copy the MSGTRK*.LOG files themselves"
    } else if other_lines
        .iter()
        .any(|l| l.trim_start().starts_with("---"))
    {
        "it looks like PowerShell Format-Table output; copy the MSGTRK*.LOG files themselves"
    } else {
        "no line starts with a '#Software'/'#Fields' header or with a yyyy-MM-ddTHH:mm:ss.fffZ time \
         followed by 21, 26, 27 or 30 comma-separated fields"
    };
    Some(format!("not a message tracking log: {hint}"))
}

fn is_format_list_line(line: &str) -> bool {
    match line.split_once(" : ").or_else(|| line.split_once(": ")) {
        Some((name, _)) => {
            let name = name.trim();
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_line_ends_and_cover_everything() {
        let text = b"aaaa\nbbbb\ncccc\ndd";
        assert_eq!(cut_chunks(text, 0, 6), vec![0..10, 10..17]);
        assert_eq!(cut_chunks(text, 0, 3), vec![0..5, 5..10, 10..15, 15..17]);
        assert_eq!(cut_chunks(text, 3, 100), vec![3..17]);
        assert_eq!(cut_chunks(b"", 0, 6), Vec::<Range<usize>>::new());
    }

    #[test]
    fn short_host_drops_domains_and_ip_addresses() {
        assert_eq!(short_host("EX01.contoso.com"), Some("EX01"));
        assert_eq!(short_host("10.0.0.1"), None);
        assert_eq!(short_host("fe80::1%3"), None);
        assert_eq!(short_host(""), None);
    }

    #[test]
    fn powershell_list_output_is_refused_with_a_hint() {
        let sniffed = sniff(b"Source                  : ROUTING\nEventId                 : FAIL\n");
        let reason = sniffed.refusal.unwrap();
        assert!(reason.contains("Format-List"), "{reason}");
    }

    #[test]
    fn other_exchange_logs_are_refused_by_log_type() {
        let sniffed = sniff(
            b"#Software: Microsoft Exchange Server\r\n#Log-type: SMTP Receive Protocol Log\r\n",
        );
        assert!(
            sniffed
                .refusal
                .unwrap()
                .contains("SMTP Receive Protocol Log")
        );
    }
}
