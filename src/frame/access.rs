//! Reading values back out of an ingested frame as plain Rust values (for printers, the
//! journey and replay code, and tests).

use polars::prelude::*;
use polars_arrow::array::{Array, ListArray, Utf8ViewArray};

use crate::format::Field;

/// A text or categorical column as optional strings.
pub fn strings(df: &DataFrame, column: Field) -> PolarsResult<Vec<Option<String>>> {
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

/// A text or categorical column as one string array (categoricals cast to their text).
pub fn text_column(df: &DataFrame, column: Field) -> PolarsResult<StringChunked> {
    Ok(df
        .column(column.name())?
        .as_materialized_series()
        .cast(&DataType::String)?
        .str()?
        .clone())
}

/// A list-of-strings column (Recipients, RecipientStatus, Reference).
pub fn string_lists(df: &DataFrame, column: Field) -> PolarsResult<Vec<Vec<String>>> {
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

/// A list-of-strings column read in place: the members are borrowed from the frame's
/// arrays, so a fold over millions of rows copies no strings.
pub struct StringListView<'a> {
    chunks: Vec<(&'a ListArray<i64>, &'a Utf8ViewArray)>,
    /// The first row of each chunk, and the row count at the end.
    starts: Vec<usize>,
}

impl<'a> StringListView<'a> {
    /// Views `column` of `df`; fails if it is not a list of strings.
    pub fn new(df: &'a DataFrame, column: Field) -> PolarsResult<StringListView<'a>> {
        let lists = df.column(column.name())?.list()?;
        let mut chunks = Vec::new();
        let mut starts = vec![0];
        for array in lists.downcast_iter() {
            let values = array
                .values()
                .as_any()
                .downcast_ref::<Utf8ViewArray>()
                .ok_or_else(
                    || polars_err!(SchemaMismatch: "{} is not a list of strings", column.name()),
                )?;
            chunks.push((array, values));
            starts.push(starts.last().copied().unwrap_or(0) + array.len());
        }
        Ok(StringListView { chunks, starts })
    }

    /// Replaces `out` with the members of row `row` (nothing for a null or missing row).
    pub fn fill(&self, row: usize, out: &mut Vec<&'a str>) {
        out.clear();
        let chunk = self.starts.partition_point(|&s| s <= row).saturating_sub(1);
        let Some((array, values)) = self.chunks.get(chunk) else {
            return;
        };
        let i = row - self.starts[chunk];
        if i >= array.len() || array.is_null(i) {
            return;
        }
        let (start, end) = array.offsets().start_end(i);
        out.extend((start..end).map(|j| values.value(j)));
    }
}

/// Settles the rows of a category column not yet settled (`flags[i] != settled`): each such
/// row's flag becomes `test` of its text (`None` for a row of no value), asked once per
/// category code and once for no value, not once per row. The codes are read a slice at a
/// time (an iterator of optional codes was most of a selective read's filtering).
pub fn settle_by_category(
    column: &Column,
    flags: &mut [bool],
    settled: bool,
    mut test: impl FnMut(Option<&str>) -> bool,
) -> PolarsResult<()> {
    let categories = column.cat32()?;
    let mapping = categories.get_mapping();
    let mut seen: Vec<Option<bool>> = Vec::new();
    let mut null: Option<bool> = None;
    let mut row = 0;
    for array in categories.physical().downcast_iter() {
        let codes = array.values().as_slice();
        let Some(flags) = flags.get_mut(row..row + codes.len()) else {
            break;
        };
        row += codes.len();
        for (j, (flag, &code)) in flags.iter_mut().zip(codes).enumerate() {
            if *flag == settled {
                continue;
            }
            *flag = if array.is_valid(j) {
                let at = code as usize;
                if seen.len() <= at {
                    seen.resize(at + 1, None);
                }
                *seen[at].get_or_insert_with(|| test(Some(mapping.cat_to_str(code).unwrap_or(""))))
            } else {
                *null.get_or_insert_with(|| test(None))
            };
        }
    }
    Ok(())
}

/// The EventData column as (key, value) pairs per row.
pub fn event_data(df: &DataFrame) -> PolarsResult<Vec<Vec<(String, String)>>> {
    let lists = df.column(Field::EventData.name())?.list()?.clone();
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
        .column(Field::Timestamp.name())?
        .as_materialized_series()
        .cast(&DataType::Int64)?;
    let times = series.i64()?;
    let mut out = Vec::with_capacity(times.len());
    for array in times.downcast_iter() {
        if array.null_count() == 0 {
            out.extend_from_slice(array.values());
        } else {
            out.extend(array.iter().map(|v| v.copied().unwrap_or_default()));
        }
    }
    Ok(out)
}

/// An integer column (TotalBytes, RecipientCount, Line) as optional numbers.
pub fn integers(df: &DataFrame, column: Field) -> PolarsResult<Vec<Option<i64>>> {
    let series = df
        .column(column.name())?
        .as_materialized_series()
        .cast(&DataType::Int64)?;
    Ok(series.i64()?.iter().collect())
}

/// A memo keyed by a string view (its 16 bytes): a view names its string by its bytes (up to
/// 12 inline) or by buffer and offset, so equal views of one array are equal strings. A
/// dictionary-encoded column's rows share a few views: the first distinct ones are kept in a
/// short list searched in order (cheaper than hashing every row), the rest in a hash map.
pub(crate) struct ViewMemo<T> {
    few: Vec<(u128, T)>,
    many: PlHashMap<u128, T>,
}

impl<T: Copy> ViewMemo<T> {
    /// Views kept in the list before the hash map is used.
    const FEW: usize = 32;

    /// An empty memo (one per array: views of different arrays may be equal for different
    /// strings).
    pub(crate) fn new() -> ViewMemo<T> {
        ViewMemo {
            few: Vec::with_capacity(Self::FEW),
            many: PlHashMap::default(),
        }
    }

    /// The value for `view`, computed by `make` the first time.
    pub(crate) fn get_or_insert_with(&mut self, view: u128, make: impl FnOnce() -> T) -> T {
        match self.get_or_try_insert_with::<std::convert::Infallible>(view, || Ok(make())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// [`Self::get_or_insert_with`] for a `make` that may fail (nothing is kept then).
    pub(crate) fn get_or_try_insert_with<E>(
        &mut self,
        view: u128,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some((_, v)) = self.few.iter().find(|(k, _)| *k == view) {
            return Ok(*v);
        }
        if self.few.len() < Self::FEW {
            let v = make()?;
            self.few.push((view, v));
            return Ok(v);
        }
        if let Some(v) = self.many.get(&view) {
            return Ok(*v);
        }
        let v = make()?;
        self.many.insert(view, v);
        Ok(v)
    }
}
