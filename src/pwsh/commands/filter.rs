//! Where-Object (script block and simplified forms), ForEach-Object (blocks and
//! `-MemberName`), Write-Output and Select-String.

use crate::pwsh::ast::{BinaryOp, Command, Compare, ExprKind};
use crate::pwsh::members;
use crate::pwsh::ops;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind, collapse, unroll};
use crate::pwsh::value::Value;

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// The simplified form's operator switches, with the operator each means (and whether it
/// is case-sensitive).
pub(crate) const OPERATORS: [(&str, Compare, bool); 28] = [
    ("EQ", Compare::Eq, false),
    ("CEQ", Compare::Eq, true),
    ("NE", Compare::Ne, false),
    ("CNE", Compare::Ne, true),
    ("GT", Compare::Gt, false),
    ("CGT", Compare::Gt, true),
    ("LT", Compare::Lt, false),
    ("CLT", Compare::Lt, true),
    ("GE", Compare::Ge, false),
    ("CGE", Compare::Ge, true),
    ("LE", Compare::Le, false),
    ("CLE", Compare::Le, true),
    ("Like", Compare::Like, false),
    ("CLike", Compare::Like, true),
    ("NotLike", Compare::NotLike, false),
    ("CNotLike", Compare::NotLike, true),
    ("Match", Compare::Match, false),
    ("CMatch", Compare::Match, true),
    ("NotMatch", Compare::NotMatch, false),
    ("CNotMatch", Compare::NotMatch, true),
    ("Contains", Compare::Contains, false),
    ("CContains", Compare::Contains, true),
    ("NotContains", Compare::NotContains, false),
    ("CNotContains", Compare::NotContains, true),
    ("In", Compare::In, false),
    ("CIn", Compare::In, true),
    ("NotIn", Compare::NotIn, false),
    ("CNotIn", Compare::NotIn, true),
];

/// `Where-Object { … }`, `Where-Object Prop -op Value`, `Where-Object Prop`.
pub fn where_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let mut params = vec![
        p("FilterScript", false),
        p("Property", false),
        p("Value", false),
        p("Is", true),
        p("IsNot", true),
    ];
    params.extend(OPERATORS.iter().map(|(n, _, _)| p(n, true)));
    // The operator switches are matched exactly (-Like is not a prefix of -LT…).
    let bound = bind(c, &params)?;
    if let Some((Some(e), _)) = bound.get("FilterScript") {
        return run_filter(engine, e, input);
    }
    if let Some(first) = bound.positional.first()
        && matches!(first.kind, ExprKind::ScriptBlock(_))
    {
        if let Some(extra) = bound.positional.get(1) {
            return Err(EvalError::new(
                "Where-Object takes one script block",
                extra.span.clone(),
            ));
        }
        return run_filter(engine, first, input);
    }
    // Simplified syntax.
    let property = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => engine.expr(e)?.to_text(),
        (None, Some(e)) => engine.expr(e)?.to_text(),
        _ => {
            return Err(EvalError::new(
                "Where-Object needs a script block or a property",
                c.span.clone(),
            ));
        }
    };
    let op = OPERATORS
        .iter()
        .find(|(n, _, _)| bound.has(n))
        .map(|(_, o, case)| (*o, *case));
    let value_expr = match bound.get("Value") {
        Some((Some(e), _)) => Some(e),
        _ => bound
            .positional
            .get(if bound.get("Property").is_some() {
                0
            } else {
                1
            })
            .copied(),
    };
    let value = match value_expr {
        Some(e) => Some(engine.expr(e)?),
        None => None,
    };
    let span = c.span.clone();
    let mut out = Vec::new();
    for item in input {
        let v = members::member(&item, &property, &span)?;
        let keep = match (op, &value) {
            (None, None) => v.truthy(),
            (None, Some(_)) => {
                return Err(EvalError::new(
                    "Where-Object has a value but no operator (-EQ, -Like, …)",
                    span,
                ));
            }
            (Some(_), None) => {
                return Err(EvalError::new(
                    "the operator needs a value to compare with",
                    span,
                ));
            }
            (Some((o, case)), Some(val)) => ops::compare(o, case, &v, val, engine.ops())
                .map_err(|m| EvalError::new(m, span.clone()))?
                .truthy(),
        };
        if keep {
            out.push(item);
        }
    }
    Ok(out)
}

fn run_filter(
    engine: &mut dyn Scope,
    e: &crate::pwsh::ast::Expr,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let Value::ScriptBlock(b) = engine.expr(e)? else {
        return Err(EvalError::new(
            "-FilterScript takes a script block",
            e.span.clone(),
        ));
    };
    let mut out = Vec::new();
    for item in input {
        if collapse(engine.invoke_here(&b.body, item.clone())?).truthy() {
            out.push(item);
        }
    }
    Ok(out)
}

/// The script block of `c` when it is a `ForEach-Object { … }` given that one script block
/// alone (no -Begin, -End, -MemberName, nor any other argument).
pub fn foreach_block(c: &Command) -> Option<&std::rc::Rc<crate::pwsh::ast::ScriptBlock>> {
    match c.args.as_slice() {
        [crate::pwsh::ast::Arg::Value(e)]
            if super::canonical(&c.name) == Some("ForEach-Object") =>
        {
            match &e.kind {
                ExprKind::ScriptBlock(block) => Some(block),
                _ => None,
            }
        }
        _ => None,
    }
}

