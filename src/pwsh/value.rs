//! PowerShell values: typed as .NET types (Int32, Int64, Double, Decimal, String, DateTime,
//! TimeSpan, arrays, hashtables, script blocks) and objects with properties ([`PsObject`]:
//! tracking events, `Select-Object` results, `Group-Object`'s GroupInfo, …).

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

use rust_decimal::Decimal;

pub use super::ast::ScriptBlock;
use super::culture::{Culture, INVARIANT};
use super::datetime::{DateTime, TimeSpan};
use super::number::Number;

/// An object with properties, as `$_.Name` and the formatters see it.
pub trait PsObject: fmt::Debug {
    /// The .NET type names, most derived first (`Selected.Microsoft.…MessageTrackingEvent`).
    fn type_names(&self) -> Vec<Cow<'_, str>>;
    /// The property names, in the object's order.
    fn property_names(&self) -> Vec<Cow<'_, str>>;
    /// A property's value by name, ignoring case; `None` when the object has no such property.
    fn property(&self, name: &str) -> Option<Value>;
    /// `.ToString()`.
    fn to_text(&self) -> String {
        self.type_names()
            .first()
            .map(|t| t.to_string())
            .unwrap_or_default()
    }
    /// The properties Format-Table shows when none are named (the type's default view).
    fn default_table(&self) -> Option<Vec<String>> {
        None
    }
    /// The properties Format-List shows when none are named (the type's list view).
    fn default_list(&self) -> Option<Vec<String>> {
        None
    }
    /// The .NET type of a collection-valued property, as Export-Csv writes such a value
    /// (`System.String[]`); `None` when the property is not a collection or its type is
    /// only `System.Object[]`.
    fn collection_type(&self, _name: &str) -> Option<&'static str> {
        None
    }
    /// A copy that shares no buffers with other objects (an event read in a batch keeps the
    /// whole batch alive), for holding a few objects long; `None` when the object is
    /// small already.
    fn detached(&self) -> Option<Value> {
        None
    }
    /// The object itself, for the printers that know its concrete type.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// The type of the collections PowerShell hands out as `Collection<PSObject>` (GroupInfo's
/// Group): Export-Csv writes this text for them, whatever they hold.
pub const PSOBJECT_COLLECTION: &str =
    "System.Collections.ObjectModel.Collection`1[System.Management.Automation.PSObject]";

/// What Windows PowerShell 5.1's Export-Csv writes for property `name` of `owner` holding
/// the collection `value`, when writing it loses nothing: a `Collection<PSObject>`, or an
/// array of objects that each show as their type name only. `None` for other values.
pub fn csv_collection_text(
    owner: &dyn PsObject,
    name: &str,
    value: &Value,
) -> Option<&'static str> {
    let Value::Array(items) = value else {
        return None;
    };
    let declared = owner.collection_type(name);
    if declared == Some(PSOBJECT_COLLECTION) {
        return declared;
    }
    let shows_only_its_type = |i: &Value| match i {
        Value::Object(o) => o
            .type_names()
            .first()
            .is_some_and(|t| o.to_text() == t.as_ref()),
        _ => false,
    };
    (!items.is_empty() && items.iter().all(shows_only_its_type))
        .then(|| declared.unwrap_or("System.Object[]"))
}

/// The .NET type of an array by what it holds: `System.String[]` for strings, `T[]` for
/// objects all of type `T`, else `System.Object[]` (a property's declared type, when its
/// object gives one, is more exact: [`PsObject::collection_type`]).
pub fn array_type(items: &[Value]) -> String {
    let mut types = items.iter().map(|i| match i {
        Value::Str(_) => Some("System.String".to_string()),
        Value::Object(o) => o.type_names().first().map(|t| t.to_string()),
        _ => None,
    });
    match types.next().flatten() {
        Some(first) if types.all(|t| t.as_deref() == Some(first.as_str())) => format!("{first}[]"),
        _ => "System.Object[]".to_string(),
    }
}

/// An enumeration value (`MessageLatencyType`, `DayOfWeek`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumValue {
    /// The enum's type name.
    pub type_name: &'static str,
    /// The member's name.
    pub name: &'static str,
    /// Its underlying value.
    pub value: i32,
}

/// An ordered hashtable with case-insensitive keys (`@{Name='To'; Expression={…}}`).
#[derive(Debug, Clone, Default)]
pub struct Hashtable {
    /// Entries in insertion order.
    pub entries: Vec<(Value, Value)>,
}

