//! Property arguments of Select-Object, Sort-Object, Group-Object, Measure-Object and the
//! Format cmdlets: names (with wildcards), script blocks (named by their text), and
//! calculated properties `@{Name/N/Label/L=…; Expression/E=…}` (any unambiguous key prefix),
//! plus Sort-Object's `Descending`/`Ascending` and Format-Table's `FormatString`/`Width`.

use std::rc::Rc;

use crate::pwsh::ast::{Expr, ExprKind, Span};
use crate::pwsh::members;
use crate::pwsh::runtime::{EvalError, EvalResult, Scope, collapse};
use crate::pwsh::value::{ScriptBlock, Value};
use crate::pwsh::wildcard::wildcard_regex;

/// What a property argument computes.
#[derive(Debug, Clone)]
pub enum Source {
    /// A property by name (no wildcards left).
    Name(String),
    /// A script block run with `$_`.
    Script(Rc<ScriptBlock>),
}

/// The property name `block` reads when it is only `$_.<Name>` (or `$PSItem.<Name>`), with no
/// wildcard: of a group it gives what the property by name gives (`Sort-Object {$_.Count}`
/// sorts groups as `Sort-Object Count`).
pub fn member_of_item(block: &ScriptBlock) -> Option<&str> {
    use crate::pwsh::ast::{Element, Expr, ExprKind, Statement};
    let [Statement::Pipeline(p)] = block.body.statements.as_slice() else {
        return None;
    };
    let [
        Element::Expr(Expr {
            kind:
                ExprKind::Member {
                    target,
                    name,
                    is_static: false,
                },
            ..
        }),
    ] = p.elements.as_slice()
    else {
        return None;
    };
    let ExprKind::Variable(v) = &target.kind else {
        return None;
    };
    let item = v == "_" || v.eq_ignore_ascii_case("PSItem");
    (item && p.redirect.is_none() && !name.contains(['*', '?', '['])).then_some(name.as_str())
}

/// One property argument.
#[derive(Debug, Clone)]
pub struct PropSpec {
    /// The column's name (shared by every object a Select-Object makes).
    pub label: Rc<str>,
    /// How its value is computed.
    pub source: Source,
    /// A wildcard pattern to expand against the objects' property names.
    pub pattern: Option<String>,
    /// Sort-Object's per-key direction.
    pub descending: Option<bool>,
    /// Format-Table's `FormatString`.
    pub format_string: Option<String>,
    /// Where it was typed.
    pub span: Span,
}

fn hashtable_key(key: &str, allowed: &[&'static str], span: &Span) -> EvalResult<&'static str> {
    let lower = key.to_ascii_lowercase();
    let hits: Vec<&&str> = allowed
        .iter()
        .filter(|a| a.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        _ if allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) => Ok(allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(key))
            .copied()
            .unwrap_or("")),
        [] => Err(EvalError::new(
            format!(
                "'{key}' is not a key of a calculated property here ({})",
                allowed.join(", ")
            ),
            span.clone(),
        )),
        _ => Err(EvalError::new(
            format!("the key '{key}' is ambiguous"),
            span.clone(),
        )),
    }
}

