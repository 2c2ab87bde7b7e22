//! `msgtrack query`: paste a Get-MessageTrackingLog line, get the cmdlet's answer.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use msgtrack::format::Field;
use msgtrack::query::output::{self, Format, write};
use msgtrack::query::rows::DEFAULT_TABLE;
use msgtrack::query::run::{Answer, RunError, empty_because_of_time, run, run_sql};
use msgtrack::query::session::Session;
use msgtrack::query::settings::Shown;

use super::exit;

const EXAMPLES: &str = r#"Examples:
  msgtrack query 'Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited' sample-logs
  msgtrack query 'Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX"}' sample-logs --now 2026-11-21T00:00Z
  msgtrack query 'Get-MessageTrackingLog -Recipients lee.gu@contoso.com | Select-Object Timestamp,EventId,Sender' sample-logs --tz UTC --format csv
  msgtrack query -f queries/imceaex-failures.ps1 sample-logs

Exit codes: 0 = rows found, 1 = no rows, 2 = the query or a file could not be read."#;

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct QueryArgs {
    /// The Get-MessageTrackingLog pipeline, as typed in the Exchange Management Shell.
    pub expression: Option<String>,
    /// Log files and folders; default: the current folder.
    pub paths: Vec<PathBuf>,
    /// Read the expression from a saved query file (lines starting with # are comments).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// table, list, csv, json or ndjson (default: table on a terminal, csv otherwise).
    #[arg(long)]
    pub format: Option<String>,
    /// Time zone for dates without an offset, printed times and the local times of an export
    /// (default: this machine's; IANA name such as
    /// Europe/Berlin, Windows name such as "W. Europe Standard Time", UTC, local).
    #[arg(long)]
    pub tz: Option<String>,
    /// The Exchange shell's culture: how -Start/-End strings are read, -f and .ToString()
    /// write numbers and dates, and Export-Csv -UseCulture separates (en-US, en-GB, de-DE,
    /// fr-FR, ja-JP, ko-KR, zh-CN, nl-NL, sv-SE, pl-PL, ru-RU).
    #[arg(long)]
    pub culture: Option<String>,
    /// Write CSV cells as they are: by default a text cell starting with = + - @ or a tab is
    /// written with a leading ' so a spreadsheet does not run it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
    #[command(flatten)]
    pub store: super::index::StoreArg,
    /// Print the pipeline as SQL over a store for another engine (duckdb, spark, trino) and
    /// exit; the store is the path given (DuckDB reads it directly; Spark and Trino read the
    /// table `msgtrack index --print-ddl` defines).
    #[arg(long, value_name = "ENGINE")]
    pub print_sql: Option<String>,
    /// What (Get-Date) means, for reproducible runs (e.g. 2026-11-21T00:00Z).
    #[arg(long)]
    pub now: Option<String>,
    /// Write the output to this file instead of standard output (needed for parquet).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Run polars SQL over the logs instead (table `logs`, columns named as the cmdlet's
    /// properties); every positional argument is then a path.
    #[arg(long, conflicts_with_all = ["file", "print_cmdlet"])]
    pub sql: Option<String>,
    /// Print the equivalent Exchange Management Shell line (dates made absolute) and stop.
    #[arg(long)]
    pub print_cmdlet: bool,
    /// Recipient directory snapshot (JSON): -Sender and -Recipients then match every address of the recipient.
    #[arg(long)]
    pub directory: Option<PathBuf>,
}

