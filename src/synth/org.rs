//! The sample organisation: Contoso, two DAG mailbox servers and an Edge, ~30 people, groups
//! (one nested loop, one moderated, one secured), forwarding (one broken loop), contacts, and
//! two re-created mailboxes whose old legacyExchangeDNs still sit in Outlook caches.

use crate::directory::{AcceptedDomain, Recipient, Snapshot};

/// The organisation's SMTP domain.
pub const DOMAIN: &str = "contoso.com";
/// The Exchange organisation name used in legacyExchangeDNs.
const ORG: &str = "Contoso";
const ADMIN_GROUP: &str = "Exchange Administrative Group (FYDIBOHF23SPDLT)";
/// The domain controller named in EXPAND rows.
pub const DOMAIN_CONTROLLER: &str = "DC01.contoso.com";
/// The Microsoft Exchange recipient that sends DSNs.
pub const MICROSOFT_EXCHANGE: &str =
    "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com";
/// The arbitration mailbox that holds moderation requests.
pub const ARBITRATION: &str = "SystemMailbox{1f05a927-7709-4a35-8e2b-8f5a4e1b9c62}@contoso.com";
/// The Managed Availability health mailboxes of EX01 and EX02 (probe messages go to them).
pub const HEALTH_MAILBOXES: [&str; 2] = [
    "HealthMailbox2f8b1c4a0e7d4f6a9c3b5d7e1f0a2c4e@contoso.com",
    "HealthMailbox9a1d3e5f7b2c4a6e8d0f1b3c5a7e9d2f@contoso.com",
];
/// Exchange 2019 CU14.
pub const BUILD: &str = "15.02.1544.004";

/// A transport server of the sample organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub name: &'static str,
    pub ip: &'static str,
    pub edge: bool,
    /// Internal message ids on this server count up from here.
    pub first_internal_id: u64,
}

impl Server {
    /// The server's FQDN.
    pub fn fqdn(&self) -> String {
        format!("{}.{DOMAIN}", self.name)
    }
}

/// EX01 and EX02 are DAG members (mailbox servers); EDGE01 is the Edge Transport server.
pub const SERVERS: [Server; 3] = [
    Server {
        name: "EX01",
        ip: "10.20.0.11",
        edge: false,
        first_internal_id: 27_414_776_250_000,
    },
    Server {
        name: "EX02",
        ip: "10.20.0.12",
        edge: false,
        first_internal_id: 86_998_857_540_000,
    },
    Server {
        name: "EDGE01",
        ip: "10.20.5.21",
        edge: true,
        first_internal_id: 164_213_779_590_000,
    },
];

/// Index of a server in [`SERVERS`].
pub const EX01: usize = 0;
pub const EX02: usize = 1;
pub const EDGE01: usize = 2;

/// A person with a mailbox.
#[derive(Debug, Clone)]
pub struct Person {
    pub display_name: &'static str,
    pub alias: &'static str,
    /// Index of the server hosting the active copy of the mailbox database.
    pub server: usize,
    pub mailbox_guid: String,
}

impl Person {
    pub fn address(&self) -> String {
        format!("{}@{DOMAIN}", self.alias)
    }
}

