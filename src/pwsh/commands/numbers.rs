//! Numbers kept with their places in the input, to be summed in input order at the end, as
//! PowerShell's Measure-Object sums doubles (each addition rounds, so the order decides the
//! last digits). Every list of one thread shares one budget: past [`HELD_NUMBERS`] numbers
//! held in all of them, each list's numbers are written sorted, as a run, to one temporary
//! file, so a Measure-Object per group (thousands of lists) holds no more than one does.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::rc::{Rc, Weak};

use crate::pwsh::runtime::Order;

/// Numbers held in memory by all lists of a thread before they are written out (24 bytes
/// each: 12 MiB).
pub const HELD_NUMBERS: usize = 1 << 19;

/// One number and its place: 24 bytes written.
const RECORD: usize = 24;

/// The numbers of one measure, in the order they came, with their places.
pub struct Numbers(Rc<RefCell<List>>);

#[derive(Default)]
struct List {
    held: Vec<(Order, f64)>,
    /// Sorted runs written out: (byte offset in the thread's file, how many numbers).
    runs: Vec<(u64, u64)>,
}

/// What the lists of a thread share.
struct Budget {
    /// Numbers held in all lists since they were last written out.
    held: usize,
    /// Lists not dropped yet.
    live: usize,
    /// How many to hold before writing them out.
    limit: usize,
    lists: Vec<Weak<RefCell<List>>>,
    /// The temporary file the runs go to (deleted when closed), and its length.
    file: Option<(File, u64)>,
    /// A file could not be written: everything stays in memory.
    in_memory: bool,
}

thread_local! {
    static BUDGET: RefCell<Budget> = const {
        RefCell::new(Budget {
            held: 0,
            live: 0,
            limit: HELD_NUMBERS,
            lists: Vec::new(),
            file: None,
            in_memory: false,
        })
    };
}

impl Numbers {
    /// An empty list, sharing the thread's budget.
    pub fn new() -> Numbers {
        let list = Rc::new(RefCell::new(List::default()));
        BUDGET.with(|b| {
            let mut b = b.borrow_mut();
            if b.live == 0 {
                // No run is read any more: a new file for the next ones.
                b.file = None;
                b.lists.clear();
                b.held = 0;
            }
            b.live += 1;
            b.lists.push(Rc::downgrade(&list));
        });
        Numbers(list)
    }

    /// Keeps `n`, at place `at`.
    pub fn push(&mut self, at: Order, n: f64) {
        self.0.borrow_mut().held.push((at, n));
        BUDGET.with(|b| {
            let mut b = b.borrow_mut();
            b.held += 1;
            if b.held >= b.limit && !b.in_memory {
                b.write_out();
            }
        });
    }

    /// The numbers summed in input order (by place; equal places in the order they came),
    /// from 0.0 as PowerShell's sum starts.
    pub fn sum_in_order(self) -> std::io::Result<f64> {
        self.fold_in_order(0.0, |total, n| total + n)
    }

    /// `step` applied to `state` and each number in input order (by place; equal places in
    /// the order they came).
    pub fn fold_in_order<T>(
        self,
        state: T,
        mut step: impl FnMut(T, f64) -> T,
    ) -> std::io::Result<T> {
        let list = std::mem::take(&mut *self.0.borrow_mut());
        let mut held = list.held;
        held.sort_by_key(|(at, _)| *at);
        if list.runs.is_empty() {
            return Ok(held.iter().fold(state, |s, (_, n)| step(s, *n)));
        }
        let file = BUDGET
            .with(|b| {
                b.borrow()
                    .file
                    .as_ref()
                    .map(|(f, _)| f.try_clone())
                    .transpose()
            })?
            .ok_or_else(|| std::io::Error::other("the numbers' temporary file is gone"))?;
        let mut runs: Vec<Run> = list
            .runs
            .iter()
            .map(|&(offset, count)| Run {
                offset,
                left: count,
                buffer: Vec::new(),
                at: 0,
            })
            .collect();
        // The smallest place first, runs in the order written (the held numbers last), so
        // numbers of equal places keep the order they came in.
        let mut heap = std::collections::BinaryHeap::new();
        let mut heads: Vec<Option<f64>> = vec![None; runs.len() + 1];
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some((at, n)) = run.next(&file)? {
                heads[i] = Some(n);
                heap.push(std::cmp::Reverse((at, i)));
            }
        }
        let last = runs.len();
        let mut held = held.into_iter();
        if let Some((at, n)) = held.next() {
            heads[last] = Some(n);
            heap.push(std::cmp::Reverse((at, last)));
        }
        let mut state = state;
        while let Some(std::cmp::Reverse((_, i))) = heap.pop() {
            if let Some(n) = heads[i].take() {
                state = step(state, n);
            }
            let following = match runs.get_mut(i) {
                Some(run) => run.next(&file)?,
                None => held.next(),
            };
            if let Some((at, n)) = following {
                heads[i] = Some(n);
                heap.push(std::cmp::Reverse((at, i)));
            }
        }
        Ok(state)
    }
}

impl Drop for Numbers {
    fn drop(&mut self) {
        // (At a thread's end the budget may be gone already: nothing is left to count.)
        let _ = BUDGET.try_with(|b| {
            let mut b = b.borrow_mut();
            b.live = b.live.saturating_sub(1);
        });
    }
}

impl Default for Numbers {
    fn default() -> Self {
        Numbers::new()
    }
}

