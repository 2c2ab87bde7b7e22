//! Finding tracking logs under the paths a user gives, in rotation order.
//!
//! Folders are searched recursively for `MSGTRK`, `MSGTRKMS`, `MSGTRKMD`, `MSGTRKMA` and
//! 2010's `MSGTRKM` files, daily (`yyyyMMdd-N`) or hourly (`yyyyMMddHH-N`), in any case. A file
//! named explicitly is read whatever its name. Files are ordered per folder and prefix by
//! date, hour, then instance as a number (`-10` after `-9`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::format::names::{LogName, LogPrefix};
use crate::format::store_manifest::Manifest;

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// The file's path.
    pub path: PathBuf,
    /// The parsed name, when it follows Exchange's naming.
    pub name: Option<LogName>,
    /// The user named this file (rather than a folder holding it).
    pub explicit: bool,
    /// Why this entry cannot be read (an unreadable folder, a symlink loop, a FIFO or device
    /// named like a log): the reader reports it as a refused file and goes on with the rest.
    pub problem: Option<String>,
    /// A Parquet part of a store (see [`crate::store`]), with its source log file.
    pub part: Option<StorePart>,
}

/// What a store's manifest says of one of its part files: the sources whose rows it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePart {
    /// The sources' rows in the file, in the file's order (by offset).
    pub ranges: Vec<PartRange>,
    /// The file may hold rows beyond `ranges` (of other sources, or of no source any more):
    /// only the listed rows are read.
    pub shared: bool,
}

/// One source's rows in a part file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRange {
    /// The log file they came from (as given to `msgtrack index`).
    pub source: PathBuf,
    /// The source's parsed file name, when it follows Exchange's naming.
    pub source_name: Option<LogName>,
    /// The source's line of the first of them (a grown file's tail starts further down).
    pub first_line: u64,
    /// Their server.
    pub server: String,
    /// The source file's size when converted.
    pub source_bytes: u64,
    /// The first of them in the part file.
    pub offset: u64,
    /// How many.
    pub rows: u64,
    /// Their earliest Timestamp (ms).
    pub first_ms: i64,
    /// Their latest Timestamp (ms).
    pub last_ms: i64,
}

impl StorePart {
    /// The first source's rows (a part lists at least one).
    pub fn first(&self) -> Option<&PartRange> {
        self.ranges.first()
    }

    /// The earliest Timestamp of its listed rows (ms).
    pub fn first_ms(&self) -> i64 {
        self.ranges
            .iter()
            .map(|r| r.first_ms)
            .min()
            .unwrap_or(i64::MAX)
    }

    /// The latest Timestamp of its listed rows (ms).
    pub fn last_ms(&self) -> i64 {
        self.ranges
            .iter()
            .map(|r| r.last_ms)
            .max()
            .unwrap_or(i64::MIN)
    }

    /// The server of its rows (a part holds one server's).
    pub fn server(&self) -> &str {
        self.first().map_or("", |r| r.server.as_str())
    }
}

impl LogFile {
    fn readable(path: PathBuf, name: Option<LogName>, explicit: bool) -> LogFile {
        LogFile {
            path,
            name,
            explicit,
            problem: None,
            part: None,
        }
    }

    fn unreadable(path: PathBuf, problem: String) -> LogFile {
        LogFile {
            path,
            name: None,
            explicit: false,
            problem: Some(problem),
            part: None,
        }
    }
}

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{path}: no such file or folder")]
    NotFound { path: PathBuf },
}

/// What kind of file system entry this is, for a message (`a FIFO`, `a device`).
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// The log name of a file name, read through U+FFFD when the name is not UTF-8 (such a
/// file is read, and its path shown lossily).
fn log_name(file_name: &std::ffi::OsStr) -> Option<LogName> {
    LogName::parse(&file_name.to_string_lossy())
}

