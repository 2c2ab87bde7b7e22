//! The frame: column names and types ([`schema`]), a lazy scan over log files with
//! projection push-down ([`scan`]), and reading values back out ([`access`]).

pub mod access;
pub mod events;
pub mod scan;
pub mod schema;

pub use scan::{LogScan, ScanOutcome, scan};
pub use schema::{Column, ColumnKind, ColumnSet};
