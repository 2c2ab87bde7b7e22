//! PowerShell's number literals (about_Numeric_Literals; tokenizer.cs `ScanNumber` in 5.1):
//! `10`, `2147483648` (Int64), `0x1F`, `1.5`, `1e3`, `5L`, `1.30D`, and the multipliers
//! `KB MB GB TB PB` (`10MB`, `0.5MB`, `5LMB`). The same reader converts a string on the right
//! of a comparison whose left side is a number (`$_.TotalBytes -gt "100KB"`).

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

/// A number as PowerShell types it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// `System.Int32`.
    Int(i32),
    /// `System.Int64`.
    Long(i64),
    /// `System.Double`.
    Double(f64),
    /// `System.Decimal`.
    Decimal(Decimal),
}

fn multiplier(suffix: &str) -> Option<i64> {
    Some(match suffix.to_ascii_lowercase().as_str() {
        "" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        "pb" => 1 << 50,
        _ => return None,
    })
}

/// An integer in the smallest of Int32, Int64, Decimal, Double that holds it.
fn integer(value: i128) -> Number {
    if let Ok(v) = i32::try_from(value) {
        Number::Int(v)
    } else if let Ok(v) = i64::try_from(value) {
        Number::Long(v)
    } else if let Some(d) = Decimal::from_i128(value) {
        Number::Decimal(d)
    } else {
        Number::Double(value as f64)
    }
}

/// Reads a whole number literal (no surrounding spaces, no sign). `None` when the text is not
/// exactly one number.
pub fn parse_literal(text: &str) -> Option<Number> {
    let lower = text.to_ascii_lowercase();
    // Hexadecimal: 0x…, optional L, optional multiplier.
    if let Some(hex) = lower.strip_prefix("0x") {
        let digits_end = hex
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(hex.len());
        if digits_end == 0 {
            return None;
        }
        let (digits, rest) = hex.split_at(digits_end);
        let (long, rest) = match rest.strip_prefix('l') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let mult = multiplier(rest)?;
        let raw = u64::from_str_radix(digits, 16).ok()?;
        // 5.1: up to 8 digits is an Int32 (0xFFFFFFFF is -1), up to 16 an Int64.
        let value: i128 = if !long && digits.trim_start_matches('0').len() <= 8 {
            i128::from(raw as u32 as i32)
        } else {
            i128::from(raw as i64)
        };
        let scaled = value.checked_mul(i128::from(mult))?;
        return Some(if long {
            Number::Long(i64::try_from(scaled).ok()?)
        } else {
            integer(scaled)
        });
    }
    // Decimal digits, fraction, exponent.
    let bytes = lower.as_bytes();
    let mut i = 0;
    let digit_run = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let whole = digit_run(&mut i);
    let mut real = false;
    let mut frac = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        let save = i;
        i += 1;
        frac = digit_run(&mut i);
        if whole == 0 && frac == 0 {
            i = save;
        } else {
            real = true;
        }
    }
    if whole == 0 && frac == 0 {
        return None;
    }
    if i < bytes.len() && bytes[i] == b'e' {
        let save = i;
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        if digit_run(&mut i) == 0 {
            i = save;
        } else {
            real = true;
        }
    }
    let numeric = &lower[..i];
    let mut rest = &lower[i..];
    let mut kind = None;
    if let Some(r) = rest.strip_prefix('d') {
        kind = Some('d');
        rest = r;
    } else if let Some(r) = rest.strip_prefix('l') {
        kind = Some('l');
        rest = r;
    }
    let mult = multiplier(rest)?;
    match kind {
        Some('d') => {
            let d = Decimal::from_str_exact(numeric)
                .or_else(|_| Decimal::from_scientific(numeric))
                .ok()?;
            Some(Number::Decimal(d.checked_mul(Decimal::from(mult))?))
        }
        Some(_) => {
            // L: an Int64 (a real with L is rounded, as 5.1 does for 1.5L → 2).
            let v: f64 = numeric.parse().ok()?;
            let scaled = round_half_even(v) * mult as f64;
            if !(i64::MIN as f64..=i64::MAX as f64).contains(&scaled) {
                return None;
            }
            Some(Number::Long(scaled as i64))
        }
        None if real => {
            let v: f64 = numeric.parse().ok()?;
            Some(Number::Double(v * mult as f64))
        }
        None => {
            let v: i128 = numeric.parse().ok()?;
            match v.checked_mul(i128::from(mult)) {
                Some(scaled) => Some(integer(scaled)),
                None => Some(Number::Double(v as f64 * mult as f64)),
            }
        }
    }
}

