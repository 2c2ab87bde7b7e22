//! Group-Object: groups in first-appearance order (Windows PowerShell 5.1; 7.x sorts them),
//! keys compared ignoring case unless `-CaseSensitive` and across types (`"1"` groups with
//! `1`). Each group is a GroupInfo with Values, Count, Group and Name, shown by the views of
//! PowerShellCore.format.ps1xml.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use super::group_spill::{self, Spilled};
use super::properties::{self, PropSpec};
use super::switch_on;
use crate::format::fold::fold;
use crate::pwsh::ast::Command;
use crate::pwsh::runtime::Order;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
use crate::pwsh::value::{Hashtable, PsObject, Value};

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// `Microsoft.PowerShell.Commands.GroupInfo`.
#[derive(Debug)]
pub struct GroupInfo {
    /// The key values joined by ", ".
    pub name: String,
    /// The key values.
    pub values: Vec<Value>,
    /// The items (empty with -NoElement).
    pub group: Rc<Vec<Value>>,
    /// How many items.
    pub count: usize,
    /// `-NoElement` was given.
    pub no_element: bool,
    /// The outputs of the pipelines `$_.Group | …` that read this group's elements (by the
    /// pipeline's address), folded as the items came, when the group did not keep them.
    pub folded: Option<Vec<(usize, EvalResult<Vec<Value>>)>>,
}

impl GroupInfo {
    /// The output of pipeline `p` (`$_.Group | …`) over this group's elements, when it was
    /// folded as they came.
    pub fn folded(&self, p: &crate::pwsh::ast::Pipeline) -> Option<EvalResult<Vec<Value>>> {
        let at = std::ptr::from_ref(p) as usize;
        self.folded
            .as_ref()?
            .iter()
            .find(|(read, _)| *read == at)
            .map(|(_, out)| out.clone())
    }
}

impl PsObject for GroupInfo {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        if self.no_element {
            vec![
                Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfoNoElement"),
                Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfo"),
            ]
        } else {
            vec![Cow::Borrowed("Microsoft.PowerShell.Commands.GroupInfo")]
        }
    }

    /// .NET's order (the class declares Values, Count, Group, Name), which `Select-Object *`,
    /// Export-Csv and ConvertTo-Json follow; GroupInfoNoElement derives from GroupInfo and
    /// keeps every property, its Group empty.
    fn property_names(&self) -> Vec<Cow<'_, str>> {
        vec![
            "Values".into(),
            "Count".into(),
            "Group".into(),
            "Name".into(),
        ]
    }

    fn collection_type(&self, name: &str) -> Option<&'static str> {
        match name.to_ascii_lowercase().as_str() {
            "values" => Some("System.Collections.ArrayList"),
            "group" => Some(crate::pwsh::value::PSOBJECT_COLLECTION),
            _ => None,
        }
    }

    /// The table view of PowerShellCore.format.ps1xml: Count, Name, Group (no Group for
    /// GroupInfoNoElement).
    fn default_table(&self) -> Option<Vec<String>> {
        let mut cols = vec!["Count".to_string(), "Name".to_string()];
        if !self.no_element {
            cols.push("Group".into());
        }
        Some(cols)
    }

    /// The list view of PowerShellCore.format.ps1xml: Name, Count, Group, Values (no Group
    /// for GroupInfoNoElement).
    fn default_list(&self) -> Option<Vec<String>> {
        let mut cols = vec!["Name".to_string(), "Count".to_string()];
        if !self.no_element {
            cols.push("Group".into());
        }
        cols.push("Values".into());
        Some(cols)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "count" => Some(Value::Int(self.count as i32)),
            "name" => Some(Value::str(&self.name)),
            "values" => Some(Value::array(self.values.clone())),
            // Elements folded away are read only by the pipelines folded (see group_reads).
            "group" if self.folded.is_some() => None,
            // (Shared, not copied: a group's elements can be a million.)
            "group" => Some(Value::Array(self.group.clone())),
            _ => None,
        }
    }
}

/// How a key value shows in a group's Name: collections as `{a, b}`, `$null` empty, others
/// by their ToString().
fn key_text(v: &Value, culture: &crate::pwsh::culture::Culture) -> String {
    match v {
        Value::Array(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| i.text_in(culture))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.text_in(culture),
    }
}

/// What a group's Name is compared by: itself when case-sensitive, else folded.
fn name_key(case: bool, name: &str) -> String {
    if case { name.to_string() } else { fold(name) }
}

/// The key of `v` when it is a group ([`GroupInfo`]), see [`name_key`].
fn group_key(case: bool, v: &Value) -> Option<String> {
    as_group(v).map(|g| name_key(case, &g.name))
}

/// Group-Object's parameters.
pub const GROUP_PARAMS: [ParamSpec; 6] = [
    p("Property", false),
    p("NoElement", true),
    p("CaseSensitive", true),
    p("AsHashTable", true),
    p("AsString", true),
    p("Culture", false),
];

/// Group-Object's options that decide how it runs.
struct GroupOptions {
    specs: Vec<PropSpec>,
    no_element: bool,
    case: bool,
    as_hashtable: bool,
    as_string: bool,
}

fn options(engine: &mut dyn Scope, c: &Command) -> EvalResult<GroupOptions> {
    let params = GROUP_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &[])?,
        (None, Some(e)) => properties::read(engine, e, &[])?,
        _ => Vec::new(),
    };
    Ok(GroupOptions {
        specs,
        no_element: switch_on(engine, &bound, "NoElement")?,
        case: switch_on(engine, &bound, "CaseSensitive")?,
        as_hashtable: switch_on(engine, &bound, "AsHashTable")?,
        as_string: bound.has("AsString"),
    })
}

