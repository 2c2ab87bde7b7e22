//! .NET's `DateTime` and `TimeSpan` as PowerShell uses them: wall-clock ticks with a kind
//! (comparisons use the ticks and ignore the kind), `DateTime.Parse` in a culture, custom and
//! standard format strings, and `TimeSpan`'s `[-][d.]hh:mm:ss[.fffffff]`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::culture::{Culture, DateOrder, INVARIANT};

/// 100-nanosecond ticks per unit.
pub const TICKS_PER_MS: i64 = 10_000;
/// Ticks in a second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks in a day.
pub const TICKS_PER_DAY: i64 = 864_000_000_000;

/// `DateTime.Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No zone (most parsed strings).
    Unspecified,
    /// UTC (`[datetime]::UtcNow`).
    Utc,
    /// The machine's local time (Get-Date, the cmdlet's Timestamp).
    Local,
}

/// A `System.DateTime`: a wall-clock time and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// The wall-clock time (100 ns precision is kept as nanoseconds).
    pub wall: NaiveDateTime,
    /// What the wall clock is.
    pub kind: Kind,
}

/// A `System.TimeSpan`, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeSpan(pub i64);

impl DateTime {
    /// A date-time of a kind.
    pub fn new(wall: NaiveDateTime, kind: Kind) -> DateTime {
        DateTime { wall, kind }
    }

    /// Ticks since 0001-01-01 (what comparisons use).
    pub fn ticks(&self) -> i64 {
        let epoch = NaiveDate::from_ymd_opt(1, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN);
        let d = self.wall - epoch;
        d.num_microseconds().map_or(i64::MAX, |us| {
            us * 10 + i64::from(self.wall.nanosecond() % 1000) / 100
        })
    }

    /// Adds a duration; `None` past the range of dates (.NET throws there).
    pub fn add(&self, ticks: i64) -> Option<DateTime> {
        let d = Duration::microseconds(ticks / 10) + Duration::nanoseconds((ticks % 10) * 100);
        let wall = self.wall.checked_add_signed(d)?;
        (wall.year() >= 1 && wall.year() <= 9999).then_some(DateTime {
            wall,
            kind: self.kind,
        })
    }

    /// `AddMonths`: the day is clamped to the end of the month (Jan 31 + 1 = Feb 28/29).
    pub fn add_months(&self, months: i32) -> Option<DateTime> {
        let total = self.wall.year() * 12 + self.wall.month0() as i32 + months;
        let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
        if !(1..=9999).contains(&year) {
            return None;
        }
        let mut day = self.wall.day();
        let date = loop {
            if let Some(d) = NaiveDate::from_ymd_opt(year, month0 + 1, day) {
                break d;
            }
            day -= 1;
        };
        Some(DateTime {
            wall: date.and_time(self.wall.time()),
            kind: self.kind,
        })
    }

    /// `.Date`: midnight of the same day, same kind.
    pub fn date(&self) -> DateTime {
        DateTime {
            wall: self.wall.date().and_time(NaiveTime::MIN),
            kind: self.kind,
        }
    }

    /// The invariant `ToString()` PowerShell uses in strings and conversions:
    /// `MM/dd/yyyy HH:mm:ss`.
    pub fn invariant_string(&self) -> String {
        format(self, "G", &INVARIANT).unwrap_or_default()
    }
}

impl TimeSpan {
    /// .NET's message when a TimeSpan would not fit.
    pub const TOO_LONG: &'static str = "TimeSpan overflowed because the duration is too long.";

    /// From a number of ticks computed as a double (`FromDays(1.5)`), refusing what does not
    /// fit as .NET does.
    pub fn from_ticks_f64(ticks: f64) -> Result<TimeSpan, String> {
        if ticks.is_finite() && ticks.abs() < i64::MAX as f64 {
            Ok(TimeSpan(ticks as i64))
        } else {
            Err(TimeSpan::TOO_LONG.into())
        }
    }

