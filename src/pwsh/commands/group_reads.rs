//! Where the stages after a Group-Object read its groups' elements, found from the syntax:
//! when each read is a pipeline `$_.Group | <stages>` (`($_.Group | Measure-Object TotalBytes
//! -Sum).Sum` in a calculated property, the admin's usual way to total a group) or
//! `$_.Group.<Property> | <stages>` (`($_.Group.TotalBytes | Measure-Object -Sum).Sum`), the groups
//! need not keep their elements: each read can be folded per group as the items come
//! ([`super::stream`]), and the group's elements are never read any other way.

use crate::pwsh::ast::{
    Arg, Command, Element, Expr, ExprKind, Pipeline, Span, Statement, Visit, walk_command,
};

use super::canonical;

/// A pipeline `$_.Group | <stages>` or `$_.Group.<Property> | <stages>` that reads a group's
/// elements.
pub struct GroupRead<'c> {
    /// The whole pipeline: the engine answers it from the group's folds
    /// ([`super::group::GroupInfo::folded`]).
    pub pipeline: &'c Pipeline,
    /// The property read of each element (member enumeration), with where it is.
    pub member: Option<(&'c str, &'c Span)>,
    /// The stages after `$_.Group`.
    pub stages: Vec<&'c Command>,
}

/// The reads of the groups' elements by `stages` (the commands after a Group-Object, in
/// order), when every read is a pipeline `$_.Group | <stages>` whose stages use no variable
/// but the item and constants, and the groups are turned into other objects (by a
/// Select-Object or Format cmdlet of properties, or a ForEach-Object) before the end of the
/// line, passing only through Where-Object, Sort-Object and Select-Object without properties
/// on the way. `None` when the groups may be read any other way: a `.Group` elsewhere, a
/// `$_` handed on whole, a property named by a pattern that takes in Group, a variable as a
/// property name, or groups that reach the end of the line.
pub fn reads<'c>(stages: &[&'c Command]) -> Option<Vec<GroupRead<'c>>> {
    reads_and_indexes(stages, None)
}

/// [`reads`]; with `indexes`, an element taken by a literal index (`$_.Group[0]`) is read
/// too, its index put there.
fn reads_and_indexes<'c>(
    stages: &[&'c Command],
    mut indexes: Option<&mut Vec<usize>>,
) -> Option<Vec<GroupRead<'c>>> {
    let mut found = Vec::new();
    for c in stages {
        let name = canonical(&c.name)?;
        if !matches!(
            name,
            "Where-Object"
                | "Sort-Object"
                | "Select-Object"
                | "ForEach-Object"
                | "Format-Table"
                | "Format-List"
        ) {
            return None;
        }
        found.extend(stage_reads(c, indexes.as_deref_mut())?);
        if turns_into_other_objects(name, c) {
            return Some(found);
        }
    }
    None
}

/// When every read of the groups' elements by `stages` (as [`reads`] finds them) takes only
/// a group's first ones, `$_.Group | Select-Object -First N [properties]` with N a literal,
/// or `$_.Group[I]` with I a literal (not negative): the most any takes. The groups then need keep only that many (their Count is kept apart).
/// `None` when a read takes others (`-Last`, a member `$_.Group.Recipients`, whose first
/// values may come from later elements, or a stage before the cut).
pub fn firsts_read(stages: &[&Command]) -> Option<usize> {
    use crate::pwsh::number::Number;
    use crate::pwsh::runtime::bind;
    let mut indexes = Vec::new();
    let reads = reads_and_indexes(stages, Some(&mut indexes))?;
    let mut most = indexes.iter().max().map(|i| i + 1);
    for read in &reads {
        let first = read.stages.first().filter(|_| read.member.is_none())?;
        if canonical(&first.name) != Some("Select-Object") {
            return None;
        }
        let bound = bind(first, &super::select::SELECT_PARAMS).ok()?;
        let only_first = bound.positional.len() <= 1
            && bound
                .named
                .iter()
                .all(|(n, _, _)| matches!(*n, "First" | "Property"));
        let n = match bound.get("First")?.0.map(|e| &e.kind) {
            Some(ExprKind::Number(Number::Int(n))) if only_first && *n >= 0 => *n as usize,
            _ => return None,
        };
        most = Some(most.map_or(n, |m: usize| m.max(n)));
    }
    most
}

