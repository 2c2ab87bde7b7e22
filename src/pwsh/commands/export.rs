//! Export-Csv and ConvertTo-Csv (5.1: a `#TYPE` line unless `-NoTypeInformation`, the first
//! object's properties as columns, every non-null value in quotes, `-Delimiter`,
//! `-UseCulture`, `-Encoding`, `-Append`), ConvertTo-Json (5.1's layout, `-Depth` 2,
//! `\/Date(…)\/`, `-Compress`), and Out-File / Set-Content / Add-Content with 5.1's
//! encodings (`UTF8` writes a BOM; Out-File's default is UTF-16 LE).
//!
//! Where msgtrack differs on purpose (documented in the README): an array is written as its
//! elements joined by `;` (5.1 writes its type name, `System.String[]`, and loses them) —
//! except a collection of objects that show only their type names (GroupInfo's Group), which
//! is written as 5.1 writes it — and Export-Csv
//! without `-Encoding` writes UTF-8 with a BOM (5.1 writes ASCII and turns every non-ASCII
//! letter into `?`).

use super::format::{as_view, out_string};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::datetime::{self, Kind, TICKS_PER_MS};
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind, unroll};
use crate::pwsh::value::Value;

const fn p(name: &'static str, switch: bool, aliases: &'static [&'static str]) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        switch,
    }
}

/// Encodes text as a 5.1 `-Encoding` name says: (byte-order mark, body).
pub fn encode_text(text: &str, encoding: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let e = encoding.to_ascii_lowercase();
    Ok(match e.as_str() {
        "unicode" | "string" | "unknown" => {
            let mut body = Vec::with_capacity(text.len() * 2);
            for u in text.encode_utf16() {
                body.extend_from_slice(&u.to_le_bytes());
            }
            (vec![0xFF, 0xFE], body)
        }
        "bigendianunicode" => {
            let mut body = Vec::with_capacity(text.len() * 2);
            for u in text.encode_utf16() {
                body.extend_from_slice(&u.to_be_bytes());
            }
            (vec![0xFE, 0xFF], body)
        }
        "utf32" => {
            let mut body = Vec::with_capacity(text.len() * 4);
            for c in text.chars() {
                body.extend_from_slice(&(c as u32).to_le_bytes());
            }
            (vec![0xFF, 0xFE, 0, 0], body)
        }
        "utf8" => (vec![0xEF, 0xBB, 0xBF], text.as_bytes().to_vec()),
        "utf8nobom" => (Vec::new(), text.as_bytes().to_vec()),
        "ascii" => (
            Vec::new(),
            text.chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
        ),
        "default" => (Vec::new(), text.chars().map(windows_1252).collect()),
        "oem" => {
            return Err("-Encoding OEM (the console code page) is not supported; use UTF8".into());
        }
        "utf7" => return Err("-Encoding UTF7 is not supported; use UTF8".into()),
        other => {
            return Err(format!(
                "'{other}' is not an encoding of Windows PowerShell 5.1 (ASCII, BigEndianUnicode, Default, OEM, String, Unicode, Unknown, UTF32, UTF7, UTF8)"
            ));
        }
    })
}

/// A character in Windows-1252 (`-Encoding Default` on a western Windows), `?` when it has
/// no byte there.
fn windows_1252(c: char) -> u8 {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) {
        return u as u8;
    }
    HIGH.iter()
        .position(|h| *h == c)
        .map_or(b'?', |i| 0x80 + i as u8)
}

/// A value as Export-Csv writes it (its ToString(), dates in the culture's "G"); text a
/// spreadsheet would run as a formula gets a leading `'` unless the host says raw (msgtrack's
/// difference from 5.1, see `crate::escape::spreadsheet`).
fn csv_text(engine: &dyn Scope, v: &Value) -> Option<String> {
    let text = csv_plain(engine, v)?;
    let may_be_formula = matches!(v, Value::Str(_) | Value::Array(_) | Value::Object(_));
    if may_be_formula && !engine.host().csv_raw() {
        Some(crate::escape::spreadsheet::guard(&text).into_owned())
    } else {
        Some(text)
    }
}

