//! `Get-MessageTrackingLog … | Export-Csv`: one row per event, columns named as the cmdlet's
//! properties (any subset; `Timestamp` and `EventId` required), Timestamp in the exporting
//! session's culture and local time, arrays joined by the script (`;`, `; `, `,`, space) or
//! lost as `System.String[]`.

use super::{Dates, ExportOptions, Rows, Table, samples};
use crate::format::{Field, LogRecord};

/// A column that held an array PowerShell wrote as its type name: the values are gone.
fn lost(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("System.")
        && (v.ends_with("[]") || v.contains("KeyValuePair") || v.contains("Collections"))
}

/// Recipients joined by a script: split on `;`, `,` or spaces when every piece is an address.
fn split_addresses(value: &str) -> Vec<String> {
    let pieces: Vec<&str> = value
        .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.len() > 1 && pieces.iter().all(|p| p.contains('@')) {
        pieces.into_iter().map(str::to_string).collect()
    } else if value.trim().is_empty() {
        Vec::new()
    } else {
        vec![value.trim().to_string()]
    }
}

/// RecipientStatus or Reference joined by a script: split on `;` only when that gives as
/// many pieces as there are recipients (else the value stays one member).
fn split_like(value: &str, recipients: usize) -> Vec<String> {
    if value.trim().is_empty() {
        return Vec::new();
    }
    let pieces: Vec<String> = value.split(';').map(|p| p.trim().to_string()).collect();
    if pieces.len() == recipients || recipients == 0 && pieces.len() > 1 {
        pieces
    } else {
        vec![value.trim().to_string()]
    }
}

/// EventData joined by a script: `Key=Value; …` or PowerShell's `[Key, Value]` pairs.
fn split_event_data(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| {
            let m = m.trim_start_matches('{').trim_end_matches('}');
            if let Some(inner) = m.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                let (k, v) = inner.split_once(", ").unwrap_or((inner, ""));
                (k.to_string(), v.to_string())
            } else {
                let m = m
                    .split_once(':')
                    .filter(|(t, _)| t.len() <= 4 && !t.contains('='))
                    .map_or(m, |(_, r)| r);
                let (k, v) = m.split_once('=').unwrap_or((m, ""));
                (k.to_string(), v.to_string())
            }
        })
        .collect()
}

/// The host an event names as the server that logged it (where Exchange puts its own name).
pub(super) fn local_host(record: &LogRecord) -> &str {
    let event = record.event_id.to_ascii_uppercase();
    let (primary, other) = match crate::ingest::plan::local_host_field(&event) {
        Some(Field::ClientHostname) => (&record.client_hostname, &record.server_hostname),
        _ => (&record.server_hostname, &record.client_hostname),
    };
    if primary.is_empty() { other } else { primary }
}

