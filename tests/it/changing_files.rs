//! Files that change while they are read: a copy replaced or truncated under a running read
//! must not kill the process (SIGBUS on the memory map) — the rows before the change are kept
//! and the file is named with what happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use msgtrack::format::Field;
use msgtrack::ingest::{DiagnosticKind, Progress, ReadOptions, read_paths};

use crate::util::{Dir, header_2016, row};

/// Truncates `path` to its header when the first chunk is done.
struct TruncateAfterFirstChunk {
    path: std::path::PathBuf,
    keep: u64,
    done: AtomicBool,
}

impl Progress for TruncateAfterFirstChunk {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {
        if !self.done.swap(true, Ordering::AcqRel) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .expect("the log opens for writing");
            f.set_len(self.keep).expect("truncate");
        }
    }
    fn finish(&self) {}
}

fn big_log(dir: &Dir) -> (std::path::PathBuf, u64) {
    let line = row(&[
        (Field::EventId, "RECEIVE"),
        (Field::Source, "SMTP"),
        (Field::Sender, "a@x.com"),
        (Field::Recipients, "b@contoso.com"),
        (
            Field::MessageSubject,
            "a subject long enough to make the file span many pages",
        ),
    ]);
    let header = header_2016();
    let mut text = header.clone();
    for _ in 0..40_000 {
        text.push_str(&line);
        text.push_str("\r\n");
    }
    let path = dir.write("EX01/MSGTRK2026112010-1.LOG", text);
    (path, header.len() as u64)
}

#[test]
fn a_file_truncated_during_a_read_keeps_its_rows_and_is_named() {
    let dir = Dir::new();
    let (path, header_len) = big_log(&dir);
    let progress = Arc::new(TruncateAfterFirstChunk {
        path: path.clone(),
        keep: header_len,
        done: AtomicBool::new(false),
    });
    // Small chunks, so most of the file is decoded after the truncation.
    let options = ReadOptions {
        chunk_size: 64 * 1024,
        progress: Some(progress),
        ..ReadOptions::default()
    };
    let ingest = read_paths(&[dir.path().to_path_buf()], &options).expect("the read goes on");
    let changed: Vec<_> = ingest
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::ChangedWhileRead)
        .collect();
    assert_eq!(
        changed.len(),
        1,
        "{:#?}",
        ingest.diagnostics.iter().take(5).collect::<Vec<_>>()
    );
    assert!(
        changed[0].message.contains("changed while it was read"),
        "{}",
        changed[0].message
    );
    // The first chunk's rows (at least) were kept.
    assert!(ingest.frame.height() > 0);
    assert!(ingest.frame.height() < 40_000 || changed.len() == 1);
}
