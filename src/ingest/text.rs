//! Text and list-of-text column builders that store each distinct long value once per chunk.
//!
//! A message leaves 10–20 rows, each repeating its Message-ID, subject, sender and recipient
//! statuses. Polars' string type (Arrow `Utf8View`) lets many rows point at the same bytes, so
//! a repeated value costs only its 16-byte view. Values of up to 12 bytes live inside the view
//! and are never looked up.

use std::hash::BuildHasher;

use polars::prelude::{
    ArrowDataType, DataType, IntoSeries, ListChunked, PlFixedStateQuality, PlHashMap, PlSmallStr,
    PolarsResult, Series, StringChunked,
};
use polars_arrow::array::{Array, ListArray, Utf8ViewArray, View};
use polars_arrow::bitmap::MutableBitmap;
use polars_arrow::offset::OffsetsBuffer;
use polars_buffer::Buffer;

/// Above this many distinct values the lookup table is cleared (bounds its memory).
const MAX_REMEMBERED: usize = 1 << 16;
/// A single data buffer stays below this size (views address buffers with 32-bit offsets).
const MAX_BUFFER: usize = 1 << 30;

/// Builds a `Utf8View` array, optionally storing repeated long values once.
pub(crate) struct TextBuilder {
    views: Vec<View>,
    done: Vec<Buffer<u8>>,
    current: Vec<u8>,
    validity: MutableBitmap,
    nulls: usize,
    total_bytes: usize,
    seen: Option<(PlHashMap<u64, u32>, PlFixedStateQuality)>,
}

impl TextBuilder {
    pub(crate) fn new(capacity: usize, dedupe: bool) -> TextBuilder {
        TextBuilder {
            views: Vec::with_capacity(capacity),
            done: Vec::new(),
            current: Vec::new(),
            validity: MutableBitmap::with_capacity(capacity),
            nulls: 0,
            total_bytes: 0,
            seen: dedupe.then(|| (PlHashMap::default(), PlFixedStateQuality::default())),
        }
    }

    pub(crate) fn push_null(&mut self) {
        self.views.push(View::default());
        self.validity.push(false);
        self.nulls += 1;
    }

    /// Appends a value (an empty one is stored as empty text, not null; see [`Self::push_or_null`]).
    pub(crate) fn push(&mut self, value: &str) {
        let bytes = value.as_bytes();
        self.total_bytes += bytes.len();
        self.validity.push(true);
        if bytes.len() <= View::MAX_INLINE_SIZE as usize {
            self.views.push(View::new_inline(bytes));
            return;
        }
        if let Some((seen, hasher)) = &self.seen {
            let hash = hasher.hash_one(bytes);
            if let Some(&index) = seen.get(&hash) {
                let view = self.views[index as usize];
                if self.view_bytes(view) == bytes {
                    self.views.push(view);
                    return;
                }
            }
            let index = self.views.len() as u32;
            if let Some((seen, _)) = &mut self.seen {
                if seen.len() >= MAX_REMEMBERED {
                    seen.clear();
                }
                seen.insert(hash, index);
            }
        }
        if self.current.len() + bytes.len() > MAX_BUFFER {
            let full = std::mem::take(&mut self.current);
            self.done.push(Buffer::from(full));
        }
        let offset = self.current.len() as u32;
        self.current.extend_from_slice(bytes);
        // SAFETY: the bytes were just written at `offset` of buffer `done.len()`, which is the
        // index `current` will have once finished; they are longer than the inline size.
        let view = unsafe { View::new_noninline_unchecked(bytes, self.done.len() as u32, offset) };
        self.views.push(view);
    }

    /// Appends a value, storing an empty one as null.
    pub(crate) fn push_or_null(&mut self, value: &str) {
        if value.is_empty() {
            self.push_null();
        } else {
            self.push(value);
        }
    }