/// Converts the rows.
pub(super) fn convert(
    table: &Table,
    options: &ExportOptions,
    folder_server: &str,
    notes: &mut Vec<String>,
) -> Result<Rows, String> {
    let col = |name: &str| table.column(name);
    let time = col("Timestamp");
    let dates = Dates::find(&samples(table, time), options.culture, "Timestamp")?;
    if let Some(a) = &dates.assumed {
        notes.push(a.clone());
    }
    notes.push(format!(
        "Timestamp is the exporting session's local time: read in {}{}",
        options.zone.label(),
        if options.zone_given {
            ""
        } else {
            " (give the exporting machine's zone with --tz)"
        }
    ));
    let computer = col("PSComputerName");
    let text_of = |row: &[String], f: Field| table.get(row, col(f.name())).to_string();
    let mut lost_columns: Vec<&str> = Vec::new();
    let mut records = Vec::with_capacity(table.rows.len());
    for (line, row) in &table.rows {
        let stamp = table.get(row, time);
        let Some(ms) = dates.utc_ms(stamp, Some(options.zone)) else {
            return Err(format!(
                "line {line}: the Timestamp '{stamp}' is not a date in the {} culture",
                dates.culture.label()
            ));
        };
        let list = |f: Field| -> Option<String> {
            let v = table.get(row, col(f.name()));
            if lost(v) { None } else { Some(v.to_string()) }
        };
        let recipients = match list(Field::Recipients) {
            Some(v) => split_addresses(&v),
            None => {
                lost_columns.push("Recipients");
                Vec::new()
            }
        };
        let status = match list(Field::RecipientStatus) {
            Some(v) => split_like(&v, recipients.len()),
            None => {
                lost_columns.push("RecipientStatus");
                Vec::new()
            }
        };
        let reference = match list(Field::Reference) {
            Some(v) => split_like(&v, 0),
            None => {
                lost_columns.push("Reference");
                Vec::new()
            }
        };
        let event_data = match list(Field::EventData) {
            Some(v) => split_event_data(&v),
            None => {
                lost_columns.push("EventData");
                Vec::new()
            }
        };
        let number = |f: Field| table.get(row, col(f.name())).trim().parse::<i64>().ok();
        let record = LogRecord {
            timestamp_ms: ms,
            client_ip: text_of(row, Field::ClientIp),
            client_hostname: text_of(row, Field::ClientHostname),
            server_ip: text_of(row, Field::ServerIp),
            server_hostname: text_of(row, Field::ServerHostname),
            source_context: text_of(row, Field::SourceContext),
            connector_id: text_of(row, Field::ConnectorId),
            source: text_of(row, Field::Source),
            event_id: text_of(row, Field::EventId),
            internal_message_id: text_of(row, Field::InternalMessageId),
            message_id: text_of(row, Field::MessageId),
            network_message_id: text_of(row, Field::NetworkMessageId),
            recipients,
            recipient_status: status,
            total_bytes: number(Field::TotalBytes),
            recipient_count: number(Field::RecipientCount),
            related_recipient_address: text_of(row, Field::RelatedRecipientAddress),
            reference,
            message_subject: text_of(row, Field::MessageSubject),
            sender: text_of(row, Field::Sender),
            return_path: text_of(row, Field::ReturnPath),
            message_info: text_of(row, Field::MessageInfo),
            directionality: text_of(row, Field::Directionality),
            tenant_id: text_of(row, Field::TenantId),
            original_client_ip: text_of(row, Field::OriginalClientIp),
            original_server_ip: text_of(row, Field::OriginalServerIp),
            event_data,
            transport_traffic_type: text_of(row, Field::TransportTrafficType),
            log_id: text_of(row, Field::LogId),
            schema_version: text_of(row, Field::SchemaVersion),
            ..LogRecord::default()
        };
        // The server queried (PSComputerName), else the host the event names, else the folder.
        let server = {
            let named = table.get(row, computer).trim();
            let host = local_host(&record);
            let pick = if !named.is_empty() {
                named
            } else if !host.is_empty() {
                host
            } else {
                folder_server
            };
            pick.split('.').next().unwrap_or(pick).to_string()
        };
        records.push((*line, record, server));
    }
    lost_columns.sort_unstable();
    lost_columns.dedup();
    if !lost_columns.is_empty() {
        notes.push(format!(
            "the export lost the values of {} (PowerShell wrote the array's type name, e.g. System.String[]); the rows are kept with those columns empty — re-export with @{{n='Recipients';e={{$_.Recipients -join ';'}}}} and the like",
            lost_columns.join(", ")
        ));
    }
    Ok(Rows { records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_as_scripts_join_them() {
        assert_eq!(split_addresses("a@x.com; b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(split_addresses("a@x.com,b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(split_addresses("a@x.com b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(
            split_addresses("IMCEAEX-_o=X_cn=Y@x.com"),
            ["IMCEAEX-_o=X_cn=Y@x.com"]
        );
        assert_eq!(split_like("250 OK;550 no", 2), ["250 OK", "550 no"]);
        assert_eq!(split_like("550 5.1.1 x; y", 1), ["550 5.1.1 x; y"]);
        assert!(lost("System.String[]"));
        assert!(lost(
            "System.Collections.Generic.KeyValuePair`2[System.String,System.Object][]"
        ));
        assert!(!lost("a@x.com"));
        assert_eq!(
            split_event_data("[DeliveryPriority, Normal]; [AccountForest, contoso.com]"),
            [
                ("DeliveryPriority".to_string(), "Normal".to_string()),
                ("AccountForest".into(), "contoso.com".into())
            ]
        );
        assert_eq!(
            split_event_data("S:K=V;L=W"),
            [("K".to_string(), "V".to_string()), ("L".into(), "W".into())]
        );
    }
}
