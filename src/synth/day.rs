//! One day of mail at Contoso: ordinary traffic plus every scenario the later features must
//! explain (groups and a nested loop, forwarding and a broken forwarding loop, IMCEAEX
//! failures after mailbox re-creation, moderation, DEFER, Safety Net, a full mailbox, …).

use chrono::{NaiveDate, TimeZone, Utc};

use super::flows::{Envelope, Gen, Outcome};
use super::org::{DOMAIN, EX01, HEALTH_MAILBOXES, Org, old_legacy_dn, who};
use super::rows::{Emitted, Message};
use crate::format::imcea;

/// How much ordinary traffic a generated day has.
#[derive(Debug, Clone, Copy)]
pub struct DayPlan {
    /// UTC date of the day.
    pub date: NaiveDate,
    /// Ordinary messages (the scenarios come on top).
    pub messages: usize,
    /// Health-mailbox probes per mailbox server.
    pub probes_per_server: usize,
    /// The seed.
    pub seed: u64,
}

impl DayPlan {
    /// The shipped sample: Friday 2026-11-20.
    pub fn sample() -> DayPlan {
        DayPlan {
            date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"),
            messages: 330,
            probes_per_server: 48,
            seed: 20261120,
        }
    }
}

const SUBJECTS: [&str; 24] = [
    "Weekly status",
    "Re: Q4 budget, final numbers",
    "Lunch, Friday?",
    "Invoice #4471 \"overdue\"",
    "FW: \"Project Falcon\" kickoff, agenda attached",
    "분기별 보고서 검토 요청",
    "Re: 회의 일정 변경 안내",
    "Café meeting notes — action items",
    "Out of office: back Monday",
    "Contract draft v3",
    "Re: Re: shipping delay; customer escalation",
    "Team offsite 12/04",
    "Your order 88213 has shipped",
    "Password expiry reminder",
    "Re: server maintenance window (Saturday 02:00-04:00)",
    "Expense report, October",
    "Quarterly review: \"what went well\"",
    "Training: Exchange 2019 CU15 upgrade",
    "Photos from the trade fair",
    "Re: pricing for 500 units",
    "New hire onboarding – Johanna",
    "Board pack, draft",
    "Support ticket 20291 updated",
    "Newsletter: November edition",
];

const EXTERNAL_SENDERS: [(&str, &str, &str); 8] = [
    ("j.doe@fabrikam.com", "mail.fabrikam.com", "198.51.100.23"),
    (
        "orders@tailspintoys.com",
        "smtp.tailspintoys.com",
        "203.0.113.40",
    ),
    (
        "newsletter@adatum.com",
        "out-7.mta.adatum.com",
        "192.0.2.77",
    ),
    (
        "kim.minji@wingtiptoys.co.kr",
        "mx.wingtiptoys.co.kr",
        "203.0.113.88",
    ),
    (
        "alerts@northwindtraders.com",
        "mail.northwindtraders.com",
        "198.51.100.141",
    ),
    (
        "p.schmidt@litware.example",
        "mail.litware.example",
        "203.0.113.50",
    ),
    (
        "billing@woodgrovebank.com",
        "smtp1.woodgrovebank.com",
        "192.0.2.201",
    ),
    ("hr@proseware.com", "mail.proseware.com", "198.51.100.66"),
];

const EXTERNAL_RECIPIENTS: [&str; 7] = [
    "j.doe@fabrikam.com",
    "sales@tailspintoys.com",
    "kim.minji@wingtiptoys.co.kr",
    "p.schmidt@litware.example",
    "team@adventure-works.com",
    "accounts@woodgrovebank.com",
    "info@proseware.com",
];

