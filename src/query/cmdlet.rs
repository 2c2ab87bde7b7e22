//! The Exchange Management Shell line equivalent to a query (`--print-cmdlet`), with
//! relative dates made absolute, so an admin can run it on a server and compare.

use super::ast::{ParamName, Query, Value};
use super::compile::Context;
use super::time::eval_date;
use super::time::parse_date;

use crate::escape::shell::powershell as quoted;

/// Renders the cmdlet line. Values are PowerShell single-quoted strings (nothing in them
/// expands). Dates are written in the en-US short format the cmdlet reads, with their
/// milliseconds when they have any, in the query's time zone (run it on a server in that
/// zone).
pub fn render(query: &Query, ctx: &Context) -> Result<String, String> {
    let mut out = String::new();
    if query.all_servers_prefix {
        out.push_str("Get-TransportService | ");
    }
    out.push_str("Get-MessageTrackingLog");
    for p in &query.params {
        out.push_str(&format!(" -{} ", p.name.name()));
        let values: Vec<String> = p
            .values
            .iter()
            .map(|v| match (p.name, v) {
                (ParamName::Start | ParamName::End, _) => {
                    let t = match v {
                        Value::Date(expr, _) => eval_date(expr, ctx.now, ctx.zone)?,
                        Value::Text(s, _) => parse_date(s, ctx.zone)?,
                        Value::Number(n, _) => parse_date(&n.to_string(), ctx.zone)?,
                    };
                    Ok(quoted(&ctx.zone.format_us_ms(t)))
                }
                (ParamName::ResultSize, Value::Text(s, _)) => Ok(s.clone()),
                (_, Value::Number(n, _)) if n.fract() == 0.0 => Ok(format!("{}", *n as i64)),
                (_, Value::Number(n, _)) => Ok(n.to_string()),
                (_, Value::Text(s, _)) => Ok(quoted(s)),
                (_, Value::Date(_, _)) => Err("a date is not a valid value here".to_string()),
            })
            .collect::<Result<_, String>>()?;
        out.push_str(&values.join(","));
    }
    if let Some(stages) = &query.stages_text {
        out.push_str(" | ");
        out.push_str(stages);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Zone;
    use crate::query::parse;
    use chrono::DateTime;

    #[test]
    fn relative_dates_become_absolute_us_dates() {
        let ctx = Context {
            now: DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            zone: Zone::parse("America/New_York").unwrap(),
        };
        let q = parse(r#"Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -Recipients 'a@x.com',b@x.com -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#).unwrap();
        assert_eq!(
            render(&q, &ctx).unwrap(),
            r#"Get-TransportService | Get-MessageTrackingLog -EventId 'FAIL' -Start '11/18/2026 7:00:00 PM' -Recipients 'a@x.com','b@x.com' -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#
        );
    }

    #[test]
    fn values_never_expand_and_milliseconds_are_kept() {
        let ctx = Context {
            now: DateTime::parse_from_rfc3339("2026-11-21T00:00:00.250Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            zone: Zone::parse("UTC").unwrap(),
        };
        let q = parse(r#"Get-MessageTrackingLog -Sender 'a$(calc)`b"c@x.com' -Start (Get-Date) -End '2026-11-21T10:00:00.5'"#).unwrap();
        assert_eq!(
            render(&q, &ctx).unwrap(),
            r#"Get-MessageTrackingLog -Sender 'a$(calc)`b"c@x.com' -Start '11/21/2026 12:00:00.250 AM' -End '11/21/2026 10:00:00.500 AM'"#
        );
    }
}
