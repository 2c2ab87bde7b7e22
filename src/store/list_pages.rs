//! The pages of a part's list columns (Recipients, RecipientStatus, Reference, EventData),
//! made here rather than by polars' general nested writer, which walks every list three times
//! per leaf (to count its values, then for the repetition levels, then for the definition
//! levels) through a general level iterator: about a tenth of indexing.
//!
//! The lists have one of two shapes, read from the column's Parquet type: an optional list of
//! optional members, or an optional list of optional structs of optional fields. A leaf's
//! levels then follow from each row alone: a null list, an empty list, a null struct, a null
//! member, or a member. Members are written as the array holds them: a dictionary array as a
//! dictionary page and its keys, text as plain values. Pages end on a row's end once their
//! values pass [`PAGE_BYTES`], as polars' writer cuts them.

use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, ListArray, StructArray, Utf8ViewArray};
use polars_arrow::bitmap::Bitmap;
use polars_parquet::parquet::CowBuffer;
use polars_parquet::parquet::encoding::hybrid_rle::encode;
use polars_parquet::parquet::metadata::Descriptor;
use polars_parquet::parquet::page::{DataPage, DataPageHeader, DataPageHeaderV1, DictPage};
use polars_parquet::parquet::schema::Repetition;
use polars_parquet::parquet::schema::types::PrimitiveType;
use polars_parquet::parquet::statistics::BinaryStatistics;
use polars_parquet::write::{Encoding, Page, ParquetType};

/// A page is closed at the end of the row that takes its values past this many bytes (polars'
/// writer's default page size).
const PAGE_BYTES: usize = 1 << 20;

/// The pages of each leaf of a list column (`array`, of Parquet type `type_`), in the order of
/// the type's leaves; `None` when the column is not of a shape made here (polars' writer then
/// writes it).
pub(super) fn list_column_pages(
    array: &dyn Array,
    type_: &ParquetType,
) -> Option<PolarsResult<Vec<Vec<Page>>>> {
    let list = array.as_any().downcast_ref::<ListArray<i64>>()?;
    let (list_info, inner) = list_type(type_)?;
    let mut levels = Levels {
        null_list: None,
        empty_list: 0,
        null_struct: None,
        null_member: None,
        member: 0,
    };
    let mut depth = 0;
    if list_info == Repetition::Optional {
        levels.null_list = Some(depth);
        depth += 1;
    }
    // The repeated level: an empty list.
    levels.empty_list = depth;
    depth += 1;
    match inner {
        ParquetType::PrimitiveType(leaf) => {
            let members = list.values().as_ref();
            let levels = levels.with_member(leaf, depth)?;
            Some(leaf_pages(list, None, members, leaf, levels).map(|p| vec![p]))
        }
        ParquetType::GroupType {
            field_info, fields, ..
        } => {
            let structs = list.values().as_any().downcast_ref::<StructArray>()?;
            if structs.values().len() != fields.len() {
                return None;
            }
            if field_info.repetition == Repetition::Optional {
                levels.null_struct = Some(depth);
                depth += 1;
            } else if field_info.repetition != Repetition::Required {
                return None;
            }
            let mut leaves = Vec::with_capacity(fields.len());
            for (members, field) in structs.values().iter().zip(fields) {
                let ParquetType::PrimitiveType(leaf) = field else {
                    return None;
                };
                let levels = levels.with_member(leaf, depth)?;
                leaves.push((members, leaf, levels));
            }
            Some(
                leaves
                    .into_iter()
                    .map(|(members, leaf, levels)| {
                        leaf_pages(list, structs.validity(), members.as_ref(), leaf, levels)
                    })
                    .collect(),
            )
        }
    }
}

/// The repetition of a list column and the type of its members (the `LIST` annotation's
/// three levels: the column, its repeated group, the member).
fn list_type(type_: &ParquetType) -> Option<(Repetition, &ParquetType)> {
    let ParquetType::GroupType {
        field_info, fields, ..
    } = type_
    else {
        return None;
    };
    let [
        ParquetType::GroupType {
            field_info: repeated,
            fields: inner,
            ..
        },
    ] = fields.as_slice()
    else {
        return None;
    };
    if repeated.repetition != Repetition::Repeated || field_info.repetition == Repetition::Repeated
    {
        return None;
    }
    match inner.as_slice() {
        [member] if member.get_field_info().repetition != Repetition::Repeated => {
            Some((field_info.repetition, member))
        }
        _ => None,
    }
}

