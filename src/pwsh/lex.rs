//! Tokens of the PowerShell subset admins paste: commands, `-Parameters`, quoted and bare
//! values, `|`, script blocks `{ … }`, `$_.Property`, `(Get-Date).AddDays(-2)`.
//!
//! Every token keeps its byte span in the expression so errors can point at it.

use std::ops::Range;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// `-Name` (a parameter or an operator such as `-eq`, `-and`).
    Dash(String),
    /// A quoted string, quotes removed and escapes undone.
    Quoted(String),
    /// A bare word: a command name, a value such as `FAIL`, `bob@contoso.com`, `2026-11-20`.
    Word(String),
    /// A number, possibly negative (`-2`, `1000`).
    Number(f64),
    /// `$name` (`$_`, `$true`, `$false`, `$null`).
    Variable(String),
    /// `|`
    Pipe,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.` (a member access)
    Dot,
    /// `@(` — the start of an array expression.
    AtParen,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    /// The token.
    pub token: Token,
    /// Where it is in the text (byte range).
    pub span: Range<usize>,
}

/// A lexing error (an unclosed quote), with the span of the offending text.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    /// What is wrong.
    pub message: String,
    /// Where it is in the text (byte range).
    pub span: Range<usize>,
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '|' | '{' | '}' | '(' | ')' | ',' | '"' | '\'' | ';' | '$'
        )
}

/// The index after the run of letters, digits and `_` starting at `from`.
fn identifier_end(chars: &[(usize, char)], from: usize) -> usize {
    let mut j = from;
    while chars
        .get(j)
        .is_some_and(|(_, c)| c.is_alphanumeric() || *c == '_')
    {
        j += 1;
    }
    j
}

/// Splits `text` into tokens.
pub fn lex(text: &str) -> Result<Vec<Spanned>, LexError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let single = |token| Spanned {
            token,
            span: start..start + c.len_utf8(),
        };
        let punctuation = match c {
            '|' => Some(Token::Pipe),
            '{' => Some(Token::LBrace),
            '}' => Some(Token::RBrace),
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(token) = punctuation {
            out.push(single(token));
            i += 1;
            continue;
        }
        match c {
            c if c.is_whitespace() => i += 1,
            '@' if chars.get(i + 1).map(|(_, c)| *c) == Some('(') => {
                out.push(Spanned {
                    token: Token::AtParen,
                    span: start..start + 2,
                });
                i += 2;
            }
            '"' | '\'' | '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}' => {
                let quote = c;
                let closing = |q: char| match quote {
                    '"' | '\u{201c}' | '\u{201d}' => matches!(q, '"' | '\u{201c}' | '\u{201d}'),
                    _ => matches!(q, '\'' | '\u{2018}' | '\u{2019}'),
                };
                let mut value = String::new();
                let mut j = i + 1;
                loop {
                    let Some(&(_, q)) = chars.get(j) else {
                        return Err(LexError {
                            message: format!("the quote {quote} opened here is never closed"),
                            span: start..text.len(),
                        });
                    };
                    if closing(q) {
                        // A doubled quote inside is one literal quote.
                        if chars.get(j + 1).is_some_and(|(_, n)| *n == q) {
                            value.push(q);
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    if q == '`'
                        && quote == '"'
                        && let Some(&(_, n)) = chars.get(j + 1)
                    {
                        value.push(match n {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        j += 2;
                        continue;
                    }
                    value.push(q);
                    j += 1;
                }
                out.push(Spanned {
                    token: Token::Quoted(value),
                    span: start..end_of(j + 1),
                });
                i = j + 1;
            }
            '$' => {
                let j = identifier_end(&chars, i + 1);
                let name: String = chars[i + 1..j].iter().map(|(_, c)| c).collect();
                out.push(Spanned {
                    token: Token::Variable(name),
                    span: start..end_of(j),
                });
                i = j;
            }
            '.' if out.last().is_some_and(|t| {
                matches!(t.token, Token::RParen | Token::Variable(_)) && t.span.end == start
            }) =>
            {
                out.push(single(Token::Dot));
                i += 1;
            }
            '-' if chars.get(i + 1).is_some_and(|(_, n)| n.is_alphabetic()) => {
                let mut j = identifier_end(&chars, i + 1);
                let name: String = chars[i + 1..j].iter().map(|(_, c)| c).collect();
                out.push(Spanned {
                    token: Token::Dash(name),
                    span: start..end_of(j),
                });
                // `-Name:value` binds the value explicitly.
                if chars.get(j).is_some_and(|(_, c)| *c == ':') {
                    j += 1;
                }
                i = j;
            }
            _ => {
                let mut j = i;
                while chars.get(j).is_some_and(|(_, c)| is_word_char(*c)) {
                    // A member access `.Name` after a word ending in `)` is handled above;
                    // inside a word a dot is part of it (`bob@contoso.com`).
                    j += 1;
                }
                if j == i {
                    // A character no rule takes (`;`): keep it as a word of its own.
                    j = i + 1;
                }
                let word: String = chars[i..j].iter().map(|(_, c)| c).collect();
                let starts_numeric = word
                    .trim_start_matches('-')
                    .starts_with(|c: char| c.is_ascii_digit());
                let token = match word.parse::<f64>() {
                    Ok(n) if starts_numeric => Token::Number(n),
                    _ => Token::Word(word),
                };
                out.push(Spanned {
                    token,
                    span: start..end_of(j),
                });
                i = j;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        lex(text).unwrap().into_iter().map(|t| t.token).collect()
    }

    #[test]
    fn the_documented_imceaex_line() {
        let t = tokens(
            r#"Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#,
        );
        assert_eq!(
            t,
            vec![
                Token::Word("Get-TransportService".into()),
                Token::Pipe,
                Token::Word("Get-MessageTrackingLog".into()),
                Token::Dash("EventID".into()),
                Token::Word("FAIL".into()),
                Token::Dash("Start".into()),
                Token::LParen,
                Token::Word("Get-Date".into()),
                Token::RParen,
                Token::Dot,
                Token::Word("AddDays".into()),
                Token::LParen,
                Token::Number(-2.0),
                Token::RParen,
                Token::Dash("ResultSize".into()),
                Token::Word("Unlimited".into()),
                Token::Pipe,
                Token::Word("Where".into()),
                Token::LBrace,
                Token::Variable("_".into()),
                Token::Dot,
                Token::Word("Recipients".into()),
                Token::Dash("match".into()),
                Token::Quoted("^IMCEAEX*".into()),
                Token::RBrace,
            ]
        );
    }

    #[test]
    fn quotes_lists_and_addresses() {
        assert_eq!(
            tokens(r#"-Recipients 'o''brien@x.com',"a ""b""",bob@contoso.com"#),
            vec![
                Token::Dash("Recipients".into()),
                Token::Quoted("o'brien@x.com".into()),
                Token::Comma,
                Token::Quoted(r#"a "b""#.into()),
                Token::Comma,
                Token::Word("bob@contoso.com".into()),
            ]
        );
        assert_eq!(
            tokens("-Start 11/20/2026 -End 2026-11-21T00:00"),
            vec![
                Token::Dash("Start".into()),
                Token::Word("11/20/2026".into()),
                Token::Dash("End".into()),
                Token::Word("2026-11-21T00:00".into()),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_points_at_its_opening() {
        let err = lex(r#"-Sender "bob@x.com"#).unwrap_err();
        assert_eq!(err.span, 8..18);
        assert!(err.message.contains("never closed"));
    }
}
