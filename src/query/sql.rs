//! SQL for other engines over a store: the table definition (`msgtrack index --print-ddl`)
//! and Get-MessageTrackingLog pipelines compiled to SQL (`msgtrack query --print-sql`), with
//! PowerShell's semantics kept: equality ignores case, list columns match on any element,
//! `-like` is a wildcard match, `-match` a case-insensitive regex.

use std::path::Path;

use crate::format::store_layout::{DAY_KEY, SERVER_KEY};
use crate::format::{Field, FieldKind};

/// A target engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (reads the store with `read_parquet`).
    DuckDb,
    /// Spark SQL (the table `msgtrack index --print-ddl spark` defines).
    Spark,
    /// Trino (the Hive connector table of `--print-ddl trino`).
    Trino,
}

impl Dialect {
    /// `duckdb`, `spark` or `trino`.
    pub fn parse(name: &str) -> Result<Dialect, String> {
        match name.to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" | "sparksql" | "spark-sql" => Ok(Dialect::Spark),
            "trino" | "presto" => Ok(Dialect::Trino),
            _ => Err(format!(
                "'{name}' is not an engine msgtrack writes SQL for: duckdb, spark, trino"
            )),
        }
    }

    /// A string literal: `''` doubling, and in Spark, whose parser reads backslash escapes
    /// and joins adjacent literals (`'it''s'` would be `its`), backslash escapes.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => literal(text),
        }
    }

    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }
}

/// A SQL string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The engine's type of a stored column.
fn column_type(dialect: Dialect, field: Field) -> &'static str {
    match (dialect, field.kind()) {
        (Dialect::Spark, FieldKind::Timestamp) => "TIMESTAMP",
        (Dialect::Spark, FieldKind::Integer | FieldKind::LineNumber) => "BIGINT",
        (Dialect::Spark, FieldKind::TextList) => "ARRAY<STRING>",
        (Dialect::Spark, FieldKind::KeyValueList) => "ARRAY<STRUCT<Key: STRING, Value: STRING>>",
        (Dialect::Spark, _) => "STRING",
        (Dialect::Trino, FieldKind::Timestamp) => "timestamp(3) with time zone",
        (Dialect::Trino, FieldKind::Integer | FieldKind::LineNumber) => "bigint",
        (Dialect::Trino, FieldKind::TextList) => "array(varchar)",
        (Dialect::Trino, FieldKind::KeyValueList) => "array(row(Key varchar, Value varchar))",
        (Dialect::Trino, _) => "varchar",
        (Dialect::DuckDb, FieldKind::Timestamp) => "TIMESTAMPTZ",
        (Dialect::DuckDb, FieldKind::Integer | FieldKind::LineNumber) => "BIGINT",
        (Dialect::DuckDb, FieldKind::TextList) => "VARCHAR[]",
        (Dialect::DuckDb, FieldKind::KeyValueList) => "STRUCT(Key VARCHAR, Value VARCHAR)[]",
        (Dialect::DuckDb, _) => "VARCHAR",
    }
}

/// The table definition of the store at `store` for `engine`, named `msgtrack`.
pub fn ddl(engine: &str, store: &Path) -> Result<String, String> {
    let dialect = Dialect::parse(engine)?;
    let location = store.display().to_string();
    let stored = crate::format::store_layout::stored_fields();
    let columns: Vec<String> = stored
        .iter()
        .map(|f| format!("  {} {}", dialect.ident(f.name()), column_type(dialect, *f)))
        .collect();
    Ok(match dialect {
        Dialect::DuckDb => format!(
            "-- DuckDB reads the store as it is; the partition keys {SERVER_KEY} and {DAY_KEY} become columns.\nCREATE VIEW msgtrack AS\n  SELECT * FROM read_parquet({}, hive_partitioning = true);",
            literal(&format!("{location}/**/*.parquet"))
        ),
        Dialect::Spark => format!(
            "CREATE TABLE msgtrack (\n{},\n  {SERVER_KEY} STRING,\n  {DAY_KEY} STRING\n)\nUSING parquet\nPARTITIONED BY ({SERVER_KEY}, {DAY_KEY})\nLOCATION {};\nMSCK REPAIR TABLE msgtrack;",
            columns.join(",\n"),
            dialect.literal(&location)
        ),
        Dialect::Trino => format!(
            "CREATE TABLE hive.default.msgtrack (\n{},\n  {SERVER_KEY} varchar,\n  {DAY_KEY} varchar\n)\nWITH (\n  format = 'PARQUET',\n  partitioned_by = ARRAY['{SERVER_KEY}', '{DAY_KEY}'],\n  external_location = {}\n);\nCALL hive.system.sync_partition_metadata('default', 'msgtrack', 'ADD');",
            columns.join(",\n"),
            literal(&location)
        ),
    })
}