/// Which items a group keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// None (`-NoElement`).
    None,
    /// Every one.
    All,
    /// The first `n` in the input's order: all that a table or list shows of `.Group`
    /// (`$FormatEnumerationLimit`) when nothing else reads it.
    First(usize),
    /// None: the elements are read only by pipelines folded per group as the items come
    /// ([`super::group_reads`]), by the stream that feeds this grouping.
    Folded,
    /// None yet: the first `n` of the groups that reach the output are read in a second pass
    /// ([`Grouping::restrict`]), once the stages after the groups have chosen them.
    Later(usize),
    /// Every one, each an event of the host's shown only as its text: counted, and made at
    /// the end as that many of the text ([`ShownText`]).
    Texts,
}

/// A group being built.
struct Building {
    info: GroupInfo,
    /// The place of its first item.
    first: Order,
    /// Its key's hash, when the groups are made a share at a time ([`Share`]).
    hash: u64,
    /// The places of the items kept (with [`Keep::First`]), in order, beside `info.group`,
    /// and whether each was detached from its batch yet ([`Grouping::settle`]).
    kept: Vec<(Order, bool)>,
}

impl Building {
    /// Keeps `item` when it is among the first `n` items of the group seen so far; true when
    /// it did (the item then holds its batch until [`Grouping::settle`]).
    fn keep_first(&mut self, item: &Value, at: Order, n: usize) -> bool {
        if n == usize::MAX {
            // Every item: put in order once, at the end ([`Building::in_order`]), rather than
            // each where it goes (quadratic when the batches come out of order).
            self.kept.push((at, false));
            Rc::make_mut(&mut self.info.group).push(item.clone());
            return true;
        }
        let place = self.kept.partition_point(|(o, _)| *o < at);
        if place >= n {
            return false;
        }
        self.kept.insert(place, (at, false));
        Rc::make_mut(&mut self.info.group).insert(place, item.clone());
        self.kept.truncate(n);
        Rc::make_mut(&mut self.info.group).truncate(n);
        true
    }

    /// Puts the items kept in the order of their places.
    fn in_order(&mut self) {
        if self.kept.is_sorted_by_key(|(at, _)| *at) {
            return;
        }
        let mut pairs: Vec<((Order, bool), Value)> = std::mem::take(&mut self.kept)
            .into_iter()
            .zip(Rc::unwrap_or_clone(std::mem::take(&mut self.info.group)))
            .collect();
        pairs.sort_by_key(|((at, _), _)| *at);
        let group: Vec<Value>;
        (self.kept, group) = pairs.into_iter().unzip();
        self.info.group = Rc::new(group);
    }
}

/// Groups as items arrive, each with its place in the input's order ([`Order`]): a group's
/// Name and Values are those of its first item in that order, and the groups come out in the
/// order of their first items, whatever order the items arrived in. Items are kept only when
/// the groups must hold them (not with `-NoElement`), and only the first few when that is
/// all the output shows.
pub struct Grouping {
    specs: Vec<PropSpec>,
    expanded: Option<Vec<PropSpec>>,
    no_element: bool,
    keep: Keep,
    case: bool,
    groups: Vec<Building>,
    index: HashMap<String, usize>,
    /// Only the groups of these keys are made (the second pass of [`Keep::Later`]).
    only: Option<std::collections::HashSet<String>>,
    /// The groups that kept items since the last [`Grouping::settle`].
    fresh: Vec<usize>,
    /// Past how many groups they are written out ([`Grouping::spill_past`]).
    spill: Option<Spill>,
    /// Only the groups of a share of the keys are made ([`Grouping::share_from`]).
    share: Option<Share>,
    /// The share's end as it comes down, for those that leave items out before they come
    /// ([`Grouping::share_of_text`]).
    share_end: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Keeping the elements the stages after read (every one, or the first few), for groups
    /// each made into output on its own ([`streaming`]'s `every`).
    every: bool,
    /// Every element shown as its text ([`Keep::Texts`], or in the second pass of
    /// `Keep::Later(usize::MAX)`).
    texts: Option<ShownText>,
}

/// The elements of groups when every one is an event of the host's shown as a CSV cell
/// through a Format cmdlet (`Group-Object EventId | Format-Table Name,Group --format csv`)
/// and nothing else reads them: each is written there as its text, the event's type name,
/// the same for every event. They are counted as they come, and each group's made at the
/// end as that many of the one text, shared: the events held were some 200 bytes each
/// (386 MiB for 1.8 M events).
struct ShownText {
    /// The host's events.
    events: Rc<dyn crate::pwsh::runtime::EventForm>,
    /// The events' text, from the first.
    text: Option<Rc<str>>,
    /// The Group-Object's place in the line.
    span: crate::pwsh::ast::Span,
}

impl ShownText {
    /// Takes `item`, one of the host's events (an error naming it otherwise: the stream
    /// hands only events to groups kept so, see `commands::stream`).
    fn take(&mut self, item: &Value) -> EvalResult<()> {
        if !self.events.takes(item) {
            return Err(EvalError::new(
                format!(
                    "Group-Object: msgtrack kept the groups' elements as the text of events, and met {}; run the line without --format csv",
                    item.type_name()
                ),
                self.span.clone(),
            ));
        }
        if self.text.is_none() {
            self.text = Some(item.to_text().into());
        }
        Ok(())
    }

