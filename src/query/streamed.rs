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
use super::{merge_sort, reorder, windows};
use crate::directory::Snapshot;
use crate::format::Field;
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
    let block = reorder::format_as_select(&block).unwrap_or(block);
    let block = reorder::sort_first(&block).unwrap_or(block);
    let Some(covered) = stores_cover(paths) else {
        return Ok(None);
    };
    let rows = windows::rows_for(&block, rows);
    // A last `Select-Object -Skip S -First N`: the line before it a window at a time, paged.
    if let Some((line, paging)) = windows::paged(&block)
        && windows::in_time_windows(&line, session.zone, covered)
    {
        return windows::run_time_windows(
            rows,
            &line,
            Some(paging),
            paths,
            session,
            directory,
            output,
            &mut each,
        );
    }
    if windows::in_time_windows(&block, session.zone, covered) {
        return windows::run_time_windows(
            rows, &block, None, paths, session, directory, output, &mut each,
        );
    }
    // Any other sort of every row (or one by local times that clocks set back repeat).
    let ways = merge_sort::merge_ways();
    merge_sort::run_sorted(
        rows, ways, &block, paths, session, directory, output, &mut each,
    )
}
