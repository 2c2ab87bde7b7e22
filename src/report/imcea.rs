//! `msgtrack report imcea`: every failure with an IMCEA-encapsulated address, decoded and
//! grouped by the address it wraps (for `EX`, the stale legacyExchangeDN), with the mailbox
//! that most likely needs it as an X500 proxy and the shell line that adds it.
//!
//! The JSON form of [`ImceaFinding`] is a public interface (documented in the README): keep
//! its field names.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use super::scan::ReportRow;
use crate::directory::Directory;
use crate::directory::owner::{Confidence, X500Fix, guess_owner, x500_fix};
use crate::format::status::Status;
use crate::format::time::format_timestamp_ms;
use crate::format::{EventId, imcea};
use crate::ingest::{FieldCondition, FieldTest, RowFilter};

/// One decoded address that failed, with everything known about its failures.
#[derive(Debug, Clone, Serialize)]
pub struct ImceaFinding {
    /// The IMCEA address as logged (the first one seen; `addresses` lists every form).
    pub address: String,
    /// The encapsulated proxy type: `EX`, `X500`, `X400`, `NOTES`, `SMTP`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// The decoded address: for `EX` and `X500` the legacyExchangeDN, else the address of
    /// that type.
    pub legacy_exchange_dn: String,
    /// Failed deliveries: distinct (message, address) pairs with a FAIL row.
    pub count: u64,
    /// Distinct senders of the failed messages.
    pub senders: Vec<String>,
    /// When the first failure was logged.
    pub first_seen: String,
    /// When the last failure was logged.
    pub last_seen: String,
    /// `first_seen` and `last_seen` in ms, for printing in another zone.
    #[serde(skip)]
    pub first_ms: i64,
    #[serde(skip)]
    /// The last row's time (ms since the epoch, UTC).
    pub last_ms: i64,
    /// The servers.
    pub servers: Vec<String>,
    /// The status logged (the most frequent one), e.g. `550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found`.
    pub status: String,
    /// The recipient that most likely owns the address (with `--directory`).
    pub suggested_mailbox: Option<String>,
    /// `present` (already fixed), `high`, `medium`, `low`, `none` (no candidate), or
    /// `needs-snapshot` (run without `--directory`).
    pub confidence: String,
    /// The shell line to review and run, when there is a candidate and no fix yet.
    pub fix: Option<String>,
    /// What `fix` is made of (rebuilt after `--anonymize` replaces its parts).
    #[serde(skip)]
    pub fix_parts: Option<X500Fix>,
    /// Why that mailbox (or why none).
    pub why: String,
    /// Every IMCEA form of this address seen (other domains, other case).
    pub addresses: Vec<String>,
    /// Where the address appeared: `recipient`, `sender`, `related`.
    pub roles: Vec<String>,
    /// NDRs (DSN rows) written for these failures.
    pub dsns: u64,
    /// Up to five Message-IDs of failed messages, to look at with `msgtrack explain`.
    pub example_message_ids: Vec<String>,
}

#[derive(Default)]
struct Group {
    kind: String,
    decoded: String,
    addresses: Vec<String>,
    pairs: HashSet<(String, String)>,
    senders: BTreeSet<String>,
    first_ms: i64,
    last_ms: i64,
    servers: BTreeSet<String>,
    statuses: BTreeMap<String, u64>,
    roles: BTreeSet<&'static str>,
    dsn_ids: HashSet<String>,
    examples: Vec<String>,
}

/// Collects IMCEA failures row by row.
#[derive(Default)]
pub struct ImceaCollector {
    groups: BTreeMap<(String, String), Group>,
    dsn_ids: HashSet<String>,
}

/// The rows the report needs: FAIL rows, and DSN rows to count the NDRs.
pub fn imcea_filter(window: &RowFilter) -> RowFilter {
    let mut filter = window.clone();
    filter.conditions.push(FieldCondition {
        field: crate::format::Field::EventId,
        test: FieldTest::EqualsAny(vec!["FAIL".into(), "DSN".into()]),
    });
    filter
}

impl ImceaCollector {
    /// Looks at one row.
    pub fn add(&mut self, row: &ReportRow<'_>) {
        if row.is(&[EventId::Dsn]) {
            self.dsn_ids.insert(row.message_id.to_string());
            return;
        }
        if !row.is(&[EventId::Fail]) {
            return;
        }
        for (i, r) in row.recipients.iter().enumerate() {
            self.note(row, r, "recipient", row.status_of(i));
        }
        self.note(row, row.sender, "sender", row.status_of(0));
        self.note(row, row.related, "related", row.status_of(0));
    }

