//! The fuzz targets' invariants (`msgtrack::invariants`, run for millions of executions by
//! `fuzz/`) as a stable-Rust proptest smoke, so `cargo test` checks the same promises.

use proptest::prelude::*;

use msgtrack::invariants;
use msgtrack::query::settings::Session;

use crate::util::{Dir, header_2016};

fn session() -> Session {
    Session {
        now: chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("a time"),
        zone: msgtrack::format::Zone::parse("Europe/Berlin").expect("a zone"),
        culture: msgtrack::pwsh::culture::Culture::find("en-US").expect("en-US"),
        csv_raw: false,
        shown: Default::default(),
    }
}

/// A field value with the characters that trouble CSV and list parsing.
fn field() -> impl Strategy<Value = String> {
    "[a-z@.;,'\" \r\n\u{0}é分-]{0,10}"
}

/// Log-like bytes: a header, rows of 30 fields with awkward values, then damage (a cut, a
/// stray byte).
fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(proptest::collection::vec(field(), 28..32), 0..6),
        any::<bool>(),
        0usize..400,
        any::<u8>(),
    )
        .prop_map(|(rows, header, cut, byte)| {
            let mut text = if header { header_2016() } else { String::new() };
            for fields in rows {
                let cells: Vec<String> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match i {
                        0 => "2026-11-20T10:00:00.000Z".to_string(),
                        8 => "RECEIVE".to_string(),
                        _ if f.contains([',', '"']) => format!("\"{}\"", f.replace('"', "\"\"")),
                        _ => f.clone(),
                    })
                    .collect();
                text.push_str(&cells.join(","));
                text.push_str("\r\n");
            }
            let mut bytes = text.into_bytes();
            if cut < bytes.len() && cut % 3 == 0 {
                bytes.truncate(cut);
            }
            if cut < bytes.len() && cut % 5 == 0 {
                bytes[cut] = byte;
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_reader_is_the_same_whatever_the_chunk_size(bytes in log_bytes(), chunk in 1usize..300) {
        let dir = Dir::new();
        prop_assert!(invariants::reader(dir.path(), &bytes, chunk).is_ok(), "{:?}", invariants::reader(dir.path(), &bytes, chunk));
    }

    #[test]
    fn list_members_survive_exchanges_quoting(members in proptest::collection::vec("[a-z;' ]{0,6}", 0..5)) {
        prop_assert_eq!(invariants::lists(&members), Ok(()));
    }

    #[test]
    fn a_printed_cmdlet_plans_the_same_read(
        sender in "[a-zA-Z0-9@.'$`\"; ]{1,12}",
        events in proptest::collection::vec(prop_oneof!["FAIL", "DELIVER", "receive", "SEND"], 1..3),
        hours in 0i64..2000,
        size in prop_oneof![Just("Unlimited".to_string()), (1u32..5000).prop_map(|n| n.to_string())],
    ) {
        let quoted = sender.replace('\'', "''");
        let line = format!(
            "Get-MessageTrackingLog -Sender '{quoted}' -EventId {} -Start (Get-Date).AddHours(-{hours}) -ResultSize {size} | Where {{$_.TotalBytes -gt 1KB}}",
            events.join(",")
        );
        prop_assert_eq!(invariants::query_line(&line, &session()), Ok(()));
        prop_assert_eq!(invariants::evaluate(&line, &session()), Ok(()));
    }

    #[test]
    fn any_text_is_a_snapshot_or_refused(text in ".{0,40}") {
        prop_assert_eq!(invariants::directory(&text), Ok(()));
    }

    #[test]
    fn store_manifests_of_any_bytes_and_any_offsets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(invariants::store_manifest(&bytes), Ok(()));
    }

    #[test]
    fn store_key_files_never_panic_and_never_lose_a_value(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(invariants::store_keys(&bytes), Ok(()));
    }
}

/// Fuzz finding (lists, crash-adc83b19): a member holding a line break came back as the text
/// `\n`. A log line cannot hold a line break: the writer escapes it as Exchange does and the
/// reader keeps that text, so the round trip is promised only for members a line can hold.
#[test]
fn a_line_break_in_a_member_is_written_as_text() {
    assert!(invariants::lists(&["\n".to_string()]).is_ok());
    let joined = msgtrack::format::encode::join_members(&["a\nb".to_string()]);
    assert!(!joined.contains('\n'), "{joined:?}");
}

/// Fuzz finding (query, crash-bfab986a): a line whose cmdlet is in its second statement
/// planned a read but `--print-cmdlet` refused it ("no pipeline to print").
#[test]
fn a_cmdlet_in_a_later_statement_prints() {
    let line = "$Servers = Get-ExchangeServer; $Servers | where {$_.isHubTransportServer -eq $true} | Get-MessageTrackingLog -MessageId ba18@x.com | Select-Object Timestamp";
    invariants::query_line(line, &session()).expect("plans and prints the same read");
    let printed = msgtrack::query::cmdlet::print(line, &session()).expect("prints");
    assert!(
        printed.starts_with("$Servers = Get-ExchangeServer; $Servers | where"),
        "{printed}"
    );
    assert!(
        printed
            .contains("Get-MessageTrackingLog -MessageId 'ba18@x.com' | Select-Object Timestamp"),
        "{printed}"
    );
}

/// Fuzz finding (query): a value starting with a control character printed as
/// `([char]16 + 'x')`, which PowerShell (and msgtrack) evaluates as a sum of numbers.
#[test]
fn a_value_starting_with_a_control_character_prints_as_text() {
    let line = "Get-MessageTrackingLog -Recipients \u{10}\u{10}x@y.com,b@y.com";
    invariants::query_line(line, &session()).expect("plans and prints the same read");
}

/// Fuzz finding (query): a line break after the cmdlet ends its statement; the printed form
/// glued the next statement to the cmdlet as positional values.
#[test]
fn a_statement_after_the_cmdlet_stays_a_statement_when_printed() {
    let line = "Get-MessageTrackingLog -EventId FAIL\nGet-Date -Format yyyy";
    invariants::query_line(line, &session()).expect("plans and prints the same read");
    let printed = msgtrack::query::cmdlet::print(line, &session()).expect("prints");
    assert_eq!(
        printed,
        "Get-MessageTrackingLog -EventId 'FAIL'\nGet-Date -Format yyyy"
    );
}

/// Fuzz finding (query): `> file>>` with a line break after it planned (the second redirection
/// had an empty target) but not without the line break. PowerShell refuses both: a
/// redirection needs a file, and the output can be redirected once.
#[test]
fn a_redirection_needs_a_file_and_happens_once() {
    for line in [
        "Get-MessageTrackingLog | ConvertTo-Csv > out.csv>>\n",
        "Get-MessageTrackingLog | ConvertTo-Csv > out.csv>>",
        "Get-MessageTrackingLog | ConvertTo-Csv >\n",
    ] {
        let err = msgtrack::pwsh::parse::parse(line).expect_err(line);
        assert!(
            err.message.contains("already redirected")
                || err.message.contains("missing file specification"),
            "{line:?}: {}",
            err.message
        );
        invariants::query_line(line, &session()).expect("refused alike");
    }
}

/// Fuzz finding (query): a bare word ending in form feeds (part of the word for PowerShell's
/// parser, whitespace for Rust's `trim_end`) was printed with the form feeds twice.
#[test]
fn a_bare_word_ending_in_form_feeds_prints_once() {
    let line = "Get-MessageTrackingLog -Sender a@b\u{c}\u{c}\rGet-Date";
    invariants::query_line(line, &session()).expect("plans and prints the same read");
}
