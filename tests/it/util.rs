//! Helpers: temp folders with log files, a reader with default options, column access.

use std::path::{Path, PathBuf};

use msgtrack::format::{Field, Layout};
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

/// The standard output of `msgtrack query line PATHS --tz UTC --format FORMAT`, reading
/// `batch_bytes` of files at a time when given (`MSGTRACK_BATCH_BYTES`); the run must
/// succeed.
pub fn query_output(line: &str, paths: &[&Path], format: &str, batch_bytes: Option<u64>) -> String {
    let bytes = batch_bytes.map(|b| b.to_string());
    let env: Vec<(&str, &str)> = bytes
        .iter()
        .map(|b| ("MSGTRACK_BATCH_BYTES", b.as_str()))
        .collect();
    query_output_with(line, paths, format, &env)
}

/// The standard output of `msgtrack query line PATHS --tz UTC --format FORMAT` with the
/// environment variables `env` set; the run must succeed.
pub fn query_output_with(
    line: &str,
    paths: &[&Path],
    format: &str,
    env: &[(&str, &str)],
) -> String {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"));
    c.arg("query").arg(line).args(paths);
    c.args(["--tz", "UTC", "--format", format]);
    c.envs(env.iter().copied());
    let out = c.output().expect("msgtrack runs");
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new store in a temp folder, indexed from `logs`.
pub fn indexed(logs: &Path) -> Dir {
    let store = Dir::new();
    msgtrack::store::index::index(
        &[logs.to_path_buf()],
        store.path(),
        &msgtrack::store::index::IndexOptions::default(),
    )
    .expect("indexed");
    store
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

/// A log file's text: [`header_2016`], then `rows`, each line ended by CRLF.
pub fn log_text<S: AsRef<str>>(rows: &[S]) -> String {
    let rows: Vec<&str> = rows.iter().map(AsRef::as_ref).collect();
    format!("{}{}\r\n", header_2016(), rows.join("\r\n"))
}

/// A 30-field row of the 2016/2019 layout with the given values in the named fields (others
/// empty; Timestamp 2026-11-20T10:00:00.000Z unless given), as CSV-ready text.
pub fn row(values: &[(Field, &str)]) -> String {
    let mut fields = vec![String::new(); Field::RAW_COUNT];
    fields[Field::Timestamp.index()] = "2026-11-20T10:00:00.000Z".into();
    for (field, value) in values {
        assert!(field.is_raw(), "{field} is not a field of a log line");
        fields[field.index()] = (*value).to_string();
    }
    fields.join(",")
}

/// Runs the msgtrack binary with `args` (environment as the test's, with a fixed anonymize
/// key so reports are reproducible). The one way tests start the binary.
pub fn msgtrack<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args(args)
        .env("MSGTRACK_ANONYMIZE_KEY", "test-key")
        .output()
        .expect("the msgtrack binary runs")
}

/// Arguments of mixed kinds (text, paths) for [`msgtrack`], built like a `Command`'s.
#[derive(Default)]
pub struct Args(Vec<std::ffi::OsString>);

impl Args {
    /// Adds several arguments.
    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, items: impl IntoIterator<Item = S>) -> Args {
        self.0
            .extend(items.into_iter().map(|s| s.as_ref().to_os_string()));
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, item: impl AsRef<std::ffi::OsStr>) -> Args {
        self.0.push(item.as_ref().to_os_string());
        self
    }
}

impl IntoIterator for Args {
    type Item = std::ffi::OsString;
    type IntoIter = std::vec::IntoIter<std::ffi::OsString>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// [`msgtrack`]'s exit code, stdout and stderr as text.
pub fn msgtrack_text(args: &[&str]) -> (i32, String, String) {
    let out = msgtrack(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
