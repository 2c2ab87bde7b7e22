//! Objects of plain values written to a temporary file in order and made again as they are
//! read: the output of stages that take groups written out one at a time and make other
//! objects of them (`Group-Object MessageId -NoElement | Select-Object Name, @{n='Twice';
//! e={$_.Count * 2}}`), too many to hold. Plain: `$null`, booleans, numbers, text, dates,
//! time spans, arrays of plain values and the PSCustomObjects Select-Object makes of them;
//! and the host's events, when it gives a form for them ([`EventForm`]: blocks of
//! [`EVENT_BLOCK`] written to a file beside, in order, `Group-Object MessageId |
//! ForEach-Object { $_.Group | Select-Object -First 1 }`); anything else (a group, a
//! hashtable, a script block) is not written ([`PlainObjects::push`] says so, and the caller
//! holds the objects instead).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::rc::Rc;

use chrono::{DateTime as ChronoDateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::pwsh::datetime::{DateTime, Kind, TimeSpan};
use crate::pwsh::runtime::{EventForm, Order};
use crate::pwsh::value::{CustomObject, PSOBJECT_COLLECTION, Value};

/// The .NET collection types a PSCustomObject's properties may declare (see
/// `PsObject::collection_type`): written as text, read back as these.
const COLLECTION_TYPES: [&str; 4] = [
    PSOBJECT_COLLECTION,
    "System.Collections.ArrayList",
    "System.String[]",
    "System.Collections.Generic.KeyValuePair`2[System.String,System.Object][]",
];

/// A plain value as written.
#[derive(Debug, Serialize, Deserialize)]
enum Plain {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    /// rust_decimal's 16 bytes.
    Decimal([u8; 16]),
    Str(String),
    Char(char),
    /// Seconds and nanoseconds of the wall clock since 1970 (as if UTC), and the kind.
    DateTime(i64, u32, u8),
    TimeSpan(i64),
    Array(Vec<Plain>),
    Object {
        type_names: Vec<String>,
        properties: Vec<(String, Plain)>,
        collections: Vec<(String, u8)>,
    },
    /// The host's next event, in the file of events beside ([`EventsOut`]).
    Event,
}

/// How many events a block holds (a merge reads a block of each run at once).
pub const EVENT_BLOCK: usize = 256;

/// What is read back: a plain value as written, or one of the host's events.
enum Entry {
    Plain(Plain),
    Event(Value),
}

/// The host's events written to a temporary file in blocks, each the bytes its form makes
/// ([`EventForm::write`]) after their length.
struct EventsOut {
    form: Rc<dyn EventForm>,
    out: BufWriter<File>,
    pending: Vec<Value>,
}

impl EventsOut {
    fn new(form: Rc<dyn EventForm>) -> io::Result<EventsOut> {
        Ok(EventsOut {
            form,
            out: BufWriter::new(tempfile::tempfile()?),
            pending: Vec::new(),
        })
    }

    /// Takes `v`, written with the block it ends.
    fn push(&mut self, v: Value) -> io::Result<()> {
        self.pending.push(v);
        if self.pending.len() >= EVENT_BLOCK {
            self.write_block()?;
        }
        Ok(())
    }

    fn write_block(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let block = self.form.write(&self.pending)?;
        self.pending.clear();
        self.out.write_all(&(block.len() as u64).to_le_bytes())?;
        self.out.write_all(&block)
    }

    /// The file, from its start.
    fn finish(mut self) -> io::Result<File> {
        self.write_block()?;
        rewound(self.out)
    }
}

/// Events read back from a file [`EventsOut`] wrote, a block at a time.
struct EventsBack<R: Read> {
    form: Rc<dyn EventForm>,
    reader: BufReader<R>,
    block: std::vec::IntoIter<Value>,
}

impl<R: Read> EventsBack<R> {
    fn new(form: Rc<dyn EventForm>, file: R) -> EventsBack<R> {
        EventsBack {
            form,
            reader: BufReader::with_capacity(64 * 1024, file),
            block: Vec::new().into_iter(),
        }
    }

    /// The next event.
    fn next_event(&mut self) -> io::Result<Value> {
        loop {
            if let Some(v) = self.block.next() {
                return Ok(v);
            }
            let mut len = [0u8; 8];
            self.reader.read_exact(&mut len)?;
            let len = usize::try_from(u64::from_le_bytes(len))
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a block is too long"))?;
            let mut bytes = vec![0u8; len];
            self.reader.read_exact(&mut bytes)?;
            let events = self.form.read(&bytes)?;
            if events.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a block of events written out is empty",
                ));
            }
            self.block = events.into_iter();
        }
    }
}

