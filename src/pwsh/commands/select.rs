//! Select-Object: properties (names, wildcards, calculated), `-ExpandProperty`,
//! `-ExcludeProperty`, `-First`, `-Last`, `-Skip`, `-Unique`. The output objects are new
//! property bags typed `Selected.<type>`.

use std::rc::Rc;

use super::properties::{self, PropSpec, Source};
use super::{count_arg, switch_on};
use crate::pwsh::ast::Command;
use crate::pwsh::ops;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind, unroll};
use crate::pwsh::value::{CustomObject, Value};

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// Select-Object's parameters.
pub const SELECT_PARAMS: [ParamSpec; 8] = [
    p("Property", false),
    p("ExcludeProperty", false),
    p("ExpandProperty", false),
    p("First", false),
    p("Last", false),
    p("Skip", false),
    p("Unique", true),
    p("Index", false),
];

/// Runs Select-Object.
pub fn select_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let params = SELECT_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &[])?,
        (None, Some(e)) => properties::read(engine, e, &[])?,
        _ => Vec::new(),
    };
    let exclude: Vec<String> = match bound.get("ExcludeProperty") {
        Some((Some(e), _)) => unroll(engine.expr(e)?).iter().map(Value::to_text).collect(),
        _ => Vec::new(),
    };
    if !exclude.is_empty() && specs.is_empty() {
        return Err(EvalError::new(
            "-ExcludeProperty needs -Property in Windows PowerShell 5.1 (Select-Object -Property * -ExcludeProperty …)",
            c.span.clone(),
        ));
    }
    let expand = match bound.get("ExpandProperty") {
        Some((Some(e), _)) => Some(engine.expr(e)?.to_text()),
        _ => None,
    };
    let (first, last, skip) = (
        count_arg(engine, &bound, "First")?,
        count_arg(engine, &bound, "Last")?,
        count_arg(engine, &bound, "Skip")?.unwrap_or(0),
    );
    let unique = switch_on(engine, &bound, "Unique")?;
    if bound.has("Index") {
        return Err(EvalError::new(
            "Select-Object -Index is not supported",
            c.span.clone(),
        ));
    }
    // The items: skipped, then the first or last n.
    let mut items: Vec<Value> = input.into_iter().skip(skip).collect();
    if let Some(n) = first {
        items.truncate(n);
    }
    if let Some(n) = last {
        let drop = items.len().saturating_sub(n);
        items.drain(..drop);
    }
    let exclude_re: Vec<regex::Regex> = exclude
        .iter()
        .map(|x| {
            crate::pwsh::wildcard::wildcard_regex(x, false)
                .map_err(|e| EvalError::new(e.to_string(), c.span.clone()))
        })
        .collect::<EvalResult<_>>()?;
    let mut out = Vec::new();
    for item in items {
        let selected = if specs.is_empty() {
            item
        } else {
            selected(engine, &specs, &exclude_re, item)?
        };
        match &expand {
            Some(name) => out.extend(expanded(engine, name, &c.span, &selected)?),
            None => out.push(selected),
        }
    }
    if unique {
        // Case-sensitive, over every selected property (or the values themselves). Items whose
        // values are all text are found by their texts in a set (two such items are the same
        // exactly when every text is); an item holding a number, date or other value is
        // compared with every kept one, as PowerShell converts across types.
        let mut kept: Vec<Value> = Vec::new();
        let mut texts: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut converting: Vec<usize> = Vec::new();
        for item in out {
            let (key, plain) = unique_key(&item);
            let duplicate = if plain {
                if texts.contains(&key) {
                    true
                } else {
                    let mut found = false;
                    for i in &converting {
                        if same(engine, &kept[*i], &item)? {
                            found = true;
                            break;
                        }
                    }
                    found
                }
            } else {
                let mut found = false;
                for k in &kept {
                    if same(engine, k, &item)? {
                        found = true;
                        break;
                    }
                }
                found
            };
            if !duplicate {
                if !plain {
                    converting.push(kept.len());
                }
                texts.insert(key);
                kept.push(item);
            }
        }
        out = kept;
    }
    Ok(out)
}

