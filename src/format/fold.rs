//! The one rule for "ignoring case" everywhere msgtrack compares text as Exchange and
//! PowerShell do (the reader's prefilter, Where-Object, Group-Object, the reports' grouping):
//! .NET's `OrdinalIgnoreCase` — each character upper-cased with the invariant culture's simple
//! mapping (one character to one character), then compared by code point. So `ı` and `i`
//! both match `I`, `ς` and `σ` both match `Σ`, fullwidth `ａ` matches `Ａ`, and `ß` matches only
//! `ß` (its upper case is two letters, which a simple mapping does not do).

/// The character compared in place of `c`.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// `text` with every character folded (for keys of maps grouped ignoring case).
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_uppercase();
    }
    text.chars().map(fold_char).collect()
}

/// True when `a` and `b` are equal ignoring case.
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// True when `haystack` contains `needle` ignoring case.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        return haystack
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    let h: Vec<char> = haystack.chars().map(fold_char).collect();
    let n: Vec<char> = needle.chars().map(fold_char).collect();
    h.windows(n.len()).any(|w| w == n.as_slice())
}

/// Orders `a` and `b` ignoring case (folded code points).
pub fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.chars().map(fold_char).cmp(b.chars().map(fold_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_every_script() {
        // Turkish dotless and dotted i: ı folds to I, İ stays İ (so i ≠ İ).
        assert!(eq_ignore_case("ı", "I") && eq_ignore_case("i", "I"));
        assert!(!eq_ignore_case("i", "İ"));
        // German sharp s has no one-letter upper case.
        assert!(eq_ignore_case("straße", "STRAßE"));
        assert!(!eq_ignore_case("straße", "STRASSE"));
        // Greek sigma in all three forms.
        assert!(eq_ignore_case("ΑΣ", "ας") && eq_ignore_case("σ", "Σ"));
        assert!(contains_ignore_case("ΑΣ", "ς"));
        // Korean has no case; fullwidth Latin does.
        assert!(eq_ignore_case("홍길동@contoso.com", "홍길동@CONTOSO.COM"));
        assert!(eq_ignore_case("ａｂｃ@ｘ.com", "ＡＢＣ@Ｘ.COM"));
        assert!(contains_ignore_case("Re: Q3 figures", "q3 FIG"));
        assert_eq!(fold("Ab"), "AB");
    }
}
