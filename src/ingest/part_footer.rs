//! A store part's footer (its row groups, column chunks and statistics) and Arrow schema,
//! parsed once for the reads of one command: a question answered a time window at a time
//! reads a day's part in each window that touches the day, and parsing its footer again cost
//! more than reading the few rows it wanted. Footers are kept from a part's second read on:
//! a question that reads each part once keeps none.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use polars_arrow::datatypes::ArrowSchema;
use polars_parquet::read::FileMetadata;

use super::part_bytes::PartBytes;

/// Footers kept (the least recently used is dropped first): a window's parts are the
/// servers' parts of a day or two, each footer some 100 KB parsed.
const KEPT: usize = 48;

/// A part's footer, parsed, and the Arrow schema it holds.
pub(super) struct Footer {
    /// Row groups, column chunks and their statistics.
    pub metadata: FileMetadata,
    /// The columns' Arrow types.
    pub schema: Arc<ArrowSchema>,
}

/// Parts whose footers were parsed, by path, and the footers kept (each keeps the bytes it
/// was parsed from).
struct Parsed {
    /// Every part parsed so far: a footer is kept from its second parse on, so that a command
    /// reading each part once (most questions) keeps none.
    seen: HashSet<PathBuf>,
    kept: VecDeque<(PathBuf, Arc<Footer>)>,
}

/// The most parts remembered as seen (then forgotten, and seen again from nothing).
const SEEN: usize = 1 << 16;

static PARSED: LazyLock<Mutex<Parsed>> = LazyLock::new(|| {
    Mutex::new(Parsed {
        seen: HashSet::new(),
        kept: VecDeque::new(),
    })
});

/// The footer of the part at `path` whose bytes are `bytes`: parsed again only when the part
/// was not read lately or its footer's bytes differ from those it was parsed from (the part
/// was written again).
pub(super) fn footer(path: &Path, bytes: &PartBytes) -> Result<Arc<Footer>, String> {
    let raw = bytes
        .footer()
        .map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = parsed
        .kept
        .iter()
        .position(|(p, f)| p == path && *f.metadata.footer_buf == *raw)
        && let Some(entry) = parsed.kept.remove(i)
    {
        let footer = entry.1.clone();
        parsed.kept.push_back(entry);
        return Ok(footer);
    }
    drop(parsed);
    let metadata = polars_parquet::parquet::read::deserialize_metadata(raw)
        .map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let schema =
        arrow_schema(&metadata).map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let footer = Arc::new(Footer { metadata, schema });
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    parsed.kept.retain(|(p, _)| p != path);
    if parsed.seen.len() >= SEEN {
        parsed.seen.clear();
    }
    // Kept from the part's second parse on.
    if !parsed.seen.insert(path.to_path_buf()) {
        if parsed.kept.len() >= KEPT {
            parsed.kept.pop_front();
        }
        parsed.kept.push_back((path.to_path_buf(), footer.clone()));
    }
    Ok(footer)
}

/// Arrow schemas parsed, by the text they were parsed from (a store's parts written by one
/// version of msgtrack hold the same): each parsed once a process.
static SCHEMAS: Mutex<Vec<(String, Arc<ArrowSchema>)>> = Mutex::new(Vec::new());

/// The most schema texts kept.
const SCHEMAS_KEPT: usize = 8;

