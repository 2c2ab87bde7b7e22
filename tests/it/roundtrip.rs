//! Property tests: a row written by Exchange's rules parses back to the same values, and no
//! byte soup makes the reader panic or lose good rows.

use msgtrack::format::Field;
use msgtrack::format::encode::write_header;
use msgtrack::format::{Layout, LogRecord, LogWriter};
use msgtrack::frame::access;
use proptest::prelude::*;

use crate::util::{Dir, lists, read_one, strings};

/// Text with every character the quoting rules care about.
fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[ a-zA-Z0-9@.<>=|:/()\-,;'"\r\né한]{0,14}"#).unwrap()
}

fn list() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(text(), 0..4)
}

fn custom_data() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[A-Za-z][A-Za-z0-9.]{0,8}", text()), 0..4)
}

prop_compose! {
    fn record()(
        ms in 946_684_800_000i64..4_102_444_800_000,
        scalars in proptest::collection::vec(text(), 22),
        recipients in list(),
        status in list(),
        reference in list(),
        data in custom_data(),
        bytes in proptest::option::of(0i64..10_000_000_000),
        count in proptest::option::of(0i64..5000),
    ) -> (LogRecord, Vec<(String, String)>) {
        let s = |i: usize| scalars[i].clone();
        let record = LogRecord {
            timestamp_ms: ms,
            client_ip: s(0), client_hostname: s(1), server_ip: s(2), server_hostname: s(3),
            source_context: s(4), connector_id: s(5), source: s(6), event_id: s(7),
            internal_message_id: s(8), message_id: s(9), network_message_id: s(10),
            recipients, recipient_status: status,
            total_bytes: bytes, recipient_count: count,
            related_recipient_address: s(11), reference,
            message_subject: s(12), sender: s(13), return_path: s(14), message_info: s(15),
            directionality: s(16), tenant_id: s(17), original_client_ip: s(18), original_server_ip: s(19),
            event_data: data.clone(),
            transport_traffic_type: s(20), log_id: s(21), schema_version: "15.02.1544.004".into(),
            ..LogRecord::default()
        };
        (record, data)
    }
}

/// What the reader gives for a written scalar: line breaks as `\r`/`\n` text, empty as null.
fn expect_scalar(value: &str) -> Option<String> {
    let v = value.replace('\r', "\\r").replace('\n', "\\n");
    (!v.is_empty()).then_some(v)
}

