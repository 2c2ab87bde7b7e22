//! The key bindings: one table that both the dispatch ([`lookup`]) and the help overlay read,
//! so a key is never bound without being listed, or listed without being bound.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{Action, Edit};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The event table (the main screen).
    Table,
    /// Choosing a time range on the histogram.
    Histogram,
    /// Typing in the filter or search bar.
    Input,
    /// A window (help, journey, explanation, column chooser, saved queries).
    Window,
    /// The mouse (listed, dispatched by `keys::mouse_action`).
    Mouse,
}

/// One key as pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character, any modifier but Ctrl.
    Char(char),
    /// Ctrl and a character.
    Ctrl(char),
    /// A named key without Shift.
    Code(KeyCode),
    /// A named key with Shift.
    Shift(KeyCode),
}

impl Key {
    fn matches(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match self {
            Key::Char(c) => !ctrl && key.code == KeyCode::Char(c),
            Key::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
            Key::Code(code) => !shift && !ctrl && key.code == code,
            Key::Shift(code) => shift && key.code == code,
        }
    }
}

/// A binding: the keys, what they do, and how the help names them.
#[derive(Debug)]
pub struct Binding {
    /// The context.
    pub context: Context,
    /// The keys.
    pub keys: &'static [Key],
    /// The keys as the help shows them.
    pub label: &'static str,
    /// `None` for the mouse and for actions chosen by the window itself.
    pub action: Option<Action>,
    /// The help.
    pub help: &'static str,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        action: Some(action),
        help,
    }
}

const fn listed(context: Context, label: &'static str, help: &'static str) -> Binding {
    Binding {
        context,
        keys: &[],
        label,
        action: None,
        help,
    }
}

use Context::{Histogram, Input, Mouse, Table, Window};
use KeyCode as K;

