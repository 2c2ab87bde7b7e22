//! `--sql`: polars SQL over the logs or stores, in memory bounded by the statement rather
//! than by the data. The statement is first planned over a scan of no rows, which tells which
//! columns it reads and the condition polars pushes into the scan; those columns are read
//! batch by batch (the reader's bounded batches, in the order a whole read gives them), the
//! rows meeting the condition written to temporary Parquet files; polars' streaming engine
//! then runs the statement over those files. A count by EventId over 16 GB of logs holds a
//! batch and the engine's group table, not 23.7 M rows of the column.
//!
//! What polars' streaming engine does not run yet (it says so with a panic "not yet
//! implemented") runs on its in-memory engine over the same files, holding the columns read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;

use super::run::{Answer, RunError};
use super::sql_top::{TOP_ROWS_MAX, TopAsked, TopReading, rows_read, top_rows};
use crate::format::{Field, FieldSet};
use crate::frame::schema::{dtype, schema_of};
use crate::ingest::{Diagnostic, FileReport, LogFile, ReadOptions, discover, read_in_batches};

/// The names the logs' table goes by in a statement.
const TABLES: [&str; 2] = ["logs", "MessageTrackingLog"];

/// Runs polars SQL over the logs under `paths`, as the table `logs` (columns named as the
/// cmdlet's properties; `MessageTrackingLog` names it too).
pub fn run_sql(sql: &str, paths: &[PathBuf]) -> Result<Answer, RunError> {
    let Asked {
        columns,
        predicate,
        first_rows,
        first_meeting,
        top,
    } = asked_of(sql).map_err(text_function_hint)?;
    let files = discover(paths).map_err(crate::ingest::ReadError::from)?;
    super::few_allocator_arenas();
    let dir = super::spill_dir::spill_dir("sql", "the statement's rows")?;
    let schema = schema_of(&columns.columns());
    let mut spill = Spill::new(dir.path(), &schema);
    let (reports, diagnostics) = match &top {
        // A sort's first N: only those rows reach the spill.
        Some(top) => {
            let found = top_rows(
                files,
                top,
                &TopReading {
                    columns,
                    predicate: predicate.as_ref(),
                    first_rows,
                },
            )?;
            spill.write(&found.rows)?;
            (found.files, found.diagnostics)
        }
        None => spill_rows(
            files,
            &columns,
            predicate.as_ref(),
            first_rows,
            first_meeting,
            &mut spill,
        )?,
    };
    let frame = execute(sql, &spill.finish()?, columns).map_err(text_function_hint)?;
    Ok(Answer {
        items: Vec::new(),
        reads: Vec::new(),
        cut: None,
        files: reports,
        diagnostics,
        notes: Vec::new(),
        written: Vec::new(),
        wrote_text: false,
        measured: None,
        unopened: Vec::new(),
        sql: Some(frame),
        // No shell formats an SQL answer: every element is shown.
        enumeration_limit: None,
        spilled: None,
    })
}

/// Reads the rows of `files` the statement reads into `spill`: `columns`, the rows meeting
/// `predicate`, stopping once it has the table's `first_rows` or the `first_meeting` rows
/// meeting the condition.
fn spill_rows(
    files: Vec<LogFile>,
    columns: &FieldSet,
    predicate: Option<&Expr>,
    first_rows: Option<usize>,
    first_meeting: Option<usize>,
    spill: &mut Spill,
) -> Result<(Vec<FileReport>, Vec<Diagnostic>), RunError> {
    let options = ReadOptions::default().with_columns(columns.columns());
    let mut reports: Vec<FileReport> = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    // Rows the statement may still read, when it reads only the table's first rows, or only
    // the first rows meeting its condition.
    let mut left = first_rows;
    let mut meeting_left = first_meeting;
    let read = read_in_batches(files, &options, |mut ingest| -> Result<(), Halt> {
        ingest.frame = rows_read(std::mem::take(&mut ingest.frame), &mut left, predicate)
            .map_err(RunError::from)?;
        // In one chunk: a part's rows come in small blocks, and a row group each would fill
        // the writer with their descriptions and the engine with small reads (the spill cuts
        // row groups of SPILL_GROUP_ROWS).
        ingest.frame.rechunk_mut();
        spill.write(&ingest.frame)?;
        if let Some(left) = &mut meeting_left {
            *left = left.saturating_sub(ingest.frame.height());
        }
        reports.extend(ingest.files);
        diagnostics.extend(ingest.diagnostics);
        // Every row the statement reads is read: the read stops.
        match (left, meeting_left) {
            (Some(0), _) | (_, Some(0)) => Err(Halt::Enough),
            _ => Ok(()),
        }
    });
    match read {
        Ok(()) | Err(Halt::Enough) => Ok((reports, diagnostics)),
        Err(Halt::Failed(e)) => Err(e),
    }
}

