//! Making attacker-controlled text safe for where msgtrack writes it.
//!
//! Everything in a tracking log (subjects, addresses, host names, Message-IDs) was written by
//! whoever sent the mail. Before it reaches a shell line the admin may paste, it is quoted
//! here ([`shell`]); before it reaches a terminal its control characters are shown, not
//! obeyed ([`terminal`]); before it reaches a spreadsheet a formula start is guarded
//! ([`spreadsheet`]).

pub(crate) mod shell;
pub mod spreadsheet;
pub mod terminal;
