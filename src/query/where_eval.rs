//! `Where-Object` conditions evaluated over a frame, with PowerShell's rules: comparisons
//! ignore case; `-like` takes `*` `?` `[…]` wildcards; `-match` is a (linear-time) regex; on an
//! array property such as Recipients an operator is true when any element matches, while
//! `-contains` / `-in` look at the collection as a whole.

use polars::prelude::*;
use regex::Regex;

use super::ast::{CompareOp, Expr, Literal};
use super::parse::QueryError;
use super::time::parse_date;
use crate::format::Zone;
use crate::format::{Field, FieldKind};
use crate::frame::access;
use crate::pwsh::wildcard::wildcard_regex;

/// The values of one column, ready for comparisons.
enum Cells {
    Text(StringChunked),
    Lists(Vec<Vec<String>>),
    Numbers(Vec<Option<i64>>),
    Times(Vec<i64>),
}

fn cells(df: &DataFrame, column: Field) -> PolarsResult<Cells> {
    Ok(match column.kind() {
        FieldKind::Text | FieldKind::Category => Cells::Text(
            df.column(column.name())?
                .as_materialized_series()
                .cast(&DataType::String)?
                .str()?
                .clone(),
        ),
        FieldKind::TextList => Cells::Lists(access::string_lists(df, column)?),
        FieldKind::KeyValueList => Cells::Lists(
            access::event_data(df)?
                .into_iter()
                .map(|pairs| pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
                .collect(),
        ),
        FieldKind::Integer | FieldKind::LineNumber => Cells::Numbers(access::integers(df, column)?),
        FieldKind::Timestamp => Cells::Times(access::timestamps_ms(df)?),
    })
}

/// A compiled comparison against one value.
enum Test {
    Equal(String),
    Number(f64),
    Null,
    Truthy(bool),
    Pattern(Regex),
    Time(i64),
}

fn compile_test(
    op: CompareOp,
    literal: &Literal,
    column: Field,
    zone: Zone,
    span: &std::ops::Range<usize>,
) -> Result<Test, QueryError> {
    let err = |message: String| QueryError {
        message,
        span: span.clone(),
        suggestion: None,
    };
    let text = match literal {
        Literal::Null => return Ok(Test::Null),
        Literal::Bool(b) => return Ok(Test::Truthy(*b)),
        Literal::Number(n) => {
            if matches!(
                op,
                CompareOp::Like | CompareOp::NotLike | CompareOp::Match | CompareOp::NotMatch
            ) {
                n.to_string()
            } else {
                return Ok(Test::Number(*n));
            }
        }
        Literal::Text(t) => t.clone(),
    };
    match op {
        CompareOp::Like | CompareOp::NotLike => wildcard_regex(&text, false)
            .map(Test::Pattern)
            .map_err(|e| err(format!("the wildcard pattern '{text}' is not valid: {e}"))),
        CompareOp::Match | CompareOp::NotMatch => Regex::new(&format!("(?i){text}"))
            .map(Test::Pattern)
            .map_err(|e| err(format!("the regular expression '{text}' is not valid: {e}"))),
        _ if column.kind() == FieldKind::Timestamp => parse_date(&text, zone)
            .map(|t| Test::Time(t.timestamp_millis()))
            .map_err(err),
        _ => Ok(Test::Equal(text.to_lowercase())),
    }
}

fn ordering_holds(op: CompareOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Gt => ord == Greater,
        CompareOp::Ge => ord != Less,
        CompareOp::Lt => ord == Less,
        CompareOp::Le => ord != Greater,
        _ => ord == Equal,
    }
}

/// Does one text element satisfy the (positive form of the) operator against one test?
fn text_holds(op: CompareOp, element: Option<&str>, test: &Test) -> bool {
    let value = element.unwrap_or("");
    match test {
        Test::Null => value.is_empty(),
        Test::Truthy(b) => value.is_empty() != *b,
        Test::Pattern(re) => re.is_match(value),
        Test::Equal(want) => match op {
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                ordering_holds(op, value.to_lowercase().cmp(want))
            }
            _ => {
                if value.is_ascii() && want.is_ascii() {
                    value.eq_ignore_ascii_case(want)
                } else {
                    value.to_lowercase() == *want
                }
            }
        },
        Test::Number(n) => value
            .trim()
            .parse::<f64>()
            .is_ok_and(|v| ordering_holds(op, v.total_cmp(n))),
        Test::Time(_) => false,
    }
}

