//! The syntax tree of the PowerShell subset: statements, pipelines of commands, and
//! expressions with PowerShell's operators. Every node keeps the span of its text, so an
//! error can point at what it does not understand.

use std::ops::Range;
use std::rc::Rc;

use super::number::Number;

/// A byte range in the source.
pub type Span = Range<usize>;

/// Statements separated by `;` or new lines (a script block's body, a whole line).
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// The statements in order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Clone)]
pub enum Statement {
    /// A pipeline (an expression alone is a pipeline of one element).
    Pipeline(Pipeline),
    /// `if (…) {…} elseif (…) {…} else {…}`.
    If {
        /// Conditions and their blocks, in order.
        branches: Vec<(Pipeline, Block)>,
        /// The `else` block.
        otherwise: Option<Block>,
    },
    /// `$name = …` (and `+=`, `++`).
    Assign {
        /// The variable.
        name: String,
        /// The operator as typed (`=`, `+=`, `++`, `--`).
        op: String,
        /// The value (none for `++`/`--`).
        value: Option<Pipeline>,
        /// Where the statement is.
        span: Span,
    },
}

/// A pipeline: elements joined by `|`, and an optional `> file` at the end.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The elements; only the first may be an expression.
    pub elements: Vec<Element>,
    /// `> FILE` or `>> FILE`.
    pub redirect: Option<Redirect>,
    /// Where the pipeline is.
    pub span: Span,
}

impl Pipeline {
    /// Its commands, in order (an expression first left out).
    pub fn commands(&self) -> Vec<&Command> {
        self.elements
            .iter()
            .filter_map(|e| match e {
                Element::Command(c) => Some(c),
                Element::Expr(_) => None,
            })
            .collect()
    }
}

/// `> FILE` (Out-File) or `>> FILE` (Out-File -Append).
#[derive(Debug, Clone)]
pub struct Redirect {
    /// `>>`.
    pub append: bool,
    /// The file.
    pub target: Expr,
    /// Where it is.
    pub span: Span,
}

/// One element of a pipeline.
#[derive(Debug, Clone)]
pub enum Element {
    /// A command with its arguments.
    Command(Command),
    /// An expression (first element only).
    Expr(Expr),
}

/// A command as typed: its name and arguments.
#[derive(Debug, Clone)]
pub struct Command {
    /// The name as typed (`Where-Object`, `?`, `ft`).
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// Arguments in order.
    pub args: Vec<Arg>,
    /// Where the whole command is.
    pub span: Span,
}

/// A command argument.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `-Name` or `-Name:value`.
    Param {
        /// The name without the dash.
        name: String,
        /// The value given with a colon (`-Recipients:a@b`).
        value: Option<Expr>,
        /// Where `-Name` is.
        span: Span,
    },
    /// A value (positional, or the value of the parameter before it).
    Value(Expr),
}

/// An expression and where it is.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

impl Expr {
    /// True for `$_` or `$PSItem`: the pipeline's current item.
    pub fn is_current_item(&self) -> bool {
        matches!(&self.kind, ExprKind::Variable(v) if v == "_" || v.eq_ignore_ascii_case("PSItem"))
    }

    /// The value of a whole-number literal (`5`, `5000000000`); `None` for anything else
    /// (a variable, an expression, a fraction).
    pub fn whole_number(&self) -> Option<i64> {
        match &self.kind {
            ExprKind::Number(crate::pwsh::number::Number::Int(n)) => Some(i64::from(*n)),
            ExprKind::Number(crate::pwsh::number::Number::Long(n)) => Some(*n),
            _ => None,
        }
    }

