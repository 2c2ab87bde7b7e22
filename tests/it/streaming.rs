//! Folding stages fed batch by batch (bounded memory): `Get-MessageTrackingLog | Group-Object
//! … -NoElement` and `| Measure-Object` read the logs a batch at a time and never hold all
//! the events. PowerShell's answer does not depend on how the rows were read: groups come in
//! the order of their first event *by time* (the cmdlet's output order), named by that event,
//! whichever file it is in and whichever batch reads it.

use std::path::Path;
use std::process::Command;

use msgtrack::format::Field;

use crate::util::{Dir, log_text, row, sample_logs_dir};

/// How CSV writes a group's Group (a `Collection<PSObject>`, empty with -NoElement), as
/// Export-Csv does: by its type's name.
const COLLECTION: &str =
    "System.Collections.ObjectModel.Collection`1[System.Management.Automation.PSObject]";

/// The binary's stdout for `line` over `paths`, reading `batch_bytes` of files at a time.
fn answer(line: &str, paths: &[&Path], batch_bytes: Option<u64>) -> String {
    crate::util::query_output(line, paths, "csv", batch_bytes)
}

#[test]
fn groups_are_named_by_their_first_event_in_time_not_in_reading_order() {
    // EX01's file is read first, but EX02 logged the earliest FAIL (in capitals) and the
    // earliest RECEIVE: Group-Object names each group by its first event in the cmdlet's
    // output, which is sorted by time. Worked out by hand from the rows below.
    let dir = Dir::new();
    let ex01 = [
        row(&[
            (Field::Timestamp, "2026-11-20T10:05:00.000Z"),
            (Field::EventId, "fail"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:06:00.000Z"),
            (Field::EventId, "DELIVER"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:07:00.000Z"),
            (Field::EventId, "receive"),
        ]),
    ];
    let ex02 = [
        row(&[
            (Field::Timestamp, "2026-11-20T10:00:00.000Z"),
            (Field::EventId, "FAIL"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:01:00.000Z"),
            (Field::EventId, "Receive"),
        ]),
    ];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    dir.write("EX02/MSGTRK2026112010-1.LOG", log_text(&ex02));
    let streamed = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId -NoElement";
    let whole = streamed.replace("Unlimited", "999999");
    for (line, batch) in [
        (streamed, None),
        (streamed, Some(1)),
        (whole.as_str(), None),
    ] {
        let got = answer(line, &[dir.path()], batch);
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec![
                "Values,Count,Group,Name".to_string(),
                format!("FAIL,2,{COLLECTION},FAIL"),
                format!("Receive,2,{COLLECTION},Receive"),
                format!("DELIVER,1,{COLLECTION},DELIVER"),
            ],
            "batch size {batch:?}"
        );
    }
    let measured = answer(
        "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object",
        &[dir.path()],
        Some(1),
    );
    assert!(
        measured.lines().nth(1).unwrap_or("").starts_with("5,"),
        "{measured}"
    );
}

#[test]
fn batch_by_batch_answers_equal_whole_reads_on_the_sample() {
    // `-ResultSize 999999999` makes the cmdlet cut (so the pipeline runs on the whole list);
    // `Unlimited` lets the folding stages take the rows a file at a time. Both must print the
    // same bytes for every folding pipeline.
    let sample = sample_logs_dir();
    let stages = [
        "Group-Object EventId -NoElement",
        "Group-Object Sender, EventId -NoElement",
        "Group-Object Recipients -NoElement",
        "Group-Object Source -NoElement | Sort-Object Count -Descending | Select-Object -First 3",
        "Group-Object Timestamp -NoElement | Select-Object -First 5",
        "Group-Object {$_.Timestamp.Hour} -NoElement",
        "Group-Object Event* -NoElement",
        "Group-Object ServerHostname -NoElement -CaseSensitive",
        "Where-Object {$_.EventId -eq 'FAIL'} | Group-Object RecipientStatus -NoElement",
        "? EventId -eq RECEIVE | Group-Object Sender -NoElement",
        "Measure-Object",
        "Measure-Object TotalBytes -Sum -Average -Maximum -Minimum",
        "Measure-Object Sender -Maximum -Minimum",
        "Where-Object {$_.TotalBytes -gt 10000} | Measure-Object",
        "Select-Object Sender, MessageId -Unique | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10",
        "Select-Object Sender -Unique | Measure-Object",
        "Select-Object EventId, Source -Unique | Group-Object Source -NoElement",
        "Where-Object {$_.EventId -eq 'RECEIVE'} | Select-Object Sender, MessageId -Unique | Group-Object Sender -NoElement",
        "Select-Object Recipients -Unique | Measure-Object",
        // Selections of properties before the fold: one object an event.
        "Select-Object @{n='Seconds';e={$_.MessageLatency.TotalSeconds}} | Measure-Object Seconds -Average -Maximum -Minimum",
        "Where-Object {$_.EventId -eq 'DELIVER'} | Select-Object Sender,@{n='KB';e={[math]::Round($_.TotalBytes / 1KB)}} | Where-Object {$_.KB -gt 2} | Group-Object KB -NoElement | Sort-Object Count -Descending | Select-Object -First 5",
        "Select-Object EventId,Source | Group-Object EventId,Source -NoElement",
    ];
    for stage in stages {
        let streamed = format!("Get-MessageTrackingLog -ResultSize Unlimited | {stage}");
        let whole = format!("Get-MessageTrackingLog -ResultSize 999999999 | {stage}");
        let a = answer(&streamed, &[&sample], Some(1));
        let b = answer(&whole, &[&sample], None);
        assert!(a.lines().count() > 1, "{stage}: no answer");
        assert_eq!(a, b, "{stage}");
        // Every server piped in: the same events, streamed just so.
        let servers = format!("Get-TransportService | {streamed}");
        assert_eq!(answer(&servers, &[&sample], Some(1)), b, "{servers}");
    }
}

#[test]
fn unique_selections_count_once_and_group_by_their_first_event() {
    // Select-Object -Unique compares case-sensitively, Group-Object ignoring case (5.1):
    // "bob@x.com" and "Bob@x.com" are two selections but one group, named by the earlier
    // event by time (in EX02, read second). The repeated (Sender, MessageId) pair of EX01
    // counts once. Worked out by hand: pairs (Bob,<m2>) 10:00, (bob,<m1>) 10:05, (bob,<m1>)
    // 10:06 again, (carol,<m3>) 10:07 → three unique pairs; by Sender ignoring case:
    // Bob@x.com 2 (named by the 10:00 event), carol@x.com 1.
    let dir = Dir::new();
    let ex01 = [
        row(&[
            (Field::Timestamp, "2026-11-20T10:05:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::Sender, "bob@x.com"),
            (Field::MessageId, "<m1>"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:06:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::Sender, "bob@x.com"),
            (Field::MessageId, "<m1>"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:07:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::Sender, "carol@x.com"),
            (Field::MessageId, "<m3>"),
        ]),
    ];
    let ex02 = [row(&[
        (Field::Timestamp, "2026-11-20T10:00:00.000Z"),
        (Field::EventId, "RECEIVE"),
        (Field::Sender, "Bob@x.com"),
        (Field::MessageId, "<m2>"),
    ])];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    dir.write("EX02/MSGTRK2026112010-1.LOG", log_text(&ex02));
    let streamed = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender, MessageId -Unique | Group-Object Sender -NoElement";
    let whole = streamed.replace("Unlimited", "999999");
    for (line, batch) in [
        (streamed, None),
        (streamed, Some(1)),
        (whole.as_str(), None),
    ] {
        let got = answer(line, &[dir.path()], batch);
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec![
                "Values,Count,Group,Name".to_string(),
                format!("Bob@x.com,2,{COLLECTION},Bob@x.com"),
                format!("carol@x.com,1,{COLLECTION},carol@x.com"),
            ],
            "batch size {batch:?}"
        );
    }
    let distinct = answer(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender -Unique | Measure-Object",
        &[dir.path()],
        Some(1),
    );
    // bob@x.com, carol@x.com, Bob@x.com: three texts, compared case-sensitively.
    assert!(
        distinct.lines().nth(1).unwrap_or("").starts_with("3,"),
        "{distinct}"
    );
}

#[test]
fn a_unique_sort_of_events_keeps_the_first_of_equal_keys_ignoring_case_batch_by_batch() {
    // Sort-Object -Unique keeps, of the events whose keys are equal ignoring case, the first
    // in input order (time): worked out by hand from five events and an exact repeat.
    // By Sender: {Bob@x.com 10:00 <m2>, bob@x.com 10:05, 10:06, 10:09} and {carol@x.com 10:07
    // <m3>, Carol@x.com 10:08}: two, Bob's first, then carol's. By Sender and MessageId: (bob,
    // <m1>) twice, so five pairs, sorted by sender then id ignoring case.
    let dir = Dir::new();
    let event = |time: &str, sender: &str, id: &str| {
        row(&[
            (Field::Timestamp, time),
            (Field::EventId, "RECEIVE"),
            (Field::Sender, sender),
            (Field::MessageId, id),
        ])
    };
    let ex01 = [
        event("2026-11-20T10:05:00.000Z", "bob@x.com", "<m1>"),
        event("2026-11-20T10:06:00.000Z", "bob@x.com", "<m4>"),
        event("2026-11-20T10:07:00.000Z", "carol@x.com", "<m3>"),
        event("2026-11-20T10:09:00.000Z", "bob@x.com", "<m1>"),
    ];
    let ex02 = [
        event("2026-11-20T10:00:00.000Z", "Bob@x.com", "<m2>"),
        event("2026-11-20T10:08:00.000Z", "Carol@x.com", "<m5>"),
    ];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    dir.write("EX02/MSGTRK2026112010-1.LOG", log_text(&ex02));
    let read = "Get-MessageTrackingLog -ResultSize Unlimited";
    for (rest, expected) in [
        (
            "Sort-Object Sender -Unique | Select-Object Sender,MessageId",
            vec!["Sender,MessageId", "Bob@x.com,<m2>", "carol@x.com,<m3>"],
        ),
        (
            "Sort-Object Sender -Unique -Descending | Select-Object Sender,MessageId",
            vec!["Sender,MessageId", "carol@x.com,<m3>", "Bob@x.com,<m2>"],
        ),
        (
            "Sort-Object Sender,MessageId -Unique | Select-Object Sender,MessageId",
            vec![
                "Sender,MessageId",
                "bob@x.com,<m1>",
                "Bob@x.com,<m2>",
                "bob@x.com,<m4>",
                "carol@x.com,<m3>",
                "Carol@x.com,<m5>",
            ],
        ),
        (
            "Where-Object {$_.MessageId -ne '<m2>'} | Sort-Object Sender -Unique | Measure-Object | Select-Object Count",
            vec!["Count", "2"],
        ),
    ] {
        let streamed = format!("{read} | {rest}");
        let whole = streamed.replace("Unlimited", "999999");
        for (line, batch) in [(&streamed, None), (&streamed, Some(1)), (&whole, None)] {
            let got = answer(line, &[dir.path()], batch);
            assert_eq!(
                got.lines().collect::<Vec<_>>(),
                expected,
                "{line}, batch size {batch:?}"
            );
        }
    }
}

/// The CSV lines (quotes removed) `line` writes over `logs` holding `held` groups at a time
/// (`MSGTRACK_GROUPS_HELD`); the run must succeed.
fn csv_holding(line: &str, logs: &std::path::Path, held: &str) -> Vec<String> {
    let out = query_holding(line, logs, held)
        .output()
        .expect("msgtrack runs");
    assert!(out.status.success(), "{line}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.replace('"', ""))
        .collect()
}

/// `msgtrack query <line> <logs> --tz UTC --format csv` holding `held` groups (or
/// selections) at a time.
fn query_holding(line: &str, logs: &std::path::Path, held: &str) -> Command {
    query_holding_as(line, logs, held, "csv")
}

/// [`query_holding`] in `format`.
fn query_holding_as(line: &str, logs: &std::path::Path, held: &str, format: &str) -> Command {
    let mut query = Command::new(env!("CARGO_BIN_EXE_msgtrack"));
    query
        .args(["query", line])
        .arg(logs)
        .args(["--tz", "UTC", "--format", format])
        .env("MSGTRACK_GROUPS_HELD", held);
    query
}

/// The groups of the events under `logs` by MessageId, worked out from the events: the key
/// (the MessageId ignoring case), the first event's MessageId (the group's Name) and how many
/// events, in the order of their first events.
fn message_id_groups(logs: &std::path::Path) -> Vec<(String, String, usize)> {
    let ids = crate::util::query_output(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object MessageId",
        &[logs],
        "csv",
        None,
    );
    let mut groups: Vec<(String, String, usize)> = Vec::new();
    for id in csv::Reader::from_reader(ids.as_bytes()).records() {
        let id = id.expect("a record")[0].to_string();
        let key = id.to_lowercase();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2 += 1,
            None => groups.push((key, id, 1)),
        }
    }
    assert!(groups.len() > 300, "{} groups", groups.len());
    groups
}

#[test]
fn groups_written_out_when_too_many_to_hold_give_the_same_picks() {
    // Group-Object by MessageId (hundreds of groups in the sample) with only three held at a
    // time: the groups are written out and merged back, and the stages after them pick from
    // chunks. The answer worked out from the events themselves: groups by MessageId ignoring
    // case, in the order of their first events, named by them; a stable sort by Count
    // descending, the first 10; and, of the groups of more than 8 events, the last 4.
    let logs = sample_logs_dir();
    let groups = message_id_groups(&logs);
    let mut by_count = groups.clone();
    by_count.sort_by_key(|g| std::cmp::Reverse(g.2));
    let top: Vec<String> = by_count
        .iter()
        .take(10)
        .map(|g| format!("{},{}", g.2, g.1))
        .collect();
    let big: Vec<&(String, String, usize)> = groups.iter().filter(|g| g.2 > 8).collect();
    let last: Vec<String> = big[big.len() - 4..]
        .iter()
        .map(|g| format!("{},{}", g.2, g.1))
        .collect();
    let read = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId";
    for (rest, expected) in [
        (
            " -NoElement | Sort-Object Count -Descending | Select-Object -First 10 | Select-Object Count,Name",
            &top,
        ),
        (
            " | Sort-Object Count -Descending | Select-Object -First 10 | Select-Object Count,Name",
            &top,
        ),
        (
            " -NoElement | Where-Object {$_.Count -gt 8} | Select-Object -Last 4 | Select-Object Count,Name",
            &last,
        ),
        // The cut and the selection in one Select-Object; a sort by a script block reading
        // only Count sorts as by Count.
        (
            " | Sort-Object Count -Descending | Select-Object -First 10 Count,Name",
            &top,
        ),
        (
            " | Sort-Object {$_.Count} -Descending | Select-Object -First 10 -Property Count,Name",
            &top,
        ),
        (
            " -NoElement | Where-Object {$_.Count -gt 8} | Select-Object Count,Name -Last 4",
            &last,
        ),
    ] {
        for held in ["3", "1000000"] {
            let got = csv_holding(&format!("{read}{rest}"), &logs, held);
            assert_eq!(
                &got[1..],
                expected.as_slice(),
                "{rest} holding {held} groups"
            );
        }
        // Written out indeed: with nowhere to write, the line fails.
        let missing = crate::util::Dir::new().path().join("not-there");
        let out = query_holding(&format!("{read}{rest}"), &logs, "3")
            .env("TMPDIR", &missing)
            .output()
            .expect("msgtrack runs");
        assert_eq!(out.status.code(), Some(2), "{rest}");
    }
}

#[test]
fn groups_written_out_are_filtered_measured_and_counted_as_all_of_them() {
    // Group-Object by MessageId with three groups held at a time: a filter, a measure and
    // `(…).Count` run over the groups a chunk at a time. The answers worked out from the
    // events: groups by MessageId ignoring case, in the order of their first events.
    let logs = sample_logs_dir();
    let groups = message_id_groups(&logs);
    let big: Vec<String> = groups
        .iter()
        .filter(|g| g.2 > 8)
        .map(|g| format!("{},{}", g.2, g.1))
        .collect();
    assert!(big.len() > 3, "{} groups of more than 8", big.len());
    let events: usize = groups.iter().map(|g| g.2).sum();
    let most = groups.iter().map(|g| g.2).max().unwrap_or_default();
    let (_, one, in_one) = &groups[0];
    let read = "Get-MessageTrackingLog -ResultSize Unlimited";
    let lines: Vec<(String, Vec<String>)> = vec![
        (
            format!(
                "{read} | Group-Object MessageId | Where-Object {{$_.Count -gt 8}} | Select-Object Count,Name"
            ),
            big.clone(),
        ),
        (
            format!(
                "{read} | Group-Object MessageId -NoElement | Where-Object {{$_.Count -gt 4}} | Where-Object {{$_.Count -gt 8}} | Select-Object Count,Name"
            ),
            big.clone(),
        ),
        (
            format!(
                "{read} | Group-Object MessageId | Where-Object {{$_.Count -gt 8}} | Measure-Object | Select-Object -ExpandProperty Count"
            ),
            vec![big.len().to_string()],
        ),
        (
            format!(
                "{read} | Group-Object MessageId -NoElement | Measure-Object Count -Sum -Maximum | Select-Object Count,Sum,Maximum"
            ),
            vec![format!("{},{events},{most}", groups.len())],
        ),
        (
            format!("({read} | Group-Object MessageId).Count"),
            vec![groups.len().to_string()],
        ),
        // One group: its own Count (the property of the one object); in @() an array of one.
        (
            format!("({read} -MessageId '{one}' | Group-Object MessageId).Count"),
            vec![in_one.to_string()],
        ),
        (
            format!("@({read} -MessageId '{one}' | Group-Object MessageId).Count"),
            vec!["1".to_string()],
        ),
        (
            format!("({read} -MessageId '<none@example.invalid>' | Group-Object MessageId).Count"),
            vec!["0".to_string()],
        ),
    ];
    for (line, expected) in &lines {
        for held in ["3", "1000000"] {
            let got: Vec<String> = csv_holding(line, &logs, held)
                .into_iter()
                .filter(|l| !l.starts_with("Count,"))
                .collect();
            assert_eq!(&got, expected, "{line} holding {held} groups");
        }
    }
}

#[test]
fn groups_that_are_the_output_come_out_in_order_when_too_many_to_hold() {
    // Group-Object by MessageId as the line's whole output, alone or filtered, sorted by
    // Count or Name, their Name and Count selected, with three groups held at a time: the groups are written out, merged, and put
    // back in the order of their first events (or by count) on disk. Worked out from the
    // events: groups by MessageId ignoring case, in the order of their first events, named
    // by them.
    let logs = sample_logs_dir();
    let groups = message_id_groups(&logs);
    let all: Vec<String> = groups.iter().map(|g| format!("{},{}", g.2, g.1)).collect();
    let big: Vec<String> = groups
        .iter()
        .filter(|g| g.2 > 8)
        .map(|g| format!("{},{}", g.2, g.1))
        .collect();
    // msgtrack's Sort-Object is stable: by Count, groups of one count in the order of their
    // first events.
    let mut most: Vec<&(String, String, usize)> = groups.iter().collect();
    most.sort_by_key(|g| std::cmp::Reverse(g.2));
    let most: Vec<String> = most.iter().map(|g| format!("{},{}", g.2, g.1)).collect();
    let mut fewest: Vec<&(String, String, usize)> = groups.iter().filter(|g| g.2 > 8).collect();
    fewest.sort_by_key(|g| g.2);
    let fewest: Vec<String> = fewest.iter().map(|g| format!("{},{}", g.2, g.1)).collect();
    // By Name: ignoring case (the groups' Names differ ignoring case, so no two are equal).
    let mut by_name: Vec<&(String, String, usize)> = groups.iter().collect();
    by_name.sort_by_key(|g| g.1.to_lowercase());
    let by_name: Vec<String> = by_name.iter().map(|g| format!("{},{}", g.2, g.1)).collect();
    let by_name_last_first: Vec<String> = by_name.iter().rev().cloned().collect();
    let read = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId";
    for (line, expected) in [
        (format!("{read} -NoElement | Sort-Object Name"), &by_name),
        (
            format!("{read} | Sort-Object Name -Descending | Select-Object Count,Name"),
            &by_name_last_first,
        ),
        (
            format!("{read} -NoElement | Select-Object Name,Count | Sort-Object -Property Name"),
            &by_name,
        ),
        (format!("{read} -NoElement"), &all),
        (read.to_string(), &all),
        (
            format!("{read} -NoElement | Where-Object {{$_.Count -gt 8}}"),
            &big,
        ),
        (
            format!("{read} -NoElement | Sort-Object Count -Descending"),
            &most,
        ),
        (
            format!("{read} | Where-Object {{$_.Count -gt 8}} | Sort-Object -Property Count"),
            &fewest,
        ),
        (
            format!("{read} -NoElement | Select-Object Name,Count"),
            &all,
        ),
        (
            format!("{read} | Sort-Object Count -Descending | Select-Object Count,Name"),
            &most,
        ),
        (
            format!("{read} -NoElement | Select-Object Name,Count | Sort-Object Count -Descending"),
            &most,
        ),
    ] {
        for held in ["3", "1000000"] {
            let got = csv_holding(&line, &logs, held);
            // Export-Csv's columns of a group: Values, Count, Name (and Group without
            // -NoElement).
            let header: Vec<&str> = got[0].split(',').collect();
            let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
            let (count, name) = (at("Count"), at("Name"));
            let rows: Vec<String> = got[1..]
                .iter()
                .map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    format!("{},{}", cells[count], cells[name])
                })
                .collect();
            assert_eq!(&rows, expected, "{line} holding {held} groups");
        }
    }
}

