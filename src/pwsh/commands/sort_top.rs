//! A sort's first or last N kept as the items come: `$_.Group | Sort-Object Timestamp |
//! Select-Object -Last 1`, read of each group's elements, keeps one element a group rather
//! than every element (each message's last event over a year of logs).
//!
//! Sort-Object's sort is stable (see [`super::sort`]): equal keys keep the order the items
//! were given in. The items come with their places in that order ([`Order`]), so the sorted
//! order is that of (keys, place), and its first N are the N least of them, its last N the N
//! greatest, whatever order they come in. That holds when the keys compare consistently
//! (a total order): each key of one kind in every item, text, whole numbers, dates or time
//! spans (`$null` goes with any: the least, or 0 among numbers). An item whose key is of
//! another kind, or of a kind another item's key was not, is a named error: the shell's
//! answer would then depend on items already let go.

use std::cmp::Ordering;

use super::select::{self, SELECT_PARAMS};
use super::sort::{SORT_PARAMS, SortKeys};
use crate::pwsh::ast::{Command, Span};
use crate::pwsh::runtime::{EvalError, EvalResult, Order, Scope, bind};
use crate::pwsh::value::Value;

/// What a key may be for the first or last N to be kept as the items come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Whole,
    Date,
    Span,
}

impl Kind {
    /// The kind of a key; `Ok(None)` for `$null`, `Err` for a kind that may compare
    /// inconsistently with others (a fraction, a collection, an object).
    fn of(v: &Value) -> Result<Option<Kind>, ()> {
        match v {
            Value::Null => Ok(None),
            Value::Str(_) => Ok(Some(Kind::Text)),
            Value::Int(_) | Value::Long(_) => Ok(Some(Kind::Whole)),
            Value::DateTime(_) => Ok(Some(Kind::Date)),
            Value::TimeSpan(_) => Ok(Some(Kind::Span)),
            _ => Err(()),
        }
    }
}

/// True when an event's property `name` is a date, text, whole number or time span (or
/// `$null`) in every event.
fn scalar_property(name: &str) -> bool {
    use crate::format::{Field, FieldKind};
    Field::from_name(name).is_some_and(|f| {
        f != Field::MessageLatencyType
            && !matches!(f.kind(), FieldKind::TextList | FieldKind::KeyValueList)
    })
}

/// One item kept, with its keys and place; `settled` once copied out of its batch.
struct Kept {
    keys: Vec<Value>,
    at: Order,
    item: Value,
    settled: bool,
}

/// The first (or last) `n` items in a Sort-Object's order, kept as the items come.
pub struct SortedTop {
    keys: SortKeys,
    /// `Select-Object -First` (true) or `-Last`.
    first: bool,
    n: usize,
    /// The Sort-Object's, and the names it sorts by, for an error.
    span: Span,
    names: Vec<String>,
    /// Each key's kind, once an item gave one that is not `$null`.
    kinds: Vec<Option<Kind>>,
    /// In the sort's order.
    kept: Vec<Kept>,
}

