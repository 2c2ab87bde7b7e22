//! The ingester: tracking-log files in, one typed polars frame out.
//!
//! Data flow: [`discover`] finds the files in rotation order → `plan` maps each file, checks
//! it is a tracking log, finds its `#Fields` lines and cuts it into chunks → `decode` turns
//! each chunk into column builders (in parallel) → [`read`] stacks the chunk frames in order
//! and returns them with a [`FileReport`] per file and every [`Diagnostic`].
//!
//! ```no_run
//! use msgtrack::ingest::{read_paths, ReadOptions};
//! use msgtrack::format::Field;
//!
//! let options = ReadOptions::default().with_columns([Field::Timestamp, Field::EventId]);
//! let ingest = read_paths(&["sample-logs".into()], &options)?;
//! println!("{} rows, {} bad lines", ingest.frame.height(), ingest.bad_lines());
//! # Ok::<(), msgtrack::ingest::ReadError>(())
//! ```

mod batches;
mod budget;
mod columns;
mod decode;
pub(crate) mod diagnostics;
pub(crate) mod discover;
pub mod exports;
mod file_report;
mod frame_filter;
mod guard;
mod later_than;
mod part;
mod part_bytes;
mod part_codes;
mod part_columns;
mod part_footer;
mod part_statistics;
pub(crate) mod plan;
mod prefetch;
pub(crate) mod prefilter;
pub(crate) mod read;
pub(crate) mod scan;
mod text;

pub use batches::{BATCH_BYTES, read_in_batches};
pub use budget::RowBudget;
pub use diagnostics::{Diagnostic, DiagnosticKind, Severity};
pub use discover::{LogFile, StorePart, discover, log_bytes};
pub use frame_filter::matching_rows;
pub use later_than::LaterThan;
pub(crate) use part::read_lines;
pub use part_statistics::GroupBound;
pub use plan::{HeaderInfo, ServerSource};
pub use prefilter::{DecodeOnly, FieldCondition, FieldTest, RowFilter};
pub use read::{
    FileReport, Ingest, Progress, ReadError, ReadOptions, ServerLogs, read_file, read_files,
    read_paths, servers,
};
pub use scan::{LogScan, ScanOutcome, scan};

/// Every row of the repository's sample day (`sample-logs/`), as the reader gives them: the
/// frame unit tests work on.
#[cfg(test)]
pub(crate) fn sample_day() -> polars::prelude::DataFrame {
    let logs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    read_paths(&[logs], &ReadOptions::default())
        .expect("the sample day reads")
        .frame
}
