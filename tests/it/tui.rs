//! The TUI on ratatui's TestBackend: snapshots of the main screens (table, filter error,
//! detail, journey, explain, help) and the behaviour behind each key — driven through
//! `App::apply` exactly as the event loop does.
//!
//! Snapshots live in `tests/snapshots/tui/`; `UPDATE_SNAPSHOTS=1 cargo test tui` rewrites
//! them after an intended change (review the diff).

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use msgtrack::directory::Snapshot;
use msgtrack::format::Field;
use msgtrack::format::Zone;
use msgtrack::tui::keys::{key_action, mouse_action};
use msgtrack::tui::state::{Edit, Focus, Overlay};
use msgtrack::tui::{Action, App, LogData, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use crate::util::{Dir, real_logs_dir, sample_logs_dir};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn app_over(paths: &[PathBuf]) -> App {
    let data = LogData::load(paths, &msgtrack::tui::Loading::default(), None).expect("logs load");
    let snapshot = Snapshot::load(&sample_logs_dir().join("directory.json")).ok();
    App::new(
        data,
        Zone::parse("UTC").unwrap(),
        snapshot,
        Some(root().join("queries")),
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
    )
}

/// The sample day, named relative to the package root (the tests' working folder) so the
/// snapshots hold no machine's absolute path.
/// The sample logs' viewer twice: over the logs (held) and over their store (read by place),
/// with the store's folder (the stored viewer reads it while the folder lives).
fn held_and_stored_sample_apps() -> ([App; 2], crate::util::Dir) {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let apps = [
        app_over(std::slice::from_ref(&logs)),
        app_over(&[store.path().to_path_buf()]),
    ];
    (apps, store)
}

fn sample_app() -> App {
    app_over(&[PathBuf::from("sample-logs")])
}

/// Draws the app and returns the screen as text, one line per row.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn check_snapshot(name: &str, text: &str) {
    let path = root()
        .join("tests/snapshots/tui")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run UPDATE_SNAPSHOTS=1 cargo test tui and review it",
            path.display()
        )
    });
    assert_eq!(
        text,
        expected,
        "screen {name} differs from {} (UPDATE_SNAPSHOTS=1 rewrites it after an intended change)",
        path.display()
    );
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.apply(Action::Edit(Edit::Insert(c)));
    }
}

fn filter(app: &mut App, text: &str) {
    app.apply(Action::FocusFilter);
    app.apply(Action::Edit(Edit::Clear));
    type_text(app, text);
    app.apply(Action::Submit);
}

fn search(app: &mut App, text: &str) {
    app.apply(Action::FocusSearch);
    type_text(app, text);
    app.apply(Action::Submit);
}

fn event_ids(app: &App) -> Vec<String> {
    app.view
        .iter()
        .map(|r| app.data.cell(*r as usize, Field::EventId, &app.zone))
        .collect()
}

#[test]
fn main_table_snapshot_and_virtual_rows() {
    let mut app = sample_app();
    let text = screen(&mut app, 100, 30);
    check_snapshot("table", &text);
    assert!(text.contains(&format!("{} of {} rows", app.data.len(), app.data.len())));
    // Paging moves by the table's height, and only those rows are drawn.
    let page = usize::from(app.hits.table.3);
    app.apply(Action::PageDown);
    assert_eq!(app.selected, page);
    app.apply(Action::Bottom);
    let text = screen(&mut app, 100, 30);
    assert!(text.contains(&format!("Events {}/{}", app.view.len(), app.view.len())));
    assert!(app.offset + page >= app.view.len());
}

#[test]
fn filter_matches_the_query_engine() {
    let mut app = sample_app();
    filter(&mut app, "-EventId FAIL");
    assert!(app.filter_error.is_none());
    let ids = event_ids(&app);
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|e| e == "FAIL"));
    // The same question through the CLI's engine gives the same number of rows.
    let out = crate::util::msgtrack(
        crate::util::Args::default()
            .args([
                "query",
                "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Measure-Object",
            ])
            .arg(sample_logs_dir()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Count : {}", ids.len())) || text.contains(&ids.len().to_string()),
        "cli said {text}"
    );
    // A Where condition alone, and a whole pasted line with a Where.
    filter(&mut app, "$_.Recipients -match \"^IMCEAEX\"");
    let imcea = app.view.len();
    assert!(imcea > 0);
    assert!(app.view.iter().all(|r| {
        app.data
            .list(*r as usize, Field::Recipients)
            .iter()
            .any(|x| x.to_ascii_uppercase().starts_with("IMCEAEX"))
    }));
    filter(
        &mut app,
        "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where {$_.Recipients -match \"^IMCEAEX\"} | Select Sender",
    );
    assert!(app.view.len() < imcea && !app.view.is_empty());
    assert!(app.notes.iter().any(|n| n.contains("Select-Object")));
    // Clearing the filter brings every row back.
    filter(&mut app, "");
    assert_eq!(app.view.len(), app.data.len());
    // An empty answer because of the time range says which range the logs cover; the
    // clock here is 2026-11-21 12:00 UTC, a day after the sample.
    filter(&mut app, "-Start (Get-Date).AddHours(-1)");
    assert!(app.view.is_empty());
    let note = app.notes.join("; ");
    assert!(note.contains("the logs cover 2026-11-20"), "{note}");
    assert!(note.contains("--now"), "{note}");
    // Servers piped in: Exchange searches each in turn with its own -ResultSize; the bar
    // says the table reads them together, as the CLI does.
    filter(
        &mut app,
        "Get-TransportService | Get-MessageTrackingLog -EventId FAIL",
    );
    assert!(!app.view.is_empty());
    let note = app.notes.join("; ");
    assert!(note.contains("each piped server in turn"), "{note}");
    filter(&mut app, "-EventId FAIL");
    assert!(!app.notes.iter().any(|n| n.contains("in turn")));
    // Culture: en-GB reads 20/11/2026 as the 20th of November.
    app.culture = msgtrack::pwsh::culture::Culture::find("en-GB").unwrap();
    filter(&mut app, "-Start '20/11/2026 23:00'");
    assert!(!app.view.is_empty() && app.view.len() < app.data.len());
}

