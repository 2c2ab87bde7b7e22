//! PowerShell's operators on values: conversions (the left operand decides), comparisons with
//! their array semantics (an array on the left filters), `-like`, `-match`, `-replace`,
//! `-split`, `-join`, `-f`, arithmetic, `-is`/`-as` and casts. Rules and examples:
//! shared/reference/powershell-semantics.md §1–§4.

use std::cmp::Ordering;
use std::rc::Rc;

use regex::{Regex, RegexBuilder};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::ast::{BinaryOp, Compare};
use super::culture::{Culture, INVARIANT};
use super::datetime::{self, DateTime, Kind, TICKS_PER_DAY, TimeSpan};
use super::number::{Number, parse_string, round_half_even};
use super::value::{CustomObject, Hashtable, Value};
use super::wildcard::wildcard_regex;
use crate::format::fold::{cmp_ignore_case, eq_ignore_case};

/// An operator or conversion that fails (PowerShell would stop with an error).
pub type OpResult<T> = std::result::Result<T, String>;

/// The state operators read and write: the culture of `-f` and sorting, `$matches`.
pub struct OpContext<'a> {
    /// The current culture (`-f`, `.ToString()`).
    pub culture: &'a Culture,
    /// What `-match` sets.
    pub matches: Option<Value>,
    /// Compiled patterns, by (case-sensitive, wildcard), then pattern. Shared, not cloned:
    /// a clone of a `Regex` starts with no search cache and builds one at its first match,
    /// which cost a quarter of a Where-Object's time over a million events.
    pub regexes:
        std::collections::HashMap<(bool, bool), std::collections::HashMap<String, Rc<Regex>>>,
    /// Today's date and the shell's zone.
    pub clock: Clock,
}

/// What date parsing needs of the shell: today's date (for a time without a date) and the
/// zone (a text with an offset becomes local time, as .NET's `DateTime.Parse` does).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Today in the shell's zone.
    pub today: chrono::NaiveDate,
    /// The shell's zone.
    pub zone: crate::format::Zone,
}

impl OpContext<'_> {
    fn regex(&mut self, pattern: &str, case: bool, wildcard: bool) -> OpResult<Rc<Regex>> {
        let compiled = self.regexes.entry((case, wildcard)).or_default();
        if let Some(r) = compiled.get(pattern) {
            return Ok(Rc::clone(r));
        }
        let re = if wildcard {
            wildcard_regex(pattern, case)
                .map_err(|e| format!("the wildcard pattern '{pattern}' is not valid: {e}"))?
        } else {
            RegexBuilder::new(pattern)
                .case_insensitive(!case)
                .build()
                .map_err(|e| regex_error(pattern, &e))?
        };
        let re = Rc::new(re);
        compiled.insert(pattern.to_string(), Rc::clone(&re));
        Ok(re)
    }
}

fn regex_error(pattern: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    if text.contains("look-around") || text.contains("backreferences") {
        format!(
            "the regular expression '{pattern}' uses look-around or backreferences, which .NET has and msgtrack's engine does not"
        )
    } else {
        format!(
            "the regular expression '{pattern}' is not valid: {}",
            text.lines().last().unwrap_or(&text)
        )
    }
}

// ---- conversions ----

/// The value as text, invariant culture (`"$x"`, string comparisons, `-join`).
pub fn to_text(v: &Value) -> String {
    v.to_text()
}

/// The value as a number, by PowerShell's rules (strings through the number lexer, `$null`
/// and `""` as 0, `$true` as 1).
pub fn to_number(v: &Value) -> OpResult<Number> {
    match v {
        Value::Null => Ok(Number::Int(0)),
        Value::Bool(b) => Ok(Number::Int(i32::from(*b))),
        Value::Str(s) => {
            parse_string(s).ok_or_else(|| format!("cannot convert \"{s}\" to a number"))
        }
        Value::Char(c) => Ok(Number::Int(*c as i32)),
        Value::Enum(e) => Ok(Number::Int(e.value)),
        Value::Array(items) if items.len() == 1 => to_number(&items[0]),
        other => other.as_number().ok_or_else(|| {
            format!(
                "cannot convert the {} \"{}\" to a number",
                short_type(other),
                other.to_text()
            )
        }),
    }
}

fn short_type(v: &Value) -> String {
    v.type_name().trim_start_matches("System.").to_string()
}

/// `DateTime.Parse(text, InvariantCulture)`, as operator conversions and `[datetime]"…"` read
/// strings; a string with an offset becomes local time (here: kept as given, kind Local).
pub fn parse_datetime_invariant(text: &str, clock: Clock) -> OpResult<DateTime> {
    parse_datetime_in(text, &INVARIANT, clock)
}

/// `DateTime.Parse(text, culture)`.
pub fn parse_datetime_in(text: &str, culture: &Culture, clock: Clock) -> OpResult<DateTime> {
    let p = datetime::parse(text, culture, clock.today).ok_or_else(|| {
        format!(
            "\"{text}\" is not a date in the {} culture",
            culture.label()
        )
    })?;
    Ok(match p.offset_seconds {
        // An offset in the text: .NET converts the instant to local time (Kind Local), so
        // '2026-11-20T10:00:00Z' compares with the log's local timestamps as the shell does.
        Some(off) => {
            let utc = p.wall - chrono::Duration::seconds(i64::from(off));
            DateTime::new(clock.zone.local(utc.and_utc()).naive_local(), Kind::Local)
        }
        None => DateTime::new(p.wall, Kind::Unspecified),
    })
}

fn to_datetime(v: &Value, ctx: &OpContext<'_>) -> OpResult<DateTime> {
    match v {
        Value::DateTime(t) => Ok(*t),
        Value::Str(s) => parse_datetime_invariant(s, ctx.clock),
        Value::Int(_) | Value::Long(_) => {
            let ticks = to_number(v)?.to_f64() as i64;
            let epoch = DateTime::new(
                chrono::NaiveDate::from_ymd_opt(1, 1, 1)
                    .unwrap_or_default()
                    .and_time(chrono::NaiveTime::MIN),
                Kind::Unspecified,
            );
            epoch
                .add(ticks)
                .ok_or_else(|| format!("{ticks} ticks is not a date"))
        }
        Value::Array(items) if items.len() == 1 => to_datetime(&items[0], ctx),
        other => Err(format!(
            "cannot convert \"{}\" to a DateTime",
            other.to_text()
        )),
    }
}

