//! The query language: Get-MessageTrackingLog pipelines as admins write them, run on the
//! PowerShell 5.1 subset ([`crate::pwsh`]) with the cmdlet reading the logs.
//!
//! Data flow: [`run`] parses the line, [`needed`] works out which columns it uses, the engine
//! runs it with [`session::QueryHost`] as its host — whose Get-MessageTrackingLog
//! ([`cmdlet`]) pushes its parameters into the reader and returns the rows as
//! `MessageTrackingEvent` objects ([`rows`]), testing the Where-Object conditions right after
//! it first ([`pushdown`]) — then [`output`] prints what came out.
//! [`in_memory`] answers a line over a frame already loaded (the TUI's filter bar);
//! [`saved`] reads `queries/*.ps1`; [`time`] reads `--now`. [`streamed`] runs a line that
//! outputs every event over a store in pieces, in bounded memory: [`windows`] a time window
//! at a time, [`merge_sort`] from sorted runs; [`top_rows`] runs a sort's first N over a
//! store a window at a time, [`formatted`] a line ending in a Format cmdlet as the line before it, then the Format cmdlet, [`reorder`] puts a line's stages in an order those take; [`output`] writes such pieces as Parquet with [`parquet_groups`]; [`sql_run`] runs `--sql` on polars' streaming engine, [`sql_top`] its sorts cut to their first N as the rows are read; both that and the sort write rows that do
//! not fit in memory into [`spill_dir`]'s folders.

pub mod cmdlet;
pub mod display;
pub mod empty;
pub mod formatted;
pub mod in_memory;
pub mod merge_sort;
pub mod message_trace;
pub mod needed;
pub mod no_events;
pub mod output;
pub mod parquet_groups;
pub mod pushdown;
pub mod reorder;
pub mod rows;
pub mod run;
pub mod saved;
pub mod session;
pub mod settings;
pub mod spill_dir;
pub mod sql;
pub mod sql_run;
pub mod sql_top;
pub mod streamed;
pub mod time;
pub mod time_windows;
pub mod top_rows;
pub mod windows;

pub use crate::memory::few_allocator_arenas;
