//! Everything the TUI knows, and every change to it. No drawing and no terminal here: the
//! views read an [`App`], the event loop turns keys and mouse into [`Action`]s and hands
//! them to [`App::apply`]. Tests drive an `App` the same way.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

mod line_edit;
mod overlays;
mod view;

pub use line_edit::{Edit, LineEdit};

use super::data::{LogData, RowList};
use super::filter_bar::FilterError;
use crate::directory::{Directory, Snapshot};
use crate::format::Field;
use crate::format::Zone;
use crate::query::saved::{SavedQuery, load_default};

/// Where typed keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The event table.
    Table,
    /// The filter bar.
    Filter,
    /// The search bar (`/`).
    Search,
    /// Choosing a time range on the histogram.
    Histogram,
}

/// A window over the main screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key help, scrolled.
    Help {
        /// The scroll.
        scroll: usize,
    },
    /// The column chooser.
    Columns {
        /// The cursor.
        cursor: usize,
    },
    /// The saved-query picker.
    Queries {
        /// The cursor.
        cursor: usize,
        /// The items.
        items: Vec<SavedQuery>,
    },
    /// A scrollable text: the journey or the explanation of a message.
    Text {
        /// The title.
        title: String,
        /// The lines.
        lines: Vec<String>,
        /// The scroll.
        scroll: usize,
    },
}

/// Everything a key or a click can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Leave the TUI.
    Quit,
    /// Move the selection by this many rows (negative = up).
    Move(i64),
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// The first row.
    Top,
    /// The last row.
    Bottom,
    /// Select this row of the view.
    SelectRow(usize),
    /// Toggle detail.
    ToggleDetail,
    /// Open journey.
    OpenJourney,
    /// Open explain.
    OpenExplain,
    /// Open help.
    OpenHelp,
    /// Open columns.
    OpenColumns,
    /// Open queries.
    OpenQueries,
    /// Close overlay.
    CloseOverlay,
    /// Move in a list overlay, or scroll a text overlay.
    OverlayMove(i64),
    /// Space in the column chooser; Enter in the picker.
    OverlayChoose,
    /// Move the chosen column left (-1) or right (+1) in the table.
    OverlayReorder(i64),
    /// Focus filter.
    FocusFilter,
    /// Focus search.
    FocusSearch,
    /// Focus histogram.
    FocusHistogram,
    /// Edit the focused input.
    Edit(Edit),
    /// Enter in an input (apply the filter, run the search, zoom to the range).
    Submit,
    /// Esc in an input (restore the applied filter, drop the search).
    Cancel,
    /// Search next.
    SearchNext,
    /// Search prev.
    SearchPrev,
    /// Move the histogram cursor by buckets.
    HistogramMove(i64),
    /// Put the range's other end at the cursor.
    HistogramMark,
    /// Zoom to the buckets `from..=to` (mouse drag).
    HistogramZoom(usize, usize),
    /// Reset zoom.
    ResetZoom,
    /// Write the view to a CSV file.
    Export,
    /// Toggle follow.
    ToggleFollow,
    /// Time passed (follow mode polls the files).
    Tick,
    /// Scroll the table's columns (the first one stays).
    ScrollColumns(i64),
    /// Sort by the next shown column.
    SortNext,
    /// Reverse the sort.
    SortReverse,
    /// Hide or show noise rows.
    ToggleNoise,
    /// Scroll the detail pane by lines.
    DetailScroll(i64),
}

/// The histogram's buckets for the current view, as last drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets {
    /// The start ms.
    pub start_ms: i64,
    /// The width ms.
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

