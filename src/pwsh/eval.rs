//! Running the syntax tree: statements, pipelines (the output of one element is the input of
//! the next, arrays enumerated), expressions with `$_`, `$matches` and block-local
//! variables. Commands come from [`super::commands`] or, for the ones only the host knows
//! (Get-MessageTrackingLog), from the [`Host`].

use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;

use super::ast::{
    BinaryOp, Block, Command, Element, Expr, ExprKind, Pipeline, Span, Statement, StringPart,
    UnaryOp, VariableReads,
};
use super::commands;
use super::members;
use super::number::negate as negate_number;
use super::ops::{self, OpContext};
use super::parse::closest;
use super::runtime::KeyShare;
pub use super::runtime::{
    Bound, EvalError, EvalResult, Host, ParamSpec, Scope, bind, collapse, unroll,
};
use super::value::{Hashtable, Value};

#[cfg(test)]
thread_local! {
    /// How many times this thread's engines read their input again for another share of a
    /// grouping's keys (`Engine::fold_in_shares`).
    pub static SHARE_PASSES_IN_TESTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The running state: the host, operator state, `$_` and block-local variables.
pub struct Engine<'h> {
    /// Where the engine runs.
    pub host: &'h dyn Host,
    /// Operator state (`$matches`, compiled patterns, the culture).
    pub ops: OpContext<'static>,
    underscore: Vec<Value>,
    locals: Vec<Vec<(String, Value)>>,
    /// Variables the line assigns somewhere (lowercase): before their assignment they read
    /// as `$null`, as in PowerShell; any other unknown variable is an error.
    assigned: Vec<String>,
    /// Every read of a variable in the line (lowercase), with where it is.
    reads: VariableReads,
    /// The statement of the line whose output is shown (a pipeline at the top of the line),
    /// while it runs: only compared by address, never read through.
    shown: Option<*const Pipeline>,
    /// `$FormatEnumerationLimit` when the line ended (what the printers use).
    limit_at_end: Option<usize>,
    /// For each pipeline whose first command is running, innermost last: the elements after
    /// that command (what will see its output).
    after_first: Vec<Vec<Element>>,
    /// The line's last statement when it is a pipeline and no statement before it output
    /// anything: its output is the line's whole output (compared by address only).
    whole_output: Option<*const Pipeline>,
    /// True while the stages after the source of [`Engine::whole_output`] are planned and
    /// run ([`Scope::output_may_spill`]).
    spilling: bool,
    /// Groups too many to hold that are the line's output, written out in order
    /// ([`Engine::take_spilled_output`]).
    spilled_output: Option<commands::group_spill::SpilledObjects>,
    /// Whether the caller takes such output ([`Engine::taking_spilled_output`]).
    takes_spilled: bool,
}

/// The preference variable the formatter reads (lowercase).
const ENUMERATION_LIMIT: &str = "formatenumerationlimit";

impl<'h> Engine<'h> {
    /// An engine running in `host`.
    pub fn new(host: &'h dyn Host) -> Engine<'h> {
        let today = host.local_from_utc(host.now().naive_utc()).date();
        Engine {
            host,
            ops: OpContext {
                culture: host.culture(),
                matches: None,
                regexes: Default::default(),
                clock: ops::Clock {
                    today,
                    zone: host.zone(),
                },
            },
            underscore: Vec::new(),
            locals: Vec::new(),
            assigned: Vec::new(),
            reads: VariableReads::default(),
            shown: None,
            limit_at_end: Some(super::enumeration::EMS_ENUMERATION_LIMIT),
            after_first: Vec::new(),
            whole_output: None,
            spilling: false,
            spilled_output: None,
            takes_spilled: false,
        }
    }

    /// This engine, whose caller takes the line's output from [`Engine::take_spilled_output`]
    /// after [`Engine::run`] as well: only then may objects too many to hold be written out
    /// as the line's output.
    pub fn taking_spilled_output(mut self) -> Engine<'h> {
        self.takes_spilled = true;
        self
    }

    /// Groups that are the line's output, written out to temporary files because they were
    /// too many to hold; the output [`Engine::run`] gave is then empty.
    pub fn take_spilled_output(&mut self) -> Option<commands::group_spill::SpilledObjects> {
        self.spilled_output.take()
    }

    /// Today in the shell's zone.
    pub fn today(&self) -> NaiveDate {
        self.ops.clock.today
    }

    /// Runs a whole text's statements in a scope of the line; the output of every statement.
    /// A variable assigned but never read in the line is an error: the admin means to use it
    /// in a later command, which msgtrack will not run.
    pub fn run(&mut self, block: &Block) -> EvalResult<Vec<Value>> {
        (self.assigned, self.reads) = unread_assignment(block)?;
        refused_stage(block)?;
        super::across_stages::refused(block, &self.reads.0)?;
        self.locals.push(Vec::new());
        let mut out = Vec::new();
        let mut result = Ok(());
        let last = block.statements.len().saturating_sub(1);
        for (i, s) in block.statements.iter().enumerate() {
            // What a pipeline at the top of the line outputs is shown to the admin.
            self.shown = match s {
                Statement::Pipeline(p) => Some(p as *const Pipeline),
                _ => None,
            };
            self.whole_output = self
                .shown
                .filter(|_| self.takes_spilled && i == last && out.is_empty());
            match self.statement(s) {
                Ok(items) => out.extend(items),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.shown = None;
        self.whole_output = None;
        self.limit_at_end = Scope::enumeration_limit(self);
        self.locals.pop();
        result.map(|()| out)
    }

    /// `$FormatEnumerationLimit` as the line left it: how many elements of a collection the
    /// printers show in a table or list cell (`None`: all).
    pub fn enumeration_limit_at_end(&self) -> Option<usize> {
        self.limit_at_end
    }

    /// Runs `f` with `$_` set to `item` (script blocks of Where-Object, ForEach-Object, …).
    pub fn with_item<T>(&mut self, item: Value, f: impl FnOnce(&mut Self) -> T) -> T {
        self.underscore.push(item);
        let out = f(self);
        self.underscore.pop();
        out
    }

    /// Runs a script block's body with `$_` = `item` in the caller's scope, as PowerShell runs
    /// the blocks of ForEach-Object and Where-Object (`$n++` there counts across items).
    pub fn invoke_here(&mut self, block: &Block, item: Value) -> EvalResult<Vec<Value>> {
        self.underscore.push(item);
        let out = self.block(block);
        self.underscore.pop();
        out
    }

    /// Runs a script block's body with `$_` = `item`, in a scope of its own.
    pub fn invoke(&mut self, block: &Block, item: Value) -> EvalResult<Vec<Value>> {
        self.underscore.push(item);
        self.locals.push(Vec::new());
        let out = self.block(block);
        self.locals.pop();
        self.underscore.pop();
        out
    }

    fn block(&mut self, block: &Block) -> EvalResult<Vec<Value>> {
        let mut out = Vec::new();
        for s in &block.statements {
            out.extend(self.statement(s)?);
        }
        Ok(out)
    }

    fn statement(&mut self, s: &Statement) -> EvalResult<Vec<Value>> {
        match s {
            Statement::Pipeline(p) => self.pipeline(p, None),
            Statement::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    if collapse(self.pipeline(cond, None)?).truthy() {
                        return self.block(body);
                    }
                }
                match otherwise {
                    Some(b) => self.block(b),
                    None => Ok(Vec::new()),
                }
            }
            Statement::Assign {
                name,
                op,
                value,
                span,
            } => {
                let lower = name.to_ascii_lowercase();
                if super::runtime::automatic(&lower) {
                    return Err(EvalError::new(
                        format!("${name} cannot be assigned"),
                        span.clone(),
                    ));
                }
                // A variable never set is $null: `$n++` counts from 1, as in PowerShell.
                let current = self.local(&lower);
                let new = match (op.as_str(), value) {
                    ("=", Some(v)) => self.captured(v)?,
                    ("++", None) | ("--", None) => {
                        let delta = if op == "++" {
                            BinaryOp::Add
                        } else {
                            BinaryOp::Sub
                        };
                        ops::arithmetic(delta, &current.unwrap_or(Value::Null), &Value::Int(1))
                            .map_err(|m| EvalError::new(m, span.clone()))?
                    }
                    (compound, Some(v)) => {
                        let rhs = self.captured(v)?;
                        let binop = match compound {
                            "+=" => BinaryOp::Add,
                            "-=" => BinaryOp::Sub,
                            "*=" => BinaryOp::Mul,
                            _ => BinaryOp::Div,
                        };
                        ops::arithmetic(binop, &current.unwrap_or(Value::Null), &rhs)
                            .map_err(|m| EvalError::new(m, span.clone()))?
                    }
                    _ => Value::Null,
                };
                if let Some(scope) = self.locals.last_mut() {
                    scope.retain(|(n, _)| n != &lower);
                    scope.push((lower, new));
                }
                Ok(Vec::new())
            }
        }
    }

