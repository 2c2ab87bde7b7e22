//! `msgtrack query`: paste a Get-MessageTrackingLog line, get the cmdlet's answer.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use msgtrack::format::Field;
use msgtrack::format::Zone;
use msgtrack::query::ast::Stage;
use msgtrack::query::compile::{Context, compile};
use msgtrack::query::output::{Format, write};
use msgtrack::query::run::{Answer, DEFAULT_TABLE, Shown, needed_columns, run};

use super::{exit, paths_or_current};

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
    /// Time zone for dates without an offset and for printed times (IANA name, UTC, local).
    #[arg(long, default_value = "local")]
    pub tz: String,
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
    let saved = msgtrack::query::saved::SavedQuery::load(file)
        .with_context(|| format!("reading the saved query {}", file.display()))?;
    Ok(saved.expression)
}

pub fn run_query(args: &QueryArgs) -> anyhow::Result<u8> {
    let mut paths = args.paths.clone();
    let expression = read_expression(args, &mut paths)?;
    let paths = paths_or_current(&paths);
    let zone = Zone::parse(&args.tz).map_err(anyhow::Error::msg)?;
    let now = super::now_arg(args.now.as_deref(), zone)?;
    let explicit_format = match &args.format {
        Some(f) => Some(Format::parse(f).map_err(anyhow::Error::msg)?),
        None => None,
    };
    if args.sql.is_some() {
        let answer = msgtrack::query::run::run_sql(&expression, &paths)?;
        return emit(&answer, args, explicit_format, zone);
    }
    let query = match msgtrack::query::parse(&expression) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("{}", e.render(&expression));
            return Ok(exit::ERROR);
        }
    };
    let ctx = Context { now, zone };
    if args.print_cmdlet {
        println!(
            "{}",
            msgtrack::query::cmdlet::render(&query, &ctx).map_err(anyhow::Error::msg)?
        );
        return Ok(exit::OK);
    }
    let directory = match &args.directory {
        Some(path) => Some(msgtrack::directory::Snapshot::load(path)?),
        None => None,
    };
    let plan = match compile(&query, &ctx, directory.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}", e.render(&expression));
            return Ok(exit::ERROR);
        }
    };
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    // The output shows the cmdlet's table view when it is a table, every property otherwise.
    let has = |want: fn(&Stage) -> bool| plan.stages.iter().any(want);
    let table = match explicit_format {
        Some(f) => f == Format::Table,
        None => {
            has(|s| matches!(s, Stage::FormatTable(_)))
                || (std::io::stdout().is_terminal()
                    && args.out.is_none()
                    && !has(|s| {
                        matches!(
                            s,
                            Stage::FormatList(_) | Stage::ConvertToJson | Stage::ExportCsv { .. }
                        )
                    }))
        }
    };
    let default_output: &[Field] = if table { &DEFAULT_TABLE } else { &Field::ALL };
    let columns = needed_columns(&plan, default_output);
    let answer = match run(&plan, &paths, &ctx, columns) {
        Ok(a) => a,
        Err(msgtrack::query::run::RunError::Query(e)) => {
            eprintln!("{}", e.render(&expression));
            return Ok(exit::ERROR);
        }
        Err(other) => return Err(other.into()),
    };
    for d in answer.diagnostics.iter().take(10) {
        eprintln!("{d}");
    }
    if let Some(cut) = answer.cut {
        eprintln!(
            "WARNING: There are more results available ({} of {} shown). Use -ResultSize Unlimited (or a larger number) to see them all.",
            cut.shown, cut.total
        );
    }
    if let Some(path) = &answer.export_csv {
        let mut file = std::fs::File::create(path).with_context(|| format!("creating {path}"))?;
        write(&answer, Format::Csv, zone, &DEFAULT_TABLE, &mut file)?;
        eprintln!("wrote {} rows to {path}", answer.frame.height());
        return Ok(exit_code(&answer));
    }
    emit(&answer, args, explicit_format, zone)
}

/// Prints (or writes to --out) the answer and gives the exit code.
fn emit(
    answer: &Answer,
    args: &QueryArgs,
    explicit_format: Option<Format>,
    zone: Zone,
) -> anyhow::Result<u8> {
    let format = explicit_format.unwrap_or(match answer.shown {
        Some(Shown::Table) => Format::Table,
        Some(Shown::List) => Format::List,
        Some(Shown::Json) => Format::Json,
        None if args.out.is_none() && std::io::stdout().is_terminal() => Format::Table,
        None => Format::Csv,
    });
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut file = std::io::BufWriter::new(file);
            write(answer, format, zone, &DEFAULT_TABLE, &mut file)?;
            std::io::Write::flush(&mut file)?;
            eprintln!("wrote {} rows to {}", answer.frame.height(), path.display());
        }
        None if format == Format::Parquet => {
            anyhow::bail!(
                "parquet is binary: give a file with --out FILE (e.g. --format parquet --out failures.parquet)"
            )
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            write(answer, format, zone, &DEFAULT_TABLE, &mut out)?;
        }
    }
    Ok(exit_code(answer))
}

fn exit_code(answer: &Answer) -> u8 {
    let refused = answer.files.iter().any(|f| f.refused.is_some());
    let found = match answer.shape {
        msgtrack::query::run::Shape::Count(n) => n > 0,
        _ => answer.frame.height() > 0,
    };
    if refused {
        exit::ERROR
    } else if found {
        exit::OK
    } else {
        exit::NO_MATCH
    }
}
