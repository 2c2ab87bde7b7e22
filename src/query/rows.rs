//! Tracking events as PowerShell objects: each row of the read frame is a
//! `MessageTrackingEvent` whose properties are typed as the cmdlet types them (Timestamp a
//! local DateTime, Recipients a string[], TotalBytes an int, MessageLatency a TimeSpan,
//! EventData KeyValuePairs), read from the frame's columns on demand.

use std::any::Any;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use chrono::DateTime as ChronoDateTime;
use polars::prelude::*;

use crate::format::latency::LatencyType;
use crate::format::{EVENT_TYPE, Field, FieldKind, Zone};
use crate::frame::access::{self, StringListView};
use crate::pwsh::datetime::{DateTime, Kind, TimeSpan};
use crate::pwsh::value::{EnumValue, PsObject, Value};

/// The properties Format-Table shows for an event when none are named: the cmdlet's view,
/// with the time and the server first.
pub const DEFAULT_TABLE: [Field; 7] = [
    Field::Timestamp,
    Field::Server,
    Field::EventId,
    Field::Source,
    Field::Sender,
    Field::Recipients,
    Field::MessageSubject,
];

enum Column<'a> {
    Times(Vec<i64>),
    Text(StringChunked),
    Numbers(Int64Chunked),
    Lists(StringListView<'a>),
    Pairs(Vec<Vec<(String, String)>>),
}

/// The next [`RowSource::id`].
static NEXT_SOURCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The frame a query read, as a source of event objects.
pub struct RowSource {
    // `columns` borrows from `frame` (the list views): it is declared first so that it is
    // dropped first, and the frame is boxed so that the borrow stays valid when the source
    // moves.
    columns: Vec<std::cell::OnceCell<Option<Column<'static>>>>,
    frame: Box<DataFrame>,
    frame_ref: &'static DataFrame,
    zone: Zone,
    /// This source's number, never given to another in the process (an address can be).
    id: u64,
    /// Properties asked for that were not decoded (the query is then run again with every
    /// column, so no answer is ever missing a value).
    pub missing: RefCell<Vec<Field>>,
}

impl std::fmt::Debug for RowSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowSource({} rows)", self.frame.height())
    }
}

impl RowSource {
    /// A source over `frame` (rows in the order the query sees them), times shown in `zone`.
    pub fn new(mut frame: DataFrame, zone: Zone) -> PolarsResult<Rc<RowSource>> {
        frame.rechunk_mut();
        let frame = Box::new(frame);
        // SAFETY: the list views borrow the boxed frame, which is never moved out of its box,
        // changed, or dropped before them (see the field order of RowSource).
        let frame_ref: &'static DataFrame = unsafe { &*(frame.as_ref() as *const DataFrame) };
        let columns = (0..Field::COUNT)
            .map(|_| std::cell::OnceCell::new())
            .collect();
        let source = Rc::new(RowSource {
            columns,
            frame,
            frame_ref,
            zone,
            id: NEXT_SOURCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            missing: RefCell::new(Vec::new()),
        });
        Ok(source)
    }

    /// A number no other source of this process has had: what is remembered of a source
    /// is found by it (its address is given again once it is dropped).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The frame (rows in query order).
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// True when no row was read.
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    /// Every row as an event object.
    pub fn rows(self: &Rc<Self>) -> Vec<Value> {
        (0..self.len())
            .map(|i| {
                Value::Object(Rc::new(Row {
                    source: self.clone(),
                    index: i,
                }))
            })
            .collect()
    }

