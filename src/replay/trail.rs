//! `msgtrack trail`: one message's journey across servers — every hop with its latency, HA
//! events, deferrals, the DSNs sent about it, and the servers whose logs are missing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::message::MessageRows;
use crate::format::{EventId, LogRecord};

/// One row of the journey.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub timestamp_ms: i64,
    pub server: String,
    pub source: String,
    pub event_id: String,
    /// Recipients with their status (empty when the row has none).
    pub recipients: Vec<(String, String)>,
    pub connector: String,
    /// The next hop for SEND rows, the client for RECEIVE rows.
    pub peer: String,
    pub related: String,
    /// Why, for DEFER/FAIL rows, or the source-context otherwise.
    pub detail: String,
    /// `ha` (shadow redundancy / Safety Net), `defer`, `fail`, or empty.
    pub note: String,
    /// Milliseconds since the previous row of the journey.
    pub since_previous_ms: i64,
    pub location: Option<String>,
    /// `OnPremises` or `ExchangeOnline` (where the row was read from).
    pub origin: String,
}

/// An outcome a summary file gives (Exchange Online message trace, historical summary): it
/// ends a journey but is not an event, so it is not a hop.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub timestamp_ms: i64,
    pub recipient: String,
    /// `Delivered`, `Failed`, … or the summary's event list.
    pub status: String,
    pub origin: String,
    pub location: Option<String>,
}

/// The hop between Exchange on premises and Exchange Online.
#[derive(Debug, Clone, Serialize)]
pub struct HybridHop {
    /// `to Exchange Online` or `from Exchange Online`.
    pub direction: String,
    /// The sending side's SEND.
    pub sent_ms: i64,
    pub sent_by: String,
    /// The receiving side's RECEIVE, when its rows were given.
    pub received_ms: Option<i64>,
    pub received_by: String,
    /// How it was matched: the remote answer's InternalId and host, or the Message-ID alone.
    pub matched_by: String,
}

/// Time spent on one server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerSpan {
    pub server: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub rows: usize,
}

/// A server the message was handed to whose logs were not read.
#[derive(Debug, Clone, Serialize)]
pub struct MissingLogs {
    pub host: String,
    pub sent_from: String,
    pub timestamp_ms: i64,
}

/// Time in a journey that is waiting, not delivery work: reported apart from the delivery time.
#[derive(Debug, Clone, Serialize)]
pub struct Wait {
    /// `safety-net` (a resubmission after the first delivery), `defer` (a queue retry) or
    /// `moderation` (held for a moderator).
    pub kind: String,
    pub from_ms: i64,
    /// When the wait ended (the next hand-off, the approval); `None` when not in these logs.
    pub to_ms: Option<i64>,
    pub server: String,
    /// The status or reason the logs give.
    pub why: String,
}

/// A message's journey.
#[derive(Debug, Clone, Serialize)]
pub struct Journey {
    /// The Message-ID.
    pub message_id: String,
    /// The subject.
    pub subject: String,
    /// The envelope sender.
    pub sender: String,
    /// Every row of the journey, in order.
    pub hops: Vec<Hop>,
    /// The servers.
    pub servers: Vec<ServerSpan>,
    /// From the message's original arrival (the time DELIVER rows give in message-info, where
    /// the cmdlet's MessageLatency starts, else the first RECEIVE/SUBMIT) to the last
    /// DELIVER/SENDEXTERNAL/FAIL of the first delivery attempt (a Safety Net resubmission's
    /// redelivery is not part of it), in ms.
    pub end_to_end_ms: Option<i64>,
    /// The last DELIVER/SENDEXTERNAL/FAIL of the first attempt, when there is one (also when
    /// no RECEIVE/SUBMIT of the message was read).
    pub finished_ms: Option<i64>,
    /// Of `end_to_end_ms`, the time spent waiting for a moderator or a queue retry.
    pub waiting_ms: i64,
    /// Waits: Safety Net resubmissions, deferrals, moderation.
    pub waits: Vec<Wait>,
    /// Servers the message was sent to whose logs were not given.
    pub missing_logs: Vec<MissingLogs>,
    /// The DSNs (NDRs, delay notices) sent about the message, with their own journeys.
    pub dsns: Vec<Hop>,
    /// Outcomes from summary files (no events of their own).
    pub outcomes: Vec<Outcome>,
    /// The hand-off between on premises and Exchange Online, when the message crossed it.
    pub hybrid: Vec<HybridHop>,
    /// The half of a hybrid journey whose rows were not given, and what to add.
    pub missing_half: Option<String>,
}

/// True for a row of a summary file (an outcome, not an event).
fn is_outcome(e: &LogRecord) -> bool {
    e.event_id.is_empty() && (e.data("Status").is_some() || e.data("Summary").is_some())
}

