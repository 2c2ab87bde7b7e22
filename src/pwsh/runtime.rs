//! What the engine's parts share: errors, the host the engine runs in, the [`Scope`] through
//! which commands and members evaluate (so they do not depend on the evaluator itself),
//! pipeline helpers, and parameter binding.

use std::rc::Rc;

use chrono::{NaiveDate, NaiveDateTime, Utc};

use super::ast::{Arg, Block, Command, Expr, Span};
use super::culture::Culture;
use super::ops::OpContext;
use super::parse::{ParseError, closest};
use super::value::Value;

/// An error while running, with where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
    /// The text it happened at.
    pub span: Span,
    /// What was probably meant.
    pub suggestion: Option<String>,
}

impl EvalError {
    /// An error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> EvalError {
        EvalError {
            message: message.into(),
            span,
            suggestion: None,
        }
    }

    /// The same error with a suggestion.
    pub fn suggest(mut self, s: Option<String>) -> EvalError {
        self.suggestion = s;
        self
    }

    /// As a parse error (the same rendering with a caret).
    pub fn into_parse_error(self) -> ParseError {
        ParseError {
            message: self.message,
            span: self.span,
            suggestion: self.suggestion,
        }
    }
}

/// An item's place in a command's output: items sort by it (a time, then a sequence number).
pub type Order = (i64, u64);

/// An item handed to a streaming stage (`commands::stream`): the item, its place in the
/// output, and how many items it stands for (more than one only for items equal in the
/// stream's keys, at the place of the first of them).
pub type Item = (Value, Order, u64);

/// Where a streamed command's items go, batch by batch ([`Host::stream`]).
pub type Feed<'f> = dyn FnMut(&mut dyn Scope, Vec<Item>) -> EvalResult<()> + 'f;

/// The items a streaming stage wants of a read, told by one text property: groups made a
/// share of their keys at a time take only the items whose key is in the share, so the host
/// may leave the others out before making objects of them ([`Host::stream`]).
pub struct KeyShare<'a> {
    /// The property (a text property of the items).
    pub property: &'a str,
    /// True when an item whose property is this text (`""` for `$null`) is wanted; it may
    /// want fewer as the items come (the share's end comes down), never more, and may be
    /// asked from other threads (a host's reader).
    pub holds: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>,
}

/// Results of running.
pub type EvalResult<T> = std::result::Result<T, EvalError>;

/// How much of a file [`Host::file_start`] gives: enough for a CSV file's `#TYPE` line and
/// header.
pub const FILE_START: usize = 64 * 1024;

/// How a host writes its own objects (its events) out and makes them again: a block of them
/// as bytes, what `commands::object_spill` writes of objects it would otherwise hold.
pub trait EventForm {
    /// True when `v` is one of the objects this form writes.
    fn takes(&self, v: &Value) -> bool;
    /// `objects` (each one this form takes), in order, as one block.
    fn write(&self, objects: &[Value]) -> std::io::Result<Vec<u8>>;
    /// The objects of a block [`EventForm::write`] made, in order.
    fn read(&self, block: &[u8]) -> std::io::Result<Vec<Value>>;
}