/// `v` as written, `None` when it is not plain.
fn plain(v: &Value) -> Option<Plain> {
    Some(match v {
        Value::Null => Plain::Null,
        Value::Bool(b) => Plain::Bool(*b),
        Value::Int(i) => Plain::Int(*i),
        Value::Long(i) => Plain::Long(*i),
        Value::Double(d) => Plain::Double(*d),
        Value::Decimal(d) => Plain::Decimal(d.serialize()),
        Value::Str(s) => Plain::Str(s.to_string()),
        Value::Char(c) => Plain::Char(*c),
        Value::DateTime(d) => {
            let at = d.wall.and_utc();
            let kind = match d.kind {
                Kind::Unspecified => 0,
                Kind::Utc => 1,
                Kind::Local => 2,
            };
            Plain::DateTime(at.timestamp(), at.timestamp_subsec_nanos(), kind)
        }
        Value::TimeSpan(t) => Plain::TimeSpan(t.0),
        Value::Array(items) => Plain::Array(items.iter().map(plain).collect::<Option<_>>()?),
        Value::Object(o) => {
            let custom = o.as_any()?.downcast_ref::<CustomObject>()?;
            let properties = custom
                .properties
                .iter()
                .map(|(n, v)| Some((n.to_string(), plain(v)?)))
                .collect::<Option<_>>()?;
            let collections = custom
                .collections
                .iter()
                .map(|(n, t)| {
                    let at = COLLECTION_TYPES.iter().position(|k| k == t)?;
                    Some((n.to_string(), at as u8))
                })
                .collect::<Option<_>>()?;
            Plain::Object {
                type_names: custom.type_names.iter().map(|t| t.to_string()).collect(),
                properties,
                collections,
            }
        }
        Value::Hashtable(_) | Value::ScriptBlock(_) | Value::Enum(_) => return None,
    })
}

/// `text` as one of `seen` (added when new, while they are few): the type and property names
/// of objects read back, shared by every object that has them. Past [`INTERNED`] names each
/// new one is its own (objects each of their own property names would otherwise make every
/// read search them all).
fn interned(seen: &mut Vec<Rc<str>>, text: String) -> Rc<str> {
    match seen.iter().find(|k| ***k == *text) {
        Some(k) => k.clone(),
        None if seen.len() >= INTERNED => Rc::from(text),
        None => {
            let k: Rc<str> = Rc::from(text);
            seen.push(k.clone());
            k
        }
    }
}

/// How many names [`interned`] shares at most.
const INTERNED: usize = 256;

