//! The categorizer replay: the worked scenarios of categorizer.md §15 (envelope + snapshot →
//! rows), and the stories in sample-logs/ explained end to end, with and without the snapshot.

use std::collections::{BTreeMap, HashSet};

use msgtrack::directory::{Directory, Snapshot};
use msgtrack::format::status::text;
use msgtrack::frame::events::{event_columns, events};
use msgtrack::ingest::{ReadOptions, read_paths};
use msgtrack::replay::categorizer::{Envelope, Outcome, Prediction, categorize};
use msgtrack::replay::{self, Reason};

use crate::util::sample_logs_dir;

/// A snapshot of contoso.com (authoritative, default) and fabrikam.com (internal relay) with
/// the given recipients (JSON objects in Exchange's property names).
fn directory(recipients: &str) -> Directory {
    let json = format!(
        r#"{{"AcceptedDomains":[{{"DomainName":"contoso.com","DomainType":"Authoritative","Default":true}},
            {{"DomainName":"fabrikam.com","DomainType":"InternalRelay","Default":false}}],
            "Recipients":[{recipients}]}}"#
    );
    Directory::new(Snapshot::from_json(&json).expect("fixture snapshot parses"))
}

fn mailbox(alias: &str, extra: &str) -> String {
    let proxies = if extra.contains("EmailAddresses") {
        String::new()
    } else {
        format!(r#""EmailAddresses":["SMTP:{alias}@contoso.com"],"#)
    };
    format!(
        r#"{{"Name":"{alias}","Alias":"{alias}","RecipientType":"UserMailbox","PrimarySmtpAddress":"{alias}@contoso.com",
            {proxies}"LegacyExchangeDN":"/o=C/ou=AG/cn=Recipients/cn={alias}"{extra}}}"#
    )
}

fn group(alias: &str, members: &[&str], extra: &str) -> String {
    let members: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    format!(
        r#"{{"Name":"{alias}","Alias":"{alias}","RecipientType":"MailUniversalDistributionGroup","PrimarySmtpAddress":"{alias}@contoso.com",
            "EmailAddresses":["SMTP:{alias}@contoso.com"],"Members":[{}]{extra}}}"#,
        members.join(",")
    )
}

fn sam() -> String {
    mailbox("sam", "")
}

fn env(rcpts: &[&str]) -> Envelope {
    Envelope {
        sender: "sam@contoso.com".into(),
        recipients: rcpts.iter().map(|r| r.to_string()).collect(),
        size_bytes: Some(20_000),
        authenticated: true,
        ..Envelope::default()
    }
}

/// The rows as `EVENT related→recipients status-key` lines, in order.
fn rows(p: &Prediction) -> Vec<String> {
    p.rows
        .iter()
        .map(|r| {
            let key = msgtrack::format::status::Status::parse(&r.status)
                .key()
                .to_string();
            format!(
                "{} {}→{} {}",
                r.event_id,
                r.related,
                r.recipients.join(";"),
                key
            )
            .trim_end()
            .to_string()
        })
        .collect()
}

fn outcome(p: &Prediction, address: &str) -> Vec<Outcome> {
    p.reached
        .iter()
        .filter(|r| r.address.eq_ignore_ascii_case(address))
        .map(|r| r.outcome)
        .collect()
}

