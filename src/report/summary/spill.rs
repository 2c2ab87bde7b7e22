//! Messages set aside on disk. When the summary holds more messages than its budget, the
//! messages it lets go (their state so far) and every later row of theirs are written to
//! one of [`BUCKETS`] anonymous temporary files, chosen by a hash of the Message-ID; each
//! file is then read back on its own, a message's state before its rows, and folds to the
//! same state the message would have had in memory (a hash partitioning, as databases
//! aggregate beyond their memory). The logs are read once however many messages they hold.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, Write};

use serde::{Deserialize, Serialize};

use super::collect::Msg;
use crate::format::EventId;
use crate::report::scan::ReportRow;

/// How many files messages are set aside in (the hash's value modulo this picks one).
pub(super) const BUCKETS: u64 = 256;

/// The bits of the hash a bucket takes (`BUCKETS` is 2 to this power).
pub(super) const BUCKET_BITS: u32 = BUCKETS.trailing_zeros();
const _: () = assert!(BUCKETS.is_power_of_two());

/// What a bucket's buffer holds before it is written out.
const BLOCK: usize = 32 << 10;

/// One record of a bucket: a message's state so far, or a row of a message set aside.
#[derive(Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // one at a time, never stored: boxing would cost a row
enum Record<'a> {
    State(Box<Msg>),
    Row(#[serde(borrow)] Row<'a>),
}

/// The fields of a [`ReportRow`] the summary reads, as written to a bucket.
#[derive(Serialize, Deserialize)]
struct Row<'a> {
    timestamp_ms: i64,
    server: &'a str,
    event: EventId,
    source: &'a str,
    source_context: &'a str,
    connector_id: &'a str,
    message_id: &'a str,
    sender: &'a str,
    return_path: &'a str,
    #[serde(borrow)]
    recipients: Vec<&'a str>,
    #[serde(borrow)]
    statuses: Vec<&'a str>,
    related: &'a str,
    total_bytes: Option<i64>,
    directionality: &'a str,
    message_info: &'a str,
}

/// A record read back: a message's state so far, or a later row of it.
pub(super) enum SetAside<'r, 'a> {
    State(Box<Msg>),
    Row(&'r ReportRow<'a>),
}

/// One bucket: its file (made when first written) and its unwritten block.
#[derive(Default)]
struct Bucket {
    file: Option<File>,
    block: Vec<u8>,
    states: u64,
    rows: u64,
    /// Bytes written to the file.
    written: u64,
}

/// The buckets of one summary.
pub(super) struct Spill {
    buckets: Vec<Bucket>,
    /// One compressor for every block (a context made per block cost time and memory).
    packer: zstd::bulk::Compressor<'static>,
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

fn encode_error(e: bincode::error::EncodeError) -> io::Error {
    io::Error::other(e.to_string())
}

impl Spill {
    /// No message set aside yet.
    pub(super) fn new() -> io::Result<Spill> {
        Ok(Spill {
            buckets: (0..BUCKETS).map(|_| Bucket::default()).collect(),
            packer: zstd::bulk::Compressor::new(1)?,
        })
    }

    /// The bucket of a message whose Message-ID hashes to `hash`.
    pub(super) fn bucket_of(hash: u64) -> usize {
        (hash % BUCKETS) as usize
    }

    /// Sets aside the state of the message hashed `hash`.
    pub(super) fn state(&mut self, hash: u64, m: Box<Msg>) -> io::Result<()> {
        let b = Spill::bucket_of(hash);
        self.buckets[b].states += 1;
        self.write(b, &Record::State(m))
    }

    /// Sets aside a row of the message hashed `hash` (the fields the summary reads of it).
    pub(super) fn row(&mut self, hash: u64, row: &ReportRow<'_>) -> io::Result<()> {
        let row = &super::collect::as_folded(row);
        let b = Spill::bucket_of(hash);
        self.buckets[b].rows += 1;
        let record = Record::Row(Row {
            timestamp_ms: row.timestamp_ms,
            server: row.server,
            event: row.event,
            source: row.source,
            source_context: row.source_context,
            connector_id: row.connector_id,
            message_id: row.message_id,
            sender: row.sender,
            return_path: row.return_path,
            recipients: row.recipients.to_vec(),
            statuses: row.statuses.to_vec(),
            related: row.related,
            total_bytes: row.total_bytes,
            directionality: row.directionality,
            message_info: row.message_info,
        });
        self.write(b, &record)
    }

