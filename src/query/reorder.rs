//! Lines rewritten into lines that give the same answer and run in bounded memory over a
//! store: the runs in pieces ([`super::streamed`], [`super::top_rows`]) know a few shapes
//! (a sort right after the filters, a `Select-Object -First N` right after the sort), and
//! admins write the same question in other orders. Each rewrite here is exact: the objects
//! that come out, their order and their properties are those of the line as written.

use crate::pwsh::ast::{Arg, Block, Command, Element, Expr, ExprKind, Pipeline, Statement};
use crate::pwsh::commands::canonical;
use crate::pwsh::commands::select::SELECT_PARAMS;
use crate::pwsh::commands::sort::SORT_PARAMS;
use crate::pwsh::runtime::{ParamSpec, bind};

/// `block` with its last stage, a Format-Table or Format-List, as the Select-Object that
/// msgtrack prints the same way in every format once told the format is the Format cmdlet's
/// ([`ends_in_format_as_select`]): plain property names (`Format-Table a,b,c -AutoSize`,
/// `Format-List a,b,c,d,e`) as the selection of those names, `*` as `Select-Object *`, and a
/// Format cmdlet of no properties given the cmdlet's events (only Where-Object and
/// Sort-Object before it) as the selection its view shows: the event's default table
/// (`rows::DEFAULT_TABLE`) for Format-Table, every property for Format-List. msgtrack lays a
/// table out from every row either way. The Select-Object's objects then come a time window
/// at a time like any selection's, where the Format cmdlet's one view held every row. `None`
/// for any other line (a Format cmdlet with `-Wrap`, `-GroupBy`, script blocks, …).
pub fn format_as_select(block: &Block) -> Option<Block> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let Some(Element::Command(last)) = p.elements.last() else {
        return None;
    };
    if p.elements.len() < 2 || p.redirect.is_some() {
        return None;
    }
    let table = match canonical(&last.name) {
        Some("Format-Table") => true,
        Some("Format-List") => false,
        _ => return None,
    };
    let mut names: Option<Vec<Expr>> = None;
    let mut args = last.args.iter();
    while let Some(a) = args.next() {
        match a {
            Arg::Value(e) if names.is_none() => names = Some(shown_names(e)?),
            Arg::Param { name, value, .. } => {
                let name = name.to_ascii_lowercase();
                if table && name.len() >= 2 && "autosize".starts_with(&name) && value.is_none() {
                    continue;
                }
                if names.is_some() || name.is_empty() || !"property".starts_with(&name) {
                    return None;
                }
                let e = match value {
                    Some(e) => e,
                    None => match args.next()? {
                        Arg::Value(e) => e,
                        Arg::Param { .. } => return None,
                    },
                };
                names = Some(shown_names(e)?);
            }
            Arg::Value(_) => return None,
        }
    }
    let span = last.span.clone();
    let names = match names {
        Some(names) => names,
        // No properties: the view of the cmdlet's events, when they are what it formats.
        None => {
            let before = &p.elements[1..p.elements.len() - 1];
            let events_in = before.iter().all(|e| {
                matches!(e, Element::Command(c)
                    if matches!(canonical(&c.name), Some("Where-Object" | "Sort-Object")))
            });
            if !events_in || !first_is_the_cmdlet(p) {
                return None;
            }
            let shown: Vec<&str> = if table {
                crate::query::rows::DEFAULT_TABLE
                    .iter()
                    .map(|f| f.name())
                    .collect()
            } else {
                vec!["*"]
            };
            shown
                .into_iter()
                .map(|n| Expr {
                    kind: ExprKind::Str(n.to_string()),
                    span: span.clone(),
                })
                .collect()
        }
    };
    let list = Expr {
        kind: ExprKind::List(names),
        span: span.clone(),
    };
    let mut select = last.clone();
    select.name = "Select-Object".into();
    select.args = vec![Arg::Value(list)];
    let mut line = p.clone();
    if let Some(end) = line.elements.last_mut() {
        *end = Element::Command(select);
    }
    Some(Block {
        statements: vec![Statement::Pipeline(line)],
    })
}

/// Whether the line `text` ends in a Format cmdlet that [`format_as_select`] rewrites: its
/// answer, run as the selection, is then printed in the format the Format cmdlet names, as if
/// asked for (a selection of five properties or more is otherwise shown as a list on a
/// terminal, as PowerShell shows an object with no view).
pub fn ends_in_format_as_select(text: &str) -> bool {
    crate::pwsh::parse::parse(text).ok().is_some_and(|b| {
        let b = super::cmdlet::every_server_dropped(&b).unwrap_or(b);
        format_as_select(&b).is_some()
    })
}

