//! The event table: only the rows on screen are turned into cells, so a view of millions
//! of rows scrolls as fast as one of ten.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::{kind_color, selected_style, short_time};
use crate::format::Field;
use crate::tui::state::App;

/// How wide a column is drawn (the last shown column takes what is left).
fn width_of(column: Field) -> u16 {
    match column {
        Field::Timestamp => 18,
        Field::EventId => 12,
        Field::Source | Field::Server | Field::Directionality => 9,
        Field::TotalBytes | Field::RecipientCount | Field::Line => 8,
        Field::Sender | Field::ReturnPath | Field::RelatedRecipientAddress => 26,
        Field::Recipients | Field::RecipientStatus => 30,
        Field::MessageId | Field::InternalMessageId | Field::NetworkMessageId => 30,
        _ => 20,
    }
}

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let block = Block::default().borders(Borders::TOP).title(format!(
        " Events {}/{} ",
        if app.view.is_empty() {
            0
        } else {
            app.selected + 1
        },
        app.view.len()
    ));
    let inner = block.inner(area);
    // One line of header; the rest is rows.
    let body = inner.height.saturating_sub(1);
    app.hits.table = (inner.x, inner.y + 1, inner.width, body);
    app.scroll_into_view(usize::from(body));
    // Columns left to right while they fit; the last one shown takes the rest of the line.
    let mut columns = Vec::new();
    let mut widths = Vec::new();
    let mut left = inner.width;
    for c in app.shown_columns() {
        if left < 6 {
            break;
        }
        let w = width_of(c).min(left);
        columns.push(c);
        widths.push(w);
        left = left.saturating_sub(w + 1);
    }
    if let Some(last) = widths.last_mut() {
        *last += left;
    }
    let header = Row::new(columns.iter().map(|c| Cell::from(c.name())))
        .style(Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow));
    let end = (app.offset + usize::from(body)).min(app.view.len());
    let rows = app.view[app.offset..end].iter().map(|&r| {
        let r = r as usize;
        let kind = app.data.kinds[r];
        Row::new(columns.iter().map(|c| {
            let text = if *c == Field::Timestamp {
                short_time(app, app.data.times[r])
            } else {
                // Log fields: escape sequences and bidi overrides shown, not obeyed.
                crate::escape::terminal::visible(&app.data.cell(r, *c, &app.zone)).into_owned()
            };
            let cell = Cell::from(text);
            if *c == Field::EventId {
                cell.style(Style::new().fg(kind_color(kind)))
            } else {
                cell
            }
        }))
    });
    let widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(selected_style());
    let mut state = TableState::default();
    if !app.view.is_empty() {
        state.select(Some(app.selected - app.offset));
    }
    frame.render_stateful_widget(table, area, &mut state);
}
