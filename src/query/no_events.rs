//! Whether a `ForEach-Object` at the end of a line outputs no event, whatever it reads: its
//! script block outputs only values made of events' and groups' properties — text, numbers,
//! and objects built of them (`ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object {
//! [pscustomobject]@{ Id = $n; To = $_.Recipients -join ';' } } }`), or, over input of
//! anything else, values made of no item at all (`ForEach-Object { "$($_.Name)" }`). Then
//! only the columns the line names are read ([`super::needed`]), not every column the output
//! would show of an event. Anything the walk does not know counts as possibly an event.

use std::collections::HashSet;

use crate::pwsh::ast::{
    Arg, BinaryOp, Block, Command, Element, Expr, ExprKind, Pipeline, Statement, Visit, walk_block,
};
use crate::pwsh::commands::canonical;
use crate::pwsh::commands::filter::foreach_block;
use crate::pwsh::commands::format::FORMAT_PARAMS;
use crate::pwsh::commands::group::GROUP_PARAMS;
use crate::pwsh::commands::select::SELECT_PARAMS;
use crate::pwsh::runtime::{ParamSpec, bind};

/// What an expression's value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// Text, numbers, times, lists and objects of them: no event anywhere in it.
    NoEvent,
    /// One event.
    Event,
    /// A collection of events (a group's `Group`).
    Events,
    /// A group (Group-Object's output).
    Group,
    /// Anything (possibly an event).
    Unknown,
}

/// True when `c` (the last command of the line's last pipeline, after `before`) is a
/// `ForEach-Object { … }` whose every output holds no event, its input the cmdlet's events or
/// Group-Object's groups (then only stages that pass objects on), or else anything.
pub fn foreach_outputs_none(c: &Command, before: &[Element]) -> bool {
    let Some(block) = foreach_block(c) else {
        return false;
    };
    // What `$_` is: an event, a group of them, or (input the walk does not know) anything.
    let mut item = Holds::Unknown;
    for element in before.iter().rev() {
        let Element::Command(earlier) = element else {
            break;
        };
        if earlier.name.eq_ignore_ascii_case("Get-MessageTrackingLog") {
            item = Holds::Event;
            break;
        }
        match canonical(&earlier.name) {
            Some("Group-Object") if !group_without_elements(earlier) => {
                item = Holds::Group;
                break;
            }
            _ if passes_on(earlier) => continue,
            _ => break,
        }
    }
    block_output(&block.body, item, &HashSet::new()) == Holds::NoEvent
}

/// True for `Group-Object -NoElement` (its groups hold no event).
fn group_without_elements(c: &Command) -> bool {
    bind(c, &GROUP_PARAMS).is_ok_and(|b| b.has("NoElement"))
}

/// What the statements of `body` output, each run with `$_` holding `item` and the variables
/// `safe` holding no event. A variable it sets at its top level with `=` to a value of no
/// event is such a variable for the statements after; one set anywhere deeper is not.
fn block_output(body: &Block, item: Holds, safe: &HashSet<String>) -> Holds {
    /// The variables a block sets within nested statements (not at its top level).
    struct SetDeeper<'a>(HashSet<String>, &'a Block);
    impl<'a> Visit<'a> for SetDeeper<'a> {
        fn statement(&mut self, s: &'a Statement) {
            if let Statement::Assign { name, .. } = s
                && !self.1.statements.iter().any(|top| std::ptr::eq(top, s))
            {
                self.0.insert(name.to_ascii_lowercase());
            }
        }
    }
    let mut deeper = SetDeeper(HashSet::new(), body);
    walk_block(body, &mut deeper);
    let mut safe = safe.clone();
    for name in &deeper.0 {
        safe.remove(name);
    }
    for statement in &body.statements {
        match statement {
            Statement::Assign {
                name, op, value, ..
            } => {
                let name = name.to_ascii_lowercase();
                let holds = value
                    .as_ref()
                    .map_or(Holds::Unknown, |p| pipeline_output(p, item, &safe));
                if op == "=" && holds == Holds::NoEvent && !deeper.0.contains(&name) {
                    safe.insert(name);
                } else {
                    safe.remove(&name);
                }
            }
            Statement::Pipeline(p) => {
                if pipeline_output(p, item, &safe) != Holds::NoEvent {
                    return Holds::Unknown;
                }
            }
            Statement::If {
                branches,
                otherwise,
            } => {
                // (A condition's output is tested, not output.)
                let blocks = branches.iter().map(|(_, b)| b).chain(otherwise);
                for b in blocks {
                    if block_output(b, item, &safe) != Holds::NoEvent {
                        return Holds::Unknown;
                    }
                }
            }
        }
    }
    Holds::NoEvent
}