/// polars' error when a text function is given one of the categorical columns (EventId,
/// Source, … hold few distinct values and are stored as categories), which it repeats once
/// per plan node, as one sentence naming the column and the cast that makes it text.
fn text_function_hint(e: RunError) -> RunError {
    let RunError::Frame(polars) = &e else {
        return e;
    };
    let text = polars.to_string();
    let column = text
        .contains("got `cat`")
        .then(|| text.split("for series with name `").nth(1))
        .flatten()
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty());
    match column {
        Some(name) => RunError::Eval(crate::pwsh::runtime::EvalError::new(
            format!(
                "{name} is a categorical column (stored as categories, not text): a text function needs it as text first, e.g. lower(CAST({name} AS VARCHAR))"
            ),
            0..0,
        )),
        None => e,
    }
}

/// Why a read for a statement stopped early.
enum Halt {
    /// It has every row the statement reads.
    Enough,
    /// It failed.
    Failed(RunError),
}

impl From<RunError> for Halt {
    fn from(e: RunError) -> Halt {
        Halt::Failed(e)
    }
}

impl From<crate::ingest::ReadError> for Halt {
    fn from(e: crate::ingest::ReadError) -> Halt {
        Halt::Failed(e.into())
    }
}

/// How big a spill file grows before the next is started: the streaming engine maps a file
/// while it reads it, so its pages count as the process's memory until the file is done.
const SPILL_FILE_BYTES: u64 = 8 << 20;

/// How many rows a row group of a spill file holds.
const SPILL_GROUP_ROWS: usize = 16 * 1024;

/// The rows read for a statement, written to Parquet files in a temporary folder, a new file
/// every [`SPILL_FILE_BYTES`].
struct Spill<'d> {
    dir: &'d Path,
    schema: Schema,
    files: Vec<PathBuf>,
    writer: Option<BatchedWriter<CountingFile>>,
    /// Bytes written to the current file.
    written: Arc<AtomicU64>,
}

impl<'d> Spill<'d> {
    fn new(dir: &'d Path, schema: &Schema) -> Spill<'d> {
        Spill {
            dir,
            schema: schema.clone(),
            files: Vec::new(),
            writer: None,
            written: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Adds `frame`'s rows (of the spill's schema).
    fn write(&mut self, frame: &DataFrame) -> Result<(), RunError> {
        if frame.height() == 0 {
            return Ok(());
        }
        if self.writer.is_none() {
            self.writer = Some(self.open()?);
        }
        if let Some(writer) = &mut self.writer {
            // Row groups of SPILL_GROUP_ROWS: the streaming engine decodes a row group at a
            // time, a few at once.
            let mut offset = 0;
            while offset < frame.height() {
                writer.write_batch(&frame.slice(offset as i64, SPILL_GROUP_ROWS))?;
                offset += SPILL_GROUP_ROWS;
            }
        }
        if self.written.load(Ordering::Relaxed) >= SPILL_FILE_BYTES {
            self.close()?;
        }
        Ok(())
    }

    fn open(&mut self) -> Result<BatchedWriter<CountingFile>, RunError> {
        let path = self.dir.join(format!("{:06}.parquet", self.files.len()));
        self.written.store(0, Ordering::Relaxed);
        let out = std::fs::File::create(&path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "writing the statement's rows to {} (the temporary folder; TMPDIR sets it): {e}",
                    path.display()
                ),
            )
        })?;
        let file = CountingFile {
            out,
            written: self.written.clone(),
        };
        self.files.push(path);
        Ok(ParquetWriter::new(file)
            .with_compression(ParquetCompression::Uncompressed)
            .batched(&self.schema)?)
    }

    /// Writes the current file's footer.
    fn close(&mut self) -> Result<(), RunError> {
        if let Some(writer) = self.writer.take() {
            writer.finish()?;
        }
        Ok(())
    }

    /// The files written (one of no rows when nothing was).
    fn finish(mut self) -> Result<Vec<PathBuf>, RunError> {
        if self.files.is_empty() {
            self.writer = Some(self.open()?);
        }
        self.close()?;
        Ok(self.files)
    }
}

