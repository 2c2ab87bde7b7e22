//! The PowerShell language pieces msgtrack shares between the query language and the
//! directory's OPATH filters: tokens ([`lex`]) and wildcard matching ([`wildcard`]).

pub(crate) mod lex;
pub(crate) mod wildcard;
