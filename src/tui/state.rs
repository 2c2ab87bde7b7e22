//! Everything the TUI knows, and every change to it. No drawing and no terminal here: the
//! views read an [`App`], the event loop turns keys and mouse into [`Action`]s and hands
//! them to [`App::apply`]. Tests drive an `App` the same way.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::data::LogData;
use super::filter_bar::{FilterError, apply as apply_filter};
use crate::directory::{Directory, Snapshot};
use crate::format::Field;
use crate::format::Zone;
use crate::query::compile::Context;
use crate::query::saved::{SavedQuery, load_folder};
use crate::replay::{self, render};

/// A one-line text input with a cursor (a char index).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEdit {
    pub text: String,
    pub cursor: usize,
}

impl LineEdit {
    fn byte(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    fn insert(&mut self, c: char) {
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    fn edit(&mut self, edit: Edit) {
        match edit {
            Edit::Insert(c) => self.insert(c),
            Edit::Backspace => self.backspace(),
            Edit::Delete => self.delete(),
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = self.text.chars().count(),
            Edit::Clear => self.set(""),
        }
    }
}

/// A change to a text input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Clear,
}

/// Where typed keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Table,
    Filter,
    Search,
    /// Choosing a time range on the histogram.
    Histogram,
}

/// A window over the main screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    /// The column chooser.
    Columns {
        cursor: usize,
    },
    /// The saved-query picker.
    Queries {
        cursor: usize,
        items: Vec<SavedQuery>,
    },
    /// A scrollable text: the journey or the explanation of a message.
    Text {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

/// Everything a key or a click can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    /// Move the selection by this many rows (negative = up).
    Move(i64),
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Select this row of the view.
    SelectRow(usize),
    ToggleDetail,
    OpenJourney,
    OpenExplain,
    OpenHelp,
    OpenColumns,
    OpenQueries,
    CloseOverlay,
    /// Move in a list overlay, or scroll a text overlay.
    OverlayMove(i64),
    /// Space in the column chooser; Enter in the picker.
    OverlayChoose,
    /// Move the chosen column left (-1) or right (+1) in the table.
    OverlayReorder(i64),
    FocusFilter,
    FocusSearch,
    FocusHistogram,
    /// Edit the focused input.
    Edit(Edit),
    /// Enter in an input (apply the filter, run the search, zoom to the range).
    Submit,
    /// Esc in an input (restore the applied filter, drop the search).
    Cancel,
    SearchNext,
    SearchPrev,
    /// Move the histogram cursor by buckets.
    HistogramMove(i64),
    /// Put the range's other end at the cursor.
    HistogramMark,
    /// Zoom to the buckets `from..=to` (mouse drag).
    HistogramZoom(usize, usize),
    ResetZoom,
    Export,
    ToggleFollow,
    /// Time passed (follow mode polls the files).
    Tick,
}

/// The histogram's buckets for the current view, as last drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets {
    pub start_ms: i64,
    pub width_ms: i64,
    /// Rows per bucket, per layer of [`super::views::histogram::LAYERS`].
    pub counts: Vec<[u32; 5]>,
}

impl Buckets {
    /// The time range `[start, end)` of buckets `from..=to`.
    pub fn range(&self, from: usize, to: usize) -> (i64, i64) {
        let (a, b) = (from.min(to) as i64, from.max(to) as i64);
        (
            self.start_ms + a * self.width_ms,
            self.start_ms + (b + 1) * self.width_ms,
        )
    }
}

/// Screen areas the last frame used, for mouse hits and paging.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Hits {
    /// Table body (rows only): x, y, width, height.
    pub table: (u16, u16, u16, u16),
    /// Histogram bars: x, y, width, height.
    pub histogram: (u16, u16, u16, u16),
}

/// The default columns of the table.
pub const DEFAULT_COLUMNS: [Field; 7] = [
    Field::Timestamp,
    Field::Server,
    Field::EventId,
    Field::Source,
    Field::Sender,
    Field::Recipients,
    Field::MessageSubject,
];

/// The whole state of the TUI.
pub struct App {
    pub data: LogData,
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub snapshot: Option<Snapshot>,
    pub directory: Option<Directory>,
    pub queries_dir: PathBuf,
    /// Rows the filter keeps (indices into the data's frame), in time order.
    pub filtered: Vec<u32>,
    /// Rows shown: the filtered rows inside the zoom range.
    pub view: Vec<u32>,
    pub zoom: Option<(i64, i64)>,
    /// Index into `view`.
    pub selected: usize,
    /// First row of `view` on screen.
    pub offset: usize,
    /// Every column with whether the table shows it, in table order.
    pub columns: Vec<(Field, bool)>,
    pub filter: LineEdit,
    /// The filter the view reflects.
    pub applied_filter: String,
    pub filter_error: Option<FilterError>,
    pub notes: Vec<String>,
    pub search: LineEdit,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    pub show_detail: bool,
    pub follow: bool,
    pub histogram_cursor: usize,
    pub histogram_anchor: Option<usize>,
    pub buckets: Buckets,
    /// The (view version, width) `buckets` were counted for: the histogram recounts only
    /// when the view or the width changed, not on every frame.
    pub buckets_for: Option<(u64, u16)>,
    /// Bumped whenever `view` changes.
    pub view_version: u64,
    pub hits: Hits,
    /// One line for the status bar (what just happened).
    pub status: String,
    pub quit: bool,
    ticks: u64,
}

