//! The frame: column names and types ([`schema`]) and reading values back out ([`access`]).

pub mod access;
pub mod schema;

pub use schema::{Column, ColumnKind, ColumnSet};
