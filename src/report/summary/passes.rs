//! Reading for the summary within a memory budget. The summary must see every row of a
//! message before it can count it, and a message's rows are spread over servers and files;
//! so the state per message is held until the end. When more messages than the budget
//! holds are in the logs, the reader halves the messages it keeps (by a hash of their
//! Message-ID) and sets the others aside on disk, their state and every later row
//! ([`super::spill`]); the logs are read once, and each set-aside bucket of messages is
//! then added up on its own ([`Tally`]). The report is the same however it was split.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use super::collect::{Part, SummaryCollector};
use super::spill::{BUCKET_BITS, SetAside, Spill};
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
    /// 32 MiB of message state: about 32,000 messages at once. Past that, messages are set
    /// aside on disk, which costs about the same whatever the limit (1 GB of logs: 3.7 s at
    /// 16M, 32M or 64M, 2.5 s when every message fits in 640M); with the batches being read
    /// and the tables, a summary stayed within 135 MiB from 1 to 16 GB of logs or a store.
    fn default() -> MemoryLimit {
        MemoryLimit(32 << 20)
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
    /// What the read found: files, diagnostics, rows.
    pub scan: ScanSummary,
    /// How many times the logs were read (1).
    pub passes: u64,
    /// In how many parts the messages were added up (1 when every message fitted).
    pub parts: u64,
}

/// Reads `paths` for a summary, holding at most the messages `limit` allows. `progress`
/// gives a bar of bytes for each stage, by its label: the read of the logs, then (when
/// messages were set aside) the read of what was set aside.
///
/// The read holds every message until the budget is reached, then halves the messages it
/// keeps (by the hash) as often as needed, setting the others aside ([`Spill`]). Each
/// bucket set aside is then read back, as many together as the budget holds (as estimated
/// from the read's messages per row); a bucket that still holds too many is added up in
/// halves, each half a read of the bucket.
pub fn summarize(
    paths: &[PathBuf],
    filter: &RowFilter,
    options: &SummaryOptions,
    limit: MemoryLimit,
    progress: impl Fn(&str) -> Option<Arc<dyn Progress>>,
) -> Result<Summarized, ReadError> {
    let budget = limit.messages();
    let mut tally = Tally::new(options.clone());
    let mut c = SummaryCollector::reading(options.clone(), budget);
    let mut spill = Spill::new().map_err(ReadError::Temporary)?;
    let mut failed: Option<std::io::Error> = None;
    let scan = scan_rows(paths, filter, progress("reading"), |row| {
        if let Some(hash) = c.add_held(row) {
            if failed.is_none() {
                failed = spill.row(hash, row).err();
            }
        } else if c.over_budget() {
            c.narrow_out(|hash, m| {
                if failed.is_none() {
                    failed = spill.state(hash, m).err();
                }
            });
        }
    })?;
    if let Some(e) = failed {
        return Err(ReadError::Temporary(e));
    }
    // Messages per row added, to guess how many messages a bucket holds.
    let per_row = c.messages_per_row();
    let mut parts = 1;
    c.drain_into(&mut tally);
    let groups = groups_of(&spill.filled(), per_row, budget);
    let bar = (!groups.is_empty())
        .then(|| progress("adding up the messages set aside"))
        .flatten();
    if let Some(bar) = &bar {
        bar.start(spill.bytes());
    }
    for group in groups {
        let bytes: u64 = group.iter().map(|&b| spill.bytes_of(b)).sum();
        parts += add_up(&mut spill, &group, options, budget, &mut tally)?;
        if let Some(bar) = &bar {
            bar.advance(bytes);
        }
    }
    if let Some(bar) = &bar {
        bar.finish();
    }
    Ok(Summarized {
        tally,
        scan,
        passes: 1,
        parts,
    })
}

/// The filled buckets (`(bucket, states, rows)`, from [`Spill::filled`]) in groups each
/// guessed to hold up to 90 % of `budget` messages, from `per_row` messages per row (a state
/// is one message).
fn groups_of(filled: &[(usize, u64, u64)], per_row: f64, budget: usize) -> Vec<Vec<usize>> {
    let guess = |&(_, states, rows): &(usize, u64, u64)| states as f64 + rows as f64 * per_row;
    let mut groups = Vec::new();
    let mut group = Vec::new();
    let mut held = 0f64;
    for (i, bucket) in filled.iter().enumerate() {
        group.push(bucket.0);
        held += guess(bucket);
        let next = filled.get(i + 1).map_or(f64::INFINITY, guess);
        if held + next > budget as f64 * 0.9 {
            groups.push(std::mem::take(&mut group));
            held = 0.0;
        }
    }
    groups
}

/// Adds up the messages of the buckets `group` into `tally`: all at once when they fit the
/// budget, else in halves (by the hash's bits above the bucket's), each half a read of the
/// buckets. Returns in how many parts. The buckets are forgotten after.
fn add_up(
    spill: &mut Spill,
    group: &[usize],
    options: &SummaryOptions,
    budget: usize,
    tally: &mut Tally,
) -> Result<u64, ReadError> {
    let mut waiting = VecDeque::from([Part::WHOLE]);
    let mut parts = 0;
    while let Some(part) = waiting.pop_front() {
        parts += 1;
        let mut c = SummaryCollector::for_part(options.clone(), part, BUCKET_BITS, budget);
        for &b in group {
            let c = &mut c;
            let mut narrowed = Vec::new();
            spill
                .read(b, |record| match record {
                    SetAside::State(m) => {
                        let hash = c.hash_of_id(&m.id);
                        if c.holds(hash) {
                            c.put_back(m);
                            if c.over_budget() {
                                narrowed.push(c.narrow());
                            }
                        }
                    }
                    SetAside::Row(row) => {
                        if c.add_held(row).is_none() && c.over_budget() {
                            narrowed.push(c.narrow());
                        }
                    }
                })
                .map_err(ReadError::Temporary)?;
            waiting.extend(narrowed);
        }
        c.drain_into(tally);
    }
    for &b in group {
        spill.forget(b);
    }
    Ok(parts)
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