#[test]
fn filter_error_is_shown_inline_at_its_position() {
    let mut app = sample_app();
    app.apply(Action::FocusFilter);
    type_text(&mut app, "-EventId FAIL -Sendr x");
    let error = app.filter_error.clone().expect("an error");
    assert_eq!(error.at, "-EventId FAIL ".len());
    // The view still shows the last text that parsed (the filter applies as you type).
    assert!(app.applied_filter.starts_with("-EventId FAIL"));
    assert!(!app.view.is_empty() && event_ids(&app).iter().all(|e| e == "FAIL"));
    let text = screen(&mut app, 100, 30);
    check_snapshot("filter_error", &text);
    let caret_line = text.lines().nth(2).unwrap();
    assert_eq!(
        caret_line.find('^'),
        Some("Filter: ".len() + error.at),
        "{caret_line}"
    );
    assert!(caret_line.contains("-Sendr"));
    // Esc restores the applied filter.
    app.apply(Action::Cancel);
    assert_eq!(app.filter.text, app.applied_filter);
    assert!(app.filter_error.is_none());
    assert_eq!(app.focus, Focus::Table);
}

/// The `/` search finds a time as the table shows it (`11-20 00:15:54.572`) and as the detail
/// pane does (`2026-11-20 00:15`), over held logs and over their store; a needle of letters is
/// in no time.
#[test]
fn slash_search_finds_a_time_as_the_viewer_shows_it() {
    let (apps, _store) = held_and_stored_sample_apps();
    for mut app in apps {
        for (c, shown) in app.columns.iter_mut() {
            *shown = matches!(*c, Field::Timestamp | Field::EventId);
        }
        let target = app.view[app.view.len() / 2] as usize;
        let shown = views::short_time(&app, app.data.times[target]);
        let full = views::table_time(&app, app.data.times[target]);
        assert!(full.ends_with(&shown), "{full} / {shown}");
        for needle in [shown.clone(), full[..16].to_string()] {
            app.selected = 0;
            search(&mut app, &needle);
            assert!(app.status.contains("row "), "{needle}: {}", app.status);
            let row = app.selected_row().expect("a row");
            assert!(
                views::table_time(&app, app.data.times[row]).contains(&needle),
                "{needle}"
            );
            let text = screen(&mut app, 120, 30);
            let short = views::short_time(&app, app.data.times[row]);
            assert!(text.contains(&short), "the row found is on screen: {short}");
            // Every row whose time holds it, and no other.
            let hits = app
                .data
                .rows_showing(&needle, &[Field::Timestamp], &app.zone)
                .expect("searched");
            for (r, hit) in hits.iter().enumerate() {
                let time = views::table_time(&app, app.data.times[r]);
                assert_eq!(*hit, time.contains(&needle), "{needle}: row {r} at {time}");
            }
        }
        let none = app
            .data
            .rows_showing("t00", &[Field::Timestamp], &app.zone)
            .expect("searched");
        assert!(none.iter().all(|h| !h), "no time holds a letter");
    }
}

#[test]
fn detail_journey_and_explain_of_the_imcea_failure() {
    let mut app = sample_app();
    filter(&mut app, "-EventId FAIL");
    search(&mut app, "adele.vance");
    let row = app.selected_row().unwrap();
    assert_eq!(
        app.data.cell(row, Field::EventId, &app.zone),
        "FAIL",
        "the search lands on a FAIL row"
    );
    app.apply(Action::ToggleDetail);
    let text = screen(&mut app, 130, 40);
    check_snapshot("detail", &text);
    assert!(text.contains("Recipients (1) → RecipientStatus"));
    assert!(text.contains("550 5.1.1"), "{text}");
    assert!(text.contains("from sample-logs/EX01/MSGTRK"), "{text}");
    app.apply(Action::ToggleDetail);

    app.apply(Action::OpenJourney);
    let Some(Overlay::Text { lines, .. }) = &app.overlay else {
        panic!("journey window: {}", app.status);
    };
    assert!(lines.iter().any(|l| l.contains("FAIL")));
    let text = screen(&mut app, 110, 40);
    check_snapshot("journey", &text);
    assert!(text.contains("Journey <"));
    app.apply(Action::CloseOverlay);

    app.apply(Action::OpenExplain);
    let text = screen(&mut app, 110, 40);
    check_snapshot("explain", &text);
    assert!(text.contains("Explain <"));
    let Some(Overlay::Text { lines, .. }) = &app.overlay else {
        panic!("explain window");
    };
    let all = lines.join("\n");
    assert!(all.contains("X500:"), "the fix names the X500 proxy: {all}");
    assert!(all.contains("joe.bloggs@contoso.com"));
    // Scrolling moves the text.
    app.apply(Action::OverlayMove(5));
    assert!(matches!(app.overlay, Some(Overlay::Text { scroll: 5, .. })));
}

