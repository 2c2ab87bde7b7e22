//! The parsed query: a Get-MessageTrackingLog call and the pipeline stages after it. Every
//! node that a user typed keeps its span for error messages.

use std::ops::Range;

use crate::format::Field;

/// A byte range in the expression.
pub type Span = Range<usize>;

/// A whole pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The `Get-MessageTrackingLog` parameters.
    pub params: Vec<Param>,
    /// `Get-TransportService |` and similar prefixes were given (every server).
    pub all_servers_prefix: bool,
    pub stages: Vec<Stage>,
    /// The stages as typed (everything after the cmdlet's `|`), for echoing the query.
    pub stages_text: Option<String>,
}

/// The cmdlet's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamName {
    Start,
    End,
    EventId,
    Sender,
    Recipients,
    MessageId,
    InternalMessageId,
    NetworkMessageId,
    MessageSubject,
    Reference,
    Server,
    Source,
    TransportTrafficType,
    ResultSize,
    DomainController,
}

impl ParamName {
    /// Every parameter, in the cmdlet's documentation order.
    pub const ALL: [ParamName; 15] = [
        ParamName::DomainController,
        ParamName::End,
        ParamName::EventId,
        ParamName::InternalMessageId,
        ParamName::MessageId,
        ParamName::MessageSubject,
        ParamName::NetworkMessageId,
        ParamName::Recipients,
        ParamName::Reference,
        ParamName::ResultSize,
        ParamName::Sender,
        ParamName::Server,
        ParamName::Source,
        ParamName::Start,
        ParamName::TransportTrafficType,
    ];

    /// The name as PowerShell spells it.
    pub fn name(self) -> &'static str {
        match self {
            ParamName::Start => "Start",
            ParamName::End => "End",
            ParamName::EventId => "EventId",
            ParamName::Sender => "Sender",
            ParamName::Recipients => "Recipients",
            ParamName::MessageId => "MessageId",
            ParamName::InternalMessageId => "InternalMessageId",
            ParamName::NetworkMessageId => "NetworkMessageId",
            ParamName::MessageSubject => "MessageSubject",
            ParamName::Reference => "Reference",
            ParamName::Server => "Server",
            ParamName::Source => "Source",
            ParamName::TransportTrafficType => "TransportTrafficType",
            ParamName::ResultSize => "ResultSize",
            ParamName::DomainController => "DomainController",
        }
    }

    /// True for parameters that take a list of values (`-Recipients a,b`).
    pub fn takes_list(self) -> bool {
        !matches!(
            self,
            ParamName::Start | ParamName::End | ParamName::ResultSize | ParamName::MessageSubject
        )
    }
}

/// One parameter as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: ParamName,
    /// Where `-Name` is.
    pub span: Span,
    pub values: Vec<Value>,
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, quoted or bare.
    Text(String, Span),
    Number(f64, Span),
    /// `(Get-Date)`, `(Get-Date "…")`, `(Get-Date).AddDays(-2)`.
    Date(DateExpr, Span),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Text(_, s) | Value::Number(_, s) | Value::Date(_, s) => s.clone(),
        }
    }
}

/// A `Get-Date` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct DateExpr {
    /// The date given to Get-Date, or `None` for now.
    pub base: Option<String>,
    /// Offset added by `.AddDays()` / `.AddHours()` / `.AddMinutes()` / `.AddSeconds()`.
    pub offset_ms: i64,
}

/// A pipeline stage after the cmdlet.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// `Where-Object { … }` or `Where-Object Prop -op value`.
    Where(Expr),
    /// `Select-Object`.
    Select {
        properties: Vec<Field>,
        /// `Count` / `Name` of the groups, after a `Group-Object`.
        group_fields: Vec<GroupField>,
        first: Option<usize>,
        last: Option<usize>,
        expand: Option<Field>,
        unique: bool,
    },
    /// `Sort-Object`.
    Sort {
        properties: Vec<Field>,
        /// `Count` / `Name` of the groups, after a `Group-Object`.
        group_fields: Vec<GroupField>,
        descending: bool,
        unique: bool,
    },
    /// `Group-Object`.
    Group {
        properties: Vec<Field>,
        no_element: bool,
    },
    /// `Measure-Object`.
    Measure,
    /// `Format-Table` / `ft`.
    FormatTable(Vec<Field>),
    /// `Format-List` / `fl`.
    FormatList(Vec<Field>),
    /// `Export-Csv FILE`.
    ExportCsv { path: String },
    /// `ConvertTo-Json`.
    ConvertToJson,
}

/// A property of `Group-Object`'s output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupField {
    Count,
    Name,
}

impl GroupField {
    /// The property name.
    pub fn name(self) -> &'static str {
        match self {
            GroupField::Count => "Count",
            GroupField::Name => "Name",
        }
    }
}

/// A comparison operator of PowerShell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Like,
    NotLike,
    Match,
    NotMatch,
    Contains,
    NotContains,
    In,
    NotIn,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Every operator with its spelling (without the dash).
    pub const ALL: [(&'static str, CompareOp); 14] = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("like", CompareOp::Like),
        ("notlike", CompareOp::NotLike),
        ("match", CompareOp::Match),
        ("notmatch", CompareOp::NotMatch),
        ("contains", CompareOp::Contains),
        ("notcontains", CompareOp::NotContains),
        ("in", CompareOp::In),
        ("notin", CompareOp::NotIn),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];

    /// Looks an operator up by name, ignoring case; the `i` (case-insensitive) prefixed forms
    /// such as `-ieq` mean the same.
    pub fn from_name(name: &str) -> Option<CompareOp> {
        let lower = name.to_ascii_lowercase();
        let bare = lower
            .strip_prefix('i')
            .filter(|rest| CompareOp::ALL.iter().any(|(n, _)| n == rest))
            .unwrap_or(&lower);
        CompareOp::ALL
            .iter()
            .find(|(n, _)| *n == bare)
            .map(|(_, op)| *op)
    }
}

/// A `Where-Object` condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `$_.Prop -op value`.
    Compare {
        property: Field,
        op: CompareOp,
        values: Vec<Literal>,
        span: Span,
    },
    /// `$_.Prop` alone: true when the property is set.
    Truthy(Field),
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
}
