//! A store part's footer (its row groups, column chunks and statistics) and Arrow schema,
//! parsed once for the reads of one command: a question answered a time window at a time
//! reads a day's part in each window that touches the day, and parsing its footer again cost
//! more than reading the few rows it wanted.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use polars_arrow::datatypes::ArrowSchema;
use polars_parquet::read::FileMetadata;

/// Footers kept (the least recently used is dropped first): a window's parts are the
/// servers' parts of a day or two, each footer some 100 KB parsed.
const KEPT: usize = 48;

/// A part's footer, parsed, and the Arrow schema it holds.
pub(super) struct Footer {
    /// Row groups, column chunks and their statistics.
    pub metadata: FileMetadata,
    /// The columns' Arrow types.
    pub schema: ArrowSchema,
}

/// The footers parsed, by part (each keeps the bytes it was parsed from).
static PARSED: Mutex<VecDeque<(PathBuf, Arc<Footer>)>> = Mutex::new(VecDeque::new());

/// The footer of the part at `path` whose bytes are `bytes`: parsed again only when the part
/// was not read lately or its footer's bytes differ from those it was parsed from (the part
/// was written again).
pub(super) fn footer(path: &Path, bytes: &[u8]) -> Result<Arc<Footer>, String> {
    let raw = raw_footer(bytes).map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = parsed
        .iter()
        .position(|(p, f)| p == path && *f.metadata.footer_buf == *raw)
    {
        let entry = parsed.remove(i).expect("the position found");
        let footer = entry.1.clone();
        parsed.push_back(entry);
        return Ok(footer);
    }
    drop(parsed);
    let metadata = polars_parquet::parquet::read::deserialize_metadata(
        polars_buffer::Buffer::from_vec(raw.to_vec()),
    )
    .map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let schema = polars_parquet::read::infer_schema(&metadata)
        .map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    let footer = Arc::new(Footer { metadata, schema });
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    parsed.retain(|(p, _)| p != path);
    if parsed.len() >= KEPT {
        parsed.pop_front();
    }
    parsed.push_back((path.to_path_buf(), footer.clone()));
    Ok(footer)
}

/// The footer's bytes of the Parquet file `bytes`, found from its own end (a reader given the
/// file copies its last 64 KiB first, wherever the footer starts).
fn raw_footer(bytes: &[u8]) -> PolarsResult<&[u8]> {
    let n = bytes.len();
    if n < 12 || &bytes[n - 4..] != b"PAR1" {
        polars_bail!(ComputeError: "the file does not end with a Parquet footer");
    }
    let len = u32::from_le_bytes([bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]]) as usize;
    if len > n - 12 {
        polars_bail!(ComputeError: "the footer is longer than the file");
    }
    Ok(&bytes[n - 8 - len..n - 8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_not_ending_in_a_footer_is_refused_by_name() {
        let err = footer(Path::new("/nowhere/x.parquet"), b"not parquet at all")
            .err()
            .unwrap_or_default();
        assert!(err.contains("does not end with a Parquet footer"), "{err}");
        let mut liar = b"PAR1".to_vec();
        liar.extend_from_slice(&u32::MAX.to_le_bytes());
        liar.extend_from_slice(b"PAR1");
        let err = footer(Path::new("/nowhere/y.parquet"), &liar)
            .err()
            .unwrap_or_default();
        assert!(err.contains("longer than the file"), "{err}");
    }
}
