//! IMCEA encapsulation of non-SMTP addresses (`IMCEAEX-_o=Contoso_ou=…@contoso.com`).
//!
//! Rules (categorizer.md §3): letters, digits, `-` and `=` are copied, `/` becomes `_`, every
//! other character becomes `+XX` (upper-case hex). Characters U+0080–U+00FF are written as
//! their Latin-1 code; if any character is beyond U+00FF the whole address is UTF-8 encoded
//! behind the marker `UTF8-`.

/// Encapsulates `address` of proxy type `kind` (`EX`, `X500`, …) in `domain`.
pub fn encode(kind: &str, address: &str, domain: &str) -> String {
    let mut out = format!("IMCEA{kind}-");
    let latin1 = address.chars().all(|c| (c as u32) <= 0xFF);
    let push_byte = |out: &mut String, b: u32| match char::from_u32(b) {
        Some(c) if c.is_ascii_alphanumeric() || c == '-' || c == '=' => out.push(c),
        Some('/') => out.push('_'),
        _ => out.push_str(&format!("+{b:02X}")),
    };
    if latin1 {
        for c in address.chars() {
            push_byte(&mut out, c as u32);
        }
    } else {
        out.push_str("UTF8-");
        for b in address.bytes() {
            push_byte(&mut out, u32::from(b));
        }
    }
    out.push('@');
    out.push_str(domain);
    out
}

/// A decoded IMCEA address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The proxy type (`EX`, `X500`, `NOTES`, …) as written.
    pub kind: String,
    /// The original address (for `EX`, the legacyExchangeDN).
    pub address: String,
    /// The domain it was encapsulated in.
    pub domain: String,
}

/// Decodes an IMCEA address; `None` if `text` is not one (the prefix is case-sensitive).
pub fn decode(text: &str) -> Option<Decoded> {
    let rest = text.strip_prefix("IMCEA")?;
    let (kind, rest) = rest.split_once('-')?;
    if kind.is_empty() || kind.len() > 9 {
        return None;
    }
    let at = rest.rfind('@')?;
    let (encoded, domain) = (&rest[..at], &rest[at + 1..]);
    let (utf8, encoded) = match encoded.strip_prefix("UTF8-") {
        Some(e) => (true, e),
        None => (false, encoded),
    };
    let bytes = encoded.as_bytes();
    let mut values: Vec<u32> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => {
                values.push(u32::from(b'/'));
                i += 1;
            }
            b'+' if is_hex_pair(&bytes[i + 1..]) => {
                let hex = &encoded[i + 1..i + 3];
                values.push(u32::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            _ => {
                // Copy one whole character (the encoded part may hold non-ASCII by mistake).
                let c = encoded[i..].chars().next()?;
                values.push(c as u32);
                i += c.len_utf8();
            }
        }
    }
    let address = if utf8 {
        let raw: Option<Vec<u8>> = values.iter().map(|v| u8::try_from(*v).ok()).collect();
        String::from_utf8(raw?).ok()?
    } else {
        values
            .iter()
            .map(|v| char::from_u32(*v))
            .collect::<Option<String>>()?
    };
    Some(Decoded {
        kind: kind.to_string(),
        address,
        domain: domain.to_string(),
    })
}

fn is_hex_pair(b: &[u8]) -> bool {
    b.len() >= 2 && b[0].is_ascii_hexdigit() && b[1].is_ascii_hexdigit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked pairs of categorizer.md §3.7.
    const PAIRS: [(&str, &str, &str); 8] = [
        (
            "EX",
            "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Joe Bloggs",
            "IMCEAEX-_o=Contoso_ou=Exchange+20Administrative+20Group+20+28FYDIBOHF23SPDLT+29_cn=Recipients_cn=Joe+20Bloggs@contoso.com",
        ),
        (
            "EX",
            "/o=Org/cn=Recipients/cn=a=b,c;d@e",
            "IMCEAEX-_o=Org_cn=Recipients_cn=a=b+2Cc+3Bd+40e@contoso.com",
        ),
        (
            "EX",
            "/o=Org/cn=Recipients/cn=José",
            "IMCEAEX-_o=Org_cn=Recipients_cn=Jos+E9@contoso.com",
        ),
        (
            "EX",
            "/o=Org/cn=Recipients/cn=Иван",
            "IMCEAEX-UTF8-_o=Org_cn=Recipients_cn=+D0+98+D0+B2+D0+B0+D0+BD@contoso.com",
        ),
        (
            "X400",
            "c=US;a= ;p=Contoso;o=Exchange;s=Smith;g=Bob;",
            "IMCEAX400-c=US+3Ba=+20+3Bp=Contoso+3Bo=Exchange+3Bs=Smith+3Bg=Bob+3B@contoso.com",
        ),
        (
            "FAX",
            "+1 (425) 555-0100",
            "IMCEAFAX-+2B1+20+28425+29+20555-0100@contoso.com",
        ),
        (
            "NOTES",
            "Bob Smith/Sales/Contoso@Notes",
            "IMCEANOTES-Bob+20Smith_Sales_Contoso+40Notes@contoso.com",
        ),
        (
            "SMTP",
            "bob@fabrikam.com",
            "IMCEASMTP-bob+40fabrikam+2Ecom@contoso.com",
        ),
    ];

    #[test]
    fn encodes_and_decodes_the_reference_pairs() {
        for (kind, address, encoded) in PAIRS {
            assert_eq!(encode(kind, address, "contoso.com"), encoded);
            let decoded = decode(encoded).unwrap();
            assert_eq!(decoded.kind, kind);
            assert_eq!(decoded.address, address);
            assert_eq!(decoded.domain, "contoso.com");
        }
    }

    #[test]
    fn decoding_edge_cases() {
        assert_eq!(decode("IMCEAEX-_o=a+2x@c.com").unwrap().address, "/o=a+2x");
        assert_eq!(decode("IMCEAEX-_o=a.b@c.com").unwrap().address, "/o=a.b");
        assert_eq!(decode("imceaex-_o=a@c.com"), None);
        assert_eq!(decode("IMCEATOOLONGTYPE-x@c.com"), None);
        assert_eq!(decode("IMCEAEX-UTF8-+FF@c.com"), None);
    }
}
