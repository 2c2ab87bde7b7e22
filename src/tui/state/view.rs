//! What the table shows: the filter applied over the loaded rows, the zoom, search, and
//! follow mode's re-reads.

use std::sync::Arc;

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
        let (zoom, hide_noise) = (self.zoom, self.hide_noise);
        self.view = if zoom.is_none() && !hide_noise {
            self.filtered.clone()
        } else {
            let data = &self.data;
            Arc::new(
                self.filtered
                    .iter()
                    .copied()
                    .filter(|r| {
                        let r = *r as usize;
                        let t = data.times[r];
                        zoom.is_none_or(|(from, to)| t >= from && t < to)
                            && !(hide_noise && data.noise.get(r).copied().unwrap_or(false))
                    })
                    .collect(),
            )
        };
        if let Some((column, desc)) = self.sort {
            self.sort_view(column, desc);
        } else if self.reversed {
            Arc::make_mut(&mut self.view).reverse();
        }
        self.selected = keep
            .and_then(|k| self.view.iter().position(|r| *r as usize == k))
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }

    /// Sorts the view by a column (numbers as numbers, text ignoring case), stable so that
    /// equal values keep their time order.
    fn sort_view(&mut self, column: Field, desc: bool) {
        use crate::tui::data::SortKeys;
        let keys = match &self.sort_keys {
            Some((c, generation, keys))
                if *c == column && *generation == self.data.generation() =>
            {
                keys.clone()
            }
            _ => match self.data.sort_keys(column) {
                Ok(keys) => {
                    let keys = std::rc::Rc::new(keys);
                    self.sort_keys = Some((column, self.data.generation(), keys.clone()));
                    keys
                }
                Err(e) => {
                    self.status = format!("cannot sort by {}: {e}", column.name());
                    return;
                }
            },
        };
        let order = |a: &u32, b: &u32| {
            let (a, b) = (*a as usize, *b as usize);
            let o = match keys.as_ref() {
                SortKeys::Numbers(n) => n[a].total_cmp(&n[b]),
                SortKeys::Ranks(r) => r[a].cmp(&r[b]),
            };
            if desc { o.reverse() } else { o }
        };
        Arc::make_mut(&mut self.view).sort_by(order);
    }

    pub(super) fn search_from(&mut self, forward: bool) {
        let needle = self.search.text.to_lowercase();
        if needle.is_empty() || self.view.is_empty() {
            return;
        }
        let columns = self.shown_columns();
        let known = self
            .search_rows
            .as_ref()
            .is_some_and(|(text, shown, generation, _)| {
                *text == needle && *shown == columns && *generation == self.data.generation()
            });
        if !known {
            match self.data.rows_showing(&needle, &columns, &self.zone) {
                Ok(hits) => {
                    self.search_rows = Some((
                        needle.clone(),
                        columns.clone(),
                        self.data.generation(),
                        hits,
                    ))
                }
                Err(e) => {
                    self.status = format!("/{}: {e}", self.search.text);
                    return;
                }
            }
        }
        let Some((_, _, _, hits)) = &self.search_rows else {
            return;
        };
        let n = self.view.len();
        for step in 1..=n {
            let i = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n - step % n) % n
            };
            if hits.get(self.view[i] as usize).copied().unwrap_or(false) {
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
