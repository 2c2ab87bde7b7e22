//! Lines that end in a Format cmdlet after a sort's first N (`… | Sort-Object TotalBytes
//! -Descending | Select-Object -First 10 | Format-Table Timestamp,Sender,TotalBytes
//! -AutoSize`): the line before it runs as it would alone, a time window at a time over a
//! store ([`super::top_rows`]), and the Format cmdlet then formats the N events it kept. Run
//! as one line, the Format cmdlet's input was every event sorted: the ten largest messages
//! over the 1.3 GB store held 853 MiB (`Format-List` of three of them 4.3 GB), the same line
//! without the Format cmdlet 37 MiB.
//!
//! So do lines ending in a Format cmdlet of named properties other than `Group`
//! (`Group-Object EventId | Format-Table Name,Count`): the line before it runs as it runs
//! alone, its groups keeping of their elements what its own output would show (387 MiB
//! over the 1.3 GB store, where the Format cmdlet's input kept every element). Other lines
//! of groups ending in a Format cmdlet run whole: a Format cmdlet's script blocks, wildcards
//! or default columns may read any element.
//!
//! Exact because a Format cmdlet is the last stage and pure (it assigns nothing and runs no
//! command): it sees the same objects in the same order either way, and nothing before it
//! depends on it.

use std::path::PathBuf;

use super::run::{Answer, RunError};
use super::session::{QueryHost, Session};
use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::pwsh::ast::{Block, Element, Expr, ExprKind, Pipeline, Statement};
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

/// True when the Format cmdlet of `format` is given only plain property names (no wildcard,
/// script block or variable), none of them `Group`, and switches or plain values
/// (`Format-Table Name,Count -AutoSize`, `Format-Wide Name -Column 3`): what it shows of a
/// group is never its elements.
fn names_no_elements(format: &Pipeline) -> bool {
    fn plain(e: &Expr, numbers: bool) -> bool {
        match &e.kind {
            ExprKind::Str(name) => {
                !name.is_empty()
                    && !name.contains(['*', '?', '['])
                    && !name.eq_ignore_ascii_case("Group")
            }
            ExprKind::Number(_) => numbers,
            ExprKind::List(items) => items.iter().all(|i| plain(i, false)),
            _ => false,
        }
    }
    let [Element::Command(c)] = format.elements.as_slice() else {
        return false;
    };
    let Ok(bound) = crate::pwsh::runtime::bind(c, &crate::pwsh::commands::format::FORMAT_PARAMS)
    else {
        return false;
    };
    // Some property named (not the default columns), and every value plain.
    let property = bound.get("Property").and_then(|(v, _)| v);
    (property.is_some() || !bound.positional.is_empty())
        && bound.positional.iter().all(|e| plain(e, false))
        && property.is_none_or(|e| plain(e, false))
        && bound
            .named
            .iter()
            .all(|(_, v, _)| v.is_none_or(|v| plain(v, true)))
}

/// Runs `text` over `paths` as the module says: the answer, or `None` when the line does not
/// end in a Format cmdlet after a sort's first N over a store or of named properties only
/// (run it whole). Events reaching the Format cmdlet are read with every column (it may show
/// or read any of them).
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
    let mut answer = match super::top_rows::run_top(before, paths, whole, directory, &Field::ALL)? {
        Some(answer) => answer,
        // Objects of which the Format cmdlet reads only named properties, none a group's
        // elements: the line before it, run whole as it runs alone (groups keeping of their
        // elements what its own output would show).
        None if names_no_elements(&format) => {
            // (The events' columns the whole line names: the Format cmdlet's among them.)
            let named = super::needed::analyse(&block).mentioned.columns();
            super::run::run(before, paths, session, directory, &named)?
        }
        None => return Ok(None),
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
