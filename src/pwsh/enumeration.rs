//! How a collection shows in a table or list cell: its first `$FormatEnumerationLimit`
//! elements, as the Exchange Management Shell formats them.

use super::value::Value;

/// `$FormatEnumerationLimit` in the Exchange Management Shell: its profile
/// (`RemoteExchange.ps1`) sets 16 where plain Windows PowerShell has 4.
pub const EMS_ENUMERATION_LIMIT: usize = 16;

/// `$FormatEnumerationLimit` as the formatter reads it: only an int counts (anything else
/// leaves the shell's default), and a negative one shows every element (`None`).
pub fn limit_of(value: Option<&Value>) -> Option<usize> {
    match value {
        Some(Value::Int(n)) => usize::try_from(*n).ok(),
        _ => Some(EMS_ENUMERATION_LIMIT),
    }
}

/// A collection as a table or list cell shows it (`PSObjectHelper.SmartToString`):
/// `{a, b, c}`, cut after `limit` elements with `...` (`{a, b, c...}`).
pub fn braced(items: impl IntoIterator<Item = String>, limit: Option<usize>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if limit == Some(i) {
            out.push_str("...");
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&item);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn cut_after_the_limit_with_an_ellipsis_and_no_comma() {
        // PSObjectHelper.SmartToString: at the limit, "..." and stop.
        assert_eq!(braced(items(5), Some(4)), "{1, 2, 3, 4...}");
        assert_eq!(braced(items(4), Some(4)), "{1, 2, 3, 4}");
        assert_eq!(braced(items(2), Some(0)), "{...}");
        assert_eq!(braced(items(0), Some(4)), "{}");
        assert_eq!(
            braced(items(20), None),
            format!("{{{}}}", items(20).join(", "))
        );
    }

    #[test]
    fn only_an_int_changes_the_limit_and_a_negative_one_shows_all() {
        assert_eq!(limit_of(None), Some(16));
        assert_eq!(limit_of(Some(&Value::Int(3))), Some(3));
        assert_eq!(limit_of(Some(&Value::Int(-1))), None);
        assert_eq!(limit_of(Some(&Value::Double(3.0))), Some(16));
        assert_eq!(limit_of(Some(&Value::str("3"))), Some(16));
    }
}
