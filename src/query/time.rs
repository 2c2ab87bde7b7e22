//! Instants given on the command line (`--now`): ISO 8601 or US short dates; a time without an
//! offset is read in the query's time zone (`--tz`, default the machine's).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::format::Zone;

/// Parses a date as typed. Offsets (`Z`, `+02:00`) are honoured; otherwise the zone applies.
pub fn parse_date(text: &str, zone: Zone) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, f) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Some(stripped) = text.strip_suffix(['Z', 'z'])
        && let Some(naive) = parse_naive(stripped)
    {
        return Ok(naive.and_utc());
    }
    let naive = parse_naive(text).ok_or_else(|| {
        format!(
            "'{text}' is not a date msgtrack reads; write 2026-11-20, 2026-11-20T13:00, 11/20/2026 1:00 PM or (Get-Date).AddDays(-1)"
        )
    })?;
    zone.to_utc(naive)
        .ok_or_else(|| format!("'{text}' does not exist in the time zone {}", zone.label()))
}

/// ISO and US short-date forms without an offset.
fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    const DATE_TIMES: [&str; 10] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S%p",
        "%m/%d/%Y %I:%M%p",
    ];
    for f in DATE_TIMES {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, f) {
            return Some(t);
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(text, f) {
            return Some(d.and_time(NaiveTime::MIN));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn iso_and_us_short_dates_in_a_zone() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            parse_date("2026-11-20", berlin).unwrap(),
            utc("2026-11-19T23:00:00Z")
        );
        assert_eq!(
            parse_date("11/20/2026 1:00 PM", berlin).unwrap(),
            utc("2026-11-20T12:00:00Z")
        );
        assert_eq!(
            parse_date("11/20/2026 13:30", berlin).unwrap(),
            utc("2026-11-20T12:30:00Z")
        );
        assert_eq!(
            parse_date("2026-11-20T13:00", berlin).unwrap(),
            utc("2026-11-20T12:00:00Z")
        );
        let utc_zone = Zone::parse("UTC").unwrap();
        assert_eq!(
            parse_date("2026-11-20T13:00:00Z", berlin).unwrap(),
            utc("2026-11-20T13:00:00Z")
        );
        assert_eq!(
            parse_date("2026-11-20T13:00:00+02:00", utc_zone).unwrap(),
            utc("2026-11-20T11:00:00Z")
        );
        assert!(
            parse_date("20.11.2026", berlin)
                .unwrap_err()
                .contains("is not a date")
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn formatting_in_a_zone() {
        let now = utc("2026-11-22T10:00:00Z");
        let zone = Zone::parse("UTC").unwrap();
        assert_eq!(zone.format(now), "2026-11-22T10:00:00.000Z");
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.format(now), "2026-11-22T11:00:00.000+01:00");
    }

    #[test]
    fn wall_clock_gaps_and_repeats() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // 2026-03-29 02:30 does not exist in Berlin; 2026-10-25 02:30 happens twice.
        assert_eq!(
            parse_date("2026-03-29T02:30", berlin).unwrap(),
            utc("2026-03-29T01:30:00Z")
        );
        assert_eq!(
            parse_date("2026-10-25T02:30", berlin).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
    }
}