/// The Arrow schema a footer holds (polars' `ARROW:schema` entry), parsed once for each text
/// and reused while the part's columns are the schema's, by name and in order; a footer
/// without one has its schema inferred from its Parquet types.
fn arrow_schema(metadata: &FileMetadata) -> polars::prelude::PolarsResult<Arc<ArrowSchema>> {
    let text = metadata
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == "ARROW:schema")
        .and_then(|kv| kv.value.as_deref());
    let Some(text) = text else {
        return polars_parquet::read::infer_schema(metadata).map(Arc::new);
    };
    let columns = metadata.schema().fields();
    let same_columns = |schema: &ArrowSchema| {
        schema.len() == columns.len()
            && schema
                .iter_values()
                .zip(columns)
                .all(|(a, p)| a.name.as_str() == p.name())
    };
    let known = SCHEMAS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(t, _)| t == text)
        .map(|(_, schema)| schema.clone());
    if let Some(schema) = known.filter(|s| same_columns(s)) {
        return Ok(schema);
    }
    let schema = Arc::new(polars_parquet::read::infer_schema(metadata)?);
    let mut schemas = SCHEMAS.lock().unwrap_or_else(|p| p.into_inner());
    if !schemas.iter().any(|(t, _)| t == text) {
        if schemas.len() >= SCHEMAS_KEPT {
            schemas.remove(0);
        }
        schemas.push((text.to_string(), schema.clone()));
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn parquet_of(values: &[i64]) -> PartBytes {
        let mut frame = df!("TotalBytes" => values).expect("a frame");
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut frame)
            .expect("written");
        in_memory(bytes)
    }

    fn in_memory(bytes: Vec<u8>) -> PartBytes {
        PartBytes::Memory(polars_buffer::Buffer::from_vec(bytes))
    }

    #[test]
    fn a_footer_is_kept_from_its_part_s_second_read_and_parsed_again_when_the_part_changed() {
        let path = Path::new("/nowhere/footer-kept-test.parquet");
        let (one, two) = (parquet_of(&[1, 2, 3]), parquet_of(&[7, 8, 9, 10]));
        let first = footer(path, &one).expect("parsed");
        let second = footer(path, &one).expect("parsed");
        let third = footer(path, &one).expect("kept");
        assert!(!Arc::ptr_eq(&first, &second), "not kept after one read");
        assert!(Arc::ptr_eq(&second, &third), "kept from the second read");
        assert_eq!(third.metadata.num_rows, 3);
        // The same path written again: its own footer, not the one kept.
        let changed = footer(path, &two).expect("parsed");
        assert_eq!(changed.metadata.num_rows, 4);
        assert_eq!(footer(path, &two).expect("kept").metadata.num_rows, 4);
        assert_eq!(footer(path, &one).expect("parsed").metadata.num_rows, 3);
    }

    #[test]
    fn parts_of_one_schema_share_its_parse_and_a_part_of_another_gets_its_own() {
        let a = footer(Path::new("/nowhere/schema-a.parquet"), &parquet_of(&[1, 2])).expect("a");
        let b = footer(Path::new("/nowhere/schema-b.parquet"), &parquet_of(&[5])).expect("b");
        assert!(
            Arc::ptr_eq(&a.schema, &b.schema),
            "one schema text, one parse"
        );
        let mut frame = df!("Line" => [1i64, 2], "TotalBytes" => [3i64, 4]).expect("a frame");
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut frame)
            .expect("written");
        let c = footer(Path::new("/nowhere/schema-c.parquet"), &in_memory(bytes)).expect("c");
        let names: Vec<&str> = c.schema.iter_values().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Line", "TotalBytes"]);
        assert!(!Arc::ptr_eq(&a.schema, &c.schema));
        let names: Vec<&str> = a.schema.iter_values().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["TotalBytes"]);
    }

    #[test]
    fn a_file_not_ending_in_a_footer_is_refused_by_name() {
        let err = footer(
            Path::new("/nowhere/x.parquet"),
            &in_memory(b"not parquet at all".to_vec()),
        )
        .err()
        .unwrap_or_default();
        assert!(err.contains("does not end with a Parquet footer"), "{err}");
        let mut liar = b"PAR1".to_vec();
        liar.extend_from_slice(&u32::MAX.to_le_bytes());
        liar.extend_from_slice(b"PAR1");
        let err = footer(Path::new("/nowhere/y.parquet"), &in_memory(liar))
            .err()
            .unwrap_or_default();
        assert!(err.contains("longer than the file"), "{err}");
    }
}