impl App {
    /// A new session over loaded logs.
    pub fn new(
        data: LogData,
        zone: Zone,
        snapshot: Option<Snapshot>,
        queries_dir: PathBuf,
        now: DateTime<Utc>,
    ) -> App {
        let all: Vec<u32> = data.order.clone();
        let mut columns: Vec<(Field, bool)> = DEFAULT_COLUMNS.iter().map(|c| (*c, true)).collect();
        columns.extend(
            Field::ALL
                .iter()
                .filter(|c| !DEFAULT_COLUMNS.contains(c))
                .map(|c| (*c, false)),
        );
        let bad = data.diagnostics.len();
        let status = if bad > 0 {
            format!(
                "{} rows read; {bad} problem(s) reading the files (run `msgtrack ingest PATH -v` for the list)",
                data.len()
            )
        } else {
            format!("{} rows read. Press ? for help.", data.len())
        };
        App {
            directory: snapshot.clone().map(Directory::new),
            snapshot,
            data,
            zone,
            now,
            queries_dir,
            filtered: all.clone(),
            view: all,
            zoom: None,
            selected: 0,
            offset: 0,
            columns,
            filter: LineEdit::default(),
            applied_filter: String::new(),
            filter_error: None,
            notes: Vec::new(),
            search: LineEdit::default(),
            focus: Focus::Table,
            overlay: None,
            show_detail: false,
            follow: false,
            histogram_cursor: 0,
            histogram_anchor: None,
            buckets: Buckets::default(),
            buckets_for: None,
            view_version: 0,
            hits: Hits::default(),
            status,
            quit: false,
            ticks: 0,
        }
    }

    /// The columns the table shows, in order.
    pub fn shown_columns(&self) -> Vec<Field> {
        self.columns
            .iter()
            .filter(|(_, on)| *on)
            .map(|(c, _)| *c)
            .collect()
    }

    /// The data row under the selection.
    pub fn selected_row(&self) -> Option<usize> {
        self.view.get(self.selected).map(|r| *r as usize)
    }

    fn context(&self) -> Context {
        Context {
            now: self.now,
            zone: self.zone,
        }
    }

    /// Re-runs the filter text as typed; on success the view follows it.
    fn run_filter(&mut self) {
        self.filter_error = self.filter_with(self.filter.text.clone()).err();
    }

    /// Makes `text` the applied filter and rebuilds the view; on an error nothing changes.
    fn filter_with(&mut self, text: String) -> Result<(), FilterError> {
        let filtered = apply_filter(&self.data, &text, &self.context(), self.snapshot.as_ref())?;
        self.filtered = filtered.rows;
        self.notes = filtered.notes;
        if self.filtered.is_empty() && text.to_ascii_lowercase().contains("get-date") {
            self.notes.push(format!(
                "(Get-Date) is {}; logs from another day need `msgtrack tui --now TIME`",
                self.zone.format_ms(self.now.timestamp_millis())
            ));
        }
        self.applied_filter = text;
        self.rebuild_view();
        Ok(())
    }

    /// Applies the zoom to the filtered rows, keeping the selected row when it stays.
    fn rebuild_view(&mut self) {
        self.view_version += 1;
        let keep = self.selected_row();
        self.view = match self.zoom {
            None => self.filtered.clone(),
            Some((from, to)) => self
                .filtered
                .iter()
                .copied()
                .filter(|r| {
                    let t = self.data.times[*r as usize];
                    t >= from && t < to
                })
                .collect(),
        };
        self.selected = keep
            .and_then(|k| self.view.iter().position(|r| *r as usize == k))
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }

    fn page(&self) -> usize {
        usize::from(self.hits.table.3.max(1))
    }

    fn move_to(&mut self, index: i64) {
        let last = self.view.len().saturating_sub(1) as i64;
        self.selected = index.clamp(0, last.max(0)) as usize;
    }

