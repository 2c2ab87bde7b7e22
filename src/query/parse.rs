//! Parsing a pasted Get-MessageTrackingLog pipeline into a [`Query`].
//!
//! Parameter names are case-insensitive and may be abbreviated to a unique prefix, as in
//! PowerShell. Errors carry the span of the offending text and, where one is close, a
//! suggestion ("did you mean -Recipients?").

use std::ops::Range;

use super::ast::{
    CompareOp, DateExpr, Expr, GroupField, Literal, Param, ParamName, Query, Span, Stage, Value,
};
use crate::format::Field;
use crate::pwsh::lex::{Spanned, Token, lex};

/// A query that cannot be understood, with where and (maybe) what was meant.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub message: String,
    pub span: Span,
    pub suggestion: Option<String>,
}

impl QueryError {
    fn new(message: impl Into<String>, span: Span) -> QueryError {
        QueryError {
            message: message.into(),
            span,
            suggestion: None,
        }
    }

    fn suggest(mut self, suggestion: Option<String>) -> QueryError {
        self.suggestion = suggestion;
        self
    }

    /// The expression with a caret line under the offending span, the message and the
    /// suggestion, ready to print.
    pub fn render(&self, expression: &str) -> String {
        let start = self.span.start.min(expression.len());
        let end = self.span.end.clamp(start, expression.len());
        let pad = expression[..start].chars().count();
        let width = expression[start..end].chars().count().max(1);
        let mut out = format!(
            "{expression}\n{}{}\nerror: {}",
            " ".repeat(pad),
            "^".repeat(width),
            self.message
        );
        if let Some(s) = &self.suggestion {
            out.push_str(&format!("\nhelp: did you mean {s}?"));
        }
        out
    }
}

/// The closest candidate to `typed` (ignoring case), if it is close enough to suggest.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&typed, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

const SERVER_PREFIXES: [&str; 4] = [
    "Get-TransportService",
    "Get-ExchangeServer",
    "Get-MailboxServer",
    "Get-TransportServer",
];

/// Parses a whole pipeline.
pub fn parse(expression: &str) -> Result<Query, QueryError> {
    let tokens = lex(expression).map_err(|e| QueryError::new(e.message, e.span))?;
    let segments = split_pipeline(&tokens, expression.len())?;
    let mut segments = segments.into_iter().peekable();
    let mut all_servers_prefix = false;
    let mut server_names: Vec<Value> = Vec::new();
    let mut cmdlet: Option<&[Spanned]> = None;
    for segment in segments.by_ref() {
        let (name, span) = command_name(segment, expression.len())?;
        if let Some(prefix) = SERVER_PREFIXES
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
        {
            let _ = prefix;
            all_servers_prefix = true;
            let mut p = Parser::new(&segment[1..], span.end);
            while !p.done() {
                server_names.push(p.value()?);
                let _ = p.eat(|t| matches!(t, Token::Comma));
            }
            continue;
        }
        if name.eq_ignore_ascii_case("Get-MessageTrackingLog") {
            cmdlet = Some(segment);
            break;
        }
        let suggestion = closest(
            name,
            SERVER_PREFIXES
                .iter()
                .copied()
                .chain(["Get-MessageTrackingLog"]),
        );
        return Err(QueryError::new(
            format!("'{name}' is not Get-MessageTrackingLog; a query starts with the cmdlet (optionally after Get-TransportService |)"),
            span,
        )
        .suggest(suggestion.map(str::to_string)));
    }
    let Some(cmdlet) = cmdlet else {
        return Err(QueryError::new(
            "no Get-MessageTrackingLog in the expression",
            0..expression.len(),
        ));
    };
    let mut params = parse_params(&cmdlet[1..], cmdlet[0].span.end)?;
    if !server_names.is_empty() && !params.iter().any(|p| p.name == ParamName::Server) {
        params.push(Param {
            name: ParamName::Server,
            span: server_names[0].span(),
            values: server_names,
        });
    }
    let rest: Vec<&[Spanned]> = segments.collect();
    let stages_text = rest
        .first()
        .and_then(|segment| segment.first())
        .map(|t| expression[t.span.start..].trim_end().to_string());
    let mut stages = Vec::new();
    let mut after_group = false;
    for segment in rest {
        let stage = parse_stage(segment, expression.len(), after_group)?;
        after_group |= matches!(stage, Stage::Group { .. });
        stages.push(stage);
    }
    Ok(Query {
        params,
        all_servers_prefix,
        stages,
        stages_text,
    })
}