    /// `count` elements, as kept.
    fn elements(&self, count: usize) -> Vec<Value> {
        match &self.text {
            Some(text) => vec![Value::Str(text.clone()); count],
            None => Vec::new(),
        }
    }
}

/// Where the hashes of the keys end ([`name_hash`] gives 63 bits): a share ending here is
/// the last.
pub const SHARE_END: u64 = 1 << 63;

/// The groups whose keys' hashes are in `lo..hi` ([`name_hash`]), when groups folding reads of
/// their elements are too many to hold: made a share of the keys at a time, a pass over the
/// input each. Past `limit` groups `hi` comes down and the groups above it are let go, so
/// that every group made has all of its key's items.
#[derive(Debug, Clone, Copy)]
struct Share {
    lo: u64,
    hi: u64,
    limit: usize,
    /// With the allocator's count of bytes in use ([`crate::memory::in_use`]): past this
    /// many, checked every [`MEMORY_CHECKED_EVERY`] new groups, the share comes down too.
    budget: Option<usize>,
    /// How many groups there were when memory was last checked.
    checked_at: usize,
}

impl Share {
    /// The hash of a group's Name ([`name_hash`]) when its key is in this share.
    fn holds(&self, case: bool, name: &str) -> Option<u64> {
        let hash = name_hash(case, name);
        (self.lo..self.hi).contains(&hash).then_some(hash)
    }
}

/// How often (in new groups) the memory a share takes is checked against its budget.
const MEMORY_CHECKED_EVERY: usize = 1024;

/// The hash in `0..SHARE_END` of a group's Name as its key compares it (folded unless
/// `case`): the same in every pass. The folded text's UTF-8 bytes taken eight at a time
/// (ASCII folded as it is read, without a copy), then splitmix64's finalizer, so that the
/// high bits the shares cut by are mixed. It runs for every item of every pass (the reader's
/// test too): a multiply a character cost a tenth of such a pass.
fn name_hash(case: bool, name: &str) -> u64 {
    if !case && !name.is_ascii() {
        return bytes_hash(fold(name).as_bytes(), false);
    }
    bytes_hash(name.as_bytes(), !case)
}

/// [`name_hash`] of bytes, ASCII letters upper-cased when `upper`.
fn bytes_hash(bytes: &[u8], upper: bool) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |chunk: &[u8]| {
        let mut w = [0u8; 8];
        for (to, from) in w.iter_mut().zip(chunk) {
            *to = if upper {
                from.to_ascii_uppercase()
            } else {
                *from
            };
        }
        u64::from_le_bytes(w)
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        h = (h ^ word(chunk)).wrapping_mul(K).rotate_left(31);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    h >> 1
}

/// Groups written out past a number of them ([`Grouping::spill_past`]).
struct Spill {
    limit: usize,
    runs: group_spill::Runs,
    /// The Group-Object's, for an error.
    span: crate::pwsh::ast::Span,
    /// The culture the elements shown are written out in (as the output shows them).
    culture: &'static crate::pwsh::culture::Culture,
}

impl Grouping {
    /// The property names grouped by, when they are plain names (no wildcards or script
    /// blocks): items equal in them fall in the same group. `None` when grouped by the items
    /// themselves (every item decides its group).
    pub fn plain_names(&self) -> Option<Vec<String>> {
        properties::plain_names(&self.specs)
    }

    /// Adds `n` items equal in the grouped properties, the first at `at` in the input; gives
    /// the index of their group (groups are numbered as they are first seen), or `None` when
    /// their group is not among those asked for ([`Grouping::restrict`]).
    pub fn add(
        &mut self,
        engine: &mut dyn Scope,
        item: &Value,
        at: Order,
        n: u64,
    ) -> EvalResult<Option<usize>> {
        if self.expanded.is_none() {
            // Wildcards name the same properties on every event: any item expands them.
            self.expanded = Some(properties::expand(&self.specs, Some(item))?);
        }
        let specs = self.expanded.as_deref().unwrap_or_default();
        let values: Vec<Value> = if specs.is_empty() {
            vec![item.clone()]
        } else {
            specs
                .iter()
                .map(|s| properties::value_of(engine, s, item))
                .collect::<EvalResult<_>>()?
        };
        let culture = engine.ops().culture;
        // Made a share of the keys at a time: the others are passed over before their Name
        // is made (a text key is hashed as it is).
        let mut hash = 0;
        let text = match values.as_slice() {
            [Value::Str(text)] => Some(text.clone()),
            _ => None,
        };
        if let (Some(share), Some(text)) = (self.share, &text) {
            let Some(h) = share.holds(self.case, text) else {
                return Ok(None);
            };
            hash = h;
        }
        let name = values
            .iter()
            .map(|v| key_text(v, culture))
            .collect::<Vec<_>>()
            .join(", ");
        if let (Some(share), None) = (self.share, &text) {
            let Some(h) = share.holds(self.case, &name) else {
                return Ok(None);
            };
            hash = h;
        }
        let key = self.key_of(&name);
        if self.only.as_ref().is_some_and(|only| !only.contains(&key)) {
            return Ok(None);
        }
        let (index, group) = match self.index.get(&key) {
            Some(&i) => {
                let group = &mut self.groups[i];
                if at < group.first {
                    // An earlier item of the same group: it names the group.
                    group.first = at;
                    group.info.name = name;
                    group.info.values = values;
                }
                (i, group)
            }
            None => {
                let i = self.groups.len();
                self.index.insert(key, i);
                self.groups.push(Building {
                    info: GroupInfo {
                        name,
                        values,
                        group: Rc::default(),
                        count: 0,
                        no_element: self.no_element,
                        folded: (self.keep == Keep::Folded).then(Vec::new),
                    },
                    first: at,
                    hash,
                    kept: Vec::new(),
                });
                (i, &mut self.groups[i])
            }
        };
        group.info.count += n as usize;
        match self.keep {
            Keep::None | Keep::Folded | Keep::Later(_) => {}
            Keep::Texts => {
                if let Some(texts) = &mut self.texts {
                    texts.take(item)?;
                }
            }
            Keep::All => Rc::make_mut(&mut group.info.group).push(item.clone()),
            // Items stand for themselves here (`keys` is None): n is 1.
            Keep::First(limit) => {
                if group.keep_first(item, at, limit) {
                    self.fresh.push(index);
                }
            }
        }
        if self
            .spill
            .as_ref()
            .is_some_and(|s| self.groups.len() >= s.limit)
        {
            self.write_run()?;
        }
        Ok(Some(index))
    }