fn read_expression(args: &QueryArgs, paths: &mut Vec<PathBuf>) -> anyhow::Result<String> {
    if let Some(sql) = &args.sql {
        if let Some(first) = &args.expression {
            paths.insert(0, PathBuf::from(first));
        }
        return Ok(sql.clone());
    }
    let Some(file) = &args.file else {
        return args
            .expression
            .clone()
            .context("give a Get-MessageTrackingLog expression, or -f FILE");
    };
    // With -f, every positional argument is a path.
    if let Some(first) = &args.expression {
        paths.insert(0, PathBuf::from(first));
    }
    if !file.exists() && file.components().count() == 1 {
        // A saved query's name (`imceaex-failures` or `imceaex-failures.ps1`), found where
        // `msgtrack queries` finds them.
        let name = file.to_string_lossy();
        let (all, from) = msgtrack::query::saved::load_default(None)?;
        if let Some(q) = all.iter().find(|q| {
            q.name.eq_ignore_ascii_case(&name)
                || q.name.eq_ignore_ascii_case(&format!("{name}.ps1"))
        }) {
            say!("note: the saved query {} ({from})", q.name);
            return Ok(q.expression.clone());
        }
    }
    let saved = msgtrack::query::saved::SavedQuery::load(file)
        .with_context(|| format!("reading the saved query {}", file.display()))?;
    Ok(saved.expression)
}

/// The rows' columns a table shows, or every column.
fn output_columns(table: bool) -> &'static [Field] {
    if table { &DEFAULT_TABLE } else { &Field::ALL }
}

/// Whether the output will be a table, from the format asked for or the line's Format stage.
fn will_be_table(expression: &str, explicit: Option<Format>, out_given: bool) -> bool {
    if let Some(f) = explicit {
        return f == Format::Table;
    }
    if names_a_stage(expression, &["format-table", "ft"]) {
        return true;
    }
    if names_a_stage(
        expression,
        &[
            "format-list",
            "fl",
            "convertto-json",
            "export-csv",
            "epcsv",
            "convertto-csv",
        ],
    ) {
        return false;
    }
    std::io::stdout().is_terminal() && !out_given
}

/// Whether a word of the line (split at `|` and spaces) is one of `words` (lowercase).
fn names_a_stage(expression: &str, words: &[&str]) -> bool {
    expression
        .to_ascii_lowercase()
        .split(|c: char| c == '|' || c.is_whitespace())
        .any(|t| words.contains(&t))
}

/// The format the answer is printed in: the one asked for, else the line's Format stage's,
/// else a table on a terminal and CSV otherwise.
fn output_format(expression: &str, explicit: Option<Format>, out_given: bool) -> Format {
    let terminal = !out_given && std::io::stdout().is_terminal();
    explicit.unwrap_or_else(|| {
        if names_a_stage(expression, &["format-list", "fl"]) {
            Format::List
        } else if names_a_stage(expression, &["format-table", "ft"]) || terminal {
            Format::Table
        } else {
            Format::Csv
        }
    })
}

