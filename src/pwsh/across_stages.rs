//! A variable set in one stage of a pipeline and read in a later one. PowerShell passes each
//! object through every stage before the next object (a `ForEach-Object`'s script block runs
//! for an object, then the next stage for what it output), so the later stage reads the value
//! set for the same object. msgtrack runs each stage over every object before the next stage,
//! and the later stage would read the value set for the last object, for every object: the
//! line is refused, with a way to carry the value on the object instead.
//!
//! A `Select-Object -First N` stops the stages before it in the shell once it has its N
//! objects, so a variable set before it (a count) and read anywhere outside its stage is
//! refused too.
//!
//! Likewise a stage before a `Select-Object -First` that writes a file for each object
//! (`ForEach-Object { $_ | Out-File x.txt -Append; $_ }`, or `>>` in its block): the shell's
//! file holds the lines of the objects up to the stop, msgtrack's every object's.
//!
//! Not refused: values set in a `-Begin` block (run before any object in both), read in an
//! `-End` block (after every object in both), or read after a stage that takes every object
//! before it outputs any (Sort-Object, Group-Object, Measure-Object), where the shell too has
//! run the earlier stage over every object.

use super::ast::{
    Block, Command, Expr, ExprKind, Pipeline, Span, Statement, Visit, walk_block, walk_command,
};
use super::commands::{canonical, filter};
use super::runtime::{EvalError, EvalResult, automatic, bind};

/// The first variable of `block` set in a stage of a pipeline and read in a later one (see
/// the module's note), as an error; `reads`: every read of a variable in the line
/// ([`super::ast::VariableReads`]).
pub fn refused(block: &Block, reads: &[(String, Span)]) -> EvalResult<()> {
    let mut pipelines = Pipelines(Vec::new());
    walk_block(block, &mut pipelines);
    pipelines
        .0
        .into_iter()
        .try_for_each(|p| refused_in(p, reads))
}

/// Every pipeline within the script blocks, parentheses and subexpressions walked.
struct Pipelines<'a>(Vec<&'a Pipeline>);

impl<'a> Visit<'a> for Pipelines<'a> {
    fn statement(&mut self, s: &'a Statement) {
        match s {
            Statement::Pipeline(p) => self.0.push(p),
            Statement::Assign { value: Some(p), .. } => self.0.push(p),
            Statement::If { branches, .. } => self.0.extend(branches.iter().map(|(c, _)| c)),
            Statement::Assign { .. } => {}
        }
    }
    fn expr(&mut self, e: &'a Expr) {
        if let ExprKind::Paren(p) = &e.kind {
            self.0.push(p);
        }
    }
}

/// The stages that take every object before they output any.
pub(super) fn takes_every_object_first(c: &Command) -> bool {
    matches!(
        canonical(&c.name),
        Some("Sort-Object" | "Group-Object" | "Measure-Object")
    )
}

/// Whether `c` is a `Select-Object -First N`: in the shell it stops the stages before it once
/// it has its N objects.
fn stops_early(c: &Command) -> bool {
    canonical(&c.name) == Some("Select-Object")
        && bind(c, &super::commands::select::SELECT_PARAMS).is_ok_and(|b| b.has("First"))
}

/// How many objects a `Select-Object -First N [-Skip S]` (with properties or not, without
/// `-ExpandProperty`, `-Unique`, `-Wait` or `-Last`) takes before the shell stops the stages
/// before it: S + N, written in the line.
pub(super) fn stops_after(c: &Command) -> Option<usize> {
    if canonical(&c.name) != Some("Select-Object") {
        return None;
    }
    let bound = bind(c, &super::commands::select::SELECT_PARAMS).ok()?;
    let others = [
        "ExpandProperty",
        "Unique",
        "Wait",
        "Last",
        "Index",
        "SkipLast",
    ];
    if others.iter().any(|n| bound.has(n)) {
        return None;
    }
    let skip = match bound.get("Skip") {
        None => 0,
        Some((e, _)) => usize::try_from(e?.whole_number()?).ok()?,
    };
    let first = bound.get("First").and_then(|(e, _)| e?.whole_number())?;
    usize::try_from(first).ok()?.checked_add(skip)
}

/// True for a ForEach-Object with an `-End` block (which outputs after every object).
pub(super) fn outputs_at_end(c: &Command) -> bool {
    !once_blocks(c, &["End"]).is_empty()
}

/// Whether `c` is a command that writes a file.
fn writes_file(c: &Command) -> bool {
    matches!(
        canonical(&c.name),
        Some("Out-File" | "Set-Content" | "Add-Content" | "Export-Csv")
    )
}

