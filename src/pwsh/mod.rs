//! The subset of Windows PowerShell 5.1 that admins paste into message-tracking one-liners,
//! as a language of its own: [`parse`] (text → [`ast`]), [`value`] (typed values and
//! objects), [`ops`] (operators and conversions), [`datetime`] and [`culture`] (.NET dates,
//! time spans, cultures), [`number`] (numeric literals), [`wildcard`]. Nothing here knows
//! about tracking logs: the query language runs Get-MessageTrackingLog on this engine.

pub mod across_stages;
pub mod ast;
pub mod commands;
pub mod culture;
pub mod datetime;
pub mod enumeration;
pub mod eval;
pub mod lex;
pub mod members;
pub mod number;
pub mod ops;
pub mod parse;
pub mod runtime;
pub mod table_layout;
pub mod value;
pub mod wildcard;

#[cfg(test)]
mod tests;