/// Whether the pipeline starts with Get-MessageTrackingLog.
fn first_is_the_cmdlet(p: &Pipeline) -> bool {
    matches!(p.elements.first(), Some(Element::Command(c))
        if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog"))
}

/// The properties a Format cmdlet's argument names: plain names ([`plain_names`]) or `*`
/// alone.
fn shown_names(e: &Expr) -> Option<Vec<Expr>> {
    match &e.kind {
        ExprKind::Str(s) if s == "*" => Some(vec![e.clone()]),
        _ => plain_names(e),
    }
}

/// The property names of a Format cmdlet's argument when every one is a plain name (no
/// wildcard, script block or hashtable), none repeated.
fn plain_names(e: &Expr) -> Option<Vec<Expr>> {
    let items: Vec<&Expr> = match &e.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![e],
    };
    let mut seen: Vec<String> = Vec::new();
    for item in &items {
        let ExprKind::Str(name) = &item.kind else {
            return None;
        };
        let folded = name.to_ascii_lowercase();
        if name.is_empty() || name.contains(['*', '?', '[']) || seen.contains(&folded) {
            return None;
        }
        seen.push(folded);
    }
    Some(items.into_iter().cloned().collect())
}

/// `block` with every `Select-Object <names> | Sort-Object <some of those names>` of its one
/// pipeline sorted first (`Sort-Object … | Select-Object <names>`), and every
/// `Select-Object <names> | Select-Object -First N` (or `-Last`, `-Skip`, `-Index`) made one
/// `Select-Object <names> -First N`; `None` when nothing changed. Only lines that start with
/// Get-MessageTrackingLog are rewritten.
///
/// Exact because a selection of plain names makes each object's properties of the event's
/// values, one object per event in order: a sort by names the selection keeps compares the
/// same values either way (and drops the same ones with `-Unique`), and paging counts the
/// same items. `Select-Object Sender,TotalBytes | Sort-Object TotalBytes -Descending |
/// Select-Object -First 10` then runs as a sort's first N over a store, a window at a time
/// (it held every selected object: 4.7 GB for 4 GB of logs).
pub fn sort_first(block: &Block) -> Option<Block> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    if !first_is_the_cmdlet(p) {
        return None;
    }
    let mut elements = p.elements.clone();
    let mut changed = false;
    let mut j = 1;
    while j + 1 < elements.len() {
        let (Element::Command(select), Element::Command(next)) = (&elements[j], &elements[j + 1])
        else {
            j += 1;
            continue;
        };
        let Some(names) = selected_names(select) else {
            j += 1;
            continue;
        };
        match canonical(&next.name) {
            Some("Sort-Object") if sorts_by_some_of(next, &names) => {
                elements.swap(j, j + 1);
                changed = true;
                // The sort may now follow another selection.
                j = j.saturating_sub(1).max(1);
            }
            Some("Select-Object") if only_pages(next) => {
                let mut merged = select.clone();
                merged.args.extend(next.args.iter().cloned());
                elements[j] = Element::Command(merged);
                elements.remove(j + 1);
                changed = true;
            }
            _ => j += 1,
        }
    }
    changed.then(|| Block {
        statements: vec![Statement::Pipeline(Pipeline {
            elements,
            redirect: p.redirect.clone(),
            span: p.span.clone(),
        })],
    })
}

