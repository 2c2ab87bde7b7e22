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
/// row's flag becomes `test` of its text (`None` for a row of no value), asked at most once
/// per category value and once for no value, not once per row. Where the process holds few
/// category values (a few hundred: event ids, sources, …) each is asked about first and the
/// rows are settled in one loop of a table lookup a row; else a value is asked about when a
/// row not settled first holds it. (An iterator of optional codes, then a loop asking about
/// unseen codes row by row, were most of a selective read's filtering.)
pub fn settle_by_category(
    column: &Column,
    flags: &mut [bool],
    settled: bool,
    test: impl FnMut(Option<&str>) -> bool,
) -> PolarsResult<()> {
    /// The most category values asked about before any row is looked at.
    const FEW: usize = 256;
    settle_asking_first(column, flags, settled, test, FEW)
}

/// [`settle_by_category`], asking about every category value first when there are at most
/// `few`.
fn settle_asking_first(
    column: &Column,
    flags: &mut [bool],
    settled: bool,
    mut test: impl FnMut(Option<&str>) -> bool,
    few: usize,
) -> PolarsResult<()> {
    const UNASKED: u8 = 0;
    const NO: u8 = 1;
    const YES: u8 = 2;
    let categories = column.cat32()?;
    let mapping = categories.get_mapping();
    // Each code's verdict: every value's first when they are few, else as rows hold them.
    let bound = mapping.num_cats_upper_bound();
    let asked_first = bound <= few;
    let mut verdicts: Vec<u8> = vec![UNASKED; if asked_first { bound } else { 0 }];
    if asked_first {
        for (code, verdict) in verdicts.iter_mut().enumerate() {
            if let Some(text) = mapping.cat_to_str(code as u32) {
                *verdict = if test(Some(text)) { YES } else { NO };
            }
        }
    }
    let mut null: Option<bool> = None;
    let mut row = 0;
    for array in categories.physical().downcast_iter() {
        let codes = array.values().as_slice();
        let Some(flags) = flags.get_mut(row..row + codes.len()) else {
            break;
        };
        row += codes.len();
        let validity = array.validity().filter(|v| v.unset_bits() > 0);
        // Values not asked about first: asked when a row not settled first holds them.
        if !asked_first {
            for (j, (flag, &code)) in flags.iter().zip(codes).enumerate() {
                if *flag == settled || validity.is_some_and(|v| !v.get_bit(j)) {
                    continue;
                }
                let at = code as usize;
                if verdicts.len() <= at {
                    verdicts.resize(at + 1, UNASKED);
                }
                if verdicts[at] == UNASKED {
                    let text = mapping.cat_to_str(code).unwrap_or("");
                    verdicts[at] = if test(Some(text)) { YES } else { NO };
                }
            }
        }
        match validity {
            // Every row holds a code whose verdict is known when the row is not settled.
            None => {
                for (flag, &code) in flags.iter_mut().zip(codes) {
                    let yes = verdicts.get(code as usize) == Some(&YES);
                    *flag = if *flag == settled { settled } else { yes };
                }
            }
            Some(validity) => {
                for (j, (flag, &code)) in flags.iter_mut().zip(codes).enumerate() {
                    if *flag == settled {
                        continue;
                    }
                    *flag = if validity.get_bit(j) {
                        verdicts.get(code as usize) == Some(&YES)
                    } else {
                        *null.get_or_insert_with(|| test(None))
                    };
                }
            }
        }
    }
    Ok(())
}

