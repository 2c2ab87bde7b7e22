//! `msgtrack report imcea` and `msgtrack report summary`: batch reports for cron or a
//! scheduled task.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use msgtrack::directory::{Directory, Snapshot};
use msgtrack::format::Zone;
use msgtrack::report::anonymize::Anonymizer;
use msgtrack::report::imcea::{self, ImceaCollector, imcea_filter};
use msgtrack::report::scan::{ScanSummary, scan_rows};
use msgtrack::report::summary::queries::QueryBook;
use msgtrack::report::summary::{CountRule, MemoryLimit, SummaryOptions, summarize};
use msgtrack::report::{anonymize_report, render, window};

use super::{exit, progress};

const REPORT_AFTER_HELP: &str = "\
Examples:
  msgtrack report summary sample-logs --exclude-noise
  msgtrack report summary /copies --since '(Get-Date).AddDays(-1)' --format html --out day.html
  msgtrack report imcea sample-logs --directory sample-logs/directory.json
  msgtrack report imcea /copies --directory dir.json --format json --fail-on-findings

--anonymize hashes every address with a random key; set MSGTRACK_ANONYMIZE_KEY to get the
same tokens in several reports.";

/// `msgtrack report`.
#[derive(Debug, Args)]
#[command(after_help = REPORT_AFTER_HELP)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub kind: ReportKind,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// Failures with IMCEA-encapsulated addresses (IMCEAEX-…): decoded, grouped, with the
    /// mailbox that needs the X500 proxy and the line that adds it.
    Imcea(ImceaArgs),
    /// The day at a glance: totals, volume, connectors, top talkers, failures, deferrals,
    /// groups, latency, coverage.
    Summary(SummaryArgs),
}

/// Options both reports share.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Log files or folders (searched recursively; default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Only rows at or after this time (as -Start: 2026-11-20, '(Get-Date).AddDays(-1)', …).
    #[arg(long)]
    pub since: Option<String>,
    /// Only rows before this time (as -End).
    #[arg(long)]
    pub until: Option<String>,
    /// Time zone dates are read and printed in (IANA name, Windows zone ID, UTC, local).
    #[arg(long)]
    pub tz: Option<String>,
    /// What `(Get-Date)` means (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// Hash every address (same person, same token) for sharing with a vendor.
    #[arg(long)]
    pub anonymize: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write CSV cells as they are: by default a text cell starting with = + - @ or a tab gets
    /// a leading ' so a spreadsheet does not run it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
    #[command(flatten)]
    pub store: super::index::StoreArg,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Md,
    Csv,
    Json,
    Html,
}

/// `msgtrack report imcea`.
#[derive(Debug, Args)]
pub struct ImceaArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Recipient snapshot (see the README) to find the mailbox that owns each DN.
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// text, md, csv, json or html.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Exit with 3 when anything is found (for monitoring).
    #[arg(long)]
    pub fail_on_findings: bool,
}

/// Counting rule of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CountArg {
    PerMessage,
    PerRecipient,
}

/// `msgtrack report summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Count distinct messages or distinct (message, recipient) pairs.
    #[arg(long, value_enum, default_value_t = CountArg::PerMessage)]
    pub count: CountArg,
    /// text, md, json or html.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Leave out health and system mailboxes, journal and null-sender traffic.
    #[arg(long)]
    pub exclude_noise: bool,
    /// Print, for each table, the msgtrack query that reproduces it.
    #[arg(long)]
    pub show_queries: bool,
    /// Rows in the top-N tables.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Show the change of the headline figures against the period before (--since is then
    /// required; the previous period is as long as this one).
    #[arg(long, value_enum)]
    pub compare: Option<CompareArg>,
    /// Exit with 3 when a threshold is crossed (repeatable): failed=5% (share of the messages
    /// received), failed=10 (messages), p90=30s (end-to-end latency), status=5.7.1 (a failure
    /// with this code, or a basic code such as 550).
    #[arg(long, value_name = "KEY=VALUE")]
    pub fail_on: Vec<String>,
    /// Memory the per-message state may take (512M, 2G): past it, messages are set aside
    /// by Message-ID in temporary files and added up a share at a time (the logs are still
    /// read once); the report is the same.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_limit, default_value = "32M")]
    pub memory_limit: MemoryLimit,
}