/// `block` with every `Select-Object -ExpandProperty P -Unique` of its one pipeline made two
/// stages, `Select-Object -ExpandProperty P | Select-Object -Unique`; `None` when there is
/// none. Exact: Select-Object's `-Unique` compares the objects it writes (the expanded values,
/// with no properties added), keeping the first of each set of equal ones, and a
/// `Select-Object -Unique` of those values alone compares the same objects the same way
/// (SelectObjectCommand.FilteredWriteObject, either way). The two stages take the values as
/// they come, dropping repeats (`Select-Object -ExpandProperty Sender -Unique` held every
/// sender: 379 MiB for 1 GB of logs, 37 MiB so).
pub fn expanded_then_unique(block: &Block) -> Option<Block> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    if !first_is_the_cmdlet(p) {
        return None;
    }
    let mut elements = Vec::with_capacity(p.elements.len() + 1);
    let mut changed = false;
    for e in &p.elements {
        let Element::Command(c) = e else {
            elements.push(e.clone());
            continue;
        };
        // Where `-Unique` is, as the command binds it.
        let unique_at = (canonical(&c.name) == Some("Select-Object"))
            .then(|| bind(c, &SELECT_PARAMS).ok())
            .flatten()
            .filter(|b| {
                b.positional.is_empty()
                    && b.named.len() == 2
                    && matches!(b.get("ExpandProperty"), Some((Some(_), _)))
            })
            .and_then(|b| match b.get("Unique") {
                Some((None, span)) => Some(span.clone()),
                _ => None,
            });
        let Some(unique_at) = unique_at else {
            elements.push(e.clone());
            continue;
        };
        let unique = |a: &Arg| matches!(a, Arg::Param { span, .. } if *span == unique_at);
        let mut expand = c.clone();
        expand.args.retain(|a| !unique(a));
        let mut distinct = c.clone();
        distinct.name = "Select-Object".into();
        distinct.args = c.args.iter().filter(|a| unique(a)).cloned().collect();
        elements.push(Element::Command(expand));
        elements.push(Element::Command(distinct));
        changed = true;
    }
    changed.then(|| Block {
        statements: vec![Statement::Pipeline(Pipeline {
            elements,
            redirect: p.redirect.clone(),
            span: p.span.clone(),
        })],
    })
}

/// `block` with a count of the distinct values of one text property of the events, `… |
/// Sort-Object P -Unique | Measure-Object` (values equal ignoring case, or with
/// `-CaseSensitive` exactly) or `… | Select-Object P -Unique | Measure-Object` (selections
/// exactly equal), written as the count of the groups of that property, `… | Group-Object P
/// -NoElement [-CaseSensitive] | Measure-Object`: made in bounded memory (the groups written
/// out when too many to hold), where the sort or the selection kept an event or an object
/// per value (434 MiB for 4 GB of logs). Exact: the sort keeps one item per set of values
/// its comparer finds equal (text ignoring case, folded character by character as
/// Group-Object folds names; every `$null` one set), the selection one per set of exactly
/// equal selections, Group-Object one group per such set; and a Measure-Object given nothing
/// counts what comes in. Only when the items are events (Get-MessageTrackingLog, then
/// Where-Object stages, which pass events on), so the values are text or `$null`. `None` for
/// any other line.
pub fn distinct_count_as_groups(block: &Block) -> Option<Block> {
    use crate::format::{Field, FieldKind};
    let (p, distinct) = counted_events(block)?;
    let has = |c: &Command, params: &[ParamSpec], switch: &str| {
        bind(c, params).is_ok_and(|b| b.named.iter().any(|(n, _, _)| *n == switch))
    };
    let (names, case) = match canonical(&distinct.name) {
        Some("Sort-Object") if has(distinct, &SORT_PARAMS, "Unique") => (
            sort_names(distinct)?,
            has(distinct, &SORT_PARAMS, "CaseSensitive"),
        ),
        Some("Select-Object") if has(distinct, &SELECT_PARAMS, "Unique") => {
            (plain_names_of(distinct, &SELECT_PARAMS, &["Unique"])?, true)
        }
        _ => return None,
    };
    let [name] = names.as_slice() else {
        return None;
    };
    let field = Field::from_name(name).filter(|f| {
        matches!(f.kind(), FieldKind::Text | FieldKind::Category) && *f != Field::MessageLatencyType
    })?;
    let switch = |name: &str| Arg::Param {
        name: name.to_string(),
        value: None,
        span: distinct.span.clone(),
    };
    let mut args = vec![
        Arg::Value(Expr {
            kind: ExprKind::Str(field.name().to_string()),
            span: distinct.span.clone(),
        }),
        switch("NoElement"),
    ];
    if case {
        args.push(switch("CaseSensitive"));
    }
    let group = Command {
        name: "Group-Object".to_string(),
        name_span: distinct.name_span.clone(),
        args,
        span: distinct.span.clone(),
    };
    let mut elements = p.elements.clone();
    let at = elements.len() - 2;
    elements[at] = Element::Command(group);
    Some(Block {
        statements: vec![Statement::Pipeline(Pipeline {
            elements,
            redirect: p.redirect.clone(),
            span: p.span.clone(),
        })],
    })
}

