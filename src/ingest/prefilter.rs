//! Row filters the reader applies before decoding a row's columns.
//!
//! The query engine pushes the cmdlet's own filters (`-Start`, `-End`, `-EventId`,
//! `-Recipients`, `-MessageSubject`, …) down to here. Each condition is checked on the raw
//! field text, so rows that cannot match are dropped before any column is built; when a
//! condition's values can be searched for in the raw line, lines without them are skipped
//! before they are even split into fields.

use regex::bytes::Regex;

use crate::format::Field;
use crate::format::fold::{contains_ignore_case, eq_ignore_case, fold, fold_char};

/// How one field is tested. All comparisons ignore case, as the cmdlet does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldTest {
    /// The field equals one of the values.
    EqualsAny(Vec<String>),
    /// Some member of a list field (recipient-address, reference, …) equals one of the values.
    AnyMemberEqualsAny(Vec<String>),
    /// The field contains the text.
    Contains(String),
    /// The field's text (a list field: one of its members) matches a pattern as PowerShell's
    /// `-match` (a regular expression) or `-like` (a wildcard) does, ignoring case: a
    /// Where-Object condition the reader tests first (see `query::pushdown`).
    Matches {
        /// The pattern as written.
        pattern: String,
        /// `-like`'s wildcard, not a regular expression.
        wildcard: bool,
    },
    /// The field's whole number is above `bound` (`above`) or below it; a field empty or not
    /// a whole number passes when `empty` says so. A sort's first N over windows asks it of
    /// the windows after the N kept so far (`query::top_rows`).
    Beyond {
        /// The bound, itself left out.
        bound: i64,
        /// Above the bound, or below it.
        above: bool,
        /// Whether a field of no whole number passes.
        empty: bool,
    },
}

/// Whether a whole number (`None`: a field empty or not a whole number) is beyond `bound`
/// as [`FieldTest::Beyond`] asks: above it (`above`) or below it, or, for no number,
/// whether `empty` lets it pass. The one rule for lines, columns and row groups.
pub fn beyond(value: Option<i64>, bound: i64, above: bool, empty: bool) -> bool {
    match value {
        Some(n) if above => n > bound,
        Some(n) => n < bound,
        None => empty,
    }
}

/// The regex PowerShell's `-match` (or, `wildcard`, `-like`) builds for `pattern`, ignoring
/// case: the one the operator itself uses.
pub fn pattern_regex(pattern: &str, wildcard: bool) -> Result<regex::Regex, String> {
    if wildcard {
        crate::pwsh::wildcard::wildcard_regex(pattern, false).map_err(|e| e.to_string())
    } else {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| e.to_string())
    }
}

/// A test on one raw field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCondition {
    /// The field tested.
    pub field: Field,
    /// The test on its value.
    pub test: FieldTest,
}

/// Conditions a row must meet (all of them) to be decoded.
#[derive(Debug, Clone, Default)]
pub struct RowFilter {
    /// Inclusive lower bound on date-time, in ms since the epoch.
    pub start_ms: Option<i64>,
    /// Exclusive upper bound on date-time, in ms since the epoch.
    pub end_ms: Option<i64>,
    /// Conditions every kept row meets (AND).
    pub conditions: Vec<FieldCondition>,
}

impl RowFilter {
    /// True when the filter lets every row through.
    pub fn is_empty(&self) -> bool {
        !self.has_time_range() && self.conditions.is_empty()
    }

    /// True when the filter bounds the date-time (a start, an end or both).
    pub fn has_time_range(&self) -> bool {
        self.start_ms.is_some() || self.end_ms.is_some()
    }

