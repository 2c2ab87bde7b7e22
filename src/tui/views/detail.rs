//! The selected row, whole: every non-empty field, each recipient beside its status,
//! EventData as key = value, and the file and line it came from.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::format::Field;
use crate::tui::state::App;

/// The fields shown first, before the recipients.
const HEADLINE: [Field; 7] = [
    Field::Timestamp,
    Field::EventId,
    Field::Source,
    Field::Server,
    Field::Sender,
    Field::MessageSubject,
    Field::MessageId,
];

/// The lines of the detail pane for data row `row`.
pub fn lines(app: &App, row: usize) -> Vec<Line<'static>> {
    let key = |k: &str| Span::styled(format!("{k:<24}"), Style::new().fg(Color::Yellow));
    let mut out = Vec::new();
    let field = |out: &mut Vec<Line<'static>>, column: Field| {
        let value = if column == Field::Timestamp {
            super::table_time(app, app.data.times[row])
        } else {
            crate::escape::terminal::visible(&app.data.cell(row, column, &app.zone)).into_owned()
        };
        if !value.is_empty() {
            out.push(Line::from(vec![key(column.name()), Span::raw(value)]));
        }
    };
    for column in HEADLINE {
        field(&mut out, column);
    }
    let file = app.data.cell(row, Field::File, &app.zone);
    let line = app.data.cell(row, Field::Line, &app.zone);
    out.push(Line::styled(
        format!("from {file}:{line}"),
        Style::new().fg(Color::DarkGray),
    ));
    let recipients = app.data.list(row, Field::Recipients);
    let statuses = app.data.list(row, Field::RecipientStatus);
    if !recipients.is_empty() {
        out.push(Line::styled(
            format!("Recipients ({}) → RecipientStatus", recipients.len()),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for (i, r) in recipients.iter().enumerate() {
            let status = statuses
                .get(i)
                .or(if statuses.len() == 1 {
                    statuses.first()
                } else {
                    None
                })
                .cloned()
                .unwrap_or_default();
            out.push(Line::from(vec![
                Span::raw(format!("  {r}")),
                Span::styled(
                    if status.is_empty() {
                        String::new()
                    } else {
                        format!("  → {status}")
                    },
                    Style::new().fg(Color::Cyan),
                ),
            ]));
        }
    }
    for column in Field::ALL {
        let skip = HEADLINE.contains(&column)
            || matches!(
                column,
                Field::Recipients
                    | Field::RecipientStatus
                    | Field::EventData
                    | Field::File
                    | Field::Line
            );
        if !skip {
            field(&mut out, column);
        }
    }
    let data = app.data.event_data(row);
    if !data.is_empty() {
        out.push(Line::styled(
            "EventData",
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for (k, v) in data {
            out.push(Line::from(vec![
                Span::styled(format!("  {k}"), Style::new().fg(Color::Yellow)),
                Span::raw(format!(" = {v}")),
            ]));
        }
    }
    out
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Detail (d closes, [ ] scroll) ");
    let text = match app.selected_row() {
        Some(row) => lines(app, row),
        None => vec![Line::raw("no row")],
    };
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(app.detail_scroll).unwrap_or(u16::MAX), 0)),
        area,
    );
}