/// `block` with the sort before a count dropped: `… | Sort-Object <names> | Measure-Object`
/// (no `-Unique`) as `… | Measure-Object`. Exact: a sort by plain names writes every item it
/// is given, reordered, and a Measure-Object given nothing counts what comes in, in whatever
/// order. Only when the items are events (Get-MessageTrackingLog, then Where-Object stages)
/// and the names are their properties (msgtrack refuses a name an event lacks, which the
/// sort would then not be there to refuse). The sort wrote every event to sorted runs and
/// merged them for a count (29 s over the 1.3 GB corpus's store).
pub fn count_without_sort(block: &Block) -> Option<Block> {
    let (p, sort) = counted_events(block)?;
    let unique = bind(sort, &SORT_PARAMS).is_ok_and(|b| b.has("Unique"));
    // (Each an event's property: a name it lacks is an error msgtrack gives, not a `$null`.)
    let properties = sort_names(sort).is_some_and(|names| {
        names
            .iter()
            .all(|n| crate::format::Field::from_name(n).is_some())
    });
    if unique || !properties {
        return None;
    }
    let mut elements = p.elements.clone();
    elements.remove(elements.len() - 2);
    Some(Block {
        statements: vec![Statement::Pipeline(Pipeline {
            elements,
            redirect: p.redirect.clone(),
            span: p.span.clone(),
        })],
    })
}

/// The one pipeline of `block` and its stage before a plain count, when it is
/// `Get-MessageTrackingLog [| Where-Object …] | <stage> | Measure-Object` (Where-Object stages
/// pass events on, so the stage is given events; the Measure-Object given nothing counts).
fn counted_events(block: &Block) -> Option<(&Pipeline, &Command)> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let [
        Element::Command(source),
        filters @ ..,
        Element::Command(stage),
        Element::Command(measure),
    ] = p.elements.as_slice()
    else {
        return None;
    };
    let events = source.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        && filters.iter().all(
            |e| matches!(e, Element::Command(c) if canonical(&c.name) == Some("Where-Object")),
        );
    (events && canonical(&measure.name) == Some("Measure-Object") && measure.args.is_empty())
        .then_some((p, stage))
}

/// A count written as one that holds nothing: [`distinct_count_as_groups`] or
/// [`count_without_sort`].
pub fn count_rewritten(block: &Block) -> Option<Block> {
    distinct_count_as_groups(block).or_else(|| count_without_sort(block))
}

/// The names (folded) of a Select-Object given only plain property names (positionally or
/// with `-Property`): no wildcard, calculated property, other parameter or repeated name.
fn selected_names(c: &Command) -> Option<Vec<String>> {
    (canonical(&c.name) == Some("Select-Object")).then(|| plain_names_of(c, &SELECT_PARAMS, &[]))?
}

/// Whether `c` is a Sort-Object by plain names, each one of `names` (see [`sort_names`]).
fn sorts_by_some_of(c: &Command, names: &[String]) -> bool {
    sort_names(c).is_some_and(|keys| keys.iter().all(|k| names.contains(k)))
}

/// The names (folded) a Sort-Object sorts by when they are plain names (no wildcard, script
/// block or hashtable), at least one, and its only other parameters are the switches
/// `-Descending`, `-Unique` and `-CaseSensitive` given bare.
pub fn sort_names(c: &Command) -> Option<Vec<String>> {
    let switches = ["Descending", "Unique", "CaseSensitive"];
    (canonical(&c.name) == Some("Sort-Object"))
        .then(|| plain_names_of(c, &SORT_PARAMS, &switches))?
}