/// The new object Select-Object makes of `item` with the properties `specs` (less those
/// `exclude` matches).
fn selected(
    engine: &mut dyn Scope,
    specs: &[PropSpec],
    exclude: &[regex::Regex],
    item: Value,
) -> EvalResult<Value> {
    let specs = properties::expand(specs, Some(&item))?;
    let mut props: Vec<(String, Value)> = Vec::new();
    let mut collections: Vec<(String, &'static str)> = Vec::new();
    for spec in &specs {
        if exclude.iter().any(|re| re.is_match(&spec.label)) {
            continue;
        }
        if props
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&spec.label))
        {
            return Err(EvalError::new(
                format!("the property {} is selected twice", spec.label),
                spec.span.clone(),
            ));
        }
        let v = match &spec.source {
            Source::Name(_)
                if !matches!(item, Value::Object(_)) && !matches!(item, Value::Hashtable(_)) =>
            {
                crate::pwsh::members::member(&item, &spec.label, &spec.span).unwrap_or(Value::Null)
            }
            _ => properties::value_of(engine, spec, &item)?,
        };
        // A property copied by name keeps the collection type its object gives it.
        if let (Source::Name(name), Value::Object(o)) = (&spec.source, &item)
            && let Some(t) = o.collection_type(name)
        {
            collections.push((spec.label.clone(), t));
        }
        props.push((spec.label.clone(), v));
    }
    let base = item.type_name();
    Ok(Value::Object(Rc::new(CustomObject {
        type_names: vec![
            format!("Selected.{base}"),
            "System.Management.Automation.PSCustomObject".into(),
        ],
        properties: props,
        collections,
    })))
}

/// `Select-Object <names> -Unique` taking its items one at a time, in any order: each item's
/// selected object, and whether an equal one came before. Only for plain property names
/// whose values are text (the host checks that): two such objects are equal exactly when
/// their texts are, whichever came first.
pub struct UniqueSelect {
    specs: Vec<PropSpec>,
    seen: std::collections::HashSet<String>,
}

impl UniqueSelect {
    /// The property names selected.
    pub fn names(&self) -> Vec<String> {
        self.specs.iter().map(|s| s.label.clone()).collect()
    }

    /// The selected object of `item`, and true when an equal one was already selected.
    pub fn select(&mut self, engine: &mut dyn Scope, item: Value) -> EvalResult<(Value, bool)> {
        let object = selected(engine, &self.specs, &[], item)?;
        let (key, plain) = unique_key(&object);
        if !plain {
            return Err(EvalError::new(
                "Select-Object -Unique met a value that is not text while streaming (please report this)",
                self.specs.first().map(|s| s.span.clone()).unwrap_or(0..0),
            ));
        }
        let seen = !self.seen.insert(key);
        Ok((object, seen))
    }
}

/// A `Select-Object` that makes one object of each item on its own: properties (`-Property`
/// or one positional list) and nothing else.
pub struct ItemSelect {
    specs: Vec<PropSpec>,
}

impl ItemSelect {
    /// The object selected of `item`.
    pub fn select(&self, engine: &mut dyn Scope, item: Value) -> EvalResult<Value> {
        selected(engine, &self.specs, &[], item)
    }
}

/// `c`'s properties and whether it is `-Unique`, when it selects properties of each item and
/// does nothing else (no `-First`, `-Last`, `-Skip`, `-Index`, `-ExpandProperty`,
/// `-ExcludeProperty`); `None` otherwise.
fn per_item_specs(
    engine: &mut dyn Scope,
    c: &Command,
) -> EvalResult<Option<(Vec<PropSpec>, bool)>> {
    let params = SELECT_PARAMS;
    let bound = bind(c, &params)?;
    if bound.positional.len() > 1
        || [
            "ExcludeProperty",
            "ExpandProperty",
            "First",
            "Last",
            "Skip",
            "Index",
        ]
        .iter()
        .any(|n| bound.has(n))
    {
        return Ok(None);
    }
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &[])?,
        (None, Some(e)) => properties::read(engine, e, &[])?,
        _ => return Ok(None),
    };
    let unique = switch_on(engine, &bound, "Unique")?;
    Ok((!specs.is_empty()).then_some((specs, unique)))
}

