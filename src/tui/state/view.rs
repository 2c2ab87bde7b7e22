//! What the table shows: the filter applied over the loaded rows, the zoom, search, and
//! follow mode's re-reads.

use super::App;
use crate::query::session::Session;
use crate::tui::filter_bar::{FilterError, apply as apply_filter};

impl App {
    pub(super) fn session(&self) -> Session {
        Session {
            now: self.now,
            zone: self.zone,
            culture: self.culture,
            csv_raw: false,
        }
    }

    /// Re-runs the filter text as typed; on success the view follows it.
    pub(super) fn run_filter(&mut self) {
        self.filter_error = self.filter_with(self.filter.text.clone()).err();
    }

    /// Makes `text` the applied filter and rebuilds the view; on an error nothing changes.
    pub(super) fn filter_with(&mut self, text: String) -> Result<(), FilterError> {
        let filtered = apply_filter(&self.data, &text, self.session(), self.snapshot.as_ref())?;
        self.filtered = filtered.rows;
        self.notes = filtered.notes;
        self.applied_filter = text;
        self.rebuild_view();
        Ok(())
    }

    /// Applies the zoom to the filtered rows, keeping the selected row when it stays.
    pub(super) fn rebuild_view(&mut self) {
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

    pub(super) fn search_from(&mut self, forward: bool) {
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

    pub(super) fn follow_tick(&mut self) {
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
}
