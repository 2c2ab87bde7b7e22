//! `msgtrack index`: converting logs into the store, incrementally and safely.
//!
//! Per source file: unchanged (same size, time and first bytes) → nothing to do; grown with the
//! same start → only the rows after the lines already consumed are added, as a new part; any
//! other change → its parts are replaced. Parts are written under a temporary name and renamed;
//! the manifest is written last, so a run cut short leaves the store as it was (plus unlisted
//! parts, which the next run removes). One run at a time: a lock file held for the run.
//! Nothing is ever written into a log folder.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::format::store_keys::{
    KEYED_FIELDS, KeyFilterBuilder, PartKeys, keys_name, part_of_keys,
};
use crate::format::store_layout::{part_name, partition};
use crate::format::store_manifest::{MANIFEST, Manifest, Part, Source, head_hash};
use crate::format::{Field, FieldSet};
use crate::frame::access::{StringListView, integers, text_column, timestamps_ms};
use crate::ingest::{Diagnostic, LogFile, Progress, ReadOptions, discover, read_files};

/// How to index.
#[derive(Default, Clone)]
pub struct IndexOptions {
    /// Drop the rows of source files that no longer exist (default: keep them, as history).
    pub prune: bool,
    /// Drop partitions whose day is older than this many days before today.
    pub retain_days: Option<u32>,
    /// Told the bytes to read and as each file is done.
    pub progress: Option<Arc<dyn Progress>>,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct IndexReport {
    /// Files converted for the first time.
    pub new_files: usize,
    /// Files whose new tail was added.
    pub grown_files: usize,
    /// Files converted again because they changed.
    pub replaced_files: usize,
    /// Files already in the store as they are.
    pub unchanged_files: usize,
    /// Sources dropped by `--prune`, and parts dropped by `--retain`.
    pub pruned_sources: usize,
    /// Parts dropped by `--retain`.
    pub retained_out_parts: usize,
    /// Rows added by this run, and lines that could not be read.
    pub rows_added: u64,
    /// Lines that could not be read.
    pub bad_lines: u64,
    /// Bytes of logs read.
    pub bytes_read: u64,
    /// Every problem met reading the logs (file and line).
    pub diagnostics: Vec<Diagnostic>,
    /// Rows and parts in the store after the run.
    pub store_rows: u64,
    /// Parts the store holds after the run.
    pub store_parts: usize,
}

/// Why indexing failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0}: another msgtrack index is writing this store now; wait for it to finish")]
    /// Another run holds the store's lock.
    Locked(PathBuf),
    #[error(
        "{0}: the folder holds other files and no store manifest; give an empty or new folder for the store"
    )]
    /// The folder holds other files and no manifest.
    NotAStore(PathBuf),
    #[error(
        "{0}: the store cannot be inside a folder of logs being indexed, nor a log folder inside the store"
    )]
    /// The store and a log folder overlap.
    Overlap(PathBuf),
    #[error(transparent)]
    /// The manifest could not be read or written.
    Manifest(#[from] crate::format::store_manifest::ManifestError),
    #[error(transparent)]
    /// A path given does not exist.
    Discover(#[from] crate::ingest::discover::DiscoverError),
    #[error("{path}: {message}")]
    /// A part or the manifest could not be written.
    Write {
        /// What could not be written.
        path: PathBuf,
        /// Why.
        message: String,
    },
    #[error(transparent)]
    /// The logs could not be read.
    Read(#[from] crate::ingest::ReadError),
}

pub use crate::format::store_layout::stored_fields;

/// A file's identity now.
struct Identity {
    size: u64,
    modified_ms: i64,
    head_hash: String,
    head_len: u64,
}

/// The identity of `path`, hashing its first `head_len` bytes (the length hashed when the
/// file was first converted, so a short file that grew still matches its start).
fn identity(path: &Path, head_len: usize) -> std::io::Result<Identity> {
    let meta = std::fs::metadata(path)?;
    let mut head = vec![0u8; head_len];
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        let got = f.read(&mut head[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    head.truncate(n);
    Ok(Identity {
        size: meta.len(),
        modified_ms: meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64),
        head_hash: head_hash(&head),
        head_len: n as u64,
    })
}

/// What to do with one source file.
enum Action {
    Unchanged,
    /// Keep the rows after this many lines.
    Grown(u64),
    Replace,
    New,
}

/// One file's conversion.
struct Converted {
    source: Source,
    rows_added: u64,
    bytes_read: u64,
    diagnostics: Vec<Diagnostic>,
    action: &'static str,
    /// Parts replaced (to delete once the manifest no longer lists them).
    obsolete: Vec<String>,
}

/// Converts the logs under `sources` into the store at `store`.
pub fn index(
    sources: &[PathBuf],
    store: &Path,
    options: &IndexOptions,
) -> Result<IndexReport, IndexError> {
    std::fs::create_dir_all(store).map_err(|e| IndexError::Write {
        path: store.to_path_buf(),
        message: e.to_string(),
    })?;
    let store_abs = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    for s in sources {
        let abs = std::fs::canonicalize(s).unwrap_or_else(|_| s.clone());
        if abs.starts_with(&store_abs) || store_abs.starts_with(&abs) {
            return Err(IndexError::Overlap(s.clone()));
        }
    }
    let _lock = lock(store)?;
    let mut manifest = if Manifest::is_store(store) {
        Manifest::load(store)?
    } else {
        let foreign = std::fs::read_dir(store)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .any(|e| e.file_name() != ".msgtrack-store.lock")
            })
            .unwrap_or(false);
        if foreign {
            return Err(IndexError::NotAStore(store.to_path_buf()));
        }
        Manifest::new()
    };

    let files: Vec<LogFile> = discover(sources)?
        .into_iter()
        .filter(|f| f.part.is_none())
        .collect();
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .sum();
    if let Some(p) = &options.progress {
        p.start(total);
    }
    let mut report = IndexReport::default();
    // A few files convert at once (two per core: a part is flushed to disk before it is
    // renamed, and a worker waiting for the disk leaves its core to the other), each on a
    // plain thread that waits for its own work (the decoding and polars' sorting and writing
    // run on the shared pools). Converting them as rayon tasks had let a waiting task start
    // another file, then another: most of the files decoded at once (memory) and finished
    // last-in first-out.
    //
    // Files are taken in chunks: consecutive files of one folder and log prefix, whose rows
    // go into the same parts (one per server and day), so that a store holds a few large
    // parts rather than one small part per hourly log (a part costs its reader a file, a
    // footer and a decompression context per column, whatever its size).
    let workers = 2 * std::thread::available_parallelism().map_or(2, |n| n.get());
    let count = files.len();
    let run = format!("r{}", chrono::Utc::now().timestamp_millis());
    let chunks = chunks(files);
    let chunk_count = chunks.len();
    // Chunks are numbered in the parts' names: two folders holding logs of the same name (two
    // copies of one server's folder) would otherwise write parts of the same name in one run,
    // the second replacing the first under the first's manifest entries.
    let queue = std::sync::Mutex::new(chunks.into_iter().enumerate());
    let results: std::sync::Mutex<Vec<Option<Result<Converted, IndexError>>>> =
        std::sync::Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(chunk_count.max(1)) {
            let spawned = std::thread::Builder::new()
                // The nested work and polars' Parquet writer need deep stacks.
                .stack_size(64 << 20)
                .spawn_scoped(scope, || {
                    while let Some((n, chunk)) = queue.lock().ok().and_then(|mut q| q.next()) {
                        let run = format!("{run}.{n}");
                        let done = convert_chunk(store, chunk, &manifest, &run, |c| {
                            if let Some(p) = &options.progress {
                                p.advance(c.bytes_read.max(1));
                            }
                        });
                        if let Ok(mut r) = results.lock() {
                            for (i, out) in done {
                                r[i] = Some(out);
                            }
                        }
                    }
                });
            if spawned.is_err() {
                break;
            }
        }
    });
    let results: Vec<Result<Converted, IndexError>> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(IndexError::Write {
                    path: store.to_path_buf(),
                    message: "a worker thread could not convert a file".into(),
                })
            })
        })
        .collect();
    let mut obsolete = Vec::new();
    let mut seen = HashSet::new();
    for result in results {
        let c = result?;
        seen.insert(c.source.path.clone());
        match c.action {
            "new" => report.new_files += 1,
            "grown" => report.grown_files += 1,
            "replaced" => report.replaced_files += 1,
            _ => report.unchanged_files += 1,
        }
        report.rows_added += c.rows_added;
        report.bytes_read += c.bytes_read;
        report.bad_lines += c.diagnostics.iter().filter(|d| d.line.is_some()).count() as u64;
        report.diagnostics.extend(c.diagnostics);
        obsolete.extend(c.obsolete);
        match manifest
            .sources
            .iter_mut()
            .find(|s| s.path == c.source.path)
        {
            Some(s) => *s = c.source,
            None => manifest.sources.push(c.source),
        }
    }
    if options.prune {
        let before = manifest.sources.len();
        manifest.sources.retain(|s| {
            let keep = seen.contains(&s.path) || Path::new(&s.path).exists();
            if !keep {
                obsolete.extend(s.parts.iter().map(|p| p.path.clone()));
            }
            keep
        });
        report.pruned_sources = before - manifest.sources.len();
    }
    if let Some(days) = options.retain_days {
        let cutoff = chrono::Utc::now().timestamp_millis() - i64::from(days) * 86_400_000;
        for s in &mut manifest.sources {
            s.parts.retain(|p| {
                let keep = p.last_ms >= cutoff;
                if !keep {
                    obsolete.push(p.path.clone());
                }
                keep
            });
        }
        report.retained_out_parts = obsolete.len();
    }
    manifest.sources.sort_by(|a, b| a.path.cmp(&b.path));
    manifest.save(store).map_err(|e| IndexError::Write {
        path: store.join(MANIFEST),
        message: e.to_string(),
    })?;
    // Only now, with the manifest no longer listing them: old parts and leftovers of runs cut
    // short.
    let listed: HashSet<String> = manifest
        .sources
        .iter()
        .flat_map(|s| s.parts.iter().map(|p| p.path.clone()))
        .collect();
    for path in obsolete {
        if !listed.contains(&path) {
            let _ = std::fs::remove_file(store.join(&path));
        }
    }
    remove_unlisted(store, &listed);
    if let Some(p) = &options.progress {
        p.finish();
    }
    report.store_rows = manifest.sources.iter().map(|s| s.rows).sum();
    report.store_parts = listed.len();
    Ok(report)
}

