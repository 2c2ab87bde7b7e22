//! What happened to a message, and why: its journey across servers ([`trail`]) and a replay
//! of the Transport categorizer against a directory snapshot ([`categorizer`]) whose rows are
//! matched against the logged ones and explained ([`explain`]).
//!
//! Data flow: [`message`] loads one message's rows (and its DSNs) from the logs → [`trail`]
//! orders them into hops, or [`explain`] finds the categorization passes, builds each pass's
//! envelope, runs [`categorizer`] over it and matches → [`render`] prints text (the JSON
//! forms are the serde shapes of [`trail::Journey`] and [`explain::Explanation`]).

pub mod categorizer;
pub(crate) mod explain;
pub mod message;
pub(crate) mod reason;
pub mod render;
pub(crate) mod trail;

pub use explain::{Explanation, explain};
pub use message::{MessagePick, MessageRows, candidates, load, load_many};
pub use reason::Reason;
pub use trail::{Journey, trail};
