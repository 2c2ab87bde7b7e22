//! Sort-Object: several keys, per-key `@{Expression=…; Descending=$true}`, `-Descending`,
//! `-Unique` (ignoring case unless `-CaseSensitive`), numbers by value, dates by time, text
//! ignoring case. msgtrack's sort is stable (ties keep their order); Windows PowerShell 5.1's
//! is not, so its order of ties is not defined.

use std::cmp::Ordering;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::ops;
use crate::pwsh::runtime::Scope;
use crate::pwsh::runtime::{EvalResult, ParamSpec, bind};
use crate::pwsh::value::Value;

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// Sort-Object's parameters.
pub const SORT_PARAMS: [ParamSpec; 5] = [
    p("Property", false),
    p("Descending", true),
    p("Unique", true),
    p("CaseSensitive", true),
    p("Culture", false),
];

/// Runs Sort-Object.
pub fn sort_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let params = SORT_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &["Descending", "Ascending"])?,
        (None, Some(e)) => properties::read(engine, e, &["Descending", "Ascending"])?,
        _ => Vec::new(),
    };
    let descending = switch_on(engine, &bound, "Descending")?;
    let unique = switch_on(engine, &bound, "Unique")?;
    let case = switch_on(engine, &bound, "CaseSensitive")?;
    let specs = properties::expand(&specs, input.first())?;
    // Keys computed once per item.
    let mut keyed: Vec<(Vec<Value>, Value)> = Vec::with_capacity(input.len());
    for item in input {
        let keys = if specs.is_empty() {
            vec![item.clone()]
        } else {
            specs
                .iter()
                .map(|s| properties::value_of(engine, s, &item))
                .collect::<EvalResult<_>>()?
        };
        keyed.push((keys, item));
    }
    let directions: Vec<bool> = if specs.is_empty() {
        vec![descending]
    } else {
        specs
            .iter()
            .map(|s| s.descending.unwrap_or(descending))
            .collect()
    };
    let ops = engine.ops_ref();
    let compare = |a: &[Value], b: &[Value]| -> Ordering {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let o = ops::sort_order(x, y, case, ops);
            let o = if directions.get(i).copied().unwrap_or(false) {
                o.reverse()
            } else {
                o
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    };
    keyed.sort_by(|a, b| compare(&a.0, &b.0));
    if unique {
        let mut out: Vec<(Vec<Value>, Value)> = Vec::new();
        for k in keyed {
            let dup = out.last().is_some_and(|last| {
                last.0
                    .iter()
                    .zip(&k.0)
                    .all(|(x, y)| ops::sort_order(x, y, case, engine.ops_ref()) == Ordering::Equal)
            });
            if !dup {
                out.push(k);
            }
        }
        return Ok(out.into_iter().map(|(_, v)| v).collect());
    }
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}