/// Converts a string to a number as PowerShell does when a number is compared with it:
/// trimmed, `""` is 0, a leading sign is allowed, then the literal rules above, else .NET's
/// invariant parsing with thousands separators (`"1,000"`). `None` when it is no number.
pub fn parse_string(text: &str) -> Option<Number> {
    let t = text.trim();
    if t.is_empty() {
        return Some(Number::Int(0));
    }
    let (negative, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if let Some(n) = parse_literal(body) {
        return Some(if negative { negate(n) } else { n });
    }
    // .NET: thousands separators in the integer part (invariant culture: ',').
    let plain: String = t.chars().filter(|c| *c != ',').collect();
    if plain.len() != t.len() && !plain.is_empty() {
        if let Ok(v) = plain.parse::<i64>() {
            return Some(integer(i128::from(v)));
        }
        if let Ok(v) = plain.parse::<f64>() {
            return Some(Number::Double(v));
        }
    }
    None
}

/// `-n`, widening when the negation does not fit (`-(-2147483648)` is an Int64).
pub fn negate(n: Number) -> Number {
    match n {
        Number::Int(v) => v
            .checked_neg()
            .map_or(Number::Long(-i64::from(v)), Number::Int),
        Number::Long(v) => v
            .checked_neg()
            .map_or(Number::Double(-(v as f64)), Number::Long),
        Number::Double(v) => Number::Double(-v),
        Number::Decimal(d) => Number::Decimal(-d),
    }
}

/// Banker's rounding (`[math]::Round` and integer casts in .NET round half to even).
pub fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 {
        2.0 * (v / 2.0).round()
    } else {
        r
    }
}

impl Number {
    /// The value as a double (for comparisons across types).
    pub fn to_f64(self) -> f64 {
        match self {
            Number::Int(v) => f64::from(v),
            Number::Long(v) => v as f64,
            Number::Double(v) => v,
            Number::Decimal(d) => d.to_f64().unwrap_or(f64::NAN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_get_the_types_of_about_numeric_literals() {
        assert_eq!(parse_literal("1KB"), Some(Number::Int(1024)));
        assert_eq!(parse_literal("1mb"), Some(Number::Int(1_048_576)));
        assert_eq!(parse_literal("1GB"), Some(Number::Int(1_073_741_824)));
        assert_eq!(parse_literal("2GB"), Some(Number::Long(2_147_483_648)));
        assert_eq!(parse_literal("10GB"), Some(Number::Long(10_737_418_240)));
        assert_eq!(parse_literal("1TB"), Some(Number::Long(1 << 40)));
        assert_eq!(parse_literal("0.5MB"), Some(Number::Double(524_288.0)));
        assert_eq!(
            parse_literal("1.5GB"),
            Some(Number::Double(1_610_612_736.0))
        );
        assert_eq!(parse_literal("1e3"), Some(Number::Double(1000.0)));
        assert_eq!(
            parse_literal("1.30Dmb"),
            Some(Number::Decimal(
                Decimal::from_str_exact("1363148.80").unwrap()
            ))
        );
        assert_eq!(parse_literal("0x10"), Some(Number::Int(16)));
        assert_eq!(parse_literal("0x1e2L"), Some(Number::Long(482)));
        assert_eq!(parse_literal("0xFFFFFFFF"), Some(Number::Int(-1)));
        assert_eq!(parse_literal("100L"), Some(Number::Long(100)));
        assert_eq!(
            parse_literal("100D"),
            Some(Number::Decimal(Decimal::from(100)))
        );
        assert_eq!(
            parse_literal("2147483648"),
            Some(Number::Long(2_147_483_648))
        );
        assert_eq!(parse_literal("5LMB"), Some(Number::Long(5 * 1_048_576)));
        for no in ["", "x", "10XB", "1..2", "0x", "2026-11-20", "1.2.3", "e5"] {
            assert_eq!(parse_literal(no), None, "{no}");
        }
    }

    #[test]
    fn strings_convert_through_the_number_lexer() {
        assert_eq!(parse_string(" 100KB "), Some(Number::Int(102_400)));
        assert_eq!(parse_string(""), Some(Number::Int(0)));
        assert_eq!(parse_string("0xa"), Some(Number::Int(10)));
        assert_eq!(parse_string("-5"), Some(Number::Int(-5)));
        assert_eq!(parse_string("1,000"), Some(Number::Int(1000)));
        assert_eq!(parse_string("1000000"), Some(Number::Int(1_000_000)));
        assert_eq!(parse_string("abc"), None);
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(-2.5), -2.0);
    }
}
