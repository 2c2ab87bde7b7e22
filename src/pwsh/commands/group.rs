//! Group-Object: groups in first-appearance order (Windows PowerShell 5.1; 7.x sorts them),
//! keys compared ignoring case unless `-CaseSensitive` and across types (`"1"` groups with
//! `1`). Each group is a GroupInfo with Count, Name, Group and Values.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::format::fold::fold;
use crate::pwsh::ast::Command;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
use crate::pwsh::value::{Hashtable, PsObject, Value};

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// `Microsoft.PowerShell.Commands.GroupInfo`.
#[derive(Debug)]
pub struct GroupInfo {
    /// The key values joined by ", ".
    pub name: String,
    /// The key values.
    pub values: Vec<Value>,
    /// The items (empty with -NoElement).
    pub group: Vec<Value>,
    /// How many items.
    pub count: usize,
    /// `-NoElement` was given.
    pub no_element: bool,
}

impl PsObject for GroupInfo {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        if self.no_element {
            vec![
                Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfoNoElement"),
                Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfo"),
            ]
        } else {
            vec![Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfo")]
        }
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        if self.no_element {
            vec!["Count".into(), "Name".into()]
        } else {
            vec![
                "Count".into(),
                "Name".into(),
                "Group".into(),
                "Values".into(),
            ]
        }
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "count" => Some(Value::Int(self.count as i32)),
            "name" => Some(Value::str(&self.name)),
            "values" => Some(Value::array(self.values.clone())),
            "group" => Some(Value::array(self.group.clone())),
            _ => None,
        }
    }
}

/// How a key value shows in a group's Name: collections as `{a, b}`, `$null` empty, others
/// by their ToString().
fn key_text(v: &Value, culture: &crate::pwsh::culture::Culture) -> String {
    match v {
        Value::Array(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| i.text_in(culture))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.text_in(culture),
    }
}

/// Group-Object's parameters.
pub const GROUP_PARAMS: [ParamSpec; 6] = [
    p("Property", false),
    p("NoElement", true),
    p("CaseSensitive", true),
    p("AsHashTable", true),
    p("AsString", true),
    p("Culture", false),
];

/// Runs Group-Object.
pub fn group_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let params = GROUP_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &[])?,
        (None, Some(e)) => properties::read(engine, e, &[])?,
        _ => Vec::new(),
    };
    let no_element = switch_on(engine, &bound, "NoElement")?;
    let case = switch_on(engine, &bound, "CaseSensitive")?;
    let as_hashtable = switch_on(engine, &bound, "AsHashTable")?;
    let specs = properties::expand(&specs, input.first())?;
    let culture = engine.ops().culture;
    let mut order: Vec<GroupInfo> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for item in input {
        let values: Vec<Value> = if specs.is_empty() {
            vec![item.clone()]
        } else {
            specs
                .iter()
                .map(|s| properties::value_of(engine, s, &item))
                .collect::<EvalResult<_>>()?
        };
        let name = values
            .iter()
            .map(|v| key_text(v, culture))
            .collect::<Vec<_>>()
            .join(", ");
        let key = if case { name.clone() } else { fold(&name) };
        let at = *index.entry(key).or_insert_with(|| {
            order.push(GroupInfo {
                name,
                values,
                group: Vec::new(),
                count: 0,
                no_element,
            });
            order.len() - 1
        });
        order[at].count += 1;
        if !no_element || as_hashtable {
            order[at].group.push(item);
        }
    }
    if as_hashtable {
        if specs.len() > 1 {
            return Err(EvalError::new(
                "-AsHashTable with several properties is not supported",
                c.span.clone(),
            ));
        }
        let mut table = Hashtable::default();
        for g in order {
            let key = if bound.has("AsString") {
                Value::str(&g.name)
            } else {
                g.values.into_iter().next().unwrap_or(Value::Null)
            };
            table.entries.push((key, Value::array(g.group)));
        }
        return Ok(vec![Value::Hashtable(Rc::new(table))]);
    }
    Ok(order
        .into_iter()
        .map(|g| Value::Object(Rc::new(g)))
        .collect())
}
