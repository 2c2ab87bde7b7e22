//! Exchange Online's files: historical search reports (the extended one is the tracking log's
//! 2013 schema with `_` names; the summary is one row per message with every recipient's
//! events), message trace (one row per message and recipient, an outcome, not an event) and
//! trace detail (one row per event, named in the admin's language, details in XML).
//! Times are UTC, as the formats say. A status is never turned into an event: summary rows
//! have no EventId, their outcome is in EventData (`Status`).

use super::{Dates, ExportOptions, Rows, Table, samples};
use crate::format::list::{parse_event_datum, split_members};
use crate::format::time::parse_timestamp_ms;
use crate::format::{Field, LogRecord};

/// The server an Exchange Online row names (its host's first label), else `ExchangeOnline`.
fn online_server(record: &LogRecord) -> String {
    let host = Some(super::gmtl::local_host(record))
        .filter(|h| !h.is_empty() && h.parse::<std::net::IpAddr>().is_err());
    host.and_then(|h| h.split('.').next())
        .filter(|s| !s.is_empty())
        .map_or_else(|| super::EXCHANGE_ONLINE.to_string(), str::to_string)
}

fn members(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    split_members(value, &mut out);
    out.into_iter().map(|m| m.into_owned()).collect()
}

/// An ISO time with up to 7 fractional digits, `Z` or not: UTC.
fn utc_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(ms) = parse_timestamp_ms(t.as_bytes()) {
        return Some(ms);
    }
    let with_z = format!("{}Z", t.trim_end_matches('Z'));
    parse_timestamp_ms(with_z.as_bytes()).ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(&with_z)
            .ok()
            .map(|d| d.timestamp_millis())
    })
}

/// The extended report: the log's own fields, `_` for `-`.
pub(super) fn historical_detail(table: &Table, notes: &mut Vec<String>) -> Result<Rows, String> {
    let col = |f: Field| {
        f.header_name()
            .and_then(|h| table.column(&h.replace('-', "_")))
    };
    let time = table.column("date_time_utc");
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for (line, row) in &table.rows {
        let stamp = table.get(row, time);
        let Some(ms) = utc_ms(stamp) else {
            bad.push((
                *line,
                format!("date_time_utc '{stamp}' is not a time; row left out"),
            ));
            continue;
        };
        let text = |f: Field| table.get(row, col(f)).to_string();
        let number = |f: Field| table.get(row, col(f)).trim().parse::<i64>().ok();
        let record = LogRecord {
            timestamp_ms: ms,
            client_ip: text(Field::ClientIp),
            client_hostname: text(Field::ClientHostname),
            server_ip: text(Field::ServerIp),
            server_hostname: text(Field::ServerHostname),
            source_context: text(Field::SourceContext),
            connector_id: text(Field::ConnectorId),
            source: text(Field::Source),
            event_id: text(Field::EventId),
            internal_message_id: text(Field::InternalMessageId),
            message_id: text(Field::MessageId),
            network_message_id: text(Field::NetworkMessageId),
            recipients: members(&text(Field::Recipients)),
            recipient_status: members(&text(Field::RecipientStatus)),
            total_bytes: number(Field::TotalBytes),
            recipient_count: number(Field::RecipientCount),
            related_recipient_address: text(Field::RelatedRecipientAddress),
            reference: members(&text(Field::Reference)),
            message_subject: text(Field::MessageSubject),
            sender: text(Field::Sender),
            return_path: text(Field::ReturnPath),
            message_info: text(Field::MessageInfo),
            directionality: text(Field::Directionality),
            tenant_id: text(Field::TenantId),
            original_client_ip: text(Field::OriginalClientIp),
            original_server_ip: text(Field::OriginalServerIp),
            event_data: members(&text(Field::EventData))
                .iter()
                .map(|m| {
                    let d = parse_event_datum(m);
                    (d.key.to_string(), d.value.to_string())
                })
                .collect(),
            transport_traffic_type: text(Field::TransportTrafficType),
            log_id: text(Field::LogId),
            schema_version: text(Field::SchemaVersion),
            ..LogRecord::default()
        };
        let server = online_server(&record);
        records.push((*line, record, server));
    }
    if table.rows.iter().any(|(_, r)| {
        table
            .get(r, time)
            .split('.')
            .nth(1)
            .is_some_and(|f| f.trim_end_matches('Z').len() > 3)
    }) {
        notes.push(
            "date_time_utc has 7 fractional digits; times are kept to the millisecond".into(),
        );
    }
    Ok(Rows { records, bad })
}

