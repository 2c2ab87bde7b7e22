//! Row filters the reader applies before decoding a row's columns.
//!
//! The query engine pushes the cmdlet's own filters (`-Start`, `-End`, `-EventId`,
//! `-Recipients`, `-MessageSubject`, …) down to here. Each condition is checked on the raw
//! field text, so rows that cannot match are dropped before any column is built; when a
//! condition's values can be searched for in the raw line, lines without them are skipped
//! before they are even split into fields.

use regex::bytes::Regex;

use crate::format::Field;

/// How one field is tested. All comparisons ignore case, as the cmdlet does.
#[derive(Debug, Clone)]
pub enum FieldTest {
    /// The field equals one of the values.
    EqualsAny(Vec<String>),
    /// Some member of a list field (recipient-address, reference, …) equals one of the values.
    AnyMemberEqualsAny(Vec<String>),
    /// The field contains the text.
    Contains(String),
}

/// A test on one raw field.
#[derive(Debug, Clone)]
pub struct FieldCondition {
    pub field: Field,
    pub test: FieldTest,
}

/// Conditions a row must meet (all of them) to be decoded.
#[derive(Debug, Clone, Default)]
pub struct RowFilter {
    /// Inclusive lower bound on date-time, in ms since the epoch.
    pub start_ms: Option<i64>,
    /// Exclusive upper bound on date-time, in ms since the epoch.
    pub end_ms: Option<i64>,
    pub conditions: Vec<FieldCondition>,
}

impl RowFilter {
    /// True when the filter lets every row through.
    pub fn is_empty(&self) -> bool {
        self.start_ms.is_none() && self.end_ms.is_none() && self.conditions.is_empty()
    }

    /// Compiles the filter for the reader.
    pub fn compile(&self) -> CompiledFilter {
        let conditions = self
            .conditions
            .iter()
            .map(|c| CompiledCondition {
                field: c.field,
                test: match &c.test {
                    FieldTest::EqualsAny(v) => Test::EqualsAny(lower_all(v)),
                    FieldTest::AnyMemberEqualsAny(v) => Test::AnyMemberEqualsAny(lower_all(v)),
                    FieldTest::Contains(s) => Test::Contains(s.to_lowercase()),
                },
            })
            .collect();
        let line_patterns = self.conditions.iter().filter_map(line_pattern).collect();
        CompiledFilter {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            conditions,
            line_patterns,
        }
    }
}

fn lower_all(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.to_lowercase()).collect()
}

/// A case-insensitive regex that every line holding a match must contain, when the values
/// appear verbatim in the raw line (no quoting can have changed them).
fn line_pattern(condition: &FieldCondition) -> Option<Regex> {
    let values: Vec<&str> = match &condition.test {
        FieldTest::EqualsAny(v) | FieldTest::AnyMemberEqualsAny(v) => {
            v.iter().map(String::as_str).collect()
        }
        FieldTest::Contains(s) => vec![s.as_str()],
    };
    let changed_by_quoting = |v: &str| {
        v.is_empty()
            || v.contains(['"', '\r', '\n', '\\'])
            || (condition.field.is_list() && v.contains(['\'', ';']))
    };
    if values.is_empty() || values.iter().any(|v| changed_by_quoting(v)) {
        return None;
    }
    let alternatives: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
    Regex::new(&format!("(?i){}", alternatives.join("|"))).ok()
}

enum Test {
    EqualsAny(Vec<String>),
    AnyMemberEqualsAny(Vec<String>),
    Contains(String),
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
    line_patterns: Vec<Regex>,
}

fn eq_ignore_case(text: &str, lowered: &str) -> bool {
    if text.is_ascii() && lowered.is_ascii() {
        text.eq_ignore_ascii_case(lowered)
    } else {
        text.to_lowercase() == lowered
    }
}

impl CompiledFilter {
    /// True if nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.start_ms.is_none() && self.end_ms.is_none() && self.conditions.is_empty()
    }

    /// Cheap check on the raw line: false means the row cannot match.
    pub fn line_may_match(&self, line: &[u8]) -> bool {
        self.line_patterns.iter().all(|p| p.is_match(line))
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
        self.conditions.iter().all(|c| {
            let Some(text) = field_text(c.field) else {
                return false;
            };
            match &c.test {
                Test::EqualsAny(values) => values.iter().any(|v| eq_ignore_case(&text, v)),
                Test::Contains(needle) => text.to_lowercase().contains(needle.as_str()),
                Test::AnyMemberEqualsAny(values) => {
                    let mut members = Vec::new();
                    crate::format::list::split_members(&text, &mut members);
                    members
                        .iter()
                        .any(|m| values.iter().any(|v| eq_ignore_case(m, v)))
                }
            }
        })
    }
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
    fn list_membership_is_exact_per_member() {
        let f = filter(vec![FieldCondition {
            field: Field::Recipients,
            test: FieldTest::AnyMemberEqualsAny(vec!["Bob@Contoso.com".into()]),
        }]);
        assert!(f.fields_match(|_| Some(Cow::Borrowed("a@x.com;bob@contoso.com"))));
        assert!(!f.fields_match(|_| Some(Cow::Borrowed("bob@contoso.com.au"))));
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