impl SortedTop {
    /// The first or last N of Sort-Object `sort` that `cut` (the stage after it) takes,
    /// when `cut` is `Select-Object -First N` or `-Last N`, of properties or not, and `sort`
    /// sorts by plain names (or, `values`, the items themselves) without `-Unique` or
    /// `-Culture`; with whether the cut selects nothing else (else it runs again, the usual
    /// way, over the N kept: the same N, selected).
    pub fn of(
        engine: &mut dyn Scope,
        sort: &Command,
        cut: Option<&Command>,
        values: bool,
    ) -> EvalResult<Option<(SortedTop, bool)>> {
        let Some(cut) = cut.filter(|c| super::canonical(&c.name) == Some("Select-Object")) else {
            return Ok(None);
        };
        let bound = bind(cut, &SELECT_PARAMS)?;
        let cuts = bound
            .named
            .iter()
            .filter(|(n, _, _)| matches!(*n, "First" | "Last"))
            .count();
        let selects = bound.positional.len() <= 1
            && bound.named.iter().all(|(n, _, _)| {
                matches!(
                    *n,
                    "First" | "Last" | "Property" | "ExpandProperty" | "ExcludeProperty"
                )
            });
        let alone = bound.positional.is_empty() && bound.named.len() == 1;
        if cuts != 1 || !selects || bind(sort, &SORT_PARAMS)?.has("Culture") {
            return Ok(None);
        }
        let Some((first, n)) = select::first_or_last(engine, cut)? else {
            return Ok(None);
        };
        let keys = SortKeys::of(engine, sort, None)?;
        // Events by properties of one kind each (not Recipients, a collection, or
        // MessageLatencyType, an enum); values by themselves or by any names (checked as
        // they come).
        let names = keys.plain_names();
        let sorts = match (&names, values) {
            (Some(_), true) => true,
            (None, true) => keys.of_items(),
            (Some(names), false) => names.iter().all(|n| scalar_property(n)),
            (None, false) => false,
        };
        if keys.unique() || !sorts {
            return Ok(None);
        }
        let top = SortedTop {
            keys,
            first,
            n,
            span: sort.span.clone(),
            names: names.unwrap_or_default(),
            kinds: Vec::new(),
            kept: Vec::new(),
        };
        Ok(Some((top, alone)))
    }

    /// Takes `copies` of `item` at `at`.
    pub fn add(
        &mut self,
        engine: &mut dyn Scope,
        item: Value,
        at: Order,
        copies: u64,
    ) -> EvalResult<()> {
        if self.n == 0 || copies == 0 {
            return Ok(());
        }
        let keys = self.keys.keys(engine, &item)?;
        self.check_kinds(&keys)?;
        let ops = engine.ops_ref();
        let order = |k: &Kept| self.keys.compare(&k.keys, &keys, ops).then(k.at.cmp(&at));
        // Past the N kept, an item not before the last of them (`-First`), or not after the
        // first (`-Last`), is not among them.
        let full = self.kept.len() >= self.n;
        let out = match (self.first, self.kept.first(), self.kept.last()) {
            (true, _, Some(last)) => full && order(last) != Ordering::Greater,
            (false, Some(first), _) => full && order(first) != Ordering::Less,
            _ => false,
        };
        if out {
            return Ok(());
        }
        // After the kept ones not after it (a copy after its original).
        let place = self.kept.partition_point(|k| order(k) != Ordering::Greater);
        let copies = copies.min(self.n as u64) as usize;
        let new = (0..copies).map(|_| Kept {
            keys: keys.clone(),
            at,
            item: item.clone(),
            settled: false,
        });
        self.kept.splice(place..place, new);
        let over = self.kept.len().saturating_sub(self.n);
        if self.first {
            self.kept.truncate(self.n);
        } else {
            self.kept.drain(..over);
        }
        Ok(())
    }

    /// An error when a key is of a kind that does not compare consistently with the rest.
    fn check_kinds(&mut self, keys: &[Value]) -> EvalResult<()> {
        self.kinds.resize(keys.len(), None);
        for (i, (key, seen)) in keys.iter().zip(&mut self.kinds).enumerate() {
            let what = || {
                self.names.get(i).map_or_else(
                    || "an element".to_string(),
                    |n| format!("the {n} of an element"),
                )
            };
            let kind = Kind::of(key).map_err(|()| {
                EvalError::new(
                    format!(
                        "Sort-Object then Select-Object -First/-Last over a group's elements: {} is a {}; msgtrack keeps a group's first or last few as the elements come only by keys of text, whole numbers, dates or time spans",
                        what(),
                        key.type_name()
                    ),
                    self.span.clone(),
                )
            })?;
            match (kind, *seen) {
                (Some(k), Some(s)) if k != s => {
                    return Err(EvalError::new(
                        format!(
                            "Sort-Object then Select-Object -First/-Last over a group's elements: {} is a {} where another's was not; msgtrack keeps a group's first or last few as the elements come only by keys of one kind",
                            what(),
                            key.type_name()
                        ),
                        self.span.clone(),
                    ));
                }
                (Some(k), None) => *seen = Some(k),
                _ => {}
            }
        }
        Ok(())
    }

