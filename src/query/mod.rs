//! The query language: Get-MessageTrackingLog pipelines as admins write them, run on the
//! PowerShell 5.1 subset ([`crate::pwsh`]) with the cmdlet reading the logs.
//!
//! Data flow: [`run`] parses the line, [`needed`] works out which columns it uses, the engine
//! runs it with [`session::QueryHost`] as its host — whose Get-MessageTrackingLog
//! ([`cmdlet`]) pushes its parameters into the reader and returns the rows as
//! `MessageTrackingEvent` objects ([`rows`]), testing the Where-Object conditions right after
//! it first ([`pushdown`]) — then [`output`] prints what came out.
//! [`in_memory`] answers a line over a frame already loaded (the TUI's filter bar);
//! [`saved`] reads `queries/*.ps1`; [`time`] reads `--now`. [`windows`] runs a line that
//! outputs every event over a store a time window at a time, in bounded memory; [`sql_run`]
//! runs `--sql` on polars' streaming engine; [`top_rows`] runs a sort's first N
//! over a store a window at a time.

pub mod cmdlet;
pub mod display;
pub mod empty;
pub mod in_memory;
pub mod message_trace;
pub mod needed;
pub mod output;
pub mod pushdown;
pub mod rows;
pub mod run;
pub mod saved;
pub mod session;
pub mod settings;
pub mod sql;
pub mod sql_run;
pub mod time;
pub mod time_windows;
pub mod top_rows;
pub mod windows;
