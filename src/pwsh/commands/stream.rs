//! Stages that can take a command's output in pieces, so a host (the log reader) can hand
//! it over batch by batch instead of as one list: Where-Object filters (pure ones: no
//! assignments, commands or collection-changing methods in their script blocks) and pure
//! Select-Objects of properties (one object an item), or first `Select-Object <names>
//! -Unique` over text properties, then one stage that
//! folds without keeping its input (Group-Object `-NoElement`, Measure-Object of the count or
//! of one property, or Group-Object whose elements are read only by pipelines
//! `$_.Group | …` that fold: those are folded per group as the items come, see
//! [`super::group_reads`]). Every item comes with its place in the order the command
//! would have output it ([`Order`]), and the folds give the answer of a pass in that order.

use std::rc::Rc;

use super::group_reads::{self, GroupRead};
use super::group_spill;
use super::{canonical, filter, group, measure, select, sort, sort_top, unique_spill};
use crate::pwsh::ast::{
    Command, Element, Expr, ExprKind, Pipeline, Statement, Visit, walk_command,
};
use crate::pwsh::members;
use crate::pwsh::runtime::{EvalError, EvalResult, Scope, automatic, unroll};
pub use crate::pwsh::runtime::{Item, Order};
use crate::pwsh::value::Value;

enum Fold<'c> {
    Group(Box<group::Grouping>, GroupFolds<'c>),
    Measure(Box<measure::Streaming>),
    /// What a `Select-Object <names> -Unique` at the end of the stages selected: one object
    /// of each distinct selection, at the place of its first.
    Collect(Distinct),
    /// Values going on to a `Sort-Object -Unique` of the values themselves: each value once
    /// (exact repeats dropped), at the place of its first.
    Values(Distinct),
    /// Events going on to a `Sort-Object <text properties> -Unique`: the first of each set of
    /// exactly equal keys, at its place.
    Firsts(Box<KeyedFirsts>),
    /// What a `Select-Object <text properties> -Unique` that is the line's output selected:
    /// as `Collect`, written out when too many to hold.
    Unique(Box<unique_spill::UniqueSpill>),
    /// In a read of a group's elements, what a `Sort-Object … | Select-Object -First N` (or
    /// `-Last N`) keeps: those N, as the elements come. Copied out of their batches by the
    /// grouping ([`GroupFolds::settle`]).
    Top(Box<sort_top::SortedTop>),
}

/// The first event of each set of exactly equal sort keys. A `Sort-Object -Unique` keeps the
/// first of equal keys in its stable order, which is never a later exact repeat (text keys
/// compare consistently), so repeats can go as they come and the sort then runs the usual
/// way on what is left: `Sort-Object Sender -Unique | Measure-Object` holds one event per
/// sender, not every event (2.7 GB for 4 GB of logs). Each event kept is copied out of its
/// batch, which can then go.
struct KeyedFirsts {
    keys: super::sort::SortKeys,
    names: Vec<String>,
    /// The Sort-Object's, for an error.
    span: crate::pwsh::ast::Span,
    distinct: Distinct,
    /// The places of `distinct` that took an event of the batch being fed.
    fresh: Vec<usize>,
    /// How many events it may keep ([`Stream::hold_firsts`]), and whether it was asked to
    /// keep more.
    held: Option<usize>,
    over: bool,
}

impl KeyedFirsts {
    fn add(&mut self, engine: &mut dyn Scope, item: Value, at: Order) -> EvalResult<()> {
        let keys = self.keys.keys(engine, &item)?;
        if let Some((name, _)) = self
            .names
            .iter()
            .zip(&keys)
            .find(|(_, k)| !matches!(k, Value::Str(_) | Value::Null))
        {
            return Err(EvalError::new(
                format!(
                    "Sort-Object -Unique: the property {name} of an event is not text; msgtrack drops repeated keys as the events come only for text properties"
                ),
                self.span.clone(),
            ));
        }
        let key = super::sort::exact_keys(&keys);
        if let Some(i) = self.distinct.add_keyed(key, item, at) {
            self.fresh.push(i);
        }
        if self.held.is_some_and(|h| self.distinct.items.len() > h) {
            self.over = true;
            return Err(EvalError::new(
                "Sort-Object -Unique: too many keys to keep the first event of each",
                self.span.clone(),
            ));
        }
        Ok(())
    }

    /// Copies the events the last batch left in `distinct` out of their batch.
    fn settle(&mut self, engine: &mut dyn Scope) {
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable();
        fresh.dedup();
        let items = &mut self.distinct.items;
        let mut taken: Vec<Value> = fresh
            .iter()
            .map(|&i| std::mem::replace(&mut items[i].1, Value::Null))
            .collect();
        let mut refs: Vec<&mut Value> = taken.iter_mut().collect();
        engine.host().detach(&mut refs);
        for (&i, v) in fresh.iter().zip(taken) {
            items[i].1 = v;
        }
    }
}

/// Distinct selected objects, each at the earliest place it was seen.
#[derive(Default)]
struct Distinct {
    index: std::collections::HashMap<String, usize>,
    items: Vec<(Order, Value)>,
}

impl Distinct {
    /// A selected object, once for each set of exactly equal ones ([`select::exact_key`]).
    fn add(&mut self, item: Value, at: Order) {
        let key = select::exact_key(&item);
        self.add_keyed(key, item, at);
    }

    /// A value, once for each set of exactly equal ones ([`select::exact_key`]: not merely the
    /// same text, as two times of one second or 0.3 and 0.1+0.2 show); an object always.
    fn add_value(&mut self, item: Value, at: Order) {
        let key = match item {
            Value::Object(_) | Value::Hashtable(_) => None,
            _ => select::exact_key(&item),
        };
        self.add_keyed(key, item, at);
    }

    /// Keeps `item` at `at` unless one of the same `key` came before it; an item of no key
    /// (never the same as another) always. The place it was kept at, if it was.
    fn add_keyed(&mut self, key: Option<String>, item: Value, at: Order) -> Option<usize> {
        let key = key.unwrap_or_else(|| format!("\u{1}object {}", self.items.len()));
        match self.index.get(&key) {
            Some(&i) => {
                if at < self.items[i].0 {
                    self.items[i] = (at, item);
                    return Some(i);
                }
                None
            }
            None => {
                self.index.insert(key, self.items.len());
                self.items.push((at, item));
                Some(self.items.len() - 1)
            }
        }
    }

    fn finish(self) -> Vec<Value> {
        let Distinct { index, mut items } = self;
        drop(index);
        items.sort_by_key(|(at, _)| *at);
        items.into_iter().map(|(_, v)| v).collect()
    }
}

/// The reads of a grouping's elements (`$_.Group | …`), folded per group as items come.
struct GroupFolds<'c> {
    reads: Vec<GroupRead<'c>>,
    /// For each group (by its index in the grouping), each read's stream with how many of
    /// its stages it covers, or the error it met (given when the line reads it, as the shell
    /// would).
    groups: Vec<Vec<EvalResult<(Stream<'c>, usize)>>>,
    /// How many elements kept by the reads' sorts were copied out of their batches since
    /// every one was last ([`GroupFolds::settle`]).
    copied: usize,
    /// Whether a read's sort keeps its first or last few ([`Fold::Top`]): only then is there
    /// anything to settle.
    keeps_tops: bool,
    /// Past how many copied (and twice those kept) every one is copied again:
    /// [`TOP_COPIED_AGAIN_PAST`], or `MSGTRACK_COPIED_AGAIN_PAST` (tests).
    copied_again_past: usize,
}

/// Past how many elements copied (and twice those kept) the elements the reads' sorts keep
/// are all copied again ([`GroupFolds::settle`]).
const TOP_COPIED_AGAIN_PAST: usize = 50_000;

impl<'c> GroupFolds<'c> {
    /// Feeds `n` items `item` at `at`, of the group of index `group`, to its reads.
    fn add(
        &mut self,
        engine: &mut dyn Scope,
        group: usize,
        item: &Value,
        at: Order,
        n: u64,
    ) -> EvalResult<()> {
        if self.reads.is_empty() {
            return Ok(());
        }
        while self.groups.len() <= group {
            let streams = self
                .reads
                .iter()
                .map(|r| {
                    plan_read(engine, r)?.ok_or_else(|| {
                        EvalError::new("a read of a group does not fold", r.pipeline.span.clone())
                    })
                })
                .collect::<Vec<_>>();
            self.keeps_tops |= streams.iter().any(|s| {
                matches!(
                    s,
                    Ok((
                        Stream {
                            fold: Fold::Top(_),
                            ..
                        },
                        _
                    ))
                )
            });
            self.groups.push(streams);
        }
        for (read, state) in self.reads.iter().zip(&mut self.groups[group]) {
            let Ok((stream, _)) = state else {
                continue;
            };
            let fed = match read.member {
                None => stream.feed(engine, vec![(item.clone(), at, n)]),
                // Member enumeration, one element at a time: each element's property,
                // flattened one level (see `members::member`), in the element's place.
                Some((name, span)) => members::member(item, name, span).and_then(|v| {
                    let values = unroll(v);
                    if values.iter().any(|v| matches!(v, Value::Array(_))) {
                        return Err(EvalError::new(
                            format!("an element's {name} holds collections within a collection: msgtrack cannot total it as the groups come (write ($_.Group | ForEach-Object {{ $_.{name} }}) to read it whole)"),
                            span.clone(),
                        ));
                    }
                    // Each value at the element's place and its own index, as an expanded
                    // value ([`EXPANDED`]): `-Unique` keeps the first of equal values by it.
                    if values.len() as u64 > EXPANDED {
                        return Err(EvalError::new(
                            format!("an element's {name} holds {} values; msgtrack takes up to {EXPANDED} an element as the groups come", values.len()),
                            span.clone(),
                        ));
                    }
                    let (time, seq) = at;
                    let placed = values
                        .into_iter()
                        .enumerate()
                        .map(|(j, v)| (v, (time, seq + j as u64), n))
                        .collect();
                    stream.feed(engine, placed)
                }),
            };
            if let Err(e) = fed {
                *state = Err(e);
            }
        }
        Ok(())
    }

    /// Copies the elements the reads' sorts keep ([`Fold::Top`]) that the last batch gave
    /// out of it, all in one frame. When those copied since the last full copy are over
    /// twice the ones kept (and `copied_again_past`), every one kept is copied again,
    /// so that the copies let go (an element no longer among a group's first few keeps its
    /// whole copy alive) can go.
    fn settle(&mut self, engine: &mut dyn Scope) {
        if !self.keeps_tops {
            return;
        }
        let (before, past) = (self.copied, self.copied_again_past);
        let mut kept = 0;
        let mut fresh = Vec::new();
        for top in self.tops() {
            kept += top.len();
            fresh.extend(top.unsettled(false));
        }
        if fresh.is_empty() {
            return;
        }
        let copied = before + fresh.len();
        let again = copied > (2 * kept).max(past);
        if !again {
            engine.host().detach(&mut fresh);
        }
        drop(fresh);
        if again {
            let mut all: Vec<&mut Value> = self.tops().flat_map(|t| t.unsettled(true)).collect();
            engine.host().detach(&mut all);
        }
        self.copied = if again { kept } else { copied };
    }

    /// The reads' sorts that keep their first or last few ([`Fold::Top`]), of every group.
    fn tops(&mut self) -> impl Iterator<Item = &mut sort_top::SortedTop> {
        self.groups.iter_mut().flatten().filter_map(|s| match s {
            Ok((
                Stream {
                    fold: Fold::Top(t), ..
                },
                _,
            )) => Some(&mut **t),
            _ => None,
        })
    }

    /// Keeps the reads of only the groups `kept` says (by index; those past its end kept).
    fn retain(&mut self, kept: &[bool]) {
        let mut kept = kept.iter();
        self.groups.retain(|_| kept.next().copied().unwrap_or(true));
    }

    /// Each group's reads' outputs (by the read pipeline's address).
    fn finish(self, engine: &mut dyn Scope) -> Vec<Vec<(usize, EvalResult<Vec<Value>>)>> {
        let reads = self.reads;
        self.groups
            .into_iter()
            .map(|streams| {
                streams
                    .into_iter()
                    .zip(&reads)
                    .map(|(s, r)| {
                        let at = std::ptr::from_ref(r.pipeline) as usize;
                        // The stages after the fold (a sort of the distinct values) run
                        // the usual way on what it kept.
                        let out = s.and_then(|(s, covered)| {
                            let mut out = s.finish(engine)?;
                            for c in &r.stages[covered..] {
                                out = super::run(engine, c, out).unwrap_or_else(|| {
                                    Err(EvalError::new(
                                        format!("{} is not a command msgtrack runs", c.name),
                                        c.span.clone(),
                                    ))
                                })?;
                            }
                            Ok(out)
                        });
                        (at, out)
                    })
                    .collect()
            })
            .collect()
    }
}

