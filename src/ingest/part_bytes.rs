//! A store part's bytes, read by range: its footer, then only the column chunks a read asks
//! for, each into a buffer of its own.
//!
//! Parts were memory-mapped. A question reads a few column chunks of each of many parts, and
//! the map cost more than the bytes it spared: every page touched was a fault (with the pages
//! around it mapped as well), and every unmap stopped the other threads' processors to flush
//! their address caches. Read by range, a part costs a system call per chunk and a copy of
//! the bytes asked for (counting events over 1.3 GB of logs: about a fifth of the process's
//! time was the kernel's, mapping and unmapping).

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use polars_buffer::Buffer;

/// What a read of a part that shrank says (a part is written whole and renamed into place,
/// so only another program truncating it can make a read come short).
pub(super) const CHANGED: &str =
    "the part changed while it was read (truncated by another program); its rows are left out";

/// A part's bytes: an open file read by range (or, in tests, bytes in memory).
pub(super) enum PartBytes {
    /// The part's file and its length when opened.
    File { file: File, len: u64 },
    /// The whole part, in memory.
    #[cfg(test)]
    Memory(Buffer<u8>),
}

impl PartBytes {
    /// The part at `path`, opened (nothing is read yet).
    pub(super) fn open(path: &Path) -> Result<PartBytes, String> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read its size: {e}"))?
            .len();
        if len == 0 {
            return Err("the part is empty (not a Parquet file)".into());
        }
        Ok(PartBytes::File { file, len })
    }

    /// The part's length in bytes.
    pub(super) fn len(&self) -> u64 {
        match self {
            PartBytes::File { len, .. } => *len,
            #[cfg(test)]
            PartBytes::Memory(b) => b.len() as u64,
        }
    }

    /// The bytes `lo..hi` of the part: an error when the range lies outside it, or when the
    /// file ends before `hi` (it was truncated since it was opened).
    pub(super) fn range(&self, lo: u64, hi: u64) -> PolarsResult<Buffer<u8>> {
        if lo > hi || hi > self.len() {
            polars_bail!(ComputeError: "a range {lo}..{hi} lies outside the part's {} bytes", self.len());
        }
        match self {
            #[cfg(test)]
            PartBytes::Memory(b) => Ok(b.clone().sliced(lo as usize..hi as usize)),
            PartBytes::File { file, .. } => {
                let mut out = vec![0u8; (hi - lo) as usize];
                read_exact_at(file, &mut out, lo).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        polars_err!(ComputeError: "{CHANGED}")
                    } else {
                        polars_err!(ComputeError: "cannot read the part: {e}")
                    }
                })?;
                Ok(Buffer::from_vec(out))
            }
        }
    }

    /// The footer's bytes (the Thrift metadata before the last 8 bytes), found from the
    /// part's end: one read of its last 64 KiB, and a second when the footer is longer.
    pub(super) fn footer(&self) -> PolarsResult<Buffer<u8>> {
        const TAIL: u64 = 64 << 10;
        let n = self.len();
        if n < 12 {
            polars_bail!(ComputeError: "the file does not end with a Parquet footer");
        }
        let tail_from = n.saturating_sub(TAIL);
        let tail = self.range(tail_from, n)?;
        let t = tail.len();
        if &tail[t - 4..] != b"PAR1" {
            polars_bail!(ComputeError: "the file does not end with a Parquet footer");
        }
        let len = u32::from_le_bytes([tail[t - 8], tail[t - 7], tail[t - 6], tail[t - 5]]) as u64;
        if len > n - 12 {
            polars_bail!(ComputeError: "the footer is longer than the file");
        }
        let start = n - 8 - len;
        if start >= tail_from {
            let at = (start - tail_from) as usize;
            Ok(tail.sliced(at..t - 8))
        } else {
            self.range(start, n - 8)
        }
    }
}

/// Fills `out` from `file` at `offset`, without moving a shared position.
#[cfg(unix)]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

/// Fills `out` from `file` at `offset`.
#[cfg(windows)]
fn read_exact_at(file: &File, mut out: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !out.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, out, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                out = &mut out[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fills `out` from `file` at `offset`.
#[cfg(not(any(unix, windows)))]
fn read_exact_at(mut file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Parquet-shaped file: `body`, a footer of `footer` bytes and its length, "PAR1".
    fn shaped(body: usize, footer: &[u8]) -> Vec<u8> {
        let mut out = b"PAR1".to_vec();
        out.extend(std::iter::repeat_n(7u8, body));
        out.extend_from_slice(footer);
        out.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        out.extend_from_slice(b"PAR1");
        out
    }

    #[test]
    fn the_footer_is_found_from_the_end_in_a_file_and_in_memory_alike() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A footer inside the last 64 KiB and one longer than it (read a second time).
        for (body, footer_len) in [(10usize, 5usize), (100_000, 70_000), (3, 0)] {
            let footer: Vec<u8> = (0..footer_len).map(|i| (i % 251) as u8).collect();
            let bytes = shaped(body, &footer);
            let path = dir.path().join("p.parquet");
            std::fs::write(&path, &bytes).expect("write");
            let from_file = PartBytes::open(&path).expect("open");
            let in_memory = PartBytes::Memory(Buffer::from_vec(bytes.clone()));
            for part in [&from_file, &in_memory] {
                assert_eq!(part.len(), bytes.len() as u64);
                assert_eq!(&*part.footer().expect("footer"), &footer[..]);
                let r = part.range(4, 9).expect("range");
                assert_eq!(&*r, &bytes[4..9]);
                assert!(part.range(0, bytes.len() as u64 + 1).is_err());
            }
        }
    }

    #[test]
    fn a_file_truncated_after_it_was_opened_says_it_changed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("p.parquet");
        std::fs::write(&path, shaped(1000, b"xyz")).expect("write");
        let part = PartBytes::open(&path).expect("open");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(100))
            .expect("truncate");
        assert_eq!(&*part.range(10, 20).expect("still there"), &[7u8; 10][..]);
        let e = part.range(50, 500).expect_err("past the new end");
        assert!(e.to_string().contains(CHANGED), "{e}");
        let empty = dir.path().join("empty.parquet");
        std::fs::write(&empty, b"").expect("write");
        let e = PartBytes::open(&empty).err().expect("an empty part");
        assert!(e.contains("empty"), "{e}");
    }
}
