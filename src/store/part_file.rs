//! How a part's columns are laid out in its Parquet file: the encoding and compression of each
//! column, chosen for what reading it costs.
//!
//! - Timestamp and Line: DELTA_BINARY_PACKED and not compressed. Rows are in time order, so
//!   a row costs a few bits (plain 64-bit values compressed with zstd were 8 bytes a row to
//!   decompress on every read: Timestamp is read by every question).
//! - Low-cardinality columns (EventId, Source, …): dictionary-encoded and not compressed:
//!   their pages are a few bit-packed codes a row, which zstd barely shrinks and whose
//!   decompression context cost more than the decoding. The dictionary is made from the
//!   column's category codes (each row group's own categories, in order of first use), not by
//!   estimating and hashing the text of every row; the file declares the column as text.
//! - Recipients and RecipientStatus: their members as a dictionary of each row group's own
//!   values (a message's recipients repeat on each of its rows), not compressed.
//! - Sender, ReturnPath, MessageSubject, RecipientCount, RelatedRecipientAddress: dictionary-
//!   encoded where it pays (see the last item), not compressed (zstd shrank them by less than
//!   a fifth, for a decompression context per page on every read).
//! - LogId and SourceContext: plain, zstd level 1 (nearly every row's value differs: no
//!   dictionary is tried).
//! - Everything else: dictionary-encoded where it pays, zstd level 1. A text column is
//!   dictionary-encoded unless more than three rows in four hold a value of their own (over
//!   128 rows), its dictionary made from the rows' views ([`text_dictionary`]); polars' writer
//!   decides for numbers.
//! - The list columns' pages (their levels, keys and values) are made by [`super::list_pages`]
//!   rather than by polars' general nested writer (which walks each list three times).
//! - Compressed columns are written in data pages of about 32 KiB (before compression), the
//!   others in one page a row group: a read of a few rows decompresses the pages that hold
//!   them ([`COMPRESSED_PAGE`]).
//!
//! Every engine reads these encodings (they are in the Parquet specification since 2.0; DuckDB,
//! Spark and Trino decode them), and a reader takes each column chunk's codec from its own
//! metadata, so stores written before read as they did.

use std::io::Write;

use polars::prelude::*;
use polars_arrow::array::{
    Array, DictionaryArray, ListArray, MutableBinaryViewArray, PrimitiveArray as ArrowPrimitive,
    StructArray, Utf8ViewArray,
};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::{Field as ArrowField, IntegerType};
use polars_parquet::parquet::error::ParquetError;
use polars_parquet::write::{
    CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
    FallibleStreamingIterator, FileWriter, Page, ParquetType, StatisticsOptions, Version,
    WriteOptions, ZstdLevel, array_to_columns, get_dtype_encoding, to_parquet_schema,
};

use crate::format::Field;
use crate::format::FieldKind;

/// A part file being written, row group by row group.
pub(super) struct PartFileWriter<W: Write> {
    writer: FileWriter<W>,
    types: Vec<ParquetType>,
    /// Per column: the encoding of each of its leaves, and its compression.
    columns: Vec<(Vec<Encoding>, CompressionOptions)>,
    options: WriteOptions,
}

impl<W: Write> PartFileWriter<W> {
    /// A writer of frames of `schema` (the stored columns; top-level categoricals are written
    /// as dictionary-encoded text) to `out`.
    pub(super) fn new(out: W, schema: &Schema) -> PolarsResult<PartFileWriter<W>> {
        let plain: Schema = schema
            .iter()
            .map(|(name, dtype)| (name.clone(), plain(dtype)))
            .collect();
        let arrow = plain.to_arrow(CompatLevel::newest());
        let options = WriteOptions {
            // Minimum, maximum and null count (what engines prune by); distinct counts cost a
            // hash of every value and no engine prunes by them.
            statistics: StatisticsOptions::default(),
            version: Version::V1,
            compression: CompressionOptions::Zstd(ZstdLevel::try_new(1).ok()),
            data_page_size: None,
        };
        let types = to_parquet_schema(&arrow)?.fields().to_vec();
        let columns = arrow
            .iter_values()
            .map(|f| column_layout(f.name.as_str(), &f.dtype, options.compression))
            .collect();
        let writer = FileWriter::try_new(out, arrow, options)?;
        Ok(PartFileWriter {
            writer,
            types,
            columns,
            options,
        })
    }

