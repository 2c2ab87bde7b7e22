//! The filter bar's language: the query language as pasted from the Exchange shell, with
//! two shortcuts — parameters alone (`-EventId FAIL -Sender a@b.com`) and a `Where`
//! condition alone (`$_.Recipients -match "^IMCEAEX"`) — and plain text (`adele`), which
//! searches every text column, ignoring case. Errors point into the text the user typed, not
//! into the expanded query.

use crate::directory::Snapshot;
use crate::pwsh::parse::ParseError;
use crate::query::session::Session;

use super::data::{LogData, RowList};

/// A filter that could not be understood: what, where (a char offset in the typed text),
/// and maybe what was meant.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError {
    pub message: String,
    /// Char offset of the offending spot in the typed text.
    pub at: usize,
    pub suggestion: Option<String>,
}

/// What a filter kept.
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    /// Indices of the kept rows, in time order.
    pub rows: RowList,
    /// Things to tell the user (ignored stages, unknown event names).
    pub notes: Vec<String>,
}

/// True when what was typed is plain text to search for, not the query language: it does
/// not start as a parameter, a pipeline, a `$_` condition, a command or an expression.
pub fn is_plain_text(typed: &str) -> bool {
    let t = typed.trim_start();
    let lower = t.to_ascii_lowercase();
    !(t.is_empty()
        || t.starts_with(['-', '|', '$', '(', '@', '{', '[', '\u{2013}'])
        || lower.starts_with("get-")
        || lower.starts_with("where")
        || lower.starts_with("? "))
}

/// The full query for what was typed, and how many bytes were put in front of it.
pub fn expand(typed: &str) -> (String, usize) {
    let t = typed.trim_start();
    let lower = t.to_ascii_lowercase();
    let prefix = if t.is_empty() || lower.starts_with("get-") {
        ""
    } else if t.starts_with('-') || t.starts_with('|') {
        "Get-MessageTrackingLog "
    } else if t.starts_with("$_") {
        "Get-MessageTrackingLog | Where { "
    } else {
        ""
    };
    let suffix = if prefix.ends_with("{ ") { " }" } else { "" };
    (format!("{prefix}{typed}{suffix}"), prefix.len())
}

/// Runs what was typed over `data`; an empty filter keeps every row.
pub fn apply(
    data: &LogData,
    typed: &str,
    session: Session,
    snapshot: Option<&Snapshot>,
) -> Result<Filtered, FilterError> {
    if typed.trim().is_empty() {
        return Ok(Filtered {
            rows: data.order.clone(),
            notes: Vec::new(),
        });
    }
    if is_plain_text(typed) {
        let needle = typed.trim();
        let hit = data.text_search(needle).map_err(|e| FilterError {
            message: e,
            at: 0,
            suggestion: None,
        })?;
        return Ok(Filtered {
            rows: data
                .order
                .iter()
                .copied()
                .filter(|r| hit[*r as usize])
                .collect::<Vec<u32>>()
                .into(),
            notes: vec![format!(
                "plain text: rows with '{needle}' in any column (start with - or $_ for the query language)"
            )],
        });
    }
    let (full, shift) = expand(typed);
    let to_typed = |byte: usize| -> usize {
        let b = byte.saturating_sub(shift).min(typed.len());
        typed.char_indices().take_while(|(i, _)| *i < b).count()
    };
    let error = |e: ParseError| FilterError {
        message: e.message,
        at: to_typed(e.span.start),
        suggestion: e.suggestion,
    };
    let selection = data.select(&full, session, snapshot).map_err(error)?;
    let rows = data
        .order
        .iter()
        .copied()
        .filter(|r| selection.keep[*r as usize])
        .collect::<Vec<u32>>()
        .into();
    let mut notes = selection.notes;
    // (As the CLI says it: Exchange would search each piped server in turn.)
    if let Some(note) = crate::pwsh::parse::parse(&full)
        .ok()
        .as_ref()
        .and_then(crate::query::cmdlet::servers_piped_note)
    {
        notes.push(note.to_string());
    }
    if !selection.ignored.is_empty() {
        notes.push(format!(
            "{} not applied here: the table shows rows (use `msgtrack query` for reshaped answers)",
            selection.ignored.join(", ")
        ));
    }
    Ok(Filtered { rows, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_expand_to_the_cmdlet() {
        assert_eq!(
            expand("-EventId FAIL").0,
            "Get-MessageTrackingLog -EventId FAIL"
        );
        assert_eq!(
            expand("$_.Sender -like '*@x.com'").0,
            "Get-MessageTrackingLog | Where { $_.Sender -like '*@x.com' }"
        );
        assert_eq!(expand("Get-MessageTrackingLog").0, "Get-MessageTrackingLog");
        assert_eq!(expand("-EventId FAIL").1, "Get-MessageTrackingLog ".len());
    }
}