/// Generates the day's events (unsorted; the file writer orders them).
pub fn generate(plan: &DayPlan) -> Vec<Emitted> {
    let mut g = Gen::new(Org::sample(), plan.seed);
    g.quota_exceeded
        .insert(g.org.person("irvin.sayers").address());
    g.deferring_domains.insert("litware.example".into());
    let day_start = Utc
        .from_utc_datetime(&plan.date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .timestamp_millis();
    let at = |h: i64, m: i64, s: i64| day_start + ((h * 60 + m) * 60 + s) * 1000;

    // Ordinary traffic, mostly in working hours.
    let mut times: Vec<i64> = (0..plan.messages)
        .map(|_| {
            let hour = if g.rng.u8(0..10) < 8 {
                g.rng.i64(7..18)
            } else {
                g.rng.i64(0..24)
            };
            at(hour, g.rng.i64(0..60), g.rng.i64(0..60)) + g.rng.i64(0..1000)
        })
        .collect();
    times.sort_unstable();
    for t in times {
        match g.rng.u8(0..100) {
            0..=39 => internal(&mut g, t),
            40..=74 => inbound(&mut g, t),
            _ => outbound(&mut g, t),
        }
    }

    // Health-mailbox probes: the noise every Exchange log has.
    for (i, probe) in HEALTH_MAILBOXES.iter().enumerate() {
        for n in 0..plan.probes_per_server {
            let t = day_start
                + (n as i64) * (86_400_000 / plan.probes_per_server.max(1) as i64)
                + 7_000
                + i as i64 * 91_000;
            probe_message(&mut g, t, probe, if i == 0 { "EX01" } else { "EX02" });
        }
    }

    scenarios(&mut g, &at);
    g.events
}

fn pick<'a, T>(g: &mut Gen, items: &'a [T]) -> &'a T {
    &items[g.rng.usize(0..items.len())]
}

fn new_message(g: &mut Gen, t: i64, sender: &str, subject: &str, incoming: bool) -> Message {
    let domain = sender
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| DOMAIN.into());
    let size = if g.rng.u8(0..20) == 0 {
        g.rng.i64(500_000..3_000_000)
    } else {
        g.rng.i64(3_000..120_000)
    };
    Message {
        message_id: g.message_id(&domain),
        network_id: g.guid(),
        subject: subject.to_string(),
        sender: sender.to_string(),
        return_path: sender.to_string(),
        size,
        directionality: if incoming { "Incoming" } else { "Originating" },
        arrived_ms: t,
        submitted_ms: (!incoming).then_some(t - 300),
    }
}

/// People whose mail is scripted (forwarding, loops, re-created and full mailboxes): ordinary
/// traffic leaves them alone so that each scenario happens exactly as written.
const SCRIPTED: [&str; 6] = [
    who::FORWARDER,
    who::LOOP_A,
    who::LOOP_B,
    who::RECREATED[0],
    who::RECREATED[1],
    "irvin.sayers",
];

fn random_person(g: &mut Gen) -> String {
    loop {
        let alias = g.org.people[g.rng.usize(0..g.org.people.len())].alias;
        if !SCRIPTED.contains(&alias) {
            return alias.to_string();
        }
    }
}

/// A recipient address for ordinary traffic: a person (sometimes by proxy), sometimes a group.
fn random_internal_recipient(g: &mut Gen) -> String {
    let alias = random_person(g);
    match g.rng.u8(0..20) {
        0 | 1 => ["sales", "support"][g.rng.usize(0..2)].to_string() + "@" + DOMAIN,
        2 => {
            let (first, last) = alias.split_once('.').unwrap_or((&alias, ""));
            format!("{}.{last}@{DOMAIN}", &first[..1])
        }
        _ => g.org.person(&alias).address(),
    }
}

fn subject(g: &mut Gen) -> String {
    pick(g, &SUBJECTS).to_string()
}

/// A mailbox user writes to colleagues.
fn internal(g: &mut Gen, t: i64) {
    let sender = random_person(g);
    let count = 1 + g.rng.usize(0..3);
    let mut rcpts: Vec<String> = (0..count).map(|_| random_internal_recipient(g)).collect();
    rcpts.dedup();
    let subject = subject(g);
    let address = g.org.person(&sender).address();
    let msg = new_message(g, t, &address, &subject, false);
    submit_and_route(g, t, &msg, &sender, rcpts, Vec::new());
}

/// Mail from the Internet through the Edge.
fn inbound(g: &mut Gen, t: i64) {
    let (sender, host, ip) = *pick(g, &EXTERNAL_SENDERS);
    let count = 1 + g.rng.usize(0..2);
    let mut rcpts: Vec<String> = (0..count).map(|_| random_internal_recipient(g)).collect();
    rcpts.dedup();
    let subject = subject(g);
    let msg = new_message(g, t, sender, &subject, true);
    arrive_and_route(g, t, &msg, host, ip, rcpts);
}

