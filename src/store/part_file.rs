//! How a part's columns are laid out in its Parquet file: the encoding and compression of each
//! column, chosen for what reading it costs.
//!
//! - Timestamp and Line: DELTA_BINARY_PACKED and not compressed. Rows are in time order, so
//!   a row costs a few bits (plain 64-bit values compressed with zstd were 8 bytes a row to
//!   decompress on every read: Timestamp is read by every question).
//! - Low-cardinality columns (EventId, Source, …): dictionary-encoded and not compressed:
//!   their pages are a few bit-packed codes a row, which zstd barely shrinks and whose
//!   decompression context cost more than the decoding.
//! - Everything else: dictionary-encoded where the writer finds it worthwhile, zstd level 1.
//!
//! Every engine reads these encodings (they are in the Parquet specification since 2.0; DuckDB,
//! Spark and Trino decode them), and a reader takes each column chunk's codec from its own
//! metadata, so stores written before read as they did.

use std::io::Write;

use polars::prelude::*;
use polars_parquet::parquet::error::ParquetError;
use polars_parquet::write::{
    CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
    FallibleStreamingIterator, FileWriter, ParquetType, StatisticsOptions, Version, WriteOptions,
    ZstdLevel, array_to_columns, get_dtype_encoding, to_parquet_schema,
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
    /// A writer of frames of `schema` (the stored columns, no categoricals) to `out`.
    pub(super) fn new(out: W, schema: &Schema) -> PolarsResult<PartFileWriter<W>> {
        let arrow = schema.to_arrow(CompatLevel::newest());
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

    /// Writes `frame` (of the writer's schema) as one row group per chunk.
    pub(super) fn write(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        for batch in frame.iter_chunks(CompatLevel::newest(), false) {
            let rows = batch.len();
            if rows == 0 {
                continue;
            }
            let mut leaves = Vec::new();
            for ((array, type_), (encodings, compression)) in batch
                .into_arrays()
                .into_iter()
                .zip(&self.types)
                .zip(&self.columns)
            {
                let options = WriteOptions {
                    compression: *compression,
                    ..self.options
                };
                for pages in array_to_columns(array, type_.clone(), options, encodings)? {
                    let pages =
                        pages.map(|p| p.map_err(|e| ParquetError::OutOfSpec(e.to_string())));
                    let compressed =
                        Compressor::new(pages, *compression, Vec::new()).map_err(PolarsError::from);
                    leaves.push(Ok(DynStreamingIterator::new(compressed)));
                }
            }
            self.writer
                .write(rows as u64, DynIter::new(leaves.into_iter()))?;
        }
        Ok(())
    }

    /// Writes the footer (with the Arrow schema, as polars writes it).
    pub(super) fn finish(&mut self) -> PolarsResult<u64> {
        self.writer.end(None)
    }
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
        _ => (get_dtype_encoding(dtype), compressed),
    }
}