/// The first variable set in a stage of `p` and read in a later one, or set before a
/// `Select-Object -First` and read anywhere outside its stage (`reads`: every read in the
/// line), as an error.
fn refused_in(p: &Pipeline, reads: &[(String, Span)]) -> EvalResult<()> {
    let commands = p.commands();
    for (i, set_in) in commands.iter().enumerate() {
        let cut = commands[i + 1..]
            .iter()
            .take_while(|c| !takes_every_object_first(c))
            .find(|c| stops_early(c));
        if let Some(cut) = cut
            && let Some(span) = writes_for_each_object(set_in)
        {
            return Err(EvalError::new(
                format!(
                    "{} writes a file for each object before a {} -First: PowerShell stops the stages before Select-Object -First once it has its objects, so the file would hold only the objects up to them; msgtrack runs every stage over every object and would write them all. Write what Select-Object keeps instead (… | Select-Object -First N | Out-File …)",
                    set_in.name, cut.name
                ),
                span,
            ));
        }
        let set = variables(set_in, Use::Set, reads);
        if set.is_empty() {
            continue;
        }
        let read_elsewhere = |n: &String| {
            reads
                .iter()
                .any(|(r, at)| r == n && !within(&set_in.span, at))
        };
        if let Some(cut) = cut
            && let Some((name, span)) = set.iter().find(|(n, _)| read_elsewhere(n))
        {
            return Err(EvalError::new(
                format!(
                    "${name} is set in {} before a {} -First and read outside that stage: PowerShell stops the stages before Select-Object -First once it has its objects, so ${name} would have been set only for the objects up to them; msgtrack runs every stage over every object. Count or carry what Select-Object keeps instead (… | Select-Object -First N | Measure-Object, or [pscustomobject]@{{ {name} = …; … }})",
                    set_in.name, cut.name
                ),
                span.clone(),
            ));
        }
        for read_in in commands[i + 1..]
            .iter()
            .take_while(|c| !takes_every_object_first(c))
        {
            let read = variables(read_in, Use::Read, reads);
            if let Some((name, span)) = set.iter().find(|(n, _)| read.iter().any(|(r, _)| r == n)) {
                return Err(EvalError::new(
                    format!(
                        "${name} is set in {} and read in a later stage, {}: PowerShell passes each object through every stage before the next object, so the later stage reads the value set for that object; msgtrack runs a stage over every object before the next stage and would give every object the last one's value. Carry it on the object instead ([pscustomobject]@{{ {name} = …; … }} or Select-Object @{{n='{name}'; e={{…}}}}), or set it in the stage that reads it",
                        set_in.name, read_in.name
                    ),
                    span.clone(),
                ));
            }
        }
    }
    Ok(())
}

/// Where stage `c` writes a file for each object (a command writing one, or a `>`/`>>`, in
/// its script blocks but a ForEach-Object's `-Begin` and `-End`), if it does.
fn writes_for_each_object(c: &Command) -> Option<Span> {
    /// The commands writing a file, and redirections, a walk meets.
    struct Writes(Vec<Span>);
    impl Visit<'_> for Writes {
        fn statement(&mut self, s: &Statement) {
            let p = match s {
                Statement::Pipeline(p) | Statement::Assign { value: Some(p), .. } => p,
                _ => return,
            };
            self.pipeline(p);
        }
        fn expr(&mut self, e: &Expr) {
            if let ExprKind::Paren(p) = &e.kind {
                self.pipeline(p);
            }
        }
    }
    impl Writes {
        fn pipeline(&mut self, p: &Pipeline) {
            let writer = p.commands().into_iter().find(|c| writes_file(c));
            self.0.extend(writer.map(|c| c.span.clone()));
            self.0
                .extend(p.redirect.as_ref().map(|r| r.target.span.clone()));
        }
    }
    if writes_file(c) {
        // (It outputs nothing: the Select-Object gets nothing to stop at.)
        return None;
    }
    let apart = once_blocks(c, &["Begin", "End"]);
    let mut writes = Writes(Vec::new());
    walk_command(c, &mut writes);
    writes
        .0
        .into_iter()
        .find(|at| !apart.iter().any(|a| within(a, at)))
}

/// The spans of `c`'s blocks named `names` when it is a ForEach-Object.
fn once_blocks(c: &Command, names: &[&str]) -> Vec<Span> {
    let mut apart = Vec::new();
    if canonical(&c.name) == Some("ForEach-Object")
        && let Ok(bound) = bind(c, &filter::FOREACH_PARAMS)
    {
        for name in names {
            if let Some((Some(e), _)) = bound.get(name) {
                apart.push(e.span.clone());
            }
        }
    }
    apart
}

/// Which variables of a stage: the ones it sets for each object, or the ones it reads
/// before the end.
#[derive(Clone, Copy, PartialEq)]
enum Use {
    Set,
    Read,
}

/// The variables (lowercase, with where each is) that stage `c` sets (`Use::Set`, outside a
/// `-Begin` or `-End` block) or reads (`Use::Read`, outside an `-End` block: those of the
/// line's `reads` within it).
fn variables(c: &Command, what: Use, reads: &[(String, Span)]) -> Vec<(String, Span)> {
    let apart = once_blocks(
        c,
        match what {
            Use::Set => &["Begin", "End"],
            Use::Read => &["End"],
        },
    );
    let names = match what {
        Use::Set => {
            let mut sets = Sets(Vec::new());
            walk_command(c, &mut sets);
            sets.0
        }
        Use::Read => reads
            .iter()
            .filter(|(_, s)| within(&c.span, s))
            .cloned()
            .collect(),
    };
    names
        .into_iter()
        .filter(|(n, s)| !apart.iter().any(|a| within(a, s)) && !automatic(n) && !n.contains(':'))
        .collect()
}

/// Whether `inner` lies within `outer`.
fn within(outer: &Span, inner: &Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The variables a walk sets (lowercase), with where each assignment is.
struct Sets(Vec<(String, Span)>);

impl Visit<'_> for Sets {
    fn statement(&mut self, s: &Statement) {
        if let Statement::Assign { name, span, .. } = s {
            self.0.push((name.to_ascii_lowercase(), span.clone()));
        }
    }
}
