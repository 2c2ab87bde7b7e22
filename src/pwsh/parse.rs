//! Parsing the PowerShell subset admins paste: statements, pipelines, commands in argument
//! mode (`-Start 11/20/2026`, `a@x.com,b@x.com`, `10MB`), expressions in expression mode
//! with PowerShell's operator precedence (about_Operator_Precedence), strings with `$var` and
//! `$(…)` inside, script blocks, hashtables, casts and static members (`[datetime]::Today`).
//!
//! Pasted text is taken as PowerShell takes it: smart quotes are quotes, en and em dashes are
//! dashes, a backtick at the end of a line continues it. What is outside the subset is an
//! error that names it and points at it.

use std::rc::Rc;

use super::ast::{
    Arg, BinaryOp, Block, Command, Compare, Element, Expr, ExprKind, Pipeline, Redirect, Span,
    Statement, StringPart, UnaryOp,
};
use super::number::parse_literal;
use super::value::ScriptBlock;

/// A text that cannot be parsed, with where and (maybe) what was meant.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where (byte range in the text).
    pub span: Span,
    /// What was probably meant (`-Recipients`).
    pub suggestion: Option<String>,
}

impl ParseError {
    /// An error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            message: message.into(),
            span,
            suggestion: None,
        }
    }

    /// The same error with a suggestion.
    pub fn suggest(mut self, suggestion: Option<String>) -> ParseError {
        self.suggestion = suggestion;
        self
    }

    /// The text with a caret line under the span, the message and the suggestion.
    pub fn render(&self, text: &str) -> String {
        // Show the line the span is on (saved queries span several lines).
        let start = self.span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |p| start + p);
        let line = &text[line_start..line_end];
        let end = self.span.end.clamp(start, line_end);
        let pad = text[line_start..start].chars().count();
        let width = text[start..end].chars().count().max(1);
        let mut out = format!(
            "{line}\n{}{}\nerror: {}",
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

type Result<T> = std::result::Result<T, ParseError>;

/// Parses a whole text: statements separated by `;` or new lines.
pub fn parse(text: &str) -> Result<Block> {
    let mut p = Parser {
        src: text,
        pos: 0,
        commas_separate: false,
    };
    let block = p.block(None)?;
    p.space(true);
    if let Some(c) = p.peek() {
        return Err(ParseError::new(
            format!("unexpected '{c}'"),
            p.pos..p.pos + c.len_utf8(),
        ));
    }
    Ok(block)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}')
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

/// The spaces that separate words on a line (not line breaks).
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{a0}' | '\u{200b}' | '\u{feff}' | '\u{2002}'..='\u{200a}'
    )
}

