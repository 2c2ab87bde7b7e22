//! A Parquet file written a row group at a time in bounded memory.
//!
//! polars' writer keeps a description of every page it wrote (header, statistics) until the
//! file's footer: about 65 KiB a row group of events, 30 MiB for the 1.9 M events of 1 GB in
//! groups of 4,096, and without bound as the file grows. Here each row group is written by
//! polars' writer as a Parquet file of its own, streamed into the output without its leading
//! magic and without its footer; the part's footer is read back and its row group's
//! metadata, its offsets moved to where the part landed, kept for the output's one footer,
//! and its page indexes written after the group with their pages' offsets moved too. What is
//! kept is the footer's own bytes (~120 bytes a column chunk, each row group's metadata kept
//! encoded: decoded it is ~50 KiB a group of events), not the pages' descriptions.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

use polars::prelude::{DataFrame, ParquetWriter, PolarsError};
use polars_parquet_format::thrift::protocol::{TCompactInputProtocol, TCompactOutputProtocol};
use polars_parquet_format::{FileMetaData, RowGroup};

/// The magic that opens and closes a Parquet file.
const MAGIC: &[u8; 4] = b"PAR1";

/// A Parquet file being written to `out` a row group at a time ([`GroupedParquet::write`]),
/// ended by [`GroupedParquet::finish`].
pub struct GroupedParquet<W: Write> {
    out: W,
    /// Bytes written to `out` so far.
    offset: u64,
    /// Every row group written, offsets in the output, each in the footer's encoding.
    groups: Vec<Vec<u8>>,
    /// Rows in the row groups written.
    rows: i64,
    /// The first part's footer (schema, key-value metadata, writer), its row groups taken.
    footer: Option<FileMetaData>,
}

impl<W: Write> GroupedParquet<W> {
    /// A file written to `out` (nothing is written before the first group).
    pub fn new(out: W) -> GroupedParquet<W> {
        GroupedParquet {
            out,
            offset: 0,
            groups: Vec::new(),
            rows: 0,
            footer: None,
        }
    }

    /// Writes `frame` (one chunk a column: rechunked) as the file's next row group; every
    /// frame's columns and types must be the first's.
    pub fn write(&mut self, frame: &DataFrame) -> std::io::Result<()> {
        let to_io = |e: PolarsError| std::io::Error::other(e.to_string());
        if self.offset == 0 {
            self.out.write_all(MAGIC)?;
            self.offset = MAGIC.len() as u64;
        }
        let holding = Rc::new(Cell::new(false));
        let mut sink = PartSink {
            out: &mut self.out,
            skip: MAGIC.len(),
            holding: holding.clone(),
            held: Vec::new(),
            passed: 0,
        };
        {
            let mut writer = ParquetWriter::new(&mut sink)
                .batched(frame.schema())
                .map_err(to_io)?;
            writer.write_batch(frame).map_err(to_io)?;
            holding.set(true);
            writer.finish().map_err(to_io)?;
        }
        let PartSink { held, passed, .. } = sink;
        let (indexes, mut footer) = split_footer(&held)?;
        if let Some(first) = &self.footer
            && first.schema != footer.schema
        {
            return Err(std::io::Error::other(
                "a piece of the output has other columns than the first",
            ));
        }
        // The part's byte 4 (after its magic) is the output's byte `self.offset`.
        let io = std::io::Error::other;
        let shift = i64::try_from(self.offset).map_err(io)? - 4;
        let mut groups = std::mem::take(&mut footer.row_groups);
        // The page indexes follow the row group: in the part from its byte 4 + `passed`, in
        // the output from `self.offset + passed`.
        let held_at = 4 + i64::try_from(passed).map_err(io)?;
        let indexes_at = i64::try_from(self.offset + passed).map_err(io)?;
        let rebuilt = moved_indexes(&mut groups, indexes, held_at, indexes_at, shift)?;
        self.out.write_all(&rebuilt)?;
        for mut group in groups {
            moved(&mut group, shift);
            group.ordinal = i16::try_from(self.groups.len()).ok();
            self.rows += group.num_rows;
            let mut bytes = Vec::new();
            group
                .write_to_out_protocol(&mut TCompactOutputProtocol::new(&mut bytes))
                .map_err(std::io::Error::other)?;
            self.groups.push(bytes);
        }
        self.offset += passed + rebuilt.len() as u64;
        self.footer.get_or_insert(footer);
        Ok(())
    }

