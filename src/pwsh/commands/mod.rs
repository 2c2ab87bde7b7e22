//! The cmdlets of the pipeline, as Windows PowerShell 5.1 runs them: Where-Object,
//! ForEach-Object, Select-Object, Sort-Object, Group-Object, Measure-Object, the Format-*
//! and Out-* cmdlets, the CSV/JSON converters and exporters, Get-Date and New-TimeSpan. Each
//! takes the input items and returns the output items.

pub mod dates;
mod export;
pub(crate) mod filter;
pub mod format;
pub mod group;
pub(crate) mod group_reads;
pub(crate) mod group_spill;
pub mod measure;
mod numbers;
pub(crate) mod object_spill;
mod properties;
pub mod select;
pub mod sort;
mod sort_top;
pub mod stream;
mod unique_spill;

use super::ast::{Command, Span};
use super::runtime::{EvalError, EvalResult, Scope};
use super::value::Value;

pub use export::{encode_text, windows_line_ends};
pub use format::{FormatKind, FormatView, out_string};
pub use properties::PropSpec;

/// The commands the engine runs, with their aliases.
const COMMANDS: [(&str, &[&str]); 23] = [
    ("Where-Object", &["where", "?"]),
    ("ForEach-Object", &["foreach", "%"]),
    ("Select-Object", &["select"]),
    ("Sort-Object", &["sort"]),
    ("Group-Object", &["group"]),
    ("Measure-Object", &["measure"]),
    ("Format-Table", &["ft"]),
    ("Format-List", &["fl"]),
    ("Format-Wide", &["fw"]),
    ("Out-String", &[]),
    ("Out-File", &[]),
    ("Out-Host", &["oh"]),
    ("Out-Null", &[]),
    ("Set-Content", &["sc"]),
    ("Add-Content", &["ac"]),
    ("Export-Csv", &["epcsv"]),
    ("ConvertTo-Csv", &[]),
    ("ConvertTo-Json", &[]),
    ("ConvertTo-Html", &[]),
    ("Get-Date", &[]),
    ("New-TimeSpan", &[]),
    ("Write-Output", &["echo", "write"]),
    ("Select-String", &["sls"]),
];

/// Commands PowerShell has that msgtrack refuses, with why.
const REFUSED: [(&str, &str); 12] = [
    (
        "Out-GridView",
        "Out-GridView opens a Windows window; use `msgtrack tui` to browse, or --format csv",
    ),
    (
        "ogv",
        "Out-GridView opens a Windows window; use `msgtrack tui` to browse, or --format csv",
    ),
    (
        "Invoke-Command",
        "Invoke-Command runs on remote servers; msgtrack reads copies of their logs: give the folders instead",
    ),
    (
        "icm",
        "Invoke-Command runs on remote servers; msgtrack reads copies of their logs: give the folders instead",
    ),
    (
        "Start-Job",
        "background jobs are not supported; run the pipeline itself",
    ),
    (
        "Get-Member",
        "Get-Member is not supported; `--format list` shows every property with its value",
    ),
    (
        "gm",
        "Get-Member is not supported; `--format list` shows every property with its value",
    ),
    (
        "Export-Clixml",
        "Export-Clixml is not supported; use Export-Csv or ConvertTo-Json",
    ),
    (
        "Tee-Object",
        "Tee-Object is not supported; use Export-Csv and run the query again",
    ),
    (
        "Send-MailMessage",
        "msgtrack sends no mail; write the report to a file (--out) and send it",
    ),
    (
        "Write-Host",
        "Write-Host is not supported; the pipeline's output is printed",
    ),
    ("Compress-Archive", "Compress-Archive is not supported"),
];

/// Every command name and alias msgtrack runs (for suggestions).
pub fn names() -> Vec<&'static str> {
    COMMANDS
        .iter()
        .flat_map(|(n, aliases)| std::iter::once(*n).chain(aliases.iter().copied()))
        .chain([
            "Get-MessageTrackingLog",
            "Get-TransportService",
            "Get-ExchangeServer",
        ])
        .collect()
}

/// The Exchange cmdlets that list servers (the host's), which a line pipes into
/// Get-MessageTrackingLog.
pub const SERVER_LISTS: [&str; 4] = [
    "Get-TransportService",
    "Get-TransportServer",
    "Get-ExchangeServer",
    "Get-MailboxServer",
];