/// Characters that end a bare word in argument mode.
fn ends_word(c: char) -> bool {
    is_space(c)
        || matches!(
            c,
            '|' | ';' | ',' | '(' | ')' | '{' | '}' | '\r' | '\n' | '>'
        )
        || is_double_quote(c)
        || is_single_quote(c)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    /// Inside a method's argument list a comma separates arguments instead of building an
    /// array (reset inside parentheses, blocks and subexpressions).
    commas_separate: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T> {
        let end = self.peek().map_or(self.pos, |c| self.pos + c.len_utf8());
        Err(ParseError::new(message, self.pos..end))
    }

    /// Skips spaces, comments and line continuations (and new lines when `newlines`).
    fn space(&mut self, newlines: bool) {
        loop {
            match self.peek() {
                Some(c) if is_space(c) => {
                    self.bump();
                }
                Some('\r' | '\n') if newlines => {
                    self.bump();
                }
                Some('`') if matches!(self.peek_at(1), Some('\r' | '\n')) => {
                    self.bump();
                    self.eat('\r');
                    self.eat('\n');
                }
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.bump();
                    }
                }
                Some('<') if self.peek_at(1) == Some('#') => match self.rest().find("#>") {
                    Some(end) => self.pos += end + 2,
                    None => self.pos = self.src.len(),
                },
                _ => return,
            }
        }
    }

    /// Statements until `end` (or the end of the text).
    fn block(&mut self, end: Option<char>) -> Result<Block> {
        let mut statements = Vec::new();
        loop {
            self.space(true);
            while self.eat(';') {
                self.space(true);
            }
            match self.peek() {
                None => break,
                Some(c) if Some(c) == end => break,
                Some(')' | '}') => break,
                _ => {}
            }
            statements.push(self.statement()?);
            self.space(false);
            match self.peek() {
                None | Some(';' | '\r' | '\n') => {}
                Some(c) if Some(c) == end => {}
                Some('=') => {
                    return self.err(
                        "msgtrack assigns only to a $variable; '=' here would set a property (to compare, use -eq)",
                    );
                }
                Some(c) => {
                    return Err(ParseError::new(
                        format!("unexpected '{c}' after a complete statement"),
                        self.pos..self.pos + c.len_utf8(),
                    ));
                }
            }
        }
        Ok(Block { statements })
    }

    fn keyword(&self, word: &str) -> bool {
        let r = self.rest();
        r.len() >= word.len()
            && r.is_char_boundary(word.len())
            && r[..word.len()].eq_ignore_ascii_case(word)
            && !r[word.len()..].starts_with(is_ident)
            && !r[word.len()..].starts_with('-')
    }

    fn statement(&mut self) -> Result<Statement> {
        let start = self.pos;
        if self.keyword("if") {
            return self.if_statement();
        }
        for kw in [
            "foreach", "for", "while", "do", "switch", "function", "try", "return", "param",
            "begin", "process", "end",
        ] {
            if self.keyword(kw) && !matches!(kw, "foreach") {
                return Err(ParseError::new(
                    format!(
                        "the '{kw}' statement is not part of what msgtrack runs: one pipeline of the cmdlet and its stages"
                    ),
                    start..start + kw.len(),
                ));
            }
        }
        if self.keyword("foreach") && self.rest()[7..].trim_start().starts_with('(') {
            return Err(ParseError::new(
                "the 'foreach (…)' loop is not part of what msgtrack runs; use ForEach-Object in the pipeline",
                start..start + 7,
            ));
        }
        // Assignment: $name = …, $name += …, $name++.
        if self.peek() == Some('$') {
            let save = self.pos;
            self.bump();
            let name_start = self.pos;
            while self.peek().is_some_and(|c| is_ident(c) || c == ':') {
                self.bump();
            }
            let name = self.src[name_start..self.pos].to_string();
            self.space(false);
            let op = ["+=", "-=", "*=", "/=", "++", "--", "="]
                .into_iter()
                .find(|op| {
                    self.rest().starts_with(op) && !(op == &"=" && self.rest().starts_with("=="))
                });
            if let (Some(op), false) = (op, name.is_empty()) {
                self.pos += op.len();
                let value = if matches!(op, "++" | "--") {
                    None
                } else {
                    self.space(true);
                    Some(self.pipeline()?)
                };
                return Ok(Statement::Assign {
                    name,
                    op: op.to_string(),
                    value,
                    span: save..self.pos,
                });
            }
            self.pos = save;
        }
        Ok(Statement::Pipeline(self.pipeline()?))
    }

    fn if_statement(&mut self) -> Result<Statement> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        self.pos += 2;
        loop {
            self.space(true);
            if !self.eat('(') {
                return self.err("expected '(' and a condition after 'if'");
            }
            self.space(true);
            let cond = self.pipeline()?;
            self.space(true);
            if !self.eat(')') {
                return self.err("expected ')' after the condition");
            }
            self.space(true);
            let body = self.braced_block()?;
            branches.push((cond, body));
            let save = self.pos;
            self.space(true);
            if self.keyword("elseif") {
                self.pos += 6;
                continue;
            }
            if self.keyword("else") {
                self.pos += 4;
                self.space(true);
                otherwise = Some(self.braced_block()?);
            } else {
                self.pos = save;
            }
            break;
        }
        Ok(Statement::If {
            branches,
            otherwise,
        })
    }

    fn braced_block(&mut self) -> Result<Block> {
        if !self.eat('{') {
            return self.err("expected '{'");
        }
        let block = self.block(Some('}'))?;
        self.space(true);
        if !self.eat('}') {
            return self.err("expected '}'");
        }
        Ok(block)
    }

    fn pipeline(&mut self) -> Result<Pipeline> {
        let outer = std::mem::replace(&mut self.commas_separate, false);
        let result = self.pipeline_inner();
        self.commas_separate = outer;
        result
    }

    fn pipeline_inner(&mut self) -> Result<Pipeline> {
        let start = self.pos;
        let mut elements = vec![self.element(true)?];
        let mut redirect = None;
        loop {
            self.space(false);
            if self.peek() == Some('|') && self.peek_at(1) != Some('|') {
                self.bump();
                self.space(true);
                if matches!(self.peek(), None | Some('|' | ')' | '}' | ';')) {
                    return self.err("an empty pipeline element after '|'");
                }
                elements.push(self.element(false)?);
                continue;
            }
            if self.peek() == Some('|') {
                return self.err("'||' is not PowerShell 5.1 (use -or, or two lines)");
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) && self.peek_at(1) == Some('>') {
                return self.err("stream redirection (2>, 3>…) is not supported");
            }
            if self.peek() == Some('>') {
                let rstart = self.pos;
                if redirect.is_some() {
                    return self.err("the output stream for this command is already redirected");
                }
                self.bump();
                let append = self.eat('>');
                self.space(false);
                if matches!(self.peek(), None | Some('\r' | '\n' | '|' | ';' | '>')) {
                    return self.err("missing file specification after redirection operator");
                }
                let target = self.argument_value()?;
                redirect = Some(Redirect {
                    append,
                    target,
                    span: rstart..self.pos,
                });
                continue;
            }
            break;
        }
        Ok(Pipeline {
            elements,
            redirect,
            span: start..self.pos,
        })
    }

    fn element(&mut self, first: bool) -> Result<Element> {
        self.space(false);
        let Some(c) = self.peek() else {
            return self.err("expected a command");
        };
        let expression_start = matches!(c, '$' | '(' | '@' | '[' | '{' | '!' | ',' | '+')
            || c.is_ascii_digit()
            || is_double_quote(c)
            || is_single_quote(c)
            || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
            || (is_dash(c)
                && self
                    .peek_at(1)
                    .is_some_and(|d| d.is_ascii_digit() || d == '$' || d == '('))
            || (is_dash(c)
                && self.dash_word_at(self.pos).is_some_and(|w| {
                    matches!(w.to_ascii_lowercase().as_str(), "not" | "join" | "split")
                }));
        if c == '&' {
            return self.err("the call operator & is not supported");
        }
        if c == '.' && !expression_start {
            return self.err("dot-sourcing (. script) is not supported");
        }
        if expression_start {
            if !first {
                return self.err("an expression can only start a pipeline; after '|' comes a command such as Where-Object");
            }
            return Ok(Element::Expr(self.expr()?));
        }
        Ok(Element::Command(self.command()?))
    }

    /// The word after a dash at `at` (`-not` → `not`).
    fn dash_word_at(&self, at: usize) -> Option<&'a str> {
        let rest = &self.src[at..];
        let c = rest.chars().next()?;
        if !is_dash(c) {
            return None;
        }
        let after = &rest[c.len_utf8()..];
        let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
        (end > 0 && after.starts_with(|c: char| c.is_alphabetic())).then(|| &after[..end])
    }

    fn command(&mut self) -> Result<Command> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !ends_word(c) && c != '=' && c != '[')
        {
            self.bump();
        }
        let name = self.src[start..self.pos].replace(['\u{2013}', '\u{2014}', '\u{2015}'], "-");
        if name.is_empty() {
            return self.err("expected a command name");
        }
        let name_span = start..self.pos;
        let mut args = Vec::new();
        loop {
            self.space(false);
            match self.peek() {
                None | Some('|' | ';' | ')' | '}' | '\r' | '\n' | '>') => break,
                Some(c) if c.is_ascii_digit() && self.peek_at(1) == Some('>') => break,
                Some(',') => return self.err("a value is missing before ','"),
                _ => {}
            }
            if let Some(word) = self.dash_word_at(self.pos) {
                let pstart = self.pos;
                let dash_len = self.peek().map_or(1, char::len_utf8);
                self.pos += dash_len + word.len();
                let mut value = None;
                if self.eat(':') {
                    value = Some(self.argument_value()?);
                }
                args.push(Arg::Param {
                    name: word.to_string(),
                    value,
                    span: pstart..self.pos,
                });
                continue;
            }
            if self.rest().starts_with("--%") {
                return self.err("the stop-parsing token --% is not supported");
            }
            args.push(Arg::Value(self.argument_value()?));
        }
        Ok(Command {
            name,
            name_span,
            args,
            span: start..self.pos,
        })
    }

    /// A value in argument mode, with `a,b,c` arrays.
    fn argument_value(&mut self) -> Result<Expr> {
        let start = self.pos;
        let first = self.argument()?;
        self.space(false);
        if self.peek() != Some(',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(',') {
            self.space(true);
            items.push(self.argument()?);
            self.space(false);
        }
        Ok(Expr {
            kind: ExprKind::List(items),
            span: start..self.pos,
        })
    }

    /// One argument: an expression that starts like one (`$x.Name`, `(…)`, `"…"`, `@(…)`,
    /// `{…}`), else a bare word (a number when it is one, else text).
    fn argument(&mut self) -> Result<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.err("expected a value");
        };
        if c == '<' {
            // PowerShell: "The '<' operator is reserved for future use."
            let end = self
                .rest()
                .find(char::is_whitespace)
                .map_or(self.src.len(), |n| self.pos + n);
            let word = &self.src[start..end];
            return Err(ParseError::new(
                "the '<' operator is reserved for future use (PowerShell refuses it too); put the value in quotes",
                start..start + 1,
            )
            .suggest(Some(crate::escape::shell::powershell(word))));
        }
        let expression =
            matches!(c, '$' | '(' | '@' | '{') || is_double_quote(c) || is_single_quote(c);
        if expression {
            let e = self.postfix()?;
            if self.peek().is_some_and(|c| !ends_word(c)) {
                if c == '$' {
                    // `$dir\x.csv`: PowerShell reads the whole token as an expandable string.
                    self.pos = start;
                    return self.bare_word(start);
                }
                return Err(ParseError::new(
                    "text glued to a value; put the whole argument in quotes",
                    start..self.pos + 1,
                ));
            }
            return Ok(e);
        }
        self.bare_word(start)
    }

    /// A bare word: up to a space or a delimiter; a backtick escapes the next character;
    /// `$name` and `$(…)` inside it expand as in a double-quoted string (`x$(Get-Date -f d).csv`).
    fn bare_word(&mut self, start: usize) -> Result<Expr> {
        let mut word = String::new();
        let mut parts = Vec::new();
        while let Some(c) = self.peek() {
            if ends_word(c) {
                break;
            }
            if c == '`' {
                self.bump();
                if let Some(n) = self.bump() {
                    word.push(n);
                }
                continue;
            }
            if c == '$'
                && self
                    .peek_at(1)
                    .is_some_and(|n| is_ident(n) || matches!(n, '(' | '{' | '_'))
            {
                if !word.is_empty() {
                    parts.push(StringPart::Text(std::mem::take(&mut word)));
                }
                let e = self.variable()?;
                parts.push(StringPart::Expr(e));
                continue;
            }
            self.bump();
            word.push(if is_dash(c) && parts.is_empty() {
                '-'
            } else {
                c
            });
        }
        let span = start..self.pos;
        if !parts.is_empty() {
            if !word.is_empty() {
                parts.push(StringPart::Text(word));
            }
            return Ok(Expr {
                kind: ExprKind::Expandable(parts),
                span,
            });
        }
        let unsigned = word.strip_prefix('-').unwrap_or(&word);
        if let Some(n) = parse_literal(unsigned) {
            let n = if word.starts_with('-') {
                super::number::negate(n)
            } else {
                n
            };
            return Ok(Expr {
                kind: ExprKind::Number(n),
                span,
            });
        }
        Ok(Expr {
            kind: ExprKind::Str(word),
            span,
        })
    }

    // ---- expressions, lowest precedence first ----

    fn expr(&mut self) -> Result<Expr> {
        self.logical()
    }

    /// The operator after the spaces here, if it is a dash operator (`-eq`), with its length.
    fn dash_operator(&self) -> Option<(BinaryOp, usize, &'a str)> {
        let mut at = self.pos;
        while self.src[at..].starts_with(is_space) {
            at += self.src[at..].chars().next().map_or(1, char::len_utf8);
        }
        let word = self.dash_word_at(at)?;
        let op = BinaryOp::from_dash(word)?;
        let dash = self.src[at..].chars().next().map_or(1, char::len_utf8);
        Some((op, at - self.pos + dash + word.len(), word))
    }

    /// An unknown dash word in operator position: an error naming it.
    fn unknown_operator(&self) -> Result<()> {
        let mut at = self.pos;
        while self.src[at..].starts_with(is_space) {
            at += self.src[at..].chars().next().map_or(1, char::len_utf8);
        }
        if let Some(word) = self.dash_word_at(at)
            && BinaryOp::from_dash(word).is_none()
        {
            let span = at..at + 1 + word.len();
            let known = [
                "eq",
                "ne",
                "gt",
                "ge",
                "lt",
                "le",
                "like",
                "notlike",
                "match",
                "notmatch",
                "contains",
                "notcontains",
                "in",
                "notin",
                "replace",
                "split",
                "join",
                "and",
                "or",
                "xor",
                "not",
                "is",
                "isnot",
                "as",
                "f",
            ];
            let message = match word.to_ascii_lowercase().as_str() {
                "band" | "bor" | "bxor" | "bnot" | "shl" | "shr" => {
                    format!("the bitwise operator -{word} is not supported")
                }
                _ => format!("-{word} is not a PowerShell operator"),
            };
            return Err(ParseError::new(message, span)
                .suggest(closest(word, known).map(|s| format!("-{s}"))));
        }
        Ok(())
    }

    fn binary_loop(
        &mut self,
        accept: fn(BinaryOp) -> bool,
        next: fn(&mut Self) -> Result<Expr>,
    ) -> Result<Expr> {
        let start = self.pos;
        let mut left = next(self)?;
        while let Some((op, len, _)) = self.dash_operator() {
            if !accept(op) {
                break;
            }
            self.pos += len;
            self.space(true);
            let right = next(self)?;
            left = Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span: start..self.pos,
            };
        }
        Ok(left)
    }

    fn logical(&mut self) -> Result<Expr> {
        let e = self.binary_loop(
            |op| matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor),
            Self::comparison,
        )?;
        self.unknown_operator()?;
        Ok(e)
    }

    fn comparison(&mut self) -> Result<Expr> {
        self.binary_loop(
            |op| {
                matches!(
                    op,
                    BinaryOp::Compare(..)
                        | BinaryOp::Replace(_)
                        | BinaryOp::Split(_)
                        | BinaryOp::Join
                        | BinaryOp::Is
                        | BinaryOp::IsNot
                        | BinaryOp::As
                )
            },
            Self::additive,
        )
    }

    fn symbol_loop(
        &mut self,
        symbols: &[(&str, BinaryOp)],
        next: fn(&mut Self) -> Result<Expr>,
    ) -> Result<Expr> {
        let start = self.pos;
        let mut left = next(self)?;
        loop {
            let save = self.pos;
            self.space(false);
            let found = symbols.iter().find(|(s, _)| {
                self.rest().starts_with(s)
                    && !(s.starts_with(is_dash) && self.dash_word_at(self.pos).is_some())
                    && !(s == &"-" && self.rest().starts_with("--"))
                    && !(s == &"+" && self.rest().starts_with("++"))
                    && !(s == &"." && self.rest().starts_with("..."))
            });
            let Some((sym, op)) = found else {
                self.pos = save;
                break;
            };
            self.pos += sym.len();
            self.space(true);
            let right = next(self)?;
            left = Expr {
                kind: ExprKind::Binary {
                    op: *op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span: start..self.pos,
            };
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr> {
        self.symbol_loop(
            &[
                ("+", BinaryOp::Add),
                ("-", BinaryOp::Sub),
                ("\u{2013}", BinaryOp::Sub),
            ],
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        self.symbol_loop(
            &[
                ("*", BinaryOp::Mul),
                ("/", BinaryOp::Div),
                ("%", BinaryOp::Rem),
            ],
            Self::negation,
        )
    }

    fn negation(&mut self) -> Result<Expr> {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_dash(c) && self.dash_word_at(self.pos).is_none() => {
                if self.peek_at(1).is_some_and(is_dash) {
                    return self.err("the decrement operator -- is not supported");
                }
                self.bump();
                let operand = self.negation()?;
                Ok(Expr {
                    kind: ExprKind::Unary {
                        op: UnaryOp::Negate,
                        operand: Box::new(operand),
                    },
                    span: start..self.pos,
                })
            }
            Some('+') => {
                if self.peek_at(1) == Some('+') {
                    return self.err("the increment operator ++ is not supported");
                }
                self.bump();
                let operand = self.negation()?;
                Ok(Expr {
                    kind: ExprKind::Unary {
                        op: UnaryOp::Plus,
                        operand: Box::new(operand),
                    },
                    span: start..self.pos,
                })
            }
            _ => self.format(),
        }
    }

    fn format(&mut self) -> Result<Expr> {
        self.binary_loop(|op| op == BinaryOp::Format, Self::range)
    }

    fn range(&mut self) -> Result<Expr> {
        self.symbol_loop(&[("..", BinaryOp::Range)], Self::not)
    }

    fn not(&mut self) -> Result<Expr> {
        let start = self.pos;
        let is_not = self.peek() == Some('!')
            || self
                .dash_word_at(self.pos)
                .is_some_and(|w| w.eq_ignore_ascii_case("not"));
        if is_not {
            if self.peek() == Some('!') {
                self.bump();
            } else {
                self.pos += self.peek().map_or(1, char::len_utf8) + 3;
            }
            self.space(true);
            let operand = self.not()?;
            return Ok(Expr {
                kind: ExprKind::Unary {
                    op: UnaryOp::Not,
                    operand: Box::new(operand),
                },
                span: start..self.pos,
            });
        }
        self.comma()
    }

    fn comma(&mut self) -> Result<Expr> {
        let start = self.pos;
        if self.peek() == Some(',') {
            self.bump();
            self.space(true);
            let operand = self.unary()?;
            return Ok(Expr {
                kind: ExprKind::Unary {
                    op: UnaryOp::Comma,
                    operand: Box::new(operand),
                },
                span: start..self.pos,
            });
        }
        let first = self.comma_item()?;
        let save = self.pos;
        self.space(false);
        if self.commas_separate || self.peek() != Some(',') {
            self.pos = save;
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(',') {
            self.space(true);
            items.push(self.comma_item()?);
            let save = self.pos;
            self.space(false);
            if self.peek() != Some(',') {
                self.pos = save;
                break;
            }
        }
        Ok(Expr {
            kind: ExprKind::List(items),
            span: start..self.pos,
        })
    }

    /// An element of `a, b, c`: `-1` there is a negative number, as PowerShell's tokenizer
    /// reads it.
    fn comma_item(&mut self) -> Result<Expr> {
        let negative_number = self.peek().is_some_and(is_dash)
            && self
                .peek_at(1)
                .is_some_and(|d| d.is_ascii_digit() || d == '.');
        if negative_number {
            self.negation()
        } else {
            self.unary()
        }
    }

    /// `-join x`, `-split x`, `[type]x`, and what binds tighter.
    fn unary(&mut self) -> Result<Expr> {
        let start = self.pos;
        if let Some(word) = self.dash_word_at(self.pos) {
            let op = match word.to_ascii_lowercase().as_str() {
                "join" => Some(UnaryOp::Join),
                "split" => Some(UnaryOp::Split),
                "not" => None,
                _ => {
                    return Err(ParseError::new(
                        format!("-{word} here is not an operator that takes one operand"),
                        start..start + 1 + word.len(),
                    ));
                }
            };
            if let Some(op) = op {
                self.pos += self.peek().map_or(1, char::len_utf8) + word.len();
                self.space(true);
                let operand = self.unary()?;
                return Ok(Expr {
                    kind: ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                    span: start..self.pos,
                });
            }
            return self.not();
        }
        if self.peek() == Some('!') {
            return self.not();
        }
        if self.peek() == Some('[') {
            let ty = self.type_name()?;
            // [type]::Member, or a cast of what follows, or the type alone.
            if self.rest().starts_with("::") {
                let t = Expr {
                    kind: ExprKind::Type(ty),
                    span: start..self.pos,
                };
                return self.postfix_from(t, start);
            }
            let save = self.pos;
            self.space(false);
            let operand_follows = self.peek().is_some_and(|c| {
                matches!(c, '$' | '(' | '@' | '[' | '{')
                    || c.is_ascii_digit()
                    || is_double_quote(c)
                    || is_single_quote(c)
                    || (is_dash(c) && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
            });
            if operand_follows {
                let operand = self.unary()?;
                return Ok(Expr {
                    kind: ExprKind::Cast {
                        ty,
                        operand: Box::new(operand),
                    },
                    span: start..self.pos,
                });
            }
            self.pos = save;
            return Ok(Expr {
                kind: ExprKind::Type(ty),
                span: start..self.pos,
            });
        }
        self.postfix()
    }

    /// `[name]`, nested brackets allowed (`[string[]]`).
    fn type_name(&mut self) -> Result<String> {
        let start = self.pos;
        self.bump();
        let mut depth = 1;
        while let Some(c) = self.bump() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[start + 1..self.pos - 1].trim().to_string());
                    }
                }
                _ => {}
            }
        }
        Err(ParseError::new("a '[' is never closed", start..self.pos))
    }

    fn postfix(&mut self) -> Result<Expr> {
        let start = self.pos;
        let primary = self.primary()?;
        self.postfix_from(primary, start)
    }

    fn postfix_from(&mut self, mut e: Expr, start: usize) -> Result<Expr> {
        loop {
            let is_static = self.rest().starts_with("::");
            let member = is_static
                || (self.peek() == Some('.')
                    && self
                        .peek_at(1)
                        .is_some_and(|c| is_ident(c) || c == '$' || c == '"' || c == '\''));
            if member {
                self.pos += if is_static { 2 } else { 1 };
                let name_start = self.pos;
                let name = if self
                    .peek()
                    .is_some_and(|c| is_double_quote(c) || is_single_quote(c))
                {
                    match self.string()?.kind {
                        ExprKind::Str(s) => s,
                        _ => return self.err("a member name cannot expand variables"),
                    }
                } else {
                    if self.peek() == Some('$') {
                        return self.err("a member name from a variable is not supported");
                    }
                    while self.peek().is_some_and(is_ident) {
                        self.bump();
                    }
                    self.src[name_start..self.pos].to_string()
                };
                if name.is_empty() {
                    return self.err("expected a member name");
                }
                if self.peek() == Some('(') {
                    self.bump();
                    let args = self.call_arguments()?;
                    e = Expr {
                        kind: ExprKind::Method {
                            target: Box::new(e),
                            name,
                            args,
                            is_static,
                        },
                        span: start..self.pos,
                    };
                } else {
                    e = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(e),
                            name,
                            is_static,
                        },
                        span: start..self.pos,
                    };
                }
                continue;
            }
            if self.peek() == Some('[') {
                self.bump();
                self.space(true);
                let index = self.expr()?;
                self.space(true);
                if !self.eat(']') {
                    return self.err("expected ']' after the index");
                }
                e = Expr {
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    },
                    span: start..self.pos,
                };
                continue;
            }
            if self.rest().starts_with("++") || self.rest().starts_with("--") {
                return self.err("the increment and decrement operators are not supported");
            }
            return Ok(e);
        }
    }

    /// Arguments of a method call, after its `(`: expressions separated by commas.
    fn call_arguments(&mut self) -> Result<Vec<Expr>> {
        let mut args = Vec::new();
        self.space(true);
        if self.eat(')') {
            return Ok(args);
        }
        loop {
            self.space(true);
            args.push(self.argument_expr()?);
            self.space(true);
            if self.eat(',') {
                continue;
            }
            if self.eat(')') {
                return Ok(args);
            }
            return self.err("expected ',' or ')' in the method's arguments");
        }
    }

    /// An expression where a comma separates items (method arguments): the comma operator is
    /// not read, at any depth of the expression (`[math]::Round($x / 1MB, 2)`).
    fn argument_expr(&mut self) -> Result<Expr> {
        let outer = std::mem::replace(&mut self.commas_separate, true);
        let result = self.expr();
        self.commas_separate = outer;
        result
    }

    fn primary(&mut self) -> Result<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.err("expected a value");
        };
        match c {
            '$' => self.variable(),
            '@' => match self.peek_at(1) {
                Some('(') => {
                    self.pos += 2;
                    let block = self.block(Some(')'))?;
                    self.space(true);
                    if !self.eat(')') {
                        return self.err("expected ')' to close '@('");
                    }
                    Ok(Expr {
                        kind: ExprKind::ArraySub(block),
                        span: start..self.pos,
                    })
                }
                Some('{') => self.hashtable(),
                Some('"' | '\'') => self.err("here-strings (@\" … \"@) are not supported"),
                _ => {
                    self.err("splatting (@name) is not supported; give the parameters in the line")
                }
            },
            '(' => {
                self.bump();
                self.space(true);
                if self.eat(')') {
                    return self.err("empty parentheses");
                }
                let pipeline = self.pipeline()?;
                self.space(true);
                if self.peek() == Some('=') {
                    return self.err(
                        "'=' assigns in PowerShell (an assignment inside parentheses changes the value, it does not compare); to compare, use -eq",
                    );
                }
                if !self.eat(')') {
                    return self.err("expected ')'");
                }
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(pipeline)),
                    span: start..self.pos,
                })
            }
            '{' => self.script_block(),
            c if is_double_quote(c) || is_single_quote(c) => self.string(),
            c if c.is_ascii_digit() || c == '.' => self.number(),
            c if is_ident(c) => {
                let word_end = self
                    .rest()
                    .find(|c: char| !(is_ident(c) || c == '-'))
                    .unwrap_or(self.rest().len());
                let word = &self.rest()[..word_end];
                let lower = word.to_ascii_lowercase();
                let quoted = format!("'{word}'");
                let mut e = ParseError::new(
                    format!(
                        "'{word}' here is a bare word; in an expression, text is quoted ({quoted}) and a command is in parentheses ((Get-Date))"
                    ),
                    start..start + word.len(),
                );
                if lower.contains('-') {
                    e = e.suggest(Some(format!("({word} …)")));
                } else {
                    e = e.suggest(Some(quoted));
                }
                Err(e)
            }
            _ => self.err(format!("unexpected '{c}'")),
        }
    }

    fn variable(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.bump();
        if self.peek() == Some('(') {
            self.bump();
            let block = self.block(Some(')'))?;
            self.space(true);
            if !self.eat(')') {
                return self.err("expected ')' to close '$('");
            }
            return Ok(Expr {
                kind: ExprKind::SubExpr(block),
                span: start..self.pos,
            });
        }
        let name = if self.eat('{') {
            let n_start = self.pos;
            while self.peek().is_some_and(|c| c != '}') {
                self.bump();
            }
            let n = self.src[n_start..self.pos].to_string();
            self.bump();
            n
        } else {
            let n_start = self.pos;
            while self
                .peek()
                .is_some_and(|c| is_ident(c) || (c == ':' && self.peek_at(1).is_some_and(is_ident)))
            {
                self.bump();
            }
            if self.pos == n_start && matches!(self.peek(), Some('?' | '^' | '$')) {
                self.bump();
            }
            self.src[n_start..self.pos].to_string()
        };
        if name.is_empty() {
            return Err(ParseError::new(
                "a '$' without a variable name",
                start..self.pos,
            ));
        }
        Ok(Expr {
            kind: ExprKind::Variable(name),
            span: start..self.pos,
        })
    }

    fn number(&mut self) -> Result<Expr> {
        let start = self.pos;
        let mut end = self.pos;
        for (i, c) in self.rest().char_indices() {
            if c.is_ascii_alphanumeric()
                || c == '.'
                || ((c == '+' || c == '-')
                    && self.rest()[..i].to_ascii_lowercase().ends_with('e')
                    && !self.rest()[..i].to_ascii_lowercase().starts_with("0x"))
            {
                end = self.pos + i + c.len_utf8();
            } else {
                break;
            }
        }
        let mut text = &self.src[start..end];
        if let Some(range) = text.find("..") {
            text = &text[..range];
        }
        let text = text.trim_end_matches('.');
        match parse_literal(text) {
            Some(n) => {
                self.pos = start + text.len();
                Ok(Expr {
                    kind: ExprKind::Number(n),
                    span: start..self.pos,
                })
            }
            None => Err(ParseError::new(
                format!("'{text}' is not a number; quote it if it is text"),
                start..start + text.len().max(1),
            )),
        }
    }

    fn string(&mut self) -> Result<Expr> {
        let start = self.pos;
        let Some(open) = self.bump() else {
            return self.err("expected a string");
        };
        if is_single_quote(open) {
            let mut value = String::new();
            loop {
                let Some(c) = self.bump() else {
                    return Err(ParseError::new(
                        format!("the quote {open} opened here is never closed"),
                        start..self.src.len(),
                    ));
                };
                if is_single_quote(c) {
                    if self.peek().is_some_and(is_single_quote) {
                        value.push(self.bump().unwrap_or(c));
                        continue;
                    }
                    break;
                }
                value.push(c);
            }
            return Ok(Expr {
                kind: ExprKind::Str(value),
                span: start..self.pos,
            });
        }
        // Double quotes: escapes and $ expansion.
        let mut parts = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::new(
                    format!("the quote {open} opened here is never closed"),
                    start..self.src.len(),
                ));
            };
            if is_double_quote(c) {
                self.bump();
                if self.peek().is_some_and(is_double_quote) {
                    text.push(self.bump().unwrap_or(c));
                    continue;
                }
                break;
            }
            if c == '`' {
                self.bump();
                let Some(n) = self.bump() else { continue };
                text.push(match n {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    'e' => '\u{1b}',
                    other => other,
                });
                continue;
            }
            if c == '$'
                && self
                    .peek_at(1)
                    .is_some_and(|n| is_ident(n) || matches!(n, '(' | '{' | '_'))
            {
                if !text.is_empty() {
                    parts.push(StringPart::Text(std::mem::take(&mut text)));
                }
                let e = self.variable()?;
                parts.push(StringPart::Expr(e));
                continue;
            }
            self.bump();
            text.push(c);
        }
        if parts.is_empty() {
            return Ok(Expr {
                kind: ExprKind::Str(text),
                span: start..self.pos,
            });
        }
        if !text.is_empty() {
            parts.push(StringPart::Text(text));
        }
        Ok(Expr {
            kind: ExprKind::Expandable(parts),
            span: start..self.pos,
        })
    }

    fn script_block(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.bump();
        let body_start = self.pos;
        let body = self.block(Some('}'))?;
        self.space(true);
        let body_end = self.pos;
        if !self.eat('}') {
            return Err(ParseError::new("a '{' is never closed", start..self.pos));
        }
        Ok(Expr {
            kind: ExprKind::ScriptBlock(Rc::new(ScriptBlock {
                body,
                text: self.src[body_start..body_end].to_string(),
            })),
            span: start..self.pos,
        })
    }

    fn hashtable(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.pos += 2;
        let mut entries = Vec::new();
        loop {
            self.space(true);
            while self.eat(';') {
                self.space(true);
            }
            if self.eat('}') {
                break;
            }
            let key_start = self.pos;
            let key = match self.peek() {
                Some(c) if is_double_quote(c) || is_single_quote(c) => self.string()?,
                Some(c) if is_ident(c) => {
                    while self.peek().is_some_and(|c| is_ident(c) || c == '-') {
                        self.bump();
                    }
                    Expr {
                        kind: ExprKind::Str(self.src[key_start..self.pos].to_string()),
                        span: key_start..self.pos,
                    }
                }
                None => return Err(ParseError::new("a '@{' is never closed", start..self.pos)),
                _ => return self.err("expected a key such as Name or Expression"),
            };
            self.space(false);
            if !self.eat('=') {
                return self.err("expected '=' after the key");
            }
            self.space(true);
            let value = self.pipeline()?;
            let value = match value.elements.as_slice() {
                [Element::Expr(e)] if value.redirect.is_none() => e.clone(),
                _ => Expr {
                    span: value.span.clone(),
                    kind: ExprKind::Paren(Box::new(value)),
                },
            };
            entries.push((key, value));
            self.space(false);
            match self.peek() {
                Some(';' | '\r' | '\n' | '}') => {}
                None => return Err(ParseError::new("a '@{' is never closed", start..self.pos)),
                Some(_) => return self.err("expected ';' or '}' after a hashtable entry"),
            }
        }
        Ok(Expr {
            kind: ExprKind::Hashtable(entries),
            span: start..self.pos,
        })
    }
}

