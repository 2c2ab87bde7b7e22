//! Lines whose answers are too large to hold, run over stores in bounded memory, each
//! piece of the answer written before the next is read: every event on its own a time
//! window at a time ([`super::windows`]), or sorted by anything else from sorted runs
//! ([`super::merge_sort`]). Raw logs would be parsed again for every piece, so a line over
//! them runs whole.

use std::path::PathBuf;

use super::cmdlet::every_server_dropped;
use super::run::{Answer, RunError};
use super::session::Session;
use super::time_windows::stores_cover;
use super::{merge_sort, windows};
use crate::directory::Snapshot;
use crate::format::Field;
use crate::pwsh::ast::{Arg, Block, Element, Expr, ExprKind, Statement};
use crate::pwsh::commands::canonical;
use crate::pwsh::parse::parse;

/// Runs `text` over the stores `paths` in pieces, giving `each` the answer of every piece in
/// order (one when few rows match) — its notes and diagnostics only when no piece before
/// said them. `None` when the line is not one that runs so or a path is not a store:
/// nothing was given to `each`; run it whole. Otherwise the last piece's answer (an empty
/// answer says why from it), its `notes` what is said of the run as a whole: the files no
/// window opened.
pub fn run_in_windows(
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    each: impl FnMut(&Answer) -> std::io::Result<()>,
) -> Result<Option<Answer>, RunError> {
    let rows = windows::window_rows();
    run_in_windows_of(rows, text, paths, session, directory, output, each)
}

/// [`run_in_windows`] with windows of about `rows` rows (`MSGTRACK_WINDOW_ROWS` sets it for
/// the command).
pub fn run_in_windows_of(
    rows: u64,
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    mut each: impl FnMut(&Answer) -> std::io::Result<()>,
) -> Result<Option<Answer>, RunError> {
    let block = parse(text).map_err(RunError::Parse)?;
    let block = every_server_dropped(&block).unwrap_or(block);
    let block = format_as_select(&block).unwrap_or(block);
    let Some(covered) = stores_cover(paths) else {
        return Ok(None);
    };
    if windows::in_time_windows(&block, session.zone, covered) {
        return windows::run_time_windows(
            rows, &block, paths, session, directory, output, &mut each,
        );
    }
    // Any other sort of every row (or one by local times that clocks set back repeat).
    let ways = merge_sort::merge_ways();
    merge_sort::run_sorted(
        rows, ways, &block, paths, session, directory, output, &mut each,
    )
}

/// `block` with its last stage, a Format-Table or Format-List of plain property names, as
/// the Select-Object of those names that msgtrack prints the same way in every format: a
/// table for four properties or fewer (`Format-Table a,b,c [-AutoSize]`: msgtrack lays a
/// table out from every row either way), a list for five or more (`Format-List`). The
/// Select-Object's objects then come a time window at a time like any selection's, where the
/// Format cmdlet's one view held every row. `None` for any other line.
fn format_as_select(block: &Block) -> Option<Block> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let Some(Element::Command(last)) = p.elements.last() else {
        return None;
    };
    if p.elements.len() < 2 || p.redirect.is_some() {
        return None;
    }
    let table = match canonical(&last.name) {
        Some("Format-Table") => true,
        Some("Format-List") => false,
        _ => return None,
    };
    let mut names: Vec<Expr> = Vec::new();
    let mut args = last.args.iter();
    while let Some(a) = args.next() {
        match a {
            Arg::Value(e) if names.is_empty() => names = plain_names(e)?,
            Arg::Param { name, value, .. } => {
                let name = name.to_ascii_lowercase();
                if table && name.len() >= 2 && "autosize".starts_with(&name) && value.is_none() {
                    continue;
                }
                if !names.is_empty() || name.is_empty() || !"property".starts_with(&name) {
                    return None;
                }
                let e = match value {
                    Some(e) => e,
                    None => match args.next()? {
                        Arg::Value(e) => e,
                        Arg::Param { .. } => return None,
                    },
                };
                names = plain_names(e)?;
            }
            Arg::Value(_) => return None,
        }
    }
    // A table of four or fewer, a list of five or more: as a selection prints them.
    if names.is_empty() || (names.len() <= 4) != table {
        return None;
    }
    let span = last.span.clone();
    let list = Expr {
        kind: ExprKind::List(names),
        span: span.clone(),
    };
    let mut select = last.clone();
    select.name = "Select-Object".into();
    select.args = vec![Arg::Value(list)];
    let mut line = p.clone();
    if let Some(end) = line.elements.last_mut() {
        *end = Element::Command(select);
    }
    Some(Block {
        statements: vec![Statement::Pipeline(line)],
    })
}

/// The property names of a Format cmdlet's argument when every one is a plain name (no
/// wildcard, script block or hashtable), none repeated.
fn plain_names(e: &Expr) -> Option<Vec<Expr>> {
    let items: Vec<&Expr> = match &e.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![e],
    };
    let mut seen: Vec<String> = Vec::new();
    for item in &items {
        let ExprKind::Str(name) = &item.kind else {
            return None;
        };
        let folded = name.to_ascii_lowercase();
        if name.is_empty() || name.contains(['*', '?', '[']) || seen.contains(&folded) {
            return None;
        }
        seen.push(folded);
    }
    Some(items.into_iter().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(line: &str) -> Option<String> {
        let block = format_as_select(&parse(line).expect("parses"))?;
        let [Statement::Pipeline(p)] = block.statements.as_slice() else {
            return None;
        };
        let Some(Element::Command(c)) = p.elements.last() else {
            return None;
        };
        let Some(Arg::Value(Expr {
            kind: ExprKind::List(names),
            ..
        })) = c.args.first()
        else {
            return None;
        };
        let names: Vec<String> = names
            .iter()
            .filter_map(|n| match &n.kind {
                ExprKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        Some(format!("{} {}", c.name, names.join(",")))
    }

    #[test]
    fn a_format_cmdlet_of_plain_names_that_prints_as_the_selection_does_becomes_it() {
        let read = "Get-MessageTrackingLog -ResultSize Unlimited | ";
        for (end, expected) in [
            (
                "Format-Table Timestamp,EventId,Sender",
                "Select-Object Timestamp,EventId,Sender",
            ),
            (
                "ft Timestamp,EventId -AutoSize",
                "Select-Object Timestamp,EventId",
            ),
            ("Format-Table -Property Sender", "Select-Object Sender"),
            (
                "fl Timestamp,EventId,Sender,Recipients,TotalBytes",
                "Select-Object Timestamp,EventId,Sender,Recipients,TotalBytes",
            ),
        ] {
            assert_eq!(
                rewritten(&format!("{read}{end}")).as_deref(),
                Some(expected),
                "{end}"
            );
        }
        // A table of five, a list of three, wildcards, calculated properties, other
        // parameters, a redirection: printed otherwise, left as they are.
        for end in [
            "Format-Table Timestamp,EventId,Sender,Recipients,TotalBytes",
            "Format-List Timestamp,EventId,Sender",
            "Format-Table Time*",
            "Format-Table Timestamp,@{n='To';e={$_.Recipients}}",
            "Format-Table Timestamp,EventId -Wrap",
            "Format-Table Timestamp,EventId -GroupBy Sender",
            "Format-Table",
            "Format-Table Timestamp,EventId > out.txt",
            "Format-Table Sender,sender",
        ] {
            assert_eq!(rewritten(&format!("{read}{end}")), None, "{end}");
        }
    }
}
