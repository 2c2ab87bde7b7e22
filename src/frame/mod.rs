//! A frame's columns as polars types ([`schema`]), and reading values back out of a frame
//! ([`access`], [`events`]), and row flags as masks ([`flags`]).

pub mod access;
pub mod events;
pub mod flags;
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

/// The same rows with their text in buffers of their own: text cut from larger arrays (rows
/// filtered out of a part's pages) points into those arrays' buffers and keeps them whole;
/// here each text column, and the text inside lists and their structs, is copied into one
/// buffer of just its values. Other columns (numbers, categories) own what they hold.
pub fn compact(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            if !holds_text(s.dtype()) {
                return Ok(c.clone());
            }
            let chunks: Vec<ArrayRef> = s
                .chunks()
                .iter()
                .map(|a| compact_array(a.as_ref()))
                .collect();
            // SAFETY: each chunk keeps its arrow type, which is the series' physical type.
            let compacted = unsafe {
                Series::from_chunks_and_dtype_unchecked(s.name().clone(), chunks, s.dtype())
            };
            Ok(compacted.into_column())
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(frame.height(), columns)
}

/// Whether values of `dtype` hold text (in lists and structs too).
fn holds_text(dtype: &DataType) -> bool {
    match dtype {
        DataType::String | DataType::Binary => true,
        DataType::List(inner) => holds_text(inner),
        DataType::Struct(fields) => fields.iter().any(|f| holds_text(f.dtype())),
        _ => false,
    }
}

/// An array with its text values copied into buffers of their own (see [`compact`]).
fn compact_array(array: &dyn polars_arrow::array::Array) -> ArrayRef {
    use polars_arrow::array::{Array, BinaryViewArray, ListArray, StructArray, Utf8ViewArray};
    let any = array.as_any();
    if let Some(text) = any.downcast_ref::<Utf8ViewArray>() {
        return compact_text(text).boxed();
    }
    if let Some(bytes) = any.downcast_ref::<BinaryViewArray>() {
        return bytes.clone().gc().boxed();
    }
    if let Some(list) = any.downcast_ref::<ListArray<i64>>() {
        // Only the values the offsets point at, from offset 0.
        let offsets = list.offsets();
        let (first, last) = (*offsets.first() as usize, *offsets.last() as usize);
        let values = list.values().sliced(first, last - first);
        let rebased: Vec<i64> = offsets.iter().map(|o| o - first as i64).collect();
        // SAFETY: offsets rebased by their first stay monotone and end at the values' length.
        let offsets = unsafe { polars_arrow::offset::OffsetsBuffer::new_unchecked(rebased.into()) };
        return ListArray::<i64>::new(
            list.dtype().clone(),
            offsets,
            compact_array(values.as_ref()),
            list.validity().cloned(),
        )
        .boxed();
    }
    if let Some(fields) = any.downcast_ref::<StructArray>() {
        return StructArray::new(
            fields.dtype().clone(),
            fields.len(),
            fields
                .values()
                .iter()
                .map(|v| compact_array(v.as_ref()))
                .collect(),
            fields.validity().cloned(),
        )
        .boxed();
    }
    array.to_boxed()
}

/// A text array with its values longer than a view (12 bytes) copied into one buffer of
/// exactly their size (polars' own `gc` grows buffers by doubling: up to twice the bytes).
fn compact_text(text: &polars_arrow::array::Utf8ViewArray) -> polars_arrow::array::Utf8ViewArray {
    use polars_arrow::array::{Array, Utf8ViewArray, View};
    let buffers = text.data_buffers();
    let long = |v: &&View| v.length > View::MAX_INLINE_SIZE;
    let total: usize = text
        .views()
        .iter()
        .filter(long)
        .map(|v| v.length as usize)
        .sum();
    if total > u32::MAX as usize {
        return text.clone().gc();
    }
    let mut data: Vec<u8> = Vec::with_capacity(total);
    let views: Vec<View> = text
        .views()
        .iter()
        .map(|v| {
            if v.length <= View::MAX_INLINE_SIZE {
                return *v;
            }
            // SAFETY: the view is the array's own, pointing into its buffers.
            let bytes = unsafe { v.get_slice_unchecked(buffers) };
            let at = data.len() as u32;
            data.extend_from_slice(bytes);
            View::new_from_bytes(bytes, 0, at)
        })
        .collect();
    let buffers: Vec<polars_buffer::Buffer<u8>> = if total == 0 {
        Vec::new()
    } else {
        vec![polars_buffer::Buffer::from(data)]
    };
    // SAFETY: every long view points at its bytes (valid UTF-8, copied from the array) in
    // buffer 0; short views are unchanged; the totals are those bytes' lengths.
    unsafe {
        Utf8ViewArray::new_unchecked(
            text.dtype().clone(),
            views.into(),
            buffers.into(),
            text.validity().cloned(),
            Some(text.total_bytes_len()),
            total,
        )
    }
}