fn parse_memory_limit(text: &str) -> Result<MemoryLimit, String> {
    MemoryLimit::parse(text)
}

/// The previous period of `--compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareArg {
    PreviousDay,
    PreviousWeek,
}

/// Exit code when `--fail-on-findings` finds something.
pub const FINDINGS: u8 = 3;

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    match &args.kind {
        ReportKind::Imcea(a) => run_imcea(a),
        ReportKind::Summary(a) => run_summary(a),
    }
}

struct Setup {
    paths: Vec<PathBuf>,
    zone: Zone,
    filter: msgtrack::ingest::RowFilter,
    anonymizer: Option<Anonymizer>,
}

fn setup(c: &CommonArgs) -> anyhow::Result<Setup> {
    let zone = super::zone_arg(c.tz.as_deref(), None)?;
    let now = super::now_arg(c.now.as_deref(), zone)?;
    let filter =
        window(c.since.as_deref(), c.until.as_deref(), zone, now).map_err(anyhow::Error::msg)?;
    let key = std::env::var("MSGTRACK_ANONYMIZE_KEY").ok();
    Ok(Setup {
        paths: super::index::reading_paths(&c.paths, &c.store)?,
        zone,
        filter,
        anonymizer: c.anonymize.then(|| Anonymizer::new(key.as_deref())),
    })
}

fn report_diagnostics(scan: &ScanSummary) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for d in scan.diagnostics.iter().take(10) {
        writeln!(err, "{d}")?;
    }
    let hidden = scan.diagnostics.len().saturating_sub(10) as u64 + scan.suppressed_diagnostics;
    if hidden > 0 {
        writeln!(
            err,
            "msgtrack: {hidden} more diagnostics not shown (msgtrack ingest PATH --verbose lists them)"
        )?;
    }
    Ok(())
}

