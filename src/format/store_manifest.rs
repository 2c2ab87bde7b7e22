//! The store's manifest, `msgtrack-store.json` at the store's root: which source files were
//! converted, how far, and into which Parquet parts. Readers read only the parts it lists, so a
//! run cut short (a crash, Ctrl-C) leaves at worst unlisted parts that the next run removes.
//!
//! ```json
//! {
//!   "format": "msgtrack-store",
//!   "schema_version": 1,
//!   "updated": "2026-12-03T14:00:00Z",
//!   "sources": [{
//!     "path": "/copies/EX01/MSGTRK2026112010-1.LOG",   // as given to `msgtrack index`
//!     "size": 10485913, "modified_ms": 1795183207000,
//!     "head_hash": "9f2c…",                             // FNV-1a of the first 4 KiB
//!     "lines": 20001, "rows": 19999, "bad_lines": 1,    // complete lines consumed so far
//!     "server": "EX01",
//!     "parts": [{"path": "server_name=EX01/log_date=2026-11-20/MSGTRK2026112008-1.LOG@1.r….parquet",
//!                "offset": 40000, "first_line": 1,             // its rows in the part file
//!                "rows": 19999, "first_ms": …, "last_ms": …}]
//!   }]
//! }
//! ```
//!
//! A part file may hold the rows of several sources (consecutive files of one server and
//! day converted in one run), each source listing its `offset` (first row) and `rows` in it;
//! rows of the file no source lists (a source converted again, pruned) are not read.
//! Version 1 stores (one source per part, no offsets) are read as they are.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest's file name.
pub const MANIFEST: &str = "msgtrack-store.json";
/// The store's layout version; a store written with another is refused, not misread.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest layout version this msgtrack reads (1: one source per part).
const OLDEST_READ: u32 = 1;
/// The manifest's `format` value.
const FORMAT: &str = "msgtrack-store";

/// The whole manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always `msgtrack-store`.
    pub format: String,
    /// The layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// When the store was last written (RFC 3339, UTC).
    pub updated: String,
    /// One entry per source file ever converted (kept when the source disappears).
    pub sources: Vec<Source>,
}

/// One source file and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    /// The path as given to `msgtrack index` (the rows' `File`).
    pub path: String,
    /// Its size when last converted.
    pub size: u64,
    /// Its modification time then (ms since the epoch).
    pub modified_ms: i64,
    /// FNV-1a (64 bits, hex) of its first `head_len` bytes (4 KiB, or all of a shorter
    /// file): a file replaced by another is converted anew.
    pub head_hash: String,
    /// How many bytes `head_hash` covers.
    #[serde(default)]
    pub head_len: u64,
    /// Complete lines consumed (a growing file's tail is read from the next one).
    pub lines: u64,
    /// Rows converted.
    pub rows: u64,
    /// Lines that could not be read.
    pub bad_lines: u64,
    /// The server its rows belong to.
    pub server: String,
    /// The Parquet parts holding its rows.
    pub parts: Vec<Part>,
}

/// A source's rows in one Parquet file of the store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Part {
    /// Relative to the store's root, with `/` separators.
    pub path: String,
    /// The first of these rows in the file (0 when the file holds only this source's).
    #[serde(default)]
    pub offset: u64,
    /// The source's line of the first of these rows (a grown file's tail starts further
    /// down); in version 1 stores it is read from the part's name (`…@LINE.parquet`).
    #[serde(default)]
    pub first_line: Option<u64>,
    /// Rows in it.
    pub rows: u64,
    /// Its earliest and latest Timestamp (ms).
    pub first_ms: i64,
    /// The last row's time (ms since the epoch, UTC).
    pub last_ms: i64,
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: cannot read the store's manifest: {source}")]
    /// The manifest could not be read or written.
    Io {
        /// The file's path.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
    #[error("{path}: not a msgtrack store manifest: {message}")]
    /// The manifest is not one msgtrack wrote.
    Invalid {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    #[error(
        "{path}: this store has layout version {found}; this msgtrack reads versions {OLDEST_READ} to {SCHEMA_VERSION} (index the logs into a new store)"
    )]
    /// A store of another layout version.
    Version {
        /// The manifest's path.
        path: PathBuf,
        /// The version it has.
        found: u32,
    },
}

