//! The windows over the table (journey, explanation, help, saved queries, columns) and the
//! CSV export.

use chrono::Utc;

use super::{App, Focus, Overlay};
use crate::format::Field;
use crate::replay::{self, render};

impl App {
    /// The text of the selected message's journey or explanation.
    pub(super) fn message_text(&mut self, explain: bool) {
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
            let mut text = render::explanation_text(&explanation, self.zone);
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

    /// Writes the view (shown columns) to a CSV file in the current folder.
    pub(super) fn export(&mut self) {
        let name = format!("msgtrack-view-{}.csv", Utc::now().format("%Y%m%d-%H%M%S"));
        self.status = match self.write_csv(std::path::Path::new(&name)) {
            Ok(()) => format!("exported {} rows to {name}", self.view.len()),
            Err(e) => format!("export failed: {e}"),
        };
    }

    /// Writes the view's shown columns to `path`.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<(), String> {
        self.write_csv_in_chunks(path, EXPORT_CHUNK_ROWS)
    }

    /// [`App::write_csv`], the view's rows read `chunk_rows` at a time (a store's rows are read
    /// together by their places: a page at a time, the rows' row groups were decoded again
    /// for every 256 rows).
    pub fn write_csv_in_chunks(
        &self,
        path: &std::path::Path,
        chunk_rows: usize,
    ) -> Result<(), String> {
        let written = self.write_csv_rows(path, chunk_rows);
        if written.is_err() {
            // (No file of the rows before the failure, to be taken for the view.)
            let _ = std::fs::remove_file(path);
        }
        written
    }

    /// [`App::write_csv_in_chunks`], leaving what was written on a failure.
    fn write_csv_rows(&self, path: &std::path::Path, chunk_rows: usize) -> Result<(), String> {
        let failed = |e: csv::Error| e.to_string();
        let columns = self.shown_columns();
        let mut w = csv::Writer::from_path(path).map_err(failed)?;
        w.write_record(columns.iter().map(|c| c.name()))
            .map_err(failed)?;
        for rows in self.view.chunks(chunk_rows.max(1)) {
            for cells in self.data.cells(rows, &columns, &self.zone)? {
                w.write_record(cells.into_iter().map(|text| {
                    // Log fields opened in a spreadsheet: a formula start is guarded.
                    if text.parse::<f64>().is_ok() {
                        text
                    } else {
                        crate::escape::spreadsheet::guard(&text).into_owned()
                    }
                }))
                .map_err(failed)?;
            }
        }
        w.flush().map_err(|e| e.to_string())?;
        Ok(())
    }

    pub(super) fn overlay_move(&mut self, n: i64) {
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
                let lines: usize = crate::tui::bindings::help_lines()
                    .iter()
                    .map(|(h, _, _)| 1 + usize::from(!h.is_empty()))
                    .sum();
                let last = lines.saturating_sub(1) as i64;
                *scroll = (*scroll as i64 + n).clamp(0, last) as usize
            }
            _ => {}
        }
    }

    pub(super) fn overlay_choose(&mut self) {
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

    pub(super) fn overlay_reorder(&mut self, n: i64) {
        if let Some(Overlay::Columns { cursor }) = &mut self.overlay {
            let to = (*cursor as i64 + n).clamp(0, self.columns.len() as i64 - 1) as usize;
            self.columns.swap(*cursor, to);
            *cursor = to;
        }
    }
}

/// View rows an export reads at once (their cells held as text meanwhile: some 15 MB).
const EXPORT_CHUNK_ROWS: usize = 16_384;