/// The summary report: one row per (message, recipient), with the recipient's events as its
/// RecipientStatus; no EventId.
pub(super) fn historical_summary(table: &Table, _notes: &mut [String]) -> Result<Rows, String> {
    let c = |n: &str| table.column(n);
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for (line, row) in &table.rows {
        let stamp = table.get(row, c("origin_timestamp_utc"));
        let Some(ms) = utc_ms(stamp) else {
            bad.push((
                *line,
                format!("origin_timestamp_utc '{stamp}' is not a time; row left out"),
            ));
            continue;
        };
        let direction = match table.get(row, c("directionality")).trim() {
            "1" => "Incoming".to_string(),
            "2" => "Originating".to_string(),
            other => other.to_string(),
        };
        let priority = table.get(row, c("delivery_priority")).to_string();
        let statuses = table.get(row, c("recipient_status"));
        for member in statuses.split(';').filter(|m| !m.trim().is_empty()) {
            let (address, events) = match member.split_once("##") {
                Some((a, e)) => (a.trim().trim_matches('"').to_string(), e.trim().to_string()),
                None => (String::new(), member.trim().to_string()),
            };
            let mut event_data = vec![("Summary".to_string(), "MTSummary".to_string())];
            if !priority.is_empty() {
                event_data.push(("DeliveryPriority".into(), priority.clone()));
            }
            let record = LogRecord {
                timestamp_ms: ms,
                recipients: if address.is_empty() {
                    Vec::new()
                } else {
                    vec![address]
                },
                recipient_status: vec![events],
                message_subject: table.get(row, c("message_subject")).to_string(),
                sender: table.get(row, c("sender_address")).to_string(),
                total_bytes: table.get(row, c("total_bytes")).trim().parse().ok(),
                message_id: table.get(row, c("message_id")).to_string(),
                network_message_id: table.get(row, c("network_message_id")).to_string(),
                original_client_ip: table.get(row, c("original_client_ip")).to_string(),
                directionality: direction.clone(),
                connector_id: table.get(row, c("connector_id")).to_string(),
                event_data,
                ..LogRecord::default()
            };
            records.push((*line, record, super::EXCHANGE_ONLINE.to_string()));
        }
    }
    Ok(Rows { records, bad })
}