fn csv_plain(engine: &dyn Scope, v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| i.text_in(engine.ops_ref().culture))
                .collect::<Vec<_>>()
                .join(";"),
        ),
        other => Some(other.text_in(engine.ops_ref().culture)),
    }
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Export-Csv and ConvertTo-Csv.
pub fn csv_command(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
    name: &str,
) -> EvalResult<Vec<Value>> {
    let params = [
        p("Path", false, &["FilePath"]),
        p("LiteralPath", false, &["PSPath"]),
        p("Delimiter", false, &[]),
        p("UseCulture", true, &[]),
        p("NoTypeInformation", true, &["NTI"]),
        p("Encoding", false, &[]),
        p("Append", true, &[]),
        p("Force", true, &[]),
        p("NoClobber", true, &[]),
        p("InputObject", false, &[]),
    ];
    let bound = bind(c, &params)?;
    let export = name == "Export-Csv";
    super::no_more_positional(c, &bound, if export { 1 } else { 0 })?;
    let delimiter = match bound.get("Delimiter") {
        Some((Some(e), span)) => {
            let span = span.clone();
            let d = engine.expr(e)?.to_text();
            if d.chars().count() != 1 {
                return Err(EvalError::new("-Delimiter takes one character", span));
            }
            d
        }
        _ if switch_on(engine, &bound, "UseCulture")? => {
            engine.ops().culture.list_separator.to_string()
        }
        _ => ",".to_string(),
    };
    let no_type = switch_on(engine, &bound, "NoTypeInformation")?;
    if input.iter().any(|v| as_view(v).is_some()) {
        return Err(EvalError::new(
            format!(
                "{name} after Format-Table/Format-List writes format records, not your data (PowerShell writes 'FormatStartData' rows); put {name} before the Format cmdlet or use Select-Object"
            ),
            c.name_span.clone(),
        ));
    }
    // Export-Csv's file, checked before any line is made: -NoClobber refuses a file that is
    // there (unless -Append); -Append onto a file with text keeps its columns and encoding.
    let target = if export {
        Some(export_target(
            engine,
            c,
            &bound,
            delimiter_char(&delimiter),
        )?)
    } else {
        None
    };
    let appending = target.as_ref().and_then(|t| t.appending.as_ref());
    let mut lines: Vec<String> = Vec::new();
    // Columns written joined, with the type Windows PowerShell 5.1 would have written.
    let mut joined: Vec<(String, String)> = Vec::new();
    if let Some(first) = input.first() {
        let mut columns: Vec<String> = match first {
            Value::Object(o) => o.property_names().iter().map(|n| n.to_string()).collect(),
            Value::Str(_) => vec!["Length".into()],
            _ => Vec::new(),
        };
        match appending {
            // Appending to a file with text: no #TYPE line and no header; its columns, each
            // of which the first object must have (or -Force writes it empty).
            Some(Appending {
                columns: Some(existing),
                ..
            }) => {
                let force = switch_on(engine, &bound, "Force")?;
                if let Some(missing) = existing
                    .iter()
                    .find(|e| !columns.iter().any(|c| c.eq_ignore_ascii_case(e)))
                    && !force
                {
                    let path = target.as_ref().map(|t| t.path.as_str()).unwrap_or_default();
                    return Err(EvalError::new(
                        format!(
                            "Cannot append CSV content to the following file: {path}. The appended object does not have a property that corresponds to the following column: {missing}. To continue with mismatched properties, add the -Force parameter, and then retry the command."
                        ),
                        c.name_span.clone(),
                    ));
                }
                columns = existing.clone();
            }
            Some(Appending { columns: None, .. }) => {}
            None => {
                if !no_type {
                    lines.push(format!("#TYPE {}", first.type_name()));
                }
                lines.push(
                    columns
                        .iter()
                        .map(|c| quote(c))
                        .collect::<Vec<_>>()
                        .join(&delimiter),
                );
            }
        }
        for item in &input {
            let mut cells = Vec::with_capacity(columns.len());
            for col in &columns {
                let v = match item {
                    Value::Object(o) => o.property(col).unwrap_or(Value::Null),
                    Value::Str(s) if col.eq_ignore_ascii_case("Length") => {
                        Value::Int(s.encode_utf16().count() as i32)
                    }
                    _ => Value::Null,
                };
                let owner = match item {
                    Value::Object(o) => Some(o.as_ref()),
                    _ => None,
                };
                // A collection of objects is written as 5.1 writes it, its type: the objects
                // would only show their type names.
                if let Some(o) = owner
                    && let Some(text) = crate::pwsh::value::csv_collection_text(o, col, &v)
                {
                    cells.push(quote(text));
                    continue;
                }
                // A column the object types as a collection is one in every row, empty or
                // not (so the note is the same whichever rows an export holds).
                let typed = owner.and_then(|o| o.collection_type(col));
                if (typed.is_some() || matches!(v, Value::Array(_)))
                    && !joined.iter().any(|(n, _)| n == col)
                {
                    let what = match (typed, &v) {
                        (Some(t), _) => t.to_string(),
                        (None, Value::Array(items)) => crate::pwsh::value::array_type(items),
                        (None, _) => "System.Object[]".to_string(),
                    };
                    joined.push((col.clone(), what));
                }
                cells.push(csv_text(engine, &v).map(|t| quote(&t)).unwrap_or_default());
            }
            lines.push(cells.join(&delimiter));
        }
    }
    if !joined.is_empty() {
        let named: Vec<String> = joined.iter().map(|(n, t)| format!("{n} ({t})")).collect();
        let (is, its) = if joined.len() == 1 {
            ("is a collection", "its type name")
        } else {
            ("are collections", "their type names")
        };
        engine.host().note(&format!(
            "{} {is}; Windows PowerShell 5.1 would write {its} (and lose the values), msgtrack writes the elements joined with ';'",
            named.join(", "),
        ));
    }
    let Some(target) = target else {
        return Ok(lines.into_iter().map(Value::str).collect());
    };
    let mut text = lines.join("\r\n");
    if !text.is_empty() {
        text.push_str("\r\n");
    }
    // (Each copy of an export's text is let go as soon as the next is made.)
    drop(lines);
    let (bom, body) =
        encode_text(&text, &target.encoding).map_err(|m| EvalError::new(m, c.span.clone()))?;
    drop(text);
    engine
        .host()
        .write_file(&target.path, &bom, &body, target.append, &target.span)?;
    Ok(Vec::new())
}