#[test]
fn unique_selections_that_are_the_output_come_out_in_order_when_too_many_to_hold() {
    // Select-Object MessageId -Unique as the line's whole output with three selections held
    // at a time: written out, merged by text, put back in the order of their first events.
    // Worked out from the events: each MessageId once, compared case-sensitively (Windows
    // PowerShell 5.1's -Unique), in the order of its first event.
    let logs = sample_logs_dir();
    let ids = crate::util::query_output(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object MessageId",
        &[logs.as_path()],
        "csv",
        None,
    );
    let mut unique: Vec<String> = Vec::new();
    for id in csv::Reader::from_reader(ids.as_bytes()).records() {
        let id = id.expect("a record")[0].to_string();
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    assert!(unique.len() > 300, "{} message ids", unique.len());
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object MessageId -Unique";
    for held in ["3", "1000000"] {
        let got = csv_holding(line, &logs, held);
        assert_eq!(got[0], "MessageId");
        assert_eq!(&got[1..], unique.as_slice(), "holding {held}");
    }
}

#[test]
fn a_streamed_measure_still_says_standard_deviation_is_not_the_exchange_shells() {
    // Measure-Object -StandardDeviation is PowerShell 7's: the note comes however the
    // measure runs (over events as they are read, over groups written out, or whole).
    let logs = sample_logs_dir();
    for (line, held) in [
        (
            "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object TotalBytes -StandardDeviation",
            "1000000",
        ),
        (
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId | Measure-Object Count -StandardDeviation",
            "3",
        ),
        (
            "Get-MessageTrackingLog -ResultSize Unlimited | ForEach-Object {$_} | Measure-Object TotalBytes -StandardDeviation",
            "1000000",
        ),
    ] {
        let out = query_holding(line, &logs, held)
            .output()
            .expect("msgtrack runs");
        assert!(out.status.success(), "{line}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.matches("-StandardDeviation and -AllStats are PowerShell 7's")
                .count(),
            1,
            "{line}: {err}"
        );
    }
}

#[test]
fn result_size_keeps_the_first_rows_by_time_reading_a_batch_at_a_time() {
    // -ResultSize 3 gives the first three rows of the cmdlet's output: by time, and rows of
    // the same time in the order the files are read (EX01 before EX02). Worked out by hand:
    // 09:59 EX02 "early", 10:00 EX01 "tie-a", 10:00 EX02 "tie-b"; cut from 5 rows.
    let dir = Dir::new();
    let ex01 = [
        row(&[
            (Field::Timestamp, "2026-11-20T10:00:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, "tie-a"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:30:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, "late-a"),
        ]),
    ];
    let ex02 = [
        row(&[
            (Field::Timestamp, "2026-11-20T09:59:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, "early"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:00:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, "tie-b"),
        ]),
        row(&[
            (Field::Timestamp, "2026-11-20T10:45:00.000Z"),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, "late-b"),
        ]),
    ];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    dir.write("EX02/MSGTRK2026112009-1.LOG", log_text(&ex02));
    let line =
        "Get-MessageTrackingLog -ResultSize 3 | Select-Object -ExpandProperty MessageSubject";
    for batch in [None, Some(1)] {
        let got = answer(line, &[dir.path()], batch);
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec!["early", "tie-a", "tie-b"],
            "batch size {batch:?}"
        );
    }
}

#[test]
fn result_size_leaves_files_of_later_hours_unread_unless_their_rows_say_otherwise() {
    // Once -ResultSize 3 holds three rows (the last at 10:00:02), a file named for 14:00
    // whose first row is at 14:00 cannot change them and is not opened; a file named for
    // 16:00 whose rows are at 09:59:59 (a renamed copy: name and content disagree) is read,
    // and its row is the first. Worked out by hand: 09:59:59 "renamed", 10:00:00 "a",
    // 10:00:01 "b"; then 10:00:02 "c" (EX01, read before EX02's "tie") for -ResultSize 4.
    let dir = Dir::new();
    let at = |time: &str, subject: &str| {
        row(&[
            (Field::Timestamp, time),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, subject),
        ])
    };
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        log_text(&[
            at("2026-11-20T10:00:00.000Z", "a"),
            at("2026-11-20T10:00:01.000Z", "b"),
            at("2026-11-20T10:00:02.000Z", "c"),
        ]),
    );
    dir.write(
        "EX01/MSGTRK2026112014-1.LOG",
        log_text(&[at("2026-11-20T14:00:00.000Z", "later")]),
    );
    dir.write(
        "EX01/MSGTRK2026112016-1.LOG",
        log_text(&[at("2026-11-20T09:59:59.000Z", "renamed")]),
    );
    dir.write(
        "EX02/MSGTRK2026112010-1.LOG",
        log_text(&[at("2026-11-20T10:00:02.000Z", "tie")]),
    );
    for hour in [17, 18, 19] {
        dir.write(
            &format!("EX01/MSGTRK20261120{hour}-1.LOG"),
            log_text(&[at(&format!("2026-11-20T{hour}:00:00.000Z"), "later")]),
        );
    }
    let subjects = |n: &str| {
        format!(
            "Get-MessageTrackingLog -ResultSize {n} | Select-Object -ExpandProperty MessageSubject"
        )
    };
    for batch in [None, Some(1)] {
        let got = answer(&subjects("3"), &[dir.path()], batch);
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec!["renamed", "a", "b"],
            "batch size {batch:?}"
        );
        let got = answer(&subjects("4"), &[dir.path()], batch);
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec!["renamed", "a", "b", "c"],
            "batch size {batch:?}"
        );
    }
    // A file a batch: the reader runs at most two files ahead of the rows kept, so the 17:00,
    // 18:00 and 19:00 files are left unread (the 14:00 one too, unless it was read ahead),
    // and the warning says the total is a lower bound.
    let out = Command::new(env!("CARGO_BIN_EXE_msgtrack"))
        .args(["query", &subjects("3")])
        .arg(dir.path())
        .args(["--tz", "UTC", "--format", "csv"])
        .env("MSGTRACK_BATCH_BYTES", "1")
        .output()
        .expect("msgtrack runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let unread: usize = err
        .split("shown; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!((3..=4).contains(&unread), "{err}");
    assert!(
        err.contains(&format!("3 of at least {} shown", 9 - unread)),
        "{err}"
    );
}

#[test]
fn result_size_over_a_store_gives_each_parts_first_rows_and_counts_every_match() {
    // EX01 logs a row every 2 s from 10:00:00 ("a0".."a59"), EX02 every 3 s ("b0".."b39");
    // the senders go s0, s1, s2 round. A store part keeps only its own first N rows by time
    // and counts the others, so the answer and the warning's total are those of a read of
    // every row. By hand: the first 7 by time (EX01 read first, so it wins ties) are a0 b0
    // (0 s) a1 (2) b1 (3) a2 (4) a3 b2 (6), of 100 rows; from s0 (every third row of each:
    // 20 + 14 = 34 rows) the first 5 are a0 b0 (0 s) a3 (6) b3 (9) a6 (12).
    let dir = Dir::new();
    let rows = |prefix: &str, every: u32, n: u32| -> Vec<String> {
        (0..n)
            .map(|i| {
                let s = i * every;
                row(&[
                    (
                        Field::Timestamp,
                        &format!("2026-11-20T10:{:02}:{:02}.000Z", s / 60, s % 60),
                    ),
                    (Field::EventId, "RECEIVE"),
                    (Field::Sender, &format!("s{}@contoso.com", i % 3)),
                    (Field::MessageSubject, &format!("{prefix}{i}")),
                ])
            })
            .collect()
    };
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows("a", 2, 60)));
    dir.write("EX02/MSGTRK2026112010-1.LOG", log_text(&rows("b", 3, 40)));
    let store = crate::util::indexed(dir.path());
    let cases = [
        ("", "7", vec!["a0", "b0", "a1", "b1", "a2", "a3", "b2"], 100),
        (
            " -Sender s0@contoso.com",
            "5",
            vec!["a0", "b0", "a3", "b3", "a6"],
            34,
        ),
    ];
    for (filter, n, subjects, total) in cases {
        let line = format!(
            "Get-MessageTrackingLog{filter} -ResultSize {n} | Select-Object -ExpandProperty MessageSubject"
        );
        for batch in [None, Some(1)] {
            let mut c = Command::new(env!("CARGO_BIN_EXE_msgtrack"));
            c.args(["query", &line])
                .arg(store.path())
                .args(["--tz", "UTC", "--format", "csv"]);
            if let Some(b) = batch {
                c.env("MSGTRACK_BATCH_BYTES", b.to_string());
            }
            let out = c.output().expect("msgtrack runs");
            let got = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                got.lines().collect::<Vec<_>>(),
                subjects,
                "{line} {batch:?}"
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&format!("({n} of {total} shown)")),
                "{line} {batch:?}: {err}"
            );
        }
    }
    // The reader itself: each part gives at most its first 7 rows and counts the rest.
    let later = msgtrack::ingest::LaterThan::first_of(7);
    let options = msgtrack::ingest::ReadOptions {
        later_than: Some(later.clone()),
        ..Default::default()
    };
    let read = msgtrack::ingest::read_paths(&[store.path().to_path_buf()], &options)
        .expect("the store reads");
    assert_eq!(read.frame.height(), 14);
    assert_eq!(later.rows_left_out(), 86);
}