/// What a pipeline outputs with `$_` holding `item`: one expression's value, or what its
/// stages make of the first element's items (or of a command that makes values of nothing).
fn pipeline_output(p: &Pipeline, item: Holds, safe: &HashSet<String>) -> Holds {
    if p.redirect.is_some() {
        return Holds::Unknown;
    }
    let Some((first, stages)) = p.elements.split_first() else {
        return Holds::Unknown;
    };
    // What each of the items going into the stages is.
    let mut each = match first {
        Element::Expr(e) if stages.is_empty() => return holds(e, item, safe),
        Element::Expr(e) => match holds(e, item, safe) {
            Holds::Events | Holds::Event => Holds::Event,
            Holds::NoEvent => Holds::NoEvent,
            _ => return Holds::Unknown,
        },
        // `Get-Date`, `New-TimeSpan -Start $_.Timestamp`, `Write-Output $_.Name`.
        Element::Command(c)
            if matches!(
                canonical(&c.name),
                Some("Get-Date" | "New-TimeSpan" | "Write-Output")
            ) =>
        {
            arguments_hold(c, item, safe)
        }
        Element::Command(_) => return Holds::Unknown,
    };
    for stage in stages {
        let Element::Command(c) = stage else {
            return Holds::Unknown;
        };
        each = stage_output(c, each, item, safe);
        if each == Holds::Unknown {
            return Holds::Unknown;
        }
    }
    each
}

/// What stage `c` outputs of items that are each `each`, its arguments read with `$_`
/// holding `item`: a ForEach-Object what its block outputs, a Measure-Object measures, a
/// stage passing objects on the same items, and any other command the engine runs no event
/// from items and arguments of no event (no command conjures events out of text and numbers;
/// a script block argument, whose output the stage may keep, counts as possibly an event).
fn stage_output(c: &Command, each: Holds, item: Holds, safe: &HashSet<String>) -> Holds {
    if let Some(block) = foreach_block(c) {
        return block_output(&block.body, each, safe);
    }
    match canonical(&c.name) {
        Some("Measure-Object") => Holds::NoEvent,
        _ if passes_on(c) => each,
        Some(_) if each == Holds::NoEvent => arguments_hold(c, item, safe),
        _ => Holds::Unknown,
    }
}

/// [`Holds::NoEvent`] when every argument value of `c` holds no event.
fn arguments_hold(c: &Command, item: Holds, safe: &HashSet<String>) -> Holds {
    let values = c.args.iter().filter_map(|a| match a {
        Arg::Param { value, .. } => value.as_ref(),
        Arg::Value(e) => Some(e),
    });
    none_in(&mut values.into_iter(), item, safe)
}

