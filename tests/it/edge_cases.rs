//! One test per rule of tracking-log-format.md §9 (the parser's edge-case checklist).

use msgtrack::format::Field;
use msgtrack::format::Layout;
use msgtrack::frame::access;
use msgtrack::ingest::{DiagnosticKind, ReadOptions, read_paths};

use crate::util::{Dir, header_2016, lists, log_text, read_one, row, strings};

/// §9.1: a BOM before `#Software`, CRLF line ends; LF-only files read the same.
#[test]
fn r1_bom_crlf_and_lf_files_read_the_same() {
    let dir = Dir::new();
    let rows = [
        row(&[(Field::EventId, "RECEIVE"), (Field::Source, "SMTP")]),
        row(&[(Field::EventId, "SEND"), (Field::Source, "SMTP")]),
    ];
    let crlf = format!("{}{}\r\n{}\r\n", header_2016(), rows[0], rows[1]);
    let lf = crlf.replace("\r\n", "\n").replace('\u{feff}', "");
    let a = read_one(&dir.write("crlf.log", &crlf));
    let b = read_one(&dir.write("lf.log", &lf));
    assert_eq!(a.frame.height(), 2);
    assert_eq!(strings(&a, Field::EventId), strings(&b, Field::EventId));
    assert_eq!(strings(&a, Field::EventId)[1].as_deref(), Some("SEND"));
    assert_eq!(a.bad_lines() + b.bad_lines(), 0);
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
}

/// §9.2: columns come from `#Fields`, whatever the order; row width is checked against it.
#[test]
fn r2_fields_line_decides_the_mapping_and_width() {
    let dir = Dir::new();
    let text = "#Software: Microsoft Exchange Server\n#Fields: event-id,recipient-address,date-time,message-subject\n\
                DELIVER,a@x.com;b@x.com,2026-11-20T10:00:00.000Z,Hello\n\
                DELIVER,a@x.com,2026-11-20T10:00:01.000Z\n";
    let ingest = read_one(&dir.write("custom.log", text));
    assert_eq!(ingest.frame.height(), 1);
    assert_eq!(
        lists(&ingest, Field::Recipients)[0],
        vec!["a@x.com", "b@x.com"]
    );
    assert_eq!(
        strings(&ingest, Field::MessageSubject)[0].as_deref(),
        Some("Hello")
    );
    assert_eq!(
        strings(&ingest, Field::Sender)[0],
        None,
        "fields the layout lacks are empty"
    );
    let bad: Vec<_> = ingest
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::FieldCount)
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, Some(4));
    assert!(
        bad[0]
            .message
            .contains("has 3 fields but the #Fields header declares 4"),
        "{}",
        bad[0]
    );
}

/// §9.2: a new `#Fields` line in the middle re-maps the rows after it (a restart with an
/// upgraded build); rows before any header are mapped by their width.
#[test]
fn r2_a_second_fields_line_remaps_later_rows() {
    let dir = Dir::new();
    let mut fields27 = vec![String::new(); 27];
    fields27[0] = "2026-11-20T09:00:00.000Z".into();
    fields27[8] = "SUBMIT".into();
    fields27[11] = "netid-27".into();
    let text = format!(
        "{}\n{}\n{}\n",
        fields27.join(","),
        Layout::Exchange2016.fields_header(),
        row(&[
            (Field::EventId, "DELIVER"),
            (Field::NetworkMessageId, "netid-30"),
            (Field::SchemaVersion, "15.02.1544.004")
        ])
    );
    let path = dir.write(
        "mixed.log",
        format!(
            "{text}{}\n",
            row(&[
                (Field::EventId, "SEND"),
                (Field::NetworkMessageId, "netid-30b")
            ])
        ),
    );
    let ingest = read_one(&path);
    // Cut into many chunks, the rows after the new #Fields line still use it.
    let chunked = read_paths(&[path], &ReadOptions::default().with_chunk_size(40)).unwrap();
    assert!(ingest.frame.equals_missing(&chunked.frame));
    assert_eq!(
        strings(&ingest, Field::EventId),
        vec![
            Some("SUBMIT".into()),
            Some("DELIVER".into()),
            Some("SEND".into())
        ]
    );
    assert_eq!(
        strings(&ingest, Field::NetworkMessageId),
        vec![
            Some("netid-27".into()),
            Some("netid-30".into()),
            Some("netid-30b".into())
        ]
    );
    assert_eq!(
        strings(&ingest, Field::SchemaVersion)[1].as_deref(),
        Some("15.02.1544.004")
    );
    assert!(
        ingest
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NoHeader)
    );
}

