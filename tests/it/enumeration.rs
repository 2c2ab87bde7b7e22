//! `$FormatEnumerationLimit`: a table or list cell shows a collection's first elements, then
//! `...`. The Exchange Management Shell's profile (`RemoteExchange.ps1`) sets it to 16, and
//! an admin may set it in the line (`$FormatEnumerationLimit = -1` shows every element).
//! CSV, JSON and `-ExpandProperty` are not cut. A `Group-Object` whose groups are only shown
//! keeps no more elements than a cell shows, so it runs in bounded memory: same text.

use std::path::Path;

use msgtrack::format::Field;

use crate::util::{Dir, log_text, row};

/// The .NET type of an event, which is how an event shows inside a collection.
const EVENT: &str = "Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent";

/// The binary's stdout for `line` over `dir` in `format`, reading `batch_bytes` of files at
/// a time when given.
fn answer(line: &str, dir: &Path, format: &str, batch_bytes: Option<u64>) -> String {
    crate::util::query_output(line, &[dir], format, batch_bytes)
}

/// The value of `name` in a list's first block (`Name : value`).
fn list_value(text: &str, name: &str) -> String {
    text.lines()
        .find_map(|l| {
            let (n, v) = l.split_once(" : ")?;
            (n.trim() == name).then(|| v.to_string())
        })
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// `{a, b, …}` written out by hand: the first `shown` of `items`, then `...` when more.
fn cell(items: &[String], shown: usize) -> String {
    let more = if items.len() > shown { "..." } else { "" };
    format!("{{{}{more}}}", items[..shown.min(items.len())].join(", "))
}

#[test]
fn a_list_cell_shows_sixteen_recipients_then_an_ellipsis_unless_the_limit_is_changed() {
    let dir = Dir::new();
    let recipients: Vec<String> = (1..=20).map(|i| format!("r{i:02}@contoso.com")).collect();
    let joined = recipients.join(";");
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        log_text(&[row(&[
            (Field::EventId, "DELIVER"),
            (Field::Recipients, &joined),
            (Field::RecipientCount, "20"),
        ])]),
    );
    let d = dir.path();
    // The rows' own list layout, and Format-List in the line: 16, then "...".
    let rows = answer("Get-MessageTrackingLog", d, "list", None);
    assert_eq!(list_value(&rows, "Recipients"), cell(&recipients, 16));
    let fl = answer(
        "Get-MessageTrackingLog | Format-List Recipients",
        d,
        "list",
        None,
    );
    assert_eq!(list_value(&fl, "Recipients"), cell(&recipients, 16));
    let selected = answer(
        "Get-MessageTrackingLog | Select-Object EventId, Recipients",
        d,
        "list",
        None,
    );
    assert_eq!(list_value(&selected, "Recipients"), cell(&recipients, 16));
    // Set in the line: 3, or every element with -1.
    let three = answer(
        "$FormatEnumerationLimit = 3; Get-MessageTrackingLog | fl Recipients",
        d,
        "list",
        None,
    );
    assert_eq!(list_value(&three, "Recipients"), cell(&recipients, 3));
    let all = answer(
        "$FormatEnumerationLimit = -1; Get-MessageTrackingLog | fl Recipients",
        d,
        "list",
        None,
    );
    assert_eq!(list_value(&all, "Recipients"), cell(&recipients, 20));
    // Out-String formats as the console does.
    let text = answer(
        "$FormatEnumerationLimit = 2; Get-MessageTrackingLog | fl Recipients | Out-String",
        d,
        "csv",
        None,
    );
    assert!(text.contains(&cell(&recipients, 2)), "{text}");
    // Not a cell: CSV joins every one, -ExpandProperty outputs every one.
    let csv = answer(
        "Get-MessageTrackingLog | Select-Object Recipients",
        d,
        "csv",
        None,
    );
    assert_eq!(csv.lines().nth(1), Some(joined.as_str()));
    let expanded = answer(
        "Get-MessageTrackingLog | Select-Object -ExpandProperty Recipients",
        d,
        "csv",
        None,
    );
    assert_eq!(expanded.lines().collect::<Vec<_>>(), recipients);
}