/// The value written as `p`. `types`: the type and property names read so far, shared
/// ([`interned`]: every object a Select-Object makes has the same).
fn made(p: Plain, types: &mut Vec<Rc<str>>) -> io::Result<Value> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    Ok(match p {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Bool(b),
        Plain::Int(i) => Value::Int(i),
        Plain::Long(i) => Value::Long(i),
        Plain::Double(d) => Value::Double(d),
        Plain::Decimal(d) => Value::Decimal(rust_decimal::Decimal::deserialize(d)),
        Plain::Str(s) => Value::str(s),
        Plain::Char(c) => Value::Char(c),
        Plain::DateTime(secs, nanos, kind) => {
            let wall: NaiveDateTime = ChronoDateTime::from_timestamp(secs, nanos)
                .ok_or_else(|| bad("a date written out is out of range"))?
                .naive_utc();
            let kind = match kind {
                0 => Kind::Unspecified,
                1 => Kind::Utc,
                2 => Kind::Local,
                _ => return Err(bad("a date written out has no kind")),
            };
            Value::DateTime(DateTime::new(wall, kind))
        }
        Plain::TimeSpan(t) => Value::TimeSpan(TimeSpan(t)),
        Plain::Event => return Err(bad("an event written out without its block")),
        Plain::Array(items) => Value::array(
            items
                .into_iter()
                .map(|i| made(i, types))
                .collect::<io::Result<_>>()?,
        ),
        Plain::Object {
            type_names,
            properties,
            collections,
        } => {
            let type_names = type_names.into_iter().map(|t| interned(types, t)).collect();
            let properties = properties
                .into_iter()
                .map(|(n, v)| Ok((interned(types, n), made(v, types)?)))
                .collect::<io::Result<_>>()?;
            let collections = collections
                .into_iter()
                .map(|(n, t)| {
                    let t = COLLECTION_TYPES
                        .get(usize::from(t))
                        .ok_or_else(|| bad("a collection type written out is unknown"))?;
                    Ok((interned(types, n), *t))
                })
                .collect::<io::Result<_>>()?;
            Value::Object(Rc::new(CustomObject {
                type_names,
                properties,
                collections,
            }))
        }
    })
}

/// How objects are written: bincode's standard encoding (lengths as varints).
const ENCODING: bincode::config::Configuration = bincode::config::standard();

/// Plain objects (and the host's events) written to a temporary file in the order they are
/// pushed, read back from the first as often as asked.
pub struct PlainObjects {
    form: Option<Rc<dyn EventForm>>,
    out: Option<BufWriter<File>>,
    events_out: Option<EventsOut>,
    file: Option<File>,
    events: Option<File>,
    count: usize,
    /// How many are objects (not text, numbers, dates or arrays), events among them.
    objects: usize,
    /// How many are the host's events.
    event_count: usize,
}

impl PlainObjects {
    /// An empty file; the host's events written in `form` when given.
    pub fn new(form: Option<Rc<dyn EventForm>>) -> io::Result<PlainObjects> {
        Ok(PlainObjects {
            form,
            out: Some(BufWriter::new(tempfile::tempfile()?)),
            events_out: None,
            file: None,
            events: None,
            count: 0,
            objects: 0,
            event_count: 0,
        })
    }

    /// Writes `v` after those before; `Ok(false)` (nothing written) when it is neither plain
    /// nor an event of the form given.
    pub fn push(&mut self, v: &Value) -> io::Result<bool> {
        match plain(v) {
            Some(p) => self.push_entry(Entry::Plain(p))?,
            None if takes(&self.form, v) => self.push_entry(Entry::Event(v.clone()))?,
            None => return Ok(false),
        }
        Ok(true)
    }

    /// Writes `e` after those before.
    fn push_entry(&mut self, e: Entry) -> io::Result<()> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("objects pushed after they were read"))?;
        self.event_count += usize::from(matches!(e, Entry::Event(_)));
        let p = written(&mut self.events_out, &self.form, e)?;
        bincode::serde::encode_into_std_write(&p, out, ENCODING).map_err(io::Error::other)?;
        self.count += 1;
        self.objects += usize::from(matches!(p, Plain::Object { .. } | Plain::Event));
        Ok(())
    }

    /// Ends the writing.
    pub fn finish(mut self) -> io::Result<PlainObjects> {
        if let Some(out) = self.out.take() {
            self.file = Some(rewound(out)?);
        }
        if let Some(events) = self.events_out.take() {
            self.events = Some(events.finish()?);
        }
        Ok(self)
    }

    /// Every object read back and held.
    pub fn held(&self) -> io::Result<Vec<Value>> {
        self.objects()?.collect()
    }

    /// True when none is an object with properties (only text, numbers, dates and arrays):
    /// printed as bare values.
    pub fn scalars_only(&self) -> bool {
        self.objects == 0
    }

    /// True when some are bare values (text, numbers, dates, arrays), not objects.
    pub fn has_bare_values(&self) -> bool {
        self.objects < self.count
    }

    /// True when every object is one of the host's events (and there is one).
    pub fn events_only(&self) -> bool {
        self.count > 0 && self.event_count == self.count
    }

    /// How many objects.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The objects from the first, read as they are taken (one walk at a time: each starts
    /// the file over).
    pub fn objects(&self) -> io::Result<impl Iterator<Item = io::Result<Value>> + '_> {
        let mut handle = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("objects read before they were all written"))?;
        handle.rewind()?;
        let mut events = match (&self.form, self.events.as_ref()) {
            (Some(form), Some(mut file)) => {
                file.rewind()?;
                Some(EventsBack::new(form.clone(), file))
            }
            _ => None,
        };
        let mut reader = BufReader::with_capacity(64 * 1024, handle);
        let mut types = Vec::new();
        let mut left = self.count;
        Ok(std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            let p: io::Result<Plain> = bincode::serde::decode_from_std_read(&mut reader, ENCODING)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
            Some(p.and_then(|p| match p {
                Plain::Event => next_event(&mut events),
                p => made(p, &mut types),
            }))
        }))
    }
}

