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

/// The cut of a `Select-Object -First N` (true) or `-Last N` (false), when it has one.
pub fn first_or_last(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<(bool, usize)>> {
    let bound = bind(c, &SELECT_PARAMS)?;
    Ok(match count_arg(engine, &bound, "First")? {
        Some(n) => Some((true, n)),
        None => count_arg(engine, &bound, "Last")?.map(|n| (false, n)),
    })
}

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
        out = unique_of(engine, out)?;
    }
    Ok(out)
}

/// Select-Object -Unique of `out` (the selected objects, or the items themselves), in order:
/// the first of each set of equal ones, case-sensitive, as [`same`] compares.
///
/// Every item is compared with every kept one in effect, but only where the answer can differ
/// from comparing texts: two objects are the same when each property is `-ceq` or shows the
/// same text, and `-ceq` can hold between different texts only when the kept value converts
/// the other (a number, a date, a boolean…, see [`Tag`]). Objects are found by their texts in
/// a set, and compared one by one only with kept objects whose values could convert theirs.
pub fn unique_of(engine: &mut dyn Scope, out: Vec<Value>) -> EvalResult<Vec<Value>> {
    use std::collections::{HashMap, HashSet};
    let mut kept: Vec<Value> = Vec::new();
    // Objects: their texts, and the kept ones by the kinds of their values.
    let mut object_texts: HashSet<String> = HashSet::new();
    type Kinds = (Vec<String>, Vec<Tag>);
    let mut by_tags: HashMap<Kinds, Vec<usize>> = HashMap::new();
    // Other values: the texts of all kept, and the kept ones.
    let mut texts: HashSet<String> = HashSet::new();
    let mut values: Vec<usize> = Vec::new();
    // Kept values by what decides `-ceq` with them (see [`exact_value`]): texts (a text is
    // `-ceq` to a value of exactly its text); the non-text ones of one kind by value, the
    // rest one by one.
    let mut value_texts: HashSet<String> = HashSet::new();
    let mut exact: HashSet<(Kind, String)> = HashSet::new();
    let mut of_kind: HashMap<Kind, Vec<usize>> = HashMap::new();
    let mut others: Vec<usize> = Vec::new();
    let any_same = |engine: &mut dyn Scope, at: &[usize], kept: &[Value], item: &Value| {
        for i in at {
            if same(engine, &kept[*i], item)? {
                return Ok::<bool, EvalError>(true);
            }
        }
        Ok(false)
    };
    // Whether a kept non-text value is `same` as `item`.
    let any_non_text = |engine: &mut dyn Scope,
                        of_kind: &HashMap<Kind, Vec<usize>>,
                        others: &[usize],
                        kept: &[Value],
                        item: &Value| {
        if any_same(engine, others, kept, item)? {
            return Ok::<bool, EvalError>(true);
        }
        for at in of_kind.values() {
            if any_same(engine, at, kept, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    };
    for item in out {
        let (key, plain) = unique_key(&item);
        if let Value::Object(o) = &item {
            if object_texts.contains(&key) {
                continue;
            }
            let names: Vec<String> = o.property_names().iter().map(|n| n.to_string()).collect();
            let props: Vec<Value> = names
                .iter()
                .map(|n| o.property(n).unwrap_or(Value::Null))
                .collect();
            let mut duplicate = false;
            for ((kept_names, tags), at) in &by_tags {
                let decide = *kept_names == names && texts_decide(tags, &props);
                if !decide && any_same(engine, at, &kept, &item)? {
                    duplicate = true;
                    break;
                }
            }
            // (A value kept before compares with an object by the object's text; as for
            // values, a text-only object is compared only with the non-text ones.)
            if !duplicate {
                duplicate = match plain {
                    true => any_non_text(engine, &of_kind, &others, &kept, &item)?,
                    false => any_same(engine, &values, &kept, &item)?,
                };
            }
            if !duplicate {
                by_tags
                    .entry((names, props.iter().map(Tag::of).collect()))
                    .or_default()
                    .push(kept.len());
                object_texts.insert(key);
                kept.push(item);
            }
            continue;
        }
        // A value never equals a kept object: it is compared with the kept values.
        let own = if plain { None } else { exact_value(&item) };
        let duplicate = if plain {
            texts.contains(&key) || any_non_text(engine, &of_kind, &others, &kept, &item)?
        } else {
            // `-ceq` with a kept text holds for exactly its text, with a kept value of the
            // same kind for the same value; other kept values are tried one by one ($null
            // is `-ceq` only to $null).
            let mut found = own.as_ref().is_some_and(|o| exact.contains(o))
                || value_texts.contains(&item.to_text())
                || any_same(engine, &others, &kept, &item)?;
            for (kind, at) in &of_kind {
                if found {
                    break;
                }
                if own.as_ref().is_none_or(|(k, _)| k != kind) {
                    found = any_same(engine, at, &kept, &item)?;
                }
            }
            found
        };
        if !duplicate {
            if !plain {
                match own {
                    Some(own) => {
                        of_kind.entry(own.0).or_default().push(kept.len());
                        exact.insert(own);
                    }
                    None => others.push(kept.len()),
                }
            } else if let Value::Str(text) = &item {
                value_texts.insert(text.to_string());
            }
            values.push(kept.len());
            texts.insert(key);
            kept.push(item);
        }
    }
    Ok(kept)
}

/// A value's kind and a key equal for two values of that kind exactly when they are `-ceq`
/// (numbers by value, 0 and -0 alike; dates and time spans by ticks); `None` for a value
/// compared otherwise (NaN is `-ceq` to nothing of its kind, and values of other types).
fn exact_value(v: &Value) -> Option<(Kind, String)> {
    Some(match v {
        Value::Int(i) => (Kind::Int, i.to_string()),
        Value::Long(i) => (Kind::Long, i.to_string()),
        Value::Double(d) if d.is_nan() => return None,
        Value::Double(d) if *d == 0.0 => (Kind::Double, "0".into()),
        Value::Double(d) => (Kind::Double, format!("{d:?}")),
        Value::Bool(b) => (Kind::Bool, b.to_string()),
        Value::DateTime(t) => (Kind::DateTime, t.ticks().to_string()),
        Value::TimeSpan(t) => (Kind::TimeSpan, format!("{t:?}")),
        _ => return None,
    })
}

/// What a kept object's property value can be `-ceq` to, for [`unique_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tag {
    /// Only a value of the same text: `$null`, text, a character, a collection, an object
    /// (PowerShell compares them as text, or by identity).
    ByText,
    /// A value of this same kind exactly when of the same text; another kind by converting
    /// it (`1 -ceq '01'`, `$true -ceq 'x'`).
    Kind(Kind),
    /// Other values by converting (a decimal `1.0 -ceq 1.00`, an enum's name or number).
    Converting,
}

/// The kinds whose equal values show the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Int,
    Long,
    Double,
    Bool,
    DateTime,
    TimeSpan,
}

