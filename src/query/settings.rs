//! The settings a query runs under: the clock (`--now`), the zone (`--tz`) and the
//! culture (`--culture`).

use chrono::{DateTime, Utc};

use crate::format::Zone;
use crate::pwsh::culture::Culture;

/// The clock, zone and culture a query runs in.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// What `(Get-Date)` means.
    pub now: DateTime<Utc>,
    /// The zone dates without an offset are read in, and times are printed in.
    pub zone: Zone,
    /// The shell's culture (how `-Start` strings and `-f` are read and written).
    pub culture: &'static Culture,
    /// CSV cells written as they are, without the spreadsheet-formula guard (`--csv-raw`).
    pub csv_raw: bool,
    /// How the answer is printed, as far as what the line must keep for it.
    pub shown: Shown,
}

/// How an answer is printed, as far as what must be kept and decoded for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shown {
    /// Objects with every property (JSON, NDJSON, Parquet; and callers that are not printers).
    #[default]
    Whole,
    /// A table or a list: a collection in a cell shows its first `$FormatEnumerationLimit`
    /// elements, each by its text (an event by its type name), so a group need keep no more.
    Text,
    /// CSV: every element of a collection, each by its text.
    Csv,
}
