//! Get-Date (`-Date -Year -Month -Day -Hour -Minute -Second -Millisecond -Format -UFormat`;
//! parts are added to the base, so they roll over as in .NET, and unset parts keep their
//! value — sub-seconds too) and New-TimeSpan (`-Start -End -Days -Hours -Minutes -Seconds`).
//! A string given to `-Date`, `-Start` or `-End` is read in the shell's culture, as a
//! compiled cmdlet's parameter is.

use chrono::{Datelike, Timelike};

use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::datetime::{
    self, DateTime, Kind, TICKS_PER_DAY, TICKS_PER_MS, TICKS_PER_SECOND, TimeSpan,
};
use crate::pwsh::ops;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
use crate::pwsh::value::Value;

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// Now, as the shell's local time.
pub fn now(engine: &dyn Scope) -> DateTime {
    DateTime::new(
        engine
            .host()
            .local_from_utc(engine.host().now().naive_utc()),
        Kind::Local,
    )
}

/// A value bound to a DateTime parameter of a compiled cmdlet (strings in the current
/// culture).
pub fn date_argument(engine: &dyn Scope, v: &Value) -> Result<DateTime, String> {
    match v {
        Value::DateTime(t) => Ok(*t),
        Value::Str(s) => ops::parse_datetime_in(s, engine.ops_ref().culture, engine.clock()),
        Value::Array(items) if items.len() == 1 => date_argument(engine, &items[0]),
        Value::Int(_) | Value::Long(_) | Value::Double(_) => {
            ops::cast("datetime", &Value::str(v.to_text()), engine.clock())
                .and_then(|d| match d {
                    Value::DateTime(t) => Ok(t),
                    _ => Err("not a date".into()),
                })
                .map_err(|_| format!("{} is not a date", v.to_text()))
        }
        other => Err(format!("\"{}\" is not a date", other.to_text())),
    }
}

/// Runs Get-Date.
pub fn get_date(engine: &mut dyn Scope, c: &Command, input: Vec<Value>) -> EvalResult<Vec<Value>> {
    let params = [
        p("Date", false),
        p("Year", false),
        p("Month", false),
        p("Day", false),
        p("Hour", false),
        p("Minute", false),
        p("Second", false),
        p("Millisecond", false),
        p("Format", false),
        p("UFormat", false),
        p("DisplayHint", false),
    ];
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let date_expr = bound
        .get("Date")
        .and_then(|(e, _)| e)
        .or(bound.positional.first().copied());
    let mut t = match date_expr {
        Some(e) => {
            let v = engine.expr(e)?;
            date_argument(engine, &v).map_err(|m| EvalError::new(m, e.span.clone()))?
        }
        None => match input.first() {
            Some(v) => date_argument(engine, v).map_err(|m| EvalError::new(m, c.span.clone()))?,
            None => now(engine),
        },
    };
    let range = |m: String| EvalError::new(m, c.span.clone());
    for (name, current) in [
        ("Year", t.wall.year() as i64),
        ("Month", t.wall.month() as i64),
        ("Day", t.wall.day() as i64),
        ("Hour", t.wall.hour() as i64),
        ("Minute", t.wall.minute() as i64),
        ("Second", t.wall.second() as i64),
        ("Millisecond", (t.wall.nanosecond() / 1_000_000) as i64),
    ] {
        let Some((Some(e), span)) = bound.get(name) else {
            continue;
        };
        let span = span.clone();
        let v = engine.expr(e)?;
        let n = ops::to_number(&v)
            .map_err(|m| EvalError::new(m, span.clone()))?
            .to_f64() as i64;
        let valid = match name {
            "Year" => (1..=9999).contains(&n),
            "Month" => (1..=12).contains(&n),
            "Day" => (1..=31).contains(&n),
            "Hour" => (0..=23).contains(&n),
            "Minute" | "Second" => (0..=59).contains(&n),
            _ => (0..=999).contains(&n),
        };
        if !valid {
            return Err(EvalError::new(format!("-{name} {n} is out of range"), span));
        }
        // The same operations Get-Date uses: Add* of the difference (so day 31 in a 30-day
        // month rolls into the next).
        let d = n - current;
        t = match name {
            "Year" => t.add_months((d * 12) as i32),
            "Month" => t.add_months(d as i32),
            "Day" => t.add(d * TICKS_PER_DAY),
            "Hour" => t.add(d * 36_000_000_000),
            "Minute" => t.add(d * 600_000_000),
            "Second" => t.add(d * TICKS_PER_SECOND),
            _ => t.add(d * TICKS_PER_MS),
        }
        .ok_or_else(|| range(format!("-{name} {n} gives a date out of range")))?;
    }
    if let Some((Some(e), span)) = bound.get("Format") {
        let span = span.clone();
        let fmt = engine.expr(e)?.to_text();
        let text = match fmt.to_ascii_lowercase().as_str() {
            "filedate" => datetime::format(&t, "yyyyMMdd", engine.ops().culture),
            "filedatetime" => datetime::format(&t, "yyyyMMdd'T'HHmmssffff", engine.ops().culture),
            "filedateuniversal" | "filedatetimeuniversal" => {
                let utc = engine
                    .host()
                    .utc_from_local(t.wall)
                    .ok_or_else(|| EvalError::new("no such local time", span.clone()))?;
                let u = DateTime::new(utc, Kind::Utc);
                if fmt.eq_ignore_ascii_case("filedateuniversal") {
                    datetime::format(&u, "yyyyMMdd'Z'", engine.ops().culture)
                } else {
                    datetime::format(&u, "yyyyMMdd'T'HHmmssffff'Z'", engine.ops().culture)
                }
            }
            _ => datetime::format(&t, &fmt, engine.ops().culture),
        }
        .map_err(|m| EvalError::new(m, span))?;
        return Ok(vec![Value::str(text)]);
    }
    if let Some((Some(e), span)) = bound.get("UFormat") {
        let span = span.clone();
        let fmt = engine.expr(e)?.to_text();
        return Ok(vec![Value::str(
            uformat(&t, &fmt).map_err(|m| EvalError::new(m, span))?,
        )]);
    }
    let _ = switch_on;
    Ok(vec![Value::DateTime(t)])
}