/// The most rows filtered as the filter is typed; over more, Enter runs it.
pub const LIVE_FILTER_ROWS: usize = 100_000;

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
    /// The data.
    pub data: LogData,
    /// The zone.
    pub zone: Zone,
    /// The now.
    pub now: DateTime<Utc>,
    /// The shell culture the filter reads dates in.
    pub culture: &'static crate::pwsh::culture::Culture,
    /// The snapshot it indexes.
    pub snapshot: Option<Snapshot>,
    /// The directory.
    pub directory: Option<Directory>,
    /// The saved-query folder given (`None`: found as `msgtrack queries` finds it).
    pub queries_dir: Option<PathBuf>,
    /// Rows the filter keeps (indices into the data's frame), in time order.
    pub filtered: RowList,
    /// Rows shown: the filtered rows inside the zoom range (the filtered rows themselves,
    /// shared, when neither the zoom nor the noise toggle leaves any out and no sort orders
    /// them).
    pub view: RowList,
    /// The zoom.
    pub zoom: Option<(i64, i64)>,
    /// Index into `view`.
    pub selected: usize,
    /// First row of `view` on screen.
    pub offset: usize,
    /// Every column with whether the table shows it, in table order.
    pub columns: Vec<(Field, bool)>,
    /// The filter.
    pub filter: LineEdit,
    /// The filter the view reflects.
    pub applied_filter: String,
    /// The filter error.
    pub filter_error: Option<FilterError>,
    /// Lines under the title.
    pub notes: Vec<String>,
    /// The search.
    pub search: LineEdit,
    /// The focus.
    pub focus: Focus,
    /// The overlay.
    pub overlay: Option<Overlay>,
    /// The show detail.
    pub show_detail: bool,
    /// First line of the detail pane shown.
    pub detail_scroll: usize,
    /// Noise rows (see `LogData::noise`) left out of the view.
    pub hide_noise: bool,
    /// Columns scrolled off to the left (after the first shown column).
    pub column_offset: usize,
    /// The column the view is sorted by and whether descending; `None`: time order.
    pub sort: Option<(Field, bool)>,
    /// Time order reversed (`O` with no sort column).
    pub reversed: bool,
    /// The follow.
    pub follow: bool,
    /// The histogram cursor.
    pub histogram_cursor: usize,
    /// The histogram anchor.
    pub histogram_anchor: Option<usize>,
    /// The buckets.
    pub buckets: Buckets,
    /// The (view version, width) `buckets` were counted for: the histogram recounts only
    /// when the view or the width changed, not on every frame.
    pub buckets_for: Option<(u64, u16)>,
    /// Bumped whenever `view` changes.
    pub view_version: u64,
    /// The hits.
    pub hits: Hits,
    /// The last `/` search's rows (its text, the columns searched, the rows' generation):
    /// `n` and `N` move among them without reading the rows again.
    search_rows: Option<(String, Vec<Field>, u64, Vec<bool>)>,
    /// The last sort's keys (its column, the rows' generation): a sort kept while the view
    /// changes (a filter, the zoom) does not read them again.
    sort_keys: Option<(Field, u64, std::rc::Rc<crate::tui::data::SortKeys>)>,
    /// One line for the status bar (what just happened).
    pub status: String,
    /// The quit.
    pub quit: bool,
    ticks: u64,
}