/// The definition level written for each case of a row or member (`None` where the schema
/// allows no null there).
#[derive(Clone, Copy, Debug)]
struct Levels {
    null_list: Option<u32>,
    empty_list: u32,
    null_struct: Option<u32>,
    null_member: Option<u32>,
    /// A member present: the leaf's highest level.
    member: u32,
}

impl Levels {
    /// The levels of a leaf found at `depth` (its parents' levels counted).
    fn with_member(mut self, leaf: &PrimitiveType, depth: u32) -> Option<Levels> {
        match leaf.field_info.repetition {
            Repetition::Optional => {
                self.null_member = Some(depth);
                self.member = depth + 1;
            }
            Repetition::Required => self.member = depth,
            Repetition::Repeated => return None,
        }
        Some(self)
    }
}

/// A leaf's members as written: dictionary keys (with the dictionary), or plain text.
enum Members<'a> {
    /// The keys, the dictionary, and its bounds (its least and greatest value).
    Keys(
        &'a DictionaryArray<u32>,
        &'a Utf8ViewArray,
        (Option<&'a str>, Option<&'a str>),
    ),
    Text(&'a Utf8ViewArray),
}

impl Members<'_> {
    fn is_valid(&self, i: usize) -> bool {
        match self {
            Members::Keys(keys, ..) => keys.keys().is_valid(i),
            Members::Text(text) => text.is_valid(i),
        }
    }
}

/// The page being made of one leaf.
#[derive(Default)]
struct PageParts<'a> {
    repetition: Vec<u32>,
    definition: Vec<u32>,
    /// Dictionary keys of the members present.
    keys: Vec<u32>,
    /// Plain-encoded members present (length, bytes).
    plain: Vec<u8>,
    rows: usize,
    null_members: usize,
    min: Option<&'a str>,
    max: Option<&'a str>,
}

fn leaf_pages(
    list: &ListArray<i64>,
    struct_validity: Option<&Bitmap>,
    members: &dyn Array,
    leaf: &PrimitiveType,
    levels: Levels,
) -> PolarsResult<Vec<Page>> {
    let wrong = || polars_err!(ComputeError: "list column {} holds neither text nor a dictionary of text", leaf.field_info.name);
    let members = if let Some(keys) = members.as_any().downcast_ref::<DictionaryArray<u32>>() {
        let values = keys
            .values()
            .as_any()
            .downcast_ref::<Utf8ViewArray>()
            .ok_or_else(wrong)?;
        let bounds = (values.values_iter().min(), values.values_iter().max());
        Members::Keys(keys, values, bounds)
    } else {
        Members::Text(
            members
                .as_any()
                .downcast_ref::<Utf8ViewArray>()
                .ok_or_else(wrong)?,
        )
    };
    let mut pages = Vec::new();
    if let Members::Keys(_, values, _) = &members {
        let mut plain = Vec::new();
        for v in values.values_iter() {
            push_plain(&mut plain, v.as_bytes());
        }
        pages.push(Page::Dict(DictPage::new(
            CowBuffer::Owned(plain),
            values.len(),
            false,
        )));
    }
    let required = |what: &str| polars_err!(ComputeError: "list column {} holds a null {what} where the schema allows none", leaf.field_info.name);
    let offsets = list.offsets();
    let mut page = PageParts::default();
    for row in 0..list.len() {
        page.rows += 1;
        if !list.is_valid(row) {
            page.repetition.push(0);
            page.definition
                .push(levels.null_list.ok_or_else(|| required("list"))?);
        } else {
            let (start, end) = offsets.start_end(row);
            if start == end {
                page.repetition.push(0);
                page.definition.push(levels.empty_list);
            }
            for i in start..end {
                page.repetition.push(u32::from(i != start));
                if struct_validity.is_some_and(|v| !v.get_bit(i)) {
                    page.definition
                        .push(levels.null_struct.ok_or_else(|| required("struct"))?);
                } else if !members.is_valid(i) {
                    page.null_members += 1;
                    page.definition
                        .push(levels.null_member.ok_or_else(|| required("member"))?);
                } else {
                    page.definition.push(levels.member);
                    match &members {
                        Members::Keys(keys, ..) => page.keys.push(keys.keys().value(i)),
                        Members::Text(text) => {
                            let v = text.value(i);
                            push_plain(&mut page.plain, v.as_bytes());
                            if page.min.is_none_or(|m| v < m) {
                                page.min = Some(v);
                            }
                            if page.max.is_none_or(|m| v > m) {
                                page.max = Some(v);
                            }
                        }
                    }
                }
            }
        }
        if page.plain.len() + 4 * page.keys.len() >= PAGE_BYTES {
            pages.push(data_page(
                std::mem::take(&mut page),
                &members,
                leaf,
                levels,
            )?);
        }
    }
    // The last rows' page (a column chunk has at least one data page, even of no rows).
    if page.rows > 0 || pages.iter().all(|p| matches!(p, Page::Dict(_))) {
        pages.push(data_page(page, &members, leaf, levels)?);
    }
    Ok(pages)
}

