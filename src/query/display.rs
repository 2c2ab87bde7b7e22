//! A frame's values as PowerShell shows them, shared by the printers and by Group-Object
//! (which names its groups by the same text): a [`Cell`] per value, times in the query's zone.

use chrono::DateTime;
use polars::prelude::*;
use serde_json::{Value as Json, json};

use crate::format::Zone;
use crate::format::{Field, FieldKind};
use crate::frame::access;

/// One value of one row.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    /// A duration in milliseconds (MessageLatency).
    Duration(i64),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
}

impl Cell {
    /// As Format-Table shows it: text as is, lists as `{a, b}`, EventData as `{[K, V], …}`.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Duration(ms) => crate::pwsh::datetime::TimeSpan::from_ms(*ms).to_text(),
            Cell::List(items) => format!("{{{}}}", items.join(", ")),
            Cell::Pairs(pairs) => format!(
                "{{{}}}",
                pairs
                    .iter()
                    .map(|(k, v)| format!("[{k}, {v}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// As a table or list cell shows it, a list cut after `limit` elements
    /// (`$FormatEnumerationLimit`: `{a, b...}`).
    pub fn shown(&self, limit: Option<usize>) -> String {
        match self {
            Cell::List(items) => crate::pwsh::enumeration::braced(items.iter().cloned(), limit),
            Cell::Pairs(pairs) => crate::pwsh::enumeration::braced(
                pairs.iter().map(|(k, v)| format!("[{k}, {v}]")),
                limit,
            ),
            other => other.display(),
        }
    }

    /// As a CSV cell: lists joined with `;`, EventData as `K=V;…`, durations in seconds;
    /// text that a spreadsheet would run as a formula is guarded unless `raw` (see
    /// [`crate::escape::spreadsheet`]). Text is lent, not copied (every cell of every row
    /// of an export comes through here).
    pub fn csv(&self, raw: bool) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        let text: Cow<'_, str> = match self {
            Cell::Duration(ms) => return Cow::Owned(seconds(*ms).to_string()),
            Cell::Null => return Cow::Borrowed(""),
            Cell::Int(n) => return Cow::Owned(n.to_string()),
            Cell::Text(t) => Cow::Borrowed(t),
            Cell::List(items) => Cow::Owned(items.join(";")),
            Cell::Pairs(pairs) => {
                let mut text =
                    String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        text.push(';');
                    }
                    text.push_str(k);
                    text.push('=');
                    text.push_str(v);
                }
                Cow::Owned(text)
            }
        };
        // Only a cell starting as a formula can change; a plain number ("-5.5" from a SQL
        // float) is not a formula.
        if raw || !crate::escape::spreadsheet::starts_formula(&text) || text.parse::<f64>().is_ok()
        {
            text
        } else {
            Cow::Owned(crate::escape::spreadsheet::guard(&text).into_owned())
        }
    }

    /// As a JSON value: lists as arrays, EventData as `{Key, Value}` objects.
    pub fn json(&self) -> Json {
        match self {
            Cell::Null => Json::Null,
            Cell::Text(t) => Json::String(t.clone()),
            Cell::Int(n) => json!(n),
            Cell::Duration(ms) => json!(seconds(*ms)),
            Cell::List(items) => json!(items),
            Cell::Pairs(pairs) => Json::Array(
                pairs
                    .iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect(),
            ),
        }
    }
}

/// Milliseconds as seconds (a number: 0.532).
fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// The field a frame's column holds, typed as the reader types it (a categorical field may
/// be stored as text); `None` for another column (a `--sql` result's).
pub fn known_field(column: &Column) -> Option<Field> {
    Field::from_name(column.name()).filter(|c| {
        crate::frame::schema::dtype(*c) == *column.dtype() || c.kind() == FieldKind::Category
    })
}

/// The columns of a frame as cells, by name.
pub fn columns(df: &DataFrame, zone: Zone) -> PolarsResult<Vec<(String, Vec<Cell>)>> {
    let mut out = Vec::new();
    for column in df.columns() {
        let name = column.name().to_string();
        let known = known_field(column);
        let cells: Vec<Cell> = match (known.map(|c| c.kind()), column.dtype()) {
            (Some(FieldKind::Timestamp), _) => access::timestamps_ms(df)?
                .into_iter()
                .map(|ms| {
                    DateTime::from_timestamp_millis(ms)
                        .map_or(Cell::Null, |t| Cell::Text(zone.format(t)))
                })
                .collect(),
            (Some(FieldKind::TextList), _) => {
                access::string_lists(df, known.unwrap_or(Field::Recipients))?
                    .into_iter()
                    .map(Cell::List)
                    .collect()
            }
            (Some(FieldKind::KeyValueList), _) => access::event_data(df)?
                .into_iter()
                .map(Cell::Pairs)
                .collect(),
            (Some(FieldKind::Duration), _) | (_, DataType::Duration(_)) => column
                .as_materialized_series()
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Duration))
                .collect(),
            (_, dtype) if dtype.is_integer() => column
                .as_materialized_series()
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Int))
                .collect(),
            _ => column
                .as_materialized_series()
                .cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map_or(Cell::Null, |s| Cell::Text(s.to_string())))
                .collect(),
        };
        out.push((name, cells));
    }
    Ok(out)
}