/// Holds the store's lock for the run (released by the OS even if the process dies).
fn lock(store: &Path) -> Result<File, IndexError> {
    let path = store.join(".msgtrack-store.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| IndexError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
    // A lock just let go can still be held for a moment: a process started then (by this
    // one, or by another thread of it) holds a copy of the lock's descriptor until it has
    // started its program. So a held lock is tried again for a second before it is refused.
    for _ in 0..50 {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(IndexError::Write {
                    path,
                    message: e.to_string(),
                });
            }
        }
    }
    Err(IndexError::Locked(store.to_path_buf()))
}

/// Deletes Parquet files and temporaries under the store that the manifest does not list.
fn remove_unlisted(store: &Path, listed: &HashSet<String>) {
    for entry in walkdir::WalkDir::new(store)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(store) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        // A key file goes with its part (the key files of parts just made obsolete go here).
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", &rel));
        let owner = part_of_keys(name).map(|n| {
            if folder.is_empty() {
                n.to_string()
            } else {
                format!("{folder}/{n}")
            }
        });
        let ours = rel.ends_with(".parquet") || rel.contains("/.tmp-") || owner.is_some();
        let listed_as = owner.as_ref().unwrap_or(&rel);
        if ours && !listed.contains(listed_as) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// New bytes of logs converted together into the same parts, at most.
const CHUNK_BYTES: u64 = 256 << 20;
/// Rows a part holds at most: a scan opens a few dozen parts per GB (each costs a file, a
/// footer and its schema); what a few rows cost is bounded by the row group, not the part.
/// Measured on 1 GB (q1–q5 of `benches/store.rs`, row groups of 4,096): 8,192 rows (195
/// parts) 41/62/23/49/36 ms, 16,384 (117) 38/55/27/43/36, 32,768 (70) 36/54/28/43/36.
const PART_ROWS: u64 = 32_768;
/// Rows a row group holds (rows are buffered until then): reading a few rows of a part (one
/// message, a FAIL row) decodes the row groups holding them. Measured on 1 GB: 1,024 rows
/// made the store 20 % bigger and scans 30–60 % slower; 2,048 scans 10–20 % slower for the
/// same FAIL lookup; 8,192 the FAIL lookup 40 % slower.
const GROUP_ROWS: usize = 4_096;

/// The files (with their place in `files`) cut into chunks: consecutive files of one folder
/// and log prefix, up to [`CHUNK_BYTES`].
fn chunks(files: Vec<LogFile>) -> Vec<Vec<(usize, LogFile)>> {
    let mut out: Vec<Vec<(usize, LogFile)>> = Vec::new();
    let mut bytes = 0u64;
    let group = |f: &LogFile| {
        (
            f.path.parent().map(Path::to_path_buf),
            f.name.map(|n| n.prefix),
        )
    };
    for (i, file) in files.into_iter().enumerate() {
        let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
        let joins = out.last().is_some_and(|c| {
            c.last()
                .is_some_and(|(_, last)| group(last) == group(&file) && bytes + size <= CHUNK_BYTES)
        });
        if joins {
            bytes += size;
        } else {
            bytes = size;
            out.push(Vec::new());
        }
        if let Some(c) = out.last_mut() {
            c.push((i, file));
        }
    }
    out
}

/// What reading one file gave: nothing new, or the rows to add.
enum Step {
    Unchanged(Box<Converted>),
    Rows(Box<Decoded>),
}

/// A file's rows to add, and what the manifest will say of it.
struct Decoded {
    key: String,
    known: Option<Source>,
    id: Identity,
    action: Action,
    /// The rows to add, in time order, with the stored columns.
    frame: DataFrame,
    consumed: u64,
    server: String,
    bad_lines: u64,
    diagnostics: Vec<Diagnostic>,
    file_name: String,
}

/// Reads one file as its manifest entry (if any) says.
fn decode(file: &LogFile, known: Option<Source>) -> Result<Step, IndexError> {
    let key = file.path.display().to_string();
    let head_len = known
        .as_ref()
        .filter(|k| k.head_len > 0)
        .map_or(crate::format::store_manifest::HEAD_BYTES, |k| {
            k.head_len as usize
        });
    let id = identity(&file.path, head_len).map_err(|e| IndexError::Write {
        path: file.path.clone(),
        message: format!("cannot read: {e}"),
    })?;
    let action = match &known {
        Some(k)
            if k.head_hash == id.head_hash
                && k.size == id.size
                && k.modified_ms == id.modified_ms =>
        {
            Action::Unchanged
        }
        Some(k) if k.head_hash == id.head_hash && id.size > k.size => Action::Grown(k.lines),
        Some(_) => Action::Replace,
        None => Action::New,
    };
    if let (Action::Unchanged, Some(k)) = (&action, &known) {
        return Ok(Step::Unchanged(Box::new(Converted {
            source: k.clone(),
            rows_added: 0,
            bytes_read: 0,
            diagnostics: Vec::new(),
            action: "unchanged",
            obsolete: Vec::new(),
        })));
    }
    let options = ReadOptions::default().with_columns(stored_fields());
    let ingest = read_files(vec![file.clone()], &options)?;
    let file_report = ingest.files.first().cloned();
    let consumed = file_report
        .as_ref()
        .map_or(0, |r| r.lines - u64::from(r.held_back));
    let server = file_report
        .as_ref()
        .map_or_else(String::new, |r| r.server.clone());
    let after = match action {
        Action::Grown(lines) => lines,
        _ => 0,
    };
    let mut frame = ingest.frame;
    if after > 0 && frame.height() > 0 {
        let lines = integers(&frame, Field::Line).map_err(|e| write_err(&file.path, e))?;
        let mask: BooleanChunked = lines
            .iter()
            .map(|l| Some(l.unwrap_or(0) > after as i64))
            .collect();
        frame = frame.filter(&mask).map_err(|e| write_err(&file.path, e))?;
    }
    // Logs are written in time order: sort (a gather of every column) only when they are not.
    let times = timestamps_ms(&frame).map_err(|e| write_err(&file.path, e))?;
    if !times.is_sorted() {
        frame = frame
            .sort(
                [Field::Timestamp.name()],
                SortMultipleOptions::default().with_maintain_order(true),
            )
            .map_err(|e| write_err(&file.path, e))?;
    }
    Ok(Step::Rows(Box::new(Decoded {
        key,
        known,
        id,
        action,
        frame,
        consumed,
        server,
        bad_lines: file_report.as_ref().map_or(0, |r| r.bad_lines),
        diagnostics: ingest.diagnostics,
        file_name: file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })))
}

/// What the manifest says of a file once its new rows are in `new_parts`.
fn converted(file: &Path, d: Decoded, new_parts: Vec<Part>) -> Converted {
    let rows_added: u64 = new_parts.iter().map(|p| p.rows).sum();
    let (mut parts, obsolete, action_name) = match (&d.action, d.known) {
        (Action::Grown(_), Some(k)) => (k.parts, Vec::new(), "grown"),
        (_, Some(k)) => (
            Vec::new(),
            k.parts.into_iter().map(|p| p.path).collect(),
            "replaced",
        ),
        (_, None) => (Vec::new(), Vec::new(), "new"),
    };
    let rows_before: u64 = parts.iter().map(|p| p.rows).sum();
    parts.extend(new_parts);
    // The start kept: the file's first 4 KiB as it is now (or all of it, when shorter). Size
    // and time stay those seen before reading: lines appended meanwhile are read next run.
    let head = identity(file, crate::format::store_manifest::HEAD_BYTES).unwrap_or(Identity {
        size: d.id.size,
        modified_ms: d.id.modified_ms,
        head_hash: d.id.head_hash.clone(),
        head_len: d.id.head_len,
    });
    Converted {
        source: Source {
            path: d.key,
            size: d.id.size,
            modified_ms: d.id.modified_ms,
            head_hash: head.head_hash,
            head_len: head.head_len,
            lines: d.consumed,
            rows: rows_before + rows_added,
            bad_lines: d.bad_lines,
            server: d.server,
            parts,
        },
        rows_added,
        bytes_read: d.id.size,
        diagnostics: d.diagnostics,
        action: action_name,
        obsolete,
    }
}

/// Converts a chunk of files, in order, into shared parts: each file's rows of each UTC day
/// go into the open part of that server and day (a new one when there is none, or it is
/// full). `done` is told of each file converted.
fn convert_chunk(
    store: &Path,
    chunk: Vec<(usize, LogFile)>,
    manifest: &Manifest,
    run: &str,
    done: impl Fn(&Converted),
) -> Vec<(usize, Result<Converted, IndexError>)> {
    let mut out = Vec::with_capacity(chunk.len());
    let mut open: Option<PartWriter> = None;
    for (i, file) in chunk {
        let key = file.path.display().to_string();
        let known = manifest.sources.iter().find(|s| s.path == key).cloned();
        let result = decode(&file, known).and_then(|step| match step {
            Step::Unchanged(c) => Ok(*c),
            Step::Rows(d) => {
                let parts =
                    append_file(store, run, &mut open, &d).map_err(|e| write_err(&file.path, e))?;
                Ok(converted(&file.path, *d, parts))
            }
        });
        if let Ok(c) = &result {
            done(c);
        }
        let failed = result.is_err();
        out.push((i, result));
        if failed {
            // The run stops at its first error (the store is left as it was).
            return out;
        }
    }
    if let Some(w) = open
        && let Err(e) = w.close()
        && let Some((_, last)) = out.last_mut()
    {
        *last = Err(write_err(store, e));
    }
    out
}

/// Appends a file's rows to the open parts (closing and opening parts as days, servers and
/// sizes require): the file's entries in them.
fn append_file(
    store: &Path,
    run: &str,
    open: &mut Option<PartWriter>,
    d: &Decoded,
) -> PolarsResult<Vec<Part>> {
    let frame = &d.frame;
    if frame.height() == 0 {
        return Ok(Vec::new());
    }
    let times = timestamps_ms(frame)?;
    let lines = integers(frame, Field::Line)?;
    // A UTC day as a number (days since the epoch), and as its folder's date.
    let day_number = |ms: i64| ms.div_euclid(86_400_000);
    let day_of = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).map_or_else(
            || "unknown".to_string(),
            |t| t.format("%Y-%m-%d").to_string(),
        )
    };
    let mut parts = Vec::new();
    let mut start = 0;
    while start < times.len() {
        let number = day_number(times[start]);
        let mut end = start + 1;
        while end < times.len() && day_number(times[end]) == number {
            end += 1;
        }
        let folder = partition(&d.server, &day_of(times[start]));
        let first_line = lines[start..end]
            .iter()
            .filter_map(|l| *l)
            .min()
            .unwrap_or(0) as u64;
        let mut slice = frame.slice(start as i64, end - start);
        // Line as a signed 64-bit number: engines without unsigned types (Spark, Trino) read it.
        slice.apply(Field::Line.name(), |c| {
            c.cast(&DataType::Int64).unwrap_or_else(|_| c.clone())
        })?;
        if open
            .as_ref()
            .is_some_and(|w| w.folder != folder || w.rows >= PART_ROWS)
            && let Some(w) = open.take()
        {
            w.close()?;
        }
        let writer = match open {
            Some(w) => w,
            None => open.insert(PartWriter::open(
                store,
                &folder,
                &part_name(&d.file_name, first_line, run),
                slice.schema(),
            )?),
        };
        let offset = writer.append(slice)?;
        parts.push(Part {
            path: format!("{}/{}", writer.folder, writer.name),
            offset,
            first_line: Some(first_line),
            rows: (end - start) as u64,
            first_ms: times[start],
            last_ms: times[end - 1],
        });
        start = end;
    }
    Ok(parts)
}