/// `c` as an [`ItemSelect`]; `None` for a Select-Object that does more (or less) than make
/// one object of each item.
pub fn item_select(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<ItemSelect>> {
    Ok(match per_item_specs(engine, c)? {
        Some((specs, false)) => Some(ItemSelect { specs }),
        _ => None,
    })
}

/// A `Select-Object` that can take its items one at a time: `-Unique` with plain property
/// names and nothing else. `None` for any other Select-Object.
pub fn streaming_unique(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<UniqueSelect>> {
    let Some((specs, true)) = per_item_specs(engine, c)? else {
        return Ok(None);
    };
    if specs
        .iter()
        .any(|s| s.pattern.is_some() || !matches!(s.source, Source::Name(_)))
    {
        return Ok(None);
    }
    Ok(Some(UniqueSelect {
        specs,
        seen: std::collections::HashSet::new(),
    }))
}

/// `-ExpandProperty <name>` of `item`: its property's value, a collection's elements one by
/// one; nothing for `$null`.
fn expanded(
    engine: &mut dyn Scope,
    name: &str,
    span: &crate::pwsh::ast::Span,
    item: &Value,
) -> EvalResult<Vec<Value>> {
    let spec = PropSpec {
        label: name.to_string(),
        source: Source::Name(name.to_string()),
        pattern: None,
        descending: None,
        format_string: None,
        span: span.clone(),
    };
    // (An object's property is read once: an event's decodes its cell.)
    let own = match item {
        Value::Object(o) => o.property(name),
        _ => None,
    };
    let v = match own {
        Some(v) => v,
        None => properties::value_of(engine, &spec, item)?,
    };
    Ok(if v.is_null() { Vec::new() } else { unroll(v) })
}

/// `Select-Object -ExpandProperty <name>` and nothing else: what each item gives, alone.
pub struct ExpandSelect {
    name: String,
    span: crate::pwsh::ast::Span,
}

impl ExpandSelect {
    /// Where the Select-Object is in the line.
    pub fn span(&self) -> &crate::pwsh::ast::Span {
        &self.span
    }

    /// The values `item` gives (a collection's elements one by one).
    pub fn expand(&self, engine: &mut dyn Scope, item: &Value) -> EvalResult<Vec<Value>> {
        expanded(engine, &self.name, &self.span, item)
    }
}

/// `c` as an [`ExpandSelect`] when it is `-ExpandProperty <name>` with no other parameter.
pub fn streaming_expand(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<ExpandSelect>> {
    let params = SELECT_PARAMS;
    let bound = bind(c, &params)?;
    let others = [
        "Property",
        "ExcludeProperty",
        "First",
        "Last",
        "Skip",
        "Index",
        "Unique",
    ];
    if !bound.positional.is_empty() || others.iter().any(|n| bound.has(n)) {
        return Ok(None);
    }
    Ok(match bound.get("ExpandProperty") {
        Some((Some(e), _)) => Some(ExpandSelect {
            name: engine.expr(e)?.to_text(),
            span: c.span.clone(),
        }),
        _ => None,
    })
}

/// An item's texts as one key (property names and values), and whether every value is text
/// or null (compared by its text alone).
pub fn unique_key(item: &Value) -> (String, bool) {
    let plain = |v: &Value| matches!(v, Value::Str(_) | Value::Null);
    match item {
        Value::Object(o) => {
            let mut key = String::new();
            let mut all_plain = true;
            for n in o.property_names() {
                let v = o.property(&n).unwrap_or(Value::Null);
                all_plain &= plain(&v);
                key.push_str(&n);
                key.push('\u{1}');
                key.push_str(&v.to_text());
                key.push('\u{2}');
            }
            (key, all_plain)
        }
        other => (other.to_text(), plain(other)),
    }
}

fn same(engine: &mut dyn Scope, a: &Value, b: &Value) -> EvalResult<bool> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let names = x.property_names();
            if names.len() != y.property_names().len() {
                return Ok(false);
            }
            for n in names {
                let (va, vb) = (
                    x.property(&n).unwrap_or(Value::Null),
                    y.property(&n).unwrap_or(Value::Null),
                );
                if !ops::equals(&va, &vb, true, engine.ops_ref()).unwrap_or(false)
                    && va.to_text() != vb.to_text()
                {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        _ => Ok(ops::equals(a, b, true, engine.ops_ref()).unwrap_or(false)),
    }
}