/// The reads of the groups' elements by `rest` (the stages after a Group-Object) when each
/// folds as the items come: the groups then need not keep them.
fn folded_reads<'c>(
    engine: &mut dyn Scope,
    rest: &[&'c Command],
) -> EvalResult<Option<Vec<GroupRead<'c>>>> {
    let Some(reads) = group_reads::reads(rest) else {
        return Ok(None);
    };
    for read in &reads {
        // Every stage folded, and no `Select-Object -Unique` telling which came before (it
        // relies on the host handing over text properties, which a group's elements need
        // not be).
        let planned = plan_read(engine, read)?;
        // (Or every stage but those after a fold keeping one of each set of exactly equal
        // values, `$_.Group.EventId | Sort-Object -Unique`: bounded by the distinct values,
        // and only commands the engine runs.)
        match planned {
            Some((stream, covered))
                if (covered == read.stages.len()
                    || (matches!(stream.fold, Fold::Values(_) | Fold::Top(_))
                        && read.stages[covered..].iter().all(|c| super::runs(&c.name))))
                    && stream.unique.as_ref().is_none_or(|u| !u.tracks()) => {}
            _ => return Ok(None),
        }
    }
    Ok(Some(reads))
}

/// A stage before the fold that takes items one at a time.
enum Step<'c> {
    /// A pure Where-Object.
    Filter(&'c Command),
    /// A pure Select-Object of properties: one object an item.
    Map(select::ItemSelect),
    /// `Select-Object -ExpandProperty <name>`: an item's values one by one, each at the
    /// item's place and its own index (see [`EXPANDED`]).
    Expand(select::ExpandSelect),
    /// A pure `ForEach-Object { … }`: what its script block outputs for an item, one by one,
    /// each at the item's place and its own index, as [`Step::Expand`]'s values.
    Each(Rc<crate::pwsh::value::ScriptBlock>, &'c Command),
}

/// How many values one item may expand to in a stream: each takes the next of the item's
/// sequence numbers, which the reader spaces this far apart.
pub const EXPANDED: u64 = 1 << 20;

/// The items of `batch` each made into the values `make` gives of it, in order, each at its
/// item's place and its own index (see [`EXPANDED`]; past that many, an error at `span`).
fn expanded(
    batch: Vec<Item>,
    span: &crate::pwsh::ast::Span,
    mut make: impl FnMut(&Value) -> EvalResult<Vec<Value>>,
) -> EvalResult<Vec<Item>> {
    let mut out = Vec::with_capacity(batch.len());
    for (v, (time, seq), n) in batch {
        let values = make(&v)?;
        if values.len() as u64 > EXPANDED {
            return Err(EvalError::new(
                format!(
                    "an item expands to {} values; msgtrack takes up to {EXPANDED} an item as the items come",
                    values.len()
                ),
                span.clone(),
            ));
        }
        for (j, value) in values.into_iter().enumerate() {
            out.push((value, (time, seq + j as u64), n));
        }
    }
    Ok(out)
}

/// The stages after a command that take its output in pieces.
pub struct Stream<'c> {
    steps: Vec<Step<'c>>,
    unique: Option<select::UniqueSelect>,
    fold: Fold<'c>,
    last: &'c Command,
    /// With groups whose elements are read later ([`Stream::later`]): how many stages after
    /// the fold pass the groups through.
    through: usize,
    /// With groups written out ([`Stream::spilled`]): how the stages after the fold run over
    /// them.
    in_parts: Option<InParts>,
}

/// How the stages after groups written out run over them a chunk at a time (see
/// `runs_in_parts`, and the engine's `run_in_chunks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InParts {
    /// These first stages pick a few groups: each chunk with the picks so far.
    Picks(usize),
    /// These first stages pick a few groups, the last a `Select-Object -First N` (or `-Last
    /// N`) that also selects properties of them: each chunk with the picks so far, cut to
    /// the first (last) N, the selection made of the last picks alone.
    PicksSelected(usize),
    /// These first stages are Where-Object filters: each chunk on its own, the groups kept
    /// put back in the order of their first items.
    Filters(usize),
    /// These first stages are Where-Object filters, then a Measure-Object measures what
    /// they keep.
    Measured(usize),
    /// These first stages are Where-Object filters, then a `Sort-Object Count` or `Name` may
    /// sort what they keep and a `Select-Object` of the groups' Name, Count or Values may
    /// select from it (before the sort when it keeps what the sort sorts by), as the line's
    /// output.
    Ordered {
        /// How many filters.
        filters: usize,
        /// With a sort by Count or Name: how.
        sorted: Option<group_spill::GroupOrder>,
        /// With a Select-Object: its place among these stages (before or after the sort).
        select_at: Option<usize>,
        /// How many stages last take the objects one at a time and make others of them
        /// ([`maps_one_at_a_time`]): their output is written out in order.
        mapped: usize,
    },
}

impl InParts {
    /// How many stages after the groups run so.
    pub fn stages(self) -> usize {
        match self {
            InParts::Picks(n) | InParts::PicksSelected(n) | InParts::Filters(n) => n,
            InParts::Measured(filters) => filters + 1,
            InParts::Ordered {
                filters,
                sorted,
                select_at,
                mapped,
            } => {
                filters + usize::from(sorted.is_some()) + usize::from(select_at.is_some()) + mapped
            }
        }
    }
}

/// How `stages` (the commands after a source, in order) can take its output in pieces, with
/// how many of them that covers; `None` when they need it whole. `shown`: the pipeline's
/// output is shown, where that many elements of a collection tell what is seen of it
/// (one more than `$FormatEnumerationLimit` in a table or list, none in CSV, all in JSON).
pub fn plan<'c>(
    engine: &mut dyn Scope,
    stages: &[&'c Command],
    shown: Option<usize>,
) -> EvalResult<Option<(Stream<'c>, usize)>> {
    plan_with(engine, stages, shown, true)
}

/// [`plan`], where `tracking` says whether a `Select-Object <names> -Unique` before a fold
/// may tell which objects came before (which needs the host to give those properties as
/// text, [`Stream::text_properties`]); without, its distinct selections are kept and the
/// fold runs the usual way on them.
pub fn plan_with<'c>(
    engine: &mut dyn Scope,
    stages: &[&'c Command],
    shown: Option<usize>,
    tracking: bool,
) -> EvalResult<Option<(Stream<'c>, usize)>> {
    plan_in(engine, stages, shown, tracking, Items::Top)
}

/// [`plan`] of the stages of a read of a group's elements by member (`$_.Group.Recipients |
/// Select-Object -Unique`): the items are plain values (text, numbers, dates), as after
/// `Select-Object -ExpandProperty`, so that `-Unique` of the items themselves folds.
fn plan_values<'c>(
    engine: &mut dyn Scope,
    stages: &[&'c Command],
) -> EvalResult<Option<(Stream<'c>, usize)>> {
    plan_in(engine, stages, None, true, Items::GroupValues)
}

/// The plan of a read of a group's elements: of its items as plain values when it reads a
/// property of each ([`plan_values`]).
fn plan_read<'c>(
    engine: &mut dyn Scope,
    read: &GroupRead<'c>,
) -> EvalResult<Option<(Stream<'c>, usize)>> {
    match read.member {
        Some(_) => plan_values(engine, &read.stages),
        None => plan_in(engine, &read.stages, None, true, Items::GroupElements),
    }
}

/// What the items a plan takes are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Items {
    /// A source's output (the host's events, or values).
    Top,
    /// A group's elements, read by `$_.Group | …`.
    GroupElements,
    /// Plain values of a group's elements, read by `$_.Group.<Property> | …`.
    GroupValues,
}

/// [`plan_with`], of `items`.
fn plan_in<'c>(
    engine: &mut dyn Scope,
    stages: &[&'c Command],
    shown: Option<usize>,
    tracking: bool,
    items: Items,
) -> EvalResult<Option<(Stream<'c>, usize)>> {
    let values = items == Items::GroupValues;
    let mut steps = Vec::new();
    let mut unique = None;
    // With a grouping whose elements are read later: how many stages after it pass the
    // groups through (see `Stream::later`).
    let mut through = None;
    // With a grouping that may write its groups out: how the stages after it run over them.
    let mut spilled_parts = None;
    for (i, c) in stages.iter().enumerate() {
        let mapped = values
            || steps
                .iter()
                .any(|s| matches!(s, Step::Map(_) | Step::Expand(_) | Step::Each(..)));
        // What a ForEach-Object made may be anything, events too: no `-Unique` of the items
        // themselves after one.
        let made = steps.iter().any(|s| matches!(s, Step::Each(..)));
        // The items here are plain values: expanded, or values from the first and filtered.
        let items_are_values = matches!(steps.last(), Some(Step::Expand(_) | Step::Each(..)))
            || (values && steps.iter().all(|s| matches!(s, Step::Filter(_))));
        let fold = match canonical(&c.name) {
            Some("Where-Object") if pure(c) && unique.is_none() => {
                steps.push(Step::Filter(c));
                continue;
            }
            Some("Select-Object") if unique.is_none() => {
                // (`-Unique` of the items themselves only after a selection: distinct events
                // are every event.)
                let u = select::streaming_unique(engine, c)?;
                // `-Unique` of what a ForEach-Object made: as for a sort's, exact repeats of
                // values go as they come (objects all stay), and the Select-Object runs the
                // usual way on what is left, in input order.
                if made && items_are_values && u.as_ref().is_some_and(|u| u.of_items()) {
                    let values = Fold::Values(Distinct::default());
                    return Ok(Some((Stream::new(steps, None, values, c), i)));
                }
                let u = u.filter(|u| (mapped && !made) || !u.of_items());
                if let Some(u) = u {
                    // Before a fold, `-Unique` tells which objects came before by the events'
                    // own text properties (the host hands over one of equal rows), so only
                    // of plain names and before any other selection.
                    let folds_next = stages.get(i + 1).is_some_and(|n| {
                        matches!(canonical(&n.name), Some("Group-Object" | "Measure-Object"))
                    });
                    if tracking && folds_next && !mapped && u.plain_names().is_some() {
                        unique = Some(u.tracking());
                        continue;
                    }
                    // Selections of events' text properties that are the line's output: kept
                    // by their texts, written out when too many to hold.
                    if i + 1 == stages.len()
                        && !mapped
                        && text_names(&u.plain_names())
                        && engine.output_may_spill()
                    {
                        let fold = unique_spill::UniqueSpill::new(c.span.clone());
                        let fold = Fold::Unique(Box::new(fold));
                        return Ok(Some((Stream::new(steps, Some(u), fold, c), i + 1)));
                    }
                    // Otherwise its distinct selections are kept (one of each exactly equal
                    // set) and go on, in input order, to the shell's comparison.
                    let distinct = Fold::Collect(Distinct::default());
                    return Ok(Some((Stream::new(steps, Some(u), distinct, c), i + 1)));
                }
                if let Some(expand) = select::streaming_expand(engine, c)? {
                    steps.push(Step::Expand(expand));
                    continue;
                }
                match select::item_select(engine, c)? {
                    Some(map) if pure(c) => {
                        steps.push(Step::Map(map));
                        continue;
                    }
                    _ => None,
                }
            }
            Some("ForEach-Object") if pure(c) && unique.is_none() => match filter::foreach_block(c)
            {
                Some(block) => {
                    steps.push(Step::Each(block.clone(), c));
                    continue;
                }
                None => None,
            },
            // A sort of values with -Unique keeps the first of equal ones in its (stable) order,
            // which is never a later exact repeat: the repeats can go as they come, and the
            // Sort-Object then runs the usual way on what is left, in input order.
            Some("Sort-Object")
                if unique.is_none() && items_are_values && sorts_values_uniquely(engine, c)? =>
            {
                let values = Fold::Values(Distinct::default());
                return Ok(Some((Stream::new(steps, unique, values, c), i)));
            }
            // A sort of events by text properties with -Unique: likewise, each set of exactly
            // equal keys' first event (the host gives those properties as text). Or, over a
            // group's elements, a sort's first or last N: only those kept as they come.
            Some("Sort-Object")
                if unique.is_none() && ((tracking && !mapped) || items != Items::Top) =>
            {
                let top = match items {
                    Items::Top => None,
                    _ => sort_top::SortedTop::of(
                        engine,
                        c,
                        stages.get(i + 1).copied(),
                        items_are_values,
                    )?,
                };
                if let Some((top, alone)) = top {
                    let top = Fold::Top(Box::new(top));
                    let covered = i + 1 + usize::from(alone);
                    return Ok(Some((Stream::new(steps, None, top, c), covered)));
                }
                match (tracking && !mapped)
                    .then(|| keyed_firsts(engine, c))
                    .transpose()?
                {
                    Some(Some(firsts)) => {
                        let firsts = Fold::Firsts(Box::new(firsts));
                        return Ok(Some((Stream::new(steps, None, firsts, c), i)));
                    }
                    _ => None,
                }
            }
            Some("Group-Object") => {
                // A group's elements are seen only as the table or list shows them when
                // nothing after the groups reads them (and each item is an event of its own).
                let rest = &stages[i + 1..];
                let passing = through_of(rest);
                // Groups that the stages after them pick a few of, filter or measure can be
                // written out when too many to hold, and those stages run over them a chunk
                // at a time (see `runs_in_parts`). (`spill_past` takes only groups keeping no
                // element, or the first ones shown, and folding no read.)
                let in_parts = match unique {
                    None => runs_in_parts(engine, rest, passing),
                    Some(_) => None,
                };
                let mut shown = shown.filter(|_| unique.is_none() && only_shown(&rest[passing..]));
                // Of the groups chosen by the stages after them, when those pass groups
                // through, only the ones chosen need their elements, read in a second pass;
                // none when a selection without them follows.
                if shown.is_some() {
                    match elements_after(rest, passing) {
                        // Every element of the groups chosen: worth a second pass only when
                        // they are some of the groups.
                        ElementsAfter::Chosen(k)
                            if shown == Some(usize::MAX) && !cuts(&rest[..k]) => {}
                        // Every group, or the groups that filters reading no element keep, as
                        // the line's output: their first elements kept in this one pass,
                        // written out with them when too many to hold (a second pass would
                        // hold those of every group chosen).
                        ElementsAfter::Chosen(k)
                            if (!cuts(&rest[..k]) && engine.output_may_spill())
                                || written_in_order(in_parts, rest) => {}
                        ElementsAfter::Chosen(k) => through = Some(k),
                        ElementsAfter::Never => shown = Some(0),
                        ElementsAfter::Kept => {}
                    }
                }
                // Nor are they kept when filters reading none lead to a measure reading none.
                if shown.is_none() && unique.is_none() && measured_only(rest) {
                    shown = Some(0);
                }
                // Or its elements are read only by pipelines that fold, per group.
                let mut reads = match (shown, &unique) {
                    (None, None) => folded_reads(engine, rest)?,
                    _ => None,
                };
                // No read at all (`Select-Object Name, @{n='Twice'; e={$_.Count * 2}}`):
                // nothing is kept of the elements.
                if reads.as_ref().is_some_and(Vec::is_empty) {
                    (shown, reads) = (Some(0), None);
                }
                let later = through.is_some();
                // Or every element is read, in ways that do not fold, by stages that make
                // each group into output on its own, of values or of the host's events (what
                // they make can be written out, `object_spill`): kept, so that the groups can
                // be made a share of their keys at a time when too many to hold
                // (`Stream::share_from`).
                let every = shown.is_none()
                    && unique.is_none()
                    && reads.is_none()
                    && !later
                    && in_parts.is_none()
                    && engine.output_may_spill()
                    && (!engine.host().events_reach_output()
                        || engine.host().event_form().is_some())
                    && each_on_its_own_then_picks(engine, rest).is_some();
                // (Of each group's elements, the first ones the stages read, or all.)
                let every = every.then(|| group_reads::firsts_read(rest).unwrap_or(usize::MAX));
                // (The items are the host's events unless stages before made them.)
                let events = !mapped;
                group::streaming(engine, c, shown, reads.is_some(), later, every, events)?.map(
                    |mut g| {
                        if let Some(n) = in_parts
                            && text_names(&g.plain_names())
                            && g.spill_past(engine, group_spill::groups_held(), c.span.clone())
                        {
                            spilled_parts = Some(n);
                        }
                        // (With -NoElement the groups are empty: nothing is read from them.)
                        let reads = reads.filter(|_| g.folds()).unwrap_or_default();
                        Fold::Group(
                            Box::new(g),
                            GroupFolds {
                                reads,
                                groups: Vec::new(),
                                copied: 0,
                                keeps_tops: false,
                                copied_again_past: crate::settings::number(
                                    "MSGTRACK_COPIED_AGAIN_PAST",
                                )
                                .unwrap_or(TOP_COPIED_AGAIN_PAST),
                            },
                        )
                    },
                )
            }
            Some("Measure-Object") => {
                measure::streaming(engine, c)?.map(|m| Fold::Measure(Box::new(m)))
            }
            _ => None,
        };
        return Ok(match fold {
            Some(fold) => {
                let mut stream = Stream::new(steps, unique, fold, c);
                stream.through = through.unwrap_or_default();
                stream.in_parts = spilled_parts;
                Some((stream, i + 1))
            }
            // The distinct selections go on to this stage, run the usual way.
            None if unique.is_some() => {
                let distinct = Fold::Collect(Distinct::default());
                Some((Stream::new(steps, unique, distinct, c), i))
            }
            None => None,
        });
    }
    // A `Select-Object <names> -Unique` last: its distinct selections are the output.
    match (&unique, stages.last()) {
        (Some(_), Some(last)) => {
            let distinct = Fold::Collect(Distinct::default());
            Ok(Some((
                Stream::new(steps, unique, distinct, last),
                stages.len(),
            )))
        }
        _ => Ok(None),
    }
}