/// True when stage `c` (after a Group-Object) reads no group's elements: its arguments name
/// no property Group answers to, and its script blocks ask `$_` only for its Name, Count or
/// Values.
pub fn reads_no_elements(c: &Command) -> bool {
    stage_reads(c, None).is_some_and(|reads| reads.is_empty())
}

/// The reads `$_.Group | …` of stage `c`, when its arguments name no property Group answers
/// to and every other `$_` is asked only for its Name, Count or Values; `None` otherwise.
fn stage_reads<'c>(c: &'c Command, indexes: Option<&mut Vec<usize>>) -> Option<Vec<GroupRead<'c>>> {
    if !c.args.iter().all(|a| match a {
        Arg::Param { value, .. } => value.as_ref().is_none_or(names_no_group),
        Arg::Value(e) => names_no_group(e),
    }) {
        return None;
    }
    let taking = indexes.is_some();
    let mut finder = Finder {
        ok: true,
        reads: Vec::new(),
        allowed: Vec::new(),
        inner: Vec::new(),
        indexes: taking.then(Vec::new),
    };
    walk_command(c, &mut finder);
    if let (Some(out), Some(found)) = (indexes, finder.indexes) {
        out.extend(found);
    }
    finder.ok.then_some(finder.reads)
}

/// True when `e`, an argument of a stage, names no property that Group answers to: text
/// that is not a pattern matching "Group", numbers, lists and hashtables of such, script
/// blocks (their reads are checked by [`Finder`]) and `$true`/`$false`/`$null`.
fn names_no_group(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(s) => {
            !crate::pwsh::wildcard::wildcard_regex(s, false).map_or(true, |r| r.is_match("Group"))
        }
        ExprKind::Number(_) | ExprKind::ScriptBlock(_) => true,
        ExprKind::Variable(v) => constant(v),
        ExprKind::List(items) => items.iter().all(names_no_group),
        ExprKind::Hashtable(entries) => entries.iter().all(|(_, v)| names_no_group(v)),
        _ => false,
    }
}

/// `$true`, `$false` or `$null`.
fn constant(name: &str) -> bool {
    ["true", "false", "null"]
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}

/// `$_` or `$PSItem`.
fn item(name: &str) -> bool {
    name == "_" || name.eq_ignore_ascii_case("psitem")
}

/// True when stage `c` (named `name`) outputs objects of its own rather than the groups.
fn turns_into_other_objects(name: &str, c: &Command) -> bool {
    let properties = c.args.iter().enumerate().any(|(i, a)| match a {
        Arg::Param { name: p, .. } => {
            let p = p.to_ascii_lowercase();
            (!p.is_empty() && "property".starts_with(&p))
                || (p.len() >= 2 && "expandproperty".starts_with(&p))
        }
        // A positional value: not the value of the parameter before it.
        Arg::Value(_) => !matches!(
            i.checked_sub(1).and_then(|j| c.args.get(j)),
            Some(Arg::Param { value: None, name: p, .. }) if takes_value(p)
        ),
    });
    match name {
        "ForEach-Object" => true,
        "Select-Object" | "Format-Table" | "Format-List" => properties,
        _ => false,
    }
}

/// Parameters of Select-Object and the Format cmdlets that take a value other than
/// properties.
fn takes_value(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    ["first", "last", "skip", "index", "groupby", "view"]
        .iter()
        .any(|n| !p.is_empty() && n.starts_with(&p))
}

/// Walks a stage's arguments: finds the pipelines `$_.Group | …` and checks that every
/// other `$_` is only asked for its Name, Count or Values.
struct Finder<'c> {
    /// No other read seen so far.
    ok: bool,
    reads: Vec<GroupRead<'c>>,
    /// `$_` expressions read in an allowed way (by address).
    allowed: Vec<*const Expr>,
    /// The spans of the stages of reads found: a `$_` there is an element of the group.
    inner: Vec<Span>,
    /// When elements taken by a literal index are reads too: their indexes.
    indexes: Option<Vec<usize>>,
}

