//! The snapshot indexed the way the categorizer looks recipients up: SMTP proxies, the EX
//! address space (legacyExchangeDN, then `X500:` proxies), other proxy types, and the loose
//! references (alias, name, DN, canonical name) that exports use for members and forwarding.

use std::collections::HashMap;

use super::opath::{self, RecipientFilter};
use super::{Recipient, Snapshot};

/// Index of a recipient in the snapshot.
pub type ObjectId = usize;

/// What kind of object a recipient is, as the categorizer dispatches on it (R5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A mailbox: delivered to.
    Mailbox,
    /// A mail user or remote mailbox (routes to its ExternalEmailAddress when it has one).
    MailUser,
    /// A mail contact: routed to its external address.
    Contact,
    /// A distribution or security group: expanded.
    Group,
    /// A dynamic distribution group: expanded by its filter.
    DynamicGroup,
    /// A mail-enabled public folder.
    PublicFolder,
    /// The Microsoft Exchange recipient (the organization's own sender).
    MicrosoftExchange,
    /// A system, health or arbitration mailbox.
    System,
}

impl Kind {
    fn of(r: &Recipient) -> Kind {
        let t = if r.recipient_type_details.is_empty() {
            r.recipient_type.to_ascii_lowercase()
        } else {
            r.recipient_type_details.to_ascii_lowercase()
        };
        let base = r.recipient_type.to_ascii_lowercase();
        if t.contains("dynamic") || base.contains("dynamic") {
            Kind::DynamicGroup
        } else if t.contains("group") || t == "roomlist" || base.contains("group") {
            Kind::Group
        } else if t.contains("contact") || base.contains("contact") {
            Kind::Contact
        } else if t.contains("mailuser") || t.starts_with("remote") || base == "mailuser" {
            Kind::MailUser
        } else if t.contains("publicfolder") {
            Kind::PublicFolder
        } else if t == "microsoftexchange" {
            Kind::MicrosoftExchange
        } else if t.contains("system") || t.contains("publicdatabase") {
            Kind::System
        } else if !r.members.is_empty() {
            Kind::Group
        } else {
            Kind::Mailbox
        }
    }

    /// Groups and contacts are remembered as visited (R5.5); mailboxes are not.
    pub fn is_visited_kind(self) -> bool {
        matches!(self, Kind::Group | Kind::DynamicGroup | Kind::Contact)
    }
}

/// The outcome of a directory lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Nobody owns the address.
    NotFound,
    /// One object owns it.
    Found(ObjectId),
    /// Two or more objects own the address.
    Ambiguous(Vec<ObjectId>),
}

/// How an EX address matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExMatch {
    LegacyDn,
    X500Proxy,
}

/// A group member as the directory resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Object(ObjectId),
    /// A member reference the snapshot does not know (kept to explain a mismatch).
    Unknown(String),
}

/// The indexed snapshot.
#[derive(Debug, Clone)]
pub struct Directory {
    /// The snapshot it indexes.
    pub snapshot: Snapshot,
    kinds: Vec<Kind>,
    smtp: HashMap<String, Vec<ObjectId>>,
    ex: HashMap<String, Vec<(ObjectId, ExMatch)>>,
    proxies: HashMap<String, Vec<ObjectId>>,
    names: HashMap<String, Vec<ObjectId>>,
}

fn push<V: PartialEq>(map: &mut HashMap<String, Vec<V>>, key: &str, value: V) {
    if key.is_empty() {
        return;
    }
    let entry = map.entry(key.to_lowercase()).or_default();
    if !entry.contains(&value) {
        entry.push(value);
    }
}

impl Directory {
    /// Indexes a snapshot.
    pub fn new(snapshot: Snapshot) -> Directory {
        let mut d = Directory {
            kinds: snapshot.recipients.iter().map(Kind::of).collect(),
            snapshot,
            smtp: HashMap::new(),
            ex: HashMap::new(),
            proxies: HashMap::new(),
            names: HashMap::new(),
        };
        for (id, r) in d.snapshot.recipients.iter().enumerate() {
            push(&mut d.smtp, &r.primary_smtp_address, id);
            push(&mut d.ex, &r.legacy_exchange_dn, (id, ExMatch::LegacyDn));
            for proxy in &r.email_addresses {
                let Some((kind, address)) = proxy.split_once(':') else {
                    continue;
                };
                match kind.to_ascii_lowercase().as_str() {
                    "smtp" => push(&mut d.smtp, address, id),
                    "x500" => push(&mut d.ex, address, (id, ExMatch::X500Proxy)),
                    other => push(&mut d.proxies, &format!("{other}:{address}"), id),
                }
            }
            for name in [&r.alias, &r.name, &r.display_name] {
                push(&mut d.names, name, id);
            }
        }
        d
    }

    /// The recipient with this id.
    pub fn recipient(&self, id: ObjectId) -> &Recipient {
        &self.snapshot.recipients[id]
    }

    /// Its kind.
    pub fn kind(&self, id: ObjectId) -> Kind {
        self.kinds[id]
    }

    /// A short label for sentences: the primary address, else the name.
    pub fn label(&self, id: ObjectId) -> String {
        let r = self.recipient(id);
        if r.primary_smtp_address.is_empty() {
            r.name.clone()
        } else {
            r.primary_smtp_address.clone()
        }
    }