    /// Writes the groups past `limit` of them to temporary files and counts on, when they
    /// keep no elements (`-NoElement`, or read in a second pass) or only the first few that
    /// a table or list shows (written out as the text shown), and this is not a second pass;
    /// [`Grouping::spilled`] then tells, and [`Grouping::finish_in_chunks`] gives them. Each
    /// group's Values must be text (or `$null`): the stream asks this only of plain names of
    /// text properties of events. True when it will write them out.
    pub fn spill_past(
        &mut self,
        engine: &mut dyn Scope,
        limit: usize,
        span: crate::pwsh::ast::Span,
    ) -> bool {
        let runs = match self.keep {
            Keep::None | Keep::Later(_) => group_spill::Runs::default(),
            Keep::First(n) if n != usize::MAX => group_spill::Runs::showing(n),
            _ => return false,
        };
        if self.only.is_some() {
            return false;
        }
        self.spill = Some(Spill {
            limit: limit.max(1),
            runs,
            span,
            culture: engine.ops_ref().culture,
        });
        true
    }

    /// Makes only the groups of keys whose hashes are in `lo..hi`, or less of them, as far as
    /// `limit` groups and `budget` bytes in use go ([`Share`]): for groups folding reads of
    /// their elements, or keeping every one ([`Grouping::keeps_every`]), too many to hold,
    /// made a share at a time. See [`Grouping::share_end`] and [`Grouping::let_go_past_limit`].
    pub fn share_from(&mut self, (lo, hi): (u64, u64), limit: usize, budget: Option<usize>) {
        let hi = hi.clamp(lo.saturating_add(1), SHARE_END);
        self.share_end
            .store(hi, std::sync::atomic::Ordering::Relaxed);
        self.share = Some(Share {
            lo,
            hi,
            limit: limit.max(1),
            budget,
            checked_at: 0,
        });
    }

    /// When made a share of the keys at a time ([`Grouping::share_from`]) by one plain name
    /// of text: the property, and what tells whether an item whose property is a text (`""`
    /// for `$null`) falls in the share as it is then, its end coming down as the groups are
    /// let go (a host may leave the others out).
    pub fn share_of_text(&self) -> Option<(String, impl Fn(&str) -> bool + Send + Sync + use<>)> {
        let lo = self.share?.lo;
        let [name] = <[String; 1]>::try_from(self.plain_names()?).ok()?;
        let case = self.case;
        let end = self.share_end.clone();
        Some((name, move |text: &str| {
            (lo..end.load(std::sync::atomic::Ordering::Relaxed)).contains(&name_hash(case, text))
        }))
    }

    /// Where the share of keys made ends (the next share's start), when made a share at a time.
    pub fn share_end(&self) -> Option<u64> {
        self.share.map(|s| s.hi)
    }

    /// How many items the groups made hold in all.
    pub fn items(&self) -> usize {
        self.groups.iter().map(|g| g.info.count).sum()
    }

    /// When more groups than the share's limit are made, or they take more memory than its
    /// budget: brings the share's end down until at most three quarters of them are left,
    /// lets the others go, and tells which of the groups (by index before) are kept. `None`
    /// when nothing changed.
    pub fn let_go_past_limit(&mut self) -> Option<Vec<bool>> {
        let share = self.share.as_mut()?;
        let made = self.groups.len();
        // (Never fewer than a few thousand groups for memory: what else is in use may alone
        // pass the budget.)
        let over_memory = share.budget.is_some_and(|budget| {
            if made < share.checked_at + MEMORY_CHECKED_EVERY || made < MEMORY_CHECKED_EVERY * 4 {
                return false;
            }
            share.checked_at = made;
            crate::memory::in_use().is_some_and(|used| used > budget)
        });
        if made <= share.limit && !over_memory {
            return None;
        }
        let room = (made.min(share.limit) * 3 / 4).max(1);
        loop {
            share.hi = share.lo + (share.hi - share.lo) / 4 * 3;
            self.share_end
                .store(share.hi, std::sync::atomic::Ordering::Relaxed);
            let left = self.groups.iter().filter(|g| g.hash < share.hi).count();
            if left <= room || share.hi - share.lo <= 1 {
                break;
            }
        }
        let hi = share.hi;
        let kept: Vec<bool> = self.groups.iter().map(|g| g.hash < hi).collect();
        share.checked_at = kept.iter().filter(|k| **k).count();
        let mut new_index = Vec::with_capacity(kept.len());
        let mut next = 0;
        for &k in &kept {
            new_index.push(next);
            next += usize::from(k);
        }
        self.index.retain(|_, i| kept[*i]);
        for i in self.index.values_mut() {
            *i = new_index[*i];
        }
        let mut keep = kept.iter();
        self.groups.retain(|_| keep.next().copied().unwrap_or(true));
        // (The groups that kept items of this batch, by their new indices.)
        self.fresh
            .retain(|g| kept.get(*g).copied().unwrap_or(false));
        for g in &mut self.fresh {
            *g = new_index[*g];
        }
        Some(kept)
    }

