//! No injection through log fields: values a sender chose (an IMCEAEX address's DN, a
//! Message-ID) reach the command lines msgtrack suggests quoted for the shell they target, so
//! pasting a suggested line can never run the sender's code.

use std::process::Command;

use crate::util::Dir;

const FIELDS: &str = "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n#Date: 2026-11-20T10:00:00.000Z\r\n#Fields: date-time,server-hostname,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,message-subject,sender-address\r\n";

/// The DN a hostile sender puts in an IMCEAEX address: a subexpression, a backtick, both
/// quote kinds, a statement separator.
const HOSTILE_DN: &str = "/o=Org/cn=Recipients/cn=x'$(New-Item PWNED)`\"; Stop-Computer; '";
/// A Message-ID with a POSIX command substitution inside single quotes.
const HOSTILE_ID: &str = "<a'$(touch PWNED)'b`touch PWNED2`@evil.example>";

fn hostile_logs() -> Dir {
    let dir = Dir::new();
    let address = msgtrack::format::imcea::encode("EX", HOSTILE_DN, "contoso.com");
    let line = format!(
        "2026-11-20T10:00:00.000Z,EX1,ROUTING,FAIL,1,\"{}\",{address},'[{{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found}}]',hi,ann@contoso.com\r\n",
        HOSTILE_ID.replace('"', "\"\"")
    );
    dir.write("EX1/MSGTRK2026112010-1.LOG", format!("{FIELDS}{line}"));
    dir
}

/// PowerShell's reading of a single-quoted literal (tokenizer.cs `ScanStringLiteral`): a
/// quote character followed by another is that second character; anything else is literal.
/// Returns the value and the rest of the text after the closing quote.
fn powershell_literal(text: &str) -> (String, &str) {
    let quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}');
    let mut chars = text.char_indices().peekable();
    let (_, first) = chars.next().expect("a literal");
    assert!(quote(first), "not a single-quoted literal: {text}");
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if quote(c) {
            match chars.peek() {
                Some((_, n)) if quote(*n) => {
                    value.push(*n);
                    chars.next();
                }
                _ => return (value, &text[i + c.len_utf8()..]),
            }
        } else {
            value.push(c);
        }
    }
    panic!("unterminated literal: {text}")
}

#[test]
fn imcea_fix_and_explain_lines_quote_what_the_sender_wrote() {
    let logs = hostile_logs();
    let out = crate::util::msgtrack(
        crate::util::Args::default()
            .args(["report", "imcea", "--tz", "UTC"])
            .arg(logs.path()),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(HOSTILE_DN), "{text}");

    // The X500 fix line: -EmailAddresses @{add='…'} holds exactly "X500:" + the DN.
    let fix = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("fix:"))
        .unwrap_or_else(|| panic!("no fix line in {text}"))
        .trim();
    let after_add = fix
        .split_once("@{add=")
        .unwrap_or_else(|| panic!("no @{{add= in {fix}"))
        .1;
    let (value, rest) = powershell_literal(after_add);
    assert_eq!(value, format!("X500:{HOSTILE_DN}"));
    assert_eq!(rest, "}", "nothing runs after the literal: {fix}");

    // The follow-up command: a POSIX shell gives msgtrack exactly the Message-ID, and no
    // command of the sender's runs.
    let explain = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("explain:"))
        .unwrap_or_else(|| panic!("no explain line in {text}"))
        .trim();
    let word = explain
        .split_once(" -m ")
        .unwrap_or_else(|| panic!("no -m in {explain}"))
        .1;
    let sandbox = Dir::new();
    let shell = Command::new("sh")
        .arg("-c")
        .arg(format!("printf '%s' {word}"))
        .current_dir(sandbox.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shell.stdout), HOSTILE_ID);
    let created: Vec<_> = std::fs::read_dir(sandbox.path()).unwrap().collect();
    assert!(created.is_empty(), "the shell ran something: {created:?}");
}

#[test]
fn print_cmdlet_values_are_single_quoted() {
    let out = crate::util::msgtrack(crate::util::Args::default().args([
        "query",
        "Get-MessageTrackingLog -Sender \"a`$(calc)b@x.com\" -MessageSubject 'it''s \"$(x)\"'",
        "--print-cmdlet",
        "--tz",
        "UTC",
    ]));
    let line = String::from_utf8(out.stdout).unwrap();
    let sender = line.split_once("-Sender ").unwrap().1;
    let (value, rest) = powershell_literal(sender);
    assert_eq!(value, "a$(calc)b@x.com");
    let subject = rest.trim_start().strip_prefix("-MessageSubject ").unwrap();
    let (value, rest) = powershell_literal(subject);
    assert_eq!(value, "it's \"$(x)\"");
    assert_eq!(rest.trim(), "");
}