impl<'c> Stream<'c> {
    fn new(
        steps: Vec<Step<'c>>,
        unique: Option<select::UniqueSelect>,
        fold: Fold<'c>,
        last: &'c Command,
    ) -> Stream<'c> {
        Stream {
            steps,
            unique,
            fold,
            last,
            through: 0,
            in_parts: None,
        }
    }

    /// When the groups were too many to hold and were written out: how the stages after
    /// the fold run over them. Take the groups in chunks with [`Stream::finish_in_chunks`].
    pub fn spilled(&self) -> Option<InParts> {
        match &self.fold {
            Fold::Group(g, _) if g.spilled() => self.in_parts,
            _ => None,
        }
    }

    /// True when values are expanded from the items before the fold (`Select-Object
    /// -ExpandProperty`): they then take places between the items'.
    pub fn expands(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Expand(_) | Step::Each(..)))
    }

    /// Limits a stream keeping the first event of each key for a `Sort-Object -Unique` to
    /// `held` events (an error past them, [`Stream::too_many_firsts`] then true); false
    /// for any other stream.
    pub fn hold_firsts(&mut self, held: Option<usize>) -> bool {
        match &mut self.fold {
            Fold::Firsts(f) => {
                f.held = held;
                true
            }
            _ => false,
        }
    }

    /// True when the stream stopped for keeping more events than [`Stream::hold_firsts`]
    /// allowed.
    pub fn too_many_firsts(&self) -> bool {
        matches!(&self.fold, Fold::Firsts(f) if f.over)
    }

    /// The groups written out, merged back a chunk at a time ([`Stream::spilled`]).
    pub fn finish_in_chunks(self) -> EvalResult<group::GroupChunks> {
        match self.fold {
            Fold::Group(g, _) => g.finish_in_chunks(),
            _ => Err(EvalError::new(
                "no groups were written out",
                self.last.span.clone(),
            )),
        }
    }

    /// The properties whose values alone decide what an item adds, when there are such:
    /// items equal in them may then be handed over once, with how many they are. `None`
    /// when every item must be seen.
    pub fn keys(&self) -> Option<Vec<String>> {
        if !self.steps.is_empty() {
            return None;
        }
        if let Some(u) = &self.unique {
            // Items equal in the selected properties select one object: the first counts.
            return u.plain_names();
        }
        match &self.fold {
            Fold::Group(g, folds) if g.keeps_items() || !folds.reads.is_empty() => None,
            Fold::Group(g, _) => g.plain_names(),
            Fold::Measure(m) => m.counts_only().then(Vec::new),
            Fold::Collect(_) | Fold::Values(_) | Fold::Unique(_) | Fold::Top(_) => None,
            // Events equal in the keys' text: the first of them is the one that can count.
            Fold::Firsts(f) => Some(f.names.clone()),
        }
    }

    /// When the fold makes groups whose elements a second pass reads: how many elements of
    /// each it keeps, and how many stages after it only choose and order the groups (passing
    /// them through, as `Sort-Object Count` or `Select-Object -First 10`). Run those on this
    /// stream's groups, give the groups they leave to [`Stream::restrict`] of a second stream
    /// planned alike and fed the same items, then [`Stream::fill`] them from it.
    pub fn later(&self) -> Option<(usize, usize)> {
        match &self.fold {
            Fold::Group(g, _) => g.later().map(|n| (n, self.through)),
            _ => None,
        }
    }

    /// Makes only the groups of a share of the keys, those whose hashes are in `range` or as
    /// many of them as `limit` groups and `budget` bytes in use go
    /// ([`group::Grouping::share_from`]), when this stream makes groups whose elements are
    /// read only by pipelines that fold, or that keep every element
    /// ([`group::Grouping::keeps_every`]), and nothing else follows in it: true when it will.
    pub fn share_from(
        &mut self,
        range: (u64, u64),
        (limit, budget): (usize, Option<usize>),
    ) -> bool {
        match &mut self.fold {
            Fold::Group(g, folds)
                if ((g.folds() && !folds.reads.is_empty()) || g.keeps_every())
                    && self.unique.is_none()
                    && self.in_parts.is_none()
                    && self.through == 0 =>
            {
                g.share_from(range, limit, budget);
                true
            }
            _ => false,
        }
    }

    /// When this stream makes groups a share of their keys at a time ([`Stream::share_from`])
    /// by one text property of the items as they come (only filters before the groups): the
    /// property, and what tells whether an item whose property is a text (`""` for `$null`)
    /// is in the share. A host may leave the other items out before making objects of them.
    pub fn share_of_text(&self) -> Option<(String, impl Fn(&str) -> bool + Send + Sync + use<>)> {
        if self.unique.is_some() || !self.steps.iter().all(|s| matches!(s, Step::Filter(_))) {
            return None;
        }
        match &self.fold {
            Fold::Group(g, _) if text_names(&g.plain_names()) => g.share_of_text(),
            _ => None,
        }
    }

    /// How many items the groups made hold in all (0 for any other fold).
    pub fn group_items(&self) -> usize {
        match &self.fold {
            Fold::Group(g, _) => g.items(),
            _ => 0,
        }
    }

    /// Where the share of keys made ends ([`Stream::share_from`]).
    pub fn share_end(&self) -> Option<u64> {
        match &self.fold {
            Fold::Group(g, _) => g.share_end(),
            _ => None,
        }
    }

    /// The groups made, in the order of their first items, each with that place.
    pub fn finish_placed(self, engine: &mut dyn Scope) -> EvalResult<Vec<(Order, Value)>> {
        match self.fold {
            Fold::Group(g, folds) => Ok(g
                .finish_placed(folds.finish(engine))
                .map(|(at, g)| (at, Value::Object(Rc::new(g))))
                .collect()),
            _ => Err(EvalError::new(
                "no groups were made",
                self.last.span.clone(),
            )),
        }
    }

    /// Makes this stream, planned as the first pass was, the second pass that reads the
    /// elements of the groups `chosen` (see [`Stream::later`]).
    pub fn restrict(&mut self, chosen: &[Value]) {
        if let Fold::Group(g, _) = &mut self.fold {
            g.restrict(chosen);
        }
    }

    /// The groups `chosen` by the stages after the first pass, each with the elements this
    /// second pass read (see [`Stream::later`]).
    pub fn fill(self, chosen: Vec<Value>) -> Vec<Value> {
        match self.fold {
            Fold::Group(g, _) => g.fill(chosen),
            _ => chosen,
        }
    }

    /// Takes a batch of items.
    pub fn feed(&mut self, engine: &mut dyn Scope, batch: Vec<Item>) -> EvalResult<()> {
        let mut batch = batch;
        for step in &self.steps {
            let c = match step {
                Step::Filter(c) => c,
                Step::Map(map) => {
                    batch = batch
                        .into_iter()
                        .map(|(v, at, n)| Ok((map.select(engine, v)?, at, n)))
                        .collect::<EvalResult<_>>()?;
                    continue;
                }
                Step::Expand(expand) => {
                    batch = expanded(batch, expand.span(), |v| expand.expand(engine, v))?;
                    continue;
                }
                Step::Each(block, c) => {
                    batch = expanded(batch, &c.span, |v| {
                        engine.invoke_here(&block.body, v.clone())
                    })?;
                    continue;
                }
            };
            let (items, orders): (Vec<Value>, Vec<(Order, u64)>) =
                batch.into_iter().map(|(v, at, n)| (v, (at, n))).unzip();
            let kept = filter::where_object(engine, c, items.clone())?;
            // Where-Object passes on the very objects it was given, in order: find each one's
            // place again by identity.
            let mut next = 0;
            batch = Vec::with_capacity(kept.len());
            for k in kept {
                while next < items.len() && !same(&items[next], &k) {
                    next += 1;
                }
                let (at, n) = orders
                    .get(next)
                    .copied()
                    .unwrap_or(((i64::MAX, u64::MAX), 1));
                next += 1;
                batch.push((k, at, n));
            }
        }
        for (item, at, n) in batch {
            let (item, n) = match &mut self.unique {
                // A repeated object adds nothing but may be the earlier one: it is handed on
                // with no weight, so the fold still sees where the first of them is.
                Some(u) => {
                    let (object, seen) = u.select(engine, item)?;
                    (object, u64::from(!seen))
                }
                None => (item, n),
            };
            match &mut self.fold {
                Fold::Group(g, folds) => {
                    if let Some(group) = g.add(engine, &item, at, n)? {
                        folds.add(engine, group, &item, at, n)?;
                        // Made a share of the keys at a time: past the limit, fewer keys.
                        if let Some(kept) = g.let_go_past_limit() {
                            folds.retain(&kept);
                        }
                    }
                }
                Fold::Measure(m) => m.add(engine, item, at, n)?,
                Fold::Collect(distinct) => distinct.add(item, at),
                Fold::Unique(distinct) => distinct.add(item, at)?,
                Fold::Values(distinct) => distinct.add_value(item, at),
                Fold::Firsts(firsts) => firsts.add(engine, item, at)?,
                Fold::Top(top) => top.add(engine, item, at, n)?,
            }
        }
        match &mut self.fold {
            Fold::Group(g, folds) => {
                g.settle(engine);
                folds.settle(engine);
            }
            Fold::Firsts(firsts) => firsts.settle(engine),
            // (Fed one element at a time by its group: settled by the grouping.)
            Fold::Top(_) => {}
            _ => {}
        }
        Ok(())
    }

    /// Properties whose values must be text for this stream to give the shell's answer (the
    /// ones `Select-Object -Unique` compares): a host streams only when they are.
    pub fn text_properties(&self) -> Vec<String> {
        match (&self.unique, &self.fold) {
            (Some(u), _) if u.tracks() => u.plain_names().unwrap_or_default(),
            (_, Fold::Firsts(f)) => f.names.clone(),
            _ => Vec::new(),
        }
    }

    /// The folding stage's output.
    pub fn finish(self, engine: &mut dyn Scope) -> EvalResult<Vec<Value>> {
        match self.fold {
            Fold::Group(g, folds) => Ok(g
                .finish_with(folds.finish(engine))
                .map(|g| Value::Object(Rc::new(g)))
                .collect()),
            Fold::Measure(m) => m.finish(engine, self.last),
            Fold::Collect(distinct) => select::unique_of(engine, distinct.finish()),
            Fold::Values(distinct) => Ok(distinct.finish()),
            Fold::Firsts(firsts) => Ok(firsts.distinct.finish()),
            Fold::Top(top) => Ok(top.finish()),
            Fold::Unique(distinct) => match distinct.finish()? {
                unique_spill::Distinct::Held(out) => Ok(out),
                unique_spill::Distinct::Spilled(objects) => objects.held().map_err(|e| {
                    EvalError::new(objects.read_back_failure(&e), self.last.span.clone())
                }),
            },
        }
    }

    /// The folding stage's output when it is the line's whole output: objects written out
    /// in order ([`group_spill::SpilledObjects`]) stay there, to be printed as they are read
    /// back; anything else as [`Stream::finish`] gives it.
    pub fn finish_as_output(
        self,
        engine: &mut dyn Scope,
    ) -> EvalResult<Result<group_spill::SpilledObjects, Vec<Value>>> {
        match self.fold {
            Fold::Unique(distinct) => Ok(match distinct.finish()? {
                unique_spill::Distinct::Held(out) => Err(out),
                unique_spill::Distinct::Spilled(objects) => Ok(objects),
            }),
            _ => self.finish(engine).map(Err),
        }
    }
}