fn to_timespan(v: &Value) -> OpResult<TimeSpan> {
    match v {
        Value::TimeSpan(t) => Ok(*t),
        Value::Str(s) => {
            TimeSpan::parse(s).ok_or_else(|| format!("\"{s}\" is not a TimeSpan ([d.]hh:mm:ss)"))
        }
        Value::Int(_) | Value::Long(_) => Ok(TimeSpan(to_number(v)?.to_f64() as i64)),
        Value::Array(items) if items.len() == 1 => to_timespan(&items[0]),
        other => Err(format!(
            "cannot convert \"{}\" to a TimeSpan",
            other.to_text()
        )),
    }
}

// ---- comparisons ----

/// Compares two scalars: the left operand's type decides how the right one is converted.
/// `None` means "not comparable" (an ordering operator then fails, `-eq` is false).
fn ordering(
    left: &Value,
    right: &Value,
    case: bool,
    ctx: &OpContext<'_>,
) -> OpResult<Option<Ordering>> {
    Ok(match (left, right) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, r) => {
            // vs a number $null acts as 0; otherwise $null is smallest.
            match r.as_number() {
                Some(n) => 0.0f64.partial_cmp(&n.to_f64()),
                None => Some(Ordering::Less),
            }
        }
        (l, Value::Null) => match l.as_number() {
            Some(n) => n.to_f64().partial_cmp(&0.0),
            None => Some(Ordering::Greater),
        },
        (Value::Str(a), r) => {
            let b = right_text(r);
            Some(compare_text(a, &b, case))
        }
        (Value::Char(a), r) => {
            let b = right_text(r);
            Some(compare_text(&a.to_string(), &b, case))
        }
        (l, r) if l.as_number().is_some() => {
            let a = l.as_number().unwrap_or(Number::Int(0));
            let b = match r {
                Value::Str(s) => match parse_string(s) {
                    Some(n) => n,
                    None => return Ok(None),
                },
                Value::DateTime(_)
                | Value::TimeSpan(_)
                | Value::Object(_)
                | Value::Hashtable(_)
                | Value::ScriptBlock(_) => {
                    return Ok(None);
                }
                Value::Array(items) if items.len() != 1 => return Ok(None),
                other => match to_number(other) {
                    Ok(n) => n,
                    Err(_) => return Ok(None),
                },
            };
            compare_numbers(a, b)
        }
        (Value::Bool(a), r) => Some(a.cmp(&r.truthy())),
        (Value::DateTime(a), r) => {
            let b = to_datetime(r, ctx)?;
            Some(a.ticks().cmp(&b.ticks()))
        }
        (Value::TimeSpan(a), r) => {
            let b = to_timespan(r)?;
            Some(a.cmp(&b))
        }
        (Value::Enum(a), r) => match r {
            Value::Str(s) => {
                if eq_ignore_case(a.name, s) {
                    Some(Ordering::Equal)
                } else {
                    match s.trim().parse::<i32>() {
                        Ok(n) => Some(a.value.cmp(&n)),
                        Err(_) => Some(a.name.cmp(s))
                            .filter(|_| false)
                            .or(Some(Ordering::Less)),
                    }
                }
            }
            Value::Enum(b) => Some(a.value.cmp(&b.value)),
            other => to_number(other)
                .ok()
                .and_then(|n| f64::from(a.value).partial_cmp(&n.to_f64())),
        },
        (Value::Object(a), Value::Object(b)) => {
            if Rc::ptr_eq(a, b) {
                Some(Ordering::Equal)
            } else {
                None
            }
        }
        (l, r) => {
            // Other objects: equal only to themselves; compared by their text otherwise.
            let (a, b) = (l.to_text(), r.to_text());
            if a == b && std::mem::discriminant(l) == std::mem::discriminant(r) {
                Some(Ordering::Equal)
            } else {
                None
            }
        }
    })
}

/// The right operand as text for a string comparison (arrays joined by a space).
fn right_text(v: &Value) -> String {
    v.to_text()
}

fn compare_numbers(a: Number, b: Number) -> Option<Ordering> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        (Number::Long(x), Number::Long(y)) => Some(x.cmp(&y)),
        (Number::Int(x), Number::Long(y)) => Some(i64::from(x).cmp(&y)),
        (Number::Long(x), Number::Int(y)) => Some(x.cmp(&i64::from(y))),
        (Number::Decimal(x), Number::Decimal(y)) => Some(x.cmp(&y)),
        (x, y) => x.to_f64().partial_cmp(&y.to_f64()),
    }
}

/// Text ordering: ignoring case, or (case-sensitive) with lower case before upper case when
/// the letters are the same (`'macOS' -clt 'MacOS'` is true). How Sort-Object orders two
/// texts ([`sort_order`] of two strings).
pub fn compare_text(a: &str, b: &str, case: bool) -> Ordering {
    let folded = cmp_ignore_case(a, b);
    if !case || folded != Ordering::Equal {
        return folded;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return match (x.is_lowercase(), y.is_lowercase()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.cmp(&y),
            };
        }
    }
    a.len().cmp(&b.len())
}

/// How Sort-Object and Measure-Object order two values (LanguagePrimitives.Compare): by the
/// left value's type, `$null` first, text ignoring case unless `case`; values that cannot be
/// converted are ordered by their text.
pub fn sort_order(a: &Value, b: &Value, case: bool, ctx: &OpContext<'_>) -> Ordering {
    match ordering(a, b, case, ctx) {
        Ok(Some(o)) => o,
        _ => compare_text(&a.to_text(), &b.to_text(), case),
    }
}

