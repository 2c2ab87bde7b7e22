//! One test per categorizer rule the replay predicts (categorizer.md R2–R7, L): an envelope
//! against a small directory, the rows the resolver writes with their reason codes, and
//! where each recipient ends up — worked out by hand from the rules.

use super::{Envelope, Outcome, Prediction, categorize};
use crate::directory::{Directory, Snapshot};
use crate::replay::reason::Reason;

const SNAPSHOT: &str = r#"{
 "AcceptedDomains": [
  {"DomainName": "contoso.com", "DomainType": "Authoritative", "Default": true},
  {"DomainName": "fabrikam.com", "DomainType": "InternalRelay", "Default": false}],
 "TransportConfig": {"MaxSendSize": "10 MB (10,485,760 bytes)", "MaxReceiveSize": "10 MB (10,485,760 bytes)", "MaxRecipientEnvelopeLimit": "3"},
 "Recipients": [
  {"Name": "Sam", "Alias": "sam", "RecipientType": "UserMailbox", "PrimarySmtpAddress": "sam@contoso.com",
   "EmailAddresses": ["SMTP:sam@contoso.com", "smtp:samuel@contoso.com"], "LegacyExchangeDN": "/o=C/cn=Recipients/cn=sam"},
  {"Name": "Ann", "Alias": "ann", "RecipientType": "UserMailbox", "PrimarySmtpAddress": "ann@contoso.com",
   "EmailAddresses": ["SMTP:ann@contoso.com"], "ForwardingAddress": "ben@contoso.com"},
  {"Name": "Ben", "Alias": "ben", "RecipientType": "UserMailbox", "PrimarySmtpAddress": "ben@contoso.com",
   "EmailAddresses": ["SMTP:ben@contoso.com"], "ForwardingAddress": "ann@contoso.com"},
  {"Name": "Cleo", "Alias": "cleo", "RecipientType": "UserMailbox", "PrimarySmtpAddress": "cleo@contoso.com",
   "EmailAddresses": ["SMTP:cleo@contoso.com"], "ForwardingAddress": "sam@contoso.com"},
  {"Name": "Sales", "Alias": "sales", "RecipientType": "MailUniversalDistributionGroup", "PrimarySmtpAddress": "sales@contoso.com",
   "EmailAddresses": ["SMTP:sales@contoso.com"], "Members": ["sam@contoso.com", "team@contoso.com"]},
  {"Name": "Team", "Alias": "team", "RecipientType": "MailUniversalDistributionGroup", "PrimarySmtpAddress": "team@contoso.com",
   "EmailAddresses": ["SMTP:team@contoso.com"], "Members": ["sales@contoso.com", "cleo@contoso.com"]},
  {"Name": "All", "Alias": "all", "RecipientType": "MailUniversalDistributionGroup", "PrimarySmtpAddress": "all@contoso.com",
   "EmailAddresses": ["SMTP:all@contoso.com"], "Members": ["sam@contoso.com"], "RequireSenderAuthenticationEnabled": true},
  {"Name": "Board", "Alias": "board", "RecipientType": "MailUniversalDistributionGroup", "PrimarySmtpAddress": "board@contoso.com",
   "EmailAddresses": ["SMTP:board@contoso.com"], "Members": ["sam@contoso.com"], "ModerationEnabled": true, "ModeratedBy": ["sam@contoso.com"]},
  {"Name": "Partner", "Alias": "partner", "RecipientType": "MailContact", "PrimarySmtpAddress": "partner@contoso.com",
   "EmailAddresses": ["SMTP:partner@contoso.com"], "ExternalEmailAddress": "SMTP:partner@tailspin.example"},
  {"Name": "Arbitration", "Alias": "SystemMailbox{1f05a927-8f5c-4e2c-b0f1-9c8e0a1b2c3d}", "RecipientType": "UserMailbox", "RecipientTypeDetails": "ArbitrationMailbox",
   "PrimarySmtpAddress": "SystemMailbox{1f05a927-8f5c-4e2c-b0f1-9c8e0a1b2c3d}@contoso.com", "EmailAddresses": ["SMTP:SystemMailbox{1f05a927-8f5c-4e2c-b0f1-9c8e0a1b2c3d}@contoso.com"]}
 ]}"#;

fn run(sender: &str, recipients: &[&str], size: i64, authenticated: bool) -> Prediction {
    let directory = Directory::new(Snapshot::from_json(SNAPSHOT).expect("snapshot"));
    categorize(
        &directory,
        &Envelope {
            sender: sender.into(),
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
            size_bytes: Some(size),
            authenticated,
            ..Envelope::default()
        },
    )
}

/// `EVENT related -> recipients [reason]` per row, in order.
fn rows(p: &Prediction) -> Vec<String> {
    p.rows
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {} [{}]",
                r.event_id,
                r.related,
                r.recipients.join(","),
                r.reason.code()
            )
        })
        .collect()
}

fn outcome(p: &Prediction, address: &str) -> Option<Outcome> {
    p.reached
        .iter()
        .rev()
        .find(|r| r.address.eq_ignore_ascii_case(address))
        .map(|r| r.outcome)
}

#[test]
fn r2_a_proxy_address_resolves_to_the_primary() {
    let p = run("x@contoso.com", &["samuel@contoso.com"], 1000, true);
    assert_eq!(
        rows(&p),
        ["RESOLVE samuel@contoso.com -> sam@contoso.com [proxy-to-primary]"]
    );
    assert_eq!(outcome(&p, "sam@contoso.com"), Some(Outcome::Delivered));
}