#[test]
fn help_lists_every_key_and_fits_80_by_24() {
    let mut app = sample_app();
    let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let action = key_action(&app, key('?')).unwrap();
    app.apply(action);
    let text = screen(&mut app, 80, 24);
    check_snapshot("help", &text);
    assert!(text.contains("Keys"));
    // Every binding is reachable by scrolling.
    app.apply(Action::OverlayMove(100));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("quit"));
    assert_eq!(key_action(&app, key('?')), Some(Action::CloseOverlay));
    // The main screen at 80×24 keeps the title, filter, table and status lines.
    app.apply(Action::CloseOverlay);
    let text = screen(&mut app, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 24);
    assert!(lines[0].contains("msgtrack"));
    assert!(lines[1].starts_with("Filter:"));
    assert!(lines[23].contains("?:help"));
}

#[test]
fn histogram_zoom_search_columns_and_export() {
    let mut app = sample_app();
    screen(&mut app, 100, 30);
    assert!(!app.buckets.counts.is_empty());
    let total: u32 = app.buckets.counts.iter().flatten().sum();
    assert_eq!(total as usize, app.view.len(), "every row is in a bucket");
    // Keyboard range: from bucket 10 to 20.
    app.apply(Action::FocusHistogram);
    app.apply(Action::HistogramMove(10));
    app.apply(Action::HistogramMark);
    app.apply(Action::HistogramMove(10));
    let (from, to) = app.buckets.range(10, 20);
    app.apply(Action::Submit);
    assert_eq!(app.zoom, Some((from, to)));
    assert!(!app.view.is_empty() && app.view.len() < app.data.len());
    assert!(app.view.iter().all(|r| {
        let t = app.data.times[*r as usize];
        t >= from && t < to
    }));
    app.apply(Action::ResetZoom);
    assert_eq!(app.view.len(), app.data.len());

    // Search: n and N move between matches in the shown columns.
    search(&mut app, "raul.razo");
    let first = app.selected;
    let hit = |app: &App| {
        let r = app.selected_row().unwrap();
        app.shown_columns().iter().any(|c| {
            app.data
                .cell(r, *c, &app.zone)
                .to_lowercase()
                .contains("raul.razo")
        })
    };
    assert!(hit(&app));
    app.apply(Action::SearchNext);
    assert!(hit(&app) && app.selected != first);
    app.apply(Action::SearchPrev);
    assert_eq!(app.selected, first);

    // Field chooser: hide Source, show MessageId.
    app.apply(Action::OpenColumns);
    let source = app
        .columns
        .iter()
        .position(|(c, _)| *c == Field::Source)
        .unwrap();
    app.apply(Action::OverlayMove(source as i64));
    app.apply(Action::OverlayChoose);
    let message_id = app
        .columns
        .iter()
        .position(|(c, _)| *c == Field::MessageId)
        .unwrap();
    app.apply(Action::OverlayMove(message_id as i64 - source as i64));
    app.apply(Action::OverlayChoose);
    app.apply(Action::CloseOverlay);
    let shown = app.shown_columns();
    assert!(!shown.contains(&Field::Source) && shown.contains(&Field::MessageId));

    // Export writes the view with the shown columns.
    filter(&mut app, "-EventId DEFER");
    let dir = Dir::new();
    let path = dir.0.path().join("view.csv");
    app.write_csv(&path).unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        shown
            .iter()
            .map(|c| c.name().to_string())
            .collect::<Vec<_>>()
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), app.view.len());
    let event = headers.iter().position(|h| h == "EventId").unwrap();
    assert!(rows.iter().all(|r| &r[event] == "DEFER"));
}

