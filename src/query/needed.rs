//! Which columns a query needs, read from its text: every property the line names (members,
//! property arguments, calculated properties, wildcards expanded against the field names),
//! and what the output shows when events reach it. Only these are decoded; should the
//! engine ever ask for another (the analysis is conservative, not exact), the query runs
//! again with every column, so an answer never misses a value.

use crate::format::{Field, FieldSet};
use crate::pwsh::ast::{Arg, Block, Element, Expr, ExprKind, Pipeline, Statement, StringPart};
use crate::pwsh::commands::canonical;
use crate::pwsh::wildcard::wildcard_regex;

use super::no_events::{Stage, stage_kind};

/// What the analysis found.
#[derive(Debug, Clone)]
pub struct Needs {
    /// Fields the line names.
    pub mentioned: FieldSet,
    /// Events may reach the output whole (then the output's columns are needed too).
    pub rows_reach_output: bool,
    /// Events reach the output inside Group-Object's groups (`.Group`): a table or list shows
    /// them by their type name, JSON with their properties.
    pub rows_in_groups: bool,
    /// Something writes every property of the events (Export-Csv, ConvertTo-Json, `*`).
    pub every_property: bool,
}

fn name_words(word: &str, set: &mut FieldSet, every: &mut bool) {
    if word.contains(['*', '?', '[']) {
        if word.trim() == "*" {
            *every = true;
        }
        if let Ok(re) = wildcard_regex(word, false) {
            for f in Field::ALL {
                if re.is_match(f.name()) {
                    set.insert(f);
                }
            }
        }
        return;
    }
    if let Some(f) = Field::from_name(word.trim()) {
        set.insert(f);
    }
}

struct Walk {
    set: FieldSet,
    every: bool,
}

impl Walk {
    fn block(&mut self, b: &Block) {
        for s in &b.statements {
            match s {
                Statement::Pipeline(p) => self.pipeline(p),
                Statement::If {
                    branches,
                    otherwise,
                } => {
                    for (c, b) in branches {
                        self.pipeline(c);
                        self.block(b);
                    }
                    if let Some(b) = otherwise {
                        self.block(b);
                    }
                }
                Statement::Assign { value, .. } => {
                    if let Some(p) = value {
                        self.pipeline(p);
                    }
                }
            }
        }
    }

    fn pipeline(&mut self, p: &Pipeline) {
        for e in &p.elements {
            match e {
                Element::Expr(x) => self.expr(x),
                Element::Command(c) => {
                    if matches!(
                        canonical(&c.name),
                        Some("Export-Csv" | "ConvertTo-Csv" | "ConvertTo-Json")
                    ) {
                        self.every = true;
                    }
                    for a in &c.args {
                        match a {
                            Arg::Param { value: Some(v), .. } => self.arg(v),
                            Arg::Param { .. } => {}
                            Arg::Value(v) => self.arg(v),
                        }
                    }
                }
            }
        }
        if let Some(r) = &p.redirect {
            self.expr(&r.target);
        }
    }

