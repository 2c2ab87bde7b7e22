//! Where a message goes after categorization: routed to its mailbox server, delivered
//! (with shadow redundancy), or sent out to the Internet (with deferrals).

use std::collections::BTreeMap;

use crate::format::names::LogPrefix;
use crate::format::status::text as status;
use crate::format::time::format_timestamp_ms;

use crate::synth::org::{DOMAIN, EDGE01, EX01, Server};
use crate::synth::rows::{Message, data, datum, last_error, latency_info, server};

use super::{Gen, Outcome};

impl Gen {
    /// Delivers mailbox outcomes (SEND to each mailbox server + DELIVER) and sends external
    /// ones out through the Edge.
    pub fn route(&mut self, t: &mut i64, s: usize, msg: &Message, id: &str, outcomes: &[Outcome]) {
        let mut by_server: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut external: Vec<String> = Vec::new();
        for o in outcomes {
            match o {
                Outcome::Mailbox { address, server } => {
                    by_server.entry(*server).or_default().push(address.clone())
                }
                Outcome::External(a) => external.push(a.clone()),
            }
        }
        for (mbx, rcpts) in by_server {
            let full: Vec<String> = rcpts
                .iter()
                .filter(|r| self.quota_exceeded.contains(*r))
                .cloned()
                .collect();
            let ok: Vec<String> = rcpts
                .iter()
                .filter(|r| !self.quota_exceeded.contains(*r))
                .cloned()
                .collect();
            if !ok.is_empty() {
                self.deliver(t, s, mbx, msg, id, &ok, "DELIVER");
            }
            if !full.is_empty() {
                let failed: Vec<(String, String)> = full
                    .iter()
                    .map(|a| (a.clone(), status::MAILBOX_FULL.to_string()))
                    .collect();
                self.fail_with_ndr(t, s, msg, id, &failed, "SMTP");
            }
        }
        if !external.is_empty() {
            self.send_out(t, s, msg, id, &external);
        }
        self.discard_shadows(t, msg);
    }

    /// SEND from the hub to the Mailbox Transport Delivery service, then DELIVER (or
    /// DUPLICATEDELIVER) in the mailbox server's MSGTRKMD log.
    #[allow(clippy::too_many_arguments)]
    pub fn deliver(
        &mut self,
        t: &mut i64,
        s: usize,
        mbx: usize,
        msg: &Message,
        id: &str,
        rcpts: &[String],
        event: &str,
    ) {
        let srv = server(s);
        let target = server(mbx);
        let ms = self.tick(t, 20, 250);
        let submit_time = msg
            .submitted_ms
            .map(format_timestamp_ms)
            .unwrap_or_default();
        let context = format!(
            ";250 2.0.0 OK {} [Hostname={}];ClientSubmitTime:{submit_time}",
            msg.message_id,
            target.fqdn()
        );
        self.send_row(
            ms,
            msg,
            id,
            s,
            target,
            context,
            "Intra-Organization SMTP Send Connector",
            rcpts,
        );

        let ms = self.tick(t, 30, 400);
        let session = self.session();
        let mut deliver = self.row(ms, msg, id);
        deliver.client_hostname = srv.fqdn();
        deliver.server_hostname = target.name.into();
        deliver.source_context = format!(
            "{session};{};ClientSubmitTime:{submit_time}",
            format_timestamp_ms(ms - self.rng.i64(20..90))
        );
        deliver.source = "STOREDRIVER".into();
        deliver.event_id = event.into();
        deliver.recipients = rcpts.to_vec();
        deliver.recipient_count = Some(rcpts.len() as i64);
        deliver.message_info = format!(
            "{};{}",
            latency_info(
                msg.arrived_ms,
                srv,
                "HUB",
                (ms - msg.arrived_ms) as f64 / 1000.0 * 0.7,
                false
            ),
            latency_info(
                msg.arrived_ms,
                target,
                "DEL",
                0.03 + self.rng.f64() * 0.1,
                false
            )
            .split_once(';')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
        );
        let mailboxes: Vec<String> = rcpts
            .iter()
            .filter_map(|r| {
                self.org
                    .people
                    .iter()
                    .find(|p| p.address().eq_ignore_ascii_case(r))
            })
            .map(|p| p.mailbox_guid.clone())
            .collect();
        deliver.event_data = data(vec![
            format!(
                "S:MailboxDatabaseName={}",
                if mbx == EX01 { "DB01" } else { "DB02" }
            ),
            format!("S:Mailboxes={}", mailboxes.join(";")),
            "S:ToEntity=Hosted".into(),
            "S:DatabaseHealth=-1".into(),
            "S:DeliveryPriority=Normal".into(),
            format!("S:AccountForest={DOMAIN}"),
        ]);
        self.emit(mbx, LogPrefix::MailboxDelivery, deliver);
        for r in rcpts {
            self.delivered.push((ms, msg.clone(), r.clone(), mbx));
        }
    }