impl Tag {
    fn of(v: &Value) -> Tag {
        match v {
            Value::Int(_) => Tag::Kind(Kind::Int),
            Value::Long(_) => Tag::Kind(Kind::Long),
            Value::Double(_) => Tag::Kind(Kind::Double),
            Value::Bool(_) => Tag::Kind(Kind::Bool),
            Value::DateTime(_) => Tag::Kind(Kind::DateTime),
            Value::TimeSpan(_) => Tag::Kind(Kind::TimeSpan),
            Value::Decimal(_) | Value::Enum(_) => Tag::Converting,
            Value::Null
            | Value::Str(_)
            | Value::Char(_)
            | Value::Array(_)
            | Value::Hashtable(_)
            | Value::ScriptBlock(_)
            | Value::Object(_) => Tag::ByText,
        }
    }
}

/// True when a kept object whose values have the kinds `tags` is [`same`] as an object of
/// the values `props` (of the same property names) only if every text is the same: no kept
/// value can convert the other.
fn texts_decide(tags: &[Tag], props: &[Value]) -> bool {
    tags.len() == props.len()
        && tags.iter().zip(props).all(|(t, v)| match t {
            Tag::ByText => true,
            // `$null` equals only `$null`.
            _ if v.is_null() => true,
            Tag::Kind(k) => Tag::of(v) == Tag::Kind(*k),
            Tag::Converting => false,
        })
}

