//! A frame's columns as polars types ([`schema`]), and reading values back out of a frame
//! ([`access`], [`events`]).

pub mod access;
pub mod events;
pub(crate) mod schema;

use polars::prelude::*;

/// The same rows in new buffers, value by value: a few rows kept long (a store part's
/// matches, the first events of a group) then do not keep the buffers they were cut from.
pub fn deep_copy(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            let values: Vec<AnyValue<'_>> = s.iter().map(|v| v.into_static()).collect();
            Series::from_any_values_and_dtype(s.name().clone(), &values, s.dtype(), true)
                .map(Series::into_column)
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(frame.height(), columns)
}
