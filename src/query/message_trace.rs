//! Get-MessageTrace and Get-MessageTraceV2, Exchange Online's own cmdlets, answered from the
//! message-trace exports among the files given (`Get-MessageTrace | Export-Csv`, V1 or V2):
//! their parameters bound as Exchange Online binds them, one output object per (message,
//! recipient) with the cmdlet's properties, newest first, times in UTC.
//!
//! Rules (Microsoft's documentation of both cmdlets): without -StartDate/-EndDate the last 48
//! hours; -SenderAddress/-RecipientAddress/-MessageId/-Status take several values (OR-ed),
//! addresses with `*` wildcards, ignoring case; -Subject with -SubjectFilterType Contains,
//! StartsWith or EndsWith; V1 pages with -PageSize (1–5000, default 1000) and -Page; V2 cuts
//! at -ResultSize (1–5000, default 1000). Only message-trace rows answer: events of trace
//! detail or historical-search files are Get-MessageTrackingLog's.

use std::borrow::Cow;
use std::path::PathBuf;
use std::rc::Rc;

use crate::format::Field;
use crate::ingest::{Diagnostic, FileReport, ReadOptions, read_paths};
use crate::pwsh::ast::Command;
use crate::pwsh::datetime::{DateTime, Kind};
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind, unroll};
use crate::pwsh::value::{PsObject, Value};
use crate::pwsh::wildcard::wildcard_regex;

use super::cmdlet::instant_ms;
use super::settings::Session;

/// The statuses Exchange Online writes.
const STATUSES: [&str; 9] = [
    "None",
    "GettingStatus",
    "Failed",
    "Pending",
    "Delivered",
    "Expanded",
    "Quarantined",
    "FilteredAsSpam",
    "Resolved",
];

const fn p(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch: false,
    }
}

const COMMON: [ParamSpec; 10] = [
    p("SenderAddress"),
    p("RecipientAddress"),
    p("StartDate"),
    p("EndDate"),
    p("Status"),
    p("MessageId"),
    p("MessageTraceId"),
    p("FromIP"),
    p("ToIP"),
    p("ErrorAction"),
];

/// What one call read, for the run's report.
pub struct Traced {
    /// The output objects.
    pub items: Vec<Value>,
    /// Files read.
    pub files: Vec<FileReport>,
    /// Reader diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Notes for the user.
    pub notes: Vec<String>,
}

/// One row of message trace.
#[derive(Debug)]
struct Trace {
    v2: bool,
    received_ms: i64,
    sender: String,
    recipient: String,
    subject: String,
    status: String,
    to_ip: String,
    from_ip: String,
    size: Option<i64>,
    message_id: String,
    trace_id: String,
    organization: String,
}

impl PsObject for Trace {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(
            "Microsoft.Exchange.Management.FfoReporting.MessageTrace",
        )]
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        let v2 = crate::ingest::exports::MESSAGE_TRACE_V2_COLUMNS;
        let v1 = [
            "Organization",
            "MessageId",
            "Received",
            "SenderAddress",
            "RecipientAddress",
            "Subject",
            "Status",
            "ToIP",
            "FromIP",
            "Size",
            "MessageTraceId",
        ];
        let names: &[&str] = if self.v2 { &v2 } else { &v1 };
        names.iter().map(|n| Cow::Borrowed(*n)).collect()
    }

    fn property(&self, name: &str) -> Option<Value> {
        let text = |s: &str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::str(s)
            }
        };
        Some(match name.to_ascii_lowercase().as_str() {
            "received" => {
                chrono::DateTime::from_timestamp_millis(self.received_ms).map_or(Value::Null, |t| {
                    Value::DateTime(DateTime {
                        wall: t.naive_utc(),
                        kind: Kind::Utc,
                    })
                })
            }
            "senderaddress" => text(&self.sender),
            "recipientaddress" => text(&self.recipient),
            "subject" => text(&self.subject),
            "status" => text(&self.status),
            "toip" => text(&self.to_ip),
            "fromip" => text(&self.from_ip),
            "size" => self
                .size
                .and_then(|n| i32::try_from(n).ok())
                .map_or(Value::Null, Value::from),
            "messageid" => text(&self.message_id),
            "messagetraceid" => text(&self.trace_id),
            "organization" if !self.v2 => text(&self.organization),
            _ => return None,
        })
    }

    fn default_table(&self) -> Option<Vec<String>> {
        Some(
            [
                "Received",
                "SenderAddress",
                "RecipientAddress",
                "Subject",
                "Status",
            ]
            .map(String::from)
            .to_vec(),
        )
    }
}

