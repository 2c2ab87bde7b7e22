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
    /// The answer is shown as a table or a list (text): a collection in it shows only its
    /// first `$FormatEnumerationLimit` elements, so a group need keep no more.
    pub text_output: bool,
}