    fn note(&mut self, row: &ReportRow<'_>, address: &str, role: &'static str, status: &str) {
        let Some(decoded) = imcea::decode(address) else {
            return;
        };
        let key = (
            decoded.kind.to_ascii_uppercase(),
            decoded.address.to_lowercase(),
        );
        let g = self.groups.entry(key).or_insert_with(|| Group {
            kind: decoded.kind.to_ascii_uppercase(),
            decoded: decoded.address.clone(),
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            ..Group::default()
        });
        if !g.addresses.iter().any(|a| a == address) {
            g.addresses.push(address.to_string());
        }
        g.servers.insert(row.server.to_string());
        g.first_ms = g.first_ms.min(row.timestamp_ms);
        g.last_ms = g.last_ms.max(row.timestamp_ms);
        let new = g
            .pairs
            .insert((row.message_id.to_string(), address.to_lowercase()));
        if !new {
            return;
        }
        if !row.sender.is_empty() {
            g.senders.insert(row.sender.to_lowercase());
        }
        *g.statuses.entry(Status::parse(status).line()).or_default() += 1;
        g.roles.insert(role);
        g.dsn_ids
            .extend(row.reference.iter().map(|r| r.to_string()));
        if g.examples.len() < 5 && !g.examples.iter().any(|m| m == row.message_id) {
            g.examples.push(row.message_id.to_string());
        }
    }

    /// The findings, most failures first, with owners from `directory` when given.
    pub fn finish(self, directory: Option<&Directory>) -> Vec<ImceaFinding> {
        let mut out: Vec<ImceaFinding> = self
            .groups
            .into_values()
            .map(|g| finding(g, &self.dsn_ids, directory))
            .collect();
        out.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.legacy_exchange_dn.cmp(&b.legacy_exchange_dn))
        });
        out
    }
}

fn finding(g: Group, dsn_ids: &HashSet<String>, directory: Option<&Directory>) -> ImceaFinding {
    let status = g
        .statuses
        .iter()
        .max_by_key(|(text, n)| (**n, std::cmp::Reverse((*text).clone())))
        .map(|(t, _)| t.clone())
        .unwrap_or_default();
    let is_dn = matches!(g.kind.as_str(), "EX" | "X500");
    let (suggested, confidence, fix, why) = match (directory, is_dn) {
        (_, false) => (
            None,
            "none".to_string(),
            None,
            format!(
                "an {} address wrapped in SMTP: the sender's client kept a non-SMTP address; ask for the recipient's SMTP address (no X500 proxy applies)",
                g.kind
            ),
        ),
        (None, true) => (
            None,
            "needs-snapshot".to_string(),
            None,
            "run with --directory (a recipient snapshot, see the README) to find the mailbox that needs this X500 proxy".to_string(),
        ),
        (Some(d), true) => match guess_owner(d, &g.decoded).into_iter().next() {
            Some(best) => {
                let r = d.recipient(best.id);
                let fix = (best.confidence != Confidence::Present)
                    .then(|| x500_fix(d, best.id, &g.decoded));
                let why = if best.confidence == Confidence::Present {
                    format!(
                        "{}: already fixed, failures after it was added would be a new problem",
                        best.why
                    )
                } else {
                    best.why
                };
                (
                    Some(label(r)),
                    best.confidence.label().to_string(),
                    fix,
                    why,
                )
            }
            None => (
                None,
                "none".to_string(),
                None,
                "no recipient in the snapshot resembles the DN's last cn=: find who the person is now and add the X500 proxy there".to_string(),
            ),
        },
    };
    ImceaFinding {
        address: g.addresses.first().cloned().unwrap_or_default(),
        kind: g.kind,
        legacy_exchange_dn: g.decoded,
        count: g.pairs.len() as u64,
        senders: g.senders.into_iter().collect(),
        first_seen: format_timestamp_ms(g.first_ms),
        last_seen: format_timestamp_ms(g.last_ms),
        first_ms: g.first_ms,
        last_ms: g.last_ms,
        servers: g.servers.into_iter().collect(),
        status,
        suggested_mailbox: suggested,
        confidence,
        fix: fix.as_ref().map(X500Fix::line),
        fix_parts: fix,
        why,
        addresses: g.addresses,
        roles: g.roles.into_iter().map(str::to_string).collect(),
        dsns: g.dsn_ids.iter().filter(|id| dsn_ids.contains(*id)).count() as u64,
        example_message_ids: g.examples,
    }
}

