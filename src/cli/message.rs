//! `msgtrack trail` and `msgtrack explain`: one message, picked by Message-ID or by sender,
//! recipient and subject.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use msgtrack::directory::{Directory, Snapshot};
use msgtrack::replay::{self, MessagePick, render};

use super::exit;

/// How a message is named on the command line.
#[derive(Debug, Args)]
pub struct PickArgs {
    /// Log files or folders (searched recursively; default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The message's Message-ID, with or without angle brackets.
    #[arg(long = "message-id", short = 'm')]
    pub message_id: Option<String>,
    /// Pick by envelope sender (exact address, any case).
    #[arg(long)]
    pub sender: Option<String>,
    /// Pick by a recipient (exact address, any case).
    #[arg(long)]
    pub recipient: Option<String>,
    /// Pick by subject (a case-insensitive substring).
    #[arg(long)]
    pub subject: Option<String>,
    /// text or json.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Time zone of printed times (IANA name, Windows zone ID such as "W. Europe Standard Time", UTC, local).
    #[arg(long)]
    pub tz: Option<String>,
    #[command(flatten)]
    pub store: super::index::StoreArg,
}

/// Output format of trail and explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

const TRAIL_AFTER_HELP: &str = "\
Examples:
  msgtrack trail sample-logs --subject 'pricing for 500 units'
  msgtrack trail /copies/EX01 /copies/EX02 --message-id '<abc@contoso.com>' --format json";

const EXPLAIN_AFTER_HELP: &str = "\
Examples:
  msgtrack explain sample-logs --subject 'Company update' --directory sample-logs/directory.json
  msgtrack explain sample-logs --recipient raul.razo@contoso.com --subject 'Contract draft'
  msgtrack explain /copies --message-id '<abc@contoso.com>' --directory dir.json --format json

Without --directory the reasons are inferred from the log alone (and say so).";

/// `msgtrack trail`.
#[derive(Debug, Args)]
#[command(after_help = TRAIL_AFTER_HELP)]
pub struct TrailArgs {
    #[command(flatten)]
    pub pick: PickArgs,
}

/// `msgtrack explain`.
#[derive(Debug, Args)]
#[command(after_help = EXPLAIN_AFTER_HELP)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub pick: PickArgs,
    /// A recipient directory snapshot (JSON, see the README for the export command).
    #[arg(long)]
    pub directory: Option<PathBuf>,
}

/// The Message-ID the pick names, or an exit code after telling the user why there is none.
fn pick_message(args: &PickArgs, paths: &[PathBuf]) -> anyhow::Result<Result<String, u8>> {
    let pick = MessagePick {
        message_id: args.message_id.clone(),
        sender: args.sender.clone(),
        recipient: args.recipient.clone(),
        subject: args.subject.clone(),
    };
    if pick.message_id.is_none()
        && pick.sender.is_none()
        && pick.recipient.is_none()
        && pick.subject.is_none()
    {
        say!(
            "msgtrack: name the message with --message-id, or pick it with --sender, --recipient and/or --subject"
        );
        return Ok(Err(exit::ERROR));
    }
    let mut found = replay::candidates(paths, &pick)?;
    // A subject or recipient pick matches the NDR about a message too: prefer the message.
    if pick.message_id.is_none() {
        let is_dsn = |c: &replay::message::Candidate| {
            c.sender.is_empty()
                || c.sender == "<>"
                || msgtrack::report::summary::is_system_address(&c.sender)
        };
        if found.iter().any(|c| !is_dsn(c)) && found.iter().any(is_dsn) {
            let before = found.len();
            found.retain(|c| !is_dsn(c));
            say!(
                "note: {} delivery status notification(s) (NDRs) left out of the pick; the message itself is shown",
                before - found.len()
            );
        }
    }
    match found.as_slice() {
        [] => {
            say!(
                "msgtrack: no message in these logs matches; check the address or subject, or the folders given"
            );
            Ok(Err(exit::NO_MATCH))
        }
        [one] => Ok(Ok(one.message_id.clone())),
        many => {
            say!(
                "msgtrack: {} messages match; pick one with --message-id (or narrow with --sender/--recipient/--subject):",
                many.len()
            );
            for c in many.iter().take(20) {
                say!(
                    "  {}  {}  from {}  \"{}\"",
                    msgtrack::format::time::format_timestamp_ms(c.first_ms),
                    c.message_id,
                    c.sender,
                    c.subject
                );
            }
            if many.len() > 20 {
                say!("  … and {} more", many.len() - 20);
            }
            Ok(Err(exit::ERROR))
        }
    }
}