    /// Writes `frame` (of the writer's schema) as one row group.
    pub(super) fn write(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        let rows = frame.height();
        if rows == 0 {
            return Ok(());
        }
        let arrays = frame
            .columns()
            .iter()
            .map(|c| {
                let series = c.as_materialized_series().rechunk();
                if matches!(
                    Field::from_name(series.name()),
                    Some(Field::Recipients | Field::RecipientStatus)
                ) {
                    text_list_dictionary(&series.to_arrow(0, CompatLevel::newest()))
                } else if has_categories(series.dtype()) {
                    // The column's physical arrays (categories as their codes).
                    let physical = series.chunks().first().cloned().ok_or_else(
                        || polars_err!(ComputeError: "column {} has no values", series.name()),
                    )?;
                    with_local_dictionaries(&physical, series.dtype())
                } else {
                    Ok(series.to_arrow(0, CompatLevel::newest()))
                }
            })
            .collect::<PolarsResult<Vec<ArrayRef>>>()?;
        let mut leaves = Vec::new();
        for ((array, type_), (encodings, compression)) in
            arrays.into_iter().zip(&self.types).zip(&self.columns)
        {
            // A text column the writer would dictionary-encode: its dictionary made here from
            // the rows' views, or plain when most values differ.
            let (array, encodings) = match array.as_any().downcast_ref::<Utf8ViewArray>() {
                Some(text) if encodings[..] == [Encoding::RleDictionary] => {
                    match text_dictionary(text, worth_a_dictionary(text.len()))? {
                        Some(dictionary) => (dictionary, encodings.as_slice()),
                        None => (array, &[Encoding::Plain][..]),
                    }
                }
                _ => (array, encodings.as_slice()),
            };
            let options = WriteOptions {
                compression: *compression,
                data_page_size: compressed_page_size(*compression),
                ..self.options
            };
            let pages: Vec<DynIter<'static, PolarsResult<Page>>> =
                match super::list_pages::list_column_pages(array.as_ref(), type_) {
                    Some(made) => made?
                        .into_iter()
                        .map(|pages| DynIter::new(pages.into_iter().map(Ok)))
                        .collect(),
                    None => array_to_columns(array, type_.clone(), options, encodings)?,
                };
            for pages in pages {
                let pages = pages.map(|p| p.map_err(|e| ParquetError::OutOfSpec(e.to_string())));
                let compressed =
                    Compressor::new(pages, *compression, Vec::new()).map_err(PolarsError::from);
                leaves.push(Ok(DynStreamingIterator::new(compressed)));
            }
        }
        self.writer
            .write(rows as u64, DynIter::new(leaves.into_iter()))
    }

    /// Writes the footer (with the Arrow schema, as polars writes it) and gives the output
    /// back.
    pub(super) fn finish(mut self) -> PolarsResult<W> {
        self.writer.end(None)?;
        Ok(self.writer.into_inner())
    }
}