/// `-UFormat`: the Unix specifiers admins use.
fn uformat(t: &DateTime, fmt: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(s) = chars.next() else { break };
        let piece = match s {
            'Y' => format!("{:04}", t.wall.year()),
            'y' => format!("{:02}", t.wall.year() % 100),
            'm' => format!("{:02}", t.wall.month()),
            'd' => format!("{:02}", t.wall.day()),
            'H' => format!("{:02}", t.wall.hour()),
            'M' => format!("{:02}", t.wall.minute()),
            'S' => format!("{:02}", t.wall.second()),
            'j' => format!("{:03}", t.wall.ordinal()),
            'u' => t.wall.weekday().num_days_from_sunday().to_string(),
            'V' => format!("{:02}", t.wall.iso_week().week()),
            '%' => "%".into(),
            other => return Err(format!("-UFormat %{other} is not supported")),
        };
        out.push_str(&piece);
    }
    Ok(out)
}

/// Runs New-TimeSpan.
pub fn new_timespan(engine: &mut dyn Scope, c: &Command) -> EvalResult<Vec<Value>> {
    let params = [
        p("Start", false),
        p("End", false),
        p("Days", false),
        p("Hours", false),
        p("Minutes", false),
        p("Seconds", false),
    ];
    let bound = bind(c, &params)?;
    let date = |engine: &mut dyn Scope, name: &str| -> EvalResult<Option<DateTime>> {
        match bound.get(name) {
            Some((Some(e), _)) => {
                let v = engine.expr(e)?;
                date_argument(engine, &v)
                    .map(Some)
                    .map_err(|m| EvalError::new(m, e.span.clone()))
            }
            _ => Ok(None),
        }
    };
    let start = date(engine, "Start")?.or(match bound.positional.first() {
        Some(e) => {
            let v = engine.expr(e)?;
            Some(date_argument(engine, &v).map_err(|m| EvalError::new(m, e.span.clone()))?)
        }
        None => None,
    });
    let end = date(engine, "End")?.or(match bound.positional.get(1) {
        Some(e) => {
            let v = engine.expr(e)?;
            Some(date_argument(engine, &v).map_err(|m| EvalError::new(m, e.span.clone()))?)
        }
        None => None,
    });
    if start.is_some() || end.is_some() {
        let s = start.unwrap_or_else(|| now(engine));
        let e = end.unwrap_or_else(|| now(engine));
        return Ok(vec![Value::TimeSpan(TimeSpan(e.ticks() - s.ticks()))]);
    }
    let mut ticks = 0i64;
    for (name, unit) in [
        ("Days", TICKS_PER_DAY),
        ("Hours", 36_000_000_000),
        ("Minutes", 600_000_000),
        ("Seconds", TICKS_PER_SECOND),
    ] {
        if let Some((Some(e), span)) = bound.get(name) {
            let span = span.clone();
            let v = engine.expr(e)?;
            let n = ops::to_number(&v)
                .map_err(|m| EvalError::new(m.clone(), span.clone()))?
                .to_f64()
                .trunc();
            let part = TimeSpan::from_ticks_f64(n * unit as f64)
                .and_then(|p| TimeSpan(ticks).checked_add(p))
                .map_err(|m| EvalError::new(m, span))?;
            ticks = part.0;
        }
    }
    Ok(vec![Value::TimeSpan(TimeSpan(ticks))])
}
