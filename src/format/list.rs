//! The second quoting level: `;`-joined members of the four collection columns.
//!
//! recipient-address, recipient-status, reference and custom-data hold lists. Members are
//! joined with `;`; a member containing `;` or `'` is wrapped in single quotes with each `'`
//! doubled. Empty members are real (`;` is two empty members, aligned with two recipients),
//! so they are kept. Decode order: CSV-unquote the field, split here, then undo `''`.

use std::borrow::Cow;

/// Splits a collection field into its members, appending to `out` (cleared first).
///
/// An empty field is an empty list. A member that opens a single quote but never closes it is
/// taken literally (anonymised and truncated samples have such damage; nothing is lost).
pub fn split_members<'a>(field: &'a str, out: &mut Vec<Cow<'a, str>>) {
    out.clear();
    if field.is_empty() {
        return;
    }
    let bytes = field.as_bytes();
    let mut start = 0usize;
    loop {
        if bytes.get(start) == Some(&b'\'')
            && let Some((member, next)) = quoted_member(field, start)
        {
            out.push(member);
            match next {
                Some(next) => start = next,
                None => return,
            }
            continue;
        }
        match memchr::memchr(b';', &bytes[start..]) {
            Some(found) => {
                out.push(Cow::Borrowed(&field[start..start + found]));
                start += found + 1;
            }
            None => {
                out.push(Cow::Borrowed(&field[start..]));
                return;
            }
        }
    }
}

/// Empties a member buffer and hands its allocation back with a new lifetime, so one buffer
/// can serve every row of a chunk although each row's members borrow from that row only.
pub fn recycle<'b>(mut members: Vec<Cow<'_, str>>) -> Vec<Cow<'b, str>> {
    members.clear();
    // In-place collect: an empty vector of the same layout reuses its allocation.
    members
        .into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

/// Reads a single-quoted member starting at `start` (which holds `'`). Returns the member and
/// the start of the next member (`None` at the end of the field), or `None` when the quote is
/// not well formed, in which case the caller takes the member literally.
fn quoted_member(field: &str, start: usize) -> Option<(Cow<'_, str>, Option<usize>)> {
    let bytes = field.as_bytes();
    let mut scan = start + 1;
    let mut doubled = false;
    loop {
        let quote = scan + memchr::memchr(b'\'', &bytes[scan..])?;
        match bytes.get(quote + 1) {
            Some(b'\'') => {
                doubled = true;
                scan = quote + 2;
            }
            None | Some(b';') => {
                let inner = &field[start + 1..quote];
                let member = if doubled {
                    Cow::Owned(inner.replace("''", "'"))
                } else {
                    Cow::Borrowed(inner)
                };
                let next = (quote + 1 < bytes.len()).then_some(quote + 2);
                return Some((member, next));
            }
            Some(_) => return None,
        }
    }
}

/// One custom-data member, `Type:Key=Value` (`S:DeliveryPriority=Normal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDatum<'a> {
    /// The value type tag: `S`, `I32`, `Dt`, `F`, `Dbl` (empty when the member has none).
    pub kind: &'a str,
    /// The key (may contain dots; keys can repeat within a row).
    pub key: &'a str,
    /// The value (may contain `=`, `|`, `,`; empty when the member has no `=`).
    pub value: &'a str,
}

/// Splits a custom-data member on its **first** `:` and **first** `=` after it.
pub fn parse_event_datum(member: &str) -> EventDatum<'_> {
    let (kind, rest) = match member.split_once(':') {
        // A type tag is short and has no '='; otherwise the ':' belongs to the key or value.
        Some((kind, rest)) if kind.len() <= 4 && !kind.contains('=') => (kind, rest),
        _ => ("", member),
    };
    let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
    EventDatum { kind, key, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(field: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_members(field, &mut out);
        out.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn empty_field_is_empty_list_and_empty_members_survive() {
        assert!(members("").is_empty());
        assert_eq!(members(";"), vec!["", ""]);
        assert_eq!(members("a;;b"), vec!["a", "", "b"]);
        assert_eq!(members("Cc;Bcc;Bcc;To"), vec!["Cc", "Bcc", "Bcc", "To"]);
    }

    #[test]
    fn single_quoted_members_keep_semicolons_and_undouble_quotes() {
        assert_eq!(
            members("'250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded'"),
            vec!["250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded"]
        );
        assert_eq!(
            members("a@x.com;'o''brien@x.com';b@x.com"),
            vec!["a@x.com", "o'brien@x.com", "b@x.com"]
        );
        assert_eq!(members("'';x"), vec!["", "x"]);
    }

    #[test]
    fn damaged_quotes_are_kept_literally() {
        assert_eq!(members("'open;b"), vec!["'open", "b"]);
        assert_eq!(members("'a'b;c"), vec!["'a'b", "c"]);
        assert_eq!(members("it's;x"), vec!["it's", "x"]);
    }

    #[test]
    fn event_data_splits_on_first_colon_and_equals() {
        let d = parse_event_datum("S:AMA=SUM|v=0|action=|error=|atch=0");
        assert_eq!(
            (d.kind, d.key, d.value),
            ("S", "AMA", "SUM|v=0|action=|error=|atch=0")
        );
        let d = parse_event_datum("S:StoreObjectIds=AAAA==");
        assert_eq!(d.value, "AAAA==");
        let d = parse_event_datum(
            "S:Microsoft.Exchange.Transport.MailRecipient.RequiredTlsAuthLevel=Opportunistic",
        );
        assert_eq!(
            d.key,
            "Microsoft.Exchange.Transport.MailRecipient.RequiredTlsAuthLevel"
        );
        let d = parse_event_datum("Dt:When=2023-01-01T00:00:00.000Z");
        assert_eq!((d.kind, d.value), ("Dt", "2023-01-01T00:00:00.000Z"));
        let d = parse_event_datum("NoTypeOrValue");
        assert_eq!((d.kind, d.key, d.value), ("", "NoTypeOrValue", ""));
    }
}