    /// The text of the selected message's journey or explanation.
    fn message_text(&mut self, explain: bool) {
        let Some(row) = self.selected_row() else {
            self.status = "no row selected".into();
            return;
        };
        let id = self.data.cell(row, Field::MessageId, &self.zone);
        if id.is_empty() {
            self.status = "this row has no Message-ID, so it has no journey".into();
            return;
        }
        let rows = match replay::load(&self.data.paths, &id) {
            Ok(rows) => rows,
            Err(e) => {
                self.status = format!("could not read the message's rows: {e}");
                return;
            }
        };
        let (title, text) = if explain {
            let explanation = replay::explain(&rows.events, self.directory.as_ref());
            let mut text = render::explanation_text(&explanation);
            if self.directory.is_none() {
                text = format!(
                    "(no --directory snapshot: reasons are inferred from the log alone)\n\n{text}"
                );
            }
            (format!("Explain {id}"), text)
        } else {
            let journey = replay::trail(&rows);
            (
                format!("Journey {id}"),
                render::journey_text(&journey, self.zone),
            )
        };
        self.overlay = Some(Overlay::Text {
            title,
            lines: text.lines().map(str::to_string).collect(),
            scroll: 0,
        });
    }

    fn search_from(&mut self, forward: bool) {
        let needle = self.search.text.to_lowercase();
        if needle.is_empty() || self.view.is_empty() {
            return;
        }
        let columns = self.shown_columns();
        let n = self.view.len();
        for step in 1..=n {
            let i = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n - step % n) % n
            };
            let row = self.view[i] as usize;
            let hit = columns.iter().any(|c| {
                self.data
                    .cell(row, *c, &self.zone)
                    .to_lowercase()
                    .contains(&needle)
            });
            if hit {
                self.selected = i;
                self.status = format!("/{}: row {} of {}", self.search.text, i + 1, n);
                return;
            }
        }
        self.status = format!("/{}: not found in the shown columns", self.search.text);
    }

    /// Writes the view (shown columns) to a CSV file in the current folder.
    fn export(&mut self) {
        let name = format!("msgtrack-view-{}.csv", Utc::now().format("%Y%m%d-%H%M%S"));
        self.status = match self.write_csv(std::path::Path::new(&name)) {
            Ok(()) => format!("exported {} rows to {name}", self.view.len()),
            Err(e) => format!("export failed: {e}"),
        };
    }

    /// Writes the view's shown columns to `path`.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<(), csv::Error> {
        let columns = self.shown_columns();
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(columns.iter().map(|c| c.name()))?;
        for row in &self.view {
            w.write_record(
                columns
                    .iter()
                    .map(|c| self.data.cell(*row as usize, *c, &self.zone)),
            )?;
        }
        w.flush()?;
        Ok(())
    }

    fn follow_tick(&mut self) {
        let at_end = self.selected + 1 >= self.view.len();
        match self.data.refresh() {
            Ok(0) => {}
            Ok(added) => {
                // The applied filter, not what may be half-typed in the bar.
                self.status = match self.filter_with(self.applied_filter.clone()) {
                    Ok(()) => format!("follow: {added} new rows"),
                    Err(e) => format!("follow: {added} new rows; the filter failed: {}", e.message),
                };
                if at_end {
                    self.selected = self.view.len().saturating_sub(1);
                }
            }
            Err(e) => self.status = format!("follow: {e}"),
        }
    }

    /// Carries out one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Move(n) => self.move_to(self.selected as i64 + n),
            Action::PageUp => self.move_to(self.selected as i64 - self.page() as i64),
            Action::PageDown => self.move_to(self.selected as i64 + self.page() as i64),
            Action::Top => self.move_to(0),
            Action::Bottom => self.move_to(self.view.len() as i64),
            Action::SelectRow(i) => self.move_to(i as i64),
            Action::ToggleDetail => self.show_detail = !self.show_detail,
            Action::OpenJourney => self.message_text(false),
            Action::OpenExplain => self.message_text(true),
            Action::OpenHelp => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::OpenColumns => self.overlay = Some(Overlay::Columns { cursor: 0 }),
            Action::OpenQueries => match load_folder(&self.queries_dir) {
                Ok(items) if !items.is_empty() => {
                    self.overlay = Some(Overlay::Queries { cursor: 0, items })
                }
                Ok(_) => {
                    self.status =
                        format!("no saved queries (*.ps1) in {}", self.queries_dir.display())
                }
                Err(e) => {
                    self.status = format!(
                        "cannot read saved queries in {}: {e} (give --queries FOLDER)",
                        self.queries_dir.display()
                    )
                }
            },
            Action::CloseOverlay => self.overlay = None,
            Action::OverlayMove(n) => self.overlay_move(n),
            Action::OverlayChoose => self.overlay_choose(),
            Action::OverlayReorder(n) => self.overlay_reorder(n),
            Action::FocusFilter => self.focus = Focus::Filter,
            Action::FocusSearch => {
                self.search.set("");
                self.focus = Focus::Search;
            }
            Action::FocusHistogram => {
                self.focus = Focus::Histogram;
                self.histogram_anchor = None;
                self.status =
                    "histogram: ←/→ move, space marks one end, Enter zooms, Esc leaves".into();
            }
            Action::Edit(edit) => match self.focus {
                Focus::Filter => {
                    self.filter.edit(edit);
                    self.run_filter();
                }
                Focus::Search => self.search.edit(edit),
                _ => {}
            },
            Action::Submit => match self.focus {
                Focus::Filter => {
                    self.run_filter();
                    if self.filter_error.is_none() {
                        self.focus = Focus::Table;
                        self.status = format!("{} rows match", self.filtered.len());
                    }
                }
                Focus::Search => {
                    self.focus = Focus::Table;
                    self.search_from(true);
                }
                Focus::Histogram => {
                    let anchor = self.histogram_anchor.unwrap_or(self.histogram_cursor);
                    self.apply(Action::HistogramZoom(anchor, self.histogram_cursor));
                    self.focus = Focus::Table;
                }
                Focus::Table => self.message_text(false),
            },
            Action::Cancel => {
                if self.focus == Focus::Filter && self.filter.text != self.applied_filter {
                    let applied = self.applied_filter.clone();
                    self.filter.set(&applied);
                    self.filter_error = None;
                }
                self.focus = Focus::Table;
            }
            Action::SearchNext => self.search_from(true),
            Action::SearchPrev => self.search_from(false),
            Action::HistogramMove(n) => {
                let last = self.buckets.counts.len().saturating_sub(1) as i64;
                self.histogram_cursor =
                    (self.histogram_cursor as i64 + n).clamp(0, last.max(0)) as usize;
            }
            Action::HistogramMark => self.histogram_anchor = Some(self.histogram_cursor),
            Action::HistogramZoom(from, to) => {
                if self.buckets.counts.is_empty() {
                    return;
                }
                let (start, end) = self.buckets.range(from, to);
                self.zoom = Some((start, end));
                self.histogram_anchor = None;
                self.histogram_cursor = 0;
                self.rebuild_view();
                self.status = format!(
                    "zoomed to {} – {} ({} rows); z resets",
                    self.zone.format_ms(start),
                    self.zone.format_ms(end),
                    self.view.len()
                );
            }
            Action::ResetZoom => {
                self.zoom = None;
                self.rebuild_view();
                self.status = "zoom reset".into();
            }
            Action::Export => self.export(),
            Action::ToggleFollow => {
                self.follow = !self.follow;
                self.status = if self.follow {
                    "follow on: new rows appended to the files appear as they are written".into()
                } else {
                    "follow off".into()
                };
            }
            Action::Tick => {
                self.ticks += 1;
                if self.follow && self.ticks.is_multiple_of(4) {
                    self.follow_tick();
                }
            }
        }
    }

    fn overlay_move(&mut self, n: i64) {
        let columns = self.columns.len();
        match &mut self.overlay {
            Some(Overlay::Columns { cursor }) => {
                *cursor = (*cursor as i64 + n).clamp(0, columns as i64 - 1) as usize
            }
            Some(Overlay::Queries { cursor, items }) => {
                *cursor = (*cursor as i64 + n).clamp(0, items.len() as i64 - 1) as usize
            }
            Some(Overlay::Text { scroll, lines, .. }) => {
                *scroll =
                    (*scroll as i64 + n).clamp(0, lines.len().saturating_sub(1) as i64) as usize
            }
            Some(Overlay::Help { scroll }) => {
                let last = super::bindings::BINDINGS.len().saturating_sub(1) as i64;
                *scroll = (*scroll as i64 + n).clamp(0, last) as usize
            }
            _ => {}
        }
    }

    fn overlay_choose(&mut self) {
        match self.overlay.clone() {
            Some(Overlay::Columns { cursor }) => {
                if let Some(entry) = self.columns.get_mut(cursor) {
                    entry.1 = !entry.1;
                }
                if self.shown_columns().is_empty() {
                    self.columns[cursor].1 = true;
                    self.status = "the table needs at least one column".into();
                }
            }
            Some(Overlay::Queries { cursor, items }) => {
                if let Some(q) = items.get(cursor) {
                    self.filter.set(&q.expression);
                    self.overlay = None;
                    self.run_filter();
                    self.focus = if self.filter_error.is_some() {
                        Focus::Filter
                    } else {
                        Focus::Table
                    };
                    self.status = format!("{}: {} rows", q.name, self.filtered.len());
                }
            }
            _ => {}
        }
    }

    fn overlay_reorder(&mut self, n: i64) {
        if let Some(Overlay::Columns { cursor }) = &mut self.overlay {
            let to = (*cursor as i64 + n).clamp(0, self.columns.len() as i64 - 1) as usize;
            self.columns.swap(*cursor, to);
            *cursor = to;
        }
    }

    /// Keeps the selection on screen for a table body `height` rows tall.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.view.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }
}