    /// A command argument: bare words and strings may be property names.
    fn arg(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Str(s) => name_words(s, &mut self.set, &mut self.every),
            ExprKind::List(items) => items.iter().for_each(|i| self.arg(i)),
            _ => self.expr(e),
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Str(s) => name_words(s, &mut self.set, &mut self.every),
            ExprKind::Expandable(parts) => {
                for p in parts {
                    if let StringPart::Expr(x) = p {
                        self.expr(x);
                    }
                }
            }
            ExprKind::Member { target, name, .. } => {
                name_words(name, &mut self.set, &mut self.every);
                self.expr(target);
            }
            ExprKind::Method { target, args, .. } => {
                self.expr(target);
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::Index { target, index } => {
                self.expr(target);
                self.expr(index);
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::ArraySub(b) | ExprKind::SubExpr(b) => self.block(b),
            ExprKind::Paren(p) => self.pipeline(p),
            ExprKind::Hashtable(entries) => {
                for (k, v) in entries {
                    self.expr(k);
                    self.expr(v);
                }
            }
            ExprKind::ScriptBlock(b) => self.block(&b.body),
            ExprKind::Cast { operand, .. } => self.expr(operand),
            ExprKind::Number(_) | ExprKind::Variable(_) | ExprKind::Type(_) => {}
        }
    }
}

/// True when the line's last pipeline may let whole events through to the output: walking
/// back from its last command over stages that pass their input on as it is (Where-Object,
/// Sort-Object, Select-Object without properties: `-First`, `-Unique`, …), the first stage
/// that makes new objects (Group-Object -NoElement, Measure-Object, Select-Object with
/// properties, …) means no. Arguments are bound as the command binds them (`-First 1` is a
/// parameter with its value, not a property list); a line that does not bind is answered
/// conservatively (true).
fn reach(block: &Block) -> Reach {
    let Some(Statement::Pipeline(p)) = block.statements.last() else {
        return Reach::Rows;
    };
    for (at, element) in p.elements.iter().enumerate().rev() {
        if let Element::Command(c) = element
            && super::no_events::foreach_outputs_none(c, &p.elements[..at])
        {
            return Reach::No;
        }
        let Element::Command(c) = element else {
            // `(…).Count` is a number, whatever the line inside gives; so is a property of a
            // Measure-Object's answer (`(… | Measure-Object TotalBytes -Sum).Sum`).
            return match element {
                Element::Expr(Expr {
                    kind: ExprKind::Member { name, target, .. },
                    ..
                }) if name.eq_ignore_ascii_case("Count") || measured(target) => Reach::No,
                _ => Reach::Rows,
            };
        };
        match stage_kind(c) {
            Stage::PassesOn => continue,
            Stage::Shapes => return Reach::No,
            Stage::Groups => return Reach::InGroups,
            Stage::MayEmitEvents => return Reach::Rows,
        }
    }
    Reach::Rows
}

/// True when `e` is `(… | Measure-Object …)` (or `@(…)`, `$(…)`): its items are measures.
fn measured(e: &Expr) -> bool {
    e.inner_pipeline().is_some_and(|p| {
        matches!(p.elements.last(), Some(Element::Command(c)) if canonical(&c.name) == Some("Measure-Object"))
    })
}

/// How events reach the line's output.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    /// Not at all.
    No,
    /// Whole, as output items.
    Rows,
    /// Inside groups (Group-Object without `-NoElement`).
    InGroups,
}

/// The fields a parsed line needs.
pub fn analyse(block: &Block) -> Needs {
    let mut w = Walk {
        set: FieldSet::empty(),
        every: false,
    };
    w.block(block);
    Needs {
        mentioned: w.set,
        rows_reach_output: reach(block) == Reach::Rows,
        rows_in_groups: reach(block) == Reach::InGroups,
        every_property: w.every,
    }
}