#[test]
fn saved_query_picker_and_mouse() {
    let mut app = sample_app();
    app.apply(Action::OpenQueries);
    let Some(Overlay::Queries { items, .. }) = &app.overlay else {
        panic!("picker: {}", app.status);
    };
    let imcea = items
        .iter()
        .position(|q| q.name == "imceaex-failures.ps1")
        .unwrap();
    app.apply(Action::OverlayMove(imcea as i64));
    app.apply(Action::OverlayChoose);
    assert!(app.overlay.is_none());
    assert!(app.filter_error.is_none(), "{:?}", app.filter_error);
    assert!(!app.view.is_empty());
    assert!(event_ids(&app).iter().all(|e| e == "FAIL"));

    // Mouse: a click selects the row under it, the wheel scrolls.
    filter(&mut app, "");
    screen(&mut app, 100, 30);
    let (x, y, _, _) = app.hits.table;
    let mut drag = None;
    let click = MouseEvent {
        kind: MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
        column: x + 3,
        row: y + 4,
        modifiers: KeyModifiers::NONE,
    };
    let action = mouse_action(&app, click, &mut drag).unwrap();
    app.apply(action);
    assert_eq!(app.selected, app.offset + 4);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        ..click
    };
    let before = app.selected;
    let action = mouse_action(&app, wheel, &mut drag).unwrap();
    app.apply(action);
    assert_eq!(app.selected, before + 3);
    assert_eq!(app.focus, Focus::Table);
}

/// Appends the last row of the log `target` again at 2026-11-20T23:59:59.000Z; returns the
/// text it had before.
fn append_last_row_again(target: &std::path::Path) -> String {
    let text = std::fs::read_to_string(target).unwrap();
    let last = text.lines().rev().find(|l| !l.starts_with('#')).unwrap();
    let (_, rest) = last.split_once(',').unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(target)
        .unwrap();
    use std::io::Write;
    write!(file, "2026-11-20T23:59:59.000Z,{rest}\r\n").unwrap();
    text
}

#[test]
fn follow_mode_picks_up_appended_rows() {
    let dir = Dir::new();
    let copy = dir.0.path().join("logs");
    std::fs::create_dir_all(&copy).unwrap();
    let source = sample_logs_dir().join("EX01/MSGTRK2026112023-1.LOG");
    let target = copy.join("MSGTRK2026112023-1.LOG");
    std::fs::copy(&source, &target).unwrap();
    let mut app = app_over(std::slice::from_ref(&copy));
    let before = app.data.len();
    app.apply(Action::ToggleFollow);
    app.apply(Action::Bottom);
    append_last_row_again(&target);
    for _ in 0..4 {
        app.apply(Action::Tick);
    }
    assert_eq!(app.data.len(), before + 1);
    assert_eq!(app.view.len(), before + 1);
    assert_eq!(app.selected, before, "the selection follows the end");
    assert!(app.status.contains("1 new rows"));
}

#[test]
fn real_logs_open_filter_and_draw() {
    let Some(dir) = real_logs_dir() else {
        return;
    };
    // Each file named explicitly: their names are not Exchange's MSGTRK*.LOG.
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md"))
        .collect();
    let mut app = app_over(&files);
    assert!(!app.data.is_empty());
    for size in [(80, 24), (160, 50)] {
        let text = screen(&mut app, size.0, size.1);
        assert!(text.contains("msgtrack"));
    }
    filter(&mut app, "-EventId RECEIVE");
    assert!(app.filter_error.is_none());
    assert!(
        event_ids(&app)
            .iter()
            .all(|e| e.eq_ignore_ascii_case("RECEIVE"))
    );
    app.apply(Action::ToggleDetail);
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("Detail"));
}

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    if let Some(action) = key_action(app, KeyEvent::new(code, modifiers)) {
        app.apply(action);
    }
}

#[test]
fn noise_toggle_hides_ha_safety_net_and_health_rows() {
    let mut app = sample_app();
    let all = app.view.len();
    press(&mut app, KeyCode::Char('H'), KeyModifiers::NONE);
    let kept = app.view.len();
    // Counted by the rule, from the data: HA events, SAFETYNET/SHADOW sources, health and
    // system mailboxes.
    let held = app.data.held_frame().expect("raw logs are held");
    let events = held.column("EventId").expect("EventId");
    let events = events
        .cast(&polars::prelude::DataType::String)
        .expect("text");
    let events = events.str().expect("str");
    let senders = msgtrack::frame::access::strings(held, Field::Sender).expect("senders");
    let noisy = (0..all)
        .filter(|i| {
            let e = events.get(*i).unwrap_or("");
            let s = senders[*i].clone().unwrap_or_default().to_lowercase();
            e.starts_with("HA") || s.starts_with("healthmailbox")
        })
        .count();
    assert!(
        kept < all && all - kept >= noisy,
        "{all} rows, {kept} kept, {noisy} noisy by the rule"
    );
    for r in app.view.iter() {
        let e = events.get(*r as usize).unwrap_or("");
        assert!(!e.starts_with("HA"), "an HA row is still shown: {e}");
    }
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("noise hidden"), "{text}");
    press(&mut app, KeyCode::Char('H'), KeyModifiers::NONE);
    assert_eq!(app.view.len(), all);
}