impl<'c> Finder<'c> {
    /// Takes `p` as a read when it is `$_.Group | <stages>` or `$_.Group.<Property> |
    /// <stages>` with stages that use no variable but their own items and constants.
    fn pipeline(&mut self, p: &'c Pipeline) {
        let Some((variable, member)) = group_head(p) else {
            return;
        };
        let rest = &p.elements[1..];
        if rest.is_empty() || p.redirect.is_some() {
            return;
        }
        let stages: Option<Vec<&'c Command>> = rest
            .iter()
            .map(|e| match e {
                Element::Command(c) => Some(c),
                Element::Expr(_) => None,
            })
            .collect();
        let Some(stages) = stages else { return };
        if !stages.iter().all(|c| self_contained(c)) {
            return;
        }
        self.allowed.push(std::ptr::from_ref(variable));
        self.inner.extend(stages.iter().map(|c| c.span.clone()));
        self.reads.push(GroupRead {
            pipeline: p,
            member,
            stages,
        });
    }
}

/// The item variable (`$_` or `$PSItem`) of pipeline `p` when it starts with `$_.Group` or
/// `$_.Group.<Property>`, with that property and where it is (not Count or Length, which
/// are the collection's own).
#[allow(clippy::type_complexity)]
pub fn group_head(p: &Pipeline) -> Option<(&Expr, Option<(&str, &Span)>)> {
    let Some(Element::Expr(head)) = p.elements.first() else {
        return None;
    };
    let (group, member) = match &head.kind {
        ExprKind::Member {
            target,
            name,
            is_static: false,
        } if matches!(&target.kind, ExprKind::Member { name: g, is_static: false, .. } if g.eq_ignore_ascii_case("group")) =>
        {
            let own = ["count", "length"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n));
            if own {
                return None;
            }
            (&**target, Some((name.as_str(), &head.span)))
        }
        _ => (head, None),
    };
    let ExprKind::Member {
        target,
        name,
        is_static: false,
    } = &group.kind
    else {
        return None;
    };
    let is_item = matches!(&target.kind, ExprKind::Variable(v) if item(v));
    (is_item && name.eq_ignore_ascii_case("group")).then_some((&**target, member))
}

impl<'c> Visit<'c> for Finder<'c> {
    fn statement(&mut self, s: &'c Statement) {
        match s {
            Statement::Pipeline(p) => self.pipeline(p),
            Statement::Assign { value: Some(p), .. } => self.pipeline(p),
            Statement::Assign { .. } => {}
            Statement::If { branches, .. } => {
                for (condition, _) in branches {
                    self.pipeline(condition);
                }
            }
        }
    }

    fn expr(&mut self, e: &'c Expr) {
        match &e.kind {
            ExprKind::Paren(p) => self.pipeline(p),
            // `$_.Group[0]`, when such reads are taken.
            ExprKind::Index { target, index } if self.indexes.is_some() => {
                let at = match &index.kind {
                    ExprKind::Number(crate::pwsh::number::Number::Int(i)) => {
                        usize::try_from(*i).ok()
                    }
                    _ => None,
                };
                let group_of_item = match &target.kind {
                    ExprKind::Member {
                        target: item_expr,
                        name,
                        is_static: false,
                    } if name.eq_ignore_ascii_case("group")
                        && matches!(&item_expr.kind, ExprKind::Variable(v) if item(v)) =>
                    {
                        Some(&**item_expr)
                    }
                    _ => None,
                };
                if let (Some(at), Some(item_expr), Some(indexes)) =
                    (at, group_of_item, self.indexes.as_mut())
                {
                    indexes.push(at);
                    self.allowed.push(std::ptr::from_ref(item_expr));
                }
            }
            ExprKind::Member {
                target,
                name,
                is_static: false,
            } if matches!(&target.kind, ExprKind::Variable(v) if item(v))
                && ["name", "count", "values"]
                    .iter()
                    .any(|n| name.eq_ignore_ascii_case(n)) =>
            {
                self.allowed.push(&raw const **target);
            }
            // A `$_` (or `$input`) read any other way: not inside a read's stages, not
            // asked for an allowed member.
            ExprKind::Variable(v)
                if (item(v) || v.eq_ignore_ascii_case("input"))
                    && !within(&self.inner, &e.span)
                    && !self.allowed.contains(&(e as *const Expr)) =>
            {
                self.ok = false;
            }
            _ => {}
        }
    }
}

