//! The generator's own categorizer (the oracle the replay is tested against): resolution,
//! expansion, forwarding, restrictions, and failures with their NDR.

use std::collections::HashSet;

use crate::format::imcea;
use crate::format::names::LogPrefix;
use crate::format::status::text as status;

use crate::synth::org::{ARBITRATION, DOMAIN, DOMAIN_CONTROLLER, MICROSOFT_EXCHANGE};
use crate::synth::rows::{Message, data, last_error, server};

use super::{Envelope, Gen, Outcome, outcome_address};

impl Gen {
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
                let fixed = (*t / 3_600_000) % 24 >= crate::synth::org::who::X500_FIXED.1;
                let owner = self
                    .org
                    .people
                    .iter()
                    .find(|p| {
                        self.org.current_dn(p).eq_ignore_ascii_case(&dn)
                            || (fixed
                                && p.alias == crate::synth::org::who::X500_FIXED.0
                                && crate::synth::org::old_legacy_dn(p).eq_ignore_ascii_case(&dn))
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
                let dn = crate::synth::org::legacy_dn(contact.alias);
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
    pub(super) fn resolve_row(
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
}
