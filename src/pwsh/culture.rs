//! The cultures a shell can run in: how dates are written and read, list separators
//! (`Export-Csv -UseCulture`), and number formatting (`-f`, `ToString("N2")`). The values
//! are Windows' (NLS) culture data as Windows PowerShell 5.1 sees them.

/// The culture data msgtrack needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Culture {
    /// The culture name (`en-US`; empty for the invariant culture).
    pub name: &'static str,
    /// `ShortDatePattern` (`M/d/yyyy`).
    pub short_date: &'static str,
    /// `LongTimePattern` (`h:mm:ss tt`).
    pub long_time: &'static str,
    /// `ShortTimePattern` (`h:mm tt`).
    pub short_time: &'static str,
    /// `LongDatePattern` (`dddd, MMMM d, yyyy`).
    pub long_date: &'static str,
    /// AM and PM designators.
    pub am: &'static str,
    /// The PM designator.
    pub pm: &'static str,
    /// `TextInfo.ListSeparator` (`Export-Csv -UseCulture`).
    pub list_separator: &'static str,
    /// `NumberFormat.NumberDecimalSeparator`.
    pub decimal: &'static str,
    /// `NumberFormat.NumberGroupSeparator`.
    pub group: &'static str,
    /// Month and day names are English (the only names msgtrack carries).
    pub english_names: bool,
}

/// One row of the culture table (a constructor, so the table reads as a table).
#[allow(clippy::too_many_arguments)]
const fn culture(
    name: &'static str,
    short_date: &'static str,
    long_time: &'static str,
    short_time: &'static str,
    long_date: &'static str,
    am: &'static str,
    pm: &'static str,
    list_separator: &'static str,
    decimal: &'static str,
    group: &'static str,
) -> Culture {
    Culture {
        name,
        short_date,
        long_time,
        short_time,
        long_date,
        am,
        pm,
        list_separator,
        decimal,
        group,
        english_names: false,
    }
}

const NBSP: &str = "\u{a0}";

/// The invariant culture: what PowerShell uses for casts, operator conversions and strings
/// in double quotes.
pub static INVARIANT: Culture = Culture {
    english_names: true,
    ..culture(
        "",
        "MM/dd/yyyy",
        "HH:mm:ss",
        "HH:mm",
        "dddd, dd MMMM yyyy",
        "AM",
        "PM",
        ",",
        ".",
        ",",
    )
};

/// Every culture msgtrack knows, by name.
pub static CULTURES: [Culture; 11] = [
    Culture {
        english_names: true,
        ..culture(
            "en-US",
            "M/d/yyyy",
            "h:mm:ss tt",
            "h:mm tt",
            "dddd, MMMM d, yyyy",
            "AM",
            "PM",
            ",",
            ".",
            ",",
        )
    },
    Culture {
        english_names: true,
        ..culture(
            "en-GB",
            "dd/MM/yyyy",
            "HH:mm:ss",
            "HH:mm",
            "dd MMMM yyyy",
            "AM",
            "PM",
            ",",
            ".",
            ",",
        )
    },
    culture(
        "de-DE",
        "dd.MM.yyyy",
        "HH:mm:ss",
        "HH:mm",
        "dddd, d. MMMM yyyy",
        "",
        "",
        ";",
        ",",
        ".",
    ),
    culture(
        "fr-FR",
        "dd/MM/yyyy",
        "HH:mm:ss",
        "HH:mm",
        "dddd d MMMM yyyy",
        "",
        "",
        ";",
        ",",
        NBSP,
    ),
    culture(
        "ja-JP",
        "yyyy/MM/dd",
        "H:mm:ss",
        "H:mm",
        "yyyy'年'M'月'd'日'",
        "午前",
        "午後",
        ",",
        ".",
        ",",
    ),
    culture(
        "ko-KR",
        "yyyy-MM-dd",
        "tt h:mm:ss",
        "tt h:mm",
        "yyyy'년' M'월' d'일' dddd",
        "오전",
        "오후",
        ",",
        ".",
        ",",
    ),
    culture(
        "zh-CN",
        "yyyy/M/d",
        "H:mm:ss",
        "H:mm",
        "yyyy'年'M'月'd'日'",
        "上午",
        "下午",
        ",",
        ".",
        ",",
    ),
    culture(
        "nl-NL",
        "d-M-yyyy",
        "HH:mm:ss",
        "HH:mm",
        "dddd d MMMM yyyy",
        "",
        "",
        ";",
        ",",
        ".",
    ),
    culture(
        "sv-SE",
        "yyyy-MM-dd",
        "HH:mm:ss",
        "HH:mm",
        "'den 'd MMMM yyyy",
        "",
        "",
        ";",
        ",",
        NBSP,
    ),
    culture(
        "pl-PL",
        "dd.MM.yyyy",
        "HH:mm:ss",
        "HH:mm",
        "d MMMM yyyy",
        "",
        "",
        ";",
        ",",
        NBSP,
    ),
    culture(
        "ru-RU",
        "dd.MM.yyyy",
        "H:mm:ss",
        "H:mm",
        "d MMMM yyyy 'г.'",
        "",
        "",
        ";",
        ",",
        NBSP,
    ),
];

