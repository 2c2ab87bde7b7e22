//! Why an answer is empty: when `-Start`/`-End` fall outside the time the logs cover, say
//! which range the logs cover and which the query asked (and, for a clock-relative range,
//! suggest `--now`). The CLI prints it on stderr; the TUI's filter bar shows it.

use super::settings::Session;

/// The note for an empty answer, given the range the logs cover (`covered`, ms) and the
/// range asked (`asked`, ms); `None` when the asked range overlaps the logs (time is not why).
pub fn time_range_note(
    covered: (i64, i64),
    asked: (Option<i64>, Option<i64>),
    text: &str,
    session: &Session,
) -> Option<String> {
    let (first, last) = covered;
    let (start, end) = asked;
    if start.is_none() && end.is_none() {
        return None;
    }
    let inside = start.is_none_or(|s| last >= s) && end.is_none_or(|e| first < e);
    if inside {
        return None;
    }
    let z = &session.zone;
    let asked = format!(
        "{} .. {}",
        start.map_or("(any)".into(), |s| z.format_ms(s)),
        end.map_or("(any)".into(), |e| z.format_ms(e))
    );
    let lower = text.to_ascii_lowercase();
    let relative =
        lower.contains("get-date") || lower.contains("::now") || lower.contains("::today");
    let hint = if relative {
        format!(
            "; (Get-Date) is {} here: for logs copied from another day, give --now (e.g. --now {})",
            z.format(session.now),
            z.format_ms(last).get(..10).unwrap_or("")
        )
    } else {
        String::new()
    };
    Some(format!(
        "no rows: the logs cover {} .. {}, the query asked for {asked}{hint}",
        z.format_ms(first),
        z.format_ms(last)
    ))
}
