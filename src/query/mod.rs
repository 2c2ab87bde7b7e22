//! The query language: Get-MessageTrackingLog pipelines as admins write them.
//!
//! `lex` → `parse` (an [`ast::Query`] with spans; errors render with a caret and a
//! suggestion). Compiling to reader filters and polars plans comes next.

pub mod ast;
pub mod compile;
pub mod lex;
pub mod parse;
pub mod time;

pub use parse::{QueryError, parse};