/// A file, written as given (the Parquet writer hands it whole pages), counting its bytes.
struct CountingFile {
    out: std::fs::File,
    written: Arc<AtomicU64>,
}

impl std::io::Write for CountingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Runs `sql` over the rows in the Parquet files `rows`: on polars' streaming engine, or
/// its in-memory one for what the streaming engine does not run.
fn execute(sql: &str, rows: &[PathBuf], read: FieldSet) -> Result<DataFrame, RunError> {
    let paths: Vec<PlRefPath> = rows
        .iter()
        .map(|p| PlRefPath::from(p.to_string_lossy().as_ref()))
        .collect();
    // The table has every column: a statement names columns its plan then drops (a
    // subquery's column the outer query does not use), which the spill does not hold. They
    // are empty here, and no plan reads them (the probe saw what it reads).
    let unread: Vec<Expr> = Field::ALL
        .iter()
        .filter(|f| !read.contains(**f))
        .map(|f| lit(NULL).cast(dtype(*f)).alias(f.name()))
        .collect();
    let order: Vec<Expr> = Field::ALL.iter().map(|f| col(f.name())).collect();
    let lazy = LazyFrame::scan_parquet_files(paths.into(), ScanArgsParquet::default())?
        .with_columns(unread)
        .select(order);
    let mut context = polars::sql::SQLContext::new();
    for table in TABLES {
        context.register(table, lazy.clone());
    }
    let plan = context.execute(sql)?;
    quiet_unimplemented();
    let streamed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        plan.clone().collect_with_engine(Engine::Streaming)
    }));
    let result = match streamed {
        Ok(result) => result?,
        Err(panic) if unimplemented(&*panic) => plan.collect_with_engine(Engine::InMemory)?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    Ok(result.unwrap_single())
}

/// True for polars' "not yet implemented" panic (`todo!`).
fn unimplemented(panic: &(dyn std::any::Any + Send)) -> bool {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned());
    text.is_some_and(|t| t.starts_with("not yet implemented"))
}

/// Keeps polars' "not yet implemented" panics (caught, and run in memory instead) off the
/// terminal; every other panic is reported as before.
fn quiet_unimplemented() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !unimplemented(info.payload()) {
                before(info);
            }
        }));
    });
}

/// What a statement asks of the logs' table: the columns it reads and, when it reads the
/// table once, the condition its rows must meet there (polars pushes a row-by-row condition
/// into the scan; the rows spilled are those that meet it) and how many of its first rows
/// it reads at most (`SELECT * FROM logs LIMIT 5`: the read stops there), or how many of
/// the rows meeting the condition (`SELECT * FROM logs WHERE EventId = 'FAIL' LIMIT 5`).
struct Asked {
    columns: FieldSet,
    predicate: Option<Expr>,
    first_rows: Option<usize>,
    first_meeting: Option<usize>,
    top: Option<TopAsked>,
}