    /// SEND to the Edge, Edge RECEIVE, optional DEFERs, then SENDEXTERNAL to the next hop.
    pub fn send_out(&mut self, t: &mut i64, s: usize, msg: &Message, id: &str, rcpts: &[String]) {
        let srv = server(s);
        let edge = server(EDGE01);
        let edge_id_preview = self.next_internal[EDGE01] + 1;
        let ms = self.tick(t, 30, 300);
        let context = self.queued_context(msg, edge, edge_id_preview, msg.submitted_ms);
        self.send_row(
            ms,
            msg,
            id,
            s,
            edge,
            context,
            "EdgeSync - Default-First-Site-Name to Internet",
            rcpts,
        );

        let eid = self.internal_id(EDGE01);
        let ms = self.tick(t, 10, 120);
        let session = self.session();
        let mut receive = self.row(ms, msg, &eid);
        receive.client_ip = srv.ip.into();
        receive.client_hostname = srv.fqdn();
        receive.server_ip = edge.ip.into();
        receive.server_hostname = edge.name.into();
        receive.source_context = format!(
            "{session};{};0",
            format_timestamp_ms(ms - self.rng.i64(40..200))
        );
        receive.connector_id = format!(
            "{}\\Default internal receive connector {}",
            edge.name, edge.name
        );
        receive.source = "SMTP".into();
        receive.event_id = "RECEIVE".into();
        receive.recipients = rcpts.to_vec();
        receive.recipient_count = Some(rcpts.len() as i64);
        receive.message_info = "11I: ".into();
        receive.original_client_ip = srv.ip.into();
        receive.original_server_ip = edge.ip.into();
        self.emit(EDGE01, LogPrefix::Transport, receive);

        // One SENDEXTERNAL per destination domain.
        let mut by_domain: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rcpts {
            let domain = r
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase())
                .unwrap_or_default();
            by_domain.entry(domain).or_default().push(r.clone());
        }
        for (domain, group) in by_domain {
            let mut t2 = *t;
            if self.deferring_domains.contains(&domain) {
                for attempt in 0..2 {
                    let ms = self.tick(&mut t2, 15_000, 40_000);
                    let retry = ms + if attempt == 0 { 60_000 } else { 300_000 };
                    let when = chrono::DateTime::from_timestamp_millis(ms)
                        .map(|d| d.format("%m/%d/%Y %-I:%M:%S %p").to_string())
                        .unwrap_or_default();
                    let mut defer = self.row(ms, msg, &eid);
                    defer.client_ip = edge.ip.into();
                    defer.client_hostname = edge.name.into();
                    defer.server_hostname = format!("mail.{domain}");
                    defer.connector_id = "EdgeSync - Default-First-Site-Name to Internet".into();
                    defer.source = "SMTP".into();
                    defer.event_id = "DEFER".into();
                    defer.recipients = group.clone();
                    defer.recipient_status = group
                        .iter()
                        .map(|_| last_error("451 4.4.397 Error communicating with target host. -> 421 4.4.2 Connection dropped due to SocketError", &format!("mail.{domain}"), "203.0.113.50", &when))
                        .collect();
                    defer.recipient_count = Some(group.len() as i64);
                    defer.message_info = format_timestamp_ms(retry);
                    self.emit(EDGE01, LogPrefix::Transport, defer);
                    t2 = retry;
                }
            }
            let ms = self.tick(&mut t2, 120, 2_500);
            let mut ext = self.row(ms, msg, &eid);
            ext.client_ip = edge.ip.into();
            ext.client_hostname = edge.name.into();
            ext.server_ip = format!("198.51.100.{}", 10 + (domain.len() * 7) % 200);
            ext.server_hostname = format!("mx{}.{domain}", 1 + domain.len() % 3);
            let queue_id = format!("{:X}", self.rng.u64(..));
            ext.source_context = format!(";250 2.0.0 OK {queue_id} - queued;ClientSubmitTime:");
            ext.connector_id = "EdgeSync - Default-First-Site-Name to Internet".into();
            ext.source = "SMTP".into();
            ext.event_id = "SENDEXTERNAL".into();
            ext.recipients = group.clone();
            ext.recipient_status = group
                .iter()
                .map(|r| format!("250 2.1.5 <{r}>... Recipient ok"))
                .collect();
            ext.recipient_count = Some(group.len() as i64);
            ext.reference = vec![String::new(); group.len()];
            ext.message_info = latency_info(
                msg.arrived_ms,
                srv,
                "HUB",
                (ms - msg.arrived_ms) as f64 / 1000.0,
                false,
            );
            ext.event_data = data(vec![
                format!("S:E2ELatency={:.3}", (ms - msg.arrived_ms) as f64 / 1000.0),
                format!("S:ExternalSendLatency={:.3}", 0.1 + self.rng.f64() * 0.9),
                "S:ToEntity=Internet".into(),
                format!(
                    "S:FromEntity={}",
                    if msg.directionality == "Incoming" {
                        "Internet"
                    } else {
                        "Hosted"
                    }
                ),
                format!("S:MsgRecipCount={}", group.len()),
                "S:IncludeInSla=True".into(),
                "S:Microsoft.Exchange.Transport.MailRecipient.RequiredTlsAuthLevel=Opportunistic"
                    .into(),
                "S:IsSmtpResponseFromExternalServer=True".into(),
                "S:DeliveryPriority=Normal".into(),
                format!("S:AccountForest={DOMAIN}"),
            ]);
            self.emit(EDGE01, LogPrefix::Transport, ext);
        }
    }

    /// The SMTP response of a next hop that queued the message, as SEND rows log it.
    pub(super) fn queued_context(
        &mut self,
        msg: &Message,
        to: &Server,
        their_id: u64,
        submitted_ms: Option<i64>,
    ) -> String {
        format!(
            ";250 2.6.0 {} [InternalId={their_id}, Hostname={}] {} bytes in 0.{:03}, {:.3} KB/sec Queued mail for delivery;ClientSubmitTime:{}",
            msg.message_id,
            to.fqdn(),
            msg.size,
            self.rng.u32(20..400),
            20.0 + self.rng.f64() * 500.0,
            submitted_ms.map(format_timestamp_ms).unwrap_or_default()
        )
    }

    /// An SMTP SEND from server `from` to `to`: 250 for every recipient, no DSN references.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_row(
        &mut self,
        ms: i64,
        msg: &Message,
        id: &str,
        from: usize,
        to: &Server,
        context: String,
        connector: &str,
        rcpts: &[String],
    ) {
        let srv = server(from);
        let mut send = self.row(ms, msg, id);
        send.client_ip = srv.ip.into();
        send.client_hostname = srv.name.into();
        send.server_ip = to.ip.into();
        send.server_hostname = to.fqdn();
        send.source_context = context;
        send.connector_id = connector.into();
        send.source = "SMTP".into();
        send.event_id = "SEND".into();
        send.recipients = rcpts.to_vec();
        send.recipient_status = rcpts
            .iter()
            .map(|_| "250 2.1.5 Recipient OK".to_string())
            .collect();
        send.recipient_count = Some(rcpts.len() as i64);
        send.reference = vec![String::new(); rcpts.len()];
        send.message_info = latency_info(
            msg.arrived_ms,
            srv,
            "HUB",
            (ms - msg.arrived_ms) as f64 / 1000.0,
            true,
        );
        self.emit(from, LogPrefix::Transport, send);
    }

    /// HADISCARD of every shadow copy made for `msg` (the primary has been handed on).
    pub(super) fn discard_shadows(&mut self, t: &mut i64, msg: &Message) {
        let shadows: Vec<_> = self
            .pending_shadows
            .iter()
            .filter(|(_, _, m, _)| m.message_id == msg.message_id)
            .cloned()
            .collect();
        self.pending_shadows
            .retain(|(_, _, m, _)| m.message_id != msg.message_id);
        for (partner, shadow_id, m, rcpts) in shadows {
            let ms = self.tick(t, 200, 3_000);
            let mut discard = self.row(ms, &m, &shadow_id);
            discard.server_hostname = server(partner).name.into();
            discard.source_context = format!("ExplicitlyDiscarded;{}", self.guid());
            discard.source = "SMTP".into();
            discard.event_id = "HADISCARD".into();
            discard.recipients = rcpts.clone();
            discard.recipient_count = Some(rcpts.len() as i64);
            discard.event_data[0] = datum("S:DeliveryPriority=Low");
            discard
                .event_data
                .insert(1, datum("S:PrioritizationReason=ShadowRedundancy"));
            self.emit(partner, LogPrefix::Transport, discard);
        }
    }
}
