//! The recipient tree: every address the log shows the message reaching, its outcome, and the
//! path from an envelope recipient (categorizer.md R9.1 chaining).

use std::collections::{BTreeMap, HashSet};

use super::model::RecipientOutcome;
use crate::format::{EventId, LogRecord};
use crate::replay::categorizer::Outcome;

/// The recipients the log shows the message reaching, each with its outcome and the path
/// from an envelope recipient (categorizer.md R9.1 chaining).
pub fn recipient_tree(rows: &[LogRecord], start: Option<&LogRecord>) -> Vec<RecipientOutcome> {
    use EventId as E;
    let mut order: Vec<String> = Vec::new();
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut outcome: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut display: BTreeMap<String, String> = BTreeMap::new();
    let add = |a: &str, order: &mut Vec<String>, display: &mut BTreeMap<String, String>| {
        let k = a.to_lowercase();
        if !a.is_empty() && !display.contains_key(&k) {
            display.insert(k.clone(), a.to_string());
            order.push(k);
        }
    };
    let roots: Vec<String> = start
        .map(|s| s.recipients.clone())
        .or_else(|| {
            rows.iter()
                .find(|e| e.is(&[EventId::Receive, EventId::Submit]))
                .map(|e| e.recipients.clone())
        })
        .unwrap_or_default();
    for r in &roots {
        add(r, &mut order, &mut display);
    }
    let root_set: HashSet<String> = roots.iter().map(|r| r.to_lowercase()).collect();
    let set = |outcome: &mut BTreeMap<String, Outcome>, a: &str, o: Outcome| {
        outcome.insert(a.to_lowercase(), o);
    };
    for e in rows {
        let id = e.event();
        let related = &e.related_recipient_address;
        match id {
            E::Resolve | E::Expand => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    if !r.eq_ignore_ascii_case(related) && !root_set.contains(&r.to_lowercase()) {
                        parent
                            .entry(r.to_lowercase())
                            .or_insert_with(|| related.to_lowercase());
                    }
                }
                if id == E::Expand && !e.source.eq_ignore_ascii_case("AGENT") {
                    set(&mut outcome, related, Outcome::Expanded);
                } else if id == E::Resolve && !outcome.contains_key(&related.to_lowercase()) {
                    // Rewritten to another address, which carries on.
                    set(&mut outcome, related, Outcome::Redirected);
                }
            }
            E::Redirect => {
                for r in &e.recipients {
                    if r.eq_ignore_ascii_case(related) {
                        continue;
                    }
                    add(related, &mut order, &mut display);
                    if !root_set.contains(&related.to_lowercase()) {
                        parent
                            .entry(related.to_lowercase())
                            .or_insert_with(|| r.to_lowercase());
                    }
                    // Deliver-and-forward writes a REDIRECT to itself first: it keeps a copy.
                    let keeps = rows.iter().any(|o| {
                        o.is(&[EventId::Redirect])
                            && o.related_recipient_address.eq_ignore_ascii_case(r)
                            && o.recipients.iter().any(|y| y.eq_ignore_ascii_case(r))
                    });
                    if !keeps {
                        set(&mut outcome, r, Outcome::Redirected);
                    }
                }
            }
            E::Fail => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Failed);
                }
            }
            E::Deliver | E::DuplicateDeliver => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Delivered);
                }
            }
            E::SendExternal => {
                for r in &e.recipients {
                    set(&mut outcome, r, Outcome::Relayed);
                }
            }
            E::Send => {
                for r in &e.recipients {
                    let k = r.to_lowercase();
                    if !matches!(outcome.get(&k), Some(Outcome::Delivered | Outcome::Failed)) {
                        outcome.insert(k, Outcome::Relayed);
                    }
                }
            }
            E::Defer => {
                for r in &e.recipients {
                    let k = r.to_lowercase();
                    if !matches!(outcome.get(&k), Some(Outcome::Delivered | Outcome::Failed)) {
                        outcome.insert(k, Outcome::Deferred);
                    }
                }
            }
            E::InitMessageCreated => {
                for r in &e.recipients {
                    add(r, &mut order, &mut display);
                    set(&mut outcome, r, Outcome::Pending);
                }
            }
            _ => {}
        }
    }
    order
        .iter()
        .map(|k| {
            let mut path = vec![display[k].clone()];
            let mut at = k.clone();
            let mut guard = 0;
            while let Some(p) = parent.get(&at) {
                guard += 1;
                if guard > 64 || path.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                    break;
                }
                path.push(display.get(p).cloned().unwrap_or_else(|| p.clone()));
                at = p.clone();
            }
            path.reverse();
            RecipientOutcome {
                address: display[k].clone(),
                outcome: outcome.get(k).copied().unwrap_or(Outcome::Pending),
                path,
            }
        })
        .collect()
}