    /// Narrows the time range to the part of it inside `start`..`end` (either unbounded when
    /// `None`): the later start, the earlier end.
    pub fn narrow_time(&mut self, start: Option<i64>, end: Option<i64>) {
        // (`None` orders before any time: the later start.)
        self.start_ms = self.start_ms.max(start);
        self.end_ms = match (self.end_ms, end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Whether rows timed from `first_ms` to `last_ms` (inclusive) may hold one inside the
    /// filter's time range (a start is inclusive, an end exclusive).
    pub fn may_hold(&self, first_ms: i64, last_ms: i64) -> bool {
        self.start_ms.is_none_or(|start| last_ms >= start)
            && self.end_ms.is_none_or(|end| first_ms < end)
    }

    /// Compiles the filter for the reader. The raw-line patterns are built when a log line
    /// is first checked: a read of store parts alone never builds them (their case-folding
    /// table costs milliseconds).
    pub fn compile(&self) -> CompiledFilter {
        CompiledFilter {
            line_sources: self.conditions.clone(),
            ..self.compile_fields()
        }
    }

    /// Compiles the filter for values already split into fields (a frame's rows): without
    /// the raw-line patterns, which cost a regex build each.
    pub fn compile_fields(&self) -> CompiledFilter {
        let conditions = self
            .conditions
            .iter()
            .map(|c| CompiledCondition {
                field: c.field,
                test: match &c.test {
                    FieldTest::EqualsAny(v) => Test::EqualsAny(fold_all(v)),
                    FieldTest::AnyMemberEqualsAny(v) => Test::AnyMemberEqualsAny(fold_all(v)),
                    FieldTest::Contains(s) => Test::Contains(fold(s)),
                    // A pattern that does not build keeps every row (the stage that wrote
                    // it reports it).
                    FieldTest::Matches { pattern, wildcard } => {
                        Test::Matches(pattern_regex(pattern, *wildcard).ok())
                    }
                    FieldTest::Beyond {
                        bound,
                        above,
                        empty,
                    } => Test::Beyond {
                        bound: *bound,
                        above: *above,
                        empty: *empty,
                    },
                },
            })
            .collect();
        CompiledFilter {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            conditions,
            line_sources: Vec::new(),
            line_patterns: std::sync::OnceLock::new(),
        }
    }
}

fn fold_all(values: &[String]) -> Vec<String> {
    values.iter().map(|v| fold(v)).collect()
}

/// Longest total needle the line check is built for; longer values skip it (the field check
/// alone stays linear in the line, where a pattern of thousands of classes would not).
const LINE_PATTERN_MAX: usize = 256;

/// Every character that [`fold_char`] maps to the same character as `c`, as a regex class:
/// the line check then accepts exactly what the field check accepts (`ı` for `I`, `ſ` for `S`,
/// `ς` for `σ`), never less.
fn fold_class(c: char) -> String {
    static INVERSE: std::sync::OnceLock<std::collections::HashMap<char, Vec<char>>> =
        std::sync::OnceLock::new();
    let inverse = INVERSE.get_or_init(|| {
        let mut m: std::collections::HashMap<char, Vec<char>> = std::collections::HashMap::new();
        // Every cased character lies below U+1F000.
        for x in (0..0x1F000u32).filter_map(char::from_u32) {
            let f = fold_char(x);
            if f != x || x.is_alphabetic() {
                m.entry(f).or_default().push(x);
            }
        }
        m
    });
    let f = fold_char(c);
    let mut members: Vec<char> = inverse.get(&f).cloned().unwrap_or_default();
    if !members.contains(&c) {
        members.push(c);
    }
    if members.len() == 1 {
        return regex::escape(&c.to_string());
    }
    let inner: String = members
        .iter()
        .map(|m| regex::escape(&m.to_string()))
        .collect::<Vec<_>>()
        .join("|");
    format!("(?:{inner})")
}

/// A case-insensitive regex that every line holding a match must contain, when the values
/// appear verbatim in the raw line (no quoting can have changed them).
fn line_pattern(condition: &FieldCondition) -> Option<Regex> {
    let values: Vec<&str> = match &condition.test {
        FieldTest::EqualsAny(v) | FieldTest::AnyMemberEqualsAny(v) => {
            v.iter().map(String::as_str).collect()
        }
        FieldTest::Contains(s) => vec![s.as_str()],
        FieldTest::Matches { .. } | FieldTest::Beyond { .. } => return None,
    };
    let changed_by_quoting = |v: &str| {
        v.is_empty()
            || v.contains(['"', '\r', '\n', '\\'])
            || (condition.field.is_list() && v.contains(['\'', ';']))
    };
    if values.is_empty()
        || values.iter().any(|v| changed_by_quoting(v))
        || values.iter().map(|v| v.chars().count()).sum::<usize>() > LINE_PATTERN_MAX
    {
        return None;
    }
    let alternatives: Vec<String> = values
        .iter()
        .map(|v| v.chars().map(fold_class).collect::<String>())
        .collect();
    Regex::new(&alternatives.join("|")).ok()
}

enum Test {
    EqualsAny(Vec<String>),
    AnyMemberEqualsAny(Vec<String>),
    Contains(String),
    Matches(Option<regex::Regex>),
    Beyond {
        bound: i64,
        above: bool,
        empty: bool,
    },
}

struct CompiledCondition {
    field: Field,
    test: Test,
}

/// A [`RowFilter`] ready to run.
pub struct CompiledFilter {
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    conditions: Vec<CompiledCondition>,
    /// The conditions the raw-line patterns are built from (none for split values).
    line_sources: Vec<FieldCondition>,
    line_patterns: std::sync::OnceLock<Vec<Regex>>,
}

impl CompiledFilter {
    /// True if nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.start_ms.is_none() && self.end_ms.is_none() && self.conditions.is_empty()
    }

    /// Cheap check on the raw line: false means the row cannot match.
    pub fn line_may_match(&self, line: &[u8]) -> bool {
        self.line_patterns
            .get_or_init(|| self.line_sources.iter().filter_map(line_pattern).collect())
            .iter()
            .all(|p| p.is_match(line))
    }

    /// Checks the date-time bounds.
    pub fn time_matches(&self, ms: i64) -> bool {
        self.start_ms.is_none_or(|s| ms >= s) && self.end_ms.is_none_or(|e| ms < e)
    }

    /// Checks the field conditions; `field_text` gives a field's unquoted text (or `None`
    /// when the row's layout lacks the field, which never matches).
    pub fn fields_match<'a>(
        &self,
        mut field_text: impl FnMut(Field) -> Option<std::borrow::Cow<'a, str>>,
    ) -> bool {
        self.fields_match_values(|f| field_text(f).map(FieldValue::Text))
    }

