//! The query language: Get-MessageTrackingLog pipelines as admins write them.
//!
//! `lex` → `parse` (an [`ast::Query`] with spans; errors render with a caret and a
//! suggestion). Compiling to reader filters and polars plans comes next.

pub mod ast;
pub mod cmdlet;
pub mod compile;
pub mod filter;
pub mod in_memory;
pub mod lex;
pub mod output;
pub mod parse;
pub mod run;
pub mod saved;
pub mod time;

pub use parse::{QueryError, parse};
