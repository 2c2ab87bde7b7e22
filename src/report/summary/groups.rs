//! Distribution-group usage: messages that expanded each group, and who sent them.

use std::collections::BTreeMap;

use super::View;
use super::queries::QueryBook;
use crate::report::table::Table;

pub(super) fn groups(v: &View<'_>, book: &QueryBook) -> Table {
    let messages = v.messages.as_slice();
    // Distribution groups.
    let mut groups: BTreeMap<&str, (u64, BTreeMap<&str, u64>)> = BTreeMap::new();
    for m in messages {
        for g in &m.expanded {
            let e = groups.entry(g).or_default();
            e.0 += 1;
            *e.1.entry(if m.sender.is_empty() { "<>" } else { &m.sender })
                .or_default() += 1;
        }
    }
    let mut group_table = Table::new(
        "distribution_groups",
        "Distribution-group usage",
        "messages that expanded each group (EXPAND rows, related address = the group), distinct senders, and who sent most",
        &["Group", "Messages", "Senders", "Top senders"],
    )
    .with_query(book.groups());
    let mut glist: Vec<_> = groups.into_iter().collect();
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
            g.into(),
            count.into(),
            who.len().into(),
            names.join(", ").into(),
        ]);
    }
    group_table
}