fn label(r: &crate::directory::Recipient) -> String {
    if r.primary_smtp_address.is_empty() {
        r.name.to_string()
    } else {
        format!("{} <{}>", r.name, r.primary_smtp_address)
    }
}

impl ImceaFinding {
    /// Every address, DN, sender and Message-ID replaced by a token.
    pub fn anonymize(&mut self, a: &super::anonymize::Anonymizer) {
        for s in [
            &mut self.address,
            &mut self.legacy_exchange_dn,
            &mut self.why,
        ] {
            *s = a.text(s);
        }
        for list in [
            &mut self.senders,
            &mut self.addresses,
            &mut self.example_message_ids,
        ] {
            for s in list.iter_mut() {
                *s = a.text(s);
            }
        }
        // Names are personal too: keep only the mailbox's address token, and say why
        // without quoting names.
        if let Some(m) = &mut self.suggested_mailbox {
            let address = m
                .rsplit_once('<')
                .map_or(m.as_str(), |(_, rest)| rest.trim_end_matches('>'));
            *m = a.text(address);
            self.why = format!(
                "matched by name ({} confidence; names hidden by --anonymize)",
                self.confidence
            );
        }
        if let Some(parts) = &mut self.fix_parts {
            parts.identity = a.text(&parts.identity);
            parts.dn = a.text(&parts.dn);
            self.fix = Some(parts.line());
        }
    }
}

const TITLE: &str = "IMCEA failures";

fn intro(findings: &[ImceaFinding]) -> Vec<String> {
    let failures: u64 = findings.iter().map(|f| f.count).sum();
    let fixes = findings.iter().filter(|f| f.fix.is_some()).count();
    vec![
        format!(
            "{} encapsulated address(es) failed {failures} time(s); {fixes} fix line(s) to review.",
            findings.len()
        ),
        "Counted: distinct (message, address) pairs with a FAIL row, grouped by the decoded address; NDRs = DSN rows those FAIL rows reference.".to_string(),
    ]
}

/// The findings as text blocks, worst first: the decoded DN, who and when, the owner guess,
/// and the fix line.
pub fn text(findings: &[ImceaFinding], has_directory: bool, zone: &crate::format::Zone) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{TITLE}\n{}", "=".repeat(TITLE.len()));
    for line in intro(findings) {
        let _ = writeln!(out, "{line}");
    }
    if findings.is_empty() {
        let _ = writeln!(out, "\nNo failure with an IMCEA address in these logs.");
    }
    for (i, f) in findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n{}. {} {} — {} failure(s), {} sender(s), {} NDR(s)",
            i + 1,
            f.kind,
            f.legacy_exchange_dn,
            f.count,
            f.senders.len(),
            f.dsns
        );
        let _ = writeln!(out, "   address:  {}", f.address);
        if f.addresses.len() > 1 {
            let _ = writeln!(out, "   also as:  {}", f.addresses[1..].join(", "));
        }
        let _ = writeln!(out, "   status:   {}", f.status);
        let _ = writeln!(
            out,
            "   seen:     {} → {} on {}",
            zone.format_ms(f.first_ms),
            zone.format_ms(f.last_ms),
            f.servers.join(", ")
        );
        let shown: Vec<&str> = f.senders.iter().take(5).map(String::as_str).collect();
        let more = f.senders.len().saturating_sub(shown.len());
        let _ = writeln!(
            out,
            "   senders:  {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        match &f.suggested_mailbox {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "   owner:    {m} ({} confidence: {})",
                    f.confidence, f.why
                );
            }
            None => {
                let _ = writeln!(out, "   owner:    {}", f.why);
            }
        }
        match &f.fix {
            Some(fix) => {
                let _ = writeln!(out, "   fix:      {fix}");
            }
            None if !has_directory && matches!(f.kind.as_str(), "EX" | "X500") => {
                let template = X500Fix {
                    cmdlet: "Set-Mailbox",
                    identity: "<mailbox>".into(),
                    dn: f.legacy_exchange_dn.clone(),
                };
                let _ = writeln!(out, "   fix:      {}", template.line());
            }
            None => {}
        }
        if let Some(id) = f.example_message_ids.first() {
            let _ = writeln!(
                out,
                "   explain:  msgtrack explain PATH... -m {}",
                crate::escape::shell::posix(id)
            );
        }
    }
    out
}

