//! From the parsed cmdlet call to what the reader and the pipeline run: the cmdlet's
//! parameters become a [`RowFilter`] pushed into the ingester (checked on raw text before any
//! column is built), plus a server list and the result size.
//!
//! Matching rules of Get-MessageTrackingLog: EventId, Source, Sender, Recipients (any
//! element), MessageId (with or without angle brackets), InternalMessageId,
//! NetworkMessageId, Reference (any element), TransportTrafficType match exactly, ignoring
//! case; several values of one parameter are OR-ed; MessageSubject is a case-insensitive
//! substring; Start is inclusive, End exclusive; all parameters are AND-ed.

use chrono::{DateTime, Utc};

use super::ast::{Param, ParamName, Query, Stage, Value};
use super::parse::QueryError;
use super::time::{eval_date, parse_date};
use crate::directory::Snapshot;
use crate::format::Zone;
use crate::format::{EventId, Field};
use crate::ingest::{FieldCondition, FieldTest, RowFilter};

/// The cmdlet's default result size.
pub const DEFAULT_RESULT_SIZE: usize = 1000;

/// Where and when the query runs.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// What `(Get-Date)` means.
    pub now: DateTime<Utc>,
    /// The zone dates without an offset are read in, and output times are printed in.
    pub zone: Zone,
}

/// What to read and what to do with it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The cmdlet filters, pushed into the reader.
    pub filter: RowFilter,
    /// `-Server` names (short names, lower case); empty means every server.
    pub servers: Vec<String>,
    /// `None` for `-ResultSize Unlimited`.
    pub result_size: Option<usize>,
    pub stages: Vec<Stage>,
    /// Things the user should know (an ignored parameter, an unknown event name).
    pub notes: Vec<String>,
}

fn text_of(value: &Value) -> Result<String, QueryError> {
    match value {
        Value::Text(s, _) => Ok(s.clone()),
        Value::Number(n, _) if n.fract() == 0.0 => Ok(format!("{}", *n as i64)),
        Value::Number(n, _) => Ok(n.to_string()),
        Value::Date(_, span) => Err(QueryError {
            message: "a date is not a valid value for this parameter".into(),
            span: span.clone(),
            suggestion: None,
        }),
    }
}

/// A server's short name, as `-Server` compares it: up to the first dot, lower case.
fn short_server_name(name: &str) -> String {
    name.split('.').next().unwrap_or(name).to_ascii_lowercase()
}

impl Plan {
    /// True when a row logged on `server` passes `-Server` (every row when none was named).
    pub fn keeps_server(&self, server: &str) -> bool {
        self.servers.is_empty() || self.servers.contains(&short_server_name(server))
    }
}

fn texts(param: &Param) -> Result<Vec<String>, QueryError> {
    param.values.iter().map(text_of).collect()
}

fn time_of(value: &Value, ctx: &Context) -> Result<i64, QueryError> {
    let result = match value {
        Value::Date(expr, _) => eval_date(expr, ctx.now, ctx.zone),
        Value::Text(s, _) => parse_date(s, ctx.zone),
        Value::Number(n, _) => parse_date(&n.to_string(), ctx.zone),
    };
    result
        .map(|t| t.timestamp_millis())
        .map_err(|message| QueryError {
            message,
            span: value.span(),
            suggestion: None,
        })
}