    /// The value of a pipeline in parentheses or assigned: a pipeline of one expression is
    /// that expression's value, not enumerated (`('ab' -split '@')[0]` is 'ab', a one-element
    /// array; `$a = ,'pq'` keeps the array), as the shell compiles a pure expression as itself
    /// (Compiler.CaptureStatementResultsHelper); the output of commands is collected, one
    /// item as itself.
    fn captured(&mut self, p: &Pipeline) -> EvalResult<Value> {
        match p.elements.as_slice() {
            [Element::Expr(e)] if p.redirect.is_none() => self.expr(e),
            _ => Ok(collapse(self.pipeline(p, None)?)),
        }
    }

    fn local(&self, lower: &str) -> Option<Value> {
        self.locals
            .iter()
            .rev()
            .flat_map(|s| s.iter())
            .find(|(n, _)| n == lower)
            .map(|(_, v)| v.clone())
    }

    /// Runs a pipeline; `input` feeds its first element when it is a command.
    pub fn pipeline(&mut self, p: &Pipeline, input: Option<Vec<Value>>) -> EvalResult<Vec<Value>> {
        if let Some(out) = self.folded_group_read(p) {
            return out;
        }
        let mut stream: Option<Vec<Value>> = input;
        let mut skip = 0;
        // Where the host's command read, when its output was taken whole.
        let mut read_at = None;
        for (i, element) in p.elements.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            // A host's command (the log reader), first or fed by the stages before it
            // (`Get-TransportService | Get-MessageTrackingLog`): the stages after it that
            // take its output in pieces get it so.
            if let Element::Command(c) = element
                && commands::canonical(&c.name).is_none()
            {
                let input = stream.take().unwrap_or_default();
                let after = &p.elements[i + 1..];
                let shown = self.shown_elements(p);
                // Its output may reach the line's output from temporary files when it is
                // the whole of it (written by the host, not by `>`).
                self.spilling = p.redirect.is_none()
                    && self.whole_output.is_some_and(|top| std::ptr::eq(top, p));
                let streamed = self.streamed(c, &input, after, shown);
                self.spilling = false;
                if let Some((out, covered)) = streamed? {
                    stream = Some(out);
                    skip = covered;
                    continue;
                }
                // The host may read what follows its command (Where-Object conditions it
                // can test while reading).
                self.after_first.push(after.to_vec());
                let out = self.command(c, input);
                self.after_first.pop();
                stream = Some(out?);
                read_at = Some(i);
                continue;
            }
            // A Select-Object -First that got its N objects from the host's read, through
            // stages that pass each object on as it comes: the shell stops the read there.
            // (A host's command between takes every object first too.)
            if let (Some(at), Element::Command(c)) = (read_at, element)
                && let Some(n) = super::across_stages::stops_after(c)
                && p.elements[at + 1..i].iter().all(|e| {
                    matches!(e, Element::Command(c) if commands::canonical(&c.name).is_some()
                        && !super::across_stages::takes_every_object_first(c)
                        && !super::across_stages::outputs_at_end(c))
                })
                && stream.as_ref().is_some_and(|input| input.len() >= n)
            {
                self.host.stopped_downstream();
            }
            stream = Some(match element {
                Element::Expr(e) => unroll(self.expr(e)?),
                // A sort whose first N alone go on: those N, without sorting the rest.
                Element::Command(c) => match first_taken(c, p.elements.get(i + 1)) {
                    Some(n) => commands::sort::sort_object_first(
                        self,
                        c,
                        stream.take().unwrap_or_default(),
                        n,
                    )?,
                    None => self.command(c, stream.take().unwrap_or_default())?,
                },
            });
        }
        let out = stream.unwrap_or_default();
        if let Some(r) = &p.redirect {
            let target = self.expr(&r.target)?.to_text();
            // As Out-File writes it: Windows line ends.
            let table = self.host.text_table();
            let text =
                commands::windows_line_ends(&commands::out_string(self, &out, None, &table)?);
            drop(out);
            let (bom, body) = commands::encode_text(&text, "unicode")
                .map_err(|m| EvalError::new(m, r.span.clone()))?;
            drop(text);
            self.host
                .write_file(&target, &bom, &body, r.append, &r.span)?;
            return Ok(Vec::new());
        }
        Ok(out)
    }

    /// `(…).Count` (or `@(…).Count`) of a line that outputs events: Get-MessageTrackingLog
    /// (perhaps fed by Get-TransportService) then pure Where-Object stages, or groups of
    /// them (a Group-Object last: the count of groups, or one group's Count). An
    /// event has no Count property of its own, so the count is how many came, whether one
    /// or none: the line is run with a Measure-Object at its end, which counts the events as
    /// they are read instead of gathering them (every event of a store, otherwise). `None`
    /// for anything else.
    fn counted(&mut self, target: &Expr, name: &str) -> Option<EvalResult<Value>> {
        if !name.eq_ignore_ascii_case("Count") {
            return None;
        }
        let p = target.inner_pipeline()?;
        let commands: Vec<&Command> = p
            .elements
            .iter()
            .map(|e| match e {
                Element::Command(c) => Some(c),
                Element::Expr(_) => None,
            })
            .collect::<Option<_>>()?;
        let source = commands
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case("Get-MessageTrackingLog"))?;
        let fed_by_servers = commands[..source]
            .iter()
            .all(|c| commands::lists_servers(&c.name));
        // Or of groups: a Group-Object last (not -AsHashTable, one table whatever its keys).
        let grouped = commands.len() > source + 1
            && commands.last().is_some_and(|c| {
                commands::canonical(&c.name) == Some("Group-Object")
                    && crate::pwsh::runtime::bind(c, &commands::group::GROUP_PARAMS)
                        .is_ok_and(|b| !b.has("AsHashTable"))
            });
        let filtered = &commands[source + 1..commands.len() - usize::from(grouped)];
        let filters = filtered.iter().all(|c| {
            commands::canonical(&c.name) == Some("Where-Object") && commands::stream::pure(c)
        });
        if p.redirect.is_some() || source > 1 || !fed_by_servers || !filters {
            return None;
        }
        // Groups are counted as they are made, without their elements; one group's Count is
        // its elements' (the property of the one object, not the count of objects), which
        // the sum of the groups' Counts then is.
        let text = if grouped {
            "Measure-Object Count -Sum"
        } else {
            "Measure-Object"
        };
        let Ok(measure) = crate::pwsh::parse::parse(text) else {
            return None;
        };
        let [Statement::Pipeline(m)] = measure.statements.as_slice() else {
            return None;
        };
        let mut line = p.clone();
        line.elements.extend(m.elements.iter().cloned());
        // `@(…)` is an array even of one group.
        let array = matches!(target.kind, ExprKind::ArraySub(_));
        let no_count = || EvalError::new("Measure-Object gave no count", target.span.clone());
        Some(
            self.pipeline(&line, None)
                .and_then(|out| match out.as_slice() {
                    // No group: `$null.Count`.
                    [] if grouped => Ok(Value::Int(0)),
                    [Value::Object(o)] => match o.property("Count") {
                        Some(Value::Int(1)) if grouped && !array => match o.property("Sum") {
                            Some(Value::Double(sum)) => Ok(Value::Int(sum as i32)),
                            _ => Err(no_count()),
                        },
                        count => count.ok_or_else(no_count),
                    },
                    _ => Err(no_count()),
                }),
        )
    }

    /// The output of `p` when it is a read `$_.Group | …` of a group whose elements were not
    /// kept but folded through `p`'s stages as they came (see `commands::group_reads`).
    fn folded_group_read(&self, p: &Pipeline) -> Option<EvalResult<Vec<Value>>> {
        commands::group_reads::group_head(p)?;
        let Some(Value::Object(o)) = self.underscore.last() else {
            return None;
        };
        o.as_any()?
            .downcast_ref::<commands::group::GroupInfo>()?
            .folded(p)
    }

    /// How many elements of a collection in the output of `p` tell what is seen of it, when
    /// `p` is the line's statement being shown and nothing else reads it: one more than
    /// `$FormatEnumerationLimit` when it is shown as text (a table or a list on the admin's
    /// screen, or a file written by `>`: the cell ends in `...` when there are more), none
    /// when it is written as CSV with no Format cmdlet (a collection of objects is then
    /// written by its type name), all (`usize::MAX`) otherwise (JSON). `None` when the
    /// output is not shown but read.
    fn shown_elements(&self, p: &Pipeline) -> Option<usize> {
        if !self.shown.is_some_and(|top| std::ptr::eq(top, p)) {
            return None;
        }
        if self.host.shows_text() || p.redirect.is_some() {
            return Some(
                Scope::enumeration_limit(self).map_or(usize::MAX, |n| n.saturating_add(1)),
            );
        }
        let formats = p.elements.iter().any(|e| {
            matches!(e, Element::Command(c) if matches!(
                commands::canonical(&c.name),
                Some("Format-Table" | "Format-List" | "Format-Wide" | "Out-String")
            ))
        });
        Some(if self.host.shows_csv() && !formats {
            0
        } else {
            usize::MAX
        })
    }

    /// Runs a host's command (given `input`, what the stages before it output) and the
    /// stages after it that take its output in pieces, when the host streams that command:
    /// their output and how many stages after the command they covered. `None` when it does not stream. `shown_elements`: how many
    /// elements of a collection in the output are seen (see [`Engine::shown_elements`]).
    fn streamed(
        &mut self,
        c: &Command,
        input: &[Value],
        after: &[Element],
        shown_elements: Option<usize>,
    ) -> EvalResult<Option<(Vec<Value>, usize)>> {
        if commands::canonical(&c.name).is_some() {
            return Ok(None);
        }
        // (Read now: a pipeline run while the stream is fed sets it for its own.)
        let spilling = self.spilling;
        let stages: Vec<&Command> = after
            .iter()
            .map_while(|e| match e {
                Element::Command(c) => Some(c),
                Element::Expr(_) => None,
            })
            .collect();
        // Stages whose parameters are wrong run the usual way, so errors come in pipeline
        // order (the source's first).
        // Elements beyond what the shell would show of a group need not be kept when the
        // output is shown and the stages after the groups only sort, select or format them.
        for tracking in [true, false] {
            let Some((mut stream, covered)) =
                commands::stream::plan_with(self, &stages, shown_elements, tracking)
                    .ok()
                    .flatten()
            else {
                return Ok(None);
            };
            let host = self.host;
            // A read that only tells how many rows the line reads: only a sort's firsts of
            // few keys are worth streaming, and past a number of keys the read is undone.
            let held = host.firsts_held();
            if held.is_some() && !stream.hold_firsts(held) {
                return Ok(None);
            }
            // Groups folding reads of their elements, each made into the line's output on its
            // own: made a share of their keys at a time when too many to hold.
            // (How many stages after the groups make objects of each, the rest picking.)
            let shared = (spilling && held.is_none() && stages.len() == after.len())
                .then(|| commands::stream::each_on_its_own_then_picks(self, &stages[covered..]))
                .flatten()
                // (Groups made of values expanded from the events are not grouped again a
                // share at a time: their places do not leave room for what each makes.)
                .filter(|&mapped| {
                    !stream.expands()
                        || commands::stream::grouped_next(&stages[covered + mapped..]).is_none()
                })
                .filter(|_| {
                    stream.share_from(
                        (0, commands::group::SHARE_END),
                        commands::group_spill::groups_shared(),
                    )
                });
            let keys = stream.keys();
            let wants_text = !stream.text_properties().is_empty();
            if held.is_some() {
                host.repeat_begins();
            }
            let streamed = self.feed_from_host(c, input, after, &mut stream, keys);
            if held.is_some() && matches!(streamed, Some(Err(_))) && stream.too_many_firsts() {
                host.repeat_ends();
                return Ok(None);
            }
            match streamed {
                // The host does not give those properties as text: without telling which
                // selections came before.
                None if wants_text => continue,
                None => return Ok(None),
                Some(result) => {
                    result?;
                    let later = stream.later();
                    let pass = Pass {
                        c,
                        input,
                        after,
                        stages: &stages,
                        shown: shown_elements,
                        tracking,
                    };
                    // (Also when one share held every group, if what they make can be
                    // written out and their items are more than the objects held at a time:
                    // made group by group, not held all at once.)
                    let many = || {
                        self.host.event_form().is_some()
                            && stream.group_items() > commands::group_spill::groups_held()
                    };
                    if let Some(mapped) = shared
                        && stream
                            .share_end()
                            .is_some_and(|end| end < commands::group::SHARE_END || many())
                    {
                        return self
                            .fold_in_shares(&pass, covered, mapped, stream)
                            .map(Some);
                    }
                    // Groups too many to hold were written out: picked a chunk at a time.
                    if let Some(parts) = stream.spilled() {
                        let chunks = stream.finish_in_chunks()?;
                        let running = &stages[covered..covered + parts.stages()];
                        // Filtered (and sorted by Count or Name, and selected) up to the
                        // line's output: written out in order, not held.
                        let ordered = match parts {
                            commands::stream::InParts::Filters(n) => Some((n, None, None, 0)),
                            commands::stream::InParts::Ordered {
                                filters,
                                sorted,
                                select_at,
                                mapped,
                            } => Some((filters, sorted, select_at, mapped)),
                            _ => None,
                        };
                        if let Some((filters, sorted, select_at, mapped)) = ordered
                            && spilling
                            && later.is_none()
                            && covered + parts.stages() == after.len()
                        {
                            let group = stages.get(covered.wrapping_sub(1)).unwrap_or(&c);
                            let mut groups = self.filter_in_chunks(
                                &running[..filters],
                                chunks,
                                &group.span,
                                sorted,
                            )?;
                            if let Some(select) = select_at.and_then(|at| running.get(at)) {
                                let specs =
                                    commands::stream::group_names_selected(self, select)
                                        .ok_or_else(|| {
                                            EvalError::new(
                                                "this Select-Object cannot be made again from groups written out",
                                                select.span.clone(),
                                            )
                                        })?;
                                groups = groups.selected(specs);
                            }
                            if mapped > 0 {
                                let tail = &running[running.len() - mapped..];
                                match self.map_in_chunks(tail, &groups, &group.span)? {
                                    Ok(objects) => groups = objects,
                                    Err(held) => return Ok(Some((held, after.len()))),
                                }
                            }
                            self.spilled_output = Some(groups);
                            return Ok(Some((Vec::new(), after.len())));
                        }
                        let out = self.run_in_chunks(parts, running, chunks)?;
                        let out = match later {
                            Some(_) => self.elements_later(&pass, out)?,
                            None => out,
                        };
                        return Ok(Some((out, covered + parts.stages())));
                    }
                    // The line's whole output: what was written out in order stays there.
                    let out = if spilling && later.is_none() && covered == after.len() {
                        match stream.finish_as_output(self)? {
                            Ok(objects) => {
                                self.spilled_output = Some(objects);
                                return Ok(Some((Vec::new(), covered)));
                            }
                            Err(out) => out,
                        }
                    } else {
                        stream.finish(self)?
                    };
                    let Some((_, through)) = later else {
                        return Ok(Some((out, covered)));
                    };
                    let mut out = out;
                    for stage in &stages[covered..covered + through] {
                        out = self.command(stage, out)?;
                    }
                    let out = self.elements_later(&pass, out)?;
                    return Ok(Some((out, covered + through)));
                }
            }
        }
        Ok(None)
    }

    /// The output of `stages` over all the groups of `chunks` (groups written out, see
    /// `commands::stream::Stream::spilled`), run a chunk at a time as `parts` says: stages
    /// that pick some groups, filters alone, or filters then a measure.
    fn run_in_chunks(
        &mut self,
        parts: commands::stream::InParts,
        stages: &[&Command],
        chunks: impl Iterator<Item = EvalResult<Vec<(commands::stream::Order, Value)>>>,
    ) -> EvalResult<Vec<Value>> {
        use commands::stream::InParts;
        let (filters, measure) = match parts {
            InParts::Picks(_) => return self.pick_in_chunks(stages, None, chunks),
            InParts::PicksSelected(n) => {
                let (picking, select) = stages.split_at(n.saturating_sub(1));
                return self.pick_in_chunks(picking, select.first().copied(), chunks);
            }
            InParts::Filters(n) => (n, None),
            InParts::Measured(n) => (n, stages.get(n).copied()),
            // (Not the line's output after all: the groups kept, then the sort and the
            // selection, as they run.)
            InParts::Ordered { filters, .. } => {
                let mut out = self.run_in_chunks(InParts::Filters(filters), stages, chunks)?;
                for stage in &stages[filters..] {
                    out = self.command(stage, out)?;
                }
                return Ok(out);
            }
        };
        let mut measuring = match measure {
            Some(m) => Some(commands::measure::streaming(self, m)?.ok_or_else(|| {
                EvalError::new("this Measure-Object needs its whole input", m.span.clone())
            })?),
            None => None,
        };
        let mut kept: Vec<(commands::stream::Order, Value)> = Vec::new();
        for chunk in chunks {
            let placed = self.run_placed(&stages[..filters], chunk?)?;
            match &mut measuring {
                Some(m) => {
                    for (at, v) in placed {
                        m.add(self, v, at, 1)?;
                    }
                }
                None => kept.extend(placed),
            }
        }
        if let (Some(m), Some(c)) = (measuring, measure) {
            return m.finish(self, c);
        }
        kept.sort_by_key(|(first, _)| *first);
        Ok(kept.into_iter().map(|(_, v)| v).collect())
    }

    /// The output of a line whose groups fold reads of their elements and are each made into
    /// output on their own (`Group-Object MessageId | Select-Object Name, @{n='Bytes';
    /// e={($_.Group | Measure-Object TotalBytes -Sum).Sum}}`), when they were too many to
    /// hold: `first` made the first share of the keys ([`commands::stream::Stream::share_from`]),
    /// and the first `mapped` stages after them make objects of each group on its own;
    /// each further pass reads the input again for the next share, until every key is made.
    /// Each share's groups go through the stages after them one by one, and what they output
    /// is written out in the order of the groups' first items (held when not plain), or, when
    /// the last stages pick a few (`| Sort-Object Bytes -Descending | Select-Object -First
    /// 10`), picked with the picks so far.
    fn fold_in_shares(
        &mut self,
        pass: &Pass<'_>,
        covered: usize,
        mapped: usize,
        first: commands::stream::Stream<'_>,
    ) -> EvalResult<(Vec<Value>, usize)> {
        let c = pass.c;
        let failed = |e: std::io::Error| {
            EvalError::new(
                commands::group_spill::temporary_failure("Group-Object: writing objects to", &e),
                c.span.clone(),
            )
        };
        let unread = || EvalError::new("the groups could not be read again", c.span.clone());
        let (mapping, picking) = pass.stages[covered..].split_at(mapped);
        // The last stage may measure what the groups make, as it comes.
        let measure = commands::stream::measure_last(picking);
        let mut measuring = match measure {
            Some(m) => Some(commands::measure::streaming(self, m)?.ok_or_else(|| {
                EvalError::new("this Measure-Object needs its whole input", m.span.clone())
            })?),
            None => None,
        };
        // Or group it without elements, the stages after those groups run as usual.
        let grouped = commands::stream::grouped_next(picking);
        let mut grouping = match grouped {
            Some(g) => Some(
                commands::group::streaming(self, g, Some(0), false, false, None, false)?
                    .ok_or_else(|| {
                        EvalError::new("this Group-Object needs its whole input", g.span.clone())
                    })?,
            ),
            None => None,
        };
        let form = self.host.event_form();
        let written_out = form.is_some();
        let mut placed = commands::object_spill::PlacedRuns::new(form);
        let mut picked: Vec<(commands::stream::Order, Value)> = Vec::new();
        let mut end = first.share_end().unwrap_or(commands::group::SHARE_END);
        let mut groups = first.finish_placed(self)?;
        // Each pass starts from a share as wide as the last one that fitted (less is made
        // again when it does not).
        let mut width = end;
        loop {
            // Written out as each group makes them, when nothing else takes them: a share of
            // every group makes every object of the answer. (Held, or taken by other stages,
            // the events among them are copied out of the share's batches together first.)
            if written_out && measuring.is_none() && grouping.is_none() && picking.is_empty() {
                for (at, group) in groups {
                    for (i, v) in self.output_of(mapping, group)?.into_iter().enumerate() {
                        placed.push((at, i as u32), v).map_err(failed)?;
                    }
                }
                placed.end_run().map_err(failed)?;
            } else {
                let mut outputs = self.outputs_of(mapping, groups)?;
                // Events among them (`$_.Group | Select-Object -First 1`), held here, copied out
                // of the share's batches, which can then go.
                let mut events: Vec<&mut Value> = outputs.iter_mut().map(|(_, v)| v).collect();
                self.host.detach(&mut events);
                if let Some(m) = &mut measuring {
                    for (((time, seq), j), v) in outputs {
                        m.add(self, v, (time, seq + u64::from(j)), 1)?;
                    }
                } else if let Some(g) = &mut grouping {
                    // Each output at its group's place then its own: the groups' places are
                    // events' (no value expanded before the groups), spaced `EXPANDED` apart, so
                    // the j-th output of a group goes j after it and before the next group's.
                    let spaced = commands::stream::EXPANDED;
                    for (((time, seq), j), v) in outputs {
                        let j = u64::from(j);
                        let at = (seq % spaced == 0 && j < spaced)
                            .then_some((time, seq + j))
                            .ok_or_else(|| {
                                EvalError::new(
                                    "too many objects from one group to group a share at a time",
                                    c.span.clone(),
                                )
                            })?;
                        g.add(self, &v, at, 1)?;
                    }
                } else if picking.is_empty() {
                    for (at, v) in outputs {
                        placed.push(at, v).map_err(failed)?;
                    }
                    placed.end_run().map_err(failed)?;
                } else {
                    let more = outputs
                        .into_iter()
                        .map(|(((time, seq), j), v)| ((time, seq + u64::from(j)), v))
                        .collect();
                    picked = self.pick_round(picking, None, std::mem::take(&mut picked), more)?;
                }
            }
            if end >= commands::group::SHARE_END {
                break;
            }
            let planned =
                commands::stream::plan_with(self, pass.stages, pass.shown, pass.tracking)?;
            let Some((mut stream, _)) = planned.filter(|(_, n)| *n == covered) else {
                return Err(unread());
            };
            // What the groups make is held when it is not plain (events, groups): the rest of
            // the keys are then made in one more pass, holding their groups, rather than in
            // many passes each holding what the one before made (and reading every column of
            // the input again each time).
            let (range, shared) = if placed.holds() {
                ((end, commands::group::SHARE_END), (usize::MAX, None))
            } else {
                (
                    (end, end.saturating_add(width)),
                    commands::group_spill::groups_shared(),
                )
            };
            if !stream.share_from(range, shared) {
                return Err(unread());
            }
            let keys = stream.keys();
            #[cfg(test)]
            SHARE_PASSES_IN_TESTS.set(SHARE_PASSES_IN_TESTS.get() + 1);
            self.read_again(pass, &mut stream, keys)
                .ok_or_else(unread)??;
            let start = end;
            end = stream.share_end().unwrap_or(commands::group::SHARE_END);
            width = end - start;
            // The pass's batches and groups are gone: their pages go back before the next.
            crate::memory::give_back_free_memory();
            groups = stream.finish_placed(self)?;
        }
        if let (Some(m), Some(c)) = (measuring, measure) {
            return Ok((m.finish(self, c)?, pass.after.len()));
        }
        if let Some(g) = grouping {
            let groups = g.finish().map(|g| Value::Object(Rc::new(g))).collect();
            return Ok((groups, covered + mapped + 1));
        }
        if !picking.is_empty() {
            let out = self.picks_made(picking, None, picked)?;
            return Ok((out, pass.after.len()));
        }
        match placed.finish().map_err(failed)? {
            Ok(objects) if objects.len() > 0 => {
                self.spilled_output = Some(commands::group_spill::SpilledObjects::plain(objects));
                Ok((Vec::new(), pass.after.len()))
            }
            Ok(_) => Ok((Vec::new(), pass.after.len())),
            Err(held) => Ok((held, pass.after.len())),
        }
    }

    /// What `stages` (each taking objects one at a time) give of each of `groups` on its
    /// own, each output at its group's place and its own index.
    fn outputs_of(
        &mut self,
        stages: &[&Command],
        groups: Vec<(commands::stream::Order, Value)>,
    ) -> EvalResult<Vec<(commands::object_spill::Place, Value)>> {
        let mut placed = Vec::new();
        for (at, group) in groups {
            let out = self.output_of(stages, group)?;
            placed.extend(
                out.into_iter()
                    .enumerate()
                    .map(|(i, v)| ((at, i as u32), v)),
            );
        }
        Ok(placed)
    }

    /// What `stages` (each taking objects one at a time) give of `group` on its own.
    fn output_of(&mut self, stages: &[&Command], group: Value) -> EvalResult<Vec<Value>> {
        let mut out = vec![group];
        for stage in stages {
            out = self.command(stage, out)?;
        }
        Ok(out)
    }

    /// What `stages` (each taking objects one at a time, see `commands::stream::InParts`)
    /// make of `objects` (groups written out, in order), run a chunk at a time: written out
    /// in order when every object they make is plain (`commands::object_spill`), else held
    /// (`Err`). `span`: the Group-Object's, for errors.
    fn map_in_chunks(
        &mut self,
        stages: &[&Command],
        objects: &commands::group_spill::SpilledObjects,
        span: &crate::pwsh::ast::Span,
    ) -> EvalResult<Result<commands::group_spill::SpilledObjects, Vec<Value>>> {
        // As many objects at a time as groups are held.
        let chunk_len = commands::group_spill::groups_held();
        let read_failed =
            |e: std::io::Error| EvalError::new(objects.read_back_failure(&e), span.clone());
        let write_failed = |e: std::io::Error| {
            EvalError::new(
                commands::group_spill::temporary_failure("writing objects to", &e),
                span.clone(),
            )
        };
        let mut written = Some(
            commands::object_spill::PlainObjects::new(self.host.event_form())
                .map_err(write_failed)?,
        );
        let mut held: Vec<Value> = Vec::new();
        let mut groups = objects.objects().map_err(read_failed)?;
        loop {
            let chunk = groups
                .by_ref()
                .take(chunk_len)
                .collect::<std::io::Result<Vec<Value>>>()
                .map_err(read_failed)?;
            if chunk.is_empty() {
                break;
            }
            let mut out = chunk;
            for stage in stages {
                out = self.command(stage, out)?;
            }
            for v in out {
                let Some(w) = written.as_mut() else {
                    held.push(v);
                    continue;
                };
                if !w.push(&v).map_err(write_failed)? {
                    // Not plain: every object is held instead, those written first.
                    if let Some(w) = written.take() {
                        held = w
                            .finish()
                            .map_err(write_failed)?
                            .held()
                            .map_err(read_failed)?;
                    }
                    held.push(v);
                }
            }
        }
        match written {
            Some(w) => Ok(Ok(commands::group_spill::SpilledObjects::plain(
                w.finish().map_err(write_failed)?,
            ))),
            None => Ok(Err(held)),
        }
    }

    /// The groups of `chunks` (groups written out) that the Where-Object filters `filters`
    /// keep, put in the order of their first items (or, `sorted`, sorted so) in a temporary
    /// file: the line's output (see
    /// [`Engine::take_spilled_output`]). `span`: the Group-Object's, for errors.
    fn filter_in_chunks(
        &mut self,
        filters: &[&Command],
        chunks: impl Iterator<Item = EvalResult<Vec<(commands::stream::Order, Value)>>>,
        span: &crate::pwsh::ast::Span,
        sorted: Option<commands::group_spill::GroupOrder>,
    ) -> EvalResult<commands::group_spill::SpilledObjects> {
        let mut kept = commands::group::GroupsInOrder::new(span.clone(), sorted);
        for chunk in chunks {
            for (at, v) in self.run_placed(filters, chunk?)? {
                if !kept.push(at, &v)? {
                    return Err(EvalError::new(
                        "Group-Object: a group written out came back changed by the stages after it",
                        span.clone(),
                    ));
                }
            }
        }
        kept.finish()
    }

    /// What `stages` give of `items` (groups, each with the place of its first item) put in
    /// the order of those places, each with its place again: found by the object, as the
    /// stages pass the groups through.
    fn run_placed(
        &mut self,
        stages: &[&Command],
        mut items: Vec<(commands::stream::Order, Value)>,
    ) -> EvalResult<Vec<(commands::stream::Order, Value)>> {
        items.sort_by_key(|(first, _)| *first);
        let places: HashMap<usize, commands::stream::Order> = items
            .iter()
            .filter_map(|(first, v)| object_address(v).map(|a| (a, *first)))
            .collect();
        let mut out: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
        for stage in stages {
            out = self.command(stage, out)?;
        }
        Ok(out
            .into_iter()
            .filter_map(|v| object_address(&v).and_then(|a| places.get(&a).map(|f| (*f, v))))
            .collect())
    }

    /// The groups that the stages `picking` pick from all of `chunks` (see
    /// `commands::stream::Stream::spilled`): the stages run over each chunk together with
    /// the picks so far (merged in the order of the groups' first items, the order the
    /// stages would see them in), then once over the last picks.
    ///
    /// With `select` (a `Select-Object -First N <properties>` after them), each round's
    /// picks are the first (last) N of what the stages give, and the selection is made of
    /// the last picks.
    fn pick_in_chunks(
        &mut self,
        picking: &[&Command],
        select: Option<&Command>,
        chunks: impl Iterator<Item = EvalResult<Vec<(commands::stream::Order, Value)>>>,
    ) -> EvalResult<Vec<Value>> {
        let cut = match select {
            Some(c) => commands::select::first_or_last(self, c)?,
            None => None,
        };
        let mut picked: Vec<(commands::stream::Order, Value)> = Vec::new();
        for chunk in chunks {
            picked = self.pick_round(picking, cut, picked, chunk?)?;
        }
        self.picks_made(picking, select, picked)
    }

    /// One round of picks: what `picking` keeps of the picks so far and `more` together (in
    /// the order of their places, as the stages would see them), cut to the first (`true`)
    /// or last N when `cut` says, put back in the order of their places.
    fn pick_round(
        &mut self,
        picking: &[&Command],
        cut: Option<(bool, usize)>,
        mut picked: Vec<(commands::stream::Order, Value)>,
        more: Vec<(commands::stream::Order, Value)>,
    ) -> EvalResult<Vec<(commands::stream::Order, Value)>> {
        picked.extend(more);
        let mut picked = self.run_placed(picking, picked)?;
        match cut {
            Some((true, n)) => picked.truncate(n),
            Some((false, n)) => {
                let from = picked.len().saturating_sub(n);
                picked.drain(..from);
            }
            None => {}
        }
        picked.sort_by_key(|(first, _)| *first);
        Ok(picked)
    }

    /// What `picking` (then `select`) give of the last picks: the picks' output.
    fn picks_made(
        &mut self,
        picking: &[&Command],
        select: Option<&Command>,
        picked: Vec<(commands::stream::Order, Value)>,
    ) -> EvalResult<Vec<Value>> {
        let mut out: Vec<Value> = picked.into_iter().map(|(_, v)| v).collect();
        for stage in picking.iter().chain(select.as_slice()) {
            out = self.command(stage, out)?;
        }
        Ok(out)
    }

    /// Groups made without their elements (see `commands::stream::Stream::later`), as the
    /// stages after them picked and ordered them: the host's command `c` is read again
    /// through `stages` (planned as the first pass was), keeping the first elements of only
    /// these groups, and those are given back with them.
    fn elements_later(&mut self, pass: &Pass<'_>, out: Vec<Value>) -> EvalResult<Vec<Value>> {
        let c = pass.c;
        if out.is_empty() {
            return Ok(out);
        }
        let unread = || {
            EvalError::new(
                "the groups' elements could not be read again",
                c.span.clone(),
            )
        };
        let planned = commands::stream::plan_with(self, pass.stages, pass.shown, pass.tracking)?;
        let Some((mut stream, _)) = planned else {
            return Err(unread());
        };
        stream.restrict(&out);
        self.read_again(pass, &mut stream, None)
            .ok_or_else(unread)??;
        Ok(stream.fill(out))
    }

    /// Reads the host's command of `pass` again into `stream` (planned as the first read
    /// was), as a repeat of that read (see `Host::repeat_begins`); `keys` as
    /// `commands::stream::Stream::keys` says. `None` when the host does not stream it.
    fn read_again(
        &mut self,
        pass: &Pass<'_>,
        stream: &mut commands::stream::Stream<'_>,
        keys: Option<Vec<String>>,
    ) -> Option<EvalResult<()>> {
        let host = self.host;
        host.repeat_begins();
        let read = self.feed_from_host(pass.c, pass.input, pass.after, stream, keys);
        host.repeat_ends();
        read
    }

    /// Has the host run its command `c` (given `input`; `after`: the pipeline's elements after
    /// it) and feed its output to `stream` batch by batch, asking for what the stream needs:
    /// `keys` ([`commands::stream::Stream::keys`]), its text properties, and the share of
    /// keys it makes its groups of. `None` when the host does not stream `c`.
    fn feed_from_host(
        &mut self,
        c: &Command,
        input: &[Value],
        after: &[Element],
        stream: &mut commands::stream::Stream<'_>,
        keys: Option<Vec<String>>,
    ) -> Option<EvalResult<()>> {
        let text = stream.text_properties();
        let share = stream.share_of_text();
        let share = share.map(|(property, holds)| (property, std::sync::Arc::new(holds)));
        let share = share.as_ref().map(|(property, holds)| KeyShare {
            property,
            holds: holds.clone(),
        });
        let host = self.host;
        let mut feed =
            |engine: &mut dyn Scope, batch: Vec<commands::stream::Item>| stream.feed(engine, batch);
        self.after_first.push(after.to_vec());
        let read = host.stream(
            self,
            c,
            input,
            keys.as_deref(),
            &text,
            share.as_ref(),
            &mut feed,
        );
        self.after_first.pop();
        read
    }

    fn command(&mut self, c: &Command, input: Vec<Value>) -> EvalResult<Vec<Value>> {
        // (The input goes to the engine's command or the host's, never copied: it may be
        // every event.)
        if commands::runs(&c.name) {
            if let Some(result) = commands::run(self, c, input) {
                return result;
            }
            return Err(EvalError::new(
                format!("{} is not a command msgtrack runs", c.name),
                c.name_span.clone(),
            ));
        }
        if let Some(result) = self.host.command(self, c, input) {
            return result;
        }
        let known = commands::names();
        Err(EvalError::new(
            format!("{} is not a command msgtrack runs", c.name),
            c.name_span.clone(),
        )
        .suggest(closest(&c.name, known.iter().copied()).map(str::to_string)))
    }

    /// Evaluates an argument of a command (bare words are text or numbers already).
    pub fn arg_value(&mut self, e: &Expr) -> EvalResult<Value> {
        self.expr(e)
    }

    /// Evaluates an expression.
    pub fn expr(&mut self, e: &Expr) -> EvalResult<Value> {
        let err = |m: String| EvalError::new(m, e.span.clone());
        Ok(match &e.kind {
            ExprKind::Number(n) => Value::number(*n),
            ExprKind::Str(s) => Value::str(s),
            ExprKind::Expandable(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StringPart::Text(t) => s.push_str(t),
                        StringPart::Expr(x) => s.push_str(&self.expr(x)?.to_text()),
                    }
                }
                Value::str(s)
            }
            ExprKind::Variable(name) => self.variable(name, &e.span)?,
            ExprKind::Member {
                target,
                name,
                is_static,
            } => {
                if *is_static {
                    let ExprKind::Type(ty) = &target.kind else {
                        return Err(err("'::' needs a type before it ([datetime]::Today)".into()));
                    };
                    members::static_member(self, ty, name, &e.span)?
                } else if let Some(count) = self.counted(target, name) {
                    count?
                } else {
                    let v = self.expr(target)?;
                    members::member(&v, name, &e.span)?
                }
            }
            ExprKind::Method {
                target,
                name,
                args,
                is_static,
            } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.expr(a)?);
                }
                if *is_static {
                    let ExprKind::Type(ty) = &target.kind else {
                        return Err(err("'::' needs a type before it".into()));
                    };
                    members::static_call(self, ty, name, values, &e.span)?
                } else {
                    let v = self.expr(target)?;
                    members::call(self, &v, name, values, &e.span)?
                }
            }
            ExprKind::Index { target, index } => {
                let v = self.expr(target)?;
                let i = self.expr(index)?;
                members::index(&v, &i).map_err(err)?
            }
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand)?;
                match op {
                    UnaryOp::Not => Value::Bool(!v.truthy()),
                    UnaryOp::Negate => match (&operand.kind, v.as_number()) {
                        (ExprKind::Number(n), _) => Value::number(negate_number(*n)),
                        _ => ops::negate(&v).map_err(err)?,
                    },
                    UnaryOp::Plus => match v {
                        Value::Str(_) => Value::number(ops::to_number(&v).map_err(err)?),
                        other => other,
                    },
                    UnaryOp::Join => ops::join(&v, ""),
                    UnaryOp::Split => ops::split_whitespace(&v),
                    UnaryOp::Comma => Value::array(vec![v]),
                }
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, &e.span)?,
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::array(out)
            }
            ExprKind::ArraySub(block) => {
                self.locals.push(Vec::new());
                let out = self.block(block);
                self.locals.pop();
                Value::array(out?)
            }
            ExprKind::SubExpr(block) => {
                self.locals.push(Vec::new());
                let out = self.block(block);
                self.locals.pop();
                collapse(out?)
            }
            ExprKind::Paren(p) => self.captured(p)?,
            ExprKind::Hashtable(entries) => {
                let mut table = Hashtable::default();
                for (k, v) in entries {
                    let key = self.expr(k)?;
                    let value = self.expr(v)?;
                    table.entries.push((key, value));
                }
                Value::Hashtable(Rc::new(table))
            }
            ExprKind::ScriptBlock(b) => Value::ScriptBlock(b.clone()),
            ExprKind::Type(t) => {
                return Err(err(format!(
                    "the type [{t}] alone is not a value here; use it with :: ([{t}]::Name), -is or -as"
                )));
            }
            ExprKind::Cast { ty, operand } => {
                let v = self.expr(operand)?;
                ops::cast(ty, &v, self.ops.clock).map_err(err)?
            }
        })
    }

    fn variable(&mut self, name: &str, span: &Span) -> EvalResult<Value> {
        let lower = name.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "_" | "psitem" => self.underscore.last().cloned().ok_or_else(|| {
                EvalError::new(
                    "$_ is only set inside a script block of a pipeline stage",
                    span.clone(),
                )
            })?,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "matches" => self.ops.matches.clone().unwrap_or(Value::Null),
            ENUMERATION_LIMIT => self
                .local(ENUMERATION_LIMIT)
                .unwrap_or(Value::Int(super::enumeration::EMS_ENUMERATION_LIMIT as i32)),
            "ofs" => Value::str(" "),
            _ => match self.local(&lower) {
                Some(v) => v,
                None if self.assigned.contains(&lower) => Value::Null,
                None => {
                    let automatic = matches!(
                        lower.as_str(),
                        "home" | "pshome" | "profile" | "pwd" | "host" | "error" | "args" | "input"
                    );
                    let hint = if automatic {
                        format!(
                            "${name} is an automatic variable of a Windows session (its profile, host or folders), which msgtrack does not have; write the value in the line"
                        )
                    } else if lower.starts_with("env:") || lower.contains(':') {
                        format!(
                            "${name} reads the environment or a scope of a Windows session, which msgtrack does not have"
                        )
                    } else {
                        format!(
                            "the variable ${name} is not defined here: msgtrack runs one pipeline, so write its value in the line (for example -Start '11/20/2026' or -Sender 'a@contoso.com')"
                        )
                    };
                    return Err(EvalError::new(hint, span.clone()));
                }
            },
        })
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        span: &Span,
    ) -> EvalResult<Value> {
        let err = |m: String| EvalError::new(m, span.clone());
        // -and / -or short-circuit.
        match op {
            BinaryOp::And => {
                return Ok(Value::Bool(
                    self.expr(left)?.truthy() && self.expr(right)?.truthy(),
                ));
            }
            BinaryOp::Or => {
                return Ok(Value::Bool(
                    self.expr(left)?.truthy() || self.expr(right)?.truthy(),
                ));
            }
            _ => {}
        }
        let l = self.expr(left)?;
        if matches!(op, BinaryOp::Is | BinaryOp::IsNot | BinaryOp::As) {
            let ty = match &right.kind {
                ExprKind::Type(t) => t.clone(),
                _ => self.expr(right)?.to_text(),
            };
            return Ok(match op {
                BinaryOp::Is => Value::Bool(ops::is_type(&l, &ty).map_err(err)?),
                BinaryOp::IsNot => Value::Bool(!ops::is_type(&l, &ty).map_err(err)?),
                _ => ops::cast(&ty, &l, self.ops.clock).unwrap_or(Value::Null),
            });
        }
        let r = self.expr(right)?;
        Ok(match op {
            BinaryOp::Compare(c, case) => {
                ops::compare(c, case, &l, &r, &mut self.ops).map_err(err)?
            }
            BinaryOp::Replace(case) => ops::replace(&l, &r, case, &mut self.ops).map_err(err)?,
            BinaryOp::Split(case) => ops::split(&l, &r, case, &mut self.ops).map_err(err)?,
            BinaryOp::Join => ops::join(&l, &r.to_text()),
            BinaryOp::Format => {
                ops::format_operator(&l.to_text(), &r, self.ops.culture).map_err(err)?
            }
            BinaryOp::Xor => Value::Bool(l.truthy() != r.truthy()),
            BinaryOp::Range => ops::range(&l, &r).map_err(err)?,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                ops::arithmetic(op, &l, &r).map_err(err)?
            }
            BinaryOp::And | BinaryOp::Or | BinaryOp::Is | BinaryOp::IsNot | BinaryOp::As => {
                Value::Null
            }
        })
    }
}