/// True when `v` is an event `form` writes.
fn takes(form: &Option<Rc<dyn EventForm>>, v: &Value) -> bool {
    form.as_ref().is_some_and(|f| f.takes(v))
}

/// What is written of `entry` in the objects' file: its plain value, or, for an event, the
/// placeholder, the event itself going to `events` (made in `form` when there is none yet).
fn written(
    events: &mut Option<EventsOut>,
    form: &Option<Rc<dyn EventForm>>,
    entry: Entry,
) -> io::Result<Plain> {
    let v = match entry {
        Entry::Plain(p) => return Ok(p),
        Entry::Event(v) => v,
    };
    let out = match events {
        Some(out) => out,
        None => {
            let form = form
                .clone()
                .ok_or_else(|| io::Error::other("an event written out without a form"))?;
            events.insert(EventsOut::new(form)?)
        }
    };
    out.push(v)?;
    Ok(Plain::Event)
}

/// The next event of `events` (an error when there is no file of them).
fn next_event<R: Read>(events: &mut Option<EventsBack<R>>) -> io::Result<Value> {
    match events {
        Some(events) => events.next_event(),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "an event written out without its block",
        )),
    }
}

/// An object's place among those written out of order: its group's first item, then its
/// place among the objects of that group.
pub type Place = (Order, u32);

/// A run written: its objects, and its events beside when it has some.
struct Run {
    objects: File,
    events: Option<File>,
}

/// Objects written out in runs, each run in order of place, merged into one order at the
/// end ([`PlacedRuns::finish`]); held instead from the first that is neither plain nor an
/// event of the form given.
pub struct PlacedRuns {
    form: Option<Rc<dyn EventForm>>,
    runs: Vec<Run>,
    writing: Option<BufWriter<File>>,
    events: Option<EventsOut>,
    /// From the first object that is not plain: every object, held.
    held: Option<Vec<(Place, Value)>>,
}

impl PlacedRuns {
    /// No run yet; the host's events written in `form` when given.
    pub fn new(form: Option<Rc<dyn EventForm>>) -> PlacedRuns {
        PlacedRuns {
            form,
            runs: Vec::new(),
            writing: None,
            events: None,
            held: None,
        }
    }