/// Where Export-Csv writes, and how.
struct ExportTarget {
    path: String,
    span: crate::pwsh::ast::Span,
    /// The encoding written: the file's own when appending to its text.
    encoding: String,
    append: bool,
    /// What `-Append` found in the file: `None` when it writes as to a new file.
    appending: Option<Appending>,
}

/// A file Export-Csv `-Append` adds to: it has text past any byte-order mark (a file with
/// none is written as a new one, #TYPE line and header included).
struct Appending {
    /// The columns of the file's header, `None` when it has no line but blank ones.
    columns: Option<Vec<String>>,
}

/// The first character of a delimiter (checked to be one character).
fn delimiter_char(delimiter: &str) -> char {
    delimiter.chars().next().unwrap_or(',')
}

/// Export-Csv's path, encoding and switches, with what is already in its file. As
/// Windows PowerShell 5.1's Export-Csv: `-NoClobber` without `-Append` refuses a file that
/// exists; `-Append` to a file with text writes in that file's encoding (by its byte-order
/// mark; else the `-Encoding` given) under that file's header.
fn export_target(
    engine: &mut dyn Scope,
    c: &Command,
    bound: &crate::pwsh::runtime::Bound<'_>,
    delimiter: char,
) -> EvalResult<ExportTarget> {
    let path_expr = bound
        .get("Path")
        .or(bound.get("LiteralPath"))
        .and_then(|(e, _)| e)
        .or(bound.positional.first().copied());
    let Some(path_expr) = path_expr else {
        return Err(EvalError::new(
            "Export-Csv needs a file path",
            c.span.clone(),
        ));
    };
    let path = engine.expr(path_expr)?.to_text();
    let mut encoding = match bound.get("Encoding") {
        Some((Some(e), _)) => engine.expr(e)?.to_text(),
        _ => "utf8".to_string(),
    };
    let append = switch_on(engine, bound, "Append")?;
    let no_clobber = switch_on(engine, bound, "NoClobber")?;
    let start = engine.host().file_start(&path);
    if no_clobber && !append && start.is_some() {
        return Err(EvalError::new(
            format!("The file '{path}' already exists."),
            path_expr.span.clone(),
        ));
    }
    let appending = match start.filter(|_| append) {
        Some(bytes) => {
            let (own, text) = decode_start(&bytes);
            if let Some(own) = own.filter(|_| !text.is_empty()) {
                encoding = own.to_string();
            }
            (!text.is_empty()).then(|| Appending {
                columns: csv_header(&text, delimiter),
            })
        }
        None => None,
    };
    Ok(ExportTarget {
        path,
        span: path_expr.span.clone(),
        encoding,
        append,
        appending,
    })
}

