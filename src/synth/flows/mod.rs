//! Message flows: the rows one message leaves on each server, from submission (or arrival from
//! the Internet) through categorization to delivery, sending out, or failure with an NDR.

mod arrival;
mod categorize;
mod delivery;
mod recovery;

use std::collections::HashSet;

use crate::format::LogRecord;
use crate::format::names::LogPrefix;

use super::org::{Org, SERVERS};
use super::rows::{Emitted, Message, message_row};

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
    pub events: Vec<Emitted>,
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

    pub(super) fn internal_id(&mut self, server: usize) -> String {
        self.next_internal[server] += 1 + self.rng.u64(0..3);
        self.next_internal[server].to_string()
    }

    pub(super) fn session(&mut self) -> String {
        self.next_session += 1 + self.rng.u64(0..40);
        format!("{:016X}", self.next_session)
    }

    /// Advances a clock by a small processing delay.
    pub fn tick(&mut self, t: &mut i64, min_ms: i64, max_ms: i64) -> i64 {
        *t += self.rng.i64(min_ms..=max_ms);
        *t
    }

    pub(super) fn emit(&mut self, server: usize, prefix: LogPrefix, record: LogRecord) {
        self.events.push(Emitted {
            server,
            prefix,
            record,
        });
    }

    pub(super) fn row(&mut self, ms: i64, msg: &Message, internal_id: &str) -> LogRecord {
        let log_id = self.guid();
        message_row(ms, msg, internal_id, log_id)
    }

    /// A new message id in the sender's domain.
    pub fn message_id(&mut self, domain: &str) -> String {
        format!("<{}@{}>", self.guid().replace('-', ""), domain)
    }

    // ---------------------------------------------------------------- arrival

    pub(super) fn mailbox_server_of(&self, address: &str) -> Option<usize> {
        self.org
            .people
            .iter()
            .find(|p| p.address().eq_ignore_ascii_case(address))
            .map(|p| p.server)
    }

    // ---------------------------------------------------------------- delivery
}

pub(super) fn outcome_address(o: &Outcome) -> String {
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