/// What the engine needs from where it runs: the clock and zone, the culture, commands of
/// its own, and file output.
pub trait Host {
    /// What `Get-Date` and `[datetime]::Now` mean.
    fn now(&self) -> chrono::DateTime<Utc>;
    /// A UTC wall time as the shell's local time.
    fn local_from_utc(&self, utc: NaiveDateTime) -> NaiveDateTime {
        self.zone().local(utc.and_utc()).naive_local()
    }
    /// A local wall time as UTC (`None` in a clock change's gap).
    fn utc_from_local(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        self.zone().to_utc(local).map(|u| u.naive_utc())
    }
    /// The shell's zone.
    fn zone(&self) -> crate::format::Zone;
    /// CSV cells written without the spreadsheet-formula guard.
    fn csv_raw(&self) -> bool {
        false
    }
    /// The shell's culture.
    fn culture(&self) -> &'static Culture;
    /// Runs a command the engine does not have; `None` when the host does not know it either.
    fn command(
        &self,
        engine: &mut dyn Scope,
        command: &Command,
        input: Vec<Value>,
    ) -> Option<EvalResult<Vec<Value>>>;
    /// Runs a command of the host whose output the stages after it take in pieces: `feed`
    /// gets the items batch by batch, each with its place in the order the command would
    /// output them; with `keys`, items equal in those properties may be handed over once
    /// with their number. `text` names properties whose values must be text for the stages
    /// to stream. With `share`, items it does not hold may be left out (the stages drop
    /// them). `None` when the host does not stream this command (the engine then runs it
    /// whole).
    #[allow(clippy::too_many_arguments)]
    fn stream(
        &self,
        _engine: &mut dyn Scope,
        _command: &Command,
        _input: &[Value],
        _keys: Option<&[String]>,
        _text: &[String],
        _share: Option<&KeyShare<'_>>,
        _feed: &mut Feed<'_>,
    ) -> Option<EvalResult<()>> {
        None
    }
    /// Writes a file a command asked for (Export-Csv, Out-File); the host checks the path.
    /// `bom` is written only when the file is new or empty (an append to a file with bytes
    /// goes on from them, as .NET's writer does).
    fn write_file(
        &self,
        path: &str,
        bom: &[u8],
        body: &[u8],
        append: bool,
        span: &Span,
    ) -> EvalResult<()>;
    /// The first bytes (at most [`FILE_START`]) of the file at `path`; `None` when there is
    /// no file there. Export-Csv `-Append` reads the header of a file it appends to, and
    /// `-NoClobber` refuses a file that exists.
    fn file_start(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
    /// How Out-File and `>` lay out a table of objects: from its rows unless the host writes
    /// the line's text a piece at a time.
    fn text_table(&self) -> super::table_layout::TextTable {
        super::table_layout::TextTable::Own
    }
    /// Takes a table's layout measured ([`super::table_layout::TextTable::Measure`]);
    /// an error when it cannot go with the layouts measured before.
    fn measured_table(&self, _layout: super::table_layout::TableLayout) -> Result<(), String> {
        Err("this host does not measure tables".into())
    }
    /// True when the line's output is shown as text (a table or a list), so a collection in
    /// it is seen only up to `$FormatEnumerationLimit` elements.
    fn shows_text(&self) -> bool {
        false
    }
    /// True when the line's output is written as CSV by the host (`--format csv`): a
    /// collection of objects in it is written by its type name, its elements unseen.
    fn shows_csv(&self) -> bool {
        false
    }
    /// False when the host found that no event of its reads can reach the line's output,
    /// whole or inside a group (what the line outputs is then made of their values): objects
    /// made of groups a share of their keys at a time can then be written out
    /// (`commands::object_spill`). True when it may, or the host cannot tell.
    fn events_reach_output(&self) -> bool {
        true
    }
    /// How the host's events are written out when too many to hold (`None`: they are held).
    fn event_form(&self) -> Option<Rc<dyn EventForm>> {
        None
    }
    /// How a date-time is shown in tables and lists.
    fn display_datetime(&self, t: &super::datetime::DateTime) -> String;
    /// Something the user should know (printed on stderr).
    fn note(&self, text: &str);
    /// When the host's reading only tells how many rows a line reads (a probe, before the
    /// line runs in pieces some other way): how many events a `Sort-Object -Unique` stream
    /// may keep, one per key, before the line had better run that other way; no other
    /// stream runs then. `None`: streams run as they can.
    fn firsts_held(&self) -> Option<usize> {
        None
    }
    /// A read the line already made is made again (a second pass, see
    /// `Engine::elements_later`): what it reports (files read, bad lines, notes) the first
    /// read reported, and goes when [`Host::repeat_ends`] is called.
    fn repeat_begins(&self) {}
    /// A `Select-Object -First` downstream took its objects from the host's last read: the
    /// shell stops the cmdlet then, before it could say it cut its output at `-ResultSize`.
    fn stopped_downstream(&self) {}
    /// The read again ends: the host drops what it reported again.
    fn repeat_ends(&self) {}
    /// Makes the objects `items` (kept long after the batch they came in) hold their own
    /// values rather than their batch, together (the host's objects may share one copy).
    fn detach(&self, items: &mut [&mut Value]) {
        for item in items {
            if let Value::Object(o) = &**item
                && let Some(own) = o.detached()
            {
                **item = own;
            }
        }
    }
}

/// The variables the shell sets itself (lowercase).
const AUTOMATIC: [&str; 7] = ["_", "psitem", "true", "false", "null", "matches", "ofs"];

/// True for a variable the shell sets itself (lowercase name): `$_`, `$true`, `$Matches`, ….
pub fn automatic(name: &str) -> bool {
    AUTOMATIC.contains(&name)
}

/// What commands and members need from the evaluator.
pub trait Scope {
    /// The host.
    fn host(&self) -> &dyn Host;
    /// Operator state.
    fn ops(&mut self) -> &mut OpContext<'static>;
    /// Operator state, read only.
    fn ops_ref(&self) -> &OpContext<'static>;
    /// Evaluates an expression.
    fn expr(&mut self, e: &Expr) -> EvalResult<Value>;
    /// Runs a script block's body with `$_` = `item`.
    fn invoke(&mut self, body: &Block, item: Value) -> EvalResult<Vec<Value>>;
    /// Runs a script block with `$_` = `item` in the caller's scope (ForEach-Object,
    /// Where-Object).
    fn invoke_here(&mut self, body: &Block, item: Value) -> EvalResult<Vec<Value>>;
    /// While a pipeline's first command runs: the pipeline's elements after it (a pipeline
    /// run inside its arguments has its own while it runs).
    fn after_first(&self) -> &[super::ast::Element] {
        &[]
    }
    /// True while the stages after a pipeline's source are planned and the pipeline's output
    /// is the line's whole output, written out by the host: groups too many to hold may
    /// then reach it from temporary files (`commands::group::SpilledGroups`).
    fn output_may_spill(&self) -> bool {
        false
    }
    /// True when every read of the variable `name` (lowercase) in the line is within `span`
    /// (a ForEach-Object that sets it afresh for each object,
    /// `commands::stream::pure_per_object`).
    fn read_only_within(&self, _name: &str, _span: &Span) -> bool {
        false
    }
    /// Today in the shell's zone.
    fn today(&self) -> NaiveDate {
        self.ops_ref().clock.today
    }
    /// How many elements of a collection a table or list cell shows
    /// (`$FormatEnumerationLimit`); `None` for all of them.
    fn enumeration_limit(&self) -> Option<usize> {
        Some(super::enumeration::EMS_ENUMERATION_LIMIT)
    }
    /// Today and the zone, for date parsing.
    fn clock(&self) -> super::ops::Clock {
        self.ops_ref().clock
    }
    /// The value of a parameter argument that must be given (`-Name value`).
    fn required(&mut self, arg: Option<&Expr>, what: &str, span: &Span) -> EvalResult<Value> {
        match arg {
            Some(e) => self.expr(e),
            None => Err(EvalError::new(
                format!("{what} needs a value"),
                span.clone(),
            )),
        }
    }
}

/// The pipeline's output as one value: nothing is `$null`, one item is itself, more are an
/// array.
pub fn collapse(mut items: Vec<Value>) -> Value {
    match items.len() {
        0 => Value::Null,
        1 => items.pop().unwrap_or(Value::Null),
        _ => Value::array(items),
    }
}

/// A value written to the pipeline: an array is enumerated (one level).
pub fn unroll(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => Rc::try_unwrap(items).unwrap_or_else(|rc| (*rc).clone()),
        other => vec![other],
    }
}

