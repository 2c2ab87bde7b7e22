//! Every raw log in `../shared/real-logs/` parses to the right rows with the right values;
//! the files that are not raw logs are refused. Skips (with a message) where the folder is
//! absent.

use msgtrack::format::Field;
use msgtrack::format::time::format_timestamp_ms;
use msgtrack::frame::access;
use msgtrack::ingest::{DiagnosticKind, ServerSource};

use crate::util::{lists, read_one, real_logs_dir, strings};

/// (file, rows) for every raw log; counted by hand from the files and SOURCES.md.
const RAW_LOGS: [(&str, usize); 10] = [
    ("elastic-beats-bom8-exchange2010-notifymapi.log", 2),
    ("kinesistap-exchange2013-msgtrk.log", 2),
    ("leweafan-beats-exchange-example.log", 15),
    ("leweafan-beats-exchange-example-flow.log", 15),
    ("leweafan-exchange2016-routing-resolve-snippet.log", 1),
    (
        "elastic-integrations-msexchange-messagetracking-test.log",
        6,
    ),
    ("qazeer-exchange2016-msgtrkms-snippet.log", 2),
    ("pylogsparser-exchange2007-submit-snippet.log", 1),
    ("msqa-2152821-agentinfo-transport-rule-snippet.log", 1),
    ("categorizer-leweafan-2016-rows.log", 7),
];

/// Files in the folder that hold PowerShell or other output, not raw log lines.
const NOT_LOGS: [&str; 6] = [
    "categorizer-exo-drop-grp-expanded-fragment.log",
    "categorizer-fail-authrequired-ps-fl.log",
    "categorizer-fail-imceaex-ps-fragment.log",
    "damianflynn-exchange2010-get-messagetrackinglog-formatlist-snippet.txt",
    "msdocs-get-messagetrackinglog-example-table-snippet.txt",
    "tostka-verb-exo-historicalsearch-extended-record-snippet.txt",
];

#[test]
fn every_raw_log_parses_with_its_row_count_and_no_bad_line() {
    let Some(dir) = real_logs_dir() else { return };
    for (name, rows) in RAW_LOGS {
        let ingest = read_one(&dir.join(name));
        assert_eq!(ingest.frame.height(), rows, "{name}: rows");
        assert_eq!(ingest.bad_lines(), 0, "{name}: {:?}", ingest.diagnostics);
        assert!(ingest.refused().next().is_none(), "{name} refused");
        assert!(
            !ingest
                .diagnostics
                .iter()
                .any(|d| d.kind == DiagnosticKind::Timestamp),
            "{name}"
        );
    }
}

#[test]
fn every_file_in_the_folder_is_either_read_or_refused() {
    let Some(dir) = real_logs_dir() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SOURCES.md")
        .collect();
    names.sort();
    let mut known: Vec<String> = RAW_LOGS
        .iter()
        .map(|(n, _)| n.to_string())
        .chain(NOT_LOGS.iter().map(|n| n.to_string()))
        .collect();
    known.sort();
    assert_eq!(names, known, "a new file in shared/real-logs needs a test");
}

#[test]
fn powershell_and_exchange_online_outputs_are_refused_with_one_sentence() {
    let Some(dir) = real_logs_dir() else { return };
    for name in NOT_LOGS {
        let ingest = read_one(&dir.join(name));
        assert_eq!(ingest.frame.height(), 0, "{name}");
        let refused: Vec<_> = ingest.refused().collect();
        assert_eq!(refused.len(), 1, "{name}");
        let reason = refused[0].refused.as_deref().unwrap();
        assert!(
            reason.starts_with("not a message tracking log"),
            "{name}: {reason}"
        );
        assert!(!reason.contains('\n'), "{name}: one sentence");
    }
    let ingest = read_one(&dir.join(NOT_LOGS[1]));
    assert!(
        ingest
            .refused()
            .next()
            .unwrap()
            .refused
            .as_deref()
            .unwrap()
            .contains("Format-List")
    );
    let ingest = read_one(&dir.join(NOT_LOGS[4]));
    assert!(
        ingest
            .refused()
            .next()
            .unwrap()
            .refused
            .as_deref()
            .unwrap()
            .contains("Format-Table")
    );
    let ingest = read_one(&dir.join(NOT_LOGS[5]));
    assert!(
        ingest
            .refused()
            .next()
            .unwrap()
            .refused
            .as_deref()
            .unwrap()
            .contains("Exchange Online")
    );
}