// ---- Get-MessageTrackingLog pipelines as SQL ----

use crate::ingest::FieldTest;
use crate::pwsh::ast::{
    Arg, BinaryOp, Block, Command, Compare, Element, Expr, ExprKind, Statement, UnaryOp,
};
use crate::pwsh::commands::canonical;

use super::cmdlet::{Plan, plan_of_line};
use super::settings::Session;

/// A row's place in the cmdlet's output (time, then the order the files and lines were read
/// in), as one comparable value.
fn place(w: &Writer, dialect: Dialect) -> String {
    let place = [Field::Timestamp, Field::File, Field::Line]
        .map(|f| w.col(f))
        .join(", ");
    match dialect {
        Dialect::Spark => format!("struct({place})"),
        Dialect::Trino => format!("ROW({place})"),
        Dialect::DuckDb => format!("({place})"),
    }
}

/// Why a line cannot be written as SQL: the construct, by name.
fn refuse<T>(what: impl Into<String>) -> Result<T, String> {
    Err(what.into())
}

/// `$_.Prop` (or `$PSItem.Prop`): the field named.
pub(crate) fn property(e: &Expr) -> Option<Field> {
    match &e.kind {
        ExprKind::Member {
            target,
            name,
            is_static: false,
        } if target.is_current_item() => Field::from_name(name),
        _ => None,
    }
}

/// A literal's values (a list gives several).
fn literals(e: &Expr) -> Result<Vec<Literal>, String> {
    match &e.kind {
        ExprKind::Str(s) => Ok(vec![Literal::Text(s.clone())]),
        ExprKind::Number(n) => Ok(vec![Literal::Number(n.to_f64())]),
        ExprKind::List(items) => items
            .iter()
            .map(literals)
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.concat()),
        ExprKind::Paren(p) if p.elements.len() == 1 => match &p.elements[0] {
            Element::Expr(x) => literals(x),
            _ => refuse("a command inside a comparison"),
        },
        ExprKind::Unary {
            op: UnaryOp::Negate,
            operand,
        } => match &operand.kind {
            ExprKind::Number(n) => Ok(vec![Literal::Number(-n.to_f64())]),
            _ => refuse("a negated expression"),
        },
        _ => refuse("a value that is not a literal (a variable, a command, an expression)"),
    }
}

#[derive(Debug, Clone)]
enum Literal {
    Text(String),
    Number(f64),
}

impl Literal {
    fn text(&self) -> String {
        match self {
            Literal::Text(t) => t.clone(),
            Literal::Number(n) => {
                crate::pwsh::value::double_text(*n, &crate::pwsh::culture::INVARIANT)
            }
        }
    }
}

/// Writes SQL for one dialect.
struct Writer<'a> {
    dialect: Dialect,
    session: &'a Session,
}