#[test]
fn sc1_sc3_a_proxy_resolves_to_the_primary_once() {
    let d = directory(
        &[
            sam(),
            mailbox(
                "alice",
                r#","EmailAddresses":["SMTP:alice@contoso.com","smtp:a.smith@contoso.com"]"#,
            ),
        ]
        .join(","),
    );
    let p = categorize(&d, &env(&["a.smith@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["RESOLVE a.smith@contoso.com→alice@contoso.com"]
    );
    assert_eq!(p.rows[0].reason, Reason::ProxyToPrimary);
    assert_eq!(outcome(&p, "alice@contoso.com"), vec![Outcome::Delivered]);
    // SC3: both aliases on one envelope: one RESOLVE, one delivery.
    let p = categorize(&d, &env(&["a.smith@contoso.com", "alice@contoso.com"]));
    assert_eq!(p.rows.len(), 1);
    assert_eq!(outcome(&p, "alice@contoso.com"), vec![Outcome::Delivered]);
}

#[test]
fn sc4_sc5_unknown_addresses_fail_only_in_authoritative_domains() {
    let d = directory(&sam());
    let p = categorize(
        &d,
        &env(&["nobody@contoso.com", "x@fabrikam.com", "y@gmail.com"]),
    );
    assert_eq!(
        rows(&p),
        vec!["FAIL →nobody@contoso.com RESOLVER.ADR.RecipNotFound"]
    );
    assert_eq!(p.rows[0].reason, Reason::RecipientNotFound);
    assert_eq!(outcome(&p, "x@fabrikam.com"), vec![Outcome::Relayed]);
    assert_eq!(outcome(&p, "y@gmail.com"), vec![Outcome::Relayed]);
}

const JOE_DN: &str =
    "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Joe Bloggs";
const JOE_IMCEA: &str = "IMCEAEX-_o=Contoso_ou=Exchange+20Administrative+20Group+20+28FYDIBOHF23SPDLT+29_cn=Recipients_cn=Joe+20Bloggs@contoso.com";

#[test]
fn sc6_stale_legacy_dn_fails_and_names_the_x500_fix_then_resolves_once_added() {
    let joe = |proxies: &str| {
        format!(
            r#"{{"Name":"Joe Bloggs","Alias":"joe","RecipientType":"UserMailbox","PrimarySmtpAddress":"joe@contoso.com",
                "EmailAddresses":["SMTP:joe@contoso.com"{proxies}],"LegacyExchangeDN":"/o=Contoso/ou=AG/cn=Recipients/cn=0a1b-joe"}}"#
        )
    };
    let before = directory(&[sam(), joe("")].join(","));
    let p = categorize(&before, &env(&[JOE_IMCEA]));
    assert_eq!(
        rows(&p),
        vec![format!("FAIL →{JOE_IMCEA} RESOLVER.ADR.ExRecipNotFound")]
    );
    assert_eq!(p.rows[0].reason, Reason::ImceaLegacydnNotFound);
    assert!(
        p.rows[0].sentence.contains(&format!("X500:{JOE_DN}")),
        "{}",
        p.rows[0].sentence
    );
    assert!(
        p.rows[0].sentence.contains("joe@contoso.com"),
        "names the mailbox: {}",
        p.rows[0].sentence
    );
    // SC6b: the X500 proxy is added.
    let after = directory(&[sam(), joe(&format!(r#","X500:{JOE_DN}""#))].join(","));
    let p = categorize(&after, &env(&[JOE_IMCEA]));
    assert_eq!(
        rows(&p),
        vec![format!("RESOLVE {JOE_IMCEA}→joe@contoso.com")]
    );
    assert_eq!(p.rows[0].reason, Reason::X500ProxyMatch);
    assert_eq!(outcome(&p, "joe@contoso.com"), vec![Outcome::Delivered]);
    // SC6c: the same local part in another domain is not unwrapped: fabrikam relays it.
    let other = JOE_IMCEA.replace("@contoso.com", "@fabrikam.com");
    let p = categorize(&after, &env(&[&other]));
    assert!(p.rows.is_empty());
    assert_eq!(outcome(&p, &other), vec![Outcome::Relayed]);
    // A legacyExchangeDN that is the object's own resolves as such.
    let own = "IMCEAEX-_o=Contoso_ou=AG_cn=Recipients_cn=0a1b-joe@contoso.com";
    let p = categorize(&after, &env(&[own]));
    assert_eq!(p.rows[0].reason, Reason::LegacydnMatch);
}

#[test]
fn sc7_imceasmtp_is_rejected() {
    let d = directory(&sam());
    let p = categorize(&d, &env(&["IMCEASMTP-bob+40fabrikam+2Ecom@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["FAIL →IMCEASMTP-bob+40fabrikam+2Ecom@contoso.com RESOLVER.ADR.SmtpInSmtp"]
    );
    assert_eq!(p.rows[0].reason, Reason::SmtpInSmtp);
}

#[test]
fn sc8_an_ambiguous_proxy_is_deferred_and_the_rest_proceeds() {
    let help = r#","EmailAddresses":["SMTP:x@contoso.com","smtp:help@contoso.com"]"#;
    let d = directory(
        &[
            sam(),
            mailbox("h1", help),
            mailbox("h2", &help.replace("x@", "y@")),
            mailbox("alice", ""),
        ]
        .join(","),
    );
    let p = categorize(&d, &env(&["help@contoso.com", "alice@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["DEFER →help@contoso.com RESOLVER.ADR.Ambiguous"]
    );
    assert_eq!(p.rows[0].reason, Reason::AmbiguousRecipient);
    assert_eq!(outcome(&p, "alice@contoso.com"), vec![Outcome::Delivered]);
}

#[test]
fn sc9_sc11_groups_expand_depth_first_and_a_revisited_group_is_a_duplicateexpand() {
    let d = directory(
        &[
            sam(),
            mailbox("bob", ""),
            mailbox("carol", ""),
            mailbox("dave", ""),
            mailbox("erin", ""),
            group("sales", &["bob", "carol@contoso.com"], ""),
            group("a", &["b", "c"], ""),
            group("b", &["c", "dave"], ""),
            group("c", &["Erin"], ""),
        ]
        .join(","),
    );
    let p = categorize(&d, &env(&["sales@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["EXPAND sales@contoso.com→bob@contoso.com;carol@contoso.com RESOLVER.GRP.Expanded"]
    );
    // SC11: A={B,C}, B={C,dave}, C={erin}: C popped first, then B with C as a duplicate.
    let p = categorize(&d, &env(&["a@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec![
            "EXPAND a@contoso.com→b@contoso.com;c@contoso.com RESOLVER.GRP.Expanded",
            "EXPAND c@contoso.com→erin@contoso.com RESOLVER.GRP.Expanded",
            "EXPAND b@contoso.com→dave@contoso.com RESOLVER.GRP.Expanded",
            "DUPLICATEEXPAND b@contoso.com→c@contoso.com RESOLVER.GRP.Expanded",
        ]
    );
    assert_eq!(p.rows[3].reason, Reason::GroupAlreadyExpanded);
    assert_eq!(outcome(&p, "erin@contoso.com"), vec![Outcome::Delivered]);
    assert_eq!(outcome(&p, "dave@contoso.com"), vec![Outcome::Delivered]);
}

#[test]
fn a_group_cycle_from_outside_gives_expand_expand_duplicateexpand_and_one_copy_each() {
    let d = directory(
        &[
            mailbox("m1", ""),
            mailbox("m2", ""),
            group("g1", &["m1", "g2"], ""),
            group("g2", &["m2", "g1"], ""),
        ]
        .join(","),
    );
    let mut e = env(&["g1@contoso.com"]);
    e.sender = "x@gmail.com".into();
    e.authenticated = false;
    let p = categorize(&d, &e);
    let events: Vec<&str> = p.rows.iter().map(|r| r.event_id).collect();
    assert_eq!(events, vec!["EXPAND", "EXPAND", "DUPLICATEEXPAND"]);
    assert_eq!(p.rows[2].recipients, vec!["g1@contoso.com"]);
    for m in ["m1@contoso.com", "m2@contoso.com"] {
        assert_eq!(outcome(&p, m), vec![Outcome::Delivered], "{m} once");
    }
}

#[test]
fn sc13_sc15_sc17_forwarding_and_its_loops() {
    let d = directory(
        &[
            sam(),
            mailbox("a", r#","ForwardingAddress":"b""#),
            mailbox("b", ""),
            mailbox("x", r#","ForwardingAddress":"y@contoso.com""#),
            mailbox("y", r#","ForwardingAddress":"contoso.com/Users/x""#),
            mailbox(
                "k",
                r#","ForwardingAddress":"deleted.user","DeliverToMailboxAndForward":"True""#,
            ),
            mailbox("z", r#","ForwardingAddress":"deleted.user""#),
            mailbox(
                "both",
                r#","ForwardingAddress":"b","DeliverToMailboxAndForward":true"#,
            ),
        ]
        .join(","),
    );
    // SC13 forward only.
    let p = categorize(&d, &env(&["a@contoso.com"]));
    assert_eq!(rows(&p), vec!["REDIRECT b@contoso.com→a@contoso.com"]);
    assert_eq!(p.rows[0].reason, Reason::ForwardingAddress);
    assert_eq!(outcome(&p, "b@contoso.com"), vec![Outcome::Delivered]);
    assert_eq!(outcome(&p, "a@contoso.com"), vec![Outcome::Redirected]);
    // SC15 broken loop: REDIRECT x→y, REDIRECT y→x, FAIL x with 5.4.6; nothing delivered.
    let p = categorize(&d, &env(&["x@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec![
            "REDIRECT y@contoso.com→x@contoso.com",
            "REDIRECT x@contoso.com→y@contoso.com",
            "FAIL →x@contoso.com RESOLVER.FWD.Loop",
        ]
    );
    assert_eq!(p.rows[2].reason, Reason::ForwardingLoop);
    assert!(p.reached.iter().all(|r| r.outcome != Outcome::Delivered));
    // SC17 missing target: FAIL FWD.NotFound; with deliver-and-forward, REDIRECT k→k and delivered.
    let p = categorize(&d, &env(&["z@contoso.com"]));
    assert_eq!(rows(&p), vec!["FAIL →z@contoso.com RESOLVER.FWD.NotFound"]);
    let p = categorize(&d, &env(&["k@contoso.com"]));
    assert_eq!(rows(&p), vec!["REDIRECT k@contoso.com→k@contoso.com"]);
    assert_eq!(outcome(&p, "k@contoso.com"), vec![Outcome::Delivered]);
    // Deliver and forward: two REDIRECT rows, both delivered.
    let p = categorize(&d, &env(&["both@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec![
            "REDIRECT both@contoso.com→both@contoso.com",
            "REDIRECT b@contoso.com→both@contoso.com"
        ]
    );
    assert!(p.rows.iter().all(|r| r.reason == Reason::DeliverAndForward));
    assert_eq!(outcome(&p, "both@contoso.com"), vec![Outcome::Delivered]);
    assert_eq!(outcome(&p, "b@contoso.com"), vec![Outcome::Delivered]);
}

#[test]
fn sc18_sc24_sc25_sc26_size_and_recipient_limits() {
    let d = directory(
        &[
            sam(),
            mailbox(
                "a",
                r#","MaxReceiveSize":"1 MB (1,048,576 bytes)","ForwardingAddress":"b""#,
            ),
            mailbox("b", ""),
            mailbox("m1", r#","MaxReceiveSize":"2MB""#),
            mailbox("m2", ""),
            group("dl", &["m1", "m2"], ""),
        ]
        .join(","),
    );
    let sized = |bytes: i64, rcpts: &[&str]| {
        let mut e = env(rcpts);
        e.size_bytes = Some(bytes);
        e
    };
    // SC18: restrictions run before forwarding: no REDIRECT.
    let p = categorize(&d, &sized(5 << 20, &["a@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["FAIL →a@contoso.com RESOLVER.RST.RecipSizeLimit"]
    );
    assert_eq!(p.rows[0].reason, Reason::RecipientSizeLimit);
    // SC24: inside a DL only the small member fails.
    let p = categorize(&d, &sized(3 << 20, &["dl@contoso.com"]));
    assert_eq!(
        rows(&p)[1],
        "FAIL →m1@contoso.com RESOLVER.RST.RecipSizeLimit"
    );
    assert_eq!(outcome(&p, "m2@contoso.com"), vec![Outcome::Delivered]);
    // SC25: over the org's 10 MB send size: everyone fails, no EXPAND.
    let p = categorize(&d, &sized(15 << 20, &["m2@contoso.com", "dl@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec![
            "FAIL →m2@contoso.com RESOLVER.RST.SendSizeLimit.Org",
            "FAIL →dl@contoso.com RESOLVER.RST.SendSizeLimit.Org"
        ]
    );
    assert!(p.rows.iter().all(|r| r.reason == Reason::SenderSizeLimit));
    // SC26: 501 envelope recipients against the default limit of 500.
    let many: Vec<String> = (0..501).map(|i| format!("u{i}@gmail.com")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let p = categorize(&d, &env(&refs));
    assert_eq!(p.rows.len(), 501);
    assert!(
        p.rows
            .iter()
            .all(|r| r.status == text::RECIP_LIMIT && r.reason == Reason::RecipientLimit)
    );
    let p = categorize(&d, &env(&refs[..500]));
    assert!(p.rows.is_empty());
}

#[test]
fn sc19_sc22_contacts_and_secured_groups() {
    let d = directory(
        &[
            sam(),
            r#"{"Name":"Carl","Alias":"c.ext","RecipientType":"MailContact","PrimarySmtpAddress":"c.ext@contoso.com",
                "EmailAddresses":["SMTP:c.ext@contoso.com","smtp:carl@fabrikam.com"],"ExternalEmailAddress":"SMTP:carl@fabrikam.com"}"#.to_string(),
            group("team", &["sam"], r#","RequireSenderAuthenticationEnabled":true"#),
        ]
        .join(","),
    );
    let p = categorize(&d, &env(&["c.ext@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["RESOLVE c.ext@contoso.com→carl@fabrikam.com"]
    );
    assert_eq!(p.rows[0].reason, Reason::ContactTarget);
    assert_eq!(outcome(&p, "carl@fabrikam.com"), vec![Outcome::Relayed]);
    let mut outside = env(&["team@contoso.com"]);
    outside.sender = "x@gmail.com".into();
    outside.authenticated = false;
    let p = categorize(&d, &outside);
    assert_eq!(
        rows(&p),
        vec!["FAIL →team@contoso.com RESOLVER.RST.AuthRequired"]
    );
    assert_eq!(p.rows[0].reason, Reason::AuthRequired);
    // Internal (authenticated) senders pass.
    let p = categorize(&d, &env(&["team@contoso.com"]));
    assert_eq!(p.rows[0].event_id, "EXPAND");
}

#[test]
fn restrictions_moderation_and_dynamic_groups() {
    let d = directory(
        &[
            sam(),
            mailbox("boss", r#","Department":"Board""#),
            mailbox("eve", r#","Department":"Sales""#),
            mailbox("fred", r#","Department":"Sales EMEA""#),
            group("ceo-office", &["boss"], r#","AcceptMessagesOnlyFrom":["boss"]"#),
            group("board", &["boss"], r#","ModerationEnabled":true,"ModeratedBy":"boss""#),
            r#"{"Name":"All Sales","Alias":"allsales","RecipientType":"DynamicDistributionGroup","PrimarySmtpAddress":"allsales@contoso.com",
                "RecipientFilter":"(RecipientType -eq 'UserMailbox') -and (Department -like 'Sales*')"}"#.to_string(),
            r#"{"Name":"Broken","Alias":"broken","RecipientType":"DynamicDistributionGroup","PrimarySmtpAddress":"broken@contoso.com",
                "RecipientFilter":"(Department -gt 'x')"}"#.to_string(),
        ]
        .join(","),
    );
    let p = categorize(&d, &env(&["ceo-office@contoso.com"]));
    assert_eq!(
        rows(&p),
        vec!["FAIL →ceo-office@contoso.com RESOLVER.RST.NotAuthorizedToGroup"]
    );
    assert_eq!(p.rows[0].reason, Reason::SenderNotAllowed);
    let p = categorize(&d, &env(&["board@contoso.com"]));
    assert_eq!(rows(&p), vec!["INITMESSAGECREATED →board@contoso.com"]);
    assert_eq!(outcome(&p, "board@contoso.com"), vec![Outcome::Pending]);
    let mut approved = env(&["board@contoso.com"]);
    approved.approved = vec!["board@contoso.com".into()];
    assert_eq!(categorize(&d, &approved).rows[0].event_id, "EXPAND");
    let mut from_boss = env(&["board@contoso.com"]);
    from_boss.sender = "boss@contoso.com".into();
    assert_eq!(
        categorize(&d, &from_boss).rows[0].event_id,
        "EXPAND",
        "moderators bypass"
    );
    let p = categorize(&d, &env(&["allsales@contoso.com"]));
    assert_eq!(p.rows[0].reason, Reason::DynamicGroupExpanded);
    let members: HashSet<&str> = p.rows[0].recipients.iter().map(String::as_str).collect();
    assert_eq!(
        members,
        HashSet::from(["eve@contoso.com", "fred@contoso.com"])
    );
    let p = categorize(&d, &env(&["broken@contoso.com"]));
    assert!(
        rows(&p)[0].contains("RESOLVER.GRP.DDLQuery"),
        "{:?}",
        rows(&p)
    );
}

#[test]
fn a_broken_snapshot_names_the_recipient_and_property() {
    let json = r#"{"Recipients":[{"Name":"Joe Bloggs","DeliverToMailboxAndForward":"maybe"}]}"#;
    let (line, _, message) = Snapshot::from_json(json).unwrap_err();
    assert_eq!(line, 1);
    assert!(
        message.contains("Recipients[0].DeliverToMailboxAndForward"),
        "{message}"
    );
    assert!(message.contains("Joe Bloggs"), "{message}");
    // PowerShell's shapes are accepted: a bare string for a list, null, "True".
    let ok = r#"{"Recipients":[{"Name":"A","EmailAddresses":"SMTP:a@x.com","Members":null,"ModerationEnabled":"True"}]}"#;
    let s = Snapshot::from_json(ok).unwrap();
    assert_eq!(s.recipients[0].email_addresses, vec!["SMTP:a@x.com"]);
    assert!(s.recipients[0].moderation_enabled);
}

// ------------------------------------------------------------------ the sample day, end to end

fn sample_messages() -> BTreeMap<String, Vec<msgtrack::format::LogRecord>> {
    let options = ReadOptions::default().with_columns(event_columns().columns());
    let ingest = read_paths(&[sample_logs_dir()], &options).unwrap();
    let mut by_id: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for e in events(&ingest.frame).unwrap() {
        by_id.entry(e.message_id.clone()).or_default().push(e);
    }
    for rows in by_id.values_mut() {
        replay::message::sort_journey(rows);
    }
    by_id
}

fn sample_directory() -> Directory {
    Directory::new(Snapshot::load(&sample_logs_dir().join("directory.json")).unwrap())
}

const CATEGORIZER: [&str; 7] = [
    "RESOLVE",
    "EXPAND",
    "DUPLICATEEXPAND",
    "REDIRECT",
    "DUPLICATEREDIRECT",
    "INITMESSAGECREATED",
    "TRANSFER",
];

#[test]
fn every_categorizer_row_of_the_sample_day_gets_a_reason_with_and_without_the_snapshot() {
    let d = sample_directory();
    let mut categorizer_rows = 0;
    let mut mismatched_messages = Vec::new();
    for (id, rows) in sample_messages() {
        for dir in [None, Some(&d)] {
            let e = replay::explain(&rows, dir);
            for ev in &e.events {
                let categorizer = CATEGORIZER.contains(&ev.event_id.as_str())
                    || (ev.source == "ROUTING"
                        && ["FAIL", "DEFER", "DROP"].contains(&ev.event_id.as_str()));
                if categorizer {
                    categorizer_rows += 1;
                    assert_ne!(ev.reason_code, Reason::NotExplained, "{id}: {ev:?}");
                }
            }
            if dir.is_some() && !e.mismatches.is_empty() {
                mismatched_messages.push((e.subject.clone(), e.mismatches.clone()));
            }
        }
    }
    assert!(categorizer_rows > 300, "{categorizer_rows}");
    // The only disagreement between snapshot and log: Ana's X500 proxy was added at noon,
    // so the morning reply to her old address failed but would resolve now.
    assert_eq!(
        mismatched_messages.len(),
        1,
        "{:#?}",
        &mismatched_messages[..mismatched_messages.len().min(4)]
    );
    let (subject, mismatches) = &mismatched_messages[0];
    assert!(subject.contains("Ana"), "{subject}");
    assert!(
        mismatches
            .iter()
            .any(|m| m.likely_cause.contains("after this message was sent")),
        "{mismatches:#?}"
    );
}

fn explain_by_subject(subject: &str, with_directory: bool) -> replay::Explanation {
    let d = sample_directory();
    let messages = sample_messages();
    let rows = messages
        .values()
        .find(|rows| rows.first().is_some_and(|r| r.message_subject == subject))
        .unwrap_or_else(|| panic!("no message '{subject}' in sample-logs"));
    replay::explain(rows, with_directory.then_some(&d))
}

#[test]
fn sample_story_group_loop_from_outside() {
    for with in [false, true] {
        let e = explain_by_subject("Phoenix kickoff: agenda and dial-in", with);
        let ids: Vec<&str> = e
            .events
            .iter()
            .filter(|ev| ev.event_id != "TRANSFER")
            .map(|ev| ev.event_id.as_str())
            .collect();
        assert_eq!(ids, vec!["EXPAND", "EXPAND", "DUPLICATEEXPAND"]);
        assert!(e.events.iter().all(|ev| ev.logged));
        let delivered: Vec<&str> = e
            .recipients
            .iter()
            .filter(|r| r.outcome == Outcome::Delivered)
            .map(|r| r.address.as_str())
            .collect();
        assert_eq!(delivered.len(), 4, "{delivered:?}");
        let isaiah = e
            .recipients
            .iter()
            .find(|r| r.address == "isaiah.langer@contoso.com")
            .unwrap();
        assert_eq!(
            isaiah.path,
            vec![
                "phoenix@contoso.com",
                "phoenix-core@contoso.com",
                "isaiah.langer@contoso.com"
            ]
        );
        assert!(!e.passes[0].authenticated);
    }
}

#[test]
fn sample_story_forwarding_loop_and_the_imceaex_before_and_after_the_x500_fix() {
    let e = explain_by_subject("Contract draft v3, comments by Monday", true);
    let codes: Vec<(&str, &str)> = e
        .events
        .iter()
        .map(|ev| (ev.event_id.as_str(), ev.reason_code.code()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("REDIRECT", "forwarding-address"),
            ("REDIRECT", "forwarding-address"),
            ("FAIL", "forwarding-loop")
        ]
    );
    assert!(e.mismatches.is_empty());
    assert!(e.recipients.iter().all(|r| r.outcome != Outcome::Delivered));

    let messages = sample_messages();
    let ana: Vec<_> = messages
        .values()
        .filter(|rows| rows[0].message_subject == "AW: Lieferantenliste (Ana)")
        .collect();
    assert_eq!(ana.len(), 2);
    let d = sample_directory();
    let before = replay::explain(ana[0], Some(&d));
    let after = replay::explain(ana[1], Some(&d));
    assert!(before.events.iter().any(|ev| ev.event_id == "FAIL"
        && ev.logged
        && ev.reason_code == Reason::ImceaLegacydnNotFound));
    assert!(before.events.iter().any(|ev| ev.event_id == "RESOLVE"
        && !ev.logged
        && ev.reason_code == Reason::X500ProxyMatch));
    assert!(after.events.iter().any(|ev| ev.event_id == "RESOLVE"
        && ev.logged
        && ev.reason_code == Reason::X500ProxyMatch));
    assert!(after.mismatches.is_empty());
    // Joe was never fixed: the failure is predicted and the fix names X500.
    let joe = explain_by_subject("RE: Q3 figures, Joe's comments", true);
    let fail = joe.events.iter().find(|ev| ev.event_id == "FAIL").unwrap();
    assert!(
        !fail.inferred && fail.reason.contains("X500:/o=Contoso"),
        "{fail:?}"
    );
}

#[test]
fn explain_json_keeps_its_public_shape() {
    let e = explain_by_subject("Company update: Q4 priorities", true);
    let v = serde_json::to_value(&e).unwrap();
    for key in ["message_id", "events", "recipients", "mismatches"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let ev = &v["events"][0];
    for key in [
        "event_id",
        "recipients",
        "related",
        "status",
        "reason_code",
        "reason",
        "logged",
    ] {
        assert!(ev.get(key).is_some(), "events[].{key}");
    }
    let r = &v["recipients"][0];
    for key in ["address", "outcome", "path"] {
        assert!(r.get(key).is_some(), "recipients[].{key}");
    }
    assert!(v["events"].as_array().unwrap().iter().any(
        |e| e["event_id"] == "DUPLICATEEXPAND" && e["reason_code"] == "group-already-expanded"
    ));
}

#[test]
fn trail_links_servers_ha_events_and_the_ndr() {
    let dir = sample_logs_dir();
    let pick = replay::MessagePick {
        subject: Some("comments by Monday".into()),
        sender: Some("alex.wilber@contoso.com".into()),
        ..Default::default()
    };
    let found = replay::candidates(std::slice::from_ref(&dir), &pick).unwrap();
    assert_eq!(found.len(), 1);
    let rows = replay::load(std::slice::from_ref(&dir), &found[0].message_id).unwrap();
    let j = replay::trail(&rows);
    let servers: HashSet<&str> = j.servers.iter().map(|s| s.server.as_str()).collect();
    assert_eq!(servers, HashSet::from(["EX01", "EX02"]));
    assert!(
        j.hops
            .iter()
            .any(|h| h.note == "ha" && h.event_id == "HARECEIVE")
    );
    assert!(
        j.hops
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms)
    );
    assert!(
        j.dsns.iter().any(|h| h.event_id == "DELIVER"),
        "the NDR reaches the sender"
    );
    assert!(j.missing_logs.is_empty());
    // Without EX01's folder, the SEND to it is called out as a missing hop.
    let ex02_only = replay::load(&[dir.join("EX02")], &found[0].message_id).unwrap();
    let forward = replay::candidates(
        std::slice::from_ref(&dir),
        &replay::MessagePick {
            subject: Some("pricing for 500 units".into()),
            recipient: Some("nestor.wilke@contoso.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(forward.len(), 1);
    let partial = replay::load(
        &[dir.join("EX02"), dir.join("EDGE01")],
        &forward[0].message_id,
    )
    .unwrap();
    let j = replay::trail(&partial);
    assert!(
        j.missing_logs.iter().any(|m| m.host.starts_with("EX01")),
        "{:?}",
        j.missing_logs
    );
    assert!(
        replay::trail(&ex02_only)
            .hops
            .iter()
            .all(|h| h.server == "EX02")
    );
}

#[test]
fn the_cli_explains_in_json_and_lists_candidates_when_a_pick_is_ambiguous() {
    let run = |args: &[&str]| crate::util::msgtrack(crate::util::Args::default().args(args));
    let dir = sample_logs_dir();
    let dir = dir.to_str().unwrap();
    let directory = format!("{dir}/directory.json");
    let out = run(&[
        "explain",
        dir,
        "--subject",
        "Phoenix kickoff",
        "--directory",
        &directory,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["directory"], true);
    assert!(v["mismatches"].as_array().unwrap().is_empty());
    let out = run(&["trail", dir, "--subject", "Contract draft v3"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("messages match; pick one with --message-id"),
        "{stderr}"
    );
    let out = run(&["trail", dir, "--subject", "no such subject anywhere"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["explain", dir]);
    assert_eq!(out.status.code(), Some(2));
}