#[test]
fn bom_crlf_exchange_2010_file() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("elastic-beats-bom8-exchange2010-notifymapi.log"));
    let report = &ingest.files[0];
    assert_eq!(report.headers.version.as_deref(), Some("14.0.0.0"));
    assert_eq!(
        report.headers.date.as_deref(),
        Some("2016-04-05T00:00:02.052Z")
    );
    assert_eq!(report.lines, 7);
    let times: Vec<String> = access::timestamps_ms(&ingest.frame)
        .unwrap()
        .into_iter()
        .map(format_timestamp_ms)
        .collect();
    assert_eq!(
        times,
        vec!["2016-04-05T00:00:02.052Z", "2016-04-05T00:00:02.145Z"]
    );
    let ctx = strings(&ingest, Field::SourceContext);
    assert_eq!(
        ctx[0].as_deref(),
        Some(
            "MDB:61914740-3f1b-4ddb-94e0-557196870cfa, Mailbox:279f077c-216f-4323-a9ee-48e50ffd3cad, Event:269492708, MessageClass:IPM.Note.StorageQuotaWarning.Warning, CreationTime:2016-04-05T00:00:01.022Z, ClientType:System"
        )
    );
    assert_eq!(
        strings(&ingest, Field::EventId),
        vec![Some("NOTIFYMAPI".into()); 2]
    );
    // The 2010 layout has no network-message-id: the column is there, empty.
    assert_eq!(strings(&ingest, Field::NetworkMessageId), vec![None, None]);
    let data = access::event_data(&ingest.frame).unwrap();
    assert_eq!(data[0].len(), 1);
    assert_eq!(data[0][0].0, "ItemEntryId");
    assert!(data[0][0].1.starts_with("00-00-00-00-37-DB-F9-F9"));
    assert_eq!(
        strings(&ingest, Field::Line),
        vec![Some("6".into()), Some("7".into())]
    );
    // No host name in NOTIFYMAPI rows: the server is named after the folder.
    assert_eq!(report.server_source, ServerSource::Folder);
}

#[test]
fn exchange_2013_agentinfo_custom_data_and_haredirect_recipients() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("kinesistap-exchange2013-msgtrk.log"));
    let data = access::event_data(&ingest.frame).unwrap();
    let keys: Vec<&str> = data[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "AMA",
            "CompCost",
            "DeliveryPriority",
            "OriginalFromAddress",
            "AccountForest"
        ]
    );
    assert_eq!(data[0][0].1, "SUM|action=p|error=|atch=0");
    assert_eq!(data[0][1].1, "|ETR=0");
    let rcpts = lists(&ingest, Field::Recipients);
    assert_eq!(
        rcpts[1],
        vec![
            "abannert@amazon.com",
            "bryanson@amazon.com",
            "zihoncao@amazon.com"
        ]
    );
    assert_eq!(
        strings(&ingest, Field::NetworkMessageId)[0].as_deref(),
        Some("13fad5b7-39c5-46e7-130e-08d4a138ac67")
    );
    assert_eq!(
        access::integers(&ingest.frame, Field::RecipientCount).unwrap(),
        vec![Some(1), Some(3)]
    );
    assert_eq!(ingest.files[0].server, "EX13D13UWA001");
}