#[test]
fn columns_scroll_sideways_and_give_the_subject_room() {
    let mut app = sample_app();
    // At 120 columns every default column is on screen and the subject has room.
    let text = screen(&mut app, 120, 30);
    let header = text
        .lines()
        .find(|l| l.starts_with("Timestamp"))
        .expect("the header");
    assert!(
        header.contains("Recipients") && header.contains("MessageSubject"),
        "{header}"
    );
    let (columns, widths) = msgtrack::tui::views::table::layout(&app.shown_columns(), 0, 120);
    let subject = columns
        .iter()
        .position(|c| *c == Field::MessageSubject)
        .map(|i| widths[i]);
    assert!(
        subject >= Some(20),
        "the subject column is {subject:?} wide at 120"
    );
    // At 80 columns the recipients stay; → scrolls to the columns beyond.
    let text = screen(&mut app, 80, 24);
    let header = text
        .lines()
        .find(|l| l.starts_with("Timestamp"))
        .expect("header");
    assert!(header.contains("Recipients"), "{header}");
    press(&mut app, KeyCode::Right, KeyModifiers::NONE);
    press(&mut app, KeyCode::Right, KeyModifiers::NONE);
    let text = screen(&mut app, 80, 24);
    let header = text
        .lines()
        .find(|l| l.starts_with("Timestamp"))
        .expect("header");
    assert!(header.contains("MessageSubject"), "scrolled: {header}");
    assert!(!header.contains("Server"), "Server scrolled off: {header}");
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    assert_eq!(app.column_offset, 0);
    // Long addresses are cut in the middle: the domain stays.
    assert_eq!(
        msgtrack::tui::views::table::cut_middle("HealthMailbox2f8b1c4a@contoso.com", 16),
        "Hea…@contoso.com"
    );
}

#[test]
fn sorting_by_a_column_and_back_to_time() {
    let mut app = sample_app();
    press(&mut app, KeyCode::Char('o'), KeyModifiers::NONE);
    // The first shown column after Timestamp is Server.
    assert_eq!(app.sort.map(|(c, _)| c), Some(Field::Server));
    let cells: Vec<String> = app
        .view
        .iter()
        .map(|r| {
            app.data
                .cell(*r as usize, Field::Server, &app.zone)
                .to_lowercase()
        })
        .collect();
    assert!(cells.windows(2).all(|w| w[0] <= w[1]), "sorted ascending");
    press(&mut app, KeyCode::Char('O'), KeyModifiers::NONE);
    let cells: Vec<String> = app
        .view
        .iter()
        .map(|r| {
            app.data
                .cell(*r as usize, Field::Server, &app.zone)
                .to_lowercase()
        })
        .collect();
    assert!(cells.windows(2).all(|w| w[0] >= w[1]), "sorted descending");
    // Time order again after cycling past the last column.
    for _ in 0..10 {
        if app.sort.is_none() {
            break;
        }
        press(&mut app, KeyCode::Char('o'), KeyModifiers::NONE);
    }
    assert_eq!(app.sort, None);
    let times: Vec<i64> = app
        .view
        .iter()
        .map(|r| app.data.times[*r as usize])
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn plain_text_in_the_filter_searches_every_column() {
    let mut app = sample_app();
    press(&mut app, KeyCode::Char('f'), KeyModifiers::NONE);
    type_text(&mut app, "adele");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.filter_error.is_none(), "{:?}", app.filter_error);
    assert!(!app.view.is_empty());
    // Every kept row has "adele" somewhere; a row without it anywhere is not kept.
    let every: Vec<Field> = msgtrack::format::Field::ALL.to_vec();
    for r in app.view.iter().take(200) {
        let hit = every.iter().any(|c| {
            app.data
                .cell(*r as usize, *c, &app.zone)
                .to_lowercase()
                .contains("adele")
        });
        assert!(hit, "row {r} has no 'adele'");
    }
    // The same rows as the query language's own test over the sender and recipients, at least.
    let by_sender = app
        .view
        .iter()
        .filter(|r| {
            app.data
                .cell(**r as usize, Field::Sender, &app.zone)
                .to_lowercase()
                .contains("adele")
        })
        .count();
    assert!(by_sender > 0);
    // A `-` still starts the query language.
    press(&mut app, KeyCode::Char('f'), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "-EventId FAIL");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.view.len(), 16);
}

/// Plain text finds a row by its EventData's keys and values and by its categories too,
/// ignoring case, over held logs and over their store: exactly the rows one of whose text
/// cells (the EventData pairs as the detail shows them) holds it, and only those.
#[test]
fn plain_text_finds_event_data_keys_and_values() {
    let (apps, _store) = held_and_stored_sample_apps();
    for mut app in apps {
        // A key, a value (written DB02 in the logs), a category (an EventId, written
        // HARECEIVE), and one that is in no column.
        for needle in ["MailboxDatabaseName", "db02", "hareceive", "nowhere-at-all"] {
            filter(&mut app, needle);
            assert!(
                app.filter_error.is_none(),
                "{needle}: {:?}",
                app.filter_error
            );
            let lower = needle.to_lowercase();
            let expected: Vec<u32> = app
                .data
                .order
                .iter()
                .copied()
                .filter(|r| {
                    let r = *r as usize;
                    app.data.event_data(r).iter().any(|(k, v)| {
                        k.to_lowercase().contains(&lower) || v.to_lowercase().contains(&lower)
                    }) || Field::ALL.iter().any(|c| {
                        !matches!(c, Field::Timestamp | Field::EventData)
                            && app
                                .data
                                .cell(r, *c, &app.zone)
                                .to_lowercase()
                                .contains(&lower)
                    })
                })
                .collect();
            assert_eq!(app.view.to_vec(), expected, "{needle}");
            if needle != "nowhere-at-all" {
                assert!(!expected.is_empty(), "{needle} is in the sample logs");
            }
        }
    }
}