    /// True when groups were written out ([`Grouping::spill_past`]).
    pub fn spilled(&self) -> bool {
        self.spill.as_ref().is_some_and(|s| !s.runs.is_empty())
    }

    /// The groups held, sorted by key, taken out as they are written.
    fn take_sorted(&mut self) -> EvalResult<Vec<Spilled>> {
        let (span, culture) = self
            .spill
            .as_ref()
            .map(|s| (s.span.clone(), s.culture))
            .unwrap_or((Default::default(), &crate::pwsh::culture::INVARIANT));
        // (The groups' kept items go with them: none is left to settle.)
        self.fresh.clear();
        let mut keyed: Vec<(String, usize)> = self.index.drain().collect();
        keyed.sort_unstable();
        let mut slots: Vec<Option<Building>> = std::mem::take(&mut self.groups)
            .into_iter()
            .map(Some)
            .collect();
        let mut out = Vec::with_capacity(keyed.len());
        for (key, i) in keyed {
            let Some(b) = slots.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let values = b
                .info
                .values
                .iter()
                .map(|v| match v {
                    Value::Null => Ok(None),
                    Value::Str(t) => Ok(Some(t.to_string())),
                    other => Err(EvalError::new(
                        format!(
                            "Group-Object: too many groups to hold, and the key {} is not text; msgtrack writes out only groups of text keys",
                            other.to_text()
                        ),
                        span.clone(),
                    )),
                })
                .collect::<EvalResult<_>>()?;
            let shown = b
                .kept
                .iter()
                .zip(b.info.group.iter())
                .map(|((at, _), item)| Ok((*at, shown_text(item, culture, &b.info.name, &span)?)))
                .collect::<EvalResult<_>>()?;
            out.push(Spilled {
                key,
                name: b.info.name,
                values,
                first: b.first,
                count: b.info.count as u64,
                shown,
            });
        }
        Ok(out)
    }

    /// Writes the groups held as a run and lets them go.
    fn write_run(&mut self) -> EvalResult<()> {
        let groups = self.take_sorted()?;
        let Some(spill) = self.spill.as_mut() else {
            return Ok(());
        };
        spill.runs.write(groups.into_iter()).map_err(|e| {
            EvalError::new(
                group_spill::temporary_failure("Group-Object: writing groups to", &e),
                spill.span.clone(),
            )
        })
    }

    /// The groups of a grouping that wrote some out ([`Grouping::spilled`]), merged from
    /// every run: chunks of up to the limit held, each chunk's groups in the order of their
    /// first items (the chunks are not: each holds a range of keys), with those places.
    pub fn finish_in_chunks(mut self) -> EvalResult<GroupChunks> {
        let last = self.take_sorted()?;
        let Some(spill) = self.spill.take() else {
            return Err(EvalError::new(
                "Group-Object: no groups were written out",
                0..0,
            ));
        };
        let span = spill.span.clone();
        let merged = spill
            .runs
            .merged(last)
            .map_err(|e| read_back_failed(&e, &span))?;
        Ok(GroupChunks {
            merged,
            limit: spill.limit,
            no_element: self.no_element,
            span,
        })
    }