/// True for a host of Exchange Online (Exchange Online Protection's front door, the service's
/// own servers).
fn online_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h.ends_with(".protection.outlook.com")
        || h.ends_with(".outlook.com")
        || h.ends_with(".prod.outlook.com")
}

/// `250 2.6.0 <id> [InternalId=123, Hostname=AM0PR….prod.outlook.com] …`: the id and host the
/// receiving side gave the message.
fn remote_answer(source_context: &str) -> Option<(String, String)> {
    let inner = source_context.split_once("[InternalId=")?.1;
    let (id, rest) = inner.split_once(',')?;
    let host = rest
        .trim()
        .strip_prefix("Hostname=")?
        .split(']')
        .next()?
        .trim();
    Some((id.trim().to_string(), host.to_string()))
}

/// The hand-offs across the hybrid boundary, and which half is missing.
fn hybrid(rows: &[LogRecord]) -> (Vec<HybridHop>, Option<String>) {
    let on_prem = rows.iter().any(|e| e.origin != "ExchangeOnline");
    let online = rows.iter().any(|e| e.origin == "ExchangeOnline");
    let mut hops = Vec::new();
    let mut missing = None;
    for e in rows
        .iter()
        .filter(|e| e.is(&[EventId::Send, EventId::SendExternal]))
    {
        let to_online = e.origin != "ExchangeOnline" && online_host(&e.server_hostname);
        let from_online = e.origin == "ExchangeOnline"
            && !e.server_hostname.is_empty()
            && !online_host(&e.server_hostname);
        if !to_online && !from_online {
            continue;
        }
        let answer = remote_answer(&e.source_context);
        let receiving_origin_online = to_online;
        let receive = rows.iter().find(|r| {
            r.is(&[EventId::Receive])
                && (r.origin == "ExchangeOnline") == receiving_origin_online
                && r.timestamp_ms + 300_000 >= e.timestamp_ms
                && match &answer {
                    Some((id, host)) => {
                        r.internal_message_id == *id
                            && (r.server_hostname.eq_ignore_ascii_case(host)
                                || r.server_hostname.is_empty())
                    }
                    None => true,
                }
        });
        let matched_by = match (&answer, receive) {
            (Some((id, host)), Some(_)) => {
                format!("InternalId {id} on {host} (the receiving side's answer to the SEND)")
            }
            (_, Some(_)) => "the Message-ID".to_string(),
            _ => String::new(),
        };
        hops.push(HybridHop {
            direction: if to_online {
                "to Exchange Online"
            } else {
                "from Exchange Online"
            }
            .into(),
            sent_ms: e.timestamp_ms,
            sent_by: e.server.clone(),
            received_ms: receive.map(|r| r.timestamp_ms),
            received_by: receive.map(|r| r.server.clone()).unwrap_or_default(),
            matched_by,
        });
        if to_online && !online {
            missing = Some(format!(
                "{} handed the message to Exchange Online ({}); its Exchange Online half was not given — add a message trace or historical search export (Get-MessageTraceV2, Start-HistoricalSearch) to see the rest",
                e.server, e.server_hostname
            ));
        }
        if from_online && !on_prem {
            missing = Some(format!(
                "Exchange Online sent the message on to {}; the on-premises half was not given — add those servers' tracking logs or a Get-MessageTrackingLog export",
                e.server_hostname
            ));
        }
    }
    if missing.is_none()
        && online
        && !on_prem
        && let Some(r) = rows.iter().find(|r| {
            r.origin == "ExchangeOnline"
                && r.is(&[EventId::Receive])
                && !r.client_hostname.is_empty()
                && !online_host(&r.client_hostname)
        })
    {
        missing = Some(format!(
            "Exchange Online received the message from {}; if that is an on-premises server, add its tracking logs or a Get-MessageTrackingLog export for the first half",
            r.client_hostname
        ));
    }
    (hops, missing)
}

fn note(e: &LogRecord) -> &'static str {
    match e.event_id.to_ascii_uppercase().as_str() {
        "HAREDIRECT" | "HARECEIVE" | "HADISCARD" | "HAREDIRECTFAIL" | "SUPPRESSED" => "ha",
        "RESUBMIT" if e.source.eq_ignore_ascii_case("SAFETYNET") => "ha",
        "DEFER" => "defer",
        "FAIL" => "fail",
        _ => "",
    }
}