    fn one(ids: &[ObjectId]) -> Lookup {
        match ids {
            [] => Lookup::NotFound,
            [id] => Lookup::Found(*id),
            many => Lookup::Ambiguous(many.to_vec()),
        }
    }

    /// Looks an SMTP address up among primary and proxy addresses (ignoring case).
    pub fn lookup_smtp(&self, address: &str) -> Lookup {
        Self::one(
            self.smtp
                .get(&address.to_lowercase())
                .map_or(&[][..], Vec::as_slice),
        )
    }

    /// Looks an EX address (a legacyExchangeDN) up: legacyExchangeDN first, then X500 proxies.
    pub fn lookup_ex(&self, dn: &str) -> (Lookup, Option<ExMatch>) {
        let Some(found) = self.ex.get(&dn.to_lowercase()) else {
            return (Lookup::NotFound, None);
        };
        let by_dn: Vec<ObjectId> = found
            .iter()
            .filter(|(_, m)| *m == ExMatch::LegacyDn)
            .map(|(id, _)| *id)
            .collect();
        if !by_dn.is_empty() {
            return (Self::one(&by_dn), Some(ExMatch::LegacyDn));
        }
        let ids: Vec<ObjectId> = found.iter().map(|(id, _)| *id).collect();
        (Self::one(&ids), Some(ExMatch::X500Proxy))
    }

    /// Looks a proxy of another type (`X400`, `FAX`, …) up.
    pub fn lookup_proxy(&self, kind: &str, address: &str) -> Lookup {
        Self::one(
            self.proxies
                .get(&format!("{}:{address}", kind.to_lowercase()).to_lowercase())
                .map_or(&[][..], Vec::as_slice),
        )
    }

    /// Resolves a reference as exports write them: any SMTP address (with or without an
    /// `SMTP:` prefix), a legacyExchangeDN, an alias, a name, `CN=Name,OU=…` or a canonical
    /// name `contoso.com/Users/Name`.
    pub fn resolve(&self, reference: &str) -> Option<ObjectId> {
        let r = reference.trim();
        if r.is_empty() {
            return None;
        }
        let r = super::strip_smtp_prefix(r);
        if let Lookup::Found(id) = self.lookup_smtp(r) {
            return Some(id);
        }
        if let (Lookup::Found(id), _) = self.lookup_ex(r) {
            return Some(id);
        }
        let name = if let Some(cn) = r.strip_prefix("CN=").or_else(|| r.strip_prefix("cn=")) {
            cn.split(',').next().unwrap_or(cn)
        } else if r.contains('/') && !r.starts_with('/') {
            r.rsplit('/').next().unwrap_or(r)
        } else {
            r
        };
        self.names
            .get(&name.to_lowercase())
            .and_then(|ids| ids.first().copied())
    }

    /// A group's members: its `Members` list, or for a dynamic group without one, every
    /// recipient its `RecipientFilter` selects. A filter that does not parse is an error.
    pub fn members(&self, group: ObjectId) -> Result<Vec<Member>, String> {
        let r = self.recipient(group);
        if r.members.is_empty()
            && let Some(text) = &r.recipient_filter
        {
            let parsed: RecipientFilter = opath::parse(text)?;
            return Ok(self
                .snapshot
                .recipients
                .iter()
                .enumerate()
                .filter(|(id, candidate)| *id != group && parsed.matches(candidate))
                .map(|(id, _)| Member::Object(id))
                .collect());
        }
        Ok(r.members
            .iter()
            .map(|m| match self.resolve(m) {
                Some(id) => Member::Object(id),
                None => Member::Unknown(m.clone()),
            })
            .collect())
    }

    /// True if `sender` is `group` or a member of it, directly or through nested groups.
    pub fn is_member(&self, sender: ObjectId, group: ObjectId) -> bool {
        let mut seen = vec![false; self.kinds.len()];
        let mut stack = vec![group];
        while let Some(g) = stack.pop() {
            if g == sender {
                return true;
            }
            if std::mem::replace(&mut seen[g], true) {
                continue;
            }
            if matches!(self.kind(g), Kind::Group | Kind::DynamicGroup) {
                for m in self.members(g).unwrap_or_default() {
                    if let Member::Object(id) = m {
                        stack.push(id);
                    }
                }
            }
        }
        false
    }

    /// The accepted-domain type of an address's domain (`Authoritative`, `InternalRelay`,
    /// `ExternalRelay`), or none for an external domain.
    pub fn domain_type(&self, address: &str) -> Option<&str> {
        let domain = address.rsplit_once('@')?.1;
        self.snapshot
            .accepted_domains
            .iter()
            .find(|d| d.domain_name.eq_ignore_ascii_case(domain))
            .map(|d| d.domain_type.as_str())
    }

    /// The default accepted domain (where IMCEA addresses are unwrapped).
    pub fn default_domain(&self) -> Option<&str> {
        self.snapshot.default_domain()
    }

    /// How many recipients the snapshot holds.
    pub fn len(&self) -> usize {
        self.snapshot.recipients.len()
    }

    /// True for a snapshot without recipients.
    pub fn is_empty(&self) -> bool {
        self.snapshot.recipients.is_empty()
    }
}
