//! A polars `LazyFrame` over tracking-log files.
//!
//! The scan is registered with polars as an anonymous scan that allows projection push-down:
//! when a lazy plan selects a few columns, polars' optimizer tells the scan which, and only
//! those are decoded. Row filters the reader can check on raw text (the cmdlet's own
//! parameters) are given up front in the [`ReadOptions`]; anything else stays in the plan.
//!
//! What the reader learnt (file reports, diagnostics) is kept on the [`LogScan`] after the plan
//! ran, so a surface can still name every bad line.

use std::any::Any;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::format::{Field, FieldSet};
use crate::frame::schema::schema_of;
use crate::ingest::{
    Diagnostic, FileReport, LogFile, ReadError, ReadOptions, discover, read_files,
};

/// What the last execution of the scan read.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// The columns that were decoded (after projection push-down).
    pub columns: Vec<Field>,
    /// What was read, file by file.
    pub files: Vec<FileReport>,
    /// Every diagnostic kept (bad lines, refusals, notes).
    pub diagnostics: Vec<Diagnostic>,
}

/// The scan source behind [`scan`].
pub struct LogScan {
    files: Vec<LogFile>,
    options: ReadOptions,
    last: Mutex<Option<ScanOutcome>>,
}

impl LogScan {
    /// What the last run of a plan over this scan read (`None` before any run).
    pub fn outcome(&self) -> Option<ScanOutcome> {
        self.last.lock().ok().and_then(|guard| guard.clone())
    }
}

impl AnonymousScan for LogScan {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn scan(&self, args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        let columns = match &args.with_columns {
            Some(names) => FieldSet::of(names.iter().filter_map(|n| Field::from_name(n))),
            None => FieldSet::all(),
        };
        let mut options = self.options.clone();
        options.columns = columns;
        let ingest = read_files(self.files.clone(), &options).map_err(|e| match e {
            ReadError::Frame(err) => err,
            other => polars_err!(ComputeError: "{other}"),
        })?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some(ScanOutcome {
                columns: columns.columns(),
                files: ingest.files,
                diagnostics: ingest.diagnostics,
            });
        }
        let mut frame = ingest.frame;
        if let Some(n) = args.n_rows {
            frame = frame.head(Some(n));
        }
        Ok(frame)
    }

    fn schema(&self, _infer_schema_length: Option<usize>) -> PolarsResult<SchemaRef> {
        Ok(schema_of(&Field::ALL))
    }

    fn allows_projection_pushdown(&self) -> bool {
        true
    }
}

/// A lazy frame over the logs under `paths` (files and folders), with every column of
/// [`Field::ALL`] in its schema. `options.columns` is ignored: the plan decides.
pub fn scan(
    paths: &[PathBuf],
    options: ReadOptions,
) -> Result<(LazyFrame, Arc<LogScan>), ReadError> {
    let files = discover(paths)?;
    let source = Arc::new(LogScan {
        files,
        options,
        last: Mutex::new(None),
    });
    let args = ScanArgsAnonymous {
        schema: Some(schema_of(&Field::ALL)),
        name: "msgtrack logs",
        ..ScanArgsAnonymous::default()
    };
    let lazy = LazyFrame::anonymous_scan(source.clone() as Arc<dyn AnonymousScan>, args)?;
    Ok((lazy, source))
}
