//! One huge file costs what a batch of small ones does: a log bigger than a batch is read in
//! runs of its chunks, each handed on as a batch of its own. The runs, one after another,
//! must give exactly the rows, line numbers, diagnostics and file report of a whole read —
//! bad lines in later runs and a `#Fields` line in the middle included.

use msgtrack::format::{Field, Layout};
use msgtrack::ingest::{Ingest, ReadOptions, discover, read_in_batches, read_paths};
use polars::prelude::DataFrame;

use crate::util::{Dir, log_text, row};

/// 3,000 rows (about 400 KB) with a bad line every 700 rows from the 350th, and, when `restart`, a 2013
/// `#Fields` line halfway whose rows have 27 fields.
fn big_log(restart: bool) -> String {
    let mut lines = Vec::new();
    for i in 0..3000 {
        if i % 700 == 350 {
            lines.push("2026-11-20T10:00:00.000Z,broken".to_string());
        }
        if restart && i == 1500 {
            lines.push(Layout::Exchange2013.fields_header());
        }
        let time = format!(
            "2026-11-20T10:{:02}:{:02}.{:03}Z",
            (i / 60) % 60,
            i % 60,
            i % 1000
        );
        let id = format!("<m{i}@contoso.com>");
        let line = row(&[
            (Field::Timestamp, &time),
            (Field::EventId, ["RECEIVE", "DELIVER", "SEND"][i % 3]),
            (Field::MessageId, &id),
            (Field::Sender, "a@contoso.com"),
            (Field::Recipients, "b@contoso.com;c@contoso.com"),
        ]);
        if restart && i >= 1500 {
            lines.push(line.split(',').take(27).collect::<Vec<_>>().join(","));
        } else {
            lines.push(line);
        }
    }
    log_text(&lines)
}

fn stacked(batches: &[Ingest]) -> DataFrame {
    let mut all = batches[0].frame.clone();
    for b in &batches[1..] {
        all.vstack_mut(&b.frame).unwrap();
    }
    all
}

#[test]
fn a_file_bigger_than_a_batch_is_read_in_runs_that_add_up_to_the_whole_read() {
    for restart in [false, true] {
        let dir = Dir::new();
        let path = dir.write("EX01/MSGTRK2026112010-1.LOG", big_log(restart));
        let whole = read_paths(
            std::slice::from_ref(&path),
            &ReadOptions::default().with_chunk_size(4096),
        )
        .unwrap();
        let mut options = ReadOptions::default().with_chunk_size(4096);
        options.batch_bytes = Some(32 << 10);
        let mut batches = Vec::new();
        read_in_batches(
            discover(&[path]).unwrap(),
            &options,
            |b| -> Result<(), msgtrack::ingest::ReadError> {
                batches.push(b);
                Ok(())
            },
        )
        .unwrap();
        if restart {
            // The run holding the new #Fields line reads the rest of the file in order.
            assert!(batches.len() >= 2, "{} batches", batches.len());
        } else {
            assert!(batches.len() >= 8, "{} batches", batches.len());
            // No batch holds much more than its share.
            let most = batches.iter().map(|b| b.frame.height()).max().unwrap();
            assert!(most <= 3000 / 6, "{most} rows in one batch");
        }
        assert_eq!(whole.frame.height(), 3000, "restart {restart}");
        assert!(
            stacked(&batches).equals_missing(&whole.frame),
            "restart {restart}"
        );
        let shown = |d: &[msgtrack::ingest::Diagnostic]| -> Vec<String> {
            d.iter().map(|d| d.to_string()).collect()
        };
        let diagnostics: Vec<_> = batches.iter().flat_map(|b| b.diagnostics.clone()).collect();
        assert_eq!(shown(&diagnostics), shown(&whole.diagnostics));
        // Bad lines are named by their line in the file, the later runs' too.
        let bad_lines: Vec<u64> = whole.diagnostics.iter().filter_map(|d| d.line).collect();
        // Five header lines, the rows before, the bad lines before, and the new #Fields
        // line for those after it.
        let expected: Vec<u64> = (0..4u64)
            .map(|k| 5 + (350 + 700 * k) + k + 1 + u64::from(restart && 350 + 700 * k > 1500))
            .collect();
        assert_eq!(bad_lines, expected, "{:?}", shown(&whole.diagnostics));
        let files: Vec<_> = batches.iter().flat_map(|b| b.files.clone()).collect();
        assert_eq!(files.len(), 1, "one report, with the last run");
        assert_eq!(format!("{:?}", files[0]), format!("{:?}", whole.files[0]));
        assert_eq!(files[0].bad_lines, 4);
    }
}