impl Hashtable {
    /// The value of a string key, ignoring case.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find_map(|(k, v)| match k {
            Value::Str(s) if s.eq_ignore_ascii_case(key) => Some(v),
            _ => None,
        })
    }
}

/// A PowerShell value.
#[derive(Debug, Clone)]
pub enum Value {
    /// `$null`.
    Null,
    /// `System.Boolean`.
    Bool(bool),
    /// `System.Int32`.
    Int(i32),
    /// `System.Int64`.
    Long(i64),
    /// `System.Double`.
    Double(f64),
    /// `System.Decimal`.
    Decimal(Decimal),
    /// `System.String`.
    Str(Rc<str>),
    /// `System.Char`.
    Char(char),
    /// `System.DateTime`.
    DateTime(DateTime),
    /// `System.TimeSpan`.
    TimeSpan(TimeSpan),
    /// `System.Object[]`.
    Array(Rc<Vec<Value>>),
    /// `System.Collections.Hashtable`.
    Hashtable(Rc<Hashtable>),
    /// `System.Management.Automation.ScriptBlock`.
    ScriptBlock(Rc<ScriptBlock>),
    /// An enum member (shared: a Value stays 24 bytes, and a group's or a column's
    /// millions of them with it).
    Enum(Rc<EnumValue>),
    /// An object with properties.
    Object(Rc<dyn PsObject>),
}

impl Value {
    /// A string value.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Rc::from(s.as_ref()))
    }

    /// An array value.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items))
    }

    /// A number as a value.
    pub fn number(n: Number) -> Value {
        match n {
            Number::Int(v) => Value::Int(v),
            Number::Long(v) => Value::Long(v),
            Number::Double(v) => Value::Double(v),
            Number::Decimal(d) => Value::Decimal(d),
        }
    }

    /// The value as a number, when it is one.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Int(v) => Some(Number::Int(*v)),
            Value::Long(v) => Some(Number::Long(*v)),
            Value::Double(v) => Some(Number::Double(*v)),
            Value::Decimal(d) => Some(Number::Decimal(*d)),
            _ => None,
        }
    }

    /// True for `$null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The .NET type name (`System.String`), as `-is` and `GetType()` name it.
    pub fn type_name(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Value::Null => "null",
            Value::Bool(_) => "System.Boolean",
            Value::Int(_) => "System.Int32",
            Value::Long(_) => "System.Int64",
            Value::Double(_) => "System.Double",
            Value::Decimal(_) => "System.Decimal",
            Value::Str(_) => "System.String",
            Value::Char(_) => "System.Char",
            Value::DateTime(_) => "System.DateTime",
            Value::TimeSpan(_) => "System.TimeSpan",
            Value::Array(_) => "System.Object[]",
            Value::Hashtable(_) => "System.Collections.Hashtable",
            Value::ScriptBlock(_) => "System.Management.Automation.ScriptBlock",
            Value::Enum(e) => e.type_name,
            Value::Object(o) => {
                return Cow::Owned(
                    o.type_names()
                        .first()
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                );
            }
        })
    }

    /// The elements when the value is a collection PowerShell enumerates (arrays; not
    /// strings or hashtables).
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// PowerShell's truth value (about_Booleans): `$null`, `""`, zero, an empty array, and an
    /// array of one false element are false; an array of two or more is true; every other
    /// object (a DateTime, a TimeSpan, a hashtable) is true.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(v) => *v != 0,
            Value::Long(v) => *v != 0,
            Value::Double(v) => *v != 0.0,
            Value::Decimal(d) => !d.is_zero(),
            Value::Str(s) => !s.is_empty(),
            Value::Char(c) => *c != '\0',
            Value::Enum(e) => e.value != 0,
            Value::Array(items) => match items.len() {
                0 => false,
                1 => items[0].truthy(),
                _ => true,
            },
            _ => true,
        }
    }

    /// The invariant-culture text of the value, as `"$x"` and conversions to string write it
    /// (DateTime `MM/dd/yyyy HH:mm:ss`, arrays joined by a space, `$null` empty).
    pub fn to_text(&self) -> String {
        self.text_in(&INVARIANT)
    }

    /// The value's `ToString()` in a culture (what `-f`, `.ToString()` and the formatters
    /// use).
    pub fn text_in(&self, culture: &Culture) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(v) => v.to_string(),
            Value::Long(v) => v.to_string(),
            Value::Double(v) => double_text(*v, culture),
            Value::Decimal(d) => d.to_string().replace('.', culture.decimal),
            Value::Str(s) => s.to_string(),
            Value::Char(c) => c.to_string(),
            Value::DateTime(t) => super::datetime::format(t, "G", culture).unwrap_or_default(),
            Value::TimeSpan(t) => t.to_text(),
            Value::Array(items) => items
                .iter()
                .map(|v| v.text_in(culture))
                .collect::<Vec<_>>()
                .join(" "),
            Value::Hashtable(_) => "System.Collections.Hashtable".into(),
            Value::ScriptBlock(b) => b.text.clone(),
            Value::Enum(e) => e.name.into(),
            Value::Object(o) => o.to_text(),
        }
    }
}

