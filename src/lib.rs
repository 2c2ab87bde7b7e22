//! msgtrack: read Exchange message tracking logs (`MSGTRK*.LOG`) into polars frames and answer
//! "what happened to this mail, and why".
//!
//! The modules follow the data: [`format`] (the file format itself) → [`ingest`] (files to
//! frames) → [`frame`] (column names and types) → [`query`] (the cmdlet language) and [`replay`] (journeys, the categorizer replay) →
//! the surfaces in the `msgtrack` binary. [`synth`] writes realistic logs for the shipped
//! samples and the benchmarks; [`directory`] models the recipient directory snapshot.

#![warn(missing_docs)]

pub mod directory;
pub mod escape;
pub mod format;
pub mod frame;
pub mod ingest;
pub mod invariants;
pub mod memory;
pub mod pwsh;
pub mod query;
pub mod replay;
pub mod report;
pub mod settings;
pub mod store;
pub mod synth;
pub mod tui;