#[test]
fn the_detail_pane_scrolls_to_event_data() {
    let mut app = sample_app();
    press(&mut app, KeyCode::Char('d'), KeyModifiers::NONE);
    let before = screen(&mut app, 100, 20);
    for _ in 0..6 {
        press(&mut app, KeyCode::Char(']'), KeyModifiers::NONE);
    }
    assert_eq!(app.detail_scroll, 18);
    let after = screen(&mut app, 100, 20);
    assert_ne!(before, after);
    assert!(
        after.contains("EventData") || after.contains("DeliveryPriority"),
        "{after}"
    );
}

#[test]
fn every_key_is_in_the_help_and_bound_from_one_table() {
    use msgtrack::tui::bindings::{BINDINGS, Context, help_lines};
    let help: Vec<String> = help_lines()
        .iter()
        .map(|(_, k, what)| format!("{k} {what}"))
        .collect();
    assert!(
        help.iter().any(|l| l.starts_with("Ctrl-u")),
        "Ctrl-U is listed"
    );
    for b in BINDINGS.iter().filter(|b| b.action.is_some()) {
        assert!(help.iter().any(|l| l.starts_with(b.label)));
    }
    // The dispatch answers each table binding's keys with its action.
    let app = sample_app();
    for b in BINDINGS.iter().filter(|b| b.context == Context::Table) {
        let Some(action) = &b.action else { continue };
        for key in b.keys {
            let event = match key {
                msgtrack::tui::bindings::Key::Char(c) => {
                    KeyEvent::new(KeyCode::Char(*c), KeyModifiers::NONE)
                }
                msgtrack::tui::bindings::Key::Ctrl(c) => {
                    KeyEvent::new(KeyCode::Char(*c), KeyModifiers::CONTROL)
                }
                msgtrack::tui::bindings::Key::Code(k) => KeyEvent::new(*k, KeyModifiers::NONE),
                msgtrack::tui::bindings::Key::Shift(k) => KeyEvent::new(*k, KeyModifiers::SHIFT),
            };
            assert_eq!(
                key_action(&app, event).as_ref(),
                Some(action),
                "{}",
                b.label
            );
        }
    }
}

#[test]
fn histogram_series_differ_without_colour() {
    use msgtrack::tui::views::histogram::glyph;
    let glyphs: std::collections::BTreeSet<&str> = (0..5).map(|l| glyph(l, true)).collect();
    assert_eq!(glyphs.len(), 5, "five series, five glyphs");
    assert!((0..5).all(|l| glyph(l, false) == "█"));
}

#[test]
fn the_explain_window_shows_times_in_the_session_zone() {
    let mut app = sample_app();
    app.zone = Zone::parse("Asia/Tokyo").expect("a zone");
    press(&mut app, KeyCode::Char('f'), KeyModifiers::NONE);
    type_text(&mut app, "-EventId FAIL");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    let Some(Overlay::Text { lines, .. }) = &app.overlay else {
        panic!("no explain window");
    };
    // The first FAIL is at 07:48:00.434 UTC: 16:48:00.434 in Tokyo.
    assert!(
        lines.iter().any(|l| l.contains("2026-11-20 16:48:00.434")),
        "{lines:?}"
    );
}

/// `--since`/`--until`: the viewer loads exactly the rows in the window (the start
/// inclusive, the end exclusive, as -Start/-End), from raw logs and from a store; past
/// `max_rows` the load stops and says so, and exactly that many rows load.
#[test]
fn the_viewer_loads_a_time_window_and_no_more_rows_than_asked() {
    use msgtrack::ingest::RowFilter;
    use msgtrack::tui::{LoadError, Loading};
    let logs = sample_logs_dir();
    let all = crate::util::read(std::slice::from_ref(&logs)).frame;
    let mut times = msgtrack::frame::access::timestamps_ms(&all).expect("times");
    times.sort_unstable();
    // Bounds that are rows' own times: the start's row is in, the end's is out.
    let (start, end) = (times[100], times[times.len() / 2]);
    let expected = times.iter().filter(|t| (start..end).contains(*t)).count();
    assert!(expected > 100 && expected < times.len());
    let window = RowFilter {
        start_ms: Some(start),
        end_ms: Some(end),
        ..RowFilter::default()
    };
    let store = crate::util::indexed(&logs);
    for path in [logs.clone(), store.path().to_path_buf()] {
        let loading = Loading {
            window: window.clone(),
            max_rows: None,
        };
        let data = LogData::load(std::slice::from_ref(&path), &loading, None).expect("loads");
        assert_eq!(data.len(), expected, "{}", path.display());
        assert!(data.times.iter().all(|t| (start..end).contains(t)));
    }
    let bounded = |max_rows| {
        let loading = Loading {
            window: RowFilter::default(),
            max_rows: Some(max_rows),
        };
        LogData::load(std::slice::from_ref(&logs), &loading, None)
    };
    let rows = all.height() as u64;
    assert_eq!(bounded(rows).expect("all fit").len() as u64, rows);
    match bounded(rows - 1) {
        Err(LoadError::TooManyRows { max_rows, windowed }) => {
            assert_eq!((max_rows, windowed), (rows - 1, false));
        }
        Err(e) => panic!("another error: {e}"),
        Ok(data) => panic!("loaded {} rows past the bound", data.len()),
    }
}