#[test]
fn both_quoting_levels_in_the_smtp_fail_status() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("leweafan-beats-exchange-example.log"));
    let events = strings(&ingest, Field::EventId);
    let fail = events
        .iter()
        .position(|e| e.as_deref() == Some("FAIL"))
        .unwrap();
    let status = &lists(&ingest, Field::RecipientStatus)[fail];
    assert_eq!(status.len(), 1, "one recipient, one status");
    assert!(status[0].starts_with(
        "[{LED=554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException"
    ));
    assert!(status[0].ends_with("{LRT=02.04.2023 18:54:01}]"));
    assert!(
        !status[0].contains('\''),
        "single quotes of the member are removed"
    );
    assert_eq!(
        lists(&ingest, Field::Recipients)[fail],
        vec!["usrmailjiratech@test.com"]
    );
    assert_eq!(
        lists(&ingest, Field::Reference)[fail],
        vec!["<ac681870-286e-4b33-9adb-068a6fb667ae@5mail-exch01.test.com>"]
    );

    let dsn = events
        .iter()
        .position(|e| e.as_deref() == Some("DSN"))
        .unwrap();
    assert_eq!(
        strings(&ingest, Field::SourceContext)[dsn].as_deref(),
        Some("Delay")
    );
    assert_eq!(
        strings(&ingest, Field::MessageInfo)[dsn].as_deref(),
        Some("<mail1@test.com>:<400 4.4.7 Message delayed>")
    );
    let resolve = events
        .iter()
        .position(|e| e.as_deref() == Some("RESOLVE"))
        .unwrap();
    assert_eq!(
        strings(&ingest, Field::SourceContext)[resolve].as_deref(),
        Some(
            "/o=TEST/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=usere339c092"
        )
    );
    assert_eq!(
        strings(&ingest, Field::RelatedRecipientAddress)[resolve].as_deref(),
        Some("mail1@test.com")
    );
    // The AGENTINFO custom-data is CSV-quoted (commas in Conditions=) and splits into members.
    let agent = events
        .iter()
        .position(|e| e.as_deref() == Some("AGENTINFO"))
        .unwrap();
    let data = access::event_data(&ingest.frame).unwrap();
    assert!(
        data[agent]
            .iter()
            .any(|(k, v)| k == "TRA" && v.contains("Conditions=ISUP,M.F,0"))
    );
    // Both schema versions of the file are kept per row.
    let versions = strings(&ingest, Field::SchemaVersion);
    assert!(versions.contains(&Some("15.02.0986.041".into())));
    assert!(versions.contains(&Some("15.01.2507.023".into())));
}

#[test]
fn flow_file_keeps_duplicates_empty_members_and_locale_commas() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("leweafan-beats-exchange-example-flow.log"));
    let events = strings(&ingest, Field::EventId);
    let sources = strings(&ingest, Field::Source);
    let rcpts = lists(&ingest, Field::Recipients);
    let status = lists(&ingest, Field::RecipientStatus);
    let store_receive = (0..events.len())
        .find(|&i| {
            events[i].as_deref() == Some("RECEIVE") && sources[i].as_deref() == Some("STOREDRIVER")
        })
        .unwrap();
    assert_eq!(
        rcpts[store_receive],
        vec![
            "email3@gmail.com",
            "email1@test.com",
            "email1@test.com",
            "email2@gmail.com"
        ]
    );
    assert_eq!(status[store_receive], vec!["Cc", "Bcc", "Bcc", "To"]);
    // A 2-recipient TRANSFER has recipient-status ';': two empty members, aligned.
    let transfer = (0..events.len())
        .find(|&i| events[i].as_deref() == Some("TRANSFER") && rcpts[i].len() == 2)
        .unwrap();
    assert_eq!(status[transfer], vec!["", ""]);
    let send2 = (0..events.len())
        .find(|&i| events[i].as_deref() == Some("SEND") && rcpts[i].len() == 2)
        .unwrap();
    assert_eq!(lists(&ingest, Field::Reference)[send2], vec!["", ""]);
    let deliver = events
        .iter()
        .position(|e| e.as_deref() == Some("DELIVER"))
        .unwrap();
    let data = access::event_data(&ingest.frame).unwrap();
    assert!(data[deliver].contains(&("P2RecipStat".to_string(), "0,005/2".to_string())));
    assert!(
        events.contains(&Some("SENDEXTERNAL".into())),
        "unknown events are kept"
    );
    assert_eq!(
        strings(&ingest, Field::MessageInfo)[0].as_deref(),
        Some("11I: "),
        "trailing space kept"
    );
}

