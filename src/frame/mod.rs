//! The frame: column names and types ([`schema`]) and helpers over ingested frames.

pub mod schema;

pub use schema::{Column, ColumnKind, ColumnSet};
