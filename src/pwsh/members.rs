//! Members: properties and methods of values (strings, dates, time spans, arrays with member
//! enumeration, hashtables, objects), static members of types (`[datetime]::Today`,
//! `[string]::Join`, `[math]::Round`), and indexing. .NET's string methods are
//! case-sensitive, unlike the operators (`'ABC'.Contains('b')` is false).

use std::rc::Rc;

use chrono::{Datelike, Timelike};

use super::ast::Span;
use super::culture::INVARIANT;
use super::datetime::{
    self, DateTime, Kind, TICKS_PER_DAY, TICKS_PER_MS, TICKS_PER_SECOND, TimeSpan,
};
use super::number::round_half_even;
use super::ops::{self, to_number};
use super::parse::closest;
use super::runtime::{EvalError, EvalResult, Scope, collapse, unroll};
use super::value::{EnumValue, Value};

fn err(message: impl Into<String>, span: &Span) -> EvalError {
    EvalError::new(message, span.clone())
}

/// `DayOfWeek` as an enum value.
fn day_of_week(t: &DateTime) -> Value {
    let n = t.wall.weekday().num_days_from_sunday();
    Value::Enum(std::rc::Rc::new(EnumValue {
        type_name: "System.DayOfWeek",
        name: datetime::day_name(n),
        value: n as i32,
    }))
}

fn kind_value(k: Kind) -> Value {
    let (name, value) = match k {
        Kind::Unspecified => ("Unspecified", 0),
        Kind::Utc => ("Utc", 1),
        Kind::Local => ("Local", 2),
    };
    Value::Enum(std::rc::Rc::new(EnumValue {
        type_name: "System.DateTimeKind",
        name,
        value,
    }))
}

const STRING_MEMBERS: [&str; 24] = [
    "Length",
    "StartsWith",
    "EndsWith",
    "Contains",
    "IndexOf",
    "LastIndexOf",
    "ToLower",
    "ToUpper",
    "ToLowerInvariant",
    "ToUpperInvariant",
    "Trim",
    "TrimStart",
    "TrimEnd",
    "Split",
    "Substring",
    "Replace",
    "PadLeft",
    "PadRight",
    "Equals",
    "CompareTo",
    "ToString",
    "Insert",
    "Remove",
    "IsNormalized",
];

const DATE_MEMBERS: [&str; 30] = [
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "Second",
    "Millisecond",
    "DayOfWeek",
    "DayOfYear",
    "Date",
    "TimeOfDay",
    "Ticks",
    "Kind",
    "AddDays",
    "AddHours",
    "AddMinutes",
    "AddSeconds",
    "AddMilliseconds",
    "AddMonths",
    "AddYears",
    "AddTicks",
    "Add",
    "Subtract",
    "ToString",
    "ToShortDateString",
    "ToLongDateString",
    "ToShortTimeString",
    "ToLongTimeString",
    "ToUniversalTime",
    "ToLocalTime",
];

const SPAN_MEMBERS: [&str; 16] = [
    "Days",
    "Hours",
    "Minutes",
    "Seconds",
    "Milliseconds",
    "Ticks",
    "TotalDays",
    "TotalHours",
    "TotalMinutes",
    "TotalSeconds",
    "TotalMilliseconds",
    "ToString",
    "Add",
    "Subtract",
    "Negate",
    "Duration",
];