    /// Takes `v` at `place`, after those of the run so far (in order of place).
    pub fn push(&mut self, place: Place, v: Value) -> io::Result<()> {
        if let Some(held) = &mut self.held {
            held.push((place, v));
            return Ok(());
        }
        let entry = match plain(&v) {
            Some(p) => Entry::Plain(p),
            None if takes(&self.form, &v) => Entry::Event(v),
            None => {
                // Every object held from here: those written are read back.
                let mut held = Vec::new();
                self.end_run()?;
                let mut types = Vec::new();
                for run in std::mem::take(&mut self.runs) {
                    for placed in read_run(run, &self.form) {
                        let (at, entry) = placed?;
                        held.push((at, entry_value(entry, &mut types)?));
                    }
                }
                held.push((place, v));
                self.held = Some(held);
                return Ok(());
            }
        };
        let out = match &mut self.writing {
            Some(out) => out,
            None => self.writing.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        write_placed(out, &mut self.events, &self.form, place, entry)
    }

    /// True when an object taken was neither plain nor an event: every object is held from
    /// then on.
    pub fn holds(&self) -> bool {
        self.held.is_some()
    }

    /// Ends the run: the next object starts another.
    pub fn end_run(&mut self) -> io::Result<()> {
        if let Some(out) = self.writing.take() {
            let events = self.events.take().map(EventsOut::finish).transpose()?;
            self.runs.push(Run {
                objects: rewound(out)?,
                events,
            });
        }
        Ok(())
    }

    /// Every object taken, in order of place: written out as [`PlainObjects`] (`Ok`), or
    /// held (`Err`) when one was neither plain nor an event.
    pub fn finish(mut self) -> io::Result<Result<PlainObjects, Vec<Value>>> {
        self.end_run()?;
        if let Some(mut held) = self.held {
            held.sort_by_key(|(at, _)| *at);
            return Ok(Err(held.into_iter().map(|(_, v)| v).collect()));
        }
        let form = self.form;
        let mut runs = self.runs;
        // Merged at most MERGE_WAYS at a time (a file each).
        while runs.len() > super::group_spill::MERGE_WAYS {
            let rest = runs.split_off(super::group_spill::MERGE_WAYS);
            let mut out = BufWriter::new(tempfile::tempfile()?);
            let mut events = None;
            for placed in merged(std::mem::take(&mut runs), &form) {
                let (at, entry) = placed?;
                write_placed(&mut out, &mut events, &form, at, entry)?;
            }
            runs = rest;
            runs.push(Run {
                objects: rewound(out)?,
                events: events.map(EventsOut::finish).transpose()?,
            });
        }
        let mut objects = PlainObjects::new(form.clone())?;
        for placed in merged(runs, &form) {
            let (_, entry) = placed?;
            objects.push_entry(entry)?;
        }
        objects.finish().map(Ok)
    }
}

/// Writes `entry` at `at` to `out`, an event to `events` beside.
fn write_placed(
    out: &mut BufWriter<File>,
    events: &mut Option<EventsOut>,
    form: &Option<Rc<dyn EventForm>>,
    at: Place,
    entry: Entry,
) -> io::Result<()> {
    let p = written(events, form, entry)?;
    bincode::serde::encode_into_std_write(&(at, p), out, ENCODING).map_err(io::Error::other)?;
    Ok(())
}

/// The value an entry read back is.
fn entry_value(entry: Entry, types: &mut Vec<Rc<str>>) -> io::Result<Value> {
    match entry {
        Entry::Plain(p) => made(p, types),
        Entry::Event(v) => Ok(v),
    }
}

/// The objects of a run, in order.
fn read_run(
    run: Run,
    form: &Option<Rc<dyn EventForm>>,
) -> impl Iterator<Item = io::Result<(Place, Entry)>> + use<> {
    let mut reader = BufReader::with_capacity(16 * 1024, run.objects);
    let mut events = match (form, run.events) {
        (Some(form), Some(file)) => Some(EventsBack::new(form.clone(), file)),
        _ => None,
    };
    std::iter::from_fn(move || match io::BufRead::fill_buf(&mut reader) {
        Ok([]) => None,
        Ok(_) => Some(
            bincode::serde::decode_from_std_read(&mut reader, ENCODING)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
                .and_then(|(at, p): (Place, Plain)| match p {
                    Plain::Event => Ok((at, Entry::Event(next_event(&mut events)?))),
                    p => Ok((at, Entry::Plain(p))),
                }),
        ),
        Err(e) => Some(Err(e)),
    })
}

/// The objects of `runs` (each in order of place) in one order of place (a read error
/// first).
fn merged(
    runs: Vec<Run>,
    form: &Option<Rc<dyn EventForm>>,
) -> impl Iterator<Item = io::Result<(Place, Entry)>> + use<> {
    itertools::kmerge_by(
        runs.into_iter()
            .map(|run| read_run(run, form))
            .collect::<Vec<_>>(),
        |a: &io::Result<(Place, Entry)>, b: &io::Result<(Place, Entry)>| match (a, b) {
            (Ok((x, _)), Ok((y, _))) => x < y,
            (Err(_), _) => true,
            (Ok(_), Err(_)) => false,
        },
    )
}

/// A file written through `out`, from its start.
pub(super) fn rewound(out: BufWriter<File>) -> io::Result<File> {
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names read back are shared while few; past [`INTERNED`] each new one is its own, still
    /// its text, and the ones shared before stay shared.
    #[test]
    fn names_read_back_are_shared_while_few() {
        let mut seen = Vec::new();
        let a = interned(&mut seen, "Sender".to_string());
        let b = interned(&mut seen, "Sender".to_string());
        assert!(Rc::ptr_eq(&a, &b));
        for i in 0..2 * INTERNED {
            assert_eq!(&*interned(&mut seen, format!("n{i}")), format!("n{i}"));
        }
        assert_eq!(seen.len(), INTERNED);
        let late = interned(&mut seen, "late".to_string());
        assert_eq!(&*late, "late");
        assert_eq!(seen.len(), INTERNED, "no name added past the bound");
        assert!(Rc::ptr_eq(&a, &interned(&mut seen, "Sender".to_string())));
    }
    use crate::pwsh::culture::INVARIANT;

    #[test]
    fn plain_objects_come_back_as_they_were_and_others_are_refused() {
        let wall = NaiveDateTime::parse_from_str("2026-11-20 10:00:01.1234567", "%F %T%.f")
            .expect("a date");
        let names: Vec<Rc<str>> = vec![
            Rc::from("Selected.Microsoft.PowerShell.Commands.GroupInfo"),
            Rc::from("System.Management.Automation.PSCustomObject"),
        ];
        let object = |i: i32| {
            Value::Object(Rc::new(CustomObject {
                type_names: names.clone().into(),
                properties: vec![
                    ("Name".into(), Value::str(format!("<id{i}@x>"))),
                    ("Count".into(), Value::Int(i)),
                    ("Half".into(), Value::Double(f64::from(i) / 2.0)),
                    (
                        "Money".into(),
                        Value::Decimal(rust_decimal::Decimal::new(i64::from(i) * 101, 2)),
                    ),
                    (
                        "When".into(),
                        Value::DateTime(DateTime::new(wall, Kind::Local)),
                    ),
                    ("Took".into(), Value::TimeSpan(TimeSpan(-i64::from(i)))),
                    (
                        "Values".into(),
                        Value::array(vec![Value::str("a"), Value::Null, Value::Long(-7)]),
                    ),
                    ("Big".into(), Value::Bool(i % 2 == 0)),
                ],
                collections: vec![("Values".into(), "System.Collections.ArrayList")],
            }))
        };
        let mut objects = PlainObjects::new(None).expect("a file");
        let written: Vec<Value> = (0..5).map(object).chain([Value::Char('é')]).collect();
        for v in &written {
            assert!(objects.push(v).expect("written"));
        }
        let table = Value::Hashtable(Rc::default());
        assert!(!objects.push(&table).expect("nothing written"));
        assert!(
            !objects
                .push(&Value::array(vec![table]))
                .expect("nothing written")
        );
        let objects = objects.finish().expect("finished");
        assert_eq!(objects.len(), 6);
        for _ in 0..2 {
            let back: Vec<Value> = objects
                .objects()
                .expect("read")
                .collect::<io::Result<_>>()
                .expect("read");
            assert_eq!(back.len(), written.len());
            for (a, b) in back.iter().zip(&written) {
                assert_eq!(a.text_in(&INVARIANT), b.text_in(&INVARIANT));
                let (Value::Object(a), Value::Object(b)) = (a, b) else {
                    assert!(matches!((a, b), (Value::Char('é'), Value::Char('é'))));
                    continue;
                };
                assert_eq!(a.type_names(), b.type_names());
                assert_eq!(a.property_names(), b.property_names());
                for n in a.property_names() {
                    let (x, y) = (a.property(&n), b.property(&n));
                    assert_eq!(format!("{x:?}"), format!("{y:?}"), "{n}");
                }
                assert_eq!(
                    a.collection_type("values"),
                    Some("System.Collections.ArrayList")
                );
            }
        }
    }

    /// An event of a test host: a number, written as its four bytes.
    #[derive(Debug)]
    struct Event(u32);

    impl crate::pwsh::value::PsObject for Event {
        fn type_names(&self) -> Vec<std::borrow::Cow<'_, str>> {
            vec!["Test.Event".into()]
        }
        fn property_names(&self) -> Vec<std::borrow::Cow<'_, str>> {
            vec!["N".into()]
        }
        fn property(&self, _name: &str) -> Option<Value> {
            Some(Value::Long(i64::from(self.0)))
        }
        fn as_any(&self) -> Option<&dyn std::any::Any> {
            Some(self)
        }
    }

    /// Its form: blocks of little-endian numbers (counted, to see blocks made).
    struct Form(std::cell::Cell<usize>);

    impl EventForm for Form {
        fn takes(&self, v: &Value) -> bool {
            event_number(v).is_some()
        }
        fn write(&self, objects: &[Value]) -> io::Result<Vec<u8>> {
            assert!(objects.len() <= EVENT_BLOCK);
            self.0.set(self.0.get() + 1);
            let mut bytes = Vec::new();
            for v in objects {
                let n = event_number(v).ok_or_else(|| io::Error::other("not an event"))?;
                bytes.extend_from_slice(&n.to_le_bytes());
            }
            Ok(bytes)
        }
        fn read(&self, block: &[u8]) -> io::Result<Vec<Value>> {
            Ok(block
                .chunks(4)
                .map(|b| {
                    let n = u32::from_le_bytes(b.try_into().unwrap_or_default());
                    Value::Object(Rc::new(Event(n)))
                })
                .collect())
        }
    }

    fn event_number(v: &Value) -> Option<u32> {
        match v {
            Value::Object(o) => o.as_any()?.downcast_ref::<Event>().map(|e| e.0),
            _ => None,
        }
    }

    #[test]
    fn events_are_written_in_blocks_beside_plain_values_and_merged_by_place() {
        // Three runs (shares) of places interleaved: run r holds the groups whose first
        // place is r mod 3; each group makes an event and, every fifth, a text after it. More
        // events than a block in each run, so runs read back across blocks.
        let form: Rc<Form> = Rc::new(Form(std::cell::Cell::new(0)));
        let groups = 3 * EVENT_BLOCK as u64 + 7;
        let mut runs = PlacedRuns::new(Some(form.clone()));
        for r in 0..3 {
            for g in (0..groups).filter(|g| g % 3 == r) {
                runs.push(
                    ((g as i64, 0), 0),
                    Value::Object(Rc::new(Event(g as u32 * 10))),
                )
                .expect("written");
                if g % 5 == 0 {
                    runs.push(((g as i64, 0), 1), Value::str(format!("after {g}")))
                        .expect("written");
                }
            }
            runs.end_run().expect("ended");
        }
        assert!(!runs.holds());
        let objects = runs
            .finish()
            .expect("merged")
            .expect("written out, not held");
        assert!(form.0.get() >= 2 * 3, "{} blocks", form.0.get());
        let mut want = Vec::new();
        for g in 0..groups {
            want.push(format!("event {}", g * 10));
            if g % 5 == 0 {
                want.push(format!("after {g}"));
            }
        }
        assert_eq!(objects.len(), want.len());
        assert!(!objects.events_only() && !objects.scalars_only());
        for _ in 0..2 {
            let back: Vec<String> = objects
                .objects()
                .expect("read")
                .map(|v| {
                    let v = v.expect("read");
                    match event_number(&v) {
                        Some(n) => format!("event {n}"),
                        None => v.text_in(&INVARIANT),
                    }
                })
                .collect();
            assert_eq!(back, want);
        }
        // Events alone are said to be so; without a form they are held, as before.
        let mut only = PlainObjects::new(Some(form.clone())).expect("a file");
        assert!(
            only.push(&Value::Object(Rc::new(Event(7))))
                .expect("written")
        );
        assert!(only.finish().expect("finished").events_only());
        let mut formless = PlacedRuns::new(None);
        formless
            .push(((1, 0), 0), Value::Object(Rc::new(Event(1))))
            .expect("held");
        assert!(formless.holds());
    }
}
