//! Format-Table, Format-List and Format-Wide: the property columns are computed here (names,
//! wildcards, calculated properties with `FormatString`), into a [`FormatView`] that the
//! printers render; Out-String renders any output as the console would show it.

use std::any::Any;
use std::borrow::Cow;
use std::rc::Rc;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::enumeration::braced;
use crate::pwsh::ops;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
pub use crate::pwsh::table_layout::{TableLayout, TextTable};
use crate::pwsh::value::{PsObject, Value};

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// Table, list or wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// Format-Table.
    Table,
    /// Format-List.
    List,
    /// Format-Wide.
    Wide,
}

/// What a Format cmdlet produced: columns and, per item, its values.
#[derive(Debug)]
pub struct FormatView {
    /// Table, list or wide.
    pub kind: FormatKind,
    /// Column names.
    pub columns: Vec<String>,
    /// One row of values per item.
    pub rows: Vec<Vec<Value>>,
    /// `-GroupBy`: the group value of each row.
    pub groups: Option<(String, Vec<String>)>,
    /// `-Wrap`.
    pub wrap: bool,
    /// Format-Wide's `-Column` (2 unless given).
    pub across: usize,
}

impl PsObject for FormatView {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(
            "Microsoft.PowerShell.Commands.Internal.Format.FormatStartData",
        )]
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        Vec::new()
    }

    fn property(&self, _name: &str) -> Option<Value> {
        None
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// The format view inside a value, if it is one.
pub fn as_view(v: &Value) -> Option<&FormatView> {
    match v {
        Value::Object(o) => o.as_any().and_then(|a| a.downcast_ref::<FormatView>()),
        _ => None,
    }
}

/// The properties a list or a table shows for an item when none are named.
pub fn default_columns(item: &Value, kind: FormatKind) -> Vec<String> {
    match item {
        Value::Object(o) => match kind {
            FormatKind::Table => o.default_table(),
            FormatKind::List => o.default_list(),
            FormatKind::Wide => None,
        }
        .unwrap_or_else(|| o.property_names().iter().map(|n| n.to_string()).collect()),
        _ => Vec::new(),
    }
}

/// Format-Table/-List/-Wide's parameters.
pub const FORMAT_PARAMS: [ParamSpec; 7] = [
    p("Property", false),
    p("AutoSize", true),
    p("Wrap", true),
    p("GroupBy", false),
    p("HideTableHeaders", true),
    p("Column", false),
    p("Force", true),
];

/// Runs Format-Table / Format-List / Format-Wide.
pub fn format_command(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
    name: &str,
) -> EvalResult<Vec<Value>> {
    let params = FORMAT_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let kind = match name {
        "Format-List" => FormatKind::List,
        "Format-Wide" => FormatKind::Wide,
        _ => FormatKind::Table,
    };
    let mut specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => {
            properties::read(engine, e, &["FormatString", "Width", "Alignment"])?
        }
        (None, Some(e)) => properties::read(engine, e, &["FormatString", "Width", "Alignment"])?,
        _ => Vec::new(),
    };
    // A hashtable's view is a Name/Value row per entry.
    if specs.is_empty()
        && !input.is_empty()
        && input.iter().all(|v| matches!(v, Value::Hashtable(_)))
    {
        let rows: Vec<Vec<Value>> = input
            .iter()
            .filter_map(|v| match v {
                // The view's columns have no alignment: numbers stay left, as text.
                Value::Hashtable(h) => Some(h.entries.iter().map(|(k, v)| {
                    vec![
                        Value::str(cell_text(engine, k)),
                        Value::str(cell_text(engine, v)),
                    ]
                })),
                _ => None,
            })
            .flatten()
            .collect();
        return Ok(vec![Value::Object(Rc::new(FormatView {
            kind: if kind == FormatKind::Wide {
                FormatKind::Wide
            } else {
                FormatKind::Table
            },
            columns: vec!["Name".into(), "Value".into()],
            rows,
            groups: None,
            wrap: false,
            across: 2,
        }))]);
    }
    // Values without properties (strings, numbers) show themselves, under no header.
    let bare = specs.is_empty() && input.iter().all(|v| !matches!(v, Value::Object(_)));
    if specs.is_empty() && !bare {
        specs = default_columns(input.first().unwrap_or(&Value::Null), kind)
            .into_iter()
            .map(|n| PropSpec {
                label: n.as_str().into(),
                source: properties::Source::Name(n),
                pattern: None,
                descending: None,
                format_string: None,
                span: c.span.clone(),
            })
            .collect();
    }
    let specs = properties::expand(&specs, input.first())?;
    let group_spec: Option<PropSpec> = match bound.get("GroupBy") {
        Some((Some(e), _)) => properties::read(engine, e, &[])?.into_iter().next(),
        _ => None,
    };
    let wrap = switch_on(engine, &bound, "Wrap")?;
    let across = match bound.get("Column") {
        Some((Some(e), span)) => {
            let n = engine.expr(e)?;
            match n.as_number().map(|n| n.to_f64()) {
                Some(n) if (1.0..=100.0).contains(&n) => n as usize,
                _ => {
                    return Err(EvalError::new(
                        format!("-Column takes a number from 1 to 100, not {}", n.to_text()),
                        span.clone(),
                    ));
                }
            }
        }
        _ => 2,
    };
    if bare {
        let rows: Vec<Vec<Value>> = input.into_iter().map(|v| vec![v]).collect();
        return Ok(vec![Value::Object(Rc::new(FormatView {
            kind,
            columns: vec![String::new()],
            rows,
            groups: None,
            wrap,
            across,
        }))]);
    }
    let mut rows = Vec::with_capacity(input.len());
    let mut group_values = Vec::new();
    for item in &input {
        if kind != FormatKind::Table && kind != FormatKind::List && kind != FormatKind::Wide {
            unreachable!();
        }
        let mut row = Vec::with_capacity(specs.len());
        for spec in &specs {
            // Strings and numbers have no properties: Format-Table of them shows the value.
            let v = if specs.len() == 1
                && !matches!(item, Value::Object(_))
                && matches!(spec.source, properties::Source::Name(_))
            {
                crate::pwsh::members::member(item, &spec.label, &spec.span).unwrap_or(Value::Null)
            } else {
                properties::value_of(engine, spec, item)?
            };
            let v = match &spec.format_string {
                Some(f) => Value::str(
                    ops::format_value(&v, f, engine.ops().culture)
                        .map_err(|m| EvalError::new(m, spec.span.clone()))?,
                ),
                None => v,
            };
            row.push(v);
        }
        if let Some(g) = &group_spec {
            group_values.push(properties::value_of(engine, g, item)?.to_text());
        }
        rows.push(row);
    }
    Ok(vec![Value::Object(Rc::new(FormatView {
        kind,
        columns: specs.iter().map(|s| s.label.to_string()).collect(),
        rows,
        groups: group_spec.map(|g| (g.label.to_string(), group_values)),
        wrap,
        across,
    }))])
}