/// Splits at `|` outside braces and parentheses.
fn split_pipeline(tokens: &[Spanned], len: usize) -> Result<Vec<&[Spanned]>, QueryError> {
    let mut segments = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LBrace | Token::LParen | Token::AtParen => depth += 1,
            Token::RBrace | Token::RParen => depth -= 1,
            Token::Pipe if depth == 0 => {
                if i == start {
                    return Err(QueryError::new("an empty pipeline stage", t.span.clone()));
                }
                segments.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(QueryError::new(
                "this bracket closes nothing",
                t.span.clone(),
            ));
        }
    }
    if depth > 0 {
        return Err(QueryError::new("a bracket is never closed", len..len));
    }
    if start == tokens.len() {
        let at = tokens.last().map_or(0..0, |t| t.span.clone());
        return Err(QueryError::new("the pipeline ends with '|'", at));
    }
    segments.push(&tokens[start..]);
    Ok(segments)
}

fn command_name(segment: &[Spanned], len: usize) -> Result<(&str, Span), QueryError> {
    match segment.first() {
        Some(Spanned {
            token: Token::Word(w),
            span,
        }) => Ok((w.as_str(), span.clone())),
        Some(other) => Err(QueryError::new(
            "a pipeline stage must start with a command name",
            other.span.clone(),
        )),
        None => Err(QueryError::new("an empty pipeline stage", len..len)),
    }
}

/// Resolves a typed parameter name: exact, else a unique prefix, ignoring case.
fn resolve_param(typed: &str, span: Span) -> Result<ParamName, QueryError> {
    let lower = typed.to_ascii_lowercase();
    if let Some(p) = ParamName::ALL
        .iter()
        .find(|p| p.name().eq_ignore_ascii_case(typed))
    {
        return Ok(*p);
    }
    let matches: Vec<ParamName> = ParamName::ALL
        .iter()
        .copied()
        .filter(|p| p.name().to_ascii_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(QueryError::new(
            format!("Get-MessageTrackingLog has no parameter -{typed}"),
            span,
        )
        .suggest(closest(typed, ParamName::ALL.iter().map(|p| p.name())).map(|s| format!("-{s}")))),
        many => {
            let names: Vec<String> = many.iter().map(|p| format!("-{}", p.name())).collect();
            Err(QueryError::new(
                format!("-{typed} is ambiguous: it could be {}", names.join(", ")),
                span,
            ))
        }
    }
}

fn parse_params(tokens: &[Spanned], after: usize) -> Result<Vec<Param>, QueryError> {
    let mut p = Parser::new(tokens, after);
    let mut params: Vec<Param> = Vec::new();
    while let Some(t) = p.next() {
        let Token::Dash(name) = &t.token else {
            return Err(QueryError::new(
                "expected a parameter such as -EventId or -Start here (positional values are not accepted)",
                t.span.clone(),
            ));
        };
        let name_span = t.span.clone();
        let param = resolve_param(name, name_span.clone())?;
        if params.iter().any(|q| q.name == param) {
            return Err(QueryError::new(
                format!(
                    "-{} is given twice; give several values as a comma list",
                    param.name()
                ),
                name_span,
            ));
        }
        let mut values = vec![p.value().map_err(|mut e| {
            if e.message.starts_with("expected a value") {
                e.message = format!("-{} needs a value", param.name());
                e.span = name_span.clone();
            }
            e
        })?];
        while p.eat(|t| matches!(t, Token::Comma)).is_some() {
            values.push(p.value()?);
        }
        if values.len() > 1 && !param.takes_list() {
            return Err(QueryError::new(
                format!("-{} takes one value", param.name()),
                values[1].span(),
            ));
        }
        params.push(Param {
            name: param,
            span: name_span,
            values,
        });
    }
    Ok(params)
}