/// Finds the tracking logs under `paths` (files and folders), in reading order. Only a path
/// that does not exist is an error; a folder that cannot be read, a symlink loop, or a FIFO or
/// device named like a log becomes an entry with its `problem`, reported by the reader while
/// everything else is read.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<LogFile>, DiscoverError> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).map_err(|_| DiscoverError::NotFound { path: path.clone() })?;
        if meta.is_dir() {
            let mut walk = walkdir::WalkDir::new(path).follow_links(true).into_iter();
            while let Some(entry) = walk.next() {
                // A store (its manifest) is read through its manifest, not walked.
                if let Ok(e) = &entry
                    && e.file_type().is_dir()
                    && Manifest::is_store(e.path())
                {
                    store_parts(e.path(), &mut files);
                    if e.depth() > 0 {
                        walk.skip_current_dir();
                    } else {
                        break;
                    }
                    continue;
                }
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        let at = e.path().map_or_else(|| path.clone(), Path::to_path_buf);
                        let why = if e.loop_ancestor().is_some() {
                            "a symbolic link loop; not followed".to_string()
                        } else {
                            format!(
                                "cannot be read ({}); skipped",
                                e.io_error()
                                    .map_or_else(|| e.to_string(), |io| io.to_string())
                            )
                        };
                        files.push(LogFile::unreadable(at, why));
                        continue;
                    }
                };
                let name = log_name(entry.file_name());
                // A name that is not UTF-8 but starts like a log is read (unordered by date).
                let odd_log_name = entry.file_name().to_str().is_none()
                    && entry
                        .file_name()
                        .to_string_lossy()
                        .to_ascii_uppercase()
                        .starts_with("MSGTRK");
                // Exports (CSV files of a format msgtrack reads) are found by their content.
                let export = name.is_none()
                    && entry
                        .file_name()
                        .to_string_lossy()
                        .to_ascii_lowercase()
                        .ends_with(".csv")
                    && entry.file_type().is_file()
                    && super::exports::is_export_file(entry.path());
                if entry.file_type().is_file() {
                    if name.is_some() || odd_log_name || export {
                        files.push(LogFile::readable(entry.into_path(), name, false));
                    }
                } else if name.is_some() && !entry.file_type().is_dir() {
                    let kind = kind_of(entry.file_type());
                    files.push(LogFile::unreadable(
                        entry.into_path(),
                        format!("named like a tracking log but is {kind}; not read"),
                    ));
                }
            }
        } else if meta.is_file() {
            let name = path.file_name().and_then(log_name);
            files.push(LogFile::readable(path.clone(), name, true));
        } else {
            // A FIFO would block the read forever and /dev/zero never ends.
            files.push(LogFile::unreadable(
                path.clone(),
                format!("is {}, not a log file; not read", kind_of(meta.file_type())),
            ));
        }
    }
    // The same file named twice (a folder and a file in it, a link) is read once. A store's
    // parts are files msgtrack wrote: their folder is resolved (once per partition), not
    // each of thousands of parts.
    let mut seen = HashSet::new();
    let mut folders: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    files.retain(|f| {
        let resolved = match (f.part.is_some(), f.path.parent(), f.path.file_name()) {
            (true, Some(folder), Some(name)) => folders
                .entry(folder.to_path_buf())
                .or_insert_with(|| {
                    std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf())
                })
                .join(name),
            _ => std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()),
        };
        seen.insert(resolved)
    });
    let mut files = split_interleaved(files);
    files.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    Ok(files)
}

/// A part holding several sources' rows is read as one file where its sources sort: right
/// only when nothing else sorts between them. A part whose sources something else sorts
/// between (a source's grown tail or a late file converted in a later run) is read one
/// source at a time instead, each where it sorts, so answers keep the logs' order.
fn split_interleaved(files: Vec<LogFile>) -> Vec<LogFile> {
    if !files
        .iter()
        .any(|f| f.part.as_ref().is_some_and(|p| p.ranges.len() > 1))
    {
        return files;
    }
    // Every source range's place, with the file it is in.
    let mut places: Vec<(OrderKey<'_>, usize)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match &f.part {
            Some(p) => places.extend(p.ranges.iter().map(|r| (range_key(r), i))),
            None => places.push((order_key(f), i)),
        }
    }
    places.sort();
    // A file is whole when its ranges are next to each other in that order.
    let mut first_at: std::collections::HashMap<usize, usize> = Default::default();
    let mut last_at: std::collections::HashMap<usize, usize> = Default::default();
    for (at, (_, i)) in places.iter().enumerate() {
        first_at.entry(*i).or_insert(at);
        last_at.insert(*i, at);
    }
    let whole: Vec<bool> = (0..files.len())
        .map(|i| match &files[i].part {
            Some(p) if p.ranges.len() > 1 => {
                last_at.get(&i).copied().unwrap_or(0) - first_at.get(&i).copied().unwrap_or(0) + 1
                    == p.ranges.len()
            }
            _ => true,
        })
        .collect();
    drop(places);
    let mut out = Vec::with_capacity(files.len());
    for (f, whole) in files.into_iter().zip(whole) {
        match (&f.part, whole) {
            (Some(p), false) => {
                for r in &p.ranges {
                    out.push(LogFile {
                        part: Some(StorePart {
                            ranges: vec![r.clone()],
                            shared: true,
                        }),
                        ..f.clone()
                    });
                }
            }
            _ => out.push(f),
        }
    }
    out
}

