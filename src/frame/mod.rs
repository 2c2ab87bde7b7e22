//! A frame's columns as polars types ([`schema`]), and reading values back out of a frame
//! ([`access`], [`events`]).

pub mod access;
pub mod events;
pub(crate) mod schema;