/// The comparison operators' spellings, for suggestions.
pub fn operator_names() -> Vec<String> {
    Compare::ALL.iter().map(|(n, _)| format!("-{n}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Pipeline {
        let block = parse(text).unwrap_or_else(|e| panic!("{}", e.render(text)));
        match block.statements.into_iter().next() {
            Some(Statement::Pipeline(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    fn expr(text: &str) -> Expr {
        match one(text).elements.into_iter().next() {
            Some(Element::Expr(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(n) => format!("{n:?}"),
            ExprKind::Str(s) => format!("'{s}'"),
            ExprKind::Variable(v) => format!("${v}"),
            ExprKind::Member { target, name, .. } => format!("{}.{name}", shape(target)),
            ExprKind::Method {
                target, name, args, ..
            } => format!(
                "{}.{name}({})",
                shape(target),
                args.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Binary { op, left, right } => {
                format!("({} {op:?} {})", shape(left), shape(right))
            }
            ExprKind::Unary { op, operand } => format!("({op:?} {})", shape(operand)),
            ExprKind::List(items) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Cast { ty, operand } => format!("[{ty}]{}", shape(operand)),
            ExprKind::Type(t) => format!("[{t}]"),
            ExprKind::Index { target, index } => format!("{}[{}]", shape(target), shape(index)),
            ExprKind::Paren(_) => "(…)".into(),
            ExprKind::SubExpr(_) => "$(…)".into(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn precedence_follows_about_operator_precedence() {
        assert_eq!(
            shape(&expr("1 + 2 * 3")),
            "((Int(1) Add (Int(2) Mul Int(3))))"
                .replace("((", "(")
                .replacen("))", ")", 1)
        );
        assert_eq!(
            shape(&expr("$_.TotalBytes -gt 100KB -and $_.EventId -eq 'FAIL'")),
            "(($_.TotalBytes Compare(Gt, false) Int(102400)) And ($_.EventId Compare(Eq, false) 'FAIL'))"
        );
        assert_eq!(shape(&expr("1,2 + 3")), "([Int(1),Int(2)] Add Int(3))");
        assert_eq!(
            shape(&expr("-not $a -eq $b")),
            "((Not $a) Compare(Eq, false) $b)"
        );
        assert_eq!(shape(&expr("-join $a,$b")), "[(Join $a),$b]");
        assert_eq!(shape(&expr("$x -ceq 'A'")), "($x Compare(Eq, true) 'A')");
        assert_eq!(
            shape(&expr("$x -inotlike 'A*'")),
            "($x Compare(NotLike, false) 'A*')"
        );
        assert_eq!(shape(&expr("[int]$x + 1")), "([int]$x Add Int(1))");
        assert_eq!(
            shape(&expr("[datetime]::Today.AddDays(-1)")),
            "[datetime].Today.AddDays((Negate Int(1)))"
        );
        assert_eq!(
            shape(&expr("$_.Name.Split(',')[0]")),
            "$_.Name.Split(',')[Int(0)]"
        );
        assert_eq!(
            shape(&expr("'{0:N2}' -f $x, $y")),
            "('{0:N2}' Format [$x,$y])"
        );
        assert_eq!(shape(&expr("$s.Replace('a','b')")), "$s.Replace('a','b')");
        assert_eq!(
            shape(&expr("($_.Sender -split '@')[-1]")),
            "(…)[(Negate Int(1))]"
        );
        assert_eq!(
            shape(&expr("$_.TotalBytes/1024/1024")),
            "(($_.TotalBytes Div Int(1024)) Div Int(1024))"
        );
        assert_eq!(
            shape(&expr("$($_.MessageLatency).TotalMilliseconds")),
            "$(…).TotalMilliseconds"
        );
    }

    #[test]
    fn commands_take_arguments_in_argument_mode() {
        let p = one(
            "Get-MessageTrackingLog -Start 2026-11-20 -ResultSize 10MB -Recipients a@x.com, 'b@x.com' -EventId:FAIL | ? {$_.Sender -like '*@x'}",
        );
        let Element::Command(c) = &p.elements[0] else {
            panic!()
        };
        assert_eq!(c.name, "Get-MessageTrackingLog");
        let shapes: Vec<String> = c
            .args
            .iter()
            .map(|a| match a {
                Arg::Param { name, value, .. } => format!(
                    "-{name}{}",
                    value
                        .as_ref()
                        .map(|v| format!(":{}", shape(v)))
                        .unwrap_or_default()
                ),
                Arg::Value(v) => shape(v),
            })
            .collect();
        assert_eq!(
            shapes,
            [
                "-Start",
                "'2026-11-20'",
                "-ResultSize",
                "Int(10485760)",
                "-Recipients",
                "['a@x.com','b@x.com']",
                "-EventId:'FAIL'"
            ]
        );
        assert_eq!(p.elements.len(), 2);
    }

    #[test]
    fn pasted_text_is_read_as_the_shell_reads_it() {
        // Smart quotes, an en dash, a line continuation, a comment.
        let p = one(
            "Get-MessageTrackingLog \u{2013}Sender \u{201c}a@x.com\u{201d} `\n -EventId FAIL # a comment",
        );
        let Element::Command(c) = &p.elements[0] else {
            panic!()
        };
        assert_eq!(c.args.len(), 4);
        assert!(matches!(&c.args[0], Arg::Param { name, .. } if name == "Sender"));
        assert!(
            matches!(&c.args[1], Arg::Value(Expr { kind: ExprKind::Str(s), .. }) if s == "a@x.com")
        );
    }

    #[test]
    fn strings_expand_variables_and_subexpressions() {
        let e = expr(r#""a $x b $($_.Name) ``$ c""#);
        let ExprKind::Expandable(parts) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(parts.len(), 5);
        assert!(matches!(&parts[4], StringPart::Text(t) if t == " `$ c" || t == " $ c"));
        assert!(matches!(expr("'it''s'").kind, ExprKind::Str(s) if s == "it's"));
    }

    #[test]
    fn errors_name_what_is_not_understood() {
        let err = parse("Get-MessageTrackingLog | ? {$_.Sender -likes 'x'}").unwrap_err();
        assert!(
            err.message.contains("-likes is not a PowerShell operator"),
            "{err:?}"
        );
        assert_eq!(err.suggestion.as_deref(), Some("-like"));
        let err = parse("$x -eq FAIL").unwrap_err();
        assert!(err.message.contains("bare word"));
        let err = parse("Get-X -Start \"bob").unwrap_err();
        assert!(err.message.contains("never closed"));
        let err = parse("Get-X @params").unwrap_err();
        assert!(err.message.contains("splatting"));
        assert!(parse("$a ++").is_err() || parse("$a++").is_ok());
    }

    #[test]
    fn hashtables_script_blocks_and_if() {
        let e = expr("@{n='To';e={$_.Recipients -join ';'}}");
        let ExprKind::Hashtable(entries) = &e.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert!(
            matches!(&entries[1].1.kind, ExprKind::ScriptBlock(b) if b.text == "$_.Recipients -join ';'")
        );
        let block = parse("if ($a -eq 1) { $_ } elseif ($b) { 2 } else { 3 }").unwrap();
        assert!(
            matches!(&block.statements[0], Statement::If { branches, otherwise: Some(_) } if branches.len() == 2)
        );
        let block = parse("$count++").unwrap();
        assert!(matches!(&block.statements[0], Statement::Assign { op, .. } if op == "++"));
    }
}
