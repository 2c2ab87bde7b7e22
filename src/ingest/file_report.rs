//! What the reader learnt about one input file (a log, an export or a store's part).

use std::path::PathBuf;

use super::plan::{HeaderInfo, ServerSource};
use crate::format::names::LogPrefix;

/// What was learnt about one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file's path.
    pub path: PathBuf,
    /// The file-name prefix, when the name follows Exchange's naming.
    pub prefix: Option<LogPrefix>,
    /// The server the file is from.
    pub server: String,
    /// Where the server name came from.
    pub server_source: ServerSource,
    /// What the header lines said.
    pub headers: HeaderInfo,
    /// The file's size.
    pub bytes: u64,
    /// Physical lines read (header, row and bad lines).
    pub lines: u64,
    /// Rows kept (after the row filter).
    pub rows: u64,
    /// Lines skipped because they could not be read.
    pub bad_lines: u64,
    /// Rows kept with a warning (invalid UTF-8, a non-numeric number).
    pub warned_lines: u64,
    /// The last line had no line end and was held back.
    pub held_back: bool,
    /// Why the file was not read, if it was refused.
    pub refused: Option<String>,
    /// The first row's time (ms since the epoch, UTC).
    pub first_ms: Option<i64>,
    /// The last row's time (ms since the epoch, UTC).
    pub last_ms: Option<i64>,
}
