//! How a table of objects written as text (Out-File, `>`) is laid out, as the host asks
//! for it: from its own rows, measured only, or in a layout given (a table written a piece
//! at a time, laid out from every piece). The table itself is rendered by the format
//! commands (`commands::format`).

/// The layout of a table written as text: each column's width (its widest cell or header,
/// cut at 60 characters unless `-Wrap`) and whether every cell in it is a number (numbers
/// are right-aligned). A table written a piece at a time is laid out from every piece's
/// ([`TableLayout::merge`]), so the pieces' text is the whole table's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    /// The columns' names.
    pub columns: Vec<String>,
    /// Each column's width, in characters.
    pub widths: Vec<usize>,
    /// Whether each column holds numbers (or nothing) only.
    pub numeric: Vec<bool>,
}

impl TableLayout {
    /// Lays the table out for `other`'s rows too (a later piece of the same table); an
    /// error when its columns are not these.
    pub fn merge(&mut self, other: &TableLayout) -> Result<(), String> {
        if other.columns != self.columns {
            return Err(format!(
                "a piece of the table written has the columns {} where the first had {}",
                other.columns.join(","),
                self.columns.join(",")
            ));
        }
        for (w, o) in self.widths.iter_mut().zip(&other.widths) {
            *w = (*w).max(*o);
        }
        for (n, o) in self.numeric.iter_mut().zip(&other.numeric) {
            *n &= *o;
        }
        Ok(())
    }
}

/// How Out-File and `>` lay out a table of objects (set by the host: [`Host::text_table`]).
///
/// [`Host::text_table`]: crate::pwsh::runtime::Host::text_table
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TextTable {
    /// In the layout of its own rows.
    #[default]
    Own,
    /// Not written: its layout is given to the host ([`Host::measured_table`]); the first
    /// pass of a table written a piece at a time.
    ///
    /// [`Host::measured_table`]: crate::pwsh::runtime::Host::measured_table
    Measure,
    /// In this layout (every piece's), under its header only when `header` (the first
    /// piece with rows).
    Given {
        /// The layout.
        layout: TableLayout,
        /// Whether the header is written.
        header: bool,
    },
}