/// §9.3: RFC-4180 quoting with `""`, only where needed; `\r` `\n` stay literal text.
#[test]
fn r3_field_quoting_and_literal_backslash_escapes() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "RECEIVE"),
        (Field::MessageSubject, r#""Re: ""Q4"", final, numbers""#),
        (Field::SourceContext, r"line1\r\nline2"),
    ]);
    let ingest = read_one(&dir.write("q.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        strings(&ingest, Field::MessageSubject)[0].as_deref(),
        Some(r#"Re: "Q4", final, numbers"#)
    );
    assert_eq!(
        strings(&ingest, Field::SourceContext)[0].as_deref(),
        Some(r"line1\r\nline2")
    );
}

/// §9.4: `;` lists with single-quoted members and `''`, only in the four list columns; empty
/// members kept; scalar columns keep their `;`.
#[test]
fn r4_list_columns_split_scalar_columns_do_not() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "FAIL"),
        (Field::Recipients, "a@x.com;'o''brien@x.com';;b@x.com"),
        (
            Field::RecipientStatus,
            "'550 5.1.1 RESOLVER.ADR.RecipNotFound; not found';x;;y",
        ),
        (Field::Reference, ";"),
        (
            Field::SourceContext,
            "08DB31CCA6F9082D;2023-04-02T14:45:54.240Z;0",
        ),
        (
            Field::MessageInfo,
            "2026-11-20T09:59:00.000Z;SRV=EX01.contoso.com:TOTAL=0",
        ),
    ]);
    let ingest = read_one(&dir.write("l.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        lists(&ingest, Field::Recipients)[0],
        vec!["a@x.com", "o'brien@x.com", "", "b@x.com"]
    );
    assert_eq!(
        lists(&ingest, Field::RecipientStatus)[0],
        vec![
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            "x",
            "",
            "y"
        ]
    );
    assert_eq!(lists(&ingest, Field::Reference)[0], vec!["", ""]);
    assert_eq!(
        strings(&ingest, Field::SourceContext)[0].as_deref(),
        Some("08DB31CCA6F9082D;2023-04-02T14:45:54.240Z;0")
    );
    assert!(
        strings(&ingest, Field::MessageInfo)[0]
            .as_deref()
            .unwrap()
            .contains(";SRV=")
    );
}