/// The order of day, month and year in a culture's short date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Month, day, year (en-US).
    Mdy,
    /// Day, month, year (en-GB, de-DE, fr-FR, nl-NL, pl-PL, ru-RU).
    Dmy,
    /// Year, month, day (ja-JP, ko-KR, zh-CN, sv-SE).
    Ymd,
}

impl Culture {
    /// Looks a culture up by name, ignoring case (`en-us`); `None` for unknown ones.
    pub fn find(name: &str) -> Option<&'static Culture> {
        if name.is_empty() || name.eq_ignore_ascii_case("invariant") {
            return Some(&INVARIANT);
        }
        CULTURES.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The names of every known culture, for error messages.
    pub fn names() -> Vec<&'static str> {
        CULTURES.iter().map(|c| c.name).collect()
    }

    /// The order of the short date's parts.
    pub fn date_order(&self) -> DateOrder {
        let first = self
            .short_date
            .trim_start_matches('\'')
            .chars()
            .find(|c| matches!(c, 'd' | 'M' | 'y'));
        match first {
            Some('y') => DateOrder::Ymd,
            Some('d') => DateOrder::Dmy,
            _ => DateOrder::Mdy,
        }
    }

    /// The label used in messages (`en-US`, `invariant`).
    pub fn label(&self) -> &'static str {
        if self.name.is_empty() {
            "invariant"
        } else {
            self.name
        }
    }

    /// A number with `decimals` fraction digits and group separators (`N2`).
    pub fn format_grouped(&self, value: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, value.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push_str(self.group);
            }
            grouped.push(c);
        }
        let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "-"
        } else {
            ""
        };
        if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{}{frac}", self.decimal)
        }
    }

    /// A number with `decimals` fraction digits, no grouping (`F2`).
    pub fn format_fixed(&self, value: f64, decimals: usize) -> String {
        format!("{:.*}", decimals, value).replace('.', self.decimal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cultures_are_found_by_name_and_know_their_date_order() {
        assert_eq!(Culture::find("EN-us").unwrap().date_order(), DateOrder::Mdy);
        assert_eq!(Culture::find("en-GB").unwrap().date_order(), DateOrder::Dmy);
        assert_eq!(Culture::find("de-DE").unwrap().date_order(), DateOrder::Dmy);
        assert_eq!(Culture::find("ko-KR").unwrap().date_order(), DateOrder::Ymd);
        assert_eq!(Culture::find("sv-SE").unwrap().date_order(), DateOrder::Ymd);
        assert_eq!(Culture::find("nl-NL").unwrap().date_order(), DateOrder::Dmy);
        assert_eq!(INVARIANT.date_order(), DateOrder::Mdy);
        assert!(Culture::find("xx-YY").is_none());
    }

    #[test]
    fn numbers_are_grouped_in_the_culture() {
        let de = Culture::find("de-DE").unwrap();
        assert_eq!(de.format_grouped(1234.5, 2), "1.234,50");
        assert_eq!(INVARIANT.format_grouped(1234567.0, 0), "1,234,567");
        assert_eq!(INVARIANT.format_grouped(-0.001, 2), "0.00");
        assert_eq!(de.format_fixed(2.5, 1), "2,5");
    }
}
