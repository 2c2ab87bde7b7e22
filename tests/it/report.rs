//! `msgtrack report imcea` and `report summary`: decoded DNs with tricky characters, grouping
//! and counting rules on hand-checked logs, latency percentiles, the queries `--show-queries`
//! prints, the HTML being self-contained, and `--anonymize` hiding every address.

use std::path::PathBuf;

use serde_json::Value;

use msgtrack::directory::{Directory, Snapshot};
use msgtrack::format::Zone;
use msgtrack::ingest::RowFilter;
use msgtrack::report::imcea::{ImceaCollector, ImceaFinding, imcea_filter};
use msgtrack::report::scan::scan_rows;
use msgtrack::report::summary::queries::QueryBook;
use msgtrack::report::summary::{
    CountRule, MESSAGE_BYTES, MemoryLimit, SummaryCollector, SummaryOptions,
};
use msgtrack::report::{render, table::Report};

use crate::util::{Dir, msgtrack_text, real_logs_dir, sample_logs_dir};

const FIELDS: &str = "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n#Date: 2026-11-20T10:00:00.000Z\r\n#Fields: date-time,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,directionality\r\n";

/// One log line of the reduced layout above.
#[allow(clippy::too_many_arguments)]
fn line(
    time: &str,
    server: &str,
    source: &str,
    event: &str,
    id: &str,
    recipients: &str,
    status: &str,
    bytes: u32,
    related: &str,
    reference: &str,
    sender: &str,
) -> String {
    let count = recipients.split(';').count();
    format!(
        "2026-11-20T{time}Z,{server},,,{source},{event},1,{id},{recipients},{status},{bytes},{count},{related},{reference},subject,{sender},{sender},Originating\r\n"
    )
}

const NOT_FOUND: &str =
    "'[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]'";
const GROUP_DN: &str =
    "IMCEAEX-_o=Org_ou=First+20Group+20+28X+29_cn=Recipients_cn=a+2Bb+5Fc=d@contoso.com";
const LATIN1: &str = "IMCEAEX-_o=Org_cn=Recipients_cn=Jos+E9+20M+FCller@contoso.com";
const UTF8: &str = "IMCEAEX-UTF8-_o=Org_cn=Recipients_cn=+D0+98+D0+B2+D0+B0+D0+BD@contoso.com";
const SMTP: &str = "IMCEASMTP-bob+40fabrikam+2Ecom@contoso.com";

fn imcea_logs() -> Dir {
    let dir = Dir::new();
    let mut log = FIELDS.to_string();
    // Two messages fail to the same DN (the second logged twice, and in another case): one
    // group, two failures, two senders, one NDR each.
    log += &line(
        "10:00:00.000",
        "EX1",
        "ROUTING",
        "FAIL",
        "<m1@x>",
        GROUP_DN,
        NOT_FOUND,
        100,
        "",
        "<dsn1@x>",
        "ann@contoso.com",
    );
    log += &line(
        "10:00:00.010",
        "EX1",
        "DSN",
        "DSN",
        "<dsn1@x>",
        "ann@contoso.com",
        "",
        100,
        "",
        "<m1@x>",
        "",
    );
    log += &line(
        "11:00:00.000",
        "EX1",
        "ROUTING",
        "FAIL",
        "<m2@x>",
        &GROUP_DN.replace("@contoso.com", "@CONTOSO.COM"),
        NOT_FOUND,
        100,
        "",
        "<dsn2@x>",
        "ben@contoso.com",
    );
    log += &line(
        "11:00:00.010",
        "EX1",
        "DSN",
        "DSN",
        "<dsn2@x>",
        "ben@contoso.com",
        "",
        100,
        "",
        "<m2@x>",
        "",
    );
    // Latin-1 and UTF8- names, two recipients on one row with their own statuses.
    log += &line(
        "12:00:00.000",
        "EX1",
        "ROUTING",
        "FAIL",
        "<m3@x>",
        &format!("{LATIN1};{UTF8}"),
        &format!("{NOT_FOUND};{NOT_FOUND}"),
        100,
        "",
        "",
        "cid@contoso.com",
    );
    log += &line(
        "12:30:00.000",
        "EX1",
        "ROUTING",
        "FAIL",
        "<m4@x>",
        SMTP,
        "'550 5.1.0 RESOLVER.ADR.SmtpInSmtp; encapsulated SMTP address inside an SMTP address (IMCEASMTP-)'",
        100,
        "",
        "",
        "dan@contoso.com",
    );
    // Not a failure: a RESOLVE of an IMCEA address is not counted.
    log += &line(
        "13:00:00.000",
        "EX1",
        "ROUTING",
        "RESOLVE",
        "<m5@x>",
        "joe@contoso.com",
        "",
        100,
        GROUP_DN,
        "",
        "eve@contoso.com",
    );
    dir.write("EX1/MSGTRK2026112010-1.LOG", log);
    // The same failure also in a second server's log (one file is one server's).
    let ex2 = FIELDS.to_string()
        + &line(
            "11:00:00.000",
            "EX2",
            "ROUTING",
            "FAIL",
            "<m2@x>",
            GROUP_DN,
            NOT_FOUND,
            100,
            "",
            "<dsn2@x>",
            "ben@contoso.com",
        );
    dir.write("EX2/MSGTRK2026112011-1.LOG", ex2);
    dir
}