/// `Get-MessageTrace` (V1, V2): one row per (message, recipient) with its outcome.
pub(super) fn trace_summary(
    table: &Table,
    options: &ExportOptions,
    notes: &mut Vec<String>,
) -> Result<Rows, String> {
    let c = |n: &str| table.column(n);
    let received = c("Received");
    let sample = samples(table, received);
    // ISO times need no culture; culture-formatted ones are found or given (and are UTC).
    let iso = sample.iter().all(|s| utc_ms(s).is_some());
    let dates = if iso {
        None
    } else {
        Some(Dates::find(&sample, options.culture, "Received")?)
    };
    if let Some(a) = dates.as_ref().and_then(|d| d.assumed.clone()) {
        notes.push(a);
    }
    let mut repeated = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for (line, row) in &table.rows {
        let stamp = table.get(row, received);
        let ms = match &dates {
            None => utc_ms(stamp),
            Some(d) => d.utc_ms(stamp, None),
        };
        let Some(ms) = ms else {
            bad.push((
                *line,
                format!("Received '{stamp}' is not a date; row left out"),
            ));
            continue;
        };
        let key = (
            table.get(row, c("MessageTraceId")).to_string(),
            table.get(row, c("RecipientAddress")).to_lowercase(),
            ms,
            table.get(row, c("Status")).to_string(),
        );
        // Paged exports repeat the rows at their boundaries.
        if !seen.insert(key) {
            repeated.push(*line);
            continue;
        }
        let mut event_data = vec![(
            "Status".to_string(),
            table.get(row, c("Status")).to_string(),
        )];
        let trace_id = table.get(row, c("MessageTraceId"));
        if !trace_id.is_empty() {
            event_data.push(("MessageTraceId".into(), trace_id.to_string()));
        }
        let organization = table.get(row, c("Organization"));
        let recipient = table.get(row, c("RecipientAddress")).trim().to_string();
        let record = LogRecord {
            timestamp_ms: ms,
            sender: table.get(row, c("SenderAddress")).to_string(),
            recipients: if recipient.is_empty() {
                Vec::new()
            } else {
                vec![recipient]
            },
            message_subject: table.get(row, c("Subject")).to_string(),
            total_bytes: table.get(row, c("Size")).trim().parse().ok(),
            message_id: table.get(row, c("MessageId")).to_string(),
            original_client_ip: table.get(row, c("FromIP")).to_string(),
            server_ip: table.get(row, c("ToIP")).to_string(),
            tenant_id: organization.to_string(),
            event_data,
            ..LogRecord::default()
        };
        records.push((*line, record, super::EXCHANGE_ONLINE.to_string()));
    }
    if let Some(first) = repeated.first() {
        notes.push(format!(
            "{} row(s) repeat an earlier row (same MessageTraceId, recipient, time and status, as paged exports repeat them at page boundaries) and were read once; the first at line {first}",
            repeated.len()
        ));
    }
    Ok(Rows { records, bad })
}

/// Trace detail event names, English and German, as the admin's EAC or shell wrote them.
const EVENT_NAMES: [(&str, &str); 30] = [
    ("receive", "RECEIVE"),
    ("submit", "SUBMIT"),
    ("send", "SEND"),
    ("send external", "SENDEXTERNAL"),
    ("deliver", "DELIVER"),
    ("fail", "FAIL"),
    ("defer", "DEFER"),
    ("expand", "EXPAND"),
    ("transfer", "TRANSFER"),
    ("resolve", "RESOLVE"),
    ("resolved", "RESOLVE"),
    ("redirect", "REDIRECT"),
    ("drop", "DROP"),
    ("spam", "AGENTINFO"),
    ("malware", "AGENTINFO"),
    ("transport rule", "AGENTINFO"),
    ("dlp rule", "AGENTINFO"),
    ("empfangen", "RECEIVE"),
    ("übermitteln", "SUBMIT"),
    ("senden", "SEND"),
    ("extern senden", "SENDEXTERNAL"),
    ("zustellen", "DELIVER"),
    ("fehler", "FAIL"),
    ("zurückstellen", "DEFER"),
    ("erweitern", "EXPAND"),
    ("übertragen", "TRANSFER"),
    ("auflösen", "RESOLVE"),
    ("umleiten", "REDIRECT"),
    ("verwerfen", "DROP"),
    ("transportregel", "AGENTINFO"),
];

