//! Groups written out when there are too many to hold: a Group-Object by MessageId over
//! months of logs makes millions of groups, each a few hundred bytes while counted. Past a
//! limit the groups counted so far are sorted by key and written to an anonymous temporary
//! file (a *run*), and counting starts again; at the end the runs are merged by key, each
//! key's counts added and its first item (the earliest place, which names the group) kept.
//! Only groups of text keys are written, and of their elements at most the first few, as the
//! text a table or list shows of each (`Grouping::spill_past`).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek};

use std::rc::Rc;

use crate::pwsh::runtime::Order;
use crate::pwsh::value::{CustomObject, Value};

/// How many groups are held before they are written out: 10,000 (some 8 MB while
/// counted), or `MSGTRACK_GROUPS_HELD` (at least 1).
pub fn groups_held() -> usize {
    #[cfg(test)]
    if let Some(held) = HELD_IN_TESTS.get() {
        return held;
    }
    crate::settings::number("MSGTRACK_GROUPS_HELD")
        .unwrap_or(10_000)
        .max(1)
}

/// How many groups whose elements are read by pipelines folding them a pass over the input
/// makes at most, and how many bytes in use (the allocator's count) they may grow to, before
/// they are made a share of their keys at a time (`Grouping::share_from`): 80 MiB more than
/// in use now where the allocator tells (up to a million groups; with the batches of events
/// read meanwhile, some 40 MiB of groups), else 20,000 groups (such a group,
/// with a Measure-Object's or a Select-Object -Unique's state per read, takes 1.5–3.5 kB);
/// `MSGTRACK_SHARE_BUDGET_MB` sets the budget, `MSGTRACK_GROUPS_SHARED` a number of groups
/// alone (tests: twice [`groups_held`]).
pub fn groups_shared() -> (usize, Option<usize>) {
    #[cfg(test)]
    if let Some(held) = HELD_IN_TESTS.get() {
        return (held.saturating_mul(2), None);
    }
    if let Some(n) = crate::settings::number::<usize>("MSGTRACK_GROUPS_SHARED") {
        return (n.max(1), None);
    }
    let budget = crate::settings::number::<usize>("MSGTRACK_SHARE_BUDGET_MB").unwrap_or(80) << 20;
    match crate::memory::in_use() {
        Some(now) => (1_000_000, Some(now.saturating_add(budget))),
        None => (20_000, None),
    }
}

#[cfg(test)]
thread_local! {
    /// [`groups_held`] for the tests of this thread.
    pub static HELD_IN_TESTS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// One group as written: its key (what its Name is compared by), Name, Values (text or
/// `$null`), the place of its first item and how many items it has.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spilled {
    /// What the Name is compared by.
    pub key: String,
    /// The Name.
    pub name: String,
    /// The Values: text or `$null`.
    pub values: Vec<Option<String>>,
    /// The place of its first item.
    pub first: Order,
    /// How many items.
    pub count: u64,
    /// The first elements as a table or list shows them, with their places (none without
    /// elements, or when nothing shows them).
    pub shown: Vec<(Order, String)>,
}

/// The runs written so far, each sorted by key (or as [`FirstOrder`] orders them).
#[derive(Default)]
pub struct Runs {
    files: Vec<File>,
    by: By,
    /// How many elements a group shows (its first ones, [`Spilled::shown`]).
    shown: usize,
}

/// What runs are sorted and merged by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum By {
    /// The key: a key in several runs is one group.
    #[default]
    Key,
    /// The place of the first item (each group once).
    First,
    /// A `Sort-Object` of the groups ([`GroupOrder`]), then the place of the first item: as
    /// msgtrack sorts (stable), groups in the order of their first items.
    Sorted(GroupOrder),
}

/// A `Sort-Object` of groups written out that can be done on disk: by Count, or by Name
/// (ignoring case unless `case`, as Sort-Object compares text); most or last first when
/// `descending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrder {
    /// By Count.
    Count {
        /// Most first.
        descending: bool,
    },
    /// By Name.
    Name {
        /// Last first.
        descending: bool,
        /// `-CaseSensitive`.
        case: bool,
    },
}

impl GroupOrder {
    /// The order of two groups by this sort alone.
    fn compare(self, a: &Spilled, b: &Spilled) -> Ordering {
        let (o, descending) = match self {
            GroupOrder::Count { descending } => (a.count.cmp(&b.count), descending),
            GroupOrder::Name { descending, case } => (
                crate::pwsh::ops::compare_text(&a.name, &b.name, case),
                descending,
            ),
        };
        if descending { o.reverse() } else { o }
    }
}