/// A stored dtype as the file declares it: categories (also inside lists and structs) as text.
fn plain(dtype: &DataType) -> DataType {
    match dtype {
        DataType::Categorical(..) | DataType::Enum(..) => DataType::String,
        DataType::List(inner) => DataType::List(Box::new(plain(inner))),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| polars::prelude::Field::new(f.name().clone(), plain(f.dtype())))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `dtype` is or holds categories.
fn has_categories(dtype: &DataType) -> bool {
    plain(dtype) != *dtype
}

/// A column's physical array (categories as codes, of `dtype`) as the array written: each
/// categorical (top level, or EventData's keys in a list of structs) a dictionary array of the
/// row group's own categories, in order of first use. The writer writes that dictionary as the
/// dictionary page and the rows' codes, instead of estimating and hashing the text of every
/// row; the file declares the column as text ([`plain`]).
fn with_local_dictionaries(array: &ArrayRef, dtype: &DataType) -> PolarsResult<ArrayRef> {
    let wrong = || polars_err!(ComputeError: "a stored column's arrays are not of its type");
    match dtype {
        DataType::Categorical(_, mapping) => {
            let codes = array
                .as_any()
                .downcast_ref::<ArrowPrimitive<u32>>()
                .ok_or_else(wrong)?;
            local_dictionary(codes, mapping)
        }
        DataType::List(inner) => {
            let list = array
                .as_any()
                .downcast_ref::<ListArray<i64>>()
                .ok_or_else(wrong)?;
            relisted(list, with_local_dictionaries(list.values(), inner)?)
        }
        DataType::Struct(fields) => {
            let st = array
                .as_any()
                .downcast_ref::<StructArray>()
                .ok_or_else(wrong)?;
            let values = st
                .values()
                .iter()
                .zip(fields)
                .map(|(a, f)| with_local_dictionaries(a, f.dtype()))
                .collect::<PolarsResult<Vec<ArrayRef>>>()?;
            let dtype = ArrowDataType::Struct(
                fields
                    .iter()
                    .zip(&values)
                    .map(|(f, a)| ArrowField::new(f.name().clone(), a.dtype().clone(), true))
                    .collect(),
            );
            Ok(StructArray::try_new(dtype, st.len(), values, st.validity().cloned())?.boxed())
        }
        _ => Ok(array.clone()),
    }
}

/// A list-of-text column (Recipients, RecipientStatus) with its members as a dictionary of
/// the row group's own values, in order of first use: a message's recipients and statuses
/// repeat on each of its rows, so its pages hold a few bits a member, not every address again.
fn text_list_dictionary(array: &ArrayRef) -> PolarsResult<ArrayRef> {
    let wrong = || polars_err!(ComputeError: "a list column's arrays are not lists of text");
    let list = array
        .as_any()
        .downcast_ref::<ListArray<i64>>()
        .ok_or_else(wrong)?;
    let members = list
        .values()
        .as_any()
        .downcast_ref::<Utf8ViewArray>()
        .ok_or_else(wrong)?;
    let members = text_dictionary(members, usize::MAX)?
        .ok_or_else(|| polars_err!(ComputeError: "a list column's members made no dictionary"))?;
    relisted(list, members)
}

/// The most distinct values a text column of `rows` rows is dictionary-encoded with: three
/// rows in four, over more than 128 rows (the rule polars' writer applies to its estimate).
fn worth_a_dictionary(rows: usize) -> usize {
    if rows > 128 { rows * 3 / 4 } else { rows }
}

/// Text as a dictionary array of its own values in order of first use, or `None` when it has
/// more than `most` distinct values. Rows are looked up by their 16-byte view: the ingester
/// stores a repeated value once, so equal views (the same inline bytes, or the same place in
/// the same buffer) are equal values (polars' writer estimates the distinct values and then
/// makes its dictionary by hashing every row's text).
fn text_dictionary(text: &Utf8ViewArray, most: usize) -> PolarsResult<Option<ArrayRef>> {
    first_use_dictionary(
        text.views().iter().map(|v| v.as_u128()),
        text.validity(),
        |i| text.value(i),
        most,
    )
}

/// Rows as a dictionary array of their values in order of first use, or `None` when they hold
/// more than `most` distinct values. Each row is looked up by its `id` (equal ids are equal
/// values: a text's view, a category's code); only the first row of each distinct id has its
/// text (`text_of`, by row) looked up, which also makes one entry of equal values whose ids
/// differ. Rows that `validity` says are null are null.
fn first_use_dictionary<'a, I: Copy + Eq + std::hash::Hash>(
    ids: impl ExactSizeIterator<Item = I>,
    validity: Option<&Bitmap>,
    text_of: impl Fn(usize) -> &'a str,
    most: usize,
) -> PolarsResult<Option<ArrayRef>> {
    let mut by_id: PlHashMap<I, u32> = PlHashMap::default();
    let mut by_value: PlHashMap<&str, u32> = PlHashMap::default();
    let mut values = MutableBinaryViewArray::<str>::new();
    let mut keys: Vec<u32> = Vec::with_capacity(ids.len());
    let mut last: Option<(I, u32)> = None;
    for (i, id) in ids.enumerate() {
        if validity.is_some_and(|v| !v.get_bit(i)) {
            keys.push(0);
            continue;
        }
        let key = match last {
            Some((l, k)) if l == id => k,
            _ => {
                let k = match by_id.get(&id) {
                    Some(k) => *k,
                    None => {
                        let value = text_of(i);
                        let next = by_value.len() as u32;
                        let k = *by_value.entry(value).or_insert_with(|| {
                            values.push_value(value);
                            next
                        });
                        if by_value.len() > most {
                            return Ok(None);
                        }
                        by_id.insert(id, k);
                        k
                    }
                };
                last = Some((id, k));
                k
            }
        };
        keys.push(key);
    }
    dictionary_array(keys, validity.cloned(), values).map(Some)
}

