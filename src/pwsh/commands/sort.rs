//! Sort-Object: several keys, per-key `@{Expression=…; Descending=$true}`, `-Descending`,
//! `-Unique` (ignoring case unless `-CaseSensitive`), numbers by value, dates by time, text
//! ignoring case. msgtrack's sort is stable (ties keep their order); Windows PowerShell 5.1's
//! is not, so its order of ties is not defined.

use std::cmp::Ordering;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::ops::{self, OpContext};
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

/// What a Sort-Object command sorts by and how: its keys, each key's direction, whether
/// text compares by case, and whether equal items are dropped (`-Unique`). A sort that
/// cannot hold every item at once (a merge of sorted runs) compares with it as the command
/// does.
pub struct SortKeys {
    specs: Vec<PropSpec>,
    directions: Vec<bool>,
    case: bool,
    unique: bool,
}

impl SortKeys {
    /// The keys of the Sort-Object `c`, wildcard names matched against `sample`'s
    /// properties (the first item the command is given).
    pub fn of(engine: &mut dyn Scope, c: &Command, sample: Option<&Value>) -> EvalResult<SortKeys> {
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
        let specs = properties::expand(&specs, sample)?;
        let directions: Vec<bool> = if specs.is_empty() {
            vec![descending]
        } else {
            specs
                .iter()
                .map(|s| s.descending.unwrap_or(descending))
                .collect()
        };
        Ok(SortKeys {
            specs,
            directions,
            case,
            unique,
        })
    }

    /// The keys of one item (the item itself when the command names none).
    pub fn keys(&self, engine: &mut dyn Scope, item: &Value) -> EvalResult<Vec<Value>> {
        if self.specs.is_empty() {
            return Ok(vec![item.clone()]);
        }
        self.specs
            .iter()
            .map(|s| properties::value_of(engine, s, item))
            .collect()
    }

    /// The order of two items' keys, each key in its direction.
    pub fn compare(&self, a: &[Value], b: &[Value], ops: &OpContext<'_>) -> Ordering {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let o = ops::sort_order(x, y, self.case, ops);
            let o = if self.directions.get(i).copied().unwrap_or(false) {
                o.reverse()
            } else {
                o
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// `input` in the command's order: stable (equal keys keep their order), and with
    /// `-Unique` only the first of equal keys. Keys are computed once per item.
    pub fn sort(&self, engine: &mut dyn Scope, input: Vec<Value>) -> EvalResult<Vec<Value>> {
        let mut keyed: Vec<(Vec<Value>, Value)> = Vec::with_capacity(input.len());
        for item in input {
            keyed.push((self.keys(engine, &item)?, item));
        }
        let ops = engine.ops_ref();
        keyed.sort_by(|a, b| self.compare(&a.0, &b.0, ops));
        if self.unique {
            keyed.dedup_by(|later, kept| self.same(&kept.0, &later.0, ops));
        }
        Ok(keyed.into_iter().map(|(_, v)| v).collect())
    }

    /// Whether items of equal keys after the first are dropped (`-Unique`).
    pub fn unique(&self) -> bool {
        self.unique
    }

    /// Whether two items' keys are equal, direction aside (what `-Unique` drops).
    pub fn same(&self, a: &[Value], b: &[Value], ops: &OpContext<'_>) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| ops::sort_order(x, y, self.case, ops) == Ordering::Equal)
    }
}

/// Runs Sort-Object.
pub fn sort_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    SortKeys::of(engine, c, input.first())?.sort(engine, input)
}