    /// The sum, or .NET's overflow error.
    pub fn checked_add(self, other: TimeSpan) -> Result<TimeSpan, String> {
        self.0
            .checked_add(other.0)
            .map(TimeSpan)
            .ok_or_else(|| TimeSpan::TOO_LONG.into())
    }

    /// The negation, or .NET's overflow error (`TimeSpan.MinValue.Negate()`).
    pub fn checked_neg(self) -> Result<TimeSpan, String> {
        self.0
            .checked_neg()
            .map(TimeSpan)
            .ok_or_else(|| TimeSpan::TOO_LONG.into())
    }

    /// From milliseconds.
    pub fn from_ms(ms: i64) -> TimeSpan {
        TimeSpan(ms.saturating_mul(TICKS_PER_MS))
    }

    /// `TotalSeconds`.
    pub fn total_seconds(&self) -> f64 {
        self.0 as f64 / TICKS_PER_SECOND as f64
    }

    /// `ToString()`: `[-][d.]hh:mm:ss[.fffffff]`.
    pub fn to_text(&self) -> String {
        let neg = self.0 < 0;
        let t = self.0.unsigned_abs();
        let days = t / TICKS_PER_DAY as u64;
        let rem = t % TICKS_PER_DAY as u64;
        let h = rem / 36_000_000_000;
        let m = rem / 600_000_000 % 60;
        let s = rem / TICKS_PER_SECOND as u64 % 60;
        let f = rem % TICKS_PER_SECOND as u64;
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if days > 0 {
            out.push_str(&format!("{days}."));
        }
        out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
        if f > 0 {
            out.push_str(&format!(".{f:07}"));
        }
        out
    }

    /// `TimeSpan.Parse` (invariant): `[-][d.]hh:mm[:ss[.fffffff]]`, or a whole number of days
    /// (`"5"` is five days).
    pub fn parse(text: &str) -> Option<TimeSpan> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, t),
        };
        let ticks = if let Ok(days) = body.parse::<i64>() {
            days.checked_mul(TICKS_PER_DAY)?
        } else {
            let (days, clock) = match body.split_once('.') {
                Some((d, rest)) if rest.contains(':') && !d.contains(':') => {
                    (d.parse::<i64>().ok()?, rest)
                }
                _ => (0, body),
            };
            let parts: Vec<&str> = clock.split(':').collect();
            if !(2..=3).contains(&parts.len()) {
                return None;
            }
            let h: i64 = parts[0].parse().ok()?;
            let m: i64 = parts[1].parse().ok()?;
            let (s, frac) = match parts.get(2) {
                Some(sec) => match sec.split_once('.') {
                    Some((s, f)) => (s.parse::<i64>().ok()?, f),
                    None => (sec.parse::<i64>().ok()?, ""),
                },
                None => (0, ""),
            };
            if h > 23
                || m > 59
                || s > 59
                || frac.len() > 7
                || !frac.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let f: i64 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<7}").parse().ok()?
            };
            days * TICKS_PER_DAY + h * 36_000_000_000 + m * 600_000_000 + s * TICKS_PER_SECOND + f
        };
        Some(TimeSpan(if neg { -ticks } else { ticks }))
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The English name of a weekday (0 = Sunday), as `DayOfWeek` prints.
pub fn day_name(sunday_based: u32) -> &'static str {
    DAYS[sunday_based as usize % 7]
}