fn number_holds(op: CompareOp, element: Option<i64>, test: &Test) -> bool {
    match (element, test) {
        (None, Test::Null) => true,
        (None, Test::Truthy(b)) => !*b,
        (Some(v), Test::Truthy(b)) => (v != 0) == *b,
        (None, _) => false,
        (Some(v), Test::Number(n)) => ordering_holds(op, (v as f64).total_cmp(n)),
        (Some(v), other) => text_holds(op, Some(&v.to_string()), other),
    }
}

/// The mask of rows for which `expr` is true.
pub fn mask(df: &DataFrame, expr: &Expr, zone: Zone) -> Result<Vec<bool>, QueryError> {
    let polars_err = |e: PolarsError| QueryError {
        message: format!("evaluating the condition failed: {e}"),
        span: 0..0,
        suggestion: None,
    };
    Ok(match expr {
        Expr::And(a, b) => {
            let (a, b) = (mask(df, a, zone)?, mask(df, b, zone)?);
            a.iter().zip(b).map(|(x, y)| *x && y).collect()
        }
        Expr::Or(a, b) => {
            let (a, b) = (mask(df, a, zone)?, mask(df, b, zone)?);
            a.iter().zip(b).map(|(x, y)| *x || y).collect()
        }
        Expr::Not(a) => mask(df, a, zone)?.into_iter().map(|x| !x).collect(),
        Expr::Truthy(column) => match cells(df, *column).map_err(polars_err)? {
            Cells::Text(t) => t.iter().map(|v| v.is_some_and(|s| !s.is_empty())).collect(),
            Cells::Lists(l) => l.iter().map(|v| !v.is_empty()).collect(),
            Cells::Numbers(n) => n.iter().map(|v| v.is_some_and(|x| x != 0)).collect(),
            Cells::Times(t) => vec![true; t.len()],
        },
        Expr::Compare {
            property,
            op,
            values,
            span,
        } => {
            let tests = values
                .iter()
                .map(|l| compile_test(*op, l, *property, zone, span))
                .collect::<Result<Vec<_>, _>>()?;
            let negated = matches!(
                op,
                CompareOp::Ne
                    | CompareOp::NotLike
                    | CompareOp::NotMatch
                    | CompareOp::NotContains
                    | CompareOp::NotIn
            );
            let positive = match op {
                CompareOp::Ne => CompareOp::Eq,
                CompareOp::NotLike => CompareOp::Like,
                CompareOp::NotMatch => CompareOp::Match,
                CompareOp::NotContains | CompareOp::Contains | CompareOp::In | CompareOp::NotIn => {
                    CompareOp::Eq
                }
                _ => *op,
            };
            // Collection operators look at the whole array; the others at any element.
            let whole_collection = matches!(
                op,
                CompareOp::Contains | CompareOp::NotContains | CompareOp::In | CompareOp::NotIn
            );
            let element_holds = |e: Option<&str>| tests.iter().any(|t| text_holds(positive, e, t));
            match cells(df, *property).map_err(polars_err)? {
                Cells::Text(t) => t.iter().map(|v| element_holds(v) != negated).collect(),
                Cells::Lists(lists) => lists
                    .iter()
                    .map(|members| {
                        if whole_collection {
                            members.iter().any(|m| element_holds(Some(m))) != negated
                        } else {
                            // -ne, -notlike, -notmatch keep the elements that do not match.
                            members.iter().any(|m| element_holds(Some(m)) != negated)
                        }
                    })
                    .collect(),
                Cells::Numbers(n) => n
                    .iter()
                    .map(|v| tests.iter().any(|t| number_holds(positive, *v, t)) != negated)
                    .collect(),
                Cells::Times(times) => times
                    .iter()
                    .map(|ms| {
                        tests.iter().any(|t| match t {
                            Test::Time(want) => ordering_holds(positive, ms.cmp(want)),
                            Test::Pattern(re) => {
                                re.is_match(&crate::format::time::format_timestamp_ms(*ms))
                            }
                            _ => false,
                        }) != negated
                    })
                    .collect(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comparisons_ignore_case() {
        let t = Test::Equal("fail".into());
        assert!(text_holds(CompareOp::Eq, Some("FAIL"), &t));
        assert!(!text_holds(CompareOp::Eq, Some("FAILED"), &t));
        assert!(text_holds(
            CompareOp::Gt,
            Some("zeta"),
            &Test::Equal("alpha".into())
        ));
        assert!(text_holds(CompareOp::Eq, None, &Test::Null));
        assert!(number_holds(CompareOp::Ge, Some(100), &Test::Number(100.0)));
        assert!(!number_holds(CompareOp::Gt, None, &Test::Number(1.0)));
    }
}
