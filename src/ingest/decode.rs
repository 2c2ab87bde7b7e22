//! Decoding one chunk of a file (a byte range that starts and ends at line boundaries) into
//! columns. Chunks of one file are decoded in parallel; line numbers here are relative to the
//! chunk and are shifted to file numbering when the chunks are put back together.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use memchr::memchr;
use polars::prelude::{PolarsResult, Series};

use super::columns::ColumnBuilder;
use super::diagnostics::{DiagnosticKind, DiagnosticSink};
use super::prefilter::CompiledFilter;
use crate::format::header::{FieldMap, HeaderLine, parse_header_line};
use crate::format::latency::{LatencyType, message_latency};
use crate::format::split::{FieldSpan, split_fields};
use crate::format::time::{TimeError, parse_timestamp_ms};
use crate::format::{EventId, Field, Layout};

/// The field map of a standard layout, for rows that come before any `#Fields` line.
pub(crate) fn layout_map(layout: Layout) -> &'static FieldMap {
    static MAPS: OnceLock<Vec<FieldMap>> = OnceLock::new();
    let maps = MAPS.get_or_init(|| {
        Layout::ALL
            .iter()
            .map(|l| FieldMap::for_layout(*l))
            .collect()
    });
    &maps[Layout::ALL.iter().position(|l| *l == layout).unwrap_or(3)]
}

/// What a chunk decode needs to know.
pub(crate) struct ChunkSpec<'a> {
    pub path: &'a Arc<Path>,
    /// Columns decoded from log fields, in output order (no provenance columns).
    pub columns: &'a [Field],
    pub filter: &'a CompiledFilter,
    /// Also collect line numbers (for the `Line` column).
    pub want_lines: bool,
}

/// The decoded chunk.
pub(crate) struct ChunkOutput {
    pub columns: Vec<Series>,
    /// Chunk-relative 1-based line number of each kept row (empty unless asked for).
    pub line_numbers: Vec<u32>,
    pub rows: usize,
    /// Complete lines consumed (including header and bad lines).
    pub lines: u64,
    pub sink: DiagnosticSink,
    /// The chunk ended in a line without a line end, which was not decoded.
    pub held_back: bool,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// The `#Fields` map in force at the end of the chunk (differs from the initial one only
    /// when the chunk held a `#Fields` line).
    pub final_map: Option<Arc<FieldMap>>,
}