/// How a value shows in a table or list cell.
pub fn cell_text(engine: &dyn Scope, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::DateTime(t) => engine.host().display_datetime(t),
        Value::Array(items) => braced(
            items.iter().map(|i| cell_text(engine, i)),
            engine.enumeration_limit(),
        ),
        other => other.text_in(engine.ops_ref().culture),
    }
}

fn is_number(v: &Value) -> bool {
    v.as_number().is_some()
}

/// Renders a format view as text: a table (numbers right-aligned, cells cut at 60
/// characters unless `-Wrap`), a list (`Name : value`), or wide (values side by side).
pub fn render(engine: &dyn Scope, view: &FormatView) -> String {
    let mut out = String::new();
    match view.kind {
        FormatKind::List => {
            let width = view
                .columns
                .iter()
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0);
            if view.columns.iter().all(String::is_empty) {
                for row in &view.rows {
                    out.push_str(
                        &row.first()
                            .map(|v| cell_text(engine, v))
                            .unwrap_or_default(),
                    );
                    out.push('\n');
                }
                return out;
            }
            for row in &view.rows {
                out.push('\n');
                for (name, v) in view.columns.iter().zip(row) {
                    out.push_str(&format!("{name:<width$} : {}\n", cell_text(engine, v)));
                }
            }
            out.push('\n');
        }
        FormatKind::Wide => {
            // Values side by side, `across` to a line, each column as wide as the widest value.
            let texts: Vec<String> = view
                .rows
                .iter()
                .map(|r| r.first().map(|v| cell_text(engine, v)).unwrap_or_default())
                .collect();
            let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
            out.push('\n');
            for line in texts.chunks(view.across.max(1)) {
                let cells: Vec<String> = line.iter().map(|t| format!("{t:<width$}")).collect();
                out.push_str(cells.join("   ").trim_end());
                out.push('\n');
            }
            out.push('\n');
        }
        FormatKind::Table => out = render_table(engine, view, None),
    }
    out
}

/// The layout of `view`'s rows (`cells`: their text).
fn layout_of(view: &FormatView, cells: &[Vec<String>]) -> TableLayout {
    const MAX: usize = 60;
    let numeric = (0..view.columns.len())
        .map(|i| {
            view.rows
                .iter()
                .all(|r| r.get(i).is_none_or(|v| v.is_null() || is_number(v)))
                && !view.rows.is_empty()
        })
        .collect();
    let widths = view
        .columns
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
                .max(h.chars().count())
                .min(if view.wrap { usize::MAX } else { MAX })
        })
        .collect();
    TableLayout {
        columns: view.columns.clone(),
        widths,
        numeric,
    }
}

/// The text of `view`'s cells.
fn cells_of(engine: &dyn Scope, view: &FormatView) -> Vec<Vec<String>> {
    view.rows
        .iter()
        .map(|r| r.iter().map(|v| cell_text(engine, v)).collect())
        .collect()
}