/// The new object Select-Object makes of `item` with the properties `specs` (less those
/// `exclude` matches).
fn selected(
    engine: &mut dyn Scope,
    specs: &[PropSpec],
    exclude: &[regex::Regex],
    item: Value,
) -> EvalResult<Value> {
    // (Wildcards name the item's own properties; plain specs are used as they are.)
    let expanded;
    let specs = if specs.iter().any(|s| s.pattern.is_some()) {
        expanded = properties::expand(specs, Some(&item))?;
        expanded.as_slice()
    } else {
        specs
    };
    made_of(specs, exclude, item, |spec, item| {
        properties::value_of(engine, spec, item)
    })
}

/// What Select-Object makes of `item` with the properties `specs`, each a plain name (no
/// wildcard, no script block): as [`selected`] makes it, without an engine (objects written
/// out and made again as they are printed, `commands::group_spill`).
pub(crate) fn selected_by_names(specs: &[PropSpec], item: Value) -> EvalResult<Value> {
    made_of(specs, &[], item, |spec, item| match &spec.source {
        Source::Name(n) if spec.pattern.is_none() => {
            crate::pwsh::members::member(item, n, &spec.span)
        }
        _ => Err(EvalError::new(
            "only properties named plainly are selected here",
            spec.span.clone(),
        )),
    })
}

/// The object of the properties `specs` (expanded) of `item`, less those `exclude` matches,
/// an object's properties read by `value`.
fn made_of(
    specs: &[PropSpec],
    exclude: &[regex::Regex],
    item: Value,
    mut value: impl FnMut(&PropSpec, &Value) -> EvalResult<Value>,
) -> EvalResult<Value> {
    let mut props: Vec<(Rc<str>, Value)> = Vec::with_capacity(specs.len());
    let mut collections: Vec<(Rc<str>, &'static str)> = Vec::new();
    for spec in specs {
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
            _ => value(spec, &item)?,
        };
        // A property copied by name keeps the collection type its object gives it.
        if let (Source::Name(name), Value::Object(o)) = (&spec.source, &item)
            && let Some(t) = o.collection_type(name)
        {
            collections.push((spec.label.clone(), t));
        }
        props.push((spec.label.clone(), v));
    }
    Ok(Value::Object(Rc::new(CustomObject {
        type_names: selected_type_names(&item.type_name()),
        properties: props,
        collections,
    })))
}

/// The type names of what Select-Object makes of an item of type `base`:
/// `Selected.<base>`, then PSCustomObject; the texts made once a thread for the last type met
/// (an object a row, every row of one type).
fn selected_type_names(base: &str) -> Rc<[Rc<str>]> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<Rc<[Rc<str>]>>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some(names) if names[0].strip_prefix("Selected.") == Some(base) => names.clone(),
            _ => {
                let names: Rc<[Rc<str>]> = Rc::from([
                    Rc::from(format!("Selected.{base}")),
                    Rc::from("System.Management.Automation.PSCustomObject"),
                ]);
                *last = Some(names.clone());
                names
            }
        }
    })
}

/// `Select-Object <properties> -Unique` taking its items one at a time, in any order: each
/// item's selected object. Tracking which came before ([`UniqueSelect::tracking`]) needs plain
/// names of text properties (the host hands over one of equal rows, and equal texts are the
/// same); without it any properties do, and the objects kept by their [`exact_key`] go through
/// [`unique_of`] in input order at the end.
pub struct UniqueSelect {
    specs: Vec<PropSpec>,
    seen: Option<std::collections::HashSet<String>>,
}

impl UniqueSelect {
    /// The properties read, when every one is a plain name (no wildcard, no calculated
    /// property); `None` for `-Unique` of the items themselves.
    pub fn plain_names(&self) -> Option<Vec<String>> {
        properties::plain_names(&self.specs)
    }

    /// True for `-Unique` alone: of the items themselves.
    pub fn of_items(&self) -> bool {
        self.specs.is_empty()
    }

    /// The same selection, telling for each object whether an equal one came before; only
    /// for plain names, whose values the host must give as text.
    pub fn tracking(mut self) -> UniqueSelect {
        self.seen = Some(std::collections::HashSet::new());
        self
    }

    /// True when it tells which objects came before ([`UniqueSelect::tracking`]).
    pub fn tracks(&self) -> bool {
        self.seen.is_some()
    }

