//! Property readers that accept what PowerShell's `ConvertTo-Json` really writes: `null` for
//! empty values, a bare string where a one-element array was meant, `"True"` for booleans,
//! and Exchange objects (an SMTP address, an ADObjectId) where text was meant.

use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

/// The text an Exchange object stands for: its address, else its name, else its DN.
fn object_text(map: &serde_json::Map<String, Value>) -> Option<String> {
    [
        "ProxyAddressString",
        "AddressString",
        "Address",
        "Name",
        "DistinguishedName",
    ]
    .iter()
    .find_map(|k| map.get(*k).and_then(Value::as_str))
    .map(str::to_string)
}

fn to_text<E: Error>(value: Value) -> Result<String, E> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Object(map) => object_text(&map).ok_or_else(|| {
            E::custom("expected text (or an object with Address, Name or DistinguishedName)")
        }),
        Value::Array(_) => Err(E::custom("expected one value, found a list")),
    }
}

/// A string; `null` is empty.
pub(super) fn plain<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    to_text(Value::deserialize(d)?)
}

/// An optional string; `null` and `""` are none.
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = to_text::<D::Error>(Value::deserialize(d)?)?;
    Ok((!s.trim().is_empty()).then_some(s))
}

/// A list of strings; `null` is empty and a single string is a one-element list.
pub(super) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(to_text::<D::Error>)
            .filter(|r| r.as_ref().map_or(true, |s| !s.is_empty()))
            .collect(),
        other => {
            let s = to_text::<D::Error>(other)?;
            Ok(if s.is_empty() { Vec::new() } else { vec![s] })
        }
    }
}

/// A boolean: `true`, `"True"`, `"$true"`, `1`; `null` is false.
pub(super) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|v| v != 0.0)),
        Value::String(s) => match s
            .trim()
            .trim_start_matches('$')
            .to_ascii_lowercase()
            .as_str()
        {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(D::Error::custom(format!(
                "expected true or false, found \"{s}\""
            ))),
        },
        _ => Err(D::Error::custom("expected true or false")),
    }
}