    /// A column's accessor, built the first time the column is read.
    fn column(&self, field: Field) -> Option<&Column<'static>> {
        self.columns[field.index()]
            .get_or_init(|| {
                let frame = self.frame_ref;
                frame.column(field.name()).ok()?;
                Some(match field.kind() {
                    FieldKind::Timestamp => Column::Times(access::timestamps_ms(frame).ok()?),
                    FieldKind::Text | FieldKind::Category => {
                        Column::Text(access::text_column(frame, field).ok()?)
                    }
                    FieldKind::Integer | FieldKind::LineNumber | FieldKind::Duration => {
                        Column::Numbers(
                            frame
                                .column(field.name())
                                .ok()?
                                .as_materialized_series()
                                .cast(&DataType::Int64)
                                .ok()?
                                .i64()
                                .ok()?
                                .clone(),
                        )
                    }
                    FieldKind::TextList => Column::Lists(StringListView::new(frame, field).ok()?),
                    FieldKind::KeyValueList => Column::Pairs(access::event_data(frame).ok()?),
                })
            })
            .as_ref()
    }

    /// Row `i`'s `field` as [`super::display::columns`] gives it for the whole frame (the
    /// JSON and CSV cell), read from this source's typed columns: no text is copied for the
    /// other rows. `None` when the frame has no such column.
    pub fn cell(&self, field: Field, i: usize) -> Option<super::display::Cell> {
        use super::display::Cell;
        let column = self.column(field)?;
        Some(match column {
            Column::Times(ms) => ChronoDateTime::from_timestamp_millis(ms[i])
                .map_or(Cell::Null, |t| Cell::Text(self.zone.format(t))),
            Column::Text(t) => t.get(i).map_or(Cell::Null, |s| Cell::Text(s.to_string())),
            Column::Numbers(n) => match (n.get(i), field.kind()) {
                (None, _) => Cell::Null,
                (Some(ms), FieldKind::Duration) => Cell::Duration(ms),
                (Some(v), _) => Cell::Int(v),
            },
            Column::Lists(view) => {
                let mut members = Vec::new();
                view.fill(i, &mut members);
                Cell::List(members.into_iter().map(|m| m.to_string()).collect())
            }
            Column::Pairs(rows) => Cell::Pairs(rows[i].clone()),
        })
    }

    fn value(&self, field: Field, i: usize) -> Value {
        let Some(column) = self.column(field) else {
            self.missing.borrow_mut().push(field);
            return Value::Null;
        };
        let text = |s: Option<&str>| match s {
            Some(t) if !t.is_empty() => Value::str(t),
            _ => Value::Null,
        };
        match column {
            Column::Times(ms) => {
                let utc = ChronoDateTime::from_timestamp_millis(ms[i]).unwrap_or_default();
                Value::DateTime(DateTime::new(
                    self.zone.local(utc).naive_local(),
                    Kind::Local,
                ))
            }
            Column::Text(t) if field == Field::MessageLatencyType => {
                let name = t.get(i).unwrap_or("None");
                let kind = LatencyType::parse(name).unwrap_or(LatencyType::None);
                Value::Enum(Rc::new(EnumValue {
                    type_name: "Microsoft.Exchange.Management.TransportLogSearchTasks.MessageLatencyType",
                    name: kind.name(),
                    value: kind.value(),
                }))
            }
            Column::Text(t) => text(t.get(i)),
            Column::Numbers(n) => match (n.get(i), field) {
                (None, _) => Value::Null,
                (Some(ms), Field::MessageLatency) => Value::TimeSpan(TimeSpan::from_ms(ms)),
                (Some(v), _) => match i32::try_from(v) {
                    Ok(small) => Value::Int(small),
                    Err(_) => Value::Long(v),
                },
            },
            Column::Lists(view) => {
                let mut members = Vec::new();
                view.fill(i, &mut members);
                // Reference is $null when it is a single empty element (the cmdlet's rule).
                if field == Field::Reference
                    && (members.is_empty() || (members.len() == 1 && members[0].is_empty()))
                {
                    return Value::Null;
                }
                Value::array(members.into_iter().map(Value::str).collect())
            }
            Column::Pairs(rows) => Value::array(
                rows[i]
                    .iter()
                    .map(|(k, v)| {
                        Value::Object(Rc::new(KeyValuePair {
                            key: k.clone(),
                            value: v.clone(),
                        }))
                    })
                    .collect(),
            ),
        }
    }
}

/// One event: a row of a [`RowSource`].
#[derive(Debug)]
pub struct Row {
    /// The frame it is in.
    pub source: Rc<RowSource>,
    /// Its row.
    pub index: usize,
}