/// The property names (folded) `c` is given, positionally or with `-Property`, when they are
/// plain names and its only other parameters are `switches` given bare, its arguments bound
/// to `params` as the command binds them.
fn plain_names_of(c: &Command, params: &[ParamSpec], switches: &[&str]) -> Option<Vec<String>> {
    let bound = bind(c, params).ok()?;
    let others_bare_switches = bound
        .named
        .iter()
        .all(|(n, v, _)| *n == "Property" || (switches.contains(n) && v.is_none()));
    let names = match (bound.get("Property"), bound.positional.as_slice()) {
        (Some((Some(e), _)), []) | (None, &[e]) => e,
        _ => return None,
    };
    if !others_bare_switches {
        return None;
    }
    plain_names(names)?
        .iter()
        .map(|n| match &n.kind {
            ExprKind::Str(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Whether `c` is a Select-Object given only `-First`, `-Last`, `-Skip` or `-Index`, as the
/// command binds them: it counts items, whatever they are.
fn only_pages(c: &Command) -> bool {
    bind(c, &SELECT_PARAMS).is_ok_and(|b| {
        b.positional.is_empty()
            && !b.named.is_empty()
            && b.named
                .iter()
                .all(|(n, _, _)| matches!(*n, "First" | "Last" | "Skip" | "Index"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    fn rewritten(line: &str) -> Option<String> {
        let block = format_as_select(&parse(line).expect("parses"))?;
        let [Statement::Pipeline(p)] = block.statements.as_slice() else {
            return None;
        };
        let Some(Element::Command(c)) = p.elements.last() else {
            return None;
        };
        let Some(Arg::Value(Expr {
            kind: ExprKind::List(names),
            ..
        })) = c.args.first()
        else {
            return None;
        };
        let names: Vec<String> = names
            .iter()
            .filter_map(|n| match &n.kind {
                ExprKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        Some(format!("{} {}", c.name, names.join(",")))
    }

    #[test]
    fn a_sort_of_events_before_a_plain_count_is_dropped_and_no_other() {
        let stages = |line: &str| -> Option<Vec<String>> {
            let block = count_without_sort(&parse(line).expect("parses"))?;
            let [Statement::Pipeline(p)] = block.statements.as_slice() else {
                return None;
            };
            p.elements
                .iter()
                .map(|e| match e {
                    Element::Command(c) => Some(c.name.clone()),
                    Element::Expr(_) => None,
                })
                .collect()
        };
        let g = "Get-MessageTrackingLog -ResultSize Unlimited";
        assert_eq!(
            stages(&format!(
                "{g} | Sort-Object MessageSubject | Measure-Object"
            )),
            Some(vec![
                "Get-MessageTrackingLog".into(),
                "Measure-Object".into()
            ])
        );
        assert_eq!(
            stages(&format!(
                "{g} | ? EventId -eq FAIL | sort Sender,Timestamp -Descending -CaseSensitive | measure"
            )),
            Some(vec![
                "Get-MessageTrackingLog".into(),
                "?".into(),
                "measure".into()
            ])
        );
        for other in [
            // -Unique drops items: the count is of what is left.
            "Sort-Object Sender -Unique | Measure-Object",
            // A measure of a property, a script block key, no name, a name events lack (an
            // error msgtrack gives), a stage between, input that is not events.
            "Sort-Object Sender | Measure-Object TotalBytes -Sum",
            "Sort-Object { $_.Sender } | Measure-Object",
            "Sort-Object | Measure-Object",
            "Sort-Object Sendr | Measure-Object",
            "Sort-Object Sender | Select-Object -First 5 | Measure-Object",
            "Select-Object Sender | Sort-Object Sender | Measure-Object",
            "ForEach-Object { $_.Sender } | Sort-Object Length | Measure-Object",
        ] {
            assert_eq!(stages(&format!("{g} | {other}")), None, "{other}");
        }
    }

    #[test]
    fn only_counts_of_one_text_property_s_distinct_values_of_events_become_group_counts() {
        let group = |line: &str| -> Option<String> {
            let block = distinct_count_as_groups(&parse(line).expect("parses"))?;
            let [Statement::Pipeline(p)] = block.statements.as_slice() else {
                return None;
            };
            let Some(Element::Command(c)) = p.elements.iter().rev().nth(1) else {
                return None;
            };
            let args: Vec<String> = c
                .args
                .iter()
                .map(|a| match a {
                    Arg::Value(Expr {
                        kind: ExprKind::Str(s),
                        ..
                    }) => s.clone(),
                    Arg::Param { name, .. } => format!("-{name}"),
                    Arg::Value(_) => "?".into(),
                })
                .collect();
            Some(format!("{} {}", c.name, args.join(" ")))
        };
        let g = "Get-MessageTrackingLog -ResultSize Unlimited";
        assert_eq!(
            group(&format!(
                "{g} | Sort-Object MessageId -Unique | Measure-Object"
            ))
            .as_deref(),
            Some("Group-Object MessageId -NoElement")
        );
        assert_eq!(
            group(&format!(
                "{g} | ? {{$_.EventId -eq 'FAIL'}} | sort sender -Unique -CaseSensitive | measure"
            ))
            .as_deref(),
            Some("Group-Object Sender -NoElement -CaseSensitive")
        );
        assert_eq!(
            group(&format!(
                "{g} | Select-Object -Property EventId -Unique | Measure-Object"
            ))
            .as_deref(),
            Some("Group-Object EventId -NoElement -CaseSensitive")
        );
        for other in [
            // A measure of a property reads the event kept, not merely how many.
            "Sort-Object MessageId -Unique | Measure-Object TotalBytes -Sum",
            // Two keys (a group's Name joins them: "a, b" is ambiguous), not text, an enum.
            "Sort-Object Sender,EventId -Unique | Measure-Object",
            "Sort-Object TotalBytes -Unique | Measure-Object",
            "Sort-Object MessageLatencyType -Unique | Measure-Object",
            // Not unique, or not events.
            "Sort-Object Sender | Measure-Object",
            "Select-Object -ExpandProperty Recipients | Sort-Object -Unique | Measure-Object",
            "Select-Object Sender -Unique -First 3 | Measure-Object",
        ] {
            assert_eq!(group(&format!("{g} | {other}")), None, "{other}");
        }
    }

    #[test]
    fn a_format_cmdlet_of_plain_names_or_of_the_events_view_becomes_that_selection() {
        let read = "Get-MessageTrackingLog -ResultSize Unlimited | ";
        for (end, expected) in [
            (
                "Format-Table Timestamp,EventId,Sender",
                "Select-Object Timestamp,EventId,Sender",
            ),
            (
                "ft Timestamp,EventId -AutoSize",
                "Select-Object Timestamp,EventId",
            ),
            ("Format-Table -Property Sender", "Select-Object Sender"),
            (
                "fl Timestamp,EventId,Sender,Recipients,TotalBytes",
                "Select-Object Timestamp,EventId,Sender,Recipients,TotalBytes",
            ),
            // Any number of names: the CLI prints the selection in the Format cmdlet's
            // format (`ends_in_format_as_select`).
            (
                "Format-Table Timestamp,EventId,Sender,Recipients,TotalBytes",
                "Select-Object Timestamp,EventId,Sender,Recipients,TotalBytes",
            ),
            (
                "Format-List Timestamp,EventId,Sender",
                "Select-Object Timestamp,EventId,Sender",
            ),
            // No names, of the cmdlet's events: the event's view.
            (
                "Format-Table",
                "Select-Object Timestamp,Server,EventId,Source,Sender,Recipients,MessageSubject",
            ),
            (
                "Where-Object { $_.TotalBytes -gt 5 } | Sort-Object Timestamp | ft -AutoSize",
                "Select-Object Timestamp,Server,EventId,Source,Sender,Recipients,MessageSubject",
            ),
            ("Format-List", "Select-Object *"),
            ("Format-List *", "Select-Object *"),
            ("Format-Table -Property *", "Select-Object *"),
        ] {
            assert_eq!(
                rewritten(&format!("{read}{end}")).as_deref(),
                Some(expected),
                "{end}"
            );
        }
        // Wildcards, calculated properties, other parameters, a redirection, no names after
        // anything but the events: printed otherwise, left as they are.
        for end in [
            "Format-Table Time*",
            "Format-Table Timestamp,@{n='To';e={$_.Recipients}}",
            "Format-Table Timestamp,EventId -Wrap",
            "Format-Table Timestamp,EventId -GroupBy Sender",
            "Format-Table -Wrap",
            "Format-List -GroupBy Sender",
            "Select-Object Sender,EventId | Format-Table",
            "Select-Object Sender,EventId | Format-List",
            "ForEach-Object { $_ } | Format-List",
            "Format-Table Timestamp,EventId > out.txt",
            "Format-Table Sender,sender",
        ] {
            assert_eq!(rewritten(&format!("{read}{end}")), None, "{end}");
        }
    }

    #[test]
    fn an_expansion_s_unique_values_are_a_unique_selection_after_it() {
        let split = |line: &str| {
            expanded_then_unique(&parse(line).expect("parses")).map(|b| {
                let [Statement::Pipeline(p)] = b.statements.as_slice() else {
                    return Vec::new();
                };
                p.elements
                    .iter()
                    .map(|e| match e {
                        Element::Command(c) => c
                            .args
                            .iter()
                            .map(|a| match a {
                                Arg::Param { name, .. } => format!("-{name}"),
                                Arg::Value(_) => "v".into(),
                            })
                            .fold(c.name.clone(), |l, a| format!("{l} {a}")),
                        Element::Expr(_) => "expr".into(),
                    })
                    .collect::<Vec<_>>()
            })
        };
        let read = "Get-MessageTrackingLog -ResultSize Unlimited";
        assert_eq!(
            split(&format!(
                "{read} | Select-Object -ExpandProperty Sender -Unique | Measure-Object"
            )),
            Some(vec![
                "Get-MessageTrackingLog -ResultSize v".to_string(),
                "Select-Object -ExpandProperty v".into(),
                "Select-Object -Unique".into(),
                "Measure-Object".into(),
            ])
        );
        assert_eq!(
            split(&format!("{read} | select -u -exp Recipients")),
            Some(vec![
                "Get-MessageTrackingLog -ResultSize v".to_string(),
                "select -exp v".into(),
                "Select-Object -u".into(),
            ])
        );
        for end in [
            "Select-Object -ExpandProperty Sender",
            "Select-Object Sender -Unique",
            "Select-Object -ExpandProperty Sender -Unique -First 3",
            "Select-Object -Property Sender -ExpandProperty EventId -Unique",
            "Select-Object -ExpandProperty Sender -Unique:$false",
        ] {
            assert_eq!(split(&format!("{read} | {end}")), None, "{end}");
        }
        assert_eq!(
            split("$x | Select-Object -ExpandProperty Sender -Unique"),
            None
        );
    }

    /// The stages of a line after `sort_first`, as names and argument counts.
    fn reordered(line: &str) -> Option<Vec<String>> {
        let block = sort_first(&parse(line).expect("parses"))?;
        let [Statement::Pipeline(p)] = block.statements.as_slice() else {
            return None;
        };
        Some(
            p.elements
                .iter()
                .skip(1)
                .map(|e| match e {
                    Element::Command(c) => format!("{}/{}", c.name, c.args.len()),
                    _ => "?".into(),
                })
                .collect(),
        )
    }

    #[test]
    fn a_sort_by_selected_names_goes_before_the_selection_and_paging_joins_it() {
        let read = "Get-MessageTrackingLog -ResultSize Unlimited | ";
        for (rest, expected) in [
            (
                "Select-Object Sender,TotalBytes | Sort-Object TotalBytes -Descending | Select-Object -First 10",
                vec!["Sort-Object/2", "Select-Object/3"],
            ),
            (
                "Where-Object {$_.EventId -eq 'DELIVER'} | select MessageId,Timestamp | sort timestamp | select -Last 20",
                vec!["Where-Object/1", "sort/1", "select/3"],
            ),
            (
                "Select-Object -Property Sender,MessageSubject | Sort-Object -Property sender -Unique -CaseSensitive",
                vec!["Sort-Object/4", "Select-Object/2"],
            ),
            (
                "Select-Object Sender | Select-Object -Skip 5 -First 3",
                vec!["Select-Object/5"],
            ),
        ] {
            assert_eq!(
                reordered(&format!("{read}{rest}")),
                Some(expected.into_iter().map(String::from).collect()),
                "{rest}"
            );
        }
        // A key the selection does not keep (it is $null on every selected object), a
        // calculated or wildcard property, a sort by a script block or with -Culture, a
        // selection of other parameters, another first command: left as they are.
        for line in [
            format!("{read}Select-Object Sender | Sort-Object TotalBytes"),
            format!(
                "{read}Select-Object Sender,@{{n='B';e={{$_.TotalBytes}}}} | Sort-Object Sender"
            ),
            format!("{read}Select-Object Send* | Sort-Object Sender"),
            format!("{read}Select-Object Sender | Sort-Object {{$_.Sender.Length}}"),
            format!("{read}Select-Object Sender | Sort-Object Sender -Culture fr-FR"),
            format!("{read}Select-Object Sender -Unique | Sort-Object Sender"),
            format!("{read}Select-Object Sender | Select-Object -First 3 Sender"),
            format!("{read}Select-Object Sender | Select-Object -SkipLast 3"),
            format!("{read}Select-Object Sender,sender | Sort-Object Sender"),
            "Get-Process | Select-Object Name | Sort-Object Name".to_string(),
        ] {
            assert_eq!(reordered(&line), None, "{line}");
        }
    }
}
