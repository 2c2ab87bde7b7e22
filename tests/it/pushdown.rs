//! Where-Object conditions tested while reading: `-ResultSize Unlimited | Where-Object
//! {$_.Recipients -match '^IMCEAEX'}` decodes only the rows the stage can keep, and the answer
//! is the shell's, from the logs and from a store, whatever form the stage takes. The
//! expected rows are worked out by hand from PowerShell's rules: `-match`/`-like` ignore case,
//! `-cmatch`/`-clike` do not, an array on the left keeps its matching members.

use std::path::Path;

use msgtrack::format::Field;

use crate::util::{Args, Dir, log_text, row};

/// The standard output of `line` over `dir` in `format`; the run must succeed.
fn answer(line: &str, dir: &Path, format: &str) -> Vec<u8> {
    let out = crate::util::msgtrack(Args::default().args([
        "query",
        line,
        dir.to_str().expect("a path"),
        "--format",
        format,
        "--tz",
        "UTC",
    ]));
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The subjects of the rows `line` gives over `dir`, in output order.
fn subjects(line: &str, dir: &Path) -> Vec<String> {
    let rows: serde_json::Value = serde_json::from_slice(&answer(line, dir, "json")).expect("JSON");
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            r["MessageSubject"]
                .as_str()
                .or_else(|| r["Name"].as_str())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn where_conditions_tested_while_reading_give_the_shells_rows() {
    let dir = Dir::new();
    let event = |minute: u32, event: &str, recipients: &str, subject: &str| {
        row(&[
            (
                Field::Timestamp,
                &format!("2026-11-20T10:{minute:02}:00.000Z"),
            ),
            (Field::EventId, event),
            (Field::Recipients, recipients),
            (Field::MessageSubject, subject),
        ])
    };
    let rows = vec![
        event(
            1,
            "RECEIVE",
            "a@contoso.com;IMCEAEX-_o=Org_cn=Joe@contoso.com",
            "Invoice 42",
        ),
        event(2, "FAIL", "IMCEAEX-_o=Org_cn=Ann@contoso.com", "hello"),
        event(
            3,
            "FAIL",
            "imceaex-_o=org_cn=bob@contoso.com",
            "INVOICE march",
        ),
        event(4, "FAIL", "carol@contoso.com", "Invoice"),
        event(
            5,
            "DELIVER",
            "dave@contoso.com;eve@contoso.com",
            "re: invoice",
        ),
    ];
    dir.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
    let store = crate::util::indexed(dir.path());
    let cases: &[(&str, &[&str])] = &[
        (
            "Where {$_.Recipients -match '^IMCEAEX'}",
            &["Invoice 42", "hello", "INVOICE march"],
        ),
        (
            "Where {$_.Recipients -cmatch '^IMCEAEX'}",
            &["Invoice 42", "hello"],
        ),
        (
            "Where {$_.EventId -eq 'FAIL' -and ($_.Recipients -match '^imceaex')}",
            &["hello", "INVOICE march"],
        ),
        (
            "? {$_.MessageSubject -like '*invoice*'}",
            &["Invoice 42", "INVOICE march", "Invoice", "re: invoice"],
        ),
        (
            "Where {$_.MessageSubject -clike '*invoice*'}",
            &["re: invoice"],
        ),
        (
            "Where-Object MessageSubject -Like '*INVOICE*'",
            &["Invoice 42", "INVOICE march", "Invoice", "re: invoice"],
        ),
        (
            // Joe@, dave@ and eve@ end in "e@".
            "Where {$_.Recipients -like '*@contoso.com'} | Where {$_.Recipients -match 'e@'}",
            &["Invoice 42", "re: invoice"],
        ),
        (
            "Where {$_.Recipients -match '^IMCEAEX' -or $_.MessageSubject -like 'Invoice'}",
            &["Invoice 42", "hello", "INVOICE march", "Invoice"],
        ),
        // -eq ignores case and takes the whole text; -ceq does not ignore case; a list's
        // -eq keeps its equal members (true when one is), as -contains tells.
        (
            "Where {$_.EventId -eq 'fail'}",
            &["hello", "INVOICE march", "Invoice"],
        ),
        ("Where {$_.MessageSubject -eq 'INVOICE'}", &["Invoice"]),
        ("Where {$_.MessageSubject -ceq 'Invoice'}", &["Invoice"]),
        (
            "Where {$_.Recipients -eq 'EVE@contoso.com'}",
            &["re: invoice"],
        ),
        (
            "Where {$_.Recipients -contains 'carol@CONTOSO.com'}",
            &["Invoice"],
        ),
        ("Where-Object EventId -EQ 'receive'", &["Invoice 42"]),
        (
            "Where {$_.EventId -in 'deliver','RECEIVE'}",
            &["Invoice 42", "re: invoice"],
        ),
        (
            "Where {@('fail') -contains $_.EventId}",
            &["hello", "INVOICE march", "Invoice"],
        ),
        (
            "Where {$_.EventId -eq 'FAIL' -and $_.MessageSubject -like '*invoice*'}",
            &["INVOICE march", "Invoice"],
        ),
        // Counted in bounded memory: the groups are named by their first event.
        (
            "Where {$_.Recipients -match '^IMCEAEX'} | Group-Object EventId -NoElement",
            &["RECEIVE", "FAIL"],
        ),
    ];
    for &(stage, expected) in cases {
        for size in ["Unlimited", "999999"] {
            let line = format!("Get-MessageTrackingLog -ResultSize {size} | {stage}");
            for from in [dir.path(), store.path()] {
                assert_eq!(
                    subjects(&line, from),
                    expected.to_vec(),
                    "{line} over {}",
                    from.display()
                );
            }
        }
    }
    // Properties not read from a field of the line (the server comes from the folder) are
    // tested by the stage alone.
    for (stage, rows) in [
        ("Where {$_.Server -like 'EX01'}", 5),
        ("Where {$_.Server -like 'EX02'}", 0),
        ("Where {$_.File -like '*MSGTRK2026112010-1.LOG'}", 5),
    ] {
        for size in ["Unlimited", "999999"] {
            // Counted (a line that gives no row at all exits with 1, as grep does).
            let line = format!(
                "Get-MessageTrackingLog -ResultSize {size} | {stage} | Measure-Object | Select-Object @{{n='MessageSubject';e={{[string]$_.Count}}}}"
            );
            for from in [dir.path(), store.path()] {
                assert_eq!(
                    subjects(&line, from),
                    [rows.to_string()],
                    "{line} over {}",
                    from.display()
                );
            }
        }
    }
    // The cmdlet's cut comes before Where-Object: with -ResultSize 2 the stage sees the first
    // two rows only, so nothing it tests may be read ahead of the cut.
    assert_eq!(
        subjects(
            "Get-MessageTrackingLog -ResultSize 2 | Where {$_.MessageSubject -like '*invoice*'}",
            dir.path()
        ),
        ["Invoice 42"]
    );
}

#[test]
fn every_text_property_tested_while_reading_gives_what_the_stage_alone_gives() {
    // Over the sample day, from its logs and from a store of it (the reader tests raw fields,
    // the store its columns): for each text property, patterns that keep some rows, none, and
    // the empty ones, the count with the condition tested while reading (-ResultSize
    // Unlimited) equals the count with the stage alone (-ResultSize 999999: no push).
    let logs = crate::util::sample_logs_dir();
    let store = crate::util::indexed(&logs);
    // Measure-Object's counts, the CSV's second line.
    let counted = |line: &str, dir: &Path| -> String {
        let out = answer(line, dir, "csv");
        let text = String::from_utf8_lossy(&out);
        text.lines().nth(1).unwrap_or("").to_string()
    };
    let count = |line: &str| -> String {
        let from_logs = counted(line, &logs);
        assert_eq!(
            from_logs,
            counted(line, store.path()),
            "{line}: logs and store"
        );
        from_logs
    };
    let mut kept_some = 0;
    for field in Field::ALL {
        use msgtrack::format::FieldKind;
        if !matches!(
            field.kind(),
            FieldKind::Text | FieldKind::Category | FieldKind::TextList
        ) {
            continue;
        }
        for (op, pattern) in [
            ("-match", "o"),
            ("-match", "^$"),
            ("-like", "*e*"),
            ("-like", ""),
            ("-like", "EX0?"),
            ("-eq", "RECEIVE"),
            ("-eq", "SMTP"),
            ("-ceq", "DELIVER"),
            ("-contains", "EX01"),
            ("-in", "DELIVER"),
        ] {
            let stage = format!(
                "Where {{$_.{} {op} '{pattern}'}} | Measure-Object",
                field.name()
            );
            let pushed = count(&format!(
                "Get-MessageTrackingLog -ResultSize Unlimited | {stage}"
            ));
            let alone = count(&format!(
                "Get-MessageTrackingLog -ResultSize 999999 | {stage}"
            ));
            assert_eq!(pushed, alone, "{stage}");
            if !pushed.starts_with("0,") {
                kept_some += 1;
            }
        }
    }
    assert!(kept_some > 20, "the patterns kept rows {kept_some} times");
}