    /// The one pipeline inside `( … )`, `@( … )` or `$( … )`; `None` for anything else.
    pub fn inner_pipeline(&self) -> Option<&Pipeline> {
        match &self.kind {
            ExprKind::Paren(p) => Some(p),
            ExprKind::ArraySub(b) | ExprKind::SubExpr(b) => match b.statements.as_slice() {
                [Statement::Pipeline(p)] => Some(p),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Expression kinds.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A number literal.
    Number(Number),
    /// A string with nothing to expand (single quotes, bare words).
    Str(String),
    /// A double-quoted string with `$var` / `$(…)` parts.
    Expandable(Vec<StringPart>),
    /// `$name`.
    Variable(String),
    /// `target.Name`, or `[type]::Name` when `is_static`.
    Member {
        /// The object.
        target: Box<Expr>,
        /// The member name.
        name: String,
        /// `::` access on a type.
        is_static: bool,
    },
    /// `target.Name(args)`, or `[type]::Name(args)`.
    Method {
        /// The object.
        target: Box<Expr>,
        /// The method name.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
        /// `::` call on a type.
        is_static: bool,
    },
    /// `target[index]`.
    Index {
        /// The collection.
        target: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// A unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `a, b, c`.
    List(Vec<Expr>),
    /// `@( … )`.
    ArraySub(Block),
    /// `$( … )`.
    SubExpr(Block),
    /// `( pipeline )`.
    Paren(Box<Pipeline>),
    /// `@{ key = value; … }`.
    Hashtable(Vec<(Expr, Expr)>),
    /// `{ … }`.
    ScriptBlock(Rc<ScriptBlock>),
    /// `[type]` alone (a type for `::`, or `-is`/`-as`).
    Type(String),
    /// `[type]operand`.
    Cast {
        /// The type name as typed.
        ty: String,
        /// What is converted.
        operand: Box<Expr>,
    },
}

/// A part of a double-quoted string.
#[derive(Debug, Clone)]
pub enum StringPart {
    /// Literal text (escapes undone).
    Text(String),
    /// An embedded `$var` or `$(…)`.
    Expr(Expr),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-not`, `!`.
    Not,
    /// `-x`.
    Negate,
    /// `+x`.
    Plus,
    /// `-join x`.
    Join,
    /// `-split x`.
    Split,
    /// `,x` (a one-element array).
    Comma,
}

/// The comparison families; each has a case-insensitive (`-eq`, `-ieq`) and a
/// case-sensitive (`-ceq`) form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the operators' names
pub enum Compare {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    Match,
    NotMatch,
    Contains,
    NotContains,
    In,
    NotIn,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// A comparison, case-sensitive when the flag is set.
    Compare(Compare, bool),
    /// `-replace` / `-creplace`.
    Replace(bool),
    /// `-split` / `-csplit`.
    Split(bool),
    /// `-join`.
    Join,
    /// `-f`.
    Format,
    /// `-is`.
    Is,
    /// `-isnot`.
    IsNot,
    /// `-as`.
    As,
    /// `-and`.
    And,
    /// `-or`.
    Or,
    /// `-xor`.
    Xor,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `..`.
    Range,
}

impl Compare {
    /// Every comparison family with its name (without the dash and the `i`/`c` prefix).
    pub const ALL: [(&'static str, Compare); 14] = [
        ("eq", Compare::Eq),
        ("ne", Compare::Ne),
        ("gt", Compare::Gt),
        ("ge", Compare::Ge),
        ("lt", Compare::Lt),
        ("le", Compare::Le),
        ("like", Compare::Like),
        ("notlike", Compare::NotLike),
        ("match", Compare::Match),
        ("notmatch", Compare::NotMatch),
        ("contains", Compare::Contains),
        ("notcontains", Compare::NotContains),
        ("in", Compare::In),
        ("notin", Compare::NotIn),
    ];

    /// The operator's name (`like`).
    pub fn name(self) -> &'static str {
        Compare::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("", |(n, _)| n)
    }
}

impl BinaryOp {
    /// Reads a dash operator (`eq`, `ilike`, `creplace`, `and`, `f`, …) by its name, any case.
    pub fn from_dash(name: &str) -> Option<BinaryOp> {
        let lower = name.to_ascii_lowercase();
        let simple = match lower.as_str() {
            "and" => Some(BinaryOp::And),
            "or" => Some(BinaryOp::Or),
            "xor" => Some(BinaryOp::Xor),
            "f" => Some(BinaryOp::Format),
            "is" => Some(BinaryOp::Is),
            "isnot" => Some(BinaryOp::IsNot),
            "as" => Some(BinaryOp::As),
            "join" => Some(BinaryOp::Join),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        let (case, base) = match lower.as_bytes().first() {
            Some(b'c') if lower.len() > 1 => (true, &lower[1..]),
            Some(b'i') if lower.len() > 1 => (false, &lower[1..]),
            _ => (false, lower.as_str()),
        };
        let pick = |base: &str, case: bool| -> Option<BinaryOp> {
            match base {
                "replace" => Some(BinaryOp::Replace(case)),
                "split" => Some(BinaryOp::Split(case)),
                _ => Compare::ALL
                    .iter()
                    .find(|(n, _)| *n == base)
                    .map(|(_, c)| BinaryOp::Compare(*c, case)),
            }
        };
        pick(&lower, false).or_else(|| {
            if base.len() < lower.len() {
                pick(base, case)
            } else {
                None
            }
        })
    }
}

/// A script block: its statements and its source text (a bare `{…}` column is named by it).
#[derive(Debug)]
pub struct ScriptBlock {
    /// The parsed body.
    pub body: Block,
    /// The text between the braces, as typed.
    pub text: String,
}

/// What a walk over the syntax tree sees.
pub trait Visit<'a> {
    /// Every expression, outermost first.
    fn expr(&mut self, _e: &'a Expr) {}
    /// Every statement, before its parts.
    fn statement(&mut self, _s: &'a Statement) {}
}

/// Every variable read in what a walk sees (lowercase names), with where each is.
#[derive(Debug, Default)]
pub struct VariableReads(pub Vec<(String, Span)>);

impl Visit<'_> for VariableReads {
    fn expr(&mut self, e: &Expr) {
        if let ExprKind::Variable(n) = &e.kind {
            self.0.push((n.to_ascii_lowercase(), e.span.clone()));
        }
    }
}

/// Walks every statement and expression of `block`, nested blocks included.
pub fn walk_block<'a>(block: &'a Block, v: &mut impl Visit<'a>) {
    for s in &block.statements {
        walk_statement(s, v);
    }
}

/// Walks a statement and everything inside it.
pub fn walk_statement<'a>(s: &'a Statement, v: &mut impl Visit<'a>) {
    v.statement(s);
    match s {
        Statement::Pipeline(p) => walk_pipeline(p, v),
        Statement::If {
            branches,
            otherwise,
        } => {
            for (c, b) in branches {
                walk_pipeline(c, v);
                walk_block(b, v);
            }
            if let Some(b) = otherwise {
                walk_block(b, v);
            }
        }
        Statement::Assign { value, .. } => {
            if let Some(p) = value {
                walk_pipeline(p, v);
            }
        }
    }
}

/// Walks a pipeline's elements, arguments and redirection target.
pub fn walk_pipeline<'a>(p: &'a Pipeline, v: &mut impl Visit<'a>) {
    for e in &p.elements {
        match e {
            Element::Expr(x) => walk_expr(x, v),
            Element::Command(c) => walk_command(c, v),
        }
    }
    if let Some(r) = &p.redirect {
        walk_expr(&r.target, v);
    }
}

/// Walks a command's argument values.
pub fn walk_command<'a>(c: &'a Command, v: &mut impl Visit<'a>) {
    for a in &c.args {
        match a {
            Arg::Param { value: Some(x), .. } | Arg::Value(x) => walk_expr(x, v),
            Arg::Param { .. } => {}
        }
    }
}

/// Walks an expression and everything inside it.
pub fn walk_expr<'a>(e: &'a Expr, v: &mut impl Visit<'a>) {
    v.expr(e);
    match &e.kind {
        ExprKind::Expandable(parts) => {
            for p in parts {
                if let StringPart::Expr(x) = p {
                    walk_expr(x, v);
                }
            }
        }
        ExprKind::Member { target, .. } => walk_expr(target, v),
        ExprKind::Method { target, args, .. } => {
            walk_expr(target, v);
            args.iter().for_each(|a| walk_expr(a, v));
        }
        ExprKind::Index { target, index } => {
            walk_expr(target, v);
            walk_expr(index, v);
        }
        ExprKind::Unary { operand, .. } | ExprKind::Cast { operand, .. } => walk_expr(operand, v),
        ExprKind::Binary { left, right, .. } => {
            walk_expr(left, v);
            walk_expr(right, v);
        }
        ExprKind::List(items) => items.iter().for_each(|i| walk_expr(i, v)),
        ExprKind::ArraySub(b) | ExprKind::SubExpr(b) => walk_block(b, v),
        ExprKind::Paren(p) => walk_pipeline(p, v),
        ExprKind::Hashtable(entries) => {
            for (k, x) in entries {
                walk_expr(k, v);
                walk_expr(x, v);
            }
        }
        ExprKind::ScriptBlock(b) => walk_block(&b.body, v),
        ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Variable(_) | ExprKind::Type(_) => {}
    }
}