    fn write(&mut self, b: usize, record: &Record<'_>) -> io::Result<()> {
        let bucket = &mut self.buckets[b];
        bincode::serde::encode_into_std_write(record, &mut bucket.block, config())
            .map_err(encode_error)?;
        if bucket.block.len() >= BLOCK {
            flush(bucket, &mut self.packer)?;
        }
        Ok(())
    }

    /// The bytes set aside in bucket `b` (written, and waiting in its block).
    pub(super) fn bytes_of(&self, b: usize) -> u64 {
        let bucket = &self.buckets[b];
        bucket.written + bucket.block.len() as u64
    }

    /// The bytes set aside in every bucket.
    pub(super) fn bytes(&self) -> u64 {
        (0..self.buckets.len()).map(|b| self.bytes_of(b)).sum()
    }

    /// The buckets holding anything, with how many states and rows each holds.
    pub(super) fn filled(&self) -> Vec<(usize, u64, u64)> {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.states + b.rows > 0)
            .map(|(i, b)| (i, b.states, b.rows))
            .collect()
    }

    /// Reads bucket `b` back, each record in the order written.
    pub(super) fn read(
        &mut self,
        b: usize,
        mut each: impl FnMut(SetAside<'_, '_>),
    ) -> io::Result<()> {
        let bucket = &mut self.buckets[b];
        flush(bucket, &mut self.packer)?;
        let Some(file) = bucket.file.as_mut() else {
            return Ok(());
        };
        file.rewind()?;
        let mut reader = BufReader::new(&*file);
        let mut packed = Vec::new();
        let mut unpacker = zstd::bulk::Decompressor::new()?;
        loop {
            let mut lens = [0u8; 8];
            match reader.read_exact(&mut lens) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
            let [a, b, c, d, e, f, g, h] = lens;
            let len = u32::from_le_bytes([a, b, c, d]) as usize;
            packed.resize(u32::from_le_bytes([e, f, g, h]) as usize, 0);
            reader.read_exact(&mut packed)?;
            let block = unpacker.decompress(&packed, len)?;
            let mut at = 0;
            while at < block.len() {
                let (record, used): (Record<'_>, usize) =
                    bincode::serde::borrow_decode_from_slice(&block[at..], config())
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                at += used;
                match record {
                    Record::State(m) => each(SetAside::State(m)),
                    Record::Row(r) => each(SetAside::Row(&ReportRow {
                        timestamp_ms: r.timestamp_ms,
                        server: r.server,
                        event: r.event,
                        source: r.source,
                        source_context: r.source_context,
                        connector_id: r.connector_id,
                        message_id: r.message_id,
                        sender: r.sender,
                        return_path: r.return_path,
                        recipients: &r.recipients,
                        statuses: &r.statuses,
                        related: r.related,
                        reference: &[],
                        total_bytes: r.total_bytes,
                        directionality: r.directionality,
                        message_info: r.message_info,
                    })),
                }
            }
        }
        Ok(())
    }

    /// Forgets bucket `b` (its file is closed, and so deleted).
    pub(super) fn forget(&mut self, b: usize) {
        self.buckets[b] = Bucket::default();
    }
}

/// Writes the bucket's block to its file (made now if it has none), compressed (zstd's
/// fastest level: the rows' text shrinks about fourfold), after its length and its
/// compressed length.
fn flush(bucket: &mut Bucket, packer: &mut zstd::bulk::Compressor<'_>) -> io::Result<()> {
    if bucket.block.is_empty() {
        return Ok(());
    }
    let file = match &mut bucket.file {
        Some(f) => f,
        None => bucket.file.insert(tempfile::tempfile()?),
    };
    let packed = packer.compress(&bucket.block)?;
    let len = u32::try_from(bucket.block.len()).map_err(io::Error::other)?;
    let packed_len = u32::try_from(packed.len()).map_err(io::Error::other)?;
    file.seek(io::SeekFrom::End(0))?;
    file.write_all(&len.to_le_bytes())?;
    file.write_all(&packed_len.to_le_bytes())?;
    file.write_all(&packed)?;
    bucket.written += 8 + packed.len() as u64;
    bucket.block.clear();
    Ok(())
}