impl App {
    /// A new session over loaded logs.
    pub fn new(
        data: LogData,
        zone: Zone,
        snapshot: Option<Snapshot>,
        queries_dir: Option<PathBuf>,
        now: DateTime<Utc>,
    ) -> App {
        let all = data.order.clone();
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
            culture: crate::pwsh::culture::Culture::find("en-US").expect("en-US is known"),
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
            detail_scroll: 0,
            hide_noise: false,
            column_offset: 0,
            sort: None,
            reversed: false,
            follow: false,
            histogram_cursor: 0,
            histogram_anchor: None,
            buckets: Buckets::default(),
            buckets_for: None,
            view_version: 0,
            hits: Hits::default(),
            search_rows: None,
            sort_keys: None,
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

    pub(super) fn page(&self) -> usize {
        usize::from(self.hits.table.3.max(1))
    }

    pub(super) fn move_to(&mut self, index: i64) {
        let last = self.view.len().saturating_sub(1) as i64;
        self.selected = index.clamp(0, last.max(0)) as usize;
    }

    /// What to tell the user before `action` runs when it may take a while: a filter, a
    /// search, a sort or an export over many rows (a store's read again). The event loop
    /// draws it first, so that a wait is never a frozen screen.
    pub fn working_note(&self, action: &Action) -> Option<String> {
        let rows = self.data.len();
        if rows <= LIVE_FILTER_ROWS {
            return None;
        }
        let what = match action {
            Action::Submit if self.focus == Focus::Filter => "filtering",
            Action::Submit if self.focus == Focus::Search => "searching",
            Action::SearchNext | Action::SearchPrev => "searching",
            Action::SortNext | Action::SortReverse => "sorting",
            Action::Export => "exporting",
            _ => return None,
        };
        Some(format!("{what} {rows} rows…"))
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
            Action::ToggleDetail => {
                self.show_detail = !self.show_detail;
                self.detail_scroll = 0;
            }
            Action::DetailScroll(n) => {
                if self.show_detail {
                    self.detail_scroll = (self.detail_scroll as i64 + n).max(0) as usize;
                } else {
                    self.status = "the detail pane is closed: d opens it".into();
                }
            }
            Action::ScrollColumns(n) => {
                let shown = self.shown_columns().len().saturating_sub(2);
                self.column_offset =
                    (self.column_offset as i64 + n).clamp(0, shown as i64) as usize;
            }
            Action::SortNext => {
                let shown = self.shown_columns();
                let next = match self.sort {
                    None => shown.iter().find(|c| **c != Field::Timestamp).copied(),
                    Some((c, _)) => shown
                        .iter()
                        .skip_while(|x| **x != c)
                        .nth(1)
                        .copied()
                        .filter(|c| *c != Field::Timestamp),
                };
                self.sort = next.map(|c| (c, false));
                self.reversed = false;
                self.rebuild_view();
                self.status = match self.sort {
                    Some((c, _)) => {
                        format!("sorted by {} ▲ (O reverses, o the next column)", c.name())
                    }
                    None => "time order".into(),
                };
            }
            Action::SortReverse => {
                match &mut self.sort {
                    Some((_, desc)) => *desc = !*desc,
                    None => self.reversed = !self.reversed,
                }
                self.rebuild_view();
                self.status = match self.sort {
                    Some((c, desc)) => {
                        format!("sorted by {} {}", c.name(), if desc { "▼" } else { "▲" })
                    }
                    None if self.reversed => "time order, newest first".into(),
                    None => "time order".into(),
                };
            }
            Action::ToggleNoise => {
                self.hide_noise = !self.hide_noise;
                self.rebuild_view();
                let hidden = self
                    .filtered
                    .iter()
                    .filter(|r| self.data.noise[**r as usize])
                    .count();
                self.status = if self.hide_noise {
                    format!(
                        "noise hidden: {hidden} rows of shadow redundancy, Safety Net, health and system mailboxes (H shows them)"
                    )
                } else {
                    "noise shown".into()
                };
            }
            Action::OpenJourney => self.message_text(false),
            Action::OpenExplain => self.message_text(true),
            Action::OpenHelp => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::OpenColumns => self.overlay = Some(Overlay::Columns { cursor: 0 }),
            Action::OpenQueries => match load_default(self.queries_dir.as_deref()) {
                Ok((items, _)) if !items.is_empty() => {
                    self.overlay = Some(Overlay::Queries { cursor: 0, items })
                }
                Ok((_, from)) => self.status = format!("no saved queries (*.ps1) in {from}"),
                Err(e) => {
                    self.status =
                        format!("cannot read the saved queries: {e} (give --queries FOLDER)")
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
                    // Filtered as typed when a filter is quick; over many rows (a store read
                    // again, a million rows tested) on Enter only, so that typing stays quick.
                    if self.data.len() <= LIVE_FILTER_ROWS {
                        self.run_filter();
                    } else {
                        self.filter_error = None;
                        self.status = format!(
                            "Enter filters the {} rows (Esc leaves the filter as it was)",
                            self.data.len()
                        );
                    }
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