/// A part being written: rows of one server and day, from consecutive files, buffered into
/// row groups; its key filters grow with it.
struct PartWriter {
    folder: String,
    name: String,
    dir: PathBuf,
    tmp: PathBuf,
    writer: super::part_file::PartFileWriter<std::io::BufWriter<File>>,
    pending: Vec<DataFrame>,
    pending_rows: usize,
    rows: u64,
    keys: Vec<(Field, KeyFilterBuilder)>,
}

impl PartWriter {
    fn open(store: &Path, folder: &str, name: &str, schema: &Schema) -> PolarsResult<PartWriter> {
        let dir = store.join(folder);
        std::fs::create_dir_all(&dir).map_err(io_err)?;
        let tmp = dir.join(format!(".tmp-{name}"));
        // Buffered: the writer makes many small writes (millions of system calls unbuffered).
        let out = std::io::BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(io_err)?);
        let writer = super::part_file::PartFileWriter::new(out, schema)?;
        Ok(PartWriter {
            folder: folder.to_string(),
            name: name.to_string(),
            dir,
            tmp,
            writer,
            pending: Vec::new(),
            pending_rows: 0,
            rows: 0,
            keys: KEYED_FIELDS
                .iter()
                .map(|f| (*f, KeyFilterBuilder::default()))
                .collect(),
        })
    }

    /// Adds rows; the row of the part the first of them is.
    fn append(&mut self, slice: DataFrame) -> PolarsResult<u64> {
        let offset = self.rows;
        add_keys(&mut self.keys, &slice)?;
        self.rows += slice.height() as u64;
        self.pending_rows += slice.height();
        self.pending.push(slice);
        if self.pending_rows >= GROUP_ROWS {
            self.flush(false)?;
        }
        Ok(offset)
    }

    /// Writes the buffered rows as row groups of [`GROUP_ROWS`]; the rest stays buffered
    /// unless `all`.
    fn flush(&mut self, all: bool) -> PolarsResult<()> {
        let mut frames = std::mem::take(&mut self.pending).into_iter();
        self.pending_rows = 0;
        let Some(mut group) = frames.next() else {
            return Ok(());
        };
        for f in frames {
            group.vstack_mut_owned(f)?;
        }
        group.rechunk_mut();
        let height = group.height();
        let mut offset = 0;
        while height - offset >= GROUP_ROWS || (all && offset < height) {
            let len = GROUP_ROWS.min(height - offset);
            self.writer.write(&group.slice(offset as i64, len))?;
            offset += len;
        }
        if offset < height {
            self.pending_rows = height - offset;
            self.pending
                .push(group.slice(offset as i64, height - offset));
        }
        Ok(())
    }

    /// Finishes the file, on disk, with its key file, and gives it its name (a crash before
    /// leaves only temporary files, which the next run removes).
    fn close(mut self) -> PolarsResult<()> {
        self.flush(true)?;
        // On disk before the rename makes it a part (a crash never leaves a torn part).
        let file = self
            .writer
            .finish()?
            .into_inner()
            .map_err(|e| io_err(e.into_error()))?;
        file.sync_data().map_err(io_err)?;
        let keys = PartKeys(
            self.keys
                .into_iter()
                .map(|(f, b)| (f, b.finish()))
                .collect(),
        );
        let keys_tmp = self.dir.join(format!(".tmp-{}", keys_name(&self.name)));
        std::fs::write(&keys_tmp, keys.to_bytes()).map_err(io_err)?;
        std::fs::rename(&keys_tmp, self.dir.join(keys_name(&self.name))).map_err(io_err)?;
        std::fs::rename(&self.tmp, self.dir.join(&self.name)).map_err(io_err)?;
        Ok(())
    }
}