/// Decodes `bytes`. `at_file_end` says whether the chunk ends the file (only then can the
/// last line lack a line end). `initial_map` is the `#Fields` map in force at the chunk start.
pub(crate) fn decode_chunk(
    bytes: &[u8],
    at_file_end: bool,
    initial_map: Option<Arc<FieldMap>>,
    spec: &ChunkSpec<'_>,
) -> PolarsResult<ChunkOutput> {
    let capacity = bytes.len() / 600 + 16;
    let mut builders: Vec<ColumnBuilder> = spec
        .columns
        .iter()
        .map(|c| ColumnBuilder::new(*c, capacity))
        .collect();
    let mut line_numbers = Vec::new();
    let mut sink = DiagnosticSink::default();
    let mut spans: Vec<FieldSpan> = Vec::with_capacity(32);
    let mut current_map = initial_map;
    let mut rows = 0usize;
    let mut line_no: u32 = 0;
    let mut pos = 0usize;
    let mut held_back = false;
    let (mut first_ms, mut last_ms): (Option<i64>, Option<i64>) = (None, None);
    let whole_chunk_is_utf8 = simdutf8::basic::from_utf8(bytes).is_ok();
    let path = spec.path;

    while pos < bytes.len() {
        let (line_end, next) = match memchr(b'\n', &bytes[pos..]) {
            Some(i) => (pos + i, pos + i + 1),
            None if at_file_end => {
                held_back = true;
                sink.push(super::diagnostics::Diagnostic {
                    file: path.clone(),
                    line: Some(u64::from(line_no) + 1),
                    severity: super::diagnostics::Severity::Warning,
                    kind: DiagnosticKind::IncompleteLastLine,
                    message: "the last line has no line end (the file is still being written?); \
                              it was held back and will be read once it is complete"
                        .into(),
                });
                break;
            }
            None => (bytes.len(), bytes.len()),
        };
        line_no += 1;
        let mut raw = &bytes[pos..line_end];
        pos = next;
        if raw.last() == Some(&b'\r') {
            raw = &raw[..raw.len() - 1];
        }
        if raw.is_empty() {
            continue;
        }
        let line_for_report = u64::from(line_no);

        let text: Cow<'_, str> = if whole_chunk_is_utf8 {
            // SAFETY: the whole chunk was checked, and lines split at ASCII '\n'/'\r'.
            Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(raw) })
        } else {
            match std::str::from_utf8(raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(e) => {
                    sink.warn_line(
                        path,
                        line_for_report,
                        DiagnosticKind::InvalidUtf8,
                        format!(
                            "invalid UTF-8 at byte {} of the line; decoded with U+FFFD in place of the bad bytes (the row is kept)",
                            e.valid_up_to() + 1
                        ),
                    );
                    Cow::Owned(String::from_utf8_lossy(raw).into_owned())
                }
            }
        };

        if raw[0] == b'#' {
            match parse_header_line(&text) {
                Some(HeaderLine::Fields(map)) => {
                    if map.knows_nothing() {
                        sink.bad_line(
                            path,
                            line_for_report,
                            DiagnosticKind::UnknownFields,
                            "this #Fields line names no message tracking field; rows after it are \
                             mapped by their field count instead"
                                .into(),
                        );
                        current_map = None;
                    } else {
                        current_map = Some(Arc::new(map));
                    }
                }
                Some(_) => {}
                None => sink.bad_line(
                    path,
                    line_for_report,
                    DiagnosticKind::StrayHashLine,
                    "a line starting with '#' that is not a '#Keyword: value' header line; skipped"
                        .into(),
                ),
            }
            continue;
        }

        if !spec.filter.line_may_match(text.as_bytes()) {
            continue;
        }

        if let Err(e) = split_fields(text.as_bytes(), &mut spans) {
            sink.bad_line(
                path,
                line_for_report,
                DiagnosticKind::Quoting,
                format!("{e}; the line was skipped"),
            );
            continue;
        }

        let map: &FieldMap = match &current_map {
            Some(map) => map,
            None => match Layout::from_field_count(spans.len()) {
                Some(layout) => layout_map(layout),
                None => {
                    sink.bad_line(
                        path,
                        line_for_report,
                        DiagnosticKind::FieldCount,
                        format!(
                            "has {} fields and no #Fields header precedes it; Exchange writes 21, 26, 27 or 30 \
                             (a cut-off line, or an unquoted comma?); the line was skipped",
                            spans.len()
                        ),
                    );
                    continue;
                }
            },
        };
        if spans.len() != map.width() {
            sink.bad_line(
                path,
                line_for_report,
                DiagnosticKind::FieldCount,
                format!(
                    "has {} fields but the #Fields header declares {} (a cut-off line, or an unquoted comma?); \
                     the line was skipped",
                    spans.len(),
                    map.width()
                ),
            );
            continue;
        }

        let field_text = |field: Field| -> Option<Cow<'_, str>> {
            map.position(field).map(|p| spans[p].text(&text))
        };

        let ms = match field_text(Field::Timestamp) {
            None => {
                sink.bad_line(
                    path,
                    line_for_report,
                    DiagnosticKind::Timestamp,
                    "the #Fields header has no date-time field, so the row has no time; skipped"
                        .into(),
                );
                continue;
            }
            Some(t) => match parse_timestamp_ms(t.as_bytes()) {
                Ok(ms) => ms,
                Err(err) => {
                    let why = match err {
                        TimeError::Shape => {
                            "is not a UTC time of the form yyyy-MM-ddTHH:mm:ss.fffZ"
                        }
                        TimeError::OutOfRange => "is not a real date and time",
                    };
                    sink.bad_line(
                        path,
                        line_for_report,
                        DiagnosticKind::Timestamp,
                        format!(
                            "date-time '{}' {why}; the line was skipped",
                            truncate(&t, 40)
                        ),
                    );
                    continue;
                }
            },
        };

        if !spec.filter.time_matches(ms) || !spec.filter.fields_match(field_text) {
            continue;
        }

        first_ms = Some(first_ms.map_or(ms, |f: i64| f.min(ms)));
        last_ms = Some(last_ms.map_or(ms, |l: i64| l.max(ms)));

        let mut latency: Option<(Option<i64>, LatencyType)> = None;
        for (column, builder) in spec.columns.iter().zip(builders.iter_mut()) {
            if *column == Field::Timestamp {
                builder.push_timestamp(ms);
                continue;
            }
            if column.is_derived() {
                let (value, kind) = *latency.get_or_insert_with(|| {
                    let text_of = |f: Field| {
                        map.position(f)
                            .map(|p| spans[p].text(&text))
                            .unwrap_or(Cow::Borrowed(""))
                    };
                    message_latency(
                        EventId::parse(&text_of(Field::EventId)),
                        &text_of(Field::Source),
                        &text_of(Field::MessageInfo),
                        ms,
                    )
                });
                match column {
                    Field::MessageLatency => builder.push_duration(value),
                    _ => {
                        let _ = builder.push_text(kind.name());
                    }
                }
                continue;
            }
            let (field, Some(header)) = (*column, column.header_name()) else {
                continue;
            };
            let value = map
                .position(field)
                .map(|p| spans[p].text(&text))
                .unwrap_or(Cow::Borrowed(""));
            let pushed = builder.push_text(&value);
            if pushed.is_err() {
                sink.warn_line(
                    path,
                    line_for_report,
                    DiagnosticKind::Number,
                    format!(
                        "{header} '{}' is not a whole number; stored as empty (the row is kept)",
                        truncate(&value, 40)
                    ),
                );
            }
        }
        if spec.want_lines {
            line_numbers.push(line_no);
        }
        rows += 1;
    }

    let columns = spec
        .columns
        .iter()
        .zip(builders)
        .map(|(c, b)| b.finish(*c))
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok(ChunkOutput {
        columns,
        line_numbers,
        rows,
        lines: u64::from(line_no),
        sink,
        held_back,
        first_ms,
        last_ms,
        final_map: current_map,
    })
}

/// Shortens a value for a message.
fn truncate(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}