/// Every row of the view, each as all its cells (and its list members and EventData pairs),
/// as a sorted multiset: rows of one millisecond may be read in another order from a store.
fn view_rows(app: &App) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = app
        .view
        .iter()
        .map(|r| {
            let r = *r as usize;
            let mut cells: Vec<String> = Field::ALL
                .iter()
                .map(|f| app.data.cell(r, *f, &app.zone))
                .collect();
            cells.push(app.data.list(r, Field::Recipients).join("|"));
            cells.push(format!("{:?}", app.data.event_data(r)));
            cells
        })
        .collect();
    rows.sort();
    rows
}

/// A store's rows are not held by the viewer: their cells are fetched when shown, and the
/// filter (parameters, Where-Object, plain text), the sort and the export read the store
/// again. Every one gives what the same logs give, held.
#[test]
fn a_store_browses_as_its_logs_without_holding_its_rows() {
    let logs = sample_logs_dir();
    let store = crate::util::indexed(&logs);
    let mut raw = app_over(std::slice::from_ref(&logs));
    let mut stored = app_over(&[store.path().to_path_buf()]);
    assert!(raw.data.held_frame().is_some(), "raw logs are held");
    assert!(stored.data.held_frame().is_none(), "a store's rows are not");
    assert!(raw.data.len() > 1000, "more than a page of rows");
    assert_eq!(view_rows(&raw), view_rows(&stored));
    let times: Vec<i64> = stored
        .view
        .iter()
        .map(|r| stored.data.times[*r as usize])
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
    for (typed, at_least) in [
        ("-EventId FAIL", 16),
        ("$_.Recipients -match '^IMCEAEX'", 1),
        ("adele", 1),
        ("-Server EX01 | Where-Object { $_.TotalBytes -gt 10000 }", 1),
        (
            "Get-MessageTrackingLog -EventId DELIVER | Sort-Object TotalBytes",
            1,
        ),
        ("| Where-Object { ($_ | ConvertTo-Json) -match 'IMCEA' }", 1),
        (
            "-Start '2026-11-20 10:00' -End '2026-11-20 11:00' -EventId RECEIVE",
            1,
        ),
        ("-Start '2030-01-01'", 0),
        ("$_.NoSuchProperty -eq 1", 0),
    ] {
        filter(&mut raw, typed);
        filter(&mut stored, typed);
        assert_eq!(
            raw.filter_error.as_ref().map(|e| &e.message),
            stored.filter_error.as_ref().map(|e| &e.message),
            "{typed}"
        );
        assert_eq!(raw.notes, stored.notes, "{typed}");
        let rows = view_rows(&stored);
        assert!(rows.len() >= at_least, "{typed}: {} rows", rows.len());
        assert_eq!(view_rows(&raw), rows, "{typed}");
    }
    // Sorted by a text and a number column, both ways: the same keys in the same order.
    filter(&mut raw, "");
    filter(&mut stored, "");
    // The `/` search finds the same rows, n after n.
    for app in [&mut raw, &mut stored] {
        app.sort = Some((Field::Sender, false));
        press(app, KeyCode::Char('o'), KeyModifiers::NONE);
        search(app, "imceaex");
    }
    for _ in 0..5 {
        assert_eq!(raw.status, stored.status);
        assert!(raw.status.contains("row "), "{}", raw.status);
        let selected = |app: &App| -> Vec<String> {
            let r = app.view[app.selected] as usize;
            Field::ALL
                .iter()
                .map(|f| app.data.cell(r, *f, &app.zone))
                .collect()
        };
        assert_eq!(selected(&raw), selected(&stored));
        press(&mut raw, KeyCode::Char('n'), KeyModifiers::NONE);
        press(&mut stored, KeyCode::Char('n'), KeyModifiers::NONE);
    }
    for column in [Field::Sender, Field::Recipients, Field::TotalBytes] {
        for app in [&mut raw, &mut stored] {
            for (c, shown) in app.columns.iter_mut() {
                *shown = *c == Field::Timestamp || *c == column;
            }
            app.sort = None;
            press(app, KeyCode::Char('o'), KeyModifiers::NONE);
            assert_eq!(app.sort, Some((column, false)));
        }
        for desc in [false, true] {
            if desc {
                press(&mut raw, KeyCode::Char('O'), KeyModifiers::NONE);
                press(&mut stored, KeyCode::Char('O'), KeyModifiers::NONE);
            }
            let keys = |app: &App| -> Vec<String> {
                app.view
                    .iter()
                    .map(|r| app.data.cell(*r as usize, column, &app.zone))
                    .collect()
            };
            assert_eq!(keys(&raw), keys(&stored), "{} desc {desc}", column.name());
        }
    }
    // The export of the view: the same lines.
    let out = Dir::new();
    let lines = |app: &App, name: &str| -> Vec<String> {
        let path = out.path().join(name);
        app.write_csv(&path).expect("exported");
        let mut lines: Vec<String> = std::fs::read_to_string(&path)
            .expect("read back")
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(lines(&raw, "raw.csv"), lines(&stored, "stored.csv"));
    // Each exported record is the view's row in its place, cell for cell as the table shows
    // it (a store's cells fetched a page at a time by `cell`), however many rows the export
    // reads at once; a sort by Sender puts rows of one source far apart.
    for app in [&mut raw, &mut stored] {
        for (c, shown) in app.columns.iter_mut() {
            *shown = matches!(
                *c,
                Field::Timestamp | Field::Sender | Field::Recipients | Field::EventData
            );
        }
        app.sort = None;
        press(app, KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(app.sort, Some((Field::Sender, false)));
        let columns = app.shown_columns();
        for chunk in [7, 97, 1 << 20] {
            let path = out.path().join(format!("chunks-{chunk}.csv"));
            app.write_csv_in_chunks(&path, chunk).expect("exported");
            let mut read = csv::Reader::from_path(&path).expect("read back");
            let records: Vec<Vec<String>> = read
                .records()
                .map(|r| r.expect("a record").iter().map(str::to_string).collect())
                .collect();
            assert_eq!(records.len(), app.view.len(), "{chunk} a chunk");
            for (record, r) in records.iter().zip(app.view.iter()) {
                let expected: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        let text = app.data.cell(*r as usize, *c, &app.zone);
                        msgtrack::escape::spreadsheet::guard(&text).into_owned()
                    })
                    .collect();
                assert_eq!(record, &expected, "row {r}, {chunk} a chunk");
            }
        }
    }
}