/// A double as .NET Framework's `ToString()` writes it: 15 significant digits ("G15"),
/// trailing zeros dropped, scientific (`1E+15`, `1E-05`) outside 1e-5..1e15.
pub fn double_text(v: f64, culture: &Culture) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    // Round to 15 significant digits first, then decide the notation.
    let sci = format!("{v:.14E}");
    let (mantissa, exp) = sci.split_once('E').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let text = if !(-5..15).contains(&exp) {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}E{sign}{:02}", exp.abs())
    } else {
        let rounded: f64 = sci.parse().unwrap_or(v);
        let decimals = (14 - exp).max(0) as usize;
        let s = format!("{rounded:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    text.replace('.', culture.decimal)
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v)
    }
}

/// A property bag: what `Select-Object` and `[pscustomobject]@{…}` make.
#[derive(Debug, Clone, Default)]
pub struct CustomObject {
    /// Type names, most derived first (shared: every object a Select-Object makes has the
    /// same two).
    pub type_names: Rc<[Rc<str>]>,
    /// Properties in order (names shared: every object a Select-Object makes has the same).
    pub properties: Vec<(Rc<str>, Value)>,
    /// The .NET collection types of properties copied from an object that types them (an
    /// event's Recipients stays a `System.String[]` when empty).
    pub collections: Vec<(Rc<str>, &'static str)>,
}

impl PsObject for CustomObject {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        self.type_names
            .iter()
            .map(|t| Cow::Borrowed(&**t))
            .collect()
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        self.properties
            .iter()
            .map(|(n, _)| Cow::Borrowed(&**n))
            .collect()
    }

    fn property(&self, name: &str) -> Option<Value> {
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn collection_type(&self, name: &str) -> Option<&'static str> {
        self.collections
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| *t)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn to_text(&self) -> String {
        // A PSCustomObject prints as @{Name=value; …}.
        let parts: Vec<String> = self
            .properties
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_text()))
            .collect();
        format!("@{{{}}}", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups, columns and sorts hold millions of values: a value is three words (an enum
    /// member is shared, not inline: it made every value twice as large).
    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn truth_values_follow_about_booleans() {
        assert!(!Value::Null.truthy());
        assert!(!Value::str("").truthy());
        assert!(
            Value::str("0").truthy() && Value::str("False").truthy() && Value::str(" ").truthy()
        );
        assert!(!Value::Int(0).truthy() && !Value::Double(0.0).truthy());
        assert!(!Value::array(vec![]).truthy());
        assert!(!Value::array(vec![Value::Int(0)]).truthy());
        assert!(!Value::array(vec![Value::array(vec![])]).truthy());
        assert!(Value::array(vec![Value::Int(0), Value::Int(0)]).truthy());
        assert!(Value::TimeSpan(TimeSpan(0)).truthy());
        assert!(Value::Hashtable(Rc::new(Hashtable::default())).truthy());
    }

    #[test]
    fn text_is_invariant_by_default() {
        let de = Culture::find("de-DE").unwrap();
        assert_eq!(Value::Double(1.5).to_text(), "1.5");
        assert_eq!(Value::Double(1.5).text_in(de), "1,5");
        assert_eq!(Value::Double(3.0).to_text(), "3");
        assert_eq!(Value::Double(1e20).to_text(), "1E+20");
        assert_eq!(
            Value::array(vec![Value::str("a"), Value::Int(1)]).to_text(),
            "a 1"
        );
        assert_eq!(Value::Bool(true).to_text(), "True");
    }
}