/// True when `stages` (after a Group-Object) only sort, select, format or print the groups,
/// by plain property names: no script block, hashtable or variable that could read a group's
/// elements, no `-ExpandProperty`, no `-Unique` (which compares whole objects), and no sort
/// by the elements themselves. The groups' `.Group` is then seen only as a cell shows it.
fn only_shown(stages: &[&Command]) -> bool {
    use crate::pwsh::ast::Arg;
    fn plain(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str(_) => true,
            ExprKind::List(items) => items.iter().all(plain),
            _ => false,
        }
    }
    fn names(e: &Expr) -> Vec<&str> {
        match &e.kind {
            ExprKind::Str(s) => vec![s.as_str()],
            ExprKind::List(items) => items.iter().flat_map(names).collect(),
            _ => Vec::new(),
        }
    }
    stages.iter().all(|c| {
        let name = canonical(&c.name);
        if !matches!(
            name,
            Some("Sort-Object" | "Select-Object" | "Format-Table" | "Format-List" | "Out-String")
        ) {
            return false;
        }
        c.args.iter().all(|a| match a {
            Arg::Param { name: p, value, .. } => {
                let p = p.to_ascii_lowercase();
                let reads_elements =
                    (p.len() >= 2 && "expandproperty".starts_with(&p)) || "unique".starts_with(&p);
                !reads_elements && value.as_ref().is_none_or(plain)
            }
            Arg::Value(e) => {
                plain(e)
                    && (name != Some("Sort-Object") || names(e).iter().all(|n| name_not_group(n)))
            }
        })
    })
}

/// What the stages after groups shown (see [`only_shown`]) need of the groups' elements.
enum ElementsAfter {
    /// The first `k` stages choose and order the groups, passing them through, and then
    /// nothing but formatting follows: only the groups they leave show their elements.
    Chosen(usize),
    /// A selection of properties that are not the elements follows: none are seen.
    Never,
    /// Anything else: every group may show its elements.
    Kept,
}

/// How many of `stages` from the first pass groups through unchanged: a Sort-Object (no
/// `-Unique` or `-Culture`) by plain names that are not `Group`, a Select-Object of no
/// properties that only takes some (`-First`, `-Last`, `-Skip`, `-Index`), or a pure
/// Where-Object that reads no group's elements (`Where-Object {$_.Count -gt 20}`).
fn through_of(stages: &[&Command]) -> usize {
    use crate::pwsh::runtime::bind;
    stages
        .iter()
        .take_while(|c| match canonical(&c.name) {
            Some("Where-Object") => pure(c) && group_reads::reads_no_elements(c),
            Some("Sort-Object") => bind(c, &super::sort::SORT_PARAMS).is_ok_and(|b| {
                let property = b.get("Property").and_then(|(e, _)| e);
                !b.has("Unique")
                    && !b.has("Culture")
                    && b.positional.len() <= 1
                    && property
                        .or(b.positional.first().copied())
                        .is_some_and(names_not_group)
            }),
            Some("Select-Object") => bind(c, &select::SELECT_PARAMS).is_ok_and(|b| {
                b.positional.is_empty()
                    && b.named
                        .iter()
                        .all(|(n, _, _)| matches!(*n, "First" | "Last" | "Skip" | "Index"))
            }),
            _ => false,
        })
        .count()
}

/// How the first of `rest`, the stages after a Group-Object (the first `passing` of them
/// passing the groups through, [`through_of`]), give the same output from the groups a
/// chunk at a time as from all of them (see `Engine::run_in_chunks`):
/// - they pick a few groups ([`picks_in_parts`]): all `passing` stages;
/// - Where-Object filters (pure, reading no element), each group kept or not on its own:
///   the groups kept are put back in the order of their first items;
/// - those filters, then a Measure-Object that measures as items come (each with its place)
///   and reads no element;
/// - no stage or only such filters, or those filters then a `Sort-Object Count` and/or a
///   `Select-Object` of the groups' Name, Count or Values ([`group_names_selected`]), when the
///   groups are the line's output ([`Scope::output_may_spill`]).
///
/// `None` when none of these apply.
fn runs_in_parts(engine: &mut dyn Scope, rest: &[&Command], passing: usize) -> Option<InParts> {
    if picks_in_parts(&rest[..passing]) {
        return Some(InParts::Picks(passing));
    }
    if rest.get(passing).is_some_and(|c| selects_firsts(c))
        && !rest[..passing]
            .iter()
            .any(|c| canonical(&c.name) == Some("Select-Object"))
    {
        return Some(InParts::PicksSelected(passing + 1));
    }
    let filters = leading_filters(rest);
    let measures = measure_at(rest, filters)
        .is_some_and(|m| measure::streaming(engine, m).is_ok_and(|s| s.is_some()));
    match (filters, measures) {
        (_, true) => Some(InParts::Measured(filters)),
        // Nothing but filters up to the line's output, or filters and a sort by Count: the
        // groups kept need not be held either (the engine writes them out in order,
        // `Engine::filter_in_chunks`).
        (n, false) if n == rest.len() && engine.output_may_spill() => Some(InParts::Filters(n)),
        (n, false) if engine.output_may_spill() => match ordered_after(engine, &rest[n..]) {
            Some((sorted, select_at, mapped)) => Some(InParts::Ordered {
                filters: n,
                sorted,
                select_at: select_at.map(|at| n + at),
                mapped,
            }),
            None if n == 0 => None,
            None => Some(InParts::Filters(n)),
        },
        (0, false) => None,
        (n, false) => Some(InParts::Filters(n)),
    }
}

/// True when groups that the stages `rest` take as `parts` says ([`runs_in_parts`]) are the
/// line's output, written out in order: only filters, a sort by Count or Name or a selection
/// of their own properties after them.
fn written_in_order(parts: Option<InParts>, rest: &[&Command]) -> bool {
    match parts {
        Some(InParts::Filters(n)) => n == rest.len(),
        Some(InParts::Ordered { .. }) => true,
        _ => false,
    }
}

/// How `stages` (all the stages after a Group-Object's filters, to the line's output) sort
/// and select its groups when they are a sort by Count or Name and/or a selection of the
/// groups' own properties ([`group_names_selected`]), then stages that each take the
/// objects one at a time ([`mapping_tail`]): the sort, where the selection is, and how many
/// such stages end the line (the fewest that leave the rest a sort and/or a selection).
/// `None` for anything else, or nothing.
fn ordered_after(
    engine: &mut dyn Scope,
    stages: &[&Command],
) -> Option<(Option<group_spill::GroupOrder>, Option<usize>, usize)> {
    let tail = mapping_tail(stages);
    (0..=tail).find_map(|mapped| {
        let (head, tail) = stages.split_at(stages.len() - mapped);
        if !runs_on_groups_written_out(tail) {
            return None;
        }
        if head.is_empty() {
            return (mapped > 0).then_some((None, None, mapped));
        }
        sorted_and_selected(engine, head).map(|(sorted, select_at)| (sorted, select_at, mapped))
    })
}

/// How many of the last of `stages` (after a Group-Object, to the line's output) take the
/// objects one at a time, each on its own, and make other objects of them (or drop them):
/// Select-Object of properties (no `-First`, `-Last`, `-Skip`, `-Index` or `-Unique`),
/// ForEach-Object of one script block, or a pure Where-Object. Up to the first that makes
/// other objects of the groups, none may read a group's elements (groups written out keep
/// none).
fn mapping_tail(stages: &[&Command]) -> usize {
    stages
        .iter()
        .rev()
        .take_while(|c| maps_one_at_a_time(c))
        .count()
}

/// True when `c` takes objects one at a time, each on its own, and makes other objects of
/// them (or drops them): see [`mapping_tail`].
fn maps_one_at_a_time(c: &Command) -> bool {
    use crate::pwsh::runtime::bind;
    match canonical(&c.name) {
        Some("Select-Object") => bind(c, &select::SELECT_PARAMS).is_ok_and(|b| {
            b.positional.len() <= 1
                && b.named.iter().all(|(n, _, _)| {
                    matches!(*n, "Property" | "ExcludeProperty" | "ExpandProperty")
                })
                && (b.has("Property") || !b.positional.is_empty() || b.has("ExpandProperty"))
        }),
        Some("ForEach-Object") => filter::foreach_block(c).is_some(),
        Some("Where-Object") => pure(c),
        _ => false,
    }
}

/// How many of `stages` (after a Group-Object, to the line's output) take the objects one
/// at a time, each on its own ([`mapping_tail`]) and keeping nothing from one to the next
/// ([`pure`]: no `$i++`, whose count would follow the order the groups are made in), when
/// those are followed by nothing, by stages that pick a few of what they make
/// ([`picks_in_parts`]: `| Sort-Object Bytes -Descending | Select-Object -First 10`) or by a
/// Measure-Object that takes them one at a time ([`measure_last`]): each group's output is
/// then its own, whatever the other groups and their order, and the picks or the measure
/// can be made a part at a time. `None` otherwise.
/// A ForEach-Object may set variables afresh for each object, read nowhere else in the line
/// (`engine`, [`Scope::read_only_within`]; see [`pure_per_object`]).
pub fn each_on_its_own_then_picks(engine: &dyn Scope, stages: &[&Command]) -> Option<usize> {
    let leading = stages
        .iter()
        .take_while(|c| {
            maps_one_at_a_time(c)
                && pure_per_object(c, |name| engine.read_only_within(name, &c.span))
        })
        .count();
    (1..=leading).rev().find(|&m| {
        m == stages.len()
            || picks_in_parts(&stages[m..])
            || measure_last(&stages[m..]).is_some()
            || grouped_next(&stages[m..]).is_some()
    })
}

