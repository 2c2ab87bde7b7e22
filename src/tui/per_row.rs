//! The values of each row the viewer's screens use on every frame (time, event kind, noise),
//! pulled out of the rows once as they are read, whether the rows are then held or not.

use polars::prelude::*;

use crate::format::{EventClass, EventId, Field};
use crate::frame::access::{text_column, timestamps_ms};

/// The values of each row the screens use on every frame, in the read's order.
#[derive(Default)]
pub(crate) struct PerRow {
    pub times: Vec<i64>,
    pub kinds: Vec<EventClass>,
    pub noise: Vec<bool>,
}

impl PerRow {
    /// Room for `rows` rows, made at once (grown row by row, a list holds up to twice its
    /// rows while it is copied to a larger place).
    pub fn with_capacity(rows: usize) -> PerRow {
        PerRow {
            times: Vec::with_capacity(rows),
            kinds: Vec::with_capacity(rows),
            noise: Vec::with_capacity(rows),
        }
    }

    /// Gives back the room made for rows the read did not keep.
    pub fn shrink_to_fit(&mut self) {
        self.times.shrink_to_fit();
        self.kinds.shrink_to_fit();
        self.noise.shrink_to_fit();
    }

    /// Adds the rows of `frame` (Timestamp, EventId, Source, Sender and Recipients read).
    pub fn extend(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        self.times.extend(timestamps_ms(frame)?);
        self.kinds.extend(event_kinds(frame)?);
        self.noise.extend(noise_rows(frame)?);
        Ok(())
    }
}

/// Which rows are noise: HA events, Safety Net/shadow sources, system senders or recipients.
fn noise_rows(frame: &DataFrame) -> PolarsResult<Vec<bool>> {
    use crate::format::names::is_system_address;
    let events = text_column(frame, Field::EventId)?;
    let sources = text_column(frame, Field::Source)?;
    let senders = text_column(frame, Field::Sender)?;
    let recipients = crate::frame::access::string_lists(frame, Field::Recipients)?;
    Ok((0..frame.height())
        .map(|i| {
            let event = events.get(i).unwrap_or("");
            let source = sources.get(i).unwrap_or("");
            event.to_ascii_uppercase().starts_with("HA")
                || source.eq_ignore_ascii_case("SAFETYNET")
                || source.eq_ignore_ascii_case("SHADOW")
                || is_system_address(senders.get(i).unwrap_or(""))
                || (!recipients[i].is_empty() && recipients[i].iter().all(|r| is_system_address(r)))
        })
        .collect())
}

fn event_kinds(frame: &DataFrame) -> PolarsResult<Vec<EventClass>> {
    Ok(text_column(frame, Field::EventId)?
        .iter()
        .map(|e| EventId::parse(e.unwrap_or("")).class())
        .collect())
}
