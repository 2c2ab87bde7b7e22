//! Reading for the summary within a memory budget. The summary must see every row of a
//! message before it can count it, and a message's rows are spread over servers and files;
//! so the state per message is held until the end. When more messages than the budget
//! holds are in the logs, the messages are split by a hash of their Message-ID into parts
//! and the logs are read once per part: each pass holds one part's messages, adds them to
//! the tables ([`Tally`]), and forgets them. The report is the same however many passes.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use super::collect::{Part, SummaryCollector};
use super::{SummaryOptions, Tally};
use crate::ingest::{Progress, ReadError, RowFilter};
use crate::report::scan::{ScanSummary, scan_rows};

/// What one held message costs, about (its state, its Message-ID twice, its collections
/// and the table's slot; measured on generated traffic: 1 GB of logs, 162 k messages).
pub const MESSAGE_BYTES: u64 = 1024;

/// The memory the summary's messages may take (`--memory-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit(pub u64);

impl Default for MemoryLimit {
    /// 640 MiB of message state: about 650,000 messages a pass, and with the batches being
    /// read and the tables, a summary stays under 1 GiB whatever the size of the logs.
    fn default() -> MemoryLimit {
        MemoryLimit(640 << 20)
    }
}

impl MemoryLimit {
    /// Parses `512M`, `2G`, `1.5GiB`, `800MB` or a number of bytes (binary units: `M` is
    /// MiB). At least 16 MiB.
    pub fn parse(text: &str) -> Result<MemoryLimit, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let bad = || format!("--memory-limit {text}: give a size such as 512M, 2G or 1.5GiB");
        let n: f64 = number.parse().map_err(|_| bad())?;
        let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            "t" | "tb" | "tib" => 1 << 40,
            _ => return Err(bad()),
        };
        let bytes = n * scale as f64;
        if !bytes.is_finite() || bytes < (16u64 << 20) as f64 {
            return Err(format!("--memory-limit {text}: at least 16M"));
        }
        Ok(MemoryLimit(bytes.min(u64::MAX as f64) as u64))
    }

    /// How many messages a pass may hold.
    fn messages(self) -> usize {
        usize::try_from(self.0 / MESSAGE_BYTES).unwrap_or(usize::MAX)
    }
}

/// A summary read within a budget.
#[derive(Debug)]
pub struct Summarized {
    /// The tables.
    pub tally: Tally,
    /// What the first read found: files, diagnostics, rows.
    pub scan: ScanSummary,
    /// How many times the logs were read (1 when every message fitted).
    pub passes: u64,
}

/// Reads `paths` for a summary, in as many passes as `limit` needs. `progress` gives a bar
/// for each pass (`pass`, of about how many).
///
/// The first pass holds every message until the budget is reached, then halves the
/// messages it keeps (by the hash) as often as needed and leaves the other halves for later
/// passes, which split themselves the same way: nothing is read twice in vain, and the
/// passes are about as many as twice the messages over the budget.
pub fn summarize(
    paths: &[PathBuf],
    filter: &RowFilter,
    options: &SummaryOptions,
    limit: MemoryLimit,
    progress: impl Fn(u64, u64) -> Option<Arc<dyn Progress>>,
) -> Result<Summarized, ReadError> {
    let mut tally = Tally::new(options.clone());
    let mut waiting = VecDeque::from([Part::WHOLE]);
    let mut first_scan = None;
    let mut passes = 0;
    while let Some(part) = waiting.pop_front() {
        passes += 1;
        let mut c = SummaryCollector::for_part(options.clone(), part, limit.messages());
        let bar = progress(passes, passes + waiting.len() as u64);
        let scan = scan_rows(paths, filter, bar, |row| {
            c.add(row);
            if c.over_budget() {
                waiting.push_back(c.narrow());
            }
        })?;
        c.drain_into(&mut tally);
        first_scan.get_or_insert(scan);
    }
    Ok(Summarized {
        tally,
        scan: first_scan.unwrap_or_default(),
        passes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_parse_in_binary_units() {
        assert_eq!(MemoryLimit::parse("512M"), Ok(MemoryLimit(512 << 20)));
        assert_eq!(MemoryLimit::parse("2G"), Ok(MemoryLimit(2 << 30)));
        assert_eq!(MemoryLimit::parse("1.5GiB"), Ok(MemoryLimit(3 << 29)));
        assert_eq!(MemoryLimit::parse("800 MB"), Ok(MemoryLimit(800 << 20)));
        assert_eq!(MemoryLimit::parse("33554432"), Ok(MemoryLimit(32 << 20)));
        assert!(MemoryLimit::parse("1M").is_err());
        assert!(MemoryLimit::parse("lots").is_err());
        assert!(MemoryLimit::parse("5X").is_err());
        assert!(MemoryLimit::parse("").is_err());
    }
}