/// A list reads back member by member (line breaks escaped), except that a single empty
/// member and an empty list are both written as an empty field.
fn expect_list(members: &[String]) -> Vec<String> {
    if members.len() == 1 && members[0].is_empty() {
        return Vec::new();
    }
    members
        .iter()
        .map(|m| m.replace('\r', "\\r").replace('\n', "\\n"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn written_rows_read_back_to_the_same_values(rows in proptest::collection::vec(record(), 1..6)) {
        let mut bytes = Vec::new();
        write_header(&mut bytes, "15.02.1544.004", rows[0].0.timestamp_ms, Layout::Exchange2016).unwrap();
        let mut writer = LogWriter::new(bytes, Layout::Exchange2016);
        for (r, _) in &rows {
            writer.write(r).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let dir = Dir::new();
        let ingest = read_one(&dir.write("MSGTRK2026112010-1.LOG", bytes));
        prop_assert_eq!(ingest.bad_lines(), 0, "{:?}", ingest.diagnostics);
        prop_assert_eq!(ingest.frame.height(), rows.len());

        let ts = access::timestamps_ms(&ingest.frame).unwrap();
        let subjects = strings(&ingest, Field::MessageSubject);
        let contexts = strings(&ingest, Field::SourceContext);
        let events = strings(&ingest, Field::EventId);
        let senders = strings(&ingest, Field::Sender);
        let infos = strings(&ingest, Field::MessageInfo);
        let rcpts = lists(&ingest, Field::Recipients);
        let status = lists(&ingest, Field::RecipientStatus);
        let refs = lists(&ingest, Field::Reference);
        let data = access::event_data(&ingest.frame).unwrap();
        let bytes_col = access::integers(&ingest.frame, Field::TotalBytes).unwrap();
        let counts = access::integers(&ingest.frame, Field::RecipientCount).unwrap();
        for (i, (r, kv)) in rows.iter().enumerate() {
            prop_assert_eq!(ts[i], r.timestamp_ms);
            prop_assert_eq!(&subjects[i], &expect_scalar(&r.message_subject));
            prop_assert_eq!(&contexts[i], &expect_scalar(&r.source_context));
            prop_assert_eq!(&events[i], &expect_scalar(&r.event_id));
            prop_assert_eq!(&senders[i], &expect_scalar(&r.sender));
            prop_assert_eq!(&infos[i], &expect_scalar(&r.message_info));
            prop_assert_eq!(&rcpts[i], &expect_list(&r.recipients));
            prop_assert_eq!(&status[i], &expect_list(&r.recipient_status));
            prop_assert_eq!(&refs[i], &expect_list(&r.reference));
            prop_assert_eq!(bytes_col[i], r.total_bytes);
            prop_assert_eq!(counts[i], r.recipient_count);
            let expected: Vec<(String, String)> = kv
                .iter()
                .map(|(k, v)| (k.clone(), v.replace('\r', "\\r").replace('\n', "\\n")))
                .collect();
            prop_assert_eq!(&data[i], &expected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_good_rows_survive(noise in proptest::collection::vec(any::<u8>(), 0..400)) {
        let good = crate::util::row(&[(Field::EventId, "RECEIVE"), (Field::MessageSubject, "kept")]);
        let mut bytes = crate::util::header_2016().into_bytes();
        bytes.extend(good.as_bytes());
        bytes.extend(b"\r\n");
        bytes.extend(noise.iter().map(|b| if *b == b'\n' { b'x' } else { *b }));
        bytes.extend(b"\r\n");
        bytes.extend(good.as_bytes());
        bytes.extend(b"\r\n");
        let dir = Dir::new();
        let ingest = read_one(&dir.write("noise.log", bytes));
        let subjects = strings(&ingest, Field::MessageSubject);
        let kept = subjects.iter().filter(|s| s.as_deref() == Some("kept")).count();
        prop_assert!(kept >= 2, "good rows lost: {:?}", ingest.diagnostics);
    }
}

/// Bytes drawn mostly from the characters the format gives meaning to.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop_oneof![
        Just(b','),
        Just(b'"'),
        Just(b'\''),
        Just(b';'),
        Just(b'\r'),
        Just(b'\n'),
        Just(b'#'),
        Just(b':'),
        Just(0xEF),
        Just(0xBB),
        Just(0xBF),
        any::<u8>(),
        b'0'..=b'9',
    ];
    proptest::collection::vec(interesting, 0..2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Fuzz-style: any file, cut into any chunk size, reads without panic, and the accounting
    /// holds: rows + bad lines never exceed the lines read, and chunking changes nothing.
    #[test]
    fn any_bytes_read_consistently_at_any_chunk_size(
        mut bytes in soup(),
        with_header in any::<bool>(),
        chunk in 1usize..300,
    ) {
        if with_header {
            let mut h = crate::util::header_2016().into_bytes();
            h.append(&mut bytes);
            bytes = h;
        }
        let dir = Dir::new();
        let path = dir.write("MSGTRK2026112010-1.LOG", &bytes);
        let whole = msgtrack::ingest::read_paths(std::slice::from_ref(&path), &Default::default()).unwrap();
        let cut = msgtrack::ingest::read_paths(
            &[path],
            &msgtrack::ingest::ReadOptions::default().with_chunk_size(chunk),
        )
        .unwrap();
        prop_assert!(whole.frame.equals_missing(&cut.frame));
        prop_assert_eq!(whole.bad_lines(), cut.bad_lines());
        for f in &whole.files {
            prop_assert!(f.rows + f.bad_lines <= f.lines + 1, "{:?}", f);
        }
    }
}