    /// Whether a row group was written.
    pub fn started(&self) -> bool {
        self.footer.is_some()
    }

    /// Writes the footer listing every row group; gives the output back.
    pub fn finish(mut self) -> std::io::Result<W> {
        let Some(mut footer) = self.footer.take() else {
            return Err(std::io::Error::other("a Parquet file of no row group"));
        };
        footer.num_rows = self.rows;
        let mut bytes = Vec::new();
        write_footer(&footer, &self.groups, &mut bytes).map_err(std::io::Error::other)?;
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&bytes)?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(MAGIC)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `footer` written as `FileMetaData::write_to_out_protocol` writes it, its row groups
/// (`footer.row_groups` is empty) those of `groups`, decoded one at a time: field by field as
/// the Parquet format's Thrift definition numbers them.
fn write_footer(
    footer: &FileMetaData,
    groups: &[Vec<u8>],
    out: &mut Vec<u8>,
) -> polars_parquet_format::thrift::Result<()> {
    use polars_parquet_format::thrift::protocol::{
        TFieldIdentifier, TListIdentifier, TOutputProtocol, TStructIdentifier, TType,
    };
    if footer.encryption_algorithm.is_some() || footer.footer_signing_key_metadata.is_some() {
        return Err(std::io::Error::other("an encrypted Parquet footer").into());
    }
    let mut o = TCompactOutputProtocol::new(out);
    let list = |o: &mut TCompactOutputProtocol<&mut Vec<u8>>, name, id, len: usize| {
        o.write_field_begin(&TFieldIdentifier::new(name, TType::List, id))?;
        o.write_list_begin(&TListIdentifier::new(TType::Struct, u32::try_from(len)?))
    };
    o.write_struct_begin(&TStructIdentifier::new("FileMetaData"))?;
    o.write_field_begin(&TFieldIdentifier::new("version", TType::I32, 1))?;
    o.write_i32(footer.version)?;
    o.write_field_end()?;
    list(&mut o, "schema", 2, footer.schema.len())?;
    for element in &footer.schema {
        element.write_to_out_protocol(&mut o)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    o.write_field_begin(&TFieldIdentifier::new("num_rows", TType::I64, 3))?;
    o.write_i64(footer.num_rows)?;
    o.write_field_end()?;
    list(&mut o, "row_groups", 4, groups.len())?;
    for bytes in groups {
        let mut input = TCompactInputProtocol::new(bytes.as_slice(), usize::MAX);
        RowGroup::read_from_in_protocol(&mut input)?.write_to_out_protocol(&mut o)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    if let Some(pairs) = &footer.key_value_metadata {
        list(&mut o, "key_value_metadata", 5, pairs.len())?;
        for pair in pairs {
            pair.write_to_out_protocol(&mut o)?;
        }
        o.write_list_end()?;
        o.write_field_end()?;
    }
    if let Some(writer) = &footer.created_by {
        o.write_field_begin(&TFieldIdentifier::new("created_by", TType::String, 6))?;
        o.write_string(writer)?;
        o.write_field_end()?;
    }
    if let Some(orders) = &footer.column_orders {
        list(&mut o, "column_orders", 7, orders.len())?;
        for order in orders {
            order.write_to_out_protocol(&mut o)?;
        }
        o.write_list_end()?;
        o.write_field_end()?;
    }
    o.write_field_stop()?;
    o.write_struct_end()?;
    Ok(())
}

/// Where polars' writer writes one part: its magic dropped, its row group passed on to the
/// output, what `finish` writes (page indexes, footer) held.
struct PartSink<'o, W: Write> {
    out: &'o mut W,
    /// Bytes still to drop (the part's magic).
    skip: usize,
    /// Set once the row group is written: what follows is held.
    holding: Rc<Cell<bool>>,
    held: Vec<u8>,
    /// Bytes passed on to the output.
    passed: u64,
}

impl<W: Write> Write for PartSink<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let dropped = self.skip.min(buf.len());
        self.skip -= dropped;
        let rest = &buf[dropped..];
        if self.holding.get() {
            self.held.extend_from_slice(rest);
        } else {
            self.out.write_all(rest)?;
            self.passed += rest.len() as u64;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A part's end (page indexes, footer, its length, magic) split into the indexes' bytes and
/// the footer read.
fn split_footer(end: &[u8]) -> std::io::Result<(&[u8], FileMetaData)> {
    let bad = || std::io::Error::other("polars' Parquet writer ended a row group without a footer");
    let (rest, tail) = end
        .split_at_checked(end.len().checked_sub(8).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    if &tail[4..] != MAGIC {
        return Err(bad());
    }
    let len = u32::from_le_bytes(tail[..4].try_into().map_err(|_| bad())?) as usize;
    let (indexes, footer) = rest
        .split_at_checked(rest.len().checked_sub(len).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    // The limit guards a reader against hostile lengths (it counts 8 bytes a list item);
    // these are the writer's own bytes.
    let mut protocol = TCompactInputProtocol::new(footer, usize::MAX);
    let footer = <FileMetaData as polars_parquet_format::thrift::protocol::ReadThrift>::read_from_in_protocol(&mut protocol)
        .map_err(std::io::Error::other)?;
    Ok((indexes, footer))
}

/// The page indexes of `groups` (in `held`, the part's bytes from its byte `held_at`) as they
/// go into the output at `indexes_at`: each column's column index as it is, its offset index
/// with its pages' offsets moved by `shift`; the columns' index offsets and lengths set to
/// where they now are.
fn moved_indexes(
    groups: &mut [RowGroup],
    held: &[u8],
    held_at: i64,
    indexes_at: i64,
    shift: i64,
) -> std::io::Result<Vec<u8>> {
    use polars_parquet_format::OffsetIndex;
    let bad = || std::io::Error::other("polars' Parquet writer put a page index outside its part");
    let slice = |at: i64, len: i32| -> std::io::Result<&[u8]> {
        let from = usize::try_from(at - held_at).map_err(|_| bad())?;
        let len = usize::try_from(len).map_err(|_| bad())?;
        held.get(from..from + len).ok_or_else(bad)
    };
    let mut out: Vec<u8> = Vec::new();
    let here = |out: &Vec<u8>| indexes_at + out.len() as i64;
    for column in groups.iter_mut().flat_map(|g| g.columns.iter_mut()) {
        if let (Some(at), Some(len)) = (column.column_index_offset, column.column_index_length) {
            let bytes = slice(at, len)?;
            column.column_index_offset = Some(here(&out));
            out.extend_from_slice(bytes);
        }
    }
    for column in groups.iter_mut().flat_map(|g| g.columns.iter_mut()) {
        if let (Some(at), Some(len)) = (column.offset_index_offset, column.offset_index_length) {
            let mut protocol = TCompactInputProtocol::new(slice(at, len)?, usize::MAX);
            let mut index =
                OffsetIndex::read_from_in_protocol(&mut protocol).map_err(std::io::Error::other)?;
            for page in &mut index.page_locations {
                page.offset += shift;
            }
            let start = out.len();
            column.offset_index_offset = Some(here(&out));
            index
                .write_to_out_protocol(&mut TCompactOutputProtocol::new(&mut out))
                .map_err(std::io::Error::other)?;
            column.offset_index_length =
                Some(i32::try_from(out.len() - start).map_err(std::io::Error::other)?);
        }
    }
    Ok(out)
}

/// `group`'s data offsets moved by `shift` bytes (its page indexes: [`moved_indexes`]).
fn moved(group: &mut RowGroup, shift: i64) {
    if let Some(offset) = &mut group.file_offset {
        *offset += shift;
    }
    for column in &mut group.columns {
        column.file_offset += shift;
        if let Some(meta) = &mut column.meta_data {
            meta.data_page_offset += shift;
            for offset in [
                &mut meta.index_page_offset,
                &mut meta.dictionary_page_offset,
                &mut meta.bloom_filter_offset,
            ]
            .into_iter()
            .flatten()
            {
                *offset += shift;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    /// Three frames written as three row groups read back as the three frames stacked, by
    /// polars and with each group's rows where its metadata says.
    #[test]
    fn row_groups_written_one_at_a_time_read_back_as_one_file() {
        let part = |from: i64| {
            df!(
                "n" => (from..from + 1000).collect::<Vec<_>>(),
                "s" => (from..from + 1000).map(|i| format!("sender{}@contoso.com", i % 7)).collect::<Vec<_>>(),
                "l" => (from..from + 1000).map(|i| Series::new("".into(), vec![i; (i % 3) as usize])).collect::<Vec<_>>(),
            )
            .expect("frame")
        };
        let frames = [part(0), part(1000), part(5000)];
        let mut file = GroupedParquet::new(Vec::new());
        for frame in &frames {
            file.write(frame).expect("group");
        }
        let bytes = file.finish().expect("footer");
        let read = ParquetReader::new(std::io::Cursor::new(bytes.clone()))
            .finish()
            .expect("read back");
        let mut whole = frames[0].clone();
        whole.vstack_mut(&frames[1]).expect("stack");
        whole.vstack_mut(&frames[2]).expect("stack");
        assert!(read.equals_missing(&whole), "{read} != {whole}");
        let mut reader = ParquetReader::new(std::io::Cursor::new(bytes.clone()));
        let meta = reader.get_metadata().expect("metadata").clone();
        assert_eq!(meta.row_groups.len(), 3);
        assert_eq!(meta.num_rows, 3000);
        // Each column chunk's page index moved with it: its pages lie inside the chunk.
        let (_, footer) = split_footer(&bytes).expect("a footer");
        let mut checked = 0;
        for group in &footer.row_groups {
            for column in &group.columns {
                let meta = column.meta_data.as_ref().expect("column metadata");
                let (Some(at), Some(len)) =
                    (column.offset_index_offset, column.offset_index_length)
                else {
                    continue;
                };
                let at = usize::try_from(at).expect("an offset");
                let len = usize::try_from(len).expect("a length");
                let mut protocol = TCompactInputProtocol::new(&bytes[at..at + len], usize::MAX);
                let index = <polars_parquet_format::OffsetIndex as polars_parquet_format::thrift::protocol::ReadThrift>::read_from_in_protocol(&mut protocol)
                    .expect("an offset index");
                let start = meta.dictionary_page_offset.unwrap_or(meta.data_page_offset);
                let end = start + meta.total_compressed_size;
                for page in &index.page_locations {
                    assert!(
                        (start..end).contains(&page.offset),
                        "a page at {} outside its chunk {start}..{end}",
                        page.offset
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 9, "{checked} page indexes");
        // The footer written field by field is the bytes polars' Thrift code writes for it.
        let len = u32::from_le_bytes(
            bytes[bytes.len() - 8..bytes.len() - 4]
                .try_into()
                .expect("4"),
        );
        let written = &bytes[bytes.len() - 8 - len as usize..bytes.len() - 8];
        let mut whole = Vec::new();
        footer
            .write_to_out_protocol(&mut TCompactOutputProtocol::new(&mut whole))
            .expect("encode");
        assert_eq!(written, whole.as_slice());
    }
}