/// Where a source range sorts: as its source would, at its first line.
fn range_key(r: &PartRange) -> OrderKey<'_> {
    let name = r.source_name;
    (
        r.source.parent(),
        name.map(|n| n.prefix),
        name.map(|n| (n.date, n.hour, n.instance)),
        r.source.as_path(),
        r.first_line,
    )
}

type OrderKey<'a> = (
    Option<&'a Path>,
    Option<LogPrefix>,
    Option<(u32, Option<u8>, u64)>,
    &'a Path,
    u64,
);

fn order_key(file: &LogFile) -> OrderKey<'_> {
    // A store's part sorts where its (first) source log would, so answers keep the logs'
    // order.
    if let Some(r) = file.part.as_ref().and_then(StorePart::first) {
        return range_key(r);
    }
    let path = file.path.as_path();
    (
        path.parent(),
        file.name.map(|n| n.prefix),
        file.name.map(|n| (n.date, n.hour, n.instance)),
        path,
        0,
    )
}

/// The parts a store's manifest lists, as files to read (a manifest that cannot be read is
/// one refused entry). The list is made once per manifest loaded: a question answered a
/// time window at a time lists the store for every window, and making it (a file name
/// parsed per source) cost as much as the windows' reading over thousands of sources.
fn store_parts(dir: &Path, files: &mut Vec<LogFile>) {
    type Listed = Vec<(PathBuf, std::sync::Weak<Manifest>, Vec<LogFile>)>;
    static LISTED: std::sync::Mutex<Listed> = std::sync::Mutex::new(Vec::new());
    let manifest = match Manifest::load_shared(dir) {
        Ok(m) => m,
        Err(e) => {
            files.push(LogFile::unreadable(dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let same = |(d, m, _): &(PathBuf, std::sync::Weak<Manifest>, Vec<LogFile>)| {
        d == dir && std::ptr::eq(m.as_ptr(), std::sync::Arc::as_ptr(&manifest))
    };
    if let Ok(listed) = LISTED.lock()
        && let Some((_, _, parts)) = listed.iter().find(|l| same(l))
    {
        files.extend(parts.iter().cloned());
        return;
    }
    let parts = listed_parts(dir, &manifest);
    files.extend(parts.iter().cloned());
    if let Ok(mut listed) = LISTED.lock() {
        listed.retain(|(d, m, _)| d != dir && m.strong_count() > 0);
        listed.push((
            dir.to_path_buf(),
            std::sync::Arc::downgrade(&manifest),
            parts,
        ));
    }
}

/// The parts `manifest` (of the store in `dir`) lists, as files to read, in the order first
/// listed.
fn listed_parts(dir: &Path, manifest: &Manifest) -> Vec<LogFile> {
    let mut files = Vec::new();
    // Part files in the order first listed, each with the sources' rows in it.
    let mut order: Vec<&str> = Vec::new();
    let mut by_path: std::collections::HashMap<&str, (Option<LogName>, Vec<PartRange>)> =
        Default::default();
    for source in &manifest.sources {
        let source_path = PathBuf::from(&source.path);
        let name = source_path.file_name().and_then(log_name);
        for part in &source.parts {
            let first_line = part.first_line.unwrap_or_else(|| {
                part.path
                    .rsplit_once('@')
                    .and_then(|(_, rest)| rest.strip_suffix(".parquet"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            });
            let entry = by_path.entry(part.path.as_str()).or_insert_with(|| {
                order.push(part.path.as_str());
                (name, Vec::new())
            });
            entry.1.push(PartRange {
                source: source_path.clone(),
                source_name: name,
                first_line,
                server: source.server.clone(),
                source_bytes: source.size,
                offset: part.offset,
                rows: part.rows,
                first_ms: part.first_ms,
                last_ms: part.last_ms,
            });
        }
    }
    for path in order {
        let Some((name, mut ranges)) = by_path.remove(path) else {
            continue;
        };
        ranges.sort_by_key(|r| r.offset);
        // The first source's name orders the file; its rows start at row 0 unless some
        // rows of the file are no source's any more.
        let name = ranges.first().and_then(|r| r.source_name).or(name);
        let contiguous = ranges
            .iter()
            .try_fold(0u64, |at, r| {
                (r.offset == at).then(|| at.checked_add(r.rows)).flatten()
            })
            .is_some();
        files.push(LogFile {
            path: dir.join(path),
            name,
            explicit: false,
            problem: None,
            part: Some(StorePart {
                ranges,
                shared: !contiguous,
            }),
        });
    }
    files
}

/// The bytes of log files `files` stand for: a raw file's size, a store's source file's
/// size once however many parts it has.
pub fn log_bytes(files: &[LogFile]) -> u64 {
    let mut sources = HashSet::new();
    files
        .iter()
        .map(|f| match &f.part {
            Some(p) => p
                .ranges
                .iter()
                .filter(|r| sources.insert(r.source.clone()))
                .map(|r| r.source_bytes)
                .sum(),
            None => std::fs::metadata(&f.path).map_or(0, |m| m.len()),
        })
        .sum()
}

/// Folder names that say nothing about the server (Exchange's own path components).
const GENERIC_FOLDERS: [&str; 6] = [
    "messagetracking",
    "logs",
    "transportroles",
    "v15",
    "v14",
    "exchange server",
];

/// The server name a file's location suggests: the nearest folder that is not one of
/// Exchange's own (`…\EX01\TransportRoles\Logs\MessageTracking\` gives `EX01`).
pub fn server_from_folder(path: &Path) -> Option<String> {
    path.parent()?
        .ancestors()
        .filter_map(|p| p.file_name()?.to_str())
        .find(|name| !GENERIC_FOLDERS.contains(&name.to_ascii_lowercase().as_str()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_daily_and_hourly_names_in_any_case() {
        let daily = LogName::parse("MSGTRK20101201-1.LOG").unwrap();
        assert_eq!(
            (daily.prefix, daily.date, daily.hour, daily.instance),
            (LogPrefix::Transport, 20101201, None, 1)
        );
        let hourly = LogName::parse("msgtrkms2022091915-12.log").unwrap();
        assert_eq!(
            (hourly.prefix, hourly.date, hourly.hour, hourly.instance),
            (LogPrefix::MailboxSubmission, 20220919, Some(15), 12)
        );
        assert_eq!(
            LogName::parse("MSGTRKM20101201-3.LOG").unwrap().prefix,
            LogPrefix::Mailbox2010
        );
        assert_eq!(
            LogName::parse("MSGTRKMA20261120-1.LOG").unwrap().prefix,
            LogPrefix::ModerationApproval
        );
        assert_eq!(
            LogName::parse("MSGTRKMD20261120-1.LOG").unwrap().prefix,
            LogPrefix::MailboxDelivery
        );
        assert_eq!(LogName::parse("SMTPRECV20261120-1.LOG"), None);
        assert_eq!(LogName::parse("MSGTRK2026112-1.LOG"), None);
        assert_eq!(LogName::parse("MSGTRK20261120-1.LOG.bak"), None);
    }

    #[test]
    fn names_give_the_span_they_cover() {
        let hourly = LogName::parse("MSGTRK2026112010-3.LOG").unwrap();
        let (start, end) = hourly.covers_ms().unwrap();
        assert_eq!(
            crate::format::time::format_timestamp_ms(start),
            "2026-11-20T10:00:00.000Z"
        );
        assert_eq!(end - start, 3_600_000);
        let daily = LogName::parse("MSGTRK20261120-1.LOG").unwrap();
        let (start, end) = daily.covers_ms().unwrap();
        assert_eq!(
            crate::format::time::format_timestamp_ms(start),
            "2026-11-20T00:00:00.000Z"
        );
        assert_eq!(end - start, 86_400_000);
        assert_eq!(
            LogName::parse("MSGTRK20261340-1.LOG").unwrap().covers_ms(),
            None
        );
    }

    #[test]
    fn server_from_folder_skips_exchange_path_components() {
        let p = Path::new("/copies/EX01/TransportRoles/Logs/MessageTracking/MSGTRK20261120-1.LOG");
        assert_eq!(server_from_folder(p).as_deref(), Some("EX01"));
        assert_eq!(
            server_from_folder(Path::new("ex02/MSGTRK20261120-1.LOG")).as_deref(),
            Some("ex02")
        );
    }
}