    /// The selected object of `item`, and (when tracking) true when an equal one was already
    /// selected.
    pub fn select(&mut self, engine: &mut dyn Scope, item: Value) -> EvalResult<(Value, bool)> {
        let object = match self.specs.is_empty() {
            true => item,
            false => selected(engine, &self.specs, &[], item)?,
        };
        let Some(seen) = &mut self.seen else {
            return Ok((object, false));
        };
        let (key, plain) = unique_key(&object);
        if !plain {
            return Err(EvalError::new(
                "Select-Object -Unique met a value that is not text while streaming (please report this)",
                self.specs.first().map(|s| s.span.clone()).unwrap_or(0..0),
            ));
        }
        let repeated = !seen.insert(key);
        Ok((object, repeated))
    }
}

/// A key equal for two values only when they are the same value (type and every bit that
/// PowerShell could compare), so that of such values only the first can matter to
/// [`unique_of`]; `None` for values never taken as the same (objects other than a selection,
/// hashtables, script blocks).
pub fn exact_key(item: &Value) -> Option<String> {
    fn push(v: &Value, key: &mut String, top: bool) -> Option<()> {
        use std::fmt::Write;
        match v {
            Value::Object(o) if top => {
                for n in o.property_names() {
                    let _ = write!(key, "{n:?}\u{1}");
                    push(&o.property(&n).unwrap_or(Value::Null), key, false)?;
                    key.push('\u{2}');
                }
            }
            Value::Array(items) => {
                key.push('[');
                for i in items.iter() {
                    push(i, key, false)?;
                    key.push('\u{3}');
                }
                key.push(']');
            }
            Value::Object(_) | Value::Hashtable(_) | Value::ScriptBlock(_) => return None,
            scalar => {
                let _ = write!(key, "{scalar:?}");
            }
        }
        Some(())
    }
    let mut key = String::new();
    push(item, &mut key, true)?;
    Some(key)
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

/// The properties of a Select-Object `c` that makes one object of each item from properties
/// named plainly (no wildcard, no script block, no `-Unique`); `None` for any other.
pub fn plain_specs(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<Vec<PropSpec>>> {
    Ok(match per_item_specs(engine, c)? {
        Some((specs, false))
            if specs
                .iter()
                .all(|s| s.pattern.is_none() && matches!(s.source, Source::Name(_))) =>
        {
            Some(specs)
        }
        _ => None,
    })
}

/// `c` as an [`ItemSelect`]; `None` for a Select-Object that does more (or less) than make
/// one object of each item.
pub fn item_select(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<ItemSelect>> {
    Ok(match per_item_specs(engine, c)? {
        Some((specs, false)) => Some(ItemSelect { specs }),
        _ => None,
    })
}

/// A `Select-Object -Unique` of properties that can take its items one at a time (nothing but
/// `-Property` and `-Unique`). `None` for any other Select-Object.
pub fn streaming_unique(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<UniqueSelect>> {
    if let Some((specs, unique)) = per_item_specs(engine, c)? {
        return Ok(unique.then_some(UniqueSelect { specs, seen: None }));
    }
    // `-Unique` alone: of the items themselves.
    let params = SELECT_PARAMS;
    let bound = bind(c, &params)?;
    let alone = bound.positional.is_empty()
        && SELECT_PARAMS
            .iter()
            .all(|p| p.name == "Unique" || !bound.has(p.name));
    Ok(
        (alone && switch_on(engine, &bound, "Unique")?).then_some(UniqueSelect {
            specs: Vec::new(),
            seen: None,
        }),
    )
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
        label: name.into(),
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

pub(super) fn same(engine: &mut dyn Scope, a: &Value, b: &Value) -> EvalResult<bool> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_objects_are_typed_by_their_own_item_s_type_whatever_came_before() {
        let names = |base: &str| -> Vec<String> {
            selected_type_names(base)
                .iter()
                .map(|t| t.to_string())
                .collect()
        };
        for base in [
            "System.Int32",
            "System.String",
            "System.Int32",
            "System.Int32",
        ] {
            assert_eq!(
                names(base),
                [
                    format!("Selected.{base}"),
                    "System.Management.Automation.PSCustomObject".to_string()
                ]
            );
        }
    }
}