const PEOPLE: [(&str, &str); 30] = [
    ("Adele Vance", "adele.vance"),
    ("Alex Wilber", "alex.wilber"),
    ("Allan Deyoung", "allan.deyoung"),
    ("Bianca Pisani", "bianca.pisani"),
    ("Brian Johnson", "brian.johnson"),
    ("Cameron White", "cameron.white"),
    ("Christie Cline", "christie.cline"),
    ("Debra Berger", "debra.berger"),
    ("Delia Dennis", "delia.dennis"),
    ("Diego Siciliani", "diego.siciliani"),
    ("Emily Braun", "emily.braun"),
    ("Enrico Cattaneo", "enrico.cattaneo"),
    ("Gerhart Moller", "gerhart.moller"),
    ("Grady Archie", "grady.archie"),
    ("Irvin Sayers", "irvin.sayers"),
    ("Isaiah Langer", "isaiah.langer"),
    ("Johanna Lorenz", "johanna.lorenz"),
    ("Joni Sherman", "joni.sherman"),
    ("Lee Gu", "lee.gu"),
    ("Lidia Holloway", "lidia.holloway"),
    ("Lynne Robbins", "lynne.robbins"),
    ("Mario Rogers", "mario.rogers"),
    ("Megan Bowen", "megan.bowen"),
    ("Miriam Graham", "miriam.graham"),
    ("Nestor Wilke", "nestor.wilke"),
    ("Patti Fernandez", "patti.fernandez"),
    ("Pradeep Gupta", "pradeep.gupta"),
    ("Raul Razo", "raul.razo"),
    ("Joe Bloggs", "joe.bloggs"),
    ("Ana Müller", "ana.mueller"),
];

/// Named roles in the scenarios.
pub mod who {
    pub const CEO: &str = "megan.bowen";
    /// Forwards all mail to Lee Gu (forward only).
    pub const FORWARDER: &str = "nestor.wilke";
    pub const FORWARD_TARGET: &str = "lee.gu";
    /// Forward to each other: a broken forwarding loop.
    pub const LOOP_A: &str = "raul.razo";
    pub const LOOP_B: &str = "pradeep.gupta";
    /// Mailboxes re-created last week: new legacyExchangeDN, no X500 of the old one.
    pub const RECREATED: [&str; 2] = ["joe.bloggs", "ana.mueller"];
    /// At 12:00 UTC the admin adds Ana's old legacyExchangeDN as an X500 proxy: replies to
    /// her old items fail before and resolve after (the snapshot is taken at the end of day).
    pub const X500_FIXED: (&str, i64) = ("ana.mueller", 12);
}

/// A distribution group.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: &'static str,
    pub alias: &'static str,
    /// Member aliases (people or groups), in directory order.
    pub members: Vec<&'static str>,
    pub moderated_by: Option<&'static str>,
    pub require_sender_authentication: bool,
}

impl Group {
    pub fn address(&self) -> String {
        format!("{}@{DOMAIN}", self.alias)
    }
}

/// An external contact with an address in the GAL.
#[derive(Debug, Clone)]
pub struct Contact {
    pub name: &'static str,
    pub alias: &'static str,
    pub external: &'static str,
}

/// The whole organisation.
#[derive(Debug, Clone)]
pub struct Org {
    pub people: Vec<Person>,
    pub groups: Vec<Group>,
    pub contacts: Vec<Contact>,
}