    /// How many items are kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// The items kept since the last call (every item kept, with `all`), now counted as
    /// settled: the caller copies them out of their batches.
    pub fn unsettled(&mut self, all: bool) -> impl Iterator<Item = &mut Value> {
        self.kept.iter_mut().filter_map(move |k| {
            let fresh = all || !k.settled;
            k.settled = true;
            fresh.then_some(&mut k.item)
        })
    }

    /// The items kept, in the sort's order.
    pub fn finish(self) -> Vec<Value> {
        self.kept.into_iter().map(|k| k.item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::SortedTop;
    use crate::pwsh::ast::{Block, Command, Span, Statement};
    use crate::pwsh::eval::Engine;
    use crate::pwsh::parse::parse;
    use crate::pwsh::value::{CustomObject, Value};
    use std::rc::Rc;

    /// The commands of the one pipeline of `block`.
    fn commands(block: &Block) -> Vec<&Command> {
        let [Statement::Pipeline(p)] = block.statements.as_slice() else {
            panic!("one pipeline");
        };
        p.commands()
    }

    /// An object with an A (a whole number or `$null`) and a B (text, case aside alike).
    fn object(a: Option<i32>, b: &str) -> Value {
        let a = a.map_or(Value::Null, Value::Int);
        Value::Object(Rc::new(CustomObject {
            type_names: Rc::from([]),
            properties: vec![("A".into(), a), ("B".into(), Value::str(b))],
            collections: Vec::new(),
        }))
    }

    /// What the first and second stages after `$x` in `line` give of `items` handed over in
    /// `arrival` order (each with its place, its index in `items`), kept as they come; and
    /// the same stages run over `items` in order, whole.
    fn kept_and_whole(
        line: &str,
        items: &[Value],
        arrival: &[usize],
    ) -> (Vec<String>, Vec<String>) {
        let block = parse(line).expect("parses");
        let stages = commands(&block);
        let host = crate::pwsh::tests::host("en-US");
        let mut engine = Engine::new(&host);
        let mut top = SortedTop::of(&mut engine, stages[0], stages.get(1).copied(), true)
            .expect("binds")
            .expect("kept as they come")
            .0;
        for &i in arrival {
            top.add(&mut engine, items[i].clone(), (0, i as u64), 1)
                .expect("keys of one kind");
        }
        let text = |v: &Value| match v {
            Value::Object(o) => format!(
                "{}|{}",
                o.property("A").map(|a| a.to_text()).unwrap_or_default(),
                o.property("B").map(|b| b.to_text()).unwrap_or_default()
            ),
            other => other.to_text(),
        };
        let kept = top.finish().iter().map(text).collect();
        let mut whole = items.to_vec();
        for c in &stages {
            whole = super::super::run(&mut engine, c, whole)
                .expect("runs")
                .expect("no error");
        }
        (kept, whole.iter().map(text).collect())
    }

    proptest::proptest! {
        /// Kept as they come, in any order, a sort's first or last N are those of the whole
        /// (stable) sort: ties (B equal ignoring case, A `$null` equal to 0) in input order.
        #[test]
        fn a_sort_s_first_or_last_few_kept_as_they_come_are_the_whole_sort_s(
            rows in proptest::collection::vec((proptest::option::of(-2i32..3), 0usize..4), 0..40),
            arrival in proptest::collection::vec(proptest::num::usize::ANY, 0..40),
            line in 0usize..6,
            n in 0usize..5,
        ) {
            let texts = ["a", "A", "b", "B"];
            let items: Vec<Value> = rows.iter().map(|(a, b)| object(*a, texts[*b])).collect();
            // Any order: the items' indices shuffled by `arrival`.
            let mut order: Vec<usize> = (0..items.len()).collect();
            for (i, r) in arrival.iter().enumerate().take(order.len()) {
                let j = r % order.len();
                order.swap(i, j);
            }
            let line = [
                format!("Sort-Object A | Select-Object -First {n}"),
                format!("Sort-Object A | Select-Object -Last {n}"),
                format!("Sort-Object B,A -Descending | Select-Object -First {n}"),
                format!("Sort-Object B -CaseSensitive | Select-Object -Last {n}"),
                format!("Sort-Object @{{e='A'; Descending=$true}},B | Select-Object -Last {n}"),
                format!("Sort-Object B,A | Select-Object -First {n}"),
            ][line].clone();
            let (kept, whole) = kept_and_whole(&line, &items, &order);
            proptest::prop_assert_eq!(kept, whole, "{}", line);
        }
    }

    #[test]
    fn keys_of_mixed_kinds_are_an_error_naming_the_key() {
        let host = crate::pwsh::tests::host("en-US");
        let mut engine = Engine::new(&host);
        let block = parse("Sort-Object A | Select-Object -Last 1").expect("parses");
        let stages = commands(&block);
        let (mut top, _) = SortedTop::of(&mut engine, stages[0], Some(stages[1]), true)
            .expect("binds")
            .expect("kept as they come");
        top.add(&mut engine, object(Some(1), "x"), (0, 0), 1)
            .expect("a number");
        top.add(&mut engine, object(None, "x"), (0, 1), 1)
            .expect("$null goes with any");
        let text = Value::Object(Rc::new(CustomObject {
            type_names: Rc::from([]),
            properties: vec![("A".into(), Value::str("1"))],
            collections: Vec::new(),
        }));
        let e = top
            .add(&mut engine, text, (0, 2), 1)
            .expect_err("text after numbers");
        assert!(
            e.message.contains("the A of an element is a System.String"),
            "{}",
            e.message
        );
        let span: &Span = &e.span;
        assert_eq!(span.start, 0);
    }

    #[test]
    fn only_a_cut_alone_after_a_sort_by_names_without_unique_is_kept_as_it_comes() {
        let host = crate::pwsh::tests::host("en-US");
        let mut engine = Engine::new(&host);
        for (line, events, kept) in [
            ("Sort-Object Timestamp | Select-Object -Last 1", true, true),
            (
                "Sort-Object TotalBytes -Descending | Select-Object -First 3",
                true,
                true,
            ),
            (
                "Sort-Object Timestamp | Select-Object -Last 1 -Skip 1",
                true,
                false,
            ),
            (
                "Sort-Object Timestamp | Select-Object -First 1 EventId",
                true,
                true,
            ),
            (
                "Sort-Object Timestamp | Select-Object -First 1 -Unique",
                true,
                false,
            ),
            (
                "Sort-Object Timestamp | Select-Object -First 1 -Last 1",
                true,
                false,
            ),
            (
                "Sort-Object Timestamp -Unique | Select-Object -Last 1",
                true,
                false,
            ),
            (
                "Sort-Object Timestamp -Culture de-DE | Select-Object -Last 1",
                true,
                false,
            ),
            (
                "Sort-Object Recipients | Select-Object -Last 1",
                true,
                false,
            ),
            (
                "Sort-Object MessageLatencyType | Select-Object -Last 1",
                true,
                false,
            ),
            (
                "Sort-Object { $_.Timestamp } | Select-Object -Last 1",
                true,
                false,
            ),
            ("Sort-Object | Select-Object -Last 1", true, false),
            ("Sort-Object | Select-Object -Last 1", false, true),
            ("Sort-Object Timestamp | Where-Object { $_ }", true, false),
        ] {
            let block = parse(line).expect("parses");
            let stages = commands(&block);
            let top = SortedTop::of(&mut engine, stages[0], stages.get(1).copied(), !events)
                .expect("binds");
            assert_eq!(top.is_some(), kept, "{line}");
        }
        // A cut that selects properties too runs again over the N kept.
        for (line, alone) in [
            ("Sort-Object Timestamp | Select-Object -Last 1", true),
            (
                "Sort-Object Timestamp | Select-Object -Last 1 EventId,Timestamp",
                false,
            ),
            (
                "Sort-Object Timestamp | Select-Object -First 2 -ExpandProperty Recipients",
                false,
            ),
        ] {
            let block = parse(line).expect("parses");
            let stages = commands(&block);
            let top = SortedTop::of(&mut engine, stages[0], Some(stages[1]), false)
                .expect("binds")
                .map(|(_, alone)| alone);
            assert_eq!(top, Some(alone), "{line}");
        }
    }
}
