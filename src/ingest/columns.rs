//! Field builders: decoded field values go straight into typed polars buffers (no row
//! structs in between), one builder per requested column.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use polars::chunked_array::builder::CategoricalChunkedBuilder;
use polars::prelude::*;
use polars_arrow::array::Array;

use super::text::{TextBuilder, TextListBuilder, list_series};
use crate::format::list::{parse_event_datum, recycle, split_members};
use crate::format::{Field, FieldKind};
use crate::frame::schema::{category_dtype, event_data_struct};

/// The categorical dtype and its mapping, created once so every chunk shares them.
pub(crate) fn shared_category() -> &'static (DataType, Arc<CategoricalMapping>) {
    static SHARED: OnceLock<(DataType, Arc<CategoricalMapping>)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dtype = category_dtype();
        let mapping = match &dtype {
            DataType::Categorical(_, mapping) => mapping.clone(),
            _ => unreachable!("category_dtype is categorical"),
        };
        (dtype, mapping)
    })
}

/// Above this many values a builder's own table of categories is cleared (bounds its memory).
const MAX_LOCAL_CATEGORIES: usize = 1 << 12;

/// Builds a categorical column from string values, remembering the last value so that runs
/// of the same value (one server, one connector) skip the hash lookup, and the values it has
/// seen in a table of its own: the process-wide mapping is shared by every thread, and a
/// lookup there costs more than one in a table no other thread touches.
pub(crate) struct CategoryBuilder {
    inner: CategoricalChunkedBuilder<Categorical32Type>,
    last: Option<(String, CatSize)>,
    seen: PlHashMap<Box<str>, CatSize>,
}

impl CategoryBuilder {
    pub(crate) fn new(name: &'static str, capacity: usize) -> Self {
        let (dtype, _) = shared_category();
        let mut inner =
            CategoricalChunkedBuilder::new(PlSmallStr::from_static(name), dtype.clone());
        inner.reserve(capacity);
        CategoryBuilder {
            inner,
            last: None,
            seen: PlHashMap::default(),
        }
    }

    pub(crate) fn push(&mut self, value: &str) {
        if value.is_empty() {
            self.inner.append_null();
            return;
        }
        let (_, mapping) = shared_category();
        let cat = match &self.last {
            Some((last, cat)) if last == value => *cat,
            _ => match self.category_of(value) {
                Ok(cat) => {
                    let last = self.last.get_or_insert_with(|| (String::new(), cat));
                    last.0.clear();
                    last.0.push_str(value);
                    last.1 = cat;
                    cat
                }
                Err(_) => {
                    // The global category space (2^32 values) is exhausted: keep the row, lose
                    // only this value. Practically unreachable for the columns stored this way.
                    self.inner.append_null();
                    return;
                }
            },
        };
        // Same mapping, so this only pushes the id; it cannot fail.
        let _ = self.inner.append_cat(cat, mapping);
    }

    /// The category of a value not the last one: from this builder's table, else from the
    /// shared mapping (remembered in the table).
    fn category_of(&mut self, value: &str) -> PolarsResult<CatSize> {
        if let Some(cat) = self.seen.get(value) {
            return Ok(*cat);
        }
        let cat = shared_category().1.insert_cat(value)?;
        if self.seen.len() >= MAX_LOCAL_CATEGORIES {
            self.seen.clear();
        }
        self.seen.insert(value.into(), cat);
        Ok(cat)
    }

    pub(crate) fn push_repeated(&mut self, value: &str, count: usize) {
        for _ in 0..count {
            self.push(value);
        }
    }

    pub(crate) fn finish(self) -> Series {
        self.inner.finish().into_series()
    }
}