/// The findings as the shared report model (Markdown and HTML): an overview table, then one
/// two-column table per finding with the fix line.
pub fn report(findings: &[ImceaFinding]) -> super::table::Report {
    use super::table::{Report, Section, Table};
    let mut overview = Table::new(
        "imcea",
        "Failed IMCEA addresses",
        "distinct (message, address) pairs with a FAIL row, grouped by the decoded address",
        &[
            "Name in the DN",
            "Failures",
            "Senders",
            "Last seen",
            "Suggested mailbox",
            "Confidence",
        ],
    )
    .with_chart(0, vec![1]);
    let mut details = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let (cn, _) = crate::directory::owner::last_cn(&f.legacy_exchange_dn);
        let name = format!("{}. {cn}", i + 1);
        overview.row(vec![
            name.clone().into(),
            f.count.into(),
            f.senders.len().into(),
            f.last_seen.clone().into(),
            f.suggested_mailbox.clone().unwrap_or_default().into(),
            f.confidence.clone().into(),
        ]);
        let mut t = Table::new(
            &format!("finding_{}", i + 1),
            &name,
            "the failures of this decoded address",
            &["Field", "Value"],
        );
        let rows: [(&str, String); 13] = [
            ("Type", f.kind.clone()),
            ("Decoded address", f.legacy_exchange_dn.clone()),
            ("As logged", f.addresses.join(", ")),
            ("Failures", f.count.to_string()),
            ("NDRs", f.dsns.to_string()),
            ("Senders", f.senders.join(", ")),
            ("Seen", format!("{} → {}", f.first_seen, f.last_seen)),
            ("Servers", f.servers.join(", ")),
            ("Status", f.status.clone()),
            (
                "Suggested mailbox",
                f.suggested_mailbox.clone().unwrap_or_else(|| "-".into()),
            ),
            ("Why", format!("{} ({})", f.why, f.confidence)),
            ("Fix", f.fix.clone().unwrap_or_else(|| "-".into())),
            (
                "Example Message-ID",
                f.example_message_ids.first().cloned().unwrap_or_default(),
            ),
        ];
        for (k, v) in rows {
            t.row(vec![k.into(), v.into()]);
        }
        details.push(t);
    }
    let mut sections = vec![Section {
        title: "Failures by decoded address".into(),
        tables: vec![overview],
    }];
    if !details.is_empty() {
        sections.push(Section {
            title: "Details and fixes".into(),
            tables: details,
        });
    }
    let failures: u64 = findings.iter().map(|f| f.count).sum();
    let fixable = findings
        .iter()
        .filter(|f| f.suggested_mailbox.is_some())
        .count();
    let headlines = vec![
        super::table::Headline {
            label: "Decoded addresses".into(),
            value: findings.len().to_string(),
            detail: "distinct legacy DNs that failed".into(),
            change: None,
        },
        super::table::Headline {
            label: "Failures".into(),
            value: failures.to_string(),
            detail: "(message, address) pairs".into(),
            change: None,
        },
        super::table::Headline {
            label: "With a fix".into(),
            value: fixable.to_string(),
            detail: "a mailbox to add the X500 to".into(),
            change: None,
        },
    ];
    Report {
        title: TITLE.into(),
        notes: intro(findings),
        headlines,
        details: Vec::new(),
        address_details: Vec::new(),
        sections,
    }
}

/// The findings as CSV, one row per decoded address (lists joined with `;`).
/// The findings as CSV; text cells a spreadsheet would run as formulas are guarded unless
/// `raw` (see [`crate::escape::spreadsheet`]).
pub fn csv(findings: &[ImceaFinding], raw: bool) -> Result<String, csv::Error> {
    let cell = |s: &str| -> String {
        if raw {
            s.to_string()
        } else {
            crate::escape::spreadsheet::guard(s).into_owned()
        }
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
        "why",
        "dsns",
    ])?;
    for f in findings {
        w.write_record(
            [
                f.address.as_str(),
                &f.kind,
                &f.legacy_exchange_dn,
                &f.count.to_string(),
                &f.senders.join(";"),
                &f.first_seen,
                &f.last_seen,
                &f.servers.join(";"),
                &f.status,
                f.suggested_mailbox.as_deref().unwrap_or(""),
                &f.confidence,
                f.fix.as_deref().unwrap_or(""),
                &f.why,
                &f.dsns.to_string(),
            ]
            .map(cell),
        )?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