#[test]
fn r2_unknown_addresses_fail_in_authoritative_domains_and_relay_elsewhere() {
    let p = run(
        "x@contoso.com",
        &["nobody@contoso.com", "someone@fabrikam.com"],
        1000,
        true,
    );
    assert_eq!(
        rows(&p),
        ["FAIL  -> nobody@contoso.com [recipient-not-found]"]
    );
    assert_eq!(outcome(&p, "nobody@contoso.com"), Some(Outcome::Failed));
    assert_eq!(outcome(&p, "someone@fabrikam.com"), Some(Outcome::Relayed));
}

#[test]
fn r5_nested_groups_expand_once_and_the_loop_is_a_duplicate_expand() {
    // sales = {sam, team}; team = {sales, cleo}; cleo forwards to sam, who already has it.
    let p = run("x@contoso.com", &["sales@contoso.com"], 1000, true);
    let r = rows(&p);
    assert_eq!(
        r[0],
        "EXPAND sales@contoso.com -> sam@contoso.com,team@contoso.com [group-expanded]"
    );
    assert!(
        r.contains(&"EXPAND team@contoso.com -> cleo@contoso.com [group-expanded]".to_string()),
        "{r:#?}"
    );
    assert!(
        r.iter().any(
            |l| l.starts_with("DUPLICATEEXPAND team@contoso.com -> sales@contoso.com")
                && l.ends_with("[group-already-expanded]")
        ),
        "{r:#?}"
    );
    assert_eq!(outcome(&p, "sales@contoso.com"), Some(Outcome::Expanded));
    assert_eq!(outcome(&p, "sam@contoso.com"), Some(Outcome::Delivered));
}

#[test]
fn r6_forwarding_redirects_and_a_forwarding_loop_fails_with_5_4_6() {
    let p = run("x@contoso.com", &["cleo@contoso.com"], 1000, true);
    assert_eq!(
        rows(&p),
        ["REDIRECT sam@contoso.com -> cleo@contoso.com [forwarding-address]"]
    );
    assert_eq!(outcome(&p, "sam@contoso.com"), Some(Outcome::Delivered));
    // ann -> ben -> ann: two REDIRECTs, then the loop is detected.
    let p = run("x@contoso.com", &["ann@contoso.com"], 1000, true);
    let r = rows(&p);
    assert_eq!(
        r[0],
        "REDIRECT ben@contoso.com -> ann@contoso.com [forwarding-address]"
    );
    assert_eq!(
        r[1],
        "REDIRECT ann@contoso.com -> ben@contoso.com [forwarding-address]"
    );
    assert!(
        r[2].starts_with("FAIL") && r[2].ends_with("[forwarding-loop]"),
        "{r:#?}"
    );
    assert!(p.rows[2].status.contains("5.4.6"));
}

#[test]
fn r6_a_contact_resolves_to_its_external_address() {
    let p = run("x@contoso.com", &["partner@contoso.com"], 1000, true);
    assert_eq!(
        rows(&p),
        ["RESOLVE partner@contoso.com -> partner@tailspin.example [contact-target]"]
    );
    assert_eq!(
        outcome(&p, "partner@tailspin.example"),
        Some(Outcome::Relayed)
    );
}

#[test]
fn r7_a_secured_group_refuses_anonymous_senders() {
    let p = run(
        "stranger@tailspin.example",
        &["all@contoso.com"],
        1000,
        false,
    );
    assert_eq!(rows(&p), ["FAIL  -> all@contoso.com [auth-required]"]);
    let p = run("sam@contoso.com", &["all@contoso.com"], 1000, true);
    assert_eq!(
        rows(&p),
        ["EXPAND all@contoso.com -> sam@contoso.com [group-expanded]"]
    );
}

#[test]
fn r7_a_moderated_group_sends_an_approval_request() {
    let p = run("x@contoso.com", &["board@contoso.com"], 1000, true);
    let r = rows(&p);
    assert!(
        r.iter()
            .any(|l| l.starts_with("INITMESSAGECREATED") && l.ends_with("[moderation-pending]")),
        "{r:#?}"
    );
    assert_eq!(outcome(&p, "board@contoso.com"), Some(Outcome::Pending));
}

#[test]
fn r4_the_organization_limits_stop_the_whole_message() {
    // Over the 10 MB MaxReceiveSize: every recipient fails with the sender-size status.
    let p = run(
        "x@contoso.com",
        &["sam@contoso.com", "cleo@contoso.com"],
        11 * 1024 * 1024,
        true,
    );
    assert!(
        p.rows
            .iter()
            .all(|r| r.event_id == "FAIL" && r.reason == Reason::SenderSizeLimit),
        "{:#?}",
        rows(&p)
    );
    assert_eq!(p.rows.len(), 2);
    // More recipients than MaxRecipientEnvelopeLimit (3): the message fails for everyone.
    let p = run(
        "x@contoso.com",
        &[
            "sam@contoso.com",
            "ann@contoso.com",
            "ben@contoso.com",
            "cleo@contoso.com",
        ],
        1000,
        true,
    );
    assert!(
        p.rows.iter().all(|r| r.reason == Reason::RecipientLimit),
        "{:#?}",
        rows(&p)
    );
    assert_eq!(p.rows.len(), 4);
}
