//! The distinct selections of a `Select-Object <text properties> -Unique` that is a line's
//! output, written out when too many to hold: `Select-Object MessageId -Unique` over months of
//! logs is millions of objects. Objects whose every value is text (or `$null`) are the same
//! for `-Unique` exactly when their texts are ([`select::unique_key`], as `select::unique_of`
//! compares them), so each is kept by that key at its earliest place; past a limit the
//! selections held are sorted by key and written out as a run ([`group_spill::Runs`]), at the
//! end the runs are merged by key (the earliest of each key kept) and put in the order of
//! their places on disk ([`group_spill::FirstOrder`]), to be printed as they are read back.

use std::collections::HashMap;
use std::rc::Rc;

use super::group_spill::{self, FirstOrder, Runs, Spilled, SpilledObjects};
use super::select;
use crate::pwsh::ast::Span;
use crate::pwsh::runtime::{EvalError, EvalResult, Order};
use crate::pwsh::value::Value;

/// Distinct selections of text, each at the earliest place it was seen, held up to a limit
/// and then written out.
pub struct UniqueSpill {
    /// The properties selected and the objects' type names (from the first object).
    shape: Option<(Vec<String>, Vec<Rc<str>>)>,
    /// Each key held: its place in `held`.
    index: HashMap<String, usize>,
    /// The selections held: as written out, and the object itself (while none is written).
    held: Vec<(Spilled, Value)>,
    runs: Runs,
    limit: usize,
    span: Span,
}

/// What a [`UniqueSpill`] gives: the objects (none was written out), or the objects written
/// out in order.
pub enum Distinct {
    Held(Vec<Value>),
    Spilled(SpilledObjects),
}

impl UniqueSpill {
    /// Distinct selections of the Select-Object at `span`.
    pub fn new(span: Span) -> UniqueSpill {
        UniqueSpill {
            shape: None,
            index: HashMap::new(),
            held: Vec::new(),
            runs: Runs::default(),
            limit: group_spill::groups_held(),
            span,
        }
    }

    /// Takes a selected object at `at` (kept unless one of the same texts came earlier).
    pub fn add(&mut self, item: Value, at: Order) -> EvalResult<()> {
        let not_text = || {
            EvalError::new(
                "Select-Object -Unique met a value that is not text while writing selections out (please report this)",
                self.span.clone(),
            )
        };
        let Value::Object(o) = &item else {
            return Err(not_text());
        };
        let names: Vec<String> = o.property_names().iter().map(|n| n.to_string()).collect();
        let (key, plain) = select::unique_key(&item);
        if !plain {
            return Err(not_text());
        }
        let values = names
            .iter()
            .map(|n| match o.property(n) {
                Some(Value::Str(t)) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        match &self.shape {
            None => {
                let types = o
                    .type_names()
                    .iter()
                    .map(|t| Rc::from(t.as_ref()))
                    .collect();
                self.shape = Some((names, types));
            }
            // (One Select-Object gives every object the same properties.)
            Some((known, _)) if *known != names => return Err(not_text()),
            Some(_) => {}
        }
        let written = Spilled {
            key,
            name: String::new(),
            values,
            first: at,
            count: 1,
            shown: Vec::new(),
        };
        match self.index.get(&written.key) {
            Some(&i) => {
                if at < self.held[i].0.first {
                    self.held[i] = (written, item);
                }
            }
            None => {
                self.index.insert(written.key.clone(), self.held.len());
                self.held.push((written, item));
            }
        }
        if self.held.len() >= self.limit {
            self.write_run()?;
        }
        Ok(())
    }

    /// The selections held, sorted by key, taken out.
    fn take_sorted(&mut self) -> Vec<Spilled> {
        self.index.clear();
        let mut held: Vec<Spilled> = std::mem::take(&mut self.held)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        held.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        held
    }

    /// Writes the selections held as a run and lets them go.
    fn write_run(&mut self) -> EvalResult<()> {
        let run = self.take_sorted();
        self.runs.write(run.into_iter()).map_err(|e| {
            EvalError::new(
                group_spill::temporary_failure("Select-Object: writing selections to", &e),
                self.span.clone(),
            )
        })
    }

    /// Every distinct selection, in the order of the places of their first: held, or (when
    /// some were written out) merged from the runs and put in order on disk.
    pub fn finish(mut self) -> EvalResult<Distinct> {
        if self.runs.is_empty() {
            let mut held = std::mem::take(&mut self.held);
            held.sort_by_key(|(s, _)| s.first);
            return Ok(Distinct::Held(held.into_iter().map(|(_, v)| v).collect()));
        }
        let last = self.take_sorted();
        let span = self.span.clone();
        let failed = |e: std::io::Error| {
            EvalError::new(
                group_spill::temporary_failure("Select-Object: reading selections back from", &e),
                span.clone(),
            )
        };
        let mut order = FirstOrder::new(self.limit);
        for s in std::mem::take(&mut self.runs)
            .merged(last)
            .map_err(failed)?
        {
            order.push(s.map_err(failed)?).map_err(failed)?;
        }
        let in_order = order.finish().map_err(failed)?;
        let (names, types) = self.shape.unwrap_or_default();
        Ok(Distinct::Spilled(SpilledObjects::selections(
            in_order, names, types,
        )))
    }
}