impl Scope for Engine<'_> {
    fn read_only_within(&self, name: &str, span: &Span) -> bool {
        // (The formatter reads $FormatEnumerationLimit after the line.)
        name != ENUMERATION_LIMIT
            && self
                .reads
                .0
                .iter()
                .filter(|(n, _)| n == name)
                .all(|(_, at)| span.start <= at.start && at.end <= span.end)
    }

    fn host(&self) -> &dyn Host {
        self.host
    }

    fn output_may_spill(&self) -> bool {
        self.spilling
    }

    fn after_first(&self) -> &[Element] {
        self.after_first.last().map_or(&[], Vec::as_slice)
    }

    fn ops(&mut self) -> &mut OpContext<'static> {
        &mut self.ops
    }

    fn ops_ref(&self) -> &OpContext<'static> {
        &self.ops
    }

    fn expr(&mut self, e: &Expr) -> EvalResult<Value> {
        Engine::expr(self, e)
    }

    fn invoke(&mut self, body: &Block, item: Value) -> EvalResult<Vec<Value>> {
        Engine::invoke(self, body, item)
    }

    fn invoke_here(&mut self, body: &Block, item: Value) -> EvalResult<Vec<Value>> {
        Engine::invoke_here(self, body, item)
    }

    fn enumeration_limit(&self) -> Option<usize> {
        super::enumeration::limit_of(self.local(ENUMERATION_LIMIT).as_ref())
    }
}

