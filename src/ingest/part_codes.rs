//! Reading a part's low-cardinality column (EventId, Source, …) straight from its dictionary:
//! each distinct value of a row group is put in the category map once, and each row's code is
//! the dictionary index looked up in a table. Read as text, every row became a string view
//! that was then looked up (per distinct view) in the map: most of what counting events cost.
//!
//! Only when every data page of the column is dictionary-encoded (what the index writes for
//! these columns); otherwise, or on any error, `None`, and the caller reads the text.

use polars::prelude::*;
use polars_arrow::array::{DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{
    ArrowDataType, DTYPE_CATEGORICAL_NEW, Field as ArrowField, IntegerType, Metadata,
};
use polars_parquet::read::FileMetadata;

use super::part_bytes::PartBytes;
use super::part_columns::{Rows, each_group};
use crate::format::Field;
use crate::frame::schema::dtype;

/// The rows `rows` of the column `field` of the part `bytes`, as the categorical the reader
/// types it as; `None` when it cannot be read so.
pub(super) fn read_codes(
    bytes: &PartBytes,
    metadata: &FileMetadata,
    field: Field,
    rows: Rows<'_>,
) -> Option<Column> {
    let want = dtype(field);
    let DataType::Categorical(_, mapping) = &want else {
        return None;
    };
    let mut chunks_out: Vec<PrimitiveArray<u32>> = Vec::new();
    let arrow_field = ArrowField::new(
        field.name().into(),
        ArrowDataType::Dictionary(
            IntegerType::UInt32,
            Box::new(ArrowDataType::Utf8View),
            false,
        ),
        true,
    )
    .with_metadata(Metadata::from_iter([(
        DTYPE_CATEGORICAL_NEW.into(),
        "".into(),
    )]));
    let not_codes = || polars_err!(ComputeError: "{} is not a dictionary of text", field.name());
    // Only the codes are kept out of each group's arrays.
    each_group(bytes, metadata, field, &arrow_field, rows, |arrays| {
        for array in arrays {
            let dict = array
                .as_any()
                .downcast_ref::<DictionaryArray<u32>>()
                .ok_or_else(not_codes)?;
            let values = dict
                .values()
                .as_any()
                .downcast_ref::<Utf8ViewArray>()
                .ok_or_else(not_codes)?;
            // Each dictionary value into the category map once.
            let table: Vec<u32> = values
                .values_iter()
                .map(|v| mapping.insert_cat(v))
                .collect::<PolarsResult<_>>()?;
            let keys = dict.keys();
            let validity = keys.validity().cloned();
            let mut out: Vec<u32> = Vec::with_capacity(keys.len());
            for (i, k) in keys.values().iter().enumerate() {
                out.push(match table.get(*k as usize) {
                    Some(code) => *code,
                    // A null row's key means nothing; any other must be in the dictionary.
                    None if validity.as_ref().is_some_and(|v| !v.get_bit(i)) => 0,
                    None => return Err(not_codes()),
                });
            }
            chunks_out.push(PrimitiveArray::new(
                ArrowDataType::UInt32,
                out.into(),
                validity,
            ));
        }
        Ok(())
    })
    .ok()?;
    let name = PlSmallStr::from_static(field.name());
    let codes = if chunks_out.is_empty() {
        UInt32Chunked::full_null(name, 0)
    } else {
        UInt32Chunked::from_chunk_iter(name, chunks_out)
    };
    // SAFETY: every code came from `mapping`, the map of `want`.
    let cats = unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(codes, want.clone()) };
    Some(cats.into_series().into_column())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Parquet file of one EventId text column, as polars writes it.
    fn parquet(
        values: &[Option<String>],
        group_rows: usize,
    ) -> (PartBytes, std::sync::Arc<FileMetadata>) {
        let column = StringChunked::from_iter_options(
            PlSmallStr::from_static(Field::EventId.name()),
            values.iter().cloned(),
        );
        let mut df = DataFrame::new(values.len(), vec![column.into_series().into_column()])
            .expect("a frame");
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .with_row_group_size(Some(group_rows))
            .finish(&mut df)
            .expect("written");
        let metadata = ParquetReader::new(std::io::Cursor::new(bytes.clone()))
            .get_metadata()
            .expect("a footer")
            .clone();
        (
            PartBytes::Memory(polars_buffer::Buffer::from_vec(bytes)),
            metadata,
        )
    }

    fn texts(column: &Column) -> Vec<Option<String>> {
        column
            .cast(&DataType::String)
            .expect("text")
            .str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn codes_read_from_dictionaries_are_the_rows_text_across_row_groups_and_slices() {
        let values: Vec<Option<String>> = ["RECEIVE", "SEND", "", "FAIL", "SEND", "RECEIVE", "DSN"]
            .iter()
            .enumerate()
            .map(|(i, v)| (i != 2).then(|| v.to_string()))
            .collect();
        let (bytes, metadata) = parquet(&values, 3);
        assert!(metadata.row_groups.len() > 1, "several row groups");
        let all =
            read_codes(&bytes, &metadata, Field::EventId, Rows::All).expect("dictionary pages");
        assert_eq!(all.dtype(), &dtype(Field::EventId));
        assert_eq!(texts(&all), values);
        // A slice across the first row groups' boundary.
        let some = read_codes(
            &bytes,
            &metadata,
            Field::EventId,
            Rows::Range { from: 2, len: 3 },
        )
        .expect("read");
        assert_eq!(texts(&some), values[2..5].to_vec());
    }

    #[test]
    fn a_column_not_dictionary_encoded_is_left_to_the_text_reader() {
        // Every value distinct: polars writes them plain, with no dictionary.
        let values: Vec<Option<String>> =
            (0..5000).map(|i| Some(format!("value-{i:05}"))).collect();
        let (bytes, metadata) = parquet(&values, values.len());
        assert!(read_codes(&bytes, &metadata, Field::EventId, Rows::All).is_none());
        // A field that is not a category is never read as codes.
        assert!(read_codes(&bytes, &metadata, Field::MessageId, Rows::All).is_none());
    }
}
