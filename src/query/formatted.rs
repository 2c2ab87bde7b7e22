//! Lines that end in a Format cmdlet after a sort's first N (`… | Sort-Object TotalBytes
//! -Descending | Select-Object -First 10 | Format-Table Timestamp,Sender,TotalBytes
//! -AutoSize`): the line before it runs as it would alone, a time window at a time over a
//! store ([`super::top_rows`]), and the Format cmdlet then formats the N events it kept. Run
//! as one line, the Format cmdlet's input was every event sorted: the ten largest messages
//! over the 1.3 GB store held 853 MiB (`Format-List` of three of them 4.3 GB), the same line
//! without the Format cmdlet 37 MiB.
//!
//! Lines of groups ending in a Format cmdlet still run whole: what a group keeps of its
//! elements follows what its output shows of them, and a Format cmdlet's script blocks may
//! read any of them.
//!
//! Exact because a Format cmdlet is the last stage and pure (it assigns nothing and runs no
//! command): it sees the same objects in the same order either way, and nothing before it
//! depends on it.

use std::path::PathBuf;

use super::run::{Answer, RunError};
use super::session::{QueryHost, Session};
use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::pwsh::ast::{Block, Element, Pipeline, Statement};
use crate::pwsh::commands::{canonical, stream::pure};
use crate::pwsh::eval::Engine;
use crate::pwsh::parse::parse;

/// `block` (parsed from `text`) taken apart when it is one pipeline of Get-MessageTrackingLog,
/// stages, and a last pure Format-Table, Format-List or Format-Wide (no redirection): the
/// text of the line before the Format cmdlet, and the Format cmdlet alone.
fn split<'t>(text: &'t str, block: &Block) -> Option<(&'t str, Pipeline)> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let (Some(Element::Command(first)), Some(Element::Command(last))) =
        (p.elements.first(), p.elements.last())
    else {
        return None;
    };
    if p.elements.len() < 2
        || p.redirect.is_some()
        || !first.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        || !matches!(
            canonical(&last.name),
            Some("Format-Table" | "Format-List" | "Format-Wide")
        )
        || !pure(last)
    {
        return None;
    }
    let before = text
        .get(..last.span.start)?
        .trim_end()
        .strip_suffix('|')?
        .trim_end();
    let format = Pipeline {
        elements: vec![Element::Command(last.clone())],
        redirect: None,
        span: p.span.clone(),
    };
    Some((before, format))
}

/// Runs `text` over the stores `paths` as the module says: the answer, or `None` when the
/// line is not a sort's first N then a Format cmdlet, or few rows match (run it whole). The
/// events kept are read with every column (a Format cmdlet may show or read any of them).
pub fn run_formatted(
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
) -> Result<Option<Answer>, RunError> {
    let block = parse(text).map_err(RunError::Parse)?;
    let Some((before, format)) = split(text, &block) else {
        return Ok(None);
    };
    let whole = Session {
        shown: super::settings::Shown::Whole,
        ..session
    };
    let Some(mut answer) = super::top_rows::run_top(before, paths, whole, directory, &Field::ALL)?
    else {
        return Ok(None);
    };
    answer.hold_spilled()?;
    let host = QueryHost::new(session, paths, directory, FieldSet::all());
    let mut engine = Engine::new(&host);
    let items = std::mem::take(&mut answer.items);
    answer.items = engine
        .pipeline(&format, Some(items))
        .map_err(RunError::Eval)?;
    answer.enumeration_limit = engine.enumeration_limit_at_end();
    Ok(Some(answer))
}
