//! Quoting values for command lines msgtrack suggests to the admin: Exchange shell lines
//! (`Set-Mailbox … -EmailAddresses @{add='X500:…'}`, `--print-cmdlet`) and follow-up
//! `msgtrack …` commands for a POSIX shell.
//!
//! Every value that comes from a log (a DN decoded from an IMCEAEX address, a Message-ID, an
//! address) is written by whoever sent the mail. Quoted here, pasting the line can never run
//! code: PowerShell single quotes expand nothing (`$(…)`, backticks and `"` are literal; the
//! four single-quote characters PowerShell knows are doubled), and POSIX single quotes expand
//! nothing either (`'` is written `'\''`). Control characters (a newline, ESC) are never
//! written raw: PowerShell gets `[char]N` concatenations, POSIX shells `$'\xHH'` (bash, zsh,
//! ksh and POSIX.1-2024 sh).

/// The characters PowerShell treats as a single quote (its tokenizer's `IsSingleQuote`).
fn is_powershell_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

/// A PowerShell string literal whose value is exactly `value`: `'…'` with every single-quote
/// character doubled, or, when `value` holds control characters, a parenthesised
/// concatenation of such literals and `[char]N` (`('a' + [char]10 + 'b')`).
pub fn powershell(value: &str) -> String {
    let literal = |part: &str| -> String {
        let mut out = String::with_capacity(part.len() + 2);
        out.push('\'');
        for c in part.chars() {
            if is_powershell_single_quote(c) {
                out.push(c);
            }
            out.push(c);
        }
        out.push('\'');
        out
    };
    if !value.chars().any(char::is_control) {
        return literal(value);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in value.chars() {
        if c.is_control() {
            if !run.is_empty() {
                parts.push(literal(&run));
                run.clear();
            }
            parts.push(format!("[char]{}", c as u32));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        parts.push(literal(&run));
    }
    // `[char]16 + [char]16` is a sum of numbers in PowerShell; a string first makes every `+`
    // a concatenation.
    if parts.first().is_some_and(|p| p.starts_with("[char]")) {
        parts.insert(0, "''".into());
    }
    format!("({})", parts.join(" + "))
}

/// A POSIX shell word whose value is exactly `value`: `'…'` with `'` written `'\''`, or
/// `$'…'` with `\xHH` escapes when `value` holds control characters. Plain words that need no
/// quoting (`sample-logs`, `a@b.com`) are returned as they are.
pub fn posix(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
    if plain {
        return value.to_string();
    }
    if value.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PowerShell's reading of a single-quoted literal (tokenizer.cs `ScanStringLiteral`):
    /// a quote character followed by another one is that second character.
    fn read_powershell_literal(text: &str) -> Option<(String, &str)> {
        let mut chars = text.char_indices().peekable();
        let (_, first) = chars.next()?;
        if !is_powershell_single_quote(first) {
            return None;
        }
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if is_powershell_single_quote(c) {
                match chars.peek() {
                    Some((_, n)) if is_powershell_single_quote(*n) => {
                        value.push(*n);
                        chars.next();
                    }
                    _ => return Some((value, &text[i + c.len_utf8()..])),
                }
            } else {
                value.push(c);
            }
        }
        None
    }

    #[test]
    fn powershell_literals_expand_nothing_and_read_back_exactly() {
        for value in [
            "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a8f22499Joe Bloggs",
            "$(Remove-Item C:\\ -Recurse)",
            "x\"; Stop-Computer; \"",
            "o'brien@contoso.com",
            "a`\"b`$c",
            "smart ‘quote’ ‚low‛",
            "",
        ] {
            let quoted = powershell(value);
            let (read, rest) = read_powershell_literal(&quoted).expect("a literal");
            assert_eq!(read, value, "{quoted}");
            assert_eq!(rest, "", "{quoted}");
        }
    }

    #[test]
    fn control_characters_become_char_codes() {
        assert_eq!(powershell("a\nb"), "('a' + [char]10 + 'b')");
        // Fuzz finding (query, crash-…): a value starting with a control character printed
        // as `([char]16 + 'x')`, which PowerShell adds as numbers.
        assert_eq!(powershell("\u{10}x"), "('' + [char]16 + 'x')");
        assert_eq!(
            powershell("\u{1b}]52;c;x\u{7}"),
            "('' + [char]27 + ']52;c;x' + [char]7)"
        );
    }

    #[test]
    fn posix_words_expand_nothing() {
        assert_eq!(posix("sample-logs"), "sample-logs");
        assert_eq!(posix("<abc@x.com>"), "'<abc@x.com>'");
        assert_eq!(posix("a'$(touch pwned)'b"), "'a'\\''$(touch pwned)'\\''b'");
        assert_eq!(posix("a\nb`c"), "$'a\\x0ab`c'");
        assert_eq!(posix(""), "''");
    }
}
