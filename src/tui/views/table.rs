//! The event table: only the rows on screen are turned into cells, so a view of millions
//! of rows scrolls as fast as one of ten.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::{kind_color, selected_style, short_time};
use crate::format::Field;
use crate::tui::state::App;

/// How wide a column would like to be, and the least it is drawn at.
fn widths_of(column: Field) -> (u16, u16) {
    match column {
        Field::Timestamp => (18, 18),
        Field::EventId => (12, 9),
        Field::Source | Field::Server | Field::Directionality => (9, 6),
        Field::TotalBytes | Field::RecipientCount | Field::Line => (8, 6),
        Field::Sender | Field::ReturnPath | Field::RelatedRecipientAddress => (28, 11),
        Field::Recipients | Field::RecipientStatus => (34, 11),
        Field::MessageSubject => (60, 11),
        Field::MessageId | Field::InternalMessageId | Field::NetworkMessageId => (30, 12),
        _ => (20, 10),
    }
}

/// Columns whose text is an address: cut in the middle (`adele.va…@contoso.com`), so the
/// domain stays readable.
fn address_like(column: Field) -> bool {
    matches!(
        column,
        Field::Sender | Field::ReturnPath | Field::RelatedRecipientAddress | Field::Recipients
    )
}

/// `text` cut to `width` characters with `…` in the middle, keeping more of the end (the
/// domain) than of the start when it holds an `@`.
pub fn cut_middle(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width < 5 {
        return text.to_string();
    }
    let keep = width - 1;
    let at = chars.iter().rposition(|c| *c == '@');
    // The whole `@domain` when two characters of the start still fit, else three fifths.
    let tail = match at {
        Some(a) if chars.len() - a + 2 <= keep => chars.len() - a,
        Some(_) => keep * 3 / 5,
        None => keep / 2,
    };
    let head = keep - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The columns drawn (the first shown one, then the rest from `offset`) and their widths for
/// a line `width` wide: as many as fit at their least width, then the room left given to
/// the wide text columns up to what they would like, the rest to the last one.
pub fn layout(shown: &[Field], offset: usize, width: u16) -> (Vec<Field>, Vec<u16>) {
    let Some((first, rest)) = shown.split_first() else {
        return (Vec::new(), Vec::new());
    };
    let candidates: Vec<Field> = std::iter::once(*first)
        .chain(rest.iter().skip(offset).copied())
        .collect();
    let mut columns = Vec::new();
    let mut widths = Vec::new();
    let mut used: u16 = 0;
    for c in candidates {
        let (_, least) = widths_of(c);
        let spacing = u16::from(!columns.is_empty());
        if used + spacing + least > width {
            break;
        }
        used += spacing + least;
        columns.push(c);
        widths.push(least);
    }
    // Room left: first the short columns up to what they want, then shared equally by the
    // wide text columns (addresses, subject, ids), then the rest to the last column.
    let mut left = width.saturating_sub(used);
    let wide = |c: &Field| widths_of(*c).0 >= 28;
    for (c, w) in columns
        .iter()
        .zip(widths.iter_mut())
        .filter(|(c, _)| !wide(c))
    {
        let more = widths_of(*c).0.saturating_sub(*w).min(left);
        *w += more;
        left -= more;
    }
    let flexible = columns.iter().filter(|c| wide(c)).count() as u16;
    if let Some(share) = left.checked_div(flexible) {
        for (c, w) in columns
            .iter()
            .zip(widths.iter_mut())
            .filter(|(c, _)| wide(c))
        {
            let more = widths_of(*c).0.saturating_sub(*w).min(share);
            *w += more;
            left -= more;
        }
    }
    if let Some(last) = widths.last_mut() {
        *last += left;
    }
    (columns, widths)
}

/// The fn.
pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let shown = app.shown_columns();
    let mut title = format!(
        " Events {}/{} ",
        if app.view.is_empty() {
            0
        } else {
            app.selected + 1
        },
        app.view.len()
    );
    let block_inner_width = area.width;
    let (columns, widths) = layout(&shown, app.column_offset, block_inner_width);
    let hidden_right = shown
        .len()
        .saturating_sub(columns.len() + app.column_offset);
    if app.column_offset > 0 || hidden_right > 0 {
        title.push_str(&format!(
            "· columns {}{} ",
            if app.column_offset > 0 { "◀ " } else { "" },
            if hidden_right > 0 {
                format!("{hidden_right} more ▶ (→)")
            } else {
                String::new()
            }
        ));
    }
    if let Some((c, desc)) = app.sort {
        title.push_str(&format!(
            "· sorted by {} {} ",
            c.name(),
            if desc { "▼" } else { "▲" }
        ));
    } else if app.reversed {
        title.push_str("· newest first ");
    }
    if app.hide_noise {
        title.push_str("· noise hidden (H) ");
    }
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    // One line of header; the rest is rows.
    let body = inner.height.saturating_sub(1);
    app.hits.table = (inner.x, inner.y + 1, inner.width, body);
    app.scroll_into_view(usize::from(body));
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
            let w = columns
                .iter()
                .position(|x| x == c)
                .and_then(|i| widths.get(i))
                .copied()
                .unwrap_or(0);
            let text = if *c == Field::Recipients {
                // The first recipient, cut in the middle, and how many more.
                let members = app.data.list(r, *c);
                let more = members.len().saturating_sub(1);
                let suffix = if more > 0 {
                    format!(" +{more}")
                } else {
                    String::new()
                };
                let first =
                    crate::escape::terminal::visible(members.first().map_or("", |m| m.as_str()))
                        .into_owned();
                let room = usize::from(w).saturating_sub(suffix.chars().count());
                format!("{}{suffix}", cut_middle(&first, room))
            } else if address_like(*c) {
                cut_middle(&text, usize::from(w))
            } else {
                text
            };
            let cell = Cell::from(text);
            if *c == Field::EventId {
                cell.style(Style::new().fg(kind_color(kind)))
            } else {
                cell
            }
        }))
    });
    let widths: Vec<Constraint> = widths.iter().copied().map(Constraint::Length).collect();
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
