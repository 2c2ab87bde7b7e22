//! Message flows: the rows one message leaves on each server, from submission (or arrival from
//! the Internet) through categorization to delivery, sending out, or failure with an NDR.

use std::collections::{BTreeMap, HashSet};

use crate::format::LogRecord;
use crate::format::imcea;
use crate::format::names::LogPrefix;
use crate::format::status::text as status;
use crate::format::time::format_timestamp_ms;

use super::org::{
    ARBITRATION, DOMAIN, DOMAIN_CONTROLLER, EDGE01, EX01, EX02, MICROSOFT_EXCHANGE, Org, SERVERS,
    Server,
};
use super::rows::{
    Event, Message, data, datum, last_error, latency_info, mapi_context, message_row, server,
};

/// Where a categorized recipient ends up.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Delivered to a mailbox on a server.
    Mailbox { address: String, server: usize },
    /// Sent out of the organisation.
    External(String),
}

/// The generator's state: ids, clock helpers and the rows written so far.
pub struct Gen {
    pub org: Org,
    pub rng: fastrand::Rng,
    pub events: Vec<Event>,
    next_internal: [u64; 3],
    next_session: u64,
    next_store_id: u64,
    next_store_event: u64,
    /// Deliveries made so far: (time, message, mailbox address, mailbox server).
    pub delivered: Vec<(i64, Message, String, usize)>,
    /// Shadow copies not yet discarded: (server, shadow internal id, message, recipients).
    pending_shadows: Vec<(usize, String, Message, Vec<String>)>,
    /// Mailboxes over quota: deliveries to them fail with 5.2.2.
    pub quota_exceeded: HashSet<String>,
    /// Remote domains whose servers defer twice before accepting.
    pub deferring_domains: HashSet<String>,
}

/// What the sender side looks like for categorization.
pub struct Envelope<'a> {
    pub msg: &'a Message,
    pub recipients: Vec<String>,
    pub authenticated: bool,
    /// Moderation already approved for these recipients (a resubmitted original).
    pub approved: Vec<String>,
}

impl Gen {
    pub fn new(org: Org, seed: u64) -> Gen {
        Gen {
            org,
            rng: fastrand::Rng::with_seed(seed),
            events: Vec::new(),
            next_internal: [
                SERVERS[0].first_internal_id,
                SERVERS[1].first_internal_id,
                SERVERS[2].first_internal_id,
            ],
            next_session: 0x08DE_27C1_A4B5_0000,
            next_store_id: 200,
            next_store_event: 63_779_000,
            delivered: Vec::new(),
            pending_shadows: Vec::new(),
            quota_exceeded: HashSet::new(),
            deferring_domains: HashSet::new(),
        }
    }

    pub fn guid(&mut self) -> String {
        let (high, low) = (self.rng.u64(..), self.rng.u64(..));
        super::ids::guid_text(high, low)
    }

    fn internal_id(&mut self, server: usize) -> String {
        self.next_internal[server] += 1 + self.rng.u64(0..3);
        self.next_internal[server].to_string()
    }

    fn session(&mut self) -> String {
        self.next_session += 1 + self.rng.u64(0..40);
        format!("{:016X}", self.next_session)
    }

    /// Advances a clock by a small processing delay.
    pub fn tick(&mut self, t: &mut i64, min_ms: i64, max_ms: i64) -> i64 {
        *t += self.rng.i64(min_ms..=max_ms);
        *t
    }

    fn emit(&mut self, server: usize, prefix: LogPrefix, record: LogRecord) {
        self.events.push(Event {
            server,
            prefix,
            record,
        });
    }

    fn row(&mut self, ms: i64, msg: &Message, internal_id: &str) -> LogRecord {
        let log_id = self.guid();
        message_row(ms, msg, internal_id, log_id)
    }

    /// A new message id in the sender's domain.
    pub fn message_id(&mut self, domain: &str) -> String {
        format!("<{}@{}>", self.guid().replace('-', ""), domain)
    }

    // ---------------------------------------------------------------- arrival

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