/// A mailbox user writes outside.
fn outbound(g: &mut Gen, t: i64) {
    let sender = random_person(g);
    let count = 1 + g.rng.usize(0..2);
    let mut rcpts: Vec<String> = (0..count)
        .map(|_| pick(g, &EXTERNAL_RECIPIENTS).to_string())
        .filter(|r| !r.ends_with("litware.example"))
        .collect();
    if rcpts.is_empty() {
        rcpts.push(EXTERNAL_RECIPIENTS[0].into());
    }
    rcpts.dedup();
    let subject = subject(g);
    let address = g.org.person(&sender).address();
    let msg = new_message(g, t, &address, &subject, false);
    submit_and_route(g, t, &msg, &sender, rcpts, Vec::new());
}

/// Submission from a mailbox, categorization, delivery.
fn submit_and_route(
    g: &mut Gen,
    t: i64,
    msg: &Message,
    sender_alias: &str,
    rcpts: Vec<String>,
    approved: Vec<String>,
) -> Vec<Outcome> {
    let mut clock = t;
    let (s, mut id) = g.submit_from_mailbox(&mut clock, msg, sender_alias, &rcpts);
    let env = Envelope {
        msg,
        recipients: rcpts,
        authenticated: true,
        approved,
    };
    let outcomes = g.categorize(&mut clock, s, &mut id, &env);
    g.route(&mut clock, s, msg, &id, &outcomes);
    outcomes
}

/// Arrival from the Internet, categorization, delivery.
fn arrive_and_route(g: &mut Gen, t: i64, msg: &Message, host: &str, ip: &str, rcpts: Vec<String>) {
    let mut clock = t;
    let (s, mut id) = g.receive_from_internet(&mut clock, msg, ip, host, &rcpts);
    let env = Envelope {
        msg,
        recipients: rcpts,
        authenticated: false,
        approved: Vec::new(),
    };
    let outcomes = g.categorize(&mut clock, s, &mut id, &env);
    g.route(&mut clock, s, msg, &id, &outcomes);
}

/// A managed-availability probe: a health mailbox mails itself through its own server.
fn probe_message(g: &mut Gen, t: i64, probe: &str, server_name: &str) {
    let s = if server_name == "EX01" { 0 } else { 1 };
    let subject = format!("MessageDeliveryProbe-{}", g.guid());
    let mut msg = new_message(g, t, probe, &subject, false);
    msg.size = 2_800 + g.rng.i64(0..200);
    let mut clock = t;
    let client = super::org::SERVERS[s];
    let rcpts = vec![probe.to_string()];
    // Probes come in over SMTP from the server's own Front End.
    let connector = format!("{}\\Client Proxy {}", client.name, client.name);
    let id = g.smtp_receive(
        &mut clock,
        &msg,
        s,
        client.ip,
        &client.fqdn(),
        &connector,
        "04I: ",
        &rcpts,
    );
    let outcomes = vec![Outcome::Mailbox {
        address: probe.to_string(),
        server: s,
    }];
    g.route(&mut clock, s, &msg, &id, &outcomes);
}