/// `<root><MEP Name="K" String="V"/>…</root>` as (key, value) pairs.
fn mep_pairs(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e))
                if e.name().as_ref().eq_ignore_ascii_case(b"MEP") =>
            {
                let mut name = String::new();
                let mut value = String::new();
                for a in e.attributes().flatten() {
                    let v = a
                        .unescape_value()
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    if a.key.as_ref().eq_ignore_ascii_case(b"Name") {
                        name = v;
                    } else {
                        value = v;
                    }
                }
                if !name.is_empty() {
                    out.push((name, value));
                }
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// `Get-MessageTraceDetail`: one row per event.
pub(super) fn trace_detail(
    table: &Table,
    options: &ExportOptions,
    notes: &mut Vec<String>,
) -> Result<Rows, String> {
    let c = |n: &str| table.column(n);
    let date = c("Date");
    let sample = samples(table, date);
    let iso = sample.iter().all(|s| utc_ms(s).is_some());
    let dates = if iso {
        None
    } else {
        Some(Dates::find(&sample, options.culture, "Date")?)
    };
    if let Some(a) = dates.as_ref().and_then(|d| d.assumed.clone()) {
        notes.push(a);
    }
    let mut unknown_events = std::collections::BTreeSet::new();
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for (line, row) in &table.rows {
        let stamp = table.get(row, date);
        let ms = match &dates {
            None => utc_ms(stamp),
            Some(d) => d.utc_ms(stamp, None),
        };
        let Some(ms) = ms else {
            bad.push((*line, format!("Date '{stamp}' is not a date; row left out")));
            continue;
        };
        let event_name = table.get(row, c("Event")).trim();
        let event_id = EVENT_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&event_name.to_lowercase()))
            .map(|(_, id)| id.to_string());
        if event_id.is_none() && !event_name.is_empty() {
            unknown_events.insert(event_name.to_string());
        }
        let mut record = LogRecord {
            timestamp_ms: ms,
            event_id: event_id.unwrap_or_default(),
            message_id: table.get(row, c("MessageId")).to_string(),
            sender: table.get(row, c("SenderAddress")).to_string(),
            ..LogRecord::default()
        };
        let recipient = table.get(row, c("RecipientAddress")).trim();
        if !recipient.is_empty() {
            record.recipients.push(recipient.to_string());
        }
        record
            .event_data
            .push(("Event".into(), event_name.to_string()));
        for k in ["Action", "Detail", "MessageTraceId"] {
            let v = table.get(row, c(k));
            if !v.is_empty() {
                record.event_data.push((k.into(), v.to_string()));
            }
        }
        for (k, v) in mep_pairs(table.get(row, c("Data"))) {
            match k.to_ascii_lowercase().as_str() {
                "serverhostname" => record.server_hostname = v,
                "clientip" => record.client_ip = v,
                "clientname" => record.client_hostname = v,
                "connectorid" => record.connector_id = v,
                "returnpath" => record.return_path = v,
                "recipientstatus" => record.recipient_status.push(v),
                "relatedrecipient" => record.related_recipient_address = v,
                "sourcecontext" => record.source_context = v,
                "customdata" => record.event_data.extend(members(&v).iter().map(|m| {
                    let d = parse_event_datum(m);
                    (d.key.to_string(), d.value.to_string())
                })),
                _ => record.event_data.push((k, v)),
            }
        }
        let server = online_server(&record);
        records.push((*line, record, server));
    }
    if !unknown_events.is_empty() {
        notes.push(format!(
            "event names msgtrack does not map were kept in EventData (Event) with no EventId: {}",
            unknown_events.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Rows { records, bad })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_detail_data_is_read_as_xml() {
        let pairs = mep_pairs(
            r#"<root><MEP Name="ServerHostName" String="AM0PR04MB1234"/><MEP Name="TotalLatency" Integer="3"/><MEP Name="Quote" String="a &amp; b"/></root>"#,
        );
        assert_eq!(
            pairs,
            [
                ("ServerHostName".to_string(), "AM0PR04MB1234".to_string()),
                ("TotalLatency".into(), "3".into()),
                ("Quote".into(), "a & b".into())
            ]
        );
        assert_eq!(
            utc_ms("2026-11-20T10:00:00.1234567Z"),
            Some(1_795_168_800_123)
        );
        assert_eq!(
            utc_ms("2026-11-20T10:00:00.1234567"),
            Some(1_795_168_800_123)
        );
    }
}