    /// Resolves, expands and redirects the envelope on server `s` (categorizer rows), writes the
    /// DSN + FAIL rows for what cannot be delivered, and returns where the rest goes.
    pub fn categorize(
        &mut self,
        t: &mut i64,
        s: usize,
        id: &mut String,
        env: &Envelope<'_>,
    ) -> Vec<Outcome> {
        let msg = env.msg;
        let local = server(s).name;
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut failed: Vec<(String, String)> = Vec::new();
        let mut seen_people: HashSet<String> = HashSet::new();
        let mut expanded: HashSet<String> = HashSet::new();
        let mut any_expansion = false;

        // Work list, processed last-in first-out like the categorizer's recipient stack.
        // Each item carries the forwarding chain that led to it (for loop detection).
        let mut stack: Vec<(String, Vec<String>)> = env
            .recipients
            .iter()
            .rev()
            .map(|r| (r.clone(), Vec::new()))
            .collect();

        while let Some((address, chain)) = stack.pop() {
            let lower = address.to_ascii_lowercase();
            if lower.starts_with("imceaex-") {
                let dn = imcea::decode(&address)
                    .map(|d| d.address)
                    .unwrap_or_default();
                let fixed = (*t / 3_600_000) % 24 >= super::org::who::X500_FIXED.1;
                let owner = self
                    .org
                    .people
                    .iter()
                    .find(|p| {
                        self.org.current_dn(p).eq_ignore_ascii_case(&dn)
                            || (fixed
                                && p.alias == super::org::who::X500_FIXED.0
                                && super::org::old_legacy_dn(p).eq_ignore_ascii_case(&dn))
                    })
                    .cloned();
                match owner {
                    Some(p) => {
                        self.resolve_row(
                            t,
                            s,
                            msg,
                            id,
                            &self.org.current_dn(&p),
                            &p.address(),
                            &address,
                        );
                        stack.push((p.address(), chain));
                    }
                    None => failed.push((address.clone(), status::EX_RECIP_NOT_FOUND.into())),
                }
                continue;
            }
            let (local_part, domain) = lower.rsplit_once('@').unwrap_or((&lower, ""));
            if domain != DOMAIN {
                outcomes.push(Outcome::External(address.clone()));
                continue;
            }
            if let Some(group) = self.org.group(local_part).cloned() {
                if expanded.contains(group.alias) {
                    continue;
                }
                if group.require_sender_authentication && !env.authenticated {
                    failed.push((group.address(), status::AUTH_REQUIRED.into()));
                    continue;
                }
                if let Some(moderator) = group.moderated_by {
                    let sender_is_moderator = msg
                        .sender
                        .eq_ignore_ascii_case(&self.org.person(moderator).address());
                    if !sender_is_moderator
                        && !env
                            .approved
                            .iter()
                            .any(|a| a.eq_ignore_ascii_case(&group.address()))
                    {
                        let ms = self.tick(t, 5, 40);
                        let mut init = self.row(ms, msg, id);
                        init.server_hostname = local.into();
                        init.source_context = ARBITRATION.into();
                        init.source = "ROUTING".into();
                        init.event_id = "INITMESSAGECREATED".into();
                        init.recipients = vec![group.address()];
                        init.recipient_count = Some(1);
                        init.reference = vec![self.message_id(DOMAIN)];
                        self.emit(s, LogPrefix::Transport, init);
                        continue;
                    }
                }
                any_expansion = true;
                expanded.insert(group.alias.to_string());
                let mut added = Vec::new();
                let mut duplicates = Vec::new();
                for member in &group.members {
                    match self.org.group(member) {
                        Some(g) if expanded.contains(g.alias) => duplicates.push(g.address()),
                        Some(g) => added.push(g.address()),
                        None => added.push(self.org.person(member).address()),
                    }
                }
                let ms = self.tick(t, 2, 30);
                let mut expand = self.row(ms, msg, id);
                expand.server_hostname = local.into();
                expand.source_context = DOMAIN_CONTROLLER.into();
                expand.source = "ROUTING".into();
                expand.event_id = "EXPAND".into();
                expand.recipients = added.iter().rev().cloned().collect();
                expand.recipient_status = vec![status::EXPANDED.into()];
                expand.recipient_count = Some(added.len() as i64);
                expand.related_recipient_address = group.address();
                self.emit(s, LogPrefix::Transport, expand.clone());
                if !duplicates.is_empty() {
                    let mut dup = expand;
                    dup.timestamp_ms += 1;
                    dup.event_id = "DUPLICATEEXPAND".into();
                    dup.recipients = duplicates.clone();
                    dup.recipient_count = Some(duplicates.len() as i64);
                    dup.log_id = self.guid();
                    self.emit(s, LogPrefix::Transport, dup);
                }
                for member in added {
                    stack.push((member, chain.clone()));
                }
                continue;
            }
            if let Some(contact) = self
                .org
                .contacts
                .iter()
                .find(|c| c.alias == local_part)
                .cloned()
            {
                let dn = super::org::legacy_dn(contact.alias);
                self.resolve_row(t, s, msg, id, &dn, contact.external, &address);
                outcomes.push(Outcome::External(contact.external.to_string()));
                continue;
            }
            // A person, by primary address or by the first-initial proxy.
            let person = self
                .org
                .people
                .iter()
                .find(|p| {
                    let primary = p.address().to_ascii_lowercase();
                    let (first, last) = p.alias.split_once('.').unwrap_or((p.alias, ""));
                    primary == lower || format!("{}.{last}@{DOMAIN}", &first[..1]) == lower
                })
                .cloned();
            let Some(person) = person else {
                failed.push((address.clone(), status::RECIP_NOT_FOUND.into()));
                continue;
            };
            let primary = person.address();
            if primary.to_ascii_lowercase() != lower {
                let dn = self.org.current_dn(&person);
                self.resolve_row(t, s, msg, id, &dn, &primary, &address);
            }
            if chain.contains(&primary) {
                failed.push((primary.clone(), status::FWD_LOOP.into()));
                continue;
            }
            let forward_to = self.org.snapshot_forwarding(&person).filter(|_| true);
            if let Some(target) = forward_to {
                let ms = self.tick(t, 2, 20);
                let mut redirect = self.row(ms, msg, id);
                redirect.server_hostname = local.into();
                redirect.source = "ROUTING".into();
                redirect.event_id = "REDIRECT".into();
                redirect.recipients = vec![primary.clone()];
                redirect.recipient_count = Some(1);
                redirect.related_recipient_address = target.clone();
                self.emit(s, LogPrefix::Transport, redirect);
                let mut next_chain = chain.clone();
                next_chain.push(primary);
                stack.push((target, next_chain));
                continue;
            }
            if seen_people.insert(primary.clone()) {
                outcomes.push(Outcome::Mailbox {
                    address: primary,
                    server: person.server,
                });
            }
        }

        if !failed.is_empty() {
            self.fail_with_ndr(t, s, msg, id, &failed, "ROUTING");
        }
        if any_expansion && !outcomes.is_empty() {
            // The expanded recipients move to a forked copy of the message.
            let child = self.internal_id(s);
            let ms = self.tick(t, 1, 15);
            let mut transfer = self.row(ms, msg, &child);
            transfer.server_hostname = local.into();
            transfer.source_context = "Resolver".into();
            transfer.source = "ROUTING".into();
            transfer.event_id = "TRANSFER".into();
            transfer.recipients = outcomes.iter().map(outcome_address).collect();
            transfer.recipient_status = vec![String::new(); outcomes.len()];
            transfer.recipient_count = Some(outcomes.len() as i64);
            transfer.reference = vec![id.clone()];
            self.emit(s, LogPrefix::Transport, transfer);
            *id = child;
        }
        outcomes
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_row(
        &mut self,
        t: &mut i64,
        s: usize,
        msg: &Message,
        id: &str,
        dn: &str,
        new: &str,
        original: &str,
    ) {
        let ms = self.tick(t, 1, 20);
        let mut resolve = self.row(ms, msg, id);
        resolve.server_hostname = server(s).name.into();
        resolve.source_context = dn.into();
        resolve.source = "ROUTING".into();
        resolve.event_id = "RESOLVE".into();
        resolve.recipients = vec![new.into()];
        resolve.recipient_count = Some(1);
        resolve.related_recipient_address = original.into();
        self.emit(s, LogPrefix::Transport, resolve);
    }

    /// DSN row then FAIL row (categorizer.md D11.8), then the NDR travels back to the sender.
    pub fn fail_with_ndr(
        &mut self,
        t: &mut i64,
        s: usize,
        msg: &Message,
        id: &str,
        failed: &[(String, String)],
        source: &str,
    ) {
        let srv = server(s);
        let ndr_id = format!("<{}@{}>", self.guid().replace('-', ""), srv.fqdn());
        let null_sender = msg.return_path == "<>";
        let when = chrono::DateTime::from_timestamp_millis(*t)
            .map(|d| d.format("%m/%d/%Y %-I:%M:%S %p").to_string())
            .unwrap_or_default();

        let ndr = Message {
            message_id: ndr_id.clone(),
            network_id: self.guid(),
            subject: format!("Undeliverable: {}", msg.subject),
            sender: MICROSOFT_EXCHANGE.into(),
            return_path: "<>".into(),
            size: 9_000 + self.rng.i64(0..6_000) + msg.size.min(40_000) / 4,
            directionality: "Originating",
            arrived_ms: *t,
            submitted_ms: None,
        };
        let ndr_internal = self.internal_id(s);
        if !null_sender {
            let ms = self.tick(t, 3, 40);
            let mut dsn = self.row(ms, &ndr, &ndr_internal);
            dsn.server_hostname = srv.name.into();
            dsn.source_context = "Failure".into();
            dsn.source = "DSN".into();
            dsn.event_id = "DSN".into();
            dsn.recipients = vec![msg.return_path.clone()];
            dsn.recipient_count = Some(1);
            dsn.reference = vec![msg.message_id.clone()];
            dsn.message_info = failed
                .iter()
                .map(|(a, st)| format!("<{a}>:<{st}>"))
                .collect::<Vec<_>>()
                .join(" ");
            dsn.event_data = data(vec![
                format!("S:OriginalMailDirectionality={}", msg.directionality),
                "S:Writer=SimpleDsnHumanReadableWriter".into(),
                format!(
                    "S:Caller={}",
                    if source == "ROUTING" {
                        "Resolver"
                    } else {
                        "Delivery"
                    }
                ),
                "S:DeliveryPriority=Normal".into(),
                format!("S:AccountForest={DOMAIN}"),
            ]);
            self.emit(s, LogPrefix::Transport, dsn);
        }
        let ms = self.tick(t, 0, 5);
        let mut fail = self.row(ms, msg, id);
        fail.client_hostname = srv.name.into();
        if source == "SMTP" {
            fail.client_ip = srv.ip.into();
            fail.connector_id = "Intra-Organization SMTP Send Connector".into();
        }
        fail.source = source.into();
        fail.event_id = "FAIL".into();
        fail.recipients = failed.iter().map(|(a, _)| a.clone()).collect();
        fail.recipient_status = failed
            .iter()
            .map(|(a, st)| {
                let (fqdn, ip) = match (source, self.mailbox_server_of(a)) {
                    ("SMTP", Some(mbx)) => (server(mbx).fqdn(), server(mbx).ip.to_string()),
                    _ => (String::new(), String::new()),
                };
                let lrt = if source == "SMTP" { when.as_str() } else { "" };
                last_error(st, &fqdn, &ip, lrt)
            })
            .collect();
        fail.recipient_count = Some(failed.len() as i64);
        fail.reference = failed
            .iter()
            .map(|_| {
                if null_sender {
                    String::new()
                } else {
                    ndr_id.clone()
                }
            })
            .collect();
        self.emit(s, LogPrefix::Transport, fail);

        if null_sender {
            return;
        }
        // The NDR is a message of its own, delivered back to the original sender.
        let mut nt = *t + self.rng.i64(20..200);
        let mut nid = ndr_internal;
        let back = vec![msg.return_path.clone()];
        let env = Envelope {
            msg: &ndr,
            recipients: back,
            authenticated: true,
            approved: Vec::new(),
        };
        let outcomes = self.categorize(&mut nt, s, &mut nid, &env);
        self.route(&mut nt, s, &ndr, &nid, &outcomes);
    }

    fn mailbox_server_of(&self, address: &str) -> Option<usize> {
        self.org
            .people
            .iter()
            .find(|p| p.address().eq_ignore_ascii_case(address))
            .map(|p| p.server)
    }

    // ---------------------------------------------------------------- delivery

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
    fn queued_context(
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
    fn send_row(
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
    fn discard_shadows(&mut self, t: &mut i64, msg: &Message) {
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

fn outcome_address(o: &Outcome) -> String {
    match o {
        Outcome::Mailbox { address, .. } => address.clone(),
        Outcome::External(a) => a.clone(),
    }
}

impl Org {
    /// The forwarding target of a person (ForwardingAddress, forward only), as an address.
    pub fn snapshot_forwarding(&self, person: &super::org::Person) -> Option<String> {
        use super::org::who;
        let target = match person.alias {
            who::FORWARDER => who::FORWARD_TARGET,
            who::LOOP_A => who::LOOP_B,
            who::LOOP_B => who::LOOP_A,
            _ => return None,
        };
        Some(self.person(target).address())
    }
}