#[test]
fn what_a_foreach_makes_of_each_event_is_folded_in_the_order_of_the_events() {
    // EX01's file is read first but EX02 logged earlier: in time order the events are
    // 10:00 EX02 (from b@x.com to p, q), 10:01 EX01 (a@x.com to q), 10:02 EX02 (c@x.com to
    // r, p, p), 10:03 EX01 (a@x.com to nobody). By hand: recipients p 3, q 2, r 1 (named by
    // their first: p first, then q, then r); senders once each in time order b, a, c; every
    // recipient's domain once, sorted.
    let dir = Dir::new();
    let at = |time: &str, sender: &str, to: &str| {
        row(&[
            (Field::Timestamp, time),
            (Field::EventId, "RECEIVE"),
            (Field::Sender, sender),
            (Field::Recipients, to),
        ])
    };
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        log_text(&[
            at("2026-11-20T10:01:00.000Z", "a@x.com", "q@y.com"),
            at("2026-11-20T10:03:00.000Z", "a@x.com", ""),
        ]),
    );
    dir.write(
        "EX02/MSGTRK2026112010-1.LOG",
        log_text(&[
            at("2026-11-20T10:00:00.000Z", "b@x.com", "p@y.com;q@y.com"),
            at(
                "2026-11-20T10:02:00.000Z",
                "c@x.com",
                "r@z.com;p@y.com;p@y.com",
            ),
        ]),
    );
    let store = crate::util::indexed(dir.path());
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    let cases = [
        (
            format!(
                "{all} | ForEach-Object {{ $_.Recipients }} | Group-Object -NoElement | Select-Object Name,Count"
            ),
            vec!["Name,Count", "p@y.com,3", "q@y.com,2", "r@z.com,1"],
        ),
        (
            format!("{all} | % {{ $_.Sender }} | Select-Object -Unique"),
            vec!["b@x.com", "a@x.com", "c@x.com"],
        ),
        (
            format!(
                "{all} | ForEach-Object {{ $_.Recipients | ForEach-Object {{ $_.Split('@')[1] }} }} | Sort-Object -Unique"
            ),
            vec!["y.com", "z.com"],
        ),
        (
            format!(
                "{all} | ForEach-Object {{ $_.Recipients.Count }} | Measure-Object -Sum | Select-Object Count,Sum"
            ),
            vec!["Count,Sum", "4,6"],
        ),
    ];
    for (line, expected) in cases {
        for path in [dir.path(), store.path()] {
            for batch in [None, Some(1)] {
                let got = answer(&line, &[path], batch);
                assert_eq!(
                    got.lines().collect::<Vec<_>>(),
                    expected,
                    "{line} {path:?} {batch:?}"
                );
            }
        }
    }
}