/// A store changed under the viewer (its parts gone) is said in the cells that can no longer
/// be read, never shown as empty.
#[test]
fn a_store_changed_under_the_viewer_says_so_in_its_cells() {
    let store = crate::util::indexed(&sample_logs_dir());
    let data = LogData::load(
        &[store.path().to_path_buf()],
        &msgtrack::tui::Loading::default(),
        None,
    )
    .expect("loads");
    let zone = Zone::parse("UTC").unwrap();
    assert!(!data.cell(0, Field::EventId, &zone).is_empty());
    let last = data.len() - 1;
    for entry in walkdir(store.path()) {
        if entry.extension().is_some_and(|e| e == "parquet") {
            std::fs::remove_file(&entry).expect("removed");
        }
    }
    let cell = data.cell(last, Field::EventId, &zone);
    assert!(cell.starts_with("(not read: "), "{cell}");
    // Read together (the export), the rows fail by name; the export says so and leaves no
    // file of the rows before them.
    let failed = data
        .cells(&[0, last as u32], &[Field::EventId], &zone)
        .expect_err("the parts are gone");
    assert!(failed.contains(".parquet"), "{failed}");
    let app = App::new(
        data,
        zone,
        None,
        None,
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
    );
    let out = Dir::new();
    let path = out.path().join("view.csv");
    let failed = app
        .write_csv_in_chunks(&path, 1)
        .expect_err("nothing to read");
    assert!(failed.contains(".parquet"), "{failed}");
    assert!(!path.exists(), "a part of the export was left");
}

fn walkdir(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walkdir(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Follow mode over a store: once the store is indexed again from logs that grew, the viewer
/// loads it again and shows the new rows, read by their places like the others.
#[test]
fn follow_mode_over_a_store_shows_the_rows_indexed_since() {
    let dir = Dir::new();
    let copy = dir.0.path().join("logs");
    std::fs::create_dir_all(&copy).unwrap();
    let target = copy.join("MSGTRK2026112023-1.LOG");
    std::fs::copy(
        sample_logs_dir().join("EX01/MSGTRK2026112023-1.LOG"),
        &target,
    )
    .unwrap();
    let store = dir.0.path().join("store");
    let index = || {
        msgtrack::store::index::index(
            std::slice::from_ref(&copy),
            &store,
            &msgtrack::store::index::IndexOptions::default(),
        )
        .expect("indexed")
    };
    index();
    let mut app = app_over(std::slice::from_ref(&store));
    assert!(app.data.held_frame().is_none());
    let before = app.data.len();
    app.apply(Action::ToggleFollow);
    app.apply(Action::Bottom);
    let text = append_last_row_again(&target);
    index();
    for _ in 0..4 {
        app.apply(Action::Tick);
    }
    assert_eq!(app.data.len(), before + 1, "{}", app.status);
    assert_eq!(app.view.len(), before + 1);
    let newest = *app.view.last().unwrap() as usize;
    assert_eq!(
        app.data.cell(newest, Field::Timestamp, &app.zone),
        "2026-11-20T23:59:59.000Z"
    );
    let line_count = text.lines().count() + 1;
    assert_eq!(
        app.data.cell(newest, Field::Line, &app.zone),
        line_count.to_string()
    );
    assert!(app.status.contains("1 new rows"), "{}", app.status);
}