/// Every binding, in the order the help lists them.
pub static BINDINGS: [Binding; 49] = [
    bind(
        Table,
        &[Key::Code(K::Down), Key::Char('j')],
        "↓ j",
        Action::Move(1),
        "next row",
    ),
    bind(
        Table,
        &[Key::Code(K::Up), Key::Char('k')],
        "↑ k",
        Action::Move(-1),
        "previous row",
    ),
    bind(
        Table,
        &[Key::Code(K::PageDown), Key::Char(' '), Key::Ctrl('f')],
        "PgDn space Ctrl-f",
        Action::PageDown,
        "page down",
    ),
    bind(
        Table,
        &[Key::Code(K::PageUp), Key::Ctrl('b')],
        "PgUp Ctrl-b",
        Action::PageUp,
        "page up",
    ),
    bind(
        Table,
        &[Key::Code(K::Home), Key::Char('g')],
        "Home g",
        Action::Top,
        "first row",
    ),
    bind(
        Table,
        &[Key::Code(K::End), Key::Char('G')],
        "End G",
        Action::Bottom,
        "last row",
    ),
    bind(
        Table,
        &[Key::Code(K::Right), Key::Char('l')],
        "→ l",
        Action::ScrollColumns(1),
        "scroll the columns right (Timestamp stays)",
    ),
    bind(
        Table,
        &[Key::Code(K::Left)],
        "←",
        Action::ScrollColumns(-1),
        "scroll the columns left",
    ),
    bind(
        Table,
        &[Key::Char('o')],
        "o",
        Action::SortNext,
        "sort by the next shown column (again: the next)",
    ),
    bind(
        Table,
        &[Key::Char('O')],
        "O",
        Action::SortReverse,
        "reverse the order",
    ),
    bind(
        Table,
        &[Key::Char('H')],
        "H",
        Action::ToggleNoise,
        "hide/show noise: HA, Safety Net, health mailboxes",
    ),
    bind(
        Table,
        &[Key::Code(K::Enter)],
        "Enter",
        Action::OpenJourney,
        "the message's journey: hops, latencies, waits",
    ),
    bind(
        Table,
        &[Key::Char('e')],
        "e",
        Action::OpenExplain,
        "explain it (categorizer replay, --directory)",
    ),
    bind(
        Table,
        &[Key::Char('d')],
        "d",
        Action::ToggleDetail,
        "detail pane: every field, EventData, file:line",
    ),
    bind(
        Table,
        &[Key::Char(']'), Key::Shift(K::Down)],
        "] Shift-↓",
        Action::DetailScroll(3),
        "scroll the detail pane down",
    ),
    bind(
        Table,
        &[Key::Char('['), Key::Shift(K::Up)],
        "[ Shift-↑",
        Action::DetailScroll(-3),
        "scroll the detail pane up",
    ),
    bind(
        Table,
        &[Key::Char('f'), Key::Char(':')],
        "f :",
        Action::FocusFilter,
        "filter: text, -EventId FAIL, $_.Sender -like …",
    ),
    bind(
        Table,
        &[Key::Char('s')],
        "s",
        Action::OpenQueries,
        "saved queries (queries/*.ps1) to filter with",
    ),
    bind(
        Table,
        &[Key::Char('/')],
        "/",
        Action::FocusSearch,
        "find in the shown columns; Enter finds",
    ),
    bind(
        Table,
        &[Key::Char('n')],
        "n",
        Action::SearchNext,
        "next match",
    ),
    bind(
        Table,
        &[Key::Char('N')],
        "N",
        Action::SearchPrev,
        "previous match",
    ),
    bind(
        Table,
        &[Key::Char('h')],
        "h",
        Action::FocusHistogram,
        "choose a time range on the histogram",
    ),
    bind(
        Table,
        &[Key::Char('z')],
        "z",
        Action::ResetZoom,
        "reset the zoom",
    ),
    bind(
        Table,
        &[Key::Char('c')],
        "c",
        Action::OpenColumns,
        "column chooser",
    ),
    bind(
        Table,
        &[Key::Char('x')],
        "x",
        Action::Export,
        "export the view to msgtrack-view-….csv",
    ),
    bind(
        Table,
        &[Key::Char('F')],
        "F",
        Action::ToggleFollow,
        "follow: pick up rows appended to the files",
    ),
    bind(Table, &[Key::Char('?')], "?", Action::OpenHelp, "this help"),
    bind(
        Table,
        &[Key::Char('q'), Key::Ctrl('c')],
        "q Ctrl-c",
        Action::Quit,
        "quit",
    ),
    bind(
        Histogram,
        &[Key::Code(K::Left)],
        "←",
        Action::HistogramMove(-1),
        "move the cursor one bucket",
    ),
    bind(
        Histogram,
        &[Key::Code(K::Right)],
        "→",
        Action::HistogramMove(1),
        "move the cursor one bucket",
    ),
    bind(
        Histogram,
        &[Key::Shift(K::Left)],
        "Shift-←",
        Action::HistogramMove(-10),
        "move the cursor ten buckets",
    ),
    bind(
        Histogram,
        &[Key::Shift(K::Right)],
        "Shift-→",
        Action::HistogramMove(10),
        "move the cursor ten buckets",
    ),
    bind(
        Histogram,
        &[Key::Char(' ')],
        "space",
        Action::HistogramMark,
        "mark one end of the range",
    ),
    bind(
        Histogram,
        &[Key::Code(K::Enter)],
        "Enter",
        Action::Submit,
        "zoom the table to the range",
    ),
    bind(
        Histogram,
        &[Key::Code(K::Esc), Key::Char('h')],
        "Esc h",
        Action::Cancel,
        "leave the histogram",
    ),
    bind(Histogram, &[Key::Char('q')], "q", Action::Quit, "quit"),
    bind(
        Input,
        &[Key::Code(K::Enter)],
        "Enter",
        Action::Submit,
        "apply the filter / find",
    ),
    bind(
        Input,
        &[Key::Code(K::Esc)],
        "Esc",
        Action::Cancel,
        "leave (the filter returns to the applied one)",
    ),
    bind(
        Input,
        &[Key::Ctrl('u')],
        "Ctrl-u",
        Action::Edit(Edit::Clear),
        "clear the line",
    ),
    bind(
        Input,
        &[Key::Code(K::Backspace)],
        "Backspace",
        Action::Edit(Edit::Backspace),
        "delete before the cursor",
    ),
    bind(
        Input,
        &[Key::Code(K::Delete)],
        "Delete",
        Action::Edit(Edit::Delete),
        "delete under the cursor",
    ),
    bind(
        Input,
        &[Key::Code(K::Home)],
        "Home",
        Action::Edit(Edit::Home),
        "start of the line",
    ),
    bind(
        Input,
        &[Key::Code(K::End)],
        "End",
        Action::Edit(Edit::End),
        "end of the line",
    ),
    bind(
        Input,
        &[Key::Code(K::Left)],
        "←",
        Action::Edit(Edit::Left),
        "cursor left",
    ),
    bind(
        Input,
        &[Key::Code(K::Right)],
        "→",
        Action::Edit(Edit::Right),
        "cursor right",
    ),
    listed(
        Window,
        "↑ ↓ PgUp PgDn  Esc q",
        "scroll, close (columns: space, < >)",
    ),
    listed(Mouse, "wheel", "scroll the table (or a window)"),
    listed(Mouse, "click", "select a row"),
    listed(Mouse, "drag on histogram", "zoom to the dragged range"),
];

/// The action bound to `key` in `context`.
pub fn lookup(context: Context, key: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .find(|b| b.keys.iter().any(|k| k.matches(key)))
        .and_then(|b| b.action.clone())
}

/// The help lines: (context heading or empty, keys, what they do).
pub fn help_lines() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    let mut last = None;
    for b in &BINDINGS {
        let heading = if last == Some(b.context) {
            ""
        } else {
            match b.context {
                Table => "Table",
                Histogram => "Histogram (h)",
                Input => "Filter and search bars",
                Window => "Windows",
                Mouse => "Mouse",
            }
        };
        last = Some(b.context);
        out.push((heading, b.label, b.help));
    }
    out.push((
        "Times",
        "--tz",
        "every window's times (default: this machine's)",
    ));
    out
}