fn snapshot() -> Directory {
    let json = r#"{"AcceptedDomains":[{"DomainName":"contoso.com","DomainType":"Authoritative","Default":true}],
      "Recipients":[
        {"Name":"José Müller","Alias":"jose.mueller","RecipientType":"UserMailbox","PrimarySmtpAddress":"jose.mueller@contoso.com",
         "EmailAddresses":["SMTP:jose.mueller@contoso.com"],"LegacyExchangeDN":"/o=Org/cn=Recipients/cn=0123456789abcdef0123456789abcdef-jose.mueller"},
        {"Name":"Иван","Alias":"ivan","RecipientType":"UserMailbox","PrimarySmtpAddress":"ivan@contoso.com",
         "EmailAddresses":["SMTP:ivan@contoso.com","X500:/o=Org/cn=Recipients/cn=Иван"],"LegacyExchangeDN":"/o=Org/cn=Recipients/cn=ivan"},
        {"Name":"Shared Box","Alias":"shared","RecipientType":"MailUser","PrimarySmtpAddress":"shared@contoso.com",
         "EmailAddresses":["SMTP:shared@contoso.com"],"LegacyExchangeDN":"/o=Org/cn=Recipients/cn=shared"}]}"#;
    Directory::new(Snapshot::from_json(json).unwrap())
}

fn imcea_findings(dir: &Dir, directory: Option<&Directory>) -> Vec<ImceaFinding> {
    let mut collector = ImceaCollector::default();
    let scan = scan_rows(
        &[dir.path().to_path_buf()],
        &imcea_filter(&RowFilter::default()),
        None,
        |row| collector.add(row),
    )
    .unwrap();
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    collector.finish(directory)
}

fn by_dn<'a>(findings: &'a [ImceaFinding], dn: &str) -> &'a ImceaFinding {
    findings
        .iter()
        .find(|f| f.legacy_exchange_dn == dn)
        .unwrap_or_else(|| panic!("no finding for {dn}: {findings:#?}"))
}

