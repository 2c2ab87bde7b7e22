//! The shell line that fixes what a row shows: a forwarding loop broken, a stale
//! legacyExchangeDN added back as an X500 proxy. With a snapshot, no line is suggested for
//! what the snapshot shows is already in place (the reason then says so).

use super::model::ExplainedEvent;
use crate::directory::Directory;
use crate::directory::index::Lookup;
use crate::directory::owner::{owner_candidates, x500_fix};
use crate::escape::shell::powershell;
use crate::replay::Reason;

/// Sets `ev.fix` (and corrects the reason when the fix is already in the snapshot).
pub(super) fn fix(ev: &mut ExplainedEvent, directory: Option<&Directory>) {
    let recipient = ev
        .recipients
        .first()
        .cloned()
        .unwrap_or_else(|| ev.related.clone());
    match ev.reason_code {
        Reason::ForwardingLoop if !recipient.is_empty() => {
            ev.fix = Some(format!(
                "Set-Mailbox -Identity {} -ForwardingAddress $null -ForwardingSmtpAddress $null  # on one of the mailboxes that forward to each other; Get-Mailbox -Identity {} | Format-List Forwarding* shows where it forwards",
                powershell(&recipient),
                powershell(&recipient)
            ));
        }
        Reason::ImceaLegacydnNotFound => {
            let Some(dn) = crate::format::imcea::decode(&recipient).map(|d| d.address) else {
                return;
            };
            match directory {
                Some(d) => {
                    if let (Lookup::Found(id), _) = d.lookup_ex(&dn) {
                        ev.reason = format!(
                            "{}; the snapshot already has X500:{dn} on {} — the fix is in place, a resend would be delivered",
                            ev.reason.split(": add X500").next().unwrap_or(&ev.reason),
                            d.label(id)
                        );
                        return;
                    }
                    if let [id] = owner_candidates(d, &dn).as_slice() {
                        ev.fix = Some(x500_fix(d, *id, &dn).line());
                    }
                }
                None => {
                    ev.fix = Some(format!(
                        "Set-Mailbox -Identity '<the mailbox this person has now>' -EmailAddresses @{{add={}}}",
                        powershell(&format!("X500:{dn}"))
                    ));
                }
            }
        }
        _ => {}
    }
}