/// `value.Name`.
pub fn member(v: &Value, name: &str, span: &Span) -> EvalResult<Value> {
    // An object's own property first, the name not lowered (an event's properties are read
    // millions of times a query).
    if let Value::Object(o) = v
        && let Some(p) = o.property(name)
    {
        return Ok(p);
    }
    let lower = name.to_ascii_lowercase();
    // Intrinsic Count and Length of every object (about_Intrinsic_Members).
    match (v, lower.as_str()) {
        (Value::Null, "count" | "length") => return Ok(Value::Int(0)),
        (Value::Null, _) => return Ok(Value::Null),
        (Value::Array(items), "count" | "length") => return Ok(Value::Int(items.len() as i32)),
        (Value::Str(s), "length") => return Ok(Value::Int(s.encode_utf16().count() as i32)),
        (Value::Hashtable(h), "count") => return Ok(Value::Int(h.entries.len() as i32)),
        (Value::Hashtable(h), "keys") => {
            return Ok(Value::array(
                h.entries.iter().map(|(k, _)| k.clone()).collect(),
            ));
        }
        (Value::Hashtable(h), "values") => {
            return Ok(Value::array(
                h.entries.iter().map(|(_, v)| v.clone()).collect(),
            ));
        }
        (Value::Hashtable(h), _) => {
            return Ok(h
                .entries
                .iter()
                .find(|(k, _)| k.to_text().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null));
        }
        (Value::Object(o), _) => {
            if matches!(lower.as_str(), "count" | "length") {
                return Ok(Value::Int(1));
            }
            let names: Vec<String> = o.property_names().iter().map(|n| n.to_string()).collect();
            return Err(err(
                format!(
                    "{} has no property {name}",
                    o.type_names().first().map(|t| short(t)).unwrap_or_default()
                ),
                span,
            )
            .suggest(closest(name, names.iter().map(String::as_str)).map(str::to_string)));
        }
        (Value::Array(items), _) => {
            // Member enumeration: each element's member, flattened one level.
            let mut out = Vec::new();
            for item in items.iter() {
                let m = member(item, name, span)?;
                out.extend(unroll(m));
            }
            return Ok(collapse(out));
        }
        (_, "count" | "length") => return Ok(Value::Int(1)),
        _ => {}
    }
    let unknown = |list: &[&str], what: &str| {
        Err(err(format!("a {what} has no property {name}"), span)
            .suggest(closest(name, list.iter().copied()).map(str::to_string)))
    };
    match v {
        Value::DateTime(t) => Ok(match lower.as_str() {
            "year" => Value::Int(t.wall.year()),
            "month" => Value::Int(t.wall.month() as i32),
            "day" => Value::Int(t.wall.day() as i32),
            "hour" => Value::Int(t.wall.hour() as i32),
            "minute" => Value::Int(t.wall.minute() as i32),
            "second" => Value::Int(t.wall.second() as i32),
            "millisecond" => Value::Int((t.wall.nanosecond() / 1_000_000) as i32),
            "dayofweek" => day_of_week(t),
            "dayofyear" => Value::Int(t.wall.ordinal() as i32),
            "date" => Value::DateTime(t.date()),
            "timeofday" => Value::TimeSpan(TimeSpan(t.ticks() - t.date().ticks())),
            "ticks" => Value::Long(t.ticks()),
            "kind" => kind_value(t.kind),
            _ => return unknown(&DATE_MEMBERS, "DateTime"),
        }),
        Value::TimeSpan(ts) => {
            let t = ts.0;
            Ok(match lower.as_str() {
                "days" => Value::Int((t / TICKS_PER_DAY) as i32),
                "hours" => Value::Int((t / 36_000_000_000 % 24) as i32),
                "minutes" => Value::Int((t / 600_000_000 % 60) as i32),
                "seconds" => Value::Int((t / TICKS_PER_SECOND % 60) as i32),
                "milliseconds" => Value::Int((t / TICKS_PER_MS % 1000) as i32),
                "ticks" => Value::Long(t),
                "totaldays" => Value::Double(t as f64 / TICKS_PER_DAY as f64),
                "totalhours" => Value::Double(t as f64 / 36_000_000_000.0),
                "totalminutes" => Value::Double(t as f64 / 600_000_000.0),
                "totalseconds" => Value::Double(t as f64 / TICKS_PER_SECOND as f64),
                "totalmilliseconds" => Value::Double(t as f64 / TICKS_PER_MS as f64),
                _ => return unknown(&SPAN_MEMBERS, "TimeSpan"),
            })
        }
        Value::Str(_) => unknown(&STRING_MEMBERS, "string"),
        Value::Enum(e) => match lower.as_str() {
            "value__" => Ok(Value::Int(e.value)),
            _ => unknown(&["value__"], "enum value"),
        },
        other => Err(err(
            format!("a {} has no property {name}", short(&other.type_name())),
            span,
        )),
    }
}

fn short(type_name: &str) -> String {
    type_name
        .rsplit('.')
        .next()
        .unwrap_or(type_name)
        .to_string()
}

