//! Keys and mouse to actions. Keys are looked up in [`super::bindings::BINDINGS`], the table
//! the help overlay lists; only typing in a bar and the windows' own keys are decided here.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::bindings::{Context, lookup};
use super::state::{Action, App, Edit, Focus, Overlay};

/// The action for a key, given where the focus is.
pub fn key_action(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if let Some(overlay) = &app.overlay {
        return overlay_key(overlay, key);
    }
    match app.focus {
        Focus::Filter | Focus::Search => input_key(key),
        Focus::Histogram => lookup(Context::Histogram, &key),
        Focus::Table => lookup(Context::Table, &key),
    }
}

fn input_key(key: KeyEvent) -> Option<Action> {
    lookup(Context::Input, &key).or(match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(Action::Edit(Edit::Insert(c)))
        }
        _ => None,
    })
}

fn overlay_key(overlay: &Overlay, key: KeyEvent) -> Option<Action> {
    let page = 10;
    Some(match key.code {
        KeyCode::Esc | KeyCode::Char('q') => Action::CloseOverlay,
        KeyCode::Char('?') if matches!(overlay, Overlay::Help { .. }) => Action::CloseOverlay,
        KeyCode::Down | KeyCode::Char('j') => Action::OverlayMove(1),
        KeyCode::Up | KeyCode::Char('k') => Action::OverlayMove(-1),
        KeyCode::PageDown => Action::OverlayMove(page),
        KeyCode::PageUp => Action::OverlayMove(-page),
        KeyCode::Char(' ') | KeyCode::Enter => match overlay {
            Overlay::Columns { .. } | Overlay::Queries { .. } => Action::OverlayChoose,
            _ => Action::CloseOverlay,
        },
        KeyCode::Char('<') | KeyCode::Left => Action::OverlayReorder(-1),
        KeyCode::Char('>') | KeyCode::Right => Action::OverlayReorder(1),
        _ => return None,
    })
}

/// The action for a mouse event, using where the last frame drew things.
pub fn mouse_action(app: &App, mouse: MouseEvent, drag_from: &mut Option<usize>) -> Option<Action> {
    let inside = |(x, y, w, h): (u16, u16, u16, u16)| {
        mouse.column >= x && mouse.column < x + w && mouse.row >= y && mouse.row < y + h
    };
    match mouse.kind {
        MouseEventKind::ScrollDown if app.overlay.is_some() => Some(Action::OverlayMove(3)),
        MouseEventKind::ScrollUp if app.overlay.is_some() => Some(Action::OverlayMove(-3)),
        MouseEventKind::ScrollDown => Some(Action::Move(3)),
        MouseEventKind::ScrollUp => Some(Action::Move(-3)),
        MouseEventKind::Down(MouseButton::Left) if app.overlay.is_none() => {
            if inside(app.hits.table) {
                let row = app.offset + usize::from(mouse.row - app.hits.table.1);
                (row < app.view.len()).then_some(Action::SelectRow(row))
            } else if inside(app.hits.histogram) {
                *drag_from = Some(usize::from(mouse.column - app.hits.histogram.0));
                None
            } else {
                None
            }
        }
        MouseEventKind::Up(MouseButton::Left) => {
            let from = drag_from.take()?;
            let to = usize::from(mouse.column.saturating_sub(app.hits.histogram.0));
            let last = app.buckets.counts.len().checked_sub(1)?;
            Some(Action::HistogramZoom(from.min(last), to.min(last)))
        }
        _ => None,
    }
}
