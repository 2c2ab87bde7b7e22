//! Field-level splitting of one log line (the first of the two quoting levels).
//!
//! Exchange wraps a field in `"…"` only when it contains `,` or `"`, doubling embedded quotes.
//! CR and LF inside values are written as the two characters `\r` / `\n`, so a record never
//! spans lines: the splitter works on one line at a time, which lets chunks of a file be
//! decoded in parallel and lets every problem be reported with its line number.

use std::borrow::Cow;

use memchr::memchr;

/// Where one field lies inside its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSpan {
    /// Byte offset of the first content byte (after an opening quote).
    pub start: u32,
    /// Byte offset one past the last content byte (before a closing quote).
    pub end: u32,
    /// The field was quoted and contains doubled quotes (`""`) to undo.
    pub has_escaped_quotes: bool,
}

impl FieldSpan {
    /// The field's text with CSV quoting undone.
    pub fn text<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let raw = &line[self.start as usize..self.end as usize];
        if self.has_escaped_quotes {
            Cow::Owned(raw.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(raw)
        }
    }
}

/// A quoting error, with the 1-based field number and 1-based column where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A field opened with `"` never closes before the end of the line.
    UnterminatedQuote { field: usize, column: usize },
    /// A closing `"` is followed by something other than `,` or the end of the line.
    TextAfterClosingQuote { field: usize, column: usize },
    /// The line is longer than 4 GiB (offsets are 32-bit).
    LineTooLong,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::UnterminatedQuote { field, column } => write!(
                f,
                "broken quoting: field {field} opens a quote at column {column} that is never closed"
            ),
            SplitError::TextAfterClosingQuote { field, column } => write!(
                f,
                "broken quoting: field {field} has text after its closing quote at column {column} \
                 (a quote inside a quoted value must be doubled)"
            ),
            SplitError::LineTooLong => f.write_str("line longer than 4 GiB"),
        }
    }
}

/// Splits `line` (without its line end) into field spans, appending to `out` (cleared first).
pub fn split_fields(line: &[u8], out: &mut Vec<FieldSpan>) -> Result<(), SplitError> {
    out.clear();
    if line.len() > u32::MAX as usize {
        return Err(SplitError::LineTooLong);
    }
    let mut start = 0usize;
    loop {
        if line.get(start) == Some(&b'"') {
            let mut scan = start + 1;
            let mut escaped = false;
            loop {
                let Some(found) = memchr(b'"', &line[scan..]) else {
                    return Err(SplitError::UnterminatedQuote {
                        field: out.len() + 1,
                        column: start + 1,
                    });
                };
                let quote = scan + found;
                match line.get(quote + 1) {
                    Some(b'"') => {
                        escaped = true;
                        scan = quote + 2;
                    }
                    None => {
                        out.push(span(start + 1, quote, escaped));
                        return Ok(());
                    }
                    Some(b',') => {
                        out.push(span(start + 1, quote, escaped));
                        start = quote + 2;
                        break;
                    }
                    Some(_) => {
                        return Err(SplitError::TextAfterClosingQuote {
                            field: out.len() + 1,
                            column: quote + 2,
                        });
                    }
                }
            }
        } else {
            match memchr(b',', &line[start..]) {
                Some(found) => {
                    out.push(span(start, start + found, false));
                    start += found + 1;
                }
                None => {
                    out.push(span(start, line.len(), false));
                    return Ok(());
                }
            }
        }
    }
}

fn span(start: usize, end: usize, has_escaped_quotes: bool) -> FieldSpan {
    FieldSpan {
        start: start as u32,
        end: end as u32,
        has_escaped_quotes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        let mut spans = Vec::new();
        split_fields(line.as_bytes(), &mut spans).unwrap();
        spans.iter().map(|s| s.text(line).into_owned()).collect()
    }

    #[test]
    fn splits_plain_and_empty_fields() {
        assert_eq!(fields("a,,b,"), vec!["a", "", "b", ""]);
        assert_eq!(fields(""), vec![""]);
    }

    #[test]
    fn quoted_fields_keep_commas_and_undo_doubled_quotes() {
        assert_eq!(
            fields(r#"x,"a, b","say ""hi""",z"#),
            vec!["x", "a, b", r#"say "hi""#, "z"]
        );
        assert_eq!(fields(r#""""#), vec![""]);
    }

    #[test]
    fn backslash_escapes_are_kept_verbatim() {
        assert_eq!(fields(r"a\r\nb,c"), vec![r"a\r\nb", "c"]);
    }

    #[test]
    fn stray_quote_inside_bare_field_is_literal() {
        assert_eq!(fields(r#"ab"c,d"#), vec![r#"ab"c"#, "d"]);
    }

    #[test]
    fn broken_quoting_is_located() {
        let mut spans = Vec::new();
        assert_eq!(
            split_fields(br#"a,"open"#, &mut spans),
            Err(SplitError::UnterminatedQuote {
                field: 2,
                column: 3
            })
        );
        assert_eq!(
            split_fields(br#"a,"x"y,b"#, &mut spans),
            Err(SplitError::TextAfterClosingQuote {
                field: 2,
                column: 6
            })
        );
    }
}