/// The `Group-Object <properties> -NoElement` that `stages` start with, when it can take its
/// input a share at a time (each item with its place): the groups it makes are few and hold
/// no element, and the stages after them run on them as usual
/// (`… | ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -Last 1 } |
/// Group-Object EventId -NoElement`, each message's last event counted by its EventId).
pub fn grouped_next<'c>(stages: &[&'c Command]) -> Option<&'c Command> {
    use crate::pwsh::runtime::bind;
    let g = stages.first()?;
    let bound = bind(g, &group::GROUP_PARAMS).ok()?;
    let switch = |name: &str| bound.get(name).is_some_and(|(value, _)| value.is_none());
    let plain = bound.positional.len() + usize::from(bound.has("Property")) == 1
        && bound
            .named
            .iter()
            .all(|(n, _, _)| matches!(*n, "Property" | "NoElement" | "CaseSensitive"))
        && (!bound.has("CaseSensitive") || switch("CaseSensitive"));
    (canonical(&g.name) == Some("Group-Object") && switch("NoElement") && plain).then_some(*g)
}

/// The Measure-Object that `stages` are, when they are one that takes its input one at a
/// time ([`measure::streams`]).
pub fn measure_last<'c>(stages: &[&'c Command]) -> Option<&'c Command> {
    match stages {
        [m] if canonical(&m.name) == Some("Measure-Object") && measure::streams(m) => Some(m),
        _ => None,
    }
}

/// True when `tail` (stages that take objects one at a time, [`mapping_tail`]) can run on
/// groups written out: up to the first that makes other objects of them, none reads a
/// group's elements.
fn runs_on_groups_written_out(tail: &[&Command]) -> bool {
    for c in tail {
        if !group_reads::reads_no_elements(c) {
            return false;
        }
        if canonical(&c.name) != Some("Where-Object") {
            break;
        }
    }
    true
}

/// The sort by Count or Name and/or the selection of the groups' own properties that
/// `stages` are ([`ordered_after`] without stages after them): the sort, and where the
/// selection is.
fn sorted_and_selected(
    engine: &mut dyn Scope,
    stages: &[&Command],
) -> Option<(Option<group_spill::GroupOrder>, Option<usize>)> {
    let sorted = |engine: &mut dyn Scope, c: &Command| {
        (canonical(&c.name) == Some("Sort-Object"))
            .then(|| sort::group_order_alone(engine, c).ok().flatten())
            .flatten()
    };
    let keeps = |specs: &[super::properties::PropSpec], order: group_spill::GroupOrder| {
        let name = match order {
            group_spill::GroupOrder::Count { .. } => "Count",
            group_spill::GroupOrder::Name { .. } => "Name",
        };
        specs.iter().any(|s| {
            matches!(&s.source, super::properties::Source::Name(n) if n.eq_ignore_ascii_case(name))
        })
    };
    match stages {
        [one] => match sorted(engine, one) {
            Some(o) => Some((Some(o), None)),
            None => group_names_selected(engine, one).map(|_| (None, Some(0))),
        },
        [first, second] => match sorted(engine, first) {
            // Sorted, then selected.
            Some(o) => group_names_selected(engine, second).map(|_| (Some(o), Some(1))),
            // Selected (keeping what the sort sorts by), then sorted.
            None => {
                let specs = group_names_selected(engine, first)?;
                let o = sorted(engine, second).filter(|o| keeps(&specs, *o))?;
                Some((Some(o), Some(0)))
            }
        },
        _ => None,
    }
}

/// The properties the Select-Object `c` selects of each group when they are only the groups'
/// Name, Count or Values, each named plainly (no wildcard, no script block, nothing but
/// `-Property`): the objects can then be made again from groups written out
/// (`group_spill::SpilledObjects::selected`).
pub fn group_names_selected(
    engine: &mut dyn Scope,
    c: &Command,
) -> Option<Vec<super::properties::PropSpec>> {
    if canonical(&c.name) != Some("Select-Object") {
        return None;
    }
    let specs = select::plain_specs(engine, c).ok().flatten()?;
    let own = |s: &super::properties::PropSpec| {
        matches!(&s.source, super::properties::Source::Name(n)
            if ["Name", "Count", "Values"].iter().any(|p| p.eq_ignore_ascii_case(n)))
    };
    specs.iter().all(own).then_some(specs)
}

/// How many of `stages` (after a Group-Object) are Where-Object filters first, pure and
/// reading no group's elements (as [`through_of`] takes them).
fn leading_filters(stages: &[&Command]) -> usize {
    stages
        .iter()
        .take_while(|c| {
            canonical(&c.name) == Some("Where-Object")
                && pure(c)
                && group_reads::reads_no_elements(c)
        })
        .count()
}

/// The stage at `at` of `stages` when it is a Measure-Object reading no group's elements.
fn measure_at<'c>(stages: &[&'c Command], at: usize) -> Option<&'c Command> {
    stages.get(at).copied().filter(|m| {
        canonical(&m.name) == Some("Measure-Object") && group_reads::reads_no_elements(m)
    })
}

/// True when `stages` (after a Group-Object) are Where-Object filters then a Measure-Object,
/// none of them reading a group's elements: what comes out is a measure, not groups.
fn measured_only(stages: &[&Command]) -> bool {
    measure_at(stages, leading_filters(stages)).is_some()
}

/// True when `stages` (passing groups through, see [`through_of`]) pick the same groups from
/// the picks of parts of the groups (each part's picks, merged in the order of their first
/// items) as from all of them: exactly one Select-Object, of `-First N` or `-Last N` alone,
/// every Where-Object before it, sorts anywhere. The N first of a (stable) sort of all the
/// groups are among the N first of the part that holds each; a filter after the cut would
/// keep fewer than N where the whole keeps later ones, and a second cut or `-Skip` counts
/// groups a part's picks no longer hold.
fn picks_in_parts(stages: &[&Command]) -> bool {
    use crate::pwsh::runtime::bind;
    let cut = |c: &&Command| canonical(&c.name) == Some("Select-Object");
    let cuts: Vec<usize> = (0..stages.len()).filter(|&i| cut(&stages[i])).collect();
    let [at] = cuts.as_slice() else {
        return false;
    };
    let ends = bind(stages[*at], &select::SELECT_PARAMS).is_ok_and(|b| {
        b.named.len() == 1
            && b.named
                .iter()
                .all(|(n, _, _)| matches!(*n, "First" | "Last"))
    });
    let filters_after = stages[at + 1..]
        .iter()
        .any(|c| canonical(&c.name) == Some("Where-Object"));
    ends && !filters_after
}

/// True when `c` is a `Select-Object -First N` or `-Last N` (one of them) of properties that
/// read no group's elements (`Select-Object -First 10 Name,Count`): it picks groups as the
/// cut alone would, then makes objects of them.
fn selects_firsts(c: &Command) -> bool {
    use crate::pwsh::runtime::bind;
    canonical(&c.name) == Some("Select-Object")
        && group_reads::reads_no_elements(c)
        && bind(c, &select::SELECT_PARAMS).is_ok_and(|b| {
            let cuts = b
                .named
                .iter()
                .filter(|(n, _, _)| matches!(*n, "First" | "Last"))
                .count();
            let properties = b.has("Property") || b.positional.len() == 1;
            cuts == 1
                && properties
                && b.positional.len() <= 1
                && b.named
                    .iter()
                    .all(|(n, _, _)| matches!(*n, "First" | "Last" | "Property"))
        })
}

/// True when `names` (a Group-Object's plain property names) are all text properties of
/// events (not MessageLatencyType, an enum): each group's Values are then text or `$null`.
fn text_names(names: &Option<Vec<String>>) -> bool {
    use crate::format::{Field, FieldKind};
    names.as_ref().is_some_and(|names| {
        names.iter().all(|n| {
            Field::from_name(n).is_some_and(|f| {
                matches!(f.kind(), FieldKind::Text | FieldKind::Category)
                    && f != Field::MessageLatencyType
            })
        })
    })
}

/// True when one of `stages` (passing groups through, see [`through_of`]) leaves only some.
fn cuts(stages: &[&Command]) -> bool {
    stages
        .iter()
        .any(|c| matches!(canonical(&c.name), Some("Select-Object" | "Where-Object")))
}

/// Plain property names (no wildcards), none of them `Group`.
fn names_not_group(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(s) => name_not_group(s),
        ExprKind::List(items) => items.iter().all(names_not_group),
        // `{$_.Count}`: that property alone, as by its name.
        ExprKind::ScriptBlock(b) => {
            super::properties::member_of_item(b).is_some_and(name_not_group)
        }
        _ => false,
    }
}

/// A plain property name (no wildcard) other than `Group`.
fn name_not_group(name: &str) -> bool {
    !name.eq_ignore_ascii_case("group") && !name.contains(['*', '?', '['])
}

/// What `stages` after groups shown need of their elements, the first `k` of them passing
/// the groups through ([`through_of`]).
fn elements_after(stages: &[&Command], k: usize) -> ElementsAfter {
    let Some(next) = stages.get(k) else {
        return ElementsAfter::Chosen(k);
    };
    match canonical(&next.name) {
        Some("Format-Table" | "Format-List" | "Out-String") => ElementsAfter::Chosen(k),
        Some("Select-Object") => {
            let Ok(b) = crate::pwsh::runtime::bind(next, &select::SELECT_PARAMS) else {
                return ElementsAfter::Kept;
            };
            let property = b.get("Property").and_then(|(e, _)| e);
            let only_names = b.positional.len() <= 1
                && b.named.iter().all(|(n, _, _)| {
                    matches!(*n, "Property" | "First" | "Last" | "Skip" | "Index")
                });
            match property.or(b.positional.first().copied()) {
                Some(names) if only_names && names_not_group(names) => ElementsAfter::Never,
                _ => ElementsAfter::Kept,
            }
        }
        _ => ElementsAfter::Kept,
    }
}

/// The first events of each set of equal keys for a `Sort-Object -Unique` of events by plain
/// names of text properties (not MessageLatencyType, an enum); `None` for any other sort.
fn keyed_firsts(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<KeyedFirsts>> {
    let keys = super::sort::SortKeys::of(engine, c, None)?;
    let names = keys.plain_names().filter(|_| keys.unique());
    if !text_names(&names) {
        return Ok(None);
    }
    let names = names.unwrap_or_default();
    Ok(Some(KeyedFirsts {
        keys,
        names,
        span: c.span.clone(),
        distinct: Distinct::default(),
        fresh: Vec::new(),
        held: None,
        over: false,
    }))
}

/// True for `Sort-Object -Unique` of the values themselves: no property and no culture, as
/// Sort-Object binds its parameters.
fn sorts_values_uniquely(engine: &mut dyn Scope, c: &Command) -> EvalResult<bool> {
    let params = super::sort::SORT_PARAMS;
    let bound = crate::pwsh::runtime::bind(c, &params)?;
    if !bound.positional.is_empty() || bound.has("Property") || bound.has("Culture") {
        return Ok(false);
    }
    super::switch_on(engine, &bound, "Unique")
}

/// The same item: the same object, text or collection (not an equal one), or the same plain
/// value (which a pure Where-Object keeps or drops alike wherever it comes).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y),
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y),
        (Value::Hashtable(x), Value::Hashtable(y)) => Rc::ptr_eq(x, y),
        (Value::ScriptBlock(x), Value::ScriptBlock(y)) => Rc::ptr_eq(x, y),
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Decimal(x), Value::Decimal(y)) => x == y && x.scale() == y.scale(),
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::DateTime(x), Value::DateTime(y)) => x == y,
        (Value::TimeSpan(x), Value::TimeSpan(y)) => x == y,
        (Value::Enum(x), Value::Enum(y)) => x == y,
        _ => false,
    }
}

/// True when a pipeline writes a file or runs a command other than the clock's and the
/// shell's own that only read what they are given (Where-Object, Select-Object, …).
fn runs_commands(p: &Pipeline) -> bool {
    p.redirect.is_some()
        || p.elements.iter().any(|e| match e {
            // (The shell's own that only read what they are given: their script blocks are
            // walked too.)
            Element::Command(c) => !matches!(
                canonical(&c.name),
                Some(
                    "Get-Date"
                        | "New-TimeSpan"
                        | "Where-Object"
                        | "Select-Object"
                        | "Sort-Object"
                        | "Measure-Object"
                        | "ForEach-Object"
                        | "Group-Object"
                )
            ),
            Element::Expr(_) => false,
        })
}