#[test]
fn imcea_report_decodes_tricky_dns_groups_failures_and_writes_the_fix() {
    let logs = imcea_logs();
    let found = imcea_findings(&logs, Some(&snapshot()));
    assert_eq!(found.len(), 4, "{found:#?}");

    // Spaces, parentheses, '+', '_' and '=' in one DN; two messages, counted once each.
    let group = by_dn(&found, "/o=Org/ou=First Group (X)/cn=Recipients/cn=a+b_c=d");
    assert_eq!(group.kind, "EX");
    assert_eq!(group.count, 2);
    assert_eq!(group.senders, ["ann@contoso.com", "ben@contoso.com"]);
    assert_eq!(group.servers, ["EX1", "EX2"]);
    assert_eq!(group.dsns, 2);
    assert_eq!(group.first_seen, "2026-11-20T10:00:00.000Z");
    assert_eq!(group.last_seen, "2026-11-20T11:00:00.000Z");
    assert_eq!(
        group.status,
        "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found"
    );
    assert_eq!(group.addresses.len(), 2, "both spellings are listed");
    assert_eq!(
        found[0].legacy_exchange_dn, group.legacy_exchange_dn,
        "most failures first"
    );
    assert_eq!(group.confidence, "none");
    assert!(group.fix.is_none());

    // Latin-1: the re-created mailbox is found by name, the fix names it.
    let jose = by_dn(&found, "/o=Org/cn=Recipients/cn=José Müller");
    assert_eq!(jose.count, 1);
    assert_eq!(jose.confidence, "high", "{}", jose.why);
    assert_eq!(
        jose.fix.as_deref(),
        Some(
            r#"Set-Mailbox -Identity 'jose.mueller@contoso.com' -EmailAddresses @{add='X500:/o=Org/cn=Recipients/cn=José Müller'}"#
        )
    );
    assert!(
        jose.suggested_mailbox
            .as_deref()
            .unwrap()
            .contains("jose.mueller@contoso.com")
    );

    // UTF8- form: Ivan already has the X500 proxy, so no fix is offered.
    let ivan = by_dn(&found, "/o=Org/cn=Recipients/cn=Иван");
    assert_eq!(ivan.confidence, "present");
    assert!(ivan.fix.is_none());

    // IMCEASMTP: decoded, but no X500 proxy applies.
    let smtp = by_dn(&found, "bob@fabrikam.com");
    assert_eq!(smtp.kind, "SMTP");
    assert!(smtp.fix.is_none() && smtp.suggested_mailbox.is_none());

    // Without a snapshot the DNs are still decoded, and the report says what is missing.
    let bare = imcea_findings(&logs, None);
    assert_eq!(bare.len(), 4);
    assert!(
        bare.iter()
            .filter(|f| f.kind == "EX")
            .all(|f| f.confidence == "needs-snapshot" && f.fix.is_none())
    );
}

/// The SQL of a shown `msgtrack query … --sql '…'` line, unquoted as a shell would.
fn sql_of(line: &str) -> String {
    let quoted = line
        .split_once("--sql '")
        .map(|(_, q)| q)
        .unwrap_or_else(|| panic!("no --sql in {line}"));
    quoted.strip_suffix('\'').unwrap().replace("'\\''", "'")
}

fn sample() -> String {
    sample_logs_dir().display().to_string()
}

fn sample_snapshot() -> String {
    sample_logs_dir()
        .join("directory.json")
        .display()
        .to_string()
}

