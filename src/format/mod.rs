//! The message tracking log format itself: field names and layouts, header lines, the two
//! quoting levels, timestamps, and a writer that produces lines exactly as Exchange does.
//!
//! Nothing here does I/O on files or knows about polars: `ingest` reads with these pieces,
//! `synth` writes with them.

pub mod encode;
pub mod fields;
pub mod header;
pub mod imcea;
pub mod list;
pub mod split;
pub mod time;

pub use encode::{LogRecord, LogWriter};
pub use fields::{Layout, LogField};
pub use header::{FieldMap, HeaderLine};