fn arg_text(args: &[Value], i: usize) -> String {
    args.get(i).map(Value::to_text).unwrap_or_default()
}

fn arg_int(args: &[Value], i: usize, span: &Span) -> EvalResult<i64> {
    let v = args
        .get(i)
        .ok_or_else(|| err("a number argument is missing", span))?;
    let n = to_number(v).map_err(|m| err(m, span))?;
    Ok(round_half_even(n.to_f64()) as i64)
}

fn arg_f64(args: &[Value], i: usize, span: &Span) -> EvalResult<f64> {
    let v = args
        .get(i)
        .ok_or_else(|| err("a number argument is missing", span))?;
    Ok(to_number(v).map_err(|m| err(m, span))?.to_f64())
}

fn expect_args(name: &str, args: &[Value], allowed: &[usize], span: &Span) -> EvalResult<()> {
    if allowed.contains(&args.len()) {
        Ok(())
    } else {
        Err(err(
            format!(
                "{name} takes {} argument(s), not {}",
                allowed
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                args.len()
            ),
            span,
        ))
    }
}

/// `value.Method(args)`.
pub fn call(
    engine: &mut dyn Scope,
    v: &Value,
    name: &str,
    args: Vec<Value>,
    span: &Span,
) -> EvalResult<Value> {
    let lower = name.to_ascii_lowercase();
    let culture = engine.ops().culture;
    if lower == "gettype" {
        return Ok(Value::str(v.type_name()));
    }
    match v {
        Value::Null => Err(err(
            "You cannot call a method on a null-valued expression.",
            span,
        )),
        Value::Str(s) => string_method(s, &lower, name, &args, span),
        Value::DateTime(t) => {
            let add = |ticks: f64| -> EvalResult<Value> {
                t.add(ticks.round() as i64)
                    .map(Value::DateTime)
                    .ok_or_else(|| err("the result is outside the range of dates", span))
            };
            match lower.as_str() {
                "adddays" => add(arg_f64(&args, 0, span)? * TICKS_PER_DAY as f64),
                "addhours" => add(arg_f64(&args, 0, span)? * 36_000_000_000.0),
                "addminutes" => add(arg_f64(&args, 0, span)? * 600_000_000.0),
                "addseconds" => add(arg_f64(&args, 0, span)? * TICKS_PER_SECOND as f64),
                "addmilliseconds" => add(arg_f64(&args, 0, span)? * TICKS_PER_MS as f64),
                "addticks" => add(arg_f64(&args, 0, span)?),
                "addmonths" => t
                    .add_months(arg_int(&args, 0, span)? as i32)
                    .map(Value::DateTime)
                    .ok_or_else(|| err("the result is outside the range of dates", span)),
                "addyears" => t
                    .add_months(arg_int(&args, 0, span)? as i32 * 12)
                    .map(Value::DateTime)
                    .ok_or_else(|| err("the result is outside the range of dates", span)),
                "add" => match args.first() {
                    Some(Value::TimeSpan(ts)) => add(ts.0 as f64),
                    _ => Err(err("DateTime.Add takes a TimeSpan", span)),
                },
                "subtract" => match args.first() {
                    Some(Value::TimeSpan(ts)) => add(-ts.0 as f64),
                    Some(Value::DateTime(o)) => {
                        Ok(Value::TimeSpan(TimeSpan(t.ticks() - o.ticks())))
                    }
                    _ => Err(err(
                        "DateTime.Subtract takes a DateTime or a TimeSpan",
                        span,
                    )),
                },
                "tostring" => {
                    let fmt = arg_text(&args, 0);
                    datetime::format(t, if fmt.is_empty() { "G" } else { &fmt }, culture)
                        .map(Value::str)
                        .map_err(|m| err(m, span))
                }
                "toshortdatestring" => fmt_date(t, "d", culture, span),
                "tolongdatestring" => fmt_date(t, "D", culture, span),
                "toshorttimestring" => fmt_date(t, "t", culture, span),
                "tolongtimestring" => fmt_date(t, "T", culture, span),
                "touniversaltime" => Ok(Value::DateTime(match t.kind {
                    Kind::Utc => *t,
                    _ => {
                        let utc = engine.host().utc_from_local(t.wall).ok_or_else(|| {
                            err("this local time does not exist (a clock change)", span)
                        })?;
                        DateTime::new(utc, Kind::Utc)
                    }
                })),
                "tolocaltime" => Ok(Value::DateTime(match t.kind {
                    Kind::Local => *t,
                    _ => DateTime::new(engine.host().local_from_utc(t.wall), Kind::Local),
                })),
                "compareto" => {
                    let o = args.first().cloned().unwrap_or(Value::Null);
                    let less = ops::compare(super::ast::Compare::Lt, false, v, &o, engine.ops())
                        .map_err(|m| err(m, span))?;
                    let eq = ops::compare(super::ast::Compare::Eq, false, v, &o, engine.ops())
                        .map_err(|m| err(m, span))?;
                    Ok(Value::Int(if eq.truthy() {
                        0
                    } else if less.truthy() {
                        -1
                    } else {
                        1
                    }))
                }
                "equals" => ops::compare(
                    super::ast::Compare::Eq,
                    false,
                    v,
                    &args.first().cloned().unwrap_or(Value::Null),
                    engine.ops(),
                )
                .map_err(|m| err(m, span)),
                _ => Err(err(format!("a DateTime has no method {name}"), span)
                    .suggest(closest(name, DATE_MEMBERS).map(str::to_string))),
            }
        }
        Value::TimeSpan(ts) => match lower.as_str() {
            "tostring" => {
                let fmt = arg_text(&args, 0);
                ops::format_value(v, if fmt.is_empty() { "c" } else { &fmt }, culture)
                    .map(Value::str)
                    .map_err(|m| err(m, span))
            }
            "add" | "subtract" => match args.first() {
                Some(Value::TimeSpan(o)) => {
                    let o = if lower == "add" {
                        Ok(*o)
                    } else {
                        o.checked_neg()
                    };
                    o.and_then(|o| ts.checked_add(o))
                        .map(Value::TimeSpan)
                        .map_err(|m| err(m, span))
                }
                _ => Err(err(format!("TimeSpan.{name} takes a TimeSpan"), span)),
            },
            "negate" => ts
                .checked_neg()
                .map(Value::TimeSpan)
                .map_err(|m| err(m, span)),
            "duration" => TimeSpan(ts.0)
                .checked_neg()
                .map(|n| Value::TimeSpan(if ts.0 < 0 { n } else { *ts }))
                .map_err(|m| err(m, span)),
            _ => Err(err(format!("a TimeSpan has no method {name}"), span)
                .suggest(closest(name, SPAN_MEMBERS).map(str::to_string))),
        },
        Value::Array(items) => match lower.as_str() {
            "contains" => {
                let x = args.first().cloned().unwrap_or(Value::Null);
                Ok(Value::Bool(items.iter().any(|i| {
                    ops::equals(i, &x, true, engine.ops_ref()).unwrap_or(false)
                })))
            }
            "indexof" => {
                let x = args.first().cloned().unwrap_or(Value::Null);
                Ok(Value::Int(
                    items
                        .iter()
                        .position(|i| ops::equals(i, &x, true, engine.ops_ref()).unwrap_or(false))
                        .map_or(-1, |p| p as i32),
                ))
            }
            "where" => {
                let Some(Value::ScriptBlock(b)) = args.first() else {
                    return Err(err(".Where() takes a script block", span));
                };
                let mut out = Vec::new();
                for item in items.iter() {
                    if collapse(engine.invoke_here(&b.body, item.clone())?).truthy() {
                        out.push(item.clone());
                    }
                }
                Ok(Value::array(out))
            }
            "foreach" => {
                let Some(Value::ScriptBlock(b)) = args.first() else {
                    return Err(err(".ForEach() takes a script block", span));
                };
                let mut out = Vec::new();
                for item in items.iter() {
                    out.extend(engine.invoke_here(&b.body, item.clone())?);
                }
                Ok(Value::array(out))
            }
            "tostring" => Ok(Value::str("System.Object[]")),
            _ => {
                // Method enumeration: each element's method.
                let mut out = Vec::new();
                for item in items.iter() {
                    out.extend(unroll(call(engine, item, name, args.clone(), span)?));
                }
                Ok(collapse(out))
            }
        },
        Value::Object(o) if lower == "tostring" => Ok(Value::str(o.to_text())),
        other if lower == "tostring" => {
            let fmt = arg_text(&args, 0);
            ops::format_value(other, &fmt, culture)
                .map(Value::str)
                .map_err(|m| err(m, span))
        }
        other if lower == "equals" => Ok(Value::Bool(
            ops::equals(
                other,
                &args.first().cloned().unwrap_or(Value::Null),
                true,
                engine.ops_ref(),
            )
            .unwrap_or(false),
        )),
        other => Err(err(
            format!("a {} has no method {name}", short(&other.type_name())),
            span,
        )),
    }
}