/// The sort cut to its first N that a statement's optimized plan applies to the table's rows
/// first (only row-by-row maps between the scan and it: columns selected, renamed or
/// computed), with keys that are row by row and repeatable, as keys over the table's
/// columns: whatever the plan does after it sees only those N rows, and the maps give a row
/// for each row.
fn top_asked(ir: &polars_plan::plans::IRPlan) -> Option<TopAsked> {
    use polars_plan::plans::{IR, node_to_expr};
    let arena = &ir.expr_arena;
    let mut node = ir.lp_top;
    let (mut input, by_column, keep, sort_options) = loop {
        match ir.lp_arena.get(node) {
            IR::Sort {
                input,
                by_column,
                slice: Some((offset, len, _)),
                sort_options,
            } => {
                let keep = usize::try_from(*offset).ok()?.checked_add(*len)?;
                break (*input, by_column, keep, sort_options);
            }
            other => match other.get_inputs().as_slice() {
                [input] => node = *input,
                _ => return None,
            },
        }
    };
    if keep > TOP_ROWS_MAX || !by_column.iter().all(|e| row_by_row(arena, e.node())) {
        return None;
    }
    let mut by: Vec<Expr> = by_column
        .iter()
        .map(|e| node_to_expr(e.node(), arena))
        .collect();
    // Down to the scan, each map's names put back as what it computed them from.
    loop {
        let named = match ir.lp_arena.get(input) {
            IR::SimpleProjection { input: below, .. } => {
                input = *below;
                continue;
            }
            IR::Scan { .. } => break,
            IR::Select {
                input: below, expr, ..
            }
            | IR::HStack {
                input: below,
                exprs: expr,
                ..
            } if expr.iter().all(|e| row_by_row(arena, e.node())) => {
                input = *below;
                expr
            }
            _ => return None,
        };
        let names: PlHashMap<PlSmallStr, Expr> = named
            .iter()
            .map(|e| (e.output_name().clone(), node_to_expr(e.node(), arena)))
            .collect();
        by = by
            .into_iter()
            .map(|key| {
                key.map_expr(|e| match e {
                    Expr::Column(name) => names.get(&name).cloned().unwrap_or(Expr::Column(name)),
                    e => e,
                })
            })
            .collect();
    }
    Some(TopAsked {
        by,
        options: sort_options.clone(),
        keep,
    })
}

/// The N of a statement that gives the first N rows of the table meeting the condition
/// pushed into its scan (and nothing else changes which rows come out): its optimized plan is
/// a slice of the scan from its first row, with only row-by-row maps between (each row in
/// gives one row out: plain columns, `upper(Sender)`, `TotalBytes / 1024`; not a filter,
/// an aggregate, a window or a random value).
fn first_meeting(ir: &polars_plan::plans::IRPlan) -> Option<usize> {
    use polars_plan::plans::IR;
    let arena = &ir.expr_arena;
    let mut node = ir.lp_top;
    let mut limit = None;
    loop {
        match ir.lp_arena.get(node) {
            IR::Slice {
                input,
                offset: 0,
                len,
            } if limit.is_none() => {
                limit = usize::try_from(*len).ok();
                node = *input;
            }
            IR::SimpleProjection { input, .. } => node = *input,
            // (A selection of values alone, `SELECT 1`, is one row: one column at least.)
            IR::Select { input, expr, .. }
                if expr.iter().all(|e| row_by_row(arena, e.node()))
                    && expr.iter().any(|e| reads_a_column(arena, e.node())) =>
            {
                node = *input;
            }
            IR::HStack { input, exprs, .. }
                if exprs.iter().all(|e| row_by_row(arena, e.node())) =>
            {
                node = *input;
            }
            IR::Scan {
                predicate: Some(_), ..
            } => return limit,
            _ => return None,
        }
    }
}

/// True when expression `node` gives each row a value from that row alone, the same in
/// every run (polars' elementwise and not random).
fn row_by_row(
    arena: &polars_plan::prelude::Arena<polars_plan::plans::AExpr>,
    node: polars_plan::prelude::Node,
) -> bool {
    polars_plan::plans::is_elementwise_rec(node, arena)
        && !polars_plan::plans::is_inherently_nondeterministic(node, arena)
}

/// True when expression `node` reads a column.
fn reads_a_column(
    arena: &polars_plan::prelude::Arena<polars_plan::plans::AExpr>,
    node: polars_plan::prelude::Node,
) -> bool {
    polars_plan::utils::aexpr_to_leaf_names_iter(node, arena)
        .next()
        .is_some()
}