    /// [`Self::fields_match`] over values already split: a list field may be given as its
    /// members (the frame's lists), so they are never re-joined and re-split.
    pub fn fields_match_values<'a>(
        &self,
        mut field_value: impl FnMut(Field) -> Option<FieldValue<'a>>,
    ) -> bool {
        self.conditions.iter().all(|c| {
            let Some(value) = field_value(c.field) else {
                return false;
            };
            match (&c.test, value) {
                (Test::AnyMemberEqualsAny(values), FieldValue::Members(members)) => members
                    .iter()
                    .any(|m| values.iter().any(|v| eq_ignore_case(m, v))),
                (Test::AnyMemberEqualsAny(values), FieldValue::Text(text)) => {
                    let mut members = Vec::new();
                    crate::format::list::split_members(&text, &mut members);
                    members
                        .iter()
                        .any(|m| values.iter().any(|v| eq_ignore_case(m, v)))
                }
                (Test::Matches(None), _) => true,
                (Test::Matches(Some(re)), FieldValue::Members(members)) => {
                    members.iter().any(|m| re.is_match(m))
                }
                (Test::Matches(Some(re)), FieldValue::Text(text)) if c.field.is_list() => {
                    let mut members = Vec::new();
                    crate::format::list::split_members(&text, &mut members);
                    members.iter().any(|m| re.is_match(m))
                }
                (Test::Matches(Some(re)), FieldValue::Text(text)) => re.is_match(&text),
                (Test::EqualsAny(values), value) => {
                    let text = value.text();
                    values.iter().any(|v| eq_ignore_case(&text, v))
                }
                (Test::Contains(needle), value) => contains_ignore_case(&value.text(), needle),
                (
                    Test::Beyond {
                        bound,
                        above,
                        empty,
                    },
                    value,
                ) => beyond(
                    value.text().trim().parse::<i64>().ok(),
                    *bound,
                    *above,
                    *empty,
                ),
            }
        })
    }
}

/// A field's value for [`CompiledFilter::fields_match_values`].
pub enum FieldValue<'a> {
    /// The unquoted text, as in the file.
    Text(std::borrow::Cow<'a, str>),
    /// A list field's members.
    Members(Vec<String>),
}

impl FieldValue<'_> {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            FieldValue::Text(t) => std::borrow::Cow::Borrowed(t),
            FieldValue::Members(m) => std::borrow::Cow::Owned(m.join(";")),
        }
    }
}

/// Rows a caller looks at only if one text column passes a test: a store part decodes its
/// other text and list columns only for the rows that pass (the others keep their place with
/// nulls there), so a caller reading the same rows again and again for a share of their keys
/// at a time decodes each row's text once. Every row is still given, with its key, time and
/// server: the caller, not the reader, leaves the others out. Raw logs decode every row.
#[derive(Clone)]
pub struct DecodeOnly {
    /// The column tested (a text column).
    pub field: Field,
    /// True for a value (`""` for a null) whose row's other columns are wanted. It may let
    /// fewer through as the read goes, never more.
    pub test: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn filter(conditions: Vec<FieldCondition>) -> CompiledFilter {
        RowFilter {
            conditions,
            ..RowFilter::default()
        }
        .compile()
    }