fn fmt_date(
    t: &DateTime,
    f: &str,
    culture: &super::culture::Culture,
    span: &Span,
) -> EvalResult<Value> {
    datetime::format(t, f, culture)
        .map(Value::str)
        .map_err(|m| err(m, span))
}

fn string_method(
    s: &str,
    lower: &str,
    name: &str,
    args: &[Value],
    span: &Span,
) -> EvalResult<Value> {
    let a0 = arg_text(args, 0);
    let char_index = |s: &str, byte: Option<usize>| -> i32 {
        byte.map_or(-1, |b| s[..b].encode_utf16().count() as i32)
    };
    Ok(match lower {
        "startswith" => {
            expect_args(name, args, &[1, 2], span)?;
            Value::Bool(s.starts_with(&a0))
        }
        "endswith" => {
            expect_args(name, args, &[1, 2], span)?;
            Value::Bool(s.ends_with(&a0))
        }
        "contains" => {
            expect_args(name, args, &[1], span)?;
            Value::Bool(s.contains(&a0))
        }
        "indexof" => Value::Int(char_index(s, s.find(&a0))),
        "lastindexof" => Value::Int(char_index(s, s.rfind(&a0))),
        "tolower" | "tolowerinvariant" => Value::str(s.to_lowercase()),
        "toupper" | "toupperinvariant" => Value::str(s.to_uppercase()),
        "trim" | "trimstart" | "trimend" => {
            let set: Vec<char> = args
                .iter()
                .flat_map(|a| a.to_text().chars().collect::<Vec<_>>())
                .collect();
            let matches = |c: char| {
                if set.is_empty() {
                    c.is_whitespace()
                } else {
                    set.contains(&c)
                }
            };
            Value::str(match lower {
                "trim" => s.trim_matches(matches),
                "trimstart" => s.trim_start_matches(matches),
                _ => s.trim_end_matches(matches),
            })
        }
        "split" => {
            // Windows PowerShell 5.1: a string argument is a char[]: split at each character.
            let seps: Vec<char> = args
                .iter()
                .flat_map(|a| a.to_text().chars().collect::<Vec<_>>())
                .collect();
            let parts: Vec<Value> = if seps.is_empty() {
                s.split(char::is_whitespace).map(Value::str).collect()
            } else {
                s.split(|c| seps.contains(&c)).map(Value::str).collect()
            };
            Value::array(parts)
        }
        "substring" => {
            let units: Vec<u16> = s.encode_utf16().collect();
            let start = arg_int(args, 0, span)?;
            let len = if args.len() > 1 {
                arg_int(args, 1, span)?
            } else {
                units.len() as i64 - start
            };
            if start < 0 || len < 0 || start + len > units.len() as i64 {
                return Err(err(
                    format!(
                        "Substring({start}{}) is outside the string (length {})",
                        if args.len() > 1 {
                            format!(", {len}")
                        } else {
                            String::new()
                        },
                        units.len()
                    ),
                    span,
                ));
            }
            Value::str(String::from_utf16_lossy(
                &units[start as usize..(start + len) as usize],
            ))
        }
        "replace" => {
            expect_args(name, args, &[2], span)?;
            if a0.is_empty() {
                return Err(err("String.Replace cannot replace an empty string", span));
            }
            Value::str(s.replace(&a0, &arg_text(args, 1)))
        }
        "padleft" | "padright" => {
            let width = arg_int(args, 0, span)?.max(0) as usize;
            if width > 1_000_000 {
                return Err(err(
                    format!("{name}({width}): msgtrack pads to at most 1,000,000 characters"),
                    span,
                ));
            }
            let pad = args
                .get(1)
                .map(|v| v.to_text().chars().next().unwrap_or(' '))
                .unwrap_or(' ');
            let n = s.chars().count();
            let fill: String = std::iter::repeat_n(pad, width.saturating_sub(n)).collect();
            Value::str(if lower == "padleft" {
                format!("{fill}{s}")
            } else {
                format!("{s}{fill}")
            })
        }
        "insert" => {
            let at = arg_int(args, 0, span)? as usize;
            let units: Vec<u16> = s.encode_utf16().collect();
            if at > units.len() {
                return Err(err("Insert is outside the string", span));
            }
            let mut out = String::from_utf16_lossy(&units[..at]);
            out.push_str(&arg_text(args, 1));
            out.push_str(&String::from_utf16_lossy(&units[at..]));
            Value::str(out)
        }
        "remove" => {
            let units: Vec<u16> = s.encode_utf16().collect();
            let at = arg_int(args, 0, span)? as usize;
            let n = if args.len() > 1 {
                arg_int(args, 1, span)? as usize
            } else {
                units.len().saturating_sub(at)
            };
            if at + n > units.len() {
                return Err(err("Remove is outside the string", span));
            }
            let mut out = String::from_utf16_lossy(&units[..at]);
            out.push_str(&String::from_utf16_lossy(&units[at + n..]));
            Value::str(out)
        }
        "equals" => Value::Bool(s == a0),
        "compareto" => Value::Int(match s.cmp(a0.as_str()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "tostring" => Value::str(s),
        "isnormalized" => Value::Bool(true),
        _ => {
            return Err(err(format!("a string has no method {name}"), span)
                .suggest(closest(name, STRING_MEMBERS).map(str::to_string)));
        }
    })
}

/// `[type]::Name`.
pub fn static_member(
    engine: &mut dyn Scope,
    ty: &str,
    name: &str,
    span: &Span,
) -> EvalResult<Value> {
    let canon = ops::canonical_type(ty).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    let now = engine.host().now();
    Ok(match (canon, lower.as_str()) {
        ("datetime", "now") => Value::DateTime(DateTime::new(
            engine.host().local_from_utc(now.naive_utc()),
            Kind::Local,
        )),
        ("datetime", "today") => Value::DateTime(
            DateTime::new(engine.host().local_from_utc(now.naive_utc()), Kind::Local).date(),
        ),
        ("datetime", "utcnow") => Value::DateTime(DateTime::new(now.naive_utc(), Kind::Utc)),
        ("datetime", "minvalue") => Value::DateTime(DateTime::new(
            chrono::NaiveDate::MIN
                .max(chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default())
                .and_time(chrono::NaiveTime::MIN),
            Kind::Unspecified,
        )),
        ("datetime", "maxvalue") => Value::DateTime(DateTime::new(
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
                .unwrap_or_default()
                .and_hms_nano_opt(23, 59, 59, 999_999_900)
                .unwrap_or_default(),
            Kind::Unspecified,
        )),
        ("timespan", "zero") => Value::TimeSpan(TimeSpan(0)),
        ("int", "maxvalue") => Value::Int(i32::MAX),
        ("int", "minvalue") => Value::Int(i32::MIN),
        ("long", "maxvalue") => Value::Long(i64::MAX),
        ("long", "minvalue") => Value::Long(i64::MIN),
        ("string", "empty") => Value::str(""),
        ("math", "pi") => Value::Double(std::f64::consts::PI),
        _ => {
            return Err(err(
                format!("[{ty}]::{name} is not a member msgtrack knows"),
                span,
            ));
        }
    })
}

/// `[type]::Method(args)`.
pub fn static_call(
    engine: &mut dyn Scope,
    ty: &str,
    name: &str,
    args: Vec<Value>,
    span: &Span,
) -> EvalResult<Value> {
    let canon = ops::canonical_type(ty).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    let culture = engine.ops().culture;
    let today = engine.clock();
    Ok(match (canon, lower.as_str()) {
        ("string", "join") => {
            let sep = arg_text(&args, 0);
            let items: Vec<Value> = args
                .iter()
                .skip(1)
                .flat_map(|a| unroll(a.clone()))
                .collect();
            Value::str(
                items
                    .iter()
                    .map(Value::to_text)
                    .collect::<Vec<_>>()
                    .join(&sep),
            )
        }
        ("string", "isnullorempty") => {
            Value::Bool(args.first().is_none_or(|v| v.to_text().is_empty()))
        }
        ("string", "isnullorwhitespace") => {
            Value::Bool(args.first().is_none_or(|v| v.to_text().trim().is_empty()))
        }
        ("string", "concat") => Value::str(args.iter().map(Value::to_text).collect::<String>()),
        ("string", "format") => {
            let template = arg_text(&args, 0);
            let rest = Value::array(args.iter().skip(1).cloned().collect());
            ops::format_operator(&template, &rest, culture).map_err(|m| err(m, span))?
        }
        ("datetime", "parse") => {
            let text = arg_text(&args, 0);
            Value::DateTime(
                ops::parse_datetime_in(&text, culture, today).map_err(|m| err(m, span))?,
            )
        }
        ("datetime", "parseexact") => {
            let text = arg_text(&args, 0);
            let fmt = arg_text(&args, 1);
            Value::DateTime(parse_exact(&text, &fmt, span)?)
        }
        ("timespan", "fromdays") => Value::TimeSpan(
            TimeSpan::from_ticks_f64(arg_f64(&args, 0, span)? * TICKS_PER_DAY as f64)
                .map_err(|m| err(m, span))?,
        ),
        ("timespan", "fromhours") => Value::TimeSpan(
            TimeSpan::from_ticks_f64(arg_f64(&args, 0, span)? * 36_000_000_000.0)
                .map_err(|m| err(m, span))?,
        ),
        ("timespan", "fromminutes") => Value::TimeSpan(
            TimeSpan::from_ticks_f64(arg_f64(&args, 0, span)? * 600_000_000.0)
                .map_err(|m| err(m, span))?,
        ),
        ("timespan", "fromseconds") => Value::TimeSpan(
            TimeSpan::from_ticks_f64(arg_f64(&args, 0, span)? * TICKS_PER_SECOND as f64)
                .map_err(|m| err(m, span))?,
        ),
        ("timespan", "frommilliseconds") => Value::TimeSpan(
            TimeSpan::from_ticks_f64(arg_f64(&args, 0, span)? * TICKS_PER_MS as f64)
                .map_err(|m| err(m, span))?,
        ),
        ("timespan", "parse") => Value::TimeSpan(
            TimeSpan::parse(&arg_text(&args, 0)).ok_or_else(|| err("not a TimeSpan", span))?,
        ),
        ("math", "round") => {
            let x = arg_f64(&args, 0, span)?;
            let digits = if args.len() > 1 {
                arg_int(&args, 1, span)?
            } else {
                0
            };
            let scale = 10f64.powi(digits as i32);
            let r = round_half_even(x * scale) / scale;
            match args.first() {
                Some(Value::Decimal(_)) | Some(Value::Double(_)) | Some(Value::Str(_)) | None => {
                    Value::Double(r)
                }
                Some(Value::Int(_)) | Some(Value::Long(_)) => Value::Double(r),
                _ => Value::Double(r),
            }
        }
        ("math", "floor") => Value::Double(arg_f64(&args, 0, span)?.floor()),
        ("math", "ceiling") => Value::Double(arg_f64(&args, 0, span)?.ceil()),
        ("math", "truncate") => Value::Double(arg_f64(&args, 0, span)?.trunc()),
        ("math", "abs") => match args.first() {
            Some(Value::Int(i)) => Value::Int(i.abs()),
            Some(Value::Long(l)) => Value::Long(l.abs()),
            _ => Value::Double(arg_f64(&args, 0, span)?.abs()),
        },
        ("math", "max") | ("math", "min") => {
            let (a, b) = (arg_f64(&args, 0, span)?, arg_f64(&args, 1, span)?);
            let pick = if lower == "max" { a.max(b) } else { a.min(b) };
            match (&args[0], &args[1]) {
                (Value::Int(_), Value::Int(_)) => Value::Int(pick as i32),
                _ => Value::Double(pick),
            }
        }
        ("math", "pow") => Value::Double(arg_f64(&args, 0, span)?.powf(arg_f64(&args, 1, span)?)),
        ("math", "sqrt") => Value::Double(arg_f64(&args, 0, span)?.sqrt()),
        ("int", "parse") | ("long", "parse") | ("double", "parse") => {
            ops::cast(canon, &args.first().cloned().unwrap_or(Value::Null), today)
                .map_err(|m| err(m, span))?
        }
        _ => {
            return Err(err(
                format!("[{ty}]::{name}() is not a method msgtrack knows"),
                span,
            ));
        }
    })
}

/// `[datetime]::ParseExact(text, format, $null)` with a custom format.
fn parse_exact(text: &str, fmt: &str, span: &Span) -> EvalResult<DateTime> {
    // Translate the .NET custom format to chrono's.
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let piece = match (c, n) {
            ('y', 4) => "%Y",
            ('y', 2) => "%y",
            ('M', 2) => "%m",
            ('M', 1) => "%-m",
            ('d', 2) => "%d",
            ('d', 1) => "%-d",
            ('H', 2) => "%H",
            ('H', 1) => "%-H",
            ('h', 2) => "%I",
            ('h', 1) => "%-I",
            ('m', 2) => "%M",
            ('s', 2) => "%S",
            ('f', _) => "%.f",
            ('t', 2) => "%p",
            (other, _) if !other.is_alphabetic() => {
                for _ in 0..n {
                    out.push(other);
                }
                i += n;
                continue;
            }
            _ => {
                return Err(err(
                    format!("the format '{fmt}' of ParseExact is not supported"),
                    span,
                ));
            }
        };
        if piece == "%.f" {
            // chrono's %.f includes the dot; drop a preceding literal dot.
            if out.ends_with('.') {
                out.pop();
            }
        }
        out.push_str(piece);
        i += n;
    }
    let parsed = chrono::NaiveDateTime::parse_from_str(text, &out)
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, &out)
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| err(format!("\"{text}\" does not have the format '{fmt}'"), span))?;
    Ok(DateTime::new(parsed, Kind::Unspecified))
}

