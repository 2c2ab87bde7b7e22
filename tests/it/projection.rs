//! Projection and filter push-down: the reader decodes only the columns asked for and drops
//! rows that fail a pushed filter, with the same answers as filtering the full frame.

use msgtrack::format::Field;
use msgtrack::frame::access;
use msgtrack::ingest::{FieldCondition, FieldTest, ReadOptions, RowFilter, read_paths};

use crate::util::{Dir, lists, log_text, row, sample_logs_dir, strings};

fn full() -> msgtrack::ingest::Ingest {
    read_paths(&[sample_logs_dir()], &ReadOptions::default()).unwrap()
}

#[test]
fn only_the_requested_columns_are_built_in_frame_order() {
    let columns = [
        Field::Sender,
        Field::Timestamp,
        Field::EventId,
        Field::Recipients,
        Field::MessageId,
    ];
    let few = read_paths(
        &[sample_logs_dir()],
        &ReadOptions::default().with_columns(columns),
    )
    .unwrap();
    let names: Vec<String> = few
        .frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        names,
        vec!["Timestamp", "EventId", "MessageId", "Recipients", "Sender"]
    );
    let all = full();
    assert_eq!(few.frame.height(), all.frame.height());
    for c in [Field::Sender, Field::EventId, Field::MessageId] {
        assert_eq!(strings(&few, c), strings(&all, c), "{c}");
    }
    assert_eq!(
        lists(&few, Field::Recipients),
        lists(&all, Field::Recipients)
    );
}

#[test]
fn pushed_event_filter_matches_filtering_afterwards() {
    let all = full();
    let expected = strings(&all, Field::EventId)
        .iter()
        .filter(|e| e.as_deref() == Some("FAIL") || e.as_deref() == Some("DEFER"))
        .count();
    assert!(expected > 5);
    let filter = RowFilter {
        conditions: vec![FieldCondition {
            field: Field::EventId,
            test: FieldTest::EqualsAny(vec!["fail".into(), "Defer".into()]),
        }],
        ..RowFilter::default()
    };
    let got = read_paths(
        &[sample_logs_dir()],
        &ReadOptions::default().with_filter(filter),
    )
    .unwrap();
    assert_eq!(got.frame.height(), expected);
    // Line numbers still point at the rows in their files.
    let lines = access::integers(&got.frame, Field::Line).unwrap();
    assert!(lines.iter().all(|l| l.unwrap() > 5));
}

#[test]
fn pushed_recipient_time_and_subject_filters() {
    let all = full();
    let rcpts = lists(&all, Field::Recipients);
    let times = access::timestamps_ms(&all.frame).unwrap();
    let subjects = strings(&all, Field::MessageSubject);
    let target = "lee.gu@contoso.com";
    let (start, end) = (
        times.iter().min().unwrap() + 3_600_000 * 9,
        times.iter().min().unwrap() + 3_600_000 * 15,
    );
    let expected = (0..all.frame.height())
        .filter(|&i| rcpts[i].iter().any(|r| r.eq_ignore_ascii_case(target)))
        .filter(|&i| times[i] >= start && times[i] < end)
        .filter(|&i| {
            subjects[i]
                .as_deref()
                .is_some_and(|s| s.to_lowercase().contains("re:"))
        })
        .count();
    let filter = RowFilter {
        start_ms: Some(start),
        end_ms: Some(end),
        conditions: vec![
            FieldCondition {
                field: Field::Recipients,
                test: FieldTest::AnyMemberEqualsAny(vec!["LEE.GU@contoso.com".into()]),
            },
            FieldCondition {
                field: Field::MessageSubject,
                test: FieldTest::Contains("RE:".into()),
            },
        ],
    };
    let got = read_paths(
        &[sample_logs_dir()],
        &ReadOptions::default().with_filter(filter),
    )
    .unwrap();
    assert_eq!(got.frame.height(), expected);
}

#[test]
fn quoted_members_are_not_lost_by_the_raw_line_check() {
    let dir = Dir::new();
    let rows = [
        row(&[
            (Field::EventId, "DELIVER"),
            (Field::Recipients, "a@x.com;'o''brien@x.com'"),
        ]),
        row(&[
            (Field::EventId, "DELIVER"),
            (Field::Recipients, "obrien@x.com"),
        ]),
    ];
    let path = dir.write("q.log", log_text(&rows));
    let filter = RowFilter {
        conditions: vec![FieldCondition {
            field: Field::Recipients,
            test: FieldTest::AnyMemberEqualsAny(vec!["O'Brien@x.com".into()]),
        }],
        ..RowFilter::default()
    };
    let got = read_paths(&[path], &ReadOptions::default().with_filter(filter)).unwrap();
    assert_eq!(got.frame.height(), 1);
}

#[test]
fn lazy_scan_decodes_only_what_the_plan_uses() {
    use polars::prelude::{DataType, col, lit};
    let (lazy, source) =
        msgtrack::ingest::scan(&[sample_logs_dir()], ReadOptions::default()).unwrap();
    let fails = lazy
        .filter(col("EventId").cast(DataType::String).eq(lit("FAIL")))
        .select([col("Timestamp"), col("Recipients")])
        .collect()
        .unwrap();
    let outcome = source.outcome().unwrap();
    assert_eq!(
        outcome.columns,
        vec![Field::Timestamp, Field::EventId, Field::Recipients]
    );
    let all = full();
    let expected = strings(&all, Field::EventId)
        .iter()
        .filter(|e| e.as_deref() == Some("FAIL"))
        .count();
    assert_eq!(fails.height(), expected);
    assert_eq!(fails.width(), 2);
    assert_eq!(outcome.files.len(), all.files.len());
}

#[test]
fn files_outside_the_time_range_are_not_opened_and_the_answer_is_unchanged() {
    let all = full();
    let times = access::timestamps_ms(&all.frame).unwrap();
    let noon = msgtrack::format::time::parse_timestamp_ms(b"2026-11-20T12:00:00.000Z").unwrap();
    let two = noon + 2 * 3_600_000;
    let expected = times.iter().filter(|t| **t >= noon && **t < two).count();
    let filter = RowFilter {
        start_ms: Some(noon),
        end_ms: Some(two),
        ..RowFilter::default()
    };
    let got = read_paths(
        &[sample_logs_dir()],
        &ReadOptions::default().with_filter(filter),
    )
    .unwrap();
    assert_eq!(got.frame.height(), expected);
    assert!(expected > 100);
    // Hourly files 11..=14 may hold rows of 12:00–14:00 (one hour of margin); the rest are skipped.
    let read_hours: std::collections::BTreeSet<u8> = got
        .files
        .iter()
        .filter_map(|f| {
            msgtrack::format::names::LogName::parse(f.path.file_name()?.to_str()?)?.hour
        })
        .collect();
    assert_eq!(
        read_hours.into_iter().collect::<Vec<_>>(),
        vec![11, 12, 13, 14]
    );
    assert_eq!(got.files.len() + got.skipped_by_time.len(), all.files.len());
}
