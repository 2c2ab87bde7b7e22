//! Time zones: the zone a query reads wall-clock dates in and every surface prints times in
//! (`--tz`: an IANA name, `UTC`, or the machine's `local` zone).

use chrono::{DateTime, Datelike, FixedOffset, Local, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone a query reads and prints times in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    /// The machine's local zone.
    Local,
    /// A named IANA zone (`Europe/Berlin`, `UTC`).
    Named(Tz),
}

impl Zone {
    /// Parses `--tz`: an IANA name (`Europe/Berlin`), a Windows zone ID (`W. Europe Standard
    /// Time`, mapped by CLDR's windowsZones to its world-wide IANA zone), `UTC`, or `local`.
    pub fn parse(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("local") {
            return Ok(Zone::Local);
        }
        if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("z") {
            return Ok(Zone::Named(Tz::UTC));
        }
        if let Ok(tz) = name.parse::<Tz>() {
            return Ok(Zone::Named(tz));
        }
        if let Some(tz) = windows_zone(name) {
            return Ok(Zone::Named(tz));
        }
        Err(format!(
            "unknown time zone '{name}'; use an IANA name such as Europe/Berlin, a Windows zone ID such as \"W. Europe Standard Time\", UTC, or local"
        ))
    }

    /// A label for output headers (`UTC`, `Europe/Berlin`, `local (+01:00)`).
    pub fn label(&self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_string(),
            Zone::Local => format!("local ({})", Local::now().format("%:z")),
        }
    }

    /// The UTC instant of a wall-clock time in this zone (the earlier one when a clock
    /// change makes it ambiguous).
    pub fn to_utc(&self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(r: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            match r {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        }
        let direct = match self {
            Zone::Local => pick(Local.from_local_datetime(&naive)),
            Zone::Named(tz) => pick(tz.from_local_datetime(&naive)),
        };
        // In a spring-forward gap the wall time is read with the offset before the change
        // (02:30 in a 02:00→03:00 gap is 03:30 after it, the same instant).
        direct.or_else(|| self.to_utc(naive + chrono::Duration::hours(1)))
    }

    /// Milliseconds since the epoch formatted as [`Zone::format`] does (UTC ISO when out of
    /// range).
    pub fn format_ms(&self, ms: i64) -> String {
        match DateTime::<Utc>::from_timestamp_millis(ms) {
            Some(t) => self.format(t),
            None => super::time::format_timestamp_ms(ms),
        }
    }

    /// A UTC instant as wall-clock time in this zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Local => t.with_timezone(&Local).fixed_offset(),
            Zone::Named(tz) => t.with_timezone(tz).fixed_offset(),
        }
    }

    /// Formats a UTC instant in this zone as the en-US short date and long time the cmdlet
    /// reads (`11/20/2026 1:00:00 PM`).
    pub fn format_us(&self, t: DateTime<Utc>) -> String {
        let fixed = self.local(t);
        fixed.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
    }

    /// As [`Zone::format_us`], with the milliseconds after the seconds when there are any
    /// (`11/20/2026 1:00:00.250 PM`, which .NET's en-US DateTime parsing reads).
    pub fn format_us_ms(&self, t: DateTime<Utc>) -> String {
        let fixed = self.local(t);
        if t.timestamp_subsec_millis() == 0 {
            fixed.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
        } else {
            fixed.format("%-m/%-d/%Y %-I:%M:%S%.3f %p").to_string()
        }
    }

    /// Formats a UTC instant in this zone with its offset (`2026-11-20T11:00:00.000+01:00`,
    /// `Z` for none).
    pub fn format(&self, t: DateTime<Utc>) -> String {
        let fixed = self.local(t);
        // RFC 3339 is this form for years of four digits, written without parsing a format
        // string for every time (a tenth of the time of printing every event as CSV).
        if (0..=9999).contains(&fixed.year()) {
            return fixed.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        }
        if fixed.offset().local_minus_utc() == 0 {
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        } else {
            fixed.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
        }
    }
}

