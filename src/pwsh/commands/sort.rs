//! Sort-Object: several keys, per-key `@{Expression=…; Descending=$true}`, `-Descending`,
//! `-Unique` (ignoring case unless `-CaseSensitive`), numbers by value, dates by time, text
//! ignoring case. msgtrack's sort is stable (ties keep their order); Windows PowerShell 5.1's
//! is not, so its order of ties is not defined.

use std::cmp::Ordering;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::ops::{self, OpContext};
use crate::pwsh::runtime::Scope;
use crate::pwsh::runtime::{EvalResult, ParamSpec, bind};
use crate::pwsh::value::Value;

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// Sort-Object's parameters.
pub const SORT_PARAMS: [ParamSpec; 5] = [
    p("Property", false),
    p("Descending", true),
    p("Unique", true),
    p("CaseSensitive", true),
    p("Culture", false),
];

/// What a Sort-Object command sorts by and how: its keys, each key's direction, whether
/// text compares by case, and whether equal items are dropped (`-Unique`). A sort that
/// cannot hold every item at once (a merge of sorted runs) compares with it as the command
/// does.
pub struct SortKeys {
    specs: Vec<PropSpec>,
    directions: Vec<bool>,
    case: bool,
    unique: bool,
}

/// How the Sort-Object `c` sorts groups when it sorts by their Count or their Name alone (a
/// name, with or without `-Descending` and, for Name, `-CaseSensitive`; no `-Unique` or
/// `-Culture`): groups sorted so can be put in order without being held
/// (`commands::group_spill::FirstOrder::sorted`).
pub fn group_order_alone(
    engine: &mut dyn Scope,
    c: &Command,
) -> EvalResult<Option<super::group_spill::GroupOrder>> {
    use super::group_spill::GroupOrder;
    let bound = bind(c, &SORT_PARAMS)?;
    if bound.has("Culture") {
        return Ok(None);
    }
    let keys = SortKeys::of(engine, c, None)?;
    let [spec] = keys.specs.as_slice() else {
        return Ok(None);
    };
    if keys.unique || spec.pattern.is_some() {
        return Ok(None);
    }
    let descending = keys.directions.first().copied().unwrap_or(false);
    // By name, or by a script block that reads only that property of the group.
    let name = match &spec.source {
        properties::Source::Name(n) => Some(n.as_str()),
        properties::Source::Script(block) => properties::member_of_item(block),
    };
    Ok(match name {
        Some(n) if n.eq_ignore_ascii_case("Count") => Some(GroupOrder::Count { descending }),
        Some(n) if n.eq_ignore_ascii_case("Name") => Some(GroupOrder::Name {
            descending,
            case: keys.case,
        }),
        _ => None,
    })
}