#[test]
fn imcea_json_on_the_sample_names_the_re_created_mailbox_and_keeps_its_public_shape() {
    let (code, out, err) = msgtrack_text(&[
        "report",
        "imcea",
        &sample(),
        "--directory",
        &sample_snapshot(),
        "--format",
        "json",
        "--fail-on-findings",
    ]);
    assert_eq!(code, 3, "--fail-on-findings: {err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    let first = &list[0];
    for key in [
        "address",
        "type",
        "legacy_exchange_dn",
        "count",
        "senders",
        "first_seen",
        "last_seen",
        "servers",
        "status",
        "suggested_mailbox",
        "confidence",
        "fix",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    let joe = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["legacy_exchange_dn"]
                .as_str()
                .unwrap()
                .ends_with("Joe Bloggs")
        })
        .expect("Joe's stale DN is found");
    assert_eq!(joe["type"], "EX");
    assert!(joe["address"].as_str().unwrap().starts_with("IMCEAEX-"));
    assert!(
        joe["fix"]
            .as_str()
            .unwrap()
            .starts_with("Set-Mailbox -Identity 'joe.bloggs@contoso.com'"),
        "{joe}"
    );
    // Exit 0 without the flag; CSV has a header and one row per finding.
    let (code, csv, _) = msgtrack_text(&["report", "imcea", &sample(), "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(csv.lines().count(), list.as_array().unwrap().len() + 1);
}

/// A day with hand-checked numbers: see the comments for what each number must be.
fn summary_logs() -> Dir {
    let dir = Dir::new();
    let mut log = FIELDS.to_string();
    let ok = "250 2.1.5 Recipient OK";
    // m1: two recipients, received on EX1 and again on EX2; delivered after 2 s and 4 s.
    log += &line(
        "10:00:00.000",
        "EX1",
        "SMTP",
        "RECEIVE",
        "<m1@x>",
        "r1@contoso.com;r2@contoso.com",
        "",
        1000,
        "",
        "",
        "ann@contoso.com",
    );
    log += &line(
        "10:00:02.000",
        "EX1",
        "STOREDRIVER",
        "DELIVER",
        "<m1@x>",
        "r1@contoso.com",
        ok,
        1000,
        "",
        "",
        "ann@contoso.com",
    );
    // m2: one external recipient, sent out after 1 s.
    log += &line(
        "10:30:00.000",
        "EX1",
        "SMTP",
        "RECEIVE",
        "<m2@x>",
        "ext@fabrikam.com",
        "",
        500,
        "",
        "",
        "ann@contoso.com",
    );
    log += &line(
        "10:30:01.000",
        "EX1",
        "SMTP",
        "SENDEXTERNAL",
        "<m2@x>",
        "ext@fabrikam.com",
        "250 OK",
        500,
        "",
        "",
        "ann@contoso.com",
    );
    // m3: three recipients, two fail with 5.1.1, one delivered after 10 s.
    log += &line(
        "10:45:00.000",
        "EX1",
        "SMTP",
        "RECEIVE",
        "<m3@x>",
        "r1@contoso.com;no1@contoso.com;no2@contoso.com",
        "",
        2000,
        "",
        "",
        "ben@contoso.com",
    );
    log += &line(
        "10:45:00.100",
        "EX1",
        "ROUTING",
        "FAIL",
        "<m3@x>",
        "no1@contoso.com;no2@contoso.com",
        &format!(
            "{0};{0}",
            NOT_FOUND.replace("ExRecipNotFound", "RecipNotFound")
        ),
        2000,
        "",
        "",
        "ben@contoso.com",
    );
    log += &line(
        "10:45:10.000",
        "EX1",
        "STOREDRIVER",
        "DELIVER",
        "<m3@x>",
        "r1@contoso.com",
        ok,
        2000,
        "",
        "",
        "ben@contoso.com",
    );
    // m4: health-mailbox noise, three hours later (EX1 is silent at 11:00 and 12:00).
    log += &line(
        "13:00:00.000",
        "EX1",
        "SMTP",
        "RECEIVE",
        "<m4@x>",
        "HealthMailbox01@contoso.com",
        "",
        300,
        "",
        "",
        "HealthMailbox02@contoso.com",
    );
    dir.write("EX1/MSGTRK2026112010-1.LOG", log);
    // m1 crosses to EX2, which delivers r2 (one file is one server's log).
    let ex2 = FIELDS.to_string()
        + &line(
            "10:00:01.000",
            "EX2",
            "SMTP",
            "RECEIVE",
            "<m1@x>",
            "r2@contoso.com",
            "",
            1000,
            "",
            "",
            "ann@contoso.com",
        )
        + &line(
            "10:00:04.000",
            "EX2",
            "STOREDRIVER",
            "DELIVER",
            "<m1@x>",
            "r2@contoso.com",
            ok,
            1000,
            "",
            "",
            "ann@contoso.com",
        );
    dir.write("EX2/MSGTRK2026112010-1.LOG", ex2);
    dir
}

fn summarize(paths: &[PathBuf], count: CountRule, exclude_noise: bool, book: &QueryBook) -> Value {
    let mut collector = SummaryCollector::new(SummaryOptions {
        count,
        zone: Zone::parse("UTC").unwrap(),
        exclude_noise,
        top: 10,
    });
    scan_rows(paths, &RowFilter::default(), None, |row| collector.add(row)).unwrap();
    let report: Report = collector.finish(book);
    render::json(&report)
}

/// A summary read with room for `held` messages at once: its JSON (notes aside) and in how
/// many parts its messages were added up.
fn summarize_in_passes(
    paths: &[PathBuf],
    count: CountRule,
    exclude_noise: bool,
    held: u64,
) -> (Value, u64) {
    let options = SummaryOptions {
        count,
        zone: Zone::parse("UTC").unwrap(),
        exclude_noise,
        top: 10,
    };
    let s = msgtrack::report::summary::summarize(
        paths,
        &RowFilter::default(),
        &options,
        MemoryLimit(held * MESSAGE_BYTES),
        |_| None,
    )
    .unwrap();
    assert_eq!(s.passes, 1, "the logs are read once");
    let parts = s.parts;
    let book = QueryBook::new(false, paths, None, None, exclude_noise);
    let mut json = render::json(&s.tally.finish_with(&book, None).0);
    json["notes"] = Value::Null;
    (json, parts)
}

#[test]
fn a_summary_added_up_in_several_parts_is_the_same_report() {
    // The sample day holds a few hundred messages: room for 40 makes the read halve its
    // share several times, setting the others aside on disk, and the buckets set aside are
    // added up in groups that fit. Room for 1 halves the share past the 256 buckets (the
    // halves beyond share bucket 0) and makes every bucket of two or more messages too big
    // for its guess, added up in halves, each a read of the bucket.
    let paths = vec![sample_logs_dir()];
    for count in [CountRule::PerMessage, CountRule::PerRecipient] {
        for noise in [false, true] {
            let (whole, one) = summarize_in_passes(&paths, count, noise, u64::MAX / MESSAGE_BYTES);
            assert_eq!(one, 1);
            let messages = whole["headlines"][0]["value"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap();
            assert!(messages > 200, "{messages}");
            for held in [40, 1] {
                let (split, parts) = summarize_in_passes(&paths, count, noise, held);
                // Each part holds at most `held` messages, and groups are filled to 90 % of
                // that by a guess: at least messages/held parts, fewer than 4 × as many.
                assert!(
                    parts >= messages / held && parts < 4 * messages / held + 2,
                    "{parts} parts for {messages} messages, {held} held"
                );
                assert_eq!(
                    split, whole,
                    "{count:?} noise excluded: {noise}, {held} held"
                );
            }
        }
    }
}

#[test]
fn real_logs_summed_up_a_message_at_a_time_are_the_same_report() {
    let Some(real) = real_logs_dir() else {
        return;
    };
    // The .log files by name (a folder is searched for MSGTRK*.LOG names only); the ones
    // that are not tracking logs are refused by name, as always.
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&real)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    paths.sort();
    let (whole, _) = summarize_in_passes(
        &paths,
        CountRule::PerRecipient,
        false,
        u64::MAX / MESSAGE_BYTES,
    );
    let messages: u64 = whole["headlines"][0]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(messages > 3, "{messages}");
    let (split, parts) = summarize_in_passes(&paths, CountRule::PerRecipient, false, 1);
    assert!(parts > 1, "{parts}");
    assert_eq!(split, whole);
}

fn total(json: &Value, event: &str) -> i64 {
    json["totals"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event"].as_str().unwrap().starts_with(event))
        .unwrap_or_else(|| panic!("no {event} in {}", json["totals"]))
        .as_object()
        .unwrap()
        .values()
        .nth(1)
        .unwrap()
        .as_i64()
        .unwrap()
}

#[test]
fn summary_counts_by_message_or_recipient_as_its_rules_say() {
    let logs = summary_logs();
    let paths = [logs.path().to_path_buf()];
    let book = QueryBook::default();

    let m = summarize(&paths, CountRule::PerMessage, false, &book);
    assert_eq!(
        total(&m, "received"),
        4,
        "m1 counts once although two servers received it"
    );
    assert_eq!(total(&m, "delivered"), 2);
    assert_eq!(total(&m, "sent out"), 1);
    assert_eq!(total(&m, "failed"), 1);
    assert!(
        m["totals"]["rule"]
            .as_str()
            .unwrap()
            .contains("distinct messages")
    );

    let quiet = summarize(&paths, CountRule::PerMessage, true, &book);
    assert_eq!(
        total(&quiet, "received"),
        3,
        "the health-mailbox message is noise"
    );

    let r = summarize(&paths, CountRule::PerRecipient, true, &book);
    assert_eq!(total(&r, "received"), 6, "2 + 1 + 3 recipients");
    assert_eq!(total(&r, "delivered"), 3);
    assert_eq!(total(&r, "failed"), 2);
    assert!(
        r["totals"]["rule"]
            .as_str()
            .unwrap()
            .contains("(message, recipient) pairs")
    );

    // Failures by enhanced code: one message, two recipients.
    let code = |j: &Value| j["failures_by_code"]["rows"][0].clone();
    assert_eq!(code(&quiet)["code"], "5.1.1");
    assert_eq!(code(&quiet)["messages"], 1);
    assert_eq!(code(&r)["recipients"], 2);

    // Latency to a mailbox: 2 s, 4 s, 10 s → P50 4 s, P90 and P99 10 s (nearest rank).
    let lat = quiet["latency"]["rows"][0].clone();
    assert_eq!(lat["path"], "end to end, to a mailbox");
    assert_eq!(lat["count"], 3);
    assert_eq!(lat["p50_s"], 4.0);
    assert_eq!(lat["p90_s"], 10.0);
    assert_eq!(lat["p99_s"], 10.0);
    let out = quiet["latency"]["rows"][1].clone();
    assert_eq!(
        (out["count"].clone(), out["p50_s"].clone()),
        (Value::from(1), Value::from(1.0))
    );

    // Volume: the three messages arrived in the 10:00 hour; the quiet hours are listed.
    let hours = quiet["volume_per_hour"]["rows"].as_array().unwrap();
    assert_eq!(hours[0]["hour"], "2026-11-20 10:00");
    assert_eq!(hours[0]["messages"], 3);
    assert_eq!(hours[0]["bytes"], 3500);

    // Coverage: EX1 has rows at 10:00 and 13:00, none at 11:00 and 12:00.
    let cov = m["coverage"]["rows"].as_array().unwrap();
    let ex1 = cov.iter().find(|c| c["server"] == "EX1").unwrap();
    assert!(
        ex1["missing_hours"]
            .as_str()
            .unwrap()
            .starts_with("2: 2026-11-20 11:00Z"),
        "{ex1}"
    );
    assert_eq!(ex1["rows"], 8);
    let ex2 = cov.iter().find(|c| c["server"] == "EX2").unwrap();
    assert_eq!(
        (ex2["rows"].clone(), ex2["missing_hours"].clone()),
        (Value::from(2), Value::from("none"))
    );
}

#[test]
fn the_queries_shown_reproduce_the_summary_numbers() {
    let paths = [sample_logs_dir()];
    let book = QueryBook::new(true, &paths, None, None, false);
    let report = summarize(&paths, CountRule::PerMessage, false, &book);
    let sql = sql_of(report["totals"]["query"].as_str().unwrap());
    let answer = msgtrack::query::run::run_sql(&sql, &paths).unwrap();
    let frame = answer.sql.expect("an SQL answer");
    let ids = frame
        .column("EventId")
        .unwrap()
        .as_materialized_series()
        .cast(&polars::prelude::DataType::String)
        .unwrap();
    let counts = frame
        .column("messages")
        .unwrap()
        .as_materialized_series()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap();
    let mut checked = 0;
    for (id, n) in ids.str().unwrap().iter().zip(counts.i64().unwrap().iter()) {
        let label = match id.unwrap() {
            "DELIVER" => "delivered",
            "FAIL" => "failed",
            "DEFER" => "deferred",
            "REDIRECT" => "redirected",
            other => panic!("unexpected {other}"),
        };
        assert_eq!(Some(total(&report, label)), n, "{label}");
        checked += 1;
    }
    assert_eq!(checked, 4);
    // The group table's query gives the same messages per group.
    let sql = sql_of(report["distribution_groups"]["query"].as_str().unwrap());
    let groups = msgtrack::query::run::run_sql(&sql, &paths)
        .unwrap()
        .sql
        .expect("an SQL answer");
    assert_eq!(
        groups.height(),
        report["distribution_groups"]["rows"]
            .as_array()
            .unwrap()
            .len()
    );
}

#[test]
fn html_is_self_contained_and_anonymize_hides_every_address() {
    let (code, html, err) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--format",
        "html",
        "--tz",
        "UTC",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("sortable")
    );
    for external in ["http://", "https://", "<link", " src="] {
        assert!(
            !html.contains(external),
            "the report must not load {external}"
        );
    }
    for section in [
        "Totals",
        "Volume per hour",
        "Failures by enhanced status code",
        "Deferrals by reason",
        "Distribution-group usage",
        "Delivery latency",
        "Coverage per server",
        "Top senders by bytes",
        "By send connector",
    ] {
        assert!(html.contains(section), "missing {section}");
    }

    let (_, plain, _) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--format",
        "md",
        "--tz",
        "UTC",
    ]);
    assert!(plain.contains("contoso.com"));
    let (code, anon, _) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--format",
        "md",
        "--tz",
        "UTC",
        "--anonymize",
    ]);
    assert_eq!(code, 0);
    assert!(
        !anon.contains("contoso.com") && !anon.contains("@adatum.com"),
        "an address survived"
    );
    // Same person, same token: the top sender by count keeps its count under a token.
    let (_, again, _) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--format",
        "md",
        "--tz",
        "UTC",
        "--anonymize",
    ]);
    assert_eq!(anon, again, "the same key gives the same tokens");

    let (_, imcea, _) = msgtrack_text(&[
        "report",
        "imcea",
        &sample(),
        "--directory",
        &sample_snapshot(),
        "--anonymize",
    ]);
    assert!(
        !imcea.contains("Joe") && !imcea.contains("Bloggs") && !imcea.contains("contoso"),
        "{imcea}"
    );
    assert!(
        imcea.contains("Set-Mailbox"),
        "the fix line is kept, with tokens"
    );
}

#[test]
fn a_bad_window_or_format_gets_a_clear_error() {
    let (code, _, err) =
        msgtrack_text(&["report", "summary", &sample(), "--since", "yesterdayish"]);
    assert_eq!(code, 2);
    assert!(err.contains("--since yesterdayish"), "{err}");
    let (code, _, err) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--since",
        "2026-11-21",
        "--until",
        "2026-11-20",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--until is not after --since"), "{err}");
    let (code, _, err) = msgtrack_text(&["report", "summary", &sample(), "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("csv is for report imcea"), "{err}");
    // A window narrows the rows: one hour of the sample day.
    let (code, out, _) = msgtrack_text(&[
        "report",
        "summary",
        &sample(),
        "--since",
        "2026-11-20T10:00Z",
        "--until",
        "2026-11-20T11:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&out).unwrap();
    let hours = json["volume_per_hour"]["rows"].as_array().unwrap();
    assert_eq!(hours.len(), 1, "{hours:?}");
}
