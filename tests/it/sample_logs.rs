//! The shipped sample: it is exactly what the generator writes, it reads with no bad line,
//! and every scenario the later features explain is in it.

use std::collections::BTreeMap;

use msgtrack::format::Field;
use msgtrack::format::imcea;

use crate::util::{Dir, lists, read, sample_logs_dir, strings};

#[test]
fn committed_sample_is_exactly_what_the_generator_writes() {
    let dir = Dir::new();
    let written = msgtrack::synth::write_sample(dir.path()).unwrap();
    assert!(written.bytes < 5_000_000, "sample must stay under 5 MB");
    for path in &written.files {
        let relative = path.strip_prefix(dir.path()).unwrap();
        let committed = std::fs::read(sample_logs_dir().join(relative)).unwrap_or_else(|_| {
            panic!(
                "{} is not committed; run `msgtrack generate sample-logs`",
                relative.display()
            )
        });
        assert!(
            std::fs::read(path).unwrap() == committed,
            "{} differs from the generator",
            relative.display()
        );
    }
    let snapshot = std::fs::read_to_string(dir.path().join("directory.json")).unwrap();
    assert_eq!(
        snapshot,
        std::fs::read_to_string(sample_logs_dir().join("directory.json")).unwrap()
    );
}

#[test]
fn sample_reads_with_zero_bad_lines_and_no_warning() {
    let ingest = read(&[sample_logs_dir()]);
    assert!(ingest.frame.height() > 4000);
    assert_eq!(ingest.bad_lines(), 0);
    assert!(
        ingest.diagnostics.is_empty(),
        "{:?}",
        &ingest.diagnostics[..ingest.diagnostics.len().min(3)]
    );
    assert!(
        ingest
            .files
            .iter()
            .all(|f| f.headers.fields.as_ref().and_then(|m| m.layout)
                == Some(msgtrack::format::Layout::Exchange2016))
    );
}

#[test]
fn sample_holds_every_scenario() {
    let ingest = read(&[sample_logs_dir()]);
    let events = strings(&ingest, Field::EventId);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in events.iter().flatten() {
        *counts.entry(e.clone()).or_default() += 1;
    }
    for needed in [
        "RECEIVE",
        "SEND",
        "SENDEXTERNAL",
        "DELIVER",
        "EXPAND",
        "DUPLICATEEXPAND",
        "REDIRECT",
        "RESOLVE",
        "FAIL",
        "DSN",
        "DEFER",
        "HAREDIRECT",
        "HARECEIVE",
        "HADISCARD",
        "RESUBMIT",
        "DUPLICATEDELIVER",
        "INITMESSAGECREATED",
        "MODERATORAPPROVE",
        "MODERATORREJECT",
        "TRANSFER",
        "NOTIFYMAPI",
        "SUBMIT",
    ] {
        assert!(
            counts.contains_key(needed),
            "no {needed} in the sample: {counts:?}"
        );
    }

    let status = lists(&ingest, Field::RecipientStatus);
    let rcpts = lists(&ingest, Field::Recipients);
    let fails: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].as_deref() == Some("FAIL"))
        .collect();
    let has = |text: &str| {
        fails
            .iter()
            .any(|&i| status[i].iter().any(|s| s.contains(text)))
    };
    for code in [
        "5.1.1 RESOLVER.ADR.ExRecipNotFound",
        "5.4.6 RESOLVER.FWD.Loop",
        "5.7.1 RESOLVER.RST.AuthRequired",
        "5.2.2 mailbox full",
        "5.1.1 RESOLVER.ADR.RecipNotFound",
    ] {
        assert!(has(code), "no FAIL with {code}");
    }
    // The IMCEAEX failures decode to the old DNs of the two re-created mailboxes.
    let mut dns: Vec<String> = fails
        .iter()
        .flat_map(|&i| rcpts[i].iter())
        .filter_map(|r| imcea::decode(r))
        .map(|d| d.address)
        .collect();
    dns.sort();
    dns.dedup();
    assert_eq!(dns.len(), 2, "{dns:?}");
    assert!(dns.iter().any(|d| d.ends_with("Joe Bloggs")));
    assert!(dns.iter().any(|d| d.ends_with("Ana Müller")));

    // The broken loop: REDIRECT there and back, then FAIL of the first address.
    let related = strings(&ingest, Field::RelatedRecipientAddress);
    let redirects: Vec<(String, String)> = (0..events.len())
        .filter(|&i| events[i].as_deref() == Some("REDIRECT"))
        .map(|i| (rcpts[i][0].clone(), related[i].clone().unwrap_or_default()))
        .collect();
    assert!(redirects.contains(&(
        "raul.razo@contoso.com".into(),
        "pradeep.gupta@contoso.com".into()
    )));
    assert!(redirects.contains(&(
        "pradeep.gupta@contoso.com".into(),
        "raul.razo@contoso.com".into()
    )));

    // Subjects with commas, quotes and Korean text.
    let subjects: Vec<String> = strings(&ingest, Field::MessageSubject)
        .into_iter()
        .flatten()
        .collect();
    assert!(subjects.iter().any(|s| s.contains(',') && s.contains('"')));
    assert!(subjects.iter().any(|s| s.contains("보고서")));
}

#[test]
fn committed_sample_exports_are_exactly_what_the_generator_writes() {
    let dir = Dir::new();
    let written = msgtrack::synth::write_exports(dir.path()).expect("written");
    let committed_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-exports");
    assert_eq!(written.files.len(), 3);
    for path in &written.files {
        let relative = path.strip_prefix(dir.path()).expect("under the folder");
        let committed = std::fs::read(committed_dir.join(relative)).unwrap_or_else(|_| {
            panic!(
                "{} is not committed; run `msgtrack generate sample-exports --out sample-exports`",
                relative.display()
            )
        });
        assert!(
            std::fs::read(path).expect("written") == committed,
            "{} differs from the generator",
            relative.display()
        );
    }
}