/// What `sql` asks of the logs' table: its plan run over a scan of no rows, to which polars
/// gives the columns and the condition the plan pushes down.
fn asked_of(sql: &str) -> Result<Asked, RunError> {
    let probe = Arc::new(Probe::default());
    let args = ScanArgsAnonymous {
        schema: Some(schema_of(&Field::ALL)),
        name: "msgtrack logs",
        ..ScanArgsAnonymous::default()
    };
    let lazy = LazyFrame::anonymous_scan(probe.clone() as Arc<dyn AnonymousScan>, args)?;
    let mut context = polars::sql::SQLContext::new();
    for table in TABLES {
        context.register(table, lazy.clone());
    }
    let plan = context.execute(sql)?;
    let optimized = plan.clone().to_alp_optimized().ok();
    let limit = optimized.as_ref().and_then(first_meeting);
    let top = optimized.as_ref().and_then(top_asked);
    plan.collect()?;
    let scans = probe
        .scans
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default();
    // Not scanned at all (`SELECT 1`): one column, for the row count.
    let mut columns: Vec<Field> = scans.iter().flat_map(|s| s.columns.columns()).collect();
    if columns.is_empty() {
        columns.push(Field::Timestamp);
    }
    let (predicate, first_rows, first_meeting, top) = match scans.as_slice() {
        [one] => {
            // (A condition made for this run alone would keep more rows than the plan's:
            // then the read cannot stop at the limit's count of them.)
            let whole = one
                .predicate
                .as_ref()
                .is_some_and(|p| lasting(p).as_ref() == Some(p));
            (
                one.predicate.as_ref().and_then(lasting),
                one.first_rows,
                limit.filter(|_| whole),
                // (What the condition loses here is the sort's own running bound, which
                // drops only rows the sort would not keep.)
                top,
            )
        }
        _ => (None, None, None, None),
    };
    Ok(Asked {
        columns: FieldSet::of(columns),
        predicate,
        first_rows,
        first_meeting,
        top,
    })
}

/// The part of a pushed-down condition that holds for any run of the plan: its terms
/// joined by AND, less those polars made for this run alone (a `ORDER BY … LIMIT`'s
/// running bound, shown as a display expression, which cannot be planned again).
fn lasting(predicate: &Expr) -> Option<Expr> {
    match predicate {
        Expr::BinaryExpr {
            left,
            op: Operator::And | Operator::LogicalAnd,
            right,
        } => match (lasting(left), lasting(right)) {
            (Some(l), Some(r)) => Some(l.and(r)),
            (one, other) => one.or(other),
        },
        e if e.into_iter().any(|n| matches!(n, Expr::Display { .. })) => None,
        e => Some(e.clone()),
    }
}

/// A scan of no rows that remembers what each scan of it asked.
#[derive(Default)]
struct Probe {
    scans: Mutex<Vec<Scan>>,
}

/// What one scan of the table asked: the columns, the condition pushed down, and how many
/// of the table's first rows it reads (a `LIMIT` polars pushes into the scan, taken before
/// the condition).
struct Scan {
    columns: FieldSet,
    predicate: Option<Expr>,
    first_rows: Option<usize>,
}

impl AnonymousScan for Probe {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn scan(&self, args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        let fields: Vec<Field> = match &args.with_columns {
            Some(names) => names.iter().filter_map(|n| Field::from_name(n)).collect(),
            None => Field::ALL.to_vec(),
        };
        if let Ok(mut scans) = self.scans.lock() {
            scans.push(Scan {
                columns: FieldSet::of(fields.iter().copied()),
                predicate: args.predicate.clone(),
                first_rows: args.n_rows,
            });
        }
        Ok(DataFrame::empty_with_schema(&schema_of(&fields)))
    }

    fn schema(&self, _infer_schema_length: Option<usize>) -> PolarsResult<SchemaRef> {
        Ok(schema_of(&Field::ALL))
    }

    fn allows_projection_pushdown(&self) -> bool {
        true
    }

    fn allows_predicate_pushdown(&self) -> bool {
        true
    }
}