fn peer(e: &LogRecord) -> String {
    match e.event_id.to_ascii_uppercase().as_str() {
        "SEND" | "SENDEXTERNAL" => e.server_hostname.clone(),
        // `EX02.contoso.com=250 2.6.0 … Queued mail for redundancy`: the shadow server.
        "HAREDIRECT" => e
            .source_context
            .split('=')
            .next()
            .unwrap_or_default()
            .to_string(),
        "RECEIVE" | "HARECEIVE" | "DELIVER" => e.client_hostname.clone(),
        _ => String::new(),
    }
}

fn hops(rows: &[LogRecord]) -> Vec<Hop> {
    let mut previous: Option<i64> = None;
    rows.iter()
        .map(|e| {
            let since = previous.map_or(0, |p| e.timestamp_ms - p);
            previous = Some(e.timestamp_ms);
            let recipients = e
                .recipients
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        r.clone(),
                        e.recipient_status.get(i).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            let detail = if e.is(&[EventId::Defer, EventId::Fail]) {
                let status = e.recipient_status.first().cloned().unwrap_or_default();
                if status.is_empty() {
                    e.source_context.clone()
                } else {
                    status
                }
            } else {
                e.source_context.clone()
            };
            Hop {
                timestamp_ms: e.timestamp_ms,
                server: e.server.clone(),
                source: e.source.clone(),
                event_id: e.event_id.clone(),
                recipients,
                connector: e.connector_id.clone(),
                peer: peer(e),
                related: e.related_recipient_address.clone(),
                detail,
                note: note(e).to_string(),
                since_previous_ms: since,
                location: e.location(),
                origin: e.origin.clone(),
            }
        })
        .collect()
}

/// The short name of a host (`EX01` of `EX01.contoso.com`).
fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// The end of the first delivery attempt and the waits: a Safety Net (or dumpster)
/// RESUBMIT starts a second attempt whose rows are not delivery time; a DEFER waits until the
/// next hand-off; a moderated message waits from its arbitration copy (INITMESSAGECREATED) to
/// the moderator's answer.
fn attempt(rows: &[LogRecord]) -> (Option<i64>, Vec<Wait>) {
    let terminal = [
        EventId::Deliver,
        EventId::SendExternal,
        EventId::Fail,
        EventId::DuplicateDeliver,
    ];
    let resubmit = rows.iter().find(|e| e.is(&[EventId::Resubmit]));
    let before = |e: &&LogRecord| resubmit.is_none_or(|r| e.timestamp_ms < r.timestamp_ms);
    let first_attempt_end = rows
        .iter()
        .filter(before)
        .filter(|e| e.is(&terminal))
        .map(|e| e.timestamp_ms)
        .max();
    let end = first_attempt_end.or_else(|| {
        rows.iter()
            .filter(|e| e.is(&terminal))
            .map(|e| e.timestamp_ms)
            .max()
    });
    let mut waits = Vec::new();
    if let Some(r) = resubmit
        && first_attempt_end.is_some()
    {
        let redelivered = rows
            .iter()
            .filter(|e| e.timestamp_ms >= r.timestamp_ms && e.is(&terminal))
            .map(|e| format!("{} on {}", e.event_id, e.server))
            .collect::<Vec<_>>();
        waits.push(Wait {
            kind: "safety-net".into(),
            from_ms: first_attempt_end.unwrap_or(r.timestamp_ms),
            to_ms: Some(r.timestamp_ms),
            server: r.server.clone(),
            why: format!(
                "{} resubmitted the message from {} after it had been delivered (a database failover or lagged copy activation){}",
                r.server,
                if r.source.is_empty() { "Safety Net" } else { &r.source },
                if redelivered.is_empty() {
                    String::new()
                } else {
                    format!("; then {}", redelivered.join(", "))
                }
            ),
        });
    }
    let handoff = [
        EventId::Send,
        EventId::Deliver,
        EventId::SendExternal,
        EventId::Fail,
    ];
    for d in rows.iter().filter(|e| e.is(&[EventId::Defer])) {
        let next = rows
            .iter()
            .filter(|e| e.timestamp_ms >= d.timestamp_ms && e.is(&handoff))
            .map(|e| e.timestamp_ms)
            .min();
        waits.push(Wait {
            kind: "defer".into(),
            from_ms: d.timestamp_ms,
            to_ms: next,
            server: d.server.clone(),
            why: d
                .recipient_status
                .first()
                .cloned()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| d.source_context.clone()),
        });
    }
    let held = rows.iter().find(|e| e.is(&[EventId::InitMessageCreated]));
    let answer = rows
        .iter()
        .find(|e| e.is(&[EventId::ModeratorApprove, EventId::ModeratorReject]));
    if let Some(h) = held {
        waits.push(Wait {
            kind: "moderation".into(),
            from_ms: h.timestamp_ms,
            to_ms: answer.map(|a| a.timestamp_ms),
            server: h.server.clone(),
            why: match answer {
                Some(a) => format!("held for a moderator until {}", a.event_id),
                None => "held for a moderator; no answer in these logs".into(),
            },
        });
    }
    (end, waits)
}

