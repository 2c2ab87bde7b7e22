//! Dynamic distribution groups' `RecipientFilter` (OPATH): the subset admins write —
//! `(Prop -eq 'v')`, `-ne`, `-like`, `-notlike`, `-and`, `-or`, `-not`, parentheses — evaluated
//! over a snapshot's recipients by their exported property names.

use regex::Regex;
use serde_json::Value;

use super::Recipient;
use crate::pwsh::lex::{Token, lex};

/// A parsed recipient filter.
#[derive(Debug, Clone)]
pub enum RecipientFilter {
    Compare {
        property: String,
        op: Op,
        value: String,
        pattern: Option<Regex>,
    },
    Not(Box<RecipientFilter>),
    And(Box<RecipientFilter>, Box<RecipientFilter>),
    Or(Box<RecipientFilter>, Box<RecipientFilter>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Like,
    NotLike,
}

/// Parses a filter; the error says what was expected and where.
pub fn parse(text: &str) -> Result<RecipientFilter, String> {
    let tokens: Vec<Token> = lex(text)
        .map_err(|e| e.message)?
        .into_iter()
        .map(|t| t.token)
        .collect();
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or()?;
    if parser.at < parser.tokens.len() {
        return Err(format!(
            "unexpected {:?} after a complete filter",
            parser.tokens[parser.at]
        ));
    }
    Ok(filter)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_dash(&self, name: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Dash(d)) if d.eq_ignore_ascii_case(name))
    }

    fn or(&mut self) -> Result<RecipientFilter, String> {
        let mut left = self.and()?;
        while self.peek_dash("or") {
            self.at += 1;
            left = RecipientFilter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<RecipientFilter, String> {
        let mut left = self.unary()?;
        while self.peek_dash("and") {
            self.at += 1;
            left = RecipientFilter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<RecipientFilter, String> {
        if self.peek_dash("not") {
            self.at += 1;
            return Ok(RecipientFilter::Not(Box::new(self.unary()?)));
        }
        match self.tokens.get(self.at).cloned() {
            Some(Token::LParen) => {
                self.at += 1;
                let inner = self.or()?;
                match self.tokens.get(self.at) {
                    Some(Token::RParen) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err("a `(` is not closed".into()),
                }
            }
            Some(Token::Word(property)) => {
                self.at += 1;
                let op = match self.tokens.get(self.at) {
                    Some(Token::Dash(d)) => match d.to_ascii_lowercase().as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "like" => Op::Like,
                        "notlike" => Op::NotLike,
                        other => {
                            return Err(format!(
                                "-{other} is not supported in a RecipientFilter (use -eq, -ne, -like, -notlike)"
                            ));
                        }
                    },
                    _ => return Err(format!("expected an operator after {property}")),
                };
                self.at += 1;
                let value = match self.tokens.get(self.at) {
                    Some(Token::Quoted(v)) | Some(Token::Word(v)) => v.clone(),
                    Some(Token::Number(n)) => n.to_string(),
                    Some(Token::Variable(v)) if v.eq_ignore_ascii_case("null") => String::new(),
                    Some(Token::Variable(v)) => v.trim_start_matches('$').to_string(),
                    _ => return Err(format!("expected a value after {property} -{op:?}")),
                };
                self.at += 1;
                let pattern = match op {
                    Op::Like | Op::NotLike => Some(
                        crate::pwsh::wildcard::wildcard_regex(&value, false)
                            .map_err(|e| format!("bad wildcard '{value}': {e}"))?,
                    ),
                    _ => None,
                };
                Ok(RecipientFilter::Compare {
                    property,
                    op,
                    value,
                    pattern,
                })
            }
            other => Err(format!("expected a property name, found {other:?}")),
        }
    }
}

/// The values of a recipient's property, by its exported name (ignoring case).
fn property_values(recipient: &Recipient, property: &str) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::to_value(recipient) else {
        return Vec::new();
    };
    let value = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(property))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(&other)],
    }
}

impl RecipientFilter {
    /// True if the recipient matches. An array property matches when any element does.
    pub fn matches(&self, recipient: &Recipient) -> bool {
        match self {
            RecipientFilter::Not(inner) => !inner.matches(recipient),
            RecipientFilter::And(a, b) => a.matches(recipient) && b.matches(recipient),
            RecipientFilter::Or(a, b) => a.matches(recipient) || b.matches(recipient),
            RecipientFilter::Compare {
                property,
                op,
                value,
                pattern,
            } => {
                let values = property_values(recipient, property);
                let equal = |v: &String| v.eq_ignore_ascii_case(value);
                let like = |v: &String| pattern.as_ref().is_some_and(|p| p.is_match(v));
                match op {
                    Op::Eq => values.iter().any(equal),
                    Op::Ne => !values.iter().any(equal),
                    Op::Like => values.iter().any(like),
                    Op::NotLike => !values.iter().any(like),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(department: &str, kind: &str) -> Recipient {
        let json =
            format!(r#"{{"Name":"x","RecipientType":"{kind}","Department":"{department}"}}"#);
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn evaluates_the_opath_subset() {
        let f = parse("(RecipientType -eq 'UserMailbox') -and (Department -like 'Sales*') -and -not (Department -eq 'Sales Ops')").unwrap();
        assert!(f.matches(&person("Sales EMEA", "UserMailbox")));
        assert!(!f.matches(&person("Sales Ops", "UserMailbox")));
        assert!(!f.matches(&person("Sales EMEA", "MailContact")));
        assert!(!f.matches(&person("Finance", "UserMailbox")));
        let g = parse("Department -eq 'Finance' -or Department -eq 'Legal'").unwrap();
        assert!(g.matches(&person("legal", "UserMailbox")));
        assert!(
            parse("Department -gt 'x'")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(
            parse("(Department -eq 'x'")
                .unwrap_err()
                .contains("not closed")
        );
    }
}