/// `value[index]`: arrays (negative counts from the end), strings (a char), hashtables.
pub fn index(v: &Value, i: &Value) -> Result<Value, String> {
    match v {
        Value::Array(items) => match i {
            Value::Array(indices) => Ok(Value::array(
                indices
                    .iter()
                    .filter_map(|x| index(v, x).ok())
                    .filter(|x| !x.is_null())
                    .collect(),
            )),
            other => {
                let n = to_number(other)?.to_f64() as i64;
                let len = items.len() as i64;
                let at = if n < 0 { len + n } else { n };
                Ok(if (0..len).contains(&at) {
                    items[at as usize].clone()
                } else {
                    Value::Null
                })
            }
        },
        Value::Str(s) => {
            let n = to_number(i)?.to_f64() as i64;
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let at = if n < 0 { len + n } else { n };
            Ok(if (0..len).contains(&at) {
                Value::Char(chars[at as usize])
            } else {
                Value::Null
            })
        }
        Value::Hashtable(h) => Ok(h
            .entries
            .iter()
            .find(|(k, _)| k.to_text().eq_ignore_ascii_case(&i.to_text()))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)),
        Value::Null => Err("Cannot index into a null array.".into()),
        other => {
            // A scalar indexes as a one-element array.
            let n = to_number(i)?.to_f64() as i64;
            Ok(if n == 0 || n == -1 {
                other.clone()
            } else {
                Value::Null
            })
        }
    }
}

/// The invariant text of a value for `Rc<str>` property values.
pub fn invariant_text(v: &Value) -> String {
    v.text_in(&INVARIANT)
}

/// Keeps `Rc` in scope for callers that build arrays of shared values.
pub fn share(items: Vec<Value>) -> Rc<Vec<Value>> {
    Rc::new(items)
}