/// Builds the journey of a loaded message.
pub fn trail(message: &MessageRows) -> Journey {
    let (outcome_rows, event_rows): (Vec<LogRecord>, Vec<LogRecord>) =
        message.events.iter().cloned().partition(is_outcome);
    let rows = &event_rows;
    let first = rows.first();
    let mut spans: BTreeMap<String, ServerSpan> = BTreeMap::new();
    for e in rows {
        let span = spans.entry(e.server.clone()).or_insert(ServerSpan {
            server: e.server.clone(),
            first_ms: e.timestamp_ms,
            last_ms: e.timestamp_ms,
            rows: 0,
        });
        span.first_ms = span.first_ms.min(e.timestamp_ms);
        span.last_ms = span.last_ms.max(e.timestamp_ms);
        span.rows += 1;
    }
    let (hybrid_hops, missing_half) = hybrid(rows);
    let mut servers: Vec<ServerSpan> = spans.into_values().collect();
    servers.sort_by_key(|s| s.first_ms);
    let (end, waits) = attempt(rows);
    // The original arrival the DELIVER rows give (where the cmdlet's MessageLatency starts),
    // when it is earlier than the first RECEIVE/SUBMIT logged.
    let arrival = rows
        .iter()
        .filter(|e| e.is(&[EventId::Deliver]) && end.is_none_or(|x| e.timestamp_ms <= x))
        .filter_map(|e| {
            let event = EventId::parse(&e.event_id);
            crate::format::latency::message_latency(
                event,
                &e.source,
                &e.message_info,
                e.timestamp_ms,
            )
            .0
            .map(|l| e.timestamp_ms - l)
        })
        .min();
    let start = rows
        .iter()
        .find(|e| e.is(&[EventId::Submit, EventId::Receive]))
        .map(|e| e.timestamp_ms)
        .map(|s| arrival.map_or(s, |a| a.min(s)));
    let waiting_ms: i64 = waits
        .iter()
        .filter(|w| w.kind != "safety-net")
        .filter_map(|w| {
            let to = w.to_ms?;
            // Only the part inside the first attempt.
            let to = end.map_or(to, |e| to.min(e));
            Some((to - w.from_ms).max(0))
        })
        .sum();
    // Org domains: those of host names that belong to servers whose logs were read.
    let read: BTreeSet<String> = message
        .servers_read
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let org_domains: BTreeSet<String> = rows
        .iter()
        .flat_map(|e| [&e.client_hostname, &e.server_hostname])
        .filter(|h| read.contains(&short(h).to_ascii_lowercase()))
        .filter_map(|h| h.split_once('.').map(|(_, d)| d.to_ascii_lowercase()))
        .collect();
    let mut missing: Vec<MissingLogs> = Vec::new();
    for e in rows
        .iter()
        .filter(|e| e.is(&[EventId::Send]) && e.source.eq_ignore_ascii_case("SMTP"))
    {
        let host = &e.server_hostname;
        let internal = host
            .split_once('.')
            .is_some_and(|(_, d)| org_domains.contains(&d.to_ascii_lowercase()));
        if internal
            && !read.contains(&short(host).to_ascii_lowercase())
            && !missing.iter().any(|m| m.host.eq_ignore_ascii_case(host))
        {
            missing.push(MissingLogs {
                host: host.clone(),
                sent_from: e.server.clone(),
                timestamp_ms: e.timestamp_ms,
            });
        }
    }
    Journey {
        message_id: message.message_id.clone(),
        subject: first.map(|e| e.message_subject.clone()).unwrap_or_default(),
        sender: first.map(|e| e.sender.clone()).unwrap_or_default(),
        hops: hops(rows),
        servers,
        end_to_end_ms: start.zip(end).map(|(s, e)| e - s),
        finished_ms: end,
        waiting_ms,
        waits,
        missing_logs: missing,
        dsns: hops(&message.dsn_events),
        outcomes: outcome_rows
            .iter()
            .flat_map(|e| {
                let status = e
                    .data("Status")
                    .map(str::to_string)
                    .or_else(|| e.recipient_status.first().cloned())
                    .unwrap_or_default();
                let recipients = if e.recipients.is_empty() {
                    vec![String::new()]
                } else {
                    e.recipients.clone()
                };
                recipients.into_iter().map(move |r| Outcome {
                    timestamp_ms: e.timestamp_ms,
                    recipient: r,
                    status: status.clone(),
                    origin: e.origin.clone(),
                    location: e.location(),
                })
            })
            .collect(),
        hybrid: hybrid_hops,
        missing_half,
    }
}