/// `left -eq right` for two scalars (the element is the left operand).
pub fn equals(left: &Value, right: &Value, case: bool, ctx: &OpContext<'_>) -> OpResult<bool> {
    // $null equals only $null (the ordering operators treat it as 0 or as the smallest).
    if left.is_null() || right.is_null() {
        return Ok(left.is_null() && right.is_null());
    }
    // An unparsable string on the right of a number or a date: -eq is false, silently, as
    // PowerShell's equality does.
    match ordering(left, right, case, ctx) {
        Ok(o) => Ok(o == Some(Ordering::Equal)),
        Err(_) if !matches!(left, Value::DateTime(_) | Value::TimeSpan(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One scalar test of a comparison family (the positive form for the `not` families).
fn scalar_holds(
    op: Compare,
    left: &Value,
    right: &Value,
    case: bool,
    ctx: &mut OpContext<'_>,
) -> OpResult<bool> {
    let ord = |ctx: &OpContext<'_>| -> OpResult<Ordering> {
        ordering(left, right, case, ctx)?.ok_or_else(|| {
            format!(
                "cannot compare \"{}\" ({}) with \"{}\" ({})",
                left.to_text(),
                short_type(left),
                right.to_text(),
                short_type(right)
            )
        })
    };
    Ok(match op {
        Compare::Eq | Compare::Ne => equals(left, right, case, ctx)?,
        Compare::Gt => ord(ctx)? == Ordering::Greater,
        Compare::Ge => ord(ctx)? != Ordering::Less,
        Compare::Lt => ord(ctx)? == Ordering::Less,
        Compare::Le => ord(ctx)? != Ordering::Greater,
        Compare::Like | Compare::NotLike => {
            let re = ctx.regex(&right.to_text(), case, true)?;
            re.is_match(&left.to_text())
        }
        Compare::Match | Compare::NotMatch => {
            let re = ctx.regex(&right.to_text(), case, false)?;
            re.is_match(&left.to_text())
        }
        Compare::Contains | Compare::NotContains | Compare::In | Compare::NotIn => {
            equals(left, right, case, ctx)?
        }
    })
}

fn negated(op: Compare) -> bool {
    matches!(
        op,
        Compare::Ne | Compare::NotLike | Compare::NotMatch | Compare::NotContains | Compare::NotIn
    )
}

/// Sets `$matches` from a successful scalar `-match` (key 0 and the groups).
fn set_matches(ctx: &mut OpContext<'_>, text: &str, pattern: &str, case: bool) -> OpResult<()> {
    let re = ctx.regex(pattern, case, false)?;
    if let Some(caps) = re.captures(text) {
        let mut table = Hashtable::default();
        for (i, name) in re.capture_names().enumerate() {
            if let Some(m) = caps.get(i) {
                let key = match name {
                    Some(n) => Value::str(n),
                    None => Value::Int(i as i32),
                };
                table.entries.push((key, Value::str(m.as_str())));
            }
        }
        ctx.matches = Some(Value::Hashtable(Rc::new(table)));
    }
    Ok(())
}

/// A comparison operator. An array on the left filters: the elements that satisfy it (as
/// strings for `-like`/`-notlike`); `-contains`/`-in` ask the collection.
pub fn compare(
    op: Compare,
    case: bool,
    left: &Value,
    right: &Value,
    ctx: &mut OpContext<'_>,
) -> OpResult<Value> {
    match op {
        Compare::Contains | Compare::NotContains => {
            let items: Vec<Value> = match left {
                Value::Array(items) => items.to_vec(),
                other => vec![other.clone()],
            };
            let right = match right {
                Value::Array(items) if items.len() > 1 => Value::str(right.to_text()),
                other => other.clone(),
            };
            let mut found = false;
            for item in &items {
                if equals(item, &right, case, ctx)? {
                    found = true;
                    break;
                }
            }
            return Ok(Value::Bool(found != (op == Compare::NotContains)));
        }
        Compare::In | Compare::NotIn => {
            let items: Vec<Value> = match right {
                Value::Array(items) => items.to_vec(),
                other => vec![other.clone()],
            };
            let left = match left {
                Value::Array(items) if items.len() > 1 => Value::str(left.to_text()),
                other => other.clone(),
            };
            let mut found = false;
            for item in &items {
                if equals(item, &left, case, ctx)? {
                    found = true;
                    break;
                }
            }
            return Ok(Value::Bool(found != (op == Compare::NotIn)));
        }
        _ => {}
    }
    if let Value::Array(items) = left {
        let mut out = Vec::new();
        for item in items.iter() {
            if scalar_holds(op, item, right, case, ctx)? != negated(op) {
                out.push(if matches!(op, Compare::Like | Compare::NotLike) {
                    Value::str(item.to_text())
                } else {
                    item.clone()
                });
            }
        }
        return Ok(Value::array(out));
    }
    let holds = scalar_holds(op, left, right, case, ctx)?;
    let result = holds != negated(op);
    match op {
        Compare::Match if holds => set_matches(ctx, &left.to_text(), &right.to_text(), case)?,
        Compare::NotMatch if holds => set_matches(ctx, &left.to_text(), &right.to_text(), case)?,
        _ => {}
    }
    Ok(Value::Bool(result))
}

/// `-replace`: regex, per element on arrays; the right side is `pattern` or
/// `pattern, replacement` (`$1`, `${name}` in the replacement).
pub fn replace(
    left: &Value,
    right: &Value,
    case: bool,
    ctx: &mut OpContext<'_>,
) -> OpResult<Value> {
    let (pattern, replacement) = match right {
        Value::Array(items) if items.len() == 2 => (items[0].to_text(), items[1].to_text()),
        Value::Array(items) if items.len() > 2 => {
            return Err("-replace takes a pattern and at most one replacement".into());
        }
        other => (other.to_text(), String::new()),
    };
    let re = ctx.regex(&pattern, case, false)?;
    let one = |v: &Value| Value::str(re.replace_all(&v.to_text(), replacement.as_str()));
    Ok(match left {
        Value::Array(items) => Value::array(items.iter().map(one).collect()),
        other => one(other),
    })
}

/// `-split` (binary): a regex, case-insensitive unless `-csplit`; `pattern, max` limits the
/// parts. On an array each element is split.
pub fn split(left: &Value, right: &Value, case: bool, ctx: &mut OpContext<'_>) -> OpResult<Value> {
    let (pattern, max) = match right {
        Value::Array(items) if items.len() == 2 => {
            (items[0].to_text(), to_number(&items[1])?.to_f64() as i64)
        }
        Value::Array(items) if items.len() > 2 => {
            return Err("-split options (SimpleMatch, RegexMatch, …) are not supported".into());
        }
        Value::ScriptBlock(_) => return Err("-split with a script block is not supported".into()),
        other => (other.to_text(), 0),
    };
    let re = ctx.regex(&pattern, case, false)?;
    let mut out = Vec::new();
    let inputs: Vec<Value> = match left {
        Value::Array(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    for v in inputs {
        let text = v.to_text();
        if max > 0 {
            out.extend(re.splitn(&text, max as usize).map(Value::str));
        } else {
            out.extend(re.split(&text).map(Value::str));
        }
    }
    Ok(Value::array(out))
}

/// Unary `-split`: on runs of white space, empty parts left out.
pub fn split_whitespace(v: &Value) -> Value {
    let inputs: Vec<Value> = match v {
        Value::Array(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    Value::array(
        inputs
            .iter()
            .flat_map(|v| {
                v.to_text()
                    .split_whitespace()
                    .map(Value::str)
                    .collect::<Vec<_>>()
            })
            .collect(),
    )
}

/// `-join`: the elements' text joined by the separator (unary: by nothing).
pub fn join(left: &Value, separator: &str) -> Value {
    match left {
        Value::Array(items) => Value::str(
            items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(separator),
        ),
        Value::Null => Value::str(""),
        other => Value::str(other.to_text()),
    }
}

// ---- arithmetic ----

fn number_value(n: Number) -> Value {
    Value::number(n)
}

fn arith(op: BinaryOp, a: Number, b: Number) -> OpResult<Value> {
    // Decimal with anything integral stays Decimal; any Double makes a Double.
    let dec = |n: Number| -> Option<Decimal> {
        match n {
            Number::Int(v) => Some(Decimal::from(v)),
            Number::Long(v) => Some(Decimal::from(v)),
            Number::Decimal(d) => Some(d),
            Number::Double(_) => None,
        }
    };
    if (matches!(a, Number::Decimal(_)) || matches!(b, Number::Decimal(_)))
        && let (Some(x), Some(y)) = (dec(a), dec(b))
    {
        let r = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            BinaryOp::Div => {
                if y.is_zero() {
                    return Err("Attempted to divide by zero.".into());
                }
                x.checked_div(y)
            }
            BinaryOp::Rem => {
                if y.is_zero() {
                    return Err("Attempted to divide by zero.".into());
                }
                x.checked_rem(y)
            }
            _ => None,
        };
        return r
            .map(Value::Decimal)
            .ok_or_else(|| "Decimal overflow".into());
    }
    let ints = |n: Number| -> Option<i64> {
        match n {
            Number::Int(v) => Some(i64::from(v)),
            Number::Long(v) => Some(v),
            _ => None,
        }
    };
    let wide = matches!(a, Number::Long(_)) || matches!(b, Number::Long(_));
    if let (Some(x), Some(y)) = (ints(a), ints(b)) {
        let checked = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            BinaryOp::Div => {
                if y == 0 {
                    return Err("Attempted to divide by zero.".into());
                }
                if x.checked_rem(y) == Some(0) {
                    x.checked_div(y)
                } else if x.checked_rem(y).is_none() {
                    // i64::MIN / -1 does not fit: PowerShell gives the Double.
                    None
                } else {
                    return Ok(Value::Double(x as f64 / y as f64));
                }
            }
            BinaryOp::Rem => {
                if y == 0 {
                    return Err("Attempted to divide by zero.".into());
                }
                // i64::MIN % -1 overflows in .NET's checked form; the remainder is 0.
                Some(x.checked_rem(y).unwrap_or(0))
            }
            _ => None,
        };
        return Ok(match checked {
            Some(v) if !wide => match i32::try_from(v) {
                Ok(i) => Value::Int(i),
                // Int32 overflow becomes Double in PowerShell.
                Err(_) => Value::Double(v as f64),
            },
            Some(v) => Value::Long(v),
            None => Value::Double(match op {
                BinaryOp::Add => x as f64 + y as f64,
                BinaryOp::Sub => x as f64 - y as f64,
                BinaryOp::Mul => x as f64 * y as f64,
                BinaryOp::Div => x as f64 / y as f64,
                _ => 0.0,
            }),
        });
    }
    let (x, y) = (a.to_f64(), b.to_f64());
    Ok(Value::Double(match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
        BinaryOp::Rem => x % y,
        _ => f64::NAN,
    }))
}

/// `+ - * / %` with PowerShell's typing: the left operand decides (a string concatenates, an
/// array appends, a number adds and reads a string on the right as a number, dates and time
/// spans add and subtract).
pub fn arithmetic(op: BinaryOp, left: &Value, right: &Value) -> OpResult<Value> {
    match (op, left, right) {
        (BinaryOp::Add, Value::Str(a), r) => Ok(Value::str(format!("{a}{}", r.to_text()))),
        (BinaryOp::Add, Value::Array(a), r) => {
            let mut out = a.to_vec();
            match r {
                Value::Array(b) => out.extend(b.iter().cloned()),
                other => out.push(other.clone()),
            }
            Ok(Value::array(out))
        }
        (BinaryOp::Add, Value::Null, r) => Ok(r.clone()),
        (BinaryOp::Add, Value::DateTime(t), r) => {
            let ts = to_timespan(r)?;
            t.add(ts.0)
                .map(Value::DateTime)
                .ok_or_else(|| "the date is out of range".into())
        }
        (BinaryOp::Add, Value::TimeSpan(a), r) => {
            Ok(Value::TimeSpan(a.checked_add(to_timespan(r)?)?))
        }
        (BinaryOp::Sub, Value::DateTime(a), Value::DateTime(b)) => {
            Ok(Value::TimeSpan(TimeSpan(a.ticks() - b.ticks())))
        }
        (BinaryOp::Sub, Value::DateTime(t), r) => {
            let ts = to_timespan(r)?;
            t.add(-ts.0)
                .map(Value::DateTime)
                .ok_or_else(|| "the date is out of range".into())
        }
        (BinaryOp::Sub, Value::TimeSpan(a), r) => {
            Ok(Value::TimeSpan(TimeSpan(a.0 - to_timespan(r)?.0)))
        }
        (BinaryOp::Mul, Value::Str(s), r) => {
            let n = to_number(r)?.to_f64();
            if !(0.0..=1e6).contains(&n) {
                return Err("a string can be repeated 0 to 1,000,000 times".into());
            }
            Ok(Value::str(s.repeat(n as usize)))
        }
        (BinaryOp::Mul, Value::Array(a), r) => {
            let n = to_number(r)?.to_f64();
            if !(0.0..=1e6).contains(&n) {
                return Err("an array can be repeated 0 to 1,000,000 times".into());
            }
            let mut out = Vec::new();
            for _ in 0..n as usize {
                out.extend(a.iter().cloned());
            }
            Ok(Value::array(out))
        }
        (_, l, r) => {
            let a = to_number(l).map_err(|_| {
                format!(
                    "the operator {} does not apply to a {} (\"{}\")",
                    op_symbol(op),
                    short_type(l),
                    l.to_text()
                )
            })?;
            let b = to_number(r)?;
            arith(op, a, b)
        }
    }
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        _ => "?",
    }
}

/// `-x`.
pub fn negate(v: &Value) -> OpResult<Value> {
    match v {
        Value::TimeSpan(t) => Ok(Value::TimeSpan(TimeSpan(-t.0))),
        other => Ok(number_value(super::number::negate(to_number(other)?))),
    }
}

/// `a..b`: the whole numbers from a to b.
pub fn range(a: &Value, b: &Value) -> OpResult<Value> {
    // Both ends are Int32, as in PowerShell ("Value was either too large or too small for an
    // Int32" otherwise).
    let int32 = |v: &Value| -> OpResult<i64> {
        let n = to_number(v)?.to_f64().round();
        if (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&n) {
            Ok(n as i64)
        } else {
            Err(format!(
                "cannot convert {} to System.Int32 for a range: value was either too large or too small for an Int32",
                v.to_text()
            ))
        }
    };
    let (x, y) = (int32(a)?, int32(b)?);
    if (x - y).abs() > 1_000_000 {
        return Err("a range of more than a million numbers".into());
    }
    let items: Vec<Value> = if x <= y {
        (x..=y).map(|i| Value::Int(i as i32)).collect()
    } else {
        (y..=x).rev().map(|i| Value::Int(i as i32)).collect()
    };
    Ok(Value::array(items))
}

// ---- -f and .ToString(format) ----

/// Formats one value with a .NET format specifier (`N2`, `F1`, `D5`, `X`, `P0`, `0.00`,
/// `yyyy-MM-dd` for dates, `c`/`g`/`hh\:mm` for time spans), in `culture`.
pub fn format_value(v: &Value, spec: &str, culture: &Culture) -> OpResult<String> {
    if spec.is_empty() {
        return Ok(v.text_in(culture));
    }
    match v {
        Value::DateTime(t) => datetime::format(t, spec, culture),
        Value::TimeSpan(t) => format_timespan(*t, spec),
        other => {
            let Some(n) = other.as_number() else {
                return Ok(other.text_in(culture));
            };
            format_number(n, spec, culture)
        }
    }
}

fn format_timespan(t: TimeSpan, spec: &str) -> OpResult<String> {
    match spec {
        "c" | "t" | "T" => return Ok(t.to_text()),
        "g" | "G" => {
            let text = t.to_text();
            return Ok(text.trim_start_matches("00:").to_string()).map(|_| text);
        }
        _ => {}
    }
    let ticks = t.0.unsigned_abs();
    let days = ticks / TICKS_PER_DAY as u64;
    let rem = ticks % TICKS_PER_DAY as u64;
    let (h, m, s, f) = (
        rem / 36_000_000_000,
        rem / 600_000_000 % 60,
        rem / 10_000_000 % 60,
        rem % 10_000_000,
    );
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        match c {
            'd' => out.push_str(&format!("{days:0n$}")),
            'h' => out.push_str(&format!("{h:0n$}")),
            'm' => out.push_str(&format!("{m:0n$}")),
            's' => out.push_str(&format!("{s:0n$}")),
            'f' | 'F' => out.push_str(&format!("{f:07}")[..n.min(7)]),
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            '\'' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '\'' {
                    out.push(chars[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            other => {
                return Err(format!(
                    "'{other}' in a TimeSpan format must be escaped (hh\\:mm\\:ss)"
                ));
            }
        }
        i += n;
    }
    Ok(out)
}

fn format_number(n: Number, spec: &str, culture: &Culture) -> OpResult<String> {
    let letter = spec.chars().next().unwrap_or('G');
    let digits: Option<usize> = spec[letter.len_utf8()..].parse().ok();
    let plain_spec = spec.len() == 1 || digits.is_some();
    let v = n.to_f64();
    if plain_spec && letter.is_ascii_alphabetic() {
        return Ok(match letter.to_ascii_uppercase() {
            'N' => culture.format_grouped(v, digits.unwrap_or(2)),
            'F' => culture.format_fixed(v, digits.unwrap_or(2)),
            'P' => format!(
                "{} %",
                culture.format_grouped(v * 100.0, digits.unwrap_or(2))
            ),
            'D' => {
                let i = match n {
                    Number::Int(i) => i64::from(i),
                    Number::Long(l) => l,
                    _ => return Err(format!("the format {spec} is only for whole numbers")),
                };
                let width = digits.unwrap_or(0);
                if i < 0 {
                    format!("-{:0width$}", -i)
                } else {
                    format!("{i:0width$}")
                }
            }
            'X' => {
                let i = match n {
                    Number::Int(i) => u64::from(i as u32),
                    Number::Long(l) => l as u64,
                    _ => return Err(format!("the format {spec} is only for whole numbers")),
                };
                let width = digits.unwrap_or(0);
                if letter == 'x' {
                    format!("{i:0width$x}")
                } else {
                    format!("{i:0width$X}")
                }
            }
            'G' => Value::number(n).text_in(culture),
            'E' => {
                let prec = digits.unwrap_or(6);
                let s = format!("{v:.prec$E}");
                let (m, e) = s.split_once('E').unwrap_or((&s, "0"));
                let (sign, d) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                format!("{}E{sign}{d:0>3}", m.replace('.', culture.decimal))
            }
            other => return Err(format!("the number format '{other}' is not supported")),
        });
    }
    // Custom: 0 and # placeholders, one '.', ',' grouping.
    if spec.chars().all(|c| matches!(c, '0' | '#' | '.' | ',')) {
        let (int_part, frac_part) = spec.split_once('.').unwrap_or((spec, ""));
        let decimals = frac_part.len();
        let required = frac_part.chars().filter(|c| *c == '0').count();
        let grouped = int_part.contains(',');
        let min_int = int_part.chars().filter(|c| *c == '0').count();
        let mut text = if grouped {
            culture.format_grouped(v, decimals)
        } else {
            culture.format_fixed(v, decimals)
        };
        // Trim optional (#) fraction digits.
        if decimals > required
            && let Some(pos) = text.rfind(culture.decimal)
        {
            let keep = pos + culture.decimal.len() + required;
            while text.len() > keep && text.ends_with('0') {
                text.pop();
            }
            if text.ends_with(culture.decimal) {
                text.truncate(text.len() - culture.decimal.len());
            }
        }
        // Pad the integer part with zeros.
        let int_len = text.find(culture.decimal).unwrap_or(text.len());
        let digits_now = text[..int_len]
            .chars()
            .filter(|c| c.is_ascii_digit())
            .count();
        if digits_now < min_int {
            text = format!("{}{text}", "0".repeat(min_int - digits_now));
        }
        if min_int == 0
            && text.starts_with('0')
            && text.len() > 1
            && text[1..].starts_with(culture.decimal)
        {
            text.remove(0);
        }
        return Ok(text);
    }
    Err(format!("the number format '{spec}' is not supported"))
}

/// The `-f` operator (.NET composite formatting: `{0}`, `{0,10}`, `{0:N2}`, `{{` `}}`).
pub fn format_operator(template: &str, args: &Value, culture: &Culture) -> OpResult<Value> {
    let args: Vec<Value> = match args {
        Value::Array(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '{' => {
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("a '{' in the format string is never closed")?;
                let item: String = chars[i + 1..i + end].iter().collect();
                let (head, spec) = item.split_once(':').unwrap_or((&item, ""));
                let (index, align) = head.split_once(',').unwrap_or((head, ""));
                let index: usize = index
                    .trim()
                    .parse()
                    .map_err(|_| format!("'{{{item}}}' is not a format item"))?;
                let value = args.get(index).ok_or_else(|| {
                    format!(
                        "the format item {{{index}}} has no argument ({} given)",
                        args.len()
                    )
                })?;
                let text = format_value(value, spec, culture)?;
                match align.trim().parse::<i64>() {
                    Ok(w) if w > 0 => out.push_str(&format!("{text:>w$}", w = w as usize)),
                    Ok(w) if w < 0 => out.push_str(&format!("{text:<w$}", w = (-w) as usize)),
                    _ => out.push_str(&text),
                }
                i += end + 1;
            }
            '}' => return Err("a '}' in the format string has no '{'".into()),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(Value::str(out))
}

// ---- types: casts, -is, -as ----

/// The canonical name of a type as typed (`[int]`, `[System.Int32]`, `[datetime]`).
pub fn canonical_type(ty: &str) -> Option<&'static str> {
    let t = ty.trim().to_ascii_lowercase();
    let t = t.strip_prefix("system.").unwrap_or(&t);
    Some(match t {
        "string" => "string",
        "int" | "int32" => "int",
        "long" | "int64" => "long",
        "double" => "double",
        "float" | "single" => "double",
        "decimal" => "decimal",
        "bool" | "boolean" => "bool",
        "char" => "char",
        "datetime" => "datetime",
        "timespan" => "timespan",
        "array" | "object[]" => "array",
        "string[]" => "string[]",
        "int[]" | "int32[]" => "int[]",
        "hashtable" | "collections.hashtable" | "ordered" => "hashtable",
        "pscustomobject" | "management.automation.pscustomobject" => "pscustomobject",
        "psobject" | "object" | "management.automation.psobject" => "object",
        "math" => "math",
        "regex" | "text.regularexpressions.regex" => "regex",
        "scriptblock" => "scriptblock",
        _ => return None,
    })
}

/// `[type]value`: .NET conversions (not the number lexer: `[int]"100KB"` fails, `[int]"2.5"`
/// rounds to even, `[int]""` is 0, `[bool]"False"` is true).
pub fn cast(ty: &str, v: &Value, clock: Clock) -> OpResult<Value> {
    let canon =
        canonical_type(ty).ok_or_else(|| format!("the type [{ty}] is not known to msgtrack"))?;
    let integer = |v: &Value| -> OpResult<i128> {
        match v {
            Value::Str(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(0);
                }
                if let Some(h) = t
                    .strip_prefix("0x")
                    .or_else(|| t.strip_prefix("0X"))
                    .or_else(|| t.strip_prefix('#'))
                    .or_else(|| t.strip_prefix("&h"))
                    .or_else(|| t.strip_prefix("&H"))
                {
                    return i128::from_str_radix(h, 16)
                        .map_err(|_| format!("cannot convert \"{s}\" to {ty}"));
                }
                if let Ok(i) = t.parse::<i128>() {
                    return Ok(i);
                }
                let f: f64 = t
                    .parse()
                    .map_err(|_| format!("cannot convert \"{s}\" to [{ty}]"))?;
                Ok(round_half_even(f) as i128)
            }
            Value::Double(f) => Ok(round_half_even(*f) as i128),
            Value::Decimal(d) => Ok(d
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
                .to_i128()
                .unwrap_or(0)),
            Value::Null => Ok(0),
            Value::Bool(b) => Ok(i128::from(*b)),
            Value::Char(c) => Ok(*c as i128),
            Value::Int(i) => Ok(i128::from(*i)),
            Value::Long(l) => Ok(i128::from(*l)),
            Value::Enum(e) => Ok(i128::from(e.value)),
            other => Err(format!(
                "cannot convert the {} \"{}\" to [{ty}]",
                short_type(other),
                other.to_text()
            )),
        }
    };
    Ok(match canon {
        "string" => match v {
            Value::Null => Value::str(""),
            other => Value::str(other.to_text()),
        },
        "int" => {
            let i = integer(v)?;
            Value::Int(i32::try_from(i).map_err(|_| format!("{i} is too large for [{ty}]"))?)
        }
        "long" => {
            let i = integer(v)?;
            Value::Long(i64::try_from(i).map_err(|_| format!("{i} is too large for [{ty}]"))?)
        }
        "double" => match v {
            Value::Str(s) if s.trim().is_empty() => Value::Double(0.0),
            Value::Str(s) => Value::Double(
                s.trim()
                    .parse()
                    .map_err(|_| format!("cannot convert \"{s}\" to [{ty}]"))?,
            ),
            other => Value::Double(to_number(other)?.to_f64()),
        },
        "decimal" => match v {
            Value::Str(s) => Value::Decimal(
                Decimal::from_str_exact(s.trim())
                    .map_err(|_| format!("cannot convert \"{s}\" to [decimal]"))?,
            ),
            other => match to_number(other)? {
                Number::Decimal(d) => Value::Decimal(d),
                Number::Int(i) => Value::Decimal(Decimal::from(i)),
                Number::Long(l) => Value::Decimal(Decimal::from(l)),
                Number::Double(f) => Value::Decimal(Decimal::from_f64(f).ok_or("not a decimal")?),
            },
        },
        "bool" => Value::Bool(v.truthy()),
        "char" => match v {
            Value::Str(s) if s.chars().count() == 1 => {
                Value::Char(s.chars().next().unwrap_or('\0'))
            }
            other => {
                let i = integer(other)?;
                Value::Char(
                    char::from_u32(u32::try_from(i).unwrap_or(u32::MAX))
                        .ok_or_else(|| format!("{i} is not a character"))?,
                )
            }
        },
        "datetime" => Value::DateTime(match v {
            Value::Str(s) => parse_datetime_invariant(s, clock)?,
            Value::DateTime(t) => *t,
            other => {
                return Err(format!(
                    "cannot convert \"{}\" to [datetime]",
                    other.to_text()
                ));
            }
        }),
        "timespan" => Value::TimeSpan(to_timespan(v)?),
        "array" => match v {
            Value::Array(_) => v.clone(),
            Value::Null => Value::array(vec![]),
            other => Value::array(vec![other.clone()]),
        },
        "string[]" => {
            let items: Vec<Value> = match v {
                Value::Array(items) => items.iter().map(|i| Value::str(i.to_text())).collect(),
                Value::Null => vec![],
                other => vec![Value::str(other.to_text())],
            };
            Value::array(items)
        }
        "int[]" => {
            let items: Vec<Value> = match v {
                Value::Array(items) => items.to_vec(),
                Value::Null => vec![],
                other => vec![other.clone()],
            };
            Value::array(
                items
                    .iter()
                    .map(|i| cast("int", i, clock))
                    .collect::<OpResult<_>>()?,
            )
        }
        "hashtable" => match v {
            Value::Hashtable(_) => v.clone(),
            _ => return Err(format!("cannot convert \"{}\" to [hashtable]", v.to_text())),
        },
        "pscustomobject" => match v {
            Value::Hashtable(h) => Value::Object(Rc::new(CustomObject {
                type_names: Rc::from(["System.Management.Automation.PSCustomObject".into()]),
                properties: h
                    .entries
                    .iter()
                    .map(|(k, v)| (k.to_text().into(), v.clone()))
                    .collect(),
                ..Default::default()
            })),
            other => other.clone(),
        },
        "object" => v.clone(),
        "scriptblock" => match v {
            Value::ScriptBlock(_) => v.clone(),
            _ => return Err("[scriptblock] casts of text are not supported".into()),
        },
        other => {
            return Err(format!(
                "[{other}] is not a type values can be converted to"
            ));
        }
    })
}

/// `value -is [type]`.
pub fn is_type(v: &Value, ty: &str) -> OpResult<bool> {
    let canon =
        canonical_type(ty).ok_or_else(|| format!("the type [{ty}] is not known to msgtrack"))?;
    Ok(match canon {
        "string" => matches!(v, Value::Str(_)),
        "int" => matches!(v, Value::Int(_)),
        "long" => matches!(v, Value::Long(_)),
        "double" => matches!(v, Value::Double(_)),
        "decimal" => matches!(v, Value::Decimal(_)),
        "bool" => matches!(v, Value::Bool(_)),
        "char" => matches!(v, Value::Char(_)),
        "datetime" => matches!(v, Value::DateTime(_)),
        "timespan" => matches!(v, Value::TimeSpan(_)),
        "array" | "string[]" | "int[]" => matches!(v, Value::Array(_)),
        "hashtable" => matches!(v, Value::Hashtable(_)),
        "pscustomobject" => matches!(v, Value::Object(_)),
        "object" => !v.is_null(),
        "scriptblock" => matches!(v, Value::ScriptBlock(_)),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> OpContext<'static> {
        OpContext {
            culture: Culture::find("en-US").unwrap(),
            matches: None,
            regexes: Default::default(),
            clock: Clock {
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
                zone: crate::format::Zone::parse("UTC").unwrap(),
            },
        }
    }

    fn cmp(op: Compare, l: Value, r: Value) -> Value {
        compare(op, false, &l, &r, &mut ctx()).unwrap()
    }

    #[test]
    fn a_pattern_is_compiled_once_and_shared() {
        // One compiled regex per (pattern, case, wildcard), handed out shared (a clone of a
        // Regex would build its search cache again at every match).
        let mut c = ctx();
        let a = c.regex("SEND*", false, true).unwrap();
        let b = c.regex("SEND*", false, true).unwrap();
        assert!(Rc::ptr_eq(&a, &b));
        assert!(a.is_match("sendexternal") && !a.is_match("RECEIVE"));
        let cased = c.regex("SEND*", true, true).unwrap();
        assert!(!Rc::ptr_eq(&a, &cased) && !cased.is_match("sendexternal"));
        let re = c.regex("SEND*", false, false).unwrap();
        assert!(!Rc::ptr_eq(&a, &re) && re.is_match("SENDD"));
    }

    fn b(v: Value) -> bool {
        match v {
            Value::Bool(b) => b,
            other => panic!("{other:?}"),
        }
    }

    fn strings(items: &[&str]) -> Value {
        Value::array(items.iter().map(|s| Value::str(*s)).collect())
    }

    #[test]
    fn the_left_operand_decides_the_conversion() {
        // A number on the left reads the string as a number (the issue's first failure).
        assert!(b(cmp(
            Compare::Gt,
            Value::Int(2_000_000),
            Value::str("1000000")
        )));
        assert!(b(cmp(
            Compare::Gt,
            Value::Int(200_000),
            Value::str("100KB")
        )));
        assert!(b(cmp(Compare::Eq, Value::Int(10), Value::str("0xa"))));
        // A string on the left compares text: "10" -gt 9 is false; '1.0' -eq 1 is false.
        assert!(!b(cmp(Compare::Gt, Value::str("10"), Value::Int(9))));
        assert!(!b(cmp(Compare::Eq, Value::str("1.0"), Value::Int(1))));
        assert!(!b(cmp(Compare::Eq, Value::str("abc"), Value::Int(1))));
        // Unparsable on the right of a number: -eq false, -ne true, -gt an error.
        assert!(!b(cmp(Compare::Eq, Value::Int(5), Value::str("abc"))));
        assert!(b(cmp(Compare::Ne, Value::Int(5), Value::str("abc"))));
        assert!(
            compare(
                Compare::Gt,
                false,
                &Value::Int(5),
                &Value::str("abc"),
                &mut ctx()
            )
            .is_err()
        );
        // $true -eq "false": the string is converted to bool (non-empty is true).
        assert!(b(cmp(Compare::Eq, Value::Bool(true), Value::str("false"))));
        // A scalar compared with an array on the right: the array is one text value.
        assert!(!b(cmp(Compare::Eq, Value::str("a"), strings(&["a", "b"]))));
        assert!(b(cmp(Compare::Eq, Value::str("a b"), strings(&["a", "b"]))));
    }

    #[test]
    fn null_on_either_side() {
        assert!(b(cmp(Compare::Eq, Value::Null, Value::Null)));
        assert!(!b(cmp(Compare::Eq, Value::Int(0), Value::Null)));
        assert!(b(cmp(Compare::Ne, Value::str(""), Value::Null)));
        assert!(b(cmp(Compare::Lt, Value::Null, Value::Int(5))));
        assert!(!b(cmp(Compare::Lt, Value::Null, Value::Int(-5))));
        assert!(b(cmp(Compare::Lt, Value::Null, Value::str("a"))));
        assert!(b(cmp(Compare::Gt, Value::Int(5), Value::Null)));
        assert!(b(cmp(Compare::Match, Value::Null, Value::str("^$"))));
    }

    #[test]
    fn arrays_on_the_left_filter() {
        let r = strings(&["a@x.com", "b@y.com"]);
        let hits = |v: Value| v.as_array().map_or(0, <[Value]>::len);
        assert_eq!(hits(cmp(Compare::Eq, r.clone(), Value::str("A@X.COM"))), 1);
        assert_eq!(
            hits(cmp(Compare::Ne, r.clone(), Value::str("a@x.com"))),
            1,
            "some element differs"
        );
        assert_eq!(
            hits(cmp(Compare::Like, r.clone(), Value::str("*@x.com"))),
            1
        );
        assert_eq!(
            hits(cmp(Compare::NotMatch, r.clone(), Value::str("x\\.com"))),
            1,
            "some element does not match"
        );
        assert_eq!(
            hits(cmp(
                Compare::NotMatch,
                strings(&["a@x.com"]),
                Value::str("x\\.com")
            )),
            0
        );
        assert!(b(cmp(Compare::Contains, r.clone(), Value::str("B@Y.com"))));
        assert!(b(cmp(
            Compare::NotContains,
            r.clone(),
            Value::str("c@z.com")
        )));
        assert!(b(cmp(Compare::In, Value::str("a@x.com"), r.clone())));
        assert!(b(cmp(Compare::NotIn, Value::str("c@z.com"), r)));
        // Truthiness of the filter: empty false, one element by its value, two true.
        assert!(!cmp(Compare::Eq, strings(&["a"]), Value::str("b")).truthy());
        assert!(
            !cmp(
                Compare::Eq,
                Value::array(vec![Value::Int(0), Value::Int(1)]),
                Value::Int(0)
            )
            .truthy()
        );
    }

    #[test]
    fn case_sensitive_forms_and_matches() {
        assert!(!b(compare(
            Compare::Eq,
            true,
            &Value::str("FAIL"),
            &Value::str("fail"),
            &mut ctx()
        )
        .unwrap()));
        assert!(b(compare(
            Compare::Lt,
            true,
            &Value::str("macOS"),
            &Value::str("MacOS"),
            &mut ctx()
        )
        .unwrap()));
        let mut c = ctx();
        assert!(b(compare(
            Compare::Match,
            false,
            &Value::str("550 5.1.1 x"),
            &Value::str(r"(\d)\.(?<sub>\d)\.\d"),
            &mut c
        )
        .unwrap()));
        let Some(Value::Hashtable(m)) = &c.matches else {
            panic!()
        };
        assert_eq!(m.get("sub").map(Value::to_text), Some("1".into()));
        assert_eq!(m.entries[0].1.to_text(), "5.1.1");
    }

    #[test]
    fn text_operators() {
        let mut c = ctx();
        assert_eq!(
            replace(&Value::str("a.b.c"), &strings(&["\\.", "-"]), false, &mut c)
                .unwrap()
                .to_text(),
            "a-b-c"
        );
        assert_eq!(
            replace(
                &Value::str("John Smith"),
                &strings(&["(\\w+) (\\w+)", "$2, $1"]),
                false,
                &mut c
            )
            .unwrap()
            .to_text(),
            "Smith, John"
        );
        assert_eq!(
            split(&Value::str("a@B@c"), &Value::str("b"), false, &mut c)
                .unwrap()
                .to_text(),
            "a@ @c"
        );
        assert_eq!(
            split(
                &Value::str("a,b,c"),
                &Value::array(vec![Value::str(","), Value::Int(2)]),
                false,
                &mut c
            )
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
            2
        );
        assert_eq!(join(&strings(&["a", "b"]), ";").to_text(), "a;b");
        assert_eq!(
            split_whitespace(&Value::str("  a  b "))
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let en = Culture::find("en-US").unwrap();
        let de = Culture::find("de-DE").unwrap();
        assert_eq!(
            format_operator("{0:N2}", &Value::Double(1234.5), de)
                .unwrap()
                .to_text(),
            "1.234,50"
        );
        assert_eq!(
            format_operator(
                "{0,5}|{1,-3}|{{x}}",
                &Value::array(vec![Value::Int(42), Value::str("a")]),
                en
            )
            .unwrap()
            .to_text(),
            "   42|a  |{x}"
        );
        assert_eq!(
            format_operator("{0:0.00}", &Value::Double(2.5), en)
                .unwrap()
                .to_text(),
            "2.50"
        );
        assert_eq!(
            format_operator("{0:#.##}", &Value::Double(2.5), en)
                .unwrap()
                .to_text(),
            "2.5"
        );
        assert_eq!(
            format_operator("{0:P1}", &Value::Double(0.125), en)
                .unwrap()
                .to_text(),
            "12.5 %"
        );
        assert!(format_operator("{1}", &Value::Int(1), en).is_err());
    }

    #[test]
    fn arithmetic_typing() {
        let r = |op, a, b| arithmetic(op, &a, &b).unwrap();
        assert!(matches!(
            r(BinaryOp::Div, Value::Int(6), Value::Int(2)),
            Value::Int(3)
        ));
        assert!(
            matches!(r(BinaryOp::Div, Value::Int(7), Value::Int(2)), Value::Double(v) if v == 3.5)
        );
        assert!(matches!(
            r(BinaryOp::Add, Value::Int(i32::MAX), Value::Int(1)),
            Value::Double(_)
        ));
        assert!(matches!(
            r(BinaryOp::Add, Value::Int(1), Value::str("10MB")),
            Value::Int(10_485_761)
        ));
        assert_eq!(
            r(BinaryOp::Add, Value::str("a"), Value::Int(1)).to_text(),
            "a1"
        );
        assert_eq!(
            r(BinaryOp::Mul, Value::str("ab"), Value::Int(2)).to_text(),
            "abab"
        );
        assert!(arithmetic(BinaryOp::Div, &Value::Int(1), &Value::Int(0)).is_err());
        assert!(matches!(
            r(BinaryOp::Div, Value::Long(54_153_675), Value::Int(1024)),
            Value::Double(_)
        ));
    }

    #[test]
    fn casts_use_dotnet_conversions() {
        let today = Clock {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            zone: crate::format::Zone::parse("UTC").unwrap(),
        };
        assert!(cast("int", &Value::str("100KB"), today).is_err());
        assert!(matches!(
            cast("int", &Value::str("0xF"), today).unwrap(),
            Value::Int(15)
        ));
        assert!(matches!(
            cast("int", &Value::str("2.5"), today).unwrap(),
            Value::Int(2)
        ));
        assert!(matches!(
            cast("int", &Value::str(""), today).unwrap(),
            Value::Int(0)
        ));
        assert!(matches!(
            cast("bool", &Value::str("False"), today).unwrap(),
            Value::Bool(true)
        ));
        let Value::DateTime(t) = cast("datetime", &Value::str("11/22/2026 10:00"), today).unwrap()
        else {
            panic!()
        };
        assert_eq!(t.wall.to_string(), "2026-11-22 10:00:00");
        assert!(
            cast("datetime", &Value::str("22/11/2026"), today).is_err(),
            "casts are invariant (M/d/yyyy)"
        );
        assert!(matches!(
            cast("timespan", &Value::str("00:05:00"), today).unwrap(),
            Value::TimeSpan(TimeSpan(3_000_000_000))
        ));
        assert!(
            is_type(&Value::Int(1), "int").unwrap() && !is_type(&Value::Int(1), "long").unwrap()
        );
        assert!(cast("guid", &Value::Null, today).is_err());
    }
}
