//! Where-Object conditions the reader can test first. In
//! `Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.Recipients -match '^IMCEAEX'}`
//! the Where-Object stage sees every row the cmdlet gives, so a row it would drop need not be
//! decoded at all: the reader tests `-match`/`-like` comparisons of a text property with a
//! literal on the raw field (or the store's column) before it builds the row's other columns.
//!
//! A pushed condition only narrows what is read; the Where-Object stage still runs on what
//! comes out, so the answer is the shell's whatever the reader kept. It must therefore never
//! drop a row the stage keeps: it is built from the conjuncts (`-and`) of the stage's
//! condition, each tested with the very regex the operator uses (case-insensitive even for
//! `-cmatch`/`-clike`, which keep a subset of what the insensitive test keeps), on the same
//! text the property has (a list property by its members, as the operator tests arrays).
//! With `-ResultSize N` the cmdlet cuts its output before Where-Object sees it, and nothing is
//! pushed.

use super::sql::property;
use crate::format::{Field, FieldKind};
use crate::ingest::prefilter::{FieldCondition, FieldTest};
use crate::pwsh::ast::{Arg, BinaryOp, Command, Compare, Element, Expr, ExprKind, Statement};

/// The conditions of the Where-Object stages that directly follow the cmdlet (`stages` are the
/// pipeline's elements after it) that the reader can test first.
pub fn where_conditions(stages: &[Element]) -> Vec<FieldCondition> {
    let mut out = Vec::new();
    for stage in stages {
        let Element::Command(c) = stage else { break };
        if crate::pwsh::commands::canonical(&c.name) != Some("Where-Object") {
            break;
        }
        stage_conditions(c, &mut out);
    }
    out
}

/// The pushable conjuncts of one Where-Object stage.
fn stage_conditions(c: &Command, out: &mut Vec<FieldCondition>) {
    match c.args.as_slice() {
        // Where-Object { … } and Where-Object -FilterScript { … }
        [Arg::Value(e)] => block_conditions(e, out),
        [
            Arg::Param {
                name, value: None, ..
            },
            Arg::Value(e),
        ] if name.eq_ignore_ascii_case("FilterScript") => block_conditions(e, out),
        // The simplified form: Where-Object Prop -Match 'x'
        [
            Arg::Value(Expr {
                kind: ExprKind::Str(prop),
                ..
            }),
            Arg::Param {
                name, value: None, ..
            },
            Arg::Value(v),
        ] => {
            // The switch as Where-Object reads it.
            let op = crate::pwsh::commands::filter::OPERATORS
                .iter()
                .find(|(switch, ..)| switch.eq_ignore_ascii_case(name))
                .map(|(_, op, _)| *op);
            let Some(op @ (Compare::Match | Compare::Like | Compare::Eq)) = op else {
                return;
            };
            if let Some(field) = Field::from_name(prop) {
                out.extend(condition(field, op, v));
            }
        }
        _ => {}
    }
}

fn block_conditions(e: &Expr, out: &mut Vec<FieldCondition>) {
    let ExprKind::ScriptBlock(b) = &e.kind else {
        return;
    };
    if let [Statement::Pipeline(p)] = b.body.statements.as_slice()
        && p.redirect.is_none()
        && let [Element::Expr(x)] = p.elements.as_slice()
    {
        conjuncts(x, out);
    }
}

/// Every `$_.Prop -match|-like 'literal'` that must hold for `e` to be true.
fn conjuncts(e: &Expr, out: &mut Vec<FieldCondition>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        ExprKind::Paren(p) if p.redirect.is_none() => {
            if let [Element::Expr(x)] = p.elements.as_slice() {
                conjuncts(x, out);
            }
        }
        ExprKind::Binary {
            op:
                BinaryOp::Compare(
                    op @ (Compare::Match | Compare::Like | Compare::Eq | Compare::Contains),
                    _,
                ),
            left,
            right,
        } => {
            if let Some(field) = property(left) {
                out.extend(condition(field, *op, right));
            } else if let (Compare::Contains, Some(field), Some(values)) =
                (op, property(right), literals(left))
                && !field.is_list()
            {
                // `'FAIL','DSN' -contains $_.EventId`: the text is one of the literals.
                out.extend(one_of(field, values));
            }
        }
        // `$_.EventId -in 'FAIL','DSN'`: likewise (of a text property: a list's array is never
        // equal to a text).
        ExprKind::Binary {
            op: BinaryOp::Compare(Compare::In, _),
            left,
            right,
        } => {
            if let (Some(field), Some(values)) = (property(left), literals(right))
                && !field.is_list()
            {
                out.extend(one_of(field, values));
            }
        }
        _ => {}
    }
}

