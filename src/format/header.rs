//! `#` header lines: `#Software`, `#Version`, `#Log-type`, `#Date` and `#Fields`.
//!
//! Each is a keyword, a colon, one space, then the value. Keywords are matched ignoring case
//! (the docs write `#Log-Type`, the files `#Log-type`). A `#Fields` line decides how the rows
//! after it are mapped, wherever it appears in a file.

use super::field::{Field, Layout};

/// One parsed `#` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderLine {
    /// `#Software: Microsoft Exchange Server`.
    Software(String),
    /// `#Version: 15.02.…`, the build that wrote the file.
    Version(String),
    /// `#Log-type: Message Tracking Log`.
    LogType(String),
    /// `#Date:`, when the file was started.
    Date(String),
    /// `#Fields:`, the field names in order.
    Fields(FieldMap),
    /// A `#` line with a keyword this reader does not know (kept for the report).
    Other {
        /// The line's keyword.
        keyword: String,
        /// The text after the keyword.
        value: String,
    },
}

/// The column order declared by a `#Fields` line (or assumed from a row's field count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    /// For each position in a row, the field it holds (`None` for an unknown name).
    pub positions: Vec<Option<Field>>,
    /// For each [`Field`] (by index), its position in the row.
    pub index_of: [Option<u16>; Field::COUNT],
    /// Names in the `#Fields` line that are not message tracking fields.
    pub unknown_names: Vec<String>,
    /// The standard layout this map equals, if any.
    pub layout: Option<Layout>,
}

impl FieldMap {
    /// The map of a standard layout.
    pub fn for_layout(layout: Layout) -> FieldMap {
        let positions: Vec<Option<Field>> = layout.fields().iter().copied().map(Some).collect();
        FieldMap::from_positions(positions, Vec::new())
    }

    fn from_positions(positions: Vec<Option<Field>>, unknown_names: Vec<String>) -> FieldMap {
        let mut index_of = [None; Field::COUNT];
        for (i, field) in positions.iter().enumerate() {
            if let Some(field) = field {
                // The first occurrence wins if a name repeats.
                index_of[field.index()].get_or_insert(i as u16);
            }
        }
        let layout = Layout::from_fields(&positions);
        FieldMap {
            positions,
            index_of,
            unknown_names,
            layout,
        }
    }

    /// Parses the value of a `#Fields:` line (comma-separated names).
    pub fn parse(value: &str) -> FieldMap {
        let mut unknown = Vec::new();
        let positions = value
            .split(',')
            .map(|name| {
                let field = Field::from_header_name(name);
                if field.is_none() {
                    unknown.push(name.trim().to_string());
                }
                field
            })
            .collect();
        FieldMap::from_positions(positions, unknown)
    }

    /// Number of fields a row must have.
    pub fn width(&self) -> usize {
        self.positions.len()
    }

    /// Position of `field` in a row, if the layout has it.
    pub fn position(&self, field: Field) -> Option<usize> {
        self.index_of[field.index()].map(usize::from)
    }

    /// True if no name in the line is a tracking-log field (a wrong `#Fields`).
    pub fn knows_nothing(&self) -> bool {
        self.positions.iter().all(Option::is_none)
    }

    /// A short description: `Exchange 2016/2019 (30 fields)` or `custom (28 fields)`.
    pub fn describe(&self) -> String {
        match self.layout {
            Some(layout) => format!("{} layout, {} fields", layout.describe(), self.width()),
            None => format!("custom layout, {} fields", self.width()),
        }
    }
}

/// Parses a line that starts with `#`. Returns `None` if it does not have the
/// `#Keyword: value` shape at all.
pub fn parse_header_line(line: &str) -> Option<HeaderLine> {
    let body = line.strip_prefix('#')?;
    let (keyword, value) = body.split_once(':')?;
    let keyword = keyword.trim();
    if keyword.is_empty() || keyword.contains([' ', ',']) {
        return None;
    }
    let value = value.strip_prefix(' ').unwrap_or(value).trim_end();
    let header = match keyword.to_ascii_lowercase().as_str() {
        "software" => HeaderLine::Software(value.to_string()),
        "version" => HeaderLine::Version(value.to_string()),
        "log-type" => HeaderLine::LogType(value.to_string()),
        "date" => HeaderLine::Date(value.to_string()),
        "fields" => HeaderLine::Fields(FieldMap::parse(value)),
        _ => HeaderLine::Other {
            keyword: keyword.to_string(),
            value: value.to_string(),
        },
    };
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_five_exchange_header_lines() {
        assert_eq!(
            parse_header_line("#Software: Microsoft Exchange Server"),
            Some(HeaderLine::Software("Microsoft Exchange Server".into()))
        );
        assert_eq!(
            parse_header_line("#Log-Type: Message Tracking Log"),
            Some(HeaderLine::LogType("Message Tracking Log".into()))
        );
        assert_eq!(
            parse_header_line("#Date: 2016-04-05T00:00:02.052Z"),
            Some(HeaderLine::Date("2016-04-05T00:00:02.052Z".into()))
        );
        let Some(HeaderLine::Fields(map)) =
            parse_header_line(&Layout::Exchange2013.fields_header())
        else {
            panic!("not a fields line")
        };
        assert_eq!(map.layout, Some(Layout::Exchange2013));
        assert_eq!(map.position(Field::NetworkMessageId), Some(11));
        assert_eq!(map.position(Field::LogId), None);
    }

    #[test]
    fn fields_in_another_order_are_mapped_by_name() {
        let map = FieldMap::parse("event-id,date-time,bogus,recipient-address");
        assert_eq!(map.layout, None);
        assert_eq!(map.width(), 4);
        assert_eq!(map.position(Field::Timestamp), Some(1));
        assert_eq!(map.position(Field::Recipients), Some(3));
        assert_eq!(map.unknown_names, vec!["bogus".to_string()]);
        assert!(!map.knows_nothing());
        assert!(FieldMap::parse("a,b,c").knows_nothing());
    }

    #[test]
    fn non_header_hash_lines_are_not_headers() {
        assert_eq!(parse_header_line("# just a comment"), None);
        assert_eq!(parse_header_line("#TYPE Microsoft.Exchange"), None);
    }
}