/// The encoding a file's byte-order mark names (as `-Encoding` names it) and the text after
/// it (UTF-8 when it has none; a character cut at the end is dropped).
fn decode_start(bytes: &[u8]) -> (Option<&'static str>, String) {
    let units = |rest: &[u8], le: bool| -> String {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    match bytes {
        [0xFF, 0xFE, 0, 0, rest @ ..] => (
            Some("utf32"),
            rest.chunks_exact(4)
                .map(|p| {
                    char::from_u32(u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
        ),
        [0xFF, 0xFE, rest @ ..] => (Some("unicode"), units(rest, true)),
        [0xFE, 0xFF, rest @ ..] => (Some("bigendianunicode"), units(rest, false)),
        [0xEF, 0xBB, 0xBF, rest @ ..] => (Some("utf8"), String::from_utf8_lossy(rest).into()),
        rest => (None, String::from_utf8_lossy(rest).into()),
    }
}

/// The columns of a CSV file's header as Import-Csv reads them: a first line starting with
/// `#` (the `#TYPE` line) is passed over, then blank lines; the next record is the header.
fn csv_header(text: &str, delimiter: char) -> Option<Vec<String>> {
    let body = match text.strip_prefix('#') {
        Some(rest) => rest.split_once('\n').map(|(_, after)| after).unwrap_or(""),
        None => text,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .from_reader(body.as_bytes());
    reader
        .records()
        .map_while(Result::ok)
        .find(|r| !(r.len() == 1 && r[0].trim().is_empty()))
        .map(|r| {
            r.iter()
                .map(|f| f.trim_end_matches('\r').to_string())
                .collect()
        })
}

/// ConvertTo-Json as Windows PowerShell 5.1 writes it.
pub fn json_command(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let bound = bind(
        c,
        &[
            p("Depth", false, &[]),
            p("Compress", true, &[]),
            p("InputObject", false, &[]),
        ],
    )?;
    let depth = match bound.get("Depth") {
        Some((Some(e), span)) => {
            let span = span.clone();
            let v = engine.expr(e)?;
            crate::pwsh::ops::to_number(&v)
                .map_err(|m| EvalError::new(m, span))?
                .to_f64() as usize
        }
        _ => 2,
    };
    let compress = switch_on(engine, &bound, "Compress")?;
    let mut items = input;
    if let Some(e) = bound
        .get("InputObject")
        .and_then(|(e, _)| e)
        .or(bound.positional.first().copied())
    {
        items = unroll(engine.expr(e)?);
    }
    let value = match items.len() {
        1 => items.into_iter().next().unwrap_or(Value::Null),
        _ => Value::array(items),
    };
    let json = to_json(engine, &value, 0, depth);
    let text = if compress {
        compact(&json)
    } else {
        pretty(&json, 0)
    };
    Ok(vec![Value::str(text)])
}

/// A JSON tree (kept apart from the layout so both layouts share it).
enum Json {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

fn to_json(engine: &dyn Scope, v: &Value, level: usize, depth: usize) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(_) | Value::Long(_) | Value::Double(_) | Value::Decimal(_) => {
            Json::Number(v.to_text())
        }
        Value::Enum(e) => Json::Number(e.value.to_string()),
        Value::Str(s) => Json::Str(s.to_string()),
        Value::Char(c) => Json::Str(c.to_string()),
        Value::DateTime(t) => {
            let utc = match t.kind {
                Kind::Local => engine.host().utc_from_local(t.wall).unwrap_or(t.wall),
                _ => t.wall,
            };
            Json::Str(format!("\\/Date({})\\/", utc.and_utc().timestamp_millis()))
        }
        Value::TimeSpan(ts) => {
            let t = ts.0;
            let f = |x: f64| Json::Number(Value::Double(x).to_text());
            Json::Object(vec![
                ("Ticks".into(), Json::Number(t.to_string())),
                (
                    "Days".into(),
                    Json::Number((t / datetime::TICKS_PER_DAY).to_string()),
                ),
                (
                    "Hours".into(),
                    Json::Number((t / 36_000_000_000 % 24).to_string()),
                ),
                (
                    "Milliseconds".into(),
                    Json::Number((t / TICKS_PER_MS % 1000).to_string()),
                ),
                (
                    "Minutes".into(),
                    Json::Number((t / 600_000_000 % 60).to_string()),
                ),
                (
                    "Seconds".into(),
                    Json::Number((t / 10_000_000 % 60).to_string()),
                ),
                (
                    "TotalDays".into(),
                    f(t as f64 / datetime::TICKS_PER_DAY as f64),
                ),
                ("TotalHours".into(), f(t as f64 / 36_000_000_000.0)),
                (
                    "TotalMilliseconds".into(),
                    f(t as f64 / TICKS_PER_MS as f64),
                ),
                ("TotalMinutes".into(), f(t as f64 / 600_000_000.0)),
                ("TotalSeconds".into(), f(t as f64 / 10_000_000.0)),
            ])
        }
        _ if level > depth => Json::Str(v.to_text()),
        Value::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| to_json(engine, i, level + 1, depth))
                .collect(),
        ),
        Value::Hashtable(h) => Json::Object(
            h.entries
                .iter()
                .map(|(k, v)| (k.to_text(), to_json(engine, v, level + 1, depth)))
                .collect(),
        ),
        Value::ScriptBlock(b) => Json::Str(b.text.clone()),
        Value::Object(o) => Json::Object(
            o.property_names()
                .iter()
                .map(|n| {
                    (
                        n.to_string(),
                        to_json(
                            engine,
                            &o.property(n).unwrap_or(Value::Null),
                            level + 1,
                            depth,
                        ),
                    )
                })
                .collect(),
        ),
    }
}

/// JavaScriptSerializer's escaping: `"` `\` control characters, and `< > & '` as `\u003c`…
fn escape(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\'' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar(j: &Json) -> Option<String> {
    Some(match j {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.clone(),
        // A date is already escaped (\/Date(…)\/).
        Json::Str(s) if s.starts_with("\\/Date(") => format!("\"{s}\""),
        Json::Str(s) => escape(s),
        _ => return None,
    })
}

fn compact(j: &Json) -> String {
    match j {
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(",")
        ),
        Json::Object(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{}:{}", escape(k), compact(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => scalar(other).unwrap_or_default(),
    }
}

/// 5.1's layout: four spaces per level, `"key":  value` (two spaces after the colon).
fn pretty(j: &Json, level: usize) -> String {
    let pad = "    ".repeat(level + 1);
    let close = "    ".repeat(level);
    match j {
        Json::Array(items) if items.is_empty() => "[\r\n\r\n]".into(),
        Json::Array(items) => format!(
            "[\r\n{}\r\n{close}]",
            items
                .iter()
                .map(|i| format!("{pad}{}", pretty(i, level + 1)))
                .collect::<Vec<_>>()
                .join(",\r\n")
        ),
        Json::Object(fields) if fields.is_empty() => "{\r\n\r\n}".into(),
        Json::Object(fields) => format!(
            "{{\r\n{}\r\n{close}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{pad}{}:  {}", escape(k), pretty(v, level + 1)))
                .collect::<Vec<_>>()
                .join(",\r\n")
        ),
        other => scalar(other).unwrap_or_default(),
    }
}

/// `text` with every line ending in `\r\n`, as Out-File writes it (one copy, made as the
/// text is read: a window's text of every event is tens of megabytes).
pub fn windows_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut rest = text;
    while let Some(at) = rest.find('\n') {
        let line = &rest[..at];
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push_str("\r\n");
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

/// Out-File, Set-Content, Add-Content.
pub fn write_text(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
    name: &str,
) -> EvalResult<Vec<Value>> {
    let params = [
        p("FilePath", false, &["Path", "LiteralPath"]),
        p("Value", false, &[]),
        p("Encoding", false, &[]),
        p("Append", true, &[]),
        p("Width", false, &[]),
        p("NoClobber", true, &[]),
        p("Force", true, &[]),
        p("NoNewline", true, &[]),
        p("InputObject", false, &[]),
    ];
    let bound = bind(c, &params)?;
    if name != "Out-File"
        && let Some((_, span)) = bound.get("NoClobber")
    {
        return Err(EvalError::new(
            format!("{name} has no parameter -NoClobber (Out-File and Export-Csv have)"),
            span.clone(),
        ));
    }
    super::no_more_positional(c, &bound, 2)?;
    let path_expr = bound
        .get("FilePath")
        .and_then(|(e, _)| e)
        .or(bound.positional.first().copied());
    let Some(path_expr) = path_expr else {
        return Err(EvalError::new(
            format!("{name} needs a file path"),
            c.span.clone(),
        ));
    };
    let path = engine.expr(path_expr)?.to_text();
    let mut items = input;
    if let Some(e) = bound
        .get("Value")
        .and_then(|(e, _)| e)
        .or(bound.positional.get(1).copied())
    {
        items = unroll(engine.expr(e)?);
    }
    let text = if name == "Out-File" {
        let table = engine.host().text_table();
        out_string(engine, &items, None, &table)?
    } else {
        if items
            .iter()
            .any(|v| as_view(v).is_some() || matches!(v, Value::Object(_)))
        {
            return Err(EvalError::new(
                format!(
                    "{name} writes each object's ToString(), which for these objects is their type name, not their data (PowerShell writes 'Microsoft.PowerShell.Commands.Internal.Format.FormatStartData' after Format-*); use Out-File, or Export-Csv"
                ),
                c.name_span.clone(),
            ));
        }
        let mut t: String = items
            .iter()
            .map(|v| format!("{}\r\n", v.text_in(engine.ops().culture)))
            .collect();
        if switch_on(engine, &bound, "NoNewline")? {
            t = t.replace("\r\n", "");
        }
        t
    };
    let text = if name == "Out-File" {
        windows_line_ends(&text)
    } else {
        text
    };
    let encoding = match bound.get("Encoding") {
        Some((Some(e), _)) => engine.expr(e)?.to_text(),
        _ if name == "Out-File" => "unicode".into(),
        _ => "default".into(),
    };
    let append = name == "Add-Content" || switch_on(engine, &bound, "Append")?;
    if switch_on(engine, &bound, "NoClobber")? {
        // As Export-Csv: refused for a file that is there, unless appending to it.
        if !append && engine.host().file_start(&path).is_some() {
            return Err(EvalError::new(
                format!("The file '{path}' already exists."),
                path_expr.span.clone(),
            ));
        }
    }
    let (bom, body) =
        encode_text(&text, &encoding).map_err(|m| EvalError::new(m, c.span.clone()))?;
    engine
        .host()
        .write_file(&path, &bom, &body, append, &path_expr.span)?;
    Ok(Vec::new())
}