/// Compiles the cmdlet part of a query. With a directory snapshot, `-Sender` and
/// `-Recipients` also match every other address of the same recipient (its proxies and the
/// IMCEA forms of its legacyExchangeDN and X500 proxies), as the cmdlet does through AD.
pub fn compile(
    query: &Query,
    ctx: &Context,
    directory: Option<&Snapshot>,
) -> Result<Plan, QueryError> {
    let addresses = |param: &Param| -> Result<Vec<String>, QueryError> {
        let typed = texts(param)?;
        Ok(match directory {
            Some(d) => typed.iter().flat_map(|a| d.expand_address(a)).collect(),
            None => typed,
        })
    };
    let mut filter = RowFilter::default();
    let mut servers = Vec::new();
    let mut result_size = Some(DEFAULT_RESULT_SIZE);
    let mut notes = Vec::new();
    let equals = |filter: &mut RowFilter, field: Field, values: Vec<String>, list: bool| {
        filter.conditions.push(FieldCondition {
            field,
            test: if list {
                FieldTest::AnyMemberEqualsAny(values)
            } else {
                FieldTest::EqualsAny(values)
            },
        });
    };
    for param in &query.params {
        match param.name {
            ParamName::EventId => {
                let values = texts(param)?;
                for v in &values {
                    if !EventId::is_known(v) {
                        notes.push(format!(
                            "-EventId {v}: Exchange writes no such event (the cmdlet would stop here); matching it anyway"
                        ));
                    }
                }
                equals(&mut filter, Field::EventId, values, false);
            }
            ParamName::Sender => equals(&mut filter, Field::Sender, addresses(param)?, false),
            ParamName::Recipients => equals(&mut filter, Field::Recipients, addresses(param)?, true),
            ParamName::MessageId => {
                let mut values = Vec::new();
                for v in texts(param)? {
                    let bare = v.trim().trim_start_matches('<').trim_end_matches('>').to_string();
                    values.push(format!("<{bare}>"));
                    values.push(bare);
                }
                equals(&mut filter, Field::MessageId, values, false);
            }
            ParamName::InternalMessageId => equals(&mut filter, Field::InternalMessageId, texts(param)?, false),
            ParamName::NetworkMessageId => equals(&mut filter, Field::NetworkMessageId, texts(param)?, false),
            ParamName::Reference => equals(&mut filter, Field::Reference, texts(param)?, true),
            ParamName::Source => equals(&mut filter, Field::Source, texts(param)?, false),
            ParamName::TransportTrafficType => {
                equals(&mut filter, Field::TransportTrafficType, texts(param)?, false)
            }
            ParamName::MessageSubject => filter.conditions.push(FieldCondition {
                field: Field::MessageSubject,
                test: FieldTest::Contains(text_of(&param.values[0])?),
            }),
            ParamName::Start => filter.start_ms = Some(time_of(&param.values[0], ctx)?),
            ParamName::End => filter.end_ms = Some(time_of(&param.values[0], ctx)?),
            ParamName::Server => {
                servers.extend(texts(param)?.iter().map(|v| short_server_name(v)));
            }
            ParamName::ResultSize => {
                result_size = match &param.values[0] {
                    Value::Text(s, _) if s.eq_ignore_ascii_case("unlimited") => None,
                    Value::Number(n, _) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as usize),
                    other => {
                        return Err(QueryError {
                            message: "-ResultSize takes a whole number or Unlimited".into(),
                            span: other.span(),
                            suggestion: Some("-ResultSize Unlimited".into()),
                        });
                    }
                }
            }
            ParamName::DomainController => notes.push(
                "-DomainController is accepted and ignored: msgtrack reads copies of the logs, not Active Directory".into(),
            ),
        }
    }
    if let (Some(s), Some(e)) = (filter.start_ms, filter.end_ms)
        && e <= s
    {
        notes.push("-End is not after -Start, so nothing can match (End is exclusive)".into());
    }
    Ok(Plan {
        filter,
        servers,
        result_size,
        stages: query.stages.clone(),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn ctx() -> Context {
        Context {
            now: DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            zone: Zone::parse("UTC").unwrap(),
        }
    }

    #[test]
    fn cmdlet_parameters_become_reader_filters() {
        let q = parse("Get-MessageTrackingLog -EventId FAIL,defer -Recipients a@x.com -MessageId abc@x -Start (Get-Date).AddDays(-2) -End 2026-11-22 -Server EX01.contoso.com -ResultSize 50").unwrap();
        let plan = compile(&q, &ctx(), None).unwrap();
        assert_eq!(plan.result_size, Some(50));
        assert_eq!(plan.servers, vec!["ex01"]);
        assert_eq!(
            plan.filter.start_ms,
            Some(ctx().now.timestamp_millis() - 2 * 86_400_000)
        );
        assert_eq!(
            plan.filter.end_ms,
            Some(ctx().now.timestamp_millis() - 12 * 3_600_000)
        );
        let conditions: Vec<String> = plan
            .filter
            .conditions
            .iter()
            .map(|c| format!("{:?}", c))
            .collect();
        assert!(
            conditions[0].contains("EventId")
                && conditions[0].contains("EqualsAny([\"FAIL\", \"defer\"])")
        );
        assert!(conditions[1].contains("AnyMemberEqualsAny"));
        assert!(conditions[2].contains("\"<abc@x>\", \"abc@x\""));
    }

    #[test]
    fn defaults_unlimited_and_notes() {
        let plan = compile(&parse("Get-MessageTrackingLog").unwrap(), &ctx(), None).unwrap();
        assert_eq!(plan.result_size, Some(DEFAULT_RESULT_SIZE));
        let plan = compile(&parse("Get-MessageTrackingLog -ResultSize unlimited -EventId BOUNCE -DomainController dc1").unwrap(), &ctx(), None).unwrap();
        assert_eq!(plan.result_size, None);
        assert_eq!(plan.notes.len(), 2);
        let err = compile(
            &parse("Get-MessageTrackingLog -ResultSize lots").unwrap(),
            &ctx(),
            None,
        )
        .unwrap_err();
        assert!(err.message.contains("whole number or Unlimited"));
        let err = compile(
            &parse("Get-MessageTrackingLog -Start yesterday").unwrap(),
            &ctx(),
            None,
        )
        .unwrap_err();
        assert!(err.message.contains("is not a date"));
    }
}