/// What `e` may hold with `$_` holding `item` and the variables `safe` holding no event.
fn holds(e: &Expr, item: Holds, safe: &HashSet<String>) -> Holds {
    let none_in = |es: &mut dyn Iterator<Item = &Expr>| none_in(es, item, safe);
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Expandable(_) | ExprKind::Type(_) => {
            Holds::NoEvent
        }
        ExprKind::Variable(_) if e.is_current_item() => item,
        ExprKind::Variable(name) => {
            let name = name.to_ascii_lowercase();
            if ["true", "false", "null"].contains(&name.as_str()) || safe.contains(&name) {
                Holds::NoEvent
            } else {
                Holds::Unknown
            }
        }
        ExprKind::Member {
            target,
            name,
            is_static: false,
        } => {
            let wrapper =
                name.eq_ignore_ascii_case("PSObject") || name.eq_ignore_ascii_case("psbase");
            match holds(target, item, safe) {
                // A property of a value of no event (its wrapper is the same value).
                Holds::NoEvent => Holds::NoEvent,
                // An event's properties are text, numbers, times and lists of them; over a
                // collection, each element's.
                Holds::Event | Holds::Events if !wrapper => Holds::NoEvent,
                Holds::Group if name.eq_ignore_ascii_case("Group") => Holds::Events,
                Holds::Group
                    if ["Name", "Count", "Values"]
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(name)) =>
                {
                    Holds::NoEvent
                }
                _ => Holds::Unknown,
            }
        }
        // A type's static property (`[int]::MaxValue`): no event.
        ExprKind::Member { target, .. } => none_in(&mut std::iter::once(&**target)),
        // A method of a value of no event (or a type's: `[math]::Round(…)`), given values of
        // no event.
        ExprKind::Method { target, args, .. } => {
            none_in(&mut std::iter::once(&**target).chain(args))
        }
        ExprKind::Index { target, index } => match holds(target, item, safe) {
            Holds::Events if holds(index, item, safe) == Holds::NoEvent => Holds::Event,
            Holds::NoEvent => none_in(&mut std::iter::once(&**index)),
            _ => Holds::Unknown,
        },
        ExprKind::Unary { operand, .. } => none_in(&mut std::iter::once(&**operand)),
        ExprKind::Binary { op, left, right } => match op {
            // Text, lists of text, truth values and numbers, whatever the operands.
            BinaryOp::Format
            | BinaryOp::Join
            | BinaryOp::Replace(_)
            | BinaryOp::Split(_)
            | BinaryOp::Is
            | BinaryOp::IsNot
            | BinaryOp::And
            | BinaryOp::Or
            | BinaryOp::Xor
            | BinaryOp::Range => Holds::NoEvent,
            // A comparison over a collection gives its elements; sums of collections join
            // them.
            _ => none_in(&mut [&**left, &**right].into_iter()),
        },
        ExprKind::List(items) => none_in(&mut items.iter()),
        ExprKind::Hashtable(entries) => none_in(&mut entries.iter().flat_map(|(k, v)| [k, v])),
        ExprKind::Cast { operand, .. } => none_in(&mut std::iter::once(&**operand)),
        ExprKind::Paren(p) => pipeline_output(p, item, safe),
        ExprKind::ArraySub(b) | ExprKind::SubExpr(b) => block_output(b, item, safe),
        ExprKind::ScriptBlock(_) => Holds::Unknown,
    }
}

/// [`Holds::NoEvent`] when every one of `es` holds no event.
fn none_in(es: &mut dyn Iterator<Item = &Expr>, item: Holds, safe: &HashSet<String>) -> Holds {
    for e in es {
        if holds(e, item, safe) != Holds::NoEvent {
            return Holds::Unknown;
        }
    }
    Holds::NoEvent
}

/// What a stage outputs of its input.
pub(super) enum Stage {
    /// Its output is (some of) its input, unchanged.
    PassesOn,
    /// Its output is new objects, not events.
    Shapes,
    /// Its output may be events.
    MayEmitEvents,
    /// Groups holding its input (Group-Object without `-NoElement`).
    Groups,
}

/// True when `c` outputs (some of) its input unchanged (Where-Object, Sort-Object,
/// Select-Object without properties, …).
pub(super) fn passes_on(c: &crate::pwsh::ast::Command) -> bool {
    matches!(stage_kind(c), Stage::PassesOn)
}