/// Statistics' bounds are cut to this many bytes, as polars' writer cuts them (a long status
/// text would otherwise be copied whole into the footer, twice per page).
const BOUND_BYTES: usize = 64;

/// The longest start of `v` of at most [`BOUND_BYTES`] bytes ending on a character.
fn start_of(v: &str) -> &str {
    let end = (0..=BOUND_BYTES.min(v.len()))
        .rev()
        .find(|&i| v.is_char_boundary(i))
        .unwrap_or(0);
    &v[..end]
}

/// A lower bound of `v` of at most [`BOUND_BYTES`] bytes: its start.
fn lower_bound(v: &str) -> Vec<u8> {
    start_of(v).as_bytes().to_vec()
}

/// An upper bound of `v` of at most [`BOUND_BYTES`] bytes where one exists: its start with the
/// last character that can be raised (to one of the same length) raised; else `v` itself.
fn upper_bound(v: &str) -> Vec<u8> {
    if v.len() <= BOUND_BYTES {
        return v.as_bytes().to_vec();
    }
    let start = start_of(v);
    let raised = start.char_indices().rev().find_map(|(i, c)| {
        char::from_u32(c as u32 + 1)
            .filter(|r| r.len_utf8() == c.len_utf8())
            .map(|r| (i, r))
    });
    match raised {
        Some((i, r)) => {
            let mut bound = start.as_bytes()[..i].to_vec();
            bound.extend_from_slice(r.to_string().as_bytes());
            bound
        }
        None => v.as_bytes().to_vec(),
    }
}

/// A value plain-encoded: its length (4 bytes, little-endian), then its bytes.
fn push_plain(out: &mut Vec<u8>, v: &[u8]) {
    out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    out.extend_from_slice(v);
}

/// Levels as a version 1 page holds them: their length (4 bytes), then run-length/bit-packed.
fn push_levels(out: &mut Vec<u8>, levels: &[u32], max: u32) -> PolarsResult<()> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    encode::<u32, _, _>(out, levels.iter().copied(), bit_width(max))?;
    let length = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
    Ok(())
}

/// Bits needed for values up to `max`.
fn bit_width(max: u32) -> u32 {
    32 - max.leading_zeros()
}