/// One column under construction.
pub(crate) enum ColumnBuilder {
    Timestamp(Vec<i64>),
    Text(TextBuilder),
    Category(CategoryBuilder),
    Integer(PrimitiveChunkedBuilder<Int64Type>),
    /// Milliseconds, finished as a polars Duration.
    Duration(PrimitiveChunkedBuilder<Int64Type>),
    /// A list column, with storage for one row's members reused row after row.
    TextList(TextListBuilder, Vec<Cow<'static, str>>),
    KeyValueList(Box<KeyValueListBuilder>),
}

/// EventData under construction: each row's pairs as flat keys and values, and where each
/// row's pairs start.
pub(crate) struct KeyValueListBuilder {
    keys: CategoryBuilder,
    values: TextBuilder,
    offsets: Vec<i64>,
    /// One row's members, reused row after row.
    members: Vec<Cow<'static, str>>,
}

/// What a number field held when it was not a number.
pub(crate) struct NotANumber;

impl ColumnBuilder {
    pub(crate) fn new(column: Field, capacity: usize) -> ColumnBuilder {
        let name = PlSmallStr::from_static(column.name());
        match column.kind() {
            FieldKind::Timestamp => ColumnBuilder::Timestamp(Vec::with_capacity(capacity)),
            FieldKind::Text => {
                // Values (nearly) unique to each row are not worth looking up: a log id, a
                // message's arrival time, a source context (four in five differ).
                let dedupe = !matches!(
                    column,
                    Field::LogId | Field::MessageInfo | Field::SourceContext
                );
                ColumnBuilder::Text(TextBuilder::new(capacity, dedupe))
            }
            FieldKind::Category => {
                ColumnBuilder::Category(CategoryBuilder::new(column.name(), capacity))
            }
            FieldKind::Integer => {
                ColumnBuilder::Integer(PrimitiveChunkedBuilder::new(name, capacity))
            }
            FieldKind::TextList => {
                ColumnBuilder::TextList(TextListBuilder::new(capacity), Vec::new())
            }
            FieldKind::KeyValueList => {
                let mut offsets = Vec::with_capacity(capacity + 1);
                offsets.push(0);
                ColumnBuilder::KeyValueList(Box::new(KeyValueListBuilder {
                    keys: CategoryBuilder::new("Key", capacity * 6),
                    values: TextBuilder::new(capacity * 6, true),
                    offsets,
                    members: Vec::new(),
                }))
            }
            FieldKind::Duration => {
                ColumnBuilder::Duration(PrimitiveChunkedBuilder::new(name, capacity))
            }
            FieldKind::LineNumber => {
                unreachable!("line numbers are collected by the decoder, not a column builder")
            }
        }
    }

    /// Appends one field's text (already CSV-unquoted). Number fields that do not parse are
    /// stored as null and reported through the result.
    pub(crate) fn push_text(&mut self, text: &str) -> Result<(), NotANumber> {
        match self {
            ColumnBuilder::Text(b) => b.push_or_null(text),
            ColumnBuilder::Category(b) => b.push(text),
            ColumnBuilder::Integer(b) => {
                if text.is_empty() {
                    b.append_null();
                } else if let Ok(n) = text.trim().parse::<i64>() {
                    b.append_value(n);
                } else {
                    b.append_null();
                    return Err(NotANumber);
                }
            }
            ColumnBuilder::TextList(b, storage) => {
                let mut members = recycle(std::mem::take(storage));
                split_members(text, &mut members);
                b.push(members.iter().map(|m| m.as_ref()));
                *storage = recycle(members);
            }
            ColumnBuilder::KeyValueList(b) => {
                let mut members = recycle(std::mem::take(&mut b.members));
                split_members(text, &mut members);
                for member in members.iter() {
                    let datum = parse_event_datum(member);
                    b.keys.push(datum.key);
                    b.values.push(datum.value);
                }
                let last = b.offsets.last().copied().unwrap_or(0);
                b.offsets.push(last + members.len() as i64);
                b.members = recycle(members);
            }
            ColumnBuilder::Timestamp(_) => unreachable!("timestamps are pushed by value"),
            ColumnBuilder::Duration(_) => unreachable!("durations are pushed by value"),
        }
        Ok(())
    }

    /// Appends a duration in milliseconds (or null).
    pub(crate) fn push_duration(&mut self, ms: Option<i64>) {
        if let ColumnBuilder::Duration(b) = self {
            b.append_option(ms);
        }
    }

    pub(crate) fn push_timestamp(&mut self, ms: i64) {
        if let ColumnBuilder::Timestamp(v) = self {
            v.push(ms);
        }
    }