/// A cursor over a token slice.
struct Parser<'a> {
    tokens: &'a [Spanned],
    at: usize,
    /// Where the slice ends in the expression (for errors at the end).
    end: usize,
}

impl<'a> Parser<'a> {
    fn new(tokens: &'a [Spanned], after: usize) -> Parser<'a> {
        let end = tokens.last().map_or(after, |t| t.span.end);
        Parser { tokens, at: 0, end }
    }

    fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    fn peek(&self) -> Option<&'a Spanned> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<&'a Spanned> {
        let t = self.tokens.get(self.at);
        self.at += 1;
        t
    }

    fn eat(&mut self, want: impl Fn(&Token) -> bool) -> Option<&'a Spanned> {
        match self.peek() {
            Some(t) if want(&t.token) => self.next(),
            _ => None,
        }
    }

    fn here(&self) -> Span {
        self.peek().map_or(self.end..self.end, |t| t.span.clone())
    }

    fn expect(
        &mut self,
        want: impl Fn(&Token) -> bool,
        what: &str,
    ) -> Result<&'a Spanned, QueryError> {
        let span = self.here();
        self.eat(want)
            .ok_or_else(|| QueryError::new(format!("expected {what} here"), span))
    }

    /// A parameter value: text, a number, or a `(Get-Date …)` expression.
    fn value(&mut self) -> Result<Value, QueryError> {
        let span = self.here();
        match self.peek().map(|t| &t.token) {
            Some(Token::Quoted(s)) | Some(Token::Word(s)) => {
                let s = s.clone();
                self.next();
                Ok(Value::Text(s, span))
            }
            Some(Token::Number(n)) => {
                let n = *n;
                self.next();
                Ok(Value::Number(n, span))
            }
            Some(Token::LParen) => self.date_expr(),
            _ => Err(QueryError::new("expected a value here", span)),
        }
    }

    /// `(Get-Date [value])` followed by any number of `.AddDays(n)`-style calls.
    fn date_expr(&mut self) -> Result<Value, QueryError> {
        let open = self
            .expect(|t| matches!(t, Token::LParen), "'('")?
            .span
            .clone();
        let name = self.expect(|t| matches!(t, Token::Word(_)), "Get-Date")?;
        let Token::Word(word) = &name.token else {
            unreachable!()
        };
        if !word.eq_ignore_ascii_case("Get-Date") {
            return Err(QueryError::new(
                format!("only (Get-Date …) expressions are understood here, not ({word} …)"),
                name.span.clone(),
            )
            .suggest(Some("(Get-Date)".into())));
        }
        let base = match self.peek().map(|t| &t.token) {
            Some(Token::RParen) => None,
            Some(Token::Dash(d)) if d.eq_ignore_ascii_case("Date") => {
                self.next();
                Some(self.text_value("a date")?)
            }
            _ => Some(self.text_value("a date")?),
        };
        let mut close = self
            .expect(|t| matches!(t, Token::RParen), "')'")?
            .span
            .clone();
        let mut offset_ms = 0i64;
        while self.eat(|t| matches!(t, Token::Dot)).is_some() {
            let method =
                self.expect(|t| matches!(t, Token::Word(_)), "a method such as AddDays")?;
            let Token::Word(m) = &method.token else {
                unreachable!()
            };
            let unit_ms: f64 = match m.to_ascii_lowercase().as_str() {
                "adddays" => 86_400_000.0,
                "addhours" => 3_600_000.0,
                "addminutes" => 60_000.0,
                "addseconds" => 1_000.0,
                _ => {
                    return Err(QueryError::new(
                        format!(
                            "{m} is not understood; use AddDays, AddHours, AddMinutes or AddSeconds"
                        ),
                        method.span.clone(),
                    )
                    .suggest(
                        closest(m, ["AddDays", "AddHours", "AddMinutes", "AddSeconds"])
                            .map(str::to_string),
                    ));
                }
            };
            self.expect(|t| matches!(t, Token::LParen), "'('")?;
            let n = self.expect(|t| matches!(t, Token::Number(_)), "a number")?;
            let Token::Number(n) = n.token else {
                unreachable!()
            };
            close = self
                .expect(|t| matches!(t, Token::RParen), "')'")?
                .span
                .clone();
            offset_ms += (n * unit_ms).round() as i64;
        }
        Ok(Value::Date(
            DateExpr { base, offset_ms },
            open.start..close.end,
        ))
    }

    fn text_value(&mut self, what: &str) -> Result<String, QueryError> {
        let span = self.here();
        match self.next().map(|t| &t.token) {
            Some(Token::Quoted(s)) | Some(Token::Word(s)) => Ok(s.clone()),
            Some(Token::Number(n)) => Ok(n.to_string()),
            _ => Err(QueryError::new(format!("expected {what} here"), span)),
        }
    }

    fn property(&mut self) -> Result<Field, QueryError> {
        let span = self.here();
        match self.next().map(|t| &t.token) {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => resolve_property(w, span),
            _ => Err(QueryError::new(
                "expected a property name such as Recipients",
                span,
            )),
        }
    }

    /// Property names separated by commas, until a parameter or the end.
    fn properties(&mut self) -> Result<Vec<Field>, QueryError> {
        let mut out = Vec::new();
        self.extend_properties(false, &mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// Reads property names into `out`; after a Group-Object (`after_group`), `Count` and
    /// `Name` go into `group`. Returns how many names were read.
    fn extend_properties(
        &mut self,
        after_group: bool,
        out: &mut Vec<Field>,
        group: &mut Vec<GroupField>,
    ) -> Result<usize, QueryError> {
        let before = out.len() + group.len();
        while matches!(
            self.peek().map(|t| &t.token),
            Some(Token::Word(_) | Token::Quoted(_))
        ) {
            if let Some(Token::Word(w)) = self.peek().map(|t| &t.token)
                && w == "*"
            {
                self.next();
                out.extend(Field::ALL);
                let _ = self.eat(|t| matches!(t, Token::Comma));
                continue;
            }
            let field = match self.peek().map(|t| &t.token) {
                Some(Token::Word(w) | Token::Quoted(w)) if after_group => {
                    if w.eq_ignore_ascii_case("Count") {
                        Some(GroupField::Count)
                    } else if w.eq_ignore_ascii_case("Name") {
                        Some(GroupField::Name)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match field {
                Some(f) => {
                    self.next();
                    group.push(f);
                }
                None if after_group => {
                    let span = self.here();
                    let name = match self.next().map(|t| &t.token) {
                        Some(Token::Word(w) | Token::Quoted(w)) => w.clone(),
                        _ => String::new(),
                    };
                    return Err(QueryError::new(
                        format!("after Group-Object the properties are Count and Name, not {name}"),
                        span,
                    )
                    .suggest(closest(&name, ["Count", "Name"]).map(str::to_string)));
                }
                None => out.push(self.property()?),
            }
            if self.eat(|t| matches!(t, Token::Comma)).is_none() {
                break;
            }
        }
        Ok(out.len() + group.len() - before)
    }

    fn count(&mut self, name: &str) -> Result<usize, QueryError> {
        let span = self.here();
        match self.next().map(|t| &t.token) {
            Some(Token::Number(n)) if *n >= 0.0 && n.fract() == 0.0 => Ok(*n as usize),
            _ => Err(QueryError::new(
                format!("-{name} needs a whole number"),
                span,
            )),
        }
    }

    // ------------------------------------------------------------- Where expressions

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and_expr()?;
        while self
            .eat(|t| matches!(t, Token::Dash(d) if d.eq_ignore_ascii_case("or")))
            .is_some()
        {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self
            .eat(|t| matches!(t, Token::Dash(d) if d.eq_ignore_ascii_case("and")))
            .is_some()
        {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let is_not = |t: &Token| {
            matches!(t, Token::Dash(d) if d.eq_ignore_ascii_case("not"))
                || matches!(t, Token::Word(w) if w == "!")
        };
        if self.eat(is_not).is_some() {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat(|t| matches!(t, Token::LParen)).is_some() {
            let inner = self.expr()?;
            self.expect(|t| matches!(t, Token::RParen), "')'")?;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let start = self.here();
        let var = self.expect(|t| matches!(t, Token::Variable(_)), "$_.Property")?;
        if !matches!(&var.token, Token::Variable(v) if v == "_" || v.eq_ignore_ascii_case("PSItem"))
        {
            return Err(QueryError::new(
                "only $_ (the current row) can be compared here",
                var.span.clone(),
            ));
        }
        self.expect(|t| matches!(t, Token::Dot), "'.' and a property name")?;
        let property = self.property()?;
        self.comparison_rest(property, start)
    }

    /// The operator and value(s) after a property.
    fn comparison_rest(&mut self, property: Field, start: Span) -> Result<Expr, QueryError> {
        let Some(op_token) = self.peek() else {
            return Ok(Expr::Truthy(property));
        };
        let Token::Dash(op_name) = &op_token.token else {
            return Ok(Expr::Truthy(property));
        };
        if ["and", "or"]
            .iter()
            .any(|k| op_name.eq_ignore_ascii_case(k))
        {
            return Ok(Expr::Truthy(property));
        }
        let op = CompareOp::from_name(op_name).ok_or_else(|| {
            QueryError::new(
                format!("-{op_name} is not a comparison operator"),
                op_token.span.clone(),
            )
            .suggest(
                closest(op_name, CompareOp::ALL.iter().map(|(n, _)| *n)).map(|s| format!("-{s}")),
            )
        })?;
        self.next();
        let mut values = Vec::new();
        if self.eat(|t| matches!(t, Token::AtParen)).is_some() {
            while self.eat(|t| matches!(t, Token::RParen)).is_none() {
                values.push(self.literal()?);
                let _ = self.eat(|t| matches!(t, Token::Comma));
            }
        } else {
            values.push(self.literal()?);
            while self.eat(|t| matches!(t, Token::Comma)).is_some() {
                values.push(self.literal()?);
            }
        }
        let end = self
            .tokens
            .get(self.at.saturating_sub(1))
            .map_or(start.end, |t| t.span.end);
        Ok(Expr::Compare {
            property,
            op,
            values,
            span: start.start..end,
        })
    }

    fn literal(&mut self) -> Result<Literal, QueryError> {
        let span = self.here();
        match self.next().map(|t| &t.token) {
            Some(Token::Quoted(s)) | Some(Token::Word(s)) => Ok(Literal::Text(s.clone())),
            Some(Token::Number(n)) => Ok(Literal::Number(*n)),
            Some(Token::Variable(v)) if v.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Token::Variable(v)) if v.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Token::Variable(v)) if v.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            _ => Err(QueryError::new("expected a value to compare with", span)),
        }
    }
}

/// Resolves a property name (case-insensitive) to a column.
pub fn resolve_property(typed: &str, span: Span) -> Result<Field, QueryError> {
    Field::from_name(typed).ok_or_else(|| {
        QueryError::new(format!("there is no property {typed}"), span)
            .suggest(closest(typed, Field::ALL.iter().map(|c| c.name())).map(str::to_string))
    })
}

/// One pipeline stage after the cmdlet. `after_group`: a Group-Object came before, so its
/// Count and Name are the properties.
fn parse_stage(segment: &[Spanned], len: usize, after_group: bool) -> Result<Stage, QueryError> {
    let (name, span) = command_name(segment, len)?;
    let mut p = Parser::new(&segment[1..], span.end);
    let lower = name.to_ascii_lowercase();
    let stage = match lower.as_str() {
        "where-object" | "where" | "?" => {
            if p.eat(|t| matches!(t, Token::LBrace)).is_some() {
                let expr = p.expr()?;
                p.expect(
                    |t| matches!(t, Token::RBrace),
                    "'}' or an operator such as -and",
                )?;
                Stage::Where(expr)
            } else {
                let start = p.here();
                let _ =
                    p.eat(|t| matches!(t, Token::Dash(d) if d.eq_ignore_ascii_case("Property")));
                let property = p.property()?;
                Stage::Where(p.comparison_rest(property, start)?)
            }
        }
        "select-object" | "select" => {
            let (mut properties, mut group_fields) = (Vec::new(), Vec::new());
            p.extend_properties(after_group, &mut properties, &mut group_fields)?;
            let (mut first, mut last, mut expand, mut unique) = (None, None, None, false);
            while let Some(t) = p.next() {
                let Token::Dash(flag) = &t.token else {
                    // Positional properties may come after the switches too.
                    p.at -= 1;
                    if p.extend_properties(after_group, &mut properties, &mut group_fields)? == 0 {
                        return Err(QueryError::new("unexpected value", t.span.clone()));
                    }
                    continue;
                };
                match resolve_flag(
                    flag,
                    &["Property", "First", "Last", "ExpandProperty", "Unique"],
                    t.span.clone(),
                )? {
                    "Property" => {
                        p.extend_properties(after_group, &mut properties, &mut group_fields)?;
                    }
                    "First" => first = Some(p.count("First")?),
                    "Last" => last = Some(p.count("Last")?),
                    "ExpandProperty" => expand = Some(p.property()?),
                    _ => unique = true,
                }
            }
            Stage::Select {
                properties,
                group_fields,
                first,
                last,
                expand,
                unique,
            }
        }
        "sort-object" | "sort" => {
            let (mut properties, mut group_fields) = (Vec::new(), Vec::new());
            p.extend_properties(after_group, &mut properties, &mut group_fields)?;
            let (mut descending, mut unique) = (false, false);
            while let Some(t) = p.next() {
                let Token::Dash(flag) = &t.token else {
                    // Positional properties may come after the switches too.
                    p.at -= 1;
                    if p.extend_properties(after_group, &mut properties, &mut group_fields)? == 0 {
                        return Err(QueryError::new("unexpected value", t.span.clone()));
                    }
                    continue;
                };
                match resolve_flag(flag, &["Property", "Descending", "Unique"], t.span.clone())? {
                    "Property" => {
                        p.extend_properties(after_group, &mut properties, &mut group_fields)?;
                    }
                    "Descending" => descending = true,
                    _ => unique = true,
                }
            }
            Stage::Sort {
                properties,
                group_fields,
                descending,
                unique,
            }
        }
        "group-object" | "group" => {
            let mut properties = p.properties()?;
            let mut no_element = false;
            while let Some(t) = p.next() {
                let Token::Dash(flag) = &t.token else {
                    return Err(QueryError::new("unexpected value", t.span.clone()));
                };
                match resolve_flag(flag, &["Property", "NoElement"], t.span.clone())? {
                    "Property" => properties.extend(p.properties()?),
                    _ => no_element = true,
                }
            }
            Stage::Group {
                properties,
                no_element,
            }
        }
        "measure-object" | "measure" => Stage::Measure,
        "format-table" | "ft" | "format-list" | "fl" => {
            let mut properties = p.properties()?;
            while let Some(t) = p.next() {
                if let Token::Dash(flag) = &t.token
                    && resolve_flag(flag, &["Property", "AutoSize", "Wrap"], t.span.clone())?
                        == "Property"
                {
                    properties.extend(p.properties()?);
                }
            }
            if lower.contains("table") || lower == "ft" {
                Stage::FormatTable(properties)
            } else {
                Stage::FormatList(properties)
            }
        }
        "export-csv" | "epcsv" => {
            let mut path = None;
            while let Some(t) = p.peek() {
                match &t.token {
                    Token::Dash(flag) => {
                        let span = t.span.clone();
                        p.next();
                        match resolve_flag(
                            flag,
                            &["Path", "NoTypeInformation", "Encoding", "Delimiter"],
                            span.clone(),
                        )? {
                            "Path" => path = Some(p.text_value("a file path")?),
                            "Encoding" => {
                                p.text_value("an encoding")?;
                            }
                            "Delimiter" => {
                                return Err(QueryError::new(
                                    "msgtrack writes comma-separated files only",
                                    span,
                                ));
                            }
                            _ => {}
                        }
                    }
                    _ => path = Some(p.text_value("a file path")?),
                }
            }
            let path =
                path.ok_or_else(|| QueryError::new("Export-Csv needs a file path", span.clone()))?;
            Stage::ExportCsv { path }
        }
        "convertto-json" => {
            while let Some(t) = p.next() {
                if let Token::Dash(flag) = &t.token
                    && resolve_flag(flag, &["Depth", "Compress"], t.span.clone())? == "Depth"
                {
                    p.count("Depth")?;
                }
            }
            Stage::ConvertToJson
        }
        _ => {
            const STAGES: [&str; 9] = [
                "Where-Object",
                "Select-Object",
                "Sort-Object",
                "Group-Object",
                "Measure-Object",
                "Format-Table",
                "Format-List",
                "Export-Csv",
                "ConvertTo-Json",
            ];
            return Err(QueryError::new(
                format!("{name} is not a pipeline stage msgtrack runs"),
                span,
            )
            .suggest(closest(name, STAGES).map(str::to_string)));
        }
    };
    Ok(stage)
}

/// Resolves a switch or parameter of a stage (case-insensitive, unique prefix).
fn resolve_flag<'a>(
    typed: &str,
    known: &[&'a str],
    span: Range<usize>,
) -> Result<&'a str, QueryError> {
    let lower = typed.to_ascii_lowercase();
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(typed)) {
        return Ok(k);
    }
    let matches: Vec<&&str> = known
        .iter()
        .filter(|k| k.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        _ => Err(
            QueryError::new(format!("-{typed} is not understood here"), span)
                .suggest(closest(typed, known.iter().copied()).map(|s| format!("-{s}"))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_imceaex_line_parses() {
        let q = parse(r#"Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#).unwrap();
        assert!(q.all_servers_prefix);
        let names: Vec<ParamName> = q.params.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            vec![ParamName::EventId, ParamName::Start, ParamName::ResultSize]
        );
        assert!(matches!(
            &q.params[1].values[0],
            Value::Date(
                DateExpr {
                    base: None,
                    offset_ms: -172_800_000
                },
                _
            )
        ));
        assert_eq!(
            q.stages,
            vec![Stage::Where(Expr::Compare {
                property: Field::Recipients,
                op: CompareOp::Match,
                values: vec![Literal::Text("^IMCEAEX*".into())],
                span: q_span(&q),
            })]
        );
    }

    fn q_span(q: &Query) -> Span {
        match &q.stages[0] {
            Stage::Where(Expr::Compare { span, .. }) => span.clone(),
            _ => 0..0,
        }
    }

    #[test]
    fn parameters_are_case_insensitive_and_abbreviable() {
        let q = parse(
            "get-messagetrackinglog -recip a@x.com,'b@x.com' -EVENTID deliver -MessageSubj \"sea\"",
        )
        .unwrap();
        assert_eq!(q.params[0].name, ParamName::Recipients);
        assert_eq!(q.params[0].values.len(), 2);
        assert_eq!(q.params[1].name, ParamName::EventId);
        assert_eq!(q.params[2].name, ParamName::MessageSubject);
    }

    #[test]
    fn unknown_and_ambiguous_parameters_are_explained() {
        let text = "Get-MessageTrackingLog -Recipient a@x.com -Recipents b@x.com";
        // -Recipient is a unique prefix of -Recipients: fine. -Recipents is a typo.
        let err = parse(text).unwrap_err();
        assert_eq!(&text[err.span.clone()], "-Recipents");
        assert_eq!(err.suggestion.as_deref(), Some("-Recipients"));
        let rendered = err.render(text);
        let caret_line = format!(
            "\n{}{}\n",
            " ".repeat(text.find("-Recipents").unwrap()),
            "^".repeat(10)
        );
        assert!(rendered.contains(&caret_line), "{rendered}");
        assert!(rendered.ends_with("help: did you mean -Recipients?"));

        let err = parse("Get-MessageTrackingLog -S x").unwrap_err();
        assert!(err.message.contains("ambiguous"), "{}", err.message);
        assert!(err.message.contains("-Sender") && err.message.contains("-Server"));
    }

    #[test]
    fn where_expressions_with_precedence_and_short_form() {
        let q = parse("Get-MessageTrackingLog | ? { -not ($_.EventId -eq 'FAIL' -or $_.EventId -eq 'DSN') -and $_.TotalBytes -gt 100 }").unwrap();
        let Stage::Where(Expr::And(left, right)) = &q.stages[0] else {
            panic!("{:?}", q.stages)
        };
        assert!(matches!(**left, Expr::Not(_)));
        assert!(matches!(
            **right,
            Expr::Compare {
                op: CompareOp::Gt,
                ..
            }
        ));
        let q =
            parse("Get-MessageTrackingLog | Where-Object Sender -like '*@contoso.com'").unwrap();
        assert!(matches!(
            &q.stages[0],
            Stage::Where(Expr::Compare {
                property: Field::Sender,
                op: CompareOp::Like,
                ..
            })
        ));
    }

    #[test]
    fn stages_and_their_errors() {
        let q = parse("Get-MessageTrackingLog | Select-Object Timestamp,EventId -First 5 | Sort-Object Timestamp -Desc | Group-Object EventId -NoElement | Measure-Object").unwrap();
        assert_eq!(q.stages.len(), 4);
        assert!(matches!(&q.stages[0], Stage::Select { first: Some(5), .. }));
        assert!(matches!(
            &q.stages[1],
            Stage::Sort {
                descending: true,
                ..
            }
        ));
        let err = parse("Get-MessageTrackingLog | Select-Objekt Sender").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("Select-Object"));
        let err = parse("Get-MessageTrackingLog | Select Recipent").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("Recipients"));
        let err = parse("Get-MessageTrackingLog -Sender \"bob").unwrap_err();
        assert!(err.message.contains("never closed"));
        let err = parse("Get-MessageTrackingLog -Start").unwrap_err();
        assert_eq!(err.message, "-Start needs a value");
    }

    #[test]
    fn count_and_name_after_group_object() {
        let q = parse("Get-MessageTrackingLog | Group-Object Sender | Sort-Object Count -Descending | Select-Object -First 3 Name,Count").unwrap();
        assert!(
            matches!(&q.stages[1], Stage::Sort { group_fields, descending: true, .. } if group_fields == &vec![GroupField::Count])
        );
        assert!(
            matches!(&q.stages[2], Stage::Select { group_fields, first: Some(3), .. } if group_fields == &vec![GroupField::Name, GroupField::Count])
        );
        let err =
            parse("Get-MessageTrackingLog | Group-Object Sender | Sort-Object Cuont").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("Count"));
        assert!(
            parse("Get-MessageTrackingLog | Sort-Object Count").is_err(),
            "no Count before a grouping"
        );
    }

    #[test]
    fn get_date_forms() {
        let text = "Get-MessageTrackingLog -Start (Get-Date \"2026-11-20\").AddHours(6).AddMinutes(-30) -End (Get-Date)";
        let q = parse(text).unwrap();
        let (start, end) = (
            text.find("(Get-Date \"").unwrap(),
            text.find(" -End").unwrap(),
        );
        assert_eq!(
            q.params[0].values[0],
            Value::Date(
                DateExpr {
                    base: Some("2026-11-20".into()),
                    offset_ms: 19_800_000
                },
                start..end
            )
        );
        let err = parse("Get-MessageTrackingLog -Start (Get-Date).AddDayz(1)").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("AddDays"));
    }
}