impl By {
    /// The order of two groups in a run sorted so (after their keys, which only [`By::Key`]
    /// sorts by).
    fn compare(self, a: &Spilled, b: &Spilled) -> Ordering {
        match self {
            By::Key => Ordering::Equal,
            By::First => a.first.cmp(&b.first),
            By::Sorted(order) => order.compare(a, b).then(a.first.cmp(&b.first)),
        }
    }
}

impl Runs {
    /// Runs of groups sorted as `by` says (not by key), merged in that order.
    fn ordered(by: By) -> Runs {
        Runs {
            files: Vec::new(),
            by,
            shown: 0,
        }
    }

    /// Runs by key of groups showing their first `n` elements: a key's elements in several
    /// runs are merged, the first `n` kept.
    pub fn showing(n: usize) -> Runs {
        Runs {
            shown: n,
            ..Runs::default()
        }
    }

    /// True before the first run.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes `groups` (sorted by key, each key once) as a run; past [`MERGE_WAYS`] runs,
    /// merges them into one first (a merge reads every run at once: a file and a buffer
    /// each).
    pub fn write(&mut self, groups: impl Iterator<Item = Spilled>) -> io::Result<()> {
        if self.files.len() + 1 >= MERGE_WAYS {
            let runs = Runs {
                files: std::mem::take(&mut self.files),
                by: self.by,
                shown: self.shown,
            };
            let merged = write_run(runs.merged(Vec::new())?)?;
            self.files.push(merged);
        }
        let run = write_run(groups.map(Ok))?;
        self.files.push(run);
        Ok(())
    }

    /// Every key of the runs and of `last` (sorted by key, each key once) once, in key
    /// order: its counts added, named by its earliest first item. (Runs not by key: every
    /// group in their order.)
    pub fn merged(self, last: Vec<Spilled>) -> io::Result<Merged> {
        let by = self.by;
        let mut sources: Vec<Source> = self
            .files
            .into_iter()
            .map(|f| Source::File(BufReader::with_capacity(16 * 1024, f)))
            .collect();
        sources.push(Source::Held(last.into_iter()));
        let mut heads = BinaryHeap::new();
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some(group) = s.next()? {
                heads.push(Reverse(Head {
                    group: Box::new(group),
                    source: i,
                    by,
                }));
            }
        }
        Ok(Merged {
            sources,
            heads,
            by,
            shown: self.shown,
        })
    }
}

/// Where merged groups come from: a run, or the groups still held.
enum Source {
    File(BufReader<File>),
    Held(std::vec::IntoIter<Spilled>),
}

impl Source {
    fn next(&mut self) -> io::Result<Option<Spilled>> {
        match self {
            Source::Held(groups) => Ok(groups.next()),
            Source::File(r) => read_group(r),
        }
    }
}

/// A source's next group, ordered by key or first item (then source) for the merge (boxed:
/// the heap moves its heads as it reorders them).
struct Head {
    group: Box<Spilled>,
    source: usize,
    by: By,
}

