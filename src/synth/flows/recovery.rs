//! Moderation decisions and the Safety Net resubmission after a failover.

use crate::format::names::LogPrefix;

use crate::synth::org::{ARBITRATION, EX01, EX02};
use crate::synth::rows::{Message, datum, server};

use super::Gen;

impl Gen {
    /// A moderator's decision in the MSGTRKMA log of the arbitration mailbox's server.
    pub fn moderator_decision(
        &mut self,
        ms: i64,
        msg: &Message,
        moderated: &str,
        moderator: &str,
        approve: bool,
    ) {
        let mut row = self.row(ms, msg, "0");
        row.client_hostname = server(EX01).name.into();
        row.source = "APPROVAL".into();
        row.event_id = if approve {
            "MODERATORAPPROVE"
        } else {
            "MODERATORREJECT"
        }
        .into();
        row.recipients = vec![moderated.into()];
        row.recipient_count = Some(1);
        row.related_recipient_address = moderator.into();
        row.source_context = ARBITRATION.into();
        self.emit(EX01, LogPrefix::ModerationApproval, row);
    }

    /// Safety Net resubmits what DB02 received in the last hour after a failover: RESUBMIT on
    /// the hub, then DUPLICATEDELIVER where the store already has the item.
    pub fn safety_net(&mut self, t: &mut i64, window_start: i64) {
        let redo: Vec<_> = self
            .delivered
            .iter()
            .filter(|(when, _, _, mbx)| *mbx == EX02 && *when >= window_start && *when < *t)
            .take(6)
            .cloned()
            .collect();
        for (i, (_, msg, rcpt, mbx)) in redo.into_iter().enumerate() {
            let id = self.internal_id(EX01);
            let ms = self.tick(t, 20, 200);
            let mut resubmit = self.row(ms, &msg, &id);
            resubmit.server_hostname = server(EX01).name.into();
            resubmit.source = "SAFETYNET".into();
            resubmit.event_id = "RESUBMIT".into();
            resubmit.recipients = vec![rcpt.clone()];
            resubmit.recipient_count = Some(1);
            resubmit.event_data.insert(0, datum("S:Resubmit=SafetyNet"));
            self.emit(EX01, LogPrefix::Transport, resubmit);
            // The copy lost in the failover is delivered again; the others are duplicates.
            let event = if i == 0 {
                "DELIVER"
            } else {
                "DUPLICATEDELIVER"
            };
            self.deliver(t, EX01, mbx, &msg, &id, &[rcpt], event);
        }
    }
}