fn report_bad_lines(rows: &replay::MessageRows) {
    let bad = rows
        .diagnostics
        .iter()
        .filter(|d| d.severity == msgtrack::ingest::Severity::Error)
        .count();
    if bad > 0 {
        say!(
            "msgtrack: {bad} line(s) or file(s) could not be read (run `msgtrack ingest PATH -v` for the list); the answer may be incomplete"
        );
    }
}

/// When the message picked is a DSN (an NDR, a delay notice) — its own DSN row names the
/// message it reports on in Reference — the rows of that message, which is what the admin
/// is after; the DSN then appears in its journey. Otherwise the rows as loaded.
fn original_of_dsn(
    paths: &[PathBuf],
    rows: replay::MessageRows,
) -> anyhow::Result<replay::MessageRows> {
    let about = rows
        .events
        .iter()
        .find(|e| {
            e.is(&[msgtrack::format::EventId::Dsn])
                && e.message_id.eq_ignore_ascii_case(&rows.message_id)
        })
        .and_then(|e| e.reference.first().cloned());
    let Some(original) = about else {
        return Ok(rows);
    };
    let loaded = replay::load(paths, &original)?;
    if loaded.events.is_empty() {
        say!(
            "note: {} is a delivery status notification about {original}, whose rows are not in these logs; showing the notification",
            rows.message_id
        );
        return Ok(rows);
    }
    say!(
        "note: {} is a delivery status notification about {original}; showing that message (its DSN is listed with it)",
        rows.message_id
    );
    Ok(loaded)
}

/// Writes to stdout; a closed pipe (`| head`) is an error the caller treats as a normal end.
/// Text shows log fields, so their control and bidi characters are made visible.
fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// [`emit`] for the text layouts.
fn emit_text(text: &str) -> std::io::Result<()> {
    emit(&msgtrack::escape::terminal::layout(text))
}

/// Runs `msgtrack trail`.
pub fn run_trail(args: &TrailArgs) -> anyhow::Result<u8> {
    let zone = super::zone_arg(args.pick.tz.as_deref(), None)?;
    let paths = super::index::reading_paths(&args.pick.paths, &args.pick.store)?;
    let id = match pick_message(&args.pick, &paths)? {
        Ok(id) => id,
        Err(code) => return Ok(code),
    };
    let rows = original_of_dsn(&paths, replay::load(&paths, &id)?)?;
    report_bad_lines(&rows);
    let journey = replay::trail(&rows);
    match args.pick.format {
        TextOrJson::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&journey)?))?,
        TextOrJson::Text => emit_text(&render::journey_text(&journey, zone))?,
    }
    Ok(exit::OK)
}

/// Runs `msgtrack explain`.
pub fn run_explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let zone = super::zone_arg(args.pick.tz.as_deref(), None)?;
    let paths = super::index::reading_paths(&args.pick.paths, &args.pick.store)?;
    let directory = match &args.directory {
        Some(path) => Some(Directory::new(
            Snapshot::load(path).with_context(|| "the --directory snapshot".to_string())?,
        )),
        None => None,
    };
    let id = match pick_message(&args.pick, &paths)? {
        Ok(id) => id,
        Err(code) => return Ok(code),
    };
    let rows = original_of_dsn(&paths, replay::load(&paths, &id)?)?;
    report_bad_lines(&rows);
    let explanation = replay::explain(&rows.events, directory.as_ref());
    match args.pick.format {
        TextOrJson::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&explanation)?
        ))?,
        TextOrJson::Text => emit_text(&render::explanation_text(&explanation, zone))?,
    }
    Ok(exit::OK)
}