/// `frame`'s rows spread over `wanted.len()` rows: the i-th row of `frame` at the i-th
/// `true` of `wanted`, nulls at the others (as many `true`s as `frame` has rows). Text and
/// lists keep pointing at the values they had (nothing is copied but their views and
/// offsets); other columns are taken.
pub fn spread(frame: &DataFrame, wanted: &[bool]) -> PolarsResult<DataFrame> {
    let rows = wanted.iter().filter(|w| **w).count();
    polars_ensure!(
        rows == frame.height(),
        ShapeMismatch: "spread: {} rows for {} places", frame.height(), rows
    );
    // Where each place's row is (none for a null), for columns not spread as they are:
    // made once, if any column needs it.
    let at = std::cell::OnceCell::new();
    let places = || -> IdxCa {
        let mut next: IdxSize = 0;
        wanted
            .iter()
            .map(|w| {
                w.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect_ca(PlSmallStr::from_static("row"))
    };
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            // Each chunk spread over its own stretch of `wanted` (the places up to its last
            // row's; the last chunk's to the end): nothing is concatenated.
            let mut from = 0;
            let chunks = s.chunks();
            let spread: Option<Vec<ArrayRef>> = chunks
                .iter()
                .enumerate()
                .map(|(k, chunk)| {
                    let to = if k + 1 == chunks.len() {
                        wanted.len()
                    } else {
                        let mut left = chunk.len();
                        let mut to = from;
                        while left > 0 && to < wanted.len() {
                            left -= usize::from(wanted[to]);
                            to += 1;
                        }
                        to
                    };
                    let stretch = &wanted[from..to];
                    from = to;
                    spread_array(chunk.as_ref(), stretch)
                })
                .collect();
            Ok(match spread {
                // SAFETY: each array keeps its arrow type, the series' physical type.
                Some(arrays) if !arrays.is_empty() => unsafe {
                    Series::from_chunks_and_dtype_unchecked(s.name().clone(), arrays, s.dtype())
                }
                .into_column(),
                _ => c.take(at.get_or_init(places))?,
            })
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(wanted.len(), columns)
}

/// [`spread`] of one array of text or a list, without copying its values; `None` for other
/// arrays.
fn spread_array(array: &dyn polars_arrow::array::Array, wanted: &[bool]) -> Option<ArrayRef> {
    use polars_arrow::array::{Array, ListArray, Utf8ViewArray, View};
    use polars_arrow::bitmap::Bitmap;
    let any = array.as_any();
    // Valid where wanted and valid in `array`.
    let validity = |valid: Option<&Bitmap>| {
        let mut from = 0;
        Bitmap::from_iter(wanted.iter().map(|w| {
            if !*w {
                return false;
            }
            from += 1;
            valid.is_none_or(|v| v.get_bit(from - 1))
        }))
    };
    if let Some(text) = any.downcast_ref::<Utf8ViewArray>() {
        let mut views = text.views().iter();
        let spread: Vec<View> = wanted
            .iter()
            .map(|w| match w {
                true => views.next().copied().unwrap_or_default(),
                false => View::default(),
            })
            .collect();
        // SAFETY: every view is one of the array's own (into the same buffers) or empty; the
        // text's totals are the same values'.
        let array = unsafe {
            Utf8ViewArray::new_unchecked(
                text.dtype().clone(),
                spread.into(),
                text.data_buffers().clone(),
                Some(validity(text.validity())),
                Some(text.total_bytes_len()),
                text.total_buffer_len(),
            )
        };
        return Some(array.boxed());
    }
    if let Some(list) = any.downcast_ref::<ListArray<i64>>() {
        let offsets = list.offsets().as_slice();
        let mut from = 0;
        let mut spread: Vec<i64> = Vec::with_capacity(wanted.len() + 1);
        spread.push(offsets[0]);
        for w in wanted {
            if *w {
                from += 1;
            }
            spread.push(offsets[from]);
        }
        // SAFETY: the offsets are the list's own, each repeated for the rows between: still
        // monotone, from its first to its last.
        let offsets = unsafe { polars_arrow::offset::OffsetsBuffer::new_unchecked(spread.into()) };
        return Some(
            ListArray::<i64>::new(
                list.dtype().clone(),
                offsets,
                list.values().clone(),
                Some(validity(list.validity())),
            )
            .boxed(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_spread_over_their_places_with_nulls_between() {
        // Two rows (text long enough to live in a buffer, a null, lists, numbers) spread
        // over five places: rows 0 and 1 go to places 1 and 3.
        let text = Column::new("t".into(), [Some("a text longer than twelve bytes"), None]);
        let lists = Column::new(
            "l".into(),
            [
                Series::new("".into(), ["x", "y"]),
                Series::new("".into(), ["a text longer than twelve bytes, in a list"]),
            ],
        );
        let numbers = Column::new("n".into(), [7i64, 8]);
        let frame = DataFrame::new(2, vec![text, lists, numbers]).unwrap();
        let wanted = [false, true, false, true, false];
        let out = spread(&frame, &wanted).unwrap();
        assert_eq!(out.height(), 5);
        let t: Vec<Option<&str>> = out.column("t").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            t,
            [
                None,
                Some("a text longer than twelve bytes"),
                None,
                None,
                None
            ]
        );
        let l: Vec<Option<Vec<String>>> = out
            .column("l")
            .unwrap()
            .list()
            .unwrap()
            .amortized_iter()
            .map(|v| {
                v.map(|s| {
                    s.as_ref()
                        .str()
                        .unwrap()
                        .iter()
                        .map(|t| t.unwrap_or_default().to_string())
                        .collect()
                })
            })
            .collect();
        assert_eq!(
            l,
            [
                None,
                Some(vec!["x".to_string(), "y".to_string()]),
                None,
                Some(vec![
                    "a text longer than twelve bytes, in a list".to_string()
                ]),
                None
            ]
        );
        let n: Vec<Option<i64>> = out.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, [None, Some(7), None, Some(8), None]);
        // The text was not copied: the spread column points into the same buffer.
        let buffer = |frame: &DataFrame| {
            let text = frame.column("t").unwrap().str().unwrap().clone();
            text.downcast_iter().next().unwrap().data_buffers()[0].as_ptr()
        };
        let (before, after) = (buffer(&frame), buffer(&out));
        assert_eq!(before, after);
        // As many places as rows, or an error.
        assert!(spread(&frame, &[true, false]).is_err());
        // A frame in chunks (one per row group read) spreads chunk by chunk: the same rows.
        let mut chunked = frame.clone();
        chunked.vstack_mut(&frame).unwrap();
        chunked.vstack_mut(&frame.head(Some(0))).unwrap();
        assert!(
            chunked
                .column("t")
                .unwrap()
                .as_materialized_series()
                .n_chunks()
                > 1
        );
        let wanted = [true, false, false, true, true, false, true, false];
        let out = spread(&chunked, &wanted).unwrap();
        let t: Vec<Option<&str>> = out.column("t").unwrap().str().unwrap().iter().collect();
        let long = Some("a text longer than twelve bytes");
        assert_eq!(t, [long, None, None, None, long, None, None, None]);
        let n: Vec<Option<i64>> = out.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(
            n,
            [Some(7), None, None, Some(8), Some(7), None, Some(8), None]
        );
    }
}
