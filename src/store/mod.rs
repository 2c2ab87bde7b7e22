//! The store: tracking logs converted once into a Parquet dataset that msgtrack reads in
//! milliseconds and DuckDB, Spark, Trino and ClickHouse read as it is.
//!
//! Layout under the store's folder: `msgtrack-store.json` (the [`manifest`]) and
//! `server_name=<server>/log_date=<yyyy-mm-dd>/<log file>@<first line>.parquet` (Hive-style
//! partitions; [`layout`]). [`index`] converts logs into it, incrementally; every reading
//! command reads a store wherever it reads log folders (the reader lists its parts through
//! the manifest, see `ingest::discover`).

pub mod index;
mod list_pages;
mod part_file;
pub use crate::format::store_layout as layout;
pub use crate::format::store_manifest as manifest;