#[test]
fn shown_groups_keep_only_what_their_cells_show_and_read_groups_keep_every_event() {
    // 40 RECEIVE events and 3 FAIL over two servers, read a file at a time.
    let dir = Dir::new();
    let receive = |minute: u32| {
        row(&[
            (
                Field::Timestamp,
                &format!("2026-11-20T10:{minute:02}:00.000Z"),
            ),
            (Field::EventId, "RECEIVE"),
        ])
    };
    let ex01: Vec<String> = (0..20).map(receive).collect();
    let mut ex02: Vec<String> = (20..40).map(receive).collect();
    for minute in 40..43 {
        ex02.push(row(&[
            (
                Field::Timestamp,
                &format!("2026-11-20T10:{minute:02}:00.000Z"),
            ),
            (Field::EventId, "FAIL"),
        ]));
    }
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&ex01));
    dir.write("EX02/MSGTRK2026112010-1.LOG", log_text(&ex02));
    let d = dir.path();
    let events = |n: usize| vec![EVENT.to_string(); n];
    let grouped = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId";
    for batch in [None, Some(1)] {
        // Shown as a list: the count is every event, the cell the first 16 and "...".
        let shown = answer(&format!("{grouped} | Format-List"), d, "list", batch);
        let blocks: Vec<&str> = shown
            .split("\n\n")
            .filter(|b| !b.trim().is_empty())
            .collect();
        assert_eq!(blocks.len(), 2, "{shown}");
        assert_eq!(list_value(blocks[0], "Count"), "40");
        assert_eq!(list_value(blocks[0], "Name"), "RECEIVE");
        assert_eq!(list_value(blocks[0], "Group"), cell(&events(40), 16));
        assert_eq!(list_value(blocks[1], "Count"), "3");
        assert_eq!(list_value(blocks[1], "Group"), cell(&events(3), 16));
        // Sorted and cut first, then shown: the same cells.
        let sorted = answer(
            &format!(
                "$FormatEnumerationLimit = 2; {grouped} | Sort-Object Count | Select-Object -First 1"
            ),
            d,
            "list",
            batch,
        );
        assert_eq!(list_value(&sorted, "Name"), "FAIL");
        assert_eq!(list_value(&sorted, "Group"), cell(&events(3), 2));
        // Every element asked for.
        let all = answer(
            &format!("$FormatEnumerationLimit = -1; {grouped} | Format-List"),
            d,
            "list",
            batch,
        );
        assert_eq!(list_value(&all, "Group"), cell(&events(40), 40));
        // A script block reads the groups: every event is there.
        let counted = answer(
            &format!("{grouped} | Select-Object Name, @{{n='Held';e={{$_.Group.Count}}}}"),
            d,
            "csv",
            batch,
        );
        assert_eq!(
            counted.lines().collect::<Vec<_>>(),
            vec!["Name,Held", "RECEIVE,40", "FAIL,3"]
        );
        let expanded = answer(
            &format!("{grouped} | Select-Object -ExpandProperty Group | Measure-Object"),
            d,
            "list",
            batch,
        );
        assert_eq!(list_value(&expanded, "Count"), "43");
    }
}

#[test]
fn json_groups_hold_whole_events_and_tables_show_them_by_type() {
    // The events inside `.Group` are the cmdlet's objects: JSON writes them with every
    // property (the line names only EventId), as it writes the events themselves.
    let dir = Dir::new();
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        log_text(&[row(&[
            (Field::EventId, "DELIVER"),
            (Field::Sender, "a@contoso.com"),
            (Field::MessageSubject, "Hello"),
        ])]),
    );
    let json = answer(
        "Get-MessageTrackingLog | Group-Object EventId",
        dir.path(),
        "json",
        None,
    );
    let groups: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let event = &groups[0]["Group"][0];
    assert_eq!(event["Sender"], "a@contoso.com", "{json}");
    assert_eq!(event["MessageSubject"], "Hello", "{json}");
    assert_eq!(event["EventId"], "DELIVER", "{json}");
    let listed = answer(
        "Get-MessageTrackingLog | Group-Object EventId",
        dir.path(),
        "list",
        None,
    );
    assert_eq!(list_value(&listed, "Group"), format!("{{{EVENT}}}"));
}

