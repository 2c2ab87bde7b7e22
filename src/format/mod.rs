//! The message tracking log format itself: the field table, layouts, header lines, the two
//! quoting levels, timestamps, IMCEA addresses, and a writer that produces lines exactly as
//! Exchange does.
//!
//! Nothing here does I/O on files or knows about polars: `ingest` reads with these pieces,
//! `synth` writes with them.

pub mod encode;
pub(crate) mod event_id;
pub(crate) mod field;
pub mod fold;
pub(crate) mod header;
pub mod imcea;
pub mod latency;
pub(crate) mod list;
pub mod names;
pub(crate) mod record;
pub(crate) mod split;
pub mod status;
pub mod store_keys;
pub mod store_layout;
pub mod store_manifest;
pub mod time;
pub(crate) mod zone;

pub use encode::LogWriter;
pub use event_id::{EventClass, EventId};
pub use field::{EVENT_TYPE, Field, FieldDef, FieldKind, FieldSet, Layout};
pub use header::{FieldMap, HeaderLine};
pub use record::LogRecord;
pub use zone::Zone;
