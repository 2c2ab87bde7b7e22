//! What the reader tells the user about the input: bad lines, warnings, refused files.
//!
//! Every diagnostic names its place (`file:line`) and says what was done about it, so a user
//! can open the line and decide. Bad lines are skipped and counted; good rows around them are
//! kept.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something unusual that did not cost any data (e.g. a header-less file).
    Warning,
    /// A line that could not be read and was skipped, or a file that was refused.
    Error,
}

/// The kind of problem, for counting and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// A row has a different number of fields than its `#Fields` line declares.
    FieldCount,
    /// A row's CSV quoting is broken.
    Quoting,
    /// A row's date-time cannot be read.
    Timestamp,
    /// A number field (total-bytes, recipient-count) is not a number; the value is kept as null.
    Number,
    /// A line is not valid UTF-8; it was decoded with U+FFFD replacements.
    InvalidUtf8,
    /// Rows without a `#Fields` header were mapped by their field count.
    NoHeader,
    /// A `#Fields` line names fields this reader does not know.
    UnknownFields,
    /// A `#` line that is not a header line.
    StrayHashLine,
    /// The last line has no line end (the file is still being written); it was held back.
    IncompleteLastLine,
    /// The file is not a message tracking log.
    NotATrackingLog,
    /// The file could not be opened or mapped.
    Io,
    /// The file shrank (was replaced or truncated) while it was read.
    ChangedWhileRead,
    /// What an export was read as, and what it lost.
    Export,
}

/// One message about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file concerned.
    pub file: Arc<Path>,
    /// The 1-based line, when the problem is on one line.
    pub line: Option<u64>,
    /// Error (a line or file lost) or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// What is wrong and what was done (one sentence, no location prefix).
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.file.display(),
                line,
                level,
                self.message
            ),
            None => write!(f, "{}: {}: {}", self.file.display(), level, self.message),
        }
    }
}

/// Collects diagnostics for one file, keeping the first few of each kind in full and
/// counting the rest (a damaged 10 GB file must not produce 10 GB of messages).
#[derive(Debug, Default)]
pub struct DiagnosticSink {
    kept: Vec<Diagnostic>,
    /// Number of bad (skipped) lines.
    pub bad_lines: u64,
    /// Number of lines decoded with a warning (kept).
    pub warned_lines: u64,
    /// Diagnostics not kept in full because of the cap.
    pub suppressed: u64,
}

impl DiagnosticSink {
    /// How many diagnostics of one kind are kept in full per file.
    pub const KEEP_PER_KIND: usize = 20;

    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let same_kind = self
            .kept
            .iter()
            .filter(|d| d.kind == diagnostic.kind)
            .count();
        if same_kind < Self::KEEP_PER_KIND {
            self.kept.push(diagnostic);
        } else {
            self.suppressed += 1;
        }
    }

    /// Records a skipped line.
    pub fn bad_line(&mut self, file: &Arc<Path>, line: u64, kind: DiagnosticKind, message: String) {
        self.bad_lines += 1;
        self.push(Diagnostic {
            file: file.clone(),
            line: Some(line),
            severity: Severity::Error,
            kind,
            message,
        });
    }

    /// Records a line that was kept but has a problem.
    pub fn warn_line(
        &mut self,
        file: &Arc<Path>,
        line: u64,
        kind: DiagnosticKind,
        message: String,
    ) {
        self.warned_lines += 1;
        self.push(Diagnostic {
            file: file.clone(),
            line: Some(line),
            severity: Severity::Warning,
            kind,
            message,
        });
    }

    /// Moves everything from `other` into `self`, shifting its line numbers by `line_offset`.
    pub fn absorb(&mut self, other: DiagnosticSink, line_offset: u64) {
        self.bad_lines += other.bad_lines;
        self.warned_lines += other.warned_lines;
        self.suppressed += other.suppressed;
        for mut d in other.kept {
            d.line = d.line.map(|l| l + line_offset);
            self.push(d);
        }
    }

    /// The diagnostics kept in full, in line order.
    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        self.kept.sort_by_key(|d| d.line.unwrap_or(0));
        self.kept
    }
}
