//! The report model every output format renders: sections of titled tables, each with the
//! counting rule that produced its numbers and, optionally, the msgtrack query that
//! reproduces them.

use serde::Serialize;

/// One cell: text, or a number (kept as a number in JSON and sorted numerically in HTML).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A number with a fraction (seconds).
    Float(f64),
    /// A size in bytes: a number in JSON, `51.6 MiB` where people read it.
    Bytes(i64),
    /// A share in percent: a number in JSON, `12.5 %` where people read it.
    Percent(f64),
}

/// Bytes as people read them: `532 B`, `4.2 KiB`, `51.6 MiB`, `1.2 GiB` (powers of 1024).
pub fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n.unsigned_abs() < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

impl Cell {
    /// The cell as printed.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => format!("{x:.1}"),
            Cell::Bytes(n) => human_bytes(*n),
            Cell::Percent(p) => format!("{p:.1} %"),
        }
    }

    /// True for numbers (right-aligned).
    pub fn is_number(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

impl Cell {
    /// The cell as a number (for sorting and charts), when it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Int(n) | Cell::Bytes(n) => Some(*n as f64),
            Cell::Float(x) | Cell::Percent(x) => Some(*x),
            Cell::Text(_) => None,
        }
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
    /// Bars from a label column and one or more value columns.
    Bars {
        /// The column naming each bar.
        label: usize,
        /// The columns drawn.
        values: Vec<usize>,
    },
}

/// One table of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// A stable snake_case key (the JSON key).
    pub key: String,
    /// The title.
    pub title: String,
    /// What was counted, stated on every table.
    pub rule: String,
    /// The column headers.
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// The msgtrack command line that reproduces the numbers (`--show-queries`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip)]
    /// A chart drawn above the table.
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
    /// The title.
    pub title: String,
    /// The tables, in order.
    pub tables: Vec<Table>,
}

/// A headline figure shown above the report (a card in HTML).
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    /// What the figure is.
    pub label: String,
    /// The figure as shown.
    pub value: String,
    /// A line under the value (`3 from outside`).
    pub detail: String,
    /// The change against the previous period (`--compare`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// A section a table's cell links to: one message's journey, as text.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The Message-ID it is about (the cell text that links here).
    pub message_id: String,
    /// The text shown (a trail).
    pub text: String,
}

/// An address and the detail messages it appears in (as sender or recipient).
#[derive(Debug, Clone)]
pub struct AddressDetail {
    /// The address, lower case.
    pub address: String,
    /// The Message-IDs of its detail sections.
    pub message_ids: Vec<String>,
}

/// The anchor of an address's section (`addr-` and a hash of the lower-cased address).
pub fn address_anchor(address: &str) -> String {
    anchor_of(&address.to_lowercase()).replacen("msg-", "addr-", 1)
}

/// The anchor of a message's detail section (`msg-` and a hash of the lower-cased id).
pub fn anchor_of(message_id: &str) -> String {
    let bare = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase();
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bare.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("msg-{h:016x}")
}

/// A whole report: title, lines under it, sections.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The title.
    pub title: String,
    /// Lines under the title.
    pub notes: Vec<String>,
    /// Headline figures (empty for reports without them).
    pub headlines: Vec<Headline>,
    /// Detail sections a table's Message-IDs link to (HTML): each message's trail.
    #[serde(skip)]
    pub details: Vec<Detail>,
    /// Sections a table's addresses link to (HTML): the detail messages each address is in.
    #[serde(skip)]
    pub address_details: Vec<AddressDetail>,
    /// The sections, in order.
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
