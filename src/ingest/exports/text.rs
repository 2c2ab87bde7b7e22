//! A file's bytes as text, by what the bytes say: a UTF-16 (LE/BE) or UTF-8 byte-order mark,
//! UTF-16 LE without one (every second byte of the first line zero), UTF-8, else Windows-1252
//! (the "ANSI" of legacy exports).

/// The text and the encoding it was read in.
pub struct Decoded {
    /// The decoded text.
    pub text: String,
    /// The encoding found (`UTF-16 LE`, …).
    pub encoding: &'static str,
}

/// Windows-1252's characters for bytes 0x80–0x9F (the rest are Latin-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn utf16(bytes: &[u8], little: bool) -> String {
    let units = bytes.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// True when the first line looks like UTF-16 LE without a mark (ASCII letters with zeros).
fn looks_utf16le(bytes: &[u8]) -> bool {
    let head: Vec<&[u8]> = bytes.chunks_exact(2).take(64).collect();
    head.len() >= 4
        && head
            .iter()
            .take_while(|p| p[0] != b'\n')
            .all(|p| p[1] == 0 && p[0] != 0)
}

/// Decodes `bytes`.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Decoded {
            text: utf16(rest, true),
            encoding: "UTF-16 LE",
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Decoded {
            text: utf16(rest, false),
            encoding: "UTF-16 BE",
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Decoded {
            text: String::from_utf8_lossy(rest).into_owned(),
            encoding: "UTF-8",
        };
    }
    if looks_utf16le(bytes) {
        return Decoded {
            text: utf16(bytes, true),
            encoding: "UTF-16 LE (no byte-order mark)",
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Decoded {
            text: t.to_string(),
            encoding: if t.is_ascii() {
                "ASCII"
            } else {
                "UTF-8 (no byte-order mark)"
            },
        },
        Err(_) => Decoded {
            text: bytes
                .iter()
                .map(|b| match b {
                    0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
                    _ => char::from(*b),
                })
                .collect(),
            encoding: "Windows-1252",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_an_exporter_writes() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Zoë\u{1F600}".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).text, "Zoë\u{1F600}");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Zoë".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).text, "Zoë");
        let bare: Vec<u8> = "\"a\",\"b\"\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&bare).encoding, "UTF-16 LE (no byte-order mark)");
        assert_eq!(decode(&bare).text, "\"a\",\"b\"\r\n");
        assert_eq!(decode(b"\xEF\xBB\xBFGr\xC3\xBC\xC3\x9Fe").text, "Grüße");
        assert_eq!(decode(b"Gr\xFC\xDFe \x80").text, "Grüße €");
        assert_eq!(decode(b"Gr\xFC\xDFe").encoding, "Windows-1252");
    }
}
