//! Text for a terminal: control characters, escape sequences (ANSI colours, OSC 52 clipboard
//! writes, OSC 8 links, screen clears) and bidirectional overrides in log fields are shown
//! visibly instead of acting on the terminal.
//!
//! C0 controls become their Unicode control pictures (`ESC` → `␛`), DEL `␡`, C1 controls and
//! the bidi/invisible formatting characters a `<U+202E>` tag. Newline and tab are kept where a
//! layout writes them ([`SafeWriter`]) and shown as `␊`/`␉` inside a single value ([`visible`]).

use std::borrow::Cow;
use std::io::{self, Write};

/// Bidirectional controls and zero-width characters that reorder or hide text.
fn is_bidi_or_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn needs_escape(c: char, keep_layout: bool) -> bool {
    (c.is_control() && !(keep_layout && matches!(c, '\n' | '\t'))) || is_bidi_or_invisible(c)
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\u{7F}' => out.push('␡'),
        c if (c as u32) < 0x20 => {
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�'));
        }
        c => out.push_str(&format!("<U+{:04X}>", c as u32)),
    }
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c, keep_layout)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c, keep_layout) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value (a cell, a subject) made safe for a terminal: every control character,
/// newline and tab included, is shown visibly.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Text written by a layout (a table, a report): newlines and tabs are kept, every other
/// control or bidi character is shown visibly.
pub fn layout(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// A writer that passes text through [`layout`]: wrap the standard output or error of a
/// text format with it and no log field can drive the terminal. Bytes that are not UTF-8
/// are shown as U+FFFD; a character split across two writes is put back together.
pub struct SafeWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> SafeWriter<W> {
        SafeWriter {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // Keep an incomplete UTF-8 sequence at the end for the next write.
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..complete]).into_owned();
        self.inner.write_all(layout(&text).as_bytes())?;
        self.pending.drain(..complete);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            self.inner.write_all(layout(&text).as_bytes())?;
            self.pending.clear();
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        // OSC 52 (clipboard), a screen clear, an OSC 8 link, a title, a bidi override.
        let subject =
            "hi\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}]8;;http://x\u{1b}\\link\u{202e}txt.exe";
        let shown = visible(subject);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}') && !shown.contains('\u{202e}')
        );
        assert_eq!(
            shown,
            "hi␛]52;c;ZXZpbA==␇␛[2J␛]8;;http://x␛\\link<U+202E>txt.exe"
        );
        assert_eq!(visible("a\nb\tc\u{85}"), "a␊b␉c<U+0085>");
        assert_eq!(layout("a\nb\tc\r"), "a\nb\tc␍");
        assert!(matches!(visible("Grüße 분기별"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_writer_joins_split_characters_and_escapes() {
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::new(&mut out);
            let text = "é\u{1b}[31m".as_bytes();
            w.write_all(&text[..1]).unwrap();
            w.write_all(&text[1..]).unwrap();
            w.write_all(b"\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "é␛[31m\n");
    }
}