/// The EventData column as (key, value) pairs per row.
///
/// Read from the column's arrays: each chunk's keys (cast to text once) and values, sliced by
/// the list offsets. (A series made for each row, its keys cast row by row, was a fifth of
/// writing every row of a store as CSV.)
pub fn event_data(df: &DataFrame) -> PolarsResult<Vec<Vec<(String, String)>>> {
    let lists = df.column(Field::EventData.name())?.list()?.rechunk();
    let array = lists.downcast_as_array();
    // Every row's pairs, one after another (typed as the column types them: the keys'
    // categories are their texts once cast).
    let pairs = lists.get_inner();
    let fields = pairs.struct_()?.fields_as_series();
    let [keys, values] = fields.as_slice() else {
        polars_bail!(ComputeError: "EventData holds {}, not key/value pairs", pairs.dtype());
    };
    let text = |s: &Series| -> PolarsResult<StringChunked> {
        Ok(s.cast(&DataType::String)?.str()?.rechunk().into_owned())
    };
    let (keys, values) = (text(keys)?, text(values)?);
    let (keys, values) = (keys.downcast_as_array(), values.downcast_as_array());
    let offsets = array.offsets().buffer();
    let mut out = Vec::with_capacity(array.len());
    for row in 0..array.len() {
        let mut row_pairs = Vec::new();
        if array.is_valid(row) {
            let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
            row_pairs.reserve(to.saturating_sub(from));
            for at in from..to {
                row_pairs.push((
                    keys.get(at).unwrap_or_default().to_string(),
                    values.get(at).unwrap_or_default().to_string(),
                ));
            }
        }
        out.push(row_pairs);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An EventId column of two chunks, the second with nulls (rows of no value).
    fn event_ids() -> (Column, Vec<Option<&'static str>>) {
        let first = [
            "RECEIVE", "FAIL", "DELIVER", "RECEIVE", "SEND", "FAIL", "DELIVER",
        ];
        let second = [
            Some("SEND"),
            None,
            Some("FAIL"),
            Some("EXPAND"),
            None,
            Some("RECEIVE"),
        ];
        let category = crate::frame::schema::dtype(Field::EventId);
        let mut series = Series::new("EventId".into(), first)
            .cast(&category)
            .expect("categorical");
        let tail = Series::new("EventId".into(), second)
            .cast(&category)
            .expect("categorical");
        series.append_owned(tail).expect("appended");
        assert_eq!(series.n_chunks(), 2);
        let rows = first.iter().map(|t| Some(*t)).chain(second).collect();
        (series.into_column(), rows)
    }

    #[test]
    fn a_category_column_settles_each_unsettled_row_by_its_text_asking_once_a_value() {
        let (column, rows) = event_ids();
        for (settled, few) in [(false, 0), (true, 0), (false, 256), (true, 256)] {
            // Some rows already settled, the others not, in both chunks.
            let before: Vec<bool> = (0..rows.len()).map(|i| (i % 3 == 0) == settled).collect();
            let mut flags = before.clone();
            let mut asked: Vec<Option<String>> = Vec::new();
            let test = |text: Option<&str>| text.is_some_and(|t| t.starts_with('F') || t == "SEND");
            let asking = |text: Option<&str>| {
                asked.push(text.map(str::to_string));
                test(text) || (text.is_none() && !settled)
            };
            settle_asking_first(&column, &mut flags, settled, asking, few).expect("settled");
            for (i, row) in rows.iter().enumerate() {
                let expected = if before[i] == settled {
                    settled
                } else {
                    test(*row) || (row.is_none() && !settled)
                };
                assert_eq!(
                    flags[i], expected,
                    "row {i} ({row:?}), settled {settled}, {few}"
                );
            }
            // Each value asked about at most once, and every value of a row not settled.
            let mut unique = asked.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), asked.len(), "asked twice: {asked:?}");
            for (row, b) in rows.iter().zip(&before) {
                if *b != settled {
                    assert!(
                        unique.contains(&row.map(str::to_string)),
                        "{row:?} not asked"
                    );
                }
            }
        }
    }

    /// The EventData column of `df`, as one chunk.
    fn lists(df: &DataFrame) -> ListChunked {
        df.column(Field::EventData.name())
            .expect("EventData")
            .list()
            .expect("a list")
            .rechunk()
            .into_owned()
    }

    /// The pairs of each row as a series of the row's list reads them (the plain way).
    fn pairs_row_by_row(df: &DataFrame) -> Vec<Vec<(String, String)>> {
        lists(df)
            .amortized_iter()
            .map(|item| {
                let Some(series) = item else {
                    return Vec::new();
                };
                let fields = series.as_ref().struct_().expect("pairs").fields_as_series();
                let keys = fields[0].cast(&DataType::String).expect("text");
                let values = fields[1].cast(&DataType::String).expect("text");
                let (keys, values) = (keys.str().expect("text"), values.str().expect("text"));
                keys.iter()
                    .zip(values.iter())
                    .map(|(k, v)| (k.unwrap_or("").to_string(), v.unwrap_or("").to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn event_data_reads_each_row_s_pairs_in_slices_and_chunks() {
        let frame = crate::ingest::sample_day();
        let all = event_data(&frame).expect("pairs");
        assert_eq!(all.len(), frame.height());
        assert_eq!(all, pairs_row_by_row(&frame));
        // A pair as the sample logs write it (`MailboxDatabaseName=db02` in a DELIVER row's
        // EventData).
        assert!(all.iter().any(|row| {
            row.iter()
                .any(|(k, v)| k == "MailboxDatabaseName" && v.eq_ignore_ascii_case("db02"))
        }));
        // A slice (its list offsets do not start at 0) and a frame of two chunks.
        let slice = frame.slice(101, 57);
        assert_eq!(event_data(&slice).expect("pairs"), all[101..158].to_vec());
        let mut two = frame.slice(0, 40);
        two.vstack_mut(&frame.slice(300, 25)).expect("same columns");
        let mut expected = all[0..40].to_vec();
        expected.extend_from_slice(&all[300..325]);
        assert_eq!(event_data(&two).expect("pairs"), expected);
        // A row whose list is null has no pairs, even where its offsets still span pairs.
        let mut nulled = frame.slice(0, 3);
        let lists = lists(&nulled);
        let array = lists.downcast_as_array();
        assert!(
            array.offsets().buffer()[2] > array.offsets().buffer()[1],
            "the second row has pairs"
        );
        let array = array
            .clone()
            .with_validity(Some(polars_arrow::bitmap::Bitmap::from([
                true, false, true,
            ])));
        // SAFETY: the array is the column's own, with its dtype; only its validity changed.
        let lists = unsafe {
            ListChunked::from_chunks_and_dtype(
                lists.name().clone(),
                vec![array.boxed()],
                lists.dtype().clone(),
            )
        };
        nulled
            .replace(Field::EventData.name(), lists.into_series().into_column())
            .expect("replaced");
        let read = event_data(&nulled).expect("pairs");
        assert_eq!(read[1], Vec::<(String, String)>::new());
        assert_eq!(read[0], all[0]);
        assert_eq!(read[2], all[2]);
    }
}