    /// Lets go of the batches the items kept since the last call came in: the host copies
    /// them out together (a kept event would otherwise keep its whole batch of rows alive).
    /// Called after each batch.
    pub fn settle(&mut self, engine: &mut dyn Scope) {
        if self.fresh.is_empty() {
            return;
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable();
        fresh.dedup();
        let mut items: Vec<Value> = Vec::new();
        for &g in &fresh {
            let group = &mut self.groups[g];
            for ((_, settled), item) in group.kept.iter().zip(Rc::make_mut(&mut group.info.group)) {
                if !settled {
                    items.push(std::mem::replace(item, Value::Null));
                }
            }
        }
        let mut refs: Vec<&mut Value> = items.iter_mut().collect();
        engine.host().detach(&mut refs);
        let mut items = items.into_iter();
        for &g in &fresh {
            let group = &mut self.groups[g];
            for ((_, settled), item) in group
                .kept
                .iter_mut()
                .zip(Rc::make_mut(&mut group.info.group))
            {
                if !*settled {
                    *item = items.next().unwrap_or(Value::Null);
                    *settled = true;
                }
            }
        }
    }

    /// What a group's Name is compared by: itself with `-CaseSensitive`, else folded.
    fn key_of(&self, name: &str) -> String {
        name_key(self.case, name)
    }

    /// The key of `v` when it is a group ([`GroupInfo`]): what its Name is compared by.
    fn group_key(&self, v: &Value) -> Option<String> {
        group_key(self.case, v)
    }

    /// How many elements of each group that reaches the output a second pass must read
    /// ([`Keep::Later`]): the groups then come from this one without any.
    pub fn later(&self) -> Option<usize> {
        match self.keep {
            Keep::Later(n) => Some(n),
            _ => None,
        }
    }

    /// For the second pass of [`Keep::Later`]: makes only the groups `chosen` (groups of the
    /// first pass, or anything else, which is passed over), each keeping its first elements.
    pub fn restrict(&mut self, chosen: &[Value]) {
        let Keep::Later(n) = self.keep else {
            return;
        };
        let keys = chosen.iter().filter_map(|v| self.group_key(v)).collect();
        self.only = Some(keys);
        self.keep = match &self.texts {
            Some(_) if n == usize::MAX => Keep::Texts,
            _ => Keep::First(n),
        };
        // Only the groups chosen are made: nothing to write out.
        self.spill = None;
    }

    /// The second pass of [`Keep::Later`]: each of `chosen` (groups of the first pass, as
    /// the stages after them left them) replaced by this pass's group of its key, which holds
    /// its first elements. Anything else is left as it is.
    pub fn fill(self, chosen: Vec<Value>) -> Vec<Value> {
        let case = self.case;
        let filled: HashMap<String, Value> = self
            .finish()
            .map(|g| (name_key(case, &g.name), Value::Object(Rc::new(g))))
            .collect();
        chosen
            .into_iter()
            .map(|v| {
                group_key(case, &v)
                    .and_then(|k| filled.get(&k).cloned())
                    .unwrap_or(v)
            })
            .collect()
    }

    /// True when the groups keep no elements because pipelines read them folded
    /// ([`Keep::Folded`]): the reads' outputs are handed to [`Grouping::finish_with`].
    pub fn folds(&self) -> bool {
        self.keep == Keep::Folded
    }

    /// True when the groups keep every element (read by the stages after them in ways that
    /// do not fold).
    pub fn keeps_every(&self) -> bool {
        self.every
    }

    /// True when every item must be handed over on its own (the groups keep items).
    pub fn keeps_items(&self) -> bool {
        !matches!(
            self.keep,
            Keep::None | Keep::Folded | Keep::Later(_) | Keep::Texts
        )
    }

    /// The groups, in the order of their first items.
    pub fn finish(self) -> impl Iterator<Item = GroupInfo> {
        self.finish_with(Vec::new())
    }

    /// [`Grouping::finish_with`], each group with the place of its first item.
    pub fn finish_placed(
        self,
        folded: Vec<Vec<(usize, EvalResult<Vec<Value>>)>>,
    ) -> impl Iterator<Item = (Order, GroupInfo)> {
        let Grouping {
            mut groups,
            index,
            keep,
            texts,
            ..
        } = self;
        drop(index);
        let folded = if keep == Keep::Folded {
            folded
        } else {
            Vec::new()
        };
        for (group, outputs) in groups.iter_mut().zip(folded) {
            group.info.folded = Some(outputs);
        }
        for group in &mut groups {
            group.in_order();
        }
        if let (Keep::Texts, Some(texts)) = (keep, &texts) {
            for group in &mut groups {
                group.info.group = Rc::new(texts.elements(group.info.count));
            }
        }
        groups.sort_by_key(|g| g.first);
        groups.into_iter().map(|g| (g.first, g.info))
    }

    /// The groups, in the order of their first items, each given the outputs of the reads
    /// folded for it (`folded[i]` for the group of index `i`, see [`Grouping::add`]). (The
    /// keys' index is let go first, and the groups are handed out one by one, so that the
    /// many groups of a key like MessageId are not held twice.)
    pub fn finish_with(
        self,
        folded: Vec<Vec<(usize, EvalResult<Vec<Value>>)>>,
    ) -> impl Iterator<Item = GroupInfo> {
        self.finish_placed(folded).map(|(_, g)| g)
    }
}

/// An element of a group as a table or list cell shows it, to be written out (and shown as
/// this text when read back). Dates and collections show as the output's zone and
/// `$FormatEnumerationLimit` say, which the text would fix: refused.
fn shown_text(
    item: &Value,
    culture: &crate::pwsh::culture::Culture,
    group: &str,
    span: &crate::pwsh::ast::Span,
) -> EvalResult<String> {
    match item {
        Value::DateTime(_) | Value::Array(_) => Err(EvalError::new(
            format!(
                "Group-Object: too many groups to hold, and the elements of group '{group}' are dates or collections, which msgtrack does not write out; add -NoElement"
            ),
            span.clone(),
        )),
        other => Ok(other.text_in(culture)),
    }
}

/// The error of groups written out that could not be read back.
pub(super) fn read_back_failed(e: &std::io::Error, span: &crate::pwsh::ast::Span) -> EvalError {
    EvalError::new(
        group_spill::temporary_failure("Group-Object: reading groups back from", e),
        span.clone(),
    )
}

/// The groups merged back from temporary files, a chunk at a time
/// ([`Grouping::finish_in_chunks`]).
pub struct GroupChunks {
    merged: group_spill::Merged,
    limit: usize,
    no_element: bool,
    span: crate::pwsh::ast::Span,
}

impl Iterator for GroupChunks {
    type Item = EvalResult<Vec<(Order, Value)>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut chunk = Vec::new();
        for group in self.merged.by_ref() {
            let g = match group {
                Ok(g) => g,
                Err(e) => return Some(Err(read_back_failed(&e, &self.span))),
            };
            let first = g.first;
            chunk.push((
                first,
                Value::Object(Rc::new(written_back(g, self.no_element))),
            ));
            if chunk.len() >= self.limit {
                break;
            }
        }
        if chunk.is_empty() {
            return None;
        }
        chunk.sort_by_key(|(first, _)| *first);
        Some(Ok(chunk))
    }
}