/// How a host's command and the stages after it were streamed (a pass to make again).
struct Pass<'a> {
    c: &'a Command,
    input: &'a [Value],
    after: &'a [Element],
    stages: &'a [&'a Command],
    shown: Option<usize>,
    tracking: bool,
}

/// The first stage of a pipeline of the line (at its top, where it surely runs) that msgtrack
/// refuses (`| Out-GridView`), as an error before anything is read: refused only once the
/// stages before it had run, it came after reading every log.
fn refused_stage(block: &Block) -> EvalResult<()> {
    for s in &block.statements {
        let Statement::Pipeline(p) = s else {
            continue;
        };
        for e in &p.elements {
            if let Element::Command(c) = e
                && let Some(why) = commands::refusal(&c.name)
            {
                return Err(EvalError::new(why, c.name_span.clone()));
            }
        }
    }
    Ok(())
}

/// The variables the line assigns (lowercase), and every read of one; the first one assigned
/// that nothing reads is an error.
fn unread_assignment(block: &Block) -> EvalResult<(Vec<String>, VariableReads)> {
    use super::ast::{Visit, walk_block};
    #[derive(Default)]
    struct Names {
        assigned: Vec<(String, Span)>,
    }
    impl Visit<'_> for Names {
        fn statement(&mut self, s: &Statement) {
            if let Statement::Assign { name, span, .. } = s {
                self.assigned.push((name.clone(), span.clone()));
            }
        }
    }
    let mut names = Names::default();
    walk_block(block, &mut names);
    let mut reads = VariableReads::default();
    walk_block(block, &mut reads);
    // (The formatter reads $FormatEnumerationLimit.)
    let read = |n: &str| n == ENUMERATION_LIMIT || reads.0.iter().any(|(r, _)| r == n);
    match names
        .assigned
        .iter()
        .find(|(n, _)| !read(&n.to_ascii_lowercase()))
    {
        Some((name, span)) => Err(EvalError::new(
            format!(
                "${name} is set but nothing in the line reads it: msgtrack runs the line once and shows its output, so ${name} would not be kept for a later command (show it: end the line with ; ${name} — or, to count, end with | Measure-Object)"
            ),
            span.clone(),
        )),
        None => Ok((
            names
                .assigned
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect(),
            reads,
        )),
    }
}

