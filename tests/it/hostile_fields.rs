//! Log fields are written by whoever sends mail. A subject, sender and Message-ID carrying
//! terminal escape sequences (OSC 52 clipboard write, screen clear, OSC 8 link, title), a bidi
//! override, spreadsheet formulas and HTML must reach no terminal, spreadsheet or browser as
//! anything but text.

use msgtrack::format::Field;

use crate::util::{Args, Dir, header_2016, log_text, row};

const ESC_SUBJECT: &str = "pay\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}]8;;http://evil\u{1b}\\now\u{1b}]0;title\u{7}\u{202e}fdp.exe";
const FORMULA_SENDER: &str = "=HYPERLINK(\"http://evil\")@x.com";
const HTML_REF: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)></style>";

/// One message: RECEIVE and DELIVER with the hostile fields, and a FAIL for the reports.
fn logs() -> Dir {
    let fields = |event: &str, source: &str| {
        row(&[
            (Field::EventId, event),
            (Field::Source, source),
            (Field::MessageId, "<m1@x.com>"),
            (Field::Sender, FORMULA_SENDER),
            (Field::Recipients, "bob@contoso.com"),
            (Field::MessageSubject, ESC_SUBJECT),
            (
                Field::RecipientStatus,
                "550 5.1.1 <img src=x onerror=alert(3)>",
            ),
            (Field::ServerHostname, "EX01"),
            (Field::ClientHostname, HTML_REF),
            (Field::TotalBytes, "100"),
        ])
    };
    let dir = Dir::new();
    dir.write(
        "EX01/MSGTRK2026112010-1.LOG",
        format!(
            "{}{}\r\n{}\r\n",
            header_2016(),
            fields("RECEIVE", "SMTP"),
            fields("FAIL", "ROUTING")
        ),
    );
    dir
}

fn run(dir: &Dir, args: &[&str]) -> (String, String) {
    let mut all: Vec<&str> = args.to_vec();
    let path = dir.path().to_str().expect("a path").to_string();
    all.push(&path);
    all.extend(["--tz", "UTC"]);
    let out = crate::util::msgtrack(Args::default().args(&all));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// No byte that drives a terminal: C0 controls other than newline/tab/CR-LF, C1, bidi.
fn inert_for_a_terminal(text: &str) -> bool {
    !text.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn terminal_outputs_show_escape_sequences_instead_of_running_them() {
    let d = logs();
    for args in [
        &["query", "Get-MessageTrackingLog", "--format", "table"][..],
        &["query", "Get-MessageTrackingLog", "--format", "list"],
        &[
            "query",
            "Get-MessageTrackingLog | Format-List",
            "--format",
            "table",
        ],
        &[
            "query",
            "Get-MessageTrackingLog | Select -Expand MessageSubject",
            "--format",
            "table",
        ],
        &["trail", "-m", "<m1@x.com>"],
        &["report", "summary"],
        &["report", "summary", "--format", "md"],
        &["report", "imcea"],
        &["ingest", "-v"],
    ] {
        let (stdout, stderr) = run(&d, args);
        assert!(inert_for_a_terminal(&stdout), "{args:?} stdout: {stdout:?}");
        assert!(inert_for_a_terminal(&stderr), "{args:?} stderr: {stderr:?}");
    }
    // The sequences are shown, visibly.
    let (stdout, _) = run(
        &d,
        &[
            "query",
            "Get-MessageTrackingLog | Select -Expand MessageSubject",
            "--format",
            "table",
        ],
    );
    assert!(stdout.contains("␛]52;c;ZXZpbA==␇"), "{stdout}");
    assert!(stdout.contains("<U+202E>fdp.exe"), "{stdout}");
}

#[test]
fn csv_cells_that_spreadsheets_run_are_guarded() {
    let d = logs();
    let (stdout, _) = run(
        &d,
        &[
            "query",
            "Get-MessageTrackingLog | Select Sender,TotalBytes",
            "--format",
            "csv",
        ],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[1], "\"'=HYPERLINK(\"\"http://evil\"\")@x.com\",100",
        "{stdout}"
    );
    // --csv-raw writes the value as it is.
    let (raw, _) = run(
        &d,
        &[
            "query",
            "Get-MessageTrackingLog | Select Sender",
            "--format",
            "csv",
            "--csv-raw",
        ],
    );
    assert!(
        raw.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("\"=HYPERLINK")),
        "{raw}"
    );
    // Export-Csv as well.
    let out = Dir::new();
    let file = out.path().join("x.csv");
    let line = format!(
        "Get-MessageTrackingLog | Select Sender,TotalBytes | Export-Csv '{}' -NoTypeInformation",
        file.display()
    );
    run(&d, &["query", &line]);
    let written = std::fs::read_to_string(&file).expect("Export-Csv wrote the file");
    assert!(written.contains("\"'=HYPERLINK("), "{written}");
    assert!(
        written.contains("\"100\""),
        "numbers are not guarded: {written}"
    );
}

#[test]
fn html_and_markdown_reports_carry_payloads_as_text() {
    let d = logs();
    for format in ["html", "md"] {
        let (stdout, _) = run(&d, &["report", "summary", "--format", format]);
        assert!(
            !stdout.contains("<img src=x"),
            "{format}: an <img> tag got through"
        );
        assert!(
            !stdout.contains("<script>alert"),
            "{format}: a <script> tag got through"
        );
        assert!(!stdout.contains("</style>\""), "{format}");
    }
    let (html, _) = run(&d, &["report", "summary", "--format", "html"]);
    assert!(
        html.contains("&lt;img src=x onerror=alert(3)&gt;") || html.contains("&lt;img"),
        "{html}"
    );
}

#[test]
fn byte_totals_near_the_limit_do_not_overflow() {
    // Two messages of i64::MAX bytes each, to two recipients: sums saturate, never wrap to a
    // negative total or panic.
    let big = i64::MAX.to_string();
    let rows: Vec<String> = ["<a@x.com>", "<b@x.com>"]
        .iter()
        .flat_map(|id| {
            ["RECEIVE", "DELIVER"].map(|event| {
                row(&[
                    (Field::EventId, event),
                    (
                        Field::Source,
                        if event == "RECEIVE" {
                            "SMTP"
                        } else {
                            "STOREDRIVER"
                        },
                    ),
                    (Field::MessageId, id),
                    (Field::Sender, "a@x.com"),
                    (Field::Recipients, "b@contoso.com;c@contoso.com"),
                    (Field::TotalBytes, &big),
                ])
            })
        })
        .collect();
    let d = Dir::new();
    d.write("EX01/MSGTRK2026112010-1.LOG", log_text(&rows));
    let out = crate::util::msgtrack(Args::default().args([
        "report",
        "summary",
        d.path().to_str().expect("a path"),
        "--format",
        "json",
    ]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("-9223372036854775"),
        "a total wrapped negative: {text}"
    );
}