/// §9.5: an EXPAND row has one status for many recipients (alignment is not forced).
#[test]
fn r5_expand_status_is_not_padded_to_the_recipients() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "EXPAND"),
        (Field::Recipients, "carol@contoso.com;bob@contoso.com"),
        (
            Field::RecipientStatus,
            "'250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded'",
        ),
        (Field::RelatedRecipientAddress, "sales@contoso.com"),
    ]);
    let ingest = read_one(&dir.write("e.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(lists(&ingest, Field::Recipients)[0].len(), 2);
    assert_eq!(lists(&ingest, Field::RecipientStatus)[0].len(), 1);
    assert_eq!(
        strings(&ingest, Field::RelatedRecipientAddress)[0].as_deref(),
        Some("sales@contoso.com")
    );
}

/// §9.6: internal-message-id is text: empty, `0`, a number, or a Message-ID.
#[test]
fn r6_internal_message_id_is_kept_as_text() {
    let dir = Dir::new();
    let rows = [
        row(&[(Field::EventId, "SUBMIT")]),
        row(&[
            (Field::EventId, "MODERATORAPPROVE"),
            (Field::InternalMessageId, "0"),
        ]),
        row(&[
            (Field::EventId, "PROCESSMEETINGMESSAGE"),
            (Field::InternalMessageId, "<abc@contoso.com>"),
        ]),
        row(&[
            (Field::EventId, "SEND"),
            (Field::InternalMessageId, "27414776251025"),
        ]),
    ];
    let ingest = read_one(&dir.write("i.log", log_text(&rows)));
    assert_eq!(
        strings(&ingest, Field::InternalMessageId),
        vec![
            None,
            Some("0".into()),
            Some("<abc@contoso.com>".into()),
            Some("27414776251025".into())
        ]
    );
}

/// §9.7: custom-data keeps repeated keys in order, `=` inside values, locale commas.
#[test]
fn r7_custom_data_multimap() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "DELIVER"),
        (
            Field::EventData,
            r#""S:AMA=SUM|v=0;S:AMA=EV|engine=M;S:StoreObjectIds=AAAA==;S:P2RecipStat=0,005/2;I32:Count=3""#,
        ),
    ]);
    let ingest = read_one(&dir.write("c.log", format!("{}{row}\r\n", header_2016())));
    let data = access::event_data(&ingest.frame).unwrap();
    let pairs: Vec<(&str, &str)> = data[0]
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("AMA", "SUM|v=0"),
            ("AMA", "EV|engine=M"),
            ("StoreObjectIds", "AAAA=="),
            ("P2RecipStat", "0,005/2"),
            ("Count", "3"),
        ]
    );
}

/// §9.8: 0–7 fractional digits accepted (Exchange Online exports write 7).
#[test]
fn r8_timestamps_with_any_fraction() {
    let dir = Dir::new();
    let mut rows = Vec::new();
    for t in [
        "2021-11-23T19:49:37Z",
        "2021-11-23T19:49:37.6Z",
        "2021-11-23T19:49:37.605Z",
        "2021-11-23T19:49:37.6050000Z",
    ] {
        let mut r = row(&[(Field::EventId, "RECEIVE")]);
        r.replace_range(0..24, t);
        rows.push(r);
    }
    let ingest = read_one(&dir.write("t.log", format!("{}\n", rows.join("\n"))));
    let ms = access::timestamps_ms(&ingest.frame).unwrap();
    assert_eq!(ms[1] - ms[0], 600);
    assert_eq!(ms[2] - ms[0], 605);
    assert_eq!(ms[3], ms[2]);
}

/// §9.9: IPv6 with zone ids and empty IP fields.
#[test]
fn r9_ip_addresses_are_kept_verbatim() {
    let dir = Dir::new();
    let row = row(&[
        (Field::ClientIp, "fe80::1234:5678:4321:1010%3"),
        (Field::ServerIp, ""),
        (Field::EventId, "RECEIVE"),
    ]);
    let ingest = read_one(&dir.write("ip.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        strings(&ingest, Field::ClientIp)[0].as_deref(),
        Some("fe80::1234:5678:4321:1010%3")
    );
    assert_eq!(strings(&ingest, Field::ServerIp)[0], None);
}

/// §9.10: event and source names outside the documented lists are kept.
#[test]
fn r10_unknown_event_and_source_names_are_kept() {
    let dir = Dir::new();
    let row = row(&[
        (Field::Source, "RESOLVER"),
        (Field::EventId, "RECIPIENTINFO"),
    ]);
    let ingest = read_one(&dir.write("u.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        strings(&ingest, Field::EventId)[0].as_deref(),
        Some("RECIPIENTINFO")
    );
    assert_eq!(
        strings(&ingest, Field::Source)[0].as_deref(),
        Some("RESOLVER")
    );
}

/// §9.11: a live file's unfinished last line is held back, not reported as bad; the rows
/// before it are kept.
#[test]
fn r11_incomplete_last_line_is_held_back() {
    let dir = Dir::new();
    let complete = row(&[(Field::EventId, "RECEIVE")]);
    let cut = &row(&[
        (Field::EventId, "SEND"),
        (Field::MessageSubject, "half written"),
    ])[..60];
    let ingest = read_one(&dir.write("live.log", format!("{}{complete}\r\n{cut}", header_2016())));
    assert_eq!(ingest.frame.height(), 1);
    assert_eq!(ingest.bad_lines(), 0);
    assert!(ingest.files[0].held_back);
    let held: Vec<_> = ingest
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::IncompleteLastLine)
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].line, Some(7));
}