/// How -Subject compares.
#[derive(Clone, Copy)]
enum SubjectTest {
    Contains,
    StartsWith,
    EndsWith,
}

/// The bound parameters.
struct Filter {
    senders: Vec<regex::Regex>,
    recipients: Vec<regex::Regex>,
    start_ms: i64,
    end_ms: i64,
    statuses: Vec<String>,
    message_ids: Vec<String>,
    trace_id: Option<String>,
    from_ip: Option<String>,
    to_ip: Option<String>,
    subject: Option<(String, SubjectTest)>,
}

impl Filter {
    fn keeps(&self, t: &Trace) -> bool {
        let any = |patterns: &[regex::Regex], text: &str| {
            patterns.is_empty() || patterns.iter().any(|p| p.is_match(text))
        };
        let bare = |id: &str| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_lowercase()
        };
        t.received_ms >= self.start_ms
            && t.received_ms < self.end_ms
            && any(&self.senders, &t.sender)
            && any(&self.recipients, &t.recipient)
            && (self.statuses.is_empty()
                || self
                    .statuses
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&t.status)))
            && (self.message_ids.is_empty()
                || self
                    .message_ids
                    .iter()
                    .any(|m| bare(m) == bare(&t.message_id)))
            && self
                .trace_id
                .as_ref()
                .is_none_or(|id| id.eq_ignore_ascii_case(&t.trace_id))
            && self.from_ip.as_ref().is_none_or(|ip| ip == &t.from_ip)
            && self.to_ip.as_ref().is_none_or(|ip| ip == &t.to_ip)
            && self.subject.as_ref().is_none_or(|(s, test)| {
                let (subject, s) = (t.subject.to_lowercase(), s.to_lowercase());
                match test {
                    SubjectTest::Contains => subject.contains(&s),
                    SubjectTest::StartsWith => subject.starts_with(&s),
                    SubjectTest::EndsWith => subject.ends_with(&s),
                }
            })
    }
}