/// `list` with its values replaced by `values` (as many, in the same order).
fn relisted(list: &ListArray<i64>, values: ArrayRef) -> PolarsResult<ArrayRef> {
    let dtype = ArrowDataType::LargeList(Box::new(ArrowField::new(
        PlSmallStr::from_static("item"),
        values.dtype().clone(),
        true,
    )));
    Ok(ListArray::<i64>::try_new(
        dtype,
        list.offsets().clone(),
        values,
        list.validity().cloned(),
    )?
    .boxed())
}

/// A dictionary array of text: row `i` is `values[keys[i]]`, or null where `validity` says.
fn dictionary_array(
    keys: Vec<u32>,
    validity: Option<Bitmap>,
    values: MutableBinaryViewArray<str>,
) -> PolarsResult<ArrayRef> {
    let keys = ArrowPrimitive::new(ArrowDataType::UInt32, keys.into(), validity);
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    let values: Utf8ViewArray = values.into();
    Ok(DictionaryArray::try_new(dtype, keys, values.boxed())?.boxed())
}

/// Category codes as a dictionary array of their own categories, in order of first use.
fn local_dictionary(
    codes: &ArrowPrimitive<u32>,
    mapping: &CategoricalMapping,
) -> PolarsResult<ArrayRef> {
    first_use_dictionary(
        codes.values().iter().copied(),
        codes.validity(),
        |i| mapping.cat_to_str(codes.value(i)).unwrap_or(""),
        usize::MAX,
    )?
    .ok_or_else(|| polars_err!(ComputeError: "a category column made no dictionary"))
}

/// The most bytes of a compressed column's data page before compression: a read of a few rows
/// (one message's, a day's FAIL rows) decompresses the pages that hold them, not the column
/// chunk of every row group they are in (a whole chunk of MessageInfo or LogId is some 400 KB
/// to decompress for one row). Uncompressed columns keep one page a row group: their pages
/// cost no decompression to skip through.
const COMPRESSED_PAGE: usize = 32 << 10;

/// The data page size a column of `compression` is written with (`None`: polars' 1 MB).
fn compressed_page_size(compression: CompressionOptions) -> Option<usize> {
    (!matches!(compression, CompressionOptions::Uncompressed)).then_some(COMPRESSED_PAGE)
}