fn scan_exit(scan: &ScanSummary) -> u8 {
    if scan.files.iter().any(|f| f.refused.is_some()) {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// Text and Markdown show log fields on a terminal: their control characters, escape
/// sequences and bidi overrides are made visible (HTML, CSV and JSON escape for themselves).
fn safe_text(format: ReportFormat, text: String) -> String {
    match format {
        ReportFormat::Text | ReportFormat::Md => {
            msgtrack::escape::terminal::layout(&text).into_owned()
        }
        _ => text,
    }
}

fn write_out(c: &CommonArgs, text: &str) -> anyhow::Result<()> {
    match &c.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

fn run_imcea(args: &ImceaArgs) -> anyhow::Result<u8> {
    let s = setup(&args.common)?;
    let directory = match &args.directory {
        Some(p) => {
            Some(Directory::new(Snapshot::load(p).with_context(|| {
                format!("reading the snapshot {}", p.display())
            })?))
        }
        None => None,
    };
    let mut collector = ImceaCollector::default();
    let scan = scan_rows(
        &s.paths,
        &imcea_filter(&s.filter),
        progress::reader_progress(),
        |row| collector.add(row),
    )?;
    report_diagnostics(&scan)?;
    let mut findings = collector.finish(directory.as_ref());
    if let Some(a) = &s.anonymizer {
        findings.iter_mut().for_each(|f| f.anonymize(a));
    }
    let text = match args.format {
        ReportFormat::Text => imcea::text(&findings, directory.is_some(), &s.zone),
        ReportFormat::Md => render::markdown(&imcea::report(&findings)),
        ReportFormat::Html => {
            let mut report = imcea::report(&findings);
            // Trails show every address: not in an anonymized report.
            if s.anonymizer.is_none() {
                let (details, addresses) = message_details(&report, &s.paths, s.zone)?;
                report.details = details;
                report.address_details = addresses;
            }
            render::html(&report)
        }
        ReportFormat::Csv => imcea::csv(&findings, args.common.csv_raw)?,
        ReportFormat::Json => serde_json::to_string_pretty(&findings)? + "\n",
    };
    write_out(&args.common, &safe_text(args.format, text))?;
    let code = scan_exit(&scan);
    Ok(
        if code == exit::OK && args.fail_on_findings && !findings.is_empty() {
            FINDINGS
        } else {
            code
        },
    )
}

fn run_summary(args: &SummaryArgs) -> anyhow::Result<u8> {
    let s = setup(&args.common)?;
    // Two allocator arenas once any indexing is done, as a query keeps (4 GB store at
    // --memory-limit 32M: 171 → 148 MiB).
    msgtrack::query::few_allocator_arenas();
    if args.format == ReportFormat::Csv {
        anyhow::bail!(
            "report summary writes text, md, json or html (csv is for report imcea; use --format json for scripts)"
        );
    }
    let count = match args.count {
        CountArg::PerMessage => CountRule::PerMessage,
        CountArg::PerRecipient => CountRule::PerRecipient,
    };
    let thresholds = args
        .fail_on
        .iter()
        .map(|t| msgtrack::report::summary::figures::Threshold::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let options = SummaryOptions {
        count,
        zone: s.zone,
        exclude_noise: args.exclude_noise,
        top: args.top,
    };
    let summarized = summarize(
        &s.paths,
        &s.filter,
        &options,
        args.memory_limit,
        progress::labelled_progress,
    )?;
    let scan = summarized.scan;
    report_diagnostics(&scan)?;
    if scan.rows == 0 {
        anyhow::bail!(
            "no rows to report on{}: the logs given hold no events{}",
            if s.filter.has_time_range() {
                " in the window --since/--until"
            } else {
                ""
            },
            if s.filter.has_time_range() {
                " between those times (msgtrack ingest PATH shows the range they cover)"
            } else {
                ""
            }
        );
    }
    // The previous period, for the headline's changes.
    let previous = match args.compare {
        None => None,
        Some(period) => {
            let Some(start) = s.filter.start_ms else {
                anyhow::bail!(
                    "--compare needs --since (and optionally --until): the previous period is the same length before it"
                );
            };
            let length = match period {
                CompareArg::PreviousDay => 86_400_000,
                CompareArg::PreviousWeek => 7 * 86_400_000,
            };
            let window = msgtrack::ingest::RowFilter {
                start_ms: Some(start - length),
                end_ms: Some(s.filter.end_ms.map_or(start, |e| e - length).min(start)),
                ..s.filter.clone()
            };
            let before = summarize(&s.paths, &window, &options, args.memory_limit, |_| None)?;
            (before.scan.rows > 0).then(|| before.tally.figures())
        }
    };
    let book = QueryBook::new(
        args.show_queries,
        &s.paths,
        s.filter.start_ms,
        s.filter.end_ms,
        args.exclude_noise,
    )
    .hours_in(&s.zone.label());
    let held = summarized.tally.messages();
    let (mut report, figures) = summarized.tally.finish_with(&book, previous.as_ref());
    if summarized.parts > 1 {
        report.notes.push(format!(
            "The messages were added up in {} parts of about {} each (split by Message-ID, set aside in temporary files), to keep their state within --memory-limit {} MiB; the logs were read once.",
            summarized.parts,
            held / summarized.parts.max(1),
            args.memory_limit.0 >> 20,
        ));
    }
    if args.compare.is_some() && previous.is_none() {
        report.notes.push(
            "--compare: the logs hold no rows for the previous period, so no change is shown."
                .into(),
        );
    }
    // Trails show every address: not in an anonymized report.
    if args.format == ReportFormat::Html && s.anonymizer.is_none() {
        let (details, addresses) = message_details(&report, &s.paths, s.zone)?;
        report.details = details;
        report.address_details = addresses;
    }
    report.notes.insert(
        0,
        format!(
            "{} rows from {} files ({:.1} MB){}.",
            scan.rows,
            scan.files
                .iter()
                .map(|f| &f.path)
                .collect::<std::collections::HashSet<_>>()
                .len(),
            scan.bytes as f64 / 1e6,
            match (&args.common.since, &args.common.until) {
                (None, None) => String::new(),
                (a, b) => format!(
                    ", window {} → {}",
                    a.as_deref().unwrap_or("start"),
                    b.as_deref().unwrap_or("end")
                ),
            }
        ),
    );
    if let Some(a) = &s.anonymizer {
        anonymize_report(&mut report, a);
    }
    let text = match args.format {
        ReportFormat::Text => render::text(&report),
        ReportFormat::Md => render::markdown(&report),
        ReportFormat::Html => render::html(&report),
        ReportFormat::Json | ReportFormat::Csv => {
            serde_json::to_string_pretty(&render::json(&report))? + "\n"
        }
    };
    write_out(&args.common, &safe_text(args.format, text))?;
    let code = scan_exit(&scan);
    let crossed: Vec<String> = thresholds
        .iter()
        .zip(&args.fail_on)
        .filter_map(|(t, text)| {
            t.crossed(&figures)
                .map(|why| format!("--fail-on {text}: {why}"))
        })
        .collect();
    for c in &crossed {
        say!("msgtrack: {c}");
    }
    Ok(if code == exit::OK && !crossed.is_empty() {
        FINDINGS
    } else {
        code
    })
}

/// The most Message-IDs an HTML report gives a detail section.
const DETAILS: usize = 60;

/// The trail of every message a table names in a Message-ID column (up to [`DETAILS`]), for
/// the HTML report's detail sections; and for each address a table names, the ones of those
/// messages it is in.
fn message_details(
    report: &msgtrack::report::table::Report,
    paths: &[PathBuf],
    zone: Zone,
) -> anyhow::Result<(
    Vec<msgtrack::report::table::Detail>,
    Vec<msgtrack::report::table::AddressDetail>,
)> {
    // Message-IDs: the cells of a Message-ID column, and any cell that is one `<…@…>`.
    let mut ids: Vec<String> = Vec::new();
    for t in report.sections.iter().flat_map(|s| &s.tables) {
        let cols: Vec<usize> = t
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains("Message-ID"))
            .map(|(i, _)| i)
            .collect();
        for row in &t.rows {
            for (i, cell) in row.iter().enumerate() {
                if let msgtrack::report::table::Cell::Text(id) = cell {
                    let looks = id.starts_with('<')
                        && id.ends_with('>')
                        && id.contains('@')
                        && !id.contains(char::is_whitespace);
                    if (cols.contains(&i) || looks)
                        && !id.is_empty()
                        && !ids.contains(id)
                        && ids.len() < DETAILS
                    {
                        ids.push(id.clone());
                    }
                }
            }
        }
    }
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let loaded = msgtrack::replay::load_many(paths, &ids)?;
    // The addresses the tables show (a cell that is one address).
    let shown: std::collections::BTreeSet<String> = report
        .sections
        .iter()
        .flat_map(|s| &s.tables)
        .flat_map(|t| &t.rows)
        .flatten()
        .filter_map(|c| match c {
            msgtrack::report::table::Cell::Text(t)
                if t.contains('@') && !t.contains(char::is_whitespace) && !t.starts_with('<') =>
            {
                Some(t.to_lowercase())
            }
            _ => None,
        })
        .collect();
    let mut by_address: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for rows in &loaded {
        for e in &rows.events {
            for a in std::iter::once(&e.sender).chain(&e.recipients) {
                let a = a.to_lowercase();
                if shown.contains(&a) {
                    let ids = by_address.entry(a).or_default();
                    if !ids.contains(&rows.message_id) {
                        ids.push(rows.message_id.clone());
                    }
                }
            }
        }
    }
    let details = loaded
        .iter()
        .map(|rows| msgtrack::report::table::Detail {
            message_id: rows.message_id.clone(),
            text: msgtrack::replay::render::journey_text(&msgtrack::replay::trail(rows), zone),
        })
        .collect();
    let addresses = by_address
        .into_iter()
        .map(
            |(address, message_ids)| msgtrack::report::table::AddressDetail {
                address,
                message_ids,
            },
        )
        .collect();
    Ok((details, addresses))
}