fn guid_from(seed: &str, salt: u32) -> String {
    // Deterministic GUID-shaped text from a name (FNV-1a), so the sample never changes.
    let mut h: u64 = 0xcbf29ce484222325 ^ u64::from(salt);
    let mut words = [0u64; 2];
    for (i, word) in words.iter_mut().enumerate() {
        for b in seed.bytes().chain([i as u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        *word = h;
    }
    super::ids::guid_text(words[0], words[1])
}

/// The legacyExchangeDN Exchange gives a mailbox created today (`cn=<32 hex>-<alias>`).
pub fn legacy_dn(cn: &str) -> String {
    format!("/o={ORG}/ou={ADMIN_GROUP}/cn=Recipients/cn={cn}")
}

/// The legacyExchangeDN a re-created mailbox had before (migrated from 2010: display name).
pub fn old_legacy_dn(person: &Person) -> String {
    legacy_dn(&format!(
        "{}{}",
        &guid_from(person.alias, 7).replace('-', "")[..8],
        person.display_name
    ))
}

impl Org {
    /// Builds the sample organisation.
    pub fn sample() -> Org {
        let people = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, (name, alias))| Person {
                display_name: name,
                alias,
                server: if i % 2 == 0 { EX01 } else { EX02 },
                mailbox_guid: guid_from(alias, 1),
            })
            .collect();
        let groups = vec![
            Group {
                name: "Sales",
                alias: "sales",
                members: vec![
                    "adele.vance",
                    "alex.wilber",
                    "bianca.pisani",
                    "diego.siciliani",
                ],
                moderated_by: None,
                require_sender_authentication: false,
            },
            Group {
                name: "Support",
                alias: "support",
                members: vec![
                    "brian.johnson",
                    "cameron.white",
                    "grady.archie",
                    "lidia.holloway",
                ],
                moderated_by: None,
                require_sender_authentication: false,
            },
            // phoenix and phoenix-core contain each other and accept mail from outside: an
            // Internet message to phoenix gives EXPAND, EXPAND, DUPLICATEEXPAND.
            Group {
                name: "Project Phoenix",
                alias: "phoenix",
                members: vec!["diego.siciliani", "lee.gu", "phoenix-core"],
                moderated_by: None,
                require_sender_authentication: false,
            },
            Group {
                name: "Phoenix Core Team",
                alias: "phoenix-core",
                members: vec!["miriam.graham", "isaiah.langer", "phoenix"],
                moderated_by: None,
                require_sender_authentication: false,
            },
            // all-staff and managers contain each other: a harmless nested loop.
            Group {
                name: "All Staff",
                alias: "all-staff",
                members: vec!["sales", "support", "managers"],
                moderated_by: None,
                require_sender_authentication: true,
            },
            Group {
                name: "Managers",
                alias: "managers",
                members: vec!["megan.bowen", "christie.cline", "all-staff"],
                moderated_by: None,
                require_sender_authentication: true,
            },
            Group {
                name: "Board",
                alias: "board",
                members: vec!["megan.bowen", "debra.berger", "irvin.sayers"],
                moderated_by: Some(who::CEO),
                require_sender_authentication: true,
            },
            Group {
                name: "Finance Team",
                alias: "finance",
                members: vec!["emily.braun", "enrico.cattaneo", "johanna.lorenz"],
                moderated_by: None,
                require_sender_authentication: true,
            },
        ];
        let contacts = vec![
            Contact {
                name: "Fabrikam Orders",
                alias: "fabrikam.orders",
                external: "orders@fabrikam.com",
            },
            Contact {
                name: "Tailspin Support",
                alias: "tailspin.support",
                external: "support@tailspintoys.com",
            },
        ];
        Org {
            people,
            groups,
            contacts,
        }
    }

    pub fn person(&self, alias: &str) -> &Person {
        self.people
            .iter()
            .find(|p| p.alias == alias)
            .expect("scenario aliases are defined in PEOPLE")
    }

    pub fn group(&self, alias: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.alias == alias)
    }

    /// The current legacyExchangeDN of a person.
    pub fn current_dn(&self, person: &Person) -> String {
        legacy_dn(&format!(
            "{}-{}",
            person.mailbox_guid.replace('-', ""),
            person.alias
        ))
    }

    /// The directory snapshot of the organisation, in the format admins export.
    pub fn snapshot(&self) -> Snapshot {
        let mut recipients = Vec::new();
        for p in &self.people {
            let server = SERVERS[p.server];
            let mut r = Recipient {
                name: p.display_name.to_string(),
                alias: p.alias.to_string(),
                display_name: p.display_name.to_string(),
                recipient_type: "UserMailbox".into(),
                recipient_type_details: "UserMailbox".into(),
                primary_smtp_address: p.address(),
                email_addresses: vec![format!("SMTP:{}", p.address())],
                legacy_exchange_dn: self.current_dn(p),
                database: Some(if p.server == EX01 { "DB01" } else { "DB02" }.into()),
                server_name: Some(server.name.to_string()),
                ..Recipient::default()
            };
            // Everyone also has a first-initial alias (resolved by RESOLVE rows).
            let (first, last) = p.alias.split_once('.').unwrap_or((p.alias, ""));
            if !last.is_empty() {
                r.email_addresses
                    .push(format!("smtp:{}.{last}@{DOMAIN}", &first[..1]));
            }
            if p.alias == who::X500_FIXED.0 {
                r.email_addresses.push(format!("X500:{}", old_legacy_dn(p)));
            }
            match p.alias {
                who::FORWARDER => {
                    r.forwarding_address =
                        Some(self.person(who::FORWARD_TARGET).display_name.into())
                }
                who::LOOP_A => r.forwarding_address = Some(self.person(who::LOOP_B).address()),
                who::LOOP_B => r.forwarding_address = Some(self.person(who::LOOP_A).alias.into()),
                _ => {}
            }
            recipients.push(r);
        }
        for g in &self.groups {
            let members = g
                .members
                .iter()
                .map(|m| match self.group(m) {
                    Some(group) => group.address(),
                    None => self.person(m).address(),
                })
                .collect();
            recipients.push(Recipient {
                name: g.name.into(),
                alias: g.alias.into(),
                display_name: g.name.into(),
                recipient_type: "MailUniversalDistributionGroup".into(),
                recipient_type_details: "MailUniversalDistributionGroup".into(),
                primary_smtp_address: g.address(),
                email_addresses: vec![format!("SMTP:{}", g.address())],
                legacy_exchange_dn: legacy_dn(&format!(
                    "{}-{}",
                    guid_from(g.alias, 3).replace('-', ""),
                    g.alias
                )),
                require_sender_authentication_enabled: g.require_sender_authentication,
                moderation_enabled: g.moderated_by.is_some(),
                moderated_by: g
                    .moderated_by
                    .map(|m| vec![self.person(m).address()])
                    .unwrap_or_default(),
                members,
                report_to_originator_enabled: Some(true),
                managed_by: vec![self.person(who::CEO).display_name.into()],
                ..Recipient::default()
            });
        }
        // Monitoring mailboxes (`Get-Mailbox -Monitoring`), which the probes write to.
        for (i, address) in HEALTH_MAILBOXES.iter().enumerate() {
            let alias = address.split('@').next().unwrap_or(address);
            recipients.push(Recipient {
                name: alias.into(),
                alias: alias.into(),
                display_name: format!("HealthMailbox-{}-001", SERVERS[i].name),
                recipient_type: "UserMailbox".into(),
                recipient_type_details: "MonitoringMailbox".into(),
                primary_smtp_address: address.to_string(),
                email_addresses: vec![format!("SMTP:{address}")],
                legacy_exchange_dn: legacy_dn(alias),
                database: Some(if i == 0 { "DB01" } else { "DB02" }.into()),
                server_name: Some(SERVERS[i].name.to_string()),
                ..Recipient::default()
            });
        }
        for c in &self.contacts {
            let address = format!("{}@{DOMAIN}", c.alias);
            recipients.push(Recipient {
                name: c.name.into(),
                alias: c.alias.into(),
                display_name: c.name.into(),
                recipient_type: "MailContact".into(),
                recipient_type_details: "MailContact".into(),
                primary_smtp_address: address.clone(),
                email_addresses: vec![format!("SMTP:{address}"), format!("smtp:{}", c.external)],
                legacy_exchange_dn: legacy_dn(&format!(
                    "{}-{}",
                    guid_from(c.alias, 4).replace('-', ""),
                    c.alias
                )),
                external_email_address: Some(format!("SMTP:{}", c.external)),
                ..Recipient::default()
            });
        }
        Snapshot {
            accepted_domains: vec![
                AcceptedDomain {
                    domain_name: DOMAIN.into(),
                    domain_type: "Authoritative".into(),
                    default: true,
                },
                AcceptedDomain {
                    domain_name: "fabrikam-partners.com".into(),
                    domain_type: "InternalRelay".into(),
                    default: false,
                },
            ],
            recipients,
            transport_config: None,
        }
    }
}