impl SortKeys {
    /// The keys of the Sort-Object `c`, wildcard names matched against `sample`'s
    /// properties (the first item the command is given).
    pub fn of(engine: &mut dyn Scope, c: &Command, sample: Option<&Value>) -> EvalResult<SortKeys> {
        let params = SORT_PARAMS;
        let bound = bind(c, &params)?;
        super::no_more_positional(c, &bound, 1)?;
        let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
            (Some((Some(e), _)), _) => properties::read(engine, e, &["Descending", "Ascending"])?,
            (None, Some(e)) => properties::read(engine, e, &["Descending", "Ascending"])?,
            _ => Vec::new(),
        };
        let descending = switch_on(engine, &bound, "Descending")?;
        let unique = switch_on(engine, &bound, "Unique")?;
        let case = switch_on(engine, &bound, "CaseSensitive")?;
        let specs = properties::expand(&specs, sample)?;
        let directions: Vec<bool> = if specs.is_empty() {
            vec![descending]
        } else {
            specs
                .iter()
                .map(|s| s.descending.unwrap_or(descending))
                .collect()
        };
        Ok(SortKeys {
            specs,
            directions,
            case,
            unique,
        })
    }

    /// The keys of one item (the item itself when the command names none).
    pub fn keys(&self, engine: &mut dyn Scope, item: &Value) -> EvalResult<Vec<Value>> {
        if self.specs.is_empty() {
            return Ok(vec![item.clone()]);
        }
        self.specs
            .iter()
            .map(|s| properties::value_of(engine, s, item))
            .collect()
    }

    /// The order of two items' keys, each key in its direction.
    pub fn compare(&self, a: &[Value], b: &[Value], ops: &OpContext<'_>) -> Ordering {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let o = ops::sort_order(x, y, self.case, ops);
            let o = if self.directions.get(i).copied().unwrap_or(false) {
                o.reverse()
            } else {
                o
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// `input` in the command's order: stable (equal keys keep their order), and with
    /// `-Unique` only the first of equal keys. Keys are computed once per item.
    pub fn sort(&self, engine: &mut dyn Scope, input: Vec<Value>) -> EvalResult<Vec<Value>> {
        let keyed = self.keyed(engine, input)?;
        Ok(self.sort_keyed(engine, keyed))
    }

    /// Each item with its keys.
    fn keyed(
        &self,
        engine: &mut dyn Scope,
        input: Vec<Value>,
    ) -> EvalResult<Vec<(Vec<Value>, Value)>> {
        let mut keyed = Vec::with_capacity(input.len());
        for item in input {
            keyed.push((self.keys(engine, &item)?, item));
        }
        Ok(keyed)
    }

    /// [`SortKeys::sort`] of items whose keys are worked out.
    fn sort_keyed(
        &self,
        engine: &mut dyn Scope,
        mut keyed: Vec<(Vec<Value>, Value)>,
    ) -> Vec<Value> {
        if self.unique && one_kind_each(&keyed) {
            // An item whose keys are exactly those of an earlier one is never the one kept
            // (the stable sort puts the earlier first among equal keys, and keys of one kind
            // compare consistently): it goes before the sort, which then sorts distinct keys
            // only (Sort-Object Sender -Unique of every event sorts dozens, not millions).
            // Keys of mixed kinds (1, '1', $true) can compare inconsistently: the shell's
            // answer then depends on every item, and none goes early.
            let mut seen = std::collections::HashSet::new();
            keyed.retain(|(keys, _)| exact_keys(keys).is_none_or(|k| seen.insert(k)));
        }
        let ops = engine.ops_ref();
        let order = stable_order(keyed.len(), |a, b| {
            self.compare(&keyed[a].0, &keyed[b].0, ops)
        });
        let mut slots: Vec<Option<(Vec<Value>, Value)>> = keyed.into_iter().map(Some).collect();
        let mut keyed: Vec<(Vec<Value>, Value)> =
            order.into_iter().filter_map(|i| slots[i].take()).collect();
        if self.unique {
            keyed.dedup_by(|later, kept| self.same(&kept.0, &later.0, ops));
        }
        keyed.into_iter().map(|(_, v)| v).collect()
    }

    /// The property names sorted by when every key is a plain name (no wildcard or script
    /// block).
    pub fn plain_names(&self) -> Option<Vec<String>> {
        properties::plain_names(&self.specs)
    }

    /// The first `n` items of `input` in the command's order ([`SortKeys::sort`]'s first
    /// `n`) without sorting the rest: each item is compared with the `n`th kept so far, and
    /// only one before it goes in (after the kept ones of equal keys, so ties keep their
    /// order; with `-Unique` none equal to one kept, the earlier). A sort's first few of
    /// every event compares each about once rather than sorting them all. With keys of mixed
    /// kinds (whose order the whole sort alone decides), the whole sort's first `n`.
    pub fn first(
        &self,
        engine: &mut dyn Scope,
        input: Vec<Value>,
        n: usize,
    ) -> EvalResult<Vec<Value>> {
        if n == 0 || n >= input.len() {
            let mut sorted = self.sort(engine, input)?;
            sorted.truncate(n);
            return Ok(sorted);
        }
        let keyed = self.keyed(engine, input)?;
        if !one_kind_each(&keyed) {
            let mut sorted = self.sort_keyed(engine, keyed);
            sorted.truncate(n);
            return Ok(sorted);
        }
        let ops = engine.ops_ref();
        let mut kept: Vec<usize> = Vec::with_capacity(n + 1);
        for i in 0..keyed.len() {
            if kept.len() == n {
                let last = kept[n - 1];
                if self.compare(&keyed[i].0, &keyed[last].0, ops) != Ordering::Less {
                    continue;
                }
            }
            let at = kept.partition_point(|&k| {
                self.compare(&keyed[k].0, &keyed[i].0, ops) == Ordering::Less
            });
            // With -Unique an item equal to one kept is a later one of its keys: it goes.
            let equal = |k: &usize| self.compare(&keyed[*k].0, &keyed[i].0, ops) == Ordering::Equal;
            if self.unique && kept.get(at).is_some_and(equal) {
                continue;
            }
            // Otherwise after the ones kept of equal keys: ties keep their order.
            let at = at + kept[at..].iter().take_while(|k| equal(k)).count();
            kept.insert(at, i);
            kept.truncate(n);
        }
        let mut slots: Vec<Option<(Vec<Value>, Value)>> = keyed.into_iter().map(Some).collect();
        Ok(kept
            .into_iter()
            .filter_map(|i| slots[i].take().map(|(_, v)| v))
            .collect())
    }

    /// Whether the items themselves are sorted (no property named).
    pub fn of_items(&self) -> bool {
        self.specs.is_empty()
    }

    /// Whether items of equal keys after the first are dropped (`-Unique`).
    pub fn unique(&self) -> bool {
        self.unique
    }

    /// Whether two items' keys are equal, direction aside (what `-Unique` drops).
    pub fn same(&self, a: &[Value], b: &[Value], ops: &OpContext<'_>) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| ops::sort_order(x, y, self.case, ops) == Ordering::Equal)
    }
}

/// The order of `n` items sorted stably by `compare` (of two items' indices): a bottom-up
/// merge sort, which gives some order whatever `compare` answers. Sort-Object's comparer is
/// not a total order across types (`1 -eq '1'`, `'1' -eq $true`, but `1` and `'a'` compare
/// as text), where the standard library's sort may panic. A run already in order (events
/// sorted by Timestamp) costs one comparison a merge.
fn stable_order(n: usize, mut compare: impl FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut from: Vec<usize> = (0..n).collect();
    let mut to: Vec<usize> = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            if mid == end || compare(from[mid], from[mid - 1]) != Ordering::Less {
                to[start..end].copy_from_slice(&from[start..end]);
            } else {
                let (mut l, mut r) = (start, mid);
                for slot in &mut to[start..end] {
                    // The right one first only when strictly before: ties keep their order.
                    let right =
                        r < end && (l >= mid || compare(from[r], from[l]) == Ordering::Less);
                    if right {
                        *slot = from[r];
                        r += 1;
                    } else {
                        *slot = from[l];
                        l += 1;
                    }
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    from
}

/// True when each key is of one kind in every item: text (or `$null`), or all Int32, all
/// Int64 or all DateTime, which Sort-Object compares consistently.
fn one_kind_each(keyed: &[(Vec<Value>, Value)]) -> bool {
    let kind = |v: &Value| match v {
        Value::Str(_) | Value::Null => Some(0),
        Value::Int(_) => Some(1),
        Value::Long(_) => Some(2),
        Value::DateTime(_) => Some(3),
        _ => None,
    };
    let Some((first, _)) = keyed.first() else {
        return true;
    };
    let Some(kinds) = first.iter().map(kind).collect::<Option<Vec<_>>>() else {
        return false;
    };
    keyed.iter().all(|(keys, _)| {
        keys.len() == kinds.len()
            && keys
                .iter()
                .zip(&kinds)
                .all(|(k, want)| kind(k) == Some(*want))
    })
}

/// One text equal for two items' keys only when each key is exactly the same value (see
/// [`super::select::exact_key`]); `None` when a key is an object (compared another way).
pub fn exact_keys(keys: &[Value]) -> Option<String> {
    let mut all = String::new();
    for k in keys {
        if matches!(k, Value::Object(_)) {
            return None;
        }
        all.push_str(&super::select::exact_key(k)?);
        all.push('\u{4}');
    }
    Some(all)
}

/// Runs Sort-Object.
pub fn sort_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    SortKeys::of(engine, c, input.first())?.sort(engine, input)
}

/// The first `n` items Sort-Object `c` outputs (see [`SortKeys::first`]).
pub fn sort_object_first(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
    n: usize,
) -> EvalResult<Vec<Value>> {
    SortKeys::of(engine, c, input.first())?.first(engine, input, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The merge sort is the standard library's stable sort on a total order, and gives
        /// a permutation (never a panic) on a comparer that is not one.
        #[test]
        fn the_merge_sort_is_stable_and_never_fails(
            keys in proptest::collection::vec(0u8..6, 0..80),
            noise in proptest::collection::vec(proptest::bool::ANY, 0..80),
        ) {
            let order = stable_order(keys.len(), |a, b| keys[a].cmp(&keys[b]));
            let mut expected: Vec<usize> = (0..keys.len()).collect();
            expected.sort_by_key(|&i| keys[i]);
            proptest::prop_assert_eq!(order, expected);
            // An inconsistent comparer: answers at random.
            let mut next = noise.iter().cycle();
            let order = stable_order(keys.len(), |_, _| {
                if next.next().copied().unwrap_or(false) { Ordering::Less } else { Ordering::Greater }
            });
            let mut seen = order.clone();
            seen.sort_unstable();
            proptest::prop_assert_eq!(seen, (0..keys.len()).collect::<Vec<_>>());
        }
    }
}
