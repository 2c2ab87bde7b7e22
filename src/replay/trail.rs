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

/// A message's journey.
#[derive(Debug, Clone, Serialize)]
pub struct Journey {
    pub message_id: String,
    pub subject: String,
    pub sender: String,
    pub hops: Vec<Hop>,
    pub servers: Vec<ServerSpan>,
    /// From the first RECEIVE/SUBMIT to the last DELIVER/SENDEXTERNAL/FAIL, in ms.
    pub end_to_end_ms: Option<i64>,
    pub missing_logs: Vec<MissingLogs>,
    /// The DSNs (NDRs, delay notices) sent about the message, with their own journeys.
    pub dsns: Vec<Hop>,
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
            }
        })
        .collect()
}

/// The short name of a host (`EX01` of `EX01.contoso.com`).
fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// Builds the journey of a loaded message.
pub fn trail(message: &MessageRows) -> Journey {
    let rows = &message.events;
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
    let mut servers: Vec<ServerSpan> = spans.into_values().collect();
    servers.sort_by_key(|s| s.first_ms);
    let start = rows
        .iter()
        .find(|e| e.is(&[EventId::Submit, EventId::Receive]))
        .map(|e| e.timestamp_ms);
    let end = rows
        .iter()
        .filter(|e| {
            e.is(&[
                EventId::Deliver,
                EventId::SendExternal,
                EventId::Fail,
                EventId::DuplicateDeliver,
            ])
        })
        .map(|e| e.timestamp_ms)
        .max();
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
        missing_logs: missing,
        dsns: hops(&message.dsn_events),
    }
}