/// ForEach-Object's parameters.
pub const FOREACH_PARAMS: [ParamSpec; 5] = [
    p("Process", false),
    p("Begin", false),
    p("End", false),
    p("MemberName", false),
    p("ArgumentList", false),
];

/// `ForEach-Object { … }` (with `-Begin`/`-End`), `% Name` and `-MemberName Name`.
pub fn foreach_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let bound = bind(c, &FOREACH_PARAMS)?;
    let member = match bound.get("MemberName") {
        Some((Some(e), _)) => Some(engine.expr(e)?.to_text()),
        _ => match bound.positional.first() {
            Some(e) if !matches!(e.kind, ExprKind::ScriptBlock(_)) => {
                Some(engine.expr(e)?.to_text())
            }
            _ => None,
        },
    };
    if let Some(name) = member {
        let args: Vec<Value> = match bound.get("ArgumentList") {
            Some((Some(e), _)) => unroll(engine.expr(e)?),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for item in input {
            // A property if the item has one of that name, else a method.
            let v = match members::member(&item, &name, &c.span) {
                Ok(v) => v,
                Err(e) => match members::call(engine, &item, &name, args.clone(), &c.span) {
                    Ok(v) => v,
                    Err(_) => return Err(e),
                },
            };
            out.extend(unroll(v));
        }
        return Ok(out);
    }
    let block_of = |engine: &mut dyn Scope,
                    e: Option<&crate::pwsh::ast::Expr>|
     -> EvalResult<Option<std::rc::Rc<crate::pwsh::value::ScriptBlock>>> {
        match e {
            None => Ok(None),
            Some(e) => match engine.expr(e)? {
                Value::ScriptBlock(b) => Ok(Some(b)),
                _ => Err(EvalError::new(
                    "ForEach-Object takes script blocks",
                    e.span.clone(),
                )),
            },
        }
    };
    let (mut begin, mut process, mut end) = (
        block_of(engine, bound.get("Begin").and_then(|(e, _)| e))?,
        block_of(engine, bound.get("Process").and_then(|(e, _)| e))?,
        block_of(engine, bound.get("End").and_then(|(e, _)| e))?,
    );
    let positional: Vec<_> = bound
        .positional
        .iter()
        .map(|e| block_of(engine, Some(e)))
        .collect::<EvalResult<_>>()?;
    match positional.len() {
        0 => {}
        1 => process = positional.into_iter().next().flatten(),
        2 => {
            let mut it = positional.into_iter();
            begin = it.next().flatten();
            process = it.next().flatten();
        }
        _ => {
            let mut it = positional.into_iter();
            begin = it.next().flatten();
            process = it.next().flatten();
            end = it.next().flatten();
        }
    }
    let mut out = Vec::new();
    if let Some(b) = begin {
        out.extend(engine.invoke_here(&b.body, Value::Null)?);
    }
    if let Some(b) = &process {
        for item in input {
            out.extend(engine.invoke_here(&b.body, item)?);
        }
    }
    if let Some(b) = end {
        out.extend(engine.invoke_here(&b.body, Value::Null)?);
    }
    Ok(out)
}

/// `Write-Output x`.
pub fn write_output(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let bound = bind(c, &[p("InputObject", false), p("NoEnumerate", true)])?;
    let mut out = input;
    for e in bound
        .positional
        .iter()
        .copied()
        .chain(bound.get("InputObject").and_then(|(e, _)| e))
    {
        out.extend(unroll(engine.expr(e)?));
    }
    Ok(out)
}

/// `Select-String -Pattern p` on strings: the lines that match (as text; MatchInfo's other
/// members are not modelled).
pub fn select_string(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let bound = bind(
        c,
        &[
            p("Pattern", false),
            p("SimpleMatch", true),
            p("CaseSensitive", true),
            p("NotMatch", true),
        ],
    )?;
    let pattern_expr = match (bound.get("Pattern"), bound.positional.first()) {
        (Some((Some(e), _)), _) => e,
        (None, Some(e)) => *e,
        _ => {
            return Err(EvalError::new(
                "Select-String needs -Pattern",
                c.span.clone(),
            ));
        }
    };
    let pattern = engine.expr(pattern_expr)?.to_text();
    let simple = bound.has("SimpleMatch");
    let case = bound.has("CaseSensitive");
    let not = bound.has("NotMatch");
    let mut out = Vec::new();
    for item in input {
        let text = item.to_text();
        let hit = if simple {
            if case {
                text.contains(&pattern)
            } else {
                crate::format::fold::contains_ignore_case(&text, &pattern)
            }
        } else {
            let op = BinaryOp::Compare(Compare::Match, case);
            let BinaryOp::Compare(cmp, cs) = op else {
                unreachable!()
            };
            ops::compare(
                cmp,
                cs,
                &Value::str(&text),
                &Value::str(&pattern),
                engine.ops(),
            )
            .map_err(|m| EvalError::new(m, pattern_expr.span.clone()))?
            .truthy()
        };
        if hit != not {
            out.push(Value::str(text));
        }
    }
    Ok(out)
}
