//! CSV cells a spreadsheet opens: a text cell starting with `=`, `+`, `-`, `@`, tab or
//! carriage return would be read as a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`), so it is
//! written with a leading `'`, which Excel and LibreOffice show as plain text (OWASP's advice).
//! Numbers are never guarded; `--csv-raw` writes every cell as it is.

use std::borrow::Cow;

/// The cell as a spreadsheet should receive it.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if starts_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether a spreadsheet could read `cell` as a formula: it starts with = + - @, a tab or a
/// carriage return ([`guard`] prefixes those).
pub fn starts_formula(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_guarded() {
        assert_eq!(
            guard("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(guard("+1"), "'+1");
        assert_eq!(guard("-2+3"), "'-2+3");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("\tx"), "'\tx");
        assert_eq!(guard("adele@contoso.com"), "adele@contoso.com");
        assert_eq!(guard(""), "");
    }
}
