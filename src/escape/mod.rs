//! Making attacker-controlled text safe for where msgtrack writes it.
//!
//! Everything in a tracking log (subjects, addresses, host names, Message-IDs) was written by
//! whoever sent the mail. Before it reaches a shell line the admin may paste, it is quoted
//! here ([`shell`]).

pub(crate) mod shell;