    /// Finishes the column.
    pub(crate) fn finish(self, column: Field) -> PolarsResult<Series> {
        let name = PlSmallStr::from_static(column.name());
        Ok(match self {
            ColumnBuilder::Timestamp(v) => Int64Chunked::from_vec(name, v)
                .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                .into_series(),
            ColumnBuilder::Text(b) => b.finish(name),
            ColumnBuilder::Category(b) => b.finish(),
            ColumnBuilder::Integer(b) => b.finish().into_series(),
            ColumnBuilder::Duration(b) => b
                .finish()
                .into_duration(TimeUnit::Milliseconds)
                .into_series(),
            ColumnBuilder::TextList(b, _) => b.finish(name)?,
            ColumnBuilder::KeyValueList(b) => {
                let KeyValueListBuilder {
                    keys,
                    values,
                    offsets,
                    ..
                } = *b;
                finish_key_values(name, keys, values, offsets)?
            }
        }
        .with_name(PlSmallStr::from_static(column.name())))
    }
}

/// Assembles `List<Struct{Key, Value}>` from flat keys, values and per-row offsets.
fn finish_key_values(
    name: PlSmallStr,
    keys: CategoryBuilder,
    values: TextBuilder,
    mut offsets: Vec<i64>,
) -> PolarsResult<Series> {
    offsets.shrink_to_fit();
    let fields = [
        keys.finish().with_name(PlSmallStr::from_static("Key")),
        values.finish(PlSmallStr::from_static("Value")),
    ];
    let pairs = StructChunked::from_series(
        PlSmallStr::from_static("EventData"),
        fields[0].len(),
        fields.iter(),
    )?
    .rechunk()
    .into_owned();
    let pair_array: Box<dyn Array> = pairs.chunks()[0].clone();
    list_series(name, offsets, pair_array, event_data_struct())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_read_back_as_pushed_past_the_builder_s_own_table() {
        // More distinct values than the builder's own table holds, then the first ones again
        // (looked up afresh once the table was cleared), runs and empty values (null).
        let mut values: Vec<String> = (0..MAX_LOCAL_CATEGORIES + 100)
            .map(|i| format!("category-value-{i}"))
            .collect();
        values.extend((0..50).map(|i| format!("category-value-{i}")));
        values.extend(["FAIL", "FAIL", "", "DSN", "FAIL"].map(String::from));
        let mut b = CategoryBuilder::new("EventId", values.len());
        for v in &values {
            b.push(v);
        }
        let series = b.finish();
        let back = series.cast(&DataType::String).unwrap();
        let back: Vec<Option<&str>> = back.str().unwrap().iter().collect();
        let expected: Vec<Option<&str>> = values
            .iter()
            .map(|v| (!v.is_empty()).then_some(v.as_str()))
            .collect();
        assert_eq!(back, expected);
    }

    #[test]
    fn list_members_are_split_row_by_row_with_one_reused_buffer() {
        let mut b = ColumnBuilder::new(Field::Recipients, 3);
        for row in ["a@x.com;b@x.com", "", "c-longer-than-twelve@x.com"] {
            assert!(b.push_text(row).is_ok());
        }
        let mut e = ColumnBuilder::new(Field::EventData, 2);
        for row in ["S:DeliveryPriority=Normal;S:AccountForest=x.com", "S:Msg=1"] {
            assert!(e.push_text(row).is_ok());
        }
        let recipients = b.finish(Field::Recipients).unwrap();
        let lists: Vec<Vec<String>> = recipients
            .list()
            .unwrap()
            .amortized_iter()
            .map(|l| {
                l.map(|s| {
                    s.as_ref()
                        .str()
                        .unwrap()
                        .iter()
                        .map(|m| m.unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            lists,
            vec![
                vec!["a@x.com".to_string(), "b@x.com".to_string()],
                vec![],
                vec!["c-longer-than-twelve@x.com".to_string()],
            ]
        );
        let frame =
            DataFrame::new_infer_height(vec![e.finish(Field::EventData).unwrap().into()]).unwrap();
        let pairs = crate::frame::access::event_data(&frame).unwrap();
        let owned = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            pairs,
            vec![
                vec![
                    owned("DeliveryPriority", "Normal"),
                    owned("AccountForest", "x.com")
                ],
                vec![owned("Msg", "1")],
            ]
        );
    }
}