/// A group written out, as the group it was: its first elements, those a table or list
/// shows, as the text shown (none when it kept none).
pub(super) fn written_back(g: Spilled, no_element: bool) -> GroupInfo {
    GroupInfo {
        name: g.name,
        values: g
            .values
            .into_iter()
            .map(|v| v.map_or(Value::Null, Value::str))
            .collect(),
        group: Rc::new(g.shown.into_iter().map(|(_, t)| Value::str(&t)).collect()),
        count: g.count as usize,
        no_element,
        folded: None,
    }
}

/// Groups of a grouping that wrote them out (chunks of [`Grouping::finish_in_chunks`], as
/// the filters after it left them) gathered in the order of their first items without
/// holding them: [`GroupsInOrder::finish`] gives them as [`group_spill::SpilledObjects`].
pub struct GroupsInOrder {
    order: group_spill::FirstOrder,
    no_element: bool,
    span: crate::pwsh::ast::Span,
}

impl GroupsInOrder {
    /// Gathers groups written out by the Group-Object at `span`; `sorted`: sorted so
    /// instead, those equal in it in order.
    pub fn new(
        span: crate::pwsh::ast::Span,
        sorted: Option<group_spill::GroupOrder>,
    ) -> GroupsInOrder {
        let held = group_spill::groups_held();
        GroupsInOrder {
            order: match sorted {
                Some(order) => group_spill::FirstOrder::sorted(held, order),
                None => group_spill::FirstOrder::new(held),
            },
            no_element: false,
            span,
        }
    }

    /// Takes a group whose first item is at `first`; false (nothing taken) when `v` is not a
    /// group written out (whose values are text, its elements none or texts shown).
    pub fn push(&mut self, first: Order, v: &Value) -> EvalResult<bool> {
        let written = |g: &&GroupInfo| {
            g.folded.is_none() && g.group.iter().all(|e| matches!(e, Value::Str(_)))
        };
        let Some(info) = as_group(v).filter(written) else {
            return Ok(false);
        };
        let shown = info.group.iter().map(|e| (first, e.to_text())).collect();
        let mut values = Vec::with_capacity(info.values.len());
        for v in &info.values {
            match v {
                Value::Null => values.push(None),
                Value::Str(t) => values.push(Some(t.to_string())),
                _ => return Ok(false),
            }
        }
        self.no_element = info.no_element;
        let spilled = Spilled {
            key: String::new(),
            name: info.name.clone(),
            values,
            first,
            count: info.count as u64,
            shown,
        };
        self.order.push(spilled).map_err(|e| {
            EvalError::new(
                group_spill::temporary_failure("Group-Object: writing groups to", &e),
                self.span.clone(),
            )
        })?;
        Ok(true)
    }

    /// The groups taken, in the order of their first items.
    pub fn finish(self) -> EvalResult<group_spill::SpilledObjects> {
        let span = self.span;
        let in_order = self
            .order
            .finish()
            .map_err(|e| read_back_failed(&e, &span))?;
        Ok(group_spill::SpilledObjects::groups(
            in_order,
            self.no_element,
        ))
    }
}

/// `v` as a group, when it is one.
fn as_group(v: &Value) -> Option<&GroupInfo> {
    match v {
        Value::Object(o) => o.as_any()?.downcast_ref::<GroupInfo>(),
        _ => None,
    }
}

/// A Group-Object that can take its items in any order, one at a time, keeping none of them
/// (`-NoElement`, or `folded`: the elements are read only by pipelines folded per group as
/// the items come) or, when `shown` says the output shows only that many elements of each
/// `.Group` (`$FormatEnumerationLimit`, nothing else reading the groups), only the first
/// ones; with `later`, none in this pass: a second one reads those of the groups that reach
/// the output ([`Grouping::later`]); with `every` (and nothing folded or shown), every one,
/// for groups each made into output on its own, which can then be made a share of their keys
/// at a time ([`Grouping::share_from`]) (`every` gives how many of each group's first
/// elements are read: `usize::MAX` for all). Properties are needed (no `-AsHashTable`). `None`
/// when this Group-Object needs its whole input.
pub fn streaming(
    engine: &mut dyn Scope,
    c: &Command,
    shown: Option<usize>,
    folded: bool,
    later: bool,
    every: Option<usize>,
    events: bool,
) -> EvalResult<Option<Grouping>> {
    let o = options(engine, c)?;
    if o.as_hashtable {
        return Ok(None);
    }
    // (Only where no element is shown, folded or left out.)
    let every = every.filter(|_| !o.no_element && shown.is_none() && !folded);
    // Every element shown as a CSV cell, each an event of the host's: kept as its text.
    let texts = match engine.host().event_form() {
        Some(form) if events && shown == Some(usize::MAX) && engine.host().shows_csv() => {
            Some(ShownText {
                events: form,
                text: None,
                span: c.span.clone(),
            })
        }
        _ => None,
    };
    let keep = match (o.no_element, shown) {
        (true, _) | (false, Some(0)) => Keep::None,
        // Every element, read by the stages after the groups in ways that do not fold, when
        // each group is made into output on its own: worth streaming, so that the groups can
        // be made a share of their keys at a time ([`Grouping::share_from`]).
        (false, None) if let Some(n) = every => Keep::First(n),
        // Every element of every group: as well kept the usual way (a second pass pays only
        // when the stages after the groups cut them, see `commands::stream`).
        (false, Some(usize::MAX)) if !later && texts.is_some() => Keep::Texts,
        (false, Some(usize::MAX)) if !later => return Ok(None),
        (false, Some(n)) if later => Keep::Later(n),
        (false, Some(n)) => Keep::First(n),
        (false, None) if folded => Keep::Folded,
        (false, None) => return Ok(None),
    };
    Ok(Some(Grouping {
        specs: o.specs,
        expanded: None,
        no_element: o.no_element,
        keep,
        case: o.case,
        groups: Vec::new(),
        index: HashMap::new(),
        only: None,
        fresh: Vec::new(),
        spill: None,
        share: None,
        share_end: Default::default(),
        every: every.is_some(),
        texts,
    }))
}

