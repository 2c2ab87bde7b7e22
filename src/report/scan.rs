//! Reading log folders for the batch reports in bounded memory: files are read in batches
//! ([`read_in_batches`]), only the columns the reports use are decoded, and every row is
//! handed to a fold as a borrowed [`ReportRow`]. The frame of a batch is dropped before the
//! next batch is read, so memory depends on the batch size and the fold's own state, not on
//! the size of the folder.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;

use crate::format::{EventId, Field, FieldSet};
use crate::frame::access::{StringListView, text_column};
use crate::ingest::{
    Diagnostic, FileReport, Progress, ReadError, ReadOptions, RowFilter, discover, read_in_batches,
};

/// The columns the reports read.
pub const REPORT_COLUMNS: [Field; 16] = [
    Field::Timestamp,
    Field::Server,
    Field::EventId,
    Field::Source,
    Field::SourceContext,
    Field::ConnectorId,
    Field::MessageId,
    Field::Sender,
    Field::ReturnPath,
    Field::Recipients,
    Field::RecipientStatus,
    Field::RelatedRecipientAddress,
    Field::Reference,
    Field::TotalBytes,
    Field::Directionality,
    Field::MessageInfo,
];

/// One row, borrowed from the batch being read.
#[derive(Debug, Clone, Copy)]
pub struct ReportRow<'a> {
    /// The time (ms since the epoch, UTC).
    pub timestamp_ms: i64,
    /// The server that logged the row.
    pub server: &'a str,
    /// The event id.
    pub event: EventId,
    /// The source (SMTP, STOREDRIVER, …).
    pub source: &'a str,
    /// The source-context field.
    pub source_context: &'a str,
    /// The connector-id field.
    pub connector_id: &'a str,
    /// The Message-ID.
    pub message_id: &'a str,
    /// The envelope sender.
    pub sender: &'a str,
    /// The return path.
    pub return_path: &'a str,
    /// The recipients.
    pub recipients: &'a [&'a str],
    /// The recipient statuses, aligned with the recipients.
    pub statuses: &'a [&'a str],
    /// The related recipient address.
    pub related: &'a str,
    /// The reference field's members.
    pub reference: &'a [&'a str],
    /// The message size.
    pub total_bytes: Option<i64>,
    /// The directionality.
    pub directionality: &'a str,
    /// The message-info field (the original arrival time on DELIVER/SEND/SUBMIT).
    pub message_info: &'a str,
}

impl ReportRow<'_> {
    /// True when the event id is one of `ids`.
    pub fn is(&self, ids: &[EventId]) -> bool {
        ids.contains(&self.event)
    }

    /// The status logged for the `i`-th recipient (the first one when fewer were logged).
    pub fn status_of(&self, i: usize) -> &str {
        self.statuses
            .get(i)
            .or(self.statuses.first())
            .copied()
            .unwrap_or("")
    }
}

/// What the scan read: per-file reports and every diagnostic.
#[derive(Debug, Default)]
pub struct ScanSummary {
    /// What was read, file by file.
    pub files: Vec<FileReport>,
    /// Every diagnostic kept (bad lines, refusals, notes).
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics counted but not kept.
    pub suppressed_diagnostics: u64,
    /// The rows.
    pub rows: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// Reads `paths` batch by batch and calls `fold` for every row the filter keeps.
///
/// The batches are [`read_in_batches`]'s: at most three are alive at once.
pub fn scan_rows(
    paths: &[PathBuf],
    filter: &RowFilter,
    progress: Option<Arc<dyn Progress>>,
    mut fold: impl FnMut(&ReportRow<'_>),
) -> Result<ScanSummary, ReadError> {
    let files = discover(paths)?;
    let total: u64 = crate::ingest::log_bytes(&files);
    let mut options = ReadOptions::default().with_filter(filter.clone());
    options.columns = FieldSet::of(REPORT_COLUMNS);
    options.progress = progress;
    let mut summary = ScanSummary {
        bytes: total,
        ..ScanSummary::default()
    };
    read_in_batches(files, &options, |ingest| -> Result<(), ReadError> {
        summary.rows += ingest.frame.height() as u64;
        fold_frame(&ingest.frame, &mut fold)?;
        summary.files.extend(ingest.files);
        summary.diagnostics.extend(ingest.diagnostics);
        summary.suppressed_diagnostics += ingest.suppressed_diagnostics;
        drop(ingest.frame);
        crate::memory::give_back_free_memory();
        Ok(())
    })?;
    Ok(summary)
}

fn fold_frame(df: &DataFrame, fold: &mut impl FnMut(&ReportRow<'_>)) -> PolarsResult<()> {
    let time = crate::frame::access::timestamps_ms(df)?;
    let server = text_column(df, Field::Server)?;
    let event = text_column(df, Field::EventId)?;
    let source = text_column(df, Field::Source)?;
    let context = text_column(df, Field::SourceContext)?;
    let connector = text_column(df, Field::ConnectorId)?;
    let message_id = text_column(df, Field::MessageId)?;
    let sender = text_column(df, Field::Sender)?;
    let return_path = text_column(df, Field::ReturnPath)?;
    let related = text_column(df, Field::RelatedRecipientAddress)?;
    let direction = text_column(df, Field::Directionality)?;
    let info = text_column(df, Field::MessageInfo)?;
    let bytes = crate::frame::access::integers(df, Field::TotalBytes)?;
    let recipients = StringListView::new(df, Field::Recipients)?;
    let statuses = StringListView::new(df, Field::RecipientStatus)?;
    let references = StringListView::new(df, Field::Reference)?;
    let (mut rcpt, mut stat, mut refs) = (Vec::new(), Vec::new(), Vec::new());
    let mut iters = (
        server.iter(),
        event.iter(),
        source.iter(),
        context.iter(),
        connector.iter(),
        message_id.iter(),
        sender.iter(),
        return_path.iter(),
        related.iter(),
        direction.iter(),
        info.iter(),
    );
    for i in 0..df.height() {
        recipients.fill(i, &mut rcpt);
        statuses.fill(i, &mut stat);
        references.fill(i, &mut refs);
        let row = ReportRow {
            timestamp_ms: time[i],
            server: iters.0.next().flatten().unwrap_or(""),
            event: EventId::parse(iters.1.next().flatten().unwrap_or("")),
            source: iters.2.next().flatten().unwrap_or(""),
            source_context: iters.3.next().flatten().unwrap_or(""),
            connector_id: iters.4.next().flatten().unwrap_or(""),
            message_id: iters.5.next().flatten().unwrap_or(""),
            sender: iters.6.next().flatten().unwrap_or(""),
            return_path: iters.7.next().flatten().unwrap_or(""),
            related: iters.8.next().flatten().unwrap_or(""),
            directionality: iters.9.next().flatten().unwrap_or(""),
            message_info: iters.10.next().flatten().unwrap_or(""),
            recipients: &rcpt,
            statuses: &stat,
            reference: &refs,
            total_bytes: bytes[i],
        };
        fold(&row);
    }
    Ok(())
}
