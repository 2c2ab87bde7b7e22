//! PowerShell wildcards (about_Wildcards), as `-like` and `-notlike` match them.

use regex::Regex;

/// The regex of a PowerShell wildcard pattern (`*`, `?`, `[abc]`, `[a-z]`, backtick escapes),
/// matching the whole text, ignoring case unless `case_sensitive` (`-clike`).
pub fn wildcard_regex(pattern: &str, case_sensitive: bool) -> Result<Regex, regex::Error> {
    let mut re = String::from(if case_sensitive { "(?s)^" } else { "(?is)^" });
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let mut class = String::from("[");
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    // Inside a class only ranges are special; everything the regex engine
                    // treats specially is escaped.
                    if matches!(d, '\\' | '^' | '[' | '&' | '~') {
                        class.push('\\');
                    }
                    class.push(d);
                }
                class.push(']');
                re.push_str(&class);
            }
            '`' => {
                if let Some(n) = chars.next() {
                    re.push_str(&regex::escape(&n.to_string()));
                }
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wildcard_regex_ci(p: &str) -> Result<Regex, regex::Error> {
        wildcard_regex(p, false)
    }

    #[test]
    fn wildcards_follow_powershell() {
        let re = wildcard_regex_ci("*@CONTOSO.com").unwrap();
        assert!(re.is_match("bob@contoso.com"));
        assert!(!re.is_match("bob@contoso.com.au"));
        let re = wildcard_regex_ci("ex0?").unwrap();
        assert!(re.is_match("EX01") && !re.is_match("EX011"));
        let re = wildcard_regex_ci("[ab]*").unwrap();
        assert!(re.is_match("alice") && !re.is_match("carol"));
    }
}