    #[test]
    fn equality_ignores_case_and_any_value_matches() {
        let f = filter(vec![FieldCondition {
            field: Field::EventId,
            test: FieldTest::EqualsAny(vec!["fail".into(), "DEFER".into()]),
        }]);
        assert!(f.fields_match(|_| Some(Cow::Borrowed("FAIL"))));
        assert!(f.fields_match(|_| Some(Cow::Borrowed("defer"))));
        assert!(!f.fields_match(|_| Some(Cow::Borrowed("FAILED"))));
        assert!(f.line_may_match(b"2026-01-01T00:00:00.000Z,,,,,,,ROUTING,FAIL,1"));
        assert!(!f.line_may_match(b"2026-01-01T00:00:00.000Z,,,,,,,SMTP,SEND,1"));
    }

    #[test]
    fn beyond_keeps_numbers_past_the_bound_and_rows_of_no_number() {
        for (above, past, equal, short) in [(true, "101", "100", "99"), (false, "99", "100", "101")]
        {
            let f = filter(vec![FieldCondition {
                field: Field::TotalBytes,
                test: FieldTest::Beyond {
                    bound: 100,
                    above,
                    empty: true,
                },
            }]);
            assert!(f.fields_match(|_| Some(Cow::Borrowed(past))), "{above}");
            assert!(!f.fields_match(|_| Some(Cow::Borrowed(equal))), "{above}");
            assert!(!f.fields_match(|_| Some(Cow::Borrowed(short))), "{above}");
            // Rows of no number pass when the sort may put them first.
            assert!(f.fields_match(|_| Some(Cow::Borrowed(""))), "{above}");
            assert!(f.fields_match(|_| Some(Cow::Borrowed("n/a"))), "{above}");
            // Any line may hold such a row.
            assert!(f.line_may_match(b"2026-01-01T00:00:00.000Z,,,,,,,SMTP,SEND,1"));
            // Rows of no number left out when the sort puts them after the bound.
            let f = filter(vec![FieldCondition {
                field: Field::TotalBytes,
                test: FieldTest::Beyond {
                    bound: 100,
                    above,
                    empty: false,
                },
            }]);
            assert!(f.fields_match(|_| Some(Cow::Borrowed(past))), "{above}");
            assert!(!f.fields_match(|_| Some(Cow::Borrowed(""))), "{above}");
        }
    }

    #[test]
    fn list_membership_is_exact_per_member() {
        let f = filter(vec![FieldCondition {
            field: Field::Recipients,
            test: FieldTest::AnyMemberEqualsAny(vec!["Bob@Contoso.com".into()]),
        }]);
        assert!(f.fields_match(|_| Some(Cow::Borrowed("a@x.com;bob@contoso.com"))));
        assert!(!f.fields_match(|_| Some(Cow::Borrowed("bob@contoso.com.au"))));
    }

    #[test]
    fn a_span_of_rows_may_hold_one_in_a_half_open_time_range() {
        let f = RowFilter {
            start_ms: Some(10),
            end_ms: Some(20),
            conditions: Vec::new(),
        };
        assert!(f.has_time_range());
        // Touching the start (inclusive) holds; touching the end (exclusive) does not.
        assert!(f.may_hold(0, 10) && f.may_hold(19, 30) && f.may_hold(12, 15));
        assert!(!f.may_hold(0, 9) && !f.may_hold(20, 30));
        let open = RowFilter {
            start_ms: None,
            end_ms: Some(20),
            conditions: Vec::new(),
        };
        assert!(open.may_hold(i64::MIN, -5) && !open.may_hold(20, 20));
        assert!(!RowFilter::default().has_time_range());
    }

    #[test]
    fn subject_is_a_case_insensitive_substring_and_time_is_half_open() {
        let f = RowFilter {
            start_ms: Some(10),
            end_ms: Some(20),
            conditions: vec![FieldCondition {
                field: Field::MessageSubject,
                test: FieldTest::Contains("sea".into()),
            }],
        }
        .compile();
        assert!(f.fields_match(|_| Some(Cow::Borrowed("Trip to Seattle"))));
        assert!(f.time_matches(10) && f.time_matches(19));
        assert!(!f.time_matches(20) && !f.time_matches(9));
    }

    #[test]
    fn values_changed_by_quoting_disable_the_line_check_only() {
        let f = filter(vec![FieldCondition {
            field: Field::Recipients,
            test: FieldTest::AnyMemberEqualsAny(vec!["o'brien@x.com".into()]),
        }]);
        // Written as 'o''brien@x.com' in the raw line: the line check must not reject it.
        assert!(f.line_may_match(b"...,'o''brien@x.com',..."));
    }
}
