//! A frame's columns as polars types ([`schema`]), and reading values back out of a frame
//! ([`access`], [`events`]).

pub mod access;
pub mod events;
pub(crate) mod schema;

use polars::prelude::*;

/// The rows of `frame` where `mask` is true, column after column on the calling thread.
/// `DataFrame::filter` hands the columns to polars' own thread pool: from a task of a
/// parallel read that is a wait on the other pool per call (thousands of thread switches in
/// a read of a few hundred parts), for columns that take microseconds each.
pub fn filter_rows(frame: &DataFrame, mask: &BooleanChunked) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| c.filter(mask))
        .collect::<PolarsResult<Vec<_>>>()?;
    let height = mask.sum().unwrap_or(0) as usize;
    DataFrame::new(height, columns)
}

/// The rows of `frame` at `at`, in that order, column after column on the calling thread
/// (see [`filter_rows`]).
pub fn take_rows(frame: &DataFrame, at: &IdxCa) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| c.take(at))
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(at.len(), columns)
}

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