/// [`pure`], or a `ForEach-Object { … }` whose script block starts by setting variables
/// (`$n = $_.Name`) each from the object and the ones set before it, and is otherwise pure
/// (it sets nothing else, runs no command): each object's outcome is still its own
/// (`$n = $_.Name; $_.Group | ForEach-Object { [pscustomobject]@{ Id = $n; … } }`), as
/// long as nothing else in the line reads those variables (`only_within`: the value left
/// after the last object would be another's when the objects are made in another order).
pub fn pure_per_object(c: &Command, only_within: impl Fn(&str) -> bool) -> bool {
    if pure(c) {
        return true;
    }
    let Some(block) = filter::foreach_block(c) else {
        return false;
    };
    let statements = &block.body.statements;
    let set = statements
        .iter()
        .take_while(|s| matches!(s, Statement::Assign { op, value: Some(_), .. } if op == "="))
        .count();
    let mut fresh: Vec<String> = Vec::new();
    for s in &statements[..set] {
        let Statement::Assign {
            name,
            value: Some(value),
            ..
        } = s
        else {
            return false;
        };
        let lower = name.to_ascii_lowercase();
        // (A scope-qualified or automatic variable, one set twice, or a value reading the
        // variable itself or a later one: not afresh.)
        let reads = variables_read(value);
        let later: Vec<String> = statements[..set]
            .iter()
            .filter_map(|s| match s {
                Statement::Assign { name, .. } => Some(name.to_ascii_lowercase()),
                _ => None,
            })
            .filter(|n| !fresh.contains(n))
            .collect();
        if lower.contains(':')
            || automatic(&lower)
            || fresh.contains(&lower)
            || reads.iter().any(|r| later.contains(r))
            || !pure_pipeline(value)
            || !only_within(&lower)
        {
            return false;
        }
        fresh.push(lower);
    }
    !fresh.is_empty()
        && statements[set..].iter().all(|s| {
            let mut v = Impure(false);
            crate::pwsh::ast::walk_statement(s, &mut v);
            !v.0
        })
}

/// The variables `p` reads (lowercase).
fn variables_read(p: &Pipeline) -> Vec<String> {
    let mut reads = crate::pwsh::ast::VariableReads::default();
    crate::pwsh::ast::walk_pipeline(p, &mut reads);
    reads.0.into_iter().map(|(n, _)| n).collect()
}

/// True when `p` sets nothing, runs no command and changes no collection ([`pure`]'s test).
fn pure_pipeline(p: &Pipeline) -> bool {
    let mut v = Impure(false);
    crate::pwsh::ast::walk_pipeline(p, &mut v);
    !v.0 && !runs_commands(p)
}

/// A walk that finds what makes a command impure ([`pure`]): an assignment, a command run
/// or a method that changes a collection.
struct Impure(bool);

impl Visit<'_> for Impure {
    fn statement(&mut self, s: &Statement) {
        match s {
            Statement::Assign { .. } => self.0 = true,
            Statement::Pipeline(p) => self.0 |= runs_commands(p),
            Statement::If { .. } => {}
        }
    }
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Method { name, .. } => {
                const CHANGING: [&str; 8] = [
                    "add", "remove", "clear", "insert", "push", "pop", "enqueue", "dequeue",
                ];
                if CHANGING.iter().any(|m| name.eq_ignore_ascii_case(m)) {
                    self.0 = true;
                }
            }
            ExprKind::Paren(p) => self.0 |= runs_commands(p),
            _ => {}
        }
    }
}