impl Writer<'_> {
    fn col(&self, f: Field) -> String {
        self.dialect.ident(f.name())
    }

    /// `pred(x)` true for some element of list column `f`.
    fn any(&self, f: Field, pred: &str) -> String {
        let c = self.col(f);
        match self.dialect {
            Dialect::DuckDb => {
                format!("coalesce(len(list_filter({c}, lambda x: {pred})) > 0, false)")
            }
            Dialect::Spark => format!("coalesce(exists({c}, x -> {pred}), false)"),
            Dialect::Trino => format!("coalesce(any_match({c}, x -> {pred}), false)"),
        }
    }

    fn regex(&self, subject: &str, pattern: &str) -> String {
        let p = self.dialect.literal(&format!("(?i){pattern}"));
        match self.dialect {
            Dialect::DuckDb => format!("regexp_matches({subject}, {p})"),
            Dialect::Spark => format!("({subject} RLIKE {p})"),
            Dialect::Trino => format!("regexp_like({subject}, {p})"),
        }
    }

    fn timestamp(&self, ms: i64) -> String {
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
        let text = t.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        match self.dialect {
            Dialect::DuckDb => format!("TIMESTAMPTZ '{text}+00'"),
            Dialect::Spark => format!("TIMESTAMP '{text}Z'"),
            Dialect::Trino => format!("TIMESTAMP '{text} UTC'"),
        }
    }

    /// A PowerShell wildcard as a case-insensitive SQL LIKE over `subject`.
    fn like(&self, subject: &str, pattern: &str) -> Result<String, String> {
        if pattern.contains(['[', ']', '`']) {
            return refuse(format!(
                "the wildcard '{pattern}' (character ranges and escapes are not written as SQL)"
            ));
        }
        let mut out = String::new();
        for c in pattern.chars() {
            match c {
                '*' => out.push('%'),
                '?' => out.push('_'),
                '%' | '_' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        Ok(format!(
            "(lower({subject}) LIKE lower({}) ESCAPE {})",
            self.dialect.literal(&out),
            self.dialect.literal("\\")
        ))
    }

    /// The cmdlet's own filter (its parameters).
    fn plan_where(&self, plan: &Plan) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(s) = plan.filter.start_ms {
            out.push(format!(
                "{} >= {}",
                self.col(Field::Timestamp),
                self.timestamp(s)
            ));
        }
        if let Some(e) = plan.filter.end_ms {
            out.push(format!(
                "{} < {}",
                self.col(Field::Timestamp),
                self.timestamp(e)
            ));
        }
        for c in &plan.filter.conditions {
            let values = |vs: &[String]| {
                vs.iter()
                    .map(|v| self.dialect.literal(&v.to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(match &c.test {
                FieldTest::EqualsAny(vs) => {
                    format!("lower({}) IN ({})", self.col(c.field), values(vs))
                }
                FieldTest::AnyMemberEqualsAny(vs) => {
                    self.any(c.field, &format!("lower(x) IN ({})", values(vs)))
                }
                // Where-Object's conditions are written from the stage itself.
                FieldTest::Matches { .. } => continue,
                FieldTest::Beyond {
                    bound,
                    above,
                    empty,
                } => {
                    let op = if *above { ">" } else { "<" };
                    let c = self.col(c.field);
                    match empty {
                        true => format!("({c} IS NULL OR {c} {op} {bound})"),
                        false => format!("{c} {op} {bound}"),
                    }
                }
                FieldTest::Contains(s) => format!(
                    "{}(lower({}), {}) > 0",
                    // Spark has no strpos; its instr takes the same arguments.
                    match self.dialect {
                        Dialect::Spark => "instr",
                        Dialect::Trino | Dialect::DuckDb => "strpos",
                    },
                    self.col(c.field),
                    self.dialect.literal(&s.to_lowercase())
                ),
            });
        }
        if !plan.servers.is_empty() {
            let names: Vec<String> = plan
                .servers
                .iter()
                .map(|s| self.dialect.literal(s))
                .collect();
            let server = self.col(Field::Server);
            let short = match self.dialect {
                Dialect::Spark => format!("lower(split({server}, '\\\\.')[0])"),
                _ => format!("lower(split_part({server}, '.', 1))"),
            };
            out.push(format!("{short} IN ({})", names.join(", ")));
        }
        out
    }

    /// One comparison `$_.Prop -op literal`, with PowerShell's typing and array semantics.
    fn compare(
        &self,
        field: Field,
        op: Compare,
        case: bool,
        right: &Expr,
    ) -> Result<String, String> {
        if case {
            return refuse(format!(
                "the case-sensitive -c{} (SQL here compares ignoring case)",
                op.name()
            ));
        }
        let values = literals(right)?;
        if values.is_empty() {
            return refuse("an empty list");
        }
        let c = self.col(field);
        let numeric = matches!(field.kind(), FieldKind::Integer | FieldKind::LineNumber);
        let list = field.kind() == FieldKind::TextList;
        if matches!(field.kind(), FieldKind::KeyValueList | FieldKind::Duration)
            || field == Field::MessageLatencyType
        {
            return refuse(format!(
                "a comparison on {} (not a stored text or number column)",
                field.name()
            ));
        }
        let one = |subject: &str, v: &Literal| -> Result<String, String> {
            let text = v.text();
            if text.is_empty() {
                return refuse(
                    "a comparison with an empty string ($null and '' differ between the shell and SQL)",
                );
            }
            Ok(match op {
                Compare::Eq
                | Compare::Contains
                | Compare::In
                | Compare::Ne
                | Compare::NotContains
                | Compare::NotIn
                    if numeric =>
                {
                    let n: f64 = text
                        .parse()
                        .map_err(|_| format!("'{text}' is not a number for {}", field.name()))?;
                    format!("{subject} = {n}")
                }
                Compare::Eq
                | Compare::Contains
                | Compare::In
                | Compare::Ne
                | Compare::NotContains
                | Compare::NotIn => {
                    format!(
                        "lower({subject}) = {}",
                        self.dialect.literal(&text.to_lowercase())
                    )
                }
                Compare::Like | Compare::NotLike => self.like(subject, &text)?,
                Compare::Match | Compare::NotMatch => self.regex(subject, &text),
                Compare::Gt | Compare::Ge | Compare::Lt | Compare::Le => {
                    let sym = match op {
                        Compare::Gt => ">",
                        Compare::Ge => ">=",
                        Compare::Lt => "<",
                        _ => "<=",
                    };
                    if numeric {
                        let n: f64 = text.parse().map_err(|_| {
                            format!("'{text}' is not a number for {}", field.name())
                        })?;
                        format!("{subject} {sym} {n}")
                    } else if field == Field::Timestamp {
                        let ms = crate::pwsh::ops::parse_datetime_invariant(
                            &text,
                            crate::pwsh::ops::Clock {
                                today: self.session.now.date_naive(),
                                zone: self.session.zone,
                            },
                        )
                        .ok()
                        .and_then(|t| self.session.zone.to_utc(t.wall))
                        .map(|u| u.timestamp_millis())
                        .ok_or_else(|| format!("'{text}' is not a date"))?;
                        format!("{subject} {sym} {}", self.timestamp(ms))
                    } else {
                        return refuse(format!(
                            "-{} on text (PowerShell orders text by culture)",
                            op.name()
                        ));
                    }
                }
            })
        };
        let negated = matches!(
            op,
            Compare::Ne
                | Compare::NotLike
                | Compare::NotMatch
                | Compare::NotContains
                | Compare::NotIn
        );
        if op == Compare::Eq && values.len() > 1
            || matches!(op, Compare::Contains | Compare::NotContains) && values.len() > 1
        {
            return refuse(format!("-{} with a list on the right", op.name()));
        }
        let each: Vec<String> = values
            .iter()
            .map(|v| one(if list { "x" } else { &c }, v))
            .collect::<Result<_, _>>()?;
        let any_value = format!("({})", each.join(" OR "));
        Ok(match (list, op) {
            // An operator on an array keeps the matching elements: true when any does.
            (true, Compare::NotContains | Compare::NotIn) => {
                format!("NOT {}", self.any(field, &any_value))
            }
            (true, _) if negated => self.any(field, &format!("NOT {any_value}")),
            (true, _) => self.any(field, &any_value),
            (false, _) if negated => format!("coalesce(NOT {any_value}, true)"),
            (false, _) => format!("coalesce({any_value}, false)"),
        })
    }

    /// A Where-Object script block's condition.
    fn condition(&self, e: &Expr) -> Result<String, String> {
        match &e.kind {
            ExprKind::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => Ok(format!(
                "({} AND {})",
                self.condition(left)?,
                self.condition(right)?
            )),
            ExprKind::Binary {
                op: BinaryOp::Or,
                left,
                right,
            } => Ok(format!(
                "({} OR {})",
                self.condition(left)?,
                self.condition(right)?
            )),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => Ok(format!("(NOT {})", self.condition(operand)?)),
            ExprKind::Paren(p) if p.elements.len() == 1 => match &p.elements[0] {
                Element::Expr(x) => self.condition(x),
                _ => refuse("a command inside Where-Object"),
            },
            ExprKind::Binary {
                op: BinaryOp::Compare(op, case),
                left,
                right,
            } => match property(left) {
                Some(f) => self.compare(f, *op, *case, right),
                None => refuse("a comparison whose left side is not $_.Property"),
            },
            _ => refuse(
                "this Where-Object condition (only $_.Property comparisons joined by -and/-or/-not)",
            ),
        }
    }

    fn where_stage(&self, c: &Command) -> Result<String, String> {
        match c.args.as_slice() {
            [
                Arg::Value(Expr {
                    kind: ExprKind::ScriptBlock(b),
                    ..
                }),
            ] => match b.body.statements.as_slice() {
                [Statement::Pipeline(p)] if p.elements.len() == 1 => match &p.elements[0] {
                    Element::Expr(x) => self.condition(x),
                    _ => refuse("a command inside Where-Object"),
                },
                _ => refuse("a Where-Object block of several statements"),
            },
            // The simplified form: Where-Object Prop -op value.
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
                let f = Field::from_name(prop)
                    .ok_or_else(|| format!("{prop} is not a property of the events"))?;
                let (op, case) = Compare::ALL
                    .iter()
                    .find_map(|(n, op)| {
                        let lower = name.to_ascii_lowercase();
                        (lower == *n || lower == format!("i{n}"))
                            .then_some((*op, false))
                            .or_else(|| (lower == format!("c{n}")).then_some((*op, true)))
                    })
                    .ok_or_else(|| format!("-{name} in Where-Object"))?;
                self.compare(f, op, case, v)
            }
            _ => refuse("this form of Where-Object"),
        }
    }
}

/// Property names a stage names (plain names and wildcards, no calculated properties).
fn names(e: &Expr) -> Result<Vec<Field>, String> {
    let words: Vec<String> = match &e.kind {
        ExprKind::Str(s) => vec![s.clone()],
        ExprKind::List(items) => items
            .iter()
            .map(|i| match &i.kind {
                ExprKind::Str(s) => Ok(s.clone()),
                _ => refuse("a calculated property"),
            })
            .collect::<Result<_, _>>()?,
        _ => return refuse("a calculated property"),
    };
    let mut out = Vec::new();
    for w in words {
        let re = crate::pwsh::wildcard::wildcard_regex(&w, false).map_err(|e| e.to_string())?;
        let matched: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| re.is_match(f.name()))
            .collect();
        if matched.is_empty() {
            return refuse(format!("{w} is not a property of the events"));
        }
        out.extend(matched);
    }
    Ok(out)
}

/// A number argument.
fn count(e: &Expr) -> Result<u64, String> {
    match &e.kind {
        ExprKind::Number(n) if n.to_f64() >= 0.0 => Ok(n.to_f64() as u64),
        _ => refuse("a count that is not a number"),
    }
}

/// The line as SQL over the store for `dialect`. `table` is the relation to read (DuckDB's
/// `read_parquet(…)`, or the table `--print-ddl` created).
pub fn compile(
    text: &str,
    session: &Session,
    dialect: Dialect,
    table: &str,
) -> Result<String, String> {
    let block: Block = crate::pwsh::parse::parse(text).map_err(|e| e.message)?;
    let [Statement::Pipeline(pipeline)] = block.statements.as_slice() else {
        return refuse("several statements (SQL is one query)");
    };
    let mut stages = pipeline.elements.iter();
    let mut first = stages.next();
    // `Get-TransportService |` in front: every server, as the store holds them.
    if let Some(Element::Command(c)) = first
        && crate::pwsh::commands::lists_servers(&c.name)
    {
        if !c.args.is_empty() {
            return refuse(format!("{} with arguments (use -Server)", c.name));
        }
        first = stages.next();
    }
    match first {
        Some(Element::Command(c)) if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog") => {}
        _ => return refuse("a line that does not start with Get-MessageTrackingLog"),
    }
    let plan = plan_of_line(text, session).map_err(|e| e.message)?;
    let w = Writer { dialect, session };
    let stored = crate::format::store_layout::stored_fields();
    let all_columns = |fields: &[Field]| -> Result<String, String> {
        if let Some(f) = fields.iter().find(|f| f.is_derived()) {
            return refuse(format!(
                "{} (msgtrack derives it; the store does not hold it)",
                f.name()
            ));
        }
        Ok(fields
            .iter()
            .map(|f| w.col(*f))
            .collect::<Vec<_>>()
            .join(", "))
    };
    let order = format!(
        "{}, {}, {}",
        w.col(Field::Timestamp),
        w.col(Field::File),
        w.col(Field::Line)
    );
    let mut base_where = w.plan_where(&plan);
    if base_where.is_empty() {
        base_where.push("true".into());
    }
    // The cmdlet's cut happens before Where-Object, as in the shell.
    let mut from = format!(
        "SELECT {} FROM {table} WHERE {} ORDER BY {order}{}",
        all_columns(&stored)?,
        base_where.join("\n  AND "),
        plan.result_size
            .map_or(String::new(), |n| format!(" LIMIT {n}"))
    );
    let mut wheres: Vec<String> = Vec::new();
    let mut select: Option<String> = None;
    let mut sort: Option<String> = None;
    let mut limit: Option<u64> = None;
    let mut grouped = false;
    for stage in stages {
        let Element::Command(c) = stage else {
            return refuse("an expression stage");
        };
        let bound = |params: &[crate::pwsh::runtime::ParamSpec]| {
            crate::pwsh::runtime::bind(c, params).map_err(|e| e.message)
        };
        if grouped {
            // After a grouping: its Count and Name can be sorted and the first kept.
            match canonical(&c.name) {
                Some("Sort-Object") => {
                    let b = bound(&crate::pwsh::commands::sort::SORT_PARAMS)?;
                    let desc = if b.has("Descending") { " DESC" } else { "" };
                    let keys = match (b.get("Property"), b.positional.first().copied()) {
                        (Some((Some(e), _)), _) | (None, Some(e)) => match &e.kind {
                            ExprKind::Str(k) if k.eq_ignore_ascii_case("Count") => {
                                format!("{}{desc}", w.dialect.ident("Count"))
                            }
                            ExprKind::Str(k) if k.eq_ignore_ascii_case("Name") => {
                                format!("lower({}){desc}", w.dialect.ident("Name"))
                            }
                            _ => {
                                return refuse(
                                    "Sort-Object after Group-Object by other than Count or Name",
                                );
                            }
                        },
                        _ => return refuse("Sort-Object without a property"),
                    };
                    // Ties keep the groups' first-appearance order, as a stable sort does.
                    from =
                        format!("SELECT * FROM ({from}) AS groups_ ORDER BY {keys}, first_seen_");
                    continue;
                }
                Some("Select-Object") => {
                    let b = bound(&crate::pwsh::commands::select::SELECT_PARAMS)?;
                    match b.get("First") {
                        Some((Some(e), _)) if b.named.len() == 1 && b.positional.is_empty() => {
                            limit = Some(count(e)?);
                            continue;
                        }
                        _ => return refuse("Select-Object after Group-Object other than -First N"),
                    }
                }
                Some("Format-Table" | "Format-List") => continue,
                _ => return refuse(format!("{} after Group-Object or Measure-Object", c.name)),
            }
        }
        match canonical(&c.name) {
            Some("Where-Object") => {
                if select.is_some() || sort.is_some() || limit.is_some() {
                    // Later filters apply to the shaped rows: nest.
                    from = format!("SELECT * FROM ({from}) AS shaped");
                }
                wheres.push(w.where_stage(c)?);
            }
            Some("Select-Object") => {
                let b = bound(&crate::pwsh::commands::select::SELECT_PARAMS)?;
                for unsupported in ["Last", "Skip", "Unique", "ExcludeProperty", "Index"] {
                    if b.has(unsupported) {
                        return refuse(format!("Select-Object -{unsupported}"));
                    }
                }
                if let Some((Some(e), _)) = b.get("First") {
                    limit = Some(count(e)?);
                }
                let props = match (
                    b.get("Property"),
                    b.positional.first().copied(),
                    b.get("ExpandProperty"),
                ) {
                    (Some((Some(e), _)), _, _) | (None, Some(e), _) => Some(names(e)?),
                    (_, _, Some((Some(e), _))) => Some(names(e)?),
                    _ => None,
                };
                if let Some(p) = props {
                    select = Some(all_columns(&p)?);
                }
            }
            Some("Sort-Object") => {
                let b = bound(&crate::pwsh::commands::sort::SORT_PARAMS)?;
                if b.has("Unique") {
                    return refuse("Sort-Object -Unique");
                }
                let desc = b.has("Descending");
                let props = match (b.get("Property"), b.positional.first().copied()) {
                    (Some((Some(e), _)), _) | (None, Some(e)) => names(e)?,
                    _ => return refuse("Sort-Object without a property"),
                };
                let keys: Vec<String> = props
                    .iter()
                    .map(|f| format!("{}{}", w.col(*f), if desc { " DESC" } else { "" }))
                    .collect();
                sort = Some(keys.join(", "));
            }
            Some("Group-Object") => {
                let b = bound(&crate::pwsh::commands::group::GROUP_PARAMS)?;
                let props = match (b.get("Property"), b.positional.first().copied()) {
                    (Some((Some(e), _)), _) | (None, Some(e)) => names(e)?,
                    _ => return refuse("Group-Object without a property"),
                };
                let [f] = props.as_slice() else {
                    return refuse("Group-Object by several properties");
                };
                if f.kind() == FieldKind::TextList || f.is_derived() {
                    return refuse(format!(
                        "Group-Object {} (a list or derived property)",
                        f.name()
                    ));
                }
                let col = w.col(*f);
                // A group is named by its first row in the cmdlet's output order (time, then
                // the order the files and lines were read in), and groups come in the order
                // of their first rows.
                let place = place(&w, dialect);
                let name = format!("min_by({col}, {place})");
                let text = match dialect {
                    Dialect::Spark => "STRING",
                    Dialect::Trino => "varchar",
                    Dialect::DuckDb => "VARCHAR",
                };
                let filtered = if wheres.is_empty() {
                    from.clone()
                } else {
                    format!(
                        "SELECT * FROM ({from}) AS cut WHERE {}",
                        wheres.join(" AND ")
                    )
                };
                // Groups in first-appearance order, as Windows PowerShell 5.1 emits them.
                from = format!(
                    "SELECT count(*) AS {}, {name} AS {}, min({place}) AS first_seen_ FROM ({filtered}) AS rows_ GROUP BY lower(CAST({col} AS {text})) ORDER BY first_seen_",
                    w.dialect.ident("Count"),
                    w.dialect.ident("Name"),
                );
                wheres.clear();
                grouped = true;
            }
            Some("Measure-Object") => {
                let b = bound(&crate::pwsh::commands::measure::MEASURE_PARAMS)?;
                if let Some(flag) = ["StandardDeviation", "AllStats"]
                    .into_iter()
                    .find(|f| b.has(f))
                {
                    // PowerShell 7's running variance is not an engine's stddev_samp.
                    return refuse(format!("Measure-Object -{flag} (not written as SQL)"));
                }
                let prop = match (b.get("Property"), b.positional.first().copied()) {
                    (Some((Some(e), _)), _) | (None, Some(e)) => Some(names(e)?),
                    _ => None,
                };
                let filtered = if wheres.is_empty() {
                    from.clone()
                } else {
                    format!(
                        "SELECT * FROM ({from}) AS cut WHERE {}",
                        wheres.join(" AND ")
                    )
                };
                from = match prop.as_deref() {
                    None => format!(
                        "SELECT count(*) AS {} FROM ({filtered}) AS rows_",
                        w.dialect.ident("Count")
                    ),
                    Some([f]) if matches!(f.kind(), FieldKind::Integer) => {
                        // Every event has the property: a $null value (TotalBytes of a
                        // SUBMIT) is counted and adds [double]$null = 0; compared with the
                        // kept maximum and minimum as PowerShell compares with $null, it
                        // replaces a minimum ≥ 0 (and a negative maximum), so the minimum is
                        // the smallest number after the last $null unless one is negative.
                        let c = w.col(*f);
                        let place = place(&w, dialect);
                        let after = "(last_null_ IS NULL OR place_ > last_null_)";
                        let mut cols = vec![format!("count(*) AS {}", w.dialect.ident("Count"))];
                        // (Each measure is named as its switch.)
                        for (flag, expr) in [
                            ("Sum", "coalesce(sum(v_), 0)".to_string()),
                            ("Average", "avg(coalesce(v_, 0))".into()),
                            (
                                "Maximum",
                                format!(
                                    "CASE WHEN max(v_) >= 0 THEN max(v_) ELSE max(CASE WHEN {after} THEN v_ END) END"
                                ),
                            ),
                            (
                                "Minimum",
                                format!(
                                    "CASE WHEN min(v_) < 0 THEN min(v_) ELSE min(CASE WHEN {after} THEN v_ END) END"
                                ),
                            ),
                        ] {
                            if b.has(flag) {
                                cols.push(format!("{expr} AS {}", w.dialect.ident(flag)));
                            }
                        }
                        // No row when no event came (Measure-Object of a property writes
                        // nothing then).
                        format!(
                            "SELECT {} FROM (SELECT {c} AS v_, {place} AS place_, max(CASE WHEN {c} IS NULL THEN {place} END) OVER () AS last_null_ FROM ({filtered}) AS f_) AS rows_ HAVING count(*) > 0",
                            cols.join(", ")
                        )
                    }
                    Some(_) => {
                        return refuse("Measure-Object of a property that is not a stored number");
                    }
                };
                wheres.clear();
                grouped = true;
            }
            Some("Format-Table" | "Format-List") => {
                let b = bound(&crate::pwsh::commands::format::FORMAT_PARAMS)?;
                if let (Some((Some(e), _)), _) | (None, Some(e)) =
                    (b.get("Property"), b.positional.first().copied())
                {
                    select = Some(all_columns(&names(e)?)?);
                }
            }
            other => return refuse(format!("{} (not written as SQL)", other.unwrap_or(&c.name))),
        }
    }
    let shown = match (grouped, select) {
        (_, Some(columns)) => columns,
        (true, None) if from.contains("first_seen_") => {
            format!("{}, {}", w.dialect.ident("Count"), w.dialect.ident("Name"))
        }
        _ => "*".into(),
    };
    let mut sql = format!("SELECT {shown} FROM ({from}) AS cut");
    if !wheres.is_empty() {
        sql.push_str(&format!("\nWHERE {}", wheres.join("\n  AND ")));
    }
    if !grouped {
        sql.push_str(&format!("\nORDER BY {}", sort.unwrap_or(order)));
    }
    if let Some(n) = limit {
        sql.push_str(&format!("\nLIMIT {n}"));
    }
    Ok(format!(
        "-- {}\n-- as SQL over a msgtrack store; equality ignores case (lower), list properties match on any element,\n-- -like is LIKE, -match is the engine's regex (close to .NET's for common patterns), rows in time order.\n{sql};",
        text.replace('\n', " ")
    ))
}