/// `N` when `c` is a Sort-Object and `next` a Select-Object given `-First N` (a number
/// written in the line) and otherwise only properties, as Select-Object binds them: only
/// the sort's first N go on.
fn first_taken(c: &Command, next: Option<&Element>) -> Option<usize> {
    if commands::canonical(&c.name) != Some("Sort-Object") {
        return None;
    }
    let Some(Element::Command(select)) = next else {
        return None;
    };
    if commands::canonical(&select.name) != Some("Select-Object") {
        return None;
    }
    let bound = super::runtime::bind(select, &commands::select::SELECT_PARAMS).ok()?;
    let only_properties = bound.positional.len() <= 1
        && bound
            .named
            .iter()
            .all(|(n, _, _)| matches!(*n, "First" | "Property"));
    let (Some(n), _) = bound.get("First")? else {
        return None;
    };
    match n.kind {
        ExprKind::Number(crate::pwsh::number::Number::Int(n)) if only_properties => {
            usize::try_from(n).ok()
        }
        _ => None,
    }
}

/// The address of an object's value (the same object wherever it goes); `None` for values
/// that are not objects.
fn object_address(v: &Value) -> Option<usize> {
    match v {
        Value::Object(o) => Some(Rc::as_ptr(o).cast::<()>() as usize),
        _ => None,
    }
}