fn io_err(e: std::io::Error) -> PolarsError {
    PolarsError::IO {
        error: Arc::new(e),
        msg: None,
    }
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Adds a part's rows' keys (MessageId, Sender and every Recipients member) to its filters.
fn add_keys(keys: &mut [(Field, KeyFilterBuilder)], slice: &DataFrame) -> PolarsResult<()> {
    for (field, builder) in keys.iter_mut() {
        if field.is_list() {
            let lists = StringListView::new(slice, *field)?;
            let (mut members, mut before) = (Vec::new(), Vec::new());
            for i in 0..slice.height() {
                lists.fill(i, &mut members);
                // A message's recipients repeat on its consecutive rows: added once.
                if i == 0 || members != before {
                    builder.add(members.iter().copied());
                }
                std::mem::swap(&mut members, &mut before);
            }
        } else {
            let text = text_column(slice, *field)?;
            builder.add(text.iter().map(|v| v.unwrap_or("")));
        }
    }
    Ok(())
}

/// When `dir` is a store some of whose source files changed since it was written: a note
/// saying so (the answer then misses their new rows).
pub fn staleness(dir: &Path) -> Option<String> {
    if !Manifest::is_store(dir) {
        return None;
    }
    let manifest = Manifest::load_shared(dir).ok()?;
    let changed = manifest
        .sources
        .iter()
        .filter(|s| {
            std::fs::metadata(&s.path).is_ok_and(|m| {
                let modified = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_millis() as i64);
                m.len() != s.size || modified != s.modified_ms
            })
        })
        .count();
    (changed > 0).then(|| {
        format!(
            "the store {} was written at {}; {changed} of its source file(s) changed since (run `msgtrack index` with --store {} to add their new rows)",
            dir.display(),
            manifest.updated,
            dir.display()
        )
    })
}

/// Whether a set of fields includes only what the store keeps.
pub fn stored(columns: FieldSet) -> bool {
    columns.columns().iter().all(|f| !f.is_derived())
}