/// Formats a date-time with a .NET format string (standard `d D t T g G f F s u o r M Y` or
/// custom `yyyy-MM-dd HH:mm:ss.fff`) in a culture. An error names what msgtrack cannot write
/// (month and day names outside English cultures, `z` offsets of unspecified times).
pub fn format(t: &DateTime, fmt: &str, culture: &Culture) -> Result<String, String> {
    let pattern: String = match fmt {
        "" | "G" => format!("{} {}", culture.short_date, culture.long_time),
        "d" => culture.short_date.into(),
        "D" => culture.long_date.into(),
        "t" => culture.short_time.into(),
        "T" => culture.long_time.into(),
        "g" => format!("{} {}", culture.short_date, culture.short_time),
        "f" => format!("{} {}", culture.long_date, culture.short_time),
        "F" => format!("{} {}", culture.long_date, culture.long_time),
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss".into(),
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'".into(),
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK".into(),
        "r" | "R" => {
            return format(t, "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", &INVARIANT);
        }
        "M" | "m" => "MMMM dd".into(),
        "Y" | "y" => "MMMM yyyy".into(),
        f if f.chars().count() == 1 => return Err(format!("'{f}' is not a date format")),
        f => f.into(),
    };
    let culture = if matches!(fmt, "o" | "O" | "s" | "u") {
        &INVARIANT
    } else {
        culture
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let w = &t.wall;
    let names = |culture: &Culture, what: &str| -> Result<(), String> {
        if culture.english_names {
            Ok(())
        } else {
            Err(format!(
                "{what} names in {} are not known to msgtrack; use numbers (MM, dd) or --culture en-US",
                culture.label()
            ))
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        match c {
            'y' => {
                let y = w.year();
                match n {
                    1 => out.push_str(&(y % 100).to_string()),
                    2 => out.push_str(&format!("{:02}", y % 100)),
                    _ => out.push_str(&format!("{:0width$}", y, width = n)),
                }
            }
            'M' => match n {
                1 => out.push_str(&w.month().to_string()),
                2 => out.push_str(&format!("{:02}", w.month())),
                3 => {
                    names(culture, "month")?;
                    out.push_str(&MONTHS[w.month0() as usize][..3]);
                }
                _ => {
                    names(culture, "month")?;
                    out.push_str(MONTHS[w.month0() as usize]);
                }
            },
            'd' => match n {
                1 => out.push_str(&w.day().to_string()),
                2 => out.push_str(&format!("{:02}", w.day())),
                3 => {
                    names(culture, "day")?;
                    out.push_str(&day_name(w.weekday().num_days_from_sunday())[..3]);
                }
                _ => {
                    names(culture, "day")?;
                    out.push_str(day_name(w.weekday().num_days_from_sunday()));
                }
            },
            'h' => {
                let h = match w.hour() % 12 {
                    0 => 12,
                    h => h,
                };
                out.push_str(&if n == 1 {
                    h.to_string()
                } else {
                    format!("{h:02}")
                });
            }
            'H' => out.push_str(&if n == 1 {
                w.hour().to_string()
            } else {
                format!("{:02}", w.hour())
            }),
            'm' => out.push_str(&if n == 1 {
                w.minute().to_string()
            } else {
                format!("{:02}", w.minute())
            }),
            's' => out.push_str(&if n == 1 {
                w.second().to_string()
            } else {
                format!("{:02}", w.second())
            }),
            'f' | 'F' => {
                if n > 7 {
                    return Err("more than seven f in a date format".into());
                }
                let digits = format!("{:07}", w.nanosecond() / 100);
                let part = &digits[..n];
                if c == 'F' {
                    let trimmed = part.trim_end_matches('0');
                    if trimmed.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                    out.push_str(trimmed);
                } else {
                    out.push_str(part);
                }
            }
            't' => {
                let designator = if w.hour() < 12 {
                    culture.am
                } else {
                    culture.pm
                };
                if n == 1 {
                    out.extend(designator.chars().take(1));
                } else {
                    out.push_str(designator);
                }
            }
            'K' => {
                if t.kind == Kind::Utc {
                    out.push('Z');
                } else if t.kind == Kind::Local {
                    return Err(
                        "the K and z formats of a local time need its offset; format it in UTC (.ToUniversalTime()) instead"
                            .into(),
                    );
                }
            }
            'z' => {
                return Err(
                    "the z format (UTC offset) is not supported; format the time in UTC (.ToUniversalTime()) instead"
                        .into(),
                );
            }
            ':' => out.push(':'),
            '/' => out.push('/'),
            '\'' | '"' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != c {
                    out.push(chars[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            '%' => {
                i += 1;
                continue;
            }
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    Ok(out)
}

/// A two-digit year as .NET reads it (`TwoDigitYearMax` 2029: 00–29 → 20xx, 30–99 → 19xx).
fn full_year(y: i32, digits: usize) -> i32 {
    if digits <= 2 {
        if y <= 29 { 2000 + y } else { 1900 + y }
    } else {
        y
    }
}

/// What `DateTime.Parse` found in a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parsed {
    /// The wall-clock time (the date is `today` when the text has only a time).
    pub wall: NaiveDateTime,
    /// The UTC offset in seconds, when the text gives one (`Z`, `+02:00`).
    pub offset_seconds: Option<i32>,
}

/// `DateTime.Parse(text, culture)`: ISO 8601 in every culture; otherwise the culture's
/// day/month/year order (a four-digit first part is a year), `/ . -` as separators, a time
/// `H:mm[:ss[.fff]]` with the culture's (or English) AM/PM. A time alone is today at that
/// time, a date alone is midnight. `None` when .NET would throw.
pub fn parse(text: &str, culture: &Culture, today: NaiveDate) -> Option<Parsed> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(p) = parse_iso(t) {
        return Some(p);
    }
    // Split off an AM/PM designator (before or after the time).
    let mut rest = t.to_string();
    let mut mark: Option<bool> = None; // Some(true) = PM
    for (designator, pm) in [
        (culture.am, false),
        (culture.pm, true),
        ("AM", false),
        ("PM", true),
    ] {
        if designator.is_empty() {
            continue;
        }
        let lower = rest.to_lowercase();
        let d = designator.to_lowercase();
        if let Some(pos) = find_word(&lower, &d) {
            rest = format!("{} {}", &rest[..pos], &rest[pos + d.len()..]);
            mark = Some(pm);
            break;
        }
    }
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let (date_part, time_part) = match tokens.as_slice() {
        [one] if one.contains(':') => (None, Some(*one)),
        [one] => (Some(*one), None),
        [a, b] if b.contains(':') => (Some(*a), Some(*b)),
        [a, b] if a.contains(':') => (Some(*b), Some(*a)),
        _ => return None,
    };
    let date = match date_part {
        None => today,
        Some(d) => parse_date_part(d, culture)?,
    };
    let time = match time_part {
        None => {
            if mark.is_some() {
                return None;
            }
            NaiveTime::MIN
        }
        Some(tp) => parse_time_part(tp, mark)?,
    };
    Some(Parsed {
        wall: date.and_time(time),
        offset_seconds: None,
    })
}

fn find_word(haystack: &str, word: &str) -> Option<usize> {
    let pos = haystack.find(word)?;
    let before_ok = pos == 0
        || haystack[..pos]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_whitespace() || c.is_ascii_digit());
    let after = &haystack[pos + word.len()..];
    let after_ok = after.is_empty() || after.starts_with(|c: char| c.is_whitespace());
    (before_ok && after_ok).then_some(pos)
}

fn parse_date_part(text: &str, culture: &Culture) -> Option<NaiveDate> {
    let parts: Vec<&str> = text
        .split(['/', '.', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let num = |i: usize| parts[i].parse::<i32>().ok();
    let (y, m, d, ydigits) = if parts[0].len() >= 3 {
        (num(0)?, num(1)?, num(2)?, parts[0].len())
    } else {
        match culture.date_order() {
            DateOrder::Mdy => (num(2)?, num(0)?, num(1)?, parts[2].len()),
            DateOrder::Dmy => (num(2)?, num(1)?, num(0)?, parts[2].len()),
            DateOrder::Ymd => (num(0)?, num(1)?, num(2)?, parts[0].len()),
        }
    };
    NaiveDate::from_ymd_opt(
        full_year(y, ydigits),
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    )
}

fn parse_time_part(text: &str, mark: Option<bool>) -> Option<NaiveTime> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut hour: u32 = parts[0].parse().ok()?;
    let minute: u32 = parts[1].parse().ok()?;
    let (second, nanos) = match parts.get(2) {
        Some(s) => match s.split_once(['.', ',']) {
            Some((s, f)) => {
                if f.is_empty() || f.len() > 7 || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (s.parse().ok()?, format!("{f:0<9}").parse::<u32>().ok()?)
            }
            None => (s.parse().ok()?, 0),
        },
        None => (0, 0),
    };
    // .NET AdjustHour: AM takes 0–12 (12 AM is midnight); PM takes 0–23 (13 PM is 13:00).
    match mark {
        Some(false) => {
            if hour > 12 {
                return None;
            }
            if hour == 12 {
                hour = 0;
            }
        }
        Some(true) => {
            if hour > 23 {
                return None;
            }
            if hour < 12 {
                hour += 12;
            }
        }
        None => {}
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// ISO 8601 (`2026-11-20`, `2026-11-20T13:00`, `…:00.250Z`, `…+02:00`, space for `T`).
fn parse_iso(t: &str) -> Option<Parsed> {
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let date = NaiveDate::parse_from_str(&t[..10], "%Y-%m-%d").ok()?;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(Parsed {
            wall: date.and_time(NaiveTime::MIN),
            offset_seconds: None,
        });
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, Some(0))
    } else if let Some(pos) = rest.rfind(['+', '-']).filter(|p| *p >= 5) {
        let off = &rest[pos..];
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (h, m) = off[1..]
            .split_once(':')
            .unwrap_or((&off[1..3.min(off.len())], &off[3.min(off.len())..]));
        let secs = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().unwrap_or(0) * 60);
        (&rest[..pos], Some(secs))
    } else {
        (rest, None)
    };
    let time = parse_time_part(clock, None)?;
    Some(Parsed {
        wall: date.and_time(time),
        offset_seconds: offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn at(text: &str, culture: &str) -> Option<String> {
        parse(text, Culture::find(culture).unwrap(), today())
            .map(|p| p.wall.format("%Y-%m-%d %H:%M:%S%.f").to_string())
    }

    #[test]
    fn dates_are_read_in_the_culture_order() {
        assert_eq!(
            at("11/22/2026 10:00", "en-US").unwrap(),
            "2026-11-22 10:00:00"
        );
        assert_eq!(at("22/11/2026 10:00", "en-US"), None);
        assert_eq!(
            at("22/11/2026 10:00", "en-GB").unwrap(),
            "2026-11-22 10:00:00"
        );
        assert_eq!(
            at("22.11.2026 14:03:00", "de-DE").unwrap(),
            "2026-11-22 14:03:00"
        );
        assert_eq!(at("2026-11-22", "ko-KR").unwrap(), "2026-11-22 00:00:00");
        assert_eq!(
            at("2019/11/06 09:00:00", "en-US").unwrap(),
            "2019-11-06 09:00:00"
        );
        assert_eq!(
            at("3/28/2015 8:00AM", "en-US").unwrap(),
            "2015-03-28 08:00:00"
        );
        assert_eq!(
            at("3/28/2015 5:00PM", "en-US").unwrap(),
            "2015-03-28 17:00:00"
        );
        assert_eq!(
            at("01/20/2017 13:00:00 PM", "en-US").unwrap(),
            "2017-01-20 13:00:00"
        );
        assert_eq!(at("01/20/2017 13:00:00 AM", "en-US"), None);
        assert_eq!(at("12/3/2009", "en-US").unwrap(), "2009-12-03 00:00:00");
        assert_eq!(at("13/3/2009", "en-US"), None, "day 13 is no month");
        assert_eq!(at("13:10", "en-US").unwrap(), "2026-11-22 13:10:00");
        assert_eq!(
            at("06/15/20 01:00:00 AM", "en-US").unwrap(),
            "2020-06-15 01:00:00"
        );
        assert_eq!(
            at("오후 3:05:00 2026-11-22", "ko-KR").unwrap(),
            "2026-11-22 15:05:00"
        );
        assert_eq!(at("mm/dd/yyyy hh:mm am/pm", "en-US"), None);
        assert_eq!(
            at("2026-11-20T13:00:00.250", "en-US").unwrap(),
            "2026-11-20 13:00:00.250"
        );
        let z = parse("2026-11-20T13:00:00Z", &INVARIANT, today()).unwrap();
        assert_eq!(z.offset_seconds, Some(0));
        let off = parse("2026-11-20T13:00+02:00", &INVARIANT, today()).unwrap();
        assert_eq!(off.offset_seconds, Some(7200));
    }

    #[test]
    fn format_strings_follow_dotnet() {
        let t = DateTime::new(
            NaiveDate::from_ymd_opt(2026, 11, 22)
                .unwrap()
                .and_hms_milli_opt(14, 3, 7, 250)
                .unwrap(),
            Kind::Local,
        );
        let en = Culture::find("en-US").unwrap();
        let de = Culture::find("de-DE").unwrap();
        let gb = Culture::find("en-GB").unwrap();
        assert_eq!(format(&t, "G", en).unwrap(), "11/22/2026 2:03:07 PM");
        assert_eq!(format(&t, "G", gb).unwrap(), "22/11/2026 14:03:07");
        assert_eq!(format(&t, "G", de).unwrap(), "22.11.2026 14:03:07");
        assert_eq!(t.invariant_string(), "11/22/2026 14:03:07");
        assert_eq!(
            format(&t, "yyyy-MM-dd HH:mm:ss.fff", en).unwrap(),
            "2026-11-22 14:03:07.250"
        );
        assert_eq!(
            format(&t, "dddd, MMMM d", en).unwrap(),
            "Sunday, November 22"
        );
        assert!(format(&t, "MMMM", de).is_err());
        assert_eq!(format(&t, "yyyyMMdd", de).unwrap(), "20261122");
        assert_eq!(format(&t, "HH:mm:ss.FFF", en).unwrap(), "14:03:07.25");
        assert_eq!(format(&t, "s", de).unwrap(), "2026-11-22T14:03:07");
    }

    #[test]
    fn timespans_print_and_parse_as_dotnet() {
        assert_eq!(TimeSpan::from_ms(532).to_text(), "00:00:00.5320000");
        assert_eq!(TimeSpan(0).to_text(), "00:00:00");
        assert_eq!(
            TimeSpan(TICKS_PER_DAY + 3_600 * TICKS_PER_SECOND).to_text(),
            "1.01:00:00"
        );
        assert_eq!(TimeSpan::from_ms(-1500).to_text(), "-00:00:01.5000000");
        assert_eq!(
            TimeSpan::parse("00:05:00"),
            Some(TimeSpan(300 * TICKS_PER_SECOND))
        );
        assert_eq!(
            TimeSpan::parse("1.02:00:00"),
            Some(TimeSpan(TICKS_PER_DAY + 7_200 * TICKS_PER_SECOND))
        );
        assert_eq!(TimeSpan::parse("5"), Some(TimeSpan(5 * TICKS_PER_DAY)));
        assert_eq!(
            TimeSpan::parse("00:00:30.5"),
            Some(TimeSpan(305 * TICKS_PER_SECOND / 10))
        );
        assert_eq!(TimeSpan::parse("25:00"), None);
    }

    #[test]
    fn add_months_clamps_and_ticks_count_from_year_one() {
        let jan31 = DateTime::new(
            NaiveDate::from_ymd_opt(2024, 1, 31)
                .unwrap()
                .and_time(NaiveTime::MIN),
            Kind::Unspecified,
        );
        assert_eq!(jan31.add_months(1).unwrap().wall.day(), 29);
        let one = DateTime::new(
            NaiveDate::from_ymd_opt(1, 1, 2)
                .unwrap()
                .and_time(NaiveTime::MIN),
            Kind::Unspecified,
        );
        assert_eq!(one.ticks(), TICKS_PER_DAY);
        assert!(jan31.add(i64::MAX / 2).is_none());
    }
}