/// Splits a command's arguments into named parameters and positional values, resolving
/// each name against `known` (exact, else a unique prefix, ignoring case). A switch takes no
/// value; any other parameter takes the next argument.
pub struct Bound<'a> {
    /// Named parameters: (canonical name, value expression if any, span of the name).
    pub named: Vec<(&'static str, Option<&'a Expr>, Span)>,
    /// Positional arguments in order.
    pub positional: Vec<&'a Expr>,
}

impl<'a> Bound<'a> {
    /// The value expression of a named parameter.
    pub fn get(&self, name: &str) -> Option<(Option<&'a Expr>, &Span)> {
        self.named
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, v, s)| (*v, s))
    }

    /// True when a switch (or any parameter) was given.
    pub fn has(&self, name: &str) -> bool {
        self.named.iter().any(|(n, _, _)| *n == name)
    }
}

/// A parameter a command declares: its name, aliases, and whether it is a switch.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The canonical name.
    pub name: &'static str,
    /// Other names it answers to.
    pub aliases: &'static [&'static str],
    /// Takes no value.
    pub switch: bool,
}

/// Binds `command`'s arguments to `params` (PowerShell's prefix rule; an ambiguous or unknown
/// name is an error naming it).
pub fn bind<'a>(command: &'a Command, params: &[ParamSpec]) -> EvalResult<Bound<'a>> {
    let mut named = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < command.args.len() {
        match &command.args[i] {
            Arg::Value(e) => positional.push(e),
            Arg::Param { name, value, span } => {
                let lower = name.to_ascii_lowercase();
                let exact = params.iter().find(|p| {
                    p.name.eq_ignore_ascii_case(name)
                        || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                });
                let spec = match exact {
                    Some(p) => p,
                    None => {
                        let matches: Vec<&ParamSpec> = params
                            .iter()
                            .filter(|p| p.name.to_ascii_lowercase().starts_with(&lower))
                            .collect();
                        match matches.as_slice() {
                            [one] => *one,
                            [] => {
                                let names = params.iter().map(|p| p.name);
                                return Err(EvalError::new(
                                    format!("{} has no parameter -{name}", command.name),
                                    span.clone(),
                                )
                                .suggest(closest(name, names).map(|s| format!("-{s}"))));
                            }
                            many => {
                                let list: Vec<String> =
                                    many.iter().map(|p| format!("-{}", p.name)).collect();
                                return Err(EvalError::new(
                                    format!(
                                        "-{name} is ambiguous: it could be {}",
                                        list.join(", ")
                                    ),
                                    span.clone(),
                                ));
                            }
                        }
                    }
                };
                if named.iter().any(|(n, _, _)| *n == spec.name) {
                    return Err(EvalError::new(
                        format!("-{} is given twice", spec.name),
                        span.clone(),
                    ));
                }
                let v = if spec.switch {
                    if let Some(v) = value {
                        // -Switch:$false
                        Some(v)
                    } else {
                        None
                    }
                } else if let Some(v) = value {
                    Some(v)
                } else {
                    match command.args.get(i + 1) {
                        Some(Arg::Value(e)) => {
                            i += 1;
                            Some(e)
                        }
                        _ => {
                            return Err(EvalError::new(
                                format!("-{} needs a value", spec.name),
                                span.clone(),
                            ));
                        }
                    }
                };
                named.push((spec.name, v, span.clone()));
            }
        }
        i += 1;
    }
    Ok(Bound { named, positional })
}