#[test]
fn ipv6_zone_ids_empty_traffic_type_and_mixed_builds() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("qazeer-exchange2016-msgtrkms-snippet.log"));
    assert_eq!(
        strings(&ingest, Field::ClientIp)[0].as_deref(),
        Some("fe80::1234:5678:4321:1010%3")
    );
    assert_eq!(lists(&ingest, Field::RecipientStatus)[1], vec!["To"]);
    assert_eq!(
        ingest.files[0].headers.version.as_deref(),
        Some("15.01.2375.007")
    );

    let ingest = read_one(&dir.join("elastic-integrations-msexchange-messagetracking-test.log"));
    let events = strings(&ingest, Field::EventId);
    let ext = events
        .iter()
        .position(|e| e.as_deref() == Some("SENDEXTERNAL"))
        .unwrap();
    assert!(
        strings(&ingest, Field::SourceContext)[ext]
            .as_deref()
            .unwrap()
            .contains("141301 bytes in 0.101, 1361.827 KB/sec")
    );
    assert_eq!(
        strings(&ingest, Field::ReturnPath)[ext].as_deref(),
        Some("<>")
    );
    let notify = events
        .iter()
        .position(|e| e.as_deref() == Some("NOTIFYMAPI"))
        .unwrap();
    assert_eq!(
        strings(&ingest, Field::ClientIp)[notify].as_deref(),
        Some("2a02:cf40::0000:1234:5678:9abc")
    );
    assert_eq!(strings(&ingest, Field::TransportTrafficType)[notify], None);
    let versions: std::collections::BTreeSet<_> = strings(&ingest, Field::SchemaVersion)
        .into_iter()
        .flatten()
        .collect();
    assert!(versions.len() >= 2, "{versions:?}");
}

#[test]
fn exchange_2007_and_truncated_2013_rows_are_mapped_by_width() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("pylogsparser-exchange2007-submit-snippet.log"));
    assert_eq!(
        strings(&ingest, Field::EventId)[0].as_deref(),
        Some("SUBMIT")
    );
    assert_eq!(
        strings(&ingest, Field::MessageSubject)[0].as_deref(),
        Some("Coucou !")
    );
    assert_eq!(
        strings(&ingest, Field::Sender)[0].as_deref(),
        Some("user7@qa.ifr.lan")
    );
    assert_eq!(strings(&ingest, Field::InternalMessageId)[0], None);
    assert!(
        ingest
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NoHeader && d.message.contains("21 fields"))
    );

    let ingest = read_one(&dir.join("msqa-2152821-agentinfo-transport-rule-snippet.log"));
    let data = access::event_data(&ingest.frame).unwrap();
    let tra: Vec<&String> = data[0]
        .iter()
        .filter(|(k, _)| k == "TRA")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(tra.len(), 3);
    assert!(tra[0].ends_with("Conditions=GTOEP,M.MAS,1"));
    assert_eq!(tra[2], "ETRP|ruleId=7366001e-f754-4330-9211-1bb412b6b159|");
    assert_eq!(
        strings(&ingest, Field::Sender)[0].as_deref(),
        Some("entadmin @ contoso1.net")
    );
    assert_eq!(
        strings(&ingest, Field::NetworkMessageId)[0].as_deref(),
        Some("4d444fe5-aa74-4e25-a8c5-08dd567649c5")
    );
}

#[test]
fn categorizer_rows_keep_their_related_addresses_and_references() {
    let Some(dir) = real_logs_dir() else { return };
    let ingest = read_one(&dir.join("categorizer-leweafan-2016-rows.log"));
    let events = strings(&ingest, Field::EventId);
    let redirect = events
        .iter()
        .position(|e| e.as_deref() == Some("REDIRECT"))
        .unwrap();
    let data = access::event_data(&ingest.frame).unwrap();
    assert_eq!(
        data[redirect][0],
        ("RecipientIsRedirectTarget".to_string(), "true".to_string())
    );
    let transfers: Vec<Vec<String>> = (0..events.len())
        .filter(|&i| events[i].as_deref() == Some("TRANSFER"))
        .map(|i| lists(&ingest, Field::Reference)[i].clone())
        .collect();
    assert!(transfers.contains(&vec!["164462887698557".to_string()]));
    assert_eq!(
        strings(&ingest, Field::ServerHostname)[redirect].as_deref(),
        Some("server1")
    );
}
