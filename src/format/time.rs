//! The date-time field: `yyyy-MM-ddTHH:mm:ss.fffZ`, always UTC.
//!
//! Exchange writes exactly three fractional digits; Exchange Online exports write seven. Both
//! (and anything from zero to nine digits) are accepted and truncated to milliseconds.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Why a date-time field could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// The text does not have the `yyyy-MM-ddTHH:mm:ss[.f]Z` shape.
    Shape,
    /// The shape is right but the date or time does not exist (month 13, 25:00, Feb 30).
    OutOfRange,
}

fn two_digits(b: &[u8], at: usize) -> Option<u32> {
    let hi = b.get(at)?.wrapping_sub(b'0');
    let lo = b.get(at + 1)?.wrapping_sub(b'0');
    (hi < 10 && lo < 10).then(|| u32::from(hi) * 10 + u32::from(lo))
}

/// Parses a tracking-log timestamp into milliseconds since the Unix epoch (UTC).
pub fn parse_timestamp_ms(text: &[u8]) -> Result<i64, TimeError> {
    // yyyy-MM-ddTHH:mm:ss = 19 bytes, then optional .f+ then Z
    if text.len() < 20 {
        return Err(TimeError::Shape);
    }
    let year = two_digits(text, 0)
        .zip(two_digits(text, 2))
        .map(|(c, y)| (c * 100 + y) as i32)
        .ok_or(TimeError::Shape)?;
    let separators_ok = text[4] == b'-'
        && text[7] == b'-'
        && (text[10] == b'T' || text[10] == b't')
        && text[13] == b':'
        && text[16] == b':';
    if !separators_ok {
        return Err(TimeError::Shape);
    }
    let field = |at| two_digits(text, at).ok_or(TimeError::Shape);
    let (month, day, hour, minute, second) =
        (field(5)?, field(8)?, field(11)?, field(14)?, field(17)?);

    let mut millis = 0u32;
    let mut at = 19;
    if text[at] == b'.' {
        at += 1;
        let start = at;
        while at < text.len() && text[at].is_ascii_digit() {
            if at - start < 3 {
                millis = millis * 10 + u32::from(text[at] - b'0');
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 || digits > 9 {
            return Err(TimeError::Shape);
        }
        for _ in digits..3 {
            millis *= 10;
        }
    }
    if at + 1 != text.len() || !(text[at] == b'Z' || text[at] == b'z') {
        return Err(TimeError::Shape);
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(TimeError::OutOfRange)?;
    let time = date
        .and_hms_milli_opt(hour, minute, second, millis)
        .ok_or(TimeError::OutOfRange)?;
    Ok(time.and_utc().timestamp_millis())
}

/// Formats milliseconds since the epoch the way Exchange writes them (`…T12:34:56.789Z`).
pub fn format_timestamp_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("<invalid time {ms}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exchange_three_digit_form() {
        let ms = parse_timestamp_ms(b"2023-04-02T14:45:54.400Z").unwrap();
        assert_eq!(format_timestamp_ms(ms), "2023-04-02T14:45:54.400Z");
    }

    #[test]
    fn accepts_zero_to_seven_fraction_digits() {
        let base = parse_timestamp_ms(b"2021-11-23T19:49:37.605Z").unwrap();
        assert_eq!(
            parse_timestamp_ms(b"2021-11-23T19:49:37.6050000Z"),
            Ok(base)
        );
        assert_eq!(parse_timestamp_ms(b"2021-11-23T19:49:37.6Z"), Ok(base - 5));
        assert_eq!(parse_timestamp_ms(b"2021-11-23T19:49:37Z"), Ok(base - 605));
    }

    #[test]
    fn rejects_bad_shapes_and_impossible_dates() {
        assert_eq!(
            parse_timestamp_ms(b"2023-04-02 14:45:54.400Z"),
            Err(TimeError::Shape)
        );
        assert_eq!(
            parse_timestamp_ms(b"2023-04-02T14:45:54.400"),
            Err(TimeError::Shape)
        );
        assert_eq!(
            parse_timestamp_ms(b"2023-04-02T14:45:54.Z"),
            Err(TimeError::Shape)
        );
        assert_eq!(
            parse_timestamp_ms(b"2023-02-30T14:45:54.400Z"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            parse_timestamp_ms(b"2023-04-02T25:45:54.400Z"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            parse_timestamp_ms(b"Source : ROUTING"),
            Err(TimeError::Shape)
        );
    }
}