/// Runs `Get-MessageTrace` (`v2` false) or `Get-MessageTraceV2` over the files in `paths`.
pub fn run(
    engine: &mut dyn Scope,
    session: &Session,
    paths: &[PathBuf],
    c: &Command,
    v2: bool,
) -> EvalResult<Traced> {
    let name = if v2 {
        "Get-MessageTraceV2"
    } else {
        "Get-MessageTrace"
    };
    let mut params: Vec<ParamSpec> = COMMON.to_vec();
    if v2 {
        params.extend([
            p("Subject"),
            p("SubjectFilterType"),
            p("ResultSize"),
            p("StartingRecipientAddress"),
        ]);
    } else {
        params.extend([p("PageSize"), p("Page")]);
    }
    let bound = bind(c, &params)?;
    if let Some(extra) = bound.positional.first() {
        return Err(EvalError::new(
            format!(
                "{name} takes no positional values here; name the parameter (-SenderAddress, -RecipientAddress, …)"
            ),
            extra.span.clone(),
        ));
    }
    let mut notes = Vec::new();
    let now_ms = session.now.timestamp_millis();
    let mut filter = Filter {
        senders: Vec::new(),
        recipients: Vec::new(),
        start_ms: now_ms - 48 * 3_600_000,
        end_ms: now_ms,
        statuses: Vec::new(),
        message_ids: Vec::new(),
        trace_id: None,
        from_ip: None,
        to_ip: None,
        subject: None,
    };
    let (mut start, mut end) = (None, None);
    let mut limit = 1000usize;
    let mut page = 1usize;
    let mut subject_type = None;
    let mut subject = None;
    for (param, value, span) in &bound.named {
        let Some(e) = value else {
            return Err(EvalError::new(
                format!("-{param} needs a value"),
                span.clone(),
            ));
        };
        let values: Vec<String> = unroll(engine.expr(e)?).iter().map(Value::to_text).collect();
        let one = || -> EvalResult<String> {
            match values.as_slice() {
                [v] => Ok(v.clone()),
                _ => Err(EvalError::new(
                    format!("-{param} takes one value"),
                    e.span.clone(),
                )),
            }
        };
        let patterns = |values: &[String]| -> EvalResult<Vec<regex::Regex>> {
            values
                .iter()
                .map(|v| {
                    wildcard_regex(v.trim(), false)
                        .map_err(|err| EvalError::new(err.to_string(), e.span.clone()))
                })
                .collect()
        };
        let size = |what: &str| -> EvalResult<usize> {
            let v = one()?;
            match v.trim().parse::<usize>() {
                Ok(n) if (1..=5000).contains(&n) => Ok(n),
                _ => Err(EvalError::new(
                    format!("-{what} takes a whole number from 1 to 5000 in {name}, not {v}"),
                    e.span.clone(),
                )),
            }
        };
        match *param {
            "SenderAddress" => filter.senders = patterns(&values)?,
            "RecipientAddress" => filter.recipients = patterns(&values)?,
            "StartDate" | "EndDate" => {
                let v = engine.expr(e)?;
                let ms = instant_ms(engine, session, &v, &e.span)?;
                if *param == "StartDate" {
                    start = Some(ms);
                } else {
                    end = Some(ms);
                }
            }
            "Status" => {
                for v in &values {
                    if !STATUSES.iter().any(|s| s.eq_ignore_ascii_case(v)) {
                        return Err(EvalError::new(
                            format!(
                                "-Status {v}: not a message-trace status (one of {})",
                                STATUSES.join(", ")
                            ),
                            e.span.clone(),
                        ));
                    }
                }
                filter.statuses = values;
            }
            "MessageId" => filter.message_ids = values,
            "MessageTraceId" => filter.trace_id = Some(one()?),
            "FromIP" => filter.from_ip = Some(one()?),
            "ToIP" => filter.to_ip = Some(one()?),
            "Subject" => subject = Some(one()?),
            "SubjectFilterType" => {
                let v = one()?;
                subject_type = Some(match v.to_ascii_lowercase().as_str() {
                    "contains" => SubjectTest::Contains,
                    "startswith" => SubjectTest::StartsWith,
                    "endswith" => SubjectTest::EndsWith,
                    _ => {
                        return Err(EvalError::new(
                            format!("-SubjectFilterType {v}: one of Contains, StartsWith, EndsWith"),
                            e.span.clone(),
                        ));
                    }
                });
            }
            "ResultSize" => limit = size("ResultSize")?,
            "PageSize" => limit = size("PageSize")?,
            "Page" => {
                page = match one()?.trim().parse::<usize>() {
                    Ok(n) if (1..=1000).contains(&n) => n,
                    _ => {
                        return Err(EvalError::new(
                            "-Page takes a whole number from 1 to 1000",
                            e.span.clone(),
                        ));
                    }
                }
            }
            "StartingRecipientAddress" => {
                return Err(EvalError::new(
                    "-StartingRecipientAddress continues a cut answer in Exchange Online; msgtrack reads the whole export: raise -ResultSize (up to 5000) or narrow -StartDate/-EndDate instead",
                    span.clone(),
                ));
            }
            "ErrorAction" => notes.push(
                "-ErrorAction is accepted and has no effect: msgtrack reports every problem on stderr and goes on".into(),
            ),
            other => {
                return Err(EvalError::new(
                    format!("-{other} is not a parameter of {name}"),
                    span.clone(),
                ));
            }
        }
    }
    match (start, end) {
        (Some(s), Some(e)) => {
            filter.start_ms = s;
            filter.end_ms = e;
            if e - s > 10 * 86_400_000 {
                notes.push(format!(
                    "{name} in Exchange Online refuses a range of more than 10 days; msgtrack answers over the files for the whole range"
                ));
            }
        }
        (None, None) => notes.push(format!(
            "{name} without -StartDate and -EndDate covers the last 48 hours (before {}), as in Exchange Online",
            session.zone.format(session.now)
        )),
        _ => {
            return Err(EvalError::new(
                format!("{name} needs both -StartDate and -EndDate (or neither: the last 48 hours)"),
                c.span.clone(),
            ));
        }
    }
    if let Some(s) = subject {
        let test = subject_type.unwrap_or_else(|| {
            notes.push("-Subject without -SubjectFilterType is matched as Contains".into());
            SubjectTest::Contains
        });
        filter.subject = Some((s, test));
    } else if subject_type.is_some() {
        notes.push("-SubjectFilterType without -Subject has no effect".into());
    }

    let columns = [
        Field::Timestamp,
        Field::EventId,
        Field::Sender,
        Field::Recipients,
        Field::MessageSubject,
        Field::EventData,
        Field::ServerIp,
        Field::OriginalClientIp,
        Field::TotalBytes,
        Field::MessageId,
        Field::TenantId,
        Field::Origin,
    ];
    let options = ReadOptions::default().with_columns(columns);
    let read = read_paths(paths, &options)
        .map_err(|e| EvalError::new(format!("reading the files failed: {e}"), c.span.clone()))?;
    let traces = traces(&read.frame, v2)
        .map_err(|e| EvalError::new(format!("reading the files failed: {e}"), c.span.clone()))?;
    if traces.is_empty() {
        return Err(EvalError::new(
            format!(
                "{name} answers from message-trace exports (Get-MessageTrace or Get-MessageTraceV2 | Export-Csv), and the files given hold none; for tracking logs, trace detail or historical-search files use Get-MessageTrackingLog"
            ),
            c.span.clone(),
        ));
    }
    let mut kept: Vec<Trace> = traces.into_iter().filter(|t| filter.keeps(t)).collect();
    // Newest first, as Exchange Online answers.
    kept.sort_by_key(|t| std::cmp::Reverse(t.received_ms));
    let total = kept.len();
    let skip = (page - 1).saturating_mul(limit);
    let items: Vec<Value> = kept
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|t| Value::Object(Rc::new(t)))
        .collect();
    if total > skip + items.len() {
        notes.push(if v2 {
            format!(
                "There are more results ({} of {total} shown): raise -ResultSize (up to 5000) or narrow -StartDate/-EndDate",
                items.len()
            )
        } else {
            format!(
                "There are more results ({} of {total} shown on page {page}): use -Page {} or a larger -PageSize (up to 5000)",
                items.len(),
                page + 1
            )
        });
    }
    Ok(Traced {
        items,
        files: read.files,
        diagnostics: read.diagnostics,
        notes,
    })
}