#[test]
fn a_temporary_folder_that_cannot_be_written_is_named_in_a_clear_error() {
    // Groups and selections written out past three held, with TMPDIR pointing nowhere: the
    // line fails (exit 2) naming the Select-Object or Group-Object, the folder and TMPDIR.
    let logs = sample_logs_dir();
    let missing = crate::util::Dir::new().path().join("not-there");
    for (line, command) in [
        (
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId -NoElement",
            "Group-Object: writing groups to a temporary file in",
        ),
        (
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object MessageId -Unique",
            "Select-Object: writing selections to a temporary file in",
        ),
    ] {
        let out = query_holding(line, &logs, "3")
            .env("TMPDIR", &missing)
            .output()
            .expect("msgtrack runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line}: {err}");
        assert!(err.contains(command), "{line}: {err}");
        assert!(err.contains(&missing.display().to_string()), "{err}");
        assert!(err.contains("set TMPDIR"), "{err}");
    }
}

#[test]
fn groups_shown_with_their_first_elements_come_out_as_if_held_when_too_many_to_hold() {
    // Group-Object by MessageId as the line's output, shown as a list with
    // `$FormatEnumerationLimit = 2`: each group's Group shows its first two elements (`{a, b}`,
    // or `{a, b...}` past two). With three groups held at a time the groups are written out
    // with those elements' texts, merged across runs by place. Worked out from the events:
    // groups by MessageId ignoring case in the order of their first events; an event shows as
    // its .NET type name, a selection as `@{MessageId=…; EventId=…}`.
    let logs = sample_logs_dir();
    let events = crate::util::query_output(
        "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object MessageId,EventId",
        &[&logs],
        "csv",
        None,
    );
    // Per group: (key, name, count, the first two selections' texts).
    let mut groups: Vec<(String, String, usize, Vec<String>)> = Vec::new();
    for r in csv::Reader::from_reader(events.as_bytes()).records() {
        let r = r.expect("a record");
        let (id, event) = (r[0].to_string(), r[1].to_string());
        let text = format!("@{{MessageId={id}; EventId={event}}}");
        match groups.iter_mut().find(|g| g.0 == id.to_lowercase()) {
            Some(g) => {
                g.2 += 1;
                if g.3.len() < 2 {
                    g.3.push(text);
                }
            }
            None => groups.push((id.to_lowercase(), id, 1, vec![text])),
        }
    }
    let shown = |count: usize, texts: Vec<String>| {
        format!(
            "{{{}{}}}",
            texts.join(", "),
            if count > 2 { "..." } else { "" }
        )
    };
    let event = "Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent";
    let read = "$FormatEnumerationLimit = 2; Get-MessageTrackingLog -ResultSize Unlimited";
    for (line, selected, fewest) in [
        (format!("{read} | Group-Object MessageId"), false, 0),
        (
            format!("{read} | Select-Object MessageId,EventId | Group-Object MessageId"),
            true,
            0,
        ),
        // Filters reading no element: the groups kept, written out with their elements.
        (
            format!("{read} | Group-Object MessageId | Where-Object {{$_.Count -gt 8}}"),
            false,
            9,
        ),
    ] {
        let expected: Vec<(String, String, String)> = groups
            .iter()
            .filter(|g| g.2 >= fewest)
            .map(|(_, name, count, texts)| {
                let texts = if selected {
                    texts.clone()
                } else {
                    vec![event.to_string(); texts.len()]
                };
                (name.clone(), count.to_string(), shown(*count, texts))
            })
            .collect();
        for held in ["3", "1000000"] {
            let out = query_holding_as(&line, &logs, held, "list")
                .output()
                .expect("msgtrack runs");
            assert!(out.status.success(), "{line}");
            let text = String::from_utf8_lossy(&out.stdout);
            let field = |record: &str, name: &str| {
                record
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name:<6} : ")))
                    .unwrap_or_default()
                    .to_string()
            };
            let got: Vec<(String, String, String)> = text
                .split("\n\n")
                .filter(|r| !r.trim().is_empty())
                .map(|r| (field(r, "Name"), field(r, "Count"), field(r, "Group")))
                .collect();
            assert_eq!(got, expected, "{line} holding {held} groups");
        }
        // Written out indeed: with nowhere to write, holding three fails.
        let missing = crate::util::Dir::new().path().join("not-there");
        let out = query_holding_as(&line, &logs, "3", "list")
            .env("TMPDIR", &missing)
            .output()
            .expect("msgtrack runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Group-Object: writing groups to"),
            "{line}: {err}"
        );
    }
}

