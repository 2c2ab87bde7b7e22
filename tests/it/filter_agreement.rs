//! One rule for "ignoring case" (.NET's OrdinalIgnoreCase: simple upper-case mapping, then
//! code points), and the reader's prefilter and the TUI's in-memory filter giving the same
//! rows for the same line — including list members holding `;` or `'`, which Exchange quotes.

use proptest::prelude::*;

use msgtrack::format::Field;
use msgtrack::ingest::{ReadOptions, read_paths};
use msgtrack::query::in_memory::select_rows;
use msgtrack::query::settings::Session;

use crate::util::{Dir, log_text, row};

fn session() -> Session {
    Session {
        now: chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("a time"),
        zone: msgtrack::format::Zone::parse("UTC").expect("UTC"),
        culture: msgtrack::pwsh::culture::Culture::find("en-US").expect("en-US"),
        csv_raw: false,
        shown: Default::default(),
    }
}

/// A log of rows with these (sender, recipients field as written, subject).
fn log(rows: &[(&str, &str, &str)]) -> Dir {
    let lines: Vec<String> = rows
        .iter()
        .map(|(sender, recipients, subject)| {
            let quoted = |v: &str| {
                if v.contains([',', '"']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v.to_string()
                }
            };
            row(&[
                (Field::EventId, "RECEIVE"),
                (Field::Source, "SMTP"),
                (Field::Sender, &quoted(sender)),
                (Field::Recipients, &quoted(recipients)),
                (Field::MessageSubject, &quoted(subject)),
            ])
        })
        .collect();
    let dir = Dir::new();
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&lines));
    dir
}

/// The row numbers (0-based, file order) the reader keeps for a Get-MessageTrackingLog line,
/// and those the in-memory filter keeps over the whole frame.
fn both(dir: &Dir, line: &str) -> (Vec<usize>, Vec<usize>) {
    let all = read_paths(&[dir.path().to_path_buf()], &ReadOptions::default()).expect("read");
    let lines: Vec<i64> = msgtrack::frame::access::integers(&all.frame, Field::Line)
        .expect("lines")
        .into_iter()
        .map(|l| l.unwrap_or(0))
        .collect();
    let memory = select_rows(&all.frame, line, session(), None).expect("the line runs");
    let in_memory: Vec<usize> = (0..all.frame.height())
        .filter(|i| memory.keep[*i])
        .collect();
    let answer = msgtrack::query::run::run(
        line,
        &[dir.path().to_path_buf()],
        session(),
        None,
        &Field::ALL,
    )
    .expect("the query runs");
    let read = &answer.reads[0];
    let kept_lines =
        msgtrack::frame::access::integers(read.source.frame(), Field::Line).expect("lines");
    let reader: Vec<usize> = kept_lines
        .into_iter()
        .filter_map(|l| lines.iter().position(|x| Some(*x) == l))
        .collect();
    (reader, in_memory)
}

#[test]
fn case_is_ignored_the_way_dotnet_ordinal_ignore_case_does() {
    let d = log(&[
        ("ı@x.com", "a@y.com", "ΑΣ report"), // 0: dotless i; capital sigma
        ("İ@x.com", "a@y.com", "ας final sigma"), // 1: dotted capital I; final sigma
        ("i@x.com", "a@y.com", "straße"),    // 2
        ("ａbc@x.com", "a@y.com", "STRASSE"), // 3: fullwidth a
        ("김@x.com", "a@y.com", "분기별 보고서"), // 4: Korean has no case
    ]);
    let rows = |line: &str| {
        let (reader, memory) = both(&d, line);
        assert_eq!(
            reader, memory,
            "{line}: the reader and the in-memory filter disagree"
        );
        reader
    };
    // ı upper-cases to I, so it matches i; İ stays İ (its simple upper case), so it does not.
    assert_eq!(rows("Get-MessageTrackingLog -Sender I@X.COM"), [0, 2]);
    // Σ, σ and ς are one letter ignoring case.
    assert_eq!(rows("Get-MessageTrackingLog -MessageSubject σ"), [0, 1]);
    // ß upper-cases to two letters, which a simple mapping does not do: no match for SS.
    assert_eq!(rows("Get-MessageTrackingLog -MessageSubject STRASSE"), [3]);
    assert_eq!(rows("Get-MessageTrackingLog -MessageSubject straße"), [2]);
    // Fullwidth letters have fullwidth capitals.
    assert_eq!(rows("Get-MessageTrackingLog -Sender ＡBC@x.com"), [3]);
    assert_eq!(rows("Get-MessageTrackingLog -Sender 김@x.com"), [4]);
}

#[test]
fn quoted_list_members_match_the_same_in_both() {
    // Exchange quotes a member holding ; or ' with '…' and doubles the quote.
    let d = log(&[
        ("a@x.com", "'a;b@y.com';c@y.com", "s"),
        ("a@x.com", "'o''brien@y.com'", "s"),
        ("a@x.com", "a@y.com;b@y.com", "s"),
    ]);
    let rows = |line: &str| {
        let (reader, memory) = both(&d, line);
        assert_eq!(reader, memory, "{line}");
        reader
    };
    assert_eq!(rows("Get-MessageTrackingLog -Recipients 'a;b@y.com'"), [0]);
    assert_eq!(
        rows("Get-MessageTrackingLog -Recipients \"o'brien@y.com\""),
        [1]
    );
    assert_eq!(rows("Get-MessageTrackingLog -Recipients b@y.com"), [2]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For any subjects and any needle, the reader and the in-memory filter keep the same rows.
    #[test]
    fn the_reader_and_the_in_memory_filter_agree(
        subjects in proptest::collection::vec("[a-zA-ZıİσςΣßａＡ;' é]{0,12}", 1..6),
        needle in "[a-zA-ZıİσςΣßａＡé]{1,3}",
    ) {
        let rows: Vec<(&str, &str, &str)> =
            subjects.iter().map(|s| ("a@x.com", "b@y.com", s.as_str())).collect();
        let d = log(&rows);
        let quoted = needle.replace('\'', "''");
        let line = format!("Get-MessageTrackingLog -MessageSubject '{quoted}'");
        let (reader, memory) = both(&d, &line);
        prop_assert_eq!(&reader, &memory);
        // And both follow the rule.
        let expected: Vec<usize> = subjects
            .iter()
            .enumerate()
            .filter(|(_, s)| msgtrack::format::fold::contains_ignore_case(s.trim(), &needle))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(reader, expected);
    }
}