impl PsObject for Row {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(EVENT_TYPE)]
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        Field::ALL.iter().map(|f| Cow::Borrowed(f.name())).collect()
    }

    fn property(&self, name: &str) -> Option<Value> {
        let field = Field::from_name(name)?;
        Some(self.source.value(field, self.index))
    }

    fn default_table(&self) -> Option<Vec<String>> {
        Some(DEFAULT_TABLE.iter().map(|f| f.name().to_string()).collect())
    }

    fn collection_type(&self, name: &str) -> Option<&'static str> {
        match Field::from_name(name)?.kind() {
            FieldKind::TextList => Some("System.String[]"),
            FieldKind::KeyValueList => {
                Some("System.Collections.Generic.KeyValuePair`2[System.String,System.Object][]")
            }
            _ => None,
        }
    }

    fn detached(&self) -> Option<Value> {
        let at = IdxCa::from_vec("i".into(), vec![self.index as IdxSize]);
        let source = crate::frame::take_rows(self.source.frame(), &at)
            .and_then(|one| crate::frame::compact(&one))
            .and_then(|frame| RowSource::new(frame, self.source.zone))
            .ok()?;
        Some(Value::Object(Rc::new(Row { source, index: 0 })))
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// Makes the events among `items` hold their own values rather than the batches they came
/// in: all of them copied into one frame (a row copied on its own costs a frame of its own,
/// some 15 KB). Other values are left as they are; events that cannot be copied too.
pub fn detach_all(items: &mut [&mut Value]) {
    let rows: Vec<Value> = items
        .iter()
        .filter(|v| as_row(v).is_some())
        .map(|v| (**v).clone())
        .collect();
    let Some(zone) = rows.first().and_then(as_row).map(|r| r.source.zone) else {
        return;
    };
    let copied = gather(&rows, &DataFrame::empty())
        .ok()
        .flatten()
        .and_then(|frame| crate::frame::compact(&frame).ok())
        .and_then(|frame| RowSource::new(frame, zone).ok());
    drop(rows);
    let Some(source) = copied else {
        return;
    };
    let mut index = 0;
    for item in items.iter_mut() {
        if as_row(item).is_some() {
            **item = Value::Object(Rc::new(Row {
                source: source.clone(),
                index,
            }));
            index += 1;
        }
    }
}

/// Events written out in blocks as Arrow IPC bytes of their own frame (their columns, text
/// copied out of the batches they came in), made again as rows of a frame read back: how
/// `pwsh::commands::object_spill` writes the events a line makes of groups a share of their
/// keys at a time.
pub struct EventBlocks {
    /// The zone the rows read back show their times in.
    pub zone: Zone,
}

impl crate::pwsh::runtime::EventForm for EventBlocks {
    fn takes(&self, v: &Value) -> bool {
        as_row(v).is_some()
    }

    fn write(&self, objects: &[Value]) -> std::io::Result<Vec<u8>> {
        let to_io = |e: PolarsError| std::io::Error::other(e.to_string());
        let frame = gathered(objects)
            .map_err(to_io)?
            .ok_or_else(|| std::io::Error::other("only events are written as events"))?;
        let mut frame = crate::frame::compact(&frame).map_err(to_io)?;
        let mut bytes = Vec::new();
        IpcWriter::new(&mut bytes)
            .finish(&mut frame)
            .map_err(to_io)?;
        Ok(bytes)
    }

    fn read(&self, block: &[u8]) -> std::io::Result<Vec<Value>> {
        let to_io =
            |e: PolarsError| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string());
        let frame = IpcReader::new(std::io::Cursor::new(block))
            .finish()
            .map_err(to_io)?;
        Ok(RowSource::new(frame, self.zone).map_err(to_io)?.rows())
    }
}

/// The row behind a value, if it is an event.
pub fn as_row(v: &Value) -> Option<&Row> {
    match v {
        Value::Object(o) => o.as_any().and_then(|a| a.downcast_ref::<Row>()),
        _ => None,
    }
}