/// The time `minute` minutes after 10:00 on 2026-11-20, as a log writes it.
fn minute_of_the_day(minute: u32) -> String {
    format!(
        "2026-11-20T{:02}:{:02}:00.000Z",
        10 + minute / 60,
        minute % 60
    )
}

#[test]
fn groups_keeping_their_elements_made_a_share_of_their_keys_at_a_time_give_the_shells_groups() {
    // Forty messages of two events each, the second naming the message in other case (`Ä`
    // as `ä` in one), a third of them delivered, and two events with no MessageId; six
    // groups a share (`MSGTRACK_GROUPS_SHARED`): the reader leaves out the rows of the other
    // shares by their key's hash, which must fold case as Group-Object does. Worked out by
    // hand: the groups of the messages not delivered, in the order of their first events,
    // named by them, with their two events each; the events of no MessageId group as "".
    let dir = Dir::new();
    let at = minute_of_the_day;
    let mut rows = Vec::new();
    let mut expected = vec!["Name,Count".to_string()];
    for i in 0..40u32 {
        let id = if i == 5 {
            "<Äbc5@Contoso.com>".to_string()
        } else {
            format!("<Msg{i}@Contoso.com>")
        };
        let other = if i == 5 {
            "<äBC5@contoso.COM>".to_string()
        } else {
            id.to_lowercase()
        };
        let last = if i % 3 == 0 { "DELIVER" } else { "SEND" };
        rows.push(row(&[
            (Field::Timestamp, &at(i * 2)),
            (Field::EventId, "RECEIVE"),
            (Field::MessageId, &id),
        ]));
        rows.push(row(&[
            (Field::Timestamp, &at(i * 2 + 1)),
            (Field::EventId, last),
            (Field::MessageId, &other),
        ]));
        if i % 3 != 0 {
            expected.push(format!("{id},2"));
        }
    }
    for minute in [100, 101] {
        rows.push(row(&[
            (Field::Timestamp, &at(minute)),
            (Field::EventId, "RECEIVE"),
        ]));
    }
    expected.push(",2".to_string());
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId | Where-Object { $_.Group.EventId -notcontains 'DELIVER' } | Select-Object Name, Count";
    for (run, stdout) in outputs_sharing(line, dir.path()) {
        let got: Vec<String> = String::from_utf8_lossy(&stdout)
            .lines()
            .map(|l| l.replace('"', ""))
            .collect();
        assert_eq!(got, expected, "{run}");
    }
}

