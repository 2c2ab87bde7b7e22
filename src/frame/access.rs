//! Reading values back out of an ingested frame as plain Rust values (for printers, the
//! journey and replay code, and tests).

use polars::prelude::*;

use super::schema::Column;

/// A text or categorical column as optional strings.
pub fn strings(df: &DataFrame, column: Column) -> PolarsResult<Vec<Option<String>>> {
    let series = df
        .column(column.name())?
        .as_materialized_series()
        .cast(&DataType::String)?;
    Ok(series
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A list-of-strings column (Recipients, RecipientStatus, Reference).
pub fn string_lists(df: &DataFrame, column: Column) -> PolarsResult<Vec<Vec<String>>> {
    let lists = df.column(column.name())?.list()?.clone();
    let mut out = Vec::with_capacity(lists.len());
    for item in lists.amortized_iter() {
        let values = match item {
            Some(series) => series
                .as_ref()
                .str()?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
            None => Vec::new(),
        };
        out.push(values);
    }
    Ok(out)
}

/// The EventData column as (key, value) pairs per row.
pub fn event_data(df: &DataFrame) -> PolarsResult<Vec<Vec<(String, String)>>> {
    let lists = df.column(Column::EventData.name())?.list()?.clone();
    let mut out = Vec::with_capacity(lists.len());
    for item in lists.amortized_iter() {
        let mut pairs = Vec::new();
        if let Some(series) = item {
            let fields = series.as_ref().struct_()?.fields_as_series();
            let keys = fields[0].cast(&DataType::String)?;
            let keys = keys.str()?;
            let values = fields[1].str()?;
            for (k, v) in keys.iter().zip(values.iter()) {
                pairs.push((
                    k.unwrap_or_default().to_string(),
                    v.unwrap_or_default().to_string(),
                ));
            }
        }
        out.push(pairs);
    }
    Ok(out)
}

/// The Timestamp column as milliseconds since the epoch (UTC).
pub fn timestamps_ms(df: &DataFrame) -> PolarsResult<Vec<i64>> {
    let series = df
        .column(Column::Timestamp.name())?
        .as_materialized_series()
        .cast(&DataType::Int64)?;
    Ok(series
        .i64()?
        .iter()
        .map(|v| v.unwrap_or_default())
        .collect())
}

/// An integer column (TotalBytes, RecipientCount, Line) as optional numbers.
pub fn integers(df: &DataFrame, column: Column) -> PolarsResult<Vec<Option<i64>>> {
    let series = df
        .column(column.name())?
        .as_materialized_series()
        .cast(&DataType::Int64)?;
    Ok(series.i64()?.iter().collect())
}