/// A command (a Where-Object, a Select-Object) whose outcome for an item does not depend on
/// the items before it: its script blocks assign nothing, run no commands and call no method
/// that changes a collection.
pub fn pure(c: &Command) -> bool {
    let mut v = Impure(false);
    walk_command(c, &mut v);
    !v.0
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::{Item, group_spill, plan_with};
    use crate::pwsh::ast::{Command, Element, Span, Statement};
    use crate::pwsh::culture::Culture;
    use crate::pwsh::datetime::DateTime;
    use crate::pwsh::eval::{Engine, EvalError, EvalResult, Host};
    use crate::pwsh::parse::parse;
    use crate::pwsh::runtime::{Feed, Scope};
    use crate::pwsh::value::Value;

    #[test]
    fn a_group_object_of_properties_without_elements_takes_objects_made_in_shares() {
        let next = |line: &str| {
            let block = parse(line).expect("parses");
            let stages = stages_after_the_first(&block);
            super::grouped_next(&stages).is_some()
        };
        assert!(next(
            "$x | Group-Object EventId -NoElement | Sort-Object Count"
        ));
        assert!(next(
            "$x | Group-Object -Property Sender, EventId -NoElement -CaseSensitive"
        ));
        // Elements kept, no property, a switch given a value, a hashtable made: not so.
        assert!(!next("$x | Group-Object EventId"));
        assert!(!next("$x | Group-Object -NoElement"));
        assert!(!next("$x | Group-Object EventId -NoElement:$b"));
        assert!(!next("$x | Group-Object EventId -NoElement -AsHashTable"));
        assert!(!next("$x | Sort-Object EventId"));
    }

    #[test]
    fn stages_that_keep_nothing_from_one_object_to_the_next_are_pure() {
        // The shell's own reading commands inside a script block keep it pure; a count kept
        // across objects, at any depth, or a command of the host does not.
        let first = |line: &str| {
            let block = parse(line).expect("parses");
            let Some(Statement::Pipeline(p)) = block.statements.first() else {
                panic!("a pipeline");
            };
            match p.elements.last() {
                Some(Element::Command(c)) => super::pure(c),
                _ => panic!("a command"),
            }
        };
        assert!(first(
            "$x | Where-Object { $_.Group | Where-Object EventId -eq 'FAIL' | Select-Object -First 1 }"
        ));
        assert!(first(
            "$x | Select-Object Name, @{n='N';e={@($_.Group | Sort-Object Timestamp | Measure-Object).Count}}"
        ));
        assert!(!first("$x | ForEach-Object { $i++; $_.Name }"));
        assert!(!first(
            "$x | Where-Object { $_.Group | ForEach-Object { $script:n += 1 } }"
        ));
        assert!(!first(
            "$x | Where-Object { $_.Group | Export-Csv out.csv }"
        ));
        assert!(!first(
            "$x | Where-Object { Get-MessageTrackingLog -MessageId $_.Name }"
        ));
    }

    #[test]
    fn a_foreach_setting_variables_afresh_for_each_object_makes_each_object_s_output_its_own() {
        // (`read_only_within` answers for `$n` alone: read nowhere else in the line.)
        let fresh = |line: &str| {
            let block = parse(line).expect("parses");
            let [Statement::Pipeline(p)] = block.statements.as_slice() else {
                panic!("a pipeline");
            };
            match p.elements.last() {
                Some(Element::Command(c)) => super::pure_per_object(c, |n| n == "n" || n == "m"),
                _ => panic!("a command"),
            }
        };
        assert!(fresh(
            "$x | ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object { [pscustomobject]@{ Id = $n; To = $_.Recipients -join ';' } } }"
        ));
        assert!(fresh(
            "$x | ForEach-Object { $n = $_.Name; $m = $n.ToUpper(); \"$m $n\" }"
        ));
        // A plain one needs none.
        assert!(fresh("$x | ForEach-Object { $_.Name }"));
        // Read before it is set, set from itself or from a later one, set twice, set later
        // or inside another block, counted, scope-qualified, automatic, read elsewhere, or
        // set by a command run: what one object made may reach the next.
        for line in [
            "$x | ForEach-Object { $n; $n = $_.Name }",
            "$x | ForEach-Object { $n = $n + 1; $n }",
            "$x | ForEach-Object { $n = $m; $m = $_.Name; $n }",
            "$x | ForEach-Object { $n = $_.Name; $n = $_.Count; $n }",
            "$x | ForEach-Object { $_.Name; $n = $_.Name }",
            "$x | ForEach-Object { $n = $_.Name; if ($n) { $n = 'x' }; $n }",
            "$x | ForEach-Object { $n = $_.Name; $m++; $n }",
            "$x | ForEach-Object { $script:n = $_.Name; $script:n }",
            "$x | ForEach-Object { $o = $_.Name; $o }",
            "$x | ForEach-Object { $n = Get-Mailbox $_.Name; $n }",
            "$x | ForEach-Object { $n = $_.Name; $n | Export-Csv out.csv }",
            "$x | ForEach-Object -Begin { $t = 0 } -Process { $n = $_.Name; $n }",
        ] {
            assert!(!fresh(line), "{line}");
        }
    }

    /// A host whose `Get-Numbers` gives 1 to 10 only in pieces (6–10 first, each with its
    /// place), and whose `Get-Servers` lists two servers; it keeps what `Get-Numbers` was
    /// piped.
    struct PiecesHost {
        piped: RefCell<Vec<String>>,
        /// The line's output is shown as text (a table or a list).
        text: bool,
        /// How many times Get-Numbers was read.
        reads: RefCell<usize>,
    }

    impl Host for PiecesHost {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::DateTime::UNIX_EPOCH
        }
        fn zone(&self) -> crate::format::Zone {
            crate::format::Zone::parse("UTC").expect("UTC")
        }
        fn culture(&self) -> &'static Culture {
            Culture::find("en-US").expect("en-US")
        }
        fn command(
            &self,
            _: &mut dyn Scope,
            c: &Command,
            _: Vec<Value>,
        ) -> Option<EvalResult<Vec<Value>>> {
            Some(if c.name == "Get-Servers" {
                Ok(vec![Value::str("EX01"), Value::str("EX02")])
            } else {
                Err(EvalError::new("Get-Numbers was run whole", c.span.clone()))
            })
        }
        fn stream(
            &self,
            engine: &mut dyn Scope,
            c: &Command,
            input: &[Value],
            _keys: Option<&[String]>,
            _text: &[String],
            _share: Option<&crate::pwsh::runtime::KeyShare<'_>>,
            feed: &mut Feed<'_>,
        ) -> Option<EvalResult<()>> {
            if c.name != "Get-Numbers" {
                return None;
            }
            *self.reads.borrow_mut() += 1;
            self.piped
                .borrow_mut()
                .extend(input.iter().map(Value::to_text));
            let batch = |from: i32| {
                (from..from + 5)
                    .map(|n| (Value::Int(n), (i64::from(n), 0), 1))
                    .collect()
            };
            Some(feed(engine, batch(6)).and_then(|()| feed(engine, batch(1))))
        }
        fn write_file(&self, _: &str, _: &[u8], _: &[u8], _: bool, _: &Span) -> EvalResult<()> {
            Ok(())
        }
        fn display_datetime(&self, t: &DateTime) -> String {
            t.invariant_string()
        }
        fn note(&self, _: &str) {}
        fn shows_text(&self) -> bool {
            self.text
        }
    }

    fn host(text: bool) -> PiecesHost {
        PiecesHost {
            piped: RefCell::new(Vec::new()),
            text,
            reads: RefCell::new(0),
        }
    }

    /// `line`'s output shown as text (a table or a list): each group's Count, Name and
    /// elements; and how many times Get-Numbers was read.
    fn shown_groups(line: &str) -> (Vec<String>, usize) {
        shown_groups_of(line, false)
    }

    /// [`shown_groups`]; `whole`: by an engine whose output may be written out (as
    /// `msgtrack query` runs a line).
    fn shown_groups_of(line: &str, whole: bool) -> (Vec<String>, usize) {
        let host = host(true);
        let engine = Engine::new(&host);
        let mut engine = if whole {
            engine.taking_spilled_output()
        } else {
            engine
        };
        let out = engine
            .run(&parse(line).expect("parses"))
            .expect("runs")
            .iter()
            .map(|v| {
                let Value::Object(o) = v else {
                    return v.to_text();
                };
                let group = match o.property("Group") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(Value::to_text)
                        .collect::<Vec<_>>()
                        .join(","),
                    other => format!("{other:?}"),
                };
                let text = |n: &str| o.property(n).map(|p| p.to_text()).unwrap_or_default();
                format!("{} {} [{group}]", text("Count"), text("Name"))
            })
            .collect();
        (out, host.reads.into_inner())
    }

    /// `line`'s output as text, and what Get-Numbers was piped.
    fn run(line: &str) -> (Result<String, String>, Vec<String>) {
        let host = host(false);
        let out = Engine::new(&host)
            .run(&parse(line).expect("parses"))
            .map(|items| {
                items
                    .iter()
                    .map(|v| match v {
                        Value::Object(o) => ["Name", "Count", "Sum"]
                            .iter()
                            .filter_map(|n| o.property(n).map(|p| format!("{n}={}", p.to_text())))
                            .collect::<Vec<_>>()
                            .join(";"),
                        other => other.to_text(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .map_err(|e| e.message);
        (out, host.piped.into_inner())
    }

    #[test]
    fn groups_folding_reads_too_many_to_hold_are_made_a_share_of_their_keys_at_a_time() {
        // Five groups; with one held (two made at a time) they are made a share of their
        // keys at a time, a read of Get-Numbers each, and each group's selection is put back
        // in the order of its first item: the same output as all held in one read.
        let line = "Get-Numbers | Group-Object {$_ % 5} | Select-Object Name, Count, @{n='Sum';e={($_.Group | Measure-Object -Sum).Sum}}";
        let answer = |line: &str, held: Option<usize>| {
            group_spill::HELD_IN_TESTS.set(held);
            let host = host(false);
            let out = {
                let mut engine = Engine::new(&host).taking_spilled_output();
                let mut out = engine.run(&parse(line).expect("parses")).expect("runs");
                if let Some(spilled) = engine.take_spilled_output() {
                    out.extend(spilled.held().expect("read back"));
                }
                out
            };
            group_spill::HELD_IN_TESTS.set(None);
            let text: Vec<String> = out
                .iter()
                .map(|v| match v {
                    Value::Object(o) => ["Name", "Count", "Sum"]
                        .iter()
                        .map(|n| o.property(n).map(|p| p.to_text()).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(" "),
                    other => other.to_text(),
                })
                .collect();
            (text, host.reads.into_inner())
        };
        // 1 and 6, 2 and 7, …, 5 and 10 (key 0, whose first item is 5).
        let (held, one_read) = answer(line, None);
        assert_eq!(held, ["1 2 7", "2 2 9", "3 2 11", "4 2 13", "0 2 15"]);
        assert_eq!(one_read, 1);
        let (shared, reads) = answer(line, Some(1));
        assert_eq!(shared, held);
        assert!(reads >= 3, "{reads} reads");
        // Then a sort's first two of what the groups make: picked a share at a time.
        let top = format!("{line} | Sort-Object Sum -Descending | Select-Object -First 2");
        assert_eq!(answer(&top, None).0, ["0 2 15", "4 2 13"]);
        let (shared, reads) = answer(&top, Some(1));
        assert_eq!(shared, ["0 2 15", "4 2 13"]);
        assert!(reads >= 3, "{reads} reads");
    }

    #[test]
    fn selections_of_properties_before_a_fold_take_the_items_in_pieces() {
        // 2+4+…+20 = 110; the odd numbers' group first (1 comes first in the output, though
        // it is handed over last); both fed by the servers piped in.
        let (out, piped) = run(
            "Get-Servers | Get-Numbers | Select-Object @{n='Double';e={$_ * 2}} | Measure-Object Double -Sum",
        );
        assert_eq!(out.as_deref(), Ok("Count=10;Sum=110"));
        assert_eq!(piped, ["EX01", "EX02"]);
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='Odd';e={$_ % 2}} | Where-Object {$_.Odd -eq 1 -or $_.Odd -eq 0} | Group-Object Odd -NoElement",
        );
        assert_eq!(out.as_deref(), Ok("Name=1;Count=5\nName=0;Count=5"));
        // A selection that changes something (`$n++`) needs every item: run whole.
        let line =
            "$n = 0; Get-Numbers | Select-Object @{n='N';e={$n++; $n}} | Measure-Object N -Sum";
        let (out, _) = run(line);
        assert_eq!(out, Err("Get-Numbers was run whole".into()), "{line}");
        // -Unique after a selection keeps the distinct selections as they come (numbers, not
        // text: the shell's comparison runs on them at the end, in input order).
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='N';e={$_ % 3}} | Select-Object N -Unique | Measure-Object N -Sum",
        );
        assert_eq!(out.as_deref(), Ok("Count=3;Sum=3"));
    }

    /// The commands after the first of `block`'s one pipeline.
    fn stages_after_the_first(block: &crate::pwsh::ast::Block) -> Vec<&Command> {
        let [Statement::Pipeline(p)] = block.statements.as_slice() else {
            panic!("one pipeline");
        };
        p.elements
            .iter()
            .skip(1)
            .filter_map(|e| match e {
                Element::Command(c) => Some(c),
                Element::Expr(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_unique_sort_of_events_by_text_properties_keeps_firsts_as_they_come() {
        // What the stages after the cmdlet become: a stream keeping the first event of each
        // exactly equal key (the host collapsing rows equal in those text properties), the
        // Sort-Object then running on them; any other sort runs the usual way.
        let host = host(false);
        let mut engine = Engine::new(&host);
        let planned = |engine: &mut Engine, line: &str| {
            let block = parse(line).expect("parses");
            let stages = stages_after_the_first(&block);
            plan_with(engine, &stages, None, true)
                .expect("plans")
                .map(|(s, covered)| (s.keys(), s.text_properties(), covered))
        };
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            planned(
                &mut engine,
                "Get-X | Sort-Object Sender,EventId -Unique | Measure-Object"
            ),
            Some((
                Some(names(&["Sender", "EventId"])),
                names(&["Sender", "EventId"]),
                0
            ))
        );
        // After a filter: every event is seen (no rows collapsed), the sort still covered.
        assert_eq!(
            planned(
                &mut engine,
                "Get-X | ? {$_.TotalBytes -gt 5} | sort sender -u -desc"
            ),
            Some((None, names(&["sender"]), 1))
        );
        for line in [
            "Get-X | Sort-Object TotalBytes -Unique",
            "Get-X | Sort-Object Timestamp -Unique",
            "Get-X | Sort-Object MessageLatencyType -Unique",
            "Get-X | Sort-Object Sender",
            "Get-X | Sort-Object Send* -Unique",
            "Get-X | Sort-Object {$_.Sender} -Unique",
            "Get-X | Select-Object Sender | Sort-Object Sender -Unique",
        ] {
            assert_eq!(planned(&mut engine, line), None, "{line}");
        }
    }

    #[test]
    fn a_sort_of_values_with_unique_drops_only_exact_repeats_as_they_come() {
        // 0.3 (of 1..5) and 0.1+0.2 (of 6..10) show the same text but are not equal: the
        // sort keeps both (0.3 first, the smaller); the repeats of each go.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='V';e={ if ($_ -le 5) { 0.3 } else { 0.1 + 0.2 } }} | Select-Object -ExpandProperty V | Sort-Object -Unique | ForEach-Object { $_ -eq 0.3 }",
        );
        assert_eq!(out.as_deref(), Ok("True\nFalse"));
    }

    #[test]
    fn values_a_filter_keeps_keep_their_places() {
        // 1..10 handed over 6–10 first: the odd numbers' group is first (1 is the first
        // item), though an even number came first. (Values, not objects, are found again
        // after the Where-Object by their value: they lost their places, and the groups came
        // in the order they arrived in.)
        let (out, _) =
            run("Get-Numbers | Where-Object {$_ -gt 0} | Group-Object {$_ % 2} -NoElement");
        assert_eq!(out.as_deref(), Ok("Name=1;Count=5\nName=0;Count=5"));
    }

    #[test]
    fn unique_calculated_selections_come_in_input_order_whatever_order_the_items_come_in() {
        // 1..10 handed over 6–10 first: the selections 1, 2, 0 (of 1, 2, 3) are the first of
        // each; -Unique of numbers and of the texts they make.
        for line in [
            "Get-Numbers | Select-Object @{n='Name';e={$_ % 3}} -Unique",
            "Get-Numbers | Select-Object @{n='Name';e={\"r$($_ % 3)\"}} -Unique",
            "Get-Numbers | Where-Object {$_ -gt 1} | Select-Object @{n='Name';e={$_ % 3}} -Unique",
        ] {
            let (out, _) = run(line);
            let want = match line.contains("-gt 1") {
                true => "Name=2\nName=0\nName=1",
                false if line.contains("\"r") => "Name=r1\nName=r2\nName=r0",
                false => "Name=1\nName=2\nName=0",
            };
            assert_eq!(out.as_deref(), Ok(want), "{line}");
        }
        // -Unique of the values themselves after a selection: 1, 2, 0 (of 1, 2, 3).
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='N';e={$_ % 3}} | Select-Object -ExpandProperty N | Select-Object -Unique",
        );
        assert_eq!(out.as_deref(), Ok("1\n2\n0"));
        // 1 (an Int32, of 1) is kept first; '01' (of 2) is the same to the shell, though its
        // text differs: 1 -ceq '01' converts the text to a number.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='Name';e={ if ($_ -eq 1) { 1 } elseif ($_ -eq 2) { '01' } else { 'x' } }} -Unique",
        );
        assert_eq!(out.as_deref(), Ok("Name=1\nName=x"));
    }

    #[test]
    fn a_group_s_elements_read_only_by_folding_pipelines_are_folded_as_they_come() {
        // Odd numbers 1+3+5+7+9 = 25 (group "1", first in the input though handed over
        // last), even 2+4+…+10 = 30; the largest even over 5: 10; the odd ones over 4: 3.
        let (out, _) = run(
            "Get-Numbers | Group-Object {$_ % 2} | Select-Object Name,Count,@{n='Sum';e={($_.Group | Measure-Object -Sum).Sum}}",
        );
        assert_eq!(
            out.as_deref(),
            Ok("Name=1;Count=5;Sum=25\nName=0;Count=5;Sum=30")
        );
        let (out, _) = run(
            "Get-Numbers | Group-Object {$_ % 2} | Sort-Object Name | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Sum = ($PSItem.Group | Where-Object { $_ -gt 4 } | Measure-Object -Maximum).Maximum; Count = ($_.Group | Where-Object { $_ -gt 4 } | Measure-Object).Count } }",
        );
        assert_eq!(
            out.as_deref(),
            Ok("Name=0;Count=3;Sum=10\nName=1;Count=3;Sum=9")
        );
        // A property of every element (member enumeration) read the same way.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='V';e={$_ * 2}} | Group-Object {$_.V % 4} | Select-Object Name,Count,@{n='Sum';e={($_.Group.V | Measure-Object -Sum).Sum}}",
        );
        // 2, 6, 10, 14, 18 (≡ 2 mod 4, first) = 50; 4, 8, 12, 16, 20 = 60.
        assert_eq!(
            out.as_deref(),
            Ok("Name=2;Count=5;Sum=50\nName=0;Count=5;Sum=60")
        );
        // Distinct values of a property of every element: each value at its element's place
        // (6–10 come first); V = n % 3 is 1,2,0,1,2,0,1,2,0,1 for n = 1..10, grouped by V % 2:
        // "1" holds 1,1,1,1, "0" holds 2,0,2,0,2,0.
        let values = "Get-Numbers | Select-Object @{n='V';e={$_ % 3}} | Group-Object {$_.V % 2}";
        let (out, _) = run(&format!(
            "{values} | Select-Object Name,@{{n='Sum';e={{($_.Group.V | Select-Object -Unique) -join ','}}}}"
        ));
        assert_eq!(out.as_deref(), Ok("Name=1;Sum=1\nName=0;Sum=2,0"));
        let (out, _) = run(&format!(
            "{values} | Select-Object Name,@{{n='Sum';e={{($_.Group.V | Sort-Object -Unique -Descending) -join ','}}}}"
        ));
        assert_eq!(out.as_deref(), Ok("Name=1;Sum=1\nName=0;Sum=2,0"));
        // The same reads with the elements read any other way need the groups whole.
        for line in [
            "Get-Numbers | Group-Object {$_ % 2} | Select-Object Name,@{n='Sum';e={($_.Group | Measure-Object -Sum).Sum}},Group",
            "Get-Numbers | Group-Object {$_ % 2} | Select-Object Name,@{n='Sum';e={$_.Group[0]}}",
            "Get-Numbers | Group-Object {$_ % 2} | Select-Object Name,@{n='Sum';e={($_.Group | Select-Object -First 1)}}",
        ] {
            let (out, _) = run(line);
            assert_eq!(out, Err("Get-Numbers was run whole".into()), "{line}");
        }
    }

    #[test]
    fn groups_too_many_to_hold_are_written_out_when_the_stages_after_pick_a_few() {
        // Groups by MessageId (a text property of events) picked by a sort's first N: past
        // the groups held they are written out, and come back merged, a chunk at a time,
        // each chunk in the order of its groups' first items, every key once with all its
        // items counted and named by its first. (Hashtables stand for events here.)
        let host = host(false);
        let mut engine = Engine::new(&host);
        let line = "Get-X | Group-Object MessageId -NoElement | Sort-Object Count -Descending | Select-Object -First 3 | Select-Object Name";
        let block = parse(line).expect("parses");
        let stages = stages_after_the_first(&block);
        group_spill::HELD_IN_TESTS.set(Some(2));
        let (mut stream, covered) = plan_with(&mut engine, &stages, None, true)
            .expect("plans")
            .expect("streams");
        group_spill::HELD_IN_TESTS.set(None);
        assert_eq!(covered, 1);
        // Ids m0..m4, item i of id m(i*i % 5): m0 ×3, m1 ×4, m4 ×4, m2 ×0, m3 ×0… then
        // upper-case repeats of m1 (same group, ignoring case).
        let ids: Vec<String> = (0..11u64)
            .map(|i| format!("m{}", (i * i) % 5))
            .chain(["M1".to_string(), "M4".to_string()])
            .collect();
        let items: Vec<Item> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let v = engine
                    .run(&parse(&format!("@{{MessageId='{id}'}}")).expect("parses"))
                    .expect("runs")
                    .remove(0);
                (v, (i as i64, 0), 1)
            })
            .collect();
        // Out of order, in two batches: the later half first.
        let (early, late) = items.split_at(6);
        stream.feed(&mut engine, late.to_vec()).expect("fed");
        stream.feed(&mut engine, early.to_vec()).expect("fed");
        assert_eq!(
            stream.spilled(),
            Some(super::InParts::Picks(2)),
            "written out, two stages pick"
        );
        let mut all = Vec::new();
        for chunk in stream.finish_in_chunks().expect("merged") {
            let chunk = chunk.expect("read");
            assert!(chunk.len() <= 2);
            assert!(chunk.is_sorted_by_key(|(first, _)| *first));
            all.extend(chunk.into_iter().map(|(first, v)| {
                let Value::Object(g) = v else {
                    panic!("a group")
                };
                let text = |n: &str| g.property(n).map(|p| p.to_text()).unwrap_or_default();
                (first.0, text("Name"), text("Count"))
            }));
        }
        all.sort();
        // i*i % 5 for i = 0..11: 0,1,4,4,1,0,1,4,4,1,0 → m0 at 0,5,10; m1 at 1,4,6,9 and
        // M1 at 11; m4 at 2,3,7,8 and M4 at 12.
        assert_eq!(
            all,
            vec![
                (0, "m0".to_string(), "3".to_string()),
                (1, "m1".to_string(), "5".to_string()),
                (2, "m4".to_string(), "5".to_string()),
            ]
        );
    }

    #[test]
    fn groups_shown_get_their_elements_in_a_second_pass_for_only_the_groups_chosen() {
        // 1..10 (handed over 6–10 first) by $_ % 3: "1" {1,4,7,10}, "2" {2,5,8}, "0" {3,6,9},
        // in the order of their first elements. A table shows up to $FormatEnumerationLimit
        // (16 in the Exchange shell) of each group's elements, plus one to tell there are
        // more; with the limit at 2: three.
        let line = "Get-Numbers | Group-Object {$_ % 3} | Sort-Object Count -Descending | Select-Object -First 2";
        let (out, reads) = shown_groups(line);
        assert_eq!(out, ["4 1 [1,4,7,10]", "3 2 [2,5,8]"]);
        assert_eq!(
            reads, 2,
            "the groups were made without their elements first"
        );
        let (out, _) = shown_groups(&format!("$FormatEnumerationLimit = 2; {line}"));
        assert_eq!(out, ["4 1 [1,4,7]", "3 2 [2,5,8]"]);
        // Sorted by name, the last one: "2"; and every group when nothing chooses.
        let (out, reads) = shown_groups(
            "Get-Numbers | Group-Object {$_ % 3} | Sort-Object Name | Select-Object -Last 1 | Format-List",
        );
        assert_eq!(reads, 2);
        assert!(out.len() == 1, "{out:?}");
        let (out, reads) = shown_groups("Get-Numbers | Group-Object {$_ % 3}");
        assert_eq!(out, ["4 1 [1,4,7,10]", "3 2 [2,5,8]", "3 0 [3,6,9]"]);
        assert_eq!(reads, 2);
        // As the line's output (which may be written out when too many to hold), every group
        // is chosen: their first elements are kept in the one pass.
        for (line, groups) in [
            ("Get-Numbers | Group-Object {$_ % 3}", 3),
            (
                "Get-Numbers | Group-Object {$_ % 3} | Sort-Object Count -Descending",
                3,
            ),
            (
                "Get-Numbers | Group-Object {$_ % 3} | Where-Object {$_.Count -gt 3}",
                1,
            ),
        ] {
            let (out, reads) = shown_groups_of(line, true);
            assert_eq!(out[0], "4 1 [1,4,7,10]", "{line}");
            assert_eq!((out.len(), reads), (groups, 1), "{line}");
        }
        // A filter that reads no group's elements picks groups too.
        let (out, reads) = shown_groups(
            "Get-Numbers | Group-Object {$_ % 3} | Where-Object {$_.Count -lt 4 -and $PSItem.Name -ne '1'} | Sort-Object Name",
        );
        assert_eq!(out, ["3 0 [3,6,9]", "3 2 [2,5,8]"]);
        assert_eq!(reads, 2);
        // A selection without the elements needs no second pass; one with them keeps the
        // first ones of every group in the one pass.
        let (out, reads) = shown_groups(
            "Get-Numbers | Group-Object {$_ % 3} | Sort-Object Count | Select-Object -First 1 Count,Name",
        );
        assert_eq!((out.len(), reads), (1, 1));
        let (out, reads) = shown_groups(
            "Get-Numbers | Group-Object {$_ % 3} | Select-Object Count,Name,Group | Select-Object -First 1",
        );
        assert_eq!((out, reads), (vec!["4 1 [1,4,7,10]".to_string()], 1));
    }

    #[test]
    fn a_standard_deviation_of_numbers_out_of_order_is_powershell_7_s_running_one_in_input_order() {
        // 1..10 (handed over 6–10 first): PowerShell 7's own test gives 3.02765035409749.
        let (out, _) = run(
            "Get-Numbers | Measure-Object -StandardDeviation | ForEach-Object StandardDeviation",
        );
        assert_eq!(out.as_deref(), Ok("3.02765035409749"));
        // A $null among numbers that came out of order: where it falls decides the minimum.
        // In input order 1, 2, $null, 4, …, 10: the kept 1 gives way to $null, then 4.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='V';e={ if ($_ -eq 3) { $null } else { $_ } }} | Measure-Object V -Minimum -Maximum | ForEach-Object { \"$($_.Minimum) $($_.Maximum)\" }",
        );
        assert_eq!(out.as_deref(), Ok("4 10"));
        // Values that are not numbers: refused rather than guessed.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='V';e={ if ($_ -eq 3) { $null } else { 'v' + $_ } }} | Measure-Object V -Minimum",
        );
        let message = out.expect_err("no answer");
        assert!(message.contains("out of input order"), "{message}");
    }

    #[test]
    fn expanded_values_are_folded_each_in_its_place_within_its_item() {
        // n % 2 then n % 3 for n = 1..10 (6–10 handed over first): 1 appears first (n = 1),
        // then 0 and 2, both from n = 2, in that order; 1 nine times, 0 eight, 2 three.
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='L';e={ @(($_ % 2), ($_ % 3)) }} | Select-Object -ExpandProperty L | Group-Object -NoElement",
        );
        assert_eq!(
            out.as_deref(),
            Ok("Name=1;Count=9\nName=0;Count=8\nName=2;Count=3")
        );
    }

    #[test]
    fn expanded_values_sorted_uniquely_keep_each_value_once_as_they_come() {
        // n % 3 and n % 2 of 1..10: the values 0, 1, 2, sorted by the Sort-Object itself.
        let line = "Get-Numbers | Select-Object @{n='L';e={ @(($_ % 3), ($_ % 2)) }} | Select-Object -ExpandProperty L | Sort-Object -Unique";
        assert_eq!(run(line).0.as_deref(), Ok("0\n1\n2"));
        let (out, _) = run(&format!("{line} -Descending"));
        assert_eq!(out.as_deref(), Ok("2\n1\n0"));
    }

    #[test]
    fn a_sum_of_whole_numbers_and_fractions_out_of_order_is_the_running_sum_in_input_order() {
        // 7, 2/3, 21, 4/3, … summed one at a time in input order, as PowerShell adds doubles:
        // 185.00000000000003, where the whole numbers summed apart give 185.
        let in_order = (1..=10).fold(0.0, |sum: f64, i: i32| {
            sum + if i % 2 == 1 {
                f64::from(i * 7)
            } else {
                f64::from(i) / 3.0
            }
        });
        assert_ne!(
            in_order, 185.0,
            "the order must matter for this test to mean anything"
        );
        let (out, _) = run(
            "Get-Numbers | Select-Object @{n='V';e={ if ($_ % 2) { $_ * 7 } else { $_ / 3 } }} | Measure-Object V -Sum | ForEach-Object { $_.Sum - 185 }",
        );
        assert_eq!(out, Ok(Value::Double(in_order - 185.0).to_text()));
    }

    /// One of a few values that the shell's `-ceq` compares across types (`1 -ceq '01'`,
    /// `$true -ceq 'a'`, decimals 1.0 and 1.00, $null and '').
    fn pooled(i: u8) -> Value {
        use rust_decimal::Decimal;
        match i % 15 {
            0 => Value::Null,
            1 => Value::str("1"),
            2 => Value::str("01"),
            3 => Value::str("a"),
            4 => Value::str(""),
            5 => Value::str("True"),
            6 => Value::Int(1),
            7 => Value::Int(2),
            8 => Value::Long(1),
            9 => Value::Double(1.0),
            10 => Value::Double(0.5),
            11 => Value::Bool(true),
            12 => Value::Decimal(Decimal::new(10, 1)),
            13 => Value::Decimal(Decimal::new(100, 2)),
            _ => Value::array(vec![Value::str("1")]),
        }
    }

    proptest::proptest! {
        #[test]
        fn distinct_selections_in_any_arrival_order_give_the_shell_s_unique(
            picks in proptest::collection::vec((0u8..15, 0u8..15), 0..40),
            seed in proptest::prelude::any::<u64>(),
        ) {
            use std::rc::Rc;
            use crate::pwsh::value::CustomObject;
            let host = host(false);
            let mut engine = Engine::new(&host);
            let object = |(a, b): (u8, u8)| Value::Object(Rc::new(CustomObject {
                type_names: Rc::from(["System.Management.Automation.PSCustomObject".into()]),
                properties: vec![("A".into(), pooled(a)), ("B".into(), pooled(b))],
                collections: Vec::new(),
            }));
            // The shell: each object compared with every one kept before it.
            let mut shell: Vec<usize> = Vec::new();
            for (i, p) in picks.iter().enumerate() {
                let item = object(*p);
                let mut repeat = false;
                for k in &shell {
                    repeat |= super::select::same(&mut engine, &object(picks[*k]), &item)
                        .expect("compares");
                }
                if !repeat {
                    shell.push(i);
                }
            }
            let shell: Vec<String> = shell.iter().map(|i| format!("{:?}", picks[*i])).collect();
            // Handed over in a permutation of their places, each with its place.
            let mut order: Vec<usize> = (0..picks.len()).collect();
            let mut state = seed;
            for i in (1..order.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                order.swap(i, (state >> 33) as usize % (i + 1));
            }
            let mut distinct = super::Distinct::default();
            for i in order {
                distinct.add(object(picks[i]), (i as i64, 0));
            }
            let kept = super::select::unique_of(&mut engine, distinct.finish()).expect("unique");
            let kept: Vec<String> = kept
                .iter()
                .map(|v| {
                    let pick = picks
                        .iter()
                        .find(|p| super::select::exact_key(&object(**p)) == super::select::exact_key(v))
                        .expect("a pick");
                    format!("{pick:?}")
                })
                .collect();
            proptest::prop_assert_eq!(kept, shell);
        }
    }

    proptest::proptest! {
        #[test]
        fn unique_values_are_the_shell_s_whatever_their_types(
            picks in proptest::collection::vec(0u8..15, 0..60),
        ) {
            let host = host(false);
            let mut engine = Engine::new(&host);
            let values: Vec<Value> = picks.iter().map(|p| pooled(*p)).collect();
            // The shell's loop: a text value by the texts kept and the non-text values kept,
            // any other value against every value kept.
            let mut kept: Vec<usize> = Vec::new();
            let mut texts: Vec<String> = Vec::new();
            let mut converting: Vec<usize> = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let (key, plain) = super::select::unique_key(v);
                let against: Vec<usize> = if plain { converting.clone() } else { kept.clone() };
                let mut repeat = plain && texts.contains(&key);
                for k in against {
                    repeat |= super::select::same(&mut engine, &values[k], v).expect("compares");
                }
                if !repeat {
                    if !plain {
                        converting.push(i);
                    }
                    texts.push(key);
                    kept.push(i);
                }
            }
            let shell: Vec<String> = kept.iter().map(|i| format!("{:?}", values[*i])).collect();
            let unique = super::select::unique_of(&mut engine, values.clone()).expect("unique");
            let unique: Vec<String> = unique.iter().map(|v| format!("{v:?}")).collect();
            proptest::prop_assert_eq!(unique, shell);
        }
    }
}
