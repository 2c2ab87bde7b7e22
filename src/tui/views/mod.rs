//! Drawing: pure functions from an [`App`] to a frame. The only state they write back is
//! layout (where the table and histogram were drawn, the histogram's buckets, the scroll
//! offset), which the event loop needs to map clicks and pages.

mod detail;
pub mod histogram;
mod overlay;
pub mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::data::{FULL_TIME, SHORT_TIME, shown_time};
use super::state::{App, Focus};
use crate::format::EventClass;

/// The colour of an event kind, in the table and the histogram.
pub fn kind_color(kind: EventClass) -> Color {
    match kind {
        EventClass::Failure => Color::Red,
        EventClass::Delay => Color::Yellow,
        EventClass::Delivery => Color::Green,
        EventClass::Arrival => Color::Blue,
        EventClass::Other => Color::Gray,
    }
}

/// The highlight of the selected row or list line.
pub fn selected_style() -> Style {
    Style::new()
        .bg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}

/// Time as the detail pane and histogram show it, to the millisecond.
pub fn table_time(app: &App, ms: i64) -> String {
    shown_time(&app.zone, ms, FULL_TIME)
}

/// Month, day and time to the millisecond, for the table's narrow column.
pub fn short_time(app: &App, ms: i64) -> String {
    shown_time(&app.zone, ms, SHORT_TIME)
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    let error_line = u16::from(app.filter_error.is_some() || !app.notes.is_empty());
    // A detail pane below the table needs the histogram's room on a small screen.
    let detail_below = app.show_detail && area.width < 120;
    let histogram_height = if area.height >= 20 && !(detail_below && area.height < 40) {
        6
    } else {
        0
    };
    let chunks = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Length(1 + error_line),
            Constraint::Length(histogram_height),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .split(area);
    title_bar(frame, app, chunks[0]);
    filter_bar(frame, app, chunks[1]);
    if histogram_height > 0 {
        histogram::draw(frame, app, chunks[2]);
    } else {
        app.hits.histogram = (0, 0, 0, 0);
    }
    let main = chunks[3];
    if app.show_detail {
        let wide = !detail_below;
        let parts = Layout::default()
            .direction(if wide {
                Direction::Horizontal
            } else {
                Direction::Vertical
            })
            .constraints(if wide {
                [Constraint::Percentage(55), Constraint::Percentage(45)]
            } else {
                [Constraint::Percentage(40), Constraint::Percentage(60)]
            })
            .split(main);
        table::draw(frame, app, parts[0]);
        detail::draw(frame, app, parts[1]);
    } else {
        table::draw(frame, app, main);
    }
    status_bar(frame, app, chunks[4]);
    overlay::draw(frame, app, area);
}

fn title_bar(frame: &mut Frame, app: &App, area: Rect) {
    let paths: Vec<String> = app
        .data
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut spans = vec![
        Span::styled(" msgtrack ", Style::new().bg(Color::Blue).fg(Color::White)),
        Span::raw(format!(" {} ", paths.join(" "))),
        Span::styled(
            format!("{} of {} rows", app.view.len(), app.data.len()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("  {}", app.zone.label())),
    ];
    // The rows loaded are a window of the logs (--since/--until): said, with its bounds.
    let window = &app.data.window;
    if window.has_time_range() {
        let bound = |ms: Option<i64>| ms.map_or("…".to_string(), |t| app.zone.format_ms(t));
        spans.push(Span::styled(
            format!(
                "  loaded {} – {}",
                bound(window.start_ms),
                bound(window.end_ms)
            ),
            Style::new().fg(Color::Cyan),
        ));
    }
    if let Some((from, to)) = app.zoom {
        spans.push(Span::styled(
            format!("  zoom {} – {}", table_time(app, from), table_time(app, to)),
            Style::new().fg(Color::Magenta),
        ));
    }
    if app.follow {
        spans.push(Span::styled(
            "  FOLLOW",
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn filter_bar(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Filter;
    let label = "Filter: ";
    let count = match &app.filter_error {
        Some(_) => Span::styled(" ✗ ", Style::new().fg(Color::Red)),
        None => Span::styled(
            format!(" {} rows ", app.filtered.len()),
            Style::new().fg(Color::Cyan),
        ),
    };
    let count_width = count.width() as u16;
    let row = Rect { height: 1, ..area };
    let [text_area, count_area] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(count_width)]).areas(row);
    // A long filter scrolls sideways so the cursor (or the error) stays in sight.
    let room = usize::from(text_area.width)
        .saturating_sub(label.len() + 1)
        .max(1);
    let focus_at = match (&app.filter_error, focused) {
        (_, true) => app.filter.cursor,
        (Some(e), false) => e.at,
        (None, false) => 0,
    };
    let first = focus_at.saturating_sub(room.saturating_sub(1));
    let hint = if app.filter.text.is_empty() && !focused {
        Span::styled(
            "press f and type a query: -EventId FAIL, $_.Sender -like '*@contoso.com', Get-MessageTrackingLog …",
            Style::new().fg(Color::DarkGray),
        )
    } else {
        Span::raw(app.filter.text.chars().skip(first).collect::<String>())
    };
    let label_style = if focused {
        Style::new().fg(Color::Black).bg(Color::Yellow)
    } else {
        Style::new().fg(Color::Yellow)
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![Span::styled(label, label_style), hint])),
        text_area,
    );
    frame.render_widget(Paragraph::new(count), count_area);
    if focused {
        let x = text_area.x + (label.len() + app.filter.cursor - first) as u16;
        frame.set_cursor_position(Position::new(
            x.min(text_area.right().saturating_sub(1)),
            text_area.y,
        ));
    }
    if area.height > 1 {
        let below = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        let line = match &app.filter_error {
            Some(e) => {
                let mut message = format!("^ {}", e.message);
                if let Some(s) = &e.suggestion {
                    message += &format!(" (did you mean {s}?)");
                }
                Line::from(vec![
                    Span::raw(" ".repeat(label.len() + e.at.saturating_sub(first))),
                    Span::styled(message, Style::new().fg(Color::Red)),
                ])
            }
            None => Line::styled(app.notes.join("; "), Style::new().fg(Color::DarkGray)),
        };
        frame.render_widget(Paragraph::new(line), below);
    }
}

fn status_bar(frame: &mut Frame, app: &App, area: Rect) {
    if app.focus == Focus::Search {
        let text = format!("/{}", app.search.text);
        frame.render_widget(Paragraph::new(text), area);
        frame.set_cursor_position(Position::new(
            (area.x + 1 + app.search.cursor as u16).min(area.right().saturating_sub(1)),
            area.y,
        ));
        return;
    }
    let hints = if area.width >= 100 {
        " ?:help f:filter /:search ⏎:journey e:explain d:detail q:quit "
    } else {
        " ?:help q:quit "
    };
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(hints.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(app.status.clone()).style(Style::new().fg(Color::Cyan)),
        left,
    );
    frame.render_widget(
        Paragraph::new(hints).style(Style::new().fg(Color::Black).bg(Color::Gray)),
        right,
    );
}
