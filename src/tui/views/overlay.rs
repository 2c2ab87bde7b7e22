//! Windows over the main screen: help, the column chooser, the saved-query picker, and
//! the scrollable journey / explanation of a message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::selected_style;
use crate::tui::bindings::help_lines;
use crate::tui::state::{App, Overlay};

/// A rectangle `percent_x` × `percent_y` of `area`, centred.
fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let w = (area.width * percent_x / 100).max(20).min(area.width);
    let h = (area.height * percent_y / 100).max(5).min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn window(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, scroll: usize, wrap: bool) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(format!(" {title} "));
    let mut paragraph = Paragraph::new(lines)
        .block(block)
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    if wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

/// A list line's style: highlighted under the cursor, as the table's selected row.
fn list_style(selected: bool) -> Style {
    if selected {
        selected_style()
    } else {
        Style::new()
    }
}

/// A list cursor scrolled so it stays inside a window `height` lines tall.
fn list_scroll(cursor: usize, height: u16) -> usize {
    cursor.saturating_sub(usize::from(height.saturating_sub(3)))
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(overlay) = &app.overlay else {
        return;
    };
    match overlay {
        Overlay::Help { scroll } => {
            let mut lines = Vec::new();
            for (heading, keys, what) in help_lines() {
                if !heading.is_empty() {
                    lines.push(Line::from(Span::styled(
                        heading,
                        Style::new().add_modifier(ratatui::style::Modifier::BOLD),
                    )));
                }
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<23} "), Style::new().fg(Color::Yellow)),
                    Span::raw(what),
                ]));
            }
            window(
                frame,
                centered(area, 98, 94),
                "Keys (↑↓ scroll, Esc closes)",
                lines,
                *scroll,
                false,
            );
        }
        Overlay::Columns { cursor } => {
            let lines = app
                .columns
                .iter()
                .enumerate()
                .map(|(i, (c, on))| {
                    let mark = if *on { "[x]" } else { "[ ]" };
                    let style = list_style(i == *cursor);
                    Line::styled(format!("{mark} {}", c.name()), style)
                })
                .collect();
            let rect = centered(area, 50, 80);
            window(
                frame,
                rect,
                "Columns: space shows/hides, < > move, Esc closes",
                lines,
                list_scroll(*cursor, rect.height),
                false,
            );
        }
        Overlay::Queries { cursor, items } => {
            let mut lines: Vec<Line> = items
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let style = list_style(i == *cursor);
                    Line::from(vec![
                        Span::styled(format!("{:<26}", q.name), style.fg(Color::Yellow)),
                        Span::styled(q.summary().to_string(), style),
                    ])
                })
                .collect();
            if let Some(q) = items.get(*cursor) {
                lines.push(Line::raw(""));
                // The whole pipeline, cut into lines that fit the window.
                let width = usize::from(area.width.saturating_sub(4)).max(10);
                let chars: Vec<char> = q.expression.chars().collect();
                for piece in chars.chunks(width) {
                    lines.push(Line::styled(
                        piece.iter().collect::<String>(),
                        Style::new().fg(Color::Cyan),
                    ));
                }
            }
            let rect = centered(area, 98, 80);
            window(
                frame,
                rect,
                "Saved queries: Enter filters with it, Esc closes",
                lines,
                list_scroll(*cursor, rect.height.saturating_sub(3)),
                false,
            );
        }
        Overlay::Text {
            title,
            lines,
            scroll,
        } => {
            let lines = lines.iter().map(|l| Line::raw(l.clone())).collect();
            window(
                frame,
                centered(area, 96, 92),
                &format!("{title} (↑↓ scroll, Esc closes)"),
                lines,
                *scroll,
                true,
            );
        }
    }
}