/// §9.11: a restart appends rows without a new header; they use the header in force.
#[test]
fn r11_rows_appended_after_a_restart_use_the_existing_header() {
    let dir = Dir::new();
    let text = format!(
        "{}{}\r\n{}\r\n",
        header_2016(),
        row(&[(Field::EventId, "RECEIVE")]),
        row(&[(Field::EventId, "LOAD"), (Field::Source, "BOOTLOADER")])
    );
    let ingest = read_one(&dir.write("restart.log", text));
    assert_eq!(strings(&ingest, Field::EventId)[1].as_deref(), Some("LOAD"));
    assert!(ingest.diagnostics.is_empty());
}

/// §9.12: `[Undisclosed]` subjects, `<>` return paths and empty senders are ordinary values.
#[test]
fn r12_placeholder_values() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "SEND"),
        (Field::MessageSubject, "[Undisclosed]"),
        (Field::Sender, ""),
        (Field::ReturnPath, "<>"),
    ]);
    let ingest = read_one(&dir.write("p.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        strings(&ingest, Field::MessageSubject)[0].as_deref(),
        Some("[Undisclosed]")
    );
    assert_eq!(
        strings(&ingest, Field::ReturnPath)[0].as_deref(),
        Some("<>")
    );
    assert_eq!(strings(&ingest, Field::Sender)[0], None);
}

/// §9.13: damaged anonymised values are kept as they are, not "fixed".
#[test]
fn r13_damaged_values_are_not_fixed() {
    let dir = Dir::new();
    let row = row(&[
        (Field::EventId, "SEND"),
        (Field::Recipients, "entadmin @ contoso1.net"),
        (Field::RecipientStatus, "250 2.1.5Recipient OK"),
        (Field::MessageId, "no-brackets@x"),
    ]);
    let ingest = read_one(&dir.write("d.log", format!("{}{row}\r\n", header_2016())));
    assert_eq!(
        lists(&ingest, Field::Recipients)[0],
        vec!["entadmin @ contoso1.net"]
    );
    assert_eq!(
        lists(&ingest, Field::RecipientStatus)[0],
        vec!["250 2.1.5Recipient OK"]
    );
    assert_eq!(
        strings(&ingest, Field::MessageId)[0].as_deref(),
        Some("no-brackets@x")
    );
}

/// Chunked parallel decoding gives the same rows, values and line numbers as one chunk.
#[test]
fn tiny_chunks_decode_exactly_like_one_chunk() {
    let sample = crate::util::sample_logs_dir().join("EX01");
    let whole = read_paths(
        std::slice::from_ref(&sample),
        &ReadOptions::default().with_chunk_size(1 << 30),
    )
    .unwrap();
    let tiny = read_paths(&[sample], &ReadOptions::default().with_chunk_size(700)).unwrap();
    assert!(whole.frame.height() > 1000);
    assert!(whole.frame.equals_missing(&tiny.frame), "frames differ");
    let lines = access::integers(&tiny.frame, Field::Line).unwrap();
    assert_eq!(lines[0], Some(6), "first row follows the five header lines");
}