/// The encodings of a stored column's leaves and its compression.
fn column_layout(
    name: &str,
    dtype: &ArrowDataType,
    compressed: CompressionOptions,
) -> (Vec<Encoding>, CompressionOptions) {
    let field = Field::from_name(name);
    match field {
        Some(Field::Timestamp | Field::Line) => (
            vec![Encoding::DeltaBinaryPacked],
            CompressionOptions::Uncompressed,
        ),
        Some(f) if f.kind() == FieldKind::Category => {
            (get_dtype_encoding(dtype), CompressionOptions::Uncompressed)
        }
        // Dictionary-encoded columns zstd shrank by less than a fifth on generated and real
        // logs alike (a dictionary of addresses or subjects, a few bits a row): each page's
        // decompression context cost more than the bytes saved.
        Some(
            Field::Sender
            | Field::ReturnPath
            | Field::MessageSubject
            | Field::RecipientCount
            | Field::RelatedRecipientAddress,
        ) => (get_dtype_encoding(dtype), CompressionOptions::Uncompressed),
        // Written as dictionaries of their members (`text_list_dictionary`): zstd shrank them
        // by a fifth more.
        Some(Field::Recipients | Field::RecipientStatus) => (
            vec![Encoding::RleDictionary],
            CompressionOptions::Uncompressed,
        ),
        // (Nearly) unique to each row: plain, without first looking up every value to find
        // that a dictionary does not pay.
        Some(Field::LogId | Field::SourceContext) => (vec![Encoding::Plain], compressed),
        _ => (get_dtype_encoding(dtype), compressed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each data page's size before compression, per column, of a part written in memory.
    fn page_sizes(bytes: &[u8]) -> Vec<(String, Vec<usize>)> {
        use polars_parquet::parquet::page::CompressedPage;
        use polars_parquet::read::{PageReader, read_metadata};
        let metadata = read_metadata(&mut std::io::Cursor::new(bytes)).expect("a footer");
        let mut out = Vec::new();
        for group in &metadata.row_groups {
            for chunk in group.parquet_columns() {
                let range = chunk.byte_range();
                let buffer = polars_buffer::Buffer::from_vec(
                    bytes[range.start as usize..range.end as usize].to_vec(),
                );
                let pages =
                    PageReader::new(std::io::Cursor::new(buffer), chunk, vec![], usize::MAX);
                let sizes = pages
                    .filter_map(|p| match p.expect("a page") {
                        CompressedPage::Data(d) => Some(d.uncompressed_size()),
                        CompressedPage::Dict(_) => None,
                    })
                    .collect();
                out.push((chunk.descriptor().path_in_schema.join("."), sizes));
            }
        }
        out
    }

    #[test]
    fn compressed_columns_are_written_in_small_pages_and_the_others_in_one() {
        // 4,096 rows of 70 bytes a value: some 290 KB a column.
        let values: Vec<String> = (0..4096)
            .map(|i| format!("{i:08}-{}", "x".repeat(61)))
            .collect();
        let frame = df!("LogId" => &values, "Sender" => &values).expect("a frame");
        let mut writer = PartFileWriter::new(Vec::new(), frame.schema()).expect("a writer");
        writer.write(&frame).expect("written");
        let bytes = writer.finish().expect("finished");
        let sizes = page_sizes(&bytes);
        let of = |name: &str| {
            sizes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .expect("the column")
        };
        // LogId (zstd): pages of about 32 KiB (polars sizes them by the values' bytes; a page
        // also holds each value's 4-byte length), as many as that takes.
        let log_id = of("LogId");
        let total: usize = log_id.iter().sum();
        assert!(total > 4096 * 70, "{total}");
        assert!(log_id.len() >= total / COMPRESSED_PAGE, "{log_id:?}");
        let most = COMPRESSED_PAGE + COMPRESSED_PAGE / 8;
        assert!(log_id.iter().all(|s| *s <= most), "{log_id:?}");
        // Sender (not compressed): one page.
        assert_eq!(of("Sender").len(), 1, "{sizes:?}");
    }

    /// A dictionary array's dictionary, and each row's value (`None` for a null row).
    fn decoded(array: &dyn Array) -> (Vec<&str>, Vec<Option<&str>>) {
        let dict = array
            .as_any()
            .downcast_ref::<DictionaryArray<u32>>()
            .expect("a dictionary array");
        let values = dict
            .values()
            .as_any()
            .downcast_ref::<Utf8ViewArray>()
            .expect("a dictionary of text");
        let rows = dict
            .keys()
            .iter()
            .map(|k| k.map(|k| values.value(*k as usize)))
            .collect();
        (values.values_iter().collect(), rows)
    }

    #[test]
    fn a_dictionary_of_its_own_categories_gives_back_every_row() {
        let dtype = crate::frame::schema::dtype(Field::EventId);
        // Categories put in the process-wide map first, so global codes are not 0, 1, 2.
        let _ = StringChunked::from_slice(PlSmallStr::from_static("x"), &["zz-other", "yy"])
            .into_series()
            .cast(&dtype)
            .unwrap();
        let rows = [
            Some("a-category-longer-than-twelve-bytes"),
            None,
            Some("FAIL"),
            Some("FAIL"),
            Some("a-category-longer-than-twelve-bytes"),
            None,
            Some("DSN"),
        ];
        let column =
            StringChunked::from_iter_options(PlSmallStr::from_static("EventId"), rows.into_iter())
                .into_series()
                .cast(&dtype)
                .unwrap();
        let categories = column.cat32().unwrap();
        let codes = categories.physical().rechunk();
        let array = local_dictionary(codes.downcast_as_array(), categories.get_mapping()).unwrap();
        let (dictionary, back) = decoded(array.as_ref());
        // Only this column's categories, in order of first use.
        assert_eq!(
            dictionary,
            ["a-category-longer-than-twelve-bytes", "FAIL", "DSN"]
        );
        assert_eq!(back, rows);
    }

    #[test]
    fn a_text_column_s_dictionary_holds_each_value_once_whatever_its_views() {
        let long = "a-sender-longer-than-twelve@contoso.com";
        // Two chunks stored apart, so the same long value has a view in each buffer.
        let first = Utf8ViewArray::from_slice([Some(long), Some("ann@x.com"), None]);
        let second = Utf8ViewArray::from_slice([Some("ann@x.com"), Some(long), Some(long)]);
        let text = polars_arrow::compute::concatenate::concatenate(&[&first, &second]).unwrap();
        let text = text.as_any().downcast_ref::<Utf8ViewArray>().unwrap();
        let views = text.views();
        assert_ne!(views[0], views[4], "the value has two views");
        let array = text_dictionary(text, usize::MAX)
            .unwrap()
            .expect("values repeat");
        let (dictionary, back) = decoded(array.as_ref());
        assert_eq!(dictionary, [long, "ann@x.com"]);
        assert_eq!(back, text.iter().collect::<Vec<_>>());
    }

    #[test]
    fn a_text_column_whose_values_mostly_differ_gets_no_dictionary() {
        let text_dictionary_of =
            |text: &Utf8ViewArray| text_dictionary(text, worth_a_dictionary(text.len()));
        let differ = |n: usize, distinct: usize| {
            let rows: Vec<String> = (0..n)
                .map(|i| format!("value-number-{:06}", i % distinct))
                .collect();
            Utf8ViewArray::from_slice(rows.iter().map(|r| Some(r.as_str())).collect::<Vec<_>>())
        };
        // Over 128 rows, more than three in four distinct: plain.
        assert!(text_dictionary_of(&differ(200, 151)).unwrap().is_none());
        // Exactly three in four: still a dictionary.
        let array = text_dictionary_of(&differ(200, 150))
            .unwrap()
            .expect("3 in 4");
        assert_eq!(decoded(array.as_ref()).0.len(), 150);
        // A handful of rows always gets one.
        assert!(text_dictionary_of(&differ(128, 128)).unwrap().is_some());
    }

    #[test]
    fn a_list_column_as_a_dictionary_of_its_members_gives_back_every_list() {
        let lists: Vec<Option<Vec<&str>>> = vec![
            Some(vec![
                "ann@contoso.com",
                "a-member-longer-than-twelve@contoso.com",
            ]),
            Some(vec![]),
            None,
            Some(vec![
                "a-member-longer-than-twelve@contoso.com",
                "bob@contoso.com",
                "ann@contoso.com",
            ]),
        ];
        let series: Series = lists
            .iter()
            .map(|l| l.as_ref().map(|m| Series::new(PlSmallStr::EMPTY, m)))
            .collect::<ListChunked>()
            .into_series();
        let array = text_list_dictionary(&series.to_arrow(0, CompatLevel::newest())).unwrap();
        let list = array.as_any().downcast_ref::<ListArray<i64>>().unwrap();
        let (dictionary, members) = decoded(list.values().as_ref());
        // Each member once, in order of first use.
        assert_eq!(
            dictionary,
            [
                "ann@contoso.com",
                "a-member-longer-than-twelve@contoso.com",
                "bob@contoso.com"
            ]
        );
        let back: Vec<Option<Vec<&str>>> = (0..list.len())
            .map(|i| {
                list.is_valid(i).then(|| {
                    let (start, end) = list.offsets().start_end(i);
                    members[start..end]
                        .iter()
                        .map(|m| m.unwrap_or(""))
                        .collect()
                })
            })
            .collect();
        assert_eq!(back, lists);
    }
}
