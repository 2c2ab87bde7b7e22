//! Objects of plain values written to a temporary file in order and made again as they are
//! read: the output of stages that take groups written out one at a time and make other
//! objects of them (`Group-Object MessageId -NoElement | Select-Object Name, @{n='Twice';
//! e={$_.Count * 2}}`), too many to hold. Plain: `$null`, booleans, numbers, text, dates,
//! time spans, arrays of plain values and the PSCustomObjects Select-Object makes of them;
//! anything else (an event, a group, a hashtable, a script block) is not written
//! ([`PlainObjects::push`] says so, and the caller holds the objects instead).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek};
use std::rc::Rc;

use chrono::{DateTime as ChronoDateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::pwsh::datetime::{DateTime, Kind, TimeSpan};
use crate::pwsh::runtime::Order;
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
                .map(|(n, v)| Some((n.clone(), plain(v)?)))
                .collect::<Option<_>>()?;
            let collections = custom
                .collections
                .iter()
                .map(|(n, t)| {
                    let at = COLLECTION_TYPES.iter().position(|k| k == t)?;
                    Some((n.clone(), at as u8))
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

/// The value written as `p`. `types`: the type names read so far, shared (every object a
/// Select-Object makes has the same two).
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
            let type_names = type_names
                .into_iter()
                .map(|t| match types.iter().find(|k| ***k == *t) {
                    Some(k) => k.clone(),
                    None => {
                        let k: Rc<str> = Rc::from(t);
                        types.push(k.clone());
                        k
                    }
                })
                .collect();
            let properties = properties
                .into_iter()
                .map(|(n, v)| Ok((n, made(v, types)?)))
                .collect::<io::Result<_>>()?;
            let collections = collections
                .into_iter()
                .map(|(n, t)| {
                    let t = COLLECTION_TYPES
                        .get(usize::from(t))
                        .ok_or_else(|| bad("a collection type written out is unknown"))?;
                    Ok((n, *t))
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

/// Plain objects written to a temporary file in the order they are pushed, read back from
/// the first as often as asked.
pub struct PlainObjects {
    out: Option<BufWriter<File>>,
    file: Option<File>,
    count: usize,
    /// How many are objects (not text, numbers, dates or arrays).
    objects: usize,
}

impl PlainObjects {
    /// An empty file.
    pub fn new() -> io::Result<PlainObjects> {
        Ok(PlainObjects {
            out: Some(BufWriter::new(tempfile::tempfile()?)),
            file: None,
            count: 0,
            objects: 0,
        })
    }

    /// Writes `v` after those before; `Ok(false)` (nothing written) when it is not plain.
    pub fn push(&mut self, v: &Value) -> io::Result<bool> {
        let Some(p) = plain(v) else {
            return Ok(false);
        };
        self.push_plain(&p)?;
        Ok(true)
    }

    /// Writes `p` after those before.
    fn push_plain(&mut self, p: &Plain) -> io::Result<()> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("objects pushed after they were read"))?;
        bincode::serde::encode_into_std_write(p, out, ENCODING).map_err(io::Error::other)?;
        self.count += 1;
        self.objects += usize::from(matches!(p, Plain::Object { .. }));
        Ok(())
    }

    /// Ends the writing.
    pub fn finish(mut self) -> io::Result<PlainObjects> {
        if let Some(out) = self.out.take() {
            self.file = Some(rewound(out)?);
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
            Some(p.and_then(|p| made(p, &mut types)))
        }))
    }
}

/// An object's place among those written out of order: its group's first item, then its
/// place among the objects of that group.
pub type Place = (Order, u32);

/// Objects written out in runs, each run in order of place, merged into one order at the
/// end ([`PlacedRuns::finish`]); held instead from the first that is not plain.
pub struct PlacedRuns {
    runs: Vec<File>,
    writing: Option<BufWriter<File>>,
    /// From the first object that is not plain: every object, held.
    held: Option<Vec<(Place, Value)>>,
}

impl PlacedRuns {
    /// No run yet.
    pub fn new() -> PlacedRuns {
        PlacedRuns {
            runs: Vec::new(),
            writing: None,
            held: None,
        }
    }

    /// Takes `v` at `place`, after those of the run so far (in order of place).
    pub fn push(&mut self, place: Place, v: Value) -> io::Result<()> {
        if let Some(held) = &mut self.held {
            held.push((place, v));
            return Ok(());
        }
        let Some(p) = plain(&v) else {
            // Every object held from here: those written are read back.
            let mut held = Vec::new();
            self.end_run()?;
            for run in std::mem::take(&mut self.runs) {
                let mut types = Vec::new();
                for placed in read_run(run) {
                    let (at, p) = placed?;
                    held.push((at, made(p, &mut types)?));
                }
            }
            held.push((place, v));
            self.held = Some(held);
            return Ok(());
        };
        let out = match &mut self.writing {
            Some(out) => out,
            None => self.writing.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        bincode::serde::encode_into_std_write(&(place, p), out, ENCODING)
            .map_err(io::Error::other)?;
        Ok(())
    }

    /// True when an object taken was not plain: every object is held from then on.
    pub fn holds(&self) -> bool {
        self.held.is_some()
    }

    /// Ends the run: the next object starts another.
    pub fn end_run(&mut self) -> io::Result<()> {
        if let Some(out) = self.writing.take() {
            self.runs.push(rewound(out)?);
        }
        Ok(())
    }

    /// Every object taken, in order of place: written out as [`PlainObjects`] (`Ok`), or
    /// held (`Err`) when one was not plain.
    pub fn finish(mut self) -> io::Result<Result<PlainObjects, Vec<Value>>> {
        self.end_run()?;
        if let Some(mut held) = self.held {
            held.sort_by_key(|(at, _)| *at);
            return Ok(Err(held.into_iter().map(|(_, v)| v).collect()));
        }
        let mut runs = self.runs;
        // Merged at most MERGE_WAYS at a time (a file each).
        while runs.len() > super::group_spill::MERGE_WAYS {
            let rest = runs.split_off(super::group_spill::MERGE_WAYS);
            let mut out = BufWriter::new(tempfile::tempfile()?);
            for placed in merged(std::mem::take(&mut runs)) {
                bincode::serde::encode_into_std_write(&placed?, &mut out, ENCODING)
                    .map_err(io::Error::other)?;
            }
            runs = rest;
            runs.push(rewound(out)?);
        }
        let mut objects = PlainObjects::new()?;
        for placed in merged(runs) {
            let (_, p) = placed?;
            objects.push_plain(&p)?;
        }
        objects.finish().map(Ok)
    }
}

/// The objects of a run, in order.
fn read_run(run: File) -> impl Iterator<Item = io::Result<(Place, Plain)>> {
    let mut reader = BufReader::with_capacity(16 * 1024, run);
    std::iter::from_fn(move || match io::BufRead::fill_buf(&mut reader) {
        Ok([]) => None,
        Ok(_) => Some(
            bincode::serde::decode_from_std_read(&mut reader, ENCODING)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        ),
        Err(e) => Some(Err(e)),
    })
}

/// The objects of `runs` (each in order of place) in one order of place (a read error
/// first).
fn merged(runs: Vec<File>) -> impl Iterator<Item = io::Result<(Place, Plain)>> {
    itertools::kmerge_by(
        runs.into_iter().map(read_run),
        |a: &io::Result<(Place, Plain)>, b: &io::Result<(Place, Plain)>| match (a, b) {
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
                type_names: names.clone(),
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
        let mut objects = PlainObjects::new().expect("a file");
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
}
