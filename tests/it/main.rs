//! The integration tests: one binary, one module per area.

mod util;

mod architecture;
mod big_files;
mod changing_files;
mod cli;
mod daily_use;
mod discovery;
mod edge_cases;
mod enumeration;
mod exports;
mod field_reports;
mod filter_agreement;
mod hostile_fields;
mod injection;
mod invariants;
mod malformed;
mod projection;
mod pushdown;
mod pwsh_corpus;
mod query;
mod real_logs;
mod replay;
mod report;
mod roundtrip;
mod sample_logs;
mod saved_queries;
mod scenarios;
mod sql;
mod store;
mod streaming;
mod tui;
mod tui_pty;
