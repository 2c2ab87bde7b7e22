//! How a message enters: submitted from a mailbox (NOTIFYMAPI, SUBMIT, STOREDRIVER RECEIVE),
//! an internal SMTP submission, or received from the Internet through the Edge.

use crate::format::names::LogPrefix;
use crate::format::time::format_timestamp_ms;

use crate::synth::org::{DOMAIN, EDGE01, EX01, EX02};
use crate::synth::rows::{Message, data, datum, latency_info, mapi_context, server};

use super::Gen;

impl Gen {
    /// Outlook submission from a mailbox: MSGTRKMS rows, then SMTP RECEIVE in Transport with a
    /// shadow copy on the DAG partner. Returns the server, its internal id and the time.
    pub fn submit_from_mailbox(
        &mut self,
        t: &mut i64,
        msg: &Message,
        sender_alias: &str,
        rcpts: &[String],
    ) -> (usize, String) {
        let person = self.org.person(sender_alias).clone();
        let s = person.server;
        let srv = server(s);
        let db_guid = if s == EX01 {
            "a1f7c2d4-3b6e-4f1a-9c8d-2e5b7a9c1d3f"
        } else {
            "b2e8d3f5-4c7a-4b2e-8d9e-3f6c8b0d2e4a"
        };
        let created = *t - self.rng.i64(20..400);
        self.next_store_event += 1 + self.rng.u64(0..9);
        let store_event = self.next_store_event;

        let mut notify = self.row(*t, msg, "");
        notify.message_id.clear();
        notify.network_message_id.clear();
        notify.total_bytes = None;
        notify.message_subject.clear();
        notify.return_path.clear();
        notify.directionality.clear();
        notify.transport_traffic_type.clear();
        notify.client_hostname = srv.name.into();
        notify.source_context =
            mapi_context(db_guid, &person.mailbox_guid, store_event, created, false);
        notify.source = "STOREDRIVER".into();
        notify.event_id = "NOTIFYMAPI".into();
        notify.message_info = latency_info(created, srv, "SUB", 0.1 + self.rng.f64() * 0.1, true);
        notify.event_data = data(vec![format!(
            "S:ItemEntryId=00-00-00-00-{}",
            self.guid().to_uppercase().replace('-', "-00-")
        )]);
        self.emit(s, LogPrefix::MailboxSubmission, notify);

        self.next_store_id += 1 + self.rng.u64(0..4);
        let store_id = self.next_store_id.to_string();
        let ms = self.tick(t, 60, 250);
        let mut receive = self.row(ms, msg, &store_id);
        receive.client_ip = srv.ip.into();
        receive.client_hostname = srv.fqdn();
        receive.server_ip = srv.ip.into();
        receive.server_hostname = srv.name.into();
        receive.source_context =
            mapi_context(db_guid, &person.mailbox_guid, store_event, created, true);
        receive.source = "STOREDRIVER".into();
        receive.event_id = "RECEIVE".into();
        receive.recipients = rcpts.to_vec();
        receive.recipient_status = rcpts
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if i == 0 {
                    "To"
                } else if i % 3 == 0 {
                    "Bcc"
                } else {
                    "Cc"
                }
                .to_string()
            })
            .collect();
        receive.recipient_count = Some(rcpts.len() as i64);
        receive.message_info = "04I: ".into();
        receive.original_client_ip =
            format!("10.20.{}.{}", 10 + self.rng.u8(0..20), self.rng.u8(2..250));
        receive.original_server_ip = srv.ip.into();
        self.emit(s, LogPrefix::MailboxSubmission, receive);

        let ms = self.tick(t, 20, 120);
        let mut submit = self.row(ms, msg, "");
        submit.client_ip = srv.ip.into();
        submit.client_hostname = srv.name.into();
        submit.server_hostname = srv.fqdn();
        submit.source_context =
            mapi_context(db_guid, &person.mailbox_guid, store_event, created, false);
        submit.source = "STOREDRIVER".into();
        submit.event_id = "SUBMIT".into();
        submit.recipients = rcpts.to_vec();
        submit.recipient_count = Some(rcpts.len() as i64);
        submit.total_bytes = None;
        submit.return_path.clear();
        submit.message_info =
            latency_info(created, srv, "SUB", (ms - created) as f64 / 1000.0, true);
        self.emit(s, LogPrefix::MailboxSubmission, submit);

        let id = self.smtp_receive(
            t,
            msg,
            s,
            srv.ip,
            &srv.fqdn(),
            &format!("{}\\Default {}", srv.name, srv.name),
            "0cI: ",
            rcpts,
        );
        (s, id)
    }

    /// SMTP RECEIVE on a mailbox server's Transport service, the shadow copy (HAREDIRECT here,
    /// HARECEIVE on the DAG partner) and the categorizer's AGENTINFO. Returns the internal id.
    /// A message handed to Transport by a system component on server `s` (the arbitration
    /// mailbox's approval requests, resubmitted approved originals). Returns the internal id.
    pub fn internal_submission(
        &mut self,
        t: &mut i64,
        msg: &Message,
        s: usize,
        rcpts: &[String],
    ) -> String {
        let srv = server(s);
        let connector = format!("{}\\Default {}", srv.name, srv.name);
        self.smtp_receive(t, msg, s, srv.ip, &srv.fqdn(), &connector, "04I: ", rcpts)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn smtp_receive(
        &mut self,
        t: &mut i64,
        msg: &Message,
        s: usize,
        client_ip: &str,
        client_host: &str,
        connector: &str,
        info: &str,
        rcpts: &[String],
    ) -> String {
        let srv = server(s);
        let id = self.internal_id(s);
        let ms = self.tick(t, 30, 200);
        let session_start = ms - self.rng.i64(50..300);
        let session = self.session();
        let mut receive = self.row(ms, msg, &id);
        receive.client_ip = client_ip.into();
        receive.client_hostname = client_host.into();
        receive.server_ip = srv.ip.into();
        receive.server_hostname = srv.name.into();
        receive.source_context = format!("{session};{};0", format_timestamp_ms(session_start));
        receive.connector_id = connector.into();
        receive.source = "SMTP".into();
        receive.event_id = "RECEIVE".into();
        receive.recipients = rcpts.to_vec();
        receive.recipient_count = Some(rcpts.len() as i64);
        receive.message_info = info.into();
        receive.original_client_ip = client_ip.into();
        receive.original_server_ip = srv.ip.into();
        let partner = if s == EX01 { EX02 } else { EX01 };
        receive.event_data = data(vec![
            "S:MessageValue=MediumHigh".into(),
            format!("S:Replication={}", server(partner).name),
            format!("S:FirstForestHop={}", srv.fqdn()),
            format!(
                "S:FromEntity={}",
                if msg.directionality == "Incoming" {
                    "Internet"
                } else {
                    "Hosted"
                }
            ),
            "S:DeliveryPriority=Normal".into(),
            format!("S:AccountForest={DOMAIN}"),
        ]);
        self.emit(s, LogPrefix::Transport, receive);

        // Shadow redundancy: the partner keeps a copy until the primary is delivered.
        let shadow_id = self.internal_id(partner);
        let mut ha = self.row(ms, msg, &id);
        ha.server_hostname = srv.name.into();
        ha.source_context = format!(
            "{}=250 2.6.0 {} [InternalId={shadow_id}, Hostname={}] Queued mail for redundancy",
            server(partner).fqdn(),
            msg.message_id,
            server(partner).fqdn()
        );
        ha.source = "SMTP".into();
        ha.event_id = "HAREDIRECT".into();
        ha.recipients = rcpts.to_vec();
        ha.recipient_count = Some(rcpts.len() as i64);
        self.emit(s, LogPrefix::Transport, ha);
        let ms2 = ms - self.rng.i64(0..3);
        let mut hr = self.row(ms2, msg, &shadow_id);
        hr.client_hostname = srv.fqdn();
        hr.server_hostname = server(partner).name.into();
        hr.source_context = self.guid();
        hr.source = "SMTP".into();
        hr.event_id = "HARECEIVE".into();
        hr.recipients = rcpts.to_vec();
        hr.recipient_count = Some(rcpts.len() as i64);
        hr.event_data
            .insert(1, datum("S:PrioritizationReason=ShadowRedundancy"));
        hr.event_data[0] = datum("S:DeliveryPriority=Low");
        self.emit(partner, LogPrefix::Transport, hr);
        self.pending_shadows
            .push((partner, shadow_id, msg.clone(), rcpts.to_vec()));

        let ms = self.tick(t, 5, 60);
        let mut agent = self.row(ms, msg, &id);
        agent.client_hostname = srv.name.into();
        agent.source_context = "CatContentConversion".into();
        agent.source = "AGENT".into();
        agent.event_id = "AGENTINFO".into();
        agent.recipients = rcpts.to_vec();
        agent.recipient_count = Some(rcpts.len() as i64);
        agent.original_client_ip = client_ip.into();
        agent.original_server_ip = srv.ip.into();
        agent.event_data = data(vec![
            format!("S:AMA=SUM|v=0|action=|error=|atch={}", self.rng.u8(0..3)),
            "S:AMA=EV|engine=M|v=0|sig=1.421.114.0|name=|file=".into(),
            "S:TRA=ETRP|ruleId=4b6f2a9e-1c3d-4e5f-8a7b-9c0d1e2f3a4b|st=2026-06-11T08:14:25.0000000Z|ExecW=0|ExecC=0|Conditions=ISUP,M.F,0".into(),
            "S:CompCost=|ETR=0".into(),
            "S:DeliveryPriority=Normal".into(),
            format!("S:AccountForest={DOMAIN}"),
        ]);
        self.emit(s, LogPrefix::Transport, agent);
        id
    }

    /// Internet mail arriving at the Edge and relayed to a mailbox server.
    pub fn receive_from_internet(
        &mut self,
        t: &mut i64,
        msg: &Message,
        client_ip: &str,
        client_host: &str,
        rcpts: &[String],
    ) -> (usize, String) {
        let edge = server(EDGE01);
        let id = self.internal_id(EDGE01);
        let session = self.session();
        let mut receive = self.row(*t, msg, &id);
        receive.client_ip = client_ip.into();
        receive.client_hostname = client_host.into();
        receive.server_ip = edge.ip.into();
        receive.server_hostname = edge.name.into();
        receive.source_context = format!(
            "{session};{};0",
            format_timestamp_ms(*t - self.rng.i64(300..2500))
        );
        receive.connector_id = format!(
            "{}\\Default internal receive connector {}",
            edge.name, edge.name
        );
        receive.source = "SMTP".into();
        receive.event_id = "RECEIVE".into();
        receive.recipients = rcpts.to_vec();
        receive.recipient_count = Some(rcpts.len() as i64);
        receive.message_info = "0cA: ".into();
        receive.original_client_ip = client_ip.into();
        receive.original_server_ip = edge.ip.into();
        receive.event_data = data(vec![
            "S:MessageValue=MediumHigh".into(),
            "S:Replication=Disabled".into(),
            format!("S:FirstForestHop={}", edge.fqdn()),
            "S:FromEntity=Internet".into(),
            "S:DeliveryPriority=Normal".into(),
            "S:AccountForest=localhost".into(),
        ]);
        self.emit(EDGE01, LogPrefix::Transport, receive);

        let ms = self.tick(t, 40, 300);
        let mut agent = self.row(ms, msg, &id);
        agent.client_hostname = edge.name.into();
        agent.source = "AGENT".into();
        agent.event_id = "AGENTINFO".into();
        agent.recipients = rcpts.to_vec();
        agent.recipient_count = Some(rcpts.len() as i64);
        agent.original_client_ip = client_ip.into();
        agent.event_data = data(vec![
            format!(
                "S:CFA=SUM|SFV=NSPM|SCL={}|IPV=NLI|H={client_host}|PTR={client_host}",
                self.rng.u8(0..2)
            ),
            "S:AMA=SUM|v=0|action=|error=|atch=0".into(),
            "S:DeliveryPriority=Normal".into(),
            "S:AccountForest=localhost".into(),
        ]);
        self.emit(EDGE01, LogPrefix::Transport, agent);

        let hub = if self.rng.bool() { EX01 } else { EX02 };
        let ms = self.tick(t, 20, 150);
        let hub_id_preview = self.next_internal[hub] + 1;
        let context = self.queued_context(msg, server(hub), hub_id_preview, None);
        self.send_row(
            ms,
            msg,
            &id,
            EDGE01,
            server(hub),
            context,
            "EdgeSync - Inbound to Default-First-Site-Name",
            rcpts,
        );

        let id = self.smtp_receive(
            t,
            msg,
            hub,
            edge.ip,
            &edge.fqdn(),
            &format!("{}\\Default {}", server(hub).name, server(hub).name),
            "0cE: ",
            rcpts,
        );
        (hub, id)
    }

    // ---------------------------------------------------------------- categorizer
}
