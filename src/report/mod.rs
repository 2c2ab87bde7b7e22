//! Batch reports over log folders (`msgtrack report`): IMCEA/X500 failures with ready fixes
//! ([`imcea`]) and the daily summary ([`summary`]). Both read folders in bounded memory
//! ([`scan`]), render one [`table::Report`] model as text, Markdown, JSON or HTML
//! ([`render`]), and can hide every address ([`anonymize`]).

pub mod anonymize;
pub mod imcea;
pub(crate) mod intern;

pub mod render;
pub mod scan;
pub mod summary;
pub mod table;

use chrono::{DateTime, Utc};

use crate::format::Zone;
use crate::ingest::RowFilter;
use anonymize::Anonymizer;
use table::{Cell, Report, Table};

/// Reads `--since`/`--until` exactly as `-Start`/`-End` of Get-MessageTrackingLog (a date in
/// the shell's culture, ISO, `(Get-Date).AddDays(-1)`; since inclusive, until exclusive).
pub fn window(
    since: Option<&str>,
    until: Option<&str>,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<RowFilter, String> {
    let culture = crate::pwsh::culture::Culture::find("en-US").expect("en-US is known");
    window_in(since, until, zone, now, culture)
}

/// [`window`] with dates read in `culture` (the shell's, as `-Start` reads them).
pub fn window_in(
    since: Option<&str>,
    until: Option<&str>,
    zone: Zone,
    now: DateTime<Utc>,
    culture: &'static crate::pwsh::culture::Culture,
) -> Result<RowFilter, String> {
    let mut filter = RowFilter::default();
    let session = crate::query::session::Session {
        now,
        zone,
        culture,
        csv_raw: false,
        shown: Default::default(),
    };
    for (option, value) in [("--since", since), ("--until", until)] {
        let Some(value) = value else { continue };
        let ms = crate::query::cmdlet::instant_of_text(value, &session)
            .map_err(|e| format!("{option} {value}: {e}"))?;
        if option == "--since" {
            filter.start_ms = Some(ms);
        } else {
            filter.end_ms = Some(ms);
        }
    }
    if let (Some(s), Some(e)) = (filter.start_ms, filter.end_ms)
        && e <= s
    {
        return Err(
            "--until is not after --since, so nothing can match (--until is exclusive)".into(),
        );
    }
    Ok(filter)
}

/// Replaces every address and DN in a report (tables with domains get domain tokens).
pub fn anonymize_report(report: &mut Report, a: &Anonymizer) {
    for t in report.sections.iter_mut().flat_map(|s| s.tables.iter_mut()) {
        anonymize_table(t, a);
    }
    for n in &mut report.notes {
        *n = a.text(n);
    }
    for d in &mut report.details {
        d.text = a.text(&d.text);
        d.message_id = a.text(&d.message_id);
    }
}

fn anonymize_table(t: &mut Table, a: &Anonymizer) {
    let domain_cols: Vec<usize> = t
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.eq_ignore_ascii_case("domain"))
        .map(|(i, _)| i)
        .collect();
    for row in &mut t.rows {
        for (i, cell) in row.iter_mut().enumerate() {
            if let Cell::Text(s) = cell {
                *s = if domain_cols.contains(&i) {
                    a.domain(s)
                } else {
                    a.text(s)
                };
            }
        }
    }
    if let Some(q) = &mut t.query {
        *q = a.text(q);
    }
}
