//! Helpers: temp folders with log files, a reader with default options, column access.

use std::path::{Path, PathBuf};

use msgtrack::format::Field;
use msgtrack::format::Layout;
use msgtrack::frame::access;
use msgtrack::ingest::{Ingest, ReadOptions, read_paths};

/// The folder of real logs written by other people (absent on a user's fresh clone).
pub fn real_logs_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-logs");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the real-log tests need the shared folder next to the checkout",
            dir.display()
        );
        None
    }
}

/// The shipped sample logs.
pub fn sample_logs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs")
}

/// A temp folder that lives as long as the value.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().expect("temp dir"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `bytes` to `name` (folders created) and returns the path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, bytes).expect("write file");
        path
    }
}

/// Reads paths with default options (every column).
pub fn read(paths: &[PathBuf]) -> Ingest {
    read_paths(paths, &ReadOptions::default()).expect("read succeeds")
}

/// Reads one file.
pub fn read_one(path: &Path) -> Ingest {
    read(&[path.to_path_buf()])
}

pub fn strings(ingest: &Ingest, column: Field) -> Vec<Option<String>> {
    access::strings(&ingest.frame, column).expect("string column")
}

pub fn lists(ingest: &Ingest, column: Field) -> Vec<Vec<String>> {
    access::string_lists(&ingest.frame, column).expect("list column")
}

/// The 2016/2019 `#Fields` header with a BOM, CRLF line ends.
pub fn header_2016() -> String {
    format!(
        "\u{feff}#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n#Date: 2026-11-20T10:00:00.000Z\r\n{}\r\n",
        Layout::Exchange2016.fields_header()
    )
}

/// A 30-field row with the given values in the named fields (others empty), CSV-ready text.
pub fn row30(values: &[(usize, &str)]) -> String {
    let mut fields = vec![String::new(); 30];
    fields[0] = "2026-11-20T10:00:00.000Z".into();
    for (i, v) in values {
        fields[*i] = (*v).to_string();
    }
    fields.join(",")
}