#[test]
fn groups_show_in_powershells_views_and_export_in_dot_nets_property_order() {
    // PowerShellCore.format.ps1xml: GroupInfo's table is Count, Name, Group and its list
    // Name, Count, Group, Values; GroupInfoNoElement's table is Count, Name and its list
    // Name, Count, Values. Export-Csv and ConvertTo-Json take the class's properties in
    // declaration order (Values, Count, Group, Name), GroupInfoNoElement's Group empty.
    let dir = Dir::new();
    let rows: Vec<String> = ["RECEIVE", "DELIVER", "RECEIVE"]
        .iter()
        .map(|e| row(&[(Field::EventId, e)]))
        .collect();
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
    let d = dir.path();
    let grouped = "Get-MessageTrackingLog | Group-Object EventId";
    let header = |text: &str| -> Vec<String> {
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        line.split_whitespace().map(str::to_string).collect()
    };
    let labels = |text: &str| -> Vec<String> {
        text.split("\n\n")
            .find(|b| !b.trim().is_empty())
            .unwrap_or("")
            .lines()
            .filter_map(|l| l.split_once(" : ").map(|(n, _)| n.trim().to_string()))
            .collect()
    };
    for (line, table, list) in [
        (
            grouped.to_string(),
            vec!["Count", "Name", "Group"],
            vec!["Name", "Count", "Group", "Values"],
        ),
        (
            format!("{grouped} -NoElement"),
            vec!["Count", "Name"],
            vec!["Name", "Count", "Values"],
        ),
    ] {
        assert_eq!(header(&answer(&line, d, "table", None)), table, "{line}");
        assert_eq!(
            header(&answer(&format!("{line} | Format-Table"), d, "table", None)),
            table,
            "{line} | ft"
        );
        assert_eq!(
            header(&answer(&format!("{line} | Out-String"), d, "table", None)),
            table,
            "{line} | Out-String"
        );
        assert_eq!(labels(&answer(&line, d, "list", None)), list, "{line}");
        assert_eq!(
            labels(&answer(&format!("{line} | Format-List"), d, "list", None)),
            list,
            "{line} | fl"
        );
        let first = answer(&format!("{line} | Select-Object -First 1"), d, "list", None);
        assert_eq!(list_value(&first, "Name"), "RECEIVE");
        assert_eq!(list_value(&first, "Count"), "2");
        assert_eq!(list_value(&first, "Values"), "{RECEIVE}");
        let csv = answer(
            &format!("{line} | ConvertTo-Csv -NoTypeInformation"),
            d,
            "table",
            None,
        );
        assert_eq!(
            csv.lines().next(),
            Some("\"Values\",\"Count\",\"Group\",\"Name\""),
            "{csv}"
        );
        let json = answer(
            &format!("{line} | ConvertTo-Json -Compress"),
            d,
            "table",
            None,
        );
        let at: Vec<Option<usize>> = ["\"Values\"", "\"Count\"", "\"Group\"", "\"Name\""]
            .iter()
            .map(|k| json.find(k))
            .collect();
        assert!(at.iter().all(Option::is_some), "{json}");
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
    }
    // --format csv writes a group's Group as Export-Csv does, by its type's name (so its
    // events need not be kept, whatever the batches), and the counts whole.
    let collection =
        "System.Collections.ObjectModel.Collection`1[System.Management.Automation.PSObject]";
    for batch in [None, Some(1)] {
        for line in [grouped.to_string(), format!("{grouped} -NoElement")] {
            let csv = answer(
                &line.replace(
                    "Get-MessageTrackingLog",
                    "Get-MessageTrackingLog -ResultSize Unlimited",
                ),
                d,
                "csv",
                batch,
            );
            assert_eq!(
                csv.lines().collect::<Vec<_>>(),
                vec![
                    "Values,Count,Group,Name".to_string(),
                    format!("RECEIVE,2,{collection},RECEIVE"),
                    format!("DELIVER,1,{collection},DELIVER"),
                ],
                "{line} {batch:?}"
            );
        }
    }
    // GroupInfoNoElement's Group is there and empty.
    let json = answer(
        &format!("{grouped} -NoElement | Select-Object -First 1 | ConvertTo-Json -Compress"),
        d,
        "table",
        None,
    );
    let parsed: serde_json::Value = serde_json::from_str(json.trim()).expect("JSON");
    assert_eq!(parsed["Group"], serde_json::json!([]), "{json}");
    assert_eq!(parsed["Count"], 2, "{json}");
}

#[test]
fn groups_chosen_then_read_again_report_each_bad_line_once() {
    // The groups are counted in a first read and the shown ones' events read in a second
    // (the stages after them only pick and order them): the files, and their bad line, are
    // reported once, as one read reports them.
    let dir = Dir::new();
    let mut lines: Vec<String> = ["a@contoso.com", "b@contoso.com", "a@contoso.com"]
        .iter()
        .map(|s| row(&[(Field::EventId, "RECEIVE"), (Field::Sender, s)]))
        .collect();
    lines.push("a,cut,off".into());
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&lines));
    let d = dir.path().to_string_lossy().into_owned();
    let line = "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object Sender | Sort-Object Count -Descending | Select-Object -First 1";
    let (code, out, err) = crate::util::msgtrack_text(&["query", line, &d, "--format", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(list_value(&out, "Name"), "a@contoso.com");
    assert_eq!(
        list_value(&out, "Group"),
        cell(&[EVENT.to_string(), EVENT.to_string()], 16)
    );
    let reported = err
        .matches("has 3 fields but the #Fields header declares")
        .count();
    assert_eq!(reported, 1, "{err}");
}