/// True when `span` lies inside one of `spans`.
fn within(spans: &[Span], span: &Span) -> bool {
    spans
        .iter()
        .any(|s| s.start <= span.start && span.end <= s.end)
}

/// True when a stage of a read uses no variable but its own item (in its script blocks) and
/// `$true`/`$false`/`$null`: it gives the same answer folded as the items come as when the
/// line's script block runs it.
fn self_contained(c: &Command) -> bool {
    #[derive(Default)]
    struct Variables {
        blocks: Vec<Span>,
        bad: bool,
    }
    impl Visit<'_> for Variables {
        fn statement(&mut self, s: &Statement) {
            // A read assigns nothing (the fold's stages are pure; this is a cheap early no).
            if matches!(s, Statement::Assign { .. }) {
                self.bad = true;
            }
        }
        fn expr(&mut self, e: &Expr) {
            match &e.kind {
                ExprKind::ScriptBlock(_) => self.blocks.push(e.span.clone()),
                ExprKind::Variable(v) if constant(v) => {}
                ExprKind::Variable(v) if item(v) => {
                    self.bad |= !within(&self.blocks, &e.span);
                }
                ExprKind::Variable(_) => self.bad = true,
                _ => {}
            }
        }
    }
    let mut v = Variables::default();
    walk_command(c, &mut v);
    !v.bad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    /// `f` of the commands after the Group-Object of `line` (the line's first pipeline).
    fn after_the_group<T>(line: &str, f: impl Fn(&[&Command]) -> T) -> T {
        let block = parse(line).expect("parses");
        let Some(Statement::Pipeline(p)) = block.statements.first() else {
            panic!("a pipeline");
        };
        let commands = p.commands();
        let at = commands
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case("Group-Object"))
            .expect("a Group-Object");
        f(&commands[at + 1..])
    }

    /// The reads found after the Group-Object of `line`.
    fn found(line: &str) -> Option<Vec<String>> {
        after_the_group(line, |stages| {
            reads(stages).map(|r| {
                r.iter()
                    .map(|g| line[g.pipeline.span.clone()].to_string())
                    .collect()
            })
        })
    }

    /// [`firsts_read`] after the Group-Object of `line`.
    fn firsts(line: &str) -> Option<usize> {
        after_the_group(line, firsts_read)
    }

    #[test]
    fn only_reads_of_a_group_s_first_elements_bound_what_it_keeps() {
        let g = "Get-X | Group-Object MessageId | ";
        for (tail, want) in [
            (
                "ForEach-Object { $_.Group | Select-Object -First 1 }",
                Some(1),
            ),
            (
                "ForEach-Object { $_.Group | Select-Object -First 3 Timestamp, EventId }",
                Some(3),
            ),
            (
                "Select-Object Name, @{n='A';e={($_.Group | Select-Object -First 2).EventId}}, @{n='B';e={($_.Group | Select-Object -First 1).Sender}}",
                Some(2),
            ),
            // Others: the last ones, a member's values (the first element may have none), a
            // stage before the cut, a count from a variable, the elements whole.
            ("ForEach-Object { $_.Group | Select-Object -Last 1 }", None),
            (
                "ForEach-Object { $_.Group.Recipients | Select-Object -First 1 }",
                None,
            ),
            (
                "ForEach-Object { $_.Group | Sort-Object Timestamp | Select-Object -First 1 }",
                None,
            ),
            (
                "ForEach-Object { $_.Group | Select-Object -First $n }",
                None,
            ),
            (
                "ForEach-Object { $_.Group | Select-Object -First 1 -Skip 1 }",
                None,
            ),
            (
                "ForEach-Object { $_.Group | Select-Object -First 1; $_.Group }",
                None,
            ),
            ("ForEach-Object { $_.Group[0] }", Some(1)),
            (
                "Select-Object Name, @{n='First';e={$_.Group[0].Timestamp}}, @{n='Third';e={$_.Group[2].EventId}}",
                Some(3),
            ),
            ("ForEach-Object { $_.Group[-1] }", None),
            ("ForEach-Object { $_.Group[$i] }", None),
            ("ForEach-Object { $_.Group[0]; $_.Group.Count }", None),
        ] {
            assert_eq!(firsts(&format!("{g}{tail}")), want, "{tail}");
        }
    }

    #[test]
    fn sums_of_a_group_in_calculated_properties_are_reads() {
        let line = "Get-X | Group-Object Sender | Select-Object Name,Count,@{n='MB';e={[math]::Round(($_.Group | Measure-Object TotalBytes -Sum).Sum / 1MB, 2)}} | Sort-Object MB -Descending | Select-Object -First 10";
        assert_eq!(
            found(line),
            Some(vec![
                "$_.Group | Measure-Object TotalBytes -Sum".to_string()
            ])
        );
        let line = "Get-X | Group-Object Sender | Sort-Object Count | ForEach-Object { [pscustomobject]@{ Who = $_.Name; Big = ($PSItem.Group | Where-Object { $_.TotalBytes -gt 1MB } | Measure-Object).Count } }";
        assert_eq!(found(line).map(|r| r.len()), Some(1));
        let line = "Get-X | Group-Object Sender | Select-Object Name,@{n='MB';e={($_.Group.TotalBytes | Measure-Object -Sum).Sum / 1MB}}";
        assert_eq!(
            found(line),
            Some(vec![
                "$_.Group.TotalBytes | Measure-Object -Sum".to_string()
            ])
        );
    }

    #[test]
    fn any_other_way_to_the_elements_is_no_read() {
        for line in [
            // The groups reach the end of the line.
            "Get-X | Group-Object Sender | Sort-Object Count",
            // Group by name, by a pattern, by a variable.
            "Get-X | Group-Object Sender | Select-Object Name,Group",
            "Get-X | Group-Object Sender | Select-Object *",
            "Get-X | Group-Object Sender | Select-Object G*",
            "Get-X | Group-Object Sender | Select-Object -ExpandProperty Group",
            "Get-X | Group-Object Sender | Select-Object $p",
            "Get-X | Group-Object Sender | Select-Object @{n='x';e='Group'}",
            // `.Group` not at the head of a pipeline, `$_` handed on whole.
            "Get-X | Group-Object Sender | Select-Object @{n='x';e={$_.Group[0].Subject}}",
            "Get-X | Group-Object Sender | Select-Object @{n='x';e={$_.Group.Count | Measure-Object -Sum}}",
            "Get-X | Group-Object Sender | Select-Object @{n='x';e={$_.Group.TotalBytes.Foo | Measure-Object -Sum}}",
            "Get-X | Group-Object Sender | ForEach-Object { $_ }",
            "Get-X | Group-Object Sender | ForEach-Object { $g = $_; $g.Name }",
            // A read whose stages use a variable of the script block.
            "Get-X | Group-Object Sender | ForEach-Object { $n = $_.Name; ($_.Group | Where-Object { $_.Sender -eq $n } | Measure-Object).Count }",
            // A read whose stage takes `$_` (the group) outside a script block.
            "Get-X | Group-Object Sender | Select-Object @{n='x';e={$_.Group | Measure-Object -Property $_.Name}}",
            // Written to a file.
            "Get-X | Group-Object Sender | ForEach-Object { $_.Group | Measure-Object > x.txt }",
            // A stage that may keep the groups.
            "Get-X | Group-Object Sender | Export-Csv x.csv",
        ] {
            assert_eq!(found(line), None, "{line}");
        }
    }

    #[test]
    fn groups_turned_into_names_need_no_read() {
        let line = "Get-X | Group-Object Sender | Where-Object { $_.Count -gt 5 } | Select-Object -First 3 -ExpandProperty Name";
        assert_eq!(found(line), Some(Vec::new()));
    }
}