/// The scenarios, at fixed times so that the sample's answers are stable.
fn scenarios(g: &mut Gen, at: &dyn Fn(i64, i64, i64) -> i64) {
    let addr = |g: &Gen, alias: &str| g.org.person(alias).address();

    // Forwarding: Nestor forwards everything to Lee (REDIRECT).
    let (s, host, ip) = EXTERNAL_SENDERS[0];
    let msg = new_message(g, at(8, 12, 31), s, "Re: pricing for 500 units", true);
    let to = addr(g, who::FORWARDER);
    arrive_and_route(g, at(8, 12, 31), &msg, host, ip, vec![to.clone()]);
    let from = addr(g, "adele.vance");
    let msg = new_message(g, at(9, 5, 2), &from, "Handover notes, please read", false);
    submit_and_route(g, at(9, 5, 2), &msg, "adele.vance", vec![to], Vec::new());

    // A broken forwarding loop: Raul → Pradeep → Raul (REDIRECT, REDIRECT, FAIL 5.4.6 + NDR).
    let from = addr(g, "alex.wilber");
    let msg = new_message(
        g,
        at(10, 31, 44),
        &from,
        "Contract draft v3, comments by Monday",
        false,
    );
    let loop_a = addr(g, who::LOOP_A);
    submit_and_route(
        g,
        at(10, 31, 44),
        &msg,
        "alex.wilber",
        vec![loop_a],
        Vec::new(),
    );
    let (s, host, ip) = EXTERNAL_SENDERS[7];
    let msg = new_message(g, at(15, 47, 9), s, "Payroll question", true);
    let loop_b = addr(g, who::LOOP_B);
    arrive_and_route(g, at(15, 47, 9), &msg, host, ip, vec![loop_b]);

    // IMCEAEX failures: replies to old items of the re-created mailboxes.
    let stale: Vec<String> = who::RECREATED
        .iter()
        .map(|alias| {
            let p = g.org.person(alias).clone();
            imcea::encode("EX", &old_legacy_dn(&p), DOMAIN)
        })
        .collect();
    let replies: [(i64, i64, &str, usize, Option<&str>); 8] = [
        (9, 14, "adele.vance", 0, None),
        (9, 40, "brian.johnson", 0, Some("megan.bowen")),
        (11, 2, "adele.vance", 0, None),
        (13, 25, "christie.cline", 0, None),
        (14, 51, "delia.dennis", 0, Some("lee.gu")),
        (16, 10, "brian.johnson", 0, None),
        (10, 48, "emily.braun", 1, None),
        (15, 3, "gerhart.moller", 1, Some("johanna.lorenz")),
    ];
    for (h, m, sender, target, other) in replies {
        let from = addr(g, sender);
        let subject = if target == 0 {
            "RE: Q3 figures, Joe's comments"
        } else {
            "AW: Lieferantenliste (Ana)"
        };
        let msg = new_message(g, at(h, m, 17), &from, subject, false);
        let mut rcpts = vec![stale[target].clone()];
        if let Some(o) = other {
            rcpts.push(addr(g, o));
        }
        submit_and_route(g, at(h, m, 17), &msg, sender, rcpts, Vec::new());
    }

    // An Internet sender to phoenix, whose member group phoenix-core contains phoenix again:
    // EXPAND phoenix, EXPAND phoenix-core, DUPLICATEEXPAND phoenix; each member gets one copy.
    let (s, host, ip) = EXTERNAL_SENDERS[5];
    let msg = new_message(
        g,
        at(9, 51, 26),
        s,
        "Phoenix kickoff: agenda and dial-in",
        true,
    );
    arrive_and_route(
        g,
        at(9, 51, 26),
        &msg,
        host,
        ip,
        vec![format!("phoenix@{DOMAIN}")],
    );

    // The CEO writes to all-staff: nested groups with a loop (EXPAND + DUPLICATEEXPAND).
    let ceo = addr(g, who::CEO);
    let msg = new_message(
        g,
        at(10, 0, 5),
        &ceo,
        "Company update: Q4 priorities",
        false,
    );
    submit_and_route(
        g,
        at(10, 0, 5),
        &msg,
        who::CEO,
        vec![format!("all-staff@{DOMAIN}")],
        Vec::new(),
    );

    // An Internet sender to the secured all-staff group (FAIL 5.7.1 AuthRequired + NDR out).
    let (s, host, ip) = EXTERNAL_SENDERS[4];
    let msg = new_message(g, at(12, 20, 40), s, "Service notice, all employees", true);
    arrive_and_route(
        g,
        at(12, 20, 40),
        &msg,
        host,
        ip,
        vec![format!("all-staff@{DOMAIN}")],
    );

    // Moderation: Diego writes to the moderated board group; the CEO approves. A second message
    // is rejected.
    for (h, m, subject, approve) in [
        (11, 15, "Board pack, draft", true),
        (15, 5, "Proposal: move offsite to Q1", false),
    ] {
        let from = addr(g, "diego.siciliani");
        let t = at(h, m, 12);
        let msg = new_message(g, t, &from, subject, false);
        let board = format!("board@{DOMAIN}");
        submit_and_route(
            g,
            t,
            &msg,
            "diego.siciliani",
            vec![board.clone()],
            Vec::new(),
        );
        // The approval request the arbitration mailbox sends to the moderator.
        let mut request = new_message(
            g,
            t + 4_000,
            super::org::ARBITRATION,
            &format!("Approval requested: {subject}"),
            false,
        );
        request.return_path = super::org::ARBITRATION.into();
        let mut clock = t + 4_000;
        let id = g.internal_submission(&mut clock, &request, EX01, std::slice::from_ref(&ceo));
        let outcomes = vec![Outcome::Mailbox {
            address: ceo.clone(),
            server: g.org.person(who::CEO).server,
        }];
        g.route(&mut clock, EX01, &request, &id, &outcomes);
        let decided = t + 26 * 60_000;
        g.moderator_decision(decided, &msg, &board, &ceo, approve);
        let mut clock = decided + 2_000;
        if approve {
            let mut id =
                g.internal_submission(&mut clock, &msg, EX01, std::slice::from_ref(&board));
            let env = Envelope {
                msg: &msg,
                recipients: vec![board.clone()],
                authenticated: true,
                approved: vec![board.clone()],
            };
            let outcomes = g.categorize(&mut clock, EX01, &mut id, &env);
            g.route(&mut clock, EX01, &msg, &id, &outcomes);
        } else {
            let id = g.internal_submission(&mut clock, &msg, EX01, std::slice::from_ref(&board));
            g.fail_with_ndr(
                &mut clock,
                EX01,
                &msg,
                &id,
                &[(
                    board.clone(),
                    crate::format::status::text::REJECTED_BY_MODERATOR.into(),
                )],
                "APPROVAL",
            );
        }
    }

    // Outbound mail to a partner whose server is struggling: two DEFERs, then delivered.
    let from = addr(g, "johanna.lorenz");
    let msg = new_message(
        g,
        at(13, 2, 51),
        &from,
        "Lieferantenliste, aktualisiert",
        false,
    );
    submit_and_route(
        g,
        at(13, 2, 51),
        &msg,
        "johanna.lorenz",
        vec!["p.schmidt@litware.example".into()],
        Vec::new(),
    );

    // A full mailbox: deliveries to Irvin fail with 554 5.2.2 (SMTP FAIL + NDR).
    let from = addr(g, "lynne.robbins");
    let msg = new_message(g, at(9, 33, 3), &from, "Photos from the trade fair", false);
    let irvin = addr(g, "irvin.sayers");
    submit_and_route(
        g,
        at(9, 33, 3),
        &msg,
        "lynne.robbins",
        vec![irvin.clone(), addr(g, "lee.gu")],
        Vec::new(),
    );
    let (s, host, ip) = EXTERNAL_SENDERS[2];
    let msg = new_message(g, at(14, 2, 19), s, "Newsletter: November edition", true);
    arrive_and_route(g, at(14, 2, 19), &msg, host, ip, vec![irvin]);

    // An Internet sender to a mailbox that does not exist (RecipNotFound + NDR out).
    let (s, host, ip) = EXTERNAL_SENDERS[3];
    let msg = new_message(g, at(7, 48, 0), s, "분기별 보고서 검토 요청", true);
    arrive_and_route(
        g,
        at(7, 48, 0),
        &msg,
        host,
        ip,
        vec![format!("k.lee@{DOMAIN}")],
    );

    // Mail to a contact (RESOLVE to the external address, then out through the Edge).
    let from = addr(g, "mario.rogers");
    let msg = new_message(
        g,
        at(11, 37, 29),
        &from,
        "PO 7781, revised quantities",
        false,
    );
    submit_and_route(
        g,
        at(11, 37, 29),
        &msg,
        "mario.rogers",
        vec![format!("fabrikam.orders@{DOMAIN}")],
        Vec::new(),
    );

    // A database failover on EX02 at 14:30: Safety Net resubmits the last hour's deliveries.
    let mut clock = at(14, 31, 5);
    g.safety_net(&mut clock, at(13, 30, 0));

    // The null sender never gets an NDR: a bounce to an unknown address is only FAILed.
    let (_, host, ip) = EXTERNAL_SENDERS[1];
    let mut msg = new_message(
        g,
        at(17, 12, 45),
        "MAILER-DAEMON@smtp.tailspintoys.com",
        "Undelivered Mail Returned to Sender",
        true,
    );
    msg.return_path = "<>".into();
    arrive_and_route(
        g,
        at(17, 12, 45),
        &msg,
        host,
        ip,
        vec![format!("old.account@{DOMAIN}")],
    );
}