/// The events `rows` copied, in their order, into one frame of their own (so that the reads
/// they came from can be let go): one gather per source they come from, then one take that
/// puts them back in order. `Ok(None)` when a value is not an event; a frame of no rows in
/// `empty`'s columns when there are none.
pub fn gather(rows: &[Value], empty: &DataFrame) -> PolarsResult<Option<DataFrame>> {
    // Each source's row numbers, and where each row went among its source's.
    let mut sources: Vec<(&Rc<RowSource>, Vec<IdxSize>)> = Vec::new();
    let mut places: Vec<(usize, IdxSize)> = Vec::with_capacity(rows.len());
    for v in rows {
        let Some(row) = as_row(v) else {
            return Ok(None);
        };
        let at = match sources
            .iter()
            .rposition(|(s, _)| Rc::ptr_eq(s, &row.source))
        {
            Some(at) => at,
            None => {
                sources.push((&row.source, Vec::new()));
                sources.len() - 1
            }
        };
        let list = &mut sources[at].1;
        places.push((at, list.len() as IdxSize));
        list.push(row.index as IdxSize);
    }
    let mut frame: Option<DataFrame> = None;
    let mut starts = Vec::with_capacity(sources.len());
    let mut height: IdxSize = 0;
    for (source, list) in sources {
        starts.push(height);
        height += list.len() as IdxSize;
        let part = crate::frame::take_rows(source.frame(), &IdxCa::from_vec("i".into(), list))?;
        match &mut frame {
            Some(f) => {
                f.vstack_mut(&part)?;
            }
            None => frame = Some(part),
        }
    }
    let Some(frame) = frame else {
        return Ok(Some(empty.clear()));
    };
    if starts.len() == 1 {
        return Ok(Some(frame));
    }
    let order: Vec<IdxSize> = places.iter().map(|&(s, i)| starts[s] + i).collect();
    crate::frame::take_rows(&frame, &IdxCa::from_vec("i".into(), order)).map(Some)
}

/// The one source every one of `items` is an event of, with their row numbers in it, in
/// order; `None` when one is not an event or they come from several sources.
pub fn rows_of_one(items: &[Value]) -> Option<(&Rc<RowSource>, Vec<u32>)> {
    let source = &items.first().and_then(as_row)?.source;
    let mut indices = Vec::with_capacity(items.len());
    for v in items {
        match as_row(v) {
            Some(r) if Rc::ptr_eq(&r.source, source) => indices.push(r.index as u32),
            _ => return None,
        }
    }
    Some((source, indices))
}

/// The events `rows` copied, in order, into one frame of their own ([`gather`], into the
/// columns of the first one's source); `None` when one is not an event.
pub fn gathered(rows: &[Value]) -> PolarsResult<Option<DataFrame>> {
    let empty = match rows.first().and_then(as_row) {
        Some(row) => row.source.frame().clear(),
        None => DataFrame::empty_with_schema(&crate::frame::schema::schema_of(&Field::ALL)),
    };
    gather(rows, &empty)
}

/// The events `rows` copied, in order, into one source of their own, so that the reads they
/// came from can be let go (text too: a row taken from a frame still points into its text
/// buffers); `None` when one is not an event.
pub fn compacted(rows: &[Value], zone: Zone) -> PolarsResult<Option<(Rc<RowSource>, Vec<Value>)>> {
    let Some(frame) = gathered(rows)? else {
        return Ok(None);
    };
    let source = RowSource::new(crate::frame::compact(&frame)?, zone)?;
    let rows = source.rows();
    Ok(Some((source, rows)))
}

/// One EventData member, `KeyValuePair<string, object>`.
#[derive(Debug)]
pub struct KeyValuePair {
    /// The key (`S:` type tag removed).
    pub key: String,
    /// The value.
    pub value: String,
}

impl PsObject for KeyValuePair {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(
            "System.Collections.Generic.KeyValuePair`2[[System.String],[System.Object]]",
        )]
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        vec!["Key".into(), "Value".into()]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "key" => Some(Value::str(&self.key)),
            "value" => Some(Value::str(&self.value)),
            _ => None,
        }
    }

    fn to_text(&self) -> String {
        format!("[{}, {}]", self.key, self.value)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}