/// True when `name` is one of [`SERVER_LISTS`] (any case).
pub fn lists_servers(name: &str) -> bool {
    SERVER_LISTS.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The canonical name of a command or alias the engine runs.
pub fn canonical(name: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .find(|(n, aliases)| {
            n.eq_ignore_ascii_case(name) || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .map(|(n, _)| *n)
}

/// Whether the engine runs (or refuses with a reason) the command `name`: [`run`] gives an
/// answer for it.
pub fn runs(name: &str) -> bool {
    REFUSED.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) || canonical(name).is_some()
}

/// Why msgtrack refuses the command `name`, when it does.
pub fn refusal(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, why)| *why)
}

/// Runs a command the engine knows; `None` when it does not know it.
pub fn run(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> Option<EvalResult<Vec<Value>>> {
    if let Some(why) = refusal(&c.name) {
        return Some(Err(EvalError::new(why, c.name_span.clone())));
    }
    let name = canonical(&c.name)?;
    Some(match name {
        "Where-Object" => filter::where_object(engine, c, input),
        "ForEach-Object" => filter::foreach_object(engine, c, input),
        "Select-Object" => select::select_object(engine, c, input),
        "Sort-Object" => sort::sort_object(engine, c, input),
        "Group-Object" => group::group_object(engine, c, input),
        "Measure-Object" => measure::measure_object(engine, c, input),
        "Format-Table" | "Format-List" | "Format-Wide" => {
            format::format_command(engine, c, input, name)
        }
        "Out-String" => format::out_string_command(engine, c, input),
        "Out-Host" => Ok(input),
        "Out-Null" => Ok(Vec::new()),
        "Out-File" | "Set-Content" | "Add-Content" => export::write_text(engine, c, input, name),
        "Export-Csv" | "ConvertTo-Csv" => export::csv_command(engine, c, input, name),
        "ConvertTo-Json" => export::json_command(engine, c, input),
        "ConvertTo-Html" => Err(EvalError::new(
            "ConvertTo-Html is not supported; `msgtrack report summary --format html` writes a report, --format csv a table",
            c.name_span.clone(),
        )),
        "Get-Date" => dates::get_date(engine, c, input),
        "New-TimeSpan" => dates::new_timespan(engine, c),
        "Write-Output" => filter::write_output(engine, c, input),
        "Select-String" => filter::select_string(engine, c, input),
        _ => return None,
    })
}

/// True when a switch is present and not turned off (`-Descending:$false`).
pub fn switch_on(
    engine: &mut dyn Scope,
    bound: &super::runtime::Bound<'_>,
    name: &str,
) -> EvalResult<bool> {
    match bound.get(name) {
        None => Ok(false),
        Some((None, _)) => Ok(true),
        Some((Some(e), _)) => Ok(engine.expr(e)?.truthy()),
    }
}

/// A whole-number argument (`-First 5`).
pub fn count_arg(
    engine: &mut dyn Scope,
    bound: &super::runtime::Bound<'_>,
    name: &str,
) -> EvalResult<Option<usize>> {
    let Some((e, span)) = bound.get(name) else {
        return Ok(None);
    };
    let span: Span = span.clone();
    let v = engine.required(e, &format!("-{name}"), &span)?;
    let n = super::ops::to_number(&v).map_err(|m| EvalError::new(m, span.clone()))?;
    let f = n.to_f64();
    if f < 0.0 || f.fract() != 0.0 {
        return Err(EvalError::new(
            format!("-{name} takes a whole number, not {}", v.to_text()),
            span,
        ));
    }
    Ok(Some(f as usize))
}

/// Positional arguments that are not allowed (a command that takes none, or too many).
pub fn no_more_positional(
    c: &Command,
    bound: &super::runtime::Bound<'_>,
    max: usize,
) -> EvalResult<()> {
    if let Some(extra) = bound.positional.get(max) {
        return Err(EvalError::new(
            format!(
                "{} does not take the value here (a positional argument it has no place for)",
                c.name
            ),
            extra.span.clone(),
        ));
    }
    Ok(())
}