/// Reads property arguments (a list of names, blocks and hashtables). `keys` are the
/// hashtable keys the command accepts besides Name/Label and Expression.
pub fn read(
    engine: &mut dyn Scope,
    expr: &Expr,
    keys: &[&'static str],
) -> EvalResult<Vec<PropSpec>> {
    let items: Vec<&Expr> = match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    };
    let mut out = Vec::new();
    for item in items {
        let span = item.span.clone();
        match &item.kind {
            ExprKind::ScriptBlock(b) => out.push(PropSpec {
                label: b.text.as_str().into(),
                source: Source::Script(b.clone()),
                pattern: None,
                descending: None,
                format_string: None,
                span,
            }),
            ExprKind::Hashtable(_) => {
                let Value::Hashtable(h) = engine.expr(item)? else {
                    continue;
                };
                let mut allowed = vec!["Name", "Label", "Expression"];
                allowed.extend_from_slice(keys);
                let mut spec = PropSpec {
                    label: "".into(),
                    source: Source::Name(String::new()),
                    pattern: None,
                    descending: None,
                    format_string: None,
                    span: span.clone(),
                };
                let mut has_expression = false;
                for (k, v) in &h.entries {
                    match hashtable_key(&k.to_text(), &allowed, &span)? {
                        "Name" | "Label" => spec.label = v.to_text().into(),
                        "Expression" => {
                            has_expression = true;
                            spec.source = match v {
                                Value::ScriptBlock(b) => Source::Script(b.clone()),
                                other => Source::Name(other.to_text()),
                            };
                        }
                        "Descending" => spec.descending = Some(v.truthy()),
                        "Ascending" => spec.descending = Some(!v.truthy()),
                        "FormatString" => spec.format_string = Some(v.to_text()),
                        "Width" | "Alignment" => {}
                        _ => {}
                    }
                }
                if !has_expression {
                    return Err(EvalError::new(
                        "a calculated property needs an Expression (e={…})",
                        span,
                    ));
                }
                if spec.label.is_empty() {
                    spec.label = match &spec.source {
                        Source::Name(n) => n.as_str().into(),
                        Source::Script(b) => b.text.as_str().into(),
                    };
                }
                out.push(spec);
            }
            _ => {
                let v = engine.expr(item)?;
                for name in crate::pwsh::runtime::unroll(v) {
                    let text = name.to_text();
                    let wild = text.contains(['*', '?', '[']);
                    out.push(PropSpec {
                        label: text.as_str().into(),
                        source: Source::Name(text.clone()),
                        pattern: wild.then_some(text),
                        descending: None,
                        format_string: None,
                        span: span.clone(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// How many wildcard names' regexes a thread keeps (then it starts again).
const KEPT_PATTERNS: usize = 64;

thread_local! {
    /// Wildcard names compiled so far. Shared, not cloned: a `Select-Object *` expands its
    /// wildcard against every item's names, and a regex compiled (or cloned: a clone starts
    /// with no search cache) per item made `Select-Object *` of every event several times
    /// slower.
    static NAME_PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Rc<regex::Regex>>> =
        std::cell::RefCell::default();
}

/// The regex of the wildcard property name `p` (ignoring case), compiled once a thread.
fn name_pattern(p: &str) -> Result<Rc<regex::Regex>, regex::Error> {
    if let Some(re) = NAME_PATTERNS.with(|c| c.borrow().get(p).cloned()) {
        return Ok(re);
    }
    let re = Rc::new(wildcard_regex(p, false)?);
    NAME_PATTERNS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEPT_PATTERNS {
            c.clear();
        }
        c.insert(p.to_string(), Rc::clone(&re));
    });
    Ok(re)
}

/// Replaces wildcard names by the matching property names of `sample` (in the object's
/// order); a pattern that matches nothing is dropped, as PowerShell does.
pub fn expand(specs: &[PropSpec], sample: Option<&Value>) -> EvalResult<Vec<PropSpec>> {
    if specs.iter().all(|s| s.pattern.is_none()) {
        return Ok(specs.to_vec());
    }
    let names: Vec<String> = match sample {
        Some(Value::Object(o)) => o.property_names().iter().map(|n| n.to_string()).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for spec in specs {
        match &spec.pattern {
            Some(p) => {
                let re = name_pattern(p).map_err(|e| {
                    EvalError::new(format!("bad wildcard '{p}': {e}"), spec.span.clone())
                })?;
                for n in names.iter().filter(|n| re.is_match(n)) {
                    if !out
                        .iter()
                        .any(|s: &PropSpec| s.label.eq_ignore_ascii_case(n))
                    {
                        out.push(PropSpec {
                            label: n.as_str().into(),
                            source: Source::Name(n.clone()),
                            pattern: None,
                            descending: spec.descending,
                            format_string: spec.format_string.clone(),
                            span: spec.span.clone(),
                        });
                    }
                }
            }
            None => out.push(spec.clone()),
        }
    }
    Ok(out)
}

/// The properties `specs` read, when each is a plain name (no wildcard, no script block):
/// items equal in those properties are alike to the command. `None` for none (the items
/// themselves decide) or for any other spec.
pub fn plain_names(specs: &[PropSpec]) -> Option<Vec<String>> {
    if specs.is_empty() {
        return None;
    }
    specs
        .iter()
        .map(|s| match (&s.source, &s.pattern) {
            (Source::Name(n), None) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// The value of a property for one item. A name the item does not have is an error (with
/// the closest name), where PowerShell would give `$null` without a word.
pub fn value_of(engine: &mut dyn Scope, spec: &PropSpec, item: &Value) -> EvalResult<Value> {
    match &spec.source {
        Source::Name(n) => members::member(item, n, &spec.span),
        Source::Script(b) => {
            let out = engine.invoke(&b.body, item.clone())?;
            Ok(collapse(out))
        }
    }
}