/// The CSV `line` gives over the logs under `logs` and over a store of them, six groups a
/// share and a thousand (`MSGTRACK_GROUPS_SHARED`), three held: each run named, with what it
/// printed (it must succeed).
fn outputs_sharing(line: &str, logs: &Path) -> Vec<(String, Vec<u8>)> {
    let store = crate::util::indexed(logs);
    let mut runs = Vec::new();
    for from in [logs, store.path()] {
        for shared in ["6", "1000"] {
            let out = query_holding(line, from, "3")
                .env("MSGTRACK_GROUPS_SHARED", shared)
                .output()
                .expect("msgtrack runs");
            assert!(out.status.success(), "{line}");
            runs.push((format!("{} sharing {shared}", from.display()), out.stdout));
        }
    }
    runs
}

#[test]
fn events_made_of_groups_a_share_of_their_keys_at_a_time_from_a_store_are_whole_events() {
    // Forty messages of two events each (the second naming the message in other case), each
    // event with a subject of its own, and two events with no MessageId; each message's last
    // event written out as events, six groups a share. A store's reader decodes the text of
    // a share's rows only (the others' text left null): the events that come out must still
    // be whole. Worked out by hand: per message in the order of their first events, its
    // second event (its MessageId as that event spells it, its EventId, "last <i>"), then the
    // group of no MessageId: the event of minute 101.
    let dir = Dir::new();
    let at = minute_of_the_day;
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    for i in 0..40u32 {
        let id = format!("<Msg{i}@Contoso.com>");
        let other = id.to_uppercase();
        let last = if i % 3 == 0 { "DELIVER" } else { "SEND" };
        rows.push(row(&[
            (Field::Timestamp, &at(i * 2)),
            (Field::EventId, "RECEIVE"),
            (Field::MessageId, &id),
            (Field::MessageSubject, &format!("first {i}")),
            (Field::Sender, "a@contoso.com"),
        ]));
        rows.push(row(&[
            (Field::Timestamp, &at(i * 2 + 1)),
            (Field::EventId, last),
            (Field::MessageId, &other),
            (Field::MessageSubject, &format!("last {i}")),
            (Field::Sender, &format!("s{i}@contoso.com")),
        ]));
        expected.push(vec![
            other.clone(),
            last.to_string(),
            format!("last {i}"),
            format!("s{i}@contoso.com"),
        ]);
    }
    for minute in [100, 101] {
        rows.push(row(&[
            (Field::Timestamp, &at(minute)),
            (Field::EventId, "RECEIVE"),
            (Field::MessageSubject, &format!("none {minute}")),
        ]));
    }
    expected.push(vec![
        String::new(),
        "RECEIVE".into(),
        "none 101".into(),
        String::new(),
    ]);
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object MessageId | ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -Last 1 }";
    for (run, stdout) in outputs_sharing(line, dir.path()) {
        let mut csv = csv::Reader::from_reader(stdout.as_slice());
        let header = csv.headers().expect("a header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).expect(name);
        let wanted = ["MessageId", "EventId", "MessageSubject", "Sender"].map(column);
        let got: Vec<Vec<String>> = csv
            .records()
            .map(|r| {
                let r = r.expect("a record");
                wanted.iter().map(|i| r[*i].to_string()).collect()
            })
            .collect();
        assert_eq!(got, expected, "{run}");
    }
}