/// A table's text: in its own layout, or in `given` (a layout and whether the header is
/// written: a piece of a table written a piece at a time).
fn render_table(
    engine: &dyn Scope,
    view: &FormatView,
    given: Option<(&TableLayout, bool)>,
) -> String {
    let mut out = String::new();
    let cells = cells_of(engine, view);
    let own;
    let (layout, with_header) = match given {
        Some(given) => given,
        None => {
            own = layout_of(view, &cells);
            (&own, true)
        }
    };
    let (widths, numeric) = (&layout.widths, &layout.numeric);
    let line = |cells: &[String]| -> String {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = clip(c, widths[i]);
                if numeric[i] {
                    format!("{c:>w$}", w = widths[i])
                } else if i == last {
                    c
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end()
            .to_string()
    };
    let mut current_group: Option<&String> = None;
    let header = line(&view.columns);
    let dashes = line(
        &view
            .columns
            .iter()
            .map(|h| "-".repeat(h.chars().count()))
            .collect::<Vec<_>>(),
    );
    // Bare values (strings, numbers) show under no header.
    let headerless = view.columns.iter().all(String::is_empty);
    let mut first = !headerless && with_header;
    for (i, row) in cells.iter().enumerate() {
        if let Some((label, values)) = &view.groups {
            let g = values.get(i);
            if g != current_group {
                current_group = g;
                out.push_str(&format!(
                    "\n   {label}: {}\n\n",
                    g.map_or("", String::as_str)
                ));
                first = !headerless && with_header;
            }
        }
        if first {
            out.push_str(&header);
            out.push('\n');
            out.push_str(&dashes);
            out.push('\n');
            first = false;
        }
        out.push_str(&line(row));
        out.push('\n');
    }
    if view.rows.is_empty() && !headerless && with_header {
        out.push_str(&header);
        out.push('\n');
        out.push_str(&dashes);
        out.push('\n');
    }
    out
}

fn clip(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        clean
    } else {
        let mut s: String = clean.chars().take(width.saturating_sub(3)).collect();
        s.push_str("...");
        s
    }
}

/// The output as the console shows it: strings as lines, format views rendered, other
/// objects in their default table (or list for more than four properties), a table of
/// objects laid out as `table` says (Out-File and `>` take it from the host).
pub fn out_string(
    engine: &mut dyn Scope,
    items: &[Value],
    _width: Option<usize>,
    table: &TextTable,
) -> EvalResult<String> {
    let mut out = String::new();
    let mut pending: Vec<Value> = Vec::new();
    let flush = |engine: &mut dyn Scope,
                 pending: &mut Vec<Value>,
                 out: &mut String|
     -> EvalResult<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let columns = default_columns(&pending[0], FormatKind::Table);
        let kind = if columns.len() > 4 && pending[0].as_array().is_none() {
            FormatKind::List
        } else {
            FormatKind::Table
        };
        let columns = if kind == FormatKind::List {
            default_columns(&pending[0], FormatKind::List)
        } else {
            columns
        };
        let mut rows = Vec::new();
        for item in pending.iter() {
            let mut row = Vec::new();
            for c in &columns {
                row.push(crate::pwsh::members::member(item, c, &(0..0)).unwrap_or(Value::Null));
            }
            rows.push(row);
        }
        let view = FormatView {
            kind,
            columns,
            rows,
            groups: None,
            wrap: false,
            across: 2,
        };
        pending.clear();
        match (table, kind) {
            (TextTable::Measure, FormatKind::Table) => {
                let layout = layout_of(&view, &cells_of(engine, &view));
                engine
                    .host()
                    .measured_table(layout)
                    .map_err(|m| EvalError::new(m, 0..0))?;
            }
            // A list is written as it comes (not measured).
            (TextTable::Measure, _) => {}
            (TextTable::Given { layout, header }, FormatKind::Table) => {
                if layout.columns != view.columns {
                    return Err(EvalError::new(
                        format!(
                            "a piece of the table written has the columns {} where the first had {}",
                            view.columns.join(","),
                            layout.columns.join(",")
                        ),
                        0..0,
                    ));
                }
                out.push_str(&render_table(engine, &view, Some((layout, *header))));
            }
            _ => out.push_str(&render(engine, &view)),
        }
        Ok(())
    };
    for item in items {
        if let Some(view) = as_view(item) {
            flush(engine, &mut pending, &mut out)?;
            out.push_str(&render(engine, view));
        } else if matches!(item, Value::Object(_)) {
            pending.push(item.clone());
        } else {
            flush(engine, &mut pending, &mut out)?;
            out.push_str(&cell_text(engine, item));
            out.push('\n');
        }
    }
    flush(engine, &mut pending, &mut out)?;
    Ok(out)
}

/// Runs Out-String (`-Stream` gives one string per line).
pub fn out_string_command(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let bound = bind(
        c,
        &[
            p("Width", false),
            p("Stream", true),
            p("InputObject", false),
        ],
    )?;
    let text = out_string(engine, &input, None, &TextTable::Own)?;
    if switch_on(engine, &bound, "Stream")? {
        return Ok(text.lines().map(Value::str).collect());
    }
    Ok(vec![Value::str(text)])
}