/// What `c` outputs, as far as its name and arguments tell.
pub(super) fn stage_kind(c: &crate::pwsh::ast::Command) -> Stage {
    let shapes = |params: &[ParamSpec], names: &[&str]| match bind(c, params) {
        Ok(b) => !b.positional.is_empty() || names.iter().any(|n| b.has(n)),
        Err(_) => false,
    };
    let shaped = |yes: bool| {
        if yes {
            Stage::Shapes
        } else {
            Stage::MayEmitEvents
        }
    };
    match canonical(&c.name) {
        Some("Select-Object") => {
            if shapes(&SELECT_PARAMS, &["Property", "ExpandProperty"]) {
                Stage::Shapes
            } else {
                Stage::PassesOn
            }
        }
        Some("Where-Object" | "Sort-Object" | "Out-Host") => Stage::PassesOn,
        Some("Format-Table" | "Format-List" | "Format-Wide") => {
            if shapes(&FORMAT_PARAMS, &["Property"]) {
                Stage::Shapes
            } else {
                Stage::PassesOn
            }
        }
        Some("Measure-Object") => Stage::Shapes,
        Some("Group-Object") => match bind(c, &GROUP_PARAMS) {
            Ok(b) if b.has("NoElement") => Stage::Shapes,
            Ok(_) => Stage::Groups,
            Err(_) => Stage::MayEmitEvents,
        },
        Some("ForEach-Object") => shaped(c.args.iter().any(|a| {
            matches!(
                a,
                Arg::Value(Expr {
                    kind: ExprKind::Str(_),
                    ..
                })
            )
        })),
        Some("ConvertTo-Json" | "ConvertTo-Csv" | "Export-Csv" | "Out-Null") => Stage::Shapes,
        _ => Stage::MayEmitEvents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    /// Whether the line's last ForEach-Object outputs no event.
    fn none(line: &str) -> bool {
        let block = parse(line).expect("parses");
        let Some(Statement::Pipeline(p)) = block.statements.last() else {
            panic!("a pipeline");
        };
        let (Element::Command(c), before) = p.elements.split_last().expect("elements") else {
            panic!("a command");
        };
        foreach_outputs_none(c, before)
    }

    #[test]
    fn objects_built_of_properties_hold_no_event_and_anything_else_may() {
        let groups = "Get-MessageTrackingLog | Group-Object MessageId | Sort-Object Count |";
        let events = "Get-MessageTrackingLog | Where-Object EventId -eq 'FAIL' |";
        for (stage, no_event) in [
            // A variable per group, then objects of it and each element's properties.
            (
                "ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object { [pscustomobject]@{ Id = $n; To = $_.Recipients -join ';' } } }",
                true,
            ),
            (
                "ForEach-Object { [pscustomobject]@{ Id = $_.Name; Bytes = ($_.Group | Measure-Object TotalBytes -Sum).Sum; First = $_.Group[0].Timestamp } }",
                true,
            ),
            (
                "ForEach-Object { if ($_.Count -gt 1) { \"$($_.Name) $($_.Count)\" } else { $_.Values[0] } }",
                true,
            ),
            (
                "ForEach-Object { $_.Group.Sender | Sort-Object -Unique }",
                true,
            ),
            // The group, its elements, one of them, a variable holding one, or a variable
            // set in a nested block.
            ("ForEach-Object { $_ }", false),
            ("ForEach-Object { $_.Group }", false),
            ("ForEach-Object { $_.Group[0] }", false),
            (
                "ForEach-Object { $_.Group | Select-Object -First 1 }",
                false,
            ),
            (
                "ForEach-Object { [pscustomobject]@{ E = $_.Group[0] } }",
                false,
            ),
            (
                "ForEach-Object { $e = $_.Group[0]; [pscustomobject]@{ E = $e } }",
                false,
            ),
            (
                "ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object { $n = $_ }; $n }",
                false,
            ),
            ("ForEach-Object { $n; $n = $_.Name }", false),
            ("ForEach-Object { $_.Group -ne $null }", false),
            ("ForEach-Object { $_.PSObject }", false),
            ("ForEach-Object { $_.Group.PSObject }", false),
            ("ForEach-Object { $x }", false),
            ("ForEach-Object { $_.Name > out.txt }", false),
            // Commands and types' methods given values of no event make none; given events,
            // they may pass them on.
            (
                "ForEach-Object { [pscustomobject]@{ Id = $_.Name; Half = [math]::Round($_.Count / 2); At = (Get-Date) } }",
                true,
            ),
            ("ForEach-Object { $_.Name | Out-String }", true),
            ("ForEach-Object { Write-Output $_.Name 5 }", true),
            ("ForEach-Object { $_.Group | Out-String }", false),
            ("ForEach-Object { Write-Output $_.Group }", false),
            (
                "ForEach-Object { [Linq.Enumerable]::First($_.Group) }",
                false,
            ),
            (
                "ForEach-Object { $_.Name | Select-Object @{n='E';e={$all}} }",
                false,
            ),
        ] {
            assert_eq!(none(&format!("{groups} {stage}")), no_event, "{stage}");
        }
        for (stage, no_event) in [
            (
                "ForEach-Object { [pscustomobject]@{ T = $_.Timestamp; R = $_.Recipients.Count } }",
                true,
            ),
            (
                "ForEach-Object { $s = $_.Sender.Split('@')[1]; \"$s\" }",
                true,
            ),
            ("ForEach-Object { $_ }", false),
            ("ForEach-Object { ,$_ }", false),
            ("ForEach-Object { @{ E = $_ } }", false),
            ("ForEach-Object { $_.psbase }", false),
        ] {
            assert_eq!(none(&format!("{events} {stage}")), no_event, "{stage}");
        }
        // Over anything else, only what is made of no item at all: text, numbers.
        assert!(!none("$x | ForEach-Object { $_.Name }"));
        assert!(none(
            "$x | ForEach-Object { \"$($_.Name)\"; '{0}' -f $_; 5 }"
        ));
        assert!(!none(
            "Get-MessageTrackingLog | Group-Object Sender -NoElement | ForEach-Object { $_.Name }"
        ));
        assert!(!none(
            "Get-MessageTrackingLog | Select-Object @{n='Name';e={$_}} | ForEach-Object { $_.Name }"
        ));
    }
}