/// The columns to decode (`text`: the output is a table or list, where events inside groups
/// show only as their type name): what the line names, the fields derived ones are computed from,
/// and, when events reach the output, `output` (the table's columns, or every column).
pub fn columns(needs: &Needs, output: &[Field], text: bool) -> FieldSet {
    let mut set = needs.mentioned;
    set.insert(Field::Timestamp);
    if needs.every_property {
        return FieldSet::all();
    }
    if needs.rows_reach_output || (needs.rows_in_groups && !text) {
        output.iter().for_each(|f| set.insert(*f));
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    fn needed(text: &str, output: &[Field]) -> Vec<Field> {
        columns(&analyse(&parse(text).unwrap()), output, false).columns()
    }

    #[test]
    fn a_foreach_of_groups_reading_only_their_names_and_counts_outputs_no_event() {
        use Field as F;
        let groups =
            "Get-MessageTrackingLog | Group-Object MessageId | Where-Object {$_.Count -gt 1}";
        assert_eq!(
            needed(
                &format!("{groups} | ForEach-Object {{ '{{0}} {{1}}' -f $_.Name, $_.Count }}"),
                &F::ALL
            ),
            vec![F::Timestamp, F::MessageId]
        );
        // Objects made of their names and counts (not text): no event either.
        assert_eq!(
            needed(
                &format!(
                    "{groups} | ForEach-Object {{ [pscustomobject]@{{Id = $_.Name; N = $_.Count}} }}"
                ),
                &F::ALL
            ),
            vec![F::Timestamp, F::MessageId]
        );
        // The elements, the group itself, a variable (which may hold events), or a ForEach
        // of events: every column the output shows.
        for stage in [
            "ForEach-Object { $_.Group }",
            "ForEach-Object { $_ }",
            "ForEach-Object { $all }",
        ] {
            assert_eq!(
                needed(&format!("{groups} | {stage}"), &F::ALL).len(),
                F::ALL.len(),
                "{stage}"
            );
        }
        // A ForEach of events: every column, unless it outputs only values of their
        // properties (no group's Name here: an event has none, which outputs nothing).
        for stage in [
            "ForEach-Object { $_ }",
            "ForEach-Object { $_.PSObject }",
            "ForEach-Object { $_.Sender; $_ }",
            "Sort-Object Sender | ForEach-Object { $all }",
            "Group-Object Sender | ForEach-Object { $_.Group[0] }",
            "Select-Object Sender | ForEach-Object { $_.Sender }",
        ] {
            assert_eq!(
                needed(&format!("Get-MessageTrackingLog | {stage}"), &F::ALL).len(),
                F::ALL.len(),
                "{stage}"
            );
        }
        for (stage, fields) in [
            ("ForEach-Object { $_.Name }", vec![F::Timestamp]),
            (
                "Where-Object { $_.TotalBytes -gt 0 } | ForEach-Object { $_.Recipients }",
                vec![F::Timestamp, F::Recipients, F::TotalBytes],
            ),
            (
                "ForEach-Object { $_.Sender.Split('@')[1]; $PSItem.TotalBytes / 1KB }",
                vec![F::Timestamp, F::TotalBytes, F::Sender],
            ),
        ] {
            assert_eq!(
                needed(&format!("Get-MessageTrackingLog | {stage}"), &F::ALL),
                fields,
                "{stage}"
            );
        }
        // Text made of the elements, or of events: no event is output.
        assert_eq!(
            needed(
                &format!(
                    "{groups} | ForEach-Object {{ '{{0}} {{1}}' -f $_.Name, ($_.Group.TotalBytes | Measure-Object -Maximum).Maximum }}"
                ),
                &F::ALL
            ),
            vec![F::Timestamp, F::MessageId, F::TotalBytes]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | ForEach-Object { \"$($_.Sender): $($_.TotalBytes)\" }",
                &F::ALL
            ),
            vec![F::Timestamp, F::TotalBytes, F::Sender]
        );
    }

    #[test]
    fn a_foreach_making_objects_of_properties_reads_only_those() {
        use Field as F;
        // A variable per group and an object per element: no event reaches the output.
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | Group-Object MessageId | ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object { [pscustomobject]@{ Id = $n; To = $_.Recipients -join ';' } } }",
                &F::ALL
            ),
            vec![F::Timestamp, F::MessageId, F::Recipients]
        );
        // The same holding an element: every column the output shows.
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | Group-Object MessageId | ForEach-Object { $n = $_.Name; $_.Group | ForEach-Object { [pscustomobject]@{ Id = $n; E = $_ } } }",
                &F::ALL
            )
            .len(),
            F::ALL.len()
        );
    }

    #[test]
    fn only_the_columns_a_query_uses_are_decoded() {
        use Field as F;
        // A count, or a measure's property, of a parenthesized line: no event is output.
        assert_eq!(
            needed("(Get-MessageTrackingLog -EventId FAIL).Count", &F::ALL),
            vec![F::Timestamp]
        );
        assert_eq!(
            needed(
                "(Get-MessageTrackingLog | Measure-Object TotalBytes -Sum).Sum",
                &F::ALL
            ),
            vec![F::Timestamp, F::TotalBytes]
        );
        // A hashtable's entry holds events: every column shown.
        assert_eq!(
            needed(
                "(Get-MessageTrackingLog | Group-Object Sender -AsHashTable).'a@x.com'",
                &F::ALL
            )
            .len(),
            F::ALL.len()
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog -EventId FAIL | Select Sender",
                &F::ALL
            ),
            vec![F::Timestamp, F::Sender]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | Where {$_.Recipients -match 'x'} | Measure-Object",
                &F::ALL
            ),
            vec![F::Timestamp, F::Recipients]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | Group-Object Source -NoElement",
                &F::ALL
            ),
            vec![F::Timestamp, F::Source]
        );
        assert_eq!(
            needed("Get-MessageTrackingLog | Select Time*,Send*", &F::ALL),
            vec![F::Timestamp, F::Sender]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | select @{n='MB';e={$_.TotalBytes/1MB}}",
                &F::ALL
            ),
            vec![F::Timestamp, F::TotalBytes]
        );
        assert_eq!(
            needed("Get-MessageTrackingLog", &crate::query::rows::DEFAULT_TABLE).len(),
            7
        );
        assert_eq!(
            needed("Get-MessageTrackingLog | Export-Csv x.csv", &[]).len(),
            F::COUNT
        );
        assert_eq!(
            needed("Get-MessageTrackingLog | Select *", &[]).len(),
            F::COUNT
        );
        // -First takes its value: whole events still reach the output.
        assert_eq!(
            needed("Get-MessageTrackingLog | Select -First 1", &F::ALL).len(),
            F::COUNT
        );
        assert_eq!(
            needed("Get-MessageTrackingLog | Select -Last 2 Sender", &F::ALL),
            vec![F::Timestamp, F::Sender]
        );
    }
}
