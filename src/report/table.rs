//! The report model every output format renders: sections of titled tables, each with the
//! counting rule that produced its numbers and, optionally, the msgtrack query that
//! reproduces them.

use serde::Serialize;

/// One cell: text, or a number (kept as a number in JSON and sorted numerically in HTML).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Cell {
    /// The cell as printed.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => format!("{x:.1}"),
        }
    }

    /// True for numbers (right-aligned).
    pub fn is_number(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A chart drawn above a table in HTML (and as bars in text).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    /// Bars from a label column and one or more stacked value columns.
    Bars { label: usize, values: Vec<usize> },
}

/// One table of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// A stable snake_case key (the JSON key).
    pub key: String,
    pub title: String,
    /// What was counted, stated on every table.
    pub rule: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// The msgtrack command line that reproduces the numbers (`--show-queries`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip)]
    pub chart: Option<Chart>,
}

impl Table {
    /// A table with its key, title, rule and headers, and no rows yet.
    pub fn new(key: &str, title: &str, rule: &str, headers: &[&str]) -> Table {
        Table {
            key: key.to_string(),
            title: title.to_string(),
            rule: rule.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            query: None,
            chart: None,
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Sets the reproducing query.
    pub fn with_query(mut self, query: Option<String>) -> Table {
        self.query = query;
        self
    }

    /// Draws a bar chart of `values` columns against the `label` column.
    pub fn with_chart(mut self, label: usize, values: Vec<usize>) -> Table {
        self.chart = Some(Chart::Bars { label, values });
        self
    }

    /// The rows as JSON objects keyed by snake_case headers.
    pub fn json_rows(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let keys: Vec<String> = self.headers.iter().map(|h| snake(h)).collect();
        self.rows
            .iter()
            .map(|row| {
                keys.iter()
                    .cloned()
                    .zip(
                        row.iter()
                            .map(|c| serde_json::to_value(c).unwrap_or_default()),
                    )
                    .collect()
            })
            .collect()
    }
}

/// A titled group of tables.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub title: String,
    pub tables: Vec<Table>,
}

/// A whole report: title, lines under it, sections.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

/// `Top senders (bytes)` → `top_senders_bytes`.
pub fn snake(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}