/// One log of EX01 under `dir`: a RECEIVE a minute from each of `senders`, in order.
fn write_receives_from(dir: &Dir, senders: &[&str]) {
    let rows: Vec<String> = senders
        .iter()
        .enumerate()
        .map(|(i, s)| {
            row(&[
                (Field::Timestamp, &format!("2026-11-20T10:{i:02}:00.000Z")),
                (Field::EventId, "RECEIVE"),
                (Field::Sender, s),
            ])
        })
        .collect();
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
}

#[test]
fn a_count_of_sorted_events_is_their_count_and_a_key_they_lack_is_still_refused() {
    // A sort passes every event on, reordered: a plain Measure-Object after it counts them all
    // (msgtrack drops the sort). Worked out by hand: five events; two senders start with "a"
    // ignoring case (Ann, ann; not Äd).
    let dir = Dir::new();
    let senders = ["Ann@x.com", "ann@X.com", "bob@x.com", "", "Äd@x.com"];
    write_receives_from(&dir, &senders);
    let store = crate::util::indexed(dir.path());
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    for (tail, count) in [
        ("Sort-Object MessageSubject | Measure-Object", 5),
        (
            "Sort-Object Sender,Timestamp -Descending | Measure-Object",
            5,
        ),
        (
            "Where-Object {$_.Sender -like 'a*'} | Sort-Object Sender -CaseSensitive | Measure-Object",
            2,
        ),
    ] {
        let line = format!("{all} | {tail}");
        for from in [dir.path(), store.path()] {
            let lines = csv_holding(&line, from, "1000");
            assert_eq!(
                lines.get(1).and_then(|l| l.split(',').next()),
                Some(count.to_string().as_str()),
                "{line} over {}: {lines:?}",
                from.display()
            );
        }
    }
    // A key the events lack is an error, sort or no sort.
    let line = format!("{all} | Sort-Object Sendr | Measure-Object");
    for from in [dir.path(), store.path()] {
        let out = query_holding(&line, from, "1000")
            .output()
            .expect("msgtrack runs");
        assert!(!out.status.success(), "{line}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no property Sendr"),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn counts_of_distinct_values_are_counts_of_their_groups_in_bounded_memory() {
    // `Sort-Object P -Unique | Measure-Object` keeps one event per value ignoring case (per
    // exact value with -CaseSensitive), `Select-Object P -Unique | Measure-Object` one object
    // per exact value; msgtrack counts them as groups, written out past two held. Worked out
    // by hand over eight senders: ignoring case Ann/ann, Äd/äd and the two empty ones are
    // one each (5), exactly 7.
    let dir = Dir::new();
    let senders = [
        "Ann@x.com",
        "ann@X.com",
        "bob@x.com",
        "",
        "Äd@x.com",
        "äd@x.com",
        "",
        "carl@x.com",
    ];
    write_receives_from(&dir, &senders);
    let store = crate::util::indexed(dir.path());
    let all = "Get-MessageTrackingLog -ResultSize Unlimited";
    for (tail, count) in [
        ("Sort-Object Sender -Unique | Measure-Object", 5),
        ("Sort-Object Sender -Unique -Descending | Measure-Object", 5),
        (
            "Sort-Object Sender -Unique -CaseSensitive | Measure-Object",
            7,
        ),
        ("Select-Object Sender -Unique | Measure-Object", 7),
        // Äd, äd and bob: two ignoring case.
        (
            "Where-Object {$_.Sender -like '*d@*' -or $_.Sender -like 'b*'} | Sort-Object -Property Sender -Unique | Measure-Object",
            2,
        ),
    ] {
        let line = format!("{all} | {tail}");
        for from in [dir.path(), store.path()] {
            for held in ["2", "1000"] {
                let lines = csv_holding(&line, from, held);
                assert_eq!(
                    lines.get(1).and_then(|l| l.split(',').next()),
                    Some(count.to_string().as_str()),
                    "{line} over {} holding {held}: {lines:?}",
                    from.display()
                );
            }
        }
    }
}