/// The IANA zone of a Windows time-zone ID (CLDR windowsZones, territory 001), ignoring case
/// as Windows does.
fn windows_zone(name: &str) -> Option<Tz> {
    let iana = localzone::win_zone_to_iana(name, Some("001")).or_else(|| {
        // Windows IDs are case-insensitive: find the ID as CLDR spells it.
        chrono_tz::TZ_VARIANTS
            .iter()
            .filter_map(|tz| localzone::iana_to_win_zone(tz.name()))
            .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
            .and_then(|(windows, _)| localzone::win_zone_to_iana(windows, Some("001")))
    })?;
    iana.parse::<Tz>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset_on_20_nov_2026(zone: &str) -> String {
        let z = Zone::parse(zone).unwrap_or_else(|e| panic!("{e}"));
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc())
            .expect("a date");
        z.local(t).format("%:z").to_string()
    }

    /// The strftime form `format` is defined by, for any instant in zones of whole-hour,
    /// half-hour, negative, historical (seconds in the offset) and no offset.
    fn by_strftime(zone: &Zone, t: DateTime<Utc>) -> String {
        let fixed = zone.local(t);
        if fixed.offset().local_minus_utc() == 0 {
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        } else {
            fixed.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
        }
    }

    proptest::proptest! {
        #[test]
        fn a_time_formats_as_its_strftime_form(
            ms in -62_000_000_000_000i64..260_000_000_000_000i64,
            zone in proptest::sample::select(vec![
                "UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns",
                "Europe/Amsterdam", "Africa/Monrovia", "Pacific/Chatham", "America/New_York",
            ]),
        ) {
            let zone = Zone::parse(zone).expect("a zone");
            let t = DateTime::<Utc>::from_timestamp_millis(ms).expect("in range");
            proptest::prop_assert_eq!(zone.format(t), by_strftime(&zone, t));
        }
    }

    #[test]
    fn times_of_historical_offsets_and_edge_years_format_as_their_strftime_form() {
        // Amsterdam's +00:19:32 before 1937, Monrovia's -00:44:30 before 1972: offsets with
        // seconds; years 0, 1, 9999 and those beyond four digits.
        for (zone, ms) in [
            ("Europe/Amsterdam", -2_000_000_000_000i64),
            ("Africa/Monrovia", -100_000_000_000),
            ("UTC", -62_167_219_200_000),
            ("UTC", -62_135_596_800_000),
            ("UTC", 253_402_300_799_999),
            ("UTC", 253_402_300_800_000),
            ("Europe/Berlin", -62_167_219_200_001),
            ("Asia/Kolkata", 1_795_000_000_123),
        ] {
            let zone = Zone::parse(zone).expect("a zone");
            let t = DateTime::<Utc>::from_timestamp_millis(ms).expect("in range");
            assert_eq!(zone.format(t), by_strftime(&zone, t), "{ms} in {zone:?}");
        }
    }

    #[test]
    fn windows_zone_ids_are_cldr_zones() {
        // CLDR windowsZones, territory 001.
        assert_eq!(
            Zone::parse("W. Europe Standard Time"),
            Ok(Zone::Named(Tz::Europe__Berlin))
        );
        assert_eq!(
            Zone::parse("Korea Standard Time"),
            Ok(Zone::Named(Tz::Asia__Seoul))
        );
        assert_eq!(
            Zone::parse("Eastern Standard Time"),
            Ok(Zone::Named(Tz::America__New_York))
        );
        assert_eq!(
            Zone::parse("GMT Standard Time"),
            Ok(Zone::Named(Tz::Europe__London))
        );
        // Windows IDs ignore case.
        assert_eq!(
            Zone::parse("w. europe standard time"),
            Ok(Zone::Named(Tz::Europe__Berlin))
        );
        // Standard offsets in November (no daylight saving anywhere below).
        assert_eq!(offset_on_20_nov_2026("India Standard Time"), "+05:30");
        assert_eq!(offset_on_20_nov_2026("Tokyo Standard Time"), "+09:00");
        assert_eq!(offset_on_20_nov_2026("Pacific Standard Time"), "-08:00");
        assert_eq!(offset_on_20_nov_2026("Romance Standard Time"), "+01:00");
        assert!(
            Zone::parse("Mars Standard Time")
                .unwrap_err()
                .contains("Windows zone ID")
        );
    }
}