impl Budget {
    /// Writes every list's held numbers out, sorted, as a run of that list.
    fn write_out(&mut self) {
        self.lists.retain(|l| l.strong_count() > 0);
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(f) => self.file = Some((f, 0)),
                Err(_) => {
                    self.in_memory = true;
                    return;
                }
            }
        }
        let Some((file, end)) = &mut self.file else {
            return;
        };
        for list in self.lists.iter().filter_map(Weak::upgrade) {
            let mut list = list.borrow_mut();
            if list.held.is_empty() {
                continue;
            }
            list.held.sort_by_key(|(at, _)| *at);
            let mut bytes = Vec::with_capacity(list.held.len() * RECORD);
            for ((time, seq), n) in &list.held {
                bytes.extend_from_slice(&time.to_le_bytes());
                bytes.extend_from_slice(&seq.to_le_bytes());
                bytes.extend_from_slice(&n.to_le_bytes());
            }
            if file.write_all(&bytes).is_err() {
                // What was written stays readable; the rest stays in memory from now on.
                self.in_memory = true;
                return;
            }
            let count = list.held.len() as u64;
            list.runs.push((*end, count));
            *end += bytes.len() as u64;
            list.held = Vec::new();
        }
        self.held = 0;
    }
}

/// A run being read back, a block at a time.
struct Run {
    offset: u64,
    left: u64,
    buffer: Vec<(Order, f64)>,
    at: usize,
}

impl Run {
    fn next(&mut self, file: &File) -> std::io::Result<Option<(Order, f64)>> {
        if self.at == self.buffer.len() {
            if self.left == 0 {
                return Ok(None);
            }
            let count = self.left.min(4096);
            let mut bytes = vec![0u8; count as usize * RECORD];
            file.read_exact_at(&mut bytes, self.offset)?;
            self.offset += bytes.len() as u64;
            self.left -= count;
            let word = |b: &[u8]| {
                let mut w = [0u8; 8];
                w.copy_from_slice(b);
                w
            };
            self.buffer = bytes
                .chunks_exact(RECORD)
                .map(|r| {
                    (
                        (
                            i64::from_le_bytes(word(&r[0..8])),
                            u64::from_le_bytes(word(&r[8..16])),
                        ),
                        f64::from_le_bytes(word(&r[16..24])),
                    )
                })
                .collect();
            self.at = 0;
        }
        let next = self.buffer.get(self.at).copied();
        self.at += 1;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_many_lists_written_out_together_are_each_summed_in_input_order() {
        // Doubles whose sum depends on the order: big and small numbers mixed.
        let values: Vec<f64> = (0..100)
            .map(|i| match i % 4 {
                0 => 1.0e16 + 0.5,
                1 => 0.1 * f64::from(i),
                2 => -1.0e16 - 0.25,
                _ => 1.0 / f64::from(i + 1),
            })
            .collect();
        let in_order: f64 = values.iter().sum();
        let reversed: f64 = values.iter().rev().sum();
        assert_ne!(
            in_order, reversed,
            "the order must matter for this test to mean anything"
        );
        BUDGET.with(|b| b.borrow_mut().limit = 7);
        // Three lists fed at once, out of order (every seventh place first, and so on),
        // seven held among them at a time.
        let mut lists = [Numbers::new(), Numbers::new(), Numbers::new()];
        for start in 0..7 {
            for (i, v) in values.iter().enumerate().skip(start).step_by(7) {
                for list in &mut lists {
                    list.push((i as i64 / 3, i as u64), *v);
                }
            }
        }
        let runs = lists[0].0.borrow().runs.len();
        assert!(runs >= 10, "{runs} runs");
        for list in lists {
            assert_eq!(list.sum_in_order().expect("read back"), in_order);
        }
        BUDGET.with(|b| b.borrow_mut().limit = HELD_NUMBERS);
    }

    use proptest::prelude::*;

    proptest::proptest! {
        /// Whatever order numbers come in, and however often the lists are written out, each
        /// list's sum is the running sum in input order.
        #[test]
        fn any_arrival_order_gives_the_running_sum_in_input_order(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    (-1_000_000_000i64..1_000_000_000).prop_map(|n| n as f64),
                    -1.0e9f64..1.0e9,
                    (1i64..100_000).prop_map(|n| n as f64 / 7.0),
                ],
                1..200,
            ),
            order in proptest::sample::subsequence((0..200usize).collect::<Vec<_>>(), 0..=200)
                .prop_shuffle(),
            limit in 1usize..50,
        ) {
            let in_order = values.iter().fold(0.0, |sum, v| sum + v);
            // The places named by `order` first (as they came), then the rest in reverse.
            let mut arrival: Vec<usize> = order.into_iter().filter(|i| *i < values.len()).collect();
            let rest: Vec<usize> = (0..values.len()).rev().filter(|i| !arrival.contains(i)).collect();
            arrival.extend(rest);
            BUDGET.with(|b| b.borrow_mut().limit = limit);
            let mut first = Numbers::new();
            let mut second = Numbers::new();
            for i in arrival {
                // Places: (a coarse time, the sequence), as the reader gives them.
                let at = ((i / 5) as i64, i as u64);
                first.push(at, values[i]);
                second.push(at, values[i]);
            }
            let (a, b) = (first.sum_in_order(), second.sum_in_order());
            BUDGET.with(|b| b.borrow_mut().limit = HELD_NUMBERS);
            prop_assert_eq!(a.expect("read back").to_bits(), in_order.to_bits());
            prop_assert_eq!(b.expect("read back").to_bits(), in_order.to_bits());
        }
    }
}