/// The texts of `e` when it is literals only: `'a','b'`, `@('a','b')`, `('a')`, `'a'`.
fn literals(e: &Expr) -> Option<Vec<String>> {
    match &e.kind {
        ExprKind::Str(s) => Some(vec![s.clone()]),
        ExprKind::List(items) => items
            .iter()
            .map(|i| match &i.kind {
                ExprKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => match e.inner_pipeline()?.elements.as_slice() {
            [Element::Expr(inner)] => literals(inner),
            _ => None,
        },
    }
}

/// The reader's test that `field` is one of `values` (a list field: one of its members),
/// ignoring case as `-eq`, `-in` and `-contains` compare, when the reader tests the field
/// ([`tested_by_reader`]) and no value is empty (`$null -eq ''` is false where the text `''`
/// is equal: nothing to gain).
fn one_of(field: Field, values: Vec<String>) -> Option<FieldCondition> {
    if !tested_by_reader(field) || values.is_empty() || values.iter().any(String::is_empty) {
        return None;
    }
    Some(FieldCondition {
        field,
        test: if field.is_list() {
            FieldTest::AnyMemberEqualsAny(values)
        } else {
            FieldTest::EqualsAny(values)
        },
    })
}

/// True when `field` is read from a field of the log line itself, as text (or a list of
/// texts): Server, File, Origin and the derived fields (MessageLatency…) are not (the server
/// comes from the folder or the host name), nor is Reference, `$null` rather than an empty
/// list when it has no member (the cmdlet's rule: `$null -match '^$'` holds where no member
/// does).
fn tested_by_reader(field: Field) -> bool {
    matches!(
        field.kind(),
        FieldKind::Text | FieldKind::Category | FieldKind::TextList
    ) && field.is_raw()
        && field != Field::Reference
}

/// The reader's test for `field op 'literal'`, when the field's value is its text (or its
/// members' texts) and the pattern is one the operator accepts. `-eq` and `-contains` (of a
/// text, or of a list's members: the array `-eq` leaves is true when it keeps one) are tested
/// as the cmdlet's own parameters are, ignoring case as the operator does (the same folding:
/// `format::fold`); `-ceq` keeps a part of what that keeps.
fn condition(field: Field, op: Compare, value: &Expr) -> Option<FieldCondition> {
    let ExprKind::Str(pattern) = &value.kind else {
        return None;
    };
    if matches!(op, Compare::Eq | Compare::Contains) {
        return one_of(field, vec![pattern.clone()]);
    }
    if !tested_by_reader(field) {
        return None;
    }
    let wildcard = op == Compare::Like;
    // A pattern the operator refuses is the stage's error to report, not the reader's.
    crate::ingest::prefilter::pattern_regex(pattern, wildcard).ok()?;
    Some(FieldCondition {
        field,
        test: FieldTest::Matches {
            pattern: pattern.clone(),
            wildcard,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    fn pushed(line: &str) -> Vec<(Field, String, bool)> {
        let block = parse(line).expect("parses");
        let Statement::Pipeline(p) = &block.statements[0] else {
            panic!("a pipeline")
        };
        where_conditions(&p.elements[1..])
            .into_iter()
            .map(|c| match c.test {
                FieldTest::Matches { pattern, wildcard } => (c.field, pattern, wildcard),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn equalities_with_literals_are_tested_as_the_cmdlet_s_own_parameters() {
        let tests = |line: &str| -> Vec<String> {
            let block = parse(line).expect("parses");
            let Statement::Pipeline(p) = &block.statements[0] else {
                panic!("a pipeline")
            };
            where_conditions(&p.elements[1..])
                .into_iter()
                .map(|c| format!("{} {:?}", c.field, c.test))
                .collect()
        };
        let g = "Get-MessageTrackingLog -ResultSize Unlimited";
        for (stage, want) in [
            (
                "Where {$_.MessageId -eq '<a@b>'}",
                "MessageId EqualsAny([\"<a@b>\"])",
            ),
            (
                "Where {$_.Sender -ceq 'A@b'}",
                "Sender EqualsAny([\"A@b\"])",
            ),
            ("Where EventId -EQ 'FAIL'", "EventId EqualsAny([\"FAIL\"])"),
            (
                "Where {$_.Recipients -contains 'a@b'}",
                "Recipients AnyMemberEqualsAny([\"a@b\"])",
            ),
            (
                "Where {$_.EventId -in 'FAIL','DSN'}",
                "EventId EqualsAny([\"FAIL\", \"DSN\"])",
            ),
            (
                "Where {@('FAIL','DSN') -contains $_.EventId}",
                "EventId EqualsAny([\"FAIL\", \"DSN\"])",
            ),
        ] {
            assert_eq!(tests(&format!("{g} | {stage}")), [want], "{stage}");
        }
        for stage in [
            "Where {$_.Sender -eq ''}",
            "Where {$_.Sender -ne 'a'}",
            "Where {$_.Sender -eq $x}",
            "Where {$_.EventId -in 'FAIL',$x}",
            "Where {$_.EventId -notin 'FAIL'}",
            "Where {$_.Recipients -in 'a@b'}",
            "Where {$_.TotalBytes -eq '10'}",
            "Where {$_.Server -eq 'EX01'}",
            "Where {$_.Reference -eq 'x'}",
        ] {
            assert_eq!(
                tests(&format!("{g} | {stage}")),
                Vec::<String>::new(),
                "{stage}"
            );
        }
    }

    #[test]
    fn only_conjuncts_of_literal_text_comparisons_are_pushed() {
        let g = "Get-MessageTrackingLog -ResultSize Unlimited";
        assert_eq!(
            pushed(&format!("{g} | Where {{$_.Recipients -match '^IMCEAEX'}}")),
            [(Field::Recipients, "^IMCEAEX".to_string(), false)]
        );
        assert_eq!(
            pushed(&format!(
                "{g} | ? {{($_.MessageSubject -like '*invoice*') -and $_.Sender -cmatch 'x'}} | Where-Object EventId -Match 'FAIL'"
            )),
            [
                (Field::MessageSubject, "*invoice*".to_string(), true),
                (Field::Sender, "x".to_string(), false),
                (Field::EventId, "FAIL".to_string(), false),
            ]
        );
        // Not necessary conditions, or not on a property's text: nothing is pushed.
        for stage in [
            "Where {$_.Recipients -match 'a' -or $_.Sender -match 'b'}",
            "Where {-not ($_.Sender -match 'b')}",
            "Where {$_.Sender -notmatch 'b'}",
            "Where {$_.Sender -match $pattern}",
            "Where {$_.Sender -match \"$x\"}",
            "Where {$_.TotalBytes -match '^1'}",
            "Where {$_.Timestamp -like '*2026*'}",
            "Where {$_.MessageLatency -match '0'}",
            "Where {$_.MessageLatencyType -like 'None'}",
            "Where {$_.Server -like 'EX01'}",
            "Where {$_.File -like '*MSGTRK*'}",
            "Where {$_.Origin -match 'OnPremises'}",
            "Where {$_.Reference -match '^$'}",
            "Where {$x = 1; $_.Sender -match 'b'}",
            "Where {$_.Sender -match '(?<=a)b'}",
            "Where Sender -NotMatch 'b'",
        ] {
            assert_eq!(pushed(&format!("{g} | {stage}")), [], "{stage}");
        }
        // Only the stages right after the cmdlet see its rows.
        assert_eq!(
            pushed(&format!(
                "{g} | Select-Object Sender | Where {{$_.Sender -match 'b'}}"
            )),
            []
        );
    }
}
