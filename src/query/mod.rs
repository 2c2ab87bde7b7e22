//! The query language: Get-MessageTrackingLog pipelines as admins write them.
//!
//! Data flow: [`parse`] (tokens from [`crate::pwsh::lex`] → an [`ast::Query`] with spans;
//! errors render with a caret and a suggestion) → [`compile`] (the cmdlet's parameters become
//! the reader's row filter, a server list and the result size) → [`run`] (read with the filter
//! pushed down, cut at `-ResultSize`, run the stages; `Where-Object` conditions are evaluated
//! by [`where_eval`]) → [`output`] (table, list, csv, json, ndjson, parquet). [`in_memory`]
//! answers a plan over a frame already loaded (the TUI's filter bar); [`cmdlet`] prints the
//! equivalent shell line; [`saved`] reads `queries/*.ps1`.

pub mod ast;
pub mod cmdlet;
pub mod compile;
pub(crate) mod display;
pub(crate) mod in_memory;
pub mod output;
pub(crate) mod parse;
pub mod run;
pub mod saved;
pub mod time;
pub(crate) mod where_eval;

pub use parse::{QueryError, parse};