    fn view_bytes(&self, view: View) -> &[u8] {
        let buffer: &[u8] = if view.buffer_idx as usize == self.done.len() {
            &self.current
        } else {
            &self.done[view.buffer_idx as usize]
        };
        &buffer[view.offset as usize..view.offset as usize + view.length as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.views.len()
    }

    /// The finished Arrow array.
    pub(crate) fn finish_array(mut self) -> Utf8ViewArray {
        let mut buffers = std::mem::take(&mut self.done);
        if !self.current.is_empty() {
            self.current.shrink_to_fit();
            buffers.push(Buffer::from(std::mem::take(&mut self.current)));
        }
        let total_buffer_len = buffers.iter().map(|b| b.len()).sum();
        self.views.shrink_to_fit();
        let validity = (self.nulls > 0).then(|| self.validity.into());
        // SAFETY: every view is inline, or points inside the buffer it names at a valid UTF-8
        // value (it was copied from a &str); lengths and totals were counted as views were made.
        unsafe {
            Utf8ViewArray::new_unchecked(
                ArrowDataType::Utf8View,
                Buffer::from(self.views),
                buffers.into(),
                validity,
                Some(self.total_bytes),
                total_buffer_len,
            )
        }
    }

    /// The finished column.
    pub(crate) fn finish(self, name: PlSmallStr) -> Series {
        StringChunked::with_chunk(name, self.finish_array()).into_series()
    }
}

/// Builds a `List(String)` column whose values share storage like [`TextBuilder`].
pub(crate) struct TextListBuilder {
    offsets: Vec<i64>,
    values: TextBuilder,
}

impl TextListBuilder {
    pub(crate) fn new(capacity: usize) -> TextListBuilder {
        let mut offsets = Vec::with_capacity(capacity + 1);
        offsets.push(0);
        TextListBuilder {
            offsets,
            values: TextBuilder::new(capacity * 2, true),
        }
    }

    /// Appends one row's members.
    pub(crate) fn push<'a>(&mut self, members: impl Iterator<Item = &'a str>) {
        for m in members {
            self.values.push(m);
        }
        self.offsets.push(self.values.len() as i64);
    }

    pub(crate) fn finish(mut self, name: PlSmallStr) -> PolarsResult<Series> {
        self.offsets.shrink_to_fit();
        let values: Box<dyn Array> = Box::new(self.values.finish_array());
        list_series(name, self.offsets, values, DataType::String)
    }
}

/// A list column from offsets and a flat values array holding the physical values of `inner`.
pub(crate) fn list_series(
    name: PlSmallStr,
    offsets: Vec<i64>,
    values: Box<dyn Array>,
    inner: DataType,
) -> PolarsResult<Series> {
    // The physical type of the values (a categorical is stored as its ids).
    let arrow_dtype = ListArray::<i64>::default_datatype(values.dtype().clone());
    let list =
        ListArray::<i64>::try_new(arrow_dtype, OffsetsBuffer::try_from(offsets)?, values, None)?;
    // SAFETY: the list array was built for exactly this dtype.
    let ca = unsafe {
        ListChunked::from_chunks_and_dtype(
            name,
            vec![Box::new(list) as Box<dyn Array>],
            DataType::List(Box::new(inner)),
        )
    };
    Ok(ca.into_series())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_long_values_share_one_copy_and_read_back() {
        let mut b = TextBuilder::new(4, true);
        let long = "<a69839e5e47044febf6c34a84250918c@test.com>";
        b.push(long);
        b.push("short");
        b.push_null();
        b.push(long);
        b.push("");
        let array = b.finish_array();
        assert_eq!(array.total_buffer_len(), long.len(), "stored once");
        let values: Vec<Option<&str>> = array.iter().collect();
        assert_eq!(
            values,
            vec![Some(long), Some("short"), None, Some(long), Some("")]
        );
    }

    #[test]
    fn without_dedupe_every_value_is_stored() {
        let mut b = TextBuilder::new(2, false);
        let long = "a value longer than twelve bytes";
        b.push(long);
        b.push(long);
        assert_eq!(b.finish_array().total_buffer_len(), 2 * long.len());
    }
}