impl Manifest {
    /// An empty manifest.
    pub fn new() -> Manifest {
        Manifest {
            format: FORMAT.into(),
            schema_version: SCHEMA_VERSION,
            updated: String::new(),
            sources: Vec::new(),
        }
    }

    /// True when `dir` holds a store (its manifest).
    pub fn is_store(dir: &Path) -> bool {
        dir.join(MANIFEST).is_file()
    }

    /// [`Manifest::load`] for reading commands: a manifest read once is kept for the rest
    /// of the process while its file's size and modification time stay the same (a query
    /// looks at it to find data, to say how fresh it is and to list its parts).
    pub fn load_shared(dir: &Path) -> Result<std::sync::Arc<Manifest>, ManifestError> {
        type Seen = Vec<(
            PathBuf,
            u64,
            Option<std::time::SystemTime>,
            std::sync::Arc<Manifest>,
        )>;
        static SEEN: std::sync::Mutex<Seen> = std::sync::Mutex::new(Vec::new());
        let path = dir.join(MANIFEST);
        let stamp = std::fs::metadata(&path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if let Some((len, modified)) = stamp
            && let Ok(seen) = SEEN.lock()
            && let Some((_, _, _, m)) = seen
                .iter()
                .find(|(p, l, t, _)| *p == path && *l == len && *t == modified)
        {
            return Ok(m.clone());
        }
        let manifest = std::sync::Arc::new(Manifest::load(dir)?);
        if let Some((len, modified)) = stamp
            && let Ok(mut seen) = SEEN.lock()
        {
            seen.retain(|(p, ..)| *p != path);
            seen.push((path, len, modified, manifest.clone()));
        }
        Ok(manifest)
    }

    /// Reads the manifest of the store at `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| ManifestError::Invalid {
                path: path.clone(),
                message: e.to_string(),
            })?;
        if manifest.format != FORMAT {
            return Err(ManifestError::Invalid {
                path,
                message: format!("its format is '{}'", manifest.format),
            });
        }
        if !(OLDEST_READ..=SCHEMA_VERSION).contains(&manifest.schema_version) {
            return Err(ManifestError::Version {
                path,
                found: manifest.schema_version,
            });
        }
        Ok(manifest)
    }

    /// Writes the manifest to `dir` atomically (a temporary file renamed over the old one),
    /// in the current layout version.
    pub fn save(&mut self, dir: &Path) -> std::io::Result<()> {
        self.schema_version = SCHEMA_VERSION;
        self.updated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(MANIFEST))
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

/// How many bytes of a file's start identify it.
pub const HEAD_BYTES: usize = 4096;

/// FNV-1a (64 bits) of `bytes` (at most [`HEAD_BYTES`]), in hex: a cheap identity for a
/// file's start.
pub fn head_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes.iter().take(HEAD_BYTES) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_round_trips_and_refuses_other_versions() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut m = Manifest::new();
        m.sources.push(Source {
            path: "EX01/MSGTRK2026112010-1.LOG".into(),
            size: 10,
            modified_ms: 1,
            head_hash: head_hash(b"abc"),
            head_len: 3,
            lines: 3,
            rows: 2,
            bad_lines: 0,
            server: "EX01".into(),
            parts: vec![],
        });
        m.save(dir.path()).expect("saved");
        assert_eq!(
            Manifest::load(dir.path()).expect("loaded").sources,
            m.sources
        );
        let text = std::fs::read_to_string(dir.path().join(MANIFEST))
            .expect("read")
            .replace("\"schema_version\": 2", "\"schema_version\": 99");
        std::fs::write(dir.path().join(MANIFEST), text).expect("write");
        assert!(matches!(
            Manifest::load(dir.path()),
            Err(ManifestError::Version { found: 99, .. })
        ));
        // FNV-1a's published test vector.
        assert_eq!(head_hash(b"a"), "af63dc4c8601ec8c");
    }
}