/// Runs `msgtrack query`.
pub fn run_query(args: &QueryArgs) -> anyhow::Result<u8> {
    let mut paths = args.paths.clone();
    let expression = read_expression(args, &mut paths)?;
    let paths = super::index::reading_paths(&paths, &args.store)?;
    // (Indexing, which `--store` may have done, keeps an arena per thread; answering two.)
    msgtrack::query::few_allocator_arenas();
    let zone = super::zone_arg(args.tz.as_deref(), args.culture.as_deref())?;
    let culture = super::culture_arg(args.culture.as_deref().unwrap_or("en-US"))?;
    let now = super::now_arg(args.now.as_deref(), zone)?;
    let explicit_format = match &args.format {
        Some(f) => Some(Format::parse(f).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let session = Session {
        now,
        zone,
        culture,
        csv_raw: args.csv_raw,
        shown: match output_format(&expression, explicit_format, args.out.is_some()) {
            Format::Table | Format::List => Shown::Text,
            Format::Csv => Shown::Csv,
            Format::Json | Format::Ndjson | Format::Parquet => Shown::Whole,
        },
    };
    if args.sql.is_some() {
        let answer = run_sql(&expression, &paths)?;
        return emit(&answer, args, explicit_format, &session, &expression);
    }
    if let Some(engine) = &args.print_sql {
        use msgtrack::query::sql::{Dialect, compile, literal};
        let dialect = Dialect::parse(engine).map_err(anyhow::Error::msg)?;
        let store = paths
            .iter()
            .find(|p| msgtrack::store::manifest::Manifest::is_store(p))
            .map_or_else(|| "STORE".to_string(), |p| p.display().to_string());
        let table = match dialect {
            Dialect::DuckDb => format!(
                "read_parquet({}, hive_partitioning = true)",
                literal(&format!("{store}/**/*.parquet"))
            ),
            _ => "msgtrack".to_string(),
        };
        return match compile(&expression, &session, dialect, &table) {
            Ok(sql) => {
                println!("{sql}");
                Ok(exit::OK)
            }
            Err(why) => {
                say!("error: this line cannot be written as SQL: {why}");
                Ok(exit::ERROR)
            }
        };
    }
    if args.print_cmdlet {
        return match msgtrack::query::cmdlet::print(&expression, &session) {
            Ok(line) => {
                println!("{line}");
                Ok(exit::OK)
            }
            Err(e) => {
                say!("{}", e.render(&expression));
                Ok(exit::ERROR)
            }
        };
    }
    let directory = match &args.directory {
        Some(path) => Some(msgtrack::directory::Snapshot::load(path)?),
        None => None,
    };
    if let Some(note) = msgtrack::pwsh::parse::parse(&expression)
        .ok()
        .as_ref()
        .and_then(msgtrack::query::cmdlet::servers_piped_note)
    {
        say!("note: {note}");
    }
    let table = will_be_table(&expression, explicit_format, args.out.is_some());
    if let Some(code) = run_windowed(
        args,
        &expression,
        &paths,
        session,
        directory.as_ref(),
        (explicit_format, table),
    )? {
        return Ok(code);
    }
    // A line ending in a Format cmdlet: the line before it, then the Format cmdlet. A sort's
    // first N over a store: a window at a time; any other line whole.
    let answer = match msgtrack::query::formatted::run_formatted(
        &expression,
        &paths,
        session,
        directory.as_ref(),
    )
    .and_then(|formatted| match formatted {
        Some(answer) => Ok(Some(answer)),
        None => msgtrack::query::top_rows::run_top(
            &expression,
            &paths,
            session,
            directory.as_ref(),
            output_columns(table),
        ),
    })
    .and_then(|top| match top {
        Some(answer) => Ok(answer),
        None => run(
            &expression,
            &paths,
            session,
            directory.as_ref(),
            output_columns(table),
        ),
    }) {
        Ok(a) => a,
        Err(e @ (RunError::Parse(_) | RunError::Eval(_))) => {
            say!("{}", e.render(&expression));
            return Ok(exit::ERROR);
        }
        Err(other) => return Err(other.into()),
    };
    for note in &answer.notes {
        say!("note: {note}");
    }
    for d in answer.diagnostics.iter().take(10) {
        say!("{d}");
    }
    say_cut(answer.cut);
    for path in &answer.written {
        say!("wrote {}", path.display());
    }
    if let Some(why) = empty_because_of_time(&answer, &expression, &paths, &session) {
        say!("note: {why}");
    }
    if let Some(hint) = held_whole_hint(&answer, &expression, &paths) {
        say!("note: {hint}");
    }
    if !answer.written.is_empty() && answer.is_empty() {
        return Ok(answer_exit_code(&answer));
    }
    emit(&answer, args, explicit_format, &session, &expression)
}

/// Results past which a line giving every event on its own, run over raw logs, is told about
/// the store: about 600 MiB held (1 GB of logs, 1.8 M events, held 3.9 GB).
/// `MSGTRACK_HINT_RESULTS` sets it (for tests).
const HELD_WHOLE_HINT_EVENTS: usize = 250_000;

/// A hint after a line that gives every event on its own (filters and selections only) ran
/// over raw logs and held many events: raw logs are read whole to give them in time order,
/// where a store is read a window at a time.
fn held_whole_hint(
    answer: &msgtrack::query::run::Answer,
    expression: &str,
    paths: &[PathBuf],
) -> Option<String> {
    let results = msgtrack::query::output::count(answer);
    let past =
        msgtrack::settings::number("MSGTRACK_HINT_RESULTS").unwrap_or(HELD_WHOLE_HINT_EVENTS);
    if results < past
        || paths
            .iter()
            .any(|p| msgtrack::store::manifest::Manifest::is_store(p))
    {
        return None;
    }
    let block = msgtrack::pwsh::parse::parse(expression).ok()?;
    msgtrack::query::windows::per_item(&block).then(|| {
        format!(
            "{results} results were held in memory to be given in time order (raw logs are read whole for that); `--store DIR` indexes these logs once into a store, which answers this line a window at a time within ~150 MiB"
        )
    })
}

/// Warns that the cmdlet cut its output at -ResultSize, as the shell does.
fn say_cut(cut: Option<msgtrack::query::session::Cut>) {
    let Some(cut) = cut else {
        return;
    };
    if cut.unread == 0 {
        say!(
            "WARNING: There are more results available ({} of {} shown). Use -ResultSize Unlimited (or a larger number) to see them all.",
            cut.shown,
            cut.total
        );
    } else {
        say!(
            "WARNING: There may be more results available ({} of at least {} shown; {} file(s) whose rows all come later were not read). Use -ResultSize Unlimited (or a larger number) to see them all.",
            cut.shown,
            cut.total,
            cut.unread
        );
    }
}

/// Runs a line that outputs every event over a store a time window at a time, writing each
/// window's rows before reading the next (bounded memory; the same bytes as a whole run):
/// the exit code, or `None` when the line, the format or the paths need a whole run.
fn run_windowed(
    args: &QueryArgs,
    expression: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&msgtrack::directory::Snapshot>,
    (explicit_format, table): (Option<Format>, bool),
) -> anyhow::Result<Option<u8>> {
    use msgtrack::query::output::{Pieces, in_pieces};
    use msgtrack::query::streamed::run_in_windows;
    let format = output_format(expression, explicit_format, args.out.is_some());
    if !in_pieces(format) {
        return Ok(None);
    }
    if format == Format::Parquet && args.out.is_none() {
        anyhow::bail!(PARQUET_NEEDS_A_FILE);
    }
    // A final Format cmdlet run as a selection is printed in its format, as asked for.
    let explicit =
        explicit_format.is_some() || msgtrack::query::reorder::ends_in_format_as_select(expression);
    let mut pieces: Option<Pieces<'_, Box<dyn std::io::Write>>> = None;
    let mut refused = false;
    let mut shown_diagnostics = 0;
    let mut windows = 0;
    let mut written: Vec<PathBuf> = Vec::new();
    let output = output_columns(table);
    // The first pass writes each window's rows (a table gathers its layout instead).
    let windowed = run_in_windows(expression, paths, session, directory, output, |answer| {
        windows += 1;
        for note in &answer.notes {
            say!("note: {note}");
        }
        for d in &answer.diagnostics {
            if shown_diagnostics < 10 {
                say!("{d}");
            }
            shown_diagnostics += 1;
        }
        refused |= answer.files.iter().any(|f| f.refused.is_some());
        // (A read cut at -ResultSize is one piece: a window's reads are never cut.)
        say_cut(answer.cut);
        for path in &answer.written {
            if !written.contains(path) {
                written.push(path.clone());
            }
        }
        // A line that writes a file (Export-Csv) prints nothing.
        if !written.is_empty() {
            return Ok(());
        }
        let pieces = match &mut pieces {
            Some(p) => p,
            None => pieces.insert(
                Pieces::new(
                    format,
                    &session,
                    &DEFAULT_TABLE,
                    explicit,
                    open_output(args, format)?,
                )
                .ok_or_else(|| std::io::Error::other("this format is written whole"))?,
            ),
        };
        if pieces.gathers() {
            pieces.gather(answer)
        } else {
            pieces.write(answer)
        }
    });
    let last = match windowed {
        Ok(Some(last)) => last,
        Ok(None) => return Ok(None),
        Err(e @ (RunError::Parse(_) | RunError::Eval(_))) => {
            say!("{}", e.render(expression));
            return Ok(Some(exit::ERROR));
        }
        Err(other) => return Err(other.into()),
    };
    // A table's second pass writes the windows in the layout of them all (one window: the
    // answer at hand).
    if let Some(p) = pieces.as_mut().filter(|p| p.gathers()) {
        if windows == 1 {
            p.write(&last)?;
        } else {
            let again = run_in_windows(expression, paths, session, directory, output, |answer| {
                p.write(answer)
            });
            if let Err(e) = again {
                return Err(e.into());
            }
        }
    }
    for note in &last.notes {
        say!("note: {note}");
    }
    // As a whole run says them: the files written, then why an answer is empty.
    for path in &written {
        say!("wrote {}", path.display());
    }
    let rows = pieces.as_ref().map_or(0, |p| p.rows());
    if rows == 0
        && let Some(why) = empty_because_of_time(&last, expression, paths, &session)
    {
        say!("note: {why}");
    }
    if !written.is_empty() {
        return Ok(Some(exit_code(refused, true)));
    }
    let Some(pieces) = pieces else {
        anyhow::bail!("no time window of the store was read");
    };
    pieces.finish(&last)?;
    if let Some(path) = &args.out {
        say!("wrote {rows} rows to {}", path.display());
    }
    Ok(Some(exit_code(refused, rows > 0)))
}

/// Why `--format parquet` is refused without `--out`.
const PARQUET_NEEDS_A_FILE: &str =
    "parquet is binary: give a file with --out FILE (e.g. --format parquet --out failures.parquet)";

/// Where the answer goes: the --out file or standard output, buffered; a list's text through
/// the terminal-safe writer.
fn open_output(args: &QueryArgs, format: Format) -> std::io::Result<Box<dyn std::io::Write>> {
    let out: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| {
                std::io::Error::new(e.kind(), format!("creating {}: {e}", path.display()))
            })?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    Ok(if matches!(format, Format::Table | Format::List) {
        Box::new(msgtrack::escape::terminal::SafeWriter::new(out))
    } else {
        out
    })
}

/// Prints (or writes to --out) the answer and gives the exit code.
fn emit(
    answer: &Answer,
    args: &QueryArgs,
    explicit_format: Option<Format>,
    session: &Session,
    expression: &str,
) -> anyhow::Result<u8> {
    let format = output_format(expression, explicit_format, args.out.is_some());
    if format == Format::Parquet && args.out.is_none() {
        anyhow::bail!(PARQUET_NEEDS_A_FILE)
    }
    let mut out = open_output(args, format)?;
    let explicit = explicit_format.is_some();
    write(answer, format, session, &DEFAULT_TABLE, explicit, &mut out)?;
    out.flush()?;
    if let Some(path) = &args.out {
        say!("wrote {} rows to {}", output::count(answer), path.display());
    }
    Ok(answer_exit_code(answer))
}

/// A whole answer's exit code.
fn answer_exit_code(answer: &Answer) -> u8 {
    let refused = answer.files.iter().any(|f| f.refused.is_some());
    let found = output::count(answer) > 0 || !answer.written.is_empty();
    exit_code(refused, found)
}

/// The exit code of a query that read a refused file or not, and found rows (or wrote a
/// file) or not.
fn exit_code(refused: bool, found: bool) -> u8 {
    if refused {
        exit::ERROR
    } else if found {
        exit::OK
    } else {
        exit::NO_MATCH
    }
}
