//! `msgtrack tui`: lnav for tracking logs. Laid out as gitui and bottom lay theirs out:
//!
//! * [`data`]: the loaded logs (time-sorted; raw logs held whole) and follow-mode re-reads;
//! * [`per_row`]: each row's time, kind and noise flag, pulled out as the rows are read;
//! * [`stored_rows`]: a store's rows known by place, their cells fetched when shown;
//! * [`filter`]: the filter bar's language, on the query engine;
//! * [`state`]: the [`App`] — all state, changed only through [`Action`]s;
//! * [`bindings`]: the one table of keys the dispatch and the help read;
//! * [`keys`]: keys and mouse to actions;
//! * [`views`]: drawing, a pure function of the state;
//! * [`run`]: the terminal and the event loop (loading gauge, ticks, restore on exit).

pub mod bindings;
pub(crate) mod data;
pub(crate) mod filter_bar;
pub mod keys;
mod per_row;
pub(crate) mod run;
mod select;
pub mod state;
mod stored_rows;
pub mod views;

pub use data::{LoadError, Loading, LogData, RowsToLoad, rows_to_load};
pub use run::{TuiOptions, run};
pub use state::{Action, App};
