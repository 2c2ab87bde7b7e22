//! Reading many files in bounded memory: the files are cut into batches of about
//! [`BATCH_BYTES`], a reader thread decodes the next batch while the caller folds the current
//! one, and each batch's frame is dropped before the one after next is read. Memory then
//! depends on the batch size and the caller's own state, not on the size of the folders.

use std::sync::Arc;

use super::discover::LogFile;
use super::read::{Ingest, Progress, ReadError, ReadOptions, read_chosen, read_file_in_runs};

/// About this many bytes of files are decoded at once (`MSGTRACK_BATCH_BYTES` sets another
/// size: the tests read a file per batch to prove that batches change no answer).
pub const BATCH_BYTES: u64 = 64 << 20;

/// Reads `files` (in the order given) batch by batch and hands each batch's [`Ingest`] to
/// `each`, in order, on the calling thread. The rows of the batches, one after another, are
/// the rows [`read_files`] would give for all the files at once.
///
/// The channel between the reader thread and `each` holds one batch, so at most three batches
/// are alive at once. A file bigger than a batch is read in runs of its chunks, each a batch
/// of its own (its report comes with its last run). An error from `each` stops the reading.
/// The options' progress is started once, told every batch's bytes, and finished at the end.
pub fn read_in_batches<E: From<ReadError>>(
    files: Vec<LogFile>,
    options: &ReadOptions,
    mut each: impl FnMut(Ingest) -> Result<(), E>,
) -> Result<(), E> {
    let limit = options
        .batch_bytes
        .or_else(|| crate::settings::number("MSGTRACK_BATCH_BYTES"))
        .unwrap_or_else(|| batch_bytes(options.columns.columns().len()));
    let mut options = options.clone();
    let progress = options.progress.take();
    if let Some(p) = &progress {
        p.start(super::log_bytes(&files));
        options.progress = Some(Arc::new(Forward(p.clone())));
    }
    let options = &options;
    // Files the filter leaves out (by time, by a store part's keys) are left out before the
    // files are cut into batches, so that each batch holds files that are read; those left
    // out by time come with the first batch (a batch of no file when none is read).
    let (files, skipped_by_time) = super::read::files_to_read(files, options);
    let mut skipped_by_time = Some(skipped_by_time);
    let mut batches = batches(files, limit);
    if batches.is_empty() && skipped_by_time.as_ref().is_some_and(|s| !s.is_empty()) {
        batches.push(Batch::Files(Vec::new()));
    }
    let read = std::thread::scope(|scope| -> Result<(), E> {
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            let mut send = |read: Result<Ingest, ReadError>| {
                let read = read.map(|mut ingest| {
                    if let Some(skipped) = skipped_by_time.take() {
                        ingest.skipped_by_time = skipped;
                    }
                    ingest
                });
                let failed = read.is_err();
                send.send(read).is_ok() && !failed
            };
            for batch in batches {
                let go_on = match batch {
                    Batch::Files(files) => send(read_chosen(files, options)),
                    Batch::Big(file) => {
                        let mut go_on = true;
                        read_file_in_runs(file, options, limit, &mut |read| {
                            go_on = send(read);
                            go_on
                        });
                        go_on
                    }
                };
                if !go_on {
                    break;
                }
            }
        });
        for read in receive {
            each(read?)?;
            // The batch's columns are gone: their pages go back when many, rather than
            // stay spread among what the consumer keeps. Memory for time: the first event
            // of each message over 1.3 GB 179 → 120 MiB in the same time, but the pages are
            // faulted in again by the next batch (the messages never delivered 4.5 → 5.5 s;
            // each message's last event, which keeps every event of a share, 84–126 → 189 s).
            // Given back every half second instead, nothing was saved.
            crate::memory::give_back_free_memory_past(FREE_KEPT);
        }
        Ok(())
    });
    if let Some(p) = &progress {
        p.finish();
    }
    read
}

/// How many bytes freed the allocator may keep between batches before they are given back
/// ([`crate::memory::give_back_free_memory_past`]).
const FREE_KEPT: usize = 16 << 20;

/// Passes the reader's byte counts on to one progress bar that spans every batch.
struct Forward(Arc<dyn Progress>);

impl Progress for Forward {
    fn start(&self, _total_bytes: u64) {}
    fn advance(&self, bytes: u64) {
        self.0.advance(bytes);
    }
    fn finish(&self) {}
}

/// What the reader thread reads at once.
enum Batch {
    /// Files read together.
    Files(Vec<LogFile>),
    /// A log bigger than a batch, read in runs of its chunks.
    Big(LogFile),
}

/// About how many bytes of logs one byte of a store's Parquet part holds (the store is
/// 12 % of the logs).
const PART_EXPANSION: u64 = 8;

/// The batch size for a read of `columns` columns: [`BATCH_BYTES`] for up to four (what a
/// counting question decodes), less for more (16 MB for the reports' 16 columns; a read of
/// every column decodes into about twice the bytes of the logs), so that the three batches
/// alive stay small. Smaller batches cost no time measurably (the report's 3 s on 1.3 GB
/// with 16 or 32 MB batches alike).
fn batch_bytes(columns: usize) -> u64 {
    BATCH_BYTES * 4 / (columns.max(4) as u64)
}

/// `files` cut, in order, into batches of at most `limit` bytes; a log bigger than that is
/// a batch alone, read in runs.
fn batches(files: Vec<LogFile>, limit: u64) -> Vec<Batch> {
    let mut batches: Vec<Batch> = Vec::new();
    let mut batch_bytes = 0u64;
    for file in files {
        let on_disk = std::fs::metadata(&file.path).map_or(0, |m| m.len());
        // A store's part is compressed to about an eighth of the logs it holds.
        let bytes = if file.part.is_some() {
            on_disk * PART_EXPANSION
        } else {
            on_disk
        };
        if bytes > limit && file.part.is_none() {
            batches.push(Batch::Big(file));
            batch_bytes = limit;
            continue;
        }
        match batches.last_mut() {
            Some(Batch::Files(batch)) if batch_bytes + bytes <= limit => {
                batch.push(file);
                batch_bytes += bytes;
            }
            _ => {
                batches.push(Batch::Files(vec![file]));
                batch_bytes = bytes;
            }
        }
    }
    batches
}