fn data_page(
    page: PageParts<'_>,
    members: &Members<'_>,
    leaf: &PrimitiveType,
    levels: Levels,
) -> PolarsResult<Page> {
    let mut buffer = Vec::with_capacity(page.plain.len() + page.repetition.len() / 2 + 64);
    push_levels(&mut buffer, &page.repetition, 1)?;
    push_levels(&mut buffer, &page.definition, levels.member)?;
    let (encoding, min, max) = match members {
        Members::Keys(_, _, (min, max)) => {
            let width = bit_width(page.keys.iter().copied().max().unwrap_or(0));
            buffer.push(width as u8);
            encode::<u32, _, _>(&mut buffer, page.keys.iter().copied(), width)?;
            // The dictionary's bounds, as polars' writer gives them.
            (Encoding::RleDictionary, *min, *max)
        }
        Members::Text(_) => {
            buffer.extend_from_slice(&page.plain);
            (Encoding::Plain, page.min, page.max)
        }
    };
    let statistics = BinaryStatistics {
        primitive_type: leaf.clone(),
        null_count: Some(page.null_members as i64),
        distinct_count: None,
        max_value: max.map(upper_bound),
        min_value: min.map(lower_bound),
    }
    .serialize();
    let header = DataPageHeader::V1(DataPageHeaderV1 {
        num_values: page.definition.len() as i32,
        encoding: encoding.into(),
        definition_level_encoding: Encoding::Rle.into(),
        repetition_level_encoding: Encoding::Rle.into(),
        statistics: Some(statistics),
    });
    Ok(Page::Data(DataPage::new(
        header,
        CowBuffer::Owned(buffer),
        Descriptor {
            primitive_type: leaf.clone(),
            max_def_level: levels.member as i16,
            max_rep_level: 1,
        },
        page.rows,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Field;

    /// Row `i`'s list: null, empty, or members (some null), as `i` says.
    fn members(i: usize, long: bool) -> Option<Series> {
        match i % 5 {
            0 => None,
            1 => Some(Series::new_empty(PlSmallStr::EMPTY, &DataType::String)),
            2 => Some(Series::new(
                PlSmallStr::EMPTY,
                [Some(format!("m{}@x.com", i % 7)), None],
            )),
            _ => {
                let text = if long {
                    // Long enough that a page ends every few rows.
                    format!("{}é{i}", "v".repeat(300_000))
                } else {
                    format!("M{i}@x.com")
                };
                Some(Series::new(
                    PlSmallStr::EMPTY,
                    [Some(text), Some("shared@x.com".to_string())],
                ))
            }
        }
    }

    fn event_data(i: usize) -> Option<Series> {
        if i.is_multiple_of(4) {
            return i
                .is_multiple_of(8)
                .then(|| Series::new_empty(PlSmallStr::EMPTY, &DataType::Null));
        }
        let keys = Series::new(
            PlSmallStr::from_static("Key"),
            [Some("S:AMA"), None, Some(["A", "B", "C"][i % 3])],
        );
        let values = Series::new(
            PlSmallStr::from_static("Value"),
            [Some(format!("v{i}")), Some("x".into()), None],
        );
        let st = StructChunked::from_series(PlSmallStr::EMPTY, 3, [keys, values].iter())
            .expect("struct");
        Some(st.into_series())
    }

    fn frame(rows: usize, long: bool) -> DataFrame {
        let list = |name: Field, f: &dyn Fn(usize) -> Option<Series>| {
            let mut l: ListChunked = (0..rows).map(f).collect();
            l.rename(PlSmallStr::from_static(name.name()));
            l.into_series()
        };
        let ed_dtype = crate::frame::schema::dtype(Field::EventData);
        let ed: ListChunked = (0..rows)
            .map(|i| {
                event_data(i).map(|s| {
                    if s.dtype() == &DataType::Null {
                        Series::new_empty(
                            PlSmallStr::EMPTY,
                            &crate::frame::schema::event_data_struct(),
                        )
                    } else {
                        s.cast(&crate::frame::schema::event_data_struct())
                            .expect("cast")
                    }
                })
            })
            .collect();
        let ed = ed
            .into_series()
            .with_name(PlSmallStr::from_static("EventData"))
            .cast(&ed_dtype)
            .expect("cast");
        DataFrame::new_infer_height(vec![
            list(Field::Recipients, &|i| members(i, long)).into(),
            list(Field::Reference, &|i| members(i + 1, long)).into(),
            ed.into(),
        ])
        .expect("frame")
    }

    /// Categories as text, to compare what was written with what is read back.
    fn as_text(df: &DataFrame) -> DataFrame {
        let mut out = df.clone();
        out.apply("EventData", |c| {
            c.cast(&DataType::List(Box::new(DataType::Struct(vec![
                polars::prelude::Field::new("Key".into(), DataType::String),
                polars::prelude::Field::new("Value".into(), DataType::String),
            ]))))
            .expect("cast")
        })
        .expect("column");
        out
    }

    fn written_and_read(frames: &[DataFrame]) -> (DataFrame, Vec<u8>) {
        let mut writer =
            super::super::part_file::PartFileWriter::new(Vec::new(), frames[0].schema())
                .expect("writer");
        for f in frames {
            writer.write(f).expect("row group");
        }
        let bytes = writer.finish().expect("footer");
        let read = ParquetReader::new(std::io::Cursor::new(bytes.clone()))
            .finish()
            .expect("read back");
        (read, bytes)
    }

    #[test]
    fn list_columns_read_back_as_written_nulls_empties_and_long_members_alike() {
        for (rows, long) in [(37, false), (40, true)] {
            let a = frame(rows, long);
            let b = frame(rows, long).slice(3, rows - 3);
            let (read, bytes) = written_and_read(&[a.clone(), b.clone()]);
            let mut whole = as_text(&a);
            whole.vstack_mut(&as_text(&b)).expect("stack");
            assert!(as_text(&read).equals_missing(&whole), "{read} != {whole}");
            let meta = ParquetReader::new(std::io::Cursor::new(bytes))
                .get_metadata()
                .expect("metadata")
                .clone();
            assert_eq!(meta.row_groups.len(), 2);
            assert_eq!(meta.num_rows, 2 * rows - 3);
        }
        // Made here, not by polars' writer: each shape is one this module knows; long members
        // cut the pages (a dictionary page first, then data pages).
        for (long, data_pages) in [(false, 1), (true, 4)] {
            let a = frame(40, long);
            let arrow = a.schema().to_arrow(CompatLevel::newest());
            let schema = polars_parquet::write::to_parquet_schema(&arrow).expect("schema");
            for (field, column) in schema.fields().iter().zip(a.columns()) {
                let array = column
                    .as_materialized_series()
                    .rechunk()
                    .to_arrow(0, CompatLevel::newest());
                let leaves = list_column_pages(array.as_ref(), field)
                    .expect("a list shape made here")
                    .expect("pages");
                let count =
                    |leaf: &Vec<Page>| leaf.iter().filter(|p| matches!(p, Page::Data(_))).count();
                if column.name() == "Recipients" {
                    // Rows 3 and 4 of every 5 hold a long member (300 kB): 16 of them, a page per 4.
                    assert_eq!(count(&leaves[0]), data_pages, "{}", column.name());
                }
            }
        }
    }

    #[test]
    fn a_null_the_schema_does_not_allow_is_an_error_not_another_level() {
        // A list column declared required (not nullable) holding a null list: refused, where
        // writing the empty list's level would have made the null an empty list.
        let lists: ListChunked = [None, Some(Series::new(PlSmallStr::EMPTY, ["a@x.com"]))]
            .into_iter()
            .collect();
        let array = lists.into_series().to_arrow(0, CompatLevel::newest());
        let field = polars_arrow::datatypes::Field::new(
            PlSmallStr::from_static("Recipients"),
            array.dtype().clone(),
            false,
        );
        let schema = polars_arrow::datatypes::ArrowSchema::from_iter([field]);
        let schema = polars_parquet::write::to_parquet_schema(&schema).expect("schema");
        let err = list_column_pages(array.as_ref(), &schema.fields()[0])
            .expect("a list shape made here")
            .expect_err("a null list in a required column");
        assert!(err.to_string().contains("null list"), "{err}");
    }

    #[test]
    fn statistics_bounds_are_cut_to_64_bytes_and_still_bound() {
        let short = "ann@contoso.com";
        assert_eq!(lower_bound(short), short.as_bytes());
        assert_eq!(upper_bound(short), short.as_bytes());
        let long = format!("{}é{}", "a".repeat(63), "z".repeat(10));
        // 63 'a' then 'é' (two bytes) would pass 64: cut before it.
        assert_eq!(lower_bound(&long), "a".repeat(63).as_bytes());
        let upper = upper_bound(&long);
        assert_eq!(upper, format!("{}b", "a".repeat(62)).as_bytes());
        assert!(
            upper.as_slice() > long.as_bytes() && lower_bound(&long).as_slice() <= long.as_bytes()
        );
        // Nothing to raise in the start: the value itself bounds.
        let top = format!("{}x", char::MAX.to_string().repeat(17));
        assert_eq!(upper_bound(&top), top.as_bytes());
    }
}
