//! Distribution-group usage: messages that expanded each group, and who sent them.

use std::collections::HashMap;

use super::collect::Msg;
use super::queries::QueryBook;
use super::tables::{Counts, bump, entry};
use crate::report::table::Table;

/// Per group: the messages that expanded it, and their senders.
#[derive(Debug, Default)]
pub(super) struct Groups(HashMap<Box<str>, (u64, Counts)>);

impl Groups {
    /// Adds one message.
    pub(super) fn add(&mut self, m: &Msg) {
        for g in &m.expanded {
            let e = entry(&mut self.0, g);
            e.0 += 1;
            bump(
                &mut e.1,
                if m.sender.is_empty() { "<>" } else { &m.sender },
                1,
            );
        }
    }

    /// The distribution-group table.
    pub(super) fn table(&self, book: &QueryBook) -> Table {
        let mut group_table = Table::new(
            "distribution_groups",
            "Distribution-group usage",
            "messages that expanded each group (EXPAND rows, related address = the group), distinct senders, and who sent most",
            &["Group", "Messages", "Senders", "Top senders"],
        )
        .with_query(book.groups());
        let mut glist: Vec<_> = self.0.iter().collect();
        glist.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        for (g, (count, who)) in glist {
            let mut top: Vec<_> = who.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let names: Vec<String> = top
                .iter()
                .take(3)
                .map(|(s, c)| format!("{s} ({c})"))
                .collect();
            group_table.row(vec![
                (&**g).into(),
                (*count).into(),
                who.len().into(),
                names.join(", ").into(),
            ]);
        }
        group_table
    }
}
