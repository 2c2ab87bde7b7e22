//! What the table shows: the filter applied over the loaded rows, the zoom, search, and
//! follow mode's re-reads.

use super::App;
use crate::format::Field;
use crate::query::session::Session;
use crate::tui::filter_bar::{FilterError, apply as apply_filter};

impl App {
    pub(super) fn session(&self) -> Session {
        Session {
            now: self.now,
            zone: self.zone,
            culture: self.culture,
            csv_raw: false,
            shown: Default::default(),
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
        self.view = self
            .filtered
            .iter()
            .copied()
            .filter(|r| {
                let r = *r as usize;
                let t = self.data.times[r];
                self.zoom.is_none_or(|(from, to)| t >= from && t < to)
                    && !(self.hide_noise && self.data.noise.get(r).copied().unwrap_or(false))
            })
            .collect();
        if let Some((column, desc)) = self.sort {
            self.sort_view(column, desc);
        } else if self.reversed {
            self.view.reverse();
        }
        self.selected = keep
            .and_then(|k| self.view.iter().position(|r| *r as usize == k))
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }

    /// Sorts the view by a column (numbers as numbers, text ignoring case), stable so that
    /// equal values keep their time order.
    fn sort_view(&mut self, column: Field, desc: bool) {
        use crate::format::FieldKind;
        let numeric = matches!(column.kind(), FieldKind::Integer | FieldKind::Timestamp)
            || column == Field::Line;
        let keys: Vec<(u32, f64, String)> = self
            .view
            .iter()
            .map(|&r| {
                let text = self.data.cell(r as usize, column, &self.zone);
                let n = if column == Field::Timestamp {
                    self.data.times[r as usize] as f64
                } else {
                    text.parse::<f64>().unwrap_or(f64::NEG_INFINITY)
                };
                (r, n, text.to_lowercase())
            })
            .collect();
        let mut keys = keys;
        keys.sort_by(|a, b| {
            let o = if numeric {
                a.1.total_cmp(&b.1)
            } else {
                a.2.cmp(&b.2)
            };
            if desc { o.reverse() } else { o }
        });
        self.view = keys.into_iter().map(|(r, _, _)| r).collect();
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
