//! The filter bar's query over the loaded rows: over held rows, the query engine's row
//! selection of the frame; over a store's, the same selection made a batch at a time, the
//! parameters' conditions pushed into the read (so `-EventId FAIL` reads the row groups that
//! may hold FAIL rows), and read again with every column should a stage ask for one the
//! analysis did not foresee.

use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::pwsh::parse::ParseError;
use crate::query::in_memory::{FilterHost, RowSelection, RowSelector, select_rows};
use crate::query::session::Session;

use super::data::LogData;

impl LogData {
    /// The rows the pasted line `text` keeps.
    pub fn select(
        &self,
        text: &str,
        session: Session,
        snapshot: Option<&Snapshot>,
    ) -> Result<RowSelection, ParseError> {
        if let Some(frame) = self.held_frame() {
            return select_rows(frame, text, session, snapshot);
        }
        let host = FilterHost::new(session);
        let selector = RowSelector::new(&host, text, snapshot)?;
        let mut columns = selector.columns();
        columns.insert(Field::Timestamp);
        match self.select_with(selector, columns)? {
            Some(selection) => Ok(selection),
            None => {
                let selector = RowSelector::new(&host, text, snapshot)?;
                self.select_with(selector, FieldSet::all())?
                    .ok_or_else(|| ParseError::new("the filter asked for a column of no row", 0..0))
            }
        }
    }

    /// The selection `selector` makes of a store's rows, reading `columns` of the rows its
    /// parameters keep; `None` when a stage asked for a column not read.
    fn select_with(
        &self,
        mut selector: RowSelector<'_>,
        columns: FieldSet,
    ) -> Result<Option<RowSelection>, ParseError> {
        let mut keep = vec![false; self.len()];
        let mut failed: Option<ParseError> = None;
        let filter = selector.filter().clone();
        let read = self.each_batch(columns, &filter, &mut |frame, rows| match selector
            .keep(frame, true)
        {
            Ok(kept) => {
                for (r, k) in rows.iter().zip(kept) {
                    if let Some(flag) = keep.get_mut(*r as usize) {
                        *flag = k;
                    }
                }
                Ok(())
            }
            Err(e) => {
                failed = Some(e);
                Err(String::new())
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(|e| ParseError::new(format!("reading the store failed: {e}"), 0..0))?;
        if selector.lacked_columns() {
            return Ok(None);
        }
        let times = if keep.iter().any(|k| *k) {
            None
        } else {
            self.times
                .iter()
                .min()
                .zip(self.times.iter().max())
                .map(|(a, b)| (*a, *b))
        };
        let (ignored, notes) = selector.finish(times);
        Ok(Some(RowSelection {
            keep,
            ignored,
            notes,
        }))
    }
}
