//! Writing generated events into log files the way Exchange lays them out: one folder per
//! server, hourly files per log prefix (`MSGTRK2026112009-1.LOG`), a BOM and the five header
//! lines at the top of each file, CRLF line ends, a new instance when a file passes the
//! maximum size.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike};

use super::org::{BUILD, SERVERS};
use super::rows::Emitted;
use crate::format::Layout;
use crate::format::encode::{LogWriter, write_header};
use crate::format::names::LogPrefix;

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct Written {
    /// What was read, file by file.
    pub files: Vec<PathBuf>,
    /// The rows.
    pub rows: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// Writes `events` under `out`, rotating files at `max_file_bytes` (Exchange's default is 10 MB),
/// never under a name in `taken` (the files earlier calls of one run wrote).
pub fn write_events(
    mut events: Vec<Emitted>,
    out: &Path,
    max_file_bytes: u64,
    taken: &[std::path::PathBuf],
) -> std::io::Result<Written> {
    let mut by_log: BTreeMap<(usize, LogPrefix), Vec<Emitted>> = BTreeMap::new();
    for e in events.drain(..) {
        by_log.entry((e.server, e.prefix)).or_default().push(e);
    }
    let mut written = Written::default();
    for ((server, prefix), mut list) in by_log {
        list.sort_by_key(|e| e.record.timestamp_ms);
        let folder = out.join(SERVERS[server].name);
        std::fs::create_dir_all(&folder)?;
        let mut current: Option<(u32, u32, u64, CountingFile)> = None; // (date, hour, instance, file)
        for e in list {
            let t = DateTime::from_timestamp_millis(e.record.timestamp_ms).unwrap_or_default();
            let (date, hour) = (
                t.year() as u32 * 10_000 + t.month() * 100 + t.day(),
                t.hour(),
            );
            let needs_new = match &current {
                None => true,
                Some((d, h, _, f)) => *d != date || *h != hour || f.bytes >= max_file_bytes,
            };
            if needs_new {
                let mut instance = match &current {
                    Some((d, h, n, _)) if *d == date && *h == hour => n + 1,
                    _ => 1,
                };
                if let Some((_, _, _, f)) = current.take() {
                    written.bytes += f.finish()?;
                }
                // A day's last rows can fall in the next day's first hour, which that day's
                // own rows begin again: the next instance, as Exchange names a second file of
                // an hour, never the same name over rows already written.
                let mut path = folder.join(format!("{prefix}{date}{hour:02}-{instance}.LOG"));
                while taken.contains(&path) {
                    instance += 1;
                    path = folder.join(format!("{prefix}{date}{hour:02}-{instance}.LOG"));
                }
                let mut file = CountingFile::create(&path)?;
                write_header(
                    &mut file,
                    BUILD,
                    e.record.timestamp_ms,
                    Layout::Exchange2016,
                )?;
                written.files.push(path);
                current = Some((date, hour, instance, file));
            }
            if let Some((_, _, _, file)) = &mut current {
                let mut writer = LogWriter::new(&mut *file, Layout::Exchange2016);
                writer.write(&e.record)?;
                writer.into_inner()?;
                written.rows += 1;
            }
        }
        if let Some((_, _, _, f)) = current.take() {
            written.bytes += f.finish()?;
        }
    }
    Ok(written)
}

/// A buffered file that counts what was written to it.
struct CountingFile {
    inner: BufWriter<File>,
    bytes: u64,
}

impl CountingFile {
    fn create(path: &Path) -> std::io::Result<CountingFile> {
        Ok(CountingFile {
            inner: BufWriter::with_capacity(1 << 16, File::create(path)?),
            bytes: 0,
        })
    }

    fn finish(mut self) -> std::io::Result<u64> {
        self.inner.flush()?;
        Ok(self.bytes)
    }
}

impl Write for CountingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_call_never_writes_over_a_file_an_earlier_one_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let events = super::super::day::generate(&super::super::day::DayPlan::sample());
        let rows = events.len() as u64;
        let first = write_events(events.clone(), dir.path(), 10 << 20, &[]).unwrap();
        // The same hours again: every name is taken, so each file is the next instance.
        let second = write_events(events, dir.path(), 10 << 20, &first.files).unwrap();
        assert_eq!(first.rows + second.rows, 2 * rows);
        assert!(second.files.iter().all(|p| !first.files.contains(p)));
        let on_disk = crate::ingest::read_paths(
            &[dir.path().to_path_buf()],
            &crate::ingest::ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(on_disk.frame.height() as u64, 2 * rows);
    }
}