/// Runs Group-Object.
pub fn group_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let o = options(engine, c)?;
    let specs = properties::expand(&o.specs, input.first())?;
    let mut grouping = Grouping {
        specs: specs.clone(),
        expanded: Some(specs.clone()),
        no_element: o.no_element,
        keep: if !o.no_element || o.as_hashtable {
            Keep::All
        } else {
            Keep::None
        },
        case: o.case,
        groups: Vec::new(),
        index: HashMap::new(),
        only: None,
        fresh: Vec::new(),
        spill: None,
        share: None,
        share_end: Default::default(),
        every: false,
        texts: None,
    };
    for (i, item) in input.into_iter().enumerate() {
        grouping.add(engine, &item, (0, i as u64), 1)?;
    }
    let order = grouping.finish();
    if o.as_hashtable {
        if specs.len() > 1 {
            return Err(EvalError::new(
                "-AsHashTable with several properties is not supported",
                c.span.clone(),
            ));
        }
        let mut table = Hashtable::default();
        for g in order {
            let key = if o.as_string {
                Value::str(&g.name)
            } else {
                g.values.into_iter().next().unwrap_or(Value::Null)
            };
            table.entries.push((key, Value::Array(g.group)));
        }
        return Ok(vec![Value::Hashtable(Rc::new(table))]);
    }
    Ok(order
        .into_iter()
        .map(|g| Value::Object(Rc::new(g)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_equal_as_the_group_compares_them_hash_alike_and_spread_over_the_shares() {
        // Ignoring case (.NET's OrdinalIgnoreCase: simple upper-case mapping per character).
        for (a, b) in [
            ("<ab@Contoso.com>", "<AB@CONTOSO.COM>"),
            ("", ""),
            ("exactly8", "EXACTLY8"),
            ("ıstanbul-σ", "Istanbul-Σ"),
            ("ｆｕｌｌ", "ＦＵＬＬ"),
        ] {
            assert_eq!(name_hash(false, a), name_hash(false, b), "{a} / {b}");
        }
        // ß upper-cases to two letters: not folded, so not equal to SS.
        assert_ne!(name_hash(false, "ß"), name_hash(false, "SS"));
        // Case kept (-CaseSensitive): case tells keys apart.
        assert_ne!(name_hash(true, "<ab@x>"), name_hash(true, "<AB@x>"));
        assert_eq!(name_hash(true, "ıσ"), name_hash(true, "ıσ"));
        // Trailing bytes count: a key and the key with a zero byte are different words.
        assert_ne!(name_hash(true, "abc"), name_hash(true, "abc\0"));
        // Message ids that differ in a few characters land in every quarter of the range
        // about alike (shares cut the range from its low end).
        let mut quarters = [0usize; 4];
        for i in 0..20_000 {
            let h = name_hash(false, &format!("<{i:08x}.4F2A@EX01.contoso.com>"));
            assert!(h < SHARE_END);
            quarters[(h / (SHARE_END / 4 + 1)) as usize] += 1;
        }
        for q in quarters {
            assert!((4_500..5_500).contains(&q), "{quarters:?}");
        }
    }

    #[test]
    fn a_group_showing_n_elements_keeps_the_first_n_in_input_order_whatever_order_they_come_in() {
        let mut b = Building {
            info: GroupInfo {
                name: "x".into(),
                values: Vec::new(),
                group: Rc::default(),
                count: 0,
                no_element: false,
                folded: None,
            },
            first: (0, 0),
            hash: 0,
            kept: Vec::new(),
        };
        // Items 0..10 (their place = their value), arriving shuffled.
        for v in [7, 3, 9, 0, 5, 1, 8, 2, 6, 4] {
            b.keep_first(&Value::Int(v), (i64::from(v), v as u64), 3);
        }
        let kept: Vec<String> = b.info.group.iter().map(|v| v.to_text()).collect();
        assert_eq!(kept, ["0", "1", "2"]);
        let kept: Vec<Order> = b.kept.iter().map(|(at, _)| *at).collect();
        assert_eq!(kept, [(0, 0), (1, 1), (2, 2)]);
        // Every item: all of them, in input order once put in order.
        b.kept.clear();
        Rc::make_mut(&mut b.info.group).clear();
        for v in [7, 3, 9, 0, 5, 1, 8, 2, 6, 4] {
            b.keep_first(&Value::Int(v), (i64::from(v), v as u64), usize::MAX);
        }
        b.in_order();
        let kept: Vec<String> = b.info.group.iter().map(|v| v.to_text()).collect();
        assert_eq!(kept, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert!(b.kept.is_sorted_by_key(|(at, _)| *at));
    }
}