impl Head {
    /// The merge's order: by key (for [`By::Key`]), as `by` sorts, then by source.
    fn order(&self, other: &Head) -> Ordering {
        let key = match self.by {
            By::Key => self.group.key.cmp(&other.group.key),
            _ => Ordering::Equal,
        };
        key.then_with(|| self.by.compare(&self.group, &other.group))
            .then(self.source.cmp(&other.source))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.order(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> Ordering {
        self.order(other)
    }
}

/// The groups of every run merged by key ([`Runs::merged`]).
pub struct Merged {
    sources: Vec<Source>,
    /// Each source's next group.
    heads: BinaryHeap<Reverse<Head>>,
    by: By,
    /// How many elements a group shows.
    shown: usize,
}

impl Merged {
    /// The group of the smallest key among the sources' next, its source moved on (its next
    /// group takes the head's place, then sinks to where it belongs).
    fn pop(&mut self) -> io::Result<Option<Spilled>> {
        let Some(mut top) = self.heads.peek_mut() else {
            return Ok(None);
        };
        match self.sources[top.0.source].next()? {
            Some(next) => Ok(Some(std::mem::replace(&mut *top.0.group, next))),
            None => Ok(Some(*PeekMut::pop(top).0.group)),
        }
    }
}

impl Iterator for Merged {
    type Item = io::Result<Spilled>;

    fn next(&mut self) -> Option<io::Result<Spilled>> {
        let mut group = match self.pop() {
            Ok(g) => g?,
            Err(e) => return Some(Err(e)),
        };
        // The same key in other runs: one group.
        while self.by == By::Key
            && self
                .heads
                .peek()
                .is_some_and(|Reverse(h)| h.group.key == group.key)
        {
            let same = match self.pop() {
                Ok(Some(g)) => g,
                Ok(None) => break,
                Err(e) => return Some(Err(e)),
            };
            group.count += same.count;
            if same.first < group.first {
                group.first = same.first;
                group.name = same.name;
                group.values = same.values;
            }
            if !same.shown.is_empty() {
                group.shown.extend(same.shown);
                group.shown.sort_by_key(|(at, _)| *at);
                group.shown.truncate(self.shown);
            }
        }
        Some(Ok(group))
    }
}

/// Groups put in the order of their first items (or sorted, [`FirstOrder::sorted`]):
/// held up to a limit, then written out as runs, merged at the end into [`InOrder`].
pub struct FirstOrder {
    runs: Runs,
    held: Vec<Spilled>,
    limit: usize,
}

impl FirstOrder {
    /// Holds up to `limit` groups at a time.
    pub fn new(limit: usize) -> FirstOrder {
        FirstOrder::ordered(limit, By::First)
    }

    /// Groups sorted as `order` says, those equal in it in the order of their first items:
    /// `Sort-Object Count` or `Sort-Object Name` as msgtrack sorts (stable).
    pub fn sorted(limit: usize, order: GroupOrder) -> FirstOrder {
        FirstOrder::ordered(limit, By::Sorted(order))
    }

    fn ordered(limit: usize, by: By) -> FirstOrder {
        FirstOrder {
            runs: Runs::ordered(by),
            held: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Takes a group (each group once).
    pub fn push(&mut self, group: Spilled) -> io::Result<()> {
        self.held.push(group);
        if self.held.len() >= self.limit {
            let mut run = std::mem::take(&mut self.held);
            let by = self.runs.by;
            run.sort_by(|a, b| by.compare(a, b));
            self.runs.write(run.into_iter())?;
        }
        Ok(())
    }

    /// Every group taken, in order, in one temporary file.
    pub fn finish(mut self) -> io::Result<InOrder> {
        let by = self.runs.by;
        self.held.sort_by(|a, b| by.compare(a, b));
        let mut count = 0;
        let merged = self.runs.merged(self.held)?.inspect(|_| count += 1);
        let file = write_run(merged)?;
        Ok(InOrder { file, count })
    }
}

/// Groups in the order of their first items, written to a temporary file that is read
/// from its start as often as asked ([`InOrder::groups`]).
pub struct InOrder {
    file: File,
    count: usize,
}

impl InOrder {
    /// How many groups.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The groups from the first, read as they are taken (one walk at a time: each starts
    /// the file over).
    pub fn groups(&self) -> io::Result<impl Iterator<Item = io::Result<Spilled>> + '_> {
        let mut handle = &self.file;
        handle.rewind()?;
        let mut reader = BufReader::with_capacity(64 * 1024, handle);
        Ok(std::iter::from_fn(move || {
            read_group(&mut reader).transpose()
        }))
    }
}

/// Objects too many to hold that are a line's output, put in the order of their first items
/// on disk ([`FirstOrder`]) and made again as they are printed, as often as the output
/// reads them: groups ([`super::group::GroupsInOrder`]), the distinct selections of a
/// `Select-Object -Unique` ([`super::unique_spill`]), or the plain objects stages made of
/// groups one at a time ([`super::object_spill`]).
pub struct SpilledObjects {
    written: Written,
}

/// Where the objects are.
enum Written {
    /// Groups or selections in order, made again as `made` says.
    InOrder { in_order: InOrder, made: Made },
    /// Plain objects, as they were.
    Plain(super::object_spill::PlainObjects),
}

/// What the objects written out were.
enum Made {
    /// Groups (no elements).
    Groups { no_element: bool },
    /// Select-Object's objects of these properties (each written's values, in order).
    Selections {
        names: Vec<Rc<str>>,
        type_names: Rc<[Rc<str>]>,
    },
    /// What a Select-Object of these properties (the groups' own, named plainly) makes of
    /// each group.
    GroupsSelected {
        no_element: bool,
        specs: Vec<super::properties::PropSpec>,
    },
}

impl SpilledObjects {
    /// Groups written out.
    pub fn groups(in_order: InOrder, no_element: bool) -> SpilledObjects {
        SpilledObjects {
            written: Written::InOrder {
                in_order,
                made: Made::Groups { no_element },
            },
        }
    }

    /// Selections of the properties `names`, of types `type_names`, written out (each
    /// group's Values are the properties' values).
    pub fn selections(
        in_order: InOrder,
        names: Vec<String>,
        type_names: Vec<Rc<str>>,
    ) -> SpilledObjects {
        SpilledObjects {
            written: Written::InOrder {
                in_order,
                made: Made::Selections {
                    names: names.into_iter().map(Rc::from).collect(),
                    type_names: type_names.into(),
                },
            },
        }
    }

    /// Plain objects written out in order.
    pub fn plain(objects: super::object_spill::PlainObjects) -> SpilledObjects {
        SpilledObjects {
            written: Written::Plain(objects),
        }
    }

    /// Groups written out, as a Select-Object of the properties `specs` (each the groups'
    /// own, named plainly) makes them; anything else as it is.
    pub fn selected(self, specs: Vec<super::properties::PropSpec>) -> SpilledObjects {
        let written = match self.written {
            Written::InOrder {
                in_order,
                made: Made::Groups { no_element },
            } => Written::InOrder {
                in_order,
                made: Made::GroupsSelected { no_element, specs },
            },
            other => other,
        };
        SpilledObjects { written }
    }

    /// How many objects.
    pub fn len(&self) -> usize {
        match &self.written {
            Written::InOrder { in_order, .. } => in_order.len(),
            Written::Plain(objects) => objects.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every one is an event of the host ([`super::object_spill::PlainObjects::events_only`]).
    pub fn events_only(&self) -> bool {
        matches!(&self.written, Written::Plain(objects) if objects.events_only())
    }

    /// True when they are bare values (text, numbers, dates), not objects with properties.
    pub fn scalars_only(&self) -> bool {
        matches!(&self.written, Written::Plain(objects) if objects.scalars_only())
    }

    /// True when some are bare values among objects (groups and selections are objects).
    pub fn has_bare_values(&self) -> bool {
        matches!(&self.written, Written::Plain(objects) if objects.has_bare_values())
    }

    /// The objects, in order (one walk at a time).
    pub fn objects(&self) -> io::Result<Box<dyn Iterator<Item = io::Result<Value>> + '_>> {
        Ok(match &self.written {
            Written::InOrder { in_order, made } => Box::new(
                in_order
                    .groups()?
                    .map(move |g| g.and_then(|g| made_again(made, g))),
            ),
            Written::Plain(objects) => Box::new(objects.objects()?),
        })
    }

    /// Every object read back and held, for a caller that needs them all at once.
    pub fn held(&self) -> io::Result<Vec<Value>> {
        let mut out = Vec::with_capacity(self.len());
        for v in self.objects()? {
            out.push(v?);
        }
        Ok(out)
    }

    /// The error of reading them back, naming the command that wrote them out.
    pub fn read_back_failure(&self, e: &io::Error) -> String {
        let what = match self.written {
            Written::InOrder {
                made: Made::Selections { .. },
                ..
            } => "Select-Object: reading selections back from",
            Written::Plain(_) => "reading objects back from",
            _ => "Group-Object: reading groups back from",
        };
        temporary_failure(what, e)
    }
}

/// The object a written one was.
fn made_again(made: &Made, g: Spilled) -> io::Result<Value> {
    Ok(match made {
        Made::Groups { no_element } => {
            Value::Object(Rc::new(super::group::written_back(g, *no_element)))
        }
        Made::GroupsSelected { no_element, specs } => {
            let group = Value::Object(Rc::new(super::group::written_back(g, *no_element)));
            super::select::selected_by_names(specs, group)
                .map_err(|e| io::Error::other(e.message))?
        }
        Made::Selections { names, type_names } => {
            let properties = names
                .iter()
                .cloned()
                .zip(
                    g.values
                        .into_iter()
                        .map(|v| v.map_or(Value::Null, Value::str)),
                )
                .collect();
            Value::Object(Rc::new(CustomObject {
                type_names: type_names.clone(),
                properties,
                collections: Vec::new(),
            }))
        }
    })
}

/// The error of `what` (e.g. "Group-Object: writing groups to") a temporary file,
/// naming the folder (`TMPDIR`, or the system's temporary folder) so that an admin can point
/// it elsewhere.
pub fn temporary_failure(what: &str, e: &io::Error) -> String {
    format!(
        "{what} a temporary file in {} failed: {e} (set TMPDIR to a folder with room to write)",
        std::env::temp_dir().display()
    )
}

/// How many runs a merge reads at once (a file and a 16 KiB buffer each). A message's events
/// come in the parts of several servers, so its group is written out in several runs: a
/// Group-Object by MessageId over 1 GB of logs writes some 70 runs of 10,000 groups, which
/// 128 ways merge once at the end (at 64 ways they were merged twice: 2.1 s instead of 1.6).
/// Not more: macOS lets a process open 256 files by default.
pub const MERGE_WAYS: usize = 128;

/// How groups are written: bincode's standard encoding (lengths as varints).
const ENCODING: bincode::config::Configuration = bincode::config::standard();

/// `groups` (sorted by key, each key once) written to a temporary file, read from its start.
fn write_run(groups: impl Iterator<Item = io::Result<Spilled>>) -> io::Result<File> {
    let mut out = BufWriter::new(tempfile::tempfile()?);
    for g in groups {
        bincode::serde::encode_into_std_write(&g?, &mut out, ENCODING).map_err(io::Error::other)?;
    }
    super::object_spill::rewound(out)
}

/// The next group of a run, `None` at its end.
fn read_group(r: &mut impl io::BufRead) -> io::Result<Option<Spilled>> {
    if r.fill_buf()?.is_empty() {
        return Ok(None);
    }
    bincode::serde::decode_from_std_read(r, ENCODING)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(key: &str, name: &str, first: Order, count: u64) -> Spilled {
        Spilled {
            key: key.into(),
            name: name.into(),
            values: vec![Some(name.into()), None],
            first,
            count,
            shown: Vec::new(),
        }
    }

    #[test]
    fn runs_merge_by_key_adding_counts_and_naming_each_by_its_earliest_item() {
        let mut runs = Runs::default();
        runs.write(
            [
                group("a", "A", (5, 0), 2),
                group("b", "b", (1, 0), 1),
                group("d", "d", (9, 0), 4),
            ]
            .into_iter(),
        )
        .expect("written");
        runs.write([group("b", "B", (0, 7), 3), group("c", "c", (2, 0), 1)].into_iter())
            .expect("written");
        assert_eq!(runs.files.len(), 2);
        // Past MERGE_WAYS runs they are merged into one: the same groups come out.
        let mut many = Runs::default();
        for i in 0..MERGE_WAYS as i64 * 2 + 3 {
            many.write(
                [
                    group("k", "K", (i, 0), 1),
                    group(&format!("x{i:03}"), "x", (i, 1), 2),
                ]
                .into_iter(),
            )
            .expect("written");
        }
        assert!(many.files.len() < MERGE_WAYS, "{} runs", many.files.len());
        let merged: Vec<Spilled> = many
            .merged(Vec::new())
            .expect("read")
            .collect::<io::Result<_>>()
            .expect("read");
        assert_eq!(merged.len(), MERGE_WAYS * 2 + 4);
        assert_eq!(
            merged[0],
            group("k", "K", (0, 0), MERGE_WAYS as u64 * 2 + 3)
        );
        assert!(
            merged[1..]
                .iter()
                .all(|g| g.count == 2 && g.key.starts_with('x'))
        );
        let held = vec![group("a", "a", (7, 0), 1), group("e", "é", (3, 0), 1)];
        let merged: Vec<Spilled> = runs
            .merged(held)
            .expect("read")
            .collect::<io::Result<_>>()
            .expect("read");
        assert_eq!(
            merged,
            vec![
                group("a", "A", (5, 0), 3),
                group("b", "B", (0, 7), 4),
                group("c", "c", (2, 0), 1),
                group("d", "d", (9, 0), 4),
                group("e", "é", (3, 0), 1),
            ]
        );
    }

    #[test]
    fn groups_come_out_in_the_order_of_their_first_items_across_runs() {
        // 23 groups, held 4 at a time (6 runs), taken in a scrambled order.
        let mut sorter = FirstOrder::new(4);
        let places: Vec<i64> = (0..23).map(|i| (i * 7) % 23).collect();
        for &at in &places {
            sorter
                .push(group(&format!("k{at}"), &format!("n{at}"), (at, 1), 1))
                .expect("written");
        }
        let in_order = sorter.finish().expect("merged");
        assert_eq!(in_order.len(), 23);
        // Read twice: the same groups each time, in order of place.
        for _ in 0..2 {
            let firsts: Vec<Order> = in_order
                .groups()
                .expect("read")
                .map(|g| g.expect("a group").first)
                .collect();
            let want: Vec<Order> = (0..23).map(|at| (at, 1)).collect();
            assert_eq!(firsts, want);
        }
        // Groups of one key in several runs stay apart (each group is pushed once).
        let mut two = FirstOrder::new(1);
        two.push(group("k", "b", (2, 0), 1)).expect("written");
        two.push(group("k", "a", (1, 0), 1)).expect("written");
        let names: Vec<String> = two
            .finish()
            .expect("merged")
            .groups()
            .expect("read")
            .map(|g| g.expect("a group").name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