/// The message-trace rows of a frame: Exchange Online rows with a Status and no event.
fn traces(
    frame: &polars::prelude::DataFrame,
    v2: bool,
) -> polars::prelude::PolarsResult<Vec<Trace>> {
    use crate::frame::access;
    let times = access::timestamps_ms(frame)?;
    let text = |f: Field| access::strings(frame, f);
    let (event, sender, subject, to_ip, from_ip, message_id, tenant, origin) = (
        text(Field::EventId)?,
        text(Field::Sender)?,
        text(Field::MessageSubject)?,
        text(Field::ServerIp)?,
        text(Field::OriginalClientIp)?,
        text(Field::MessageId)?,
        text(Field::TenantId)?,
        text(Field::Origin)?,
    );
    let recipients = access::string_lists(frame, Field::Recipients)?;
    let data = access::event_data(frame)?;
    let sizes = access::integers(frame, Field::TotalBytes)?;
    let mut out = Vec::new();
    for i in 0..frame.height() {
        let key = |k: &str| data[i].iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let online = origin[i].as_deref() == Some(crate::ingest::exports::EXCHANGE_ONLINE);
        let Some(status) = key("Status") else {
            continue;
        };
        if !online || event[i].is_some() {
            continue;
        }
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        out.push(Trace {
            v2,
            received_ms: times[i],
            sender: s(&sender[i]),
            recipient: recipients[i].first().cloned().unwrap_or_default(),
            subject: s(&subject[i]),
            status,
            to_ip: s(&to_ip[i]),
            from_ip: s(&from_ip[i]),
            size: sizes[i],
            message_id: s(&message_id[i]),
            trace_id: key("MessageTraceId").unwrap_or_default(),
            organization: s(&tenant[i]),
        });
    }
    Ok(out)
}
