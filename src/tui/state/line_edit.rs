//! The one-line text input of the filter bar and the search prompt.

/// A one-line text input with a cursor (a char index).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEdit {
    /// The decoded text.
    pub text: String,
    /// The cursor.
    pub cursor: usize,
}

impl LineEdit {
    fn byte(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    fn insert(&mut self, c: char) {
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte(self.cursor);
            self.text.remove(at);
        }
    }

    pub(crate) fn edit(&mut self, edit: Edit) {
        match edit {
            Edit::Insert(c) => self.insert(c),
            Edit::Backspace => self.backspace(),
            Edit::Delete => self.delete(),
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = self.text.chars().count(),
            Edit::Clear => self.set(""),
        }
    }
}

/// A change to a text input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edit {
    /// Type a character at the cursor.
    Insert(char),
    /// Delete before the cursor.
    Backspace,
    /// Delete under the cursor.
    Delete,
    /// Cursor one character left.
    Left,
    /// Cursor one character right.
    Right,
    /// Cursor to the start.
    Home,
    /// Cursor to the end.
    End,
    /// Empty the line.
    Clear,
}
